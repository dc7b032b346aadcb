/* ini.c - not yet written */
#include "config.h"

#include "ini.h"
