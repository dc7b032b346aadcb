/* log.c - not yet written */
#include "config.h"

#include "log.h"
