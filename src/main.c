/* miniinet [options] VERB [args]: option parsing and verb dispatch.  The
 * verbs themselves live in verbs.c; adding one is one table entry there. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "session.h"
#include "log.h"
#include "util.h"

static void
usage(FILE *out)
{
    fprintf(out,
            "Usage: miniinet [OPTIONS] VERB [ARGS]\n"
            "Build a mini-Internet of ASes, FRR routers, switches and hosts "
            "from one\ntopology file.\n\n"
            "Verbs:\n");
    for (size_t i = 0; i < n_verbs; i++) {
        char left[96];
        snprintf(left, sizeof left, "%s%s%s", verbs[i].name,
                 verbs[i].args[0] ? " " : "", verbs[i].args);
        if (strlen(left) > 22) {
            fprintf(out, "  %s\n  %-22s %s\n", left, "", verbs[i].help);
        } else {
            fprintf(out, "  %-22s %s\n", left, verbs[i].help);
        }
    }
    fprintf(
        out,
        "\nOptions:\n"
        "  -c, --config FILE      topology file (default: ./miniinet.cfg)\n"
        "      --plugins LIST     plugins to use, comma-separated, e.g.\n"
        "                         gre,ovs; each replaces the topology file's "
        "or\n"
        "                         the default choice for its kind (defaults:\n"
        "                         runtime netns, switch ovs, tunnel gre)\n"
        "      --plugin-dir DIR   search DIR for plugins first (repeatable);\n"
        "                         then MINIINET_PLUGIN_PATH, then %s\n"
        "      --server NAME      act for server NAME of the topology only\n"
        "                         (without it, a topology with servers makes\n"
        "                         this machine the master: up, down, status,\n"
        "                         check, exec, preflight, save, snapshots,\n"
        "                         restore, restart and access reach every\n"
        "                         server over SSH, serve probes every one;\n"
        "                         link and traceroute the servers concerned)\n"
        "      --accept-new-host-keys\n"
        "                         trust a server's SSH host key that is not "
        "in\n"
        "                         known_hosts yet, and add it (a changed key "
        "is\n"
        "                         always refused)\n"
        "  -j, --jobs N           parallel workers (default: number of "
        "CPUs)\n"
        "  -v, --verbose          more messages (repeat for debug)\n"
        "  -q, --quiet            errors only\n"
        "      --json             machine-readable output where supported\n"
        "      --purge            down: also remove the network's persistent\n"
        "                         directory (credentials, snapshots), which\n"
        "                         down keeps otherwise\n"
        "      --format dot|svg   graph: the drawing's format (default svg)\n"
        "      --listen ADDR:PORT serve: where (default 127.0.0.1:8080)\n"
        "      --period SECONDS   serve: between probe rounds (default 60)\n"
        "      --round-limit SECONDS\n"
        "                         serve: how long a probe round's check or\n"
        "                         status may take before it is interrupted\n"
        "                         (default 120; at least twice the late "
        "time,\n"
        "                         the period within 20..60 s; at most 3600)\n"
        "      --as N             save, restore: AS (or IXP) N's routers,\n"
        "                         hosts and switches only\n"
        "      --name NAME        save: the snapshot's name (kept until\n"
        "                         removed by hand)\n"
        "      --note TEXT        save: a note stored with the snapshot\n"
        "      --node NAME        restore: that node (or switch) only\n"
        "      --restore          up: then restore each AS from the newest\n"
        "                         snapshot holding it (or the one named:\n"
        "                         up --restore SNAPSHOT)\n"
        "      --skip-damaged     up --restore, restore: without SNAPSHOT, "
        "the\n"
        "                         newest intact snapshot even when a newer "
        "one\n"
        "                         is damaged (warned; the boot unit's "
        "choice);\n"
        "                         an AS only a damaged one holds is left "
        "as it\n"
        "                         is, the others restored, exit 1\n"
        "      --time SECONDS     save, restart: the snapshot's time and "
        "name\n"
        "                         (the master passes its clock to every\n"
        "                         server)\n"
        "      --always           save: store it even when nothing changed\n"
        "      --force            save: also what runs on the routers,\n"
        "                         hosts and switches marked as not having\n"
        "                         their students' saved state (`status`:\n"
        "                         not restored), and remove their marks\n"
        "                         (never a pin: snapshots --unpin)\n"
        "      --running          restore --node NAME SNAPSHOT: what the\n"
        "                         node or switch ran at that save while\n"
        "                         marked (its FILE.running), not its saved\n"
        "                         state; unpins SNAPSHOT for it and ends a\n"
        "                         displaced mark naming SNAPSHOT (any other\n"
        "                         mark stays: save --force ends it)\n"
        "      --unpin KEY:SNAPSHOT\n"
        "                         snapshots: release the pin that keeps\n"
        "                         SNAPSHOT for object file KEY (NODE.frr,\n"
        "                         NODE.ip, BRIDGE.vlan): retention may then\n"
        "                         remove it, and the students' work in its\n"
        "                         KEY.running with it\n"
        "      --group N          access: student group N (its AS) only\n"
        "  -h, --help             show this help and exit\n"
        "  -V, --version          show the version and exit\n"
        "\nExit status: 0 success, 1 the operation failed, 2 usage or "
        "configuration\nerror.  See miniinet(1) and doc/topology.md.\n",
        MI_PLUGINSDIR);
}

static const struct verb *
find_verb(const char *name)
{
    for (size_t i = 0; i < n_verbs; i++) {
        if (!strcmp(verbs[i].name, name)) {
            return &verbs[i];
        }
    }
    return NULL;
}

static unsigned
default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    return n > 0 ? (unsigned)n : 1;
}

static bool
parse_jobs(const char *arg, unsigned *jobs)
{
    char *end;
    long n;

    errno = 0;
    n = strtol(arg, &end, 10);
    if (errno || end == arg || *end || n < 1 || n > 1024) {
        return false;
    }
    *jobs = (unsigned)n;
    return true;
}

static bool
parse_period(const char *arg, unsigned *period)
{
    char *end;
    errno = 0;
    long n = strtol(arg, &end, 10);
    if (errno || end == arg || *end || n < 1 || n > 86400) {
        return false;
    }
    *period = (unsigned)n;
    return true;
}

/* --group N: an AS number. */
static bool
parse_group(const char *arg, unsigned *asn)
{
    char *end;
    long n;

    errno = 0;
    n = strtol(arg, &end, 10);
    if (errno || end == arg || *end || n < 1 || n > TOPO_MAX_ASN) {
        return false;
    }
    *asn = (unsigned)n;
    return true;
}

/* Where a verb's own command line starts, for verbs that run a command
 * (`exec NODE CMD...`): everything after NODE belongs to CMD, so that
 * `miniinet exec R vtysh -c ...` does not read -c as miniinet's; `import`
 * takes its own options (-o, --check, --size).  Returns argc for other
 * verbs.  Mirrors the option table below. */
static int
command_start(int argc, char **argv)
{
    static const char *const long_with_arg[] = {
        "--config", "--plugins", "--plugin-dir", "--server",      "--jobs",
        "--format", "--listen",  "--period",     "--as",          "--note",
        "--node",   "--name",    "--time",       "--round-limit",
    };

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
        } else if (!strncmp(a, "--", 2)) {
            for (size_t k = 0; k < ARRAY_SIZE(long_with_arg); k++) {
                if (!strcmp(a, long_with_arg[k])) {
                    i++;
                }
            }
            continue;
        } else if (a[0] == '-' && a[1]) {
            size_t n = strcspn(a + 1, "cj");
            if (a[1 + n] && !a[2 + n]) {
                i++; /* -c FILE, -vj N: the value is the next argument */
            }
            continue;
        }
        if (i < argc && !strcmp(argv[i], "exec")) {
            return i + 2 < argc ? i + 2 : argc;
        }
        if (i < argc && !strcmp(argv[i], "import")) {
            return i + 1; /* import parses its own options */
        }
        return argc;
    }
    return argc;
}

enum {
    OPT_PLUGINS = UCHAR_MAX + 1,
    OPT_PLUGIN_DIR,
    OPT_SERVER,
    OPT_ACCEPT_NEW,
    OPT_JSON,
    OPT_PURGE,
    OPT_FORMAT,
    OPT_LISTEN,
    OPT_PERIOD,
    OPT_AS,
    OPT_NOTE,
    OPT_NAME,
    OPT_NODE,
    OPT_RESTORE,
    OPT_SKIP_DAMAGED,
    OPT_TIME,
    OPT_ALWAYS,
    OPT_FORCE,
    OPT_GROUP,
    OPT_RUNNING,
    OPT_UNPIN,
    OPT_ROUND_LIMIT,
};

/* Returns optind, or -1 after printing a usage error, or 0 when the
 * process should exit successfully (--help, --version). */
static int
parse_options(int argc, char **argv, struct cli_options *opts, int *verbosity)
{
    static const struct option long_options[] = {
        {"config", required_argument, NULL, 'c'},
        {"plugins", required_argument, NULL, OPT_PLUGINS},
        {"plugin-dir", required_argument, NULL, OPT_PLUGIN_DIR},
        {"server", required_argument, NULL, OPT_SERVER},
        {"accept-new-host-keys", no_argument, NULL, OPT_ACCEPT_NEW},
        {"jobs", required_argument, NULL, 'j'},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"json", no_argument, NULL, OPT_JSON},
        {"purge", no_argument, NULL, OPT_PURGE},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"period", required_argument, NULL, OPT_PERIOD},
        {"as", required_argument, NULL, OPT_AS},
        {"note", required_argument, NULL, OPT_NOTE},
        {"name", required_argument, NULL, OPT_NAME},
        {"node", required_argument, NULL, OPT_NODE},
        {"restore", no_argument, NULL, OPT_RESTORE},
        {"skip-damaged", no_argument, NULL, OPT_SKIP_DAMAGED},
        {"time", required_argument, NULL, OPT_TIME},
        {"always", no_argument, NULL, OPT_ALWAYS},
        {"force", no_argument, NULL, OPT_FORCE},
        {"group", required_argument, NULL, OPT_GROUP},
        {"running", no_argument, NULL, OPT_RUNNING},
        {"unpin", required_argument, NULL, OPT_UNPIN},
        {"round-limit", required_argument, NULL, OPT_ROUND_LIMIT},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int c;

    while ((c = getopt_long(argc, argv, "c:j:vqhV", long_options, NULL)) !=
           -1) {
        switch (c) {
        case 'c':
            opts->config = optarg;
            break;
        case OPT_PLUGINS:
            free(opts->plugins);
            opts->plugins = xstrdup(optarg);
            break;
        case OPT_PLUGIN_DIR:
            opts->plugin_dirs =
                xrealloc(opts->plugin_dirs, (opts->n_plugin_dirs + 1) *
                                                sizeof *opts->plugin_dirs);
            opts->plugin_dirs[opts->n_plugin_dirs++] = optarg;
            break;
        case OPT_SERVER:
            opts->server = optarg;
            break;
        case OPT_ACCEPT_NEW:
            opts->accept_new_host_keys = true;
            break;
        case 'j':
            if (!parse_jobs(optarg, &opts->jobs)) {
                log_error("-j %s: expected a number of workers, 1..1024",
                          optarg);
                return -1;
            }
            break;
        case 'v':
            (*verbosity)++;
            break;
        case 'q':
            *verbosity = 0;
            break;
        case OPT_JSON:
            opts->json = true;
            break;
        case OPT_PURGE:
            opts->purge = true;
            opts->verb_options |= VOPT_PURGE;
            break;
        case OPT_FORMAT:
            opts->format = optarg;
            opts->verb_options |= VOPT_FORMAT;
            break;
        case OPT_LISTEN:
            opts->listen = optarg;
            opts->verb_options |= VOPT_LISTEN;
            break;
        case OPT_PERIOD:
            if (!parse_period(optarg, &opts->period)) {
                log_error("--period %s: expected seconds, 1..86400", optarg);
                return -1;
            }
            opts->verb_options |= VOPT_PERIOD;
            break;
        case OPT_AS:
            opts->as = optarg;
            opts->verb_options |= VOPT_AS;
            break;
        case OPT_NOTE:
            opts->note = optarg;
            opts->verb_options |= VOPT_NOTE;
            break;
        case OPT_NAME:
            opts->name = optarg;
            opts->verb_options |= VOPT_NAME;
            break;
        case OPT_NODE:
            opts->node = optarg;
            opts->verb_options |= VOPT_NODE;
            break;
        case OPT_RESTORE:
            opts->restore = true;
            opts->verb_options |= VOPT_RESTORE;
            break;
        case OPT_SKIP_DAMAGED:
            opts->skip_damaged = true;
            opts->verb_options |= VOPT_SKIP_DAMAGED;
            break;
        case OPT_TIME:
            opts->time = optarg;
            opts->verb_options |= VOPT_TIME;
            break;
        case OPT_ALWAYS:
            opts->always = true;
            opts->verb_options |= VOPT_ALWAYS;
            break;
        case OPT_FORCE:
            opts->force = true;
            opts->verb_options |= VOPT_FORCE;
            break;
        case OPT_RUNNING:
            opts->running = true;
            opts->verb_options |= VOPT_RUNNING;
            break;
        case OPT_UNPIN:
            opts->unpin = optarg;
            opts->verb_options |= VOPT_UNPIN;
            break;
        case OPT_ROUND_LIMIT:
            opts->round_limit = optarg; /* checked by serve (the period) */
            opts->verb_options |= VOPT_ROUND_LIMIT;
            break;
        case OPT_GROUP:
            if (!parse_group(optarg, &opts->group)) {
                log_error("--group %s: expected an AS number, 1..%d", optarg,
                          TOPO_MAX_ASN);
                return -1;
            }
            opts->verb_options |= VOPT_GROUP;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("miniinet %s (plugin ABI %d.%d)\n", PACKAGE_VERSION,
                   MI_PLUGIN_ABI_MAJOR, MI_PLUGIN_ABI_MINOR);
            return 0;
        default:
            fputs("Try 'miniinet --help'.\n", stderr);
            return -1;
        }
    }
    return optind;
}

int
main(int argc, char **argv)
{
    struct session session = {
        .opts = {.config = "miniinet.cfg", .jobs = default_jobs()},
    };
    int verbosity = 1;
    int status;

    /* Run as root from whatever shell: what it makes (records, node
     * directories, frr.conf) must never be group- or world-writable
     * because the caller's umask said so (doc/security.md). */
    session.opts.caller_umask = umask(022);

    int limit = command_start(argc, argv);
    int first = parse_options(limit, argv, &session.opts, &verbosity);
    if (first <= 0) {
        status = first == 0 ? EXIT_OK : EXIT_USAGE;
        goto out;
    }
    log_set_verbosity(verbosity);
    if (session.opts.server) {
        /* A server's part, run by a master over SSH: if the master dies,
         * its output goes nowhere, and the `up` or `down` goes on to its
         * end (and holds the run directory's lock until then) instead of
         * dying half-way at its next line of progress.  Programs it starts
         * get default signal handling back. */
        signal(SIGPIPE, SIG_IGN);
    }

    if (first >= limit) {
        log_error("no verb given; try 'miniinet --help'");
        status = EXIT_USAGE;
        goto out;
    }
    const struct verb *verb = find_verb(argv[first]);
    if (!verb) {
        log_error("unknown verb '%s'; try 'miniinet --help'", argv[first]);
        status = EXIT_USAGE;
        goto out;
    }

    unsigned stray = session.opts.verb_options & ~verb->options;
    if (stray) {
        log_error("%s is not an option of `%s`; try 'miniinet --help'",
                  verb_option_name(stray & -stray), verb->name);
        status = EXIT_USAGE;
        goto out;
    }

    plugin_path_init(&session.path, session.opts.plugin_dirs,
                     session.opts.n_plugin_dirs);
    status = session_prepare(&session, verb, argc - first, argv + first);
    if (status == EXIT_OK) {
        status = verb->run(&session, argc - first, argv + first);
    }
    session_destroy(&session);

out:
    free(session.opts.plugins);
    free(session.opts.plugin_dirs);
    return status;
}
