/* req.c - not yet written */
#include "config.h"

#include "req.h"
