/* Tests of the server <-> master replies (wire.c): each reply survives its
 * encoder and decoder unchanged; malformed replies are refused with an
 * error naming the server and the field; the master's matrix merge. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util.h"
#include "wire.h"

/* The text a server would print for `o` (freed). */
static char *
text_of(json_object *o)
{
    char *text = xstrdup(json_object_to_json_string(o));
    json_object_put(o);
    return text;
}

/* ------------------------------------------------------------------------ */
/* Round trips                                                              */

START_TEST(test_check_round_trip)
{
    struct wire_pair failed[] = {{1, 2}, {3, 4000000000u}};
    struct wire_check c = {.network = "net",
                           .server = "s1",
                           .pairs = 6,
                           .reachable = 4,
                           .failed = failed,
                           .n_failed = 2,
                           .established = 5,
                           .expected = 7};
    char *text = text_of(wire_check_encode(&c));
    struct wire_check d;

    ck_assert_int_eq(wire_check_decode(text, "s1", &d), 0);
    ck_assert_str_eq(d.network, "net");
    ck_assert_str_eq(d.server, "s1");
    ck_assert_uint_eq(d.pairs, 6);
    ck_assert_uint_eq(d.reachable, 4);
    ck_assert_uint_eq(d.n_failed, 2);
    ck_assert_uint_eq(d.failed[0].from, 1);
    ck_assert_uint_eq(d.failed[0].to, 2);
    ck_assert_uint_eq(d.failed[1].from, 3);
    ck_assert_uint_eq(d.failed[1].to, 4000000000u);
    ck_assert_uint_eq(d.established, 5);
    ck_assert_uint_eq(d.expected, 7);
    ck_assert(!wire_check_ok(&d));
    wire_check_free(&d);
    free(text);
}
END_TEST

/* The valley pairs: encoded when there are some, left out when none (and
 * a reply without them decodes as none). */
START_TEST(test_check_valley_round_trip)
{
    struct wire_pair valley[] = {{4, 1}, {1, 4}};
    struct wire_check c = {.network = "net",
                           .server = "s1",
                           .pairs = 3,
                           .reachable = 3,
                           .valley = valley,
                           .n_valley = 2,
                           .established = 1,
                           .expected = 1};
    char *text = text_of(wire_check_encode(&c));
    struct wire_check d;

    ck_assert_int_eq(wire_check_decode(text, "s1", &d), 0);
    ck_assert_uint_eq(d.n_valley, 2);
    ck_assert_uint_eq(d.valley[0].from, 4);
    ck_assert_uint_eq(d.valley[0].to, 1);
    ck_assert_uint_eq(d.valley[1].to, 4);
    ck_assert(wire_check_ok(&d)); /* a policy broken, every pair reached */
    wire_check_free(&d);
    free(text);

    c.n_valley = 0;
    text = text_of(wire_check_encode(&c));
    ck_assert_ptr_null(strstr(text, "valley"));
    ck_assert_int_eq(wire_check_decode(text, "s1", &d), 0);
    ck_assert_uint_eq(d.n_valley, 0);
    wire_check_free(&d);
    free(text);
}
END_TEST

START_TEST(test_check_ok)
{
    struct wire_check c = {.pairs = 2, .reachable = 2, .expected = 3};

    c.established = 3;
    ck_assert(wire_check_ok(&c));
    /* Every pair reachable is not enough: `check` also wants BGP. */
    c.established = 2;
    ck_assert(!wire_check_ok(&c));
    c.established = 3;
    c.reachable = 1;
    ck_assert(!wire_check_ok(&c));
}
END_TEST

START_TEST(test_status_round_trip)
{
    char *addrs[] = {"10.0.0.1/24", "1.151.0.1/32"};
    struct wire_interface ifs[] = {
        {.name = "lo", .up = true, .addresses = addrs + 1, .n_addresses = 1},
        {.name = "port_BASE",
         .up = false,
         .addresses = addrs,
         .n_addresses = 2,
         .link = "down"},
    };
    struct wire_node nodes[] = {
        {.name = "1_ZURIrouter",
         .kind = "router",
         .server = "s2",
         .handle = "/run/netns/1_ZURIrouter",
         .up = true,
         .interfaces = ifs,
         .n_interfaces = 2,
         .bgp = true,
         .established = 4,
         .expected = 3},
        {.name = "1_ZURIhost", .kind = "host", .server = "s2", .up = false},
    };
    struct wire_status s = {.network = "net",
                            .server = "s2",
                            .complete = true,
                            .nodes = nodes,
                            .n_nodes = 2};
    char *text = text_of(wire_status_encode(&s));
    struct wire_status d;

    ck_assert_int_eq(wire_status_decode(text, "s2", &d), 0);
    ck_assert_str_eq(d.network, "net");
    ck_assert_str_eq(d.server, "s2");
    ck_assert(d.complete);
    ck_assert_uint_eq(d.n_nodes, 2);
    ck_assert_str_eq(d.nodes[0].name, "1_ZURIrouter");
    ck_assert_str_eq(d.nodes[0].kind, "router");
    ck_assert_str_eq(d.nodes[0].server, "s2");
    ck_assert_str_eq(d.nodes[0].handle, "/run/netns/1_ZURIrouter");
    ck_assert_ptr_null(d.nodes[1].handle);
    ck_assert(d.nodes[0].up);
    ck_assert(d.nodes[0].bgp);
    ck_assert_uint_eq(d.nodes[0].established, 4);
    ck_assert_uint_eq(d.nodes[0].expected, 3);
    ck_assert_uint_eq(d.nodes[0].n_interfaces, 2);
    ck_assert_str_eq(d.nodes[0].interfaces[0].name, "lo");
    ck_assert(d.nodes[0].interfaces[0].up);
    ck_assert_uint_eq(d.nodes[0].interfaces[1].n_addresses, 2);
    ck_assert_str_eq(d.nodes[0].interfaces[1].addresses[1], "1.151.0.1/32");
    ck_assert(!d.nodes[0].interfaces[1].up);
    ck_assert_ptr_null(d.nodes[0].interfaces[0].link);
    ck_assert_str_eq(d.nodes[0].interfaces[1].link, "down");
    ck_assert(!d.nodes[1].up);
    ck_assert(!d.nodes[1].bgp);
    ck_assert_uint_eq(d.nodes[1].n_interfaces, 0);
    ck_assert(!d.nodes[0].damaged);
    ck_assert_uint_eq(d.n_damage, 0); /* none: the key is absent */
    ck_assert_ptr_null(strstr(text, "damage"));
    ck_assert(!wire_status_ok(&d));
    d.nodes[1].up = true;
    ck_assert(wire_status_ok(&d));
    wire_status_free(&d);
    free(text);

    /* Damage: the nodes it concerns marked, one line each. */
    char *damage[] = {"1_ZURIrouter: FRR daemons dead: zebra bgpd"};
    nodes[0].damaged = true;
    s.damage = damage;
    s.n_damage = 1;
    nodes[1].up = true;
    text = text_of(wire_status_encode(&s));
    ck_assert_int_eq(wire_status_decode(text, "s2", &d), 0);
    ck_assert(d.nodes[0].damaged);
    ck_assert(!d.nodes[1].damaged);
    ck_assert_uint_eq(d.n_damage, 1);
    ck_assert_str_eq(d.damage[0], damage[0]);
    ck_assert(!wire_status_ok(&d));         /* every node up, but damaged */
    ck_assert_uint_eq(d.n_not_restored, 0); /* none: the key is absent */
    ck_assert_ptr_null(strstr(text, "not_restored"));
    wire_status_free(&d);
    free(text);

    /* Routers not running their students' work: one line each, and
     * status is not whole for them alone. */
    char *marks[] = {"1_ZURIrouter: `up` started it with the configuration "
                     "it generates; its students' work is in snapshot S",
                     "1_BASErouter: x"};
    nodes[0].damaged = false;
    s.damage = NULL;
    s.n_damage = 0;
    s.not_restored = marks;
    s.n_not_restored = 2;
    text = text_of(wire_status_encode(&s));
    ck_assert_int_eq(wire_status_decode(text, "s2", &d), 0);
    ck_assert_uint_eq(d.n_damage, 0);
    ck_assert_uint_eq(d.n_not_restored, 2);
    ck_assert_str_eq(d.not_restored[0], marks[0]);
    ck_assert_str_eq(d.not_restored[1], marks[1]);
    ck_assert(!wire_status_ok(&d));
    free(d.not_restored[0]);
    free(d.not_restored[1]);
    d.n_not_restored = 0;
    ck_assert(wire_status_ok(&d));
    wire_status_free(&d);
    free(text);
}
END_TEST

START_TEST(test_preflight_round_trip)
{
    struct wire_plugin plugins[] = {{"runtime", "netns", "1.0"},
                                    {"tunnel", "gre", "2.1"}};
    struct wire_pmtu pmtu[] = {{"s2", 1500}, {"s3", 0}};
    char *errors[] = {"gre: no Open vSwitch runs on this server"};
    struct wire_port ports[] = {{3, 2003, NULL, 0}, {4, 2004, "lab", 9}};
    struct wire_preflight f = {.server = "s1",
                               .version = "0.1.0",
                               .root = true,
                               .plugins = plugins,
                               .n_plugins = 2,
                               .state = "partial",
                               .pmtu = pmtu,
                               .n_pmtu = 2,
                               .ports = ports,
                               .n_ports = 2,
                               .errors = errors,
                               .n_errors = 1};
    char *text = text_of(wire_preflight_encode(&f));
    struct wire_preflight d;

    ck_assert_int_eq(wire_preflight_decode(text, "s1", &d), 0);
    ck_assert_str_eq(d.server, "s1");
    ck_assert_str_eq(d.version, "0.1.0");
    ck_assert(d.root);
    ck_assert_uint_eq(d.n_plugins, 2);
    ck_assert_str_eq(d.plugins[1].kind, "tunnel");
    ck_assert_str_eq(d.plugins[1].name, "gre");
    ck_assert_str_eq(d.plugins[1].version, "2.1");
    ck_assert_str_eq(d.state, "partial");
    ck_assert_uint_eq(wire_preflight_pmtu(&d, "s2"), 1500);
    ck_assert_uint_eq(wire_preflight_pmtu(&d, "s3"), 0);
    ck_assert_uint_eq(wire_preflight_pmtu(&d, "s9"), 0);
    ck_assert_uint_eq(d.n_ports, 2);
    ck_assert_uint_eq(d.ports[0].asn, 3);
    ck_assert_uint_eq(d.ports[0].port, 2003);
    ck_assert_ptr_null(d.ports[0].network); /* a listening socket */
    ck_assert_uint_eq(d.ports[0].network_asn, 0);
    ck_assert_uint_eq(d.ports[1].port, 2004);
    ck_assert_str_eq(d.ports[1].network, "lab");
    ck_assert_uint_eq(d.ports[1].network_asn, 9);
    ck_assert_uint_eq(d.n_errors, 1);
    ck_assert_str_eq(d.errors[0], errors[0]);
    wire_preflight_free(&d);
    free(text);
}
END_TEST

START_TEST(test_link_round_trip)
{
    struct wire_link_end ends[] = {
        {"1_ZURIrouter", "ext_2_BASE", true, 100000000000ULL, 2500}};
    struct wire_link w = {.server = "s1", .before = ends, .n_before = 1};
    char *text = text_of(wire_link_encode(&w));
    struct wire_link d;

    ck_assert_int_eq(wire_link_decode(text, "s1", &d), 0);
    ck_assert_str_eq(d.server, "s1");
    ck_assert_uint_eq(d.n_before, 1);
    ck_assert_str_eq(d.before[0].node, "1_ZURIrouter");
    ck_assert_str_eq(d.before[0].ifname, "ext_2_BASE");
    ck_assert(d.before[0].down);
    ck_assert_uint_eq(d.before[0].rate_bps, 100000000000ULL);
    ck_assert_uint_eq(d.before[0].delay_us, 2500);
    wire_link_free(&d);
    /* Another server's reply, a negative rate: refused. */
    ck_assert_int_eq(wire_link_decode(text, "s2", &d), -EINVAL);
    free(text);
    ck_assert_int_eq(
        wire_link_decode("{\"server\": \"s1\", \"before\": [{\"node\": "
                         "\"a\", \"ifname\": \"b\", \"down\": false, "
                         "\"rate_bps\": -1, \"delay_us\": 0}]}",
                         "s1", &d),
        -EINVAL);
    ck_assert_int_eq(wire_link_decode("{\"server\": \"s1\"}", "s1", &d),
                     -EINVAL);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Malformed replies                                                        */

/* A reply from server s1 that must be refused, and what the error says
 * (besides the server's name). */
struct bad {
    const char *verb, *text, *says;
};

#define CHECK_WITH(failed, counts)                                            \
    "{\"network\": \"n\", \"server\": \"s1\", " counts                        \
    ", \"failed\": " failed                                                   \
    ", \"bgp\": {\"established\": 1, \"expected\": 1}}"

static const struct bad bad[] = {
    {"check", NULL, "gave no answer"},
    {"check", " \n", "gave no answer"},
    {"check", "{\"network\": ", "not JSON"},
    {"check", "[1, 2]", "not a JSON object"},
    {"check", "{\"server\": \"s1\"}", "\"network\" is missing"},
    {"check",
     "{\"network\": \"n\", \"server\": \"s2\", \"pairs\": 0, "
     "\"reachable\": 0, \"failed\": []}",
     "\"server\" is s2"},
    {"check", CHECK_WITH("[]", "\"pairs\": \"6\", \"reachable\": 6"),
     "\"pairs\" is not a whole number"},
    {"check", CHECK_WITH("[]", "\"pairs\": 6.5, \"reachable\": 6"),
     "\"pairs\" is not a whole number"},
    {"check", CHECK_WITH("[]", "\"pairs\": -1, \"reachable\": 0"),
     "\"pairs\" is out of range"},
    {"check", CHECK_WITH("[]", "\"pairs\": 99999999999, \"reachable\": 0"),
     "\"pairs\" is out of range"},
    {"check", CHECK_WITH("{}", "\"pairs\": 1, \"reachable\": 1"),
     "\"failed\" is not an array"},
    {"check",
     CHECK_WITH("[{\"from\": 1, \"to\": 2}, 3]",
                "\"pairs\": 2, \"reachable\": 0"),
     "\"failed[1]\" is not an object"},
    {"check",
     CHECK_WITH("[{\"from\": 1, \"to\": 2}, {\"from\": 1}]",
                "\"pairs\": 2, \"reachable\": 0"),
     "\"failed[1].to\" is missing"},
    {"check", CHECK_WITH("[]", "\"pairs\": 2, \"reachable\": 3"),
     "\"reachable\" is 3, more than the 2 pairs"},
    {"check", CHECK_WITH("[]", "\"pairs\": 2, \"reachable\": 1"),
     "\"failed\" lists 0 pairs"},
    {"check",
     CHECK_WITH("[]", "\"pairs\": 1, \"reachable\": 1, \"valley\": {}"),
     "\"valley\" is not an array"},
    {"check",
     CHECK_WITH("[]", "\"pairs\": 1, \"reachable\": 1, \"valley\": "
                      "[{\"from\": 1}]"),
     "\"valley[0].to\" is missing"},
    {"check",
     CHECK_WITH("[{\"from\": 1, \"to\": 2}]",
                "\"pairs\": 1, \"reachable\": 0, \"valley\": "
                "[{\"from\": 1, \"to\": 3}]"),
     "\"valley\" lists 1 pairs, more than the 0 reachable"},
    {"check",
     "{\"network\": \"n\", \"server\": \"s1\", \"pairs\": 0, "
     "\"reachable\": 0, \"failed\": [], \"bgp\": {\"established\": 1}}",
     "\"bgp.expected\" is missing"},
    {"check",
     "{\"network\": \"n\", \"server\": \"s1\", \"pairs\": 0, "
     "\"reachable\": 0, \"failed\": [], \"bgp\": {\"established\": 2, "
     "\"expected\": 1}}",
     "\"bgp.established\" is 2, more than the 1 expected"},
    {"status", "", "gave no answer"},
    {"status",
     "{\"network\": \"n\", \"server\": \"s1\", \"complete\": 1, "
     "\"nodes\": []}",
     "\"complete\" is not true or false"},
    {"status",
     "{\"network\": \"n\", \"server\": \"s1\", \"complete\": true, "
     "\"nodes\": [{\"name\": \"a\", \"kind\": \"host\", \"server\": \"s1\", "
     "\"state\": \"gone\", \"interfaces\": []}]}",
     "\"nodes[0].state\" is \"gone\""},
    {"status",
     "{\"network\": \"n\", \"server\": \"s1\", \"complete\": true, "
     "\"nodes\": [{\"name\": \"a\", \"kind\": \"host\", \"server\": \"s1\", "
     "\"state\": \"up\", \"interfaces\": [{\"name\": \"lo\", \"up\": true, "
     "\"addresses\": [\"1.2.3.4/8\", 5]}]}]}",
     "\"nodes[0].interfaces[0].addresses[1]\" is not a string"},
    {"status",
     "{\"network\": \"n\", \"server\": \"s1\", \"complete\": true, "
     "\"nodes\": [{\"name\": \"a\", \"kind\": \"router\", \"server\": "
     "\"s1\", \"state\": \"up\", \"interfaces\": [], \"bgp\": []}]}",
     "\"nodes[0].bgp\" is not an object"},
    {"status",
     "{\"network\": \"n\", \"server\": \"s1\", \"complete\": true, "
     "\"nodes\": [], \"damage\": [\"x\", 1]}",
     "\"damage[1]\" is not a string"},
    {"status",
     "{\"network\": \"n\", \"server\": \"s1\", \"complete\": true, "
     "\"nodes\": [], \"not_restored\": [\"R: x\", 2]}",
     "\"not_restored[1]\" is not a string"},
    {"status",
     "{\"network\": \"n\", \"server\": \"s1\", \"complete\": true, "
     "\"nodes\": [{\"name\": \"a\", \"kind\": \"host\", \"server\": \"s1\", "
     "\"state\": \"up\", \"damaged\": \"yes\", \"interfaces\": []}]}",
     "\"nodes[0].damaged\" is not true or false"},
    {"preflight", "null", "not a JSON object"},
    {"preflight",
     "{\"server\": \"s1\", \"version\": \"1\", \"root\": true, "
     "\"plugins\": [], \"state\": \"up\", \"pmtu\": {\"s2\": \"big\"}, "
     "\"errors\": []}",
     "\"pmtu.s2\" is not a whole number"},
    {"preflight",
     "{\"server\": \"s1\", \"version\": \"1\", \"root\": true, "
     "\"plugins\": [{\"kind\": \"runtime\", \"name\": \"netns\"}], "
     "\"state\": \"up\", \"pmtu\": {}, \"errors\": []}",
     "\"plugins[0].version\" is missing"},
    {"preflight",
     "{\"server\": \"s1\", \"version\": \"1\", \"root\": true, "
     "\"plugins\": [], \"state\": \"sideways\", \"pmtu\": {}, "
     "\"errors\": []}",
     "\"state\" is \"sideways\""},
    {"preflight",
     "{\"server\": \"s1\", \"version\": \"1\", \"root\": true, "
     "\"plugins\": [], \"state\": \"up\", \"pmtu\": {}, \"ports\": [], "
     "\"errors\": [null]}",
     "\"errors[0]\" is not a string"},
    {"preflight",
     "{\"server\": \"s1\", \"version\": \"1\", \"root\": true, "
     "\"plugins\": [], \"state\": \"up\", \"pmtu\": {}, \"errors\": []}",
     "\"ports\" is missing"},
    {"preflight",
     "{\"server\": \"s1\", \"version\": \"1\", \"root\": true, "
     "\"plugins\": [], \"state\": \"up\", \"pmtu\": {}, "
     "\"ports\": [{\"asn\": 3, \"port\": 0}], \"errors\": []}",
     "\"ports[0].port\" is out of range (0)"},
    {"preflight",
     "{\"server\": \"s1\", \"version\": \"1\", \"root\": true, "
     "\"plugins\": [], \"state\": \"up\", \"pmtu\": {}, "
     "\"ports\": [{\"asn\": 70000, \"port\": 2003}], \"errors\": []}",
     "\"ports[0].asn\" is out of range (70000)"},
    {"preflight",
     "{\"server\": \"s1\", \"version\": \"1\", \"root\": true, "
     "\"plugins\": [], \"state\": \"up\", \"pmtu\": {}, "
     "\"ports\": [{\"asn\": 3, \"port\": 2003, \"network\": \"../x\", "
     "\"network_asn\": 3}], \"errors\": []}",
     "\"ports[0].network\" is not a network's name"},
    {"preflight",
     "{\"server\": \"s1\", \"version\": \"1\", \"root\": true, "
     "\"plugins\": [], \"state\": \"up\", \"pmtu\": {}, "
     "\"ports\": [{\"asn\": 3, \"port\": 2003, \"network\": \"lab\"}], "
     "\"errors\": []}",
     "\"ports[0].network_asn\" is missing"},
    {"snapshots",
     "{\"server\": \"s1\", \"network\": \"n\", \"snapshots\": "
     "[{\"name\": \"../x\", \"time\": 1, \"as\": 0, \"named\": false, "
     "\"damaged\": false, \"unread\": false, \"files\": 1, \"stale\": 0, "
     "\"stale_nodes\": [], \"bytes\": 1}], \"incomplete\": []}",
     "\"snapshots[0].name\" is not a snapshot's name"},
    {"snapshots",
     "{\"server\": \"s1\", \"network\": \"n\", \"snapshots\": "
     "[{\"name\": \"a\", \"time\": -1, \"as\": 0, \"named\": false, "
     "\"damaged\": false, \"unread\": false, \"files\": 1, \"stale\": 0, "
     "\"stale_nodes\": [], \"bytes\": 1}], \"incomplete\": []}",
     "\"snapshots[0].time\" is negative"},
    {"snapshots",
     "{\"server\": \"s1\", \"network\": \"n\", \"snapshots\": "
     "[{\"name\": \"a\", \"time\": 1, \"as\": 300, \"named\": false, "
     "\"damaged\": false, \"unread\": false, \"files\": 1, \"stale\": 0, "
     "\"stale_nodes\": [], \"bytes\": 1}], \"incomplete\": []}",
     "\"snapshots[0].as\" is not an AS's number"},
    {"snapshots",
     "{\"server\": \"s1\", \"network\": \"n\", \"snapshots\": "
     "[{\"name\": \"a\", \"time\": 1, \"as\": 0, \"named\": false, "
     "\"damaged\": false, \"unread\": false, \"files\": 1, \"stale\": 0, "
     "\"stale_nodes\": [], \"bytes\": 1, \"note\": \"x\\u001b[2J\"}], "
     "\"incomplete\": []}",
     "\"snapshots[0].note\" has a control character"},
    {"snapshots",
     "{\"server\": \"s1\", \"network\": \"n\", \"snapshots\": "
     "[{\"name\": \"a\", \"time\": 1, \"as\": 0, \"named\": false, "
     "\"damaged\": false, \"unread\": false, \"files\": 1, \"stale\": 1, "
     "\"stale_nodes\": [], \"bytes\": 1}], \"incomplete\": []}",
     "\"snapshots[0].stale_nodes\" does not have `stale` (1) names"},
    {"snapshots",
     "{\"server\": \"s1\", \"network\": \"n\", \"snapshots\": "
     "[{\"name\": \"a\", \"time\": 1, \"as\": 0, \"named\": false, "
     "\"damaged\": false, \"unread\": false, \"files\": 1, \"stale\": 1, "
     "\"stale_nodes\": [\"../R\"], \"bytes\": 1}], \"incomplete\": []}",
     "\"snapshots[0].stale_nodes\" has a bad name"},
    {"snapshots",
     "{\"server\": \"s1\", \"network\": \"n\", \"snapshots\": "
     "[{\"name\": \"a\", \"time\": 1, \"as\": 0, \"named\": false, "
     "\"damaged\": false, \"unread\": false, \"files\": 1, \"stale\": 0, "
     "\"stale_nodes\": [], \"bytes\": 1, \"pinned_for\": [\"../R.frr\"]}], "
     "\"incomplete\": []}",
     "\"snapshots[0].pinned_for\" has a bad name"},
    {"snapshots",
     "{\"server\": \"s1\", \"network\": \"n\", \"snapshots\": "
     "[{\"name\": \"a\", \"time\": 1, \"as\": 0, \"named\": false, "
     "\"damaged\": false, \"unread\": false, \"files\": 1, \"stale\": 0, "
     "\"stale_nodes\": [], \"bytes\": 1, \"pinned_for\": "
     "[\"R.frr.running\"]}], "
     "\"incomplete\": []}",
     "\"snapshots[0].pinned_for\" has a bad name"},
    {"snapshots",
     "{\"server\": \"s1\", \"network\": \"n\", \"snapshots\": "
     "[{\"name\": \"a\", \"time\": 1, \"as\": 0, \"named\": false, "
     "\"damaged\": false, \"unread\": false, \"files\": 1, \"stale\": 0, "
     "\"stale_nodes\": [], \"bytes\": 1, \"pinned_for\": [\"R\"]}], "
     "\"incomplete\": []}",
     "\"snapshots[0].pinned_for\" has a bad name"},
    {"snapshots",
     "{\"server\": \"s1\", \"network\": \"n\", \"snapshots\": "
     "[{\"name\": \"a\", \"time\": 1, \"as\": 0, \"named\": false, "
     "\"damaged\": false, \"unread\": false, \"files\": 1, \"stale\": 0, "
     "\"stale_nodes\": [], \"bytes\": 1, \"pinned_for\": [\"R.conf\"]}], "
     "\"incomplete\": []}",
     "\"snapshots[0].pinned_for\" has a bad name"},
    {"snapshots",
     "{\"server\": \"s1\", \"network\": \"n\", \"snapshots\": "
     "[{\"name\": \"a\", \"time\": 1, \"as\": 0, \"named\": false, "
     "\"damaged\": false, \"unread\": false, \"files\": 1, \"stale\": 0, "
     "\"stale_nodes\": [], \"bytes\": 1, \"running\": [\"R.frr\"]}], "
     "\"incomplete\": []}",
     "\"snapshots[0].running\" has a name that is no side file's"},
    {"snapshots",
     "{\"server\": \"s1\", \"network\": \"n\", \"snapshots\": "
     "[{\"name\": \"a\", \"time\": 1, \"as\": 0, \"named\": false, "
     "\"damaged\": false, \"unread\": false, \"files\": 1, \"stale\": 0, "
     "\"stale_nodes\": [], \"bytes\": 1, "
     "\"running\": [\"../R.frr.running\"]}], \"incomplete\": []}",
     "\"snapshots[0].running\" has a name that is no side file's"},
    {"snapshots",
     "{\"server\": \"s1\", \"network\": \"n\", \"snapshots\": "
     "[{\"name\": \"a\", \"time\": 1, \"as\": 0, \"named\": false, "
     "\"damaged\": false, \"unread\": false, \"files\": 1, \"stale\": 0, "
     "\"stale_nodes\": [], \"bytes\": 1, \"running\": \"R.frr.running\"}], "
     "\"incomplete\": []}",
     "\"snapshots[0].running\""},
    {"snapshots",
     "{\"server\": \"s2\", \"network\": \"n\", \"snapshots\": [], "
     "\"incomplete\": []}",
     "\"server\" is s2"},
    {"save", "{\"server\": \"s1\", \"stored\": \"a\", \"unchanged\": \"b\"}",
     "\"unchanged\" is given with \"stored\""},
    {"save", "{\"server\": \"s1\", \"stored\": 3}",
     "\"stored\" is not a string"},
};

/* Decodes bad[i] as its verb's reply; the decoder's result. */
static int
decode_bad(const struct bad *b)
{
    union {
        struct wire_check c;
        struct wire_status s;
        struct wire_preflight f;
        struct wire_snapshots n;
        struct wire_save v;
    } out;
    memset(&out, 0, sizeof out);
    int error = !strcmp(b->verb, "check")
                    ? wire_check_decode(b->text, "s1", &out.c)
                : !strcmp(b->verb, "status")
                    ? wire_status_decode(b->text, "s1", &out.s)
                : !strcmp(b->verb, "snapshots")
                    ? wire_snapshots_decode(b->text, "s1", &out.n)
                : !strcmp(b->verb, "save")
                    ? wire_save_decode(b->text, "s1", &out.v)
                    : wire_preflight_decode(b->text, "s1", &out.f);
    /* A refused reply leaves nothing to free: all zero. */
    const unsigned char *byte = (const unsigned char *)&out;
    for (size_t i = 0; i < sizeof out; i++) {
        ck_assert_uint_eq(byte[i], 0);
    }
    return error;
}

START_TEST(test_snapshots_round_trip)
{
    char *stale[] = {"3_L2_DCN_S1.0.1"};
    struct wire_snapshot sn[] = {
        {.name = "20261203-101500",
         .time = 1764756900,
         .files = 22,
         .bytes = 5000000000ULL,
         .note = "before the lab"},
        {.name = "x",
         .time = 3,
         .as = 3,
         .named = true,
         .stale = 1,
         .stale_nodes = stale,
         .n_stale_nodes = 1},
        {.name = "bad", .time = 2, .damaged = true, .unread = true},
    };
    char *pinned[] = {"3_LUGArouter.frr", "1_L2.1.0.vlan"};
    sn[1].pinned_for = pinned;
    sn[1].n_pinned_for = 2;
    char *ran[] = {"3_LUGArouter.frr.running", "1_L2.1.0.vlan.running"};
    sn[1].running = ran;
    sn[1].n_running = 2;
    char *incomplete[] = {".tmp-1", "cut"};
    struct wire_snapshots w = {.server = "s1",
                               .network = "n",
                               .snapshots = sn,
                               .n_snapshots = 3,
                               .incomplete = incomplete,
                               .n_incomplete = 2};
    json_object *o = wire_snapshots_encode(&w);
    char *text = xstrdup(json_object_to_json_string(o));
    json_object_put(o);
    struct wire_snapshots back;
    ck_assert_int_eq(wire_snapshots_decode(text, "s1", &back), 0);
    ck_assert_uint_eq(back.n_snapshots, 3);
    ck_assert_str_eq(back.snapshots[0].name, "20261203-101500");
    ck_assert_int_eq(back.snapshots[0].time, 1764756900);
    ck_assert_uint_eq(back.snapshots[0].files, 22);
    ck_assert(back.snapshots[0].bytes == 5000000000ULL);
    ck_assert_str_eq(back.snapshots[0].note, "before the lab");
    ck_assert_uint_eq(back.snapshots[1].as, 3);
    ck_assert(back.snapshots[1].named && back.snapshots[1].stale == 1);
    ck_assert_uint_eq(back.snapshots[1].n_stale_nodes, 1);
    ck_assert_str_eq(back.snapshots[1].stale_nodes[0], "3_L2_DCN_S1.0.1");
    ck_assert_uint_eq(back.snapshots[0].n_stale_nodes, 0);
    ck_assert_uint_eq(back.snapshots[0].n_pinned_for, 0); /* optional */
    ck_assert_uint_eq(back.snapshots[1].n_pinned_for, 2);
    ck_assert_str_eq(back.snapshots[1].pinned_for[0], "3_LUGArouter.frr");
    ck_assert_str_eq(back.snapshots[1].pinned_for[1], "1_L2.1.0.vlan");
    /* Only where there are pins: one "pinned_for" in the text. */
    const char *first = strstr(text, "\"pinned_for\"");
    ck_assert_ptr_nonnull(first);
    ck_assert_ptr_null(strstr(first + 1, "\"pinned_for\""));
    /* Side files likewise. */
    ck_assert_uint_eq(back.snapshots[0].n_running, 0);
    ck_assert_uint_eq(back.snapshots[1].n_running, 2);
    ck_assert_str_eq(back.snapshots[1].running[0], "3_LUGArouter.frr.running");
    ck_assert_str_eq(back.snapshots[1].running[1], "1_L2.1.0.vlan.running");
    first = strstr(text, "\"running\"");
    ck_assert_ptr_nonnull(first);
    ck_assert_ptr_null(strstr(first + 1, "\"running\""));
    ck_assert_ptr_null(back.snapshots[1].note);
    ck_assert(back.snapshots[2].damaged && back.snapshots[2].unread);
    ck_assert_uint_eq(back.n_incomplete, 2);
    ck_assert_str_eq(back.incomplete[1], "cut");
    wire_snapshots_free(&back);
    free(text);

    struct wire_save v = {.server = "s1", .unchanged = "20261203-101500"};
    o = wire_save_encode(&v);
    text = xstrdup(json_object_to_json_string(o));
    json_object_put(o);
    struct wire_save vb;
    ck_assert_int_eq(wire_save_decode(text, "s1", &vb), 0);
    ck_assert_ptr_null(vb.stored);
    ck_assert_str_eq(vb.unchanged, "20261203-101500");
    wire_save_free(&vb);
    free(text);
    ck_assert_int_eq(wire_save_decode("{\"server\": \"s1\"}", "s1", &vb), 0);
    ck_assert(!vb.stored && !vb.unchanged);
    wire_save_free(&vb);
}
END_TEST

START_TEST(test_malformed_refused)
{
    const struct bad *b = &bad[_i];

    testutil_capture_begin();
    int error = decode_bad(b);
    const char *said = testutil_captured();
    ck_assert_msg(error == -EINVAL, "%s reply accepted: %s", b->verb,
                  b->text ? b->text : "(null)");
    ck_assert_msg(strstr(said, b->says) != NULL, "'%s' does not say '%s'",
                  said, b->says);
    ck_assert_msg(!strncmp(said, "s1: ", 4), "'%s' does not name s1", said);
    ck_assert_msg(strstr(said, b->verb) != NULL, "'%s' does not name `%s`",
                  said, b->verb);
    const char *nl = strchr(said, '\n');
    ck_assert_msg(!nl || !nl[1], "more than one message: '%s'", said);
    testutil_capture_end();
}
END_TEST

/* access: round trip, and refusals that name the field but never quote the
 * password. */
START_TEST(test_access_round_trip)
{
    struct wire_access_group groups[] = {
        {.asn = 3,
         .server = "s2",
         .address = "198.18.0.2",
         .port = 2003,
         .user = "root",
         .password = "Secret0123456789abcd"},
        {.asn = 4,
         .server = "s2",
         .address = "198.18.0.2",
         .port = 2004,
         .user = "root",
         .password = "Other0123456789abcde"},
    };
    struct wire_access a = {
        .network = "course", .server = "s2", .groups = groups, .n_groups = 2};
    char *text = text_of(wire_access_encode(&a));
    struct wire_access d;

    ck_assert_int_eq(wire_access_decode(text, "s2", &d), 0);
    ck_assert_str_eq(d.network, "course");
    ck_assert_str_eq(d.server, "s2");
    ck_assert_uint_eq(d.n_groups, 2);
    for (size_t i = 0; i < 2; i++) {
        ck_assert_uint_eq(d.groups[i].asn, groups[i].asn);
        ck_assert_str_eq(d.groups[i].server, groups[i].server);
        ck_assert_str_eq(d.groups[i].address, groups[i].address);
        ck_assert_uint_eq(d.groups[i].port, groups[i].port);
        ck_assert_str_eq(d.groups[i].user, groups[i].user);
        ck_assert_str_eq(d.groups[i].password, groups[i].password);
    }
    wire_access_free(&d);
    ck_assert_ptr_null(d.groups);

    /* Another server's name, a port out of range, an empty password. */
    static const struct {
        const char *from, *to, *says;
    } refused[] = {
        {"\"server\": \"s2\", \"address\"", "\"server\": \"s9\", \"address\"",
         "\"groups[0].server\" is not the server that answered"},
        {"\"port\": 2003", "\"port\": 70000",
         "\"groups[0].port\" is not a port"},
        {"\"password\": \"Secret0123456789abcd\"", "\"password\": \"\"",
         "\"groups[0].password\" is empty"},
        {"\"password\": \"Secret0123456789abcd\"", "\"password\": 7",
         "\"groups[0].password\" is not a string"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
        const char *at = strstr(text, refused[i].from);
        ck_assert_msg(at != NULL, "%s not in %s", refused[i].from, text);
        char *broken = xasprintf("%.*s%s%s", (int)(at - text), text,
                                 refused[i].to, at + strlen(refused[i].from));
        testutil_capture_begin();
        ck_assert_int_eq(wire_access_decode(broken, "s2", &d), -EINVAL);
        testutil_capture_end();
        ck_assert_msg(strstr(testutil_captured(), refused[i].says), "%s",
                      testutil_captured());
        ck_assert_ptr_null(strstr(testutil_captured(), "Secret"));
        ck_assert_ptr_null(strstr(testutil_captured(), "Other"));
        ck_assert_ptr_null(d.groups); /* nothing left to free */
        free(broken);
    }
    free(text);
}
END_TEST

/* What a reply cost its server: carried when said, 0 when not (an older
 * server, a master's report), refused when not a number of 0 to 1e6. */
START_TEST(test_cpu_seconds)
{
    struct wire_check c = {.network = "net",
                           .server = "s1",
                           .pairs = 1,
                           .reachable = 1,
                           .cpu_seconds = 0.25};
    char *text = text_of(wire_check_encode(&c));
    struct wire_check d;
    ck_assert_int_eq(wire_check_decode(text, "s1", &d), 0);
    ck_assert_double_eq_tol(d.cpu_seconds, 0.25, 1e-9);
    wire_check_free(&d);
    free(text);
    c.cpu_seconds = 0;
    text = text_of(wire_check_encode(&c));
    ck_assert_ptr_null(strstr(text, "cpu_seconds"));
    ck_assert_int_eq(wire_check_decode(text, "s1", &d), 0);
    ck_assert_double_eq(d.cpu_seconds, 0);
    wire_check_free(&d);
    free(text);

    struct wire_node node = {
        .name = "1_ZURIrouter", .kind = "router", .server = "s1", .up = true};
    struct wire_status st = {.network = "net",
                             .server = "s1",
                             .complete = true,
                             .nodes = &node,
                             .n_nodes = 1,
                             .cpu_seconds = 1.5};
    text = text_of(wire_status_encode(&st));
    struct wire_status ds;
    ck_assert_int_eq(wire_status_decode(text, "s1", &ds), 0);
    ck_assert_double_eq_tol(ds.cpu_seconds, 1.5, 1e-9);
    wire_status_free(&ds);
    free(text);

    const char *wrong[] = {"\"x\"", "-1", "1e7", "null"};
    for (size_t i = 0; i < sizeof wrong / sizeof *wrong; i++) {
        char *t = xasprintf("{\"network\": \"net\", \"server\": \"s1\", "
                            "\"pairs\": 1, \"reachable\": 1, \"failed\": [], "
                            "\"bgp\": {\"established\": 0, \"expected\": 0}, "
                            "\"cpu_seconds\": %s}",
                            wrong[i]);
        ck_assert_int_eq(wire_check_decode(t, "s1", &d), -EINVAL);
        free(t);
    }
}
END_TEST

START_TEST(test_good_bgp_accepted)
{
    /* The malformed table's base reply is itself good: each entry fails
     * for its own reason only. */
    struct wire_check c;
    ck_assert_int_eq(
        wire_check_decode(CHECK_WITH("[]", "\"pairs\": 1, \"reachable\": 1"),
                          "s1", &c),
        0);
    ck_assert(wire_check_ok(&c));
    wire_check_free(&c);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Matrix merge                                                             */

/* Five ASes: AS 10 and 20 on server 0, 30 on server 1, 40 and 50 on
 * server 2. */
static size_t hosts[] = {0, 1, 2, 3, 4};
static unsigned asns[] = {10, 20, 30, 40, 50};
static unsigned servers[] = {0, 0, 1, 2, 2};
static const struct check_hosts h = {
    .hosts = hosts, .asns = asns, .servers = servers, .n = 5};

/* A server's reply: `n_rows` hosts x 4 pairs, `failed` those listed. */
static struct wire_check
reply(const char *server, unsigned n_rows, struct wire_pair *failed,
      size_t n_failed)
{
    return (struct wire_check){.network = "n",
                               .server = (char *)server,
                               .pairs = n_rows * 4,
                               .reachable = n_rows * 4 - (unsigned)n_failed,
                               .failed = failed,
                               .n_failed = n_failed,
                               .established = 2,
                               .expected = 2};
}

START_TEST(test_merge)
{
    struct wire_pair f0[] = {{10, 30}, {20, 50}};
    struct wire_pair f2[] = {{50, 10}};
    struct wire_check r0 = reply("s0", 2, f0, 2), r2 = reply("s2", 2, f2, 1);
    unsigned char *cells = wire_matrix_new(&h);
    static const char expect[] = "-.X.."
                                 ".-..X"
                                 "?????" /* server 1 did not answer */
                                 "....."
                                 "X...-";

    ck_assert_int_eq(wire_check_merge(&h, 0, &r0, cells), 0);
    ck_assert_int_eq(wire_check_merge(&h, 2, &r2, cells), 0);
    for (size_t i = 0; i < 25; i++) {
        char want = expect[i];
        if (i / 5 == i % 5) {
            continue; /* the diagonal is never a pair */
        }
        ck_assert_msg(cells[i] == (want == '.'   ? CELL_YES
                                   : want == 'X' ? CELL_NO
                                                 : CELL_UNKNOWN),
                      "cell %zu -> %zu is %d", i / 5, i % 5, cells[i]);
    }

    struct wire_check all = {0};
    wire_check_tally(&h, cells, &all);
    ck_assert_uint_eq(all.pairs, 20);
    ck_assert_uint_eq(all.reachable, 20 - 3 - 4);
    ck_assert_uint_eq(all.n_failed, 7); /* 3 unreachable, 4 unknown */
    ck_assert_uint_eq(all.failed[0].from, 10);
    ck_assert_uint_eq(all.failed[0].to, 30);
    ck_assert_uint_eq(all.failed[2].from, 30);
    ck_assert_uint_eq(all.failed[2].to, 10);
    ck_assert(!wire_check_ok(&all));
    wire_check_free(&all);

    /* Once server 1 answers, all reachable, the matrix is whole. */
    struct wire_check r1 = reply("s1", 1, NULL, 0);
    ck_assert_int_eq(wire_check_merge(&h, 1, &r1, cells), 0);
    wire_check_tally(&h, cells, &all);
    ck_assert_uint_eq(all.reachable, 17);
    ck_assert_uint_eq(all.n_failed, 3);
    wire_check_free(&all);
    free(cells);
}
END_TEST

/* Valley pairs of a reply: CELL_VALLEY, reachable in the tally and listed
 * in its valley. */
START_TEST(test_merge_valley)
{
    struct wire_pair f0[] = {{10, 30}};
    struct wire_pair v0[] = {{20, 40}, {10, 50}};
    struct wire_check r0 = reply("s0", 2, f0, 1);
    r0.valley = v0;
    r0.n_valley = 2;
    unsigned char *cells = wire_matrix_new(&h);

    ck_assert_int_eq(wire_check_merge(&h, 0, &r0, cells), 0);
    ck_assert_int_eq(cells[0 * 5 + 2], CELL_NO);
    ck_assert_int_eq(cells[1 * 5 + 3], CELL_VALLEY);
    ck_assert_int_eq(cells[0 * 5 + 4], CELL_VALLEY);
    ck_assert_int_eq(cells[0 * 5 + 1], CELL_YES);

    struct wire_check all = {0};
    wire_check_tally(&h, cells, &all);
    ck_assert_uint_eq(all.reachable, 7); /* 8 pairs, 1 failed */
    ck_assert_uint_eq(all.n_valley, 2);
    ck_assert_uint_eq(all.valley[0].from, 10);
    ck_assert_uint_eq(all.valley[0].to, 50);
    ck_assert_uint_eq(all.valley[1].from, 20);
    ck_assert_uint_eq(all.valley[1].to, 40);
    wire_check_free(&all);

    /* A valley pair not of its rows, or failed too: refused. */
    struct wire_pair other_row[] = {{30, 10}};
    struct wire_pair both[] = {{10, 30}};
    struct wire_check rows = reply("s0", 2, NULL, 0);
    rows.valley = other_row;
    rows.n_valley = 1;
    struct wire_check twice = reply("s0", 2, f0, 1);
    twice.valley = both;
    twice.n_valley = 1;
    testutil_capture_begin();
    ck_assert_int_eq(wire_check_merge(&h, 0, &rows, cells), -EINVAL);
    ck_assert_ptr_nonnull(
        strstr(testutil_captured(), "AS 30 -> AS 10 over a valley"));
    testutil_capture_end();
    testutil_capture_begin();
    ck_assert_int_eq(wire_check_merge(&h, 0, &twice, cells), -EINVAL);
    ck_assert_ptr_nonnull(strstr(testutil_captured(),
                                 "both failed and reachable over a valley"));
    testutil_capture_end();
    free(cells);
}
END_TEST

START_TEST(test_merge_refused)
{
    struct wire_pair other_row[] = {{30, 10}}; /* server 1's row */
    struct wire_pair unknown_as[] = {{10, 99}};
    struct wire_pair self[] = {{10, 10}};
    struct wire_check wrong_count = reply("s0", 3, NULL, 0);
    struct wire_check rows = reply("s0", 2, other_row, 1);
    struct wire_check unknown = reply("s0", 2, unknown_as, 1);
    struct wire_check diagonal = reply("s0", 2, self, 1);
    const struct {
        const struct wire_check *reply;
        const char *says;
    } cases[] = {
        {&wrong_count, "s0: `check` probed 12 pairs, 8 here"},
        {&rows, "AS 30 -> AS 10 failed, which is not one of its pairs"},
        {&unknown, "AS 10 -> AS 99 failed"},
        {&diagonal, "AS 10 -> AS 10 failed"},
    };
    unsigned char *cells = wire_matrix_new(&h);

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        testutil_capture_begin();
        ck_assert_int_eq(wire_check_merge(&h, 0, cases[i].reply, cells),
                         -EINVAL);
        ck_assert_msg(strstr(testutil_captured(), cases[i].says),
                      "'%s' does not say '%s'", testutil_captured(),
                      cases[i].says);
        testutil_capture_end();
    }
    /* A refused reply changes nothing: its rows stay unknown. */
    for (size_t i = 0; i < 25; i++) {
        ck_assert_int_eq(cells[i], CELL_UNKNOWN);
    }
    free(cells);
}
END_TEST

START_TEST(test_merge_round_trip)
{
    /* What the master does: decode each server's text, then merge. */
    struct wire_pair f1[] = {{30, 50}};
    struct wire_check r1 = reply("s1", 1, f1, 1);
    char *text = text_of(wire_check_encode(&r1));
    struct wire_check d;
    unsigned char *cells = wire_matrix_new(&h);

    ck_assert_int_eq(wire_check_decode(text, "s1", &d), 0);
    ck_assert_int_eq(wire_check_merge(&h, 1, &d, cells), 0);
    ck_assert_int_eq(cells[2 * 5 + 4], CELL_NO);
    ck_assert_int_eq(cells[2 * 5 + 0], CELL_YES);
    ck_assert_int_eq(cells[0 * 5 + 2], CELL_UNKNOWN);
    wire_check_free(&d);
    free(cells);
    free(text);
}
END_TEST

static Suite *
wire_suite(void)
{
    Suite *s = suite_create("wire");
    TCase *tc = tcase_create("round trip");
    tcase_add_test(tc, test_check_round_trip);
    tcase_add_test(tc, test_check_valley_round_trip);
    tcase_add_test(tc, test_check_ok);
    tcase_add_test(tc, test_status_round_trip);
    tcase_add_test(tc, test_access_round_trip);
    tcase_add_test(tc, test_preflight_round_trip);
    tcase_add_test(tc, test_snapshots_round_trip);
    tcase_add_test(tc, test_link_round_trip);
    suite_add_tcase(s, tc);

    tc = tcase_create("malformed");
    tcase_add_loop_test(tc, test_malformed_refused, 0, (int)ARRAY_SIZE(bad));
    tcase_add_test(tc, test_good_bgp_accepted);
    tcase_add_test(tc, test_cpu_seconds);
    suite_add_tcase(s, tc);

    tc = tcase_create("merge");
    tcase_add_test(tc, test_merge);
    tcase_add_test(tc, test_merge_valley);
    tcase_add_test(tc, test_merge_refused);
    tcase_add_test(tc, test_merge_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return testutil_run(wire_suite());
}
