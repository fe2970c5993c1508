/* Bringing a network up and down on this server, and looking at it.
 *
 * `up` turns the plan into a running network in phases, each batched or run
 * in parallel over -j workers:
 *
 *   check     nothing the plan names exists yet; the kernel has what the
 *             links ask for (netem, tbf)
 *   record    the state record lists everything about to be made
 *   switch    the switch plugin makes sure a switch daemon runs
 *   nodes     the runtime makes one node per router, host, route server
 *   links     veth pairs, each end created in its node under its final
 *             name (netlink, batched)
 *   bridges   the switch plugin makes bridges and ports (one transaction)
 *   addresses per node: addresses, loopback, default route, qdiscs
 *   frr       per router: frr.conf written, daemons started, config loaded
 *
 * `down` reads only the state record, so it works without the topology
 * file, after a killed `up`, and twice in a row.
 */
#ifndef MINIINET_NETWORK_H
#define MINIINET_NETWORK_H 1

#include "cli.h"

int network_up(struct session *);

/* `network` NULL: the topology file's network, else the only one up. */
int network_down(struct session *, const char *network);

int network_status(struct session *);

/* Runs argv (NULL: vtysh on a router, a shell on a host) in node `node`;
 * returns the program's exit status. */
int network_exec(struct session *, const char *node, char **argv);

int network_check(struct session *);

/* Internal: shared by the network_*.c files. */
struct state;
int network_load_state_plugins(struct session *, const struct state *);
const char *network_resolve_name(struct session *, const char *network);
unsigned network_local_server(const struct session *);

#endif
