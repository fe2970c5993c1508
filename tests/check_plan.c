/* Tests of the planner (plan.c), the placement (placement.c) and the plan
 * output (plan_output.c).
 *
 * Topologies are built directly in C by the builder below, so the planner
 * is tested on its own; the "files" case also reads topology files through
 * topology_load().  The golden addresses and names are those of the
 * original mini-Internet (its platform/config, current default, with AS 5
 * given the transit template), computed by hand from its subnet_config.sh
 * rules, not by this code.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "access.h"
#include "access_files.h"
#include "log.h"
#include "names.h"
#include "placement.h"
#include "plan.h"
#include "testutil.h"
#include "topology.h"
#include "util.h"

/* ------------------------------------------------------------------------ */
/* A topology builder.                                                      */

static struct topology *
tb_new(void)
{
    struct topology *t = xcalloc(1, sizeof *t);

    t->file = xstrdup("test.cfg");
    t->name = xstrdup("test");
    return t;
}

static struct topo_body *
tb_body(struct topology *t, int line)
{
    struct topo_body *b = xcalloc(1, sizeof *b);

    b->line = line;
    t->bodies =
        xrealloc(t->bodies, (t->n_bodies + 1) * sizeof(struct topo_body *));
    t->bodies[t->n_bodies++] = b;
    return b;
}

static void
tb_router(struct topo_body *b, const char *name, bool host, int line)
{
    b->routers = xrealloc(b->routers, (b->n_routers + 1) * sizeof *b->routers);
    b->routers[b->n_routers++] = (struct topo_router){
        .name = xstrdup(name), .host = host, .line = line};
}

static unsigned
tb_router_index(const struct topo_body *b, const char *name)
{
    for (size_t i = 0; i < b->n_routers; i++) {
        if (!strcmp(b->routers[i].name, name)) {
            return (unsigned)i;
        }
    }
    ck_abort_msg("no router %s", name);
    return 0;
}

static void
tb_ilink(struct topo_body *b, const char *ra, const char *rb, int line)
{
    b->links = xrealloc(b->links, (b->n_links + 1) * sizeof *b->links);
    b->links[b->n_links++] = (struct topo_ilink){.a = tb_router_index(b, ra),
                                                 .b = tb_router_index(b, rb),
                                                 .line = line};
}

static size_t
tb_l2net(struct topo_body *b, const char *name, int line)
{
    b->l2nets = xrealloc(b->l2nets, (b->n_l2nets + 1) * sizeof *b->l2nets);
    b->l2nets[b->n_l2nets] =
        (struct topo_l2net){.name = xstrdup(name), .line = line};
    return b->n_l2nets++;
}

static void
tb_switch(struct topo_body *b, size_t net, const char *name,
          const char *gateway, int line)
{
    struct topo_l2net *n = &b->l2nets[net];

    n->switches =
        xrealloc(n->switches, (n->n_switches + 1) * sizeof *n->switches);
    n->switches[n->n_switches] = (struct topo_switch){
        .name = xstrdup(name),
        .gateway = gateway ? (int)tb_router_index(b, gateway) : -1,
        .stp_priority = (unsigned)n->n_switches + 1,
        .line = line};
    n->n_switches++;
}

static unsigned
tb_switch_index(const struct topo_l2net *n, const char *name)
{
    for (size_t i = 0; i < n->n_switches; i++) {
        if (!strcmp(n->switches[i].name, name)) {
            return (unsigned)i;
        }
    }
    ck_abort_msg("no switch %s", name);
    return 0;
}

static void
tb_trunk(struct topo_body *b, size_t net, const char *sa, const char *sb,
         int line)
{
    struct topo_l2net *n = &b->l2nets[net];

    n->links = xrealloc(n->links, (n->n_links + 1) * sizeof *n->links);
    n->links[n->n_links++] = (struct topo_l2link){.a = tb_switch_index(n, sa),
                                                  .b = tb_switch_index(n, sb),
                                                  .line = line};
}

static void
tb_l2host(struct topo_body *b, size_t net, const char *name, const char *sw,
          unsigned vlan, int line)
{
    struct topo_l2net *n = &b->l2nets[net];

    n->hosts = xrealloc(n->hosts, (n->n_hosts + 1) * sizeof *n->hosts);
    n->hosts[n->n_hosts++] = (struct topo_l2host){
        .name = xstrdup(name),
        .sw = tb_switch_index(n, sw),
        .vlan = vlan,
        .impair = {.rate_bps = 10000000, .delay_us = 1000, .buffer_us = 50000},
        .line = line};
}

static void
tb_add_as(struct topology *t, unsigned asn, bool ixp,
          const struct topo_body *body, int server, int line)
{
    t->ases = xrealloc(t->ases, (t->n_ases + 1) * sizeof *t->ases);
    t->ases[t->n_ases++] = (struct topo_as){.asn = asn,
                                            .ixp = ixp,
                                            .configured = true,
                                            .server = server,
                                            .body = body,
                                            .line = line};
}

static void
tb_as(struct topology *t, unsigned asn, const struct topo_body *body,
      int server, int line)
{
    tb_add_as(t, asn, false, body, server, line);
}

static void
tb_ixp(struct topology *t, unsigned id, int server, int line)
{
    tb_add_as(t, id, true, NULL, server, line);
}

static const struct topo_as *
tb_find(const struct topology *t, unsigned asn)
{
    for (size_t i = 0; i < t->n_ases; i++) {
        if (t->ases[i].asn == asn) {
            return &t->ases[i];
        }
    }
    ck_abort_msg("no AS %u", asn);
    return NULL;
}

/* rb NULL: as_b is an IXP.  The result is valid until the next call. */
static struct topo_elink *
tb_elink(struct topology *t, unsigned as_a, const char *ra, enum mi_rel rel,
         unsigned as_b, const char *rb, int line)
{
    struct topo_elink *e;

    t->elinks = xrealloc(t->elinks, (t->n_elinks + 1) * sizeof *t->elinks);
    e = &t->elinks[t->n_elinks++];
    *e = (struct topo_elink){
        .as_a = as_a,
        .router_a = tb_router_index(tb_find(t, as_a)->body, ra),
        .as_b = as_b,
        .router_b = rb ? (int)tb_router_index(tb_find(t, as_b)->body, rb) : -1,
        .rel = rel,
        .line = line};
    return e;
}

static void
tb_server(struct topology *t, const char *name, const char *address,
          unsigned mtu, int line)
{
    t->servers = xrealloc(t->servers, (t->n_servers + 1) * sizeof *t->servers);
    t->servers[t->n_servers++] =
        (struct topo_server){.name = xstrdup(name),
                             .address = xstrdup(address),
                             .ssh_user = xstrdup("root"),
                             .ssh_port = 22,
                             .mtu = mtu,
                             .line = line};
}

static int
compare_ases(const void *a_, const void *b_)
{
    const struct topo_as *a = a_, *b = b_;

    return a->asn < b->asn ? -1 : a->asn > b->asn;
}

/* Sorts the ASes by number, as topology_load() delivers them. */
static struct topology *
tb_finish(struct topology *t)
{
    qsort(t->ases, t->n_ases, sizeof *t->ases, compare_ases);
    return t;
}

static void
tb_free_body(struct topo_body *b)
{
    for (size_t i = 0; i < b->n_routers; i++) {
        free(b->routers[i].name);
    }
    for (size_t i = 0; i < b->n_l2nets; i++) {
        struct topo_l2net *n = &b->l2nets[i];

        for (size_t j = 0; j < n->n_switches; j++) {
            free(n->switches[j].name);
        }
        for (size_t j = 0; j < n->n_hosts; j++) {
            free(n->hosts[j].name);
        }
        free(n->name);
        free(n->switches);
        free(n->links);
        free(n->hosts);
    }
    free(b->routers);
    free(b->links);
    free(b->l2nets);
    free(b);
}

static void
tb_free(struct topology *t)
{
    for (size_t i = 0; i < t->n_bodies; i++) {
        tb_free_body(t->bodies[i]);
    }
    for (size_t i = 0; i < t->n_servers; i++) {
        free(t->servers[i].name);
        free(t->servers[i].address);
        free(t->servers[i].ssh_user);
    }
    free(t->bodies);
    free(t->servers);
    free(t->ases);
    free(t->elinks);
    free(t->file);
    free(t->name);
    free(t);
}

/* ------------------------------------------------------------------------ */
/* The original platform's default configuration (c437ca1 platform/config):
 * l3_routers.txt, l3_links.txt, l2_switches.txt, l2_hosts.txt, l2_links.txt
 * as the transit template, l3_routers_tier1_and_stub.txt (one router ZURI)
 * as the stub template, AS_config.txt and aslevel_links.txt.  Lines are
 * 100 + row in the transit template, 200 + row for links. */

static const char *const transit_routers[] = {
    "ZURI", "BASE", "GENE", "LUGA", "MUNI", "LYON", "VIEN", "MILA",
};

static const char *const transit_links[][2] = {
    {"ZURI", "BASE"}, {"ZURI", "GENE"}, {"ZURI", "LUGA"}, {"ZURI", "MUNI"},
    {"ZURI", "VIEN"}, {"BASE", "GENE"}, {"BASE", "MUNI"}, {"BASE", "LYON"},
    {"GENE", "LUGA"}, {"GENE", "LYON"}, {"LUGA", "MILA"}, {"LUGA", "VIEN"},
};

static const struct {
    const char *name, *sw;
    unsigned vlan;
    bool dcs;
} transit_l2hosts[] = {
    {"FIFA_1", "S1", 10, false}, {"UEFA_1", "S1", 20, false},
    {"vpn_1", "S1", 30, false},  {"FIFA_2", "S2", 10, false},
    {"UEFA_2", "S2", 20, false}, {"vpn_2", "S2", 30, false},
    {"FIFA_3", "S3", 10, false}, {"UEFA_3", "S3", 20, false},
    {"vpn_3", "S3", 30, false},  {"FIFA_4", "S4", 10, true},
    {"UEFA_4", "S4", 20, true},
};

static struct topo_body *
transit_body(struct topology *t)
{
    struct topo_body *b = tb_body(t, 99);

    for (size_t i = 0; i < ARRAY_SIZE(transit_routers); i++) {
        tb_router(b, transit_routers[i], true, 100 + (int)i);
    }
    for (size_t i = 0; i < ARRAY_SIZE(transit_links); i++) {
        tb_ilink(b, transit_links[i][0], transit_links[i][1], 120 + (int)i);
        b->links[i].impair = (struct topo_impair){1000000, 5000, 50000};
    }
    size_t dcn = tb_l2net(b, "DCN", 140);
    tb_switch(b, dcn, "S1", "ZURI", 141);
    tb_switch(b, dcn, "S2", "BASE", 142);
    tb_switch(b, dcn, "S3", NULL, 143);
    size_t dcs = tb_l2net(b, "DCS", 150);
    tb_switch(b, dcs, "S4", "GENE", 151);
    for (size_t i = 0; i < ARRAY_SIZE(transit_l2hosts); i++) {
        tb_l2host(b, transit_l2hosts[i].dcs ? dcs : dcn,
                  transit_l2hosts[i].name, transit_l2hosts[i].sw,
                  transit_l2hosts[i].vlan, 160 + (int)i);
    }
    tb_trunk(b, dcn, "S1", "S2", 145);
    tb_trunk(b, dcn, "S1", "S3", 146);
    tb_trunk(b, dcn, "S2", "S3", 147);
    return b;
}

static struct topo_body *
stub_body(struct topology *t)
{
    struct topo_body *b = tb_body(t, 90);

    tb_router(b, "ZURI", true, 91);
    return b;
}

static const unsigned upstream_transit[] = {3, 4, 5, 13, 14};
static const unsigned upstream_stub[] = {1, 2, 6, 11, 12, 15, 16};
static const unsigned upstream_ixps[] = {80, 81, 82};

static const struct {
    const char *ra, *rb;
    unsigned a;
    enum mi_rel rel;
    unsigned b;
    uint32_t delay_us;
} upstream_links[] = {
    {"ZURI", "MUNI", 1, MI_REL_PROVIDER, 3, 2500},
    {"ZURI", "MUNI", 1, MI_REL_PROVIDER, 4, 25000},
    {"ZURI", "ZURI", 1, MI_REL_PEER, 2, 2500},
    {"ZURI", NULL, 1, MI_REL_PEER, 80, 2500},
    {"ZURI", NULL, 1, MI_REL_PEER, 81, 2500},
    {"ZURI", "BASE", 2, MI_REL_PROVIDER, 3, 25000},
    {"ZURI", "BASE", 2, MI_REL_PROVIDER, 4, 2500},
    {"ZURI", "ZURI", 2, MI_REL_PEER, 11, 2500},
    {"ZURI", NULL, 2, MI_REL_PEER, 80, 2500},
    {"ZURI", NULL, 2, MI_REL_PEER, 82, 2500},
    {"LYON", "ZURI", 3, MI_REL_PROVIDER, 5, 2500},
    {"MILA", "ZURI", 3, MI_REL_PROVIDER, 6, 25000},
    {"LUGA", "LUGA", 3, MI_REL_PEER, 4, 2500},
    {"VIEN", NULL, 3, MI_REL_PEER, 81, 2500},
    {"LYON", "ZURI", 4, MI_REL_PROVIDER, 5, 25000},
    {"MILA", "ZURI", 4, MI_REL_PROVIDER, 6, 2500},
    {"VIEN", NULL, 4, MI_REL_PEER, 82, 2500},
    {"ZURI", "ZURI", 5, MI_REL_PEER, 6, 2500},
    {"ZURI", NULL, 5, MI_REL_PEER, 81, 2500},
    {"ZURI", NULL, 6, MI_REL_PEER, 82, 2500},
    {"ZURI", "MUNI", 11, MI_REL_PROVIDER, 13, 2500},
    {"ZURI", "MUNI", 11, MI_REL_PROVIDER, 14, 25000},
    {"ZURI", "ZURI", 11, MI_REL_PEER, 12, 2500},
    {"ZURI", NULL, 11, MI_REL_PEER, 80, 2500},
    {"ZURI", NULL, 11, MI_REL_PEER, 82, 2500},
    {"ZURI", "BASE", 12, MI_REL_PROVIDER, 13, 25000},
    {"ZURI", "BASE", 12, MI_REL_PROVIDER, 14, 2500},
    {"ZURI", "ZURI", 12, MI_REL_PEER, 1, 2500},
    {"ZURI", NULL, 12, MI_REL_PEER, 80, 2500},
    {"ZURI", NULL, 12, MI_REL_PEER, 81, 2500},
    {"LYON", "ZURI", 13, MI_REL_PROVIDER, 15, 2500},
    {"MILA", "ZURI", 13, MI_REL_PROVIDER, 16, 25000},
    {"LUGA", "LUGA", 13, MI_REL_PEER, 14, 2500},
    {"VIEN", NULL, 13, MI_REL_PEER, 82, 2500},
    {"LYON", "ZURI", 14, MI_REL_PROVIDER, 15, 25000},
    {"MILA", "ZURI", 14, MI_REL_PROVIDER, 16, 2500},
    {"VIEN", NULL, 14, MI_REL_PEER, 81, 2500},
    {"ZURI", "ZURI", 15, MI_REL_PEER, 16, 2500},
    {"ZURI", NULL, 15, MI_REL_PEER, 82, 2500},
    {"ZURI", NULL, 16, MI_REL_PEER, 81, 2500},
};

static void
upstream_add_links(struct topology *t)
{
    for (size_t i = 0; i < ARRAY_SIZE(upstream_links); i++) {
        struct topo_elink *e =
            tb_elink(t, upstream_links[i].a, upstream_links[i].ra,
                     upstream_links[i].rel, upstream_links[i].b,
                     upstream_links[i].rb, 200 + (int)i);

        e->impair =
            (struct topo_impair){1000000, upstream_links[i].delay_us, 50000};
        if (upstream_links[i].a == 12 && upstream_links[i].b == 1) {
            e->subnet = 0xb3010c00; /* 179.1.12.0/24, given in the file */
        }
    }
}

/* The default network on `n_servers` servers s1, s2, ... (0: local). */
static struct topology *
upstream_topology(size_t n_servers)
{
    struct topology *t = tb_new();
    const struct topo_body *transit = transit_body(t);
    const struct topo_body *stub = stub_body(t);

    for (size_t i = 0; i < n_servers; i++) {
        char name[32], addr[32];

        snprintf(name, sizeof name, "s%zu", i + 1);
        snprintf(addr, sizeof addr, "198.18.0.%zu", i + 1);
        tb_server(t, name, addr, 1500, 10 + (int)i);
    }
    for (size_t i = 0; i < ARRAY_SIZE(upstream_transit); i++) {
        tb_as(t, upstream_transit[i], transit, -1, 50 + (int)i);
    }
    for (size_t i = 0; i < ARRAY_SIZE(upstream_stub); i++) {
        tb_as(t, upstream_stub[i], stub, -1, 60 + (int)i);
    }
    for (size_t i = 0; i < ARRAY_SIZE(upstream_ixps); i++) {
        tb_ixp(t, upstream_ixps[i], -1, 70 + (int)i);
    }
    tb_finish(t);
    upstream_add_links(t);
    return t;
}

/* ------------------------------------------------------------------------ */
/* Looking things up in a plan.                                             */

static const struct plan_params no_tunnel = {.tunnel_overhead = 0};
static const struct plan_params gre = {.tunnel_overhead = 50};

static struct plan *
must_plan(const struct topology *t, const struct plan_params *params)
{
    struct plan *p = NULL;

    testutil_capture_begin();
    int error = plan_compute(t, params, &p);
    testutil_capture_end();
    ck_assert_msg(!error, "plan_compute: %d: %s", error, testutil_captured());
    ck_assert_ptr_nonnull(p);
    return p;
}

/* Runs plan_compute() expecting failure; returns the messages. */
static const char *
plan_errors(const struct topology *t, const struct plan_params *params)
{
    struct plan *p = (struct plan *)1;

    testutil_capture_begin();
    int error = plan_compute(t, params, &p);
    testutil_capture_end();
    ck_assert_int_eq(error, -EINVAL);
    ck_assert_ptr_null(p);
    return testutil_captured();
}

static int
find_node(const struct mi_plan *p, const char *name)
{
    for (size_t i = 0; i < p->n_nodes; i++) {
        if (!strcmp(p->nodes[i].name, name)) {
            return (int)i;
        }
    }
    return -1;
}

static int
find_bridge(const struct mi_plan *p, const char *name)
{
    for (size_t i = 0; i < p->n_bridges; i++) {
        if (!strcmp(p->bridges[i].name, name)) {
            return (int)i;
        }
    }
    return -1;
}

/* The interface `ifname` of node `node`; its link index in *link. */
static const struct mi_endpoint *
find_if(const struct mi_plan *p, const char *node, const char *ifname,
        size_t *link)
{
    int n = find_node(p, node);

    ck_assert_msg(n >= 0, "no node %s", node);
    for (size_t l = 0; l < p->n_links; l++) {
        for (int e = 0; e < 2; e++) {
            const struct mi_endpoint *end = &p->links[l].end[e];

            if (end->node == n && !strcmp(end->ifname, ifname)) {
                if (link) {
                    *link = l;
                }
                return end;
            }
        }
    }
    ck_abort_msg("no interface %s in %s", ifname, node);
    return NULL;
}

static char *
addr_str(const struct mi_addr *a)
{
    static char bufs[4][32];
    static int next;
    char *buf = bufs[next++ % 4];

    plan_format_addr(a, true, buf, sizeof bufs[0]);
    return buf;
}

static void
assert_if(const struct mi_plan *p, const char *node, const char *ifname,
          const char *addr)
{
    ck_assert_str_eq(addr_str(&find_if(p, node, ifname, NULL)->addr), addr);
}

static char *
gateway_str(uint32_t ip)
{
    static char buf[32];

    plan_format_addr(&(struct mi_addr){ip, 0}, false, buf, sizeof buf);
    return buf;
}

/* The whole plan as JSON (and text), in a malloc()ed string. */
static char *
plan_json(const struct plan *p, int server)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    ck_assert_int_eq(plan_write_json(p, server, NULL, NULL, f), 0);
    fclose(f);
    return buf;
}

static void
describe_tos(const struct mi_plan *p, size_t link, char *buf, size_t len,
             void *aux)
{
    snprintf(buf, len, "%s 0x%02x", (const char *)aux,
             p->links[link].tunnel_id * 4);
}

static char *
plan_text(const struct plan *p, int server, plan_describe_fn *describe,
          void *aux)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    ck_assert_int_eq(plan_write_text(p, server, describe, aux, f), 0);
    fclose(f);
    return buf;
}

/* ------------------------------------------------------------------------ */
/* Addresses and names against the original's plan.                         */

START_TEST(test_golden_addresses)
{
    struct topology *t = upstream_topology(0);
    struct plan *plan = must_plan(t, &no_tunnel);
    const struct mi_plan *p = plan_view(plan);
    int zuri = find_node(p, "5_ZURIrouter");

    ck_assert_int_ge(zuri, 0);
    ck_assert_str_eq(addr_str(&p->nodes[zuri].loopback), "5.151.0.1/24");
    ck_assert_str_eq(
        addr_str(&p->nodes[find_node(p, "5_MILArouter")].loopback),
        "5.158.0.1/24");

    /* Internal links: row n -> 5.0.(n+1).0/24, first router .1. */
    assert_if(p, "5_ZURIrouter", "port_BASE", "5.0.1.1/24");
    assert_if(p, "5_BASErouter", "port_ZURI", "5.0.1.2/24");
    assert_if(p, "5_LUGArouter", "port_VIEN", "5.0.12.1/24");
    assert_if(p, "5_VIENrouter", "port_LUGA", "5.0.12.2/24");

    /* Router - host: 5.(101+i).0.0/24, host .1, router .2. */
    assert_if(p, "5_MILAhost", "MILArouter", "5.108.0.1/24");
    assert_if(p, "5_MILArouter", "host", "5.108.0.2/24");
    ck_assert_str_eq(gateway_str(p->nodes[find_node(p, "5_MILAhost")].gateway),
                     "5.108.0.2");

    /* L2: gateways .1, .2 in router order, then hosts per VLAN. */
    assert_if(p, "5_L2_DCN_UEFA_3", "5-S3", "5.200.20.5/24");
    assert_if(p, "5_L2_DCN_FIFA_1", "5-S1", "5.200.10.3/24");
    assert_if(p, "5_L2_DCN_vpn_2", "5-S2", "5.200.30.4/24");
    assert_if(p, "5_L2_DCS_FIFA_4", "5-S4", "5.201.10.2/24");
    assert_if(p, "5_L2_DCS_UEFA_4", "5-S4", "5.201.20.2/24");
    assert_if(p, "5_ZURIrouter", "ZURI-L2.20", "5.200.20.1/24");
    assert_if(p, "5_BASErouter", "BASE-L2.20", "5.200.20.2/24");
    assert_if(p, "5_GENErouter", "GENE-L2.10", "5.201.10.1/24");
    ck_assert_str_eq(
        gateway_str(p->nodes[find_node(p, "5_L2_DCN_UEFA_3")].gateway),
        "5.200.20.1");
    ck_assert_str_eq(
        gateway_str(p->nodes[find_node(p, "5_L2_DCS_FIFA_4")].gateway),
        "5.201.10.1");

    /* Between ASes: 179.LO.HI.0/24, each AS .AS. */
    assert_if(p, "1_ZURIrouter", "ext_3_MUNI", "179.1.3.1/24");
    assert_if(p, "3_MUNIrouter", "ext_1_ZURI", "179.1.3.3/24");
    assert_if(p, "12_ZURIrouter", "ext_1_ZURI", "179.1.12.12/24");
    assert_if(p, "1_ZURIrouter", "ext_12_ZURI", "179.1.12.1/24");
    assert_if(p, "5_ZURIrouter", "ext_3_LYON", "179.3.5.5/24");

    /* IXPs: 180.IXP.0.AS, route server .IXP. */
    assert_if(p, "1_ZURIrouter", "ixp_80", "180.80.0.1/24");
    assert_if(p, "80_IXP", "ixp_80", "180.80.0.80/24");
    assert_if(p, "16_ZURIrouter", "ixp_81", "180.81.0.16/24");

    plan_free(plan);
    tb_free(t);
}
END_TEST

START_TEST(test_golden_names)
{
    struct topology *t = upstream_topology(0);
    struct plan *plan = must_plan(t, &no_tunnel);
    const struct mi_plan *p = plan_view(plan);
    int rs = find_node(p, "80_IXP");
    int sw = find_bridge(p, "3_L2_DCN_S1");

    ck_assert_int_eq(p->nodes[find_node(p, "3_ZURIrouter")].kind,
                     MI_NODE_ROUTER);
    ck_assert_str_eq(p->nodes[find_node(p, "3_ZURIrouter")].label, "ZURI");
    ck_assert_int_eq(p->nodes[find_node(p, "3_ZURIhost")].kind, MI_NODE_HOST);
    ck_assert_int_eq(p->nodes[find_node(p, "3_L2_DCN_FIFA_1")].kind,
                     MI_NODE_L2HOST);
    ck_assert_int_ge(rs, 0);
    ck_assert_int_eq(p->nodes[rs].kind, MI_NODE_ROUTESERVER);
    ck_assert_str_eq(p->nodes[rs].label, "IXP80");
    ck_assert_int_ge(sw, 0);
    ck_assert_int_eq(p->bridges[sw].kind, MI_BRIDGE_L2SWITCH);
    ck_assert_int_eq(p->bridges[sw].stp_priority, 1);
    ck_assert_int_eq(p->bridges[find_bridge(p, "80_IXP")].kind, MI_BRIDGE_IXP);
    find_if(p, "3_ZURIrouter", "port_BASE", NULL);
    find_if(p, "3_ZURIrouter", "ZURI-L2.30", NULL);
    find_if(p, "3_LYONrouter", "ext_5_ZURI", NULL);
    find_if(p, "3_ZURIhost", "ZURIrouter", NULL);
    find_if(p, "3_L2_DCN_UEFA_2", "3-S2", NULL);
    plan_free(plan);
    tb_free(t);

    /* The doc's example: AS 3's ZURI linked to AS 4's PARI. */
    t = tb_new();
    struct topo_body *b3 = tb_body(t, 1), *b4 = tb_body(t, 2);
    tb_router(b3, "ZURI", true, 3);
    tb_router(b4, "PARI", false, 4);
    tb_as(t, 3, b3, -1, 5);
    tb_as(t, 4, b4, -1, 6);
    tb_finish(t);
    tb_elink(t, 3, "ZURI", MI_REL_CUSTOMER, 4, "PARI", 7);
    plan = must_plan(t, &no_tunnel);
    p = plan_view(plan);
    assert_if(p, "3_ZURIrouter", "ext_4_PARI", "179.3.4.3/24");
    assert_if(p, "4_PARIrouter", "ext_3_ZURI", "179.3.4.4/24");
    ck_assert_int_eq(p->links[p->n_links - 1].rel, MI_REL_CUSTOMER);
    ck_assert_int_lt(find_node(p, "4_PARIhost"), 0);
    ck_assert_uint_eq(p->n_nodes, 3);
    plan_free(plan);
    tb_free(t);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Order of nodes, links and bridges.                                       */

START_TEST(test_node_order)
{
    struct topology *t = upstream_topology(0);
    struct plan *plan = must_plan(t, &no_tunnel);
    const struct mi_plan *p = plan_view(plan);
    size_t next = 0;

    ck_assert_uint_eq(p->n_ases, 15);
    for (size_t a = 0; a < p->n_ases; a++) {
        const struct mi_as *as = &p->ases[a];

        ck_assert(a == 0 || p->ases[a - 1].asn < as->asn);
        ck_assert_uint_eq(as->first_node, next);
        ck_assert_uint_eq(as->asn, t->ases[a].asn);
        next += as->n_nodes;
        for (size_t i = as->first_node; i < next; i++) {
            ck_assert_uint_eq(p->nodes[i].asn, as->asn);
            ck_assert_uint_eq(p->nodes[i].as_index, a);
        }
    }
    ck_assert_uint_eq(next, p->n_nodes);

    /* AS 5: 8 routers by row, their 8 hosts, then DCN's 9 and DCS's 2. */
    const struct mi_as *as5 = &p->ases[4];
    ck_assert_uint_eq(as5->asn, 5);
    ck_assert_uint_eq(as5->n_routers, 8);
    ck_assert_uint_eq(as5->n_nodes, 8 + 8 + 11);
    for (size_t i = 0; i < 8; i++) {
        const struct mi_node *r = &p->nodes[as5->first_node + i];
        const struct mi_node *h = &p->nodes[as5->first_node + 8 + i];

        ck_assert_int_eq(r->kind, MI_NODE_ROUTER);
        ck_assert_str_eq(r->label, transit_routers[i]);
        ck_assert_uint_eq(r->row, i);
        ck_assert_int_eq(h->kind, MI_NODE_HOST);
        ck_assert_str_eq(h->label, transit_routers[i]);
    }
    for (size_t i = 0; i < ARRAY_SIZE(transit_l2hosts); i++) {
        const struct mi_node *h = &p->nodes[as5->first_node + 16 + i];

        ck_assert_int_eq(h->kind, MI_NODE_L2HOST);
        ck_assert_str_eq(h->label, transit_l2hosts[i].name);
    }
    /* IXP 80: one route server. */
    ck_assert_uint_eq(p->ases[12].asn, 80);
    ck_assert(p->ases[12].ixp);
    ck_assert_uint_eq(p->ases[12].n_nodes, 1);
    ck_assert_uint_eq(p->ases[12].n_routers, 0);
    ck_assert_str_eq(p->nodes[p->ases[12].first_node].name, "80_IXP");
    plan_free(plan);
    tb_free(t);
}
END_TEST

START_TEST(test_link_order)
{
    struct topology *t = upstream_topology(0);
    struct plan *plan = must_plan(t, &no_tunnel);
    const struct mi_plan *p = plan_view(plan);
    /* A transit AS: 8 host links, 12 internal, gateways (DCN: 2 routers x
     * VLANs 10, 20, 30; DCS: 1 x 10, 20), 3 trunks, 11 L2 hosts. */
    static const struct {
        enum mi_link_kind kind;
        size_t n;
    } transit[] = {
        {MI_LINK_HOST, 8},     {MI_LINK_INTERNAL, 12}, {MI_LINK_L2_GATEWAY, 8},
        {MI_LINK_L2_TRUNK, 3}, {MI_LINK_L2_HOST, 11},
    };
    size_t l = 0;

    for (size_t a = 0; a < p->n_ases; a++) {
        const struct mi_as *as = &p->ases[a];

        if (as->ixp) {
            continue;
        }
        if (as->n_routers == 1) {
            ck_assert_int_eq(p->links[l].kind, MI_LINK_HOST);
            ck_assert_int_eq(p->links[l++].end[0].node, (int)as->first_node);
            continue;
        }
        for (size_t k = 0; k < ARRAY_SIZE(transit); k++) {
            for (size_t i = 0; i < transit[k].n; i++, l++) {
                ck_assert_int_eq(p->links[l].kind, transit[k].kind);
            }
        }
    }
    /* Gateway links of the first transit AS (3): ZURI 10, 20, 30, BASE 10,
     * 20, 30, GENE 10, 20. */
    static const char *const gw[] = {
        "ZURI-L2.10", "ZURI-L2.20", "ZURI-L2.30", "BASE-L2.10",
        "BASE-L2.20", "BASE-L2.30", "GENE-L2.10", "GENE-L2.20",
    };
    for (size_t i = 0; i < ARRAY_SIZE(gw); i++) {
        const struct mi_link *link = &p->links[2 + 20 + i];

        ck_assert_str_eq(link->end[0].ifname, gw[i]);
        ck_assert_int_eq(link->end[1].vlan, (unsigned)atoi(gw[i] + 8));
        ck_assert_str_eq(p->bridges[link->end[1].bridge].name,
                         i < 3   ? "3_L2_DCN_S1"
                         : i < 6 ? "3_L2_DCN_S2"
                                 : "3_L2_DCS_S4");
    }
    /* Then the links between ASes in file order, then route servers. */
    for (size_t i = 0; i < ARRAY_SIZE(upstream_links); i++, l++) {
        const struct mi_link *link = &p->links[l];

        ck_assert_int_eq(link->kind, upstream_links[i].rb ? MI_LINK_EXTERNAL
                                                          : MI_LINK_IXP);
        ck_assert_uint_eq(p->nodes[link->end[0].node].asn,
                          upstream_links[i].a);
        ck_assert_int_eq(link->rel, upstream_links[i].rel);
        ck_assert_uint_eq(link->delay_us, upstream_links[i].delay_us);
        ck_assert_uint_eq(link->rate_bps, 1000000);
        ck_assert_uint_eq(link->buffer_us, 50000);
    }
    for (size_t i = 0; i < ARRAY_SIZE(upstream_ixps); i++, l++) {
        const struct mi_link *link = &p->links[l];

        ck_assert_int_eq(link->kind, MI_LINK_IXP);
        ck_assert_int_eq(p->nodes[link->end[0].node].kind,
                         MI_NODE_ROUTESERVER);
        ck_assert_uint_eq(p->bridges[link->end[1].bridge].asn,
                          upstream_ixps[i]);
    }
    ck_assert_uint_eq(l, p->n_links);
    plan_free(plan);
    tb_free(t);
}
END_TEST

START_TEST(test_bridges_and_ports)
{
    struct topology *t = upstream_topology(0);
    struct plan *plan = must_plan(t, &no_tunnel);
    const struct mi_plan *p = plan_view(plan);
    static const char *const as3[] = {"3_L2_DCN_S1", "3_L2_DCN_S2",
                                      "3_L2_DCN_S3", "3_L2_DCS_S4"};

    ck_assert_uint_eq(p->n_bridges, 5 * 4 + 3);
    for (size_t i = 0; i < ARRAY_SIZE(as3); i++) {
        const struct mi_bridge *br = &p->bridges[i];

        ck_assert_str_eq(br->name, as3[i]);
        ck_assert_uint_eq(br->stp_priority, i < 3 ? i + 1 : 1);
        ck_assert_uint_eq(br->stp_mac[0], 0x02);
        ck_assert_uint_eq(br->stp_mac[1], 3);
        ck_assert_uint_eq(br->stp_mac[2], i < 3 ? 0 : 1);
        ck_assert_uint_eq(br->stp_mac[4], i < 3 ? i : 0);
    }
    ck_assert_str_eq(p->bridges[20].name, "80_IXP");
    ck_assert_str_eq(p->bridges[22].name, "82_IXP");

    for (size_t l = 0; l < p->n_links; l++) {
        const struct mi_link *link = &p->links[l];

        ck_assert(!link->remote);
        ck_assert_uint_eq(link->mtu, 1500);
        ck_assert_uint_eq(link->tunnel_id, 0);
        for (int e = 0; e < 2; e++) {
            const struct mi_endpoint *end = &link->end[e];
            char want[32];

            ck_assert((end->node >= 0) != (end->bridge >= 0));
            snprintf(want, sizeof want, "mi%zu%c", l, e ? 'b' : 'a');
            if (end->bridge >= 0) {
                ck_assert_str_eq(link->peer[e], want);
                ck_assert_str_eq(end->ifname, want);
                ck_assert_uint_eq(end->addr.plen, 0);
            } else {
                ck_assert_ptr_null(link->peer[e]);
            }
        }
        if (link->kind == MI_LINK_L2_TRUNK) {
            ck_assert_uint_eq(link->end[0].vlan, 0);
            ck_assert_ptr_nonnull(link->peer[0]);
            ck_assert_ptr_nonnull(link->peer[1]);
        }
    }
    plan_free(plan);
    tb_free(t);
}
END_TEST

START_TEST(test_local_server)
{
    struct topology *t = upstream_topology(0);
    struct plan *plan = must_plan(t, &no_tunnel);
    const struct mi_plan *p = plan_view(plan);

    ck_assert_uint_eq(p->size, sizeof *p);
    ck_assert_str_eq(p->name, "test");
    ck_assert_uint_eq(p->n_servers, 1);
    ck_assert_str_eq(p->servers[0].name, "local");
    ck_assert_ptr_null(p->servers[0].address);
    ck_assert_uint_eq(p->servers[0].underlay_mtu, 1500);
    ck_assert_uint_eq(p->servers[0].n_routers, 5 * 8 + 7);
    ck_assert_uint_eq(p->servers[0].n_ases, 15);
    ck_assert_int_eq(plan_find_server(plan, "local"), 0);
    ck_assert_int_eq(plan_find_server(plan, "s1"), -1);
    plan_free(plan);
    tb_free(t);
}
END_TEST

START_TEST(test_format_addr)
{
    struct mi_addr a = {0xb3010c0c, 24};
    char buf[32];

    plan_format_addr(&a, true, buf, sizeof buf);
    ck_assert_str_eq(buf, "179.1.12.12/24");
    plan_format_addr(&a, false, buf, sizeof buf);
    ck_assert_str_eq(buf, "179.1.12.12");
    a = (struct mi_addr){0xffffffff, 32};
    plan_format_addr(&a, true, buf, sizeof buf);
    ck_assert_str_eq(buf, "255.255.255.255/32");
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Servers, remote links, MTUs and tunnel ids.                              */

static struct topo_body *
two_router_body(struct topology *t, int line)
{
    struct topo_body *b = tb_body(t, line);

    tb_router(b, "ZURI", true, line + 1);
    tb_router(b, "BASE", false, line + 2);
    tb_ilink(b, "ZURI", "BASE", line + 3);
    return b;
}

/* AS 1 on s1, AS 2 on s2, AS 3 on s3 (when there are three servers). */
static struct topology *
three_servers(unsigned mtu1, unsigned mtu2)
{
    struct topology *t = tb_new();
    struct topo_body *b = two_router_body(t, 1);

    tb_server(t, "s1", "198.18.0.1", mtu1, 10);
    tb_server(t, "s2", "198.18.0.2", mtu2, 11);
    tb_server(t, "s3", "198.18.0.3", 1500, 12);
    tb_as(t, 1, b, 0, 20);
    tb_as(t, 2, b, 1, 21);
    tb_as(t, 3, b, 2, 22);
    tb_ixp(t, 80, 0, 23);
    tb_finish(t);
    tb_elink(t, 1, "ZURI", MI_REL_PEER, 2, "ZURI", 30); /* s1-s2 */
    tb_elink(t, 1, "ZURI", MI_REL_PEER, 3, "ZURI", 31); /* s1-s3 */
    tb_elink(t, 2, "BASE", MI_REL_PEER, 1, "BASE", 32)->subnet = 0xb3150000;
    tb_elink(t, 2, "ZURI", MI_REL_PEER, 3, "ZURI", 33); /* s2-s3 */
    tb_elink(t, 3, "BASE", MI_REL_PEER, 1, "BASE", 34)->subnet = 0xb31f0000;
    tb_elink(t, 1, "ZURI", MI_REL_PEER, 80, NULL, 35); /* local */
    tb_elink(t, 2, "ZURI", MI_REL_PEER, 80, NULL, 36); /* s1-s2 */
    return t;
}

START_TEST(test_remote_links)
{
    struct topology *t = three_servers(1500, 1400);
    struct plan *plan = must_plan(t, &gre);
    const struct mi_plan *p = plan_view(plan);
    /* 3 host links, 3 internal links, then the 7 above, then the route
     * server's. */
    static const struct {
        bool remote;
        unsigned server0, server1, tunnel_id, mtu;
    } want[] = {
        {true, 0, 1, 1, 1350}, {true, 0, 2, 1, 1450},  {true, 1, 0, 2, 1350},
        {true, 1, 2, 1, 1350}, {true, 2, 0, 2, 1450},  {false, 0, 0, 0, 1350},
        {true, 1, 0, 3, 1350}, {false, 0, 0, 0, 1350},
    };

    ck_assert_uint_eq(p->n_links, 6 + ARRAY_SIZE(want));
    for (size_t l = 0; l < 6; l++) {
        ck_assert(!p->links[l].remote);
        ck_assert_uint_eq(p->links[l].mtu, 1500);
        ck_assert_ptr_null(p->links[l].peer[0]);
        ck_assert_ptr_null(p->links[l].peer[1]);
    }
    for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
        const struct mi_link *link = &p->links[6 + i];
        char name[16];

        ck_assert_msg(link->remote == want[i].remote, "link %zu", 6 + i);
        ck_assert_uint_eq(link->server[0], want[i].server0);
        ck_assert_uint_eq(link->server[1], want[i].server1);
        ck_assert_uint_eq(link->tunnel_id, want[i].tunnel_id);
        /* IXP 80's LAN has a member on s2, so all of it gets that MTU. */
        ck_assert_msg(link->mtu == want[i].mtu, "link %zu: mtu %u", 6 + i,
                      link->mtu);
        snprintf(name, sizeof name, "mi%zub", 6 + i);
        if (link->remote || link->end[1].bridge >= 0) {
            ck_assert_str_eq(link->peer[1], name);
        } else {
            ck_assert_ptr_null(link->peer[1]);
        }
        name[strlen(name) - 1] = 'a';
        if (link->remote) {
            ck_assert_str_eq(link->peer[0], name);
        } else {
            ck_assert_ptr_null(link->peer[0]);
        }
        /* The tunnel's port on each side: a node's end is its own peer
         * name; an IXP's bridge end (end[1]) attaches the other side's,
         * so that both servers attach one name. */
        for (int e = 0; e < 2; e++) {
            if (!link->remote) {
                ck_assert_ptr_null(link->tunnel_port[e]);
            } else {
                int own = link->end[e].node >= 0 ? e : !e;
                ck_assert_str_eq(link->tunnel_port[e], link->peer[own]);
            }
        }
        if (link->remote && link->end[1].bridge >= 0) {
            ck_assert_str_eq(link->tunnel_port[1], link->tunnel_port[0]);
        }
    }
    /* The strides of the plan's arrays are the host's element sizes. */
    ck_assert_uint_eq(p->link_size, sizeof(struct mi_link));
    ck_assert_uint_eq(p->node_size, sizeof(struct mi_node));
    ck_assert_ptr_eq(mi_plan_link(p, 7), &p->links[7]);
    ck_assert_uint_eq(p->servers[0].n_routers, 2);
    ck_assert_uint_eq(p->servers[0].n_ases, 2);
    ck_assert_uint_eq(p->servers[1].n_ases, 1);
    ck_assert_int_eq(plan_find_server(plan, "s3"), 2);
    plan_free(plan);
    tb_free(t);
}
END_TEST

START_TEST(test_remote_mtu)
{
    /* A jumbo underlay does not make links bigger than local ones. */
    struct topology *t = three_servers(9000, 9000);
    struct plan *plan = must_plan(t, &gre);
    const struct mi_plan *p = plan_view(plan);

    ck_assert_uint_eq(p->links[6].mtu, 1500);
    plan_free(plan);

    /* Exactly 576 left is fine. */
    struct plan_params big = {.tunnel_overhead = 1400 - 576};
    tb_free(t);
    t = three_servers(1500, 1400);
    plan = must_plan(t, &big);
    ck_assert_uint_eq(plan_view(plan)->links[6].mtu, 576);
    ck_assert_uint_eq(plan_view(plan)->links[7].mtu, 1500 - 824);
    plan_free(plan);
    tb_free(t);
}
END_TEST

START_TEST(test_remote_mtu_too_small)
{
    struct topology *t = three_servers(1500, 1400);
    struct plan_params big = {.tunnel_overhead = 1400 - 575};

    ck_assert_str_eq(
        plan_errors(t, &big),
        "test.cfg:30: link 1_ZURIrouter - 2_ZURIrouter crosses from server s1 "
        "to s2: underlay MTU 1400 minus tunnel overhead 825 is below the "
        "minimum of 576\n"
        "test.cfg:32: link 2_BASErouter - 1_BASErouter crosses from server s2 "
        "to s1: underlay MTU 1400 minus tunnel overhead 825 is below the "
        "minimum of 576\n"
        "test.cfg:33: link 2_ZURIrouter - 3_ZURIrouter crosses from server s2 "
        "to s3: underlay MTU 1400 minus tunnel overhead 825 is below the "
        "minimum of 576\n"
        "test.cfg:36: link 2_ZURIrouter - 80_IXP crosses from server s2 to "
        "s1: underlay MTU 1400 minus tunnel overhead 825 is below the "
        "minimum of 576\n");

    /* An overhead above the underlay MTU must not wrap around. */
    big.tunnel_overhead = 100000;
    ck_assert_ptr_nonnull(strstr(plan_errors(t, &big),
                                 "test.cfg:31: link 1_ZURIrouter - "
                                 "3_ZURIrouter crosses from server s1 to s3: "
                                 "underlay MTU 1500 minus tunnel overhead "
                                 "100000 is below the minimum of 576\n"));
    tb_free(t);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Refusals.                                                                */

/* Two stub ASes 1 and 2, a third 3, all with routers ZURI and BASE. */
static struct topology *
small_topology(void)
{
    struct topology *t = tb_new();
    struct topo_body *b = two_router_body(t, 1);

    tb_as(t, 1, b, -1, 10);
    tb_as(t, 2, b, -1, 11);
    tb_as(t, 3, b, -1, 12);
    tb_as(t, 7, b, -1, 13);
    tb_as(t, 8, b, -1, 14);
    tb_ixp(t, 80, -1, 15);
    tb_finish(t);
    return t;
}

START_TEST(test_overlapping_explicit_subnet)
{
    struct topology *t = small_topology();

    tb_elink(t, 1, "ZURI", MI_REL_PROVIDER, 3, "ZURI", 30);
    tb_elink(t, 7, "ZURI", MI_REL_PEER, 8, "ZURI", 31)->subnet = 0xb3010300;
    ck_assert_str_eq(plan_errors(t, &no_tunnel),
                     "test.cfg:31: subnet 179.1.3.0/24 of 7_ZURIrouter "
                     "ext_8_ZURI overlaps subnet 179.1.3.0/24 of 1_ZURIrouter "
                     "ext_3_ZURI (line 30)\n");
    tb_free(t);

    /* An explicit subnet that is an internal link's: 2.0.1.0/24. */
    t = small_topology();
    tb_elink(t, 1, "ZURI", MI_REL_PEER, 3, "ZURI", 30)->subnet = 0x02000100;
    ck_assert_str_eq(plan_errors(t, &no_tunnel),
                     "test.cfg:30: subnet 2.0.1.0/24 of 1_ZURIrouter "
                     "ext_3_ZURI overlaps subnet 2.0.1.0/24 of 2_ZURIrouter "
                     "port_BASE (line 4)\n");
    tb_free(t);
}
END_TEST

START_TEST(test_duplicate_addresses)
{
    /* The same explicit subnet twice between the same ASes: the second
     * link's ends get the same addresses as the first's. */
    struct topology *t = small_topology();

    tb_elink(t, 1, "ZURI", MI_REL_PEER, 3, "ZURI", 30)->subnet = 0xb3630000;
    tb_elink(t, 1, "BASE", MI_REL_PEER, 3, "BASE", 31)->subnet = 0xb3630000;
    ck_assert_str_eq(plan_errors(t, &no_tunnel),
                     "test.cfg:31: subnet 179.99.0.0/24 of 1_BASErouter "
                     "ext_3_BASE overlaps subnet 179.99.0.0/24 of "
                     "1_ZURIrouter ext_3_ZURI (line 30)\n");
    tb_free(t);

    /* One AS at one IXP twice: the same address on one LAN. */
    t = small_topology();
    tb_elink(t, 1, "ZURI", MI_REL_PEER, 80, NULL, 30);
    tb_elink(t, 1, "BASE", MI_REL_PEER, 80, NULL, 31);
    ck_assert_str_eq(plan_errors(t, &no_tunnel),
                     "test.cfg:31: address 180.80.0.1/24 of 1_BASErouter "
                     "ixp_80 is already used by 1_ZURIrouter ixp_80 "
                     "(line 30)\n");
    tb_free(t);
}
END_TEST

/* The parser rejects such numbers; the plan does not trust its input. */
START_TEST(test_asn_out_of_range)
{
    struct topology *t = tb_new();
    struct topo_body *b = two_router_body(t, 1);

    tb_as(t, 1, b, -1, 10);
    tb_as(t, 224, b, -1, 11);
    tb_finish(t);
    ck_assert_str_eq(plan_errors(t, &no_tunnel),
                     "test.cfg:11: AS number 224 is outside 1..223 or is "
                     "127\n");
    tb_free(t);
}
END_TEST

START_TEST(test_duplicate_names)
{
    /* Router "L2_D_A" and L2 host "Arouter" of network "D" are both
     * "5_L2_D_Arouter"; switches "B_C" of "A" and "C" of "A_B" both
     * "5_L2_A_B_C". */
    struct topology *t = tb_new();
    struct topo_body *b = tb_body(t, 1);

    tb_router(b, "L2_D_A", false, 2);
    size_t d = tb_l2net(b, "D", 3);
    tb_switch(b, d, "S1", NULL, 4);
    tb_l2host(b, d, "Arouter", "S1", 10, 5);
    size_t a = tb_l2net(b, "A", 6);
    tb_switch(b, a, "B_C", NULL, 7);
    size_t ab = tb_l2net(b, "A_B", 8);
    tb_switch(b, ab, "C", NULL, 9);
    tb_as(t, 5, b, -1, 20);
    tb_finish(t);
    ck_assert_str_eq(plan_errors(t, &no_tunnel),
                     "test.cfg:5: node \"5_L2_D_Arouter\" would exist twice "
                     "(first from line 2)\n"
                     "test.cfg:9: bridge \"5_L2_A_B_C\" would exist twice "
                     "(first from line 7)\n");
    tb_free(t);
}
END_TEST

START_TEST(test_duplicate_interfaces)
{
    /* ZURI is the gateway of two L2 networks that both have VLAN 10, and of
     * two switches of one network. */
    struct topology *t = tb_new();
    struct topo_body *b = tb_body(t, 1);

    tb_router(b, "ZURI", false, 2);
    size_t n1 = tb_l2net(b, "N1", 3);
    tb_switch(b, n1, "S1", "ZURI", 4);
    tb_l2host(b, n1, "H1", "S1", 10, 5);
    size_t n2 = tb_l2net(b, "N2", 6);
    tb_switch(b, n2, "S1", "ZURI", 7);
    tb_switch(b, n2, "S2", "ZURI", 8);
    tb_l2host(b, n2, "H2", "S2", 10, 9);
    tb_as(t, 5, b, -1, 20);
    tb_finish(t);
    ck_assert_str_eq(plan_errors(t, &no_tunnel),
                     "test.cfg:8: AS 5: router ZURI is already the gateway of "
                     "switch S1 of L2 network N2\n");
    b->l2nets[n2].switches[1].gateway = -1;
    ck_assert_str_eq(plan_errors(t, &no_tunnel),
                     "test.cfg:7: interface \"ZURI-L2.10\" would exist twice "
                     "in node 5_ZURIrouter (first from line 4)\n");
    tb_free(t);
}
END_TEST

START_TEST(test_long_names)
{
    struct topology *t = tb_new();
    struct topo_body *b = tb_body(t, 1);

    tb_router(b, "ABCDEFGHIJ", false, 2);
    tb_as(t, 100, b, -1, 10);
    tb_as(t, 200, b, -1, 11);
    tb_finish(t);
    tb_elink(t, 100, "ABCDEFGHIJ", MI_REL_PEER, 200, "ABCDEFGHIJ", 30);
    ck_assert_str_eq(plan_errors(t, &no_tunnel),
                     "test.cfg:30: interface name \"ext_200_ABCDEFGHIJ\" of "
                     "100_ABCDEFGHIJrouter is longer than 15 characters\n"
                     "test.cfg:30: interface name \"ext_100_ABCDEFGHIJ\" of "
                     "200_ABCDEFGHIJrouter is longer than 15 characters\n");
    tb_free(t);
}
END_TEST

/* names_switch_bridge(): the full name when it fits 15 characters, else
 * <AS>_L2.<dc>.<sw>; the L2 host's interface likewise. */
START_TEST(test_short_names)
{
    char buf[64];

    ck_assert_int_eq(
        names_switch_bridge(buf, sizeof buf, 3, "DCN", "S1", 0, 0), 11);
    ck_assert_str_eq(buf, "3_L2_DCN_S1");
    /* 15 characters still fit. */
    names_switch_bridge(buf, sizeof buf, 3, "DCN", "S12345", 2, 7);
    ck_assert_str_eq(buf, "3_L2_DCN_S12345");
    ck_assert_int_eq(
        names_switch_bridge(buf, sizeof buf, 1, "NEWYCITY", "STATION", 1, 0),
        8);
    ck_assert_str_eq(buf, "1_L2.1.0");
    names_switch_bridge(buf, sizeof buf, 223, "NEWYCITY", "STATION", 56, 1234);
    ck_assert_str_eq(buf, "223_L2.56.1234");
    names_if_l2host_fit(buf, sizeof buf, 1, "STATION", 1, 0);
    ck_assert_str_eq(buf, "1-STATION");
    names_if_l2host_fit(buf, sizeof buf, 100, "STATION_LONGER", 1, 2);
    ck_assert_str_eq(buf, "100-L2.1.2");
}
END_TEST

/* Long switch names in a plan: the bridges get short names, the switches
 * keep theirs as labels, and no short name is another bridge's: switch "0"
 * of network "1" is the bridge 100_L2_1_0, which a short name made of the
 * positions with underscores would also be (NEWYCITY is network 1, STATION
 * its switch 0); STATION_1 and STATION_2 would be one name if shortened by
 * cutting. */
START_TEST(test_short_bridge_names)
{
    struct topology *t = tb_new();
    struct topo_body *b = tb_body(t, 1);

    tb_router(b, "R", false, 2);
    size_t n0 = tb_l2net(b, "1", 3);
    tb_switch(b, n0, "0", "R", 4);
    tb_l2host(b, n0, "H0", "0", 10, 5);
    size_t n1 = tb_l2net(b, "NEWYCITY", 6);
    tb_switch(b, n1, "STATION_1", NULL, 7);
    tb_switch(b, n1, "STATION_2", NULL, 8);
    tb_trunk(b, n1, "STATION_1", "STATION_2", 9);
    tb_l2host(b, n1, "H1", "STATION_1", 0, 10);
    tb_as(t, 100, b, -1, 20);
    tb_finish(t);

    struct plan *plan = must_plan(t, &no_tunnel);
    const struct mi_plan *p = plan_view(plan);
    ck_assert_uint_eq(p->n_bridges, 3);
    ck_assert_str_eq(p->bridges[0].name, "100_L2_1_0");
    ck_assert_str_eq(p->bridges[0].label, "100_L2_1_0");
    ck_assert_str_eq(p->bridges[1].name, "100_L2.1.0");
    ck_assert_str_eq(p->bridges[1].label, "100_L2_NEWYCITY_STATION_1");
    ck_assert_str_eq(p->bridges[2].name, "100_L2.1.1");
    ck_assert_str_eq(p->bridges[2].label, "100_L2_NEWYCITY_STATION_2");
    for (size_t l = 0; l < p->n_links; l++) {
        const struct mi_link *link = &p->links[l];
        if (link->kind == MI_LINK_L2_HOST && link->end[1].bridge == 1) {
            /* "100-STATION_1" has 13 characters: kept; VLAN 0. */
            ck_assert_str_eq(link->end[0].ifname, "100-STATION_1");
            ck_assert_uint_eq(link->end[0].addr.ip,
                              (100u << 24) | (201u << 16) | 1u);
            ck_assert_uint_eq(link->end[1].vlan, 0);
        }
    }
    plan_free(plan);
    tb_free(t);
}
END_TEST

START_TEST(test_vlan_full)
{
    /* One gateway and 253 hosts fill VLAN 10 (.1 .. .254); one more does
     * not fit. */
    struct topology *t = tb_new();
    struct topo_body *b = tb_body(t, 1);

    tb_router(b, "ZURI", false, 2);
    size_t n = tb_l2net(b, "DC", 3);
    tb_switch(b, n, "S1", "ZURI", 4);
    for (int i = 0; i < 253; i++) {
        char name[16];

        snprintf(name, sizeof name, "H%d", i);
        tb_l2host(b, n, name, "S1", 10, 100 + i);
    }
    tb_as(t, 5, b, -1, 20);
    tb_finish(t);

    struct plan *plan = must_plan(t, &no_tunnel);
    assert_if(plan_view(plan), "5_L2_DC_H252", "5-S1", "5.200.10.254/24");
    plan_free(plan);

    tb_l2host(b, n, "H253", "S1", 10, 400);
    tb_l2host(b, n, "H254", "S1", 20, 401);
    ck_assert_str_eq(plan_errors(t, &no_tunnel),
                     "test.cfg:400: AS 5: VLAN 10 of L2 network DC has more "
                     "than 254 gateways and hosts\n");
    tb_free(t);
}
END_TEST

START_TEST(test_bad_topology)
{
    /* What topology_load() never delivers is still refused, not crashed
     * on. */
    struct topology *t = small_topology();

    tb_elink(t, 1, "ZURI", MI_REL_PEER, 3, "ZURI", 30)->as_b = 4;
    ck_assert_str_eq(plan_errors(t, &no_tunnel),
                     "test.cfg:30: link between AS 1 and 4: unknown AS, IXP "
                     "or router\n");
    t->elinks[0].as_b = 3;
    t->bodies[0]->links[0].b = 7;
    ck_assert_str_eq(plan_errors(t, &no_tunnel),
                     "test.cfg:4: AS 1: internal link 1 has bad routers\n"
                     "test.cfg:4: AS 2: internal link 1 has bad routers\n"
                     "test.cfg:4: AS 3: internal link 1 has bad routers\n"
                     "test.cfg:4: AS 7: internal link 1 has bad routers\n"
                     "test.cfg:4: AS 8: internal link 1 has bad routers\n");
    t->bodies[0]->links[0].b = 1;
    t->ases[0].server = 3;
    ck_assert_str_eq(plan_errors(t, &no_tunnel),
                     "test.cfg:10: AS 1: server 3 does not exist\n");
    tb_free(t);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Determinism and output.                                                  */

/* The default network again, built in a different order with other
 * allocations in between, so that nothing lands at the same address. */
static struct topology *
upstream_topology_shuffled(size_t n_servers)
{
    void *noise[64];
    struct topology *t = tb_new();

    for (size_t i = 0; i < ARRAY_SIZE(noise); i++) {
        noise[i] = xmalloc(16 + 24 * i);
    }
    const struct topo_body *stub = stub_body(t);
    const struct topo_body *transit = transit_body(t);
    for (size_t i = n_servers; i > 0; i--) {
        char name[32], addr[32];

        snprintf(name, sizeof name, "s%zu", i);
        snprintf(addr, sizeof addr, "198.18.0.%zu", i);
        tb_server(t, name, addr, 1500, 10 + (int)i - 1);
    }
    /* Servers are in file order: put them back. */
    for (size_t i = 0; i < n_servers / 2; i++) {
        struct topo_server tmp = t->servers[i];

        t->servers[i] = t->servers[n_servers - 1 - i];
        t->servers[n_servers - 1 - i] = tmp;
    }
    for (size_t i = ARRAY_SIZE(upstream_ixps); i > 0; i--) {
        tb_ixp(t, upstream_ixps[i - 1], -1, 70 + (int)i - 1);
    }
    for (size_t i = ARRAY_SIZE(upstream_stub); i > 0; i--) {
        tb_as(t, upstream_stub[i - 1], stub, -1, 60 + (int)i - 1);
    }
    for (size_t i = ARRAY_SIZE(upstream_transit); i > 0; i--) {
        tb_as(t, upstream_transit[i - 1], transit, -1, 50 + (int)i - 1);
    }
    tb_finish(t);
    upstream_add_links(t);
    for (size_t i = 0; i < ARRAY_SIZE(noise); i++) {
        free(noise[i]);
    }
    return t;
}

START_TEST(test_determinism)
{
    struct topology *t1 = upstream_topology(3);
    struct topology *t2 = upstream_topology_shuffled(3);
    struct plan *p1 = must_plan(t1, &gre);
    struct plan *p2 = must_plan(t1, &gre);
    struct plan *p3 = must_plan(t2, &gre);
    char *j1 = plan_json(p1, -1), *j2 = plan_json(p2, -1);
    char *j3 = plan_json(p3, -1);
    char *x1 = plan_text(p1, -1, NULL, NULL),
         *x3 = plan_text(p3, -1, NULL, NULL);

    ck_assert_ptr_nonnull(strstr(j1, "\"remote\":true"));
    ck_assert_str_eq(j1, j2);
    ck_assert_str_eq(j1, j3);
    ck_assert_str_eq(x1, x3);
    for (int s = 0; s < 3; s++) {
        char *a = plan_json(p1, s), *b = plan_json(p3, s);

        ck_assert_str_eq(a, b);
        free(a);
        free(b);
    }
    free(j1);
    free(j2);
    free(j3);
    free(x1);
    free(x3);
    plan_free(p1);
    plan_free(p2);
    plan_free(p3);
    tb_free(t1);
    tb_free(t2);
}
END_TEST

static json_object *
get(json_object *o, const char *key)
{
    json_object *v = NULL;

    ck_assert_msg(json_object_object_get_ex(o, key, &v), "no key %s", key);
    return v;
}

static void
assert_keys(json_object *o, const char *const *keys)
{
    size_t i = 0;

    json_object_object_foreach(o, key, value)
    {
        (void)value;
        ck_assert_ptr_nonnull(keys[i]);
        ck_assert_str_eq(key, keys[i]);
        i++;
    }
    ck_assert_ptr_null(keys[i]);
}

START_TEST(test_json)
{
    struct topology *t = three_servers(1500, 1500);
    struct plan *plan = must_plan(t, &gre);
    char *text = plan_json(plan, -1);
    json_object *root = json_tokener_parse(text);
    static const char *const top[] = {"name",  "servers", "ases",   "nodes",
                                      "links", "bridges", "access", NULL};
    static const char *const link_keys[] = {
        "index",    "kind",      "rel",    "ends",      "mtu",    "rate_bps",
        "delay_us", "buffer_us", "remote", "tunnel_id", "tunnel", NULL};
    static const char *const end_keys[] = {
        "node", "bridge", "ifname", "address", "vlan", "server", "peer", NULL};
    static const char *const node_keys[] = {
        "index", "name", "kind",     "asn",     "server",
        "label", "row",  "loopback", "gateway", NULL};

    ck_assert_ptr_nonnull(root);
    ck_assert_int_eq(text[strlen(text) - 1], '\n');
    ck_assert_ptr_null(strstr(text, "\\/"));
    assert_keys(root, top);
    ck_assert_str_eq(json_object_get_string(get(root, "name")), "test");

    json_object *servers = get(root, "servers");
    ck_assert_uint_eq(json_object_array_length(servers), 3);
    json_object *s1 = json_object_array_get_idx(servers, 0);
    ck_assert_str_eq(json_object_get_string(get(s1, "address")), "198.18.0.1");
    ck_assert(json_object_is_type(get(s1, "interface"), json_type_null));

    json_object *node = json_object_array_get_idx(get(root, "nodes"), 0);
    assert_keys(node, node_keys);
    ck_assert_str_eq(json_object_get_string(get(node, "name")),
                     "1_ZURIrouter");
    ck_assert_str_eq(json_object_get_string(get(node, "loopback")),
                     "1.151.0.1/24");
    ck_assert(json_object_is_type(get(node, "gateway"), json_type_null));

    json_object *link = json_object_array_get_idx(get(root, "links"), 6);
    assert_keys(link, link_keys);
    ck_assert_str_eq(json_object_get_string(get(link, "kind")), "external");
    ck_assert_str_eq(json_object_get_string(get(link, "tunnel")), "id 1");
    ck_assert_int_eq(json_object_get_int(get(link, "mtu")), 1450);
    json_object *end = json_object_array_get_idx(get(link, "ends"), 1);
    assert_keys(end, end_keys);
    ck_assert_str_eq(json_object_get_string(get(end, "address")),
                     "179.1.2.2/24");
    ck_assert_str_eq(json_object_get_string(get(end, "server")), "s2");
    ck_assert_str_eq(json_object_get_string(get(end, "peer")), "mi6b");
    json_object_put(root);
    free(text);

    /* Server s3 alone: AS 3, its nodes, and the links touching it. */
    text = plan_json(plan, 2);
    root = json_tokener_parse(text);
    ck_assert_uint_eq(json_object_array_length(get(root, "servers")), 3);
    ck_assert_uint_eq(json_object_array_length(get(root, "ases")), 1);
    ck_assert_uint_eq(json_object_array_length(get(root, "nodes")), 3);
    ck_assert_uint_eq(json_object_array_length(get(root, "bridges")), 0);
    json_object *links = get(root, "links");
    ck_assert_uint_eq(json_object_array_length(links), 5);
    static const int s3_links[] = {4, 5, 7, 9, 10};
    for (size_t i = 0; i < ARRAY_SIZE(s3_links); i++) {
        ck_assert_int_eq(json_object_get_int(get(
                             json_object_array_get_idx(links, i), "index")),
                         s3_links[i]);
    }
    json_object_put(root);
    free(text);

    FILE *null = fopen("/dev/null", "w");
    ck_assert_int_eq(plan_write_json(plan, 3, NULL, NULL, null), -EINVAL);
    ck_assert_int_eq(plan_write_text(plan, 3, NULL, NULL, null), -EINVAL);
    fclose(null);
    plan_free(plan);
    tb_free(t);
}
END_TEST

START_TEST(test_text)
{
    struct topology *t = three_servers(1500, 1500);
    struct plan *plan = must_plan(t, &gre);
    char *all = plan_text(plan, -1, describe_tos, "tos");
    char *s2 = plan_text(plan, 1, NULL, NULL);

    ck_assert_ptr_nonnull(strstr(all, "network test: 3 servers, 3 ASes, 1 "
                                      "IXP, 10 nodes, 14 links, 1 bridge\n"));
    ck_assert_ptr_nonnull(strstr(all, "\nserver s1 address 198.18.0.1 "
                                      "underlay mtu 1500 (routers: 2, ASes "
                                      "and IXPs: 2)\n  AS 1 (configured, 2 "
                                      "routers)\n    router 1_ZURIrouter "
                                      "(ZURI, row 0) loopback "
                                      "1.151.0.1/24\n      host 1.101.0.2/24 "
                                      "(link 0)\n"));
    ck_assert_ptr_nonnull(strstr(all, "    link 6 external (peer): "
                                      "1_ZURIrouter ext_2_ZURI 179.1.2.1/24 "
                                      "-- 2_ZURIrouter ext_1_ZURI "
                                      "179.1.2.2/24, mtu 1450, remote "
                                      "s1<->s2 tos 0x04\n"));
    ck_assert_ptr_nonnull(strstr(all, "  IXP 80\n    routeserver 80_IXP "
                                      "(IXP80)\n      ixp_80 180.80.0.80/24 "
                                      "(link 13)\n    bridge 80_IXP (ixp) "
                                      "stp priority 0 system id "
                                      "02:50:ff:00:00:00\n      port mi11b "
                                      "(link 11)\n"));
    /* s2's view shows its AS and every link that touches s2, once. */
    ck_assert_ptr_null(strstr(s2, "server s1"));
    ck_assert_ptr_nonnull(strstr(s2, "remote s1<->s2 id 1\n"));
    ck_assert_ptr_nonnull(strstr(s2, "    link 12 ixp (peer): 2_ZURIrouter "
                                     "ixp_80 180.80.0.2/24 -- 80_IXP port "
                                     "mi12b, mtu 1450, remote s2<->s1 id "
                                     "3\n"));
    ck_assert_ptr_null(strstr(strstr(s2, "link 6 ") + 1, "link 6 "));
    free(all);
    free(s2);
    plan_free(plan);
    tb_free(t);

    /* Impairments in tc's units. */
    t = upstream_topology(0);
    plan = must_plan(t, &no_tunnel);
    all = plan_text(plan, 0, NULL, NULL);
    ck_assert_ptr_nonnull(strstr(all, "    link 10 internal: 3_ZURIrouter "
                                      "port_BASE 3.0.1.1/24 -- 3_BASErouter "
                                      "port_ZURI 3.0.1.2/24, mtu 1500, rate "
                                      "1mbit, delay 5ms, buffer 50ms\n"));
    ck_assert_ptr_nonnull(strstr(all, ", mtu 1500, rate 1mbit, delay 2.5ms, "
                                      "buffer 50ms\n"));
    ck_assert_ptr_nonnull(strstr(all, "3_L2_DCN_S1 port mi33b vlan 10, mtu "
                                      "1500, rate 10mbit, delay 1ms, buffer "
                                      "50ms\n"));
    free(all);
    plan_free(plan);
    tb_free(t);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Placement.                                                               */

static size_t
cross_links(const struct topology *t, const unsigned *server_of)
{
    size_t n = 0;

    for (size_t i = 0; i < t->n_elinks; i++) {
        int a = -1, b = -1;

        for (size_t j = 0; j < t->n_ases; j++) {
            a = t->ases[j].asn == t->elinks[i].as_a ? (int)j : a;
            b = t->ases[j].asn == t->elinks[i].as_b ? (int)j : b;
        }
        n += server_of[a] != server_of[b];
    }
    return n;
}

/* max - min of the servers' loads (routers, IXPs weigh 1). */
static unsigned
imbalance(const struct topology *t, const unsigned *server_of,
          unsigned *largest)
{
    unsigned load[16] = {0}, max = 0, min = UINT32_MAX;

    *largest = 0;
    for (size_t i = 0; i < t->n_ases; i++) {
        unsigned w = t->ases[i].ixp ? 1 : (unsigned)t->ases[i].body->n_routers;

        load[server_of[i]] += w;
        *largest = w > *largest ? w : *largest;
    }
    for (size_t s = 0; s < t->n_servers; s++) {
        max = load[s] > max ? load[s] : max;
        min = load[s] < min ? load[s] : min;
    }
    return max - min;
}

START_TEST(test_placement_clusters)
{
    /* ASes 1-4 and 5-8 fully meshed inside, one link between 4 and 5. */
    struct topology *t = tb_new();
    struct topo_body *b = tb_body(t, 1);
    unsigned server_of[8];
    unsigned largest;

    for (int i = 0; i < 8; i++) {
        char name[32];

        snprintf(name, sizeof name, "R%d", i);
        tb_router(b, name, false, 2 + i);
    }
    tb_server(t, "s1", "198.18.0.1", 1500, 10);
    tb_server(t, "s2", "198.18.0.2", 1500, 11);
    for (unsigned asn = 8; asn >= 1; asn--) {
        tb_as(t, asn, b, -1, 20 + (int)asn);
    }
    tb_finish(t);
    for (unsigned c = 0; c < 2; c++) {
        for (unsigned x = 1; x <= 4; x++) {
            for (unsigned y = x + 1; y <= 4; y++) {
                char rx[16], ry[16];

                snprintf(rx, sizeof rx, "R%u", y);
                snprintf(ry, sizeof ry, "R%u", x);
                tb_elink(t, 4 * c + x, rx, MI_REL_PEER, 4 * c + y, ry, 30);
            }
        }
    }
    tb_elink(t, 4, "R0", MI_REL_PEER, 5, "R0", 40);

    ck_assert_int_eq(placement_compute(t, server_of), 0);
    ck_assert_uint_eq(cross_links(t, server_of), 1);
    ck_assert_uint_eq(imbalance(t, server_of, &largest), 0);
    ck_assert_uint_eq(server_of[0], 0);

    /* Moving the bridge to 1 - 8 changes nothing but the order. */
    t->elinks[t->n_elinks - 1].as_a = 1;
    t->elinks[t->n_elinks - 1].as_b = 8;
    ck_assert_int_eq(placement_compute(t, server_of), 0);
    ck_assert_uint_eq(cross_links(t, server_of), 1);
    ck_assert_uint_eq(imbalance(t, server_of, &largest), 0);
    tb_free(t);
}
END_TEST

START_TEST(test_placement_balance)
{
    for (size_t n = 1; n <= 4; n++) {
        struct topology *t = upstream_topology(n);
        unsigned server_of[15], again[15], largest;

        ck_assert_int_eq(placement_compute(t, server_of), 0);
        ck_assert_msg(imbalance(t, server_of, &largest) <= largest,
                      "%zu servers: imbalance %u", n,
                      imbalance(t, server_of, &largest));
        ck_assert_int_eq(placement_compute(t, again), 0);
        ck_assert_mem_eq(server_of, again, sizeof again);
        if (n == 2) {
            /* 40 + 7 + 3 = 50: 25 each. */
            ck_assert_uint_le(imbalance(t, server_of, &largest), 1);
        }
        tb_free(t);
    }
}
END_TEST

/* A deterministic pseudo-random sequence (no rand(): its state is
 * shared). */
static unsigned
lcg(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return (*state >> 16) & 0x7fff;
}

START_TEST(test_placement_bound)
{
    /* The documented guarantee, on many random networks: without fixed
     * placements, max - min <= max(largest weight, servers - 1). */
    unsigned seed = 42;

    for (int round = 0; round < 200; round++) {
        struct topology *t = tb_new();
        struct topo_body *bodies[8];
        size_t n_servers = 1 + lcg(&seed) % 5;
        size_t n_ases = 1 + lcg(&seed) % 40;
        unsigned server_of[40], largest;

        for (size_t i = 0; i < ARRAY_SIZE(bodies); i++) {
            bodies[i] = tb_body(t, 1);
            for (size_t r = 0; r <= i * i / 3; r++) {
                char name[32];

                snprintf(name, sizeof name, "R%zu", r);
                tb_router(bodies[i], name, false, 2);
            }
        }
        for (size_t s = 0; s < n_servers; s++) {
            tb_server(t, "s", "198.18.0.1", 1500, 3);
        }
        for (size_t i = 0; i < n_ases; i++) {
            if (lcg(&seed) % 6 == 0) {
                tb_ixp(t, 1 + (unsigned)i, -1, 4);
            } else {
                tb_as(t, 1 + (unsigned)i, bodies[lcg(&seed) % 8], -1, 4);
            }
        }
        tb_finish(t);
        for (size_t k = lcg(&seed) % 60; k > 0; k--) {
            unsigned a = 1 + lcg(&seed) % (unsigned)n_ases;
            unsigned b = 1 + lcg(&seed) % (unsigned)n_ases;

            if (a != b && !tb_find(t, a)->ixp) {
                tb_elink(t, a, "R0", MI_REL_PEER, b,
                         tb_find(t, b)->ixp ? NULL : "R0", 5);
            }
        }
        ck_assert_int_eq(placement_compute(t, server_of), 0);
        unsigned bound = imbalance(t, server_of, &largest);
        ck_assert_msg(bound <= largest || bound <= n_servers - 1,
                      "round %d: imbalance %u, largest %u, %zu servers", round,
                      bound, largest, n_servers);
        tb_free(t);
    }
}
END_TEST

START_TEST(test_placement_fixed)
{
    struct topology *t = upstream_topology(2);
    unsigned server_of[15];

    /* All transit ASes on s1 (40 routers > capacity 24): everything else
     * goes to s2, except what is fixed elsewhere. */
    for (size_t i = 0; i < t->n_ases; i++) {
        if (t->ases[i].body && t->ases[i].body->n_routers == 8) {
            t->ases[i].server = 0;
        }
    }
    t->ases[13].server = 0; /* IXP 81 */
    ck_assert_int_eq(placement_compute(t, server_of), 0);
    for (size_t i = 0; i < t->n_ases; i++) {
        bool transit = t->ases[i].body && t->ases[i].body->n_routers == 8;

        ck_assert_msg(server_of[i] == (transit || i == 13 ? 0u : 1u),
                      "AS %u on %u", t->ases[i].asn, server_of[i]);
    }

    struct plan *plan = must_plan(t, &gre);
    const struct mi_plan *p = plan_view(plan);
    ck_assert_uint_eq(p->servers[0].n_routers, 40);
    ck_assert_uint_eq(p->servers[0].n_ases, 6);
    ck_assert_uint_eq(p->servers[1].n_routers, 7);
    ck_assert_uint_eq(p->servers[1].n_ases, 9);
    for (size_t i = 0; i < p->n_ases; i++) {
        ck_assert_uint_eq(p->ases[i].server, server_of[i]);
    }
    for (size_t i = 0; i < p->n_nodes; i++) {
        ck_assert_uint_eq(p->nodes[i].server,
                          p->ases[p->nodes[i].as_index].server);
    }
    plan_free(plan);
    tb_free(t);
}
END_TEST

START_TEST(test_placement_no_servers)
{
    struct topology *t = upstream_topology(0);
    unsigned server_of[15];

    memset(server_of, 0xff, sizeof server_of);
    ck_assert_int_eq(placement_compute(t, server_of), 0);
    for (size_t i = 0; i < ARRAY_SIZE(server_of); i++) {
        ck_assert_uint_eq(server_of[i], 0);
    }
    tb_free(t);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Topology files, through topology_load().                                 */

static struct topology *
load(const char *path)
{
    struct topology *t = NULL;

    testutil_capture_begin();
    int error = topology_load(path, &t);
    testutil_capture_end();
    ck_assert_msg(!error, "%s: %d: %s", path, error, testutil_captured());
    return t;
}

static char *
read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    char *text = NULL;
    size_t len = 0;

    ck_assert_msg(f != NULL, "%s", path);
    ck_assert_int_eq(getdelim(&text, &len, '\0', f) > 0, 1);
    fclose(f);
    return text;
}

START_TEST(test_file_doc_example)
{
    /* The example of doc/topology.md. */
    struct topology *t = load(testutil_srcpath("tests/data/small.cfg"));
    struct plan *plan = must_plan(t, &no_tunnel);
    const struct mi_plan *p = plan_view(plan);
    size_t l;

    ck_assert_str_eq(p->name, "small");
    ck_assert_uint_eq(p->n_ases, 4);
    ck_assert(p->ases[0].configured);
    ck_assert(!p->ases[1].configured);
    ck_assert_int_lt(find_node(p, "1_GENEhost"), 0);
    assert_if(p, "1_ZURIrouter", "ext_2_ZURI", "179.1.2.1/24");
    assert_if(p, "2_ZURIrouter", "ext_1_ZURI", "179.1.2.2/24");
    ck_assert_int_eq(p->links[0].kind, MI_LINK_HOST);
    find_if(p, "2_BASErouter", "ext_3_BASE", &l);
    ck_assert_str_eq(addr_str(&p->links[l].end[0].addr), "179.2.3.2/24");
    ck_assert_uint_eq(p->links[l].rate_bps, 10000000);
    ck_assert_uint_eq(p->links[l].delay_us, 2000);
    ck_assert_int_eq(p->links[l].rel, MI_REL_PEER);
    find_if(p, "1_GENErouter", "port_BASE", &l);
    ck_assert_uint_eq(p->links[l].delay_us, 5000);
    ck_assert_str_eq(addr_str(&p->links[l].end[1].addr), "1.0.2.2/24");
    assert_if(p, "1_BASErouter", "ixp_80", "180.80.0.1/24");
    assert_if(p, "3_ZURIrouter", "ixp_80", "180.80.0.3/24");
    assert_if(p, "80_IXP", "ixp_80", "180.80.0.80/24");
    assert_if(p, "1_ZURIrouter", "ZURI-L2.10", "1.200.10.1/24");
    assert_if(p, "1_L2_DCN_FIFA_1", "1-S1", "1.200.10.2/24");
    assert_if(p, "1_L2_DCN_UEFA_1", "1-S2", "1.200.20.2/24");
    ck_assert_int_ge(find_bridge(p, "3_L2_DCN_S2"), 0);
    plan_free(plan);
    topology_free(t);
}
END_TEST

static const char servers_cfg[] =
    "name = \"srv\";\n"
    "servers = (\n"
    "  { name = \"s1\"; address = \"198.18.0.1\"; mtu = 1400; },\n"
    "  { name = \"s2\"; address = \"198.18.0.2\"; interface = \"eth1\";\n"
    "    ssh = { user = \"admin\"; port = 2222; identity = \"/id\";\n"
    "            known_hosts = \"/kh\"; }; }\n"
    ");\n"
    "templates = { t = { routers = ( \"ZURI\", \"BASE\" );\n"
    "                    links = ( (\"ZURI\", \"BASE\") ); }; };\n"
    "ases = ( { asns = \"1-3\"; template = \"t\"; server = \"s1\"; },\n"
    "         { asns = \"7-8\"; template = \"t\"; } );\n"
    "ixps = ( { id = 80; server = \"s2\"; } );\n"
    "links = (\n"
    "  (1, \"ZURI\", \"provider\", 3, \"ZURI\"),\n"
    "  (7, \"ZURI\", \"peer\", 8, \"ZURI\"),\n"
    "  (2, \"ZURI\", \"peer\", 80)\n"
    ");\n";

/* A router's `hosts`: one host per row, named and addressed by it. */
START_TEST(test_file_host_rows)
{
    static const char cfg[] =
        "ases = ( { asn = 1; routers = ( { name = \"ZURI\"; hosts = [0, 3]; "
        "}, \"BASE\" ); } );\n";
    struct topology *t = load(testutil_write_temp(cfg, ".cfg"));
    struct plan *plan = must_plan(t, &no_tunnel);
    const struct mi_plan *p = plan_view(plan);

    ck_assert_uint_eq(p->n_nodes, 5);
    assert_if(p, "1_ZURIrouter", "host0", "1.101.0.2/24");
    assert_if(p, "1_ZURIhost0", "ZURIrouter", "1.101.0.1/24");
    assert_if(p, "1_ZURIrouter", "host3", "1.104.0.2/24");
    assert_if(p, "1_ZURIhost3", "ZURIrouter", "1.104.0.1/24");
    assert_if(p, "1_BASErouter", "host", "1.102.0.2/24");
    ck_assert_int_lt(find_node(p, "1_ZURIhost"), 0);
    plan_free(plan);
    topology_free(t);

    /* A row that is another router's: its host's subnet twice. */
    static const char clash[] =
        "ases = ( { asn = 1; routers = ( { name = \"ZURI\"; hosts = [1]; },"
        " \"BASE\" ); } );\n";
    t = load(testutil_write_temp(clash, ".cfg"));
    ck_assert_ptr_nonnull(strstr(plan_errors(t, &no_tunnel),
                                 "subnet 1.102.0.0/24 of 1_BASErouter host "
                                 "overlaps subnet 1.102.0.0/24 of "
                                 "1_ZURIrouter host1"));
    topology_free(t);
}
END_TEST

/* The measurement host: one node in no AS, a link into every AS through
 * the router its body names (default: the first), none where it says
 * false and none into an IXP; its routes, two per AS. */
START_TEST(test_file_measurement)
{
    static const char cfg[] =
        "measurement = true;\n"
        "templates = { t = { routers = ( \"ZURI\", \"BASE\" ); }; };\n"
        "ases = ( { asn = 1; template = \"t\"; },\n"
        "         { asn = 2; routers = ( \"ZURI\", \"BASE\" );\n"
        "           measurement = \"BASE\"; students = true; },\n"
        "         { asn = 3; routers = ( \"ZURI\" ); measurement = false; "
        "} );\n"
        "ixps = ( { id = 80; } );\n";
    struct topology *t = load(testutil_write_temp(cfg, ".cfg"));
    struct plan *plan = must_plan(t, &no_tunnel);
    const struct mi_plan *p = plan_view(plan);
    size_t l;

    int m = find_node(p, "MEASUREMENT");
    ck_assert_int_ge(m, 0);
    ck_assert_int_eq(plan_measurement_node(p), m);
    ck_assert_int_eq(p->nodes[m].kind, MI_NODE_MEASUREMENT);
    ck_assert_uint_eq(p->nodes[m].asn, 0);
    ck_assert_uint_eq(p->nodes[m].as_index, p->n_ases);
    ck_assert_uint_eq(p->nodes[m].server, 0);
    assert_if(p, "1_ZURIrouter", "measurement_1", "1.0.199.1/24");
    assert_if(p, "MEASUREMENT", "group1", "1.0.199.2/24");
    assert_if(p, "2_BASErouter", "measurement_2", "2.0.199.1/24");
    assert_if(p, "MEASUREMENT", "group2", "2.0.199.2/24");
    find_if(p, "1_ZURIrouter", "measurement_1", &l);
    ck_assert_int_eq(p->links[l].kind, MI_LINK_MEASUREMENT);
    ck_assert_int_eq(plan_measurement_link(p, 1), (int)l);
    ck_assert_int_eq(plan_measurement_link(p, 3), -1);
    ck_assert_int_eq(plan_measurement_link(p, 80), -1);
    ck_assert_int_eq(plan_measurement_owner(p, 2u << 24 | 199u << 8 | 2), 2);
    ck_assert_int_eq(plan_measurement_owner(p, 2u << 24 | 199u << 8 | 1), -1);
    ck_assert(!p->links[l].remote);

    struct plan_route r[8];
    ck_assert_uint_eq(plan_measurement_routes(p, (size_t)m, r, 8), 4);
    ck_assert_uint_eq(r[0].dst, 1u << 24);
    ck_assert_uint_eq(r[0].plen, 8);
    ck_assert_uint_eq(r[0].gateway, (1u << 24 | 199u << 8 | 1));
    ck_assert_str_eq(r[0].ifname, "group1");
    ck_assert_uint_eq(r[0].metric, 0);
    ck_assert_uint_eq(r[1].dst, 0);
    ck_assert_uint_eq(r[1].plen, 0);
    ck_assert_uint_eq(r[1].metric, 1);
    ck_assert_uint_eq(r[3].gateway, (2u << 24 | 199u << 8 | 1));
    ck_assert_str_eq(r[3].ifname, "group2");
    ck_assert_uint_eq(r[3].metric, 2);
    ck_assert_uint_eq(plan_measurement_routes(p, (size_t)m, r, 1), 4);

    /* The node's routes: all, or only those through listed interfaces
     * (what `link up` and healing put back). */
    const char *g2[] = {"group2"}, *other[] = {"lo", "eth9"};
    ck_assert_uint_eq(plan_node_routes(p, (size_t)m, NULL, 0, r, 8), 4);
    ck_assert_uint_eq(plan_node_routes(p, (size_t)m, g2, 1, r, 8), 2);
    ck_assert_str_eq(r[0].ifname, "group2");
    ck_assert_uint_eq(r[0].dst, 2u << 24);
    ck_assert_uint_eq(r[0].plen, 8);
    ck_assert_str_eq(r[1].ifname, "group2");
    ck_assert_uint_eq(r[1].plen, 0);
    ck_assert_uint_eq(r[1].metric, 2);
    ck_assert_uint_eq(plan_node_routes(p, (size_t)m, other, 2, r, 8), 0);
    ck_assert_uint_eq(plan_node_routes(p, (size_t)m, g2, 1, r, 1), 2);
    /* A host's: its default route, through the interface on its
     * gateway's subnet. */
    size_t hosts = 0;
    for (size_t h = 0; h < p->n_nodes; h++) {
        if (p->nodes[h].kind != MI_NODE_HOST) {
            continue;
        }
        hosts++;
        ck_assert_uint_eq(plan_node_routes(p, h, NULL, 0, r, 8), 1);
        ck_assert_uint_eq(r[0].plen, 0);
        ck_assert_uint_eq(r[0].metric, 0);
        ck_assert_uint_eq(r[0].gateway, p->nodes[h].gateway);
        ck_assert_ptr_nonnull(r[0].ifname);
        const char *mine[] = {r[0].ifname};
        ck_assert_uint_eq(plan_node_routes(p, h, mine, 1, r, 8), 1);
        ck_assert_uint_eq(plan_node_routes(p, h, other, 2, r, 8), 0);
    }
    ck_assert_uint_gt(hosts, 0);
    /* A router: none (FRR's). */
    int zuri = find_node(p, "1_ZURIrouter");
    ck_assert_int_ge(zuri, 0);
    ck_assert_uint_eq(plan_node_routes(p, (size_t)zuri, NULL, 0, r, 8), 0);
    plan_free(plan);
    topology_free(t);

    /* Off (the default): no node, no link. */
    static const char off[] = "ases = ( { asn = 1; routers = ( \"ZURI\" ); "
                              "} );\n";
    t = load(testutil_write_temp(off, ".cfg"));
    plan = must_plan(t, &no_tunnel);
    p = plan_view(plan);
    ck_assert_int_eq(plan_measurement_node(p), -1);
    ck_assert_int_eq(plan_measurement_link(p, 1), -1);
    ck_assert_uint_eq(p->n_nodes, 2);
    plan_free(plan);
    topology_free(t);
}
END_TEST

/* The matrix host: the first host of the router `matrix` names, by default
 * the AS's first host (of its first router with one). */
START_TEST(test_matrix_host)
{
    struct topology *t = load(testutil_write_temp(
        "templates = { t = { routers = ( { name = \"ZURI\"; host = false; "
        "},\n"
        "    \"BASE\", { name = \"GENE\"; hosts = [ 2, 3 ]; } ); matrix = "
        "\"GENE\"; }; };\n"
        "ases = ( { asn = 1; template = \"t\"; },\n"
        "         { asn = 2; routers = ( { name = \"A\"; host = false; }, "
        "\"B\", \"C\" ); } );\n",
        ".cfg"));
    struct plan *plan = must_plan(t, NULL);
    const struct mi_plan *p = plan_view(plan);

    ck_assert_int_eq(p->ases[0].matrix_host, find_node(p, "1_GENEhost2"));
    ck_assert_int_eq(p->ases[1].matrix_host, find_node(p, "2_Bhost"));
    plan_free(plan);
    topology_free(t);
}
END_TEST

/* With servers: on the one named, its links to ASes elsewhere through the
 * tunnels like any link between servers. */
START_TEST(test_file_measurement_servers)
{
    char *text =
        xasprintf("%smeasurement = { server = \"s2\"; };\n", servers_cfg);
    struct topology *t = load(testutil_write_temp(text, ".cfg"));
    struct plan *plan = must_plan(t, &gre);
    const struct mi_plan *p = plan_view(plan);
    size_t l;

    int m = find_node(p, "MEASUREMENT");
    ck_assert_int_ge(m, 0);
    ck_assert_uint_eq(p->nodes[m].server, 1);
    find_if(p, "1_ZURIrouter", "measurement_1", &l);
    ck_assert(p->links[l].remote);
    ck_assert_uint_eq(p->links[l].server[0], 0);
    ck_assert_uint_eq(p->links[l].server[1], 1);
    ck_assert_uint_gt(p->links[l].tunnel_id, 0);
    ck_assert_ptr_nonnull(p->links[l].tunnel_port[1]);
    ck_assert_uint_eq(p->links[l].mtu, 1400 - 50);
    free(text);
    plan_free(plan);
    topology_free(t);

    /* Without one named: the first server. */
    text = xasprintf("%smeasurement = true;\n", servers_cfg);
    t = load(testutil_write_temp(text, ".cfg"));
    plan = must_plan(t, &gre);
    p = plan_view(plan);
    ck_assert_uint_eq(p->nodes[find_node(p, "MEASUREMENT")].server, 0);
    free(text);
    plan_free(plan);
    topology_free(t);
}
END_TEST

/* A link's `ends`: the original's older plan, .1 and .2 in a given /24. */
START_TEST(test_file_ends)
{
    static const char cfg[] =
        "ases = ( { asns = \"1-2\"; routers = ( \"ZURI\" ); } );\n"
        "links = ( (1, \"ZURI\", \"peer\", 2, \"ZURI\",\n"
        "           { subnet = \"179.0.1.0/24\"; ends = [1, 2]; }) );\n";
    struct topology *t = load(testutil_write_temp(cfg, ".cfg"));
    struct plan *plan = must_plan(t, &no_tunnel);
    const struct mi_plan *p = plan_view(plan);

    assert_if(p, "1_ZURIrouter", "ext_2_ZURI", "179.0.1.1/24");
    assert_if(p, "2_ZURIrouter", "ext_1_ZURI", "179.0.1.2/24");
    plan_free(plan);
    topology_free(t);
}
END_TEST

START_TEST(test_file_servers)
{
    const char *path = testutil_write_temp(servers_cfg, ".cfg");
    struct topology *t = load(path);
    struct plan *plan = must_plan(t, &gre);
    const struct mi_plan *p = plan_view(plan);
    size_t l;

    ck_assert_uint_eq(p->n_servers, 2);
    ck_assert_str_eq(p->servers[0].name, "s1");
    ck_assert_str_eq(p->servers[0].address, "198.18.0.1");
    ck_assert_ptr_null(p->servers[0].interface);
    ck_assert_str_eq(p->servers[0].ssh_user, "root");
    ck_assert_uint_eq(p->servers[0].ssh_port, 22);
    ck_assert_uint_eq(p->servers[0].underlay_mtu, 1400);
    ck_assert_str_eq(p->servers[1].interface, "eth1");
    ck_assert_str_eq(p->servers[1].ssh_user, "admin");
    ck_assert_uint_eq(p->servers[1].ssh_port, 2222);
    ck_assert_str_eq(p->servers[1].ssh_identity, "/id");
    ck_assert_str_eq(p->servers[1].ssh_known_hosts, "/kh");
    ck_assert_uint_eq(p->servers[1].underlay_mtu, 1500);
    for (size_t i = 0; i < 3; i++) {
        ck_assert_uint_eq(p->ases[i].server, 0);
    }
    ck_assert_uint_eq(p->ases[5].asn, 80);
    ck_assert_uint_eq(p->ases[5].server, 1);
    /* 7 and 8 go where there is room: s1 already has 6 routers. */
    ck_assert_uint_eq(p->ases[3].server, 1);
    ck_assert_uint_eq(p->ases[4].server, 1);
    find_if(p, "2_ZURIrouter", "ixp_80", &l);
    ck_assert(p->links[l].remote);
    ck_assert_uint_eq(p->links[l].mtu, 1350);
    ck_assert_uint_eq(p->links[l].tunnel_id, 1);
    plan_free(plan);
    topology_free(t);
}
END_TEST

START_TEST(test_file_overlap)
{
    /* The topology reader allows any explicit subnet that no other
     * AS-level link uses; this one is AS 2's first internal link. */
    char *text = xstrdup(servers_cfg);
    char *at = strstr(text, "(7, \"ZURI\", \"peer\", 8, \"ZURI\")");
    char *cfg = xasprintf("%.*s(7, \"ZURI\", \"peer\", 8, \"ZURI\", "
                          "{ subnet = \"2.0.1.0/24\"; })%s",
                          (int)(at - text), text,
                          at + strlen("(7, \"ZURI\", \"peer\", 8, \"ZURI\")"));
    const char *path = testutil_write_temp(cfg, ".cfg");
    struct topology *t = load(path);
    char *want = xasprintf("%s:15: subnet 2.0.1.0/24 of 7_ZURIrouter "
                           "ext_8_ZURI overlaps subnet 2.0.1.0/24 of "
                           "2_ZURIrouter port_BASE (line 9)\n",
                           path);

    ck_assert_str_eq(plan_errors(t, &gre), want);
    free(want);
    free(cfg);
    free(text);
    topology_free(t);
}
END_TEST

/* Counts the entries of one array of a plan's JSON. */
static size_t
json_count(const char *text, const char *key)
{
    json_object *root = json_tokener_parse(text);
    size_t n = json_object_array_length(get(root, key));

    json_object_put(root);
    return n;
}

/* A topology file's text with four servers s1..s4 (198.18.0.1..4) added in
 * front (malloc()ed). */
static char *
on_four_servers(const char *text)
{
    return xasprintf(
        "servers = ( { name = \"s1\"; address = \"198.18.0.1\"; },\n"
        "  { name = \"s2\"; address = \"198.18.0.2\"; },\n"
        "  { name = \"s3\"; address = \"198.18.0.3\"; },\n"
        "  { name = \"s4\"; address = \"198.18.0.4\"; } );\n%s",
        text);
}

START_TEST(test_file_class60)
{
    /* The bundled class of 60 ASes, spread over four servers. */
    char *text = read_file(testutil_srcpath("configs/class-60.cfg"));
    char *cfg = on_four_servers(text);
    struct topology *t = load(testutil_write_temp(cfg, ".cfg"));
    struct plan *plan = must_plan(t, &gre);
    struct plan *again = must_plan(t, &gre);
    const struct mi_plan *p = plan_view(plan);
    size_t n_remote = 0, nodes = 0, links = 0;

    /* Sizes as configs/README.md gives them. */
    ck_assert_uint_eq(p->n_ases, 67);
    ck_assert_uint_eq(p->n_nodes, 480 + 480 + 480 + 7);
    ck_assert_uint_eq(p->n_bridges, 240 + 7);
    ck_assert_uint_eq(p->n_links,
                      480 + 720 + 60 * 6 + 60 * 3 + 480 + 180 + 72 + 7);
    assert_if(p, "5_L2_DCN_UEFA_3", "5-S3", "5.200.20.5/24");
    for (size_t s = 0; s < 4; s++) {
        ck_assert_uint_eq(p->servers[s].n_routers, 120);
    }
    for (size_t l = 0; l < p->n_links; l++) {
        n_remote += p->links[l].remote;
    }
    /* Zones stay mostly together: far fewer than the 3/4 of the 252 links
     * between ASes that a random placement would cut. */
    ck_assert_uint_le(n_remote, 252 / 2);

    /* Per-server JSON: every node once, every remote link twice. */
    char *all = plan_json(plan, -1), *all2 = plan_json(again, -1);
    ck_assert_str_eq(all, all2);
    for (int s = 0; s < 4; s++) {
        char *one = plan_json(plan, s);

        nodes += json_count(one, "nodes");
        links += json_count(one, "links");
        free(one);
    }
    ck_assert_uint_eq(nodes, p->n_nodes);
    ck_assert_uint_eq(links, p->n_links + n_remote);
    free(all);
    free(all2);
    free(text);
    free(cfg);
    plan_free(plan);
    plan_free(again);
    topology_free(t);
}
END_TEST

/* plan_neighbours() against a brute-force count: each addressed local
 * interface may learn every other address of its subnet. */
static size_t
brute_neighbours(const struct mi_plan *p, unsigned server)
{
    size_t total = 0;

    for (size_t i = 0; i < 2 * p->n_links; i++) {
        const struct mi_endpoint *a = &p->links[i / 2].end[i % 2];
        if (a->node < 0 || !a->addr.plen || a->addr.plen == 32 ||
            p->nodes[a->node].server != server) {
            continue;
        }
        uint32_t mask = ~(uint32_t)0 << (32 - a->addr.plen);
        for (size_t k = 0; k < 2 * p->n_links; k++) {
            const struct mi_endpoint *b = &p->links[k / 2].end[k % 2];
            total += k != i && b->node >= 0 && b->addr.plen == a->addr.plen &&
                     (b->addr.ip & mask) == (a->addr.ip & mask);
        }
    }
    return total;
}

START_TEST(test_neighbours)
{
    struct topology *t = upstream_topology(0);
    struct plan *plan = must_plan(t, &no_tunnel);
    const struct mi_plan *p = plan_view(plan);
    size_t n = plan_neighbours(p, 0);

    ck_assert_uint_eq(n, brute_neighbours(p, 0));
    ck_assert_uint_gt(n, 2 * p->n_links); /* LANs count more than pairs */
    ck_assert_uint_eq(plan_neighbours(p, 1), 0); /* no such server */
    plan_free(plan);
    tb_free(t);

    /* class-60 on one server needs more than the kernel's default 1024;
     * spread over four servers, the parts add up to the whole. */
    char *text = read_file(testutil_srcpath("configs/class-60.cfg"));
    char *cfg = on_four_servers(text);
    t = load(testutil_write_temp(text, ".cfg"));
    plan = must_plan(t, &gre);
    size_t whole = plan_neighbours(plan_view(plan), 0);
    ck_assert_uint_eq(whole, brute_neighbours(plan_view(plan), 0));
    ck_assert_uint_gt(whole, 1024);
    plan_free(plan);
    topology_free(t);

    t = load(testutil_write_temp(cfg, ".cfg"));
    plan = must_plan(t, &gre);
    size_t sum = 0;
    for (unsigned s = 0; s < 4; s++) {
        size_t part = plan_neighbours(plan_view(plan), s);
        ck_assert_uint_eq(part, brute_neighbours(plan_view(plan), s));
        ck_assert_uint_lt(part, whole);
        sum += part;
    }
    ck_assert_uint_eq(sum, whole);
    plan_free(plan);
    topology_free(t);
    free(cfg);
    free(text);
}
END_TEST

/* ------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------ */
/* Student access (access.c)                                                */

/* AS 3 for students (two routers, LYON without host, an L2 network with
 * two switches and two hosts), AS 4 configured, on two servers. */
static const char access_cfg[] =
    "name = \"acc\";\n"
    "servers = ( { name = \"s1\"; address = \"198.18.0.1\"; },\n"
    "            { name = \"s2\"; address = \"198.18.0.2\"; } );\n"
    "ases = (\n"
    "  { asn = 3; students = true; server = \"s2\";\n"
    "    routers = ( \"LUGA\", { name = \"LYON\"; host = false; } );\n"
    "    links = ( (\"LUGA\", \"LYON\") );\n"
    "    l2 = ( { name = \"DCN\";\n"
    "      switches = ( { name = \"S1\"; gateway = \"LUGA\"; }, "
    "{ name = \"S2\"; } );\n"
    "      links = ( (\"S1\", \"S2\") );\n"
    "      hosts = ( (\"FIFA_1\", \"S1\", 10), (\"UEFA_1\", \"S2\", 20) ); "
    "} ); },\n"
    "  { asn = 4; routers = ( \"VIEN\" ); server = \"s1\"; }\n"
    ");\n"
    "links = ( (3, \"LUGA\", \"provider\", 4, \"VIEN\") );\n"
    "access = { port_base = 3000; };\n";

static struct plan *
access_plan_of(const char *text, struct topology **t)
{
    *t = load(testutil_write_temp(text, ".cfg"));
    return must_plan(*t, &gre);
}

START_TEST(test_access_groups)
{
    struct topology *t;
    struct plan *plan = access_plan_of(access_cfg, &t);
    const struct mi_plan *p = plan_view(plan);
    const struct access_plan *ap = plan_access(plan);
    static const struct {
        enum access_device_kind kind;
        const char *location, *what, *node, *bridge, *addr;
    } want[] = {
        {ACCESS_ROUTER, "LUGA", "router", "3_LUGArouter", NULL,
         "158.3.10.1/16"},
        {ACCESS_ROUTER, "LYON", "router", "3_LYONrouter", NULL,
         "158.3.11.1/16"},
        {ACCESS_HOST, "LUGA", "host", "3_LUGAhost", NULL, "158.3.10.2/16"},
        {ACCESS_SWITCH, "DCN", "S1", NULL, "3_L2_DCN_S1", "158.3.100.3/16"},
        {ACCESS_SWITCH, "DCN", "S2", NULL, "3_L2_DCN_S2", "158.3.100.4/16"},
        {ACCESS_L2HOST, "DCN", "FIFA_1", "3_L2_DCN_FIFA_1", NULL,
         "158.3.200.3/16"},
        {ACCESS_L2HOST, "DCN", "UEFA_1", "3_L2_DCN_UEFA_1", NULL,
         "158.3.200.4/16"},
    };

    ck_assert_ptr_nonnull(ap);
    ck_assert_str_eq(ap->ifname, "ssh");
    ck_assert_uint_eq(ap->port_base, 3000);
    ck_assert_uint_eq(ap->n_groups, 1); /* students = true: AS 3 only */
    ck_assert_ptr_null(access_plan_group(ap, 4));
    const struct access_group *g = access_plan_group(ap, 3);
    ck_assert_ptr_eq(g, &ap->groups[0]);
    ck_assert_uint_eq(g->port, 3003);
    ck_assert_str_eq(g->proxy, "3_ssh");
    ck_assert_str_eq(addr_str(&g->proxy_addr), "158.3.0.2/16");
    ck_assert_str_eq(p->servers[g->server].name, "s2"); /* the AS's */
    ck_assert_uint_eq(p->ases[g->as_index].asn, 3);
    ck_assert_uint_eq(g->n_devices, ARRAY_SIZE(want));
    for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
        const struct access_device *d = &g->devices[i];
        ck_assert_int_eq(d->kind, want[i].kind);
        ck_assert_str_eq(d->location, want[i].location);
        ck_assert_str_eq(d->what, want[i].what);
        ck_assert_str_eq(addr_str(&d->addr), want[i].addr);
        if (want[i].node) {
            ck_assert_int_ge(d->node, 0);
            ck_assert_str_eq(p->nodes[d->node].name, want[i].node);
            ck_assert_int_eq(d->bridge, -1);
        } else {
            ck_assert_int_eq(d->node, -1);
            ck_assert_str_eq(p->bridges[d->bridge].name, want[i].bridge);
        }
    }
    /* The proxy is a node of the plan (MI_NODE_PROXY, the last one, AS 3's
     * but outside its node range, on its server); the data plane does not
     * reach it: no data-plane link ends there, none has an address in
     * 158.0.0.0/8 nor an interface "ssh" (only the management links do,
     * test_access_mgmt).  AS 4 has no group, no proxy. */
    int proxy = find_node(p, "3_ssh");
    ck_assert_int_eq(proxy, (int)p->n_nodes - 1);
    ck_assert_int_eq(g->node, proxy);
    ck_assert_int_eq(p->nodes[proxy].kind, MI_NODE_PROXY);
    ck_assert_uint_eq(p->nodes[proxy].asn, 3);
    ck_assert_uint_eq(p->nodes[proxy].as_index, g->as_index);
    ck_assert_uint_eq(p->nodes[proxy].server, g->server);
    ck_assert_str_eq(p->nodes[proxy].label, "3_ssh");
    const struct mi_as *as3 = &p->ases[g->as_index];
    ck_assert_uint_ge((unsigned)proxy, as3->first_node + as3->n_nodes);
    ck_assert_int_lt(find_node(p, "4_ssh"), 0);
    for (size_t l = 0; l < p->n_links; l++) {
        if (p->links[l].kind == MI_LINK_MGMT) {
            continue;
        }
        for (int e = 0; e < 2; e++) {
            ck_assert_int_ne(p->links[l].end[e].node, proxy);
            ck_assert_uint_ne(p->links[l].end[e].addr.ip >> 24, 158);
            ck_assert(!p->links[l].end[e].ifname ||
                      strcmp(p->links[l].end[e].ifname, "ssh") != 0);
        }
    }
    plan_free(plan);
    topology_free(t);
}
END_TEST

/* The judgement of preflight's port check (network_ports.c finds the
 * holders): a group's port is taken by every holder of that port, and only
 * the groups on the server asked about count. */
START_TEST(test_access_port_clashes)
{
    const char *at = strstr(access_cfg, "access = {");
    ck_assert_ptr_nonnull(at);
    char *text = xasprintf("%.*saccess = { ases = \"all\"; port_base = "
                           "3000; };\n",
                           (int)(at - access_cfg), access_cfg);
    struct topology *t;
    struct plan *plan = access_plan_of(text, &t);
    const struct access_plan *ap = plan_access(plan);
    const struct access_port_holder holders[] = {
        {3003, NULL, 0}, {3004, "other", 7}, {3003, "other", 9},
        {3005, NULL, 0}, {2003, NULL, 0},
    };
    struct access_port_clash *c;

    ck_assert_uint_eq(ap->n_groups, 2);
    ck_assert_uint_eq(access_plan_group(ap, 4)->server, 0); /* s1 */
    ck_assert_uint_eq(access_plan_group(ap, 3)->server, 1); /* s2 */
    /* s2: AS 3's port 3003, held by a socket and by network other. */
    ck_assert_uint_eq(access_port_clashes(ap, 1, holders, 5, &c), 2);
    ck_assert_ptr_eq(c[0].group, access_plan_group(ap, 3));
    ck_assert_ptr_eq(c[0].holder, &holders[0]);
    ck_assert_ptr_eq(c[1].holder, &holders[2]);
    char *m = access_port_clash_text(&c[0], "s2");
    ck_assert_str_eq(m, "port 3003 of AS 3 is in use by a listening socket "
                        "on server s2");
    free(m);
    m = access_port_clash_text(&c[1], "s2");
    ck_assert_str_eq(m, "port 3003 of AS 3 is in use by network other's AS "
                        "9 proxy on server s2");
    free(m);
    free(c);
    /* s1: AS 4's port 3004, held by network other's AS 7. */
    ck_assert_uint_eq(access_port_clashes(ap, 0, holders, 5, &c), 1);
    ck_assert_ptr_eq(c[0].group, access_plan_group(ap, 4));
    m = access_port_clash_text(&c[0], "s1");
    ck_assert_str_eq(m, "port 3004 of AS 4 is in use by network other's AS "
                        "7 proxy on server s1");
    free(m);
    free(c);
    /* Nothing holds a group's port: no clash, whatever else is held. */
    ck_assert_uint_eq(access_port_clashes(ap, 0, holders + 3, 2, &c), 0);
    ck_assert_ptr_null(c);
    ck_assert_uint_eq(access_port_clashes(ap, 1, NULL, 0, &c), 0);
    ck_assert_ptr_null(c);
    /* No access: no groups, no clash. */
    ck_assert_uint_eq(access_port_clashes(NULL, 0, holders, 5, &c), 0);
    ck_assert_ptr_null(c);
    /* The master's reading of what a server reports: only a port of a
     * group the plan puts on that server. */
    m = access_port_reported(ap, 1, "s2", 3, 3003, NULL, 0);
    ck_assert_str_eq(m, "port 3003 of AS 3 is in use by a listening socket "
                        "on server s2");
    free(m);
    m = access_port_reported(ap, 0, "s1", 4, 3004, "lab", 4);
    ck_assert_str_eq(m, "port 3004 of AS 4 is in use by network lab's AS 4 "
                        "proxy on server s1");
    free(m);
    ck_assert_ptr_null(access_port_reported(ap, 0, "s1", 3, 3003, NULL, 0));
    ck_assert_ptr_null(access_port_reported(ap, 1, "s2", 3, 3004, NULL, 0));
    ck_assert_ptr_null(access_port_reported(ap, 1, "s2", 5, 3005, NULL, 0));
    ck_assert_ptr_null(access_port_reported(NULL, 1, "s2", 3, 3003, NULL, 0));
    plan_free(plan);
    topology_free(t);
    free(text);
}
END_TEST

START_TEST(test_access_output)
{
    struct topology *t;
    struct plan *plan = access_plan_of(access_cfg, &t);
    char *text = NULL, *json_text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    ck_assert_int_eq(plan_write_text(plan, -1, NULL, NULL, f), 0);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "    access: proxy 3_ssh ssh "
                                       "158.3.0.2/16, port 3003, bridge "
                                       "3_mgmt\n"
                                       "      goto LUGA router: "
                                       "3_LUGArouter ssh 158.3.10.1/16\n"));
    ck_assert_ptr_nonnull(strstr(text, "      goto DCN S2: 3_L2_DCN_S2 "
                                       "(VLAN command) 158.3.100.4/16\n"));
    free(text);

    f = open_memstream(&json_text, &len);
    ck_assert_int_eq(plan_write_json(plan, -1, NULL, NULL, f), 0);
    fclose(f);
    json_object *root = json_tokener_parse(json_text), *acc, *groups, *g, *v;
    ck_assert(json_object_object_get_ex(root, "access", &acc));
    ck_assert(json_object_object_get_ex(acc, "groups", &groups));
    ck_assert_uint_eq(json_object_array_length(groups), 1);
    g = json_object_array_get_idx(groups, 0);
    ck_assert(json_object_object_get_ex(g, "port", &v));
    ck_assert_int_eq(json_object_get_int(v), 3003);
    ck_assert(json_object_object_get_ex(g, "server", &v));
    ck_assert_str_eq(json_object_get_string(v), "s2");
    json_object *nodes, *last, *name, *kind;
    ck_assert(json_object_object_get_ex(root, "nodes", &nodes));
    last =
        json_object_array_get_idx(nodes, json_object_array_length(nodes) - 1);
    ck_assert(json_object_object_get_ex(last, "name", &name));
    ck_assert(json_object_object_get_ex(last, "kind", &kind));
    ck_assert_str_eq(json_object_get_string(name), "3_ssh");
    ck_assert_str_eq(json_object_get_string(kind), "proxy");
    json_object_put(root);
    free(json_text);

    /* Server s1's part has no group. */
    f = open_memstream(&json_text, &len);
    ck_assert_int_eq(plan_write_json(plan, 0, NULL, NULL, f), 0);
    fclose(f);
    root = json_tokener_parse(json_text);
    ck_assert(json_object_object_get_ex(root, "access", &acc));
    ck_assert(json_object_object_get_ex(acc, "groups", &groups));
    ck_assert_uint_eq(json_object_array_length(groups), 0);
    json_object_put(root);
    free(json_text);
    plan_free(plan);
    topology_free(t);

    /* Without access: "access": null, and no access line. */
    t = load(testutil_srcpath("tests/data/small.cfg"));
    plan = must_plan(t, &no_tunnel);
    ck_assert_ptr_null(plan_access(plan));
    f = open_memstream(&json_text, &len);
    ck_assert_int_eq(plan_write_json(plan, -1, NULL, NULL, f), 0);
    fclose(f);
    root = json_tokener_parse(json_text);
    ck_assert(json_object_object_get_ex(root, "access", &acc));
    ck_assert_ptr_null(acc);
    json_object_put(root);
    free(json_text);
    plan_free(plan);
    topology_free(t);
}
END_TEST

/* A router with `hosts = [i, ...]`: each host is "host<i>" at .(i+10).2,
 * beside the routers' .1 of the same rows. */
START_TEST(test_access_host_rows)
{
    struct topology *t;
    struct plan *plan =
        access_plan_of("ases = ( { asn = 3; students = true;\n"
                       "  routers = ( { name = \"R\"; hosts = [0, 1, 2]; },\n"
                       "              { name = \"S\"; host = false; } );\n"
                       "  links = ( (\"R\", \"S\") ); } );\n"
                       "access = true;\n",
                       &t);
    const struct access_group *g = access_plan_group(plan_access(plan), 3);
    static const char *const want[][3] = {
        {"R", "router", "158.3.10.1/16"}, {"S", "router", "158.3.11.1/16"},
        {"R", "host0", "158.3.10.2/16"},  {"R", "host1", "158.3.11.2/16"},
        {"R", "host2", "158.3.12.2/16"},
    };

    ck_assert_ptr_nonnull(g);
    ck_assert_uint_eq(g->n_devices, ARRAY_SIZE(want));
    for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
        ck_assert_str_eq(g->devices[i].location, want[i][0]);
        ck_assert_str_eq(g->devices[i].what, want[i][1]);
        ck_assert_str_eq(addr_str(&g->devices[i].addr), want[i][2]);
    }
    plan_free(plan);
    topology_free(t);
}
END_TEST

/* The measurement host (main's MEASUREMENT) is in no AS: no group has it,
 * it gets no management address, and the groups' devices and addresses
 * are the same with it as without.  Its links into the ASes are data
 * plane (AS.0.199.0/24), never the management network's "ssh". */
START_TEST(test_access_measurement)
{
    struct topology *t0, *t1;
    char *text = xasprintf("measurement = true;\n%s", access_cfg);
    struct plan *plan0 = access_plan_of(access_cfg, &t0);
    struct plan *plan1 = access_plan_of(text, &t1);
    const struct mi_plan *p = plan_view(plan1);
    const struct access_plan *a0 = plan_access(plan0);
    const struct access_plan *a1 = plan_access(plan1);
    int m = find_node(p, "MEASUREMENT");

    ck_assert_int_ge(m, 0);
    ck_assert_int_eq(p->nodes[m].kind, MI_NODE_MEASUREMENT);
    ck_assert_uint_eq(a1->n_groups, a0->n_groups);
    for (size_t i = 0; i < a1->n_groups; i++) {
        const struct access_group *g0 = &a0->groups[i], *g1 = &a1->groups[i];
        ck_assert_uint_eq(g1->asn, g0->asn);
        ck_assert_uint_eq(g1->port, g0->port);
        ck_assert_uint_eq(g1->proxy_addr.ip, g0->proxy_addr.ip);
        ck_assert_uint_eq(g1->n_devices, g0->n_devices);
        for (size_t d = 0; d < g1->n_devices; d++) {
            const struct access_device *d1 = &g1->devices[d];
            ck_assert_int_ne(d1->node, m);
            ck_assert_int_eq(d1->kind, g0->devices[d].kind);
            ck_assert_str_eq(d1->location, g0->devices[d].location);
            ck_assert_str_eq(d1->what, g0->devices[d].what);
            ck_assert_uint_eq(d1->addr.ip, g0->devices[d].addr.ip);
            if (d1->node >= 0) {
                ck_assert_uint_eq(p->nodes[d1->node].asn, g1->asn);
            }
        }
    }
    size_t n_meas = 0;
    for (size_t l = 0; l < p->n_links; l++) {
        const struct mi_link *link = &p->links[l];
        if (link->kind != MI_LINK_MEASUREMENT) {
            continue;
        }
        n_meas++;
        for (int e = 0; e < 2; e++) {
            ck_assert_uint_ne(link->end[e].addr.ip >> 24, 158);
            ck_assert_str_ne(link->end[e].ifname, "ssh");
        }
    }
    ck_assert_uint_eq(n_meas, 2); /* AS 3 and AS 4 */
    plan_free(plan0);
    plan_free(plan1);
    topology_free(t0);
    topology_free(t1);
    free(text);
}
END_TEST

/* One management link: node `node`'s "ssh" with `addr`, to a plain port of
 * management bridge `bridge`, on the bridge's server. */
static void
check_mgmt_link(const struct mi_plan *p, size_t l, int node,
                const struct mi_addr *addr, int bridge)
{
    const struct mi_link *link = &p->links[l];

    ck_assert_int_eq(link->kind, MI_LINK_MGMT);
    ck_assert_int_eq(link->rel, MI_REL_NONE);
    ck_assert_int_eq(link->end[0].node, node);
    ck_assert_int_eq(link->end[0].bridge, -1);
    ck_assert_str_eq(link->end[0].ifname, "ssh");
    ck_assert_uint_eq(link->end[0].addr.ip, addr->ip);
    ck_assert_uint_eq(link->end[0].addr.plen, 16);
    ck_assert_ptr_null(link->peer[0]);
    ck_assert_int_eq(link->end[1].node, -1);
    ck_assert_int_eq(link->end[1].bridge, bridge);
    ck_assert_uint_eq(link->end[1].vlan, 0);
    ck_assert_uint_eq(link->end[1].addr.plen, 0);
    ck_assert_ptr_nonnull(link->peer[1]);
    ck_assert_str_eq(link->end[1].ifname, link->peer[1]);
    ck_assert_uint_lt(strlen(link->peer[1]), 16);
    ck_assert(!link->remote);
    ck_assert_uint_eq(link->mtu, 1500);
    ck_assert_uint_eq(link->server[0], p->bridges[bridge].server);
    ck_assert_uint_eq(link->server[1], p->bridges[bridge].server);
    ck_assert_uint_eq(p->nodes[node].server, p->bridges[bridge].server);
}

/* The management network as plan data (doc/access.md): per group a bridge
 * "<AS>_mgmt" after every other bridge, a link to it from the proxy and
 * from each device that is a node (not from a switch), with the access
 * plan's addresses -- computed there once, the indices stored back.  The
 * data plane is that of the same file without access: the same links and
 * bridges in the same order, with the same port names. */
START_TEST(test_access_mgmt)
{
    const char *at = strstr(access_cfg, "access = {");
    ck_assert_ptr_nonnull(at);
    char *text0 = xasprintf("%.*s", (int)(at - access_cfg), access_cfg);
    char *text = xasprintf("%s access = { ases = \"all\"; };\n", text0);
    struct topology *t, *t0, *t2;
    struct plan *plan = access_plan_of(text, &t);
    struct plan *plan0 = access_plan_of(text0, &t0);
    struct plan *plan2 = access_plan_of(text, &t2);
    const struct mi_plan *p = plan_view(plan), *p0 = plan_view(plan0);
    const struct access_plan *ap = plan_access(plan);

    ck_assert(!plan_has_mgmt(p0));
    ck_assert(plan_has_mgmt(p));
    ck_assert_uint_eq(ap->n_groups, 2);
    /* The data plane, unchanged. */
    ck_assert_uint_eq(p->n_bridges, p0->n_bridges + 2);
    ck_assert_uint_eq(p->n_links, p0->n_links + 9); /* AS 3: 6, AS 4: 3 */
    for (size_t b = 0; b < p0->n_bridges; b++) {
        ck_assert_str_eq(p->bridges[b].name, p0->bridges[b].name);
        ck_assert_int_ne(p->bridges[b].kind, MI_BRIDGE_MGMT);
    }
    for (size_t l = 0; l < p0->n_links; l++) {
        const struct mi_link *a = &p->links[l], *b = &p0->links[l];
        ck_assert_int_eq(a->kind, b->kind);
        for (int e = 0; e < 2; e++) {
            ck_assert_int_eq(a->end[e].node, b->end[e].node);
            ck_assert_int_eq(a->end[e].bridge, b->end[e].bridge);
            ck_assert_uint_eq(a->end[e].addr.ip, b->end[e].addr.ip);
            ck_assert_str_eq(a->end[e].ifname ? a->end[e].ifname : "",
                             b->end[e].ifname ? b->end[e].ifname : "");
            ck_assert_str_eq(a->peer[e] ? a->peer[e] : "",
                             b->peer[e] ? b->peer[e] : "");
        }
    }
    /* Per group, in AS order: its bridge, the proxy's link, the devices'. */
    size_t l = p0->n_links;
    for (size_t i = 0; i < ap->n_groups; i++) {
        const struct access_group *g = &ap->groups[i];
        int bi = (int)(p0->n_bridges + i);
        const struct mi_bridge *br = &p->bridges[bi];
        char name[16];
        snprintf(name, sizeof name, "%u_mgmt", g->asn);

        ck_assert_int_eq(g->bridge, bi);
        ck_assert_str_eq(g->bridge_name, name);
        ck_assert_str_eq(br->name, name);
        ck_assert_str_eq(br->label, name);
        ck_assert_int_eq(br->kind, MI_BRIDGE_MGMT);
        ck_assert_uint_eq(br->asn, g->asn);
        ck_assert_uint_eq(br->server, g->server);
        ck_assert_uint_eq(br->stp_priority, 0);
        for (int k = 0; k < 6; k++) {
            ck_assert_uint_eq(br->stp_mac[k], 0);
        }
        ck_assert_int_eq(g->link, (int)l);
        check_mgmt_link(p, l++, g->node, &g->proxy_addr, bi);
        for (size_t d = 0; d < g->n_devices; d++) {
            const struct access_device *dev = &g->devices[d];
            if (dev->kind == ACCESS_SWITCH) {
                ck_assert_int_eq(dev->link, -1);
                continue;
            }
            ck_assert_int_eq(dev->link, (int)l);
            check_mgmt_link(p, l++, dev->node, &dev->addr, bi);
        }
    }
    ck_assert_uint_eq(l, p->n_links);
    ck_assert_str_eq(p->bridges[access_plan_group(ap, 3)->bridge].name,
                     "3_mgmt");
    ck_assert_str_eq(
        p->servers[p->bridges[access_plan_group(ap, 4)->bridge].server].name,
        "s1");

    /* Deterministic: the same file, the same text. */
    char *x1 = plan_text(plan, -1, NULL, NULL);
    char *x2 = plan_text(plan2, -1, NULL, NULL);
    ck_assert_str_eq(x1, x2);
    ck_assert_ptr_nonnull(strstr(x1, "    bridge 3_mgmt (mgmt) no stp, no "
                                     "vlans\n"));
    ck_assert_ptr_nonnull(strstr(x1, "mgmt: 3_LUGArouter ssh 158.3.10.1/16 "
                                     "-- 3_mgmt port mi"));
    free(x1);
    free(x2);

    /* JSON, server s2's part: AS 3's bridge and links, not AS 4's. */
    char *js = plan_json(plan, 1);
    json_object *root = json_tokener_parse(js), *arr, *v;
    ck_assert(json_object_object_get_ex(root, "bridges", &arr));
    size_t n_mgmt = 0;
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *o = json_object_array_get_idx(arr, i);
        ck_assert(json_object_object_get_ex(o, "kind", &v));
        if (strcmp(json_object_get_string(v), "mgmt") != 0) {
            continue;
        }
        n_mgmt++;
        ck_assert(json_object_object_get_ex(o, "name", &v));
        ck_assert_str_eq(json_object_get_string(v), "3_mgmt");
        ck_assert(json_object_object_get_ex(o, "stp_priority", &v));
        ck_assert_ptr_null(v);
    }
    ck_assert_uint_eq(n_mgmt, 1);
    ck_assert(json_object_object_get_ex(root, "links", &arr));
    n_mgmt = 0;
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *o = json_object_array_get_idx(arr, i);
        ck_assert(json_object_object_get_ex(o, "kind", &v));
        n_mgmt += !strcmp(json_object_get_string(v), "mgmt");
    }
    ck_assert_uint_eq(n_mgmt, 6);
    ck_assert(json_object_object_get_ex(root, "access", &v));
    ck_assert(json_object_object_get_ex(v, "groups", &arr));
    json_object *g3 = json_object_array_get_idx(arr, 0);
    ck_assert(json_object_object_get_ex(g3, "bridge", &v));
    ck_assert_str_eq(json_object_get_string(v), "3_mgmt");
    ck_assert(json_object_object_get_ex(g3, "link", &v));
    ck_assert_int_eq(json_object_get_int(v), access_plan_group(ap, 3)->link);
    json_object_put(root);
    free(js);

    plan_free(plan);
    plan_free(plan0);
    plan_free(plan2);
    topology_free(t);
    topology_free(t0);
    topology_free(t2);
    free(text);
    free(text0);
}
END_TEST

/* The management network is checked with the rest of the plan: a link's
 * explicit subnet inside a group's 158.AS.0.0/16 is refused, naming both
 * (without access the same file plans). */
START_TEST(test_access_mgmt_clash)
{
    const char *at = strstr(access_cfg, "\nlinks = (") + 1;
    ck_assert_ptr_nonnull(at);
    char *text0 =
        xasprintf("%.*slinks = ( (3, \"LUGA\", \"provider\", 4, \"VIEN\", "
                  "{ subnet = \"158.3.10.0/24\"; }) );\n",
                  (int)(at - access_cfg), access_cfg);
    char *text = xasprintf("%saccess = true;\n", text0);
    struct topology *t0 = load(testutil_write_temp(text0, ".cfg"));
    struct topology *t = load(testutil_write_temp(text, ".cfg"));

    plan_free(must_plan(t0, &gre));
    const char *err = plan_errors(t, &gre);
    ck_assert_msg(strstr(err, "subnet 158.3.10.0/24 of 3_LUGArouter "
                              "ext_4_VIEN overlaps subnet 158.3.0.0/16 of "
                              "3_ssh ssh"),
                  "%s", err);
    topology_free(t0);
    topology_free(t);
    free(text0);
    free(text);
}
END_TEST

/* A switch whose bridge name is shortened (main's <AS>_L2.<dc>.<sw>): the
 * group reaches it by the file's names (goto NEWYCITY STATION_1), and the
 * device is the shortened bridge, whose label is the switch's full name. */
START_TEST(test_access_short_bridge)
{
    struct topology *t;
    struct plan *plan = access_plan_of(
        "ases = ( { asn = 3; students = true; routers = ( \"R\" );\n"
        "  l2 = ( { name = \"NEWYCITY\";\n"
        "    switches = ( { name = \"STATION_1\"; gateway = \"R\"; },\n"
        "                 { name = \"STATION_2\"; } );\n"
        "    links = ( (\"STATION_1\", \"STATION_2\") );\n"
        "    hosts = ( (\"H1\", \"STATION_2\", 10) ); } ); } );\n"
        "access = true;\n",
        &t);
    const struct mi_plan *p = plan_view(plan);
    const struct access_group *g = access_plan_group(plan_access(plan), 3);
    static const struct {
        const char *what, *bridge, *label, *addr;
    } want[] = {
        {"STATION_1", "3_L2.0.0", "3_L2_NEWYCITY_STATION_1", "158.3.100.3/16"},
        {"STATION_2", "3_L2.0.1", "3_L2_NEWYCITY_STATION_2", "158.3.100.4/16"},
    };
    size_t n = 0;

    ck_assert_ptr_nonnull(g);
    for (size_t i = 0; i < g->n_devices; i++) {
        const struct access_device *d = &g->devices[i];
        if (d->kind != ACCESS_SWITCH) {
            continue;
        }
        ck_assert_uint_lt(n, ARRAY_SIZE(want));
        ck_assert_str_eq(d->location, "NEWYCITY");
        ck_assert_str_eq(d->what, want[n].what);
        ck_assert_int_ge(d->bridge, 0);
        ck_assert_str_eq(p->bridges[d->bridge].name, want[n].bridge);
        ck_assert_str_eq(p->bridges[d->bridge].label, want[n].label);
        ck_assert_str_eq(addr_str(&d->addr), want[n].addr);
        n++;
    }
    ck_assert_uint_eq(n, ARRAY_SIZE(want));
    const struct access_device *last = &g->devices[g->n_devices - 1];
    ck_assert_int_eq(last->kind, ACCESS_L2HOST);
    ck_assert_str_eq(p->nodes[last->node].name, "3_L2_NEWYCITY_H1");
    ck_assert_str_eq(addr_str(&last->addr), "158.3.200.3/16");
    plan_free(plan);
    topology_free(t);
}
END_TEST

/* What access installs (access_files.c), for access_cfg: AS 3 on s2. */
START_TEST(test_access_nft)
{
    struct topology *t;
    struct plan *plan = access_plan_of(access_cfg, &t);
    const struct access_plan *ap = plan_access(plan);

    ck_assert_ptr_null(access_nft_ruleset("acc", ap, 0)); /* s1: no group */
    char *r = access_nft_ruleset("acc", ap, 1);
    ck_assert_str_eq(
        r, "table ip miniinet_acc\n"
           "delete table ip miniinet_acc\n"
           "table inet miniinet_acc\n"
           "delete table inet miniinet_acc\n"
           "table inet miniinet_acc {\n"
           "\tchain prerouting {\n"
           "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
           "\t\tmeta nfproto ipv4 fib daddr type local tcp dport 3003 "
           "dnat ip to 169.254.3.2:22\n"
           "\t}\n"
           "\tchain output {\n"
           "\t\ttype nat hook output priority -100; policy accept;\n"
           "\t\tmeta nfproto ipv4 fib daddr type local tcp dport 3003 "
           "dnat ip to 169.254.3.2:22\n"
           "\t}\n"
           "\tchain input {\n"
           "\t\ttype filter hook input priority filter; policy accept;\n"
           "\t\tiifname \"3_sshout\" ct state established,related accept\n"
           "\t\tiifname \"3_sshout\" drop\n"
           "\t}\n"
           "\tchain forward {\n"
           "\t\ttype filter hook forward priority filter; policy accept;\n"
           "\t\tiifname \"3_sshout\" ct state established,related accept\n"
           "\t\tiifname \"3_sshout\" drop\n"
           "\t\toifname \"3_sshout\" ct state established,related accept\n"
           "\t\toifname \"3_sshout\" ct status dnat tcp dport 22 accept\n"
           "\t\toifname \"3_sshout\" drop\n"
           "\t}\n"
           "}\n");
    free(r);
    r = access_nft_delete("acc");
    ck_assert_str_eq(r, "table ip miniinet_acc\ndelete table ip miniinet_acc\n"
                        "table inet miniinet_acc\n"
                        "delete table inet miniinet_acc\n");
    free(r);
    ck_assert_ptr_null(access_nft_delete("a b"));
    ck_assert_ptr_null(access_nft_ruleset("a;b", ap, 1));

    /* Two groups on one server: every proxy's drop of what it starts comes
     * before any group's accept of its forwarded port (proxy 4 to proxy
     * 3's sshd through the DNAT is dropped). */
    {
        const char *from =
            "{ asn = 4; routers = ( \"VIEN\" ); server = \"s1\"; }";
        const char *at = strstr(access_cfg, from);
        ck_assert_ptr_nonnull(at);
        char *cfg2 =
            xasprintf("%.*s{ asn = 4; students = true; routers = ( "
                      "\"VIEN\" ); server = \"s2\"; }%s",
                      (int)(at - access_cfg), access_cfg, at + strlen(from));
        struct topology *t2;
        struct plan *plan2 = access_plan_of(cfg2, &t2);
        char *r2 = access_nft_ruleset("acc", plan_access(plan2), 1);
        ck_assert_ptr_nonnull(r2);
        const char *fwd = strstr(r2, "\tchain forward {\n");
        ck_assert_ptr_nonnull(fwd);
        const char *drop4 = strstr(fwd, "\t\tiifname \"4_sshout\" drop\n");
        const char *accept3 =
            strstr(r2, "\t\toifname \"3_sshout\" ct status dnat tcp dport 22 "
                       "accept\n");
        ck_assert_ptr_nonnull(drop4);
        ck_assert_ptr_nonnull(accept3);
        ck_assert(drop4 < accept3);
        free(r2);
        plan_free(plan2);
        topology_free(t2);
        free(cfg2);
    }

    /* A router's management table; none for a host. */
    const struct access_group *g = &ap->groups[0];
    const struct access_device *router = NULL, *host = NULL;
    for (size_t i = 0; i < g->n_devices; i++) {
        if (g->devices[i].kind == ACCESS_ROUTER && !router) {
            router = &g->devices[i];
        } else if (g->devices[i].kind == ACCESS_HOST && !host) {
            host = &g->devices[i];
        }
    }
    ck_assert_ptr_nonnull(router);
    ck_assert_ptr_nonnull(host);
    ck_assert_ptr_null(access_router_nft(host));
    r = access_router_nft(router);
    char want[96];
    char a4[32];
    plan_format_addr(&router->addr, false, a4, sizeof a4);
    snprintf(want, sizeof want,
             "\t\tiifname != { \"ssh\", \"lo\" } ip daddr %s drop\n", a4);
    ck_assert_ptr_nonnull(strstr(r, want));
    ck_assert_ptr_nonnull(strstr(r, "table inet miniinet_mgmt {\n"));
    ck_assert_ptr_nonnull(strstr(r, "\t\tiifname \"ssh\" drop\n"
                                    "\t\toifname \"ssh\" drop\n"));
    ck_assert_int_eq(strncmp(a4, "158.3.", 6), 0);
    free(r);

    /* Docker's DOCKER-USER: the accepts of 3_sshout, narrow (review
     * R34, N5), as iptables -S prints them. */
    const char *argv[ACCESS_IPT_ARGC];
    const char *const want_argv[][ACCESS_IPT_ARGC] = {
        {"iptables", "-w", "-I", "DOCKER-USER", "-i", "3_sshout", "-m",
         "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT",
         NULL},
        {"iptables", "-w", "-I", "DOCKER-USER", "-o", "3_sshout", "-m",
         "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT",
         NULL},
        {"iptables", "-w", "-I", "DOCKER-USER", "-o", "3_sshout", "-p", "tcp",
         "-m", "tcp", "--dport", "22", "-m", "conntrack", "--ctstate", "DNAT",
         "-j", "ACCEPT", NULL},
        {"iptables", "-w", "-I", "DOCKER-USER", "-i", "3_sshout", "-j",
         "ACCEPT", NULL},
        {"iptables", "-w", "-I", "DOCKER-USER", "-o", "3_sshout", "-j",
         "ACCEPT", NULL},
    };
    for (unsigned k = 0; k < ACCESS_DOCKER_USER_ALL; k++) {
        access_docker_user_argv(argv, "-I", "3_sshout", k);
        for (size_t i = 0; i < ACCESS_IPT_ARGC; i++) {
            if (!want_argv[k][i]) {
                ck_assert_ptr_null(argv[i]);
                break;
            }
            ck_assert_ptr_nonnull(argv[i]);
            ck_assert_str_eq(argv[i], want_argv[k][i]);
        }
    }
    access_docker_user_argv(argv, "-D", "3_sshout", 1);
    ck_assert_str_eq(argv[2], "-D");
    access_docker_user_argv(argv, "-I", "3_sshout", ACCESS_DOCKER_USER_ALL);
    ck_assert_ptr_null(argv[0]);
    char line[256];
    ck_assert_int_eq(access_docker_user_line(line, sizeof line, "3_sshout",
                                             ACCESS_DOCKER_USER_ALL),
                     -1);
    access_docker_user_line(line, sizeof line, "3_sshout", 2);
    ck_assert_str_eq(line, "-A DOCKER-USER -o 3_sshout -p tcp -m tcp --dport "
                           "22 -m conntrack --ctstate DNAT -j ACCEPT");
    /* Whether FORWARD jumps to DOCKER-USER, from iptables -S FORWARD. */
    const char *forward = "-P FORWARD DROP\n-A FORWARD -j DOCKER-USER\n"
                          "-A FORWARD -j DOCKER-FORWARD\n";
    ck_assert_int_eq(access_docker_user_forward(forward), 1);
    ck_assert_int_eq(access_docker_user_forward("-P FORWARD DROP\n"), -EPERM);
    ck_assert_int_eq(access_docker_user_forward("-P FORWARD ACCEPT\n"), 0);
    ck_assert_int_eq(access_docker_user_forward(
                         "-P FORWARD ACCEPT\n-A FORWARD -j DOCKER-USERS\n"),
                     0);
    ck_assert_int_eq(access_docker_user_forward(""), 0);
    /* What to run, from iptables -S DOCKER-USER. */
    unsigned n[ACCESS_DOCKER_USER_ALL];
    const char *fresh = "-N DOCKER-USER\n-A DOCKER-USER -j RETURN\n";
    ck_assert_int_eq(access_docker_user_todo(fresh, "3_sshout", true, n), 0);
    ck_assert_uint_eq(n[0] + n[1] + n[2], 3);
    ck_assert_uint_eq(n[3] + n[4], 0);
    ck_assert_int_eq(access_docker_user_todo(fresh, "3_sshout", false, n), 0);
    for (unsigned k = 0; k < ACCESS_DOCKER_USER_ALL; k++) {
        ck_assert_uint_eq(n[k], 0);
    }
    /* Half there, the broad accepts of an earlier miniinet twice, another
     * group's rule: up inserts the missing ones and deletes the broad
     * ones; down deletes every copy of 3_sshout's, none of 13_sshout's. */
    const char *half =
        "-N DOCKER-USER\n"
        "-A DOCKER-USER -o 3_sshout -m conntrack --ctstate "
        "RELATED,ESTABLISHED -j ACCEPT\n"
        "-A DOCKER-USER -i 3_sshout -j ACCEPT\n"
        "-A DOCKER-USER -i 3_sshout -j ACCEPT\n"
        "-A DOCKER-USER -o 3_sshout -p tcp -m tcp --dport 22 -m conntrack "
        "--ctstate DNAT -j ACCEPT\n"
        "-A DOCKER-USER -o 3_sshout -p tcp -m tcp --dport 22 -m conntrack "
        "--ctstate DNAT -j ACCEPT\n"
        "-A DOCKER-USER -i 13_sshout -m conntrack --ctstate "
        "RELATED,ESTABLISHED -j ACCEPT\n"
        "-A DOCKER-USER -j RETURN";
    ck_assert_int_eq(access_docker_user_todo(half, "3_sshout", true, n), 0);
    ck_assert_uint_eq(n[0], 1);
    ck_assert_uint_eq(n[1], 0);
    ck_assert_uint_eq(n[2], 0);
    ck_assert_uint_eq(n[3], 2);
    ck_assert_uint_eq(n[4], 0);
    ck_assert_int_eq(access_docker_user_todo(half, "3_sshout", false, n), 0);
    ck_assert_uint_eq(n[0], 0);
    ck_assert_uint_eq(n[1], 1);
    ck_assert_uint_eq(n[2], 2);
    ck_assert_uint_eq(n[3], 2);
    ck_assert_uint_eq(n[4], 0);
    ck_assert_int_eq(access_docker_user_todo(half, "13_sshout", false, n), 0);
    ck_assert_uint_eq(n[0], 1);
    ck_assert_uint_eq(n[1] + n[2] + n[3] + n[4], 0);
    /* Copies deleted at most ACCESS_DOCKER_USER_COPIES at a time. */
    char *many = NULL;
    size_t cap = 0, len = 0;
    for (int i = 0; i <= ACCESS_DOCKER_USER_COPIES; i++) {
        const char *l = "-A DOCKER-USER -o 3_sshout -j ACCEPT\n";
        many = xgrow(many, &cap, len + strlen(l) + 1, 1);
        memcpy(many + len, l, strlen(l) + 1);
        len += strlen(l);
    }
    ck_assert_int_eq(access_docker_user_todo(many, "3_sshout", false, n),
                     -E2BIG);
    ck_assert_uint_eq(n[4], ACCESS_DOCKER_USER_COPIES);
    free(many);

    char buf[32];
    struct mi_addr a = access_outside_addr(223, false);
    plan_format_addr(&a, true, buf, sizeof buf);
    ck_assert_str_eq(buf, "169.254.223.1/30");
    a = access_outside_addr(223, true);
    plan_format_addr(&a, true, buf, sizeof buf);
    ck_assert_str_eq(buf, "169.254.223.2/30");
    ck_assert_int_eq(access_outside_ifname(buf, sizeof buf, 223), 10);
    ck_assert_str_eq(buf, "223_sshout");
    plan_free(plan);
    topology_free(t);
}
END_TEST

START_TEST(test_access_sshd_configs)
{
    struct topology *t;
    struct plan *plan = access_plan_of(access_cfg, &t);
    const struct access_group *g = access_plan_group(plan_access(plan), 3);

    char *c = access_proxy_sshd_config(g);
    ck_assert_ptr_nonnull(strstr(c, "\nListenAddress 169.254.3.2\n"));
    ck_assert_ptr_nonnull(strstr(c, "\nPermitRootLogin yes\n"));
    ck_assert_ptr_nonnull(strstr(c, "\nMaxStartups 10:30:30\n"));
    ck_assert_ptr_nonnull(strstr(c, "\nPerSourceMaxStartups 5\n"));
    ck_assert_ptr_nonnull(strstr(c, "\nPasswordAuthentication yes\n"));
    ck_assert_ptr_nonnull(strstr(c, "\nAllowTcpForwarding no\n"));
    ck_assert_ptr_nonnull(strstr(c, "\nPermitTunnel no\n"));
    ck_assert_ptr_nonnull(
        strstr(c, "\nAuthorizedKeysFile /etc/ssh/miniinet/authorized_keys\n"));
    free(c);
    ck_assert_str_eq(g->devices[0].location, "LUGA");
    c = access_device_sshd_config(&g->devices[0]);
    ck_assert_ptr_nonnull(strstr(c, "# miniinet: sshd of goto LUGA router"));
    ck_assert_ptr_nonnull(strstr(c, "\nListenAddress 158.3.10.1\n"));
    ck_assert_ptr_nonnull(strstr(c, "\nPasswordAuthentication no\n"));
    ck_assert_ptr_nonnull(strstr(c, "\nPermitRootLogin prohibit-password\n"));
    ck_assert_ptr_null(strstr(c, "PasswordAuthentication yes"));
    ck_assert_ptr_null(strstr(c, "PerSourceMaxStartups"));
    free(c);

    const char *keys[] = {"ssh-ed25519 AAAAC3NzaTA ta@course",
                          "ssh-rsa AAAAB3Nza"};
    c = access_proxy_authorized_keys(keys, 2);
    ck_assert_str_eq(c,
                     "ssh-ed25519 AAAAC3NzaTA ta@course\nssh-rsa AAAAB3Nza\n");
    free(c);
    c = access_proxy_authorized_keys(NULL, 0);
    ck_assert_str_eq(c, "");
    free(c);
    plan_free(plan);
    topology_free(t);
}
END_TEST

START_TEST(test_access_known_hosts)
{
    struct topology *t;
    struct plan *plan = access_plan_of(access_cfg, &t);
    const struct access_group *g = access_plan_group(plan_access(plan), 3);

    /* Every device but the switches, the key without its comment. */
    char *k = access_known_hosts(g, "ssh-ed25519 AAAAC3Nza miniinet\n");
    ck_assert_str_eq(k, "158.3.10.1,158.3.11.1,158.3.10.2,158.3.200.3,"
                        "158.3.200.4 ssh-ed25519 AAAAC3Nza\n");
    free(k);
    k = access_known_hosts(g, "ssh-ed25519 AAAAC3Nza");
    ck_assert_str_eq(k, "158.3.10.1,158.3.11.1,158.3.10.2,158.3.200.3,"
                        "158.3.200.4 ssh-ed25519 AAAAC3Nza\n");
    free(k);
    const char *bad[] = {"",
                         "ssh-ed25519",
                         "ssh-ed25519 ",
                         " AAAA",
                         "ssh-ed25519  AAAA",
                         "ssh-ed25519 AAAA\nssh-rsa BBBB\n",
                         "ssh-ed25519\tAAAA x",
                         "ssh-ed25519 AA\001AA"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ck_assert_msg(access_known_hosts(g, bad[i]) == NULL, "bad key %zu", i);
    }
    plan_free(plan);
    topology_free(t);
}
END_TEST

START_TEST(test_access_goto)
{
    struct topology *t;
    struct plan *plan = access_plan_of(access_cfg, &t);
    struct access_group *g =
        (struct access_group *)access_plan_group(plan_access(plan), 3);

    char *s = access_goto_script(g);
    ck_assert_ptr_nonnull(strstr(s, "#!/bin/bash\n"));
    ck_assert_ptr_nonnull(
        strstr(s, "\n'LUGA router') addr=158.3.10.1 cmd=vtysh ;;\n"));
    ck_assert_ptr_nonnull(
        strstr(s, "\n'LYON router') addr=158.3.11.1 cmd=vtysh ;;\n"));
    ck_assert_ptr_nonnull(
        strstr(s, "\n'LUGA host') addr=158.3.10.2 cmd=shell ;;\n"));
    ck_assert_ptr_nonnull(
        strstr(s, "\n'DCN FIFA_1') addr=158.3.200.3 cmd=shell ;;\n"));
    ck_assert_ptr_nonnull(
        strstr(s, "\n'DCN UEFA_1') addr=158.3.200.4 cmd=shell ;;\n"));
    /* Switches: a request to the switch VLAN agent on the proxy's
     * loopback, at a prompt or from the words after the switch's. */
    ck_assert_ptr_nonnull(strstr(s, "\n'DCN S1')\n    if [ $# -eq 2 ]; then "
                                    "switch_prompt \"$1\" \"$2\"; else "
                                    "switch_do \"$@\"; fi\n    exit\n"));
    ck_assert_ptr_nonnull(strstr(s, "\n'DCN S2')\n"));
    ck_assert_ptr_nonnull(strstr(s, "exec 3<>/dev/tcp/127.0.0.1/1000;"));
    ck_assert_ptr_nonnull(
        strstr(s, "  goto DCN S1                  switch S1 of DCN: its "
                  "ports' VLANs (goto DCN S1 help)\n"));
    /* Extra words only for a switch. */
    ck_assert_ptr_nonnull(strstr(s, "esac\n[ $# -eq 2 ] || { usage >&2; "
                                    "exit 2; }\nset -- -F none"));
    ck_assert_ptr_nonnull(
        strstr(s, "  goto LUGA router             vtysh on router LUGA\n"));
    ck_assert_ptr_nonnull(strstr(s, "-i /etc/ssh/miniinet/device_key "));
    ck_assert_ptr_nonnull(strstr(s, "-o StrictHostKeyChecking=yes"));
    free(s);

    s = access_goto_completion(g);
    ck_assert_ptr_nonnull(strstr(s, "    1) w=\"LUGA LYON DCN\" ;;\n"));
    ck_assert_ptr_nonnull(strstr(s, "        LUGA) w=\"router host\" ;;\n"));
    ck_assert_ptr_nonnull(strstr(s, "        LYON) w=\"router\" ;;\n"));
    ck_assert_ptr_nonnull(
        strstr(s, "        DCN) w=\"S1 S2 FIFA_1 UEFA_1\" ;;\n"));
    ck_assert_ptr_nonnull(
        strstr(s, "        'DCN S1') w=\"show access trunk help\" ;;\n"));
    ck_assert_ptr_null(strstr(s, "'LUGA router') w="));
    ck_assert_ptr_nonnull(strstr(s, "complete -F _miniinet_goto goto\n"));
    free(s);

    /* A name that is not a topology name is never written into a script. */
    char *saved = g->devices[1].what;
    g->devices[1].what = (char *)"x') ;; *) rm";
    ck_assert_ptr_null(access_goto_script(g));
    ck_assert_ptr_null(access_goto_completion(g));
    g->devices[1].what = saved;
    plan_free(plan);
    topology_free(t);
}
END_TEST

/* The generated files through the real tools. */
static int
tool_status(const char *fmt, const char *text)
{
    const char *path = testutil_write_temp(text, ".txt");
    char *cmd = xasprintf(fmt, path);
    int status = system(cmd);

    free(cmd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(test_access_files_tools)
{
    struct topology *t;
    struct plan *plan = access_plan_of(access_cfg, &t);
    const struct access_plan *ap = plan_access(plan);
    const struct access_group *g = access_plan_group(ap, 3);
    char *s;

    s = access_goto_script(g);
    ck_assert_int_eq(tool_status("bash -n %s", s), 0);
    free(s);
    s = access_goto_completion(g);
    ck_assert_int_eq(tool_status("bash -n %s", s), 0);
    free(s);
    ck_assert_int_ne(tool_status("sh -n %s 2>/dev/null", "case x in\n"), 0);

    /* sshd -t with a host key of the test's own (the configured one is
     * inside a container). */
    if (!testutil_sshd_ready()) {
        fprintf(stderr, "# SKIP sshd -t of the access configurations: no "
                        "/run/sshd (sshd's privilege separation directory; "
                        "made when run as root)\n");
        plan_free(plan);
        topology_free(t);
        return;
    }
    const char *key = testutil_write_temp("", ".key");
    char *gen = xasprintf("rm -f %s && ssh-keygen -q -t ed25519 -N '' -f %s "
                          "</dev/null >/dev/null",
                          key, key);
    ck_assert_int_eq(system(gen), 0);
    free(gen);
    char *fmt = xasprintf("/usr/sbin/sshd -t -h %s -f %%s 2>/dev/null", key);
    s = access_proxy_sshd_config(g);
    ck_assert_int_eq(tool_status(fmt, s), 0);
    free(s);
    for (size_t i = 0; i < g->n_devices; i++) {
        s = access_device_sshd_config(&g->devices[i]);
        ck_assert_int_eq(tool_status(fmt, s), 0);
        free(s);
    }
    ck_assert_int_ne(tool_status(fmt, "NoSuchOption yes\n"), 0);
    free(fmt);
    char *pub = xasprintf("%s.pub", key);
    unlink(pub);
    free(pub);
    plan_free(plan);
    topology_free(t);
}
END_TEST

START_TEST(test_access_nft_check)
{
    struct topology *t;
    struct plan *plan = access_plan_of(access_cfg, &t);
    char *r = access_nft_ruleset("acc", plan_access(plan), 1);

    /* nft -c: parsed and checked by the kernel, nothing committed. */
    ck_assert_int_eq(tool_status("nft -c -f %s", r), 0);
    ck_assert_int_ne(tool_status("nft -c -f %s 2>/dev/null",
                                 "table ip x { chain y { nosuch; } }\n"),
                     0);
    free(r);
    r = access_nft_delete("acc");
    ck_assert_int_eq(tool_status("nft -c -f %s", r), 0);
    free(r);
    const struct access_group *g = &plan_access(plan)->groups[0];
    for (size_t i = 0; i < g->n_devices; i++) {
        if (g->devices[i].kind == ACCESS_ROUTER) {
            r = access_router_nft(&g->devices[i]);
            ck_assert_int_eq(tool_status("nft -c -f %s", r), 0);
            free(r);
            break;
        }
    }
    plan_free(plan);
    topology_free(t);
}
END_TEST

static const char *
access_tools_skip_reason(void)
{
    if (access("/usr/sbin/sshd", X_OK)) {
        return "openssh-server is not installed (/usr/sbin/sshd)";
    }
    if (system("command -v ssh-keygen >/dev/null && command -v bash "
               ">/dev/null") != 0) {
        return "ssh-keygen or bash is missing";
    }
    return NULL;
}

static const char *
access_nft_skip_reason(void)
{
    if (geteuid() != 0) {
        return "needs root (nft -c asks the kernel)";
    }
    if (system("command -v nft >/dev/null") != 0) {
        return "nft is not installed";
    }
    return NULL;
}

/* 253 L2 hosts (in two VLANs, that the data plane numbers them) do not
 * fit 158.AS.200.3 to .254. */
START_TEST(test_access_too_many_l2)
{
    char *hosts = xstrdup("");
    for (int i = 0; i < 253; i++) {
        char *next = xasprintf("%s%s(\"H%d\", \"S\", %d)", hosts,
                               i ? ", " : "", i, 10 + i % 2 * 10);
        free(hosts);
        hosts = next;
    }
    char *text = xasprintf(
        "ases = ( { asn = 3; students = true;\n"
        "  routers = ( \"R\" );\n"
        "  l2 = ( { name = \"D\"; switches = ( { name = \"S\"; } );\n"
        "    hosts = ( %s ); } ); } );\n"
        "access = true;\n",
        hosts);
    const char *path = testutil_write_temp(text, ".cfg");
    struct topology *t = load(path);
    struct plan *plan = (struct plan *)&plan;

    testutil_capture_begin();
    ck_assert_int_eq(plan_compute(t, &no_tunnel, &plan), -EINVAL);
    testutil_capture_end();
    ck_assert_ptr_null(plan);
    char *want = xasprintf("%s:1: AS 3: access: more than "
                           "252 switches or L2 hosts; its management "
                           "network numbers them 158.3.100.3 and "
                           "158.3.200.3 to .254\n",
                           path);
    ck_assert_str_eq(testutil_captured(), want);
    free(want);
    topology_free(t);
    free(text);
    free(hosts);
}
END_TEST

static Suite *
plan_suite(void)
{
    Suite *s = suite_create("plan");
    TCase *tc = tcase_create("addresses");

    tcase_add_test(tc, test_golden_addresses);
    tcase_add_test(tc, test_golden_names);
    tcase_add_test(tc, test_node_order);
    tcase_add_test(tc, test_link_order);
    tcase_add_test(tc, test_bridges_and_ports);
    tcase_add_test(tc, test_local_server);
    tcase_add_test(tc, test_neighbours);
    tcase_add_test(tc, test_format_addr);
    suite_add_tcase(s, tc);

    tc = tcase_create("servers");
    tcase_add_test(tc, test_remote_links);
    tcase_add_test(tc, test_remote_mtu);
    tcase_add_test(tc, test_remote_mtu_too_small);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_test(tc, test_overlapping_explicit_subnet);
    tcase_add_test(tc, test_duplicate_addresses);
    tcase_add_test(tc, test_asn_out_of_range);
    tcase_add_test(tc, test_duplicate_names);
    tcase_add_test(tc, test_duplicate_interfaces);
    tcase_add_test(tc, test_long_names);
    tcase_add_test(tc, test_short_names);
    tcase_add_test(tc, test_short_bridge_names);
    tcase_add_test(tc, test_vlan_full);
    tcase_add_test(tc, test_bad_topology);
    suite_add_tcase(s, tc);

    tc = tcase_create("output");
    tcase_add_test(tc, test_determinism);
    tcase_add_test(tc, test_json);
    tcase_add_test(tc, test_text);
    suite_add_tcase(s, tc);

    tc = tcase_create("placement");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_placement_clusters);
    tcase_add_test(tc, test_placement_balance);
    tcase_add_test(tc, test_placement_bound);
    tcase_add_test(tc, test_placement_fixed);
    tcase_add_test(tc, test_placement_no_servers);
    suite_add_tcase(s, tc);

    tc = tcase_create("files");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_file_doc_example);
    tcase_add_test(tc, test_file_servers);
    tcase_add_test(tc, test_file_ends);
    tcase_add_test(tc, test_file_host_rows);
    tcase_add_test(tc, test_file_measurement);
    tcase_add_test(tc, test_file_measurement_servers);
    tcase_add_test(tc, test_matrix_host);
    tcase_add_test(tc, test_file_overlap);
    tcase_add_test(tc, test_file_class60);
    suite_add_tcase(s, tc);

    tc = tcase_create("access");
    tcase_add_test(tc, test_access_groups);
    tcase_add_test(tc, test_access_port_clashes);
    tcase_add_test(tc, test_access_output);
    tcase_add_test(tc, test_access_too_many_l2);
    tcase_add_test(tc, test_access_host_rows);
    tcase_add_test(tc, test_access_measurement);
    tcase_add_test(tc, test_access_short_bridge);
    tcase_add_test(tc, test_access_mgmt);
    tcase_add_test(tc, test_access_mgmt_clash);
    tcase_add_test(tc, test_access_nft);
    tcase_add_test(tc, test_access_sshd_configs);
    tcase_add_test(tc, test_access_known_hosts);
    tcase_add_test(tc, test_access_goto);
    tcase_add_checked_fixture(tc, NULL, testutil_cleanup_files);
    suite_add_tcase(s, tc);

    const char *reason = access_tools_skip_reason();
    if (reason) {
        printf("# SKIP access files through sh, bash and sshd -t: %s\n",
               reason);
        fflush(stdout);
    } else {
        tc = tcase_create("access tools");
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_access_files_tools);
        tcase_add_checked_fixture(tc, NULL, testutil_cleanup_files);
        suite_add_tcase(s, tc);
    }
    reason = access_nft_skip_reason();
    if (reason) {
        printf("# SKIP the port forward through nft -c: %s\n", reason);
        fflush(stdout);
    } else {
        tc = tcase_create("access nft");
        tcase_add_test(tc, test_access_nft_check);
        tcase_add_checked_fixture(tc, NULL, testutil_cleanup_files);
        suite_add_tcase(s, tc);
    }
    return s;
}

int
main(void)
{
    return testutil_run(plan_suite());
}
