/* The planner: a topology in, a plan out, nothing else touched.
 *
 * Order of everything (indices are part of the interface: names_port()
 * numbers root-side ports by link index, and plugins may rely on it):
 *
 * servers  the topology's servers in file order; without any, one server
 *          "local" (no address, MTU 1500).
 * ases     sorted by AS number, IXPs included.
 * nodes    AS by AS in AS-number order:
 *            an AS:  its routers in row order, then the L3 hosts of the
 *                    routers with host = true in router order (a router's
 *                    `hosts` in their order), then the L2
 *                    hosts, L2 network by L2 network, in file order;
 *            an IXP: its route server, named names_routeserver(), label
 *                    "IXP<n>" (what the original's student files call it).
 *          `row` is the router's row for routers and L3 hosts, the host's
 *          position in its L2 network for L2 hosts, 0 for route servers.
 * links    1. AS by AS in AS-number order:
 *             a. router - L3 host, router order: end[0] router "host"
 *                AS.(101+i).0.2/24, end[1] host "<R>router" AS.(101+i).0.1;
 *                with `hosts`, per row i in their order: end[0] "host<i>",
 *                the same addresses of row i;
 *             b. internal links in file order, link n: end[0] the first
 *                router "port_<B>" AS.0.(n+1).1/24, end[1] the second .2;
 *             c. L2 gateway links: per L2 network, per gateway router in
 *                router order, per VLAN of the network in ascending order:
 *                end[0] router "<R>-L2.<VLAN>" AS.(200+dc).VLAN.(g+1)/24,
 *                g = the gateway's position among the network's gateways;
 *                end[1] the switch it is attached to, access VLAN;
 *             d. L2 trunks, per L2 network in file order: end[0], end[1]
 *                the two switches, VLAN 0;
 *             e. L2 host links, per L2 network, host order: end[0] host
 *                "<AS>-<SW>" (names_if_l2host_fit(): "<AS>-L2.<dc>.<sw>"
 *                when too long) AS.(200+dc).VLAN.n/24, end[1] its switch,
 *                access VLAN (0: untagged).  n counts per (network, VLAN)
 *                from the number of gateways + 1.
 *          2. links between ASes in topology order:
 *             AS - AS: end[0] as_a's router "ext_<B>_<RB>", end[1] as_b's
 *                router "ext_<A>_<RA>", subnet 179.LO.HI.0/24 or the
 *                explicit one, each end .<its AS>/24 (or the link's
 *                `ends`), rel as in the file;
 *             AS - IXP: end[0] router "ixp_<IXP>" 180.IXP.0.AS/24, end[1]
 *                the IXP's bridge, VLAN 0 (an IXP LAN is untagged).
 *          3. per IXP in number order, its route server "ixp_<IXP>"
 *             180.IXP.0.IXP/24 to the IXP bridge (kind IXP, rel NONE).
 *          4. the measurement host's links (MI_LINK_MEASUREMENT).
 *          5. with student access, per group in AS order its management
 *             links (MI_LINK_MGMT): end[0] the proxy, then each device of
 *             the access plan that is a node, in its order (routers, L3
 *             hosts, L2 hosts), interface "ssh" with the access plan's
 *             158.AS.x.y/16; end[1] the group's management bridge, VLAN 0.
 * bridges  the switches of every AS (AS order, L2 network order, switch
 *          order), then one bridge per IXP in number order, then with
 *          student access one management bridge "<AS>_mgmt" per group in
 *          AS order (MI_BRIDGE_MGMT: no STP, priority 0, id zero).  A switch's
 *          label is its full name <AS>_L2_<DC>_<SW>, its name the OVS
 *          bridge, names_switch_bridge(): the label when it fits 15
 *          characters, else <AS>_L2.<dc>.<sw>.  STP system id
 *          of a switch 02:AS:dc:SWhi:SWlo:00 (SW = the switch's position in
 *          its network), of an IXP 02:IXP:ff:00:00:00 (priority 0; IXPs run
 *          no STP, but the id stays unique).
 *
 * An L2 host's default gateway is .1 of its VLAN, or none (0) when its
 * network has no gateway router.
 *
 * Servers of a link's ends come from the nodes and bridges they touch.
 * Links inside one server have MTU 1500.  A remote link gets
 * min(underlay MTU of both servers) - tunnel overhead, capped at 1500 so
 * that placement does not change what routers see, and at least 576.  All
 * links of one IXP LAN share the smallest MTU among them (one broadcast
 * domain needs one MTU).  Tunnel ids count 1, 2, ... per unordered server
 * pair in link order.  peer[e] (the root-namespace name, names_port()) is set
 * for ends on a bridge and for both ends of a remote link; a bridge end's
 * ifname is that same port name.
 *
 * The finished plan is checked as a whole, whatever the planner's logic:
 * unique node names, bridge names, interface names per node and root-side
 * names per server, interface names that fit Linux, unique addresses,
 * subnets that belong to one broadcast domain each, no network or broadcast
 * addresses.
 */
#include "config.h"

#include "plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "log.h"
#include "names.h"
#include "placement.h"
#include "util.h"

#define PLAN_LINK_MTU 1500 /* MTU of every link that stays on one server */
#define PLAN_MIN_MTU 576   /* the smallest datagram IPv4 hosts must take */
#define NAME_BUF 256

struct plan {
    struct mi_plan view; /* its counts grow with the plan; its arrays are
                            NULL until the plan is complete (view_of()) */
    struct mi_server *servers;
    struct mi_as *ases;
    struct mi_node *nodes;
    struct mi_link *links;
    struct mi_bridge *bridges;
    struct access_plan *access; /* NULL: the topology has no access */
    char **strings;             /* every string and array the view points to */
    size_t n_strings;
    size_t strings_cap;
};

/* Broadcast domains ("segments") of addresses: a subnet must belong to
 * exactly one, and an address must be unique within it. */
#define SEG_LINK(l) ((1ULL << 60) | (uint64_t)(l))
#define SEG_LOOPBACK(n) ((2ULL << 60) | (uint64_t)(n))
#define SEG_L2(as, net, vlan)                                                 \
    ((3ULL << 60) | ((uint64_t)(as) << 32) | ((uint64_t)(net) << 16) | (vlan))
#define SEG_BRIDGE(b) ((4ULL << 60) | (uint64_t)(b))

struct link_info {
    int line;            /* of what made the link, for messages */
    uint64_t segment[2]; /* of the ends that have an address */
};

/* An L2 network's gateways and VLANs, worked out once per AS. */
struct l2_info {
    size_t n_gateways;
    unsigned *gw_router; /* router indices, in router order */
    unsigned *gw_switch; /* the switch each gateway attaches to */
    unsigned vlans[TOPO_MAX_VLAN + 1]; /* distinct VLANs of the hosts,
                                          sorted (0: untagged) */
    size_t n_vlans;
};

struct builder {
    const struct topology *topo;
    const struct plan_params *params;
    const char *file;
    struct plan *plan;
    bool failed;

    size_t nodes_cap, links_cap, bridges_cap;
    int *node_line;
    struct link_info *link_info;
    int *bridge_line;
    size_t *first_bridge; /* per AS: its first switch's bridge index */
    size_t *ixp_bridge;   /* per IXP (AS index): its bridge index */
};

/* The plan owns `s` (a string or an array) from now on. */
static void *
keep(struct plan *p, void *s)
{
    p->strings = xgrow(p->strings, &p->strings_cap, p->n_strings + 1,
                       sizeof *p->strings);
    p->strings[p->n_strings++] = s;
    return s;
}

/* Keeps a name produced by one of the names_*() functions into `buf`
 * (NAME_BUF bytes) that returned `len`. */
static const char *
keep_name(struct builder *b, const char *buf, int len, int line)
{
    if (len < 0 || len >= NAME_BUF) {
        log_error_at(b->file, line, "generated name \"%.32s...\" is too long",
                     buf);
        b->failed = true;
    }
    return keep(b->plan, xstrdup(buf));
}

static struct mi_addr
addr4(unsigned a, unsigned b, unsigned c, unsigned d, uint8_t plen)
{
    struct mi_addr addr = {
        .ip = ((uint32_t)a << 24) | ((uint32_t)b << 16) | ((uint32_t)c << 8) |
              (uint32_t)d,
        .plen = plen,
    };
    return addr;
}

/* The index of AS `asn` in the topology, or -1. */
static int
find_as(const struct topology *topo, unsigned asn)
{
    const struct topo_as *as = topology_find_as(topo, asn);

    return as ? (int)(as - topo->ases) : -1;
}

static void fail(struct builder *b, int line, const char *fmt, ...)
    MI_PRINTF(3, 4);

static void
fail(struct builder *b, int line, const char *fmt, ...)
{
    char msg[1024];
    va_list args;

    va_start(args, fmt);
    vsnprintf(msg, sizeof msg, fmt, args);
    va_end(args);
    log_error_at(b->file, line, "%s", msg);
    b->failed = true;
}

/* ------------------------------------------------------------------------ */
/* Growing the arrays.                                                      */

/* Whether an array of *cap elements must grow to take element n; if so,
 * updates *cap. */
static bool
must_grow(size_t n, size_t *cap)
{
    if (n < *cap) {
        return false;
    }
    while (n >= *cap) {
        *cap = *cap ? 2 * *cap : 64;
    }
    return true;
}

static struct mi_node *
add_node(struct builder *b, int line)
{
    struct plan *p = b->plan;
    size_t n = p->view.n_nodes;

    if (must_grow(n, &b->nodes_cap)) {
        p->nodes = xrealloc(p->nodes, b->nodes_cap * sizeof *p->nodes);
        b->node_line =
            xrealloc(b->node_line, b->nodes_cap * sizeof *b->node_line);
    }
    memset(&p->nodes[n], 0, sizeof p->nodes[n]);
    b->node_line[n] = line;
    p->view.n_nodes = n + 1;
    return &p->nodes[n];
}

static struct mi_link *
add_link(struct builder *b, enum mi_link_kind kind, int line)
{
    struct plan *p = b->plan;
    size_t n = p->view.n_links;

    if (must_grow(n, &b->links_cap)) {
        p->links = xrealloc(p->links, b->links_cap * sizeof *p->links);
        b->link_info =
            xrealloc(b->link_info, b->links_cap * sizeof *b->link_info);
    }
    struct mi_link *link = &p->links[n];
    memset(link, 0, sizeof *link);
    link->kind = kind;
    link->end[0].node = link->end[0].bridge = -1;
    link->end[1].node = link->end[1].bridge = -1;
    b->link_info[n].line = line;
    b->link_info[n].segment[0] = b->link_info[n].segment[1] = SEG_LINK(n);
    p->view.n_links = n + 1;
    return link;
}

static struct mi_bridge *
add_bridge(struct builder *b, int line)
{
    struct plan *p = b->plan;
    size_t n = p->view.n_bridges;

    if (must_grow(n, &b->bridges_cap)) {
        p->bridges = xrealloc(p->bridges, b->bridges_cap * sizeof *p->bridges);
        b->bridge_line =
            xrealloc(b->bridge_line, b->bridges_cap * sizeof *b->bridge_line);
    }
    memset(&p->bridges[n], 0, sizeof p->bridges[n]);
    b->bridge_line[n] = line;
    p->view.n_bridges = n + 1;
    return &p->bridges[n];
}

static size_t
link_index(const struct builder *b, const struct mi_link *link)
{
    return (size_t)(link - b->plan->links);
}

static void
set_impair(struct mi_link *link, const struct topo_impair *impair)
{
    link->rate_bps = impair->rate_bps;
    link->delay_us = impair->delay_us;
    link->buffer_us = impair->buffer_us;
}

static void
end_node(struct mi_endpoint *end, size_t node, const char *ifname,
         struct mi_addr addr)
{
    end->node = (int)node;
    end->ifname = ifname;
    end->addr = addr;
}

static void
end_bridge(struct mi_endpoint *end, size_t bridge, unsigned vlan)
{
    end->bridge = (int)bridge;
    end->vlan = vlan; /* ifname: the root-side port, named at the end */
}

/* ------------------------------------------------------------------------ */
/* Servers and ASes.                                                        */

static const char *
keep_dup(struct plan *p, const char *s)
{
    return s ? keep(p, xstrdup(s)) : NULL;
}

static void
plan_servers(struct builder *b)
{
    const struct topology *topo = b->topo;
    struct plan *p = b->plan;

    p->view.n_servers = topo->n_servers ? topo->n_servers : 1;
    p->servers = xcalloc(p->view.n_servers, sizeof *p->servers);
    if (!topo->n_servers) {
        p->servers[0].name = "local";
        p->servers[0].ssh_user = "root";
        p->servers[0].ssh_port = 22;
        p->servers[0].underlay_mtu = 1500;
        return;
    }
    for (size_t i = 0; i < topo->n_servers; i++) {
        const struct topo_server *ts = &topo->servers[i];
        struct mi_server *s = &p->servers[i];

        s->name = keep_dup(p, ts->name);
        s->address = keep_dup(p, ts->address);
        s->interface = keep_dup(p, ts->interface);
        s->ssh_user = keep_dup(p, ts->ssh_user ? ts->ssh_user : "root");
        s->ssh_port = ts->ssh_port ? ts->ssh_port : 22;
        s->ssh_identity = keep_dup(p, ts->ssh_identity);
        s->ssh_known_hosts = keep_dup(p, ts->ssh_known_hosts);
        s->underlay_mtu = ts->mtu ? ts->mtu : 1500;
    }
}

/* Whether the AS's numbers fit the addressing plan and its indices point
 * where they should.  The topology module guarantees all of this; checking
 * again keeps a bad topology from turning into wrapped octets or a crash. */
static bool
as_fits(struct builder *b, const struct topo_as *as)
{
    const struct topo_body *body = as->body;
    const char *what = as->ixp ? "IXP" : "AS";
    size_t start_errors = log_error_count();

    if (!as->asn || as->asn > TOPO_MAX_ASN || as->asn == TOPO_RESERVED_ASN) {
        fail(b, as->line, "%s number %u is outside 1..%u or is %u", what,
             as->asn, TOPO_MAX_ASN, TOPO_RESERVED_ASN);
    }
    if (as->ixp) {
        return log_error_count() == start_errors;
    }
    if (!body || !body->n_routers || body->n_routers > TOPO_MAX_ROUTERS ||
        body->n_links > TOPO_MAX_INTERNAL ||
        body->n_l2nets > TOPO_MAX_L2NETS) {
        fail(b, body ? body->line : as->line,
             "AS %u: needs 1..%d routers, at most %d internal links and "
             "%d L2 networks",
             as->asn, TOPO_MAX_ROUTERS, TOPO_MAX_INTERNAL, TOPO_MAX_L2NETS);
        return false;
    }
    for (size_t i = 0; i < body->n_links; i++) {
        const struct topo_ilink *l = &body->links[i];

        if (l->a >= body->n_routers || l->b >= body->n_routers ||
            l->a == l->b) {
            fail(b, l->line, "AS %u: internal link %zu has bad routers",
                 as->asn, i + 1);
        }
    }
    for (size_t i = 0; i < body->n_l2nets; i++) {
        const struct topo_l2net *net = &body->l2nets[i];

        for (size_t j = 0; j < net->n_switches; j++) {
            if (net->switches[j].gateway >= (int)body->n_routers) {
                fail(b, net->switches[j].line,
                     "AS %u: switch %s has a bad gateway", as->asn,
                     net->switches[j].name);
            }
        }
        for (size_t j = 0; j < net->n_links; j++) {
            if (net->links[j].a >= net->n_switches ||
                net->links[j].b >= net->n_switches) {
                fail(b, net->links[j].line,
                     "AS %u: trunk %zu of L2 "
                     "network %s has bad switches",
                     as->asn, j + 1, net->name);
            }
        }
        for (size_t j = 0; j < net->n_hosts; j++) {
            const struct topo_l2host *h = &net->hosts[j];

            if (h->sw >= net->n_switches || h->vlan > TOPO_MAX_VLAN) {
                fail(b, h->line,
                     "AS %u: L2 host %s has a bad switch or "
                     "VLAN",
                     as->asn, h->name);
            }
        }
    }
    return log_error_count() == start_errors;
}

static void
plan_ases(struct builder *b, const unsigned *server_of)
{
    const struct topology *topo = b->topo;
    struct plan *p = b->plan;

    p->view.n_ases = topo->n_ases;
    p->ases = xcalloc(topo->n_ases, sizeof *p->ases);
    for (size_t i = 0; i < topo->n_ases; i++) {
        const struct topo_as *ta = &topo->ases[i];
        struct mi_as *as = &p->ases[i];

        as->asn = ta->asn;
        as->ixp = ta->ixp;
        as->configured = ta->configured;
        as->server = server_of[i];
        as->n_routers = ta->ixp ? 0 : (unsigned)ta->body->n_routers;
    }
}

/* ------------------------------------------------------------------------ */
/* L2 networks.                                                             */

static void
l2_info_init(struct builder *b, const struct topo_as *as,
             const struct topo_l2net *net, struct l2_info *info)
{
    const struct topo_body *body = as->body;
    bool seen[TOPO_MAX_VLAN + 1] = {false};

    memset(info, 0, sizeof *info);
    info->gw_router = xcalloc(body->n_routers, sizeof *info->gw_router);
    info->gw_switch = xcalloc(body->n_routers, sizeof *info->gw_switch);
    for (size_t r = 0; r < body->n_routers; r++) {
        int sw = -1;

        for (size_t s = 0; s < net->n_switches; s++) {
            if (net->switches[s].gateway != (int)r) {
                continue;
            }
            if (sw >= 0) {
                fail(b, net->switches[s].line,
                     "AS %u: router %s is already "
                     "the gateway of switch %s of L2 network %s",
                     as->asn, body->routers[r].name, net->switches[sw].name,
                     net->name);
                continue;
            }
            sw = (int)s;
        }
        if (sw >= 0) {
            info->gw_router[info->n_gateways] = (unsigned)r;
            info->gw_switch[info->n_gateways++] = (unsigned)sw;
        }
    }
    for (size_t h = 0; h < net->n_hosts; h++) {
        seen[net->hosts[h].vlan] = true;
    }
    for (unsigned v = 0; v <= TOPO_MAX_VLAN; v++) {
        if (seen[v]) {
            info->vlans[info->n_vlans++] = v;
        }
    }
}

static void
l2_info_destroy(struct l2_info *infos, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(infos[i].gw_router);
        free(infos[i].gw_switch);
    }
    free(infos);
}

static size_t
switch_bridge(const struct builder *b, size_t as, size_t net, size_t sw)
{
    const struct topo_body *body = b->topo->ases[as].body;
    size_t index = b->first_bridge[as];

    for (size_t i = 0; i < net; i++) {
        index += body->l2nets[i].n_switches;
    }
    return index + sw;
}

static void
plan_switches(struct builder *b, size_t i)
{
    const struct topo_as *as = &b->topo->ases[i];
    char buf[NAME_BUF];

    b->first_bridge[i] = b->plan->view.n_bridges;
    for (size_t dc = 0; dc < as->body->n_l2nets; dc++) {
        const struct topo_l2net *net = &as->body->l2nets[dc];

        for (size_t s = 0; s < net->n_switches; s++) {
            const struct topo_switch *ts = &net->switches[s];
            struct mi_bridge *br = add_bridge(b, ts->line);

            br->name =
                keep_name(b, buf,
                          names_switch_bridge(buf, sizeof buf, as->asn,
                                              net->name, ts->name, dc, s),
                          ts->line);
            br->label = keep_name(
                b, buf,
                names_switch(buf, sizeof buf, as->asn, net->name, ts->name),
                ts->line);
            br->kind = MI_BRIDGE_L2SWITCH;
            br->asn = as->asn;
            br->server = b->plan->ases[i].server;
            br->stp_priority = ts->stp_priority;
            br->stp_mac[0] = 0x02; /* locally administered, unicast */
            br->stp_mac[1] = (uint8_t)as->asn;
            br->stp_mac[2] = (uint8_t)dc;
            br->stp_mac[3] = (uint8_t)(s >> 8);
            br->stp_mac[4] = (uint8_t)s;
        }
    }
}

static void
plan_ixp_bridges(struct builder *b)
{
    char buf[NAME_BUF];

    for (size_t i = 0; i < b->topo->n_ases; i++) {
        const struct topo_as *as = &b->topo->ases[i];

        if (!as->ixp) {
            continue;
        }
        b->ixp_bridge[i] = b->plan->view.n_bridges;
        struct mi_bridge *br = add_bridge(b, as->line);
        br->name = keep_name(
            b, buf, names_ixp_bridge(buf, sizeof buf, as->asn), as->line);
        br->label = br->name;
        br->kind = MI_BRIDGE_IXP;
        br->asn = as->asn;
        br->server = b->plan->ases[i].server;
        br->stp_mac[0] = 0x02;
        br->stp_mac[1] = (uint8_t)as->asn;
        br->stp_mac[2] = 0xff;
    }
}

/* ------------------------------------------------------------------------ */
/* Nodes.                                                                   */

static struct mi_node *
new_node(struct builder *b, size_t as, enum mi_node_kind kind, int line)
{
    struct mi_node *node = add_node(b, line);

    node->kind = kind;
    node->asn = b->topo->ases[as].asn;
    node->as_index = (unsigned)as;
    node->server = b->plan->ases[as].server;
    return node;
}

static void
plan_routeserver(struct builder *b, size_t i)
{
    const struct topo_as *as = &b->topo->ases[i];
    struct mi_node *node = new_node(b, i, MI_NODE_ROUTESERVER, as->line);
    char buf[NAME_BUF];

    node->name = keep_name(b, buf, names_routeserver(buf, sizeof buf, as->asn),
                           as->line);
    node->label = keep(b->plan, xasprintf("IXP%u", as->asn));
}

/* A router's L3 hosts: one on its own row, or one per row of `hosts`. */
static size_t
host_count(const struct topo_router *tr)
{
    return tr->n_host_rows ? tr->n_host_rows : 1;
}

static unsigned
host_row(const struct topo_router *tr, size_t router, size_t h)
{
    return tr->n_host_rows ? tr->host_rows[h] : (unsigned)router;
}

static void
plan_as_nodes(struct builder *b, size_t i, const struct l2_info *l2)
{
    const struct topo_as *as = &b->topo->ases[i];
    const struct topo_body *body = as->body;
    char buf[NAME_BUF];

    for (size_t r = 0; r < body->n_routers; r++) {
        const struct topo_router *tr = &body->routers[r];
        struct mi_node *node = new_node(b, i, MI_NODE_ROUTER, tr->line);

        node->name =
            keep_name(b, buf, names_router(buf, sizeof buf, as->asn, tr->name),
                      tr->line);
        node->label = keep_dup(b->plan, tr->name);
        node->row = (unsigned)r;
        node->loopback = addr4(as->asn, 151 + (unsigned)r, 0, 1, 24);
    }
    for (size_t r = 0; r < body->n_routers; r++) {
        const struct topo_router *tr = &body->routers[r];

        for (size_t h = 0; tr->host && h < host_count(tr); h++) {
            unsigned row = host_row(tr, r, h);
            struct mi_node *node = new_node(b, i, MI_NODE_HOST, tr->line);
            node->name = keep_name(
                b, buf,
                tr->n_host_rows
                    ? names_host_row(buf, sizeof buf, as->asn, tr->name, row)
                    : names_host(buf, sizeof buf, as->asn, tr->name),
                tr->line);
            node->label = keep_dup(b->plan, tr->name);
            node->row = row;
            node->gateway = addr4(as->asn, 101 + row, 0, 2, 0).ip;
            /* The matrix's host: the chosen router's first, or the AS's
             * first host. */
            struct mi_as *pas = &b->plan->ases[i];
            if (h == 0 && (body->matrix == (int)r + 1 ||
                           (!body->matrix && pas->matrix_host < 0))) {
                pas->matrix_host = (int)(b->plan->view.n_nodes - 1);
            }
        }
    }
    for (size_t dc = 0; dc < body->n_l2nets; dc++) {
        const struct topo_l2net *net = &body->l2nets[dc];

        for (size_t h = 0; h < net->n_hosts; h++) {
            const struct topo_l2host *th = &net->hosts[h];
            struct mi_node *node = new_node(b, i, MI_NODE_L2HOST, th->line);

            node->name = keep_name(
                b, buf,
                names_l2host(buf, sizeof buf, as->asn, net->name, th->name),
                th->line);
            node->label = keep_dup(b->plan, th->name);
            node->row = (unsigned)h;
            if (l2[dc].n_gateways) {
                node->gateway =
                    addr4(as->asn, 200 + (unsigned)dc, th->vlan, 1, 0).ip;
            }
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Links inside an AS.                                                      */

static size_t
router_node(const struct builder *b, size_t as, size_t router)
{
    return b->plan->ases[as].first_node + router;
}

static void
plan_host_links(struct builder *b, size_t i)
{
    const struct topo_as *as = &b->topo->ases[i];
    const struct topo_body *body = as->body;
    size_t host = router_node(b, i, body->n_routers);
    char buf[NAME_BUF];

    for (size_t r = 0; r < body->n_routers; r++) {
        const struct topo_router *tr = &body->routers[r];

        for (size_t h = 0; tr->host && h < host_count(tr); h++) {
            unsigned row = host_row(tr, r, h);
            unsigned net = 101 + row;
            struct mi_link *link = add_link(b, MI_LINK_HOST, tr->line);
            end_node(
                &link->end[0], router_node(b, i, r),
                keep_name(b, buf,
                          tr->n_host_rows
                              ? names_if_router_host_row(buf, sizeof buf, row)
                              : names_if_router_host(buf, sizeof buf),
                          tr->line),
                addr4(as->asn, net, 0, 2, 24));
            end_node(&link->end[1], host++,
                     keep_name(b, buf,
                               names_if_host_router(buf, sizeof buf, tr->name),
                               tr->line),
                     addr4(as->asn, net, 0, 1, 24));
        }
    }
}

static void
plan_internal_links(struct builder *b, size_t i)
{
    const struct topo_as *as = &b->topo->ases[i];
    const struct topo_body *body = as->body;
    char buf[NAME_BUF];

    for (size_t n = 0; n < body->n_links; n++) {
        const struct topo_ilink *tl = &body->links[n];
        const char *ra = body->routers[tl->a].name;
        const char *rb = body->routers[tl->b].name;
        struct mi_link *link = add_link(b, MI_LINK_INTERNAL, tl->line);

        end_node(&link->end[0], router_node(b, i, tl->a),
                 keep_name(b, buf, names_if_internal(buf, sizeof buf, rb),
                           tl->line),
                 addr4(as->asn, 0, (unsigned)n + 1, 1, 24));
        end_node(&link->end[1], router_node(b, i, tl->b),
                 keep_name(b, buf, names_if_internal(buf, sizeof buf, ra),
                           tl->line),
                 addr4(as->asn, 0, (unsigned)n + 1, 2, 24));
        set_impair(link, &tl->impair);
    }
}

static void
plan_gateway_links(struct builder *b, size_t i, const struct l2_info *l2)
{
    const struct topo_as *as = &b->topo->ases[i];
    const struct topo_body *body = as->body;
    char buf[NAME_BUF];

    for (size_t dc = 0; dc < body->n_l2nets; dc++) {
        const struct topo_l2net *net = &body->l2nets[dc];
        const struct l2_info *info = &l2[dc];

        for (size_t g = 0; g < info->n_gateways; g++) {
            size_t r = info->gw_router[g];
            size_t sw = info->gw_switch[g];
            int line = net->switches[sw].line;

            for (size_t v = 0; v < info->n_vlans; v++) {
                unsigned vlan = info->vlans[v];
                struct mi_link *link = add_link(b, MI_LINK_L2_GATEWAY, line);
                size_t l = link_index(b, link);

                end_node(
                    &link->end[0], router_node(b, i, r),
                    keep_name(b, buf,
                              names_if_gateway(buf, sizeof buf,
                                               body->routers[r].name, vlan),
                              line),
                    addr4(as->asn, 200 + (unsigned)dc, vlan, (unsigned)g + 1,
                          24));
                end_bridge(&link->end[1], switch_bridge(b, i, dc, sw), vlan);
                b->link_info[l].segment[0] = SEG_L2(i, dc, vlan);
            }
        }
    }
}

static void
plan_trunks(struct builder *b, size_t i)
{
    const struct topo_body *body = b->topo->ases[i].body;

    for (size_t dc = 0; dc < body->n_l2nets; dc++) {
        const struct topo_l2net *net = &body->l2nets[dc];

        for (size_t t = 0; t < net->n_links; t++) {
            const struct topo_l2link *tl = &net->links[t];
            struct mi_link *link = add_link(b, MI_LINK_L2_TRUNK, tl->line);

            end_bridge(&link->end[0], switch_bridge(b, i, dc, tl->a), 0);
            end_bridge(&link->end[1], switch_bridge(b, i, dc, tl->b), 0);
            set_impair(link, &tl->impair);
        }
    }
}

static void
plan_l2host_links(struct builder *b, size_t i, const struct l2_info *l2)
{
    const struct topo_as *as = &b->topo->ases[i];
    const struct topo_body *body = as->body;
    const struct mi_as *pas = &b->plan->ases[i];
    size_t node = pas->first_node + pas->n_nodes;
    char buf[NAME_BUF];

    /* The L2 hosts are the AS's last nodes. */
    for (size_t dc = 0; dc < body->n_l2nets; dc++) {
        node -= body->l2nets[dc].n_hosts;
    }
    for (size_t dc = 0; dc < body->n_l2nets; dc++) {
        const struct topo_l2net *net = &body->l2nets[dc];
        unsigned next[TOPO_MAX_VLAN + 1];

        for (size_t v = 0; v <= TOPO_MAX_VLAN; v++) {
            next[v] = (unsigned)l2[dc].n_gateways + 1;
        }
        for (size_t h = 0; h < net->n_hosts; h++, node++) {
            const struct topo_l2host *th = &net->hosts[h];
            unsigned n = next[th->vlan]++;

            if (n > 254) {
                fail(b, th->line,
                     "AS %u: VLAN %u of L2 network %s has more "
                     "than 254 gateways and hosts",
                     as->asn, th->vlan, net->name);
                continue;
            }
            struct mi_link *link = add_link(b, MI_LINK_L2_HOST, th->line);
            end_node(&link->end[0], node,
                     keep_name(b, buf,
                               names_if_l2host_fit(buf, sizeof buf, as->asn,
                                                   net->switches[th->sw].name,
                                                   dc, th->sw),
                               th->line),
                     addr4(as->asn, 200 + (unsigned)dc, th->vlan, n, 24));
            end_bridge(&link->end[1], switch_bridge(b, i, dc, th->sw),
                       th->vlan);
            set_impair(link, &th->impair);
            b->link_info[link_index(b, link)].segment[0] =
                SEG_L2(i, dc, th->vlan);
        }
    }
}

/* Everything inside AS number i: its nodes, switches and links. */
static void
plan_as(struct builder *b, size_t i)
{
    const struct topo_as *as = &b->topo->ases[i];
    struct mi_as *pas = &b->plan->ases[i];

    pas->first_node = (unsigned)b->plan->view.n_nodes;
    pas->matrix_host = -1;
    if (as->ixp) {
        plan_routeserver(b, i);
        pas->n_nodes = 1;
        return;
    }

    size_t n_nets = as->body->n_l2nets;
    struct l2_info *l2 = xcalloc(n_nets, sizeof *l2);
    for (size_t dc = 0; dc < n_nets; dc++) {
        l2_info_init(b, as, &as->body->l2nets[dc], &l2[dc]);
    }
    plan_as_nodes(b, i, l2);
    pas->n_nodes = (unsigned)(b->plan->view.n_nodes - pas->first_node);
    plan_switches(b, i);
    plan_host_links(b, i);
    plan_internal_links(b, i);
    plan_gateway_links(b, i, l2);
    plan_trunks(b, i);
    plan_l2host_links(b, i, l2);
    l2_info_destroy(l2, n_nets);
}

/* ------------------------------------------------------------------------ */
/* Links between ASes.                                                      */

static void
plan_as_as_link(struct builder *b, const struct topo_elink *e, size_t ia,
                size_t ib)
{
    const struct topo_body *body_a = b->topo->ases[ia].body;
    const struct topo_body *body_b = b->topo->ases[ib].body;
    const char *ra = body_a->routers[e->router_a].name;
    const char *rb = body_b->routers[e->router_b].name;
    unsigned lo = e->as_a < e->as_b ? e->as_a : e->as_b;
    unsigned hi = e->as_a < e->as_b ? e->as_b : e->as_a;
    uint32_t subnet =
        e->subnet ? e->subnet & 0xffffff00u : addr4(179, lo, hi, 0, 24).ip;
    struct mi_link *link = add_link(b, MI_LINK_EXTERNAL, e->line);
    char buf[NAME_BUF];

    end_node(
        &link->end[0], router_node(b, ia, e->router_a),
        keep_name(b, buf, names_if_external(buf, sizeof buf, e->as_b, rb),
                  e->line),
        (struct mi_addr){.ip = subnet | (e->ends[0] ? e->ends[0] : e->as_a),
                         .plen = 24});
    end_node(
        &link->end[1], router_node(b, ib, (size_t)e->router_b),
        keep_name(b, buf, names_if_external(buf, sizeof buf, e->as_a, ra),
                  e->line),
        (struct mi_addr){.ip = subnet | (e->ends[1] ? e->ends[1] : e->as_b),
                         .plen = 24});
    link->rel = e->rel;
    set_impair(link, &e->impair);
}

static void
plan_ixp_link(struct builder *b, const struct topo_elink *e, size_t ia,
              size_t ib)
{
    struct mi_link *link = add_link(b, MI_LINK_IXP, e->line);
    char buf[NAME_BUF];

    end_node(
        &link->end[0], router_node(b, ia, e->router_a),
        keep_name(b, buf, names_if_ixp(buf, sizeof buf, e->as_b), e->line),
        addr4(180, e->as_b, 0, e->as_a, 24));
    end_bridge(&link->end[1], b->ixp_bridge[ib], 0);
    link->rel = e->rel;
    set_impair(link, &e->impair);
    if (e->n_announce) {
        unsigned *announce = xcalloc(e->n_announce, sizeof *announce);
        memcpy(announce, e->announce, e->n_announce * sizeof *announce);
        keep(b->plan, announce);
        link->announce = announce;
        link->n_announce = e->n_announce;
    }
    b->link_info[link_index(b, link)].segment[0] =
        SEG_BRIDGE(b->ixp_bridge[ib]);
}

static bool
elink_fits(const struct topology *topo, const struct topo_elink *e, int ia,
           int ib)
{
    if (ia < 0 || ib < 0 || ia == ib || topo->ases[ia].ixp ||
        e->router_a >= topo->ases[ia].body->n_routers) {
        return false;
    }
    if (topo->ases[ib].ixp) {
        return true;
    }
    return e->router_b >= 0 &&
           (size_t)e->router_b < topo->ases[ib].body->n_routers;
}

static void
plan_external_links(struct builder *b)
{
    const struct topology *topo = b->topo;

    for (size_t k = 0; k < topo->n_elinks; k++) {
        const struct topo_elink *e = &topo->elinks[k];
        int ia = find_as(topo, e->as_a);
        int ib = find_as(topo, e->as_b);

        if (!elink_fits(topo, e, ia, ib)) {
            fail(b, e->line,
                 "link between AS %u and %u: unknown AS, IXP or "
                 "router",
                 e->as_a, e->as_b);
        } else if (topo->ases[ib].ixp) {
            plan_ixp_link(b, e, (size_t)ia, (size_t)ib);
        } else {
            plan_as_as_link(b, e, (size_t)ia, (size_t)ib);
        }
    }
}

static void
plan_routeserver_links(struct builder *b)
{
    char buf[NAME_BUF];

    for (size_t i = 0; i < b->topo->n_ases; i++) {
        const struct topo_as *as = &b->topo->ases[i];

        if (!as->ixp) {
            continue;
        }
        struct mi_link *link = add_link(b, MI_LINK_IXP, as->line);
        end_node(&link->end[0], b->plan->ases[i].first_node,
                 keep_name(b, buf, names_if_ixp(buf, sizeof buf, as->asn),
                           as->line),
                 addr4(180, as->asn, 0, as->asn, 24));
        end_bridge(&link->end[1], b->ixp_bridge[i], 0);
        b->link_info[link_index(b, link)].segment[0] =
            SEG_BRIDGE(b->ixp_bridge[i]);
    }
}

/* ------------------------------------------------------------------------ */
/* The measurement host: one node, a link into every AS.                    */

static void
plan_measurement(struct builder *b)
{
    const struct topology *topo = b->topo;
    struct plan *p = b->plan;
    char buf[NAME_BUF];

    if (!topo->measurement) {
        return;
    }
    int line = topo->measurement_line;
    size_t host = p->view.n_nodes;
    struct mi_node *node = add_node(b, line);
    node->kind = MI_NODE_MEASUREMENT;
    node->asn = 0;
    node->as_index = (unsigned)topo->n_ases; /* in no AS */
    node->server =
        topo->measurement_server < 0 ? 0 : (unsigned)topo->measurement_server;
    node->name = keep_name(b, buf, names_measurement(buf, sizeof buf), line);
    node->label = node->name;

    for (size_t i = 0; i < topo->n_ases; i++) {
        const struct topo_as *as = &topo->ases[i];
        if (as->ixp || as->body->measurement < 0) {
            continue;
        }
        size_t router = (size_t)as->body->measurement;
        int at =
            as->body->measurement_line ? as->body->measurement_line : as->line;
        struct mi_link *link = add_link(b, MI_LINK_MEASUREMENT, at);
        end_node(
            &link->end[0], router_node(b, i, router),
            keep_name(b, buf,
                      names_if_measurement_router(buf, sizeof buf, as->asn),
                      at),
            addr4(as->asn, 0, 199, 1, 24));
        end_node(&link->end[1], host,
                 keep_name(b, buf,
                           names_if_measurement_host(buf, sizeof buf, as->asn),
                           at),
                 addr4(as->asn, 0, 199, 2, 24));
    }
}

/* ------------------------------------------------------------------------ */
/* Student access: a proxy node per group (doc/access.md).                  */

/* One MI_NODE_PROXY per AS that `access` chooses (IXPs never), in AS order,
 * after every other node.  Its management address is the access plan's
 * (access.c); no link of the data plane reaches it. */
static void
plan_proxies(struct builder *b)
{
    const struct topo_access *acc = &b->topo->access;
    struct plan *p = b->plan;
    char buf[NAME_BUF];

    if (!acc->enabled) {
        return;
    }
    for (size_t i = 0; i < p->view.n_ases; i++) {
        const struct mi_as *as = &p->ases[i];
        if (!topology_access_chooses(acc, as->asn) || as->ixp) {
            continue;
        }
        struct mi_node *node = add_node(b, acc->line);
        node->kind = MI_NODE_PROXY;
        node->asn = as->asn;
        node->as_index = (unsigned)i;
        node->server = as->server;
        node->name = keep_name(b, buf, names_proxy(buf, sizeof buf, as->asn),
                               acc->line);
        node->label = node->name;
    }
}

/* `v` made a view of the plan's arrays as they are now.  They move while
 * the plan grows: the plan's own view gets them only once it is complete
 * (plan_compute()), and holds none before (NULL, never stale); planning
 * reads the plan so far through a view of its own that nothing keeps. */
static void
view_of(const struct plan *p, struct mi_plan *v)
{
    v->servers = p->servers;
    v->server_size = sizeof *p->servers;
    v->ases = p->ases;
    v->as_size = sizeof *p->ases;
    v->nodes = p->nodes;
    v->node_size = sizeof *p->nodes;
    v->links = p->links;
    v->link_size = sizeof *p->links;
    v->bridges = p->bridges;
    v->bridge_size = sizeof *p->bridges;
}

/* The access plan, from the plan as it is before the management network
 * (through a view that dies here, before the arrays move again). */
static int
compute_access(struct builder *b)
{
    struct plan *p = b->plan;
    struct mi_plan now = p->view; /* the counts, the name */

    view_of(p, &now);
    return access_plan_compute(b->topo, &now, &p->access);
}

static void
mgmt_link(struct builder *b, size_t bridge, int node, const char *ifname,
          struct mi_addr addr, int *index)
{
    struct mi_link *link = add_link(b, MI_LINK_MGMT, b->topo->access.line);
    size_t l = link_index(b, link);

    end_node(&link->end[0], (size_t)node, ifname, addr);
    end_bridge(&link->end[1], bridge, 0);
    b->link_info[l].segment[0] = SEG_BRIDGE(bridge);
    *index = (int)l;
}

/* The management network of student access (access.c's plan: its names
 * and addresses, computed there once): per group a bridge, the proxy's
 * link and one link per device that is a node. */
static void
plan_mgmt(struct builder *b)
{
    struct plan *p = b->plan;

    if (!b->topo->access.enabled || b->failed) {
        return; /* a plan with errors already: the access plan would add
                   only confusion */
    }
    if (compute_access(b)) {
        b->failed = true;
        return;
    }
    const char *ifname = keep_dup(p, p->access->ifname);
    for (size_t i = 0; i < p->access->n_groups; i++) {
        struct access_group *g = &p->access->groups[i];
        struct mi_bridge *br = add_bridge(b, b->topo->access.line);
        size_t bi = (size_t)(br - p->bridges);

        br->name = br->label = keep_dup(p, g->bridge_name);
        br->kind = MI_BRIDGE_MGMT;
        br->asn = g->asn;
        br->server = g->server;
        g->bridge = (int)bi;
        mgmt_link(b, bi, g->node, ifname, g->proxy_addr, &g->link);
        for (size_t d = 0; d < g->n_devices; d++) {
            struct access_device *dev = &g->devices[d];
            if (dev->node >= 0) {
                mgmt_link(b, bi, dev->node, ifname, dev->addr, &dev->link);
            }
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Servers, MTUs, tunnels and ports of the links.                           */

static unsigned
end_server(const struct plan *p, const struct mi_endpoint *end)
{
    return end->node >= 0 ? p->nodes[end->node].server
                          : p->bridges[end->bridge].server;
}

static const char *
end_owner(const struct plan *p, const struct mi_endpoint *end)
{
    return end->node >= 0 ? p->nodes[end->node].name
                          : p->bridges[end->bridge].name;
}

static void
plan_remote_mtu(struct builder *b, struct mi_link *link, int line)
{
    const struct plan *p = b->plan;
    const struct mi_server *s0 = &p->servers[link->server[0]];
    const struct mi_server *s1 = &p->servers[link->server[1]];
    unsigned underlay = s0->underlay_mtu < s1->underlay_mtu ? s0->underlay_mtu
                                                            : s1->underlay_mtu;
    unsigned overhead = b->params->tunnel_overhead;

    if (overhead > underlay || underlay - overhead < PLAN_MIN_MTU) {
        fail(b, line,
             "link %s - %s crosses from server %s to %s: underlay "
             "MTU %u minus tunnel overhead %u is below the minimum of %u",
             end_owner(p, &link->end[0]), end_owner(p, &link->end[1]),
             s0->name, s1->name, underlay, overhead, PLAN_MIN_MTU);
        link->mtu = PLAN_MIN_MTU;
        return;
    }
    link->mtu = underlay - overhead;
    if (link->mtu > PLAN_LINK_MTU) {
        link->mtu = PLAN_LINK_MTU;
    }
}

/* A LAN is one broadcast domain and needs one MTU: an IXP with a member on
 * another server gets the tunnel's MTU on all of its links. */
static void
plan_lan_mtus(struct builder *b)
{
    struct plan *p = b->plan;
    unsigned *lan_mtu = xcalloc(p->view.n_bridges, sizeof *lan_mtu);

    for (int pass = 0; pass < 2; pass++) {
        for (size_t l = 0; l < p->view.n_links; l++) {
            struct mi_link *link = &p->links[l];

            for (int e = 0; e < 2; e++) {
                int br = link->end[e].bridge;

                if (br < 0 || p->bridges[br].kind != MI_BRIDGE_IXP) {
                    continue;
                }
                if (pass == 0 && (!lan_mtu[br] || link->mtu < lan_mtu[br])) {
                    lan_mtu[br] = link->mtu;
                } else if (pass == 1) {
                    link->mtu = lan_mtu[br];
                }
            }
        }
    }
    free(lan_mtu);
}

static void
plan_link_servers(struct builder *b)
{
    struct plan *p = b->plan;
    size_t n = p->view.n_servers;
    unsigned *next_id = xcalloc(n * n, sizeof *next_id);
    char buf[NAME_BUF];

    for (size_t l = 0; l < p->view.n_links; l++) {
        struct mi_link *link = &p->links[l];

        link->server[0] = end_server(p, &link->end[0]);
        link->server[1] = end_server(p, &link->end[1]);
        link->remote = link->server[0] != link->server[1];
        if (link->remote) {
            unsigned lo = link->server[0] < link->server[1] ? link->server[0]
                                                            : link->server[1];
            unsigned hi = link->server[0] ^ link->server[1] ^ lo;

            link->tunnel_id = ++next_id[lo * n + hi];
            plan_remote_mtu(b, link, b->link_info[l].line);
        } else {
            link->mtu = PLAN_LINK_MTU;
        }
        for (int e = 0; e < 2; e++) {
            if (link->end[e].bridge < 0 && !link->remote) {
                continue;
            }
            link->peer[e] =
                keep_name(b, buf, names_port(buf, sizeof buf, l, e),
                          b->link_info[l].line);
            if (link->end[e].bridge >= 0) {
                link->end[e].ifname = link->peer[e];
            }
        }
        /* The tunnel's port on each side: a node's end is a veth to
         * peer[e]; a bridge's (an IXP LAN) is a veth from its port peer[e]
         * to peer[!e], the name the other side uses, so both servers
         * attach an interface of the same name. */
        for (int e = 0; e < 2 && link->remote; e++) {
            link->tunnel_port[e] =
                link->end[e].node >= 0 ? link->peer[e] : link->peer[!e];
        }
    }
    free(next_id);
    plan_lan_mtus(b);
}

static void
count_per_server(struct plan *p)
{
    for (size_t i = 0; i < p->view.n_ases; i++) {
        struct mi_server *s = &p->servers[p->ases[i].server];

        s->n_ases++;
        s->n_routers += p->ases[i].n_routers;
    }
}

/* ------------------------------------------------------------------------ */
/* Checks of the finished plan.                                             */

struct name_rec {
    const char *name;
    bool bridge;  /* bridge names: checked on their own already */
    size_t scope; /* the name must be unique within its scope */
    const char *scope_name;
    size_t order; /* position in the plan: "first" is the lowest */
    int line;
};

static int
compare_names(const void *a_, const void *b_)
{
    const struct name_rec *a = a_, *b = b_;
    int cmp;

    if (a->scope != b->scope) {
        return a->scope < b->scope ? -1 : 1;
    }
    cmp = strcmp(a->name, b->name);
    if (cmp) {
        return cmp;
    }
    return a->order < b->order ? -1 : a->order > b->order;
}

/* Reports every name that occurs twice in one scope.  `where` introduces
 * the scope in messages (" in node "), or is NULL for a global scope. */
static void
check_unique(struct builder *b, struct name_rec *recs, size_t n,
             const char *what, const char *where)
{
    qsort(recs, n, sizeof *recs, compare_names);
    for (size_t i = 1, first = 0; i < n; i++) {
        if (recs[i].scope != recs[first].scope ||
            strcmp(recs[i].name, recs[first].name) != 0) {
            first = i;
            continue;
        }
        if (where && recs[i].bridge && recs[first].bridge) {
            continue;
        }
        fail(b, recs[i].line,
             "%s \"%s\" would exist twice%s%s "
             "(first from line %d)",
             what, recs[i].name, where ? where : "",
             where ? recs[i].scope_name : "", recs[first].line);
    }
}

static void
check_length(struct builder *b, const char *what, const char *name,
             const char *owner, int line)
{
    if (strlen(name) >= TOPO_IFNAMSIZ) {
        fail(b, line, "%s \"%s\"%s%s is longer than %d characters", what, name,
             owner ? " of " : "", owner ? owner : "", TOPO_IFNAMSIZ - 1);
    }
}

static void
check_lengths(struct builder *b)
{
    const struct plan *p = b->plan;

    for (size_t l = 0; l < p->view.n_links; l++) {
        const struct mi_link *link = &p->links[l];

        for (int e = 0; e < 2; e++) {
            if (link->end[e].node >= 0) {
                check_length(b, "interface name", link->end[e].ifname,
                             p->nodes[link->end[e].node].name,
                             b->link_info[l].line);
            }
            if (link->peer[e]) {
                check_length(b, "port name", link->peer[e], NULL,
                             b->link_info[l].line);
            }
        }
    }
    for (size_t i = 0; i < p->view.n_bridges; i++) {
        check_length(b, "bridge name", p->bridges[i].name, NULL,
                     b->bridge_line[i]);
    }
}

static void
check_names(struct builder *b)
{
    const struct plan *p = b->plan;
    size_t n_links = p->view.n_links, n_bridges = p->view.n_bridges;
    size_t max = p->view.n_nodes + n_bridges + 2 * n_links;
    struct name_rec *recs = xcalloc(max, sizeof *recs);
    size_t n = 0;

    for (size_t i = 0; i < p->view.n_nodes; i++) {
        recs[n++] = (struct name_rec){p->nodes[i].name, false, 0, NULL, i,
                                      b->node_line[i]};
    }
    check_unique(b, recs, n, "node", NULL);

    n = 0;
    for (size_t i = 0; i < n_bridges; i++) {
        recs[n++] = (struct name_rec){p->bridges[i].name, true, 0, NULL, i,
                                      b->bridge_line[i]};
    }
    check_unique(b, recs, n, "bridge", NULL);

    /* The full names of shortened bridges (the others are their names). */
    n = 0;
    for (size_t i = 0; i < n_bridges; i++) {
        if (strcmp(p->bridges[i].label, p->bridges[i].name) != 0) {
            recs[n++] = (struct name_rec){
                p->bridges[i].label, true, 0, NULL, i, b->bridge_line[i]};
        }
    }
    check_unique(b, recs, n, "switch", NULL);

    n = 0;
    for (size_t l = 0; l < n_links; l++) {
        for (int e = 0; e < 2; e++) {
            int node = p->links[l].end[e].node;

            if (node >= 0) {
                recs[n++] = (struct name_rec){p->links[l].end[e].ifname,
                                              false,
                                              (size_t)node,
                                              p->nodes[node].name,
                                              2 * l + (size_t)e,
                                              b->link_info[l].line};
            }
        }
    }
    check_unique(b, recs, n, "interface", " in node ");

    /* The root namespace of each server holds its bridges and ports. */
    n = 0;
    for (size_t i = 0; i < n_bridges; i++) {
        unsigned s = p->bridges[i].server;

        recs[n++] =
            (struct name_rec){p->bridges[i].name, true, s,
                              p->servers[s].name, i,    b->bridge_line[i]};
    }
    for (size_t l = 0; l < n_links; l++) {
        for (int e = 0; e < 2; e++) {
            unsigned s = p->links[l].server[e];

            if (p->links[l].peer[e]) {
                recs[n++] = (struct name_rec){p->links[l].peer[e],
                                              false,
                                              s,
                                              p->servers[s].name,
                                              n_bridges + 2 * l + (size_t)e,
                                              b->link_info[l].line};
            }
        }
    }
    check_unique(b, recs, n, "root-namespace interface", " on server ");
    free(recs);
}

struct addr_rec {
    uint32_t ip;
    uint8_t plen;
    uint64_t segment;
    size_t order; /* loopbacks (node order), then link ends */
    int line;
};

static uint32_t
plen_mask(uint8_t plen)
{
    return plen ? 0xffffffffu << (32 - plen) : 0;
}

static int
compare_subnets(const void *a_, const void *b_)
{
    const struct addr_rec *a = a_, *b = b_;
    uint32_t na = a->ip & plen_mask(a->plen), nb = b->ip & plen_mask(b->plen);

    if (na != nb) {
        return na < nb ? -1 : 1;
    }
    if (a->plen != b->plen) {
        return a->plen < b->plen ? -1 : 1;
    }
    return a->order < b->order ? -1 : a->order > b->order;
}

static int
compare_ips(const void *a_, const void *b_)
{
    const struct addr_rec *a = a_, *b = b_;

    if (a->ip != b->ip) {
        return a->ip < b->ip ? -1 : 1;
    }
    return a->order < b->order ? -1 : a->order > b->order;
}

/* "3_MUNIrouter ext_1_ZURI" or "3_ZURIrouter loopback". */
static void
describe_owner(const struct plan *p, const struct addr_rec *rec, char *buf,
               size_t len)
{
    if (rec->order < p->view.n_nodes) {
        snprintf(buf, len, "%s loopback", p->nodes[rec->order].name);
    } else {
        size_t k = rec->order - p->view.n_nodes;
        const struct mi_endpoint *end = &p->links[k / 2].end[k % 2];

        snprintf(buf, len, "%s %s", p->nodes[end->node].name, end->ifname);
    }
}

/* The address of `rec` or, with `subnet`, its subnet, as "a.b.c.d/len". */
static void
format_rec(const struct addr_rec *rec, bool subnet, char *buf, size_t len)
{
    struct mi_addr addr = {rec->ip, rec->plen};

    if (subnet) {
        addr.ip &= plen_mask(rec->plen);
    }
    plan_format_addr(&addr, true, buf, len);
}

static size_t
collect_addrs(const struct builder *b, struct addr_rec *recs)
{
    const struct plan *p = b->plan;
    size_t n = 0;

    for (size_t i = 0; i < p->view.n_nodes; i++) {
        if (p->nodes[i].loopback.plen) {
            recs[n++] = (struct addr_rec){p->nodes[i].loopback.ip,
                                          p->nodes[i].loopback.plen,
                                          SEG_LOOPBACK(i), i, b->node_line[i]};
        }
    }
    for (size_t l = 0; l < p->view.n_links; l++) {
        for (int e = 0; e < 2; e++) {
            const struct mi_endpoint *end = &p->links[l].end[e];

            if (end->node >= 0 && end->addr.plen) {
                recs[n++] = (struct addr_rec){
                    end->addr.ip, end->addr.plen, b->link_info[l].segment[e],
                    p->view.n_nodes + 2 * l + (size_t)e, b->link_info[l].line};
            }
        }
    }
    return n;
}

static void
check_host_parts(struct builder *b, const struct addr_rec *recs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t host = recs[i].ip & ~plen_mask(recs[i].plen);
        char addr[32], owner[256];

        if (recs[i].plen <= 30 &&
            (!host || host == ~plen_mask(recs[i].plen))) {
            format_rec(&recs[i], false, addr, sizeof addr);
            describe_owner(b->plan, &recs[i], owner, sizeof owner);
            fail(b, recs[i].line,
                 "address %s of %s is the network or "
                 "broadcast address of its subnet",
                 addr, owner);
        }
    }
}

static bool
same_subnet(const struct addr_rec *a, const struct addr_rec *b)
{
    return a->plen == b->plen &&
           (a->ip & plen_mask(a->plen)) == (b->ip & plen_mask(b->plen));
}

static int
compare_segments(const void *a_, const void *b_)
{
    const struct addr_rec *a = a_, *b = b_;

    if (!same_subnet(a, b)) {
        return compare_subnets(a, b);
    }
    if (a->segment != b->segment) {
        return a->segment < b->segment ? -1 : 1;
    }
    return a->order < b->order ? -1 : a->order > b->order;
}

/* Keeps the first record (in plan order) of every (subnet, segment) pair,
 * sorted by subnet, then plan order.  Returns the new count. */
static size_t
group_subnets(struct addr_rec *recs, size_t n)
{
    size_t n_groups = 0;

    qsort(recs, n, sizeof *recs, compare_segments);
    for (size_t i = 0; i < n; i++) {
        if (n_groups && same_subnet(&recs[i], &recs[n_groups - 1]) &&
            recs[i].segment == recs[n_groups - 1].segment) {
            continue;
        }
        recs[n_groups++] = recs[i];
    }
    qsort(recs, n_groups, sizeof *recs, compare_subnets);
    return n_groups;
}

/* Every subnet must belong to one segment: two segments whose subnets
 * overlap would make routes ambiguous.  Sorted by network, a subnet
 * overlaps an earlier one iff it starts before the end of the one reaching
 * furthest so far. */
static void
check_subnets(struct builder *b, struct addr_rec *recs, size_t n)
{
    const struct addr_rec *cover = NULL;
    uint64_t cover_end = 0;

    n = group_subnets(recs, n);
    for (size_t i = 0; i < n; i++) {
        uint32_t net = recs[i].ip & plen_mask(recs[i].plen);
        uint64_t end = (uint64_t)net + (~plen_mask(recs[i].plen)) + 1;

        if (cover && net < cover_end && cover->segment != recs[i].segment) {
            char s1[32], s2[32], o1[256], o2[256];

            format_rec(cover, true, s1, sizeof s1);
            format_rec(&recs[i], true, s2, sizeof s2);
            describe_owner(b->plan, cover, o1, sizeof o1);
            describe_owner(b->plan, &recs[i], o2, sizeof o2);
            fail(b, recs[i].line,
                 "subnet %s of %s overlaps subnet %s of %s "
                 "(line %d)",
                 s2, o2, s1, o1, cover->line);
        }
        if (!cover || end > cover_end) {
            cover = &recs[i];
            cover_end = end;
        }
    }
}

/* Addresses must be unique; equal addresses in different segments are
 * already reported as overlapping subnets. */
static void
check_duplicates(struct builder *b, struct addr_rec *recs, size_t n)
{
    qsort(recs, n, sizeof *recs, compare_ips);
    for (size_t i = 1, first = 0; i < n; i++) {
        char addr[32], o1[256], o2[256];

        if (recs[i].ip != recs[first].ip) {
            first = i;
            continue;
        }
        if (recs[i].segment != recs[first].segment) {
            continue;
        }
        format_rec(&recs[i], false, addr, sizeof addr);
        describe_owner(b->plan, &recs[first], o1, sizeof o1);
        describe_owner(b->plan, &recs[i], o2, sizeof o2);
        fail(b, recs[i].line,
             "address %s of %s is already used by %s "
             "(line %d)",
             addr, o2, o1, recs[first].line);
    }
}

static void
check_addresses(struct builder *b)
{
    const struct plan *p = b->plan;
    struct addr_rec *recs =
        xcalloc(p->view.n_nodes + 2 * p->view.n_links, sizeof *recs);
    size_t n = collect_addrs(b, recs);

    check_host_parts(b, recs, n);
    check_duplicates(b, recs, n);
    check_subnets(b, recs, n);
    free(recs);
}

/* ------------------------------------------------------------------------ */
/* The public functions.                                                    */

/* Allocates the growing arrays up front: they are never NULL. */
static void
builder_init(struct builder *b)
{
    struct plan *p = b->plan;
    size_t n_ases = b->topo->n_ases;

    b->nodes_cap = b->links_cap = b->bridges_cap = 64;
    p->nodes = xcalloc(b->nodes_cap, sizeof *p->nodes);
    p->links = xcalloc(b->links_cap, sizeof *p->links);
    p->bridges = xcalloc(b->bridges_cap, sizeof *p->bridges);
    b->node_line = xcalloc(b->nodes_cap, sizeof *b->node_line);
    b->link_info = xcalloc(b->links_cap, sizeof *b->link_info);
    b->bridge_line = xcalloc(b->bridges_cap, sizeof *b->bridge_line);
    b->first_bridge = xcalloc(n_ases, sizeof *b->first_bridge);
    b->ixp_bridge = xcalloc(n_ases, sizeof *b->ixp_bridge);
}

static void
builder_destroy(struct builder *b)
{
    free(b->node_line);
    free(b->link_info);
    free(b->bridge_line);
    free(b->first_bridge);
    free(b->ixp_bridge);
}

static bool
topology_fits(struct builder *b)
{
    bool ok = true;

    for (size_t i = 0; i < b->topo->n_ases; i++) {
        if (!as_fits(b, &b->topo->ases[i])) {
            ok = false;
        }
    }
    return ok;
}

static void
plan_everything(struct builder *b)
{
    const struct topology *topo = b->topo;

    for (size_t i = 0; i < topo->n_ases; i++) {
        plan_as(b, i);
    }
    plan_ixp_bridges(b);
    plan_external_links(b);
    plan_routeserver_links(b);
    plan_measurement(b);
    plan_proxies(b);
    plan_mgmt(b);
    if (b->failed) {
        return;
    }
    plan_link_servers(b);
    count_per_server(b->plan);
    check_lengths(b);
    check_names(b);
    check_addresses(b);
}

int
plan_compute(const struct topology *topo, const struct plan_params *params,
             struct plan **out)
{
    struct plan *p = xmalloc(sizeof *p);
    struct builder b = {
        .topo = topo,
        .params = params,
        .file = topo->file ? topo->file : "(topology)",
        .plan = p,
    };

    *out = NULL;
    *p = (struct plan){.view.size = sizeof p->view};
    p->view.name = keep_dup(p, topo->name ? topo->name : "miniinet");
    plan_servers(&b);

    unsigned *server_of = xcalloc(topo->n_ases, sizeof *server_of);
    if (!topology_fits(&b) || placement_compute(topo, server_of)) {
        free(server_of);
        plan_free(p);
        return -EINVAL;
    }
    plan_ases(&b, server_of);
    free(server_of);

    builder_init(&b);
    plan_everything(&b);
    builder_destroy(&b);
    if (b.failed) {
        plan_free(p);
        return -EINVAL;
    }
    view_of(p, &p->view); /* the arrays move no more */
    *out = p;
    return 0;
}

const struct access_plan *
plan_access(const struct plan *p)
{
    return p->access;
}

const struct mi_plan *
plan_view(const struct plan *p)
{
    return &p->view;
}

void
plan_free(struct plan *p)
{
    if (!p) {
        return;
    }
    for (size_t i = 0; i < p->n_strings; i++) {
        free(p->strings[i]);
    }
    free(p->strings);
    free(p->servers);
    free(p->ases);
    free(p->nodes);
    free(p->links);
    free(p->bridges);
    access_plan_free(p->access);
    free(p);
}

int
plan_find_server(const struct plan *p, const char *name)
{
    for (size_t i = 0; i < p->view.n_servers; i++) {
        if (!strcmp(p->servers[i].name, name)) {
            return (int)i;
        }
    }
    return -1;
}

void
plan_format_addr(const struct mi_addr *addr, bool with_plen, char *buf,
                 size_t len)
{
    uint32_t ip = addr->ip;

    if (with_plen) {
        snprintf(buf, len, "%u.%u.%u.%u/%u", ip >> 24, (ip >> 16) & 0xff,
                 (ip >> 8) & 0xff, ip & 0xff, addr->plen);
    } else {
        snprintf(buf, len, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff,
                 (ip >> 8) & 0xff, ip & 0xff);
    }
}

/* An addressed interface, by subnet, for plan_neighbours(). */
struct subnet_member {
    uint32_t net;
    uint8_t plen;
    bool local;
};

static int
cmp_member(const void *a_, const void *b_)
{
    const struct subnet_member *a = a_, *b = b_;

    if (a->net != b->net) {
        return a->net < b->net ? -1 : 1;
    }
    return (int)a->plen - (int)b->plen;
}

size_t
plan_neighbours(const struct mi_plan *p, unsigned server)
{
    struct subnet_member *m = xcalloc(2 * p->n_links + 1, sizeof *m);
    size_t n = 0, total = 0;

    for (size_t i = 0; i < p->n_links; i++) {
        for (int e = 0; e < 2; e++) {
            const struct mi_endpoint *end = &p->links[i].end[e];
            if (end->node < 0 || !end->addr.plen || end->addr.plen >= 32) {
                continue;
            }
            uint32_t mask = ~(uint32_t)0 << (32 - end->addr.plen);
            m[n++] = (struct subnet_member){
                .net = end->addr.ip & mask,
                .plen = end->addr.plen,
                .local = p->nodes[end->node].server == server,
            };
        }
    }
    qsort(m, n, sizeof *m, cmp_member);
    for (size_t i = 0; i < n;) {
        size_t j = i, local = 0;
        while (j < n && m[j].net == m[i].net && m[j].plen == m[i].plen) {
            local += m[j++].local;
        }
        total += local * (j - i - 1);
        i = j;
    }
    free(m);
    return total;
}

size_t
plan_measurement_routes(const struct mi_plan *p, size_t node,
                        struct plan_route *out, size_t max)
{
    size_t n = 0, all = 0;

    for (size_t l = 0; l < p->n_links; l++) {
        const struct mi_link *link = mi_plan_link(p, l);
        if (link->kind != MI_LINK_MEASUREMENT ||
            link->end[1].node != (int)node) {
            continue;
        }
        unsigned asn = mi_plan_node(p, (size_t)link->end[0].node)->asn;
        uint32_t gw = link->end[0].addr.ip;
        all += 2;
        if (n + 2 <= max) {
            out[n++] = (struct plan_route){.dst = asn << 24,
                                           .plen = 8,
                                           .gateway = gw,
                                           .ifname = link->end[1].ifname,
                                           .metric = 0};
            out[n++] = (struct plan_route){.dst = 0,
                                           .plen = 0,
                                           .gateway = gw,
                                           .ifname = link->end[1].ifname,
                                           .metric = asn};
        }
    }
    return all;
}

/* Node `node`'s interface whose subnet holds `ip`, or NULL. */
static const char *
interface_to(const struct mi_plan *p, size_t node, uint32_t ip)
{
    for (size_t l = 0; l < p->n_links; l++) {
        const struct mi_link *link = mi_plan_link(p, l);
        for (int e = 0; e < 2; e++) {
            const struct mi_addr *a = &link->end[e].addr;
            uint32_t mask = a->plen ? ~0u << (32 - a->plen) : 0;
            if (link->end[e].node == (int)node && a->plen &&
                !((a->ip ^ ip) & mask)) {
                return link->end[e].ifname;
            }
        }
    }
    return NULL;
}

static bool
listed(const char *ifname, const char *const *names, size_t n)
{
    for (size_t i = 0; ifname && i < n; i++) {
        if (!strcmp(names[i], ifname)) {
            return true;
        }
    }
    return false;
}

size_t
plan_node_routes(const struct mi_plan *p, size_t node,
                 const char *const *through, size_t n_through,
                 struct plan_route *out, size_t max)
{
    const struct mi_node *n = mi_plan_node(p, node);
    size_t all = 0;

    if ((n->kind == MI_NODE_HOST || n->kind == MI_NODE_L2HOST) && n->gateway) {
        struct plan_route r = {.gateway = n->gateway,
                               .ifname = interface_to(p, node, n->gateway)};
        if (!through || listed(r.ifname, through, n_through)) {
            if (all < max) {
                out[all] = r;
            }
            all++;
        }
    }
    size_t m = plan_measurement_routes(p, node, NULL, 0);
    struct plan_route *mr = xcalloc(m + 1, sizeof *mr);
    plan_measurement_routes(p, node, mr, m);
    for (size_t i = 0; i < m; i++) {
        if (!through || listed(mr[i].ifname, through, n_through)) {
            if (all < max) {
                out[all] = mr[i];
            }
            all++;
        }
    }
    free(mr);
    return all;
}

bool
plan_has_mgmt(const struct mi_plan *p)
{
    for (size_t i = 0; i < p->n_bridges; i++) {
        if (mi_plan_bridge(p, i)->kind == MI_BRIDGE_MGMT) {
            return true;
        }
    }
    return false;
}

int
plan_measurement_node(const struct mi_plan *p)
{
    for (size_t i = 0; i < p->n_nodes; i++) {
        if (mi_plan_node(p, i)->kind == MI_NODE_MEASUREMENT) {
            return (int)i;
        }
    }
    return -1;
}

int
plan_measurement_link(const struct mi_plan *p, unsigned asn)
{
    for (size_t l = 0; l < p->n_links; l++) {
        const struct mi_link *link = mi_plan_link(p, l);
        if (link->kind == MI_LINK_MEASUREMENT &&
            mi_plan_node(p, (size_t)link->end[0].node)->asn == asn) {
            return (int)l;
        }
    }
    return -1;
}

int
plan_measurement_owner(const struct mi_plan *p, uint32_t ip)
{
    for (size_t l = 0; l < p->n_links; l++) {
        const struct mi_link *link = mi_plan_link(p, l);
        if (link->kind == MI_LINK_MEASUREMENT && link->end[1].addr.ip == ip) {
            return (int)mi_plan_node(p, (size_t)link->end[0].node)->asn;
        }
    }
    return -1;
}
