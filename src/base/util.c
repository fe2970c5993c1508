#include "config.h"

#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static void
oom(void)
{
    fputs("miniinet: out of memory\n", stderr);
    abort();
}

void *
xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p) {
        oom();
    }
    return p;
}

void *
xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

    if (!p) {
        oom();
    }
    return p;
}

void *
xrealloc(void *old, size_t n)
{
    void *p = realloc(old, n ? n : 1);

    if (!p) {
        oom();
    }
    return p;
}

char *
xstrdup(const char *s)
{
    char *p = strdup(s);

    if (!p) {
        oom();
    }
    return p;
}

char *
xasprintf(const char *fmt, ...)
{
    va_list args;
    char *s;

    va_start(args, fmt);
    if (vasprintf(&s, fmt, args) < 0) {
        oom();
    }
    va_end(args);
    return s;
}

char *
util_join_words(char *const *words, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++) {
        len += strlen(words[i]) + 1;
    }
    char *text = xmalloc(len);
    char *at = text;
    *at = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(words[i]);
        if (i) {
            *at++ = ' ';
        }
        memcpy(at, words[i], k + 1);
        at += k;
    }
    return text;
}

void *
xgrow(void *array, size_t *cap, size_t n, size_t size)
{
    if (n <= *cap) {
        return array;
    }
    size_t new_cap = *cap ? *cap : 8;
    while (new_cap < n) {
        new_cap *= 2;
    }
    if (new_cap > (size_t)-1 / size) {
        oom();
    }
    *cap = new_cap;
    return xrealloc(array, new_cap * size);
}

bool
util_valid_name(const char *s, size_t max)
{
    size_t len = strlen(s);

    if (len == 0 || len > max) {
        return false;
    }
    return strspn(s, "abcdefghijklmnopqrstuvwxyz"
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789_-") == len;
}

bool
util_valid_bridge_name(const char *s, size_t max)
{
    size_t len = strlen(s);

    if (len == 0 || len > max || s[0] == '.') {
        return false;
    }
    return strspn(s, "abcdefghijklmnopqrstuvwxyz"
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789_-.") == len;
}

char **
util_split(const char *s, char sep, size_t *n)
{
    size_t count = 1;
    for (const char *p = s; *p; p++) {
        count += *p == sep;
    }

    char **v = xcalloc(count + 1, sizeof *v);
    size_t i = 0;
    const char *start = s;
    for (const char *p = s;; p++) {
        if (*p == sep || *p == '\0') {
            v[i] = xmalloc((size_t)(p - start) + 1);
            memcpy(v[i], start, (size_t)(p - start));
            v[i][p - start] = '\0';
            i++;
            start = p + 1;
            if (*p == '\0') {
                break;
            }
        }
    }
    if (n) {
        *n = i;
    }
    return v;
}

void
util_free_strv(char **v)
{
    if (v) {
        for (char **p = v; *p; p++) {
            free(*p);
        }
        free(v);
    }
}

static double
rusage_seconds(int who)
{
    struct rusage ru;
    if (getrusage(who, &ru)) {
        return 0.0;
    }
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

double
util_cpu_seconds(void)
{
    return rusage_seconds(RUSAGE_SELF) + rusage_seconds(RUSAGE_CHILDREN);
}

double
util_monotonic(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

char *
util_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "re");
    char *buf = NULL;
    size_t cap = 0, n;
    char chunk[65536];

    *len = 0;
    if (!f) {
        return NULL;
    }
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        buf = xgrow(buf, &cap, *len + n + 1, 1);
        memcpy(buf + *len, chunk, n);
        *len += n;
    }
    fclose(f);
    if (!buf) {
        buf = xstrdup("");
    }
    buf[*len] = '\0';
    return buf;
}

const char *
util_plural(size_t n)
{
    return n == 1 ? "" : "s";
}
