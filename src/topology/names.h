/* Every name miniinet generates from topology names, in one place, so the
 * validator that checks them and the planner that uses them cannot
 * disagree.  Each function writes into buf (of `len` bytes) and returns the
 * length the full name has, like snprintf: a result >= TOPO_IFNAMSIZ means
 * the name does not fit a Linux interface name. */
#ifndef MINIINET_NAMES_H
#define MINIINET_NAMES_H 1

#include <stddef.h>

#include <miniinet/plugin.h>

/* Nodes (namespaces, containers). */
int names_router(char *buf, size_t len, unsigned asn, const char *router);
int names_host(char *buf, size_t len, unsigned asn, const char *router);
int names_l2host(char *buf, size_t len, unsigned asn, const char *l2net,
                 const char *host);
int names_routeserver(char *buf, size_t len, unsigned ixp);
/* A student group's SSH proxy, "<AS>_ssh" (the original's name). */
int names_proxy(char *buf, size_t len, unsigned asn);

/* Bridges (OVS bridge names are interface names too). */
/* A student group's management bridge, "<AS>_mgmt" (at most 8 characters;
 * no switch's "<AS>_L2_..." nor IXP's "<IXP>_IXP" can take it). */
int names_mgmt_bridge(char *buf, size_t len, unsigned asn);
int names_switch(char *buf, size_t len, unsigned asn, const char *l2net,
                 const char *sw);
int names_ixp_bridge(char *buf, size_t len, unsigned ixp);
/* The OVS bridge of switch number `sw` of L2 network number `dc` (0-based
 * positions in the AS): names_switch() when that fits a Linux interface
 * name, else the short "<AS>_L2.<dc>.<sw>".  Topology names have no '.',
 * so a short name is never another switch's full name (nor any other
 * bridge's, port's or node's), and (AS, dc, sw) make it unique. */
int names_switch_bridge(char *buf, size_t len, unsigned asn, const char *l2net,
                        const char *sw, size_t dc, size_t sw_index);

/* The AS (or IXP) of a node's or bridge's name made above: every one
 * starts with its number and '_'.  0 when `name` does not. */
unsigned names_asn_of(const char *name);

/* Interfaces inside nodes. */
int names_if_internal(char *buf, size_t len, const char *other_router);
int names_if_external(char *buf, size_t len, unsigned peer_asn,
                      const char *peer_router);
int names_if_router_host(char *buf, size_t len); /* "host" */
/* A router's host of row `row` (`hosts = [...]`): "<AS>_<R>host<ROW>" and
 * the router's "host<ROW>". */
int names_host_row(char *buf, size_t len, unsigned asn, const char *router,
                   unsigned row);
int names_if_router_host_row(char *buf, size_t len, unsigned row);
int names_if_host_router(char *buf, size_t len, const char *router);
int names_if_gateway(char *buf, size_t len, const char *router, unsigned vlan);
int names_if_l2host(char *buf, size_t len, unsigned asn, const char *sw);
/* An L2 host's interface to switch number `sw` of L2 network `dc`:
 * names_if_l2host() when it fits, else "<AS>-L2.<dc>.<sw>" (the host's
 * only interface, so unique in it). */
int names_if_l2host_fit(char *buf, size_t len, unsigned asn, const char *sw,
                        size_t dc, size_t sw_index);
int names_if_ixp(char *buf, size_t len, unsigned ixp);
/* A device's interface on its AS's management network, "ssh". */
int names_if_mgmt(char *buf, size_t len);

/* Root-namespace end of a veth whose other end is in a node, for link
 * number `link` of the plan and end 0 or 1. */
/* The measurement host (the original's names): node "MEASUREMENT", its
 * interface into AS N "groupN", the router's end "measurement_N". */
int names_measurement(char *buf, size_t len);
int names_if_measurement_router(char *buf, size_t len, unsigned asn);
int names_if_measurement_host(char *buf, size_t len, unsigned asn);

int names_port(char *buf, size_t len, size_t link, int end);

/* The kinds of plugin as the topology file, the state record and messages
 * name them: plugin_kind_names[kind - 1], NULL-terminated. */
extern const char *const plugin_kind_names[MI_PLUGIN_KIND_COUNT + 1];
const char *plugin_kind_name(enum mi_plugin_kind);
/* 0 when `name` is not a kind. */
enum mi_plugin_kind plugin_kind_from_name(const char *name);

#endif
