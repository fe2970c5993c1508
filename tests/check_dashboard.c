/* Tests of the dashboard's data and JSON API (dashboard.c) on a plan of
 * configs/small.cfg and rounds stored by hand: the matrix from a server's
 * check reply (merged as the master merges), a server that stops
 * answering, the status, the looking glass from FRR's JSON, 404s, the
 * static files; on configs/multi-server.cfg, each server's rounds stored
 * on their own (one late or failing, the others live). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "dashboard.h"
#include "network.h"
#include "plan.h"
#include "testutil.h"
#include "topology.h"
#include "util.h"

static struct plan *plan;
static const struct mi_plan *p;
static struct check_hosts hosts;
static struct dash d;

/* The matrix's hosts as `check` and `serve` find them (network_check.c,
 * linked into this suite): the plan's matrix host of each AS that has
 * one, in plan order. */
static void
find_hosts(void)
{
    check_hosts_find(p, &hosts);
}

/* network_check.c, linked here for check_hosts_find(), names the
 * session's plugins in code this suite never runs (status, check). */
const struct active_plugin *
session_plugin(const struct session *s, enum mi_plugin_kind kind)
{
    (void)s;
    (void)kind;
    ck_abort_msg("session_plugin() called: not by check_hosts_find()");
    return NULL;
}

static void
setup(void)
{
    plan = testutil_plan_file("configs/small.cfg");
    p = plan_view(plan);
    find_hosts();
    dash_init(&d, p, &hosts, 60);
}

static void
teardown(void)
{
    dash_destroy(&d);
    check_hosts_free(&hosts);
    plan_free(plan);
}

/* GET url: the status, and the body parsed (NULL if not JSON). */
static json_object *
get(const char *url, unsigned *status, const char **type)
{
    size_t len = 0;
    char *body = dash_answer(&d, url, status, type, &len);
    ck_assert_ptr_nonnull(body);
    ck_assert_uint_eq(strlen(body), len);
    json_object *o = json_tokener_parse(body);
    free(body);
    return o;
}

static json_object *
get_ok(const char *url)
{
    unsigned status = 0;
    const char *type = NULL;
    json_object *o = get(url, &status, &type);
    ck_assert_uint_eq(status, 200);
    ck_assert_str_eq(type, "application/json");
    ck_assert_ptr_nonnull(o);
    return o;
}

static json_object *
field(json_object *o, const char *key)
{
    json_object *v = NULL;
    ck_assert_msg(json_object_object_get_ex(o, key, &v), "no \"%s\"", key);
    return v;
}

/* The state of pair from -> to in /api/matrix. */
static const char *
pair_state(json_object *m, unsigned from, unsigned to)
{
    json_object *pairs = field(m, "pairs");
    for (size_t i = 0; i < json_object_array_length(pairs); i++) {
        json_object *x = json_object_array_get_idx(pairs, i);
        if (json_object_get_int(field(x, "from")) == (int)from &&
            json_object_get_int(field(x, "to")) == (int)to) {
            return json_object_get_string(field(x, "state"));
        }
    }
    ck_abort_msg("no pair %u -> %u", from, to);
    return NULL;
}

START_TEST(test_matrix_before_any_round)
{
    json_object *m = get_ok("/api/matrix");

    ck_assert_str_eq(json_object_get_string(field(m, "network")), "small");
    ck_assert_int_eq(json_object_get_int(field(m, "round")), 0);
    ck_assert(json_object_is_type(field(m, "time"), json_type_null));
    ck_assert_int_eq(json_object_get_int(field(m, "period")), 60);
    ck_assert_uint_eq(json_object_array_length(field(m, "ases")), 4);
    /* Every ordered pair of the four ASes, none known yet. */
    ck_assert_uint_eq(json_object_array_length(field(m, "pairs")), 12);
    ck_assert_str_eq(pair_state(m, 1, 4), "unknown");
    json_object_put(m);
}
END_TEST

/* A round whose check reply (as `check --json` prints it) fails 1 -> 4
 * and 4 -> 2. */
static void
store_round(const char *check_text, bool answered)
{
    struct wire_check reply;
    unsigned char *cells = wire_matrix_new(&hosts);
    struct wire_status ws = {0};
    struct wire_status *status[1] = {NULL};

    if (answered) {
        ck_assert_int_eq(wire_check_decode(check_text, "local", &reply), 0);
        ck_assert_int_eq(wire_check_merge(&hosts, 0, &reply, cells), 0);
        wire_check_free(&reply);
        const char *st =
            "{\"network\":\"small\",\"server\":\"local\",\"complete\":true,"
            "\"nodes\":[{\"name\":\"4_VIENrouter\",\"kind\":\"router\","
            "\"server\":\"local\",\"state\":\"up\",\"interfaces\":[{\"name\":"
            "\"ext_2_BASE\",\"up\":false,\"addresses\":[],\"link\":\"down\"}],"
            "\"bgp\":{\"established\":1,\"expected\":2}}]}";
        ck_assert_int_eq(wire_status_decode(st, "local", &ws), 0);
        status[0] = &ws;
    }
    dash_store_round(&d, cells, status, answered ? NULL : "local: timed out",
                     1.5, 0.25);
    wire_status_free(&ws);
}

static const char *const reply_14_42 =
    "{\"network\":\"small\",\"server\":\"local\",\"pairs\":12,"
    "\"reachable\":10,\"failed\":[{\"from\":1,\"to\":4},{\"from\":4,\"to\":2}]"
    ","
    "\"bgp\":{\"established\":20,\"expected\":22}}";

START_TEST(test_matrix_round)
{
    store_round(reply_14_42, true);
    json_object *m = get_ok("/api/matrix");

    ck_assert_int_eq(json_object_get_int(field(m, "round")), 1);
    ck_assert(json_object_is_type(field(m, "time"), json_type_string));
    ck_assert(json_object_get_double(field(m, "seconds")) == 1.5);
    ck_assert(json_object_get_double(field(m, "cpu_seconds")) == 0.25);
    ck_assert(json_object_is_type(field(m, "error"), json_type_null));
    ck_assert_str_eq(pair_state(m, 1, 4), "unreachable");
    ck_assert_str_eq(pair_state(m, 4, 2), "unreachable");
    ck_assert_str_eq(pair_state(m, 4, 1), "reachable");
    ck_assert_str_eq(pair_state(m, 2, 3), "reachable");
    json_object *s0 = json_object_array_get_idx(field(m, "servers"), 0);
    ck_assert_str_eq(json_object_get_string(field(s0, "name")), "local");
    ck_assert(json_object_get_boolean(field(s0, "answered")));
    json_object_put(m);
}
END_TEST

/* A reply with pairs reachable over a valley (AS 4 -> AS 1 through its
 * peer AS 3): "valley" in /api/matrix. */
START_TEST(test_matrix_valley)
{
    store_round("{\"network\":\"small\",\"server\":\"local\",\"pairs\":12,"
                "\"reachable\":12,\"failed\":[],\"valley\":[{\"from\":4,"
                "\"to\":1},{\"from\":1,\"to\":4}],"
                "\"bgp\":{\"established\":20,\"expected\":20}}",
                true);
    json_object *m = get_ok("/api/matrix");
    ck_assert_str_eq(pair_state(m, 4, 1), "valley");
    ck_assert_str_eq(pair_state(m, 1, 4), "valley");
    ck_assert_str_eq(pair_state(m, 4, 2), "reachable");
    json_object_put(m);
}
END_TEST

START_TEST(test_server_stops_answering)
{
    store_round(reply_14_42, true);
    store_round(NULL, false);
    json_object *m = get_ok("/api/matrix");

    /* Its rows are unknown now, and it is named as not answering. */
    ck_assert_int_eq(json_object_get_int(field(m, "round")), 2);
    ck_assert_str_eq(pair_state(m, 1, 4), "unknown");
    ck_assert_str_eq(pair_state(m, 4, 1), "unknown");
    ck_assert_str_eq(json_object_get_string(field(m, "error")),
                     "local: timed out");
    json_object *s0 = json_object_array_get_idx(field(m, "servers"), 0);
    ck_assert(!json_object_get_boolean(field(s0, "answered")));
    json_object_put(m);

    /* The status keeps its last answer, marked as not answering. */
    json_object *st = get_ok("/api/status");
    json_object *sv = json_object_array_get_idx(field(st, "servers"), 0);
    ck_assert(!json_object_get_boolean(field(sv, "answered")));
    json_object *nodes = field(field(sv, "status"), "nodes");
    ck_assert_str_eq(json_object_get_string(
                         field(json_object_array_get_idx(nodes, 0), "name")),
                     "4_VIENrouter");
    json_object_put(st);
}
END_TEST

/* --- Several servers, each stored on its own (serve as master) --------- */

static void
setup_multi(void)
{
    plan = testutil_plan_file("configs/multi-server.cfg");
    p = plan_view(plan);
    find_hosts();
    dash_init(&d, p, &hosts, 5);
}

/* A round of server `server`: its rows all reachable, a status answer. */
static void
store_answer(unsigned server)
{
    unsigned char *cells = wire_matrix_new(&hosts);
    for (size_t a = 0; a < hosts.n; a++) {
        if (hosts.servers[a] == server) {
            memset(cells + a * hosts.n, CELL_YES, hosts.n);
        }
    }
    const char *name = mi_plan_server(p, server)->name;
    char *st = xasprintf("{\"network\":\"%s\",\"server\":\"%s\","
                         "\"complete\":true,\"nodes\":[]}",
                         p->name, name);
    struct wire_status ws = {0};
    ck_assert_int_eq(wire_status_decode(st, name, &ws), 0);
    dash_store_server(&d, server, cells, &ws, NULL, time(NULL), 1.0 + server,
                      0.5);
    wire_status_free(&ws);
    free(cells);
    free(st);
}

/* Every pair of the rows of server `server` in /api/matrix is `state`. */
static void
rows_are(json_object *m, const char *server, const char *state)
{
    json_object *pairs = field(m, "pairs");
    size_t seen = 0;
    for (size_t i = 0; i < json_object_array_length(pairs); i++) {
        json_object *x = json_object_array_get_idx(pairs, i);
        if (!strcmp(json_object_get_string(field(x, "server")), server)) {
            ck_assert_str_eq(json_object_get_string(field(x, "state")), state);
            seen++;
        }
    }
    ck_assert_msg(seen > 0, "no rows of %s", server);
}

static json_object *
server_entry(json_object *m, size_t i)
{
    return json_object_array_get_idx(field(m, "servers"), i);
}

START_TEST(test_servers_on_their_own)
{
    ck_assert_uint_eq(p->n_servers, 4);
    /* s1 answers: its rows are known, the others' not yet. */
    store_answer(0);
    json_object *m = get_ok("/api/matrix");
    rows_are(m, "s1", "reachable");
    rows_are(m, "s2", "unknown");
    ck_assert(json_object_get_boolean(field(server_entry(m, 0), "answered")));
    ck_assert(json_object_is_type(field(server_entry(m, 0), "time"),
                                  json_type_string));
    ck_assert(json_object_is_type(field(server_entry(m, 0), "since"),
                                  json_type_null));
    /* s2 never answered, nor failed yet. */
    ck_assert(!json_object_get_boolean(field(server_entry(m, 1), "answered")));
    ck_assert(json_object_is_type(field(server_entry(m, 1), "time"),
                                  json_type_null));
    ck_assert(json_object_is_type(field(server_entry(m, 1), "since"),
                                  json_type_null));
    json_object_put(m);

    /* s2 and s3 answer; s1's round, started at 1000, runs late: its rows
     * are unknown, it is not answering since then, its last answer's time
     * kept; s2's and s3's rows are live. */
    store_answer(1);
    store_answer(2);
    dash_server_late(&d, 0, 1000);
    m = get_ok("/api/matrix");
    ck_assert_int_eq(json_object_get_int(field(m, "round")), 3);
    rows_are(m, "s1", "unknown");
    rows_are(m, "s2", "reachable");
    rows_are(m, "s3", "reachable");
    rows_are(m, "s4", "unknown");
    ck_assert(!json_object_get_boolean(field(server_entry(m, 0), "answered")));
    ck_assert_str_eq(
        json_object_get_string(field(server_entry(m, 0), "since")),
        "1970-01-01T00:16:40Z");
    ck_assert(json_object_is_type(field(server_entry(m, 0), "time"),
                                  json_type_string));
    /* The matrix's round: the longest of the servers' last, their CPU
     * summed. */
    ck_assert(json_object_get_double(field(m, "seconds")) == 3.0);
    ck_assert(json_object_get_double(field(m, "cpu_seconds")) == 1.5);
    json_object_put(m);

    /* s4 fails (its round started at 2000): marked since then, named in
     * the error; s1 answers again: live, no longer marked. */
    dash_store_server(&d, 3, NULL, NULL, "s4: did not answer in time", 2000,
                      120.0, 0.1);
    store_answer(0);
    m = get_ok("/api/matrix");
    rows_are(m, "s1", "reachable");
    rows_are(m, "s4", "unknown");
    ck_assert(json_object_get_boolean(field(server_entry(m, 0), "answered")));
    ck_assert(json_object_is_type(field(server_entry(m, 0), "since"),
                                  json_type_null));
    ck_assert(!json_object_get_boolean(field(server_entry(m, 3), "answered")));
    ck_assert_str_eq(
        json_object_get_string(field(server_entry(m, 3), "since")),
        "1970-01-01T00:33:20Z");
    ck_assert_str_eq(
        json_object_get_string(field(server_entry(m, 3), "error")),
        "s4: did not answer in time");
    ck_assert_str_eq(json_object_get_string(field(m, "error")),
                     "s4: did not answer in time");
    ck_assert(json_object_get_double(field(m, "seconds")) == 120.0);
    json_object_put(m);

    /* s4's next failure keeps the first "since". */
    dash_store_server(&d, 3, NULL, NULL, "s4: lost its connection", 3000, 1,
                      0.1);
    m = get_ok("/api/status");
    ck_assert_str_eq(
        json_object_get_string(field(server_entry(m, 3), "since")),
        "1970-01-01T00:33:20Z");
    /* s1's status answer is there, s4's none (never answered). */
    ck_assert(!json_object_is_type(field(server_entry(m, 0), "status"),
                                   json_type_null));
    ck_assert(json_object_is_type(field(server_entry(m, 3), "status"),
                                  json_type_null));
    json_object_put(m);
}
END_TEST

START_TEST(test_status)
{
    json_object *st = get_ok("/api/status");
    json_object *sv = json_object_array_get_idx(field(st, "servers"), 0);

    ck_assert(json_object_is_type(field(sv, "status"), json_type_null));
    json_object_put(st);

    store_round(reply_14_42, true);
    st = get_ok("/api/status");
    sv = json_object_array_get_idx(field(st, "servers"), 0);
    ck_assert(json_object_get_boolean(field(sv, "answered")));
    json_object *node =
        json_object_array_get_idx(field(field(sv, "status"), "nodes"), 0);
    json_object *ifc = json_object_array_get_idx(field(node, "interfaces"), 0);
    ck_assert_str_eq(json_object_get_string(field(ifc, "link")), "down");
    ck_assert_int_eq(
        json_object_get_int(field(field(node, "bgp"), "expected")), 2);
    json_object_put(st);
}
END_TEST

START_TEST(test_routers_and_lg)
{
    json_object *r = get_ok("/api/routers");
    json_object *routers = field(r, "routers");
    size_t n = json_object_array_length(routers);
    ck_assert_uint_eq(n, 11 + 1); /* eleven routers and 80_IXP */
    json_object_put(r);

    int node = dash_lg_node(&d, "1_ZURIrouter");
    ck_assert_int_ge(node, 0);
    ck_assert_int_lt(dash_lg_node(&d, "1_ZURIhost"), 0); /* not a router */
    ck_assert(dash_lg_stale(&d, (size_t)node, 1000));
    /* Nothing fetched yet: "pending", no age, no routes. */
    json_object *pending = get_ok("/api/lg/1_ZURIrouter");
    ck_assert(json_object_get_boolean(field(pending, "pending")));
    ck_assert(json_object_is_type(field(pending, "age"), json_type_null));
    ck_assert(json_object_is_type(field(pending, "time"), json_type_null));
    ck_assert_uint_eq(json_object_array_length(field(pending, "routes")), 0);
    json_object_put(pending);
    const char *bgp =
        "{\"routerId\":\"1.151.0.1\",\"routes\":{\"2.0.0.0/8\":[{\"valid\":"
        "true,\"bestpath\":true,\"path\":\"2\",\"locPrf\":50,\"community\":"
        "{\"string\":\"1:30\"},\"nexthops\":[{\"ip\":\"179.1.2.2\"}]},"
        "{\"valid\":true,\"path\":\"3 2\",\"nexthops\":[{\"ip\":\"1.0.0.2\"}]}"
        "],\"1.0.0.0/8\":[{\"valid\":true,\"bestpath\":true,\"path\":\"\","
        "\"nexthops\":[{\"ip\":\"0.0.0.0\"}]}]}}";
    const char *ospf = "{\"neighbors\":{\"1.152.0.1\":[{\"nbrState\":"
                       "\"Full/-\",\"ifaceAddress\":\"1.0.1.2\",\"ifaceName\":"
                       "\"port_BASE\"}]}}";
    dash_lg_store(&d, (size_t)node, bgp, ospf, NULL, 1000);
    ck_assert(!dash_lg_stale(&d, (size_t)node, 1000 + DASH_LG_MAX_AGE - 1));
    ck_assert(dash_lg_stale(&d, (size_t)node, 1000 + DASH_LG_MAX_AGE));

    json_object *lg = get_ok("/api/lg/1_ZURIrouter");
    ck_assert_str_eq(json_object_get_string(field(lg, "router")),
                     "1_ZURIrouter");
    ck_assert(json_object_is_type(field(lg, "error"), json_type_null));
    ck_assert(!json_object_get_boolean(field(lg, "pending")));
    ck_assert(json_object_is_type(field(lg, "age"), json_type_int));
    ck_assert_int_gt(json_object_get_int64(field(lg, "age")), 0);
    json_object *routes = field(lg, "routes");
    ck_assert_uint_eq(json_object_array_length(routes), 3);
    json_object *first = json_object_array_get_idx(routes, 0);
    ck_assert_str_eq(json_object_get_string(field(first, "prefix")),
                     "2.0.0.0/8");
    ck_assert_str_eq(json_object_get_string(field(first, "next_hop")),
                     "179.1.2.2");
    ck_assert_int_eq(json_object_get_int(field(first, "local_pref")), 50);
    ck_assert_str_eq(json_object_get_string(field(first, "communities")),
                     "1:30");
    ck_assert(json_object_get_boolean(field(first, "best")));
    json_object *nb =
        json_object_array_get_idx(field(lg, "ospf_neighbours"), 0);
    ck_assert_str_eq(json_object_get_string(field(nb, "router_id")),
                     "1.152.0.1");
    ck_assert_str_eq(json_object_get_string(field(nb, "interface")),
                     "port_BASE");
    json_object_put(lg);

    /* FRR 8.4's `show bgp ipv4 unicast json detail` (what serve asks,
     * trimmed from a router of small.cfg): the prefix's own entry first (no
     * row), the AS path as an object, bestpath an object, communities. */
    const char *detail =
        "{\"routes\":{\"2.0.0.0/8\":[{\"prefix\":\"2.0.0.0/8\",\"version\":"
        "3,\"advertisedTo\":{}},{\"aspath\":{\"string\":\"2\",\"length\":"
        "1},\"locPrf\":100,\"valid\":true,\"community\":{\"string\":"
        "\"1:20\",\"list\":[\"1:20\"]},\"bestpath\":{\"overall\":true,"
        "\"selectionReason\":\"First path received\"},\"nexthops\":[{\"ip\":"
        "\"179.1.2.2\"}]}]}}";
    dash_lg_store(&d, (size_t)node, detail, ospf, NULL, 1500);
    lg = get_ok("/api/lg/1_ZURIrouter");
    routes = field(lg, "routes");
    ck_assert_uint_eq(json_object_array_length(routes), 1);
    first = json_object_array_get_idx(routes, 0);
    ck_assert_str_eq(json_object_get_string(field(first, "prefix")),
                     "2.0.0.0/8");
    ck_assert_str_eq(json_object_get_string(field(first, "path")), "2");
    ck_assert_str_eq(json_object_get_string(field(first, "communities")),
                     "1:20");
    ck_assert(json_object_get_boolean(field(first, "best")));
    ck_assert_int_eq(json_object_get_int(field(first, "local_pref")), 100);
    json_object_put(lg);

    /* A router that did not answer: the error, no routes. */
    dash_lg_store(&d, (size_t)node, NULL, NULL,
                  "1_ZURIrouter: vtysh timed out", 2000);
    lg = get_ok("/api/lg/1_ZURIrouter");
    ck_assert_str_eq(json_object_get_string(field(lg, "error")),
                     "1_ZURIrouter: vtysh timed out");
    ck_assert_uint_eq(json_object_array_length(field(lg, "routes")), 0);
    json_object_put(lg);
    /* Garbage from vtysh is no route, not a crash. */
    dash_lg_store(&d, (size_t)node, "{\"routes\":[1,2]}", "not json", NULL,
                  3000);
    lg = get_ok("/api/lg/1_ZURIrouter");
    ck_assert_uint_eq(json_object_array_length(field(lg, "routes")), 0);
    json_object_put(lg);
}
END_TEST

/* FRR's JSON is parsed once, when a fetch is stored: the entry keeps the
 * page's rows rendered (no raw FRR text to parse again), and every request
 * answers the same rows from them. */
START_TEST(test_lg_parsed_once)
{
    int node = dash_lg_node(&d, "2_BASErouter");
    ck_assert_int_ge(node, 0);
    /* 2000 prefixes, as FRR prints them. */
    char *whole = NULL;
    size_t whole_len = 0;
    FILE *f = open_memstream(&whole, &whole_len);
    ck_assert_ptr_nonnull(f);
    fputs("{\"routes\":{", f);
    for (int i = 0; i < 2000; i++) {
        fprintf(f,
                "%s\"%d.%d.0.0/16\":[{\"valid\":true,\"bestpath\":true,"
                "\"path\":\"1 %d\",\"nexthops\":[{\"ip\":\"179.1.2.1\"}]}]",
                i ? "," : "", 10 + i / 256, i % 256, 100 + i);
    }
    fputs("}}", f);
    ck_assert_int_eq(fclose(f), 0);
    dash_lg_store(&d, (size_t)node, whole, "{\"neighbors\":{}}", NULL, 1000);
    free(whole);

    /* Rendered at the store: the rows as the API gives them. */
    const struct dash_lg *lg = &d.lg[node];
    ck_assert_ptr_nonnull(lg->routes);
    ck_assert_uint_eq(strlen(lg->routes), lg->routes_len);
    json_object *rows = json_tokener_parse(lg->routes);
    ck_assert_ptr_nonnull(rows);
    ck_assert_uint_eq(json_object_array_length(rows), 2000);
    json_object_put(rows);
    ck_assert_str_eq(lg->ospf, "[]");

    /* Two requests: the same body, well-formed, every row there. */
    unsigned status[2];
    const char *type;
    size_t len[2];
    char *body[2];
    for (int i = 0; i < 2; i++) {
        body[i] = dash_answer(&d, "/api/lg/2_BASErouter", &status[i], &type,
                              &len[i]);
        ck_assert_uint_eq(status[i], 200);
        ck_assert_uint_eq(strlen(body[i]), len[i]);
    }
    json_object *a = json_tokener_parse(body[0]);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(json_object_array_length(field(a, "routes")), 2000);
    ck_assert_uint_eq(json_object_array_length(field(a, "ospf_neighbours")),
                      0);
    json_object *last = json_object_array_get_idx(field(a, "routes"), 1999);
    ck_assert_str_eq(json_object_get_string(field(last, "path")), "1 2099");
    ck_assert_str_eq(json_object_get_string(field(a, "router")),
                     "2_BASErouter");
    json_object_put(a);
    /* The same rows both times ("age" aside: a second may pass). */
    const char *r0 = strstr(body[0], "\"routes\"");
    const char *r1 = strstr(body[1], "\"routes\"");
    ck_assert_ptr_nonnull(r0);
    ck_assert_ptr_nonnull(r1);
    ck_assert_int_eq(strncmp(r0, r1, lg->routes_len), 0);
    free(body[0]);
    free(body[1]);

    /* A request copies the rendered rows and parses nothing: rows put in
     * the cache by hand are what it answers. */
    pthread_mutex_lock(&d.lock);
    free(d.lg[node].routes);
    d.lg[node].routes = xstrdup("[{\"prefix\":\"192.0.2.0/24\"}]");
    d.lg[node].routes_len = strlen(d.lg[node].routes);
    pthread_mutex_unlock(&d.lock);
    char *again =
        dash_answer(&d, "/api/lg/2_BASErouter", &status[0], &type, &len[0]);
    ck_assert_uint_eq(status[0], 200);
    a = json_tokener_parse(again);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(json_object_array_length(field(a, "routes")), 1);
    ck_assert_str_eq(
        json_object_get_string(
            field(json_object_array_get_idx(field(a, "routes"), 0), "prefix")),
        "192.0.2.0/24");
    json_object_put(a);
    free(again);
}
END_TEST

/* When a server's round is judged late (shown grey): after the period, at
 * least DASH_LATE_MIN_S, or twice its last answered round when that is
 * longer -- a slow server is not greyed at every round. */
START_TEST(test_late_after)
{
    const unsigned lim = DASH_ROUND_LIMIT_S;
    ck_assert(dash_late_after(60, 0, lim) == 60.0);
    ck_assert(dash_late_after(2, 0, lim) == DASH_LATE_MIN_S);
    ck_assert(dash_late_after(2, 0.5, lim) == DASH_LATE_MIN_S);
    ck_assert(dash_late_after(60, 25, lim) == 60.0);
    /* class-60's rounds take 25-37 s: late after twice the last one, at
     * most DASH_LATE_MAX_S (a 37 s round still ends before it). */
    ck_assert(dash_late_after(20, 25, lim) == 50.0);
    ck_assert(dash_late_after(60, 37.4, lim) == DASH_LATE_MAX_S);
    ck_assert(dash_late_after(2, 15, lim) == 30.0);
    ck_assert(dash_late_after(30, 16, lim) == 32.0);
    /* Never later than half the round's limit: a slow last round or a
     * long period still marks a server that hangs before its call fails. */
    ck_assert(dash_late_after(60, 45, lim) == DASH_LATE_MAX_S);
    ck_assert(dash_late_after(300, 0, lim) == DASH_LATE_MAX_S);
    ck_assert(dash_late_after(2, 200, lim) == DASH_LATE_MAX_S);
    /* A shorter limit (--round-limit 40 at --period 3, the least serve
     * takes there): the late time still starts at DASH_LATE_MIN_S, and a
     * slow last round makes it at most half the limit. */
    ck_assert(dash_late_after(3, 0, 40) == DASH_LATE_MIN_S);
    ck_assert(dash_late_after(3, 15, 40) == 20.0);
    ck_assert(dash_late_after(3, 30, 50) == 25.0);
    ck_assert(dash_late_after(30, 0, 60) == 30.0);
    /* A longer one: DASH_LATE_MAX_S still bounds it. */
    ck_assert(dash_late_after(300, 0, 3600) == DASH_LATE_MAX_S);
    ck_assert(dash_late_after(2, 200, 3600) == DASH_LATE_MAX_S);
}
END_TEST

/* serve --round-limit: whole seconds, at most DASH_ROUND_LIMIT_MAX_S and
 * at least twice the late time before any round (the period within
 * DASH_LATE_MIN_S..DASH_LATE_MAX_S); a bad value is refused with a message
 * naming the option and the values, the limit untouched. */
static void
limit_refused(const char *text, unsigned period, const char *says)
{
    unsigned limit = 77;
    char *why = NULL;
    ck_assert_int_eq(dash_round_limit(text, period, &limit, &why), -1);
    ck_assert_uint_eq(limit, 77);
    ck_assert_ptr_nonnull(why);
    if (!strstr(why, "--round-limit") || !strstr(why, says)) {
        ck_abort_msg("--round-limit %s (--period %u): \"%s\" does not say "
                     "\"%s\"",
                     text, period, why, says);
    }
    free(why);
}

static unsigned
limit_taken(const char *text, unsigned period)
{
    unsigned limit = 0;
    char *why = NULL;
    ck_assert_int_eq(dash_round_limit(text, period, &limit, &why), 0);
    ck_assert_ptr_null(why);
    return limit;
}

START_TEST(test_round_limit)
{
    ck_assert_uint_eq(DASH_ROUND_LIMIT_S, 120);
    ck_assert_uint_eq(limit_taken("120", 60), 120);
    ck_assert_uint_eq(limit_taken("120", 86400), 120);
    ck_assert_uint_eq(limit_taken("40", 3), 40);
    ck_assert_uint_eq(limit_taken("40", 20), 40);
    ck_assert_uint_eq(limit_taken("60", 30), 60);
    ck_assert_uint_eq(limit_taken("3600", 1), 3600);
    /* Below twice the late time: both values named. */
    limit_refused("39", 3,
                  "--round-limit 39: must be at least twice the "
                  "late time, 2 x 20 s = 40 s (with --period 3");
    limit_refused("30", 1, "2 x 20 s = 40 s");
    limit_refused("59", 30, "2 x 30 s = 60 s (with --period 30");
    limit_refused("119", 300, "2 x 60 s = 120 s (with --period 300");
    /* Not whole seconds, or beyond the bounds. */
    limit_refused("3601", 60,
                  "--round-limit 3601: expected whole seconds, "
                  "120..3600");
    limit_refused("0", 3, "expected whole seconds, 40..3600");
    limit_refused("-40", 3, "expected whole seconds");
    limit_refused("", 3, "expected whole seconds");
    limit_refused("40s", 3, "--round-limit 40s: expected");
    limit_refused("4e1", 3, "expected whole seconds");
    limit_refused(" 40x", 3, "expected whole seconds");
    limit_refused("99999999999999999999", 3, "expected whole seconds");
}
END_TEST

/* The looking-glass thread's choice: only wanted routers, never one
 * fetched less than DASH_LG_MAX_AGE ago, the oldest first, wanted-ness
 * expiring after DASH_LG_WANT_TTL; when nothing is due, when to wake. */
START_TEST(test_lg_schedule)
{
    size_t zuri = (size_t)dash_lg_node(&d, "1_ZURIrouter");
    size_t base = (size_t)dash_lg_node(&d, "1_BASErouter");
    size_t gene = (size_t)dash_lg_node(&d, "1_GENErouter");
    time_t t = 100000, wake = -1;

    /* Nobody asked: nothing to fetch, nothing to wake for. */
    ck_assert_int_eq(dash_lg_next(&d, t, &wake), -1);
    ck_assert_int_eq(wake, 0);

    /* Two requests for never-fetched routers: both stale, the lower node
     * first; a burst of requests for one router is still one fetch. */
    ck_assert(dash_lg_want(&d, base, t));
    for (int i = 0; i < 50; i++) {
        ck_assert(dash_lg_want(&d, zuri, t));
    }
    int first = dash_lg_next(&d, t, &wake);
    ck_assert_int_eq(first, (int)(zuri < base ? zuri : base));
    ck_assert_int_eq(wake, t);
    dash_lg_store(&d, (size_t)first, "{}", "{}", NULL, t);
    int second = dash_lg_next(&d, t, NULL);
    ck_assert_int_eq(second, (int)(zuri < base ? base : zuri));
    dash_lg_store(&d, (size_t)second, NULL, NULL, "timed out", t + 5);
    /* Both fresh (an error counts as a fetch): nothing until the first
     * turns DASH_LG_MAX_AGE old, whatever the requests. */
    ck_assert(!dash_lg_want(&d, zuri, t + 10));
    ck_assert_int_eq(dash_lg_next(&d, t + 10, &wake), -1);
    ck_assert_int_eq(wake, t + DASH_LG_MAX_AGE);
    ck_assert_int_eq(dash_lg_next(&d, t + DASH_LG_MAX_AGE - 1, NULL), -1);
    ck_assert_int_eq(dash_lg_next(&d, t + DASH_LG_MAX_AGE, NULL), first);
    dash_lg_store(&d, (size_t)first, "{}", "{}", NULL, t + DASH_LG_MAX_AGE);
    ck_assert_int_eq(dash_lg_next(&d, t + DASH_LG_MAX_AGE + 5, NULL), second);
    dash_lg_store(&d, (size_t)second, "{}", "{}", NULL,
                  t + DASH_LG_MAX_AGE + 5);

    /* Of two stale ones, the one fetched longest ago first. */
    ck_assert(dash_lg_want(&d, zuri, t + 200));
    ck_assert(dash_lg_want(&d, base, t + 200));
    ck_assert(dash_lg_want(&d, gene, t + 200)); /* never fetched */
    ck_assert_int_eq(dash_lg_next(&d, t + 200, NULL), (int)gene);
    dash_lg_store(&d, gene, "{}", "{}", NULL, t + 200);
    ck_assert_int_eq(dash_lg_next(&d, t + 200, NULL), first);

    /* Nobody looked for DASH_LG_WANT_TTL: no longer fetched, and nothing
     * to wake for, until somebody asks again. */
    time_t late = t + 200 + DASH_LG_WANT_TTL;
    ck_assert_int_eq(dash_lg_next(&d, late, &wake), -1);
    ck_assert_int_eq(wake, 0);
    /* ... and its data is dropped: pending again when next asked. */
    ck_assert(dash_lg_stale(&d, base, late));
    json_object *lg = get_ok("/api/lg/1_BASErouter");
    ck_assert(json_object_get_boolean(field(lg, "pending")));
    json_object_put(lg);
    ck_assert(dash_lg_want(&d, base, late));
    ck_assert_int_eq(dash_lg_next(&d, late, NULL), (int)base);
    ck_assert_int_eq(dash_lg_next(&d, late + DASH_LG_WANT_TTL - 1, NULL),
                     (int)base);
    ck_assert_int_eq(dash_lg_next(&d, late + DASH_LG_WANT_TTL, NULL), -1);
}
END_TEST

START_TEST(test_not_found)
{
    static const char *const urls[] = {"/nosuch",
                                       "/api",
                                       "/api/",
                                       "/api/lg/",
                                       "/api/lg/1_ZURIhost",
                                       "/api/lg/../etc/passwd",
                                       "/api/matrix/x",
                                       "/index.html",
                                       "/../x"};

    for (size_t i = 0; i < ARRAY_SIZE(urls); i++) {
        unsigned status = 0;
        const char *type = NULL;
        json_object *o = get(urls[i], &status, &type);
        ck_assert_msg(status == 404, "%s: %u", urls[i], status);
        ck_assert_str_eq(type, "application/json");
        ck_assert_ptr_nonnull(o);
        ck_assert(json_object_is_type(field(o, "error"), json_type_string));
        json_object_put(o);
    }
}
END_TEST

START_TEST(test_files)
{
    unsigned status = 0;
    const char *type = NULL;
    size_t len = 0;

    testutil_capture_begin();
    ck_assert_int_lt(dash_load_files(&d, "/nonexistent-www"), 0);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "/nonexistent-www"));

    ck_assert_int_eq(dash_load_files(&d, testutil_srcpath("www")), 0);
    char *page = dash_answer(&d, "/", &status, &type, &len);
    ck_assert_uint_eq(status, 200);
    ck_assert_str_eq(type, "text/html; charset=utf-8");
    ck_assert_ptr_nonnull(strstr(page, "<script src=\"/dash.js\""));
    /* No script from elsewhere. */
    ck_assert_ptr_null(strstr(page, "http"));
    free(page);
    char *js = dash_answer(&d, "/dash.js", &status, &type, &len);
    ck_assert_uint_eq(status, 200);
    ck_assert_str_eq(type, "text/javascript; charset=utf-8");
    ck_assert_ptr_nonnull(strstr(js, "/api/matrix"));
    free(js);
    char *svg = dash_answer(&d, "/topology.svg", &status, &type, &len);
    ck_assert_uint_eq(status, 200);
    ck_assert_str_eq(type, "image/svg+xml");
    ck_assert_ptr_nonnull(strstr(svg, "id=\"as-4\""));
    free(svg);
}
END_TEST

/* Each AS's matrix host is probed at its data-plane address: with student
 * access (course.cfg is small.cfg with AS 3 and 4's groups), not at its
 * management address 158.AS.x.y, although its management link comes
 * after every other link; the same hosts and addresses as small.cfg's. */
START_TEST(test_hosts_not_mgmt)
{
    struct plan *small = testutil_plan_file("configs/small.cfg");
    struct plan *course = testutil_plan_file("configs/course.cfg");
    struct check_hosts hs, hc;

    check_hosts_find(plan_view(small), &hs);
    check_hosts_find(plan_view(course), &hc);
    ck_assert(plan_has_mgmt(plan_view(course)));
    ck_assert_uint_gt(hs.n, 0);
    ck_assert_uint_eq(hc.n, hs.n);
    for (size_t i = 0; i < hc.n; i++) {
        char a[32], b[32];
        plan_format_addr(&hc.addrs[i], true, a, sizeof a);
        plan_format_addr(&hs.addrs[i], true, b, sizeof b);
        ck_assert_uint_eq(hc.asns[i], hs.asns[i]);
        ck_assert_msg(!strcmp(a, b), "AS %u: %s, not %s", hc.asns[i], a, b);
        ck_assert_msg(strncmp(a, "158.", 4), "AS %u: %s", hc.asns[i], a);
    }
    check_hosts_free(&hs);
    check_hosts_free(&hc);
    plan_free(small);
    plan_free(course);
}
END_TEST

static Suite *
dashboard_suite(void)
{
    Suite *s = suite_create("dashboard");
    TCase *tc = tcase_create("api");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_matrix_before_any_round);
    tcase_add_test(tc, test_matrix_round);
    tcase_add_test(tc, test_matrix_valley);
    tcase_add_test(tc, test_server_stops_answering);
    tcase_add_test(tc, test_status);
    tcase_add_test(tc, test_routers_and_lg);
    tcase_add_test(tc, test_lg_parsed_once);
    tcase_add_test(tc, test_late_after);
    tcase_add_test(tc, test_round_limit);
    tcase_add_test(tc, test_lg_schedule);
    tcase_add_test(tc, test_not_found);
    tcase_add_test(tc, test_files);
    suite_add_tcase(s, tc);

    TCase *hosts_tc = tcase_create("hosts");
    tcase_add_test(hosts_tc, test_hosts_not_mgmt);
    suite_add_tcase(s, hosts_tc);

    TCase *multi = tcase_create("servers");
    tcase_add_checked_fixture(multi, setup_multi, teardown);
    tcase_add_test(multi, test_servers_on_their_own);
    suite_add_tcase(s, multi);
    return s;
}

int
main(void)
{
    return testutil_run(dashboard_suite());
}
