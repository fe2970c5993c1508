/* `miniinet serve` (serve.c). */
#ifndef MINIINET_SERVE_H
#define MINIINET_SERVE_H 1

#include "session.h"

/* Serves the dashboard of the session's network on `listen` (IPv4
 * ADDRESS:PORT), a probe round every `period` seconds, each interrupted
 * after `round_limit` seconds (--round-limit as given, checked by
 * dash_round_limit(); NULL: DASH_ROUND_LIMIT_S), until SIGINT or SIGTERM.
 * Returns an exit status; a bad value is a usage error before anything
 * starts. */
int serve_run(struct session *, const char *listen, unsigned period,
              const char *round_limit);

#endif
