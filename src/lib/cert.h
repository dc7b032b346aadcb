#ifndef JF_CERT_H
#define JF_CERT_H
#endif
