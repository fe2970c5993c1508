/* The SSH layer of the multi-server master: sessions, commands, SFTP.
 *
 * Commands run in a loop of ssh_event_dopoll() with a short timeout and
 * channel callbacks: output is handed on as it arrives, in the server's
 * order, and the loop looks at the interrupt flag between two polls (a
 * libssh session must not be touched by two threads, so remote_interrupt()
 * only sets the flag and the thread running the command sends the signal).
 * Blocking libssh calls that have no timeout of their own (channel open,
 * SFTP) are bounded by TCP keepalives on the session's socket. */
#include "config.h"

#include "remote.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include "log.h"
#include "util.h"

/* Hundredths of a second an interrupted command gets after SIGTERM before
 * SIGKILL, counted on the server (by the command that signals it, on the
 * server's clock: the time its channel takes to open is not taken from the
 * command's grace). */
#define TERM_GRACE_CS "300" /* pasted into that command */

/* Seconds the master waits for an interrupted command to end (its exit
 * status and the end of its output, or its channel closed) after it asked
 * for the stop, before it abandons it.  Ample: the signals go from a
 * command on a new channel, whose start took up to 7 s on a test bed of
 * four servers starting FRR on two cores; returning before the command has
 * ended let a `down` that followed find it still holding the network's
 * lock. */
#define STOP_BOUND 30.0

/* Times the master tries to open the channel of that command. */
#define STOP_TRIES 2

/* A command's event loop wakes up this often to look at the interrupt
 * flag (ms). */
#define POLL_MS 100

/* Blocking libssh calls after the connection (ms); a dead peer is noticed
 * sooner by the TCP keepalives. */
#define SESSION_TIMEOUT_MS 60000

/* SFTP writes of at most this many bytes (OpenSSH accepts 256 KiB). */
#define SFTP_CHUNK 65536

struct remote {
    ssh_session session;
    char *name;
    char *label; /* "s1 (198.18.0.1)": the start of every message */
    struct ssh_callbacks_struct callbacks; /* must live as long as session */
    struct ssh_counter_struct socket_counter;
    struct ssh_counter_struct raw_counter;
    atomic_bool stop;
    int fd; /* the session's socket once connected, for remote_abort() */
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_status;

/* Checking a known_hosts file and appending to it is one step, so that two
 * sessions to the same server (or two servers sharing the file) do not
 * write the same key twice or interleave their lines. */
static pthread_mutex_t known_hosts_lock = PTHREAD_MUTEX_INITIALIZER;

static void
init_libssh(void)
{
    /* libssh 0.10 also initialises itself from a constructor; calling
     * ssh_init() once more is harmless and does not depend on that. */
    init_status = ssh_init();
}

static char *failure(const struct remote *, const char *fmt, ...)
    MI_PRINTF(2, 3);

/* "LABEL: message", malloc()ed, for the caller's errors[] array. */
static char *
failure(const struct remote *r, const char *fmt, ...)
{
    va_list args;
    char *msg;

    va_start(args, fmt);
    if (vasprintf(&msg, fmt, args) < 0) {
        msg = NULL;
    }
    va_end(args);
    char *line = xasprintf("%s: %s", r->label, msg ? msg : "out of memory");
    free(msg);
    return line;
}

/* Private keys protected by a passphrase are used only through ssh-agent:
 * answering "no passphrase" stops libssh (and OpenSSL) from prompting on
 * the terminal in the middle of a parallel connect. */
static int
no_passphrase(const char *prompt, char *buf, size_t len, int echo, int verify,
              void *aux)
{
    return -1;
}

/* Gives every blocking libssh call what is left until `deadline` (libssh
 * reads 0 as "its default", hence at least 1 ms). */
static void
set_timeout(ssh_session s, double deadline)
{
    double left = deadline - util_monotonic();
    long ms = left > 0.001 ? (long)(left * 1000) : 1;
    long sec = ms / 1000;
    long usec = (ms % 1000) * 1000;

    ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &sec);
    ssh_options_set(s, SSH_OPTIONS_TIMEOUT_USEC, &usec);
}

static bool
past(double deadline)
{
    return util_monotonic() >= deadline - 0.01;
}

static int
set_options(struct remote *r, const struct remote_target *t, unsigned port,
            const char *user)
{
    ssh_session s = r->session;
    bool no = false;
    int yes = 1;
    int verbosity = log_get_verbosity() >= 2 ? SSH_LOG_WARN : SSH_LOG_NOLOG;

    if (ssh_options_set(s, SSH_OPTIONS_LOG_VERBOSITY, &verbosity) < 0 ||
        ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no) < 0 ||
        ssh_options_set(s, SSH_OPTIONS_HOST, t->address) < 0 ||
        ssh_options_set(s, SSH_OPTIONS_PORT, &port) < 0 ||
        ssh_options_set(s, SSH_OPTIONS_USER, user) < 0 ||
        ssh_options_set(s, SSH_OPTIONS_NODELAY, &yes) < 0) {
        return -1;
    }
    if (t->known_hosts &&
        ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, t->known_hosts) < 0) {
        return -1;
    }
    ssh_callbacks_init(&r->callbacks);
    r->callbacks.auth_function = no_passphrase;
    ssh_set_callbacks(s, &r->callbacks);
    ssh_set_counters(s, &r->socket_counter, &r->raw_counter);
    return 0;
}

/* The known_hosts file libssh uses (malloc()ed). */
static char *
known_hosts_file(ssh_session s)
{
    char *path = NULL;

    if (ssh_options_get(s, SSH_OPTIONS_KNOWNHOSTS, &path) == SSH_OK && path) {
        char *copy = xstrdup(path);
        ssh_string_free_char(path);
        return copy;
    }
    return xstrdup("~/.ssh/known_hosts");
}

static char *
check_host_key(struct remote *r, const struct remote_target *t, unsigned port,
               bool accept_new)
{
    ssh_session s = r->session;
    ssh_key key = NULL;
    unsigned char *hash = NULL;
    size_t hash_len = 0;
    char *error = NULL;

    if (ssh_get_server_publickey(s, &key) != SSH_OK) {
        return failure(r, "the server sent no host key: %s", ssh_get_error(s));
    }
    const char *type = ssh_key_type_to_char(ssh_key_type(key));
    char *fp = NULL;
    if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash,
                               &hash_len) == 0) {
        fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash,
                                      hash_len);
        ssh_clean_pubkey_hash(&hash);
    }
    char *file = known_hosts_file(s);
    /* How the host appears in known_hosts, quoted for a shell. */
    char *host = port == 22 ? xstrdup(t->address)
                            : xasprintf("'[%s]:%u'", t->address, port);
    char *keyscan = port == 22 ? xstrdup(t->address)
                               : xasprintf("-p %u %s", port, t->address);

    pthread_mutex_lock(&known_hosts_lock);
    enum ssh_known_hosts_e state = ssh_session_is_known_server(s);
    switch (state) {
    case SSH_KNOWN_HOSTS_OK:
        break;
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:
        error = failure(r,
                        "host key changed: the server's %s key %s is not "
                        "the one %s has for it; someone may be intercepting "
                        "the connection. If the server was reinstalled, "
                        "remove the old key with `ssh-keygen -R %s -f %s`",
                        type ? type : "", fp ? fp : "?", file, host, file);
        break;
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
        /* libssh 0.10 says UNKNOWN, not NOT_FOUND, when the file does not
         * exist: both mean "never seen". */
        if (!accept_new) {
            error =
                failure(r,
                        "host key %s %s is not in %s; verify it and add "
                        "it (ssh-keyscan %s >> %s), or pass "
                        "--accept-new-host-keys",
                        type ? type : "", fp ? fp : "?", file, keyscan, file);
        } else if (ssh_session_update_known_hosts(s) != SSH_OK) {
            error = failure(r, "cannot add the host key to %s: %s", file,
                            ssh_get_error(s));
        } else {
            log_info("%s: new host key %s %s added to %s", r->label,
                     type ? type : "", fp ? fp : "?", file);
        }
        break;
    case SSH_KNOWN_HOSTS_ERROR:
    default:
        error = failure(r, "cannot check the host key against %s: %s", file,
                        ssh_get_error(s));
        break;
    }
    pthread_mutex_unlock(&known_hosts_lock);

    free(keyscan);
    free(host);
    free(file);
    ssh_string_free_char(fp);
    ssh_key_free(key);
    return error;
}

static char *
authenticate(struct remote *r, const struct remote_target *t, const char *user,
             double deadline, int timeout_ms)
{
    ssh_session s = r->session;
    int rc;

    set_timeout(s, deadline);
    if (t->identity) {
        ssh_key key = NULL;
        if (ssh_pki_import_privkey_file(t->identity, NULL, no_passphrase, NULL,
                                        &key) != SSH_OK) {
            return failure(r,
                           "cannot read the private key %s (missing, "
                           "unreadable, not a key, or protected by a "
                           "passphrase: put such a key in ssh-agent)",
                           t->identity);
        }
        rc = ssh_userauth_publickey(s, NULL, key);
        ssh_key_free(key);
    } else {
        rc = ssh_userauth_publickey_auto(s, NULL, NULL);
    }

    if (rc == SSH_AUTH_SUCCESS) {
        return NULL;
    } else if (rc == SSH_AUTH_ERROR && past(deadline)) {
        return failure(r, "timed out after %g s (authenticating)",
                       timeout_ms / 1000.0);
    } else if (rc == SSH_AUTH_ERROR) {
        return failure(r, "authentication as %s failed: %s", user,
                       ssh_get_error(s));
    } else if (t->identity) {
        return failure(r, "authentication as %s failed with key %s", user,
                       t->identity);
    } else {
        return failure(r,
                       "authentication as %s failed with ssh-agent's keys "
                       "and ~/.ssh/id_*",
                       user);
    }
}

/* A server that vanishes (crash, cable) without closing the connection is
 * noticed by TCP: probes after 15 s of silence, and unacknowledged data
 * fails the socket after 60 s.  Failures here only lose that. */
static void
enable_keepalive(ssh_session s)
{
    int fd = ssh_get_fd(s);
    int on = 1, idle = 15, interval = 5, count = 4;
    unsigned user_timeout = 60000;

    if (fd < 0) {
        return;
    }
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
    setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout,
               sizeof user_timeout);
}

static struct remote *
connect_one(const struct remote_target *t, bool accept_new, int timeout_ms,
            char **error)
{
    double deadline = util_monotonic() + timeout_ms / 1000.0;
    unsigned port = t->port ? t->port : 22;
    const char *user = t->user ? t->user : "root";
    struct remote *r = xcalloc(1, sizeof *r);

    r->name = xstrdup(t->name ? t->name : t->address ? t->address : "?");
    r->label = xasprintf("%s (%s)", r->name, t->address ? t->address : "?");
    atomic_init(&r->stop, false);
    r->fd = -1;
    if (init_status < 0) {
        *error = failure(r, "cannot initialise libssh");
        goto fail;
    } else if (!t->address || !*t->address) {
        *error = failure(r, "no address");
        goto fail;
    }
    r->session = ssh_new();
    if (!r->session) {
        *error = failure(r, "cannot create an SSH session");
        goto fail;
    }
    if (set_options(r, t, port, user) < 0) {
        *error = failure(r, "bad SSH option: %s", ssh_get_error(r->session));
        goto fail;
    }

    set_timeout(r->session, deadline);
    if (ssh_connect(r->session) != SSH_OK) {
        const char *why = ssh_get_error(r->session);
        if (past(deadline) || strstr(why, "Timeout")) {
            *error = failure(r, "timed out after %g s", timeout_ms / 1000.0);
        } else {
            *error = failure(r, "cannot connect: %s", why);
        }
        goto fail;
    }
    *error = check_host_key(r, t, port, accept_new);
    if (!*error) {
        *error = authenticate(r, t, user, deadline, timeout_ms);
    }
    if (*error) {
        goto fail;
    }

    enable_keepalive(r->session);
    r->fd = ssh_get_fd(r->session);
    long sec = SESSION_TIMEOUT_MS / 1000, usec = 0;
    ssh_options_set(r->session, SSH_OPTIONS_TIMEOUT, &sec);
    ssh_options_set(r->session, SSH_OPTIONS_TIMEOUT_USEC, &usec);
    return r;

fail:
    remote_close(r);
    return NULL;
}

struct connect_job {
    const struct remote_target *target;
    bool accept_new;
    int timeout_ms;
    struct remote *remote;
    char *error;
};

static void *
connect_thread(void *job_)
{
    struct connect_job *job = job_;

    job->remote = connect_one(job->target, job->accept_new, job->timeout_ms,
                              &job->error);
    return NULL;
}

size_t
remote_connect_all(const struct remote_target *targets, size_t n,
                   bool accept_new, int timeout_ms, struct remote **out,
                   char **errors)
{
    struct connect_job *jobs = xcalloc(n, sizeof *jobs);
    pthread_t *threads = xcalloc(n, sizeof *threads);
    bool *started = xcalloc(n, sizeof *started);
    size_t failures = 0;

    pthread_once(&init_once, init_libssh);
    for (size_t i = 0; i < n; i++) {
        jobs[i] = (struct connect_job){.target = &targets[i],
                                       .accept_new = accept_new,
                                       .timeout_ms = timeout_ms};
        started[i] =
            pthread_create(&threads[i], NULL, connect_thread, &jobs[i]) == 0;
        if (!started[i]) {
            /* Out of threads: this one connects on its own, later ones
             * may still run in parallel. */
            connect_thread(&jobs[i]);
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (started[i]) {
            pthread_join(threads[i], NULL);
        }
        out[i] = jobs[i].remote;
        errors[i] = jobs[i].error;
        failures += out[i] == NULL;
    }
    free(started);
    free(threads);
    free(jobs);
    return failures;
}

const char *
remote_name(const struct remote *r)
{
    return r->name;
}

uint64_t
remote_bytes(const struct remote *r)
{
    return r->socket_counter.in_bytes + r->socket_counter.out_bytes;
}

void
remote_close(struct remote *r)
{
    if (!r) {
        return;
    }
    if (r->session) {
        if (ssh_is_connected(r->session)) {
            ssh_disconnect(r->session);
        }
        ssh_free(r->session);
    }
    free(r->label);
    free(r->name);
    free(r);
}

void
remote_interrupt(struct remote *r)
{
    atomic_store(&r->stop, true);
}

void
remote_abort(struct remote *r)
{
    atomic_store(&r->stop, true);
    /* Only a system call on a descriptor that stays open until
     * remote_close(): safe beside the thread using the session, whose
     * libssh calls then fail at once instead of waiting for the server. */
    if (r->fd >= 0) {
        shutdown(r->fd, SHUT_RDWR);
    }
}

char *
remote_quote(const char *arg)
{
    size_t n = 3;

    for (const char *p = arg; *p; p++) {
        n += *p == '\'' ? 4 : 1;
    }
    char *q = xmalloc(n);
    char *o = q;
    *o++ = '\'';
    for (const char *p = arg; *p; p++) {
        if (*p == '\'') {
            memcpy(o, "'\\''", 4);
            o += 4;
        } else {
            *o++ = *p;
        }
    }
    *o++ = '\'';
    *o = '\0';
    return q;
}

/* ------------------------------------------------------------------------ */
/* Commands                                                                 */
/* ------------------------------------------------------------------------ */

/* Bytes kept NUL-terminated. */
struct buffer {
    char *data;
    size_t len, cap;
};

static void
buffer_append(struct buffer *b, const void *data, size_t len)
{
    b->data = xgrow(b->data, &b->cap, b->len + len + 1, 1);
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

struct command {
    struct remote *r;
    remote_line_fn *line; /* receives lines (may be NULL) */
    void *aux;
    bool log_stderr;        /* no `line`: standard error goes to the log */
    struct buffer *capture; /* all of standard output, if not NULL */
    size_t capture_max;     /* bytes of it kept at most; 0: any */
    bool too_much;          /* capture_max passed: interrupted */
    bool forward;           /* output to our own descriptors 1 and 2 */
    struct remote_lines partial[2]; /* the unfinished line of stdout, stderr */
    int status; /* 0..255, 128 + signal, -1 while unknown */
    bool eof, closed;
};

static void
deliver(void *cmd_, bool is_stderr, const char *text)
{
    struct command *cmd = cmd_;

    if (cmd->line) {
        cmd->line(cmd->aux, is_stderr, text);
    } else if (is_stderr && cmd->log_stderr) {
        log_info("%s: %s", cmd->r->name, text);
    }
}

void
remote_lines_take(struct remote_lines *b, bool is_stderr, const char *data,
                  size_t len, size_t max, remote_line_fn *fn, void *aux)
{
    size_t i = b->len;
    size_t begin = 0;

    b->data = xgrow(b->data, &b->cap, b->len + len + 1, 1);
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    for (; i < b->len; i++) {
        if (b->data[i] == '\n') {
            b->data[i] = '\0';
            fn(aux, is_stderr, b->data + begin);
            begin = i + 1;
        } else if (i - begin == max) {
            char saved = b->data[i];
            b->data[i] = '\0';
            fn(aux, is_stderr, b->data + begin);
            b->data[i] = saved;
            begin = i;
        }
    }
    if (begin) {
        memmove(b->data, b->data + begin, b->len - begin);
        b->len -= begin;
        b->data[b->len] = '\0';
    }
}

void
remote_lines_flush(struct remote_lines *b, bool is_stderr, remote_line_fn *fn,
                   void *aux)
{
    if (b->len) {
        fn(aux, is_stderr, b->data);
    }
    free(b->data);
    *b = (struct remote_lines){0};
}

/* Appends output to the stream's unfinished line and hands on every line
 * now complete; a line reaching REMOTE_LINE_MAX bytes is handed on in
 * pieces, so that memory stays bounded whatever the command prints. */
static void
take_lines(struct command *cmd, bool is_stderr, const char *data, size_t len)
{
    remote_lines_take(&cmd->partial[is_stderr], is_stderr, data, len,
                      REMOTE_LINE_MAX, deliver, cmd);
}

/* The last line of each stream, if it had no newline. */
static void
flush_lines(struct command *cmd)
{
    for (int s = 0; s < 2; s++) {
        remote_lines_flush(&cmd->partial[s], s == 1, deliver, cmd);
    }
}

/* Writes everything to our descriptor `fd`; output that cannot be written
 * (closed pipe) is dropped. */
static void
write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n > 0) {
            data += n;
            len -= (size_t)n;
        } else if (n < 0 && errno == EAGAIN) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            poll(&p, 1, POLL_MS);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            return;
        }
    }
}

static int
on_data(ssh_session s, ssh_channel ch, void *data, uint32_t len, int is_stderr,
        void *cmd_)
{
    struct command *cmd = cmd_;

    if (cmd->forward) {
        write_all(is_stderr ? STDERR_FILENO : STDOUT_FILENO, data, len);
    } else if (cmd->capture && !is_stderr) {
        if (cmd->capture_max && !cmd->too_much &&
            cmd->capture->len + len > cmd->capture_max) {
            /* More than the caller takes: the command is stopped, the
             * rest of its output dropped. */
            cmd->too_much = true;
            remote_interrupt(cmd->r);
        }
        if (!cmd->too_much) {
            buffer_append(cmd->capture, data, len);
        }
    } else {
        take_lines(cmd, is_stderr != 0, data, len);
    }
    return (int)len;
}

static void
on_eof(ssh_session s, ssh_channel ch, void *cmd_)
{
    struct command *cmd = cmd_;

    cmd->eof = true;
}

static void
on_close(ssh_session s, ssh_channel ch, void *cmd_)
{
    struct command *cmd = cmd_;

    cmd->closed = true;
}

static void
on_exit_status(ssh_session s, ssh_channel ch, int status, void *cmd_)
{
    struct command *cmd = cmd_;

    cmd->status = status >= 0 && status <= 255 ? status : 255;
}

/* Signal names as RFC 4254 sends them (without "SIG"); Linux numbers. */
static int
signal_number(const char *name)
{
    static const struct {
        const char *name;
        int number;
    } signals[] = {
        {"HUP", 1},   {"INT", 2},   {"QUIT", 3},  {"ILL", 4},   {"TRAP", 5},
        {"ABRT", 6},  {"BUS", 7},   {"FPE", 8},   {"KILL", 9},  {"USR1", 10},
        {"SEGV", 11}, {"USR2", 12}, {"PIPE", 13}, {"ALRM", 14}, {"TERM", 15},
    };

    for (size_t i = 0; i < ARRAY_SIZE(signals); i++) {
        if (strcmp(name, signals[i].name) == 0) {
            return signals[i].number;
        }
    }
    return 127; /* 128 + 127 = 255: "unknown" */
}

static void
on_exit_signal(ssh_session s, ssh_channel ch, const char *signal, int core,
               const char *errmsg, const char *lang, void *cmd_)
{
    struct command *cmd = cmd_;

    cmd->status = 128 + signal_number(signal ? signal : "");
}

static bool
session_lost(ssh_session s)
{
    return !ssh_is_connected(s) ||
           (ssh_get_status(s) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0;
}

/* The terminal of an interactive command: ours in raw mode, its size. */
struct tty {
    int fd;
    struct termios saved;
    struct winsize size;
};

/* Follows our terminal's size. */
static void
update_pty_size(ssh_channel ch, struct tty *tty)
{
    struct winsize ws;

    if (ioctl(tty->fd, TIOCGWINSZ, &ws) == 0 &&
        (ws.ws_row != tty->size.ws_row || ws.ws_col != tty->size.ws_col)) {
        tty->size = ws;
        ssh_channel_change_pty_size(ch, ws.ws_col, ws.ws_row);
    }
}

/* Forwards what is available on our standard input, no more than the
 * channel's window takes (so that nothing blocks). */
static void
forward_input(ssh_channel ch, int *in_fd)
{
    char buf[16384];
    size_t room = ssh_channel_window_size(ch);
    ssize_t n = read(*in_fd, buf, room < sizeof buf ? room : sizeof buf);

    if (n > 0) {
        ssh_channel_write(ch, buf, (uint32_t)n);
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        ssh_channel_send_eof(ch);
        *in_fd = -1;
    }
}

/* One turn of the loop: waits up to POLL_MS for the server (and our
 * standard input, if forwarded) and handles what came.  Returns
 * ssh_event_dopoll()'s result. */
static int
poll_once(ssh_session s, ssh_event ev, ssh_channel ch, int *in_fd)
{
    if (*in_fd < 0) {
        return ssh_event_dopoll(ev, POLL_MS);
    }
    /* Our own poll over the session's socket and standard input, then
     * libssh handles whatever the socket has, without waiting. */
    struct pollfd p[2] = {{.fd = ssh_get_fd(s), .events = POLLIN}};
    nfds_t n = 1;
    if (ssh_get_poll_flags(s) & SSH_WRITE_PENDING) {
        p[0].events |= POLLOUT;
    }
    if (ssh_channel_window_size(ch) > 0) {
        p[1] = (struct pollfd){.fd = *in_fd, .events = POLLIN};
        n = 2;
    }
    if (poll(p, n, POLL_MS) > 0 && n == 2 && p[1].revents) {
        forward_input(ch, in_fd);
    }
    return ssh_event_dopoll(ev, 0);
}

/* Stops the command running on channel `ch`: SIGTERM to its process
 * group, and SIGKILL if the group still has a process TERM_GRACE_CS later.
 *
 * As an SSH signal request first.  But OpenSSH (9.2 at least) refuses
 * those on root's sessions ("session signalling requires privilege
 * separation", which it skips for root), so the signals also go from a
 * command on a second channel, run by /bin/sh whatever root's login shell:
 * to the process group of every child of the sshd process serving this
 * connection (the commands of its channels, each made a session leader by
 * sshd; found in /proc, no tool needed), except that command's own.  It
 * waits for the groups to end on the server itself, on the server's clock
 * (/proc/uptime), so that the grace does not depend on how long the channel
 * takes to open.  Returns that channel, to be freed once the loop ends
 * (NULL if it failed, logged). */
static ssh_channel
send_stop(struct remote *r, ssh_channel ch)
{
    static const char command[] =
        "exec /bin/sh -c '"
        "[ $PPID -gt 1 ] || exit 0; g=; "
        "for f in $(grep -l \"^PPid:[[:space:]]*$PPID\\$\" "
        "/proc/[0-9]*/status 2>/dev/null); do "
        "p=${f#/proc/}; p=${p%/status}; [ \"$p\" = $$ ] || g=\"$g $p\"; "
        "done; "
        "[ -n \"$g\" ] || exit 0; "
        "for p in $g; do kill -s TERM -- -$p; done 2>/dev/null; "
        "read u x </proc/uptime; end=$((${u%.*}${u#*.} + " TERM_GRACE_CS ")); "
        "while :; do "
        "a=; for p in $g; do kill -s 0 -- -$p 2>/dev/null && a=1; done; "
        "[ -n \"$a\" ] || exit 0; "
        "read u x </proc/uptime; [ $((${u%.*}${u#*.})) -lt $end ] || break; "
        "sleep 0.1; done; "
        "for p in $g; do kill -s KILL -- -$p; done 2>/dev/null; exit 0'";
    ssh_session s = r->session;
    ssh_channel k;

    ssh_channel_request_send_signal(ch, "TERM");
    k = ssh_channel_new(s);
    if (k && (ssh_channel_open_session(k) != SSH_OK ||
              ssh_channel_request_exec(k, command) != SSH_OK)) {
        ssh_channel_free(k);
        k = NULL;
    }
    if (k) {
        ssh_channel_send_eof(k);
    } else {
        log_warn("%s: cannot signal the command to stop: %s", r->label,
                 ssh_get_error(s));
    }
    return k;
}

/* Runs the event loop until the command is over: end of its output and its
 * exit status (the status may come before the last output), or the channel
 * closed.  Returns the status, -EINTR or -EIO. */
static int
wait_command(struct command *cmd, ssh_channel ch, int in_fd, struct tty *tty)
{
    struct remote *r = cmd->r;
    ssh_session s = r->session;
    ssh_event ev = ssh_event_new();
    ssh_channel killer = NULL;
    bool stopping = false;
    int stop_tries = 0;
    double interrupted_at = 0, next_try = 0;
    int errors = 0;
    int result = 0;

    if (!ev || ssh_event_add_session(ev, s) != SSH_OK) {
        log_error("%s: cannot wait for the command: %s", r->label,
                  ssh_get_error(s));
        if (ev) {
            ssh_event_free(ev);
        }
        return -EIO;
    }
    while (!cmd->closed && !(cmd->eof && cmd->status >= 0)) {
        if (session_lost(s)) {
            log_error("%s: connection lost: %s", r->label, ssh_get_error(s));
            result = -EIO;
            break;
        }
        if (atomic_load(&r->stop)) {
            double now = util_monotonic();
            if (!stopping) {
                interrupted_at = now;
                stopping = true;
            }
            if (!killer && stop_tries < STOP_TRIES && now >= next_try) {
                killer = send_stop(r, ch);
                stop_tries++;
                next_try = util_monotonic() + 1.0;
            } else if (!killer && stop_tries >= STOP_TRIES) {
                log_warn("%s: the interrupted command could not be "
                         "signalled; abandoning it (it may still run there)",
                         r->label);
                break;
            } else if (now - interrupted_at >= STOP_BOUND) {
                log_warn("%s: the interrupted command has not ended %.0f s "
                         "after it was asked to stop; abandoning it (it may "
                         "still run there)",
                         r->label, STOP_BOUND);
                break;
            }
        }
        if (tty) {
            update_pty_size(ch, tty);
        }
        if (poll_once(s, ev, ch, &in_fd) == SSH_ERROR && !session_lost(s)) {
            /* poll() interrupted by a signal; anything else repeating
             * means the loop cannot go on. */
            if (errno != EINTR && ++errors >= 50) {
                log_error("%s: waiting for the command failed: %s", r->label,
                          strerror(errno));
                result = -EIO;
                break;
            }
        } else {
            errors = 0;
        }
    }
    if (killer) {
        ssh_channel_free(killer);
    }
    ssh_event_remove_session(ev, s);
    ssh_event_free(ev);

    if (result < 0) {
        return result;
    } else if (stopping) {
        return -EINTR;
    } else if (cmd->status < 0) {
        log_error("%s: the command ended without an exit status", r->label);
        return -EIO;
    }
    return cmd->status;
}

/* Opens a channel, runs `command` on it and waits for its end.  With
 * in_fd >= 0, forwards that descriptor to the command's input, and with
 * `tty` gives it a pseudo-terminal. */
static int
run_command(struct command *cmd, const char *command, int in_fd,
            struct tty *tty)
{
    struct remote *r = cmd->r;
    ssh_session s = r->session;
    struct ssh_channel_callbacks_struct cb = {
        .userdata = cmd,
        .channel_data_function = on_data,
        .channel_eof_function = on_eof,
        .channel_close_function = on_close,
        .channel_exit_status_function = on_exit_status,
        .channel_exit_signal_function = on_exit_signal,
    };
    bool raw = false;
    int result;

    if (atomic_load(&r->stop)) {
        return -EINTR;
    } else if (session_lost(s)) {
        log_error("%s: connection lost: %s", r->label, ssh_get_error(s));
        return -EIO;
    }
    cmd->status = -1;
    ssh_callbacks_init(&cb);
    ssh_channel ch = ssh_channel_new(s);
    if (!ch) {
        log_error("%s: cannot open a channel: %s", r->label, ssh_get_error(s));
        return -EIO;
    }
    /* Before the channel opens: output may come with the exec reply. */
    ssh_set_channel_callbacks(ch, &cb);
    if (ssh_channel_open_session(ch) != SSH_OK) {
        log_error("%s: cannot open a channel: %s", r->label, ssh_get_error(s));
        result = -EIO;
        goto out;
    }
    if (tty) {
        const char *term = getenv("TERM");
        ioctl(tty->fd, TIOCGWINSZ, &tty->size);
        if (ssh_channel_request_pty_size(
                ch, term && *term ? term : "xterm",
                tty->size.ws_col ? tty->size.ws_col : 80,
                tty->size.ws_row ? tty->size.ws_row : 24) != SSH_OK) {
            log_error("%s: cannot get a terminal: %s", r->label,
                      ssh_get_error(s));
            result = -EIO;
            goto out;
        }
    }
    if (ssh_channel_request_exec(ch, command) != SSH_OK) {
        log_error("%s: cannot run a command: %s", r->label, ssh_get_error(s));
        result = -EIO;
        goto out;
    }
    if (in_fd < 0) {
        ssh_channel_send_eof(ch);
    }
    if (tty) {
        struct termios t = tty->saved;
        cfmakeraw(&t);
        raw = tcsetattr(tty->fd, TCSADRAIN, &t) == 0;
    }
    result = wait_command(cmd, ch, in_fd, tty);

out:
    if (raw) {
        tcsetattr(tty->fd, TCSADRAIN, &tty->saved);
    }
    flush_lines(cmd);
    /* The channel may outlive this call inside libssh (until the server's
     * close arrives): it must not keep pointers to this stack frame. */
    ssh_remove_channel_callbacks(ch, &cb);
    if (ssh_channel_is_open(ch)) {
        ssh_channel_close(ch);
    }
    ssh_channel_free(ch);
    return result;
}

int
remote_exec(struct remote *r, const char *command, remote_line_fn *line,
            void *aux)
{
    struct command cmd = {.r = r, .line = line, .aux = aux};

    return run_command(&cmd, command, -1, NULL);
}

int
remote_capture(struct remote *r, const char *command, char **out,
               remote_line_fn *err, void *aux)
{
    return remote_capture_bounded(r, command, 0, out, err, aux);
}

int
remote_capture_bounded(struct remote *r, const char *command, size_t max,
                       char **out, remote_line_fn *err, void *aux)
{
    struct buffer captured = {0};
    struct command cmd = {.r = r,
                          .line = err,
                          .aux = aux,
                          .log_stderr = err == NULL,
                          .capture = &captured,
                          .capture_max = max};

    buffer_append(&captured, "", 0);
    int status = run_command(&cmd, command, -1, NULL);
    if (cmd.too_much) {
        status = -EFBIG;
    }
    if (status < 0) {
        free(captured.data);
        *out = NULL;
    } else {
        *out = captured.data;
    }
    return status;
}

int
remote_exec_interactive(struct remote *r, const char *command)
{
    struct command cmd = {.r = r, .forward = true};
    struct tty tty = {.fd = STDIN_FILENO};
    bool is_tty =
        isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &tty.saved) == 0;

    return run_command(&cmd, command, STDIN_FILENO, is_tty ? &tty : NULL);
}

/* ------------------------------------------------------------------------ */
/* SFTP                                                                     */
/* ------------------------------------------------------------------------ */

static int
sftp_errno(sftp_session sftp)
{
    switch (sftp_get_error(sftp)) {
    case SSH_FX_NO_SUCH_FILE:
    case SSH_FX_NO_SUCH_PATH:
        return -ENOENT;
    case SSH_FX_PERMISSION_DENIED:
        return -EACCES;
    case SSH_FX_FILE_ALREADY_EXISTS:
        return -EEXIST;
    case SSH_FX_WRITE_PROTECT:
        return -EROFS;
    default:
        return -EIO;
    }
}

/* Logs why `what` failed on `path` and returns the negative errno. */
static int
sftp_failed(struct remote *r, sftp_session sftp, const char *what,
            const char *path)
{
    int err = sftp_errno(sftp);

    log_error("%s: cannot %s %s: %s", r->label, what, path,
              ssh_get_error(r->session));
    return err;
}

/* 1 if `path` is a directory, 0 if it is something else, a negative errno
 * if it cannot be looked at (-ENOENT: does not exist). */
static int
is_directory(sftp_session sftp, const char *path)
{
    sftp_attributes a = sftp_stat(sftp, path);

    if (!a) {
        return sftp_errno(sftp);
    }
    int dir = a->type == SSH_FILEXFER_TYPE_DIRECTORY;
    sftp_attributes_free(a);
    return dir;
}

/* mkdir -p of the directory holding `path`. */
static int
make_parents(struct remote *r, sftp_session sftp, const char *path)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    int err = 0;

    if (!slash || slash == dir) {
        free(dir);
        return 0;
    }
    *slash = '\0';
    if (is_directory(sftp, dir) == 1) {
        free(dir);
        return 0;
    }
    for (char *p = dir + 1;; p++) {
        if (*p != '/' && *p != '\0') {
            continue;
        }
        char c = *p;
        *p = '\0';
        int d = is_directory(sftp, dir);
        if (d == -ENOENT) {
            if (sftp_mkdir(sftp, dir, 0755) < 0) {
                /* Someone else may have made it meanwhile. */
                char *why = xstrdup(ssh_get_error(r->session));
                int mkdir_err = sftp_errno(sftp);
                if (is_directory(sftp, dir) != 1) {
                    log_error("%s: cannot create directory %s: %s", r->label,
                              dir, why);
                    err = mkdir_err;
                }
                free(why);
            }
        } else if (d == 0) {
            log_error("%s: cannot create directory %s: a file is in the way",
                      r->label, dir);
            err = -ENOTDIR;
        } else if (d < 0) {
            err = sftp_failed(r, sftp, "look at", dir);
        }
        *p = c;
        if (err || c == '\0') {
            break;
        }
    }
    free(dir);
    return err;
}

static int
write_file(struct remote *r, sftp_session sftp, const char *tmp,
           const void *data, size_t len, unsigned mode)
{
    sftp_file f = sftp_open(sftp, tmp, O_WRONLY | O_CREAT | O_TRUNC,
                            (mode_t)(mode & 07777));
    int err = 0;

    if (!f) {
        return sftp_failed(r, sftp, "create", tmp);
    }
    for (size_t done = 0; done < len;) {
        size_t chunk = len - done < SFTP_CHUNK ? len - done : SFTP_CHUNK;
        ssize_t n = sftp_write(f, (const char *)data + done, chunk);
        if (n <= 0) {
            err = sftp_failed(r, sftp, "write", tmp);
            break;
        }
        done += (size_t)n;
    }
    if (sftp_close(f) != SSH_NO_ERROR && !err) {
        err = sftp_failed(r, sftp, "write", tmp);
    }
    /* Exactly `mode`, whatever the server's umask did to it. */
    if (!err && sftp_chmod(sftp, tmp, (mode_t)(mode & 07777)) < 0) {
        err = sftp_failed(r, sftp, "set the mode of", tmp);
    }
    return err;
}

/* An SFTP session on a new channel, or NULL (reported). */
static sftp_session
sftp_start(struct remote *r)
{
    sftp_session sftp;

    if (session_lost(r->session)) {
        log_error("%s: connection lost: %s", r->label,
                  ssh_get_error(r->session));
        return NULL;
    }
    sftp = sftp_new(r->session);
    if (!sftp) {
        log_error("%s: cannot start SFTP (is the sftp subsystem enabled in "
                  "sshd_config?): %s",
                  r->label, ssh_get_error(r->session));
        return NULL;
    }
    if (sftp_init(sftp) < 0) {
        log_error("%s: cannot start SFTP: %s", r->label,
                  ssh_get_error(r->session));
        sftp_free(sftp);
        return NULL;
    }
    return sftp;
}

/* Renames over an existing target, whether or not the server has
 * posix-rename@openssh.com (libssh uses it where it exists; plain SFTP v3
 * rename refuses to replace). */
static int
sftp_replace(struct remote *r, sftp_session sftp, const char *from,
             const char *to)
{
    if (sftp_rename(sftp, from, to) < 0 &&
        (sftp_unlink(sftp, to) < 0 || sftp_rename(sftp, from, to) < 0)) {
        return sftp_failed(r, sftp, "rename to", to);
    }
    return 0;
}

int
remote_rename(struct remote *r, const char *from, const char *to)
{
    sftp_session sftp = sftp_start(r);
    if (!sftp) {
        return -EIO;
    }
    int err = sftp_replace(r, sftp, from, to);
    sftp_free(sftp);
    return err;
}

int
remote_remove(struct remote *r, const char *const *paths, size_t n)
{
    sftp_session sftp = sftp_start(r);
    int err = 0;

    if (!sftp) {
        return -EIO;
    }
    for (size_t i = 0; i < n; i++) {
        if (sftp_unlink(sftp, paths[i]) < 0 &&
            sftp_get_error(sftp) != SSH_FX_NO_SUCH_FILE && !err) {
            err = sftp_failed(r, sftp, "remove", paths[i]);
        }
    }
    sftp_free(sftp);
    return err;
}

int
remote_put(struct remote *r, const char *path, const void *data, size_t len,
           unsigned mode)
{
    sftp_session sftp = sftp_start(r);
    int err;

    if (!sftp) {
        return -EIO;
    }

    char *tmp = xasprintf("%s.tmp", path);
    err = make_parents(r, sftp, path);
    if (!err) {
        err = write_file(r, sftp, tmp, data, len, mode);
    }
    if (!err) {
        err = sftp_replace(r, sftp, tmp, path);
    }
    if (err) {
        sftp_unlink(sftp, tmp);
    }
    free(tmp);
    sftp_free(sftp);
    return err;
}
