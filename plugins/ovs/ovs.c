/* ovs: the default switch.  An AS's L2 network and every IXP LAN are Open
 * vSwitch bridges.
 *
 * Settings (plugins.ovs):
 *   datapath   "auto" (default: "system" when the kernel has the openvswitch
 *              module, else "netdev", the userspace datapath), "system" or
 *              "netdev"
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <miniinet/plugin.h>

enum ovs_datapath { OVS_DP_AUTO, OVS_DP_SYSTEM, OVS_DP_NETDEV };

struct ovs {
    const struct mi_host *host;
    enum ovs_datapath datapath;
};

static int
ovs_configure(const struct mi_host *host, const struct mi_settings *settings,
              void **statep)
{
    static const char *const known[] = {"datapath", NULL};
    const char *datapath = "auto";
    struct ovs *ovs;
    int error;

    error = host->setting_check_keys(settings, known);
    if (error) {
        return error;
    }
    error = host->setting_string(settings, "datapath", &datapath);
    if (error && error != -ENOENT) {
        return error;
    }

    ovs = calloc(1, sizeof *ovs);
    if (!ovs) {
        return -ENOMEM;
    }
    ovs->host = host;
    if (!strcmp(datapath, "auto")) {
        ovs->datapath = OVS_DP_AUTO;
    } else if (!strcmp(datapath, "system")) {
        ovs->datapath = OVS_DP_SYSTEM;
    } else if (!strcmp(datapath, "netdev")) {
        ovs->datapath = OVS_DP_NETDEV;
    } else {
        host->setting_error(settings, "datapath",
                            "must be \"auto\", \"system\" or \"netdev\", not "
                            "\"%s\"",
                            datapath);
        free(ovs);
        return -EINVAL;
    }
    *statep = ovs;
    return 0;
}

static void
ovs_release(void *state)
{
    free(state);
}

static const struct mi_switch_ops ovs_ops = {
    .common =
        {
            .configure = ovs_configure,
            .release = ovs_release,
        },
};

MI_PLUGIN_DEFINE = {
    .abi = MI_PLUGIN_ABI,
    .size = sizeof(struct mi_plugin),
    .name = "ovs",
    .kind = MI_PLUGIN_SWITCH,
    .version = "0.1.0",
    .description = "L2 networks and IXP LANs as Open vSwitch bridges",
    .ops.switch_ = &ovs_ops,
};
