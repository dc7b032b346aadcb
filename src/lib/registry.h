#ifndef JF_REGISTRY_H
#define JF_REGISTRY_H
#endif
