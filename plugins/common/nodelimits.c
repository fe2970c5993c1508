/* Per-node resource limits from a runtime's settings (nodelimits.h). */
#include "config.h"

#include "nodelimits.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_prefix[LIMITS_KINDS] = {
    [LIMITS_ROUTER] = "router_",
    [LIMITS_HOST] = "host_",
    [LIMITS_ROUTESERVER] = "routeserver_",
};

long long
limits_parse_cpus(const char *text)
{
    char *end;

    /* strtod() would take " 2", "0x10" or "inf". */
    if (!text || *text < '0' || *text > '9' ||
        strspn(text, "0123456789.") != strlen(text)) {
        return -1;
    }
    errno = 0;
    double cpus = strtod(text, &end);
    if (errno || end == text || *end || !(cpus >= 0) || cpus > 1024) {
        return -1;
    }
    return llround(cpus * 1e9);
}

long long
limits_parse_memory(const char *text)
{
    char *end;

    if (!text || *text < '0' || *text > '9') {
        return -1;
    }
    errno = 0;
    unsigned long long n = strtoull(text, &end, 10);
    if (errno) {
        return -1;
    }
    unsigned shift = 0;
    switch (*end) {
    case '\0':
        break;
    case 'k':
    case 'K':
        shift = 10;
        break;
    case 'm':
    case 'M':
        shift = 20;
        break;
    case 'g':
    case 'G':
        shift = 30;
        break;
    case 't':
    case 'T':
        shift = 40;
        break;
    default:
        return -1;
    }
    if (*end && end[1]) {
        return -1;
    }
    if (n > (1ULL << 62) >> shift) {
        return -1;
    }
    return (long long)(n << shift);
}

/* A string setting turned into a number by `parse` (-1: not one), at
 * least `min` unless 0; otherwise "'TEXT' is not `what`", reported. */
static int
read_parsed(const struct mi_host *host, const struct mi_settings *settings,
            const char *key, long long (*parse)(const char *), long long min,
            const char *what, long long *out)
{
    const char *text;
    int error = host->setting_string(settings, key, &text);

    if (error) {
        return error;
    }
    long long v = parse(text);
    if (v < 0 || (v > 0 && v < min)) {
        host->setting_error(settings, key, "'%s' is not %s", text, what);
        return -EINVAL;
    }
    *out = v;
    return 0;
}

static int
read_cpus(const struct mi_host *host, const struct mi_settings *settings,
          const char *key, long long *out)
{
    return read_parsed(host, settings, key, limits_parse_cpus, 0,
                       "a number of CPUs between 0 (no limit) and 1024, "
                       "e.g. \"2\" or \"0.5\"",
                       out);
}

static int
read_memory(const struct mi_host *host, const struct mi_settings *settings,
            const char *key, long long *out)
{
    return read_parsed(host, settings, key, limits_parse_memory,
                       LIMITS_MIN_MEMORY,
                       "a memory size of at least 16M, such as \"512M\" or "
                       "\"2G\" (\"0\": no limit)",
                       out);
}

static int
read_pids(const struct mi_host *host, const struct mi_settings *settings,
          const char *key, long long *out)
{
    /* Linux's own maximum (PID_MAX_LIMIT); FRR's four daemons and vtysh
     * need about 10. */
    return host->setting_int(settings, key, 0, 4194304, out);
}

typedef int reader(const struct mi_host *, const struct mi_settings *,
                   const char *, long long *);

/* Reads `what` for every kind: the key for every node, then each kind's. */
static int
read_all(const struct mi_host *host, const struct mi_settings *settings,
         const char *what, reader *read, struct limits *out, size_t offset)
{
    long long all = -1;
    int status = 0;
    int error = read(host, settings, what, &all);

    if (error == -EINVAL) {
        status = error;
    }
    for (int k = 0; k < LIMITS_KINDS; k++) {
        char key[64];
        long long *value = (long long *)((char *)&out->kind[k] + offset);
        snprintf(key, sizeof key, "%s%s", kind_prefix[k], what);
        if (all >= 0) {
            *value = all;
        }
        error = read(host, settings, key, value);
        if (error == -EINVAL) {
            status = error;
        }
    }
    return status;
}

int
limits_configure(const struct mi_host *host,
                 const struct mi_settings *settings, struct limits *out)
{
    static const struct node_limits defaults[LIMITS_KINDS] = {
        [LIMITS_ROUTER] = {LIMITS_DEFAULT_CPUS, LIMITS_DEFAULT_PIDS,
                           LIMITS_DEFAULT_ROUTER_MEMORY},
        [LIMITS_HOST] = {LIMITS_DEFAULT_CPUS, LIMITS_DEFAULT_PIDS,
                         LIMITS_DEFAULT_HOST_MEMORY},
        [LIMITS_ROUTESERVER] = {LIMITS_DEFAULT_CPUS, LIMITS_DEFAULT_RS_PIDS,
                                LIMITS_DEFAULT_RS_MEMORY},
    };

    memcpy(out->kind, defaults, sizeof defaults);
    int e1 = read_all(host, settings, "cpus", read_cpus, out,
                      offsetof(struct node_limits, nano_cpus));
    int e2 = read_all(host, settings, "pids_limit", read_pids, out,
                      offsetof(struct node_limits, pids));
    int e3 = read_all(host, settings, "memory", read_memory, out,
                      offsetof(struct node_limits, memory));
    return e1 ? e1 : e2 ? e2 : e3;
}

const struct node_limits *
limits_of(const struct limits *l, enum mi_node_kind kind)
{
    switch (kind) {
    case MI_NODE_ROUTER:
        return &l->kind[LIMITS_ROUTER];
    case MI_NODE_ROUTESERVER:
        return &l->kind[LIMITS_ROUTESERVER];
    case MI_NODE_HOST:
    case MI_NODE_L2HOST:
    default:
        return &l->kind[LIMITS_HOST];
    }
}
