/* The verbs.  Each is a function of the prepared session; the table at the
 * end is all main() knows about them. */
#include "config.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "session.h"
#include "log.h"
#include "network.h"
#include "plan.h"
#include "snapshot.h"
#include "util.h"

static int
no_arguments(int argc, char **argv)
{
    if (argc > 1) {
        log_error("%s: unexpected argument '%s'", argv[0], argv[1]);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* Verbs that look at the file only still end in failure when the
 * network's state record is damaged: whatever the file says, the network
 * needs the TA's hand first (the session printed how). */
static int
record_damaged(const struct session *s)
{
    if (!s->record_error) {
        return EXIT_OK;
    }
    log_error("network %s: the file is valid, but the network's state "
              "record is damaged (see above): deal with it first",
              s->network);
    return EXIT_FAILED;
}

/* validate: the topology, the plugins' settings and the plan. */
static int
verb_validate(struct session *s, int argc, char **argv)
{
    int status = no_arguments(argc, argv);
    if (status != EXIT_OK) {
        return status;
    }

    const struct mi_plan *p = plan_view(s->plan);
    size_t n_routers = 0, n_ixps = 0, n_remote = 0;
    for (size_t i = 0; i < p->n_ases; i++) {
        n_routers += p->ases[i].n_routers;
        n_ixps += p->ases[i].ixp;
    }
    for (size_t i = 0; i < p->n_links; i++) {
        n_remote += p->links[i].remote;
    }
    size_t n_ases = p->n_ases - n_ixps;
    log_info("%s: valid: %zu AS%s, %zu IXP%s, %zu router%s, %zu node%s, "
             "%zu link%s (%zu between servers), %zu bridge%s, %zu server%s",
             s->opts.config, n_ases, n_ases == 1 ? "" : "es", n_ixps,
             util_plural(n_ixps), n_routers, util_plural(n_routers),
             p->n_nodes, util_plural(p->n_nodes), p->n_links,
             util_plural(p->n_links), n_remote, p->n_bridges,
             util_plural(p->n_bridges), p->n_servers,
             util_plural(p->n_servers));
    return record_damaged(s);
}

static void
describe_tunnel_id(const struct mi_plan *p, size_t link, char *buf, size_t len,
                   void *aux)
{
    const struct active_plugin *tunnel = aux;

    tun_describe_id(tunnel, p, link, buf, len);
}

/* plan [--server NAME] [--json] */
static int
verb_plan(struct session *s, int argc, char **argv)
{
    int status = no_arguments(argc, argv);
    if (status != EXIT_OK) {
        return status;
    }

    int server =
        s->opts.server ? plan_find_server(s->plan, s->opts.server) : -1;
    const struct active_plugin *tunnel = session_plugin(s, MI_PLUGIN_TUNNEL);
    plan_describe_fn *describe = tunnel ? describe_tunnel_id : NULL;
    void *aux = (void *)tunnel;
    int error = s->opts.json
                    ? plan_write_json(s->plan, server, describe, aux, stdout)
                    : plan_write_text(s->plan, server, describe, aux, stdout);
    if (error || fflush(stdout) == EOF) {
        log_error("plan: could not write the plan: %s",
                  strerror(error ? -error : errno));
        return EXIT_FAILED;
    }
    return record_damaged(s);
}

struct plugin_listing {
    bool json;
    json_object *array;
    size_t n_bad;
};

static void
list_plugin(const char *path, const struct loaded_plugin *lp, void *aux_)
{
    struct plugin_listing *listing = aux_;

    if (!lp || !lp->desc) {
        listing->n_bad++;
        return; /* the loader has reported why */
    }

    const struct mi_plugin *d = lp->desc;
    if (listing->json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(d->name));
        json_object_object_add(
            o, "kind", json_object_new_string(plugin_kind_name(d->kind)));
        json_object_object_add(o, "version",
                               json_object_new_string(d->version));
        json_object_object_add(o, "path", json_object_new_string(path));
        json_object_object_add(
            o, "description",
            json_object_new_string(d->description ? d->description : ""));
        json_object_array_add(listing->array, o);
    } else {
        printf("%-12s %-8s %-10s %s\n", d->name, plugin_kind_name(d->kind),
               d->version, path);
    }
}

/* plugins: every plugin in the search path. */
static int
verb_plugins(struct session *s, int argc, char **argv)
{
    int status = no_arguments(argc, argv);
    if (status != EXIT_OK) {
        return status;
    }

    struct plugin_listing listing = {.json = s->opts.json};
    if (listing.json) {
        listing.array = json_object_new_array();
    } else {
        printf("%-12s %-8s %-10s %s\n", "NAME", "KIND", "VERSION", "PATH");
    }
    size_t n = plugin_scan(&s->path, list_plugin, &listing);
    if (listing.json) {
        fputs(json_object_to_json_string_ext(
                  listing.array,
                  JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE),
              stdout);
        putchar('\n');
        json_object_put(listing.array);
    }
    if (n == 0) {
        log_warn("no plugins found (searched:%s%s)",
                 s->path.n_dirs ? " " : " nothing",
                 s->path.n_dirs ? s->path.dirs[0] : "");
        for (size_t i = 1; i < s->path.n_dirs; i++) {
            log_warn("  also searched %s", s->path.dirs[i]);
        }
    }
    return EXIT_OK;
}

/* up: build this server's part of the network, or, as the master, have
 * every server build its own. */
static int
verb_up(struct session *s, int argc, char **argv)
{
    if (argc > (s->opts.restore ? 2 : 1)) {
        log_error("up: unexpected argument '%s'%s", argv[argc - 1],
                  s->opts.restore ? "" : " (up --restore SNAPSHOT?)");
        return EXIT_USAGE;
    }
    const char *name = argc == 2 ? argv[1] : NULL;
    if (name && !util_valid_name(name, 64)) {
        log_error("up --restore %s: not a snapshot's name", name);
        return EXIT_USAGE;
    }
    s->opts.restore_snapshot = name; /* a master passes it on */
    int status = s->exec->up(s);
    if (status != EXIT_OK || s->exec != &local_executor) {
        return status; /* a master's servers restore, each its part */
    }
    if (s->opts.restore && s->built) {
        status = s->exec->restore(s, name, NULL);
    } else if (s->opts.restore) {
        /* Only what `up` builds is restored (after a reboot, the part of
         * the servers that rebooted): running nodes are left as they are. */
        log_info("network %s was up already here: nothing restored "
                 "(`restore` puts a snapshot back on a running network)",
                 s->network);
    } else {
        network_snapshot_hint(s);
    }
    return status;
}

/* preflight: the checks `up` makes before building anything. */
static int
verb_preflight(struct session *s, int argc, char **argv)
{
    int status = no_arguments(argc, argv);
    if (status != EXIT_OK) {
        return status;
    }
    return s->exec->preflight(s);
}

/* down [NETWORK] */
static int
verb_down(struct session *s, int argc, char **argv)
{
    if (argc > 2) {
        log_error("down: unexpected argument '%s'", argv[2]);
        return EXIT_USAGE;
    }
    return s->exec->down(s);
}

static int
verb_status(struct session *s, int argc, char **argv)
{
    int status = no_arguments(argc, argv);
    if (status != EXIT_OK) {
        return status;
    }
    return s->exec->status(s);
}

static int
verb_check(struct session *s, int argc, char **argv)
{
    int status = no_arguments(argc, argv);
    if (status != EXIT_OK) {
        return status;
    }
    return s->exec->check(s);
}

/* exec NODE [[--] CMD ARGS...] */
static int
verb_exec(struct session *s, int argc, char **argv)
{
    if (argc < 2) {
        log_error("exec: which node? (exec NODE [COMMAND...])");
        return EXIT_USAGE;
    }
    char **command = argv + 2;
    if (argc > 2 && !strcmp(command[0], "--")) {
        command++; /* optional: `exec NODE -- CMD...` */
    }
    return s->exec->exec(s, argv[1], command[0] ? command : NULL);
}

/* save [NETWORK]: a snapshot of what students typed. */
static int
verb_save(struct session *s, int argc, char **argv)
{
    if (argc > 2) {
        log_error("save: unexpected argument '%s'", argv[2]);
        return EXIT_USAGE;
    }
    if (s->opts.as && !util_valid_name(s->opts.as, 64)) {
        log_error("--as %s: a snapshot's name is 1 to 64 letters, digits, "
                  "'_' or '-'",
                  s->opts.as);
        return EXIT_USAGE;
    }
    if (s->opts.note && !snapshot_note_valid(s->opts.note)) {
        log_error("--note: at most %d characters on one line",
                  SNAPSHOT_NOTE_MAX);
        return EXIT_USAGE;
    }
    return s->exec->save(s);
}

/* snapshots [NETWORK]: the list, each checked. */
static int
verb_snapshots(struct session *s, int argc, char **argv)
{
    if (argc > 2) {
        log_error("snapshots: unexpected argument '%s'", argv[2]);
        return EXIT_USAGE;
    }
    return s->exec->snapshots(s);
}

/* restore [SNAPSHOT]: a snapshot back on the running network. */
static int
verb_restore(struct session *s, int argc, char **argv)
{
    if (argc > 2) {
        log_error("restore: unexpected argument '%s'", argv[2]);
        return EXIT_USAGE;
    }
    if (argc == 2 && !util_valid_name(argv[1], 64)) {
        log_error("restore %s: not a snapshot's name (`snapshots` lists "
                  "them)",
                  argv[1]);
        return EXIT_USAGE;
    }
    return s->exec->restore(s, argc == 2 ? argv[1] : NULL, s->opts.node);
}

/* restart NODE: a router's FRR, its newest snapshot put back. */
static int
verb_restart(struct session *s, int argc, char **argv)
{
    if (argc != 2) {
        log_error("restart: which router? (restart NODE)");
        return EXIT_USAGE;
    }
    return s->exec->restart(s, argv[1]);
}

const char *
verb_option_name(unsigned vopt)
{
    switch (vopt) {
    case VOPT_PURGE:
        return "--purge";
    case VOPT_AS:
        return "--as";
    case VOPT_NOTE:
        return "--note";
    case VOPT_NODE:
        return "--node";
    case VOPT_RESTORE:
        return "--restore";
    default:
        return "an option";
    }
}

const struct verb verbs[] = {
    {"validate", "", "check the topology file and plugin settings", NEED_PLAN,
     0, verb_validate, 0},
    {"plan", "", "print what would be built (--server, --json)", NEED_PLAN, 0,
     verb_plan, 0},
    {"plugins", "", "list the plugins found, with kind, version and path", 0,
     0, verb_plugins, 0},
    {"preflight", "", "check every server before `up` (builds nothing)",
     NEED_PLAN, 0, verb_preflight, 0},
    {"up", "[--restore [SNAPSHOT]]",
     "build the network and start its routers (on every server, as master)",
     NEED_PLAN | EXCLUSIVE | RUNDIR_LOCK, 0, verb_up, VOPT_RESTORE},
    {"down", "[--purge] [NETWORK]",
     "remove everything `up` made (needs no topology file)",
     USE_TOPOLOGY | USE_RECORD | EXCLUSIVE | RUNDIR_LOCK, 1, verb_down,
     VOPT_PURGE},
    {"status", "", "every node, its interfaces and BGP sessions (--json)",
     NEED_PLAN | USE_RECORD, 0, verb_status, 0},
    {"check", "",
     "ping between every pair of ASes and count BGP sessions (--json)",
     NEED_PLAN | USE_RECORD, 0, verb_check, 0},
    {"exec", "NODE [CMD...]",
     "run a command in a node (default: vtysh on routers, a shell)",
     USE_TOPOLOGY | USE_RECORD, 0, verb_exec, 0},
    {"save", "[--as NAME] [--note TEXT] [NETWORK]",
     "snapshot every router's configuration and every host's addresses",
     USE_TOPOLOGY | USE_RECORD | EXCLUSIVE, 1, verb_save, VOPT_AS | VOPT_NOTE},
    {"snapshots", "[NETWORK]", "list the network's snapshots, each checked",
     USE_TOPOLOGY | USE_RECORD, 1, verb_snapshots, 0},
    {"restore", "[--node NAME] [SNAPSHOT]",
     "put a snapshot (default: the newest) back on the running network",
     USE_TOPOLOGY | USE_RECORD | EXCLUSIVE, 0, verb_restore, VOPT_NODE},
    {"restart", "NODE",
     "restart a router's FRR, with its newest snapshot's configuration",
     NEED_PLAN | USE_RECORD | EXCLUSIVE, 0, verb_restart, 0},
};
const size_t n_verbs = ARRAY_SIZE(verbs);
