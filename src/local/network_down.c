/* `down` and `exec`: what needs only the state record. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access_files.h"
#include "host.h"
#include "hostlimits.h"
#include "log.h"
#include "netlink.h"
#include "network.h"
#include "progress.h"
#include "persist.h"
#include "state.h"
#include "util.h"
#include "workers.h"

struct down {
    const struct state *st;
    const struct active_plugin *rt;
    /* The runtime operation the current phase applies to every node. */
    int (*op)(const struct active_plugin *, const char *name, const char *dir);
};

static int
node_op(size_t i, void *d_)
{
    const struct down *d = d_;
    char *dir = state_node_dir(d->st, d->st->nodes[i].name);
    int error = d->op(d->rt, d->st->nodes[i].name, dir);

    free(dir);
    return error;
}

/* How many of the record's root-namespace interfaces still exist; their
 * names are gathered in *left. */
static size_t
rootifs_left(const struct state *st, const char ***left)
{
    bool *exists = xcalloc(st->n_rootifs + 1, sizeof *exists);
    size_t n = 0;

    *left = xcalloc(st->n_rootifs + 1, sizeof **left);
    if (netlink_links_exist((const char *const *)st->rootifs, st->n_rootifs,
                            exists)) {
        memset(exists, 1, st->n_rootifs * sizeof *exists);
    }
    for (size_t i = 0; i < st->n_rootifs; i++) {
        if (exists[i]) {
            (*left)[n++] = st->rootifs[i];
        }
    }
    free(exists);
    return n;
}

/* The root ends of links whose other end was in a node go with the node's
 * namespace: the kernel removes them in batches, much faster than one
 * deletion each (~8 ms).  Waits for that, bounded (10 s), then deletes what
 * is left: links between two bridges, and stragglers. */
static int
remove_rootifs(const struct state *st)
{
    const char **left = NULL;
    size_t n = rootifs_left(st, &left);

    for (int i = 0; i < 100 && n > 0; i++) {
        size_t before = n;
        free(left);
        usleep(100 * 1000);
        n = rootifs_left(st, &left);
        if (n == before && i >= 5) {
            break; /* nothing goes by itself any more */
        }
    }
    int error = n ? netlink_delete_links(left, n) : 0;
    free(left);
    return error;
}

/* The port forward of student access, the network's nftables table:
 * `up` loads it when the record holds ports (its groups' on this server),
 * so `down` deletes it then -- the input makes the table before it
 * deletes it, so a table `up` never made is no error. */
static int
remove_nft_table(const struct state *st)
{
    if (!st->n_ports) {
        return 0;
    }
    char *input = access_nft_delete(st->network);
    if (!input) {
        return 0; /* no name nft could have: up made no table */
    }
    const char *argv[] = {"nft", "-f", "-", NULL};
    int status = host_run_input(argv, input, strlen(input), NULL, 0, NULL);
    free(input);
    bool failed = status != 0;
    if (failed) {
        log_error("down: nft could not delete the port forward of network "
                  "%s (above)",
                  st->network);
    }
    /* Every copy of its accepts in DOCKER-USER (reported when iptables
     * fails). */
    for (size_t i = 0; i < st->n_ports; i++) {
        failed |= network_access_docker_user(st->ports[i].asn, false) != 0;
    }
    return failed ? -1 : 0;
}

/* The tunnel's and the switch's part of `down`.  It runs on a thread of
 * its own beside the nodes' and links' removal: a switch's removal may
 * take seconds (Open vSwitch's userspace datapath deleting class-60's 247
 * bridges port by port: 9-10 s on an idle machine, bench/ovs-down.sh),
 * while the nodes' removal mostly waits for the kernel's work; neither
 * needs the other done. */
struct fabric {
    struct session *s;
    const struct state *st;
    bool failed;
    bool any;    /* there was a tunnel directory or a switch */
    double took; /* seconds */
};

static void *
remove_fabric(void *f_)
{
    struct fabric *f = f_;
    double start = util_monotonic();
    const struct active_plugin *tun = &f->s->active[MI_PLUGIN_TUNNEL - 1];
    char *tunnel_dir = state_tunnel_dir(f->st);

    /* The tunnel's first: its bridges may be in the switch's private
     * Open vSwitch, which the switch stops only once it holds no bridge
     * miniinet was not asked to remove. */
    if (backend_has(tun, TUN_DESTROY) && access(tunnel_dir, F_OK) == 0) {
        f->any = true;
        f->failed |= tun_destroy(tun, tunnel_dir) != 0;
    }
    free(tunnel_dir);
    const struct active_plugin *sw = &f->s->active[MI_PLUGIN_SWITCH - 1];
    if (sw->loaded.desc) {
        f->any = true;
        char *switch_dir = state_switch_dir(f->st);
        f->failed |=
            sw_destroy(sw, switch_dir, (const char *const *)f->st->bridges,
                       f->st->n_bridges) != 0;
        free(switch_dir);
    }
    f->took = util_monotonic() - start;
    return NULL;
}

int
network_remove_recorded(struct session *s, struct state *st, const char *verb)
{
    const char *name = st->network;

    progress_init();
    const struct active_plugin *rt = &s->active[MI_PLUGIN_RUNTIME - 1];
    struct down d = {.st = st, .rt = rt, .op = rt_freeze_node};
    int failed = 0;

    /* The switch VLAN agent first: no student's change while the switches
     * go (it needs no node: stopped by its pid file). */
    failed |= network_vlan_stop(st) != 0;

    /* From the freeze until every node is killed, a signal that would end
     * `down` (^C, a master's session gone) waits: interrupted between the
     * two, it would leave every router stopped, still answering on its
     * vty socket, under a record that says the network is up. */
    sigset_t ending, before;
    sigemptyset(&ending);
    sigaddset(&ending, SIGINT);
    sigaddset(&ending, SIGTERM);
    sigaddset(&ending, SIGHUP);
    sigaddset(&ending, SIGQUIT);
    pthread_sigmask(SIG_BLOCK, &ending, &before);
    if (backend_has(rt, RT_FREEZE_NODE)) {
        /* Every node's processes stopped where they are before any is
         * killed: a router killed closes its BGP sessions, and neighbours
         * still running would recompute and tell theirs, node after
         * node. */
        progress_phase("freeze", st->n_nodes);
        failed |= workers_run(st->n_nodes, s->opts.jobs * 4, node_op, &d,
                              progress_tick, NULL) != 0;
        progress_end();
    }
    if (backend_has(rt, RT_STOP_NODE)) {
        /* Every node's processes killed before any node is removed (the
         * routers of a runtime that cannot freeze them would otherwise
         * recompute their routes for each neighbour that goes).  Signals
         * only, no waiting: many at once. */
        progress_phase("stop", st->n_nodes);
        d.op = rt_stop_node;
        failed |= workers_run(st->n_nodes, s->opts.jobs * 4, node_op, &d,
                              progress_tick, NULL) != 0;
        progress_end();
    }
    pthread_sigmask(SIG_SETMASK, &before, NULL);

    /* The switch and the tunnel go beside the nodes from now on: started
     * earlier, during the kill's storm of exits, they took half as long
     * again (class-60: 18.5 s against 12.0). */
    struct fabric f = {.s = s, .st = st};
    pthread_t fabric_thread;
    bool beside = pthread_create(&fabric_thread, NULL, remove_fabric, &f) == 0;

    progress_phase("nodes", st->n_nodes);
    d.op = rt_destroy_node;
    failed |= workers_run(st->n_nodes, s->opts.jobs, node_op, &d,
                          progress_tick, NULL) != 0;
    progress_end();

    failed |= remove_nft_table(st) != 0;
    if (st->n_rootifs) {
        progress_phase("links", st->n_rootifs);
        failed |= remove_rootifs(st) != 0;
        progress_end();
    }
    if (!failed) {
        /* Every node is gone: their directories go while the switch is
         * still being removed (class-60: 20,000 files, 2 s where /run is
         * on disk); the record stays until all of it is done. */
        failed |= state_remove_node_dirs(st) != 0;
    }
    if (beside) {
        pthread_join(fabric_thread, NULL);
    } else {
        remove_fabric(&f); /* no thread to be had: after the nodes */
    }
    failed |= f.failed;
    if (f.any && !f.failed) {
        /* As progress words a phase (bench/up.sh reads "done in"). */
        log_info("[%6.1fs] switch and tunnel: done in %.2fs (%zu bridges%s)",
                 progress_elapsed(), f.took, st->n_bridges,
                 beside ? ", beside the nodes" : "");
    }

    if (failed) {
        log_error("%s: some of network %s could not be removed (see "
                  "above); its record %s/state is kept, run `%s` again",
                  verb, name, st->dir, verb);
        return EXIT_FAILED;
    }
    hostlimits_restore(st);
    int error = state_remove(st);
    if (!error) {
        log_info("network %s %s: %zu nodes, %zu bridges removed in %.1fs",
                 name,
                 strcmp(verb, "down") != 0 ? "cleared of the earlier `up`"
                                           : "is down",
                 st->n_nodes, st->n_bridges, progress_elapsed());
    }
    return error ? EXIT_FAILED : EXIT_OK;
}

/* After `down`: the persistent directory is kept (said when there is one),
 * or removed with --purge once the network is down. */
static int
purge_or_keep(const struct session *s, int status)
{
    char *dir = persist_network_dir(s->network);

    if (!s->opts.purge) {
        if (persist_exists(s->network)) {
            log_info("kept %s (credentials, snapshots); `down --purge` "
                     "removes it",
                     dir);
        }
    } else if (status != EXIT_OK) {
        log_error("%s not removed: the network is not down", dir);
    } else if (persist_exists(s->network)) {
        if (persist_purge(s->network)) {
            log_error("%s: could not remove all of it (see above)", dir);
            status = EXIT_FAILED;
        } else {
            log_info("removed %s", dir);
        }
    }
    free(dir);
    return status;
}

int
network_down(struct session *s)
{
    if (!s->record) {
        log_info("network %s is not up (no record in %s); nothing to do",
                 s->network, state_rundir());
        return purge_or_keep(s, EXIT_OK);
    }
    return purge_or_keep(s, network_remove_recorded(s, s->record, "down"));
}

int
network_remove(struct session *s, const char *name)
{
    struct state st;
    int error = state_load(name, &st);
    int status = error == -ENOENT ? EXIT_OK
                 : error          ? EXIT_FAILED
                                  : network_remove_recorded(s, &st, "down");

    state_destroy(&st);
    return status;
}

/* Whether a vtysh command line names a pathspace already. */
static bool
has_option_n(const char *const *args)
{
    for (size_t i = 1; args[i]; i++) {
        if (!strncmp(args[i], "-N", 2) ||
            !strncmp(args[i], "--pathspace", 11)) {
            return true;
        }
    }
    return false;
}

int
network_exec(struct session *s, const char *node, char **argv)
{
    const struct state *st = s->record;
    if (!st) {
        log_error("network %s is not up", s->network);
        return EXIT_FAILED;
    }
    const struct state_node *found = NULL;
    for (size_t i = 0; i < st->n_nodes; i++) {
        if (!strcmp(st->nodes[i].name, node)) {
            found = &st->nodes[i];
        }
    }
    if (!found) {
        log_error("network %s has no node %s on this server", s->network,
                  node);
        return EXIT_USAGE;
    }

    const char *shell = getenv("SHELL");
    const char *vtysh[] = {"vtysh", "-N", node, NULL};
    const char *sh[] = {shell && *shell ? shell : "/bin/sh", NULL};
    const char *const *args = (const char *const *)argv;
    bool frr =
        found->kind == MI_NODE_ROUTER || found->kind == MI_NODE_ROUTESERVER;
    const char **with_n = NULL;
    if (!args || !args[0]) {
        args = frr ? vtysh : sh;
    } else if (frr && !strcmp(args[0], "vtysh") && !has_option_n(args)) {
        /* The node's daemons answer in its FRR pathspace: `exec R vtysh -c
         * CMD` means `vtysh -N R -c CMD`. */
        size_t n = 0;
        while (args[n]) {
            n++;
        }
        with_n = xcalloc(n + 3, sizeof *with_n);
        with_n[0] = "vtysh";
        with_n[1] = "-N";
        with_n[2] = node;
        memcpy(with_n + 3, args + 1, n * sizeof *args);
        args = with_n;
    }
    const struct active_plugin *rt = &s->active[MI_PLUGIN_RUNTIME - 1];
    char *dir = state_node_dir(st, node);
    int status = rt_run(rt, node, dir, args, NULL);
    free(dir);
    if (status == -ECANCELED) {
        /* It ran and was killed by a signal: the runtime said which. */
        status = EXIT_FAILED;
    } else if (status < 0) {
        log_error("exec %s: cannot run %s: %s", node, args[0],
                  strerror(-status));
        status = EXIT_FAILED;
    }
    free(with_n);
    return status;
}
