/* linuxbridge: an example switch plugin.  The bridges of L2 networks and
 * IXPs (mi_plan.bridges) are Linux bridges, made with iproute2's `ip` and
 * `bridge` programs.  It is the example of doc/plugins.md: small, but
 * complete and real.  Build it out of tree and use it:
 *
 *     cc -shared -fPIC -Wall $(pkg-config --cflags miniinet-plugin) \
 *         -o DIR/linuxbridge.so linuxbridge.c
 *     miniinet --plugin-dir DIR plugins
 *     miniinet --plugin-dir DIR --plugins=linuxbridge -c FILE up
 *
 * What build() makes on server S, for each bridge B of the plan on S:
 *   IXP LAN     a Linux bridge B, spanning tree off;
 *   L2 switch   a Linux bridge B with the kernel's spanning tree on
 *               (priority mi_bridge.stp_priority, bridge address
 *               mi_bridge.stp_mac) and VLAN filtering on: an access port
 *               carries its VLAN untagged, a trunk carries tagged every
 *               VLAN of the AS's L2 switches;
 * then it attaches to B the port mi_link.peer[e] of every link end e on B
 * (the host has made these interfaces) and brings B up.  All of it takes
 * two programs: `ip -batch DIR/linuxbridge.ip`, then `bridge -batch
 * DIR/linuxbridge.vlan` (DIR: the switch directory that start() is given;
 * the files stay there for reading until destroy()).
 *
 * Settings (plugins.linuxbridge):
 *   forward_delay   seconds an L2 switch's port listens, then learns,
 *                   before it forwards (2..30; default 15, the kernel's)
 *
 * Limits, compared with the default switch `ovs`:
 *   - L2 switches need VLAN filtering in the kernel's bridges
 *     (CONFIG_BRIDGE_VLAN_FILTERING, which Debian's kernels have): where the
 *     kernel's configuration says it lacks it, check_server and build
 *     refuse, naming it;
 *   - a Linux bridge has at most 1024 ports: check_plan refuses a plan with
 *     a bigger bridge (an IXP with more members);
 *   - the kernel's spanning tree is STP, not RSTP: an L2 network forwards
 *     twice forward_delay after `up`;
 *   - where the module br_netfilter is loaded (Docker loads it) and
 *     net.bridge.bridge-nf-call-iptables is 1, bridged IPv4 packets go
 *     through the firewall's FORWARD chain, which may drop them;
 *   - a bridge's name taken by any interface counts as the bridge existing
 *     (bridge_exists, build's -EEXIST); destroy() deletes Linux bridges
 *     only, and leaves any other interface of a recorded name alone.
 *
 * Nothing runs in the background: start() only remembers the directory, and
 * destroy() needs neither the plan nor the settings.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* asprintf, strchrnul */
#endif

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <miniinet/plugin.h>

/* The kernel's limits: interface names of at most 15 characters, at most
 * 1024 ports per bridge (BR_MAX_PORTS), VLANs 1..4094, STP priorities
 * 0..65535. */
#define LB_NAME_MAX 15
#define LB_MAX_PORTS 1024
#define LB_VLAN_MAX 4094
#define LB_PRIORITY_MAX 65535

/* The batch files build() writes into the switch directory. */
#define LB_IP_BATCH "linuxbridge.ip"
#define LB_VLAN_BATCH "linuxbridge.vlan"

struct lb {
    const struct mi_host *host;
    long long forward_delay; /* seconds */
    char *dir;               /* the switch directory, from start() */
};

static char *
path_join(const char *dir, const char *file)
{
    char *s;

    return asprintf(&s, "%s/%s", dir, file) < 0 ? NULL : s;
}

/* "exit status N" or the errno's text, for messages about a program that
 * failed (the host has logged its standard error already). */
static const char *
status_text(int status, char *buf, size_t len)
{
    if (status < 0) {
        return strerror(-status);
    }
    snprintf(buf, len, "exit status %d", status);
    return buf;
}

/* Names go into batch files and command lines: only what a Linux interface
 * name may be and neither `ip` nor `bridge` can misread. */
static bool
valid_name(const char *name)
{
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "abcdefghijklmnopqrstuvwxyz0123456789_.-";
    size_t len = name ? strlen(name) : 0;

    return len >= 1 && len <= LB_NAME_MAX && name[0] != '-' &&
           name[0] != '.' && strspn(name, chars) == len;
}

/* ------------------------------------------------------------------------ */
/* configure, release, check_plan, check_server                             */
/* ------------------------------------------------------------------------ */

static int
lb_configure(const struct mi_host *host, const struct mi_settings *settings,
             void **statep)
{
    static const char *const known[] = {"forward_delay", NULL};
    long long forward_delay = 15;

    int error = host->setting_check_keys(settings, known);
    if (error) {
        return error;
    }
    error =
        host->setting_int(settings, "forward_delay", 2, 30, &forward_delay);
    if (error && error != -ENOENT) {
        return error;
    }

    struct lb *lb = calloc(1, sizeof *lb);
    if (!lb) {
        host->error("linuxbridge: out of memory");
        return -ENOMEM;
    }
    lb->host = host;
    lb->forward_delay = forward_delay;
    *statep = lb;
    return 0;
}

static void
lb_release(void *state)
{
    struct lb *lb = state;

    free(lb->dir);
    free(lb);
}

/* Checks what the kernel needs of the bridges of `plan` (those of server
 * `server` only, unless `all`): valid names, sound bridge ends, at most
 * LB_MAX_PORTS ports per bridge.  Reports every problem.  Pure. */
static int
check_layout(const struct lb *lb, const struct mi_plan *plan, bool all,
             unsigned server)
{
    const struct mi_host *host = lb->host;
    size_t *n_ports = calloc(plan->n_bridges + 1, sizeof *n_ports);
    int error = 0;

    if (!n_ports) {
        host->error("linuxbridge: out of memory");
        return -ENOMEM;
    }
    for (size_t b = 0; b < plan->n_bridges; b++) {
        const struct mi_bridge *br = mi_plan_bridge(plan, b);
        if (!all && br->server != server) {
            continue;
        }
        if (!valid_name(br->name)) {
            host->error("linuxbridge: bridge \"%s\" is not a usable Linux "
                        "interface name (1 to %d of A-Z a-z 0-9 _ . -)",
                        br->name ? br->name : "", LB_NAME_MAX);
            error = -EINVAL;
        } else if (br->kind == MI_BRIDGE_L2SWITCH &&
                   br->stp_priority > LB_PRIORITY_MAX) {
            host->error("linuxbridge: bridge %s: STP priority %u is out of "
                        "range (0..%d)",
                        br->name, br->stp_priority, LB_PRIORITY_MAX);
            error = -EINVAL;
        }
    }
    for (size_t i = 0; i < plan->n_links; i++) {
        const struct mi_link *l = mi_plan_link(plan, i);
        for (int e = 0; e < 2; e++) {
            int b = l->end[e].bridge;
            if (b < 0 || (!all && l->server[e] != server)) {
                continue;
            }
            if ((size_t)b >= plan->n_bridges || !valid_name(l->peer[e]) ||
                l->end[e].vlan > LB_VLAN_MAX) {
                host->error("linuxbridge: link %zu, end %d: bad bridge end "
                            "(bridge %d, port %s, VLAN %u)",
                            i, e, b, l->peer[e] ? l->peer[e] : "(none)",
                            l->end[e].vlan);
                error = -EINVAL;
                continue;
            }
            n_ports[b]++;
        }
    }
    for (size_t b = 0; b < plan->n_bridges; b++) {
        if (n_ports[b] > LB_MAX_PORTS) {
            host->error("linuxbridge: bridge %s would have %zu ports, and a "
                        "Linux bridge has at most %d; use the ovs switch "
                        "(plugins = { switch = \"ovs\"; })",
                        mi_plan_bridge(plan, b)->name, n_ports[b],
                        LB_MAX_PORTS);
            error = -EINVAL;
        }
    }
    free(n_ports);
    return error;
}

static int
lb_check_plan(void *state, const struct mi_plan *plan)
{
    return check_layout(state, plan, true, 0);
}

static size_t
bridges_on(const struct mi_plan *plan, unsigned server)
{
    size_t n = 0;

    for (size_t b = 0; b < plan->n_bridges; b++) {
        n += mi_plan_bridge(plan, b)->server == server;
    }
    return n;
}

static size_t
l2switches_on(const struct mi_plan *plan, unsigned server)
{
    size_t n = 0;

    for (size_t b = 0; b < plan->n_bridges; b++) {
        n += mi_plan_bridge(plan, b)->server == server &&
             mi_plan_bridge(plan, b)->kind == MI_BRIDGE_L2SWITCH;
    }
    return n;
}

/* False, after reporting it, if the kernel's configuration is readable
 * (/proc/config.gz, else /boot/config-RELEASE; `gzip -dcf` reads both) and
 * does not enable VLAN filtering in bridges.  Unknown counts as enabled:
 * then `ip` says what it cannot do. */
static bool
kernel_has_vlan_filtering(const struct lb *lb)
{
    static const char option[] = "CONFIG_BRIDGE_VLAN_FILTERING";
    char path[128] = "/proc/config.gz";
    struct utsname u;

    if (access(path, R_OK) < 0) {
        if (uname(&u) < 0) {
            return true;
        }
        snprintf(path, sizeof path, "/boot/config-%s", u.release);
        if (access(path, R_OK) < 0) {
            return true;
        }
    }
    const char *argv[] = {"gzip", "-dcf", path, NULL};
    char *config = NULL;
    bool has = true;
    if (lb->host->run(argv, &config) == 0 && config) {
        char want[64];
        snprintf(want, sizeof want, "\n%s=y\n", option);
        has = strstr(config, want) != NULL;
    }
    free(config);
    if (!has) {
        lb->host->error("linuxbridge: this kernel has no VLAN filtering in "
                        "bridges (%s is not set in %s), which the L2 "
                        "switches need; use the ovs switch (plugins = { "
                        "switch = \"ovs\"; })",
                        option, path);
    }
    return has;
}

/* What this server needs: iproute2's `ip` and `bridge`, where the plan
 * puts bridges, and VLAN filtering where it puts L2 switches.  Runs `ip
 * -V`, `bridge -V` and `gzip -dcf`, which change nothing. */
static int
lb_check_server(void *state, const struct mi_plan *plan, unsigned server)
{
    struct lb *lb = state;
    static const char *const programs[] = {"ip", "bridge"};
    int error = 0;

    if (!bridges_on(plan, server)) {
        return 0;
    }
    for (size_t i = 0; i < sizeof programs / sizeof *programs; i++) {
        const char *argv[] = {programs[i], "-V", NULL};
        char *out = NULL;
        int status = lb->host->run(argv, &out);
        free(out);
        if (status) {
            char buf[32];
            lb->host->error("linuxbridge: `%s -V` failed (%s); install "
                            "iproute2",
                            programs[i], status_text(status, buf, sizeof buf));
            error = -ENOTSUP;
        }
    }
    if (l2switches_on(plan, server) && !kernel_has_vlan_filtering(lb)) {
        error = -ENOTSUP;
    }
    return error;
}

/* ------------------------------------------------------------------------ */
/* start, needs_tx_csum_off, bridge_exists                                  */
/* ------------------------------------------------------------------------ */

/* There is no daemon to start: the kernel is the switch.  The directory is
 * where build() writes its batch files. */
static int
lb_start(void *state, const char *dir)
{
    struct lb *lb = state;

    if (!dir) {
        lb->host->error("linuxbridge: start needs a directory");
        return -EINVAL;
    }
    char *copy = strdup(dir);
    if (!copy) {
        lb->host->error("linuxbridge: out of memory");
        return -ENOMEM;
    }
    free(lb->dir);
    lb->dir = copy;
    return 0;
}

/* Packets stay in the kernel: checksum offload can stay on. */
static bool
lb_needs_tx_csum_off(void *state)
{
    (void)state;
    return false;
}

/* Any interface of that name stands in the way of the bridge. */
static int
lb_bridge_exists(void *state, const char *dir, const char *name)
{
    struct lb *lb = state;

    (void)dir;
    return lb->host->link_exists(NULL, name);
}

/* ------------------------------------------------------------------------ */
/* build                                                                    */
/* ------------------------------------------------------------------------ */

/* Writes the `ip -batch` commands that make the bridges of `server`,
 * attach their ports and bring them up; returns the number of lines. */
static size_t
write_links(const struct lb *lb, const struct mi_plan *plan, unsigned server,
            FILE *f)
{
    size_t n = 0;

    for (size_t b = 0; b < plan->n_bridges; b++) {
        const struct mi_bridge *br = mi_plan_bridge(plan, b);
        const uint8_t *m = br->stp_mac;
        if (br->server != server) {
            continue;
        }
        fprintf(f, "link add name %s", br->name);
        if (br->kind == MI_BRIDGE_L2SWITCH) {
            /* A unicast address, as the bridge's STP identifier. */
            if (!(m[0] & 1) && (m[0] | m[1] | m[2] | m[3] | m[4] | m[5])) {
                fprintf(f, " address %02x:%02x:%02x:%02x:%02x:%02x", m[0],
                        m[1], m[2], m[3], m[4], m[5]);
            }
            /* forward_delay in hundredths of a second. */
            fprintf(f,
                    " type bridge stp_state 1 priority %u forward_delay "
                    "%lld vlan_filtering 1 vlan_default_pvid 0\n",
                    br->stp_priority, lb->forward_delay * 100);
        } else {
            fprintf(f, " type bridge stp_state 0\n");
        }
        n++;
    }
    for (size_t i = 0; i < plan->n_links; i++) {
        const struct mi_link *l = mi_plan_link(plan, i);
        for (int e = 0; e < 2; e++) {
            if (l->end[e].bridge >= 0 && l->server[e] == server) {
                fprintf(f, "link set dev %s master %s\n", l->peer[e],
                        mi_plan_bridge(plan, l->end[e].bridge)->name);
                n++;
            }
        }
    }
    for (size_t b = 0; b < plan->n_bridges; b++) {
        if (mi_plan_bridge(plan, b)->server == server) {
            fprintf(f, "link set dev %s up\n", mi_plan_bridge(plan, b)->name);
            n++;
        }
    }
    return n;
}

/* Marks in `vlans` (LB_VLAN_MAX + 1 entries) the access VLANs of the L2
 * switches of AS `asn`: what its trunks carry. */
static void
as_vlans(const struct mi_plan *plan, unsigned asn, bool *vlans)
{
    memset(vlans, 0, (LB_VLAN_MAX + 1) * sizeof *vlans);
    for (size_t i = 0; i < plan->n_links; i++) {
        const struct mi_link *l = mi_plan_link(plan, i);
        for (int e = 0; e < 2; e++) {
            int b = l->end[e].bridge;
            if (b >= 0 &&
                mi_plan_bridge(plan, b)->kind == MI_BRIDGE_L2SWITCH &&
                mi_plan_bridge(plan, b)->asn == asn) {
                vlans[l->end[e].vlan] = true;
            }
        }
    }
}

/* Writes the `bridge -batch` commands that give the L2 switches' ports of
 * `server` their VLANs; returns the number of lines. */
static size_t
write_vlans(const struct lb *lb, const struct mi_plan *plan, unsigned server,
            FILE *f)
{
    bool vlans[LB_VLAN_MAX + 1];
    size_t n = 0;

    (void)lb;
    for (size_t i = 0; i < plan->n_links; i++) {
        const struct mi_link *l = mi_plan_link(plan, i);
        for (int e = 0; e < 2; e++) {
            int b = l->end[e].bridge;
            if (b < 0 || l->server[e] != server ||
                mi_plan_bridge(plan, b)->kind != MI_BRIDGE_L2SWITCH) {
                continue;
            }
            if (l->end[e].vlan) {
                fprintf(f, "vlan add dev %s vid %u pvid untagged\n",
                        l->peer[e], l->end[e].vlan);
                n++;
                continue;
            }
            as_vlans(plan, mi_plan_bridge(plan, b)->asn, vlans);
            for (unsigned v = 1; v <= LB_VLAN_MAX; v++) {
                if (vlans[v]) {
                    fprintf(f, "vlan add dev %s vid %u\n", l->peer[e], v);
                    n++;
                }
            }
        }
    }
    return n;
}

typedef size_t batch_fn(const struct lb *, const struct mi_plan *, unsigned,
                        FILE *);

/* Writes DIR/FILE with `fn`; its number of lines into *n_lines. */
static int
write_batch(const struct lb *lb, const char *file, batch_fn *fn,
            const struct mi_plan *plan, unsigned server, size_t *n_lines)
{
    char *path = path_join(lb->dir, file);
    int error = 0;

    if (!path) {
        lb->host->error("linuxbridge: out of memory");
        return -ENOMEM;
    }
    FILE *f = fopen(path, "we");
    if (!f) {
        error = -errno;
    } else {
        *n_lines = fn(lb, plan, server, f);
        if (ferror(f)) {
            error = -EIO;
        }
        if (fclose(f) == EOF && !error) {
            error = -errno;
        }
    }
    if (error) {
        lb->host->error("linuxbridge: cannot write %s: %s", path,
                        strerror(-error));
    }
    free(path);
    return error;
}

/* Runs `PROGRAM -batch DIR/FILE`. */
static int
run_batch(const struct lb *lb, const char *program, const char *file)
{
    char *path = path_join(lb->dir, file);

    if (!path) {
        lb->host->error("linuxbridge: out of memory");
        return -ENOMEM;
    }
    const char *argv[] = {program, "-batch", path, NULL};
    int status = lb->host->run(argv, NULL);
    if (status) {
        char buf[32];
        lb->host->error("linuxbridge: %s -batch %s failed (%s)", program, path,
                        status_text(status, buf, sizeof buf));
    }
    free(path);
    return status < 0 ? status : status ? -EIO : 0;
}

static int
lb_build(void *state, const struct mi_plan *plan, unsigned server)
{
    struct lb *lb = state;
    const struct mi_host *host = lb->host;

    int error = check_layout(lb, plan, false, server);
    size_t n_here = bridges_on(plan, server);
    if (error || !n_here) {
        return error;
    }
    if (!lb->dir) {
        host->error("linuxbridge: build before start: no switch directory");
        return -EINVAL;
    }
    if (l2switches_on(plan, server) && !kernel_has_vlan_filtering(lb)) {
        return -ENOTSUP;
    }

    /* Nothing is made unless every name is free. */
    for (size_t b = 0; b < plan->n_bridges; b++) {
        const struct mi_bridge *br = mi_plan_bridge(plan, b);
        int r = br->server == server ? host->link_exists(NULL, br->name) : 0;
        if (r == 1) {
            host->error("linuxbridge: bridge %s exists already", br->name);
            error = -EEXIST;
        } else if (r < 0 && !error) {
            error = r; /* reported by the host */
        }
    }
    if (error) {
        return error;
    }

    size_t n_links = 0, n_vlans = 0;
    error = write_batch(lb, LB_IP_BATCH, write_links, plan, server, &n_links);
    if (!error) {
        error = write_batch(lb, LB_VLAN_BATCH, write_vlans, plan, server,
                            &n_vlans);
    }
    if (!error) {
        error = run_batch(lb, "ip", LB_IP_BATCH);
    }
    if (!error && n_vlans) {
        error = run_batch(lb, "bridge", LB_VLAN_BATCH);
    }
    if (!error) {
        host->log(MI_LOG_INFO,
                  "linuxbridge: %zu Linux bridge%s (%zu ip and %zu bridge "
                  "commands)",
                  n_here, n_here == 1 ? "" : "s", n_links, n_vlans);
    }
    return error;
}

/* ------------------------------------------------------------------------ */
/* destroy                                                                  */
/* ------------------------------------------------------------------------ */

/* True if `list`, the output of `ip -o link show type bridge` ("7: NAME:
 * <...> ..." a line), names `name`. */
static bool
listed(const char *list, const char *name)
{
    size_t len = strlen(name);

    for (const char *p = list; p && *p;) {
        const char *nl = strchrnul(p, '\n');
        const char *s = strstr(p, ": ");
        if (s && s < nl && !strncmp(s + 2, name, len) &&
            (s[2 + len] == ':' || s[2 + len] == '@')) {
            return true;
        }
        p = *nl ? nl + 1 : nl;
    }
    return false;
}

/* Deletes the named bridges that exist, from the list alone (down runs
 * without the plan, and without the settings), and the batch files. */
static int
lb_destroy(void *state, const char *dir, const char *const *bridges,
           size_t n_bridges)
{
    struct lb *lb = state;
    const struct mi_host *host = lb->host;
    char *list = NULL;
    int error = 0;

    if (n_bridges) {
        const char *argv[] = {"ip",   "-o",     "link", "show",
                              "type", "bridge", NULL};
        int status = host->run(argv, &list);
        if (status) {
            char buf[32];
            free(list);
            host->error("linuxbridge: ip link show type bridge failed (%s)",
                        status_text(status, buf, sizeof buf));
            return status < 0 ? status : -EIO;
        }
    }
    for (size_t i = 0; i < n_bridges; i++) {
        const char *name = bridges[i];
        if (!valid_name(name)) {
            host->log(MI_LOG_WARN,
                      "linuxbridge: \"%s\" cannot be a bridge name; left "
                      "alone",
                      name ? name : "");
        } else if (listed(list, name)) {
            int r = host->link_delete(NULL, name);
            if (r && !error) {
                error = r; /* reported by the host */
            }
        } else if (host->link_exists(NULL, name) == 1) {
            host->log(MI_LOG_WARN,
                      "linuxbridge: %s is not a Linux bridge; left alone",
                      name);
        }
    }
    free(list);

    static const char *const files[] = {LB_IP_BATCH, LB_VLAN_BATCH};
    for (size_t i = 0; dir && i < sizeof files / sizeof *files; i++) {
        char *path = path_join(dir, files[i]);
        if (path && unlink(path) < 0 && errno != ENOENT) {
            int e = errno;
            host->error("linuxbridge: cannot remove %s: %s", path,
                        strerror(e));
            error = error ? error : -e;
        }
        free(path);
    }
    return error;
}

static const struct mi_switch_ops lb_ops = {
    .common =
        {
            MI_OPS_SIZE(struct mi_switch_ops),
            .configure = lb_configure,
            .release = lb_release,
            .check_plan = lb_check_plan,
            .check_server = lb_check_server,
        },
    .start = lb_start,
    .needs_tx_csum_off = lb_needs_tx_csum_off,
    .build = lb_build,
    .bridge_exists = lb_bridge_exists,
    .destroy = lb_destroy,
};

MI_PLUGIN_DEFINE = {
    MI_PLUGIN_ABI_VERSION,
    .name = "linuxbridge",
    .kind = MI_PLUGIN_SWITCH,
    .version = "0.1.0",
    .description = "L2 networks and IXP LANs as Linux bridges (example)",
    .ops.switch_ = &lb_ops,
};
