/* cfg.c - not yet written */
#include "config.h"

#include "cfg.h"
