/* Progress of a long operation, phase by phase.
 *
 * On a terminal (stderr is a tty and not -q) one live line is redrawn:
 * "[  3.2s] links 120/480".  Otherwise each phase prints timestamped lines
 * when it starts and ends, so logs of CI runs stay readable.  Ticks come
 * from any thread. */
#ifndef MINIINET_PROGRESS_H
#define MINIINET_PROGRESS_H 1

#include <stddef.h>

void progress_init(void);

/* Starts phase `name` with `total` items (0: no count). */
void progress_phase(const char *name, size_t total);

/* One more item of the current phase done.  Thread-safe. */
void progress_tick(void *unused);

/* Ends the current phase, printing its duration.  Returns the seconds the
 * phase took. */
double progress_end(void);

/* Seconds since progress_init(). */
double progress_elapsed(void);

#endif
