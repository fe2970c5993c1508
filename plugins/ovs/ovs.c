/* ovs: the default switch.  An AS's L2 network and every IXP LAN are Open
 * vSwitch bridges.
 *
 * Settings (plugins.ovs):
 *   datapath   "auto" (default: "system" when the kernel has the openvswitch
 *              module, else "netdev", the userspace datapath), "system" or
 *              "netdev"
 *
 * The switch daemon is a private instance already running in the switch
 * directory that the host hands to start(), else the server's own Open
 * vSwitch when one runs (its database answers at the default socket and
 * ovs-vswitchd answers too), else a private ovsdb-server and ovs-vswitchd
 * started in that directory, with every file they make there (database,
 * sockets, pid files, logs, the bridges' .mgmt sockets through
 * OVS_RUNDIR).  Operations that run without the topology (`down`) find
 * that instance again through its pid files.  README.md has the details
 * and the pitfalls.
 *
 * Everything is done through the OVS command-line programs, run by argv
 * through the host (no shell).  build() creates all bridges and ports of a
 * server in one ovs-vsctl transaction.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <miniinet/plugin.h>

#include "../common/cmd.h"
#include "../common/ovsleftover.h"
#include "../common/vlans.h"

enum ovs_datapath { OVS_DP_AUTO, OVS_DP_SYSTEM, OVS_DP_NETDEV };

/* Which switch daemon the plugin talks to. */
enum ovs_daemon {
    OVS_NONE,    /* none found (yet) */
    OVS_SYSTEM,  /* the server's own, at the default socket */
    OVS_PRIVATE, /* ours, under `dir` */
};

struct ovs {
    const struct mi_host *host;
    enum ovs_datapath datapath; /* resolved: SYSTEM or NETDEV */
    enum ovs_daemon daemon;
    char *dir; /* OVS_PRIVATE: absolute path of the instance's directory */
    char *db;  /* OVS_PRIVATE: "--db=unix:DIR/db.sock" */
};

/* Where Debian's (and upstream's default) Open vSwitch listens. */
#define SYSTEM_DB_SOCK "/var/run/openvswitch/db.sock"

/* The files of a private instance, relative to its directory. */
#define DB_FILE "conf.db"
#define DB_SOCK "db.sock"
#define DB_PID "ovsdb.pid"
#define DB_LOG "ovsdb.log"
#define DB_CTL "ovsdb.ctl"
#define VSD_PID "vsd.pid"
#define VSD_LOG "vsd.log"
#define VSD_CTL "vsd.ctl"
#define VSD_TAPS "vsd.taps" /* the taps a killed ovs-vswitchd left */
#define IFNAMSIZ_OVS 16     /* IFNAMSIZ, without <net/if.h> */

/* Seconds an ovs-vsctl may take: queries, and transactions that wait for
 * ovs-vswitchd to apply them (250 bridges take a few seconds). */
#define QUERY_TIMEOUT 10
/* A private instance's other_config:stats-update-interval (start_ovsdb). */
#define STATS_UPDATE_MS 60000
#define BUILD_TIMEOUT 600

/* Runs `a`; returns the exit status or a negative errno. */
static int
run_args(const struct ovs *ovs, const struct args *a, char **out)
{
    return cmd_run(ovs->host, "ovs", a, out);
}

/* Starts an ovs-vsctl command line for the daemon in use. */
static void
vsctl_begin(const struct ovs *ovs, struct args *a, int timeout)
{
    args_push(a, cmd_find_program("ovs-vsctl"));
    if (ovs->db) {
        args_add(a, ovs->db);
    }
    args_addf(a, "--timeout=%d", timeout);
}

/* Runs `ovs-vsctl ARG0 ARGS...` (NULL-terminated) with the query
 * timeout. */
static int
vsctl(const struct ovs *ovs, char **out, const char *arg0, ...)
{
    struct args a = {0};
    va_list ap;

    vsctl_begin(ovs, &a, QUERY_TIMEOUT);
    va_start(ap, arg0);
    for (const char *s = arg0; s; s = va_arg(ap, const char *)) {
        args_add(&a, s);
    }
    va_end(ap);
    int status = run_args(ovs, &a, out);
    args_free(&a);
    return status;
}

/* ------------------------------------------------------------------------ */
/* Daemons                                                                  */
/* ------------------------------------------------------------------------ */

/* Reads the command name (into comm) and state of /proc/.../stat. */
static bool
read_stat(const char *path, char *comm, size_t len, char *state)
{
    char buf[512];
    FILE *f = fopen(path, "re");

    if (!f) {
        return false;
    }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';

    /* "PID (COMM) STATE ...": COMM may hold anything, ')' included. */
    char *open = strchr(buf, '(');
    char *close = strrchr(buf, ')');
    if (!open || !close || close < open || close[1] != ' ') {
        return false;
    }
    snprintf(comm, len, "%.*s", (int)(close - open - 1), open + 1);
    *state = close[2];
    return true;
}

static bool
is_dead_state(char state)
{
    return state == 'Z' || state == 'X' || state == 'x';
}

/* True if process `pid` is called `comm` and still runs.  The daemons
 * detach, so they are not our children; where nothing reaps orphans they
 * stay behind as zombies once they exit.  A process counts as gone when
 * none of its threads runs: its leader turns zombie before the others have
 * closed its files (an ovs-vswitchd's tap devices). */
static bool
process_runs(pid_t pid, const char *comm)
{
    char path[64], name[32], state;

    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    if (!read_stat(path, name, sizeof name, &state) ||
        strcmp(name, comm) != 0) {
        return false;
    }
    if (!is_dead_state(state)) {
        return true;
    }

    snprintf(path, sizeof path, "/proc/%ld/task", (long)pid);
    DIR *d = opendir(path);
    bool runs = false;
    for (struct dirent *de; d && !runs && (de = readdir(d)) != NULL;) {
        char *task;
        if (de->d_name[0] != '.' &&
            asprintf(&task, "%s/%s/stat", path, de->d_name) >= 0) {
            runs = read_stat(task, name, sizeof name, &state) &&
                   !is_dead_state(state);
            free(task);
        }
    }
    if (d) {
        closedir(d);
    }
    return runs;
}

/* The pid in DIR/PIDFILE if that process runs and is called `comm`, else
 * 0. */
static pid_t
daemon_pid(const char *dir, const char *pidfile, const char *comm)
{
    char *path = cmd_path_join(dir, pidfile);
    FILE *f = path ? fopen(path, "re") : NULL;
    long pid = 0;

    free(path);
    if (!f) {
        return 0;
    }
    if (fscanf(f, "%ld", &pid) != 1 || pid <= 0 || pid > INT_MAX) {
        pid = 0;
    }
    fclose(f);
    return pid && process_runs((pid_t)pid, comm) ? (pid_t)pid : 0;
}

static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
        continue;
    }
}

/* Waits up to `ms` milliseconds for `pid` to stop running. */
static bool
wait_gone(pid_t pid, const char *comm, long ms)
{
    for (long waited = 0; process_runs(pid, comm); waited += 20) {
        if (waited >= ms) {
            return false;
        }
        sleep_ms(20);
    }
    return true;
}

/* An OVS program run with OVS_RUNDIR=dir, which ovs-vswitchd needs for the
 * bridges' management sockets and ovs-appctl to find them. */
static void
rundir_begin(struct args *a, const char *dir, const char *program)
{
    args_push(a, cmd_find_program("env"));
    args_addf(a, "OVS_RUNDIR=%s", dir);
    args_push(a, cmd_find_program(program));
}

/* Stops the daemon of DIR/PIDFILE: asks it through its control socket,
 * then, if it is still there after a while, sends SIGTERM and finally
 * SIGKILL, each time after checking that the pid still is that daemon. */
static int
stop_daemon(const struct ovs *ovs, const char *dir, const char *pidfile,
            const char *ctl, const char *comm)
{
    pid_t pid = daemon_pid(dir, pidfile, comm);
    if (!pid) {
        return 0;
    }

    struct args a = {0};
    rundir_begin(&a, dir, "ovs-appctl");
    args_add(&a, "--timeout=5");
    args_add(&a, "-t");
    args_push(&a, cmd_path_join(dir, ctl));
    args_add(&a, "exit");
    if (!strcmp(comm, "ovs-vswitchd")) {
        args_add(&a, "--cleanup"); /* kernel datapaths too */
    }
    int status = run_args(ovs, &a, NULL);
    args_free(&a);
    if (status == 0 && wait_gone(pid, comm, 5000)) {
        return 0;
    }

    static const int signals[] = {SIGTERM, SIGKILL};
    for (size_t i = 0; i < sizeof signals / sizeof *signals; i++) {
        if (!process_runs(pid, comm)) {
            return 0;
        }
        ovs->host->log(MI_LOG_WARN,
                       "ovs: %s (pid %ld) in %s did not exit; "
                       "sending it %s",
                       comm, (long)pid, dir, i ? "SIGKILL" : "SIGTERM");
        if (kill(pid, signals[i]) < 0 && errno != ESRCH) {
            int error = errno;
            ovs->host->error("ovs: cannot stop %s (pid %ld): %s", comm,
                             (long)pid, strerror(error));
            return -error;
        }
        if (wait_gone(pid, comm, 5000)) {
            return 0;
        }
    }
    ovs->host->error("ovs: %s (pid %ld) in %s does not stop", comm, (long)pid,
                     dir);
    return -ETIMEDOUT;
}

/* True for the files a private instance makes in its directory: the
 * database (with its lock and temporary files), sockets, pid files, logs
 * and, through OVS_RUNDIR, each bridge's .mgmt and .snoop sockets. */
static bool
is_instance_file(const char *name)
{
    static const char *const prefixes[] = {
        DB_FILE, ".conf.db", DB_SOCK, DB_PID,   DB_LOG, DB_CTL,
        VSD_PID, VSD_LOG,    VSD_CTL, VSD_TAPS, NULL,
    };
    static const char *const suffixes[] = {".mgmt", ".snoop", NULL};
    size_t len = strlen(name);

    for (size_t i = 0; prefixes[i]; i++) {
        if (!strncmp(name, prefixes[i], strlen(prefixes[i]))) {
            return true;
        }
    }
    for (size_t i = 0; suffixes[i]; i++) {
        size_t n = strlen(suffixes[i]);
        if (len > n && !strcmp(name + len - n, suffixes[i])) {
            return true;
        }
    }
    return false;
}

static int
remove_instance_files(const struct ovs *ovs, const char *dir)
{
    DIR *d = opendir(dir);
    int error = 0;

    if (!d) {
        return errno == ENOENT ? 0 : -errno;
    }
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        if (is_instance_file(de->d_name) &&
            unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
            error = -errno;
            ovs->host->error("ovs: cannot remove %s/%s: %s", dir, de->d_name,
                             strerror(errno));
        }
    }
    closedir(d);
    return error;
}

/* True if `dir` holds what a private instance leaves behind. */
static bool
has_instance_files(const char *dir)
{
    static const char *const files[] = {DB_FILE, DB_PID, VSD_PID, NULL};

    for (size_t i = 0; files[i]; i++) {
        char *path = cmd_path_join(dir, files[i]);
        bool exists = path && !access(path, F_OK);
        free(path);
        if (exists) {
            return true;
        }
    }
    return false;
}

static void
forget_daemon(struct ovs *ovs)
{
    free(ovs->dir);
    free(ovs->db);
    ovs->dir = ovs->db = NULL;
    ovs->daemon = OVS_NONE;
}

static int
use_private(struct ovs *ovs, const char *dir)
{
    forget_daemon(ovs);
    ovs->dir = strdup(dir);
    if (!ovs->dir || asprintf(&ovs->db, "--db=unix:%s/%s", dir, DB_SOCK) < 0) {
        ovs->db = NULL;
        forget_daemon(ovs);
        return -ENOMEM;
    }
    ovs->daemon = OVS_PRIVATE;
    return 0;
}

/* True if the server's own Open vSwitch runs: its database answers at the
 * default socket and so does ovs-vswitchd. */
static bool
system_ovs_runs(const struct ovs *ovs)
{
    struct stat st;

    /* Without the socket, asking would only log a connection error. */
    if (stat(SYSTEM_DB_SOCK, &st) < 0 || !S_ISSOCK(st.st_mode)) {
        return false;
    }

    struct args a = {0};
    args_push(&a, cmd_find_program("ovs-vsctl"));
    args_add(&a, "--timeout=2");
    args_add(&a, "show");
    char *out;
    int status = run_args(ovs, &a, &out);
    free(out);
    args_free(&a);
    if (status) {
        return false;
    }

    args_push(&a, cmd_find_program("ovs-appctl"));
    args_add(&a, "--timeout=2");
    args_add(&a, "-t");
    args_add(&a, "ovs-vswitchd");
    args_add(&a, "version");
    status = run_args(ovs, &a, &out);
    free(out);
    args_free(&a);
    return status == 0;
}

/* Finds the daemon for `dir` without starting anything (for operations
 * that may run in a process that never called start()): a private
 * instance whose ovsdb-server runs in `dir`, else the server's own when
 * its socket is there, else none. */
static int
attach(struct ovs *ovs, const char *dir)
{
    char *abs = dir ? realpath(dir, NULL) : NULL;

    if (abs && daemon_pid(abs, DB_PID, "ovsdb-server")) {
        int error = use_private(ovs, abs);
        free(abs);
        return error;
    }
    free(abs);
    forget_daemon(ovs);
    if (!access(SYSTEM_DB_SOCK, F_OK)) {
        ovs->daemon = OVS_SYSTEM;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* configure, release, start                                                */
/* ------------------------------------------------------------------------ */

static int
ovs_configure(const struct mi_host *host, const struct mi_settings *settings,
              void **statep)
{
    static const char *const known[] = {"datapath", NULL};
    const char *datapath = "auto";
    struct ovs *ovs;
    int error;

    error = host->setting_check_keys(settings, known);
    if (error) {
        return error;
    }
    error = host->setting_string(settings, "datapath", &datapath);
    if (error && error != -ENOENT) {
        return error;
    }

    ovs = calloc(1, sizeof *ovs);
    if (!ovs) {
        return -ENOMEM;
    }
    ovs->host = host;
    if (!strcmp(datapath, "auto")) {
        ovs->datapath = access("/sys/module/openvswitch", F_OK)
                            ? OVS_DP_NETDEV
                            : OVS_DP_SYSTEM;
    } else if (!strcmp(datapath, "system")) {
        ovs->datapath = OVS_DP_SYSTEM;
    } else if (!strcmp(datapath, "netdev")) {
        ovs->datapath = OVS_DP_NETDEV;
    } else {
        host->setting_error(settings, "datapath",
                            "must be \"auto\", \"system\" or \"netdev\", not "
                            "\"%s\"",
                            datapath);
        free(ovs);
        return -EINVAL;
    }
    *statep = ovs;
    return 0;
}

static void
ovs_release(void *state)
{
    struct ovs *ovs = state;

    forget_daemon(ovs);
    free(ovs);
}

static bool
ovs_needs_tx_csum_off(void *state)
{
    const struct ovs *ovs = state;

    return ovs->datapath == OVS_DP_NETDEV;
}

/* The OVS database schema, wherever the package put it. */
static const char *
find_schema(void)
{
    static const char *const schemas[] = {
        "/usr/share/openvswitch/vswitch.ovsschema",
        "/usr/local/share/openvswitch/vswitch.ovsschema",
        NULL,
    };

    for (size_t i = 0; schemas[i]; i++) {
        if (!access(schemas[i], R_OK)) {
            return schemas[i];
        }
    }
    return NULL;
}

/* Runs `a` (a step of starting the private instance) and says what failed
 * if it did. */
static int
run_step(const struct ovs *ovs, struct args *a, const char *what,
         const char *log)
{
    char *out;
    int status = run_args(ovs, a, &out);

    free(out);
    args_free(a);
    if (status == 0) {
        return 0;
    }
    char buf[32];
    ovs->host->error("ovs: %s failed (%s)%s%s%s%s", what,
                     cmd_status_text(status, buf, sizeof buf),
                     log ? "; see " : "", log ? ovs->dir : "", log ? "/" : "",
                     log ? log : "");
    return status < 0 ? status : -EIO;
}

static int
start_ovsdb(struct ovs *ovs)
{
    const char *dir = ovs->dir;
    char *db = cmd_path_join(dir, DB_FILE);
    struct args a = {0};
    int error = 0;

    if (!db) {
        return -ENOMEM;
    }
    /* A database left from an instance that died is kept: the bridges in
     * it come back, and are reported as existing rather than lost. */
    if (access(db, F_OK)) {
        const char *schema = find_schema();
        if (!schema) {
            free(db);
            ovs->host->error("ovs: the Open vSwitch schema "
                             "vswitch.ovsschema is not installed (install "
                             "openvswitch-switch)");
            return -ENOENT;
        }
        args_push(&a, cmd_find_program("ovsdb-tool"));
        args_add(&a, "create");
        args_add(&a, db);
        args_add(&a, schema);
        error =
            run_step(ovs, &a, "ovsdb-tool create (making the database)", NULL);
    }
    if (!error) {
        args_push(&a, cmd_find_program("ovsdb-server"));
        args_add(&a, db);
        args_addf(&a, "--remote=punix:%s/%s", dir, DB_SOCK);
        args_addf(&a, "--pidfile=%s/%s", dir, DB_PID);
        args_add(&a, "--detach");
        args_addf(&a, "--log-file=%s/%s", dir, DB_LOG);
        args_addf(&a, "--unixctl=%s/%s", dir, DB_CTL);
        error = run_step(ovs, &a, "starting ovsdb-server", DB_LOG);
    }
    if (!error) {
        vsctl_begin(ovs, &a, QUERY_TIMEOUT);
        args_add(&a, "--no-wait");
        args_add(&a, "init");
        /* The ports' counters into the database once a minute, not every
         * 5 s: ovs-vswitchd reads every port's statistics from the kernel
         * each time, with class-60's 1279 ports 256 reads a second and a
         * sixth of its CPU while the network idles.  Only this instance's:
         * the server's own Open vSwitch is not ours to tune. */
        args_add(&a, "--");
        args_add(&a, "set");
        args_add(&a, "Open_vSwitch");
        args_add(&a, ".");
        args_addf(&a, "other_config:stats-update-interval=%d",
                  STATS_UPDATE_MS);
        error = run_step(ovs, &a, "ovs-vsctl init", DB_LOG);
    }
    free(db);
    return error;
}

static int
start_vswitchd(struct ovs *ovs)
{
    const char *dir = ovs->dir;
    struct args a = {0};

    rundir_begin(&a, dir, "ovs-vswitchd");
    args_addf(&a, "unix:%s/%s", dir, DB_SOCK);
    args_addf(&a, "--pidfile=%s/%s", dir, VSD_PID);
    args_add(&a, "--detach");
    args_addf(&a, "--log-file=%s/%s", dir, VSD_LOG);
    args_addf(&a, "--unixctl=%s/%s", dir, VSD_CTL);
    return run_step(ovs, &a, "starting ovs-vswitchd", VSD_LOG);
}

/* The pid of an ovs-vswitchd that runs in our network namespace, or 0. */
static pid_t
vswitchd_in_netns(void)
{
    struct stat self, st;
    DIR *d = opendir("/proc");
    pid_t found = 0;

    if (!d || stat("/proc/self/ns/net", &self) < 0) {
        if (d) {
            closedir(d);
        }
        return 0;
    }
    for (struct dirent *de; !found && (de = readdir(d)) != NULL;) {
        char *end, path[64];
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 0 || pid > INT_MAX ||
            !process_runs((pid_t)pid, "ovs-vswitchd")) {
            continue;
        }
        snprintf(path, sizeof path, "/proc/%ld/ns/net", pid);
        if (!stat(path, &st) && st.st_ino == self.st_ino &&
            st.st_dev == self.st_dev) {
            found = (pid_t)pid;
        }
    }
    closedir(d);
    return found;
}

static int delete_recorded_taps(const struct ovs *ovs, const char *dir);

static int
ovs_start(void *state, const char *dir)
{
    struct ovs *ovs = state;
    int error;

    if (!dir) {
        ovs->host->error("ovs: start needs a directory");
        return -EINVAL;
    }
    char *abs = realpath(dir, NULL);
    if (!abs) {
        error = -errno;
        ovs->host->error("ovs: switch directory %s: %s", dir, strerror(errno));
        return error;
    }

    /* An instance of ours that runs already (a repeated `up`) wins over
     * the server's own: its bridges are there. */
    bool db_runs = daemon_pid(abs, DB_PID, "ovsdb-server") != 0;
    if (!db_runs && system_ovs_runs(ovs)) {
        free(abs);
        forget_daemon(ovs);
        ovs->daemon = OVS_SYSTEM;
        ovs->host->log(MI_LOG_INFO, "ovs: using the server's Open vSwitch");
        return 0;
    }

    error = use_private(ovs, abs);
    free(abs);
    if (error) {
        return error;
    }
    bool vsd_runs = daemon_pid(ovs->dir, VSD_PID, "ovs-vswitchd") != 0;
    if (db_runs && vsd_runs) {
        return 0;
    }
    /* The taps of an ovs-vswitchd that `destroy` killed and could not
     * delete go before a new one starts (which would hold some again). */
    if (!vsd_runs && (error = delete_recorded_taps(ovs, ovs->dir)) != 0) {
        return error;
    }
    /* The userspace datapath of every ovs-vswitchd is called ovs-netdev
     * and owns a tap device of that name: while another ovs-vswitchd in
     * this network namespace holds it, ours could make no bridge.  (The
     * tap device is persistent: after a crash it is left behind, unheld,
     * and the next ovs-vswitchd takes it over.) */
    pid_t other;
    if (!vsd_runs && ovs->datapath == OVS_DP_NETDEV &&
        ovs->host->link_exists(NULL, "ovs-netdev") == 1 &&
        (other = vswitchd_in_netns()) != 0) {
        ovs->host->error(
            "ovs: another ovs-vswitchd (pid %ld) with the userspace "
            "(netdev) datapath runs in this network namespace, and there can "
            "be only one: stop it, or use the server's Open vSwitch for "
            "every network",
            (long)other);
        forget_daemon(ovs);
        return -EBUSY;
    }
    ovs->host->log(MI_LOG_INFO,
                   "ovs: starting a private Open vSwitch in %s (%s datapath)",
                   ovs->dir,
                   ovs->datapath == OVS_DP_NETDEV ? "netdev" : "system");
    error = db_runs ? 0 : start_ovsdb(ovs);
    if (!error && !vsd_runs) {
        error = start_vswitchd(ovs);
        if (error && !db_runs) {
            stop_daemon(ovs, ovs->dir, DB_PID, DB_CTL, "ovsdb-server");
        }
    }
    return error;
}

/* ------------------------------------------------------------------------ */
/* build                                                                    */
/* ------------------------------------------------------------------------ */

/* The bridges that exist, from `ovs-vsctl list-br` (one a line): a
 * malloc()ed buffer that the caller frees; -errno on failure. */
static int
list_bridges(const struct ovs *ovs, char **out)
{
    int status = vsctl(ovs, out, "list-br", (char *)NULL);

    if (status) {
        free(*out);
        *out = NULL;
        char buf[32];
        ovs->host->error("ovs: ovs-vsctl list-br failed (%s)",
                         cmd_status_text(status, buf, sizeof buf));
        return status < 0 ? status : -EIO;
    }
    return 0;
}

/* Checks that the plan's references are sound before anything changes. */
static int
check_build(const struct ovs *ovs, const struct mi_plan *plan, unsigned server)
{
    for (size_t i = 0; i < plan->n_links; i++) {
        const struct mi_link *l = mi_plan_link(plan, i);
        for (int e = 0; e < 2; e++) {
            int b = l->end[e].bridge;
            if (b < 0 || l->server[e] != server) {
                continue;
            }
            if ((size_t)b >= plan->n_bridges ||
                mi_plan_bridge(plan, b)->server != server || !l->peer[e] ||
                l->end[e].vlan > 4095) {
                ovs->host->error("ovs: link %zu, end %d: bad bridge end "
                                 "(bridge %d, port %s, VLAN %u)",
                                 i, e, b, l->peer[e] ? l->peer[e] : "(none)",
                                 l->end[e].vlan);
                return -EINVAL;
            }
        }
    }
    return 0;
}

/* The bytes an argv may take: a quarter of the kernel's limit, leaving the
 * rest for the environment.  MINIINET_OVS_ARGV_MAX lowers it (tests). */
static size_t
argv_budget(void)
{
    long max = sysconf(_SC_ARG_MAX);
    size_t budget = max > 0 ? (size_t)max / 4 : 32768;
    const char *env = getenv("MINIINET_OVS_ARGV_MAX");

    if (env && *env) {
        unsigned long v = strtoul(env, NULL, 10);
        if (v >= 1024 && v < budget) {
            budget = v;
        }
    }
    return budget;
}

/* Builds the transaction(s): `cmds` holds `--` separated commands; each
 * ovs-vsctl gets as many whole commands as the budget allows. */
struct batch {
    const struct ovs *ovs;
    struct args a;
    size_t base;   /* arguments before the first command */
    size_t budget; /* bytes */
    size_t n_runs;
    int error;
};

static void
batch_begin(struct batch *b, const struct ovs *ovs)
{
    memset(b, 0, sizeof *b);
    b->ovs = ovs;
    b->budget = argv_budget();
    vsctl_begin(ovs, &b->a, BUILD_TIMEOUT);
    b->base = b->a.n;
}

static void
batch_flush(struct batch *b)
{
    if (b->error || b->a.n == b->base) {
        return;
    }
    int status = run_args(b->ovs, &b->a, NULL);
    if (status) {
        char buf[32];
        b->ovs->host->error("ovs: ovs-vsctl (transaction %zu, %zu arguments) "
                            "failed (%s)",
                            b->n_runs + 1, b->a.n,
                            cmd_status_text(status, buf, sizeof buf));
        b->error = status < 0 ? status : -EIO;
    }
    b->n_runs++;
    args_truncate(&b->a, b->base);
}

/* Ends the command that starts at argument `start`: when it made the
 * argv too long, the commands before it run first. */
static void
batch_end_command(struct batch *b, size_t start)
{
    if (b->a.bytes <= b->budget || start == b->base) {
        return;
    }
    struct args cmd = {0};
    for (size_t i = start; i < b->a.n; i++) {
        args_add(&cmd, b->a.v[i]);
    }
    args_truncate(&b->a, start);
    batch_flush(b);
    for (size_t i = 0; i < cmd.n; i++) {
        args_add(&b->a, cmd.v[i]);
    }
    b->a.nomem |= cmd.nomem;
    args_free(&cmd);
}

static void
add_bridge(struct batch *b, const struct mi_plan *plan,
           const struct mi_bridge *br, enum ovs_datapath dp)
{
    struct args *a = &b->a;
    size_t start = a->n;
    const uint8_t *m = br->stp_mac;

    args_add(a, "--");
    args_add(a, "add-br");
    args_add(a, br->name);
    args_add(a, "--");
    args_add(a, "set");
    args_add(a, "bridge");
    args_add(a, br->name);
    args_addf(a, "datapath_type=%s",
              dp == OVS_DP_NETDEV ? "netdev" : "system");
    args_add(a, "fail_mode=standalone");
    /* The network name is a plain [A-Za-z0-9_-] name; quoted all the same
     * so that ovs-vsctl never reads it as a number. */
    args_addf(a, "external_ids:miniinet=\"%s\"", plan->name ? plan->name : "");
    if (br->kind == MI_BRIDGE_MGMT) {
        /* A group's management network: a plain learning switch of its
         * devices' "ssh" ports, nothing else (plugin.h). */
        args_add(a, "stp_enable=false");
    } else if (br->kind == MI_BRIDGE_L2SWITCH) {
        args_add(a, "stp_enable=true");
        args_addf(a, "other_config:stp-priority=%u", br->stp_priority);
        args_addf(a,
                  "other_config:stp-system-id=\"%02x:%02x:%02x:%02x:%02x:"
                  "%02x\"",
                  m[0], m[1], m[2], m[3], m[4], m[5]);
    }
    batch_end_command(b, start);
}

/* An access port (an L2 host's or a gateway's link) carries its VLAN
 * untagged and drops frames tagged otherwise; VLAN 0 is the untagged
 * network (tag=0).  Other ports (trunks, IXP LANs) carry every frame. */
static void
add_port(struct batch *b, const char *bridge, const char *port, unsigned vlan,
         bool access)
{
    struct args *a = &b->a;
    size_t start = a->n;

    args_add(a, "--");
    args_add(a, "add-port");
    args_add(a, bridge);
    args_add(a, port);
    if (vlan || access) {
        args_addf(a, "tag=%u", vlan);
        args_add(a, "vlan_mode=access");
    }
    batch_end_command(b, start);
}

/* Calls `fn` for every bridge port of `plan` on `server`: the port
 * peer[e] of every link end e on a bridge of that server, whether the
 * link's other end is on the same server or not (an IXP LAN with members
 * on other servers: the tunnel carries the rest). */
typedef void port_fn(const char *bridge, const char *port, unsigned vlan,
                     bool access, void *aux);

static void
for_each_port(const struct mi_plan *plan, unsigned server, port_fn *fn,
              void *aux)
{
    for (size_t i = 0; i < plan->n_links; i++) {
        const struct mi_link *l = mi_plan_link(plan, i);
        for (int e = 0; e < 2; e++) {
            if (l->end[e].bridge >= 0 && l->server[e] == server) {
                fn(mi_plan_bridge(plan, l->end[e].bridge)->name, l->peer[e],
                   l->end[e].vlan,
                   l->kind == MI_LINK_L2_HOST || l->kind == MI_LINK_L2_GATEWAY,
                   aux);
            }
        }
    }
}

struct port_check {
    const struct ovs *ovs;
    const char *interfaces; /* "NAME,ERROR" lines */
    size_t n_bad;
};

static void
add_port_cb(const char *bridge, const char *port, unsigned vlan, bool access,
            void *b)
{
    add_port(b, bridge, port, vlan, access);
}

static void
check_port_cb(const char *bridge, const char *port, unsigned vlan, bool access,
              void *pc_)
{
    struct port_check *pc = pc_;
    char err[512];

    (void)vlan;
    (void)access;
    if (cmd_csv_value(pc->interfaces, port, err, sizeof err)) {
        if (pc->n_bad++ < 10) {
            pc->ovs->host->error("ovs: bridge %s: port %s: %s", bridge, port,
                                 err);
        }
    }
}

/* ovs-vsctl reports what ovs-vswitchd could not do (a port whose device
 * is missing, a datapath the kernel lacks) on standard error but exits 0:
 * read it back from the database. */
static int
check_built(const struct ovs *ovs, const struct mi_plan *plan, unsigned server)
{
    char *bridges = NULL, *interfaces = NULL;
    size_t n_bad = 0;

    int status =
        vsctl(ovs, &bridges, "--format=csv", "--data=bare", "--no-headings",
              "--columns=name,datapath_id", "list", "Bridge", (char *)NULL);
    if (!status) {
        status = vsctl(ovs, &interfaces, "--format=csv", "--data=bare",
                       "--no-headings", "--columns=name,error", "list",
                       "Interface", (char *)NULL);
    }
    if (status) {
        free(bridges);
        free(interfaces);
        ovs->host->error("ovs: reading back the bridges failed");
        return status < 0 ? status : -EIO;
    }

    for (size_t i = 0; i < plan->n_bridges; i++) {
        const struct mi_bridge *br = mi_plan_bridge(plan, i);
        char id[64];
        if (br->server == server &&
            !cmd_csv_value(bridges, br->name, id, sizeof id)) {
            n_bad++;
            ovs->host->error(
                "ovs: bridge %s: ovs-vswitchd could not make its datapath "
                "(%s)%s%s%s",
                br->name,
                ovs->datapath == OVS_DP_SYSTEM
                    ? "datapath \"system\" needs the openvswitch kernel "
                      "module; try plugins.ovs.datapath = \"netdev\""
                    : "datapath \"netdev\": does another ovs-vswitchd "
                      "own interface ovs-netdev?",
                ovs->dir ? "; see " : "", ovs->dir ? ovs->dir : "",
                ovs->dir ? "/" VSD_LOG : "");
        }
    }
    struct port_check pc = {ovs, interfaces, 0};
    for_each_port(plan, server, check_port_cb, &pc);
    if (pc.n_bad > 10) {
        ovs->host->error("ovs: ... and %zu more ports", pc.n_bad - 10);
    }
    free(bridges);
    free(interfaces);
    return n_bad || pc.n_bad ? -EIO : 0;
}

static int
ovs_build(void *state, const struct mi_plan *plan, unsigned server)
{
    struct ovs *ovs = state;
    size_t n_here = 0;

    int error = check_build(ovs, plan, server);
    for (size_t i = 0; i < plan->n_bridges; i++) {
        n_here += mi_plan_bridge(plan, i)->server == server;
    }
    if (error || !n_here) {
        return error;
    }
    if (ovs->daemon == OVS_NONE) {
        ovs->host->error("ovs: build before start: no switch daemon");
        return -EINVAL;
    }

    char *existing;
    error = list_bridges(ovs, &existing);
    if (error) {
        return error;
    }
    for (size_t i = 0; i < plan->n_bridges; i++) {
        const struct mi_bridge *br = mi_plan_bridge(plan, i);
        if (br->server == server && cmd_in_lines(existing, br->name)) {
            ovs->host->error("ovs: bridge %s exists already", br->name);
            error = -EEXIST;
        }
    }
    free(existing);
    if (error) {
        return error;
    }

    struct batch b;
    batch_begin(&b, ovs);
    for (size_t i = 0; i < plan->n_bridges; i++) {
        if (mi_plan_bridge(plan, i)->server == server) {
            add_bridge(&b, plan, mi_plan_bridge(plan, i), ovs->datapath);
        }
    }
    for_each_port(plan, server, add_port_cb, &b);
    batch_flush(&b);
    args_free(&b.a);
    if (b.n_runs > 1) {
        ovs->host->log(MI_LOG_DEBUG,
                       "ovs: the bridges took %zu ovs-vsctl transactions "
                       "(command line limit)",
                       b.n_runs);
    }
    return b.error ? b.error : check_built(ovs, plan, server);
}

/* ------------------------------------------------------------------------ */
/* bridge_exists, destroy                                                   */
/* ------------------------------------------------------------------------ */

/* The daemons of a private instance made under `dir` (its database is
 * there) that no longer run; nothing when none was made there. */
static int
ovs_dead_daemons(void *state, const char *dir, char *buf, size_t len)
{
    (void)state;
    char *abs = dir ? realpath(dir, NULL) : NULL;
    char *db = abs ? cmd_path_join(abs, DB_FILE) : NULL;
    bool made = db && !access(db, F_OK);
    bool db_dead = made && !daemon_pid(abs, DB_PID, "ovsdb-server");
    bool vsd_dead = made && !daemon_pid(abs, VSD_PID, "ovs-vswitchd");

    free(db);
    free(abs);
    snprintf(buf, len, "%s%s%s", db_dead ? "ovsdb-server" : "",
             db_dead && vsd_dead ? " " : "", vsd_dead ? "ovs-vswitchd" : "");
    return 0;
}

/* 0 if port `port` is on bridge `bridge` (`ovs-vsctl port-to-br`), else
 * -ENOENT, said naming both. */
static int
port_on_bridge(const struct ovs *ovs, const char *bridge, const char *port)
{
    char *owner = NULL;
    char buf[32];
    /* "--": a name is never read as an option. */
    int status = vsctl(ovs, &owner, "--", "port-to-br", port, (char *)NULL);
    bool on = status == 0 && owner && cmd_in_lines(owner, bridge);

    free(owner);
    if (!on) {
        ovs->host->error("ovs: port %s is not a port of bridge %s%s%s%s", port,
                         bridge, status ? " (ovs-vsctl port-to-br: " : "",
                         status ? cmd_status_text(status, buf, sizeof buf)
                                : "",
                         status ? ")" : "");
        return -ENOENT;
    }
    return 0;
}

/* The Port columns reattach_port() keeps, as `ovs-vsctl get` shows them
 * and `set` takes them back. */
static const char *const kept_columns[] = {"tag", "trunks", "vlan_mode",
                                           "other_config", NULL};

/* Port `port` of `bridge` whose interface was deleted and made again: a
 * running ovs-vswitchd (the userspace datapath above all) keeps the old
 * one open, so no frame passes.  Deleting the port and adding it in the
 * same transaction changes nothing for ovs-vswitchd (same name, same
 * type: the open interface is kept), so: the port's settings read, the
 * port deleted (ovs-vsctl waits until ovs-vswitchd has let it go), then
 * added again with them in one transaction.  argv only. */
static int
ovs_reattach_port(void *state, const char *dir, const char *bridge,
                  const char *port)
{
    struct ovs *ovs = state;
    int error = attach(ovs, dir);
    char *values = NULL;
    char buf[32];

    if (!error && ovs->daemon == OVS_NONE) {
        ovs->host->error("ovs: no Open vSwitch runs: cannot attach %s again",
                         port);
        return -ENOENT;
    }
    if (!error) {
        error = port_on_bridge(ovs, bridge, port);
    }
    if (error) {
        return error;
    }
    int status =
        vsctl(ovs, &values, "get", "port", port, kept_columns[0],
              kept_columns[1], kept_columns[2], kept_columns[3], (char *)NULL);
    /* One line per column. */
    char *line[4] = {NULL};
    char *save = NULL;
    size_t n = 0;
    for (char *l = status || !values ? NULL : strtok_r(values, "\n", &save);
         l && n < 4; l = strtok_r(NULL, "\n", &save)) {
        line[n++] = l;
    }
    if (status || n != 4) {
        ovs->host->error("ovs: port %s: cannot read its settings (%s)", port,
                         cmd_status_text(status, buf, sizeof buf));
        free(values);
        return status < 0 ? status : -EIO;
    }
    status = vsctl(ovs, NULL, "del-port", bridge, port, (char *)NULL);
    if (status == 0) {
        struct args a = {0};
        vsctl_begin(ovs, &a, QUERY_TIMEOUT);
        args_add(&a, "--");
        args_add(&a, "add-port");
        args_add(&a, bridge);
        args_add(&a, port);
        args_add(&a, "--");
        args_add(&a, "set");
        args_add(&a, "port");
        args_add(&a, port);
        for (size_t i = 0; i < 4; i++) {
            args_addf(&a, "%s=%s", kept_columns[i], line[i]);
        }
        char *out = NULL;
        status = run_args(ovs, &a, &out);
        free(out);
        args_free(&a);
        if (status) {
            ovs->host->error("ovs: port %s was deleted from bridge %s and "
                             "could not be added again (%s): `up` again, or "
                             "`down` then `up --restore`",
                             port, bridge,
                             cmd_status_text(status, buf, sizeof buf));
        }
    } else {
        ovs->host->error("ovs: ovs-vsctl del-port %s %s failed (%s)", bridge,
                         port, cmd_status_text(status, buf, sizeof buf));
    }
    free(values);
    return status == 0 ? 0 : status < 0 ? status : -EIO;
}

/* Since 4.7: every bridge asked about with one `ovs-vsctl list-br`. */
static int
ovs_bridges_exist(void *state, const char *dir, const char *const *names,
                  size_t n, bool *exists)
{
    struct ovs *ovs = state;

    memset(exists, 0, n * sizeof *exists);
    int error = attach(ovs, dir);
    if (error || ovs->daemon == OVS_NONE || !n) {
        return error; /* no Open vSwitch at all: no bridge either */
    }
    char *out = NULL;
    error = list_bridges(ovs, &out);
    for (char *line = out, *next; !error && line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) {
            *next++ = '\0';
        }
        for (size_t i = 0; i < n; i++) {
            exists[i] |= !strcmp(names[i], line);
        }
    }
    free(out);
    return error;
}

static int
ovs_bridge_exists(void *state, const char *dir, const char *name)
{
    struct ovs *ovs = state;

    int error = attach(ovs, dir);
    if (error) {
        return error;
    }
    if (ovs->daemon == OVS_NONE) {
        return 0; /* no Open vSwitch at all: no bridge either */
    }
    int status = vsctl(ovs, NULL, "br-exists", name, (char *)NULL);
    if (status == 0 || status == 2) {
        return status == 0;
    }
    char buf[32];
    ovs->host->error("ovs: ovs-vsctl br-exists %s failed (%s)", name,
                     cmd_status_text(status, buf, sizeof buf));
    return status < 0 ? status : -EIO;
}

/* Deletes the named bridges that exist, in as few transactions as the
 * command line allows. */
static int
delete_bridges(const struct ovs *ovs, const char *const *bridges, size_t n,
               bool vswitchd_runs)
{
    struct batch b;

    batch_begin(&b, ovs);
    b.base = b.a.n;
    /* Nothing would apply the change without ovs-vswitchd: do not wait. */
    if (!vswitchd_runs) {
        args_add(&b.a, "--no-wait");
        b.base++;
    }
    for (size_t i = 0; i < n; i++) {
        size_t start = b.a.n;
        args_add(&b.a, "--");
        args_add(&b.a, "--if-exists");
        args_add(&b.a, "del-br");
        args_add(&b.a, bridges[i]);
        batch_end_command(&b, start);
    }
    batch_flush(&b);
    args_free(&b.a);
    return b.error;
}

/* Names, one a line: each line `list` has is one of `names`, and there
 * is at least one. */
static bool
lines_all_in(const char *list, const char *const *names, size_t n)
{
    bool any = false;
    for (const char *p = list; p && *p;) {
        const char *nl = strchrnul(p, '\n');
        bool found = false;
        for (size_t i = 0; i < n && !found; i++) {
            found = strlen(names[i]) == (size_t)(nl - p) &&
                    !memcmp(p, names[i], (size_t)(nl - p));
        }
        if (!found) {
            return false;
        }
        any = true;
        p = *nl ? nl + 1 : nl;
    }
    return any;
}

/* Whether /proc/PID/cmdline has the argument `want`. */
static bool
cmdline_has(pid_t pid, const char *want)
{
    char path[64], buf[8192];
    snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t len = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0) {
        close(fd);
    }
    if (len <= 0) {
        return false;
    }
    buf[len] = '\0';
    for (const char *arg = buf; arg < buf + len; arg += strlen(arg) + 1) {
        if (!strcmp(arg, want)) {
            return true;
        }
    }
    return false;
}

/* The tap devices process `pid` holds open (a /dev/net/tun file's "iff:"
 * in /proc/PID/fdinfo), one a line: a malloc()ed buffer, NULL on any
 * failure but a descriptor closed meanwhile. */
static char *
held_taps(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/fd", (long)pid);
    DIR *d = opendir(path);
    char *out = NULL;
    size_t len = 0;
    FILE *f = d ? open_memstream(&out, &len) : NULL;
    bool failed = !f;

    errno = 0;
    for (struct dirent *de; !failed && (de = readdir(d)) != NULL; errno = 0) {
        char link[300], target[32], info[512];
        if (de->d_name[0] == '.' ||
            snprintf(link, sizeof link, "/proc/%ld/fd/%s", (long)pid,
                     de->d_name) >= (int)sizeof link) {
            continue;
        }
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n < 0) {
            failed = errno != ENOENT;
            continue;
        }
        target[n] = '\0';
        if (strcmp(target, "/dev/net/tun") != 0) {
            continue;
        }
        snprintf(link, sizeof link, "/proc/%ld/fdinfo/%s", (long)pid,
                 de->d_name);
        int fd = open(link, O_RDONLY | O_CLOEXEC);
        n = fd >= 0 ? read(fd, info, sizeof info - 1) : -1;
        if (n < 0) {
            failed = errno != ENOENT;
        }
        if (fd >= 0) {
            close(fd);
        }
        info[n > 0 ? n : 0] = '\0';
        const char *iff = strstr(info, "\niff:\t");
        if (iff) {
            iff += strlen("\niff:\t");
            int name_len = (int)strcspn(iff, "\n");
            if (name_len > 0 && name_len < IFNAMSIZ_OVS) {
                fprintf(f, "%.*s\n", name_len, iff);
            }
        }
    }
    failed |= errno != 0; /* readdir() */
    if (d) {
        closedir(d);
    }
    if (!f || fclose(f) || failed) {
        free(out);
        return NULL;
    }
    return out;
}

/* Splits `lines` (changed in place) into an array of its lines. */
static const char **
split_lines(char *lines, size_t *n)
{
    size_t cap = 1;
    for (const char *c = lines; *c; c++) {
        cap += *c == '\n';
    }
    const char **v = calloc(cap, sizeof *v);
    char *save = NULL;
    *n = 0;
    for (char *line = v ? strtok_r(lines, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        v[(*n)++] = line;
    }
    return v;
}

/* Writes DIR/vsd.taps, the taps a killed ovs-vswitchd leaves, one a line:
 * a `destroy` that failed after the kill deletes them the next time. */
static int
write_taps(const struct ovs *ovs, const char *taps)
{
    char *path = cmd_path_join(ovs->dir, VSD_TAPS);
    /* Appended: what an earlier kill left and could not delete stays
     * listed. */
    int fd = path
                 ? open(path,
                        O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
                        0600)
                 : -1;
    size_t len = strlen(taps);
    int error = fd < 0 ? -errno : 0;
    struct stat st;
    if (!error && fstat(fd, &st) < 0) {
        error = -errno;
    }
    ssize_t written = !error ? write(fd, taps, len) : 0;
    if (!error && written != (ssize_t)len) {
        error = written < 0 ? -errno : -ENOSPC;
        /* No line cut short left behind. */
        if (ftruncate(fd, st.st_size) < 0) {
            ovs->host->log(MI_LOG_WARN, "ovs: %s: cannot cut back: %s", path,
                           strerror(errno));
        }
    }
    if (fd >= 0 && close(fd) < 0 && !error) {
        error = -errno;
    }
    if (error) {
        ovs->host->log(MI_LOG_WARN,
                       "ovs: cannot write %s (%s): removing the bridges "
                       "one by one",
                       path ? path : VSD_TAPS, strerror(-error));
    }
    free(path);
    return error;
}

/* Deletes the taps `taps` names (one a line, changed in place) together,
 * then DIR/vsd.taps. */
static int
delete_taps(const struct ovs *ovs, const char *dir, char *taps)
{
    size_t n;
    const char **names = split_lines(taps, &n);
    if (!names) {
        return -ENOMEM;
    }
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (strlen(names[i]) >= IFNAMSIZ_OVS || strchr(names[i], '/')) {
            ovs->host->log(MI_LOG_WARN,
                           "ovs: %s/%s: \"%s\" is no interface name; left "
                           "out",
                           dir, VSD_TAPS, names[i]);
        } else {
            names[kept++] = names[i];
        }
    }
    int error = 0;
    if (MI_HOST_HAS(ovs->host, links_delete)) {
        error = ovs->host->links_delete(NULL, names, kept);
    }
    for (size_t i = 0; !MI_HOST_HAS(ovs->host, links_delete) && i < kept;
         i++) {
        int e = ovs->host->link_exists(NULL, names[i]);
        e = e == 1 ? ovs->host->link_delete(NULL, names[i]) : e;
        error = error ? error : e;
    }
    free(names);
    char *path = cmd_path_join(dir, VSD_TAPS);
    if (!error && path && unlink(path) < 0 && errno != ENOENT) {
        error = -errno;
        ovs->host->error("ovs: cannot remove %s: %s", path, strerror(errno));
    }
    free(path);
    return error;
}

/* The taps a killed ovs-vswitchd of the instance in `dir` left, when an
 * earlier `destroy` failed after the kill: deleted now (the caller has
 * seen that no ovs-vswitchd runs there). */
static int
delete_recorded_taps(const struct ovs *ovs, const char *dir)
{
    char *path = cmd_path_join(dir, VSD_TAPS);
    int fd = path ? open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
    struct stat st;
    char *buf = NULL;
    int error = 0;

    if (fd < 0) {
        error = errno == ENOENT ? 0 : -errno;
    } else if (fstat(fd, &st) < 0) {
        error = -errno;
    } else if (!S_ISREG(st.st_mode)) {
        error = -EINVAL;
    } else if (st.st_size > (1 << 20)) {
        error = -EFBIG;
    } else if (!(buf = malloc((size_t)st.st_size + 1))) {
        error = -ENOMEM;
    } else {
        size_t len = 0;
        ssize_t n = 1;
        while (len < (size_t)st.st_size &&
               (n = read(fd, buf + len, (size_t)st.st_size - len)) > 0) {
            len += (size_t)n;
        }
        buf[len] = '\0';
        error = n < 0 ? -errno : 0;
    }
    if (fd >= 0) {
        close(fd);
    }
    if (error) {
        ovs->host->error("ovs: cannot read %s (%s), the tap devices a killed "
                         "ovs-vswitchd left: delete them, then remove the "
                         "file",
                         path ? path : VSD_TAPS, strerror(-error));
    } else if (buf) {
        error = delete_taps(ovs, dir, buf);
    }
    free(buf);
    free(path);
    return error;
}

/* Deleting bridges of the userspace (netdev) datapath costs ovs-vswitchd
 * CPU with the square of its ports (bench/ovs-down.sh: class-60's 247
 * bridges, 9.3-9.6 s on an idle machine); killed, it is gone in 1-2 s and
 * leaves only the tap devices it made (persistent), which the host then
 * deletes together.  Taken for a private instance with at least one
 * bridge, every bridge of that datapath and asked to go (its database goes
 * with it).  The daemon is pinned by a pidfd and known by its own pid file
 * on its command line; the taps are those it holds open.  Returns 1 when
 * done, 0 when the plain way must be taken, or -errno. */
static int
kill_netdev_vswitchd(struct ovs *ovs, const char *const *bridges, size_t n)
{
    pid_t pid;
    if (ovs->daemon != OVS_PRIVATE || !MI_HOST_HAS(ovs->host, links_delete) ||
        !(pid = daemon_pid(ovs->dir, VSD_PID, "ovs-vswitchd"))) {
        return 0;
    }
    char *names = NULL, *types = NULL;
    int status = list_bridges(ovs, &names);
    if (!status) {
        status =
            vsctl(ovs, &types, "--format=csv", "--data=bare", "--no-headings",
                  "--columns=datapath_type", "list", "Bridge", (char *)NULL);
    }
    static const char *const netdev[] = {"netdev"};
    bool all_ours = !status && lines_all_in(names, bridges, n) &&
                    lines_all_in(types, netdev, 1);
    free(names);
    free(types);
    if (!all_ours) {
        return 0;
    }

    int pidfd = pidfd_open(pid, 0);
    char *want = NULL, *taps = NULL;
    if (pidfd >= 0 &&
        asprintf(&want, "--pidfile=%s/%s", ovs->dir, VSD_PID) >= 0 &&
        cmdline_has(pid, want)) {
        taps = held_taps(pid);
    }
    /* Still alive (a zombie has an empty command line, and the pidfd
     * pins the pid), so what /proc said was of this process; and it holds
     * its datapath's tap, as every running one does. */
    if (!taps || !cmdline_has(pid, want) ||
        !cmd_in_lines(taps, "ovs-netdev") ||
        pidfd_send_signal(pidfd, 0, NULL, 0) < 0 || write_taps(ovs, taps)) {
        if (pidfd >= 0) {
            close(pidfd);
        }
        free(want);
        free(taps);
        return 0;
    }
    free(want);

    int error = 0;
    if (pidfd_send_signal(pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH) {
        error = -errno;
        ovs->host->error("ovs: cannot stop ovs-vswitchd (pid %ld): %s",
                         (long)pid, strerror(errno));
    }
    struct pollfd gone = {.fd = pidfd, .events = POLLIN};
    int ready = 0;
    for (int waited = 0; !error && ready != 1 && waited < 10000;
         waited += 100) {
        ready = poll(&gone, 1, 100);
        if (ready < 0 && errno != EINTR) {
            break;
        }
    }
    if (!error && ready != 1) {
        ovs->host->error("ovs: ovs-vswitchd (pid %ld) in %s does not stop",
                         (long)pid, ovs->dir);
        error = -ETIMEDOUT;
    }
    close(pidfd);
    if (!error) {
        ovs->host->log(MI_LOG_DEBUG,
                       "ovs: ovs-vswitchd (pid %ld) in %s stopped with "
                       "SIGKILL; deleting the tap devices it held",
                       (long)pid, ovs->dir);
        error = delete_recorded_taps(ovs, ovs->dir); /* vsd.taps */
    }
    free(taps);
    return error ? error : 1;
}

static int
ovs_destroy(void *state, const char *dir, const char *const *bridges,
            size_t n_bridges)
{
    struct ovs *ovs = state;
    int error = attach(ovs, dir);

    if (error) {
        return error;
    }
    bool vsd_runs = ovs->daemon != OVS_PRIVATE ||
                    daemon_pid(ovs->dir, VSD_PID, "ovs-vswitchd") != 0;
    bool killed = false;
    /* Taps an earlier destroy killed the daemon of and could not delete:
     * deleted first, whether ovsdb-server still runs there or not. */
    char *here = dir ? realpath(dir, NULL) : NULL;
    if (here && !daemon_pid(here, VSD_PID, "ovs-vswitchd")) {
        error = delete_recorded_taps(ovs, here);
    }
    free(here);
    if (error) {
        return error;
    }
    if (vsd_runs && n_bridges) {
        error = kill_netdev_vswitchd(ovs, bridges, n_bridges);
        if (error < 0) {
            return error;
        }
        killed = error > 0;
        error = 0;
    }
    if (ovs->daemon != OVS_NONE && n_bridges && !killed) {
        error = delete_bridges(ovs, bridges, n_bridges, vsd_runs);
        if (error) {
            return error;
        }
    }

    char *abs = dir ? realpath(dir, NULL) : NULL;
    if (!abs || !has_instance_files(abs)) {
        free(abs);
        forget_daemon(ovs);
        return 0;
    }
    if (ovs->daemon == OVS_PRIVATE && !killed) {
        /* Stopping ovs-vswitchd would take bridges we were not asked
         * about with it. */
        char *left;
        error = list_bridges(ovs, &left);
        if (!error && left && *left) {
            ovs->host->log(MI_LOG_WARN,
                           "ovs: the private Open vSwitch in %s keeps "
                           "running: it has bridges miniinet was not asked "
                           "to remove",
                           abs);
            free(left);
            free(abs);
            forget_daemon(ovs);
            return 0;
        }
        free(left);
    }
    if (!error && !killed) {
        error = stop_daemon(ovs, abs, VSD_PID, VSD_CTL, "ovs-vswitchd");
    }
    if (!error) {
        error = stop_daemon(ovs, abs, DB_PID, DB_CTL, "ovsdb-server");
    }
    if (!error) { /* what vsd.taps still lists (written before a restart) */
        error = delete_recorded_taps(ovs, abs);
    }
    if (!error) {
        error = remove_instance_files(ovs, abs);
    }
    free(abs);
    forget_daemon(ovs);
    return error;
}

/* ------------------------------------------------------------------------ */
/* get_vlans, set_vlans                                                     */
/* ------------------------------------------------------------------------ */

/* Every bridge's ports and every port's VLAN columns, in two queries
 * whatever the number of bridges (vlans.h parses them). */
static int
read_vlan_tables(const struct ovs *ovs, char **bridges, char **ports)
{
    *bridges = *ports = NULL;
    int status =
        vsctl(ovs, bridges, "--format=csv", "--data=bare", "--no-headings",
              "--columns=name,ports", "list", "Bridge", (char *)NULL);
    if (!status) {
        status =
            vsctl(ovs, ports, "--format=csv", "--data=bare", "--no-headings",
                  "--columns=_uuid,name,tag,trunks,"
                  "vlan_mode",
                  "list", "Port", (char *)NULL);
    }
    if (status) {
        char buf[32];
        free(*bridges);
        free(*ports);
        *bridges = *ports = NULL;
        ovs->host->error("ovs: reading the ports' VLAN settings failed (%s)",
                         cmd_status_text(status, buf, sizeof buf));
        return status < 0 ? status : -EIO;
    }
    return 0;
}

static int
ovs_get_vlans(void *state, const char *dir, const char *const *bridges,
              size_t n, char **texts)
{
    struct ovs *ovs = state;
    int error = attach(ovs, dir);
    char *blist = NULL, *plist = NULL;

    for (size_t i = 0; i < n; i++) {
        texts[i] = NULL;
    }
    if (!error && ovs->daemon == OVS_NONE) {
        ovs->host->error("ovs: no Open vSwitch runs: no bridge to read");
        error = -ENOENT;
    }
    if (!error) {
        error = read_vlan_tables(ovs, &blist, &plist);
    }
    for (size_t i = 0; !error && i < n; i++) {
        struct vlan_ports ports = {0};
        char err[128];
        if (vlans_from_ovs(blist, plist, bridges[i], &ports, err,
                           sizeof err)) {
            ovs->host->error("ovs: bridge %s: cannot read its VLAN settings: "
                             "%s",
                             bridges[i], err);
            continue;
        }
        texts[i] = vlans_format(&ports);
        vlans_free(&ports);
        if (!texts[i]) {
            error = -ENOMEM;
        } else if (strlen(texts[i]) > VLANS_TEXT_MAX) {
            /* set_vlans() would refuse it. */
            ovs->host->error("ovs: bridge %s: its VLAN settings take more "
                             "than %u bytes",
                             bridges[i], VLANS_TEXT_MAX);
            free(texts[i]);
            texts[i] = NULL;
        }
    }
    if (error) {
        for (size_t i = 0; i < n; i++) {
            free(texts[i]);
            texts[i] = NULL;
        }
    }
    free(blist);
    free(plist);
    return error;
}

/* The commands that make port `now` as `saved`: set what differs, clear
 * what `saved` does not have. */
static void
converge_port(struct args *a, const struct vlan_port *saved,
              const struct vlan_port *now, char *trunks, size_t len)
{
    const char *name = saved->name;

    if (saved->tag != now->tag) {
        args_add(a, "--");
        if (saved->tag >= 0) {
            args_add(a, "set");
            args_add(a, "Port");
            args_add(a, name);
            args_addf(a, "tag=%d", saved->tag);
        } else {
            args_add(a, "clear");
            args_add(a, "Port");
            args_add(a, name);
            args_add(a, "tag");
        }
    }
    if (saved->has_trunks != now->has_trunks ||
        (saved->has_trunks &&
         memcmp(saved->trunks, now->trunks, sizeof saved->trunks) != 0)) {
        args_add(a, "--");
        if (saved->has_trunks) {
            vlans_trunks_text(saved, trunks, len);
            args_add(a, "set");
            args_add(a, "Port");
            args_add(a, name);
            args_addf(a, "trunks=[%s]", trunks);
        } else {
            args_add(a, "clear");
            args_add(a, "Port");
            args_add(a, name);
            args_add(a, "trunks");
        }
    }
    if (strcmp(saved->mode, now->mode) != 0) {
        args_add(a, "--");
        if (*saved->mode) {
            args_add(a, "set");
            args_add(a, "Port");
            args_add(a, name);
            args_addf(a, "vlan_mode=%s", saved->mode);
        } else {
            args_add(a, "clear");
            args_add(a, "Port");
            args_add(a, name);
            args_add(a, "vlan_mode");
        }
    }
}

/* Adds to `a` what converges bridge `bridge` to `text`; counts the ports
 * changed.  -errno, reported. */
static int
converge_bridge(const struct ovs *ovs, const char *blist, const char *plist,
                const char *bridge, const char *text, struct args *a,
                size_t *changed)
{
    struct vlan_ports saved = {0}, now = {0};
    char err[128];
    size_t len = 5 * VLANS_N_VLANS + 1;
    char *trunks = malloc(len);

    if (!trunks) {
        return -ENOMEM;
    }
    int error = vlans_parse(text, &saved, err, sizeof err);
    if (error) {
        ovs->host->error("ovs: bridge %s: its saved VLAN settings are "
                         "damaged: %s",
                         bridge, err);
    } else if ((error = vlans_from_ovs(blist, plist, bridge, &now, err,
                                       sizeof err))) {
        ovs->host->error("ovs: bridge %s: cannot read its VLAN settings: %s",
                         bridge, err);
    }
    for (size_t i = 0; !error && i < saved.n; i++) {
        const struct vlan_port *p = &saved.v[i];
        const struct vlan_port *q = vlans_find(&now, p->name);
        if (!q) {
            ovs->host->error("ovs: bridge %s: port %s is gone: its VLAN "
                             "settings cannot be put back",
                             bridge, p->name);
            error = -ENOENT;
        } else if (!vlans_port_same(p, q)) {
            converge_port(a, p, q, trunks, len);
            ++*changed;
        }
    }
    for (size_t i = 0; !error && i < now.n; i++) {
        if (!vlans_find(&saved, now.v[i].name)) {
            ovs->host->log(MI_LOG_WARN,
                           "ovs: bridge %s: port %s is not in the saved "
                           "settings: left as it is",
                           bridge, now.v[i].name);
        }
    }
    vlans_free(&saved);
    vlans_free(&now);
    free(trunks);
    return error;
}

static int
ovs_set_vlans(void *state, const char *dir, const char *const *bridges,
              size_t n, const char *const *texts, size_t *changed)
{
    struct ovs *ovs = state;
    int error = attach(ovs, dir);
    char *blist = NULL, *plist = NULL;
    struct args a = {0};

    *changed = 0;
    if (!error && ovs->daemon == OVS_NONE) {
        ovs->host->error("ovs: no Open vSwitch runs: no bridge to restore");
        error = -ENOENT;
    }
    if (!error) {
        error = read_vlan_tables(ovs, &blist, &plist);
    }
    vsctl_begin(ovs, &a, BUILD_TIMEOUT);
    size_t base = a.n;
    /* Checked and compared first, all of them: then one transaction. */
    for (size_t i = 0; !error && i < n; i++) {
        if (texts[i]) {
            error = converge_bridge(ovs, blist, plist, bridges[i], texts[i],
                                    &a, changed);
        }
    }
    if (!error && a.n > base) {
        int status = run_args(ovs, &a, NULL);
        if (status) {
            char buf[32];
            ovs->host->error("ovs: ovs-vsctl setting the saved VLANs failed "
                             "(%s)",
                             cmd_status_text(status, buf, sizeof buf));
            error = status < 0 ? status : -EIO;
        }
    }
    if (error) {
        *changed = 0;
    }
    args_free(&a);
    free(blist);
    free(plist);
    return error;
}

/* ------------------------------------------------------------------------ */
/* set_port_vlan                                                            */
/* ------------------------------------------------------------------------ */

/* Whether VLAN `vlan`'s bit is set in `trunks` (plugin.h's layout). */
static bool
trunk_bit(const uint8_t *trunks, unsigned vlan)
{
    return trunks[vlan / 8] >> (vlan % 8) & 1;
}

/* Whether `v` is a setting plugin.h allows, else -EINVAL, said naming the
 * port. */
static int
check_port_vlan(const struct ovs *ovs, const char *bridge, const char *port,
                const struct mi_port_vlan *v)
{
    const char *why = NULL;
    bool any_trunk = false;

    for (size_t i = 0; i < sizeof v->trunks; i++) {
        any_trunk |= v->trunks[i] != 0;
    }
    if (!v->trunk && (v->tag < 1 || v->tag > MI_VLAN_MAX)) {
        why = "an access port's VLAN is out of range";
    } else if (!v->trunk && any_trunk) {
        why = "an access port carries no trunk VLANs";
    } else if (v->trunk && v->tag) {
        why = "a trunk has no VLAN tag of its own";
    } else if (v->trunk && trunk_bit(v->trunks, 0)) {
        why = "a trunk's VLANs are out of range (VLAN 0)";
    } else if (v->trunk && trunk_bit(v->trunks, MI_VLAN_MAX + 1)) {
        why = "a trunk's VLANs are out of range (VLAN 4095)";
    }
    if (why) {
        ovs->host->error("ovs: bridge %s, port %s: VLAN setting refused (%s, "
                         "tag %u): %s; VLANs are 1 to %u",
                         bridge, port, v->trunk ? "trunk" : "access", v->tag,
                         why, MI_VLAN_MAX);
        return -EINVAL;
    }
    return 0;
}

/* Adds to `a` the commands that make port `port` as `v` says:
 *   access: set Port P tag=N vlan_mode=access -- clear Port P trunks
 *   trunk:  clear Port P tag [trunks] -- set Port P vlan_mode=trunk
 *           [trunks=[N,...]]
 * (trunks cleared when `v` sets none: every VLAN).  -ENOMEM or 0. */
static int
add_port_vlan(struct args *a, const char *port, const struct mi_port_vlan *v)
{
    struct vlan_port p = {.has_trunks = true};
    _Static_assert(sizeof p.trunks == sizeof v->trunks,
                   "plugin.h's and vlans.h's trunk bitmaps differ");
    bool all = true;

    memcpy(p.trunks, v->trunks, sizeof p.trunks);
    for (size_t i = 0; i < sizeof v->trunks; i++) {
        all &= v->trunks[i] == 0;
    }
    args_add(a, "--");
    args_add(a, v->trunk ? "clear" : "set");
    args_add(a, "Port");
    args_add(a, port);
    if (!v->trunk) {
        args_addf(a, "tag=%u", v->tag);
        args_add(a, "vlan_mode=access");
        args_add(a, "--");
        args_add(a, "clear");
        args_add(a, "Port");
        args_add(a, port);
        args_add(a, "trunks");
        return 0;
    }
    args_add(a, "tag");
    if (all) {
        args_add(a, "trunks");
    }
    args_add(a, "--");
    args_add(a, "set");
    args_add(a, "Port");
    args_add(a, port);
    args_add(a, "vlan_mode=trunk");
    if (!all) {
        size_t len = 5 * VLANS_N_VLANS + 1;
        char *text = malloc(len);
        if (!text || !vlans_trunks_text(&p, text, len)) {
            free(text);
            return -ENOMEM;
        }
        args_addf(a, "trunks=[%s]", text);
        free(text);
    }
    return 0;
}

/* Since 4.13: one port's VLANs as plugin.h says, in one transaction
 * (add_port_vlan()), after checking the names, the setting and that the
 * port is on the bridge.  The names must be interface names: `set Port X`
 * would take a record's UUID too. */
static int
ovs_set_port_vlan(void *state, const char *dir, const char *bridge,
                  const char *port, const struct mi_port_vlan *v)
{
    struct ovs *ovs = state;
    int error;

    /* A bad name is not echoed: no switch could have it. */
    bool bridge_ok = vlans_name_ok(bridge);
    if (!bridge_ok || !vlans_name_ok(port)) {
        ovs->host->error("ovs: %s%s%ssetting a port's VLANs: bad %s name (a "
                         "name is 1 to %d of A-Z a-z 0-9 _ . -)",
                         bridge_ok ? "bridge " : "", bridge_ok ? bridge : "",
                         bridge_ok ? ": " : "", bridge_ok ? "port" : "bridge",
                         VLANS_PORT_NAME_MAX);
        return -EINVAL;
    }
    if (!v) {
        ovs->host->error("ovs: bridge %s, port %s: no VLAN setting given",
                         bridge, port);
        return -EINVAL;
    }
    error = check_port_vlan(ovs, bridge, port, v);
    if (!error) {
        error = attach(ovs, dir);
    }
    if (!error && ovs->daemon == OVS_NONE) {
        ovs->host->error("ovs: no Open vSwitch runs: bridge %s, port %s "
                         "cannot be set",
                         bridge, port);
        error = -ENOENT;
    }
    if (!error) {
        error = port_on_bridge(ovs, bridge, port);
    }
    struct args a = {0};
    vsctl_begin(ovs, &a, QUERY_TIMEOUT);
    if (!error) {
        error = add_port_vlan(&a, port, v);
    }
    int status = error ? 0 : run_args(ovs, &a, NULL);
    args_free(&a);
    if (status) {
        char buf[32];
        ovs->host->error("ovs: bridge %s, port %s: ovs-vsctl setting its "
                         "VLANs failed (%s)",
                         bridge, port,
                         cmd_status_text(status, buf, sizeof buf));
        error = status < 0 ? status : -EIO;
    }
    return error;
}

/* Since 4.9: the plan's bridges of `server` that a reboot left in the
 * server's Open vSwitch database (a private instance's went with the run
 * directory), labelled with the network by build() and unused. */
static int
ovs_clear_leftovers(void *state, const char *dir, const struct mi_plan *plan,
                    unsigned server, size_t *n_removed)
{
    struct ovs *ovs = state;
    (void)dir; /* start() chose the daemon */

    if (ovs->daemon == OVS_NONE || !plan->name) {
        return 0;
    }
    const char **names = calloc(plan->n_bridges + 1, sizeof *names);
    if (!names) {
        return -ENOMEM;
    }
    size_t n = 0;
    for (size_t i = 0; i < plan->n_bridges; i++) {
        if (mi_plan_bridge(plan, i)->server == server) {
            names[n++] = mi_plan_bridge(plan, i)->name;
        }
    }
    struct ovsl o = {ovs->host, "ovs", ovs->db};
    int error = ovsl_clear(&o, plan->name, names, n, n_removed);
    free(names);
    return error;
}

/* build() makes a management bridge with no STP, VLAN or address, and
 * its ports as plain ports (VLAN 0, not an access port): what plugin.h
 * asks.  The plan must hold to that kind's shape, checked here: a
 * management link ends on a management bridge with VLAN 0, and nothing
 * else has a port on one; else -ENOTSUP, as plugin.h says. */
static int
ovs_check_mgmt(void *state, const struct mi_plan *plan)
{
    struct ovs *ovs = state;

    for (size_t i = 0; i < plan->n_links; i++) {
        const struct mi_link *l = mi_plan_link(plan, i);
        for (int e = 0; e < 2; e++) {
            int b = l->end[e].bridge;
            bool on_mgmt = b >= 0 && (size_t)b < plan->n_bridges &&
                           mi_plan_bridge(plan, b)->kind == MI_BRIDGE_MGMT;
            bool mgmt = l->kind == MI_LINK_MGMT;
            if (b >= 0 && (on_mgmt != mgmt || (mgmt && l->end[e].vlan))) {
                ovs->host->error("ovs: link %zu, end %d: a %s link on %s "
                                 "bridge %s (VLAN %u)",
                                 i, e, mgmt ? "management" : "data-plane",
                                 on_mgmt ? "management" : "data-plane",
                                 (size_t)b < plan->n_bridges
                                     ? mi_plan_bridge(plan, b)->name
                                     : "(none)",
                                 l->end[e].vlan);
                return -ENOTSUP; /* plugin.h's word for a refusal */
            }
        }
    }
    return 0;
}

static const struct mi_switch_ops ovs_ops = {
    .common =
        {
            MI_OPS_SIZE(struct mi_switch_ops),
            .configure = ovs_configure,
            .release = ovs_release,
        },
    .start = ovs_start,
    .needs_tx_csum_off = ovs_needs_tx_csum_off,
    .build = ovs_build,
    .bridge_exists = ovs_bridge_exists,
    .bridges_exist = ovs_bridges_exist,
    .destroy = ovs_destroy,
    .get_vlans = ovs_get_vlans,
    .set_vlans = ovs_set_vlans,
    .dead_daemons = ovs_dead_daemons,
    .reattach_port = ovs_reattach_port,
    .clear_leftovers = ovs_clear_leftovers,
    .check_mgmt = ovs_check_mgmt,
    .set_port_vlan = ovs_set_port_vlan,
};

MI_PLUGIN_DEFINE = {
    MI_PLUGIN_ABI_VERSION,
    .name = "ovs",
    .kind = MI_PLUGIN_SWITCH,
    .version = "0.1.0",
    .description = "L2 networks and IXP LANs as Open vSwitch bridges",
    .ops.switch_ = &ovs_ops,
};
