/* The netns runtime plugin (plugins/netns) against the real kernel and FRR.
 * Needs root, and FRR for the FRR tests; skipped otherwise, saying so.
 *
 * Nodes are called mt<pid>_<n> after the test runner's pid, so that runs in
 * parallel never meet, and a cleanup that destroys all of them runs before
 * and after each test and once more in the runner itself: Check's forked
 * children skip their teardown when a test fails.
 *
 * With MINIINET_NETNS_BENCH=N in the environment, a benchmark creates and
 * destroys N namespaces (sequentially and from 2 threads) and starts FRR in
 * N/50 routers, printing the times as TAP comments. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include "../plugins/common/nodelimits.h"
#include "backend.h"
#include "host.h"
#include "loader.h"
#include "log.h"
#include "testutil.h"
#include "util.h"

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})
#define N_NODES 8
#define FRR_DIR "/usr/lib/frr"

static struct loaded_plugin lp;
static const struct mi_runtime_ops *ops;
static void *state;

static char base[64];           /* node directories: base/<name> */
static char names[N_NODES][16]; /* mt<pid>_<n> */
static char dirs[N_NODES][96];  /* base/<name> */
static struct mi_node nodes[N_NODES];
static struct mi_plan plan;
static char killme[128]; /* pids the cleanup kills, one a line */

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
remove_tree(const char *path)
{
    DIR *d = opendir(path);

    if (d) {
        const struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") != 0 &&
                strcmp(de->d_name, "..") != 0) {
                char *sub = xasprintf("%s/%s", path, de->d_name);
                remove_tree(sub);
                free(sub);
            }
        }
        closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* The node's namespace inode, 0 if there is none. */
static ino_t
node_ino(const char *name)
{
    char path[PATH_MAX];
    struct stat st;

    snprintf(path, sizeof path, "/run/netns/%s", name);
    return stat(path, &st) == 0 ? st.st_ino : 0;
}

/* True if a line of /proc/PID/mountinfo (process `pid`'s view of the
 * file system) contains `part`. */
static bool
mountinfo_has(pid_t pid, const char *part)
{
    char file[64], line[4096];
    bool found = false;

    snprintf(file, sizeof file, "/proc/%d/mountinfo", (int)pid);
    FILE *f = fopen(file, "r");
    ck_assert_msg(f, "%s: %s", file, strerror(errno));
    while (!found && fgets(line, sizeof line, f)) {
        found = strstr(line, part) != NULL;
    }
    fclose(f);
    return found;
}

/* True if `path` is a mount point in process `pid`'s view. */
static bool
has_mount_point(pid_t pid, const char *path)
{
    char *part = xasprintf(" %s ", path);
    bool found = mountinfo_has(pid, part);

    free(part);
    return found;
}

/* FRR's run directory, as the host sees it: what of it a test may see
 * change.  `gr` is ospfd's file of graceful restart state, written there
 * whatever the daemons' pathspace. */
struct host_frr {
    bool exists;
    struct stat gr;
    bool gr_exists;
};

static void
host_frr_look(struct host_frr *h)
{
    struct stat st;

    memset(h, 0, sizeof *h);
    h->exists = stat("/var/run/frr", &st) == 0;
    h->gr_exists = stat("/var/run/frr/ospfd-gr.json", &h->gr) == 0;
}

/* The host's FRR directory has no trace of node `name`, and ospfd's file
 * there is as it was in `before` (absent, or the same file unchanged). */
static void
host_frr_untouched(const struct host_frr *before, const char *name)
{
    struct host_frr now;
    char path[PATH_MAX];

    host_frr_look(&now);
    snprintf(path, sizeof path, "/var/run/frr/%s", name);
    ck_assert_msg(access(path, F_OK) < 0, "%s exists", path);
    ck_assert_int_eq(now.gr_exists, before->gr_exists);
    if (now.gr_exists) {
        ck_assert_uint_eq(now.gr.st_ino, before->gr.st_ino);
        ck_assert_int_eq(now.gr.st_mtim.tv_sec, before->gr.st_mtim.tv_sec);
        ck_assert_int_eq(now.gr.st_mtim.tv_nsec, before->gr.st_mtim.tv_nsec);
    }
}

/* True if process `pid` exists and is in the namespace `ino` (a zombie is
 * in none: it is gone for our purposes). */
static bool
pid_in_ns(pid_t pid, ino_t ino)
{
    char path[64];
    struct stat st;

    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
    return stat(path, &st) == 0 && st.st_ino == ino;
}

/* True if process `pid` is running (not a zombie). */
static bool
pid_alive(pid_t pid)
{
    char path[64];
    struct stat st;

    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
    return stat(path, &st) == 0;
}

static pid_t
read_pid(const char *path)
{
    FILE *f = fopen(path, "r");
    int pid = 0;

    ck_assert_msg(f, "%s: %s", path, strerror(errno));
    ck_assert_int_eq(fscanf(f, "%d", &pid), 1);
    fclose(f);
    return pid;
}

/* Whether process `pid`'s command line has the argument `word`, followed
 * by `next` unless that is NULL. */
static bool
cmdline_has(pid_t pid, const char *word, const char *next)
{
    char path[64], cmdline[4096];

    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f, "%s: %s", path, strerror(errno));
    size_t n = fread(cmdline, 1, sizeof cmdline - 1, f);
    fclose(f);
    cmdline[n] = '\0';
    for (size_t i = 0; i < n; i += strlen(cmdline + i) + 1) {
        const char *after = cmdline + i + strlen(cmdline + i) + 1;
        if (!strcmp(cmdline + i, word) &&
            (!next || (after < cmdline + n && !strcmp(after, next)))) {
            return true;
        }
    }
    return false;
}

/* Whether this test runs under valgrind (its preloaded library). */
static bool
under_valgrind(void)
{
    const char *preload = getenv("LD_PRELOAD");

    return preload && strstr(preload, "vgpreload");
}

/* Whether the unix socket at `path` accepts a connection. */
static bool
unix_connects(const char *path)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool ok = fd >= 0 && strlen(path) < sizeof sun.sun_path;

    if (ok) {
        memcpy(sun.sun_path, path, strlen(path) + 1);
        ok = connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0;
    }
    if (fd >= 0) {
        close(fd);
    }
    return ok;
}

/* Process `pid`'s soft limit of open files, or -1. */
static long
soft_nofile(pid_t pid)
{
    char path[64], line[256];
    long soft = -1;

    snprintf(path, sizeof path, "/proc/%d/limits", (int)pid);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f, "%s: %s", path, strerror(errno));
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "Max open files %ld", &soft) == 1) {
            break;
        }
    }
    fclose(f);
    return soft;
}

static void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    ck_assert_msg(f, "%s: %s", path, strerror(errno));
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

/* Remembers a pid for the cleanup, in case the test fails before it kills
 * the process itself. */
static void
kill_later(pid_t pid)
{
    FILE *f = fopen(killme, "a");

    ck_assert_ptr_nonnull(f);
    fprintf(f, "%d\n", (int)pid);
    fclose(f);
}

/* Starts `sleep 30` in the root namespace, or in node `name`. */
static pid_t
start_sleep(const char *name)
{
    int fd = -1;

    if (name) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "/run/netns/%s", name);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
    }
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (fd >= 0 && setns(fd, CLONE_NEWNET) < 0) {
            _exit(126);
        }
        execlp("sleep", "sleep", "30", (char *)NULL);
        _exit(127);
    }
    if (fd >= 0) {
        close(fd);
    }
    kill_later(pid);
    return pid;
}

/* Destroys every test node and kills every remembered process.  Quiet:
 * there is usually nothing to do. */
static void
cleanup_nodes(void)
{
    int verbosity = log_get_verbosity();

    log_set_verbosity(0);
    for (size_t i = 0; i < N_NODES; i++) {
        ops->destroy_node(state, names[i], dirs[i]);
        remove_tree(dirs[i]);
    }
    log_set_verbosity(verbosity);

    FILE *f = fopen(killme, "r");
    int pid;
    while (f && fscanf(f, "%d", &pid) == 1) {
        if (pid > 1) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, WNOHANG);
        }
    }
    if (f) {
        fclose(f);
    }
    unlink(killme);
}

/* ------------------------------------------------------------------------ */
/* Fixtures                                                                 */
/* ------------------------------------------------------------------------ */

static const char *
plugin_file(void)
{
    static char path[PATH_MAX];
    const char *env = getenv("MINIINET_TEST_NETNS_PLUGIN");

    snprintf(path, sizeof path, "%s",
             env && *env ? env
                         : testutil_buildpath("plugins/netns/.libs/netns.so"));
    return path;
}

/* The plugin as the core sees it: FRR is started by the host's sequence
 * (rt_start_frr) through the plugin's primitives. */
static const struct active_plugin *
netns_backend(void)
{
    static struct active_plugin b;

    b = (struct active_plugin){.name = "netns", .loaded = lp, .state = state};
    return &b;
}

/* Unchecked: runs in the runner, once per test case. */
static void
setup_runner(void)
{
    if (plugin_load_file(plugin_file(), &lp) != 0) {
        fprintf(stderr, "cannot load %s (build the plugin first)\n",
                plugin_file());
        abort();
    }
    ops = lp.desc->ops.runtime;
    if (ops->common.configure(host_services(), NULL, &state) != 0) {
        abort();
    }

    /* The FRR daemons run as user frr and write into the node directories:
     * they must be able to enter `base`. */
    strcpy(base, "/tmp/miniinet-netns-XXXXXX");
    if (!mkdtemp(base) || chmod(base, 0755) < 0) {
        perror(base);
        abort();
    }
    snprintf(killme, sizeof killme, "%s/killme", base);
    for (size_t i = 0; i < N_NODES; i++) {
        snprintf(names[i], sizeof names[i], "mt%d_%u", (int)getpid(),
                 (unsigned)i);
        snprintf(dirs[i], sizeof dirs[i], "%s/%s", base, names[i]);
        nodes[i] =
            (struct mi_node){.name = names[i],
                             .kind = i % 2 ? MI_NODE_HOST : MI_NODE_ROUTER,
                             .asn = 1,
                             .label = "X"};
    }
    plan = (struct mi_plan){.size = sizeof plan,
                            .name = "netns-test",
                            .nodes = nodes,
                            .n_nodes = N_NODES};
}

static void
teardown_runner(void)
{
    cleanup_nodes();
    remove_tree(base);
    ops->common.release(state);
    plugin_unload(&lp);
}

/* Checked: around each test (after a failure only without fork). */
static void
setup_test(void)
{
    cleanup_nodes();
    for (size_t i = 0; i < N_NODES; i++) {
        ck_assert_int_eq(mkdir(dirs[i], 0755), 0);
    }
}

/* ------------------------------------------------------------------------ */
/* Nodes                                                                    */
/* ------------------------------------------------------------------------ */

START_TEST(test_create_destroy)
{
    char path[64], expected[64];
    struct statfs sfs;

    snprintf(expected, sizeof expected, "/run/netns/%s", names[0]);
    testutil_capture_begin();
    ck_assert_int_eq(ops->node_exists(state, names[0]), 0);
    ck_assert_int_eq(ops->netns_path(state, names[0], path, sizeof path),
                     -ENOENT);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "does not exist"));

    ck_assert_int_eq(ops->create_node(state, &plan, 0, dirs[0]), 0);
    ck_assert_int_eq(ops->node_exists(state, names[0]), 1);
    ck_assert_int_eq(ops->netns_path(state, names[0], path, sizeof path), 0);
    ck_assert_str_eq(path, expected);
    ck_assert_int_eq(statfs(path, &sfs), 0);
    ck_assert(sfs.f_type == NSFS_MAGIC);
    testutil_capture_begin();
    ck_assert_int_eq(ops->netns_path(state, names[0], path, 8), -ENAMETOOLONG);
    testutil_capture_end();

    /* The other nodes are untouched. */
    ck_assert_int_eq(ops->node_exists(state, names[1]), 0);

    ck_assert_int_eq(ops->destroy_node(state, names[0], dirs[0]), 0);
    ck_assert_int_eq(ops->node_exists(state, names[0]), 0);
    ck_assert_int_eq(access(expected, F_OK), -1);
    ck_assert_int_eq(ops->destroy_node(state, names[0], dirs[0]), 0);

    /* And the name can be used again. */
    ck_assert_int_eq(ops->create_node(state, &plan, 0, dirs[0]), 0);
    ck_assert_int_eq(ops->destroy_node(state, names[0], dirs[0]), 0);
}
END_TEST

START_TEST(test_create_twice)
{
    ck_assert_int_eq(ops->create_node(state, &plan, 1, dirs[1]), 0);
    ino_t ino = node_ino(names[1]);
    ck_assert_uint_ne(ino, 0);

    testutil_capture_begin();
    ck_assert_int_eq(ops->create_node(state, &plan, 1, dirs[1]), -EEXIST);
    testutil_capture_end();
    ck_assert_msg(strstr(testutil_captured(), "exists already"), "%s",
                  testutil_captured());

    /* Nothing changed: the same namespace, still usable. */
    ck_assert_uint_eq(node_ino(names[1]), ino);
    ck_assert_int_eq(ops->node_exists(state, names[1]), 1);
    ck_assert_int_eq(ops->run(state, names[1], dirs[1], ARGV("true"), NULL),
                     0);
}
END_TEST

/* A netns node is no confinement for students: access is refused, saying
 * what to use instead. */
START_TEST(test_refuses_access)
{
    ck_assert_ptr_nonnull(ops->check_access);
    testutil_capture_begin();
    ck_assert_int_eq(ops->check_access(state, &plan), -ENOTSUP);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(),
                                 "a netns node shares the server's "
                                 "files, users and processes"));
    ck_assert_ptr_nonnull(
        strstr(testutil_captured(), "use runtime = \"docker\""));
}
END_TEST

START_TEST(test_bad_arguments)
{
    static const char *const bad[] = {"", "../etc", "a/b", ".hidden", "x y"};
    char path[64];
    char *out;

    testutil_capture_begin();
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        ck_assert_int_eq(ops->node_exists(state, bad[i]), -EINVAL);
        ck_assert_int_eq(ops->destroy_node(state, bad[i], dirs[0]), -EINVAL);
        ck_assert_int_eq(ops->freeze_node(state, bad[i], dirs[0]), -EINVAL);
        ck_assert_int_eq(ops->netns_path(state, bad[i], path, sizeof path),
                         -EINVAL);
    }
    ck_assert_int_eq(ops->create_node(state, &plan, N_NODES, dirs[0]),
                     -EINVAL);
    ck_assert_int_eq(ops->run(state, names[0], dirs[0], ARGV("true"), &out),
                     -ENOENT);
    ck_assert_ptr_null(out);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "invalid node name"));
}
END_TEST

START_TEST(test_run_inside)
{
    char *out;
    char expected[32];

    ck_assert_int_eq(ops->create_node(state, &plan, 2, dirs[2]), 0);

    /* Only lo, and it is up; other links the kernel may add to every
     * namespace (sit0, tunl0...) stay down. */
    ck_assert_int_eq(
        ops->run(state, names[2], dirs[2], ARGV("ip", "-o", "link"), &out), 0);
    int n_lo = 0, n_up = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        bool up = strstr(line, ",UP") || strstr(line, "<UP");
        n_up += up;
        if (strncmp(line, "1: lo: ", 7) == 0) {
            n_lo++;
            ck_assert_msg(up, "lo is down: %s", line);
        }
    }
    ck_assert_int_eq(n_lo, 1);
    ck_assert_int_eq(n_up, 1);
    free(out);

    /* The program really is in the node's namespace. */
    ck_assert_int_eq(
        ops->run(state, names[2], dirs[2],
                 ARGV("stat", "-L", "-c", "%i", "/proc/self/ns/net"), &out),
        0);
    snprintf(expected, sizeof expected, "%lu\n",
             (unsigned long)node_ino(names[2]));
    ck_assert_str_eq(out, expected);
    free(out);

    /* Exit status, and failures. */
    ck_assert_int_eq(
        ops->run(state, names[2], dirs[2], ARGV("sh", "-c", "exit 3"), &out),
        3);
    ck_assert_str_eq(out, "");
    free(out);
    testutil_capture_begin();
    ck_assert_int_lt(ops->run(state, names[2], dirs[2],
                              ARGV("sh", "-c", "kill -9 $$"), &out),
                     0);
    free(out);
    ck_assert_int_eq(
        ops->run(state, names[2], dirs[2], ARGV("/nonexistent/program"), &out),
        -ENOENT);
    ck_assert_ptr_null(out);
    testutil_capture_end();
}
END_TEST

START_TEST(test_run_interactive)
{
    char *script;

    ck_assert_int_eq(ops->create_node(state, &plan, 3, dirs[3]), 0);
    script = xasprintf("test \"$(stat -L -c %%i /proc/self/ns/net)\" = %lu",
                       (unsigned long)node_ino(names[3]));
    ck_assert_int_eq(
        ops->run(state, names[3], dirs[3], ARGV("sh", "-c", script), NULL), 0);
    free(script);
    ck_assert_int_eq(
        ops->run(state, names[3], dirs[3], ARGV("sh", "-c", "exit 4"), NULL),
        4);

    testutil_capture_begin();
    ck_assert_int_eq(
        ops->run(state, names[3], dirs[3], ARGV("no-such-program-xyz"), NULL),
        -ENOENT);
    ck_assert_int_lt(ops->run(state, names[3], dirs[3],
                              ARGV("sh", "-c", "kill -9 $$"), NULL),
                     0);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "no-such-program-xyz"));
}
END_TEST

/* Programs run in the node's view: FRR's run directory is the node's,
 * the hostname is the node's name, and nothing leaks to the host. */
START_TEST(test_run_view)
{
    char path[PATH_MAX], host_name[256], *out;
    struct host_frr before;
    bool frr = getpwnam("frr") != NULL;

    host_frr_look(&before);
    ck_assert_int_eq(gethostname(host_name, sizeof host_name), 0);
    ck_assert_int_eq(ops->create_node(state, &plan, 5, dirs[5]), 0);

    ck_assert_int_eq(
        ops->run(state, names[5], dirs[5], ARGV("hostname"), &out), 0);
    char *expected = xasprintf("%s\n", names[5]);
    ck_assert_str_eq(out, expected);
    free(expected);
    free(out);

    /* Interactive programs too (and /var/run is followed if a link). */
    char *script = xasprintf("test \"$(hostname)\" = %s && "
                             "echo i > /var/run/frr/mt-interactive",
                             names[5]);
    /* Without FRR (no user frr, no /var/run/frr) there is nothing to
     * write into. */
    bool view_frr = frr || before.exists;
    int status =
        ops->run(state, names[5], dirs[5], ARGV("sh", "-c", script), NULL);
    ck_assert_int_eq(status != 0, !view_frr);
    free(script);
    status = ops->run(state, names[5], dirs[5],
                      ARGV("sh", "-c", "echo c > /run/frr/mt-captured"), &out);
    ck_assert_int_eq(status != 0, !view_frr);
    free(out);

    if (view_frr) {
        snprintf(path, sizeof path, "%s/frr/mt-interactive", dirs[5]);
        ck_assert_int_eq(access(path, F_OK), 0);
        snprintf(path, sizeof path, "%s/frr/mt-captured", dirs[5]);
        ck_assert_int_eq(access(path, F_OK), 0);
    }
    ck_assert_int_lt(access("/var/run/frr/mt-interactive", F_OK), 0);
    ck_assert_int_lt(access("/var/run/frr/mt-captured", F_OK), 0);
    host_frr_untouched(&before, names[5]);

    /* The host's hostname is its own still. */
    char now[256];
    ck_assert_int_eq(gethostname(now, sizeof now), 0);
    ck_assert_str_eq(now, host_name);

    /* A node's directory is needed. */
    testutil_capture_begin();
    ck_assert_int_eq(ops->run(state, names[5], NULL, ARGV("true"), &out),
                     -EINVAL);
    testutil_capture_end();
    ck_assert_ptr_null(out);
}
END_TEST

/* A view is a slave of the host's mounts: a node destroyed on the host
 * leaves no namespace file behind in another node's running view (that
 * would keep the namespace alive). */
START_TEST(test_view_follows_host)
{
    char path[PATH_MAX], *out;

    ck_assert_int_eq(ops->create_node(state, &plan, 6, dirs[6]), 0);
    ck_assert_int_eq(ops->create_node(state, &plan, 7, dirs[7]), 0);
    ck_assert_int_eq(
        ops->run(
            state, names[6], dirs[6],
            ARGV("sh", "-c", "sleep 30 </dev/null >/dev/null 2>&1 & echo $!"),
            &out),
        0);
    pid_t pid = atoi(out);
    free(out);
    ck_assert_int_gt(pid, 1);
    kill_later(pid);

    snprintf(path, sizeof path, "/run/netns/%s", names[7]);
    ck_assert(has_mount_point(pid, path));
    ck_assert_int_eq(ops->destroy_node(state, names[7], dirs[7]), 0);
    ck_assert(!has_mount_point(pid, path));

    /* The view's own mount did not reach the host. */
    ck_assert(has_mount_point(pid, "/run/frr") ==
              (access("/run/frr", F_OK) == 0));
    ck_assert(!mountinfo_has(getpid(), dirs[6]));
    ck_assert_int_eq(ops->destroy_node(state, names[6], dirs[6]), 0);
    ck_assert(!pid_alive(pid));
}
END_TEST

struct worker {
    size_t first, n;
    bool destroy;
    int errors;
};

static void *
worker_main(void *w_)
{
    struct worker *w = w_;

    for (size_t i = w->first; i < w->first + w->n; i++) {
        int error = w->destroy ? ops->destroy_node(state, names[i], dirs[i])
                               : ops->create_node(state, &plan, i, dirs[i]);
        w->errors += error != 0;
    }
    return NULL;
}

static void
run_workers(bool destroy)
{
    struct worker w[4];
    pthread_t threads[4];

    for (size_t t = 0; t < 4; t++) {
        w[t] = (struct worker){t * 2, 2, destroy, 0};
        ck_assert_int_eq(pthread_create(&threads[t], NULL, worker_main, &w[t]),
                         0);
    }
    for (size_t t = 0; t < 4; t++) {
        pthread_join(threads[t], NULL);
        ck_assert_int_eq(w[t].errors, 0);
    }
}

START_TEST(test_threads)
{
    run_workers(false);
    for (size_t i = 0; i < N_NODES; i++) {
        ck_assert_int_eq(ops->node_exists(state, names[i]), 1);
    }
    /* Each its own namespace. */
    for (size_t i = 1; i < N_NODES; i++) {
        ck_assert_uint_ne(node_ino(names[i]), node_ino(names[i - 1]));
    }
    run_workers(true);
    for (size_t i = 0; i < N_NODES; i++) {
        ck_assert_int_eq(ops->node_exists(state, names[i]), 0);
    }
}
END_TEST

/* Node i made, with a sleep inside it (*inside, in the namespace once
 * this returns) and one outside (*outside) that a pid file in the node's
 * directory names (stale, or reused). */
static void
node_with_outsider(size_t i, pid_t *inside, pid_t *outside)
{
    char fake[PATH_MAX];

    ck_assert_int_eq(ops->create_node(state, &plan, i, dirs[i]), 0);
    ino_t ino = node_ino(names[i]);
    *outside = start_sleep(NULL);
    *inside = start_sleep(names[i]);

    snprintf(fake, sizeof fake, "%s/fake.pid", dirs[i]);
    char *text = xasprintf("%d\n", (int)*outside);
    write_file(fake, text);
    free(text);
    for (int k = 0; k < 200 && !pid_in_ns(*inside, ino); k++) {
        usleep(10000);
    }
    ck_assert(pid_in_ns(*inside, ino));
}

START_TEST(test_destroy_spares_outsiders)
{
    int status;
    pid_t inside, outside;

    node_with_outsider(4, &inside, &outside);

    ck_assert_int_eq(ops->destroy_node(state, names[4], dirs[4]), 0);
    ck_assert_int_eq(ops->node_exists(state, names[4]), 0);

    /* The process left inside (as by `miniinet exec`) was stopped... */
    ck_assert_int_eq(waitpid(inside, &status, 0), inside);
    ck_assert(WIFSIGNALED(status));
    ck_assert_int_eq(WTERMSIG(status), SIGKILL);

    /* ...the one outside was not. */
    ck_assert_int_eq(waitpid(outside, &status, WNOHANG), 0);
    ck_assert(pid_alive(outside));
    ck_assert_int_eq(kill(outside, SIGKILL), 0);
    ck_assert_int_eq(waitpid(outside, &status, 0), outside);
}
END_TEST

/* freeze_node (4.14) stops the node's processes without killing them and
 * spares a process outside the node that a pid file names; stop_node then
 * kills the stopped ones, as in `down`. */
START_TEST(test_freeze_then_destroy)
{
    int status;
    pid_t inside, outside;

    ck_assert_ptr_nonnull(ops->freeze_node);
    node_with_outsider(3, &inside, &outside);
    /* freeze_node and stop_node may reuse a listing of /proc up to
     * STOP_CACHE_MS (200 ms) old, made before `inside` started (the
     * fixture's): destroy_node catches what they miss. */
    usleep(300 * 1000);

    ck_assert_int_eq(ops->freeze_node(state, names[3], dirs[3]), 0);
    pid_t got = 0;
    for (int i = 0; i < 500 && got == 0; i++) {
        got = waitpid(inside, &status, WUNTRACED | WNOHANG);
        if (got == 0) {
            usleep(10000);
        }
    }
    ck_assert_int_eq(got, inside);
    ck_assert(WIFSTOPPED(status));
    ck_assert_int_eq(WSTOPSIG(status), SIGSTOP);
    ck_assert_int_eq(waitpid(outside, &status, WUNTRACED | WNOHANG), 0);
    ck_assert_int_eq(ops->node_exists(state, names[3]), 1);

    /* Frozen twice is no error; nor is a node that does not exist (bad
     * names: test_bad_arguments). */
    ck_assert_int_eq(ops->freeze_node(state, names[3], dirs[3]), 0);
    ck_assert_int_eq(ops->freeze_node(state, names[2], dirs[2]), 0);

    /* As `down` goes on: stop_node kills the stopped process. */
    ck_assert_int_eq(ops->stop_node(state, names[3], dirs[3]), 0);
    ck_assert_int_eq(waitpid(inside, &status, 0), inside);
    ck_assert(WIFSIGNALED(status));
    ck_assert_int_eq(WTERMSIG(status), SIGKILL);
    ck_assert_int_eq(ops->destroy_node(state, names[3], dirs[3]), 0);
    ck_assert_int_eq(ops->node_exists(state, names[3]), 0);
    ck_assert_int_eq(waitpid(outside, &status, WUNTRACED | WNOHANG), 0);
    ck_assert(pid_alive(outside));
    ck_assert_int_eq(kill(outside, SIGKILL), 0);
    ck_assert_int_eq(waitpid(outside, &status, 0), outside);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* FRR                                                                      */
/* ------------------------------------------------------------------------ */

static const char *
frr_skip_reason(void)
{
    if (access(FRR_DIR "/zebra", X_OK) || access(FRR_DIR "/bgpd", X_OK)) {
        return "FRR is not installed (" FRR_DIR "/zebra, bgpd)";
    }
    if (access("/usr/bin/vtysh", X_OK)) {
        return "vtysh is not installed (/usr/bin/vtysh)";
    }
    return NULL;
}

START_TEST(test_frr)
{
    static const char *const daemons[] = {"zebra", "ospfd", "bgpd", NULL};
    char path[PATH_MAX];
    pid_t pids[3];
    char *out;
    struct host_frr before;

    host_frr_look(&before);
    ck_assert_int_eq(ops->create_node(state, &plan, 0, dirs[0]), 0);
    ino_t ino = node_ino(names[0]);
    /* Each daemon's own file (ABI 4.10): what start_daemon gives it with
     * -f.  zebra has none: -f /dev/null.  No hostname: FRR takes the
     * system's, in the node its name. */
    snprintf(path, sizeof path, "%s/ospfd.conf", dirs[0]);
    write_file(path, "router ospf\n ospf router-id 192.0.2.1\nexit\n!\n");
    snprintf(path, sizeof path, "%s/bgpd.conf", dirs[0]);
    write_file(path, "router bgp 65001\n!\n");

    ck_assert_int_eq(rt_start_frr(netns_backend(), names[0], dirs[0], daemons),
                     0);
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s.pid", dirs[0], daemons[i]);
        pids[i] = read_pid(path);
        kill_later(pids[i]);
        ck_assert_msg(pid_in_ns(pids[i], ino), "%s not in the node",
                      daemons[i]);
        /* In the node's view, which leaves out the nodes' files. */
        ck_assert_msg(has_mount_point(pids[i], "/run/frr"),
                      "%s has no /run/frr of its own", daemons[i]);
        ck_assert_msg(!mountinfo_has(pids[i], " /run/netns/"),
                      "%s sees /run/netns/*", daemons[i]);
        /* Its event loops sized for LIMITS_FRR_FDS descriptors, whatever
         * the limit of the process that started it. */
        ck_assert_msg(cmdline_has(pids[i], "--limit-fds", LIMITS_FRR_FDS_ARG),
                      "%s not started with --limit-fds %s", daemons[i],
                      LIMITS_FRR_FDS_ARG);
        /* Detached by the plugin, not by FRR's -d (its second fork):
         * nobody's child here, a session of its own. */
        ck_assert_msg(!cmdline_has(pids[i], "-d", NULL), "%s started with -d",
                      daemons[i]);
        ck_assert_msg(getsid(pids[i]) == pids[i],
                      "%s is in session %d, not its own", daemons[i],
                      (int)getsid(pids[i]));
        ck_assert_msg(waitpid(pids[i], NULL, WNOHANG) < 0 && errno == ECHILD,
                      "%s is the test's child", daemons[i]);
        /* ... and refused a descriptor past them (EMFILE) rather than
         * aborted by FRR.  Under valgrind the forked child's setrlimit()
         * only changes valgrind's own view of the limit, not the one the
         * daemon gets. */
        if (under_valgrind()) {
            if (i == 0) {
                printf("# SKIP the daemons' RLIMIT_NOFILE under valgrind "
                       "(its setrlimit() is valgrind's own)\n");
            }
        } else {
            long soft = soft_nofile(pids[i]);
            ck_assert_msg(soft > 0 && soft <= LIMITS_FRR_FDS,
                          "%s may open %ld files", daemons[i], soft);
        }

        /* The vty sockets are in the node's directory. */
        snprintf(path, sizeof path, "%s/frr/%s/%s.vty", dirs[0], names[0],
                 daemons[i]);
        ck_assert_msg(access(path, F_OK) == 0, "no %s", path);
    }

    /* The configuration reached the daemons: vtysh in the node's FRR
     * pathspace shows it, and the node's hostname. */
    ck_assert_int_eq(
        ops->run(state, names[0], dirs[0],
                 ARGV("vtysh", "-N", names[0], "-c", "show running-config"),
                 &out),
        0);
    ck_assert_msg(strstr(out, "router bgp 65001"), "%s", out);
    ck_assert_msg(strstr(out, "router ospf"), "%s", out);
    ck_assert_msg(strstr(out, "ospf router-id 192.0.2.1"), "%s", out);
    char *hostname = xasprintf("\nhostname %s\n", names[0]);
    ck_assert_msg(strstr(out, hostname), "%s", out);
    free(hostname);
    free(out);

    /* vtysh finds its NAME/vtysh.conf in the view's own /etc/frr (empty,
     * root's, read-only) and so says nothing on stderr, which run_bounded
     * logs at debug level; the host's /etc/frr gets no NAME. */
    int verbosity = log_get_verbosity();
    log_set_verbosity(2);
    testutil_capture_begin();
    int shown = ops->run_bounded(
        state, names[0], dirs[0],
        ARGV("sh", "-c",
             "vtysh -N \"$(hostname)\" -c 'show version' && "
             "test ! -w /etc/frr/\"$(hostname)\"/vtysh.conf && "
             "test ! -s /etc/frr/\"$(hostname)\"/vtysh.conf && "
             "test \"$(stat -c %u:%a /etc/frr/\"$(hostname)\"/vtysh.conf)\" "
             "= 0:644"),
        &out, 10000, 1 << 20);
    testutil_capture_end();
    log_set_verbosity(verbosity);
    ck_assert_msg(shown == 0, "%d: %s", shown, testutil_captured());
    ck_assert_msg(strstr(out, "FRRouting"), "%s", out);
    ck_assert_msg(!strstr(testutil_captured(), "Can't open configuration"),
                  "%s", testutil_captured());
    free(out);
    snprintf(path, sizeof path, "/etc/frr/%s", names[0]);
    ck_assert_int_lt(access(path, F_OK), 0);

    /* The node's directory stays root's, 0755: FRR's user may not add
     * files to what root's vtysh and frr-reload.py use (review R39, C1). */
    struct stat sb;
    ck_assert_int_eq(stat(dirs[0], &sb), 0);
    ck_assert_int_eq(sb.st_mode & 07777, 0755);
    ck_assert_int_eq(sb.st_uid, 0);
    ck_assert_int_eq(sb.st_gid, 0);

    /* A daemon's file that is a hard link to another file is not read:
     * the daemon starts with -f /dev/null. */
    char victim[PATH_MAX];
    snprintf(victim, sizeof victim, "%s/victim", dirs[0]);
    write_file(victim, "router bgp 65099\n!\n");
    snprintf(path, sizeof path, "%s/staticd.conf", dirs[0]);
    unlink(path);
    ck_assert_int_eq(link(victim, path), 0);
    ck_assert_int_eq(ops->start_daemon(state, names[0], dirs[0], "staticd"),
                     0);
    snprintf(path, sizeof path, "%s/staticd.pid", dirs[0]);
    pid_t staticd = read_pid(path);
    kill_later(staticd);
    ck_assert_msg(cmdline_has(staticd, "-f", "/dev/null"),
                  "staticd not started with -f /dev/null");

    /* ospfd wrote its own file into the node's FRR directory, not the
     * host's. */
    snprintf(path, sizeof path, "%s/frr/ospfd-gr.json", dirs[0]);
    for (int i = 0; i < 200 && access(path, F_OK) < 0; i++) {
        usleep(10000);
    }
    ck_assert_msg(access(path, F_OK) == 0, "no %s", path);
    host_frr_untouched(&before, names[0]);

    /* `down` runs in a new process, with a state of its own. */
    void *fresh;
    ck_assert_int_eq(ops->common.configure(host_services(), NULL, &fresh), 0);
    ck_assert_int_eq(ops->destroy_node(fresh, names[0], dirs[0]), 0);
    for (size_t i = 0; i < 3; i++) {
        ck_assert_msg(!pid_alive(pids[i]), "%s survived", daemons[i]);
    }
    ck_assert_int_eq(ops->node_exists(fresh, names[0]), 0);
    ck_assert_int_eq(ops->destroy_node(fresh, names[0], dirs[0]), 0);
    ops->common.release(fresh);

    /* Then the host removes the directory, sockets and all. */
    remove_tree(dirs[0]);
    ck_assert_int_lt(access(dirs[0], F_OK), 0);
    host_frr_untouched(&before, names[0]);
}
END_TEST

/* Root runs the FRR daemons from frr_dir: a directory or daemon someone
 * else could replace is refused, in configure and when a daemon starts. */
static int
configure_frr_dir(const char *dir, void **st)
{
    char text[PATH_MAX + 64];

    snprintf(text, sizeof text,
             "plugins = { netns = { frr_dir = \"%s\"; }; };", dir);
    return testutil_configure(&ops->common, host_services(), text,
                              "plugins.netns", st);
}

START_TEST(test_frr_dir_checked)
{
    char dir[] = "/tmp/miniinet-frrdir-XXXXXX";
    char prog[PATH_MAX];
    void *st;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(chmod(dir, 0777), 0);
    ck_assert_int_eq(configure_frr_dir(dir, &st), -EINVAL);
    ck_assert_msg(strstr(testutil_captured(), "plugins.netns.frr_dir") &&
                      strstr(testutil_captured(), "writable by others") &&
                      strstr(testutil_captured(), "chmod go-w"),
                  "%s", testutil_captured());
    ck_assert_int_eq(chmod(dir, 01777), 0);
    ck_assert_int_eq(configure_frr_dir(dir, &st), -EINVAL);
    ck_assert_int_eq(chmod(dir, 0775), 0);
    ck_assert_int_eq(configure_frr_dir(dir, &st), -EINVAL);
    ck_assert_msg(strstr(testutil_captured(), "writable by its group"), "%s",
                  testutil_captured());
    ck_assert_int_eq(chmod(dir, 0755), 0);
    ck_assert_int_eq(chown(dir, 65534, 0), 0);
    ck_assert_int_eq(configure_frr_dir(dir, &st), -EINVAL);
    ck_assert_msg(strstr(testutil_captured(), "owned by uid 65534"), "%s",
                  testutil_captured());
    ck_assert_int_eq(chown(dir, 0, 0), 0);
    ck_assert_int_eq(configure_frr_dir(dir, &st), 0);

    /* A daemon anyone may rewrite: refused before anything runs. */
    snprintf(prog, sizeof prog, "%s/zebra", dir);
    write_file(prog, "#!/bin/sh\nexit 0\n");
    ck_assert_int_eq(chmod(prog, 0757), 0);
    testutil_capture_begin();
    ck_assert_int_eq(ops->start_daemon(st, "r1", dir, "zebra"), -EPERM);
    testutil_capture_end();
    ck_assert_msg(strstr(testutil_captured(), "refusing to run") &&
                      strstr(testutil_captured(), "writable by others"),
                  "%s", testutil_captured());
    ck_assert_int_eq(chmod(prog, 0755), 0);
    ck_assert_int_eq(chown(prog, 65534, 0), 0);
    testutil_capture_begin();
    ck_assert_int_eq(ops->start_daemon(st, "r1", dir, "zebra"), -EPERM);
    testutil_capture_end();
    ck_assert_msg(strstr(testutil_captured(), "owned by uid 65534"), "%s",
                  testutil_captured());
    /* The directory made writable after configure. */
    ck_assert_int_eq(chown(prog, 0, 0), 0);
    ck_assert_int_eq(chmod(dir, 0777), 0);
    testutil_capture_begin();
    ck_assert_int_eq(ops->start_daemon(st, "r1", dir, "zebra"), -EPERM);
    testutil_capture_end();
    ops->common.release(st);

    /* A daemon that ends as it starts fails its start at once, rather
     * than after the minute a slow start may take. */
    ck_assert_int_eq(chown(dir, 0, 0), 0);
    ck_assert_int_eq(chmod(dir, 0755), 0);
    write_file(prog, "#!/bin/sh\necho 'cannot start' >&2\nexit 1\n");
    ck_assert_int_eq(configure_frr_dir(dir, &st), 0);
    ck_assert_int_eq(ops->create_node(state, &plan, 1, dirs[1]), 0);
    double t0 = now_s();
    testutil_capture_begin();
    ck_assert_int_eq(ops->start_daemon(st, names[1], dirs[1], "zebra"), -EIO);
    testutil_capture_end();
    ck_assert_msg(now_s() - t0 < 10, "took %.1f s", now_s() - t0);
    ck_assert_msg(strstr(testutil_captured(), "zebra ended as it started"),
                  "%s", testutil_captured());
    char out[PATH_MAX];
    snprintf(out, sizeof out, "%s/zebra.out", dirs[1]);
    char said[256] = "";
    FILE *f = fopen(out, "r");
    ck_assert_ptr_nonnull(f);
    said[fread(said, 1, sizeof said - 1, f)] = '\0';
    fclose(f);
    ck_assert_msg(strstr(said, "cannot start"), "%s: %s", out, said);
    /* One whose exec fails (after the detaching fork): that error.  Under
     * valgrind a failed execve ends the process instead (its own exec
     * machinery), which is the case above. */
    write_file(prog, "#!/nonexistent/interpreter\n");
    testutil_capture_begin();
    int started = ops->start_daemon(st, names[1], dirs[1], "zebra");
    testutil_capture_end();
    if (under_valgrind()) {
        printf("# SKIP a failed exec's error under valgrind (a failed "
               "execve ends the process there)\n");
        ck_assert_int_lt(started, 0);
    } else {
        ck_assert_int_eq(started, -ENOENT);
        ck_assert_msg(strstr(testutil_captured(), "cannot run"), "%s",
                      testutil_captured());
    }
    ck_assert_int_eq(ops->destroy_node(state, names[1], dirs[1]), 0);
    ops->common.release(st);

    /* A directory that does not exist is left to start_daemon. */
    ck_assert_int_eq(unlink(prog), 0);
    ck_assert_int_eq(rmdir(dir), 0);
    ck_assert_int_eq(configure_frr_dir(dir, &st), 0);
    ops->common.release(st);
}
END_TEST

START_TEST(test_frr_failures)
{
    static const char *const missing[] = {"zebra", "nosuchd", NULL};
    static const char *const zebra[] = {"zebra", NULL};
    static const char *const bad[] = {"../zebra", NULL};
    char path[PATH_MAX];

    testutil_capture_begin();
    ck_assert_int_eq(rt_start_frr(netns_backend(), names[1], dirs[1], zebra),
                     -ENOENT);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "does not exist"));

    /* start_daemon itself returns once the daemon answers on its vty
     * socket; a second zebra in the node (the first holds its pid file's
     * lock: it exits) is not taken for the first, still answering. */
    ck_assert_int_eq(ops->create_node(state, &plan, 1, dirs[1]), 0);
    ck_assert_int_eq(ops->start_daemon(state, names[1], dirs[1], "zebra"), 0);
    snprintf(path, sizeof path, "%s/zebra.pid", dirs[1]);
    kill_later(read_pid(path));
    snprintf(path, sizeof path, "%s/frr/%s/zebra.vty", dirs[1], names[1]);
    ck_assert_msg(unix_connects(path), "%s refuses connections", path);
    double t0 = now_s();
    testutil_capture_begin();
    ck_assert_int_eq(ops->start_daemon(state, names[1], dirs[1], "zebra"),
                     -EIO);
    testutil_capture_end();
    ck_assert_msg(now_s() - t0 < 10, "took %.1f s", now_s() - t0);
    ck_assert_msg(strstr(testutil_captured(), "zebra ended as it started"),
                  "%s", testutil_captured());
    ck_assert_int_eq(ops->destroy_node(state, names[1], dirs[1]), 0);

    ck_assert_int_eq(ops->create_node(state, &plan, 1, dirs[1]), 0);
    testutil_capture_begin();
    ck_assert_int_eq(rt_start_frr(netns_backend(), names[1], dirs[1], bad),
                     -EINVAL);
    ck_assert_int_eq(rt_start_frr(netns_backend(), names[1], dirs[1], missing),
                     -ENOENT);
    testutil_capture_end();
    ck_assert_msg(strstr(testutil_captured(), "/nosuchd"), "%s",
                  testutil_captured());
    ck_assert_int_eq(ops->destroy_node(state, names[1], dirs[1]), 0);

    /* A configuration vtysh refuses, loaded the way before ABI 4.10
     * (still that of older runtimes).  A daemon reading its own file
     * instead logs such a line ("config line") and goes on: up.test
     * checks that the generated files give no such line. */
    ck_assert_int_eq(ops->create_node(state, &plan, 1, dirs[1]), 0);
    snprintf(path, sizeof path, "%s/frr.conf", dirs[1]);
    write_file(path, "no-such-command 42\n");
    setenv("MINIINET_FRR_VTYSH_LOAD", "1", 1);
    testutil_capture_begin();
    ck_assert_int_eq(rt_start_frr(netns_backend(), names[1], dirs[1], zebra),
                     -EIO);
    testutil_capture_end();
    unsetenv("MINIINET_FRR_VTYSH_LOAD");
    ck_assert_msg(strstr(testutil_captured(), "could not load"), "%s",
                  testutil_captured());
    ck_assert_int_eq(ops->destroy_node(state, names[1], dirs[1]), 0);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Benchmark (MINIINET_NETNS_BENCH=N)                                       */
/* ------------------------------------------------------------------------ */

static size_t bench_n;
static char (*bench_names)[32];
static char (*bench_dirs)[96];
static struct mi_node *bench_nodes;
static struct mi_plan bench_plan;

enum bench_op { BENCH_CREATE, BENCH_START_FRR, BENCH_DESTROY };

struct bench_worker {
    size_t next, end, step;
    enum bench_op op;
    int errors;
};

static void *
bench_main(void *w_)
{
    static const char *const daemons[] = {"zebra", "staticd", "ospfd", "bgpd",
                                          NULL};
    struct bench_worker *w = w_;

    for (size_t i = w->next; i < w->end; i += w->step) {
        int error = 0;
        switch (w->op) {
        case BENCH_CREATE:
            error = ops->create_node(state, &bench_plan, i, bench_dirs[i]);
            break;
        case BENCH_START_FRR:
            error = rt_start_frr(netns_backend(), bench_names[i],
                                 bench_dirs[i], daemons);
            break;
        case BENCH_DESTROY:
            error = ops->destroy_node(state, bench_names[i], bench_dirs[i]);
            break;
        }
        w->errors += error != 0;
    }
    return NULL;
}

/* Runs `op` on nodes [first, end) from `n_threads` threads; returns the
 * seconds it took. */
static double
bench_run(enum bench_op op, size_t first, size_t end, size_t n_threads)
{
    struct bench_worker w[8];
    pthread_t threads[8];
    double start = now_s();

    for (size_t t = 0; t < n_threads; t++) {
        w[t] = (struct bench_worker){first + t, end, n_threads, op, 0};
        ck_assert_int_eq(pthread_create(&threads[t], NULL, bench_main, &w[t]),
                         0);
    }
    for (size_t t = 0; t < n_threads; t++) {
        pthread_join(threads[t], NULL);
        ck_assert_int_eq(w[t].errors, 0);
    }
    return now_s() - start;
}

/* Proportional set size of process `pid`, in kB. */
static long
pss_kb(pid_t pid)
{
    char path[64], line[256];
    long kb = 0;

    snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)pid);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f)) {
        if (sscanf(line, "Pss: %ld kB", &kb) == 1) {
            break;
        }
    }
    if (f) {
        fclose(f);
    }
    return kb;
}

/* FRR in 2 * `half` routers: half of them one after the other, half from
 * 2 threads; the same for destroying them. */
static void
bench_frr(size_t half)
{
    static const char *const daemons[] = {"zebra", "staticd", "ospfd", "bgpd",
                                          NULL};
    size_t n = 2 * half;
    char path[PATH_MAX];
    long pss = 0;

    bench_run(BENCH_CREATE, 0, n, 1);
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/frr.conf", bench_dirs[i]);
        write_file(path, "router bgp 65001\n!\nrouter ospf\n!\n");
    }
    double t1 = bench_run(BENCH_START_FRR, 0, half, 1);
    double t2 = bench_run(BENCH_START_FRR, half, n, 2);
    printf("# bench: start_frr (4 daemons + frr.conf) x %zu, 1 thread: "
           "%.0f ms per router; x %zu, 2 threads: %.0f ms per router\n",
           half, t1 * 1000 / (double)half, half, t2 * 1000 / (double)half);
    for (size_t i = 0; i < n; i++) {
        for (size_t d = 0; daemons[d]; d++) {
            snprintf(path, sizeof path, "%s/%s.pid", bench_dirs[i],
                     daemons[d]);
            pss += pss_kb(read_pid(path));
        }
    }
    printf("# bench: PSS of the 4 daemons: %.1f MB per router\n",
           (double)pss / 1024 / (double)n);
    t1 = bench_run(BENCH_DESTROY, 0, half, 1);
    t2 = bench_run(BENCH_DESTROY, half, n, 2);
    printf("# bench: destroy_node of a router with FRR x %zu, 1 thread: "
           "%.0f ms per router; x %zu, 2 threads: %.0f ms per router\n",
           half, t1 * 1000 / (double)half, half, t2 * 1000 / (double)half);
    fflush(stdout);
}

START_TEST(test_bench)
{
    bench_names = xcalloc(bench_n, sizeof *bench_names);
    bench_dirs = xcalloc(bench_n, sizeof *bench_dirs);
    bench_nodes = xcalloc(bench_n, sizeof *bench_nodes);
    for (size_t i = 0; i < bench_n; i++) {
        snprintf(bench_names[i], sizeof bench_names[i], "mb%d_%u",
                 (int)getpid(), (unsigned)(i % 100000));
        snprintf(bench_dirs[i], sizeof bench_dirs[i], "%s/%s", base,
                 bench_names[i]);
        ck_assert_int_eq(mkdir(bench_dirs[i], 0755), 0);
        bench_nodes[i].name = bench_names[i];
    }
    bench_plan = (struct mi_plan){
        .size = sizeof bench_plan, .nodes = bench_nodes, .n_nodes = bench_n};

    for (size_t threads = 1; threads <= 2; threads++) {
        double t = bench_run(BENCH_CREATE, 0, bench_n, threads);
        printf("# bench: create_node x %zu, %zu thread(s): %.2f s, %.0f/s\n",
               bench_n, threads, t, (double)bench_n / t);
        t = bench_run(BENCH_DESTROY, 0, bench_n, threads);
        printf("# bench: destroy_node x %zu, %zu thread(s): %.2f s, "
               "%.0f/s\n",
               bench_n, threads, t, (double)bench_n / t);
        fflush(stdout);
    }
    if (!frr_skip_reason()) {
        bench_frr(bench_n / 100 ? bench_n / 100 : 1);
    }
    for (size_t i = 0; i < bench_n; i++) {
        remove_tree(bench_dirs[i]);
    }
    free(bench_names);
    free(bench_dirs);
    free(bench_nodes);
}
END_TEST

static Suite *
netns_suite(void)
{
    Suite *s = suite_create("netns");

    if (!testutil_is_root()) {
        printf("# SKIP: needs root (network namespaces)\n");
        fflush(stdout);
        return s;
    }

    TCase *tc = tcase_create("nodes");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, setup_runner, teardown_runner);
    tcase_add_checked_fixture(tc, setup_test, cleanup_nodes);
    tcase_add_test(tc, test_create_destroy);
    tcase_add_test(tc, test_create_twice);
    tcase_add_test(tc, test_bad_arguments);
    tcase_add_test(tc, test_refuses_access);
    tcase_add_test(tc, test_run_inside);
    tcase_add_test(tc, test_run_interactive);
    tcase_add_test(tc, test_run_view);
    tcase_add_test(tc, test_view_follows_host);
    tcase_add_test(tc, test_threads);
    tcase_add_test(tc, test_destroy_spares_outsiders);
    tcase_add_test(tc, test_freeze_then_destroy);
    tcase_add_test(tc, test_frr_dir_checked);
    suite_add_tcase(s, tc);

    const char *reason = frr_skip_reason();
    if (reason) {
        printf("# SKIP FRR tests: %s\n", reason);
        fflush(stdout);
    } else {
        tc = tcase_create("frr");
        tcase_set_timeout(tc, 120);
        tcase_add_unchecked_fixture(tc, setup_runner, teardown_runner);
        tcase_add_checked_fixture(tc, setup_test, cleanup_nodes);
        tcase_add_test(tc, test_frr);
        tcase_add_test(tc, test_frr_failures);
        suite_add_tcase(s, tc);
    }

    const char *bench = getenv("MINIINET_NETNS_BENCH");
    if (bench && atoi(bench) > 0) {
        bench_n = (size_t)atoi(bench);
        tc = tcase_create("bench");
        tcase_set_timeout(tc, 3600);
        tcase_add_unchecked_fixture(tc, setup_runner, teardown_runner);
        tcase_add_test(tc, test_bench);
        suite_add_tcase(s, tc);
    }
    return s;
}

int
main(void)
{
    return testutil_run(netns_suite());
}
