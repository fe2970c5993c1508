/* Netlink for the orchestrator: veth pairs, node configuration, qdiscs,
 * listings, in any network namespace.
 *
 * Namespaces are named by path (/run/netns/X, /proc/PID/ns/net); NULL
 * means the caller's.  Work inside another namespace runs in a short-lived
 * thread that setns()es into it, so the caller's thread never changes
 * namespace; a netlink socket acts in the namespace where it was created,
 * so each such thread makes its own.
 *
 * Requests are batched: one socket, a window of requests sent back to
 * back, then their acks collected (each carries its own error), so a
 * thousand links cost a few system calls rather than a thousand round
 * trips.
 *
 * Every function returns 0 or a negative errno and logs each failure with
 * log_error(), naming the object (interface, namespace) and the reason
 * (the kernel's extended ack message is appended when it gives one).  All
 * are thread-safe. */
#ifndef MINIINET_NETLINK_H
#define MINIINET_NETLINK_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <miniinet/plugin.h>

/* ------------------------------------------------------------------------ */
/* veth pairs                                                               */
/* ------------------------------------------------------------------------ */

struct veth_end {
    const char *name;  /* interface name, 1 to 15 characters */
    const char *netns; /* path like /run/netns/X, NULL = the caller's */
};

struct veth_spec {
    struct veth_end end[2];
    unsigned mtu; /* of both ends; 0: the kernel's default */
};

/* Creates n veth pairs, each end directly in its namespace under its final
 * name, with the MTU, and up: one RTM_NEWLINK per pair (IFLA_NET_NS_FD for
 * both ends), never "create then move".  The kernel refuses IFF_UP for the
 * peer in that request (it opens the peer before linking the two ends:
 * ENOTCONN), so the request sets one end up and a second batch, one per
 * namespace, sets the other ends up by name.  Namespaces are opened once
 * per distinct path.
 *
 * A pair that fails is logged once, naming both ends as NS:IFNAME (NS the
 * last component of the namespace path), e.g.
 *     veth 1_ZURIrouter:port_BASE - 1_BASErouter:port_ZURI: File exists
 * and the others are still created.  Returns 0 or the first -errno.  Pairs
 * created stay: the caller's state record covers them.  A name that does
 * not fit IFNAMSIZ fails the whole call with -EINVAL before anything is
 * created. */
int netlink_create_veths(const struct veth_spec *, size_t n);

/* ------------------------------------------------------------------------ */
/* Node configuration                                                       */
/* ------------------------------------------------------------------------ */

struct if_spec {
    const char *ifname;
    struct mi_addr addr; /* plen 0: no address */
    bool tx_csum_off;    /* switch TX checksum offload off (ethtool -K tx
                            off); needed for a veth whose peer is on an
                            Open vSwitch userspace bridge */
    uint64_t rate_bps;   /* >0: tbf root qdisc at this rate, in bit/s (at
                            most 8 * INT32_MAX, about 17 Gbit/s) */
    uint32_t delay_us;   /* >0: netem delay; the root qdisc, or the child of
                            the tbf when both are set */
    uint32_t buffer_us;  /* tbf queue, as time at the rate; 0: 50 ms */
    bool held;           /* left down (set down when up), addressed and
                            shaped: netlink_raise_links() sets it up */
};

/* A route of a node through one of its interfaces. */
struct route_spec {
    uint32_t dst; /* host byte order */
    uint8_t plen;
    uint32_t gateway; /* host byte order */
    size_t if_index;  /* the interface: index into node_net_spec.ifs */
    uint32_t metric;  /* 0: the kernel's default */
};

struct node_net_spec {
    const char *netns; /* namespace path; NULL: the caller's */
    const struct if_spec *ifs;
    size_t n_ifs;
    struct mi_addr loopback; /* plen 0: none; else added to "lo" */
    uint32_t default_gw;     /* 0: none; else default route via it (host
                                byte order) */
    const struct route_spec *routes; /* more routes, added last */
    size_t n_routes;
};

/* Configures one node's namespace: "lo" up, the loopback address, each
 * interface up with its address, TX checksum offload, qdiscs, and the
 * default route.  Everything is create-or-replace, so running it twice is
 * harmless.  The netlink requests go in one batch on one socket made in
 * the namespace; a failed one is logged and the others still apply.
 * Returns 0 or the first -errno: -ENODEV for an interface that does not
 * exist, -EOPNOTSUPP (before anything is changed) when a delay or rate
 * needs a qdisc the kernel is known to lack (see netlink_have_qdisc()),
 * -ERANGE for a rate tbf cannot express.
 * Called from several threads at once for different nodes. */
int netlink_configure_node(const struct node_net_spec *);

/* Sets the interfaces `names` (n of them) of namespace `netns` (NULL: the
 * caller's) up, by name, in one batch on one socket made in the namespace.
 * Returns 0 or the first -errno, each failure logged. */
int netlink_raise_links(const char *netns, const char *const *names, size_t n);

/* tbf parameters for `rate_bps` on an interface of MTU `mtu` with a queue
 * of `buffer_us` (0: 50 ms): bucket (burst) and limit in bytes.  Exposed
 * for tests and for the plan's summary. */
void netlink_tbf_params(uint64_t rate_bps, unsigned mtu, uint32_t buffer_us,
                        uint32_t *burst, uint32_t *limit);

/* True if the kernel has the queueing discipline `kind` ("netem", "tbf";
 * any other kind is probed without options and counts as present unless
 * the kernel does not know it).  Probed once, by adding it to "lo" in a
 * throwaway namespace of a short-lived thread; the answer is cached.
 * False, uncached, when the probe cannot run (no privilege); then
 * netlink_configure_node() does not refuse up front but lets the kernel
 * answer. */
bool netlink_have_qdisc(const char *kind);

/* `miniinet link` on one end of a link, in namespace `netns`: */
struct link_control {
    bool set_state; /* set the interface up or down */
    bool up;
    bool set_shape; /* replace its qdiscs by these (0: none) */
    uint64_t rate_bps;
    uint32_t delay_us;
    uint32_t buffer_us; /* tbf queue; 0: 50 ms */
};

/* Applies `c` to `ifname` in one batch: the state, and for a shape the old
 * root qdisc deleted and the new ones added as netlink_configure_node()
 * does.  Refuses up front (-EOPNOTSUPP, -ERANGE) what it would, -ENODEV
 * for an interface that is not there.  Returns 0 or -errno, logged. */
int netlink_control_link(const char *netns, const char *ifname,
                         const struct link_control *c);

/* Turns IPv6 off on `ifname` in `netns` (NULL: the caller's): writes 1 to
 * /proc/sys/net/ipv6/conf/IFNAME/disable_ipv6 from a thread inside the
 * namespace (the kernel takes no disable_ipv6 through RTM_SETLINK).  A
 * kernel without IPv6 (no net/ipv6 in /proc/sys) is not an error.
 * Returns 0 or -errno, logged. */
int netlink_disable_ipv6(const char *netns, const char *ifname);

/* ------------------------------------------------------------------------ */
/* Deleting and listing                                                     */
/* ------------------------------------------------------------------------ */

/* Deletes the named links in the caller's namespace, in one batch; a
 * missing one is not an error (deleting one end of a veth deletes both, so
 * naming both ends is fine).  Four or more are first moved into an
 * interface group of their own (one no link is in, from 0x6d690000 plus the
 * pid modulo 4096 on, within 0x6d690000-0x6d690fff) and deleted with it in
 * one request, when that group
 * then holds those links only: the kernel unregisters them together
 * instead of waiting for RCU once per link.  Otherwise they are put back
 * into their groups; whatever is left goes one request each. */
int netlink_delete_links(const char *const *names, size_t n);

/* Whether each of the `n` named interfaces is in the caller's namespace
 * (exists[i]): one SIOCGIFINDEX each on one socket, no dump of every
 * interface with its statistics, so cheap enough to ask about thousands
 * of names every 100 ms while the kernel deletes them.  Returns 0, or
 * -errno (no socket), logged. */
int netlink_links_exist(const char *const *names, size_t n, bool *exists);

struct if_status {
    char name[16];
    int ifindex;
    bool up; /* administratively (IFF_UP) */
    unsigned mtu;
    struct mi_addr addr[4]; /* IPv4 addresses, the first four */
    size_t n_addr;
};

/* Lists the interfaces of namespace `netns` (NULL: the caller's), ordered
 * by ifindex, with state and IPv4 addresses.  *out is malloc()ed (NULL
 * when *n is 0); free() it. */
int netlink_list_interfaces(const char *netns, struct if_status **out,
                            size_t *n);

/* The addresses and routes of namespace `netns`, as canonical text (for
 * snapshots of hosts): one line per item, sorted, from the kernel (never
 * from a program of the node):
 *     addr IFNAME ADDRESS/PREFIXLEN        (not loopback, not link-local)
 *     route DEST/PREFIXLEN via GATEWAY dev IFNAME
 *     route DEST/PREFIXLEN dev IFNAME      (main table; not the kernel's own)
 * With `skip_if` (NULL: none), the addresses on that interface and the
 * routes through it are left out (student access's management interface,
 * which snapshots never hold).  At most NETLINK_DUMP_MAX_LINES lines
 * (-E2BIG beyond).  *text is malloc()ed. */
#define NETLINK_DUMP_MAX_LINES 4096
int netlink_dump_node(const char *netns, const char *skip_if, char **text);

/* ------------------------------------------------------------------------ */
/* Listening sockets                                                        */
/* ------------------------------------------------------------------------ */

/* The TCP ports on which a socket listens in the caller's network
 * namespace, on any address, IPv4 or IPv6 (the kernel's sock_diag, one
 * dump per family: no /proc file is read): *ports malloc()ed, sorted, each
 * port once.  `port` >= 0: only the sockets on that port, filtered by the
 * kernel (an inet_diag bytecode filter), and the first one ends the
 * listing: *ports is empty or that port alone; -1: every one, at most
 * NETLINK_MAX_LISTENERS sockets (-E2BIG beyond).
 * Returns 0 or -errno, logged. */
#define NETLINK_MAX_LISTENERS 65536
int netlink_tcp_listening(int port, uint16_t **ports, size_t *n);

/* Whether a TCP socket listens on `port` (any address) in namespace
 * `netns` (NULL: the caller's), as the kernel says (netlink_tcp_listening()
 * of that port only, from a thread inside it: the namespace's other
 * listeners, however many, are not dumped; nothing of the namespace's
 * files is read): 1, 0, or -errno, logged. */
int netlink_tcp_listens(const char *netns, uint16_t port);

/* ------------------------------------------------------------------------ */
/* Building blocks (also used by host.c)                                    */
/* ------------------------------------------------------------------------ */

/* Opens the namespace at `netns` (O_RDONLY|O_CLOEXEC).  Returns the file
 * descriptor, or -errno after logging "CTX: cannot open network namespace
 * NETNS: REASON". */
int netlink_open_netns(const char *netns, const char *ctx);

/* Runs fn(arg) in a new thread that has entered the namespace open as `fd`
 * (its path `netns` is for messages) and returns fn's result, or -errno
 * after logging "CTX: cannot enter network namespace NETNS: REASON" or
 * "CTX: cannot start a thread: REASON". */
int netlink_in_netns_fd(int fd, const char *netns, const char *ctx,
                        int (*fn)(void *), void *arg);

/* The same by path; with netns NULL, runs fn(arg) in the caller's thread. */
int netlink_in_netns(const char *netns, const char *ctx, int (*fn)(void *),
                     void *arg);

/* A libnl error code (negative NLE_*) as a negative errno. */
int netlink_errno(int nlerr);

#endif
