/* vxlanip: an example tunnel plugin.  Each link between servers is one
 * Linux VXLAN device, made with iproute2's `ip` program, born in the
 * router's network namespace under the link's interface name -- the idea
 * of the `vxlan` plugin's kernel mode in a page, without libnl and without
 * batching.  It is the tunnel example of doc/plugins.md.  Build it out of
 * tree and use it:
 *
 *     cc -shared -fPIC -Wall $(pkg-config --cflags miniinet-plugin) \
 *         -o DIR/vxlanip.so vxlanip.c
 *     miniinet --plugin-dir DIR plugins
 *     miniinet --plugin-dir DIR --plugins=vxlanip -c FILE up
 *
 * (on a multi-server network, DIR must hold the plugin on every server).
 *
 * What build() makes on server S, for each remote link with an end on S:
 *
 *     ip link add NAME [netns PATH] mtu MTU up type vxlan id VNI \
 *         remote PEER local SELF dstport PORT nolearning
 *
 * NAME is the router's interface (PATH its namespace: the host gives it),
 * or, where the end on S is an IXP's LAN, the bridge port peer[e] in the
 * root namespace, which the switch attaches afterwards.  Because the
 * plugin makes the ends itself (makes_ends), the host makes no veth for
 * these links.  The VNI is the link's rank among the plan's remote links,
 * the same on both servers and unique on each (all VXLAN devices of a
 * server share one UDP socket, told apart by VNI alone).
 *
 * Nothing is recorded: the devices go with the routers' namespaces, and
 * the IXP ports are root interfaces of the host's state record.
 *
 * Settings (plugins.vxlanip):
 *   port   UDP destination port, 1..65535, default 4789 (Linux's own
 *          default would be 8472; both ends must agree)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <miniinet/plugin.h>

struct vxlanip {
    const struct mi_host *host;
    unsigned port;
};

/* The end of link `l` on `server` if the link leaves it, else -1. */
static int
local_end(const struct mi_link *l, unsigned server)
{
    if (!l->remote) {
        return -1;
    }
    return l->server[0] == server ? 0 : l->server[1] == server ? 1 : -1;
}

/* The VNI of remote link `link`: its rank among the remote links. */
static unsigned
vni_of(const struct mi_plan *plan, size_t link)
{
    unsigned vni = 0;

    for (size_t i = 0; i <= link && i < plan->n_links; i++) {
        vni += mi_plan_link(plan, i)->remote;
    }
    return vni;
}

static int
vxlanip_configure(const struct mi_host *host,
                  const struct mi_settings *settings, void **statep)
{
    static const char *const known[] = {"port", NULL};
    long long port = 4789;

    int error = host->setting_check_keys(settings, known);
    if (!error) {
        error = host->setting_int(settings, "port", 1, 65535, &port);
    }
    if (error && error != -ENOENT) {
        return error;
    }
    struct vxlanip *vx = calloc(1, sizeof *vx);
    if (!vx) {
        return -ENOMEM;
    }
    vx->host = host;
    vx->port = (unsigned)port;
    *statep = vx;
    return 0;
}

static void
vxlanip_release(void *state)
{
    free(state);
}

static unsigned
vxlanip_overhead(void *state)
{
    (void)state;
    return 20 + 8 + 8 + 14; /* outer IPv4, UDP, VXLAN, inner Ethernet */
}

static void
vxlanip_describe_id(void *state, const struct mi_plan *plan, size_t link,
                    char *buf, size_t len)
{
    (void)state;
    snprintf(buf, len, "vxlan vni %u", vni_of(plan, link));
}

static bool
vxlanip_makes_ends(void *state)
{
    (void)state;
    return true;
}

/* Makes the device of remote link `i` on `server`. */
static int
make_device(const struct vxlanip *vx, const struct mi_plan *plan,
            unsigned server, const char *const *netns, size_t i)
{
    const struct mi_link *l = mi_plan_link(plan, i);
    int e = local_end(l, server);
    const struct mi_endpoint *end = &l->end[e];
    const char *self = mi_plan_server(plan, server)->address;
    const char *peer = mi_plan_server(plan, l->server[!e])->address;
    const char *name = end->node >= 0 ? end->ifname : l->peer[e];
    const char *ns = end->node >= 0 && netns ? netns[end->node] : NULL;
    char mtu[16], vni[16], port[16];

    if (!self || !peer || !name || (end->node >= 0 && !ns)) {
        vx->host->error("vxlanip: link %zu: no underlay address, interface "
                        "name or namespace to make its device with",
                        i);
        return -EINVAL;
    }
    snprintf(mtu, sizeof mtu, "%u", l->mtu);
    snprintf(vni, sizeof vni, "%u", vni_of(plan, i));
    snprintf(port, sizeof port, "%u", vx->port);
    const char *argv[24];
    size_t n = 0;
    argv[n++] = "ip";
    argv[n++] = "link";
    argv[n++] = "add";
    argv[n++] = name;
    if (ns) {
        argv[n++] = "netns"; /* created here, born there */
        argv[n++] = ns;
    }
    const char *rest[] = {"mtu", mtu,       "up",     "type",       "vxlan",
                          "id",  vni,       "remote", peer,         "local",
                          self,  "dstport", port,     "nolearning", NULL};
    for (size_t k = 0; rest[k]; k++) {
        argv[n++] = rest[k];
    }
    argv[n] = NULL;
    int status = vx->host->run(argv, NULL);
    if (status != 0) {
        vx->host->error("vxlanip: `ip link add %s ... type vxlan id %s` "
                        "failed for link %zu (%s %d)",
                        name, vni, i, status < 0 ? "error" : "exit status",
                        status);
        return status < 0 ? status : status == 2 ? -EEXIST : -EIO;
    }
    return 0;
}

static int
vxlanip_build(void *state, const struct mi_plan *plan, unsigned server,
              const char *const *netns, const char *dir)
{
    const struct vxlanip *vx = state;
    size_t made = 0;

    (void)dir; /* nothing to record */
    if (server >= plan->n_servers) {
        vx->host->error("vxlanip: server %u is not in the plan", server);
        return -EINVAL;
    }
    for (size_t i = 0; i < plan->n_links; i++) {
        if (local_end(mi_plan_link(plan, i), server) < 0) {
            continue;
        }
        int error = make_device(vx, plan, server, netns, i);
        if (error) {
            return error;
        }
        made++;
    }
    vx->host->log(MI_LOG_INFO, "vxlanip: %zu VXLAN device%s, UDP port %u",
                  made, made == 1 ? "" : "s", vx->port);
    return 0;
}

static int
vxlanip_destroy(void *state, const char *dir)
{
    (void)state;
    (void)dir;
    return 0; /* the devices went with the namespaces and root interfaces */
}

static const struct mi_tunnel_ops vxlanip_ops = {
    .common =
        {
            MI_OPS_SIZE(struct mi_tunnel_ops),
            .configure = vxlanip_configure,
            .release = vxlanip_release,
        },
    .overhead = vxlanip_overhead,
    .describe_id = vxlanip_describe_id,
    .build = vxlanip_build,
    .destroy = vxlanip_destroy,
    .makes_ends = vxlanip_makes_ends,
};

MI_PLUGIN_DEFINE = {
    MI_PLUGIN_ABI_VERSION,
    .name = "vxlanip",
    .kind = MI_PLUGIN_TUNNEL,
    .version = "0.1.0",
    .description = "example: links between servers as VXLAN devices made "
                   "with ip(8)",
    .ops.tunnel = &vxlanip_ops,
};
