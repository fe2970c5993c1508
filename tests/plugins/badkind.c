/* A plugin of a kind that does not exist. */
#include <stddef.h>

#include <miniinet/plugin.h>

static int
badkind_configure(const struct mi_host *host,
                  const struct mi_settings *settings, void **state)
{
    *state = NULL;
    return 0;
}

static const struct mi_runtime_ops badkind_ops = {
    .common = {MI_OPS_SIZE(struct mi_runtime_ops),
               .configure = badkind_configure},
};

MI_PLUGIN_DEFINE = {
    MI_PLUGIN_ABI_VERSION,
    .name = "badkind",
    .kind = (enum mi_plugin_kind)99,
    .version = "1.0",
    .description = "test plugin of an unknown kind",
    .ops.runtime = &badkind_ops,
};
