/* json.c - not yet written */
#include "config.h"

#include "json.h"
