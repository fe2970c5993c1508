/* Tests of the topology reader (src/topology/topology*.c) and of plugin
 * settings over libconfig (src/topology/settings.c).
 *
 * Good files are checked structure by structure; every class of mistake
 * has its own small file in tests/data/bad/ whose first line, "# expect:
 * LINE: MESSAGE", is the exact message loading it gives (read here and by
 * the command-line tests, written nowhere else). */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "settings.h"
#include "testutil.h"
#include "topology.h"
#include "util.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* Loads `path`, which must fail with `expected`; returns the messages. */
static char *
load_fail(const char *path, int expected)
{
    struct topology *t = (struct topology *)&t;

    testutil_capture_begin();
    int error = topology_load(path, &t);
    testutil_capture_end();
    ck_assert_msg(error == expected, "%s: expected %d, got %d; messages:\n%s",
                  path, expected, error, testutil_captured());
    ck_assert_ptr_null(t);
    return xstrdup(testutil_captured());
}

/* Loads `path`, which must succeed with the messages `want`. */
static struct topology *
load_warned(const char *path, const char *want)
{
    struct topology *t = NULL;

    testutil_capture_begin();
    int error = topology_load(path, &t);
    testutil_capture_end();
    ck_assert_msg(!error, "%s: failed with %d:\n%s", path, error,
                  testutil_captured());
    ck_assert_str_eq(testutil_captured(), want);
    ck_assert_ptr_nonnull(t);
    return t;
}

static struct topology *
load_ok(const char *path)
{
    return load_warned(path, "");
}

static char *
srcpath(const char *relative)
{
    return xstrdup(testutil_srcpath(relative));
}

/* Expects `text` to fail with exactly `want`, in which every "@" stands
 * for the temporary file's path. */
static void
expect_errors(const char *text, const char *want)
{
    char *path = testutil_write_temp(text, ".cfg");
    char *got = load_fail(path, -EINVAL);
    char *expected = xstrdup("");

    for (const char *p = want; *p; p++) {
        char *next = *p == '@' ? xasprintf("%s%s", expected, path)
                               : xasprintf("%s%c", expected, *p);
        free(expected);
        expected = next;
    }
    ck_assert_str_eq(got, expected);
    free(expected);
    free(got);
}

static const struct topo_elink *
elink(const struct topology *t, size_t i)
{
    ck_assert_uint_lt(i, t->n_elinks);
    return &t->elinks[i];
}

static const char *
router_name(const struct topology *t, unsigned asn, unsigned router)
{
    const struct topo_as *as = topology_find_as(t, asn);

    ck_assert_ptr_nonnull(as);
    ck_assert_ptr_nonnull(as->body);
    ck_assert_uint_lt(router, as->body->n_routers);
    return as->body->routers[router].name;
}

/* ------------------------------------------------------------------------ */
/* access                                                                    */
/* ------------------------------------------------------------------------ */

/* Three ASes (4 for students), one IXP, then `access` as given. */
static char *
access_text(const char *access)
{
    return xasprintf("ases = ( { asn = 3; routers = ( \"R\" ); },\n"
                     "  { asn = 4; routers = ( \"R\" ); students = true; },\n"
                     "  { asn = 223; routers = ( \"R\" ); } );\n"
                     "ixps = ( { id = 80; } );\n"
                     "links = ( (3, \"R\", \"peer\", 80) );\n"
                     "%s\n",
                     access);
}

static struct topology *
access_load(const char *access)
{
    char *text = access_text(access);
    char *path = testutil_write_temp(text, ".cfg");
    struct topology *t = load_ok(path);

    free(text);
    return t;
}

static void
access_fails(const char *access, const char *want)
{
    char *text = access_text(access);

    expect_errors(text, want);
    free(text);
}

START_TEST(test_access_defaults)
{
    struct topology *t = access_load("");
    ck_assert(!t->access.enabled);
    topology_free(t);

    t = access_load("access = true;");
    ck_assert(t->access.enabled);
    ck_assert_int_eq(t->access.line, 6);
    ck_assert_uint_eq(t->access.port_base, 2000);
    ck_assert_uint_eq(t->access.n_asns, 1); /* students = true only */
    ck_assert_uint_eq(t->access.asns[0], 4);
    ck_assert_uint_eq(t->access.n_ta_keys, 0);
    topology_free(t);

    t = access_load("access = false;");
    ck_assert(!t->access.enabled);
    topology_free(t);

    t = access_load("access = {};");
    ck_assert(t->access.enabled);
    ck_assert_uint_eq(t->access.n_asns, 1);
    topology_free(t);
}
END_TEST

/* Bridges, and so a switch plugin, are needed for an IXP, an L2 network,
 * and with `access` for the groups' management bridges alone. */
START_TEST(test_has_bridges)
{
    static const char *const ases =
        "ases = ( { asn = 3; routers = ( \"R\" ); students = true; },\n"
        "  { asn = 4; routers = ( \"R\" ); } );\n"
        "links = ( (3, \"R\", \"peer\", 4, \"R\") );\n";
    struct topology *t = load_ok(testutil_write_temp(ases, ".cfg"));
    ck_assert(!topology_has_bridges(t));
    topology_free(t);

    char *text = xasprintf("%saccess = true;\n", ases);
    t = load_ok(testutil_write_temp(text, ".cfg"));
    free(text);
    ck_assert(t->access.enabled);
    ck_assert(topology_has_bridges(t));
    topology_free(t);

    t = access_load(""); /* an IXP */
    ck_assert(topology_has_bridges(t));
    topology_free(t);
    char *small = srcpath("configs/small.cfg"); /* L2 networks */
    t = load_ok(small);
    free(small);
    ck_assert(topology_has_bridges(t));
    topology_free(t);
}
END_TEST

START_TEST(test_access_settings)
{
    struct topology *t = access_load(
        "access = { ases = \"all\"; port_base = 40000;\n"
        "  ta_keys = ( \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHb0 ta@x\",\n"
        "              \"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ\" ); };");
    /* "all": every AS, never the IXP. */
    ck_assert_uint_eq(t->access.n_asns, 3);
    ck_assert_uint_eq(t->access.asns[0], 3);
    ck_assert_uint_eq(t->access.asns[1], 4);
    ck_assert_uint_eq(t->access.asns[2], 223);
    ck_assert_uint_eq(t->access.port_base, 40000);
    ck_assert_uint_eq(t->access.n_ta_keys, 2);
    ck_assert_str_eq(t->access.ta_keys[0],
                     "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHb0 ta@x");
    topology_free(t);

    t = access_load("access = { ases = \"223, 3\"; };");
    ck_assert_uint_eq(t->access.n_asns, 2);
    ck_assert_uint_eq(t->access.asns[0], 3); /* sorted */
    ck_assert_uint_eq(t->access.asns[1], 223);
    topology_free(t);

    /* The highest port that fits: 65312 + 223 = 65535. */
    t = access_load("access = { ases = \"all\"; port_base = 65312; };");
    ck_assert_uint_eq(t->access.port_base, 65312);
    topology_free(t);
}
END_TEST

START_TEST(test_access_errors)
{
    access_fails("access = { ases = \"all\"; port_base = 65313; };",
                 "@:6: access.port_base: 65313 puts AS 223's proxy on port "
                 "65536, above 65535\n");
    access_fails("access = { port_base = 0; };",
                 "@:6: access: port_base: 0 is out of range (1..65535)\n");
    access_fails("access = { ases = \"3, 5, 80\"; };",
                 "@:6: access.ases: there is no AS 5\n"
                 "@:6: access.ases: 80 is an IXP; only ASes have student "
                 "groups\n");
    access_fails("access = { ases = \"3-\"; };",
                 "@:6: access.ases: \"3-\" is not a list of numbers and "
                 "ranges like \"1-10,21\"\n");
    access_fails("access = { ases = \"students\"; port = 2000; };",
                 "@:6: access: unknown setting \"port\"\n");
    access_fails("access = 1;",
                 "@:6: access: must be true, false or a group such as "
                 "{ ases = \"students\"; port_base = 2000; }\n");
    /* (Control characters are refused before: topology_input.c.) */
    access_fails(
        "access = { ta_keys = ( \"command=\\\"x\\\" ssh-ed25519 "
        "AAAAC3NzaC1lZDI1NTE5\","
        " \"ssh-ed25519\", \"ssh-ed25519 AAAA\", 3 ); };",
        "@:6: access.ta_keys: element 1 does not start with a key type "
        "such as ssh-ed25519 or ssh-rsa (options such as command= are not "
        "taken)\n"
        "@:6: access.ta_keys: element 2 has no key after its type\n"
        "@:6: access.ta_keys: element 3 has no base64 key after its type\n"
        "@:6: access.ta_keys: element 4 must be a string (a public key "
        "line, as in ~/.ssh/id_ed25519.pub)\n");
}
END_TEST

START_TEST(test_access_needs_students)
{
    expect_errors("ases = ( { asn = 3; routers = ( \"R\" ); } );\n"
                  "access = true;\n",
                  "@:2: access: no AS has students = true, so no AS gets a "
                  "proxy (access.ases is \"students\"); mark the students' "
                  "ASes or list them, e.g. ases = \"3-4\"\n");
    /* 158.0.0.0/8 is the management networks'. */
    expect_errors("ases = ( { asn = 158; routers = ( \"R\" ); "
                  "students = true; } );\n"
                  "access = true;\n",
                  "@:1: AS 158: with access on, 158.0.0.0/8 holds the ASes' "
                  "management networks (158.AS.0.0/16); renumber it\n");
}
END_TEST

/* ------------------------------------------------------------------------ */
/* A file with every feature                                                */
/* ------------------------------------------------------------------------ */

/* tests/data/full.cfg, loaded from "/" so that its @include only works if
 * it is resolved relative to the file's directory. */
static struct topology *
load_full(char *path, size_t len)
{
    char *rel = srcpath("tests/data/full.cfg");
    char cwd[PATH_MAX];

    ck_assert_ptr_nonnull(realpath(rel, path));
    ck_assert_uint_lt(strlen(path), len);
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    ck_assert_int_eq(chdir("/"), 0);
    /* IXPs 81 and 82 are there to be numbered and placed. */
    char *want = xasprintf("%s:33: IXP 81 has no members (no link joins "
                           "it)\n%s:33: IXP 82 has no members (no link "
                           "joins it)\n",
                           path, path);
    struct topology *t = load_warned(path, want);
    free(want);
    ck_assert_int_eq(chdir(cwd), 0);
    free(rel);
    return t;
}

START_TEST(test_full_top_level)
{
    char path[PATH_MAX];
    struct topology *t = load_full(path, sizeof path);

    ck_assert_str_eq(t->file, path);
    ck_assert_str_eq(t->name, "full-test");
    ck_assert(t->impairments_optional);
    ck_assert_str_eq(t->plugin_runtime, "netns");
    ck_assert_str_eq(t->plugin_switch, "ovs");
    ck_assert_str_eq(t->plugin_tunnel, "gre");
    ck_assert_ptr_nonnull(t->config);

    ck_assert_uint_eq(t->n_servers, 2);
    const struct topo_server *s = &t->servers[0];
    ck_assert_str_eq(s->name, "s1");
    ck_assert_str_eq(s->address, "198.18.0.1");
    ck_assert_str_eq(s->interface, "eth1");
    ck_assert_uint_eq(s->mtu, 9000);
    ck_assert_str_eq(s->ssh_user, "admin");
    ck_assert_uint_eq(s->ssh_port, 2222);
    ck_assert_str_eq(s->ssh_identity, "/root/.ssh/id_ed25519");
    ck_assert_str_eq(s->ssh_known_hosts, "/root/.ssh/known_hosts");
    ck_assert_str_eq(s->ssh_host, "s1.mgmt.example.org");
    ck_assert_int_eq(s->line, 7);
    s = &t->servers[1]; /* defaults */
    ck_assert_str_eq(s->name, "s2");
    ck_assert_ptr_null(s->interface);
    ck_assert_uint_eq(s->mtu, 1500);
    ck_assert_str_eq(s->ssh_user, "root");
    ck_assert_uint_eq(s->ssh_port, 22);
    ck_assert_ptr_null(s->ssh_identity);
    ck_assert_ptr_null(s->ssh_known_hosts);
    ck_assert_ptr_null(s->ssh_host);
    topology_free(t);
}
END_TEST

START_TEST(test_full_bodies)
{
    char path[PATH_MAX];
    struct topology *t = load_full(path, sizeof path);

    /* Two templates from the included file, then AS 5's inline body. */
    ck_assert_uint_eq(t->n_bodies, 3);
    const struct topo_body *transit = t->bodies[0];
    const struct topo_body *stub = t->bodies[1];
    const struct topo_body *lone = t->bodies[2];
    ck_assert_str_eq(transit->name, "transit");
    ck_assert_str_eq(stub->name, "stub");
    ck_assert_ptr_null(lone->name);

    ck_assert_uint_eq(transit->n_routers, 3);
    ck_assert_str_eq(transit->routers[2].name, "GENE");
    ck_assert(transit->routers[2].host);
    ck_assert_uint_eq(transit->n_links, 3);
    ck_assert_uint_eq(transit->links[2].a, 2); /* ("GENE", "ZURI") */
    ck_assert_uint_eq(transit->links[2].b, 0);
    ck_assert_int_eq(transit->links[2].line, 5);

    ck_assert_uint_eq(stub->n_routers, 2);
    ck_assert(stub->routers[0].host);
    ck_assert_str_eq(stub->routers[1].name, "B");
    ck_assert(!stub->routers[1].host);
    ck_assert_int_eq(stub->routers[1].line, 8);
    ck_assert_uint_eq(stub->n_links, 1);
    ck_assert_uint_eq(stub->links[0].impair.delay_us, 1000);
    ck_assert_uint_eq(stub->links[0].impair.rate_bps, 0);

    ck_assert_uint_eq(stub->n_l2nets, 1);
    const struct topo_l2net *net = &stub->l2nets[0];
    ck_assert_str_eq(net->name, "DCN");
    ck_assert_uint_eq(net->n_switches, 2);
    ck_assert_str_eq(net->switches[0].name, "S1");
    ck_assert_int_eq(net->switches[0].gateway, 0);
    ck_assert_uint_eq(net->switches[0].stp_priority, 1); /* default */
    ck_assert_int_eq(net->switches[1].gateway, -1);
    ck_assert_uint_eq(net->switches[1].stp_priority, 4096);
    ck_assert_int_eq(net->switches[1].line, 13);
    ck_assert_uint_eq(net->n_links, 1);
    ck_assert_uint_eq(net->links[0].a, 0);
    ck_assert_uint_eq(net->links[0].b, 1);
    ck_assert_uint_eq(net->links[0].impair.rate_bps, 1000000000ULL);
    ck_assert_uint_eq(net->n_hosts, 2);
    ck_assert_str_eq(net->hosts[1].name, "H2");
    ck_assert_uint_eq(net->hosts[1].sw, 1);
    ck_assert_uint_eq(net->hosts[1].vlan, 20);
    ck_assert_uint_eq(net->hosts[1].impair.rate_bps, 100000);

    ck_assert_uint_eq(lone->n_routers, 1);
    ck_assert_str_eq(lone->routers[0].name, "LONE");
    topology_free(t);
}
END_TEST

START_TEST(test_full_ases)
{
    static const unsigned numbers[] = {1, 2, 3, 5, 11, 12, 13, 80, 81, 82};
    char path[PATH_MAX];
    struct topology *t = load_full(path, sizeof path);

    ck_assert_uint_eq(t->n_ases, ARRAY_SIZE(numbers));
    for (size_t i = 0; i < ARRAY_SIZE(numbers); i++) {
        ck_assert_uint_eq(t->ases[i].asn, numbers[i]);
        ck_assert_ptr_eq(topology_find_as(t, numbers[i]), &t->ases[i]);
    }
    ck_assert_ptr_null(topology_find_as(t, 4));
    ck_assert_ptr_null(topology_find_as(t, 0));
    ck_assert_ptr_null(topology_find_as(t, 255));

    const struct topo_as *as = topology_find_as(t, 1);
    ck_assert_ptr_eq(as->body, t->bodies[0]);
    ck_assert(as->configured && !as->ixp);
    ck_assert_int_eq(as->server, 0);
    ck_assert_int_eq(as->line, 28);

    /* "2-3, 11-13": five ASes sharing the template's one body. */
    static const unsigned stubs[] = {2, 3, 11, 12, 13};
    for (size_t i = 0; i < ARRAY_SIZE(stubs); i++) {
        as = topology_find_as(t, stubs[i]);
        ck_assert_ptr_eq(as->body, t->bodies[1]);
        ck_assert(!as->configured); /* students = true */
        ck_assert_int_eq(as->server, 1);
        ck_assert_int_eq(as->line, 29);
    }
    as = topology_find_as(t, 5);
    ck_assert_ptr_eq(as->body, t->bodies[2]);
    ck_assert_int_eq(as->server, -1);

    as = topology_find_as(t, 80);
    ck_assert(as->ixp);
    ck_assert_ptr_null(as->body);
    ck_assert_int_eq(as->server, 0);
    ck_assert_int_eq(as->line, 33);
    as = topology_find_as(t, 82);
    ck_assert(as->ixp);
    ck_assert_int_eq(as->server, -1);
    topology_free(t);
}
END_TEST

START_TEST(test_link_ends)
{
    static const char head[] =
        "ases = ( { asns = \"1-2\"; routers = ( \"R\" ); } );\n"
        "ixps = ( { id = 80; } );\n";
    char *text = xasprintf(
        "%slinks = ( (1, \"R\", \"peer\", 2, \"R\", { ends = [2, 1]; }),\n"
        "  (1, \"R\", \"peer\", 80) );\n",
        head);
    char *path = testutil_write_temp(text, ".cfg");
    struct topology *t = load_ok(path);
    ck_assert_uint_eq(elink(t, 0)->ends[0], 2);
    ck_assert_uint_eq(elink(t, 0)->ends[1], 1);
    topology_free(t);
    free(text);

    text = xasprintf("%slinks = ( (1, \"R\", \"peer\", 2, \"R\", "
                     "{ ends = [3, 3]; }),\n"
                     "  (1, \"R\", \"peer\", 80, { ends = [1, 2]; }),\n"
                     "  (2, \"R\", \"peer\", 80, { ends = [0, 255]; }) );\n",
                     head);
    expect_errors(
        text,
        "@:3: link (1, \"R\", \"peer\", 2, \"R\"): ends: both ends would "
        "get .3\n"
        "@:4: link (1, \"R\", \"peer\", 80): ends: only links between two "
        "ASes have one (a member's address at an IXP is 180.IXP.0.AS)\n"
        "@:5: link (2, \"R\", \"peer\", 80): ends: only links between two "
        "ASes have one (a member's address at an IXP is 180.IXP.0.AS)\n");
    free(text);
    text = xasprintf("%slinks = ( (1, \"R\", \"peer\", 2, \"R\", "
                     "{ ends = [1]; }) );\n",
                     head);
    expect_errors(text, "@:3: link (1, \"R\", \"peer\", 2, \"R\"): ends: "
                        "expected two host numbers, as in [1, 2] (the first "
                        "for the first AS's end)\n");
    free(text);
}
END_TEST

START_TEST(test_router_hosts)
{
    char *path = testutil_write_temp(
        "ases = ( { asn = 1; routers = ( { name = \"R\"; hosts = [2, 0]; } "
        "); } );\n",
        ".cfg");
    struct topology *t = load_ok(path);
    const struct topo_router *r = &topology_find_as(t, 1)->body->routers[0];
    ck_assert(r->host);
    ck_assert_uint_eq(r->n_host_rows, 2);
    ck_assert_uint_eq(r->host_rows[0], 2);
    ck_assert_uint_eq(r->host_rows[1], 0);
    topology_free(t);

    expect_errors("ases = ( { asn = 1; routers = (\n"
                  "  { name = \"A\"; hosts = []; },\n"
                  "  { name = \"B\"; hosts = [1, 1]; },\n"
                  "  { name = \"C\"; hosts = [50]; },\n"
                  "  { name = \"D\"; host = false; hosts = [3]; } ); } );\n",
                  "@:2: router \"A\": hosts: empty list (write host = false "
                  "for a router without a host)\n"
                  "@:3: router \"B\": hosts: row 1 is listed twice\n"
                  "@:4: router \"C\": hosts: 50 is out of range (0..49)\n"
                  "@:5: router \"D\": hosts: the router has host = false\n");
}
END_TEST

START_TEST(test_full_links)
{
    char path[PATH_MAX];
    struct topology *t = load_full(path, sizeof path);
    const struct topo_elink *e;

    ck_assert_uint_eq(t->n_elinks, 8);

    e = elink(t, 0);
    ck_assert_uint_eq(e->as_a, 1);
    ck_assert_str_eq(router_name(t, 1, e->router_a), "ZURI");
    ck_assert_uint_eq(e->as_b, 2);
    ck_assert_str_eq(router_name(t, 2, (unsigned)e->router_b), "A");
    ck_assert_int_eq(e->rel, MI_REL_PROVIDER);
    ck_assert_uint_eq(e->impair.rate_bps, 2500000); /* "2.5mbit" */
    ck_assert_uint_eq(e->impair.delay_us, 2500);    /* "2.5ms" */
    ck_assert_uint_eq(e->impair.buffer_us, 50000);  /* "50ms" */
    ck_assert_uint_eq(e->subnet, 0);
    ck_assert_int_eq(e->line, 36);

    e = elink(t, 1);
    ck_assert_uint_eq(e->subnet, (179u << 24) | (7u << 16) | (8u << 8));
    ck_assert_uint_eq(e->impair.rate_bps, 0);

    e = elink(t, 2);
    ck_assert_int_eq(e->rel, MI_REL_PEER);
    ck_assert_uint_eq(e->as_b, 5);

    e = elink(t, 3); /* to IXP 80 */
    ck_assert_uint_eq(e->as_a, 1);
    ck_assert_str_eq(router_name(t, 1, e->router_a), "GENE");
    ck_assert_uint_eq(e->as_b, 80);
    ck_assert_int_eq(e->router_b, -1);
    ck_assert_uint_eq(e->n_announce, 0);

    /* The repeat block, offset by offset; the IXP is not offset, the
     * announce list neither. */
    static const unsigned expect[4][2] = {
        {2, 3},
        {3, 80},
        {12, 13},
        {13, 80},
    };
    for (size_t i = 0; i < 4; i++) {
        e = elink(t, 4 + i);
        ck_assert_uint_eq(e->as_a, expect[i][0]);
        ck_assert_uint_eq(e->as_b, expect[i][1]);
        ck_assert_int_eq(e->line, i % 2 ? 44 : 43);
        if (i % 2) {
            ck_assert_int_eq(e->router_b, -1);
            ck_assert_uint_eq(e->n_announce, 1);
            ck_assert_uint_eq(e->announce[0], 1);
        } else {
            ck_assert_int_ge(e->router_b, 0);
            ck_assert_ptr_null(e->announce);
        }
    }
    topology_free(t);
}
END_TEST

START_TEST(test_doc_example)
{
    char *path = srcpath("tests/data/small.cfg");
    struct topology *t = load_ok(path);

    ck_assert_str_eq(t->name, "small");
    ck_assert_uint_eq(t->n_ases, 4);
    ck_assert_uint_eq(t->n_elinks, 4);
    ck_assert_uint_eq(t->n_bodies, 1);
    ck_assert_uint_eq(elink(t, 1)->impair.rate_bps, 10000000);
    topology_free(t);
    free(path);
}
END_TEST

START_TEST(test_defaults)
{
    struct topology *t = load_ok(testutil_write_temp(
        "ases = ( { asn = 7; routers = ( \"R\" );\n"
        "           l2 = ( { name = \"N\";\n"
        "                    switches = ( { name = \"A\"; }, { name = \"B\"; "
        "}, { name = \"C\"; } ); } ); } );\n",
        ".cfg"));

    ck_assert_str_eq(t->name, "miniinet");
    ck_assert_uint_eq(t->n_servers, 0);
    ck_assert_ptr_null(t->plugin_runtime);
    ck_assert_ptr_null(t->plugin_switch);
    ck_assert_ptr_null(t->plugin_tunnel);
    ck_assert(!t->impairments_optional);
    ck_assert(t->snapshots_keep_last == -1 && t->snapshots_keep_days == -1);
    ck_assert_uint_eq(t->n_elinks, 0);
    ck_assert_ptr_null(topology_plugin_settings(t, "gre"));

    ck_assert_uint_eq(t->n_ases, 1);
    const struct topo_as *as = &t->ases[0];
    ck_assert(as->configured);
    ck_assert(!as->ixp);
    ck_assert_int_eq(as->server, -1);
    ck_assert(as->body->routers[0].host);
    const struct topo_l2net *net = &as->body->l2nets[0];
    for (unsigned i = 0; i < 3; i++) {
        ck_assert_uint_eq(net->switches[i].stp_priority, i + 1);
        ck_assert_int_eq(net->switches[i].gateway, -1);
    }
    topology_free(t);
    topology_free(NULL);
}
END_TEST

START_TEST(test_quantities)
{
    static const struct topo_impair expect[] = {
        {1000, 0, 0},          {100000000000ULL, 10000000, 10000000},
        {2500000, 500, 1500},  {1500, 250, 1},
        {1000000, 1000001, 0},
    };
    struct topology *t = load_ok(testutil_write_temp(
        "ases = ( { asns = \"1-6\"; routers = ( \"R\" ); } );\n"
        "links = (\n"
        "  (1, \"R\", \"peer\", 2, \"R\", { rate = \"1kbit\"; "
        "delay = \"0us\"; }),\n"
        "  (1, \"R\", \"peer\", 3, \"R\", { rate = \"100gbit\"; "
        "delay = \"10s\"; buffer = \"10s\"; }),\n"
        "  (1, \"R\", \"peer\", 4, \"R\", { rate = \"2.5Mbit\"; "
        "delay = \"0.5ms\"; buffer = \"1.5ms\"; }),\n"
        "  (1, \"R\", \"peer\", 5, \"R\", { rate = \"1500bit\"; "
        "delay = \"250us\"; buffer = \"1us\"; }),\n"
        "  (1, \"R\", \"peer\", 6, \"R\", { rate = \"0.001gbit\"; "
        "delay = \"1.000001s\"; })\n"
        ");\n",
        ".cfg"));

    ck_assert_uint_eq(t->n_elinks, ARRAY_SIZE(expect));
    for (size_t i = 0; i < ARRAY_SIZE(expect); i++) {
        const struct topo_impair *got = &elink(t, i)->impair;
        ck_assert_uint_eq(got->rate_bps, expect[i].rate_bps);
        ck_assert_uint_eq(got->delay_us, expect[i].delay_us);
        ck_assert_uint_eq(got->buffer_us, expect[i].buffer_us);
    }
    topology_free(t);
}
END_TEST

/* snapshots = { keep_last; keep_days; }: save's retention. */
START_TEST(test_snapshot_settings)
{
    struct topology *t = load_ok(
        testutil_write_temp("snapshots = { keep_last = 5; keep_days = 0; };\n"
                            "ases = ( { asn = 7; routers = ( \"R\" ); } );\n",
                            ".cfg"));
    ck_assert(t->snapshots_keep_last == 5 && t->snapshots_keep_days == 0);
    topology_free(t);
    char *got = load_fail(
        testutil_write_temp("snapshots = { keep_last = -1; keep_dayz = 3; };\n"
                            "ases = ( { asn = 7; routers = ( \"R\" ); } );\n",
                            ".cfg"),
        -EINVAL);
    ck_assert_msg(strstr(got, "keep_dayz") && strstr(got, "keep_last"), "%s",
                  got);
    free(got);
}
END_TEST

START_TEST(test_quantity_errors)
{
    expect_errors(
        "ases = ( { asns = \"1-2\"; routers = ( \"R\" ); } );\n"
        "links = ( (1, \"R\", \"peer\", 2, \"R\", {\n"
        "  rate = \"999bit\";\n"
        "  delay = \".5ms\";\n"
        "  buffer = \"5 ms\"; }) );\n"
        "templates = { t = { routers = ( \"A\", \"B\" ); links = (\n"
        "  (\"A\", \"B\", { rate = \"0.5bit\"; delay = \"1.0000000001s\"; "
        "}),\n"
        "  (\"B\", \"A\", { rate = 10; })\n"
        "); }; };\n",
        /* Templates are read before links. */
        "@:7: internal link (\"A\", \"B\"): rate: \"0.5bit\" is not a whole "
        "number of bits per second\n"
        "@:7: internal link (\"A\", \"B\"): delay: \"1.0000000001s\" has too "
        "many decimals\n"
        "@:8: internal link (\"B\", \"A\"): these routers are already linked "
        "(line 7)\n"
        "@:3: link (1, \"R\", \"peer\", 2, \"R\"): rate: \"999bit\" is out of "
        "range (1kbit..100gbit)\n"
        "@:4: link (1, \"R\", \"peer\", 2, \"R\"): delay: \".5ms\" is not a "
        "number with a unit (us, ms or s), e.g. \"2.5ms\"\n"
        "@:5: link (1, \"R\", \"peer\", 2, \"R\"): buffer: \"5 ms\" has an "
        "unknown unit (use us, ms or s)\n");
}
END_TEST

START_TEST(test_repeat_nested)
{
    static const unsigned expect[][2] = {
        {1, 2},
        {11, 12},
        {2, 3},
        {12, 13},
    };
    struct topology *t = load_ok(testutil_write_temp(
        "ases = ( { asns = \"1-3,11-13\"; routers = ( \"R\" ); } );\n"
        "links = ( { repeat = [0, 1];\n"
        "            links = ( { repeat = [0, 10];\n"
        "                        links = ( (1, \"R\", \"peer\", 2, \"R\") ); "
        "} ); } );\n",
        ".cfg"));

    ck_assert_uint_eq(t->n_elinks, ARRAY_SIZE(expect));
    for (size_t i = 0; i < ARRAY_SIZE(expect); i++) {
        ck_assert_uint_eq(elink(t, i)->as_a, expect[i][0]);
        ck_assert_uint_eq(elink(t, i)->as_b, expect[i][1]);
    }
    topology_free(t);
}
END_TEST

/* A mistake that does not depend on the offset is reported once. */
START_TEST(test_repeat_reports_once)
{
    expect_errors(
        "ases = ( { asns = \"1-2,11-12,21-22\"; routers = ( \"R\" ); } );\n"
        "links = ( { repeat = [0, 10, 20];\n"
        "            links = ( (1, \"R\", \"peeer\", 2, \"R\") ); } );\n",
        "@:3: link (1, \"R\", \"peeer\", 2, \"R\"): relationship \"peeer\" "
        "must be \"provider\", \"customer\" or \"peer\"\n");
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

/* Every file of tests/data/bad/ starts with "# expect: LINE: MESSAGE", the
 * one statement of what loading it must say; this suite and cli.test both
 * read it.  The names are collected when the suite is made, one loop test
 * each. */
static char **bad_files;
static size_t n_bad_files;

static int
compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
collect_bad_files(void)
{
    char *dir = srcpath("tests/data/bad");
    DIR *d = opendir(dir);

    for (struct dirent *e; d && (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len > 4 && !strcmp(e->d_name + len - 4, ".cfg")) {
            bad_files =
                xrealloc(bad_files, (n_bad_files + 1) * sizeof *bad_files);
            bad_files[n_bad_files++] = xstrdup(e->d_name);
        }
    }
    if (d) {
        closedir(d);
    }
    free(dir);
    /* Sorted: the same test numbers on every run. */
    if (n_bad_files) {
        qsort(bad_files, n_bad_files, sizeof *bad_files, compare_names);
    }
}

START_TEST(test_bad_file)
{
    char *rel = xasprintf("tests/data/bad/%s", bad_files[_i]);
    char *path = srcpath(rel);
    FILE *f = fopen(path, "r");
    char header[512];
    int line, used = 0;

    ck_assert_msg(f, "%s: %s", path, strerror(errno));
    ck_assert_ptr_nonnull(fgets(header, sizeof header, f));
    fclose(f);
    header[strcspn(header, "\n")] = '\0';
    ck_assert_msg(sscanf(header, "# expect: %d: %n", &line, &used) == 1 &&
                      used > 0 && header[used],
                  "%s: the first line must be \"# expect: LINE: MESSAGE\", "
                  "not \"%s\"",
                  bad_files[_i], header);

    char *got = load_fail(path, -EINVAL);
    char *want = xasprintf("%s:%d: %s\n", path, line, header + used);
    ck_assert_str_eq(got, want);
    free(want);
    free(got);
    free(path);
    free(rel);
}
END_TEST

/* A directory that went missing or empty must not pass as "no errors". */
START_TEST(test_bad_files_found)
{
    ck_assert_uint_ge(n_bad_files, 70);
}
END_TEST

START_TEST(test_unreadable)
{
    char *got = load_fail("/nonexistent-dir/topology.cfg", -ENOENT);
    ck_assert_str_eq(got, "/nonexistent-dir/topology.cfg: No such file or "
                          "directory\n");
    free(got);

    char *dir = srcpath("tests/data");
    got = load_fail(dir, -EISDIR);
    char *want = xasprintf("%s: Is a directory\n", dir);
    ck_assert_str_eq(got, want);
    free(want);
    free(got);
    free(dir);
}
END_TEST

START_TEST(test_missing_ases)
{
    /* Nothing to point at: the message names the file only. */
    expect_errors("name = \"x\";\n", "@: missing required setting \"ases\"\n");
}
END_TEST

/* Everything found in one pass, not only the first problem. */
START_TEST(test_all_errors_in_one_pass)
{
    expect_errors(
        "nme = \"x\";\n"
        "ases = ( { asn = 1; routers = ( \"R\", \"R\" ); },\n"
        "         { asn = 300; routers = ( \"R\" ); } );\n"
        "links = ( (1, \"R\", \"peer\", 9, \"R\") );\n",
        "@:1: unknown setting \"nme\" (did you mean \"name\"?)\n"
        "@:2: router \"R\" is defined twice (first at line 2)\n"
        "@:3: asn: 300 is not a valid AS number (1..223, not 127, 179 or "
        "180)\n"
        "@:4: link (1, \"R\", \"peer\", 9, \"R\"): AS 9 does not exist\n");
}
END_TEST

START_TEST(test_integer_literals)
{
    /* Literals in comments and strings are not numbers; every wrapped one
     * is reported, and the file is not read further. */
    expect_errors(
        "# 4294967295\n"
        "name = \"x\"; /* 99999999999 */ s = \"4294967297\";\n"
        "ases = ( { asn = 2147483648; routers = ( \"R\" ); },\n"
        "         { asn = -2147483649; routers = ( \"R\" ); } );\n"
        "a = 0x100000000; b = 9223372036854775808L; c = 1.5e20; "
        "d = -2147483648; e = 2147483647; f = 0x7fffffff;\n",
        "@:3: integer 2147483648 does not fit in 32 bits (libconfig would "
        "read it as -2147483648; write 2147483648L for a 64-bit integer)\n"
        "@:4: integer -2147483649 does not fit in 32 bits (libconfig would "
        "read it as 2147483647; write -2147483649L for a 64-bit integer)\n"
        "@:5: integer 0x100000000 does not fit in 32 bits (libconfig would "
        "read it as 0; write 0x100000000L for a 64-bit integer)\n"
        "@:5: integer 9223372036854775808L does not fit in 64 bits\n");
}
END_TEST

/* Limits of the addressing plan, with files too big to keep in
 * tests/data/bad. */
static char *
body_with(unsigned n_routers, unsigned n_links, unsigned n_l2)
{
    char *text = xstrdup("ases = ( { asn = 1;\n  routers = (");
    char *next;

    for (unsigned i = 0; i < n_routers; i++) {
        next = xasprintf("%s%s\"R%u\"", text, i ? ", " : " ", i);
        free(text);
        text = next;
    }
    next = xasprintf("%s );\n  links = (", text);
    free(text);
    text = next;
    for (unsigned a = 0, n = 0; a < n_routers && n < n_links; a++) {
        for (unsigned b = a + 1; b < n_routers && n < n_links; b++, n++) {
            next = xasprintf("%s%s(\"R%u\", \"R%u\")", text, n ? ", " : " ", a,
                             b);
            free(text);
            text = next;
        }
    }
    next = xasprintf("%s );\n  l2 = (", text);
    free(text);
    text = next;
    for (unsigned i = 0; i < n_l2; i++) {
        next = xasprintf("%s%s{ name = \"N%u\"; switches = ( { name = \"S\"; "
                         "} ); }",
                         text, i ? ", " : " ", i);
        free(text);
        text = next;
    }
    next = xasprintf("%s );\n} );\n", text);
    free(text);
    return next;
}

START_TEST(test_limits)
{
    char *text = body_with(50, 197, 55);
    struct topology *t = load_ok(testutil_write_temp(text, ".cfg"));
    ck_assert_uint_eq(t->ases[0].body->n_routers, 50);
    ck_assert_uint_eq(t->ases[0].body->n_links, 197);
    ck_assert_uint_eq(t->ases[0].body->n_l2nets, 55);
    topology_free(t);
    free(text);

    text = body_with(51, 198, 56);
    expect_errors(text,
                  "@:2: AS 1: routers: 51 routers, but the addressing plan "
                  "has room for 50 per AS\n"
                  "@:3: AS 1: links: 198 internal links, but the addressing "
                  "plan has room for 197 per AS\n"
                  "@:4: AS 1: l2: 56 L2 networks, but the addressing plan "
                  "has room for 55 per AS\n");
    free(text);
}
END_TEST

START_TEST(test_include_errors_name_the_included_file)
{
    char *inc = testutil_write_temp(
        "templates = {\n  t = { routers = ( \"A\", \"A\" ); };\n};\n", ".cfg");
    char *main_text = xasprintf("@include \"%s\"\n"
                                "ases = ( { asn = 1; template = \"t\"; } );\n",
                                strrchr(inc, '/') + 1);
    char *path = testutil_write_temp(main_text, ".cfg");
    char *got = load_fail(path, -EINVAL);
    char *want = xasprintf("%s:2: router \"A\" is defined twice (first at "
                           "line 2)\n",
                           inc);

    ck_assert_str_eq(got, want);
    free(want);
    free(got);
    free(main_text);

    path = testutil_write_temp("@include \"miniinet-no-such-file.cfg\"\n",
                               ".cfg");
    got = load_fail(path, -EINVAL);
    want = xasprintf("%s:1: @include \"miniinet-no-such-file.cfg\": No such "
                     "file or directory\n",
                     path);
    ck_assert_str_eq(got, want);
    free(want);
    free(got);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Input limits, checked before libconfig reads anything                    */
/* ------------------------------------------------------------------------ */

static const char one_as[] = "ases = ( { asn = 1; routers = ( \"R\" ); } );\n";

/* `n` copies of `item` joined by `sep`. */
static char *
repeated(const char *item, const char *sep, size_t n)
{
    size_t li = strlen(item), ls = strlen(sep);
    char *text = xmalloc(n * (li + ls) + 1);
    char *p = text;

    for (size_t i = 0; i < n; i++) {
        memcpy(p, item, li);
        p += li;
        if (i + 1 < n) {
            memcpy(p, sep, ls);
            p += ls;
        }
    }
    *p = '\0';
    return text;
}

START_TEST(test_fifo)
{
    /* open() of a FIFO without a writer blocked forever. */
    char *file = testutil_write_temp("", ".cfg");
    char *fifo = xasprintf("%s.fifo", file);

    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    char *got = load_fail(fifo, -EINVAL);
    char *want = xasprintf("%s: not a regular file (a FIFO)\n", fifo);
    ck_assert_str_eq(got, want);
    unlink(fifo);
    free(want);
    free(got);
    free(fifo);
}
END_TEST

START_TEST(test_empty_name)
{
    char *got = load_fail("", -ENOENT);
    ck_assert_str_eq(got, "-c \"\": the topology file name is empty\n");
    free(got);
}
END_TEST

START_TEST(test_bom)
{
    char *text = xasprintf("\xEF\xBB\xBF%s", one_as);
    expect_errors(text, "@:1: the file starts with a UTF-8 byte order mark, "
                        "which libconfig cannot read; save it without one\n");
    free(text);
}
END_TEST

START_TEST(test_long_line)
{
    char *x = repeated("x", "", 65536);
    char *text = xasprintf("%s# %s\n", one_as, x);
    expect_errors(text, "@:2: line of 65538 bytes, more than the 65536 a "
                        "line may have\n");
    free(text);
    free(x);
}
END_TEST

START_TEST(test_big_group)
{
    /* libconfig took 6.7 s for a group of 20 000 settings (quadratic). */
    char *members = xstrdup("");
    for (int i = 0; i < 1001; i++) {
        char *next = xasprintf("%sa%d = 1; ", members, i);
        free(members);
        members = next;
    }
    char *text =
        xasprintf("%splugins = {\n  netns = { %s };\n};\n", one_as, members);
    expect_errors(text, "@:3: a group of more than 1000 settings (libconfig "
                        "reads big groups in quadratic time)\n");
    free(text);
    free(members);
}
END_TEST

START_TEST(test_big_list)
{
    char *elems = repeated("0", ",\n", 100001);
    char *text = xasprintf("%splugins = { netns = {\n  l = [ %s ]; }; };\n",
                           one_as, elems);
    expect_errors(text, "@:3: a list of more than 100000 elements\n");
    free(text);
    free(elems);
}
END_TEST

START_TEST(test_deep_nesting)
{
    char *open = repeated("(", "", 31);
    char *close = repeated(")", "", 31);
    char *text = xasprintf("%splugins = { netns = { l = %s1%s; }; };\n",
                           one_as, open, close);
    expect_errors(text, "@:2: groups and lists nested more than 32 deep\n");
    free(text);
    free(open);
    free(close);
}
END_TEST

START_TEST(test_error_cap)
{
    /* 60 links to ASes that do not exist: 50 shown, then a count. */
    char *text = xstrdup(one_as);
    char *want = xstrdup("");
    for (int i = 2; i <= 61; i++) {
        char *next = xasprintf("%s%s", text, i == 2 ? "links = (\n" : "");
        free(text);
        text = xasprintf("%s  (1, \"R\", \"peer\", %d, \"R\")%s\n", next, i,
                         i < 61 ? "," : ");");
        free(next);
    }
    for (int i = 2; i <= 51; i++) {
        char *next = xasprintf("%s@:%d: link (1, \"R\", \"peer\", %d, \"R\"): "
                               "AS %d does not exist\n",
                               want, i + 1, i, i);
        free(want);
        want = next;
    }
    char *next = xasprintf("%s@: ... and 10 more errors (60 in all)\n", want);
    free(want);
    expect_errors(text, next);
    free(next);
    free(text);
}
END_TEST

/* A class-size file far within the limits: 220 ASes of one template with
 * 900 L2 hosts each, about 200 000 nodes. */
START_TEST(test_200000_nodes)
{
    char *hosts = xstrdup("");
    for (int i = 0; i < 900; i++) {
        char *next = xasprintf("%s%s(\"H%d\", \"S\", %d)", hosts,
                               i ? ", " : "", i, 1 + i / 225);
        free(hosts);
        hosts = next;
    }
    char *text = xasprintf(
        "templates = { t = { routers = ( \"R\" );\n"
        "  l2 = ( { name = \"N\"; switches = ( { name = \"S\"; gateway = "
        "\"R\"; } );\n  hosts = ( %s ); } ); }; };\n"
        "ases = ( { asns = \"1-126, 128-178, 181-223\"; template = \"t\"; } "
        ");\n",
        hosts);
    struct topology *t = load_ok(testutil_write_temp(text, ".cfg"));
    ck_assert_uint_eq(t->n_ases, 220);
    ck_assert_uint_eq(t->ases[0].body->l2nets[0].n_hosts, 900);
    topology_free(t);
    free(text);
    free(hosts);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Plugin settings                                                          */
/* ------------------------------------------------------------------------ */

START_TEST(test_plugin_settings_lookup)
{
    char path[PATH_MAX];
    struct topology *t = load_full(path, sizeof path);

    ck_assert_ptr_nonnull(topology_plugin_settings(t, "gre"));
    ck_assert_ptr_null(topology_plugin_settings(t, "vxlan"));
    ck_assert_ptr_null(topology_plugin_settings(t, "runtime"));
    topology_free(t);
}
END_TEST

START_TEST(test_settings_getters)
{
    char path[PATH_MAX];
    struct topology *t = load_full(path, sizeof path);
    const struct mi_settings *s = topology_plugin_settings(t, "gre");
    const char *str = "untouched";
    long long v = -1;
    bool b = false;

    ck_assert_int_eq(settings_string(s, "isolation", &str), 0);
    ck_assert_str_eq(str, "key");
    ck_assert_int_eq(settings_int(s, "ttl", 1, 255, &v), 0);
    ck_assert_int_eq(v, 64);
    ck_assert_int_eq(settings_bool(s, "debug", &b), 0);
    ck_assert(b);

    str = "untouched";
    v = -1;
    testutil_capture_begin();
    ck_assert_int_eq(settings_string(s, "nope", &str), -ENOENT);
    ck_assert_int_eq(settings_int(s, "nope", 0, 1, &v), -ENOENT);
    ck_assert_int_eq(settings_bool(s, "nope", &b), -ENOENT);
    ck_assert_str_eq(testutil_captured(), "");
    ck_assert_str_eq(str, "untouched");
    ck_assert_int_eq(v, -1);

    ck_assert_int_eq(settings_string(s, "ttl", &str), -EINVAL);
    ck_assert_int_eq(settings_int(s, "ttl", 1, 10, &v), -EINVAL);
    ck_assert_int_eq(settings_int(s, "isolation", 1, 10, &v), -EINVAL);
    ck_assert_int_eq(settings_bool(s, "ttl", &b), -EINVAL);
    testutil_capture_end();
    ck_assert_int_eq(v, -1);
    char *want =
        xasprintf("%1$s:19: plugins.gre.ttl: must be a string\n"
                  "%1$s:19: plugins.gre.ttl: 64 is out of range (1..10)\n"
                  "%1$s:18: plugins.gre.isolation: must be an integer\n"
                  "%1$s:19: plugins.gre.ttl: must be true or false\n",
                  path);
    ck_assert_str_eq(testutil_captured(), want);
    free(want);
    topology_free(t);
}
END_TEST

START_TEST(test_settings_keys_and_errors)
{
    static const char *const all[] = {"isolation", "ttl", "debug", NULL};
    static const char *const some[] = {"isolation", NULL};
    char path[PATH_MAX];
    struct topology *t = load_full(path, sizeof path);
    const struct mi_settings *s = topology_plugin_settings(t, "gre");

    testutil_capture_begin();
    ck_assert_int_eq(settings_check_keys(s, all), 0);
    ck_assert_str_eq(testutil_captured(), "");
    ck_assert_int_eq(settings_check_keys(s, some), -EINVAL);
    settings_error(s, "isolation", "must be \"%s\" or \"%s\"", "tos", "key");
    settings_error(s, "missing", "is required");
    settings_error(s, NULL, "is wrong");
    testutil_capture_end();
    char *want = xasprintf(
        "%1$s:19: plugins.gre: unknown setting \"ttl\"\n"
        "%1$s:20: plugins.gre: unknown setting \"debug\"\n"
        "%1$s:18: plugins.gre.isolation: must be \"tos\" or \"key\"\n"
        "%1$s:17: plugins.gre.missing: is required\n"
        "%1$s:17: plugins.gre: is wrong\n",
        path);
    ck_assert_str_eq(testutil_captured(), want);
    free(want);
    topology_free(t);
}
END_TEST

START_TEST(test_settings_without_section)
{
    const char *str = "untouched";
    long long v = 7;
    bool b = true;
    static const char *const none[] = {NULL};

    testutil_capture_begin();
    ck_assert_int_eq(settings_string(NULL, "a", &str), -ENOENT);
    ck_assert_int_eq(settings_int(NULL, "a", 0, 9, &v), -ENOENT);
    ck_assert_int_eq(settings_bool(NULL, "a", &b), -ENOENT);
    ck_assert_int_eq(settings_check_keys(NULL, none), 0);
    ck_assert_str_eq(testutil_captured(), "");
    settings_error(NULL, "mode", "is required");
    testutil_capture_end();
    ck_assert_str_eq(testutil_captured(), "plugin settings: mode: is "
                                          "required\n");
    ck_assert_str_eq(str, "untouched");
    ck_assert_int_eq(v, 7);
    ck_assert(b);
}
END_TEST

/* A section in an included file: 64-bit values, and messages that name
 * the included file as a path from the working directory. */
START_TEST(test_settings_in_included_file)
{
    char *inc = testutil_write_temp(
        "plugins = {\n  p = {\n    big = 5000000000L;\n    small = 5;\n"
        "  };\n};\n",
        ".cfg");
    char *main_text = xasprintf("ases = ( { asn = 1; routers = ( \"R\" ); } "
                                ");\n@include \"%s\"\n",
                                strrchr(inc, '/') + 1);
    struct topology *t = load_ok(testutil_write_temp(main_text, ".cfg"));
    const struct mi_settings *s = topology_plugin_settings(t, "p");
    long long v = 0;

    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(settings_int(s, "big", 0, LLONG_MAX, &v), 0);
    ck_assert_int_eq(v, 5000000000LL);
    testutil_capture_begin();
    ck_assert_int_eq(settings_int(s, "big", 0, 65535, &v), -EINVAL);
    testutil_capture_end();
    char *want = xasprintf("%s:3: plugins.p.big: 5000000000 is out of range "
                           "(0..65535)\n",
                           inc);
    ck_assert_str_eq(testutil_captured(), want);
    free(want);
    free(main_text);
    topology_free(t);
}
END_TEST

/* The measurement host's settings: wrong types, a router that does not
 * exist, a server that does not exist, a body naming a router for a host
 * the file does not build. */
START_TEST(test_measurement_errors)
{
    expect_errors("measurement = 5;\n"
                  "ases = ( { asn = 1; routers = ( \"ZURI\" ); } );\n",
                  "@:1: measurement: must be true, false or a group "
                  "{ server = \"NAME\"; }\n");
    expect_errors("measurement = { server = \"s9\"; srv = 1; };\n"
                  "ases = ( { asn = 1; routers = ( \"ZURI\" ); } );\n",
                  "@:1: measurement: unknown setting \"srv\"\n"
                  "@:1: measurement: server: no server named \"s9\" (the "
                  "file has no servers)\n");
    expect_errors("measurement = true;\n"
                  "ases = ( { asn = 1; routers = ( \"ZURI\", \"BASE\" );\n"
                  "           measurement = \"BASEL\"; } );\n",
                  "@:3: AS 1: measurement: AS 1 has no router \"BASEL\" (did "
                  "you mean \"BASE\"?)\n");
    expect_errors("measurement = true;\n"
                  "ases = ( { asn = 1; routers = ( \"ZURI\" );\n"
                  "           measurement = 1; } );\n",
                  "@:3: AS 1: measurement: must be a router's name, or false "
                  "for no link to the measurement host\n");
    expect_errors("templates = { t = { routers = ( \"ZURI\" );\n"
                  "                    measurement = \"ZURI\"; }; };\n"
                  "ases = ( { asn = 1; template = \"t\"; } );\n",
                  "@:2: template \"t\": measurement: the file has no "
                  "measurement host (add `measurement = true;` at the top "
                  "level)\n");
}
END_TEST

/* matrix = "ROUTER": a router of the body with a host (check_plan:
 * test_matrix_host). */
START_TEST(test_matrix)
{
    expect_errors("ases = ( { asn = 1; routers = ( \"ZURI\", \"BASE\" );\n"
                  "           matrix = \"BASEL\"; } );\n",
                  "@:2: AS 1: matrix: AS 1 has no router \"BASEL\" (did "
                  "you mean \"BASE\"?)\n");
    expect_errors("ases = ( { asn = 1; routers = ( \"ZURI\" ); matrix = 1; } "
                  ");\n",
                  "@:1: AS 1: matrix: must be the name of a router with a "
                  "host\n");
    expect_errors("templates = { t = { routers = ( \"ZURI\",\n"
                  "    { name = \"BASE\"; host = false; } );\n"
                  "    matrix = \"BASE\"; }; };\n"
                  "ases = ( { asn = 1; template = \"t\"; } );\n",
                  "@:3: template \"t\": matrix: router BASE has no host "
                  "(host = false): the matrix pings a host\n");
}
END_TEST

static Suite *
topology_suite(void)
{
    Suite *s = suite_create("topology");
    TCase *tc;

    tc = tcase_create("good");
    tcase_add_test(tc, test_full_top_level);
    tcase_add_test(tc, test_full_bodies);
    tcase_add_test(tc, test_full_ases);
    tcase_add_test(tc, test_full_links);
    tcase_add_test(tc, test_link_ends);
    tcase_add_test(tc, test_router_hosts);
    tcase_add_test(tc, test_doc_example);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_quantities);
    tcase_add_test(tc, test_repeat_nested);
    tcase_add_test(tc, test_limits);
    /* Checked: runs in the test's own process, where the files are. */
    tcase_add_checked_fixture(tc, NULL, testutil_cleanup_files);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    collect_bad_files();
    tcase_add_test(tc, test_bad_files_found);
    tcase_add_loop_test(tc, test_bad_file, 0, (int)n_bad_files);
    tcase_add_test(tc, test_unreadable);
    tcase_add_test(tc, test_missing_ases);
    tcase_add_test(tc, test_all_errors_in_one_pass);
    tcase_add_test(tc, test_integer_literals);
    tcase_add_test(tc, test_quantity_errors);
    tcase_add_test(tc, test_snapshot_settings);
    tcase_add_test(tc, test_repeat_reports_once);
    tcase_add_test(tc, test_include_errors_name_the_included_file);
    tcase_add_test(tc, test_fifo);
    tcase_add_test(tc, test_empty_name);
    tcase_add_test(tc, test_bom);
    tcase_add_test(tc, test_long_line);
    tcase_add_test(tc, test_big_group);
    tcase_add_test(tc, test_big_list);
    tcase_add_test(tc, test_deep_nesting);
    tcase_add_test(tc, test_error_cap);
    tcase_add_test(tc, test_200000_nodes);
    /* Checked: runs in the test's own process, where the files are. */
    tcase_add_checked_fixture(tc, NULL, testutil_cleanup_files);
    suite_add_tcase(s, tc);

    tc = tcase_create("access");
    tcase_add_test(tc, test_access_defaults);
    tcase_add_test(tc, test_has_bridges);
    tcase_add_test(tc, test_access_settings);
    tcase_add_test(tc, test_access_errors);
    tcase_add_test(tc, test_access_needs_students);
    tcase_add_checked_fixture(tc, NULL, testutil_cleanup_files);
    suite_add_tcase(s, tc);

    tc = tcase_create("settings");
    tcase_add_test(tc, test_plugin_settings_lookup);
    tcase_add_test(tc, test_settings_getters);
    tcase_add_test(tc, test_settings_keys_and_errors);
    tcase_add_test(tc, test_settings_without_section);
    tcase_add_test(tc, test_settings_in_included_file);
    tcase_add_test(tc, test_measurement_errors);
    tcase_add_test(tc, test_matrix);
    /* Checked: runs in the test's own process, where the files are. */
    tcase_add_checked_fixture(tc, NULL, testutil_cleanup_files);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return testutil_run(topology_suite());
}
