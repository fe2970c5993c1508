#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <miniinet/plugin.h>

#include "cmd.h"
#include "ovsleftover.h"
#include "ovstunnel.h"

/* Where Debian's (and upstream's default) Open vSwitch listens. */
#define OVT_DB_SOCK "/var/run/openvswitch/db.sock"

/* The record of bridges in the tunnel directory, and the flow files. */
#define OVT_RECORD "bridges"
#define OVT_RECORD_TMP "bridges.tmp"
#define OVT_FLOWS_SUFFIX ".flows"

/* Seconds an ovs-vsctl may take: queries, and transactions that wait for
 * ovs-vswitchd to apply them. */
#define QUERY_TIMEOUT 10
#define BUILD_TIMEOUT 120

void
ovt_init(struct ovt *ovt, const struct mi_host *host, const char *plugin,
         const char *prefix, const char *port_type, const char *kmod)
{
    memset(ovt, 0, sizeof *ovt);
    ovt->host = host;
    ovt->plugin = plugin;
    ovt->prefix = prefix;
    ovt->port_type = port_type;
    ovt->kmod = kmod;
    ovt->db_sock = OVT_DB_SOCK;
}

int
ovt_set_datapath(struct ovt *ovt, const struct mi_settings *settings,
                 const char *value)
{
    if (!strcmp(value, "auto")) {
        ovt->datapath = access("/sys/module/openvswitch", F_OK)
                            ? OVT_DP_NETDEV
                            : OVT_DP_SYSTEM;
    } else if (!strcmp(value, "system")) {
        ovt->datapath = OVT_DP_SYSTEM;
    } else if (!strcmp(value, "netdev")) {
        ovt->datapath = OVT_DP_NETDEV;
    } else {
        ovt->host->setting_error(settings, "datapath",
                                 "must be \"auto\", \"system\" or "
                                 "\"netdev\", not \"%s\"",
                                 value);
        return -EINVAL;
    }
    return 0;
}

static const char *
datapath_name(enum ovt_datapath dp)
{
    return dp == OVT_DP_NETDEV ? "netdev" : "system";
}

/* Runs `a`; returns the exit status or a negative errno. */
static int
run_args(const struct ovt *ovt, const struct args *a, char **out)
{
    return cmd_run(ovt->host, ovt->plugin, a, out);
}

static int
status_error(int status)
{
    return status < 0 ? status : -EIO;
}

/* Runs `PROGRAM --timeout=T ARG0 ARGS...` (NULL-terminated). */
static int
ovs_tool(const struct ovt *ovt, char **out, const char *program, int timeout,
         const char *arg0, ...)
{
    struct args a = {0};
    va_list ap;

    args_push(&a, cmd_find_program(program));
    args_addf(&a, "--timeout=%d", timeout);
    va_start(ap, arg0);
    for (const char *s = arg0; s; s = va_arg(ap, const char *)) {
        args_add(&a, s);
    }
    va_end(ap);
    int status = run_args(ovt, &a, out);
    args_free(&a);
    return status;
}

/* ------------------------------------------------------------------------ */
/* The pure part: what a server's tunnels are, as flows and as an ovs-vsctl */
/* transaction, from the plan and the settings alone.                       */
/* ------------------------------------------------------------------------ */

/* The end of link `l` on `server` if the link leaves it, else -1. */
static int
ovt_local_end(const struct mi_link *l, unsigned server)
{
    if (!l->remote || l->server[0] == l->server[1]) {
        return -1;
    }
    return l->server[0] == server ? 0 : l->server[1] == server ? 1 : -1;
}

void
ovt_bridge_name(const struct ovt *ovt, unsigned peer, char *buf, size_t len)
{
    snprintf(buf, len, "%s%u", ovt->prefix, peer);
}

void
ovt_port_name(const struct ovt *ovt, unsigned peer, char *buf, size_t len)
{
    snprintf(buf, len, "%s%u-t", ovt->prefix, peer);
}

/* The interface remote link `l` has on `server` for the tunnel to attach
 * (the plan's tunnel_port of the end there). */
static const char *
port_here(const struct mi_link *l, unsigned server)
{
    return l->tunnel_port[l->server[0] == server ? 0 : 1];
}

/* Fills `peers` (room for plan->n_servers) with the servers that share
 * remote links with `server`, in index order; returns their number. */
size_t
ovt_peers(const struct mi_plan *plan, unsigned server, unsigned *peers)
{
    size_t n = 0;

    for (unsigned p = 0; p < plan->n_servers; p++) {
        for (size_t i = 0; p != server && i < plan->n_links; i++) {
            const struct mi_link *l = mi_plan_link(plan, i);
            int e = ovt_local_end(l, server);
            if (e >= 0 && l->server[!e] == p) {
                peers[n++] = p;
                break;
            }
        }
    }
    return n;
}

static void
ip_text(uint32_t ip, char *buf, size_t len)
{
    snprintf(buf, len, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff,
             (ip >> 8) & 0xff, ip & 0xff);
}

/* Checks that the plan gives what the tunnels of `server` need (names,
 * addresses, ids in range); reports every problem.  Pure. */
int
ovt_check_layout(const struct ovt *ovt, const struct mi_plan *plan,
                 unsigned server)
{
    const struct mi_host *host = ovt->host;
    int error = 0;

    if (server >= plan->n_servers) {
        host->error("%s: server %u is not in the plan (%zu servers)",
                    ovt->plugin, server, plan->n_servers);
        return -EINVAL;
    }
    if (plan->n_servers > 10000000) {
        host->error("%s: %zu servers: too many for 15-character bridge "
                    "names",
                    ovt->plugin, plan->n_servers);
        return -EINVAL;
    }
    unsigned max_id = ovt->isolation == OVT_ISOLATION_TOS ? OVT_TOS_MAX_LINKS
                                                          : OVT_KEY_MAX_LINKS;
    for (size_t i = 0; i < plan->n_links; i++) {
        const struct mi_link *l = mi_plan_link(plan, i);
        int e = ovt_local_end(l, server);
        if (e < 0) {
            continue;
        }
        unsigned peer = l->server[!e];
        const struct mi_server *ps =
            peer < plan->n_servers ? mi_plan_server(plan, peer) : NULL;
        const char *port = port_here(l, server);
        if (!ps) {
            host->error("%s: link %zu: its other end's server %u is not in "
                        "the plan",
                        ovt->plugin, i, peer);
            error = -EINVAL;
            continue;
        }
        if (!ps->address || !*ps->address) {
            host->error("%s: server %s has no underlay address, and link "
                        "%zu from server %s leads there",
                        ovt->plugin, ps->name, i,
                        mi_plan_server(plan, server)->name);
            error = -EINVAL;
        }
        if (!port || !*port || strlen(port) >= OVT_NAME_LEN) {
            host->error("%s: link %zu has no valid root-namespace "
                        "interface to attach",
                        ovt->plugin, i);
            error = -EINVAL;
        }
        if (l->tunnel_id < 1 || l->tunnel_id > max_id) {
            host->error("%s: link %zu: tunnel id %u is out of range "
                        "(1..%u with isolation \"%s\")",
                        ovt->plugin, i, l->tunnel_id, max_id,
                        ovt->isolation == OVT_ISOLATION_TOS ? "tos" : "key");
            error = -EINVAL;
        }
        if (l->end[e].node < 0 && l->end[!e].node < 0) {
            host->error("%s: link %zu joins two bridges across servers %s "
                        "and %s, which it cannot carry",
                        ovt->plugin, i, mi_plan_server(plan, server)->name,
                        ps->name);
            error = -EINVAL;
        } else if (ovt->isolation == OVT_ISOLATION_TOS) {
            /* ARP is steered by the node end's address. */
            const struct mi_endpoint *node_end =
                l->end[e].node >= 0 ? &l->end[e] : &l->end[!e];
            if (!node_end->addr.plen) {
                host->error("%s: link %zu: interface %s has no address, "
                            "which TOS isolation needs to steer ARP; set "
                            "plugins.%s.isolation = \"key\"",
                            ovt->plugin, i,
                            node_end->ifname ? node_end->ifname : "?",
                            ovt->plugin);
                error = -EINVAL;
            }
        }
    }
    return error;
}

/* "A.B.C.D/PLEN", the subnet of `a`. */
static void
subnet_text(struct mi_addr a, char *buf, size_t len)
{
    uint32_t mask = a.plen >= 32 ? 0xffffffffu
                    : a.plen     ? ~(0xffffffffu >> a.plen)
                                 : 0;
    char ip[16];

    ip_text(a.ip & mask, ip, sizeof ip);
    snprintf(buf, len, "%s/%u", ip, a.plen);
}

/* Writes the flows of the bridge from `server` to `peer` to `f`: a
 * priority-0 drop, then per link (in plan order) the flows that carry it
 * and nothing else.
 *
 * TOS mode: IP by TOS value.  ARP carries no TOS, so it is steered by its
 * addresses: it leaves a link only with a sender address in the link's
 * subnet, and enters the link whose subnet holds its sender address and
 * whose local end is its target (a router here), or whose remote end is
 * its sender (a LAN here: an IXP, its member over there).  As the links'
 * subnets are disjoint, no ARP crosses from one link to another, forged or
 * not. */
static void
ovt_write_flows(const struct ovt *ovt, const struct mi_plan *plan,
                unsigned server, unsigned peer, FILE *f)
{
    const unsigned t = OVT_TUNNEL_OFPORT;

    fprintf(f, "priority=0 actions=drop\n");
    for (size_t i = 0; i < plan->n_links; i++) {
        const struct mi_link *l = mi_plan_link(plan, i);
        int e = ovt_local_end(l, server);
        if (e < 0 || l->server[!e] != peer) {
            continue;
        }
        unsigned k = l->tunnel_id;
        unsigned port = k; /* the link's OpenFlow port */
        if (ovt->isolation == OVT_ISOLATION_KEY) {
            fprintf(f, "in_port=%u actions=set_field:%u->tun_id,output:%u\n",
                    port, k, t);
            fprintf(f, "in_port=%u,tun_id=%u actions=output:%u\n", t, k, port);
            continue;
        }
        bool local_node = l->end[e].node >= 0;
        const struct mi_endpoint *node_end =
            local_node ? &l->end[e] : &l->end[!e];
        char addr[16], subnet[24];
        ip_text(node_end->addr.ip, addr, sizeof addr);
        subnet_text(node_end->addr, subnet, sizeof subnet);
        fprintf(f, "in_port=%u,ip actions=mod_nw_tos:%u,output:%u\n", port,
                4 * k, t);
        fprintf(f, "in_port=%u,arp,arp_spa=%s actions=output:%u\n", port,
                subnet, t);
        fprintf(f, "in_port=%u,ip,nw_tos=%u actions=mod_nw_tos:0,output:%u\n",
                t, 4 * k, port);
        if (local_node) {
            fprintf(f,
                    "in_port=%u,arp,arp_spa=%s,arp_tpa=%s actions=output:%u\n",
                    t, subnet, addr, port);
        } else {
            fprintf(f,
                    "in_port=%u,arp,arp_spa=%s,arp_tpa=%s actions=output:%u\n",
                    t, addr, subnet, port);
        }
    }
}

/* The flows as a malloc()ed string (NULL when out of memory). */
char *
ovt_flows(const struct ovt *ovt, const struct mi_plan *plan, unsigned server,
          unsigned peer)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    if (!f) {
        return NULL;
    }
    ovt_write_flows(ovt, plan, server, peer, f);
    if (fclose(f)) {
        free(text);
        return NULL;
    }
    return text;
}

/* `s` as an OVSDB string: quoted, so that ovs-vsctl never reads it as a
 * number or a set, with '"' and '\' escaped. */
static char *
ovsdb_quote(const char *s)
{
    size_t n = 3;

    for (const char *p = s; *p; p++) {
        n += 1 + (*p == '"' || *p == '\\');
    }
    char *q = malloc(n);
    if (!q) {
        return NULL;
    }
    char *w = q;
    *w++ = '"';
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            *w++ = '\\';
        }
        *w++ = *p;
    }
    *w++ = '"';
    *w = '\0';
    return q;
}

static void
args_add_external_id(struct args *a, const char *key, const char *value)
{
    char *q = ovsdb_quote(value ? value : "");

    if (!q) {
        a->nomem = true;
        return;
    }
    args_addf(a, "external_ids:%s=%s", key, q);
    free(q);
}

/* Appends to `a` the ovs-vsctl commands (each starting with "--") that
 * make the tunnels of `server`: per peer, a bridge in secure fail mode
 * without in-band control, its tunnel port and the links' ports, each with
 * its requested OpenFlow port number. */
static void
ovt_vsctl_commands(const struct ovt *ovt, const struct mi_plan *plan,
                   unsigned server, struct args *a)
{
    unsigned *peers =
        calloc(plan->n_servers ? plan->n_servers : 1, sizeof *peers);

    if (!peers) {
        a->nomem = true;
        return;
    }
    size_t n_peers = ovt_peers(plan, server, peers);
    for (size_t j = 0; j < n_peers; j++) {
        const struct mi_server *ps = mi_plan_server(plan, peers[j]);
        char br[OVT_NAME_LEN], tun[OVT_NAME_LEN];

        ovt_bridge_name(ovt, peers[j], br, sizeof br);
        ovt_port_name(ovt, peers[j], tun, sizeof tun);
        args_add(a, "--");
        args_add(a, "add-br");
        args_add(a, br);
        args_add(a, "--");
        args_add(a, "set");
        args_add(a, "bridge");
        args_add(a, br);
        args_addf(a, "datapath_type=%s", datapath_name(ovt->datapath));
        args_add(a, "fail_mode=secure");
        args_add(a, "other_config:disable-in-band=true");
        args_add_external_id(a, "miniinet", plan->name);
        args_add_external_id(a, "miniinet-peer", ps->name);

        args_add(a, "--");
        args_add(a, "add-port");
        args_add(a, br);
        args_add(a, tun);
        args_add(a, "--");
        args_add(a, "set");
        args_add(a, "interface");
        args_add(a, tun);
        args_addf(a, "type=%s", ovt->port_type);
        if (ovt->dst_port) {
            args_addf(a, "options:dst_port=%u", ovt->dst_port);
        }
        args_addf(a, "options:remote_ip=%s", ps->address);
        args_add(a, ovt->isolation == OVT_ISOLATION_TOS ? "options:tos=inherit"
                                                        : "options:key=flow");
        args_addf(a, "ofport_request=%u", OVT_TUNNEL_OFPORT);

        for (size_t i = 0; i < plan->n_links; i++) {
            const struct mi_link *l = mi_plan_link(plan, i);
            int e = ovt_local_end(l, server);
            if (e < 0 || l->server[!e] != peers[j]) {
                continue;
            }
            const char *port = port_here(l, server);
            args_add(a, "--");
            args_add(a, "add-port");
            args_add(a, br);
            args_add(a, port);
            args_add(a, "--");
            args_add(a, "set");
            args_add(a, "interface");
            args_add(a, port);
            args_addf(a, "ofport_request=%u", l->tunnel_id);
        }
    }
    free(peers);
}

/* ------------------------------------------------------------------------ */
/* Open vSwitch                                                             */
/* ------------------------------------------------------------------------ */

/* Strips trailing white space in place. */
static void
chomp(char *s)
{
    size_t n = s ? strlen(s) : 0;

    while (n && isspace((unsigned char)s[n - 1])) {
        s[--n] = '\0';
    }
}

/* True if the server's own Open vSwitch answers: its database at the
 * default socket and ovs-vswitchd.  Otherwise reports why, naming `what`
 * (the operation that needs it). */
static bool
ovs_answers(const struct ovt *ovt, const char *what)
{
    struct stat st;
    char why[256];

    if (stat(ovt->db_sock, &st) < 0 || !S_ISSOCK(st.st_mode)) {
        snprintf(why, sizeof why, "no database socket %s", ovt->db_sock);
    } else if (ovs_tool(ovt, NULL, "ovs-vsctl", 5, "get", "Open_vSwitch", ".",
                        "_uuid", (char *)NULL)) {
        snprintf(why, sizeof why, "its database at %s does not answer",
                 ovt->db_sock);
    } else if (ovs_tool(ovt, NULL, "ovs-appctl", 5, "-t", "ovs-vswitchd",
                        "version", (char *)NULL)) {
        snprintf(why, sizeof why, "ovs-vswitchd does not answer");
    } else {
        return true;
    }
    ovt->host->error(
        "%s: no Open vSwitch runs on this server (%s), and %s needs it; "
        "start it: `/usr/share/openvswitch/scripts/ovs-ctl start` (or "
        "`service openvswitch-switch start`)",
        ovt->plugin, why, what);
    return false;
}

/* In TOS mode a server pair carries at most 63 links; in key mode, as many
 * as there are OpenFlow port numbers.  Tunnel ids are numbered 1.. per
 * pair, so the largest id is the pair's link count. */
int
ovt_check_plan(void *state, const struct mi_plan *plan)
{
    struct ovt *ovt = state;
    int error = 0;

    for (size_t i = 0; i < plan->n_links; i++) {
        const struct mi_link *l = mi_plan_link(plan, i);
        if (!l->remote) {
            continue;
        }
        if (ovt->isolation == OVT_ISOLATION_TOS &&
            l->tunnel_id == OVT_TOS_MAX_LINKS + 1) {
            ovt->host->error(
                "%s: servers %s and %s share more than %d remote links, "
                "the most TOS isolation can keep apart; set "
                "plugins = { %s = { isolation = \"key\"; }; } or move ASes "
                "between servers",
                ovt->plugin, mi_plan_server(plan, l->server[0])->name,
                mi_plan_server(plan, l->server[1])->name, OVT_TOS_MAX_LINKS,
                ovt->plugin);
            error = -EINVAL;
        } else if (ovt->isolation == OVT_ISOLATION_KEY &&
                   l->tunnel_id == OVT_KEY_MAX_LINKS + 1) {
            ovt->host->error(
                "%s: servers %s and %s share more than %d remote links, "
                "the most one bridge has port numbers for; move ASes "
                "between servers",
                ovt->plugin, mi_plan_server(plan, l->server[0])->name,
                mi_plan_server(plan, l->server[1])->name, OVT_KEY_MAX_LINKS);
            error = -EINVAL;
        }
    }
    return error;
}

bool
ovt_needs_tx_csum_off(void *state)
{
    const struct ovt *ovt = state;

    return ovt->datapath == OVT_DP_NETDEV;
}

/* ------------------------------------------------------------------------ */
/* check_server                                                             */
/* ------------------------------------------------------------------------ */

/* True if the kernel has module `name` loaded or built in, or installed. */
static bool
kernel_has_module(const char *name)
{
    char path[512];

    snprintf(path, sizeof path, "/sys/module/%s", name);
    if (!access(path, F_OK)) {
        return true;
    }

    FILE *f = fopen("/proc/sys/kernel/osrelease", "re");
    char release[128] = "";
    if (f) {
        if (!fgets(release, sizeof release, f)) {
            release[0] = '\0';
        }
        fclose(f);
    }
    chomp(release);
    if (!release[0]) {
        return false;
    }
    static const char *const lists[] = {"modules.dep", "modules.builtin"};
    for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
        snprintf(path, sizeof path, "/lib/modules/%s/%s", release, lists[i]);
        f = fopen(path, "re");
        if (!f) {
            continue;
        }
        char line[1024];
        bool found = false;
        while (!found && fgets(line, sizeof line, f)) {
            char *ko = strstr(line, name);
            found = ko && ko > line && ko[-1] == '/' &&
                    !strncmp(ko + strlen(name), ".ko", 3);
        }
        fclose(f);
        if (found) {
            return true;
        }
    }
    return false;
}

/* The device that `ovs-appctl ovs/route/lookup` names for `addr`, into
 * buf; 0, or -ENOENT when Open vSwitch has no route, or -errno. */
static int
ovs_route_dev(const struct ovt *ovt, const char *addr, char *buf, size_t len)
{
    char *out;
    int status = ovs_tool(ovt, &out, "ovs-appctl", 5, "ovs/route/lookup", addr,
                          (char *)NULL);

    if (status) {
        free(out);
        return status < 0 ? status : -ENOENT;
    }
    int error = -ENOENT;
    for (const char *p = out; p && *p;) {
        const char *nl = strchrnul(p, '\n');
        if (!strncmp(p, "dev ", 4)) {
            snprintf(buf, len, "%.*s", (int)(nl - p - 4), p + 4);
            chomp(buf);
            error = buf[0] ? 0 : -ENOENT;
            break;
        }
        p = *nl ? nl + 1 : nl;
    }
    free(out);
    return error;
}

static int
check_netdev_underlay(const struct ovt *ovt, const struct mi_plan *plan,
                      unsigned server, const unsigned *peers, size_t n_peers)
{
    int error = 0;

    for (size_t j = 0; j < n_peers; j++) {
        const struct mi_server *ps = mi_plan_server(plan, peers[j]);
        char dev[64];
        int r = ovs_route_dev(ovt, ps->address, dev, sizeof dev);
        if (r == 0 && ovs_tool(ovt, NULL, "ovs-vsctl", QUERY_TIMEOUT,
                               "br-exists", dev, (char *)NULL) == 0) {
            continue;
        }
        char where[128];
        if (r == 0) {
            snprintf(where, sizeof where,
                     "Open vSwitch routes it through %s, which is not one of "
                     "its bridges",
                     dev);
        } else {
            snprintf(where, sizeof where, "Open vSwitch has no route to it");
        }
        ovt->host->error(
            "%s: server %s: the userspace (netdev) datapath cannot reach "
            "peer server %s at %s: %s.  With that datapath the underlay "
            "address of this server must sit on an Open vSwitch bridge of "
            "datapath netdev that holds the underlay interface as a port "
            "(the br-phy recipe: see doc/multi-server.md)",
            ovt->plugin, mi_plan_server(plan, server)->name, ps->name,
            ps->address, where);
        error = -ENOTSUP;
    }
    return error;
}

int
ovt_check_server(void *state, const struct mi_plan *plan, unsigned server)
{
    struct ovt *ovt = state;

    int error = ovt_check_layout(ovt, plan, server);
    if (error) {
        return error;
    }
    unsigned *peers = calloc(plan->n_servers, sizeof *peers);
    if (!peers) {
        return -ENOMEM;
    }
    size_t n_peers = ovt_peers(plan, server, peers);
    if (!n_peers) {
        free(peers);
        return 0; /* nothing leaves this server */
    }

    static const char *const programs[] = {"ovs-vsctl", "ovs-ofctl",
                                           "ovs-appctl"};
    for (size_t i = 0; i < sizeof programs / sizeof *programs; i++) {
        char *path = cmd_find_program(programs[i]);
        if (!path || access(path, X_OK)) {
            ovt->host->error("%s: %s is not installed (install "
                             "openvswitch-switch)",
                             ovt->plugin, programs[i]);
            error = -ENOTSUP;
        }
        free(path);
    }
    if (error || !ovs_answers(ovt, "carrying links between servers")) {
        free(peers);
        return -ENOTSUP;
    }

    const char *dp = datapath_name(ovt->datapath);
    char *types = NULL;
    int status = ovs_tool(ovt, &types, "ovs-vsctl", QUERY_TIMEOUT, "get",
                          "Open_vSwitch", ".", "datapath_types", (char *)NULL);
    chomp(types);
    bool offered = false;
    /* "[netdev, system]" */
    for (const char *p = types; !status && p && *p; p++) {
        size_t n = strlen(dp);
        if (!strncmp(p, dp, n) &&
            (p == types || !isalnum((unsigned char)p[-1])) &&
            !isalnum((unsigned char)p[n])) {
            offered = true;
            break;
        }
    }
    if (status) {
        char buf[32];
        ovt->host->error("%s: ovs-vsctl get Open_vSwitch . datapath_types "
                         "failed (%s)",
                         ovt->plugin,
                         cmd_status_text(status, buf, sizeof buf));
        error = status_error(status);
    } else if (!offered) {
        ovt->host->error("%s: this server's Open vSwitch does not offer "
                         "datapath \"%s\" (it offers %s); set "
                         "plugins.%s.datapath",
                         ovt->plugin, dp, types && *types ? types : "none",
                         ovt->plugin);
        error = -ENOTSUP;
    }
    free(types);

    if (!error && ovt->datapath == OVT_DP_SYSTEM) {
        if (access("/sys/module/openvswitch", F_OK)) {
            ovt->host->error("%s: datapath \"system\" needs the kernel's "
                             "openvswitch module, which is not loaded; load "
                             "it (modprobe openvswitch) or set "
                             "plugins.%s.datapath = \"netdev\"",
                             ovt->plugin, ovt->plugin);
            error = -ENOTSUP;
        } else if (!kernel_has_module(ovt->kmod)) {
            ovt->host->error("%s: datapath \"system\" needs %s ports in the "
                             "kernel (module %s), which this kernel "
                             "lacks; set plugins.%s.datapath = \"netdev\"",
                             ovt->plugin, ovt->port_type, ovt->kmod,
                             ovt->plugin);
            error = -ENOTSUP;
        }
    }
    if (!error && ovt->datapath == OVT_DP_NETDEV) {
        error = check_netdev_underlay(ovt, plan, server, peers, n_peers);
    }
    free(peers);
    return error;
}

/* ------------------------------------------------------------------------ */
/* build                                                                    */
/* ------------------------------------------------------------------------ */

/* Reads DIR/bridges: a malloc()ed text (NULL and 0 when there is none),
 * or -errno. */
static int
read_record(const struct ovt *ovt, const char *dir, char **text)
{
    char *path = cmd_path_join(dir, OVT_RECORD);
    *text = NULL;
    if (!path) {
        return -ENOMEM;
    }
    FILE *f = fopen(path, "re");
    if (!f) {
        int error = errno == ENOENT ? 0 : -errno;
        if (error) {
            ovt->host->error("%s: cannot read %s: %s", ovt->plugin, path,
                             strerror(errno));
        }
        free(path);
        return error;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[4096];
    size_t n;
    while (m && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        fwrite(chunk, 1, n, m);
    }
    int error = ferror(f) ? -EIO : 0;
    fclose(f);
    if (!m || fclose(m)) {
        free(buf);
        free(path);
        return -ENOMEM;
    }
    if (error) {
        ovt->host->error("%s: cannot read %s", ovt->plugin, path);
        free(buf);
        buf = NULL;
    }
    free(path);
    *text = buf;
    return error;
}

/* Writes `text` to DIR/NAME through a temporary file, fsync()ed, then
 * the directory. */
static int
write_file_synced(const struct ovt *ovt, const char *dir, const char *name,
                  const char *tmpname, const char *text)
{
    char *path = cmd_path_join(dir, name);
    char *tmp = cmd_path_join(dir, tmpname);
    int error = 0;

    if (!path || !tmp) {
        free(path);
        free(tmp);
        return -ENOMEM;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        error = -errno;
    }
    for (size_t off = 0, len = strlen(text); !error && off < len;) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno != EINTR) {
            error = -errno;
        } else if (w > 0) {
            off += (size_t)w;
        }
    }
    if (!error && fsync(fd) < 0) {
        error = -errno;
    }
    if (fd >= 0 && close(fd) < 0 && !error) {
        error = -errno;
    }
    if (!error && rename(tmp, path) < 0) {
        error = -errno;
    }
    if (!error) {
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || fsync(dfd) < 0) {
            error = -errno;
        }
        if (dfd >= 0) {
            close(dfd);
        }
    }
    if (error) {
        ovt->host->error("%s: cannot write %s: %s", ovt->plugin, path,
                         strerror(-error));
        unlink(tmp);
    }
    free(path);
    free(tmp);
    return error;
}

/* Writes the record: the bridges of an earlier record that were not
 * removed (an earlier build's, if any) and those about to be made. */
static int
write_record(const struct ovt *ovt, const char *dir, const unsigned *peers,
             size_t n_peers)
{
    char *old;
    int error = read_record(ovt, dir, &old);
    if (error) {
        return error;
    }

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        free(old);
        return -ENOMEM;
    }
    for (const char *p = old; p && *p;) {
        const char *nl = strchrnul(p, '\n');
        if (nl > p) {
            fprintf(f, "%.*s\n", (int)(nl - p), p);
        }
        p = *nl ? nl + 1 : nl;
    }
    for (size_t j = 0; j < n_peers; j++) {
        char br[OVT_NAME_LEN];
        ovt_bridge_name(ovt, peers[j], br, sizeof br);
        if (!cmd_in_lines(old, br)) {
            fprintf(f, "%s\n", br);
        }
    }
    free(old);
    if (fclose(f)) {
        free(text);
        return -ENOMEM;
    }
    error = write_file_synced(ovt, dir, OVT_RECORD, OVT_RECORD_TMP, text);
    free(text);
    return error;
}

/* -EEXIST, after naming each, if a bridge or port that build() would make
 * is on Open vSwitch already. */
static int
check_nothing_exists(const struct ovt *ovt, const struct mi_plan *plan,
                     unsigned server, const unsigned *peers, size_t n_peers)
{
    char *ports = NULL;
    int status = ovs_tool(ovt, &ports, "ovs-vsctl", QUERY_TIMEOUT,
                          "--format=csv", "--data=bare", "--no-headings",
                          "--columns=name", "list", "Port", (char *)NULL);
    if (status) {
        char buf[32];
        free(ports);
        ovt->host->error("%s: ovs-vsctl list Port failed (%s)", ovt->plugin,
                         cmd_status_text(status, buf, sizeof buf));
        return status_error(status);
    }

    int error = 0;
    for (size_t j = 0; j < n_peers; j++) {
        char br[OVT_NAME_LEN], tun[OVT_NAME_LEN];
        ovt_bridge_name(ovt, peers[j], br, sizeof br);
        ovt_port_name(ovt, peers[j], tun, sizeof tun);
        if (cmd_in_lines(ports, br)) {
            ovt->host->error("%s: bridge %s (to server %s) exists already",
                             ovt->plugin, br,
                             mi_plan_server(plan, peers[j])->name);
            error = -EEXIST;
        }
        if (cmd_in_lines(ports, tun)) {
            ovt->host->error("%s: port %s (to server %s) exists already",
                             ovt->plugin, tun,
                             mi_plan_server(plan, peers[j])->name);
            error = -EEXIST;
        }
    }
    for (size_t i = 0; i < plan->n_links; i++) {
        const struct mi_link *l = mi_plan_link(plan, i);
        if (ovt_local_end(l, server) >= 0 &&
            cmd_in_lines(ports, port_here(l, server))) {
            ovt->host->error("%s: %s is a port of an Open vSwitch bridge "
                             "already",
                             ovt->plugin, port_here(l, server));
            error = -EEXIST;
        }
    }
    free(ports);
    return error;
}

/* ovs-vsctl exits 0 even when ovs-vswitchd could not make a port (a tunnel
 * port the datapath cannot have, a missing device): read the interfaces
 * back and check that each got the OpenFlow port number asked for. */
static int
check_built(const struct ovt *ovt, const struct mi_plan *plan, unsigned server,
            const unsigned *peers, size_t n_peers)
{
    char *list = NULL;
    int status =
        ovs_tool(ovt, &list, "ovs-vsctl", QUERY_TIMEOUT, "--format=csv",
                 "--data=bare", "--no-headings", "--columns=name,ofport",
                 "list", "Interface", (char *)NULL);
    if (status) {
        char buf[32];
        free(list);
        ovt->host->error("%s: reading back the ports failed (%s)", ovt->plugin,
                         cmd_status_text(status, buf, sizeof buf));
        return status_error(status);
    }

    int error = 0;
    for (size_t j = 0; j < n_peers; j++) {
        char br[OVT_NAME_LEN], tun[OVT_NAME_LEN];
        ovt_bridge_name(ovt, peers[j], br, sizeof br);
        ovt_port_name(ovt, peers[j], tun, sizeof tun);
        for (size_t i = 0; i <= plan->n_links; i++) {
            const char *port = tun;
            unsigned want = OVT_TUNNEL_OFPORT;
            if (i < plan->n_links) {
                const struct mi_link *l = mi_plan_link(plan, i);
                int e = ovt_local_end(l, server);
                if (e < 0 || l->server[!e] != peers[j]) {
                    continue;
                }
                port = port_here(l, server);
                want = l->tunnel_id;
            }
            char value[64] = "";
            if (cmd_csv_value(list, port, value, sizeof value) &&
                strtoul(value, NULL, 10) == want) {
                continue;
            }
            char *why = NULL;
            ovs_tool(ovt, &why, "ovs-vsctl", QUERY_TIMEOUT, "--if-exists",
                     "get", "Interface", port, "error", (char *)NULL);
            chomp(why);
            ovt->host->error(
                "%s: bridge %s: port %s did not get OpenFlow port %u (it "
                "has %s)%s%s%s %s",
                ovt->plugin, br, port, want, value[0] ? value : "none",
                why && *why && strcmp(why, "[]") != 0 ? ": " : "",
                why && *why && strcmp(why, "[]") != 0 ? why : "",
                port == tun && ovt->datapath == OVT_DP_SYSTEM
                    ? "; the kernel datapath needs the kernel module"
                    : "",
                port == tun && ovt->datapath == OVT_DP_SYSTEM ? ovt->kmod
                                                              : "");
            free(why);
            error = -EIO;
        }
    }
    free(list);
    return error;
}

/* `ovs-ofctl VERB BRIDGE DIR/NAME` (add-flows, replace-flows); `hint`
 * ends the error message.  0 or -errno, reported. */
static int
ofctl_flows(const struct ovt *ovt, const char *verb, const char *br,
            const char *dir, const char *name, const char *hint)
{
    char *path = cmd_path_join(dir, name);
    if (!path) {
        return -ENOMEM;
    }
    struct args a = {0};
    args_push(&a, cmd_find_program("ovs-ofctl"));
    /* Thousands of flows on a busy userspace datapath take seconds. */
    args_addf(&a, "--timeout=%d", BUILD_TIMEOUT);
    args_add(&a, verb);
    args_add(&a, br);
    args_add(&a, path);
    int status = run_args(ovt, &a, NULL);
    args_free(&a);
    int error = 0;
    if (status) {
        char buf[32];
        ovt->host->error("%s: bridge %s: ovs-ofctl %s %s failed (%s)%s",
                         ovt->plugin, br, verb, path,
                         cmd_status_text(status, buf, sizeof buf), hint);
        error = status_error(status);
    }
    free(path);
    return error;
}

/* Writes DIR/BRIDGE.flows and loads it with ovs-ofctl add-flows. */
static int
load_flows(const struct ovt *ovt, const struct mi_plan *plan, unsigned server,
           unsigned peer, const char *dir)
{
    char br[OVT_NAME_LEN], name[OVT_NAME_LEN + 16], tmp[OVT_NAME_LEN + 24];

    ovt_bridge_name(ovt, peer, br, sizeof br);
    snprintf(name, sizeof name, "%s%s", br, OVT_FLOWS_SUFFIX);
    snprintf(tmp, sizeof tmp, "%s%s.tmp", br, OVT_FLOWS_SUFFIX);
    char *flows = ovt_flows(ovt, plan, server, peer);
    if (!flows) {
        return -ENOMEM;
    }
    int error = write_file_synced(ovt, dir, name, tmp, flows);
    free(flows);
    return error ? error : ofctl_flows(ovt, "add-flows", br, dir, name, "");
}

int
ovt_build(void *state, const struct mi_plan *plan, unsigned server,
          const char *const *netns, const char *dir)
{
    (void)netns; /* attaches the ports the host made */
    struct ovt *ovt = state;

    if (!dir) {
        ovt->host->error("%s: build needs a directory", ovt->plugin);
        return -EINVAL;
    }
    int error = ovt_check_layout(ovt, plan, server);
    if (error) {
        return error;
    }
    unsigned *peers = calloc(plan->n_servers, sizeof *peers);
    if (!peers) {
        return -ENOMEM;
    }
    size_t n_peers = ovt_peers(plan, server, peers);
    if (!n_peers) {
        free(peers);
        return 0;
    }
    if (!ovs_answers(ovt, "building tunnels")) {
        free(peers);
        return -ENOTSUP;
    }
    error = check_nothing_exists(ovt, plan, server, peers, n_peers);
    if (!error) {
        error = write_record(ovt, dir, peers, n_peers);
    }
    if (!error) {
        struct args a = {0};
        args_push(&a, cmd_find_program("ovs-vsctl"));
        args_addf(&a, "--timeout=%d", BUILD_TIMEOUT);
        ovt_vsctl_commands(ovt, plan, server, &a);
        int status = run_args(ovt, &a, NULL);
        args_free(&a);
        if (status) {
            char buf[32];
            ovt->host->error("%s: ovs-vsctl (the tunnels' transaction) "
                             "failed (%s)",
                             ovt->plugin,
                             cmd_status_text(status, buf, sizeof buf));
            error = status_error(status);
        }
    }
    if (!error) {
        error = check_built(ovt, plan, server, peers, n_peers);
    }
    for (size_t j = 0; !error && j < n_peers; j++) {
        error = load_flows(ovt, plan, server, peers[j], dir);
    }
    if (!error) {
        ovt->host->log(MI_LOG_INFO,
                       "%s: %zu tunnel bridge%s to %zu server%s (%s "
                       "datapath, isolation by %s)",
                       ovt->plugin, n_peers, n_peers == 1 ? "" : "s", n_peers,
                       n_peers == 1 ? "" : "s", datapath_name(ovt->datapath),
                       ovt->isolation == OVT_ISOLATION_TOS ? "TOS" : "key");
    }
    free(peers);
    return error;
}

/* ------------------------------------------------------------------------ */
/* destroy                                                                  */
/* ------------------------------------------------------------------------ */

static bool
is_own_file(const char *name)
{
    size_t len = strlen(name), n = strlen(OVT_FLOWS_SUFFIX);

    return !strcmp(name, OVT_RECORD) || !strcmp(name, OVT_RECORD_TMP) ||
           (len > n && !strcmp(name + len - n, OVT_FLOWS_SUFFIX)) ||
           (len > n + 4 && !strcmp(name + len - 4, ".tmp") &&
            !strncmp(name + len - n - 4, OVT_FLOWS_SUFFIX, n));
}

/* Removes the files build() makes in `dir`, the record last. */
static int
remove_own_files(const struct ovt *ovt, const char *dir)
{
    DIR *d = opendir(dir);
    int error = 0;

    if (!d) {
        return errno == ENOENT ? 0 : -errno;
    }
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        if (is_own_file(de->d_name) && strcmp(de->d_name, OVT_RECORD) != 0 &&
            unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
            error = -errno;
            ovt->host->error("%s: cannot remove %s/%s: %s", ovt->plugin, dir,
                             de->d_name, strerror(errno));
        }
    }
    if (!error && unlinkat(dirfd(d), OVT_RECORD, 0) < 0 && errno != ENOENT) {
        error = -errno;
        ovt->host->error("%s: cannot remove %s/%s: %s", ovt->plugin, dir,
                         OVT_RECORD, strerror(errno));
    }
    closedir(d);
    return error;
}

int
ovt_destroy(void *state, const char *dir)
{
    struct ovt *ovt = state;

    if (!dir) {
        return 0;
    }
    char *record;
    int error = read_record(ovt, dir, &record);
    if (error) {
        return error;
    }

    struct args a = {0};
    args_push(&a, cmd_find_program("ovs-vsctl"));
    args_addf(&a, "--timeout=%d", BUILD_TIMEOUT);
    size_t base = a.n;
    for (const char *p = record; p && *p;) {
        const char *nl = strchrnul(p, '\n');
        if (nl > p) {
            args_add(&a, "--");
            args_add(&a, "--if-exists");
            args_add(&a, "del-br");
            args_push(&a, strndup(p, (size_t)(nl - p)));
        }
        p = *nl ? nl + 1 : nl;
    }
    free(record);
    if (a.n > base) {
        if (!ovs_answers(ovt, "removing the tunnel bridges recorded in "
                              "the tunnel directory")) {
            args_free(&a);
            return -ENOTSUP;
        }
        int status = run_args(ovt, &a, NULL);
        if (status) {
            char buf[32];
            ovt->host->error("%s: ovs-vsctl del-br (the tunnel bridges "
                             "recorded in %s/%s) failed (%s)",
                             ovt->plugin, dir, OVT_RECORD,
                             cmd_status_text(status, buf, sizeof buf));
            error = status_error(status);
        }
    }
    args_free(&a);
    return error ? error : remove_own_files(ovt, dir);
}

/* ------------------------------------------------------------------------ */
/* clear_leftovers                                                          */
/* ------------------------------------------------------------------------ */

/* Since 4.9: the per-peer bridges build() would make on `server`, when a
 * reboot left them in the server's Open vSwitch database (with their
 * ports: the links' and the tunnel's), labelled with the network and
 * unused. */
int
ovt_clear_leftovers(void *state, const struct mi_plan *plan, unsigned server,
                    size_t *n_removed)
{
    struct ovt *ovt = state;
    unsigned *peers = calloc(plan->n_servers + 1, sizeof *peers);
    char(*names)[OVT_NAME_LEN] = calloc(plan->n_servers + 1, sizeof *names);
    const char **list = calloc(plan->n_servers + 1, sizeof *list);
    char *db = NULL;
    int error = 0;

    if (!peers || !names || !list ||
        asprintf(&db, "--db=unix:%s", ovt->db_sock) < 0) {
        db = NULL;
        error = -ENOMEM;
    }
    size_t n_peers = error || !plan->name ? 0 : ovt_peers(plan, server, peers);
    for (size_t j = 0; j < n_peers; j++) {
        ovt_bridge_name(ovt, peers[j], names[j], sizeof names[j]);
        list[j] = names[j];
    }
    if (n_peers && !ovs_answers(ovt, "removing what an earlier run left")) {
        error = -ENOTSUP;
    } else if (n_peers) {
        struct ovsl o = {ovt->host, ovt->plugin, db};
        error = ovsl_clear(&o, plan->name, list, n_peers, n_removed);
    }
    free(db);
    free(list);
    free(names);
    free(peers);
    return error;
}

/* ------------------------------------------------------------------------ */
/* reassert                                                                 */
/* ------------------------------------------------------------------------ */

/* Open vSwitch brings the bridges and ports back from its database when it
 * restarts, but not the flows: a bridge in secure fail mode then drops
 * everything.  Each recorded bridge gets its DIR/BRIDGE.flows again, with
 * replace-flows: only missing or different flows change. */
int
ovt_reassert(void *state, const char *dir)
{
    struct ovt *ovt = state;
    char *record = NULL;
    int error = dir ? read_record(ovt, dir, &record) : 0;

    if (error || !record || !*record) {
        free(record);
        return error;
    }
    if (!ovs_answers(ovt, "putting back the tunnel bridges' flows")) {
        free(record);
        return -ENOTSUP;
    }
    for (const char *p = record; *p && !error;) {
        const char *line = p, *nl = strchrnul(p, '\n');
        size_t len = (size_t)(nl - line);
        char br[OVT_NAME_LEN], name[OVT_NAME_LEN + 16];
        p = *nl ? nl + 1 : nl;
        if (!len || len >= OVT_NAME_LEN) {
            continue;
        }
        snprintf(br, sizeof br, "%.*s", (int)len, line);
        snprintf(name, sizeof name, "%s%s", br, OVT_FLOWS_SUFFIX);
        error = ofctl_flows(ovt, "replace-flows", br, dir, name,
                            "; if Open vSwitch lost the bridge, run `down`, "
                            "then `up`");
    }
    free(record);
    return error;
}

/* ------------------------------------------------------------------------ */
/* reattach_port                                                            */
/* ------------------------------------------------------------------------ */

/* True if bridge `br` is a line of the record `text`. */
static bool
record_has(const char *text, const char *br)
{
    size_t n = strlen(br);

    for (const char *p = text; p && *p;) {
        const char *nl = strchrnul(p, '\n');
        if ((size_t)(nl - p) == n && !strncmp(p, br, n)) {
            return true;
        }
        p = *nl ? nl + 1 : nl;
    }
    return false;
}

/* Port `port` of one of the recorded tunnel bridges, whose interface the
 * host deleted and made again: a running ovs-vswitchd (the userspace
 * datapath above all) keeps the old one open and no frame passes.  Its
 * OpenFlow port number (ofport_request) read, the port deleted (ovs-vsctl
 * waits until ovs-vswitchd has let it go; a delete and an add in one
 * transaction would keep the old interface), added again with the same
 * number in a second transaction, checked, and the bridge's flows (keyed
 * on that number) put back from DIR/BRIDGE.flows with replace-flows.
 * argv only. */
int
ovt_reattach_port(void *state, const char *dir, const char *port)
{
    struct ovt *ovt = state;
    char *record = NULL, *owner = NULL, *req = NULL;
    char buf[32];
    int error = dir ? read_record(ovt, dir, &record) : -EINVAL;

    if (error || !record || !*record) {
        if (!error) {
            ovt->host->error("%s: no tunnel bridge is recorded in %s: "
                             "cannot attach %s again",
                             ovt->plugin, dir ? dir : "(none)", port);
        }
        free(record);
        return error ? error : -ENOENT;
    }
    if (!ovs_answers(ovt, "attaching a link's port again")) {
        free(record);
        return -ENOTSUP;
    }
    int status = ovs_tool(ovt, &owner, "ovs-vsctl", QUERY_TIMEOUT,
                          "port-to-br", port, (char *)NULL);
    chomp(owner);
    if (status || !owner || !record_has(record, owner)) {
        ovt->host->error("%s: port %s is not on a tunnel bridge of this "
                         "network (%s)",
                         ovt->plugin, port,
                         status ? "ovs-vsctl port-to-br failed"
                                : "its bridge is not recorded");
        free(record);
        free(owner);
        return -ENOENT;
    }
    free(record);
    status = ovs_tool(ovt, &req, "ovs-vsctl", QUERY_TIMEOUT, "get",
                      "Interface", port, "ofport_request", (char *)NULL);
    chomp(req);
    char *end = NULL;
    unsigned long ofport = req ? strtoul(req, &end, 10) : 0;
    if (status || !req || end == req || *end || !ofport ||
        ofport > OVT_TUNNEL_OFPORT) {
        ovt->host->error("%s: port %s: cannot read its OpenFlow port "
                         "number (%s)",
                         ovt->plugin, port,
                         status ? cmd_status_text(status, buf, sizeof buf)
                         : req  ? req
                                : "none");
        free(owner);
        free(req);
        return status ? status_error(status) : -EIO;
    }
    free(req);
    status = ovs_tool(ovt, NULL, "ovs-vsctl", BUILD_TIMEOUT, "del-port", owner,
                      port, (char *)NULL);
    if (status) {
        ovt->host->error("%s: ovs-vsctl del-port %s %s failed (%s)",
                         ovt->plugin, owner, port,
                         cmd_status_text(status, buf, sizeof buf));
        free(owner);
        return status_error(status);
    }
    char num[32];
    snprintf(num, sizeof num, "ofport_request=%lu", ofport);
    status = ovs_tool(ovt, NULL, "ovs-vsctl", BUILD_TIMEOUT, "--", "add-port",
                      owner, port, "--", "set", "Interface", port, num,
                      (char *)NULL);
    if (status) {
        ovt->host->error("%s: port %s was deleted from bridge %s and could "
                         "not be added again (%s): `up` again, or `down` "
                         "then `up`",
                         ovt->plugin, port, owner,
                         cmd_status_text(status, buf, sizeof buf));
        free(owner);
        return status_error(status);
    }
    char *got = NULL;
    status = ovs_tool(ovt, &got, "ovs-vsctl", QUERY_TIMEOUT, "get",
                      "Interface", port, "ofport", (char *)NULL);
    chomp(got);
    if (status || !got || strtoul(got, NULL, 10) != ofport) {
        ovt->host->error("%s: bridge %s: port %s did not get OpenFlow port "
                         "%lu again (it has %s)",
                         ovt->plugin, owner, port, ofport,
                         got && *got ? got : "none");
        free(owner);
        free(got);
        return -EIO;
    }
    free(got);
    char name[OVT_NAME_LEN + 16];
    snprintf(name, sizeof name, "%s%s", owner, OVT_FLOWS_SUFFIX);
    error = ofctl_flows(ovt, "replace-flows", owner, dir, name,
                        "; `down`, then `up`");
    free(owner);
    return error;
}
