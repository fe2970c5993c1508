/* netns: the default runtime.  Every router and host is a Linux network
 * namespace; routers run their FRR daemons inside it.
 *
 * A node is a named namespace as iproute2 makes them: /run/netns/NAME is a
 * bind mount of the namespace, so `ip netns exec NAME` and `ip -n NAME`
 * work on it too.  Namespaces are made here, without running `ip`: one
 * short-lived thread per node unshares its network namespace and binds it
 * to the file, which is what makes 1500 nodes take seconds.
 *
 * Programs enter a node by setns(2) in a forked child (start_daemon, and
 * run() when interactive) or in a short-lived thread that then spawns the
 * program through the host (run() with output, e.g. the host's vtysh that
 * loads frr.conf):
 * a new process inherits the namespaces of the thread that made it.
 *
 * Every program of a node also gets the node's own view: a mount namespace,
 * a slave of the host's, in which FRR's run directory /var/run/frr is the
 * node's `dir`/frr and FRR's /etc/frr a read-only tmpfs of the view's own
 * (NAME/vtysh.conf, empty: own_frr_etc), and a UTS namespace whose
 * hostname is the node's name.
 * FRR writes some files there whatever its pathspace (-N) says (ospfd's
 * ospfd-gr.json), and nothing a node's programs write there may reach the
 * host or another node.  The host's /var/run/frr is never written to (it is
 * only made, empty, where FRR is installed and it is missing, as the FRR
 * package would).
 *
 * Settings (plugins.netns):
 *   frr_dir   directory of the FRR daemons (default "/usr/lib/frr")
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <miniinet/plugin.h>

#include "../common/nodefile.h"
#include "cgroup.h"

#define NETNS_RUN_DIR "/run/netns"
#define FRR_RUN_DIR "/var/run/frr"
/* FRR's daemons also keep per-process directories (crash logs) in
 * /var/tmp/frr/DAEMON.PID, removed only on a clean exit: each node gets
 * its own /var/tmp, so that killed daemons leave nothing on the host. */
#define VAR_TMP_DIR "/var/tmp"
/* FRR's configuration directory: in a node's view, a read-only tmpfs of
 * root's holding only NAME/vtysh.conf, empty (see enter_view). */
#define FRR_ETC_DIR "/etc/frr"
#define FRR_USER "frr"

/* Node names become file names under NETNS_RUN_DIR and the node's FRR
 * directory, and hostnames (at most HOST_NAME_MAX, 64). */
#define NAME_MAX_LEN 64

/* Bound on a daemon's start: until it accepts connections on its vty
 * socket (spawn_daemon).  A minute: at
 * class-60's size on two cores, with the daemons of 480 routers converging
 * (load 50), a route server's zebra and bgpd took more than 10 s (seen in
 * bench/snapshot.sh); a daemon that never opens it is still reported. */
#define FRR_START_TIMEOUT_MS 60000

/* destroy_node: how long killed processes get to disappear. */
#define KILL_TIMEOUT_MS 1000
/* ... and the node's cgroups to be empty enough to be removed: a memory
 * hog's pages or a fork bomb's last children take their time. */
#define CGROUP_TIMEOUT_MS 10000

/* A namespace's identity: its nsfs inode. */
struct ns_id {
    dev_t dev;
    ino_t ino;
};

/* What the plugin knows of one process: /proc/PID's inode tells a pid
 * reused by a new process from the one seen before. */
struct ns_proc {
    pid_t pid;
    ino_t proc_ino;
    struct ns_id id;
};

/* Which process is in which namespace, for destroy_node to find processes
 * no pid file names (left by `run`, or started by hand with `ip netns
 * exec`).  Reading a process's namespace costs about 10 us on the machine,
 * too much to repeat for 6000 daemons in each of 1500 nodes; listing /proc
 * costs 1 us a process.  So each destroy_node lists /proc and reads the
 * namespace of new processes only.  A process that changes its namespace
 * (setns, unshare) after it was seen is missed: the plugin's own run and
 * start_daemon forget everything. */
struct proc_cache {
    pthread_mutex_t mutex;
    struct ns_proc *procs; /* sorted by pid */
    size_t n;
    long long updated_ms; /* when /proc was last listed */
};

/* stop_node reuses a listing of /proc this recent (listing 2000 processes
 * takes about 5 ms, once per node of class-60's 1447 otherwise); what it
 * misses, destroy_node finds with a fresh listing. */
#define STOP_CACHE_MS 200

struct netns {
    const struct mi_host *host;
    char *frr_dir;
    struct limits limits; /* per kind of node */
    struct cg_host cg;    /* where they go */
    struct proc_cache cache;
};

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */
/* ------------------------------------------------------------------------ */

static int
check_name(const struct netns *ns, const char *what, const char *name)
{
    size_t len = name ? strlen(name) : 0;
    bool ok = len > 0 && len <= NAME_MAX_LEN && name[0] != '.';

    for (size_t i = 0; ok && i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        ok = isalnum(c) || c == '_' || c == '-' || c == '.';
    }
    if (!ok) {
        ns->host->error("netns: invalid %s name '%s' (1 to %d characters of "
                        "A-Z, a-z, 0-9, '_', '-' and '.', not starting with "
                        "'.')",
                        what, name ? name : "(null)", NAME_MAX_LEN);
        return -EINVAL;
    }
    return 0;
}

/* snprintf() into a path buffer; -ENAMETOOLONG (reported) if it does not
 * fit. */
static int fmt_path(const struct netns *ns, char *buf, size_t len,
                    const char *fmt, ...) MI_PRINTF(4, 5);

static int
fmt_path(const struct netns *ns, char *buf, size_t len, const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    int n = vsnprintf(buf, len, fmt, args);
    va_end(args);
    if (n < 0 || (size_t)n >= len) {
        ns->host->error("netns: path too long: %s...", buf);
        return -ENAMETOOLONG;
    }
    return 0;
}

static void
node_path(char buf[PATH_MAX], const char *name)
{
    /* Cannot be truncated: names are checked to be short. */
    snprintf(buf, PATH_MAX, NETNS_RUN_DIR "/%s", name);
}

static long long
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
        continue;
    }
}

/* Polling interval for waits: short at first (daemons start in tens of
 * milliseconds), then longer. */
static long
backoff(long *interval)
{
    long ms = *interval;

    *interval = ms < 32 ? ms * 2 : 32;
    return ms;
}

/* Called when the plugin starts processes in a node: they change their
 * namespace after fork, perhaps after the cache saw them. */
static void
cache_forget(struct netns *ns)
{
    pthread_mutex_lock(&ns->cache.mutex);
    free(ns->cache.procs);
    ns->cache.procs = NULL;
    ns->cache.n = 0;
    ns->cache.updated_ms = 0;
    pthread_mutex_unlock(&ns->cache.mutex);
}

/* Runs fn(arg) in a new thread and waits for it.  Used where a thread must
 * change its network namespace: the caller's own never changes. */
static int
run_thread(void *(*fn)(void *), void *arg)
{
    pthread_t thread;
    int error = pthread_create(&thread, NULL, fn, arg);

    if (error) {
        return -error;
    }
    pthread_join(thread, NULL);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Nodes: named network namespaces                                          */
/* ------------------------------------------------------------------------ */

/* Makes NETNS_RUN_DIR a shared mount point, as `ip netns add` does, so that
 * unmounting a node's file in one mount namespace unmounts it everywhere
 * and the namespace can go.  Done once per process; the lock on the
 * directory keeps concurrent `ip netns add` (or another miniinet) from
 * stacking bind mounts on it. */
static int
share_run_dir(const struct netns *ns)
{
    bool made_mount = false;
    int error = 0;

    if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST) {
        error = -errno;
        ns->host->error("netns: cannot create " NETNS_RUN_DIR ": %s",
                        strerror(errno));
        return error;
    }

    /* Like iproute2, go on without the lock if it cannot be had. */
    int lock = open(NETNS_RUN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (lock >= 0 && flock(lock, LOCK_EX) < 0) {
        close(lock);
        lock = -1;
    }
    while (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) {
        /* EINVAL: not a mount point yet; make it one, once. */
        if (errno != EINVAL || made_mount) {
            error = -errno;
            ns->host->error("netns: mount --make-shared " NETNS_RUN_DIR ": %s",
                            strerror(errno));
            break;
        }
        if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC,
                  NULL) < 0) {
            error = -errno;
            ns->host->error("netns: mount --bind " NETNS_RUN_DIR
                            " " NETNS_RUN_DIR ": %s",
                            strerror(errno));
            break;
        }
        made_mount = true;
    }
    if (lock >= 0) {
        flock(lock, LOCK_UN);
        close(lock);
    }
    return error;
}

static int
prepare_run_dir(const struct netns *ns)
{
    static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
    static bool ready;
    int error = 0;

    pthread_mutex_lock(&mutex);
    if (!ready) {
        error = share_run_dir(ns);
        ready = !error;
    }
    pthread_mutex_unlock(&mutex);
    return error;
}

static int
set_loopback_up(void)
{
    struct ifreq ifr;
    int error = 0;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    if (fd < 0) {
        return -errno;
    }
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
        error = -errno;
    } else {
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) {
            error = -errno;
        }
    }
    close(fd);
    return error;
}

/* Writes "0" to a forwarding switch of the calling thread's namespace;
 * one the kernel lacks (IPv6 disabled) is no error. */
static int
forwarding_off(const char *path)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno == ENOENT ? 0 : -errno;
    }
    int error = write(fd, "0\n", 2) == 2 ? 0 : -errno;
    close(fd);
    return error;
}

struct birth {
    const char *path;   /* the node's file, made empty beforehand */
    bool no_forwarding; /* a node that runs no FRR: a host, the
                           measurement host, a proxy */
    const char *step;   /* what failed */
    int error;
};

/* The new namespace lives in this thread only, until it is bound to the
 * node's file; the thread then ends and the mount keeps it alive.  Note
 * /proc/self would be the main thread, not this one. */
static void *
birth_thread(void *birth_)
{
    struct birth *b = birth_;

    if (unshare(CLONE_NEWNET) < 0) {
        b->error = -errno;
        b->step = "unshare(CLONE_NEWNET)";
    } else if ((b->error = set_loopback_up()) != 0) {
        b->step = "bringing up lo";
    } else if (b->no_forwarding &&
               ((b->error = forwarding_off("/proc/sys/net/ipv4/ip_forward")) ||
                (b->error = forwarding_off(
                     "/proc/sys/net/ipv6/conf/all/forwarding")))) {
        /* A new namespace takes IPv4's from the server's (ip_forward is 1
         * wherever dockerd runs): the measurement host, with a link into
         * every AS, would carry one AS's traffic to another. */
        b->step = "turning forwarding off";
    } else if (mount("/proc/thread-self/ns/net", b->path, "none", MS_BIND,
                     NULL) < 0) {
        b->error = -errno;
        b->step = "mount --bind";
    }
    return NULL;
}

/* -ENOTSUP, reported, if this server cannot apply `limits`. */
static int
check_limits(const struct netns *ns, const char *name,
             const struct node_limits *limits)
{
    char buf[256];
    const char *missing = cg_missing(&ns->cg, limits, buf, sizeof buf);

    if (missing) {
        ns->host->error("netns: %s%s cannot limit %s resources: %s; set "
                        "that limit to \"0\" (pids_limit: 0) in plugins.netns "
                        "to run without it (doc/topology.md)",
                        name ? "node " : "this server", name ? name : "",
                        name ? "its" : "nodes'", missing);
        return -ENOTSUP;
    }
    return 0;
}

static int
netns_create_node(void *state, const struct mi_plan *plan, size_t node,
                  const char *dir)
{
    struct netns *ns = state;
    char path[PATH_MAX];
    int error;

    if (!plan || node >= plan->n_nodes) {
        ns->host->error("netns: create_node: no node %zu in the plan", node);
        return -EINVAL;
    }
    const char *name = mi_plan_node(plan, node)->name;
    const struct node_limits *limits =
        limits_of(&ns->limits, mi_plan_node(plan, node)->kind);
    error = check_name(ns, "node", name);
    if (!error) {
        error = check_limits(ns, name, limits);
    }
    if (!error) {
        error = prepare_run_dir(ns);
    }
    if (error) {
        return error;
    }

    node_path(path, name);
    int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
    if (fd < 0) {
        error = -errno;
        if (error == -EEXIST) {
            ns->host->error("netns: node %s exists already (%s)", name, path);
        } else {
            ns->host->error("netns: node %s: cannot create %s: %s", name, path,
                            strerror(-error));
        }
        return error;
    }
    close(fd);

    enum mi_node_kind kind = mi_plan_node(plan, node)->kind;
    struct birth birth = {.path = path,
                          .no_forwarding = kind != MI_NODE_ROUTER &&
                                           kind != MI_NODE_ROUTESERVER,
                          .step = "pthread_create"};
    error = run_thread(birth_thread, &birth);
    if (!error) {
        error = birth.error;
    }
    if (error) {
        ns->host->error("netns: node %s: %s: %s", name, birth.step,
                        strerror(-error));
        unlink(path);
        return error;
    }
    char what[PATH_MAX];
    error = cg_create(&ns->cg, name, limits, what, sizeof what);
    if (error) {
        ns->host->error("netns: node %s: its cgroup: %s: %s", name, what,
                        strerror(-error));
        /* Nothing runs in it yet: the namespace goes with its mount. */
        (void)umount2(path, MNT_DETACH);
        unlink(path);
        (void)cg_remove(&ns->cg, name, CGROUP_TIMEOUT_MS, what, sizeof what);
        return error;
    }
    ns->host->log(MI_LOG_DEBUG, "netns: node %s created", name);
    return 0;
}

/* 1 if `path` is a namespace file (a bind mount of one), 0 if it does not
 * exist or is an ordinary file, else -errno. */
static int
is_netns_file(const char *path)
{
    struct statfs sfs;

    if (statfs(path, &sfs) < 0) {
        return errno == ENOENT ? 0 : -errno;
    }
    return sfs.f_type == NSFS_MAGIC;
}

static int
netns_node_exists(void *state, const char *name)
{
    struct netns *ns = state;
    char path[PATH_MAX];
    int error = check_name(ns, "node", name);

    if (error) {
        return error;
    }
    node_path(path, name);
    int exists = is_netns_file(path);
    if (exists < 0) {
        ns->host->error("netns: node %s: %s: %s", name, path,
                        strerror(-exists));
    }
    return exists;
}

static int
netns_netns_path(void *state, const char *name, char *buf, size_t len)
{
    struct netns *ns = state;
    int exists = netns_node_exists(state, name);

    if (exists <= 0) {
        if (!exists) {
            ns->host->error("netns: node %s does not exist", name);
        }
        return exists ? exists : -ENOENT;
    }
    int n = snprintf(buf, len, NETNS_RUN_DIR "/%s", name);
    if (n < 0 || (size_t)n >= len) {
        ns->host->error("netns: node %s: buffer of %zu bytes too small for "
                        "its path",
                        name, len);
        return -ENAMETOOLONG;
    }
    return 0;
}

/* Opens the node's namespace for setns(2).  Returns the descriptor or
 * -errno (reported). */
static int
open_node(const struct netns *ns, const char *name)
{
    char path[PATH_MAX];
    int error = check_name(ns, "node", name);

    if (error) {
        return error;
    }
    node_path(path, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error = -errno;
    } else {
        struct statfs sfs;
        if (fstatfs(fd, &sfs) < 0) {
            error = -errno;
        } else if (sfs.f_type != NSFS_MAGIC) {
            /* A file left by an interrupted creation. */
            error = -ENOENT;
        }
    }
    if (error) {
        if (fd >= 0) {
            close(fd);
        }
        if (error == -ENOENT) {
            ns->host->error("netns: node %s does not exist", name);
        } else {
            ns->host->error("netns: node %s: %s: %s", name, path,
                            strerror(-error));
        }
        return error;
    }
    return fd;
}

/* ------------------------------------------------------------------------ */
/* Starting programs inside a node                                          */
/* ------------------------------------------------------------------------ */

/* The node's view (see the top comment), prepared by the caller so that
 * entering it needs no allocation: it is entered in forked children. */
struct view {
    char frr_dir[PATH_MAX]; /* bound onto FRR_RUN_DIR; "" for none */
    char tmp_dir[PATH_MAX]; /* bound onto VAR_TMP_DIR */
    bool own_etc;           /* a tmpfs of the view's own on FRR_ETC_DIR */
    const char *hostname;   /* the node's name */
    bool detach_netns;      /* drop NETNS_RUN_DIR from the view */
    struct cg_join join;    /* the node's cgroups, for what it runs */
};

/* What failed, for error messages: where entering a node or starting a
 * program stopped. */
enum step {
    STEP_CGROUP,
    STEP_SETNS,
    STEP_UNSHARE,
    STEP_SLAVE,
    STEP_BIND,
    STEP_BIND_TMP,
    STEP_ETC,
    STEP_HOSTNAME,
    STEP_STREAMS,
    STEP_DETACH,
    STEP_EXEC
};

static const char *
step_name(int step)
{
    static const char *const names[] = {
        [STEP_CGROUP] = "joining the node's cgroup",
        [STEP_SETNS] = "entering its network namespace",
        [STEP_UNSHARE] = "unshare(CLONE_NEWNS | CLONE_NEWUTS)",
        [STEP_SLAVE] = "mount --make-rslave /",
        [STEP_BIND] = "mount --bind DIR/frr /var/run/frr",
        [STEP_BIND_TMP] = "mount --bind DIR/tmp /var/tmp",
        [STEP_ETC] = "mount -t tmpfs none /etc/frr (NAME/vtysh.conf)",
        [STEP_HOSTNAME] = "sethostname",
        [STEP_STREAMS] = "redirecting its standard streams",
        [STEP_DETACH] = "detaching it (fork, setsid)",
        [STEP_EXEC] = "exec",
    };

    return step >= 0 && step <= STEP_EXEC ? names[step] : "?";
}

/* The user FRR's daemons run as; false (and *pw untouched) if there is
 * none. */
static bool
frr_user(struct passwd *pw, char *buf, size_t len)
{
    struct passwd *found = NULL;

    return getpwnam_r(FRR_USER, pw, buf, len, &found) == 0 && found;
}

/* Makes directory `name` in `parent` (mode `mode`) unless it exists and
 * opens it, never through a symlink: the node's directory is root's, but
 * FRR's user (and so a node's processes) owns `dir`/frr and could have put
 * a symlink where root is about to chown or chmod.  Returns the descriptor
 * or -errno, reported. */
static int
make_dir_at(const struct netns *ns, const char *name, int parent,
            const char *entry, const char *path, mode_t mode)
{
    if (mkdirat(parent, entry, mode) < 0 && errno != EEXIST) {
        int error = -errno;
        ns->host->error("netns: node %s: cannot create %s: %s", name, path,
                        strerror(errno));
        return error;
    }
    int fd =
        openat(parent, entry, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int error = -errno;
        ns->host->error(
            "netns: node %s: %s: %s%s", name, path, strerror(errno),
            errno == ELOOP || errno == ENOTDIR ? " (not a directory: refused)"
                                               : "");
        return error;
    }
    return fd;
}

/* make_dir_at, then gives the directory to FRR's user (when there is one)
 * through its descriptor.  Returns the descriptor or -errno. */
static int
make_frr_dir(const struct netns *ns, const char *name, int parent,
             const char *entry, const char *path, const struct passwd *frr)
{
    int fd = make_dir_at(ns, name, parent, entry, path, 0755);

    if (fd >= 0 && frr && fchown(fd, frr->pw_uid, frr->pw_gid) < 0) {
        int error = -errno;
        ns->host->error("netns: node %s: chown %s: %s", name, path,
                        strerror(errno));
        close(fd);
        return error;
    }
    return fd;
}

/* The node's directory `dir`, root's (made by the core), opened without
 * following a symlink; -errno, reported. */
static int
open_node_dir(const struct netns *ns, const char *name, const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0) {
        int error = -errno;
        ns->host->error("netns: node %s: %s: %s", name, dir, strerror(errno));
        return error;
    }
    return fd;
}

static int prepare_frr_dirs(const struct netns *, const char *name,
                            const char *dir, int dfd, bool pathspace,
                            const struct passwd *frr, struct view *);

/* Prepares the view of node `name` whose directory is `dir`: makes
 * `dir`/frr, and `dir`/frr/NAME (FRR's pathspace) when `pathspace`.  The
 * mount point FRR_RUN_DIR is made on the host only where FRR is installed
 * (its user exists) and the directory is missing; where FRR's user and the
 * directory are both missing, FRR cannot run and the view has no FRR
 * directory. */
static int
prepare_view(const struct netns *ns, const char *name, const char *dir,
             bool pathspace, struct view *v)
{
    struct passwd pw;
    char pwbuf[4096];
    bool have_frr = frr_user(&pw, pwbuf, sizeof pwbuf);
    const struct passwd *frr = have_frr ? &pw : NULL;
    int error;

    v->frr_dir[0] = '\0';
    v->own_etc = false;
    v->hostname = name;
    v->detach_netns = false;
    for (int c = 0; c < CG_CONTROLLERS; c++) {
        v->join.fd[c] = -1;
    }
    if (!dir) {
        ns->host->error("netns: node %s: no directory", name);
        return -EINVAL;
    }
    error = fmt_path(ns, v->tmp_dir, sizeof v->tmp_dir, "%s/tmp", dir);
    if (error) {
        return error;
    }
    int dfd = open_node_dir(ns, name, dir);
    if (dfd < 0) {
        return dfd;
    }
    /* 01777 like /var/tmp, set through the descriptor (chmod would follow
     * a symlink); `dir` is root's, so "tmp" itself cannot be swapped. */
    int tfd = make_dir_at(ns, name, dfd, "tmp", v->tmp_dir, 01777);
    if (tfd >= 0 && fchmod(tfd, 01777) < 0) {
        ns->host->error("netns: node %s: %s: %s", name, v->tmp_dir,
                        strerror(errno));
        close(tfd);
        tfd = -EPERM;
    }
    if (tfd < 0) {
        close(dfd);
        return tfd;
    }
    close(tfd);
    error = prepare_frr_dirs(ns, name, dir, dfd, pathspace, frr, v);
    close(dfd);
    return error;
}

/* The host's FRR_RUN_DIR (the mount point), then `dir`/frr and, when
 * `pathspace`, `dir`/frr/NAME, FRR's user's. */
static int
prepare_frr_dirs(const struct netns *ns, const char *name, const char *dir,
                 int dfd, bool pathspace, const struct passwd *frr,
                 struct view *v)
{
    struct stat st;
    int error;

    if (stat(FRR_RUN_DIR, &st) < 0) {
        if (errno != ENOENT) {
            error = -errno;
            ns->host->error("netns: " FRR_RUN_DIR ": %s", strerror(errno));
            return error;
        }
        if (!frr) {
            return 0;
        }
        /* What the FRR package would have made; left for it. */
        if (mkdir(FRR_RUN_DIR, 0755) < 0 && errno != EEXIST) {
            error = -errno;
            ns->host->error("netns: cannot create " FRR_RUN_DIR ": %s",
                            strerror(errno));
            return error;
        }
        if (chown(FRR_RUN_DIR, frr->pw_uid, frr->pw_gid) < 0) {
            error = -errno;
            ns->host->error("netns: chown " FRR_RUN_DIR ": %s",
                            strerror(errno));
            return error;
        }
    } else if (!S_ISDIR(st.st_mode)) {
        ns->host->error("netns: " FRR_RUN_DIR " is not a directory");
        return -ENOTDIR;
    }

    error = fmt_path(ns, v->frr_dir, sizeof v->frr_dir, "%s/frr", dir);
    if (error) {
        return error;
    }
    /* Where FRR is installed, /etc/frr is its package's: the view puts its
     * own over it (enter_view). */
    v->own_etc = stat(FRR_ETC_DIR, &st) == 0 && S_ISDIR(st.st_mode);
    int ffd = make_frr_dir(ns, name, dfd, "frr", v->frr_dir, frr);
    if (ffd < 0) {
        return ffd;
    }
    if (pathspace) {
        char path[PATH_MAX];
        error = fmt_path(ns, path, sizeof path, "%s/frr/%s", dir, name);
        int nfd = error ? error : make_frr_dir(ns, name, ffd, name, path, frr);
        error = nfd < 0 ? nfd : 0;
        if (nfd >= 0) {
            close(nfd);
        }
    }
    close(ffd);
    return error;
}

/* The view's own FRR_ETC_DIR: a tmpfs, root's, holding only NAME/vtysh.conf,
 * empty (0644), then made read-only.  `vtysh -N NAME` reads that file at
 * every start (it says "Can't open configuration file" without one) and
 * looks for an integrated NAME/frr.conf there, of which there is none: a
 * `write memory` still asks each daemon to write its own file
 * (doc/operations.md), and nothing any program of the node does can put
 * one there, nor anything on the host's /etc/frr (FRR's user's).  Made
 * afresh in every view, so nothing is kept and nothing is trusted.  Only
 * system calls.  0 or -1 with errno. */
static int
own_frr_etc(const char *name)
{
    const unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    int etc = -1, node = -1, conf = -1, result = -1;

    if (mount("none", FRR_ETC_DIR, "tmpfs", flags, "mode=755,size=16k") < 0) {
        return -1;
    }
    etc = open(FRR_ETC_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (etc >= 0 && mkdirat(etc, name, 0755) == 0) {
        node =
            openat(etc, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (node >= 0 && fchmod(node, 0755) == 0) {
        conf =
            openat(node, "vtysh.conf",
                   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    }
    if (conf >= 0 && fchmod(conf, 0644) == 0) {
        result = 0;
    }
    int saved = errno;
    const int fds[] = {conf, node, etc};
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++) {
        if (fds[i] >= 0) {
            close(fds[i]);
        }
    }
    errno = saved;
    /* Once no file is open for writing (else EBUSY). */
    return result ? result
                  : mount("none", FRR_ETC_DIR, "tmpfs",
                          MS_REMOUNT | MS_RDONLY | flags, NULL);
}

/* Enters the view, from a forked child or from a thread about to spawn
 * (unshare(CLONE_NEWNS) gives a thread its own root and working directory,
 * unlike setns).  Only system calls: it runs after fork.  Returns 0, or
 * -errno and the step that failed.
 *
 * The mount namespace is made a slave of the host's, as `ip netns exec`
 * does: what the view mounts stays in it, what the host mounts or unmounts
 * later shows in it.  A node's /run/netns/NAME, which destroy_node unmounts
 * and removes, goes from every view anyway (the kernel detaches mounts on
 * a removed file in all namespaces), so no view keeps another node's
 * network namespace alive. */
static int
enter_view(const struct view *v, int *step)
{
    *step = STEP_UNSHARE;
    if (unshare(CLONE_NEWNS | CLONE_NEWUTS) < 0) {
        return -errno;
    }
    *step = STEP_SLAVE;
    if (mount("none", "/", "none", MS_REC | MS_SLAVE, NULL) < 0) {
        return -errno;
    }
    if (v->detach_netns) {
        /* Not a mount point (EINVAL) is fine too. */
        (void)umount2(NETNS_RUN_DIR, MNT_DETACH);
    }
    *step = STEP_BIND;
    if (v->frr_dir[0] &&
        mount(v->frr_dir, FRR_RUN_DIR, "none", MS_BIND, NULL) < 0) {
        return -errno;
    }
    *step = STEP_BIND_TMP;
    if (mount(v->tmp_dir, VAR_TMP_DIR, "none", MS_BIND, NULL) < 0) {
        return -errno;
    }
    *step = STEP_ETC;
    if (v->own_etc && own_frr_etc(v->hostname) < 0) {
        return -errno;
    }
    *step = STEP_HOSTNAME;
    if (sethostname(v->hostname, strlen(v->hostname)) < 0) {
        return -errno;
    }
    return 0;
}

/* Standard streams for a child; -1 inherits the caller's.  `group`: the
 * child leads a process group of its own (killed as one).  `nofile`: when
 * positive, the child's soft RLIMIT_NOFILE is lowered to it (never
 * raised).  `detach`: the program runs in a grandchild, in a session of
 * its own, the child exiting once it has forked it (a daemon that does not
 * fork itself: nobody has to reap it). */
struct child_io {
    int fds[3];
    bool group;
    long nofile;
    bool detach;
};

static int
move_fd(int from, int to)
{
    if (from < 0) {
        return 0;
    }
    if (from == to) {
        /* dup2() would keep close-on-exec. */
        return fcntl(to, F_SETFD, 0);
    }
    return dup2(from, to) < 0 ? -1 : 0;
}

/* What a child that could not start reports through its pipe; with
 * `detach`, first the grandchild's pid (`error` 0). */
struct child_report {
    int error; /* errno */
    int step;
    pid_t pid;
};

/* With `io->detach`: forks the grandchild that goes on to exec (in a
 * session of its own), reports its pid through `report` and exits.  True
 * in the process that goes on; false, errno set, when it failed. */
static bool
detach_child(const struct child_io *io, int report, struct child_report *r)
{
    if (!io->detach) {
        return true;
    }
    r->step = STEP_DETACH;
    pid_t pid = fork();
    if (pid < 0) {
        return false;
    }
    if (pid > 0) {
        struct child_report d = {0, STEP_EXEC, pid};
        _exit(write(report, &d, sizeof d) == (ssize_t)sizeof d ? 0 : 127);
    }
    return setsid() >= 0;
}

/* The forked child: only async-signal-safe calls, since another thread of
 * the parent may have held a lock at fork() time.  Reports an error before
 * exec through `report`. */
static void __attribute__((noreturn))
child_exec(int ns_fd, const struct view *v, const char *const *argv,
           const struct child_io *io, int report)
{
    struct sigaction dfl;
    sigset_t none;
    struct child_report r = {0, STEP_CGROUP, 0};

    /* The program starts with default signal handling whatever the
     * caller's is (ignored signals survive exec). */
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        sigaction(sig, &dfl, NULL);
    }
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    /* Descriptors other threads opened without O_CLOEXEC must not reach a
     * daemon: one holding a pipe would make its reader wait forever. */
#ifdef CLOSE_RANGE_CLOEXEC
    close_range(STDERR_FILENO + 1, ~0U, CLOSE_RANGE_CLOEXEC);
#endif

    /* The cgroups first: everything the program forks is limited. */
    r.error = -cg_join(&v->join);
    if (!r.error) {
        r.step = STEP_SETNS;
        if (setns(ns_fd, CLONE_NEWNET) < 0) {
            r.error = errno;
        } else if ((r.error = -enter_view(v, &r.step)) == 0) {
            r.step = STEP_STREAMS;
            struct rlimit rl;
            if (io->nofile > 0 && getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
                rl.rlim_cur > (rlim_t)io->nofile) {
                rl.rlim_cur = (rlim_t)io->nofile;
                setrlimit(RLIMIT_NOFILE, &rl);
            }
            if ((!io->group || setpgid(0, 0) == 0) &&
                move_fd(io->fds[0], 0) == 0 && move_fd(io->fds[1], 1) == 0 &&
                move_fd(io->fds[2], 2) == 0 && detach_child(io, report, &r)) {
                r.step = STEP_EXEC;
                execvp(argv[0], (char *const *)argv);
            }
            r.error = errno;
        }
    }
    if (write(report, &r, sizeof r) < 0) {
        /* Nothing more to do: the parent sees exit status 127. */
    }
    _exit(127);
}

/* Reads one record from a child's report pipe: true when there was one
 * (an error, or a detaching child's grandchild pid), false at its end. */
static bool
read_report(int fd, struct child_report *r)
{
    ssize_t n;

    do {
        n = read(fd, r, sizeof *r);
    } while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof *r;
}

/* Waits for child `pid` to end.  Returns its wait status, or -errno. */
static int
wait_child(pid_t pid)
{
    int status;

    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return -errno;
        }
    }
    return status;
}

/* Starts argv inside the node whose namespace is `ns_fd`, in view `v`.
 * Returns 0 and the pid, or -errno and the step that failed if it could
 * not be started (program not found...). */
static int
spawn_in_node(int ns_fd, const struct view *v, const char *const *argv,
              const struct child_io *io, pid_t *pidp, int *step)
{
    int report[2];

    *pidp = -1;
    *step = STEP_EXEC;
    if (pipe2(report, O_CLOEXEC) < 0) {
        return -errno;
    }
    pid_t pid = fork();
    if (pid < 0) {
        int error = -errno;
        close(report[0]);
        close(report[1]);
        return error;
    }
    if (pid == 0) {
        child_exec(ns_fd, v, argv, io, report[1]);
    }
    close(report[1]);

    /* The pipe closes at exec: nothing to read means it started.  A
     * detaching child first sends the grandchild's pid, and exits. */
    struct child_report r = {0, STEP_EXEC, 0};
    pid_t detached = 0;
    bool got = read_report(report[0], &r);
    if (io->detach && got && !r.error && r.pid > 0) {
        detached = r.pid;
        (void)wait_child(pid);
        got = read_report(report[0], &r);
    }
    close(report[0]);
    if (got || (io->detach && !detached)) {
        if (!detached) {
            (void)wait_child(pid);
        }
        *step = got ? r.step : STEP_DETACH;
        return -(got && r.error ? r.error : EIO);
    }
    *pidp = detached ? detached : pid;
    return 0;
}

/* "cannot run PROG: REASON", naming the step unless it is exec itself. */
static void
report_spawn(const struct netns *ns, const char *name, const char *prog,
             int step, int error)
{
    ns->host->error("netns: node %s: cannot run %s: %s%s%s", name, prog,
                    step == STEP_EXEC ? "" : step_name(step),
                    step == STEP_EXEC ? "" : ": ", strerror(-error));
}

/* While an interactive program runs, the terminal's SIGINT and SIGQUIT are
 * its business, as with system(3): the caller ignores them. */
static pthread_mutex_t interactive_mutex = PTHREAD_MUTEX_INITIALIZER;
static unsigned n_interactive;
static struct sigaction saved_sigint, saved_sigquit;

static void
interactive_begin(void)
{
    pthread_mutex_lock(&interactive_mutex);
    if (!n_interactive++) {
        struct sigaction ign;
        memset(&ign, 0, sizeof ign);
        ign.sa_handler = SIG_IGN;
        sigaction(SIGINT, &ign, &saved_sigint);
        sigaction(SIGQUIT, &ign, &saved_sigquit);
    }
    pthread_mutex_unlock(&interactive_mutex);
}

static void
interactive_end(void)
{
    pthread_mutex_lock(&interactive_mutex);
    if (!--n_interactive) {
        sigaction(SIGINT, &saved_sigint, NULL);
        sigaction(SIGQUIT, &saved_sigquit, NULL);
    }
    pthread_mutex_unlock(&interactive_mutex);
}

static int
run_interactive(const struct netns *ns, const char *name, int ns_fd,
                const struct view *v, const char *const *argv)
{
    const struct child_io inherit = {{-1, -1, -1}, false, 0, false};
    pid_t pid = -1;
    int step;

    interactive_begin();
    int error = spawn_in_node(ns_fd, v, argv, &inherit, &pid, &step);
    int status = error ? error : wait_child(pid);
    interactive_end();

    if (error) {
        report_spawn(ns, name, argv[0], step, error);
        return error;
    }
    if (status < 0) {
        ns->host->error("netns: node %s: waiting for %s: %s", name, argv[0],
                        strerror(-status));
        return status;
    }
    if (WIFSIGNALED(status)) {
        ns->host->log(MI_LOG_WARN, "netns: node %s: %s killed by signal %d",
                      name, argv[0], WTERMSIG(status));
        return -ECANCELED;
    }
    return WEXITSTATUS(status);
}

struct captured_run {
    const struct mi_host *host;
    int ns_fd;
    const struct view *view;
    const char *const *argv;
    char **out;
    int result;
    int step; /* where it failed, if it failed before the host's run */
};

/* The host spawns the program from this thread, inside the node and its
 * view, which end with the thread (and the program). */
static void *
captured_run_thread(void *run_)
{
    struct captured_run *run = run_;

    run->step = STEP_SETNS;
    if (setns(run->ns_fd, CLONE_NEWNET) < 0) {
        run->result = -errno;
        return NULL;
    }
    run->result = enter_view(run->view, &run->step);
    if (!run->result) {
        run->step = STEP_EXEC;
        run->result = run->host->run(run->argv, run->out);
    }
    return NULL;
}

/* Runs argv in the node and view, its standard output into *out (see the
 * host's run service).  Reports an error if it could not be started. */
static int
run_captured(const struct netns *ns, const char *name, int ns_fd,
             const struct view *v, const char *const *argv, char **out)
{
    struct captured_run run = {ns->host, ns_fd, v, argv, out, 0, STEP_EXEC};
    int result = run_thread(captured_run_thread, &run);

    if (!result) {
        result = run.result;
    }
    if (result < 0 && !*out) {
        report_spawn(ns, name, argv[0], run.step, result);
    }
    return result;
}

static int
netns_run(void *state, const char *name, const char *dir,
          const char *const *argv, char **out)
{
    struct netns *ns = state;
    struct view view;

    if (out) {
        *out = NULL;
    }
    if (!argv || !argv[0]) {
        ns->host->error("netns: node %s: run: no program", name);
        return -EINVAL;
    }
    int ns_fd = open_node(ns, name);
    if (ns_fd < 0) {
        return ns_fd;
    }
    int result = prepare_view(ns, name, dir, false, &view);
    if (result) {
        close(ns_fd);
        return result;
    }
    cache_forget(ns);

    if (!out) {
        /* What is run for a user is the node's, limits included. */
        result = cg_join_open(&ns->cg, name, &view.join);
        if (result) {
            ns->host->error("netns: node %s: its cgroup: %s", name,
                            strerror(-result));
        } else {
            result = run_interactive(ns, name, ns_fd, &view, argv);
        }
        cg_join_close(&view.join);
    } else {
        result = run_captured(ns, name, ns_fd, &view, argv, out);
    }
    close(ns_fd);
    return result;
}

/* What a bounded run reads from its program: standard output (at most
 * `max` bytes) and a little of its standard error (for the log). */
struct bounded_read {
    char *out;
    size_t len, cap, max;
    char err[1024];
    size_t err_len;
};

/* Reads what fd has now into `b`: 1 at end of file, 0 to read again
 * later, -EFBIG once the output is beyond b->max. */
static int
bounded_take(int fd, bool is_err, struct bounded_read *b)
{
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
        return errno == EINTR || errno == EAGAIN ? 0 : 1;
    }
    if (n == 0) {
        return 1;
    }
    if (is_err) {
        size_t room = sizeof b->err - 1 - b->err_len;
        size_t k = (size_t)n < room ? (size_t)n : room;
        memcpy(b->err + b->err_len, buf, k);
        b->err_len += k;
        b->err[b->err_len] = '\0';
        return 0;
    }
    if (b->len + (size_t)n > b->max) {
        return -EFBIG;
    }
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + (size_t)n + 1) {
            cap *= 2;
        }
        char *grown = realloc(b->out, cap);
        if (!grown) {
            return -ENOMEM;
        }
        b->out = grown;
        b->cap = cap;
    }
    memcpy(b->out + b->len, buf, (size_t)n);
    b->len += (size_t)n;
    b->out[b->len] = '\0';
    return 0;
}

/* Reads the program's two pipes until both end, the deadline passes
 * (-ETIMEDOUT) or its output grows beyond the maximum (-EFBIG); then waits
 * for it until the deadline.  Whatever happens after the deadline, the
 * program's process group and the program are killed and reaped: nothing
 * here waits on what the node does.  Returns its wait status or -errno. */
static int
bounded_collect(pid_t pid, int fds[2], long long deadline,
                struct bounded_read *b)
{
    bool open_[2] = {true, true};
    int result = 0;
    while (!result && (open_[0] || open_[1])) {
        long long left = deadline - now_ms();
        if (left <= 0) {
            result = -ETIMEDOUT;
            break;
        }
        struct pollfd pfd[2];
        nfds_t n = 0;
        int which[2];
        for (int i = 0; i < 2; i++) {
            if (open_[i]) {
                pfd[n] = (struct pollfd){.fd = fds[i], .events = POLLIN};
                which[n++] = i;
            }
        }
        int ready = poll(pfd, n, left > INT_MAX ? INT_MAX : (int)left);
        if (ready < 0 && errno != EINTR) {
            result = -errno;
        }
        for (nfds_t k = 0; ready > 0 && k < n && !result; k++) {
            if (pfd[k].revents) {
                int r = bounded_take(fds[which[k]], which[k] == 1, b);
                open_[which[k]] = r == 0;
                result = r < 0 ? r : 0;
            }
        }
    }
    int pidfd = result ? -1 : pidfd_open(pid, 0);
    int status = 0;
    for (;;) {
        pid_t r = result ? 0 : waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            break;
        }
        if (r < 0 && errno != EINTR) {
            result = -errno;
        }
        long long left = deadline - now_ms();
        if (!result && left <= 0) {
            result = -ETIMEDOUT;
        }
        if (result) {
            /* Not reaped yet: its pid (and so its group's id) is still
             * its own. */
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            (void)wait_child(pid);
            break;
        }
        if (pidfd >= 0) {
            struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
            poll(&pfd, 1, left > 100 ? 100 : (int)left);
        } else {
            sleep_ms(left > 10 ? 10 : left);
        }
    }
    if (pidfd >= 0) {
        close(pidfd);
    }
    return result ? result : status;
}

/* The runtime's run_bounded: the program is spawned here (not through the
 * host's run) with its output on pipes read against the deadline; it leads
 * a process group of its own, killed whole when time or room runs out. */
static int
netns_run_bounded(void *state, const char *name, const char *dir,
                  const char *const *argv, char **out, unsigned timeout_ms,
                  size_t max_out)
{
    struct netns *ns = state;
    long long deadline = now_ms() + timeout_ms;
    struct view view;

    *out = NULL;
    if (!argv || !argv[0]) {
        ns->host->error("netns: node %s: run: no program", name);
        return -EINVAL;
    }
    int ns_fd = open_node(ns, name);
    if (ns_fd < 0) {
        return ns_fd;
    }
    int result = prepare_view(ns, name, dir, false, &view);
    if (result) {
        close(ns_fd);
        return result;
    }
    cache_forget(ns);

    int pout[2] = {-1, -1}, perr[2] = {-1, -1};
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || pipe2(pout, O_CLOEXEC) < 0 || pipe2(perr, O_CLOEXEC) < 0) {
        result = -errno;
        ns->host->error("netns: node %s: cannot run %s: %s", name, argv[0],
                        strerror(errno));
    }
    pid_t pid = -1;
    int step = STEP_EXEC;
    if (!result) {
        const struct child_io io = {{null, pout[1], perr[1]}, true, 0, false};
        result = spawn_in_node(ns_fd, &view, argv, &io, &pid, &step);
        if (result) {
            report_spawn(ns, name, argv[0], step, result);
        }
    }
    close(ns_fd);
    /* The parent's copies of the child's ends: the pipes end with it. */
    const int child_ends[] = {null, pout[1], perr[1]};
    for (size_t i = 0; i < sizeof child_ends / sizeof *child_ends; i++) {
        if (child_ends[i] >= 0) {
            close(child_ends[i]);
        }
    }
    struct bounded_read b = {.max = max_out};
    if (!result) {
        int fds[2] = {pout[0], perr[0]};
        result = bounded_collect(pid, fds, deadline, &b);
        if (result >= 0 && WIFSIGNALED(result)) {
            ns->host->log(MI_LOG_WARN,
                          "netns: node %s: %s killed by signal %d", name,
                          argv[0], WTERMSIG(result));
            result = -ECANCELED;
        } else if (result >= 0) {
            result = WEXITSTATUS(result);
        }
    }
    if (pout[0] >= 0) {
        close(pout[0]);
    }
    if (perr[0] >= 0) {
        close(perr[0]);
    }
    if (b.err_len) {
        ns->host->log(result ? MI_LOG_WARN : MI_LOG_DEBUG,
                      "netns: node %s: %s: %s", name, argv[0], b.err);
    }
    if (result >= 0) {
        *out = b.out ? b.out : strdup("");
    } else {
        free(b.out);
    }
    return result;
}

/* ------------------------------------------------------------------------ */
/* FRR                                                                      */
/* ------------------------------------------------------------------------ */

/* The daemons run as FRR's user and write their pid files and logs in
 * `dir`: warn if a directory on the way is closed to that user (the daemons
 * would then fail to start). */
static void
check_dir_reachable(const struct netns *ns, const char *dir, uid_t uid,
                    gid_t gid)
{
    char path[PATH_MAX];
    struct stat st;

    snprintf(path, sizeof path, "%s", dir);
    for (char *slash = strrchr(path, '/'); slash; slash = strrchr(path, '/')) {
        *slash = '\0';
        if (stat(*path ? path : "/", &st) < 0) {
            break;
        }
        bool x = st.st_uid == uid   ? st.st_mode & S_IXUSR
                 : st.st_gid == gid ? st.st_mode & S_IXGRP
                                    : st.st_mode & S_IXOTH;
        if (!x) {
            ns->host->log(MI_LOG_WARN,
                          "netns: %s: user " FRR_USER " may not enter %s, "
                          "so FRR cannot write its pid files and logs",
                          dir, *path ? path : "/");
            break;
        }
    }
}

/* Once per router, before its daemons: FRR's user owns the node's FRR
 * directories (`dir`/frr/NAME holds the vty sockets).  `dir` itself stays
 * root's, 0755, so a daemon's `write memory` cannot save there: made
 * writable for FRR's user, it would let that user plant `dir`/NAME/frr.conf
 * as a symlink that root's vtysh (restore's frr-reload.py ends with
 * `write`) writes through (review R39, C1). */
static int
netns_prepare_frr(void *state, const char *name, const char *dir)
{
    struct netns *ns = state;
    struct passwd frr;
    char pwbuf[4096];
    struct view view;

    if (!frr_user(&frr, pwbuf, sizeof pwbuf)) {
        ns->host->error("netns: no user '" FRR_USER "' (is FRR installed?)");
        return -ENOENT;
    }
    /* `dir` stays root's: it holds what root re-reads (frr.conf, the
     * daemons' output); FRR's user gets `dir`/frr and its own files. */
    int error = prepare_view(ns, name, dir, true, &view);
    if (!error) {
        check_dir_reachable(ns, dir, frr.pw_uid, frr.pw_gid);
    }
    return error;
}

/* The daemon's pid file and log in the node's directory, made for FRR's
 * user, which writes them after dropping root: never through a symlink
 * (nodefile_open), chowned through the descriptor. */
static int
give_to_frr(const struct netns *ns, const char *name, const char *path)
{
    struct passwd frr;
    char pwbuf[4096];
    int fd = nodefile_open(path, O_WRONLY | O_CREAT);
    int error = fd < 0 ? fd : 0;

    if (!error && frr_user(&frr, pwbuf, sizeof pwbuf) &&
        fchown(fd, frr.pw_uid, frr.pw_gid) < 0) {
        error = -errno;
    }
    if (error) {
        ns->host->error("netns: node %s: %s: %s", name, path,
                        strerror(-error));
    }
    if (fd >= 0) {
        close(fd);
    }
    return error;
}

/* Whether `daemon`, process `pid`, accepts a connection on its vty socket
 * DAEMON.vty in the directory `vty_fd`.  That directory is the node's to
 * write (FRR's user's): the socket is opened O_PATH without following a
 * symlink, checked to be a socket and connected to through that
 * descriptor, as the core does (src/backend/frrstart.c, which waits for
 * the same sockets), without blocking (a full backlog is "not yet"); and
 * the listener must be `pid` itself (SO_PEERCRED: the process that
 * listens), not an earlier daemon still answering there, nor another
 * process of FRR's user. */
static bool
vty_accepts(int vty_fd, const char *daemon, pid_t pid)
{
    char file[64];
    if (snprintf(file, sizeof file, "%s.vty", daemon) >= (int)sizeof file) {
        return false;
    }
    int sock = openat(vty_fd, file, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (sock < 0) {
        return false;
    }
    struct stat st;
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    bool ok = fstat(sock, &st) == 0 && S_ISSOCK(st.st_mode);
    snprintf(sun.sun_path, sizeof sun.sun_path, "/proc/self/fd/%d", sock);
    int fd =
        ok ? socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)
           : -1;
    ok = fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0;
    struct ucred peer;
    socklen_t len = sizeof peer;
    ok = ok && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) == 0 &&
         peer.pid == pid;
    if (fd >= 0) {
        close(fd);
    }
    close(sock);
    return ok;
}

/* `dir`/frr/`name`, where the node's vty sockets are (prepare_frr_dirs
 * made it), each step opened without following a symlink; -1 if not
 * there. */
static int
open_vty_dir(const char *dir, const char *name)
{
    int flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    int node = open(dir, flags);
    int frr = node < 0 ? -1 : openat(node, "frr", flags);
    int vty = frr < 0 ? -1 : openat(frr, name, flags);

    if (frr >= 0) {
        close(frr);
    }
    if (node >= 0) {
        close(node);
    }
    return vty;
}

/* Waits until `daemon`, process `pid` (not our child: it was detached),
 * accepts connections on its vty socket, at most FRR_START_TIMEOUT_MS;
 * fails at once when it ends first. */
static int
wait_daemon(const struct netns *ns, const char *name, const char *dir,
            const char *daemon, pid_t pid)
{
    int pidfd = pidfd_open(pid, 0);
    int vty_fd = -1;
    long long deadline = now_ms() + FRR_START_TIMEOUT_MS;
    long interval = 1;
    int error;

    if (pidfd < 0 && errno == ESRCH) {
        ns->host->error("netns: node %s: %s ended as it started", name,
                        daemon);
        return -EIO;
    }
    for (;;) {
        if (vty_fd < 0) {
            vty_fd = open_vty_dir(dir, name);
        }
        if (vty_fd >= 0 && vty_accepts(vty_fd, daemon, pid)) {
            error = 0;
            break;
        }
        long long left = deadline - now_ms();
        if (left <= 0) {
            ns->host->error("netns: node %s: %s opened no vty socket in %d s",
                            name, daemon, FRR_START_TIMEOUT_MS / 1000);
            error = -ETIMEDOUT;
            break;
        }
        long nap = backoff(&interval);
        if (pidfd < 0) {
            /* Without pidfds (before Linux 5.3): its pid. */
            if (kill(pid, 0) == 0 || errno != ESRCH) {
                sleep_ms(nap < left ? nap : left);
                continue;
            }
        } else {
            struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
            if (poll(&pfd, 1, (int)(nap < left ? nap : left)) <= 0) {
                continue;
            }
        }
        ns->host->error("netns: node %s: %s ended as it started", name,
                        daemon);
        error = -EIO;
        break;
    }
    if (vty_fd >= 0) {
        close(vty_fd);
    }
    if (pidfd >= 0) {
        close(pidfd);
    }
    return error;
}

/* Spawns `prog` (with `argv`: FRR's `daemon`, in the foreground) in the
 * node, its output into `out`, detached (a grandchild in a session of its
 * own, reparented to init once its parent exits: `up` has nothing to
 * reap), and waits until it accepts connections on its vty socket.  FRR's
 * own -d would fork the daemon once more after it has built its command
 * tree, and the copy-on-write of that memory cost a sixth of a router's
 * start (plugins/netns/README.md). */
static int
spawn_daemon(const struct netns *ns, const char *name, const char *dir,
             const char *daemon, int ns_fd, const struct view *view,
             const char *const *argv, const char *out)
{
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int error = null_fd < 0 ? -errno : 0;
    /* `out`'s directory is root's; emptied only once known to be a file
     * of its own all the same (nodefile_open). */
    int out_fd = nodefile_open(out, O_WRONLY | O_CREAT | O_TRUNC);

    if (!error && out_fd < 0) {
        error = out_fd;
    }
    if (error) {
        ns->host->error("netns: node %s: cannot open %s: %s", name,
                        null_fd < 0 ? "/dev/null" : out, strerror(-error));
    } else {
        const struct child_io io = {
            {null_fd, out_fd, out_fd}, false, LIMITS_FRR_FDS, true};
        pid_t pid = -1;
        int step;
        error = spawn_in_node(ns_fd, view, argv, &io, &pid, &step);
        if (error) {
            report_spawn(ns, name, argv[0], step, error);
        } else {
            error = wait_daemon(ns, name, dir, daemon, pid);
        }
    }
    if (null_fd >= 0) {
        close(null_fd);
    }
    if (out_fd >= 0) {
        close(out_fd);
    }
    return error;
}

/* Root runs the FRR daemons from frr_dir: whoever can replace one of them,
 * or an entry of the directory, runs code as root.  Returns what is wrong
 * with `st` (the directory or a daemon at `path`) in `buf`, or NULL. */
static const char *
frr_file_problem(const char *path, const struct stat *st, bool dir, char *buf,
                 size_t len)
{
    if (dir && !S_ISDIR(st->st_mode)) {
        snprintf(buf, len, "%s is not a directory", path);
    } else if (!dir && !S_ISREG(st->st_mode)) {
        snprintf(buf, len, "%s is not a regular file", path);
    } else if (st->st_uid != 0) {
        snprintf(buf, len,
                 "%s is owned by uid %u, not root (root runs the FRR "
                 "daemons from it: 'chown root %s')",
                 path, (unsigned)st->st_uid, path);
    } else if (st->st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(buf, len,
                 "%s is writable by %s (mode %04o; root runs the FRR "
                 "daemons from it: 'chmod go-w %s')",
                 path, (st->st_mode & S_IWOTH) ? "others" : "its group",
                 (unsigned)(st->st_mode & 07777), path);
    } else {
        return NULL;
    }
    return buf;
}

/* Checks frr_dir and the daemon `prog` in it before root runs it. */
static int
check_daemon_file(const struct netns *ns, const char *name, const char *prog)
{
    char buf[PATH_MAX * 2 + 128];
    const char *problem = NULL;
    struct stat st;

    if (stat(ns->frr_dir, &st) == 0) {
        problem = frr_file_problem(ns->frr_dir, &st, true, buf, sizeof buf);
    }
    if (!problem && stat(prog, &st) == 0) {
        problem = frr_file_problem(prog, &st, false, buf, sizeof buf);
    }
    if (problem) {
        ns->host->error("netns: node %s: refusing to run FRR daemon %s: %s "
                        "(see plugins.netns.frr_dir)",
                        name, prog, problem);
        return -EPERM;
    }
    return 0;
}

/* The -f of a daemon: its configuration file `conf` (`dir`/DAEMON.conf,
 * in the node's directory, root's) when the host wrote one, a regular file
 * of one link (nodefile_open), else none. */
static const char *
daemon_conf(const char *conf)
{
    int fd = nodefile_open(conf, O_RDONLY);

    if (fd < 0) {
        return "/dev/null";
    }
    close(fd);
    return conf;
}

static int
netns_start_daemon(void *state, const char *name, const char *dir,
                   const char *daemon)
{
    struct netns *ns = state;
    char prog[PATH_MAX], pidfile[PATH_MAX], log[PATH_MAX], out[PATH_MAX];
    char conf[PATH_MAX];
    struct view view;
    int error;

    if ((error = check_name(ns, "FRR daemon", daemon)) != 0 ||
        (error = fmt_path(ns, conf, sizeof conf, "%s/%s.conf", dir, daemon)) !=
            0 ||
        (error = fmt_path(ns, prog, sizeof prog, "%s/%s", ns->frr_dir,
                          daemon)) != 0 ||
        (error = fmt_path(ns, pidfile, sizeof pidfile, "%s/%s.pid", dir,
                          daemon)) != 0 ||
        (error = fmt_path(ns, log, sizeof log, "file:%s/%s.log", dir,
                          daemon)) != 0 ||
        (error = fmt_path(ns, out, sizeof out, "%s/%s.out", dir, daemon)) !=
            0) {
        return error;
    }
    if (access(prog, X_OK) < 0) {
        error = -errno;
        ns->host->error("netns: node %s: cannot run FRR daemon %s: %s (is "
                        "FRR installed? see plugins.netns.frr_dir)",
                        name, prog, strerror(errno));
        return error;
    }
    error = check_daemon_file(ns, name, prog);
    if (error) {
        return error;
    }
    int ns_fd = open_node(ns, name);
    if (ns_fd < 0) {
        return ns_fd;
    }
    cache_forget(ns);
    error = prepare_view(ns, name, dir, true, &view);
    if (!error) {
        error = give_to_frr(ns, name, pidfile);
    }
    if (!error) {
        error = give_to_frr(ns, name, log + strlen("file:"));
    }
    if (!error) {
        error = cg_join_open(&ns->cg, name, &view.join);
        if (error) {
            ns->host->error("netns: node %s: its cgroup: %s", name,
                            strerror(-error));
        }
    }
    if (!error) {
        /* The daemons' views leave out the nodes' namespace files: a
         * mount namespace copies every mount, and they are as many as the
         * nodes. */
        view.detach_netns = true;
        /* No -d: spawn_daemon detaches it.  -P 0: no vty on TCP; vtysh
         * uses the unix socket.  -f: the daemon's own file written by the
         * host (since 4.10), never FRR's default under /etc/frr.
         * --limit-fds: nodelimits.h. */
        const char *cfg = daemon_conf(conf);
        const char *const argv[] = {prog,
                                    "-N",
                                    name,
                                    "-P",
                                    "0",
                                    "-i",
                                    pidfile,
                                    "--log",
                                    log,
                                    "--limit-fds",
                                    LIMITS_FRR_FDS_ARG,
                                    "-f",
                                    cfg,
                                    NULL};
        error = spawn_daemon(ns, name, dir, daemon, ns_fd, &view, argv, out);
    }
    cg_join_close(&view.join);
    close(ns_fd);
    return error;
}

/* Since ABI 4.1: a netns node is known by its namespace file. */
static int
netns_describe_node(void *state, const char *name, const char *dir, char *buf,
                    size_t len)
{
    (void)dir;
    return netns_netns_path(state, name, buf, len);
}

/* Since ABI 4.8: a netns node is a network namespace only -- its processes
 * share the server's files, users and process table, so a student's root
 * shell in one would be a root shell on the server.  Refused. */
static int
netns_check_access(void *state, const struct mi_plan *plan)
{
    struct netns *ns = state;

    (void)plan;
    ns->host->error("netns: access gives students a root shell in their "
                    "nodes, and a netns node shares the server's files, "
                    "users and processes (a shell in it is a shell on the "
                    "server); use runtime = \"docker\" for a network with "
                    "access");
    return -ENOTSUP;
}

/* ------------------------------------------------------------------------ */
/* Destroying nodes                                                         */
/* ------------------------------------------------------------------------ */

/* Candidates for stopping: pids from pid files and from /proc. */
struct pids {
    pid_t *pids;
    size_t n, cap;
};

static void
pids_add(struct pids *p, pid_t pid)
{
    for (size_t i = 0; i < p->n; i++) {
        if (p->pids[i] == pid) {
            return;
        }
    }
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        pid_t *pids = realloc(p->pids, cap * sizeof *pids);
        if (!pids) {
            return; /* Best effort: one process fewer stopped. */
        }
        p->pids = pids;
        p->cap = cap;
    }
    p->pids[p->n++] = pid;
}

/* The namespace of process `pid` (of its main thread); false if it has
 * none: gone, or a zombie. */
static bool
proc_ns(int proc_fd, pid_t pid, struct ns_id *id)
{
    char rel[32];
    struct stat st;

    snprintf(rel, sizeof rel, "%d/ns/net", (int)pid);
    if (fstatat(proc_fd, rel, &st, 0) < 0) {
        return false;
    }
    id->dev = st.st_dev;
    id->ino = st.st_ino;
    return true;
}

static bool
in_namespace(int proc_fd, pid_t pid, const struct ns_id *id)
{
    struct ns_id its;

    return proc_ns(proc_fd, pid, &its) && its.dev == id->dev &&
           its.ino == id->ino;
}

/* The pids written in `dir`/ *.pid (FRR's pid files). */
static void
read_pid_files(const char *dir, struct pids *p)
{
    DIR *d = dir ? opendir(dir) : NULL;
    const struct dirent *de;

    if (!d) {
        return;
    }
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len <= 4 || strcmp(de->d_name + len - 4, ".pid") != 0) {
            continue;
        }
        char buf[32];
        int fd = openat(dirfd(d), de->d_name,
                        O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
        if (fd >= 0) {
            close(fd);
        }
        if (n > 0) {
            buf[n] = '\0';
            char *end;
            long pid = strtol(buf, &end, 10);
            if (pid > 1 && pid <= INT_MAX && (*end == '\0' || *end == '\n')) {
                pids_add(p, (pid_t)pid);
            }
        }
    }
    closedir(d);
}

static int
compare_pids(const void *a_, const void *b_)
{
    const struct ns_proc *a = a_, *b = b_;

    return (a->pid > b->pid) - (a->pid < b->pid);
}

/* Brings the cache up to date with /proc. */
static void
cache_update(struct proc_cache *cache, int proc_fd)
{
    int fd = openat(proc_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct ns_proc *procs = NULL;
    size_t n = 0, cap = 0;
    const struct dirent *de;

    if (!d) {
        if (fd >= 0) {
            close(fd);
        }
        return;
    }
    while ((de = readdir(d)) != NULL) {
        struct ns_proc np = {.proc_ino = de->d_ino};
        if (!isdigit((unsigned char)de->d_name[0])) {
            continue;
        }
        np.pid = (pid_t)strtol(de->d_name, NULL, 10);
        const struct ns_proc *known =
            cache->procs ? bsearch(&np, cache->procs, cache->n,
                                   sizeof *cache->procs, compare_pids)
                         : NULL;
        if (known && known->proc_ino == np.proc_ino) {
            np.id = known->id;
        } else if (!proc_ns(proc_fd, np.pid, &np.id)) {
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            struct ns_proc *bigger = realloc(procs, cap * sizeof *procs);
            if (!bigger) {
                break;
            }
            procs = bigger;
        }
        procs[n++] = np;
    }
    closedir(d);

    /* /proc lists pids in order already. */
    if (procs) {
        qsort(procs, n, sizeof *procs, compare_pids);
    }
    free(cache->procs);
    cache->procs = procs;
    cache->n = n;
}

/* Adds to `p` every process in namespace `id`, from a listing of /proc at
 * most `max_age_ms` old. */
static void
find_processes(struct proc_cache *cache, int proc_fd, const struct ns_id *id,
               long max_age_ms, struct pids *p)
{
    pthread_mutex_lock(&cache->mutex);
    if (!cache->procs || now_ms() - cache->updated_ms >= max_age_ms) {
        cache_update(cache, proc_fd);
        cache->updated_ms = now_ms();
    }
    for (size_t i = 0; cache->procs && i < cache->n; i++) {
        if (cache->procs[i].id.dev == id->dev &&
            cache->procs[i].id.ino == id->ino) {
            pids_add(p, cache->procs[i].pid);
        }
    }
    pthread_mutex_unlock(&cache->mutex);
}

/* Processes waited for through their pidfds at once; more are polled. */
#define MAX_POLLED 64

/* A process being stopped.  The pidfd pins the process: a pid reused by
 * another one meanwhile is never signalled. */
struct target {
    pid_t pid;
    int pidfd; /* -1 where the kernel has no pidfds */
    bool gone;
};

static int
signal_target(const struct target *t, int sig)
{
    return t->pidfd >= 0 ? pidfd_send_signal(t->pidfd, sig, NULL, 0)
                         : kill(t->pid, sig);
}

/* Waits until every target is gone, at most `timeout_ms`; returns how many
 * are left. */
static size_t
wait_targets(int proc_fd, struct target *t, size_t n, const struct ns_id *id,
             long timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    struct pollfd pfds[MAX_POLLED];

    for (;;) {
        size_t left = 0, n_pfds = 0;
        bool polling = false;
        for (size_t i = 0; i < n; i++) {
            if (t[i].gone) {
                continue;
            }
            if (t[i].pidfd >= 0 && n_pfds < MAX_POLLED) {
                pfds[n_pfds++] = (struct pollfd){t[i].pidfd, POLLIN, 0};
                left++;
            } else if (in_namespace(proc_fd, t[i].pid, id)) {
                left++;
                polling = true;
            } else {
                t[i].gone = true;
            }
        }
        long long ms = deadline - now_ms();
        if (!left || ms <= 0) {
            return left;
        }
        if (polling && ms > 10) {
            ms = 10;
        }
        if (poll(pfds, n_pfds, (int)ms) > 0) {
            for (size_t k = 0; k < n_pfds; k++) {
                for (size_t i = 0; i < n && pfds[k].revents; i++) {
                    t[i].gone |= t[i].pidfd == pfds[k].fd;
                }
            }
        }
    }
}

/* Sends `sig` (SIGKILL, or SIGSTOP to freeze) to every process in the
 * node.  A pid (from a stale pid file, or reused) is signalled only if its
 * process is inside the node's namespace.  With `wait` (SIGKILL only),
 * waits for them to be gone (bounded); either way returns with no pidfd
 * open. */
static void
signal_processes(struct netns *ns, const char *name, const char *dir,
                 const struct ns_id *id, int sig, bool wait)
{
    struct pids p = {NULL, 0, 0};
    int proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (proc_fd < 0) {
        ns->host->log(MI_LOG_WARN, "netns: node %s: /proc: %s", name,
                      strerror(errno));
        return;
    }
    read_pid_files(dir, &p);
    find_processes(&ns->cache, proc_fd, id, wait ? 0 : STOP_CACHE_MS, &p);

    struct target *t = calloc(p.n ? p.n : 1, sizeof *t);
    size_t n = 0;
    for (size_t i = 0; t && i < p.n; i++) {
        /* Opened before the check, so that the check is about the
         * process the pidfd refers to. */
        int pidfd = pidfd_open(p.pids[i], 0);
        if (pidfd < 0 && errno == ESRCH) {
            continue;
        }
        if (in_namespace(proc_fd, p.pids[i], id)) {
            t[n++] = (struct target){p.pids[i], pidfd, false};
        } else if (pidfd >= 0) {
            close(pidfd);
        }
    }
    /* SIGKILL at once: the node and its routes vanish with the namespace,
     * so nothing inside needs a graceful stop, and FRR's daemons spend
     * 40-100 ms of CPU each on SIGTERM (about 110 s for 480 routers). */
    for (size_t i = 0; i < n; i++) {
        t[i].gone = signal_target(&t[i], sig) < 0;
    }
    if (wait && wait_targets(proc_fd, t, n, id, KILL_TIMEOUT_MS)) {
        ns->host->log(MI_LOG_WARN, "netns: node %s: processes survive SIGKILL",
                      name);
    }
    for (size_t i = 0; i < n; i++) {
        if (t[i].pidfd >= 0) {
            close(t[i].pidfd);
        }
    }
    free(t);
    free(p.pids);
    close(proc_fd);
}

/* The identity of an existing node's namespace; false if there is none. */
static bool
node_ns_id(const char *path, struct ns_id *id)
{
    struct stat st;

    if (is_netns_file(path) != 1 || stat(path, &st) < 0) {
        return false;
    }
    *id = (struct ns_id){st.st_dev, st.st_ino};
    return true;
}

/* Sends `sig` (SIGKILL, or SIGSTOP to freeze) to the processes of node
 * `name` (with SIGKILL waiting for them with `wait`, and killing also
 * whatever left the namespace but not the node's cgroups); `path`
 * receives the node's namespace file. */
static int
signal_node(struct netns *ns, const char *name, const char *dir, int sig,
            bool wait, char path[PATH_MAX])
{
    struct ns_id id;
    int error = check_name(ns, "node", name);

    if (error) {
        return error;
    }
    node_path(path, name);
    if (node_ns_id(path, &id)) {
        signal_processes(ns, name, dir, &id, sig, wait);
    }
    if (sig == SIGKILL) {
        (void)cg_kill(&ns->cg, name);
    }
    return 0;
}

static int
netns_stop_node(void *state, const char *name, const char *dir)
{
    char path[PATH_MAX];

    return signal_node(state, name, dir, SIGKILL, false, path);
}

/* Since 4.14: SIGSTOP to the processes in the node's namespace (a
 * process that left it for another but stayed in the node's cgroups is
 * left running: stop_node kills it). */
static int
netns_freeze_node(void *state, const char *name, const char *dir)
{
    char path[PATH_MAX];

    return signal_node(state, name, dir, SIGSTOP, false, path);
}

static int
netns_destroy_node(void *state, const char *name, const char *dir)
{
    struct netns *ns = state;
    char path[PATH_MAX];
    int error = signal_node(ns, name, dir, SIGKILL, true, path);

    if (error) {
        return error;
    }

    /* Without processes, the namespace goes with its last mount. */
    if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) {
        error = -errno;
        ns->host->error("netns: node %s: umount %s: %s", name, path,
                        strerror(errno));
        return error;
    }
    if (unlink(path) < 0 && errno != ENOENT) {
        error = -errno;
        ns->host->error("netns: node %s: cannot remove %s: %s", name, path,
                        strerror(errno));
        return error;
    }
    char what[PATH_MAX];
    error = cg_remove(&ns->cg, name, CGROUP_TIMEOUT_MS, what, sizeof what);
    if (error) {
        ns->host->error("netns: node %s: cannot remove its cgroup %s: %s",
                        name, what, strerror(-error));
        return error;
    }
    ns->host->log(MI_LOG_DEBUG, "netns: node %s destroyed", name);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Settings and the descriptor                                              */
/* ------------------------------------------------------------------------ */

static int
netns_configure(const struct mi_host *host, const struct mi_settings *settings,
                void **statep)
{
    static const char *const known[] = {"frr_dir", LIMITS_KEYS, NULL};
    struct limits limits;
    const char *frr_dir = "/usr/lib/frr";
    int error;

    error = host->setting_check_keys(settings, known);
    if (error) {
        return error;
    }
    error = host->setting_string(settings, "frr_dir", &frr_dir);
    if (error && error != -ENOENT) {
        return error;
    }
    if (frr_dir[0] != '/') {
        host->setting_error(settings, "frr_dir", "must be an absolute path");
        return -EINVAL;
    }
    if (limits_configure(host, settings, &limits)) {
        return -EINVAL;
    }
    /* A directory that does not exist yet is left to start_daemon ("is
     * FRR installed?"), which checks it again: validate and plan work on
     * a machine without FRR. */
    struct stat st;
    if (stat(frr_dir, &st) == 0) {
        char buf[PATH_MAX * 2 + 128];
        const char *problem =
            frr_file_problem(frr_dir, &st, true, buf, sizeof buf);
        if (problem) {
            host->setting_error(settings, "frr_dir", "%s", problem);
            return -EINVAL;
        }
    } else if (errno != ENOENT) {
        host->setting_error(settings, "frr_dir", "%s: %s", frr_dir,
                            strerror(errno));
        return -EINVAL;
    }

    struct netns *netns = calloc(1, sizeof *netns);
    if (!netns) {
        return -ENOMEM;
    }
    netns->host = host;
    netns->limits = limits;
    cg_detect(&netns->cg);
    netns->frr_dir = strdup(frr_dir);
    if (!netns->frr_dir) {
        free(netns);
        return -ENOMEM;
    }
    pthread_mutex_init(&netns->cache.mutex, NULL);
    *statep = netns;
    return 0;
}

static void
netns_release(void *state)
{
    struct netns *netns = state;

    pthread_mutex_destroy(&netns->cache.mutex);
    free(netns->cache.procs);
    free(netns->frr_dir);
    free(netns);
}

/* The cgroup controllers the limits of this server's nodes need. */
static int
netns_check_server(void *state, const struct mi_plan *plan, unsigned server)
{
    struct netns *ns = state;
    bool checked[LIMITS_KINDS] = {false};

    for (size_t i = 0; i < plan->n_nodes; i++) {
        const struct mi_node *node = mi_plan_node(plan, i);
        const struct node_limits *l = limits_of(&ns->limits, node->kind);
        size_t k = (size_t)(l - ns->limits.kind);
        if (node->server != server || checked[k]) {
            continue;
        }
        checked[k] = true;
        int error = check_limits(ns, NULL, l);
        if (error) {
            return error;
        }
    }
    return 0;
}

static const struct mi_runtime_ops netns_ops = {
    .common =
        {
            MI_OPS_SIZE(struct mi_runtime_ops),
            .configure = netns_configure,
            .release = netns_release,
            .check_server = netns_check_server,
        },
    .create_node = netns_create_node,
    .netns_path = netns_netns_path,
    .start_daemon = netns_start_daemon,
    .run = netns_run,
    .node_exists = netns_node_exists,
    .destroy_node = netns_destroy_node,
    .stop_node = netns_stop_node,
    .freeze_node = netns_freeze_node,
    .prepare_frr = netns_prepare_frr,
    .describe_node = netns_describe_node,
    .run_bounded = netns_run_bounded,
    .check_access = netns_check_access,
};

MI_PLUGIN_DEFINE = {
    MI_PLUGIN_ABI_VERSION,
    .name = "netns",
    .kind = MI_PLUGIN_RUNTIME,
    .version = "0.1.0",
    .description = "routers and hosts as Linux network namespaces",
    .ops.runtime = &netns_ops,
};
