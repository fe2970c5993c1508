/* Placement of ASes and IXPs on servers.
 *
 * The algorithm, in full (placement.h gives the contract):
 *
 * 1. Weights.  An AS weighs its number of routers (at least 1), an IXP 1:
 *    routers carry the FRR daemons, the bulk of a server's load.
 *
 * 2. Fixed placements.  Every AS or IXP with a `server` setting goes there,
 *    whatever the load.
 *
 * 3. Order of the others.  Breadth-first search over the AS link graph (an
 *    edge for every AS pair with at least one link, IXP links included),
 *    started from the lowest-numbered AS not placed yet, visiting
 *    neighbours in ascending AS number, walking through fixed ASes too (they
 *    are visited but not moved).  When a component is exhausted the search
 *    restarts from the lowest unplaced AS left.  Neighbours thus come
 *    shortly after each other, which is what lets step 4 keep them together.
 *
 * 4. Choice of a server, one AS at a time in that order.  A server "has
 *    room" if its load plus the AS's weight stays within the capacity
 *    ceil(total weight / number of servers).  Among the servers with room,
 *    the AS goes to the one with the most links to ASes already placed
 *    there; ties go to the least loaded, then to the lowest index.  If no
 *    server has room (fixed placements or large ASes used it up), the AS goes
 *    to the least loaded server (lowest index on ties).  So placement never
 *    fails: some server is always least loaded.
 *
 * Balance: when the fullest server got its last AS through the fallback, it
 * was the least loaded one just before, so max - min <= that AS's weight.
 * Otherwise every server is within the capacity and the room left over,
 * n * capacity - total < n, bounds how far below it the emptiest one can
 * be.  Without fixed placements, max - min <= max(largest weight, n - 1).
 *
 * Everything is indexed by position in topo->ases (sorted by AS number) and
 * topo->servers (file order), so the result depends on the topology alone.
 */
#include "config.h"

#include "placement.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "log.h"
#include "util.h"

struct placer {
    const struct topology *topo;
    size_t n; /* ASes and IXPs */
    size_t n_servers;
    unsigned *weight; /* per AS */
    unsigned *links;  /* n x n: number of links between two ASes */
    unsigned *load;   /* per server: sum of the weights placed there */
    bool *placed;
    unsigned capacity;
    unsigned *server_of;
};

/* The index of AS `asn` in the topology, or -1. */
static int
find_as(const struct topology *topo, unsigned asn)
{
    const struct topo_as *as = topology_find_as(topo, asn);

    return as ? (int)(as - topo->ases) : -1;
}

static unsigned
as_weight(const struct topo_as *as)
{
    if (as->ixp || !as->body || !as->body->n_routers) {
        return 1;
    }
    return (unsigned)as->body->n_routers;
}

static void
placer_init(struct placer *p, const struct topology *topo, unsigned *server_of)
{
    p->topo = topo;
    p->n = topo->n_ases;
    p->n_servers = topo->n_servers ? topo->n_servers : 1;
    p->weight = xcalloc(p->n, sizeof *p->weight);
    p->links = xcalloc(p->n * p->n, sizeof *p->links);
    p->load = xcalloc(p->n_servers, sizeof *p->load);
    p->placed = xcalloc(p->n, sizeof *p->placed);
    p->server_of = server_of;

    unsigned long long total = 0;
    for (size_t i = 0; i < p->n; i++) {
        p->weight[i] = as_weight(&topo->ases[i]);
        total += p->weight[i];
    }
    p->capacity = (unsigned)((total + p->n_servers - 1) / p->n_servers);

    /* Links naming an unknown AS are the planner's to report; here they
     * simply do not count. */
    for (size_t i = 0; i < topo->n_elinks; i++) {
        int a = find_as(topo, topo->elinks[i].as_a);
        int b = find_as(topo, topo->elinks[i].as_b);

        if (a >= 0 && b >= 0 && a != b) {
            p->links[(size_t)a * p->n + (size_t)b]++;
            p->links[(size_t)b * p->n + (size_t)a]++;
        }
    }
}

static void
placer_destroy(struct placer *p)
{
    free(p->weight);
    free(p->links);
    free(p->load);
    free(p->placed);
}

static void
assign(struct placer *p, size_t as, size_t server)
{
    p->server_of[as] = (unsigned)server;
    p->load[server] += p->weight[as];
    p->placed[as] = true;
}

static int
place_fixed(struct placer *p)
{
    int error = 0;

    for (size_t i = 0; i < p->n; i++) {
        const struct topo_as *as = &p->topo->ases[i];

        if (as->server < 0) {
            continue;
        }
        if ((size_t)as->server >= p->topo->n_servers) {
            log_error_at(p->topo->file, as->line,
                         "%s %u: server %d does not exist",
                         as->ixp ? "IXP" : "AS", as->asn, as->server);
            error = -EINVAL;
            continue;
        }
        assign(p, i, (size_t)as->server);
    }
    return error;
}

/* Number of links between AS `as` and the ASes already on `server`. */
static unsigned
links_to_server(const struct placer *p, size_t as, size_t server)
{
    unsigned n = 0;

    for (size_t j = 0; j < p->n; j++) {
        if (p->placed[j] && p->server_of[j] == server) {
            n += p->links[as * p->n + j];
        }
    }
    return n;
}

static size_t
least_loaded(const struct placer *p)
{
    size_t best = 0;

    for (size_t s = 1; s < p->n_servers; s++) {
        if (p->load[s] < p->load[best]) {
            best = s;
        }
    }
    return best;
}

static void
place_one(struct placer *p, size_t as)
{
    size_t best = SIZE_MAX;
    unsigned best_links = 0;

    for (size_t s = 0; s < p->n_servers; s++) {
        if (p->load[s] + p->weight[as] > p->capacity) {
            continue;
        }
        unsigned n = links_to_server(p, as, s);
        if (best == SIZE_MAX || n > best_links ||
            (n == best_links && p->load[s] < p->load[best])) {
            best = s;
            best_links = n;
        }
    }
    assign(p, as, best != SIZE_MAX ? best : least_loaded(p));
}

/* Breadth-first from `start`, placing every unplaced AS as it is dequeued.
 * `queue` has room for every AS: each is enqueued at most once. */
static void
place_component(struct placer *p, size_t start, bool *visited, size_t *queue)
{
    size_t head = 0, tail = 0;

    visited[start] = true;
    queue[tail++] = start;
    while (head < tail) {
        size_t u = queue[head++];

        if (!p->placed[u]) {
            place_one(p, u);
        }
        for (size_t v = 0; v < p->n; v++) {
            if (!visited[v] && p->links[u * p->n + v]) {
                visited[v] = true;
                queue[tail++] = v;
            }
        }
    }
}

int
placement_compute(const struct topology *topo, unsigned *server_of)
{
    struct placer p;

    placer_init(&p, topo, server_of);
    int error = place_fixed(&p);
    if (!error) {
        bool *visited = xcalloc(p.n, sizeof *visited);
        size_t *queue = xcalloc(p.n, sizeof *queue);

        for (size_t i = 0; i < p.n; i++) {
            if (!visited[i] && !p.placed[i]) {
                place_component(&p, i, visited, queue);
            }
        }
        free(visited);
        free(queue);
    }
    placer_destroy(&p);
    return error;
}
