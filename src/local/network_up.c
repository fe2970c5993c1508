/* `up`: from the plan to a running network on this server. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frrconf.h"
#include "host.h"
#include "hostlimits.h"
#include "log.h"
#include "netlink.h"
#include "network.h"
#include "progress.h"
#include "state.h"
#include "util.h"
#include "workers.h"

/* A node's side of a link: which link, which end. */
struct attach {
    size_t link;
    int end;
};

struct up {
    struct session *s;
    const struct mi_plan *p;
    unsigned server;
    const struct active_plugin *rt;
    const struct active_plugin *sw;  /* NULL: no switch active */
    const struct active_plugin *tun; /* NULL: no tunnel active */
    bool csum_off;     /* the switch wants TX checksum offload off */
    bool tun_csum_off; /* so does the tunnel, on remote links */
    bool tun_ends;     /* the tunnel makes remote links' ends itself */
    bool no_delay;     /* netem missing, impairments optional */
    bool no_rate;      /* tbf missing, impairments optional */
    struct state st;

    size_t *nodes; /* local nodes, plan indices */
    size_t n_nodes;
    size_t *links; /* links with both ends here */
    size_t n_links;
    size_t *rlinks; /* remote links with one end here */
    size_t n_rlinks;
    struct attach **attach; /* per plan node: its link ends */
    char **netns;           /* per plan node: its namespace, once made */
    size_t *n_attach;
    size_t *frr_nodes; /* local nodes running FRR */
    size_t n_frr;
};

static bool
link_local(const struct up *u, const struct mi_link *l)
{
    return !l->remote && l->server[0] == u->server;
}

static bool
link_remote_here(const struct up *u, const struct mi_link *l)
{
    return l->remote &&
           (l->server[0] == u->server || l->server[1] == u->server);
}

/* The end of remote link `l` on this server. */
static int
local_end(const struct up *u, const struct mi_link *l)
{
    return l->server[0] == u->server ? 0 : 1;
}

/* The root-namespace names a link has on this server: a local link's
 * bridge ends; a remote link's tunnel port, and its bridge port when the
 * end here is a bridge. */
static size_t
root_names(const struct up *u, const struct mi_link *l, const char *names[2])
{
    size_t n = 0;

    if (!l->remote) {
        for (int e = 0; e < 2; e++) {
            if (l->peer[e]) {
                names[n++] = l->peer[e];
            }
        }
        return n;
    }
    int e = local_end(u, l);
    if (!u->tun_ends) {
        names[n++] = l->tunnel_port[e];
    }
    if (l->end[e].bridge >= 0) {
        names[n++] = l->peer[e];
    }
    return n;
}

static void
collect(struct up *u)
{
    const struct mi_plan *p = u->p;

    u->nodes = xcalloc(p->n_nodes + 1, sizeof *u->nodes);
    u->frr_nodes = xcalloc(p->n_nodes + 1, sizeof *u->frr_nodes);
    for (size_t i = 0; i < p->n_nodes; i++) {
        if (p->nodes[i].server == u->server) {
            u->nodes[u->n_nodes++] = i;
            if (frrconf_daemons(p, i)[0]) {
                u->frr_nodes[u->n_frr++] = i;
            }
        }
    }

    u->links = xcalloc(p->n_links + 1, sizeof *u->links);
    u->rlinks = xcalloc(p->n_links + 1, sizeof *u->rlinks);
    u->attach = xcalloc(p->n_nodes + 1, sizeof(struct attach *));
    u->netns = xcalloc(p->n_nodes + 1, sizeof *u->netns);
    u->n_attach = xcalloc(p->n_nodes + 1, sizeof *u->n_attach);
    for (size_t i = 0; i < p->n_links; i++) {
        const struct mi_link *l = &p->links[i];
        if (link_remote_here(u, l)) {
            u->rlinks[u->n_rlinks++] = i;
        } else if (link_local(u, l)) {
            u->links[u->n_links++] = i;
        } else {
            continue;
        }
        for (int e = 0; e < 2; e++) {
            int node = l->end[e].node;
            if (node >= 0 && l->server[e] == u->server) {
                u->attach[node] =
                    xrealloc(u->attach[node],
                             (u->n_attach[node] + 1) * sizeof **u->attach);
                u->attach[node][u->n_attach[node]++] =
                    (struct attach){.link = i, .end = e};
            }
        }
    }
}

static void
up_free(struct up *u)
{
    for (size_t i = 0; i < u->p->n_nodes; i++) {
        free(u->attach[i]);
        free(u->netns[i]);
    }
    free(u->attach);
    free(u->netns);
    free(u->n_attach);
    free(u->nodes);
    free(u->links);
    free(u->rlinks);
    free(u->frr_nodes);
    state_destroy(&u->st);
}

/* The k-th link this server makes: local ones first, then remote ones. */
static const struct mi_link *
link_at(const struct up *u, size_t k)
{
    return &u->p->links[k < u->n_links ? u->links[k]
                                       : u->rlinks[k - u->n_links]];
}

/* FNV-1a over the plan's JSON: equal plans, equal fingerprints. */
static char *
fingerprint(const struct session *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (!f) {
        return xstrdup("0");
    }
    plan_write_json(s->plan, -1, NULL, NULL, f);
    fclose(f);
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h = (h ^ (unsigned char)buf[i]) * 0x100000001b3ULL;
    }
    free(buf);
    return xasprintf("%016" PRIx64, h);
}

/* Refuses links the kernel cannot shape, before anything is made. */
static int
check_impairments(struct up *u)
{
    bool want_delay = false, want_rate = false;

    for (size_t k = 0; k < u->n_links + u->n_rlinks; k++) {
        const struct mi_link *l = link_at(u, k);
        want_delay |= l->delay_us > 0;
        want_rate |= l->rate_bps > 0;
    }
    struct {
        bool want;
        const char *qdisc, *what;
        bool *drop;
    } needs[] = {
        {want_delay, "netem", "delay", &u->no_delay},
        {want_rate, "tbf", "rate", &u->no_rate},
    };
    int status = EXIT_OK;
    for (size_t i = 0; i < ARRAY_SIZE(needs); i++) {
        if (!needs[i].want || netlink_have_qdisc(needs[i].qdisc)) {
            continue;
        }
        if (u->s->topo->impairments_optional) {
            log_warn("%s: this kernel has no %s qdisc: link %ss are ignored "
                     "(impairments_optional is set)",
                     u->s->topo->file, needs[i].qdisc, needs[i].what);
            *needs[i].drop = true;
        } else {
            log_error("%s: links have a %s, which needs the kernel's %s "
                      "qdisc, and this kernel has none; remove the %ss or "
                      "set impairments_optional = true",
                      u->s->topo->file, needs[i].what, needs[i].qdisc,
                      needs[i].what);
            status = EXIT_FAILED;
        }
    }
    return status;
}

/* Nothing the plan names may exist already: miniinet touches only what it
 * made. */
static int
check_conflicts(struct up *u)
{
    size_t n_conflicts = 0;

    for (size_t k = 0; k < u->n_nodes; k++) {
        const char *name = u->p->nodes[u->nodes[k]].name;
        int r = rt_node_exists(u->rt, name);
        if (r != 0) {
            log_error("node %s exists already and is not part of a network "
                      "miniinet made; refusing to touch it",
                      name);
            n_conflicts++;
        }
    }
    for (size_t k = 0; k < u->n_links + u->n_rlinks; k++) {
        const char *names[2];
        size_t n = root_names(u, link_at(u, k), names);
        for (size_t i = 0; i < n; i++) {
            if (host_link_exists(NULL, names[i]) == 1) {
                log_error("interface %s exists already in the root network "
                          "namespace; refusing to touch it",
                          names[i]);
                n_conflicts++;
            }
        }
    }
    return n_conflicts ? EXIT_FAILED : EXIT_OK;
}

struct bridge_check {
    struct up *u;
    const char *switch_dir;
    size_t *bridges;
};

static int
check_bridge(size_t k, void *c_)
{
    struct bridge_check *c = c_;
    const char *name = c->u->p->bridges[c->bridges[k]].name;

    if (sw_bridge_exists(c->u->sw, c->switch_dir, name) != 0) {
        log_error("bridge %s exists already and is not part of a network "
                  "miniinet made; refusing to touch it",
                  name);
        return -EEXIST;
    }
    return 0;
}

/* One at a time: switch operations are not thread-safe (plugin.h). */
static int
check_bridges(struct up *u, const char *switch_dir)
{
    struct bridge_check c = {u, switch_dir, NULL};
    size_t n = 0;

    c.bridges = xcalloc(u->p->n_bridges + 1, sizeof *c.bridges);
    for (size_t b = 0; b < u->p->n_bridges; b++) {
        if (u->p->bridges[b].server == u->server) {
            c.bridges[n++] = b;
        }
    }
    int error = workers_run(n, 1, check_bridge, &c, NULL, NULL);
    free(c.bridges);
    return error;
}

static int
record(struct up *u)
{
    const char *plugins[MI_PLUGIN_KIND_COUNT];
    for (int k = 0; k < MI_PLUGIN_KIND_COUNT; k++) {
        const struct active_plugin *a = session_plugin(u->s, k + 1);
        plugins[k] = a ? a->name : NULL;
    }
    char *fp = fingerprint(u->s);
    int error = state_create(&u->st, u->p->name, plugins, fp);
    free(fp);
    return error;
}

static int
record_items(struct up *u)
{
    for (size_t k = 0; k < u->n_nodes; k++) {
        const struct mi_node *n = &u->p->nodes[u->nodes[k]];
        state_add_node(&u->st, n->kind, n->name);
    }
    for (size_t b = 0; b < u->p->n_bridges; b++) {
        if (u->p->bridges[b].server == u->server) {
            state_add_bridge(&u->st, u->p->bridges[b].name);
        }
    }
    for (size_t k = 0; k < u->n_links + u->n_rlinks; k++) {
        const char *names[2];
        size_t n = root_names(u, link_at(u, k), names);
        for (size_t i = 0; i < n; i++) {
            state_add_rootif(&u->st, names[i]);
        }
    }
    return state_sync(&u->st);
}

static int
make_node(size_t k, void *u_)
{
    struct up *u = u_;
    size_t node = u->nodes[k];
    char *dir = state_node_dir(&u->st, u->p->nodes[node].name);

    int error = mkdir(dir, 0755) && errno != EEXIST ? -errno : 0;
    if (error) {
        log_error("cannot create %s: %s", dir, strerror(-error));
    } else {
        error = rt_create_node(u->rt, u->p, node, dir);
    }
    free(dir);
    return error;
}

static char *
netns_of(struct up *u, size_t node)
{
    char buf[4096];
    int error = rt_netns_path(u->rt, u->p->nodes[node].name, buf, sizeof buf);
    if (error) {
        log_error("%s: cannot find its network namespace: %s",
                  u->p->nodes[node].name, strerror(-error));
        return NULL;
    }
    return xstrdup(buf);
}

static int
make_links(struct up *u)
{
    char **netns = u->netns;
    /* A tunnel that makes remote links' ends itself gets no veths. */
    size_t n = u->n_links + (u->tun_ends ? 0 : u->n_rlinks);
    struct veth_spec *v = xcalloc(n + 1, sizeof *v);
    int error = 0;

    /* Looked up once here, for the links and then for the addresses. */
    for (size_t k = 0; k < u->n_nodes && !error; k++) {
        netns[u->nodes[k]] = netns_of(u, u->nodes[k]);
        error = netns[u->nodes[k]] ? 0 : -ENOENT;
    }
    for (size_t k = 0; k < n && !error; k++) {
        const struct mi_link *l = link_at(u, k);
        for (int e = 0; e < 2; e++) {
            const struct mi_endpoint *ep = &l->end[e];
            if (l->remote && l->server[e] != u->server) {
                /* The far end's place here: the tunnel's port. */
                v[k].end[e].name = l->tunnel_port[!e];
                v[k].end[e].netns = NULL;
            } else if (ep->node >= 0) {
                v[k].end[e].name = ep->ifname;
                v[k].end[e].netns = netns[ep->node];
            } else {
                v[k].end[e].name = l->peer[e];
                v[k].end[e].netns = NULL;
            }
        }
        v[k].mtu = l->mtu;
    }
    if (!error) {
        error = netlink_create_veths(v, n);
    }
    free(v);
    return error;
}

static int
configure_node(size_t k, void *u_)
{
    struct up *u = u_;
    size_t node = u->nodes[k];
    const struct mi_node *n = &u->p->nodes[node];
    size_t n_ifs = u->n_attach[node];
    struct if_spec *ifs = xcalloc(n_ifs + 1, sizeof *ifs);

    for (size_t i = 0; i < n_ifs; i++) {
        const struct mi_link *l = &u->p->links[u->attach[node][i].link];
        int e = u->attach[node][i].end;
        ifs[i].ifname = l->end[e].ifname;
        ifs[i].addr = l->end[e].addr;
        ifs[i].tx_csum_off = l->remote ? u->tun_csum_off
                                       : u->csum_off && l->end[!e].bridge >= 0;
        ifs[i].rate_bps = u->no_rate ? 0 : l->rate_bps;
        ifs[i].delay_us = u->no_delay ? 0 : l->delay_us;
        ifs[i].buffer_us = l->buffer_us;
    }

    /* The measurement host's routes, through its interfaces. */
    struct route_spec *routes = NULL;
    size_t n_routes = 0;
    if (n->kind == MI_NODE_MEASUREMENT) {
        size_t max = plan_measurement_routes(u->p, node, NULL, 0);
        struct plan_route *pr = xcalloc(max + 1, sizeof *pr);
        plan_measurement_routes(u->p, node, pr, max);
        routes = xcalloc(max + 1, sizeof *routes);
        for (size_t r = 0; r < max; r++) {
            size_t at = n_ifs;
            for (size_t i = 0; i < n_ifs; i++) {
                at = !strcmp(ifs[i].ifname, pr[r].ifname) ? i : at;
            }
            routes[n_routes++] = (struct route_spec){.dst = pr[r].dst,
                                                     .plen = pr[r].plen,
                                                     .gateway = pr[r].gateway,
                                                     .if_index = at,
                                                     .metric = pr[r].metric};
        }
        free(pr);
    }

    const char *netns = u->netns[node];
    int error = -ENOENT;
    if (netns) {
        struct node_net_spec spec = {
            .routes = routes,
            .n_routes = n_routes,
            .netns = netns,
            .ifs = ifs,
            .n_ifs = n_ifs,
            .loopback = n->kind == MI_NODE_ROUTER ? n->loopback
                                                  : (struct mi_addr){0, 0},
            .default_gw = n->kind == MI_NODE_HOST || n->kind == MI_NODE_L2HOST
                              ? n->gateway
                              : 0,
        };
        error = netlink_configure_node(&spec);
        if (error) {
            log_error("%s: cannot configure its interfaces", n->name);
        }
    }
    free(routes);
    free(ifs);
    return error;
}

/* `dir`/frr.conf, written through the node directory's descriptor (root's,
 * never a symlink) and with O_NOFOLLOW: a node's processes cannot make root
 * write elsewhere. */
static int
write_frr_conf(struct up *u, size_t node, const char *dir)
{
    const char *name = u->p->nodes[node].name;
    int dfd = state_open_node_dir(&u->st, name);
    int fd =
        dfd < 0 ? dfd
                : openat(dfd, "frr.conf",
                         O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                         0644);
    int error = fd < 0 ? (dfd < 0 ? dfd : -errno) : 0;
    FILE *f = fd < 0 ? NULL : fdopen(fd, "w");

    if (dfd >= 0) {
        close(dfd);
    }
    if (!f) {
        error = error ? error : -errno;
        log_error("cannot write %s/frr.conf: %s", dir, strerror(-error));
        if (fd >= 0) {
            close(fd);
        }
        return error;
    }
    error = frrconf_write(u->p, node, f);
    if (fclose(f) == EOF && !error) {
        error = -EIO;
        log_error("cannot write %s/frr.conf", dir);
    }
    return error;
}

static int
start_frr(size_t k, void *u_)
{
    struct up *u = u_;
    size_t node = u->frr_nodes[k];
    const char *name = u->p->nodes[node].name;
    char *dir = state_node_dir(&u->st, name);
    int error = write_frr_conf(u, node, dir);
    if (!error) {
        error = rt_start_frr(u->rt, name, dir, frrconf_daemons(u->p, node));
    }
    free(dir);
    return error;
}

static int
run_phase(struct up *u, const char *name, size_t n, workers_fn *fn)
{
    progress_phase(name, n);
    int error = workers_run(n, u->s->opts.jobs, fn, u, progress_tick, NULL);
    progress_end();
    return error;
}

/* Checks that a network recorded as up is the one the plan describes. */
static int
already_up(struct up *u, const struct state *st)
{
    const char *file = u->s->opts.config;

    if (!st->complete) {
        log_error("an earlier `up` of network %s did not finish; run "
                  "`miniinet -c %s down` to remove what it made, then `up`",
                  u->p->name, file);
        return EXIT_FAILED;
    }
    char *fp = fingerprint(u->s);
    bool same = st->fingerprint && !strcmp(fp, st->fingerprint);
    free(fp);
    if (!same) {
        log_error("network %s is up with another plan (the topology "
                  "changed); run `miniinet -c %s down`, then `up`",
                  u->p->name, file);
        return EXIT_FAILED;
    }
    /* Routers whose FRR died: restarted, with the newest snapshot. */
    size_t healed = 0;
    int heal = network_heal_frr(u->s, st, &healed);
    /* A restart of the software the tunnels live in (Open vSwitch) may
     * have lost part of them since: put back. */
    char *tunnel_dir = state_tunnel_dir(st);
    int error = u->tun && access(tunnel_dir, F_OK) == 0
                    ? tun_reassert(u->tun, tunnel_dir)
                    : 0;
    free(tunnel_dir);
    if (error) {
        log_error("network %s is up, and its tunnels could not be put back "
                  "as they were (see above)",
                  u->p->name);
        return EXIT_FAILED;
    }
    if (healed) {
        log_info("network %s is up (%zu nodes here); repaired %zu "
                 "router%s (above)%s",
                 u->p->name, st->n_nodes, healed, util_plural(healed),
                 heal ? ", not all of them" : "");
        return heal;
    }
    log_info("network %s is up already (%zu nodes here); nothing to do",
             u->p->name, st->n_nodes);
    return EXIT_OK;
}

static int
build(struct up *u)
{
    char *switch_dir = state_switch_dir(&u->st);
    const char *phase = "switch";
    int error = 0;

    if (u->sw && u->p->n_bridges) {
        progress_phase("switch", 0);
        error = mkdir(switch_dir, 0755) && errno != EEXIST ? -errno : 0;
        if (!error) {
            error = sw_start(u->sw, switch_dir);
        }
        if (!error && check_bridges(u, switch_dir)) {
            free(switch_dir);
            progress_end();
            return -EEXIST; /* the caller undoes the record */
        }
        progress_end();
    }
    if (!error) {
        error = record_items(u);
    }
    if (!error) {
        phase = "nodes";
        error = run_phase(u, phase, u->n_nodes, make_node);
    }
    if (!error) {
        phase = "links";
        progress_phase(phase, u->n_links + (u->tun_ends ? 0 : u->n_rlinks));
        error = make_links(u);
        progress_end();
    }
    if (!error && u->n_rlinks) {
        phase = "tunnels";
        progress_phase(phase, u->n_rlinks);
        char *dir = state_tunnel_dir(&u->st);
        error = mkdir(dir, 0755) && errno != EEXIST ? -errno : 0;
        if (error) {
            log_error("cannot create %s: %s", dir, strerror(-error));
        } else {
            error = tun_build(u->tun, u->p, u->server,
                              (const char *const *)u->netns, dir);
        }
        free(dir);
        progress_end();
    }
    if (!error && u->sw && u->p->n_bridges) {
        phase = "bridges";
        progress_phase(phase, 0);
        error = sw_build(u->sw, u->p, u->server);
        progress_end();
    }
    if (!error) {
        phase = "addresses";
        error = run_phase(u, phase, u->n_nodes, configure_node);
    }
    if (!error) {
        phase = "frr";
        error = run_phase(u, phase, u->n_frr, start_frr);
    }
    free(switch_dir);
    if (error) {
        log_error("up failed while making the %s; `miniinet -c %s down` "
                  "removes everything it made",
                  phase, u->s->opts.config);
        return error;
    }
    error = state_mark_complete(&u->st);
    u->s->built = !error;
    return error;
}

int
network_up(struct session *s)
{
    struct up u = {.s = s, .p = plan_view(s->plan)};

    u.rt = session_plugin(s, MI_PLUGIN_RUNTIME);
    u.sw = session_plugin(s, MI_PLUGIN_SWITCH);
    u.tun = session_plugin(s, MI_PLUGIN_TUNNEL);
    u.server = s->server;
    if (u.p->n_bridges && !u.sw) {
        log_error("the network has bridges, and no switch plugin is active");
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < u.p->n_links; i++) {
        if (link_remote_here(&u, &u.p->links[i]) &&
            !backend_has(u.tun, TUN_BUILD)) {
            log_error("%s: links leave server %s, and the tunnel plugin "
                      "%s cannot build tunnels",
                      s->opts.config, u.p->servers[u.server].name,
                      u.tun ? u.tun->name : "(none)");
            return EXIT_USAGE;
        }
    }
    u.csum_off = u.sw && sw_needs_tx_csum_off(u.sw);
    u.tun_csum_off = u.tun && tun_needs_tx_csum_off(u.tun);
    u.tun_ends = u.tun && tun_makes_ends(u.tun);

    if (s->record_error) {
        log_error("network %s: `up` builds nothing over a damaged record",
                  u.p->name);
        return EXIT_FAILED;
    }
    if (s->record) {
        return already_up(&u, s->record);
    }

    progress_init();
    collect(&u);
    int status = check_impairments(&u);
    if (status == EXIT_OK) {
        status = check_conflicts(&u);
    }
    /* The runtime's own checks (cgroup controllers, images), as preflight
     * makes them on every server of a multi-server network. */
    if (status == EXIT_OK && u.rt &&
        plugin_check_server(u.rt, u.p, u.server)) {
        log_error("runtime %s cannot run this network here (see above)",
                  u.rt->name);
        status = EXIT_FAILED;
    }
    if (status != EXIT_OK) {
        up_free(&u);
        return status;
    }
    if (record(&u) ||
        hostlimits_raise_neighbours(&u.st, plan_neighbours(u.p, u.server))) {
        up_free(&u);
        return EXIT_FAILED;
    }
    int error = build(&u);
    if (error == -EEXIST && !u.st.n_nodes) {
        /* Refused before making anything but the switch daemon: undo. */
        up_free(&u);
        network_remove(s, u.p->name);
        return EXIT_FAILED;
    }
    if (!error) {
        log_info("network %s is up: %zu nodes, %zu links, %zu routers "
                 "running FRR, in %.1fs",
                 u.p->name, u.n_nodes, u.n_links, u.n_frr, progress_elapsed());
    }
    up_free(&u);
    return error ? EXIT_FAILED : EXIT_OK;
}
