#include "config.h"

#include "progress.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static double start, phase_start, last_draw;
static const char *phase;
static size_t done, total;
static bool live;

void
progress_init(void)
{
    start = util_monotonic();
    live = isatty(STDERR_FILENO) && log_get_verbosity() == 1;
}

double
progress_elapsed(void)
{
    return util_monotonic() - start;
}

static void
draw(bool final)
{
    double t = util_monotonic();

    if (!final && t - last_draw < 0.1) {
        return;
    }
    last_draw = t;
    if (total) {
        fprintf(stderr, "\r\033[K[%6.1fs] %s %zu/%zu", t - start, phase, done,
                total);
    } else {
        fprintf(stderr, "\r\033[K[%6.1fs] %s", t - start, phase);
    }
    if (final) {
        fprintf(stderr, " (%.1fs)\n", t - phase_start);
    }
    fflush(stderr);
}

void
progress_phase(const char *name, size_t n)
{
    pthread_mutex_lock(&mutex);
    phase = name;
    done = 0;
    total = n;
    phase_start = util_monotonic();
    last_draw = 0;
    if (live) {
        draw(false);
    } else if (total) {
        log_info("[%6.1fs] %s: %zu to do", phase_start - start, name, n);
    } else {
        log_info("[%6.1fs] %s", phase_start - start, name);
    }
    pthread_mutex_unlock(&mutex);
}

void
progress_tick(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&mutex);
    done++;
    if (live) {
        draw(false);
    }
    pthread_mutex_unlock(&mutex);
}

double
progress_end(void)
{
    pthread_mutex_lock(&mutex);
    double took = util_monotonic() - phase_start;
    if (live) {
        draw(true);
    } else {
        log_info("[%6.1fs] %s: done in %.2fs", util_monotonic() - start, phase,
                 took);
    }
    pthread_mutex_unlock(&mutex);
    return took;
}
