/* The services the host gives plugins: logging, settings, running programs
 * and a few netlink helpers.
 *
 * Everything here is thread-safe (plugins may call from their own threads):
 * no global state, and every file descriptor is close-on-exec so that a
 * program started by one thread never inherits another thread's pipes. */
#include "config.h"

#include "host.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "log.h"
#include "netlink.h"
#include "settings.h"
#include "util.h"

extern char **environ;

static void host_error(const char *fmt, ...) MI_PRINTF(1, 2);

static const struct mi_host host = {
    .size = sizeof(struct mi_host),
    .log = log_msg,
    .error = host_error,
    .setting_string = settings_string,
    .setting_int = settings_int,
    .setting_bool = settings_bool,
    .setting_check_keys = settings_check_keys,
    .setting_error = settings_error,
    .run = host_run,
    .link_exists = host_link_exists,
    .link_delete = host_link_delete,
    .links_delete = host_links_delete,
};

const struct mi_host *
host_services(void)
{
    return &host;
}

static void
host_error(const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    log_vmsg(MI_LOG_ERROR, fmt, args);
    va_end(args);
}

/* ------------------------------------------------------------------------ */
/* Running programs                                                         */
/* ------------------------------------------------------------------------ */

/* Standard error kept for the log: enough for any diagnostic, bounded so
 * that a program that floods it cannot flood the log. */
#define STDERR_MAX 65536
#define READ_CHUNK 65536

struct buf {
    char *data;
    size_t len, cap;
    size_t max;     /* 0: unlimited */
    bool truncated; /* bytes were dropped because of `max` */
};

/* A close-on-exec pipe whose ends are not 0, 1 or 2, which the child's
 * file actions overwrite (possible when the caller closed its stdio). */
static int
make_pipe(int p[2])
{
    if (pipe2(p, O_CLOEXEC) < 0) {
        return -errno;
    }
    for (int i = 0; i < 2; i++) {
        if (p[i] <= STDERR_FILENO) {
            int fd = fcntl(p[i], F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
            int error = fd < 0 ? errno : 0;
            close(p[i]);
            p[i] = fd;
            if (error) {
                close(p[!i]);
                return -error;
            }
        }
    }
    return 0;
}

static void
close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* 0 if `path` is a program we may run, -EACCES if it exists but we may
 * not run it, else -errno.  When `searching` PATH, a directory closed to
 * us holds nothing for us: -ENOENT, not "Permission denied" for a program
 * that may not exist. */
static int
check_executable(const char *path, bool searching)
{
    struct stat st;

    if (stat(path, &st) < 0) {
        return searching && errno == EACCES ? -ENOENT : -errno;
    }
    if (!S_ISREG(st.st_mode)) {
        return -EACCES;
    }
    return faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0 ? -errno : 0;
}

/* Finds `prog` in PATH as execvp() would.  Done here rather than by
 * posix_spawnp() so that a missing program is reported the same way
 * everywhere, also where the spawned child cannot hand an exec() error
 * back (valgrind).  Returns the malloc()ed path, or NULL and *error. */
static char *
find_program(const char *prog, int *error)
{
    if (strchr(prog, '/')) {
        *error = check_executable(prog, false);
        return *error ? NULL : xstrdup(prog);
    }

    const char *path = getenv("PATH");
    if (!path || !*path) {
        path = "/bin:/usr/bin";
    }
    *error = -ENOENT;
    while (*prog) {
        const char *colon = strchrnul(path, ':');
        int len = (int)(colon - path);
        /* An empty entry is the current directory. */
        char *full =
            xasprintf("%.*s/%s", len ? len : 1, len ? path : ".", prog);
        int e = check_executable(full, true);
        if (!e) {
            *error = 0;
            return full;
        }
        if (e == -EACCES) {
            *error = -EACCES;
        }
        free(full);
        if (!*colon) {
            break;
        }
        path = colon + 1;
    }
    return NULL;
}

/* Starts argv with stdin from `in_fd` (/dev/null when < 0), stdout into
 * out_pipe (or /dev/null when out_pipe[1] < 0) and stderr into err_pipe.
 * Returns 0 or -errno. */
static int
spawn(const char *const *argv, int in_fd, const int out_pipe[2],
      const int err_pipe[2], pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, all;

    posix_spawn_file_actions_init(&fa);
    if (in_fd >= 0) {
        posix_spawn_file_actions_adddup2(&fa, in_fd, STDIN_FILENO);
    } else {
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
                                         O_RDONLY, 0);
    }
    if (out_pipe[1] >= 0) {
        posix_spawn_file_actions_adddup2(&fa, out_pipe[1], STDOUT_FILENO);
    } else {
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
                                         O_WRONLY, 0);
    }
    posix_spawn_file_actions_adddup2(&fa, err_pipe[1], STDERR_FILENO);
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 34)
    /* Descriptors other code opened without O_CLOEXEC stay behind too. */
    posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
#endif

    /* The program starts with default signal handling whatever ours is
     * (an ignored SIGPIPE would otherwise be inherited). */
    posix_spawnattr_init(&attr);
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr,
                             POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    int error;
    char *program = find_program(argv[0], &error);
    if (program) {
        error = -posix_spawn(pid, program, &fa, &attr, (char *const *)argv,
                             environ);
        free(program);
    }
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    return error;
}

/* Reads what `fd` has into `b`.  Returns false at end of file or on an
 * error (after which the pipe is useless). */
static bool
read_into(int fd, struct buf *b, const char *prog)
{
    char chunk[4096];
    char *dst = chunk;
    size_t room = sizeof chunk;

    if (!b->max) {
        /* Read straight into the growing buffer: stdout may be large. */
        b->data = xgrow(b->data, &b->cap, b->len + READ_CHUNK + 1, 1);
        dst = b->data + b->len;
        room = b->cap - b->len - 1;
    }

    ssize_t n = read(fd, dst, room);
    if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) {
            return true;
        }
        log_warn("%s: reading its output failed: %s", prog, strerror(errno));
        return false;
    }
    if (n == 0) {
        return false;
    }

    if (!b->max) {
        b->len += (size_t)n;
    } else {
        size_t keep = b->len < b->max ? b->max - b->len : 0;
        if ((size_t)n > keep) {
            b->truncated = true;
        } else {
            keep = (size_t)n;
        }
        b->data = xgrow(b->data, &b->cap, b->len + keep + 1, 1);
        memcpy(b->data + b->len, chunk, keep);
        b->len += keep;
    }
    return true;
}

/* Reads both pipes until both are at end of file.  Both at once, because
 * a program blocked writing a full stderr pipe never closes stdout. */
static void
read_outputs(int fds[2], struct buf bufs[2], const char *prog)
{
    while (fds[0] >= 0 || fds[1] >= 0) {
        struct pollfd pfds[2] = {
            {.fd = fds[0], .events = POLLIN},
            {.fd = fds[1], .events = POLLIN},
        };

        if (poll(pfds, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            log_warn("%s: waiting for its output failed: %s", prog,
                     strerror(errno));
            close_fd(&fds[0]);
            close_fd(&fds[1]);
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (pfds[i].revents && !read_into(fds[i], &bufs[i], prog)) {
                close_fd(&fds[i]);
            }
        }
    }
}

/* Logs the program's standard error a line at a time, each prefixed with
 * the program, so that it reads like the program's own messages. */
static void
log_stderr(const char *prog, const struct buf *err, enum mi_log_level level)
{
    const char *p = err->data;
    const char *end = err->data + err->len;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        if (eol > p) {
            log_msg(level, "%s: %.*s", prog, (int)(eol - p), p);
        }
        p = eol + 1;
    }
    if (err->truncated) {
        log_msg(level, "%s: (standard error truncated after %d bytes)", prog,
                STDERR_MAX);
    }
}

/* Waits for the child; returns its wait status, or -errno. */
static int
wait_child(pid_t pid, const char *prog)
{
    int status;

    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            int error = errno;
            log_warn("%s: waiting for it failed: %s", prog, strerror(error));
            return -error;
        }
    }
    return status;
}

/* Turns a wait status into host_run()'s result, logging how a program
 * that failed ended. */
static int
exit_result(int status, const char *prog)
{
    if (WIFEXITED(status)) {
        int code = WEXITSTATUS(status);
        if (code) {
            log_debug("%s exited with status %d", prog, code);
        }
        return code;
    }

    int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 32)
    const char *abbrev = sigabbrev_np(sig);
    log_warn("%s killed by signal %d (SIG%s)", prog, sig,
             abbrev ? abbrev : "?");
#else
    log_warn("%s killed by signal %d", prog, sig);
#endif
    /* "Operation canceled": the program did not finish its job. */
    return -ECANCELED;
}

int
host_run(const char *const *argv, char **out)
{
    return host_run_bounded(argv, out, 0, NULL);
}

int
host_run_bounded(const char *const *argv, char **out, size_t max,
                 bool *truncated)
{
    return host_run_input(argv, NULL, 0, out, max, truncated);
}

/* The input in a memory file, at its start: the program reads it as a
 * file, and nothing here waits on a pipe the program does not drain. */
static int
input_fd(const char *prog, const void *input, size_t len)
{
    int fd = memfd_create("miniinet-input", MFD_CLOEXEC);
    if (fd < 0) {
        int error = errno;
        log_warn("cannot run %s: no memory file for its input: %s", prog,
                 strerror(error));
        return -error;
    }
    const char *p = input;
    size_t left = len;
    while (left) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            int error = n < 0 ? errno : EIO;
            log_warn("cannot run %s: writing its input: %s", prog,
                     strerror(error));
            close(fd);
            return -error;
        }
        p += n;
        left -= (size_t)n;
    }
    if (lseek(fd, 0, SEEK_SET) < 0) {
        int error = errno;
        close(fd);
        return -error;
    }
    return fd;
}

int
host_run_input(const char *const *argv, const void *input, size_t len,
               char **out, size_t max, bool *truncated)
{
    int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
    struct buf bufs[2] = {{.max = max}, {.max = STDERR_MAX}};
    pid_t pid = -1;
    int error;

    if (out) {
        *out = NULL;
    }
    if (truncated) {
        *truncated = false;
    }
    if (!argv || !argv[0]) {
        return -EINVAL;
    }

    const char *prog = argv[0];
    int in_fd = -1;
    if (input) {
        in_fd = input_fd(prog, input, len);
        if (in_fd < 0) {
            return in_fd;
        }
    }
    error = make_pipe(err_pipe);
    if (!error && out) {
        error = make_pipe(out_pipe);
    }
    if (!error) {
        error = spawn(argv, in_fd, out_pipe, err_pipe, &pid);
    }
    close_fd(&in_fd);
    close_fd(&out_pipe[1]);
    close_fd(&err_pipe[1]);
    if (error) {
        close_fd(&out_pipe[0]);
        close_fd(&err_pipe[0]);
        log_warn("cannot run %s: %s", prog, strerror(-error));
        return error;
    }

    int fds[2] = {out_pipe[0], err_pipe[0]};
    read_outputs(fds, bufs, prog);

    int status = wait_child(pid, prog);
    bool ok = status >= 0 && WIFEXITED(status) && !WEXITSTATUS(status);
    log_stderr(prog, &bufs[1], ok ? MI_LOG_DEBUG : MI_LOG_WARN);
    free(bufs[1].data);
    if (status >= 0) {
        status = exit_result(status, prog);
    }

    if (out) {
        bufs[0].data = xgrow(bufs[0].data, &bufs[0].cap, bufs[0].len + 1, 1);
        bufs[0].data[bufs[0].len] = '\0';
        *out = bufs[0].data;
    }
    if (truncated) {
        *truncated = bufs[0].truncated;
    }
    return status;
}

/* ------------------------------------------------------------------------ */
/* Netlink helpers                                                          */
/* ------------------------------------------------------------------------ */

/* A request to one of the helpers, with the context for messages, e.g.
 * "link_delete(veth0 in /run/netns/x)". */
struct link_req {
    char ctx[512];
    const char *ifname;
    int ns_fd;
};

static int
report_nl(const struct link_req *req, const char *what, int nlerr)
{
    log_error("%s: %s%s", req->ctx, what, nl_geterror(nlerr));
    return netlink_errno(nlerr);
}

/* Opens a route netlink socket, in the namespace of the calling thread. */
static int
nl_open(const struct link_req *req, struct nl_sock **sk)
{
    *sk = nl_socket_alloc();
    if (!*sk) {
        return report_nl(req, "", -NLE_NOMEM);
    }

    int err = nl_connect(*sk, NETLINK_ROUTE);
    if (err < 0) {
        nl_socket_free(*sk);
        *sk = NULL;
        return report_nl(req, "netlink socket: ", err);
    }
    return 0;
}

/* Runs fn(req) in `netns`, or in the caller's namespace if it is NULL.  A
 * netlink socket acts in the namespace it was created in, so `fn` creates
 * its own. */
static int
with_netns(const char *netns, int (*fn)(void *), struct link_req *req)
{
    return netlink_in_netns(netns, req->ctx, fn, req);
}

/* rtnl_link_set_name() silently truncates: refuse what does not fit. */
static bool
check_ifname(const struct link_req *req, const char *name)
{
    if (!name || !name[0] || strlen(name) >= IFNAMSIZ) {
        log_error("%s: invalid interface name \"%s\" (1 to %d characters)",
                  req->ctx, name ? name : "", IFNAMSIZ - 1);
        return false;
    }
    return true;
}

static int
do_link_exists(void *req_)
{
    struct link_req *req = req_;
    struct rtnl_link *link = NULL;
    struct nl_sock *sk;

    int error = nl_open(req, &sk);
    if (error) {
        return error;
    }
    int err = rtnl_link_get_kernel(sk, 0, req->ifname, &link);
    nl_socket_free(sk);
    if (err >= 0) {
        rtnl_link_put(link);
        return 1;
    }
    if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) {
        return 0;
    }
    return report_nl(req, "", err);
}

int
host_link_exists(const char *netns, const char *ifname)
{
    struct link_req req = {.ifname = ifname, .ns_fd = -1};

    snprintf(req.ctx, sizeof req.ctx, "link_exists(%s%s%s)",
             ifname ? ifname : "", netns ? " in " : "", netns ? netns : "");
    if (!check_ifname(&req, ifname)) {
        return -EINVAL;
    }
    return with_netns(netns, do_link_exists, &req);
}

static int
do_link_delete(void *req_)
{
    struct link_req *req = req_;
    struct nl_sock *sk;

    int error = nl_open(req, &sk);
    if (error) {
        return error;
    }

    struct rtnl_link *link = rtnl_link_alloc();
    if (!link) {
        nl_socket_free(sk);
        return report_nl(req, "", -NLE_NOMEM);
    }
    rtnl_link_set_name(link, req->ifname);
    int err = rtnl_link_delete(sk, link);
    rtnl_link_put(link);
    nl_socket_free(sk);
    return err < 0 ? report_nl(req, "", err) : 0;
}

int
host_link_delete(const char *netns, const char *ifname)
{
    struct link_req req = {.ifname = ifname, .ns_fd = -1};

    snprintf(req.ctx, sizeof req.ctx, "link_delete(%s%s%s)",
             ifname ? ifname : "", netns ? " in " : "", netns ? netns : "");
    if (!check_ifname(&req, ifname)) {
        return -EINVAL;
    }
    return with_netns(netns, do_link_delete, &req);
}

struct links_req {
    const char *const *names;
    size_t n;
};

static int
do_links_delete(void *req_)
{
    const struct links_req *req = req_;
    return netlink_delete_links(req->names, req->n);
}

int
host_links_delete(const char *netns, const char *const *names, size_t n)
{
    struct links_req req = {names, n};
    char ctx[512];

    snprintf(ctx, sizeof ctx, "links_delete(%zu links%s%s)", n,
             netns ? " in " : "", netns ? netns : "");
    return n ? netlink_in_netns(netns, ctx, do_links_delete, &req) : 0;
}
