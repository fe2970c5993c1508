/* Tests of the state record (state.c): the strict parser refuses every
 * damaged or foreign record, naming FILE:LINE; state_remove never follows a
 * symlink a node's user swaps in during the walk, never descends into a
 * mount, and reports what it could not remove. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "state.h"
#include "testutil.h"
#include "util.h"

/* The paths are short test paths under /tmp; GCC cannot know. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* Every test gets its own run directory under /tmp, removed afterwards. */
static char base[64];
static char rundir[256];

static void
run_cmd(const char *const argv[])
{
    pid_t pid = fork();

    if (pid == 0) {
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    waitpid(pid, NULL, 0);
}

static void
setup(void)
{
    snprintf(base, sizeof base, "/tmp/mi-state-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(base));
    chmod(base, 0755);
    snprintf(rundir, sizeof rundir, "%s/run", base);
    ck_assert_int_eq(mkdir(rundir, 0755), 0);
    setenv("MINIINET_RUNDIR", rundir, 1);
}

static void
teardown(void)
{
    /* Anything a failed test left mounted first, then the files. */
    char m[PATH_MAX];
    snprintf(m, sizeof m, "%s/run/net/nodes/R/mnt", base);
    umount2(m, MNT_DETACH);
    umount2(base, MNT_DETACH); /* the race test's tmpfs */
    const char *const rm[] = {"rm", "-rf", "--one-file-system", base, NULL};
    run_cmd(rm);
}

static void
write_file(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
}

/* Writes `len` bytes of `data` as network "net"'s record. */
static void
write_record(const char *data, size_t len)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/net", rundir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/net/state", rundir);
    write_file(path, data, len);
}

#define HEADER                                                                \
    "miniinet-state 1\nnetwork net\nplugin runtime netns\nfingerprint ab12\n"

/* Loads "net", expecting a refusal whose message contains `what`. */
static void
expect_refused(const char *data, size_t len, const char *what)
{
    struct state st;

    write_record(data, len);
    testutil_capture_begin();
    int error = state_load("net", &st);
    const char *msg = testutil_captured();
    ck_assert_msg(error == -EINVAL, "loaded (%d): %.*s", error, (int)len,
                  data);
    ck_assert_msg(strstr(msg, what), "message: %s", msg);
    ck_assert_msg(strstr(msg, "/net/state:"), "no FILE:LINE: %s", msg);
    testutil_capture_end();
    state_destroy(&st);
}

#define REFUSED(text, what) expect_refused(text, sizeof(text) - 1, what)

START_TEST(test_load_good)
{
    static const char text[] =
        HEADER "node router 1_ZURIrouter\nbridge 3_L2_DCN_S1\nrootif 3_S1_p7\n"
               "bridge 1_L2.1.0\n"
               "sysctl net.ipv4.neigh.default.gc_thresh3 1024 9216\n"
               "port 3 2003\nport 65535 1\n"
               "complete\n";
    struct state st;

    write_record(text, sizeof text - 1);
    ck_assert_int_eq(state_load("net", &st), 0);
    ck_assert_str_eq(st.network, "net");
    ck_assert_str_eq(st.plugin[MI_PLUGIN_RUNTIME - 1], "netns");
    ck_assert_uint_eq(st.n_nodes, 1);
    ck_assert_str_eq(st.nodes[0].name, "1_ZURIrouter");
    ck_assert_uint_eq(st.n_bridges, 2);
    /* A switch's short bridge name (names_switch_bridge()) has dots. */
    ck_assert_str_eq(st.bridges[1], "1_L2.1.0");
    ck_assert_uint_eq(st.n_rootifs, 1);
    ck_assert_uint_eq(st.n_sysctls, 1);
    ck_assert_uint_eq(st.n_ports, 2);
    ck_assert_uint_eq(st.ports[0].asn, 3);
    ck_assert_uint_eq(st.ports[0].port, 2003);
    ck_assert_uint_eq(st.ports[1].asn, 65535);
    ck_assert_uint_eq(st.ports[1].port, 1);
    ck_assert(st.complete);
    state_destroy(&st);
}
END_TEST

/* A torn last line is what an interrupted append leaves: the item it was
 * about to record was not made (state_sync comes before acting). */
START_TEST(test_load_torn_last_line)
{
    static const char text[] = HEADER "node router R1\nnode rou";
    struct state st;

    write_record(text, sizeof text - 1);
    testutil_capture_begin();
    ck_assert_int_eq(state_load("net", &st), 0);
    testutil_capture_end();
    ck_assert_uint_eq(st.n_nodes, 1);
    state_destroy(&st);
}
END_TEST

/* Old: an empty file or a magic line without newline was a valid empty
 * record, and `down` deleted it, leaving every namespace behind. */
START_TEST(test_empty_refused)
{
    REFUSED("", "empty");
    REFUSED("miniinet-state 1", "magic");
    REFUSED("miniinet-state 2\n", "magic");
}
END_TEST

START_TEST(test_extra_tokens_refused)
{
    REFUSED(HEADER "node router R1 extra\n", ":5:");
    REFUSED("miniinet-state 1\nnetwork net\nplugin runtime netns x\n", ":3:");
    REFUSED(HEADER "complete now\n", ":5:");
    REFUSED(HEADER "bridge B  \n", ":5:");
    REFUSED(HEADER "node  router R1\n", ":5:");
}
END_TEST

START_TEST(test_nul_refused)
{
    REFUSED(HEADER "node router R1\0../../etc\n", "NUL");
    REFUSED("miniinet-state 1\0\n", "NUL");
}
END_TEST

START_TEST(test_names_refused)
{
    REFUSED("miniinet-state 1\nnetwork ../x\n", ":2:");
    REFUSED("miniinet-state 1\nnetwork other\nfingerprint ab\n",
            "another network");
    REFUSED(HEADER "node router ../../x\n", ":5:");
    REFUSED(HEADER "bridge a/b\n", ":5:");
    REFUSED(HEADER "bridge ..\n", ":5:");
    REFUSED(HEADER "bridge .x\n", ":5:");
    REFUSED(HEADER "fingerprint cd\n", "twice");
    REFUSED("miniinet-state 1\nnetwork net\nfingerprint a;b\n", ":3:");
    REFUSED(HEADER "complete\nnode router R\n", "after");
    REFUSED("miniinet-state 1\nnode router R\n", "network");
    /* Access ports: 1 to 65535, AS and port numbers, each port once. */
    REFUSED(HEADER "port 3 2003\nport 4 2003\n", "a port twice");
    REFUSED(HEADER "port 3 65536\n", ":5:");
    REFUSED(HEADER "port 3 0\n", ":5:");
    REFUSED(HEADER "port 0 2003\n", ":5:");
    REFUSED(HEADER "port 3 -2003\n", ":5:");
    REFUSED(HEADER "port 3 20x3\n", ":5:");
    REFUSED(HEADER "port 3\n", ":5:");
}
END_TEST

/* The record may not be a symlink, nor its network directory. */
START_TEST(test_symlink_record_refused)
{
    char path[1024], target[1024];
    struct state st;

    snprintf(target, sizeof target, "%s/elsewhere", base);
    write_file(target, HEADER, sizeof HEADER - 1);
    snprintf(path, sizeof path, "%s/net", rundir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/net/state", rundir);
    ck_assert_int_eq(symlink(target, path), 0);
    testutil_capture_begin();
    ck_assert_int_lt(state_load("net", &st), 0);
    testutil_capture_end();
    state_destroy(&st);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Removal                                                                  */

/* A new record of "net" with node R, and R's directory (as `up` makes). */
static void
make_network(struct state *st)
{
    const char *plugins[MI_PLUGIN_KIND_COUNT] = {"netns", NULL, NULL};
    char path[PATH_MAX];

    ck_assert_int_eq(state_create(st, "net", plugins, "ab12"), 0);
    state_add_node(st, MI_NODE_ROUTER, "R");
    ck_assert_int_eq(state_sync(st), 0);
    snprintf(path, sizeof path, "%s/net/nodes/R", rundir);
    ck_assert_int_eq(mkdir(path, 0755), 0);
}

/* `n` files f0..f(n-1) in `dir`. */
static void
fill(const char *dir, int n)
{
    char path[PATH_MAX];

    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/f%d", dir, i);
        write_file(path, "x", 1);
    }
}

static int
count_files(const char *dir, int n)
{
    char path[PATH_MAX];
    int found = 0;

    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/f%d", dir, i);
        found += access(path, F_OK) == 0;
    }
    return found;
}

START_TEST(test_remove_all)
{
    struct state st;
    char path[PATH_MAX];

    make_network(&st);
    snprintf(path, sizeof path, "%s/net/nodes/R/frr", rundir);
    mkdir(path, 0755);
    fill(path, 10);
    snprintf(path, sizeof path, "%s/net/nodes/R/link", rundir);
    ck_assert_int_eq(symlink("/etc", path), 0);
    ck_assert_int_eq(state_remove(&st), 0);
    snprintf(path, sizeof path, "%s/net", rundir);
    ck_assert_int_ne(access(path, F_OK), 0);
    ck_assert_int_eq(access("/etc/passwd", F_OK), 0);
    state_destroy(&st);
}
END_TEST

/* `down` removes the nodes' directories before the rest: the record and
 * the other directories stay, a symlink a node made goes as itself. */
START_TEST(test_remove_node_dirs)
{
    struct state st;
    char path[PATH_MAX];

    make_network(&st);
    snprintf(path, sizeof path, "%s/net/nodes/R/frr", rundir);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    fill(path, 10);
    /* A symlink a node made, to a directory outside with a file in it. */
    char outside[PATH_MAX], sentinel[PATH_MAX];
    snprintf(outside, sizeof outside, "%s/outside", rundir);
    ck_assert_int_eq(mkdir(outside, 0755), 0);
    snprintf(sentinel, sizeof sentinel, "%s/keep", outside);
    write_file(sentinel, "x", 1);
    snprintf(path, sizeof path, "%s/net/nodes/R/link", rundir);
    ck_assert_int_eq(symlink(outside, path), 0);
    snprintf(path, sizeof path, "%s/net/switch", rundir);
    ck_assert_int_eq(mkdir(path, 0755), 0);

    ck_assert_int_eq(state_remove_node_dirs(&st), 0);
    snprintf(path, sizeof path, "%s/net/nodes/R", rundir);
    ck_assert_int_ne(access(path, F_OK), 0);
    /* nodes/ itself stays: `up` heals a network whose `down` failed. */
    snprintf(path, sizeof path, "%s/net/nodes", rundir);
    ck_assert_int_eq(access(path, F_OK), 0);
    snprintf(path, sizeof path, "%s/net/state", rundir);
    ck_assert_int_eq(access(path, F_OK), 0);
    snprintf(path, sizeof path, "%s/net/switch", rundir);
    ck_assert_int_eq(access(path, F_OK), 0);
    ck_assert_int_eq(access(sentinel, F_OK), 0);
    /* Twice is no error; the rest then goes as ever. */
    ck_assert_int_eq(state_remove_node_dirs(&st), 0);
    ck_assert_int_eq(state_remove(&st), 0);
    snprintf(path, sizeof path, "%s/net", rundir);
    ck_assert_int_ne(access(path, F_OK), 0);
    ck_assert_int_eq(access(sentinel, F_OK), 0);
    ck_assert_int_eq(unlink(sentinel), 0);
    ck_assert_int_eq(rmdir(outside), 0);
    state_destroy(&st);
}
END_TEST

#define RACE_FILES 20000
#define NOBODY 65534

/* As user nobody: once the removal has begun deleting in `d`, swap `d` for
 * a symlink to `victim` (what a node's user can do in its 01777 tmp/). */
static void
attacker(const char *tmp, const char *victim)
{
    char d[PATH_MAX], d2[PATH_MAX];
    struct timespec start, now;

    snprintf(d, sizeof d, "%s/d", tmp);
    snprintf(d2, sizeof d2, "%s/d2", tmp);
    alarm(20);
    if (setgid(NOBODY) || setuid(NOBODY)) {
        _exit(2);
    }
    clock_gettime(CLOCK_MONOTONIC, &start);
    do {
        if (access(d, F_OK) == 0 && count_files(d, 200) < 200) {
            /* Files gone: the walk is inside d. */
            if (rename(d, d2) == 0 && symlink(victim, d) == 0) {
                _exit(0);
            }
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (now.tv_sec - start.tv_sec < 10);
    _exit(1);
}

/* Old: nftw() unlinked by full path, so after the swap it deleted the
 * victim's files (the probe: 59 754 of 60 000). */
START_TEST(test_remove_symlink_race)
{
    struct state st;
    char tmp[1024], d[1024], victim[1024];

    /* The 40 000 files on a tmpfs of the test's own mount namespace (gone
     * with the test's process whatever happens): on the disk, under a
     * loaded CI machine's writeback, making them took more than a minute. */
    ck_assert_int_eq(unshare(CLONE_NEWNS), 0);
    ck_assert_int_eq(mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL), 0);
    ck_assert_int_eq(mount("mi-state", base, "tmpfs", 0, "mode=0755"), 0);
    ck_assert_int_eq(mkdir(rundir, 0755), 0);
    make_network(&st);
    snprintf(victim, sizeof victim, "%s/victim", base);
    ck_assert_int_eq(mkdir(victim, 0755), 0);
    fill(victim, RACE_FILES);
    snprintf(tmp, sizeof tmp, "%s/net/nodes/R/tmp", rundir);
    ck_assert_int_eq(mkdir(tmp, 01777), 0);
    chmod(tmp, 01777);
    snprintf(d, sizeof d, "%s/d", tmp);
    ck_assert_int_eq(mkdir(d, 0755), 0);
    fill(d, RACE_FILES);
    const char *const chown_argv[] = {"chown", "-R", "65534:65534", d, NULL};
    run_cmd(chown_argv);

    pid_t pid = fork();
    if (pid == 0) {
        attacker(tmp, victim);
    }
    testutil_capture_begin();
    int error = state_remove(&st);
    const char *msg = testutil_captured();
    int status;
    waitpid(pid, &status, 0);
    int left = count_files(victim, RACE_FILES);
    ck_assert_msg(left == RACE_FILES,
                  "removal followed the symlink: %d of %d victim files "
                  "deleted (attacker %s, state_remove %d)",
                  RACE_FILES - left, RACE_FILES,
                  WIFEXITED(status) && !WEXITSTATUS(status) ? "swapped"
                                                            : "did not swap",
                  error);
    /* Whatever it could not remove, it said so. */
    ck_assert(error == 0 || strstr(msg, "cannot remove"));
    testutil_capture_end();
    state_destroy(&st);
}
END_TEST

/* A mount inside a node's directory is not descended into, and what could
 * not be removed is an error naming it.  Old: nftw went through the mount,
 * emptied the mounted directory and returned 0. */
START_TEST(test_remove_mount_loud)
{
    struct state st;
    char mnt[1024], victim[1024];

    make_network(&st);
    snprintf(victim, sizeof victim, "%s/victim", base);
    ck_assert_int_eq(mkdir(victim, 0755), 0);
    fill(victim, 5);
    snprintf(mnt, sizeof mnt, "%s/net/nodes/R/mnt", rundir);
    ck_assert_int_eq(mkdir(mnt, 0755), 0);
    ck_assert_int_eq(mount(victim, mnt, "none", MS_BIND, NULL), 0);
    testutil_capture_begin();
    int error = state_remove(&st);
    const char *msg = testutil_captured();
    ck_assert_int_eq(count_files(victim, 5), 5);
    ck_assert_int_ne(error, 0);
    ck_assert_msg(strstr(msg, "nodes/R/mnt"), "message: %s", msg);
    testutil_capture_end();
    umount2(mnt, MNT_DETACH);
    state_destroy(&st);
}
END_TEST

/* The run directory's lock: none to take when there is no run directory
 * (for `down`), made for `up`; exclusive; not inherited; the directory
 * removed on release only when empty. */
/* ------------------------------------------------------------------------ */
/* The links file                                                           */

START_TEST(test_links_roundtrip)
{
    struct state st;
    struct state_link *got = NULL;
    size_t n = 99;
    char path[PATH_MAX];
    const struct state_link want[] = {
        {.node = "1_ZURIrouter", .ifname = "port_BASE", .down = true},
        {.node = "4_VIENrouter",
         .ifname = "port_MILA",
         .shaped = true,
         .rate_bps = 10000000,
         .delay_us = 0}};

    make_network(&st);
    ck_assert_int_eq(state_links_load(&st, &got, &n), 0); /* none yet */
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(state_links_save(&st, want, 2), 0);
    ck_assert_int_eq(state_links_load(&st, &got, &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(got[0].node, "1_ZURIrouter");
    ck_assert_str_eq(got[0].ifname, "port_BASE");
    ck_assert(got[0].down && !got[0].shaped);
    ck_assert(!got[1].down && got[1].shaped);
    ck_assert_uint_eq(got[1].rate_bps, 10000000);
    state_links_free(got, n);
    snprintf(path, sizeof path, "%s/net/links", rundir);
    size_t len = 0;
    char *text = util_read_file(path, &len);
    ck_assert_ptr_nonnull(text);
    ck_assert_str_eq(text, "miniinet-links 1\n"
                           "1_ZURIrouter port_BASE down - -\n"
                           "4_VIENrouter port_MILA up 10000000 0\n");
    free(text);
    /* Nothing left to record: no file. */
    ck_assert_int_eq(state_links_save(&st, NULL, 0), 0);
    ck_assert_int_eq(access(path, F_OK), -1);
    state_destroy(&st);
}
END_TEST

START_TEST(test_mark_line)
{
    char *line = state_mark_line("`up` started it", "20261203-2331");
    ck_assert_str_eq(line, "`up` started it; its students' work is in "
                           "snapshot 20261203-2331");
    free(line);
    line = state_mark_line("a\nb\tc", NULL); /* one line, always */
    ck_assert_str_eq(line, "a?b?c");
    free(line);
    char big[2 * STATE_MARK_MAX];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    line = state_mark_line(big, "S");
    ck_assert_uint_eq(strlen(line), STATE_MARK_MAX - 2);
    /* The reason is cut, never the snapshot's name. */
    char *name = state_mark_snapshot(line);
    ck_assert_str_eq(name, "S");
    free(name);
    free(line);
    line = state_mark_line(big, "20261203-233100-as3");
    ck_assert_uint_eq(strlen(line), STATE_MARK_MAX - 2);
    name = state_mark_snapshot(line);
    ck_assert_str_eq(name, "20261203-233100-as3");
    free(name);
    free(line);

    ck_assert(state_mark_valid("r\n", 2));
    ck_assert(!state_mark_valid("r", 1));        /* no newline */
    ck_assert(!state_mark_valid("\n", 1));       /* empty */
    ck_assert(!state_mark_valid("r\ns\n", 4));   /* two lines */
    ck_assert(!state_mark_valid("r\0s\n", 4));   /* NUL */
    ck_assert(!state_mark_valid("r\x1bs\n", 4)); /* control */
    memset(big, 'x', sizeof big);
    big[STATE_MARK_MAX] = '\n';
    ck_assert(!state_mark_valid(big, STATE_MARK_MAX + 1)); /* too long */
    big[STATE_MARK_MAX - 1] = '\n';
    ck_assert(state_mark_valid(big, STATE_MARK_MAX));
}
END_TEST

START_TEST(test_mark_snapshot)
{
    char *line = state_mark_line("`up` started it", "20261203-2331");
    char *name = state_mark_snapshot(line);
    ck_assert_str_eq(name, "20261203-2331");
    ck_assert(!state_mark_is_displaced(line));
    free(name);
    free(line);
    line = state_mark_line(STATE_MARK_DISPLACED "in snapshot x; its "
                                                "students' work is in "
                                                "snapshot y",
                           "lab1");
    ck_assert(state_mark_is_displaced(line));
    name = state_mark_snapshot(line); /* the last one named */
    ck_assert_str_eq(name, "lab1");
    free(name);
    free(line);
    ck_assert_ptr_null(state_mark_snapshot("why"));
    ck_assert_ptr_null(state_mark_snapshot("why; its students' work is in "
                                           "snapshot ../x"));
    ck_assert(!state_mark_is_displaced(NULL));
}
END_TEST

START_TEST(test_mark_snapshots)
{
    struct state st;
    make_network(&st);
    char **names = NULL;
    ck_assert_int_eq(state_mark_snapshots(&st, &names), 0); /* no marks/ */
    ck_assert_ptr_null(names[0]);
    util_free_strv(names);
    ck_assert_int_eq(state_mark_set(&st, "R.frr", "why", "S1"), 0);
    ck_assert_int_eq(
        state_mark_set(&st, "Q.frr", STATE_MARK_DISPLACED "x", "S2"), 0);
    ck_assert_int_eq(state_mark_set(&st, "P.frr", "why", "S1"), 0);
    ck_assert_int_eq(state_mark_set(&st, "O.frr", "none named", NULL), 0);
    ck_assert_int_eq(state_mark_snapshots(&st, &names), 0);
    ck_assert_ptr_nonnull(names[0]);
    ck_assert_ptr_nonnull(names[1]);
    ck_assert_ptr_null(names[2]);
    ck_assert(!strcmp(names[0], "S1") || !strcmp(names[1], "S1"));
    ck_assert(!strcmp(names[0], "S2") || !strcmp(names[1], "S2"));
    util_free_strv(names);
    /* A mark that is not a mark's line, or not a regular file: the
     * snapshot it names is unknown, said, an error (nothing pruned). */
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/net/marks/N.frr", rundir);
    write_file(path, "two\nlines\n", 10);
    testutil_capture_begin();
    ck_assert_int_eq(state_mark_snapshots(&st, &names), -EINVAL);
    const char *msg = testutil_captured();
    ck_assert_msg(strstr(msg, "/marks/N.frr: cannot read it"), "%s", msg);
    testutil_capture_end();
    ck_assert_ptr_nonnull(names[1]); /* the others still named */
    util_free_strv(names);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    testutil_capture_begin();
    ck_assert_int_lt(state_mark_snapshots(&st, &names), 0);
    testutil_capture_end();
    util_free_strv(names);
    ck_assert_int_eq(rmdir(path), 0);
    ck_assert_int_eq(state_mark_snapshots(&st, &names), 0);
    util_free_strv(names);
    state_destroy(&st);
}
END_TEST

/* Marks are keyed by file: a route server and a bridge of one name have
 * one each; a bare-name mark of an older run directory is read as both,
 * and ending one leaves the other. */
START_TEST(test_marks_keyed)
{
    struct state st;
    char path[PATH_MAX];
    make_network(&st);
    state_add_node(&st, MI_NODE_ROUTESERVER, "80_IXP");
    state_add_bridge(&st, "80_IXP");
    state_add_node(&st, MI_NODE_HOST, "3_LUGAhost");
    ck_assert_int_eq(state_sync(&st), 0);

    char *key = state_mark_key(&st, "80_IXP", false);
    ck_assert_str_eq(key, "80_IXP.frr");
    free(key);
    key = state_mark_key(&st, "80_IXP", true);
    ck_assert_str_eq(key, "80_IXP.vlan");
    free(key);
    key = state_mark_key(&st, "3_LUGAhost", false);
    ck_assert_str_eq(key, "3_LUGAhost.ip");
    free(key);
    ck_assert_ptr_null(state_mark_key(&st, "3_LUGAhost", true));
    ck_assert_ptr_null(state_mark_key(&st, "nosuch", false));

    ck_assert_int_eq(state_mark_set(&st, "80_IXP.frr", "mix", "S1"), 0);
    ck_assert_ptr_null(state_mark_get(&st, "80_IXP.vlan"));
    ck_assert_int_eq(state_mark_set(&st, "80_IXP.vlan", "vlans", "S1"), 0);
    ck_assert_int_eq(state_mark_clear(&st, "80_IXP.vlan"), 0);
    char *mark = state_mark_get(&st, "80_IXP.frr");
    ck_assert_str_eq(mark, "mix; its students' work is in snapshot S1");
    free(mark);
    ck_assert_int_eq(state_mark_clear(&st, "80_IXP.frr"), 0);
    /* Not keys: a side file's name, a bare name, a path, none; each said,
     * naming the key and why. */
    static const struct {
        const char *key, *msg;
    } bad[] = {
        {"R.frr.running", "cannot mark 'R.frr.running': a side file"},
        {"R", "cannot mark 'R': not an object's file"},
        {"../R.frr", "cannot mark '../R.frr': not an object's file"},
        {NULL, "cannot mark '(none)': no such object"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        testutil_capture_begin();
        int e = state_mark_set(&st, bad[i].key, "x", NULL);
        const char *msg = testutil_captured();
        ck_assert_msg(e == -EINVAL && strstr(msg, bad[i].msg), "%zu: %d %s", i,
                      e, msg);
        testutil_capture_end();
    }
    testutil_capture_begin();
    ck_assert_int_eq(state_mark_clear(&st, "R"), -EINVAL);
    ck_assert(strstr(testutil_captured(), "cannot unmark 'R': not an object"));
    testutil_capture_end();
    ck_assert_ptr_null(state_mark_get(&st, NULL));

    /* A bare-name mark (an older miniinet's): both objects marked. */
    snprintf(path, sizeof path, "%s/net/marks/80_IXP", rundir);
    write_file(path, "old; its students' work is in snapshot S0\n", 42);
    mark = state_mark_get(&st, "80_IXP.frr");
    ck_assert_str_eq(mark, "old; its students' work is in snapshot S0");
    free(mark);
    mark = state_mark_get(&st, "80_IXP.vlan");
    ck_assert_str_eq(mark, "old; its students' work is in snapshot S0");
    free(mark);
    char **names = NULL;
    ck_assert_int_eq(state_mark_snapshots(&st, &names), 0);
    ck_assert_str_eq(names[0], "S0");
    util_free_strv(names);
    /* The bridge restored: its mark goes, the route server's stays. */
    ck_assert_int_eq(state_mark_clear(&st, "80_IXP.vlan"), 0);
    ck_assert_ptr_null(state_mark_get(&st, "80_IXP.vlan"));
    mark = state_mark_get(&st, "80_IXP.frr");
    ck_assert_str_eq(mark, "old; its students' work is in snapshot S0");
    free(mark);
    ck_assert_int_eq(access(path, F_OK), -1); /* the bare one is gone */
    ck_assert_int_eq(state_mark_clear(&st, "80_IXP.frr"), 0);
    ck_assert_ptr_null(state_mark_get(&st, "80_IXP.frr"));
    state_destroy(&st);
}
END_TEST

START_TEST(test_marks)
{
    struct state st;
    char path[PATH_MAX];
    struct stat sb;

    make_network(&st);
    ck_assert_ptr_null(state_mark_get(&st, "R.frr")); /* no marks/ yet */
    ck_assert_int_eq(state_mark_clear(&st, "R.frr"), 0);
    ck_assert_int_eq(state_mark_set(&st, "R.frr", "why", "S1"), 0);
    char *mark = state_mark_get(&st, "R.frr");
    ck_assert_str_eq(mark, "why; its students' work is in snapshot S1");
    free(mark);
    snprintf(path, sizeof path, "%s/net/marks/R.frr", rundir);
    ck_assert_int_eq(lstat(path, &sb), 0);
    ck_assert(S_ISREG(sb.st_mode));
    ck_assert_uint_eq(sb.st_mode & 0777, 0600);
    snprintf(path, sizeof path, "%s/net/marks", rundir);
    ck_assert_int_eq(lstat(path, &sb), 0);
    ck_assert_uint_eq(sb.st_mode & 0777, 0700);
    ck_assert_ptr_null(state_mark_get(&st, "Q.frr")); /* another router */
    /* Set again: replaced. */
    ck_assert_int_eq(state_mark_set(&st, "R.frr", "other", NULL), 0);
    mark = state_mark_get(&st, "R.frr");
    ck_assert_str_eq(mark, "other");
    free(mark);
    ck_assert_int_eq(state_mark_clear(&st, "R.frr"), 0);
    ck_assert_ptr_null(state_mark_get(&st, "R.frr"));
    /* A name that is no node's is refused, never a path. */
    ck_assert_int_eq(state_mark_set(&st, "../state", "x", NULL), -EINVAL);
    ck_assert_ptr_null(state_mark_get(&st, "../state"));
    ck_assert_int_eq(state_mark_set(&st, "..", "x", NULL), -EINVAL);
    ck_assert_int_eq(state_mark_set(&st, ".", "x", NULL), -EINVAL);
    /* A switch's short bridge name (dots) is marked like a node. */
    ck_assert_int_eq(state_mark_set(&st, "1_L2.1.0.vlan", "vlans", "S2"), 0);
    mark = state_mark_get(&st, "1_L2.1.0.vlan");
    ck_assert_str_eq(mark, "vlans; its students' work is in snapshot S2");
    free(mark);
    ck_assert_int_eq(state_mark_clear(&st, "1_L2.1.0.vlan"), 0);
    ck_assert_ptr_null(state_mark_get(&st, "1_L2.1.0.vlan"));

    /* A mark that is not one line, or a symlink: still a mark (a router
     * is never taken for unmarked by mistake), its line saying so; the
     * symlink is not followed. */
    snprintf(path, sizeof path, "%s/net/marks/R.frr", rundir);
    write_file(path, "a\nb\n", 4);
    testutil_capture_begin();
    mark = state_mark_get(&st, "R.frr");
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(mark, "cannot be read"));
    free(mark);
    unlink(path);
    ck_assert_int_eq(symlink("/etc/passwd", path), 0);
    testutil_capture_begin();
    mark = state_mark_get(&st, "R.frr");
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(mark, "cannot be read"));
    free(mark);
    /* Setting replaces the symlink itself, writing nothing through it. */
    ck_assert_int_eq(state_mark_set(&st, "R.frr", "why", NULL), 0);
    ck_assert_int_eq(lstat(path, &sb), 0);
    ck_assert(S_ISREG(sb.st_mode));
    /* marks/ itself a symlink: refused, not followed. */
    ck_assert_int_eq(state_mark_clear(&st, "R.frr"), 0);
    snprintf(path, sizeof path, "%s/net/marks", rundir);
    ck_assert_int_eq(rmdir(path), 0);
    char target[PATH_MAX];
    snprintf(target, sizeof target, "%s/elsewhere", base);
    ck_assert_int_eq(mkdir(target, 0755), 0);
    ck_assert_int_eq(symlink(target, path), 0);
    testutil_capture_begin();
    ck_assert_int_lt(state_mark_set(&st, "R.frr", "why", NULL), 0);
    testutil_capture_end();
    snprintf(target, sizeof target, "%s/elsewhere/R.frr", base);
    ck_assert_int_eq(access(target, F_OK), -1);
    state_destroy(&st);
}
END_TEST

START_TEST(test_links_damaged)
{
    static const char *const bad[] = {
        "",
        "miniinet-links 2\n",
        "miniinet-links 1\nR eth0 down -\n",
        "miniinet-links 1\nR eth0 sideways - -\n",
        "miniinet-links 1\nR eth0 up 10 -\n",
        "miniinet-links 1\nR eth0 up x 0\n",
        "miniinet-links 1\nR ../x up - -\n",
        "miniinet-links 1\nR eth0 up - -",
    };
    struct state st;
    char path[PATH_MAX];

    make_network(&st);
    snprintf(path, sizeof path, "%s/net/links", rundir);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct state_link *got = NULL;
        size_t n = 0;
        write_file(path, bad[i], strlen(bad[i]));
        testutil_capture_begin();
        ck_assert_msg(state_links_load(&st, &got, &n) == -EINVAL, "%zu", i);
        testutil_capture_end();
        ck_assert_ptr_nonnull(strstr(testutil_captured(), "links"));
        ck_assert_ptr_null(got);
    }
    /* A symlink is refused, not followed. */
    unlink(path);
    ck_assert_int_eq(symlink("/etc/passwd", path), 0);
    struct state_link *got = NULL;
    size_t n = 0;
    testutil_capture_begin();
    ck_assert_int_lt(state_links_load(&st, &got, &n), 0);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "refused"));
    state_destroy(&st);
}
END_TEST

START_TEST(test_lock)
{
    struct stat st;

    ck_assert_int_eq(rmdir(rundir), 0);
    ck_assert_int_eq(state_lock(false), -ENOENT);
    ck_assert_int_eq(stat(rundir, &st), -1);

    int fd = state_lock(true);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(stat(rundir, &st), 0);
    ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    /* The lock is the file .lock, root's and 0600: no other user can open
     * it, so none can hold it. */
    char lock[PATH_MAX];
    snprintf(lock, sizeof lock, "%s/.lock", rundir);
    ck_assert_int_eq(lstat(lock, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    ck_assert_int_eq(st.st_uid, geteuid());
    int other = open(lock, O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(other, 0);
    ck_assert_int_eq(flock(other, LOCK_EX | LOCK_NB), -1);
    ck_assert_int_eq(errno, EWOULDBLOCK);
    state_unlock(fd);
    ck_assert_int_eq(stat(rundir, &st), -1); /* it was empty */
    /* A waiter that held the removed file gets a lock on nothing; the
     * next state_lock() makes and takes a new one. */
    ck_assert_int_eq(flock(other, LOCK_EX | LOCK_NB), 0);
    close(other);
    fd = state_lock(true);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
    state_unlock(fd);

    fd = state_lock(true);
    ck_assert_int_ge(fd, 0);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/net.cfg", rundir);
    write_file(path, "x", 1);
    state_unlock(fd);
    ck_assert_int_eq(stat(path, &st), 0); /* not empty: kept */
}
END_TEST

/* The lock file's line: exactly "OP PID SINCE\n". */
START_TEST(test_lock_parse)
{
    struct state_lock_holder h;

    ck_assert(state_lock_parse("up 123 1764728400\n", &h));
    ck_assert_str_eq(h.op, "up");
    ck_assert_int_eq(h.pid, 123);
    ck_assert(h.since == 1764728400LL);
    static const char *const bad[] = {
        "",
        "\n",
        "up 123 1764728400",              /* no newline */
        "up 123 1764728400\nx",           /* more */
        "up 0 1764728400\n",              /* pid 0 */
        "up -5 1764728400\n",             /* negative */
        "up 123 -1\n",                    /* negative time */
        "Up 123 1\n",                     /* upper case */
        "up  123 1\n",                    /* two spaces */
        "up 12x 1\n",                     /* junk */
        "up 123 1 2\n",                   /* extra token */
        "averyveryverylongverb 1 1\n",    /* longer than op[] */
        "up 99999999999999999999999 1\n", /* overflow */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ck_assert_msg(!state_lock_parse(bad[i], &h), "accepted '%s'", bad[i]);
    }
}
END_TEST

/* The network's lock: none without a run directory unless made; a second
 * taker is refused at once, naming the holder's verb and pid; a lock left
 * by a dead process is taken over, naming it; the master's lock is apart. */
START_TEST(test_lock_network)
{
    struct stat st;
    char path[PATH_MAX], pid[32];

    ck_assert_int_eq(rmdir(rundir), 0);
    ck_assert_int_eq(state_lock_network("net", false, "down", false, NULL),
                     -ENOENT);
    struct state_lock_holder none = {.pid = 1};
    int fd = state_lock_network("net", false, "up", true, &none);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(none.pid, 0); /* nobody's lock taken over */
    ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    snprintf(path, sizeof path, "%s/net.lock", rundir);
    ck_assert_int_eq(lstat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0600);

    testutil_capture_begin();
    ck_assert_int_eq(state_lock_network("net", false, "save", true, NULL),
                     -EBUSY);
    const char *msg = testutil_captured();
    snprintf(pid, sizeof pid, "(pid %ld, since ", (long)getpid());
    ck_assert_msg(strstr(msg, "network net: `up` ") && strstr(msg, pid) &&
                      strstr(msg, "this `save` does nothing"),
                  "message: %s", msg);
    testutil_capture_end();

    /* Other networks and the master's lock are other locks. */
    int other = state_lock_network("other", false, "up", true, NULL);
    ck_assert_int_ge(other, 0);
    int master = state_lock_network("net", true, "up", true, NULL);
    ck_assert_int_ge(master, 0);
    state_unlock_network("net", true, master);
    state_unlock_network("other", false, other);

    state_unlock_network("net", false, fd);
    ck_assert_int_eq(lstat(path, &st), -1);
    ck_assert_int_eq(stat(rundir, &st), -1); /* empty: removed */

    /* A holder killed: its file stays, its lock goes with it. */
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        int cfd = state_lock_network("net", false, "restore", true, NULL);
        if (cfd < 0) {
            _exit(1);
        }
        raise(SIGKILL);
        _exit(2);
    }
    int wstatus;
    ck_assert_int_eq(waitpid(child, &wstatus, 0), child);
    ck_assert(WIFSIGNALED(wstatus));
    ck_assert_int_eq(lstat(path, &st), 0);
    testutil_capture_begin();
    struct state_lock_holder dead;
    fd = state_lock_network("net", false, "down", false, &dead);
    ck_assert_int_ge(fd, 0);
    ck_assert_str_eq(dead.op, "restore");
    ck_assert_int_eq(dead.pid, child);
    msg = testutil_captured();
    snprintf(pid, sizeof pid, "(pid %ld, since ", (long)child);
    ck_assert_msg(strstr(msg, "`restore` ") && strstr(msg, pid) &&
                      strstr(msg, "taking over"),
                  "message: %s", msg);
    testutil_capture_end();
    char text[64] = "";
    int rfd = open(path, O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(rfd, 0);
    ck_assert_int_gt(read(rfd, text, sizeof text - 1), 0);
    close(rfd);
    struct state_lock_holder h;
    ck_assert(state_lock_parse(text, &h));
    ck_assert_str_eq(h.op, "down");
    ck_assert_int_eq(h.pid, getpid());
    state_unlock_network("net", false, fd);
}
END_TEST

/* A holder that has taken the lock but not yet written its name (`up`
 * started a moment ago on a busy machine): the refusal waits for the name,
 * bounded, and gives it. */
START_TEST(test_lock_network_unnamed)
{
    char path[PATH_MAX], pid[32];
    int p[2], wstatus;

    snprintf(path, sizeof path, "%s/net.lock", rundir);
    ck_assert_int_eq(pipe(p), 0);
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        close(p[0]);
        int cfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (cfd < 0 || flock(cfd, LOCK_EX) || write(p[1], "x", 1) != 1) {
            _exit(1);
        }
        usleep(50 * 1000);
        char text[64];
        int len = snprintf(text, sizeof text, "up %ld %lld\n", (long)getpid(),
                           (long long)time(NULL));
        if (pwrite(cfd, text, (size_t)len, 0) != len) {
            _exit(2);
        }
        pause();
        _exit(0);
    }
    close(p[1]);
    char c;
    ck_assert_int_eq(read(p[0], &c, 1), 1);
    close(p[0]);
    testutil_capture_begin();
    int fd = state_lock_network("net", false, "up", false, NULL);
    char *msg = xstrdup(testutil_captured());
    testutil_capture_end();
    /* The holder goes before any check can fail (CK_FORK=no). */
    kill(child, SIGKILL);
    ck_assert_int_eq(waitpid(child, &wstatus, 0), child);
    unlink(path);
    ck_assert_int_eq(fd, -EBUSY);
    snprintf(pid, sizeof pid, "`up` (pid %ld, since ", (long)child);
    ck_assert_msg(strstr(msg, pid) && !strstr(msg, "just starting"),
                  "message: %s", msg);
    free(msg);
}
END_TEST

/* A child that holds network net's lock as `op` for `ms` (forever if
 * negative), once the parent has read one byte from the returned pipe. */
static pid_t
hold_lock(const char *op, int ms, int *ready)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        close(p[0]);
        int cfd = state_lock_network("net", false, op, true, NULL);
        if (cfd < 0 || write(p[1], "x", 1) != 1) {
            _exit(1);
        }
        if (ms < 0) {
            pause();
        }
        usleep((useconds_t)ms * 1000);
        state_unlock_network("net", false, cfd);
        _exit(0);
    }
    close(p[1]);
    *ready = p[0];
    char c;
    ck_assert_int_eq(read(p[0], &c, 1), 1);
    return child;
}

/* The switch VLAN agent's hold ("vlan") is waited for, bounded; any other
 * holder's is not. */
START_TEST(test_lock_network_agent)
{
    int ready, wstatus;
    char netdir[PATH_MAX];
    /* The network is up: its directory keeps the run directory. */
    snprintf(netdir, sizeof netdir, "%s/net", rundir);
    ck_assert_int_eq(mkdir(netdir, 0755), 0);
    pid_t child = hold_lock("vlan", 200, &ready);
    double t0 = util_monotonic();
    int fd = state_lock_network("net", false, "save", false, NULL);
    double took = util_monotonic() - t0;
    ck_assert_int_ge(fd, 0);
    ck_assert_msg(took > 0.1 && took < 2, "took %.3f s", took);
    state_unlock_network("net", false, fd);
    ck_assert_int_eq(waitpid(child, &wstatus, 0), child);
    ck_assert(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
    close(ready);

    /* Held longer than the bound: refused, naming the agent. */
    child = hold_lock("vlan", -1, &ready);
    t0 = util_monotonic();
    testutil_capture_begin();
    ck_assert_int_eq(state_lock_network("net", false, "down", false, NULL),
                     -EBUSY);
    took = util_monotonic() - t0;
    const char *msg = testutil_captured();
    ck_assert_msg(strstr(msg, "`vlan` ") && strstr(msg, "this `down` does "
                                                        "nothing"),
                  "message: %s", msg);
    testutil_capture_end();
    ck_assert_msg(took >= STATE_LOCK_AGENT_WAIT_MS / 1000.0 &&
                      took < STATE_LOCK_AGENT_WAIT_MS / 1000.0 + 2,
                  "took %.3f s", took);
    kill(child, SIGKILL);
    ck_assert_int_eq(waitpid(child, &wstatus, 0), child);
    close(ready);

    /* Any other holder: refused at once. */
    child = hold_lock("up", -1, &ready);
    t0 = util_monotonic();
    testutil_capture_begin();
    ck_assert_int_eq(state_lock_network("net", false, "down", false, NULL),
                     -EBUSY);
    testutil_capture_end();
    took = util_monotonic() - t0;
    ck_assert_msg(took < 0.5, "took %.3f s", took);
    kill(child, SIGKILL);
    ck_assert_int_eq(waitpid(child, &wstatus, 0), child);
    close(ready);
    /* The killed holder's file is taken over and removed. */
    testutil_capture_begin();
    fd = state_lock_network("net", false, "down", false, NULL);
    testutil_capture_end();
    ck_assert_int_ge(fd, 0);
    state_unlock_network("net", false, fd);
}
END_TEST

static Suite *
state_suite(void)
{
    Suite *s = suite_create("state");
    TCase *tc = tcase_create("load");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_load_good);
    tcase_add_test(tc, test_load_torn_last_line);
    tcase_add_test(tc, test_empty_refused);
    tcase_add_test(tc, test_extra_tokens_refused);
    tcase_add_test(tc, test_nul_refused);
    tcase_add_test(tc, test_names_refused);
    tcase_add_test(tc, test_symlink_record_refused);
    tcase_add_test(tc, test_lock);
    tcase_add_test(tc, test_links_roundtrip);
    tcase_add_test(tc, test_links_damaged);
    tcase_add_test(tc, test_mark_line);
    tcase_add_test(tc, test_marks);
    tcase_add_test(tc, test_marks_keyed);
    tcase_add_test(tc, test_lock_parse);
    tcase_add_test(tc, test_mark_snapshot);
    tcase_add_test(tc, test_mark_snapshots);
    tcase_add_test(tc, test_lock_network);
    suite_add_tcase(s, tc);

    tc = tcase_create("lock_agent");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_lock_network_agent);
    tcase_add_test(tc, test_lock_network_unnamed);
    suite_add_tcase(s, tc);

    tc = tcase_create("remove");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_remove_all);
    tcase_add_test(tc, test_remove_node_dirs);
    /* Not added at all when they cannot run, so that they never pass
     * without testing anything (the race needs setuid() to nobody and
     * chown(), the mount test mount()); run-all counts the "# SKIP"
     * lines. */
    if (testutil_is_root()) {
        tcase_add_test(tc, test_remove_symlink_race);
        tcase_add_test(tc, test_remove_mount_loud);
    } else {
        printf("# SKIP state_remove under a symlink race and over a mount: "
               "needs root\n");
        fflush(stdout);
    }
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return testutil_run(state_suite());
}
