/* The netns runtime's per-node cgroups (cgroup.h). */
#include "config.h"

#include "cgroup.h"

#include <ctype.h>
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
            h->root[c] = CG_ROOT;
        }
        free(list);
        return;
    }
    for (int c = 0; c < CG_CONTROLLERS; c++) {
        if (statfs(v1_root[c], &sfs) == 0 &&
            sfs.f_type == CGROUP_SUPER_MAGIC) {
            h->mode = CG_V1;
            h->has[c] = true;
            h->root[c] = v1_root[c];
        }
    }
}

const char *
cg_missing(const struct cg_host *h, const struct node_limits *l, char *buf,
           size_t len)
{
    const long long wanted[CG_CONTROLLERS] = {
        [CG_CPU] = l->nano_cpus,
        [CG_MEMORY] = l->memory,
        [CG_PIDS] = l->pids,
    };

    for (int c = 0; c < CG_CONTROLLERS; c++) {
        if (!wanted[c] || h->has[c]) {
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

/* The hierarchies node groups are made in: v2's one (once), v1's each. */
static bool
in_use(const struct cg_host *h, int c)
{
    if (h->mode == CG_V2) {
        return c == 0;
    }
    return h->mode == CG_V1 && h->has[c];
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

/* Records "ROOT/miniinet/NAME[/FILE]" in `what`. */
static int
failed(int error, const char *root, const char *name, const char *file,
       char *what, size_t len)
{
    snprintf(what, len, "%s/" CG_PARENT "%s%s%s%s", root, name ? "/" : "",
             name ? name : "", file ? "/" : "", file ? file : "");
    return error;
}

/* v2: the controllers the node groups use, enabled for the children of
 * the root and of miniinet/. */
static int
enable_controllers(const struct cg_host *h, int root_fd, int parent_fd,
                   char *what, size_t len)
{
    char text[64] = "";

    for (int c = 0; c < CG_CONTROLLERS; c++) {
        if (h->has[c]) {
            size_t n = strlen(text);
            snprintf(text + n, sizeof text - n, "%s+%s", n ? " " : "",
                     controller_name[c]);
        }
    }
    if (!text[0]) {
        return 0;
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

/* The limits of controller `c` into the group at `fd`; "no limit" is
 * written too, so that a group left by an earlier run gets today's. */
static int
write_limits(const struct cg_host *h, int c, int fd,
             const struct node_limits *l, const char **file)
{
    char text[64];
    bool v2 = h->mode == CG_V2;
    int error;

    switch (c) {
    case CG_CPU: {
        long long quota = l->nano_cpus * CPU_PERIOD_US / 1000000000LL;
        if (l->nano_cpus && quota < 1000) {
            quota = 1000; /* the kernel's minimum, 1 ms */
        }
        if (v2) {
            *file = "cpu.max";
            if (l->nano_cpus) {
                snprintf(text, sizeof text, "%lld %lld", quota, CPU_PERIOD_US);
            } else {
                snprintf(text, sizeof text, "max %lld", CPU_PERIOD_US);
            }
            return write_file(fd, *file, text);
        }
        *file = "cpu.cfs_period_us";
        snprintf(text, sizeof text, "%lld", CPU_PERIOD_US);
        if ((error = write_file(fd, *file, text)) != 0) {
            return error;
        }
        *file = "cpu.cfs_quota_us";
        snprintf(text, sizeof text, "%lld", l->nano_cpus ? quota : -1LL);
        return write_file(fd, *file, text);
    }
    case CG_MEMORY:
        if (l->memory) {
            snprintf(text, sizeof text, "%lld", l->memory);
        } else {
            snprintf(text, sizeof text, v2 ? "max" : "-1");
        }
        if (!v2) {
            /* v1 keeps memsw >= the limit: a limit raised on a group left
             * by an earlier run needs memsw raised first (where swap is
             * accounted; failures are seen below). */
            (void)write_file(fd, "memory.memsw.limit_in_bytes", text);
        }
        *file = v2 ? "memory.max" : "memory.limit_in_bytes";
        if ((error = write_file(fd, *file, text)) != 0) {
            return error;
        }
        /* Swap on top of the limit, where the kernel accounts it: none. */
        *file = v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes";
        if (v2 && l->memory) {
            snprintf(text, sizeof text, "0");
        }
        error = write_file(fd, *file, text);
        return error == -ENOENT ? 0 : error;
    case CG_PIDS:
        *file = "pids.max";
        if (l->pids) {
            snprintf(text, sizeof text, "%lld", l->pids);
        } else {
            snprintf(text, sizeof text, "max");
        }
        return write_file(fd, *file, text);
    default:
        return 0;
    }
}

int
cg_create(const struct cg_host *h, const char *name,
          const struct node_limits *l, char *what, size_t len)
{
    for (int c = 0; c < CG_CONTROLLERS; c++) {
        if (!in_use(h, c)) {
            continue;
        }
        const char *root = h->root[c];
        int root_fd = open_dir(AT_FDCWD, root, false);
        if (root_fd < 0) {
            snprintf(what, len, "%s", root);
            return root_fd;
        }
        int error = 0, fd = -1;
        /* Another network's down may remove an empty miniinet/ between
         * our mkdir of it and of the node's group: once more then. */
        for (int attempt = 0; attempt < 2; attempt++) {
            int parent_fd = open_dir(root_fd, CG_PARENT, true);
            if (parent_fd < 0) {
                error = failed(parent_fd, root, NULL, NULL, what, len);
                break;
            }
            error = h->mode == CG_V2
                        ? enable_controllers(h, root_fd, parent_fd, what, len)
                        : 0;
            if (!error) {
                fd = open_dir(parent_fd, name, true);
                error = fd < 0 ? failed(fd, root, name, NULL, what, len) : 0;
            }
            close(parent_fd);
            if (error != -ENOENT) {
                break;
            }
        }
        close(root_fd);
        if (error) {
            return error;
        }
        for (int k = 0; k < CG_CONTROLLERS && !error; k++) {
            const char *file = NULL;
            if (h->has[k] && (h->mode == CG_V2 ? true : k == c)) {
                error = write_limits(h, k, fd, l, &file);
            }
            if (error) {
                failed(error, root, name, file, what, len);
            }
        }
        close(fd);
        if (error) {
            return error;
        }
    }
    return 0;
}

/* ROOT/miniinet/NAME/FILE of hierarchy `c` into path; 0 or
 * -ENAMETOOLONG. */
static int
group_path(const struct cg_host *h, int c, const char *name, const char *file,
           char path[4096])
{
    int n =
        snprintf(path, 4096, "%s/" CG_PARENT "/%s/%s", h->root[c], name, file);

    return n < 0 || n >= 4096 ? -ENAMETOOLONG : 0;
}

/* Opens ROOT/miniinet/NAME/FILE of hierarchy `c`. */
static int
open_group_file(const struct cg_host *h, int c, const char *name,
                const char *file, int flags)
{
    char path[4096];
    int error = group_path(h, c, name, file, path);

    if (error) {
        return error;
    }
    int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int
cg_join_open(const struct cg_host *h, const char *name, struct cg_join *j)
{
    for (int c = 0; c < CG_CONTROLLERS; c++) {
        j->fd[c] = -1;
    }
    for (int c = 0; c < CG_CONTROLLERS; c++) {
        if (!in_use(h, c)) {
            continue;
        }
        int fd = open_group_file(h, c, name, "cgroup.procs", O_WRONLY);
        if (fd == -ENOENT) {
            /* A node made before its runtime had cgroups. */
            continue;
        }
        if (fd < 0) {
            cg_join_close(j);
            return fd;
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
 * `name`: a line of /proc/PID/cgroup ending in ":/miniinet/NAME". */
static bool
in_group(pid_t pid, const char *name)
{
    char path[64], tail[300];

    snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
    int n = snprintf(tail, sizeof tail, ":/" CG_PARENT "/%s\n", name);
    char *text = read_small(AT_FDCWD, path);
    bool found = false;

    if (text && n > 0 && (size_t)n < sizeof tail) {
        found = strstr(text, tail) != NULL;
    }
    free(text);
    return found;
}

int
cg_kill(const struct cg_host *h, const char *name)
{
    int signalled = 0;

    for (int c = 0; c < CG_CONTROLLERS; c++) {
        if (!in_use(h, c)) {
            continue;
        }
        if (h->mode == CG_V2) {
            /* Linux 5.14: every process at once, forks included. */
            int fd = open_group_file(h, c, name, "cgroup.kill", O_WRONLY);
            if (fd >= 0) {
                bool ok = write(fd, "1", 1) == 1;
                close(fd);
                if (ok) {
                    signalled++;
                    continue;
                }
            }
        }
        char path[4096];
        int error = group_path(h, c, name, "cgroup.procs", path);
        char *list = error ? NULL : read_small(AT_FDCWD, path);
        if (!list) {
            error = error ? error : -errno;
            if (error == -ENOENT) {
                continue;
            }
            return error;
        }
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
    }
    return signalled;
}

int
cg_remove(const struct cg_host *h, const char *name, long timeout_ms,
          char *what, size_t len)
{
    long long deadline = now_ms() + timeout_ms;

    for (int c = 0; c < CG_CONTROLLERS; c++) {
        if (!in_use(h, c)) {
            continue;
        }
        char path[4096];
        int n = snprintf(path, sizeof path, "%s/" CG_PARENT "/%s", h->root[c],
                         name);
        if (n < 0 || (size_t)n >= sizeof path) {
            snprintf(what, len, "%s/" CG_PARENT "/...", h->root[c]);
            return -ENAMETOOLONG;
        }
        while (rmdir(path) < 0) {
            int error = -errno;
            if (error == -ENOENT) {
                break;
            }
            if (error != -EBUSY || now_ms() >= deadline) {
                snprintf(what, len, "%s", path);
                return error;
            }
            /* Processes left (forked while the node was being stopped, or
             * dying): kill them and look again in a moment. */
            cg_kill(h, name);
            struct timespec ts = {0, 5 * 1000000L};
            nanosleep(&ts, NULL);
        }
        /* The parent goes with the last node's group of all networks;
         * EBUSY/ENOTEMPTY: others remain. */
        path[strlen(path) - strlen(name) - 1] = '\0';
        (void)rmdir(path);
    }
    return 0;
}
