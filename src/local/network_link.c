/* `link A B down|up|set ...` on this server: the ends of the link that are
 * here, changed in their nodes' namespaces (netlink) and recorded in the
 * network's links file (state.h) so that `status` shows it. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "linkref.h"
#include "log.h"
#include "netlink.h"
#include "network.h"
#include "state.h"
#include "util.h"
#include "wire.h"

/* The recorded setting of `node`:`ifname`, added (as planned) if none. */
static struct state_link *
setting_of(struct state_link **links, size_t *n, size_t *cap, const char *node,
           const char *ifname)
{
    for (size_t i = 0; i < *n; i++) {
        if (!strcmp((*links)[i].node, node) &&
            !strcmp((*links)[i].ifname, ifname)) {
            return &(*links)[i];
        }
    }
    *links = xgrow(*links, cap, *n + 1, sizeof **links);
    struct state_link *l = &(*links)[(*n)++];
    *l = (struct state_link){.node = xstrdup(node), .ifname = xstrdup(ifname)};
    return l;
}

/* What the request makes of one end's setting; `control` gets what to do
 * in the kernel. */
static void
change_setting(const struct link_request *req, const struct mi_link *l,
               struct state_link *set, struct link_control *control)
{
    uint64_t rate = set->shaped ? set->rate_bps : l->rate_bps;
    uint32_t delay = set->shaped ? set->delay_us : l->delay_us;

    memset(control, 0, sizeof *control);
    control->buffer_us = l->buffer_us;
    switch (req->op) {
    case LINK_DOWN:
    case LINK_UP:
        control->set_state = true;
        control->up = req->op == LINK_UP;
        set->down = !control->up;
        break;
    case LINK_SET:
        control->set_shape = true;
        control->rate_bps = req->set_rate ? req->rate_bps : rate;
        control->delay_us = req->set_delay ? req->delay_us : delay;
        set->shaped = control->rate_bps != l->rate_bps ||
                      control->delay_us != l->delay_us;
        set->rate_bps = set->shaped ? control->rate_bps : 0;
        set->delay_us = set->shaped ? control->delay_us : 0;
        break;
    }
}

/* What puts end `node`:`ifname` of link `l` back as the record had it
 * before the request (`old`, n_old settings; none: as planned): its state
 * for down/up, its shaping for set. */
static void
undo_setting(const struct link_request *req, const struct mi_link *l,
             const char *node, const char *ifname,
             const struct state_link *old, size_t n_old,
             struct link_control *control)
{
    const struct state_link *was = NULL;
    for (size_t i = 0; i < n_old && !was; i++) {
        if (!strcmp(old[i].node, node) && !strcmp(old[i].ifname, ifname)) {
            was = &old[i];
        }
    }
    memset(control, 0, sizeof *control);
    control->buffer_us = l->buffer_us;
    if (req->op == LINK_SET) {
        control->set_shape = true;
        control->rate_bps = was && was->shaped ? was->rate_bps : l->rate_bps;
        control->delay_us = was && was->shaped ? was->delay_us : l->delay_us;
    } else {
        control->set_state = true;
        control->up = !(was && was->down);
    }
}

/* Drops the settings that are the plan's again. */
static void
drop_planned(struct state_link *links, size_t *n)
{
    size_t kept = 0;

    for (size_t i = 0; i < *n; i++) {
        if (links[i].down || links[i].shaped) {
            links[kept++] = links[i];
        } else {
            free(links[i].node);
            free(links[i].ifname);
        }
    }
    *n = kept;
}

/* Applies `control` to end `e` of link `l`, in its node. */
static int
apply_end(const struct active_plugin *rt, const struct mi_plan *p,
          const struct mi_link *l, int e, const struct link_control *control)
{
    const char *node = mi_plan_node(p, (size_t)l->end[e].node)->name;
    char path[4096];

    int error = rt_netns_path(rt, node, path, sizeof path);
    if (error) {
        log_error("%s: the runtime gives no network namespace: %s", node,
                  strerror(-error));
        return error;
    }
    return netlink_control_link(path, l->end[e].ifname, control);
}

/* The routes miniinet sets in end `e`'s node (a host's default route, the
 * measurement host's routes) that go through its interface: the kernel
 * deleted them when the interface went down.  Routers' routes are FRR's. */
static int
restore_routes(const struct active_plugin *rt, const struct mi_plan *p,
               const struct mi_link *l, int e)
{
    size_t node = (size_t)l->end[e].node;
    const char *name = mi_plan_node(p, node)->name;
    const char *ifname = l->end[e].ifname;
    size_t max = plan_node_routes(p, node, &ifname, 1, NULL, 0);
    if (!max) {
        return 0;
    }
    char path[4096];
    int error = rt_netns_path(rt, name, path, sizeof path);
    if (error) {
        log_error("%s: the runtime gives no network namespace: %s", name,
                  strerror(-error));
        return error;
    }
    struct plan_route *pr = xcalloc(max, sizeof *pr);
    struct route_spec *routes = xcalloc(max, sizeof *routes);
    struct if_spec ifs = {.ifname = ifname};
    struct node_net_spec spec = {.netns = path, .ifs = &ifs, .n_ifs = 1};
    size_t n = 0;
    plan_node_routes(p, node, &ifname, 1, pr, max);
    for (size_t r = 0; r < max; r++) {
        if (mi_plan_node(p, node)->kind != MI_NODE_MEASUREMENT &&
            !pr[r].plen) {
            spec.default_gw = pr[r].gateway;
        } else {
            routes[n++] = (struct route_spec){.dst = pr[r].dst,
                                              .plen = pr[r].plen,
                                              .gateway = pr[r].gateway,
                                              .if_index = 0,
                                              .metric = pr[r].metric};
        }
    }
    spec.routes = routes;
    spec.n_routes = n;
    error = netlink_configure_node(&spec);
    free(routes);
    free(pr);
    return error;
}

/* --json (from a master): the reply saying what the ends here were before
 * (wire.h), so that the master can put them back. */
static void
print_before(const struct mi_plan *p, const struct mi_link *l,
             const bool here[2], const struct state_link *old, size_t n_old,
             const struct mi_server *server)
{
    struct wire_link_end ends[2];
    struct wire_link w = {.server = (char *)server->name, .before = ends};

    for (int e = 0; e < 2; e++) {
        if (!here[e]) {
            continue;
        }
        const char *node = mi_plan_node(p, (size_t)l->end[e].node)->name;
        struct wire_link_end *b = &ends[w.n_before++];
        *b = (struct wire_link_end){.node = (char *)node,
                                    .ifname = (char *)l->end[e].ifname,
                                    .rate_bps = l->rate_bps,
                                    .delay_us = l->delay_us};
        for (size_t i = 0; i < n_old; i++) {
            if (!strcmp(old[i].node, node) &&
                !strcmp(old[i].ifname, l->end[e].ifname)) {
                b->down = old[i].down;
                if (old[i].shaped) {
                    b->rate_bps = old[i].rate_bps;
                    b->delay_us = old[i].delay_us;
                }
            }
        }
    }
    wire_print(wire_link_encode(&w), false);
}

int
network_link(struct session *s, const struct link_request *req)
{
    const struct mi_plan *p = plan_view(s->plan);
    size_t index;

    if (linkref_find(p, req->a, req->b, &index)) {
        return EXIT_USAGE;
    }
    if (!s->record) {
        log_error("network %s is not up (no record in %s)", p->name,
                  state_rundir());
        return EXIT_FAILED;
    }
    const struct mi_link *l = mi_plan_link(p, index);
    char *what = linkref_describe(p, index);
    struct state_link *old = NULL, *links = NULL;
    size_t n_old = 0, n = 0, cap = 0;
    int status = EXIT_FAILED;

    if (state_links_load(s->record, &old, &n_old)) {
        goto out;
    }
    /* A copy to change; the old one is written back if the kernel says
     * no. */
    for (size_t i = 0; i < n_old; i++) {
        struct state_link *c =
            setting_of(&links, &n, &cap, old[i].node, old[i].ifname);
        *c = (struct state_link){.node = c->node,
                                 .ifname = c->ifname,
                                 .down = old[i].down,
                                 .shaped = old[i].shaped,
                                 .rate_bps = old[i].rate_bps,
                                 .delay_us = old[i].delay_us};
    }
    struct link_control control[2];
    bool here[2] = {false, false};
    for (int e = 0; e < 2; e++) {
        /* A bridge's end (an IXP port) is the switch's: the router's
         * end carries the state and the shaping of both. */
        here[e] = l->end[e].node >= 0 && l->server[e] == s->server;
        if (here[e]) {
            const char *node = mi_plan_node(p, (size_t)l->end[e].node)->name;
            change_setting(
                req, l, setting_of(&links, &n, &cap, node, l->end[e].ifname),
                &control[e]);
        }
    }
    if (!here[0] && !here[1]) {
        log_error("link %s: no end of it is on server %s", what,
                  mi_plan_server(p, s->server)->name);
        goto out;
    }
    /* Refused before anything changes, as `up` refuses such links. */
    for (int e = 0; e < 2; e++) {
        if (!here[e] || !control[e].set_shape) {
            continue;
        }
        const char *missing =
            control[e].delay_us && !netlink_have_qdisc("netem") ? "netem"
            : control[e].rate_bps && !netlink_have_qdisc("tbf") ? "tbf"
                                                                : NULL;
        if (missing) {
            log_error("link %s: a %s needs the %s qdisc, which this kernel "
                      "lacks (`up` refuses such links too); nothing changed",
                      what, !strcmp(missing, "netem") ? "delay" : "rate",
                      missing);
            goto out;
        }
    }
    drop_planned(links, &n);
    if (state_links_save(s->record, links, n)) {
        goto out;
    }
    const struct active_plugin *rt = session_plugin(s, MI_PLUGIN_RUNTIME);
    int error = 0;
    bool applied[2] = {false, false};
    for (int e = 0; e < 2 && !error; e++) {
        if (here[e]) {
            error = apply_end(rt, p, l, e, &control[e]);
            applied[e] = !error;
            if (!error && req->op == LINK_UP) {
                error = restore_routes(rt, p, l, e);
            }
        }
    }
    if (error) {
        state_links_save(s->record, old, n_old);
        /* Every end changed here is put back as it was -- the first when
         * the second failed, and the failing one itself when only its
         * routes could not be restored -- so that the link is unchanged
         * (as a master does across servers). */
        bool put_back = false, back_ok = true;
        for (int e = 0; e < 2; e++) {
            if (!applied[e]) {
                continue;
            }
            const char *node = mi_plan_node(p, (size_t)l->end[e].node)->name;
            struct link_control undo;
            undo_setting(req, l, node, l->end[e].ifname, old, n_old, &undo);
            int err = apply_end(rt, p, l, e, &undo);
            if (!err && undo.set_state && undo.up) {
                err = restore_routes(rt, p, l, e);
            }
            put_back = true;
            if (err) {
                back_ok = false;
                log_error("link %s: %s's end (%s) could not be put back", what,
                          node, l->end[e].ifname);
            } else {
                log_warn("link %s: %s's end (%s) put back as it was", what,
                         node, l->end[e].ifname);
            }
        }
        if (!put_back) {
            log_error("link %s: failed (see above); its record keeps the "
                      "setting it had",
                      what);
        } else if (back_ok) {
            log_error("link %s: failed (see above); what it had changed is "
                      "put back: the link and its record are unchanged",
                      what);
        } else {
            log_error("link %s: failed (see above), and an end could not be "
                      "put back: its record keeps the setting it had, the "
                      "kernel may not (`link` with that setting again sets "
                      "it)",
                      what);
        }
        goto out;
    }
    log_info("link %s: %s", what, req->summary);
    if (s->opts.json) {
        print_before(p, l, here, old, n_old, mi_plan_server(p, s->server));
    }
    status = EXIT_OK;

out:
    state_links_free(old, n_old);
    state_links_free(links, n);
    free(what);
    return status;
}
