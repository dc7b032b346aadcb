/* net.h - net: the only code that touches the network: bounded HTTPS
 * fetches with libcurl and their rules (fetch, rules).
 */
#ifndef JF_NET_H
#define JF_NET_H

#include "net/fetch.h"

#endif
