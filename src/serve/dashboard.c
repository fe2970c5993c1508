/* The dashboard's data and answers (dashboard.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dashboard.h"
#include "graph.h"
#include "log.h"
#include "util.h"

#define JSON_TYPE "application/json"

void
dash_init(struct dash *d, const struct mi_plan *plan,
          const struct check_hosts *hosts, unsigned period)
{
    memset(d, 0, sizeof *d);
    d->plan = plan;
    d->hosts = hosts;
    d->period = period;
    pthread_mutex_init(&d->lock, NULL);
    d->cells = wire_matrix_new(hosts);
    d->servers = xcalloc(plan->n_servers + 1, sizeof *d->servers);
    d->answered = xcalloc(plan->n_servers + 1, sizeof *d->answered);
    d->server = xcalloc(plan->n_servers + 1, sizeof *d->server);
    d->lg = xcalloc(plan->n_nodes + 1, sizeof *d->lg);

    char *svg = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&svg, &len);
    if (f) {
        graph_write(plan, GRAPH_SVG, f);
        fclose(f);
    }
    d->svg = svg;
}

static void
lg_free(struct dash_lg *lg)
{
    free(lg->routes);
    free(lg->ospf);
    free(lg->error);
    memset(lg, 0, sizeof *lg);
}

void
dash_destroy(struct dash *d)
{
    for (size_t i = 0; i < d->plan->n_servers; i++) {
        wire_status_free(&d->servers[i]);
        free(d->server[i].error);
    }
    free(d->server);
    for (size_t i = 0; i < d->plan->n_nodes; i++) {
        lg_free(&d->lg[i]);
    }
    for (size_t i = 0; i < d->n_files; i++) {
        free(d->files[i].data);
        free(d->files[i].path);
    }
    free(d->files);
    free(d->servers);
    free(d->answered);
    free(d->lg);
    free(d->cells);
    free(d->round_error);
    free(d->svg);
    pthread_mutex_destroy(&d->lock);
}

void
dash_store_round(struct dash *d, unsigned char *cells,
                 struct wire_status *const *status, const char *error,
                 double seconds, double cpu)
{
    pthread_mutex_lock(&d->lock);
    free(d->cells);
    d->cells = cells;
    time_t now = time(NULL);
    for (size_t i = 0; i < d->plan->n_servers; i++) {
        d->answered[i] = status && status[i];
        struct dash_server *ds = &d->server[i];
        free(ds->error);
        ds->error = error ? xstrdup(error) : NULL; /* the round's */
        ds->seconds = seconds;
        ds->cpu = cpu;
        if (!d->answered[i]) {
            ds->since = ds->since ? ds->since : now;
        } else {
            ds->time = now;
            ds->since = 0;
            wire_status_free(&d->servers[i]);
            d->servers[i] = *status[i]; /* taken over */
            memset(status[i], 0, sizeof *status[i]);
        }
    }
    free(d->round_error);
    d->round_error = error ? xstrdup(error) : NULL;
    d->round_time = now;
    d->round_seconds = seconds;
    d->round_cpu = cpu;
    d->rounds++;
    pthread_mutex_unlock(&d->lock);
}

/* Server `server`'s rows of the matrix from `cells`, or unknown (NULL);
 * d->lock held. */
static void
set_rows(struct dash *d, unsigned server, const unsigned char *cells)
{
    const struct check_hosts *h = d->hosts;

    for (size_t a = 0; a < h->n; a++) {
        if (h->servers[a] != server) {
            continue;
        }
        if (cells) {
            memcpy(d->cells + a * h->n, cells + a * h->n, h->n);
        } else {
            memset(d->cells + a * h->n, CELL_UNKNOWN, h->n);
        }
    }
}

void
dash_store_server(struct dash *d, unsigned server, const unsigned char *cells,
                  struct wire_status *status, const char *error,
                  time_t started, double seconds, double cpu)
{
    pthread_mutex_lock(&d->lock);
    struct dash_server *ds = &d->server[server];
    time_t now = time(NULL);
    bool answered = cells && status;

    set_rows(d, server, cells);
    if (status) {
        wire_status_free(&d->servers[server]);
        d->servers[server] = *status; /* taken over */
        memset(status, 0, sizeof *status);
    }
    d->answered[server] = answered;
    if (answered) {
        ds->time = now;
        ds->since = 0;
    } else if (!ds->since) {
        ds->since = started;
    }
    free(ds->error);
    ds->error = error ? xstrdup(error) : NULL;
    ds->seconds = seconds;
    ds->cpu = cpu;

    /* The whole matrix's round: the servers' last ones together. */
    char *all = NULL;
    d->round_seconds = 0;
    d->round_cpu = 0;
    for (size_t i = 0; i < d->plan->n_servers; i++) {
        const struct dash_server *x = &d->server[i];
        if (x->seconds > d->round_seconds) {
            d->round_seconds = x->seconds;
        }
        d->round_cpu += x->cpu;
        if (x->error) {
            char *next =
                xasprintf("%s%s%s", all ? all : "", all ? "; " : "", x->error);
            free(all);
            all = next;
        }
    }
    free(d->round_error);
    d->round_error = all;
    d->round_time = now;
    d->rounds++;
    pthread_mutex_unlock(&d->lock);
}

_Static_assert(2 * DASH_LATE_MAX_S <= DASH_ROUND_LIMIT_S,
               "the default round limit takes any late time");

/* The late time before any round: the period, within
 * DASH_LATE_MIN_S..DASH_LATE_MAX_S. */
static unsigned
first_late(unsigned period)
{
    unsigned late = period > DASH_LATE_MIN_S ? period : DASH_LATE_MIN_S;
    return late < DASH_LATE_MAX_S ? late : DASH_LATE_MAX_S;
}

int
dash_round_limit(const char *text, unsigned period, unsigned *limit,
                 char **why)
{
    unsigned late = first_late(period);
    unsigned least = 2 * late;
    char *end;
    errno = 0;
    long n = strtol(text, &end, 10);

    *why = NULL;
    if (errno || end == text || *end || n < 1 || n > DASH_ROUND_LIMIT_MAX_S) {
        *why = xasprintf("--round-limit %s: expected whole seconds, %u..%u",
                         text, least, DASH_ROUND_LIMIT_MAX_S);
        return -1;
    }
    if ((unsigned long)n < least) {
        *why = xasprintf("--round-limit %ld: must be at least twice the late "
                         "time, 2 x %u s = %u s (with --period %u; a "
                         "server that hangs is marked late after %u s)",
                         n, late, least, period, late);
        return -1;
    }
    *limit = (unsigned)n;
    return 0;
}

double
dash_late_after(unsigned period, double last_round_s, unsigned round_limit_s)
{
    double late = period > DASH_LATE_MIN_S ? period : DASH_LATE_MIN_S;
    if (2 * last_round_s > late) {
        late = 2 * last_round_s;
    }
    double most = round_limit_s / 2.0 < DASH_LATE_MAX_S ? round_limit_s / 2.0
                                                        : DASH_LATE_MAX_S;
    return late < most ? late : most;
}

void
dash_server_late(struct dash *d, unsigned server, time_t started)
{
    pthread_mutex_lock(&d->lock);
    set_rows(d, server, NULL);
    d->answered[server] = false;
    if (!d->server[server].since) {
        d->server[server].since = started;
    }
    pthread_mutex_unlock(&d->lock);
}

bool
dash_lg_stale(struct dash *d, size_t node, time_t now)
{
    pthread_mutex_lock(&d->lock);
    bool stale =
        !d->lg[node].time || now - d->lg[node].time >= DASH_LG_MAX_AGE;
    pthread_mutex_unlock(&d->lock);
    return stale;
}

bool
dash_lg_want(struct dash *d, size_t node, time_t now)
{
    pthread_mutex_lock(&d->lock);
    struct dash_lg *lg = &d->lg[node];
    lg->wanted = now;
    bool stale = !lg->time || now - lg->time >= DASH_LG_MAX_AGE;
    pthread_mutex_unlock(&d->lock);
    return stale;
}

int
dash_lg_next(struct dash *d, time_t now, time_t *wake)
{
    int best = -1;
    time_t soonest = 0;

    pthread_mutex_lock(&d->lock);
    for (size_t i = 0; i < d->plan->n_nodes; i++) {
        struct dash_lg *lg = &d->lg[i];
        if (!lg->wanted) {
            continue;
        }
        if (now - lg->wanted >= DASH_LG_WANT_TTL) {
            lg_free(lg); /* nobody looked for minutes: not kept either */
            continue;
        }
        if (!lg->time || now - lg->time >= DASH_LG_MAX_AGE) {
            if (best < 0 || lg->time < d->lg[best].time) {
                best = (int)i;
            }
        } else {
            time_t due = lg->time + DASH_LG_MAX_AGE;
            if (!soonest || due < soonest) {
                soonest = due;
            }
        }
    }
    pthread_mutex_unlock(&d->lock);
    if (wake) {
        *wake = best < 0 ? soonest : now;
    }
    return best;
}

int
dash_lg_node(const struct dash *d, const char *name)
{
    for (size_t i = 0; i < d->plan->n_nodes; i++) {
        const struct mi_node *n = mi_plan_node(d->plan, i);
        if ((n->kind == MI_NODE_ROUTER || n->kind == MI_NODE_ROUTESERVER) &&
            !strcmp(n->name, name)) {
            return (int)i;
        }
    }
    return -1;
}

/* ------------------------------------------------------------------------ */
/* JSON                                                                     */

static char *
json_text(json_object *o, size_t *len)
{
    const char *s = json_object_to_json_string_ext(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    char *text = xasprintf("%s\n", s);
    json_object_put(o);
    *len = strlen(text);
    return text;
}

static json_object *
time_json(time_t t)
{
    char buf[32];
    struct tm tm;

    if (!t || !gmtime_r(&t, &tm) ||
        !strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
        return NULL;
    }
    return json_object_new_string(buf);
}

static const char *
cell_state(unsigned char cell)
{
    return cell == CELL_YES      ? "reachable"
           : cell == CELL_NO     ? "unreachable"
           : cell == CELL_VALLEY ? "valley"
                                 : "unknown";
}

/* The server whose answer holds host a's row. */
static const char *
row_server(const struct dash *d, size_t a)
{
    unsigned s = d->hosts->servers[a];
    return s < d->plan->n_servers ? mi_plan_server(d->plan, s)->name : "?";
}

/* Server `i` of the plan as the API names it: { "name", "answered" }
 * (d->lock held). */
static json_object *
server_json(const struct dash *d, size_t i)
{
    json_object *s = json_object_new_object();

    json_object_object_add(
        s, "name", json_object_new_string(mi_plan_server(d->plan, i)->name));
    json_object_object_add(s, "answered",
                           json_object_new_boolean(d->answered[i]));
    const struct dash_server *ds = &d->server[i];
    json_object_object_add(s, "time", time_json(ds->time));
    json_object_object_add(s, "since", time_json(ds->since));
    json_object_object_add(s, "seconds", json_object_new_double(ds->seconds));
    json_object_object_add(s, "cpu_seconds", json_object_new_double(ds->cpu));
    json_object_object_add(
        s, "error", ds->error ? json_object_new_string(ds->error) : NULL);
    return s;
}

/*   { "network": "small", "period": 60, "round": 3,
 *     "time": "2026-12-03T02:40:00Z", "seconds": 1.2, "cpu_seconds": 0.3,
 *     "error": null, "ases": [1, 2, 3, 4],
 *     "pairs": [ { "from": 1, "to": 2, "state": "reachable" }, ... ],
 *     "servers": [ { "name": "s1", "answered": true } ] }
 * "state": reachable, valley (reachable, but over a BGP route whose AS
 * path is not valley-free), unreachable, or unknown (not probed yet, or its
 * server did not answer the last round). */
static char *
matrix_json(struct dash *d, size_t *len)
{
    const struct check_hosts *h = d->hosts;
    json_object *o = json_object_new_object();
    json_object *ases = json_object_new_array();
    json_object *pairs = json_object_new_array();
    json_object *servers = json_object_new_array();

    pthread_mutex_lock(&d->lock);
    json_object_object_add(o, "network",
                           json_object_new_string(d->plan->name));
    json_object_object_add(o, "period", json_object_new_int((int)d->period));
    json_object_object_add(o, "round", json_object_new_int((int)d->rounds));
    json_object_object_add(o, "time", time_json(d->round_time));
    json_object_object_add(o, "seconds",
                           json_object_new_double(d->round_seconds));
    json_object_object_add(o, "cpu_seconds",
                           json_object_new_double(d->round_cpu));
    json_object_object_add(
        o, "error",
        d->round_error ? json_object_new_string(d->round_error) : NULL);
    for (size_t a = 0; a < h->n; a++) {
        json_object_array_add(ases, json_object_new_int((int)h->asns[a]));
    }
    for (size_t a = 0; a < h->n; a++) {
        for (size_t b = 0; b < h->n; b++) {
            if (a == b) {
                continue;
            }
            json_object *p = json_object_new_object();
            json_object_object_add(p, "from",
                                   json_object_new_int((int)h->asns[a]));
            json_object_object_add(p, "to",
                                   json_object_new_int((int)h->asns[b]));
            json_object_object_add(
                p, "state",
                json_object_new_string(cell_state(d->cells[a * h->n + b])));
            json_object_object_add(p, "server",
                                   json_object_new_string(row_server(d, a)));
            json_object_array_add(pairs, p);
        }
    }
    for (size_t i = 0; i < d->plan->n_servers; i++) {
        json_object_array_add(servers, server_json(d, i));
    }
    pthread_mutex_unlock(&d->lock);
    json_object_object_add(o, "ases", ases);
    json_object_object_add(o, "pairs", pairs);
    json_object_object_add(o, "servers", servers);
    return json_text(o, len);
}

/*   { "network": "small", "time": ..., "servers": [ { "name": "s1",
 *     "answered": true, "status": <status --json of that server> } ] }
 * "status" is the last answer (kept when the server stops answering). */
static char *
status_json(struct dash *d, size_t *len)
{
    json_object *o = json_object_new_object();
    json_object *servers = json_object_new_array();

    pthread_mutex_lock(&d->lock);
    json_object_object_add(o, "network",
                           json_object_new_string(d->plan->name));
    json_object_object_add(o, "time", time_json(d->round_time));
    for (size_t i = 0; i < d->plan->n_servers; i++) {
        json_object *s = server_json(d, i);
        json_object_object_add(
            s, "status",
            d->servers[i].network ? wire_status_encode(&d->servers[i]) : NULL);
        json_object_array_add(servers, s);
    }
    pthread_mutex_unlock(&d->lock);
    json_object_object_add(o, "servers", servers);
    return json_text(o, len);
}

/*   { "routers": [ { "name": "1_ZURIrouter", "as": 1, "server": "s1" } ] }
 * every router and route server, for the looking glass's choice. */
static char *
routers_json(const struct dash *d, size_t *len)
{
    json_object *o = json_object_new_object();
    json_object *routers = json_object_new_array();

    for (size_t i = 0; i < d->plan->n_nodes; i++) {
        const struct mi_node *n = mi_plan_node(d->plan, i);
        if (n->kind != MI_NODE_ROUTER && n->kind != MI_NODE_ROUTESERVER) {
            continue;
        }
        json_object *r = json_object_new_object();
        json_object_object_add(r, "name", json_object_new_string(n->name));
        json_object_object_add(r, "as", json_object_new_int((int)n->asn));
        json_object_object_add(
            r, "server",
            json_object_new_string(mi_plan_server(d->plan, n->server)->name));
        json_object_array_add(routers, r);
    }
    json_object_object_add(o, "routers", routers);
    return json_text(o, len);
}

static json_object *
get_path(json_object *o, const char *a, const char *b)
{
    json_object *x = NULL, *y = NULL;
    if (!json_object_object_get_ex(o, a, &x)) {
        return NULL;
    }
    if (!b) {
        return x;
    }
    return json_object_object_get_ex(x, b, &y) ? y : NULL;
}

static void
copy_field(json_object *to, const char *name, json_object *from)
{
    if (from) {
        json_object_object_add(to, name, json_object_get(from));
    }
}

/* One row of the page from one entry of FRR's JSON: `key` is the object
 * member the entry is listed under. */
typedef json_object *row_fn(const char *key, json_object *entry);

/* FRR's `{ "<member>": { KEY: [ entry, ... ] } }` (text from the router,
 * NULL when it did not answer) as one array of rows. */
static json_object *
frr_rows(const char *text, const char *member, row_fn *row)
{
    json_object *root = text ? json_tokener_parse(text) : NULL;
    json_object *all = root ? get_path(root, member, NULL) : NULL;
    json_object *out = json_object_new_array();

    if (all && json_object_is_type(all, json_type_object)) {
        json_object_object_foreach(all, key, list)
        {
            size_t n = json_object_is_type(list, json_type_array)
                           ? json_object_array_length(list)
                           : 0;
            for (size_t i = 0; i < n; i++) {
                json_object *r = row(key, json_object_array_get_idx(list, i));
                if (r) { /* NULL: an entry that is no row */
                    json_object_array_add(out, r);
                }
            }
        }
    }
    json_object_put(root);
    return out;
}

/* A path of FRR's `show bgp ipv4 unicast json detail` (routes { PREFIX:
 * [ {the prefix's own entry}, path, ... ] }: the paths carry their
 * communities, which the table without `detail` leaves out), with what the
 * page shows; the entry without an AS path is none.  The table without
 * `detail` (a path's "path" string, "bestpath" true) reads the same. */
static json_object *
bgp_route(const char *prefix, json_object *p)
{
    json_object *aspath = get_path(p, "aspath", "string");
    json_object *flat = get_path(p, "path", NULL);
    if (!aspath && !flat) {
        return NULL;
    }
    json_object *r = json_object_new_object();
    json_object *hops = get_path(p, "nexthops", NULL);
    json_object *hop = hops && json_object_is_type(hops, json_type_array)
                           ? json_object_array_get_idx(hops, 0)
                           : NULL;
    json_object *best = get_path(p, "bestpath", NULL);
    if (best && json_object_is_type(best, json_type_object)) {
        best = get_path(best, "overall", NULL);
    }
    json_object_object_add(r, "prefix", json_object_new_string(prefix));
    copy_field(r, "path", flat ? flat : aspath);
    copy_field(r, "next_hop", hop ? get_path(hop, "ip", NULL) : NULL);
    copy_field(r, "local_pref", get_path(p, "locPrf", NULL));
    copy_field(r, "communities", get_path(p, "community", "string"));
    copy_field(r, "best", best);
    copy_field(r, "valid", get_path(p, "valid", NULL));
    return r;
}

/* A neighbour of FRR's `show ip ospf neighbor json` (neighbors
 * { ROUTER-ID: [ ... ] }). */
static json_object *
ospf_neighbour(const char *id, json_object *e)
{
    json_object *r = json_object_new_object();
    json_object_object_add(r, "router_id", json_object_new_string(id));
    copy_field(r, "state", get_path(e, "nbrState", NULL));
    copy_field(r, "state", get_path(e, "state", NULL));
    copy_field(r, "address", get_path(e, "ifaceAddress", NULL));
    copy_field(r, "address", get_path(e, "address", NULL));
    copy_field(r, "interface", get_path(e, "ifaceName", NULL));
    return r;
}

static json_object *
bgp_routes(const char *text)
{
    return frr_rows(text, "routes", bgp_route);
}

static json_object *
ospf_neighbours(const char *text)
{
    return frr_rows(text, "neighbors", ospf_neighbour);
}

/* `o` (taken) as JSON text without its closing brace. */
static char *
json_open_text(json_object *o, size_t *len)
{
    char *text = json_text(o, len); /* "{...}\n" */
    while (*len && text[*len - 1] != '}') {
        (*len)--;
    }
    if (*len) {
        (*len)--;
    }
    text[*len] = '\0';
    return text;
}

void
dash_lg_store(struct dash *d, size_t node, const char *bgp, const char *ospf,
              const char *error, time_t now)
{
    /* Parsed and rendered here, once per fetch, outside the lock. */
    size_t routes_len = 0, ospf_len = 0;
    char *routes = bgp ? json_text(bgp_routes(bgp), &routes_len) : NULL;
    char *neighbours =
        ospf ? json_text(ospf_neighbours(ospf), &ospf_len) : NULL;
    /* Without json_text()'s newline: spliced into the answer. */
    if (routes) {
        routes[--routes_len] = '\0';
    }
    if (neighbours) {
        neighbours[--ospf_len] = '\0';
    }

    pthread_mutex_lock(&d->lock);
    struct dash_lg *lg = &d->lg[node];
    time_t wanted = lg->wanted;
    lg_free(lg);
    lg->wanted = wanted;
    lg->routes = routes;
    lg->routes_len = routes_len;
    lg->ospf = neighbours;
    lg->ospf_len = ospf_len;
    lg->error = error ? xstrdup(error) : NULL;
    lg->time = now;
    pthread_mutex_unlock(&d->lock);
}

/*   { "router": "1_ZURIrouter", "time": ... | null, "max_age": 30,
 *     "age": seconds since the fetch | null, "pending": no fetch yet,
 *     "error": null | "did not answer within 5 s",
 *     "routes": [ { "prefix": "2.0.0.0/8", "path": "2", "next_hop": ...,
 *                   "local_pref": 100, "communities": "1:20", "best": true,
 *                   "valid": true } ],
 *     "ospf_neighbours": [ { "router_id", "state", "address",
 *                            "interface" } ] }
 * The rows were rendered at the fetch (dash_lg_store()): under the lock a
 * request copies them, and the answer is put together after. */
static char *
lg_json(struct dash *d, size_t node, size_t *len)
{
    json_object *o = json_object_new_object();
    time_t now = time(NULL);
    static const char empty[] = "[]";

    pthread_mutex_lock(&d->lock);
    const struct dash_lg *lg = &d->lg[node];
    json_object_object_add(
        o, "router",
        json_object_new_string(mi_plan_node(d->plan, node)->name));
    json_object_object_add(o, "time", time_json(lg->time));
    json_object_object_add(o, "max_age", json_object_new_int(DASH_LG_MAX_AGE));
    int64_t age = now > lg->time ? (int64_t)(now - lg->time) : 0;
    json_object_object_add(o, "age",
                           lg->time ? json_object_new_int64(age) : NULL);
    json_object_object_add(o, "pending", json_object_new_boolean(!lg->time));
    json_object_object_add(
        o, "error", lg->error ? json_object_new_string(lg->error) : NULL);
    size_t routes_len = lg->routes ? lg->routes_len : strlen(empty);
    size_t ospf_len = lg->ospf ? lg->ospf_len : strlen(empty);
    char *routes = xmalloc(routes_len + 1);
    char *ospf = xmalloc(ospf_len + 1);
    memcpy(routes, lg->routes ? lg->routes : empty, routes_len);
    memcpy(ospf, lg->ospf ? lg->ospf : empty, ospf_len);
    pthread_mutex_unlock(&d->lock);
    routes[routes_len] = ospf[ospf_len] = '\0';

    size_t head_len;
    char *head = json_open_text(o, &head_len);
    char *body = xasprintf("%s%s\"routes\":%s,\"ospf_neighbours\":%s}\n", head,
                           head_len > 1 ? "," : "", routes, ospf);
    *len = strlen(body);
    free(head);
    free(routes);
    free(ospf);
    return body;
}

static char *
error_json(const char *fmt, const char *arg, size_t *len)
{
    json_object *o = json_object_new_object();
    char *msg = xasprintf(fmt, arg);
    json_object_object_add(o, "error", json_object_new_string(msg));
    free(msg);
    return json_text(o, len);
}

char *
dash_answer(struct dash *d, const char *url, unsigned *status,
            const char **type, size_t *len)
{
    *status = 200;
    *type = JSON_TYPE;
    if (!strcmp(url, "/api/matrix")) {
        return matrix_json(d, len);
    }
    if (!strcmp(url, "/api/status")) {
        return status_json(d, len);
    }
    if (!strcmp(url, "/api/routers")) {
        return routers_json(d, len);
    }
    if (!strncmp(url, "/api/lg/", 8)) {
        int node = dash_lg_node(d, url + 8);
        if (node >= 0) {
            return lg_json(d, (size_t)node, len);
        }
        *status = 404;
        return error_json("no router or route server named \"%s\"", url + 8,
                          len);
    }
    if (!strcmp(url, "/topology.svg") && d->svg) {
        *type = "image/svg+xml";
        *len = strlen(d->svg);
        return xstrdup(d->svg);
    }
    const char *path = !strcmp(url, "/") ? "/index.html" : url;
    for (size_t i = 0; i < d->n_files; i++) {
        if (!strcmp(path, d->files[i].path)) {
            *type = d->files[i].type;
            *len = d->files[i].len;
            char *copy = xmalloc(*len + 1);
            memcpy(copy, d->files[i].data, *len);
            copy[*len] = '\0';
            return copy;
        }
    }
    *status = 404;
    return error_json("no such page: %s", url, len);
}

/* ------------------------------------------------------------------------ */
/* Static files                                                             */

static const struct {
    const char *name, *type;
} page_files[] = {
    {"index.html", "text/html; charset=utf-8"},
    {"dash.js", "text/javascript; charset=utf-8"},
    {"dash.css", "text/css; charset=utf-8"},
};

#define PAGE_FILE_MAX (1 << 20)

int
dash_load_files(struct dash *d, const char *dir)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        int error = -errno;
        log_error("%s: %s (the dashboard's page; MINIINET_WWW_DIR names "
                  "another directory)",
                  dir, strerror(-error));
        return error;
    }
    d->files = xcalloc(ARRAY_SIZE(page_files), sizeof *d->files);
    int error = 0;
    for (size_t i = 0; !error && i < ARRAY_SIZE(page_files); i++) {
        int fd =
            openat(dfd, page_files[i].name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        struct stat sb;
        if (fd < 0 || fstat(fd, &sb) || !S_ISREG(sb.st_mode) ||
            sb.st_size > PAGE_FILE_MAX) {
            error = fd < 0 ? -errno : -EINVAL;
        } else {
            struct dash_file *f = &d->files[d->n_files++];
            f->path = xasprintf("/%s", page_files[i].name);
            f->type = page_files[i].type;
            f->data = xmalloc((size_t)sb.st_size + 1);
            ssize_t got = read(fd, f->data, (size_t)sb.st_size);
            f->len = got > 0 ? (size_t)got : 0;
            error = got != sb.st_size ? -EIO : 0;
        }
        if (error) {
            log_error("%s/%s: %s", dir, page_files[i].name,
                      error == -EINVAL ? "not a regular file under 1 MiB"
                                       : strerror(-error));
        }
        if (fd >= 0) {
            close(fd);
        }
    }
    close(dfd);
    return error;
}
