/* The student access plan: per selected AS, its SSH proxy and its
 * management network (doc/access.md).  Pure, like the rest of the plan: a
 * function of the topology and the data-plane plan, nothing else.
 *
 * The management network of AS N is 158.N.0.0/16, apart from the data
 * plane (the original platform's numbering, UPSTREAM.md):
 *   proxy "<N>_ssh"                        158.N.0.2
 *   router of row i (interface "ssh")      158.N.(i+10).1
 *   the L3 host of row i ("host", or "host<i>" with `hosts`)
 *                                          158.N.(i+10).2
 *   switch n of the AS (0-based, all L2 networks in file order)
 *                                          158.N.100.(n+3)
 *   L2 host n of the AS (the same order)   158.N.200.(n+3)
 * Switches are bridges on the server, not devices: their address is the
 * one `goto NET SWITCH` stands for, served by the switch's restricted VLAN
 * command rather than by a shell.
 *
 * plan.c puts the proxies into struct mi_plan (MI_NODE_PROXY) and, from
 * this plan's addresses, the management network: per group one bridge
 * "<N>_mgmt" (MI_BRIDGE_MGMT) and one link to it (MI_LINK_MGMT) from the
 * proxy and from each device that is a node (routers, L3 hosts, L2 hosts;
 * a switch is no node), interface "ssh" -- the indices stored back here
 * (access_group.bridge and .link, access_device.link).  Routers' FRR
 * configurations (frrconf.c) leave every MI_LINK_MGMT out, so the
 * management network never leaks into OSPF or BGP. */
#ifndef MINIINET_ACCESS_H
#define MINIINET_ACCESS_H 1

#include <stddef.h>

#include <miniinet/plugin.h>

#include "topology.h"

#define ACCESS_USER                                                           \
    "root"                /* students log into their proxy as, as on the      \
                             original platform (confined by the proxy) */
#define ACCESS_MAX_L2 252 /* switches, L2 hosts per AS: .3 to .254 */

enum access_device_kind {
    ACCESS_ROUTER = 1,
    ACCESS_HOST,   /* an L3 host, behind its router */
    ACCESS_SWITCH, /* a bridge of an L2 network */
    ACCESS_L2HOST
};

/* One device a group reaches with `goto LOCATION WHAT`. */
struct access_device {
    enum access_device_kind kind;
    char *location;      /* router "LUGA", or L2 network "DCN" */
    char *what;          /* "router", "host", switch "S1", L2 host "FIFA_1" */
    int node;            /* plan node, or -1 (a switch) */
    int bridge;          /* plan bridge of a switch, or -1 */
    struct mi_addr addr; /* 158.N.x.y/16 */
    int link;            /* its MI_LINK_MGMT (plan.c), or -1 (a switch) */
};

struct access_group {
    unsigned asn;
    unsigned as_index; /* into mi_plan.ases */
    unsigned server;   /* the AS's, where its proxy runs */
    unsigned port;     /* port_base + asn, on the server's address */
    char proxy[16];    /* "<N>_ssh" */
    int node;          /* the proxy's plan node (MI_NODE_PROXY) */
    struct mi_addr proxy_addr;
    char bridge_name[16]; /* its management bridge, "<N>_mgmt" */
    int bridge;           /* that bridge in the plan (MI_BRIDGE_MGMT) */
    int link;             /* the proxy's MI_LINK_MGMT to it */
    struct access_device *devices; /* routers, L3 hosts, switches, L2 hosts */
    size_t n_devices;
};

struct access_plan {
    char ifname[16]; /* every device's interface there, names_if_mgmt() */
    unsigned port_base;
    struct access_group *groups; /* in AS order */
    size_t n_groups;
    size_t n_ta_keys; /* the topology's access.ta_keys */
};

/* The access plan of `topo` (whose plan is `p`): 0 with *out NULL when the
 * topology has no access, 0 with a new plan, or -EINVAL after reporting
 * "FILE:LINE: ..." (an AS with more switches or L2 hosts than its
 * management network numbers, a name taken). */
int access_plan_compute(const struct topology *topo, const struct mi_plan *p,
                        struct access_plan **out);

void access_plan_free(struct access_plan *);

/* The group of AS `asn`, or NULL. */
const struct access_group *access_plan_group(const struct access_plan *,
                                             unsigned asn);

/* The group whose proxy, or device with a shell, is plan node `node`
 * (the nodes in which student access runs an sshd), or NULL. */
const struct access_group *access_sshd_group(const struct access_plan *,
                                             size_t node);

/* "router", "host", "switch", "l2host". */
const char *access_device_kind_name(enum access_device_kind);

/* What holds a TCP port on a server, as preflight finds it there. */
struct access_port_holder {
    unsigned port;
    const char *network; /* another network's proxy (its state record's
                            "port"), or NULL: a listening socket */
    unsigned asn;        /* that network's AS */
};

/* A group's port that something holds already. */
struct access_port_clash {
    const struct access_group *group;
    const struct access_port_holder *holder;
};

/* The clashes of the groups whose proxy is on `server` with the `n`
 * holders: every holder of a group's port, in group order, then in the
 * holders' order.  Returns how many, in *out (malloc()ed, NULL when none).
 * Pure. */
size_t access_port_clashes(const struct access_plan *, unsigned server,
                           const struct access_port_holder *, size_t n,
                           struct access_port_clash **out);

/* "port 2003 of AS 3 is in use by a listening socket on server s1", or
 * "... by network other's AS 3 proxy on server s1" (malloc()ed). */
char *access_port_clash_text(const struct access_port_clash *,
                             const char *server);

/* The master's reading of a clash a server reported (wire_port): its
 * text as above when AS `asn` has a group on `server` (named
 * `server_name`) with that port, else NULL: the reply is wrong.  `network`
 * NULL: a listening socket. */
char *access_port_reported(const struct access_plan *, unsigned server,
                           const char *server_name, unsigned asn,
                           unsigned port, const char *network,
                           unsigned network_asn);

#endif
