/* netns: the default runtime.  Every router and host is a Linux network
 * namespace; routers run their FRR daemons inside it.
 *
 * Settings (plugins.netns):
 *   frr_dir   directory of the FRR daemons (default "/usr/lib/frr")
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <miniinet/plugin.h>

struct netns {
    const struct mi_host *host;
    char *frr_dir;
};

static int
netns_configure(const struct mi_host *host, const struct mi_settings *settings,
                void **statep)
{
    static const char *const known[] = {"frr_dir", NULL};
    const char *frr_dir = "/usr/lib/frr";
    int error;

    error = host->setting_check_keys(settings, known);
    if (error) {
        return error;
    }
    error = host->setting_string(settings, "frr_dir", &frr_dir);
    if (error && error != -ENOENT) {
        return error;
    }
    if (frr_dir[0] != '/') {
        host->setting_error(settings, "frr_dir", "must be an absolute path");
        return -EINVAL;
    }

    struct netns *netns = calloc(1, sizeof *netns);
    if (!netns) {
        return -ENOMEM;
    }
    netns->host = host;
    netns->frr_dir = strdup(frr_dir);
    if (!netns->frr_dir) {
        free(netns);
        return -ENOMEM;
    }
    *statep = netns;
    return 0;
}

static void
netns_release(void *state)
{
    struct netns *netns = state;

    free(netns->frr_dir);
    free(netns);
}

static const struct mi_runtime_ops netns_ops = {
    .common =
        {
            .configure = netns_configure,
            .release = netns_release,
        },
};

MI_PLUGIN_DEFINE = {
    .abi = MI_PLUGIN_ABI,
    .size = sizeof(struct mi_plugin),
    .name = "netns",
    .kind = MI_PLUGIN_RUNTIME,
    .version = "0.1.0",
    .description = "routers and hosts as Linux network namespaces",
    .ops.runtime = &netns_ops,
};
