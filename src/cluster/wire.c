/* The server <-> master replies: one encoder and one decoder each (wire.h).
 */
#include "config.h"

#include "wire.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "snapshot.h"
#include "util.h"

void
wire_print(json_object *o, bool pretty)
{
    puts(json_object_to_json_string_ext(o, pretty ? JSON_C_TO_STRING_PRETTY
                                                  : JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
}

/* ------------------------------------------------------------------------ */
/* Encoding                                                                 */

static void
add_string(json_object *o, const char *key, const char *value)
{
    json_object_object_add(o, key, json_object_new_string(value));
}

static void
add_uint(json_object *o, const char *key, unsigned value)
{
    json_object_object_add(o, key, json_object_new_int64(value));
}

/* "cpu_seconds", when said. */
static void
add_cpu(json_object *o, double seconds)
{
    if (seconds > 0) {
        json_object_object_add(o, "cpu_seconds",
                               json_object_new_double(seconds));
    }
}

static void
add_bool(json_object *o, const char *key, bool value)
{
    json_object_object_add(o, key, json_object_new_boolean(value));
}

static json_object *
strings_encode(char *const *v, size_t n)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        json_object_array_add(a, json_object_new_string(v[i]));
    }
    return a;
}

static void
add_bgp(json_object *o, unsigned established, unsigned expected)
{
    json_object *b = json_object_new_object();
    add_uint(b, "established", established);
    add_uint(b, "expected", expected);
    json_object_object_add(o, "bgp", b);
}

/* ------------------------------------------------------------------------ */
/* Decoding                                                                 */

/* One reply being decoded: the first problem is reported (naming the
 * server and the field), and every later read gives nothing, so that the
 * decoders read on without checking after each field. */
struct reader {
    const char *who, *verb;
    bool failed;
};

static void refuse(struct reader *, const char *ctx, const char *key,
                   const char *fmt, ...) MI_PRINTF(4, 5);

static void
refuse(struct reader *r, const char *ctx, const char *key, const char *fmt,
       ...)
{
    if (r->failed) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char *what = NULL;
    if (vasprintf(&what, fmt, ap) < 0) {
        what = NULL;
    }
    va_end(ap);
    log_error("%s: refused its `%s` reply: \"%s%s%s\" %s", r->who, r->verb,
              ctx, *ctx && *key ? "." : "", key, what ? what : fmt);
    free(what);
    r->failed = true;
}

static const char *
type_text(json_type type)
{
    switch (type) {
    case json_type_boolean:
        return "true or false";
    case json_type_int:
        return "a whole number";
    case json_type_string:
        return "a string";
    case json_type_array:
        return "an array";
    default:
        return "an object";
    }
}

/* Member `key` of `o` (whose place in the reply is `ctx`), of `type`. */
static json_object *
member(struct reader *r, json_object *o, const char *ctx, const char *key,
       json_type type)
{
    json_object *v;

    if (r->failed) {
        return NULL;
    }
    if (!json_object_object_get_ex(o, key, &v)) {
        refuse(r, ctx, key, "is missing");
        return NULL;
    }
    if (!json_object_is_type(v, type)) {
        refuse(r, ctx, key, "is not %s", type_text(type));
        return NULL;
    }
    return v;
}

static char *
get_string(struct reader *r, json_object *o, const char *ctx, const char *key)
{
    json_object *v = member(r, o, ctx, key, json_type_string);
    return v ? xstrdup(json_object_get_string(v)) : NULL;
}

static unsigned
uint_of(struct reader *r, json_object *v, const char *ctx, const char *key)
{
    int64_t x = v ? json_object_get_int64(v) : 0;
    if (x < 0 || x > UINT_MAX) {
        refuse(r, ctx, key, "is out of range (%lld)", (long long)x);
        return 0;
    }
    return (unsigned)x;
}

static unsigned
get_uint(struct reader *r, json_object *o, const char *ctx, const char *key)
{
    return uint_of(r, member(r, o, ctx, key, json_type_int), ctx, key);
}

/* Optional "cpu_seconds": 0 when absent; a number of 0 to 1e6. */
static double
get_cpu(struct reader *r, json_object *o, const char *ctx)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, "cpu_seconds", &v)) {
        return 0;
    }
    if (!json_object_is_type(v, json_type_double) &&
        !json_object_is_type(v, json_type_int)) {
        refuse(r, ctx, "cpu_seconds", "is not a number");
        return 0;
    }
    double x = json_object_get_double(v);
    if (!(x >= 0 && x <= 1e6)) {
        refuse(r, ctx, "cpu_seconds", "is %g, not 0 to 1e6", x);
        return 0;
    }
    return x;
}

static bool
get_bool(struct reader *r, json_object *o, const char *ctx, const char *key)
{
    json_object *v = member(r, o, ctx, key, json_type_boolean);
    return v && json_object_get_boolean(v);
}

/* Array `key`: its length, the array in *out. */
static size_t
get_array(struct reader *r, json_object *o, const char *ctx, const char *key,
          json_object **out)
{
    *out = member(r, o, ctx, key, json_type_array);
    return *out ? json_object_array_length(*out) : 0;
}

/* Element i of `array` (named `key` at `ctx`), of `type`; its place in the
 * reply ("nodes[3]") in where[len]. */
static json_object *
element(struct reader *r, json_object *array, const char *ctx, const char *key,
        size_t i, json_type type, char *where, size_t len)
{
    snprintf(where, len, "%s%s%s[%zu]", ctx, *ctx ? "." : "", key, i);
    if (r->failed) {
        return NULL;
    }
    json_object *v = json_object_array_get_idx(array, i); /* NULL: null */
    if (!json_object_is_type(v, type)) {
        refuse(r, where, "", "is not %s", type_text(type));
        return NULL;
    }
    return v;
}

/* Reads one element of an array of objects: `o` at `where` into `elem`. */
typedef void elem_fn(struct reader *, json_object *o, const char *where,
                     void *elem);

/* Array `key` of objects, each read by `read` into a new array of zeroed
 * `size`-byte elements; its length in *n. */
static void *
get_objects(struct reader *r, json_object *o, const char *ctx, const char *key,
            size_t size, size_t *n, elem_fn *read)
{
    json_object *a;
    char where[128];

    *n = get_array(r, o, ctx, key, &a);
    char *v = xcalloc(*n + 1, size);
    for (size_t i = 0; i < *n; i++) {
        json_object *e =
            element(r, a, ctx, key, i, json_type_object, where, sizeof where);
        read(r, e, where, v + i * size);
    }
    return v;
}

static char **
get_strings(struct reader *r, json_object *o, const char *ctx, const char *key,
            size_t *n)
{
    json_object *a;
    char where[128];

    *n = get_array(r, o, ctx, key, &a);
    char **v = xcalloc(*n + 1, sizeof *v);
    for (size_t i = 0; i < *n; i++) {
        json_object *s =
            element(r, a, ctx, key, i, json_type_string, where, sizeof where);
        v[i] = s ? xstrdup(json_object_get_string(s)) : NULL;
    }
    return v;
}

static void
free_strings(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i]);
    }
    free(v);
}

static void
get_bgp(struct reader *r, json_object *o, const char *ctx,
        unsigned *established, unsigned *expected)
{
    json_object *b = member(r, o, ctx, "bgp", json_type_object);
    char where[128];

    snprintf(where, sizeof where, "%s%sbgp", ctx, *ctx ? "." : "");
    *established = get_uint(r, b, where, "established");
    *expected = get_uint(r, b, where, "expected");
}

/* The reply as a JSON object, or NULL after an error. */
static json_object *
parse(struct reader *r, const char *text)
{
    enum json_tokener_error error = json_tokener_success;

    if (!text || !text[strspn(text, " \t\r\n")]) {
        log_error("%s: `%s` gave no answer", r->who, r->verb);
        return NULL;
    }
    json_object *o = json_tokener_parse_verbose(text, &error);
    if (error != json_tokener_success) {
        log_error("%s: refused its `%s` reply: not JSON (%s)", r->who, r->verb,
                  json_tokener_error_desc(error));
    } else if (!json_object_is_type(o, json_type_object)) { /* or null */
        log_error("%s: refused its `%s` reply: not a JSON object", r->who,
                  r->verb);
        json_object_put(o);
        o = NULL;
    }
    return o;
}

/* The reply's "server" field names the server asked (a reply relayed from
 * somewhere else, or a mix-up of servers, would merge wrong rows). */
static char *
get_server(struct reader *r, json_object *o)
{
    char *server = get_string(r, o, "", "server");
    if (server && strcmp(server, r->who) != 0) {
        refuse(r, "", "server", "is %s", server);
    }
    return server;
}

/* Decodes `text`, the `verb` reply of server `who`, into `out` (zeroed
 * first) with `read`; a refused reply is released again. */
static int
decode(const char *text, const char *who, const char *verb, void *out,
       size_t size, void (*read)(struct reader *, json_object *, void *),
       void (*release)(void *))
{
    struct reader r = {.who = who, .verb = verb};

    memset(out, 0, size);
    json_object *o = parse(&r, text);
    if (!o) {
        return -EINVAL;
    }
    read(&r, o, out);
    json_object_put(o);
    if (r.failed) {
        release(out);
        return -EINVAL;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* access                                                                   */

json_object *
wire_access_encode(const struct wire_access *a)
{
    json_object *o = json_object_new_object();
    json_object *groups = json_object_new_array();

    add_string(o, "network", a->network);
    if (a->server) {
        add_string(o, "server", a->server);
    }
    for (size_t i = 0; i < a->n_groups; i++) {
        const struct wire_access_group *g = &a->groups[i];
        json_object *e = json_object_new_object();
        add_uint(e, "asn", g->asn);
        add_string(e, "server", g->server);
        add_string(e, "address", g->address);
        add_uint(e, "port", g->port);
        add_string(e, "user", g->user);
        add_string(e, "password", g->password);
        json_object_array_add(groups, e);
    }
    json_object_object_add(o, "groups", groups);
    return o;
}

static void
access_group_read(struct reader *r, json_object *o, const char *where,
                  void *elem)
{
    struct wire_access_group *g = elem;

    g->asn = get_uint(r, o, where, "asn");
    g->server = get_string(r, o, where, "server");
    g->address = get_string(r, o, where, "address");
    g->port = get_uint(r, o, where, "port");
    g->user = get_string(r, o, where, "user");
    g->password = get_string(r, o, where, "password");
    if (g->server && strcmp(g->server, r->who) != 0) {
        refuse(r, where, "server", "is not the server that answered");
    } else if (!r->failed && (g->port < 1 || g->port > 65535)) {
        refuse(r, where, "port", "is not a port (1..65535)");
    } else if (g->password && !*g->password) {
        refuse(r, where, "password", "is empty");
    }
}

static void
access_read(struct reader *r, json_object *o, void *out)
{
    struct wire_access *a = out;

    a->network = get_string(r, o, "", "network");
    a->server = get_server(r, o);
    a->groups = get_objects(r, o, "", "groups", sizeof *a->groups,
                            &a->n_groups, access_group_read);
}

static void
access_release(void *a)
{
    wire_access_free(a);
}

int
wire_access_decode(const char *text, const char *who, struct wire_access *a)
{
    return decode(text, who, "access", a, sizeof *a, access_read,
                  access_release);
}

void
wire_access_free(struct wire_access *a)
{
    for (size_t i = 0; a->groups && i < a->n_groups; i++) {
        struct wire_access_group *g = &a->groups[i];
        free(g->server);
        free(g->address);
        free(g->user);
        if (g->password) {
            explicit_bzero(g->password, strlen(g->password));
            free(g->password);
        }
    }
    free(a->groups);
    free(a->network);
    free(a->server);
    memset(a, 0, sizeof *a);
}

/* ------------------------------------------------------------------------ */
/* check                                                                    */

json_object *
wire_check_encode(const struct wire_check *c)
{
    json_object *o = json_object_new_object();
    json_object *failed = json_object_new_array();

    add_string(o, "network", c->network);
    if (c->server) {
        add_string(o, "server", c->server);
    }
    add_uint(o, "pairs", c->pairs);
    add_uint(o, "reachable", c->reachable);
    for (size_t i = 0; i < c->n_failed; i++) {
        json_object *f = json_object_new_object();
        add_uint(f, "from", c->failed[i].from);
        add_uint(f, "to", c->failed[i].to);
        json_object_array_add(failed, f);
    }
    json_object_object_add(o, "failed", failed);
    if (c->n_valley) {
        json_object *valley = json_object_new_array();
        for (size_t i = 0; i < c->n_valley; i++) {
            json_object *v = json_object_new_object();
            add_uint(v, "from", c->valley[i].from);
            add_uint(v, "to", c->valley[i].to);
            json_object_array_add(valley, v);
        }
        json_object_object_add(o, "valley", valley);
    }
    add_bgp(o, c->established, c->expected);
    add_cpu(o, c->cpu_seconds);
    return o;
}

/* The counts agree with each other: the master sums them. */
static void
check_consistent(struct reader *r, const struct wire_check *c)
{
    if (c->reachable > c->pairs) {
        refuse(r, "", "reachable", "is %u, more than the %u pairs",
               c->reachable, c->pairs);
    } else if (c->n_failed != c->pairs - c->reachable) {
        refuse(r, "", "failed", "lists %zu pairs, not pairs - reachable = %u",
               c->n_failed, c->pairs - c->reachable);
    } else if (c->n_valley > c->reachable) {
        refuse(r, "", "valley", "lists %zu pairs, more than the %u reachable",
               c->n_valley, c->reachable);
    } else if (c->established > c->expected) {
        refuse(r, "bgp", "established", "is %u, more than the %u expected",
               c->established, c->expected);
    }
}

static void
pair_read(struct reader *r, json_object *o, const char *where, void *elem)
{
    struct wire_pair *f = elem;
    f->from = get_uint(r, o, where, "from");
    f->to = get_uint(r, o, where, "to");
}

static void
check_read(struct reader *r, json_object *o, void *out)
{
    struct wire_check *c = out;

    c->network = get_string(r, o, "", "network");
    c->server = get_server(r, o);
    c->pairs = get_uint(r, o, "", "pairs");
    c->reachable = get_uint(r, o, "", "reachable");
    c->failed = get_objects(r, o, "", "failed", sizeof *c->failed,
                            &c->n_failed, pair_read);
    if (json_object_object_get_ex(o, "valley", NULL)) {
        c->valley = get_objects(r, o, "", "valley", sizeof *c->valley,
                                &c->n_valley, pair_read);
    }
    get_bgp(r, o, "", &c->established, &c->expected);
    c->cpu_seconds = get_cpu(r, o, "");
    if (!r->failed) {
        check_consistent(r, c);
    }
}

static void
check_release(void *c)
{
    wire_check_free(c);
}

int
wire_check_decode(const char *text, const char *who, struct wire_check *c)
{
    return decode(text, who, "check", c, sizeof *c, check_read, check_release);
}

void
wire_check_free(struct wire_check *c)
{
    free(c->network);
    free(c->server);
    free(c->failed);
    free(c->valley);
    memset(c, 0, sizeof *c);
}

bool
wire_check_ok(const struct wire_check *c)
{
    return c->reachable == c->pairs && c->n_failed == 0 &&
           c->established >= c->expected;
}

unsigned char *
wire_matrix_new(const struct check_hosts *h)
{
    unsigned char *cells = xmalloc(h->n * h->n + 1);
    memset(cells, CELL_UNKNOWN, h->n * h->n);
    return cells;
}

/* The host of AS `asn` (on `server`, or on any when server is UINT_MAX);
 * -1 if none. */
static long
host_of(const struct check_hosts *h, unsigned asn, unsigned server)
{
    for (size_t a = 0; a < h->n; a++) {
        if (h->asns[a] == asn &&
            (server == UINT_MAX || h->servers[a] == server)) {
            return (long)a;
        }
    }
    return -1;
}

/* Whether every failed pair of the reply is one of server's pairs. */
static bool
merge_fits(const struct check_hosts *h, unsigned server,
           const struct wire_check *reply)
{
    size_t rows = 0;
    for (size_t a = 0; a < h->n; a++) {
        rows += h->servers[a] == server;
    }
    size_t want = h->n ? rows * (h->n - 1) : 0;
    if (reply->pairs != want) {
        log_error("%s: `check` probed %u pairs, %zu here: is its topology "
                  "file the same?",
                  reply->server, reply->pairs, want);
        return false;
    }
    for (size_t k = 0; k < reply->n_failed + reply->n_valley; k++) {
        bool failed = k < reply->n_failed;
        const struct wire_pair *f =
            failed ? &reply->failed[k] : &reply->valley[k - reply->n_failed];
        long a = host_of(h, f->from, server), b = host_of(h, f->to, UINT_MAX);
        if (a < 0 || b < 0 || a == b) {
            log_error("%s: `check` reports AS %u -> AS %u %s, which is "
                      "not one of its pairs: is its topology file the same?",
                      reply->server, f->from, f->to,
                      failed ? "failed" : "over a valley");
            return false;
        }
        for (size_t j = 0; !failed && j < reply->n_failed; j++) {
            if (reply->failed[j].from == f->from &&
                reply->failed[j].to == f->to) {
                log_error("%s: `check` reports AS %u -> AS %u both failed "
                          "and reachable over a valley",
                          reply->server, f->from, f->to);
                return false;
            }
        }
    }
    return true;
}

int
wire_check_merge(const struct check_hosts *h, unsigned server,
                 const struct wire_check *reply, unsigned char *cells)
{
    size_t n = h->n;

    if (!merge_fits(h, server, reply)) {
        return -EINVAL;
    }
    for (size_t a = 0; a < n; a++) {
        for (size_t b = 0; h->servers[a] == server && b < n; b++) {
            cells[a * n + b] = a != b ? CELL_YES : CELL_NO;
        }
    }
    for (size_t k = 0; k < reply->n_failed; k++) {
        const struct wire_pair *f = &reply->failed[k];
        cells[(size_t)host_of(h, f->from, server) * n +
              (size_t)host_of(h, f->to, UINT_MAX)] = CELL_NO;
    }
    for (size_t k = 0; k < reply->n_valley; k++) {
        const struct wire_pair *v = &reply->valley[k];
        cells[(size_t)host_of(h, v->from, server) * n +
              (size_t)host_of(h, v->to, UINT_MAX)] = CELL_VALLEY;
    }
    return 0;
}

void
wire_check_tally(const struct check_hosts *h, const unsigned char *cells,
                 struct wire_check *out)
{
    size_t n = h->n;

    out->pairs = out->reachable = 0;
    out->n_failed = out->n_valley = 0;
    out->failed = xcalloc(n * n + 1, sizeof *out->failed);
    out->valley = xcalloc(n * n + 1, sizeof *out->valley);
    for (size_t a = 0; a < n; a++) {
        for (size_t b = 0; b < n; b++) {
            if (a == b) {
                continue;
            }
            out->pairs++;
            if (cells[a * n + b] == CELL_YES) {
                out->reachable++;
            } else if (cells[a * n + b] == CELL_VALLEY) {
                out->reachable++;
                out->valley[out->n_valley++] =
                    (struct wire_pair){h->asns[a], h->asns[b]};
            } else {
                out->failed[out->n_failed++] =
                    (struct wire_pair){h->asns[a], h->asns[b]};
            }
        }
    }
}

/* ------------------------------------------------------------------------ */
/* status                                                                   */

static json_object *
node_encode(const struct wire_node *n)
{
    json_object *o = json_object_new_object();
    json_object *ifs = json_object_new_array();

    add_string(o, "name", n->name);
    add_string(o, "kind", n->kind);
    add_string(o, "server", n->server);
    add_string(o, "state", n->up ? "up" : "missing");
    if (n->damaged) {
        add_bool(o, "damaged", true);
    }
    if (n->handle) {
        add_string(o, "handle", n->handle);
    }
    for (size_t i = 0; i < n->n_interfaces; i++) {
        const struct wire_interface *w = &n->interfaces[i];
        json_object *jif = json_object_new_object();
        add_string(jif, "name", w->name);
        add_bool(jif, "up", w->up);
        json_object_object_add(jif, "addresses",
                               strings_encode(w->addresses, w->n_addresses));
        if (w->link) {
            add_string(jif, "link", w->link);
        }
        json_object_array_add(ifs, jif);
    }
    json_object_object_add(o, "interfaces", ifs);
    if (n->bgp) {
        add_bgp(o, n->established, n->expected);
    }
    return o;
}

json_object *
wire_status_encode(const struct wire_status *s)
{
    json_object *o = json_object_new_object();
    json_object *nodes = json_object_new_array();

    add_string(o, "network", s->network);
    add_string(o, "server", s->server);
    add_bool(o, "complete", s->complete);
    for (size_t i = 0; i < s->n_nodes; i++) {
        json_object_array_add(nodes, node_encode(&s->nodes[i]));
    }
    json_object_object_add(o, "nodes", nodes);
    if (s->n_damage) {
        json_object_object_add(o, "damage",
                               strings_encode(s->damage, s->n_damage));
    }
    if (s->n_not_restored) {
        json_object_object_add(
            o, "not_restored",
            strings_encode(s->not_restored, s->n_not_restored));
    }
    add_cpu(o, s->cpu_seconds);
    return o;
}

static void
interface_read(struct reader *r, json_object *o, const char *where, void *elem)
{
    struct wire_interface *w = elem;
    w->name = get_string(r, o, where, "name");
    w->up = get_bool(r, o, where, "up");
    w->addresses = get_strings(r, o, where, "addresses", &w->n_addresses);
    if (o && json_object_object_get_ex(o, "link", NULL)) {
        w->link = get_string(r, o, where, "link");
    }
}

static void
node_read(struct reader *r, json_object *o, const char *ctx, void *elem)
{
    struct wire_node *n = elem;

    n->name = get_string(r, o, ctx, "name");
    n->kind = get_string(r, o, ctx, "kind");
    n->server = get_string(r, o, ctx, "server");
    char *state = get_string(r, o, ctx, "state");
    if (state && strcmp(state, "up") != 0 && strcmp(state, "missing") != 0) {
        refuse(r, ctx, "state", "is \"%s\", not \"up\" or \"missing\"", state);
    }
    n->up = state && !strcmp(state, "up");
    free(state);
    if (o && json_object_object_get_ex(o, "damaged", NULL)) {
        n->damaged = get_bool(r, o, ctx, "damaged");
    }
    if (o && json_object_object_get_ex(o, "handle", NULL)) {
        n->handle = get_string(r, o, ctx, "handle");
    }
    n->interfaces = get_objects(r, o, ctx, "interfaces", sizeof *n->interfaces,
                                &n->n_interfaces, interface_read);
    n->bgp = o && json_object_object_get_ex(o, "bgp", NULL);
    if (n->bgp) {
        get_bgp(r, o, ctx, &n->established, &n->expected);
    }
}

static void
status_read(struct reader *r, json_object *o, void *out)
{
    struct wire_status *s = out;

    s->network = get_string(r, o, "", "network");
    s->server = get_server(r, o);
    s->complete = get_bool(r, o, "", "complete");
    s->nodes = get_objects(r, o, "", "nodes", sizeof *s->nodes, &s->n_nodes,
                           node_read);
    /* Optional: a server before damage reports none. */
    if (o && json_object_object_get_ex(o, "damage", NULL)) {
        s->damage = get_strings(r, o, "", "damage", &s->n_damage);
    }
    /* Optional: a server before marks reports none. */
    if (o && json_object_object_get_ex(o, "not_restored", NULL)) {
        s->not_restored =
            get_strings(r, o, "", "not_restored", &s->n_not_restored);
    }
    s->cpu_seconds = get_cpu(r, o, "");
}

static void
status_release(void *s)
{
    wire_status_free(s);
}

int
wire_status_decode(const char *text, const char *who, struct wire_status *s)
{
    return decode(text, who, "status", s, sizeof *s, status_read,
                  status_release);
}

void
wire_status_free(struct wire_status *s)
{
    for (size_t i = 0; s->nodes && i < s->n_nodes; i++) {
        struct wire_node *n = &s->nodes[i];
        for (size_t k = 0; n->interfaces && k < n->n_interfaces; k++) {
            free(n->interfaces[k].name);
            free(n->interfaces[k].link);
            free_strings(n->interfaces[k].addresses,
                         n->interfaces[k].n_addresses);
        }
        free(n->interfaces);
        free(n->name);
        free(n->kind);
        free(n->server);
        free(n->handle);
    }
    free(s->nodes);
    free_strings(s->damage, s->n_damage);
    free_strings(s->not_restored, s->n_not_restored);
    free(s->network);
    free(s->server);
    memset(s, 0, sizeof *s);
}

bool
wire_status_ok(const struct wire_status *s)
{
    for (size_t i = 0; i < s->n_nodes; i++) {
        if (!s->nodes[i].up) {
            return false;
        }
    }
    return s->n_damage == 0 && s->n_not_restored == 0;
}

/* ------------------------------------------------------------------------ */
/* preflight                                                                */

static const char *const record_states[] = {"absent", "up", "partial",
                                            "damaged"};

json_object *
wire_preflight_encode(const struct wire_preflight *f)
{
    json_object *o = json_object_new_object();
    json_object *plugins = json_object_new_array();
    json_object *pmtu = json_object_new_object();

    add_string(o, "server", f->server);
    add_string(o, "version", f->version);
    add_bool(o, "root", f->root);
    for (size_t i = 0; i < f->n_plugins; i++) {
        json_object *pl = json_object_new_object();
        add_string(pl, "kind", f->plugins[i].kind);
        add_string(pl, "name", f->plugins[i].name);
        add_string(pl, "version", f->plugins[i].version);
        json_object_array_add(plugins, pl);
    }
    json_object_object_add(o, "plugins", plugins);
    add_string(o, "state", f->state);
    for (size_t i = 0; i < f->n_pmtu; i++) {
        add_uint(pmtu, f->pmtu[i].peer, f->pmtu[i].mtu);
    }
    json_object_object_add(o, "pmtu", pmtu);
    json_object *ports = json_object_new_array();
    for (size_t i = 0; i < f->n_ports; i++) {
        json_object *po = json_object_new_object();
        add_uint(po, "asn", f->ports[i].asn);
        add_uint(po, "port", f->ports[i].port);
        if (f->ports[i].network) {
            add_string(po, "network", f->ports[i].network);
            add_uint(po, "network_asn", f->ports[i].network_asn);
        }
        json_object_array_add(ports, po);
    }
    json_object_object_add(o, "ports", ports);
    json_object_object_add(o, "errors",
                           strings_encode(f->errors, f->n_errors));
    return o;
}

static void
plugin_read(struct reader *r, json_object *o, const char *where, void *elem)
{
    struct wire_plugin *pl = elem;
    pl->kind = get_string(r, o, where, "kind");
    pl->name = get_string(r, o, where, "name");
    pl->version = get_string(r, o, where, "version");
}

/* Optional string `key`: NULL when absent. */
static char *
get_optional_string(struct reader *r, json_object *o, const char *ctx,
                    const char *key)
{
    return o && json_object_object_get_ex(o, key, NULL)
               ? get_string(r, o, ctx, key)
               : NULL;
}

/* A number from 1 to 65535 (an AS, a port). */
static unsigned
get_port_number(struct reader *r, json_object *o, const char *where,
                const char *key)
{
    unsigned v = get_uint(r, o, where, key);
    if (!r->failed && (v < 1 || v > 65535)) {
        refuse(r, where, key, "is out of range (%u)", v);
    }
    return v;
}

static void
port_read(struct reader *r, json_object *o, const char *where, void *elem)
{
    struct wire_port *p = elem;
    p->asn = get_port_number(r, o, where, "asn");
    p->port = get_port_number(r, o, where, "port");
    p->network = get_optional_string(r, o, where, "network");
    if (p->network && !r->failed) {
        if (!util_valid_name(p->network, 64)) {
            refuse(r, where, "network", "is not a network's name");
        }
        p->network_asn = get_port_number(r, o, where, "network_asn");
    }
}

static void
pmtu_decode(struct reader *r, json_object *o, struct wire_preflight *f)
{
    json_object *pm = member(r, o, "", "pmtu", json_type_object);
    size_t i = 0;

    f->pmtu = xcalloc((pm ? (size_t)json_object_object_length(pm) : 0) + 1,
                      sizeof *f->pmtu);
    if (!pm) {
        return;
    }
    json_object_object_foreach(pm, peer, v)
    {
        if (!json_object_is_type(v, json_type_int)) {
            refuse(r, "pmtu", peer, "is not %s", type_text(json_type_int));
            continue;
        }
        f->pmtu[i].peer = xstrdup(peer);
        f->pmtu[i++].mtu = uint_of(r, v, "pmtu", peer);
    }
    f->n_pmtu = i;
}

static void
state_decode(struct reader *r, json_object *o, struct wire_preflight *f)
{
    f->state = get_string(r, o, "", "state");
    for (size_t i = 0; f->state && i < ARRAY_SIZE(record_states); i++) {
        if (!strcmp(f->state, record_states[i])) {
            return;
        }
    }
    if (f->state) {
        refuse(r, "", "state", "is \"%s\", not absent, up, partial or damaged",
               f->state);
    }
}

static void
preflight_read(struct reader *r, json_object *o, void *out)
{
    struct wire_preflight *f = out;

    f->server = get_server(r, o);
    f->version = get_string(r, o, "", "version");
    f->root = get_bool(r, o, "", "root");
    f->plugins = get_objects(r, o, "", "plugins", sizeof *f->plugins,
                             &f->n_plugins, plugin_read);
    state_decode(r, o, f);
    pmtu_decode(r, o, f);
    f->ports = get_objects(r, o, "", "ports", sizeof *f->ports, &f->n_ports,
                           port_read);
    f->errors = get_strings(r, o, "", "errors", &f->n_errors);
}

static void
preflight_release(void *f)
{
    wire_preflight_free(f);
}

int
wire_preflight_decode(const char *text, const char *who,
                      struct wire_preflight *f)
{
    return decode(text, who, "preflight", f, sizeof *f, preflight_read,
                  preflight_release);
}

void
wire_preflight_free(struct wire_preflight *f)
{
    for (size_t i = 0; f->plugins && i < f->n_plugins; i++) {
        free(f->plugins[i].kind);
        free(f->plugins[i].name);
        free(f->plugins[i].version);
    }
    for (size_t i = 0; f->pmtu && i < f->n_pmtu; i++) {
        free(f->pmtu[i].peer);
    }
    for (size_t i = 0; f->ports && i < f->n_ports; i++) {
        free(f->ports[i].network);
    }
    free(f->plugins);
    free(f->pmtu);
    free(f->ports);
    free_strings(f->errors, f->n_errors);
    free(f->server);
    free(f->version);
    free(f->state);
    memset(f, 0, sizeof *f);
}

unsigned
wire_preflight_pmtu(const struct wire_preflight *f, const char *peer)
{
    for (size_t i = 0; f && i < f->n_pmtu; i++) {
        if (!strcmp(f->pmtu[i].peer, peer)) {
            return f->pmtu[i].mtu;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* snapshots, save                                                          */

static void
add_int64(json_object *o, const char *key, long long value)
{
    json_object_object_add(o, key, json_object_new_int64(value));
}

static long long
get_int64(struct reader *r, json_object *o, const char *ctx, const char *key)
{
    json_object *v = member(r, o, ctx, key, json_type_int);
    int64_t x = v ? json_object_get_int64(v) : 0;
    if (x < 0) {
        refuse(r, ctx, key, "is negative (%lld)", (long long)x);
        return 0;
    }
    return (long long)x;
}

json_object *
wire_snapshots_encode(const struct wire_snapshots *w)
{
    json_object *o = json_object_new_object();
    json_object *a = json_object_new_array();

    add_string(o, "server", w->server);
    add_string(o, "network", w->network);
    for (size_t i = 0; i < w->n_snapshots; i++) {
        const struct wire_snapshot *sn = &w->snapshots[i];
        json_object *e = json_object_new_object();
        add_string(e, "name", sn->name);
        add_int64(e, "time", sn->time);
        add_uint(e, "as", sn->as);
        add_bool(e, "named", sn->named);
        add_bool(e, "damaged", sn->damaged);
        add_bool(e, "unread", sn->unread);
        add_uint(e, "files", sn->files);
        add_uint(e, "stale", sn->stale);
        json_object_object_add(
            e, "stale_nodes",
            strings_encode(sn->stale_nodes, sn->n_stale_nodes));
        add_int64(e, "bytes", (long long)sn->bytes);
        if (sn->note) {
            add_string(e, "note", sn->note);
        }
        if (sn->n_pinned_for) {
            json_object_object_add(
                e, "pinned_for",
                strings_encode(sn->pinned_for, sn->n_pinned_for));
        }
        if (sn->n_running) {
            json_object_object_add(e, "running",
                                   strings_encode(sn->running, sn->n_running));
        }
        json_object_array_add(a, e);
    }
    json_object_object_add(o, "snapshots", a);
    json_object_object_add(o, "incomplete",
                           strings_encode(w->incomplete, w->n_incomplete));
    return o;
}

static void
snapshot_read(struct reader *r, json_object *o, const char *where, void *elem)
{
    struct wire_snapshot *sn = elem;

    sn->name = get_string(r, o, where, "name");
    if (sn->name && !util_valid_name(sn->name, 64)) {
        refuse(r, where, "name", "is not a snapshot's name");
    }
    sn->time = get_int64(r, o, where, "time");
    sn->as = get_uint(r, o, where, "as");
    if (sn->as > 255) {
        refuse(r, where, "as", "is not an AS's number (%u)", sn->as);
    }
    sn->named = get_bool(r, o, where, "named");
    sn->damaged = get_bool(r, o, where, "damaged");
    sn->unread = get_bool(r, o, where, "unread");
    sn->files = get_uint(r, o, where, "files");
    sn->stale = get_uint(r, o, where, "stale");
    sn->stale_nodes =
        get_strings(r, o, where, "stale_nodes", &sn->n_stale_nodes);
    if (sn->n_stale_nodes != sn->stale) {
        refuse(r, where, "stale_nodes", "does not have `stale` (%u) names",
               sn->stale);
    }
    for (size_t i = 0; i < sn->n_stale_nodes; i++) {
        if (sn->stale_nodes[i] &&
            !util_valid_bridge_name(sn->stale_nodes[i], 64)) {
            refuse(r, where, "stale_nodes", "has a bad name");
            break;
        }
    }
    sn->bytes = (unsigned long long)get_int64(r, o, where, "bytes");
    sn->note = get_optional_string(r, o, where, "note");
    for (const char *c = sn->note; c && *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            refuse(r, where, "note", "has a control character");
            break;
        }
    }
    /* Optional: a server before pins reports none. */
    if (o && json_object_object_get_ex(o, "pinned_for", NULL)) {
        sn->pinned_for =
            get_strings(r, o, where, "pinned_for", &sn->n_pinned_for);
    }
    for (size_t i = 0; i < sn->n_pinned_for; i++) {
        /* NODE.frr, NODE.ip, BRIDGE.vlan: a pin's key (a name with dots),
         * as the pins file's reader takes it, never a side file's. */
        if (sn->pinned_for[i] &&
            (!util_valid_bridge_name(sn->pinned_for[i], 80) ||
             !snapshot_pin_key_valid(sn->pinned_for[i]))) {
            refuse(r, where, "pinned_for", "has a bad name");
            break;
        }
    }
    /* Optional: a server before side files were listed reports none. */
    if (o && json_object_object_get_ex(o, "running", NULL)) {
        sn->running = get_strings(r, o, where, "running", &sn->n_running);
    }
    for (size_t i = 0; i < sn->n_running; i++) {
        char object[128];
        const char *suffix;
        if (sn->running[i] &&
            (!snapshot_file_running(sn->running[i]) ||
             !util_valid_bridge_name(sn->running[i], 96) ||
             !snapshot_file_object(sn->running[i], object, sizeof object,
                                   &suffix))) {
            refuse(r, where, "running", "has a name that is no side file's");
            break;
        }
    }
}

static void
snapshots_read(struct reader *r, json_object *o, void *out)
{
    struct wire_snapshots *w = out;

    w->server = get_server(r, o);
    w->network = get_string(r, o, "", "network");
    w->snapshots = get_objects(r, o, "", "snapshots", sizeof *w->snapshots,
                               &w->n_snapshots, snapshot_read);
    w->incomplete = get_strings(r, o, "", "incomplete", &w->n_incomplete);
}

static void
snapshots_release(void *w)
{
    wire_snapshots_free(w);
}

int
wire_snapshots_decode(const char *text, const char *who,
                      struct wire_snapshots *w)
{
    return decode(text, who, "snapshots", w, sizeof *w, snapshots_read,
                  snapshots_release);
}

void
wire_snapshots_free(struct wire_snapshots *w)
{
    for (size_t i = 0; w->snapshots && i < w->n_snapshots; i++) {
        free(w->snapshots[i].name);
        free(w->snapshots[i].note);
        free_strings(w->snapshots[i].stale_nodes,
                     w->snapshots[i].n_stale_nodes);
        free_strings(w->snapshots[i].pinned_for, w->snapshots[i].n_pinned_for);
        free_strings(w->snapshots[i].running, w->snapshots[i].n_running);
    }
    free(w->snapshots);
    free_strings(w->incomplete, w->n_incomplete);
    free(w->server);
    free(w->network);
    memset(w, 0, sizeof *w);
}

json_object *
wire_save_encode(const struct wire_save *w)
{
    json_object *o = json_object_new_object();

    add_string(o, "server", w->server);
    if (w->stored) {
        add_string(o, "stored", w->stored);
    } else if (w->unchanged) {
        add_string(o, "unchanged", w->unchanged);
    }
    return o;
}

static void
save_read(struct reader *r, json_object *o, void *out)
{
    struct wire_save *w = out;

    w->server = get_server(r, o);
    w->stored = get_optional_string(r, o, "", "stored");
    w->unchanged = get_optional_string(r, o, "", "unchanged");
    if (w->stored && w->unchanged) {
        refuse(r, "", "unchanged", "is given with \"stored\"");
    }
}

static void
save_release(void *w)
{
    wire_save_free(w);
}

int
wire_save_decode(const char *text, const char *who, struct wire_save *w)
{
    return decode(text, who, "save", w, sizeof *w, save_read, save_release);
}

void
wire_save_free(struct wire_save *w)
{
    free(w->server);
    free(w->stored);
    free(w->unchanged);
    memset(w, 0, sizeof *w);
}

/* ------------------------------------------------------------------------ */
/* link                                                                     */

json_object *
wire_link_encode(const struct wire_link *w)
{
    json_object *o = json_object_new_object();
    json_object *before = json_object_new_array();

    add_string(o, "server", w->server);
    for (size_t i = 0; i < w->n_before; i++) {
        const struct wire_link_end *e = &w->before[i];
        json_object *b = json_object_new_object();
        add_string(b, "node", e->node);
        add_string(b, "ifname", e->ifname);
        add_bool(b, "down", e->down);
        json_object_object_add(b, "rate_bps",
                               json_object_new_int64((int64_t)e->rate_bps));
        add_uint(b, "delay_us", e->delay_us);
        json_object_array_add(before, b);
    }
    json_object_object_add(o, "before", before);
    return o;
}

static void
link_end_read(struct reader *r, json_object *o, const char *where, void *elem)
{
    struct wire_link_end *e = elem;
    e->node = get_string(r, o, where, "node");
    e->ifname = get_string(r, o, where, "ifname");
    e->down = get_bool(r, o, where, "down");
    json_object *rate = member(r, o, where, "rate_bps", json_type_int);
    int64_t bps = rate ? json_object_get_int64(rate) : 0;
    if (bps < 0 || bps == INT64_MAX) {
        refuse(r, where, "rate_bps", "is out of range (%lld)", (long long)bps);
        bps = 0;
    }
    e->rate_bps = (uint64_t)bps;
    e->delay_us = get_uint(r, o, where, "delay_us");
}

static void
link_read(struct reader *r, json_object *o, void *out)
{
    struct wire_link *w = out;

    w->server = get_server(r, o);
    w->before = get_objects(r, o, "", "before", sizeof *w->before,
                            &w->n_before, link_end_read);
}

static void
link_release(void *w)
{
    wire_link_free(w);
}

int
wire_link_decode(const char *text, const char *who, struct wire_link *w)
{
    return decode(text, who, "link", w, sizeof *w, link_read, link_release);
}

void
wire_link_free(struct wire_link *w)
{
    for (size_t i = 0; w->before && i < w->n_before; i++) {
        free(w->before[i].node);
        free(w->before[i].ifname);
    }
    free(w->before);
    free(w->server);
    memset(w, 0, sizeof *w);
}
