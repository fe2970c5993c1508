/* The ovs switch plugin against a real, private Open vSwitch: starting it,
 * building bridges and ports in one transaction, refusing to build twice,
 * finding the instance again from a fresh state (as `down` does),
 * destroying, traffic through a bridge with and without matching VLAN
 * tags, and the ports' VLAN settings read back and put back (get_vlans,
 * set_vlans).  The VLAN settings' text and the parser of ovs-vsctl's lists
 * (plugins/common/vlans.c, compiled in) are tested without a daemon.
 *
 * Every test that changes the machine needs root and the openvswitch-switch
 * programs, and runs its own Open vSwitch in a fresh temporary directory;
 * it is skipped, saying so, without them or when the server's own Open
 * vSwitch runs (the plugin would use that one).  Each test runs in a
 * network namespace of its own; its namespaces are named mtNNNNN... (NNNNN
 * from the test's pid).  An unchecked fixture, which runs in the test
 * runner even when a test dies, kills the daemons and removes what is
 * left.
 *
 * MINIINET_OVS_BENCH=1 adds a test that builds 250 bridges with 1000
 * ports and prints how long it took. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../plugins/common/ovsleftover.h"
#include "../plugins/common/vlans.h"
#include "host.h"
#include "loader.h"
#include "log.h"
#include "testutil.h"
#include "util.h"

#define SYSTEM_DB_SOCK "/var/run/openvswitch/db.sock"

static char prefix[16];  /* "mtNNNNN": every link and namespace name */
static char tmpdir[64];  /* the switch directory of the current test */
static char tmpdir2[64]; /* a second one */
static char plugin_path[PATH_MAX];

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* prefix + suffix, in a static ring of buffers. */
static const char *nm(const char *fmt, ...) MI_PRINTF(1, 2);

static const char *
nm(const char *fmt, ...)
{
    static char bufs[64][16];
    static unsigned next;
    char *buf = bufs[next++ % 64];
    char suffix[16];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(suffix, sizeof suffix, fmt, ap);
    va_end(ap);
    ck_assert_int_lt(snprintf(buf, 16, "%s%s", prefix, suffix), 16);
    return buf;
}

/* Runs a NULL-terminated argv; returns its exit status and, if `out` is
 * not NULL, its output with trailing newlines removed. */
static int
run(char **out, const char *arg0, ...)
{
    const char *argv[64];
    size_t n = 0;
    va_list ap;

    argv[n++] = arg0;
    va_start(ap, arg0);
    while ((argv[n++] = va_arg(ap, const char *)) != NULL) {
        ck_assert_uint_lt(n, 64);
    }
    va_end(ap);

    int status = host_run(argv, out);
    if (out && *out) {
        size_t len = strlen(*out);
        while (len && (*out)[len - 1] == '\n') {
            (*out)[--len] = '\0';
        }
    }
    return status;
}

#define RUN_OK(...) ck_assert_int_eq(run(NULL, __VA_ARGS__, (char *)NULL), 0)

/* The output of `ovs-vsctl --db=... ARGS`, which must succeed. */
static char *
vsctl(const char *arg0, ...)
{
    const char *argv[16];
    size_t n = 0;
    va_list ap;
    char db[PATH_MAX];
    char *out;

    snprintf(db, sizeof db, "--db=unix:%s/db.sock", tmpdir);
    argv[n++] = "ovs-vsctl";
    argv[n++] = db;
    argv[n++] = "--timeout=10";
    argv[n++] = arg0;
    va_start(ap, arg0);
    while ((argv[n++] = va_arg(ap, const char *)) != NULL) {
        ck_assert_uint_lt(n, 16);
    }
    va_end(ap);

    int status = host_run(argv, &out);
    ck_assert_msg(status == 0, "ovs-vsctl %s: status %d", arg0, status);
    size_t len = strlen(out);
    while (len && out[len - 1] == '\n') {
        out[--len] = '\0';
    }
    return out;
}

static void
expect_vsctl(const char *expected, const char *arg0, const char *arg1,
             const char *arg2, const char *arg3)
{
    char *out = vsctl(arg0, arg1, arg2, arg3, (char *)NULL);

    ck_assert_msg(!strcmp(out, expected),
                  "ovs-vsctl %s %s %s %s: \"%s\", "
                  "expected \"%s\"",
                  arg0, arg1, arg2, arg3, out, expected);
    free(out);
}

static bool
program_exists(const char *name)
{
    static const char *const dirs[] = {"/usr/sbin",       "/usr/bin",
                                       "/sbin",           "/bin",
                                       "/usr/local/sbin", "/usr/local/bin"};

    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
        char *path = xasprintf("%s/%s", dirs[i], name);
        bool ok = !access(path, X_OK);
        free(path);
        if (ok) {
            return true;
        }
    }
    return false;
}

/* Why the tests that need a private Open vSwitch cannot run, or NULL. */
static const char *
cannot_run(void)
{
    static const char *const programs[] = {
        "ovsdb-tool", "ovsdb-server", "ovs-vswitchd", "ovs-vsctl",
        "ovs-appctl", "ip",           "env",          NULL,
    };

    if (!testutil_is_root()) {
        return "needs root";
    }
    for (size_t i = 0; programs[i]; i++) {
        if (!program_exists(programs[i])) {
            return "Open vSwitch or iproute2 programs missing (install "
                   "openvswitch-switch and iproute2)";
        }
    }
    if (!access(SYSTEM_DB_SOCK, F_OK)) {
        return "the server's own Open vSwitch runs (" SYSTEM_DB_SOCK
               "); the plugin would use it";
    }
    return NULL;
}

/* The state letter of /proc/.../stat at PATH if its name is `comm` (any
 * name: NULL), else 0. */
static char
stat_state(const char *path, const char *comm)
{
    char buf[256];
    FILE *f = fopen(path, "re");

    if (!f) {
        return 0;
    }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *close = strrchr(buf, ')');
    char *open = strchr(buf, '(');
    if (!open || !close || close[1] != ' ' ||
        (comm && ((size_t)(close - open - 1) != strlen(comm) ||
                  strncmp(open + 1, comm, strlen(comm)) != 0))) {
        return 0;
    }
    return close[2];
}

/* True if process `pid` is called `comm` and runs, as the plugin counts
 * it: nothing may reap the detached daemons here, so a zombie leader is
 * gone only once none of its threads runs (an ovs-vswitchd's leader turns
 * zombie while its other threads still tear its tap devices down, and
 * the plugin sees it running until they end). */
static bool
process_runs(long pid, const char *comm)
{
    char path[64];

    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    char state = stat_state(path, comm);
    if (!state) {
        return false;
    }
    if (state != 'Z' && state != 'X' && state != 'x') {
        return true;
    }
    snprintf(path, sizeof path, "/proc/%ld/task", pid);
    DIR *d = opendir(path);
    bool runs = false;
    for (struct dirent *de; d && !runs && (de = readdir(d)) != NULL;) {
        if (de->d_name[0] == '.') {
            continue;
        }
        char *task = xasprintf("%s/%s/stat", path, de->d_name);
        char t = stat_state(task, NULL); /* a thread has a name of its own */
        runs = t && t != 'Z' && t != 'X' && t != 'x';
        free(task);
    }
    if (d) {
        closedir(d);
    }
    return runs;
}

/* The pid in DIR/FILE, or 0. */
static long
pid_in(const char *dir, const char *file)
{
    char *path = xasprintf("%s/%s", dir, file);
    FILE *f = fopen(path, "re");
    long pid = 0;

    free(path);
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1) {
            pid = 0;
        }
        fclose(f);
    }
    return pid;
}

static size_t
count_files(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;

    for (struct dirent *de; d && (de = readdir(d)) != NULL;) {
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    }
    if (d) {
        closedir(d);
    }
    return n;
}

static bool
link_exists(const char *name)
{
    return host_link_exists(NULL, name) == 1;
}

static void
veth(const char *a, const char *b)
{
    RUN_OK("ip", "link", "add", a, "type", "veth", "peer", "name", b);
    RUN_OK("ip", "link", "set", a, "up");
    RUN_OK("ip", "link", "set", b, "up");
}

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------------ */
/* The plugin                                                               */
/* ------------------------------------------------------------------------ */

struct sw {
    struct loaded_plugin lp;
    const struct mi_switch_ops *ops;
    void *state;
};

static void
sw_open(struct sw *sw)
{
    ck_assert_int_eq(plugin_load_file(plugin_path, &sw->lp), 0);
    ck_assert_int_eq(sw->lp.desc->kind, MI_PLUGIN_SWITCH);
    sw->ops = sw->lp.desc->ops.switch_;
    ck_assert_int_eq(
        sw->ops->common.configure(host_services(), NULL, &sw->state), 0);
}

/* A fresh state, as `down` in a new process has. */
static void
sw_reopen(struct sw *sw)
{
    sw->ops->common.release(sw->state);
    ck_assert_int_eq(
        sw->ops->common.configure(host_services(), NULL, &sw->state), 0);
}

static void
sw_close(struct sw *sw)
{
    sw->ops->common.release(sw->state);
    plugin_unload(&sw->lp);
}

/* Configures with the settings section plugins.ovs of `text`; the state
 * into *state (NULL on failure). */
static int
sw_configure(struct sw *sw, const char *text)
{
    return testutil_configure(&sw->ops->common, host_services(), text,
                              "plugins.ovs", &sw->state);
}

/* ------------------------------------------------------------------------ */
/* A hand-made plan                                                         */
/* ------------------------------------------------------------------------ */

#define MAX_LINKS 1100
#define MAX_BRIDGES 260

struct tplan {
    struct mi_server servers[2];
    struct mi_node nodes[2];
    struct mi_link links[MAX_LINKS];
    struct mi_bridge bridges[MAX_BRIDGES];
    char names[MAX_LINKS + MAX_BRIDGES][3][16];
    size_t n_names;
    struct mi_plan plan;
};

static char *
tp_name(struct tplan *tp, const char *s)
{
    char *buf = tp->names[tp->n_names / 3][tp->n_names % 3];

    tp->n_names++;
    snprintf(buf, 16, "%s", s);
    return buf;
}

static struct tplan *
tp_new(void)
{
    struct tplan *tp = xcalloc(1, sizeof *tp);

    tp->servers[0].name = "s1";
    tp->servers[1].name = "s2";
    tp->nodes[0].name = "node0";
    tp->nodes[1].name = "node1";
    tp->plan.size = sizeof tp->plan;
    tp->plan.name = "ovstest";
    tp->plan.servers = tp->servers;
    tp->plan.n_servers = 2;
    tp->plan.nodes = tp->nodes;
    tp->plan.n_nodes = 2;
    tp->plan.links = tp->links;
    tp->plan.bridges = tp->bridges;
    return tp;
}

static int
tp_bridge(struct tplan *tp, const char *name, enum mi_bridge_kind kind,
          unsigned server)
{
    size_t i = tp->plan.n_bridges++;
    struct mi_bridge *br = &tp->bridges[i];

    ck_assert_uint_lt(i, MAX_BRIDGES);
    br->name = tp_name(tp, name);
    br->kind = kind;
    br->server = server;
    br->stp_priority = kind == MI_BRIDGE_L2SWITCH ? 4096 * (1 + i % 8) : 0;
    uint8_t mac[6] = {0xaa, 0x00, 0x00, 0x00, (uint8_t)(i >> 8), (uint8_t)i};
    memcpy(br->stp_mac, mac, sizeof mac);
    return (int)i;
}

/* A link on `server` from node `node` (or bridge -node-2 when negative
 * below -1) to bridge `bridge` with root-namespace port `port`. */
static struct mi_link *
tp_link(struct tplan *tp, int bridge, const char *port, unsigned vlan)
{
    size_t i = tp->plan.n_links++;
    struct mi_link *l = &tp->links[i];

    ck_assert_uint_lt(i, MAX_LINKS);
    /* As the planner makes them: a member's link to an IXP LAN, a host's
     * to an L2 switch (an access port, untagged in VLAN 0). */
    switch (tp->bridges[bridge].kind) {
    case MI_BRIDGE_IXP:
        l->kind = MI_LINK_IXP;
        break;
    case MI_BRIDGE_MGMT: /* a device's "ssh" (student access) */
        l->kind = MI_LINK_MGMT;
        break;
    default:
        l->kind = MI_LINK_L2_HOST;
    }
    l->end[0].node = 0;
    l->end[0].bridge = -1;
    l->end[0].ifname = "eth0";
    l->end[1].node = -1;
    l->end[1].bridge = bridge;
    l->end[1].vlan = vlan;
    l->end[1].ifname = tp_name(tp, port);
    l->peer[1] = l->end[1].ifname;
    l->mtu = 1500;
    return l;
}

/* ------------------------------------------------------------------------ */
/* Fixtures                                                                 */
/* ------------------------------------------------------------------------ */

/* Unchecked: each test runs in a network namespace of its own, where
 * nothing but its own Open vSwitch runs (only one ovs-vswitchd with the
 * userspace datapath fits in a namespace: other tests running at the same
 * time would collide with it) and whose links vanish with it. */
static void
setup_dir(void)
{
    strcpy(tmpdir, "/tmp/miniinet-ovs-XXXXXX");
    strcpy(tmpdir2, "/tmp/miniinet-ovs-XXXXXX");
    if (!mkdtemp(tmpdir) || !mkdtemp(tmpdir2)) {
        perror("mkdtemp");
        abort();
    }
    if (testutil_is_root() && unshare(CLONE_NEWNET) < 0) {
        fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
        abort();
    }
}

static void
kill_daemon(const char *dir, const char *pidfile, const char *comm)
{
    long pid = pid_in(dir, pidfile);

    if (pid <= 0 || !process_runs(pid, comm)) {
        return;
    }
    fprintf(stderr, "# cleanup: killing %s %ld\n", comm, pid);
    kill((pid_t)pid, SIGTERM);
    for (int i = 0; i < 100 && process_runs(pid, comm); i++) {
        usleep(20000);
    }
    if (process_runs(pid, comm)) {
        kill((pid_t)pid, SIGKILL);
    }
}

/* Deletes the namespaces named prefix... */
static void
delete_namespaces(void)
{
    DIR *d = opendir("/run/netns");

    for (struct dirent *de; d && (de = readdir(d)) != NULL;) {
        if (!strncmp(de->d_name, prefix, strlen(prefix))) {
            run(NULL, "ip", "netns", "del", de->d_name, (char *)NULL);
        }
    }
    if (d) {
        closedir(d);
    }
}

/* Unchecked: runs in the runner, also after a test died. */
static void
empty_dir(const char *dir)
{
    DIR *d = opendir(dir);

    for (struct dirent *de; d && (de = readdir(d)) != NULL;) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            char *path = xasprintf("%s/%s", dir, de->d_name);
            unlink(path);
            free(path);
        }
    }
    if (d) {
        closedir(d);
    }
    rmdir(dir);
}

/* The tap devices a killed ovs-vswitchd of `dir` left (its vsd.taps: a
 * test that failed between the kill and their deletion). */
static void
delete_left_taps(const char *dir)
{
    char *path = xasprintf("%s/vsd.taps", dir);
    size_t len;
    char *taps = util_read_file(path, &len);
    const char *names[64];
    size_t n = 0;
    char *save = NULL;
    for (char *line = taps ? strtok_r(taps, "\n", &save) : NULL;
         line && n < ARRAY_SIZE(names); line = strtok_r(NULL, "\n", &save)) {
        if (strlen(line) < IFNAMSIZ && !strchr(line, '/')) {
            names[n++] = line; /* not the "no/name" a test writes */
        }
    }
    host_links_delete(NULL, names, n);
    free(taps);
    free(path);
}

static void
teardown_dir(void)
{
    log_set_sink(NULL, NULL);
    log_set_verbosity(1);
    if (testutil_is_root()) {
        const char *dirs[] = {tmpdir, tmpdir2};
        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
            kill_daemon(dirs[i], "vsd.pid", "ovs-vswitchd");
            kill_daemon(dirs[i], "ovsdb.pid", "ovsdb-server");
            delete_left_taps(dirs[i]);
        }
        delete_namespaces();
    }
    empty_dir(tmpdir);
    empty_dir(tmpdir2);
}

/* ------------------------------------------------------------------------ */
/* Tests without a daemon                                                   */
/* ------------------------------------------------------------------------ */

START_TEST(test_descriptor)
{
    struct sw sw;

    sw_open(&sw);
    const struct mi_switch_ops *ops = sw.ops;
    ck_assert_str_eq(sw.lp.desc->name, "ovs");
    ck_assert_ptr_nonnull(ops->start);
    ck_assert_ptr_nonnull(ops->needs_tx_csum_off);
    ck_assert_ptr_nonnull(ops->build);
    ck_assert_ptr_nonnull(ops->bridge_exists);
    ck_assert_ptr_nonnull(ops->destroy);
    ck_assert_ptr_nonnull(ops->get_vlans);
    ck_assert_ptr_nonnull(ops->set_vlans);
    ck_assert_ptr_nonnull(ops->dead_daemons);
    ck_assert_ptr_nonnull(ops->reattach_port);
    ck_assert_ptr_nonnull(ops->bridges_exist);
    ck_assert_ptr_nonnull(ops->set_port_vlan);
    ck_assert_uint_eq(sw.lp.desc->abi_minor, MI_PLUGIN_ABI_MINOR);
    /* datapath "auto": netdev (needing checksum offload off) exactly when
     * the kernel has no openvswitch module. */
    ck_assert_int_eq(ops->needs_tx_csum_off(sw.state),
                     access("/sys/module/openvswitch", F_OK) != 0);
    sw_close(&sw);
}
END_TEST

/* dead_daemons: nothing where no private instance was made; both daemons
 * where its database is and no pid file names a running one (a pid file
 * of another program is not theirs). */
START_TEST(test_dead_daemons)
{
    struct sw sw;
    char buf[64] = "x";

    sw_open(&sw);
    ck_assert_int_eq(sw.ops->dead_daemons(sw.state, tmpdir, buf, sizeof buf),
                     0);
    ck_assert_str_eq(buf, "");
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/conf.db", tmpdir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    snprintf(path, sizeof path, "%s/vsd.pid", tmpdir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "%ld\n", (long)getpid());
    fclose(f);
    ck_assert_int_eq(sw.ops->dead_daemons(sw.state, tmpdir, buf, sizeof buf),
                     0);
    ck_assert_str_eq(buf, "ovsdb-server ovs-vswitchd");
    unlink(path);
    snprintf(path, sizeof path, "%s/conf.db", tmpdir);
    unlink(path);
    sw_close(&sw);
}
END_TEST

/* check_mgmt: the switch builds management bridges (ABI 4.11) of the
 * shape plugin.h gives them, and refuses a plan that breaks it: a
 * management link on another bridge, a data-plane link on a management
 * bridge, a VLAN on a management port -- with -ENOTSUP, plugin.h's word. */
START_TEST(test_check_mgmt)
{
    struct sw sw;

    sw_open(&sw);
    ck_assert_ptr_nonnull(sw.ops->check_mgmt);
    struct tplan *tp = tp_new();
    int m = tp_bridge(tp, "3_mgmt", MI_BRIDGE_MGMT, 0);
    int a = tp_bridge(tp, "3_L2_DCN_S1", MI_BRIDGE_L2SWITCH, 0);
    tp_link(tp, m, "mi10b", 0);
    struct mi_link *l2 = tp_link(tp, a, "mi11b", 10);
    ck_assert_int_eq(l2->kind, MI_LINK_L2_HOST);
    struct mi_link *ml = &tp->links[0];
    ck_assert_int_eq(ml->kind, MI_LINK_MGMT);
    ck_assert_int_eq(sw.ops->check_mgmt(sw.state, &tp->plan), 0);

    testutil_capture_begin();
    ml->end[1].vlan = 5;
    ck_assert_int_eq(sw.ops->check_mgmt(sw.state, &tp->plan), -ENOTSUP);
    ml->end[1].vlan = 0;
    ml->end[1].bridge = a;
    ck_assert_int_eq(sw.ops->check_mgmt(sw.state, &tp->plan), -ENOTSUP);
    ml->end[1].bridge = m;
    l2->end[1].bridge = m;
    ck_assert_int_eq(sw.ops->check_mgmt(sw.state, &tp->plan), -ENOTSUP);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(),
                                 "ovs: link 1, end 1: a data-plane link on "
                                 "management bridge 3_mgmt (VLAN 10)"));
    free(tp);
    sw_close(&sw);
}
END_TEST

START_TEST(test_settings)
{
    struct sw sw;

    sw_open(&sw);
    sw.ops->common.release(sw.state);

    ck_assert_int_eq(
        sw_configure(&sw, "plugins = { ovs = { datapath = \"netdev\"; }; };"),
        0);
    ck_assert(sw.ops->needs_tx_csum_off(sw.state));
    sw.ops->common.release(sw.state);
    ck_assert_int_eq(
        sw_configure(&sw, "plugins = { ovs = { datapath = \"system\"; }; };"),
        0);
    ck_assert(!sw.ops->needs_tx_csum_off(sw.state));
    sw.ops->common.release(sw.state);

    ck_assert_int_eq(
        sw_configure(&sw, "plugins = { ovs = { datapath = \"kernel\"; }; };"),
        -EINVAL);
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "\"kernel\""));
    ck_assert_int_eq(
        sw_configure(&sw, "plugins = { ovs = { colour = \"red\"; }; };"),
        -EINVAL);
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "colour"));
    ck_assert_int_eq(sw_configure(&sw, "plugins = { ovs = {}; };"), 0);
    sw_close(&sw);
}
END_TEST

START_TEST(test_destroy_nothing)
{
    struct sw sw;

    /* No instance in the directory and none of the server's: no bridge
     * exists, and destroying is a no-op that touches no file. */
    sw_open(&sw);
    const char *names[] = {nm("Bx")};
    ck_assert_int_eq(sw.ops->bridge_exists(sw.state, tmpdir, names[0]), 0);
    bool exists[1] = {true};
    ck_assert_int_eq(sw.ops->bridges_exist(sw.state, tmpdir, names, 1, exists),
                     0);
    ck_assert(!exists[0]);
    ck_assert_int_eq(sw.ops->destroy(sw.state, tmpdir, names, 1), 0);
    ck_assert_uint_eq(count_files(tmpdir), 0);
    sw_close(&sw);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* VLAN settings as text (vlans.c): no daemon                              */
/* ------------------------------------------------------------------------ */

/* vlans_parse() of `text` refuses it, naming line `line`. */
static void
expect_refused(const char *text, unsigned line)
{
    struct vlan_ports ports = {0};
    char err[128], want[16];

    ck_assert_msg(vlans_parse(text, &ports, err, sizeof err) == -EINVAL,
                  "accepted: \"%s\"", text);
    snprintf(want, sizeof want, "line %u: ", line);
    ck_assert_msg(!strncmp(err, want, strlen(want)), "\"%s\": %s", text, err);
    ck_assert_ptr_null(ports.v);
    ck_assert_uint_eq(ports.n, 0);
}

START_TEST(test_vlans_text)
{
    struct vlan_ports ports = {0};
    char err[128];
    const char *text = "port z1 tag 10\n"
                       "port a1\n"
                       "port m1 tag 0 trunks 0,20,4095 mode native-untagged\n"
                       "port t.1-x_y trunks 7\n"
                       "port x mode access\n";

    ck_assert_int_eq(vlans_parse(text, &ports, err, sizeof err), 0);
    ck_assert_uint_eq(ports.n, 5);
    const struct vlan_port *m = vlans_find(&ports, "m1");
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(m->tag, 0);
    ck_assert(m->has_trunks);
    ck_assert_str_eq(m->mode, "native-untagged");
    char buf[64];
    ck_assert(vlans_trunks_text(m, buf, sizeof buf));
    ck_assert_str_eq(buf, "0,20,4095");
    ck_assert(!vlans_trunks_text(m, buf, 5)); /* does not fit */
    ck_assert_int_eq(vlans_find(&ports, "a1")->tag, -1);
    ck_assert(!vlans_find(&ports, "a1")->has_trunks);
    ck_assert_ptr_null(vlans_find(&ports, "nope"));
    ck_assert(!vlans_port_same(m, vlans_find(&ports, "a1")));

    /* The canonical text: sorted by name; parsing it gives it again. */
    char *out = vlans_format(&ports);
    ck_assert_str_eq(out,
                     "port a1\n"
                     "port m1 tag 0 trunks 0,20,4095 mode native-untagged\n"
                     "port t.1-x_y trunks 7\n"
                     "port x mode access\n"
                     "port z1 tag 10\n");
    struct vlan_ports again = {0};
    ck_assert_int_eq(vlans_parse(out, &again, err, sizeof err), 0);
    char *out2 = vlans_format(&again);
    ck_assert_str_eq(out, out2);
    for (size_t i = 0; i < again.n; i++) {
        ck_assert(vlans_port_same(&again.v[i], &ports.v[i]));
    }
    free(out);
    free(out2);
    vlans_free(&again);
    vlans_free(&ports);

    /* A bridge without ports. */
    ck_assert_int_eq(vlans_parse("", &ports, err, sizeof err), 0);
    ck_assert_uint_eq(ports.n, 0);
    out = vlans_format(&ports);
    ck_assert_str_eq(out, "");
    free(out);
    vlans_free(&ports);
}
END_TEST

START_TEST(test_vlans_text_refused)
{
    expect_refused("port a", 1);                    /* no newline */
    expect_refused("port a\n\n", 2);                /* empty line */
    expect_refused("port a\nport a\n", 2);          /* twice */
    expect_refused("prt a\n", 1);                   /* not a port */
    expect_refused("port\n", 1);                    /* no name */
    expect_refused("port a tag\n", 1);              /* no value */
    expect_refused("port a tag 4096\n", 1);         /* out of range */
    expect_refused("port a tag -1\n", 1);           /* signed */
    expect_refused("port a tag 010\n", 1);          /* leading zero */
    expect_refused("port a tag 1x\n", 1);           /* not a number */
    expect_refused("port a tag 1 tag 2\n", 1);      /* repeated */
    expect_refused("port a mode trunk tag 1\n", 1); /* out of order */
    expect_refused("port a trunks 20,10\n", 1);     /* not ascending */
    expect_refused("port a trunks 10,10\n", 1);     /* twice */
    expect_refused("port a trunks 10,\n", 1);       /* empty item */
    expect_refused("port a trunks \n", 1);          /* empty list */
    expect_refused("port a mode bogus\n", 1);       /* unknown mode */
    expect_refused("port a colour red\n", 1);       /* unknown key */
    expect_refused("port a \n", 1);                 /* trailing space */
    expect_refused("port a  tag 1\n", 1);           /* two spaces */
    expect_refused("port ../x\n", 1);               /* bad name */
    expect_refused("port a;rm\n", 1);               /* bad name */
    expect_refused("port sixteen_chars_xy\n", 1);   /* too long */
    expect_refused("port a\nport b tag 9999\n", 2); /* names its line */

    /* Too long a text. */
    size_t len = VLANS_TEXT_MAX + 1;
    char *big = xmalloc(len + 1);
    memset(big, 'x', len);
    big[len] = '\0';
    struct vlan_ports ports = {0};
    char err[128];
    ck_assert_int_eq(vlans_parse(big, &ports, err, sizeof err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "longer than"));
    free(big);
}
END_TEST

#define U1 "11111111-1111-1111-1111-111111111111"
#define U2 "22222222-2222-2222-2222-222222222222"
#define U3 "33333333-3333-3333-3333-333333333333"
#define U4 "44444444-4444-4444-4444-444444444444"

START_TEST(test_vlans_from_ovs)
{
    /* As `ovs-vsctl --format=csv --data=bare --no-headings` prints them. */
    const char *bridges = "b1," U1 " " U2 " " U3 "\nb2," U4 "\nb3,\n";
    const char *ports = U1 ",p1,10,,\n" U4 ",q1,,,\n" U3 ",b1,,,\n" U2
                           ",p2,30,30 40,native-untagged\n";
    struct vlan_ports out = {0};
    char err[128];

    ck_assert_int_eq(
        vlans_from_ovs(bridges, ports, "b1", &out, err, sizeof err), 0);
    char *text = vlans_format(&out);
    ck_assert_str_eq(text, "port b1\n"
                           "port p1 tag 10\n"
                           "port p2 tag 30 trunks 30,40 mode "
                           "native-untagged\n");
    free(text);
    vlans_free(&out);
    ck_assert_int_eq(
        vlans_from_ovs(bridges, ports, "b3", &out, err, sizeof err), 0);
    ck_assert_uint_eq(out.n, 0);
    ck_assert_int_eq(
        vlans_from_ovs(bridges, ports, "b9", &out, err, sizeof err), -ENOENT);
    /* A prefix of a bridge's name is not that bridge. */
    ck_assert_int_eq(
        vlans_from_ovs(bridges, ports, "b", &out, err, sizeof err), -ENOENT);

    /* Refused: what miniinet does not handle, or malformed lists. */
    static const struct {
        const char *bridges, *ports, *why;
    } bad[] = {
        {"b1," U1 "\n", U1 ",\"p 1\",10,,\n", "quoted"},
        {"b1," U1 "\n", U1 ",p1,10,\n", "5 fields"},
        {"b1," U1 "\n", U1 ",p1,10,,,\n", "5 fields"},
        {"b1," U1 "\n", U1 ",p1,5000,,\n", "tag"},
        {"b1," U1 "\n", U1 ",p1,,20 10,\n", "trunks"},
        {"b1," U1 "\n", U1 ",p1,,,sideways\n", "vlan_mode"},
        {"b1," U1 "\n", U1 ",p/1,,,\n", "port name"},
        {"b1,xyz\n", U1 ",p1,,,\n", "UUID"},
        {"b1," U1 "\n", U2 ",p1,,,\n", "missing"},
        {"b1," U1 " " U1 "\n", U1 ",p1,,,\n", "twice"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ck_assert_int_eq(vlans_from_ovs(bad[i].bridges, bad[i].ports, "b1",
                                        &out, err, sizeof err),
                         -EINVAL);
        ck_assert_msg(strstr(err, bad[i].why), "case %zu: %s", i, err);
        ck_assert_ptr_null(out.v);
    }
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Start, build, destroy                                                    */
/* ------------------------------------------------------------------------ */

/* Two L2 switches with STP joined by a trunk, an IXP bridge, an access
 * port on each; a link and a bridge of the other server that must be left
 * alone. */
static struct tplan *
small_plan(void)
{
    struct tplan *tp = tp_new();

    int a = tp_bridge(tp, nm("Ba"), MI_BRIDGE_L2SWITCH, 0);
    int b = tp_bridge(tp, nm("Bb"), MI_BRIDGE_L2SWITCH, 0);
    int x = tp_bridge(tp, nm("Bx"), MI_BRIDGE_IXP, 0);
    int far = tp_bridge(tp, nm("Bfar"), MI_BRIDGE_IXP, 1);

    tp_link(tp, a, nm("pa"), 10);
    tp_link(tp, x, nm("px"), 0);

    /* The trunk: both ends on bridges. */
    struct mi_link *t = tp_link(tp, b, nm("tb"), 0);
    t->kind = MI_LINK_L2_TRUNK;
    t->end[0].node = -1;
    t->end[0].bridge = a;
    t->end[0].ifname = t->peer[0] = tp_name(tp, nm("ta"));

    /* Remote: its bridge end is the tunnel's business. */
    struct mi_link *r = tp_link(tp, far, nm("pfar"), 0);
    r->server[1] = 1;
    r->remote = true;

    veth(nm("pa"), nm("qa"));
    veth(nm("px"), nm("qx"));
    veth(nm("ta"), nm("tb"));
    return tp;
}

/* Whether this process can have pidfds, without which `ovs` never kills
 * ovs-vswitchd (valgrind 3.19 does not know pidfd_open). */
static bool have_pidfd;

/* A host whose links_delete fails, as a netlink failure would. */
static int
failing_links_delete(const char *netns, const char *const *names, size_t n)
{
    (void)netns;
    (void)names;
    (void)n;
    host_services()->error("links_delete: refused by the test");
    return -EIO;
}

/* The switch configured again for the userspace datapath, with `host`. */
static void
sw_netdev_with(struct sw *sw, const struct mi_host *host)
{
    sw->ops->common.release(sw->state);
    ck_assert_int_eq(
        testutil_configure(&sw->ops->common, host,
                           "plugins = { ovs = { datapath = \"netdev\"; }; };",
                           "plugins.ovs", &sw->state),
        0);
}

/* destroy() of the private instance at verbosity 2, its messages kept;
 * whether it killed ovs-vswitchd. */
static bool
destroy_said(struct sw *sw, const char *const *names, size_t n, int expect)
{
    int verbosity = log_get_verbosity();
    log_set_verbosity(2);
    testutil_capture_begin();
    int error = sw->ops->destroy(sw->state, tmpdir, names, n);
    testutil_capture_end();
    log_set_verbosity(verbosity);
    ck_assert_msg(error == expect, "%d: %s", error, testutil_captured());
    return strstr(testutil_captured(), "stopped with SIGKILL") != NULL;
}

START_TEST(test_build_destroy)
{
    struct tplan *tp = small_plan();
    struct sw sw;

    sw_open(&sw);
    ck_assert_int_eq(sw.ops->start(sw.state, tmpdir), 0);
    long vsd = pid_in(tmpdir, "vsd.pid"), db = pid_in(tmpdir, "ovsdb.pid");
    ck_assert(process_runs(vsd, "ovs-vswitchd"));
    ck_assert(process_runs(db, "ovsdb-server"));

    /* Starting again (a second `up`) reuses the instance. */
    ck_assert_int_eq(sw.ops->start(sw.state, tmpdir), 0);
    ck_assert_int_eq(pid_in(tmpdir, "vsd.pid"), vsd);
    ck_assert_int_eq(pid_in(tmpdir, "ovsdb.pid"), db);

    /* A private instance writes its ports' counters into its database
     * once a minute. */
    expect_vsctl("\"60000\"", "get", "open_vswitch", ".",
                 "other_config:stats-update-interval");

    ck_assert_int_eq(sw.ops->bridge_exists(sw.state, tmpdir, nm("Ba")), 0);
    ck_assert_int_eq(sw.ops->build(sw.state, &tp->plan, 0), 0);

    char *brs = vsctl("list-br", (char *)NULL);
    char *expected = xasprintf("%s\n%s\n%s", nm("Ba"), nm("Bb"), nm("Bx"));
    ck_assert_str_eq(brs, expected);
    free(brs);
    free(expected);

    const char *dp = sw.ops->needs_tx_csum_off(sw.state) ? "netdev" : "system";
    for (int i = 0; i < 3; i++) {
        const char *br = tp->bridges[i].name;
        expect_vsctl(dp, "get", "bridge", br, "datapath_type");
        expect_vsctl("standalone", "get", "bridge", br, "fail_mode");
        expect_vsctl("ovstest", "get", "bridge", br, "external_ids:miniinet");
        expect_vsctl(i < 2 ? "true" : "false", "get", "bridge", br,
                     "stp_enable");
    }
    expect_vsctl("\"8192\"", "get", "bridge", nm("Bb"),
                 "other_config:stp-priority");
    expect_vsctl("\"aa:00:00:00:00:01\"", "get", "bridge", nm("Bb"),
                 "other_config:stp-system-id");

    char *ports = vsctl("list-ports", nm("Ba"), (char *)NULL);
    expected = xasprintf("%s\n%s", nm("pa"), nm("ta"));
    ck_assert_str_eq(ports, expected);
    free(ports);
    free(expected);
    expect_vsctl("10", "get", "port", nm("pa"), "tag");
    expect_vsctl("[]", "get", "port", nm("ta"), "tag");
    expect_vsctl("[]", "get", "port", nm("tb"), "tag");
    expect_vsctl("[]", "get", "port", nm("px"), "tag");
    expect_vsctl("[]", "get", "port", nm("px"), "trunks");

    /* Building twice changes nothing and names the bridge. */
    ck_assert_int_eq(sw.ops->bridge_exists(sw.state, tmpdir, nm("Ba")), 1);
    /* Several asked about at once (one list-br): those built, not others
     * (a name that is a prefix of one included). */
    const char *asked[] = {nm("Bb"), nm("Bnone"), nm("Ba"), nm("B")};
    bool exists[4] = {false, true, false, true};
    ck_assert_int_eq(sw.ops->bridges_exist(sw.state, tmpdir, asked, 4, exists),
                     0);
    ck_assert(exists[0] && !exists[1] && exists[2] && !exists[3]);
    testutil_capture_begin();
    ck_assert_int_eq(sw.ops->build(sw.state, &tp->plan, 0), -EEXIST);
    testutil_capture_end();
    char *msg = xasprintf("bridge %s exists already", nm("Ba"));
    ck_assert_ptr_nonnull(strstr(testutil_captured(), msg));
    free(msg);
    ports = vsctl("list-ports", nm("Ba"), (char *)NULL);
    expected = xasprintf("%s\n%s", nm("pa"), nm("ta"));
    ck_assert_str_eq(ports, expected);
    free(ports);
    free(expected);

    /* `down` in a new process: found again through the pid files. */
    sw_reopen(&sw);
    ck_assert_int_eq(sw.ops->bridge_exists(sw.state, tmpdir, nm("Bx")), 1);
    const char *names[] = {nm("Ba"), nm("Bb"), nm("Bx"), nm("Bnone")};
    /* With the userspace datapath, every bridge asked to go: ovs-vswitchd
     * killed, its taps (the bridges' own ports, ovs-netdev) deleted. */
    bool netdev = sw.ops->needs_tx_csum_off(sw.state);
    ck_assert(destroy_said(&sw, names, 4, 0) == (netdev && have_pidfd));
    ck_assert(!netdev || !link_exists("ovs-netdev"));
    ck_assert(!process_runs(vsd, "ovs-vswitchd"));
    ck_assert(!process_runs(db, "ovsdb-server"));
    ck_assert_uint_eq(count_files(tmpdir), 0);
    ck_assert(!link_exists(nm("Ba")));
    ck_assert(!link_exists(nm("Bx")));

    /* Twice: nothing left to do. */
    ck_assert_int_eq(sw.ops->destroy(sw.state, tmpdir, names, 4), 0);
    sw_close(&sw);
    free(tp);
}
END_TEST

/* A management bridge (student access): no STP, its ports plain (no tag,
 * no trunks, no VLAN mode), no address on the bridge's own interface;
 * destroy() removes it as any bridge. */
START_TEST(test_build_mgmt)
{
    struct tplan *tp = tp_new();
    int m = tp_bridge(tp, nm("Bm"), MI_BRIDGE_MGMT, 0);
    tp->bridges[m].stp_priority = 0;
    memset(tp->bridges[m].stp_mac, 0, sizeof tp->bridges[m].stp_mac);
    tp_link(tp, m, nm("ma"), 0);
    tp_link(tp, m, nm("mb"), 0);
    veth(nm("ma"), nm("na"));
    veth(nm("mb"), nm("nb"));

    struct sw sw;
    sw_open(&sw);
    ck_assert_int_eq(sw.ops->start(sw.state, tmpdir), 0);
    ck_assert_int_eq(sw.ops->check_mgmt(sw.state, &tp->plan), 0);
    ck_assert_int_eq(sw.ops->build(sw.state, &tp->plan, 0), 0);
    expect_vsctl("false", "get", "bridge", nm("Bm"), "stp_enable");
    expect_vsctl("false", "get", "bridge", nm("Bm"), "rstp_enable");
    expect_vsctl("{}", "get", "bridge", nm("Bm"), "other_config");
    expect_vsctl("ovstest", "get", "bridge", nm("Bm"),
                 "external_ids:miniinet");
    char *ports = vsctl("list-ports", nm("Bm"), (char *)NULL);
    char *expected = xasprintf("%s\n%s", nm("ma"), nm("mb"));
    ck_assert_str_eq(ports, expected);
    free(ports);
    free(expected);
    for (int i = 0; i < 2; i++) {
        const char *port = i ? nm("mb") : nm("ma");
        expect_vsctl("[]", "get", "port", port, "tag");
        expect_vsctl("[]", "get", "port", port, "trunks");
        expect_vsctl("[]", "get", "port", port, "vlan_mode");
    }
    char *addrs = NULL;
    const char *const ip[] = {"ip",   "-o",  "-4",     "addr",
                              "show", "dev", nm("Bm"), NULL};
    ck_assert_int_eq(host_services()->run(ip, &addrs), 0);
    ck_assert_str_eq(addrs, "");
    free(addrs);

    const char *names[] = {nm("Bm")};
    ck_assert_int_eq(sw.ops->destroy(sw.state, tmpdir, names, 1), 0);
    ck_assert(!link_exists(nm("Bm")));
    sw_close(&sw);
    free(tp);
}
END_TEST

/* get_vlans reads what build made and what was changed since; set_vlans
 * puts the saved settings back: a changed tag, trunks and a mode added
 * since cleared, a port not in the text left alone; a damaged text or a
 * port that is gone changes nothing. */
START_TEST(test_vlans_get_set)
{
    struct tplan *tp = small_plan();
    struct sw sw;

    sw_open(&sw);
    ck_assert_int_eq(sw.ops->start(sw.state, tmpdir), 0);
    ck_assert_int_eq(sw.ops->build(sw.state, &tp->plan, 0), 0);

    const char *names[] = {nm("Ba"), nm("Bx")};
    char *saved[2];
    ck_assert_int_eq(sw.ops->get_vlans(sw.state, tmpdir, names, 2, saved), 0);
    char *expected =
        xasprintf("port %s\nport %s tag 10 mode access\nport %s\n", nm("Ba"),
                  nm("pa"), nm("ta"));
    ck_assert_str_eq(saved[0], expected);
    free(expected);
    expected = xasprintf("port %s\nport %s\n", nm("Bx"), nm("px"));
    ck_assert_str_eq(saved[1], expected);
    free(expected);

    /* What a TA changes: an access port's tag, a trunk's VLANs and mode. */
    free(vsctl("set", "port", nm("pa"), "tag=20", (char *)NULL));
    free(vsctl("set", "port", nm("ta"), "trunks=[10,20]", "vlan_mode=trunk",
               (char *)NULL));
    char *now[2];
    sw_reopen(&sw); /* `save` in a new process */
    ck_assert_int_eq(sw.ops->get_vlans(sw.state, tmpdir, names, 2, now), 0);
    expected = xasprintf("port %s\nport %s tag 20 mode access\nport %s "
                         "trunks 10,20 mode trunk\n",
                         nm("Ba"), nm("pa"), nm("ta"));
    ck_assert_str_eq(now[0], expected);
    free(expected);

    /* A damaged text: refused, naming the bridge and line; nothing
     * changes (the other bridge's text was fine). */
    const char *damaged[] = {saved[1], "port x tag 99999\n"};
    const char *rev[] = {nm("Bx"), nm("Ba")};
    size_t changed = 99;
    testutil_capture_begin();
    ck_assert_int_eq(
        sw.ops->set_vlans(sw.state, tmpdir, rev, 2, damaged, &changed),
        -EINVAL);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "line 1: bad tag"));
    ck_assert_ptr_nonnull(strstr(testutil_captured(), nm("Ba")));
    ck_assert_uint_eq(changed, 0);
    expect_vsctl("20", "get", "port", nm("pa"), "tag");

    /* A port that is gone: an error, nothing changes. */
    char *gone = xasprintf("%sport %s tag 5\n", saved[0], nm("zz"));
    const char *with_gone[] = {gone};
    testutil_capture_begin();
    ck_assert_int_eq(
        sw.ops->set_vlans(sw.state, tmpdir, names, 1, with_gone, &changed),
        -ENOENT);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "is gone"));
    expect_vsctl("20", "get", "port", nm("pa"), "tag");
    free(gone);

    /* The saved settings back; a NULL text leaves its bridge alone. */
    const char *back[] = {saved[0], NULL};
    ck_assert_int_eq(
        sw.ops->set_vlans(sw.state, tmpdir, names, 2, back, &changed), 0);
    ck_assert_uint_eq(changed, 2);
    expect_vsctl("10", "get", "port", nm("pa"), "tag");
    expect_vsctl("[]", "get", "port", nm("ta"), "trunks");
    expect_vsctl("[]", "get", "port", nm("ta"), "vlan_mode");
    char *again[2];
    ck_assert_int_eq(sw.ops->get_vlans(sw.state, tmpdir, names, 2, again), 0);
    ck_assert_str_eq(again[0], saved[0]);
    ck_assert_uint_eq(
        (sw.ops->set_vlans(sw.state, tmpdir, names, 2, back, &changed),
         changed),
        0); /* converged: nothing to do */

    /* A port the text does not list is left alone, and said so. */
    char *fewer = xasprintf("port %s\nport %s tag 30\n", nm("Ba"), nm("pa"));
    const char *partial[] = {fewer};
    free(vsctl("set", "port", nm("ta"), "tag=7", (char *)NULL));
    testutil_capture_begin();
    ck_assert_int_eq(
        sw.ops->set_vlans(sw.state, tmpdir, names, 1, partial, &changed), 0);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "left as it is"));
    expect_vsctl("30", "get", "port", nm("pa"), "tag");
    expect_vsctl("7", "get", "port", nm("ta"), "tag");
    free(fewer);

    /* A bridge that does not exist: its text NULL, the others read. */
    const char *with_missing[] = {nm("Bnone"), nm("Bx")};
    char *some[2];
    testutil_capture_begin();
    ck_assert_int_eq(
        sw.ops->get_vlans(sw.state, tmpdir, with_missing, 2, some), 0);
    testutil_capture_end();
    ck_assert_ptr_null(some[0]);
    ck_assert_str_eq(some[1], saved[1]);
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "no such bridge"));

    for (int i = 0; i < 2; i++) {
        free(saved[i]);
        free(now[i]);
        free(again[i]);
        free(some[i]);
    }
    const char *all[] = {nm("Ba"), nm("Bb"), nm("Bx")};
    ck_assert_int_eq(sw.ops->destroy(sw.state, tmpdir, all, 3), 0);
    sw_close(&sw);
    free(tp);
}
END_TEST

/* The VLAN settings of every bridge of small_plan() on this server. */
#define N_SMALL 3

static void
small_vlans(struct sw *sw, char **texts)
{
    const char *names[N_SMALL] = {nm("Ba"), nm("Bb"), nm("Bx")};

    ck_assert_int_eq(
        sw->ops->get_vlans(sw->state, tmpdir, names, N_SMALL, texts), 0);
    for (size_t i = 0; i < N_SMALL; i++) {
        ck_assert_ptr_nonnull(texts[i]);
    }
}

static void
free_texts(char **texts)
{
    for (size_t i = 0; i < N_SMALL; i++) {
        free(texts[i]);
        texts[i] = NULL;
    }
}

/* `texts` with the line of port `port` (which must be there) replaced by
 * `line` (with its newline). */
static void
replace_port_line(char **texts, const char *port, const char *line)
{
    char *key = xasprintf("port %s", port);
    size_t n_found = 0;

    for (size_t i = 0; i < N_SMALL; i++) {
        for (char *p = texts[i]; p && *p;) {
            char *eol = strchr(p, '\n');
            ck_assert_ptr_nonnull(eol);
            size_t len = strlen(key);
            if (!strncmp(p, key, len) && (p[len] == ' ' || p[len] == '\n')) {
                char *copy = xasprintf("%.*s%s%s", (int)(p - texts[i]),
                                       texts[i], line, eol + 1);
                free(texts[i]);
                texts[i] = copy;
                n_found++;
                break;
            }
            p = eol + 1;
        }
    }
    ck_assert_uint_eq(n_found, 1);
    free(key);
}

/* Every bridge's settings are `expected`. */
static void
expect_small_vlans(struct sw *sw, char **expected)
{
    char *now[N_SMALL];

    small_vlans(sw, now);
    for (size_t i = 0; i < N_SMALL; i++) {
        ck_assert_str_eq(now[i], expected[i]);
    }
    free_texts(now);
}

/* set_port_vlan of `port` on `bridge` to `v` in a new process (one that
 * never called start()); then every bridge's settings must be `expected`
 * with that port's line (updated) "port PORT SETTINGS". */
static void
set_and_expect(struct sw *sw, const char *bridge, const char *port,
               const struct mi_port_vlan *v, const char *settings,
               char **expected)
{
    sw_reopen(sw);
    ck_assert_int_eq(
        sw->ops->set_port_vlan(sw->state, tmpdir, bridge, port, v), 0);
    char *line = xasprintf("port %s %s\n", port, settings);
    replace_port_line(expected, port, line);
    free(line);
    expect_small_vlans(sw, expected);
}

static struct mi_port_vlan
trunk_of(const unsigned *vlans, size_t n)
{
    struct mi_port_vlan v = {.trunk = true};

    for (size_t i = 0; i < n; i++) {
        v.trunks[vlans[i] / 8] |= (uint8_t)(1u << (vlans[i] % 8));
    }
    return v;
}

/* set_port_vlan (ABI 4.13), each time in a process that never called
 * start(): an access port made a trunk of some VLANs (its tag gone), a
 * trunk of every VLAN (those trunks gone), a trunk of one VLAN, an access
 * port of another (the trunk gone); a plain port made an access port.
 * Each time that port's line changes and nothing else of any bridge.
 * Refused, changing nothing: a port of another bridge, a port that does
 * not exist, a bad name, a bad tag or trunk VLAN, no Open vSwitch. */
START_TEST(test_set_port_vlan)
{
    struct tplan *tp = small_plan();
    struct sw sw;

    sw_open(&sw);
    ck_assert_ptr_nonnull(sw.ops->set_port_vlan);
    ck_assert_int_eq(sw.ops->start(sw.state, tmpdir), 0);
    ck_assert_int_eq(sw.ops->build(sw.state, &tp->plan, 0), 0);
    char *expected[N_SMALL];
    small_vlans(&sw, expected);
    char *line = xasprintf("port %s tag 10 mode access\n", nm("pa"));
    ck_assert_ptr_nonnull(strstr(expected[0], line));
    free(line);

    /* A trunk of VLANs 1, 20 and 4094: tag 10 gone. */
    const unsigned some[] = {1, 20, 4094}, seven[] = {7};
    struct mi_port_vlan v = trunk_of(some, 3);
    set_and_expect(&sw, nm("Ba"), nm("pa"), &v, "trunks 1,20,4094 mode trunk",
                   expected);
    expect_vsctl("[]", "get", "port", nm("pa"), "tag");

    /* A trunk of every VLAN: those trunks gone. */
    v = (struct mi_port_vlan){.trunk = true};
    set_and_expect(&sw, nm("Ba"), nm("pa"), &v, "mode trunk", expected);
    expect_vsctl("[]", "get", "port", nm("pa"), "trunks");

    /* A trunk of VLAN 7, then an access port of VLAN 30: the trunk gone. */
    v = trunk_of(seven, 1);
    set_and_expect(&sw, nm("Ba"), nm("pa"), &v, "trunks 7 mode trunk",
                   expected);
    v = (struct mi_port_vlan){.tag = 30};
    set_and_expect(&sw, nm("Ba"), nm("pa"), &v, "tag 30 mode access",
                   expected);
    expect_vsctl("[]", "get", "port", nm("pa"), "trunks");

    /* The trunk between the switches (no setting yet) an access port of
     * the highest VLAN: from a plain port too. */
    v = (struct mi_port_vlan){.tag = 4094};
    set_and_expect(&sw, nm("Bb"), nm("tb"), &v, "tag 4094 mode access",
                   expected);

    /* A port of another bridge, and one of none: refused, said, nothing
     * changes. */
    v = (struct mi_port_vlan){.tag = 40};
    const char *const not_there[][2] = {
        {nm("Ba"), nm("px")},   /* on Bx */
        {nm("Bx"), nm("Ba")},   /* Ba's own port */
        {nm("Ba"), nm("none")}, /* no such port */
        {nm("Bnone"), nm("pa")},
    };
    for (size_t i = 0; i < ARRAY_SIZE(not_there); i++) {
        sw_reopen(&sw);
        testutil_capture_begin();
        ck_assert_int_eq(sw.ops->set_port_vlan(sw.state, tmpdir,
                                               not_there[i][0],
                                               not_there[i][1], &v),
                         -ENOENT);
        testutil_capture_end();
        char *msg = xasprintf("port %s is not a port of bridge %s",
                              not_there[i][1], not_there[i][0]);
        ck_assert_msg(strstr(testutil_captured(), msg), "%s: said \"%s\"", msg,
                      testutil_captured());
        free(msg);
        expect_small_vlans(&sw, expected);
    }

    /* Bad settings: refused before anything is asked, said. */
    const unsigned zero[] = {0}, high[] = {4095}, ok[] = {5, 6};
    struct mi_port_vlan bad[] = {
        {.tag = 0},        {.tag = 4095},   {.tag = 100000}, trunk_of(zero, 1),
        trunk_of(high, 1), trunk_of(ok, 2), trunk_of(ok, 2),
    };
    bad[5].tag = 7;       /* a trunk with a tag */
    bad[6].trunk = false; /* an access port with trunks */
    bad[6].tag = 5;
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        sw_reopen(&sw);
        testutil_capture_begin();
        ck_assert_int_eq(sw.ops->set_port_vlan(sw.state, tmpdir, nm("Ba"),
                                               nm("pa"), &bad[i]),
                         -EINVAL);
        testutil_capture_end();
        char *msg = xasprintf("bridge %s, port %s: VLAN setting refused",
                              nm("Ba"), nm("pa"));
        ck_assert_msg(strstr(testutil_captured(), msg),
                      "bad[%zu]: said \"%s\"", i, testutil_captured());
        free(msg);
        expect_small_vlans(&sw, expected);
    }

    /* Names that are no interface's: an OVSDB record's UUID (which
     * `set Port` would take), an empty one, none. */
    char *uuid = vsctl("get", "port", nm("pa"), "_uuid", (char *)NULL);
    const char *const bad_names[][2] = {
        {nm("Ba"), uuid}, {nm("Ba"), ""}, {nm("Ba"), NULL}, {NULL, nm("pa")}};
    v = (struct mi_port_vlan){.tag = 40};
    for (size_t i = 0; i < ARRAY_SIZE(bad_names); i++) {
        testutil_capture_begin();
        ck_assert_int_eq(sw.ops->set_port_vlan(sw.state, tmpdir,
                                               bad_names[i][0],
                                               bad_names[i][1], &v),
                         -EINVAL);
        testutil_capture_end();
        const char *said = i < 3 ? "bad port name" : "bad bridge name";
        ck_assert_ptr_nonnull(strstr(testutil_captured(), said));
    }
    testutil_capture_begin();
    ck_assert_int_eq(
        sw.ops->set_port_vlan(sw.state, tmpdir, nm("Ba"), nm("pa"), NULL),
        -EINVAL);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "no VLAN setting"));
    free(uuid);
    expect_small_vlans(&sw, expected);

    /* reattach_port makes the same port check: refused alike, and a port
     * of the bridge taken again keeps what set_port_vlan set. */
    sw_reopen(&sw);
    testutil_capture_begin();
    ck_assert_int_eq(
        sw.ops->reattach_port(sw.state, tmpdir, nm("Ba"), nm("px")), -ENOENT);
    testutil_capture_end();
    char *msg =
        xasprintf("port %s is not a port of bridge %s", nm("px"), nm("Ba"));
    ck_assert_ptr_nonnull(strstr(testutil_captured(), msg));
    free(msg);
    ck_assert_int_eq(
        sw.ops->reattach_port(sw.state, tmpdir, nm("Ba"), nm("pa")), 0);
    expect_small_vlans(&sw, expected);

    const char *all[] = {nm("Ba"), nm("Bb"), nm("Bx")};
    ck_assert_int_eq(sw.ops->destroy(sw.state, tmpdir, all, 3), 0);

    /* No Open vSwitch at all: said, -ENOENT. */
    sw_reopen(&sw);
    testutil_capture_begin();
    ck_assert_int_eq(
        sw.ops->set_port_vlan(sw.state, tmpdir, nm("Ba"), nm("pa"), &v),
        -ENOENT);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "no Open vSwitch runs"));
    free_texts(expected);
    sw_close(&sw);
    free(tp);
}
END_TEST

/* The kill of a userspace ovs-vswitchd is taken only with bridges, all of
 * them asked for, on a host that has links_delete; when deleting its taps
 * fails, the next destroy() deletes them from DIR/vsd.taps. */
START_TEST(test_destroy_kill_paths)
{
    struct tplan *tp = small_plan();
    const char *names[] = {nm("Ba"), nm("Bb"), nm("Bx")};
    struct sw sw;
    struct mi_host old = *host_services(), failing = *host_services();
    old.size = offsetof(struct mi_host, links_delete);
    failing.links_delete = failing_links_delete;

    /* No bridge at all: the plain way (ovs-netdev may not be ours). */
    sw_open(&sw);
    sw_netdev_with(&sw, host_services());
    ck_assert_int_eq(sw.ops->start(sw.state, tmpdir), 0);
    long vsd = pid_in(tmpdir, "vsd.pid");
    ck_assert(!destroy_said(&sw, names, 3, 0));
    ck_assert(!process_runs(vsd, "ovs-vswitchd"));
    ck_assert_uint_eq(count_files(tmpdir), 0);

    /* A host older than 4.15: the plain way, every tap gone all the
     * same. */
    ck_assert_int_eq(sw.ops->start(sw.state, tmpdir), 0);
    ck_assert_int_eq(sw.ops->build(sw.state, &tp->plan, 0), 0);
    sw_netdev_with(&sw, &old);
    ck_assert(!destroy_said(&sw, names, 3, 0));
    ck_assert(!link_exists(nm("Ba")));
    ck_assert(!link_exists("ovs-netdev"));
    ck_assert_uint_eq(count_files(tmpdir), 0);
    if (!have_pidfd) { /* said when the suite was made */
        sw_close(&sw);
        free(tp);
        return;
    }

    /* The taps' deletion fails after the kill: they are written down, and
     * the next destroy() deletes them. */
    sw_netdev_with(&sw, host_services());
    ck_assert_int_eq(sw.ops->start(sw.state, tmpdir), 0);
    ck_assert_int_eq(sw.ops->build(sw.state, &tp->plan, 0), 0);
    vsd = pid_in(tmpdir, "vsd.pid");
    long db = pid_in(tmpdir, "ovsdb.pid");
    sw_netdev_with(&sw, &failing);
    ck_assert(destroy_said(&sw, names, 3, -EIO));
    ck_assert_ptr_nonnull(
        strstr(testutil_captured(), "links_delete: refused by the test"));
    ck_assert(!process_runs(vsd, "ovs-vswitchd"));
    ck_assert(process_runs(db, "ovsdb-server"));
    ck_assert(link_exists(nm("Ba")));
    ck_assert(link_exists("ovs-netdev"));
    char *taps_path = xasprintf("%s/vsd.taps", tmpdir);
    size_t taps_len;
    char *taps = util_read_file(taps_path, &taps_len);
    ck_assert_ptr_nonnull(taps);
    for (size_t i = 0; i < 3; i++) {
        char *line = xasprintf("%s\n", names[i]);
        ck_assert_msg(strstr(taps, line), "%s", taps);
        free(line);
    }
    ck_assert_ptr_nonnull(strstr(taps, "ovs-netdev\n"));
    free(taps);
    /* A line that is no interface name is left out, and said. */
    FILE *f = fopen(taps_path, "a");
    ck_assert_ptr_nonnull(f);
    fputs("no/name\n", f);
    ck_assert_int_eq(fclose(f), 0);
    free(taps_path);

    /* ovsdb-server gone too, and a host older than 4.15: each tap
     * deleted alone all the same. */
    ck_assert_int_eq(kill((pid_t)db, SIGTERM), 0);
    for (int i = 0; i < 250 && process_runs(db, "ovsdb-server"); i++) {
        usleep(20000);
    }
    ck_assert(!process_runs(db, "ovsdb-server"));
    sw_netdev_with(&sw, &old);
    ck_assert(!destroy_said(&sw, names, 3, 0));
    ck_assert_msg(strstr(testutil_captured(),
                         "vsd.taps: \"no/name\" is no interface name"),
                  "%s", testutil_captured());
    ck_assert(!link_exists(nm("Ba")));
    ck_assert(!link_exists(nm("Bx")));
    ck_assert(!link_exists("ovs-netdev"));
    ck_assert(!process_runs(db, "ovsdb-server"));
    ck_assert_uint_eq(count_files(tmpdir), 0);
    sw_close(&sw);
    free(tp);
}
END_TEST

START_TEST(test_destroy_keeps_other_bridges)
{
    struct tplan *tp = small_plan();
    struct sw sw;

    sw_open(&sw);
    ck_assert_int_eq(sw.ops->start(sw.state, tmpdir), 0);
    ck_assert_int_eq(sw.ops->build(sw.state, &tp->plan, 0), 0);
    char *out = vsctl("add-br", nm("Bother"), "--", "set", "bridge",
                      nm("Bother"), "datapath_type=netdev", (char *)NULL);
    free(out);

    /* Only the named bridges go; the instance keeps running for the
     * other one. */
    const char *names[] = {nm("Ba"), nm("Bb")};
    testutil_capture_begin();
    ck_assert_int_eq(sw.ops->destroy(sw.state, tmpdir, names, 2), 0);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "keeps running"));
    char *brs = vsctl("list-br", (char *)NULL);
    char *expected = xasprintf("%s\n%s", nm("Bother"), nm("Bx"));
    ck_assert_str_eq(brs, expected);
    free(brs);
    free(expected);
    ck_assert(process_runs(pid_in(tmpdir, "vsd.pid"), "ovs-vswitchd"));

    const char *rest[] = {nm("Bx"), nm("Bother")};
    ck_assert_int_eq(sw.ops->destroy(sw.state, tmpdir, rest, 2), 0);
    ck_assert_uint_eq(count_files(tmpdir), 0);
    sw_close(&sw);
    free(tp);
}
END_TEST

START_TEST(test_missing_port)
{
    struct tplan *tp = tp_new();
    struct sw sw;

    int x = tp_bridge(tp, nm("Bx"), MI_BRIDGE_IXP, 0);
    tp_link(tp, x, nm("pnone"), 0);

    sw_open(&sw);
    ck_assert_int_eq(sw.ops->start(sw.state, tmpdir), 0);
    testutil_capture_begin();
    ck_assert_int_eq(sw.ops->build(sw.state, &tp->plan, 0), -EIO);
    testutil_capture_end();
    char *msg = xasprintf("bridge %s: port %s: could not open network device",
                          nm("Bx"), nm("pnone"));
    ck_assert_msg(strstr(testutil_captured(), msg), "got: %s",
                  testutil_captured());
    free(msg);

    const char *names[] = {nm("Bx")};
    ck_assert_int_eq(sw.ops->destroy(sw.state, tmpdir, names, 1), 0);
    ck_assert_uint_eq(count_files(tmpdir), 0);
    sw_close(&sw);
    free(tp);
}
END_TEST

START_TEST(test_restart_after_crash)
{
    struct tplan *tp = tp_new();
    struct sw sw;

    tp_bridge(tp, nm("Bx"), MI_BRIDGE_IXP, 0);
    sw_open(&sw);
    ck_assert_int_eq(sw.ops->start(sw.state, tmpdir), 0);
    ck_assert_int_eq(sw.ops->build(sw.state, &tp->plan, 0), 0);
    long vsd = pid_in(tmpdir, "vsd.pid"), db = pid_in(tmpdir, "ovsdb.pid");
    ck_assert_int_eq(kill((pid_t)vsd, SIGKILL), 0);
    ck_assert_int_eq(kill((pid_t)db, SIGKILL), 0);
    /* A killed ovs-vswitchd takes a while to go (its taps are torn down):
     * up to 10 s on a loaded machine. */
    for (int i = 0; i < 500 && (process_runs(vsd, "ovs-vswitchd") ||
                                process_runs(db, "ovsdb-server"));
         i++) {
        usleep(20000);
    }
    ck_assert(!process_runs(vsd, "ovs-vswitchd"));
    ck_assert(!process_runs(db, "ovsdb-server"));

    /* Started again over the stale files: the database kept the bridge,
     * which comes back and is reported as existing. */
    sw_reopen(&sw);
    ck_assert_int_eq(sw.ops->start(sw.state, tmpdir), 0);
    ck_assert_int_ne(pid_in(tmpdir, "vsd.pid"), vsd);
    ck_assert_int_eq(sw.ops->bridge_exists(sw.state, tmpdir, nm("Bx")), 1);
    testutil_capture_begin();
    ck_assert_int_eq(sw.ops->build(sw.state, &tp->plan, 0), -EEXIST);
    testutil_capture_end();
    ck_assert(link_exists(nm("Bx")));

    const char *names[] = {nm("Bx")};
    ck_assert_int_eq(sw.ops->destroy(sw.state, tmpdir, names, 1), 0);
    ck_assert_uint_eq(count_files(tmpdir), 0);
    sw_close(&sw);
    free(tp);
}
END_TEST

/* Since 4.9: after a reboot (here: both daemons killed, two ports' devices
 * deleted, the daemons started again on the database they kept),
 * clear_leftovers removes the plan's bridges of this server that carry the
 * network's label and have no port open (Bb, Bx), and leaves the one in use
 * (Ba, its port pa open), one of another network's label (By), one without
 * the label (Bz, another key of the same value) and one of another server
 * (Bq). */
START_TEST(test_clear_leftovers)
{
    struct tplan *tp = small_plan();
    struct sw sw;

    sw_open(&sw);
    ck_assert_int_eq(sw.ops->start(sw.state, tmpdir), 0);
    ck_assert_int_eq(sw.ops->build(sw.state, &tp->plan, 0), 0);
    const char *labels[][2] = {{nm("By"), "external_ids:miniinet=other"},
                               {nm("Bz"), "external_ids:other=ovstest"},
                               {nm("Bq"), "external_ids:miniinet=ovstest"}};
    for (size_t i = 0; i < 3; i++) {
        free(vsctl("add-br", labels[i][0], "--", "set", "bridge", labels[i][0],
                   "datapath_type=netdev", labels[i][1], (char *)NULL));
    }

    long vsd = pid_in(tmpdir, "vsd.pid"), db = pid_in(tmpdir, "ovsdb.pid");
    ck_assert_int_eq(kill((pid_t)vsd, SIGKILL), 0);
    ck_assert_int_eq(kill((pid_t)db, SIGKILL), 0);
    for (int i = 0; i < 500 && (process_runs(vsd, "ovs-vswitchd") ||
                                process_runs(db, "ovsdb-server"));
         i++) {
        usleep(20000);
    }
    RUN_OK("ip", "link", "del", nm("px")); /* Bx's only port */
    RUN_OK("ip", "link", "del", nm("ta")); /* and tb: Bb's only port */
    sw_reopen(&sw);
    ck_assert_int_eq(sw.ops->start(sw.state, tmpdir), 0);

    struct tplan *after = tp_new();
    const char *in_plan[] = {nm("Ba"), nm("Bb"), nm("Bx"), nm("By"), nm("Bz")};
    for (size_t i = 0; i < 5; i++) {
        tp_bridge(after, in_plan[i], MI_BRIDGE_IXP, 0);
    }
    tp_bridge(after, nm("Bq"), MI_BRIDGE_IXP, 1);
    size_t n_removed = 0;
    testutil_capture_begin();
    ck_assert_int_eq(
        sw.ops->clear_leftovers(sw.state, tmpdir, &after->plan, 0, &n_removed),
        0);
    testutil_capture_end();
    ck_assert_uint_eq(n_removed, 2);
    char *brs = vsctl("list-br", (char *)NULL);
    char *expected =
        xasprintf("%s\n%s\n%s\n%s", nm("Ba"), nm("Bq"), nm("By"), nm("Bz"));
    ck_assert_str_eq(brs, expected);
    free(brs);
    free(expected);
    const char *said[] = {"removed bridge %s of network ovstest",
                          "removed bridge %s of network ovstest",
                          "bridge %s of network ovstest has port %s open"};
    const char *whom[] = {nm("Bb"), nm("Bx"), nm("Ba")};
    for (size_t i = 0; i < 3; i++) {
        char *msg = xasprintf(said[i], whom[i], nm("pa"));
        ck_assert_msg(strstr(testutil_captured(), msg), "no \"%s\" in: %s",
                      msg, testutil_captured());
        free(msg);
    }

    /* Nothing left over: nothing removed, nothing said. */
    n_removed = 0;
    const char *none[] = {nm("Bb"), nm("Bx")};
    struct tplan *gone = tp_new();
    for (size_t i = 0; i < 2; i++) {
        tp_bridge(gone, none[i], MI_BRIDGE_IXP, 0);
    }
    ck_assert_int_eq(
        sw.ops->clear_leftovers(sw.state, tmpdir, &gone->plan, 0, &n_removed),
        0);
    ck_assert_uint_eq(n_removed, 0);

    const char *names[] = {nm("Ba"), nm("By"), nm("Bz"), nm("Bq")};
    ck_assert_int_eq(sw.ops->destroy(sw.state, tmpdir, names, 4), 0);
    ck_assert_uint_eq(count_files(tmpdir), 0);
    sw_close(&sw);
    free(gone);
    free(after);
    free(tp);
}
END_TEST

static bool
no_device(const char *name)
{
    (void)name;
    return false;
}

static bool
any_device(const char *name)
{
    (void)name;
    return true;
}

/* The pure part: which interface of a bridge is open on a device. */
START_TEST(test_open_port)
{
    const char *system = "p1,-1\np2,\np3,7\nbr0,0\n";
    char buf[32] = "";

    ck_assert(!ovsl_open_port("p1\np2\n", system, NULL, buf, sizeof buf));
    ck_assert(!ovsl_open_port("", system, NULL, buf, sizeof buf));
    ck_assert(
        !ovsl_open_port("br0\nmissing\n", system, NULL, buf, sizeof buf));
    ck_assert(!ovsl_open_port("p1\n", "", NULL, buf, sizeof buf));
    ck_assert(ovsl_open_port("p1\np3", system, NULL, buf, sizeof buf));
    ck_assert_str_eq(buf, "p3");
    /* A name that is a prefix of an open one is not it. */
    ck_assert(!ovsl_open_port("p\n", system, NULL, buf, sizeof buf));
    /* An OpenFlow port kept from the run before (ovs-vswitchd has not
     * looked yet) on a device that is gone is not open. */
    ck_assert(!ovsl_open_port("p3\n", system, no_device, buf, sizeof buf));
    ck_assert(ovsl_open_port("p3\n", system, any_device, buf, sizeof buf));
}
END_TEST

START_TEST(test_system_datapath_missing)
{
    struct tplan *tp = tp_new();
    struct sw sw;

    tp_bridge(tp, nm("Bx"), MI_BRIDGE_IXP, 0);
    sw_open(&sw);
    sw.ops->common.release(sw.state);
    ck_assert_int_eq(
        sw_configure(&sw, "plugins = { ovs = { datapath = \"system\"; }; };"),
        0);
    ck_assert_int_eq(sw.ops->start(sw.state, tmpdir), 0);
    testutil_capture_begin();
    ck_assert_int_eq(sw.ops->build(sw.state, &tp->plan, 0), -EIO);
    testutil_capture_end();
    char *msg = xasprintf("bridge %s: ovs-vswitchd could not make its "
                          "datapath (datapath \"system\" needs the "
                          "openvswitch kernel module",
                          nm("Bx"));
    ck_assert_msg(strstr(testutil_captured(), msg), "got: %s",
                  testutil_captured());
    free(msg);

    const char *names[] = {nm("Bx")};
    ck_assert_int_eq(sw.ops->destroy(sw.state, tmpdir, names, 1), 0);
    ck_assert_uint_eq(count_files(tmpdir), 0);
    sw_close(&sw);
    free(tp);
}
END_TEST

START_TEST(test_second_netdev_instance)
{
    struct tplan *tp = tp_new();
    struct sw sw, sw2;

    tp_bridge(tp, nm("Bx"), MI_BRIDGE_IXP, 0);
    sw_open(&sw);
    sw_open(&sw2);
    ck_assert_int_eq(sw.ops->start(sw.state, tmpdir), 0);
    ck_assert_int_eq(sw.ops->build(sw.state, &tp->plan, 0), 0);

    /* A second private instance in the same network namespace could make
     * no userspace bridge: refused up front, nothing made. */
    testutil_capture_begin();
    ck_assert_int_eq(sw2.ops->start(sw2.state, tmpdir2), -EBUSY);
    testutil_capture_end();
    ck_assert_ptr_nonnull(
        strstr(testutil_captured(), "another ovs-vswitchd (pid "));
    ck_assert_uint_eq(count_files(tmpdir2), 0);

    const char *names[] = {nm("Bx")};
    ck_assert_int_eq(sw.ops->destroy(sw.state, tmpdir, names, 1), 0);
    sw_close(&sw);
    sw_close(&sw2);
    free(tp);
}
END_TEST

/* Many bridges and ports, with `n_bridges` bridges of `ports_per` access
 * ports each (VLAN 1 + port index), every fourth one a trunk. */
static struct tplan *
many_plan(size_t n_bridges, size_t ports_per)
{
    struct tplan *tp = tp_new();
    char *batch = testutil_write_temp("", ".ip");
    FILE *f = fopen(batch, "w");

    ck_assert_ptr_nonnull(f);
    for (size_t i = 0; i < n_bridges; i++) {
        int b = tp_bridge(tp, nm("B%zu", i),
                          i % 5 ? MI_BRIDGE_L2SWITCH : MI_BRIDGE_IXP, 0);
        for (size_t k = 0; k < ports_per; k++) {
            size_t p = i * ports_per + k;
            tp_link(tp, b, nm("p%zu", p), k % 4 == 3 ? 0 : 1 + (unsigned)k);
            fprintf(f, "link add %s type veth peer name %s\n", nm("p%zu", p),
                    nm("q%zu", p));
        }
    }
    ck_assert_int_eq(fclose(f), 0);
    RUN_OK("ip", "-batch", batch);
    return tp;
}

static void
destroy_all(struct sw *sw, const struct tplan *tp)
{
    const char **names = xcalloc(tp->plan.n_bridges, sizeof *names);

    for (size_t i = 0; i < tp->plan.n_bridges; i++) {
        names[i] = tp->bridges[i].name;
    }
    double t0 = now();
    ck_assert_int_eq(
        sw->ops->destroy(sw->state, tmpdir, names, tp->plan.n_bridges), 0);
    printf("# destroy: %zu bridges in %.2f s\n", tp->plan.n_bridges,
           now() - t0);
    for (size_t i = 0; i < tp->plan.n_bridges; i++) {
        ck_assert_msg(!link_exists(names[i]), "%s", names[i]);
    }
    free(names);
    ck_assert_uint_eq(count_files(tmpdir), 0);
}

START_TEST(test_split_transactions)
{
    /* A command-line budget far below the plan's size: several
     * transactions, same result. */
    struct tplan *tp = many_plan(12, 4);
    struct sw sw;

    setenv("MINIINET_OVS_ARGV_MAX", "2048", 1);
    sw_open(&sw);
    ck_assert_int_eq(sw.ops->start(sw.state, tmpdir), 0);
    log_set_verbosity(2);
    testutil_capture_begin();
    ck_assert_int_eq(sw.ops->build(sw.state, &tp->plan, 0), 0);
    testutil_capture_end();
    log_set_verbosity(1);
    unsetenv("MINIINET_OVS_ARGV_MAX");
    ck_assert_msg(strstr(testutil_captured(), "ovs-vsctl transactions"),
                  "got: %s", testutil_captured());

    char *n = vsctl("--format=csv", "--no-headings", "--columns=name", "list",
                    "Port", (char *)NULL);
    size_t lines = 1;
    for (const char *p = n; *p; p++) {
        lines += *p == '\n';
    }
    free(n);
    ck_assert_uint_eq(lines, 12 + 12 * 4); /* + each bridge's own port */
    expect_vsctl("3", "get", "port", nm("p46"), "tag");
    /* VLAN 0: an untagged access port on an L2 switch (p47, bridge 11),
     * every frame on an IXP LAN (p43, bridge 10). */
    expect_vsctl("0", "get", "port", nm("p47"), "tag");
    expect_vsctl("access", "get", "port", nm("p47"), "vlan_mode");
    expect_vsctl("[]", "get", "port", nm("p43"), "tag");
    expect_vsctl("[]", "get", "port", nm("p43"), "vlan_mode");
    destroy_all(&sw, tp);
    sw_close(&sw);
    free(tp);
}
END_TEST

START_TEST(test_bench)
{
    struct tplan *tp = many_plan(250, 4);
    struct sw sw;

    sw_open(&sw);
    double t0 = now();
    ck_assert_int_eq(sw.ops->start(sw.state, tmpdir), 0);
    double t1 = now();
    ck_assert_int_eq(sw.ops->build(sw.state, &tp->plan, 0), 0);
    double t2 = now();
    printf("# start: %.2f s; build: 250 bridges, 1000 ports in %.2f s\n",
           t1 - t0, t2 - t1);
    destroy_all(&sw, tp);
    sw_close(&sw);
    free(tp);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Traffic                                                                  */
/* ------------------------------------------------------------------------ */

/* Node `k`: namespace mtNNNNNnK with interface eth0 (198.18.0.K+1/24) whose
 * other end pK is a port of the bridge. */
static void
make_node(struct sw *sw, int k)
{
    const char *ns = nm("n%d", k);
    char *addr = xasprintf("198.18.0.%d/24", k + 1);

    RUN_OK("ip", "netns", "add", ns);
    RUN_OK("ip", "link", "add", nm("p%d", k), "up", "type", "veth", "peer",
           "name", "eth0", "netns", ns);
    RUN_OK("ip", "-n", ns, "addr", "add", addr, "dev", "eth0");
    RUN_OK("ip", "-n", ns, "link", "set", "eth0", "up");
    if (sw->ops->needs_tx_csum_off(sw->state)) {
        RUN_OK("ip", "netns", "exec", ns, "ethtool", "-K", "eth0", "tx",
               "off");
    }
    free(addr);
}

static int
ping_from(int k, const char *to)
{
    return run(NULL, "ip", "netns", "exec", nm("n%d", k), "ping", "-c", "2",
               "-W", "2", "-q", to, (char *)NULL);
}

static struct tplan *
lan_plan(unsigned vlan0, unsigned vlan1)
{
    struct tplan *tp = tp_new();

    /* An IXP bridge: without STP, ports forward at once (an L2 switch's
     * would take 2 x 15 s of listening and learning). */
    int x = tp_bridge(tp, nm("Bx"), MI_BRIDGE_IXP, 0);
    tp_link(tp, x, nm("p0"), vlan0);
    struct mi_link *l = tp_link(tp, x, nm("p1"), vlan1);
    l->end[0].node = 1;
    return tp;
}

START_TEST(test_traffic)
{
    struct sw sw;
    const char *names[] = {nm("Bx")};

    sw_open(&sw);
    make_node(&sw, 0);
    make_node(&sw, 1);

    struct tplan *tp = lan_plan(10, 10);
    ck_assert_int_eq(sw.ops->start(sw.state, tmpdir), 0);
    ck_assert_int_eq(sw.ops->build(sw.state, &tp->plan, 0), 0);
    ck_assert_int_eq(ping_from(0, "198.18.0.2"), 0);
    ck_assert_int_eq(sw.ops->destroy(sw.state, tmpdir, names, 1), 0);
    free(tp);

    /* Again from scratch, the ports in different VLANs. */
    tp = lan_plan(10, 20);
    ck_assert_int_eq(sw.ops->start(sw.state, tmpdir), 0);
    ck_assert_int_eq(sw.ops->build(sw.state, &tp->plan, 0), 0);
    ck_assert_int_ne(ping_from(0, "198.18.0.2"), 0);
    ck_assert_int_eq(sw.ops->destroy(sw.state, tmpdir, names, 1), 0);
    free(tp);

    sw_close(&sw);
}
END_TEST

/* Adds `test` as a case of its own, so that the unchecked fixture cleans
 * up after each test. */
static void
add_case(Suite *s, const char *name, const TTest *test, int timeout)
{
    TCase *tc = tcase_create(name);

    tcase_add_unchecked_fixture(tc, setup_dir, teardown_dir);
    tcase_set_timeout(tc, timeout);
    tcase_add_test(tc, test);
    suite_add_tcase(s, tc);
}

static Suite *
ovs_suite(void)
{
    Suite *s = suite_create("ovs");
    const char *bench = getenv("MINIINET_OVS_BENCH");
    const char *reason = cannot_run();

    add_case(s, "descriptor", test_descriptor, 10);
    add_case(s, "settings", test_settings, 10);
    add_case(s, "check_mgmt", test_check_mgmt, 10);
    add_case(s, "dead_daemons", test_dead_daemons, 10);
    add_case(s, "vlans_text", test_vlans_text, 10);
    add_case(s, "vlans_text_refused", test_vlans_text_refused, 10);
    add_case(s, "vlans_from_ovs", test_vlans_from_ovs, 10);
    add_case(s, "open_port", test_open_port, 10);
    if (!access(SYSTEM_DB_SOCK, F_OK)) {
        printf("# SKIP destroy without a daemon: the server's own Open "
               "vSwitch runs\n");
    } else {
        add_case(s, "destroy_nothing", test_destroy_nothing, 10);
    }
    if (reason) {
        printf("# SKIP Open vSwitch tests: %s\n", reason);
        fflush(stdout);
        return s;
    }
    add_case(s, "build_destroy", test_build_destroy, 60);
    add_case(s, "build_mgmt", test_build_mgmt, 60);
    add_case(s, "vlans_get_set", test_vlans_get_set, 60);
    add_case(s, "set_port_vlan", test_set_port_vlan, 60);
    add_case(s, "destroy_keeps_other_bridges",
             test_destroy_keeps_other_bridges, 60);
    add_case(s, "destroy_kill_paths", test_destroy_kill_paths, 60);
    int pidfd = pidfd_open(getpid(), 0);
    have_pidfd = pidfd >= 0;
    if (have_pidfd) {
        close(pidfd);
    } else {
        printf("# SKIP the kill of a userspace ovs-vswitchd: no pidfd_open "
               "here (%s)\n",
               strerror(errno));
    }
    add_case(s, "missing_port", test_missing_port, 60);
    add_case(s, "split_transactions", test_split_transactions, 60);
    add_case(s, "restart_after_crash", test_restart_after_crash, 60);
    add_case(s, "clear_leftovers", test_clear_leftovers, 180);
    if (access("/sys/module/openvswitch", F_OK)) {
        add_case(s, "second_netdev_instance", test_second_netdev_instance, 60);
        add_case(s, "system_datapath_missing", test_system_datapath_missing,
                 60);
    } else {
        printf("# SKIP tests that need a kernel without the openvswitch "
               "module\n");
    }
    if (!program_exists("ping") || !program_exists("ethtool")) {
        printf("# SKIP traffic test: ping or ethtool missing\n");
    } else {
        add_case(s, "traffic", test_traffic, 60);
    }
    if (bench && !strcmp(bench, "1")) {
        add_case(s, "bench", test_bench, 600);
    }
    fflush(stdout);
    return s;
}

int
main(void)
{
    const char *env = getenv("MINIINET_OVS_PLUGIN");

    snprintf(prefix, sizeof prefix, "mt%05u", (unsigned)getpid() % 100000);
    snprintf(plugin_path, sizeof plugin_path, "%s",
             env && *env ? env
                         : testutil_buildpath("plugins/ovs/.libs/ovs.so"));
    return testutil_run(ovs_suite());
}
