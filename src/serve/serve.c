/* `miniinet serve`: the dashboard over HTTP (libmicrohttpd), and the probe
 * rounds that feed it.
 *
 * One prober thread runs a round every period, one at a time: `check
 * --json` and `status --json` of this same program as child processes
 * (the verbs as the user runs them, their replies decoded by wire.c and
 * the matrix merged as a master merges it), with a time limit.  As
 * master, one prober thread per server does the same over that server's
 * kept SSH session (master_gather_one()), storing the server's part as
 * soon as it arrives: a server that hangs is marked late and holds up
 * its own rounds only.  HTTP
 * threads only read what is stored (dashboard.c), never run anything: a
 * request for a router's looking glass marks it wanted and, when its
 * entry is missing or old, wakes the one looking-glass thread, which
 * fetches wanted routers one at a time (`exec ROUTER vtysh -c ... json`;
 * as master over the router's server's kept looking-glass SSH session;
 * with a time limit and bounded output), each at most once every
 * DASH_LG_MAX_AGE seconds.  Nothing the pages can ask writes to the
 * network.  SIGINT and SIGTERM stop it: the HTTP server first, then the
 * threads after their current child (bounded by its time limit; as
 * master, the servers' calls are interrupted). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "dashboard.h"
#include "host.h"
#include "log.h"
#include "network.h"
#include "serve.h"
#include "state.h"
#include "util.h"

#define LG_TIMEOUT "5" /* seconds a router has to answer vtysh */
#define LG_TIMEOUT_S 5
/* FRR's JSON of a router's tables kept at most: a full Internet table is
 * far more, a mini-Internet's a few hundred kB. */
#define LG_MAX_OUTPUT (4u << 20)
/* A probe's reply (check or status --json) taken at most: class-60's
 * status is about 1 MiB; beyond, that round's (that server's) answer is
 * refused with a message (doc/dashboard.md). */
#define PROBE_MAX_OUTPUT (16u << 20)
#define PROBE_MAX_TEXT "16 MiB"

/* HTTP: threads answering; connections open at most, in all and from one
 * client address (beyond: the connection is closed at once); seconds a
 * connection may stay idle.  An open page keeps about one connection
 * (it polls every 5 s): a classroom behind one NAT address is one client
 * of many pages, and one client's connections must still leave room for
 * the others (doc/dashboard.md).  libmicrohttpd splits the limit in all
 * evenly among its threads, and a thread accepts what it can whatever
 * the others hold: each thread's share is 2 clients' worth, so that one
 * client's connections, all on one thread, leave room there.  epoll
 * (MHD_USE_AUTO): select() could not watch descriptors past 1023. */
#define HTTP_THREADS 4u
#define HTTP_PER_CLIENT 64u
#define HTTP_CONNECTIONS (HTTP_THREADS * 2u * HTTP_PER_CLIENT)
#define HTTP_IDLE_S 30u

struct server_ctx {
    struct session *s;
    struct master_gather *gather; /* as master: the servers' sessions */
    struct dash dash;
    struct check_hosts hosts;
    char self[PATH_MAX];
    unsigned round_limit;      /* --round-limit: seconds a round may take */
    char round_limit_text[16]; /* ... as `timeout`'s argument */
    pthread_mutex_t stop_lock;
    pthread_cond_t stop_cond;
    bool stop;
    pthread_cond_t lg_cond; /* under stop_lock: a router is wanted */
    bool lg_wake;           /* under stop_lock: look at the wanted ones */
};

/* ------------------------------------------------------------------------ */
/* Children                                                                 */

/* timeout SECS SELF -q [-c FILE] [--plugins=..] [--plugin-dir D].. ARGS..:
 * this program, as the user ran it, on the same network. */
static const char **
child_argv(const struct server_ctx *c, const char *secs,
           const char *const *args)
{
    const struct cli_options *o = &c->s->opts;
    size_t n_args = 0;
    while (args[n_args]) {
        n_args++;
    }
    const char **argv =
        xcalloc(n_args + 2 * o->n_plugin_dirs + 12, sizeof *argv);
    size_t n = 0;
    argv[n++] = "timeout";
    argv[n++] = "-k";
    argv[n++] = "5";
    argv[n++] = secs;
    argv[n++] = c->self;
    argv[n++] = "-q";
    argv[n++] = "-c";
    argv[n++] = o->config;
    for (size_t i = 0; i < o->n_plugin_dirs; i++) {
        argv[n++] = "--plugin-dir";
        argv[n++] = o->plugin_dirs[i];
    }
    for (size_t i = 0; i < n_args; i++) {
        argv[n++] = args[i];
    }
    return argv;
}

/* Runs one child; its standard output in *out, at most `max` bytes (0:
 * all).  0, or why not (static). */
static const char *
run_child(const struct server_ctx *c, const char *secs,
          const char *const *args, char **out, size_t max)
{
    char *plugins = c->s->opts.plugins
                        ? xasprintf("--plugins=%s", c->s->opts.plugins)
                        : NULL;
    const char *with_plugins[16] = {NULL};
    size_t n = 0;
    if (plugins) {
        with_plugins[n++] = plugins;
    }
    for (size_t i = 0; args[i] && n + 1 < ARRAY_SIZE(with_plugins); i++) {
        with_plugins[n++] = args[i];
    }
    const char **argv = child_argv(c, secs, with_plugins);
    bool truncated = false;
    int status = host_run_bounded(argv, out, max, &truncated);
    free(argv);
    free(plugins);
    return status == 124 || status == 137 ? "timed out"
           : status < 0                   ? "could not run"
           : truncated                    ? "printed too much"
                                          : NULL;
}

/* ------------------------------------------------------------------------ */
/* Probe rounds                                                             */

/* A probe's problem as the page shows it (run_child()'s or
 * master_gather_one()'s `why`). */
static const char *
probe_why(const char *why)
{
    return !strcmp(why, "printed too much")
               ? "printed more than " PROBE_MAX_TEXT ": its reply is refused"
               : why;
}

static bool stopping(struct server_ctx *c);

/* One round on this server: its check and status replies, decoded; the
 * matrix merged.  Stopped between the two: the round ends unstored. */
static void
probe_round(struct server_ctx *c)
{
    const struct mi_plan *p = c->dash.plan;
    unsigned server = c->s->server;
    const char *name = mi_plan_server(p, server)->name;
    /* The CPU of this process and the probes it waited for; a master adds
     * what each server says its replies cost it (wire `cpu_seconds`). */
    double t0 = util_monotonic(), cpu0 = util_cpu_seconds();
    unsigned char *cells = wire_matrix_new(&c->hosts);
    struct wire_status ws = {0};
    struct wire_status *status[1] = {NULL};
    char *error = NULL;
    char *out = NULL;

    static const char *const check[] = {"--json", "check", NULL};
    const char *why =
        run_child(c, c->round_limit_text, check, &out, PROBE_MAX_OUTPUT);
    struct wire_check reply;
    if (!why && out && wire_check_decode(out, name, &reply) == 0) {
        if (wire_check_merge(&c->hosts, server, &reply, cells)) {
            why = "its check reply does not fit the plan";
        }
        wire_check_free(&reply);
    } else if (!why) {
        why = "its check reply could not be read";
    }
    if (why) {
        error = xasprintf("%s: check %s", name, probe_why(why));
    }
    free(out);
    out = NULL;
    if (stopping(c)) {
        free(cells);
        free(error);
        return;
    }

    static const char *const stat[] = {"--json", "status", NULL};
    why = run_child(c, c->round_limit_text, stat, &out, PROBE_MAX_OUTPUT);
    if (!why && out && wire_status_decode(out, name, &ws) == 0) {
        status[0] = &ws;
    } else if (!error) {
        error = xasprintf("%s: status %s", name,
                          why ? probe_why(why) : "unreadable");
    }
    free(out);
    dash_store_round(&c->dash, cells, status, error, util_monotonic() - t0,
                     util_cpu_seconds() - cpu0);
    wire_status_free(&ws);
    free(error);
}

/* As master, each server is probed on its own thread: a server that hangs
 * holds up its own rounds only. */
struct server_prober {
    struct server_ctx *c;
    size_t i;
    pthread_t thread;
    time_t started;      /* of its running round */
    double last_seconds; /* its last answered round's time; 0: none yet */
};

static void
on_late(void *aux, size_t server)
{
    struct server_prober *sp = aux;
    dash_server_late(&sp->c->dash, (unsigned)server, sp->started);
}

/* One round of server sp->i as master: its check, then its status, over
 * its kept session, the round limit for both; stored as soon as done. */
static void
probe_server(struct server_prober *sp)
{
    struct server_ctx *c = sp->c;
    const struct mi_plan *p = c->dash.plan;
    const char *name = mi_plan_server(p, sp->i)->name;
    double t0 = util_monotonic();
    struct gather_limits lim = {
        /* Shown as not answering meanwhile, after this. */
        .late_s =
            dash_late_after(c->dash.period, sp->last_seconds, c->round_limit),
        .timeout_s = c->round_limit,
        .max_output = PROBE_MAX_OUTPUT,
        .late = on_late,
        .aux = sp,
    };
    unsigned char *cells = NULL;
    struct wire_status ws = {0};
    bool have_status = false;
    char *out = NULL, *why = NULL, *error = NULL;
    double cpu = 0, more = 0;

    sp->started = time(NULL);
    if (master_gather_one(c->gather, sp->i, "check", &lim, &out, &why, &cpu)) {
        error = xasprintf("%s: check: %s", name,
                          why ? probe_why(why) : "no answer");
    } else {
        struct wire_check reply;
        cells = wire_matrix_new(&c->hosts);
        if (wire_check_decode(out, name, &reply) != 0) {
            error = xasprintf("%s: its check reply could not be read", name);
        } else {
            if (wire_check_merge(&c->hosts, (unsigned)sp->i, &reply, cells)) {
                error = xasprintf("%s: its check reply does not fit", name);
            }
            cpu += reply.cpu_seconds; /* the server's own */
            wire_check_free(&reply);
        }
        if (error) {
            free(cells);
            cells = NULL;
        }
    }
    free(out);
    free(why);
    out = why = NULL;
    if (cells) {
        /* What is left of the round's time. */
        lim.late_s -= util_monotonic() - t0;
        lim.timeout_s -= util_monotonic() - t0;
        if (master_gather_one(c->gather, sp->i, "status", &lim, &out, &why,
                              &more)) {
            error = xasprintf("%s: status: %s", name,
                              why ? probe_why(why) : "no answer");
        } else if (wire_status_decode(out, name, &ws) == 0) {
            have_status = true;
            more += ws.cpu_seconds;
        } else {
            error = xasprintf("%s: its status reply could not be read", name);
        }
        cpu += more;
    }
    double took = util_monotonic() - t0;
    if (have_status && cells) {
        sp->last_seconds = took;
    }
    dash_store_server(&c->dash, (unsigned)sp->i, have_status ? cells : NULL,
                      have_status ? &ws : NULL, error, sp->started, took, cpu);
    wire_status_free(&ws);
    free(cells);
    free(out);
    free(why);
    free(error);
}

/* Sleeps the period, or until stopped; false when stopping. */
static bool
pause_period(struct server_ctx *c)
{
    pthread_mutex_lock(&c->stop_lock);
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until); /* the conditions' clock */
    until.tv_sec += c->dash.period;
    while (!c->stop && pthread_cond_timedwait(&c->stop_cond, &c->stop_lock,
                                              &until) != ETIMEDOUT) {
    }
    bool go_on = !c->stop;
    pthread_mutex_unlock(&c->stop_lock);
    return go_on;
}

static bool
stopping(struct server_ctx *c)
{
    pthread_mutex_lock(&c->stop_lock);
    bool stop = c->stop;
    pthread_mutex_unlock(&c->stop_lock);
    return stop;
}

/* A server's prober (as master): its rounds, one at a time, the period
 * apart -- the next one starts only when its last call has returned
 * (answered, or interrupted after the round limit). */
static void *
server_prober_main(void *arg)
{
    struct server_prober *sp = arg;

    while (!stopping(sp->c)) {
        probe_server(sp);
        if (!pause_period(sp->c)) {
            break;
        }
    }
    return NULL;
}

static void *
prober_main(void *arg)
{
    struct server_ctx *c = arg;

    while (!stopping(c)) {
        probe_round(c);
        if (!pause_period(c)) {
            break;
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* The looking glass                                                        */

/* Splits vtysh's output of two `-c ... json` commands into the two
 * documents (the second NULL when there is none). */
static void
split_documents(const char *text, char **first, char **second)
{
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, text, (int)strlen(text));
    size_t end = o ? json_tokener_get_parse_end(tok) : 0;

    *first = o ? strndup(text, end) : NULL;
    *second = o ? xstrdup(text + end) : NULL;
    json_object_put(o);
    json_tokener_free(tok);
}

/* Fetches router `node`'s tables into the cache. */
static void
fetch_lg(struct server_ctx *c, size_t node)
{
    const char *name = mi_plan_node(c->dash.plan, node)->name;
    const char *const args[] = {"exec",
                                name,
                                "vtysh",
                                "-c",
                                "show bgp ipv4 unicast json detail",
                                "-c",
                                "show ip ospf neighbor json",
                                NULL};
    char *out = NULL, *bgp = NULL, *ospf = NULL, *remote_why = NULL;
    const char *why = NULL;
    if (c->gather) {
        /* As master: over the server's kept looking-glass session. */
        unsigned server = mi_plan_node(c->dash.plan, node)->server;
        if (master_gather_exec(c->gather, server, (char *const *)args + 1,
                               LG_TIMEOUT_S, LG_MAX_OUTPUT, &out,
                               &remote_why)) {
            why = !strcmp(remote_why, "did not answer in time") ? "timed out"
                                                                : remote_why;
        }
    } else {
        why = run_child(c, LG_TIMEOUT, args, &out, LG_MAX_OUTPUT);
    }
    char *error = NULL;
    if (why && !strcmp(why, "timed out")) {
        error = xasprintf("%s: vtysh did not answer within " LG_TIMEOUT " s",
                          name);
    } else if (why && !strcmp(why, "printed too much")) {
        error = xasprintf("%s: vtysh printed more than %u MiB; not shown",
                          name, LG_MAX_OUTPUT >> 20);
    } else if (why) {
        error = xasprintf("%s: vtysh %s", name, why);
    } else {
        split_documents(out ? out : "", &bgp, &ospf);
        if (!bgp) {
            error = xasprintf("%s: no answer from vtysh (is the router "
                              "running?)",
                              name);
        }
    }
    dash_lg_store(&c->dash, node, bgp, ospf, error, time(NULL));
    free(remote_why);
    free(out);
    free(bgp);
    free(ospf);
    free(error);
}

/* The looking-glass thread: fetches the router dash_lg_next() picks, one
 * at a time; sleeps until a request wakes it or a wanted router's entry
 * turns stale. */
static void *
lg_main(void *arg)
{
    struct server_ctx *c = arg;

    pthread_mutex_lock(&c->stop_lock);
    while (!c->stop) {
        c->lg_wake = false;
        pthread_mutex_unlock(&c->stop_lock);
        time_t wake = 0;
        int node = dash_lg_next(&c->dash, time(NULL), &wake);
        if (node >= 0) {
            fetch_lg(c, (size_t)node);
        }
        pthread_mutex_lock(&c->stop_lock);
        if (node >= 0) {
            continue;
        }
        /* Nothing due: wait for a request, the next due time, or at most
         * DASH_LG_WANT_TTL, on the monotonic clock (a step of the wall
         * clock cannot leave it asleep). */
        time_t now = time(NULL);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += wake && wake > now && wake - now < DASH_LG_WANT_TTL
                            ? wake - now
                            : DASH_LG_WANT_TTL;
        while (!c->stop && !c->lg_wake &&
               pthread_cond_timedwait(&c->lg_cond, &c->stop_lock, &until) !=
                   ETIMEDOUT) {
        }
    }
    pthread_mutex_unlock(&c->stop_lock);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* HTTP                                                                     */

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned status, const char *type,
      char *body, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; frame-ancestors 'none'");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url,
       const char *method, const char *version, const char *upload_data,
       size_t *upload_size, void **con_cls)
{
    struct server_ctx *c = cls;
    (void)version;
    (void)upload_data;
    (void)con_cls;

    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        char *body = xstrdup("{\"error\":\"read-only: GET only\"}\n");
        *upload_size = 0;
        return reply(conn, 405, "application/json", body, strlen(body));
    }
    if (!strncmp(url, "/api/lg/", 8)) {
        /* Answered from the cache; the looking-glass thread fetches. */
        int node = dash_lg_node(&c->dash, url + 8);
        if (node >= 0 && dash_lg_want(&c->dash, (size_t)node, time(NULL))) {
            pthread_mutex_lock(&c->stop_lock);
            c->lg_wake = true;
            pthread_cond_signal(&c->lg_cond);
            pthread_mutex_unlock(&c->stop_lock);
        }
    }
    unsigned status;
    const char *type;
    size_t len;
    char *body = dash_answer(&c->dash, url, &status, &type, &len);
    return reply(conn, status, type, body, len);
}

/* ADDR:PORT, IPv4 (default 127.0.0.1:8080). */
static bool
parse_listen(const char *text, struct sockaddr_in *sa)
{
    char host[64];
    const char *colon = strrchr(text, ':');
    char *end;

    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    if (!colon || (size_t)(colon - text) >= sizeof host) {
        return false;
    }
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (errno || end == colon + 1 || *end || port > 65535) {
        return false;
    }
    sa->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, host, &sa->sin_addr) == 1;
}

int
serve_run(struct session *s, const char *listen, unsigned period,
          const char *round_limit)
{
    struct sockaddr_in sa;
    if (!parse_listen(listen, &sa)) {
        log_error("serve: --listen %s: expected an IPv4 ADDRESS:PORT, e.g. "
                  "127.0.0.1:8080",
                  listen);
        return EXIT_USAGE;
    }
    unsigned limit = DASH_ROUND_LIMIT_S;
    char *why = NULL;
    if (round_limit && dash_round_limit(round_limit, period, &limit, &why)) {
        log_error("serve: %s", why);
        free(why);
        return EXIT_USAGE;
    }
    bool master = s->exec == &master_executor;
    /* One page for the whole network: served by the master (or a single
     * server), which probes every server; a server's own part alone would
     * be stored as the whole network's. */
    if (s->opts.server && plan_view(s->plan)->n_servers > 1) {
        log_error("serve: runs on the master, for every server at once: "
                  "start it without --server");
        return EXIT_USAGE;
    }
    if (!master && !s->record) {
        log_error("serve: network %s is not up on this server (no record "
                  "in %s)",
                  plan_view(s->plan)->name, state_rundir());
        return EXIT_FAILED;
    }

    struct server_ctx *c = xcalloc(1, sizeof *c);
    c->s = s;
    c->round_limit = limit;
    snprintf(c->round_limit_text, sizeof c->round_limit_text, "%u", limit);
    ssize_t n = readlink("/proc/self/exe", c->self, sizeof c->self - 1);
    if (n <= 0) {
        log_error("serve: cannot find this program (/proc/self/exe): %s",
                  strerror(errno));
        free(c);
        return EXIT_FAILED;
    }
    c->self[n] = '\0';
    const struct mi_plan *p = plan_view(s->plan);
    check_hosts_find(p, &c->hosts);
    if (master) {
        c->gather = master_gather_open(s);
    }
    dash_init(&c->dash, p, &c->hosts, period);
    const char *www = getenv("MINIINET_WWW_DIR");
    int status = EXIT_FAILED;
    if (dash_load_files(&c->dash, www && *www ? www : MI_WWWDIR)) {
        goto out;
    }
    pthread_mutex_init(&c->stop_lock, NULL);
    pthread_condattr_t monotonic;
    pthread_condattr_init(&monotonic);
    pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
    pthread_cond_init(&c->stop_cond, &monotonic);
    pthread_cond_init(&c->lg_cond, &monotonic);
    pthread_condattr_destroy(&monotonic);

    /* A server's connection that breaks (reset, or cut by remote_abort())
     * must fail the write on it, not kill the dashboard: SIGPIPE ignored
     * (children get it back: host.c). */
    signal(SIGPIPE, SIG_IGN);
    /* Every thread from here on leaves the stop signals to sigwait(). */
    sigset_t stop, old;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, &old);

    struct MHD_Daemon *daemon = MHD_start_daemon(
        MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
        handle, c, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_THREAD_POOL_SIZE,
        HTTP_THREADS, MHD_OPTION_CONNECTION_LIMIT, HTTP_CONNECTIONS,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, HTTP_PER_CLIENT,
        MHD_OPTION_CONNECTION_TIMEOUT, HTTP_IDLE_S, MHD_OPTION_END);
    if (!daemon) {
        log_error("serve: cannot listen on %s (in use, or not an address of "
                  "this machine?)",
                  listen);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        goto destroy;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    char addr[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &sa.sin_addr, addr, sizeof addr);
    log_info("serving network %s on http://%s:%u/ (a probe round every %u "
             "s, interrupted after %u s; Ctrl-C stops)",
             p->name, addr, info ? info->port : ntohs(sa.sin_port), period,
             limit);

    /* The probers: one (a single server), or one per server (master). */
    size_t n_probers = c->gather ? p->n_servers : 1;
    struct server_prober *probers = xcalloc(n_probers, sizeof *probers);
    size_t n_started = 0;
    for (size_t i = 0; i < n_probers; i++) {
        probers[i].c = c;
        probers[i].i = i;
        if (pthread_create(&probers[i].thread, NULL,
                           c->gather ? server_prober_main : prober_main,
                           c->gather ? (void *)&probers[i] : (void *)c)) {
            break;
        }
        n_started++;
    }
    pthread_t lg;
    bool lg_started =
        n_started == n_probers && pthread_create(&lg, NULL, lg_main, c) == 0;
    if (lg_started) {
        int sig = 0;
        sigwait(&stop, &sig);
        log_info("serve: signal %d: stopping", sig);
        status = EXIT_OK;
    } else {
        log_error("serve: cannot start the prober or looking-glass threads");
    }
    MHD_stop_daemon(daemon);
    pthread_mutex_lock(&c->stop_lock);
    c->stop = true;
    pthread_cond_broadcast(&c->stop_cond);
    pthread_cond_signal(&c->lg_cond);
    pthread_mutex_unlock(&c->stop_lock);
    if (c->gather) {
        master_gather_stop(c->gather); /* the servers' calls interrupted */
    }
    for (size_t i = 0; i < n_started; i++) {
        pthread_join(probers[i].thread, NULL);
    }
    free(probers);
    if (lg_started) {
        pthread_join(lg, NULL);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);

destroy:
    pthread_cond_destroy(&c->lg_cond);
    pthread_cond_destroy(&c->stop_cond);
    pthread_mutex_destroy(&c->stop_lock);
out:
    master_gather_close(c->gather);
    dash_destroy(&c->dash);
    check_hosts_free(&c->hosts);
    free(c);
    return status;
}
