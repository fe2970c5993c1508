/* gre: the default tunnel.  Per server pair, one Open vSwitch bridge with
 * one GRE port to the peer server; every remote link's router end attaches
 * to that bridge, and OpenFlow rules keep the links apart.
 *
 * Settings (plugins.gre):
 *   isolation   "tos" (default): each link's packets carry the TOS value
 *               4 * tunnel_id on the underlay; at most 63 links per server
 *               pair, and the routers' own DSCP is overwritten.
 *               "key": each link has its own GRE key (= tunnel_id); no
 *               practical limit, DSCP travels untouched.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <miniinet/plugin.h>

/* TOS values are multiples of 4 below 256: 4, 8, ..., 252. */
#define GRE_TOS_MAX_LINKS 63

/* Outer IPv4 header + GRE header + the inner Ethernet header; a key adds 4
 * bytes.  1500 - 42 = 1458 is the inner MTU measured with a key. */
#define GRE_OVERHEAD (20 + 4 + 14)
#define GRE_KEY_OVERHEAD 4

enum gre_isolation { GRE_ISOLATION_TOS, GRE_ISOLATION_KEY };

struct gre {
    const struct mi_host *host;
    enum gre_isolation isolation;
};

static int
gre_configure(const struct mi_host *host, const struct mi_settings *settings,
              void **statep)
{
    static const char *const known[] = {"isolation", NULL};
    const char *isolation = "tos";
    struct gre *gre;
    int error;

    error = host->setting_check_keys(settings, known);
    if (error) {
        return error;
    }
    error = host->setting_string(settings, "isolation", &isolation);
    if (error && error != -ENOENT) {
        return error;
    }

    gre = calloc(1, sizeof *gre);
    if (!gre) {
        return -ENOMEM;
    }
    gre->host = host;
    if (!strcmp(isolation, "tos")) {
        gre->isolation = GRE_ISOLATION_TOS;
    } else if (!strcmp(isolation, "key")) {
        gre->isolation = GRE_ISOLATION_KEY;
    } else {
        host->setting_error(settings, "isolation",
                            "must be \"tos\" or \"key\", not \"%s\"",
                            isolation);
        free(gre);
        return -EINVAL;
    }
    *statep = gre;
    return 0;
}

static void
gre_release(void *state)
{
    free(state);
}

/* In TOS mode a server pair carries at most 63 links.  Tunnel ids are
 * numbered 1.. per pair, so the largest id is the pair's link count. */
static int
gre_check_plan(void *state, const struct mi_plan *plan)
{
    struct gre *gre = state;
    int error = 0;

    if (gre->isolation != GRE_ISOLATION_TOS) {
        return 0;
    }
    for (size_t i = 0; i < plan->n_links; i++) {
        const struct mi_link *l = &plan->links[i];
        if (l->remote && l->tunnel_id == GRE_TOS_MAX_LINKS + 1) {
            gre->host->error(
                "gre: servers %s and %s share more than %d remote links, "
                "the most TOS isolation can keep apart; set "
                "plugins = { gre = { isolation = \"key\"; }; } or move ASes "
                "between servers",
                plan->servers[l->server[0]].name,
                plan->servers[l->server[1]].name, GRE_TOS_MAX_LINKS);
            error = -EINVAL;
        }
    }
    return error;
}

static unsigned
gre_overhead(void *state)
{
    const struct gre *gre = state;

    return GRE_OVERHEAD +
           (gre->isolation == GRE_ISOLATION_KEY ? GRE_KEY_OVERHEAD : 0);
}

static void
gre_describe_id(void *state, unsigned tunnel_id, char *buf, size_t len)
{
    const struct gre *gre = state;

    if (gre->isolation == GRE_ISOLATION_TOS) {
        snprintf(buf, len, "gre tos 0x%02x", tunnel_id * 4);
    } else {
        snprintf(buf, len, "gre key %u", tunnel_id);
    }
}

static const struct mi_tunnel_ops gre_ops = {
    .common =
        {
            .configure = gre_configure,
            .release = gre_release,
            .check_plan = gre_check_plan,
        },
    .overhead = gre_overhead,
    .describe_id = gre_describe_id,
};

MI_PLUGIN_DEFINE = {
    .abi = MI_PLUGIN_ABI,
    .size = sizeof(struct mi_plugin),
    .name = "gre",
    .kind = MI_PLUGIN_TUNNEL,
    .version = "0.1.0",
    .description = "links between servers over GRE, isolated by TOS or key",
    .ops.tunnel = &gre_ops,
};
