/* registry.c - not yet written */
#include "config.h"

#include "registry.h"
