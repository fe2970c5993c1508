#include "config.h"

#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libconfig.h>

#include "log.h"
#include "plan.h"
#include "topology.h"
#include "util.h"

static char *captured;
static size_t captured_len;

static void
capture_sink(enum mi_log_level level, const char *msg, void *aux)
{
    size_t n = strlen(msg);

    captured = xrealloc(captured, captured_len + n + 2);
    memcpy(captured + captured_len, msg, n);
    captured_len += n;
    captured[captured_len++] = '\n';
    captured[captured_len] = '\0';
}

void
testutil_capture_begin(void)
{
    free(captured);
    captured = xstrdup("");
    captured_len = 0;
    log_set_sink(capture_sink, NULL);
}

const char *
testutil_captured(void)
{
    return captured ? captured : "";
}

void
testutil_capture_end(void)
{
    log_set_sink(NULL, NULL);
}

static const char *
path_in(const char *env, const char *relative)
{
    static char buf[PATH_MAX];
    const char *dir = getenv(env);

    snprintf(buf, sizeof buf, "%s/%s", dir && *dir ? dir : ".", relative);
    return buf;
}

const char *
testutil_srcpath(const char *relative)
{
    return path_in("MINIINET_TEST_SRCDIR", relative);
}

struct plan *
testutil_plan_file(const char *relative)
{
    struct topology *t = NULL;
    struct plan *p = NULL;
    const struct plan_params params = {.tunnel_overhead = 50};

    testutil_capture_begin();
    int error = topology_load(testutil_srcpath(relative), &t);
    if (!error) {
        error = plan_compute(t, &params, &p);
    }
    testutil_capture_end();
    ck_assert_msg(!error, "%s: %d: %s", relative, error, testutil_captured());
    topology_free(t);
    return p;
}

const char *
testutil_buildpath(const char *relative)
{
    return path_in("MINIINET_TEST_BUILDDIR", relative);
}

/* Temporary files live in one directory per test program, made and removed
 * by the parent process: Check runs each test in a forked child, which may
 * die before any teardown of its own. */
static char *temp_dir;
static unsigned temp_serial;
static char **temp_files;
static size_t n_temp_files;

char *
testutil_write_temp(const char *text, const char *suffix)
{
    ck_assert_ptr_nonnull(temp_dir);
    char *path = xasprintf("%s/%d-%u%s", temp_dir, (int)getpid(),
                           temp_serial++, suffix);
    FILE *f = fopen(path, "w");

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fputs(text, f) >= 0, 1);
    ck_assert_int_eq(fclose(f), 0);
    temp_files = xrealloc(temp_files, (n_temp_files + 1) * sizeof *temp_files);
    temp_files[n_temp_files++] = path;
    return path;
}

void
testutil_cleanup_files(void)
{
    for (size_t i = 0; i < n_temp_files; i++) {
        unlink(temp_files[i]);
        free(temp_files[i]);
    }
    free(temp_files);
    temp_files = NULL;
    n_temp_files = 0;
}

static void
remove_temp_dir(void)
{
    testutil_cleanup_files();
    DIR *dir = opendir(temp_dir);
    struct dirent *de;

    while (dir && (de = readdir(dir))) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            char *path = xasprintf("%s/%s", temp_dir, de->d_name);
            unlink(path);
            free(path);
        }
    }
    if (dir) {
        closedir(dir);
    }
    rmdir(temp_dir);
    free(temp_dir);
    temp_dir = NULL;
}

bool
testutil_is_root(void)
{
    return geteuid() == 0;
}

bool
testutil_sshd_ready(void)
{
    struct stat st;

    if (geteuid() == 0 && mkdir("/run/sshd", 0755) < 0 && errno != EEXIST) {
        return false;
    }
    return stat("/run/sshd", &st) == 0 && S_ISDIR(st.st_mode);
}

int
testutil_run(Suite *suite)
{
    SRunner *runner = srunner_create(suite);

    temp_dir = xstrdup("/tmp/miniinet-test-XXXXXX");
    if (!mkdtemp(temp_dir)) {
        perror("mkdtemp");
        return EXIT_FAILURE;
    }
    srunner_run_all(runner, CK_ENV);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    remove_temp_dir();
    free(captured);
    captured = NULL;
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

int
testutil_configure(const struct mi_common_ops *ops, const struct mi_host *host,
                   const char *text, const char *section, void **state)
{
    config_t cfg;
    const config_setting_t *group = NULL;

    config_init(&cfg);
    if (text) {
        ck_assert_msg(config_read_string(&cfg, text), "%s: %s", text,
                      config_error_text(&cfg));
        group = config_lookup(&cfg, section);
        ck_assert_msg(group != NULL, "no %s in: %s", section, text);
    }
    *state = NULL;
    testutil_capture_begin();
    int error = ops->configure(host, (const struct mi_settings *)group, state);
    testutil_capture_end();
    config_destroy(&cfg);
    return error;
}
