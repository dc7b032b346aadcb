/* server.c - not yet written */
#include "config.h"

#include "server.h"
