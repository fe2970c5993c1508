/* The FRR start sequence of a router, one for every runtime: the runtime
 * gives the primitives (prepare_frr, start_daemon, run), this file the
 * order, the waiting and the configuration (plugin.h, "FRR").  Since ABI
 * 4.10 each daemon reads its own part of the configuration as it starts
 * (`dir`/DAEMON.conf, written by `up`): no vtysh process per router,
 * which was a third to a half of a router's start. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "log.h"
#include "util.h"

/* How long a daemon may take to accept connections on its vty socket once
 * the runtime's start_daemon returned (seconds on a loaded machine with
 * thousands of daemons starting: more than 10 s at class-60's size on two
 * cores, where the routers already started load the machine 50 deep). */
#define VTY_TIMEOUT_MS 60000

/* A node directory's file system with less free space than this is the
 * likeliest reason a daemon failed: its pid file, vty sockets and log
 * could not be written (nor its output, which then says nothing). */
#define LOW_SPACE_BYTES (64ULL * 1024)

/* How long `vtysh -f` may take to load a router's frr.conf (well under a
 * second when FRR answers; a wedged daemon makes vtysh wait for ever) and
 * what it may print: then it is killed (the runtime's run_bounded). */
#define LOAD_TIMEOUT_MS 60000
#define LOAD_OUT_MAX (1u << 20)

/* What of a daemon's output and log a failure quotes. */
#define TAIL_LINES 8
#define TAIL_BYTES 2048

/* One router being started. */
struct frr_start {
    const struct active_plugin *rt;
    const char *name; /* node and FRR pathspace */
    const char *dir;
    int vty_fd; /* `dir`/frr/NAME, where the vty sockets are, O_PATH */
};

static long long
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The last TAIL_LINES lines of `path`, each as "\n    line", in a
 * malloc()ed string ("" if the file is empty or missing). */
static char *
file_tail(const char *path)
{
    char buf[TAIL_BYTES + 1];
    ssize_t n = 0;
    /* Files in a node's directory: never through a symlink a node's user
     * put there (its tail would go to root's terminal), and only a regular
     * file: a device node (a container's root can mknod) is not read, and
     * a FIFO is not waited for (O_NONBLOCK). */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;

    if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        fd = -1;
    }
    if (fd >= 0) {
        off_t size = lseek(fd, 0, SEEK_END);
        n = pread(fd, buf, TAIL_BYTES,
                  size > TAIL_BYTES ? size - TAIL_BYTES : 0);
        close(fd);
    }
    n = n < 0 ? 0 : n;
    while (n > 0 && buf[n - 1] == '\n') {
        n--;
    }
    buf[n] = '\0';

    const char *start = buf + n;
    for (int lines = 0; start > buf && lines < TAIL_LINES; lines++) {
        do {
            start--;
        } while (start > buf && start[-1] != '\n');
    }
    char *tail = xmalloc(5 * strlen(start) + 6);
    char *t = tail;
    for (const char *line = start; *line;) {
        size_t len = strcspn(line, "\n");
        t += sprintf(t, "\n    %.*s", (int)len, line);
        line += len + (line[len] == '\n');
    }
    *t = '\0';
    return tail;
}

/* "; DIR's file system is full (N bytes free)" when it nearly is, else
 * "" (malloc()ed). */
static char *
space_note(const char *dir)
{
    struct statvfs sv;

    if (statvfs(dir, &sv) < 0 ||
        (unsigned long long)sv.f_bavail * sv.f_frsize >= LOW_SPACE_BYTES) {
        return xstrdup("");
    }
    return xasprintf("; the file system of %s is full (%llu bytes free)", dir,
                     (unsigned long long)sv.f_bavail * sv.f_frsize);
}

/* Reports that `daemon` failed, quoting the end of its output and log
 * (plugin.h: DIR/DAEMON.out and DIR/DAEMON.log), and a full file system. */
static void
report_daemon(const struct frr_start *fs, const char *daemon, const char *what)
{
    char *out = xasprintf("%s/%s.out", fs->dir, daemon);
    char *log = xasprintf("%s/%s.log", fs->dir, daemon);
    char *out_tail = file_tail(out);
    char *log_tail = file_tail(log);

    char *space = space_note(fs->dir);
    log_error("node %s: %s %s%s%s%s%s%s", fs->name, daemon, what, space,
              *out_tail ? "; its output:" : "", out_tail,
              *log_tail ? "; its log:" : "", log_tail);
    free(space);
    free(out_tail);
    free(log_tail);
    free(out);
    free(log);
}

/* Connects once to `daemon`'s vty socket D.vty in the directory
 * `vty_fd` and closes the connection: 0 when it accepts, else -errno.  The
 * directory is the node's to write: the socket is opened O_PATH without
 * following a symlink, checked to be a socket, and connected to through
 * that descriptor (its /proc/self/fd link), so that what is connected to
 * is what was checked (also: a socket's path may have only 107 bytes). */
static int
vty_connect(int vty_fd, const char *daemon)
{
    char name[64];
    if (snprintf(name, sizeof name, "%s.vty", daemon) >= (int)sizeof name) {
        return -ENAMETOOLONG;
    }
    int sock = openat(vty_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (sock < 0) {
        return -errno;
    }
    struct stat st;
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    int error = fstat(sock, &st) < 0    ? -errno
                : !S_ISSOCK(st.st_mode) ? -ENOTSOCK
                                        : 0;
    snprintf(sun.sun_path, sizeof sun.sun_path, "/proc/self/fd/%d", sock);
    int fd = error ? -1 : socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (!error &&
        (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0)) {
        error = -errno;
    }
    if (fd >= 0) {
        close(fd);
    }
    close(sock);
    return error;
}

/* Waits until `daemon` accepts connections on its vty socket (a socket
 * file left by an earlier run refuses them). */
static int
wait_vty(const struct frr_start *fs, const char *daemon)
{
    long long deadline = now_ms() + VTY_TIMEOUT_MS;

    /* Short naps at first (daemons start in tens of milliseconds), then
     * longer. */
    for (long ms = 1;; ms = ms < 32 ? ms * 2 : 32) {
        if (!vty_connect(fs->vty_fd, daemon)) {
            return 0;
        }
        if (now_ms() >= deadline) {
            report_daemon(fs, daemon, "opened no vty socket in time");
            return -ETIMEDOUT;
        }
        struct timespec ts = {0, ms * 1000000};
        nanosleep(&ts, NULL);
    }
}

static int
start_daemon(const struct frr_start *fs, const char *daemon)
{
    int error = rt_start_daemon(fs->rt, fs->name, fs->dir, daemon);

    if (error) {
        report_daemon(fs, daemon, "did not start");
    }
    return error;
}

/* Loads `dir`/frr.conf into the running daemons, if there is one. */
static int
load_config(const struct frr_start *fs)
{
    char *conf = xasprintf("%s/frr.conf", fs->dir);
    char *out = NULL;
    int error = 0;

    if (access(conf, F_OK) < 0) {
        log_debug("node %s: no %s to load", fs->name, conf);
        free(conf);
        return 0;
    }
    const char *const argv[] = {"vtysh", "-N", fs->name, "-f", conf, NULL};
    int status = rt_run_bounded(fs->rt, fs->name, fs->dir, argv, &out,
                                LOAD_TIMEOUT_MS, LOAD_OUT_MAX);
    if (status) {
        char buf[128];
        size_t len = out ? strlen(out) : 0;
        while (len > 0 && out[len - 1] == '\n') {
            out[--len] = '\0';
        }
        log_error("node %s: vtysh could not load %s (it %s)%s%s", fs->name,
                  conf,
                  rt_run_failure(status, LOAD_TIMEOUT_MS, LOAD_OUT_MAX, buf,
                                 sizeof buf),
                  len ? ": " : "", len ? out : "");
        error = status < 0 ? status : -EIO;
    }
    free(out);
    free(conf);
    return error;
}

/* `dir`/frr/`name`, where a router's vty sockets are, as an O_PATH
 * descriptor, or -errno.  A node can write `dir`/frr (netns chowns it to
 * frr; docker bind-mounts it into the container, and `dir` with it): no
 * step is followed through a symlink it put there.  `dir` itself is made
 * by root in the run directory. */
static int
open_vty_at(const char *dir, const char *name)
{
    int flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    int node = open(dir, flags);
    int frr = node < 0 ? -1 : openat(node, "frr", flags);
    int vty = frr < 0 ? -1 : openat(frr, name, flags);
    int error = vty < 0 ? -errno : vty;

    if (frr >= 0) {
        close(frr);
    }
    if (node >= 0) {
        close(node);
    }
    return error;
}

static int
open_vty_dir(struct frr_start *fs)
{
    int fd = open_vty_at(fs->dir, fs->name);

    if (fd < 0) {
        log_error("node %s: %s/frr/%s: %s", fs->name, fs->dir, fs->name,
                  strerror(-fd));
        return fd;
    }
    fs->vty_fd = fd;
    return 0;
}

int
rt_start_frr(const struct active_plugin *rt, const char *name, const char *dir,
             const char *const *daemons)
{
    struct frr_start fs = {.rt = rt, .name = name, .dir = dir, .vty_fd = -1};
    int error = rt_prepare_frr(rt, name, dir);

    /* The other daemons connect to zebra: it must be up first.  The vty
     * directory is opened once a daemon runs: a runtime without
     * prepare_frr makes it in start_daemon. */
    for (size_t i = 0; !error && daemons[i]; i++) {
        error = start_daemon(&fs, daemons[i]);
        if (!error && fs.vty_fd < 0) {
            error = open_vty_dir(&fs);
        }
        if (!error && !strcmp(daemons[i], "zebra")) {
            error = wait_vty(&fs, daemons[i]);
        }
    }
    for (size_t i = 0; !error && daemons[i]; i++) {
        if (strcmp(daemons[i], "zebra") != 0) {
            error = wait_vty(&fs, daemons[i]);
        }
    }
    if (!error && !rt_reads_daemon_conf(rt)) {
        error = load_config(&fs);
    }
    if (fs.vty_fd >= 0) {
        close(fs.vty_fd);
    }
    if (!error) {
        log_debug("node %s: FRR started", name);
    }
    return error;
}

size_t
rt_frr_dead(const char *name, const char *dir, const char *const *daemons,
            char *buf, size_t len)
{
    int vty_fd = open_vty_at(dir, name);
    size_t dead = 0;

    if (len) {
        buf[0] = '\0';
    }
    for (size_t i = 0; daemons[i]; i++) {
        if (vty_fd < 0 || vty_connect(vty_fd, daemons[i]) != 0) {
            size_t used = strlen(buf);
            snprintf(buf + used, len - used, "%s%s", dead ? " " : "",
                     daemons[i]);
            dead++;
        }
    }
    if (vty_fd >= 0) {
        close(vty_fd);
    }
    return dead;
}
