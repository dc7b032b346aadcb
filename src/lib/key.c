/* key.c - not yet written */
#include "config.h"

#include "key.h"
