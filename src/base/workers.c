#include "config.h"

#include "workers.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

struct pool {
    size_t n;
    atomic_size_t next;
    workers_fn *fn;
    void *aux;
    void (*tick)(void *aux);
    void *tick_aux;
    pthread_mutex_t mutex;
    size_t first_failed; /* n: none */
    int error;
};

static void *
worker(void *pool_)
{
    struct pool *pool = pool_;

    for (;;) {
        size_t i = atomic_fetch_add(&pool->next, 1);
        if (i >= pool->n) {
            return NULL;
        }
        int error = pool->fn(i, pool->aux);
        if (error) {
            pthread_mutex_lock(&pool->mutex);
            if (i < pool->first_failed) {
                pool->first_failed = i;
                pool->error = error;
            }
            pthread_mutex_unlock(&pool->mutex);
        }
        if (pool->tick) {
            pool->tick(pool->tick_aux);
        }
    }
}

int
workers_run(size_t n, unsigned jobs, workers_fn *fn, void *aux,
            void (*tick)(void *aux), void *tick_aux)
{
    struct pool pool = {
        .n = n,
        .fn = fn,
        .aux = aux,
        .tick = tick,
        .tick_aux = tick_aux,
        .first_failed = n,
    };
    atomic_init(&pool.next, 0);
    pthread_mutex_init(&pool.mutex, NULL);

    size_t n_threads = jobs > n ? n : jobs;
    pthread_t *threads = xcalloc(n_threads ? n_threads : 1, sizeof *threads);
    size_t started = 0;
    for (size_t t = 1; t < n_threads; t++) {
        int error = pthread_create(&threads[t], NULL, worker, &pool);
        if (error) {
            log_warn("cannot start a worker thread: %s; going on with %zu",
                     strerror(error), started + 1);
            break;
        }
        started++;
    }
    worker(&pool); /* the calling thread works too */
    for (size_t t = 1; t <= started; t++) {
        pthread_join(threads[t], NULL);
    }
    free(threads);
    pthread_mutex_destroy(&pool.mutex);
    return pool.error;
}
