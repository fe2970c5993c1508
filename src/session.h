/* The command line: options, the verb table, and the session a verb runs
 * in (topology, plan and active plugins, loaded on demand). */
#ifndef MINIINET_SESSION_H
#define MINIINET_SESSION_H 1

#include <stdbool.h>
#include <sys/types.h>
#include <stddef.h>

#include "backend.h"
#include "plan.h"
#include "state.h"
#include "topology.h"

/* Exit statuses, as documented in miniinet(1). */
enum {
    EXIT_OK = 0,
    EXIT_FAILED = 1, /* the operation failed */
    EXIT_USAGE = 2   /* bad command line or configuration */
};

/* Options that belong to some verbs only (struct verb's `options`): given
 * to another verb, they are a usage error naming both. */
enum {
    VOPT_PURGE = 1 << 0,        /* --purge (down) */
    VOPT_FORMAT = 1 << 1,       /* --format (graph) */
    VOPT_LISTEN = 1 << 2,       /* --listen (serve) */
    VOPT_PERIOD = 1 << 3,       /* --period (serve) */
    VOPT_AS = 1 << 4,           /* --as N (save, restore) */
    VOPT_NOTE = 1 << 5,         /* --note TEXT (save) */
    VOPT_NODE = 1 << 6,         /* --node NAME (restore) */
    VOPT_RESTORE = 1 << 7,      /* --restore (up) */
    VOPT_NAME = 1 << 8,         /* --name NAME (save) */
    VOPT_SKIP_DAMAGED = 1 << 9, /* --skip-damaged (up --restore, restore) */
    VOPT_TIME = 1 << 10,        /* --time SECONDS (save, from a master) */
    VOPT_ALWAYS = 1 << 11,      /* --always (save) */
    VOPT_GROUP = 1 << 12,       /* --group N (access) */
    VOPT_FORCE = 1 << 13,       /* --force (save) */
    VOPT_RUNNING = 1 << 14,     /* --running (restore --node) */
    VOPT_UNPIN = 1 << 15,       /* --unpin KEY:SNAPSHOT (snapshots) */
    VOPT_ROUND_LIMIT = 1 << 16, /* --round-limit SECONDS (serve) */
};

struct cli_options {
    const char *config; /* -c, default "./miniinet.cfg" */
    char *plugins;      /* --plugins=a,b,c (NULL: none) */
    char **plugin_dirs; /* --plugin-dir, repeatable */
    size_t n_plugin_dirs;
    const char *server;           /* --server NAME */
    unsigned jobs;                /* -j N, default: online CPUs */
    bool json;                    /* --json */
    bool accept_new_host_keys;    /* --accept-new-host-keys */
    bool purge;                   /* --purge */
    const char *as;               /* --as N (save, restore), as given */
    unsigned as_number;           /* --as N (0: every AS) */
    const char *name;             /* save --name NAME */
    const char *note;             /* --note TEXT */
    const char *node;             /* --node NAME */
    bool restore;                 /* --restore */
    const char *restore_snapshot; /* up --restore SNAPSHOT */
    bool skip_damaged;            /* --skip-damaged */
    const char *time;             /* save --time SECONDS, as given */
    long long save_time;          /* ... parsed (0: this server's clock) */
    bool always;                  /* save --always */
    bool force;                   /* save --force */
    bool running;                 /* restore --node N --running S */
    const char *unpin;            /* snapshots --unpin KEY:SNAPSHOT */
    unsigned group;               /* --group N (access), 0: every group */
    unsigned verb_options;        /* the VOPT_* given */
    const char *format;           /* graph --format (NULL: svg) */
    const char *listen;           /* serve --listen (NULL: 127.0.0.1:8080) */
    unsigned period;              /* serve --period (0: 60 s) */
    const char *round_limit;      /* serve --round-limit, as given (NULL:
                                     120 s; checked by serve) */
    mode_t caller_umask;          /* the caller's, before main()'s 022:
                                     for what a verb writes for the user
                                     (import -o) */
};

struct state;
struct executor;

/* Everything a verb runs with, prepared once by session_prepare() from the
 * verb's needs: nothing else loads a topology, chooses a plugin or reads the
 * record to find out which plugins a network was made with. */
struct session {
    struct cli_options opts;
    struct plugin_path path;
    struct topology *topo; /* NULL: the verb runs without the file */
    struct plan *plan;
    struct active_plugin active[MI_PLUGIN_KIND_COUNT]; /* by kind - 1 */

    /* The network the verb acts on (USE_RECORD): named on the command
     * line, else the topology file's, else the only one up here. */
    const char *network;
    char *network_buf;
    /* Its state record on this server; NULL when it is not up here (or
     * the session is a master's, which keeps none). */
    struct state *record;
    /* 0, or why the record that is there could not be read (reported). */
    int record_error;
    /* This server's index in the plan: --server's, else 0. */
    unsigned server;
    /* Who carries out the verbs that act on a network (network.h): this
     * server, or the master of several (chosen once, here). */
    const struct executor *exec;
    /* The network's lock (state_lock_network()), when the verb is
     * EXCLUSIVE; the master's own when net_lock_master. */
    bool net_locked, net_lock_master;
    int net_lock_fd;
    char *net_lock_name; /* the network's name, for the release */
    /* A dead holder whose lock was taken over (pid 0: none). */
    struct state_lock_holder net_lock_previous;
    /* `up` built the network here (it was not up already). */
    bool built;
    /* The run directory's lock, when the verb is also RUNDIR_LOCK. */
    bool locked;
    int lock_fd;
};

/* What a verb needs prepared before it runs. */
enum {
    NEED_TOPOLOGY = 1 << 0, /* the topology file, validated */
    NEED_PLAN = 1 << 1,     /* + plugins chosen, configured; the plan */
    /* The file when it is there (and the verb names no network): a file
     * with servers makes this run the master, which needs the plan. */
    USE_TOPOLOGY = 1 << 2,
    /* The network up on this server: its name, its record, the plugins it
     * was made with. */
    USE_RECORD = 1 << 3,
    /* Changes the network: holds the network's lock (state_lock_network(),
     * refused when another operation holds it; on a master, the master's
     * own) from before the record is read, the run directory made if
     * missing unless the verb works from the record (then nothing is up). */
    EXCLUSIVE = 1 << 4,
    /* Makes or removes kernel objects by name: also holds the run
     * directory's lock (state_lock(), waiting for other networks' turns). */
    RUNDIR_LOCK = 1 << 5,
    /* Shows the plan and builds nothing (plan, graph, access): a switch
     * that cannot build the management bridges of student access (no
     * check_mgmt, ABI 4.11) is warned about, not refused, and handed
     * nothing.  Every other verb that plans refuses it, `validate` and
     * `preflight` included: they say what `up` would refuse. */
    SHOWS_PLAN = 1 << 6,
};

struct verb {
    const char *name;
    const char *args; /* synopsis of its arguments, for --help */
    const char *help; /* one line */
    unsigned needs;
    /* argv[network_arg], when there, names the network (0: never). */
    int network_arg;
    /* argv[0] is the verb; returns an exit status. */
    int (*run)(struct session *, int argc, char **argv);
    unsigned options; /* the VOPT_* it takes */
};

/* The name of verb option `vopt` ("--purge"). */
const char *verb_option_name(unsigned vopt);

extern const struct verb verbs[];
extern const size_t n_verbs;

/* Prepares what `verb` needs, given its arguments.  Returns EXIT_OK or an
 * exit status after reporting the problem. */
int session_prepare(struct session *, const struct verb *, int argc,
                    char **argv);
void session_destroy(struct session *);

/* The active plugin of `kind`, or NULL. */
const struct active_plugin *session_plugin(const struct session *,
                                           enum mi_plugin_kind kind);

#endif
