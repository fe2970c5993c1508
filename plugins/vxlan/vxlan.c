/* vxlan: links between servers over VXLAN, one VNI per link.
 *
 * Settings (plugins.vxlan):
 *   mode      "kernel" (default): one Linux VXLAN device per remote link,
 *             created on the server and born straight in the router's
 *             namespace under the link's interface name (an IXP's end: in
 *             the root namespace, as the bridge's port).  No switch in the
 *             data path.  The link's VNI is its rank among the plan's
 *             remote links (1, 2, ...), unique on every server, since all
 *             of a server's devices share one UDP socket.
 *             "ovs": one Open vSwitch VXLAN port per server pair, VNI =
 *             the link's tunnel id, set and matched per link in OpenFlow
 *             (plugins/common/ovstunnel.c, as gre's key isolation).
 *   port      UDP destination port, 4789 (IANA's) by default.  Linux's
 *             own default, when a VXLAN device is made without one, is
 *             8472: both ends must agree, so the plugin always sets it.
 *   datapath  "ovs" mode only: "auto", "system" or "netdev", as gre's.
 *
 * Kernel mode keeps no record of its own: its devices live in the nodes'
 * namespaces and go with them; the root-namespace ports of IXP ends are
 * among the interfaces the host records and removes.  The kernel destroys
 * the namespaces of a network taken down in the background, so its VNIs may
 * still be held when `up` comes right after: send_batch waits for them.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/vxlan.h>

#include <miniinet/plugin.h>

#include "../common/ovstunnel.h"

/* Outer IPv4 (20) + UDP (8) + VXLAN (8) headers + the inner Ethernet
 * header (14): 1500 - 50 = 1450. */
#define VXLAN_OVERHEAD 50
#define VXLAN_PORT 4789
#define VXLAN_VNI_MAX 0xffffffu

/* Requests sent before their acknowledgements are read. */
#define VXLAN_BATCH 64

/* How long a device whose VNI is still held is tried again (doubling
 * sleeps from the first), in milliseconds: see send_batch. */
#define VXLAN_VNI_WAIT_FIRST_MS 50u
#define VXLAN_VNI_WAIT_MAX_MS 10000u

enum vxlan_mode { VXLAN_KERNEL, VXLAN_OVS };

struct vxlan {
    struct ovt ovt; /* first: the ovs mode's state; host and settings */
    enum vxlan_mode mode;
    unsigned port;
};

static const char *
mode_name(enum vxlan_mode mode)
{
    return mode == VXLAN_OVS ? "ovs" : "kernel";
}

/* ------------------------------------------------------------------------ */
/* The pure part                                                            */
/* ------------------------------------------------------------------------ */

/* The end of link `l` on `server` if the link leaves it, else -1. */
static int
local_end(const struct mi_link *l, unsigned server)
{
    if (!l->remote || l->server[0] == l->server[1]) {
        return -1;
    }
    return l->server[0] == server ? 0 : l->server[1] == server ? 1 : -1;
}

/* Kernel mode: link `link`'s VNI, its rank among the remote links. */
static unsigned
kernel_vni(const struct mi_plan *plan, size_t link)
{
    unsigned vni = 0;

    for (size_t i = 0; i <= link && i < plan->n_links; i++) {
        vni += mi_plan_link(plan, i)->remote;
    }
    return vni;
}

/* The device that carries remote link `l` on `server`: its name and the
 * node whose namespace holds it (-1: the root namespace). */
static const char *
device_of(const struct mi_link *l, unsigned server, int *node)
{
    int e = local_end(l, server);

    *node = l->end[e].node;
    return l->end[e].node >= 0 ? l->end[e].ifname : l->peer[e];
}

/* The sleep before the next try of a device whose VNI is held, after
 * `waited` ms of such sleeps: doubling from VXLAN_VNI_WAIT_FIRST_MS, the
 * last one cut so that the sum is VXLAN_VNI_WAIT_MAX_MS; 0: give up. */
static unsigned
vni_wait_next(unsigned waited)
{
    if (waited >= VXLAN_VNI_WAIT_MAX_MS) {
        return 0;
    }
    unsigned next = waited ? waited : VXLAN_VNI_WAIT_FIRST_MS;
    return next < VXLAN_VNI_WAIT_MAX_MS - waited
               ? next
               : VXLAN_VNI_WAIT_MAX_MS - waited;
}

/* ------------------------------------------------------------------------ */
/* configure, release, check_plan, overhead, describe_id                    */
/* ------------------------------------------------------------------------ */

static int
vxlan_configure(const struct mi_host *host, const struct mi_settings *settings,
                void **statep)
{
    static const char *const known[] = {"mode", "port", "datapath", NULL};
    const char *mode = "kernel";
    const char *datapath = "auto";
    long long port = VXLAN_PORT;
    int error;

    error = host->setting_check_keys(settings, known);
    if (error) {
        return error;
    }
    error = host->setting_string(settings, "mode", &mode);
    if (error && error != -ENOENT) {
        return error;
    }
    error = host->setting_int(settings, "port", 1, 65535, &port);
    if (error && error != -ENOENT) {
        return error;
    }
    error = host->setting_string(settings, "datapath", &datapath);
    if (error && error != -ENOENT) {
        return error;
    }

    struct vxlan *vx = calloc(1, sizeof *vx);
    if (!vx) {
        return -ENOMEM;
    }
    ovt_init(&vx->ovt, host, "vxlan", "mi-vx", "vxlan", "vxlan");
    vx->ovt.isolation = OVT_ISOLATION_KEY;
    vx->ovt.dst_port = (unsigned)port;
    vx->port = (unsigned)port;
    error = 0;
    if (!strcmp(mode, "kernel")) {
        vx->mode = VXLAN_KERNEL;
    } else if (!strcmp(mode, "ovs")) {
        vx->mode = VXLAN_OVS;
    } else {
        host->setting_error(settings, "mode",
                            "must be \"kernel\" or \"ovs\", not \"%s\"", mode);
        error = -EINVAL;
    }
    if (ovt_set_datapath(&vx->ovt, settings, datapath)) {
        error = -EINVAL;
    } else if (vx->mode == VXLAN_KERNEL && strcmp(datapath, "auto") != 0) {
        host->setting_error(settings, "datapath",
                            "applies to mode \"ovs\" only (mode \"kernel\" "
                            "uses no switch)");
        error = -EINVAL;
    }
    if (error) {
        free(vx);
        return error;
    }
    *statep = vx;
    return 0;
}

static void
vxlan_release(void *state)
{
    free(state);
}

static int
vxlan_check_plan(void *state, const struct mi_plan *plan)
{
    struct vxlan *vx = state;

    if (vx->mode == VXLAN_OVS) {
        return ovt_check_plan(&vx->ovt, plan);
    }
    if (plan->n_links && kernel_vni(plan, plan->n_links - 1) > VXLAN_VNI_MAX) {
        vx->ovt.host->error("vxlan: %u remote links, more than the %u VNIs "
                            "there are",
                            kernel_vni(plan, plan->n_links - 1),
                            VXLAN_VNI_MAX);
        return -EINVAL;
    }
    return 0;
}

static unsigned
vxlan_overhead(void *state)
{
    (void)state;
    return VXLAN_OVERHEAD;
}

static void
vxlan_describe_id(void *state, const struct mi_plan *plan, size_t link,
                  char *buf, size_t len)
{
    const struct vxlan *vx = state;

    snprintf(buf, len, "vxlan vni %u",
             vx->mode == VXLAN_OVS ? mi_plan_link(plan, link)->tunnel_id
                                   : kernel_vni(plan, link));
}

static bool
vxlan_needs_tx_csum_off(void *state)
{
    struct vxlan *vx = state;

    return vx->mode == VXLAN_OVS && ovt_needs_tx_csum_off(&vx->ovt);
}

static bool
vxlan_makes_ends(void *state)
{
    const struct vxlan *vx = state;

    return vx->mode == VXLAN_KERNEL;
}

/* ------------------------------------------------------------------------ */
/* check_server                                                             */
/* ------------------------------------------------------------------------ */

/* True if `addr` is assigned to an interface of this namespace. */
static bool
address_is_local(const char *addr)
{
    struct in_addr want;
    struct ifaddrs *ifs;
    bool found = false;

    if (inet_pton(AF_INET, addr, &want) != 1 || getifaddrs(&ifs) < 0) {
        return false;
    }
    for (struct ifaddrs *i = ifs; i && !found; i = i->ifa_next) {
        found = i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
                ((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr.s_addr ==
                    want.s_addr;
    }
    freeifaddrs(ifs);
    return found;
}

/* True if the kernel can make VXLAN devices: the module is loaded, built
 * in, or installed. */
static bool
kernel_has_vxlan(void)
{
    if (!access("/sys/module/vxlan", F_OK)) {
        return true;
    }
    char release[128] = "", path[512], line[1024];
    FILE *f = fopen("/proc/sys/kernel/osrelease", "re");
    if (f) {
        if (!fgets(release, sizeof release, f)) {
            release[0] = '\0';
        }
        fclose(f);
    }
    release[strcspn(release, "\n")] = '\0';
    static const char *const lists[] = {"modules.dep", "modules.builtin"};
    bool found = false;
    for (size_t i = 0; release[0] && !found && i < 2; i++) {
        snprintf(path, sizeof path, "/lib/modules/%s/%s", release, lists[i]);
        f = fopen(path, "re");
        while (f && !found && fgets(line, sizeof line, f)) {
            found = strstr(line, "/vxlan.ko") != NULL;
        }
        if (f) {
            fclose(f);
        }
    }
    return found;
}

static int
vxlan_check_server(void *state, const struct mi_plan *plan, unsigned server)
{
    struct vxlan *vx = state;
    const struct mi_host *host = vx->ovt.host;

    if (vx->mode == VXLAN_OVS) {
        return ovt_check_server(&vx->ovt, plan, server);
    }
    if (server >= plan->n_servers) {
        host->error("vxlan: server %u is not in the plan", server);
        return -EINVAL;
    }
    bool leaves = false;
    for (size_t i = 0; i < plan->n_links && !leaves; i++) {
        leaves = local_end(mi_plan_link(plan, i), server) >= 0;
    }
    if (!leaves) {
        return 0; /* nothing leaves this server */
    }
    const struct mi_server *me = mi_plan_server(plan, server);
    int error = 0;
    if (!kernel_has_vxlan()) {
        host->error("vxlan: mode \"kernel\" needs VXLAN in the kernel "
                    "(module vxlan), which this kernel lacks; set "
                    "plugins.vxlan.mode = \"ovs\"");
        error = -ENOTSUP;
    }
    if (!me->address || !address_is_local(me->address)) {
        host->error("vxlan: server %s: its underlay address %s is on no "
                    "interface of this machine, and the VXLAN devices send "
                    "from it",
                    me->name, me->address ? me->address : "(none)");
        error = -ENOTSUP;
    }
    return error;
}

/* ------------------------------------------------------------------------ */
/* build (kernel mode)                                                      */
/* ------------------------------------------------------------------------ */

struct request {
    const struct mi_link *link;
    const char *name;
    const char *netns; /* the node's namespace, NULL: the root namespace */
    int ns_fd;         /* open, or -1: the root namespace */
};

static struct nl_addr *
ipv4(const char *text)
{
    struct in_addr a;

    if (inet_pton(AF_INET, text, &a) != 1) {
        return NULL;
    }
    return nl_addr_build(AF_INET, &a, sizeof a);
}

/* Builds the RTM_NEWLINK request of one device. */
static int
device_request(const struct vxlan *vx, const struct mi_plan *plan,
               unsigned server, size_t link, const struct request *r,
               struct nl_msg **msg)
{
    const struct mi_link *l = r->link;
    const struct mi_server *peer =
        mi_plan_server(plan, l->server[l->server[0] == server]);
    struct rtnl_link *dev = rtnl_link_vxlan_alloc();
    struct nl_addr *local = ipv4(mi_plan_server(plan, server)->address);
    struct nl_addr *remote = ipv4(peer->address);
    int error = dev && local && remote ? 0 : -NLE_NOMEM;

    if (!error) {
        rtnl_link_set_name(dev, r->name);
        rtnl_link_set_mtu(dev, l->mtu);
        rtnl_link_set_flags(dev, IFF_UP);
        if (r->ns_fd >= 0) {
            rtnl_link_set_ns_fd(dev, r->ns_fd);
        }
        error = rtnl_link_vxlan_set_id(dev, kernel_vni(plan, link));
    }
    if (!error) {
        error = rtnl_link_vxlan_set_group(dev, remote);
    }
    if (!error) {
        error = rtnl_link_vxlan_set_local(dev, local);
    }
    if (!error) {
        error = rtnl_link_vxlan_set_port(dev, vx->port);
    }
    if (!error) {
        error = rtnl_link_vxlan_set_learning(dev, 0);
    }
    if (!error) {
        error =
            rtnl_link_build_add_request(dev, NLM_F_CREATE | NLM_F_EXCL, msg);
    }
    nl_addr_put(local);
    nl_addr_put(remote);
    rtnl_link_put(dev);
    return error;
}

/* Whether the kernel refused request `r` with EEXIST for its VNI, not its
 * name: the name is free where the device was to be. */
static bool
vni_held(const struct vxlan *vx, const struct request *r)
{
    return vx->ovt.host->link_exists(r->netns, r->name) == 0;
}

/* Sends the requests of reqs[] still pending, then reads their
 * acknowledgements (in order).  A request done, or failed for good
 * (reported), is pending no more; one refused for a held VNI stays pending
 * and is counted in *held, unless this is the `last` try. */
static int
send_round(const struct vxlan *vx, struct nl_sock *sk,
           const struct mi_plan *plan, unsigned server, const size_t *links,
           const struct request *reqs, bool *pending, size_t n, bool last,
           unsigned waited, size_t *held)
{
    const struct mi_host *host = vx->ovt.host;
    size_t sent[VXLAN_BATCH], n_sent = 0;
    int error = 0;

    for (size_t i = 0; i < n; i++) {
        if (!pending[i]) {
            continue;
        }
        if (error) {
            pending[i] = false; /* not made: the build fails */
            continue;
        }
        struct nl_msg *msg = NULL;
        int r = device_request(vx, plan, server, links[i], &reqs[i], &msg);
        if (!r) {
            r = nl_send_auto(sk, msg);
        }
        nlmsg_free(msg);
        if (r < 0) {
            host->error("vxlan: cannot send the request for %s: %s",
                        reqs[i].name, nl_geterror(r));
            pending[i] = false;
            error = -EIO;
        } else {
            sent[n_sent++] = i;
        }
    }
    for (size_t k = 0; k < n_sent; k++) {
        size_t i = sent[k];
        int r = nl_wait_for_ack(sk);
        if (r >= 0) {
            pending[i] = false;
            continue;
        }
        if (r == -NLE_EXIST && !last && vni_held(vx, &reqs[i])) {
            (*held)++;
            continue;
        }
        pending[i] = false;
        const struct mi_link *l = reqs[i].link;
        int e = local_end(l, server);
        const char *where = l->end[e].node >= 0
                                ? mi_plan_node(plan, l->end[e].node)->name
                                : "the root namespace";
        host->error("vxlan: cannot make %s in %s (VNI %u, port %u): %s%s",
                    reqs[i].name, where, kernel_vni(plan, links[i]), vx->port,
                    nl_geterror(r),
                    r == -NLE_EXIST && waited
                        ? " (the VNI, still held by another device after the "
                          "wait)"
                        : "");
        if (!error) {
            error = r == -NLE_EXIST ? -EEXIST : -EIO;
        }
    }
    return error;
}

/* Makes the `n` devices of reqs[], a batch.
 *
 * A VNI is reserved per UDP port in the server's namespace (the devices'
 * socket's), wherever the device holding it lives.  The devices of a
 * network just taken down go with their nodes' namespaces, which the
 * kernel destroys in the background: for a moment after `down` their VNIs
 * are still held, and the same network's `up` is refused them (EEXIST
 * while the name is free).  Such devices are tried again, with doubling
 * sleeps, for up to VXLAN_VNI_WAIT_MAX_MS; an EEXIST for a name that is
 * taken fails at once. */
static int
send_batch(const struct vxlan *vx, struct nl_sock *sk,
           const struct mi_plan *plan, unsigned server, const size_t *links,
           const struct request *reqs, size_t n)
{
    const struct mi_host *host = vx->ovt.host;
    bool pending[VXLAN_BATCH];
    unsigned waited = 0;
    int error = 0;

    for (size_t i = 0; i < n; i++) {
        pending[i] = true;
    }
    /* Bounded: each round that sleeps adds to `waited`, and the round after
     * it reaches VXLAN_VNI_WAIT_MAX_MS is the last. */
    for (;;) {
        unsigned next = vni_wait_next(waited);
        size_t held = 0;
        int r = send_round(vx, sk, plan, server, links, reqs, pending, n,
                           next == 0, waited, &held);
        if (r && !error) {
            error = r;
        }
        if (!held || error) {
            break;
        }
        if (!waited) {
            host->log(MI_LOG_WARN,
                      "vxlan: %zu VNI%s on port %u still held by devices "
                      "being removed (of a network just taken down?); "
                      "trying again for up to %u s",
                      held, held == 1 ? "" : "s", vx->port,
                      VXLAN_VNI_WAIT_MAX_MS / 1000);
        }
        usleep(next * 1000u);
        waited += next;
    }
    if (waited && !error) {
        host->log(MI_LOG_INFO, "vxlan: the held VNIs were free after %.2f s",
                  waited / 1000.0);
    }
    return error;
}

static int
kernel_build(struct vxlan *vx, const struct mi_plan *plan, unsigned server,
             const char *const *netns)
{
    const struct mi_host *host = vx->ovt.host;
    struct nl_sock *sk = nl_socket_alloc();
    size_t links[VXLAN_BATCH];
    struct request reqs[VXLAN_BATCH];
    size_t n = 0, made = 0;
    int error = 0;

    if (!sk) {
        return -ENOMEM;
    }
    int r = nl_connect(sk, NETLINK_ROUTE);
    if (r < 0) {
        host->error("vxlan: cannot open a netlink socket: %s", nl_geterror(r));
        nl_socket_free(sk);
        return -EIO;
    }
    for (size_t i = 0; i <= plan->n_links && !error; i++) {
        if (i < plan->n_links &&
            local_end(mi_plan_link(plan, i), server) >= 0) {
            const struct mi_link *l = mi_plan_link(plan, i);
            int node;
            const char *name = device_of(l, server, &node);
            const char *path = NULL;
            int fd = -1;
            if (node >= 0) {
                path = netns ? netns[node] : NULL;
                fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
                if (fd < 0) {
                    host->error("vxlan: %s: cannot open its network "
                                "namespace %s: %s",
                                mi_plan_node(plan, node)->name,
                                path ? path : "(none)",
                                path ? strerror(errno) : "not given");
                    error = -ENOENT;
                    break;
                }
            }
            links[n] = i;
            reqs[n++] = (struct request){
                .link = l, .name = name, .netns = path, .ns_fd = fd};
        }
        if (n && (n == VXLAN_BATCH || i == plan->n_links)) {
            error = send_batch(vx, sk, plan, server, links, reqs, n);
            made += n;
            for (size_t k = 0; k < n; k++) {
                if (reqs[k].ns_fd >= 0) {
                    close(reqs[k].ns_fd);
                }
            }
            n = 0;
        }
    }
    for (size_t k = 0; k < n; k++) {
        if (reqs[k].ns_fd >= 0) {
            close(reqs[k].ns_fd);
        }
    }
    nl_socket_free(sk);
    if (!error) {
        host->log(MI_LOG_INFO,
                  "vxlan: %zu VXLAN device%s (mode %s, UDP port %u)", made,
                  made == 1 ? "" : "s", mode_name(vx->mode), vx->port);
    }
    return error;
}

static int
vxlan_build(void *state, const struct mi_plan *plan, unsigned server,
            const char *const *netns, const char *dir)
{
    struct vxlan *vx = state;

    if (vx->mode == VXLAN_OVS) {
        return ovt_build(&vx->ovt, plan, server, netns, dir);
    }
    if (server >= plan->n_servers) {
        vx->ovt.host->error("vxlan: server %u is not in the plan", server);
        return -EINVAL;
    }
    for (size_t i = 0; i < plan->n_links; i++) {
        const struct mi_link *l = mi_plan_link(plan, i);
        int e = local_end(l, server);
        if (e < 0) {
            continue;
        }
        const struct mi_server *ps = mi_plan_server(plan, l->server[!e]);
        int node;
        const char *name = device_of(l, server, &node);
        if (!mi_plan_server(plan, server)->address || !ps->address || !name ||
            strlen(name) >= IFNAMSIZ) {
            vx->ovt.host->error("vxlan: link %zu between servers %s and %s "
                                "lacks an underlay address or an interface "
                                "name",
                                i, mi_plan_server(plan, server)->name,
                                ps->name);
            return -EINVAL;
        }
    }
    return kernel_build(vx, plan, server, netns);
}

static int
vxlan_destroy(void *state, const char *dir)
{
    struct vxlan *vx = state;

    /* Kernel mode's devices go with the namespaces and the host's root
     * interfaces; an "ovs" record, if any, says what to remove (also after
     * the mode was changed in the file: `down` works from the record). */
    return ovt_destroy(&vx->ovt, dir);
}

/* Kernel mode's devices live in the routers' namespaces, which no Open
 * vSwitch restart touches; an "ovs" record's flows are put back. */
static int
vxlan_reassert(void *state, const char *dir)
{
    struct vxlan *vx = state;

    return ovt_reassert(&vx->ovt, dir);
}

/* Ovs mode: the port taken again by Open vSwitch (ovt_reattach_port).
 * Kernel mode makes the links' ends itself (makes_ends), so the host never
 * makes one again to hand over. */
static int
vxlan_reattach_port(void *state, const char *dir, const char *port)
{
    struct vxlan *vx = state;

    if (vx->mode != VXLAN_OVS) {
        vx->ovt.host->error("vxlan: kernel mode makes its links' ends "
                            "itself: %s is not a port to attach again",
                            port);
        return -ENOTSUP;
    }
    return ovt_reattach_port(&vx->ovt, dir, port);
}

/* Kernel mode leaves nothing over a reboot (its devices are in the nodes'
 * namespaces and the root's interfaces); ovs mode's bridges stay in Open
 * vSwitch's database. */
static int
vxlan_clear_leftovers(void *state, const struct mi_plan *plan, unsigned server,
                      size_t *n_removed)
{
    struct vxlan *vx = state;

    return vx->mode == VXLAN_OVS
               ? ovt_clear_leftovers(&vx->ovt, plan, server, n_removed)
               : 0;
}

static const struct mi_tunnel_ops vxlan_ops = {
    .common =
        {
            MI_OPS_SIZE(struct mi_tunnel_ops),
            .configure = vxlan_configure,
            .release = vxlan_release,
            .check_plan = vxlan_check_plan,
            .check_server = vxlan_check_server,
        },
    .overhead = vxlan_overhead,
    .describe_id = vxlan_describe_id,
    .needs_tx_csum_off = vxlan_needs_tx_csum_off,
    .build = vxlan_build,
    .destroy = vxlan_destroy,
    .reassert = vxlan_reassert,
    .reattach_port = vxlan_reattach_port,
    .clear_leftovers = vxlan_clear_leftovers,
    .makes_ends = vxlan_makes_ends,
};

MI_PLUGIN_DEFINE = {
    MI_PLUGIN_ABI_VERSION,
    .name = "vxlan",
    .kind = MI_PLUGIN_TUNNEL,
    .version = "0.1.0",
    .description = "links between servers over VXLAN, one VNI per link "
                   "(kernel devices or Open vSwitch)",
    .ops.tunnel = &vxlan_ops,
};
