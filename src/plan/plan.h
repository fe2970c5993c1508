/* The plan: a pure, deterministic function of the topology.
 *
 * plan_compute() places ASes on servers, numbers every link, assigns every
 * address, interface name and MTU, and allocates the tunnel ids of remote
 * links.  It reads nothing but its arguments and changes nothing, so every
 * server computes the same plan from the same topology file, and the result
 * can be printed, diffed and unit-tested without root.
 */
#ifndef MINIINET_PLAN_H
#define MINIINET_PLAN_H 1

#include <stdio.h>

#include <miniinet/plugin.h>

#include "topology.h"

struct plan;

struct plan_params {
    /* Encapsulation overhead of the tunnel plugin in bytes; remote links get
     * min(underlay MTU of both servers) - tunnel_overhead. */
    unsigned tunnel_overhead;
};

/* Computes the plan of `topo`.  Returns 0 and stores it in *out, or returns
 * -EINVAL after reporting each problem as "FILE:LINE: message" (generated
 * names too long, address collisions, placement impossible). */
int plan_compute(const struct topology *topo, const struct plan_params *,
                 struct plan **out);

/* The public view handed to plugins; valid until plan_free(). */
const struct mi_plan *plan_view(const struct plan *);

void plan_free(struct plan *);

/* Student access (access.h): NULL when the topology has no `access`. */
struct access_plan;
const struct access_plan *plan_access(const struct plan *);

/* Describes remote link `link`'s discriminator for users ("gre tos 0x08"),
 * or NULL for the plain "id N" (its tunnel id). */
typedef void plan_describe_fn(const struct mi_plan *, size_t link, char *buf,
                              size_t len, void *aux);

/* Writes the plan of every server (server < 0) or of one server, as text or
 * JSON.  The output depends only on the plan: byte-identical across runs,
 * machines and working directories.  Returns 0 or -errno. */
int plan_write_text(const struct plan *, int server, plan_describe_fn *,
                    void *aux, FILE *);
int plan_write_json(const struct plan *, int server, plan_describe_fn *,
                    void *aux, FILE *);

/* How many neighbour (ARP) entries the kernel of `server` may need for the
 * plan: each local interface may learn every other address of its subnet.
 * The kernel's table is one for all namespaces, 1024 entries by default. */
size_t plan_neighbours(const struct mi_plan *, unsigned server);

/* A route of a node other than its default gateway. */
struct plan_route {
    uint32_t dst; /* host byte order */
    uint8_t plen;
    uint32_t gateway;
    const char *ifname; /* the node's interface it leaves by */
    uint32_t metric;    /* 0: the kernel's default */
};

/* The measurement host's routes (the original's): for each AS it has a link
 * into, AS.0.0.0/8 via the AS's router (AS.0.199.1), and a default route
 * via it with metric AS, so that a probe bound to interface groupAS (the
 * traceroute verb) leaves through that AS whatever its destination.  Fills
 * at most `max` routes of `out` in link order; returns how many there are
 * (2 per AS). */
size_t plan_measurement_routes(const struct mi_plan *, size_t node,
                               struct plan_route *out, size_t max);

/* The routes miniinet itself sets in node `node`: a host's (or L2 host's)
 * default route via its gateway (plen 0, metric 0, through the interface
 * whose subnet holds the gateway; ifname NULL if none does) and the
 * measurement host's routes (plan_measurement_routes()).  With `through`
 * (n_through interface names), only the routes through one of them: what
 * to put back when those interfaces were made again or set up (the kernel
 * deletes a route through an interface that goes down).  Fills at most
 * `max` of `out`; returns how many there are. */
size_t plan_node_routes(const struct mi_plan *, size_t node,
                        const char *const *through, size_t n_through,
                        struct plan_route *out, size_t max);

/* Whether the plan has a management bridge of student access
 * (MI_BRIDGE_MGMT). */
bool plan_has_mgmt(const struct mi_plan *);

/* The measurement host's node index, or -1 when the network has none. */
int plan_measurement_node(const struct mi_plan *);

/* The index of AS `asn`'s link to the measurement host (end[0] its router,
 * end[1] the host), or -1. */
int plan_measurement_link(const struct mi_plan *, unsigned asn);

/* The AS whose link gives the measurement host address `ip` (host byte
 * order), or -1 when `ip` is none of its addresses. */
int plan_measurement_owner(const struct mi_plan *, uint32_t ip);

/* Index of the server named `name`, or -1. */
int plan_find_server(const struct plan *, const char *name);

/* Formats "a.b.c.d/len" (or "a.b.c.d" when with_plen is false). */
void plan_format_addr(const struct mi_addr *, bool with_plen, char *buf,
                      size_t len);

#endif
