/* A runtime that makes nothing, built three ways (tests/automake.mk) to
 * prove the ABI policy of doc/plugins.md in check_loader:
 *   oldminor   -DMI_PLUGIN_TARGET_MINOR=0, as an author targeting ABI 4.0
 *              would build it: loads, runs, and has no describe_node
 *              (added in 4.1);
 *   newminor   FAKE_NEWER: declares a minor newer than the host's and an
 *              ops table longer than the host knows: loads, the tail is
 *              ignored;
 *   missingop  FAKE_MISSING_OP: no start_daemon, which every runtime must
 *              have: refused, naming the operation.
 * Its operations answer from the node's name, so that the tests can tell
 * they ran. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <miniinet/plugin.h>

#define STR_(x) #x
#define STR(x) STR_(x)

static int
fake_configure(const struct mi_host *host, const struct mi_settings *settings,
               void **state)
{
    (void)settings;
    *state = (void *)host;
    return 0;
}

static int
fake_create_node(void *state, const struct mi_plan *plan, size_t node,
                 const char *dir)
{
    (void)state, (void)dir;
    return node < plan->n_nodes ? 0 : -EINVAL;
}

static int
fake_netns_path(void *state, const char *name, char *buf, size_t len)
{
    (void)state;
    return snprintf(buf, len, "/fake/%s", name) < (int)len ? 0 : -ENAMETOOLONG;
}

#ifndef FAKE_MISSING_OP
static int
fake_start_daemon(void *state, const char *name, const char *dir,
                  const char *daemon)
{
    (void)state, (void)name, (void)dir;
    return strcmp(daemon, "zebra") ? -ENOENT : 0;
}
#endif

static int
fake_run(void *state, const char *name, const char *dir,
         const char *const *argv, char **out)
{
    (void)state, (void)name, (void)dir, (void)out;
    return (int)strlen(argv[0]);
}

static int
fake_node_exists(void *state, const char *name)
{
    (void)state;
    return !strcmp(name, "here");
}

static int
fake_destroy_node(void *state, const char *name, const char *dir)
{
    (void)state, (void)name, (void)dir;
    return 0;
}

#if MI_PLUGIN_TARGET_MINOR >= 1
static int
fake_describe_node(void *state, const char *name, const char *dir, char *buf,
                   size_t len)
{
    (void)state, (void)dir;
    return snprintf(buf, len, STR(FAKE_NAME) ":%s", name) < (int)len
               ? 0
               : -ENAMETOOLONG;
}
#endif

#define FAKE_OPS                                                              \
    .create_node = fake_create_node, .netns_path = fake_netns_path,           \
    .run = fake_run, .node_exists = fake_node_exists,                         \
    .destroy_node = fake_destroy_node

#ifdef FAKE_NEWER
/* What a later minor's table might look like: one more operation at the
 * end, which this host does not know. */
static int
fake_from_the_future(void *state)
{
    (void)state;
    return -1;
}

static const struct {
    struct mi_runtime_ops rt;
    int (*from_the_future)(void *state);
} fake_ops = {
    .rt =
        {
            .common = {.size = sizeof fake_ops, .configure = fake_configure},
            FAKE_OPS,
            .start_daemon = fake_start_daemon,
            .describe_node = fake_describe_node,
        },
    .from_the_future = fake_from_the_future,
};
#define FAKE_MINOR (MI_PLUGIN_ABI_MINOR + 1)
#define FAKE_RUNTIME_OPS (&fake_ops.rt)
#else
static const struct mi_runtime_ops fake_ops = {
#ifdef FAKE_NO_SIZE
    .common = {.configure = fake_configure}, /* MI_OPS_SIZE forgotten */
#else
    .common = {MI_OPS_SIZE(struct mi_runtime_ops),
               .configure = fake_configure},
#endif
    FAKE_OPS,
#ifndef FAKE_MISSING_OP
    .start_daemon = fake_start_daemon,
#endif
#if MI_PLUGIN_TARGET_MINOR >= 1
    .describe_node = fake_describe_node,
#endif
};
#define FAKE_MINOR MI_PLUGIN_TARGET_MINOR
#define FAKE_RUNTIME_OPS (&fake_ops)
#endif

MI_PLUGIN_DEFINE = {
    .abi_major = MI_PLUGIN_ABI_MAJOR,
    .abi_minor = FAKE_MINOR,
    .size = sizeof(struct mi_plugin),
    .name = STR(FAKE_NAME),
    .kind = MI_PLUGIN_RUNTIME,
    .version = "1.0",
    .description = "test runtime for the ABI policy",
    .ops.runtime = FAKE_RUNTIME_OPS,
};
