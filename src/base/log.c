#include "config.h"

#include "log.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static int verbosity = 1;
static log_sink_fn *sink;
static void *sink_aux;
static unsigned n_errors;
static pthread_mutex_t log_mutex = PTHREAD_MUTEX_INITIALIZER;

void
log_set_verbosity(int v)
{
    verbosity = v;
}

int
log_get_verbosity(void)
{
    return verbosity;
}

void
log_set_sink(log_sink_fn *fn, void *aux)
{
    sink = fn;
    sink_aux = aux;
}

static bool
log_passes(enum mi_log_level level)
{
    switch (level) {
    case MI_LOG_ERROR:
        return true;
    case MI_LOG_WARN:
    case MI_LOG_INFO:
        return verbosity >= 1;
    case MI_LOG_DEBUG:
    default:
        return verbosity >= 2;
    }
}

static const char *
log_prefix(enum mi_log_level level)
{
    switch (level) {
    case MI_LOG_ERROR:
        return "miniinet: error: ";
    case MI_LOG_WARN:
        return "miniinet: warning: ";
    case MI_LOG_DEBUG:
        return "miniinet: debug: ";
    case MI_LOG_INFO:
    default:
        return "miniinet: ";
    }
}

static void
log_emit(enum mi_log_level level, bool located, const char *fmt, va_list args)
{
    char buf[4096];

    pthread_mutex_lock(&log_mutex);
    if (level == MI_LOG_ERROR) {
        n_errors++;
    }
    if (log_passes(level)) {
        vsnprintf(buf, sizeof buf, fmt, args);
        if (sink) {
            sink(level, buf, sink_aux);
        } else {
            /* "FILE:LINE: message" stands alone, as compilers print it. */
            fprintf(stderr, "%s%s\n", located ? "" : log_prefix(level), buf);
        }
    }
    pthread_mutex_unlock(&log_mutex);
}

void
log_vmsg(enum mi_log_level level, const char *fmt, va_list args)
{
    log_emit(level, false, fmt, args);
}

void
log_msg(enum mi_log_level level, const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    log_vmsg(level, fmt, args);
    va_end(args);
}

static void log_located(const char *fmt, ...) MI_PRINTF(1, 2);

static void
log_located(const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    log_emit(MI_LOG_ERROR, true, fmt, args);
    va_end(args);
}

void
log_error_at(const char *file, int line, const char *fmt, ...)
{
    char msg[3072];
    va_list args;

    va_start(args, fmt);
    vsnprintf(msg, sizeof msg, fmt, args);
    va_end(args);
    if (line > 0) {
        log_located("%s:%d: %s", file, line, msg);
    } else {
        log_located("%s: %s", file, msg);
    }
}

unsigned
log_error_count(void)
{
    return n_errors;
}

void
log_reset_errors(void)
{
    n_errors = 0;
}
