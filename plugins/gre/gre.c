/* gre: the default tunnel.  On each server, one Open vSwitch bridge per
 * peer server (a server it shares remote links with), holding one GRE port
 * to that peer and, as ports, the root-namespace ends of the remote links
 * between the two (mi_link.tunnel_port[]).  OpenFlow rules keep the links
 * apart; the bridges forward nothing else.
 *
 * Settings (plugins.gre):
 *   isolation   "tos" (default): each link's packets carry the TOS value
 *               4 * tunnel_id on the underlay; at most 63 links per server
 *               pair, and the routers' own DSCP is overwritten.
 *               "key": each link has its own GRE key (= tunnel_id); no
 *               practical limit, DSCP travels untouched.
 *   datapath    "auto" (default: "system" when the kernel has the
 *               openvswitch module, else "netdev", the userspace datapath),
 *               "system" or "netdev".
 *
 * Bridges "mi-gre<P>", GRE ports "mi-gre<P>-t": the machinery (names,
 * flows, record, build, destroy) is plugins/common/ovstunnel.c's, shared
 * with vxlan's "ovs" mode; README.md has the details.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <miniinet/plugin.h>

#include "../common/ovstunnel.h"

/* Outer IPv4 header + GRE header + the inner Ethernet header; a key adds 4
 * bytes.  1500 - 42 = 1458 is the inner MTU measured with a key. */
#define GRE_OVERHEAD (20 + 4 + 14)
#define GRE_KEY_OVERHEAD 4

static int
gre_configure(const struct mi_host *host, const struct mi_settings *settings,
              void **statep)
{
    static const char *const known[] = {"isolation", "datapath", NULL};
    const char *isolation = "tos";
    const char *datapath = "auto";
    int error;

    error = host->setting_check_keys(settings, known);
    if (error) {
        return error;
    }
    error = host->setting_string(settings, "isolation", &isolation);
    if (error && error != -ENOENT) {
        return error;
    }
    error = host->setting_string(settings, "datapath", &datapath);
    if (error && error != -ENOENT) {
        return error;
    }

    struct ovt *gre = calloc(1, sizeof *gre);
    if (!gre) {
        return -ENOMEM;
    }
    ovt_init(gre, host, "gre", "mi-gre", "gre", "ip_gre");
    error = 0;
    if (!strcmp(isolation, "tos")) {
        gre->isolation = OVT_ISOLATION_TOS;
    } else if (!strcmp(isolation, "key")) {
        gre->isolation = OVT_ISOLATION_KEY;
    } else {
        host->setting_error(settings, "isolation",
                            "must be \"tos\" or \"key\", not \"%s\"",
                            isolation);
        error = -EINVAL;
    }
    if (ovt_set_datapath(gre, settings, datapath)) {
        error = -EINVAL;
    }
    if (error) {
        free(gre);
        return error;
    }
    *statep = gre;
    return 0;
}

static void
gre_release(void *state)
{
    free(state);
}

static unsigned
gre_overhead(void *state)
{
    const struct ovt *gre = state;

    return GRE_OVERHEAD +
           (gre->isolation == OVT_ISOLATION_KEY ? GRE_KEY_OVERHEAD : 0);
}

static void
gre_describe_id(void *state, const struct mi_plan *plan, size_t link,
                char *buf, size_t len)
{
    const struct ovt *gre = state;
    unsigned tunnel_id = mi_plan_link(plan, link)->tunnel_id;

    if (gre->isolation == OVT_ISOLATION_TOS) {
        snprintf(buf, len, "gre tos 0x%02x", tunnel_id * 4);
    } else {
        snprintf(buf, len, "gre key %u", tunnel_id);
    }
}

static const struct mi_tunnel_ops gre_ops = {
    .common =
        {
            MI_OPS_SIZE(struct mi_tunnel_ops),
            .configure = gre_configure,
            .release = gre_release,
            .check_plan = ovt_check_plan,
            .check_server = ovt_check_server,
        },
    .overhead = gre_overhead,
    .describe_id = gre_describe_id,
    .needs_tx_csum_off = ovt_needs_tx_csum_off,
    .build = ovt_build,
    .destroy = ovt_destroy,
    .reassert = ovt_reassert,
    .reattach_port = ovt_reattach_port,
    .clear_leftovers = ovt_clear_leftovers,
};

MI_PLUGIN_DEFINE = {
    MI_PLUGIN_ABI_VERSION,
    .name = "gre",
    .kind = MI_PLUGIN_TUNNEL,
    .version = "0.3.0",
    .description = "links between servers over GRE, isolated by TOS or key",
    .ops.tunnel = &gre_ops,
};
