/* FRR configuration generation (see frrconf.h for the policy).
 *
 * Generation runs in two steps: collect_neighbors() walks the plan around
 * the node, checks everything the configuration needs and gathers the BGP
 * sessions; only then is anything written, so a bad plan never leaves half
 * a configuration behind.  Sections follow FRR's own `show running-config`
 * order closely enough that a saved configuration diffs well against the
 * generated one: interfaces, static routes, filters, route-maps, OSPF, BGP.
 */
#include "config.h"

#include "frrconf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

/* The daemons a configuration is split for (frrconf_write_daemon()). */
enum {
    D_ZEBRA = 1u << 0,
    D_STATICD = 1u << 1,
    D_OSPFD = 1u << 2,
    D_BGPD = 1u << 3,
    D_ALL = D_ZEBRA | D_STATICD | D_OSPFD | D_BGPD
};

/* Which daemons a line goes to, as vtysh sends it when it loads the
 * integrated file (FRR 8.4's vtysh_cmd.c: each command carries the set of
 * daemons that have it, and vtysh runs it on every one of them that runs):
 * each daemon started with its own part holds what it held after
 * `vtysh -f`, so that `show running-config` does not change, neither
 * vtysh's merged one nor a daemon's own (`vtysh -d DAEMON`).  Interfaces
 * and their descriptions are lib/if.c's (every daemon with interfaces),
 * route-maps and their `match ip address prefix-list` lib/routemap's,
 * prefix-lists lib/plist.c's; what a route-map sets or matches beyond that
 * is bgpd's alone. */
#define D_INTERFACE (D_ZEBRA | D_OSPFD | D_BGPD)
#define D_PLIST (D_ZEBRA | D_OSPFD | D_BGPD)
#define D_RMAP (D_ZEBRA | D_OSPFD | D_BGPD)

/* Role of the far side of an eBGP session, seen from this router. */
enum role { ROLE_CUSTOMER, ROLE_PEER, ROLE_PROVIDER, N_ROLES };

struct role_policy {
    const char *name;   /* for descriptions */
    const char *in;     /* import route-map */
    const char *out;    /* export route-map */
    unsigned community; /* AS:community marks routes learned this way */
    unsigned local_pref;
};

/* Customers are preferred over peers over providers (they pay us), and a
 * customer may reach everything while peers and providers only reach us and
 * our customers: the Gao-Rexford conditions for a stable, valley-free
 * Internet. */
static const struct role_policy policies[N_ROLES] = {
    [ROLE_CUSTOMER] = {"customer", "CUST_IN", "CUST_OUT", 10, 100},
    [ROLE_PEER] = {"peer", "PEER_IN", "PEER_OUT", 20, 50},
    [ROLE_PROVIDER] = {"provider", "PROV_IN", "PROV_OUT", 30, 20},
};

#define BGP_CONNECT_RETRY 5u /* seconds */

#define OWN_PREFIX "OWN_PREFIX"       /* prefix-list: AS.0.0.0/8 */
#define FROM_CUSTOMER "FROM_CUSTOMER" /* community-list: AS:10 */
#define FROM_ANY "FROM_ANY"           /* community-list: AS:10, :20, :30 */

enum nbr_kind {
    NBR_IBGP,        /* another router of the AS, over loopbacks */
    NBR_EBGP,        /* a router of another AS on an external link */
    NBR_ROUTESERVER, /* an IXP's route server, seen from a member */
    NBR_MEMBER       /* an IXP member, seen from the route server */
};

struct neighbor {
    enum nbr_kind kind;
    uint32_t addr;
    unsigned asn;
    enum role role;             /* NBR_EBGP */
    const char *far;            /* the far node's name */
    const struct mi_link *link; /* NBR_ROUTESERVER, NBR_MEMBER: the member's
                                   IXP link */
};

struct gen {
    const struct mi_plan *plan;
    size_t node;
    const struct mi_node *self;
    bool routing;  /* a preconfigured AS (or IXP) */
    unsigned part; /* the daemons (D_*) whose part is written; D_ALL and
                      `integrated` for the integrated file */
    bool integrated;
    FILE *out;
    struct neighbor *nbrs;
    size_t n_nbrs;
    size_t nbrs_cap;
    bool has_role[N_ROLES]; /* eBGP sessions of each role */
    bool has_ixp;           /* sessions with route servers */
};

/* ------------------------------------------------------------------------ */
/* Addresses.                                                               */

struct ipstr {
    char s[24];
};

static uint32_t
plen_mask(unsigned plen)
{
    return plen ? 0xffffffffu << (32 - plen) : 0;
}

static struct ipstr
ip_str(uint32_t ip)
{
    struct ipstr r;

    snprintf(r.s, sizeof r.s, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff,
             (ip >> 8) & 0xff, ip & 0xff);
    return r;
}

/* The network of ip/plen as "a.b.c.d/len". */
static struct ipstr
net_str(uint32_t ip, unsigned plen)
{
    struct ipstr r;
    uint32_t net = ip & plen_mask(plen);

    snprintf(r.s, sizeof r.s, "%u.%u.%u.%u/%u", net >> 24, (net >> 16) & 0xff,
             (net >> 8) & 0xff, net & 0xff, plen & 63);
    return r;
}

/* The AS prefix of the addressing plan, AS.0.0.0/8. */
static struct ipstr
as_prefix(unsigned asn)
{
    return net_str((uint32_t)asn << 24, 8);
}

/* ------------------------------------------------------------------------ */
/* Walking the plan.                                                        */

static bool
node_ok(const struct mi_plan *plan, int node)
{
    return node >= 0 && (size_t)node < plan->n_nodes;
}

static bool
bridge_ok(const struct mi_plan *plan, int bridge)
{
    return bridge >= 0 && (size_t)bridge < plan->n_bridges;
}

/* True if the far end (!e) of `link` is what its kind needs: a bridge for
 * IXP and L2 links, a node otherwise. */
static bool
far_ok(const struct mi_plan *plan, const struct mi_link *link, int e)
{
    const struct mi_endpoint *far = &link->end[!e];

    switch (link->kind) {
    case MI_LINK_IXP:
    case MI_LINK_L2_GATEWAY:
    case MI_LINK_L2_HOST:
    case MI_LINK_L2_TRUNK:
        return bridge_ok(plan, far->bridge);
    case MI_LINK_INTERNAL:
    case MI_LINK_HOST:
    case MI_LINK_EXTERNAL:
    case MI_LINK_MEASUREMENT:
        return node_ok(plan, far->node);
    default:
        return false;
    }
}

/* Which end of `link` is in `node`: 0, 1, or -1 for neither -- and for
 * a management link (student access), which is never FRR's. */
static int
own_end(const struct mi_link *link, size_t node)
{
    if (link->kind == MI_LINK_MGMT) {
        return -1;
    }
    for (int e = 0; e < 2; e++) {
        if (link->end[e].node >= 0 && (size_t)link->end[e].node == node) {
            return e;
        }
    }
    return -1;
}

/* mi_link.rel is end[0]'s role towards end[1]; this is the role of the
 * far end (!e) towards us (e), or -1 for a link without a relationship. */
static int
far_role(const struct mi_link *link, int e)
{
    switch (link->rel) {
    case MI_REL_PEER:
        return ROLE_PEER;
    case MI_REL_PROVIDER: /* end[0] provides for end[1] */
        return e == 1 ? ROLE_PROVIDER : ROLE_CUSTOMER;
    case MI_REL_CUSTOMER: /* end[0] buys from end[1] */
        return e == 1 ? ROLE_CUSTOMER : ROLE_PROVIDER;
    case MI_REL_NONE:
    default:
        return -1;
    }
}

/* The link that attaches the route server of IXP bridge `bridge` to it. */
static const struct mi_link *
routeserver_link(const struct mi_plan *plan, int bridge)
{
    for (size_t l = 0; l < plan->n_links; l++) {
        const struct mi_link *link = &plan->links[l];

        if (link->kind == MI_LINK_IXP && link->end[1].bridge == bridge &&
            node_ok(plan, link->end[0].node) &&
            plan->nodes[link->end[0].node].kind == MI_NODE_ROUTESERVER) {
            return link;
        }
    }
    return NULL;
}

/* True if `link` attaches a member router to IXP bridge `bridge`. */
static bool
is_member_link(const struct mi_plan *plan, const struct mi_link *link,
               int bridge)
{
    return link->kind == MI_LINK_IXP && link->end[1].bridge == bridge &&
           node_ok(plan, link->end[0].node) &&
           plan->nodes[link->end[0].node].kind == MI_NODE_ROUTER;
}

/* ------------------------------------------------------------------------ */
/* Collecting (and checking) the BGP sessions.                              */

/* The plan is checked when it is made, so these are bugs; still, say which
 * node and what, rather than write a configuration that FRR misreads. */
static int plan_error(const struct gen *, const char *fmt, ...)
    MI_PRINTF(2, 3);

static int
plan_error(const struct gen *g, const char *fmt, ...)
{
    va_list args;
    char *msg;

    va_start(args, fmt);
    if (vasprintf(&msg, fmt, args) < 0) {
        msg = NULL;
    }
    va_end(args);
    log_error("%s: cannot generate the FRR configuration: %s", g->self->name,
              msg ? msg : fmt);
    free(msg);
    return -EINVAL;
}

static void
add_neighbor(struct gen *g, const struct neighbor *n)
{
    g->nbrs = xgrow(g->nbrs, &g->nbrs_cap, g->n_nbrs + 1, sizeof *g->nbrs);
    g->nbrs[g->n_nbrs++] = *n;
}

/* Every other router of the AS, in plan order. */
static int
collect_ibgp(struct gen *g)
{
    const struct mi_plan *plan = g->plan;
    const struct mi_as *as = &plan->ases[g->self->as_index];

    if ((size_t)as->first_node + as->n_nodes > plan->n_nodes) {
        return plan_error(g, "AS %u has nodes beyond the plan's", as->asn);
    }
    for (size_t i = as->first_node; i < (size_t)as->first_node + as->n_nodes;
         i++) {
        const struct mi_node *n = &plan->nodes[i];

        if (i == g->node || n->kind != MI_NODE_ROUTER) {
            continue;
        }
        if (!n->loopback.plen) {
            return plan_error(g, "iBGP neighbor %s has no loopback", n->name);
        }
        add_neighbor(g, &(struct neighbor){.kind = NBR_IBGP,
                                           .addr = n->loopback.ip,
                                           .asn = n->asn,
                                           .far = n->name});
    }
    return 0;
}

static int
collect_external(struct gen *g, const struct mi_link *link, int e)
{
    const struct mi_endpoint *far = &link->end[!e];
    int role = far_role(link, e);

    if (g->plan->nodes[far->node].kind != MI_NODE_ROUTER || role < 0 ||
        !far->addr.plen) {
        return plan_error(g,
                          "external link %s: the far end is no router, "
                          "or has no address, or the link no relationship",
                          link->end[e].ifname);
    }
    g->has_role[role] = true;
    add_neighbor(g, &(struct neighbor){.kind = NBR_EBGP,
                                       .addr = far->addr.ip,
                                       .asn = g->plan->nodes[far->node].asn,
                                       .role = (enum role)role,
                                       .far = g->plan->nodes[far->node].name});
    return 0;
}

/* A member's session with the route server of the IXP it is linked to. */
static int
collect_routeserver(struct gen *g, const struct mi_link *link, int e)
{
    const struct mi_link *rs;

    rs = e == 0 ? routeserver_link(g->plan, link->end[1].bridge) : NULL;
    if (!rs || !rs->end[0].addr.plen) {
        return plan_error(g,
                          "IXP link %s: no route server (with an address) "
                          "on its LAN",
                          link->end[e].ifname);
    }
    g->has_ixp = true;
    add_neighbor(
        g, &(struct neighbor){.kind = NBR_ROUTESERVER,
                              .addr = rs->end[0].addr.ip,
                              .asn = g->plan->nodes[rs->end[0].node].asn,
                              .far = g->plan->nodes[rs->end[0].node].name,
                              .link = link});
    return 0;
}

/* The route server's sessions: every member of its IXP, in plan order. */
static int
collect_members(struct gen *g)
{
    const struct mi_plan *plan = g->plan;
    int bridge = -1;

    for (size_t l = 0; l < plan->n_links && bridge < 0; l++) {
        if (plan->links[l].kind == MI_LINK_IXP &&
            own_end(&plan->links[l], g->node) == 0) {
            bridge = plan->links[l].end[1].bridge;
        }
    }
    if (!bridge_ok(plan, bridge)) {
        return plan_error(g, "the route server is on no IXP LAN");
    }
    for (size_t l = 0; l < plan->n_links; l++) {
        const struct mi_link *link = &plan->links[l];

        if (is_member_link(plan, link, bridge)) {
            const struct mi_node *m = &plan->nodes[link->end[0].node];

            add_neighbor(g, &(struct neighbor){.kind = NBR_MEMBER,
                                               .addr = link->end[0].addr.ip,
                                               .asn = m->asn,
                                               .far = m->name,
                                               .link = link});
        }
    }
    return 0;
}

/* Checks the node's links (also for a skeleton configuration, which
 * describes them) and, for a routing configuration, gathers its BGP
 * sessions. */
static int
collect_neighbors(struct gen *g)
{
    const struct mi_plan *plan = g->plan;
    int error = 0;

    if (g->routing && g->self->kind == MI_NODE_ROUTER) {
        error = g->self->loopback.plen ? collect_ibgp(g)
                                       : plan_error(g, "no loopback");
    }
    for (size_t l = 0; l < plan->n_links && !error; l++) {
        const struct mi_link *link = &plan->links[l];
        int e = own_end(link, g->node);

        if (e < 0) {
            continue;
        }
        if (!far_ok(plan, link, e) || !link->end[e].ifname) {
            error = plan_error(g,
                               "link %zu has no interface name or an "
                               "invalid far end",
                               l);
        } else if (!g->routing || g->self->kind != MI_NODE_ROUTER) {
            continue;
        } else if (link->kind == MI_LINK_EXTERNAL) {
            error = collect_external(g, link, e);
        } else if (link->kind == MI_LINK_IXP) {
            error = collect_routeserver(g, link, e);
        }
    }
    if (!error && g->routing && g->self->kind == MI_NODE_ROUTESERVER) {
        error = collect_members(g);
    }
    return error;
}

/* True if the part being written is (also) that of one of `daemons`. */
static bool
part_of(const struct gen *g, unsigned daemons)
{
    return (g->part & daemons) != 0;
}

/* ------------------------------------------------------------------------ */
/* Interfaces.                                                              */

/* A bridge's name for people: the switch's full name (a plan built by
 * hand may have no label). */
static const char *
bridge_label(const struct mi_bridge *br)
{
    return br->label ? br->label : br->name;
}

static void
write_description(struct gen *g, const struct mi_link *link, int e)
{
    const struct mi_plan *plan = g->plan;
    const struct mi_endpoint *far = &link->end[!e];
    const char *name = node_ok(plan, far->node)
                           ? plan->nodes[far->node].name
                           : bridge_label(&plan->bridges[far->bridge]);
    int role;

    fputs(" description ", g->out);
    switch (link->kind) {
    case MI_LINK_INTERNAL:
        fprintf(g->out, "internal link to %s\n", name);
        break;
    case MI_LINK_HOST:
        fprintf(g->out, "link to host %s\n", name);
        break;
    case MI_LINK_EXTERNAL:
        role = far_role(link, e);
        fprintf(g->out, "%s AS %u, %s\n",
                role < 0 ? "external" : policies[role].name,
                plan->nodes[far->node].asn, name);
        break;
    case MI_LINK_IXP:
        fprintf(g->out, "IXP %u LAN%s\n", plan->bridges[far->bridge].asn,
                g->self->kind == MI_NODE_ROUTESERVER ? " (route server)" : "");
        break;
    case MI_LINK_L2_GATEWAY:
        fprintf(g->out, "L2 switch %s, VLAN %u\n", name, far->vlan);
        break;
    case MI_LINK_MEASUREMENT:
        fprintf(g->out, "link to the measurement host %s\n", name);
        break;
    case MI_LINK_L2_HOST:
    case MI_LINK_L2_TRUNK:
    default:
        fprintf(g->out, "link to %s\n", name);
        break;
    }
}

/* One block per interface, in plan order.  OSPF runs on internal links
 * only, as point-to-point (a veth has exactly two routers: no DR election,
 * and no 40 s wait before the first adjacency).  Every other interface is
 * passive, also those that no network statement covers, so that widening a
 * statement later cannot start OSPF towards a host or another AS by
 * accident. */
static void
write_interfaces(struct gen *g)
{
    if (!part_of(g, D_INTERFACE)) {
        return;
    }
    for (size_t l = 0; l < g->plan->n_links; l++) {
        const struct mi_link *link = &g->plan->links[l];
        int e = own_end(link, g->node);

        if (e < 0) {
            continue;
        }
        fprintf(g->out, "interface %s\n", link->end[e].ifname);
        write_description(g, link, e);
        if (g->routing && g->self->kind == MI_NODE_ROUTER &&
            part_of(g, D_OSPFD)) {
            fputs(link->kind == MI_LINK_INTERNAL
                      ? " ip ospf cost 1\n ip ospf network point-to-point\n"
                      : " ip ospf passive\n",
                  g->out);
        }
        fputs("exit\n!\n", g->out);
    }
}

/* ------------------------------------------------------------------------ */
/* Policy: prefix-list, community-lists, route-maps.                        */

static void
write_lists(struct gen *g)
{
    unsigned asn = g->self->asn;

    if (part_of(g, D_PLIST)) {
        fprintf(g->out, "ip prefix-list %s seq 5 permit %s\n", OWN_PREFIX,
                as_prefix(asn).s);
    }
    if (!part_of(g, D_BGPD)) {
        fputs("!\n", g->out);
        return;
    }
    if (g->has_role[ROLE_PEER] || g->has_role[ROLE_PROVIDER] || g->has_ixp) {
        fprintf(g->out, "bgp community-list standard %s permit %u:%u\n",
                FROM_CUSTOMER, asn, policies[ROLE_CUSTOMER].community);
    }
    if (g->has_role[ROLE_CUSTOMER]) {
        for (int r = 0; r < N_ROLES; r++) {
            fprintf(g->out, "bgp community-list standard %s permit %u:%u\n",
                    FROM_ANY, asn, policies[r].community);
        }
    }
    fputs("!\n", g->out);
}

/* Export route-map `name`: the own prefix, then routes matching community
 * list `list`; `set` (may be NULL) is written into both entries. */
static void
write_export_map(struct gen *g, const char *name, const char *list,
                 const char *set)
{
    bool bgp = part_of(g, D_BGPD);

    if (!part_of(g, D_RMAP)) {
        return;
    }
    set = set && bgp ? set : "";
    fprintf(g->out,
            "route-map %s permit 10\n match ip address prefix-list "
            "%s\n%sexit\n",
            name, OWN_PREFIX, set);
    fprintf(g->out, "route-map %s permit 20\n%s%s%s%sexit\n!\n", name,
            bgp ? " match community " : "", bgp ? list : "", bgp ? "\n" : "",
            set);
}

/* Route-maps of the roles in use; routes from a route server are peer
 * routes (PEER_IN), exported through the IXP's own map. */
static void
write_role_maps(struct gen *g)
{
    for (int r = 0; r < N_ROLES; r++) {
        const struct role_policy *p = &policies[r];

        if (!part_of(g, D_RMAP)) {
            continue;
        } else if ((g->has_role[r] || (r == ROLE_PEER && g->has_ixp)) &&
                   part_of(g, D_BGPD)) {
            fprintf(g->out,
                    "route-map %s permit 10\n set community %u:%u\n"
                    " set local-preference %u\nexit\n!\n",
                    p->in, g->self->asn, p->community, p->local_pref);
        } else if (g->has_role[r] || (r == ROLE_PEER && g->has_ixp)) {
            fprintf(g->out, "route-map %s permit 10\nexit\n!\n", p->in);
        }
        if (g->has_role[r]) {
            write_export_map(g, p->out,
                             r == ROLE_CUSTOMER ? FROM_ANY : FROM_CUSTOMER,
                             NULL);
        }
    }
}

/* Appends " IXP:target" to *set. */
static void
append_target(char **set, unsigned ixp, unsigned target)
{
    char *s = xasprintf("%s %u:%u", *set, ixp, target);

    free(*set);
    *set = s;
}

/* The `set community` line of member link `link`: IXP:X for every AS X the
 * route server may give our routes to, from the link's announce list, or
 * else every other member of the IXP in plan order.  malloc()ed. */
static char *
ixp_set_community(const struct gen *g, const struct mi_link *link)
{
    const struct mi_plan *plan = g->plan;
    unsigned ixp = plan->bridges[link->end[1].bridge].asn;
    char *targets = xstrdup("");
    char *set;

    for (size_t i = 0; i < link->n_announce; i++) {
        append_target(&targets, ixp, link->announce[i]);
    }
    for (size_t l = 0; l < plan->n_links && !link->n_announce; l++) {
        const struct mi_link *m = &plan->links[l];

        if (is_member_link(plan, m, link->end[1].bridge) &&
            plan->nodes[m->end[0].node].asn != g->self->asn) {
            append_target(&targets, ixp, plan->nodes[m->end[0].node].asn);
        }
    }
    /* With no target at all, "none" still keeps our own communities in. */
    set = xasprintf(" set community%s\n", *targets ? targets : " none");
    free(targets);
    return set;
}

/* A member exports to the route server what it exports to a peer, tagged
 * with the communities that tell the route server where the route may go
 * (replacing our own, which mean nothing outside the AS). */
static void
write_ixp_maps(struct gen *g)
{
    for (size_t i = 0; i < g->n_nbrs; i++) {
        const struct neighbor *n = &g->nbrs[i];

        if (n->kind == NBR_ROUTESERVER) {
            char *set = ixp_set_community(g, n->link);
            char *name = xasprintf("IXP%u_OUT", n->asn);

            write_export_map(g, name, FROM_CUSTOMER, set);
            free(name);
            free(set);
        }
    }
}

/* The route server takes every route and gives member X those tagged
 * IXP:X. */
static void
write_rs_policy(struct gen *g)
{
    bool bgp = part_of(g, D_BGPD);

    for (size_t i = 0; i < g->n_nbrs && bgp; i++) {
        fprintf(g->out, "bgp community-list standard RS_TO_%u permit %u:%u\n",
                g->nbrs[i].asn, g->self->asn, g->nbrs[i].asn);
    }
    if (!part_of(g, D_RMAP)) {
        return;
    }
    fputs("!\nroute-map RS_IN permit 10\nexit\n!\n", g->out);
    for (size_t i = 0; i < g->n_nbrs; i++) {
        fprintf(g->out, "route-map RS_TO_%u permit 10\n", g->nbrs[i].asn);
        if (bgp) {
            fprintf(g->out, " match community RS_TO_%u\n", g->nbrs[i].asn);
        }
        fputs("exit\n!\n", g->out);
    }
}

/* ------------------------------------------------------------------------ */
/* OSPF and BGP.                                                            */

/* True if an earlier L2 gateway link of this router lies in the same /16
 * as link `l` (one network statement covers all VLANs of an L2 network). */
static bool
l2_block_seen(const struct gen *g, size_t l)
{
    uint32_t block = g->plan->links[l].end[0].addr.ip & plen_mask(16);

    for (size_t k = 0; k < l; k++) {
        const struct mi_link *link = &g->plan->links[k];

        if (link->kind == MI_LINK_L2_GATEWAY && own_end(link, g->node) == 0 &&
            (link->end[0].addr.ip & plen_mask(16)) == block) {
            return true;
        }
    }
    return false;
}

static void
write_ospf(struct gen *g)
{
    const struct mi_addr *lo = &g->self->loopback;

    if (!part_of(g, D_OSPFD)) {
        return;
    }
    fprintf(g->out, "router ospf\n ospf router-id %s\n network %s area 0\n",
            ip_str(lo->ip).s, net_str(lo->ip, lo->plen).s);
    for (size_t l = 0; l < g->plan->n_links; l++) {
        const struct mi_link *link = &g->plan->links[l];
        int e = own_end(link, g->node);
        const struct mi_addr *a = e >= 0 ? &link->end[e].addr : NULL;

        if (!a || !a->plen) {
            continue;
        }
        if (link->kind == MI_LINK_INTERNAL || link->kind == MI_LINK_HOST ||
            link->kind == MI_LINK_MEASUREMENT) {
            /* The measurement link as the original's: in OSPF, so the
             * whole AS reaches AS.0.199.2 (passive here, see above). */
            fprintf(g->out, " network %s area 0\n", net_str(a->ip, a->plen).s);
        } else if (link->kind == MI_LINK_L2_GATEWAY && !l2_block_seen(g, l)) {
            fprintf(g->out, " network %s area 0\n", net_str(a->ip, 16).s);
        }
    }
    fputs("exit\n!\n", g->out);
}

static void
write_bgp_session(struct gen *g, const struct neighbor *n)
{
    struct ipstr ipbuf = ip_str(n->addr);
    const char *ip = ipbuf.s;

    fprintf(g->out, " neighbor %s remote-as %u\n", ip, n->asn);
    /* A failed connection is retried after 120 s by default: far too long
     * when routers start one by one and loopbacks wait for OSPF. */
    fprintf(g->out, " neighbor %s timers connect %u\n", ip, BGP_CONNECT_RETRY);
    switch (n->kind) {
    case NBR_IBGP:
        fprintf(g->out, " neighbor %s description iBGP %s\n", ip, n->far);
        fprintf(g->out, " neighbor %s update-source %s\n", ip,
                ip_str(g->self->loopback.ip).s);
        break;
    case NBR_EBGP:
        fprintf(g->out, " neighbor %s description %s AS %u, %s\n", ip,
                policies[n->role].name, n->asn, n->far);
        break;
    case NBR_ROUTESERVER:
        /* The route server does not put its own AS on the path. */
        fprintf(g->out,
                " neighbor %s description route server of IXP %u, "
                "%s\n",
                ip, n->asn, n->far);
        fprintf(g->out, " no neighbor %s enforce-first-as\n", ip);
        break;
    case NBR_MEMBER:
        fprintf(g->out, " neighbor %s description member AS %u, %s\n", ip,
                n->asn, n->far);
        break;
    }
}

static void
write_bgp_af(struct gen *g, const struct neighbor *n)
{
    struct ipstr ipbuf = ip_str(n->addr);
    const char *ip = ipbuf.s;
    const char *in = NULL;
    char out[32] = "";

    fprintf(g->out, "  neighbor %s activate\n", ip);
    switch (n->kind) {
    case NBR_IBGP:
        fprintf(g->out, "  neighbor %s next-hop-self\n", ip);
        break;
    case NBR_EBGP:
        in = policies[n->role].in;
        snprintf(out, sizeof out, "%s", policies[n->role].out);
        break;
    case NBR_ROUTESERVER:
        in = policies[ROLE_PEER].in;
        snprintf(out, sizeof out, "IXP%u_OUT", n->asn);
        break;
    case NBR_MEMBER:
        fprintf(g->out, "  neighbor %s route-server-client\n", ip);
        in = "RS_IN";
        snprintf(out, sizeof out, "RS_TO_%u", n->asn);
        break;
    }
    /* Communities carry the policy, also inside the AS. */
    fprintf(g->out, "  neighbor %s send-community\n", ip);
    if (in) {
        fprintf(g->out, "  neighbor %s route-map %s in\n", ip, in);
        fprintf(g->out, "  neighbor %s route-map %s out\n", ip, out);
    }
}

/* Sessions are activated explicitly (no default ipv4-unicast), and every
 * eBGP session has both route-maps, as FRR 8 requires
 * (ebgp-requires-policy).  Between equally good eBGP routes FRR would keep
 * the oldest, so the path chosen would depend on which session came up
 * first; comparing router ids makes it a function of the topology alone,
 * the same on one server as on several. */
static void
write_bgp(struct gen *g, uint32_t router_id)
{
    if (!part_of(g, D_BGPD)) {
        return;
    }
    fprintf(g->out,
            "router bgp %u\n bgp router-id %s\n"
            " bgp log-neighbor-changes\n no bgp default ipv4-unicast\n"
            " bgp bestpath compare-routerid\n",
            g->self->asn, ip_str(router_id).s);
    for (size_t i = 0; i < g->n_nbrs; i++) {
        write_bgp_session(g, &g->nbrs[i]);
    }
    fputs(" !\n address-family ipv4 unicast\n", g->out);
    if (g->self->kind == MI_NODE_ROUTER) {
        fprintf(g->out, "  network %s\n", as_prefix(g->self->asn).s);
    }
    for (size_t i = 0; i < g->n_nbrs; i++) {
        write_bgp_af(g, &g->nbrs[i]);
    }
    fputs(" exit-address-family\nexit\n!\n", g->out);
}

/* ------------------------------------------------------------------------ */
/* Whole configurations.                                                    */

static void
write_header(struct gen *g)
{
    char host[64];

    frrconf_hostname(g->plan, g->node, host, sizeof host);
    /* The defaults first: they decide how what follows is read.  The
     * hostname and the service line go to vtysh only: `vtysh -f` never
     * gave the daemons the hostname (they keep the node's, which the
     * runtime sets: `show running-config` says "hostname NODE"), and a
     * daemon reading it from its own file would show both. */
    fputs("frr defaults traditional\n", g->out);
    if (g->integrated) {
        fprintf(g->out, "hostname %s\nservice integrated-vtysh-config\n",
                host);
    }
    if (g->self->kind == MI_NODE_ROUTER && part_of(g, D_ZEBRA)) {
        fputs("ip forwarding\n", g->out);
    }
    fprintf(g->out, "! %s, %s %u: %s\n!\n", g->self->name,
            g->self->kind == MI_NODE_ROUTER ? "AS" : "IXP", g->self->asn,
            g->routing ? "configuration generated by miniinet"
                       : "routing left to the students");
}

static void
write_router(struct gen *g)
{
    write_interfaces(g);
    if (part_of(g, D_STATICD)) {
        fprintf(g->out, "ip route %s Null0\n!\n", as_prefix(g->self->asn).s);
    }
    write_lists(g);
    write_role_maps(g);
    write_ixp_maps(g);
    write_ospf(g);
    write_bgp(g, g->self->loopback.ip);
}

static void
write_routeserver(struct gen *g)
{
    uint32_t router_id = 0;

    for (size_t l = 0; l < g->plan->n_links && !router_id; l++) {
        int e = own_end(&g->plan->links[l], g->node);

        if (e >= 0) {
            router_id = g->plan->links[l].end[e].addr.ip;
        }
    }
    write_interfaces(g);
    write_rs_policy(g);
    write_bgp(g, router_id);
}

/* Writes the part of node `node`'s configuration that goes to `part`
 * (D_ALL and `integrated` for the integrated file). */
static int
write_part(const struct mi_plan *plan, size_t node, unsigned part,
           bool integrated, FILE *out)
{
    struct gen g = {.plan = plan,
                    .node = node,
                    .out = out,
                    .part = part,
                    .integrated = integrated};
    int error;

    if (node >= plan->n_nodes) {
        log_error("cannot generate the FRR configuration of node %zu: the "
                  "plan has %zu nodes",
                  node, plan->n_nodes);
        return -EINVAL;
    }
    g.self = &plan->nodes[node];
    if (g.self->kind != MI_NODE_ROUTER &&
        g.self->kind != MI_NODE_ROUTESERVER) {
        return plan_error(&g, "it runs no FRR");
    } else if (g.self->as_index >= plan->n_ases) {
        return plan_error(&g, "AS index %u out of range", g.self->as_index);
    }
    g.routing = plan->ases[g.self->as_index].configured;

    error = collect_neighbors(&g);
    if (!error) {
        write_header(&g);
        if (!g.routing) {
            write_interfaces(&g);
        } else if (g.self->kind == MI_NODE_ROUTER) {
            write_router(&g);
        } else {
            write_routeserver(&g);
        }
        fputs("end\n", out);
        error = fflush(out) || ferror(out) ? -EIO : 0;
    }
    free(g.nbrs);
    return error;
}

int
frrconf_write(const struct mi_plan *plan, size_t node, FILE *out)
{
    return write_part(plan, node, D_ALL, true, out);
}

/* The D_* bit of FRR daemon `daemon`, or 0 for one this file does not
 * configure. */
static unsigned
daemon_bit(const char *daemon)
{
    static const struct {
        const char *name;
        unsigned bit;
    } bits[] = {{"zebra", D_ZEBRA},
                {"staticd", D_STATICD},
                {"ospfd", D_OSPFD},
                {"bgpd", D_BGPD}};

    for (size_t i = 0; daemon && i < sizeof bits / sizeof *bits; i++) {
        if (!strcmp(daemon, bits[i].name)) {
            return bits[i].bit;
        }
    }
    return 0;
}

int
frrconf_write_daemon(const struct mi_plan *plan, size_t node,
                     const char *daemon, FILE *out)
{
    const char *const *daemons = frrconf_daemons(plan, node);
    bool runs = false;

    for (size_t i = 0; daemons[i] && !runs; i++) {
        runs = !strcmp(daemons[i], daemon);
    }
    if (!runs || !daemon_bit(daemon)) {
        log_error("cannot generate the configuration of FRR daemon %s of "
                  "node %zu: %s",
                  daemon, node,
                  node >= plan->n_nodes ? "no such node"
                                        : "the node does not run it");
        return -EINVAL;
    }
    return write_part(plan, node, daemon_bit(daemon), false, out);
}

const char *const *
frrconf_kind_daemons(enum mi_node_kind kind)
{
    static const char *const router[] = {"zebra", "staticd", "ospfd", "bgpd",
                                         NULL};
    static const char *const routeserver[] = {"zebra", "bgpd", NULL};
    static const char *const none[] = {NULL};

    switch (kind) {
    case MI_NODE_ROUTER:
        return router;
    case MI_NODE_ROUTESERVER:
        return routeserver;
    case MI_NODE_HOST:
    case MI_NODE_L2HOST:
    default:
        return none;
    }
}

const char *const *
frrconf_daemons(const struct mi_plan *plan, size_t node)
{
    return frrconf_kind_daemons(node < plan->n_nodes ? plan->nodes[node].kind
                                                     : MI_NODE_HOST);
}

int
frrconf_hostname(const struct mi_plan *plan, size_t node, char *buf,
                 size_t len)
{
    const struct mi_node *n = node < plan->n_nodes ? &plan->nodes[node] : NULL;

    if (n && n->kind == MI_NODE_ROUTER) {
        return snprintf(buf, len, "%s_router", n->label);
    } else if (n && n->kind == MI_NODE_ROUTESERVER) {
        return snprintf(buf, len, "%s", n->name);
    }
    return -1;
}
