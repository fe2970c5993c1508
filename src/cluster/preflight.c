/* `preflight` on one server (`miniinet --server NAME preflight`): what the
 * master asks every server before anything is made anywhere.  Prints one
 * `struct wire_preflight` (wire.h) on standard output, which the master
 * decodes, and exits 0 when nothing stands in the way here (the path MTUs
 * are the master's to judge: it sees every pair; the access ports of the
 * groups here are this server's, network_check_ports()).  Changes
 * nothing. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "icmp.h"
#include "log.h"
#include "network.h"
#include "state.h"
#include "util.h"
#include "workers.h"

/* Errors are printed as usual and also collected for the reply. */
struct collect {
    struct wire_preflight *reply;
    size_t cap;
    pthread_mutex_t lock;
};

static void
collect_sink(enum mi_log_level level, const char *msg, void *aux)
{
    struct collect *c = aux;

    fprintf(stderr, "miniinet: %s%s\n",
            level == MI_LOG_ERROR  ? "error: "
            : level == MI_LOG_WARN ? "warning: "
                                   : "",
            msg);
    if (level == MI_LOG_ERROR) {
        struct wire_preflight *f = c->reply;
        pthread_mutex_lock(&c->lock);
        f->errors =
            xgrow(f->errors, &c->cap, f->n_errors + 2, sizeof *f->errors);
        f->errors[f->n_errors++] = xstrdup(msg);
        pthread_mutex_unlock(&c->lock);
    }
}

struct pmtu_run {
    const struct mi_plan *p;
    unsigned server;
    unsigned *mtu; /* per server */
};

/* The largest size worth probing: the underlay MTU the file gives the
 * pair (more is never used), and what the probe buffer takes. */
static unsigned
pair_max(const struct mi_plan *p, unsigned a, unsigned b)
{
    unsigned m = p->servers[a].underlay_mtu < p->servers[b].underlay_mtu
                     ? p->servers[a].underlay_mtu
                     : p->servers[b].underlay_mtu;
    return m > 9216 ? 9216 : m;
}

static int
probe_peer(size_t k, void *r_)
{
    struct pmtu_run *r = r_;
    const struct mi_server *peer = &r->p->servers[k];
    struct in_addr a;

    if (k == r->server || !peer->address ||
        inet_pton(AF_INET, peer->address, &a) != 1) {
        return 0;
    }
    int error = icmp_path_mtu(
        ntohl(a.s_addr), pair_max(r->p, r->server, (unsigned)k), &r->mtu[k]);
    if (error) {
        log_error("cannot probe the underlay towards %s (%s): %s", peer->name,
                  peer->address, strerror(-error));
    }
    return 0;
}

/* What the session found of a leftover record here. */
static const char *
record_state(const struct session *s)
{
    return s->record_error       ? "damaged"
           : !s->record          ? "absent"
           : s->record->complete ? "up"
                                 : "partial";
}

/* The plugins this server would use, each asked whether it can run here. */
static void
check_plugins(struct session *s, unsigned server, struct wire_preflight *f)
{
    const struct mi_plan *p = plan_view(s->plan);

    f->plugins = xcalloc(MI_PLUGIN_KIND_COUNT + 1, sizeof *f->plugins);
    for (int k = 0; k < MI_PLUGIN_KIND_COUNT; k++) {
        const struct active_plugin *a = &s->active[k];
        if (!a->configured) {
            continue;
        }
        const struct mi_plugin *d = a->loaded.desc;
        f->plugins[f->n_plugins++] = (struct wire_plugin){
            .kind = xstrdup(plugin_kind_name((enum mi_plugin_kind)(k + 1))),
            .name = xstrdup(d->name),
            .version = xstrdup(d->version),
        };
        if (plugin_check_server(a, p, server)) {
            log_error("plugin %s cannot run here (see above)", d->name);
        }
    }
}

/* The path MTU towards every other server. */
static void
probe_peers(const struct mi_plan *p, unsigned server, struct wire_preflight *f)
{
    struct pmtu_run r = {p, server, xcalloc(p->n_servers + 1, sizeof *r.mtu)};

    workers_run(p->n_servers, p->n_servers, probe_peer, &r, NULL, NULL);
    f->pmtu = xcalloc(p->n_servers + 1, sizeof *f->pmtu);
    for (size_t k = 0; k < p->n_servers; k++) {
        if (k != server) {
            f->pmtu[f->n_pmtu++] = (struct wire_pmtu){
                .peer = xstrdup(p->servers[k].name), .mtu = r.mtu[k]};
        }
    }
    free(r.mtu);
}

int
network_preflight(struct session *s)
{
    if (!s->opts.server && plan_access(s->plan)) {
        /* One machine: the one check `up` makes that needs no plugin. */
        int status = network_check_ports(s, NULL, NULL);
        if (status == EXIT_OK) {
            log_info("preflight: the access ports are free on this machine");
        }
        return status;
    }
    if (!s->opts.server) {
        log_error("preflight: %s defines no servers; there is nothing to "
                  "check before `up` on one machine",
                  s->opts.config);
        return EXIT_USAGE;
    }
    const struct mi_plan *p = plan_view(s->plan);
    unsigned server = s->server;
    struct wire_preflight f = {0};
    struct collect c = {.reply = &f};

    pthread_mutex_init(&c.lock, NULL);
    log_set_sink(collect_sink, &c);
    f.server = xstrdup(p->servers[server].name);
    f.version = xstrdup(PACKAGE_VERSION);
    f.root = geteuid() == 0;
    if (!f.root) {
        log_error("miniinet runs as user %u here, not root", geteuid());
    }
    check_plugins(s, server, &f);
    f.state = xstrdup(record_state(s));
    /* An incomplete record ("partial") is no obstacle: `up` removes what
     * it lists, then builds.  A damaged one it refuses, and so does this. */
    if (!strcmp(f.state, "damaged")) {
        log_error("the record of network %s here is damaged (above); "
                  "`up` builds nothing over it",
                  p->name);
    } else if (!strcmp(f.state, "partial")) {
        log_info("an earlier `up` of network %s did not finish here; `up` "
                 "removes what it made, then builds",
                 p->name);
    }
    int ports = network_check_ports(s, &f.ports, &f.n_ports);
    probe_peers(p, server, &f);
    log_set_sink(NULL, NULL);
    pthread_mutex_destroy(&c.lock);

    wire_print(wire_preflight_encode(&f), false);
    int status = f.n_errors || ports != EXIT_OK ? EXIT_FAILED : EXIT_OK;
    wire_preflight_free(&f);
    return status;
}
