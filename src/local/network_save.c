/* `save` and `snapshots` on this server: a snapshot of every router's
 * running configuration, every host's addresses and routes and every
 * switch's VLAN settings, kept in the network's persistent directory
 * (snapshot.h); `restore`. */
#include "config.h"

#include <dirent.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "frrconf.h"
#include "fsutil.h"
#include "log.h"
#include "names.h"
#include "netlink.h"
#include "network.h"
#include "persist.h"
#include "snapshot.h"
#include "state.h"
#include "util.h"
#include "wire.h"
#include "workers.h"

/* How long a router's vtysh has to print its running configuration, for
 * `save` and `restore` (a few ms when FRR answers; a stopped or wedged
 * daemon makes vtysh wait forever): then it is killed, and the router's
 * previous configuration kept, stale. */
#define SAVE_VTYSH_TIMEOUT_MS 10000

/* What one node gave: its file's text, or NULL (it did not answer). */
struct taken {
    char *file; /* NODE.frr, NODE.ip */
    char *data;
    size_t len;
    char *why; /* data NULL: why it was not taken (NULL: not asked) */
};

struct save_run {
    const struct state *st;
    const struct active_plugin *rt;
    unsigned asn;        /* save --as N: AS N's only (0: all) */
    struct taken *taken; /* by node of the record, then by bridge */
};

/* The name of the record's object `i`: nodes, then bridges. */
static const char *
object_name(const struct state *st, size_t i)
{
    return i < st->n_nodes ? st->nodes[i].name : st->bridges[i - st->n_nodes];
}

/* Every bridge's VLAN settings from the switch plugin, into
 * taken[n_nodes + j] (data NULL: not read, reported).  Nothing when the
 * switch keeps none (a plugin without get_vlans: said once). */
static void
take_switches(const struct state *st, const struct active_plugin *sw,
              unsigned asn, struct taken *taken)
{
    size_t n = 0;
    for (size_t j = 0; j < st->n_bridges; j++) {
        n += !asn || names_asn_of(st->bridges[j]) == asn;
    }
    if (!n) {
        return;
    }
    if (!backend_has(sw, SW_GET_VLANS)) {
        log_info("switch plugin %s cannot read VLAN settings: the "
                 "switches are not in the snapshot",
                 sw && sw->name ? sw->name : "(none)");
        return;
    }
    /* The selected bridges (save --as N: AS N's), in the record's order. */
    const char **bridges = xcalloc(n + 1, sizeof *bridges);
    size_t *index = xcalloc(n + 1, sizeof *index);
    n = 0;
    for (size_t j = 0; j < st->n_bridges; j++) {
        if (!asn || names_asn_of(st->bridges[j]) == asn) {
            index[n] = j;
            bridges[n++] = st->bridges[j];
        }
    }
    char **texts = xcalloc(n + 1, sizeof *texts);
    char *dir = state_switch_dir(st);
    if (sw_get_vlans(sw, dir, bridges, n, texts)) {
        log_warn("the switches' VLAN settings could not be read");
    }
    free(dir);
    for (size_t k = 0; k < n; k++) {
        struct taken *t = &taken[st->n_nodes + index[k]];
        t->file = xasprintf("%s" STATE_SWITCH_SUFFIX, bridges[k]);
        t->data = texts[k];
        t->len = texts[k] ? strlen(texts[k]) : 0;
        if (t->len > SNAPSHOT_FILE_MAX) {
            free(t->data);
            t->data = NULL;
        }
    }
    free(texts);
    free(bridges);
    free(index);
}

/* The key of the mark of the record's object `i` (object_name()),
 * malloc()ed (NULL: snapshots keep none of it). */
static char *
mark_key(const struct state *st, size_t i)
{
    return state_mark_key(st, object_name(st, i), i >= st->n_nodes);
}

/* A host's or L2 host's addresses and routes as the kernel has them in
 * network namespace `netns`, without its student access management
 * interface (names_if_mgmt(): the interface of every MI_LINK_MGMT device
 * end, no data-plane interface has that name): `up`'s access phase owns
 * it, so a snapshot neither holds a management address nor, restored,
 * removes one (taken before access was on). */
static int
host_dump(const char *netns, char **text)
{
    char mgmt[16];

    names_if_mgmt(mgmt, sizeof mgmt);
    return netlink_dump_node(netns, mgmt, text);
}

static int
take_one(size_t i, void *aux)
{
    struct save_run *run = aux;
    const struct state_node *node = &run->st->nodes[i];
    const char *suffix = state_kind_suffix(node->kind);
    struct taken *t = &run->taken[i];

    if (!suffix || (run->asn && names_asn_of(node->name) != run->asn)) {
        return 0;
    }
    t->file = xasprintf("%s%s", node->name, suffix);
    if (!strcmp(suffix, ".ip")) {
        char path[PATH_MAX];
        if (rt_netns_path(run->rt, node->name, path, sizeof path) == 0 &&
            host_dump(path, &t->data) == 0) {
            t->len = strlen(t->data);
        }
        return 0;
    }
    char *dir = state_node_dir(run->st, node->name);
    /* vtysh shows the configuration of the daemons that answer and leaves
     * out a dead one's (a crashed bgpd: no `router bgp`) without an error:
     * such a router's file would look whole and be cut down, and a restore
     * of it would remove what the dead daemon held.  Kept stale instead.
     * The daemons a router runs follow from its kind (the record's). */
    char dead[128] = "";
    if (rt_frr_dead(node->name, dir, frrconf_kind_daemons(node->kind), dead,
                    sizeof dead) > 0) {
        t->why = xasprintf("FRR daemons dead (%s)", dead);
        free(dir);
        return 0;
    }
    /* vtysh runs in the node (a container's own, with docker): its output
     * is the node's, kept as data, bounded in time and size, never
     * interpreted here. */
    const char *argv[] = {
        "vtysh", "-N", node->name, "-c", "show running-config", NULL};
    char *out = NULL;
    int status = rt_run_bounded(run->rt, node->name, dir, argv, &out,
                                SAVE_VTYSH_TIMEOUT_MS, SNAPSHOT_FILE_MAX);
    free(dir);
    size_t len = out ? strlen(out) : 0;
    if (status != 0 || !out || len == 0 || !strstr(out, "\nend")) {
        char buf[128];
        t->why = xasprintf(
            "vtysh %s",
            status ? rt_run_failure(status, SAVE_VTYSH_TIMEOUT_MS,
                                    SNAPSHOT_FILE_MAX, buf, sizeof buf)
                   : "printed no whole configuration");
        free(out);
        return 0;
    }
    t->data = out;
    t->len = len;
    return 0;
}

/* Removes temporary directories left by a `save` that was killed (we hold
 * the network's lock: none is in use). */
static void
remove_leftovers(int snapdir, const char *path)
{
    int fd = dup(snapdir);
    DIR *dir = fd < 0 ? NULL : fdopendir(fd);
    char **names = NULL;
    size_t n = 0, cap = 0;

    if (!dir) {
        if (fd >= 0) {
            close(fd);
        }
        return;
    }
    for (struct dirent *de; (de = readdir(dir));) {
        /* Also the pins' temporary file (fs_write_file_at()'s
         * ".NAME.tmpPID") of a killed save or restore. */
        if (!strncmp(de->d_name, ".tmp-", 5) ||
            !strncmp(de->d_name, "." SNAPSHOT_PINS ".tmp",
                     strlen("." SNAPSHOT_PINS ".tmp"))) {
            names = xgrow(names, &cap, n + 1, sizeof *names);
            names[n++] = xstrdup(de->d_name);
        }
    }
    closedir(dir);
    for (size_t i = 0; i < n; i++) {
        char *shown = xasprintf("%s/%s", path, names[i]);
        log_info("removing %s, left by a `save` that did not finish", shown);
        fs_remove_tree_at(snapdir, names[i], shown, NULL);
        free(shown);
        free(names[i]);
    }
    free(names);
}

/* Writes snapshot `snap` with the files `files` (of snap->n_files, in the
 * same order) as `snap->name`: into .tmp-PID, then renamed.  0 or -errno,
 * reported; nothing left on failure. */
static int
write_snapshot(int snapdir, const char *path, const struct snapshot *snap,
               char *const *data)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, ".tmp-%ld", (long)getpid());
    char *shown = xasprintf("%s/%s", path, tmp);
    int dir = fs_make_dir_at(snapdir, tmp, 0700);
    int error = dir < 0 ? dir : 0;

    for (size_t i = 0; !error && i < snap->n_files; i++) {
        const struct snapshot_file *f = &snap->files[i];
        error = fs_write_file_at(dir, f->name, data[i], f->size, 0600);
        if (error) {
            log_error("%s/%s: cannot write it: %s", shown, f->name,
                      strerror(-error));
        }
    }
    if (!error) {
        char *manifest = snapshot_manifest_format(snap);
        error = fs_write_file_at(dir, SNAPSHOT_MANIFEST, manifest,
                                 strlen(manifest), 0600);
        free(manifest);
        if (error) {
            log_error("%s/" SNAPSHOT_MANIFEST ": cannot write it: %s", shown,
                      strerror(-error));
        }
    } else if (dir < 0) {
        log_error("%s: cannot make it: %s", shown, strerror(-error));
    }
    if (dir >= 0) {
        close(dir);
    }
    if (!error && renameat(snapdir, tmp, snapdir, snap->name)) {
        error = -errno;
        log_error("%s/%s: cannot rename %s to it: %s", path, snap->name, tmp,
                  strerror(-error));
    }
    if (!error && fsync(snapdir)) {
        error = -errno;
        log_error("%s: cannot sync it: %s", path, strerror(-error));
    }
    if (error) {
        fs_remove_tree_at(snapdir, tmp, shown, NULL);
        log_error("the snapshot was not saved; the previous ones are as "
                  "they were");
    }
    free(shown);
    return error;
}

/* The file `file` of the newest of the `n` snapshots (newest first, of
 * any scope) that has it, checked; NULL if none.  *from: that snapshot. */
static char *
previous_file(int snapdir, const char *path, const struct snapshot *list,
              size_t n, const char *file, size_t *len,
              const struct snapshot **from)
{
    for (size_t k = 0; k < n; k++) {
        const struct snapshot *prev = &list[k];
        for (size_t i = 0; i < prev->n_files && !prev->damaged; i++) {
            if (!strcmp(prev->files[i].name, file)) {
                char *data = NULL;
                if (snapshot_read_file(snapdir, path, prev, &prev->files[i],
                                       &data) != 0) {
                    break; /* damaged (named): an older one's */
                }
                *len = prev->files[i].size;
                *from = prev;
                return data;
            }
        }
    }
    return NULL;
}

/* Whether one of the `n` snapshots of `list` (damaged ones included, when
 * their manifest could be read) lists file `file`. */
static bool
listed_in(const struct snapshot *list, size_t n, const char *file)
{
    for (size_t k = 0; k < n; k++) {
        for (size_t i = 0; i < list[k].n_files; i++) {
            if (!strcmp(list[k].files[i].name, file)) {
                return true;
            }
        }
    }
    return false;
}

/* Removes the marks of the record's objects (object_name()) that
 * `unmark` says (what runs on them is now in a snapshot kept). */
static void
unmark_objects(const struct state *st, const bool *unmark, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (unmark[i]) {
            char *key = mark_key(st, i);
            state_mark_clear(st, key);
            free(key);
        }
    }
}

/* What file `file` (NODE.frr, NODE.ip, BRIDGE.vlan) holds, in words. */
static const char *
saved_what(const char *file)
{
    const char *kind = snapshot_file_kind(file, NULL);
    return !kind || !strcmp(kind, ".frr") ? "configuration"
           : !strcmp(kind, ".ip")         ? "addresses and routes"
                                          : "VLAN settings";
}

/* Whether the record has a node or bridge of AS `asn` on this server. */
static bool
record_has_as(const struct state *st, unsigned asn)
{
    for (size_t i = 0; i < st->n_nodes + st->n_bridges; i++) {
        if (names_asn_of(object_name(st, i)) == asn) {
            return true;
        }
    }
    return false;
}

static bool
name_taken(int snapdir, const char *name)
{
    struct stat sb;
    return fstatat(snapdir, name, &sb, AT_SYMLINK_NOFOLLOW) == 0;
}

/* `save --json`'s reply (wire.h): the snapshot stored, or the one this
 * server's part is the same as, or neither. */
static void
save_reply(const struct session *s, const char *stored, const char *unchanged)
{
    if (!s->opts.json) {
        return;
    }
    struct wire_save w = {
        .server = (char *)(s->opts.server ? s->opts.server : "local"),
        .stored = (char *)stored,
        .unchanged = (char *)unchanged,
    };
    wire_print(wire_save_encode(&w), false);
}

int
network_save(struct session *s)
{
    return network_save_as(s, s->opts.as_number, s->opts.name, s->opts.note,
                           NULL);
}

/* Pins, for every object marked now (before `save --force` ends a mark):
 * the snapshot a displaced mark names (a run directory from before pins
 * were kept), for good, and the newest snapshot -- `written` (NULL: none
 * stored), else of `list` (newest first) -- that holds its side file
 * (KEY.running), where what it ran while marked is: saves while it stays
 * marked and does not answer keep no newer one.  That second pin is of
 * the "newest" kind and replaces the previous save's for that key
 * (snapshot_pins_newest()): a term of saves while marked keeps one.  Not for
 * an object whose mark --force ends (`unmark`, not displaced): what runs on it
 * is saved as its file.  0, or -errno when a pin could not be written (said):
 * then nothing may be pruned. */
static int
pin_marked(const struct state *st, int snapdir, const char *path,
           const struct snapshot *written, const struct snapshot *list,
           size_t n_list, const bool *unmark)
{
    size_t n_objects = st->n_nodes + st->n_bridges;
    int error = 0;
    for (size_t i = 0; i < n_objects; i++) {
        char *key = mark_key(st, i);
        char *mark = key ? state_mark_get(st, key) : NULL;
        if (!mark) {
            free(key);
            continue;
        }
        bool displaced = state_mark_is_displaced(mark);
        char *named = displaced ? state_mark_snapshot(mark) : NULL;
        int e = named ? snapshot_pin(snapdir, path, key, named) : 0;
        if (e) {
            log_error("%s: its students' work in snapshot %s not pinned "
                      "(above)",
                      object_name(st, i), named);
            error = error ? error : e;
        }
        const struct snapshot *holder =
            snapshot_newest_running(written, list, n_list, key);
        const char *newest = holder ? holder->name : NULL;
        if (newest && (displaced || !unmark[i])) {
            /* One such pin per key: it replaces the previous save's. */
            e = snapshot_pin_newest(snapdir, path, key, holder, list, n_list);
            if (e) {
                log_error("%s: its students' work in snapshot %s not pinned "
                          "(above)",
                          object_name(st, i), newest);
                error = error ? error : e;
            }
        }
        free(named);
        free(mark);
        free(key);
    }
    return error;
}

int
network_save_as(struct session *s, unsigned asn, const char *given,
                const char *note, char **saved)
{
    const struct state *st = s->record;
    const struct active_plugin *rt = session_plugin(s, MI_PLUGIN_RUNTIME);

    if (!st) {
        log_error("network %s is not up here: nothing to save", s->network);
        return EXIT_FAILED;
    }
    if (!st->complete) {
        log_error("network %s: its `up` did not finish; `up` or `down` "
                  "first",
                  s->network);
        return EXIT_FAILED;
    }
    if (asn && !record_has_as(st, asn)) {
        if (s->opts.server) {
            save_reply(s, NULL, NULL);
            return EXIT_OK; /* AS N is on other servers (the master
                               checked that it exists) */
        }
        log_error("--as %u: network %s has no node or switch of AS %u here",
                  asn, s->network, asn);
        return EXIT_USAGE;
    }
    double t0 = util_monotonic();
    size_t n_objects = st->n_nodes + st->n_bridges;
    struct save_run run = {st, rt, asn,
                           xcalloc(n_objects + 1, sizeof *run.taken)};
    workers_run(st->n_nodes, s->opts.jobs, take_one, &run, NULL, NULL);
    take_switches(st, session_plugin(s, MI_PLUGIN_SWITCH), asn, run.taken);

    char *path = NULL;
    int snapdir = snapshot_open_dir(s->network, true, &path);
    int status = snapdir < 0 ? EXIT_FAILED : EXIT_OK;
    struct snapshot *list = NULL;
    size_t n_list = 0;
    if (snapdir >= 0) {
        remove_leftovers(snapdir, path);
        n_list = snapshot_list(snapdir, path, false, &list, NULL);
    }
    /* Like with like: the previous intact snapshot of the same scope (the
     * whole network, or AS N's part); one whose files are damaged is no
     * reason not to store this one. */
    size_t prev = n_list;
    for (size_t k = 0; k < n_list && prev == n_list; k++) {
        prev = !list[k].damaged && list[k].asn == asn ? k : n_list;
    }
    if (prev < n_list && snapshot_verify(snapdir, path, &list[prev])) {
        prev = n_list;
    }

    struct snapshot snap = {0};
    snap.network = xstrdup(s->network);
    /* From a master, its clock: one name on every server. */
    snap.time = s->opts.save_time ? s->opts.save_time : (long long)time(NULL);
    snap.named = given != NULL;
    snap.asn = asn;
    snap.note = note ? xstrdup(note) : NULL;
    /* Per file: its text (a node's or bridge's, and a marked one's
     * running state beside it). */
    char **data = xcalloc(2 * n_objects + 1, sizeof *data);
    /* Per object: a marked one's running state (its side file,
     * FILE.running), kept beside its students' saved file. */
    char **running = xcalloc(n_objects + 1, sizeof *running);
    /* Per object: its mark to remove once the snapshot is kept (save
     * --force, or a marked one no earlier snapshot holds). */
    bool *unmark = xcalloc(n_objects + 1, sizeof *unmark);
    size_t n_stale = 0, n_lost = 0;
    for (size_t i = 0; status == EXIT_OK && i < n_objects; i++) {
        struct taken *t = &run.taken[i];
        if (!t->file) {
            continue;
        }
        /* A marked router runs `up`'s configuration, or a mix, not its
         * students' saved one (a marked host has `up`'s addresses, a
         * marked switch `up`'s VLANs): that is not what is stored over
         * their work, unless --force; what it runs (what they typed on it
         * since) is stored beside it, FILE.running, never lost. */
        char *key = t->data ? mark_key(st, i) : NULL;
        char *mark = key ? state_mark_get(st, key) : NULL;
        free(key);
        bool all_damaged = false;
        if (state_mark_is_displaced(mark)) {
            /* It runs its students' saved state (a restore put it back):
             * taken as it runs; the mark stays, so that retention keeps
             * the snapshot whose side file holds their older work. */
            if (s->opts.force) {
                log_info("%s: marked (%s): --force removes the mark (the "
                         "snapshot it names stays pinned: `miniinet "
                         "snapshots --unpin` releases it)",
                         object_name(st, i), mark);
                unmark[i] = true;
            }
            free(mark);
            mark = NULL;
        }
        if (mark && s->opts.force) {
            log_info("%s: marked (%s): --force saves its running "
                     "configuration and removes the mark",
                     object_name(st, i), mark);
            unmark[i] = true;
        } else if (mark) {
            const struct snapshot *from = NULL;
            size_t len = 0;
            char *kept = previous_file(snapdir, path, list, n_list, t->file,
                                       &len, &from);
            all_damaged = !kept && listed_in(list, n_list, t->file);
            if (kept || all_damaged) {
                running[i] = t->data;
                t->data = NULL;
                char *file = xasprintf("%s" SNAPSHOT_RUNNING, t->file);
                data[snap.n_files] = running[i];
                snapshot_add_file(&snap, file, running[i], t->len, false);
                free(file);
                t->len = 0;
            }
            if (kept) {
                free(kept);
                t->why = xasprintf(
                    "it does not %s its students' saved %s (%s); `miniinet "
                    "restore` puts it back, `save --force` saves what runs; "
                    "what runs is saved beside it, %s" SNAPSHOT_RUNNING,
                    !strcmp(saved_what(t->file), "configuration") ? "run"
                                                                  : "have",
                    saved_what(t->file), mark, t->file);
            } else if (all_damaged) {
                log_error("%s: marked (%s), and every saved copy of its "
                          "%s is damaged: not saved as its file (its "
                          "students' work may be in those copies; `save "
                          "--force` stores what runs over it); what runs is "
                          "saved beside it, %s" SNAPSHOT_RUNNING
                          ", and the mark stays",
                          object_name(st, i), mark, saved_what(t->file),
                          t->file);
                n_lost++;
            } else {
                log_warn("%s: marked (%s), but no earlier snapshot has it: "
                         "what runs is saved",
                         object_name(st, i), mark);
                unmark[i] = true;
            }
        }
        free(mark);
        if (all_damaged) {
            continue;
        }
        bool stale = !t->data;
        if (stale) {
            const struct snapshot *from = NULL;
            t->data = previous_file(snapdir, path, list, n_list, t->file,
                                    &t->len, &from);
            const char *why = t->why ? t->why : "it did not answer";
            if (!t->data) {
                log_error("%s: not saved: %s, and no earlier snapshot has it",
                          object_name(st, i), why);
                n_lost++;
                continue;
            }
            log_warn("%s: kept from snapshot %s, marked stale: %s",
                     object_name(st, i), from->name, why);
            n_stale++;
        }
        data[snap.n_files] = t->data;
        snapshot_add_file(&snap, t->file, t->data, t->len, stale);
    }

    char name[32];
    if (status == EXIT_OK) {
        snapshot_default_name(snap.time, name);
        if (given) {
            snap.name = xstrdup(given);
        } else if (asn) {
            snap.name = xasprintf("%s-as%u", name, asn);
        } else {
            snap.name = xstrdup(name);
        }
        /* Unchanged: the same as the previous one of its scope, and no
         * newer snapshot of another scope holds one of its parts (a
         * restore would take that one: snapshot_unchanged()).  --always:
         * a master's second round, so that every server has the snapshot
         * of the name it chose when any server's part changed. */
        if (!given && !s->opts.always &&
            snapshot_unchanged(list, n_list, prev, &snap)) {
            log_info("network %s: nothing changed since snapshot %s: not "
                     "stored again",
                     s->network, list[prev].name);
            if (n_lost) {
                /* As a changed save: an object not saved (named above,
                 * a marked one whose every copy is damaged, say) is a
                 * failure, even when nothing else changed. */
                log_error("network %s: %zu node%s or switch%s not saved "
                          "(above), as in snapshot %s",
                          s->network, n_lost, util_plural(n_lost),
                          n_lost == 1 ? "" : "es", list[prev].name);
                status = EXIT_FAILED;
            }
            pin_marked(st, snapdir, path, NULL, list, n_list, unmark);
            unmark_objects(st, unmark, n_objects);
            save_reply(s, NULL, list[prev].name);
            if (saved) {
                *saved = xstrdup(list[prev].name);
            }
            goto done;
        }
        if (name_taken(snapdir, snap.name)) {
            log_error("%s/%s exists already: %s", path, snap.name,
                      given ? "choose another name for --name"
                            : "one snapshot a second at most");
            status = EXIT_FAILED;
            goto done;
        }
        if (write_snapshot(snapdir, path, &snap, data)) {
            status = EXIT_FAILED;
            goto done;
        }
        if (saved) {
            *saved = xstrdup(snap.name);
        }
        bool pins_failed =
            pin_marked(st, snapdir, path, &snap, list, n_list, unmark) != 0;
        unmark_objects(st, unmark, n_objects);
        char of_as[32] = "";
        if (asn) {
            snprintf(of_as, sizeof of_as, " of AS %u", asn);
        }
        log_info("network %s: saved snapshot %s%s (%zu file%s%s) in %s/%s in "
                 "%.1fs",
                 s->network, snap.name, of_as, snap.n_files,
                 util_plural(snap.n_files), n_stale ? ", some stale" : "",
                 path, snap.name, util_monotonic() - t0);
        /* A snapshot a mark names (displaced or not) may hold the only
         * copy of students' work: never removed while the mark is. */
        char **pinned = NULL;
        bool unsure = state_mark_snapshots(st, &pinned) != 0 || pins_failed;
        struct snapshot_retention r = {SNAPSHOT_KEEP_LAST, SNAPSHOT_KEEP_DAYS,
                                       (const char *const *)pinned};
        if (s->topo && s->topo->snapshots_keep_last >= 0) {
            r.keep_last = (unsigned)s->topo->snapshots_keep_last;
        }
        if (s->topo && s->topo->snapshots_keep_days >= 0) {
            r.keep_days = (unsigned)s->topo->snapshots_keep_days;
        }
        /* A mark that cannot be read may name any snapshot: nothing is
         * removed (said; the save itself succeeded). */
        size_t removed =
            unsure ? 0
                   : snapshot_prune(snapdir, path, snap.time, &r, snap.name);
        if (unsure) {
            log_warn("network %s: no older snapshot removed: its marks "
                     "cannot all be read or pinned (above), and a snapshot "
                     "one names may hold the only copy of students' work",
                     s->network);
        }
        if (removed) {
            log_info("removed %zu older snapshot%s (keeping the last %u and "
                     "one a day for %u days)",
                     removed, util_plural(removed), r.keep_last, r.keep_days);
        }
        util_free_strv(pinned);
        save_reply(s, snap.name, NULL);
        if (n_lost) {
            status = EXIT_FAILED;
        }
    }
done:
    for (size_t i = 0; i < n_objects; i++) {
        free(run.taken[i].file);
        free(run.taken[i].data);
        free(run.taken[i].why);
    }
    free(run.taken);
    for (size_t i = 0; i < n_objects; i++) {
        free(running[i]);
    }
    free(running);
    free(data);
    free(unmark);
    snapshot_free(&snap);
    for (size_t i = 0; i < n_list; i++) {
        snapshot_free(&list[i]);
    }
    free(list);
    free(path);
    if (snapdir >= 0) {
        close(snapdir);
    }
    return status;
}

/* The nodes and switches whose files in `snap` are stale (kept from an
 * earlier snapshot: they did not answer, or were marked, at that save);
 * with `running`, the marked routers whose running configuration is
 * there beside it (NODE.frr.running).  NULL-terminated, malloc()ed; *n
 * how many. */
static char **
stale_objects(const struct snapshot *snap, bool running, size_t *n)
{
    char **v = xcalloc(snap->n_files + 1, sizeof *v);
    *n = 0;
    for (size_t k = 0; k < snap->n_files; k++) {
        char object[80];
        const char *suffix;
        if ((running ? snapshot_file_running(snap->files[k].name)
                     : snap->files[k].stale) &&
            snapshot_file_object(snap->files[k].name, object, sizeof object,
                                 &suffix)) {
            v[(*n)++] = xstrdup(object);
        }
    }
    return v;
}

/* `snapshots --json` (wire.h): the `n` snapshots of `list`, freed; exit 1
 * when one is damaged. */
static int
snapshots_reply(const struct session *s, struct snapshot *list, size_t n,
                char **incomplete, const struct snapshot_pins *pins)
{
    struct wire_snapshots w = {0};
    int status = EXIT_OK;

    w.server = xstrdup(s->opts.server ? s->opts.server : "local");
    w.network = xstrdup(s->network);
    w.snapshots = xcalloc(n + 1, sizeof *w.snapshots);
    w.n_snapshots = n;
    for (size_t i = 0; i < n; i++) {
        struct wire_snapshot *ws = &w.snapshots[i];
        ws->name = list[i].name;
        ws->time = list[i].time;
        ws->as = list[i].asn;
        ws->named = list[i].named;
        ws->damaged = list[i].damaged;
        ws->unread = list[i].unread;
        ws->files = (unsigned)list[i].n_files;
        for (size_t k = 0; k < list[i].n_files; k++) {
            ws->bytes += list[i].files[k].size;
        }
        ws->stale_nodes = stale_objects(&list[i], false, &ws->n_stale_nodes);
        ws->stale = (unsigned)ws->n_stale_nodes;
        ws->note = list[i].note;
        ws->pinned_for = xcalloc((pins ? pins->n : 0) + 1, sizeof(char *));
        for (size_t k = 0; pins && k < pins->n; k++) {
            if (!strcmp(pins->v[k].snapshot, list[i].name)) {
                ws->pinned_for[ws->n_pinned_for++] = xstrdup(pins->v[k].key);
            }
        }
        ws->running = xcalloc(list[i].n_files + 1, sizeof(char *));
        for (size_t f = 0; f < list[i].n_files; f++) {
            if (snapshot_file_running(list[i].files[f].name)) {
                ws->running[ws->n_running++] = xstrdup(list[i].files[f].name);
            }
        }
        list[i].name = list[i].note = NULL; /* w's now */
        status = list[i].damaged ? EXIT_FAILED : status;
        snapshot_free(&list[i]);
    }
    w.incomplete = xcalloc(1, sizeof *w.incomplete);
    for (size_t i = 0; incomplete && incomplete[i]; i++) {
        w.incomplete = xrealloc(w.incomplete, (i + 2) * sizeof *w.incomplete);
        w.incomplete[i] = xstrdup(incomplete[i]);
        w.incomplete[i + 1] = NULL;
        w.n_incomplete = i + 1;
    }
    wire_print(wire_snapshots_encode(&w), false);
    wire_snapshots_free(&w);
    return status;
}

/* snapshots --unpin KEY:SNAPSHOT (checked by verb_snapshots()): the pin
 * released; refused when there is no such pin or the pins cannot be
 * read. */
static int
unpin(struct session *s, int snapdir, const char *path)
{
    const char *colon = strchr(s->opts.unpin, ':');
    char *key = xasprintf("%.*s", (int)(colon - s->opts.unpin), s->opts.unpin);
    const char *snap = colon + 1;
    struct snapshot_pins pins;
    int status = EXIT_FAILED;
    if (snapdir == -ENOENT) {
        log_error("--unpin %s: network %s has no snapshots", s->opts.unpin,
                  s->network);
    } else if (snapdir < 0) {
        log_error("--unpin %s: network %s: its snapshots directory cannot "
                  "be opened: %s",
                  s->opts.unpin, s->network, strerror(-snapdir));
    } else if (!snapshot_pins_load(snapdir, path, &pins)) {
        if (!snapshot_pins_has(&pins, key, snap)) {
            log_error("--unpin %s: snapshot %s is not pinned for %s (see "
                      "`miniinet snapshots`)",
                      s->opts.unpin, snap, key);
        } else if (!snapshot_unpin(snapdir, path, key, snap)) {
            snapshot_pins_remove(&pins, key, snap);
            log_info("network %s: snapshot %s no longer pinned for %s%s",
                     s->network, snap, key,
                     snapshot_pins_has(&pins, NULL, snap)
                         ? " (still pinned for another object)"
                         : " (retention may remove it with the next save, "
                           "unless a mark names it)");
            status = EXIT_OK;
        }
        snapshot_pins_free(&pins);
    }
    free(key);
    return status;
}

/* The keys pinning snapshot `name` ("" when none), as shown by
 * `snapshots`: "  pinned for KEY,KEY". */
static char *
pinned_for(const struct snapshot_pins *pins, const char *name)
{
    char *text = xstrdup("");
    for (size_t k = 0; k < pins->n; k++) {
        if (!strcmp(pins->v[k].snapshot, name)) {
            char *more = xasprintf(
                "%s%s%s", text, *text ? "," : "  pinned for ", pins->v[k].key);
            free(text);
            text = more;
        }
    }
    return text;
}

int
network_snapshots(struct session *s)
{
    char *path = NULL;
    int snapdir = snapshot_open_dir(s->network, false, &path);
    if (s->opts.unpin) {
        int status = unpin(s, snapdir, path);
        if (snapdir >= 0) {
            close(snapdir);
        }
        free(path);
        return status;
    }

    if (snapdir == -ENOENT) {
        if (s->opts.json) {
            return snapshots_reply(s, NULL, 0, NULL, NULL);
        }
        log_info("network %s has no snapshots", s->network);
        return EXIT_OK;
    }
    if (snapdir < 0) {
        return EXIT_FAILED;
    }
    struct snapshot *list;
    char **incomplete;
    size_t n = snapshot_list(snapdir, path, true, &list, &incomplete);
    /* The pins (SNAPSHOT_PINS): what retention keeps for good. */
    struct snapshot_pins pins;
    bool pins_bad = snapshot_pins_load(snapdir, path, &pins) != 0;
    if (pins_bad) {
        log_error("network %s: its pins (above) cannot be read: no "
                  "snapshot is removed by retention until they can",
                  s->network);
    }
    if (s->opts.json) {
        int status = snapshots_reply(s, list, n, incomplete, &pins);
        util_free_strv(incomplete);
        snapshot_pins_free(&pins);
        free(list);
        free(path);
        close(snapdir);
        return pins_bad ? EXIT_FAILED : status;
    }
    if (!n && !incomplete[0]) {
        log_info("network %s has no snapshots", s->network);
    }
    int status = pins_bad ? EXIT_FAILED : EXIT_OK;
    /* The marks of the network up here, each object's once: a snapshot
     * one names is kept by retention; a displaced one's holds, in its
     * side file, what the object ran while marked. */
    const struct state *st = s->record;
    size_t n_objects = st ? st->n_nodes + st->n_bridges : 0;
    char **marks = xcalloc(n_objects + 1, sizeof *marks);
    for (size_t k = 0; k < n_objects; k++) {
        char *key = mark_key(st, k);
        marks[k] = key ? state_mark_get(st, key) : NULL;
        free(key);
    }
    bool *pin_listed = xcalloc(pins.n + 1, sizeof *pin_listed);
    for (size_t k = 0; k < pins.n; k++) {
        for (size_t i = 0; i < n && !pin_listed[k]; i++) {
            pin_listed[k] = !strcmp(list[i].name, pins.v[k].snapshot);
        }
    }
    for (size_t i = 0; i < n; i++) {
        char when[32] = "?";
        time_t t = (time_t)list[i].time;
        struct tm tm;
        if (gmtime_r(&t, &tm)) {
            strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
        }
        if (list[i].damaged) {
            printf("%-24s %s  damaged (see above): never restored\n",
                   list[i].name, list[i].unread ? "?" : when);
            status = EXIT_FAILED;
            snapshot_free(&list[i]);
            continue;
        }
        size_t n_stale = 0, bytes = 0;
        for (size_t k = 0; k < list[i].n_files; k++) {
            bytes += list[i].files[k].size;
        }
        char *stale_text = xstrdup("");
        for (int r = 0; r < 2; r++) {
            char **objects = stale_objects(&list[i], r == 1, &n_stale);
            for (size_t k = 0; k < n_stale; k++) {
                char *more = xasprintf("%s%s%s", stale_text,
                                       k   ? ","
                                       : r ? "  marked, what ran: "
                                           : "  stale: ",
                                       objects[k]);
                free(stale_text);
                stale_text = more;
            }
            util_free_strv(objects);
        }
        bool pinned = false;
        for (size_t k = 0; k < n_objects; k++) {
            char *named = marks[k] ? state_mark_snapshot(marks[k]) : NULL;
            bool here = named && !strcmp(named, list[i].name);
            free(named);
            pinned |= here;
            if (here && state_mark_is_displaced(marks[k])) {
                char *more = xasprintf("%s%s%s", stale_text,
                                       strstr(stale_text, "  displaced, "
                                                          "what ran: ")
                                           ? ","
                                           : "  displaced, what ran: ",
                                       object_name(st, k));
                free(stale_text);
                stale_text = more;
            }
        }
        if (pinned && !list[i].named) {
            char *more = xasprintf("%s  kept while marked", stale_text);
            free(stale_text);
            stale_text = more;
        }
        char *pins_text = pinned_for(&pins, list[i].name);
        char *more = xasprintf("%s%s", stale_text, pins_text);
        free(stale_text);
        free(pins_text);
        stale_text = more;
        char scope[16] = "whole";
        if (list[i].asn) {
            snprintf(scope, sizeof scope, "AS %u", list[i].asn);
        }
        printf("%-24s %s  %-6s %3zu files %8zu bytes%s%s%s%s\n", list[i].name,
               when, scope, list[i].n_files, bytes,
               list[i].named ? "  kept" : "", stale_text,
               list[i].note ? "  " : "", list[i].note ? list[i].note : "");
        free(stale_text);
        snapshot_free(&list[i]);
    }
    for (size_t i = 0; incomplete[i]; i++) {
        printf("%-24s incomplete: no snapshot (a save that did not finish, "
               "or not ours); never restored\n",
               incomplete[i]);
    }
    util_free_strv(incomplete);
    /* A pin of a snapshot that is no longer there (removed by hand). */
    for (size_t k = 0; k < pins.n; k++) {
        if (!pin_listed[k]) {
            printf("%-24s missing, but pinned for %s (`--unpin %s:%s` "
                   "releases it)\n",
                   pins.v[k].snapshot, pins.v[k].key, pins.v[k].key,
                   pins.v[k].snapshot);
        }
    }
    snapshot_pins_free(&pins);
    free(pin_listed);
    for (size_t k = 0; k < n_objects; k++) {
        free(marks[k]);
    }
    free(marks);
    free(list);
    free(path);
    close(snapdir);
    return status;
}

/* ------------------------------------------------------------------------ */
/* restore                                                                  */

/* FRR's own tool that replaces a running configuration by a file's,
 * removing the lines the file does not have (Debian: frr-pythontools). */
#define FRR_RELOAD "/usr/lib/frr/frr-reload.py"
/* How long frr-reload.py may take (a Python start and several vtysh runs:
 * a second or two; a wedged daemon makes it wait for ever), and how much
 * it may print: then it is killed (the runtime's run_bounded) and the
 * router reported, not restored. */
#define RELOAD_TIMEOUT_MS 120000
#define RELOAD_OUT_MAX (1u << 20)

/* `conf` without what `show running-config` prints before the
 * configuration, which is no command ("Building configuration...",
 * "Current configuration:", blank lines): a pointer into it, *len
 * shortened. */
static const char *
config_body(const char *conf, size_t *len)
{
    static const char *const header[] = {"Building configuration...\n",
                                         "Current configuration:\n", "\n"};
    for (size_t i = 0; i < ARRAY_SIZE(header); i++) {
        size_t n = strlen(header[i]);
        if (*len >= n && !memcmp(conf, header[i], n)) {
            conf += n;
            *len -= n;
            i = (size_t)-1; /* again from the first */
        }
    }
    return conf;
}

/* Puts a router's configuration back: the file into the node's directory
 * (root's; the node cannot write it), then frr-reload.py in the node.
 * *reloaded: frr-reload.py ran and failed (it may have changed part of
 * the configuration). */
static int
restore_router(const struct state *st, const struct active_plugin *rt,
               const char *node, const char *conf, size_t len, bool *reloaded)
{
    /* Unchanged since the snapshot: nothing to do (frr-reload.py costs a
     * Python start and several vtysh runs). */
    const char *show[] = {"vtysh", "-N", node, "-c", "show running-config",
                          NULL};
    *reloaded = false;
    char *ndir0 = state_node_dir(st, node);
    char *now = NULL;
    int shown = rt_run_bounded(rt, node, ndir0, show, &now,
                               SAVE_VTYSH_TIMEOUT_MS, SNAPSHOT_FILE_MAX);
    free(ndir0);
    if (shown == -ETIMEDOUT || shown == -EFBIG) {
        char buf[128];
        log_error("%s: not restored: vtysh %s", node,
                  rt_run_failure(shown, SAVE_VTYSH_TIMEOUT_MS,
                                 SNAPSHOT_FILE_MAX, buf, sizeof buf));
        return shown;
    }
    bool same =
        shown == 0 && now && strlen(now) == len && memcmp(now, conf, len) == 0;
    free(now);
    if (same) {
        return 0;
    }
    conf = config_body(conf, &len);
    int dir = state_open_node_dir(st, node);
    int error =
        dir < 0 ? dir : fs_write_file_at(dir, "restore.conf", conf, len, 0600);
    if (dir >= 0) {
        close(dir);
    }
    if (error) {
        log_error("%s: cannot write its configuration to restore: %s", node,
                  strerror(-error));
        return error;
    }
    char *ndir = state_node_dir(st, node);
    char *file = xasprintf("%s/restore.conf", ndir);
    const char *argv[] = {FRR_RELOAD, "--reload", "--stdout", "--log-level",
                          "error",    "-N",       node,       "--confdir",
                          ndir,       "--rundir", ndir,       file,
                          NULL};
    char *out = NULL;
    int status = rt_run_bounded(rt, node, ndir, argv, &out, RELOAD_TIMEOUT_MS,
                                RELOAD_OUT_MAX);
    *reloaded = status != 0; /* it may have changed some of it */
    if (status != 0) {
        char buf[128];
        log_error("%s: %s (%s %s)%s%s", node,
                  status > 0 ? "FRR refused the saved configuration"
                             : "not restored",
                  FRR_RELOAD,
                  rt_run_failure(status, RELOAD_TIMEOUT_MS, RELOAD_OUT_MAX,
                                 buf, sizeof buf),
                  out && *out ? ": " : "", out && *out ? out : "");
    }
    free(out);
    free(file);
    free(ndir);
    return status == 0 ? 0 : -EINVAL;
}

/* One line of a host's file, checked: "addr IF A/P", "route D/P via G dev
 * IF", "route D/P dev IF".  Its ip(8) arguments after the verb ("addr" or
 * "route") in `args` (pointers into `tok`). */
static bool
parse_ip_line(char **tok, size_t n, const char **args, size_t *n_args)
{
    char buf[64];
    unsigned char bin[16];
    const char *prefix = n > 1 ? tok[1] : "";

    if (n == 3 && !strcmp(tok[0], "addr")) {
        prefix = tok[2];
    }
    const char *slash = strchr(prefix, '/');
    size_t alen = slash ? (size_t)(slash - prefix) : 0;
    char *end;
    long plen = slash ? strtol(slash + 1, &end, 10) : -1;
    if (!slash || alen >= sizeof buf || !slash[1] || *end || plen < 0 ||
        plen > 128) {
        return false;
    }
    memcpy(buf, prefix, alen);
    buf[alen] = '\0';
    bool v6 = strchr(buf, ':') != NULL;
    if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, bin) != 1 ||
        plen > (v6 ? 128 : 32)) {
        return false;
    }
    const char *ifname = NULL;
    if (n == 3 && !strcmp(tok[0], "addr")) {
        ifname = tok[1];
        args[0] = tok[2];
        args[1] = "dev";
        args[2] = tok[1];
        *n_args = 3;
    } else if (n == 6 && !strcmp(tok[0], "route") && !strcmp(tok[2], "via") &&
               !strcmp(tok[4], "dev") &&
               inet_pton(v6 ? AF_INET6 : AF_INET, tok[3], bin) == 1) {
        ifname = tok[5];
        for (size_t i = 0; i < 5; i++) {
            args[i] = tok[1 + i];
        }
        *n_args = 5;
    } else if (n == 4 && !strcmp(tok[0], "route") && !strcmp(tok[2], "dev")) {
        ifname = tok[3];
        for (size_t i = 0; i < 3; i++) {
            args[i] = tok[1 + i];
        }
        *n_args = 3;
    }
    return ifname && strlen(ifname) < 16 &&
           strspn(ifname,
                  "abcdefghijklmnopqrstuvwxyz"
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == strlen(ifname);
}

static bool
has_line(char **lines, size_t n, const char *line)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(lines[i], line)) {
            return true;
        }
    }
    return false;
}

/* Runs `ip VERB ACTION ARGS...` for one line in the node. */
static int
ip_line(const struct state *st, const struct active_plugin *rt,
        const char *node, const char *line, const char *action)
{
    size_t n = 0;
    char **tok = util_split(line, ' ', &n);
    const char *args[6];
    size_t n_args = 0;
    int status = -EINVAL;

    if (parse_ip_line(tok, n, args, &n_args)) {
        const char *argv[10] = {"ip", tok[0], action};
        for (size_t i = 0; i < n_args; i++) {
            argv[3 + i] = args[i];
        }
        argv[3 + n_args] = NULL;
        char *dir = state_node_dir(st, node);
        char *out = NULL;
        status = rt_run(rt, node, dir, argv, &out);
        free(out);
        free(dir);
    }
    util_free_strv(tok);
    return status;
}

/* Whether `line` (of a host's file) is an address on interface `ifname`
 * or a route through it; NULL `ifname`: any checked line. */
static bool
line_on(const char *line, const char *ifname)
{
    size_t n = 0, n_args = 0;
    const char *args[6];
    char **tok = util_split(line, ' ', &n);
    bool on = parse_ip_line(tok, n, args, &n_args) &&
              (!ifname || !strcmp(args[n_args - 1], ifname));

    util_free_strv(tok);
    return on;
}

/* Whether a line of a host's file is on the management interface (an
 * address on it, a route through it): left out of a restore (a snapshot
 * taken before this miniinet left it out may hold one). */
static bool
line_on_mgmt(const char *line)
{
    char mgmt[16];

    names_if_mgmt(mgmt, sizeof mgmt);
    return line_on(line, mgmt);
}

/* Converges a host's addresses and routes to the saved ones: what is not
 * saved goes, what is missing comes (addresses before routes).  With
 * `only_if`, only the addresses on that interface and the routes through
 * it, on either side: the rest of the node is left as it is. */
static int
restore_host(const struct state *st, const struct active_plugin *rt,
             const char *node, const char *saved_text, const char *only_if)
{
    char path[PATH_MAX], *now_text = NULL;
    if (rt_netns_path(rt, node, path, sizeof path) ||
        host_dump(path, &now_text)) {
        log_error("%s: cannot read its addresses and routes", node);
        return -EIO;
    }
    size_t n_saved = 0, n_now = 0;
    char **saved = util_split(saved_text, '\n', &n_saved);
    char **now = util_split(now_text, '\n', &n_now);
    free(now_text);
    int failed = 0;
    /* Checked first: a bad line changes nothing. */
    for (size_t i = 0; i < n_saved && !failed; i++) {
        size_t n = 0, n_args = 0;
        const char *args[6];
        char **tok = util_split(saved[i], ' ', &n);
        if (*saved[i] && !parse_ip_line(tok, n, args, &n_args)) {
            log_error("%s: saved line %zu is not an address or route: '%s'",
                      node, i + 1, saved[i]);
            failed++;
        }
        util_free_strv(tok);
    }
    /* Routes go before addresses, addresses come before routes. */
    for (int pass = 0; pass < 4 && !failed; pass++) {
        bool adding = pass >= 2;
        const char *kind = (pass == 0 || pass == 3) ? "route " : "addr ";
        char **from = adding ? saved : now;
        char **other = adding ? now : saved;
        size_t n_from = adding ? n_saved : n_now;
        size_t n_other = adding ? n_now : n_saved;
        for (size_t i = 0; i < n_from; i++) {
            if (strncmp(from[i], kind, strlen(kind)) != 0 ||
                has_line(other, n_other, from[i]) ||
                (only_if && !line_on(from[i], only_if)) ||
                line_on_mgmt(from[i])) {
                continue;
            }
            if (ip_line(st, rt, node, from[i], adding ? "add" : "del")) {
                log_error("%s: could not %s '%s'", node,
                          adding ? "add" : "remove", from[i]);
                failed++;
            }
        }
    }
    util_free_strv(saved);
    util_free_strv(now);
    return failed ? -EINVAL : 0;
}

/* How many snapshots of `snapdir` hold AS `want`'s part (0: the whole
 * network; snapshot_covers()), a damaged one counted as if it did (it may):
 * 0 means none to restore.  *total (when not NULL): how many there are.
 * Incomplete entries (no snapshot: snapshot_list()) are not counted. */
static size_t
count_covering(int snapdir, const char *path, unsigned want, size_t *total)
{
    struct snapshot *list;
    size_t n = snapshot_list(snapdir, path, false, &list, NULL);
    size_t covering = 0;

    for (size_t i = 0; i < n; i++) {
        covering += snapshot_covers(&list[i], want);
        snapshot_free(&list[i]);
    }
    if (total) {
        *total = n;
    }
    free(list);
    return covering;
}

/* The snapshot to restore: `name`, or the newest intact one that holds AS
 * `want`'s part (0: the newest of the whole network; snapshot_covers()):
 * a snapshot of AS 3 alone is never the one a whole restore takes.  NULL
 * after saying why.  A damaged snapshot (named, with its file, by
 * snapshot_list()) is never restored.  Without a name, a damaged one
 * newer than the newest intact one is never silently passed over: the
 * restore refuses, naming it and offering the intact one by name --
 * unless `lenient` (healing a router, the boot unit's --skip-damaged),
 * which takes the intact one with a warning.  Incomplete entries (no
 * snapshot at all: a save that did not finish) are skipped, said once. */
static struct snapshot *
choose_snapshot(int snapdir, const char *path, const char *name, unsigned want,
                bool lenient)
{
    struct snapshot *list;
    char **incomplete;
    size_t n = snapshot_list(snapdir, path, true, &list, &incomplete);
    struct snapshot *chosen = NULL;
    long damaged, offer;
    long i = snapshot_choose(list, n, name, want, &damaged, &offer);
    const char *offer_name = offer >= 0 ? list[offer].name : NULL;
    bool in_incomplete = false;

    for (size_t k = 0; name && incomplete[k]; k++) {
        in_incomplete |= !strcmp(incomplete[k], name);
    }
    if (!name && incomplete[0]) {
        size_t k = 0;
        while (incomplete[k]) {
            k++;
        }
        log_warn("%s: skipping %zu incomplete entr%s (a save that did not "
                 "finish, or not ours), first %s",
                 path, k, k == 1 ? "y" : "ies", incomplete[0]);
    }
    if (damaged >= 0 && (name || i < 0 || !lenient)) {
        log_error("%s/%s: snapshot %s is damaged (see above): nothing "
                  "restored%s%s%s",
                  path, list[damaged].name, list[damaged].name,
                  !offer_name ? ""
                  : name      ? "; the newest intact one is "
                              : "; the previous intact one is ",
                  offer_name ? offer_name : "",
                  offer_name ? " (`miniinet restore NAME` restores it)" : "");
        i = -1;
    } else if (damaged >= 0) {
        log_warn("%s/%s: snapshot %s is damaged (see above): restoring the "
                 "newest intact one, %s",
                 path, list[damaged].name, list[damaged].name, list[i].name);
    } else if (i < 0 && name && in_incomplete) {
        log_error("%s/%s: incomplete, not a snapshot (a save that did not "
                  "finish): nothing restored",
                  path, name);
    } else if (i < 0 && name) {
        log_error("%s: no snapshot of that name (`snapshots` lists them)",
                  path);
    } else if (i < 0 && want) {
        log_error("%s: no snapshot holds AS %u to restore", path, want);
    } else if (i < 0) {
        log_error("%s: no snapshot of the whole network to restore%s", path,
                  n ? " (those of one AS: `restore --as N`)" : "");
    }
    if (i >= 0) {
        chosen = xmalloc(sizeof *chosen);
        *chosen = list[i];
        memset(&list[i], 0, sizeof list[i]); /* taken */
    }
    for (size_t k = 0; k < n; k++) {
        snapshot_free(&list[k]);
    }
    free(list);
    util_free_strv(incomplete);
    return chosen;
}

static const struct state_node *
record_node(const struct state *st, const char *name)
{
    for (size_t i = 0; i < st->n_nodes; i++) {
        if (!strcmp(st->nodes[i].name, name)) {
            return &st->nodes[i];
        }
    }
    return NULL;
}

static bool
record_bridge(const struct state *st, const char *name)
{
    for (size_t i = 0; i < st->n_bridges; i++) {
        if (!strcmp(st->bridges[i], name)) {
            return true;
        }
    }
    return false;
}

/* Why file `file` of `snap` is stale, for the warnings of a restore or
 * heal that takes it: an object marked at that save has what it ran
 * beside it (FILE.running); else it did not answer (or was marked, in a
 * snapshot saved before side files). */
static const char *
stale_why(const struct snapshot *snap, const char *file)
{
    size_t n = strlen(file);
    for (size_t i = 0; i < snap->n_files; i++) {
        const char *name = snap->files[i].name;
        if (!strncmp(name, file, n) && !strcmp(name + n, SNAPSHOT_RUNNING)) {
            return "it was marked when that snapshot was saved, not running "
                   "its students' saved state; what it ran then is its "
                   "file " SNAPSHOT_RUNNING " there";
        }
    }
    return "it did not answer, or was marked, when that snapshot was saved";
}

/* Says that `object` has what it ran at snapshot `snap` (its side file
 * `file`, restore --running), and whether it is still marked.  That work
 * runs again: the pin of `snap` for its key goes (the one place a restore
 * ends a pin), and a displaced mark naming `snap` too. */
static void
say_side_restored(const struct state *st, int snapdir, const char *path,
                  const char *object, bool bridge, const char *snap,
                  const char *file)
{
    char *key = state_mark_key(st, object, bridge);
    char *mark = key ? state_mark_get(st, key) : NULL;
    char *named = mark ? state_mark_snapshot(mark) : NULL;
    struct snapshot_pins pins = {0};
    bool pinned = key && !snapshot_pins_load(snapdir, path, &pins) &&
                  snapshot_pins_has(&pins, key, snap);
    snapshot_pins_free(&pins);
    bool unpinned = pinned && !snapshot_unpin(snapdir, path, key, snap);
    /* A displaced mark names the snapshot whose side file holds what it
     * ran while marked: that runs again, the next save stores it. */
    bool ends = state_mark_is_displaced(mark) && named && !strcmp(named, snap);
    if (ends) {
        state_mark_clear(st, key);
    }
    log_info("%s: put back as it ran at snapshot %s (%s)%s%s", object, snap,
             file,
             ends   ? "; its mark (displaced) removed: the next `save` "
                      "stores it as its file"
             : mark ? "; still marked: `save --force` makes it its saved "
                      "state"
                    : "",
             unpinned ? "; snapshot no longer pinned for it" : "");
    free(named);
    free(mark);
    free(key);
}

struct restore_run {
    const struct state *st;
    const struct active_plugin *rt;
    const struct snapshot *snap;
    int snapdir;
    const char *path;
    const bool *keep; /* per file: selected (--node, --as) */
    int *result;      /* per file: 1 restored, 0 skipped, -1 failed */
    bool up;          /* `up --restore`: a router not restored runs up's */
    const struct snapshot *all; /* every snapshot, newest first */
    size_t n_all;
};

/* Marks object `object` (its mark's key `key`) with `reason`, naming
 * `snapshot`, the one that holds its students' work (NULL: none known),
 * for every mark set with a reset of what runs on it (`up`'s marks, a
 * restore refused midway or not done by `up --restore`, a restore's
 * displaced marks, heal's fallbacks): the one place they are set.  In
 * `snapdir` (shown as `path`; < 0: none could be opened), where snapshots
 * live, the key's "newest" pins become pins for good (what runs from now
 * on is not the work they hold: the next save's KEY.running may not
 * replace them), and `pin` (NULL: none) is pinned for good: a later mark
 * replacing this one, `save --force`, `down` or a reboot never unpin
 * them (snapshot_pin_reset()).  state_mark_set()'s result; a pin not
 * written is said (the mark still keeps its snapshot while it stays). */
static int
mark_pinned(const struct state *st, int snapdir, const char *path,
            const char *object, const char *key, const char *reason,
            const char *snapshot, const char *pin)
{
    if (key && snapdir >= 0 && snapshot_pin_reset(snapdir, path, key, pin)) {
        if (pin) {
            log_error("%s: snapshot %s not pinned for good (above): the "
                      "mark keeps it while it stays",
                      object, pin);
        } else {
            log_error("%s: its save's `newest` pin not kept for good "
                      "(above): the next `save` may replace it",
                      object);
        }
    } else if (key && pin && snapdir < 0) {
        log_error("%s: snapshot %s not pinned (the snapshots' directory "
                  "cannot be opened): the mark keeps it while it stays",
                  object, pin);
    }
    return state_mark_set(st, key, reason, snapshot);
}

int
network_mark_pinned(struct session *s, const struct state *st,
                    const char *object, bool bridge, const char *reason,
                    const char *snapshot)
{
    char *path = NULL;
    int snapdir = snapshot_open_dir(s->network, false, &path);
    char *key = state_mark_key(st, object, bridge);
    int error = mark_pinned(st, snapdir, path, object, key, reason, snapshot,
                            snapshot);
    free(key);
    free(path);
    if (snapdir >= 0) {
        close(snapdir);
    }
    return error;
}

/* Object `object`'s mark once its file `file` of the restored snapshot
 * runs on it: when the newest snapshot holding that file has it stale,
 * with what the object ran while marked beside it (snapshot_displacing()),
 * that work is now only there: marked displaced, naming that snapshot (so
 * that retention keeps it); else a displaced mark stays, and any other is
 * removed (its students' work runs). */
static void
mark_restored(const struct restore_run *run, const char *object, bool bridge,
              const char *file)
{
    long d = snapshot_displacing(run->all, run->n_all, file);
    char *key = state_mark_key(run->st, object, bridge);
    char *mark = key ? state_mark_get(run->st, key) : NULL;
    if (d >= 0) {
        bool frr = !strcmp(saved_what(file), "configuration");
        char *reason =
            xasprintf(STATE_MARK_DISPLACED
                      "it %s its students' saved %s "
                      "again, and what it %s while it was marked is only "
                      "in %s" SNAPSHOT_RUNNING " (`miniinet restore --node "
                      "%s --running %s` puts that back, `save --force` "
                      "ends the mark)",
                      frr ? "runs" : "has", saved_what(file),
                      frr ? "ran" : "had", file, object, run->all[d].name);
        log_warn("%s: %s; its students' work of that time is in snapshot %s",
                 object, reason, run->all[d].name);
        mark_pinned(run->st, run->snapdir, run->path, object, key, reason,
                    run->all[d].name, run->all[d].name);
        free(reason);
    } else if (key && !state_mark_is_displaced(mark)) {
        state_mark_clear(run->st, key);
    }
    free(mark);
    free(key);
}

/* File `i` of the snapshot back on its node (in parallel, -j); switches'
 * files are restore_switches()'. */
static int
restore_one(size_t i, void *aux)
{
    struct restore_run *run = aux;
    const struct snapshot_file *f = &run->snap->files[i];
    const char *suffix;
    char node[80];
    if (!run->keep[i] ||
        !snapshot_file_object(f->name, node, sizeof node, &suffix) ||
        !strcmp(suffix, ".vlan")) {
        return 0;
    }
    /* A marked node's side file (restore --running): put on it as its
     * file would be; its mark stays as it is. */
    bool side = snapshot_file_running(f->name);
    const struct state_node *sn = record_node(run->st, node);
    if (!sn || !state_kind_suffix(sn->kind) ||
        strcmp(state_kind_suffix(sn->kind), suffix) != 0) {
        log_warn("%s: in snapshot %s but not a node of that kind here: "
                 "skipped",
                 node, run->snap->name);
        return 0;
    }
    if (f->stale) {
        log_warn("%s: its file in snapshot %s is stale (%s): restoring an "
                 "earlier snapshot's configuration",
                 node, run->snap->name, stale_why(run->snap, f->name));
    }
    char *data = NULL;
    int error =
        snapshot_read_file(run->snapdir, run->path, run->snap, f, &data);
    bool router = !strcmp(suffix, ".frr"), reloaded = false;
    if (!error) {
        error = router ? restore_router(run->st, run->rt, node, data, f->size,
                                        &reloaded)
                       : restore_host(run->st, run->rt, node, data, NULL);
    }
    free(data);
    run->result[i] = error ? -1 : 1;
    if (side && !error) {
        say_side_restored(run->st, run->snapdir, run->path, node, false,
                          run->snap->name, f->name);
        return 0;
    }
    /* Its students' work runs: no longer marked (or displaced:
     * mark_restored()).  frr-reload.py failed midway (a mix runs), or `up
     * --restore` left `up`'s: marked (a failure before anything changed
     * leaves what ran, and its mark). */
    char *key = state_mark_key(run->st, node, false);
    if (!error) {
        mark_restored(run, node, false, f->name);
    } else if ((router && reloaded) || run->up) {
        /* What runs was reset (a mix, or `up`'s): the work a save's pin
         * of its KEY.running holds is kept for good; a mix, the snapshot
         * refused midway too (it holds the students' work). */
        bool mix = router && reloaded;
        mark_pinned(run->st, run->snapdir, run->path, node, key,
                    mix ? "FRR refused the configuration of its snapshot "
                          "midway: it runs a mix"
                        : "`up --restore` did not restore it",
                    run->snap->name, mix ? run->snap->name : NULL);
    }
    free(key);
    return 0;
}

/* The selected switches' files of the snapshot back, in one call to the
 * switch plugin.  A snapshot without any (saved before switches were, or
 * with a switch plugin that keeps none) leaves the switches as they are,
 * and says so. */
static void
restore_switches(struct session *s, struct restore_run *run,
                 bool any_bridge_selected)
{
    const struct snapshot *snap = run->snap;
    const struct state *st = run->st;
    const struct active_plugin *sw = session_plugin(s, MI_PLUGIN_SWITCH);
    const char **bridges = xcalloc(snap->n_files + 1, sizeof *bridges);
    char **texts = xcalloc(snap->n_files + 1, sizeof *texts);
    size_t *file_of = xcalloc(snap->n_files + 1, sizeof *file_of);
    char(*names)[80] = xcalloc(snap->n_files + 1, sizeof *names);
    size_t n = 0, n_in_snap = 0;
    bool failed = false;

    for (size_t i = 0; i < snap->n_files; i++) {
        const char *suffix;
        if (!run->keep[i] ||
            !snapshot_file_object(snap->files[i].name, names[n],
                                  sizeof names[n], &suffix) ||
            strcmp(suffix, ".vlan") != 0) {
            continue;
        }
        n_in_snap++;
        if (!record_bridge(st, names[n])) {
            log_warn("%s: in snapshot %s but not a switch here: skipped",
                     names[n], snap->name);
            continue;
        }
        if (snap->files[i].stale) {
            log_warn("%s: its file in snapshot %s is stale (%s): restoring "
                     "an earlier snapshot's VLAN settings",
                     names[n], snap->name,
                     stale_why(snap, snap->files[i].name));
        }
        if (snapshot_read_file(run->snapdir, run->path, snap, &snap->files[i],
                               &texts[n])) {
            run->result[i] = -1;
            failed = true;
            continue;
        }
        bridges[n] = names[n];
        file_of[n++] = i;
    }
    if (!n_in_snap && any_bridge_selected) {
        log_info("snapshot %s has no switch settings (saved before they "
                 "were kept, or with a switch plugin that keeps none): the "
                 "switches are left as they are",
                 snap->name);
    } else if (n && !backend_has(sw, SW_SET_VLANS)) {
        log_warn("switch plugin %s cannot set VLAN settings: the switches "
                 "are left as they are",
                 sw && sw->name ? sw->name : "(none)");
    } else if (n && !failed) {
        char *dir = state_switch_dir(st);
        size_t changed = 0;
        int error = sw_set_vlans(sw, dir, bridges, n,
                                 (const char *const *)texts, &changed);
        free(dir);
        for (size_t k = 0; k < n; k++) {
            const char *file = snap->files[file_of[k]].name;
            run->result[file_of[k]] = error ? -1 : 1;
            if (!error && snapshot_file_running(file)) {
                say_side_restored(st, run->snapdir, run->path, bridges[k],
                                  true, snap->name, file);
            } else if (!error) {
                mark_restored(run, bridges[k], true, file);
            } else if (run->up) {
                char *key = state_mark_key(st, bridges[k], true);
                mark_pinned(st, run->snapdir, run->path, bridges[k], key,
                            "`up --restore` did not restore it", snap->name,
                            NULL);
                free(key);
            }
        }
        if (!error && changed) {
            log_info("network %s: %zu switch port%s set back to the VLAN "
                     "settings of snapshot %s",
                     s->network, changed, util_plural(changed), snap->name);
        }
    } else if (n) {
        log_error("the switches' VLAN settings are not restored (a file "
                  "above is damaged)");
        for (size_t k = 0; k < n; k++) {
            run->result[file_of[k]] = -1;
        }
    }
    for (size_t k = 0; k < snap->n_files; k++) {
        free(texts[k]);
    }
    free(texts);
    free(bridges);
    free(file_of);
    free(names);
}

static int restore_with(struct session *, const struct state *,
                        const struct active_plugin *, const char *name,
                        const char *only, unsigned asn, bool lenient);

/* The files of `snap` that keep[] selects back on their nodes and
 * switches; adds to the counts. */
static void
restore_files(struct session *s, const struct state *st,
              const struct active_plugin *rt, int snapdir, const char *path,
              const struct snapshot *snap, const bool *keep,
              bool any_bridge_selected, size_t *restored, size_t *switches,
              size_t *failed)
{
    struct restore_run run = {st,
                              rt,
                              snap,
                              snapdir,
                              path,
                              keep,
                              xcalloc(snap->n_files + 1, sizeof *run.result),
                              s->opts.restore,
                              NULL,
                              0};
    /* Every snapshot (manifests only): where each object's newest work
     * is, for its mark (mark_restored()). */
    struct snapshot *all = NULL;
    run.n_all = snapshot_list(snapdir, path, false, &all, NULL);
    run.all = all;
    workers_run(snap->n_files, s->opts.jobs, restore_one, &run, NULL, NULL);
    restore_switches(s, &run, any_bridge_selected);
    for (size_t i = 0; i < run.n_all; i++) {
        snapshot_free(&all[i]);
    }
    free(all);
    for (size_t i = 0; i < snap->n_files; i++) {
        /* BRIDGE.vlan.running (restore --running) is a switch's too. */
        const char *kind = snapshot_file_kind(snap->files[i].name, NULL);
        bool is_switch = kind && !strcmp(kind, ".vlan");
        *restored += run.result[i] == 1 && !is_switch;
        *switches += run.result[i] == 1 && is_switch;
        *failed += run.result[i] < 0;
    }
    free(run.result);
}

/* Names each object of the record (nodes, then bridges: object_name())
 * that `selected` marks and that `snap` should hold but does not
 * (snapshot_lacking()): left as it is. */
static void
say_lacking(const struct state *st, const struct snapshot *snap,
            const bool *selected)
{
    size_t n = st->n_nodes + st->n_bridges;
    const char **objects = xcalloc(n + 1, sizeof *objects);
    const char **suffixes = xcalloc(n + 1, sizeof *suffixes);
    bool *lacking = xcalloc(n + 1, sizeof *lacking);

    for (size_t i = 0; i < n; i++) {
        objects[i] = object_name(st, i);
        suffixes[i] = i < st->n_nodes ? state_kind_suffix(st->nodes[i].kind)
                                      : STATE_SWITCH_SUFFIX;
    }
    snapshot_lacking(snap, objects, suffixes, selected, n, lacking);
    for (size_t i = 0; i < n; i++) {
        if (lacking[i]) {
            log_info("%s: not in snapshot %s: left as it is", objects[i],
                     snap->name);
        }
    }
    free(objects);
    free(suffixes);
    free(lacking);
}

/* "network N: restored 5 nodes and 2 switches of AS 3 from snapshot S". */
static void
restored_line(const struct session *s, size_t restored, size_t switches,
              size_t failed, const char *of_as, const char *snap, double t0)
{
    char what[64] = "";
    if (switches) {
        snprintf(what, sizeof what, " and %zu switch%s", switches,
                 switches == 1 ? "" : "es");
    }
    log_info("network %s: restored %zu node%s%s%s from snapshot %s%s in "
             "%.1fs",
             s->network, restored, util_plural(restored), what, of_as, snap,
             failed ? "; the others above failed" : "", util_monotonic() - t0);
}

/* ASes `asns[k]` (of `n`, ascending) for which pick[k] holds, as " of AS
 * 1-2, 5" (malloc()ed); AS 0 (nodes of no AS, e.g. the measurement host)
 * as " and the nodes of no AS". */
static char *
as_ranges(const unsigned *asns, size_t n, const bool *pick)
{
    char *text = xstrdup("");
    bool none = false;
    for (size_t k = 0; k < n; k++) {
        if (!pick[k] || !asns[k]) {
            none |= pick[k];
            continue;
        }
        size_t e = k;
        while (e + 1 < n && pick[e + 1] && asns[e + 1] == asns[e] + 1) {
            e++;
        }
        char *more =
            e > k
                ? xasprintf("%s%s%u-%u", text, *text ? ", " : " of AS ",
                            asns[k], asns[e])
                : xasprintf("%s%s%u", text, *text ? ", " : " of AS ", asns[k]);
        free(text);
        text = more;
        k = e;
    }
    if (none) {
        char *more =
            xasprintf("%s%s the nodes of no AS", text, *text ? " and" : " of");
        free(text);
        text = more;
    }
    return text;
}

static int
by_number(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return x < y ? -1 : x > y;
}

/* A whole restore without a name (`restore`, `up --restore`): each AS of
 * this server from the newest intact snapshot holding it
 * (snapshot_choose_each()), said per snapshot; an AS no snapshot holds is
 * left as it is.  A node that fails is named and every other group is
 * still restored (exit 1).  A damaged snapshot newer than the one an AS
 * would come from stops it before anything is restored, as
 * choose_snapshot()'s, unless `lenient`: then an AS only a damaged
 * snapshot holds is named and left as it is, the others restored, exit 1. */
static int
restore_each(struct session *s, const struct state *st,
             const struct active_plugin *rt, int snapdir, const char *path,
             bool lenient, double t0)
{
    struct snapshot *list;
    char **incomplete;
    size_t n = snapshot_list(snapdir, path, true, &list, &incomplete);
    size_t n_objects = st->n_nodes + st->n_bridges, n_asns = 0;
    unsigned *asns = xcalloc(n_objects + 1, sizeof *asns);

    for (size_t i = 0; i < n_objects; i++) {
        asns[n_asns++] = names_asn_of(object_name(st, i));
    }
    if (n_asns) {
        qsort(asns, n_asns, sizeof *asns, by_number);
    }
    size_t m = 0;
    for (size_t i = 0; i < n_asns; i++) {
        if (!m || asns[m - 1] != asns[i]) {
            asns[m++] = asns[i];
        }
    }
    n_asns = m;
    long *chosen = xcalloc(n_asns + 1, sizeof *chosen);
    long *damaged = xcalloc(n_asns + 1, sizeof *damaged);
    bool *pick = xcalloc(n_asns + 1, sizeof *pick);
    snapshot_choose_each(list, n, asns, n_asns, chosen, damaged);

    if (incomplete[0]) {
        size_t k = 0;
        while (incomplete[k]) {
            k++;
        }
        log_warn("%s: skipping %zu incomplete entr%s (a save that did not "
                 "finish, or not ours), first %s",
                 path, k, k == 1 ? "y" : "ies", incomplete[0]);
    }
    int status = EXIT_OK;
    bool refused = false;
    long warned = -1;
    for (size_t k = 0; k < n_asns && !refused; k++) {
        long d = damaged[k], c = chosen[k];
        if (d >= 0 && !lenient) {
            log_error("%s/%s: snapshot %s is damaged (see above): nothing "
                      "restored%s%s%s",
                      path, list[d].name, list[d].name,
                      c >= 0 ? "; the previous intact one is " : "",
                      c >= 0 ? list[c].name : "",
                      c >= 0 ? " (`miniinet restore NAME` restores it)" : "");
            refused = true;
        } else if (d >= 0 && c >= 0 && d != warned) {
            log_warn("%s/%s: snapshot %s is damaged (see above): restoring "
                     "the newest intact one, %s",
                     path, list[d].name, list[d].name, list[c].name);
            warned = d;
        }
    }
    /* Lenient (--skip-damaged, the boot unit's): an AS that only a
     * damaged snapshot holds is left as it is, named with that snapshot;
     * the others are restored; exit 1. */
    for (size_t k = 0; k < n_asns && lenient; k++) {
        long d = damaged[k];
        if (d < 0 || chosen[k] >= 0) {
            continue;
        }
        bool first = true;
        for (size_t j = 0; j < n_asns; j++) {
            pick[j] = damaged[j] == d && chosen[j] < 0;
            first &= !(j < k && pick[j]);
        }
        if (first) {
            char *of_as = as_ranges(asns, n_asns, pick);
            log_error("%s/%s: snapshot %s is damaged (see above) and no "
                      "intact one holds the nodes%s: left as they are",
                      path, list[d].name, list[d].name, of_as);
            free(of_as);
        }
        status = EXIT_FAILED;
    }
    size_t groups = 0, none = 0;
    for (size_t k = 0; k < n_asns; k++) {
        none += chosen[k] < 0 && damaged[k] < 0;
    }
    /* Every group, even after one with a failed node: that node is
     * named, the others restored, exit 1. */
    for (size_t i = 0; i < n && !refused; i++) {
        bool any = false;
        for (size_t k = 0; k < n_asns; k++) {
            pick[k] = chosen[k] == (long)i;
            any |= pick[k];
        }
        if (!any) {
            continue;
        }
        /* Its files of the ASes it is the newest for. */
        bool *keep = xcalloc(list[i].n_files + 1, sizeof *keep);
        size_t selected = 0;
        for (size_t f = 0; f < list[i].n_files; f++) {
            char object[80];
            const char *suffix;
            if (!snapshot_file_object(list[i].files[f].name, object,
                                      sizeof object, &suffix) ||
                snapshot_file_running(list[i].files[f].name)) {
                continue; /* a side file: only when asked (--running) */
            }
            unsigned a = names_asn_of(object);
            for (size_t k = 0; k < n_asns && !keep[f]; k++) {
                keep[f] = pick[k] && asns[k] == a;
            }
            selected += keep[f];
        }
        bool bridges = false;
        for (size_t j = 0; j < st->n_bridges && !bridges; j++) {
            unsigned a = names_asn_of(st->bridges[j]);
            for (size_t k = 0; k < n_asns && !bridges; k++) {
                bridges = pick[k] && asns[k] == a;
            }
        }
        size_t restored = 0, switches = 0, failed = 0;
        if (selected) {
            restore_files(s, st, rt, snapdir, path, &list[i], keep, bridges,
                          &restored, &switches, &failed);
        }
        free(keep);
        bool *asked = xcalloc(n_objects + 1, sizeof *asked);
        for (size_t j = 0; j < n_objects; j++) {
            unsigned a = names_asn_of(object_name(st, j));
            for (size_t k = 0; k < n_asns && !asked[j]; k++) {
                asked[j] = pick[k] && asns[k] == a;
            }
        }
        say_lacking(st, &list[i], asked);
        free(asked);
        /* One snapshot for every AS: said as before, without the ASes. */
        bool all = !none && groups == 0 && chosen[0] == (long)i;
        for (size_t k = 0; k < n_asns && all; k++) {
            all = pick[k];
        }
        char *of_as = all ? xstrdup("") : as_ranges(asns, n_asns, pick);
        restored_line(s, restored, switches, failed, of_as, list[i].name, t0);
        free(of_as);
        status = failed ? EXIT_FAILED : status;
        groups++;
    }
    status = refused ? EXIT_FAILED : status;
    if (!refused && none) {
        for (size_t k = 0; k < n_asns; k++) {
            pick[k] = chosen[k] < 0 && damaged[k] < 0;
        }
        char *of_as = as_ranges(asns, n_asns, pick);
        if (!groups && !s->opts.restore && status == EXIT_OK) {
            log_error("%s: no snapshot to restore", path);
            status = EXIT_FAILED;
        } else {
            log_info("network %s: no snapshot holds the nodes%s: left as "
                     "they are",
                     s->network, of_as);
        }
        free(of_as);
    }
    for (size_t i = 0; i < n; i++) {
        snapshot_free(&list[i]);
    }
    free(list);
    util_free_strv(incomplete);
    free(asns);
    free(chosen);
    free(damaged);
    free(pick);
    return status;
}

/* Opens the network's snapshots for a node of AS `want`: 0 with *snapdir
 * and *path; 1 when none holds the AS's part (nothing left open); else
 * -errno, reported (*path NULL). */
static int
open_holding(const struct session *s, unsigned want, int *snapdir, char **path)
{
    *snapdir = snapshot_open_dir(s->network, false, path);
    if (*snapdir == -ENOENT ||
        (*snapdir >= 0 && !count_covering(*snapdir, *path, want, NULL))) {
        free(*path);
        *path = NULL;
        if (*snapdir >= 0) {
            close(*snapdir);
        }
        *snapdir = -1;
        return 1;
    }
    return *snapdir < 0 ? *snapdir : 0;
}

/* Node `node`'s file NODE`suffix` in snapshot `snapshot` (NULL: the newest
 * intact one that holds the node's AS; healing is never stuck on a damaged
 * one: a newer damaged one passed over with a warning, choose_snapshot()),
 * checked against its manifest: in *data (malloc()ed, NUL-terminated,
 * *len bytes), the snapshot's name in *from.  A stale file is warned
 * about, `earlier` saying what follows.  EXIT_OK with *data and *from NULL
 * when no snapshot holds the node's AS (not said: the caller's words);
 * EXIT_OK with *from set and *data NULL when the snapshot has no such file
 * (not said); EXIT_FAILED after saying why (the snapshot named is missing
 * or damaged, the file does not match the manifest). */
static int
newest_file_of(const struct session *s, const char *node, const char *suffix,
               const char *snapshot, const char *earlier, char **data,
               size_t *len, char **from)
{
    char *path = NULL;
    int snapdir = -1;
    int held =
        snapshot ? 0 : open_holding(s, names_asn_of(node), &snapdir, &path);

    *data = *from = NULL;
    *len = 0;
    if (held == 1) {
        return EXIT_OK;
    }
    if (snapshot) {
        snapdir = snapshot_open_dir(s->network, false, &path);
    }
    if (snapdir < 0) {
        if (snapdir == -ENOENT) {
            log_error("network %s has no snapshots", s->network);
        }
        free(path);
        return EXIT_FAILED;
    }
    struct snapshot *snap = choose_snapshot(
        snapdir, path, snapshot, names_asn_of(node), snapshot == NULL);
    int status = snap ? EXIT_OK : EXIT_FAILED;
    char *file = xasprintf("%s%s", node, suffix);
    const struct snapshot_file *f = NULL;
    for (size_t i = 0; snap && snap->files && i < snap->n_files && !f; i++) {
        f = !strcmp(snap->files[i].name, file) ? &snap->files[i] : NULL;
    }
    free(file);
    if (snap) {
        *from = xstrdup(snap->name);
    }
    if (f && f->stale) {
        log_warn("%s: its file in snapshot %s is stale (%s): %s", node,
                 snap->name, stale_why(snap, f->name), earlier);
    }
    if (f && snapshot_read_file(snapdir, path, snap, f, data) != 0) {
        status = EXIT_FAILED; /* named */
    } else if (f) {
        *len = f->size;
    }
    if (snap) {
        snapshot_free(snap);
        free(snap);
    }
    free(path);
    close(snapdir);
    return status;
}

int
network_restore_node(struct session *s, const struct state *st,
                     const char *node, const char *snapshot)
{
    if (snapshot) {
        return restore_with(s, st, session_plugin(s, MI_PLUGIN_RUNTIME),
                            snapshot, node, 0, false);
    }
    char *path = NULL;
    int snapdir = -1;
    int held = open_holding(s, names_asn_of(node), &snapdir, &path);

    free(path);
    if (snapdir >= 0) {
        close(snapdir);
    }
    if (held == 1) {
        log_info("%s: no snapshot of network %s holds it: it runs the "
                 "configuration `up` wrote",
                 node, s->network);
        return EXIT_OK;
    }
    /* Healing is never stuck on a damaged snapshot: the newest intact one,
     * with a warning naming the damaged one. */
    return restore_with(s, st, session_plugin(s, MI_PLUGIN_RUNTIME), NULL,
                        node, 0, true);
}

int
network_restore_host_ifs(struct session *s, const struct state *st,
                         const char *node, const char *const *ifnames,
                         size_t n_ifs)
{
    char *data = NULL, *from = NULL;
    size_t len = 0;
    int status = newest_file_of(s, node, ".ip", NULL,
                                "putting back an earlier snapshot's "
                                "addresses and routes",
                                &data, &len, &from);
    if (status == EXIT_OK && !from) {
        log_debug("%s: no snapshot of network %s holds it", node, s->network);
        return EXIT_OK; /* as `up` set it */
    }
    if (status == EXIT_OK && !data) {
        log_info("%s: snapshot %s does not hold it: its interfaces made "
                 "again have the addresses `up` set",
                 node, from);
    }
    const struct active_plugin *rt = session_plugin(s, MI_PLUGIN_RUNTIME);
    for (size_t i = 0; data && i < n_ifs; i++) {
        if (restore_host(st, rt, node, data, ifnames[i])) {
            log_error("%s: %s: the addresses and routes of snapshot %s "
                      "could not be put back (see above)",
                      node, ifnames[i], from);
            status = EXIT_FAILED;
        } else {
            log_info("%s: %s: its addresses and routes of snapshot %s put "
                     "back",
                     node, ifnames[i], from);
        }
    }
    free(data);
    free(from);
    return status;
}

int
network_router_snapshot(struct session *s, const char *node,
                        const char *snapshot, char **conf, size_t *len,
                        char **from)
{
    char *data = NULL;
    size_t n = 0;
    int status = newest_file_of(s, node, ".frr", snapshot,
                                "it runs an earlier snapshot's "
                                "configuration",
                                &data, &n, from);
    *conf = NULL;
    *len = 0;
    if (status == EXIT_OK && !*from) {
        log_info("%s: no snapshot of network %s holds it: it runs the "
                 "configuration `up` wrote",
                 node, s->network);
    } else if (status == EXIT_OK && !data) {
        log_info("%s: snapshot %s does not hold it: it runs the "
                 "configuration `up` wrote",
                 node, *from);
    }
    if (data) {
        const char *body = config_body(data, &n);
        *conf = xmalloc(n + 1);
        memcpy(*conf, body, n);
        (*conf)[n] = '\0';
        *len = n;
    } else {
        free(*from); /* only with its configuration */
        *from = NULL;
    }
    free(data);
    return status;
}

/* The snapshot of `list` (of `n`, newest first) that holds the students'
 * work in file `file`: the newest intact one that has it (each one asked
 * checked whole once, snapshot_verify(): damaged then, and named;
 * verified[k] says which were), else the newest whose manifest lists it,
 * damaged or not -- the work is there all the same, and the router is
 * marked: else a boot's `up --restore --skip-damaged` of a snapshot with
 * one bad file would leave its routers unmarked, and the next save would
 * store `up`'s configuration as their newest.  NULL: none lists it. */
static const struct snapshot *
holder_of(int snapdir, const char *path, struct snapshot *list, size_t n,
          bool *verified, const char *file)
{
    const struct snapshot *lister = NULL;

    for (size_t k = 0; k < n; k++) {
        for (size_t i = 0; i < list[k].n_files; i++) {
            if (strcmp(list[k].files[i].name, file) != 0) {
                continue;
            }
            lister = lister ? lister : &list[k];
            if (!verified[k] && !list[k].damaged) {
                verified[k] = true;
                snapshot_verify(snapdir, path, &list[k]);
            }
            if (!list[k].damaged) {
                return &list[k];
            }
            break;
        }
    }
    return lister;
}

size_t
network_snapshot_marks(struct session *s, const struct state *st,
                       bool restoring, bool *failed, bool *unreadable)
{
    char *path = NULL;
    int snapdir = snapshot_open_dir(s->network, false, &path);
    *unreadable = snapdir < 0 && snapdir != -ENOENT;
    if (snapdir == -ENOENT) {
        return 0; /* none: nothing of the students' to lose */
    }
    if (snapdir < 0) {
        /* Which objects a snapshot holds is unknown: every one is marked
         * as if one did (naming none), so that no `save` stores `up`'s
         * over their work once the directory can be read again; said, and
         * `up` exits 1 (network_up.c). */
        size_t n_failed = 0;
        for (size_t i = 0; i < st->n_nodes + st->n_bridges; i++) {
            char *file = mark_key(st, i);
            if (file &&
                mark_pinned(st, snapdir, path, object_name(st, i), file,
                            "`up` could not open the network's "
                            "snapshots directory: it runs what "
                            "`up` generates",
                            NULL, NULL) != 0) {
                failed[i] = true;
                n_failed++;
            }
            free(file);
        }
        log_error("network %s: its snapshots directory cannot be opened "
                  "(above): every router, host and switch marked as if a "
                  "snapshot held it (`status` shows them; once it can be "
                  "read, `miniinet restore` puts the students' work back, "
                  "`save --force` keeps what runs)",
                  s->network);
        return n_failed;
    }
    struct snapshot *list;
    size_t n = snapshot_list(snapdir, path, false, &list, NULL);
    bool *verified = xcalloc(n + 1, sizeof *verified);
    size_t n_failed = 0;
    size_t marked[3] = {0}; /* routers, hosts, switches */
    const struct snapshot *newest = NULL;
    for (size_t k = 0; k < n && !newest; k++) {
        newest = list[k].damaged ? NULL : &list[k];
    }
    for (size_t i = 0; newest && i < st->n_nodes + st->n_bridges; i++) {
        const char *suffix = i < st->n_nodes
                                 ? state_kind_suffix(st->nodes[i].kind)
                                 : STATE_SWITCH_SUFFIX;
        if (!suffix) {
            continue;
        }
        char *file = mark_key(st, i); /* its file's name, its mark's key */
        const struct snapshot *h =
            file ? holder_of(snapdir, path, list, n, verified, file) : NULL;
        if (!h) {
            free(file);
            continue;
        }
        size_t kind = !strcmp(suffix, ".frr") ? 0 : !strcmp(suffix, ".ip");
        kind = !strcmp(suffix, ".vlan") ? 2 : kind;
        static const char *const why[3] = {
            "`up` started it with the configuration it generates",
            "`up` gave it the addresses and routes it generates",
            "`up` gave it the VLAN settings it generates"};
        /* What runs is reset to `up`'s: a save's "newest" pin for it is
         * kept for good (mark_pinned()). */
        int error = mark_pinned(st, snapdir, path, object_name(st, i), file,
                                restoring ? "`up --restore` did not restore it"
                                          : why[kind],
                                h->name, NULL);
        if (error) {
            /* Said, naming the file: a router's FRR is not started (the
             * caller's part); else its `save` would store `up`'s over
             * their work.  The snapshot holding its work is pinned (for
             * good: `snapshots --unpin` releases it), so that retention
             * keeps it whatever saves a host's or switch's `up`'s
             * addresses or VLANs as its newest. */
            if (snapshot_pin(snapdir, path, file, h->name) == 0) {
                log_warn("%s: not marked, so snapshot %s, which holds its "
                         "students' work, is pinned for it (`miniinet "
                         "snapshots --unpin %s:%s` releases it)",
                         file, h->name, file, h->name);
            }
            failed[i] = true;
            n_failed++;
        } else {
            marked[kind]++;
        }
        free(file);
    }
    if (newest && !restoring) {
        log_warn("network %s has %zu snapshot%s (newest: %s): %zu router%s "
                 "a snapshot holds run%s the configuration `up` generates, "
                 "not the students' saved one (%zu host%s and %zu switch%s "
                 "have `up`'s addresses, routes and VLANs), all marked "
                 "(`status` shows them; `save` keeps their saved files); "
                 "`miniinet restore` puts the newest back, `save --force` "
                 "keeps what runs instead",
                 s->network, n, util_plural(n), newest->name, marked[0],
                 util_plural(marked[0]), marked[0] == 1 ? "s" : "", marked[1],
                 util_plural(marked[1]), marked[2],
                 marked[2] == 1 ? "" : "es");
    }
    for (size_t i = 0; i < n; i++) {
        snapshot_free(&list[i]);
    }
    free(list);
    free(verified);
    free(path);
    close(snapdir);
    return n_failed;
}

int
network_restore(struct session *s, const char *name, const char *only)
{
    const struct state *st = s->record;
    const struct active_plugin *rt = session_plugin(s, MI_PLUGIN_RUNTIME);
    struct state *own = NULL;

    if (!st) {
        /* `up --restore`: the record `up` has just made. */
        own = xcalloc(1, sizeof *own);
        if (state_load(s->network, own)) {
            state_destroy(own);
            free(own);
            own = NULL;
        }
        st = own;
    }
    int status = restore_with(s, st, rt, name, only, s->opts.as_number,
                              s->opts.skip_damaged);
    if (own) {
        state_destroy(own);
        free(own);
    }
    return status;
}

/* Whether the record has a selected bridge (--node, --as). */
static bool
bridge_selected(const struct state *st, const char *only, unsigned asn)
{
    for (size_t i = 0; i < st->n_bridges; i++) {
        if ((!only || !strcmp(only, st->bridges[i])) &&
            (!asn || names_asn_of(st->bridges[i]) == asn)) {
            return true;
        }
    }
    return false;
}

static int
restore_with(struct session *s, const struct state *st,
             const struct active_plugin *rt, const char *name,
             const char *only, unsigned asn, bool lenient)
{
    if (!st || !st->complete) {
        log_error("network %s is not up here%s: `up` first", s->network,
                  st ? " (its `up` did not finish)" : "");
        return EXIT_FAILED;
    }
    bool here = only ? record_node(st, only) || record_bridge(st, only)
                     : !asn || record_has_as(st, asn);
    if (!here && s->opts.server) {
        return EXIT_OK; /* one of the other servers' (the master
                           checked) */
    }
    if (!here && only) {
        log_error("--node %s: no such node or switch of network %s here", only,
                  s->network);
        return EXIT_USAGE;
    }
    if (!here) {
        log_error("--as %u: network %s has no node or switch of AS %u here",
                  asn, s->network, asn);
        return EXIT_USAGE;
    }
    double t0 = util_monotonic();
    /* Which part the snapshot must hold: AS N's (--as N, or --node's AS),
     * else the whole network's. */
    unsigned want = asn ? asn : only ? names_asn_of(only) : 0;
    char *path = NULL;
    int snapdir = snapshot_open_dir(s->network, false, &path);
    size_t total = 0;
    size_t n_any =
        snapdir < 0 ? 0 : count_covering(snapdir, path, want, &total);
    if (s->opts.restore && !name &&
        ((snapdir >= 0 && !(want ? n_any : total)) || snapdir == -ENOENT)) {
        /* `up --restore` of a network never saved (the boot unit): it is
         * as the topology file makes it; one saved by single ASes only
         * (save --as N) keeps them for `restore --as N`. */
        log_info("network %s has no snapshots %syet: nothing to restore",
                 s->network, total ? "holding that part " : "");
        free(path);
        if (snapdir >= 0) {
            close(snapdir);
        }
        return EXIT_OK;
    }
    if (snapdir < 0) {
        if (snapdir == -ENOENT) {
            log_error("network %s has no snapshots", s->network);
        }
        return EXIT_FAILED;
    }
    if (!name && !only && !asn) {
        int status = restore_each(s, st, rt, snapdir, path, lenient, t0);
        free(path);
        close(snapdir);
        return status;
    }
    struct snapshot *snap =
        choose_snapshot(snapdir, path, name, want, lenient);
    bool *keep = xcalloc(snap ? snap->n_files + 1 : 1, sizeof *keep);
    size_t selected =
        snap ? snapshot_select(snap, only, asn, s->opts.running, keep) : 0;
    int status = EXIT_OK;
    if (snap && !selected && s->opts.running) {
        log_error("--node %s --running: snapshot %s has no running "
                  "state of %s (its file" SNAPSHOT_RUNNING
                  ": saved only while it is marked): nothing restored",
                  only, snap->name, only);
        status = EXIT_FAILED;
    } else if (snap && !selected && (asn || (only && !lenient))) {
        if (asn) {
            log_error("--as %u: snapshot %s has nothing of AS %u: nothing "
                      "restored",
                      asn, snap->name, asn);
        } else {
            log_error("--node %s: snapshot %s has no file of %s: nothing "
                      "restored",
                      only, snap->name, only);
        }
        status = EXIT_FAILED;
    } else if (snap && !selected) {
        /* Healing (restart NODE, up): a node the snapshot does not hold
         * keeps the configuration it has. */
        log_info("%s: snapshot %s has no file of it: it keeps the "
                 "configuration it has",
                 only, snap->name);
    } else if (snap) {
        size_t restored = 0, switches = 0, failed = 0;
        restore_files(s, st, rt, snapdir, path, snap, keep,
                      bridge_selected(st, only, asn), &restored, &switches,
                      &failed);
        size_t n_objects = st->n_nodes + st->n_bridges;
        bool *asked = xcalloc(n_objects + 1, sizeof *asked);
        for (size_t j = 0; j < n_objects; j++) {
            const char *object = object_name(st, j);
            asked[j] = (!only || !strcmp(only, object)) &&
                       (!asn || names_asn_of(object) == asn);
        }
        say_lacking(st, snap, asked);
        free(asked);
        char of_as[32] = "";
        if (asn || snap->asn) {
            snprintf(of_as, sizeof of_as, " of AS %u", asn ? asn : snap->asn);
        }
        restored_line(s, restored, switches, failed, of_as, snap->name, t0);
        status = failed ? EXIT_FAILED : EXIT_OK;
    }
    free(keep);
    status = !snap ? EXIT_FAILED : status;
    if (snap) {
        snapshot_free(snap);
        free(snap);
    }
    free(path);
    close(snapdir);
    return status;
}
