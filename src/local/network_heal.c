/* Restarting a router's FRR: for `up` on a network that is up (its
 * routers whose daemons died, or whose node it made again: network_up.c),
 * and `restart NODE`.  A router restarted gets its configuration back from
 * the network's newest snapshot (the students' work), else the one `up`
 * wrote.  `restart NODE` of a router whose FRR runs saves its AS first
 * (`save --as N`), so that what was typed since the last snapshot is what
 * it restarts with. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "frrconf.h"
#include "log.h"
#include "names.h"
#include "network.h"
#include "state.h"
#include "util.h"

/* How long the processes of a router may take to go once killed. */
#define STOP_TIMEOUT_MS 5000

/* The plan's index of node `name`, or -1. */
static long
plan_node(const struct mi_plan *p, const char *name)
{
    for (size_t i = 0; i < p->n_nodes; i++) {
        if (!strcmp(p->nodes[i].name, name)) {
            return (long)i;
        }
    }
    return -1;
}

/* Stops what runs of a router's FRR (unless `fresh`: a node just made,
 * where nothing runs yet: the runtime's stop_frr, which leaves the node
 * as it is, else its stop_node) and starts it again, then puts its newest
 * snapshot back. */
int
network_heal_router(struct session *s, const struct state *st, size_t node,
                    bool fresh, const char *why, const char *snapshot)
{
    const struct mi_plan *p = plan_view(s->plan);
    const struct active_plugin *rt = session_plugin(s, MI_PLUGIN_RUNTIME);
    const char *name = p->nodes[node].name;
    const char *const *daemons = frrconf_daemons(p, node);
    char *dir = state_node_dir(st, name);
    char dead[256];

    int error = fresh ? 0 : rt_stop_frr(rt, name, dir, daemons);
    /* Killed: gone once no daemon answers any more (bounded). */
    for (int ms = 0; !fresh && !error && ms < STOP_TIMEOUT_MS; ms += 50) {
        size_t n = 0;
        while (daemons[n]) {
            n++;
        }
        if (rt_frr_dead(name, dir, daemons, dead, sizeof dead) == n) {
            break;
        }
        struct timespec ts = {0, 50L * 1000000L};
        nanosleep(&ts, NULL);
    }
    /* The generated files again: a node's user may have changed them
     * (docker), and a network made before 4.10 has no per-daemon ones. */
    if (!error) {
        error = network_write_frr_files(st, rt, p, node);
    }
    if (!error) {
        error = rt_start_frr(rt, name, dir, daemons);
    }
    free(dir);
    if (error) {
        log_error("%s: FRR could not be started again (see above)", name);
        return EXIT_FAILED;
    }
    log_info("%s: FRR %s", name, why);
    /* The students' configuration: the snapshot's, else the newest
     * one's, if any. */
    return network_restore_node(s, st, name, snapshot);
}

int
network_restart(struct session *s, const char *name)
{
    const struct state *st = s->record;
    const struct mi_plan *p = plan_view(s->plan);
    long node = plan_node(p, name);

    if (node < 0) {
        log_error("restart %s: no such node in %s", name, s->opts.config);
        return EXIT_USAGE;
    }
    if (!st || !st->complete) {
        log_error("network %s is not up here%s", s->network,
                  st ? " (its `up` did not finish)" : "");
        return EXIT_FAILED;
    }
    bool here = false;
    for (size_t i = 0; i < st->n_nodes && !here; i++) {
        here = !strcmp(st->nodes[i].name, name);
    }
    if (!here) {
        if (s->opts.server) {
            return EXIT_OK; /* another server's (the master asks all) */
        }
        log_error("restart %s: not a node of network %s here", name,
                  s->network);
        return EXIT_FAILED;
    }
    if (p->nodes[node].kind != MI_NODE_ROUTER &&
        p->nodes[node].kind != MI_NODE_ROUTESERVER) {
        log_error("restart %s: only routers and route servers (FRR) are "
                  "restarted",
                  name);
        return EXIT_USAGE;
    }
    /* What runs now is the students' newest work: saved first (its AS's
     * part, as `save --as N`: one snapshot, listed and pruned like any),
     * restarted with.  FRR with a dead daemon shows a cut-down
     * configuration: then the newest snapshot, as `up` heals. */
    char *dir = state_node_dir(st, name);
    char dead[128] = "";
    size_t n_dead = rt_frr_dead(name, dir, frrconf_daemons(p, (size_t)node),
                                dead, sizeof dead);
    free(dir);
    char *saved = NULL;
    if (n_dead) {
        log_warn("%s: FRR daemons dead (%s): its running configuration is "
                 "not saved; it restarts with its newest snapshot's",
                 name, dead);
    } else {
        log_info("%s: saving its running configuration (AS %u) before the "
                 "restart",
                 name, names_asn_of(name));
        if (network_save_as(s, names_asn_of(name), NULL, "saved by restart",
                            &saved) != EXIT_OK) {
            log_warn("%s: the save before the restart did not finish (see "
                     "above): it restarts with its newest snapshot's "
                     "configuration",
                     name);
            free(saved);
            saved = NULL;
        }
    }
    int status =
        network_heal_router(s, st, (size_t)node, false, "restarted", saved);
    free(saved);
    return status;
}
