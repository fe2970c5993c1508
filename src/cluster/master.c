/* The master: with a `servers` section and no --server, `up`, `down`,
 * `status`, `check`, `exec` and `preflight` drive every server over SSH.
 *
 * One SSH session per server for the whole command (remote.c), every
 * server at once (one thread each).  On each server the master runs the
 * same miniinet with `--server NAME`, which does that server's part
 * locally; it never builds anything remote itself.  The topology file goes
 * to <REMOTE_DIR>/<network>.cfg on every server over SFTP, first under a
 * temporary name that only `preflight` reads, then renamed by `up`.
 *
 *   up:   connect → push → preflight everywhere → rename → `up` everywhere,
 *         progress streamed with each server's name; the first server that
 *         fails stops the others (SIGTERM over SSH); `down` cleans up.
 *   down: `down NETWORK` everywhere (a server that never got its part
 *         answers "not up"), then the pushed file goes.
 *
 * For tests and development, MINIINET_REMOTE_PROGRAM names the program to
 * run on the servers (default "miniinet" in their PATH) and a
 * MINIINET_PLUGIN_PATH set here is passed on to it. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "linkref.h"
#include "access.h"
#include "log.h"
#include "network.h"
#include "progress.h"
#include "persist.h"
#include "remote.h"
#include "names.h"
#include "snapshot.h"
#include "util.h"
#include "wire.h"

#define REMOTE_DIR "/run/miniinet"
#define CONNECT_TIMEOUT_MS 10000

struct server_run;
typedef int server_fn(struct server_run *);

/* One server's part of a master command. */
struct server_run {
    struct master *m;
    size_t index; /* into the plan's servers */
    struct remote *r;
    char *error; /* connection failure */
    int status;  /* of the remote command */
    char *out;   /* captured standard output */
    char phase[64];
    bool phase_done; /* its "done" line came (shown, not blamed) */
    bool skip;       /* for_each_server() leaves it out this round */
    pthread_t thread;
};

struct master {
    struct session *s;
    const struct mi_plan *p;
    struct server_run *runs;
    size_t n;
    pthread_mutex_t lock; /* output */
    bool live;            /* an overall progress line on the terminal */
    bool stop;            /* one server failed: stop the others */
    const char *verb;
    char **argv; /* extra arguments of the remote verb */
    bool json;   /* asks for the remote verb's reply (wire.h), not text */
};

/* ------------------------------------------------------------------------ */
/* Output                                                                   */

static void
draw_overall(struct master *m)
{
    if (!m->live) {
        return;
    }
    fprintf(stderr, "\r\033[K[%6.1fs]", progress_elapsed());
    for (size_t i = 0; i < m->n; i++) {
        fprintf(stderr, "%s %s: %s%s", i ? " |" : "",
                m->p->servers[m->runs[i].index].name,
                m->runs[i].phase[0] ? m->runs[i].phase : "-",
                m->runs[i].phase_done ? " done" : "");
    }
    fflush(stderr);
}

/* "[  12.3s] frr: 10 to do" → "frr" */
static void
note_phase(struct server_run *sr, const char *line)
{
    const char *t = strstr(line, "s] ");
    if (!t) {
        return;
    }
    t += 3;
    size_t len = strcspn(t, ":");
    if (len && len < sizeof sr->phase && t[len] == ':') {
        sr->phase_done = strstr(t + len, ": done") != NULL;
        snprintf(sr->phase, sizeof sr->phase, "%.*s", (int)len, t);
    }
}

static void
print_line(void *aux, bool is_stderr, const char *line)
{
    struct server_run *sr = aux;
    struct master *m = sr->m;

    pthread_mutex_lock(&m->lock);
    if (m->live) {
        fputs("\r\033[K", stderr);
    }
    fprintf(is_stderr ? stderr : stdout, "%s: %s\n",
            m->p->servers[sr->index].name, line);
    fflush(is_stderr ? stderr : stdout);
    if (is_stderr) {
        note_phase(sr, line);
    }
    draw_overall(m);
    pthread_mutex_unlock(&m->lock);
}

/* ------------------------------------------------------------------------ */
/* Remote commands                                                          */

static char *
remote_path(const struct master *m)
{
    return xasprintf("%s/%s.cfg", REMOTE_DIR, m->p->name);
}

static void
append_quoted(char **cmd, const char *arg)
{
    char *q = remote_quote(arg);
    char *joined = xasprintf("%s %s", *cmd, q);
    free(q);
    free(*cmd);
    *cmd = joined;
}

/* The command line a server runs: miniinet --server NAME -c FILE VERB... */
static char *
remote_command(const struct master *m, size_t server, const char *config,
               const char *verb, char *const *args)
{
    const char *program = getenv("MINIINET_REMOTE_PROGRAM");
    const char *plugin_path = getenv("MINIINET_PLUGIN_PATH");
    char *cmd = xstrdup("exec");

    if (plugin_path && *plugin_path) {
        char *env = xasprintf("MINIINET_PLUGIN_PATH=%s", plugin_path);
        append_quoted(&cmd, "env");
        append_quoted(&cmd, env);
        free(env);
    }
    append_quoted(&cmd, program && *program ? program : "miniinet");
    append_quoted(&cmd, "--server");
    append_quoted(&cmd, m->p->servers[server].name);
    if (config) {
        append_quoted(&cmd, "-c");
        append_quoted(&cmd, config);
    }
    if (m->s->opts.plugins) {
        char *opt = xasprintf("--plugins=%s", m->s->opts.plugins);
        append_quoted(&cmd, opt);
        free(opt);
    }
    if (log_get_verbosity() == 0) {
        append_quoted(&cmd, "-q");
    } else if (log_get_verbosity() > 1) {
        append_quoted(&cmd, "-v");
    }
    if (m->json) {
        append_quoted(&cmd, "--json");
    }
    append_quoted(&cmd, verb);
    for (size_t i = 0; args && args[i]; i++) {
        append_quoted(&cmd, args[i]);
    }
    return cmd;
}

static void *
thread_main(void *arg)
{
    void **pair = arg;
    struct server_run *sr = pair[0];
    server_fn *fn = (server_fn *)pair[1];

    sr->status = fn(sr);
    return NULL;
}

/* Runs fn for every connected server, each in its own thread. */
static void
for_each_server(struct master *m, server_fn *fn)
{
    void **pairs = xcalloc(2 * m->n + 1, sizeof *pairs);

    for (size_t i = 0; i < m->n; i++) {
        struct server_run *sr = &m->runs[i];
        pairs[2 * i] = sr;
        pairs[2 * i + 1] = (void *)fn;
        sr->status = sr->skip ? 0 : -1;
        if (sr->r && !sr->skip &&
            pthread_create(&sr->thread, NULL, thread_main, &pairs[2 * i])) {
            sr->r = NULL;
            sr->error = xstrdup("cannot start a thread");
        }
    }
    for (size_t i = 0; i < m->n; i++) {
        if (m->runs[i].r && !m->runs[i].skip) {
            pthread_join(m->runs[i].thread, NULL);
        }
    }
    free(pairs);
}

/* The verb on one server, its output streamed with the server's name; the
 * first failure stops the others. */
static int
stream_verb(struct server_run *sr)
{
    struct master *m = sr->m;
    char *config = remote_path(m);
    char *cmd =
        remote_command(m, sr->index, strcmp(m->verb, "down") ? config : NULL,
                       m->verb, m->argv);
    int status = remote_exec(sr->r, cmd, print_line, sr);
    free(cmd);
    free(config);
    if (status != 0 && !strcmp(m->verb, "up")) {
        pthread_mutex_lock(&m->lock);
        if (!m->stop) {
            m->stop = true;
            for (size_t i = 0; i < m->n; i++) {
                if (&m->runs[i] != sr && m->runs[i].r) {
                    remote_interrupt(m->runs[i].r);
                }
            }
        }
        pthread_mutex_unlock(&m->lock);
    }
    return status;
}

/* Preflight's errors come back in its JSON, judged and shown once. */
static void
print_non_error(void *aux, bool is_stderr, const char *line)
{
    if (strncmp(line, "miniinet: error: ", 17) != 0) {
        print_line(aux, is_stderr, line);
    }
}

/* The verb on one server, its standard output kept (JSON). */
static int
capture_verb(struct server_run *sr)
{
    struct master *m = sr->m;
    char *config = remote_path(m);
    /* preflight and access run before (or without) up: on the file just
     * pushed. */
    const char *file =
        !strcmp(m->verb, "preflight") || !strcmp(m->verb, "access")
            ? xasprintf("%s.new", config)
            : xstrdup(config);
    char *cmd = remote_command(m, sr->index, file, m->verb, m->argv);
    int status = remote_capture(
        sr->r, cmd, &sr->out,
        !strcmp(m->verb, "preflight") ? print_non_error : print_line, sr);
    free(cmd);
    free((char *)file);
    free(config);
    return status;
}

/* ------------------------------------------------------------------------ */
/* Sessions                                                                 */

/* How the master reaches server i: its `ssh` settings, at `ssh.host` when
 * set (a management address), else at its underlay address. */
static struct remote_target
target_of(const struct session *s, size_t i)
{
    const struct mi_server *sv = &plan_view(s->plan)->servers[i];
    const char *host =
        i < s->topo->n_servers ? s->topo->servers[i].ssh_host : NULL;

    return (struct remote_target){
        .name = sv->name,
        .address = host ? host : sv->address,
        .port = sv->ssh_port,
        .user = sv->ssh_user,
        .identity = sv->ssh_identity,
        .known_hosts = sv->ssh_known_hosts,
    };
}

static int
master_open(struct master *m, struct session *s, const char *verb)
{
    memset(m, 0, sizeof *m);
    m->s = s;
    m->p = plan_view(s->plan);
    m->n = m->p->n_servers;
    m->verb = verb;
    m->json = s->opts.json;
    m->runs = xcalloc(m->n + 1, sizeof *m->runs);
    pthread_mutex_init(&m->lock, NULL);
    progress_init();

    struct remote_target *t = xcalloc(m->n + 1, sizeof *t);
    struct remote **out = xcalloc(m->n + 1, sizeof(struct remote *));
    char **errors = xcalloc(m->n + 1, sizeof *errors);
    for (size_t i = 0; i < m->n; i++) {
        t[i] = target_of(s, i);
        m->runs[i].m = m;
        m->runs[i].index = i;
    }
    size_t failed = remote_connect_all(t, m->n, s->opts.accept_new_host_keys,
                                       CONNECT_TIMEOUT_MS, out, errors);
    for (size_t i = 0; i < m->n; i++) {
        m->runs[i].r = out[i];
        m->runs[i].error = errors[i];
        if (errors[i]) {
            log_error("%s", errors[i]);
        }
    }
    free(t);
    free(out);
    free(errors);
    return failed ? -EHOSTUNREACH : 0;
}

static void
master_close(struct master *m)
{
    for (size_t i = 0; i < m->n; i++) {
        if (m->runs[i].r) {
            remote_close(m->runs[i].r);
        }
        free(m->runs[i].error);
        free(m->runs[i].out);
    }
    free(m->runs);
    pthread_mutex_destroy(&m->lock);
}

/* ------------------------------------------------------------------------ */
/* Preflight                                                                */

static char *
topology_text(const struct master *m, size_t *len)
{
    char *text = util_read_file(m->s->opts.config, len);
    if (!text) {
        log_error("%s: %s", m->s->opts.config, strerror(errno));
    }
    return text;
}

static int
push_topology(struct server_run *sr)
{
    size_t len;
    char *text = topology_text(sr->m, &len);
    char *path = remote_path(sr->m);
    char *tmp = xasprintf("%s.new", path);
    int error = text ? remote_put(sr->r, tmp, text, len, 0644) : -EIO;
    if (error) {
        print_line(sr, true, "cannot write the topology file there");
    }
    free(tmp);
    free(path);
    free(text);
    return error ? 1 : 0;
}

/* Renames (after a good preflight) or removes (after a bad one) the pushed
 * file on every server (SFTP: no shell to start). */
static int
settle_topology(struct server_run *sr)
{
    char *path = remote_path(sr->m);
    char *tmp = xasprintf("%s.new", path);
    const char *const tmps[] = {tmp};
    int error = sr->m->stop ? remote_remove(sr->r, tmps, 1)
                            : remote_rename(sr->r, tmp, path);
    free(tmp);
    free(path);
    return error ? 1 : 0;
}

/* A server's preflight reply, decoded; NULL (after an error) when it gave
 * none or a malformed one. */
static struct wire_preflight *
preflight_reply(const struct master *m, const struct server_run *sr)
{
    const struct mi_server *sv = &m->p->servers[sr->index];
    struct wire_preflight *f = xcalloc(1, sizeof *f);

    if (!sr->out || !*sr->out) {
        log_error("%s: preflight failed (exit %d): is miniinet installed "
                  "there, in the PATH of %s?",
                  sv->name, sr->status, sv->ssh_user);
    } else if (wire_preflight_decode(sr->out, sv->name, f) == 0) {
        return f;
    }
    free(f);
    return NULL;
}

/* The access ports a server found held (network_ports.c): each one a
 * port of a group the plan puts there, worded here, naming this master's
 * file; anything else is the server's fault, refused. */
static size_t
judge_ports(struct master *m, size_t server, const struct wire_preflight *f)
{
    const struct access_plan *ap = plan_access(m->s->plan);
    const char *name = m->p->servers[server].name;

    for (size_t k = 0; k < f->n_ports; k++) {
        const struct wire_port *w = &f->ports[k];
        char *text = access_port_reported(ap, (unsigned)server, name, w->asn,
                                          w->port, w->network, w->network_asn);
        if (!text) {
            log_error("%s: preflight reply: ports[%zu] (port %u of AS %u) "
                      "is not a port of a group on that server",
                      name, k, w->port, w->asn);
            continue;
        }
        log_error("%s: access: %s", m->s->opts.config, text);
        free(text);
    }
    return f->n_ports;
}

/* What a server's preflight said, judged against this master: one line
 * per problem. */
static size_t
judge_server(struct master *m, size_t server, const struct wire_preflight *f)
{
    const char *name = m->p->servers[server].name;
    size_t problems = judge_ports(m, server, f);

    if (strcmp(f->version, PACKAGE_VERSION) != 0) {
        log_error("%s: runs miniinet %s, this master %s: install the same "
                  "version on every server",
                  name, f->version, PACKAGE_VERSION);
        problems++;
    }
    for (size_t k = 0; k < f->n_plugins; k++) {
        const struct wire_plugin *pl = &f->plugins[k];
        for (int kind = 0; kind < MI_PLUGIN_KIND_COUNT; kind++) {
            const struct active_plugin *a = &m->s->active[kind];
            if (a->configured && !strcmp(a->name, pl->name) &&
                strcmp(a->loaded.desc->version, pl->version) != 0) {
                log_error("%s: plugin %s is version %s there, %s here", name,
                          a->name, pl->version, a->loaded.desc->version);
                problems++;
            }
        }
    }
    for (size_t k = 0; k < f->n_errors; k++) {
        log_error("%s: %s", name, f->errors[k]);
        problems++;
    }
    return problems;
}

/* Whether two servers share a remote link. */
static bool
pair_linked(const struct mi_plan *p, size_t a, size_t b)
{
    for (size_t i = 0; i < p->n_links; i++) {
        const struct mi_link *l = &p->links[i];
        if (l->remote && ((l->server[0] == a && l->server[1] == b) ||
                          (l->server[0] == b && l->server[1] == a))) {
            return true;
        }
    }
    return false;
}

/* Underlay between every pair that shares links: reachable both ways, and
 * a path MTU that carries the underlay MTU the file gives them. */
static size_t
judge_underlay(struct master *m, struct wire_preflight **f)
{
    const struct mi_plan *p = m->p;
    size_t problems = 0;
    unsigned link_mtu = 0;

    for (size_t a = 0; a < m->n; a++) {
        for (size_t b = a + 1; b < m->n; b++) {
            if (!f[a] || !f[b] || !pair_linked(p, a, b)) {
                continue;
            }
            const struct mi_server *sa = &p->servers[a], *sb = &p->servers[b];
            unsigned ab = wire_preflight_pmtu(f[a], sb->name),
                     ba = wire_preflight_pmtu(f[b], sa->name);
            unsigned want = sa->underlay_mtu < sb->underlay_mtu
                                ? sa->underlay_mtu
                                : sb->underlay_mtu;
            unsigned got = ab < ba ? ab : ba;
            if (!got) {
                log_error("%s (%s) and %s (%s) do not reach each other over "
                          "the underlay (ICMP echo, both ways): check the "
                          "addresses, routes and firewalls",
                          sa->name, sa->address, sb->name, sb->address);
                problems++;
            } else if (got < want && want <= 9216) {
                log_error("%s - %s: the path MTU is %u (don't-fragment "
                          "probes), below the underlay MTU %u of %s: set "
                          "mtu = %u for both servers (remote links then get "
                          "%u minus the tunnel's overhead)",
                          sa->name, sb->name, got, want, m->s->opts.config,
                          got, got);
                problems++;
            } else {
                log_info("underlay %s - %s: path MTU %s%u, reachable",
                         sa->name, sb->name, got >= want ? "at least " : "",
                         got);
            }
        }
    }
    for (size_t i = 0; i < p->n_links; i++) {
        if (p->links[i].remote && (!link_mtu || p->links[i].mtu < link_mtu)) {
            link_mtu = p->links[i].mtu;
        }
    }
    if (link_mtu && !problems) {
        log_info("links between servers get MTU %u (underlay minus the "
                 "tunnel's overhead)",
                 link_mtu);
    }
    return problems;
}

/* Connects (already done), pushes the topology, runs preflight on every
 * server and judges the answers.  Nothing is built anywhere. */
static int
preflight_all(struct master *m)
{
    m->verb = "preflight";
    for_each_server(m, push_topology);
    size_t problems = 0;
    for (size_t i = 0; i < m->n; i++) {
        problems += m->runs[i].status != 0;
    }
    if (!problems) {
        for_each_server(m, capture_verb);
        struct wire_preflight **f =
            xcalloc(m->n + 1, sizeof(struct wire_preflight *));
        for (size_t i = 0; i < m->n; i++) {
            f[i] = preflight_reply(m, &m->runs[i]);
            problems += f[i] ? judge_server(m, i, f[i]) : 1;
        }
        problems += judge_underlay(m, f);
        for (size_t i = 0; i < m->n; i++) {
            if (f[i]) {
                wire_preflight_free(f[i]);
                free(f[i]);
            }
        }
        free(f);
    }
    m->stop = problems > 0;
    for_each_server(m, settle_topology);
    return problems ? -EINVAL : 0;
}

/* ------------------------------------------------------------------------ */
/* Verbs                                                                    */

static int
connect_or_fail(struct master *m, struct session *s, const char *verb)
{
    if (master_open(m, s, verb)) {
        log_error("cannot reach every server (see above); nothing was "
                  "changed anywhere");
        return EXIT_FAILED;
    }
    return EXIT_OK;
}

int
master_preflight(struct session *s)
{
    struct master m;
    int status = EXIT_FAILED;

    if (master_open(&m, s, "preflight") == 0) {
        status = preflight_all(&m) ? EXIT_FAILED : EXIT_OK;
    } else {
        log_error("preflight: cannot reach every server (see above)");
    }
    if (status == EXIT_OK) {
        log_info("preflight: all %zu servers are ready", m.n);
    }
    master_close(&m);
    return status;
}

/* What became of a server's `up` that did not exit 0: its remote
 * status (128 + N: killed by signal N there). */
static void
up_outcome(int status, char *buf, size_t len)
{
    if (status == -EINTR) {
        snprintf(buf, len, "was stopped (another server failed)");
    } else if (status < 0) {
        snprintf(buf, len, "lost its connection");
    } else if (status > 128 && status < 255) {
        snprintf(buf, len, "was killed there by signal %d (%s)", status - 128,
                 strsignal(status - 128));
    } else {
        snprintf(buf, len, "failed");
    }
}

int
master_up(struct session *s)
{
    struct master m;

    if (master_open(&m, s, "up")) {
        log_error("cannot reach every server (see above); nothing was "
                  "created anywhere");
        master_close(&m);
        return EXIT_FAILED;
    }
    if (preflight_all(&m)) {
        log_error("preflight failed (see above); nothing was created "
                  "anywhere");
        master_close(&m);
        return EXIT_FAILED;
    }
    m.verb = "up";
    char *args[4] = {NULL};
    if (s->opts.restore) {
        /* Each server restores what it builds. */
        size_t k = 0;
        args[k++] = "--restore";
        if (s->opts.skip_damaged) {
            args[k++] = "--skip-damaged";
        }
        args[k] = (char *)s->opts.restore_snapshot;
    }
    m.argv = args;
    m.live = isatty(STDERR_FILENO) && log_get_verbosity() == 1;
    for_each_server(&m, stream_verb);
    if (m.live) {
        fputs("\r\033[K", stderr);
    }
    size_t failed = 0;
    for (size_t i = 0; i < m.n; i++) {
        struct server_run *sr = &m.runs[i];
        if (sr->status != 0) {
            char how[96];
            up_outcome(sr->status, how, sizeof how);
            log_error("%s: `up` %s%s%s", m.p->servers[i].name, how,
                      sr->phase[0] ? " in phase "
                                   : " in its checks, before "
                                     "building anything",
                      sr->phase);
            failed++;
        }
    }
    if (failed) {
        log_error("network %s is not up; `miniinet -c %s down` removes what "
                  "was made on every server",
                  m.p->name, s->opts.config);
    } else {
        log_info("network %s is up on %zu server%s in %.1fs", m.p->name, m.n,
                 util_plural(m.n), progress_elapsed());
    }
    master_close(&m);
    return failed ? EXIT_FAILED : EXIT_OK;
}

static int
remove_topology(struct server_run *sr)
{
    char *path = remote_path(sr->m);
    char *tmp = xasprintf("%s.new", path);
    const char *const paths[] = {path, tmp};
    int error = remote_remove(sr->r, paths, 2);
    free(tmp);
    free(path);
    return error ? 1 : 0;
}

static int
down_server(struct server_run *sr)
{
    int status = stream_verb(sr);
    if (status == 0) {
        status = remove_topology(sr);
    }
    return status;
}

int
master_down(struct session *s)
{
    struct master m;
    char *args[] = {NULL, NULL, NULL};

    master_open(&m, s, "down"); /* the reachable ones go down regardless */
    args[0] = (char *)m.p->name;
    if (s->opts.purge) {
        args[0] = "--purge";
        args[1] = (char *)m.p->name;
    }
    m.argv = args;
    for_each_server(&m, down_server);
    size_t failed = 0;
    for (size_t i = 0; i < m.n; i++) {
        if (m.runs[i].status != 0) {
            log_error("%s: `down` %s", m.p->servers[i].name,
                      m.runs[i].r ? "failed (see above)"
                                  : "not run: the server is not reachable");
            failed++;
        }
    }
    if (failed) {
        log_error("network %s is not down everywhere; run `down` again once "
                  "the servers above answer",
                  m.p->name);
    } else {
        log_info("network %s is down on %zu server%s in %.1fs", m.p->name, m.n,
                 util_plural(m.n), progress_elapsed());
        if (s->opts.purge && persist_exists(m.p->name)) {
            /* What the master itself keeps (snapshots gathered here). */
            char *dir = persist_network_dir(m.p->name);
            if (persist_purge(m.p->name)) {
                log_error("%s: could not remove all of it (see above)", dir);
                failed++;
            } else {
                log_info("removed %s", dir);
            }
            free(dir);
        }
    }
    master_close(&m);
    return failed ? EXIT_FAILED : EXIT_OK;
}

/* Every server's status, decoded: shown as one table per server, or with
 * --json as the array of their replies. */
int
master_status(struct session *s)
{
    struct master m;
    int status = connect_or_fail(&m, s, "status");

    if (status == EXIT_OK) {
        m.json = true;
        for_each_server(&m, capture_verb);
        json_object *all = s->opts.json ? json_object_new_array() : NULL;
        for (size_t i = 0; i < m.n; i++) {
            struct wire_status ws;
            if (wire_status_decode(m.runs[i].out, m.p->servers[i].name, &ws) !=
                0) {
                status = EXIT_FAILED;
                continue;
            }
            if (all) {
                json_object_array_add(all, wire_status_encode(&ws));
            } else {
                status_print(&ws);
            }
            if (!wire_status_ok(&ws) || m.runs[i].status != 0) {
                status = EXIT_FAILED;
            }
            wire_status_free(&ws);
        }
        if (all) {
            wire_print(all, true);
        }
    }
    master_close(&m);
    return status;
}

/* Every server probes from its own hosts: their rows of the matrix, merged
 * here; a server that does not answer (or answers nonsense) leaves its rows
 * unknown, and fails the check. */
static size_t
merge_replies(struct master *m, const struct check_hosts *h,
              unsigned char *cells, struct wire_check *all)
{
    size_t missing = 0;

    for (size_t i = 0; i < m->n; i++) {
        struct wire_check c;
        if (wire_check_decode(m->runs[i].out, m->p->servers[i].name, &c)) {
            missing++;
            continue;
        }
        if (wire_check_merge(h, (unsigned)i, &c, cells) == 0) {
            all->established += c.established;
            all->expected += c.expected;
        } else {
            missing++;
        }
        wire_check_free(&c);
    }
    return missing;
}

int
master_check(struct session *s)
{
    struct master m;
    int status = connect_or_fail(&m, s, "check");
    if (status != EXIT_OK) {
        master_close(&m);
        return status;
    }
    m.json = true;
    for_each_server(&m, capture_verb);

    struct check_hosts h;
    check_hosts_find(m.p, &h);
    unsigned char *cells = wire_matrix_new(&h);
    struct wire_check all = {.network = xstrdup(m.p->name)};
    size_t missing = merge_replies(&m, &h, cells, &all);
    wire_check_tally(&h, cells, &all);
    char *note = xasprintf(" (%zu server%s%s)", m.n, util_plural(m.n),
                           missing ? ", not all answered" : "");
    status = check_report(m.p, &h, cells, &all, s->opts.json, note);
    free(note);
    free(cells);
    wire_check_free(&all);
    check_hosts_free(&h);
    master_close(&m);
    return missing ? EXIT_FAILED : status;
}

/* Moves server i's groups from `a` into `all`: each must be a group the
 * plan puts on server i, listed once. */
static int
merge_access(const struct master *m, size_t i, struct wire_access *a,
             struct wire_access *all)
{
    const struct session *s = m->s;
    const struct access_plan *ap = plan_access(s->plan);

    for (size_t g = 0; g < a->n_groups; g++) {
        const struct access_group *pg =
            access_plan_group(ap, a->groups[g].asn);
        bool seen = false;
        for (size_t k = 0; k < all->n_groups; k++) {
            seen |= all->groups[k].asn == a->groups[g].asn;
        }
        if (!pg || pg->server != i || seen) {
            log_error("%s: refused its `access` reply: it lists AS %u, "
                      "not a group of its own (or twice)",
                      m->p->servers[i].name, a->groups[g].asn);
            return EXIT_FAILED;
        }
        if (!s->opts.group || a->groups[g].asn == s->opts.group) {
            all->groups[all->n_groups++] = a->groups[g];
            memset(&a->groups[g], 0, sizeof a->groups[g]);
        }
    }
    return EXIT_OK;
}

/* Every server's groups: the topology pushed next to the network's
 * (`<net>.cfg.new`, removed again), `access --json` run there, the
 * replies decoded and merged.  Passwords travel in the SSH channels only;
 * a refused reply is named, never quoted. */
int
master_access(struct session *s)
{
    struct master m;
    int status = connect_or_fail(&m, s, "access");

    if (status != EXIT_OK) {
        master_close(&m);
        return status;
    }
    m.json = true;
    for_each_server(&m, push_topology);
    for (size_t i = 0; i < m.n; i++) {
        status = m.runs[i].status ? EXIT_FAILED : status;
    }
    if (status == EXIT_OK) {
        for_each_server(&m, capture_verb);
    }
    m.stop = true; /* the pushed file goes */
    for_each_server(&m, settle_topology);

    struct wire_access all = {.network = xstrdup(m.p->name)};
    all.groups =
        xcalloc(plan_access(s->plan)->n_groups + 1, sizeof *all.groups);
    for (size_t i = 0; status == EXIT_OK && i < m.n; i++) {
        struct wire_access a;
        if (m.runs[i].status != 0 ||
            wire_access_decode(m.runs[i].out, m.p->servers[i].name, &a)) {
            log_error("%s: access failed there (see above)",
                      m.p->servers[i].name);
            status = EXIT_FAILED;
            continue;
        }
        status = merge_access(&m, i, &a, &all);
        wire_access_free(&a);
    }
    if (status == EXIT_OK) {
        if (s->opts.json) {
            wire_print(wire_access_encode(&all), true);
        } else {
            access_print(&all, !s->opts.group);
        }
    }
    wire_access_free(&all);
    master_close(&m);
    return status;
}

int
master_exec(struct session *s, const char *node, char **argv)
{
    const struct mi_plan *p = plan_view(s->plan);
    int index = -1;

    for (size_t i = 0; i < p->n_nodes; i++) {
        if (!strcmp(p->nodes[i].name, node)) {
            index = (int)i;
        }
    }
    if (index < 0) {
        log_error("%s: network %s has no node %s", s->opts.config, p->name,
                  node);
        return EXIT_USAGE;
    }
    unsigned server = p->nodes[index].server;
    struct master m;
    memset(&m, 0, sizeof m);
    m.s = s;
    m.p = p;
    /* One server only: connect to it alone. */
    struct remote_target t = target_of(s, server);
    struct remote *r = NULL;
    char *error = NULL;
    if (remote_connect_all(&t, 1, s->opts.accept_new_host_keys,
                           CONNECT_TIMEOUT_MS, &r, &error)) {
        log_error("%s", error);
        free(error);
        return EXIT_FAILED;
    }
    size_t n_args = 0;
    while (argv && argv[n_args]) {
        n_args++;
    }
    char **args = xcalloc(n_args + 2, sizeof *args);
    args[0] = (char *)node;
    for (size_t i = 0; argv && argv[i]; i++) {
        args[i + 1] = argv[i];
    }
    char *config = remote_path(&m);
    char *cmd = remote_command(&m, server, config, "exec", args);
    int status = remote_exec_interactive(r, cmd);
    free(cmd);
    free(config);
    free(args);
    remote_close(r);
    return status < 0 ? EXIT_FAILED : status;
}

/* `link` on a link between two servers, one end after the other: the
 * first server changes its end and says what it was (wire_link); when
 * the second then fails, the first end is put back as it was, so that
 * the link is left as it was on both.  Both servers are connected. */
static int
link_in_turn(struct master *m, const struct link_request *req, size_t index)
{
    const struct mi_plan *p = m->p;
    const char *first = p->servers[m->runs[0].index].name;
    const char *second = p->servers[m->runs[1].index].name;
    char *what = linkref_describe(p, index);
    struct wire_link before = {0};
    int status = EXIT_FAILED;

    m->json = true; /* the first says what its end was */
    int rc = capture_verb(&m->runs[0]);
    m->json = false;
    if (rc != 0) {
        log_error("link %s: not changed on %s (see above); nothing was "
                  "changed on %s",
                  what, first, second);
        goto out;
    }
    if (!m->runs[0].out ||
        wire_link_decode(m->runs[0].out, first, &before) != 0) {
        log_error("link %s: changed on %s, whose reply could not be read; "
                  "not changed on %s: run the same `link` again",
                  what, first, second);
        goto out;
    }
    if (stream_verb(&m->runs[1]) == 0) {
        status = EXIT_OK;
        goto out;
    }
    /* The second failed: the first end back as it was. */
    for (size_t i = 0; i < before.n_before; i++) {
        const struct wire_link_end *e = &before.before[i];
        char *undo[LINKREF_UNDO_MAX];
        size_t k = linkref_undo(req->op == LINK_SET, e->down, e->rate_bps,
                                e->delay_us, undo);
        char *args[LINKREF_UNDO_MAX + 3] = {(char *)req->a, (char *)req->b};
        memcpy(args + 2, undo, k * sizeof *undo);
        char *text = util_join_words(undo, k);
        m->argv = args;
        if (stream_verb(&m->runs[0]) == 0) {
            log_error("link %s: failed on %s (see above); %s's end (%s %s) "
                      "put back as it was (%s): the link is unchanged",
                      what, second, first, e->node, e->ifname, text);
        } else {
            log_error("link %s: failed on %s (see above), and %s's end (%s "
                      "%s) could not be put back: `miniinet link %s %s %s` "
                      "does it",
                      what, second, first, e->node, e->ifname, req->a, req->b,
                      text);
        }
        m->argv = req->args;
        free(text);
        for (size_t j = 0; j < k; j++) {
            free(undo[j]);
        }
    }

out:
    wire_link_free(&before);
    free(what);
    return status;
}

/* `link` on the servers of the link's ends (one, or both for a link
 * between servers), each changing its own end. */
int
master_link(struct session *s, const struct link_request *req)
{
    const struct mi_plan *p = plan_view(s->plan);
    size_t index;

    if (linkref_find(p, req->a, req->b, &index)) {
        return EXIT_USAGE;
    }
    const struct mi_link *l = mi_plan_link(p, index);
    unsigned servers[2] = {l->server[0], l->server[1]};
    size_t n = servers[0] == servers[1] ? 1 : 2;
    struct master m;

    memset(&m, 0, sizeof m);
    m.s = s;
    m.p = p;
    m.n = n;
    m.verb = "link";
    m.argv = req->args;
    m.runs = xcalloc(n + 1, sizeof *m.runs);
    pthread_mutex_init(&m.lock, NULL);

    struct remote_target t[2];
    struct remote *r[2] = {NULL, NULL};
    char *errors[2] = {NULL, NULL};
    for (size_t i = 0; i < n; i++) {
        t[i] = target_of(s, servers[i]);
        m.runs[i].m = &m;
        m.runs[i].index = servers[i];
    }
    size_t failed = remote_connect_all(t, n, s->opts.accept_new_host_keys,
                                       CONNECT_TIMEOUT_MS, r, errors);
    for (size_t i = 0; i < n; i++) {
        m.runs[i].r = r[i];
        m.runs[i].error = errors[i];
        if (errors[i]) {
            log_error("%s", errors[i]);
        }
    }
    if (!failed && n == 2) {
        int status = link_in_turn(&m, req, index);
        master_close(&m);
        return status;
    }
    if (!failed) {
        for_each_server(&m, stream_verb);
        for (size_t i = 0; i < n; i++) {
            failed += m.runs[i].status != 0;
        }
    }
    int status = EXIT_OK;
    if (failed) {
        char *what = linkref_describe(p, index);
        log_error("link %s: not changed on every server holding it (see "
                  "above)",
                  what);
        free(what);
        status = EXIT_FAILED;
    }
    master_close(&m);
    return status;
}

/* `traceroute AS ADDRESS` on the measurement host's server, its output
 * streamed with the server's name. */
int
master_traceroute(struct session *s, const struct traceroute_request *req)
{
    const struct mi_plan *p = plan_view(s->plan);
    const struct mi_link *l = mi_plan_link(p, req->link);
    unsigned server = mi_plan_node(p, (size_t)l->end[1].node)->server;
    struct master m;

    memset(&m, 0, sizeof m);
    m.s = s;
    m.p = p;
    m.n = 1;
    m.verb = "traceroute";
    m.argv = req->args;
    m.runs = xcalloc(2, sizeof *m.runs);
    pthread_mutex_init(&m.lock, NULL);

    struct remote_target t = target_of(s, server);
    struct remote *r = NULL;
    char *error = NULL;
    m.runs[0].m = &m;
    m.runs[0].index = server;
    if (remote_connect_all(&t, 1, s->opts.accept_new_host_keys,
                           CONNECT_TIMEOUT_MS, &r, &error)) {
        log_error("%s", error);
        m.runs[0].error = error;
        master_close(&m);
        return EXIT_FAILED;
    }
    m.runs[0].r = r;
    int status = stream_verb(&m.runs[0]);
    master_close(&m);
    return status == 0 ? EXIT_OK : EXIT_FAILED;
}

/* ------------------------------------------------------------------------ */
/* Gathering for the dashboard                                              */

/* Two SSH sessions per server, each kept open from call to call: one for
 * the probe rounds, one for the looking glass (a libssh session is driven
 * by one thread at a time, and the looking glass must not wait for a
 * round).  A session that failed (or was interrupted for taking too long)
 * is connected anew at its next call.  Each call runs on a worker thread
 * while its caller waits for it with its deadlines, so a server that
 * hangs holds up only the thread that asked it. */
struct gather_slot {
    struct master_gather *g;
    size_t i; /* the server */
    pthread_mutex_t lock;
    pthread_cond_t cond; /* the worker is done, or the gathering stops */
    struct remote *r;    /* under lock while a worker runs */
    bool running;        /* a worker runs */
    /* Under lock: the caller gave up on the call (its time is over, or the
     * gathering stops).  A session the worker connects from then on starts
     * interrupted: its command is not run. */
    bool cancelled;
    double until; /* monotonic: the call's limit (bounds connecting too) */
    char *cmd;    /* the command line it runs */
    size_t max;   /* bytes of output kept at most */
    char *out, *why;
    double cpu; /* the worker's thread's CPU seconds */
};

/* Seconds an interrupted gathering call gets to end (SIGTERM, SIGKILL 3 s
 * later if it still runs: remote.c) before its connection is cut. */
#define INTERRUPT_GRACE_S 6.0

struct master_gather {
    struct master m;
    struct gather_slot *probe, *lg; /* per server */
    atomic_bool stop;
};

static void
slots_init(struct master_gather *g, struct gather_slot **slots)
{
    pthread_condattr_t monotonic; /* waits by wait_worker()'s clock */
    pthread_condattr_init(&monotonic);
    pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
    *slots = xcalloc(g->m.n + 1, sizeof **slots);
    for (size_t i = 0; i < g->m.n; i++) {
        (*slots)[i].g = g;
        (*slots)[i].i = i;
        pthread_mutex_init(&(*slots)[i].lock, NULL);
        pthread_cond_init(&(*slots)[i].cond, &monotonic);
    }
    pthread_condattr_destroy(&monotonic);
}

struct master_gather *
master_gather_open(struct session *s)
{
    struct master_gather *g = xcalloc(1, sizeof *g);

    g->m.s = s;
    g->m.p = plan_view(s->plan);
    g->m.n = g->m.p->n_servers;
    g->m.json = true;
    g->m.runs = xcalloc(g->m.n + 1, sizeof *g->m.runs);
    pthread_mutex_init(&g->m.lock, NULL);
    atomic_init(&g->stop, false);
    for (size_t i = 0; i < g->m.n; i++) {
        g->m.runs[i].m = &g->m;
        g->m.runs[i].index = i;
    }
    slots_init(g, &g->probe);
    slots_init(g, &g->lg);
    return g;
}

/* Stderr of a gathered command: debug messages only (the page shows what
 * failed). */
static void
gather_stderr(void *aux, bool is_stderr, const char *line)
{
    struct gather_slot *gs = aux;
    (void)is_stderr;
    log_debug("%s: %s", gs->g->m.p->servers[gs->i].name, line);
}

static double
thread_cpu(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_THREAD, &ru)) {
        return 0;
    }
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Milliseconds left to connect in before `until` (monotonic seconds):
 * CONNECT_TIMEOUT_MS at most, 0 when none is left. */
static int
connect_budget_ms(double until)
{
    double left = (until - util_monotonic()) * 1000.0;
    return left <= 0                    ? 0
           : left >= CONNECT_TIMEOUT_MS ? CONNECT_TIMEOUT_MS
           : left < 1                   ? 1
                                        : (int)left;
}

/* The worker: one command on one server's session, connecting it first if
 * it has none (within what is left of the call's time).  A session that
 * connects after the caller gave up is interrupted before its command
 * runs (remote_interrupt(): the command returns -EINTR without running),
 * under the slot's lock, so that the caller's interrupt and this check
 * cannot both miss it. */
static void *
gather_main(void *arg)
{
    struct gather_slot *gs = arg;
    struct master_gather *g = gs->g;
    char *why = NULL;
    double cpu0 = thread_cpu();

    pthread_mutex_lock(&gs->lock);
    struct remote *r = gs->r;
    int budget = connect_budget_ms(gs->until);
    bool cancelled = gs->cancelled;
    pthread_mutex_unlock(&gs->lock);
    if (!r && (cancelled || atomic_load(&g->stop))) {
        why = xstrdup("stopping");
    } else if (!r && !budget) {
        why = xstrdup("did not answer in time");
    } else if (!r) {
        struct remote_target t = target_of(g->m.s, gs->i);
        char *error = NULL;
        if (remote_connect_all(&t, 1, g->m.s->opts.accept_new_host_keys,
                               budget, &r, &error)) {
            why = error;
        }
        pthread_mutex_lock(&gs->lock);
        gs->r = r;
        if (r && gs->cancelled) {
            remote_interrupt(r);
        }
        pthread_mutex_unlock(&gs->lock);
    }
    char *out = NULL;
    if (r) {
        int status = remote_capture_bounded(r, gs->cmd, gs->max, &out,
                                            gather_stderr, gs);
        if (status < 0) {
            why = xstrdup(status == -EFBIG   ? "printed too much"
                          : status == -EINTR ? "did not answer in time"
                                             : "lost its connection");
            free(out);
            out = NULL;
        }
    }
    pthread_mutex_lock(&gs->lock);
    gs->out = out;
    gs->why = why;
    gs->cpu = thread_cpu() - cpu0;
    gs->running = false;
    pthread_cond_broadcast(&gs->cond);
    pthread_mutex_unlock(&gs->lock);
    return NULL;
}

/* Waits (gs->lock held) until the worker is done, the gathering stops or
 * `until` (monotonic seconds) passes; true when the worker is done. */
static bool
wait_worker(struct gather_slot *gs, double until)
{
    while (gs->running && !atomic_load(&gs->g->stop)) {
        double left = until - util_monotonic();
        if (left <= 0) {
            break;
        }
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        double whole = (double)(long)left;
        ts.tv_sec += (time_t)whole;
        ts.tv_nsec += (long)((left - whole) * 1e9);
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&gs->cond, &gs->lock, &ts);
    }
    return !gs->running;
}

/* Runs gs->cmd on its session within lim (see master_gather_one()). */
static int
run_slot(struct gather_slot *gs, const struct gather_limits *lim, char **out,
         char **why, double *cpu)
{
    struct master_gather *g = gs->g;
    double t0 = util_monotonic();
    pthread_t worker;

    *out = *why = NULL;
    *cpu = 0;
    if (atomic_load(&g->stop)) {
        *why = xstrdup("stopping");
        return -1;
    }
    pthread_mutex_lock(&gs->lock);
    gs->out = gs->why = NULL;
    gs->running = true;
    gs->cancelled = false;
    gs->until = t0 + lim->timeout_s;
    if (pthread_create(&worker, NULL, gather_main, gs)) {
        gs->running = false;
        pthread_mutex_unlock(&gs->lock);
        *why = xstrdup("cannot start a thread");
        return -1;
    }
    /* Late: the caller is told once (it marks the server), and the call
     * goes on until its limit. */
    bool done = wait_worker(gs, t0 + lim->late_s);
    if (!done && !atomic_load(&g->stop) && lim->late) {
        pthread_mutex_unlock(&gs->lock);
        lim->late(lim->aux, gs->i);
        pthread_mutex_lock(&gs->lock);
    }
    done = done || wait_worker(gs, t0 + lim->timeout_s);
    bool timed_out = !done && !atomic_load(&g->stop);
    if (!done) {
        /* Still connecting (no session yet): the session it gets is
         * interrupted before its command runs (gather_main()); connecting
         * itself is bounded by the call's limit. */
        gs->cancelled = true;
    }
    if (!done && gs->r) {
        /* Too slow: interrupted, its command signalled, which takes
         * INTERRUPT_GRACE_S at most on a server that answers.  On one
         * that does not (sshd stopped, packets dropped), the channel of
         * the command sending the signals would wait for libssh's own
         * timeout: after the grace,
         * or at once when stopping, the connection is cut instead. */
        remote_interrupt(gs->r);
        if (!atomic_load(&g->stop)) {
            done = wait_worker(gs, util_monotonic() + INTERRUPT_GRACE_S);
        }
        if (!done && gs->r) {
            remote_abort(gs->r);
        }
    }
    pthread_mutex_unlock(&gs->lock);
    pthread_join(worker, NULL);
    *out = gs->out;
    *why = gs->why;
    *cpu = gs->cpu;
    gs->out = gs->why = NULL;
    if (timed_out && *why) {
        free(*why); /* "lost its connection" when cut */
        *why = xstrdup("did not answer in time");
    }
    if (*why && gs->r) {
        remote_close(gs->r); /* interrupted or broken: anew next time */
        gs->r = NULL;
    }
    return *out ? 0 : -1;
}

int
master_gather_one(struct master_gather *g, size_t server, const char *verb,
                  const struct gather_limits *lim, char **out, char **why,
                  double *cpu)
{
    struct gather_slot *gs = &g->probe[server];
    char *config = remote_path(&g->m);

    gs->cmd = remote_command(&g->m, server, config, verb, NULL);
    gs->max = lim->max_output;
    int status = run_slot(gs, lim, out, why, cpu);
    free(gs->cmd);
    gs->cmd = NULL;
    free(config);
    return status;
}

int
master_gather_exec(struct master_gather *g, size_t server, char *const *argv,
                   double timeout_s, size_t max, char **out, char **why)
{
    struct gather_slot *gs = &g->lg[server];
    struct master text = g->m; /* the command's words only */
    char *config = remote_path(&g->m);
    struct gather_limits lim = {.late_s = timeout_s, .timeout_s = timeout_s};
    double cpu;

    text.json = false;
    gs->cmd = remote_command(&text, server, config, "exec", argv);
    gs->max = max;
    int status = run_slot(gs, &lim, out, why, &cpu);
    free(gs->cmd);
    gs->cmd = NULL;
    free(config);
    return status;
}

void
master_gather_stop(struct master_gather *g)
{
    atomic_store(&g->stop, true);
    for (size_t i = 0; i < g->m.n; i++) {
        struct gather_slot *both[] = {&g->probe[i], &g->lg[i]};
        for (size_t k = 0; k < 2; k++) {
            pthread_mutex_lock(&both[k]->lock);
            pthread_cond_broadcast(&both[k]->cond);
            pthread_mutex_unlock(&both[k]->lock);
        }
    }
}

static void
slots_free(struct gather_slot *slots, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        remote_close(slots[i].r);
        pthread_cond_destroy(&slots[i].cond);
        pthread_mutex_destroy(&slots[i].lock);
    }
    free(slots);
}

void
master_gather_close(struct master_gather *g)
{
    if (!g) {
        return;
    }
    slots_free(g->probe, g->m.n);
    slots_free(g->lg, g->m.n);
    master_close(&g->m);
    free(g);
}

/* `save` or `snapshots` on every server: each keeps its own part of the
 * network's snapshots in its own persistent directory, so that a server
 * rebooted alone finds its part there.  A name given with --name is the
 * same everywhere; with --as N, a server without any of AS N does
 * nothing. */
static int
master_on_all(struct session *s, const char *verb, const char *name)
{
    struct master m;
    /* Every option below at once, and the terminating NULL. */
    char *args[16] = {NULL};
    size_t n = 0;

    if (s->opts.node) {
        args[n++] = "--node";
        args[n++] = (char *)s->opts.node;
    }
    if (name) {
        args[n++] = (char *)name;
    }
    if (s->opts.as) {
        args[n++] = "--as";
        args[n++] = (char *)s->opts.as;
    }
    if (s->opts.name) {
        args[n++] = "--name";
        args[n++] = (char *)s->opts.name;
    }
    if (s->opts.note) {
        args[n++] = "--note";
        args[n++] = (char *)s->opts.note;
    }
    if (s->opts.time) {
        args[n++] = "--time";
        args[n++] = (char *)s->opts.time;
    }
    if (s->opts.force) {
        args[n++] = "--force"; /* save: marked routers' running config */
    }
    if (s->opts.running) {
        args[n++] = "--running"; /* restore: a marked router's side file */
    }
    master_open(&m, s, verb); /* the reachable ones answer regardless */
    m.argv = args;
    for_each_server(&m, stream_verb);
    size_t failed = 0;
    for (size_t i = 0; i < m.n; i++) {
        if (m.runs[i].status != 0) {
            log_error("%s: `%s` %s", m.p->servers[i].name, verb,
                      m.runs[i].r ? "failed (see above)"
                                  : "not run: the server is not reachable");
            failed++;
        }
    }
    if (failed && !strcmp(verb, "save")) {
        log_error("network %s: the snapshot is not complete: %zu server%s "
                  "of %zu did not save (the others did)",
                  m.p->name, failed, util_plural(failed), m.n);
    }
    master_close(&m);
    return failed ? EXIT_FAILED : EXIT_OK;
}

/* Whether --as N (if given) names an AS or IXP of the plan; reported. */
static bool
plan_has_as(struct session *s)
{
    const struct mi_plan *p = plan_view(s->plan);
    bool has_as = !s->opts.as_number;
    for (size_t i = 0; i < p->n_ases && !has_as; i++) {
        has_as = p->ases[i].asn == s->opts.as_number;
    }
    if (!has_as) {
        log_error("--as %u: no AS or IXP %u in %s", s->opts.as_number,
                  s->opts.as_number, s->opts.config);
    }
    return has_as;
}

/* Whether server `server` has a node or switch of AS `asn` (0: any). */
static bool
server_has_as(const struct mi_plan *p, unsigned server, unsigned asn)
{
    for (size_t i = 0; i < p->n_nodes; i++) {
        if (p->nodes[i].server == server &&
            (!asn || names_asn_of(p->nodes[i].name) == asn)) {
            return true;
        }
    }
    for (size_t i = 0; i < p->n_bridges; i++) {
        if (p->bridges[i].server == server &&
            (!asn || names_asn_of(p->bridges[i].name) == asn)) {
            return true;
        }
    }
    return false;
}

/* Without --name, the master names the snapshot: its clock, passed to
 * every server (save --time), so that one save is one name everywhere.
 * A server whose part did not change stores nothing (`unchanged`); when
 * another's did, a second round (--always) has it store the snapshot of
 * that name too, so that every server has it and a restore by that name
 * finds every part: an unchanged network is still not stored again. */
static int
master_save_named_here(struct session *s)
{
    struct master m;
    char when[32], *args[12] = {NULL};
    size_t n = 0;
    long long t = (long long)time(NULL);

    snprintf(when, sizeof when, "%lld", t);
    args[n++] = "--time";
    args[n++] = when;
    if (s->opts.as) {
        args[n++] = "--as";
        args[n++] = (char *)s->opts.as;
    }
    if (s->opts.note) {
        args[n++] = "--note";
        args[n++] = (char *)s->opts.note;
    }
    if (s->opts.force) {
        args[n++] = "--force"; /* marked routers' running configuration */
    }
    master_open(&m, s, "save"); /* the reachable ones answer regardless */
    m.json = true;
    m.argv = args;
    struct wire_save *replies = xcalloc(m.n + 1, sizeof *replies);
    bool *done = xcalloc(m.n + 1, sizeof *done);
    size_t failed = 0, stored = 0, unchanged = 0;
    for (int round = 0; round < 2; round++) {
        for_each_server(&m, capture_verb);
        for (size_t i = 0; i < m.n; i++) {
            struct server_run *sr = &m.runs[i];
            if (sr->skip || done[i]) {
                continue;
            }
            done[i] = true;
            if (sr->status != 0 ||
                wire_save_decode(sr->out, m.p->servers[i].name, &replies[i])) {
                log_error("%s: `save` %s", m.p->servers[i].name,
                          sr->r ? "failed (see above)"
                                : "not run: the server is not reachable");
                failed++;
                continue;
            }
            stored += replies[i].stored != NULL;
            if (replies[i].unchanged) {
                unchanged++;
                done[i] = round > 0; /* the second round asks again */
            }
        }
        if (round > 0 || !stored || !unchanged) {
            break;
        }
        /* Some parts changed, some not: the unchanged ones store it too. */
        for (size_t i = 0; i < m.n; i++) {
            m.runs[i].skip = done[i];
            free(m.runs[i].out);
            m.runs[i].out = NULL;
            if (!done[i]) {
                wire_save_free(&replies[i]);
            }
        }
        args[n++] = "--always";
        unchanged = 0;
    }
    char name[32];
    snapshot_default_name(t, name);
    if (failed) {
        log_error("network %s: the snapshot is not complete: %zu server%s "
                  "of %zu did not save (the others did)",
                  m.p->name, failed, util_plural(failed), m.n);
    } else if (stored) {
        log_info("network %s: snapshot %s%s%s saved on every server "
                 "concerned",
                 m.p->name, name, s->opts.as ? "-as" : "",
                 s->opts.as ? s->opts.as : "");
    } else {
        log_info("network %s: nothing changed on any server: not stored "
                 "again",
                 m.p->name);
    }
    for (size_t i = 0; i < m.n; i++) {
        wire_save_free(&replies[i]);
    }
    free(replies);
    free(done);
    master_close(&m);
    return failed ? EXIT_FAILED : EXIT_OK;
}

int
master_save(struct session *s)
{
    if (!plan_has_as(s)) {
        return EXIT_USAGE;
    }
    if (!s->opts.name) {
        return master_save_named_here(s);
    }
    return master_on_all(s, "save", NULL);
}

/* Every server's `snapshots --json`, decoded into lists[i] (as struct
 * snapshot: name, time, scope, damaged) and replies[i]; false for a server
 * that did not answer (reported). */
static size_t
gather_snapshots(struct session *s, struct master *m,
                 struct wire_snapshots *replies, bool *answered)
{
    size_t failed = 0;

    master_open(m, s, "snapshots");
    m->json = true;
    for_each_server(m, capture_verb);
    for (size_t i = 0; i < m->n; i++) {
        struct server_run *sr = &m->runs[i];
        /* Exit 1 with a reply: a damaged snapshot there (named). */
        answered[i] = sr->r && (sr->status == 0 || sr->status == 1) &&
                      !wire_snapshots_decode(sr->out, m->p->servers[i].name,
                                             &replies[i]);
        if (!answered[i]) {
            log_error("%s: `snapshots` %s", m->p->servers[i].name,
                      sr->r ? "failed (see above)"
                            : "not run: the server is not reachable");
            failed++;
        }
    }
    return failed;
}

/* The struct snapshot view of a server's reply (the fields a choice
 * needs; names shared with the reply). */
static struct snapshot *
reply_list(const struct wire_snapshots *w)
{
    struct snapshot *l = xcalloc(w->n_snapshots + 1, sizeof *l);
    for (size_t i = 0; i < w->n_snapshots; i++) {
        l[i].name = w->snapshots[i].name;
        l[i].time = w->snapshots[i].time;
        l[i].asn = w->snapshots[i].as;
        l[i].damaged = w->snapshots[i].damaged;
        l[i].unread = w->snapshots[i].unread;
    }
    return l;
}

/* `snapshots` from the master: per name, which servers have it (intact),
 * which have it damaged, and which that should (their part is in its
 * scope) have it not. */
/* snapshots --unpin KEY:SNAPSHOT (checked by verb_snapshots()) from the
 * master: passed on to the one server of KEY's object (a node's or a
 * switch's, the plan says which), which keeps that object's snapshots and
 * pins; its output streamed, its exit status the master's. */
static int
master_unpin(struct session *s)
{
    const struct mi_plan *p = plan_view(s->plan);
    const char *unpin = s->opts.unpin;
    const char *colon = strchr(unpin, ':');
    char *key = xasprintf("%.*s", (int)(colon - unpin), unpin);
    char object[128];
    const char *suffix = NULL;
    bool known = snapshot_file_object(key, object, sizeof object, &suffix);
    bool bridge = known && !strcmp(suffix, ".vlan");
    long server = -1;
    for (size_t i = 0; known && !bridge && i < p->n_nodes && server < 0; i++) {
        server =
            !strcmp(p->nodes[i].name, object) ? (long)p->nodes[i].server : -1;
    }
    for (size_t i = 0; bridge && i < p->n_bridges && server < 0; i++) {
        server = !strcmp(p->bridges[i].name, object)
                     ? (long)p->bridges[i].server
                     : -1;
    }
    if (server < 0) {
        log_error("--unpin %s: %s is no file of a node or switch of %s", unpin,
                  key, s->opts.config);
        free(key);
        return EXIT_USAGE;
    }
    free(key);
    struct master m;
    char *args[] = {"--unpin", (char *)unpin, NULL};
    master_open(&m, s, "snapshots");
    m.json = false;
    m.argv = args;
    for (size_t i = 0; i < m.n; i++) {
        m.runs[i].skip = i != (size_t)server;
    }
    for_each_server(&m, stream_verb);
    struct server_run *sr = &m.runs[server];
    if (sr->status != 0) {
        log_error("%s: `snapshots --unpin %s` %s", m.p->servers[server].name,
                  unpin,
                  sr->r ? "failed (see above)"
                        : "not run: the server is not reachable");
    }
    int status = sr->status == 0 ? EXIT_OK : EXIT_FAILED;
    master_close(&m);
    return status;
}

int
master_snapshots(struct session *s)
{
    if (s->opts.unpin) {
        return master_unpin(s);
    }
    struct master m;
    struct wire_snapshots *replies =
        xcalloc(plan_view(s->plan)->n_servers + 1, sizeof *replies);
    bool *answered =
        xcalloc(plan_view(s->plan)->n_servers + 1, sizeof *answered);
    size_t failed = gather_snapshots(s, &m, replies, answered);
    int status = failed ? EXIT_FAILED : EXIT_OK;

    if (s->opts.json) {
        json_object *all = json_object_new_array();
        for (size_t i = 0; i < m.n; i++) {
            if (answered[i]) {
                json_object_array_add(all, wire_snapshots_encode(&replies[i]));
            }
        }
        wire_print(all, true);
    }
    /* Every name once, newest first (the servers' lists are). */
    const struct wire_snapshot **seen = NULL;
    size_t n_seen = 0, cap = 0;
    for (size_t i = 0; i < m.n; i++) {
        for (size_t k = 0; answered[i] && k < replies[i].n_snapshots; k++) {
            const struct wire_snapshot *w = &replies[i].snapshots[k];
            bool dup = false;
            for (size_t j = 0; j < n_seen && !dup; j++) {
                dup = !strcmp(seen[j]->name, w->name);
            }
            if (!dup) {
                seen = xgrow(seen, &cap, n_seen + 1,
                             sizeof(const struct wire_snapshot *));
                seen[n_seen++] = w;
            }
        }
    }
    for (size_t j = 0; j < n_seen && !s->opts.json; j++) {
        /* Newest first across the servers. */
        for (size_t k = j + 1; k < n_seen; k++) {
            if (seen[k]->time > seen[j]->time) {
                const struct wire_snapshot *t = seen[j];
                seen[j] = seen[k];
                seen[k] = t;
            }
        }
        const struct wire_snapshot *w = seen[j];
        char when[32] = "?", scope[16] = "whole";
        time_t t = (time_t)w->time;
        struct tm tm;
        if (!w->unread && gmtime_r(&t, &tm)) {
            strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
        }
        if (w->unread) {
            snprintf(scope, sizeof scope, "?");
        } else if (w->as) {
            snprintf(scope, sizeof scope, "AS %u", w->as);
        }
        char *on = xstrdup(""), *bad = xstrdup(""), *missing = xstrdup("");
        char *stale = xstrdup(""), *pinned = xstrdup("");
        char *ran = xstrdup("");
        for (size_t i = 0; i < m.n; i++) {
            const struct wire_snapshot *here = NULL;
            for (size_t k = 0; answered[i] && k < replies[i].n_snapshots;
                 k++) {
                if (!strcmp(replies[i].snapshots[k].name, w->name)) {
                    here = &replies[i].snapshots[k];
                }
            }
            char **to = here && !here->damaged ? &on
                        : here                 ? &bad
                        : answered[i] && server_has_as(m.p, (unsigned)i, w->as)
                            ? &missing
                            : NULL;
            if (to) {
                char *t2 = xasprintf("%s%s%s", *to, **to ? "," : "",
                                     m.p->servers[i].name);
                free(*to);
                *to = t2;
            }
            for (size_t k = 0; here && k < here->n_stale_nodes; k++) {
                char *t2 = xasprintf("%s%s%s", stale, *stale ? "," : "",
                                     here->stale_nodes[k]);
                free(stale);
                stale = t2;
            }
            for (size_t k = 0; here && k < here->n_running; k++) {
                char *t2 = xasprintf("%s%s%s (on %s)", ran, *ran ? "," : "",
                                     here->running[k], m.p->servers[i].name);
                free(ran);
                ran = t2;
            }
            for (size_t k = 0; here && k < here->n_pinned_for; k++) {
                char *t2 =
                    xasprintf("%s%s%s (on %s)", pinned, *pinned ? "," : "",
                              here->pinned_for[k], m.p->servers[i].name);
                free(pinned);
                pinned = t2;
            }
        }
        printf("%-24s %s  %-6s on %s%s%s%s%s%s%s%s%s%s%s\n", w->name, when,
               scope, *on ? on : "(none)", *bad ? "  DAMAGED on " : "", bad,
               *missing ? "  missing on " : "", missing,
               *stale ? "  stale: " : "", stale, *ran ? "  what ran: " : "",
               ran, *pinned ? "  pinned for " : "", pinned);
        status = *bad ? EXIT_FAILED : status;
        free(pinned);
        free(ran);
        free(stale);
        free(on);
        free(bad);
        free(missing);
    }
    for (size_t i = 0; i < m.n && !s->opts.json; i++) {
        for (size_t k = 0; answered[i] && k < replies[i].n_incomplete; k++) {
            printf("%-24s incomplete on %s: no snapshot (a save that did "
                   "not finish); never restored\n",
                   replies[i].incomplete[k], m.p->servers[i].name);
        }
    }
    if (!n_seen && !s->opts.json) {
        log_info("network %s has no snapshots", m.p->name);
    }
    free(seen);
    for (size_t i = 0; i < m.n; i++) {
        wire_snapshots_free(&replies[i]);
    }
    free(replies);
    free(answered);
    master_close(&m);
    return status;
}

/* Without a name, the newest snapshot every server concerned has intact
 * (those with a node or switch restored: --node's, AS N's, all);
 * NULL-terminated name malloc()ed into *name; EXIT_OK, or EXIT_FAILED after
 * saying why. */
static int
choose_common(struct session *s, const char *node, char **name)
{
    const struct mi_plan *p = plan_view(s->plan);
    struct master m;
    struct wire_snapshots *replies =
        xcalloc(p->n_servers + 1, sizeof *replies);
    bool *answered = xcalloc(p->n_servers + 1, sizeof *answered);
    unsigned want = s->opts.as_number ? s->opts.as_number
                    : node            ? names_asn_of(node)
                                      : 0;
    gather_snapshots(s, &m, replies, answered); /* missing: said */
    const struct snapshot **lists =
        xcalloc(m.n + 1, sizeof(const struct snapshot *));
    struct snapshot **own = xcalloc(m.n + 1, sizeof(struct snapshot *));
    size_t *ns = xcalloc(m.n + 1, sizeof *ns), n_lists = 0;
    bool missing = false;

    for (size_t i = 0; i < m.n; i++) {
        bool involved = false;
        for (size_t k = 0; node && k < p->n_nodes && !involved; k++) {
            involved =
                p->nodes[k].server == i && !strcmp(p->nodes[k].name, node);
        }
        for (size_t k = 0; node && k < p->n_bridges && !involved; k++) {
            involved =
                p->bridges[k].server == i && !strcmp(p->bridges[k].name, node);
        }
        if (!node) {
            involved = server_has_as(p, (unsigned)i, s->opts.as_number);
        }
        if (!involved) {
            continue;
        }
        missing |= !answered[i];
        own[n_lists] = reply_list(&replies[i]);
        lists[n_lists] = own[n_lists];
        ns[n_lists++] = answered[i] ? replies[i].n_snapshots : 0;
    }
    const struct snapshot *damaged, *partial;
    const char *chosen = missing
                             ? NULL
                             : snapshot_choose_common(lists, ns, n_lists, want,
                                                      &damaged, &partial);
    int status = EXIT_OK;
    if (missing) {
        log_error("network %s: nothing restored: not every server "
                  "concerned answered (see above)",
                  p->name);
        status = EXIT_FAILED;
    } else if (damaged && (!chosen || !s->opts.skip_damaged)) {
        log_error("network %s: snapshot %s is damaged on a server (see "
                  "`snapshots`): nothing restored%s%s%s",
                  p->name, damaged->name,
                  chosen ? "; the previous one every server has intact is "
                         : "",
                  chosen ? chosen : "",
                  chosen ? " (`miniinet restore NAME` restores it)" : "");
        status = EXIT_FAILED;
    } else if (!chosen) {
        log_error("network %s: no snapshot %s is on every server "
                  "concerned intact: nothing restored",
                  p->name, want ? "holding that AS" : "of the whole network");
        status = EXIT_FAILED;
    } else {
        if (damaged) {
            log_warn("network %s: snapshot %s is damaged on a server: "
                     "restoring the newest one every server has intact, %s",
                     p->name, damaged->name, chosen);
        }
        if (partial) {
            log_warn("network %s: snapshot %s is not on every server "
                     "concerned (a save that did not reach them all): "
                     "restoring %s, the newest one that is",
                     p->name, partial->name, chosen);
        }
        *name = xstrdup(chosen);
    }
    for (size_t i = 0; i < n_lists; i++) {
        free(own[i]);
    }
    free(own);
    free(lists);
    free(ns);
    for (size_t i = 0; i < m.n; i++) {
        wire_snapshots_free(&replies[i]);
    }
    free(replies);
    free(answered);
    master_close(&m);
    return status;
}

int
master_restore(struct session *s, const char *name, const char *node)
{
    const struct mi_plan *p = plan_view(s->plan);
    bool found = !node;

    for (size_t i = 0; node && i < p->n_nodes && !found; i++) {
        found = !strcmp(p->nodes[i].name, node);
    }
    for (size_t i = 0; node && i < p->n_bridges && !found; i++) {
        found = !strcmp(p->bridges[i].name, node);
    }
    if (!found) {
        log_error("--node %s: no such node or switch in %s", node,
                  s->opts.config);
        return EXIT_USAGE;
    }
    if (!plan_has_as(s)) {
        return EXIT_USAGE;
    }
    /* Without a name: the newest every server concerned has intact, by
     * name, so that every part comes from the same save (across servers
     * a restore is not composed per AS: a single server's is). */
    char *chosen = NULL;
    if (!name && choose_common(s, node, &chosen) != EXIT_OK) {
        return EXIT_FAILED;
    }
    /* --as is passed on: each server restores its part of AS N, and one
     * without any of it does nothing. */
    int status = master_on_all(s, "restore", name ? name : chosen);
    free(chosen);
    return status;
}

int
master_restart(struct session *s, const char *node)
{
    const struct mi_plan *p = plan_view(s->plan);
    bool found = false;

    for (size_t i = 0; i < p->n_nodes && !found; i++) {
        found = !strcmp(p->nodes[i].name, node);
    }
    if (!found) {
        log_error("restart %s: no such node in %s", node, s->opts.config);
        return EXIT_USAGE;
    }
    /* The save before the restart is named by the master's clock, as the
     * master's `save` is (save --time). */
    char when[32];
    snprintf(when, sizeof when, "%lld", (long long)time(NULL));
    s->opts.time = when;
    int status = master_on_all(s, "restart", node);
    s->opts.time = NULL;
    return status;
}
