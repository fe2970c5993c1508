/* FRR configuration of routers and route servers, generated from the plan.
 *
 * Everything here is a pure function of the plan: the same plan gives the
 * same bytes on every server, so configurations can be diffed, tested
 * without root and regenerated at any time.
 *
 * The output is one integrated frr.conf (FRR 8.4 syntax, `frr defaults
 * traditional`).  It deliberately leaves out
 *   - interface addresses: the core sets them by netlink, before FRR starts;
 *   - logging: the runtime chooses where logs go (the daemons' --log option),
 *     and a `log` line in the file would override its choice.
 *
 * Routers of a preconfigured AS get the original mini-Internet's policy:
 *   - a null route for the AS prefix AS.0.0.0/8, announced in BGP;
 *   - OSPF area 0 on the loopback /24, internal links (cost 1), the host
 *     link and the gateway's L2 block AS.(200+dc).0.0/16, passive everywhere
 *     but on internal links; router-id = loopback address;
 *   - an iBGP full mesh between loopbacks with next-hop-self;
 *   - eBGP with Gao-Rexford policy.  A route from a customer gets community
 *     AS:10 and local-pref 100, from a peer (an IXP counts as one) AS:20 and
 *     50, from a provider AS:30 and 20.  Customers receive the own prefix and
 *     everything learned; peers and providers the own prefix and customer
 *     routes (AS:10) only; ties between equal eBGP routes go to the lowest
 *     router id (`bgp bestpath compare-routerid`), not to the oldest route,
 *     so that paths do not depend on timing or placement;
 *   - at an IXP, exported routes carry IXP:X for every AS X that the route
 *     server may pass them to (the link's announce list, else all members).
 * Route servers peer with every member as route-server-client and pass a
 * route to member X only if it carries IXP:X.
 *
 * Routers of a students' AS (mi_as.configured false) get a skeleton only:
 * hostname and described interfaces, no routing.
 */
#ifndef MINIINET_FRRCONF_H
#define MINIINET_FRRCONF_H 1

#include <stddef.h>
#include <stdio.h>

#include <miniinet/plugin.h>

/* Writes the integrated frr.conf of node `node` (an index into
 * plan->nodes; a router or a route server) to `out`.  Returns 0, -EINVAL
 * after logging why when the node runs no FRR or the plan is inconsistent
 * around it (nothing is written then), or -EIO when writing failed. */
int frrconf_write(const struct mi_plan *plan, size_t node, FILE *out);

/* Writes the part of node `node`'s configuration that FRR daemon `daemon`
 * (one of frrconf_daemons()) reads at start with `-f`: FRR 8.4's daemons
 * read their own files, not the integrated one.  Each daemon gets what
 * vtysh gives it when it loads the integrated file (the commands that
 * daemon has: its own sections, and the interfaces, prefix-lists and
 * route-maps it shares with others), so that every daemon, and vtysh's
 * `show running-config` which merges them, ends up as after
 * `vtysh -f frr.conf`.  `frr defaults` goes to each; the hostname and the
 * vtysh-only `service integrated-vtysh-config` to none (vtysh never passed
 * the hostname on: the daemons keep the node's, set by the runtime).  Returns
 * as frrconf_write(), also -EINVAL for a daemon the node does not run. */
int frrconf_write_daemon(const struct mi_plan *plan, size_t node,
                         const char *daemon, FILE *out);

/* The FRR daemons node `node` needs, without watchfrr, in start order
 * (zebra first), as a NULL-terminated list of static strings.  Routers run
 * zebra, staticd, ospfd and bgpd whether or not their AS is preconfigured
 * (students configure those daemons), route servers zebra and bgpd.  Nodes
 * without FRR (hosts) and invalid indices get an empty list. */
const char *const *frrconf_daemons(const struct mi_plan *plan, size_t node);
/* The same by kind alone (the daemons depend on nothing else): for what
 * runs without a plan, from the state record (`save`). */
const char *const *frrconf_kind_daemons(enum mi_node_kind kind);

/* The hostname frrconf_write() gives the node: "<label>_router" for a
 * router, as in the original platform, the node name for a route server.
 * Written into buf like snprintf(); returns snprintf()'s result, or -1 for
 * a node without FRR. */
int frrconf_hostname(const struct mi_plan *plan, size_t node, char *buf,
                     size_t len);

#endif
