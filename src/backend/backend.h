/* The backend layer: every call into a plugin goes through here.
 *
 * One wrapper per operation (rt_create_node(), sw_build(), tun_destroy(),
 * plugin_configure(), ...), so that no caller reaches through a
 * descriptor.  Whether an operation is there and whether it is required is
 * decided by one table (backend.c, `op_table`): the loader refuses a plugin
 * that lacks a required operation; an optional one is asked with
 * backend_has(), and its wrapper returns the documented default when it is
 * absent -- absent also when the plugin was built for a minor of the ABI
 * older than the operation (its table's size ends before it).
 */
#ifndef MINIINET_BACKEND_H
#define MINIINET_BACKEND_H 1

#include <stdbool.h>
#include <stddef.h>

#include "loader.h"

/* One plugin chosen for this run. */
struct active_plugin {
    const char *name;     /* NULL: none of this kind is active */
    bool explicit_choice; /* named by --plugins or the file */
    struct loaded_plugin loaded;
    void *state;
    bool configured;
};

/* Every operation of every kind, in the order of the kinds' tables. */
enum backend_op {
    OP_CONFIGURE,
    OP_RELEASE,
    OP_CHECK_PLAN,
    OP_CHECK_SERVER,

    RT_CREATE_NODE,
    RT_NETNS_PATH,
    RT_START_DAEMON,
    RT_RUN,
    RT_NODE_EXISTS,
    RT_DESTROY_NODE,
    RT_STOP_NODE,
    RT_PREPARE_FRR,
    RT_DESCRIBE_NODE,   /* 4.1 */
    RT_STOP_FRR,        /* 4.6 */
    RT_RUN_BOUNDED,     /* 4.7 */
    RT_CHECK_ACCESS,    /* 4.8 */
    RT_CLEAR_LEFTOVERS, /* 4.9 */
    RT_PUT_FILES,       /* 4.12 */
    RT_FREEZE_NODE,     /* 4.14 */

    SW_START,
    SW_NEEDS_TX_CSUM_OFF,
    SW_BUILD,
    SW_BRIDGE_EXISTS,
    SW_DESTROY,
    SW_GET_VLANS,       /* 4.4 */
    SW_SET_VLANS,       /* 4.4 */
    SW_DEAD_DAEMONS,    /* 4.6 */
    SW_REATTACH_PORT,   /* 4.6 */
    SW_BRIDGES_EXIST,   /* 4.7 */
    SW_CLEAR_LEFTOVERS, /* 4.9 */
    SW_CHECK_MGMT,      /* 4.11 */
    SW_SET_PORT_VLAN,   /* 4.13 */

    TUN_OVERHEAD,
    TUN_DESCRIBE_ID,
    TUN_NEEDS_TX_CSUM_OFF,
    TUN_BUILD,
    TUN_DESTROY,
    TUN_MAKES_ENDS,
    TUN_REASSERT,        /* 4.2 */
    TUN_REATTACH_PORT,   /* 4.6 */
    TUN_CLEAR_LEFTOVERS, /* 4.9 */

    BACKEND_N_OPS
};

/* The operation's name as plugin.h spells it ("start_daemon"). */
const char *backend_op_name(enum backend_op);

/* Whether descriptor `d` provides `op`: of its kind, inside its table's
 * size, not NULL. */
bool backend_desc_has(const struct mi_plugin *d, enum backend_op);

/* Whether the loaded plugin `b` provides `op` (false when `b` is NULL or
 * not loaded). */
bool backend_has(const struct active_plugin *b, enum backend_op);

/* Whether descriptor `d`'s plugin was built for an ABI that knows the
 * measurement host (MI_NODE_MEASUREMENT, MI_LINK_MEASUREMENT: since 4.5).
 * One built for an earlier minor must never be handed a plan that has
 * them: it would not know what they are. */
#define BACKEND_MEASUREMENT_MINOR 5
bool backend_knows_measurement(const struct mi_plugin *d);

/* Since 4.10 a runtime's start_daemon() starts the daemon with its own
 * configuration file, `dir`/DAEMON.conf, when there is one (plugin.h).
 * rt_reads_daemon_conf() says whether the host should write those files
 * and load nothing through vtysh: true for a runtime built for 4.10 or
 * later, unless the environment has MINIINET_FRR_VTYSH_LOAD=1, which keeps
 * the way before 4.10 (no per-daemon files, `vtysh -f frr.conf` once the
 * daemons run) so that a test can compare both. */
#define BACKEND_DAEMON_CONF_MINOR 10

/* The minor that brought the management network of student access
 * (MI_BRIDGE_MGMT, MI_LINK_MGMT) and the switch's check_mgmt. */
#define BACKEND_MGMT_MINOR 11

/* The minor that brought the runtime's put_files, without which `up`
 * cannot install student access. */
#define BACKEND_PUT_FILES_MINOR 12
bool rt_reads_daemon_conf(const struct active_plugin *rt);

/* Writes into buf the names of the required operations `d` lacks, comma
 * separated; returns how many. */
size_t backend_missing_ops(const struct mi_plugin *d, char *buf, size_t len);

/* Common.  plugin_configure() stores the state and marks `b` configured;
 * plugin_release() releases it once (a no-op when not configured). */
int plugin_configure(struct active_plugin *b, const struct mi_host *host,
                     const struct mi_settings *settings);
void plugin_release(struct active_plugin *b);
int plugin_check_plan(const struct active_plugin *b, const struct mi_plan *);
int plugin_check_server(const struct active_plugin *b, const struct mi_plan *,
                        unsigned server);

/* Runtime. */
int rt_create_node(const struct active_plugin *rt, const struct mi_plan *,
                   size_t node, const char *dir);
int rt_netns_path(const struct active_plugin *rt, const char *name, char *buf,
                  size_t len);
int rt_prepare_frr(const struct active_plugin *rt, const char *name,
                   const char *dir);
int rt_start_daemon(const struct active_plugin *rt, const char *name,
                    const char *dir, const char *daemon);
int rt_run(const struct active_plugin *rt, const char *name, const char *dir,
           const char *const *argv, char **out);
/* argv in the node, bounded (the runtime's run_bounded, since 4.7): its
 * standard output in *out, at most `timeout_ms` and `max_out` bytes, then
 * killed: -ETIMEDOUT, -EFBIG (*out NULL).  A runtime without run_bounded
 * is run() (no time limit; output beyond max_out refused as -EFBIG). */
int rt_run_bounded(const struct active_plugin *rt, const char *name,
                   const char *dir, const char *const *argv, char **out,
                   unsigned timeout_ms, size_t max_out);
/* What a negative result of rt_run_bounded() means, for messages ("did
 * not answer within 5 s", "printed more than 1048576 bytes", "could not
 * be run: ..."), into buf. */
const char *rt_run_failure(int result, unsigned timeout_ms, size_t max_out,
                           char *buf, size_t len);
int rt_node_exists(const struct active_plugin *rt, const char *name);
int rt_stop_node(const struct active_plugin *rt, const char *name,
                 const char *dir);
/* The runtime's freeze_node when it has one (since 4.14), else nothing. */
int rt_freeze_node(const struct active_plugin *rt, const char *name,
                   const char *dir);
int rt_destroy_node(const struct active_plugin *rt, const char *name,
                    const char *dir);
/* The runtime's stop_frr when it has one (since 4.6), else its stop_node
 * (which may stop the whole node). */
int rt_stop_frr(const struct active_plugin *rt, const char *name,
                const char *dir, const char *const *daemons);
/* 0 when the runtime confines its nodes enough for student access; else
 * -ENOTSUP, said by the runtime, or by this wrapper when the runtime has
 * no check_access (before 4.8, or it cannot). */
int rt_check_access(const struct active_plugin *rt, const struct mi_plan *);
/* Whether the runtime can install student access (put_files, since 4.12):
 * 0, or -ENOTSUP after saying, prefixed with `file`, which plugin lacks
 * it. */
int rt_check_put_files(const struct active_plugin *rt, const char *file);
/* The runtime's put_files; -ENOTSUP (said) without it. */
int rt_put_files(const struct active_plugin *rt, const char *name,
                 const char *dir, const struct mi_file *files, size_t n);
/* What a reboot left of network plan->name on `server` that the runtime
 * made (its clear_leftovers, since 4.9), removed; the number added to
 * *n_removed.  0 when the runtime has none (nothing of it outlives a
 * reboot).  The switch's and the tunnel's alike. */
int rt_clear_leftovers(const struct active_plugin *rt, const struct mi_plan *,
                       unsigned server, size_t *n_removed);
/* -ENOTSUP when the runtime has no describe_node (before 4.1). */
int rt_describe_node(const struct active_plugin *rt, const char *name,
                     const char *dir, char *buf, size_t len);

/* The FRR start sequence of one router, the same for every runtime
 * (frrstart.c): prepare_frr, each daemon in order with zebra's vty socket
 * awaited before the next, every vty socket awaited.  Each daemon reads
 * its own `dir`/DAEMON.conf as it starts (rt_reads_daemon_conf()), or
 * else `dir`/frr.conf is loaded with vtysh once all run.  Returns once
 * every daemon accepts vty connections: a command sent then runs after
 * the daemon's configuration file (FRR reads it before it serves its vty),
 * and after `vtysh -f` in the other way. */
int rt_start_frr(const struct active_plugin *rt, const char *name,
                 const char *dir, const char *const *daemons);

/* How many of a router's FRR daemons do not answer on their vty sockets
 * now (one connection attempt each, no wait); their names, separated by
 * spaces, in `buf`.  The sockets are reached through `dir`/frr/NAME, which
 * the node's FRR writes: connecting to whatever is there is all it does. */
size_t rt_frr_dead(const char *name, const char *dir,
                   const char *const *daemons, char *buf, size_t len);

/* Switch. */
int sw_start(const struct active_plugin *sw, const char *dir);
bool sw_needs_tx_csum_off(const struct active_plugin *sw);
int sw_build(const struct active_plugin *sw, const struct mi_plan *,
             unsigned server);
int sw_bridge_exists(const struct active_plugin *sw, const char *dir,
                     const char *name);
/* Whether each of the `n` bridges exists, into exists[i]: the switch's
 * bridges_exist (4.7, one question), else bridge_exists() for each.  0, or
 * a negative errno (reported; exists[] then all false). */
int sw_bridges_exist(const struct active_plugin *sw, const char *dir,
                     const char *const *names, size_t n, bool *exists);
int sw_destroy(const struct active_plugin *sw, const char *dir,
               const char *const *bridges, size_t n_bridges);
int sw_clear_leftovers(const struct active_plugin *sw, const char *dir,
                       const struct mi_plan *, unsigned server,
                       size_t *n_removed);
/* The switch's check_mgmt (since 4.11): 0, the switch's -ENOTSUP (it
 * reported why), or -ENOTSUP unreported when it has none: callers go
 * through backend_mgmt_gate(). */
int sw_check_mgmt(const struct active_plugin *sw, const struct mi_plan *);

/* What the session does with a plan that has management bridges of
 * student access (MI_BRIDGE_MGMT, ABI 4.11), asked before any plugin sees
 * it. */
enum backend_mgmt {
    MGMT_OK,       /* the switch's check_mgmt accepted them */
    MGMT_REFUSED,  /* reported as an error */
    MGMT_SHOW_ONLY /* warned: the plan may be shown, and goes to no
                      operation of the switch, check_plan included */
};
/* `sw` is the configured switch, NULL when none is loaded (refused: the
 * bridges need one).  A switch without check_mgmt -- built before 4.11,
 * or that leaves it out -- cannot build them: refused when the verb
 * `builds` (or judges what `up` would build: validate, preflight), only
 * warned about for a verb that shows the plan and builds nothing; the
 * message names `file` (the topology), the plugin and its file, version
 * and ABI.  A switch whose check_mgmt refuses: refused (it said why). */
enum backend_mgmt backend_mgmt_gate(const struct active_plugin *sw,
                                    const struct mi_plan *, const char *file,
                                    bool builds);
/* -ENOTSUP when the switch has no get_vlans/set_vlans (before 4.4):
 * callers ask backend_has() first. */
int sw_get_vlans(const struct active_plugin *sw, const char *dir,
                 const char *const *bridges, size_t n, char **texts);
int sw_set_vlans(const struct active_plugin *sw, const char *dir,
                 const char *const *bridges, size_t n,
                 const char *const *texts, size_t *changed);
/* The switch daemons that died, "ovs-vswitchd" (switch dead_daemons,
 * 4.6), into buf ("" when none or unknown); -ENOTSUP without it. */
int sw_dead_daemons(const struct active_plugin *sw, const char *dir, char *buf,
                    size_t len);
/* Port `port` of bridge `bridge` set as `v` says (switch set_port_vlan,
 * 4.13); -ENOTSUP without it. */
int sw_set_port_vlan(const struct active_plugin *sw, const char *dir,
                     const char *bridge, const char *port,
                     const struct mi_port_vlan *v);
/* The port made again taken by the switch in place of the old one
 * (switch reattach_port, 4.6); -ENOTSUP without it. */
int sw_reattach_port(const struct active_plugin *sw, const char *dir,
                     const char *bridge, const char *port);

/* Tunnel. */
unsigned tun_overhead(const struct active_plugin *tun);
void tun_describe_id(const struct active_plugin *tun, const struct mi_plan *,
                     size_t link, char *buf, size_t len);
bool tun_needs_tx_csum_off(const struct active_plugin *tun);
/* -ENOTSUP when the tunnel cannot build (callers check backend_has()). */
int tun_build(const struct active_plugin *tun, const struct mi_plan *,
              unsigned server, const char *const *netns, const char *dir);
/* 0 when the tunnel has no destroy (it never built anything). */
int tun_destroy(const struct active_plugin *tun, const char *dir);
bool tun_makes_ends(const struct active_plugin *tun);
/* 0 when the tunnel has no reassert (before 4.2, or nothing to put back). */
int tun_reassert(const struct active_plugin *tun, const char *dir);
int tun_clear_leftovers(const struct active_plugin *tun,
                        const struct mi_plan *, unsigned server,
                        size_t *n_removed);
/* -ENOTSUP when the tunnel has no reattach_port (callers check
 * backend_has()). */
int tun_reattach_port(const struct active_plugin *tun, const char *dir,
                      const char *port);

#endif
