/* The dashboard's data (`miniinet serve`): the last probe round's matrix
 * and status, the looking glass's cached router tables, the topology
 * drawing, and the answer to every request as JSON (or the static page's
 * files).  No HTTP and no probing here (serve.c does both), so that every
 * endpoint is unit-tested on data set by hand.
 *
 * Every request is answered from what is stored: a burst of requests never
 * starts a probe.  Thread-safe: the prober stores, HTTP threads read. */
#ifndef MINIINET_DASHBOARD_H
#define MINIINET_DASHBOARD_H 1

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "wire.h"

/* The looking glass: a router's BGP table and OSPF neighbours, as FRR
 * printed them (JSON), fetched at most every DASH_LG_MAX_AGE seconds, and
 * only while somebody looks: a request marks its router wanted, and a
 * router nobody asked for in DASH_LG_WANT_TTL seconds is not fetched
 * again and its data is dropped.  Requests only read this cache; one
 * looking-glass thread (serve.c) fetches, one router at a time, the one
 * dash_lg_next() picks. */
#define DASH_LG_MAX_AGE 30
#define DASH_LG_WANT_TTL 300

struct dash_lg {
    /* The page's rows from FRR's JSON, rendered once at the fetch (JSON
     * arrays: "routes", "ospf_neighbours"; NULL: none yet): a request
     * copies them, never parses FRR's output again. */
    char *routes, *ospf;
    size_t routes_len, ospf_len;
    char *error;   /* why the last fetch failed (timeout ...) */
    time_t time;   /* of the last fetch, 0: never */
    time_t wanted; /* of the last request for it, 0: never */
};

/* A server's own rounds (as master, each server is probed on its own):
 * when it last answered, since when it has not, its last round's cost and
 * problem. */
struct dash_server {
    time_t time;  /* of its last answer, 0: none yet */
    time_t since; /* not answering since (a failed or late round's start);
                     0: answering */
    double seconds, cpu;
    char *error;
};

struct dash_file {
    char *path;       /* URL path, "/dash.js" */
    const char *type; /* Content-Type */
    char *data;
    size_t len;
};

struct dash {
    const struct mi_plan *plan;
    const struct check_hosts *hosts;
    unsigned period; /* seconds between probe rounds */
    char *svg;       /* the topology (graph.h) */
    struct dash_file *files;
    size_t n_files;

    pthread_mutex_t lock; /* what follows */
    unsigned rounds;      /* completed */
    time_t round_time;    /* end of the last round */
    double round_seconds, round_cpu;
    unsigned char *cells;        /* hosts->n squared, CELL_*; the last round */
    char *round_error;           /* the last round's problem, NULL: none */
    struct wire_status *servers; /* plan's servers, the last answers */
    bool *answered;              /* per server: answered the last round */
    struct dash_server *server;  /* per server: its own round's outcome */
    struct dash_lg *lg;          /* per node of the plan */
};

/* Starts with every cell unknown and no server answered. */
void dash_init(struct dash *, const struct mi_plan *,
               const struct check_hosts *, unsigned period);
void dash_destroy(struct dash *);

/* A round's outcome, stored under the lock.  `cells` (taken over) is the
 * merged matrix (wire_check_merge()); a server whose reply is NULL did not
 * answer: its rows stay unknown, its status is kept as "not answering".
 * `error` (copied) says what went wrong, NULL if nothing. */
void dash_store_round(struct dash *, unsigned char *cells,
                      struct wire_status *const *status, const char *error,
                      double seconds, double cpu);

/* One server's round (as master: each server's part stored as soon as it
 * arrives, whatever the others do).  `cells` (copied, not taken) is a
 * matrix (wire_matrix_new()) holding that server's rows (merged with
 * wire_check_merge()); NULL when it did not answer: its rows turn
 * unknown.  `status` (taken over when not NULL) is its status answer; a
 * server with no check or no status answer is marked not answering since
 * `started` (kept if already so).  `error` (copied) is its problem, NULL
 * if none.  The matrix's round counts every such store; its time is the
 * last one's, its seconds the longest of the servers' last rounds, its
 * CPU their sum, its error every server's problem. */
void dash_store_server(struct dash *, unsigned server,
                       const unsigned char *cells, struct wire_status *status,
                       const char *error, time_t started, double seconds,
                       double cpu);

/* How long a probe round may take before it is interrupted (serve
 * --round-limit): each check or status child on one server; as master,
 * a server's check and status calls together.  At most
 * DASH_ROUND_LIMIT_MAX_S, and at least twice the late time a server is
 * given before any round (dash_late_after() with no last round: the
 * period, at least DASH_LATE_MIN_S, at most DASH_LATE_MAX_S), so that one
 * that hangs is marked late well before its call is interrupted. */
#define DASH_ROUND_LIMIT_S 120 /* the default */
#define DASH_ROUND_LIMIT_MAX_S 3600

/* Parses --round-limit TEXT (whole seconds) for `period`: 0 with *limit
 * set, or -1 with *why (malloc()ed) naming the option, the value given
 * and the bound it breaks. */
int dash_round_limit(const char *text, unsigned period, unsigned *limit,
                     char **why);

/* How long a server's round (as master: its check and status together)
 * may run before the server is shown as not answering (dash_server_late()):
 * the period, DASH_LATE_MIN_S, or twice the server's last answered round
 * (`last_round_s`, 0 before the first), whichever is longest -- so that a
 * server whose rounds are slow (a large network, a busy machine) is not
 * greyed at every round -- but never later than DASH_LATE_MAX_S nor half
 * the round's time limit (`round_limit_s`, as dash_round_limit() accepts
 * it), so that one that hangs is still marked long before that limit,
 * whatever the period or its last round. */
#define DASH_LATE_MIN_S 20
#define DASH_LATE_MAX_S 60
double dash_late_after(unsigned period, double last_round_s,
                       unsigned round_limit_s);

/* A server whose round, started at `started`, is still running past its
 * time: marked not answering since then, its rows unknown, until it
 * answers again. */
void dash_server_late(struct dash *, unsigned server, time_t started);

/* The looking glass's entry of router `node`: whether it must be fetched
 * (never, or older than DASH_LG_MAX_AGE at `now`), and storing a fetch
 * (bgp and ospf: FRR's JSON, parsed and rendered as the page's rows
 * before the lock is taken; error copied; NULL for none). */
bool dash_lg_stale(struct dash *, size_t node, time_t now);
void dash_lg_store(struct dash *, size_t node, const char *bgp,
                   const char *ospf, const char *error, time_t now);

/* A request for router `node` at `now`: marks it wanted; true when it is
 * stale, i.e. the looking-glass thread has something to do. */
bool dash_lg_want(struct dash *, size_t node, time_t now);

/* The router the looking-glass thread fetches next at `now`: among those
 * wanted in the last DASH_LG_WANT_TTL seconds and stale, the one never
 * fetched or fetched longest ago (the lowest node on a tie); -1 when none.
 * Wanted marks older than DASH_LG_WANT_TTL are dropped, with the router's
 * data (the cache holds only what was looked at lately).  When it returns
 * -1, *wake (may be NULL) is when the next wanted router turns stale, or 0
 * when none is wanted. */
int dash_lg_next(struct dash *, time_t now, time_t *wake);

/* The node a looking-glass URL names (a router or route server), or -1. */
int dash_lg_node(const struct dash *, const char *name);

/* The answer to GET `url`: *status (200, 404), *type and a malloc()ed body
 * of *len bytes.  /api/matrix, /api/status, /api/routers, /api/lg/NAME,
 * /topology.svg and the static files; anything else: 404 with a JSON
 * error. */
char *dash_answer(struct dash *, const char *url, unsigned *status,
                  const char **type, size_t *len);

/* The static files from directory `dir` (index.html, dash.js, dash.css),
 * read once; 0, or -errno after an error naming the file. */
int dash_load_files(struct dash *, const char *dir);

#endif
