#include "config.h"

#include "state.h"

#include <ctype.h>
#include <dirent.h>
#include <inttypes.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "names.h"
#include "snapshot.h"
#include "util.h"

#define STATE_MAGIC "miniinet-state 1"

static const char *const kind_names[] = {
    [MI_NODE_ROUTER] = "router",
    [MI_NODE_HOST] = "host",
    [MI_NODE_L2HOST] = "l2host",
    [MI_NODE_ROUTESERVER] = "routeserver",
    [MI_NODE_MEASUREMENT] = "measurement",
    [MI_NODE_PROXY] = "proxy",
};

const char *
state_kind_name(enum mi_node_kind kind)
{
    return kind >= MI_NODE_ROUTER && kind <= MI_NODE_PROXY ? kind_names[kind]
                                                           : "?";
}

static int
kind_from_name(const char *s)
{
    for (int k = MI_NODE_ROUTER; k <= MI_NODE_PROXY; k++) {
        if (!strcmp(s, kind_names[k])) {
            return k;
        }
    }
    return -1;
}

const char *
state_rundir(void)
{
    const char *dir = getenv("MINIINET_RUNDIR");

    return dir && *dir ? dir : "/run/miniinet";
}

char *
state_network_dir(const char *network)
{
    return xasprintf("%s/%s", state_rundir(), network);
}

char *
state_node_dir(const struct state *st, const char *name)
{
    return xasprintf("%s/nodes/%s", st->dir, name);
}

char *
state_switch_dir(const struct state *st)
{
    return xasprintf("%s/switch", st->dir);
}

char *
state_tunnel_dir(const struct state *st)
{
    return xasprintf("%s/tunnel", st->dir);
}

static void
push(char ***array, size_t *n, size_t *cap, const char *s)
{
    *array = xgrow(*array, cap, *n + 1, sizeof **array);
    (*array)[(*n)++] = xstrdup(s);
}

static void
push_node(struct state *st, enum mi_node_kind kind, const char *name)
{
    st->nodes =
        xgrow(st->nodes, &st->nodes_cap, st->n_nodes + 1, sizeof *st->nodes);
    st->nodes[st->n_nodes].name = xstrdup(name);
    st->nodes[st->n_nodes].kind = kind;
    st->n_nodes++;
}

static void
push_sysctl(struct state *st, const char *key, long old_value, long new_value)
{
    st->sysctls = xgrow(st->sysctls, &st->sysctls_cap, st->n_sysctls + 1,
                        sizeof *st->sysctls);
    st->sysctls[st->n_sysctls++] = (struct state_sysctl){
        .key = xstrdup(key), .old_value = old_value, .new_value = new_value};
}

/* false when the record lists the port already. */
static bool
push_port(struct state *st, unsigned asn, unsigned port)
{
    for (size_t i = 0; i < st->n_ports; i++) {
        if (st->ports[i].port == port) {
            return false;
        }
    }
    st->ports =
        xgrow(st->ports, &st->ports_cap, st->n_ports + 1, sizeof *st->ports);
    st->ports[st->n_ports++] = (struct state_port){asn, port};
    return true;
}

/* Only the kernel settings miniinet raises may be named in a record (down
 * writes them back as root). */
static bool
valid_sysctl(const char *key)
{
    static const char prefix[] = "net.ipv4.neigh.default.gc_thresh";

    return key && !strncmp(key, prefix, sizeof prefix - 1) &&
           key[sizeof prefix - 1] >= '1' && key[sizeof prefix - 1] <= '3' &&
           !key[sizeof prefix];
}

static bool
parse_long(const char *s, long *value)
{
    char *end;

    errno = 0;
    *value = s ? strtol(s, &end, 10) : 0;
    return s && *s >= '0' && *s <= '9' && !*end && !errno;
}

/* What `up` writes as a plan fingerprint: hexadecimal digits. */
static bool
valid_fingerprint(const char *s)
{
    size_t len = strlen(s);

    return len && len <= 64 && strspn(s, "0123456789abcdef") == len;
}

/* Splits `line` at single spaces into at most MAX_TOKENS tokens; returns
 * their number, or -1 for an empty token (two spaces, a leading or
 * trailing one) or too many: miniinet writes neither. */
#define MAX_TOKENS 4
static int
split_tokens(char *line, char *tok[MAX_TOKENS])
{
    int n = 0;

    for (char *p = line;; p++) {
        char *space = strchr(p, ' ');
        if (n == MAX_TOKENS || space == p || !*p) {
            return -1;
        }
        tok[n++] = p;
        if (!space) {
            return n;
        }
        *space = '\0';
        p = space;
    }
}

/* One line after the magic one.  Returns NULL, or why it is refused. */
static const char *
parse_line(struct state *st, char *line)
{
    char *t[MAX_TOKENS];
    int n = split_tokens(line, t);
    long old_value, new_value;

    if (n < 0) {
        return "not a record line (empty, extra or blank-separated tokens)";
    }
    if (st->complete) {
        return "a line after \"complete\"";
    }
    if (!st->network && strcmp(t[0], "network") != 0) {
        return "the second line must be \"network NAME\"";
    }
    if (!strcmp(t[0], "complete") && n == 1) {
        st->complete = true;
    } else if (!strcmp(t[0], "network") && n == 2) {
        if (st->network) {
            return "\"network\" twice";
        }
        if (!util_valid_name(t[1], 64)) {
            return "invalid network name";
        }
        st->network = xstrdup(t[1]);
    } else if (!strcmp(t[0], "fingerprint") && n == 2) {
        if (st->fingerprint) {
            return "\"fingerprint\" twice";
        }
        if (!valid_fingerprint(t[1])) {
            return "invalid fingerprint";
        }
        st->fingerprint = xstrdup(t[1]);
    } else if (!strcmp(t[0], "plugin") && n == 3) {
        int kind = plugin_kind_from_name(t[1]);
        if (!kind || !util_valid_name(t[2], 64)) {
            return "invalid plugin kind or name";
        }
        if (st->plugin[kind - 1]) {
            return "a plugin of this kind twice";
        }
        st->plugin[kind - 1] = xstrdup(t[2]);
    } else if (!strcmp(t[0], "node") && n == 3) {
        int kind = kind_from_name(t[1]);
        if (kind < 0 || !util_valid_name(t[2], 64)) {
            return "invalid node kind or name";
        }
        push_node(st, (enum mi_node_kind)kind, t[2]);
    } else if (!strcmp(t[0], "bridge") && n == 2 &&
               util_valid_bridge_name(t[1], 64)) {
        push(&st->bridges, &st->n_bridges, &st->bridges_cap, t[1]);
    } else if (!strcmp(t[0], "rootif") && n == 2 &&
               util_valid_name(t[1], 15)) {
        push(&st->rootifs, &st->n_rootifs, &st->rootifs_cap, t[1]);
    } else if (!strcmp(t[0], "sysctl") && n == 4 && valid_sysctl(t[1]) &&
               parse_long(t[2], &old_value) && parse_long(t[3], &new_value)) {
        push_sysctl(st, t[1], old_value, new_value);
    } else if (!strcmp(t[0], "port") && n == 3 &&
               parse_long(t[1], &old_value) && old_value >= 1 &&
               old_value <= 65535 && parse_long(t[2], &new_value) &&
               new_value >= 1 && new_value <= 65535) {
        if (!push_port(st, (unsigned)old_value, (unsigned)new_value)) {
            return "a port twice";
        }
    } else {
        return "unknown item, or wrong number or form of its values";
    }
    return NULL;
}

/* How to proceed, after any refusal of a record: the verb touches nothing
 * it lists. */
static void
report_damage(const char *path, int line, const char *why)
{
    log_error_at(path, line,
                 "damaged state record: %s; nothing was changed.  If the "
                 "file is not miniinet's, or was cut or edited, check what "
                 "is left of the network (ip netns list, docker ps "
                 "--filter label=org.miniinet.network=NAME, ovs-vsctl "
                 "list-br), remove it by hand, then remove the record's "
                 "directory",
                 why);
}

/* The network's directory, opened without following a symlink at either
 * step; -errno. */
static int
open_network_dir(const char *network)
{
    int run = open(state_rundir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (run < 0) {
        return -errno;
    }
    int fd = util_valid_name(network, 64)
                 ? openat(run, network,
                          O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                 : (errno = EINVAL, -1);
    int error = fd < 0 ? -errno : 0;
    close(run);
    return fd < 0 ? error : fd;
}

/* Opens the record (a regular file, no symlink) for reading. */
static FILE *
open_record(const char *network, const char *path, int *error)
{
    int dir = open_network_dir(network);
    int fd = dir < 0 ? dir
                     : openat(dir, "state",
                              O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat sb;

    *error = dir < 0 ? dir : fd < 0 ? -errno : 0;
    if (dir >= 0) {
        close(dir);
    }
    if (fd >= 0 && (fstat(fd, &sb) || !S_ISREG(sb.st_mode))) {
        *error = -EINVAL;
        close(fd);
        fd = -1;
    }
    if (*error && *error != -ENOENT) {
        log_error("%s: %s", path,
                  *error == -ELOOP || *error == -EINVAL
                      ? "not a regular file (a symlink?); refused"
                      : strerror(-*error));
    }
    return fd < 0 ? NULL : fdopen(fd, "r");
}

/* Reads the lines after the magic one.  Returns 0 or -EINVAL, reported. */
static int
parse_lines(struct state *st, FILE *f, const char *path, const char *network)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int error = 0;

    for (int lineno = 2; !error && (len = getline(&line, &cap, f)) > 0;
         lineno++) {
        const char *why = NULL;
        if (memchr(line, '\0', (size_t)len)) {
            why = "a NUL byte";
        } else if (line[len - 1] != '\n') {
            /* A torn last line: the append of an interrupted `up`, whose
             * item was not made (state_sync comes before acting). */
            log_warn("%s:%d: incomplete last line ignored", path, lineno);
            break;
        } else {
            line[len - 1] = '\0';
            why = parse_line(st, line);
        }
        if (!why && st->network && strcmp(st->network, network) != 0) {
            why = "the record of another network";
        }
        if (why) {
            report_damage(path, lineno, why);
            error = -EINVAL;
        }
    }
    if (!error && !st->network) {
        report_damage(path, 2, "no \"network\" line");
        error = -EINVAL;
    }
    free(line);
    return error;
}

/* The magic line, complete with its newline: an empty file or a cut first
 * line is no record (`down` would otherwise remove it and leave everything
 * it listed behind). */
static int
check_magic(FILE *f, const char *path)
{
    char buf[sizeof STATE_MAGIC]; /* the magic and its newline */
    size_t n = fread(buf, 1, sizeof buf, f);

    if (n == 0) {
        report_damage(path, 1, "empty file");
    } else if (memchr(buf, '\0', n)) {
        report_damage(path, 1, "a NUL byte");
    } else if (n < sizeof buf || memcmp(buf, STATE_MAGIC "\n", n) != 0) {
        report_damage(path, 1, "no magic line \"" STATE_MAGIC "\"");
    } else {
        return 0;
    }
    return -EINVAL;
}

int
state_load(const char *network, struct state *st)
{
    memset(st, 0, sizeof *st);
    st->dir = state_network_dir(network);

    char *path = xasprintf("%s/state", st->dir);
    int error;
    FILE *f = open_record(network, path, &error);
    if (f) {
        error = check_magic(f, path);
        if (!error) {
            error = parse_lines(st, f, path, network);
        }
        fclose(f);
    }
    free(path);
    return error;
}

static int
compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **
state_list_networks(void)
{
    char **names = NULL;
    size_t n = 0, cap = 0;
    DIR *dir = opendir(state_rundir());
    struct dirent *de;

    while (dir && (de = readdir(dir))) {
        if (de->d_name[0] == '.') {
            continue;
        }
        char *rel = xasprintf("%s/state", de->d_name);
        struct stat sb;
        if (util_valid_name(de->d_name, 64) &&
            !fstatat(dirfd(dir), rel, &sb, AT_SYMLINK_NOFOLLOW)) {
            push(&names, &n, &cap, de->d_name);
        }
        free(rel);
    }
    if (dir) {
        closedir(dir);
    }
    if (n) {
        qsort(names, n, sizeof *names, compare_strings);
    }
    names = xgrow(names, &cap, n + 1, sizeof *names);
    names[n] = NULL;
    return names;
}

static int
mkdir_p(const char *path, mode_t mode)
{
    char *copy = xstrdup(path);

    for (char *p = copy + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(copy, mode) && errno != EEXIST) {
                int error = errno;
                free(copy);
                return -error;
            }
            *p = '/';
        }
    }
    int error = mkdir(copy, mode) && errno != EEXIST ? -errno : 0;
    free(copy);
    return error;
}

/* The lock file in the run directory: root's, 0600, so that no other user
 * can open it, and so hold the lock (the directory itself is 0755). */
#define STATE_LOCK_FILE ".lock"

/* True if descriptor `fd` still is the file at `path` (not one removed,
 * and perhaps made again, since it was opened). */
static bool
still_at(int fd, const char *path)
{
    struct stat held, now;

    return fstat(fd, &held) == 0 && stat(path, &now) == 0 &&
           held.st_dev == now.st_dev && held.st_ino == now.st_ino;
}

int
state_lock(bool create)
{
    const char *run = state_rundir();
    char *path = xasprintf("%s/" STATE_LOCK_FILE, run);
    bool said = false;

    for (unsigned tenths = 0;; tenths++) {
        int error = create ? mkdir_p(run, 0755) : 0;
        /* Without `create`, a missing run directory is ENOENT here. */
        int fd = error ? -1
                       : open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
                              0600);
        if (fd < 0) {
            error = error ? error : -errno;
            if (error == -ENOENT && create &&
                tenths < STATE_LOCK_WAIT_S * 10) {
                /* The holder's state_unlock() removed the directory
                 * between our mkdir and our open: again. */
                continue;
            }
            if (error != -ENOENT || create) {
                log_error("%s: cannot open it to lock it: %s", path,
                          strerror(-error));
            }
            free(path);
            return error;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            if (still_at(fd, path)) {
                free(path);
                return fd;
            }
            close(fd); /* the last `down` removed it meanwhile */
            continue;
        }
        error = errno == EWOULDBLOCK ? 0 : -errno;
        close(fd);
        if (error) {
            log_error("%s: cannot lock it: %s", path, strerror(-error));
            free(path);
            return error;
        }
        if (tenths >= STATE_LOCK_WAIT_S * 10) {
            log_error(
                "%s: an `up` or `down` of another network has held it for "
                "%d s; `fuser -v %s` shows it: stop it if it is stuck, "
                "then try again",
                path, STATE_LOCK_WAIT_S, path);
            free(path);
            return -EBUSY;
        }
        if (!said) {
            log_info("waiting for an `up` or `down` of another network on "
                     "this server to finish (it holds %s)",
                     path);
            said = true;
        }
        usleep(100 * 1000);
    }
}

void
state_unlock(int fd)
{
    char *path = xasprintf("%s/" STATE_LOCK_FILE, state_rundir());

    /* Removed while held: a waiter that opened it sees it is gone
     * (still_at) and opens the next one. */
    unlink(path);
    free(path);
    rmdir(state_rundir()); /* only if empty; a waiter then makes it anew */
    close(fd);
}

bool
state_lock_parse(const char *text, struct state_lock_holder *h)
{
    size_t op_len = strspn(text, "abcdefghijklmnopqrstuvwxyz");
    const char *p = text + op_len;

    if (op_len == 0 || op_len >= sizeof h->op || *p++ != ' ' ||
        !isdigit((unsigned char)*p)) {
        return false;
    }
    char *end;
    errno = 0;
    long pid = strtol(p, &end, 10);
    if (errno || pid <= 0 || *end != ' ' || !isdigit((unsigned char)end[1])) {
        return false;
    }
    long long since = strtoll(end + 1, &end, 10);
    if (errno || since < 0 || strcmp(end, "\n") != 0) {
        return false;
    }
    memcpy(h->op, text, op_len);
    h->op[op_len] = '\0';
    h->pid = pid;
    h->since = since;
    return true;
}

/* "`up` (pid 123, since 2026-12-03 02:20:11 UTC)", or a neutral phrase
 * when the file says nothing usable (its holder has not written it yet). */
static char *
describe_holder(const char *text)
{
    struct state_lock_holder h;

    if (!state_lock_parse(text, &h)) {
        return xstrdup("another miniinet operation (just starting)");
    }
    char when[32] = "?";
    time_t t = (time_t)h.since;
    struct tm tm;
    if (gmtime_r(&t, &tm)) {
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
    }
    return xasprintf("`%s` (pid %ld, since %s)", h.op, h.pid, when);
}

static char *
network_lock_path(const char *network, bool master)
{
    return xasprintf("%s/%s%s.lock", state_rundir(), network,
                     master ? ".master" : "");
}

/* The lock file's text, at most 255 bytes ("" if unreadable). */
static void
read_holder(int fd, char *buf, size_t size)
{
    ssize_t n = pread(fd, buf, size - 1, 0);

    buf[n > 0 ? n : 0] = '\0';
}

/* Times state_lock_network() opens the file again when the holder removed
 * it between our open and our flock. */
#define NETWORK_LOCK_TRIES 100
/* How long a refusal waits for a holder that has the lock but has not
 * written its name yet: LOCK_NAME_TRIES x LOCK_NAME_STEP_MS. */
#define LOCK_NAME_TRIES 100
#define LOCK_NAME_STEP_MS 10

static int lock_network(const char *network, bool master, const char *op,
                        bool create, struct state_lock_holder *busy,
                        struct state_lock_holder *previous);

int
state_lock_network(const char *network, bool master, const char *op,
                   bool create, struct state_lock_holder *previous)
{
    return lock_network(network, master, op, create, NULL, previous);
}

int
state_try_lock_network(const char *network, const char *op,
                       struct state_lock_holder *busy)
{
    return lock_network(network, false, op, false, busy, NULL);
}

/* state_lock_network(); with `busy`, a holder is not reported but parsed
 * into *busy (zeroed when its file cannot be parsed); with `previous`, a
 * dead holder whose lock is taken over parsed into *previous. */
static int
lock_network(const char *network, bool master, const char *op, bool create,
             struct state_lock_holder *busy,
             struct state_lock_holder *previous)
{
    const char *run = state_rundir();
    char *path = network_lock_path(network, master);
    char text[256];
    int error = 0;

    if (previous) {
        memset(previous, 0, sizeof *previous);
    }

    double agent_until = util_monotonic() + STATE_LOCK_AGENT_WAIT_MS / 1000.0;
    for (unsigned tries = 0;;) {
        error = create ? mkdir_p(run, 0755) : 0;
        int fd = error ? -1
                       : open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
                              0600);
        if (fd < 0) {
            error = error ? error : -errno;
            if (error == -ENOENT && create && tries++ < NETWORK_LOCK_TRIES) {
                continue; /* the run directory was removed meanwhile */
            }
            if (error != -ENOENT || create) {
                log_error("%s: cannot open it to lock network %s: %s", path,
                          network, strerror(-error));
            }
            break;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            error = errno == EWOULDBLOCK ? -EBUSY : -errno;
            if (error == -EBUSY && busy) {
                read_holder(fd, text, sizeof text);
                if (!state_lock_parse(text, busy)) {
                    memset(busy, 0, sizeof *busy);
                }
            } else if (error == -EBUSY) {
                read_holder(fd, text, sizeof text);
                struct state_lock_holder h;
                bool named = state_lock_parse(text, &h);
                /* A holder writes its name right after taking the lock:
                 * on a busy machine that can be a moment later, waited
                 * for (bounded) so that the message names it. */
                for (int i = 0; !named && i < LOCK_NAME_TRIES; i++) {
                    usleep(LOCK_NAME_STEP_MS * 1000);
                    read_holder(fd, text, sizeof text);
                    named = state_lock_parse(text, &h);
                }
                if (named && !strcmp(h.op, "vlan") &&
                    util_monotonic() < agent_until) {
                    /* The switch VLAN agent holds it for one change: a
                     * moment.  Waited for, bounded. */
                    close(fd);
                    usleep(STATE_LOCK_AGENT_STEP_MS * 1000);
                    continue;
                }
                char *who = describe_holder(text);
                log_error("network %s: %s is running; this `%s` does "
                          "nothing (one operation at a time: try again when "
                          "it has finished)",
                          network, who, op);
                free(who);
            } else {
                log_error("%s: cannot lock it: %s", path, strerror(-error));
            }
            close(fd);
            break;
        }
        if (!still_at(fd, path)) {
            close(fd); /* its holder removed it when it finished */
            if (tries++ < NETWORK_LOCK_TRIES) {
                continue;
            }
            error = -EBUSY;
            log_error("%s: removed again and again while locking it", path);
            break;
        }
        read_holder(fd, text, sizeof text);
        if (*text) {
            /* A holder that finishes removes the file: this one died. */
            char *who = describe_holder(text);
            log_warn("network %s: %s ended without finishing; taking over "
                     "its lock",
                     network, who);
            free(who);
            if (previous && !state_lock_parse(text, previous)) {
                memset(previous, 0, sizeof *previous);
            }
        }
        int len = snprintf(text, sizeof text, "%s %ld %lld\n", op,
                           (long)getpid(), (long long)time(NULL));
        if (ftruncate(fd, 0) || pwrite(fd, text, (size_t)len, 0) != len) {
            error = -errno;
            log_error("%s: cannot write it: %s", path, strerror(-error));
            unlink(path);
            close(fd);
            break;
        }
        free(path);
        return fd;
    }
    free(path);
    return error;
}

void
state_unlock_network(const char *network, bool master, int fd)
{
    char *path = network_lock_path(network, master);

    /* Removed while held: one that opened it meanwhile sees it is gone
     * (still_at) and opens the next one. */
    unlink(path);
    free(path);
    close(fd);
    rmdir(state_rundir()); /* only if empty */
}

/* The run directory (made as a path: it is the administrator's), and in
 * it, by descriptors, <network>/nodes, root's and mode 0755 whatever the
 * umask: nodes' users may read, never write, what root later re-reads. */
static int
make_network_dir(const struct state *st)
{
    int error = mkdir_p(state_rundir(), 0755);
    int run =
        error ? -1 : open(state_rundir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int net = run < 0 ? -1 : fs_make_dir_at(run, st->network, 0755);
    int nodes = net < 0 ? -1 : fs_make_dir_at(net, "nodes", 0755);

    if (!error) {
        error = run < 0 ? -errno : net < 0 ? net : nodes < 0 ? nodes : 0;
    }
    if (error) {
        log_error("cannot create %s/nodes: %s", st->dir, strerror(-error));
    }
    const int fds[] = {nodes, net, run};
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++) {
        if (fds[i] >= 0) {
            close(fds[i]);
        }
    }
    return error;
}

/* Opens directory nodes/<name> of the network, never through a symlink;
 * -errno. */
int
state_open_node_dir(const struct state *st, const char *name)
{
    int net = open_network_dir(st->network);
    int nodes = net < 0
                    ? net
                    : openat(net, "nodes",
                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int fd = nodes < 0
                 ? -1
                 : openat(nodes, name,
                          O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int error = net < 0 ? net : nodes < 0 || fd < 0 ? -errno : 0;

    if (nodes >= 0) {
        close(nodes);
    }
    if (net >= 0) {
        close(net);
    }
    return error ? error : fd;
}

int
state_create(struct state *st, const char *network,
             const char *const plugins[MI_PLUGIN_KIND_COUNT],
             const char *fingerprint)
{

    memset(st, 0, sizeof *st);
    st->dir = state_network_dir(network);
    st->network = xstrdup(network);
    st->fingerprint = xstrdup(fingerprint);

    int error = make_network_dir(st);
    if (error) {
        return error;
    }
    int dir = open_network_dir(network);
    int fd = dir < 0
                 ? dir
                 : openat(dir, "state",
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                          0644);
    if (fd < 0 || !(st->file = fdopen(fd, "w"))) {
        error = fd < 0 && dir < 0 ? dir : -errno;
        log_error("cannot create %s/state: %s", st->dir, strerror(-error));
        if (fd >= 0) {
            close(fd);
        }
        if (dir >= 0) {
            close(dir);
        }
        return error;
    }
    close(dir);
    fprintf(st->file, "%s\nnetwork %s\n", STATE_MAGIC, network);
    for (int k = 0; k < MI_PLUGIN_KIND_COUNT; k++) {
        if (plugins[k]) {
            st->plugin[k] = xstrdup(plugins[k]);
            fprintf(st->file, "plugin %s %s\n", plugin_kind_names[k],
                    plugins[k]);
        }
    }
    fprintf(st->file, "fingerprint %s\n", fingerprint);
    return state_sync(st);
}

void
state_add_node(struct state *st, enum mi_node_kind kind, const char *name)
{
    push_node(st, kind, name);
    fprintf(st->file, "node %s %s\n", state_kind_name(kind), name);
}

void
state_add_bridge(struct state *st, const char *name)
{
    push(&st->bridges, &st->n_bridges, &st->bridges_cap, name);
    fprintf(st->file, "bridge %s\n", name);
}

void
state_add_rootif(struct state *st, const char *name)
{
    push(&st->rootifs, &st->n_rootifs, &st->rootifs_cap, name);
    fprintf(st->file, "rootif %s\n", name);
}

void
state_add_sysctl(struct state *st, const char *key, long old_value,
                 long new_value)
{
    push_sysctl(st, key, old_value, new_value);
    fprintf(st->file, "sysctl %s %ld %ld\n", key, old_value, new_value);
}

void
state_add_port(struct state *st, unsigned asn, unsigned port)
{
    if (push_port(st, asn, port)) {
        fprintf(st->file, "port %u %u\n", asn, port);
    }
}

int
state_sync(struct state *st)
{
    if (fflush(st->file) == EOF || fsync(fileno(st->file))) {
        int error = errno;
        log_error("%s/state: cannot write: %s", st->dir, strerror(error));
        return -error;
    }
    return 0;
}

int
state_mark_complete(struct state *st)
{
    fputs("complete\n", st->file);
    st->complete = true;
    return state_sync(st);
}

/* Removes everything in the network's directory but the record, then the
 * record and the directory: if anything is left, the record stays, so that
 * `down` can be run again once it is dealt with.  Nodes' users can write
 * parts of the tree (a netns node's tmp/, FRR's directories):
 * fs_remove_tree_at() never goes through a path they could have changed. */
static int
remove_network_dir(int run, const char *network, const char *path)
{
    return fs_remove_tree_at(run, network, path, "state");
}

int
state_remove_node_dirs(const struct state *st)
{
    char *path = xasprintf("%s/nodes", st->dir);
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    int error = 0;

    if (!d) {
        error = errno == ENOENT ? 0 : -errno;
        if (error) {
            log_error("%s: %s", path, strerror(-error));
        }
        if (fd >= 0) {
            close(fd);
        }
        free(path);
        return error;
    }
    /* Each node's directory; `nodes/` itself stays, so that `up` can heal
     * a network whose removal failed after this. */
    for (const struct dirent *de; (de = readdir(d)) != NULL;) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) {
            continue;
        }
        char *sub = xasprintf("%s/%s", path, de->d_name);
        int e = fs_remove_tree_at(dirfd(d), de->d_name, sub, NULL);
        free(sub);
        error = error ? error : e;
    }
    closedir(d);
    free(path);
    return error;
}

int
state_remove(struct state *st)
{
    if (st->file) {
        fclose(st->file);
        st->file = NULL;
    }
    int run = open(state_rundir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (run < 0) {
        return errno == ENOENT ? 0 : -errno;
    }
    int error = remove_network_dir(run, st->network, st->dir);
    close(run);
    if (error) {
        log_error("%s: could not remove all of it (see above); its record "
                  "is kept: remove what is listed by hand, then run `down "
                  "%s` again",
                  st->dir, st->network);
        return error;
    }
    /* The run directory itself goes with the last network. */
    rmdir(state_rundir());
    return 0;
}

void
state_destroy(struct state *st)
{
    if (st->file) {
        fclose(st->file);
    }
    free(st->dir);
    free(st->network);
    for (int k = 0; k < MI_PLUGIN_KIND_COUNT; k++) {
        free(st->plugin[k]);
    }
    free(st->fingerprint);
    for (size_t i = 0; i < st->n_nodes; i++) {
        free(st->nodes[i].name);
    }
    free(st->nodes);
    for (size_t i = 0; i < st->n_bridges; i++) {
        free(st->bridges[i]);
    }
    free(st->bridges);
    for (size_t i = 0; i < st->n_rootifs; i++) {
        free(st->rootifs[i]);
    }
    free(st->rootifs);
    for (size_t i = 0; i < st->n_sysctls; i++) {
        free(st->sysctls[i].key);
    }
    free(st->sysctls);
    free(st->ports);
    memset(st, 0, sizeof *st);
}

/* ------------------------------------------------------------------------ */
/* The links file                                                           */

#define LINKS_MAGIC "miniinet-links 1"
#define LINKS_FILE "links"
#define LINKS_MAX (4 << 20)

static bool
parse_u64(const char *s, uint64_t *value)
{
    char *end;

    if (!strcmp(s, "-")) {
        *value = 0;
        return true;
    }
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || *s < '0' || *s > '9') {
        return false;
    }
    *value = v;
    return true;
}

/* One line of the links file; NULL, or why it is refused. */
static const char *
parse_link_line(char *line, struct state_link *out)
{
    char *t[5];
    int n = 0;
    char *save = NULL;

    for (char *tok = strtok_r(line, " ", &save); tok;
         tok = strtok_r(NULL, " ", &save)) {
        if (n == 5) {
            return "too many values";
        }
        t[n++] = tok;
    }
    uint64_t rate, delay;
    if (n != 5 || !util_valid_name(t[0], 64) || !util_valid_name(t[1], 15) ||
        (strcmp(t[2], "up") != 0 && strcmp(t[2], "down") != 0) ||
        !parse_u64(t[3], &rate) || !parse_u64(t[4], &delay) ||
        delay > UINT32_MAX || (!strcmp(t[3], "-") != !strcmp(t[4], "-"))) {
        return "not \"NODE IFNAME up|down RATE|- DELAY|-\"";
    }
    *out = (struct state_link){.node = xstrdup(t[0]),
                               .ifname = xstrdup(t[1]),
                               .down = !strcmp(t[2], "down"),
                               .shaped = strcmp(t[3], "-") != 0,
                               .rate_bps = rate,
                               .delay_us = (uint32_t)delay};
    return NULL;
}

static int
parse_links(char *text, const char *path, struct state_link **links, size_t *n)
{
    size_t cap = 0;
    int lineno = 1;
    char *line = text;
    char *nl = strchr(line, '\n');

    if (!nl || (size_t)(nl - line) != strlen(LINKS_MAGIC) ||
        strncmp(line, LINKS_MAGIC, strlen(LINKS_MAGIC)) != 0) {
        log_error_at(path, 1, "not a links file (no \"%s\" line)",
                     LINKS_MAGIC);
        return -EINVAL;
    }
    for (line = nl + 1, lineno = 2; *line; line = nl + 1, lineno++) {
        nl = strchr(line, '\n');
        if (!nl) {
            log_error_at(path, lineno, "incomplete last line");
            return -EINVAL;
        }
        *nl = '\0';
        *links = xgrow(*links, &cap, *n + 1, sizeof **links);
        const char *why = parse_link_line(line, &(*links)[*n]);
        if (why) {
            log_error_at(path, lineno, "damaged links file: %s", why);
            return -EINVAL;
        }
        (*n)++;
    }
    return 0;
}

int
state_links_load(const struct state *st, struct state_link **links, size_t *n)
{
    *links = NULL;
    *n = 0;
    int dir = open_network_dir(st->network);
    if (dir < 0) {
        return dir == -ENOENT ? 0 : dir;
    }
    int fd = openat(dir, LINKS_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    int error = fd < 0 && errno != ENOENT ? -errno : 0;
    close(dir);
    char *path = xasprintf("%s/%s", st->dir, LINKS_FILE);
    struct stat sb;
    if (fd >= 0 &&
        (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || sb.st_size > LINKS_MAX)) {
        error = -EINVAL;
    }
    if (error) {
        log_error("%s: %s", path,
                  error == -ELOOP || error == -EINVAL
                      ? "not a regular file of a sane size; refused"
                      : strerror(-error));
    } else if (fd >= 0) {
        char *text = xmalloc((size_t)sb.st_size + 1);
        ssize_t got = read(fd, text, (size_t)sb.st_size);
        if (got != sb.st_size || memchr(text, '\0', (size_t)got)) {
            log_error("%s: could not be read whole", path);
            error = -EINVAL;
        } else {
            text[got] = '\0';
            error = parse_links(text, path, links, n);
        }
        free(text);
    }
    if (fd >= 0) {
        close(fd);
    }
    if (error) {
        state_links_free(*links, *n);
        *links = NULL;
        *n = 0;
    }
    free(path);
    return error;
}

static int
write_links(int fd, const struct state_link *links, size_t n)
{
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        return -errno;
    }
    fprintf(f, "%s\n", LINKS_MAGIC);
    for (size_t i = 0; i < n; i++) {
        const struct state_link *l = &links[i];
        if (l->shaped) {
            fprintf(f, "%s %s %s %" PRIu64 " %" PRIu32 "\n", l->node,
                    l->ifname, l->down ? "down" : "up", l->rate_bps,
                    l->delay_us);
        } else {
            fprintf(f, "%s %s %s - -\n", l->node, l->ifname,
                    l->down ? "down" : "up");
        }
    }
    int error = fflush(f) == EOF || fsync(fileno(f)) ? -errno : 0;
    if (fclose(f) == EOF && !error) {
        error = -errno;
    }
    return error;
}

int
state_links_save(const struct state *st, const struct state_link *links,
                 size_t n)
{
    int dir = open_network_dir(st->network);
    int error = dir < 0 ? dir : 0;
    const char *tmp = LINKS_FILE ".new";

    if (!error) {
        unlinkat(dir, tmp, 0); /* a left-over of a killed run */
        if (!n) {
            error =
                unlinkat(dir, LINKS_FILE, 0) && errno != ENOENT ? -errno : 0;
        } else {
            int fd = openat(
                dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                0644);
            error = fd < 0 ? -errno : write_links(fd, links, n);
            if (!error && renameat(dir, tmp, dir, LINKS_FILE)) {
                error = -errno;
            }
            if (error) {
                unlinkat(dir, tmp, 0);
            }
        }
        if (!error) {
            fsync(dir);
        }
        close(dir);
    }
    if (error) {
        log_error("%s/%s: cannot write it: %s", st->dir, LINKS_FILE,
                  strerror(-error));
    }
    return error;
}

void
state_links_free(struct state_link *links, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(links[i].node);
        free(links[i].ifname);
    }
    free(links);
}

/* ------------------------------------------------------------------------ */
/* marks                                                                    */

#define MARKS_DIR "marks"

/* What a mark's line says before the snapshot it names. */
#define MARK_SNAPSHOT "; its students' work is in snapshot "

char *
state_mark_line(const char *reason, const char *snapshot)
{
    /* The reason is cut, never the snapshot's name (at most 64 bytes,
     * util_valid_name()): what retention and a restore read back. */
    size_t tail = snapshot ? strlen(MARK_SNAPSHOT) + strlen(snapshot) : 0;
    size_t room = tail < STATE_MARK_MAX - 2 ? STATE_MARK_MAX - 2 - tail : 0;
    size_t r_len = strlen(reason);
    char *line =
        xasprintf("%.*s%s%s", (int)(r_len < room ? r_len : room), reason,
                  snapshot ? MARK_SNAPSHOT : "", snapshot ? snapshot : "");
    size_t n = strlen(line);
    if (n > STATE_MARK_MAX - 2) {
        n = STATE_MARK_MAX - 2;
        line[n] = '\0';
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c < 0x20 || c == 0x7f) {
            line[i] = '?';
        }
    }
    return line;
}

bool
state_mark_valid(const char *text, size_t len)
{
    if (len < 2 || len > STATE_MARK_MAX || text[len - 1] != '\n') {
        return false;
    }
    for (size_t i = 0; i + 1 < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c == 0x7f) {
            return false;
        }
    }
    return true;
}

/* The network's marks directory, opened (made with `create`), never
 * through a symlink; -errno (-ENOENT: none). */
static int
open_marks_dir(const struct state *st, bool create)
{
    int net = open_network_dir(st->network);
    if (net < 0) {
        return net;
    }
    int fd = create ? fs_make_dir_at(net, MARKS_DIR, 0700)
                    : openat(net, MARKS_DIR,
                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int error = !create && fd < 0 ? -errno : 0;
    close(net);
    return create || fd >= 0 ? fd : error;
}

const char *
state_kind_suffix(enum mi_node_kind kind)
{
    switch (kind) {
    case MI_NODE_ROUTER:
    case MI_NODE_ROUTESERVER:
        return ".frr";
    case MI_NODE_HOST:
    case MI_NODE_L2HOST:
        return ".ip";
    default:
        return NULL;
    }
}

char *
state_mark_key(const struct state *st, const char *name, bool bridge)
{
    for (size_t i = 0; bridge && i < st->n_bridges; i++) {
        if (!strcmp(st->bridges[i], name)) {
            return xasprintf("%s" STATE_SWITCH_SUFFIX, name);
        }
    }
    for (size_t i = 0; !bridge && i < st->n_nodes; i++) {
        const char *suffix = state_kind_suffix(st->nodes[i].kind);
        if (!strcmp(st->nodes[i].name, name)) {
            return suffix ? xasprintf("%s%s", name, suffix) : NULL;
        }
    }
    return NULL;
}

/* The object of mark key `key` into `object` (of `len`): false when `key`
 * is no key (a snapshot file's name of a node or switch, without
 * SNAPSHOT_RUNNING: never a path). */
static bool
key_object(const char *key, char *object, size_t len)
{
    const char *suffix;
    return key && !snapshot_file_running(key) &&
           snapshot_file_object(key, object, len, &suffix);
}

/* key_object() for state_mark_set() and state_mark_clear() (`doing`:
 * "mark", "unmark"): a key that is none is said, naming it and why. */
static bool
key_object_said(const char *key, char *object, size_t len, const char *doing)
{
    if (key_object(key, object, len)) {
        return true;
    }
    log_error("cannot %s '%s': %s", doing, key ? key : "(none)",
              !key ? "no such object in the network's record, or one "
                     "snapshots do not keep"
              : snapshot_file_running(key)
                  ? "a side file (" SNAPSHOT_RUNNING "), not an object's file"
                  : "not an object's file (NODE.frr, NODE.ip or "
                    "BRIDGE.vlan, its name a valid one)");
    return false;
}

/* A bare-name mark (marks/NAME, from before marks were keyed by file)
 * copied to every key of the record's objects named `object` that has no
 * mark of its own, then removed (state_mark_get()). */
static void
migrate_bare(const struct state *st, int dir, const char *object)
{
    char *data = NULL;
    size_t len = 0;
    if (fs_read_file_at(dir, object, STATE_MARK_MAX, &data, &len)) {
        return; /* none (a bare name that cannot be read: read as a mark) */
    }
    bool copied = true;
    for (int bridge = 0; bridge < 2; bridge++) {
        char *key = state_mark_key(st, object, bridge);
        struct stat sb;
        if (key && fstatat(dir, key, &sb, AT_SYMLINK_NOFOLLOW) != 0 &&
            fs_write_file_at(dir, key, data, len, 0600) != 0) {
            copied = false;
        }
        free(key);
    }
    if (copied && unlinkat(dir, object, 0) == 0) {
        fsync(dir);
        log_debug("%s: its mark %s/%s/%s keyed by its files now", object,
                  st->dir, MARKS_DIR, object);
    }
    free(data);
}

int
state_mark_set(const struct state *st, const char *key, const char *reason,
               const char *snapshot)
{
    char object[80];
    if (!key_object_said(key, object, sizeof object, "mark")) {
        return -EINVAL;
    }
    char *line = state_mark_line(reason, snapshot);
    char *text = xasprintf("%s\n", line);
    int dir = open_marks_dir(st, true);
    if (dir >= 0) {
        migrate_bare(st, dir, object);
    }
    int error =
        dir < 0 ? dir : fs_write_file_at(dir, key, text, strlen(text), 0600);
    if (dir >= 0) {
        close(dir);
    }
    if (error) {
        log_error("%s: cannot mark it in %s/%s/%s (%s): %s", object, st->dir,
                  MARKS_DIR, key, line, strerror(-error));
    } else {
        log_debug("%s: marked (%s): %s", object, key, line);
    }
    free(text);
    free(line);
    return error;
}

int
state_mark_clear(const struct state *st, const char *key)
{
    char object[80];
    if (!key_object_said(key, object, sizeof object, "unmark")) {
        return -EINVAL;
    }
    int dir = open_marks_dir(st, false);
    int error = dir == -ENOENT ? 0 : dir < 0 ? dir : 0;
    if (dir >= 0) {
        migrate_bare(st, dir, object);
        if (unlinkat(dir, key, 0) == 0) {
            fsync(dir);
            log_debug("%s: its mark %s removed", object, key);
        } else if (errno != ENOENT) {
            error = -errno;
        }
        close(dir);
    }
    if (error) {
        log_error("%s: cannot remove its mark %s/%s/%s: %s", object, st->dir,
                  MARKS_DIR, key, strerror(-error));
    }
    return error;
}

char *
state_mark_get(const struct state *st, const char *key)
{
    char object[80];
    if (!key_object(key, object, sizeof object)) {
        return NULL;
    }
    int dir = open_marks_dir(st, false);
    if (dir == -ENOENT) {
        return NULL;
    }
    char *data = NULL;
    size_t len = 0;
    const char *file = key;
    int error =
        dir < 0 ? dir : fs_read_file_at(dir, key, STATE_MARK_MAX, &data, &len);
    if (error == -ENOENT) {
        /* A bare-name mark of an older run directory (migrate_bare()). */
        file = object;
        error = fs_read_file_at(dir, object, STATE_MARK_MAX, &data, &len);
    }
    if (dir >= 0) {
        close(dir);
    }
    if (error == -ENOENT) {
        return NULL;
    }
    char *line = NULL;
    if (!error && state_mark_valid(data, len)) {
        data[len - 1] = '\0';
        line = data;
        data = NULL;
    } else {
        line = xasprintf("marked, but its mark %s/%s/%s cannot be read (%s)",
                         st->dir, MARKS_DIR, file,
                         error ? strerror(-error) : "not one line");
    }
    free(data);
    return line;
}

bool
state_mark_is_displaced(const char *line)
{
    return line &&
           !strncmp(line, STATE_MARK_DISPLACED, strlen(STATE_MARK_DISPLACED));
}

char *
state_mark_snapshot(const char *line)
{
    const char *name = NULL;
    for (const char *p = line; p && (p = strstr(p, MARK_SNAPSHOT));) {
        p += strlen(MARK_SNAPSHOT);
        name = p;
    }
    return name && util_valid_name(name, 64) ? xstrdup(name) : NULL;
}

/* At most this many entries of marks/ are read (a network has far fewer
 * objects; a bound for a directory someone filled). */
#define MARKS_MAX 65536

int
state_mark_snapshots(const struct state *st, char ***out)
{
    size_t n = 0, cap = 0;
    char **names = xcalloc(1, sizeof *names);
    int dir = open_marks_dir(st, false);
    int error = dir == -ENOENT ? 0 : dir < 0 ? dir : 0;
    int fd = dir < 0 ? -1 : dup(dir);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d && fd >= 0) {
        close(fd);
    }
    if (dir >= 0 && !d) {
        error = -errno;
    }
    if (error) {
        log_error("%s/%s: cannot read it: %s", st->dir, MARKS_DIR,
                  strerror(-error));
    }
    size_t seen = 0;
    for (struct dirent *de; d && seen < MARKS_MAX && (de = readdir(d));
         seen++) {
        if (de->d_name[0] == '.') {
            continue; /* ".", "..", a temporary file */
        }
        char *data = NULL;
        size_t len = 0;
        int e = fs_read_file_at(dir, de->d_name, STATE_MARK_MAX, &data, &len);
        if (e || !state_mark_valid(data, len)) {
            /* The snapshot it names is unknown: any may be pinned. */
            log_error("%s/%s/%s: cannot read it: %s", st->dir, MARKS_DIR,
                      de->d_name, e ? strerror(-e) : "not a mark's line");
            error = error ? error : e ? e : -EINVAL;
            free(data);
            continue;
        }
        data[len - 1] = '\0';
        char *name = state_mark_snapshot(data);
        free(data);
        bool dup_name = false;
        for (size_t k = 0; name && k < n && !dup_name; k++) {
            dup_name = !strcmp(names[k], name);
        }
        if (!name || dup_name) {
            free(name);
            continue;
        }
        names = xgrow(names, &cap, n + 2, sizeof *names);
        names[n++] = name;
        names[n] = NULL;
    }
    if (d && seen >= MARKS_MAX) {
        log_error("%s/%s: more than %d entries: not all read", st->dir,
                  MARKS_DIR, MARKS_MAX);
        error = error ? error : -E2BIG;
    }
    if (d) {
        closedir(d);
    }
    if (dir >= 0) {
        close(dir);
    }
    *out = names;
    return error;
}
