/* `preflight` on one server (`miniinet --server NAME preflight`): what the
 * master asks every server before anything is made anywhere.  Prints one
 * JSON object on standard output, which the master reads:
 *
 *   { "server": "s1", "version": "0.1.0", "root": true,
 *     "plugins": [ { "kind": "runtime", "name": "netns", "version": ... } ],
 *     "state": "absent" | "up" | "partial",
 *     "pmtu": { "s2": 1500, "s3": 0 },        (0: unreachable)
 *     "errors": [ "gre: no Open vSwitch runs on this server ...", ... ] }
 *
 * and exits 0 when nothing stands in the way here (the path MTUs are the
 * master's to judge: it sees every pair).  Changes nothing. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
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

/* Errors are printed as usual and also collected for the JSON. */
struct collect {
    json_object *errors;
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
        pthread_mutex_lock(&c->lock);
        json_object_array_add(c->errors, json_object_new_string(msg));
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

static const char *
record_state(const char *network)
{
    struct state st;
    int error = state_load(network, &st);
    const char *what = error == -ENOENT ? "absent"
                       : error          ? "damaged"
                       : st.complete    ? "up"
                                        : "partial";
    state_destroy(&st);
    return what;
}

int
network_preflight(struct session *s)
{
    const struct mi_plan *p = plan_view(s->plan);
    unsigned server = s->server;
    struct collect c = {.errors = json_object_new_array()};
    json_object *root = json_object_new_object();
    json_object *plugins = json_object_new_array();
    json_object *pmtu = json_object_new_object();

    pthread_mutex_init(&c.lock, NULL);
    log_set_sink(collect_sink, &c);
    bool root_user = geteuid() == 0;
    if (!root_user) {
        log_error("miniinet runs as user %u here, not root", geteuid());
    }
    for (int k = 0; k < MI_PLUGIN_KIND_COUNT; k++) {
        const struct active_plugin *a = &s->active[k];
        if (!a->configured) {
            continue;
        }
        const struct mi_plugin *d = a->loaded.desc;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "kind",
                               json_object_new_string(plugin_kind_name(
                                   (enum mi_plugin_kind)(k + 1))));
        json_object_object_add(o, "name", json_object_new_string(d->name));
        json_object_object_add(o, "version",
                               json_object_new_string(d->version));
        json_object_array_add(plugins, o);
        if (plugin_check_server(a, p, server)) {
            log_error("plugin %s cannot run here (see above)", d->name);
        }
    }
    const char *state = record_state(p->name);
    if (!strcmp(state, "partial") || !strcmp(state, "damaged")) {
        log_error("an earlier `up` of network %s did not finish here; run "
                  "`miniinet -c FILE down` first",
                  p->name);
    }

    struct pmtu_run r = {p, server, xcalloc(p->n_servers + 1, sizeof *r.mtu)};
    workers_run(p->n_servers, p->n_servers, probe_peer, &r, NULL, NULL);
    for (size_t k = 0; k < p->n_servers; k++) {
        if (k != server) {
            json_object_object_add(pmtu, p->servers[k].name,
                                   json_object_new_int((int)r.mtu[k]));
        }
    }
    free(r.mtu);
    log_set_sink(NULL, NULL);
    pthread_mutex_destroy(&c.lock);

    size_t n_errors = json_object_array_length(c.errors);
    json_object_object_add(root, "server",
                           json_object_new_string(p->servers[server].name));
    json_object_object_add(root, "version",
                           json_object_new_string(PACKAGE_VERSION));
    json_object_object_add(root, "root", json_object_new_boolean(root_user));
    json_object_object_add(root, "plugins", plugins);
    json_object_object_add(root, "state", json_object_new_string(state));
    json_object_object_add(root, "pmtu", pmtu);
    json_object_object_add(root, "errors", c.errors);
    puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
    json_object_put(root);
    return n_errors ? EXIT_FAILED : EXIT_OK;
}
