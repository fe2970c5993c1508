/* The importer (src/import/): every complete configuration directory of
 * the original in tests/data/upstream imports with the counts of its
 * STATS.txt, validates and plans; golden names, addresses, rates and
 * delays for one directory of each file-name generation; every class of
 * malformed line; the GLOBAL files. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import.h"
#include "plan.h"
#include "testutil.h"
#include "topology.h"
#include "util.h"

#define GEN1 "tests/data/upstream/gen1-8194b74/platform/"
#define GEN2 "tests/data/upstream/gen2-c437ca1/"
#define COURSE GEN2 "communication_networks_course/"

/* STATS.txt, row by row: directory, size, ASes, IXPs, routers, L3 hosts,
 * switches, L2 hosts, internal links, AS-AS links, AS-IXP links. */
static const struct stats_row {
    const char *dir, *size;
    size_t ases, ixps, routers, l3_hosts, switches, l2_hosts, internal, as_as,
        as_ixp;
} stats[] = {
    {GEN2 "platform/config", NULL, 12, 3, 40, 41, 16, 32, 48, 24, 16},
    {GEN1 "config", NULL, 76, 7, 488, 488, 208, 416, 696, 172, 88},
    {COURSE "2019_assignment_eth/config_2019", "1", 1, 0, 8, 8, 4, 8, 11, 0,
     0},
    {COURSE "2019_assignment_eth/config_2019", "2", 2, 0, 16, 16, 8, 16, 22, 1,
     0},
    {COURSE "2019_assignment_eth/config_2019", "20", 20, 3, 160, 160, 80, 160,
     220, 60, 24},
    {COURSE "2019_assignment_eth/config_2019", "40", 40, 5, 320, 320, 160, 320,
     440, 120, 48},
    {COURSE "2019_assignment_eth/config_2019", "60", 60, 7, 480, 480, 240, 480,
     660, 180, 72},
    {COURSE "2020_assignment_eth/config_2020", "1", 1, 0, 8, 8, 3, 6, 13, 0,
     0},
    {COURSE "2020_assignment_eth/config_2020", "2", 2, 0, 16, 16, 6, 12, 26, 1,
     0},
    {COURSE "2020_assignment_eth/config_2020", "20", 20, 3, 112, 112, 36, 72,
     164, 60, 24},
    {COURSE "2021_assignement_eth/config_2021", "1", 1, 0, 8, 8, 4, 8, 12, 0,
     0},
    {COURSE "2021_assignement_eth/config_2021", "2", 2, 0, 16, 16, 8, 16, 24,
     1, 0},
    {COURSE "2021_assignement_eth/config_2021", "12", 12, 3, 48, 48, 16, 32,
     56, 24, 16},
    {COURSE "2021_assignement_eth/config_2021", "20", 20, 3, 112, 112, 48, 96,
     152, 44, 24},
    {COURSE "2022_assignment_eth/config_2022", "1", 1, 0, 8, 8, 4, 8, 12, 0,
     0},
    {COURSE "2022_assignment_eth/config_2022", "2", 2, 0, 11, 11, 4, 8, 15, 1,
     0},
    {COURSE "2022_assignment_eth/config_2022", "12", 12, 3, 56, 56, 16, 32, 72,
     24, 16},
    {COURSE "2022_assignment_eth/config_2022", "20", 20, 3, 120, 120, 48, 96,
     165, 44, 24},
    {COURSE "2025_assignment_eth/config_2025", NULL, 30, 4, 156, 158, 54, 108,
     216, 66, 36},
    {GEN2 "advanced_networks_course/Multicast/build/topo", NULL, 1, 0, 6, 6, 2,
     0, 10, 0, 0},
    {GEN1 "examples/config_l2", "1", 1, 0, 8, 8, 5, 10, 13, 0, 0},
    {GEN1 "examples/config_l2", "2", 2, 0, 16, 16, 10, 20, 26, 1, 0},
    {GEN2 "advanced_networks_course/BGP_VPN_MPLS/build/topo", NULL, 3, 0, 8, 4,
     4, 4, 10, 2, 0},
};

/* Imports `dir` (under the source tree), expecting success and no error. */
static struct import_result
import_ok(const char *dir, const char *size)
{
    struct import_result r;

    testutil_capture_begin();
    int error = import_directory(testutil_srcpath(dir), size, &r);
    ck_assert_msg(!error, "%s: %s", dir, testutil_captured());
    ck_assert_ptr_nonnull(r.text);
    testutil_capture_end();
    return r;
}

/* The imported text loaded and planned, as `validate` does. */
static struct plan *
plan_of(const struct import_result *r, struct topology **topo)
{
    struct plan_params params = {0};
    struct plan *plan = NULL;
    char *path = testutil_write_temp(r->text, ".cfg");

    testutil_capture_begin();
    ck_assert_msg(!topology_load(path, topo), "%s", testutil_captured());
    ck_assert_msg(!plan_compute(*topo, &params, &plan), "%s",
                  testutil_captured());
    testutil_capture_end();
    return plan;
}

START_TEST(test_stats)
{
    const struct stats_row *s = &stats[_i];
    struct import_result r = import_ok(s->dir, s->size);
    const struct import_counts *c = &r.counts;

    ck_assert_uint_eq(c->ases, s->ases);
    ck_assert_uint_eq(c->ixps, s->ixps);
    ck_assert_uint_eq(c->routers, s->routers);
    ck_assert_uint_eq(c->l3_hosts, s->l3_hosts);
    ck_assert_uint_eq(c->switches, s->switches);
    ck_assert_uint_eq(c->l2_hosts, s->l2_hosts);
    ck_assert_uint_eq(c->internal_links, s->internal);
    ck_assert_uint_eq(c->as_links, s->as_as);
    ck_assert_uint_eq(c->ixp_links, s->as_ixp);

    struct topology *topo = NULL;
    struct plan *plan = plan_of(&r, &topo);
    const struct mi_plan *p = plan_view(plan);
    size_t routers = 0, ixps = 0, bridges_l2 = 0;
    for (size_t i = 0; i < p->n_ases; i++) {
        routers += p->ases[i].n_routers;
        ixps += p->ases[i].ixp;
    }
    ck_assert_uint_eq(p->n_ases - ixps, s->ases);
    ck_assert_uint_eq(ixps, s->ixps);
    ck_assert_uint_eq(routers, s->routers);
    bridges_l2 = p->n_bridges - ixps;
    ck_assert_uint_eq(bridges_l2, s->switches);
    /* Every router, L3 host (ALL routers' hosts too), L2 host and route
     * server the original would make, each vpn_* entry (a plain L2 host
     * at the endpoint's address here), and the measurement host where a
     * router has the MEASUREMENT service. */
    bool meas = strstr(r.text, "\nmeasurement = true;") != NULL;
    ck_assert_int_eq(plan_measurement_node(p) >= 0, meas);
    ck_assert_uint_eq(p->n_nodes, s->routers + s->l3_hosts + s->l2_hosts +
                                      c->vpn_hosts + s->ixps + (meas ? 1 : 0));
    plan_free(plan);
    topology_free(topo);
    import_result_free(&r);
}
END_TEST

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

/* No line of the header is there twice. */
static void
assert_header_unique(const char *text)
{
    size_t n;
    char **lines = util_split(text, '\n', &n);

    for (size_t i = 0; i < n && lines[i][0] == '#'; i++) {
        for (size_t k = i + 1; k < n && lines[k][0] == '#'; k++) {
            ck_assert_msg(strcmp(lines[i], lines[k]) != 0 ||
                              !strcmp(lines[i], "#"),
                          "header line twice: %s", lines[i]);
        }
    }
    util_free_strv(lines);
}

static const struct mi_link *
find_if(const struct mi_plan *p, const char *node, const char *ifname,
        const char **addr)
{
    static char buf[32];
    int n = find_node(p, node);

    ck_assert_msg(n >= 0, "no node %s", node);
    for (size_t l = 0; l < p->n_links; l++) {
        for (int e = 0; e < 2; e++) {
            const struct mi_endpoint *end = &p->links[l].end[e];
            if (end->node == n && !strcmp(end->ifname, ifname)) {
                plan_format_addr(&end->addr, true, buf, sizeof buf);
                *addr = buf;
                return &p->links[l];
            }
        }
    }
    ck_abort_msg("no interface %s in %s", ifname, node);
    return NULL;
}

static void
assert_if(const struct mi_plan *p, const char *node, const char *ifname,
          const char *want)
{
    const char *addr;

    find_if(p, node, ifname, &addr);
    ck_assert_str_eq(addr, want);
}

/* Current names (aslevel_links.txt, l3_*.txt): FORMATS.md's examples. */
START_TEST(test_golden_current)
{
    struct import_result r = import_ok(GEN2 "platform/config", NULL);
    struct topology *topo = NULL;
    struct plan *plan = plan_of(&r, &topo);
    const struct mi_plan *p = plan_view(plan);
    const char *addr;

    ck_assert_int_ge(find_node(p, "3_ZURIrouter"), 0);
    ck_assert_int_ge(find_node(p, "3_MILAhost"), 0);
    ck_assert_int_ge(find_node(p, "3_L2_DCN_FIFA_1"), 0);
    /* vpn_2: DCN's VLAN 30 after the gateways ZURI (.1), BASE (.2) and
     * vpn_1 (.3), the number the original gives the endpoint. */
    assert_if(p, "3_L2_DCN_vpn_2", "3-S2", "3.200.30.4/24");
    ck_assert_uint_eq(r.counts.vpn_hosts, 12); /* 3 in each of 4 ASes */
    ck_assert_int_ge(find_node(p, "80_IXP"), 0);
    /* AS 1's one router has two hosts (ALL lines 0 and 1), host<i> as the
     * original names them; AS 2's one. */
    assert_if(p, "1_ZURIrouter", "host0", "1.101.0.2/24");
    assert_if(p, "1_ZURIhost0", "ZURIrouter", "1.101.0.1/24");
    assert_if(p, "1_ZURIrouter", "host1", "1.102.0.2/24");
    assert_if(p, "1_ZURIhost1", "ZURIrouter", "1.102.0.1/24");
    ck_assert_int_ge(find_node(p, "2_ZURIhost0"), 0);
    ck_assert_int_lt(find_node(p, "2_ZURIhost1"), 0);
    ck_assert_int_lt(find_node(p, "1_ZURIhost"), 0);
    /* 1 ZURI Provider 3 MUNI Customer 1mbit 2.5ms 50ms 179.1.3.0/24 */
    const struct mi_link *l = find_if(p, "1_ZURIrouter", "ext_3_MUNI", &addr);
    ck_assert_str_eq(addr, "179.1.3.1/24");
    ck_assert_uint_eq(l->rate_bps, 1000000);
    ck_assert_uint_eq(l->delay_us, 2500);
    ck_assert_uint_eq(l->buffer_us, 50000);
    ck_assert_int_eq(l->rel, MI_REL_PROVIDER);
    assert_if(p, "3_MUNIrouter", "ext_1_ZURI", "179.1.3.3/24");
    /* "25ms " with its trailing blank */
    l = find_if(p, "1_ZURIrouter", "ext_4_MUNI", &addr);
    ck_assert_uint_eq(l->delay_us, 25000);
    assert_if(p, "3_ZURIrouter", "port_BASE", "3.0.1.1/24");
    assert_if(p, "3_BASErouter", "port_ZURI", "3.0.1.2/24");
    l = find_if(p, "3_LUGArouter", "port_VIEN", &addr);
    ck_assert_str_eq(addr, "3.0.12.1/24");
    ck_assert_uint_eq(l->rate_bps, 1000000);
    ck_assert_uint_eq(l->delay_us, 5000);
    assert_if(p, "3_MILArouter", "host", "3.108.0.2/24");
    assert_if(p, "3_MILAhost", "MILArouter", "3.108.0.1/24");
    /* FORMATS.md 3.1: UEFA_3 is AS.200.20.5, DCS's hosts start at .2 */
    assert_if(p, "3_L2_DCN_UEFA_3", "3-S3", "3.200.20.5/24");
    assert_if(p, "3_L2_DCS_FIFA_4", "3-S4", "3.201.10.2/24");
    assert_if(p, "3_BASErouter", "BASE-L2.20", "3.200.20.2/24");
    l = find_if(p, "3_L2_DCN_FIFA_1", "3-S1", &addr);
    ck_assert_uint_eq(l->rate_bps, 10000000);
    ck_assert_uint_eq(l->delay_us, 1000);
    assert_if(p, "3_VIENrouter", "ixp_81", "180.81.0.3/24");
    assert_if(p, "81_IXP", "ixp_81", "180.81.0.81/24");
    ck_assert(!p->ases[2].configured); /* AS 3: NoConfig */
    ck_assert(p->ases[0].configured);
    /* MILA MEASUREMENT ... (l3_routers.txt), ZURI in the one-router
     * files: the measurement host's link into every AS. */
    assert_if(p, "3_MILArouter", "measurement_3", "3.0.199.1/24");
    assert_if(p, "MEASUREMENT", "group3", "3.0.199.2/24");
    assert_if(p, "1_ZURIrouter", "measurement_1", "1.0.199.1/24");
    assert_if(p, "MEASUREMENT", "group16", "16.0.199.2/24");
    ck_assert_ptr_nonnull(strstr(r.text, "\nmeasurement = true;"));
    ck_assert_ptr_null(strstr(r.text, "MEASUREMENT containers"));
    ck_assert_ptr_null(strstr(r.text, "service MEASUREMENT"));
    ck_assert_ptr_nonnull(strstr(r.text, "students = true;"));
    ck_assert_ptr_nonnull(
        strstr(r.text, "#   - hijacks.txt: hijack scenarios"));
    /* VIEN MATRIX_TARGET (l3_routers.txt): AS 3's host in the matrix is
     * VIEN's, not the first router's with a host; the one-router ASes'
     * ZURI. */
    ck_assert_ptr_nonnull(
        strstr(r.text, "matrix = \"VIEN\"; # MATRIX_TARGET"));
    ck_assert_int_eq(p->ases[2].matrix_host, find_node(p, "3_VIENhost"));
    ck_assert_int_eq(p->ases[0].matrix_host, find_node(p, "1_ZURIhost0"));
    ck_assert_ptr_null(strstr(r.text, "service MATRIX_TARGET"));
    assert_header_unique(r.text);
    ck_assert_ptr_null(strstr(strstr(r.text, "#   - service DNS (") + 1,
                              "#   - service DNS ("));
    plan_free(plan);
    topology_free(topo);
    import_result_free(&r);
}
END_TEST

/* Old names (external_links_config.txt, router_config*.txt), old units
 * and the old plan's .1 and .2. */
START_TEST(test_golden_old)
{
    struct import_result r = import_ok(GEN1 "config", NULL);
    struct topology *topo = NULL;
    struct plan *plan = plan_of(&r, &topo);
    const struct mi_plan *p = plan_view(plan);
    const char *addr;

    /* 1 ZURI Peer 2 ZURI Peer 100000 1000 179.0.1.0/24 */
    const struct mi_link *l = find_if(p, "1_ZURIrouter", "ext_2_ZURI", &addr);
    ck_assert_str_eq(addr, "179.0.1.1/24");
    ck_assert_uint_eq(l->rate_bps, 100000000);
    ck_assert_uint_eq(l->delay_us, 1000);
    ck_assert_int_eq(l->rel, MI_REL_PEER);
    assert_if(p, "2_ZURIrouter", "ext_1_ZURI", "179.0.1.2/24");
    /* 1 ZURI Provider 3 BASE Customer 100000 1000 179.0.3.0/24 */
    assert_if(p, "3_BASErouter", "ext_1_ZURI", "179.0.3.2/24");
    assert_if(p, "1_ZURIrouter", "ixp_120", "180.120.0.1/24");
    ck_assert_ptr_nonnull(
        strstr(r.text, "external_links_config.txt: throughput in kbit/s"));
    plan_free(plan);
    topology_free(topo);
    import_result_free(&r);

    /* N/A: 179.(i/100).(i%100).0/24, i the line's row. */
    r = import_ok(COURSE "2019_assignment_eth/config_2019", "20");
    plan = plan_of(&r, &topo);
    p = plan_view(plan);
    assert_if(p, "1_TOKYrouter", "ext_2_TOKY", "179.0.0.1/24");
    assert_if(p, "2_TOKYrouter", "ext_1_TOKY", "179.0.0.2/24");
    assert_if(p, "3_LONDrouter", "ext_1_HOUS", "179.0.2.2/24");
    plan_free(plan);
    topology_free(topo);
    import_result_free(&r);
}
END_TEST

static const struct mi_bridge *
find_bridge(const struct mi_plan *p, const char *label)
{
    for (size_t i = 0; i < p->n_bridges; i++) {
        if (!strcmp(p->bridges[i].label, label)) {
            return &p->bridges[i];
        }
    }
    ck_abort_msg("no switch %s", label);
    return NULL;
}

/* examples/config_l2: switches whose <AS>_L2_<DC>_<SW> passes 15
 * characters (NEWYCITY's) keep it as their name, their bridges get short
 * ones; the addresses are the original's (FORMATS.md 3.1). */
START_TEST(test_golden_l2)
{
    struct import_result r = import_ok(GEN1 "examples/config_l2", "1");
    struct topology *topo = NULL;
    struct plan *plan = plan_of(&r, &topo);
    const struct mi_plan *p = plan_view(plan);
    const char *addr;

    /* NEWYCITY is the second L2 network (NEWY names it after ZURI's and
     * GENE's UNIV), STATION and AIRPORT its switches 0 and 1. */
    ck_assert_str_eq(find_bridge(p, "1_L2_NEWYCITY_STATION")->name,
                     "1_L2.1.0");
    ck_assert_str_eq(find_bridge(p, "1_L2_NEWYCITY_AIRPORT")->name,
                     "1_L2.1.1");
    ck_assert_str_eq(find_bridge(p, "1_L2_UNIV_CERN")->name, "1_L2_UNIV_CERN");
    ck_assert_ptr_nonnull(
        strstr(r.text, "{ name = \"STATION\"; gateway = \"NEWY\";"));
    /* student_5: NEWYCITY (1.201), VLAN 10, after the one gateway NEWY. */
    const struct mi_link *l =
        find_if(p, "1_L2_NEWYCITY_student_5", "1-STATION", &addr);
    ck_assert_str_eq(addr, "1.201.10.2/24");
    ck_assert_str_eq(p->bridges[l->end[1].bridge].name, "1_L2.1.0");
    ck_assert_uint_eq(l->end[1].vlan, 10);
    ck_assert_uint_eq(l->rate_bps, 1000000); /* 1000 kbit/s */
    assert_if(p, "1_L2_NEWYCITY_staff_6", "1-AIRPORT", "1.201.20.3/24");
    assert_if(p, "1_NEWYrouter", "NEWY-L2.10", "1.201.10.1/24");
    /* UNIV: gateways ZURI .1 and GENE .2 in router order, then the hosts
     * per VLAN in file order (vpn_1, VLAN 30, left out). */
    assert_if(p, "1_ZURIrouter", "ZURI-L2.10", "1.200.10.1/24");
    assert_if(p, "1_GENErouter", "GENE-L2.20", "1.200.20.2/24");
    assert_if(p, "1_L2_UNIV_student_1", "1-CERN", "1.200.10.3/24");
    assert_if(p, "1_L2_UNIV_staff_2", "1-ETHZ", "1.200.20.4/24");
    plan_free(plan);
    topology_free(topo);
    import_result_free(&r);
}
END_TEST

/* BGP_VPN_MPLS: L2 hosts in VLAN 0, untagged, addressed AS.(200+dc).0.n as
 * the original's VLAN 0; a router with a bare L2-DC is a gateway without a
 * host; what is not built is listed. */
START_TEST(test_golden_untagged)
{
    struct import_result r = import_ok(
        GEN2 "advanced_networks_course/BGP_VPN_MPLS/build/topo", NULL);
    struct topology *topo = NULL;
    struct plan *plan = plan_of(&r, &topo);
    const struct mi_plan *p = plan_view(plan);
    const char *addr;

    ck_assert_ptr_nonnull(
        strstr(r.text, "(\"belle_host\", \"BELLE\", 0, { rate"));
    const struct mi_link *l =
        find_if(p, "1_L2_UBS1_belle_host", "1-BELLE", &addr);
    ck_assert_str_eq(addr, "1.200.0.2/24");
    ck_assert_int_eq(l->kind, MI_LINK_L2_HOST);
    ck_assert_uint_eq(l->end[1].vlan, 0);
    ck_assert_uint_eq(p->nodes[find_node(p, "1_L2_UBS1_belle_host")].gateway,
                      (1u << 24) | (200u << 16) | 1u);
    l = find_if(p, "1_R1router", "R1-L2.0", &addr);
    ck_assert_str_eq(addr, "1.200.0.1/24");
    ck_assert_int_eq(l->kind, MI_LINK_L2_GATEWAY);
    ck_assert_uint_eq(l->end[1].vlan, 0);
    /* UBS2 is the fourth network routers name (R1, R2, R3, R4). */
    assert_if(p, "1_L2_UBS2_bahn_host", "1-BAHN", "1.203.0.2/24");
    assert_if(p, "1_R4router", "R4-L2.0", "1.203.0.1/24");
    ck_assert_int_lt(find_node(p, "1_R1host"), 0);
    ck_assert_int_ge(find_node(p, "1_R5host"), 0);
    /* The old 9-column links with their given subnets. */
    assert_if(p, "1_R1router", "ext_20_CENT1", "179.0.0.1/24");
    assert_if(p, "30_S1router", "ext_1_R4", "179.0.1.2/24");
    ck_assert_ptr_nonnull(strstr(r.text, "#   - daemons: "));
    ck_assert_ptr_nonnull(strstr(r.text, "#   - welcoming_message.txt: "));
    plan_free(plan);
    topology_free(topo);
    import_result_free(&r);
}
END_TEST

/* A directory of our own, file by file (a NULL text: no such file). */
static char *
make_dir(const char *const *files, size_t n)
{
    char *dir = xstrdup("/tmp/miniinet-import-XXXXXX");

    ck_assert_ptr_nonnull(mkdtemp(dir));
    for (size_t i = 0; i < n; i += 2) {
        if (!files[i + 1]) {
            continue;
        }
        char *path = xasprintf("%s/%s", dir, files[i]);
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(files[i + 1], f);
        fclose(f);
        free(path);
    }
    return dir;
}

/* Removes the directory and whatever a test put in it. */
static void
remove_dir(char *dir)
{
    char *cmd = xasprintf("rm -rf '%s'", dir);

    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    free(dir);
}

#define MAX_FILES 24

/* Imports a small directory of two ASes and an IXP, its files changed by
 * `changes` (pairs of a name and its text, NULL-terminated; a NULL text
 * leaves the file out) and then by `prepare` (may be NULL), expecting
 * exactly the messages `want` ("@" before "/" or ":" standing for the
 * directory) and a
 * failure (-EINVAL, no text) when `fails`, else success.  Returns the
 * result: import_result_free() it. */
static struct import_result
import_changed(const char *const *changes, void (*prepare)(const char *dir),
               const char *want, bool fails)
{
    /* Pairs of a file name and its text, concatenated literals on
     * purpose. */
    /* NOLINTBEGIN(bugprone-suspicious-missing-comma) */
    const char *files[MAX_FILES] = {
        "AS_config.txt",
        "1\tAS\tConfig\tr.txt\tl.txt\tsw.txt\th.txt\tl2.txt\n"
        "2\tAS\tNoConfig\tr.txt\tl.txt\tsw.txt\th.txt\tl2.txt\n"
        "80\tIXP\tConfig\tN/A\tN/A\tN/A\tN/A\tN/A",
        "aslevel_links.txt",
        "1\tA\tPeer\t2\tA\tPeer\t1mbit\t1ms\t50ms\t179.1.2.0/24\n"
        "1\tA\tPeer\t80\tNone\tPeer\t1mbit\t1ms\t50ms\t2\n"
        "2\tB\tPeer\t80\tNone\tPeer\t1mbit\t1ms\t50ms\t1\n",
        "r.txt",
        "A N/A host:img vtysh\nB N/A N/A linux\n",
        "l.txt",
        "A B 1mbit 1ms 50ms\n",
        "sw.txt",
        "",
        "h.txt",
        "",
        "l2.txt",
        "",
        "empty.txt",
        "",
    };
    /* NOLINTEND(bugprone-suspicious-missing-comma) */
    size_t n = 16;
    for (size_t c = 0; changes && changes[c]; c += 2) {
        size_t i = 0;
        while (i < n && strcmp(files[i], changes[c]) != 0) {
            i += 2;
        }
        if (i == n) {
            ck_assert_uint_lt(n + 2, MAX_FILES);
            files[n] = changes[c];
            n += 2;
        }
        files[i + 1] = changes[c + 1];
    }
    char *dir = make_dir(files, n);
    if (prepare) {
        prepare(dir);
    }
    struct import_result r;

    testutil_capture_begin();
    int error = import_directory(dir, NULL, &r);
    char *got = xstrdup(testutil_captured());
    testutil_capture_end();
    char *expected = xstrdup("");
    for (const char *p = want; *p; p++) {
        bool at_dir = p[0] == '@' && (p[1] == '/' || p[1] == ':');
        char *next = at_dir ? xasprintf("%s%s", expected, dir)
                            : xasprintf("%s%c", expected, *p);
        free(expected);
        expected = next;
    }
    if (!fails) {
        ck_assert_msg(!error, "%s", got);
        ck_assert_ptr_nonnull(r.text);
    } else {
        ck_assert_int_eq(error, -EINVAL);
        ck_assert_ptr_null(r.text);
    }
    ck_assert_str_eq(got, expected);
    free(got);
    free(expected);
    remove_dir(dir);
    return r;
}

/* Expects the directory with `file` changed to `text` to fail with
 * exactly `want` (or, for "", to import without a message). */
static void
expect_errors(const char *file, const char *text, const char *want)
{
    const char *changes[] = {file, text, NULL};
    struct import_result r =
        import_changed(file ? changes : NULL, NULL, want, want[0] != '\0');
    import_result_free(&r);
}

START_TEST(test_good_small)
{
    expect_errors(NULL, NULL, "");
}
END_TEST

START_TEST(test_columns)
{
    expect_errors("aslevel_links.txt",
                  "1\tA\tPeer\t2\tA\tPeer\t1mbit\n"
                  "1\tA\tPeer\t2\tA\tPeer\t1mbit\t1ms\t50ms\t179.1.2.0/24",
                  "@/aslevel_links.txt:1: 7 columns, expected 9 or 10 (AS1 "
                  "ROUTER1 ROLE1 AS2 ROUTER2 ROLE2 THROUGHPUT DELAY [BUFFER] "
                  "SUBNET)\n");
    expect_errors("r.txt", "A N/A\nB N/A N/A linux\n",
                  "@/r.txt:1: 2 columns, expected 3 or 5 (NAME SERVICE "
                  "HOST [ACCESS [ALL]])\n"
                  "@/l.txt:1: router \"A\" is not in r.txt\n"
                  "@/aslevel_links.txt:1: AS 1 has no router \"A\" (r.txt)\n"
                  "@/aslevel_links.txt:2: AS 1 has no router \"A\" (r.txt)\n");
    expect_errors("AS_config.txt", "1\tAS\tConfig\tr.txt\n",
                  "@/AS_config.txt:1: 4 columns, expected 8 (AS AS|IXP "
                  "Config|NoConfig ROUTERS LINKS L2_SWITCHES L2_HOSTS "
                  "L2_LINKS)\n"
                  "@/aslevel_links.txt:1: AS 1 is not in AS_config.txt\n"
                  "@/aslevel_links.txt:2: AS 1 is not in AS_config.txt\n"
                  "@/aslevel_links.txt:3: AS 2 is not in AS_config.txt\n");
}
END_TEST

START_TEST(test_relationship)
{
    expect_errors("aslevel_links.txt",
                  "1\tA\tFriend\t2\tA\tPeer\t1mbit\t1ms\t50ms\t179.1.2.0/24\n"
                  "1\tA\tProvider\t2\tB\tProvider\t1mbit\t1ms\t50ms\tN/A\n",
                  "@/aslevel_links.txt:1: unknown relationship \"Friend\": "
                  "expected Provider, Customer or Peer\n"
                  "@/aslevel_links.txt:2: roles Provider and Provider do not "
                  "match (Provider and Customer, or Peer and Peer)\n");
}
END_TEST

START_TEST(test_as_range)
{
    expect_errors(
        "AS_config.txt",
        "1\tAS\tConfig\tr.txt\tl.txt\tempty.txt\tempty.txt\tempty.txt\n"
        "2\tAS\tConfig\tr.txt\tl.txt\tempty.txt\tempty.txt\tempty.txt\n"
        "80\tIXP\tConfig\tN/A\tN/A\tN/A\tN/A\tN/A\n"
        "250\tAS\tConfig\tr.txt\tl.txt\tempty.txt\tempty.txt\tempty.txt\n"
        "x\tAS\tConfig\tr.txt\tl.txt\tempty.txt\tempty.txt\tempty.txt\n",
        "@/AS_config.txt:4: AS 250 is out of range: miniinet takes 1..223, "
        "not 127, 179 or 180 (the first octet of the AS's own /8, which "
        "must not overlap loopback, 179.0.0.0/8 or 180.0.0.0/8)\n"
        "@/AS_config.txt:5: \"x\" is not an AS number\n");
}
END_TEST

START_TEST(test_unknown_router)
{
    expect_errors("aslevel_links.txt",
                  "1\tA\tPeer\t2\tZ\tPeer\t1mbit\t1ms\t50ms\t179.1.2.0/24\n"
                  "1\tA\tPeer\t80\tNone\tPeer\t1mbit\t1ms\t50ms\t2\n"
                  "2\tB\tPeer\t80\tNone\tPeer\t1mbit\t1ms\t50ms\t1\n",
                  "@/aslevel_links.txt:1: AS 2 has no router \"Z\" (r.txt)\n");
    expect_errors("l.txt", "A B 1mbit 1ms 50ms\nA C 1mbit 1ms 50ms\n",
                  "@/l.txt:2: router \"C\" is not in r.txt\n");
}
END_TEST

START_TEST(test_units)
{
    expect_errors("l.txt", "A B 10mbps 1ms\n",
                  "@/l.txt:1: throughput \"10mbps\": neither kbit/s (a "
                  "whole number, the old convention) nor a rate with a unit "
                  "bit, kbit, mbit or gbit\n");
    expect_errors("l.txt", "A B 100 1ms,2ms,x\n",
                  "@/l.txt:1: delay \"x\": neither microseconds (a whole "
                  "number, the old convention) nor a time with a unit us, ms "
                  "or s\n");
}
END_TEST

/* A file that is not a regular file of the directory is one error naming
 * it, never opened for reading (a FIFO would hang) nor followed. */
static void
fifo_links(const char *dir)
{
    char *path = xasprintf("%s/l.txt", dir);
    unlink(path);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    free(path);
}

static void
symlink_routers(const char *dir)
{
    char *path = xasprintf("%s/r.txt", dir);
    char *target = xasprintf("%s/real.txt", dir);
    rename(path, target);
    ck_assert_int_eq(symlink(target, path), 0);
    free(path);
    free(target);
}

static void
big_routers(const char *dir)
{
    char *path = xasprintf("%s/r.txt", dir);
    FILE *f = fopen(path, "a");
    ck_assert_ptr_nonnull(f);
    for (size_t i = 0; i < (4u << 20) / 16 + 1; i++) {
        fputs("               \n", f);
    }
    fclose(f);
    free(path);
}

static void
link_as_config(const char *dir)
{
    char *path = xasprintf("%s/AS_config.txt", dir);
    ck_assert_int_eq(symlink("/dev/null", path), 0);
    free(path);
}

/* 51 routers in one AS's file: one error at the 51st, the rest of the file
 * not read (a file of many thousands is not read to its end, nor reported
 * line by line). */
static void
many_routers(const char *dir)
{
    char *path = xasprintf("%s/r.txt", dir);
    FILE *f = fopen(path, "a");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < 5000; i++) {
        fprintf(f, "R%d N/A host:img vtysh\n", i);
    }
    fclose(f);
    free(path);
}

START_TEST(test_many_routers)
{
    struct import_result r = import_changed(
        NULL, many_routers,
        "@/r.txt:51: router \"R48\": more than 50 routers in one AS: the "
        "address plan (the original's too) has rows for 50 (loopbacks "
        "AS.151 .. AS.200); the rest of the file is not read\n",
        true);
    import_result_free(&r);
}
END_TEST

START_TEST(test_not_regular)
{
    struct import_result r = import_changed(
        NULL, fifo_links, "@/l.txt: not a regular file\n", true);
    import_result_free(&r);
    r = import_changed(NULL, symlink_routers,
                       "@/r.txt: a symbolic link: not followed\n", true);
    import_result_free(&r);
    r = import_changed(NULL, big_routers,
                       "@/r.txt: larger than 4 MiB: not a configuration "
                       "file of the original\n",
                       true);
    import_result_free(&r);
    /* The AS file itself as a symbolic link. */
    const char *as_link[] = {"AS_config.txt", NULL, NULL};
    r = import_changed(as_link, link_as_config,
                       "@/AS_config.txt: not a regular file (a symbolic link "
                       "is not followed)\n",
                       true);
    import_result_free(&r);
    /* A directory that is not one: no stat() result read after a
     * failure. */
    testutil_capture_begin();
    ck_assert_int_eq(import_directory("/nonexistent/dir", NULL, &r), -ENOENT);
    ck_assert_str_eq(testutil_captured(),
                     "/nonexistent/dir: No such file or directory\n");
    ck_assert_int_eq(
        import_directory(testutil_srcpath("tests/check_import.c"), NULL, &r),
        -ENOTDIR);
    ck_assert_ptr_nonnull(strstr(testutil_captured(), ": not a directory\n"));
    testutil_capture_end();
    import_result_free(&r);
}
END_TEST

/* What the written file's validation would refuse, named at the source
 * line. */
START_TEST(test_parse_time)
{
    expect_errors("aslevel_links.txt",
                  "1\tA\tPeer\t2\tA\tPeer\t1mbit\t1ms\t50ms\t179.1.2.0/24\n"
                  "2\tA\tPeer\t1\tA\tPeer\t1mbit\t1ms\t50ms\t179.8.8.0/24\n"
                  "1\tB\tPeer\t2\tB\tPeer\t1mbit\t1ms\t50ms\tN/A\n"
                  "2\tB\tPeer\t1\tA\tPeer\t1mbit\t1ms\t50ms\t179.9.9.0/24\n"
                  "1\tB\tPeer\t2\tA\tPeer\t1mbit\t1ms\t50ms\t179.9.9.0/24\n"
                  "1\tA\tPeer\t80\tNone\tPeer\t1mbit\t1ms\t50ms\t2\n"
                  "2\tB\tPeer\t80\tNone\tPeer\t1mbit\t1ms\t50ms\t1\n",
                  "@/aslevel_links.txt:2: a second link between these "
                  "routers of AS 2 and AS 1 (first at line 1): miniinet has "
                  "one per pair of routers\n"
                  "@/aslevel_links.txt:3: a second link between AS 1 and AS "
                  "2 (first at line 1), both in 179.1.2.0/24: give each its "
                  "own subnet\n"
                  "@/aslevel_links.txt:5: subnet 179.9.9.0/24 is also the "
                  "link's at line 4\n");
    const char *l2[] = {
        "sw.txt", "DC S1 A 11:11 1\nDC S2 A 22:22 2\nDC S3 N/A 33:33 3\n",
        "l2.txt", "DC S1 DC S3 1mbit 1ms\nDC S3 DC S1 1mbit 1ms\n",
        "h.txt",  "h1 img DC S1 1mbit 1ms 10\nh2 img DC S3 1mbit 1ms 1mbit\n",
        NULL,
    };
    struct import_result r = import_changed(
        l2, NULL,
        "@/sw.txt:2: router A is already the gateway of switch S1 (line 1): "
        "a router is the gateway of one switch in miniinet\n"
        "@/h.txt:2: VLAN \"1mbit\": expected 0 (untagged) .. 255\n"
        "@/l2.txt:2: a second link between switches S3 and S1 of DC "
        "(miniinet has one per pair of switches)\n",
        true);
    import_result_free(&r);
    expect_errors("l.txt", "A B 200gbit 1ms 50ms\n",
                  "@/l.txt:1: throughput \"200gbit\" (200gbit) is out of "
                  "range (1kbit..100gbit)\n");
    expect_errors("l.txt", "A B 1mbit 11s 0ms\n",
                  "@/l.txt:1: delay \"11s\" (11s) is out of range "
                  "(0us..10s)\n"
                  "@/l.txt:1: buffer \"0ms\" (0ms) is out of range "
                  "(1us..10s)\n");
    /* A router on several lines: its rows are its lines', which may be
     * another router's own; its lines agree on the access column. */
    expect_errors("r.txt",
                  "A N/A host:img vtysh\nA N/A host:img vtysh\n"
                  "B N/A host:img linux\n",
                  "@/r.txt:3: router B's host would be on row 1 "
                  "(AS.102.0.0/24), which is router A's: miniinet gives a "
                  "router of one line the row of its position among the "
                  "routers, a router of several lines the rows of its "
                  "lines\n");
    expect_errors("r.txt",
                  "A N/A host:img vtysh\nB N/A N/A linux\n"
                  "A N/A host:img linux\n",
                  "@/r.txt:3: router A: access \"linux\", on line 1 "
                  "\"vtysh\"\n");
}
END_TEST

/* server_config_GLOBAL.txt's columns as the topology file takes them. */
START_TEST(test_servers)
{
    static const char *const bad[][2] = {
        {"s1 eth\"0 198.18.0.1 198.19.0.1\n",
         "@/server_config_GLOBAL.txt:2: server s1: interface \"eth\"0\": an "
         "interface name is 1 to 15 characters of A-Z a-z 0-9 _ . -\n"},
        {"s1 eth0123456789abc 198.18.0.1 198.19.0.1\n",
         "@/server_config_GLOBAL.txt:2: server s1: interface "
         "\"eth0123456789abc\": an interface name is 1 to 15 characters of "
         "A-Z a-z 0-9 _ . -\n"},
        {"s1 eth0 198.18.0.1 @host\n",
         "@/server_config_GLOBAL.txt:2: server s1: SSH user \"\" in "
         "\"@host\": a user is 1 to 32 characters of A-Z a-z 0-9 _ . - "
         "(USER@HOST)\n"},
        {"s1 eth0 198.18.0.1 root@ho\"st:22\n",
         "@/server_config_GLOBAL.txt:2: server s1: SSH host \"ho\"st\" in "
         "\"root@ho\"st:22\": expected a host name or an IP address "
         "([USER@]HOST[:PORT])\n"},
        {"s1 eth0 198.18.0.1 h1\ns2 eth0 198.18.0.1 h2\n",
         "@/server_config_GLOBAL.txt:3: server s2: 198.18.0.1 is also the "
         "address of server s1\n"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        /* The ASes on s0, line 1, which is fine: only the lines of the
         * test (from line 2) are refused. */
        char *servers = xasprintf("s0 eth0 198.18.0.9 h0\n%s", bad[i][0]);
        /* NOLINTBEGIN(bugprone-suspicious-missing-comma) */
        const char *changes[] = {
            "AS_config.txt",
            NULL,
            "AS_config_GLOBAL.txt",
            "1\tAS\tConfig\tr.txt\tl.txt\tsw.txt\th.txt\tl2.txt\ts0\n"
            "2\tAS\tConfig\tr.txt\tl.txt\tsw.txt\th.txt\tl2.txt\ts0\n",
            "aslevel_links.txt",
            NULL,
            "aslevel_links_GLOBAL.txt",
            "1\tA\tPeer\t2\tA\tPeer\t1mbit\t1ms\t50ms\t179.1.2.0/24\n",
            "server_config_GLOBAL.txt",
            servers,
            NULL,
        };
        /* NOLINTEND(bugprone-suspicious-missing-comma) */
        struct import_result r =
            import_changed(changes, NULL, bad[i][1], true);
        import_result_free(&r);
        free(servers);
    }
}
END_TEST

/* AS_config.txt beside the GLOBAL files: the GLOBAL files are read, and
 * the warning and the header say so. */
START_TEST(test_global_and_local)
{
    /* NOLINTBEGIN(bugprone-suspicious-missing-comma) */
    const char *changes[] = {
        "AS_config_GLOBAL.txt",
        "1\tAS\tConfig\tr.txt\tl.txt\tsw.txt\th.txt\tl2.txt\ts1\n"
        "2\tAS\tConfig\tr.txt\tl.txt\tsw.txt\th.txt\tl2.txt\ts2\n",
        "external_links_config_GLOBAL.txt",
        "1\tA\tPeer\t2\tA\tPeer\t1mbit\t1ms\t50ms\t179.1.2.0/24\n",
        "server_config_GLOBAL.txt",
        "s1 eth0 198.18.0.1 198.19.0.1\ns2 eth0 198.18.0.2 root@h2:2222\n",
        NULL,
    };
    /* NOLINTEND(bugprone-suspicious-missing-comma) */
    struct import_result r = import_changed(
        changes, NULL,
        "@: both AS_config.txt and AS_config_GLOBAL.txt: "
        "reading the GLOBAL files (the whole multi-server network); "
        "AS_config.txt is not read\n",
        false);
    ck_assert_str_eq(r.as_config, "AS_config_GLOBAL.txt");
    ck_assert_uint_eq(r.counts.servers, 2);
    ck_assert_uint_eq(r.counts.ixps, 0); /* AS_config.txt's IXP 80 */
    ck_assert_ptr_nonnull(
        strstr(r.text, "#   - AS_config.txt: not read, the GLOBAL files "));
    ck_assert_ptr_nonnull(strstr(r.text, " server = \"s2\";"));
    import_result_free(&r);
}
END_TEST

/* vpn_* lines take their number, as the original's, and are built as
 * plain L2 hosts: the hosts after them keep the original's addresses. */
START_TEST(test_vpn_numbering)
{
    /* NOLINTBEGIN(bugprone-suspicious-missing-comma) */
    const char *changes[] = {
        "sw.txt",
        "DC S1 A 11:11 1\n",
        "h.txt",
        "h1 img DC S1 1mbit 1ms 10\nvpn_1 img DC S1 1mbit 1ms 10\n"
        "h2 img DC S1 1mbit 1ms 10\n",
        NULL,
    };
    /* NOLINTEND(bugprone-suspicious-missing-comma) */
    struct import_result r = import_changed(changes, NULL, "", false);
    struct topology *topo = NULL;
    struct plan *plan = plan_of(&r, &topo);
    const struct mi_plan *p = plan_view(plan);

    /* Gateway A .1, then h1 .2, vpn_1 .3, h2 .4. */
    assert_if(p, "1_L2_DC_h1", "1-S1", "1.200.10.2/24");
    assert_if(p, "1_L2_DC_vpn_1", "1-S1", "1.200.10.3/24");
    assert_if(p, "1_L2_DC_h2", "1-S1", "1.200.10.4/24");
    ck_assert_uint_eq(r.counts.l2_hosts, 4); /* h1, h2 in both ASes */
    ck_assert_uint_eq(r.counts.vpn_hosts, 2);
    ck_assert_ptr_nonnull(
        strstr(r.text, "#   - L2 VPN endpoints (vpn_* lines) (h.txt): no "
                       "VPN: each is a plain L2 host at the address the "
                       "original gives the endpoint"));
    plan_free(plan);
    topology_free(topo);
    import_result_free(&r);
}
END_TEST

/* The header: a trimmed IXP list, the --size'd students file. */
START_TEST(test_header)
{
    const char *changes[] = {
        "aslevel_links.txt",
        "1\tA\tPeer\t2\tA\tPeer\t1mbit\t1ms\t50ms\t179.1.2.0/24\n"
        "1\tA\tPeer\t80\tNone\tPeer\t1mbit\t1ms\t50ms\t2,5,7\n"
        "2\tB\tPeer\t80\tNone\tPeer\t1mbit\t1ms\t50ms\t1\n",
        NULL,
    };
    struct import_result r =
        import_changed(changes, NULL,
                       "@/aslevel_links.txt:2: AS 5 in AS 1's list at "
                       "IXP 80 is no member of it: left out\n"
                       "@/aslevel_links.txt:2: AS 7 in AS 1's list at "
                       "IXP 80 is no member of it: left out\n",
                       false);
    ck_assert_ptr_nonnull(
        strstr(r.text, "#   - AS 1's list at IXP 80 (aslevel_links.txt:2) "
                       "(5, 7): no member of that IXP\n"));
    assert_header_unique(r.text);
    import_result_free(&r);

    r = import_ok(COURSE "2022_assignment_eth/config_2022", "12");
    ck_assert_ptr_nonnull(
        strstr(r.text, "#   - aslevel_links_students_12.txt: the students' "
                       "address list"));
    ck_assert_ptr_null(strstr(r.text, "aslevel_links_students_20.txt"));
    assert_header_unique(r.text);
    import_result_free(&r);
}
END_TEST

/* The directory's path goes into a comment: a newline in it cannot add a
 * setting; "." is named by its real name. */
START_TEST(test_path_in_header)
{
    char *parent = xstrdup("/tmp/miniinet-import-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(parent));
    char *dir = xasprintf("%s/x\nname = \"evil\";\n#", parent);
    char *cmd = xasprintf("cp -r '%s' '%s'",
                          testutil_srcpath(GEN2 "platform/config"), dir);
    ck_assert_int_eq(system(cmd), 0);

    struct import_result r;
    testutil_capture_begin();
    ck_assert_int_eq(import_directory(dir, NULL, &r), 0);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(r.text, "from /tmp/miniinet-import-"));
    ck_assert_ptr_nonnull(strstr(r.text, "/x\\x0aname = \"evil\";\\x0a#\n"));
    struct topology *topo = NULL;
    struct plan *plan = plan_of(&r, &topo);
    ck_assert_str_eq(topo->name, "x-name----evil----");
    plan_free(plan);
    topology_free(topo);
    import_result_free(&r);

    /* "." and "sub/..": the name of the directory they are. */
    char *cwd = getcwd(NULL, 0);
    ck_assert_int_eq(chdir(dir), 0);
    testutil_capture_begin();
    ck_assert_int_eq(import_directory(".", NULL, &r), 0);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(r.text, "\nname = \"x-name----evil----\";"));
    import_result_free(&r);
    ck_assert_int_eq(chdir(cwd), 0);
    free(cwd);
    remove_dir(parent);
    free(dir);
    free(cmd);
}
END_TEST

/* A problem in a file several ASes share is reported once, with the
 * line; a blank line keeps its row in a routers file, not in a links
 * file. */
START_TEST(test_reported_once)
{
    expect_errors("r.txt", "A N/A host:img vtysh\nB N/A N/A linux\nC\n",
                  "@/r.txt:3: 1 column, expected 3 or 5 (NAME SERVICE "
                  "HOST [ACCESS [ALL]])\n");
    /* Rows count blank lines (the original's readarray): ZURI's second
     * host is on row 2. */
    /* NOLINTBEGIN(bugprone-suspicious-missing-comma) */
    const char *changes[] = {
        "r.txt",
        "A N/A host:img vtysh ALL\n\nA N/A host:img vtysh ALL\n",
        "l.txt",
        "",
        "aslevel_links.txt",
        "1\tA\tPeer\t2\tA\tPeer\t1mbit\t1ms\t50ms\t179.1.2.0/24\n",
        "AS_config.txt",
        "1\tAS\tConfig\tr.txt\tl.txt\tsw.txt\th.txt\tl2.txt\n"
        "2\tAS\tConfig\tr.txt\tl.txt\tsw.txt\th.txt\tl2.txt\n",
        NULL,
    };
    /* NOLINTEND(bugprone-suspicious-missing-comma) */
    struct import_result r = import_changed(changes, NULL, "", false);
    ck_assert_ptr_nonnull(strstr(r.text, "{ name = \"A\"; hosts = [0, 2]; }"));
    import_result_free(&r);
    /* Internal links are numbered by link, not by line: a blank line
     * between two is skipped, with a warning (once for both ASes). */
    const char *links[] = {
        "r.txt", "A N/A host:img vtysh\nB N/A N/A linux\nC N/A N/A linux\n",
        "l.txt", "A B 1mbit 1ms 50ms\n\nB C 1mbit 1ms\n",
        NULL,
    };
    r = import_changed(links, NULL,
                       "@/l.txt:2: blank line: skipped; the links after it "
                       "are numbered without it (AS.0.(n+1).0/24, n counting "
                       "links, not lines)\n",
                       false);
    struct topology *topo = NULL;
    struct plan *plan = plan_of(&r, &topo);
    assert_if(plan_view(plan), "1_Brouter", "port_C", "1.0.2.1/24");
    plan_free(plan);
    topology_free(topo);
    import_result_free(&r);
}
END_TEST

/* The GLOBAL files: the servers section and each AS's server. */
START_TEST(test_global)
{
    struct import_result r = import_ok("tests/data/upstream/global3", NULL);
    struct topology *topo = NULL;
    struct plan *plan = plan_of(&r, &topo);

    ck_assert_uint_eq(r.counts.servers, 3);
    ck_assert_uint_eq(topo->n_servers, 3);
    ck_assert_str_eq(topo->servers[0].name, "s1");
    ck_assert_str_eq(topo->servers[0].address, "198.18.0.1");
    ck_assert_str_eq(topo->servers[0].ssh_host, "198.19.0.1");
    /* The AS file's last column: AS 3 on s3, IXP 80 (line 13) on s1. */
    ck_assert_int_eq(topology_find_as(topo, 3)->server, 2);
    ck_assert_int_eq(topology_find_as(topo, 80)->server, 0);
    plan_free(plan);
    topology_free(topo);
    import_result_free(&r);
}
END_TEST

static Suite *
import_suite(void)
{
    Suite *s = suite_create("import");
    TCase *tc = tcase_create("upstream");

    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_stats, 0,
                        (int)(sizeof stats / sizeof *stats));
    tcase_add_test(tc, test_golden_current);
    tcase_add_test(tc, test_golden_old);
    tcase_add_test(tc, test_global);
    tcase_add_test(tc, test_golden_l2);
    tcase_add_test(tc, test_golden_untagged);
    suite_add_tcase(s, tc);

    tc = tcase_create("malformed");
    tcase_add_test(tc, test_good_small);
    tcase_add_test(tc, test_columns);
    tcase_add_test(tc, test_relationship);
    tcase_add_test(tc, test_as_range);
    tcase_add_test(tc, test_unknown_router);
    tcase_add_test(tc, test_units);
    tcase_add_test(tc, test_not_regular);
    tcase_add_test(tc, test_many_routers);
    tcase_add_test(tc, test_parse_time);
    tcase_add_test(tc, test_servers);
    tcase_add_test(tc, test_global_and_local);
    tcase_add_test(tc, test_vpn_numbering);
    tcase_add_test(tc, test_header);
    tcase_add_test(tc, test_path_in_header);
    tcase_add_test(tc, test_reported_once);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return testutil_run(import_suite());
}
