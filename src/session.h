/* The command line: options, the verb table, and the session a verb runs
 * in (topology, plan and active plugins, loaded on demand). */
#ifndef MINIINET_SESSION_H
#define MINIINET_SESSION_H 1

#include <stdbool.h>
#include <stddef.h>

#include "loader.h"
#include "plan.h"
#include "topology.h"

/* Exit statuses, as documented in miniinet(1). */
enum {
    EXIT_OK = 0,
    EXIT_FAILED = 1, /* the operation failed */
    EXIT_USAGE = 2   /* bad command line or configuration */
};

struct cli_options {
    const char *config; /* -c, default "./miniinet.cfg" */
    char *plugins;      /* --plugins=a,b,c (NULL: none) */
    char **plugin_dirs; /* --plugin-dir, repeatable */
    size_t n_plugin_dirs;
    const char *server;        /* --server NAME */
    unsigned jobs;             /* -j N, default: online CPUs */
    bool json;                 /* --json */
    bool accept_new_host_keys; /* --accept-new-host-keys */
};

/* One plugin chosen for this run. */
struct active_plugin {
    const char *name;     /* NULL: none of this kind is active */
    bool explicit_choice; /* named by --plugins or the file */
    struct loaded_plugin loaded;
    void *state;
    bool configured;
};

struct session {
    struct cli_options opts;
    struct plugin_path path;
    struct topology *topo;
    struct plan *plan;
    struct active_plugin active[3]; /* indexed by kind - 1 */
};

/* What a verb needs loaded before it runs. */
enum {
    NEED_TOPOLOGY = 1 << 0, /* the topology file, validated */
    NEED_PLAN = 1 << 1,     /* + plugins chosen, configured; the plan */
};

struct verb {
    const char *name;
    const char *args; /* synopsis of its arguments, for --help */
    const char *help; /* one line */
    unsigned needs;
    /* argv[0] is the verb; returns an exit status. */
    int (*run)(struct session *, int argc, char **argv);
};

extern const struct verb verbs[];
extern const size_t n_verbs;

/* Loads what `needs` asks for.  Returns EXIT_OK or an exit status after
 * reporting the problem. */
int session_prepare(struct session *, unsigned needs);
void session_destroy(struct session *);

/* The active plugin of `kind`, or NULL. */
const struct active_plugin *session_plugin(const struct session *,
                                           enum mi_plugin_kind kind);

#endif
