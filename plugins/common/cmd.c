/* Running programs from plugins; see cmd.h. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

void
args_push(struct args *a, char *s)
{
    if (!s) {
        a->nomem = true;
        return;
    }
    if (a->n + 2 > a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 32;
        char **v = realloc(a->v, cap * sizeof *v);
        if (!v) {
            free(s);
            a->nomem = true;
            return;
        }
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = s;
    a->v[a->n] = NULL;
    a->bytes += strlen(s) + 1 + sizeof(char *);
}

void
args_add(struct args *a, const char *s)
{
    args_push(a, strdup(s));
}

void
args_addf(struct args *a, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0) {
        s = NULL;
    }
    va_end(ap);
    args_push(a, s);
}

void
args_truncate(struct args *a, size_t n)
{
    while (a->n > n) {
        char *s = a->v[--a->n];
        a->bytes -= strlen(s) + 1 + sizeof(char *);
        free(s);
    }
    if (a->v) {
        a->v[a->n] = NULL;
    }
}

void
args_free(struct args *a)
{
    args_truncate(a, 0);
    free(a->v);
    memset(a, 0, sizeof *a);
}

char *
cmd_path_join(const char *dir, const char *file)
{
    char *s;

    return asprintf(&s, "%s/%s", dir, file) < 0 ? NULL : s;
}

char *
cmd_find_program(const char *name)
{
    const char *path = getenv("PATH");
    char *dirs;

    if (asprintf(&dirs, "%s:/usr/sbin:/usr/local/sbin:/sbin",
                 path && *path ? path : "/usr/bin:/bin") < 0) {
        return strdup(name);
    }
    char *save = NULL;
    for (char *d = strtok_r(dirs, ":", &save); d;
         d = strtok_r(NULL, ":", &save)) {
        char *full = cmd_path_join(d, name);
        if (full && !access(full, X_OK)) {
            free(dirs);
            return full;
        }
        free(full);
    }
    free(dirs);
    return strdup(name);
}

int
cmd_run(const struct mi_host *host, const char *plugin, const struct args *a,
        char **out)
{
    if (out) {
        *out = NULL;
    }
    if (a->nomem || !a->n) {
        host->error("%s: out of memory building a command line", plugin);
        return -ENOMEM;
    }
    return host->run((const char *const *)a->v, out);
}

const char *
cmd_status_text(int status, char *buf, size_t len)
{
    if (status < 0) {
        return strerror(-status);
    }
    snprintf(buf, len, "exit status %d", status);
    return buf;
}

bool
cmd_in_lines(const char *list, const char *name)
{
    size_t len = strlen(name);

    for (const char *p = list; p && *p;) {
        const char *nl = strchrnul(p, '\n');
        if ((size_t)(nl - p) == len && !memcmp(p, name, len)) {
            return true;
        }
        p = *nl ? nl + 1 : nl;
    }
    return false;
}

bool
cmd_csv_value(const char *list, const char *key, char *buf, size_t len)
{
    size_t n = strlen(key);

    for (const char *p = list; p && *p;) {
        const char *nl = strchrnul(p, '\n');
        if ((size_t)(nl - p) > n + 1 && !strncmp(p, key, n) && p[n] == ',') {
            const char *v = p + n + 1;
            size_t vlen = (size_t)(nl - v);
            if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
                v++;
                vlen -= 2;
            }
            snprintf(buf, len, "%.*s", (int)vlen, v);
            return vlen > 0;
        }
        p = *nl ? nl + 1 : nl;
    }
    return false;
}
