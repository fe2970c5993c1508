/* A valid descriptor in a file that needs a function that exists nowhere,
 * as when a plugin is built against a library that is not installed:
 * dlopen(RTLD_NOW) fails with "undefined symbol". */
#include <stddef.h>

#include <miniinet/plugin.h>

extern int miniinet_test_no_such_function(void);

static int
undefined_configure(const struct mi_host *host,
                    const struct mi_settings *settings, void **state)
{
    *state = NULL;
    return miniinet_test_no_such_function();
}

static const struct mi_switch_ops undefined_ops = {
    .common = {MI_OPS_SIZE(struct mi_switch_ops),
               .configure = undefined_configure},
};

MI_PLUGIN_DEFINE = {
    MI_PLUGIN_ABI_VERSION,
    .name = "undefined",
    .kind = MI_PLUGIN_SWITCH,
    .version = "1.0",
    .description = "test plugin with an unresolved symbol",
    .ops.switch_ = &undefined_ops,
};
