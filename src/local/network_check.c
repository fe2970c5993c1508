/* `status` and `check`: looking at a running network. */
#include "config.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "damage.h"
#include "frrconf.h"
#include "icmp.h"
#include "log.h"
#include "netlink.h"
#include "network.h"
#include "snapshot.h"
#include "state.h"
#include "util.h"
#include "valley.h"
#include "workers.h"

struct look {
    struct session *s;
    const struct state *st; /* the network's record: node directories */
    const struct mi_plan *p;
    unsigned server;
    const struct active_plugin *rt;
};

/* ------------------------------------------------------------------------ */
/* BGP sessions                                                             */

static bool
as_configured(const struct mi_plan *p, unsigned asn)
{
    for (size_t i = 0; i < p->n_ases; i++) {
        if (p->ases[i].asn == asn) {
            return p->ases[i].configured || p->ases[i].ixp;
        }
    }
    return false;
}

/* The sessions the plan's configuration sets up for `node` and expects to
 * be established: both ends preconfigured. */
static unsigned
expected_sessions(const struct mi_plan *p, size_t node)
{
    const struct mi_node *n = &p->nodes[node];
    unsigned count = 0;

    if (!as_configured(p, n->asn)) {
        return 0;
    }
    if (n->kind == MI_NODE_ROUTER) {
        count += p->ases[n->as_index].n_routers - 1; /* iBGP mesh */
    }
    for (size_t i = 0; i < p->n_links; i++) {
        const struct mi_link *l = &p->links[i];
        if (l->kind == MI_LINK_EXTERNAL) {
            for (int e = 0; e < 2; e++) {
                if (l->end[e].node == (int)node &&
                    as_configured(p, p->nodes[l->end[!e].node].asn)) {
                    count++;
                }
            }
        } else if (l->kind == MI_LINK_IXP) {
            /* A member's link to the IXP LAN: one session between the
             * member and the route server (whose own link is one too). */
            const struct mi_node *member = &p->nodes[l->end[0].node];
            if (member->kind != MI_NODE_ROUTER) {
                continue;
            }
            if (l->end[0].node == (int)node ||
                (n->kind == MI_NODE_ROUTESERVER &&
                 p->bridges[l->end[1].bridge].asn == n->asn &&
                 as_configured(p, member->asn))) {
                count++;
            }
        }
    }
    return count;
}

/* How long a router's vtysh has to answer `status` and `check` (a few ms
 * when FRR answers; a stopped daemon makes vtysh wait forever), and how
 * much it may print: then it is killed and the router reported. */
#define CHECK_VTYSH_TIMEOUT_MS 5000
#define CHECK_VTYSH_MAX_OUT (4u << 20)

/* Runs vtysh in router `name`, bounded: its output in *text (NULL unless
 * it exited 0).  A router whose vtysh did not answer in time, or printed
 * too much, is named with what it means for `what`. */
static int
vtysh_bounded(const struct look *lk, const char *name, const char **argv,
              char **text, const char *what)
{
    char *dir = state_node_dir(lk->st, name);
    int status = rt_run_bounded(lk->rt, name, dir, argv, text,
                                CHECK_VTYSH_TIMEOUT_MS, CHECK_VTYSH_MAX_OUT);
    free(dir);
    if (status == -ETIMEDOUT || status == -EFBIG) {
        char buf[128];
        log_warn("%s: vtysh %s: %s unknown", name,
                 rt_run_failure(status, CHECK_VTYSH_TIMEOUT_MS,
                                CHECK_VTYSH_MAX_OUT, buf, sizeof buf),
                 what);
    }
    if (status != 0) {
        free(*text);
        *text = NULL;
    }
    return status;
}

struct bgp {
    unsigned up, configured;
    bool answered;
};

static int
count_sessions(const struct look *lk, const char *name, struct bgp *out)
{
    const char *argv[] = {"vtysh", "-N", name, "-c", "show bgp summary json",
                          NULL};
    char *text = NULL;
    int status = vtysh_bounded(lk, name, argv, &text, "its BGP sessions");

    memset(out, 0, sizeof *out);
    if (status == 0 && text) {
        json_object *root = json_tokener_parse(text);
        json_object *af, *peers;
        out->answered = root != NULL;
        if (root && json_object_object_get_ex(root, "ipv4Unicast", &af) &&
            json_object_object_get_ex(af, "peers", &peers)) {
            json_object_object_foreach(peers, key, peer)
            {
                json_object *state;
                (void)key;
                out->configured++;
                if (json_object_object_get_ex(peer, "state", &state) &&
                    !strcmp(json_object_get_string(state), "Established")) {
                    out->up++;
                }
            }
        }
        json_object_put(root);
    }
    free(text);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* status                                                                   */

struct node_status {
    struct damage_node_seen seen; /* exists, interfaces, dead daemons */
    struct bgp bgp;
    unsigned expected;
    char handle[256]; /* the runtime's describe_node; "" when none */
};

/* Sessions counted as up: at most the expected ones (a session the plan does
 * not expect, e.g. one a student added, does not make up for a missing one).
 */
static unsigned
sessions_up(unsigned established, unsigned expected)
{
    return established < expected ? established : expected;
}

struct status_run {
    struct look lk;
    size_t *nodes;
    struct node_status *st;
};

static int
status_node(size_t k, void *r_)
{
    struct status_run *r = r_;
    size_t node = r->nodes[k];
    const char *name = r->lk.p->nodes[node].name;
    struct node_status *ns = &r->st[k];
    ns->expected = expected_sessions(r->lk.p, node);
    damage_look_node(r->lk.rt, r->lk.st, name, frrconf_daemons(r->lk.p, node),
                     access_sshd_group(plan_access(r->lk.s->plan), node) !=
                         NULL,
                     &ns->seen);
    if (!ns->seen.exists) {
        return 0;
    }
    /* What the runtime knows the node as, for `status --json`. */
    char *dir = state_node_dir(r->lk.st, name);
    if (rt_describe_node(r->lk.rt, name, dir, ns->handle, sizeof ns->handle)) {
        ns->handle[0] = '\0';
    }
    free(dir);
    enum mi_node_kind kind = r->lk.p->nodes[node].kind;
    if (kind == MI_NODE_ROUTER || kind == MI_NODE_ROUTESERVER) {
        count_sessions(&r->lk, name, &ns->bgp);
    }
    return 0;
}

static bool
look_init(struct look *lk, struct session *s)
{
    lk->s = s;
    lk->st = s->record;
    lk->p = plan_view(s->plan);
    lk->server = s->server;
    if (!lk->st) {
        log_error("network %s is not up (no record in %s)", lk->p->name,
                  state_rundir());
        return false;
    }
    lk->rt = session_plugin(s, MI_PLUGIN_RUNTIME);
    return true;
}

/* One node's interfaces as the reply carries them. */
static void
interfaces_reply(const struct node_status *ns, struct wire_node *w)
{
    w->n_interfaces = ns->seen.n_ifs;
    w->interfaces = xcalloc(ns->seen.n_ifs + 1, sizeof *w->interfaces);
    for (size_t i = 0; i < ns->seen.n_ifs; i++) {
        const struct if_status *is = &ns->seen.ifs[i];
        struct wire_interface *wi = &w->interfaces[i];
        wi->name = xstrdup(is->name);
        wi->up = is->up;
        wi->n_addresses = is->n_addr;
        wi->addresses = xcalloc(is->n_addr + 1, sizeof *wi->addresses);
        for (size_t a = 0; a < is->n_addr; a++) {
            char buf[64];
            plan_format_addr(&is->addr[a], true, buf, sizeof buf);
            wi->addresses[a] = xstrdup(buf);
        }
    }
}

/* What `miniinet link` set on the interfaces of this server, from the
 * links file (state.h). */
static void
links_reply(const struct state *st, struct wire_status *ws)
{
    struct state_link *links = NULL;
    size_t n = 0;

    if (state_links_load(st, &links, &n)) {
        return; /* reported; the kernel's view is still shown */
    }
    for (size_t i = 0; i < n; i++) {
        const struct state_link *l = &links[i];
        for (size_t k = 0; k < ws->n_nodes; k++) {
            struct wire_node *w = &ws->nodes[k];
            for (size_t f = 0;
                 strcmp(w->name, l->node) == 0 && f < w->n_interfaces; f++) {
                struct wire_interface *wi = &w->interfaces[f];
                if (strcmp(wi->name, l->ifname) != 0) {
                    continue;
                }
                free(wi->link);
                wi->link = l->shaped
                               ? xasprintf("%srate %llu bit/s delay %u us",
                                           l->down ? "down, " : "",
                                           (unsigned long long)l->rate_bps,
                                           (unsigned)l->delay_us)
                               : xstrdup("down");
            }
        }
    }
    state_links_free(links, n);
}

/* What is missing or dead (damage.c, the comparison `up` repairs from):
 * one line each, and the nodes it concerns marked. */
static void
damage_reply(const struct status_run *r, size_t n, struct wire_status *ws)
{
    const struct mi_plan *p = r->lk.p;
    const struct active_plugin *sw = session_plugin(r->lk.s, MI_PLUGIN_SWITCH);
    const struct active_plugin *tun =
        session_plugin(r->lk.s, MI_PLUGIN_TUNNEL);
    struct damage_seen seen;
    struct damage *d;

    damage_seen_init(&seen, p);
    seen.tun_ends = tun && tun_makes_ends(tun);
    for (size_t k = 0; k < n; k++) {
        seen.nodes[r->nodes[k]] = r->st[k].seen; /* borrowed */
    }
    char *switch_dir = state_switch_dir(r->lk.st);
    damage_look_root(sw, switch_dir, p, r->lk.server, &seen);
    free(switch_dir);
    const struct access_plan *ap = plan_access(r->lk.s->plan);
    damage_look_access(p, ap, r->lk.server, &seen);
    damage_look_vlan(r->lk.rt, sw, r->lk.st, p, ap, r->lk.server, &seen);
    size_t n_d = damage_find(p, ap, r->lk.server, &seen, &d);
    ws->damage = xcalloc(n_d + 1, sizeof *ws->damage);
    for (size_t i = 0; i < n_d; i++) {
        ws->damage[ws->n_damage++] = xstrdup(d[i].what);
        for (size_t k = 0; k < n; k++) {
            size_t node = r->nodes[k];
            bool hit =
                d[i].kind == DAMAGE_LINK
                    ? p->links[d[i].index].end[0].node == (int)node ||
                          p->links[d[i].index].end[1].node == (int)node
                    : (d[i].kind == DAMAGE_NODE || d[i].kind == DAMAGE_FRR ||
                       d[i].kind == DAMAGE_SSHD ||
                       d[i].kind == DAMAGE_OUTSIDE ||
                       d[i].kind == DAMAGE_VLAN) &&
                          d[i].index == node;
            ws->nodes[k].damaged |= hit;
        }
    }
    damage_free(d, n_d);
    for (size_t k = 0; k < n; k++) {
        seen.nodes[r->nodes[k]] = (struct damage_node_seen){0};
    }
    damage_seen_free(&seen, p);
}

/* This server's `status` reply from what status_node() found. */
static void
status_reply(const struct status_run *r, size_t n, struct wire_status *ws)
{
    const struct mi_plan *p = r->lk.p;

    ws->network = xstrdup(p->name);
    ws->server = xstrdup(p->servers[r->lk.server].name);
    ws->complete = r->lk.st->complete;
    ws->n_nodes = n;
    ws->nodes = xcalloc(n + 1, sizeof *ws->nodes);
    for (size_t k = 0; k < n; k++) {
        const struct mi_node *node = &p->nodes[r->nodes[k]];
        const struct node_status *ns = &r->st[k];
        struct wire_node *w = &ws->nodes[k];
        w->name = xstrdup(node->name);
        w->kind = xstrdup(state_kind_name(node->kind));
        w->server = xstrdup(p->servers[node->server].name);
        w->up = ns->seen.exists;
        w->handle = ns->handle[0] ? xstrdup(ns->handle) : NULL;
        interfaces_reply(ns, w);
        w->bgp =
            node->kind == MI_NODE_ROUTER || node->kind == MI_NODE_ROUTESERVER;
        w->established = ns->bgp.up;
        w->expected = ns->expected;
    }
    links_reply(r->lk.st, ws);
    damage_reply(r, n, ws);
    /* The routers marked as not running their students' saved
     * configuration, the hosts and switches marked as not having their
     * saved addresses and VLANs (state_mark_get()). */
    const struct state *st = r->lk.st;
    ws->not_restored =
        xcalloc(n + st->n_bridges + 1, sizeof *ws->not_restored);
    for (size_t k = 0; k < n + st->n_bridges; k++) {
        /* A switch with `up`'s VLANs, or a node (its kind's key: route
         * server 80_IXP and IXP bridge 80_IXP have a mark each). */
        const char *name =
            k >= n ? st->bridges[k - n] : p->nodes[r->nodes[k]].name;
        char *key = state_mark_key(st, name, k >= n);
        char *mark = key ? state_mark_get(st, key) : NULL;
        free(key);
        if (mark) {
            ws->not_restored[ws->n_not_restored++] =
                xasprintf("%s: %s", name, mark);
            free(mark);
        }
    }
}

void
status_print(const struct wire_status *ws)
{
    size_t n_up = 0;
    unsigned bgp_up = 0, bgp_expected = 0;

    printf("network %s (%s)%s\n", ws->network, ws->server,
           ws->complete ? "" : " -- up did not finish");
    printf("%-24s %-11s %-7s %-9s %s\n", "NODE", "KIND", "STATE", "BGP",
           "INTERFACES");
    for (size_t k = 0; k < ws->n_nodes; k++) {
        const struct wire_node *w = &ws->nodes[k];
        char bgp[32] = "-";
        n_up += w->up;
        if (w->bgp) {
            snprintf(bgp, sizeof bgp, "%u/%u", w->established, w->expected);
            bgp_up += sessions_up(w->established, w->expected);
            bgp_expected += w->expected;
        }
        printf("%-24s %-11s %-7s %-9s", w->name, w->kind,
               !w->up       ? "MISSING"
               : w->damaged ? "DAMAGED"
                            : "up",
               bgp);
        for (size_t i = 0; i < w->n_interfaces; i++) {
            if (strcmp(w->interfaces[i].name, "lo") != 0) {
                const struct wire_interface *wi = &w->interfaces[i];
                printf(" %s%s", wi->name, wi->up ? "" : "(down)");
                if (wi->link) {
                    printf("[link: %s]", wi->link);
                }
            }
        }
        putchar('\n');
    }
    for (size_t i = 0; i < ws->n_damage; i++) {
        printf("damaged: %s\n", ws->damage[i]);
    }
    for (size_t i = 0; i < ws->n_not_restored; i++) {
        /* "NAME: displaced: ...": runs its saved state, the work it had
         * while marked only in a snapshot's side file (state.h). */
        if (strstr(ws->not_restored[i], ": " STATE_MARK_DISPLACED)) {
            printf("displaced: %s\n", ws->not_restored[i]);
            continue;
        }
        printf("not restored: %s -- `miniinet restore` puts its students' "
               "work back, or `save --force` keeps what runs; each `save` "
               "keeps what runs beside it, FILE.running (`snapshots`: "
               "\"marked, what ran\")\n",
               ws->not_restored[i]);
    }
    printf("%zu nodes up, %zu missing; BGP sessions %u/%u established%s%s\n",
           n_up, ws->n_nodes - n_up, bgp_up, bgp_expected,
           ws->n_damage ? "; damaged (above): `up` repairs it" : "",
           ws->n_not_restored ? "; marked (above)" : "");
}

int
network_status(struct session *s)
{
    struct status_run r = {0};

    if (!look_init(&r.lk, s)) {
        return EXIT_FAILED;
    }
    const struct mi_plan *p = r.lk.p;
    r.nodes = xcalloc(p->n_nodes + 1, sizeof *r.nodes);
    size_t n = 0;
    for (size_t i = 0; i < p->n_nodes; i++) {
        if (p->nodes[i].server == r.lk.server) {
            r.nodes[n++] = i;
        }
    }
    r.st = xcalloc(n + 1, sizeof *r.st);
    workers_run(n, s->opts.jobs * 4, status_node, &r, NULL, NULL);

    struct wire_status ws = {0};
    status_reply(&r, n, &ws);
    ws.cpu_seconds = util_cpu_seconds(); /* for a master's dashboard */
    if (s->opts.json) {
        wire_print(wire_status_encode(&ws), true);
    } else {
        status_print(&ws);
        snapshot_pins_say(s->network);
    }
    bool ok = wire_status_ok(&ws);
    for (size_t k = 0; k < n; k++) {
        free(r.st[k].seen.ifs);
    }
    wire_status_free(&ws);
    free(r.nodes);
    free(r.st);
    return ok ? EXIT_OK : EXIT_FAILED;
}

/* ------------------------------------------------------------------------ */
/* check                                                                    */

/* Rounds of echo requests, and how long each waits for replies: a pair
 * that answers none of three is unreachable; the matrix takes 3 s at most. */
#define PROBE_ROUNDS 3
#define PROBE_WAIT_MS 1000

struct check_run {
    struct look lk;
    struct check_hosts h;
    size_t *src; /* the hosts on this server: indices into h */
    size_t n_src;
    struct icmp_probe *probes;
    size_t *target; /* per probe: its target, an index into h */
    size_t n_probes;
};

/* From every host here to every host of the network, in-process (icmp.c):
 * hosts on other servers are reached through the tunnels. */
static void
run_probes(struct check_run *r)
{
    const struct check_hosts *h = &r->h;
    char **paths = xcalloc(h->n + 1, sizeof *paths);

    r->src = xcalloc(h->n + 1, sizeof *r->src);
    for (size_t i = 0; i < h->n; i++) {
        const struct mi_node *node = &r->lk.p->nodes[h->hosts[i]];
        if (node->server != r->lk.server) {
            continue;
        }
        char path[4096];
        if (rt_netns_path(r->lk.rt, node->name, path, sizeof path)) {
            path[0] = '\0';
        }
        /* A node without a namespace: its probes fail, reported. */
        paths[r->n_src] = xstrdup(path[0] ? path : "/nonexistent");
        r->src[r->n_src++] = i;
    }
    r->probes = xcalloc(r->n_src * h->n + 1, sizeof *r->probes);
    r->target = xcalloc(r->n_src * h->n + 1, sizeof *r->target);
    for (size_t k = 0; k < r->n_src; k++) {
        for (size_t j = 0; j < h->n; j++) {
            if (r->src[k] != j) {
                r->target[r->n_probes] = j;
                r->probes[r->n_probes++] =
                    (struct icmp_probe){.from = k, .to = h->addrs[j].ip};
            }
        }
    }
    icmp_probe((const char *const *)paths, r->n_src, r->probes, r->n_probes,
               PROBE_ROUNDS, PROBE_WAIT_MS);
    for (size_t i = 0; i < r->n_src; i++) {
        free(paths[i]);
    }
    free(paths);
}

void
check_hosts_find(const struct mi_plan *p, struct check_hosts *h)
{
    memset(h, 0, sizeof *h);
    h->hosts = xcalloc(p->n_ases + 1, sizeof *h->hosts);
    h->asns = xcalloc(p->n_ases + 1, sizeof *h->asns);
    h->addrs = xcalloc(p->n_ases + 1, sizeof *h->addrs);
    h->servers = xcalloc(p->n_ases + 1, sizeof *h->servers);
    for (size_t a = 0; a < p->n_ases; a++) {
        /* The host standing for the AS: the plan's choice (`matrix`, else
         * the AS's first host). */
        const struct mi_as *as = &p->ases[a];
        if (as->ixp || as->matrix_host < 0) {
            continue;
        }
        size_t i = (size_t)as->matrix_host;
        for (size_t l = 0; l < p->n_links; l++) {
            if (p->links[l].kind == MI_LINK_MGMT) {
                continue; /* student access's 158.AS, not the data plane */
            }
            for (int e = 0; e < 2; e++) {
                if (p->links[l].end[e].node == (int)i) {
                    h->addrs[h->n] = p->links[l].end[e].addr;
                }
            }
        }
        h->hosts[h->n] = i;
        h->asns[h->n] = as->asn;
        h->servers[h->n] = p->nodes[i].server;
        h->n++;
    }
}

void
check_hosts_free(struct check_hosts *h)
{
    free(h->hosts);
    free(h->asns);
    free(h->addrs);
    free(h->servers);
}

/* The matrix: row = from, column = to; '.' reaches, 'v' reaches over a
 * route that is not valley-free, 'X' does not, '?' not probed (its server
 * did not answer). */
static void
matrix_print(const struct mi_plan *p, const struct check_hosts *h,
             const unsigned char *cells)
{
    size_t n = h->n;

    printf("%5s", "from\\to");
    for (size_t j = 0; j < n; j++) {
        printf("%4u", h->asns[j]);
    }
    putchar('\n');
    for (size_t i = 0; i < n; i++) {
        printf("%7u", h->asns[i]);
        for (size_t j = 0; j < n; j++) {
            static const char *const shown[] = {"X", ".", "?", "v"};
            printf("%4s", i == j ? "-" : shown[cells[i * n + j]]);
        }
        putchar('\n');
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            if (i != j && cells[i * n + j] == CELL_NO) {
                char buf[32];
                plan_format_addr(&h->addrs[j], false, buf, sizeof buf);
                printf("unreachable: AS %u -> AS %u (%s -> %s %s)\n",
                       h->asns[i], h->asns[j], p->nodes[h->hosts[i]].name,
                       p->nodes[h->hosts[j]].name, buf);
            } else if (i != j && cells[i * n + j] == CELL_VALLEY) {
                printf("not valley-free: AS %u -> AS %u (the BGP route of "
                       "the router behind %s breaks the Gao-Rexford rule)\n",
                       h->asns[i], h->asns[j], p->nodes[h->hosts[i]].name);
            }
        }
    }
}

int
check_report(const struct mi_plan *p, const struct check_hosts *h,
             const unsigned char *cells, const struct wire_check *c, bool json,
             const char *note)
{
    if (json) {
        wire_print(wire_check_encode(c), true);
    } else {
        matrix_print(p, h, cells);
        printf("reachable: %u/%u pairs; BGP sessions %u/%u established%s\n",
               c->reachable, c->pairs, c->established, c->expected, note);
    }
    return wire_check_ok(c) ? EXIT_OK : EXIT_FAILED;
}

/* The planned BGP sessions of the routers and route servers here, and how
 * many of them are established. */
static void
check_bgp(const struct check_run *r, unsigned jobs, struct wire_check *c)
{
    const struct mi_plan *p = r->lk.p;
    struct status_run sr = {.lk = r->lk};
    size_t n_frr = 0;

    sr.nodes = xcalloc(p->n_nodes + 1, sizeof *sr.nodes);
    for (size_t i = 0; i < p->n_nodes; i++) {
        if (p->nodes[i].server == r->lk.server &&
            (p->nodes[i].kind == MI_NODE_ROUTER ||
             p->nodes[i].kind == MI_NODE_ROUTESERVER)) {
            sr.nodes[n_frr++] = i;
        }
    }
    sr.st = xcalloc(n_frr + 1, sizeof *sr.st);
    workers_run(n_frr, jobs * 4, status_node, &sr, NULL, NULL);
    for (size_t k = 0; k < n_frr; k++) {
        c->established += sessions_up(sr.st[k].bgp.up, sr.st[k].expected);
        c->expected += sr.st[k].expected;
        free(sr.st[k].seen.ifs);
    }
    free(sr.nodes);
    free(sr.st);
}

/* ------------------------------------------------------------------------ */
/* The Gao-Rexford colour                                                   */

/* The router a host's traffic leaves through: the other end of its host
 * link; -1 if none. */
static long
host_router(const struct mi_plan *p, size_t host)
{
    for (size_t l = 0; l < p->n_links; l++) {
        const struct mi_link *k = &p->links[l];
        for (int e = 0; k->kind == MI_LINK_HOST && e < 2; e++) {
            if (k->end[e].node == (int)host && k->end[!e].node >= 0) {
                return k->end[!e].node;
            }
        }
    }
    return -1;
}

struct valley_run {
    const struct check_run *r;
    unsigned char *broken; /* n_src x h.n: the route to AS j breaks it */
};

/* The AS path of the best of FRR's paths in `doc` (`show bgp ipv4 unicast
 * PREFIX bestpath json`: { "prefix", "paths": [ { "aspath": { "string" },
 * "bestpath": { "overall": true } } ] }), or NULL. */
static const char *
best_as_path(json_object *doc)
{
    json_object *paths, *best, *overall, *aspath, *text;
    if (!json_object_object_get_ex(doc, "paths", &paths) ||
        !json_object_is_type(paths, json_type_array)) {
        return NULL;
    }
    for (size_t i = 0; i < json_object_array_length(paths); i++) {
        json_object *path = json_object_array_get_idx(paths, i);
        if (json_object_object_get_ex(path, "bestpath", &best) &&
            json_object_object_get_ex(best, "overall", &overall) &&
            json_object_get_boolean(overall) &&
            json_object_object_get_ex(path, "aspath", &aspath) &&
            json_object_object_get_ex(aspath, "string", &text) &&
            json_object_is_type(text, json_type_string)) {
            return json_object_get_string(text);
        }
    }
    return NULL;
}

/* Row k (a host here): one vtysh in the router behind it, asking for its
 * best route to every other AS's prefix (AS.0.0.0/8), bestpath only, so
 * that the output stays a few hundred bytes per AS whatever the router's
 * table holds; each AS path judged by valley_check(). */
static int
valley_row(size_t k, void *v_)
{
    struct valley_run *v = v_;
    const struct check_run *r = v->r;
    const struct mi_plan *p = r->lk.p;
    size_t n = r->h.n, a = r->src[k];
    long router = host_router(p, r->h.hosts[a]);
    if (router < 0) {
        return 0;
    }
    const char *name = p->nodes[router].name;
    const char **argv = xcalloc(2 * n + 4, sizeof *argv);
    char **cmds = xcalloc(n + 1, sizeof *cmds);
    size_t m = 0;
    argv[m++] = "vtysh";
    argv[m++] = "-N";
    argv[m++] = name;
    for (size_t j = 0; j < n; j++) {
        if (j != a) {
            cmds[j] = xasprintf("show bgp ipv4 unicast %u.0.0.0/8 bestpath "
                                "json",
                                r->h.asns[j]);
            argv[m++] = "-c";
            argv[m++] = cmds[j];
        }
    }
    char *text = NULL;
    int status = vtysh_bounded(&r->lk, name, argv, &text,
                               "the Gao-Rexford colour of its hosts' rows");

    /* One JSON document per command, in order; "{}" for a prefix the
     * router has no route to. */
    json_tokener *tok = json_tokener_new();
    const char *pos = text ? text : "";
    for (size_t j = 0; status == 0 && j < n && *pos; j++) {
        if (j == a) {
            continue;
        }
        json_tokener_reset(tok);
        json_object *doc = json_tokener_parse_ex(tok, pos, (int)strlen(pos));
        if (!doc) {
            break; /* not FRR's JSON: nothing told */
        }
        pos += json_tokener_get_parse_end(tok);
        const char *path = best_as_path(doc);
        if (path && valley_check(p, r->h.asns[a], path) == VALLEY_BROKEN) {
            v->broken[k * n + j] = 1;
        }
        json_object_put(doc);
    }
    json_tokener_free(tok);
    free(text);
    for (size_t j = 0; j < n; j++) {
        free(cmds[j]);
    }
    free(cmds);
    free(argv);
    return 0;
}

/* The reachable pairs of this server's rows whose BGP route breaks the
 * Gao-Rexford rule, into c->valley. */
static void
check_valleys(const struct check_run *r, unsigned jobs, struct wire_check *c)
{
    size_t n = r->h.n;
    struct valley_run v = {.r = r, .broken = xcalloc(r->n_src * n + 1, 1)};

    workers_run(r->n_src, jobs * 4, valley_row, &v, NULL, NULL);
    c->valley = xcalloc(r->n_probes + 1, sizeof *c->valley);
    for (size_t k = 0; k < r->n_probes; k++) {
        size_t row = r->probes[k].from, j = r->target[k];
        if (r->probes[k].ok && v.broken[row * n + j]) {
            c->valley[c->n_valley++] =
                (struct wire_pair){r->h.asns[r->src[row]], r->h.asns[j]};
        }
    }
    free(v.broken);
}

/* This server's `check` reply: the probes from its hosts. */
static void
check_reply(const struct check_run *r, struct wire_check *c)
{
    c->network = xstrdup(r->lk.p->name);
    c->server = xstrdup(r->lk.p->servers[r->lk.server].name);
    c->pairs = (unsigned)r->n_probes;
    c->failed = xcalloc(r->n_probes + 1, sizeof *c->failed);
    for (size_t k = 0; k < r->n_probes; k++) {
        if (r->probes[k].ok) {
            c->reachable++;
        } else {
            c->failed[c->n_failed++] = (struct wire_pair){
                r->h.asns[r->src[r->probes[k].from]], r->h.asns[r->target[k]]};
        }
    }
}

int
network_check(struct session *s)
{
    struct check_run r = {0};

    if (!look_init(&r.lk, s)) {
        return EXIT_FAILED;
    }
    check_hosts_find(r.lk.p, &r.h);
    run_probes(&r);

    struct wire_check c = {0};
    check_reply(&r, &c);
    check_valleys(&r, s->opts.jobs, &c);
    check_bgp(&r, s->opts.jobs, &c);
    /* The matrix of this server's rows, as the master merges them. */
    unsigned char *cells = wire_matrix_new(&r.h);
    int status = EXIT_FAILED;
    if (wire_check_merge(&r.h, r.lk.server, &c, cells) == 0) {
        c.cpu_seconds = util_cpu_seconds(); /* for a master's dashboard */
        status = check_report(r.lk.p, &r.h, cells, &c, s->opts.json, "");
    }
    free(cells);
    wire_check_free(&c);
    check_hosts_free(&r.h);
    free(r.src);
    free(r.target);
    free(r.probes);
    return status;
}
