/* Per-node resource limits, as the runtimes take them from their settings:
 * CPUs, processes and memory, each with a default per kind of node and
 * settable for every node (`cpus`, `pids_limit`, `memory`) or per kind
 * (`router_cpus`, `host_memory`, `routeserver_pids_limit`, ...; hosts of an
 * AS's L2 network count as hosts).  The docker runtime hands them to the
 * Docker Engine, the netns runtime writes them into a cgroup per node.  A
 * convenience library linked into both; not a plugin. */
#ifndef MINIINET_PLUGINS_COMMON_NODELIMITS_H
#define MINIINET_PLUGINS_COMMON_NODELIMITS_H

#include <miniinet/plugin.h>

/* The original platform's limits: --cpus=2 and --pids-limit 100 (200 for
 * the IXP's route server), plus a memory limit of our own. */
#define LIMITS_DEFAULT_CPUS 2000000000LL /* nano-CPUs */
#define LIMITS_DEFAULT_PIDS 100
#define LIMITS_DEFAULT_RS_PIDS 200
#define LIMITS_DEFAULT_ROUTER_MEMORY (1LL << 30)
#define LIMITS_DEFAULT_RS_MEMORY (2LL << 30)
#define LIMITS_DEFAULT_HOST_MEMORY (512LL << 20)
/* Below this, FRR does not start: a smaller value is a typo ("512" for
 * "512M"). */
#define LIMITS_MIN_MEMORY (16LL << 20)

/* Every FRR daemon starts with `--limit-fds LIMITS_FRR_FDS`.  FRR sizes
 * each of a daemon's event loops by its descriptor limit, and the memory
 * that takes is touched: with this machine's limit of 20000 one router's
 * four daemons took 5.7 MB more PSS than with 1024.  1024 is Debian's
 * default soft limit, what a daemon started from a root shell there has
 * anyway.  FRR aborts a daemon that gets a descriptor past it, so the
 * netns runtime also lowers the daemon's soft RLIMIT_NOFILE to it (a
 * descriptor too many is then refused, EMFILE).  A route server's bgpd
 * holds one socket per peer, two while connections collide: an IXP's /24
 * has room for at most 252 members. */
#define LIMITS_FRR_FDS 1024
/* LIMITS_FRR_FDS as an argument. */
#define LIMITS_STR_(x) #x
#define LIMITS_STR(x) LIMITS_STR_(x)
#define LIMITS_FRR_FDS_ARG LIMITS_STR(LIMITS_FRR_FDS)

/* One node's limits; 0 means none. */
struct node_limits {
    long long nano_cpus; /* CPU time per second, in nano-CPUs (as Docker) */
    long long pids;      /* processes (and threads) at once */
    long long memory;    /* bytes */
};

enum { LIMITS_ROUTER, LIMITS_HOST, LIMITS_ROUTESERVER, LIMITS_KINDS };

struct limits {
    struct node_limits kind[LIMITS_KINDS];
};

/* The settings keys limits_configure() reads, for a plugin's list of known
 * keys. */
#define LIMITS_KEYS                                                           \
    "cpus", "pids_limit", "memory", "router_cpus", "router_pids_limit",       \
        "router_memory", "host_cpus", "host_pids_limit", "host_memory",       \
        "routeserver_cpus", "routeserver_pids_limit", "routeserver_memory"

/* Reads the limits from `settings` (NULL: the defaults) into `out`: a kind's
 * own key, else the key for every node, else the kind's default.  Reports
 * "FILE:LINE: plugins.NAME.KEY: ..." for every bad value and returns -EINVAL
 * if there was one, else 0. */
int limits_configure(const struct mi_host *host,
                     const struct mi_settings *settings, struct limits *out);

/* The limits of a node of `kind`. */
const struct node_limits *limits_of(const struct limits *l,
                                    enum mi_node_kind kind);

/* A decimal number of CPUs ("2", "0.5"; "0": no limit), as Docker's --cpus,
 * into nano-CPUs; -1 if `text` is not one between 0 and 1024. */
long long limits_parse_cpus(const char *text);

/* A size in bytes with an optional K, M, G or T (powers of 1024, either
 * case; "0": no limit); -1 if `text` is not one (or beyond 2^62). */
long long limits_parse_memory(const char *text);

#endif
