/* The switch VLAN agent's server (vlan_agent.h). */
#include "config.h"

#include "vlan_agent.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "access_files.h"
#include "fsutil.h"
#include "log.h"
#include "netlink.h"
#include "state.h"
#include "util.h"
#include "vlanreq.h"

#define LISTEN_BACKLOG 16

static int
listen_here(void *unused)
{
    (void)unused;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    int one = 1;
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons(ACCESS_VLAN_PORT),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) ||
        listen(fd, LISTEN_BACKLOG)) {
        int error = -errno;
        close(fd);
        return error;
    }
    return fd;
}

int
vlan_agent_listen(const char *netns, const char *proxy)
{
    return netlink_in_netns(netns, proxy, listen_here, NULL);
}

size_t
vlan_agent_listen_all(const struct vlan_agent_where *w, size_t n,
                      struct vlan_agent_listener *l)
{
    size_t made = 0;

    for (size_t i = 0; i < n; i++) {
        int fd =
            w[i].netns ? vlan_agent_listen(w[i].netns, w[i].proxy) : -ENOENT;
        if (fd < 0) {
            log_warn("%s: the switch VLAN agent cannot listen on "
                     "127.0.0.1:%d there: %s; AS %u cannot set its "
                     "switches' VLANs until `up` again (`status` shows it)",
                     w[i].proxy, ACCESS_VLAN_PORT,
                     w[i].netns ? strerror(-fd)
                                : "its network namespace cannot be found",
                     w[i].asn);
            continue;
        }
        l[made++] = (struct vlan_agent_listener){.fd = fd, .asn = w[i].asn};
    }
    return made;
}

/* ------------------------------------------------------------------------ */

/* vlan_agent.h */
bool
vlan_buckets_take(struct vlan_bucket *group, struct vlan_bucket *all,
                  double now)
{
    struct {
        struct vlan_bucket *b;
        double rate, burst;
    } both[] = {{group, VLAN_AGENT_GROUP_RATE, VLAN_AGENT_GROUP_BURST},
                {all, VLAN_AGENT_ALL_RATE, VLAN_AGENT_ALL_BURST}};
    bool enough = true;

    for (size_t i = 0; i < 2; i++) {
        struct vlan_bucket *b = both[i].b;
        if (!b->started) {
            *b = (struct vlan_bucket){both[i].burst, now, true};
        } else if (now > b->at) {
            b->tokens += (now - b->at) * both[i].rate;
            b->tokens = b->tokens > both[i].burst ? both[i].burst : b->tokens;
            b->at = now;
        }
        enough = enough && b->tokens >= 1;
    }
    if (enough) {
        group->tokens -= 1;
        all->tokens -= 1;
    }
    return enough;
}

/* What the loop keeps of each group, and of all. */
struct group_state {
    struct vlan_bucket changes;
    double window;         /* when its minute of refusal lines began */
    unsigned logged, left; /* refusal lines in it: logged, left out */
};

struct run {
    const struct vlan_agent *a;
    struct group_state *groups; /* one per listener */
    struct vlan_bucket changes; /* all groups' */
};

struct conn {
    int fd;       /* -1: a free slot */
    size_t group; /* the listener's index */
    double deadline;
    char in[VLANREQ_MAX + 1];
    size_t n_in;
    char *out; /* the reply, once the request is read */
    size_t out_len, out_off;
};

static volatile sig_atomic_t stop_requested;

static void
on_term(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* Past VLAN_AGENT_LOG_MAX: the log renamed to its ".1" (the one before
 * replaced) and a new one opened on the same descriptor (and on standard
 * error when the log is standard output, as in the agent's process).  The
 * run directory is root's: no one else can put a file there. */
static void
rotate(const struct vlan_agent *a)
{
    struct stat st;

    if (!a->log_path || fstat(a->log_fd, &st) ||
        st.st_size <= VLAN_AGENT_LOG_MAX) {
        return;
    }
    char *old = xasprintf("%s.1", a->log_path);
    int fd = -1;
    if (rename(a->log_path, old) == 0) {
        fd =
            open(a->log_path,
                 O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
    }
    if (fd >= 0) {
        dup2(fd, a->log_fd);
        if (a->log_fd == STDOUT_FILENO) {
            dup2(fd, STDERR_FILENO);
        }
        close(fd);
        dprintf(a->log_fd, "(the log before this one: %s)\n", old);
    } else if (ftruncate(a->log_fd, 0) == 0) {
        /* Neither renamed nor begun again (a full file system, say): the
         * log is bounded all the same. */
        dprintf(a->log_fd,
                "(the log was cut at %lld bytes: it could not be "
                "renamed to %s)\n",
                (long long)st.st_size, old);
    }
    free(old);
}

/* A log line: time, then the text (already escaped by the caller where it
 * holds a client's bytes). */
static void MI_PRINTF(2, 3)
    agent_log(const struct vlan_agent *a, const char *fmt, ...)
{
    char line[1024], when[32];
    time_t now = time(NULL);
    struct tm tm;
    va_list ap;

    if (a->log_fd < 0) {
        return;
    }
    rotate(a);
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    dprintf(a->log_fd, "%s %s\n", when, line);
}

/* Says the refusal lines of group `group` left out of its minute, if any,
 * once that minute is over (or `all`). */
static void
left_out(struct run *run, size_t group, double now, bool all)
{
    struct group_state *g = &run->groups[group];

    if (g->left && (all || now - g->window >= 60)) {
        agent_log(run->a,
                  "AS %u: %u more refusal%s not logged (at most %d a "
                  "minute)",
                  run->a->listeners[group].asn, g->left, util_plural(g->left),
                  VLAN_AGENT_LOG_REFUSALS);
        g->left = 0;
    }
}

/* Whether a refusal line of group `group` is logged: at most
 * VLAN_AGENT_LOG_REFUSALS a minute; the others counted. */
static bool
refusal_logged(struct run *run, size_t group)
{
    struct group_state *g = &run->groups[group];
    double now = util_monotonic();

    left_out(run, group, now, false);
    if (!g->logged && !g->left) {
        g->window = now;
    } else if (now - g->window >= 60) {
        g->window = now;
        g->logged = 0;
    }
    if (g->logged < VLAN_AGENT_LOG_REFUSALS) {
        g->logged++;
        return true;
    }
    g->left++;
    return false;
}

static void
reply_set(struct conn *c, char *text)
{
    free(c->out);
    if (strlen(text) > VLAN_AGENT_REPLY_MAX) {
        free(text);
        text = xstrdup("error: the reply would be longer than 64 KiB; ask "
                       "your TA\n");
    }
    c->out = text;
    c->out_len = strlen(text);
    c->out_off = 0;
}

static char *
refusal(struct run *run, size_t group, const char *line, size_t len,
        const char *why)
{
    char esc[4 * VLANREQ_MAX + 8];

    if (refusal_logged(run, group)) {
        vlanreq_escape(line, len, VLANREQ_MAX, esc, sizeof esc);
        agent_log(run->a, "AS %u: refused \"%s\": %s",
                  run->a->listeners[group].asn, esc, why);
    }
    return xasprintf("error: %s\n", why);
}

static char *
show(struct run *run, size_t group, const struct vlanreq_target *t)
{
    const struct vlan_agent *a = run->a;
    unsigned asn = a->listeners[group].asn;
    const struct access_group *g = access_plan_group(a->ap, asn);
    char *ports = vlanreq_ports_text(a->p, g, t->bridge);
    char *settings = NULL;

    if (a->get(a->arg, t->bridge_name, &settings) || !settings) {
        free(ports);
        free(settings);
        if (refusal_logged(run, group)) {
            agent_log(a,
                      "AS %u: show %s %s: the switch's settings could not "
                      "be read",
                      asn, t->sw->location, t->sw->what);
        }
        return xstrdup("error: the switch's settings could not be read; "
                       "try again, or ask your TA\n");
    }
    size_t n = strlen(settings);
    char *text = xasprintf("%s%s%sok\n", ports, settings,
                           n && settings[n - 1] != '\n' ? "\n" : "");
    free(ports);
    free(settings);
    return text;
}

static char *
change(struct run *run, size_t group, const struct vlanreq *r,
       const struct vlanreq_target *t)
{
    const struct vlan_agent *a = run->a;
    unsigned asn = a->listeners[group].asn;
    struct state_lock_holder h;
    char *what = vlanreq_describe(r);
    char *text;

    if (!vlan_buckets_take(&run->groups[group].changes, &run->changes,
                           util_monotonic())) {
        if (refusal_logged(run, group)) {
            agent_log(a, "AS %u: not set, too many changes: %s", asn, what);
        }
        free(what);
        return xstrdup("error: too many changes (one a second per group, "
                       "four in all); try again in a second\n");
    }
    int fd = state_try_lock_network(a->network, "vlan", &h);
    if (fd == -EBUSY) {
        if (refusal_logged(run, group)) {
            agent_log(a, "AS %u: not set, miniinet busy (%s, pid %ld): %s",
                      asn, h.op[0] ? h.op : "?", h.pid, what);
        }
        text = xasprintf("error: miniinet is busy (%s, pid %ld); try "
                         "again\n",
                         h.op[0] ? h.op : "another operation", h.pid);
    } else if (fd < 0) {
        agent_log(a, "AS %u: not set, network %s cannot be locked: %s: %s",
                  asn, a->network, strerror(-fd), what);
        text = xstrdup("error: miniinet could not lock the network; ask "
                       "your TA\n");
    } else {
        int error = a->set(a->arg, t->bridge_name, t->port, &r->vlan);
        state_unlock_network(a->network, false, fd);
        if (error) {
            agent_log(a, "AS %u: not set, the switch failed (%s): %s", asn,
                      strerror(-error), what);
            text = xstrdup("error: the switch could not set it; ask your "
                           "TA\n");
        } else {
            agent_log(a, "AS %u: set %s", asn, what);
            text = xasprintf("set %s\nok\n", what);
        }
    }
    free(what);
    return text;
}

/* The reply to request `line` (`len` bytes, its newline excluded) of the
 * group of listener `group`. */
static char *
answer(struct run *run, size_t group, const char *line, size_t len)
{
    const struct vlan_agent *a = run->a;
    unsigned asn = a->listeners[group].asn;
    struct vlanreq r;
    struct vlanreq_target t;
    char why[256];

    if (vlanreq_parse(line, len, &r, why, sizeof why) ||
        vlanreq_judge(&r, a->p, a->ap, asn, &t, why, sizeof why)) {
        return refusal(run, group, line, len, why);
    }
    return r.verb == VLANREQ_SHOW ? show(run, group, &t)
                                  : change(run, group, &r, &t);
}

static void
conn_close(struct conn *c)
{
    close(c->fd);
    free(c->out);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}

/* Reads what there is; once the request is whole (or cannot be), sets
 * the reply. */
static void
conn_read(struct run *run, struct conn *c)
{
    ssize_t n = read(c->fd, c->in + c->n_in, sizeof c->in - c->n_in);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return;
    }
    if (n > 0) {
        c->n_in += (size_t)n;
    }
    char *nl = memchr(c->in, '\n', c->n_in);
    if (nl) {
        reply_set(c, answer(run, c->group, c->in, (size_t)(nl - c->in)));
    } else if (c->n_in == sizeof c->in) {
        char why[64];
        snprintf(why, sizeof why, "request longer than %d bytes", VLANREQ_MAX);
        reply_set(c, refusal(run, c->group, c->in, c->n_in, why));
    } else if (n <= 0) {
        reply_set(c, refusal(run, c->group, c->in, c->n_in,
                             "request not ended by a newline"));
    }
}

/* Writes what the socket takes; true when the connection is done. */
static bool
conn_write(struct conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            return errno != EAGAIN && errno != EINTR;
        }
        c->out_off += (size_t)n;
    }
    shutdown(c->fd, SHUT_WR);
    return true;
}

static void
accept_one(struct run *run, size_t group, struct conn *conns, size_t n_conns)
{
    const struct vlan_agent *a = run->a;
    int fd = accept4(a->listeners[group].fd, NULL, NULL,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        return;
    }
    size_t used = 0, free_slot = n_conns;
    for (size_t i = 0; i < n_conns; i++) {
        if (conns[i].fd >= 0 && conns[i].group == group) {
            used++;
        } else if (conns[i].fd < 0 && free_slot == n_conns) {
            free_slot = i;
        }
    }
    if (used >= VLAN_AGENT_PER_GROUP || free_slot == n_conns) {
        static const char busy[] = "error: busy\n";
        if (refusal_logged(run, group)) {
            agent_log(a, "AS %u: refused a connection: %d already open",
                      a->listeners[group].asn, VLAN_AGENT_PER_GROUP);
        }
        if (send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT)) {
            /* what the socket took; nothing more is tried */
        }
        close(fd);
        return;
    }
    struct conn *c = &conns[free_slot];
    c->fd = fd;
    c->group = group;
    c->deadline = util_monotonic() + VLAN_AGENT_DEADLINE_S;
}

int
vlan_agent_serve(const struct vlan_agent *a)
{
    size_t n_conns = a->n_listeners * VLAN_AGENT_PER_GROUP;
    struct conn *conns = xcalloc(n_conns + 1, sizeof *conns);
    struct pollfd *pfd = xcalloc(a->n_listeners + n_conns + 1, sizeof *pfd);
    size_t *who = xcalloc(n_conns + 1, sizeof *who);
    struct run run = {
        .a = a, .groups = xcalloc(a->n_listeners + 1, sizeof *run.groups)};
    struct sigaction sa = {.sa_handler = on_term},
                     ign = {.sa_handler = SIG_IGN};
    sigset_t term, old;
    int error = 0;

    for (size_t i = 0; i < n_conns; i++) {
        conns[i].fd = -1;
    }
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPIPE, &ign, NULL);
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_BLOCK, &term, &old);
    stop_requested = 0;
    sigaction(SIGTERM, &sa, NULL); /* no SA_RESTART: ppoll returns */
    sigset_t in_poll = old;
    sigdelset(&in_poll, SIGTERM);
    agent_log(a, "serving %zu group%s on 127.0.0.1:%d", a->n_listeners,
              util_plural(a->n_listeners), ACCESS_VLAN_PORT);

    while (!stop_requested) {
        size_t n = 0;
        double now = util_monotonic(), next = now + 60;
        for (size_t i = 0; i < a->n_listeners; i++) {
            left_out(&run, i, now, false);
        }
        for (size_t i = 0; i < a->n_listeners; i++) {
            pfd[n++] =
                (struct pollfd){.fd = a->listeners[i].fd, .events = POLLIN};
        }
        size_t n_live = 0;
        for (size_t i = 0; i < n_conns; i++) {
            struct conn *c = &conns[i];
            if (c->fd < 0) {
                continue;
            }
            if (now >= c->deadline) {
                if (refusal_logged(&run, c->group)) {
                    agent_log(a,
                              "AS %u: a connection dropped at its %d s "
                              "deadline",
                              a->listeners[c->group].asn,
                              VLAN_AGENT_DEADLINE_S);
                }
                conn_close(c);
                continue;
            }
            next = c->deadline < next ? c->deadline : next;
            who[n_live++] = i;
            pfd[n++] = (struct pollfd){.fd = c->fd,
                                       .events = c->out ? POLLOUT : POLLIN};
        }
        double wait = next - now;
        struct timespec ts = {.tv_sec = (time_t)wait,
                              .tv_nsec =
                                  (long)((wait - (double)(time_t)wait) * 1e9)};
        int r = ppoll(pfd, n, &ts, &in_poll);
        if (r < 0 && errno != EINTR) {
            error = -errno;
            log_error("switch VLAN agent: poll: %s", strerror(errno));
            break;
        }
        if (r <= 0) {
            continue;
        }
        for (size_t k = 0; k < n_live; k++) {
            struct conn *c = &conns[who[k]];
            short re = pfd[a->n_listeners + k].revents;
            if (!re) {
                continue;
            }
            if (!c->out && (re & (POLLIN | POLLHUP | POLLERR))) {
                conn_read(&run, c);
            }
            if (c->out && conn_write(c)) {
                conn_close(c);
            }
        }
        for (size_t i = 0; i < a->n_listeners; i++) {
            if (pfd[i].revents & POLLIN) {
                accept_one(&run, i, conns, n_conns);
            }
        }
    }
    for (size_t i = 0; i < a->n_listeners; i++) {
        left_out(&run, i, 0, true);
    }
    if (stop_requested) {
        agent_log(a, "stopped (SIGTERM)");
    }
    for (size_t i = 0; i < n_conns; i++) {
        if (conns[i].fd >= 0) {
            conn_close(&conns[i]);
        }
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    free(conns);
    free(pfd);
    free(who);
    free(run.groups);
    return error;
}

/* ------------------------------------------------------------------------ */
/* The pid file                                                             */
/* ------------------------------------------------------------------------ */

/* Field 22 of /proc/PID/stat (the start time, in clock ticks since boot),
 * or 0 when there is no such process (or it cannot be read); its state
 * (field 3, 'Z' for a process that ended) in *state when not NULL. */
static unsigned long long
proc_start(long pid, char *state)
{
    char path[64], buf[1024];

    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) {
        return 0;
    }
    buf[n] = '\0';
    /* After the command's name, which may hold spaces and parentheses:
     * field 3 on. */
    char *s = strrchr(buf, ')');
    if (state) {
        *state = s && s[1] == ' ' ? s[2] : '?';
    }
    for (int field = 2; s && field < 22; field++) {
        s = strchr(s + 1, ' ');
    }
    return s ? strtoull(s + 1, NULL, 10) : 0;
}

static unsigned long long
start_time(long pid)
{
    return proc_start(pid, NULL);
}

/* The agent's files in the run directory `dir` (root's): written whole
 * through fs_write_file_at() (a temporary name, renamed), read through
 * fs_read_file_at() (a regular file, never through a symlink). */
static int
run_file_write(const char *dir, const char *name, const char *text)
{
    int error = 0;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    error = dfd < 0 ? -errno
                    : fs_write_file_at(dfd, name, text, strlen(text), 0600);
    if (dfd >= 0) {
        close(dfd);
    }
    if (error) {
        log_error("%s/%s: cannot write it: %s", dir, name, strerror(-error));
    }
    return error;
}

static int
run_file_read(const char *dir, const char *name, size_t max, char **text,
              size_t *len)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    *text = NULL;
    *len = 0;
    if (dfd < 0) {
        return -errno;
    }
    int error = fs_read_file_at(dfd, name, max, text, len);
    close(dfd);
    return error;
}

int
vlan_agent_pidfile_write(const char *dir)
{
    char text[64];
    sigset_t term;

    /* From now on the pid file names this process, and a SIGTERM may
     * come: held until vlan_agent_serve() waits with its handler, never
     * handled meanwhile by one the process inherited (its forker's). */
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_BLOCK, &term, NULL);

    snprintf(text, sizeof text, "%ld %llu\n", (long)getpid(),
             start_time(getpid()));
    return run_file_write(dir, VLAN_AGENT_PIDFILE, text);
}

int
vlan_agent_groups_write(const char *dir, const struct vlan_agent_listener *l,
                        size_t n)
{
    char *text = xcalloc(n * 12 + 1, 1);
    size_t len = 0;

    for (size_t i = 0; i < n; i++) {
        len += (size_t)snprintf(text + len, 12, "%u\n", l[i].asn);
    }
    int error = run_file_write(dir, VLAN_AGENT_GROUPS, text);
    free(text);
    return error;
}

/* The groups file is at most this long: an AS number a line. */
#define GROUPS_MAX ((size_t)64 * 1024)

int
vlan_agent_serves(const char *dir, unsigned asn)
{
    char *buf = NULL;
    size_t len = 0;
    int result = run_file_read(dir, VLAN_AGENT_GROUPS, GROUPS_MAX, &buf, &len);

    for (size_t i = 0; !result && i < len;) {
        char *end = NULL;
        errno = 0;
        unsigned long v =
            buf[i] >= '0' && buf[i] <= '9' ? strtoul(buf + i, &end, 10) : 0;
        if (!end || errno || v > UINT32_MAX || end >= buf + len ||
            *end != '\n') {
            result = -EINVAL;
            break;
        }
        if (v == asn) {
            result = 1;
            break;
        }
        i = (size_t)(end + 1 - buf);
    }
    if (result < 0 && result != -ENOENT) {
        log_error("%s/%s: %s", dir, VLAN_AGENT_GROUPS,
                  result == -EINVAL ? "not the switch VLAN agent's groups"
                                    : strerror(-result));
    }
    free(buf);
    return result;
}

/* The pid file's process: 1 with *pid and *start, 0 without a pid file,
 * or -EINVAL (logged). */
static int
pidfile_read(const char *dir, long *pid, unsigned long long *start)
{
    char *buf = NULL;
    size_t len = 0;
    int result = run_file_read(dir, VLAN_AGENT_PIDFILE, 63, &buf, &len);

    if (result == -ENOENT) {
        result = 0;
    } else if (!result || result == -EFBIG) {
        char end;
        result = buf && sscanf(buf, "%ld %llu%c", pid, start, &end) == 3 &&
                         end == '\n' && *pid > 1 && *start > 0
                     ? 1
                     : -EINVAL;
    }
    if (result < 0) {
        log_error("%s/%s: not a pid file of the switch VLAN agent (%s)", dir,
                  VLAN_AGENT_PIDFILE, strerror(-result));
    }
    free(buf);
    return result;
}

int
vlan_agent_running(const char *dir)
{
    long pid = 0;
    unsigned long long start = 0;

    int r = pidfile_read(dir, &pid, &start);
    if (r != 1) {
        return r;
    }
    /* A killed agent nobody has reaped yet (its parent `up` is gone, and
     * not every init reaps at once) keeps its start time: a zombie is
     * not running. */
    char state = '?';
    return proc_start(pid, &state) == start && state != 'Z';
}

static int
pidfd_open_(long pid)
{
    return (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
}

/* `sig` to the process of `pidfd`, or without one (a kernel older than
 * 5.3) to `pid`, whose start time was just seen to be the agent's. */
static void
send_signal(int pidfd, long pid, int sig)
{
    if (pidfd >= 0) {
        syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
    } else {
        kill((pid_t)pid, sig);
    }
}

/* Whether the agent (`pidfd`, else `pid` of start time `start`) ended
 * within `ms`. */
static bool
ended(int pidfd, long pid, unsigned long long start, int ms)
{
    if (pidfd >= 0) {
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        return poll(&p, 1, ms) == 1;
    }
    for (int waited = 0;; waited += 50) {
        char state = '?';
        if (proc_start(pid, &state) != start || state == 'Z') {
            return true;
        }
        if (waited >= ms) {
            return false;
        }
        usleep(50 * 1000);
    }
}

int
vlan_agent_stop(const char *dir)
{
    long pid = 0;
    unsigned long long start = 0;
    int error = 0;

    int r = pidfile_read(dir, &pid, &start);
    if (r <= 0) {
        return r;
    }
    /* The pidfd first, then the start time: the process compared is the
     * one signalled. */
    int pidfd = pidfd_open_(pid);
    if ((pidfd >= 0 || errno != ESRCH) && start_time(pid) == start) {
        send_signal(pidfd, pid, SIGTERM);
        if (!ended(pidfd, pid, start, 3000)) {
            log_warn("switch VLAN agent (pid %ld) still runs 3 s after "
                     "SIGTERM: killed",
                     pid);
            send_signal(pidfd, pid, SIGKILL);
            if (!ended(pidfd, pid, start, 2000)) {
                log_error("switch VLAN agent (pid %ld) could not be "
                          "stopped",
                          pid);
                error = -ETIMEDOUT;
            }
        }
    } /* else: gone, or another process has its pid now */
    if (pidfd >= 0) {
        close(pidfd);
    }
    if (!error) {
        char *path = xasprintf("%s/%s", dir, VLAN_AGENT_PIDFILE);
        unlink(path);
        free(path);
        path = xasprintf("%s/%s", dir, VLAN_AGENT_GROUPS);
        unlink(path);
        free(path);
    }
    return error;
}
