/* jwks.c - not yet written */
#include "config.h"

#include "jwks.h"
