/* Kernel settings a network needs raised; see hostlimits.h. */
#include "config.h"

#include "hostlimits.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

#define NEIGH_KEY "net.ipv4.neigh.default.gc_thresh"

static char *
sysctl_path(const char *key)
{
    char *path = xasprintf("/proc/sys/%s", key);

    for (char *p = path + strlen("/proc/sys/"); *p; p++) {
        if (*p == '.') {
            *p = '/';
        }
    }
    return path;
}

static int
sysctl_read(const char *key, long *value)
{
    char *path = sysctl_path(key);
    FILE *f = fopen(path, "r");
    int error = 0;

    *value = 0;
    if (!f) {
        error = -errno;
    } else {
        if (fscanf(f, "%ld", value) != 1) {
            error = -EINVAL;
        }
        fclose(f);
    }
    free(path);
    return error;
}

static int
sysctl_write(const char *key, long value)
{
    char *path = sysctl_path(key);
    FILE *f = fopen(path, "w");
    int error = 0;

    if (!f) {
        error = -errno;
    } else {
        if (fprintf(f, "%ld\n", value) < 0) {
            error = -EIO;
        }
        if (fclose(f) && !error) {
            error = -errno;
        }
    }
    free(path);
    return error;
}

/* The gc_thresh3 wanted for `need` entries of a plan: room for twice as
 * many, plus the default 1024 for the rest of the machine. */
static long
neighbour_target(size_t need)
{
    return (long)(2 * need + 1024);
}

/* The limit is raised only when it leaves less than twice the need. */
static bool
enough(long limit, size_t need)
{
    return limit >= 0 && (size_t)limit >= 2 * need;
}

int
hostlimits_raise_neighbours(struct state *st, size_t need)
{
    long target = neighbour_target(need);
    /* gc_thresh1 below which entries are never collected, gc_thresh2 above
     * which they are collected within 5 s, gc_thresh3 the hard limit. */
    long want[3] = {target / 8, target / 2, target};
    long have[3] = {0, 0, 0};
    static const char *const key[3] = {NEIGH_KEY "1", NEIGH_KEY "2",
                                       NEIGH_KEY "3"};

    for (int i = 0; i < 3; i++) {
        int error = sysctl_read(key[i], &have[i]);
        if (error) {
            /* Hidden in a network namespace other than the machine's
             * first (a container, a simulated server). */
            if (!enough(1024, need)) {
                log_warn("cannot read %s (%s): this network may need up to "
                         "%zu neighbour entries; if it does not converge, "
                         "set %s3 to %ld or more on the host",
                         key[i], strerror(-error), need, NEIGH_KEY, want[2]);
            }
            return 0;
        }
    }
    if (enough(have[2], need)) {
        return 0;
    }
    /* The hard limit first when raising, so that 1 <= 2 <= 3 holds. */
    for (int i = 2; i >= 0; i--) {
        if (have[i] >= want[i]) {
            continue;
        }
        state_add_sysctl(st, key[i], have[i], want[i]);
        int error = state_sync(st);
        if (error) {
            return error;
        }
        error = sysctl_write(key[i], want[i]);
        if (error) {
            log_warn("cannot raise %s from %ld to %ld (%s): this network may "
                     "need up to %zu neighbour entries and not converge",
                     key[i], have[i], want[i], strerror(-error), need);
            return 0;
        }
        log_info("raised %s from %ld to %ld (the kernel's neighbour table, "
                 "shared by all namespaces; `down` puts it back)",
                 key[i], have[i], want[i]);
    }
    return 0;
}

void
hostlimits_restore(const struct state *st)
{
    if (!st->n_sysctls) {
        return;
    }
    char **names = state_list_networks();
    bool others = false;

    for (size_t i = 0; names[i]; i++) {
        others |= strcmp(names[i], st->network) != 0;
    }
    util_free_strv(names);
    if (others) {
        log_info("other networks are up: kernel settings stay as they are");
        return;
    }
    /* In reverse: the lower thresholds first, so that 1 <= 2 <= 3 holds. */
    for (size_t i = st->n_sysctls; i-- > 0;) {
        const struct state_sysctl *s = &st->sysctls[i];
        long now = 0;
        if (sysctl_read(s->key, &now) || now != s->new_value) {
            continue; /* changed by someone else since: theirs now */
        }
        int error = sysctl_write(s->key, s->old_value);
        if (error) {
            log_warn("cannot put %s back to %ld: %s", s->key, s->old_value,
                     strerror(-error));
        }
    }
}
