/* cert.c - not yet written */
#include "config.h"

#include "cert.h"
