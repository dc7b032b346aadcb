/* b64.c - not yet written */
#include "config.h"

#include "b64.h"
