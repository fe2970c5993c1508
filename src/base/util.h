/* Small helpers shared by the core modules. */
#ifndef MINIINET_UTIL_H
#define MINIINET_UTIL_H 1

#include <stdbool.h>
#include <stddef.h>

#include <miniinet/plugin.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation that cannot fail: on exhaustion the process aborts with a
 * message, as there is nothing sensible left to do. */
void *xmalloc(size_t);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *, size_t);
char *xstrdup(const char *);
char *xasprintf(const char *fmt, ...) MI_PRINTF(1, 2);
/* words[0..n) joined by single spaces ("rate 10mbit delay 5ms"), for
 * messages; "" when n is 0. */
char *util_join_words(char *const *words, size_t n);

/* Grows *array (of *cap elements of `size` bytes) to hold at least n. */
void *xgrow(void *array, size_t *cap, size_t n, size_t size);

/* True if `s` is 1..max characters of [A-Za-z0-9_-]: what the topology
 * allows in names, so that every generated name is a safe file name,
 * namespace name and interface name fragment. */
bool util_valid_name(const char *s, size_t max);
/* A name the plan gives a bridge (names_switch_bridge()): as above, dots
 * allowed ("63_L2.0.1"), not at the start. */
bool util_valid_bridge_name(const char *s, size_t max);

/* Splits "a,b,c" into a NULL-terminated array of malloc()ed strings. */
char **util_split(const char *s, char sep, size_t *n);
void util_free_strv(char **);

/* The whole file `path`, NUL-terminated (malloc()ed), its size in *len;
 * NULL with errno set if it cannot be opened. */
char *util_read_file(const char *path, size_t *len);

/* Seconds on the monotonic clock (for durations and deadlines). */
double util_monotonic(void);
/* CPU seconds this process used so far, with its children waited for. */
double util_cpu_seconds(void);

/* "s" unless n is 1: "%zu link%s", n, util_plural(n). */
const char *util_plural(size_t n);

#endif
