/* Printing a plan, as text for people and as JSON for programs.
 *
 * Both outputs depend on the plan alone (no paths, times or pointers), so
 * they can be diffed between runs and machines.
 *
 * Text: a summary line, then per server (in plan order) its ASes in AS
 * order; per AS its nodes with their interfaces, its bridges with their
 * ports, and its links.  A link is listed under the AS of its end[0] and,
 * when it is remote, also under the AS of its end[1], so that every server's
 * section shows every link that touches the server.
 *
 * JSON: one object
 *   { "name": "...",
 *     "servers": [ { "name", "address", "interface", "ssh_user",
 *                    "ssh_port", "ssh_identity", "ssh_known_hosts",
 *                    "underlay_mtu", "n_routers", "n_ases" } ],
 *     "ases":    [ { "asn", "kind" ("as"|"ixp"), "configured", "server",
 *                    "n_routers", "n_nodes", "matrix_host" (the node
 *                    standing for the AS in the matrix, or null) } ],
 *     "nodes":   [ { "index", "name", "kind" ("router"|"host"|"l2host"|
 *                    "routeserver"|"measurement"|"proxy"), "asn", "server",
 *                    "label", "row", "loopback", "gateway" } ],
 *     "links":   [ { "index", "kind" ("internal"|"host"|"external"|"ixp"|
 *                    "l2-gateway"|"l2-host"|"l2-trunk"|"measurement"|
 *                    "mgmt"), "rel" ("none"|"provider"|"customer"|
 *                    "peer"), "ends": [ { "node",
 *                    "bridge", "ifname", "address", "vlan", "server",
 *                    "peer" } x 2 ], "mtu", "rate_bps", "delay_us",
 *                    "buffer_us", "remote", "tunnel_id", "tunnel" } ],
 *     "bridges": [ { "index", "name", "label", "kind" ("l2switch"|"ixp"|
 *                    "mgmt"), "asn", "server", "stp_priority", "stp_mac"
 *                    (both null for "mgmt", which runs no STP) } ],
 *     "access":  null, or { "port_base", "ta_keys", "groups": [ { "asn",
 *                    "server", "port", "proxy", "address", "bridge" (its
 *                    management bridge), "link" (the proxy's), "devices":
 *                    [ { "kind", "location", "what", "node", "bridge" (a
 *                    switch's), "ifname", "address", "link" (its
 *                    management link, null for a switch) } ] } ] } }
 * Every key is always present, in this order; what does not apply is
 * null.  Servers, nodes and bridges are referred to by name, and "index"
 * is the position in the whole plan (port names derive from link
 * indices).  Addresses are "a.b.c.d/len" strings, gateways "a.b.c.d".
 * With a server chosen, "servers" still lists every server (remote links
 * name the others) and the other arrays hold only what is on that server:
 * its ASes, nodes and bridges, and the links with at least one end on it.
 */
#include "config.h"

#include "plan.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "access.h"
#include "util.h"

static const char *
node_kind_name(enum mi_node_kind kind)
{
    switch (kind) {
    case MI_NODE_ROUTER:
        return "router";
    case MI_NODE_HOST:
        return "host";
    case MI_NODE_L2HOST:
        return "l2host";
    case MI_NODE_ROUTESERVER:
        return "routeserver";
    case MI_NODE_MEASUREMENT:
        return "measurement";
    case MI_NODE_PROXY:
        return "proxy";
    }
    return "?";
}

static const char *
link_kind_name(enum mi_link_kind kind)
{
    switch (kind) {
    case MI_LINK_INTERNAL:
        return "internal";
    case MI_LINK_HOST:
        return "host";
    case MI_LINK_EXTERNAL:
        return "external";
    case MI_LINK_IXP:
        return "ixp";
    case MI_LINK_L2_GATEWAY:
        return "l2-gateway";
    case MI_LINK_L2_HOST:
        return "l2-host";
    case MI_LINK_L2_TRUNK:
        return "l2-trunk";
    case MI_LINK_MEASUREMENT:
        return "measurement";
    case MI_LINK_MGMT:
        return "mgmt";
    }
    return "?";
}

static const char *
bridge_kind_name(enum mi_bridge_kind kind)
{
    switch (kind) {
    case MI_BRIDGE_L2SWITCH:
        return "l2switch";
    case MI_BRIDGE_IXP:
        return "ixp";
    case MI_BRIDGE_MGMT:
        return "mgmt";
    }
    return "?";
}

static const char *
rel_name(enum mi_rel rel)
{
    switch (rel) {
    case MI_REL_NONE:
        return "none";
    case MI_REL_PROVIDER:
        return "provider";
    case MI_REL_CUSTOMER:
        return "customer";
    case MI_REL_PEER:
        return "peer";
    }
    return "?";
}

/* tc's units, exact: "10mbit", "1500kbit", "7bit". */
static void
format_rate(uint64_t bps, char *buf, size_t len)
{
    static const struct {
        uint64_t factor;
        const char *unit;
    } units[] = {
        {1000000000, "gbit"},
        {1000000, "mbit"},
        {1000, "kbit"},
    };

    for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
        if (bps % units[i].factor == 0) {
            snprintf(buf, len, "%" PRIu64 "%s", bps / units[i].factor,
                     units[i].unit);
            return;
        }
    }
    snprintf(buf, len, "%" PRIu64 "bit", bps);
}

/* "5ms", "2.5ms", "1s", "250us". */
static void
format_time(uint32_t us, char *buf, size_t len)
{
    if (us && us % 1000000 == 0) {
        snprintf(buf, len, "%" PRIu32 "s", us / 1000000);
    } else if (us % 1000 == 0) {
        snprintf(buf, len, "%" PRIu32 "ms", us / 1000);
    } else if (us > 1000) {
        char frac[8];

        snprintf(frac, sizeof frac, "%03" PRIu32, us % 1000);
        for (size_t n = strlen(frac); n && frac[n - 1] == '0'; n--) {
            frac[n - 1] = '\0';
        }
        snprintf(buf, len, "%" PRIu32 ".%sms", us / 1000, frac);
    } else {
        snprintf(buf, len, "%" PRIu32 "us", us);
    }
}

static void
format_mac(const uint8_t mac[6], char *buf, size_t len)
{
    snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
             mac[3], mac[4], mac[5]);
}

/* "tos 0x08" from the tunnel plugin, or "id N". */
static void
describe_tunnel(const struct mi_plan *p, size_t l, plan_describe_fn *describe,
                void *aux, char *buf, size_t len)
{
    const struct mi_link *link = &p->links[l];

    if (describe) {
        buf[0] = '\0';
        describe(p, l, buf, len, aux);
    } else {
        snprintf(buf, len, "id %u", link->tunnel_id);
    }
}

static int
as_of_asn(const struct mi_plan *p, unsigned asn)
{
    size_t lo = 0, hi = p->n_ases;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (p->ases[mid].asn == asn) {
            return (int)mid;
        } else if (p->ases[mid].asn < asn) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return -1;
}

static int
end_as(const struct mi_plan *p, const struct mi_endpoint *end)
{
    return end->node >= 0 ? (int)p->nodes[end->node].as_index
                          : as_of_asn(p, p->bridges[end->bridge].asn);
}

static bool
link_on_server(const struct mi_link *link, int server)
{
    return server < 0 || link->server[0] == (unsigned)server ||
           link->server[1] == (unsigned)server;
}

/* ------------------------------------------------------------------------ */
/* Text.                                                                    */

/* The link ends of every node and bridge, grouped by owner in link order:
 * ends of owner i are refs[first[i] .. first[i + 1]). */
struct end_index {
    size_t *first;
    size_t *refs; /* 2 * link + end */
};

static void
end_index_init(struct end_index *ix, const struct mi_plan *p, bool bridges)
{
    size_t n_owners = bridges ? p->n_bridges : p->n_nodes;
    size_t *fill = xcalloc(n_owners + 1, sizeof *fill);

    ix->first = xcalloc(n_owners + 1, sizeof *ix->first);
    ix->refs = xcalloc(2 * p->n_links, sizeof *ix->refs);
    for (size_t pass = 0; pass < 2; pass++) {
        for (size_t r = 0; r < 2 * p->n_links; r++) {
            const struct mi_endpoint *end = &p->links[r / 2].end[r % 2];
            int owner = bridges ? end->bridge : end->node;

            if (owner < 0) {
                continue;
            }
            if (pass == 0) {
                ix->first[owner + 1]++;
            } else {
                ix->refs[ix->first[owner] + fill[owner]++] = r;
            }
        }
        for (size_t i = 0; pass == 0 && i < n_owners; i++) {
            ix->first[i + 1] += ix->first[i];
        }
    }
    free(fill);
}

static void
end_index_destroy(struct end_index *ix)
{
    free(ix->first);
    free(ix->refs);
}

struct text_ctx {
    const struct mi_plan *p;
    const struct access_plan *access;
    FILE *f;
    plan_describe_fn *describe;
    void *aux;
    struct end_index node_ends;
    struct end_index bridge_ends;
};

static void
text_node(struct text_ctx *t, size_t i)
{
    const struct mi_plan *p = t->p;
    const struct mi_node *node = &p->nodes[i];
    char addr[32];

    fprintf(t->f, "    %s %s (%s", node_kind_name(node->kind), node->name,
            node->label);
    if (node->kind == MI_NODE_ROUTER || node->kind == MI_NODE_HOST) {
        fprintf(t->f, ", row %u", node->row);
    }
    fputs(")", t->f);
    if (node->loopback.plen) {
        plan_format_addr(&node->loopback, true, addr, sizeof addr);
        fprintf(t->f, " loopback %s", addr);
    }
    if (node->gateway) {
        plan_format_addr(&(struct mi_addr){node->gateway, 0}, false, addr,
                         sizeof addr);
        fprintf(t->f, " gateway %s", addr);
    }
    fputs("\n", t->f);
    for (size_t k = t->node_ends.first[i]; k < t->node_ends.first[i + 1];
         k++) {
        size_t r = t->node_ends.refs[k];
        const struct mi_endpoint *end = &p->links[r / 2].end[r % 2];

        fprintf(t->f, "      %s", end->ifname);
        if (end->addr.plen) {
            plan_format_addr(&end->addr, true, addr, sizeof addr);
            fprintf(t->f, " %s", addr);
        }
        fprintf(t->f, " (link %zu)\n", r / 2);
    }
}

static void
text_bridge(struct text_ctx *t, size_t i)
{
    const struct mi_bridge *br = &t->p->bridges[i];
    char mac[32];

    format_mac(br->stp_mac, mac, sizeof mac);
    bool short_name = br->label && strcmp(br->label, br->name) != 0;

    if (br->kind == MI_BRIDGE_MGMT) {
        fprintf(t->f, "    bridge %s (%s) no stp, no vlans\n", br->name,
                bridge_kind_name(br->kind));
    } else {
        fprintf(t->f, "    bridge %s (%s%s%s) stp priority %u system id %s\n",
                br->name, bridge_kind_name(br->kind),
                short_name ? ", switch " : "", short_name ? br->label : "",
                br->stp_priority, mac);
    }
    for (size_t k = t->bridge_ends.first[i]; k < t->bridge_ends.first[i + 1];
         k++) {
        size_t r = t->bridge_ends.refs[k];
        const struct mi_endpoint *end = &t->p->links[r / 2].end[r % 2];

        enum mi_link_kind kind = t->p->links[r / 2].kind;

        fprintf(t->f, "      port %s", end->ifname);
        if (end->vlan) {
            fprintf(t->f, " vlan %u", end->vlan);
        } else if (kind == MI_LINK_L2_HOST || kind == MI_LINK_L2_GATEWAY) {
            fprintf(t->f, " untagged");
        }
        fprintf(t->f, " (link %zu)\n", r / 2);
    }
}

static void
text_end(struct text_ctx *t, const struct mi_endpoint *end)
{
    const struct mi_plan *p = t->p;

    if (end->node >= 0) {
        fprintf(t->f, "%s %s", p->nodes[end->node].name, end->ifname);
    } else {
        fprintf(t->f, "%s port %s", p->bridges[end->bridge].name, end->ifname);
    }
    if (end->addr.plen) {
        char addr[32];

        plan_format_addr(&end->addr, true, addr, sizeof addr);
        fprintf(t->f, " %s", addr);
    }
    if (end->bridge >= 0 && end->vlan) {
        fprintf(t->f, " vlan %u", end->vlan);
    }
}

static void
text_link(struct text_ctx *t, size_t l)
{
    const struct mi_link *link = &t->p->links[l];
    char buf[64];

    fprintf(t->f, "    link %zu %s", l, link_kind_name(link->kind));
    if (link->rel != MI_REL_NONE) {
        fprintf(t->f, " (%s)", rel_name(link->rel));
    }
    fputs(": ", t->f);
    text_end(t, &link->end[0]);
    fputs(" -- ", t->f);
    text_end(t, &link->end[1]);
    fprintf(t->f, ", mtu %u", link->mtu);
    if (link->rate_bps) {
        format_rate(link->rate_bps, buf, sizeof buf);
        fprintf(t->f, ", rate %s", buf);
    }
    if (link->delay_us) {
        format_time(link->delay_us, buf, sizeof buf);
        fprintf(t->f, ", delay %s", buf);
    }
    if (link->buffer_us) {
        format_time(link->buffer_us, buf, sizeof buf);
        fprintf(t->f, ", buffer %s", buf);
    }
    if (link->remote) {
        describe_tunnel(t->p, l, t->describe, t->aux, buf, sizeof buf);
        fprintf(t->f, ", remote %s<->%s %s",
                t->p->servers[link->server[0]].name,
                t->p->servers[link->server[1]].name, buf);
    }
    fputs("\n", t->f);
}

/* The AS's student access: its proxy and every device's management
 * address, with the `goto` words that reach it. */
static void
text_access(struct text_ctx *t, const struct access_group *g)
{
    char addr[32];

    plan_format_addr(&g->proxy_addr, true, addr, sizeof addr);
    fprintf(t->f, "    access: proxy %s %s %s, port %u, bridge %s\n", g->proxy,
            t->access->ifname, addr, g->port, g->bridge_name);
    for (size_t i = 0; i < g->n_devices; i++) {
        const struct access_device *d = &g->devices[i];
        plan_format_addr(&d->addr, true, addr, sizeof addr);
        fprintf(t->f, "      goto %s %s: %s %s %s\n", d->location, d->what,
                d->node >= 0 ? t->p->nodes[d->node].name
                             : t->p->bridges[d->bridge].name,
                d->kind == ACCESS_SWITCH ? "(VLAN command)"
                                         : t->access->ifname,
                addr);
    }
}

static void
text_as(struct text_ctx *t, size_t a)
{
    const struct mi_plan *p = t->p;
    const struct mi_as *as = &p->ases[a];

    if (as->ixp) {
        fprintf(t->f, "  IXP %u\n", as->asn);
    } else {
        fprintf(t->f, "  AS %u (%s, %u router%s)\n", as->asn,
                as->configured ? "configured" : "for students", as->n_routers,
                util_plural(as->n_routers));
    }
    for (size_t i = as->first_node; i < as->first_node + as->n_nodes; i++) {
        text_node(t, i);
    }
    for (size_t i = 0; i < p->n_bridges; i++) {
        if (p->bridges[i].asn == as->asn) {
            text_bridge(t, i);
        }
    }
    for (size_t l = 0; l < p->n_links; l++) {
        const struct mi_link *link = &p->links[l];

        if (end_as(p, &link->end[0]) == (int)a ||
            (link->remote && end_as(p, &link->end[1]) == (int)a)) {
            text_link(t, l);
        }
    }
    const struct access_group *g = access_plan_group(t->access, as->asn);
    if (g) {
        text_access(t, g);
    }
}

static void
text_server(struct text_ctx *t, size_t s)
{
    const struct mi_server *srv = &t->p->servers[s];

    fprintf(t->f, "\nserver %s", srv->name);
    if (srv->address) {
        fprintf(t->f, " address %s", srv->address);
    }
    if (srv->interface) {
        fprintf(t->f, " interface %s", srv->interface);
    }
    fprintf(t->f, " underlay mtu %u (routers: %u, ASes and IXPs: %u)\n",
            srv->underlay_mtu, srv->n_routers, srv->n_ases);
    for (size_t a = 0; a < t->p->n_ases; a++) {
        if (t->p->ases[a].server == s) {
            text_as(t, a);
        }
    }
    for (size_t i = 0; i < t->p->n_nodes; i++) {
        if (t->p->nodes[i].kind == MI_NODE_MEASUREMENT &&
            t->p->nodes[i].server == s) {
            fputs("  measurement host\n", t->f);
            text_node(t, i);
        }
    }
}

int
plan_write_text(const struct plan *plan, int server,
                plan_describe_fn *describe, void *describe_aux, FILE *f)
{
    const struct mi_plan *p = plan_view(plan);
    struct text_ctx t = {.p = p,
                         .access = plan_access(plan),
                         .f = f,
                         .describe = describe,
                         .aux = describe_aux};
    size_t n_ixps = 0;

    if (server >= (int)p->n_servers) {
        return -EINVAL;
    }
    for (size_t a = 0; a < p->n_ases; a++) {
        n_ixps += p->ases[a].ixp;
    }
    fprintf(f,
            "network %s: %zu server%s, %zu AS%s, %zu IXP%s, %zu node%s, "
            "%zu link%s, %zu bridge%s\n",
            p->name, p->n_servers, util_plural(p->n_servers),
            p->n_ases - n_ixps, p->n_ases - n_ixps == 1 ? "" : "es", n_ixps,
            util_plural(n_ixps), p->n_nodes, util_plural(p->n_nodes),
            p->n_links, util_plural(p->n_links), p->n_bridges,
            util_plural(p->n_bridges));
    end_index_init(&t.node_ends, p, false);
    end_index_init(&t.bridge_ends, p, true);
    for (size_t s = 0; s < p->n_servers; s++) {
        if (server < 0 || s == (size_t)server) {
            text_server(&t, s);
        }
    }
    end_index_destroy(&t.node_ends);
    end_index_destroy(&t.bridge_ends);
    return ferror(f) ? -EIO : 0;
}

/* ------------------------------------------------------------------------ */
/* JSON.                                                                    */

static json_object *
json_string_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

static json_object *
json_addr(const struct mi_addr *addr, bool with_plen)
{
    char buf[32];

    if (with_plen ? !addr->plen : !addr->ip) {
        return NULL;
    }
    plan_format_addr(addr, with_plen, buf, sizeof buf);
    return json_object_new_string(buf);
}

static void
add(json_object *obj, const char *key, json_object *value)
{
    json_object_object_add(obj, key, value);
}

static json_object *
json_server(const struct mi_server *s)
{
    json_object *o = json_object_new_object();

    add(o, "name", json_object_new_string(s->name));
    add(o, "address", json_string_or_null(s->address));
    add(o, "interface", json_string_or_null(s->interface));
    add(o, "ssh_user", json_string_or_null(s->ssh_user));
    add(o, "ssh_port", json_object_new_int64(s->ssh_port));
    add(o, "ssh_identity", json_string_or_null(s->ssh_identity));
    add(o, "ssh_known_hosts", json_string_or_null(s->ssh_known_hosts));
    add(o, "underlay_mtu", json_object_new_int64(s->underlay_mtu));
    add(o, "n_routers", json_object_new_int64(s->n_routers));
    add(o, "n_ases", json_object_new_int64(s->n_ases));
    return o;
}

static json_object *
json_as(const struct mi_plan *p, const struct mi_as *as)
{
    json_object *o = json_object_new_object();

    add(o, "asn", json_object_new_int64(as->asn));
    add(o, "kind", json_object_new_string(as->ixp ? "ixp" : "as"));
    add(o, "configured", json_object_new_boolean(as->configured));
    add(o, "server", json_object_new_string(p->servers[as->server].name));
    add(o, "n_routers", json_object_new_int64(as->n_routers));
    add(o, "n_nodes", json_object_new_int64(as->n_nodes));
    add(o, "matrix_host",
        json_string_or_null(
            as->matrix_host >= 0 ? p->nodes[as->matrix_host].name : NULL));
    return o;
}

static json_object *
json_node(const struct mi_plan *p, size_t i)
{
    const struct mi_node *node = &p->nodes[i];
    json_object *o = json_object_new_object();

    add(o, "index", json_object_new_int64((int64_t)i));
    add(o, "name", json_object_new_string(node->name));
    add(o, "kind", json_object_new_string(node_kind_name(node->kind)));
    add(o, "asn", json_object_new_int64(node->asn));
    add(o, "server", json_object_new_string(p->servers[node->server].name));
    add(o, "label", json_string_or_null(node->label));
    add(o, "row", json_object_new_int64(node->row));
    add(o, "loopback", json_addr(&node->loopback, true));
    add(o, "gateway", json_addr(&(struct mi_addr){node->gateway, 0}, false));
    return o;
}

static json_object *
json_end(const struct mi_plan *p, const struct mi_link *link, int e)
{
    const struct mi_endpoint *end = &link->end[e];
    json_object *o = json_object_new_object();

    add(o, "node",
        end->node >= 0 ? json_object_new_string(p->nodes[end->node].name)
                       : NULL);
    add(o, "bridge",
        end->bridge >= 0 ? json_object_new_string(p->bridges[end->bridge].name)
                         : NULL);
    add(o, "ifname", json_string_or_null(end->ifname));
    add(o, "address", json_addr(&end->addr, true));
    add(o, "vlan", json_object_new_int64(end->vlan));
    add(o, "server", json_object_new_string(p->servers[link->server[e]].name));
    add(o, "peer", json_string_or_null(link->peer[e]));
    return o;
}

static json_object *
json_link(const struct mi_plan *p, size_t l, plan_describe_fn *describe,
          void *aux)
{
    const struct mi_link *link = &p->links[l];
    json_object *o = json_object_new_object();
    json_object *ends = json_object_new_array();
    char buf[64];

    add(o, "index", json_object_new_int64((int64_t)l));
    add(o, "kind", json_object_new_string(link_kind_name(link->kind)));
    add(o, "rel", json_object_new_string(rel_name(link->rel)));
    json_object_array_add(ends, json_end(p, link, 0));
    json_object_array_add(ends, json_end(p, link, 1));
    add(o, "ends", ends);
    add(o, "mtu", json_object_new_int64(link->mtu));
    add(o, "rate_bps", json_object_new_uint64(link->rate_bps));
    add(o, "delay_us", json_object_new_int64(link->delay_us));
    add(o, "buffer_us", json_object_new_int64(link->buffer_us));
    add(o, "remote", json_object_new_boolean(link->remote));
    add(o, "tunnel_id", json_object_new_int64(link->tunnel_id));
    if (link->remote) {
        describe_tunnel(p, l, describe, aux, buf, sizeof buf);
    }
    add(o, "tunnel", link->remote ? json_object_new_string(buf) : NULL);
    return o;
}

static json_object *
json_bridge(const struct mi_plan *p, size_t i)
{
    const struct mi_bridge *br = &p->bridges[i];
    json_object *o = json_object_new_object();
    char mac[32];

    format_mac(br->stp_mac, mac, sizeof mac);
    add(o, "index", json_object_new_int64((int64_t)i));
    add(o, "name", json_object_new_string(br->name));
    add(o, "label", json_object_new_string(br->label ? br->label : br->name));
    add(o, "kind", json_object_new_string(bridge_kind_name(br->kind)));
    add(o, "asn", json_object_new_int64(br->asn));
    add(o, "server", json_object_new_string(p->servers[br->server].name));
    bool stp = br->kind != MI_BRIDGE_MGMT;
    add(o, "stp_priority",
        stp ? json_object_new_int64(br->stp_priority) : NULL);
    add(o, "stp_mac", stp ? json_object_new_string(mac) : NULL);
    return o;
}

static json_object *
json_access_group(const struct mi_plan *p, const struct access_plan *ap,
                  const struct access_group *g)
{
    json_object *o = json_object_new_object();
    json_object *devices = json_object_new_array();

    add(o, "asn", json_object_new_int64(g->asn));
    add(o, "server", json_object_new_string(p->servers[g->server].name));
    add(o, "port", json_object_new_int64(g->port));
    add(o, "proxy", json_object_new_string(g->proxy));
    add(o, "address", json_addr(&g->proxy_addr, true));
    add(o, "bridge", json_object_new_string(g->bridge_name));
    add(o, "link", json_object_new_int64(g->link));
    for (size_t i = 0; i < g->n_devices; i++) {
        const struct access_device *d = &g->devices[i];
        json_object *dev = json_object_new_object();
        add(dev, "kind",
            json_object_new_string(access_device_kind_name(d->kind)));
        add(dev, "location", json_object_new_string(d->location));
        add(dev, "what", json_object_new_string(d->what));
        add(dev, "node",
            d->node >= 0 ? json_object_new_string(p->nodes[d->node].name)
                         : NULL);
        add(dev, "bridge",
            d->bridge >= 0 ? json_object_new_string(p->bridges[d->bridge].name)
                           : NULL);
        add(dev, "ifname",
            d->kind == ACCESS_SWITCH ? NULL
                                     : json_object_new_string(ap->ifname));
        add(dev, "address", json_addr(&d->addr, true));
        add(dev, "link", d->link >= 0 ? json_object_new_int64(d->link) : NULL);
        json_object_array_add(devices, dev);
    }
    add(o, "devices", devices);
    return o;
}

/* null when the topology has no access. */
static json_object *
json_access(const struct mi_plan *p, const struct access_plan *ap, int server)
{
    if (!ap) {
        return NULL;
    }
    json_object *o = json_object_new_object();
    json_object *groups = json_object_new_array();

    add(o, "port_base", json_object_new_int64(ap->port_base));
    add(o, "ta_keys", json_object_new_int64((int64_t)ap->n_ta_keys));
    for (size_t i = 0; i < ap->n_groups; i++) {
        if (server < 0 || ap->groups[i].server == (unsigned)server) {
            json_object_array_add(groups,
                                  json_access_group(p, ap, &ap->groups[i]));
        }
    }
    add(o, "groups", groups);
    return o;
}

static json_object *
json_plan(const struct mi_plan *p, int server, plan_describe_fn *describe,
          void *aux)
{
    json_object *root = json_object_new_object();
    json_object *servers = json_object_new_array();
    json_object *ases = json_object_new_array();
    json_object *nodes = json_object_new_array();
    json_object *links = json_object_new_array();
    json_object *bridges = json_object_new_array();
    unsigned s = (unsigned)server;

    for (size_t i = 0; i < p->n_servers; i++) {
        json_object_array_add(servers, json_server(&p->servers[i]));
    }
    for (size_t i = 0; i < p->n_ases; i++) {
        if (server < 0 || p->ases[i].server == s) {
            json_object_array_add(ases, json_as(p, &p->ases[i]));
        }
    }
    for (size_t i = 0; i < p->n_nodes; i++) {
        if (server < 0 || p->nodes[i].server == s) {
            json_object_array_add(nodes, json_node(p, i));
        }
    }
    for (size_t i = 0; i < p->n_links; i++) {
        if (link_on_server(&p->links[i], server)) {
            json_object_array_add(links, json_link(p, i, describe, aux));
        }
    }
    for (size_t i = 0; i < p->n_bridges; i++) {
        if (server < 0 || p->bridges[i].server == s) {
            json_object_array_add(bridges, json_bridge(p, i));
        }
    }
    add(root, "name", json_object_new_string(p->name));
    add(root, "servers", servers);
    add(root, "ases", ases);
    add(root, "nodes", nodes);
    add(root, "links", links);
    add(root, "bridges", bridges);
    return root;
}

int
plan_write_json(const struct plan *plan, int server,
                plan_describe_fn *describe, void *describe_aux, FILE *f)
{
    const struct mi_plan *p = plan_view(plan);

    if (server >= (int)p->n_servers) {
        return -EINVAL;
    }
    json_object *root = json_plan(p, server, describe, describe_aux);
    add(root, "access", json_access(p, plan_access(plan), server));
    const char *text = json_object_to_json_string_ext(
        root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
    fputs(text, f);
    fputc('\n', f);
    json_object_put(root);
    return ferror(f) ? -EIO : 0;
}
