/* `up`: from the plan to a running network on this server. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access.h"
#include "damage.h"
#include "frrconf.h"
#include "fsutil.h"
#include "host.h"
#include "hostlimits.h"
#include "log.h"
#include "netlink.h"
#include "network.h"
#include "progress.h"
#include "state.h"
#include "util.h"
#include "vlan_agent.h"
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
    bool hold;         /* FRR nodes' links held down until FRR runs on
                          every router here (MINIINET_FRR_LINKS=held, for
                          comparison only: build()) */
    bool no_delay;     /* netem missing, impairments optional */
    bool no_rate;      /* tbf missing, impairments optional */
    struct state st;
    const struct state *rec; /* &st; on a network up already, its record */

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
    bool *unmarked; /* per record object: its mark could not be written */
    size_t n_unmarked;
    bool snapshots_unreadable; /* its snapshots directory: exit 1 */
    size_t n_leftovers; /* removed: what an earlier run left (a reboot) */
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
    free(u->unmarked);
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

/* The network has no record here, yet what its last run made may be: a
 * reboot empties the run directory but not Docker's stopped containers
 * nor Open vSwitch's database.  Each plugin removes what it made for this
 * network, by the label it gave it, and nothing else: the checks that
 * follow still refuse whatever else carries the plan's names.  The
 * switch's part comes with its start (build()). */
static int
clear_leftovers(struct up *u)
{
    int error = rt_clear_leftovers(u->rt, u->p, u->server, &u->n_leftovers);

    if (!error && u->n_rlinks) {
        error = tun_clear_leftovers(u->tun, u->p, u->server, &u->n_leftovers);
    }
    if (error) {
        log_error("network %s: cannot remove what an earlier run of it left "
                  "here (see above)",
                  u->p->name);
        return EXIT_FAILED;
    }
    return EXIT_OK;
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
    /* The access ports this server's groups will hold, for the preflight
     * of other networks (network_ports.c). */
    const struct access_plan *ap = plan_access(u->s->plan);
    for (size_t g = 0; ap && g < ap->n_groups; g++) {
        if (ap->groups[g].server == u->server) {
            state_add_port(&u->st, ap->groups[g].asn, ap->groups[g].port);
        }
    }
    network_access_record(u->s, &u->st);
    return state_sync(&u->st);
}

static int
make_node_at(struct up *u, size_t node)
{
    char *dir = state_node_dir(u->rec, u->p->nodes[node].name);

    int error = mkdir(dir, 0755) && errno != EEXIST ? -errno : 0;
    if (error) {
        log_error("cannot create %s: %s", dir, strerror(-error));
    } else {
        error = rt_create_node(u->rt, u->p, node, dir);
    }
    free(dir);
    return error;
}

static int
make_node(size_t k, void *u_)
{
    struct up *u = u_;

    return make_node_at(u, u->nodes[k]);
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

/* The namespace paths of every local node (looked up once, for the links
 * and then for the addresses). */
static int
find_netns(struct up *u)
{
    for (size_t k = 0; k < u->n_nodes; k++) {
        free(u->netns[u->nodes[k]]);
        u->netns[u->nodes[k]] = netns_of(u, u->nodes[k]);
        if (!u->netns[u->nodes[k]]) {
            return -ENOENT;
        }
    }
    return 0;
}

/* The veth pairs of the links `which` (links(), n of them) lists: the
 * k-th link this server makes (link_at()). */
static int
make_veths(struct up *u, const size_t *which, size_t n)
{
    char **netns = u->netns;
    struct veth_spec *v = xcalloc(n + 1, sizeof *v);

    for (size_t k = 0; k < n; k++) {
        const struct mi_link *l = link_at(u, which[k]);
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
    int error = netlink_create_veths(v, n);
    free(v);
    return error;
}

static int
make_links(struct up *u)
{
    /* A tunnel that makes remote links' ends itself gets no veths. */
    size_t n = u->n_links + (u->tun_ends ? 0 : u->n_rlinks);
    int error = find_netns(u);

    if (!error) {
        size_t *all = xcalloc(n + 1, sizeof *all);
        for (size_t k = 0; k < n; k++) {
            all[k] = k;
        }
        error = make_veths(u, all, n);
        free(all);
    }
    return error;
}

/* Configures node `node`: with `only` (per plan link), only the interfaces
 * of the links it marks and the routes through them (plan_node_routes()),
 * not the loopback (a node whose links were made again keeps the rest as
 * it is). */
static int
configure_node_at(struct up *u, size_t node, const bool *only)
{
    const struct mi_node *n = &u->p->nodes[node];
    size_t n_ifs = 0;
    struct if_spec *ifs = xcalloc(u->n_attach[node] + 1, sizeof *ifs);
    bool held = u->hold && !only && frrconf_daemons(u->p, node)[0];

    for (size_t a = 0; a < u->n_attach[node]; a++) {
        if (only && !only[u->attach[node][a].link]) {
            continue;
        }
        size_t i = n_ifs++;
        const struct mi_link *l = &u->p->links[u->attach[node][a].link];
        int e = u->attach[node][a].end;
        ifs[i].ifname = l->end[e].ifname;
        ifs[i].addr = l->end[e].addr;
        ifs[i].tx_csum_off = l->remote ? u->tun_csum_off
                                       : u->csum_off && l->end[!e].bridge >= 0;
        ifs[i].rate_bps = u->no_rate ? 0 : l->rate_bps;
        ifs[i].delay_us = u->no_delay ? 0 : l->delay_us;
        ifs[i].buffer_us = l->buffer_us;
        ifs[i].held = held;
    }

    /* The routes miniinet sets (a host's default route, the measurement
     * host's), with `only` those through the interfaces listed: the
     * kernel deleted them with the interfaces, the others are there. */
    const char **names = xcalloc(n_ifs + 1, sizeof *names);
    for (size_t i = 0; i < n_ifs; i++) {
        names[i] = ifs[i].ifname;
    }
    size_t max =
        plan_node_routes(u->p, node, only ? names : NULL, n_ifs, NULL, 0);
    struct plan_route *pr = xcalloc(max + 1, sizeof *pr);
    plan_node_routes(u->p, node, only ? names : NULL, n_ifs, pr, max);
    struct route_spec *routes = xcalloc(max + 1, sizeof *routes);
    size_t n_routes = 0;
    uint32_t default_gw = 0;
    for (size_t r = 0; r < max; r++) {
        if (n->kind != MI_NODE_MEASUREMENT && !pr[r].plen) {
            default_gw = pr[r].gateway; /* a host's: as ever, by gateway */
            continue;
        }
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
    free(names);

    const char *netns = u->netns[node];
    int error = -ENOENT;
    if (netns) {
        struct node_net_spec spec = {
            .routes = routes,
            .n_routes = n_routes,
            .netns = netns,
            .ifs = ifs,
            .n_ifs = n_ifs,
            .loopback = n->kind == MI_NODE_ROUTER && !only
                            ? n->loopback
                            : (struct mi_addr){0, 0},
            .default_gw = default_gw,
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

static int
configure_node(size_t k, void *u_)
{
    struct up *u = u_;

    return configure_node_at(u, u->nodes[k], NULL);
}

/* One generated file, `dfd`/`file`: frrconf_write() when `daemon` is
 * NULL, else frrconf_write_daemon(). */
static int
write_frr_file(int dfd, const char *dir, const struct mi_plan *p, size_t node,
               const char *daemon, const char *file)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    int error = !f       ? -errno
                : daemon ? frrconf_write_daemon(p, node, daemon, f)
                         : frrconf_write(p, node, f);

    if (f && fclose(f) == EOF && !error) {
        error = -EIO;
    }
    if (!error) {
        error = fs_write_file_at(dfd, file, text, len, 0644);
        if (error) {
            log_error("cannot write %s/%s: %s", dir, file, strerror(-error));
        }
    }
    free(text);
    return error;
}

int
network_write_frr_files(const struct state *st, const struct active_plugin *rt,
                        const struct mi_plan *p, size_t node)
{
    const char *name = p->nodes[node].name;
    const char *const *daemons = frrconf_daemons(p, node);
    bool own = rt_reads_daemon_conf(rt);
    char *dir = state_node_dir(st, name);
    int dfd = state_open_node_dir(st, name);
    int error = dfd < 0 ? dfd : 0;

    if (error) {
        log_error("cannot write FRR's configuration into %s: %s", dir,
                  strerror(-error));
    }
    if (!error) {
        error = write_frr_file(dfd, dir, p, node, NULL, "frr.conf");
    }
    for (size_t i = 0; !error && daemons[i]; i++) {
        char file[64];

        snprintf(file, sizeof file, "%s.conf", daemons[i]);
        if (own) {
            error = write_frr_file(dfd, dir, p, node, daemons[i], file);
        } else if (unlinkat(dfd, file, 0) < 0 && errno != ENOENT) {
            error = -errno;
            log_error("cannot remove %s/%s: %s", dir, file, strerror(errno));
        }
    }
    if (dfd >= 0) {
        close(dfd);
    }
    free(dir);
    return error;
}

static int
start_frr(size_t k, void *u_)
{
    struct up *u = u_;
    size_t node = u->frr_nodes[k];
    const char *name = u->p->nodes[node].name;
    char *dir = state_node_dir(u->rec, name);
    int error = network_write_frr_files(u->rec, u->rt, u->p, node);
    if (!error) {
        error = rt_start_frr(u->rt, name, dir, frrconf_daemons(u->p, node));
    }
    free(dir);
    return error;
}

/* Node u->nodes[k]'s links up when it is an FRR node: configure_node()
 * set them down (if_spec.held).  Every FRR node, also one whose FRR was
 * not started (build()): its links as they would be without holding. */
static int
raise_node(size_t k, void *u_)
{
    struct up *u = u_;
    size_t node = u->nodes[k];

    if (!frrconf_daemons(u->p, node)[0] || !u->n_attach[node]) {
        return 0;
    }
    const char **names = xcalloc(u->n_attach[node] + 1, sizeof *names);
    for (size_t a = 0; a < u->n_attach[node]; a++) {
        const struct attach *at = &u->attach[node][a];
        names[a] = u->p->links[at->link].end[at->end].ifname;
    }
    int error = netlink_raise_links(u->netns[node], names, u->n_attach[node]);
    if (error) {
        log_error("%s: cannot set its links up", u->p->nodes[node].name);
    }
    free(names);
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

/* ------------------------------------------------------------------------ */
/* Healing a network that is up                                             */

struct heal {
    struct up *u;
    struct damage_seen seen;
    struct damage *d;
    size_t n_d;
    size_t *remake; /* plan nodes made again */
    size_t n_remake;
    bool *link_made;  /* per plan link: made again */
    bool *node_touch; /* per plan node: has a link made again */
};

static int
look_node(size_t k, void *h_)
{
    struct heal *h = h_;
    struct up *u = h->u;
    size_t node = u->nodes[k];

    damage_look_node(u->rt, u->rec, u->p->nodes[node].name,
                     frrconf_daemons(u->p, node),
                     access_sshd_group(plan_access(u->s->plan), node) != NULL,
                     &h->seen.nodes[node]);
    return 0;
}

/* A missing node: what is left of it (processes in its cgroup, its
 * namespace file) removed, then made again as `up` makes it. */
static int
remake_node(size_t k, void *h_)
{
    struct heal *h = h_;
    struct up *u = h->u;
    size_t node = h->remake[k];
    const char *name = u->p->nodes[node].name;
    char *dir = state_node_dir(u->rec, name);
    int error = rt_destroy_node(u->rt, name, dir);

    free(dir);
    if (!error) {
        error = make_node_at(u, node);
    }
    if (error) {
        log_error("%s: node missing, and it could not be made again (see "
                  "above)",
                  name);
    }
    return error;
}

/* The k (link_at()) of plan link `link`, or SIZE_MAX. */
static size_t
link_k(const struct up *u, size_t link)
{
    for (size_t k = 0; k < u->n_links + u->n_rlinks; k++) {
        if (link_at(u, k) == &u->p->links[link]) {
            return k;
        }
    }
    return SIZE_MAX;
}

struct del_if {
    const char *name;
};

static int
del_in_netns(void *d_)
{
    const struct del_if *d = d_;
    const char *names[1] = {d->name};

    return netlink_delete_links(names, 1);
}

/* Removes what is left of link `l`'s ends here (the end that remains when
 * only part of it went), so that the pair can be made again: the node
 * ends that the look found, the root-namespace names. */
static void
clear_link(struct heal *h, const struct mi_link *l)
{
    struct up *u = h->u;
    const char *roots[2];
    size_t n_roots = root_names(u, l, roots);

    for (int e = 0; e < 2; e++) {
        int node = l->end[e].node;
        if (l->server[e] != u->server || node < 0 || !u->netns[node]) {
            continue;
        }
        const struct damage_node_seen *n = &h->seen.nodes[node];
        for (size_t i = 0; n->exists && i < n->n_ifs; i++) {
            if (!strcmp(n->ifs[i].name, l->end[e].ifname)) {
                struct del_if d = {l->end[e].ifname};
                netlink_in_netns(u->netns[node], u->p->nodes[node].name,
                                 del_in_netns, &d);
            }
        }
    }
    netlink_delete_links(roots, n_roots);
}

/* Makes the damaged links again: veth pairs, then the interfaces' settings
 * in their nodes. */
static int
remake_links(struct heal *h, size_t *n_made)
{
    struct up *u = h->u;
    size_t *which = xcalloc(h->n_d + 1, sizeof *which);
    size_t n = 0;
    int error = 0;

    *n_made = 0;
    for (size_t i = 0; i < h->n_d; i++) {
        if (h->d[i].kind != DAMAGE_LINK) {
            continue;
        }
        const struct mi_link *l = &u->p->links[h->d[i].index];
        size_t k = link_k(u, h->d[i].index);
        if (k == SIZE_MAX) {
            continue;
        }
        if (l->remote && u->tun_ends) {
            log_error("%s: made by the tunnel plugin %s, which cannot make "
                      "one link again: `down`, then `up --restore`",
                      h->d[i].what, u->tun->name);
            error = -ENOTSUP;
            continue;
        }
        clear_link(h, l);
        which[n++] = k;
        h->link_made[h->d[i].index] = true;
        for (int e = 0; e < 2; e++) {
            if (l->server[e] == u->server && l->end[e].node >= 0) {
                h->node_touch[l->end[e].node] = true;
            }
        }
    }
    if (n) {
        int e2 = make_veths(u, which, n);
        error = error ? error : e2;
    }
    free(which);
    *n_made = n;
    return error;
}

/* The interfaces of the links made again, configured in their nodes (a
 * node made again: all of it), and what `miniinet link` had set on them
 * put back. */
static int
reconfigure(struct heal *h, const bool *remade)
{
    struct up *u = h->u;
    int error = 0;

    for (size_t k = 0; k < u->n_nodes; k++) {
        size_t node = u->nodes[k];
        if (remade[node] || h->node_touch[node]) {
            int e =
                configure_node_at(u, node, remade[node] ? NULL : h->link_made);
            error = error ? error : e;
        }
    }
    struct state_link *links = NULL;
    size_t n = 0;
    if (state_links_load(u->rec, &links, &n)) {
        return error ? error : -EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t a = 0; a < u->p->n_links; a++) {
            const struct mi_link *l = &u->p->links[a];
            for (int e = 0; h->link_made[a] && e < 2; e++) {
                int node = l->end[e].node;
                if (node < 0 || l->server[e] != u->server ||
                    strcmp(u->p->nodes[node].name, links[i].node) != 0 ||
                    strcmp(l->end[e].ifname, links[i].ifname) != 0) {
                    continue;
                }
                struct link_control c = {
                    .set_state = true,
                    .up = !links[i].down,
                    .set_shape = links[i].shaped,
                    .rate_bps = links[i].rate_bps,
                    .delay_us = links[i].delay_us,
                    .buffer_us = l->buffer_us,
                };
                int e2 =
                    netlink_control_link(u->netns[node], l->end[e].ifname, &c);
                error = error ? error : e2;
            }
        }
    }
    state_links_free(links, n);
    return error;
}

/* The bridge ports of the links made again (on bridges that were not lost
 * themselves: those are made again with their ports) taken by the switch
 * in place of the interfaces it had open (switch reattach_port), and the
 * tunnel ports of the remote ones by the tunnel (tunnel reattach_port). */
static int
reattach_ports(struct heal *h)
{
    struct up *u = h->u;
    const struct mi_plan *p = u->p;
    int error = 0;
    bool said = false;

    for (size_t i = 0; u->sw && i < p->n_links; i++) {
        const struct mi_link *l = &p->links[i];
        for (int e = 0; h->link_made[i] && e < 2; e++) {
            int b = l->end[e].bridge;
            if (b < 0 || l->server[e] != u->server || !l->peer[e] ||
                (h->seen.bridge_missing && h->seen.bridge_missing[b])) {
                continue;
            }
            if (!backend_has(u->sw, SW_REATTACH_PORT)) {
                if (!said) {
                    log_warn("switch plugin %s cannot attach a port made "
                             "again: traffic through %s may not flow until "
                             "the switch is restarted",
                             u->sw->name, l->peer[e]);
                    said = true;
                }
                continue;
            }
            char *dir = state_switch_dir(u->rec);
            int e2 =
                sw_reattach_port(u->sw, dir, p->bridges[b].name, l->peer[e]);
            free(dir);
            if (!e2) {
                log_debug("%s: port %s attached again", p->bridges[b].name,
                          l->peer[e]);
            }
            error = error ? error : e2;
        }
    }
    for (size_t i = 0; u->tun && i < p->n_links; i++) {
        const struct mi_link *l = &p->links[i];
        for (int e = 0; h->link_made[i] && l->remote && e < 2; e++) {
            if (l->server[e] != u->server || !l->tunnel_port[e]) {
                continue;
            }
            if (!backend_has(u->tun, TUN_REATTACH_PORT)) {
                log_warn("tunnel plugin %s cannot attach a port made again: "
                         "traffic through %s may not flow until `down`, "
                         "then `up --restore`",
                         u->tun->name, l->tunnel_port[e]);
                continue;
            }
            char *dir = state_tunnel_dir(u->rec);
            int e2 = tun_reattach_port(u->tun, dir, l->tunnel_port[e]);
            free(dir);
            if (!e2) {
                log_debug("tunnel port %s attached again", l->tunnel_port[e]);
            }
            error = error ? error : e2;
        }
    }
    return error;
}

/* The bridges the switch lost, made again with their ports: the switch's
 * build() on the plan restricted to them (every other bridge, and the
 * ends on it, placed on no server). */
static int
remake_bridges(struct heal *h)
{
    struct up *u = h->u;
    const struct mi_plan *p = u->p;
    const bool *missing = h->seen.bridge_missing;
    struct mi_plan sub = *p;
    struct mi_bridge *bridges = xcalloc(p->n_bridges + 1, sizeof *bridges);
    struct mi_link *links = xcalloc(p->n_links + 1, sizeof *links);

    memcpy(bridges, p->bridges, p->n_bridges * sizeof *bridges);
    memcpy(links, p->links, p->n_links * sizeof *links);
    for (size_t b = 0; b < p->n_bridges; b++) {
        if (!missing[b]) {
            bridges[b].server = UINT_MAX;
        }
    }
    for (size_t l = 0; l < p->n_links; l++) {
        for (int e = 0; e < 2; e++) {
            if (links[l].end[e].bridge >= 0 &&
                !missing[links[l].end[e].bridge]) {
                links[l].server[e] = UINT_MAX;
            }
        }
    }
    sub.bridges = bridges;
    sub.bridge_size = sizeof *bridges;
    sub.links = links;
    sub.link_size = sizeof *links;
    int error = sw_build(u->sw, &sub, u->server);
    free(bridges);
    free(links);
    return error;
}

/* Repairs what the look found missing or dead, one line each. */
static int
repair(struct heal *h, size_t *n_repaired)
{
    struct up *u = h->u;
    const struct mi_plan *p = u->p;
    bool *remade = xcalloc(p->n_nodes + 1, sizeof *remade);
    int status = EXIT_OK;

    *n_repaired = 0;
    for (size_t i = 0; i < h->n_d; i++) {
        if (h->d[i].kind == DAMAGE_NODE) {
            h->remake[h->n_remake++] = h->d[i].index;
            remade[h->d[i].index] = true;
        }
    }
    int error =
        workers_run(h->n_remake, u->s->opts.jobs, remake_node, h, NULL, NULL);
    if (!error) {
        error = find_netns(u);
    }
    size_t n_links = 0;
    if (!error) {
        error = remake_links(h, &n_links);
    }
    if (!error && n_links && u->tun) {
        char *dir = state_tunnel_dir(u->rec);
        error = access(dir, F_OK) == 0 ? tun_reassert(u->tun, dir) : 0;
        free(dir);
    }
    if (!error) {
        error = reconfigure(h, remade);
    }
    if (!error) {
        error = reattach_ports(h);
    }
    bool bridges_made = false;
    for (size_t i = 0; i < h->n_d && !error && !bridges_made; i++) {
        if (h->d[i].kind == DAMAGE_BRIDGE) {
            error = remake_bridges(h);
            bridges_made = !error;
        }
    }
    if (error) {
        status = EXIT_FAILED;
    }
    for (size_t i = 0; i < h->n_d; i++) {
        const struct damage *d = &h->d[i];
        const struct mi_node *n = &p->nodes[d->index];
        switch (d->kind) {
        case DAMAGE_NODE:
            if (error) {
                break;
            }
            log_info("%s: was missing: made again", n->name);
            (*n_repaired)++;
            if (frrconf_daemons(p, d->index)[0]) {
                int s2 = network_heal_router(u->s, u->rec, d->index, true,
                                             "started in the node made again",
                                             NULL);
                status = s2 != EXIT_OK ? EXIT_FAILED : status;
            } else if (network_restore_node(u->s, u->rec, n->name, NULL) !=
                       EXIT_OK) {
                status = EXIT_FAILED;
            }
            break;
        case DAMAGE_FRR: {
            char why[300];
            snprintf(why, sizeof why, "was not running (%s): restarted",
                     h->seen.nodes[d->index].dead);
            if (network_heal_router(u->s, u->rec, d->index, false, why,
                                    NULL) != EXIT_OK) {
                status = EXIT_FAILED;
            }
            (*n_repaired)++;
            break;
        }
        case DAMAGE_LINK:
            if (!d->by_node && h->link_made[d->index] && !error) {
                log_info("%s: made again", d->what);
                (*n_repaired)++;
            }
            break;
        case DAMAGE_SWITCH:
            break; /* started again by heal(), before the look */
        case DAMAGE_SSHD:
        case DAMAGE_OUTSIDE:
        case DAMAGE_FORWARD:
        case DAMAGE_VLAN:
            break; /* by the access phase, after the repairs: heal() */
        case DAMAGE_BRIDGE:
            if (bridges_made) {
                log_info("%s: made again, with its ports", d->what);
                (*n_repaired)++;
            }
            break;
        }
    }
    /* A host's interfaces made again (its node was not): the students'
     * addresses on them and routes through them, as the newest snapshot
     * holds them, put back; its other interfaces left as they are. */
    for (size_t k = 0; k < u->n_nodes && !error; k++) {
        size_t node = u->nodes[k];
        enum mi_node_kind kind = p->nodes[node].kind;
        if (remade[node] || !h->node_touch[node] ||
            (kind != MI_NODE_HOST && kind != MI_NODE_L2HOST)) {
            continue;
        }
        const char **names = xcalloc(u->n_attach[node] + 1, sizeof *names);
        size_t n = 0;
        for (size_t a = 0; a < u->n_attach[node]; a++) {
            const struct attach *at = &u->attach[node][a];
            if (h->link_made[at->link]) {
                names[n++] = p->links[at->link].end[at->end].ifname;
            }
        }
        if (n && network_restore_host_ifs(u->s, u->rec, p->nodes[node].name,
                                          names, n) != EXIT_OK) {
            status = EXIT_FAILED;
        }
        free(names);
    }
    free(remade);
    return status;
}

/* Whether the switch VLAN agent now serves the group whose proxy is plan
 * node `node` (its groups file names the AS). */
static bool
vlan_served(const struct up *u, const struct access_plan *ap, size_t node)
{
    const struct access_group *g = access_sshd_group(ap, node);

    return g && vlan_agent_serves(u->rec->dir, g->asn) == 1;
}

/* `up` on a network that is up with the same plan: what the record and
 * the plan say is here and is missing or dead, repaired. */
static int
heal(struct up *u)
{
    const struct mi_plan *p = u->p;
    struct heal h = {.u = u};
    char *switch_dir = state_switch_dir(u->rec);
    int status = EXIT_OK;

    collect(u);
    /* A switch daemon that died: started again (its database keeps the
     * bridges and ports). */
    char dead[64] = "";
    if (u->sw && p->n_bridges && access(switch_dir, F_OK) == 0) {
        sw_dead_daemons(u->sw, switch_dir, dead, sizeof dead);
        if (sw_start(u->sw, switch_dir)) {
            log_error("network %s is up, and its switch could not be "
                      "started again (see above)",
                      p->name);
            status = EXIT_FAILED;
        } else if (dead[0]) {
            log_info("switch daemons dead: %s: started again", dead);
        }
    }
    damage_seen_init(&h.seen, p);
    h.seen.tun_ends = u->tun_ends;
    workers_run(u->n_nodes, u->s->opts.jobs * 4, look_node, &h, NULL, NULL);
    damage_look_root(u->sw, switch_dir, p, u->server, &h.seen);
    const struct access_plan *ap = plan_access(u->s->plan);
    damage_look_access(p, ap, u->server, &h.seen);
    damage_look_vlan(u->rt, u->sw, u->rec, p, ap, u->server, &h.seen);
    h.n_d = damage_find(p, ap, u->server, &h.seen, &h.d);
    h.remake = xcalloc(p->n_nodes + 1, sizeof *h.remake);
    h.link_made = xcalloc(p->n_links + 1, sizeof *h.link_made);
    h.node_touch = xcalloc(p->n_nodes + 1, sizeof *h.node_touch);

    size_t repaired = 0, n_damaged = 0;
    for (size_t i = 0; i < h.n_d; i++) {
        n_damaged += !h.d[i].by_node; /* repaired with its node */
    }
    if (h.n_d) {
        for (size_t i = 0; i < h.n_d; i++) {
            log_debug("damage: %s", h.d[i].what);
        }
        int r = repair(&h, &repaired);
        status = r != EXIT_OK ? r : status;
    }
    /* A restart of the software the tunnels live in (Open vSwitch) may
     * have lost part of them since: put back. */
    char *tunnel_dir = state_tunnel_dir(u->rec);
    if (u->tun && access(tunnel_dir, F_OK) == 0 &&
        tun_reassert(u->tun, tunnel_dir)) {
        log_error("network %s is up, and its tunnels could not be put back "
                  "as they were (see above)",
                  p->name);
        status = EXIT_FAILED;
    }
    free(tunnel_dir);
    free(switch_dir);
    /* Student access, installed again whole (create-or-replace): a proxy
     * or device made again gets its files, its sshd and the outside link;
     * an sshd a student killed is started again; the port forward is
     * loaded again.  What damage.c found of it is repaired so. */
    if (status == EXIT_OK && ap) {
        if (network_access_install(u->s, u->rec) ||
            network_vlan_start(u->s, u->rec)) {
            log_error("network %s is up, and its student access could not "
                      "be put back (see above)",
                      p->name);
            status = EXIT_FAILED;
        } else {
            for (size_t i = 0; i < h.n_d; i++) {
                enum damage_kind k = h.d[i].kind;
                if (k == DAMAGE_VLAN && !vlan_served(u, ap, h.d[i].index)) {
                    log_warn("student access not repaired: %s (the agent "
                             "left the group out: above)",
                             h.d[i].what);
                } else if (k == DAMAGE_SSHD || k == DAMAGE_OUTSIDE ||
                           k == DAMAGE_FORWARD || k == DAMAGE_VLAN) {
                    log_info("student access repaired: %s", h.d[i].what);
                    repaired++;
                }
            }
        }
    } else if (!ap && network_vlan_stop(u->rec)) {
        /* No student access in the topology any more: an agent left by
         * an `up` of the old one would serve the old plan. */
        log_error("network %s is up, and the switch VLAN agent of its "
                  "former student access could not be stopped (above)",
                  p->name);
        status = EXIT_FAILED;
    }
    if (h.n_d) {
        log_info("network %s is up (%zu nodes here); repaired %zu of %zu "
                 "damaged (above)",
                 p->name, u->rec->n_nodes, repaired, n_damaged);
    } else if (status == EXIT_OK) {
        log_info("network %s is up already (%zu nodes here); nothing to do",
                 p->name, u->rec->n_nodes);
    }
    damage_free(h.d, h.n_d);
    damage_seen_free(&h.seen, p);
    free(h.remake);
    free(h.link_made);
    free(h.node_touch);
    up_free(u);
    return status;
}

/* An earlier `up` that did not finish (killed, or failed) left an
 * incomplete record: written ahead, it lists everything that `up` made, so
 * this one removes that as `down` does (the persistent directory stays)
 * and then builds afresh.  Only with the plugins the record names: others
 * could not remove what it lists. */
static int
take_over(struct session *s)
{
    const struct state *st = s->record;
    const struct state_lock_holder *dead = &s->net_lock_previous;

    for (int k = 0; k < MI_PLUGIN_KIND_COUNT; k++) {
        const char *was = st->plugin[k], *now = s->active[k].name;
        if (was && (!now || strcmp(was, now) != 0)) {
            log_error("an earlier `up` of network %s did not finish, made "
                      "with %s plugin '%s'; this `up` uses %s: run "
                      "`miniinet -c %s down` first",
                      st->network,
                      plugin_kind_name((enum mi_plugin_kind)(k + 1)), was,
                      now ? now : "none", s->opts.config);
            return EXIT_FAILED;
        }
    }
    if (dead->pid && !strcmp(dead->op, "up")) {
        log_info("an earlier `up` of network %s (pid %ld) did not finish: "
                 "removing what it made, then building",
                 st->network, dead->pid);
    } else {
        log_info("an earlier `up` of network %s did not finish: removing "
                 "what it made, then building",
                 st->network);
    }
    int status = network_remove_recorded(s, s->record, "up");
    if (status == EXIT_OK) {
        state_destroy(s->record);
        free(s->record);
        s->record = NULL;
    }
    return status;
}

/* Checks that a network recorded as up is the one the plan describes. */
static int
already_up(struct up *u, const struct state *st)
{
    const char *file = u->s->opts.config;
    char *fp = fingerprint(u->s);
    bool same = st->fingerprint && !strcmp(fp, st->fingerprint);
    free(fp);
    if (!same) {
        log_error("network %s is up with another plan (the topology "
                  "changed); run `miniinet -c %s down`, then `up`",
                  u->p->name, file);
        return EXIT_FAILED;
    }
    return heal(u);
}

static int
build(struct up *u)
{
    char *switch_dir = state_switch_dir(&u->st);
    const char *phase = "switch";
    const char *links = getenv("MINIINET_FRR_LINKS");
    int error = 0;

    /* Routers' links are up as they are made, so that each router
     * converges with those before it while the later ones start.  With
     * MINIINET_FRR_LINKS=held (bench/up.sh FRR_LINKS=held) they stay down
     * until the FRR phase has ended (also when it failed), then go up at
     * once: measured on class-60, that converges later for more CPU
     * (README, class-60), and stays only to compare the two. */
    u->hold = links && !strcmp(links, "held");

    if (u->sw && u->p->n_bridges) {
        progress_phase("switch", 0);
        error = mkdir(switch_dir, 0755) && errno != EEXIST ? -errno : 0;
        if (!error) {
            error = sw_start(u->sw, switch_dir);
        }
        if (!error) {
            error = sw_clear_leftovers(u->sw, switch_dir, u->p, u->server,
                                       &u->n_leftovers);
        }
        if (!error && check_bridges(u, switch_dir)) {
            free(switch_dir);
            progress_end();
            return -EEXIST; /* the caller undoes the record */
        }
        progress_end();
    }
    if (u->n_leftovers) {
        log_info("network %s had no record here: removed %zu thing%s an "
                 "earlier run of it left (a reboot keeps them)",
                 u->p->name, u->n_leftovers, u->n_leftovers == 1 ? "" : "s");
    }
    if (!error) {
        error = record_items(u);
    }
    if (!error) {
        /* Written ahead, like the record: until a restore puts their work
         * back, the routers, hosts and switches a snapshot holds are marked
         * before `up` gives them its configuration, addresses and VLANs,
         * so that no `save` stores those over their work.  A router whose
         * mark cannot be written is not started. */
        u->unmarked =
            xcalloc(u->st.n_nodes + u->st.n_bridges + 1, sizeof *u->unmarked);
        u->n_unmarked =
            network_snapshot_marks(u->s, &u->st, u->s->opts.restore,
                                   u->unmarked, &u->snapshots_unreadable);
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
        /* Not started: a router whose mark could not be written. */
        size_t n = 0;
        for (size_t k = 0; k < u->n_frr; k++) {
            const char *name = u->p->nodes[u->frr_nodes[k]].name;
            bool skip = false;
            for (size_t i = 0; i < u->st.n_nodes && !skip; i++) {
                skip = u->unmarked[i] && !strcmp(u->st.nodes[i].name, name);
            }
            if (skip) {
                log_error("%s: FRR not started: its mark could not be "
                          "written (above), and `up`'s configuration would "
                          "be saved over its students' work; `up` again "
                          "starts it from its snapshot",
                          name);
            } else {
                u->frr_nodes[n++] = u->frr_nodes[k];
            }
        }
        u->n_frr = n;
    }
    bool configured = !error;
    if (!error) {
        phase = "frr";
        error = run_phase(u, phase, u->n_frr, start_frr);
    }
    if (configured && u->hold) {
        /* Also when a router's FRR failed: the others' links as they
         * would be without holding. */
        int e = run_phase(u, "raise", u->n_nodes, raise_node);
        phase = error ? phase : "links up";
        error = error ? error : e;
    }
    if (!error && plan_access(u->s->plan)) {
        phase = "student access";
        progress_phase("access", 0);
        error = network_access_install(u->s, &u->st);
        if (!error) {
            error = network_vlan_start(u->s, &u->st);
        }
        progress_end();
    }
    free(switch_dir);
    if (error) {
        log_error("up failed while making the %s; `miniinet -c %s down` "
                  "removes everything it made (`up` again does that first)",
                  phase, u->s->opts.config);
        return error;
    }
    error = state_mark_complete(&u->st);
    u->s->built = !error;
    if (!error && u->n_unmarked) {
        log_error("network %s: %zu mark%s could not be written (above): "
                  "`save` could store what `up` gave %s over the students' "
                  "work",
                  u->p->name, u->n_unmarked, util_plural(u->n_unmarked),
                  u->n_unmarked == 1 ? "it" : "them");
        return -EIO;
    }
    if (!error && u->snapshots_unreadable) {
        log_error("network %s: up, but its snapshots directory cannot be "
                  "opened (above): every object marked",
                  u->p->name);
        return -EIO;
    }
    return error;
}

int
network_up(struct session *s)
{
    struct up u = {.s = s, .p = plan_view(s->plan)};

    u.rec = &u.st;
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
    if (s->record && !s->record->complete && take_over(s) != EXIT_OK) {
        return EXIT_FAILED;
    }
    if (s->record) {
        u.rec = s->record;
        return already_up(&u, s->record);
    }

    progress_init();
    collect(&u);
    int status = check_impairments(&u);
    /* The runtime's own checks (cgroup controllers, images), as preflight
     * makes them on every server of a multi-server network. */
    if (status == EXIT_OK && u.rt &&
        plugin_check_server(u.rt, u.p, u.server)) {
        log_error("runtime %s cannot run this network here (see above)",
                  u.rt->name);
        status = EXIT_FAILED;
    }
    /* The access ports, as preflight checks them (before anything is
     * changed: clear_leftovers() removes). */
    if (status == EXIT_OK) {
        status = network_check_ports(s, NULL, NULL);
    }
    if (status == EXIT_OK) {
        status = clear_leftovers(&u);
    }
    if (status == EXIT_OK) {
        status = check_conflicts(&u);
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
