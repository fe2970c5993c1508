/* The netns runtime's per-node cgroups: CPU, memory and process limits
 * (nodelimits.h) on cgroup v2 (a stock Debian 12 server: the unified
 * hierarchy at /sys/fs/cgroup) or on the v1 controllers cpu, memory and
 * pids (each mounted at /sys/fs/cgroup/CONTROLLER).  A node NAME gets
 * miniinet/NAME in the hierarchy (v2) or in each controller's (v1); the
 * programs the plugin starts in the node join it before exec, so that
 * everything they fork is limited and can be found and killed, even
 * outside the node's network namespace.  The plugin's own short-lived
 * programs (the host's vtysh) stay outside: a node at its limits does not
 * stop `check` or `status` from looking at it. */
#ifndef MINIINET_PLUGINS_NETNS_CGROUP_H
#define MINIINET_PLUGINS_NETNS_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "../common/nodelimits.h"

enum cg_controller { CG_CPU, CG_MEMORY, CG_PIDS, CG_CONTROLLERS };

/* What this server offers, found by cg_detect(). */
struct cg_host {
    enum { CG_NONE, CG_V1, CG_V2 } mode;
    bool has[CG_CONTROLLERS];
    /* The hierarchies' roots, resolved (v1's /sys/fs/cgroup/cpu is often a
     * link to cpu,cpuacct): v2: "/sys/fs/cgroup" for each controller; v1:
     * one per controller; "" where absent. */
    char root[CG_CONTROLLERS][PATH_MAX];
};

/* Descriptors of a node's cgroup.procs files, one per hierarchy it is in
 * (-1 elsewhere), for a child to join before exec. */
struct cg_join {
    int fd[CG_CONTROLLERS];
};

/* Looks at the mounts under /sys/fs/cgroup (changes nothing). */
void cg_detect(struct cg_host *h);

/* NULL if `limits` can be applied here, else what is missing, e.g. "no
 * memory cgroup controller (cgroup v2 at /sys/fs/cgroup, and memory is not
 * in its cgroup.controllers)", into buf. */
const char *cg_missing(const struct cg_host *h, const struct node_limits *l,
                       char *buf, size_t len);

/* Makes node `name`'s cgroup (its parent miniinet/ too) in every hierarchy
 * a limit of `l` needs (v2: the one, with only those controllers enabled),
 * and writes the limits; a group left by an earlier run is reused.  With
 * no limit at all, makes nothing.  0 or -errno, with the file that failed
 * in `what`. */
int cg_create(const struct cg_host *h, const char *name,
              const struct node_limits *l, char *what, size_t len);

/* Opens node `name`'s cgroup.procs files (none where it has no group).
 * 0 or -errno. */
int cg_join_open(const struct cg_host *h, const char *name, struct cg_join *j);
void cg_join_close(struct cg_join *j);

/* In a forked child (async-signal-safe): moves the calling process into
 * the node's groups.  0 or -errno. */
int cg_join(const struct cg_join *j);

/* Sends SIGKILL to every process in node `name`'s groups and the groups
 * below them, once.  Returns how many it signalled (v2's cgroup.kill
 * counts as one), or the first -errno. */
int cg_kill(const struct cg_host *h, const char *name);

/* Kills what is left in node `name`'s groups until they are empty (at most
 * `timeout_ms`), then removes them, with any group a process of the node
 * made below them (depth-first), and miniinet/ once it is empty.  0 (also
 * when there were none), or -errno with the group that could not be
 * removed in `what`. */
int cg_remove(const struct cg_host *h, const char *name, long timeout_ms,
              char *what, size_t len);

#endif
