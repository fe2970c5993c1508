/* The verbs.  Each is a function of the prepared session; the table at the
 * end is all main() knows about them. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "session.h"
#include "access.h"
#include "graph.h"
#include "import.h"
#include "log.h"
#include "network.h"
#include "plan.h"
#include "serve.h"
#include "topology.h"
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
    const struct access_plan *ap = plan_access(s->plan);
    for (size_t i = 0; ap && i < ap->n_groups; i++) {
        const struct access_group *g = &ap->groups[i];
        log_info("%s: access: AS %u, proxy %s on server %s port %u, %zu "
                 "device%s, management bridge %s",
                 s->opts.config, g->asn, g->proxy, p->servers[g->server].name,
                 g->port, g->n_devices, util_plural(g->n_devices),
                 g->bridge_name);
    }
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

/* Student access: `up` builds it with a runtime that can put files into
 * its nodes (put_files, plugin ABI 4.12), and refuses it with another
 * rather than build a network without the proxies the file asks for.  On
 * several servers each server builds its own groups (an AS, its proxy and
 * its management network are on one server: placement.c places whole
 * ASes); the master asks its own runtime plugin before any server is
 * touched, and each server's `up` asks its own (doc/access.md, "State"). */
static int
access_unbuildable(const struct session *s)
{
    if (!plan_access(s->plan)) {
        return EXIT_OK;
    }
    const struct active_plugin *rt = session_plugin(s, MI_PLUGIN_RUNTIME);
    if (rt && rt_check_put_files(rt, s->opts.config)) {
        return EXIT_USAGE;
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
    if (s->opts.skip_damaged && !s->opts.restore) {
        log_error("up --skip-damaged: only with --restore");
        return EXIT_USAGE;
    }
    const char *name = argc == 2 ? argv[1] : NULL;
    if (name && !util_valid_name(name, 64)) {
        log_error("up --restore %s: not a snapshot's name", name);
        return EXIT_USAGE;
    }
    s->opts.restore_snapshot = name; /* a master passes it on */
    int status = access_unbuildable(s);
    if (status != EXIT_OK) {
        return status;
    }
    status = s->exec->up(s);
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
    }
    return status;
}

/* preflight: the checks `up` makes before building anything.  With
 * access, they run (the access ports among them), and then the refusal
 * `up` would give follows; a server's part (--server, for its master)
 * leaves that to the master. */
static int
verb_preflight(struct session *s, int argc, char **argv)
{
    int status = no_arguments(argc, argv);
    if (status != EXIT_OK) {
        return status;
    }
    status = s->exec->preflight(s);
    int refused = s->opts.server ? EXIT_OK : access_unbuildable(s);
    return status != EXIT_OK ? status : refused;
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

/* --as N: the AS's number, as the topology file has it (1..255), into
 * s->opts.as_number; false after saying why. */
static bool
as_option(struct session *s, const char *verb)
{
    if (!s->opts.as) {
        return true;
    }
    char *end;
    unsigned long asn = strtoul(s->opts.as, &end, 10);
    if (!*s->opts.as || *end || s->opts.as[0] < '1' || s->opts.as[0] > '9' ||
        asn > 255) {
        log_error("%s --as %s: an AS's number (1..255)", verb, s->opts.as);
        return false;
    }
    s->opts.as_number = (unsigned)asn;
    return true;
}

/* --time SECONDS (save, restart: from a master, its clock, which names
 * the snapshot saved) into s->opts.save_time; false after saying why. */
static bool
time_option(struct session *s)
{
    if (s->opts.time) {
        char *end;
        errno = 0;
        long long t = strtoll(s->opts.time, &end, 10);
        if (errno || !*s->opts.time || *end || t <= 0 ||
            s->opts.time[0] == '+' || s->opts.name) {
            log_error("--time %s: seconds since the epoch (a master's "
                      "clock), without --name",
                      s->opts.time);
            return false;
        }
        s->opts.save_time = t;
    }
    return true;
}

/* save [NETWORK]: a snapshot of what students typed. */
static int
verb_save(struct session *s, int argc, char **argv)
{
    if (argc > 2) {
        log_error("save: unexpected argument '%s'", argv[2]);
        return EXIT_USAGE;
    }
    if (!as_option(s, "save")) {
        return EXIT_USAGE;
    }
    if (s->opts.name && !util_valid_name(s->opts.name, 64)) {
        log_error("--name %s: a snapshot's name is 1 to 64 letters, digits, "
                  "'_' or '-'",
                  s->opts.name);
        return EXIT_USAGE;
    }
    if (!time_option(s)) {
        return EXIT_USAGE;
    }
    if (s->opts.note && !snapshot_note_valid(s->opts.note)) {
        log_error("--note: at most %d characters on one line",
                  SNAPSHOT_NOTE_MAX);
        return EXIT_USAGE;
    }
    return s->exec->save(s);
}

/* snapshots [--unpin KEY:SNAPSHOT] [NETWORK]: the list, each checked;
 * or a pin released. */
static int
verb_snapshots(struct session *s, int argc, char **argv)
{
    if (argc > 2) {
        log_error("snapshots: unexpected argument '%s'", argv[2]);
        return EXIT_USAGE;
    }
    const char *colon = s->opts.unpin ? strchr(s->opts.unpin, ':') : NULL;
    if (s->opts.unpin) {
        struct snapshot_pins p = {0};
        char *key = colon ? xasprintf("%.*s", (int)(colon - s->opts.unpin),
                                      s->opts.unpin)
                          : NULL;
        bool ok = key && snapshot_pins_add(&p, key, colon + 1);
        snapshot_pins_free(&p);
        free(key);
        if (!ok) {
            log_error("--unpin %s: expected KEY:SNAPSHOT, KEY an object's "
                      "file (NODE.frr, NODE.ip, BRIDGE.vlan) and SNAPSHOT a "
                      "snapshot's name (`miniinet snapshots` shows the "
                      "pins)",
                      s->opts.unpin);
            return EXIT_USAGE;
        }
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
    if (!as_option(s, "restore")) {
        return EXIT_USAGE;
    }
    if (s->opts.running && (!s->opts.node || argc != 2 || s->opts.as)) {
        log_error("restore --running: one node or switch and one snapshot "
                  "(restore --node NAME --running SNAPSHOT)");
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
    if (!time_option(s)) {
        return EXIT_USAGE;
    }
    return s->exec->restart(s, argv[1]);
}

/* access [--json] [--group N]: the student groups' credentials, for the TA
 * (made when missing; doc/access.md). */
static int
verb_access(struct session *s, int argc, char **argv)
{
    int status = no_arguments(argc, argv);
    if (status != EXIT_OK) {
        return status;
    }
    const struct access_plan *ap = plan_access(s->plan);
    if (!ap) {
        log_error("%s: access: the topology has no `access` setting, so no "
                  "student group (doc/access.md)",
                  s->opts.config);
        return EXIT_USAGE;
    }
    if (s->opts.group && !access_plan_group(ap, s->opts.group)) {
        log_error("access --group %u: AS %u has no student group (see "
                  "access.ases in %s)",
                  s->opts.group, s->opts.group, s->opts.config);
        return EXIT_USAGE;
    }
    return s->exec->access(s);
}

const char *
verb_option_name(unsigned vopt)
{
    switch (vopt) {
    case VOPT_PURGE:
        return "--purge";
    case VOPT_FORMAT:
        return "--format";
    case VOPT_LISTEN:
        return "--listen";
    case VOPT_PERIOD:
        return "--period";
    case VOPT_AS:
        return "--as";
    case VOPT_NOTE:
        return "--note";
    case VOPT_NODE:
        return "--node";
    case VOPT_RESTORE:
        return "--restore";
    case VOPT_NAME:
        return "--name";
    case VOPT_SKIP_DAMAGED:
        return "--skip-damaged";
    case VOPT_TIME:
        return "--time";
    case VOPT_ALWAYS:
        return "--always";
    case VOPT_GROUP:
        return "--group";
    case VOPT_FORCE:
        return "--force";
    case VOPT_RUNNING:
        return "--running";
    case VOPT_UNPIN:
        return "--unpin";
    case VOPT_ROUND_LIMIT:
        return "--round-limit";
    default:
        return "an option";
    }
}

struct import_args {
    const char *dir, *output, *size;
    bool check, help;
};

static const char import_usage[] =
    "usage: miniinet import [--check] [--size N] DIR [-o FILE]\n"
    "The original mini-Internet's configuration directory DIR "
    "(AS_config.txt,\n"
    "its links file and the per-AS files; or the GLOBAL files) to one\n"
    "topology file, checked as `validate` checks one (doc/import.md).\n"
    "  -o, --output FILE  write FILE (through FILE.XXXXXX, renamed when "
    "valid);\n"
    "                     without it, the topology goes to standard output\n"
    "  --size N           read AS_config_N.txt and its links file\n"
    "  --check            only report: counts, warnings, errors; writes "
    "nothing\n"
    "  -h, --help         show this help and exit\n"
    "Exit 0 when valid, 2 on any error in DIR (nothing written).\n";

static int
import_arguments(int argc, char **argv, struct import_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        bool has_value = !strcmp(arg, "-o") || !strcmp(arg, "--output") ||
                         !strcmp(arg, "--size");
        if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            a->help = true;
            return EXIT_OK;
        }
        if (has_value && i + 1 >= argc) {
            log_error("import: %s needs a value", arg);
            return EXIT_USAGE;
        }
        if (!strcmp(arg, "--check")) {
            a->check = true;
        } else if (!strcmp(arg, "--size")) {
            a->size = argv[++i];
        } else if (has_value) {
            a->output = argv[++i];
        } else if (arg[0] == '-' && arg[1]) {
            log_error("import: unknown option '%s' (import [--check] "
                      "[--size N] DIR [-o FILE])",
                      arg);
            return EXIT_USAGE;
        } else if (a->dir) {
            log_error("import: unexpected argument '%s'", arg);
            return EXIT_USAGE;
        } else {
            a->dir = arg;
        }
    }
    if (!a->dir) {
        log_error("import: which directory? (import [--check] [--size N] "
                  "DIR [-o FILE])");
        return EXIT_USAGE;
    }
    if (a->check && a->output) {
        log_error("import: --check writes nothing; leave out -o");
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* The imported text loaded and planned as `validate` would, from memory
 * (a memfd: no file, no TMPDIR needed): true when valid. */
static bool
import_valid(const char *text)
{
    int fd = memfd_create("miniinet-import", MFD_CLOEXEC);
    size_t len = strlen(text);

    if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
        log_error("import: could not keep the imported text to check it: "
                  "%s",
                  strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return false;
    }
    char *path = xasprintf("/proc/self/fd/%d", fd);
    struct topology *topo = NULL;
    struct plan *plan = NULL;
    struct plan_params params = {0};
    bool valid =
        !topology_load(path, &topo) && !plan_compute(topo, &params, &plan);
    if (!valid) {
        log_error("import: the imported topology does not validate (see "
                  "above: %s is the written text); nothing written",
                  path);
    }
    plan_free(plan);
    topology_free(topo);
    free(path);
    close(fd);
    return valid;
}

/* `text` as `output`: written to a new OUTPUT.XXXXXX (mode 0666 less the
 * caller's umask, as any file a tool writes), renamed to `output` when
 * complete. */
static int
import_write_file(const char *text, const char *output, mode_t mask)
{
    struct stat st;
    /* Only a new file or a regular file is replaced: never a device, a
     * FIFO, a directory or a symbolic link (rename would replace the link,
     * not what it names). */
    if (lstat(output, &st) == 0 && !S_ISREG(st.st_mode)) {
        log_error("%s: not a regular file (%s); nothing written", output,
                  S_ISLNK(st.st_mode)   ? "a symbolic link"
                  : S_ISDIR(st.st_mode) ? "a directory"
                                        : "a device, FIFO or socket");
        return EXIT_USAGE;
    }
    char *path = xasprintf("%s.XXXXXX", output);
    int fd = mkstemp(path);
    if (fd < 0) {
        log_error("%s: %s; nothing written", path, strerror(errno));
        free(path);
        return EXIT_FAILED;
    }
    size_t len = strlen(text);
    bool written = write(fd, text, len) == (ssize_t)len &&
                   fchmod(fd, 0666 & ~mask) == 0 && fsync(fd) == 0;
    int saved = errno;
    if (close(fd) || !written || rename(path, output)) {
        log_error("%s: %s; nothing written", written ? output : path,
                  strerror(written ? errno : saved));
        unlink(path);
        free(path);
        return EXIT_FAILED;
    }
    free(path);
    return EXIT_OK;
}

/* import [--check] [--size N] DIR [-o FILE]: the original mini-Internet's
 * configuration directory to one topology file (doc/import.md). */
static int
verb_import(struct session *s, int argc, char **argv)
{
    struct import_args a = {0};
    struct import_result r;
    int status = import_arguments(argc, argv, &a);

    if (status != EXIT_OK || a.help) {
        if (a.help) {
            fputs(import_usage, stdout);
        }
        return status;
    }
    double start = util_monotonic();
    if (import_directory(a.dir, a.size, &r)) {
        log_error("import: %s: nothing written", a.dir);
        import_result_free(&r);
        return EXIT_USAGE;
    }
    if (!import_valid(r.text)) {
        import_result_free(&r);
        return EXIT_USAGE;
    }
    const struct import_counts *c = &r.counts;
    char vpn[64] = "";
    if (c->vpn_hosts) {
        snprintf(vpn, sizeof vpn, " (and %zu vpn_* built as L2 host%s)",
                 c->vpn_hosts, util_plural(c->vpn_hosts));
    }
    log_info(
        "%s (%s, %s): %zu AS%s (%zu preconfigured), %zu IXP%s, %zu "
        "router%s, %zu L3 host%s, %zu switch%s, %zu L2 host%s%s, %zu "
        "internal link%s, %zu link%s between ASes, %zu to IXPs, %zu "
        "server%s; %zu thing%s not carried over (the header says "
        "which); valid; %.3f s",
        a.dir, r.as_config, r.links_file, c->ases, c->ases == 1 ? "" : "es",
        c->preconfigured, c->ixps, util_plural(c->ixps), c->routers,
        util_plural(c->routers), c->l3_hosts, util_plural(c->l3_hosts),
        c->switches, c->switches == 1 ? "" : "es", c->l2_hosts,
        util_plural(c->l2_hosts), vpn, c->internal_links,
        util_plural(c->internal_links), c->as_links, util_plural(c->as_links),
        c->ixp_links, c->servers, util_plural(c->servers), r.n_omitted,
        util_plural(r.n_omitted), util_monotonic() - start);

    status = EXIT_OK;
    if (a.check) {
        /* only the report */
    } else if (a.output) {
        status = import_write_file(r.text, a.output, s->opts.caller_umask);
    } else if (fputs(r.text, stdout) == EOF || fflush(stdout)) {
        log_error("import: could not write the topology: %s", strerror(errno));
        status = EXIT_FAILED;
    }
    import_result_free(&r);
    return status;
}

/* link A B down|up|set [rate R] [delay D]: the settings of `set`. */
static int
parse_link_set(int argc, char **argv, struct link_request *req)
{
    char why[160];

    for (int i = 4; i < argc; i += 2) {
        const char *key = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        const char *error = NULL;
        if (!value ||
            (strcmp(key, "rate") != 0 && strcmp(key, "delay") != 0)) {
            log_error("link: expected `rate R` or `delay D` after `set`, "
                      "got '%s'%s",
                      key, value ? "" : " alone");
            return EXIT_USAGE;
        }
        bool none = !strcmp(value, "none");
        if (!strcmp(key, "rate")) {
            req->set_rate = true;
            req->rate_bps = 0;
            error = none ? NULL
                         : topology_parse_rate(value, &req->rate_bps, why,
                                               sizeof why);
        } else {
            req->set_delay = true;
            req->delay_us = 0;
            error = none ? NULL
                         : topology_parse_delay(value, &req->delay_us, why,
                                                sizeof why);
        }
        if (error) {
            log_error("link: %s \"%s\" %s", key, value, error);
            return EXIT_USAGE;
        }
    }
    if (!req->set_rate && !req->set_delay) {
        log_error("link: `set` needs `rate R` and/or `delay D` (e.g. rate "
                  "10mbit delay 5ms; `none` removes one)");
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* link A B down|up|set ...: A, B a node, AS:ROUTER, or an IXP's number. */
static int
verb_link(struct session *s, int argc, char **argv)
{
    if (argc < 4) {
        log_error("link: usage: link A B down|up|set [rate R] [delay D]");
        return EXIT_USAGE;
    }
    struct link_request req = {.a = argv[1], .b = argv[2], .args = argv + 1};
    const char *op = argv[3];
    if (!strcmp(op, "down") || !strcmp(op, "up")) {
        if (argc > 4) {
            log_error("link: unexpected argument '%s'", argv[4]);
            return EXIT_USAGE;
        }
        req.op = !strcmp(op, "down") ? LINK_DOWN : LINK_UP;
        req.summary = op;
        return s->exec->link(s, &req);
    }
    if (strcmp(op, "set") != 0) {
        log_error("link: unknown operation '%s' (down, up or set)", op);
        return EXIT_USAGE;
    }
    req.op = LINK_SET;
    int status = parse_link_set(argc, argv, &req);
    if (status != EXIT_OK) {
        return status;
    }
    char *summary = util_join_words(argv + 4, (size_t)(argc - 4));
    req.summary = summary;
    status = s->exec->link(s, &req);
    free(summary);
    return status;
}

/* graph [--format dot|svg]: the topology drawing, from the file alone. */
static int
verb_graph(struct session *s, int argc, char **argv)
{
    int status = no_arguments(argc, argv);
    if (status != EXIT_OK) {
        return status;
    }
    enum graph_format format = GRAPH_SVG;
    if (s->opts.format && graph_parse_format(s->opts.format, &format)) {
        log_error("graph: --format %s: expected dot or svg", s->opts.format);
        return EXIT_USAGE;
    }
    int error = graph_write(plan_view(s->plan), format, stdout);
    if (error || fflush(stdout) == EOF) {
        log_error("graph: could not write the drawing: %s",
                  strerror(error ? -error : errno));
        return EXIT_FAILED;
    }
    return EXIT_OK;
}

/* traceroute AS ADDRESS: from the measurement host, out through AS. */
static int
verb_traceroute(struct session *s, int argc, char **argv)
{
    const struct mi_plan *p = plan_view(s->plan);

    if (argc != 3) {
        log_error("traceroute: usage: traceroute AS ADDRESS (e.g. "
                  "traceroute 1 4.101.0.1)");
        return EXIT_USAGE;
    }
    if (plan_measurement_node(p) < 0) {
        log_error("traceroute: network %s has no measurement host (add "
                  "`measurement = true;` to %s)",
                  p->name, s->opts.config);
        return EXIT_USAGE;
    }
    unsigned long asn = 0;
    char *end = NULL;
    if (argv[1][0] >= '0' && argv[1][0] <= '9') {
        errno = 0;
        asn = strtoul(argv[1], &end, 10);
    }
    if (!end || *end || errno || asn == 0 || asn > 255) {
        log_error("traceroute: AS \"%s\": expected an AS number", argv[1]);
        return EXIT_USAGE;
    }
    int link = plan_measurement_link(p, (unsigned)asn);
    if (link < 0) {
        const struct mi_as *as = NULL;
        for (size_t i = 0; i < p->n_ases; i++) {
            as = p->ases[i].asn == asn ? &p->ases[i] : as;
        }
        log_error("traceroute: %s %lu%s", as && !as->ixp ? "AS" : "no AS", asn,
                  !as       ? " in this network"
                  : as->ixp ? " (that is an IXP; the measurement host has "
                              "links into ASes only)"
                            : " has no link to the measurement host "
                              "(measurement = false in the topology file)");
        return EXIT_USAGE;
    }
    struct in_addr to;
    if (inet_pton(AF_INET, argv[2], &to) != 1) {
        log_error("traceroute: \"%s\" is not an IPv4 address "
                  "(a.b.c.d)",
                  argv[2]);
        return EXIT_USAGE;
    }
    int own = plan_measurement_owner(p, ntohl(to.s_addr));
    if (own >= 0) {
        /* It would come back to the host with one of its own addresses as
         * source: a martian the kernel drops, 30 unanswered hops. */
        log_error("traceroute: %s is the measurement host's own address "
                  "(its link into AS %d)",
                  argv[2], own);
        return EXIT_USAGE;
    }
    struct traceroute_request req = {.asn = (unsigned)asn,
                                     .link = (size_t)link,
                                     .to = ntohl(to.s_addr),
                                     .args = argv + 1};
    return s->exec->traceroute(s, &req);
}

/* serve [--listen ADDR:PORT] [--period SECONDS] [--round-limit SECONDS]:
 * the dashboard. */
static int
verb_serve(struct session *s, int argc, char **argv)
{
    int status = no_arguments(argc, argv);
    if (status != EXIT_OK) {
        return status;
    }
    return serve_run(s, s->opts.listen ? s->opts.listen : "127.0.0.1:8080",
                     s->opts.period ? s->opts.period : 60,
                     s->opts.round_limit);
}

const struct verb verbs[] = {
    {"validate", "", "check the topology file and plugin settings", NEED_PLAN,
     0, verb_validate, 0},
    {"plan", "", "print what would be built (--server, --json)",
     NEED_PLAN | SHOWS_PLAN, 0, verb_plan, 0},
    {"plugins", "", "list the plugins found, with kind, version and path", 0,
     0, verb_plugins, 0},
    {"preflight", "",
     "check every server before `up`, with access that every group's port "
     "is free (builds nothing)",
     NEED_PLAN, 0, verb_preflight, 0},
    {"up", "[--restore [--skip-damaged] [SNAPSHOT]]",
     "build the network and start its routers (on every server, as "
     "master), first removing what a reboot or an unfinished `up` left "
     "of an earlier run, with its student access (one server); on a "
     "network that is up, repair what is missing or dead",
     NEED_PLAN | EXCLUSIVE | RUNDIR_LOCK, 0, verb_up,
     VOPT_RESTORE | VOPT_SKIP_DAMAGED},
    {"down", "[--purge] [NETWORK]",
     "remove everything `up` made (needs no topology file)",
     USE_TOPOLOGY | USE_RECORD | EXCLUSIVE | RUNDIR_LOCK, 1, verb_down,
     VOPT_PURGE},
    {"status", "",
     "every node, its interfaces and BGP sessions, what is damaged (--json)",
     NEED_PLAN | USE_RECORD, 0, verb_status, 0},
    {"check", "",
     "ping between every pair of ASes (v: over a path that is not "
     "valley-free) and count BGP sessions (--json)",
     NEED_PLAN | USE_RECORD, 0, verb_check, 0},
    {"import", "[--check] [--size N] DIR [-o FILE]",
     "the original mini-Internet's configuration directory to a topology "
     "file (stdout without -o; --check only reports)",
     0, 0, verb_import, 0},
    {"link", "A B down|up|set",
     "change a link at run time: set rate R delay D (miniinet(1))",
     NEED_PLAN | USE_RECORD | EXCLUSIVE, 0, verb_link, 0},
    {"traceroute", "AS ADDRESS",
     "traceroute from the measurement host, through AS, to ADDRESS",
     NEED_PLAN | USE_RECORD, 0, verb_traceroute, 0},
    {"graph", "[--format dot|svg]", "draw the ASes and IXPs (default svg)",
     NEED_PLAN | SHOWS_PLAN, 0, verb_graph, VOPT_FORMAT},
    {"serve", "[--listen ADDR:PORT] [--period S] [--round-limit S]",
     "the web dashboard: matrix, looking glass, topology",
     NEED_PLAN | USE_RECORD, 0, verb_serve,
     VOPT_LISTEN | VOPT_PERIOD | VOPT_ROUND_LIMIT},
    {"exec", "NODE [CMD...]",
     "run a command in a node (default: vtysh on routers, a shell)",
     USE_TOPOLOGY | USE_RECORD, 0, verb_exec, 0},
    {"save",
     "[--as N] [--name NAME] [--note TEXT] [--time T] [--always] [--force] "
     "[NETWORK]",
     "snapshot routers' configs, hosts' addresses and routes, switches' "
     "VLANs",
     USE_TOPOLOGY | USE_RECORD | EXCLUSIVE, 1, verb_save,
     VOPT_AS | VOPT_NAME | VOPT_NOTE | VOPT_TIME | VOPT_ALWAYS | VOPT_FORCE},
    {"snapshots", "[--unpin KEY:SNAPSHOT] [NETWORK]",
     "list the network's snapshots, each checked (and what is pinned); "
     "--unpin releases a pin",
     USE_TOPOLOGY | USE_RECORD, 1, verb_snapshots, VOPT_UNPIN},
    {"restore",
     "[--as N] [--node NAME [--running]] [--skip-damaged] [SNAPSHOT]",
     "put a snapshot back on the running network (default: each AS "
     "from the newest snapshot holding it; as master, the newest every "
     "server has)",
     USE_TOPOLOGY | USE_RECORD | EXCLUSIVE, 0, verb_restore,
     VOPT_NODE | VOPT_AS | VOPT_SKIP_DAMAGED | VOPT_RUNNING},
    {"restart", "NODE [--time T]",
     "restart a router's FRR with its newest snapshot's configuration "
     "(its AS saved first; refused if that save fails)",
     NEED_PLAN | USE_RECORD | EXCLUSIVE, 0, verb_restart, VOPT_TIME},
    {"access", "[--group N]",
     "the student groups' credentials: server, port, user, password (--json)",
     NEED_PLAN | SHOWS_PLAN, 0, verb_access, VOPT_GROUP},
};
const size_t n_verbs = ARRAY_SIZE(verbs);
