/* Restarting a router's FRR: for `up` on a network that is up (its
 * routers whose daemons died, or whose node it made again: network_up.c),
 * and `restart NODE`.  A router restarted starts from its configuration:
 * the network's newest snapshot's (the students' work) when one holds it,
 * else the one `up` wrote -- never `up`'s first and the snapshot's over it,
 * which would run `up`'s for a while, and keep it when the snapshot's
 * cannot be put over it.  `restart NODE` of a router whose FRR runs saves
 * its AS first (`save --as N`), so that what was typed since the last
 * snapshot is what it restarts with. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "frrconf.h"
#include "fsutil.h"
#include "log.h"
#include "names.h"
#include "network.h"
#include "snapshot.h"
#include "state.h"
#include "util.h"

/* How long the processes of a router may take to go once killed. */
#define STOP_TIMEOUT_MS 5000

/* How long `vtysh -f` may take to load a snapshot's configuration into a
 * router just started (well under a second when FRR answers; a wedged
 * daemon makes vtysh wait for ever), and what it may print: then it is
 * killed (the runtime's run_bounded). */
#define LOAD_TIMEOUT_MS 60000
#define LOAD_OUT_MAX (1u << 20)

/* In the node's directory: the configuration `up` wrote (rt_start_frr()
 * loads it when it is there), and the snapshot's that a router restarted
 * from a snapshot started from (loaded here). */
#define UP_CONF "frr.conf"
#define SNAPSHOT_CONF "snapshot.conf"

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

/* Stops what runs of a router's FRR (the runtime's stop_frr, which leaves
 * the node as it is, else its stop_node) and waits until no daemon
 * answers any more (bounded). */
static int
stop_frr(const struct active_plugin *rt, const char *name, const char *dir,
         const char *const *daemons)
{
    int error = rt_stop_frr(rt, name, dir, daemons);
    size_t n = 0;
    char dead[256];

    while (daemons[n]) {
        n++;
    }
    for (int ms = 0; !error && ms < STOP_TIMEOUT_MS; ms += 50) {
        if (rt_frr_dead(name, dir, daemons, dead, sizeof dead) == n) {
            break;
        }
        struct timespec ts = {0, 50L * 1000000L};
        nanosleep(&ts, NULL);
    }
    return error;
}

/* Writes `len` bytes of `text` as `file` into node `name`'s directory and
 * removes `other` there.  The directory is the node's to write with
 * docker (bound into the container): both through its descriptor, the
 * file written atomically under a temporary name (O_EXCL|O_NOFOLLOW) and
 * renamed, never through a symlink the node put there.  0 or -errno,
 * reported. */
static int
put_conf(const struct state *st, const char *name, const char *file,
         const char *text, size_t len, mode_t mode, const char *other)
{
    int dfd = state_open_node_dir(st, name);
    int error = dfd < 0 ? dfd : fs_write_file_at(dfd, file, text, len, mode);

    if (!error && unlinkat(dfd, other, 0) < 0 && errno != ENOENT) {
        error = -errno;
    }
    if (dfd >= 0) {
        close(dfd);
    }
    if (error) {
        char *dir = state_node_dir(st, name);
        log_error("%s: cannot write %s/%s (or remove %s): %s", name, dir, file,
                  other, strerror(-error));
        free(dir);
    }
    return error;
}

/* Removes, in node `name`'s directory (through its descriptor), each
 * daemon's own configuration file DAEMON.conf of `daemons` (may be NULL)
 * and `also` (may be NULL); what is not there is fine.  0 or -errno,
 * reported. */
static int
remove_node_files(const struct state *st, const char *name,
                  const char *const *daemons, const char *also)
{
    int dfd = state_open_node_dir(st, name);
    int error = dfd < 0 ? dfd : 0;
    char file[64];

    for (size_t i = 0; !error && daemons && daemons[i]; i++) {
        snprintf(file, sizeof file, "%s.conf", daemons[i]);
        if (unlinkat(dfd, file, 0) < 0 && errno != ENOENT) {
            error = -errno;
        }
    }
    if (!error && also) {
        snprintf(file, sizeof file, "%s", also);
        if (unlinkat(dfd, also, 0) < 0 && errno != ENOENT) {
            error = -errno;
        }
    }
    if (dfd >= 0) {
        close(dfd);
    }
    if (error) {
        char *dir = state_node_dir(st, name);
        log_error("%s: cannot remove %s/%s: %s", name, dir,
                  dfd < 0 ? "" : file, strerror(-error));
        free(dir);
    }
    return error;
}

/* Each daemon's own configuration file DAEMON.conf of `daemons` in node
 * `name`'s directory emptied (written anew, empty) when the runtime's
 * daemons read their own (rt_reads_daemon_conf()): they start with none
 * and still have a file of their own for `write memory` (doc/access.md);
 * else removed.  0 or -errno, reported. */
static int
empty_daemon_files(const struct state *st, const struct active_plugin *rt,
                   const char *name, const char *const *daemons)
{
    if (!rt_reads_daemon_conf(rt)) {
        return remove_node_files(st, name, daemons, NULL);
    }
    int dfd = state_open_node_dir(st, name);
    int error = dfd < 0 ? dfd : 0;
    char file[64] = "";

    for (size_t i = 0; !error && daemons && daemons[i]; i++) {
        snprintf(file, sizeof file, "%s.conf", daemons[i]);
        error = fs_write_file_at(dfd, file, "", 0, 0644);
    }
    if (dfd >= 0) {
        close(dfd);
    }
    if (error) {
        char *dir = state_node_dir(st, name);
        log_error("%s: cannot write %s/%s: %s", name, dir, file,
                  strerror(-error));
        free(dir);
    }
    return error;
}

/* Starts router `name`'s FRR from a snapshot's configuration `conf`: the
 * daemons with none (no UP_CONF for rt_start_frr() to load, each
 * DAEMON.conf empty: empty_daemon_files()), then `conf`,
 * copied into the node's directory as SNAPSHOT_CONF, loaded with vtysh
 * in the node, bounded.  0, -EINVAL when FRR refused a line, else -errno;
 * reported. */
static int
start_from_snapshot(const struct state *st, const struct active_plugin *rt,
                    const char *name, const char *dir,
                    const char *const *daemons, const char *conf, size_t len,
                    const char *from)
{
    int error = put_conf(st, name, SNAPSHOT_CONF, conf, len, 0600, UP_CONF);
    if (!error) {
        error = empty_daemon_files(st, rt, name, daemons);
    }
    if (!error) {
        error = rt_start_frr(rt, name, dir, daemons);
    }
    if (error) {
        return error;
    }
    char *file = xasprintf("%s/" SNAPSHOT_CONF, dir);
    const char *const argv[] = {"vtysh", "-N", name, "-f", file, NULL};
    char *out = NULL;
    int status = rt_run_bounded(rt, name, dir, argv, &out, LOAD_TIMEOUT_MS,
                                LOAD_OUT_MAX);
    if (status) {
        char buf[128];
        size_t n = out ? strlen(out) : 0;
        while (n > 0 && out[n - 1] == '\n') {
            out[--n] = '\0';
        }
        log_error("%s: FRR refused the configuration of snapshot %s (vtysh "
                  "-f %s %s)%s%s",
                  name, from, file,
                  rt_run_failure(status, LOAD_TIMEOUT_MS, LOAD_OUT_MAX, buf,
                                 sizeof buf),
                  n ? ": " : "", n ? out : "");
        error = status > 0 ? -EINVAL : status;
    }
    free(out);
    free(file);
    return error;
}

/* Stops what runs of a router's FRR (unless `fresh`: a node just made,
 * where nothing runs yet) and starts it again from its snapshot's
 * configuration, or `up`'s when no snapshot holds it.  When snapshots
 * exist but none can be read for it, a live router (not `fresh`: some of
 * its daemons still run what the students typed) is left as it is --
 * nothing stopped, nothing started -- said as an error, EXIT_FAILED; a
 * router made again is started with `up`'s and marked (state_mark_set():
 * `save` then keeps its saved file).  When FRR refuses the snapshot's, the
 * router is started again with `up`'s, marked, said as an error naming it
 * and the snapshot (which keeps the students' work), and the result is
 * EXIT_FAILED. */
int
network_heal_router(struct session *s, const struct state *st, size_t node,
                    bool fresh, const char *why, const char *snapshot)
{
    const struct mi_plan *p = plan_view(s->plan);
    const struct active_plugin *rt = session_plugin(s, MI_PLUGIN_RUNTIME);
    const char *name = p->nodes[node].name;
    const char *const *daemons = frrconf_daemons(p, node);
    char *dir = state_node_dir(st, name);
    char *conf = NULL, *from = NULL;
    size_t len = 0;

    /* The students' configuration: the snapshot's, else the newest one's
     * that holds the router, if any. */
    int status =
        network_router_snapshot(s, name, snapshot, &conf, &len, &from);
    if (status != EXIT_OK && !conf && !fresh) {
        log_error("%s: FRR not restarted, nothing stopped or started: its "
                  "snapshot cannot be read (above), and `up`'s "
                  "configuration would replace its students' work; "
                  "`miniinet snapshots` shows which are damaged, `miniinet "
                  "restart %s` after a `save` that works, or `miniinet "
                  "restore --node %s SNAPSHOT` from an intact one",
                  name, name, name);
        free(dir);
        free(from);
        return EXIT_FAILED;
    }
    if (status != EXIT_OK && !conf) {
        log_error("%s: its snapshot cannot be read (above): started with "
                  "the configuration `up` generates, and marked (`status` "
                  "shows it; `miniinet restore --node %s SNAPSHOT` puts "
                  "its students' work back from an intact one)",
                  name, name);
        network_mark_pinned(s, st, name, false,
                            "made again, and its snapshot could not be "
                            "read: it runs the configuration `up` generates",
                            snapshot);
    }
    int error = fresh ? 0 : stop_frr(rt, name, dir, daemons);
    if (!error && conf) {
        error =
            start_from_snapshot(st, rt, name, dir, daemons, conf, len, from);
        if (error) {
            log_error("%s: not started from snapshot %s (above): started "
                      "with the configuration `up` wrote instead; the "
                      "students' work is still in snapshot %s (`miniinet "
                      "restore --node %s %s` puts it back once FRR takes "
                      "it)",
                      name, from, from, name, from);
            network_mark_pinned(s, st, name, false,
                                "FRR refused its snapshot's configuration "
                                "when started again: it runs the "
                                "configuration `up` generates",
                                from);
            status = EXIT_FAILED;
            free(conf);
            conf = NULL;
            error = stop_frr(rt, name, dir, daemons);
        }
    }
    if (!error && !conf) {
        /* The generated files again (a node's user may have changed them
         * with docker, and a network made before 4.10 has no per-daemon
         * ones), and no snapshot's file left to mislead. */
        error = network_write_frr_files(st, rt, p, node);
        if (!error) {
            error = remove_node_files(st, name, NULL, SNAPSHOT_CONF);
        }
        if (!error) {
            error = rt_start_frr(rt, name, dir, daemons);
        }
    }
    free(dir);
    if (error) {
        log_error("%s: FRR could not be started again (see above)", name);
        free(conf);
        free(from);
        return EXIT_FAILED;
    }
    if (conf) {
        log_info("%s: FRR %s, from the configuration of snapshot %s", name,
                 why, from);
        /* Loaded by vtysh: what runs is that configuration; a difference
         * (none expected) put right by frr-reload.py. */
        if (network_restore_node(s, st, name, from) != EXIT_OK) {
            status = EXIT_FAILED;
        }
    } else {
        log_info("%s: FRR %s", name, why);
    }
    free(conf);
    free(from);
    return status;
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
     * restarted with; if that save fails, nothing is restarted.  FRR with a
     * dead daemon shows a cut-down configuration: then the newest snapshot, as
     * `up` heals. */
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
        /* A marked router's save keeps its students' saved file (what
         * runs goes beside it, NODE.frr.running): it restarts with that
         * one, not with what runs now. */
        char *key = state_mark_key(st, name, false);
        char *mark = key ? state_mark_get(st, key) : NULL;
        free(key);
        if (mark && !state_mark_is_displaced(mark)) {
            log_warn("%s: marked (%s): the save before the restart keeps its "
                     "students' saved configuration as its file and what "
                     "runs now beside it (%s.frr" SNAPSHOT_RUNNING "); it "
                     "restarts with the saved one, not with what runs "
                     "(`save --force` first to keep what runs)",
                     name, mark, name);
        } else {
            log_info("%s: saving its running configuration (AS %u) before "
                     "the restart",
                     name, names_asn_of(name));
        }
        free(mark);
        int saving = network_save_as(s, names_asn_of(name), NULL,
                                     "saved by restart", &saved);
        if (saving != EXIT_OK && saved) {
            log_warn("%s: the save before the restart stored snapshot %s "
                     "but failed for a node (see above): it restarts "
                     "with that snapshot",
                     name, saved);
        } else if (saving != EXIT_OK) {
            /* Nothing stored (a full disk, say): restarting now would
             * replace what runs, the students' work, with an older
             * snapshot's. */
            log_error("restart %s: the save before the restart failed (see "
                      "above): not restarted, its running configuration "
                      "would be lost (free the space, or `save` by hand, "
                      "and restart again)",
                      name);
            free(saved);
            return EXIT_FAILED;
        }
    }
    int status =
        network_heal_router(s, st, (size_t)node, false, "restarted", saved);
    free(saved);
    return status;
}
