/* docker: a runtime that makes every router and host a Docker container.
 *
 * The plugin talks to the Docker Engine over its UNIX socket (its HTTP API,
 * through libcurl; JSON through json-c): no `docker` process per container.
 * Containers start with no Docker network (NetworkMode "none"); miniinet
 * wires them through their network namespaces exactly as with the netns
 * runtime: netns_path() is /proc/PID/ns/net of the container's first
 * process, so the core's netlink work is the same for both runtimes.
 *
 * A container is named as the original platform names it, which is the
 * node's name (`<AS>_<R>router`, `<AS>_<R>host`, `<AS>_L2_<DC>_<HOST>`,
 * `<IXP>_IXP`), and carries labels that mark it as this network's:
 * org.miniinet.network, org.miniinet.node and org.miniinet.dir (the node's
 * directory, unique per run directory).  Next to the node's directory DIR,
 * outside what the container sees, DIR.docker records the socket, the network
 * and, once made, the container's id), written before the container is made:
 * `down` removes the container of that id, or, when `up` was interrupted
 * before the id was written, the container of that name only if its labels say
 * it is this node's.  A container of the same name that is not ours is never
 * touched.
 *
 * The node's directory is bound into the container at the same path, and
 * its `frr` subdirectory onto /var/run/frr: frr.conf, FRR's pid files and
 * logs and the daemons' vty sockets are where the netns runtime keeps them,
 * visible from the host.  FRR's daemons and the programs of run() (with
 * output) are started through the Engine's exec API, so they live in the
 * container's cgroup and its limits; an interactive run() (`miniinet
 * exec`) enters the container's namespaces directly, as nsenter does, joins
 * its cgroups, and confines the program before executing it
 * (exec_confine(): the container init's capabilities less SYS_ADMIN,
 * no-new-privileges, a seccomp filter); the program has a pty of its own
 * (or pipes) that miniinet proxies, never the TA's descriptors, and runs
 * in a PID namespace of its own nested in the container's, so that
 * nothing it starts outlives it (run_interactive()).
 *
 * Settings (plugins.docker): see docker_configure() and README.md.
 */
#include "config.h"

#include <dirent.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/magic.h>
#include <linux/seccomp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include <miniinet/plugin.h>

#include "../common/nodefile.h"
#include "../common/nodelimits.h"

#define DEFAULT_SOCKET "/var/run/docker.sock"
#define DEFAULT_ROUTER_IMAGE "miniinet/router:latest"
#define DEFAULT_HOST_IMAGE "miniinet/host:latest"
#define DEFAULT_PROXY_IMAGE "miniinet/proxy:latest"
#define DEFAULT_FRR_DIR "/usr/lib/frr"
/* The original platform's logs: --log-opt max-size=1m --log-opt max-file=3
 * (its --cpus and --pids-limit are the defaults of nodelimits.h). */
#define DEFAULT_LOG_MAX_SIZE "1m"
#define DEFAULT_LOG_MAX_FILE 3

#define LABEL_NETWORK "org.miniinet.network"
#define LABEL_NODE "org.miniinet.node"
#define LABEL_DIR "org.miniinet.dir"
#define LABEL_KIND "org.miniinet.kind"

/* images/build labels every image it makes with the version of what it
 * puts in it; an image it made with an older version is stale (version 1:
 * no sshd) and refused.  The same number as images/build's image_version
 * (check_docker compares them). */
#define LABEL_IMAGE "org.miniinet.image"
#define IMAGE_VERSION 2

/* The node's record: DIR.docker, next to the node's directory DIR and not
 * in it, since DIR is bound read-write into a container whose root is a
 * student's, and root trusts the record (the container `down` removes). */
#define RECORD_FILE "docker"
#define RECORD_PATH "%s." RECORD_FILE

/* A router's vtysh.conf: DIR.vtysh.conf, next to the node's directory for
 * the same reason, root's, 0644 and empty, bound read-only onto
 * /etc/frr/NAME/vtysh.conf in the container (create_request), where
 * `vtysh -N NAME` reads it at every start ("Can't open configuration file"
 * without one).  The container's /etc/frr/NAME holds nothing else (no
 * integrated frr.conf), so a `write memory` still asks each daemon to write
 * its own file (doc/access.md). */
#define VTYSH_CONF_PATH "%s.vtysh.conf"

/* Every container's /etc/hosts and /etc/resolv.conf: DIR.hosts and
 * DIR.resolv.conf, next to DIR for the same reason, root's, 0644, bound
 * as Docker binds its own (read-only where the root file system is, in
 * FRR's kinds; else read-write: a student may add names).  Docker binds
 * neither: containers are made with NetworkDisabled (create_request), so
 * that dockerd runs no prestart hook per container (its
 * libnetwork-setkey, a start of the whole dockerd binary: a third of the
 * machine's CPU while containers are made) and makes no network sandbox;
 * the container still gets a network namespace of its own, which
 * miniinet wires.  DIR.hosts holds what Docker writes for a container of
 * no network (images/build's images have both files empty: without
 * DIR.hosts, localhost would not resolve); DIR.resolv.conf is empty, as
 * theirs: Docker's named the server's resolvers, which the mini-Internet
 * does not reach, and another image's own could name anything. */
static const struct etc_file {
    const char *path_fmt; /* next to DIR: a format of DIR */
    const char *target;   /* in the container */
    const char *text;
} etc_files[] = {
    {"%s.hosts", "/etc/hosts",
     "127.0.0.1\tlocalhost\n"
     "::1\tlocalhost ip6-localhost ip6-loopback\n"
     "fe00::0\tip6-localnet\n"
     "ff00::0\tip6-mcastprefix\n"
     "ff02::1\tip6-allnodes\n"
     "ff02::2\tip6-allrouters\n"},
    {"%s.resolv.conf", "/etc/resolv.conf", ""},
};
#define N_ETC_FILES (sizeof etc_files / sizeof *etc_files)

#define DEFAULT_PATH                                                          \
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Keeps a container alive whatever its image's own command would do (the
 * original platform's images start FRR with their own files); ends on
 * SIGTERM.  Only /bin/sh and /bin/sleep are needed from the image:
 * /bin/sleep by its path, never looked up in PATH, whose /usr/local/bin
 * is a student's in a router (review R35, C1). */
#define KEEPALIVE                                                             \
    "trap 'exit 0' TERM INT; while :; do /bin/sleep 3600 & wait $!; done"

/* What no program miniinet runs in a container keeps, but FRR's daemons
 * (review R33, C3; R34, N1). */
#define EXEC_NEVER ((1ULL << CAP_SYS_ADMIN) | (1ULL << CAP_SETPCAP))

/* Bounds: an API request (creating or removing a container may take a few
 * seconds on a loaded machine), an FRR daemon's start (a minute, as netns
 * gives it: more than 10 s at class size on two cores). */
#define API_TIMEOUT_S 120
#define CONNECT_TIMEOUT_MS 5000
#define FRR_START_TIMEOUT_S 60

struct docker {
    const struct mi_host *host;
    char *socket;
    char *router_image;
    char *host_image;
    char *proxy_image;
    char *frr_dir;
    struct limits limits;
    char *log_max_size;
    long long log_max_file;
};

/* What create_node recorded in the node's directory. */
struct record {
    char socket[PATH_MAX];
    char network[256];
    char id[128]; /* "" until the container was made */
};

/* ------------------------------------------------------------------------ */
/* Pure parts: names, settings values, the requests                         */
/* ------------------------------------------------------------------------ */

/* The container of a node.  The original platform names its containers
 * exactly as miniinet names its nodes (`1_ZURIrouter`, `1_ZURIhost`,
 * `3_L2_DCN_FIFA_1`, `80_IXP`), so the mapping is the identity; it is kept
 * a function so that it stays one place if that ever changes. */
static const char *
docker_container_name(const char *node)
{
    return node;
}

/* Docker's container names: [a-zA-Z0-9][a-zA-Z0-9_.-]*; they also go into
 * URL paths, so nothing else may pass. */
static bool
valid_name(const char *name)
{
    size_t len = name ? strlen(name) : 0;

    if (len == 0 || len > 128 ||
        !((name[0] >= 'a' && name[0] <= 'z') ||
          (name[0] >= 'A' && name[0] <= 'Z') ||
          (name[0] >= '0' && name[0] <= '9'))) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-')) {
            return false;
        }
    }
    return true;
}

/* Docker's json-file max-size: a number with an optional k, m or g. */
static bool
valid_size(const char *text)
{
    char *end;

    errno = 0;
    long long n = strtoll(text, &end, 10);
    if (errno || end == text || n <= 0) {
        return false;
    }
    return !*end || (strchr("kmgKMG", *end) && !end[1]);
}

static bool
runs_frr(enum mi_node_kind kind)
{
    return kind == MI_NODE_ROUTER || kind == MI_NODE_ROUTESERVER;
}

static const char *
kind_name(enum mi_node_kind kind)
{
    switch (kind) {
    case MI_NODE_ROUTER:
        return "router";
    case MI_NODE_HOST:
        return "host";
    case MI_NODE_L2HOST:
        return "l2host";
    case MI_NODE_ROUTESERVER:
        return "routeserver";
    case MI_NODE_MEASUREMENT:
        return "measurement";
    case MI_NODE_PROXY:
        return "proxy";
    }
    return "unknown";
}

/* The image of a node kind, and the setting that chooses it. */
static const char *
node_image(const struct docker *d, enum mi_node_kind kind,
           const char **setting)
{
    const char *key = "host_image", *image = d->host_image;

    if (kind == MI_NODE_PROXY) {
        key = "proxy_image";
        image = d->proxy_image;
    } else if (runs_frr(kind)) {
        key = "router_image";
        image = d->router_image;
    }
    if (setting) {
        *setting = key;
    }
    return image;
}

static void
add_string(json_object *obj, const char *key, const char *value)
{
    json_object_object_add(obj, key, json_object_new_string(value));
}

static json_object *
string_array(const char *const *values)
{
    json_object *a = json_object_new_array();

    for (size_t i = 0; values[i]; i++) {
        json_object_array_add(a, json_object_new_string(values[i]));
    }
    return a;
}

/* ------------------------------------------------------------------------ */
/* Confinement: capabilities, seccomp, no-new-privileges                    */
/* ------------------------------------------------------------------------ */

/* Node kinds as bits, for the table below. */
#define KIND_BIT(k) (1U << (unsigned)(k))
#define K_FRR (KIND_BIT(MI_NODE_ROUTER) | KIND_BIT(MI_NODE_ROUTESERVER))
#define K_HOSTS                                                               \
    (KIND_BIT(MI_NODE_HOST) | KIND_BIT(MI_NODE_L2HOST) |                      \
     KIND_BIT(MI_NODE_MEASUREMENT))
#define K_PROXY KIND_BIT(MI_NODE_PROXY)
#define K_ALL (K_FRR | K_HOSTS | K_PROXY)

/* The one table of what each kind of container may hold: every container
 * is created with CapDrop ["ALL"] and CapAdd the rows of its kind, and with
 * no-new-privileges.  Measured on Debian 12 (FRR 8.4.4, OpenSSH 9.2,
 * docker.io 20.10) by taking each one away in turn; doc/access.md,
 * *Confinement*, has the measurements.  Docker's own default set (CHOWN,
 * DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, SETFCAP, SETPCAP, ...) is not
 * assumed: what is not here, no container has. */
static const struct capability {
    const char *name; /* Docker's spelling: without CAP_ */
    unsigned kinds;
} capabilities[] = {
    /* zebra's routes and addresses; a student's ip addr/route/link in
     * their router or host.  Not the proxy: no route of a student's there. */
    {"NET_ADMIN", K_FRR | K_HOSTS},
    /* ospfd's raw socket; ping -I, traceroute -I, tcpdump.  Not the
     * proxy: its ping uses an ICMP datagram socket (ping_group_range, set
     * in create_request as Docker sets it). */
    {"NET_RAW", K_FRR | K_HOSTS},
    /* bgpd and ospfd ask for it at start and exit without it.  sshd's port
     * 22 needs none: net.ipv4.ip_unprivileged_port_start is 0 in every
     * container (create_request). */
    {"NET_BIND_SERVICE", K_FRR},
    /* FRR's daemons start as root and become user frr; sshd's privilege
     * separation (user sshd) and a session's; tcpdump becomes tcpdump. */
    {"SETUID", K_ALL},
    {"SETGID", K_ALL},
    /* sshd's privilege separation chroots to /run/sshd (without it every
     * login is cut: "chroot(\"/run/sshd\"): Operation not permitted"). */
    {"SYS_CHROOT", K_ALL},
    /* Debian's sshd writes Linux audit records: without it a session with
     * a terminal is closed ("linux_audit_write_entry failed"). */
    {"AUDIT_WRITE", K_ALL},
    /* Root killing processes of another user: stop_frr's pkill of the
     * daemons (user frr); sshd's monitor ending its unprivileged child. */
    {"KILL", K_ALL},
    /* Root's vtysh (miniinet's `run`, a student's goto): /etc/frr is
     * frr's, mode 0750, and so are the vty sockets. */
    {"DAC_OVERRIDE", K_FRR},
    /* FRR's log makes /var/tmp/frr/DAEMON.PID as root and gives it to frr
     * (else "failed to open thread log buffer"); chpasswd on the proxy
     * gives /etc/shadow back to group shadow. */
    {"CHOWN", K_FRR | K_PROXY},
    /* FRR 8.4's zebra, bgpd and ospfd ask for it in their permitted set at
     * start (for network-namespace VRFs) and exit without it ("privs_init:
     * initial cap_set_proc failed").  What it would open is closed by
     * seccomp (seccomp_allowed below). */
    {"SYS_ADMIN", K_FRR},
    /* Only to take SYS_ADMIN (and SETPCAP itself) out of the bounding set
     * of sshd in FRR's kinds (the core starts it through setpriv when its
     * bounding set holds SYS_ADMIN), so that no student session holds
     * SYS_ADMIN: it reaches the server through ioctls and madvise that
     * seccomp does not filter (review R33, C2).  FRR's daemons keep it. */
    {"SETPCAP", K_FRR},
};

/* The seccomp profile of the kinds that hold SYS_ADMIN (FRR's) is an
 * allowlist: what is not named is refused (EPERM), so a system call a newer
 * kernel adds is refused too.  The list is Docker's default profile's
 * unconditional list (moby profiles/seccomp/default.json), read and written
 * out here, less what SYS_ADMIN would open or what no router needs:
 * listmount and statmount (other mount namespaces' mounts by id),
 * name_to_handle_at (handles, with open_by_handle_at), ioprio_set (the
 * real-time I/O class), and plus chroot (SYS_CHROOT is held: sshd).  Never
 * in it, whatever Docker's profile gives a holder of SYS_ADMIN: the mount
 * family (mount, umount2, pivot_root, fsopen, fsconfig, fsmount, fspick,
 * move_mount, open_tree, open_tree_attr, mount_setattr), setns, unshare,
 * bpf, perf_event_open, the keyring (keyctl, add_key, request_key),
 * open_by_handle_at, kexec, modules, io_uring, userfaultfd, ptrace and
 * process_vm_*, kcmp, pidfd_getfd, swapon/swapoff, quotactl, syslog, reboot,
 * acct, iopl/ioperm, the clocks' setters, NUMA policies, modify_ldt.
 * Conditional rules follow in seccomp_profile: socket (not AF_ALG, not
 * AF_VSOCK), personality (Docker's five values), clone without a namespace
 * flag, clone3 ENOSYS (so the C library falls back to clone, whose flags
 * seccomp sees), and the per-arch calls. */
static const char *const seccomp_allowed[] = {"_llseek",
                                              "_newselect",
                                              "accept",
                                              "accept4",
                                              "access",
                                              "adjtimex",
                                              "alarm",
                                              "bind",
                                              "brk",
                                              "cachestat",
                                              "capget",
                                              "capset",
                                              "chdir",
                                              "chmod",
                                              "chown",
                                              "chown32",
                                              "chroot",
                                              "clock_adjtime",
                                              "clock_adjtime64",
                                              "clock_getres",
                                              "clock_getres_time64",
                                              "clock_gettime",
                                              "clock_gettime64",
                                              "clock_nanosleep",
                                              "clock_nanosleep_time64",
                                              "close",
                                              "close_range",
                                              "connect",
                                              "copy_file_range",
                                              "creat",
                                              "dup",
                                              "dup2",
                                              "dup3",
                                              "epoll_create",
                                              "epoll_create1",
                                              "epoll_ctl",
                                              "epoll_ctl_old",
                                              "epoll_pwait",
                                              "epoll_pwait2",
                                              "epoll_wait",
                                              "epoll_wait_old",
                                              "eventfd",
                                              "eventfd2",
                                              "execve",
                                              "execveat",
                                              "exit",
                                              "exit_group",
                                              "faccessat",
                                              "faccessat2",
                                              "fadvise64",
                                              "fadvise64_64",
                                              "fallocate",
                                              "fanotify_mark",
                                              "fchdir",
                                              "fchmod",
                                              "fchmodat",
                                              "fchmodat2",
                                              "fchown",
                                              "fchown32",
                                              "fchownat",
                                              "fcntl",
                                              "fcntl64",
                                              "fdatasync",
                                              "fgetxattr",
                                              "flistxattr",
                                              "flock",
                                              "fork",
                                              "fremovexattr",
                                              "fsetxattr",
                                              "fstat",
                                              "fstat64",
                                              "fstatat64",
                                              "fstatfs",
                                              "fstatfs64",
                                              "fsync",
                                              "ftruncate",
                                              "ftruncate64",
                                              "futex",
                                              "futex_requeue",
                                              "futex_time64",
                                              "futex_wait",
                                              "futex_waitv",
                                              "futex_wake",
                                              "futimesat",
                                              "get_robust_list",
                                              "get_thread_area",
                                              "getcpu",
                                              "getcwd",
                                              "getdents",
                                              "getdents64",
                                              "getegid",
                                              "getegid32",
                                              "geteuid",
                                              "geteuid32",
                                              "getgid",
                                              "getgid32",
                                              "getgroups",
                                              "getgroups32",
                                              "getitimer",
                                              "getpeername",
                                              "getpgid",
                                              "getpgrp",
                                              "getpid",
                                              "getppid",
                                              "getpriority",
                                              "getrandom",
                                              "getresgid",
                                              "getresgid32",
                                              "getresuid",
                                              "getresuid32",
                                              "getrlimit",
                                              "getrusage",
                                              "getsid",
                                              "getsockname",
                                              "getsockopt",
                                              "gettid",
                                              "gettimeofday",
                                              "getuid",
                                              "getuid32",
                                              "getxattr",
                                              "getxattrat",
                                              "inotify_add_watch",
                                              "inotify_init",
                                              "inotify_init1",
                                              "inotify_rm_watch",
                                              "io_cancel",
                                              "io_destroy",
                                              "io_getevents",
                                              "io_pgetevents",
                                              "io_pgetevents_time64",
                                              "io_setup",
                                              "io_submit",
                                              "ioctl",
                                              "ioprio_get",
                                              "ipc",
                                              "kill",
                                              "landlock_add_rule",
                                              "landlock_create_ruleset",
                                              "landlock_restrict_self",
                                              "lchown",
                                              "lchown32",
                                              "lgetxattr",
                                              "link",
                                              "linkat",
                                              "listen",
                                              "listxattr",
                                              "listxattrat",
                                              "llistxattr",
                                              "lremovexattr",
                                              "lseek",
                                              "lsetxattr",
                                              "lstat",
                                              "lstat64",
                                              "madvise",
                                              "map_shadow_stack",
                                              "membarrier",
                                              "memfd_create",
                                              "memfd_secret",
                                              "mincore",
                                              "mkdir",
                                              "mkdirat",
                                              "mknod",
                                              "mknodat",
                                              "mlock",
                                              "mlock2",
                                              "mlockall",
                                              "mmap",
                                              "mmap2",
                                              "mprotect",
                                              "mq_getsetattr",
                                              "mq_notify",
                                              "mq_open",
                                              "mq_timedreceive",
                                              "mq_timedreceive_time64",
                                              "mq_timedsend",
                                              "mq_timedsend_time64",
                                              "mq_unlink",
                                              "mremap",
                                              "mseal",
                                              "msgctl",
                                              "msgget",
                                              "msgrcv",
                                              "msgsnd",
                                              "msync",
                                              "munlock",
                                              "munlockall",
                                              "munmap",
                                              "nanosleep",
                                              "newfstatat",
                                              "open",
                                              "openat",
                                              "openat2",
                                              "pause",
                                              "pidfd_open",
                                              "pidfd_send_signal",
                                              "pipe",
                                              "pipe2",
                                              "pkey_alloc",
                                              "pkey_free",
                                              "pkey_mprotect",
                                              "poll",
                                              "ppoll",
                                              "ppoll_time64",
                                              "prctl",
                                              "pread64",
                                              "preadv",
                                              "preadv2",
                                              "prlimit64",
                                              "process_mrelease",
                                              "pselect6",
                                              "pselect6_time64",
                                              "pwrite64",
                                              "pwritev",
                                              "pwritev2",
                                              "read",
                                              "readahead",
                                              "readlink",
                                              "readlinkat",
                                              "readv",
                                              "recv",
                                              "recvfrom",
                                              "recvmmsg",
                                              "recvmmsg_time64",
                                              "recvmsg",
                                              "remap_file_pages",
                                              "removexattr",
                                              "removexattrat",
                                              "rename",
                                              "renameat",
                                              "renameat2",
                                              "restart_syscall",
                                              "riscv_hwprobe",
                                              "rmdir",
                                              "rseq",
                                              "rt_sigaction",
                                              "rt_sigpending",
                                              "rt_sigprocmask",
                                              "rt_sigqueueinfo",
                                              "rt_sigreturn",
                                              "rt_sigsuspend",
                                              "rt_sigtimedwait",
                                              "rt_sigtimedwait_time64",
                                              "rt_tgsigqueueinfo",
                                              "sched_get_priority_max",
                                              "sched_get_priority_min",
                                              "sched_getaffinity",
                                              "sched_getattr",
                                              "sched_getparam",
                                              "sched_getscheduler",
                                              "sched_rr_get_interval",
                                              "sched_rr_get_interval_time64",
                                              "sched_setaffinity",
                                              "sched_setattr",
                                              "sched_setparam",
                                              "sched_setscheduler",
                                              "sched_yield",
                                              "seccomp",
                                              "select",
                                              "semctl",
                                              "semget",
                                              "semop",
                                              "semtimedop",
                                              "semtimedop_time64",
                                              "send",
                                              "sendfile",
                                              "sendfile64",
                                              "sendmmsg",
                                              "sendmsg",
                                              "sendto",
                                              "set_robust_list",
                                              "set_thread_area",
                                              "set_tid_address",
                                              "setfsgid",
                                              "setfsgid32",
                                              "setfsuid",
                                              "setfsuid32",
                                              "setgid",
                                              "setgid32",
                                              "setgroups",
                                              "setgroups32",
                                              "setitimer",
                                              "setpgid",
                                              "setpriority",
                                              "setregid",
                                              "setregid32",
                                              "setresgid",
                                              "setresgid32",
                                              "setresuid",
                                              "setresuid32",
                                              "setreuid",
                                              "setreuid32",
                                              "setrlimit",
                                              "setsid",
                                              "setsockopt",
                                              "setuid",
                                              "setuid32",
                                              "setxattr",
                                              "setxattrat",
                                              "shmat",
                                              "shmctl",
                                              "shmdt",
                                              "shmget",
                                              "shutdown",
                                              "sigaltstack",
                                              "signalfd",
                                              "signalfd4",
                                              "sigprocmask",
                                              "sigreturn",
                                              "socketcall",
                                              "socketpair",
                                              "splice",
                                              "stat",
                                              "stat64",
                                              "statfs",
                                              "statfs64",
                                              "statx",
                                              "symlink",
                                              "symlinkat",
                                              "sync",
                                              "sync_file_range",
                                              "syncfs",
                                              "sysinfo",
                                              "tee",
                                              "tgkill",
                                              "time",
                                              "timer_create",
                                              "timer_delete",
                                              "timer_getoverrun",
                                              "timer_gettime",
                                              "timer_gettime64",
                                              "timer_settime",
                                              "timer_settime64",
                                              "timerfd_create",
                                              "timerfd_gettime",
                                              "timerfd_gettime64",
                                              "timerfd_settime",
                                              "timerfd_settime64",
                                              "times",
                                              "tkill",
                                              "truncate",
                                              "truncate64",
                                              "ugetrlimit",
                                              "umask",
                                              "uname",
                                              "unlink",
                                              "unlinkat",
                                              "uretprobe",
                                              "utime",
                                              "utimensat",
                                              "utimensat_time64",
                                              "utimes",
                                              "vfork",
                                              "vmsplice",
                                              "wait4",
                                              "waitid",
                                              "waitpid",
                                              "write",
                                              "writev",
                                              NULL};

/* clone()'s namespace flags: NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER,
 * NEWPID, NEWNET (Docker's mask).  clone is allowed when none is set. */
#define CLONE_NS_MASK 0x7E020000UL

/* personality()'s values Docker allows: PER_LINUX, PER_LINUX32,
 * UNAME26, UNAME26|PER_LINUX32, and the query 0xffffffff. */
static const unsigned long personality_allowed[] = {0x0UL, 0x8UL, 0x20000UL,
                                                    0x20008UL, 0xffffffffUL};

static bool
kind_has(enum mi_node_kind kind, const char *cap)
{
    for (size_t i = 0; i < sizeof capabilities / sizeof *capabilities; i++) {
        if (strcmp(capabilities[i].name, cap) == 0) {
            return (capabilities[i].kinds & KIND_BIT(kind)) != 0;
        }
    }
    return false;
}

/* CapAdd of a kind: its rows of the table, in the table's order. */
static json_object *
cap_add_of(enum mi_node_kind kind)
{
    json_object *a = json_object_new_array();

    for (size_t i = 0; i < sizeof capabilities / sizeof *capabilities; i++) {
        if (capabilities[i].kinds & KIND_BIT(kind)) {
            json_object_array_add(
                a, json_object_new_string(capabilities[i].name));
        }
    }
    return a;
}

/* A rule of the profile: `names` (taken), `action`, errnoRet when `err`
 * is not 0. */
static json_object *
seccomp_rule(json_object *names, const char *action, int err)
{
    json_object *rule = json_object_new_object();

    json_object_object_add(rule, "names", names);
    add_string(rule, "action", action);
    if (err) {
        json_object_object_add(rule, "errnoRet", json_object_new_int(err));
    }
    return rule;
}

/* An allow rule for one system call whose argument `index` compares to
 * `value` (and `two`, for SCMP_CMP_MASKED_EQ: (arg & value) == two). */
static json_object *
allow_if(const char *name, int index, const char *op, unsigned long value,
         unsigned long two)
{
    const char *one[] = {name, NULL};
    json_object *rule = seccomp_rule(string_array(one), "SCMP_ACT_ALLOW", 0);
    json_object *args = json_object_new_array();
    json_object *arg = json_object_new_object();

    json_object_object_add(arg, "index", json_object_new_int(index));
    json_object_object_add(arg, "value",
                           json_object_new_int64((int64_t)value));
    if (strcmp(op, "SCMP_CMP_MASKED_EQ") == 0) {
        json_object_object_add(arg, "valueTwo",
                               json_object_new_int64((int64_t)two));
    }
    add_string(arg, "op", op);
    json_object_array_add(args, arg);
    json_object_object_add(rule, "args", args);
    return rule;
}

/* An allow rule for `names` on the arches (Docker's names) `arches`. */
static json_object *
allow_on(const char *const *names, const char *const *arches)
{
    json_object *rule = seccomp_rule(string_array(names), "SCMP_ACT_ALLOW", 0);
    json_object *inc = json_object_new_object();

    json_object_object_add(inc, "arches", string_array(arches));
    json_object_object_add(rule, "includes", inc);
    return rule;
}

/* The seccomp profile of a kind that holds SYS_ADMIN, as Docker takes it
 * in SecurityOpt ("seccomp=" and the profile's JSON): refuse (EPERM) by
 * default, allow seccomp_allowed and the conditional rules (see there).
 * It replaces Docker's default profile for that container. */
static json_object *
seccomp_profile(void)
{
    json_object *p = json_object_new_object();
    json_object *arches = json_object_new_array();
    json_object *rules = json_object_new_array();
    static const char *const arch[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86",
                                       "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64",
                                       "SCMP_ARCH_ARM"};
    static const char *const x86_64[] = {"amd64", "x32", NULL};
    static const char *const arm[] = {"arm", "arm64", NULL};
    static const char *const arch_prctl[] = {"arch_prctl", NULL};
    static const char *const arm_calls[] = {"arm_fadvise64_64",
                                            "arm_sync_file_range",
                                            "sync_file_range2",
                                            "breakpoint",
                                            "cacheflush",
                                            "set_tls",
                                            NULL};
    static const char *const clone3[] = {"clone3", NULL};

    add_string(p, "defaultAction", "SCMP_ACT_ERRNO");
    json_object_object_add(p, "defaultErrnoRet", json_object_new_int(EPERM));
    for (size_t i = 0; i < sizeof arch / sizeof *arch; i++) {
        json_object_array_add(arches, json_object_new_string(arch[i]));
    }
    json_object_object_add(p, "architectures", arches);
    json_object_array_add(rules, seccomp_rule(string_array(seccomp_allowed),
                                              "SCMP_ACT_ALLOW", 0));
    /* socket: every family but AF_ALG (38) and AF_VSOCK (40). */
    json_object_array_add(rules, allow_if("socket", 0, "SCMP_CMP_LT", 38, 0));
    json_object_array_add(rules, allow_if("socket", 0, "SCMP_CMP_EQ", 39, 0));
    json_object_array_add(rules, allow_if("socket", 0, "SCMP_CMP_GT", 40, 0));
    for (size_t i = 0;
         i < sizeof personality_allowed / sizeof *personality_allowed; i++) {
        json_object_array_add(rules, allow_if("personality", 0, "SCMP_CMP_EQ",
                                              personality_allowed[i], 0));
    }
    json_object_array_add(
        rules, allow_if("clone", 0, "SCMP_CMP_MASKED_EQ", CLONE_NS_MASK, 0));
    json_object_array_add(
        rules, seccomp_rule(string_array(clone3), "SCMP_ACT_ERRNO", ENOSYS));
    json_object_array_add(rules, allow_on(arch_prctl, x86_64));
    json_object_array_add(rules, allow_on(arm_calls, arm));
    json_object_object_add(p, "syscalls", rules);
    return p;
}

/* SecurityOpt of a kind: no-new-privileges always (a setuid program or a
 * file capability gives nothing); the seccomp profile above for a kind
 * that holds SYS_ADMIN (the others keep Docker's default profile).  NULL
 * when it cannot be made: never SYS_ADMIN without the profile. */
static json_object *
security_opt_of(enum mi_node_kind kind)
{
    json_object *a = json_object_new_array();
    json_object *nnp = json_object_new_string("no-new-privileges");
    bool ok = a && nnp && json_object_array_add(a, nnp) == 0;

    if (!ok) {
        json_object_put(nnp);
    }
    if (ok && kind_has(kind, "SYS_ADMIN")) {
        json_object *p = seccomp_profile();
        const char *text =
            p ? json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN)
              : NULL;
        size_t len = text ? strlen(text) + sizeof "seccomp=" : 0;
        char *opt = text ? malloc(len) : NULL;
        json_object *o = NULL;
        if (opt) {
            snprintf(opt, len, "seccomp=%s", text);
            o = json_object_new_string(opt);
            free(opt);
        }
        ok = o && json_object_array_add(a, o) == 0;
        if (!ok) {
            json_object_put(o);
        }
        json_object_put(p);
    }
    if (!ok) {
        json_object_put(a);
        return NULL;
    }
    return a;
}

/* What miniinet runs in a container through the Engine's exec (run,
 * run_bounded, stop_frr) gets the container's capabilities, and FRR's
 * kinds hold SYS_ADMIN (their daemons insist on it): a program of the
 * container run with it by the TA's `check`, `save` or `up` would give
 * it to whoever replaced that program (review R34, N1).  So in a
 * container that holds SYS_ADMIN the program is run through util-linux
 * setpriv, which takes EXEC_NEVER out of the bounding and inheritable
 * sets: the program executed after it has neither in any set.  A shell
 * then checks all five sets before it executes the program, and runs
 * nothing (exit 126) while one still holds either (setpriv 2.38 drops
 * nothing from the bounding set and runs the program all the same when it
 * lacks SETPCAP; Docker before 20.10.14 set inheritable capabilities). setpriv
 * and the shell are files of the container's read-only root (create_request),
 * which no student can replace.  Only start_daemon's daemons keep SYS_ADMIN.
 */
#define EXEC_DROP_CHECK                                                       \
    "n=0; while read -r k v; do case $k in "                                  \
    "CapInh:|CapPrm:|CapEff:|CapBnd:|CapAmb:) "                               \
    "if [ $((0x$v & 0x200100)) -ne 0 ]; then "                                \
    "echo \"miniinet: $k still holds CAP_SYS_ADMIN or CAP_SETPCAP: $1 "       \
    "not run\" >&2; exit 126; fi; n=$((n + 1));; esac; "                      \
    "done </proc/self/status; if [ \"$n\" -ne 5 ]; then "                     \
    "echo \"miniinet: capabilities unreadable: $1 not run\" >&2; exit 126; "  \
    "fi; exec \"$@\""
static const char *const exec_drop[] = {"/usr/bin/setpriv",
                                        "--bounding-set=-sys_admin,-setpcap",
                                        "--inh-caps=-sys_admin,-setpcap",
                                        "--",
                                        "/bin/sh",
                                        "-c",
                                        EXEC_DROP_CHECK,
                                        "sh"};
#define EXEC_DROP_N (sizeof exec_drop / sizeof *exec_drop)

/* argv behind exec_drop, malloc()ed (the caller frees the array, not the
 * strings), or NULL. */
static const char **
exec_dropped_argv(const char *const *argv)
{
    size_t n = 0;

    while (argv[n]) {
        n++;
    }
    const char **out = calloc(EXEC_DROP_N + n + 1, sizeof *out);
    if (out) {
        memcpy(out, exec_drop, sizeof exec_drop);
        memcpy(out + EXEC_DROP_N, argv, (n + 1) * sizeof *argv);
    }
    return out;
}

/* The writable places of FRR's kinds, whose root is read-only: tmpfs,
 * no device or set-id file on any, programs only in /root (a student's
 * own) and /usr/local/bin (miniinet's vtysh, put_files).  Bounded: their
 * pages count in the container's memory too. */
static const struct {
    const char *path, *options;
} frr_tmpfs[] = {
    {"/tmp", "rw,nosuid,nodev,noexec,mode=1777,size=64m"},
    {"/var/tmp", "rw,nosuid,nodev,noexec,mode=1777,size=64m"},
    {"/run", "rw,nosuid,nodev,noexec,mode=755,size=16m"},
    {"/var/log", "rw,nosuid,nodev,noexec,mode=755,size=16m"},
    {"/var/lib/frr", "rw,nosuid,nodev,noexec,mode=755,size=16m"},
    {"/root", "rw,nosuid,nodev,exec,mode=700,size=64m"},
    {"/etc/ssh/miniinet", "rw,nosuid,nodev,noexec,mode=700,size=1m"},
    {"/usr/local/bin", "rw,nosuid,nodev,exec,mode=755,size=1m"},
};

/* The body of POST /containers/create for node `node` of network
 * `network`, whose directory is `dir`.  Limits as the original platform
 * gives them; privileges not as it does (every capability but
 * SYS_RESOURCE for routers): the table `capabilities` above, with
 * no-new-privileges, and routers' sysctls set here since /proc/sys is
 * read-only in a container. */
static json_object *
create_request(const struct docker *d, const char *network,
               const struct mi_node *node, const char *dir,
               const char *frr_dir_host)
{
    json_object *req = json_object_new_object();
    json_object *labels = json_object_new_object();
    json_object *hc = json_object_new_object();
    json_object *log = json_object_new_object();
    json_object *log_config = json_object_new_object();
    bool frr = runs_frr(node->kind);

    add_string(req, "Image", node_image(d, node->kind, NULL));
    add_string(req, "Hostname", node->name);
    /* In FRR's kinds, which hold SYS_ADMIN, the keep-alive holds it not:
     * behind exec_drop, checked, as every exec but the daemons'. */
    const char *entrypoint[] = {"/bin/sh", "-c", KEEPALIVE, NULL};
    const char **dropped = frr ? exec_dropped_argv(entrypoint) : NULL;
    if (frr && !dropped) {
        json_object_put(req);
        json_object_put(labels);
        json_object_put(hc);
        json_object_put(log);
        json_object_put(log_config);
        return NULL;
    }
    json_object_object_add(req, "Entrypoint",
                           string_array(dropped ? dropped : entrypoint));
    free(dropped);
    /* An image's HEALTHCHECK would be an exec with the container's
     * capabilities, outside exec_in(). */
    json_object *health = json_object_new_object();
    const char *no_check[] = {"NONE", NULL};
    json_object_object_add(health, "Test", string_array(no_check));
    json_object_object_add(req, "Healthcheck", health);
    json_object_object_add(req, "Cmd", NULL);
    const char *env[] = {"PATH=" DEFAULT_PATH, NULL};
    json_object_object_add(req, "Env", string_array(env));

    add_string(labels, LABEL_NETWORK, network);
    add_string(labels, LABEL_NODE, node->name);
    add_string(labels, LABEL_DIR, dir);
    add_string(labels, LABEL_KIND, kind_name(node->kind));
    json_object_object_add(req, "Labels", labels);

    add_string(hc, "NetworkMode", "none");
    /* No network sandbox, no prestart hook (etc_files). */
    json_object_object_add(req, "NetworkDisabled", json_object_new_boolean(1));
    /* docker-init as PID 1: reaps the daemons FRR's -d orphans. */
    json_object_object_add(hc, "Init", json_object_new_boolean(1));
    const struct node_limits *lim = limits_of(&d->limits, node->kind);
    if (lim->nano_cpus > 0) {
        json_object_object_add(hc, "NanoCpus",
                               json_object_new_int64(lim->nano_cpus));
    }
    if (lim->pids > 0) {
        json_object_object_add(hc, "PidsLimit",
                               json_object_new_int64(lim->pids));
    }
    if (lim->memory > 0) {
        /* MemorySwap = Memory: no swap on top of it. */
        json_object_object_add(hc, "Memory",
                               json_object_new_int64(lim->memory));
        json_object_object_add(hc, "MemorySwap",
                               json_object_new_int64(lim->memory));
    }
    add_string(log_config, "Type", "json-file");
    add_string(log, "max-size", d->log_max_size);
    char max_file[24];
    snprintf(max_file, sizeof max_file, "%lld", d->log_max_file);
    add_string(log, "max-file", max_file);
    json_object_object_add(log_config, "Config", log);
    json_object_object_add(hc, "LogConfig", log_config);

    json_object *binds = json_object_new_array();
    char bind[2 * PATH_MAX + 32];
    snprintf(bind, sizeof bind, "%s:%s", dir, dir);
    json_object_array_add(binds, json_object_new_string(bind));
    for (size_t i = 0; i < N_ETC_FILES; i++) {
        char source[PATH_MAX + 32];
        snprintf(source, sizeof source, etc_files[i].path_fmt, dir);
        snprintf(bind, sizeof bind, "%s:%s%s", source, etc_files[i].target,
                 frr ? ":ro" : "");
        json_object_array_add(binds, json_object_new_string(bind));
    }
    if (frr) {
        snprintf(bind, sizeof bind, "%s:/var/run/frr", frr_dir_host);
        json_object_array_add(binds, json_object_new_string(bind));
        snprintf(bind, sizeof bind,
                 VTYSH_CONF_PATH ":/etc/frr/%s/vtysh.conf:ro", dir,
                 node->name);
        json_object_array_add(binds, json_object_new_string(bind));
    }
    json_object_object_add(hc, "Binds", binds);
    if (frr) {
        /* FRR's kinds hold SYS_ADMIN (the table above) and their daemons
         * run with it: nothing they or miniinet execute there may be a
         * file a student (root in the container) can replace, so their
         * root file system is read-only; what must be written is on
         * the tmpfs below (doc/access.md, *Read-only routers*). */
        json_object_object_add(hc, "ReadonlyRootfs",
                               json_object_new_boolean(1));
        json_object *tmpfs = json_object_new_object();
        for (size_t i = 0; i < sizeof frr_tmpfs / sizeof *frr_tmpfs; i++) {
            add_string(tmpfs, frr_tmpfs[i].path, frr_tmpfs[i].options);
        }
        json_object_object_add(hc, "Tmpfs", tmpfs);
    }

    const char *cap_drop[] = {"ALL", NULL};
    json_object_object_add(hc, "CapDrop", string_array(cap_drop));
    json_object_object_add(hc, "CapAdd", cap_add_of(node->kind));
    json_object *security = security_opt_of(node->kind);
    if (!security) {
        json_object_put(hc);
        json_object_put(req);
        return NULL;
    }
    json_object_object_add(hc, "SecurityOpt", security);

    json_object *sysctls = json_object_new_object();
    add_string(sysctls, "net.ipv4.icmp_ratelimit", "0");
    add_string(sysctls, "net.ipv4.icmp_echo_ignore_broadcasts", "0");
    /* Docker's own defaults since 20.10, set here for any Engine: sshd
     * binds port 22 without NET_BIND_SERVICE, ping needs no NET_RAW.  Of
     * the container's own network namespace only. */
    add_string(sysctls, "net.ipv4.ip_unprivileged_port_start", "0");
    add_string(sysctls, "net.ipv4.ping_group_range", "0 2147483647");
    if (frr) {
        add_string(sysctls, "net.ipv4.ip_forward", "1");
        add_string(sysctls, "net.ipv4.fib_multipath_hash_policy", "1");
        add_string(sysctls, "net.ipv4.conf.all.rp_filter", "0");
        add_string(sysctls, "net.ipv4.conf.default.rp_filter", "0");
        add_string(sysctls, "net.ipv4.conf.lo.rp_filter", "0");
        add_string(sysctls, "net.ipv4.tcp_l3mdev_accept", "1");
    } else {
        /* Else the server's (1 where dockerd runs): the measurement
         * host would carry one AS's traffic to another. */
        add_string(sysctls, "net.ipv4.ip_forward", "0");
    }
    json_object_object_add(hc, "Sysctls", sysctls);
    json_object_object_add(req, "HostConfig", hc);
    return req;
}

/* The body of POST /containers/ID/exec. */
static json_object *
exec_request(const char *const *argv)
{
    json_object *req = json_object_new_object();

    json_object_object_add(req, "AttachStdin", json_object_new_boolean(0));
    json_object_object_add(req, "AttachStdout", json_object_new_boolean(1));
    json_object_object_add(req, "AttachStderr", json_object_new_boolean(1));
    json_object_object_add(req, "Tty", json_object_new_boolean(0));
    json_object_object_add(req, "Cmd", string_array(argv));
    return req;
}

/* A growing buffer. */
struct buf {
    char *data;
    size_t len, cap;
    bool failed; /* out of memory */
};

static void
buf_add(struct buf *b, const void *data, size_t len)
{
    if (b->failed) {
        return;
    }
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + len + 1) {
            cap *= 2;
        }
        char *p = realloc(b->data, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

/* The Engine's multiplexed stream (exec without a TTY: frames of an
 * 8-byte header -- stream 1 stdout (0, which the Engine's documentation
 * calls stdin, is standard output too) or 2 stderr, three zero bytes, the
 * payload's length big-endian -- and the payload), split as it arrives,
 * in pieces cut anywhere: standard output into `out` up to `max_out`
 * bytes, the first `max_err` bytes of standard error into `err` (the rest
 * of it dropped: it is only ever logged). */
struct demux {
    unsigned char head[8];
    size_t have; /* bytes of head[] read */
    size_t left; /* payload bytes of the current frame still to come */
    struct buf out, err;
    size_t max_out, max_err;
};

/* Takes the next `len` bytes of the stream: 0, -EFBIG once standard output
 * is beyond max_out, -EPROTO if it is not such a stream, -ENOMEM. */
static int
demux_feed(struct demux *dm, const unsigned char *data, size_t len)
{
    while (len > 0) {
        if (dm->left == 0) {
            size_t k = sizeof dm->head - dm->have;
            k = k < len ? k : len;
            memcpy(dm->head + dm->have, data, k);
            dm->have += k;
            data += k;
            len -= k;
            if (dm->have < sizeof dm->head) {
                return 0;
            }
            const unsigned char *h = dm->head;
            if (h[0] > 2 || h[1] || h[2] || h[3]) {
                return -EPROTO;
            }
            dm->left = (size_t)h[4] << 24 | (size_t)h[5] << 16 |
                       (size_t)h[6] << 8 | (size_t)h[7];
            if (dm->left == 0) {
                dm->have = 0;
            }
            continue;
        }
        size_t k = dm->left < len ? dm->left : len;
        bool is_out = dm->head[0] != 2; /* 0, "stdin", is written on stdout */
        struct buf *b = is_out ? &dm->out : &dm->err;
        if (is_out && k > dm->max_out - dm->out.len) {
            return -EFBIG;
        }
        size_t room =
            dm->max_err > dm->err.len ? dm->max_err - dm->err.len : 0;
        buf_add(b, data, is_out || k < room ? k : room);
        if (b->failed) {
            return -ENOMEM;
        }
        data += k;
        len -= k;
        dm->left -= k;
        if (dm->left == 0) {
            dm->have = 0;
        }
    }
    return 0;
}

/* Whether the stream may end here (not inside a frame). */
static bool
demux_at_frame_end(const struct demux *dm)
{
    return dm->have == 0 && dm->left == 0;
}

/* ------------------------------------------------------------------------ */
/* The Engine's API                                                         */
/* ------------------------------------------------------------------------ */

struct response {
    long code; /* HTTP status; 0 if there was none */
    struct buf body;
    /* Streamed requests (exec start): a 200 answer's body goes to `sink`
     * as it arrives instead of into `body`; an error the demux returns
     * stops the transfer and is the request's result. */
    struct demux *sink;
    int sink_error;
    CURL *curl;
};

static size_t
write_body(char *data, size_t size, size_t n, void *resp_)
{
    struct response *resp = resp_;

    if (resp->sink && !resp->code) {
        curl_easy_getinfo(resp->curl, CURLINFO_RESPONSE_CODE, &resp->code);
    }
    if (resp->sink && resp->code == 200) {
        resp->sink_error =
            demux_feed(resp->sink, (const unsigned char *)data, size * n);
        return resp->sink_error ? 0 : size * n;
    }
    buf_add(&resp->body, data, size * n);
    return resp->body.failed ? 0 : size * n;
}

/* Milliseconds of CLOCK_MONOTONIC. */
static long long
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* `method` `path` with JSON `body` (NULL: none) over `socket`, at most
 * `timeout_ms` (0: no bound); a 200 answer's body into `sink` if not NULL.
 * 0 with the response, or -errno after reporting (the Engine unreachable);
 * a streamed request's time running out (-ETIMEDOUT) or its sink's error
 * is the caller's to report.  The HTTP status is the caller's to judge. */
static int
api_stream(const struct docker *d, const char *socket, const char *method,
           const char *path, json_object *body, long long timeout_ms,
           struct demux *sink, struct response *resp)
{
    char url[PATH_MAX + 32];
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *headers = NULL;
    CURL *curl = curl_easy_init();

    memset(resp, 0, sizeof *resp);
    resp->sink = sink;
    resp->curl = curl;
    if (!curl) {
        d->host->error("docker: cannot initialise libcurl");
        return -ENOMEM;
    }
    snprintf(url, sizeof url, "http://docker%s", path);
    curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, socket);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)CONNECT_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                     timeout_ms > LONG_MAX ? LONG_MAX : (long)timeout_ms);
    if (body) {
        headers = curl_slist_append(headers, "Content-Type: application/json");
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(
            curl, CURLOPT_COPYPOSTFIELDS,
            json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN));
    } else if (!strcmp(method, "POST")) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
    }

    CURLcode rc = curl_easy_perform(curl);
    int error = 0;
    if (rc == CURLE_WRITE_ERROR && resp->sink_error) {
        error = resp->sink_error;
    } else if (rc == CURLE_OPERATION_TIMEDOUT && sink) {
        error = -ETIMEDOUT;
    } else if (rc != CURLE_OK) {
        error = rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EIO;
        if (rc == CURLE_COULDNT_CONNECT) {
            d->host->error("docker: the Docker Engine does not answer on %s "
                           "(%s): start dockerd, or set plugins.docker.socket",
                           socket,
                           errbuf[0] ? errbuf : curl_easy_strerror(rc));
        } else {
            d->host->error("docker: %s %s on %s: %s", method, path, socket,
                           errbuf[0] ? errbuf : curl_easy_strerror(rc));
        }
    } else {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->code);
        if (resp->body.failed) {
            error = -ENOMEM;
        }
    }
    if (error) {
        free(resp->body.data);
        resp->body = (struct buf){0};
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    resp->curl = NULL;
    resp->sink = NULL;
    return error;
}

/* A request whose whole answer is kept, at most `timeout_s` (0: no
 * bound). */
static int
api_request(const struct docker *d, const char *socket, const char *method,
            const char *path, json_object *body, long timeout_s,
            struct response *resp)
{
    return api_stream(d, socket, method, path, body, timeout_s * 1000LL, NULL,
                      resp);
}

/* The Engine's message for a failed request ({"message": "..."}), or the
 * body itself. */
static const char *
api_message(const struct response *resp, char *buf, size_t len)
{
    const char *text = resp->body.data ? resp->body.data : "";
    json_object *obj = json_tokener_parse(text);
    json_object *msg;

    if (obj && json_object_object_get_ex(obj, "message", &msg)) {
        snprintf(buf, len, "%s", json_object_get_string(msg));
    } else {
        snprintf(buf, len, "HTTP %ld %s", resp->code, text);
    }
    json_object_put(obj);
    size_t n = strlen(buf);
    while (n > 0 && buf[n - 1] == '\n') {
        buf[--n] = '\0';
    }
    return buf;
}

static void
response_free(struct response *resp)
{
    free(resp->body.data);
    resp->body = (struct buf){0};
}

/* What the plugin needs of a container (GET /containers/REF/json). */
struct container {
    char id[128];
    pid_t pid; /* 0 when it does not run */
    bool running;
    bool readonly; /* its root file system (HostConfig.ReadonlyRootfs) */
    char network[256], node[256], dir[PATH_MAX]; /* its labels, "" if none */
};

static void
copy_string(json_object *obj, const char *key, char *buf, size_t len)
{
    json_object *v;

    buf[0] = '\0';
    if (obj && json_object_object_get_ex(obj, key, &v) &&
        json_object_is_type(v, json_type_string)) {
        snprintf(buf, len, "%s", json_object_get_string(v));
    }
}

/* 1 and *c if container `ref` (a name or an id) exists, 0 if not, or
 * -errno after reporting. */
static int
inspect(const struct docker *d, const char *socket, const char *ref,
        struct container *c)
{
    char path[512];
    struct response resp;

    memset(c, 0, sizeof *c);
    snprintf(path, sizeof path, "/containers/%s/json", ref);
    int error =
        api_request(d, socket, "GET", path, NULL, API_TIMEOUT_S, &resp);
    if (error) {
        return error;
    }
    if (resp.code == 404) {
        response_free(&resp);
        return 0;
    }
    if (resp.code != 200) {
        char msg[512];
        d->host->error("docker: inspecting container %s: %s", ref,
                       api_message(&resp, msg, sizeof msg));
        response_free(&resp);
        return -EIO;
    }

    json_object *obj = json_tokener_parse(resp.body.data);
    response_free(&resp);
    if (!obj) {
        d->host->error("docker: inspecting container %s: the Engine's answer "
                       "is not JSON",
                       ref);
        return -EIO;
    }
    json_object *state = NULL, *config = NULL, *labels = NULL, *v;
    copy_string(obj, "Id", c->id, sizeof c->id);
    if (json_object_object_get_ex(obj, "State", &state)) {
        if (json_object_object_get_ex(state, "Pid", &v)) {
            c->pid = (pid_t)json_object_get_int(v);
        }
        if (json_object_object_get_ex(state, "Running", &v)) {
            c->running = json_object_get_boolean(v);
        }
    }
    if (json_object_object_get_ex(obj, "Config", &config)) {
        json_object_object_get_ex(config, "Labels", &labels);
    }
    json_object *hc = NULL;
    if (json_object_object_get_ex(obj, "HostConfig", &hc) &&
        json_object_object_get_ex(hc, "ReadonlyRootfs", &v)) {
        c->readonly = json_object_get_boolean(v);
    }
    copy_string(labels, LABEL_NETWORK, c->network, sizeof c->network);
    copy_string(labels, LABEL_NODE, c->node, sizeof c->node);
    copy_string(labels, LABEL_DIR, c->dir, sizeof c->dir);
    json_object_put(obj);
    return 1;
}

/* ------------------------------------------------------------------------ */
/* The node's record                                                        */
/* ------------------------------------------------------------------------ */

static int
record_write(const struct docker *d, const char *name, const char *dir,
             const struct record *r)
{
    char path[PATH_MAX];
    char tmp[PATH_MAX];

    if (snprintf(path, sizeof path, RECORD_PATH, dir) >= (int)sizeof path ||
        snprintf(tmp, sizeof tmp, RECORD_PATH ".new", dir) >=
            (int)sizeof tmp) {
        d->host->error("docker: node %s: directory path too long", name);
        return -ENAMETOOLONG;
    }
    int fd =
        open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
    if (!f) {
        int error = -errno;
        if (fd >= 0) {
            close(fd);
        }
        d->host->error("docker: node %s: cannot write %s: %s", name, tmp,
                       strerror(errno));
        return error;
    }
    fprintf(f, "socket %s\nnetwork %s\n", r->socket, r->network);
    if (r->id[0]) {
        fprintf(f, "id %s\n", r->id);
    }
    if (fflush(f) || fsync(fileno(f)) || fclose(f) || rename(tmp, path)) {
        int error = -errno;
        d->host->error("docker: node %s: cannot write %s: %s", name, path,
                       strerror(errno));
        return error;
    }
    return 0;
}

/* A field of the record; one that does not fit is left empty. */
static void
set_field(char *dst, size_t len, const char *src)
{
    size_t n = strlen(src);

    if (n < len) {
        memcpy(dst, src, n + 1);
    } else {
        dst[0] = '\0';
    }
}

/* 1 with *r, 0 if the node has no record (nothing was made), -errno. */
static int
record_read(const struct docker *d, const char *name, const char *dir,
            struct record *r)
{
    char path[PATH_MAX];
    char line[PATH_MAX + 16];

    memset(r, 0, sizeof *r);
    if (!dir) {
        return 0;
    }
    snprintf(path, sizeof path, RECORD_PATH, dir);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "r");
    if (!f) {
        if (fd >= 0) {
            close(fd);
        }
        if (errno == ENOENT) {
            return 0;
        }
        int error = -errno;
        d->host->error("docker: node %s: cannot read %s: %s", name, path,
                       strerror(errno));
        return error;
    }
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!strncmp(line, "socket ", 7)) {
            set_field(r->socket, sizeof r->socket, line + 7);
        } else if (!strncmp(line, "network ", 8)) {
            set_field(r->network, sizeof r->network, line + 8);
        } else if (!strncmp(line, "id ", 3)) {
            set_field(r->id, sizeof r->id, line + 3);
        }
    }
    fclose(f);
    if (!r->socket[0]) {
        snprintf(r->socket, sizeof r->socket, "%s", d->socket);
    }
    return 1;
}

/* The running container of node `name` for run() and the FRR operations: the
 * record's id when there is one, else the name and the configured socket. */
static int
find_running(const struct docker *d, const char *name, const char *dir,
             struct record *r, struct container *c)
{
    int found = record_read(d, name, dir, r);

    if (found < 0) {
        return found;
    }
    if (!found) {
        snprintf(r->socket, sizeof r->socket, "%s", d->socket);
    }
    const char *ref = r->id[0] ? r->id : docker_container_name(name);
    int exists = inspect(d, r->socket, ref, c);
    if (exists < 0) {
        return exists;
    }
    if (!exists) {
        d->host->error("docker: node %s: no container %s", name, ref);
        return -ENOENT;
    }
    if (!c->running || c->pid <= 0) {
        d->host->error("docker: node %s: container %s is not running (see "
                       "`docker logs %s`)",
                       name, docker_container_name(name),
                       docker_container_name(name));
        return -ESRCH;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Exec: programs inside a container through the Engine                     */
/* ------------------------------------------------------------------------ */

/* What an exec keeps of its program's standard error (only ever logged). */
#define EXEC_ERR_KEEP 4096
/* How long a program that closed its output may take to end when it has no
 * deadline of its own; after a kill, how long the Engine may take to give
 * the exec's pid and to see it end. */
#define EXEC_END_MS 5000
#define KILL_GRACE_MS 5000
/* At most this many processes of one exec are followed and killed. */
#define TREE_MAX 4096

/* The exec's state (GET /exec/ID/json): 0 with *pid (0 before it
 * started), *running and *status (its exit code), or -errno (reported). */
static int
exec_state(const struct docker *d, const char *socket, const char *name,
           const char *exec_id, pid_t *pid, bool *running, int *status)
{
    char path[256];
    struct response resp;
    json_object *obj, *v;

    snprintf(path, sizeof path, "/exec/%s/json", exec_id);
    int error =
        api_request(d, socket, "GET", path, NULL, API_TIMEOUT_S, &resp);
    if (error) {
        return error;
    }
    obj = resp.code == 200 ? json_tokener_parse(resp.body.data) : NULL;
    response_free(&resp);
    if (!obj || !json_object_object_get_ex(obj, "Running", &v)) {
        json_object_put(obj);
        d->host->error("docker: node %s: exec %.12s: no state in the "
                       "Engine's answer",
                       name, exec_id);
        return -EIO;
    }
    *running = json_object_get_boolean(v);
    *status = json_object_object_get_ex(obj, "ExitCode", &v)
                  ? json_object_get_int(v)
                  : -1;
    *pid = json_object_object_get_ex(obj, "Pid", &v)
               ? (pid_t)json_object_get_int(v)
               : 0;
    json_object_put(obj);
    return 0;
}

static void
sleep_ms(long long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000 * 1000};

    nanosleep(&ts, NULL);
}

/* The parent of process `pid` as /proc shows it, or -1. */
static pid_t
parent_of(pid_t pid)
{
    char path[64], line[1024];
    int ppid;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, line, sizeof line - 1);
    if (fd >= 0) {
        close(fd);
    }
    if (n <= 0) {
        return -1;
    }
    line[n] = '\0';
    /* "PID (COMM) STATE PPID ...": COMM may hold anything, ')' too. */
    const char *p = strrchr(line, ')');
    return p && sscanf(p + 1, " %*c %d", &ppid) == 1 ? ppid : -1;
}

/* Whether processes `a` and `b` are in the same PID namespace: 1, 0, or
 * -1 when it cannot be told (one has ended). */
static int
same_pid_ns(pid_t a, pid_t b)
{
    char pa[64], pb[64];
    struct stat sa, sb;

    snprintf(pa, sizeof pa, "/proc/%d/ns/pid", (int)a);
    snprintf(pb, sizeof pb, "/proc/%d/ns/pid", (int)b);
    if (stat(pa, &sa) < 0 || stat(pb, &sb) < 0) {
        return -1;
    }
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* An exec's program and what it started, held by pidfds (a pid that ends
 * cannot be taken for another process through them) and stopped as they
 * are found, so that none can start more or slip away before the kill.
 * Without pidfds (a kernel before 5.3; valgrind) by pid. */
struct tree {
    pid_t pid[TREE_MAX];
    int fd[TREE_MAX]; /* -1: none */
    size_t n;
};

static bool
tree_has(const struct tree *t, pid_t pid)
{
    for (size_t i = 0; i < t->n; i++) {
        if (t->pid[i] == pid) {
            return true;
        }
    }
    return false;
}

static int
tree_signal(const struct tree *t, size_t i, int sig)
{
    return t->fd[i] >= 0 ? pidfd_send_signal(t->fd[i], sig, NULL, 0)
                         : kill(t->pid[i], sig);
}

/* Adds `pid` if it is still `parent`'s child (`parent` -1: if it is in
 * the PID namespace of process `cpid`) and stops it; 1 if it joined, 0 if
 * it has ended, -ESRCH if it is not in that namespace.  The look through
 * /proc holds since the pidfd was opened first and the signal through it
 * reached a living process: the pid was not reused meanwhile. */
static int
tree_add(struct tree *t, pid_t pid, pid_t parent, pid_t cpid)
{
    if (t->n == TREE_MAX) {
        return 0;
    }
    int fd = pidfd_open(pid, 0);
    if (fd < 0 && errno != ENOSYS) {
        return 0;
    }
    int ours = parent >= 0 ? parent_of(pid) == parent : same_pid_ns(pid, cpid);
    t->pid[t->n] = pid;
    t->fd[t->n] = fd;
    if (ours != 1 || tree_signal(t, t->n, SIGSTOP) < 0) {
        if (fd >= 0) {
            close(fd);
        }
        return ours == 0 && parent < 0 ? -ESRCH : 0;
    }
    t->n++;
    return 1;
}

/* One look at every process: the children of the tree's members join it.
 * Returns how many did. */
static size_t
tree_grow(struct tree *t)
{
    size_t before = t->n;
    DIR *proc = opendir("/proc");
    struct dirent *e;

    while (proc && (e = readdir(proc)) != NULL) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0 || tree_has(t, (pid_t)pid)) {
            continue;
        }
        pid_t parent = parent_of((pid_t)pid);
        if (parent > 0 && tree_has(t, parent)) {
            tree_add(t, (pid_t)pid, parent, 0);
        }
    }
    if (proc) {
        closedir(proc);
    }
    return t->n - before;
}

/* Kills process `root` (the host's pid of an exec in the container whose
 * first process is `cpid`) and every process whose parent chain leads to
 * it, from the host: whatever the container's root does inside, these
 * are stopped first, then killed.  Returns how many, or -errno. */
static int
kill_tree(const struct docker *d, const char *name, pid_t root, pid_t cpid)
{
    struct tree *t = calloc(1, sizeof *t);

    if (!t) {
        return -ENOMEM;
    }
    int joined = tree_add(t, root, -1, cpid);
    if (joined <= 0) {
        if (joined < 0) {
            d->host->error("docker: node %s: process %d is not in the "
                           "container: not killed",
                           name, (int)root);
        }
        free(t);
        return joined;
    }
    for (int round = 0; round < 64 && tree_grow(t) > 0; round++) {
        continue;
    }
    for (size_t i = 0; i < t->n; i++) {
        tree_signal(t, i, SIGKILL);
    }
    if (t->fd[0] >= 0) {
        struct pollfd pfd = {.fd = t->fd[0], .events = POLLIN};
        poll(&pfd, 1, KILL_GRACE_MS);
    }
    int n = (int)t->n;
    for (size_t i = 0; i < t->n; i++) {
        if (t->fd[i] >= 0) {
            close(t->fd[i]);
        }
    }
    free(t);
    return n;
}

/* Kills what exec `exec_id` runs, from the host, and waits (bounded) for
 * the Engine to see it end.  0 or -errno (reported). */
static int
kill_exec(const struct docker *d, const char *socket, const char *name,
          const char *exec_id, const struct container *c, const char *prog)
{
    long long until = now_ms() + KILL_GRACE_MS;
    pid_t pid = 0;
    bool running = true;
    int status, error;

    /* An exec the Engine has not started yet has no pid: wait for it. */
    while (!(error = exec_state(d, socket, name, exec_id, &pid, &running,
                                &status)) &&
           running && pid <= 0 && now_ms() < until) {
        sleep_ms(10);
    }
    if (error || !running) {
        return error;
    }
    if (pid <= 0) {
        d->host->error("docker: node %s: %s: the Engine gives no process to "
                       "kill",
                       name, prog);
        return -ESRCH;
    }
    int killed = kill_tree(d, name, pid, c->pid);
    if (killed < 0) {
        return killed;
    }
    while (!(error = exec_state(d, socket, name, exec_id, &pid, &running,
                                &status)) &&
           running && now_ms() < until) {
        sleep_ms(10);
    }
    if (!error && running) {
        d->host->log(MI_LOG_WARN,
                     "docker: node %s: %s killed, but the Engine still "
                     "says it runs",
                     name, prog);
    }
    d->host->log(MI_LOG_DEBUG, "docker: node %s: %s killed (%d processes)",
                 name, prog, killed);
    return error;
}

/* Creates the exec of argv in container `id`: 0 with its id, or -errno
 * (reported). */
static int
exec_create(const struct docker *d, const char *socket, const char *name,
            const char *id, const char *const *argv, long long timeout_ms,
            char *exec_id, size_t len)
{
    char path[512];
    char msg[512];
    struct response resp;
    json_object *req = exec_request(argv);

    snprintf(path, sizeof path, "/containers/%s/exec", id);
    int error =
        api_stream(d, socket, "POST", path, req, timeout_ms, NULL, &resp);
    json_object_put(req);
    if (error) {
        return error;
    }
    if (resp.code != 201) {
        d->host->error("docker: node %s: cannot run %s: %s", name, argv[0],
                       api_message(&resp, msg, sizeof msg));
        response_free(&resp);
        return -EIO;
    }
    json_object *obj = json_tokener_parse(resp.body.data);
    response_free(&resp);
    copy_string(obj, "Id", exec_id, len);
    json_object_put(obj);
    if (!valid_name(exec_id)) {
        d->host->error("docker: node %s: running %s: no exec id in the "
                       "Engine's answer",
                       name, argv[0]);
        return -EIO;
    }
    return 0;
}

/* Starts exec `exec_id` and reads its stream into `dm` until it ends, the
 * `deadline` passes (-ETIMEDOUT) or dm's cap is passed (-EFBIG); then its
 * exit status, by the deadline too (without one: EXEC_END_MS after the
 * stream ended).  Returns the exit status or -errno (reported, but for
 * -ETIMEDOUT and -EFBIG). */
static int
exec_start(const struct docker *d, const char *socket, const char *name,
           const char *exec_id, const char *prog, long long deadline,
           struct demux *dm)
{
    char path[256];
    char msg[512];
    struct response resp;
    json_object *start = json_object_new_object();

    json_object_object_add(start, "Detach", json_object_new_boolean(0));
    json_object_object_add(start, "Tty", json_object_new_boolean(0));
    snprintf(path, sizeof path, "/exec/%s/start", exec_id);
    long long left = deadline ? deadline - now_ms() : 0;
    int error = deadline && left <= 0 ? -ETIMEDOUT
                                      : api_stream(d, socket, "POST", path,
                                                   start, left, dm, &resp);
    json_object_put(start);
    if (error == -EPROTO || error == -ENOMEM) {
        d->host->error("docker: node %s: %s: %s", name, prog,
                       error == -ENOMEM ? "out of memory for its output"
                                        : "unreadable output stream");
        return error == -ENOMEM ? error : -EIO;
    }
    if (error) {
        return error;
    }
    if (resp.code != 200) {
        d->host->error("docker: node %s: cannot start %s: %s", name, prog,
                       api_message(&resp, msg, sizeof msg));
        response_free(&resp);
        return -EIO;
    }
    response_free(&resp);
    if (!demux_at_frame_end(dm)) {
        d->host->error("docker: node %s: %s: output stream cut short", name,
                       prog);
        return -EIO;
    }

    /* The stream ends when the program closes its output; its exit status
     * follows. */
    long long until = deadline ? deadline : now_ms() + EXEC_END_MS;
    for (;;) {
        pid_t pid;
        bool running;
        int status;
        error = exec_state(d, socket, name, exec_id, &pid, &running, &status);
        if (error) {
            return error;
        }
        if (!running) {
            return status & 0xff;
        }
        if (now_ms() >= until) {
            break;
        }
        sleep_ms(10);
    }
    if (!deadline) {
        d->host->error("docker: node %s: %s has closed its output but not "
                       "ended",
                       name, prog);
    }
    return -ETIMEDOUT;
}

_Static_assert(EXEC_NEVER == 0x200100ULL, "EXEC_DROP_CHECK's mask");

/* The text of /proc/PID/status into buf: 0, or -errno. */
static int
read_status(pid_t pid, char *buf, size_t len)
{
    char path[64];

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    ssize_t got = read(fd, buf, len - 1);
    int error = got < 0 ? -errno : 0;
    close(fd);
    buf[got > 0 ? got : 0] = '\0';
    return error ? error : got > 0 ? 0 : -EIO;
}

/* The capability set on line `key` ("CapBnd") of `status`, the text of a
 * /proc/PID/status.  -EINVAL when there is no such line. */
static int
status_caps(const char *status, const char *key, uint64_t *set)
{
    char tag[16];
    char *end;

    snprintf(tag, sizeof tag, "\n%s:", key);
    const char *line = strstr(status, tag);
    if (!line) {
        return -EINVAL;
    }
    line += strlen(tag);
    while (*line == ' ' || *line == '\t') {
        line++;
    }
    errno = 0;
    unsigned long long v = strtoull(line, &end, 16);
    if (errno || end == line || (*end != '\n' && *end != '\0')) {
        return -EINVAL;
    }
    *set = (uint64_t)v;
    return 0;
}

/* Whether container `c` (its init) holds a capability of EXEC_NEVER in
 * its bounding set: 1, 0, or -errno (reported). */
static int
holds_never(const struct docker *d, const char *name,
            const struct container *c)
{
    char status[8192];
    uint64_t bnd = 0;
    int error = read_status(c->pid, status, sizeof status);

    if (!error) {
        error = status_caps(status, "CapBnd", &bnd);
    }
    if (error) {
        d->host->error("docker: node %s: cannot read the capabilities of its "
                       "container's init (/proc/%d/status): %s",
                       name, (int)c->pid, strerror(-error));
        return error;
    }
    return (bnd & EXEC_NEVER) != 0;
}

/* holds_never() for what is about to be done in container `c`
 * (`refused`: what is not done when it is refused): 1 or 0 as
 * holds_never() says, or -errno (reported), -EPERM when the container
 * holds EXEC_NEVER with a writable root: made before FRR's kinds had a
 * read-only root, what would run there, setpriv and FRR's daemons
 * included, may be a student's file (review R35, H1). */
static int
never_but_readonly(const struct docker *d, const char *name,
                   const struct container *c, const char *refused)
{
    int never = holds_never(d, name, c);

    if (never > 0 && !c->readonly) {
        d->host->error("docker: node %s: container %s holds SYS_ADMIN and "
                       "its root file system is writable (made by an "
                       "earlier miniinet): %s; `miniinet down` and `up` "
                       "make it again",
                       name, docker_container_name(name), refused);
        return -EPERM;
    }
    return never;
}

/* Runs argv in container `c` through the Engine's exec and waits for it,
 * until `deadline` (now_ms(); 0: no bound), keeping at most `max_out`
 * bytes of its standard output (SIZE_MAX: no bound).  When time or room
 * runs out, or anything else goes wrong once it may run, the program and
 * what it started are killed from the host (kill_exec()).  Its standard
 * output into `out`, the start of its standard error into `err`.
 * Unless it is one of FRR's `daemon`s, it runs without EXEC_NEVER's
 * capabilities (exec_drop).  Returns the exit status or -errno: -ETIMEDOUT and
 * -EFBIG unreported, the rest reported. */
static int
exec_in(const struct docker *d, const char *socket, const char *name,
        const struct container *c, const char *const *argv, bool daemon,
        long long deadline, size_t max_out, struct buf *out, struct buf *err)
{
    char exec_id[128];
    const char **dropped = NULL;
    int never = never_but_readonly(d, name, c, "nothing is run in it");

    if (never < 0) {
        return never;
    }
    if (never && !daemon) {
        dropped = exec_dropped_argv(argv);
        if (!dropped) {
            d->host->error("docker: node %s: out of memory", name);
            return -ENOMEM;
        }
    }
    struct demux dm = {.max_out = max_out, .max_err = EXEC_ERR_KEEP};
    long long left = API_TIMEOUT_S * 1000LL;
    if (deadline && deadline - now_ms() < left) {
        left = deadline - now_ms();
    }
    int status = left <= 0 ? -ETIMEDOUT
                           : exec_create(d, socket, name, c->id,
                                         dropped ? dropped : argv, left,
                                         exec_id, sizeof exec_id);
    free(dropped); /* the Engine has it; argv[0] names it from here */
    if (status) {
        return status;
    }
    status = exec_start(d, socket, name, exec_id, argv[0], deadline, &dm);
    if (status < 0) {
        kill_exec(d, socket, name, exec_id, c, argv[0]);
        free(dm.out.data);
        free(dm.err.data);
        return status;
    }
    *out = dm.out;
    *err = dm.err;
    return status;
}

/* ------------------------------------------------------------------------ */
/* Nodes                                                                    */
/* ------------------------------------------------------------------------ */

static int
check_node_name(const struct docker *d, const char *name)
{
    if (!valid_name(name)) {
        d->host->error("docker: invalid node name '%s' (a container name is "
                       "1 to 128 characters of A-Z, a-z, 0-9, '_', '.' and "
                       "'-', starting with a letter or digit)",
                       name ? name : "(null)");
        return -EINVAL;
    }
    return 0;
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
    } else if (!(ifr.ifr_flags & IFF_UP)) {
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) {
            error = -errno;
        }
    }
    close(fd);
    return error;
}

struct lo_up {
    const char *netns;
    int error;
};

/* In a thread of its own: setns() changes the calling thread only. */
static void *
lo_up_thread(void *arg)
{
    struct lo_up *l = arg;
    int fd = open(l->netns, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        l->error = -errno;
    } else if (setns(fd, CLONE_NEWNET) < 0) {
        l->error = -errno;
    } else {
        l->error = set_loopback_up();
    }
    if (fd >= 0) {
        close(fd);
    }
    return NULL;
}

static int
loopback_up(const struct docker *d, const char *name, pid_t pid)
{
    char netns[64];
    struct lo_up l = {netns, 0};
    pthread_t thread;

    snprintf(netns, sizeof netns, "/proc/%d/ns/net", (int)pid);
    int error = pthread_create(&thread, NULL, lo_up_thread, &l);
    if (error) {
        d->host->error("docker: node %s: cannot start a thread: %s", name,
                       strerror(error));
        return -error;
    }
    pthread_join(thread, NULL);
    if (l.error) {
        d->host->error("docker: node %s: cannot bring up lo in %s: %s", name,
                       netns, strerror(-l.error));
    }
    return l.error;
}

/* Removes container `ref` (force: killing it first).  A container already
 * gone is not an error. */
static int
remove_container(const struct docker *d, const char *socket, const char *name,
                 const char *ref)
{
    char path[512];
    struct response resp;

    snprintf(path, sizeof path, "/containers/%s?force=true&v=true", ref);
    int error =
        api_request(d, socket, "DELETE", path, NULL, API_TIMEOUT_S, &resp);
    if (error) {
        return error;
    }
    long code = resp.code;
    if (code != 204 && code != 404) {
        char msg[512];
        d->host->error("docker: node %s: cannot remove container %s: %s", name,
                       docker_container_name(name),
                       api_message(&resp, msg, sizeof msg));
        error = -EIO;
    }
    response_free(&resp);
    return error;
}

/* A node's file next to its directory: PATH_FMT (VTYSH_CONF_PATH,
 * etc_files[]) of `dir`, holding `text`, root's, 0644.  nodes/ is
 * root's, but the file is opened as one a node could have touched anyway
 * (nodefile_open(): no symlink, no FIFO, one link): a bound file is the
 * container's to write. */
static int
node_file_write(const struct docker *d, const char *name, const char *dir,
                const char *path_fmt, const char *text)
{
    char path[PATH_MAX];

    if (snprintf(path, sizeof path, path_fmt, dir) >= (int)sizeof path) {
        d->host->error("docker: node %s: directory path too long", name);
        return -ENAMETOOLONG;
    }
    int fd = nodefile_open(path, O_WRONLY | O_CREAT | O_TRUNC);
    int error = fd < 0 ? fd : 0;
    if (!error && (fchown(fd, 0, 0) < 0 || fchmod(fd, 0644) < 0)) {
        error = -errno;
    }
    size_t len = strlen(text);
    ssize_t n = error ? 0 : write(fd, text, len);
    if (!error && n != (ssize_t)len) {
        error = n < 0 ? -errno : -EIO;
    }
    if (fd >= 0 && close(fd) < 0 && !error) {
        error = -errno;
    }
    if (error) {
        d->host->error("docker: node %s: cannot write %s: %s", name, path,
                       error == -EPERM ? "not a regular file of one link"
                                       : strerror(-error));
    }
    return error;
}

static int
docker_create_node(void *state, const struct mi_plan *plan, size_t index,
                   const char *dir)
{
    struct docker *d = state;
    const struct mi_node *node = mi_plan_node(plan, index);
    const char *cname = docker_container_name(node->name);
    char frr_dir[PATH_MAX];
    char path[512];
    char msg[512];
    struct response resp;
    struct record r;
    int error = check_node_name(d, node->name);

    if (error) {
        return error;
    }
    if (snprintf(frr_dir, sizeof frr_dir, "%s/frr", dir) >=
        (int)sizeof frr_dir) {
        d->host->error("docker: node %s: directory path too long", node->name);
        return -ENAMETOOLONG;
    }
    /* Written ahead: `down` finds the container through it, whatever
     * happens below. */
    memset(&r, 0, sizeof r);
    snprintf(r.socket, sizeof r.socket, "%s", d->socket);
    snprintf(r.network, sizeof r.network, "%s", plan->name);
    error = record_write(d, node->name, dir, &r);
    if (error) {
        return error;
    }
    if (runs_frr(node->kind) && mkdir(frr_dir, 0755) < 0 && errno != EEXIST) {
        error = -errno;
        d->host->error("docker: node %s: cannot create %s: %s", node->name,
                       frr_dir, strerror(errno));
        return error;
    }
    if (runs_frr(node->kind)) {
        error = node_file_write(d, node->name, dir, VTYSH_CONF_PATH, "");
    }
    for (size_t i = 0; !error && i < N_ETC_FILES; i++) {
        error = node_file_write(d, node->name, dir, etc_files[i].path_fmt,
                                etc_files[i].text);
    }
    if (error) {
        return error;
    }

    json_object *req = create_request(d, plan->name, node, dir, frr_dir);
    if (!req) {
        d->host->error("docker: node %s: out of memory making its request",
                       node->name);
        return -ENOMEM;
    }
    snprintf(path, sizeof path, "/containers/create?name=%s", cname);
    error = api_request(d, d->socket, "POST", path, req, API_TIMEOUT_S, &resp);
    json_object_put(req);
    if (error) {
        return error;
    }
    if (resp.code == 409) {
        d->host->error("docker: node %s: a container named %s exists already",
                       node->name, cname);
        response_free(&resp);
        return -EEXIST;
    }
    if (resp.code == 404) {
        const char *setting;
        const char *image = node_image(d, node->kind, &setting);
        d->host->error("docker: node %s: image %s (plugins.docker.%s) is not "
                       "on this machine: build it with images/build from "
                       "miniinet's source tree, or set %s to an image that "
                       "is (%s)",
                       node->name, image, setting, setting,
                       api_message(&resp, msg, sizeof msg));
        response_free(&resp);
        return -ENOENT;
    }
    if (resp.code != 201) {
        d->host->error("docker: node %s: cannot create container %s: %s",
                       node->name, cname, api_message(&resp, msg, sizeof msg));
        response_free(&resp);
        return -EIO;
    }
    json_object *obj = json_tokener_parse(resp.body.data);
    response_free(&resp);
    copy_string(obj, "Id", r.id, sizeof r.id);
    json_object_put(obj);
    if (!valid_name(r.id)) {
        d->host->error("docker: node %s: no container id in the Engine's "
                       "answer",
                       node->name);
        return -EIO;
    }
    error = record_write(d, node->name, dir, &r);
    if (error) {
        remove_container(d, d->socket, node->name, r.id);
        return error;
    }

    snprintf(path, sizeof path, "/containers/%s/start", r.id);
    error =
        api_request(d, d->socket, "POST", path, NULL, API_TIMEOUT_S, &resp);
    if (error) {
        return error;
    }
    if (resp.code != 204 && resp.code != 304) {
        d->host->error("docker: node %s: cannot start container %s: %s",
                       node->name, cname, api_message(&resp, msg, sizeof msg));
        response_free(&resp);
        return -EIO;
    }
    response_free(&resp);

    struct container c;
    int found = inspect(d, d->socket, r.id, &c);
    if (found <= 0) {
        return found ? found : -ENOENT;
    }
    if (!c.running || c.pid <= 0) {
        d->host->error("docker: node %s: container %s stopped at once (see "
                       "`docker logs %s`)",
                       node->name, cname, cname);
        return -EIO;
    }
    d->host->log(MI_LOG_DEBUG, "docker: node %s: container %.12s, pid %d",
                 node->name, r.id, (int)c.pid);
    return loopback_up(d, node->name, c.pid);
}

static int
docker_node_exists(void *state, const char *name)
{
    struct docker *d = state;
    struct container c;
    int error = check_node_name(d, name);

    if (error) {
        return error;
    }
    return inspect(d, d->socket, docker_container_name(name), &c);
}

static int
docker_netns_path(void *state, const char *name, char *buf, size_t len)
{
    struct docker *d = state;
    struct container c;
    int error = check_node_name(d, name);

    if (error) {
        return error;
    }
    int found = inspect(d, d->socket, docker_container_name(name), &c);
    if (found < 0) {
        return found;
    }
    if (!found || !c.running || c.pid <= 0) {
        return -ENOENT;
    }
    if (snprintf(buf, len, "/proc/%d/ns/net", (int)c.pid) >= (int)len) {
        return -ENAMETOOLONG;
    }
    return 0;
}

/* stop_node and destroy_node: the container the record names, if it is
 * still this node's.  1 with *c, 0 if there is none to touch. */
static int
own_container(const struct docker *d, const char *name, const char *dir,
              struct record *r, struct container *c)
{
    memset(c, 0, sizeof *c);
    int found = record_read(d, name, dir, r);

    if (found <= 0) {
        return found; /* no record: create_node made nothing */
    }
    const char *ref = r->id[0] ? r->id : docker_container_name(name);
    found = inspect(d, r->socket, ref, c);
    if (found <= 0) {
        return found;
    }
    /* The record's id is ours; a container found by name must also carry
     * this node's directory (another run directory may use the name). */
    if (strcmp(c->network, r->network) != 0 || strcmp(c->node, name) != 0 ||
        (!r->id[0] && strcmp(c->dir, dir) != 0)) {
        d->host->log(MI_LOG_WARN,
                     "docker: node %s: container %s is not this network's "
                     "(labels " LABEL_NETWORK "=%s, " LABEL_NODE "=%s): left "
                     "alone",
                     name, docker_container_name(name), c->network, c->node);
        return 0;
    }
    return 1;
}

static int
docker_stop_node(void *state, const char *name, const char *dir)
{
    struct docker *d = state;
    struct record r;
    struct container c;
    char path[512];
    struct response resp;
    int found = own_container(d, name, dir, &r, &c);

    if (found <= 0 || !c.running) {
        return found < 0 ? found : 0;
    }
    snprintf(path, sizeof path, "/containers/%s/kill?signal=KILL", c.id);
    int error =
        api_request(d, r.socket, "POST", path, NULL, API_TIMEOUT_S, &resp);
    if (error) {
        return error;
    }
    /* 409: it stopped meanwhile. */
    if (resp.code != 204 && resp.code != 404 && resp.code != 409) {
        char msg[512];
        d->host->error("docker: node %s: cannot kill container %s: %s", name,
                       docker_container_name(name),
                       api_message(&resp, msg, sizeof msg));
        error = -EIO;
    }
    response_free(&resp);
    return error;
}

static int
docker_destroy_node(void *state, const char *name, const char *dir)
{
    struct docker *d = state;
    struct record r;
    struct container c;
    int error = check_node_name(d, name);

    if (error) {
        return error;
    }
    int found = own_container(d, name, dir, &r, &c);
    if (found <= 0) {
        return found;
    }
    error = remove_container(d, r.socket, name, c.id);
    if (!error) {
        d->host->log(MI_LOG_DEBUG, "docker: node %s: container removed", name);
    }
    return error;
}

/* Since 4.9: the plan's containers of `server` that the network's last run
 * made (its labels network and node say so) and that a reboot left
 * stopped: Docker keeps them, and the record that named them is gone.
 * One that runs stays: it belongs to a network that runs. */
static int
docker_clear_leftovers(void *state, const struct mi_plan *plan,
                       unsigned server, size_t *n_removed)
{
    struct docker *d = state;
    int error = 0;

    for (size_t i = 0; i < plan->n_nodes && !error && plan->name; i++) {
        const struct mi_node *node = mi_plan_node(plan, i);
        const char *cname = docker_container_name(node->name);
        struct container c;
        if (node->server != server || check_node_name(d, node->name)) {
            continue;
        }
        int found = inspect(d, d->socket, cname, &c);
        if (found <= 0 || strcmp(c.network, plan->name) != 0 ||
            strcmp(c.node, node->name) != 0) {
            error = found < 0 ? found : 0; /* not ours: up refuses it */
        } else if (c.running) {
            d->host->log(MI_LOG_WARN,
                         "docker: container %s of network %s runs, though "
                         "no record of the network is here; left alone",
                         cname, plan->name);
        } else if (!(error =
                         remove_container(d, d->socket, node->name, c.id))) {
            d->host->log(MI_LOG_INFO,
                         "docker: removed container %s of network %s, "
                         "stopped, left by an earlier run",
                         cname, plan->name);
            ++*n_removed;
        }
    }
    return error;
}

/* ------------------------------------------------------------------------ */
/* run()                                                                    */
/* ------------------------------------------------------------------------ */

/* `miniinet exec NODE` runs a program of the container, which a student
 * who is root there may have replaced (/usr/local/bin/vtysh, /bin/sh, the
 * libraries): it must not run with the server's capabilities (review R33,
 * C3).  So the program gets, before it is executed, the capabilities of
 * the container's own init (its bounding set, which nothing in the
 * container can raise) less SYS_ADMIN and SETPCAP, as bounding, permitted,
 * effective and inheritable set, no ambient ones, no-new-privileges, and
 * the seccomp filter below (EXEC_NEVER is with exec_in()). */

/* The capabilities the program may keep: the "CapBnd:" line of `status`
 * (the text of /proc/PID/status of the container's init) less EXEC_NEVER.
 * -EINVAL when there is no such line. */
static int
exec_keep_caps(const char *status, uint64_t *keep)
{
    uint64_t bnd;
    int error = status_caps(status, "CapBnd", &bnd);

    if (!error) {
        *keep = bnd & ~(uint64_t)EXEC_NEVER;
    }
    return error;
}

#if defined(__x86_64__)
#define EXEC_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define EXEC_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

/* System calls the program gets EPERM for whatever its capabilities:
 * those that need none but reach past the container (the kernel keyring
 * of the server's root, user namespaces, BPF, perf, userfaultfd,
 * io_uring), and those of the routers' refused list that the capabilities
 * kept would not already stop. */
static const long exec_denied[] = {
    SYS_keyctl,
    SYS_add_key,
    SYS_request_key,
    SYS_bpf,
    SYS_perf_event_open,
    SYS_userfaultfd,
    SYS_io_uring_setup,
    SYS_io_uring_enter,
    SYS_io_uring_register,
    SYS_unshare,
    SYS_setns,
    SYS_mount,
    SYS_umount2,
    SYS_pivot_root,
    SYS_open_tree,
    SYS_move_mount,
    SYS_fsopen,
    SYS_fsconfig,
    SYS_fsmount,
    SYS_fspick,
    SYS_mount_setattr,
    SYS_ptrace,
    SYS_process_vm_readv,
    SYS_process_vm_writev,
    SYS_name_to_handle_at,
    SYS_open_by_handle_at,
    SYS_kexec_load,
    SYS_init_module,
    SYS_finit_module,
    SYS_delete_module,
    SYS_fanotify_init,
    SYS_syslog,
    SYS_acct,
    SYS_swapon,
    SYS_swapoff,
    SYS_reboot,
    467 /* open_tree_attr, Linux 6.15, the same on every arch */,
};

/* Makes the filter: another arch (and x32's numbers) refused; each of
 * exec_denied EPERM; clone3 ENOSYS (the C library falls back to clone);
 * clone with a namespace flag EPERM; ioctl TIOCSTI and TIOCLINUX EPERM
 * (the TA's terminal: typing into it once the program is gone). */
static size_t
exec_filter(struct sock_filter *f, size_t max)
{
    size_t n = 0;

    if (max < 2 * (sizeof exec_denied / sizeof *exec_denied) + 32) {
        return 0;
    }
#ifdef EXEC_AUDIT_ARCH
    const unsigned eperm = SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                          offsetof(struct seccomp_data, arch));
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                          EXEC_AUDIT_ARCH, 1, 0);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, eperm);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                          offsetof(struct seccomp_data, nr));
#ifdef __x86_64__
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
                                          0x40000000U, 0, 1);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, eperm);
#endif
    for (size_t i = 0; i < sizeof exec_denied / sizeof *exec_denied; i++) {
        f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                              (unsigned)exec_denied[i], 0, 1);
        f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, eperm);
    }
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                          SYS_clone3, 0, 1);
    f[n++] = (struct sock_filter)BPF_STMT(
        BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone,
                                          0, 4);
    f[n++] = (struct sock_filter)BPF_STMT(
        BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
                                          (unsigned)CLONE_NS_MASK, 0, 1);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, eperm);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl,
                                          0, 5);
    f[n++] = (struct sock_filter)BPF_STMT(
        BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1]));
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                          (unsigned)TIOCSTI, 1, 0);
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                          (unsigned)TIOCLINUX, 0, 1);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, eperm);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
#endif
    return n;
}

/* Confines the calling process as said above; async-signal-safe (it runs
 * between fork() and exec()).  -1 when any step fails: the caller then
 * executes nothing. */
static int
exec_confine(uint64_t keep)
{
    struct sock_filter f[128];
    size_t n = exec_filter(f, sizeof f / sizeof *f);
    struct sock_fprog prog = {.len = (unsigned short)n, .filter = f};
    struct __user_cap_header_struct h = {
        .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct c[2];

    if (n == 0) {
        return -1; /* an arch without a filter: nothing runs */
    }
    for (int cap = 0; cap < 64; cap++) {
        int has = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
        if (has < 0) {
            break; /* past the kernel's last capability */
        }
        if (has == 1 && !((keep >> cap) & 1) &&
            prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
            return -1;
        }
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
        errno != EINVAL) {
        return -1;
    }
    for (int i = 0; i < 2; i++) {
        uint32_t half = (uint32_t)(keep >> (32 * i));
        c[i].effective = c[i].permitted = c[i].inheritable = half;
    }
    if (syscall(SYS_capset, &h, c) < 0 ||
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0) {
        return -1;
    }
    return 0;
}

/* The environment of the program `miniinet exec` runs in a container:
 * fresh, nothing of the TA's (review R34, N6): the container's PATH,
 * HOME=/root, LANG=C.UTF-8, and the TA's TERM when it is set and a plain
 * terminal name (letters, digits, ".", "_", "+", "-"; at most
 * EXEC_TERM_MAX).  `env` gets up to EXEC_ENV_MAX pointers, NULL last,
 * into literals and `term_buf`. */
#define EXEC_ENV_MAX 5
#define EXEC_TERM_MAX 64
static void
exec_env(char term_buf[sizeof "TERM=" + EXEC_TERM_MAX], const char *term,
         const char *env[EXEC_ENV_MAX])
{
    size_t n = 0;

    env[n++] = "PATH=" DEFAULT_PATH;
    size_t len = term ? strlen(term) : 0;
    bool plain = len > 0 && len <= EXEC_TERM_MAX;
    for (size_t i = 0; plain && i < len; i++) {
        char c = term[i];
        plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '+' ||
                c == '-';
    }
    if (plain) {
        snprintf(term_buf, sizeof "TERM=" + EXEC_TERM_MAX, "TERM=%s", term);
        env[n++] = term_buf;
    }
    env[n++] = "HOME=/root";
    env[n++] = "LANG=C.UTF-8";
    env[n] = NULL;
}

/* The container's cgroups, joined by `miniinet exec`'s program (review
 * R34, N4): the group of every hierarchy its init's /proc/PID/cgroup names
 * that is mounted on the server below /sys/fs/cgroup (v2: the one
 * "0::PATH" line; v1: one line per hierarchy, cpu, memory and pids among
 * them, and devices, freezer, the rest), so that its PidsLimit, memory and
 * CPU limits and device rules bound the program and what it forks. */
#define EXEC_CG_ROOT "/sys/fs/cgroup"
/* At most this many hierarchies, each's controller list ("cpu,cpuacct")
 * shorter than EXEC_CG_CTRL. */
#define EXEC_CG_MAX 16
#define EXEC_CG_CTRL 64

/* The lines of /proc/PID/cgroup: `ctrl` "" for v2's. */
struct exec_cg {
    size_t n;
    struct {
        char ctrl[EXEC_CG_CTRL];
        char path[PATH_MAX];
    } h[EXEC_CG_MAX];
};

/* Whether `path` (`len` bytes, not terminated) is a group's path that
 * stays below its hierarchy's root: absolute, shorter than PATH_MAX, no
 * empty, "." or ".." component, no control character. */
static bool
exec_cg_path_ok(const char *path, size_t len)
{
    if (len == 0 || len >= PATH_MAX || path[0] != '/') {
        return false;
    }
    if (len == 1) {
        return true; /* the root group */
    }
    for (size_t i = 1, start = 1; i <= len; i++) {
        if (i < len && path[i] != '/') {
            if ((unsigned char)path[i] < 0x20 || path[i] == 0x7f) {
                return false;
            }
            continue;
        }
        size_t n = i - start;
        if (n == 0 || (n == 1 && path[start] == '.') ||
            (n == 2 && path[start] == '.' && path[start + 1] == '.')) {
            return false;
        }
        start = i + 1;
    }
    return true;
}

/* Parses the text of /proc/PID/cgroup: "ID:CONTROLLERS:PATH" per line
 * (v1: the controllers of one hierarchy, comma-separated, or
 * "name=NAME"; v2: "0::PATH").  0, or -EINVAL for a line not of that
 * form, a path exec_cg_path_ok() refuses, a hierarchy named twice, or more
 * than EXEC_CG_MAX. */
static int
exec_cg_parse(const char *text, struct exec_cg *cg)
{
    cg->n = 0;
    for (const char *line = text; *line;) {
        const char *eol = strchr(line, '\n');
        const char *end = eol ? eol : line + strlen(line);
        const char *c1 = memchr(line, ':', (size_t)(end - line));
        const char *c2 =
            c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
        if (!c1 || !c2 || c1 == line || cg->n == EXEC_CG_MAX) {
            return -EINVAL;
        }
        size_t clen = (size_t)(c2 - c1 - 1);
        const char *path = c2 + 1;
        size_t plen = (size_t)(end - path);
        bool v2 = c1 - line == 1 && line[0] == '0' && clen == 0;
        if ((!v2 && clen == 0) || clen >= EXEC_CG_CTRL ||
            memchr(c1 + 1, ' ', clen) || !exec_cg_path_ok(path, plen)) {
            return -EINVAL;
        }
        for (size_t i = 0; i < cg->n; i++) {
            if (strlen(cg->h[i].ctrl) == clen &&
                strncmp(cg->h[i].ctrl, c1 + 1, clen) == 0) {
                return -EINVAL;
            }
        }
        memcpy(cg->h[cg->n].ctrl, c1 + 1, clen);
        cg->h[cg->n].ctrl[clen] = '\0';
        memcpy(cg->h[cg->n].path, path, plen);
        cg->h[cg->n].path[plen] = '\0';
        cg->n++;
        line = eol ? eol + 1 : end;
    }
    return 0;
}

/* Whether the comma-separated `list` has the item `item` (`n` bytes). */
static bool
exec_cg_has(const char *list, const char *item, size_t n)
{
    for (const char *p = list; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && strncmp(p, item, n) == 0) {
            return true;
        }
        p = comma ? comma + 1 : p + len;
    }
    return false;
}

/* Whether hierarchy `ctrl` (a controller list of /proc/PID/cgroup) is one
 * whose group must be joined whatever the server mounts: cpu, memory or
 * pids among its controllers. */
static bool
exec_cg_required(const char *ctrl)
{
    return exec_cg_has(ctrl, "cpu", 3) || exec_cg_has(ctrl, "memory", 6) ||
           exec_cg_has(ctrl, "pids", 4);
}

/* Finds in the text of /proc/self/mountinfo where hierarchy `ctrl` ("" for
 * v2) is mounted whole (root "/") at or below /sys/fs/cgroup: a "cgroup2"
 * mount, or a "cgroup" one whose super options name each controller of
 * `ctrl`.  The mount point into `mnt`; 0 or -ENOENT. */
static int
exec_cg_mount(const char *mountinfo, const char *ctrl, char *mnt, size_t len)
{
    for (const char *line = mountinfo; *line;) {
        const char *eol = strchr(line, '\n');
        size_t n = eol ? (size_t)(eol - line) : strlen(line);
        char buf[1024], *save = NULL, *f[5] = {NULL};
        if (n < sizeof buf) {
            memcpy(buf, line, n);
            buf[n] = '\0';
            char *sep = strstr(buf, " - ");
            int k = 0;
            if (sep) {
                *sep = '\0';
                for (char *w = strtok_r(buf, " ", &save); w && k < 5;
                     w = strtok_r(NULL, " ", &save)) {
                    f[k++] = w; /* id parent dev root mountpoint */
                }
                save = NULL;
                char *type = strtok_r(sep + 3, " ", &save);
                strtok_r(NULL, " ", &save); /* source */
                char *opts = strtok_r(NULL, " ", &save);
                size_t rl = strlen(EXEC_CG_ROOT);
                bool ok = k == 5 && type && opts && strcmp(f[3], "/") == 0 &&
                          !strchr(f[4], '\\') &&
                          strncmp(f[4], EXEC_CG_ROOT, rl) == 0 &&
                          (f[4][rl] == '\0' || f[4][rl] == '/') &&
                          strlen(f[4]) < len;
                if (ok && !*ctrl) {
                    ok = strcmp(type, "cgroup2") == 0;
                } else if (ok) {
                    ok = strcmp(type, "cgroup") == 0;
                    for (const char *p = ctrl; ok && *p;) {
                        const char *comma = strchr(p, ',');
                        size_t il = comma ? (size_t)(comma - p) : strlen(p);
                        ok = exec_cg_has(opts, p, il);
                        p = comma ? comma + 1 : p + il;
                    }
                }
                if (ok) {
                    snprintf(mnt, len, "%s", f[4]);
                    return 0;
                }
            }
        }
        line = eol ? eol + 1 : line + n;
    }
    return -ENOENT;
}

/* Whether the group open at `dfd` is frozen (v1's freezer.state not
 * THAWED, v2's cgroup.freeze not 0): the container is paused, and a
 * process joining it would stop there, beyond SIGKILL's reach. */
static bool
exec_cg_frozen(int dfd)
{
    const char *thawed = "THAWED\n";
    int fd = openat(dfd, "freezer.state", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    char buf[32];

    if (fd < 0) {
        thawed = "0\n";
        fd = openat(dfd, "cgroup.freeze", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) {
        return false; /* another hierarchy, or v2's root */
    }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return strcmp(buf, thawed) != 0;
}

/* Opens, for writing, cgroup.procs of group `path` in the hierarchy
 * mounted at `root` (checked to be a cgroup file system), one component at
 * a time without following a link.  The descriptor, -EBUSY when the group
 * is frozen, or -errno. */
static int
exec_cg_open_procs(const char *root, const char *path)
{
    struct statfs sfs;
    int dfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    if (dfd < 0) {
        return -errno;
    }
    if (fstatfs(dfd, &sfs) < 0 || (sfs.f_type != CGROUP_SUPER_MAGIC &&
                                   sfs.f_type != CGROUP2_SUPER_MAGIC)) {
        close(dfd);
        return -ENOTDIR;
    }
    char copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", path);
    char *save = NULL;
    for (char *comp = strtok_r(copy, "/", &save); comp;
         comp = strtok_r(NULL, "/", &save)) {
        int next =
            openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int saved = errno;
        close(dfd);
        if (next < 0) {
            return -saved;
        }
        dfd = next;
    }
    if (exec_cg_frozen(dfd)) {
        close(dfd);
        return -EBUSY;
    }
    int fd = openat(dfd, "cgroup.procs", O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    int saved = errno;
    close(dfd);
    return fd < 0 ? -saved : fd;
}

/* Reads a /proc file whole (at most 1 MiB) into a malloc()ed string; NULL
 * when it cannot. */
static char *
exec_read_proc(const char *file)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    size_t len = 0, cap = 1 << 20;
    char *text = fd < 0 ? NULL : malloc(cap);

    while (text) {
        ssize_t n = read(fd, text + len, cap - 1 - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 || (n > 0 && len + (size_t)n == cap - 1)) {
            free(text); /* failed, or too long to be whole */
            text = NULL;
            break;
        }
        if (n == 0) {
            text[len] = '\0';
            break;
        }
        len += (size_t)n;
    }
    if (fd >= 0) {
        close(fd);
    }
    return text;
}

/* Opens the cgroup.procs files the program of an exec into the container
 * whose init is `cpid` joins (fds[EXEC_CG_MAX], -1 past them): one per
 * hierarchy of the init's /proc/PID/cgroup mounted here.  Fails closed: a
 * cpu, memory or pids hierarchy (or v2's, alone) not mounted here, a group
 * that cannot be opened, or none at all: -errno, reported (nothing is to
 * run then); else 0. */
static int
exec_cg_open(const struct docker *d, const char *name, pid_t cpid,
             int fds[EXEC_CG_MAX])
{
    char file[64];
    struct exec_cg *cg = calloc(1, sizeof *cg);
    int error = 0, joined = 0;

    for (int c = 0; c < EXEC_CG_MAX; c++) {
        fds[c] = -1;
    }
    snprintf(file, sizeof file, "/proc/%d/cgroup", (int)cpid);
    char *text = exec_read_proc(file);
    char *mounts = exec_read_proc("/proc/self/mountinfo");
    if (!cg || !text || !mounts || exec_cg_parse(text, cg) < 0) {
        d->host->error("docker: node %s: cannot read its container's "
                       "cgroups from %s (or the mounts from "
                       "/proc/self/mountinfo)",
                       name, file);
        error = -EIO;
    }
    for (size_t i = 0; !error && i < cg->n; i++) {
        char root[PATH_MAX];
        const char *ctrl = cg->h[i].ctrl;
        if (exec_cg_mount(mounts, ctrl, root, sizeof root) < 0) {
            if (exec_cg_required(ctrl) || (!*ctrl && cg->n == 1)) {
                d->host->error("docker: node %s: the %s cgroup hierarchy "
                               "of its container (%s) is not mounted below "
                               "%s here",
                               name, *ctrl ? ctrl : "v2", file, EXEC_CG_ROOT);
                error = -ENOENT;
            }
            continue; /* not here: nothing the Engine set through it */
        }
        fds[joined] = exec_cg_open_procs(root, cg->h[i].path);
        if (fds[joined] < 0) {
            error = fds[joined];
            fds[joined] = -1;
            if (error == -EBUSY) {
                d->host->error("docker: node %s: %s%s is frozen: its "
                               "container is paused (docker unpause)",
                               name, root, cg->h[i].path);
            } else {
                d->host->error("docker: node %s: cannot open "
                               "%s%s/cgroup.procs: %s",
                               name, root, cg->h[i].path, strerror(-error));
            }
            break;
        }
        joined++;
    }
    if (!error && joined == 0) {
        d->host->error("docker: node %s: no cgroup hierarchy of its "
                       "container (%s) is mounted below %s here",
                       name, file, EXEC_CG_ROOT);
        error = -ENOENT;
    }
    if (error) {
        for (int c = 0; c < EXEC_CG_MAX; c++) {
            if (fds[c] >= 0) {
                close(fds[c]);
            }
            fds[c] = -1;
        }
    }
    free(mounts);
    free(text);
    free(cg);
    return error;
}

/* What the processes of one `miniinet exec` need (made before the fork). */
struct exec_job {
    const int *ns_fd;
    const int *ns_type;
    size_t n_ns;
    int cg_fd[EXEC_CG_MAX]; /* the container's cgroup.procs files, -1: none */
    uint64_t keep;          /* exec_confine()'s capabilities */
    const char *const *argv;
    int io[3];      /* the program's stdin, stdout, stderr: the pty's
                     * slave three times, or pipe ends */
    bool tty;       /* io[0] is a pty's slave: its controlling tty */
    int ours[4];    /* miniinet's ends of the pty/pipes (-1: none) */
    pid_t miniinet; /* getpid() of the caller */
};

/* The program (pid 2 of the exec's PID namespace): the dispositions and
 * mask miniinet had are not its, nor any descriptor past 2; confined,
 * then executed. */
static void __attribute__((noreturn)) exec_program(const struct exec_job *j)
{
    sigset_t none;

    for (int sig = 1; sig < NSIG; sig++) {
        signal(sig, SIG_DFL); /* SIGKILL, SIGSTOP and the C library's
                               * own refuse: nothing to reset there */
    }
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (close_range(3, ~0U, 0) < 0 || exec_confine(j->keep) < 0) {
        _exit(126);
    }
    execvp(j->argv[0], (char *const *)j->argv);
    _exit(127);
}

/* The init of the exec's own PID namespace (nested in the container's),
 * miniinet's code, with the program's descriptors as 0-2: killed with
 * SIGKILL when its parent, the host side of the exec, ends
 * (PR_SET_PDEATHSIG); a session of its own whose controlling terminal is
 * the pty; forks the program, reaps what is
 * orphaned below it until the program ends, sends the program's wait
 * status on `report` and exits -- and with it the kernel kills whatever
 * the program left in the namespace, setsid() or not. */
static void __attribute__((noreturn))
exec_init(const struct exec_job *j, int report)
{
    struct pollfd parent = {.fd = report, .events = POLLOUT};

    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
        poll(&parent, 1, 0) < 0 || (parent.revents & (POLLERR | POLLHUP))) {
        _exit(126); /* its parent already gone: no reader of `report` */
    }
    if (setsid() < 0 || (j->tty && ioctl(0, TIOCSCTTY, 0) < 0)) {
        _exit(126);
    }
    pid_t prog = fork();
    if (prog < 0) {
        _exit(126);
    }
    if (prog == 0) {
        exec_program(j);
    }
    /* Only the program's tree holds the pty/pipes now. */
    for (int i = 0; i < 3; i++) {
        close(i);
    }
    int status;
    for (;;) {
        pid_t w = waitpid(-1, &status, 0);
        if (w == prog) {
            break;
        }
        if (w < 0 && errno != EINTR) {
            _exit(126);
        }
    }
    if (write(report, &status, sizeof status) != (ssize_t)sizeof status) {
        _exit(126);
    }
    _exit(0);
}

/* The host side of the exec (a child of miniinet; no container process can
 * see or signal it): joins the container's cgroups (under the server's
 * /sys/fs/cgroup, before the mount namespace changes), enters its
 * namespaces (user namespaces aside) as nsenter does -- the mount
 * namespace last, which also moves it to the container's root -- and
 * starts exec_init() in a PID namespace of its own nested in the
 * container's: a short-lived helper makes that namespace and clones the
 * init as this process's child (CLONE_PARENT), so that it is waited for
 * here and dies with this process.  Exits as the program did (re-raising
 * its signal), or 126 when any step failed.  Only async-signal-safe calls
 * after fork(). */
static void __attribute__((noreturn)) enter_and_exec(const struct exec_job *j)
{
    static const int reset[] = {SIGINT,  SIGQUIT, SIGTERM, SIGHUP,   SIGTSTP,
                                SIGTTIN, SIGTTOU, SIGCHLD, SIGWINCH, SIGPIPE};
    int report[2];

    /* A copy of miniinet's memory until the program's execve: never
     * dumped (into the container's /, a core_pattern file relative to
     * it), never open to the container's root through /proc or ptrace,
     * nor is what it forks (review R37, M1, L2). */
    const struct rlimit no_core = {0, 0};
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ||
        setrlimit(RLIMIT_CORE, &no_core) < 0) {
        _exit(126);
    }
    for (size_t i = 0; i < sizeof reset / sizeof *reset; i++) {
        signal(reset[i], SIG_DFL);
    }
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
        getppid() != j->miniinet) {
        _exit(126);
    }
    /* Nothing of the TA's past this point: the program's 0-2 only. */
    for (size_t i = 0; i < 4; i++) {
        if (j->ours[i] >= 0) {
            close(j->ours[i]);
        }
    }
    for (int i = 0; i < 3; i++) {
        if (dup2(j->io[i], i) < 0) {
            _exit(126);
        }
    }
    for (int i = 0; i < 3; i++) {
        if (j->io[i] > 2) {
            close(j->io[i]); /* the same slave thrice: once is enough */
        }
    }
    for (int c = 0; c < EXEC_CG_MAX; c++) {
        if (j->cg_fd[c] >= 0 && write(j->cg_fd[c], "0", 1) != 1) {
            _exit(126);
        }
    }
    for (int c = 0; c < EXEC_CG_MAX; c++) {
        if (j->cg_fd[c] >= 0) {
            close(j->cg_fd[c]);
        }
    }
    for (size_t i = 0; i < j->n_ns; i++) {
        if (setns(j->ns_fd[i], j->ns_type[i]) < 0) {
            _exit(126);
        }
    }
    if (chdir("/") < 0 || pipe2(report, O_CLOEXEC) < 0) {
        _exit(126);
    }
    pid_t helper = fork();
    if (helper < 0) {
        _exit(126);
    }
    if (helper == 0) {
        close(report[0]);
        if (unshare(CLONE_NEWPID) < 0) {
            _exit(126);
        }
        long init = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
        if (init == 0) {
            exec_init(j, report[1]);
        }
        _exit(init < 0 ? 126 : 0);
    }
    close(report[1]);
    for (int i = 0; i < 3; i++) {
        close(i);
    }
    /* Its children: the helper, then the init (any other pid). */
    int status = 0;
    bool init_ended = false;
    for (;;) {
        int s;
        pid_t w = waitpid(-1, &s, 0);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0) {
            break; /* no init (the helper failed), or no child left */
        }
        if (w != helper) {
            init_ended = true;
            status = s;
            break;
        }
    }
    int prog;
    if (!init_ended ||
        read(report[0], &prog, sizeof prog) != (ssize_t)sizeof prog) {
        if (init_ended && WIFSIGNALED(status)) {
            signal(WTERMSIG(status), SIG_DFL);
            kill(getpid(), WTERMSIG(status));
        }
        _exit(126);
    }
    if (WIFSIGNALED(prog)) {
        signal(WTERMSIG(prog), SIG_DFL);
        kill(getpid(), WTERMSIG(prog));
        _exit(128 + WTERMSIG(prog));
    }
    _exit(WEXITSTATUS(prog));
}

/* One direction of the byte proxy between the TA's descriptors and the
 * program's (review R34, N3): `from` is read when `buf` is empty, `to`
 * written until it is.  Done once `from` gave end of file (or EIO, a
 * pty's master whose slaves are all closed) and `buf` is written out, or
 * once `to` refuses (EPIPE: the reader is gone). */
#define EXEC_CHAN_BUF 4096
struct exec_chan {
    int from, to;
    bool close_to; /* close `to` when done: the program's stdin pipe */
    bool eof;      /* `from` ended; `to` -1 when it refused */
    size_t len, off;
    char buf[EXEC_CHAN_BUF];
};

static bool
exec_chan_done(const struct exec_chan *c)
{
    return c->to < 0 || (c->eof && c->len == c->off);
}

/* The poll events the channel waits for on `from` and on `to` (0: none). */
static void
exec_chan_events(const struct exec_chan *c, short *from, short *to)
{
    *from = !exec_chan_done(c) && !c->eof && c->len == c->off ? POLLIN : 0;
    *to = !exec_chan_done(c) && c->len > c->off ? POLLOUT : 0;
}

/* One read (when `from_ready`) and one write (when `to_ready`), neither
 * blocking more than poll() said; closes `to` when done and it is
 * `close_to`. */
static void
exec_chan_step(struct exec_chan *c, bool from_ready, bool to_ready)
{
    if (from_ready && !c->eof && c->len == c->off && c->to >= 0) {
        ssize_t n = read(c->from, c->buf, sizeof c->buf);
        if (n > 0) {
            c->len = (size_t)n;
            c->off = 0;
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            c->eof = true; /* end of file, EIO (a hung-up pty), EBADF */
        }
    }
    if (to_ready && c->len > c->off && c->to >= 0) {
        ssize_t n = write(c->to, c->buf + c->off, c->len - c->off);
        if (n > 0) {
            c->off += (size_t)n;
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            if (c->close_to) {
                close(c->to);
            }
            c->to = -1; /* EPIPE, EIO: nobody reads any more */
            c->eof = true;
        }
        if (c->off == c->len) {
            c->len = c->off = 0;
        }
    }
    if (c->close_to && c->to >= 0 && exec_chan_done(c)) {
        close(c->to);
        c->to = -1;
    }
}

/* Signals that end or steer the proxy, recorded by exec_on_signal() and
 * acted on in its loop (between ppoll()s, the only time they are not
 * blocked). */
static volatile sig_atomic_t exec_winch, exec_stop;

static void
exec_on_signal(int sig)
{
    if (sig == SIGWINCH) {
        exec_winch = 1;
    } else if (sig != SIGCHLD) {
        exec_stop = sig;
    }
}

/* After the program's tree ended, what is still queued in the pty or the
 * pipes is copied for at most this long (a descriptor the program handed
 * to a process outside its tree keeps them open); once every output is
 * closed while the tree still runs (the program closed its terminal), it
 * has this long to end before it is killed. */
#define EXEC_DRAIN_MS 1000
#define EXEC_HANGUP_MS 1000

/* Copies bytes between the TA's descriptors and the program's until the
 * exec (`pid`, the host side: enter_and_exec()) ends, and after that as
 * EXEC_DRAIN_MS says; kills it when every output is closed
 * (EXEC_HANGUP_MS) or when miniinet is told to stop (SIGINT, SIGQUIT,
 * SIGTERM, SIGHUP: the signal's number is returned); forwards the TA's
 * window size to `master` (-1 without a pty) on SIGWINCH.  Returns 0 with
 * the exec's wait status, or the signal. */
static int
exec_proxy(pid_t pid, struct exec_chan *ch, size_t nch, int master,
           int *status)
{
    static const int sigs[] = {SIGCHLD, SIGWINCH, SIGINT,
                               SIGQUIT, SIGTERM,  SIGHUP};
    enum { NSIGS = sizeof sigs / sizeof *sigs };
    struct sigaction on, old[NSIGS], ign, old_pipe;
    sigset_t block, old_mask, wait_mask;
    bool ended = false;
    long long deadline = 0, hangup = 0;
    int stop = 0;

    memset(&on, 0, sizeof on);
    on.sa_handler = exec_on_signal;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&block);
    for (size_t i = 0; i < NSIGS; i++) {
        sigaddset(&block, sigs[i]);
    }
    pthread_sigmask(SIG_BLOCK, &block, &old_mask);
    wait_mask = old_mask;
    for (size_t i = 0; i < NSIGS; i++) {
        sigdelset(&wait_mask, sigs[i]);
        sigaction(sigs[i], &on, &old[i]);
    }
    sigaction(SIGPIPE, &ign, &old_pipe);
    exec_winch = 0;
    exec_stop = 0;
    for (;;) {
        if (exec_stop) {
            stop = exec_stop;
            break;
        }
        if (exec_winch) {
            struct winsize ws;
            exec_winch = 0;
            if (master >= 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
                ioctl(master, TIOCSWINSZ, &ws);
            }
        }
        long long now = now_ms();
        if (!ended && waitpid(pid, status, WNOHANG) == pid) {
            ended = true;
            deadline = now + EXEC_DRAIN_MS;
        }
        bool outputs = false; /* any output still open */
        for (size_t i = 0; i < nch; i++) {
            outputs = outputs ||
                      (ch[i].from != STDIN_FILENO && !exec_chan_done(&ch[i]));
        }
        if (ended && (!outputs || now >= deadline)) {
            break;
        }
        if (!ended && !outputs) {
            if (!hangup) {
                hangup = now + EXEC_HANGUP_MS;
            } else if (now >= hangup) {
                kill(pid, SIGKILL); /* ours, not yet waited for */
            }
        }
        struct pollfd pfd[8];
        size_t n = 0;
        for (size_t i = 0; i < nch && n + 2 <= 8; i++) {
            short from, to;
            exec_chan_events(&ch[i], &from, &to);
            if (ended && ch[i].from == STDIN_FILENO) {
                from = 0; /* what the TA types now is not the program's */
            }
            pfd[n++] =
                (struct pollfd){.fd = from ? ch[i].from : -1, .events = from};
            pfd[n++] = (struct pollfd){.fd = to ? ch[i].to : -1, .events = to};
        }
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 100 * 1000000L};
        if (ppoll(pfd, n, &ts, &wait_mask) < 0 && errno != EINTR) {
            break;
        }
        for (size_t i = 0; i < nch; i++) {
            exec_chan_step(&ch[i], pfd[2 * i].revents != 0,
                           pfd[2 * i + 1].revents != 0);
        }
    }
    if (!ended) {
        kill(pid, SIGKILL);
        while (waitpid(pid, status, 0) < 0 && errno == EINTR) {
            continue;
        }
    }
    sigaction(SIGPIPE, &old_pipe, NULL);
    for (size_t i = 0; i < NSIGS; i++) {
        sigaction(sigs[i], &old[i], NULL);
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    return stop;
}

/* A descriptor moved to 3 or above (the program's 0-2 are made from it),
 * close-on-exec; -1 (closed) on failure. */
static int
exec_fd_high(int fd)
{
    if (fd < 0 || fd > 2) {
        return fd;
    }
    int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    return high;
}

/* The program's terminal (review R34, N3): when the TA's stdin and stdout
 * are terminals, a pty of the server's (the container sees no path to it)
 * with the TA's settings and window size; its master in `*master`, its
 * slave in io[0..2].  Otherwise three pipes: the program gets none of the
 * TA's descriptors either way.  ours[] are miniinet's ends (master, or
 * stdin's writer, stdout's and stderr's readers), non-blocking.  0 or
 * -errno. */
static int
exec_io_open(bool tty, int io[3], int ours[4], int *master)
{
    for (int i = 0; i < 4; i++) {
        ours[i] = -1;
        if (i < 3) {
            io[i] = -1;
        }
    }
    *master = -1;
    if (tty) {
        struct termios t;
        struct winsize ws;
        int m = exec_fd_high(posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
        if (m < 0) {
            return -errno;
        }
        ours[0] = m;
        int s = unlockpt(m) < 0
                    ? -1
                    : exec_fd_high(ioctl(m, TIOCGPTPEER,
                                         O_RDWR | O_NOCTTY | O_CLOEXEC));
        if (s < 0) {
            int error = -errno;
            close(m);
            ours[0] = -1;
            return error;
        }
        io[0] = io[1] = io[2] = s;
        if (tcgetattr(STDIN_FILENO, &t) == 0) {
            tcsetattr(s, TCSANOW, &t);
        }
        if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
            ioctl(m, TIOCSWINSZ, &ws);
        }
        *master = m;
    } else {
        for (int i = 0; i < 3; i++) {
            int p[2];
            if (pipe2(p, O_CLOEXEC) < 0) {
                return -errno; /* the caller closes what was made */
            }
            p[0] = exec_fd_high(p[0]);
            p[1] = exec_fd_high(p[1]);
            io[i] = i == 0 ? p[0] : p[1];
            ours[1 + i] = i == 0 ? p[1] : p[0];
            if (p[0] < 0 || p[1] < 0) {
                return -EMFILE;
            }
        }
    }
    for (int i = 0; i < 4; i++) {
        if (ours[i] >= 0) {
            fcntl(ours[i], F_SETFL, fcntl(ours[i], F_GETFL) | O_NONBLOCK);
        }
    }
    return 0;
}

static void
exec_io_close(int io[3], int ours[4])
{
    int first = io[0];

    for (int i = 0; i < 4; i++) {
        if (i < 3 && io[i] >= 0 && (i == 0 || io[i] != first)) {
            close(io[i]);
        }
        if (i < 3) {
            io[i] = -1;
        }
        if (ours[i] >= 0) {
            close(ours[i]);
        }
        ours[i] = -1;
    }
}

static int
run_interactive(const struct docker *d, const char *name, pid_t cpid,
                const char *const *argv)
{
    static const struct {
        const char *ns;
        int type;
    } order[] = {{"ipc", CLONE_NEWIPC},
                 {"uts", CLONE_NEWUTS},
                 {"net", CLONE_NEWNET},
                 {"pid", CLONE_NEWPID},
                 {"mnt", CLONE_NEWNS}};
    int fds[5];
    int types[5];
    size_t n = 0;
    int error = 0;
    struct exec_job job = {
        .ns_fd = fds, .ns_type = types, .argv = argv, .miniinet = getpid()};
    int master = -1;

    for (int c = 0; c < EXEC_CG_MAX; c++) {
        job.cg_fd[c] = -1;
    }
    for (size_t i = 0; i < 5; i++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)cpid, order[i].ns);
        fds[n] = open(path, O_RDONLY | O_CLOEXEC);
        if (fds[n] < 0) {
            error = -errno;
            d->host->error("docker: node %s: cannot open %s: %s", name, path,
                           strerror(errno));
            break;
        }
        types[n++] = order[i].type;
    }
    job.n_ns = n;
    if (!error) {
        char status[8192];
        if (read_status(cpid, status, sizeof status) < 0 ||
            exec_keep_caps(status, &job.keep) < 0) {
            error = -EIO;
            d->host->error("docker: node %s: cannot read the capabilities of "
                           "its container's init from /proc/%d/status",
                           name, (int)cpid);
        }
    }
    if (!error) {
        error = exec_cg_open(d, name, cpid, job.cg_fd);
    }
    struct termios saved;
    bool tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) &&
               tcgetattr(STDIN_FILENO, &saved) == 0;
    job.tty = tty;
    if (!error) {
        error = exec_io_open(tty, job.io, job.ours, &master);
        if (error) {
            d->host->error("docker: node %s: cannot make the program's %s: %s",
                           name, tty ? "terminal" : "pipes", strerror(-error));
        }
    }
    pid_t pid = -1;
    char term[sizeof "TERM=" + EXEC_TERM_MAX];
    const char *env[EXEC_ENV_MAX];
    exec_env(term, getenv("TERM"), env);
    if (!error) {
        pid = fork();
        if (pid == 0) {
            /* The program's environment, and the PATH execvp() searches
             * (in the container's root), are env alone. */
            environ = (char **)env;
            enter_and_exec(&job);
        }
        if (pid < 0) {
            error = -errno;
            d->host->error("docker: node %s: fork: %s", name, strerror(errno));
        }
    }
    for (size_t i = 0; i < n; i++) {
        close(fds[i]);
    }
    for (int c = 0; c < EXEC_CG_MAX; c++) {
        if (job.cg_fd[c] >= 0) {
            close(job.cg_fd[c]);
        }
    }
    /* The program's ends are its own now (or nobody's). */
    int none[4] = {-1, -1, -1, -1};
    exec_io_close(job.io, none);
    if (error) {
        exec_io_close(job.io, job.ours);
        return error;
    }

    struct exec_chan ch[3];
    size_t nch = 0;
    ch[nch++] = (struct exec_chan){
        .from = STDIN_FILENO,
        .to = tty ? master : job.ours[1],
        .close_to = !tty,
    };
    ch[nch++] = (struct exec_chan){.from = tty ? master : job.ours[2],
                                   .to = STDOUT_FILENO};
    if (!tty) {
        ch[nch++] =
            (struct exec_chan){.from = job.ours[3], .to = STDERR_FILENO};
    }
    if (tty) {
        struct termios raw = saved;
        cfmakeraw(&raw);
        tcsetattr(STDIN_FILENO, TCSADRAIN, &raw);
    }
    int status = 0;
    int stop = exec_proxy(pid, ch, nch, master, &status);
    if (tty) {
        /* Input not yet read (answers to the program's terminal queries)
         * is dropped, not left for the TA's shell. */
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    } else {
        if (ch[0].to >= 0) {
            close(ch[0].to);
        }
        job.ours[1] = -1; /* closed with its channel */
    }
    exec_io_close(job.io, job.ours);
    if (stop) {
        d->host->log(MI_LOG_WARN,
                     "docker: node %s: %s stopped, with everything it "
                     "started (miniinet got signal %d)",
                     name, argv[0], stop);
        return -ECANCELED;
    }
    if (WIFSIGNALED(status)) {
        d->host->log(MI_LOG_WARN, "docker: node %s: %s killed by signal %d",
                     name, argv[0], WTERMSIG(status));
        return -ECANCELED;
    }
    if (WEXITSTATUS(status) == 126) {
        d->host->error("docker: node %s: cannot enter container %s (or "
                       "join its cgroups, or confine the program: its "
                       "capabilities, no-new-privileges, seccomp)",
                       name, docker_container_name(name));
        return -EIO;
    }
    return WEXITSTATUS(status);
}

/* run() and run_bounded(): `deadline` 0 and `max_out` SIZE_MAX for no
 * bound. */
static int
run_in_node(struct docker *d, const char *name, const char *dir,
            const char *const *argv, char **out, long long deadline,
            size_t max_out)
{
    struct record r;
    struct container c;
    int error = check_node_name(d, name);

    if (error) {
        return error;
    }
    if (!argv || !argv[0]) {
        d->host->error("docker: node %s: nothing to run", name);
        return -EINVAL;
    }
    error = find_running(d, name, dir, &r, &c);
    if (error) {
        return error;
    }
    if (!out) {
        return run_interactive(d, name, c.pid, argv);
    }

    struct buf o = {0}, e = {0};
    int status =
        exec_in(d, r.socket, name, &c, argv, false, deadline, max_out, &o, &e);
    if (e.len) {
        d->host->log(status == 0 ? MI_LOG_DEBUG : MI_LOG_WARN,
                     "docker: node %s: %s: %s", name, argv[0], e.data);
    }
    free(e.data);
    if (status < 0) {
        free(o.data);
        return status;
    }
    *out = o.data ? o.data : strdup("");
    return *out ? status : -ENOMEM;
}

static int
docker_run(void *state, const char *name, const char *dir,
           const char *const *argv, char **out)
{
    return run_in_node(state, name, dir, argv, out, 0, SIZE_MAX);
}

/* Since ABI 4.7: the exec's stream is read against the deadline and the
 * cap; past either, the program and what it started are stopped and
 * killed from the host (kill_tree()), which a container's root cannot
 * prevent. */
static int
docker_run_bounded(void *state, const char *name, const char *dir,
                   const char *const *argv, char **out, unsigned timeout_ms,
                   size_t max_out)
{
    *out = NULL;
    return run_in_node(state, name, dir, argv, out, now_ms() + timeout_ms,
                       max_out);
}

/* ------------------------------------------------------------------------ */
/* FRR                                                                      */
/* ------------------------------------------------------------------------ */

/* User frr of the container's image: its /etc/passwd, read through the
 * container's root as /proc/PID/root shows it.  FRR's kinds have a
 * read-only root (create_request), so the file is the image's; opened all
 * the same as if a student could have replaced it: no symlink followed
 * for the file (an absolute one would resolve on the server), a regular
 * file only (a FIFO would block), without waiting to open. */
static bool
image_frr_user(pid_t pid, uid_t *uid, gid_t *gid)
{
    char path[64];
    char line[512];
    bool found = false;
    struct stat st;

    snprintf(path, sizeof path, "/proc/%d/root/etc/passwd", (int)pid);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    FILE *f = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)
                  ? fdopen(fd, "r")
                  : NULL;
    if (!f) {
        if (fd >= 0) {
            close(fd);
        }
        return false;
    }
    while (!found && fgets(line, sizeof line, f)) {
        unsigned u, g;
        if (sscanf(line, "frr:%*[^:]:%u:%u:", &u, &g) == 2) {
            *uid = u;
            *gid = g;
            found = true;
        }
    }
    fclose(f);
    return found;
}

/* Whether `conf` (DIR/DAEMON.conf) is a file the daemon can read: a
 * regular file with one link (never a hard link to a file elsewhere),
 * opened without following a symlink nor blocking on a FIFO.  It is given
 * to the image's frr through the descriptor: a daemon's `write memory`
 * (FRR's config_write_file, as frr) links it to DAEMON.conf.sav, which the
 * kernel refuses for another user's file (fs.protected_hardlinks), before
 * it renames its new file over it in DIR, which is frr's
 * (docker_prepare_frr). */
static bool
give_conf_to_frr(const struct docker *d, const char *name,
                 const struct container *c, const char *conf)
{
    uid_t uid;
    gid_t gid;
    int fd = nodefile_open(conf, O_RDONLY);
    bool usable = fd >= 0;

    if (usable && image_frr_user(c->pid, &uid, &gid) &&
        fchown(fd, uid, gid) < 0) {
        d->host->error("docker: node %s: cannot give %s to the image's user "
                       "frr (its `write memory` will fail): %s",
                       name, conf, strerror(errno));
    }
    if (fd >= 0) {
        close(fd);
    }
    return usable;
}

/* Starts one daemon through the Engine's exec, which returns once it has
 * daemonised (-d).  What it printed goes to `dir`/DAEMON.out, where the
 * host looks for it (plugin.h). */
static int
docker_start_daemon(void *state, const char *name, const char *dir,
                    const char *daemon)
{
    struct docker *d = state;
    struct record r;
    struct container c;
    char prog[PATH_MAX], pid_file[PATH_MAX], log[PATH_MAX + 8];
    char out_path[PATH_MAX], conf[PATH_MAX];
    int error = check_node_name(d, name);

    if (!error) {
        error = find_running(d, name, dir, &r, &c);
    }
    if (error) {
        return error;
    }
    /* Since 4.10: the daemon's own file, when the host wrote one.  DIR is
     * bound at the same path in the container, where the daemon opens
     * it: what the container put there is its own business. */
    snprintf(conf, sizeof conf, "%s/%s.conf", dir, daemon);
    if (!give_conf_to_frr(d, name, &c, conf)) {
        snprintf(conf, sizeof conf, "/dev/null");
    }
    snprintf(prog, sizeof prog, "%s/%s", d->frr_dir, daemon);
    snprintf(pid_file, sizeof pid_file, "%s/%s.pid", dir, daemon);
    snprintf(out_path, sizeof out_path, "%s/%s.out", dir, daemon);
    snprintf(log, sizeof log, "file:%s/%s.log", dir, daemon);
    /* --limit-fds: nodelimits.h. */
    const char *argv[] = {prog,    "-N", name,          "-d",
                          "-P",    "0",  "-i",          pid_file,
                          "--log", log,  "--limit-fds", LIMITS_FRR_FDS_ARG,
                          "-f",    conf, NULL};
    struct buf o = {0}, e = {0};
    int status =
        exec_in(d, r.socket, name, &c, argv, true,
                now_ms() + FRR_START_TIMEOUT_S * 1000LL, SIZE_MAX, &o, &e);

    /* DIR is the container's to write: never through its symlink, nor
     * blocked by a FIFO put there, nor emptying another file. */
    int out_fd = nodefile_open(out_path, O_WRONLY | O_CREAT | O_TRUNC);
    FILE *f = out_fd < 0 ? NULL : fdopen(out_fd, "w");
    if (!f && out_fd >= 0) {
        close(out_fd);
    }
    if (f) {
        fprintf(f, "%s%s", o.data ? o.data : "", e.data ? e.data : "");
        fclose(f);
    }
    if (status > 0) {
        d->host->error("docker: node %s: %s exited with status %d", name, prog,
                       status);
        status = -EIO;
    } else if (status == -ETIMEDOUT) {
        d->host->error("docker: node %s: %s did not start within %d s "
                       "(killed)",
                       name, prog, FRR_START_TIMEOUT_S);
    }
    free(o.data);
    free(e.data);
    return status;
}

/* Makes `entry` in directory `parent` unless it exists and gives it to
 * the image's frr, through a descriptor opened without following a
 * symlink: the container can write DIR and everything under it.  Returns
 * the descriptor, or -errno, reported. */
static int
make_owned_dir(const struct docker *d, const char *name, int parent,
               const char *entry, const char *path, uid_t uid, gid_t gid)
{
    if (mkdirat(parent, entry, 0755) < 0 && errno != EEXIST) {
        int error = -errno;
        d->host->error("docker: node %s: cannot create %s: %s", name, path,
                       strerror(errno));
        return error;
    }
    int fd =
        openat(parent, entry, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || fchown(fd, uid, gid) < 0) {
        int error = -errno;
        d->host->error("docker: node %s: cannot give %s to the image's user "
                       "frr: %s",
                       name, path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return error;
    }
    return fd;
}

/* The daemons drop root for the image's frr before they write their pid
 * files, logs and sockets: that user owns `dir`, `dir`/frr (the
 * container's /var/run/frr) and `dir`/frr/NAME. */
static int
docker_prepare_frr(void *state, const char *name, const char *dir)
{
    struct docker *d = state;
    struct record r;
    struct container c;
    char frr[PATH_MAX], vty[PATH_MAX];
    uid_t uid;
    gid_t gid;
    int error = check_node_name(d, name);

    if (!error) {
        error = find_running(d, name, dir, &r, &c);
    }
    if (error) {
        return error;
    }
    if (!image_frr_user(c.pid, &uid, &gid)) {
        d->host->error("docker: node %s: the container's image has no user "
                       "frr (is FRR installed in it? set "
                       "plugins.docker.router_image to an image with FRR, "
                       "e.g. one built by images/build)",
                       name);
        return -ENOTSUP;
    }
    if (snprintf(frr, sizeof frr, "%s/frr", dir) >= (int)sizeof frr ||
        snprintf(vty, sizeof vty, "%s/frr/%s", dir, name) >= (int)sizeof vty) {
        d->host->error("docker: node %s: directory path too long", name);
        return -ENAMETOOLONG;
    }
    /* DIR's own entry is in nodes/, root's and not in the container: its
     * parent path cannot be swapped; what is under it can. */
    int up = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int dfd =
        up < 0 ? -errno : make_owned_dir(d, name, up, ".", dir, uid, gid);
    if (up < 0) {
        d->host->error("docker: node %s: %s: %s", name, dir, strerror(-dfd));
    }
    int ffd =
        dfd < 0 ? dfd : make_owned_dir(d, name, dfd, "frr", frr, uid, gid);
    int vfd =
        ffd < 0 ? ffd : make_owned_dir(d, name, ffd, name, vty, uid, gid);
    const int fds[] = {up, dfd, ffd, vfd};
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++) {
        if (fds[i] >= 0) {
            close(fds[i]);
        }
    }
    return vfd < 0 ? vfd : 0;
}

/* Since ABI 4.6: only the node's FRR daemons stopped, the container kept
 * (its namespace and links with it).  `pkill -KILL -x` runs inside the
 * container through the Engine's exec, so it sees only the container's
 * own PID namespace: whatever a student renamed a process to, nothing
 * outside the container is touched; PID 1 (docker-init) and the
 * keep-alive are not named.  The names go in one argv element as an
 * exact-match alternation; they are FRR's daemon names, checked to be
 * [a-z0-9] anyway.  pkill exits 1 when nothing matched (every daemon dead
 * already). */
static int
docker_stop_frr(void *state, const char *name, const char *dir,
                const char *const *daemons)
{
    struct docker *d = state;
    struct record r;
    struct container c;
    int error = check_node_name(d, name);

    if (error) {
        return error;
    }
    char pattern[512] = "";
    size_t used = 0;
    for (size_t i = 0; daemons && daemons[i]; i++) {
        const char *n = daemons[i];
        if (!*n ||
            strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789") != strlen(n)) {
            d->host->error("docker: node %s: '%s' is not an FRR daemon name",
                           name, n);
            return -EINVAL;
        }
        int w = snprintf(pattern + used, sizeof pattern - used, "%s%s",
                         used ? "|" : "", n);
        if (w < 0 || (size_t)w >= sizeof pattern - used) {
            d->host->error("docker: node %s: too many FRR daemons", name);
            return -EINVAL;
        }
        used += (size_t)w;
    }
    int found = used ? own_container(d, name, dir, &r, &c) : 0;
    if (found <= 0 || !c.running) {
        return found < 0 ? found : 0; /* nothing runs there */
    }
    const char *argv[] = {"pkill", "-KILL", "-x", pattern, NULL};
    struct buf o = {0}, e = {0};
    int status = exec_in(d, r.socket, name, &c, argv, false,
                         now_ms() + API_TIMEOUT_S * 1000LL, SIZE_MAX, &o, &e);
    if (status == -ETIMEDOUT) {
        d->host->error("docker: node %s: pkill -KILL -x %s in container %s "
                       "did not end within %d s (killed)",
                       name, pattern, docker_container_name(name),
                       API_TIMEOUT_S);
    }
    if (status > 1) {
        d->host->error("docker: node %s: pkill -KILL -x %s in container %s "
                       "exited with status %d%s%s",
                       name, pattern, docker_container_name(name), status,
                       e.len ? ": " : "", e.len ? e.data : "");
        error = -EIO;
    } else if (status < 0) {
        error = status;
    }
    free(o.data);
    free(e.data);
    return error;
}

/* Since ABI 4.1: a docker node is known by its container's id. */
static int
docker_describe_node(void *state, const char *name, const char *dir, char *buf,
                     size_t len)
{
    struct docker *d = state;
    struct record r;
    struct container c;
    int error = check_node_name(d, name);

    if (!error) {
        error = find_running(d, name, dir, &r, &c);
    }
    if (error) {
        return error;
    }
    return snprintf(buf, len, "%s", c.id) < (int)len ? 0 : -ENAMETOOLONG;
}

/* ------------------------------------------------------------------------ */
/* Settings, checks and the descriptor                                      */
/* ------------------------------------------------------------------------ */

static void
docker_release(void *state)
{
    struct docker *d = state;

    free(d->socket);
    free(d->router_image);
    free(d->host_image);
    free(d->proxy_image);
    free(d->frr_dir);
    free(d->log_max_size);
    free(d);
    curl_global_cleanup();
}

static int
get_string(const struct mi_host *host, const struct mi_settings *settings,
           const char *key, const char *def, char **value)
{
    const char *v = def;
    int error = host->setting_string(settings, key, &v);

    if (error && error != -ENOENT) {
        return error;
    }
    if (!v[0]) {
        host->setting_error(settings, key, "must not be empty");
        return -EINVAL;
    }
    *value = strdup(v);
    return *value ? 0 : -ENOMEM;
}

static int
docker_configure(const struct mi_host *host,
                 const struct mi_settings *settings, void **statep)
{
    static const char *const known[] = {
        "socket",       "router_image", "host_image", "proxy_image", "frr_dir",
        "log_max_size", "log_max_file", LIMITS_KEYS,  NULL};
    int error = host->setting_check_keys(settings, known);

    if (error) {
        return error;
    }
    struct docker *d = calloc(1, sizeof *d);
    if (!d) {
        return -ENOMEM;
    }
    d->host = host;
    d->log_max_file = DEFAULT_LOG_MAX_FILE;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        free(d);
        host->error("docker: cannot initialise libcurl");
        return -ENOMEM;
    }
    if ((error = get_string(host, settings, "socket", DEFAULT_SOCKET,
                            &d->socket)) ||
        (error = get_string(host, settings, "router_image",
                            DEFAULT_ROUTER_IMAGE, &d->router_image)) ||
        (error = get_string(host, settings, "host_image", DEFAULT_HOST_IMAGE,
                            &d->host_image)) ||
        (error = get_string(host, settings, "proxy_image", DEFAULT_PROXY_IMAGE,
                            &d->proxy_image)) ||
        (error = get_string(host, settings, "frr_dir", DEFAULT_FRR_DIR,
                            &d->frr_dir)) ||
        (error = get_string(host, settings, "log_max_size",
                            DEFAULT_LOG_MAX_SIZE, &d->log_max_size))) {
        goto fail;
    }
    error =
        host->setting_int(settings, "log_max_file", 1, 1000, &d->log_max_file);
    if (error && error != -ENOENT) {
        goto fail;
    }
    error = 0;
    if (d->socket[0] != '/') {
        host->setting_error(settings, "socket", "must be an absolute path");
        error = -EINVAL;
    }
    if (d->frr_dir[0] != '/') {
        host->setting_error(settings, "frr_dir",
                            "must be an absolute path (inside the image)");
        error = -EINVAL;
    }
    if (limits_configure(host, settings, &d->limits)) {
        error = -EINVAL;
    }
    if (!valid_size(d->log_max_size)) {
        host->setting_error(settings, "log_max_size",
                            "'%s' is not a size such as \"1m\", \"500k\"",
                            d->log_max_size);
        error = -EINVAL;
    }
    if (error) {
        goto fail;
    }
    *statep = d;
    return 0;

fail:
    docker_release(d);
    return error;
}

/* What images/build's label says of an image (`body`: the Engine's answer
 * to GET /images/NAME/json): 0 when it is current or newer, or when it has
 * no label (not one of images/build's: the original platform's, or one of
 * the TA's, which the settings chose knowingly); -ENOTSUP with `why` when
 * images/build made it with an older version, or the label is not one. */
static int
image_version_check(const char *body, char *why, size_t len)
{
    json_object *obj = json_tokener_parse(body ? body : "");
    json_object *config, *labels, *v;
    int error = 0;

    if (json_object_object_get_ex(obj, "Config", &config) &&
        json_object_object_get_ex(config, "Labels", &labels) &&
        json_object_object_get_ex(labels, LABEL_IMAGE, &v)) {
        const char *text = json_object_get_string(v);
        char *end;
        errno = 0;
        long n = strtol(text, &end, 10);
        if (text[0] < '0' || text[0] > '9' || *end || errno) {
            /* Quoted as printable ASCII only: it is the image's text. */
            char shown[33];
            size_t i = 0;
            for (; i < sizeof shown - 1 && text[i]; i++) {
                shown[i] = text[i] >= ' ' && text[i] <= '~' ? text[i] : '?';
            }
            shown[i] = '\0';
            snprintf(why, len, "its label %s is '%s', not a version",
                     LABEL_IMAGE, shown);
            error = -ENOTSUP;
        } else if (n < IMAGE_VERSION) {
            snprintf(why, len,
                     "it was built by an older images/build (label %s=%ld; "
                     "this miniinet needs %d: images with sshd)",
                     LABEL_IMAGE, n, IMAGE_VERSION);
            error = -ENOTSUP;
        }
    }
    json_object_put(obj);
    return error;
}

/* Whether this server's images are here (GET /images/NAME/json), and not
 * stale. */
static int
check_image(const struct docker *d, const char *image, const char *setting)
{
    char path[1024];
    struct response resp;
    char *escaped = curl_easy_escape(NULL, image, 0);

    if (!escaped) {
        return -ENOMEM;
    }
    snprintf(path, sizeof path, "/images/%s/json", escaped);
    curl_free(escaped);
    int error =
        api_request(d, d->socket, "GET", path, NULL, API_TIMEOUT_S, &resp);
    if (error) {
        return error;
    }
    char why[256];
    if (resp.code == 404) {
        d->host->error("docker: image %s (plugins.docker.%s) is not on this "
                       "machine: build it with images/build from miniinet's "
                       "source tree (about 2 minutes), or set %s to an image "
                       "that is here",
                       image, setting, setting);
        error = -ENOTSUP;
    } else if (resp.code != 200) {
        char msg[512];
        d->host->error("docker: image %s: %s", image,
                       api_message(&resp, msg, sizeof msg));
        error = -EIO;
    } else if (image_version_check(resp.body.data, why, sizeof why)) {
        d->host->error("docker: image %s (plugins.docker.%s): %s: run "
                       "images/build from miniinet's source tree again (it "
                       "rebuilds stale images; about 2 minutes), or set %s "
                       "to another image",
                       image, setting, why, setting);
        error = -ENOTSUP;
    }
    response_free(&resp);
    return error;
}

static int
docker_check_server(void *state, const struct mi_plan *plan, unsigned server)
{
    struct docker *d = state;
    /* Whether a node of each image's kind is on this server: routers,
     * hosts, proxies (node_image()). */
    bool need_router = false, need_host = false, need_proxy = false;
    struct response resp;

    for (size_t i = 0; i < plan->n_nodes; i++) {
        const struct mi_node *node = mi_plan_node(plan, i);
        if (node->server != server) {
            continue;
        }
        if (node->kind == MI_NODE_PROXY) {
            need_proxy = true;
        } else if (runs_frr(node->kind)) {
            need_router = true;
        } else {
            need_host = true;
        }
    }
    if (!need_router && !need_host && !need_proxy) {
        return 0;
    }
    int error = api_request(d, d->socket, "GET", "/_ping", NULL, 10, &resp);
    if (error) {
        return -ENOTSUP;
    }
    response_free(&resp);
    int e1 = need_router ? check_image(d, d->router_image, "router_image") : 0;
    int e2 = need_host ? check_image(d, d->host_image, "host_image") : 0;
    int e3 = need_proxy ? check_image(d, d->proxy_image, "proxy_image") : 0;
    return e1 ? e1 : e2 ? e2 : e3;
}

/* ------------------------------------------------------------------------ */
/* Files: written from the server in the container's mount namespace       */
/* ------------------------------------------------------------------------ */

/* At most this many bytes of files in one put_files (the access files of a
 * group are a few kB). */
#define PUT_FILES_MAX ((size_t)4 << 20)
/* The name a file is written under in its directory before it is renamed
 * over its own. */
#define PUT_TEMP ".miniinet-put"
/* How long the writer may take before it is killed. */
#define PUT_TIMEOUT_MS 10000

/* Whether `path` is one put_files takes: absolute, shorter than PATH_MAX,
 * each component neither empty nor "." nor "..", no trailing "/". */
static bool
put_path_ok(const char *path)
{
    size_t len = path ? strlen(path) : 0;

    if (!len || len >= PATH_MAX || path[0] != '/' || path[len - 1] == '/') {
        return false;
    }
    for (const char *c = path + 1; *c;) {
        size_t n = strcspn(c, "/");
        if (!n || (n == 1 && c[0] == '.') ||
            (n == 2 && c[0] == '.' && c[1] == '.') || n > NAME_MAX) {
            return false;
        }
        c += n + (c[n] == '/');
    }
    return true;
}

/* Opens `name`, one component (no "/"; put_path_ok() refused ".", ".."
 * and empty ones), in directory `dir`, never through a symlink: a symlink
 * there fails (ELOOP, or ENOTDIR with O_DIRECTORY).  One component at a
 * time, so nothing is resolved that the caller did not look at (openat2's
 * RESOLVE_BENEATH would do no more here, and valgrind knows no openat2). */
static int
open_component(int dir, const char *name, int flags, mode_t mode)
{
    return openat(dir, name, flags | O_CLOEXEC | O_NOFOLLOW,
                  flags & O_CREAT ? mode : 0);
}

/* The directory that will hold f->path (its parent), made where missing
 * (0755, root's), each component opened beneath the last without
 * following a symlink: its descriptor (O_PATH), or -errno; *base points
 * to the last component. */
static int
put_parent(int root, const char *path, const char **base)
{
    const char *c = path + 1;
    int dfd = openat(root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);

    for (size_t n; dfd >= 0 && c[n = strcspn(c, "/")] == '/'; c += n + 1) {
        char comp[NAME_MAX + 1];
        memcpy(comp, c, n);
        comp[n] = '\0';
        if (mkdirat(dfd, comp, 0755) < 0 && errno != EEXIST) {
            int error = -errno;
            close(dfd);
            return error;
        }
        int next = open_component(dfd, comp, O_PATH | O_DIRECTORY, 0);
        int error = -errno;
        close(dfd);
        if (next < 0) {
            return error;
        }
        dfd = next;
    }
    *base = c;
    return dfd < 0 ? -errno : dfd;
}

/* One file or directory (data NULL) of put_files, under directory `root`
 * (the container's /): missing parents made (put_parent()); a directory is
 * made unless it exists, a file written under PUT_TEMP and renamed over
 * whatever has its name (a symlink is replaced, never followed); either is
 * root's with f->mode.  0 or -errno.  Only system calls: it runs in the
 * writer, a child of a process that may have threads. */
static int
put_one(int root, const struct mi_file *f)
{
    const char *base = f->path + 1;
    int dfd = put_parent(root, f->path, &base);

    if (dfd < 0) {
        return dfd;
    }
    int fd = -1, error = 0;
    if (!f->data) {
        if (mkdirat(dfd, base, 0700) < 0 && errno != EEXIST) {
            error = -errno;
        } else {
            fd = open_component(dfd, base, O_RDONLY | O_DIRECTORY, 0);
        }
    } else if (unlinkat(dfd, PUT_TEMP, 0) < 0 && errno != ENOENT) {
        error = -errno;
    } else {
        fd = open_component(dfd, PUT_TEMP, O_WRONLY | O_CREAT | O_EXCL, 0600);
    }
    if (!error && fd < 0) {
        error = -errno;
    }
    for (size_t done = 0; !error && f->data && done < f->len;) {
        ssize_t w = write(fd, f->data + done, f->len - done);
        if (w <= 0 && (w == 0 || errno != EINTR)) {
            error = w == 0 ? -EIO : -errno;
        }
        done += w > 0 ? (size_t)w : 0;
    }
    if (!error && (fchown(fd, 0, 0) < 0 || fchmod(fd, f->mode & 07777) < 0)) {
        error = -errno;
    }
    if (fd >= 0 && close(fd) < 0 && !error) {
        error = -errno;
    }
    if (!error && f->data && renameat(dfd, PUT_TEMP, dfd, base) < 0) {
        error = -errno;
    }
    if (error && f->data && fd >= 0) {
        unlinkat(dfd, PUT_TEMP, 0);
    }
    close(dfd);
    return error;
}

/* The files under `root`, in order: 0, or -errno with the index of the
 * one that failed in *failed. */
static int
put_all(int root, const struct mi_file *files, size_t n, size_t *failed)
{
    for (size_t i = 0; i < n; i++) {
        int error = put_one(root, &files[i]);
        if (error) {
            *failed = i;
            return error;
        }
    }
    return 0;
}

/* What the writer reports through its pipe when a file fails. */
struct put_failure {
    size_t index;
    int error;
};

/* The writer: enters mount namespace `ns` (the container's init's),
 * whose / is the container's root, and writes the files there; a failure
 * goes to `report`.  Only system calls.  Never returns. */
static void
put_writer(int ns, int report, const struct mi_file *files, size_t n)
{
    struct put_failure fail = {SIZE_MAX, 0};

    if (setns(ns, CLONE_NEWNS) < 0) {
        fail.error = -errno;
    } else {
        umask(022);
        int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        fail.error = root < 0 ? -errno : put_all(root, files, n, &fail.index);
    }
    if (fail.error) {
        ssize_t w = write(report, &fail, sizeof fail);
        (void)w;
        _exit(1);
    }
    _exit(0);
}

/* Since ABI 4.12: the files written from the server in the container's
 * own mount namespace (put_writer()), where its tmpfs are, which is where
 * they go in FRR's kinds, whose root is read-only (create_request); the
 * Engine's archive upload writes only into the container's root.  The
 * container's root is a student's: every path is resolved beneath it and
 * never through a symlink, a file written under a temporary name and
 * renamed over its own; the content is never in a command line. */
static int
docker_put_files(void *state, const char *name, const char *dir,
                 const struct mi_file *files, size_t n)
{
    struct docker *d = state;
    struct record r;
    struct container c;
    size_t total = 0;
    int error = check_node_name(d, name);

    for (size_t i = 0; !error && i < n; i++) {
        if (!put_path_ok(files[i].path)) {
            d->host->error("docker: node %s: cannot put file '%s' (an "
                           "absolute path without '.', '..' or an empty "
                           "component)",
                           name, files[i].path ? files[i].path : "(null)");
            return -EINVAL;
        }
        total += files[i].len;
        if (total > PUT_FILES_MAX) {
            d->host->error("docker: node %s: files too large to put (more "
                           "than %zu bytes)",
                           name, PUT_FILES_MAX);
            return -EFBIG;
        }
    }
    if (!error) {
        error = find_running(d, name, dir, &r, &c);
    }
    if (!error) {
        /* Files put in such a container would let students in where
         * their root can replace what runs with SYS_ADMIN. */
        int never =
            never_but_readonly(d, name, &c, "student access refused there");
        error = never < 0 ? never : 0;
    }
    if (error) {
        return error;
    }
    /* The namespace by its descriptor, then the container asked again:
     * the pid was still its init's once the descriptor was open. */
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/mnt", (int)c.pid);
    int ns = open(path, O_RDONLY | O_CLOEXEC);
    struct container again;
    if (ns < 0) {
        error = -errno;
        d->host->error("docker: node %s: cannot open %s: %s", name, path,
                       strerror(errno));
        return error;
    }
    error = find_running(d, name, dir, &r, &again);
    if (!error && (again.pid != c.pid || strcmp(again.id, c.id) != 0)) {
        d->host->error("docker: node %s: container %s was restarted while "
                       "its files were put",
                       name, docker_container_name(name));
        error = -EAGAIN;
    }
    int p[2] = {-1, -1};
    if (!error && pipe2(p, O_CLOEXEC) < 0) {
        error = -errno;
        d->host->error("docker: node %s: pipe: %s", name, strerror(errno));
    }
    if (error) {
        close(ns);
        return error;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        put_writer(ns, p[1], files, n);
    }
    close(ns);
    close(p[1]);
    if (pid < 0) {
        error = -errno;
        close(p[0]);
        d->host->error("docker: node %s: fork: %s", name, strerror(errno));
        return error;
    }
    int status = 0;
    pid_t got = 0;
    for (long long until = now_ms() + PUT_TIMEOUT_MS;
         (got = waitpid(pid, &status, WNOHANG)) == 0 && now_ms() < until;) {
        sleep_ms(5);
    }
    if (got == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        d->host->error("docker: node %s: writing its files took more than "
                       "%d s (stopped)",
                       name, PUT_TIMEOUT_MS / 1000);
        close(p[0]);
        return -ETIMEDOUT;
    }
    struct put_failure fail = {0, 0};
    ssize_t rd = read(p[0], &fail, sizeof fail);
    close(p[0]);
    if (rd == (ssize_t)sizeof fail && fail.error) {
        if (fail.index == SIZE_MAX) {
            d->host->error("docker: node %s: cannot enter container %s's "
                           "mount namespace (%s) or open its root: %s",
                           name, docker_container_name(name), path,
                           strerror(-fail.error));
        } else {
            d->host->error("docker: node %s: cannot put %s in container "
                           "%s: %s",
                           name, files[fail.index].path,
                           docker_container_name(name), strerror(-fail.error));
        }
        return fail.error;
    }
    if (got < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        d->host->error("docker: node %s: the writer of its files failed",
                       name);
        return -EIO;
    }
    return 0;
}

/* Since ABI 4.8: a container has its own root file system, users and
 * process namespace, so a student's root shell in one is not one on the
 * server; what the Engine may still give away (capabilities, privileges)
 * is what the access nodes are created without (doc/access.md). */
static int
docker_check_access(void *state, const struct mi_plan *plan)
{
    (void)state;
    (void)plan;
    return 0;
}

static const struct mi_runtime_ops docker_ops = {
    .common =
        {
            MI_OPS_SIZE(struct mi_runtime_ops),
            .configure = docker_configure,
            .release = docker_release,
            .check_server = docker_check_server,
        },
    .create_node = docker_create_node,
    .netns_path = docker_netns_path,
    .start_daemon = docker_start_daemon,
    .run = docker_run,
    .run_bounded = docker_run_bounded,
    .node_exists = docker_node_exists,
    .destroy_node = docker_destroy_node,
    .stop_node = docker_stop_node,
    .prepare_frr = docker_prepare_frr,
    .describe_node = docker_describe_node,
    .stop_frr = docker_stop_frr,
    .check_access = docker_check_access,
    .clear_leftovers = docker_clear_leftovers,
    .put_files = docker_put_files,
};

MI_PLUGIN_DEFINE = {
    MI_PLUGIN_ABI_VERSION,
    .name = "docker",
    .kind = MI_PLUGIN_RUNTIME,
    .version = "0.1.0",
    .description = "routers and hosts as Docker containers (Engine API)",
    .ops.runtime = &docker_ops,
};
