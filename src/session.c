/* Session setup: topology -> chosen plugins -> plan, in that order, each
 * step only when the verb needs it. */
#include "config.h"

#include "session.h"
#include "state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"
#include "log.h"
#include "util.h"

/* The defaults, by kind: used when neither --plugins nor the topology file
 * chooses.  Core knows them only as names. */
static const char *const default_plugin[3] = {"netns", "ovs", "gre"};

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
 * when there are L2 networks or IXPs, a tunnel when ASes span servers.  A
 * default plugin that is not installed is fine when not required; a plugin
 * named explicitly must load. */
static bool
kind_required(const struct topology *topo, enum mi_plugin_kind kind)
{
    switch (kind) {
    case MI_PLUGIN_RUNTIME:
        return true;
    case MI_PLUGIN_SWITCH:
        for (size_t i = 0; i < topo->n_ases; i++) {
            const struct topo_as *as = &topo->ases[i];
            if (as->ixp || (as->body && as->body->n_l2nets)) {
                return true;
            }
        }
        return false;
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

/* On one server, a network that is up keeps the plugins it was made with:
 * those its state record names, for the kinds that neither the command
 * line nor the file chooses (so that `status` and `check` of a network made
 * with --plugins=X find its nodes without the flag). */
static void
record_choice(const struct session *s, char *names[3])
{
    struct state st;

    names[0] = names[1] = names[2] = NULL;
    if (!s->topo || s->topo->n_servers || !s->topo->name) {
        return;
    }
    if (state_load(s->topo->name, &st)) {
        state_destroy(&st); /* what a failed load allocated */
        return;
    }
    for (int i = 0; i < 3; i++) {
        names[i] = st.plugin[i] ? xstrdup(st.plugin[i]) : NULL;
    }
    state_destroy(&st);
}

static int
choose_and_load(struct session *s)
{
    int status = choose_from_cli(s);
    if (status != EXIT_OK) {
        return status;
    }
    char *recorded[3];
    record_choice(s, recorded);

    for (enum mi_plugin_kind kind = MI_PLUGIN_RUNTIME;
         kind <= MI_PLUGIN_TUNNEL; kind++) {
        struct active_plugin *a = &s->active[kind - 1];
        if (a->loaded.desc) {
            continue;
        }

        const char *name = file_choice(s->topo, kind);
        a->explicit_choice = name != NULL;
        if (!name) {
            name = recorded[kind - 1];
            if (name) {
                log_debug("%s plugin '%s', as network %s was made with",
                          plugin_kind_name(kind), name, s->topo->name);
            }
        }
        if (!name) {
            name = default_plugin[kind - 1];
        }
        if (!a->explicit_choice && !kind_required(s->topo, kind) &&
            !plugin_path_has(&s->path, name)) {
            log_debug("no %s plugin '%s' installed; this network needs none",
                      plugin_kind_name(kind), name);
            continue;
        }
        if (plugin_load_name(&s->path, name, kind, &a->loaded) ||
            !a->loaded.desc) {
            status = EXIT_USAGE;
            break;
        }
        a->name = a->loaded.desc->name;
    }
    for (int i = 0; i < 3; i++) {
        free(recorded[i]);
    }
    return status;
}

static int
configure_plugins(struct session *s)
{
    const struct mi_host *host = host_services();

    for (int i = 0; i < 3; i++) {
        struct active_plugin *a = &s->active[i];
        if (!a->loaded.desc) {
            continue;
        }

        const struct mi_common_ops *ops = a->loaded.desc->ops.common;
        const struct mi_settings *settings =
            topology_plugin_settings(s->topo, a->name);
        if (ops->configure(host, settings, &a->state)) {
            log_error("%s: plugin '%s' refused its settings", s->topo->file,
                      a->name);
            return EXIT_USAGE;
        }
        a->configured = true;
    }
    return EXIT_OK;
}

static int
compute_plan(struct session *s)
{
    struct plan_params params = {0};
    const struct active_plugin *tunnel = session_plugin(s, MI_PLUGIN_TUNNEL);

    if (tunnel) {
        params.tunnel_overhead =
            tunnel->loaded.desc->ops.tunnel->overhead(tunnel->state);
    }
    if (plan_compute(s->topo, &params, &s->plan)) {
        return EXIT_USAGE;
    }

    for (int i = 0; i < 3; i++) {
        const struct active_plugin *a = &s->active[i];
        if (!a->configured) {
            continue;
        }
        const struct mi_common_ops *ops = a->loaded.desc->ops.common;
        if (ops->check_plan && ops->check_plan(a->state, plan_view(s->plan))) {
            return EXIT_USAGE;
        }
    }
    return EXIT_OK;
}

int
session_prepare(struct session *s, unsigned needs)
{
    if (needs & (NEED_TOPOLOGY | NEED_PLAN)) {
        if (topology_load(s->opts.config, &s->topo)) {
            return EXIT_USAGE;
        }
        if (s->opts.server && s->topo->n_servers == 0) {
            log_error("--server %s: %s defines no servers", s->opts.server,
                      s->opts.config);
            return EXIT_USAGE;
        }
    }
    if (needs & NEED_PLAN) {
        int status = choose_and_load(s);
        if (status == EXIT_OK) {
            status = configure_plugins(s);
        }
        if (status == EXIT_OK) {
            status = compute_plan(s);
        }
        if (status == EXIT_OK && s->opts.server &&
            plan_find_server(s->plan, s->opts.server) < 0) {
            log_error("--server %s: no such server in %s", s->opts.server,
                      s->opts.config);
            status = EXIT_USAGE;
        }
        return status;
    }
    return EXIT_OK;
}

void
session_destroy(struct session *s)
{
    for (int i = 2; i >= 0; i--) {
        struct active_plugin *a = &s->active[i];
        if (a->configured && a->loaded.desc->ops.common->release) {
            a->loaded.desc->ops.common->release(a->state);
        }
        if (a->loaded.desc) {
            plugin_unload(&a->loaded);
        }
        memset(a, 0, sizeof *a);
    }
    plan_free(s->plan);
    s->plan = NULL;
    topology_free(s->topo);
    s->topo = NULL;
    plugin_path_destroy(&s->path);
}
