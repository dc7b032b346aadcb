/* util.h - util: what every other folder uses: one error enum (err), log lines
 * (log), strict numbers (num), bounded file reads (file), JSON with limits
 * (json), x-www-form-urlencoded bodies (form), metrics all processes share
 * in the Prometheus text format (metrics).
 */
#ifndef JF_UTIL_H
#define JF_UTIL_H

#include "util/err.h"
#include "util/log.h"
#include "util/num.h"
#include "util/file.h"
#include "util/json.h"
#include "util/form.h"
#include "util/metrics.h"

#endif
