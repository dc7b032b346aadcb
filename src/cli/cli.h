#ifndef JF_CLI_H
#define JF_CLI_H
#endif
