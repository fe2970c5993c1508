/* Logging and user-facing errors.
 *
 * Everything the user reads goes through here: errors and warnings to
 * stderr, progress (info) to stderr, debug only with -v.  Standard output is
 * kept for data (plans, JSON, listings).  Tests install a sink to capture
 * messages and assert on them.
 */
#ifndef MINIINET_LOG_H
#define MINIINET_LOG_H 1

#include <miniinet/plugin.h>

/* -q: 0 (errors only), default: 1 (warnings, info), -v: 2 (debug). */
void log_set_verbosity(int verbosity);
int log_get_verbosity(void);

/* A sink receives every message that passes the verbosity filter, already
 * formatted, without a trailing newline.  NULL restores stderr. */
typedef void log_sink_fn(enum mi_log_level, const char *msg, void *aux);
void log_set_sink(log_sink_fn *fn, void *aux);

void log_msg(enum mi_log_level, const char *fmt, ...) MI_PRINTF(2, 3);
void log_vmsg(enum mi_log_level, const char *fmt, va_list) MI_PRINTF(2, 0);

#define log_error(...) log_msg(MI_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(MI_LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(MI_LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(MI_LOG_DEBUG, __VA_ARGS__)

/* "FILE:LINE: message" as an error; line <= 0 prints "FILE: message". */
void log_error_at(const char *file, int line, const char *fmt, ...)
    MI_PRINTF(3, 4);

/* Number of errors logged since start (or since log_reset_errors()). */
unsigned log_error_count(void);
void log_reset_errors(void);

#endif
