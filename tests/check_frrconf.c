/* Tests of the FRR configuration generator (frrconf.c).
 *
 * The plan comes from a topology file through topology_load() and
 * plan_compute(), as in a real run.  The expected lines are written out by
 * hand from the addressing plan and the original mini-Internet's policy
 * (doc/topology.md, frrconf.h), not produced by the code under test.  When
 * FRR is installed, every generated configuration is also checked by FRR's
 * own parser (vtysh --dryrun).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "frrconf.h"
#include "log.h"
#include "plan.h"
#include "testutil.h"
#include "topology.h"
#include "util.h"

/* AS 1: three routers, an L2 network with gateway ZURI (VLANs 10 and 20).
 * AS 1 provides for AS 2 (written from the provider's side) and for AS 3
 * (written from the customer's side); 2 and 3 peer; AS 4 is the students'
 * and a customer of 2.  IXP 80 has members 1, 2 and 4; IXP 81 only 1.
 * The measurement host attaches to AS 1's BASE and every other AS's
 * ZURI (their first router). */
static const char topology_text[] =
    "name = \"frrtest\";\n"
    "measurement = true;\n"
    "ases = (\n"
    "  { asn = 1;\n"
    "    routers = ( \"ZURI\", \"BASE\", { name = \"GENE\"; host = false; } "
    ");\n"
    "    links = ( (\"ZURI\", \"BASE\"), (\"BASE\", \"GENE\") );\n"
    "    measurement = \"BASE\";\n"
    "    l2 = ( { name = \"DCN\";\n"
    "             switches = ( { name = \"S1\"; gateway = \"ZURI\"; },\n"
    "                          { name = \"S2\"; } );\n"
    "             links = ( (\"S1\", \"S2\") );\n"
    "             hosts = ( (\"FIFA_1\", \"S1\", 10),\n"
    "                       (\"UEFA_1\", \"S2\", 20) ); } ); },\n"
    "  { asn = 2; routers = ( \"ZURI\" ); },\n"
    "  { asn = 3; routers = ( \"ZURI\" ); },\n"
    "  { asn = 4; routers = ( \"ZURI\" ); students = true; }\n"
    ");\n"
    "ixps = ( { id = 80; }, { id = 81; } );\n"
    "links = (\n"
    "  (1, \"ZURI\", \"provider\", 2, \"ZURI\"),\n"
    "  (3, \"ZURI\", \"customer\", 1, \"BASE\"),\n"
    "  (2, \"ZURI\", \"peer\", 3, \"ZURI\"),\n"
    "  (4, \"ZURI\", \"customer\", 2, \"ZURI\"),\n"
    "  (1, \"GENE\", \"peer\", 80),\n"
    "  (2, \"ZURI\", \"peer\", 80),\n"
    "  (4, \"ZURI\", \"peer\", 80),\n"
    "  (1, \"ZURI\", \"peer\", 81)\n"
    ");\n";

static char *topology_path; /* removed by testutil_run() */
static struct topology *topo;
static struct plan *plan;
static const struct mi_plan *view;

static void
load_plan(void)
{
    struct plan_params params = {.tunnel_overhead = 0};

    if (!topology_path) {
        topology_path = testutil_write_temp(topology_text, ".cfg");
    }
    ck_assert_int_eq(topology_load(topology_path, &topo), 0);
    ck_assert_int_eq(plan_compute(topo, &params, &plan), 0);
    view = plan_view(plan);
}

static void
free_plan(void)
{
    plan_free(plan);
    topology_free(topo);
    plan = NULL;
    topo = NULL;
    view = NULL;
}

/* ------------------------------------------------------------------------ */
/* Helpers.                                                                 */

static size_t
node_index(const struct mi_plan *p, const char *name)
{
    for (size_t i = 0; i < p->n_nodes; i++) {
        if (!strcmp(p->nodes[i].name, name)) {
            return i;
        }
    }
    ck_abort_msg("no node %s in the plan", name);
    return 0;
}

/* The configuration of `name` as a malloc()ed string; returns frrconf_write's
 * result in *error (or asserts success when error is NULL). */
static char *
write_conf(const struct mi_plan *p, size_t node, int *error)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    ck_assert_ptr_nonnull(f);
    int r = frrconf_write(p, node, f);
    ck_assert_int_eq(fclose(f), 0);
    if (error) {
        *error = r;
    } else {
        ck_assert_msg(r == 0, "frrconf_write(%s) = %d", p->nodes[node].name,
                      r);
    }
    return text;
}

static char *
conf(const char *name)
{
    return write_conf(view, node_index(view, name), NULL);
}

/* Daemon `daemon`'s part of node `node`'s configuration (malloc()ed);
 * frrconf_write_daemon()'s result in *error, or asserted 0 when NULL. */
static char *
write_part(const struct mi_plan *p, size_t node, const char *daemon,
           int *error)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    ck_assert_ptr_nonnull(f);
    int r = frrconf_write_daemon(p, node, daemon, f);
    ck_assert_int_eq(fclose(f), 0);
    if (error) {
        *error = r;
    } else {
        ck_assert_msg(r == 0, "frrconf_write_daemon(%s, %s) = %d",
                      p->nodes[node].name, daemon, r);
    }
    return text;
}

static char *
part(const char *name, const char *daemon)
{
    return write_part(view, node_index(view, name), daemon, NULL);
}

/* Number of lines of `text` equal to `line`. */
static size_t
count_lines(const char *text, const char *line)
{
    size_t n = 0, len = strlen(line);

    for (const char *s = text; s && *s;
         s = strchr(s, '\n'), s = s ? s + 1 : NULL) {
        if (!strncmp(s, line, len) && (s[len] == '\n' || !s[len])) {
            n++;
        }
    }
    return n;
}

/* Number of lines of `text` starting with `prefix`. */
static size_t
count_prefix(const char *text, const char *prefix)
{
    size_t n = 0, len = strlen(prefix);

    for (const char *s = text; s && *s;
         s = strchr(s, '\n'), s = s ? s + 1 : NULL) {
        n += !strncmp(s, prefix, len);
    }
    return n;
}

#define assert_line(text, line)                                               \
    ck_assert_msg(count_lines(text, line) == 1,                               \
                  "expected the line \"%s\" once in:\n%s", line, text)
#define assert_no_prefix(text, prefix)                                        \
    ck_assert_msg(count_prefix(text, prefix) == 0,                            \
                  "unexpected line \"%s...\" in:\n%s", prefix, text)

static void assert_linef(const char *text, const char *fmt, ...)
    MI_PRINTF(2, 3);

static void
assert_linef(const char *text, const char *fmt, ...)
{
    va_list args;
    char *line;

    va_start(args, fmt);
    ck_assert_int_ge(vasprintf(&line, fmt, args), 0);
    va_end(args);
    assert_line(text, line);
    free(line);
}

/* The block that starts with the line `header` and ends with the next
 * top-level "exit" line, as a malloc()ed string ("" if there is none). */
static char *
block(const char *text, const char *header)
{
    size_t hlen = strlen(header);

    for (const char *s = text; s && *s;
         s = strchr(s, '\n'), s = s ? s + 1 : NULL) {
        if (!strncmp(s, header, hlen) && s[hlen] == '\n') {
            const char *end = strstr(s, "\nexit\n");
            size_t len = end ? (size_t)(end - s) + 6 : strlen(s);
            char *b = xmalloc(len + 1);

            memcpy(b, s, len);
            b[len] = '\0';
            return b;
        }
    }
    return xstrdup("");
}

/* Asserts that `line` appears in the block of `header`. */
static void
assert_in_block(const char *text, const char *header, const char *line)
{
    char *b = block(text, header);

    ck_assert_msg(count_lines(b, line) == 1,
                  "expected \"%s\" in block \"%s\" of:\n%s", line, header,
                  text);
    free(b);
}

/* ------------------------------------------------------------------------ */
/* Routers of preconfigured ASes.                                           */

START_TEST(test_header)
{
    char *c = conf("1_ZURIrouter");

    ck_assert_msg(!strncmp(c, "frr defaults traditional\n", 25),
                  "frr defaults must come first:\n%s", c);
    assert_line(c, "hostname ZURI_router");
    assert_line(c, "service integrated-vtysh-config");
    assert_line(c, "ip forwarding");
    assert_line(c, "end");
    /* Addresses come from netlink, logging from the runtime. */
    assert_no_prefix(c, " ip address");
    assert_no_prefix(c, "log ");
    free(c);
}
END_TEST

START_TEST(test_interfaces)
{
    char *c = conf("1_ZURIrouter");

    assert_in_block(c, "interface port_BASE",
                    " description internal link to 1_BASErouter");
    assert_in_block(c, "interface port_BASE", " ip ospf cost 1");
    assert_in_block(c, "interface port_BASE",
                    " ip ospf network point-to-point");
    assert_in_block(c, "interface host", " ip ospf passive");
    assert_in_block(c, "interface host",
                    " description link to host "
                    "1_ZURIhost");
    assert_in_block(c, "interface ZURI-L2.10", " ip ospf passive");
    assert_in_block(c, "interface ZURI-L2.20",
                    " description L2 switch 1_L2_DCN_S1, VLAN 20");
    assert_in_block(c, "interface ext_2_ZURI", " ip ospf passive");
    assert_in_block(c, "interface ext_2_ZURI",
                    " description customer AS 2, 2_ZURIrouter");
    assert_in_block(c, "interface ixp_81", " description IXP 81 LAN");
    ck_assert_int_eq(count_prefix(c, "interface "), 6);
    ck_assert_int_eq(count_lines(c, " ip ospf cost 1"), 1);
    free(c);
}
END_TEST

START_TEST(test_ospf)
{
    char *c = conf("1_ZURIrouter");
    char *ospf = block(c, "router ospf");

    assert_line(ospf, " ospf router-id 1.151.0.1");
    assert_line(ospf, " network 1.151.0.0/24 area 0"); /* loopback */
    assert_line(ospf, " network 1.101.0.0/24 area 0"); /* host */
    assert_line(ospf, " network 1.0.1.0/24 area 0");   /* ZURI-BASE */
    assert_line(ospf, " network 1.200.0.0/16 area 0"); /* both VLANs */
    ck_assert_int_eq(count_prefix(ospf, " network "), 4);
    /* External subnets stay out of OSPF: next-hop-self covers them. */
    ck_assert_ptr_null(strstr(ospf, " network 179."));
    ck_assert_ptr_null(strstr(ospf, " network 180."));
    free(ospf);
    free(c);

    /* GENE: no host, no L2, one internal link. */
    c = conf("1_GENErouter");
    ospf = block(c, "router ospf");
    assert_line(ospf, " ospf router-id 1.153.0.1");
    assert_line(ospf, " network 1.153.0.0/24 area 0");
    assert_line(ospf, " network 1.0.2.0/24 area 0");
    ck_assert_int_eq(count_prefix(ospf, " network "), 2);
    free(ospf);
    free(c);
}
END_TEST

START_TEST(test_static_and_ibgp)
{
    char *c = conf("1_BASErouter");
    char *bgp = block(c, "router bgp 1");

    assert_line(c, "ip route 1.0.0.0/8 Null0");
    assert_line(c, "ip prefix-list OWN_PREFIX seq 5 permit 1.0.0.0/8");
    assert_line(bgp, " bgp router-id 1.152.0.1");
    /* Ties between eBGP routes do not depend on timing. */
    assert_line(bgp, " bgp bestpath compare-routerid");
    assert_line(bgp, " no bgp default ipv4-unicast");
    assert_line(bgp, "  network 1.0.0.0/8");
    /* Full mesh: the two other routers, over loopbacks. */
    /* Two neighbors: remote-as, description, timers, update-source. */
    ck_assert_uint_eq(count_prefix(bgp, " neighbor 1."), 8);
    assert_line(bgp, " neighbor 1.151.0.1 remote-as 1");
    assert_line(bgp, " neighbor 1.153.0.1 remote-as 1");
    assert_line(bgp, " neighbor 1.151.0.1 update-source 1.152.0.1");
    assert_line(bgp, " neighbor 1.153.0.1 update-source 1.152.0.1");
    assert_line(bgp, "  neighbor 1.151.0.1 next-hop-self");
    assert_line(bgp, "  neighbor 1.153.0.1 next-hop-self");
    assert_line(bgp, "  neighbor 1.153.0.1 send-community");
    /* 3 address-family lines per iBGP session, 4 for the eBGP one; every
     * session is activated and retried quickly. */
    ck_assert_uint_eq(count_prefix(bgp, "  neighbor "), 10);
    ck_assert_int_eq(count_lines(bgp, "  neighbor 1.151.0.1 activate") +
                         count_lines(bgp, "  neighbor 1.153.0.1 activate") +
                         count_lines(bgp, "  neighbor 179.1.3.3 activate"),
                     3);
    assert_line(bgp, " neighbor 179.1.3.3 timers connect 5");
    free(bgp);
    free(c);

    /* A one-router AS has no iBGP session. */
    c = conf("3_ZURIrouter");
    ck_assert_int_eq(count_prefix(c, " neighbor 3."), 0);
    free(c);
}
END_TEST

/* AS 1 provides for AS 2, written "1 provider 2": each side sees the
 * other's role. */
START_TEST(test_customer_and_provider)
{
    char *c = conf("1_ZURIrouter");

    assert_line(c, " neighbor 179.1.2.2 remote-as 2");
    assert_line(c, "  neighbor 179.1.2.2 route-map CUST_IN in");
    assert_line(c, "  neighbor 179.1.2.2 route-map CUST_OUT out");
    assert_line(c, "  neighbor 179.1.2.2 send-community");
    assert_in_block(c, "route-map CUST_IN permit 10", " set community 1:10");
    assert_in_block(c, "route-map CUST_IN permit 10",
                    " set local-preference 100");
    /* To customers: the own prefix and everything learned. */
    assert_in_block(c, "route-map CUST_OUT permit 10",
                    " match ip address prefix-list OWN_PREFIX");
    assert_in_block(c, "route-map CUST_OUT permit 20",
                    " match community FROM_ANY");
    assert_line(c, "bgp community-list standard FROM_ANY permit 1:10");
    assert_line(c, "bgp community-list standard FROM_ANY permit 1:20");
    assert_line(c, "bgp community-list standard FROM_ANY permit 1:30");
    free(c);

    c = conf("2_ZURIrouter");
    assert_line(c, " neighbor 179.1.2.1 remote-as 1");
    assert_line(c, "  neighbor 179.1.2.1 route-map PROV_IN in");
    assert_line(c, "  neighbor 179.1.2.1 route-map PROV_OUT out");
    assert_in_block(c, "route-map PROV_IN permit 10", " set community 2:30");
    assert_in_block(c, "route-map PROV_IN permit 10",
                    " set local-preference 20");
    /* To providers: the own prefix and customer routes only. */
    assert_in_block(c, "route-map PROV_OUT permit 10",
                    " match ip address prefix-list OWN_PREFIX");
    assert_in_block(c, "route-map PROV_OUT permit 20",
                    " match community FROM_CUSTOMER");
    assert_line(c, "bgp community-list standard FROM_CUSTOMER permit 2:10");
    free(c);
}
END_TEST

/* "3 customer 1": the relationship written from the customer's side. */
START_TEST(test_customer_written_by_customer)
{
    char *c = conf("1_BASErouter");

    assert_line(c, " neighbor 179.1.3.3 remote-as 3");
    assert_line(c, "  neighbor 179.1.3.3 route-map CUST_IN in");
    assert_line(c, "  neighbor 179.1.3.3 route-map CUST_OUT out");
    free(c);

    c = conf("3_ZURIrouter");
    assert_line(c, " neighbor 179.1.3.1 remote-as 1");
    assert_line(c, "  neighbor 179.1.3.1 route-map PROV_IN in");
    assert_line(c, "  neighbor 179.1.3.1 route-map PROV_OUT out");
    assert_line(c, " neighbor 179.1.3.1 description provider AS 1, "
                   "1_BASErouter");
    free(c);
}
END_TEST

START_TEST(test_peer)
{
    char *c = conf("2_ZURIrouter");

    assert_line(c, "  neighbor 179.2.3.3 route-map PEER_IN in");
    assert_line(c, "  neighbor 179.2.3.3 route-map PEER_OUT out");
    assert_in_block(c, "route-map PEER_IN permit 10", " set community 2:20");
    assert_in_block(c, "route-map PEER_IN permit 10",
                    " set local-preference 50");
    assert_in_block(c, "route-map PEER_OUT permit 20",
                    " match community FROM_CUSTOMER");
    /* 2 has a customer (the students' AS 4), a provider and a peer. */
    assert_line(c, "  neighbor 179.2.4.4 route-map CUST_IN in");
    /* 3 per role (IN, OUT 10, OUT 20), 2 for IXP80_OUT. */
    ck_assert_uint_eq(count_prefix(c, "route-map "), 11);
    free(c);

    c = conf("3_ZURIrouter");
    assert_line(c, "  neighbor 179.2.3.2 route-map PEER_IN in");
    assert_in_block(c, "route-map PEER_IN permit 10", " set community 3:20");
    /* No customers: no customer policy, no FROM_ANY. */
    assert_no_prefix(c, "route-map CUST_");
    assert_no_prefix(c, "bgp community-list standard FROM_ANY");
    free(c);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* IXPs.                                                                    */

START_TEST(test_ixp_member)
{
    char *c = conf("1_GENErouter");

    assert_line(c, " neighbor 180.80.0.80 remote-as 80");
    assert_line(c, " no neighbor 180.80.0.80 enforce-first-as");
    assert_line(c, "  neighbor 180.80.0.80 route-map PEER_IN in");
    assert_line(c, "  neighbor 180.80.0.80 route-map IXP80_OUT out");
    assert_line(c, "  neighbor 180.80.0.80 send-community");
    assert_in_block(c, "route-map PEER_IN permit 10", " set community 1:20");
    /* No announce list: every other member, in plan order. */
    assert_in_block(c, "route-map IXP80_OUT permit 10",
                    " match ip address prefix-list OWN_PREFIX");
    assert_in_block(c, "route-map IXP80_OUT permit 10",
                    " set community 80:2 80:4");
    assert_in_block(c, "route-map IXP80_OUT permit 20",
                    " match community FROM_CUSTOMER");
    assert_in_block(c, "route-map IXP80_OUT permit 20",
                    " set community 80:2 80:4");
    /* An IXP is a peer, but no PEER_OUT when there is no direct peer. */
    assert_no_prefix(c, "route-map PEER_OUT");
    free(c);

    /* The only member of IXP 81 sends to nobody. */
    c = conf("1_ZURIrouter");
    assert_in_block(c, "route-map IXP81_OUT permit 10", " set community none");
    free(c);
}
END_TEST

/* mi_link.announce restricts the targets (order kept as given). */
START_TEST(test_ixp_announce)
{
    static const unsigned targets[] = {4, 1};
    struct mi_plan copy = *view;
    struct mi_link *links = xmalloc(view->n_links * sizeof *links);
    size_t node = node_index(view, "2_ZURIrouter");
    size_t patched = 0;

    memcpy(links, view->links, view->n_links * sizeof *links);
    for (size_t l = 0; l < view->n_links; l++) {
        if (links[l].kind == MI_LINK_IXP &&
            links[l].end[0].node == (int)node) {
            links[l].announce = targets;
            links[l].n_announce = ARRAY_SIZE(targets);
            patched++;
        }
    }
    ck_assert_int_eq(patched, 1);
    copy.links = links;

    char *c = write_conf(&copy, node, NULL);
    assert_in_block(c, "route-map IXP80_OUT permit 10",
                    " set community 80:4 80:1");
    assert_in_block(c, "route-map IXP80_OUT permit 20",
                    " set community 80:4 80:1");
    free(c);
    free(links);
}
END_TEST

START_TEST(test_route_server)
{
    size_t rs = node_index(view, "80_IXP");
    char *c = write_conf(view, rs, NULL);
    char *bgp = block(c, "router bgp 80");

    assert_line(c, "hostname 80_IXP");
    assert_line(bgp, " bgp router-id 180.80.0.80");
    /* Members 1, 2 and 4 (also the students' AS). */
    /* 3 members, 5 address-family lines each. */
    ck_assert_uint_eq(count_prefix(bgp, "  neighbor "), 15);
    static const unsigned members[] = {1, 2, 4};
    for (size_t i = 0; i < ARRAY_SIZE(members); i++) {
        unsigned m = members[i];
        char *header = xasprintf("route-map RS_TO_%u permit 10", m);
        char *match = xasprintf(" match community RS_TO_%u", m);

        assert_linef(bgp, " neighbor 180.80.0.%u remote-as %u", m, m);
        assert_linef(bgp, "  neighbor 180.80.0.%u route-server-client", m);
        assert_linef(bgp, "  neighbor 180.80.0.%u route-map RS_IN in", m);
        assert_linef(bgp, "  neighbor 180.80.0.%u route-map RS_TO_%u out", m,
                     m);
        assert_linef(c, "bgp community-list standard RS_TO_%u permit 80:%u", m,
                     m);
        assert_in_block(c, header, match);
        free(header);
        free(match);
    }
    assert_no_prefix(bgp, "  network");
    assert_no_prefix(c, "router ospf");
    assert_no_prefix(c, "ip route");
    free(bgp);
    free(c);

    const char *const *d = frrconf_daemons(view, rs);
    ck_assert_str_eq(d[0], "zebra");
    ck_assert_str_eq(d[1], "bgpd");
    ck_assert_ptr_null(d[2]);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Students' ASes, determinism, errors.                                     */

/* With student access on for every AS, no router's configuration names
 * the management network (158.AS.0.0/16) or its interface "ssh": it is
 * not in the plan routers are configured from. */
START_TEST(test_no_management_network)
{
    char *text = xasprintf("%saccess = { ases = \"all\"; };\n", topology_text);
    char *path = testutil_write_temp(text, ".cfg");
    struct topology *t = NULL;
    struct plan *pl = NULL;
    struct plan_params params = {.tunnel_overhead = 0};

    ck_assert_int_eq(topology_load(path, &t), 0);
    ck_assert_int_eq(plan_compute(t, &params, &pl), 0);
    ck_assert_ptr_nonnull(plan_access(pl));
    const struct mi_plan *p = plan_view(pl);
    size_t n_routers = 0;
    for (size_t i = 0; i < p->n_nodes; i++) {
        if (p->nodes[i].kind != MI_NODE_ROUTER &&
            p->nodes[i].kind != MI_NODE_ROUTESERVER) {
            continue;
        }
        char *c = write_conf(p, i, NULL);
        ck_assert_msg(!strstr(c, "158."), "%s: %s", p->nodes[i].name, c);
        ck_assert_msg(!strstr(c, "interface ssh"), "%s", p->nodes[i].name);
        ck_assert_ptr_nonnull(strstr(c, "interface ")); /* not empty */
        free(c);
        n_routers++;
    }
    ck_assert_uint_eq(n_routers, 8);
    plan_free(pl);
    topology_free(t);
    free(text);
}
END_TEST

START_TEST(test_students)
{
    char *c = conf("4_ZURIrouter");

    assert_line(c, "hostname ZURI_router");
    assert_in_block(c, "interface ext_2_ZURI",
                    " description provider AS 2, 2_ZURIrouter");
    assert_in_block(c, "interface ixp_80", " description IXP 80 LAN");
    assert_in_block(c, "interface host",
                    " description link to host 4_ZURIhost");
    assert_no_prefix(c, "router bgp");
    assert_no_prefix(c, "router ospf");
    assert_no_prefix(c, "ip route");
    assert_no_prefix(c, "route-map");
    assert_no_prefix(c, "bgp community-list");
    assert_no_prefix(c, "ip prefix-list");
    assert_no_prefix(c, " ip ospf");
    free(c);

    /* Students still get all the daemons to configure. */
    const char *const *d =
        frrconf_daemons(view, node_index(view, "4_ZURIrouter"));
    static const char *const expected[] = {"zebra", "staticd", "ospfd",
                                           "bgpd"};
    for (size_t i = 0; i < ARRAY_SIZE(expected); i++) {
        ck_assert_str_eq(d[i], expected[i]);
    }
    ck_assert_ptr_null(d[ARRAY_SIZE(expected)]);
}
END_TEST

/* The link to the measurement host: in OSPF on a configured router (so
 * that its AS reaches AS.0.199.2), passive as every link but internal
 * ones; on a students' router only the interface. */
START_TEST(test_measurement)
{
    char *c = conf("1_BASErouter");
    assert_in_block(c, "interface measurement_1",
                    " description link to the measurement host MEASUREMENT");
    assert_in_block(c, "interface measurement_1", " ip ospf passive");
    assert_in_block(c, "router ospf", " network 1.0.199.0/24 area 0");
    free(c);

    c = conf("1_ZURIrouter");
    ck_assert_ptr_null(strstr(c, "measurement_1"));
    ck_assert_ptr_null(strstr(c, "1.0.199."));
    free(c);

    c = conf("2_ZURIrouter");
    assert_in_block(c, "router ospf", " network 2.0.199.0/24 area 0");
    free(c);

    c = conf("4_ZURIrouter");
    assert_in_block(c, "interface measurement_4",
                    " description link to the measurement host MEASUREMENT");
    ck_assert_ptr_null(strstr(c, "4.0.199."));
    free(c);
}
END_TEST

/* Same plan, same bytes; also from a second plan of the same file. */
START_TEST(test_deterministic)
{
    struct plan_params params = {.tunnel_overhead = 0};
    struct topology *topo2;
    struct plan *plan2;
    size_t n_frr = 0;

    ck_assert_int_eq(topology_load(topology_path, &topo2), 0);
    ck_assert_int_eq(plan_compute(topo2, &params, &plan2), 0);
    for (size_t i = 0; i < view->n_nodes; i++) {
        if (!frrconf_daemons(view, i)[0]) {
            continue;
        }
        char *a = write_conf(view, i, NULL);
        char *b = write_conf(view, i, NULL);
        char *c = write_conf(plan_view(plan2), i, NULL);

        ck_assert_str_eq(a, b);
        ck_assert_str_eq(a, c);
        free(a);
        free(b);
        free(c);
        n_frr++;
    }
    ck_assert_uint_eq(n_frr, 3 + 1 + 1 + 1 + 2); /* routers + 2 servers */
    plan_free(plan2);
    topology_free(topo2);
}
END_TEST

START_TEST(test_not_frr_nodes)
{
    size_t host = node_index(view, "1_ZURIhost");
    size_t l2host = node_index(view, "1_L2_DCN_FIFA_1");
    char buf[32];
    int error;
    char *c;

    testutil_capture_begin();
    c = write_conf(view, host, &error);
    ck_assert_int_eq(error, -EINVAL);
    ck_assert_str_eq(c, "");
    ck_assert_str_eq(testutil_captured(),
                     "1_ZURIhost: cannot generate the "
                     "FRR configuration: it runs no FRR\n");
    free(c);
    testutil_capture_begin();
    c = write_conf(view, view->n_nodes, &error);
    ck_assert_int_eq(error, -EINVAL);
    ck_assert_str_eq(c, "");
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "the plan has"));
    testutil_capture_end();
    free(c);

    ck_assert_ptr_null(frrconf_daemons(view, host)[0]);
    ck_assert_ptr_null(frrconf_daemons(view, l2host)[0]);
    ck_assert_ptr_null(frrconf_daemons(view, view->n_nodes)[0]);
    /* The same by kind alone (save has the record, not the plan). */
    for (size_t i = 0; i < view->n_nodes; i++) {
        ck_assert_ptr_eq(frrconf_kind_daemons(view->nodes[i].kind),
                         frrconf_daemons(view, i));
    }
    ck_assert_int_eq(frrconf_hostname(view, host, buf, sizeof buf), -1);
    ck_assert_int_eq(frrconf_hostname(view, node_index(view, "2_ZURIrouter"),
                                      buf, sizeof buf),
                     11);
    ck_assert_str_eq(buf, "ZURI_router");
}
END_TEST

/* A plan that contradicts itself is refused before anything is written. */
START_TEST(test_inconsistent_plan)
{
    struct mi_plan copy = *view;
    struct mi_link *links = xmalloc(view->n_links * sizeof *links);
    size_t node = node_index(view, "1_ZURIrouter");
    int error;
    char *c;

    memcpy(links, view->links, view->n_links * sizeof *links);
    copy.links = links;
    for (size_t l = 0; l < view->n_links; l++) {
        if (links[l].kind == MI_LINK_EXTERNAL &&
            links[l].end[0].node == (int)node) {
            links[l].rel = MI_REL_NONE;
        }
    }
    testutil_capture_begin();
    c = write_conf(&copy, node, &error);
    ck_assert_int_eq(error, -EINVAL);
    ck_assert_str_eq(c, "");
    ck_assert_str_eq(testutil_captured(),
                     "1_ZURIrouter: cannot generate "
                     "the FRR configuration: external link ext_2_ZURI: the "
                     "far end is no router, or has no address, or the link "
                     "no relationship\n");
    free(c);

    /* An IXP whose route server is missing. */
    memcpy(links, view->links, view->n_links * sizeof *links);
    for (size_t l = 0; l < view->n_links; l++) {
        if (links[l].kind == MI_LINK_IXP &&
            view->nodes[links[l].end[0].node].kind == MI_NODE_ROUTESERVER) {
            links[l].end[1].bridge = -1;
        }
    }
    testutil_capture_begin();
    c = write_conf(&copy, node_index(view, "1_GENErouter"), &error);
    ck_assert_int_eq(error, -EINVAL);
    ck_assert_str_eq(c, "");
    ck_assert_str_eq(testutil_captured(),
                     "1_GENErouter: cannot generate "
                     "the FRR configuration: IXP link ixp_80: no route server "
                     "(with an address) on its LAN\n");
    testutil_capture_end();
    free(c);
    free(links);
}
END_TEST

START_TEST(test_write_error)
{
    FILE *f = fopen("/dev/full", "w"); /* every write fails: ENOSPC */

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(frrconf_write(view, node_index(view, "1_ZURIrouter"), f),
                     -EIO);
    fclose(f);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Each daemon's own part (read at start with -f).                          */

/* What every part has, and what none has: the lines vtysh keeps to
 * itself (the daemons keep the node's hostname, as after `vtysh -f`). */
static void
assert_common(const char *text)
{
    ck_assert_msg(!strncmp(text, "frr defaults traditional\n", 25),
                  "frr defaults must come first:\n%s", text);
    assert_line(text, "end");
    assert_no_prefix(text, "service ");
    assert_no_prefix(text, "hostname");
}

START_TEST(test_part_zebra)
{
    char *z = part("1_ZURIrouter", "zebra");

    assert_common(z);
    assert_line(z, "ip forwarding");
    /* Interfaces and their descriptions, without OSPF's settings. */
    ck_assert_int_eq(count_prefix(z, "interface "), 6);
    assert_in_block(z, "interface ext_2_ZURI",
                    " description customer AS 2, 2_ZURIrouter");
    assert_no_prefix(z, " ip ospf");
    /* Prefix-lists and route-maps as vtysh leaves them in zebra: the
     * lines zebra has (match ip address), not bgpd's (communities). */
    assert_line(z, "ip prefix-list OWN_PREFIX seq 5 permit 1.0.0.0/8");
    assert_in_block(z, "route-map CUST_OUT permit 10",
                    " match ip address prefix-list OWN_PREFIX");
    assert_line(z, "route-map CUST_IN permit 10");
    assert_no_prefix(z, " set ");
    assert_no_prefix(z, " match community");
    assert_no_prefix(z, "bgp community-list");
    assert_no_prefix(z, "router ");
    assert_no_prefix(z, "ip route");
    free(z);
}
END_TEST

START_TEST(test_part_staticd)
{
    char *st = part("1_BASErouter", "staticd");

    assert_common(st);
    assert_line(st, "ip route 1.0.0.0/8 Null0");
    assert_no_prefix(st, "interface ");
    assert_no_prefix(st, "ip prefix-list");
    assert_no_prefix(st, "route-map");
    assert_no_prefix(st, "router ");
    assert_no_prefix(st, "ip forwarding");
    free(st);
}
END_TEST

START_TEST(test_part_ospfd)
{
    char *whole = conf("1_ZURIrouter");
    char *o = part("1_ZURIrouter", "ospfd");
    char *ospf = block(whole, "router ospf");
    char *own = block(o, "router ospf");

    assert_common(o);
    ck_assert_str_eq(own, ospf);
    assert_in_block(o, "interface port_BASE", " ip ospf cost 1");
    assert_in_block(o, "interface port_BASE",
                    " description internal link to 1_BASErouter");
    assert_in_block(o, "interface host", " ip ospf passive");
    assert_no_prefix(o, "router bgp");
    assert_no_prefix(o, "bgp community-list");
    assert_no_prefix(o, "ip route");
    assert_no_prefix(o, "ip forwarding");
    free(own);
    free(ospf);
    free(o);
    free(whole);
}
END_TEST

START_TEST(test_part_bgpd)
{
    char *whole = conf("1_ZURIrouter");
    char *b = part("1_ZURIrouter", "bgpd");
    char *bgp = block(whole, "router bgp 1");
    char *own = block(b, "router bgp 1");

    assert_common(b);
    ck_assert_str_eq(own, bgp);
    /* Every policy object bgpd's sessions use, whole. */
    assert_line(b, "ip prefix-list OWN_PREFIX seq 5 permit 1.0.0.0/8");
    assert_line(b, "bgp community-list standard FROM_CUSTOMER permit 1:10");
    assert_in_block(b, "route-map CUST_IN permit 10", " set community 1:10");
    assert_in_block(b, "route-map CUST_IN permit 10",
                    " set local-preference 100");
    assert_in_block(b, "route-map CUST_OUT permit 20",
                    " match community FROM_ANY");
    assert_in_block(b, "route-map IXP81_OUT permit 20",
                    " match community FROM_CUSTOMER");
    assert_in_block(b, "route-map IXP81_OUT permit 10", " set community none");
    assert_in_block(b, "interface ixp_81", " description IXP 81 LAN");
    assert_no_prefix(b, " ip ospf");
    assert_no_prefix(b, "router ospf");
    assert_no_prefix(b, "ip route");
    assert_no_prefix(b, "ip forwarding");
    free(own);
    free(bgp);
    free(b);
    free(whole);
}
END_TEST

/* Nothing of the integrated file is lost in the split: every line of it
 * but vtysh's own (hostname, service) and comments is in some daemon's
 * part, for
 * every node (routers, the route server, the students'). */
START_TEST(test_parts_cover_all)
{
    for (size_t i = 0; i < view->n_nodes; i++) {
        const char *const *daemons = frrconf_daemons(view, i);
        if (!daemons[0]) {
            continue;
        }
        char *whole = write_conf(view, i, NULL);
        char *parts = xstrdup("");
        for (size_t d = 0; daemons[d]; d++) {
            char *p = write_part(view, i, daemons[d], NULL);
            char *both = xasprintf("%s%s", parts, p);
            free(parts);
            free(p);
            parts = both;
        }
        for (char *line = whole, *next; line && *line; line = next) {
            next = strchr(line, '\n');
            if (next) {
                *next++ = '\0';
            }
            if (line[0] == '!' || !strcmp(line, "exit") ||
                !strcmp(line, " !") || !strncmp(line, "hostname ", 9) ||
                !strcmp(line, "service integrated-vtysh-config")) {
                continue;
            }
            ck_assert_msg(count_lines(parts, line) > 0,
                          "%s: \"%s\" is in no daemon's part",
                          view->nodes[i].name, line);
        }
        free(parts);
        free(whole);
    }
}
END_TEST

START_TEST(test_part_routeserver_and_students)
{
    size_t rs = node_index(view, "80_IXP");
    char *z = write_part(view, rs, "zebra", NULL);
    char *b = write_part(view, rs, "bgpd", NULL);

    assert_common(z);
    assert_no_prefix(z, "ip forwarding"); /* as in the integrated file */
    assert_line(z, "route-map RS_TO_1 permit 10");
    assert_no_prefix(z, " match community");
    assert_in_block(b, "route-map RS_TO_1 permit 10",
                    " match community RS_TO_1");
    assert_line(b, "bgp community-list standard RS_TO_1 permit 80:1");
    free(b);
    free(z);

    /* The students' router: described interfaces in the daemons that
     * have interfaces, nothing else. */
    char *s = part("4_ZURIrouter", "ospfd");
    assert_common(s);
    ck_assert_int_gt(count_prefix(s, "interface "), 0);
    assert_no_prefix(s, " ip ospf");
    assert_no_prefix(s, "router ");
    free(s);
    s = part("4_ZURIrouter", "staticd");
    assert_no_prefix(s, "interface ");
    assert_no_prefix(s, "ip route");
    free(s);
}
END_TEST

START_TEST(test_part_refused)
{
    int error;
    size_t rs = node_index(view, "80_IXP");
    char *c = write_part(view, rs, "ospfd", &error); /* not run there */

    ck_assert_int_eq(error, -EINVAL);
    ck_assert_str_eq(c, "");
    free(c);
    c = write_part(view, node_index(view, "1_ZURIrouter"), "ripd", &error);
    ck_assert_int_eq(error, -EINVAL);
    free(c);
    c = write_part(view, node_index(view, "1_ZURIhost"), "zebra", &error);
    ck_assert_int_eq(error, -EINVAL);
    free(c);
    c = write_part(view, view->n_nodes, "zebra", &error);
    ck_assert_int_eq(error, -EINVAL);
    free(c);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* FRR's own parser.                                                        */

#define VTYSH "/usr/bin/vtysh"

/* Why FRR cannot check the configurations here, or NULL. */
static const char *
frr_skip_reason(void)
{
    if (access("/usr/lib/frr/zebra", X_OK)) {
        return "FRR is not installed (/usr/lib/frr/zebra)";
    }
    if (access(VTYSH, X_OK)) {
        return "vtysh is not installed (" VTYSH ")";
    }
    return NULL;
}

/* Runs `vtysh --dryrun -f` on `text`; returns its exit status and its
 * output in *out (malloc()ed). */
static int
vtysh_dryrun(const char *text, char **out)
{
    char path[] = "/tmp/miniinet-frrconf-XXXXXX";
    int fd = mkstemp(path);
    size_t len = strlen(text);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
    close(fd);

    char *cmd = xasprintf(VTYSH " --dryrun -f %s 2>&1", path);
    FILE *p = popen(cmd, "r");
    size_t cap = 0, n = 0;
    char buf[512];
    size_t got;

    ck_assert_ptr_nonnull(p);
    *out = xstrdup("");
    while ((got = fread(buf, 1, sizeof buf, p)) > 0) {
        *out = xgrow(*out, &cap, n + got + 1, 1);
        memcpy(*out + n, buf, got);
        n += got;
        (*out)[n] = '\0';
    }
    int status = pclose(p);
    unlink(path);
    free(cmd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The check itself must be able to fail. */
START_TEST(test_frr_rejects_garbage)
{
    char *out;

    ck_assert_int_ne(vtysh_dryrun("router bgp 1\n neighbor 1.2.3.4 "
                                  "no-such-option\n",
                                  &out),
                     0);
    free(out);
}
END_TEST

START_TEST(test_frr_accepts_all)
{
    for (size_t i = 0; i < view->n_nodes; i++) {
        if (!frrconf_daemons(view, i)[0]) {
            continue;
        }
        char *c = write_conf(view, i, NULL);
        char *out;
        int status = vtysh_dryrun(c, &out);

        ck_assert_msg(status == 0,
                      "vtysh --dryrun rejects the configuration "
                      "of %s (status %d):\n%s\n--- configuration:\n%s",
                      view->nodes[i].name, status, out, c);
        free(out);
        free(c);
    }
}
END_TEST

START_TEST(test_frr_accepts_every_part)
{
    for (size_t i = 0; i < view->n_nodes; i++) {
        const char *const *daemons = frrconf_daemons(view, i);

        for (size_t d = 0; daemons[d]; d++) {
            char *c = write_part(view, i, daemons[d], NULL);
            char *out;
            int status = vtysh_dryrun(c, &out);

            ck_assert_msg(status == 0,
                          "vtysh --dryrun rejects %s's part of the "
                          "configuration of %s (status %d):\n%s\n--- "
                          "part:\n%s",
                          daemons[d], view->nodes[i].name, status, out, c);
            free(out);
            free(c);
        }
    }
}
END_TEST

static Suite *
frrconf_suite(void)
{
    Suite *s = suite_create("frrconf");

    TCase *tc = tcase_create("router");
    tcase_add_unchecked_fixture(tc, load_plan, free_plan);
    tcase_add_test(tc, test_header);
    tcase_add_test(tc, test_interfaces);
    tcase_add_test(tc, test_ospf);
    tcase_add_test(tc, test_static_and_ibgp);
    tcase_add_test(tc, test_customer_and_provider);
    tcase_add_test(tc, test_customer_written_by_customer);
    tcase_add_test(tc, test_peer);
    suite_add_tcase(s, tc);

    tc = tcase_create("ixp");
    tcase_add_unchecked_fixture(tc, load_plan, free_plan);
    tcase_add_test(tc, test_ixp_member);
    tcase_add_test(tc, test_ixp_announce);
    tcase_add_test(tc, test_route_server);
    suite_add_tcase(s, tc);

    tc = tcase_create("misc");
    tcase_add_unchecked_fixture(tc, load_plan, free_plan);
    tcase_add_test(tc, test_students);
    tcase_add_test(tc, test_measurement);
    tcase_add_test(tc, test_no_management_network);
    tcase_add_test(tc, test_deterministic);
    tcase_add_test(tc, test_not_frr_nodes);
    tcase_add_test(tc, test_inconsistent_plan);
    tcase_add_test(tc, test_write_error);
    suite_add_tcase(s, tc);

    tc = tcase_create("parts");
    tcase_add_unchecked_fixture(tc, load_plan, free_plan);
    tcase_add_test(tc, test_part_zebra);
    tcase_add_test(tc, test_part_staticd);
    tcase_add_test(tc, test_part_ospfd);
    tcase_add_test(tc, test_part_bgpd);
    tcase_add_test(tc, test_parts_cover_all);
    tcase_add_test(tc, test_part_routeserver_and_students);
    tcase_add_test(tc, test_part_refused);
    suite_add_tcase(s, tc);

    const char *reason = frr_skip_reason();
    if (reason) {
        printf("# SKIP FRR validation (vtysh --dryrun): %s\n", reason);
        fflush(stdout);
    } else {
        tc = tcase_create("frr");
        tcase_set_timeout(tc, 60);
        tcase_add_unchecked_fixture(tc, load_plan, free_plan);
        tcase_add_test(tc, test_frr_rejects_garbage);
        tcase_add_test(tc, test_frr_accepts_all);
        tcase_add_test(tc, test_frr_accepts_every_part);
        suite_add_tcase(s, tc);
    }
    return s;
}

int
main(void)
{
    return testutil_run(frrconf_suite());
}
