/* The session: the one owner of what a verb runs with.  In order, each
 * step only when the verb needs it:
 *
 *   topology   the file (required, or used when present)
 *   network    the name the verb acts on; its state record on this server
 *   plugins    one per kind: --plugins, else what the record names (the
 *              network is up here and was made with them), else the file's
 *              `plugins` group, else the defaults; then configured
 *   plan       computed, and checked by every plugin
 *   executor   this server, or the master of several servers
 */
#include "config.h"

#include "session.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"
#include "log.h"
#include "network.h"
#include "state.h"
#include "util.h"

/* The defaults, by kind: used when neither --plugins nor the topology file
 * chooses.  Core knows them only as names. */
static const char *const default_plugin[MI_PLUGIN_KIND_COUNT] = {"netns",
                                                                 "ovs", "gre"};

const struct active_plugin *
session_plugin(const struct session *s, enum mi_plugin_kind kind)
{
    const struct active_plugin *a = &s->active[kind - 1];

    return a->configured ? a : NULL;
}

/* --plugins=a,b,c: each name is looked up to learn its kind. */
static int
choose_from_cli(struct session *s)
{
    if (!s->opts.plugins) {
        return EXIT_OK;
    }

    int status = EXIT_OK;
    char **names = util_split(s->opts.plugins, ',', NULL);
    for (char **p = names; *p && status == EXIT_OK; p++) {
        struct loaded_plugin lp;

        if (!**p) {
            log_error("--plugins: empty plugin name in '%s'", s->opts.plugins);
            status = EXIT_USAGE;
            break;
        }
        if (plugin_load_name(&s->path, *p, 0, &lp)) {
            status = EXIT_USAGE;
            break;
        }
        struct active_plugin *a = &s->active[lp.desc->kind - 1];
        if (a->loaded.desc) {
            log_error("--plugins: '%s' and '%s' are both %s plugins; choose "
                      "one",
                      a->name, *p, plugin_kind_name(lp.desc->kind));
            plugin_unload(&lp);
            status = EXIT_USAGE;
            break;
        }
        a->loaded = lp;
        a->name = lp.desc->name;
        a->explicit_choice = true;
    }
    util_free_strv(names);
    return status;
}

static const char *
file_choice(const struct topology *topo, enum mi_plugin_kind kind)
{
    if (!topo) {
        return NULL;
    }
    switch (kind) {
    case MI_PLUGIN_RUNTIME:
        return topo->plugin_runtime;
    case MI_PLUGIN_SWITCH:
        return topo->plugin_switch;
    case MI_PLUGIN_TUNNEL:
        return topo->plugin_tunnel;
    default:
        return NULL;
    }
}

/* A kind is required when the network needs it: a runtime always, a switch
 * when there are bridges (L2 networks, IXPs, the management bridges of
 * student access), a tunnel when ASes span servers.  A default plugin that
 * is not installed is fine when not required; a plugin named explicitly
 * must load. */
static bool
kind_required(const struct topology *topo, enum mi_plugin_kind kind)
{
    switch (kind) {
    case MI_PLUGIN_RUNTIME:
        return true;
    case MI_PLUGIN_SWITCH:
        return topology_has_bridges(topo);
    case MI_PLUGIN_TUNNEL:
        return topo->n_servers > 1;
    default:
        return false;
    }
}

/* Whether NAME.so exists anywhere in the search path. */
static bool
plugin_path_has(const struct plugin_path *path, const char *name)
{
    for (size_t i = 0; i < path->n_dirs; i++) {
        char *file = xasprintf("%s/%s.so", path->dirs[i], name);
        bool found = access(file, F_OK) == 0;
        free(file);
        if (found) {
            return true;
        }
    }
    return false;
}

/* The plugins a network that is up here was made with, by kind. */
static const char *
record_choice(const struct session *s, enum mi_plugin_kind kind)
{
    return s->record ? s->record->plugin[kind - 1] : NULL;
}

/* The one rule that chooses plugins, for every verb.
 *
 * A verb that plans takes, per kind: --plugins, else the file's `plugins`
 * group, else -- for a one-server network that is up here -- what its
 * record names (so that `status` and `check` of a network made with
 * --plugins=X find its nodes without the flag), else the default.
 *
 * A verb that works from the record alone (`down`, `exec` on this server)
 * takes exactly what the record names, whatever the file or the command
 * line say now: a network is removed or entered with what made it. */
static const char *
choose_name(const struct session *s, enum mi_plugin_kind kind, bool planning,
            bool *explicit_choice)
{
    const char *name = planning ? file_choice(s->topo, kind) : NULL;

    *explicit_choice = name != NULL;
    if (!name && (!planning || !s->topo->n_servers)) {
        name = record_choice(s, kind);
        *explicit_choice = name != NULL; /* it must load */
        if (name) {
            log_debug("%s plugin '%s', as network %s was made with",
                      plugin_kind_name(kind), name, s->network);
        }
    }
    return name || !planning ? name : default_plugin[kind - 1];
}

static int
choose_and_load(struct session *s, bool planning)
{
    int status = EXIT_OK;

    if (planning) {
        status = choose_from_cli(s);
    } else if (s->opts.plugins) {
        log_warn("--plugins=%s is ignored: network %s is used with the "
                 "plugins it was made with",
                 s->opts.plugins, s->network);
    }
    for (int k = 1; status == EXIT_OK && k <= MI_PLUGIN_KIND_COUNT; k++) {
        enum mi_plugin_kind kind = (enum mi_plugin_kind)k;
        struct active_plugin *a = &s->active[kind - 1];
        if (a->loaded.desc) {
            continue;
        }
        const char *name = choose_name(s, kind, planning, &a->explicit_choice);
        if (!name) {
            continue;
        }
        if (!a->explicit_choice && !kind_required(s->topo, kind) &&
            !plugin_path_has(&s->path, name)) {
            log_debug("no %s plugin '%s' installed; this network needs none",
                      plugin_kind_name(kind), name);
            continue;
        }
        if (plugin_load_name(&s->path, name, kind, &a->loaded) ||
            !a->loaded.desc) {
            bool recorded = name == record_choice(s, kind);
            if (recorded) {
                log_error("network %s was made with plugin '%s', which "
                          "cannot be loaded",
                          s->network, name);
            }
            status = recorded ? EXIT_FAILED : EXIT_USAGE;
            break;
        }
        a->name = a->loaded.desc->name;
    }
    if (status == EXIT_OK && !planning &&
        !s->active[MI_PLUGIN_RUNTIME - 1].loaded.desc) {
        log_error("%s/state names no runtime plugin", s->record->dir);
        status = EXIT_FAILED;
    }
    return status;
}

/* Each chosen plugin validates its settings: the file's section when the
 * verb plans, none when it works from the record alone. */
static int
configure_plugins(struct session *s, bool planning)
{
    const struct mi_host *host = host_services();

    for (int i = 0; i < MI_PLUGIN_KIND_COUNT; i++) {
        struct active_plugin *a = &s->active[i];
        if (!a->loaded.desc) {
            continue;
        }

        const struct mi_settings *settings =
            planning ? topology_plugin_settings(s->topo, a->name) : NULL;
        if (plugin_configure(a, host, settings)) {
            if (planning) {
                log_error("%s: plugin '%s' refused its settings",
                          s->topo->file, a->name);
            }
            return planning ? EXIT_USAGE : EXIT_FAILED;
        }
    }
    return EXIT_OK;
}

/* `shows_only`: the verb shows the plan and builds nothing (SHOWS_PLAN). */
static int
compute_plan(struct session *s, bool shows_only)
{
    struct plan_params params = {0};
    const struct active_plugin *tunnel = session_plugin(s, MI_PLUGIN_TUNNEL);

    if (tunnel) {
        params.tunnel_overhead = tun_overhead(tunnel);
    }
    if (plan_compute(s->topo, &params, &s->plan)) {
        return EXIT_USAGE;
    }

    /* A plugin built before the measurement host is never handed one
     * (not even to check the plan). */
    if (plan_measurement_node(plan_view(s->plan)) >= 0) {
        for (int i = 0; i < MI_PLUGIN_KIND_COUNT; i++) {
            const struct mi_plugin *d = s->active[i].loaded.desc;
            if (d && !backend_knows_measurement(d)) {
                log_error("%s: plugin '%s' was built for plugin ABI %u.%u, "
                          "before the measurement host (%d.%d): it cannot "
                          "run network %s's MEASUREMENT node and links; "
                          "rebuild it against this miniinet's plugin.h, or "
                          "leave `measurement` out of the file",
                          s->topo->file, d->name, (unsigned)d->abi_major,
                          (unsigned)d->abi_minor, MI_PLUGIN_ABI_MAJOR,
                          BACKEND_MEASUREMENT_MINOR, s->topo->name);
                return EXIT_USAGE;
            }
        }
    }

    /* Nor is a switch that does not say it builds the management bridges
     * of student access handed a plan that has them: refused, or for a
     * verb that only shows the plan, warned about and left out. */
    const struct active_plugin *sw = session_plugin(s, MI_PLUGIN_SWITCH);
    bool skip_switch = false;
    if (plan_has_mgmt(plan_view(s->plan))) {
        switch (backend_mgmt_gate(sw, plan_view(s->plan), s->topo->file,
                                  !shows_only)) {
        case MGMT_OK:
            break;
        case MGMT_SHOW_ONLY:
            skip_switch = true;
            break;
        case MGMT_REFUSED:
            return EXIT_USAGE;
        }
    }

    for (int i = 0; i < MI_PLUGIN_KIND_COUNT; i++) {
        const struct active_plugin *a = &s->active[i];
        if (!a->configured || (skip_switch && a == sw)) {
            continue;
        }
        if (plugin_check_plan(a, plan_view(s->plan))) {
            return EXIT_USAGE;
        }
    }
    const struct active_plugin *rt = session_plugin(s, MI_PLUGIN_RUNTIME);
    if (plan_access(s->plan) && rt &&
        rt_check_access(rt, plan_view(s->plan))) {
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* The network a verb acts on: the one named, else the topology file's,
 * else the only one up here. */
static int
resolve_network(struct session *s, const char *named)
{
    if (named) {
        if (!util_valid_name(named, 64)) {
            log_error("'%s' is not a valid network name", named);
            return EXIT_USAGE;
        }
        s->network = named;
        return EXIT_OK;
    }
    if (s->topo) {
        s->network = s->topo->name;
        return EXIT_OK;
    }

    char **names = state_list_networks();
    size_t n = 0;
    while (names[n]) {
        n++;
    }
    int status = EXIT_OK;
    if (n == 1) {
        s->network = s->network_buf = xstrdup(names[0]);
    } else if (n == 0) {
        log_error("%s: no such file, and no network is up (%s is empty)",
                  s->opts.config, state_rundir());
        status = EXIT_USAGE;
    } else {
        log_error("%s: no such file, and several networks are up; name one:",
                  s->opts.config);
        for (size_t i = 0; i < n; i++) {
            log_error("  %s", names[i]);
        }
        status = EXIT_USAGE;
    }
    util_free_strv(names);
    return status;
}

/* The record of s->network, when it is up here.  Verbs that act on it
 * (USE_RECORD) fail on a damaged record; the others plan without it. */
static int
load_record(struct session *s, bool required)
{
    struct state *st = xcalloc(1, sizeof *st);
    int error = state_load(s->network, st);

    if (error) {
        state_destroy(st);
        free(st);
        s->record_error = error == -ENOENT ? 0 : error;
        if (s->record_error && !required) {
            log_warn("%s/%s/state: the record of network %s is damaged "
                     "(see above)",
                     state_rundir(), s->network, s->network);
        }
        return error == -ENOENT || !required ? EXIT_OK : EXIT_FAILED;
    }
    s->record = st;
    return EXIT_OK;
}

/* Holds until session_destroy() the network's lock, then (`rundir`) the
 * run directory's, waiting for it; none when there is no run directory and
 * `create` is false. */
static int
lock_network(struct session *s, const char *op, bool master, bool create,
             bool rundir)
{
    int fd = state_lock_network(s->network, master, op, create,
                                &s->net_lock_previous);

    if (fd == -ENOENT && !create) {
        return EXIT_OK;
    }
    if (fd < 0) {
        return EXIT_FAILED;
    }
    s->net_locked = true;
    s->net_lock_name = xstrdup(s->network);
    s->net_lock_master = master;
    s->net_lock_fd = fd;
    if (!rundir) {
        return EXIT_OK;
    }
    fd = state_lock(create);

    if (fd == -ENOENT && !create) {
        return EXIT_OK;
    }
    if (fd < 0) {
        return EXIT_FAILED;
    }
    s->locked = true;
    s->lock_fd = fd;
    return EXIT_OK;
}

static int
load_topology(struct session *s)
{
    if (topology_load(s->opts.config, &s->topo)) {
        return EXIT_USAGE;
    }
    if (s->opts.server && s->topo->n_servers == 0) {
        log_error("--server %s: %s defines no servers", s->opts.server,
                  s->opts.config);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* A plugins.NAME group is settings for a plugin this network uses or one
 * installed (so that settings for a plugin chosen by --plugins can stay in
 * the file); anything else is a typo. */
static bool
plugin_known(const char *name, void *aux)
{
    const struct session *s = aux;

    for (int i = 0; i < MI_PLUGIN_KIND_COUNT; i++) {
        if (s->active[i].name && !strcmp(s->active[i].name, name)) {
            return true;
        }
    }
    return plugin_path_has(&s->path, name);
}

static int
check_plugin_groups(struct session *s)
{
    const char *names[MI_PLUGIN_KIND_COUNT + 1] = {NULL};
    size_t n = 0;

    for (int i = 0; i < MI_PLUGIN_KIND_COUNT; i++) {
        if (s->active[i].name) {
            names[n++] = s->active[i].name;
        }
    }
    return topology_check_plugin_groups(s->topo, plugin_known, s, names)
               ? EXIT_USAGE
               : EXIT_OK;
}

static int
prepare_plan(struct session *s, bool shows_only)
{
    int status = choose_and_load(s, true);
    if (status == EXIT_OK) {
        status = check_plugin_groups(s);
    }
    if (status == EXIT_OK) {
        status = configure_plugins(s, true);
    }
    if (status == EXIT_OK) {
        status = compute_plan(s, shows_only);
    }
    if (status == EXIT_OK && s->opts.server) {
        int server = plan_find_server(s->plan, s->opts.server);
        if (server < 0) {
            log_error("--server %s: no such server in %s", s->opts.server,
                      s->opts.config);
            return EXIT_USAGE;
        }
        s->server = (unsigned)server;
    }
    return status;
}

/* Whether this run is the master of a multi-server network. */
static bool
session_is_master(const struct session *s)
{
    return s->topo && s->topo->n_servers > 0 && !s->opts.server;
}

int
session_prepare(struct session *s, const struct verb *verb, int argc,
                char **argv)
{
    unsigned needs = verb->needs;
    if (s->opts.unpin) {
        needs |= EXCLUSIVE; /* snapshots --unpin changes the pins */
    }
    const char *named = verb->network_arg > 0 && verb->network_arg < argc
                            ? argv[verb->network_arg]
                            : NULL;
    int status = EXIT_OK;

    s->exec = &local_executor;
    if (!*s->opts.config &&
        (needs & (NEED_TOPOLOGY | NEED_PLAN | USE_TOPOLOGY))) {
        /* Not ": No such file or directory". */
        log_error("-c \"\": the topology file name is empty");
        return EXIT_USAGE;
    }
    if ((needs & (NEED_TOPOLOGY | NEED_PLAN)) ||
        ((needs & USE_TOPOLOGY) && !named &&
         access(s->opts.config, F_OK) == 0)) {
        status = load_topology(s);
    }
    if (status == EXIT_OK && session_is_master(s)) {
        s->exec = &master_executor; /* the servers keep the records */
        s->network = s->topo->name;
        if (needs & EXCLUSIVE) {
            /* Two masters at once would split the servers between them. */
            status = lock_network(s, verb->name, true, true, false);
        }
        return status == EXIT_OK ? prepare_plan(s, needs & SHOWS_PLAN)
                                 : status;
    }
    if (status == EXIT_OK && (needs & USE_RECORD)) {
        status = resolve_network(s, named);
    } else if (status == EXIT_OK && s->topo) {
        s->network = s->topo->name; /* its plugins, if it is up */
    }
    if (status == EXIT_OK && s->network && (needs & EXCLUSIVE)) {
        /* The lock is made when missing for what makes the network, and
         * for `snapshots --unpin`: the pins outlive the run directory (a
         * reboot), and are changed under the lock all the same. */
        status = lock_network(s, verb->name, false,
                              !(needs & USE_RECORD) || s->opts.unpin,
                              needs & RUNDIR_LOCK);
    }
    if (status == EXIT_OK && s->network) {
        status = load_record(s, needs & USE_RECORD);
    }
    if (status != EXIT_OK) {
        return status;
    }
    if (needs & NEED_PLAN) {
        return prepare_plan(s, needs & SHOWS_PLAN);
    }
    if (s->record) {
        status = choose_and_load(s, false);
        return status == EXIT_OK ? configure_plugins(s, false) : status;
    }
    return EXIT_OK;
}

void
session_destroy(struct session *s)
{
    for (int i = MI_PLUGIN_KIND_COUNT - 1; i >= 0; i--) {
        struct active_plugin *a = &s->active[i];
        plugin_release(a);
        if (a->loaded.desc) {
            plugin_unload(&a->loaded);
        }
        memset(a, 0, sizeof *a);
    }
    plan_free(s->plan);
    s->plan = NULL;
    topology_free(s->topo);
    s->topo = NULL;
    if (s->record) {
        state_destroy(s->record);
        free(s->record);
        s->record = NULL;
    }
    free(s->network_buf);
    s->network_buf = NULL;
    s->network = NULL;
    plugin_path_destroy(&s->path);
    if (s->locked) {
        state_unlock(s->lock_fd);
        s->locked = false;
    }
    if (s->net_locked) {
        state_unlock_network(s->net_lock_name, s->net_lock_master,
                             s->net_lock_fd);
        free(s->net_lock_name);
        s->net_lock_name = NULL;
        s->net_locked = false;
    }
}
