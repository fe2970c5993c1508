/* Placement of ASes on servers: part of the plan, kept apart because it is
 * the one piece with an algorithm worth testing on its own.
 *
 * ASes (and IXPs) with a `server` setting go there.  The others are placed
 * one by one, neighbours first, on the server that already holds most of
 * their neighbours among those with room left, so that routers are balanced
 * across servers and few links cross servers.  Ties go to the least loaded,
 * then the first server.  Deterministic: same topology, same placement.
 */
#ifndef MINIINET_PLACEMENT_H
#define MINIINET_PLACEMENT_H 1

#include "topology.h"

/* Fills server_of[i] with the server index of topo->ases[i].  With no
 * servers in the topology everything goes to server 0.  Returns 0 or
 * -EINVAL (reported) when the fixed placements leave no valid solution. */
int placement_compute(const struct topology *topo, unsigned *server_of);

#endif
