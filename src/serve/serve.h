/* `miniinet serve` (serve.c). */
#ifndef MINIINET_SERVE_H
#define MINIINET_SERVE_H 1

#include "session.h"

/* Serves the dashboard of the session's network on `listen` (IPv4
 * ADDRESS:PORT), a probe round every `period` seconds, until SIGINT or
 * SIGTERM.  Returns an exit status. */
int serve_run(struct session *, const char *listen, unsigned period);

#endif
