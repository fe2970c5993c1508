/* A pool of threads that runs one function over the indices 0..n-1.
 *
 * The orchestrator's independent work items (one node, one router) go
 * through here: `-j N` threads take the next index until none is left.
 * Every item runs, even after another failed, so that one broken node does
 * not hide the others' errors. */
#ifndef MINIINET_WORKERS_H
#define MINIINET_WORKERS_H 1

#include <stddef.h>

/* Called once per index, from any of the threads.  Returns 0 or -errno. */
typedef int workers_fn(size_t index, void *aux);

/* Runs fn(i, aux) for every i < n on up to `jobs` threads (1: in the
 * calling thread) and waits for all of them.  `tick`, when not NULL, is
 * called after each item (from the worker thread) for progress.  Returns
 * 0, or the error of the failed item with the lowest index. */
int workers_run(size_t n, unsigned jobs, workers_fn *fn, void *aux,
                void (*tick)(void *aux), void *tick_aux);

#endif
