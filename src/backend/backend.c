/* The backend layer: one table of operations, one wrapper per operation. */
#include "config.h"

#include "backend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

/* Where an operation sits and whether a plugin of its kind must have it.
 * `kind` 0: every kind (the common operations lead every kind's table, so
 * their offsets are the same in all of them). */
struct op_info {
    const char *name;
    size_t offset;
    uint32_t kind;
    bool required;
};

#define OP(k, type, member, req)                                              \
    {                                                                         \
        .name = #member, .offset = offsetof(type, member), .kind = (k),       \
        .required = (req)                                                     \
    }
#define COMMON(member, req) OP(0, struct mi_common_ops, member, req)
#define RT(member, req)                                                       \
    OP(MI_PLUGIN_RUNTIME, struct mi_runtime_ops, member, req)
#define SW(member, req) OP(MI_PLUGIN_SWITCH, struct mi_switch_ops, member, req)
#define TUN(member, req)                                                      \
    OP(MI_PLUGIN_TUNNEL, struct mi_tunnel_ops, member, req)

/* The one place that says which operations a plugin must have (plugin.h
 * says the same, operation by operation). */
static const struct op_info op_table[BACKEND_N_OPS] = {
    [OP_CONFIGURE] = COMMON(configure, true),
    [OP_RELEASE] = COMMON(release, false),
    [OP_CHECK_PLAN] = COMMON(check_plan, false),
    [OP_CHECK_SERVER] = COMMON(check_server, false),

    [RT_CREATE_NODE] = RT(create_node, true),
    [RT_NETNS_PATH] = RT(netns_path, true),
    [RT_START_DAEMON] = RT(start_daemon, true),
    [RT_RUN] = RT(run, true),
    [RT_NODE_EXISTS] = RT(node_exists, true),
    [RT_DESTROY_NODE] = RT(destroy_node, true),
    [RT_STOP_NODE] = RT(stop_node, false),
    [RT_PREPARE_FRR] = RT(prepare_frr, false),
    [RT_DESCRIBE_NODE] = RT(describe_node, false),
    [RT_STOP_FRR] = RT(stop_frr, false),
    [RT_RUN_BOUNDED] = RT(run_bounded, false),
    [RT_CHECK_ACCESS] = RT(check_access, false),
    [RT_CLEAR_LEFTOVERS] = RT(clear_leftovers, false),
    [RT_PUT_FILES] = RT(put_files, false),
    [RT_FREEZE_NODE] = RT(freeze_node, false),

    [SW_START] = SW(start, true),
    [SW_NEEDS_TX_CSUM_OFF] = SW(needs_tx_csum_off, true),
    [SW_BUILD] = SW(build, true),
    [SW_BRIDGE_EXISTS] = SW(bridge_exists, true),
    [SW_DESTROY] = SW(destroy, true),
    [SW_GET_VLANS] = SW(get_vlans, false),
    [SW_SET_VLANS] = SW(set_vlans, false),
    [SW_DEAD_DAEMONS] = SW(dead_daemons, false),
    [SW_REATTACH_PORT] = SW(reattach_port, false),
    [SW_BRIDGES_EXIST] = SW(bridges_exist, false),
    [SW_CLEAR_LEFTOVERS] = SW(clear_leftovers, false),
    [SW_CHECK_MGMT] = SW(check_mgmt, false),
    [SW_SET_PORT_VLAN] = SW(set_port_vlan, false),

    [TUN_OVERHEAD] = TUN(overhead, true),
    [TUN_DESCRIBE_ID] = TUN(describe_id, true),
    [TUN_NEEDS_TX_CSUM_OFF] = TUN(needs_tx_csum_off, false),
    /* Optional: a tunnel that never carries a link (up refuses links
     * leaving the server without it). */
    [TUN_BUILD] = TUN(build, false),
    [TUN_DESTROY] = TUN(destroy, false),
    [TUN_MAKES_ENDS] = TUN(makes_ends, false),
    [TUN_REASSERT] = TUN(reassert, false),
    [TUN_REATTACH_PORT] = TUN(reattach_port, false),
    [TUN_CLEAR_LEFTOVERS] = TUN(clear_leftovers, false),
};

const char *
backend_op_name(enum backend_op op)
{
    return op < BACKEND_N_OPS ? op_table[op].name : "?";
}

/* Every operation is a pointer to a function; this one stands for all in
 * size and representation (POSIX makes them interchangeable). */
typedef void any_fn(void);

bool
backend_desc_has(const struct mi_plugin *d, enum backend_op op)
{
    if (!d || op >= BACKEND_N_OPS || !d->ops.common) {
        return false;
    }
    const struct op_info *oi = &op_table[op];
    if (oi->kind && oi->kind != d->kind) {
        return false;
    }
    /* Beyond the table as the plugin was compiled: an operation of a
     * later minor than the plugin's. */
    const struct mi_common_ops *c = d->ops.common;
    if (oi->offset + sizeof(any_fn *) > c->size) {
        return false;
    }
    any_fn *fn;
    memcpy(&fn, (const char *)c + oi->offset, sizeof fn);
    return fn != NULL;
}

bool
backend_has(const struct active_plugin *b, enum backend_op op)
{
    return b && backend_desc_has(b->loaded.desc, op);
}

bool
backend_knows_measurement(const struct mi_plugin *d)
{
    return d && d->abi_major == MI_PLUGIN_ABI_MAJOR &&
           d->abi_minor >= BACKEND_MEASUREMENT_MINOR;
}

bool
rt_reads_daemon_conf(const struct active_plugin *rt)
{
    const struct mi_plugin *d = rt ? rt->loaded.desc : NULL;
    const char *vtysh = getenv("MINIINET_FRR_VTYSH_LOAD");

    return d && d->abi_major == MI_PLUGIN_ABI_MAJOR &&
           d->abi_minor >= BACKEND_DAEMON_CONF_MINOR &&
           !(vtysh && !strcmp(vtysh, "1"));
}

size_t
backend_missing_ops(const struct mi_plugin *d, char *buf, size_t len)
{
    size_t n = 0, used = 0;

    if (len) {
        buf[0] = '\0';
    }
    for (size_t op = 0; op < BACKEND_N_OPS; op++) {
        const struct op_info *oi = &op_table[op];
        if (!oi->required || (oi->kind && oi->kind != d->kind) ||
            backend_desc_has(d, op)) {
            continue;
        }
        if (used < len) {
            int w = snprintf(buf + used, len - used, "%s%s", n ? ", " : "",
                             oi->name);
            used += w > 0 ? (size_t)w : 0;
        }
        n++;
    }
    return n;
}

/* ------------------------------------------------------------------------ */
/* Common                                                                   */
/* ------------------------------------------------------------------------ */

static const struct mi_common_ops *
common(const struct active_plugin *b)
{
    return b->loaded.desc->ops.common;
}

int
plugin_configure(struct active_plugin *b, const struct mi_host *host,
                 const struct mi_settings *settings)
{
    int error = common(b)->configure(host, settings, &b->state);

    b->configured = !error;
    return error;
}

void
plugin_release(struct active_plugin *b)
{
    if (b->configured && backend_has(b, OP_RELEASE)) {
        common(b)->release(b->state);
    }
    b->configured = false;
    b->state = NULL;
}

int
plugin_check_plan(const struct active_plugin *b, const struct mi_plan *p)
{
    return backend_has(b, OP_CHECK_PLAN) ? common(b)->check_plan(b->state, p)
                                         : 0;
}

int
plugin_check_server(const struct active_plugin *b, const struct mi_plan *p,
                    unsigned server)
{
    return backend_has(b, OP_CHECK_SERVER)
               ? common(b)->check_server(b->state, p, server)
               : 0;
}

/* ------------------------------------------------------------------------ */
/* Runtime                                                                  */
/* ------------------------------------------------------------------------ */

static const struct mi_runtime_ops *
rt_ops(const struct active_plugin *rt)
{
    return rt->loaded.desc->ops.runtime;
}

int
rt_create_node(const struct active_plugin *rt, const struct mi_plan *p,
               size_t node, const char *dir)
{
    return rt_ops(rt)->create_node(rt->state, p, node, dir);
}

int
rt_netns_path(const struct active_plugin *rt, const char *name, char *buf,
              size_t len)
{
    return rt_ops(rt)->netns_path(rt->state, name, buf, len);
}

int
rt_prepare_frr(const struct active_plugin *rt, const char *name,
               const char *dir)
{
    return backend_has(rt, RT_PREPARE_FRR)
               ? rt_ops(rt)->prepare_frr(rt->state, name, dir)
               : 0;
}

int
rt_start_daemon(const struct active_plugin *rt, const char *name,
                const char *dir, const char *daemon)
{
    return rt_ops(rt)->start_daemon(rt->state, name, dir, daemon);
}

int
rt_run(const struct active_plugin *rt, const char *name, const char *dir,
       const char *const *argv, char **out)
{
    return rt_ops(rt)->run(rt->state, name, dir, argv, out);
}

int
rt_run_bounded(const struct active_plugin *rt, const char *name,
               const char *dir, const char *const *argv, char **out,
               unsigned timeout_ms, size_t max_out)
{
    if (backend_has(rt, RT_RUN_BOUNDED)) {
        return rt_ops(rt)->run_bounded(rt->state, name, dir, argv, out,
                                       timeout_ms, max_out);
    }
    *out = NULL;
    int status = rt_ops(rt)->run(rt->state, name, dir, argv, out);
    if (*out && strlen(*out) > max_out) {
        free(*out);
        *out = NULL;
        status = -EFBIG;
    }
    return status;
}

const char *
rt_run_failure(int result, unsigned timeout_ms, size_t max_out, char *buf,
               size_t len)
{
    if (result == -ETIMEDOUT) {
        snprintf(buf, len, "did not answer within %.3g s (killed)",
                 timeout_ms / 1000.0);
    } else if (result == -EFBIG) {
        snprintf(buf, len, "printed more than %zu bytes (killed)", max_out);
    } else if (result == -ECANCELED) {
        snprintf(buf, len, "was killed by a signal");
    } else if (result < 0) {
        snprintf(buf, len, "could not be run: %s", strerror(-result));
    } else {
        snprintf(buf, len, "exited with status %d", result);
    }
    return buf;
}

int
rt_node_exists(const struct active_plugin *rt, const char *name)
{
    return rt_ops(rt)->node_exists(rt->state, name);
}

int
rt_stop_node(const struct active_plugin *rt, const char *name, const char *dir)
{
    return backend_has(rt, RT_STOP_NODE)
               ? rt_ops(rt)->stop_node(rt->state, name, dir)
               : 0;
}

int
rt_freeze_node(const struct active_plugin *rt, const char *name,
               const char *dir)
{
    return backend_has(rt, RT_FREEZE_NODE)
               ? rt_ops(rt)->freeze_node(rt->state, name, dir)
               : 0;
}

int
rt_stop_frr(const struct active_plugin *rt, const char *name, const char *dir,
            const char *const *daemons)
{
    return backend_has(rt, RT_STOP_FRR)
               ? rt_ops(rt)->stop_frr(rt->state, name, dir, daemons)
               : rt_stop_node(rt, name, dir);
}

int
rt_destroy_node(const struct active_plugin *rt, const char *name,
                const char *dir)
{
    return rt_ops(rt)->destroy_node(rt->state, name, dir);
}

int
rt_check_access(const struct active_plugin *rt, const struct mi_plan *p)
{
    if (backend_has(rt, RT_CHECK_ACCESS)) {
        return rt_ops(rt)->check_access(rt->state, p);
    }
    log_error("access: the runtime \"%s\" cannot confine students: it "
              "does not say that its nodes keep a root shell away from the "
              "server's files and users (no check_access, plugin ABI 4.8); "
              "choose a runtime that does",
              rt->name);
    return -ENOTSUP;
}

int
rt_check_put_files(const struct active_plugin *rt, const char *file)
{
    if (backend_has(rt, RT_PUT_FILES)) {
        return 0;
    }
    /* True of a runtime built before 4.12 and of one built for 4.12 or
     * later that leaves put_files out. */
    const struct mi_plugin *d = rt->loaded.desc;
    log_error("%s: access: runtime plugin \"%s\" (%s, version %s, built for "
              "plugin ABI %u.%u) cannot install student access into its "
              "nodes (it has no put_files operation, plugin ABI %d.%d); use "
              "a runtime that has it, or remove `access` from the file",
              file ? file : "(topology)", rt->name ? rt->name : "?",
              rt->loaded.path ? rt->loaded.path : "?",
              d && d->version ? d->version : "?",
              d ? (unsigned)d->abi_major : 0, d ? (unsigned)d->abi_minor : 0,
              MI_PLUGIN_ABI_MAJOR, BACKEND_PUT_FILES_MINOR);
    return -ENOTSUP;
}

int
rt_put_files(const struct active_plugin *rt, const char *name, const char *dir,
             const struct mi_file *files, size_t n)
{
    if (!backend_has(rt, RT_PUT_FILES)) {
        log_error("%s: runtime \"%s\" cannot put files into a node (no "
                  "put_files, plugin ABI 4.%d)",
                  name, rt->name, BACKEND_PUT_FILES_MINOR);
        return -ENOTSUP;
    }
    return rt_ops(rt)->put_files(rt->state, name, dir, files, n);
}

int
rt_clear_leftovers(const struct active_plugin *rt, const struct mi_plan *p,
                   unsigned server, size_t *n_removed)
{
    return backend_has(rt, RT_CLEAR_LEFTOVERS)
               ? rt_ops(rt)->clear_leftovers(rt->state, p, server, n_removed)
               : 0;
}

int
rt_describe_node(const struct active_plugin *rt, const char *name,
                 const char *dir, char *buf, size_t len)
{
    return backend_has(rt, RT_DESCRIBE_NODE)
               ? rt_ops(rt)->describe_node(rt->state, name, dir, buf, len)
               : -ENOTSUP;
}

/* ------------------------------------------------------------------------ */
/* Switch                                                                   */
/* ------------------------------------------------------------------------ */

static const struct mi_switch_ops *
sw_ops(const struct active_plugin *sw)
{
    return sw->loaded.desc->ops.switch_;
}

int
sw_start(const struct active_plugin *sw, const char *dir)
{
    return sw_ops(sw)->start(sw->state, dir);
}

bool
sw_needs_tx_csum_off(const struct active_plugin *sw)
{
    return sw_ops(sw)->needs_tx_csum_off(sw->state);
}

int
sw_build(const struct active_plugin *sw, const struct mi_plan *p,
         unsigned server)
{
    return sw_ops(sw)->build(sw->state, p, server);
}

int
sw_bridge_exists(const struct active_plugin *sw, const char *dir,
                 const char *name)
{
    return sw_ops(sw)->bridge_exists(sw->state, dir, name);
}

int
sw_destroy(const struct active_plugin *sw, const char *dir,
           const char *const *bridges, size_t n_bridges)
{
    return sw_ops(sw)->destroy(sw->state, dir, bridges, n_bridges);
}

int
sw_get_vlans(const struct active_plugin *sw, const char *dir,
             const char *const *bridges, size_t n, char **texts)
{
    for (size_t i = 0; i < n; i++) {
        texts[i] = NULL;
    }
    return backend_has(sw, SW_GET_VLANS)
               ? sw_ops(sw)->get_vlans(sw->state, dir, bridges, n, texts)
               : -ENOTSUP;
}

int
sw_set_vlans(const struct active_plugin *sw, const char *dir,
             const char *const *bridges, size_t n, const char *const *texts,
             size_t *changed)
{
    *changed = 0;
    return backend_has(sw, SW_SET_VLANS)
               ? sw_ops(sw)->set_vlans(sw->state, dir, bridges, n, texts,
                                       changed)
               : -ENOTSUP;
}

int
sw_dead_daemons(const struct active_plugin *sw, const char *dir, char *buf,
                size_t len)
{
    if (len) {
        buf[0] = '\0';
    }
    if (!backend_has(sw, SW_DEAD_DAEMONS)) {
        return -ENOTSUP;
    }
    int error = sw_ops(sw)->dead_daemons(sw->state, dir, buf, len);
    if (error && len) {
        buf[0] = '\0';
    }
    if (len) {
        buf[len - 1] = '\0'; /* whatever the plugin wrote */
    }
    return error;
}

int
sw_bridges_exist(const struct active_plugin *sw, const char *dir,
                 const char *const *names, size_t n, bool *exists)
{
    int error = 0;

    memset(exists, 0, n * sizeof *exists);
    if (backend_has(sw, SW_BRIDGES_EXIST)) {
        error = sw_ops(sw)->bridges_exist(sw->state, dir, names, n, exists);
    } else {
        for (size_t i = 0; i < n && !error; i++) {
            int r = sw_bridge_exists(sw, dir, names[i]);
            error = r < 0 ? r : 0;
            exists[i] = r == 1;
        }
    }
    if (error) {
        memset(exists, 0, n * sizeof *exists);
    }
    return error;
}

int
sw_clear_leftovers(const struct active_plugin *sw, const char *dir,
                   const struct mi_plan *p, unsigned server, size_t *n_removed)
{
    return backend_has(sw, SW_CLEAR_LEFTOVERS)
               ? sw_ops(sw)->clear_leftovers(sw->state, dir, p, server,
                                             n_removed)
               : 0;
}

int
sw_check_mgmt(const struct active_plugin *sw, const struct mi_plan *p)
{
    return backend_has(sw, SW_CHECK_MGMT)
               ? sw_ops(sw)->check_mgmt(sw->state, p)
               : -ENOTSUP;
}

enum backend_mgmt
backend_mgmt_gate(const struct active_plugin *sw, const struct mi_plan *p,
                  const char *file, bool builds)
{
    if (!file) {
        file = "(topology)";
    }
    if (!sw || !sw->configured) {
        log_error("%s: access: the management bridges of student access "
                  "need a switch plugin, and none is loaded",
                  file);
        return MGMT_REFUSED;
    }
    if (backend_has(sw, SW_CHECK_MGMT)) {
        return sw_check_mgmt(sw, p) ? MGMT_REFUSED : MGMT_OK;
    }
    /* True of a plugin built before 4.11 and of one built for 4.11 or
     * later that leaves check_mgmt out. */
    const struct mi_plugin *d = sw->loaded.desc;
    char *what = xasprintf(
        "switch plugin \"%s\" (%s, version %s, built for plugin ABI "
        "%u.%u) cannot build the management bridges of student access "
        "(it has no check_mgmt operation, plugin ABI %d.%d)",
        sw->name ? sw->name : "?", sw->loaded.path ? sw->loaded.path : "?",
        d && d->version ? d->version : "?", d ? (unsigned)d->abi_major : 0,
        d ? (unsigned)d->abi_minor : 0, MI_PLUGIN_ABI_MAJOR,
        BACKEND_MGMT_MINOR);
    if (builds) {
        log_error("%s: access: %s; use a switch plugin that has it, or "
                  "remove `access` from the file",
                  file, what);
    } else {
        log_warn("%s: access: %s; `up` and `validate` refuse this plan, "
                 "and that plugin was not asked to check it",
                 file, what);
    }
    free(what);
    return builds ? MGMT_REFUSED : MGMT_SHOW_ONLY;
}

int
sw_set_port_vlan(const struct active_plugin *sw, const char *dir,
                 const char *bridge, const char *port,
                 const struct mi_port_vlan *v)
{
    return backend_has(sw, SW_SET_PORT_VLAN)
               ? sw_ops(sw)->set_port_vlan(sw->state, dir, bridge, port, v)
               : -ENOTSUP;
}

int
sw_reattach_port(const struct active_plugin *sw, const char *dir,
                 const char *bridge, const char *port)
{
    return backend_has(sw, SW_REATTACH_PORT)
               ? sw_ops(sw)->reattach_port(sw->state, dir, bridge, port)
               : -ENOTSUP;
}

/* ------------------------------------------------------------------------ */
/* Tunnel                                                                   */
/* ------------------------------------------------------------------------ */

static const struct mi_tunnel_ops *
tun_ops(const struct active_plugin *tun)
{
    return tun->loaded.desc->ops.tunnel;
}

unsigned
tun_overhead(const struct active_plugin *tun)
{
    return tun_ops(tun)->overhead(tun->state);
}

void
tun_describe_id(const struct active_plugin *tun, const struct mi_plan *p,
                size_t link, char *buf, size_t len)
{
    tun_ops(tun)->describe_id(tun->state, p, link, buf, len);
}

bool
tun_needs_tx_csum_off(const struct active_plugin *tun)
{
    return backend_has(tun, TUN_NEEDS_TX_CSUM_OFF) &&
           tun_ops(tun)->needs_tx_csum_off(tun->state);
}

int
tun_build(const struct active_plugin *tun, const struct mi_plan *p,
          unsigned server, const char *const *netns, const char *dir)
{
    return backend_has(tun, TUN_BUILD)
               ? tun_ops(tun)->build(tun->state, p, server, netns, dir)
               : -ENOTSUP;
}

int
tun_destroy(const struct active_plugin *tun, const char *dir)
{
    return backend_has(tun, TUN_DESTROY)
               ? tun_ops(tun)->destroy(tun->state, dir)
               : 0;
}

int
tun_reassert(const struct active_plugin *tun, const char *dir)
{
    return backend_has(tun, TUN_REASSERT)
               ? tun_ops(tun)->reassert(tun->state, dir)
               : 0;
}

int
tun_reattach_port(const struct active_plugin *tun, const char *dir,
                  const char *port)
{
    return backend_has(tun, TUN_REATTACH_PORT)
               ? tun_ops(tun)->reattach_port(tun->state, dir, port)
               : -ENOTSUP;
}

int
tun_clear_leftovers(const struct active_plugin *tun, const struct mi_plan *p,
                    unsigned server, size_t *n_removed)
{
    return backend_has(tun, TUN_CLEAR_LEFTOVERS)
               ? tun_ops(tun)->clear_leftovers(tun->state, p, server,
                                               n_removed)
               : 0;
}

bool
tun_makes_ends(const struct active_plugin *tun)
{
    return backend_has(tun, TUN_MAKES_ENDS) &&
           tun_ops(tun)->makes_ends(tun->state);
}
