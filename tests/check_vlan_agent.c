/* Tests of the switch VLAN agent's server (vlan_agent.c) as root: its
 * listeners made by vlan_agent_listen() in two network namespaces this
 * test makes (mivlanA<pid> for AS 3, mivlanB<pid> for AS 4 of
 * configs/course.cfg), its loop run in a child process with a recording
 * fake switch, and real TCP clients on 127.0.0.1:ACCESS_VLAN_PORT inside
 * them: show, access, trunk, refusals (another AS's switch, an unknown
 * port, a management port, a bad VLAN, an overlong line), the fifth
 * connection of a group, the network's lock held, SIGTERM, the pid file.
 * Skips without root.  Everything made is removed, also on failure (the
 * namespaces by name, the child by its pid). */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "access_files.h"
#include "host.h"
#include "netlink.h"
#include "plan.h"
#include "state.h"
#include "testutil.h"
#include "util.h"
#include "vlan_agent.h"

static struct plan *plan;
static char ns[2][32], nspath[2][64];
static char dir[64];     /* the run directory, MINIINET_RUNDIR */
static char netdir[96];  /* the network's, where the pid file goes */
static char record[128]; /* the fake switch's record of changes */
static char logpath[128];
static pid_t server = -1;
static bool made[2];

static int
run(const char *const *argv)
{
    return host_run(argv, NULL);
}

static int
fake_set(void *arg, const char *bridge, const char *port,
         const struct mi_port_vlan *v)
{
    (void)arg;
    FILE *f = fopen(record, "a");
    if (!f) {
        return -errno;
    }
    if (!strcmp(port, "mi17b")) {
        fclose(f);
        return -EIO; /* the fake switch's failure */
    }
    fprintf(f, "%s %s %s", bridge, port, v->trunk ? "trunk" : "access");
    if (!v->trunk) {
        fprintf(f, " %u", v->tag);
    }
    for (unsigned t = 1; v->trunk && t <= MI_VLAN_MAX; t++) {
        if (v->trunks[t / 8] >> t % 8 & 1) {
            fprintf(f, " %u", t);
        }
    }
    fprintf(f, "\n");
    return fclose(f) ? -errno : 0;
}

static int
fake_get(void *arg, const char *bridge, char **text)
{
    (void)arg;
    *text = xasprintf("fake settings of %s", bridge); /* no newline */
    return 0;
}

/* Once per test case, in Check's own process (so that a test that
 * crashes still has them removed): the run directory and the two
 * namespaces. */
static void
setup_once(void)
{
    if (!testutil_is_root()) {
        return;
    }
    snprintf(dir, sizeof dir, "/tmp/mivlan-test.%ld", (long)getpid());
    snprintf(netdir, sizeof netdir, "%s/course", dir);
    snprintf(record, sizeof record, "%s/record", dir);
    snprintf(logpath, sizeof logpath, "%s/log", dir);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    ck_assert_int_eq(mkdir(netdir, 0700), 0);
    setenv("MINIINET_RUNDIR", dir, 1);
    for (int i = 0; i < 2; i++) {
        snprintf(ns[i], sizeof ns[i], "mivlan%c%ld", 'A' + i, (long)getpid());
        snprintf(nspath[i], sizeof nspath[i], "/run/netns/%s", ns[i]);
        const char *add[] = {"ip", "netns", "add", ns[i], NULL};
        ck_assert_int_eq(run(add), 0);
        made[i] = true;
        const char *lo[] = {"ip",  "-n", ns[i], "link",
                            "set", "lo", "up",  NULL};
        ck_assert_int_eq(run(lo), 0);
    }
}

static void
teardown_once(void)
{
    for (int i = 0; i < 2; i++) {
        if (made[i]) {
            const char *del[] = {"ip", "netns", "del", ns[i], NULL};
            run(del);
            made[i] = false;
        }
    }
    if (*dir) {
        const char *rm[] = {"rm", "-rf", "--", dir, NULL};
        run(rm);
        *dir = '\0';
    }
}

static void start_server(struct vlan_agent_listener *, size_t);

/* Per test: the agent's loop in a child (killed with the test's process
 * if that dies: PR_SET_PDEATHSIG), a fresh record and log. */
static void
setup(void)
{
    if (!testutil_is_root()) {
        return;
    }
    unlink(record);
    unlink(logpath);
    plan = testutil_plan_file("configs/course.cfg");
    struct vlan_agent_listener l[2];
    l[0] =
        (struct vlan_agent_listener){vlan_agent_listen(nspath[0], "3_ssh"), 3};
    l[1] =
        (struct vlan_agent_listener){vlan_agent_listen(nspath[1], "4_ssh"), 4};
    ck_assert_int_ge(l[0].fd, 0);
    ck_assert_int_ge(l[1].fd, 0);
    start_server(l, 2);
}

/* The agent's loop in a child serving l[0..n) (closed here). */
static void
start_server(struct vlan_agent_listener *l, size_t n)
{
    int log_fd =
        open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    ck_assert_int_ge(log_fd, 0);
    pid_t parent = getpid();
    server = fork();
    ck_assert_int_ge(server, 0);
    if (server == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) {
            _exit(4);
        }
        const struct mi_plan *p = plan_view(plan);
        struct vlan_agent a = {.p = p,
                               .ap = plan_access(plan),
                               .network = "course",
                               .set = fake_set,
                               .get = fake_get,
                               .listeners = l,
                               .n_listeners = n,
                               .log_fd = log_fd,
                               .log_path = logpath};
        if (vlan_agent_pidfile_write(netdir)) {
            _exit(3);
        }
        _exit(vlan_agent_serve(&a) ? 1 : 0);
    }
    for (size_t i = 0; i < n; i++) {
        close(l[i].fd);
    }
    close(log_fd);
    /* Ready once its pid file is there. */
    for (int i = 0; i < 200 && vlan_agent_running(netdir) != 1; i++) {
        usleep(10000);
    }
    ck_assert_int_eq(vlan_agent_running(netdir), 1);
}

static void
teardown(void)
{
    if (server > 0) {
        kill(server, SIGKILL);
        waitpid(server, NULL, 0);
        server = -1;
    }
    char path[160];
    snprintf(path, sizeof path, "%s/%s", netdir, VLAN_AGENT_PIDFILE);
    unlink(path);
    plan_free(plan);
    plan = NULL;
}

static int
connect_here(void *unused)
{
    (void)unused;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons(ACCESS_VLAN_PORT),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0) {
        return -errno;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa)) {
        int error = -errno;
        close(fd);
        return error;
    }
    return fd;
}

/* A connection to the agent in namespace `i`. */
static int
dial(int i)
{
    int fd = netlink_in_netns(nspath[i], "test", connect_here, NULL);
    ck_assert_int_ge(fd, 0);
    return fd;
}

/* Everything the agent sends on `fd` until it closes (at most 10 s). */
static char *
read_all(int fd)
{
    char *buf = xcalloc(1, 70000);
    size_t n = 0;
    double end = util_monotonic() + 10;

    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int ms = (int)((end - util_monotonic()) * 1000);
        ck_assert_msg(ms > 0 && poll(&p, 1, ms) == 1, "no reply in 10 s");
        ssize_t got = read(fd, buf + n, 69999 - n);
        if (got <= 0) {
            break;
        }
        n += (size_t)got;
    }
    close(fd);
    return buf;
}

/* The reply to `line` (sent as is) from the agent in namespace `i`. */
static char *
ask(int i, const char *line)
{
    int fd = dial(i);
    size_t len = strlen(line);
    ck_assert_int_eq(write(fd, line, len), (ssize_t)len);
    if (!len || line[len - 1] != '\n') {
        shutdown(fd, SHUT_WR); /* else the agent waits for the rest */
    }
    return read_all(fd);
}

/* The reply to `line` is `want` (NULL: any that ends "ok"). */
static void
assert_reply(int i, const char *line, const char *want)
{
    char *got = ask(i, line);
    size_t len = strlen(got);
    if (!want) {
        ck_assert_msg(len >= 3 && !strcmp(got + len - 3, "ok\n"),
                      "\"%s\": got \"%s\"", line, got);
        free(got);
        return;
    }
    ck_assert_msg(!strcmp(got, want), "\"%s\": got \"%s\", wanted \"%s\"",
                  line, got, want);
    free(got);
}

static char *
file_text(const char *path)
{
    size_t len;
    char *text = util_read_file(path, &len);
    return text ? text : xstrdup("");
}

static char *
record_text(void)
{
    return file_text(record);
}

#define SKIP_UNLESS_ROOT()                                                    \
    do {                                                                      \
        if (!testutil_is_root()) {                                            \
            printf("skipped: the switch VLAN agent's tests need root "        \
                   "(network namespaces)\n");                                 \
            return;                                                           \
        }                                                                     \
    } while (0)

START_TEST(test_show)
{
    SKIP_UNLESS_ROOT();
    assert_reply(0, "show DCN S1\n",
                 "port mi17b to router LUGA\n"
                 "port mi18b to router LUGA\n"
                 "port mi19a to switch S2\n"
                 "port mi20b to host FIFA_1\n"
                 "fake settings of 3_L2_DCN_S1\n"
                 "ok\n");
    char *r = record_text();
    ck_assert_str_eq(r, ""); /* show changes nothing */
    free(r);
}
END_TEST

START_TEST(test_access_trunk)
{
    SKIP_UNLESS_ROOT();
    assert_reply(0, "access DCN S1 mi20b 30\n",
                 "set DCN S1 port mi20b: access VLAN 30\nok\n");
    assert_reply(0, "trunk DCN S2 mi19b 20,10,20\n",
                 "set DCN S2 port mi19b: trunk of VLANs 10,20\nok\n");
    assert_reply(0, "trunk DCN S1 mi19a all\n",
                 "set DCN S1 port mi19a: trunk of every VLAN\nok\n");
    /* The switch's failure is said, not taken for done. */
    assert_reply(0, "access DCN S1 mi17b 10\n",
                 "error: the switch could not set it; ask your TA\n");
    char *r = record_text();
    ck_assert_str_eq(r, "3_L2_DCN_S1 mi20b access 30\n"
                        "3_L2_DCN_S2 mi19b trunk 10 20\n"
                        "3_L2_DCN_S1 mi19a trunk\n");
    free(r);
    char *log = file_text(logpath);
    ck_assert_ptr_nonnull(strstr(log, "AS 3: set DCN S1 port mi20b: access "
                                      "VLAN 30\n"));
    ck_assert_ptr_nonnull(strstr(log, "AS 3: not set, the switch failed"));
    free(log);
}
END_TEST

START_TEST(test_refused)
{
    SKIP_UNLESS_ROOT();
    /* AS 4's proxy asks for AS 3's switch. */
    assert_reply(1, "show DCN S1\n", "error: AS 4 has no switch \"DCN S1\"\n");
    assert_reply(1, "access DCN S1 mi20b 10\n",
                 "error: AS 4 has no switch \"DCN S1\"\n");
    assert_reply(0, "access DCN S1 mi99b 10\n",
                 "error: switch DCN S1 has no port \"mi99b\" of yours (show "
                 "DCN S1 lists them)\n");
    /* The management bridge's port of AS 3's proxy. */
    assert_reply(0, "access DCN S1 mi32b 10\n",
                 "error: switch DCN S1 has no port \"mi32b\" of yours (show "
                 "DCN S1 lists them)\n");
    assert_reply(0, "access DCN S1 mi20b 4095\n",
                 "error: VLAN \"4095\" is not a number from 1 to 4094\n");
    assert_reply(0, "access DCN S1 mi20b 0\n",
                 "error: VLAN \"0\" is not a number from 1 to 4094\n");
    assert_reply(0, "reboot\n",
                 "error: unknown request \"reboot\" (show, access or "
                 "trunk)\n");
    assert_reply(0, "show DCN S1", "error: request not ended by a newline\n");
    char line[400];
    memset(line, 'x', 300);
    strcpy(line + 300, "\n");
    assert_reply(0, line, "error: request longer than 255 bytes\n");
    /* Control characters reach the log escaped. */
    assert_reply(0, "show \x1b[2J S1\n",
                 "error: byte 0x1b at 6: a request is printable ASCII "
                 "words separated by single spaces\n");
    char *r = record_text();
    ck_assert_str_eq(r, "");
    free(r);
    char *log = file_text(logpath);
    ck_assert_ptr_nonnull(strstr(log, "AS 4: refused \"show DCN S1\": AS 4 "
                                      "has no switch"));
    ck_assert_ptr_nonnull(strstr(log, "refused \"show \\x1b[2J S1\""));
    ck_assert_ptr_null(strchr(log, '\x1b'));
    free(log);
}
END_TEST

START_TEST(test_busy)
{
    SKIP_UNLESS_ROOT();
    int fds[VLAN_AGENT_PER_GROUP];
    for (int i = 0; i < VLAN_AGENT_PER_GROUP; i++) {
        fds[i] = dial(0);
    }
    /* The fifth of AS 3: refused at once; AS 4's still served. */
    char *got = read_all(dial(0));
    ck_assert_str_eq(got, "error: busy\n");
    free(got);
    assert_reply(1, "show DCN S1\n", "error: AS 4 has no switch \"DCN S1\"\n");
    /* The four, once they send, are answered. */
    for (int i = 0; i < VLAN_AGENT_PER_GROUP; i++) {
        ck_assert_int_eq(write(fds[i], "show DCN S2\n", 12), 12);
        got = read_all(fds[i]);
        ck_assert_ptr_nonnull(strstr(got, "port mi21b to host UEFA_1\n"));
        free(got);
    }
    /* A client that sends nothing is dropped at its deadline. */
    double t0 = util_monotonic();
    got = read_all(dial(0));
    double took = util_monotonic() - t0;
    ck_assert_str_eq(got, "");
    ck_assert(took > VLAN_AGENT_DEADLINE_S - 1 &&
              took < VLAN_AGENT_DEADLINE_S + 3);
    free(got);
}
END_TEST

START_TEST(test_locked)
{
    SKIP_UNLESS_ROOT();
    int fd = state_lock_network("course", false, "save", false, NULL);
    ck_assert_int_ge(fd, 0);
    char want[128];
    snprintf(want, sizeof want,
             "error: miniinet is busy (save, pid %ld); try again\n",
             (long)getpid());
    assert_reply(0, "access DCN S1 mi20b 30\n", want);
    /* show takes no lock. */
    char *got = ask(0, "show DCN S1\n");
    ck_assert_ptr_nonnull(strstr(got, "\nok\n"));
    free(got);
    state_unlock_network("course", false, fd);
    char *r = record_text();
    ck_assert_str_eq(r, "");
    free(r);
    assert_reply(0, "access DCN S1 mi20b 30\n",
                 "set DCN S1 port mi20b: access VLAN 30\nok\n");
    /* The agent's own lock is gone after the change. */
    fd = state_lock_network("course", false, "save", false, NULL);
    ck_assert_int_ge(fd, 0);
    state_unlock_network("course", false, fd);
}
END_TEST

START_TEST(test_sigterm)
{
    SKIP_UNLESS_ROOT();
    int open_fd = dial(0); /* one open connection: closed on the way out */
    ck_assert_int_eq(kill(server, SIGTERM), 0);
    int status = 0;
    for (int i = 0; i < 300 && waitpid(server, &status, WNOHANG) == 0; i++) {
        usleep(10000);
    }
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    server = -1;
    char *got = read_all(open_fd);
    ck_assert_str_eq(got, "");
    free(got);
    char *log = file_text(logpath);
    ck_assert_ptr_nonnull(strstr(log, "stopped (SIGTERM)\n"));
    free(log);
    /* Its pid file names a process that is gone. */
    ck_assert_int_eq(vlan_agent_running(netdir), 0);
}
END_TEST

/* An agent killed and not reaped yet (a zombie) is not running. */
START_TEST(test_zombie)
{
    SKIP_UNLESS_ROOT();
    ck_assert_int_eq(kill(server, SIGKILL), 0);
    siginfo_t info = {0};
    /* Wait until it has ended, leaving it a zombie (WNOWAIT). */
    ck_assert_int_eq(waitid(P_PID, (id_t)server, &info, WEXITED | WNOWAIT), 0);
    ck_assert_int_eq(vlan_agent_running(netdir), 0);
}
END_TEST

START_TEST(test_pidfile_stop)
{
    SKIP_UNLESS_ROOT();
    ck_assert_int_eq(vlan_agent_running(netdir), 1);
    ck_assert_int_eq(vlan_agent_stop(netdir), 0);
    int status = 0;
    ck_assert_int_eq(waitpid(server, &status, 0), server);
    server = -1;
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_int_eq(vlan_agent_running(netdir), 0);
    char path[160];
    snprintf(path, sizeof path, "%s/%s", netdir, VLAN_AGENT_PIDFILE);
    ck_assert_int_eq(access(path, F_OK), -1);
    /* A pid file naming a live process with another start time (a pid
     * used again): not running, and stop signals nothing. */
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "%ld 1\n", (long)getpid());
    fclose(f);
    ck_assert_int_eq(vlan_agent_running(netdir), 0);
    ck_assert_int_eq(vlan_agent_stop(netdir), 0); /* we are still here */
    ck_assert_int_eq(access(path, F_OK), -1);
    /* A pid file that is not one. */
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "12 x\n");
    fclose(f);
    ck_assert_int_eq(vlan_agent_running(netdir), -EINVAL);
}
END_TEST

/* The groups file: the ASes the agent listens for, one a line; what is
 * not one is refused. */
START_TEST(test_groups_file)
{
    char gdir[] = "/tmp/mivlan-groups.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(gdir));
    const struct vlan_agent_listener l[] = {{.fd = -1, .asn = 3},
                                            {.fd = -1, .asn = 65001}};

    ck_assert_int_eq(vlan_agent_serves(gdir, 3), -ENOENT);
    ck_assert_int_eq(vlan_agent_groups_write(gdir, l, 2), 0);
    ck_assert_int_eq(vlan_agent_serves(gdir, 3), 1);
    ck_assert_int_eq(vlan_agent_serves(gdir, 65001), 1);
    ck_assert_int_eq(vlan_agent_serves(gdir, 4), 0);
    ck_assert_int_eq(vlan_agent_serves(gdir, 6500), 0);
    char path[96];
    snprintf(path, sizeof path, "%s/%s", gdir, VLAN_AGENT_GROUPS);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0600);
    /* None served: an empty file. */
    ck_assert_int_eq(vlan_agent_groups_write(gdir, l, 0), 0);
    ck_assert_int_eq(vlan_agent_serves(gdir, 3), 0);
    const char *bad[] = {"3\nx\n", "3", "-3\n", " 3\n", "99999999999\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(bad[i], f);
        fclose(f);
        ck_assert_msg(vlan_agent_serves(gdir, 4) == -EINVAL, "%s", bad[i]);
    }
    unlink(path);
    rmdir(gdir);
}
END_TEST

/* The buckets, pure: a group's burst, then one a second; all groups' burst
 * and rate; a refusal takes nothing. */
START_TEST(test_buckets)
{
    struct vlan_bucket g[3] = {{0}}, all = {0};
    double t = 100;
    int burst = (int)VLAN_AGENT_GROUP_BURST;

    for (int i = 0; i < burst; i++) {
        ck_assert(vlan_buckets_take(&g[0], &all, t));
    }
    ck_assert(!vlan_buckets_take(&g[0], &all, t));
    ck_assert(!vlan_buckets_take(&g[0], &all, t + 0.5));
    ck_assert(vlan_buckets_take(&g[0], &all, t + 1.0));
    ck_assert(!vlan_buckets_take(&g[0], &all, t + 1.5));
    /* Never more than the burst, however long it waited. */
    t += 1000;
    for (int i = 0; i < burst; i++) {
        ck_assert(vlan_buckets_take(&g[0], &all, t));
    }
    ck_assert(!vlan_buckets_take(&g[0], &all, t));
    /* All groups: the other groups' bursts take what is left of its own. */
    t += 1000;
    struct vlan_bucket fresh[3] = {{0}};
    memcpy(g, fresh, sizeof g);
    all = (struct vlan_bucket){0};
    int taken = 0;
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < burst; i++) {
            taken += vlan_buckets_take(&g[k], &all, t);
        }
    }
    ck_assert_int_eq(taken, (int)VLAN_AGENT_ALL_BURST);
    /* Group 2 was refused by all groups' bucket, not its own: a quarter
     * of a second gives all groups one token, taken by group 2. */
    ck_assert(!vlan_buckets_take(&g[2], &all, t));
    ck_assert(vlan_buckets_take(&g[2], &all, t + 1 / VLAN_AGENT_ALL_RATE));
    ck_assert(!vlan_buckets_take(&g[2], &all, t + 1 / VLAN_AGENT_ALL_RATE));
}
END_TEST

/* Through the agent: a group's fifth change at once is refused, said and
 * logged; shows still answered; a second later one more passes. */
START_TEST(test_rate)
{
    SKIP_UNLESS_ROOT();
    for (int i = 0; i < (int)VLAN_AGENT_GROUP_BURST; i++) {
        assert_reply(0, "access DCN S1 mi20b 30\n",
                     "set DCN S1 port mi20b: access VLAN 30\nok\n");
    }
    assert_reply(0, "access DCN S1 mi20b 40\n",
                 "error: too many changes (one a second per group, four in "
                 "all); try again in a second\n");
    char *got = ask(0, "show DCN S1\n");
    ck_assert_ptr_nonnull(strstr(got, "\nok\n"));
    free(got);
    usleep(1100 * 1000);
    assert_reply(0, "access DCN S1 mi20b 40\n",
                 "set DCN S1 port mi20b: access VLAN 40\nok\n");
    char *log = file_text(logpath);
    ck_assert_ptr_nonnull(strstr(log, "AS 3: not set, too many changes: DCN "
                                      "S1 port mi20b: access VLAN 40\n"));
    free(log);
}
END_TEST

/* Refusals: at most VLAN_AGENT_LOG_REFUSALS lines a minute per group,
 * then one line for the rest (at the latest when the agent stops); the
 * other group's still logged.  Past its cap the log is renamed to .1 and
 * a new one begun. */
START_TEST(test_log_limits)
{
    SKIP_UNLESS_ROOT();
    for (int i = 0; i < VLAN_AGENT_LOG_REFUSALS + 5; i++) {
        assert_reply(0, "reboot\n",
                     "error: unknown request \"reboot\" (show, access or "
                     "trunk)\n");
    }
    assert_reply(1, "reboot\n",
                 "error: unknown request \"reboot\" (show, access or "
                 "trunk)\n");
    /* Past the cap: the next line goes to a new log. */
    ck_assert_int_eq(truncate(logpath, VLAN_AGENT_LOG_MAX + 1), 0);
    assert_reply(0, "show DCN S1\n", NULL);
    ck_assert_int_eq(kill(server, SIGTERM), 0);
    ck_assert_int_eq(waitpid(server, NULL, 0), server);
    server = -1;
    char old[160];
    snprintf(old, sizeof old, "%s.1", logpath);
    struct stat st;
    ck_assert_int_eq(stat(old, &st), 0);
    ck_assert_int_eq(st.st_size, VLAN_AGENT_LOG_MAX + 1);
    char *log = file_text(old);
    size_t n = 0;
    for (const char *at = log; (at = strstr(at, "AS 3: refused")); at++) {
        n++;
    }
    ck_assert_uint_eq(n, VLAN_AGENT_LOG_REFUSALS);
    ck_assert_ptr_nonnull(strstr(log, "AS 4: refused \"reboot\""));
    free(log);
    log = file_text(logpath);
    ck_assert_msg(strstr(log, "(the log before this one: ") &&
                      strstr(log, "AS 3: 5 more refusals not logged (at "
                                  "most 10 a minute)\n") &&
                      strstr(log, "stopped (SIGTERM)\n"),
                  "log: %s", log);
    free(log);
    unlink(old);
}
END_TEST

static int
bind_here(void *unused)
{
    (void)unused;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons(ACCESS_VLAN_PORT),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int one = 1; /* as a student may: TIME_WAIT is no obstacle */
    if (fd < 0) {
        return -errno;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 1)) {
        int error = -errno;
        close(fd);
        return error;
    }
    return fd;
}

/* A student's process holds port 1000 in AS 4's proxy: AS 4's listener
 * is left out, with a warning naming the proxy and the reason, and AS 3's
 * is made and served.  Neither: none made. */
START_TEST(test_port_taken)
{
    SKIP_UNLESS_ROOT();
    int taken = netlink_in_netns(nspath[1], "test", bind_here, NULL);
    ck_assert_int_ge(taken, 0);
    struct vlan_agent_where w[2] = {{nspath[0], "3_ssh", 3},
                                    {nspath[1], "4_ssh", 4}};
    struct vlan_agent_listener l[2];
    testutil_capture_begin();
    size_t n = vlan_agent_listen_all(w, 2, l);
    const char *msg = testutil_captured();
    ck_assert_msg(strstr(msg, "4_ssh: the switch VLAN agent cannot "
                              "listen on 127.0.0.1:1000 there: Address "
                              "already in use; AS 4 cannot") != NULL,
                  "message: %s", msg);
    ck_assert_ptr_null(strstr(msg, "3_ssh"));
    testutil_capture_end();
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(l[0].asn, 3);
    plan = testutil_plan_file("configs/course.cfg");
    start_server(l, n);
    assert_reply(0, "access DCN S1 mi20b 30\n",
                 "set DCN S1 port mi20b: access VLAN 30\nok\n");
    teardown();
    /* Both ports taken (AS 3's by the test now too): none made. */
    int taken0 = netlink_in_netns(nspath[0], "test", bind_here, NULL);
    ck_assert_int_ge(taken0, 0);
    testutil_capture_begin();
    ck_assert_uint_eq(vlan_agent_listen_all(w, 2, l), 0);
    msg = testutil_captured();
    ck_assert_ptr_nonnull(strstr(msg, "3_ssh: the switch VLAN agent"));
    testutil_capture_end();
    close(taken0);
    close(taken);
}
END_TEST

static Suite *
vlan_agent_suite(void)
{
    Suite *s = suite_create("vlan_agent");
    TCase *tc = tcase_create("serve");
    tcase_set_timeout(tc, 30);
    tcase_add_unchecked_fixture(tc, setup_once, teardown_once);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_show);
    tcase_add_test(tc, test_access_trunk);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_busy);
    tcase_add_test(tc, test_locked);
    tcase_add_test(tc, test_sigterm);
    tcase_add_test(tc, test_pidfile_stop);
    tcase_add_test(tc, test_zombie);
    tcase_add_test(tc, test_rate);
    tcase_add_test(tc, test_log_limits);
    suite_add_tcase(s, tc);
    tc = tcase_create("port_taken");
    tcase_set_timeout(tc, 30);
    tcase_add_unchecked_fixture(tc, setup_once, teardown_once);
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, test_port_taken);
    suite_add_tcase(s, tc);
    tc = tcase_create("buckets");
    tcase_add_test(tc, test_buckets);
    tcase_add_test(tc, test_groups_file);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return testutil_run(vlan_agent_suite());
}
