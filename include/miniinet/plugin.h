/* miniinet plugin API.
 *
 * This is the only header a backend needs.  A plugin is a shared object that
 * exports exactly one symbol, MI_PLUGIN_SYMBOL ("miniinet_plugin"), a
 * `const struct mi_plugin` descriptor.  Build one out of tree with
 *
 *     cc -shared -fPIC $(pkg-config --cflags miniinet-plugin) -o foo.so foo.c
 *
 * and load it with `miniinet --plugin-dir DIR ...`.
 *
 * Life cycle
 * ----------
 * 1. The host dlopen()s the file with RTLD_NOW | RTLD_LOCAL and looks up
 *    MI_PLUGIN_SYMBOL.  It refuses the file unless `abi_major` equals
 *    MI_PLUGIN_ABI_MAJOR, the descriptor is whole, and the ops table has
 *    every operation its kind requires (Compatibility, below).  Nothing in
 *    the plugin is called before these checks pass.
 * 2. For each plugin chosen for a run (exactly one runtime, one switch and one
 *    tunnel), the host calls `configure` once, handing it the host services
 * and the plugin's own settings section of the topology file.  `configure`
 *    validates the settings (unknown keys are errors) and returns private
 * state.
 * 3. The host then calls the kind's operations with that state, from one
 *    thread at a time unless an operation says otherwise.
 * 4. The host calls `release` exactly once for every successful `configure`,
 *    also after a failed operation.  The plugin is never dlclose()d while its
 *    state is alive.
 *
 * Ownership
 * ---------
 * Everything the host passes in (host services, settings, plan) belongs to the
 * host and stays valid until `release` returns.  A plugin must not keep
 * pointers into it afterwards.  Memory a plugin allocates is its own to free.
 *
 * Error convention
 * ----------------
 * Every operation that can fail returns 0 on success or a negative errno value
 * on failure (-EINVAL bad settings or plan, -ENOTSUP the machine lacks a
 * feature, -EIO an external program or daemon failed, ...).  Before returning
 * an error the plugin reports the reason through host->error() or
 * host->setting_error() so the user sees which object failed and why; the
 * host only adds context.  Plugins never print to stdout/stderr themselves and
 * never call exit().
 *
 * Threads
 * -------
 * Host services are thread-safe.  A plugin may use threads internally.
 *
 * Compatibility
 * -------------
 * The ABI is MI_PLUGIN_ABI_MAJOR.MI_PLUGIN_ABI_MINOR (doc/plugins.md, "ABI
 * policy").  The major changes when a compiled plugin would break: a member
 * moved, removed or retyped, a meaning changed.  The host refuses a plugin
 * of another major.  The minor grows when something is only added at the
 * end of a structure: an operation at the end of an ops table, a member at
 * the end of struct mi_host or of a plan element.  Every such structure
 * carries its size, so that
 *   - a plugin built for an older minor loads: the operations beyond its
 *     table's `common.size` are absent, and the host uses their documented
 *     default;
 *   - a plugin built for a newer minor loads: the host ignores the table's
 *     tail it does not know.  A plugin that uses a host service or a plan
 *     member added later checks `host->size` (MI_HOST_HAS) or the plan's
 *     strides first.
 * Define MI_PLUGIN_TARGET_MINOR before including this header to build for
 * an older minor: what later minors added is then hidden, and the
 * descriptor says that minor.  Plugins read the plan's arrays through
 * mi_plan_node() and its siblings, never by indexing, so that elements can
 * grow.
 */
#ifndef MINIINET_PLUGIN_H
#define MINIINET_PLUGIN_H 1

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI of this header.  4.0: versioned descriptor and ops tables, plan
 * strides, per-side tunnel ports, the FRR start sequence moved to the host
 * (runtime start_daemon).  4.1: runtime describe_node.  4.2: tunnel
 * reassert.  4.3: mi_bridge.label (a switch's full name when its bridge
 * name is shortened), untagged access ports (VLAN 0 on L2 host and gateway
 * links).  4.4: switch get_vlans and set_vlans.  4.5: the measurement
 * host (MI_NODE_MEASUREMENT, MI_LINK_MEASUREMENT).  4.6: switch
 * dead_daemons and reattach_port, mi_as.matrix_host, tunnel
 * reattach_port, runtime stop_frr.  4.7: switch bridges_exist, runtime
 * run_bounded.  4.8: runtime check_access, a student group's proxy
 * (MI_NODE_PROXY).  4.9: clear_leftovers of every kind (what a reboot left
 * of a network whose record it took).  4.10: runtime start_daemon starts
 * the daemon with its own configuration file `dir`/DAEMON.conf when there
 * is one (the host loads no frr.conf through vtysh then).  4.11: the
 * management network of student access (MI_BRIDGE_MGMT, MI_LINK_MGMT) and
 * the switch's check_mgmt, without which the host hands no switch a plan
 * that has them.  4.12: runtime put_files (struct mi_file), with which
 * `up` installs student access into the proxies and devices.  4.13: switch
 * set_port_vlan (struct mi_port_vlan), with which students set their own
 * switches' VLANs through miniinet.  4.14: runtime freeze_node, with which
 * `down` stops every node's processes before it kills any.  4.15: the
 * host's links_delete, many links deleted together. */
#define MI_PLUGIN_ABI_MAJOR 4
#define MI_PLUGIN_ABI_MINOR 15
#define MI_PLUGIN_SYMBOL "miniinet_plugin"

/* The minor a plugin is built for (the descriptor's `abi_minor`): this
 * header's unless the plugin asks for an older one. */
#ifndef MI_PLUGIN_TARGET_MINOR
#define MI_PLUGIN_TARGET_MINOR MI_PLUGIN_ABI_MINOR
#elif MI_PLUGIN_TARGET_MINOR > MI_PLUGIN_ABI_MINOR
#error "MI_PLUGIN_TARGET_MINOR is newer than this plugin.h"
#endif

#if defined(__GNUC__)
#define MI_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define MI_EXPORT __attribute__((visibility("default")))
#else
#define MI_PRINTF(fmt, args)
#define MI_EXPORT
#endif

/* ------------------------------------------------------------------------ */
/* The plan: what will exist on every server.                              */
/* ------------------------------------------------------------------------ */

/* The plan is computed by the host from the topology file before any plugin
 * operation runs.  It is pure data, identical on every server for the same
 * topology file, and read-only for plugins.  Indices into the plan's arrays
 * are stable for a given topology file. */

/* An IPv4 address with prefix length.  `ip` is in host byte order; an
 * address with plen == 0 means "none". */
struct mi_addr {
    uint32_t ip;
    uint8_t plen;
};

enum mi_node_kind {
    MI_NODE_ROUTER = 1,  /* FRR router, e.g. "3_ZURIrouter" */
    MI_NODE_HOST,        /* L3 host behind one router, "3_ZURIhost" */
    MI_NODE_L2HOST,      /* host in an AS's L2 network, "3_L2_DCN_FIFA_1" */
    MI_NODE_ROUTESERVER, /* an IXP's route server, "80_IXP" */
    /* The network's measurement host "MEASUREMENT" (since 4.5): in no AS
     * (asn 0, as_index == mi_plan.n_ases), a link into every AS.  A
     * runtime treats it as a host. */
    MI_NODE_MEASUREMENT,
    /* A student group's SSH proxy "<AS>_ssh" (since 4.8): only in the plan
     * of a topology with `access`, which the host gives only to a runtime
     * whose check_access() accepts it.  asn and as_index are its group's
     * AS, server the AS's, but it comes after every AS's nodes (and the
     * measurement host), outside mi_as.first_node/n_nodes.  No link of
     * the data plane reaches it; since 4.11 its management link does
     * (MI_LINK_MGMT, its interface "ssh" at 158.AS.0.2/16). */
    MI_NODE_PROXY
};

/* Business relationship: the role of a link's end[0] AS towards end[1]. */
enum mi_rel {
    MI_REL_NONE = 0, /* internal links */
    MI_REL_PROVIDER, /* end[0] is the provider of end[1] */
    MI_REL_CUSTOMER, /* end[0] is a customer of end[1] */
    MI_REL_PEER
};

enum mi_link_kind {
    MI_LINK_INTERNAL = 1, /* router - router inside one AS */
    MI_LINK_HOST,         /* router - its L3 host */
    MI_LINK_EXTERNAL,     /* router - router of another AS */
    MI_LINK_IXP,          /* router - IXP LAN (end[1] is a bridge) */
    MI_LINK_L2_GATEWAY,   /* router - switch, one access link per VLAN */
    MI_LINK_L2_HOST,      /* L2 host - switch, access port */
    MI_LINK_L2_TRUNK,     /* switch - switch, trunk of all VLANs */
    MI_LINK_MEASUREMENT,  /* router - the measurement host (since 4.5) */
    /* Since 4.11, only in a plan with student access (doc/access.md): a
     * device of a group (router, L3 host, L2 host) or the group's proxy -
     * the group's management bridge (MI_BRIDGE_MGMT).  end[0] the node,
     * interface "ssh" with its 158.AS.x.y/16; end[1] the bridge, VLAN 0:
     * a plain port, no VLAN setting.  Never remote, never in OSPF or BGP.
     * After every other link, in group (AS) order: the proxy's, then the
     * devices' in the access plan's order. */
    MI_LINK_MGMT
};

enum mi_bridge_kind {
    MI_BRIDGE_L2SWITCH = 1, /* a switch of an AS's L2 network */
    MI_BRIDGE_IXP,          /* the shared LAN of an IXP */
    /* Since 4.11, only in a plan with student access: the management
     * network 158.AS.0.0/16 of one group, "<AS>_mgmt", after every other
     * bridge, in AS order.  No STP (stp_priority 0, stp_mac zero), no
     * VLANs, no address in the server's namespace, no port but its
     * MI_LINK_MGMT ends: it reaches nothing beyond the group's devices
     * and proxy.  The host hands a plan with one only to a switch whose
     * check_mgmt() accepts it. */
    MI_BRIDGE_MGMT
};

struct mi_server {
    const char *name;            /* "s1"; "local" when the topology has none */
    const char *address;         /* underlay IPv4 address, NULL when local */
    const char *interface;       /* underlay interface, NULL when unset */
    const char *ssh_user;        /* defaults to "root" */
    unsigned ssh_port;           /* defaults to 22 */
    const char *ssh_identity;    /* private key file, NULL: libssh default */
    const char *ssh_known_hosts; /* NULL: ~/.ssh/known_hosts */
    unsigned underlay_mtu;       /* defaults to 1500 */
    unsigned n_routers;          /* routers placed here */
    unsigned n_ases;             /* ASes and IXPs placed here */
};

struct mi_as {
    unsigned asn;    /* 1..223, not 127 */
    bool ixp;        /* an IXP rather than an AS */
    bool configured; /* routing generated (false: left to students) */
    unsigned server; /* index into mi_plan.servers */
    unsigned n_routers;
    unsigned first_node; /* its nodes are nodes[first_node .. +n_nodes) */
    unsigned n_nodes;
    /* The host that stands for the AS in the connectivity matrix (the
     * original's MATRIX_TARGET; topology `matrix = "ROUTER"`): an index
     * into nodes, or -1 (an IXP, an AS without hosts).  Since 4.6. */
    int matrix_host;
};

struct mi_node {
    const char *name; /* unique, a valid namespace / container name */
    enum mi_node_kind kind;
    unsigned asn;
    unsigned as_index; /* index into mi_plan.ases */
    unsigned server;   /* index into mi_plan.servers */
    const char *label; /* router or host name from the topology: "ZURI" */
    unsigned row;      /* router: its row i in the AS (drives addresses) */
    struct mi_addr loopback; /* routers: AS.(151+i).0.1/24 */
    uint32_t gateway;        /* hosts: default gateway, host byte order */
};

/* One end of a link: an interface inside a node, or a port on a bridge. */
struct mi_endpoint {
    int node;           /* index into mi_plan.nodes, or -1 */
    int bridge;         /* index into mi_plan.bridges, or -1 */
    const char *ifname; /* interface name in the node, or port name */
    struct mi_addr addr;
    unsigned vlan; /* bridge ends: access VLAN; 0 on an L2 trunk or an IXP
                      link: all of the bridge's traffic (an IXP LAN is
                      untagged); 0 on an L2 host or L2 gateway link (since
                      4.3): an untagged access port, which carries only
                      untagged frames (OVS tag=0, vlan_mode=access) */
};

struct mi_link {
    enum mi_link_kind kind;
    struct mi_endpoint end[2];
    enum mi_rel rel;            /* external links: role of end[0]'s AS */
    unsigned mtu;               /* MTU of both ends */
    uint64_t rate_bps;          /* 0: unlimited */
    uint32_t delay_us;          /* 0: none */
    uint32_t buffer_us;         /* tbf latency, 0: default */
    unsigned server[2];         /* server of end[0] and end[1] */
    bool remote;                /* server[0] != server[1] */
    unsigned tunnel_id;         /* remote links: 1.. per server pair, else 0 */
    const char *peer[2];        /* root-namespace names of the veth ends that
                                   attach to a bridge (NULL where unused) */
    const char *tunnel_port[2]; /* remote links: the root-namespace
                                   interface the tunnel attaches on
                                   server[e] (NULL for local links) */
    const unsigned *announce;   /* IXP links: the ASes the route server may
                                   give end[0]'s routes to */
    size_t n_announce;          /* 0: every member */
};

struct mi_bridge {
    const char *name; /* OVS bridge name, a Linux interface name (at most
                         15 characters): the switch's "<AS>_L2_<DC>_<SW>",
                         e.g. "3_L2_DCN_S1", or "<IXP>_IXP"; when the
                         switch's name is longer, the short
                         "<AS>_L2.<dc>.<sw>" (positions, 0-based) */
    enum mi_bridge_kind kind;
    unsigned asn;
    unsigned server;
    unsigned stp_priority; /* L2 switches */
    uint8_t stp_mac[6];    /* STP system id */
#if MI_PLUGIN_TARGET_MINOR >= 3
    /* Since 4.3 (check bridge_size).  The bridge's name for users: the
     * switch's full "<AS>_L2_<DC>_<SW>" (the original's container name,
     * e.g. "1_L2_NEWYCITY_STATION"), equal to `name` unless that was
     * shortened; "<IXP>_IXP" for an IXP. */
    const char *label;
#endif
};

/* Each array carries its element size (stride) as the host built it, so
 * that a later minor can add members at the end of an element.  Read the
 * elements with the accessors below, never by indexing: a plugin's
 * sizeof(struct mi_node) may be smaller than the host's. */
struct mi_plan {
    size_t size;      /* sizeof(struct mi_plan) of the host */
    const char *name; /* network name */
    const struct mi_server *servers;
    size_t n_servers, server_size;
    const struct mi_as *ases; /* sorted by asn */
    size_t n_ases, as_size;
    const struct mi_node *nodes;
    size_t n_nodes, node_size;
    const struct mi_link *links;
    size_t n_links, link_size;
    const struct mi_bridge *bridges;
    size_t n_bridges, bridge_size;
};

/* Element i of an array of `stride`-byte elements; a stride of 0 is the
 * size this header knows (a plan built by hand, in a plugin's tests). */
static inline const void *
mi_plan_element_(const void *base, size_t stride, size_t known, size_t i)
{
    return (const char *)base + i * (stride ? stride : known);
}

static inline const struct mi_server *
mi_plan_server(const struct mi_plan *p, size_t i)
{
    return (const struct mi_server *)mi_plan_element_(
        p->servers, p->server_size, sizeof *p->servers, i);
}

static inline const struct mi_as *
mi_plan_as(const struct mi_plan *p, size_t i)
{
    return (const struct mi_as *)mi_plan_element_(p->ases, p->as_size,
                                                  sizeof *p->ases, i);
}

static inline const struct mi_node *
mi_plan_node(const struct mi_plan *p, size_t i)
{
    return (const struct mi_node *)mi_plan_element_(p->nodes, p->node_size,
                                                    sizeof *p->nodes, i);
}

static inline const struct mi_link *
mi_plan_link(const struct mi_plan *p, size_t i)
{
    return (const struct mi_link *)mi_plan_element_(p->links, p->link_size,
                                                    sizeof *p->links, i);
}

static inline const struct mi_bridge *
mi_plan_bridge(const struct mi_plan *p, size_t i)
{
    return (const struct mi_bridge *)mi_plan_element_(
        p->bridges, p->bridge_size, sizeof *p->bridges, i);
}

/* ------------------------------------------------------------------------ */
/* Host services                                                            */
/* ------------------------------------------------------------------------ */

enum mi_log_level { MI_LOG_ERROR = 0, MI_LOG_WARN, MI_LOG_INFO, MI_LOG_DEBUG };

/* A plugin's settings section: `plugins = { NAME = { ... }; };` in the
 * topology file.  Opaque; read it through the host's setting_* services. */
struct mi_settings;

/* What the host offers a plugin.  All strings are NUL-terminated UTF-8. */
struct mi_host {
    size_t size; /* sizeof(struct mi_host) of the host */

    /* Logging.  `log` is for progress and diagnostics; `error` records the
     * reason an operation is about to fail (shown to the user). */
    void (*log)(enum mi_log_level, const char *fmt, ...) MI_PRINTF(2, 3);
    void (*error)(const char *fmt, ...) MI_PRINTF(1, 2);

    /* Settings.  Each getter returns 0 and stores the value, -ENOENT when the
     * key is absent (the output is left untouched, so preset the default), or
     * -EINVAL after reporting "FILE:LINE: ..." when the value has the wrong
     * type or range.  `settings` may be NULL (no section): every key is then
     * absent. */
    int (*setting_string)(const struct mi_settings *, const char *key,
                          const char **value);
    int (*setting_int)(const struct mi_settings *, const char *key,
                       long long min, long long max, long long *value);
    int (*setting_bool)(const struct mi_settings *, const char *key,
                        bool *value);
    /* Reports "FILE:LINE: unknown setting ..." for each key of the section not
     * in the NULL-terminated `known` list; returns -EINVAL if there was one.
     */
    int (*setting_check_keys)(const struct mi_settings *,
                              const char *const *known);
    /* Reports "FILE:LINE: plugins.NAME.KEY: <message>" (line of the key, or of
     * the section when the key is absent or NULL). */
    void (*setting_error)(const struct mi_settings *, const char *key,
                          const char *fmt, ...) MI_PRINTF(3, 4);

    /* Runs a program by argv (argv[0] is looked up in PATH) without a shell,
     * waits for it and returns its exit status (0..255), or a negative errno
     * if it could not be started or was killed by a signal.  When `out` is
     * not NULL, the program's standard output is stored in a malloc()ed,
     * NUL-terminated buffer that the caller frees.  Standard error goes to the
     * log at MI_LOG_DEBUG unless the program fails, then to MI_LOG_WARN. */
    int (*run)(const char *const *argv, char **out);

    /* Netlink helpers, all acting in the network namespace of the calling
     * thread unless a namespace is named.  `netns` is a path such as
     * /run/netns/NAME (NULL: the caller's namespace).  Return 0 or -errno. */
    int (*link_exists)(const char *netns, const char *ifname);
    int (*link_delete)(const char *netns, const char *ifname);

#if MI_PLUGIN_TARGET_MINOR >= 15
    /* Since 4.15 (check MI_HOST_HAS(host, links_delete)).  Deletes the `n`
     * named links; a missing one is no error.  Four or more are unregistered
     * by the kernel together, in an interface group of their own that holds
     * them only (one RCU wait instead of one per link), what cannot go so one
     * request each.  Returns 0 or -errno. */
    int (*links_delete)(const char *netns, const char *const *names, size_t n);
#endif
};

/* Whether `host` has service `member` (added by a later minor than the
 * plugin may run on). */
#define MI_HOST_HAS(host, member)                                             \
    ((host)->size >= offsetof(struct mi_host, member) + sizeof((host)->member))

/* ------------------------------------------------------------------------ */
/* Plugin kinds and their operations                                        */
/* ------------------------------------------------------------------------ */

enum mi_plugin_kind {
    MI_PLUGIN_RUNTIME = 1, /* makes nodes: namespaces, containers */
    MI_PLUGIN_SWITCH,      /* makes bridges for L2 networks and IXPs */
    MI_PLUGIN_TUNNEL       /* carries links between servers */
};
/* The number of kinds: kinds are 1..MI_PLUGIN_KIND_COUNT. */
#define MI_PLUGIN_KIND_COUNT 3

/* Operations every kind has, at the start of each kind's table. */
struct mi_common_ops {
    /* sizeof the whole kind table (struct mi_runtime_ops, ...) as the
     * plugin was compiled: the host reads no operation beyond it, so a
     * plugin built for an older minor has the later operations absent. */
    size_t size;

    /* Validates the plugin's settings (NULL when the topology has none) and
     * allocates private state into *state.  Must not change the machine.
     * Required. */
    int (*configure)(const struct mi_host *host,
                     const struct mi_settings *settings, void **state);

    /* Frees the state from `configure`.  May be NULL if there is none. */
    void (*release)(void *state);

    /* Checks the plan against the plugin's limits (e.g. the number of links
     * it can isolate).  Pure: must not change the machine.  May be NULL. */
    int (*check_plan)(void *state, const struct mi_plan *plan);

    /* Checks that this machine, as server `server` of `plan`, has what the
     * plugin needs for its part: programs, kernel features, daemons, the
     * underlay.  Reports each missing thing through host->error() and
     * returns -ENOTSUP (or another negative errno).  Must not change the
     * machine.  `preflight` calls it on every server before anything is
     * made anywhere.  May be NULL. */
    int (*check_server)(void *state, const struct mi_plan *plan,
                        unsigned server);
};

#if MI_PLUGIN_TARGET_MINOR >= 12
/* A file the host puts into a node (runtime put_files, since 4.12). */
struct mi_file {
    const char *path; /* absolute, inside the node, at most 99 bytes */
    const char *data; /* its content; NULL: a directory */
    size_t len;       /* bytes of data */
    unsigned mode;    /* permission bits (07777) */
};
#endif

/* A runtime makes nodes (routers, hosts, route servers): something with its
 * own network namespace in which programs run.
 *
 * Every node has a directory `dir` under miniinet's run directory, made by
 * the host before create_node() and removed by the host after
 * destroy_node(); the runtime keeps there whatever it needs to find and stop
 * the node's processes later (pid files, logs, sockets).  `name` is
 * mi_node.name.  Operations that take names rather than plan indices are
 * also used by `down`, which may run without a topology file.
 *
 * FRR.  The host starts a router's daemons itself, through the runtime's
 * primitives: prepare_frr() once, start_daemon() for each daemon in order
 * (zebra first, and the host waits for zebra's vty socket before the next
 * one, since they connect to it), then it waits until every daemon's vty
 * socket accepts connections.  The configuration: since 4.10 the host
 * writes each daemon's part into `dir`/DAEMON.conf (zebra.conf, bgpd.conf,
 * ...) before start_daemon() and the daemon reads it as it starts (-f);
 * with a runtime built for an older minor it loads the integrated
 * `dir`/frr.conf with run(`vtysh -N NAME -f DIR/frr.conf`) once every
 * daemon answers.  A runtime therefore makes the
 * node's programs see `dir`/frr as FRR's run directory (/var/run/frr), so
 * that each daemon's vty socket is `dir`/frr/NAME/DAEMON.vty on the host,
 * and keeps each daemon's output in `dir`/DAEMON.out and its log in
 * `dir`/DAEMON.log (the host quotes both when a daemon does not come up).
 *
 * Every operation but prepare_frr may be called from several threads at
 * once for different nodes. */
struct mi_runtime_ops {
    struct mi_common_ops common;

    /* Creates node `node` of `plan`, with its loopback interface up and no
     * other interface.  Returns -EEXIST if a node of that name exists
     * already (whoever made it), and then changes nothing.  Required. */
    int (*create_node)(void *state, const struct mi_plan *plan, size_t node,
                       const char *dir);

    /* Writes into buf the path of a file that refers to the node's network
     * namespace (for setns(2) and netlink), e.g. /run/netns/NAME.  Returns
     * 0, -ENOENT if the node does not exist, or -ENAMETOOLONG.  Required. */
    int (*netns_path)(void *state, const char *name, char *buf, size_t len);

    /* Starts FRR daemon `daemon` ("zebra", "bgpd", ...) inside the node
     * with FRR pathspace `name` (so that `vtysh -N NAME` reaches it), its
     * pid file `dir`/DAEMON.pid, and returns once it runs detached from the
     * caller (FRR's -d, or the runtime detaching it: netns) and is up (the
     * host then waits for its vty socket too).  Its
     * configuration: since 4.10, `dir`/DAEMON.conf (FRR's -f) when that
     * is a regular file, else none (-f /dev/null, never FRR's default
     * under /etc/frr); before 4.10 always none (the host loads it through
     * vtysh).  The daemon reads the file itself, inside the node, as it
     * reads it in every later restart.  The daemon's `write memory`
     * writes it again (a temporary file in `dir` renamed over it, the old
     * one linked to DAEMON.conf.sav) when the runtime lets the daemons'
     * user add files to `dir` and gives it the file, through a descriptor
     * opened O_NOFOLLOW, a regular file with one link only: only where
     * `dir` is the node's own anyway (docker); never where root's tools
     * use `dir` from the host (netns: doc/security.md).  Required. */
    int (*start_daemon)(void *state, const char *name, const char *dir,
                        const char *daemon);

    /* Runs argv (argv[0] looked up in PATH) inside the node and waits for
     * it.  `dir` is the node's directory, as given to create_node: the
     * runtime may keep there what the program needs to see (e.g. FRR's
     * files, so that `vtysh -N NAME` finds the node's daemons).  With `out`
     * NULL the program shares the caller's standard input, output and error
     * (interactive use); otherwise its standard output is returned in a
     * malloc()ed string and its input is /dev/null.  Returns the exit
     * status (0..255), -ECANCELED if the program was killed by a signal
     * (say which with a warning), or another negative errno if it could not
     * be run.  Since 4.12: the program is one of the node's files, which a
     * student who is root in the node may have replaced, so it never runs
     * with privileges beyond what the node's own sessions have: where the
     * runtime gives a node more for FRR's daemons (CAP_SYS_ADMIN),
     * start_daemon's daemons alone hold it (run_bounded and stop_frr
     * too).  Required. */
    int (*run)(void *state, const char *name, const char *dir,
               const char *const *argv, char **out);

    /* 1 if the node exists, 0 if not, or a negative errno.  Required. */
    int (*node_exists)(void *state, const char *name);

    /* Stops every process the runtime started for the node (found through
     * `dir`) and removes the node.  A node that does not exist is not an
     * error: `down` may run twice, or after an interrupted `up`.
     * Required. */
    int (*destroy_node)(void *state, const char *name, const char *dir);

    /* Optional (NULL: nothing to do).  Kills the node's processes without
     * waiting for them and without removing the node.  `down` calls it for
     * every node before the first destroy_node, so that routers do not
     * spend the teardown recomputing routes around neighbours that vanish
     * one by one.  A node that does not exist is not an error. */
    int (*stop_node)(void *state, const char *name, const char *dir);

    /* Optional (NULL: nothing to do).  Called once per router before its
     * first start_daemon(): makes `dir`/frr and `dir`/frr/NAME and gives
     * them (and `dir`) to the user the daemons run as, checks that FRR is
     * there.  May be called from several threads for different nodes. */
    int (*prepare_frr)(void *state, const char *name, const char *dir);

#if MI_PLUGIN_TARGET_MINOR >= 1
    /* Since 4.1.  Optional (NULL: none).  Writes into buf what the runtime
     * knows the node as, for users (`status --json` shows it as "handle"):
     * a namespace path, a container id.  Returns 0, -ENOENT if the node
     * does not exist, or -ENAMETOOLONG. */
    int (*describe_node)(void *state, const char *name, const char *dir,
                         char *buf, size_t len);
#endif

#if MI_PLUGIN_TARGET_MINOR >= 6
    /* Since 4.6.  Optional (NULL: stop_node() is called instead).  Kills
     * the router's FRR daemons named in `daemons` (NULL-terminated, e.g.
     * "zebra", "bgpd") without waiting for them, leaving the node and
     * everything else in it as it is (its namespace, interfaces and other
     * processes), so that the host can start FRR there again
     * (`restart NODE`, and `up` after a daemon died).  Only processes of
     * the node itself may be touched, whatever their names.  A node that
     * does not exist or does not run is not an error. */
    int (*stop_frr)(void *state, const char *name, const char *dir,
                    const char *const *daemons);
#endif

#if MI_PLUGIN_TARGET_MINOR >= 7
    /* Since 4.7.  Optional (NULL: the host calls run() and waits as long
     * as it takes).  Like run() with `out`, but bounded from outside the
     * node, whatever the program in it does (a node's root controls the
     * node's programs, and FRR's vtysh waits forever for a stopped
     * daemon): once `timeout_ms` have passed, or once the program has
     * printed more than `max_out` bytes, stop reading, kill the program
     * and whatever it started (its process group at least) with SIGKILL,
     * reap it and return -ETIMEDOUT or -EFBIG (*out NULL; the caller
     * reports these two).  Never waits on the program's output after the
     * deadline.  Otherwise returns what run() returns, *out the program's
     * standard output (malloc()ed, NUL-terminated). */
    int (*run_bounded)(void *state, const char *name, const char *dir,
                       const char *const *argv, char **out,
                       unsigned timeout_ms, size_t max_out);
#endif

#if MI_PLUGIN_TARGET_MINOR >= 8
    /* Since 4.8.  Optional (NULL: the runtime cannot).  Says whether the
     * runtime can host student access (the topology's `access`,
     * doc/access.md): students get a root shell in their group's nodes, so
     * a node must not give them the server -- its files, its users, its
     * processes.  Returns 0 when the runtime confines its nodes so, or
     * -ENOTSUP after saying why not through host->error().  Pure. */
    int (*check_access)(void *state, const struct mi_plan *plan);
#endif

#if MI_PLUGIN_TARGET_MINOR >= 9
    /* Since 4.9.  Optional (NULL: nothing the runtime makes outlives a
     * reboot, as a namespace does not).  `up` calls it when network
     * plan->name has no state record on server `server` (a reboot emptied
     * the run directory), before it checks that nothing the plan names
     * exists: removes the plan's nodes of `server` that this runtime made
     * for that network earlier and that a reboot left behind (stopped
     * containers), recognised by the network's label the runtime gave them
     * when it made them -- and nothing else: a node of the same name
     * without that label stays (`up` then refuses it), and so does one that
     * still runs (said with a warning).  Says what it removes through
     * host->log(MI_LOG_INFO) and adds the number to *n_removed.  Returns 0
     * or a negative errno, reported. */
    int (*clear_leftovers)(void *state, const struct mi_plan *plan,
                           unsigned server, size_t *n_removed);
#endif

#if MI_PLUGIN_TARGET_MINOR >= 12
    /* Since 4.12.  Optional (NULL: the runtime cannot install student
     * access; `up` refuses `access` naming the plugin).  Puts `n` files
     * into the running node `name` (`dir` its directory): each at its
     * absolute path inside the node, owned by root, with its mode and
     * exactly its content; a member with `data` NULL is a directory (made
     * if missing, its mode set).  Parents that are missing are made
     * (0755).  What exists at a path is replaced.  The node's root owns
     * the node's files, so a path is resolved inside the node's own root
     * only: a symlink the node planted (/etc/ssh -> /) never leads out of
     * the node; a file may land on the server's disk only where the node
     * itself can write (its bind mounts, e.g. its directory).  The paths
     * are where the node's own processes see them (a tmpfs of the node's
     * included).  The content never appears in argv.  Returns 0 or a
     * negative errno, reported. */
    int (*put_files)(void *state, const char *name, const char *dir,
                     const struct mi_file *files, size_t n);
#endif

#if MI_PLUGIN_TARGET_MINOR >= 14
    /* Since 4.14.  Optional (NULL: `down` goes straight to stop_node()).
     * Stops the node's processes where they are (SIGSTOP: they keep their
     * memory and sockets and run no more) without killing them and
     * without waiting.  `down` calls it for every node before the first
     * stop_node(): a router killed closes its BGP sessions, and neighbours
     * still running would recompute their routes and tell theirs, over
     * and over while the others go; stopped, none can.  stop_node() and
     * destroy_node() must kill stopped processes too.  A node that does
     * not exist is not an error. */
    int (*freeze_node)(void *state, const char *name, const char *dir);
#endif
};

#if MI_PLUGIN_TARGET_MINOR >= 13
/* A port's VLAN setting for set_port_vlan() (since 4.13). */
#define MI_VLAN_MAX 4094
struct mi_port_vlan {
    bool trunk;          /* false: an access port of `tag`, trunks clear */
    unsigned tag;        /* access: 1..MI_VLAN_MAX; trunk: 0 */
    uint8_t trunks[512]; /* trunk: bit v (trunks[v / 8] >> v % 8 & 1) set
                            for VLAN v, 1..MI_VLAN_MAX; none: every VLAN */
};
#endif

/* A switch makes the bridges of L2 networks and IXPs (mi_plan.bridges) and
 * attaches to them the root-namespace ends of links (mi_link.peer[]) that
 * the host has created.  `dir` is the switch's directory under miniinet's
 * run directory, where it may run a private daemon. */
struct mi_switch_ops {
    struct mi_common_ops common;

    /* Makes sure a switch daemon is there to talk to: the server's own if one
     * runs, else a private one started under `dir`.  Required. */
    int (*start)(void *state, const char *dir);

    /* True if a node's interface whose other end is a port of this switch
     * needs TX checksum offload switched off (userspace datapaths).
     * Required. */
    bool (*needs_tx_csum_off)(void *state);

    /* Creates every bridge of `plan` on server `server`, with its settings
     * (STP for L2 switches), and attaches the port peer[e] of every link
     * end e on a bridge of that server -- remote links' ends included (an
     * IXP LAN with members on other servers): access ports with their
     * VLAN, trunks.
     * Batched: one transaction.  Returns -EEXIST, changing nothing, if one
     * of the bridges exists already.  `up` on a network that is up calls
     * it for the bridges the switch lost, on a copy of the plan where every
     * other bridge and link end on one is on server UINT_MAX (none).
     * Required. */
    int (*build)(void *state, const struct mi_plan *plan, unsigned server);

    /* 1 if bridge `name` exists, 0 if not, or a negative errno.
     * Required. */
    int (*bridge_exists)(void *state, const char *dir, const char *name);

    /* Deletes the named bridges (those that exist) and stops a private
     * daemon started under `dir`.  Never touches other bridges.
     * Required. */
    int (*destroy)(void *state, const char *dir, const char *const *bridges,
                   size_t n_bridges);

#if MI_PLUGIN_TARGET_MINOR >= 4
    /* Since 4.4.  Optional (NULL: snapshots keep no switch settings, and
     * `restore` leaves the switches as they are).  Reads the VLAN settings
     * of every port of each of the `n` named bridges as they are now (what
     * build() set, and what a TA changed since): texts[i] gets a
     * malloc()ed, NUL-terminated text of at most 1 MiB in the plugin's own
     * format, which the host stores as data and hands back to set_vlans()
     * unchanged, or NULL when bridge i could not be read (reported).  Like
     * bridge_exists(), it may run in a process that never called start().
     * Returns 0, or a negative errno when nothing could be read (every
     * texts[i] NULL then). */
    int (*get_vlans)(void *state, const char *dir, const char *const *bridges,
                     size_t n, char **texts);

    /* Since 4.4.  Optional as get_vlans() is.  Converges the ports of each
     * named bridge i with texts[i] not NULL to the settings get_vlans()
     * gave: what differs is set, what was added since is cleared; a port
     * the text does not list is left alone (and said so), a port it lists
     * that is gone is an error.  Every text is checked before anything
     * changes: one the plugin cannot read changes nothing (-EINVAL, naming
     * the bridge and the line).  *changed gets the number of ports
     * changed.  Returns 0 or a negative errno, reported. */
    int (*set_vlans)(void *state, const char *dir, const char *const *bridges,
                     size_t n, const char *const *texts, size_t *changed);
#endif

#if MI_PLUGIN_TARGET_MINOR >= 6
    /* Since 4.6.  Optional (NULL: a dead switch daemon is not shown by
     * `status`; `up` still calls start()).  The names of the daemons of a
     * private instance that start() made under `dir` and that no longer run,
     * space-separated, into buf (e.g. "ovs-vswitchd"); "" when every one
     * runs, or when no private instance was made there (the server's own
     * switch is used, or none).  Like bridge_exists(), it may run in a
     * process that never called start().  Returns 0 or a negative errno. */
    int (*dead_daemons)(void *state, const char *dir, char *buf, size_t len);

    /* Since 4.6.  Optional (NULL: a port made again is left to the switch
     * as it is).  `up` on a network that is up made the interface of port
     * `port` of bridge `bridge` again (a link end deleted and made again):
     * the switch takes the new interface in place of the one it had open,
     * with the port's settings as they are now (VLAN tag, trunks, mode and
     * the rest, a TA's changes included).  Returns 0 or a negative errno,
     * reported. */
    int (*reattach_port)(void *state, const char *dir, const char *bridge,
                         const char *port);
#endif

#if MI_PLUGIN_TARGET_MINOR >= 7
    /* Since 4.7.  Optional (NULL: bridge_exists() for each).  Whether each
     * of the `n` bridges `names` exists, into exists[i] -- with one
     * question to the switch, so that looking at a network of hundreds of
     * bridges (`status`, `up` on a network that is up) costs one, not
     * hundreds.  Like bridge_exists(), it may run in a process that never
     * called start().  Returns 0, or a negative errno, reported (exists[]
     * then all false). */
    int (*bridges_exist)(void *state, const char *dir,
                         const char *const *names, size_t n, bool *exists);
#endif

#if MI_PLUGIN_TARGET_MINOR >= 9
    /* Since 4.9.  Optional (NULL: nothing the switch makes outlives a
     * reboot).  As the runtime's clear_leftovers(), for the plan's bridges
     * of `server`: `up` calls it after start(), when the network has no
     * state record there, and the switch removes those of the bridges that
     * carry the network's label it gave them in build() and that nothing
     * uses (no port of theirs is open on a device: after a reboot the
     * devices are gone, a switch's database such as Open vSwitch's keeps
     * the bridges).  A bridge without the label, or in use, stays (said;
     * `up` then refuses it).  *n_removed grows by the number removed.
     * Returns 0 or a negative errno, reported. */
    int (*clear_leftovers)(void *state, const char *dir,
                           const struct mi_plan *plan, unsigned server,
                           size_t *n_removed);
#endif

#if MI_PLUGIN_TARGET_MINOR >= 11
    /* Since 4.11.  Optional (NULL: the switch does not build management
     * bridges, and is never handed a plan that has them, check_plan()
     * included: a verb that builds, or says whether `up` would, refuses
     * such a plan before any plugin sees it; one that only shows it,
     * such as `plan`, leaves this switch out).  Says whether build()
     * makes the plan's MI_BRIDGE_MGMT bridges as that kind asks (no STP,
     * no VLANs, no address, no uplink) with their MI_LINK_MGMT ports, and
     * destroy() removes them as any bridge.  Returns 0, or -ENOTSUP after
     * saying why not through host->error().  Pure. */
    int (*check_mgmt)(void *state, const struct mi_plan *plan);
#endif

#if MI_PLUGIN_TARGET_MINOR >= 13
    /* Since 4.13.  Optional (NULL: students cannot set their switches'
     * VLANs; `goto` on a switch says so).  Sets port `port` of bridge
     * `bridge` as `v` says, in one transaction, and nothing else: an access
     * port of VLAN v->tag (1 to 4094, untagged frames, no trunks), or a
     * trunk (v->trunk: tag none, the VLANs whose bit is set in v->trunks,
     * or every VLAN when none is set).  A port that is not on that bridge
     * is refused (-ENOENT, said) and nothing changes.  The host has checked
     * that the bridge and the port are the student group's (doc/access.md).
     * Like bridge_exists(), it may run in a process that never called
     * start().  Returns 0 or a negative errno, reported. */
    int (*set_port_vlan)(void *state, const char *dir, const char *bridge,
                         const char *port, const struct mi_port_vlan *v);
#endif
};

struct mi_tunnel_ops {
    struct mi_common_ops common;

    /* Bytes of encapsulation added to every packet of a remote link; the
     * host subtracts it from the underlay MTU to get the links' MTU.
     * Required. */
    unsigned (*overhead)(void *state);

    /* The on-wire discriminator of remote link `link` of `plan` (its
     * tunnel_id, or a number derived from the plan) as shown to users,
     * e.g. "gre tos 0x08" or "vxlan vni 7", written into buf.  Pure.
     * Required. */
    void (*describe_id)(void *state, const struct mi_plan *plan, size_t link,
                        char *buf, size_t len);

    /* Optional (NULL: false).  True if a router interface whose link
     * leaves through this tunnel needs TX checksum offload switched off
     * (userspace datapaths). */
    bool (*needs_tx_csum_off)(void *state);

    /* Optional only for a plugin that never carries a link: `up` refuses
     * a network with links leaving the server when it is NULL.
     * Makes this server's tunnels to every server it shares remote links
     * with, and attaches every remote link of `server` to them, each link
     * isolated from the others.  Unless makes_ends() says otherwise, the
     * host has created before build(), for each such link l, the
     * root-namespace interface l->tunnel_port[e] of its end e on `server`
     * (up, with the link's MTU).  `netns` has one entry per plan node: the
     * path of the node's network namespace (as the runtime's netns_path()
     * gives it) for the nodes of `server`, NULL for the others.  `dir` is the
     * tunnel's directory under the network's run directory: the plugin records
     * there, before making anything, what destroy() must remove; after a
     * failed `up` it may hold such a record already, which build() keeps.
     * The host calls build() after the links and before the switch's
     * build().  Returns -EEXIST, changing nothing, if something it would
     * make exists already. */
    int (*build)(void *state, const struct mi_plan *plan, unsigned server,
                 const char *const *netns, const char *dir);

    /* Removes what build() made, as recorded under `dir` (without the
     * plan), and the record; also after a failed or interrupted build(),
     * and twice.  Optional as build() is (NULL: nothing to remove). */
    int (*destroy)(void *state, const char *dir);

    /* Optional (NULL: false).  True if build() makes this server's end of
     * every remote link itself, as the device that carries it: inside the
     * node's namespace (netns[node]) under the end's ifname when the end
     * is a node, else in the root namespace as the bridge port peer[e]
     * (which the switch then attaches), each up and with the link's MTU.
     * The host then makes no veth for remote links, and removes the
     * root-namespace ports with the network. */
    bool (*makes_ends)(void *state);

#if MI_PLUGIN_TARGET_MINOR >= 2
    /* Since 4.2.  Optional (NULL: nothing to do).  Puts back, from what
     * build() recorded under `dir`, what a restart of the software its
     * tunnels live in loses while the network runs (Open vSwitch keeps
     * bridges and ports in its database, not OpenFlow flows), so that a
     * restart is survived: `up` calls it on a network that is up already
     * with the same plan.  Idempotent; changes nothing that is as it
     * should be.  Returns 0 or a negative errno, reported. */
    int (*reassert)(void *state, const char *dir);
#endif

#if MI_PLUGIN_TARGET_MINOR >= 6
    /* Since 4.6.  Optional (NULL: a port made again is left to the tunnel
     * as it is; `up` warns that traffic may not flow through it).  `up` on
     * a network that is up made again the interface `port` (a remote
     * link's tunnel_port on this server: its end deleted and made again,
     * as before build()): the tunnel takes the new interface in place of
     * the one it had open, under the same attachment as build() gave it
     * (e.g. the same OpenFlow port number, and every flow that names it
     * matching again).  `dir` as for reassert().  Returns 0 or a negative
     * errno, reported. */
    int (*reattach_port)(void *state, const char *dir, const char *port);
#endif

#if MI_PLUGIN_TARGET_MINOR >= 9
    /* Since 4.9.  Optional (NULL: nothing the tunnel makes outlives a
     * reboot).  As the switch's clear_leftovers(), for what build() would
     * make on `server` for `plan` (e.g. the per-peer Open vSwitch bridges,
     * with their ports): removed when it carries the network's label and
     * nothing uses it, else left (said).  `up` calls it when the network
     * has no state record there, before build().  Returns 0 or a negative
     * errno, reported. */
    int (*clear_leftovers)(void *state, const struct mi_plan *plan,
                           unsigned server, size_t *n_removed);
#endif
};

/* The one symbol a plugin exports. */
struct mi_plugin {
    uint32_t abi_major; /* MI_PLUGIN_ABI_MAJOR */
    uint32_t abi_minor; /* MI_PLUGIN_TARGET_MINOR */
    uint32_t size;      /* sizeof(struct mi_plugin) */
    uint32_t kind;      /* an enum mi_plugin_kind */
    const char *name;   /* [a-z0-9_-]+, what --plugins= names */
    const char *version;
    const char *description; /* one line */
    union {
        const struct mi_common_ops *common;
        const struct mi_runtime_ops *runtime;
        const struct mi_switch_ops *switch_;
        const struct mi_tunnel_ops *tunnel;
    } ops;
};

/* The descriptor's version members, as the plugin is built:
 *     MI_PLUGIN_DEFINE = { MI_PLUGIN_ABI_VERSION, .name = ..., ... };
 * and each ops table starts with MI_OPS_SIZE(its type), e.g.
 *     .common = { MI_OPS_SIZE(struct mi_switch_ops), .configure = ... } */
#define MI_PLUGIN_ABI_VERSION                                                 \
    .abi_major = MI_PLUGIN_ABI_MAJOR, .abi_minor = MI_PLUGIN_TARGET_MINOR,    \
    .size = sizeof(struct mi_plugin)
#define MI_OPS_SIZE(type) .size = sizeof(type)

/* Declares the descriptor with the right name and visibility. */
#define MI_PLUGIN_DEFINE MI_EXPORT const struct mi_plugin miniinet_plugin

#ifdef __cplusplus
}
#endif

#endif /* MINIINET_PLUGIN_H */
