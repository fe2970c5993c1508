/* The netns runtime's per-node cgroups (cgroup.h). */
#include "config.h"

#include "cgroup.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#define CG_ROOT "/sys/fs/cgroup"
/* The parent of every node's group, in each hierarchy. */
#define CG_PARENT "miniinet"
/* cpu's period: the quota is CPUs x this. */
#define CPU_PERIOD_US 100000LL
/* How deep cg_remove and cg_kill go into groups a node made below its
 * own. */
#define MAX_DEPTH 16

static const char *const controller_name[CG_CONTROLLERS] = {
    [CG_CPU] = "cpu",
    [CG_MEMORY] = "memory",
    [CG_PIDS] = "pids",
};

static const char *const v1_root[CG_CONTROLLERS] = {
    [CG_CPU] = CG_ROOT "/cpu",
    [CG_MEMORY] = CG_ROOT "/memory",
    [CG_PIDS] = CG_ROOT "/pids",
};

static long long
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Whether `word` is one of the space-separated words of `list`. */
static bool
has_word(const char *list, const char *word)
{
    size_t n = strlen(word);

    for (const char *p = list; (p = strstr(p, word)) != NULL; p += n) {
        if ((p == list || isspace((unsigned char)p[-1])) &&
            (!p[n] || isspace((unsigned char)p[n]))) {
            return true;
        }
    }
    return false;
}

/* Reads a small file (cgroup.controllers, cgroup.procs...) at `dfd`/`file`
 * into a malloc()ed string; NULL with errno set. */
static char *
read_small(int dfd, const char *file)
{
    int fd = openat(dfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0) {
        return NULL;
    }
    size_t len = 0, cap = 256;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            close(fd);
            errno = ENOMEM;
            return NULL;
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            int saved = errno;
            free(buf);
            close(fd);
            errno = saved;
            return NULL;
        }
        if (n == 0) {
            break;
        }
        len += (size_t)n;
        if (len + 1 == cap) {
            char *bigger = cap < (1U << 24) ? realloc(buf, cap * 2) : NULL;
            if (!bigger) {
                free(buf);
            }
            buf = bigger;
            cap *= 2;
        }
    }
    close(fd);
    buf[len] = '\0';
    return buf;
}

void
cg_detect(struct cg_host *h)
{
    struct statfs sfs;

    memset(h, 0, sizeof *h);
    if (statfs(CG_ROOT, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC) {
        h->mode = CG_V2;
        char *list = read_small(AT_FDCWD, CG_ROOT "/cgroup.controllers");
        for (int c = 0; c < CG_CONTROLLERS; c++) {
            h->has[c] = list && has_word(list, controller_name[c]);
            snprintf(h->root[c], sizeof h->root[c], "%s", CG_ROOT);
        }
        free(list);
        return;
    }
    /* v1: the controller's mount, through the link many systems have
     * (cpu -> cpu,cpuacct); below it, nothing is followed. */
    for (int c = 0; c < CG_CONTROLLERS; c++) {
        if (statfs(v1_root[c], &sfs) == 0 &&
            sfs.f_type == CGROUP_SUPER_MAGIC &&
            realpath(v1_root[c], h->root[c])) {
            h->mode = CG_V1;
            h->has[c] = true;
        } else {
            h->root[c][0] = '\0';
        }
    }
}

/* The limit `l` sets for controller `c`, 0 for none. */
static long long
limit_of(const struct node_limits *l, int c)
{
    return c == CG_CPU ? l->nano_cpus : c == CG_MEMORY ? l->memory : l->pids;
}

/* The hierarchies a node's groups may be in: v2's one (as c = 0), v1's
 * each. */
static bool
hierarchy(const struct cg_host *h, int c)
{
    if (h->mode == CG_V2) {
        return c == 0;
    }
    return h->mode == CG_V1 && h->has[c];
}

/* Whether controller `c` limits a node with limits `l` here. */
static bool
wanted(const struct cg_host *h, int c, const struct node_limits *l)
{
    return h->has[c] && limit_of(l, c) != 0;
}

const char *
cg_missing(const struct cg_host *h, const struct node_limits *l, char *buf,
           size_t len)
{
    for (int c = 0; c < CG_CONTROLLERS; c++) {
        if (!limit_of(l, c) || h->has[c]) {
            continue;
        }
        if (h->mode == CG_V2) {
            snprintf(buf, len,
                     "no %s cgroup controller (cgroup v2 at " CG_ROOT
                     ", and %s is not in its cgroup.controllers)",
                     controller_name[c], controller_name[c]);
        } else {
            snprintf(buf, len,
                     "no %s cgroup controller (neither cgroup v2 at " CG_ROOT
                     " nor v1 at %s)",
                     controller_name[c], v1_root[c]);
        }
        return buf;
    }
    return NULL;
}

/* Writes `text` into `dfd`/`file`; 0 or -errno. */
static int
write_file(int dfd, const char *file, const char *text)
{
    int fd = openat(dfd, file, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0) {
        return -errno;
    }
    size_t n = strlen(text);
    ssize_t w = write(fd, text, n);
    int error = w < 0 ? -errno : (size_t)w != n ? -EIO : 0;
    close(fd);
    return error;
}

/* Opens directory `entry` of `parent`, making it first when `make`. */
static int
open_dir(int parent, const char *entry, bool make)
{
    if (make && mkdirat(parent, entry, 0755) < 0 && errno != EEXIST) {
        return -errno;
    }
    int fd =
        openat(parent, entry, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

/* Records "ROOT/miniinet[/NAME][/FILE]" in `what`; returns `error`. */
static int
failed(int error, const char *root, const char *name, const char *file,
       char *what, size_t len)
{
    snprintf(what, len, "%s/" CG_PARENT "%s%s%s%s", root, name ? "/" : "",
             name ? name : "", file ? "/" : "", file ? file : "");
    return error;
}

/* v2: the controllers `l` needs, enabled for the children of the root and
 * of miniinet/ (what is enabled already stays). */
static int
enable_controllers(const struct cg_host *h, const struct node_limits *l,
                   int root_fd, int parent_fd, char *what, size_t len)
{
    char text[64] = "";

    for (int c = 0; c < CG_CONTROLLERS; c++) {
        if (wanted(h, c, l)) {
            size_t n = strlen(text);
            snprintf(text + n, sizeof text - n, "%s+%s", n ? " " : "",
                     controller_name[c]);
        }
    }
    int error = write_file(root_fd, "cgroup.subtree_control", text);
    if (error) {
        snprintf(what, len, CG_ROOT "/cgroup.subtree_control");
        return error;
    }
    error = write_file(parent_fd, "cgroup.subtree_control", text);
    if (error) {
        return failed(error, CG_ROOT, NULL, "cgroup.subtree_control", what,
                      len);
    }
    return 0;
}

/* Controller `c`'s limit from `l` into the group at `fd`; *file: the file
 * written last. */
static int
write_limit(const struct cg_host *h, int c, int fd,
            const struct node_limits *l, const char **file)
{
    char text[64];
    bool v2 = h->mode == CG_V2;
    int error;

    switch (c) {
    case CG_CPU: {
        long long quota = l->nano_cpus * CPU_PERIOD_US / 1000000000LL;
        if (quota < 1000) {
            quota = 1000; /* the kernel's minimum, 1 ms */
        }
        if (v2) {
            *file = "cpu.max";
            snprintf(text, sizeof text, "%lld %lld", quota, CPU_PERIOD_US);
            return write_file(fd, *file, text);
        }
        *file = "cpu.cfs_period_us";
        snprintf(text, sizeof text, "%lld", CPU_PERIOD_US);
        if ((error = write_file(fd, *file, text)) != 0) {
            return error;
        }
        *file = "cpu.cfs_quota_us";
        snprintf(text, sizeof text, "%lld", quota);
        return write_file(fd, *file, text);
    }
    case CG_MEMORY:
        snprintf(text, sizeof text, "%lld", l->memory);
        if (!v2) {
            /* v1 keeps memsw >= the limit: a limit raised on a group left
             * by an earlier run needs memsw raised first (where swap is
             * accounted; a failure shows below). */
            (void)write_file(fd, "memory.memsw.limit_in_bytes", text);
        }
        *file = v2 ? "memory.max" : "memory.limit_in_bytes";
        if ((error = write_file(fd, *file, text)) != 0) {
            return error;
        }
        /* No swap on top of the limit, where the kernel accounts it. */
        *file = v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes";
        error = write_file(fd, *file, v2 ? "0" : text);
        return error == -ENOENT ? 0 : error;
    default:
        *file = "pids.max";
        snprintf(text, sizeof text, "%lld", l->pids);
        return write_file(fd, *file, text);
    }
}

/* Makes ROOT/miniinet/NAME in hierarchy `c`; returns its descriptor. */
static int
make_group(const struct cg_host *h, int c, const char *name,
           const struct node_limits *l, char *what, size_t len)
{
    const char *root = h->root[c];
    int root_fd = open_dir(AT_FDCWD, root, false);

    if (root_fd < 0) {
        snprintf(what, len, "%s", root);
        return root_fd;
    }
    int fd = -1;
    /* Another network's down removes an empty miniinet/, maybe between
     * our mkdir of it and our use of it: again then (bounded). */
    for (int attempt = 0; attempt < 5; attempt++) {
        int parent_fd = open_dir(root_fd, CG_PARENT, true);
        if (parent_fd < 0) {
            fd = failed(parent_fd, root, NULL, NULL, what, len);
        } else {
            int error =
                h->mode == CG_V2
                    ? enable_controllers(h, l, root_fd, parent_fd, what, len)
                    : 0;
            fd = error ? error : open_dir(parent_fd, name, true);
            if (!error && fd < 0) {
                failed(fd, root, name, NULL, what, len);
            }
            close(parent_fd);
        }
        if (fd != -ENOENT && fd != -ENODEV) {
            break;
        }
    }
    close(root_fd);
    return fd;
}

int
cg_create(const struct cg_host *h, const char *name,
          const struct node_limits *l, char *what, size_t len)
{
    for (int c = 0; c < CG_CONTROLLERS; c++) {
        bool make = false;
        for (int k = 0; k < CG_CONTROLLERS; k++) {
            make |= wanted(h, k, l) && (h->mode == CG_V2 || k == c);
        }
        if (!hierarchy(h, c) || !make) {
            continue;
        }
        int fd = make_group(h, c, name, l, what, len);
        if (fd < 0) {
            return fd;
        }
        int error = 0;
        for (int k = 0; k < CG_CONTROLLERS && !error; k++) {
            const char *file = NULL;
            if (wanted(h, k, l) && (h->mode == CG_V2 || k == c)) {
                error = write_limit(h, k, fd, l, &file);
            }
            if (error) {
                failed(error, h->root[c], name, file, what, len);
            }
        }
        close(fd);
        if (error) {
            return error;
        }
    }
    return 0;
}

/* ROOT/miniinet/NAME[/FILE] of hierarchy `c` into path; 0 or
 * -ENAMETOOLONG. */
static int
group_path(const struct cg_host *h, int c, const char *name, const char *file,
           char path[PATH_MAX])
{
    int n = snprintf(path, PATH_MAX, "%s/" CG_PARENT "/%s%s%s", h->root[c],
                     name, file ? "/" : "", file ? file : "");

    return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

int
cg_join_open(const struct cg_host *h, const char *name, struct cg_join *j)
{
    for (int c = 0; c < CG_CONTROLLERS; c++) {
        j->fd[c] = -1;
    }
    for (int c = 0; c < CG_CONTROLLERS; c++) {
        char path[PATH_MAX];
        if (!hierarchy(h, c)) {
            continue;
        }
        int error = group_path(h, c, name, "cgroup.procs", path);
        int fd = error ? error : open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            error = error ? error : -errno;
            if (error == -ENOENT) {
                /* No limit of this controller, or a node made before its
                 * runtime had cgroups. */
                continue;
            }
            cg_join_close(j);
            return error;
        }
        j->fd[c] = fd;
    }
    return 0;
}

void
cg_join_close(struct cg_join *j)
{
    for (int c = 0; c < CG_CONTROLLERS; c++) {
        if (j->fd[c] >= 0) {
            close(j->fd[c]);
        }
        j->fd[c] = -1;
    }
}

int
cg_join(const struct cg_join *j)
{
    for (int c = 0; c < CG_CONTROLLERS; c++) {
        if (j->fd[c] >= 0 && write(j->fd[c], "0", 1) != 1) {
            return -errno;
        }
    }
    return 0;
}

/* Whether process `pid` (as /proc shows it now) is in a group of node
 * `name` or below: a line of /proc/PID/cgroup whose path is
 * /miniinet/NAME or starts with /miniinet/NAME/. */
static bool
in_group(pid_t pid, const char *name)
{
    char path[64], want[300];

    snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
    int n = snprintf(want, sizeof want, ":/" CG_PARENT "/%s", name);
    char *text = read_small(AT_FDCWD, path);
    bool found = false;

    if (text && n > 0 && (size_t)n < sizeof want) {
        for (const char *p = text; !found && (p = strstr(p, want)) != NULL;
             p += n) {
            found = p[n] == '\n' || p[n] == '/' || p[n] == '\0';
        }
    }
    free(text);
    return found;
}

/* SIGKILL to every process listed in `dir`/cgroup.procs, each checked
 * against /proc through a pidfd (a pid reused meanwhile is spared).
 * Returns how many, or -errno. */
static int
kill_listed(const char *dir, const char *name)
{
    char path[PATH_MAX];
    int n = snprintf(path, sizeof path, "%s/cgroup.procs", dir);

    if (n < 0 || (size_t)n >= sizeof path) {
        return -ENAMETOOLONG;
    }
    char *list = read_small(AT_FDCWD, path);
    if (!list) {
        return -errno;
    }
    int signalled = 0;
    for (char *p = list, *end; *p; p = end) {
        long pid = strtol(p, &end, 10);
        if (end == p) {
            break;
        }
        /* The pidfd pins the process the check is about. */
        int pidfd = pidfd_open((pid_t)pid, 0);
        if (pidfd >= 0 && in_group((pid_t)pid, name) &&
            pidfd_send_signal(pidfd, SIGKILL, NULL, 0) == 0) {
            signalled++;
        }
        if (pidfd >= 0) {
            close(pidfd);
        }
    }
    free(list);
    return signalled;
}

/* Calls fn(DIR, arg) for `dir` and, first, every group below it (at most
 * MAX_DEPTH deep).  Stops at the first error (returned) but for ENOENT:
 * a group may go meanwhile. */
static int
walk(const char *dir, int depth, int (*fn)(const char *, void *), void *arg)
{
    if (depth < MAX_DEPTH) {
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *d = fd < 0 ? NULL : fdopendir(fd);
        if (!d) {
            int error = -errno;
            if (fd >= 0) {
                close(fd);
            }
            return error == -ENOENT ? 0 : error;
        }
        struct dirent *e;
        int error = 0;
        while (!error && (e = readdir(d)) != NULL) {
            char sub[PATH_MAX];
            if (e->d_type != DT_DIR || e->d_name[0] == '.') {
                continue;
            }
            int n = snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
            error = n < 0 || (size_t)n >= sizeof sub
                        ? -ENAMETOOLONG
                        : walk(sub, depth + 1, fn, arg);
        }
        closedir(d);
        if (error) {
            return error;
        }
    }
    int error = fn(dir, arg);
    return error == -ENOENT ? 0 : error;
}

struct kill_walk {
    const char *name;
    int signalled;
};

static int
kill_one(const char *dir, void *arg)
{
    struct kill_walk *k = arg;
    int n = kill_listed(dir, k->name);

    if (n < 0) {
        return n;
    }
    k->signalled += n;
    return 0;
}

int
cg_kill(const struct cg_host *h, const char *name)
{
    struct kill_walk k = {name, 0};
    int first_error = 0;

    for (int c = 0; c < CG_CONTROLLERS; c++) {
        char path[PATH_MAX];
        if (!hierarchy(h, c) || group_path(h, c, name, NULL, path)) {
            continue;
        }
        if (h->mode == CG_V2) {
            /* Linux 5.14: the whole subtree at once, forks included. */
            char kill_path[PATH_MAX];
            int fd = group_path(h, c, name, "cgroup.kill", kill_path)
                         ? -1
                         : open(kill_path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
            if (fd >= 0) {
                bool ok = write(fd, "1", 1) == 1;
                close(fd);
                if (ok) {
                    k.signalled++;
                    continue;
                }
            }
        }
        int error = walk(path, 0, kill_one, &k);
        if (error && !first_error) {
            first_error = error;
        }
    }
    return first_error ? first_error : k.signalled;
}

static int
remove_one(const char *dir, void *arg)
{
    (void)arg;
    return rmdir(dir) < 0 ? -errno : 0;
}

int
cg_remove(const struct cg_host *h, const char *name, long timeout_ms,
          char *what, size_t len)
{
    long long deadline = now_ms() + timeout_ms;

    for (int c = 0; c < CG_CONTROLLERS; c++) {
        char path[PATH_MAX];
        if (!hierarchy(h, c)) {
            continue;
        }
        if (group_path(h, c, name, NULL, path)) {
            snprintf(what, len, "%s/" CG_PARENT "/...", h->root[c]);
            return -ENAMETOOLONG;
        }
        /* Depth-first: the groups a node's root made below its own,
         * then its own. */
        int error;
        while ((error = walk(path, 0, remove_one, NULL)) != 0) {
            if (error != -EBUSY || now_ms() >= deadline) {
                snprintf(what, len, "%s", path);
                return error;
            }
            /* Processes left (forked while the node was being stopped,
             * or still dying): kill them, look again in a moment. */
            cg_kill(h, name);
            struct timespec ts = {0, 5 * 1000000L};
            nanosleep(&ts, NULL);
        }
        /* The parent goes with the last node's group of all networks
         * (EBUSY: others remain). */
        path[strlen(path) - strlen(name) - 1] = '\0';
        (void)rmdir(path);
    }
    return 0;
}
