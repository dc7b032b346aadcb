#ifndef JF_AUTHZ_H
#define JF_AUTHZ_H
#endif
