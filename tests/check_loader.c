/* The plugin loader: loading and checking descriptors, the refusal
 * messages, the search path and scanning.  The test plugins (tests/plugins)
 * are found in MINIINET_TEST_PLUGINDIR, by default tests/plugins/.libs of
 * the build tree. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "host.h"
#include "loader.h"
#include "log.h"
#include "testutil.h"
#include "util.h"

#ifndef MI_PLUGINSDIR
#error "MI_PLUGINSDIR must be defined"
#endif

static char plugdir[PATH_MAX];    /* the built test plugins */
static char dir_a[64], dir_b[64]; /* scratch plugin directories */

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

static void
empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        return;
    }

    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            char *path = xasprintf("%s/%s", dir, de->d_name);
            if (unlink(path) < 0 && errno == EISDIR) {
                rmdir(path);
            }
            free(path);
        }
    }
    closedir(d);
}

/* Unchecked fixture: runs in the test runner itself, so the scratch
 * directories go away even when a test fails in a forked child. */
static void
setup_dirs(void)
{
    const char *env = getenv("MINIINET_TEST_PLUGINDIR");
    const char *dir =
        env && *env ? env : testutil_buildpath("tests/plugins/.libs");
    if (!realpath(dir, plugdir)) {
        fprintf(stderr, "%s: %s (build the test plugins first)\n", dir,
                strerror(errno));
        snprintf(plugdir, sizeof plugdir, "%s", dir);
    }

    strcpy(dir_a, "/tmp/miniinet-test-XXXXXX");
    strcpy(dir_b, "/tmp/miniinet-test-XXXXXX");
    if (!mkdtemp(dir_a) || !mkdtemp(dir_b)) {
        perror("mkdtemp");
        abort();
    }
}

static void
teardown_dirs(void)
{
    empty_dir(dir_a);
    empty_dir(dir_b);
    rmdir(dir_a);
    rmdir(dir_b);
}

/* Checked fixture: each test starts with empty scratch directories and
 * without a plugin path from the environment. */
static void
setup_test(void)
{
    empty_dir(dir_a);
    empty_dir(dir_b);
    unsetenv("MINIINET_PLUGIN_PATH");
}

/* The path of a built test plugin (static buffer). */
static const char *
plugin(const char *name)
{
    static char path[PATH_MAX + 64];

    snprintf(path, sizeof path, "%s/%s.so", plugdir, name);
    return path;
}

static char *
put_symlink(const char *dir, const char *file, const char *name)
{
    char *path = xasprintf("%s/%s", dir, file);

    ck_assert_int_eq(symlink(plugin(name), path), 0);
    return path;
}

static char *
put_copy(const char *dir, const char *file, const char *name)
{
    char *path = xasprintf("%s/%s", dir, file);
    char buf[65536];
    ssize_t n;

    int in = open(plugin(name), O_RDONLY | O_CLOEXEC);
    ck_assert_msg(in >= 0, "%s: %s", plugin(name), strerror(errno));
    int out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    ck_assert_msg(out >= 0, "%s: %s", path, strerror(errno));
    while ((n = read(in, buf, sizeof buf)) > 0) {
        ck_assert_int_eq(write(out, buf, (size_t)n), n);
    }
    ck_assert_int_eq(n, 0);
    close(in);
    close(out);
    return path;
}

static char *
put_text(const char *dir, const char *file, const char *text)
{
    char *path = xasprintf("%s/%s", dir, file);
    FILE *f = fopen(path, "w");

    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* Asserts that exactly one message was logged, `fmt`. */
static void expect_message(const char *fmt, ...) MI_PRINTF(1, 2);

static void
expect_message(const char *fmt, ...)
{
    va_list args;
    char *msg;

    va_start(args, fmt);
    ck_assert_int_ge(vasprintf(&msg, fmt, args), 0);
    va_end(args);

    char *expected = xasprintf("%s\n", msg);
    ck_assert_str_eq(testutil_captured(), expected);
    free(expected);
    free(msg);
}

/* Loads `path`, expecting failure `error` and the single message `fmt`. */
static void expect_refused(const char *path, int error, const char *fmt, ...)
    MI_PRINTF(3, 4);

static void
expect_refused(const char *path, int error, const char *fmt, ...)
{
    struct loaded_plugin lp;
    va_list args;
    char *msg;

    va_start(args, fmt);
    ck_assert_int_ge(vasprintf(&msg, fmt, args), 0);
    va_end(args);

    testutil_capture_begin();
    ck_assert_int_eq(plugin_load_file(path, &lp), error);
    testutil_capture_end();
    ck_assert_ptr_null(lp.handle);
    ck_assert_ptr_null(lp.desc);
    ck_assert_ptr_null(lp.path);
    expect_message("%s", msg);
    free(msg);
}

/* ------------------------------------------------------------------------ */
/* Loading one file                                                         */
/* ------------------------------------------------------------------------ */

START_TEST(test_good_descriptor)
{
    struct loaded_plugin lp;

    testutil_capture_begin();
    ck_assert_int_eq(plugin_load_file(plugin("good"), &lp), 0);
    testutil_capture_end();
    ck_assert_str_eq(testutil_captured(), "");

    ck_assert_str_eq(lp.path, plugin("good"));
    ck_assert_ptr_nonnull(lp.handle);
    const struct mi_plugin *d = lp.desc;
    ck_assert_uint_eq(d->abi_major, MI_PLUGIN_ABI_MAJOR);
    ck_assert_uint_eq(d->abi_minor, MI_PLUGIN_ABI_MINOR);
    ck_assert_uint_eq(d->size, sizeof(struct mi_plugin));
    ck_assert_str_eq(d->name, "good");
    ck_assert_int_eq(d->kind, MI_PLUGIN_TUNNEL);
    ck_assert_str_eq(d->version, "1.0");
    ck_assert_str_eq(d->description, "test plugin that does everything right");
    ck_assert_ptr_nonnull(d->ops.tunnel->common.configure);
    ck_assert_ptr_nonnull(d->ops.tunnel->overhead);

    plugin_unload(&lp);
    ck_assert_ptr_null(lp.path);
    ck_assert_ptr_null(lp.handle);
    ck_assert_ptr_null(lp.desc);
}
END_TEST

START_TEST(test_good_lifecycle)
{
    struct loaded_plugin lp;
    char buf[32];
    void *state = NULL;

    ck_assert_int_eq(plugin_load_file(plugin("good"), &lp), 0);
    const struct mi_tunnel_ops *ops = lp.desc->ops.tunnel;

    /* No settings section: the default answer, 42. */
    ck_assert_int_eq(ops->common.configure(host_services(), NULL, &state), 0);
    ck_assert_ptr_nonnull(state);
    ck_assert_uint_eq(ops->overhead(state), 42 + 8);
    struct mi_link one = {.remote = true, .tunnel_id = 7};
    struct mi_plan with_link = {
        .size = sizeof with_link, .links = &one, .n_links = 1};
    ops->describe_id(state, &with_link, 0, buf, sizeof buf);
    ck_assert_str_eq(buf, "good 7");

    struct mi_plan plan = {.size = sizeof plan, .n_links = 42000};
    ck_assert_int_eq(ops->common.check_plan(state, &plan), 0);
    plan.n_links = 42001;
    testutil_capture_begin();
    ck_assert_int_eq(ops->common.check_plan(state, &plan), -EINVAL);
    testutil_capture_end();
    expect_message("good: at most 42000 links");
    ops->common.release(state);

    plugin_unload(&lp);
}
END_TEST

/* Stand-ins for settings.c, to see that the plugin really goes through
 * the host's services and handles their errors. */
static int
fake_setting_int(const struct mi_settings *s, const char *key, long long min,
                 long long max, long long *value)
{
    ck_assert_str_eq(key, "answer");
    *value = 7;
    return 0;
}

static int
fake_check_keys_fails(const struct mi_settings *s, const char *const *known)
{
    ck_assert_str_eq(known[0], "answer");
    ck_assert_ptr_null(known[1]);
    return -EINVAL;
}

START_TEST(test_good_uses_host)
{
    struct loaded_plugin lp;
    void *state = NULL;

    ck_assert_int_eq(plugin_load_file(plugin("good"), &lp), 0);
    const struct mi_tunnel_ops *ops = lp.desc->ops.tunnel;
    struct mi_host fake = *host_services();

    fake.setting_int = fake_setting_int;
    ck_assert_int_eq(ops->common.configure(&fake, NULL, &state), 0);
    ck_assert_uint_eq(ops->overhead(state), 7 + 8);
    ops->common.release(state);

    state = NULL;
    fake.setting_check_keys = fake_check_keys_fails;
    ck_assert_int_eq(ops->common.configure(&fake, NULL, &state), -EINVAL);
    ck_assert_ptr_null(state);

    plugin_unload(&lp);
}
END_TEST

/* The plugin's settings through the real settings services.  A settings
 * section is the libconfig group plugins.NAME (see settings.c). */
static int
configure_with(const struct mi_tunnel_ops *ops, const char *text, void **state)
{
    return testutil_configure(&ops->common, host_services(), text,
                              "plugins.good", state);
}

static void
assert_one_error_about(const char *what)
{
    const char *log = testutil_captured();

    ck_assert_msg(strstr(log, what), "no \"%s\" in: %s", what, log);
    ck_assert_ptr_eq(strchr(log, '\n'), log + strlen(log) - 1);
}

START_TEST(test_good_settings)
{
    struct loaded_plugin lp;
    void *state;

    ck_assert_int_eq(plugin_load_file(plugin("good"), &lp), 0);
    const struct mi_tunnel_ops *ops = lp.desc->ops.tunnel;

    ck_assert_int_eq(
        configure_with(ops, "plugins = { good = { answer = 7; }; };", &state),
        0);
    ck_assert_str_eq(testutil_captured(), "");
    ck_assert_uint_eq(ops->overhead(state), 7 + 8);
    ops->common.release(state);

    ck_assert_int_eq(configure_with(ops, "plugins = { good = {}; };", &state),
                     0);
    ck_assert_uint_eq(ops->overhead(state), 42 + 8);
    ops->common.release(state);

    /* Unknown keys and values out of range are refused, reported once. */
    ck_assert_int_eq(
        configure_with(ops, "plugins = { good = { colour = 1; }; };", &state),
        -EINVAL);
    ck_assert_ptr_null(state);
    assert_one_error_about("colour");
    ck_assert_int_eq(
        configure_with(ops, "plugins = { good = { answer = 5000; }; };",
                       &state),
        -EINVAL);
    ck_assert_ptr_null(state);
    assert_one_error_about("answer");

    plugin_unload(&lp);
}
END_TEST

START_TEST(test_refuse_badabi)
{
    const char *path = plugin("badabi");

    expect_refused(path, -ENOEXEC,
                   "%s: plugin ABI %d.x, this miniinet has ABI %d.%d and "
                   "loads %d.x only (rebuild the plugin against this "
                   "miniinet's plugin.h)",
                   path, MI_PLUGIN_ABI_MAJOR + 1, MI_PLUGIN_ABI_MAJOR,
                   MI_PLUGIN_ABI_MINOR, MI_PLUGIN_ABI_MAJOR);
}
END_TEST

/* The ABI policy (doc/plugins.md): a plugin built for the previous minor
 * loads and runs through the backend layer, without the later ops. */
START_TEST(test_older_minor_loads)
{
    struct active_plugin b = {.name = "oldminor"};
    char buf[64];

    testutil_capture_begin();
    ck_assert_int_eq(plugin_load_file(plugin("oldminor"), &b.loaded), 0);
    testutil_capture_end();
    ck_assert_str_eq(testutil_captured(), "");
    ck_assert_uint_eq(b.loaded.desc->abi_major, MI_PLUGIN_ABI_MAJOR);
    ck_assert_uint_eq(b.loaded.desc->abi_minor, 0); /* built for 4.0 */
    ck_assert_int_eq(plugin_configure(&b, host_services(), NULL), 0);

    /* Its 4.0 operations, through the wrappers. */
    ck_assert(backend_has(&b, RT_START_DAEMON));
    ck_assert_int_eq(rt_node_exists(&b, "here"), 1);
    ck_assert_int_eq(rt_node_exists(&b, "there"), 0);
    ck_assert_int_eq(rt_netns_path(&b, "r1", buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "/fake/r1");
    ck_assert_int_eq(rt_start_daemon(&b, "r1", "/nowhere", "zebra"), 0);
    const char *const argv[] = {"vtysh", NULL};
    ck_assert_int_eq(rt_run(&b, "r1", "/nowhere", argv, NULL), 5);

    /* Optional ones it lacks: absent, with their documented defaults. */
    ck_assert(!backend_has(&b, RT_STOP_NODE));
    ck_assert_int_eq(rt_stop_node(&b, "r1", "/nowhere"), 0);
    /* freeze_node came with minor 14: nothing frozen, down kills. */
    ck_assert(!backend_has(&b, RT_FREEZE_NODE));
    ck_assert_int_eq(rt_freeze_node(&b, "r1", "/nowhere"), 0);
    /* stop_frr came with minor 6: its default is stop_node's. */
    const char *const daemons[] = {"zebra", NULL};
    ck_assert(!backend_has(&b, RT_STOP_FRR));
    ck_assert_int_eq(rt_stop_frr(&b, "r1", "/nowhere", daemons), 0);
    ck_assert(!backend_has(&b, RT_PREPARE_FRR));
    /* run_bounded came with minor 7: run() instead, unbounded. */
    char *out = NULL;
    ck_assert(!backend_has(&b, RT_RUN_BOUNDED));
    ck_assert_int_eq(
        rt_run_bounded(&b, "r1", "/nowhere", argv, &out, 1000, 1 << 20), 5);
    ck_assert_ptr_null(out);
    /* describe_node came with minor 1: beyond its table, so absent. */
    ck_assert(!backend_has(&b, RT_DESCRIBE_NODE));
    ck_assert_int_eq(rt_describe_node(&b, "r1", "/nowhere", buf, sizeof buf),
                     -ENOTSUP);
    /* Another kind's operations are never there. */
    ck_assert(!backend_has(&b, TUN_BUILD));
    /* Built for 4.0: never handed the measurement host (since 4.5). */
    ck_assert(!backend_knows_measurement(b.loaded.desc));

    plugin_release(&b);
    plugin_unload(&b.loaded);
}
END_TEST

/* The management bridges of student access (ABI 4.11), the session's
 * gate (backend_mgmt_gate()) before any plugin sees such a plan: no
 * switch at all is refused; a switch without check_mgmt -- built before
 * it, its table ending earlier, or built for 4.11 and leaving it out --
 * is refused by a verb that builds and only warned about by one that
 * shows the plan, in words true of both; one with it is asked, and its
 * refusal stands for every verb. */
static int mgmt_calls, mgmt_answer;

static int
fake_check_mgmt(void *state, const struct mi_plan *plan)
{
    (void)state;
    (void)plan;
    mgmt_calls++;
    return mgmt_answer;
}

static unsigned gate_errors, gate_warnings;
static char gate_text[2048];

static void
gate_sink(enum mi_log_level level, const char *msg, void *aux)
{
    size_t n = strlen(gate_text);

    (void)aux;
    gate_errors += level == MI_LOG_ERROR;
    gate_warnings += level == MI_LOG_WARN;
    snprintf(gate_text + n, sizeof gate_text - n, "%s\n", msg);
}

/* The gate's answer for `sw`, its messages counted by level and their
 * text in gate_text. */
static enum backend_mgmt
gate(const struct active_plugin *sw, bool builds)
{
    const struct mi_plan plan = {.size = sizeof plan, .name = "n"};

    gate_errors = gate_warnings = 0;
    gate_text[0] = '\0';
    log_set_sink(gate_sink, NULL);
    enum backend_mgmt r = backend_mgmt_gate(sw, &plan, "t.cfg", builds);
    log_set_sink(NULL, NULL);
    return r;
}

/* put_files (ABI 4.12): a runtime without it -- built for 4.11, or for
 * 4.12 leaving it out -- cannot install student access, said naming the
 * file, the plugin, its path, version and ABI; one with it passes. */
static int
fake_put_files(void *state, const char *name, const char *dir,
               const struct mi_file *files, size_t n)
{
    (void)state, (void)name, (void)dir, (void)files, (void)n;
    return 0;
}

START_TEST(test_runtime_put_files)
{
    static const struct mi_runtime_ops old_ops = {
        .common = {.size = offsetof(struct mi_runtime_ops, put_files)},
        .put_files = fake_put_files, /* beyond its size: not there */
    };
    static const struct mi_runtime_ops none_ops = {
        .common = {.size = sizeof(struct mi_runtime_ops)},
    };
    static const struct mi_runtime_ops new_ops = {
        .common = {.size = sizeof(struct mi_runtime_ops)},
        .put_files = fake_put_files,
    };
    const struct mi_plugin old_desc = {
        .abi_major = MI_PLUGIN_ABI_MAJOR,
        .abi_minor = 11,
        .size = sizeof(struct mi_plugin),
        .kind = MI_PLUGIN_RUNTIME,
        .name = "oldrt",
        .version = "2.0",
        .ops.runtime = &old_ops,
    };
    struct mi_plugin none_desc = old_desc;
    none_desc.abi_minor = MI_PLUGIN_ABI_MINOR;
    none_desc.ops.runtime = &none_ops;
    struct mi_plugin new_desc = none_desc;
    new_desc.ops.runtime = &new_ops;
    struct active_plugin rt = {.name = "oldrt", .configured = true};
    rt.loaded.path = (char *)"/p/oldrt.so";

    const struct mi_plugin *without[] = {&old_desc, &none_desc};
    for (size_t i = 0; i < 2; i++) {
        rt.loaded.desc = without[i];
        gate_errors = 0;
        gate_text[0] = '\0';
        log_set_sink(gate_sink, NULL);
        ck_assert_int_eq(rt_check_put_files(&rt, "t.cfg"), -ENOTSUP);
        ck_assert_int_eq(rt_put_files(&rt, "n", "/d", NULL, 0), -ENOTSUP);
        log_set_sink(NULL, NULL);
        ck_assert_uint_eq(gate_errors, 2);
        char *what = xasprintf(
            "t.cfg: access: runtime plugin \"oldrt\" (/p/oldrt.so, version "
            "2.0, built for plugin ABI %d.%u) cannot install student access "
            "into its nodes (it has no put_files operation, plugin ABI "
            "%d.12); use a runtime that has it, or remove `access` from the "
            "file",
            MI_PLUGIN_ABI_MAJOR, (unsigned)without[i]->abi_minor,
            MI_PLUGIN_ABI_MAJOR);
        ck_assert_msg(strstr(gate_text, what), "%s", gate_text);
        free(what);
    }
    rt.loaded.desc = &new_desc;
    ck_assert_int_eq(rt_check_put_files(&rt, "t.cfg"), 0);
    ck_assert_int_eq(rt_put_files(&rt, "n", "/d", NULL, 0), 0);
}
END_TEST

START_TEST(test_switch_check_mgmt)
{
    static const struct mi_switch_ops old_ops = {
        .common = {.size = offsetof(struct mi_switch_ops, check_mgmt)},
        .check_mgmt = fake_check_mgmt, /* beyond its size: not there */
    };
    static const struct mi_switch_ops none_ops = {
        .common = {.size = sizeof(struct mi_switch_ops)},
    };
    static const struct mi_switch_ops new_ops = {
        .common = {.size = sizeof(struct mi_switch_ops)},
        .check_mgmt = fake_check_mgmt,
    };
    const struct mi_plugin old_desc = {
        .abi_major = MI_PLUGIN_ABI_MAJOR,
        .abi_minor = 10,
        .size = sizeof(struct mi_plugin),
        .kind = MI_PLUGIN_SWITCH,
        .name = "oldsw",
        .version = "1.2",
        .ops.switch_ = &old_ops,
    };
    struct mi_plugin none_desc = old_desc;
    none_desc.abi_minor = MI_PLUGIN_ABI_MINOR;
    none_desc.ops.switch_ = &none_ops;
    struct mi_plugin new_desc = none_desc;
    new_desc.ops.switch_ = &new_ops;
    struct active_plugin sw = {.name = "oldsw", .configured = true};
    sw.loaded.path = (char *)"/p/oldsw.so";

    /* No switch plugin: refused by every verb. */
    for (int builds = 0; builds < 2; builds++) {
        ck_assert_int_eq(gate(NULL, builds), MGMT_REFUSED);
        ck_assert_uint_eq(gate_errors, 1);
        ck_assert_ptr_nonnull(strstr(gate_text,
                                     "t.cfg: access: the management bridges "
                                     "of student access need a switch "
                                     "plugin, and none is loaded"));
    }

    /* Without check_mgmt, built for 4.10 or for 4.11. */
    const struct mi_plugin *without[] = {&old_desc, &none_desc};
    for (size_t i = 0; i < 2; i++) {
        sw.loaded.desc = without[i];
        ck_assert(!backend_has(&sw, SW_CHECK_MGMT));
        char *what = xasprintf(
            "t.cfg: access: switch plugin \"oldsw\" (/p/oldsw.so, version "
            "1.2, built for plugin ABI %d.%u) cannot build the management "
            "bridges of student access (it has no check_mgmt operation, "
            "plugin ABI %d.11); ",
            MI_PLUGIN_ABI_MAJOR, (unsigned)without[i]->abi_minor,
            MI_PLUGIN_ABI_MAJOR);
        ck_assert_int_eq(gate(&sw, true), MGMT_REFUSED);
        ck_assert_uint_eq(gate_errors, 1);
        ck_assert_uint_eq(gate_warnings, 0);
        ck_assert_ptr_nonnull(strstr(gate_text, what));
        ck_assert_ptr_null(strstr(gate_text, "upgrade"));
        ck_assert_int_eq(gate(&sw, false), MGMT_SHOW_ONLY);
        ck_assert_uint_eq(gate_errors, 0);
        ck_assert_uint_eq(gate_warnings, 1);
        ck_assert_ptr_nonnull(strstr(gate_text, what));
        ck_assert_ptr_nonnull(strstr(gate_text, "`up` and `validate` refuse"));
        free(what);
        ck_assert_int_eq(sw_check_mgmt(&sw, NULL), -ENOTSUP);
    }
    ck_assert_int_eq(mgmt_calls, 0);

    /* With it: asked, and what it says goes for every verb. */
    sw.loaded.desc = &new_desc;
    ck_assert(backend_has(&sw, SW_CHECK_MGMT));
    mgmt_answer = 0;
    ck_assert_int_eq(gate(&sw, true), MGMT_OK);
    ck_assert_uint_eq(gate_errors + gate_warnings, 0);
    ck_assert_int_eq(gate(&sw, false), MGMT_OK);
    mgmt_answer = -ENOTSUP;
    ck_assert_int_eq(gate(&sw, true), MGMT_REFUSED);
    ck_assert_int_eq(gate(&sw, false), MGMT_REFUSED);
    ck_assert_int_eq(mgmt_calls, 4);
    mgmt_answer = 0;
}
END_TEST

/* What a bounded run's failures say. */
START_TEST(test_run_failure_text)
{
    char buf[128];
    ck_assert_str_eq(rt_run_failure(-ETIMEDOUT, 5000, 10, buf, sizeof buf),
                     "did not answer within 5 s (killed)");
    ck_assert_str_eq(rt_run_failure(-ETIMEDOUT, 2500, 10, buf, sizeof buf),
                     "did not answer within 2.5 s (killed)");
    ck_assert_str_eq(rt_run_failure(-EFBIG, 5000, 4096, buf, sizeof buf),
                     "printed more than 4096 bytes (killed)");
    ck_assert_str_eq(rt_run_failure(-ECANCELED, 5000, 10, buf, sizeof buf),
                     "was killed by a signal");
    ck_assert_str_eq(rt_run_failure(-ENOENT, 5000, 10, buf, sizeof buf),
                     "could not be run: No such file or directory");
    ck_assert_str_eq(rt_run_failure(3, 5000, 10, buf, sizeof buf),
                     "exited with status 3");
}
END_TEST

/* A plugin built for a newer minor loads; the host ignores the tail of
 * its table that it does not know, and uses what it knows. */
START_TEST(test_newer_minor_loads)
{
    struct active_plugin b = {.name = "newminor"};
    char buf[64];

    ck_assert_int_eq(plugin_load_file(plugin("newminor"), &b.loaded), 0);
    ck_assert_uint_eq(b.loaded.desc->abi_minor, MI_PLUGIN_ABI_MINOR + 1);
    ck_assert(backend_knows_measurement(b.loaded.desc));
    ck_assert_uint_gt(b.loaded.desc->ops.common->size,
                      sizeof(struct mi_runtime_ops));
    ck_assert_int_eq(plugin_configure(&b, host_services(), NULL), 0);
    ck_assert(backend_has(&b, RT_DESCRIBE_NODE));
    ck_assert_int_eq(rt_describe_node(&b, "r1", "/nowhere", buf, sizeof buf),
                     0);
    ck_assert_str_eq(buf, "newminor:r1");
    ck_assert_int_eq(rt_start_daemon(&b, "r1", "/nowhere", "bgpd"), -ENOENT);
    plugin_release(&b);
    plugin_unload(&b.loaded);
}
END_TEST

/* A plugin without an operation its kind requires is refused at load,
 * naming the file and the operation. */
START_TEST(test_refuse_missing_op)
{
    const char *path = plugin("missingop");

    expect_refused(path, -EINVAL,
                   "%s: invalid descriptor: runtime plugin without the "
                   "required operation start_daemon",
                   path);
}
END_TEST

START_TEST(test_refuse_nosize)
{
    const char *path = plugin("nosize");

    expect_refused(path, -EINVAL,
                   "%s: invalid descriptor: its operations table gives size "
                   "0, too small to hold even configure: set .common = "
                   "{MI_OPS_SIZE(...), ...}",
                   path);
}
END_TEST

START_TEST(test_refuse_badkind)
{
    const char *path = plugin("badkind");

    expect_refused(path, -EINVAL,
                   "%s: invalid descriptor: kind 99 is not one of runtime "
                   "(1), switch (2) or tunnel (3)",
                   path);
}
END_TEST

START_TEST(test_refuse_nosymbol)
{
    const char *path = plugin("nosymbol");

    expect_refused(path, -ENOEXEC,
                   "%s: not a miniinet plugin (no 'miniinet_plugin' "
                   "descriptor)",
                   path);
}
END_TEST

START_TEST(test_refuse_undefined)
{
    const char *path = plugin("undefined");

    expect_refused(path, -ENOEXEC,
                   "%s: unresolved symbol miniinet_test_no_such_function (a "
                   "library or symbol it needs is missing; run 'ldd -r %s')",
                   path, path);
}
END_TEST

START_TEST(test_refuse_not_elf)
{
    /* Longer than an ELF header, so that the header itself is wrong. */
    char *path = put_text(dir_a, "x.so",
                          "This is a text file, not a shared object, "
                          "although its name ends in .so, as a careless "
                          "copy might leave it.\n");
    struct loaded_plugin lp;

    testutil_capture_begin();
    ck_assert_int_eq(plugin_load_file(path, &lp), -ENOEXEC);
    testutil_capture_end();

    /* The reason is glibc's ("invalid ELF header"), without the path it
     * repeats. */
    char *prefix = xasprintf("%s: not a loadable plugin: ", path);
    const char *msg = testutil_captured();
    ck_assert_msg(!strncmp(msg, prefix, strlen(prefix)), "got: %s", msg);
    const char *reason = msg + strlen(prefix);
    ck_assert_msg(strlen(reason) > 1 && !strstr(reason, path), "got: %s", msg);
    ck_assert_ptr_eq(strchr(msg, '\n'), msg + strlen(msg) - 1);
    free(prefix);
    free(path);
}
END_TEST

START_TEST(test_refuse_missing_and_dirs)
{
    char *path = xasprintf("%s/nothing.so", dir_a);

    expect_refused(path, -ENOENT,
                   "%s: cannot read plugin: No such file or directory", path);
    expect_refused(dir_a, -ENOEXEC,
                   "%s: not a loadable plugin: not a regular file", dir_a);
    free(path);
}
END_TEST

/* Root dlopen()s plugins: a file or directory someone else can write is
 * refused, naming what to fix; put right, the same file loads. */
START_TEST(test_refuse_writable)
{
    char dir[] = "/tmp/miniinet-perm-XXXXXX";
    struct loaded_plugin lp;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(chmod(dir, 0755), 0);
    char *path = put_copy(dir, "good.so", "good");
    ck_assert_int_eq(chmod(path, 0644), 0);

    ck_assert_int_eq(chmod(path, 0646), 0);
    expect_refused(path, -EPERM,
                   "%s: refused: %s is writable by others (mode 0646; run "
                   "'chmod go-w %s')",
                   path, path, path);
    ck_assert_int_eq(chmod(path, 0664), 0);
    expect_refused(path, -EPERM,
                   "%s: refused: %s is writable by its group (mode 0664; run "
                   "'chmod go-w %s')",
                   path, path, path);
    ck_assert_int_eq(chmod(path, 0644), 0);

    ck_assert_int_eq(chmod(dir, 0757), 0);
    expect_refused(path, -EPERM,
                   "%s: refused: directory %s is writable by others (mode "
                   "0757; run 'chmod go-w %s')",
                   path, dir, dir);
    /* Sticky like /tmp: anyone may still add a file. */
    ck_assert_int_eq(chmod(dir, 01777), 0);
    expect_refused(path, -EPERM,
                   "%s: refused: directory %s is writable by others (mode "
                   "1777; run 'chmod go-w %s')",
                   path, dir, dir);

    /* A safe symlink to a file in a writable directory: the target's
     * directory is checked too. */
    char *link = xasprintf("%s/link.so", dir_a);
    ck_assert_int_eq(symlink(path, link), 0);
    expect_refused(link, -EPERM,
                   "%s: refused: directory %s is writable by others (mode "
                   "1777; run 'chmod go-w %s')",
                   link, dir, dir);

    ck_assert_int_eq(chmod(dir, 0755), 0);
    ck_assert_int_eq(plugin_load_file(path, &lp), 0);
    plugin_unload(&lp);
    ck_assert_int_eq(plugin_load_file(link, &lp), 0);
    plugin_unload(&lp);

    if (geteuid() == 0) {
        /* Not root's and not the caller's. */
        ck_assert_int_eq(chown(path, 65534, 0), 0);
        expect_refused(path, -EPERM,
                       "%s: refused: %s is owned by uid 65534, not by root "
                       "(run 'chown root %s' or install the plugin "
                       "elsewhere)",
                       path, path, path);
    }

    unlink(link);
    unlink(path);
    rmdir(dir);
    free(link);
    free(path);
}
END_TEST

START_TEST(test_relative_path)
{
    /* A name without a slash is a file here, not a library that dlopen()
     * looks up in its search path. */
    int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct loaded_plugin lp;

    free(put_copy(dir_a, "good.so", "good"));
    ck_assert_int_ge(cwd, 0);
    ck_assert_int_eq(chdir(dir_a), 0);
    int error = plugin_load_file("good.so", &lp);
    ck_assert_int_eq(fchdir(cwd), 0);
    close(cwd);

    ck_assert_int_eq(error, 0);
    ck_assert_str_eq(lp.path, "good.so");
    ck_assert_str_eq(lp.desc->name, "good");
    plugin_unload(&lp);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Search path and loading by name                                          */
/* ------------------------------------------------------------------------ */

static void
assert_dirs(const struct plugin_path *p, const char *const *expected, size_t n)
{
    ck_assert_uint_eq(p->n_dirs, n);
    for (size_t i = 0; i < n; i++) {
        ck_assert_str_eq(p->dirs[i], expected[i]);
    }
}

START_TEST(test_path_init)
{
    struct plugin_path p;

    char *cli[] = {"/x/a", "/x/b/", "/x/a", ""};
    setenv("MINIINET_PLUGIN_PATH", ":/x/c::/x/b:/x/d//:", 1);
    plugin_path_init(&p, cli, ARRAY_SIZE(cli));
    const char *const all[] = {"/x/a", "/x/b", "/x/c", "/x/d", MI_PLUGINSDIR};
    assert_dirs(&p, all, ARRAY_SIZE(all));
    plugin_path_destroy(&p);
    ck_assert_ptr_null(p.dirs);
    ck_assert_uint_eq(p.n_dirs, 0);

    unsetenv("MINIINET_PLUGIN_PATH");
    plugin_path_init(&p, NULL, 0);
    const char *const installed[] = {MI_PLUGINSDIR};
    assert_dirs(&p, installed, 1);
    plugin_path_destroy(&p);

    char *cli2[] = {MI_PLUGINSDIR "/", "/x/e"};
    setenv("MINIINET_PLUGIN_PATH", "/x/e", 1);
    plugin_path_init(&p, cli2, ARRAY_SIZE(cli2));
    const char *const dedup[] = {MI_PLUGINSDIR, "/x/e"};
    assert_dirs(&p, dedup, 2);
    plugin_path_destroy(&p);
}
END_TEST

/* Loads `name` with --plugin-dir `cli` (may be NULL) and the environment
 * `env` (NULL: unset); returns the error and the path loaded in *pathp. */
static int
load_with(const char *cli, const char *env, const char *name,
          enum mi_plugin_kind kind, char **pathp)
{
    char *cli_dirs[] = {(char *)cli};
    struct plugin_path p;
    struct loaded_plugin lp;

    if (env) {
        setenv("MINIINET_PLUGIN_PATH", env, 1);
    } else {
        unsetenv("MINIINET_PLUGIN_PATH");
    }
    plugin_path_init(&p, cli_dirs, cli ? 1 : 0);
    int error = plugin_load_name(&p, name, kind, &lp);
    plugin_path_destroy(&p);

    *pathp = NULL;
    if (!error) {
        ck_assert_str_eq(lp.desc->name, name);
        *pathp = xstrdup(lp.path);
        plugin_unload(&lp);
    } else {
        ck_assert_ptr_null(lp.desc);
    }
    return error;
}

START_TEST(test_search_order)
{
    char *in_a = put_symlink(dir_a, "good.so", "good");
    char *in_b = put_copy(dir_b, "good.so", "good");
    char *env_ab = xasprintf("%s:%s", dir_a, dir_b);
    char *env_b_a = xasprintf("::%s::%s:", dir_b, dir_a);
    char *path;

    /* --plugin-dir comes before MINIINET_PLUGIN_PATH. */
    ck_assert_int_eq(load_with(dir_a, dir_b, "good", 0, &path), 0);
    ck_assert_str_eq(path, in_a);
    free(path);
    ck_assert_int_eq(load_with(dir_b, dir_a, "good", 0, &path), 0);
    ck_assert_str_eq(path, in_b);
    free(path);

    /* Within the environment, in order. */
    ck_assert_int_eq(load_with(NULL, env_ab, "good", MI_PLUGIN_TUNNEL, &path),
                     0);
    ck_assert_str_eq(path, in_a);
    free(path);
    ck_assert_int_eq(load_with(NULL, env_b_a, "good", 0, &path), 0);
    ck_assert_str_eq(path, in_b);
    free(path);

    free(env_b_a);
    free(env_ab);
    free(in_b);
    free(in_a);
}
END_TEST

START_TEST(test_broken_first_file_wins)
{
    /* A broken plugin hides a good one further down the path: the user
     * must see the problem, not a surprise version. */
    char *in_a = put_copy(dir_a, "good.so", "badabi");
    char *in_b = put_symlink(dir_b, "good.so", "good");
    char *path;

    testutil_capture_begin();
    ck_assert_int_eq(load_with(dir_a, dir_b, "good", 0, &path), -ENOEXEC);
    testutil_capture_end();
    expect_message("%s: plugin ABI %d.x, this miniinet has ABI %d.%d and "
                   "loads %d.x only (rebuild the plugin against this "
                   "miniinet's plugin.h)",
                   in_a, MI_PLUGIN_ABI_MAJOR + 1, MI_PLUGIN_ABI_MAJOR,
                   MI_PLUGIN_ABI_MINOR, MI_PLUGIN_ABI_MAJOR);

    /* Even a dangling link. */
    ck_assert_int_eq(unlink(in_a), 0);
    ck_assert_int_eq(symlink("/nonexistent/good.so", in_a), 0);
    testutil_capture_begin();
    ck_assert_int_eq(load_with(dir_a, dir_b, "good", 0, &path), -ENOENT);
    testutil_capture_end();
    expect_message("%s: cannot read plugin: No such file or directory", in_a);

    free(in_b);
    free(in_a);
}
END_TEST

START_TEST(test_kind_mismatch)
{
    char *in_a = put_symlink(dir_a, "good.so", "good");
    char *path;

    testutil_capture_begin();
    ck_assert_int_eq(load_with(dir_a, NULL, "good", MI_PLUGIN_SWITCH, &path),
                     -EINVAL);
    testutil_capture_end();
    expect_message("%s: plugin 'good' is a tunnel plugin, not a switch plugin",
                   in_a);

    testutil_capture_begin();
    ck_assert_int_eq(load_with(dir_a, NULL, "good", MI_PLUGIN_RUNTIME, &path),
                     -EINVAL);
    testutil_capture_end();
    expect_message("%s: plugin 'good' is a tunnel plugin, not a runtime "
                   "plugin",
                   in_a);

    ck_assert_int_eq(load_with(dir_a, NULL, "good", MI_PLUGIN_TUNNEL, &path),
                     0);
    free(path);
    free(in_a);
}
END_TEST

START_TEST(test_name_mismatch)
{
    char *in_a = put_copy(dir_a, "other.so", "good");
    char *path;

    testutil_capture_begin();
    ck_assert_int_eq(load_with(dir_a, NULL, "other", 0, &path), -EINVAL);
    testutil_capture_end();
    expect_message("%s: the descriptor names plugin 'good', not 'other' "
                   "(rename the file to good.so or fix the descriptor)",
                   in_a);
    free(in_a);
}
END_TEST

START_TEST(test_not_found)
{
    char *path;

    testutil_capture_begin();
    ck_assert_int_eq(load_with(dir_a, dir_b, "nosuch", 0, &path), -ENOENT);
    testutil_capture_end();
    expect_message("no plugin named 'nosuch' (searched: %s, %s, %s); see "
                   "'miniinet plugins'",
                   dir_a, dir_b, MI_PLUGINSDIR);
}
END_TEST

START_TEST(test_invalid_name)
{
    static const char *const names[] = {
        "../good", "Good",
        "",        "a/b",
        "good.so", "abcdefghijklmnopqrstuvwxyz0123456", /* 33 characters */
    };
    char *path;

    free(put_symlink(dir_a, "Good.so", "good"));
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        testutil_capture_begin();
        ck_assert_int_eq(load_with(dir_a, NULL, names[i], 0, &path), -EINVAL);
        testutil_capture_end();
        expect_message("invalid plugin name '%s' (1 to 32 characters of a-z, "
                       "0-9, '_' and '-')",
                       names[i]);
    }
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Scanning                                                                 */
/* ------------------------------------------------------------------------ */

struct visits {
    char text[4096];
};

static void
visit(const char *path, const struct loaded_plugin *lp, void *visits_)
{
    struct visits *v = visits_;
    size_t len = strlen(v->text);

    if (lp->desc) {
        ck_assert_str_eq(lp->path, path);
        ck_assert_ptr_nonnull(lp->handle);
    } else {
        ck_assert_ptr_null(lp->path);
        ck_assert_ptr_null(lp->handle);
    }
    snprintf(v->text + len, sizeof v->text - len, "%s %s\n", path,
             lp->desc ? lp->desc->name : "-");
}

START_TEST(test_scan)
{
    char *dirs[] = {dir_a, "/nonexistent/miniinet-plugins", dir_b};
    struct plugin_path p = {dirs, ARRAY_SIZE(dirs)};
    struct visits v = {""};
    char sub[128];

    /* Created in an order unlike the name order. */
    free(put_copy(dir_a, "zz.so", "badabi"));
    free(put_text(dir_a, "notes.txt", "not a plugin"));
    free(put_symlink(dir_a, "good.so", "good"));
    free(put_symlink(dir_a, "so", "good"));
    snprintf(sub, sizeof sub, "%s/dir.so", dir_a);
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    free(put_copy(dir_b, "nosymbol.so", "nosymbol"));
    free(put_copy(dir_b, "good.so", "good"));
    free(put_text(dir_b, "aa.so", "text"));
    free(put_copy(dir_b, "badkind.so", "badkind"));

    testutil_capture_begin();
    ck_assert_uint_eq(plugin_scan(&p, visit, &v), 6);
    testutil_capture_end();

    char *expected = xasprintf("%s/dir.so -\n"
                               "%s/good.so good\n"
                               "%s/zz.so -\n"
                               "%s/aa.so -\n"
                               "%s/badkind.so -\n"
                               "%s/nosymbol.so -\n",
                               dir_a, dir_a, dir_a, dir_b, dir_b, dir_b);
    ck_assert_str_eq(v.text, expected);
    free(expected);

    /* Each failure reported once, naming its file. */
    const char *log = testutil_captured();
    static const char *const reported[] = {
        "%s/dir.so: not a loadable plugin: not a regular file\n",
        "%s/zz.so: plugin ABI ",
        "%s/aa.so: not a loadable plugin: ",
        "%s/badkind.so: invalid descriptor: kind 99",
        "%s/nosymbol.so: not a miniinet plugin",
    };
    for (size_t i = 0; i < ARRAY_SIZE(reported); i++) {
        char *line = xasprintf(reported[i], i < 2 ? dir_a : dir_b);
        ck_assert_msg(strstr(log, line), "missing \"%s\" in:\n%s", line, log);
        free(line);
    }
    size_t n_lines = 0;
    for (const char *c = log; *c; c++) {
        n_lines += *c == '\n';
    }
    ck_assert_uint_eq(n_lines, ARRAY_SIZE(reported));
}
END_TEST

START_TEST(test_scan_empty)
{
    char *dirs[] = {"/nonexistent/miniinet-plugins", dir_a};
    struct plugin_path p = {dirs, ARRAY_SIZE(dirs)};
    struct visits v = {""};

    testutil_capture_begin();
    ck_assert_uint_eq(plugin_scan(&p, visit, &v), 0);
    testutil_capture_end();
    ck_assert_str_eq(v.text, "");
    ck_assert_str_eq(testutil_captured(), "");
}
END_TEST

START_TEST(test_kind_names)
{
    static const enum mi_plugin_kind kinds[] = {
        MI_PLUGIN_RUNTIME,
        MI_PLUGIN_SWITCH,
        MI_PLUGIN_TUNNEL,
    };
    static const char *const names[] = {"runtime", "switch", "tunnel"};

    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
        ck_assert_str_eq(plugin_kind_name(kinds[i]), names[i]);
        ck_assert_int_eq(plugin_kind_from_name(names[i]), kinds[i]);
    }
    ck_assert_str_eq(plugin_kind_name((enum mi_plugin_kind)0), "unknown");
    ck_assert_int_eq(plugin_kind_from_name("Tunnel"), 0);
    ck_assert_int_eq(plugin_kind_from_name(""), 0);
    ck_assert_int_eq(plugin_kind_from_name(NULL), 0);
}
END_TEST

static Suite *
loader_suite(void)
{
    Suite *s = suite_create("loader");

    TCase *tc = tcase_create("load_file");
    tcase_add_unchecked_fixture(tc, setup_dirs, teardown_dirs);
    tcase_add_checked_fixture(tc, setup_test, NULL);
    tcase_add_test(tc, test_good_descriptor);
    tcase_add_test(tc, test_good_lifecycle);
    tcase_add_test(tc, test_good_uses_host);
    tcase_add_test(tc, test_good_settings);
    tcase_add_test(tc, test_refuse_badabi);
    tcase_add_test(tc, test_older_minor_loads);
    tcase_add_test(tc, test_run_failure_text);
    tcase_add_test(tc, test_switch_check_mgmt);
    tcase_add_test(tc, test_runtime_put_files);
    tcase_add_test(tc, test_newer_minor_loads);
    tcase_add_test(tc, test_refuse_missing_op);
    tcase_add_test(tc, test_refuse_nosize);
    tcase_add_test(tc, test_refuse_badkind);
    tcase_add_test(tc, test_refuse_nosymbol);
    tcase_add_test(tc, test_refuse_undefined);
    tcase_add_test(tc, test_refuse_not_elf);
    tcase_add_test(tc, test_refuse_missing_and_dirs);
    tcase_add_test(tc, test_relative_path);
    tcase_add_test(tc, test_refuse_writable);
    suite_add_tcase(s, tc);

    tc = tcase_create("search");
    tcase_add_unchecked_fixture(tc, setup_dirs, teardown_dirs);
    tcase_add_checked_fixture(tc, setup_test, NULL);
    tcase_add_test(tc, test_path_init);
    tcase_add_test(tc, test_search_order);
    tcase_add_test(tc, test_broken_first_file_wins);
    tcase_add_test(tc, test_kind_mismatch);
    tcase_add_test(tc, test_name_mismatch);
    tcase_add_test(tc, test_not_found);
    tcase_add_test(tc, test_invalid_name);
    tcase_add_test(tc, test_scan);
    tcase_add_test(tc, test_scan_empty);
    tcase_add_test(tc, test_kind_names);
    suite_add_tcase(s, tc);

    return s;
}

int
main(void)
{
    return testutil_run(loader_suite());
}
