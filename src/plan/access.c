/* The student access plan (access.h): devices and addresses of every
 * selected AS's management network, in the plan's own order (routers,
 * L3 hosts, then switches and L2 hosts in file order). */
#include "config.h"

#include "access.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "names.h"
#include "util.h"

#define MGMT_PLEN 16
#define MGMT_PROXY_HOST 2   /* 158.N.0.2 */
#define MGMT_ROUTER_BASE 10 /* 158.N.(i+10).x */
#define MGMT_SWITCH_OCTET 100
#define MGMT_L2HOST_OCTET 200
#define MGMT_L2_FIRST 3 /* .(n+3) */

static struct mi_addr
mgmt_addr(unsigned asn, unsigned third, unsigned fourth)
{
    return (struct mi_addr){
        .ip = (uint32_t)TOPO_ACCESS_MGMT_OCTET << 24 | asn << 16 | third << 8 |
              fourth,
        .plen = MGMT_PLEN,
    };
}

static struct access_device *
add_device(struct access_group *g, enum access_device_kind kind,
           const char *location, const char *what, struct mi_addr addr)
{
    struct access_device *d = &g->devices[g->n_devices++];

    *d = (struct access_device){
        .kind = kind,
        .location = xstrdup(location),
        .what = xstrdup(what),
        .node = -1,
        .bridge = -1,
        .addr = addr,
        .link = -1,
    };
    return d;
}

/* Routers and L3 hosts, from the plan's nodes of the AS. */
static void
add_l3_devices(const struct mi_plan *p, const struct mi_as *as,
               struct access_group *g)
{
    for (unsigned i = as->first_node; i < as->first_node + as->n_nodes; i++) {
        const struct mi_node *n = mi_plan_node(p, i);
        unsigned third = MGMT_ROUTER_BASE + n->row;
        struct access_device *d;

        if (n->kind == MI_NODE_ROUTER) {
            d = add_device(g, ACCESS_ROUTER, n->label, "router",
                           mgmt_addr(as->asn, third, 1));
        } else if (n->kind == MI_NODE_HOST) {
            /* A router's one host is "host"; with `hosts = [i, ...]` each
             * is "host<i>", as its node and interface are named. */
            char plain[64], what[32];
            names_host(plain, sizeof plain, as->asn, n->label);
            snprintf(what, sizeof what,
                     strcmp(n->name, plain) != 0 ? "host%u" : "host", n->row);
            d = add_device(g, ACCESS_HOST, n->label, what,
                           mgmt_addr(as->asn, third, 2));
        } else {
            continue;
        }
        d->node = (int)i;
    }
}

/* The plan's L2 hosts (nodes) and switches (bridges) of the AS come in the
 * body's order; `k`-th of each kind here is the k-th of the body. */
static int
find_kth_node(const struct mi_plan *p, const struct mi_as *as,
              enum mi_node_kind kind, size_t k)
{
    for (unsigned i = as->first_node; i < as->first_node + as->n_nodes; i++) {
        if (mi_plan_node(p, i)->kind == kind && k-- == 0) {
            return (int)i;
        }
    }
    return -1;
}

static int
find_kth_switch(const struct mi_plan *p, unsigned asn, size_t k)
{
    for (size_t i = 0; i < p->n_bridges; i++) {
        const struct mi_bridge *b = mi_plan_bridge(p, i);
        if (b->kind == MI_BRIDGE_L2SWITCH && b->asn == asn && k-- == 0) {
            return (int)i;
        }
    }
    return -1;
}

static int
add_l2_devices(const struct topology *topo, const struct mi_plan *p,
               const struct topo_as *tas, const struct mi_as *as,
               struct access_group *g)
{
    const struct topo_body *body = tas->body;
    size_t n_switches = 0, n_hosts = 0;

    for (size_t l = 0; l < body->n_l2nets; l++) {
        const struct topo_l2net *net = &body->l2nets[l];
        if (n_switches + net->n_switches > ACCESS_MAX_L2 ||
            n_hosts + net->n_hosts > ACCESS_MAX_L2) {
            log_error_at(topo->file, tas->line,
                         "AS %u: access: more than %d switches or L2 "
                         "hosts; its management network numbers them "
                         "158.%u.100.3 and 158.%u.200.3 to .254",
                         as->asn, ACCESS_MAX_L2, as->asn, as->asn);
            return -EINVAL;
        }
        for (size_t s = 0; s < net->n_switches; s++) {
            struct access_device *d =
                add_device(g, ACCESS_SWITCH, net->name, net->switches[s].name,
                           mgmt_addr(as->asn, MGMT_SWITCH_OCTET,
                                     (unsigned)(MGMT_L2_FIRST + n_switches)));
            d->bridge = find_kth_switch(p, as->asn, n_switches++);
        }
        for (size_t h = 0; h < net->n_hosts; h++) {
            struct access_device *d =
                add_device(g, ACCESS_L2HOST, net->name, net->hosts[h].name,
                           mgmt_addr(as->asn, MGMT_L2HOST_OCTET,
                                     (unsigned)(MGMT_L2_FIRST + n_hosts)));
            d->node = find_kth_node(p, as, MI_NODE_L2HOST, n_hosts++);
        }
    }
    return 0;
}

/* The plan and the body must agree on every device; a mismatch is a bug
 * of the planner, not of the file, but is refused all the same. */
static int
check_group(const struct topology *topo, const struct mi_plan *p,
            const struct topo_as *tas, const struct access_group *g)
{
    for (size_t i = 0; i < g->n_devices; i++) {
        const struct access_device *d = &g->devices[i];
        bool ok = d->kind == ACCESS_SWITCH ? d->bridge >= 0 : d->node >= 0;
        if (ok && d->kind == ACCESS_L2HOST) {
            ok = !strcmp(mi_plan_node(p, (size_t)d->node)->label, d->what);
        }
        if (!ok) {
            log_error_at(topo->file, tas->line,
                         "AS %u: access: %s %s %s is not in the plan "
                         "(internal error)",
                         g->asn, access_device_kind_name(d->kind), d->location,
                         d->what);
            return -EINVAL;
        }
    }
    for (size_t i = 0; i < p->n_nodes; i++) {
        const struct mi_node *n = mi_plan_node(p, i);
        bool proxy = n->kind == MI_NODE_PROXY && n->asn == g->asn;
        bool named = strcmp(n->name, g->proxy) == 0;
        if (named != proxy) {
            log_error_at(topo->file, tas->line,
                         "AS %u: access: its proxy %s is not the plan's "
                         "node %s (internal error)",
                         g->asn, g->proxy, n->name);
            return -EINVAL;
        }
    }
    if (g->node < 0) {
        log_error_at(topo->file, tas->line,
                     "AS %u: access: its proxy %s is not in the plan "
                     "(internal error)",
                     g->asn, g->proxy);
        return -EINVAL;
    }
    return 0;
}

static int
plan_group(const struct topology *topo, const struct mi_plan *p,
           unsigned as_index, struct access_group *g)
{
    const struct mi_as *as = mi_plan_as(p, as_index);
    const struct topo_as *tas = topology_find_as(topo, as->asn);
    size_t max = as->n_nodes;

    for (size_t l = 0; l < tas->body->n_l2nets; l++) {
        max += tas->body->l2nets[l].n_switches;
    }
    g->asn = as->asn;
    g->as_index = as_index;
    g->server = as->server;
    g->port = topo->access.port_base + as->asn;
    names_proxy(g->proxy, sizeof g->proxy, as->asn);
    g->node = -1;
    for (size_t i = 0; i < p->n_nodes; i++) {
        const struct mi_node *n = mi_plan_node(p, i);
        if (n->kind == MI_NODE_PROXY && n->asn == as->asn) {
            g->node = (int)i;
        }
    }
    g->proxy_addr = mgmt_addr(as->asn, 0, MGMT_PROXY_HOST);
    names_mgmt_bridge(g->bridge_name, sizeof g->bridge_name, as->asn);
    g->bridge = g->link = -1; /* plan.c's, once it has added them */
    g->devices = xcalloc(max ? max : 1, sizeof *g->devices);
    add_l3_devices(p, as, g);
    if (add_l2_devices(topo, p, tas, as, g)) {
        return -EINVAL;
    }
    return check_group(topo, p, tas, g);
}

int
access_plan_compute(const struct topology *topo, const struct mi_plan *p,
                    struct access_plan **out)
{
    const struct topo_access *acc = &topo->access;
    int error = 0;

    *out = NULL;
    if (!acc->enabled) {
        return 0;
    }
    struct access_plan *ap = xcalloc(1, sizeof *ap);
    names_if_mgmt(ap->ifname, sizeof ap->ifname);
    ap->port_base = acc->port_base;
    ap->n_ta_keys = acc->n_ta_keys;
    ap->groups = xcalloc(acc->n_asns ? acc->n_asns : 1, sizeof *ap->groups);
    for (size_t a = 0; a < p->n_ases; a++) {
        const struct mi_as *as = mi_plan_as(p, a);
        if (topology_access_chooses(acc, as->asn) && !as->ixp &&
            plan_group(topo, p, (unsigned)a, &ap->groups[ap->n_groups++])) {
            error = -EINVAL;
        }
    }
    if (error) {
        access_plan_free(ap);
        return error;
    }
    *out = ap;
    return 0;
}

void
access_plan_free(struct access_plan *ap)
{
    if (!ap) {
        return;
    }
    for (size_t i = 0; i < ap->n_groups; i++) {
        struct access_group *g = &ap->groups[i];
        for (size_t d = 0; d < g->n_devices; d++) {
            free(g->devices[d].location);
            free(g->devices[d].what);
        }
        free(g->devices);
    }
    free(ap->groups);
    free(ap);
}

const struct access_group *
access_plan_group(const struct access_plan *ap, unsigned asn)
{
    for (size_t i = 0; ap && i < ap->n_groups; i++) {
        if (ap->groups[i].asn == asn) {
            return &ap->groups[i];
        }
    }
    return NULL;
}

const struct access_group *
access_sshd_group(const struct access_plan *ap, size_t node)
{
    for (size_t i = 0; ap && i < ap->n_groups; i++) {
        const struct access_group *g = &ap->groups[i];
        if (g->node >= 0 && (size_t)g->node == node) {
            return g;
        }
        for (size_t j = 0; j < g->n_devices; j++) {
            if (g->devices[j].node >= 0 &&
                (size_t)g->devices[j].node == node) {
                return g;
            }
        }
    }
    return NULL;
}

const char *
access_device_kind_name(enum access_device_kind kind)
{
    switch (kind) {
    case ACCESS_ROUTER:
        return "router";
    case ACCESS_HOST:
        return "host";
    case ACCESS_SWITCH:
        return "switch";
    case ACCESS_L2HOST:
        return "l2host";
    }
    return "?";
}

size_t
access_port_clashes(const struct access_plan *ap, unsigned server,
                    const struct access_port_holder *holders, size_t n,
                    struct access_port_clash **out)
{
    struct access_port_clash *c = NULL;
    size_t k = 0, cap = 0;

    for (size_t g = 0; ap && g < ap->n_groups; g++) {
        const struct access_group *group = &ap->groups[g];
        for (size_t h = 0; h < n && group->server == server; h++) {
            if (holders[h].port == group->port) {
                c = xgrow(c, &cap, k + 1, sizeof *c);
                c[k++] = (struct access_port_clash){group, &holders[h]};
            }
        }
    }
    *out = c;
    return k;
}

char *
access_port_clash_text(const struct access_port_clash *c, const char *server)
{
    const struct access_port_holder *h = c->holder;

    if (!h->network) {
        return xasprintf("port %u of AS %u is in use by a listening socket "
                         "on server %s",
                         c->group->port, c->group->asn, server);
    }
    return xasprintf("port %u of AS %u is in use by network %s's AS %u "
                     "proxy on server %s",
                     c->group->port, c->group->asn, h->network, h->asn,
                     server);
}

char *
access_port_reported(const struct access_plan *ap, unsigned server,
                     const char *server_name, unsigned asn, unsigned port,
                     const char *network, unsigned network_asn)
{
    const struct access_group *g = access_plan_group(ap, asn);

    if (!g || g->server != server || g->port != port) {
        return NULL;
    }
    const struct access_port_holder h = {port, network, network_asn};
    const struct access_port_clash c = {g, &h};
    return access_port_clash_text(&c, server_name);
}
