/* conf.h - conf: configuration files: the INI reader every program's file
 * uses (ini) and the authorizer's configuration (cfg: globals; issuer:
 * the [issuer] sections; common: their shared helpers; cfg -> issuer ->
 * common).
 */
#ifndef JF_CONF_H
#define JF_CONF_H

#include "conf/ini.h"
#include "conf/cfg.h"

#endif
