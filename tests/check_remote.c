/* The SSH layer (src/cluster/remote.c) against a real OpenSSH server that the
 * suite starts itself: /usr/sbin/sshd on 127.0.0.1 and a free port, as the
 * invoking user, with host and client keys generated in a temporary
 * directory.  Host key checks (unknown, accepted, changed), connection
 * errors and timeouts, commands (streams, exit status, long and unfinished
 * lines, capture, quoting, interrupt, lost connection, interactive with
 * and without a terminal), SFTP writes, parallel connections.
 *
 * The server is started and stopped by an unchecked fixture, in the test
 * runner (so also when a test fails), and dies with the runner
 * (PR_SET_PDEATHSIG) if that is killed.  Without sshd or ssh-keygen the
 * tests that need them are skipped, saying so. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "host.h"
#include "log.h"
#include "network.h"
#include "plan.h"
#include "remote.h"
#include "session.h"
#include "testutil.h"
#include "topology.h"
#include "util.h"

#define SSHD "/usr/sbin/sshd"
#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

static char dir[64];         /* the server's and the tests' files */
static unsigned port;        /* where the server listens */
static pid_t sshd_pid;       /* the server */
static char user[64];        /* who logs in: the invoking user */
static char host_key[1024];  /* "ssh-ed25519 AAAA..." (the server's) */
static char other_key[1024]; /* "ssh-ed25519 AAAA..." (another key) */
static char client_key[128]; /* the authorised private key */
static char stranger[128];   /* a private key the server does not know */
static char good_kh[128];    /* known_hosts with the server's key */

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

static char *
path_in_dir(const char *name)
{
    return xasprintf("%s/%s", dir, name);
}

static char *
read_text(const char *path)
{
    size_t len;
    return util_read_file(path, &len);
}

static void
write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    ck_assert_msg(f, "%s: %s", path, strerror(errno));
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

/* The first two fields of a .pub file: "TYPE BASE64". */
static void
read_public_key(const char *pub, char *out, size_t size)
{
    char *text = read_text(pub);

    ck_assert_msg(text, "cannot read %s", pub);
    char *space = strchr(text, ' ');
    char *end = space ? strpbrk(space + 1, " \n") : NULL;
    if (end) {
        *end = '\0';
    }
    snprintf(out, size, "%s", text);
    free(text);
}

static void
keygen(const char *path)
{
    unlink(path);
    ck_assert_int_eq(host_run(ARGV("ssh-keygen", "-q", "-t", "ed25519", "-N",
                                   "", "-C", "check_remote", "-f", path),
                              NULL),
                     0);
}

/* A TCP port on 127.0.0.1 that nothing listens on (now). */
static unsigned
free_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static bool
port_answers(unsigned p)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)p),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;

    if (fd >= 0) {
        close(fd);
    }
    return ok;
}

static void
remove_tree(const char *path)
{
    DIR *d = opendir(path);

    if (d) {
        const struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") != 0 &&
                strcmp(de->d_name, "..") != 0) {
                char *sub = xasprintf("%s/%s", path, de->d_name);
                remove_tree(sub);
                free(sub);
            }
        }
        closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static const char *
skip_reason(void)
{
    if (access(SSHD, X_OK) != 0) {
        return "no " SSHD " (install openssh-server)";
    }
    char *out = NULL;
    log_set_verbosity(0);
    int status = host_run(ARGV("ssh-keygen", "-?"), &out);
    log_set_verbosity(1);
    free(out);
    if (status < 0) {
        return "no ssh-keygen (install openssh-client)";
    }
    return testutil_sshd_ready() ? NULL
                                 : "no /run/sshd, sshd's privilege separation "
                                   "directory (made when run as root)";
}

/* ------------------------------------------------------------------------ */
/* The server                                                               */
/* ------------------------------------------------------------------------ */

static void
stop_sshd(void)
{
    if (sshd_pid <= 0) {
        return;
    }
    kill(sshd_pid, SIGTERM);
    for (int i = 0; i < 50; i++) {
        if (waitpid(sshd_pid, NULL, WNOHANG) == sshd_pid) {
            sshd_pid = 0;
            return;
        }
        usleep(100 * 1000);
    }
    kill(sshd_pid, SIGKILL);
    waitpid(sshd_pid, NULL, 0);
    sshd_pid = 0;
}

static void
setup_sshd(void)
{
    const struct passwd *pw = getpwuid(geteuid());

    ck_assert_ptr_nonnull(pw);
    snprintf(user, sizeof user, "%s", pw->pw_name);
    snprintf(dir, sizeof dir, "/tmp/miniinet-ssh-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));

    char *host = path_in_dir("host_ed25519");
    char *host_pub = path_in_dir("host_ed25519.pub");
    char *other = path_in_dir("other_ed25519");
    char *other_pub = path_in_dir("other_ed25519.pub");
    snprintf(client_key, sizeof client_key, "%s/id_ed25519", dir);
    snprintf(stranger, sizeof stranger, "%s", other);
    keygen(host);
    keygen(client_key);
    keygen(other);
    read_public_key(host_pub, host_key, sizeof host_key);
    read_public_key(other_pub, other_key, sizeof other_key);

    port = free_port();
    snprintf(good_kh, sizeof good_kh, "%s/known_hosts", dir);
    char *line = xasprintf("[127.0.0.1]:%u %s\n", port, host_key);
    write_text(good_kh, line);
    free(line);

    char *conf = path_in_dir("sshd_config");
    char *text = xasprintf("ListenAddress 127.0.0.1:%u\n"
                           "HostKey %s\n"
                           "PidFile %s/sshd.pid\n"
                           "AuthorizedKeysFile %s.pub\n"
                           "StrictModes no\n"
                           "UsePAM no\n"
                           "PermitRootLogin prohibit-password\n"
                           "PasswordAuthentication no\n"
                           "KbdInteractiveAuthentication no\n"
                           "Subsystem sftp internal-sftp\n"
                           "LogLevel VERBOSE\n",
                           port, host, dir, client_key);
    write_text(conf, text);
    free(text);

    char *log_file = path_in_dir("sshd.log");
    sshd_pid = fork();
    ck_assert_int_ge(sshd_pid, 0);
    if (sshd_pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        int log = open(log_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        dup2(null, 0);
        dup2(log, 1);
        dup2(log, 2);
        /* sshd re-executes itself: it needs its absolute path. */
        execl(SSHD, SSHD, "-D", "-e", "-f", conf, (char *)NULL);
        _exit(127);
    }

    /* Bounded: 50 tries 100 ms apart. */
    bool up = false;
    for (int i = 0; i < 50 && !up; i++) {
        if (waitpid(sshd_pid, NULL, WNOHANG) == sshd_pid) {
            sshd_pid = 0;
            break;
        }
        up = port_answers(port);
        if (!up) {
            usleep(100 * 1000);
        }
    }
    if (!up) {
        char *log = read_text(log_file);
        stop_sshd();
        ck_abort_msg("sshd does not answer on port %u: %s", port,
                     log ? log : "(no log)");
    }
    free(log_file);
    free(conf);
    free(other_pub);
    free(other);
    free(host_pub);
    free(host);
}

static void
teardown_sshd(void)
{
    stop_sshd();
    if (dir[0]) {
        remove_tree(dir);
    }
}

/* ------------------------------------------------------------------------ */
/* Connecting                                                               */
/* ------------------------------------------------------------------------ */

static struct remote_target
target(const char *known_hosts, const char *identity)
{
    return (struct remote_target){.name = "s1",
                                  .address = "127.0.0.1",
                                  .port = port,
                                  .user = user,
                                  .identity = identity,
                                  .known_hosts = known_hosts};
}

/* Connects with `t`: returns the remote, or NULL and the error in
 * *error. */
static struct remote *
try_connect(const struct remote_target *t, bool accept_new, int timeout_ms,
            char **error)
{
    struct remote *r = (struct remote *)1;
    char *err = (char *)1;
    size_t failures =
        remote_connect_all(t, 1, accept_new, timeout_ms, &r, &err);

    ck_assert_uint_eq(failures, r == NULL);
    ck_assert_int_eq(err == NULL, r != NULL);
    *error = err;
    return r;
}

static struct remote *
connect_ok(void)
{
    struct remote_target t = target(good_kh, client_key);
    char *error;
    struct remote *r = try_connect(&t, false, 5000, &error);

    ck_assert_msg(r, "%s", error);
    return r;
}

#define ck_assert_contains(haystack, needle)                                  \
    ck_assert_msg(strstr((haystack), (needle)), "\"%s\" lacks \"%s\"",        \
                  (haystack), (needle))

START_TEST(test_unknown_host_key)
{
    /* No file at all (libssh: UNKNOWN), and an empty one (NOT_FOUND). */
    char *absent = path_in_dir("absent/known_hosts");
    char *empty = path_in_dir("empty_known_hosts");
    write_text(empty, "");
    const char *files[] = {absent, empty};

    for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
        struct remote_target t = target(files[i], client_key);
        char *error;
        ck_assert_ptr_null(try_connect(&t, false, 5000, &error));
        ck_assert_contains(error, "s1 (127.0.0.1): host key ssh-ed25519 "
                                  "SHA256:");
        char *where = xasprintf("is not in %s; verify it", files[i]);
        ck_assert_contains(error, where);
        ck_assert_contains(error, "or pass --accept-new-host-keys");
        char *scan =
            xasprintf("ssh-keyscan -p %u 127.0.0.1 >> %s", port, files[i]);
        ck_assert_contains(error, scan);
        ck_assert_ptr_null(strchr(error, '\n'));
        free(scan);
        free(where);
        free(error);
    }
    /* By default, the user's own file (only read: nothing is written
     * without accept_new). */
    struct remote_target t = target(NULL, client_key);
    char *error;
    ck_assert_ptr_null(try_connect(&t, false, 5000, &error));
    char *where = xasprintf("is not in %s/.ssh/known_hosts;",
                            getpwuid(geteuid())->pw_dir);
    ck_assert_contains(error, where);
    free(where);
    free(error);

    /* Nothing written. */
    struct stat st;
    ck_assert_int_ne(stat(absent, &st), 0);
    char *text = read_text(empty);
    ck_assert_str_eq(text, "");
    free(text);
    free(empty);
    free(absent);
}
END_TEST

START_TEST(test_accept_new_host_key)
{
    char *file = path_in_dir("accept/known_hosts");
    struct remote_target t = target(file, client_key);
    char *error;

    testutil_capture_begin();
    struct remote *r = try_connect(&t, true, 5000, &error);
    testutil_capture_end();
    ck_assert_msg(r, "%s", error);
    ck_assert_str_eq(remote_name(r), "s1");
    char *note = xasprintf("s1 (127.0.0.1): new host key ssh-ed25519 "
                           "SHA256:");
    ck_assert_contains(testutil_captured(), note);
    ck_assert_contains(testutil_captured(), file);
    remote_close(r);

    char *text = read_text(file);
    ck_assert_ptr_nonnull(text);
    char *line = xasprintf("[127.0.0.1]:%u %s", port, host_key);
    ck_assert_contains(text, line);
    free(text);

    /* Known now: no accept_new needed, nothing added. */
    r = try_connect(&t, false, 5000, &error);
    ck_assert_msg(r, "%s", error);
    remote_close(r);
    r = try_connect(&t, true, 5000, &error);
    ck_assert_msg(r, "%s", error);
    remote_close(r);
    text = read_text(file);
    ck_assert_ptr_eq(strstr(text, line), strrchr(text, '['));
    free(text);
    free(line);
    free(note);
    free(file);
}
END_TEST

START_TEST(test_changed_host_key)
{
    char *file = path_in_dir("changed_known_hosts");
    char *line = xasprintf("[127.0.0.1]:%u %s\n", port, other_key);
    write_text(file, line);

    for (int accept_new = 0; accept_new <= 1; accept_new++) {
        struct remote_target t = target(file, client_key);
        char *error;
        ck_assert_ptr_null(try_connect(&t, accept_new, 5000, &error));
        ck_assert_contains(error, "s1 (127.0.0.1): host key changed");
        char *fix =
            xasprintf("`ssh-keygen -R '[127.0.0.1]:%u' -f %s`", port, file);
        ck_assert_contains(error, fix);
        ck_assert_ptr_null(strchr(error, '\n'));
        free(fix);
        free(error);
    }
    char *text = read_text(file);
    ck_assert_str_eq(text, line);
    free(text);
    free(line);
    free(file);
}
END_TEST

START_TEST(test_connection_refused)
{
    struct remote_target t = target(good_kh, client_key);
    char *error;

    t.port = free_port();
    double start = util_monotonic();
    ck_assert_ptr_null(try_connect(&t, false, 3000, &error));
    /* At once, not after the 3 s timeout. */
    ck_assert_double_lt(util_monotonic() - start, 2.9);
    ck_assert_contains(error, "s1 (127.0.0.1): cannot connect: ");
    ck_assert_contains(error, "refused");
    free(error);
}
END_TEST

/* A port on 127.0.0.1 where the kernel accepts TCP connections and nobody
 * ever says anything; returns the listening socket. */
static int
silent_server(unsigned *silent_port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(listen(fd, 16), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    *silent_port = ntohs(sa.sin_port);
    return fd;
}

START_TEST(test_connect_timeout)
{
    unsigned silent;
    int fd = silent_server(&silent);
    struct remote_target t = target(good_kh, client_key);
    char *error;

    t.port = silent;
    double start = util_monotonic();
    ck_assert_ptr_null(try_connect(&t, false, 1000, &error));
    double took = util_monotonic() - start;
    ck_assert_double_ge(took, 0.9);
    ck_assert_double_lt(took, 10.0); /* bounded */
    ck_assert_str_eq(error, "s1 (127.0.0.1): timed out after 1 s");
    free(error);
    close(fd);
}
END_TEST

START_TEST(test_authentication_failed)
{
    struct remote_target t = target(good_kh, stranger);
    char *error;

    ck_assert_ptr_null(try_connect(&t, false, 5000, &error));
    char *expected = xasprintf("s1 (127.0.0.1): authentication as %s failed "
                               "with key %s",
                               user, stranger);
    ck_assert_str_eq(error, expected);
    free(expected);
    free(error);

    char *missing = path_in_dir("no_such_key");
    t.identity = missing;
    ck_assert_ptr_null(try_connect(&t, false, 5000, &error));
    ck_assert_contains(error, "cannot read the private key");
    ck_assert_contains(error, missing);
    free(error);
    free(missing);
}
END_TEST

START_TEST(test_parallel)
{
    struct remote_target t[4];
    struct remote *r[4];
    char *errors[4];
    const char *names[] = {"a", "b", "c", "d"};

    for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
        t[i] = target(good_kh, client_key);
        t[i].name = names[i];
    }
    double start = util_monotonic();
    ck_assert_uint_eq(remote_connect_all(t, 1, false, 5000, r, errors), 0);
    double one = util_monotonic() - start;
    remote_close(r[0]);

    start = util_monotonic();
    ck_assert_uint_eq(remote_connect_all(t, 4, false, 5000, r, errors), 0);
    double four = util_monotonic() - start;
    /* Here the server's side (sshd re-executes itself for each
     * connection) takes most of the time, on the same 2 cores: no bound,
     * the waits below show that the connections overlap. */
    printf("# connect: 1 server %.3f s, 4 in parallel %.3f s\n", one, four);
    fflush(stdout);
    for (size_t i = 0; i < 4; i++) {
        ck_assert_ptr_nonnull(r[i]);
        ck_assert_ptr_null(errors[i]);
        ck_assert_str_eq(remote_name(r[i]), names[i]);
        char *out;
        ck_assert_int_eq(
            remote_capture(r[i], "echo $((6 * 7))", &out, NULL, NULL), 0);
        ck_assert_str_eq(out, "42\n");
        free(out);
        remote_close(r[i]);
    }

    /* Four servers that never answer time out together, in about the
     * time of one, and one failure among successes has the only error. */
    unsigned silent;
    int fd = silent_server(&silent);
    t[1].port = silent;
    t[2].port = silent;
    t[3].port = free_port();
    start = util_monotonic();
    ck_assert_uint_eq(remote_connect_all(t, 4, false, 1000, r, errors), 3);
    double took = util_monotonic() - start;
    /* In parallel: one after the other would take 3 s at least. */
    ck_assert_double_lt(took, 2.8);
    ck_assert_ptr_nonnull(r[0]);
    ck_assert_ptr_null(errors[0]);
    ck_assert_str_eq(errors[1], "b (127.0.0.1): timed out after 1 s");
    ck_assert_str_eq(errors[2], "c (127.0.0.1): timed out after 1 s");
    ck_assert_contains(errors[3], "d (127.0.0.1): cannot connect: ");
    remote_close(r[0]);
    for (size_t i = 1; i < 4; i++) {
        ck_assert_ptr_null(r[i]);
        free(errors[i]);
        t[i].port = silent;
    }
    start = util_monotonic();
    ck_assert_uint_eq(remote_connect_all(t + 1, 3, false, 1000, r, errors), 3);
    took = util_monotonic() - start;
    ck_assert_double_ge(took, 0.9);
    ck_assert_double_lt(took, 2.8);
    for (size_t i = 0; i < 3; i++) {
        free(errors[i]);
    }
    close(fd);

    ck_assert_uint_eq(remote_connect_all(t, 0, false, 5000, r, errors), 0);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Commands                                                                 */
/* ------------------------------------------------------------------------ */

/* Lines of each stream, each followed by "|". */
struct lines {
    char *text[2];
    size_t len[2];
    FILE *f[2];
    unsigned count[2];
};

static void
lines_init(struct lines *l)
{
    for (int s = 0; s < 2; s++) {
        l->text[s] = NULL;
        l->count[s] = 0;
        l->f[s] = open_memstream(&l->text[s], &l->len[s]);
    }
}

static void
lines_end(struct lines *l)
{
    fclose(l->f[0]);
    fclose(l->f[1]);
}

static void
lines_free(struct lines *l)
{
    free(l->text[0]);
    free(l->text[1]);
}

static void
collect(void *aux, bool is_stderr, const char *line)
{
    struct lines *l = aux;

    fprintf(l->f[is_stderr], "%s|", line);
    l->count[is_stderr]++;
}

/* Runs `command` and returns its status; lines in `l`. */
static int
exec_lines(struct remote *r, const char *command, struct lines *l)
{
    lines_init(l);
    int status = remote_exec(r, command, collect, l);
    lines_end(l);
    return status;
}

START_TEST(test_exec_streams)
{
    struct remote *r = connect_ok();
    struct lines l;

    ck_assert_int_eq(
        exec_lines(r, "printf 'a\\nb\\n'; echo err >&2; exit 3", &l), 3);
    ck_assert_str_eq(l.text[0], "a|b|");
    ck_assert_str_eq(l.text[1], "err|");
    lines_free(&l);

    /* Last lines without a newline, on both streams; empty lines. */
    ck_assert_int_eq(
        exec_lines(r, "printf 'x\\n\\ny'; printf 'e1\\ne2' >&2", &l), 0);
    ck_assert_str_eq(l.text[0], "x||y|");
    ck_assert_str_eq(l.text[1], "e1|e2|");
    lines_free(&l);

    /* No output at all; a NULL line function. */
    ck_assert_int_eq(exec_lines(r, "true", &l), 0);
    ck_assert_str_eq(l.text[0], "");
    ck_assert_str_eq(l.text[1], "");
    lines_free(&l);
    ck_assert_int_eq(remote_exec(r, "echo ignored; exit 255", NULL, NULL),
                     255);

    /* Killed by a signal: 128 + N, as a shell says. */
    ck_assert_int_eq(remote_exec(r, "kill -9 $$", NULL, NULL), 128 + 9);

    /* Standard input is at end of file. */
    ck_assert_int_eq(exec_lines(r, "cat; echo done", &l), 0);
    ck_assert_str_eq(l.text[0], "done|");
    lines_free(&l);
    remote_close(r);
}
END_TEST

START_TEST(test_exec_long_lines)
{
    struct remote *r = connect_ok();
    struct lines l;

    /* 100 kB in one line, then another. */
    ck_assert_int_eq(
        exec_lines(r, "head -c 100000 /dev/zero | tr '\\0' x; echo; echo end",
                   &l),
        0);
    ck_assert_uint_eq(l.count[0], 2);
    ck_assert_uint_eq(strlen(l.text[0]), 100000 + 1 + 4);
    ck_assert_uint_eq(strspn(l.text[0], "x"), 100000);
    ck_assert_str_eq(l.text[0] + 100000, "|end|");
    lines_free(&l);

    /* Longer than REMOTE_LINE_MAX: pieces of that size, nothing lost. */
    ck_assert_int_eq(
        exec_lines(r,
                   "head -c 1048586 /dev/zero | tr '\\0' y >&2; echo; "
                   "head -c 1048576 /dev/zero | tr '\\0' z; echo",
                   &l),
        0);
    ck_assert_uint_eq(l.count[1], 2);
    ck_assert_uint_eq(strlen(l.text[1]), 1048586 + 2);
    ck_assert_uint_eq(strspn(l.text[1], "y"), REMOTE_LINE_MAX);
    ck_assert_str_eq(l.text[1] + REMOTE_LINE_MAX, "|yyyyyyyyyy|");
    /* Exactly REMOTE_LINE_MAX: whole, no empty piece after it. */
    ck_assert_uint_eq(l.count[0], 2);
    ck_assert_uint_eq(strspn(l.text[0], "|"), 1);
    ck_assert_uint_eq(strspn(l.text[0] + 1, "z"), REMOTE_LINE_MAX);
    ck_assert_str_eq(l.text[0] + 1 + REMOTE_LINE_MAX, "|");
    lines_free(&l);
    remote_close(r);
}
END_TEST

START_TEST(test_capture)
{
    struct remote *r = connect_ok();
    struct lines l;
    char *out;

    lines_init(&l);
    ck_assert_int_eq(remote_capture(r,
                                    "echo hello; echo warn >&2; "
                                    "printf 'x\\ny'",
                                    &out, collect, &l),
                     0);
    lines_end(&l);
    ck_assert_str_eq(out, "hello\nx\ny");
    ck_assert_str_eq(l.text[0], "");
    ck_assert_str_eq(l.text[1], "warn|");
    free(out);
    lines_free(&l);

    /* Output kept with a failing status; standard error to the log. */
    testutil_capture_begin();
    ck_assert_int_eq(remote_capture(r, "echo partial; echo oops >&2; exit 4",
                                    &out, NULL, NULL),
                     4);
    testutil_capture_end();
    ck_assert_str_eq(out, "partial\n");
    ck_assert_str_eq(testutil_captured(), "s1: oops\n");
    free(out);

    ck_assert_int_eq(remote_capture(r, "true", &out, NULL, NULL), 0);
    ck_assert_str_eq(out, "");
    free(out);

    /* Bytes counted: at least the 300 kB that came. */
    uint64_t before = remote_bytes(r);
    ck_assert_uint_gt(before, 0);
    ck_assert_int_eq(
        remote_capture(r, "head -c 300000 /dev/zero", &out, NULL, NULL), 0);
    free(out);
    ck_assert_uint_ge(remote_bytes(r) - before, 300000);
    ck_assert_uint_lt(remote_bytes(r) - before, 400000);
    remote_close(r);
}
END_TEST

START_TEST(test_quote_round_trip)
{
    static const char *const words[] = {
        "",          "plain",
        "a b",       "it's",
        "'",         "''",
        "$HOME",     "$(echo x)",
        "`echo x`",  "back\\slash",
        "new\nline", "*",
        "a\"b",      "-n",
        "tab\there", "a'b\"c$d`e\\f\ng!h;i&j|k<l>m(n)o{p}q~r#s",
    };
    struct remote *r = connect_ok();
    char *command = xstrdup(":");
    char *expected = xstrdup("");

    /* One command for all (each takes the server's shell start-up): every
     * word printed as it came back, then a \001. */
    for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
        char *q = remote_quote(words[i]);
        char *longer = xasprintf("%s; printf '%%s\\001' %s", command, q);
        free(command);
        command = longer;
        longer = xasprintf("%s%s\001", expected, words[i]);
        free(expected);
        expected = longer;
        free(q);
    }
    char *out;
    ck_assert_int_eq(remote_capture(r, command, &out, NULL, NULL), 0);
    ck_assert_str_eq(out, expected);
    free(out);
    free(expected);
    free(command);
    remote_close(r);
}
END_TEST

START_TEST(test_quote)
{
    char *q = remote_quote("");
    ck_assert_str_eq(q, "''");
    free(q);
    q = remote_quote("a b");
    ck_assert_str_eq(q, "'a b'");
    free(q);
    q = remote_quote("it's");
    ck_assert_str_eq(q, "'it'\\''s'");
    free(q);
}
END_TEST

/* remote_exec() on a thread, so that the test can interrupt it. */
struct background {
    struct remote *r;
    const char *command;
    int status;
    double took;
    pthread_t thread;
};

static void *
background_exec(void *b_)
{
    struct background *b = b_;
    double start = util_monotonic();

    b->status = remote_exec(b->r, b->command, NULL, NULL);
    b->took = util_monotonic() - start;
    return NULL;
}

/* Starts `command`, interrupts it after 0.5 s, waits (30 s at most: the
 * command may start late on a loaded machine, and the last case's output is
 * held 7 s from its start). */
static void
interrupt_after(struct background *b)
{
    struct timespec limit;

    ck_assert_int_eq(pthread_create(&b->thread, NULL, background_exec, b), 0);
    usleep(500 * 1000);
    remote_interrupt(b->r);
    clock_gettime(CLOCK_REALTIME, &limit);
    limit.tv_sec += 30;
    ck_assert_int_eq(pthread_timedjoin_np(b->thread, NULL, &limit), 0);
}

/* True once no process runs `pattern` (2 s at most). */
static bool
gone(const char *pattern)
{
    for (int i = 0; i < 20; i++) {
        char *out = NULL;
        log_set_verbosity(0);
        int status = host_run(ARGV("pgrep", "-f", pattern), &out);
        log_set_verbosity(1);
        free(out);
        if (status == 1 || status < 0) {
            return true; /* none, or no pgrep to tell */
        }
        usleep(100 * 1000);
    }
    return false;
}

START_TEST(test_interrupt)
{
    /* SIGTERM ends it at once; the whole process group goes. */
    struct background b = {.r = connect_ok(),
                           .command = "sleep 3171 & sleep 3172; echo no"};
    interrupt_after(&b);
    ck_assert_int_eq(b.status, -EINTR);
    /* Bounded, not timed: well before the command would end by itself. */
    ck_assert_double_lt(b.took, 30.0);
    ck_assert(gone("sleep 317[12]"));

    /* Interrupted stays interrupted. */
    double start = util_monotonic();
    ck_assert_int_eq(remote_exec(b.r, "echo no", NULL, NULL), -EINTR);
    ck_assert_double_lt(util_monotonic() - start, 5.0); /* ran nothing */
    remote_close(b.r);

    /* SIGTERM ignored: SIGKILL 3 s later. */
    b = (struct background){.r = connect_ok(),
                            .command = "trap '' TERM; sleep 3173; echo no"};
    interrupt_after(&b);
    ck_assert_int_eq(b.status, -EINTR);
    ck_assert_double_ge(b.took, 3.0); /* SIGTERM was not enough */
    ck_assert_double_lt(b.took, 30.0);
    ck_assert(gone("sleep 3173"));
    remote_close(b.r);

    /* The call returns once the command has ended, its output included,
     * however long after SIGKILL: here a process of another session holds
     * its output 7 s (the master no longer gives up 5 s after SIGTERM,
     * which let a server's stopped `up` run on holding its lock). */
    b = (struct background){
        .r = connect_ok(),
        .command = "setsid sleep 7 & trap '' TERM; sleep 3174; echo no"};
    interrupt_after(&b);
    ck_assert_int_eq(b.status, -EINTR);
    ck_assert_double_ge(b.took, 6.5);
    ck_assert(gone("sleep 3174"));
    remote_close(b.r);

    /* Interrupted before anything runs. */
    struct remote *r = connect_ok();
    remote_interrupt(r);
    ck_assert_int_eq(remote_exec(r, "echo no", NULL, NULL), -EINTR);
    char *out = (char *)"unset";
    ck_assert_int_eq(remote_capture(r, "echo no", &out, NULL, NULL), -EINTR);
    ck_assert_ptr_null(out);
    remote_close(r);
}
END_TEST

START_TEST(test_connection_lost)
{
    struct remote *r = connect_ok();

    /* The command's parent is the sshd process serving this connection. */
    testutil_capture_begin();
    double start = util_monotonic();
    int status = remote_exec(r, "kill -9 $PPID; sleep 10", NULL, NULL);
    double took = util_monotonic() - start;
    testutil_capture_end();
    ck_assert_int_eq(status, -EIO);
    ck_assert_double_lt(took, 5.0);
    ck_assert_contains(testutil_captured(), "s1 (127.0.0.1): connection lost");

    /* Everything after fails at once, saying so. */
    testutil_capture_begin();
    ck_assert_int_eq(remote_exec(r, "true", NULL, NULL), -EIO);
    ck_assert_int_lt(remote_put(r, "/tmp/x", "x", 1, 0644), 0);
    testutil_capture_end();
    ck_assert_str_eq(testutil_captured(),
                     "s1 (127.0.0.1): connection lost: Socket error: "
                     "disconnected\n"
                     "s1 (127.0.0.1): connection lost: Socket error: "
                     "disconnected\n");
    remote_close(r);
}
END_TEST

/* A server whose sshd hangs (stopped): remote_interrupt() alone would wait
 * for libssh's own timeout to open the channel of each signal (60 s);
 * remote_abort() cuts the connection and the call returns at once. */
START_TEST(test_abort_hung_server)
{
    struct remote *r = connect_ok();
    char *out = NULL;

    /* The command's parent: the sshd process serving this connection. */
    ck_assert_int_eq(remote_capture(r, "echo $PPID", &out, NULL, NULL), 0);
    pid_t sshd = (pid_t)atoi(out);
    free(out);
    ck_assert_int_gt(sshd, 1);
    ck_assert_int_eq(kill(sshd, SIGSTOP), 0);

    struct background b = {.r = r, .command = "echo no"};
    struct timespec limit;
    testutil_capture_begin();
    ck_assert_int_eq(pthread_create(&b.thread, NULL, background_exec, &b), 0);
    usleep(500 * 1000);
    remote_interrupt(r); /* nothing can reach the server */
    usleep(1000 * 1000);
    remote_abort(r);
    clock_gettime(CLOCK_REALTIME, &limit);
    limit.tv_sec += 10;
    int joined = pthread_timedjoin_np(b.thread, NULL, &limit);
    kill(sshd, SIGCONT);
    if (joined) {
        pthread_join(b.thread, NULL);
    }
    testutil_capture_end();
    ck_assert_int_eq(joined, 0);
    ck_assert_int_lt(b.status, 0);
    ck_assert_double_lt(b.took, 5.0);
    /* Cut: later calls fail at once. */
    testutil_capture_begin();
    ck_assert_int_lt(remote_exec(r, "true", NULL, NULL), 0);
    testutil_capture_end();
    remote_close(r);
}
END_TEST

/* remote_capture_bounded(): within its bound, the whole output; beyond,
 * the command interrupted at once (not left to run), -EFBIG, nothing kept,
 * and the remote stays interrupted. */
START_TEST(test_capture_bounded)
{
    struct remote *r = connect_ok();
    char *out = NULL;

    ck_assert_int_eq(
        remote_capture_bounded(r, "echo hello", 100, &out, NULL, NULL), 0);
    ck_assert_str_eq(out, "hello\n");
    free(out);
    out = (char *)1;
    double start = util_monotonic();
    ck_assert_int_eq(remote_capture_bounded(r,
                                            "head -c 100000 /dev/zero | "
                                            "tr '\\000' x; sleep 30",
                                            1000, &out, NULL, NULL),
                     -EFBIG);
    ck_assert_ptr_null(out);
    ck_assert_double_lt(util_monotonic() - start, 10.0); /* not the sleep */
    testutil_capture_begin();
    ck_assert_int_eq(remote_capture(r, "echo again", &out, NULL, NULL),
                     -EINTR);
    testutil_capture_end();
    remote_close(r);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* The dashboard's gathering (master.c) through a slow connection           */
/* ------------------------------------------------------------------------ */

/* master.c, linked here for its gathering, names the session's plugins in
 * code the gathering never runs (check, access). */
const struct active_plugin *
session_plugin(const struct session *s, enum mi_plugin_kind kind)
{
    (void)s;
    (void)kind;
    ck_abort_msg("session_plugin() called: not by the gathering");
    return NULL;
}

/* A TCP relay to the suite's sshd that accepts one connection and holds it
 * `delay_s` before passing anything on: a server slow to connect to. */
struct slow_relay {
    int listen_fd;
    unsigned port;
    double delay_s;
    pthread_t thread;
};

static void
relay_bytes(int a, int b)
{
    char buf[16384];
    double until = util_monotonic() + 60; /* bounded */

    while (util_monotonic() < until) {
        struct pollfd p[2] = {{.fd = a, .events = POLLIN},
                              {.fd = b, .events = POLLIN}};
        if (poll(p, 2, 200) < 0) {
            return;
        }
        for (int i = 0; i < 2; i++) {
            if (!p[i].revents) {
                continue;
            }
            ssize_t n = read(p[i].fd, buf, sizeof buf);
            if (n <= 0 || write(p[1 - i].fd, buf, (size_t)n) != n) {
                return;
            }
        }
    }
}

static void *
relay_main(void *arg)
{
    struct slow_relay *sr = arg;
    struct pollfd p = {.fd = sr->listen_fd, .events = POLLIN};

    if (poll(&p, 1, 30000) <= 0) {
        return NULL;
    }
    int in = accept(sr->listen_fd, NULL, NULL);
    if (in < 0) {
        return NULL;
    }
    usleep((useconds_t)(sr->delay_s * 1e6));
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int out = socket(AF_INET, SOCK_STREAM, 0);
    if (out >= 0 && connect(out, (struct sockaddr *)&sa, sizeof sa) == 0) {
        relay_bytes(in, out);
    }
    if (out >= 0) {
        close(out);
    }
    close(in);
    return NULL;
}

static void
relay_start(struct slow_relay *sr, double delay_s)
{
    sr->listen_fd = silent_server(&sr->port);
    sr->delay_s = delay_s;
    ck_assert_int_eq(pthread_create(&sr->thread, NULL, relay_main, sr), 0);
}

static void
relay_stop(struct slow_relay *sr)
{
    shutdown(sr->listen_fd, SHUT_RDWR);
    pthread_join(sr->thread, NULL);
    close(sr->listen_fd);
}

/* A network of one server, s1, reached through `relay` as the master
 * reaches it; its `miniinet` is a script that notes each run in
 * DIR/ran and answers at once ("quick"), prints 10000 bytes ("big"), or
 * sleeps 20 s (anything else). */
struct one_server {
    struct topology *topo;
    struct plan *plan;
    struct session s;
    char *ran;
};

static void
one_server_open(struct one_server *o, const struct slow_relay *relay)
{
    char *kh = path_in_dir("relay_known_hosts");
    char *line = xasprintf("[127.0.0.1]:%u %s\n", relay->port, host_key);
    write_text(kh, line);
    free(line);
    o->ran = path_in_dir("ran");
    unlink(o->ran);
    char *program = path_in_dir("fake-miniinet");
    char *script =
        xasprintf("#!/bin/sh\n"
                  "echo \"$*\" >>%s\n"
                  "case \"$*\" in\n"
                  "*quick*) echo quick-answer ;;\n"
                  "*restart*) exit 0 ;;\n"
                  "*big*) head -c 10000 /dev/zero | tr '\\000' x ;;\n"
                  "*) sleep 20 ;;\n"
                  "esac\n",
                  o->ran);
    write_text(program, script);
    ck_assert_int_eq(chmod(program, 0755), 0);
    setenv("MINIINET_REMOTE_PROGRAM", program, 1);
    free(script);
    free(program);

    char *cfg = path_in_dir("gather.cfg");
    char *text = xasprintf(
        "name = \"gather\";\n"
        "servers = ( { name = \"s1\"; address = \"198.18.0.1\";\n"
        "  ssh = { host = \"127.0.0.1\"; port = %u; user = \"%s\";\n"
        "          identity = \"%s\"; known_hosts = \"%s\"; }; } );\n"
        "ases = ( { asn = 1; routers = ( \"ZURI\" ); } );\n",
        relay->port, user, client_key, kh);
    write_text(cfg, text);
    free(text);
    free(kh);
    const struct plan_params params = {.tunnel_overhead = 50};
    testutil_capture_begin();
    int error = topology_load(cfg, &o->topo);
    if (!error) {
        error = plan_compute(o->topo, &params, &o->plan);
    }
    testutil_capture_end();
    ck_assert_msg(!error, "%s: %s", cfg, testutil_captured());
    free(cfg);
    memset(&o->s, 0, sizeof o->s);
    o->s.topo = o->topo;
    o->s.plan = o->plan;
}

static void
one_server_close(struct one_server *o)
{
    plan_free(o->plan);
    topology_free(o->topo);
    free(o->ran);
}

/* The plumbing works: through the relay (no delay), the fake program runs
 * and answers; more than the bound is refused, "printed too much". */
START_TEST(test_gather_exec)
{
    struct slow_relay relay;
    struct one_server o;
    relay_start(&relay, 0);
    one_server_open(&o, &relay);
    struct master_gather *g = master_gather_open(&o.s);
    char *out = NULL, *why = NULL;
    char *quick[] = {"quick", NULL}, *big[] = {"big", NULL};

    testutil_capture_begin();
    int status = master_gather_exec(g, 0, quick, 10, 4096, &out, &why);
    testutil_capture_end();
    ck_assert_msg(status == 0, "%s: %s", why, testutil_captured());
    ck_assert_str_eq(out, "quick-answer\n");
    free(out);
    testutil_capture_begin();
    status = master_gather_exec(g, 0, big, 10, 1000, &out, &why);
    testutil_capture_end();
    ck_assert_int_eq(status, -1);
    ck_assert_ptr_null(out);
    ck_assert_str_eq(why, "printed too much");
    free(why);
    master_gather_close(g);
    relay_stop(&relay);
    one_server_close(&o);
}
END_TEST

/* A looking-glass call (5 s at most in serve; 1 s here) to a server slow
 * to connect to (3 s): the call ends at its limit, and the command is
 * never run on the session that connects late -- before, nothing bounded
 * it once connected, and the caller waited for the whole command. */
/* The master's `restart NODE` passes its clock (restart --time T), so that
 * the snapshot the server saves before the restart is named as the
 * master's `save` names one, not by the server's clock. */
START_TEST(test_master_restart_time)
{
    struct slow_relay relay;
    struct one_server o;
    relay_start(&relay, 0);
    one_server_open(&o, &relay);
    long long before = (long long)time(NULL);
    testutil_capture_begin();
    int status = master_restart(&o.s, "1_ZURIrouter");
    testutil_capture_end();
    long long after = (long long)time(NULL);
    ck_assert_msg(status == 0, "%s", testutil_captured());
    char *ran = read_text(o.ran);
    ck_assert_ptr_nonnull(ran);
    const char *at = strstr(ran, "restart 1_ZURIrouter --time ");
    ck_assert_msg(at != NULL, "ran: %s", ran);
    long long t =
        strtoll(at + strlen("restart 1_ZURIrouter --time "), NULL, 10);
    ck_assert_msg(t >= before && t <= after,
                  "--time %lld, not in [%lld, %lld]", t, before, after);
    ck_assert_ptr_null(o.s.opts.time); /* not left pointing at a local */
    free(ran);
    one_server_close(&o);
    relay_stop(&relay);
}
END_TEST

START_TEST(test_gather_slow_connect)
{
    struct slow_relay relay;
    struct one_server o;
    relay_start(&relay, 3);
    one_server_open(&o, &relay);
    struct master_gather *g = master_gather_open(&o.s);
    char *out = NULL, *why = NULL;
    char *argv[] = {"vtysh", NULL};

    double start = util_monotonic();
    testutil_capture_begin();
    int status = master_gather_exec(g, 0, argv, 1, 4096, &out, &why);
    testutil_capture_end();
    double took = util_monotonic() - start;
    ck_assert_int_eq(status, -1);
    ck_assert_ptr_null(out);
    ck_assert_ptr_nonnull(why);
    free(why);
    ck_assert_double_lt(took, 8.0); /* 1 s and a margin for valgrind */
    master_gather_close(g);
    relay_stop(&relay);
    sleep(1);
    ck_assert_msg(access(o.ran, F_OK) != 0, "the command ran");
    one_server_close(&o);
}
END_TEST

struct gather_call {
    struct master_gather *g;
    int status;
    char *out, *why;
    double took;
    pthread_t thread;
};

static void *
gather_call_main(void *arg)
{
    struct gather_call *c = arg;
    struct gather_limits lim = {.late_s = 100, .timeout_s = 100};
    double cpu, start = util_monotonic();

    c->status =
        master_gather_one(c->g, 0, "check", &lim, &c->out, &c->why, &cpu);
    c->took = util_monotonic() - start;
    return NULL;
}

/* Stopping (serve's SIGTERM) while a probe is still connecting (2 s): the
 * call returns when the connection is made, without running its command
 * on it -- before, the command ran to its end (20 s here) with nobody to
 * interrupt it, and serve's exit waited for it. */
START_TEST(test_gather_stop_while_connecting)
{
    struct slow_relay relay;
    struct one_server o;
    relay_start(&relay, 2);
    one_server_open(&o, &relay);
    struct gather_call c = {.g = master_gather_open(&o.s)};

    testutil_capture_begin();
    ck_assert_int_eq(pthread_create(&c.thread, NULL, gather_call_main, &c), 0);
    usleep(500 * 1000);
    master_gather_stop(c.g);
    struct timespec limit;
    clock_gettime(CLOCK_REALTIME, &limit);
    limit.tv_sec += 30;
    int joined = pthread_timedjoin_np(c.thread, NULL, &limit);
    if (joined) {
        pthread_join(c.thread, NULL);
    }
    testutil_capture_end();
    ck_assert_int_eq(joined, 0);
    ck_assert_int_eq(c.status, -1);
    ck_assert_ptr_null(c.out);
    free(c.why);
    ck_assert_double_lt(c.took, 12.0); /* 2 s, a handshake (valgrind) */
    master_gather_close(c.g);
    relay_stop(&relay);
    sleep(1);
    ck_assert_msg(access(o.ran, F_OK) != 0, "the command ran");
    one_server_close(&o);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Interactive                                                              */
/* ------------------------------------------------------------------------ */

START_TEST(test_interactive_pipes)
{
    struct remote *r = connect_ok();
    char *out_path = path_in_dir("interactive.out");
    char *err_path = path_in_dir("interactive.err");
    int in[2];

    ck_assert_int_eq(pipe(in), 0);
    ck_assert_int_eq(write(in[1], "hello\nworld\n", 12), 12);
    close(in[1]);
    int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    fflush(stdout);
    fflush(stderr);
    int saved[3] = {dup(0), dup(1), dup(2)};
    dup2(in[0], 0);
    dup2(out, 1);
    dup2(err, 2);
    int status = remote_exec_interactive(
        r, "tty >/dev/null || echo no tty; cat; echo oops >&2; exit 5");
    for (int fd = 0; fd < 3; fd++) {
        dup2(saved[fd], fd);
        close(saved[fd]);
    }
    close(in[0]);
    close(out);
    close(err);

    ck_assert_int_eq(status, 5);
    char *text = read_text(out_path);
    ck_assert_str_eq(text, "no tty\nhello\nworld\n");
    free(text);
    text = read_text(err_path);
    ck_assert_str_eq(text, "oops\n");
    free(text);
    free(err_path);
    free(out_path);
    remote_close(r);
}
END_TEST

START_TEST(test_interactive_terminal)
{
    struct winsize ws = {.ws_row = 33, .ws_col = 111};
    int master;
    pid_t pid = forkpty(&master, NULL, NULL, &ws);

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        /* No Check assertions here: report through the exit status. */
        struct remote_target t = target(good_kh, client_key);
        struct remote *r;
        char *error;
        setenv("TERM", "vt100", 1);
        if (remote_connect_all(&t, 1, false, 5000, &r, &error)) {
            fprintf(stderr, "%s\n", error);
            free(error);
            _exit(100);
        }
        int status = remote_exec_interactive(
            r, "stty size; echo term=$TERM; read x; echo got=$x; exit 7");
        remote_close(r);
        _exit(status < 0 ? 101 : status);
    }

    /* Answers the prompt once the command is there; reads until the child
     * is done (20 s at most). */
    char buf[8192] = "";
    size_t len = 0;
    bool answered = false;
    double deadline = util_monotonic() + 20;
    while (util_monotonic() < deadline && len < sizeof buf - 1) {
        struct pollfd p = {.fd = master, .events = POLLIN};
        if (poll(&p, 1, 200) > 0) {
            ssize_t n = read(master, buf + len, sizeof buf - 1 - len);
            if (n <= 0) {
                break; /* EIO: the child is gone */
            }
            len += (size_t)n;
            buf[len] = '\0';
        }
        if (!answered && strstr(buf, "term=")) {
            ck_assert_int_eq(write(master, "abc\r", 4), 4);
            answered = true;
        }
    }
    int wstatus;
    ck_assert_int_eq(waitpid(pid, &wstatus, 0), pid);
    close(master);
    ck_assert_msg(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 7,
                  "status %#x, output: %s", wstatus, buf);
    ck_assert_contains(buf, "33 111");
    ck_assert_contains(buf, "term=vt100");
    ck_assert_contains(buf, "got=abc");
}
END_TEST

/* ------------------------------------------------------------------------ */
/* SFTP                                                                     */
/* ------------------------------------------------------------------------ */

static void
assert_file(const char *path, const char *data, size_t len, unsigned mode)
{
    struct stat st;

    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, mode);
    ck_assert_uint_eq((size_t)st.st_size, len);
    char *text = read_text(path);
    ck_assert_int_eq(memcmp(text, data, len), 0);
    free(text);
    char *tmp = xasprintf("%s.tmp", path);
    ck_assert_int_ne(stat(tmp, &st), 0);
    free(tmp);
}

START_TEST(test_put)
{
    struct remote *r = connect_ok();
    char *path = path_in_dir("put/a/b/file.txt");

    ck_assert_int_eq(remote_put(r, path, "hello\n", 6, 0640), 0);
    assert_file(path, "hello\n", 6, 0640);
    struct stat st;
    char *parent = path_in_dir("put/a/b");
    ck_assert_int_eq(stat(parent, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    ck_assert_uint_eq(st.st_mode & 07777, 0755);

    /* Replaced whole, mode included; 1 MB of every byte value. */
    size_t len = 1000 * 1000 + 7;
    char *data = xmalloc(len);
    for (size_t i = 0; i < len; i++) {
        data[i] = (char)(i * 7 + i / 256);
    }
    ck_assert_int_eq(remote_put(r, path, data, len, 0600), 0);
    assert_file(path, data, len, 0600);
    ck_assert_int_eq(remote_put(r, path, "", 0, 0755), 0);
    assert_file(path, "", 0, 0755);

    /* A file where a directory should be. */
    char *blocker = path_in_dir("put/blocker");
    write_text(blocker, "x");
    char *below = path_in_dir("put/blocker/x/y");
    testutil_capture_begin();
    ck_assert_int_eq(remote_put(r, below, "x", 1, 0644), -ENOTDIR);
    testutil_capture_end();
    char *message = xasprintf("s1 (127.0.0.1): cannot create directory "
                              "%s/put/blocker: a file is in the way\n",
                              dir);
    ck_assert_str_eq(testutil_captured(), message);

    /* The connection is still good for commands. */
    ck_assert_int_eq(remote_exec(r, "true", NULL, NULL), 0);
    free(message);
    free(below);
    free(blocker);
    free(data);
    free(parent);
    free(path);
    remote_close(r);
}
END_TEST

START_TEST(test_rename_remove)
{
    struct remote *r = connect_ok();
    char *a = path_in_dir("rr-a"), *b = path_in_dir("rr-b");

    ck_assert_int_eq(remote_put(r, a, "new", 3, 0644), 0);
    ck_assert_int_eq(remote_put(r, b, "old", 3, 0644), 0);
    /* Replaces the target. */
    ck_assert_int_eq(remote_rename(r, a, b), 0);
    assert_file(b, "new", 3, 0644);
    ck_assert_int_ne(access(a, F_OK), 0);

    /* Removing files that exist and files that do not. */
    const char *const paths[] = {b, a};
    ck_assert_int_eq(remote_remove(r, paths, 2), 0);
    ck_assert_int_ne(access(b, F_OK), 0);
    ck_assert_int_eq(remote_remove(r, paths, 2), 0);

    /* Renaming what is not there is an error, named. */
    testutil_capture_begin();
    ck_assert_int_lt(remote_rename(r, a, b), 0);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "s1 (127.0.0.1)"));
    free(a);
    free(b);
    remote_close(r);
}
END_TEST

static Suite *
remote_suite(void)
{
    Suite *s = suite_create("remote");

    TCase *tc = tcase_create("quote");
    tcase_add_test(tc, test_quote);
    suite_add_tcase(s, tc);

    const char *reason = skip_reason();
    if (reason) {
        printf("# SKIP SSH tests: %s\n", reason);
        fflush(stdout);
        return s;
    }
    tc = tcase_create("sshd");
    /* A bound, above the sum of test_interrupt's (three waits of 30 s at
     * most on a loaded machine). */
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, setup_sshd, teardown_sshd);
    tcase_add_test(tc, test_unknown_host_key);
    tcase_add_test(tc, test_accept_new_host_key);
    tcase_add_test(tc, test_changed_host_key);
    tcase_add_test(tc, test_connection_refused);
    tcase_add_test(tc, test_connect_timeout);
    tcase_add_test(tc, test_authentication_failed);
    tcase_add_test(tc, test_parallel);
    tcase_add_test(tc, test_exec_streams);
    tcase_add_test(tc, test_exec_long_lines);
    tcase_add_test(tc, test_capture);
    tcase_add_test(tc, test_quote_round_trip);
    tcase_add_test(tc, test_interrupt);
    tcase_add_test(tc, test_connection_lost);
    tcase_add_test(tc, test_abort_hung_server);
    tcase_add_test(tc, test_capture_bounded);
    tcase_add_test(tc, test_gather_exec);
    tcase_add_test(tc, test_master_restart_time);
    tcase_add_test(tc, test_gather_slow_connect);
    tcase_add_test(tc, test_gather_stop_while_connecting);
    tcase_add_test(tc, test_interactive_pipes);
    tcase_add_test(tc, test_interactive_terminal);
    tcase_add_test(tc, test_put);
    tcase_add_test(tc, test_rename_remove);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return testutil_run(remote_suite());
}
