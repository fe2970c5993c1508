/* A plugin built against a future plugin ABI: the loader must refuse it
 * before reading anything but `abi`. */
#include <stddef.h>

#include <miniinet/plugin.h>

static int
badabi_configure(const struct mi_host *host,
                 const struct mi_settings *settings, void **state)
{
    *state = NULL;
    return 0;
}

static const struct mi_runtime_ops badabi_ops = {
    .common = {MI_OPS_SIZE(struct mi_runtime_ops),
               .configure = badabi_configure},
};

MI_PLUGIN_DEFINE = {
    .abi_major = MI_PLUGIN_ABI_MAJOR + 1,
    .abi_minor = 0,
    .size = sizeof(struct mi_plugin),
    .name = "badabi",
    .kind = MI_PLUGIN_RUNTIME,
    .version = "1.0",
    .description = "test plugin with the wrong ABI",
    .ops.runtime = &badabi_ops,
};
