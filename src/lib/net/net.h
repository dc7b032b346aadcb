/* net.h - net: the only code that touches the network: bounded HTTPS
 * fetches with libcurl and their rules (fetch, rules), and the table of
 * fetched documents every process of a program shares (docs).
 */
#ifndef JF_NET_H
#define JF_NET_H

#include "net/docs.h"
#include "net/fetch.h"

#endif
