/* The replies a server gives its master -- `check`, `status`, `preflight`
 * -- as C structs, each with one JSON encoder and one decoder.
 *
 * A server (`miniinet --server NAME VERB`) fills a struct and prints its
 * encoding; the master decodes every server's reply, judges it and, for
 * `check`, merges the matrices; a single-server `--json` run prints the
 * same encoding.  The master reads what servers send, and a server may run
 * another version or misbehave, so a decoder refuses anything malformed
 * with one error naming the server and the field, and never crashes.
 *
 * Strings and arrays in the structs are malloc()ed and owned by the struct
 * (wire_*_free()); a decoder's output is zeroed first, and freed again when
 * the input is refused. */
#ifndef MINIINET_WIRE_H
#define MINIINET_WIRE_H 1

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include <miniinet/plugin.h>

/* Prints `o` (pretty or one line) on standard output and frees it. */
void wire_print(json_object *o, bool pretty);

/* ------------------------------------------------------------------------ */
/* check                                                                    */

/* The matrix of `check`: one L3 host per AS, in plan order; row = from,
 * column = to. */
struct check_hosts {
    size_t *hosts;     /* node indices */
    unsigned *asns;    /* their ASes */
    unsigned *servers; /* their servers: whose reply holds the host's row */
    struct mi_addr *addrs;
    size_t n;
};
enum {
    CELL_NO = 0,
    CELL_YES = 1,
    CELL_UNKNOWN = 2, /* not probed */
    CELL_VALLEY = 3   /* reachable, but the BGP route's AS path is not
                         valley-free (valley.h): a policy broken */
};

/* An ordered pair of ASes, by their numbers. */
struct wire_pair {
    unsigned from, to;
};

/*   { "network": "small", "server": "s1", "pairs": 6, "reachable": 5,
 *     "failed": [ { "from": 1, "to": 2 } ],
 *     "valley": [ { "from": 4, "to": 1 } ],
 *     "bgp": { "established": 4, "expected": 4 } }
 * A server reports the rows of its own hosts: pairs = its hosts x (hosts of
 * the network - 1), failed = those that did not answer, valley = reachable
 * pairs whose BGP route's AS path breaks the Gao-Rexford rule (optional:
 * left out when there is none), established = the planned sessions of its
 * routers that are up (at most `expected`). */
struct wire_check {
    char *network;
    char *server; /* NULL in the master's merged report (never decoded) */
    unsigned pairs, reachable;
    struct wire_pair *failed;
    size_t n_failed;
    struct wire_pair *valley; /* among the reachable ones */
    size_t n_valley;
    unsigned established, expected; /* BGP sessions */
    double cpu_seconds; /* what the reply cost its server (its process and
                           children); 0: not said (a master's report, an
                           older server) */
};

json_object *wire_check_encode(const struct wire_check *);
/* Decodes `text`, the reply of server `who`; 0, or -EINVAL after an error
 * naming `who` and the field. */
int wire_check_decode(const char *text, const char *who, struct wire_check *);
void wire_check_free(struct wire_check *);

/* What `check` means, everywhere: every pair reachable and every planned
 * BGP session established. */
bool wire_check_ok(const struct wire_check *);

/* A matrix of h->n x h->n cells, all CELL_UNKNOWN (free()). */
unsigned char *wire_matrix_new(const struct check_hosts *h);

/* Writes the reply of server `server` into the rows of its hosts: every
 * cell reachable but the pairs listed failed (CELL_NO) or valley
 * (CELL_VALLEY).  A reply that does not fit (pair count, a failed or valley
 * pair that is not in the server's rows, a pair both) changes
 * nothing and is refused: -EINVAL after an error naming the server. */
int wire_check_merge(const struct check_hosts *h, unsigned server,
                     const struct wire_check *reply, unsigned char *cells);

/* The report of the whole matrix (the master's): every pair counts, a cell
 * not reachable (or not probed) is failed, a valley cell reachable and
 * listed in valley.  Sets pairs, reachable, failed and valley of `out`,
 * nothing else. */
void wire_check_tally(const struct check_hosts *h, const unsigned char *cells,
                      struct wire_check *out);

/* ------------------------------------------------------------------------ */
/* status                                                                   */

struct wire_interface {
    char *name;
    bool up;
    char **addresses; /* "10.1.0.1/24" */
    size_t n_addresses;
    char *link; /* what `miniinet link` set ("down", "rate 10000000 bit/s
                   delay 0 us"); NULL: as planned */
};

struct wire_node {
    char *name, *kind, *server;
    char *handle; /* the runtime's name for it (namespace file, container
                     id); NULL: the runtime gives none */
    bool up;      /* "state": "up" | "missing" */
    bool damaged; /* missing, FRR daemons dead, a link of it missing, or
                     its student access sshd dead or outside link missing */
    struct wire_interface *interfaces;
    size_t n_interfaces;
    bool bgp; /* runs FRR: the sessions below are meaningful */
    unsigned established, expected;
};

/*   { "network": "small", "server": "s1", "complete": true,
 *     "nodes": [ { "name": "1_ZURIrouter", "kind": "router",
 *                  "server": "s1", "state": "up",
 *                  "handle": "/run/netns/1_ZURIrouter",   (optional)
 *                  "interfaces": [ { "name": "lo", "up": true,
 *                                    "addresses": [ "1.151.0.1/24" ],
 *                                    "link": "down" (optional) } ],
 *                  "damaged": true,                          (optional)
 *                  "bgp": { "established": 3, "expected": 3 } } ],
 *     "damage": [ "node 3_LUGAhost is missing", ... ],       (optional)
 *     "not_restored": [ "3_ZURIrouter: REASON", ... ] }      (optional)
 * `established` is what FRR says (a session the plan does not expect
 * counts too); "bgp" only for routers and route servers. */
struct wire_status {
    char *network, *server;
    bool complete; /* `up` finished */
    struct wire_node *nodes;
    size_t n_nodes;
    char **damage; /* what damage.c found, one line each (src/local/damage.h);
                      none from a server that predates it */
    size_t n_damage;
    char **not_restored; /* the marked routers (state_mark_get()): "NODE:
                            REASON", one each; none from a server that
                            predates marks */
    size_t n_not_restored;
    double cpu_seconds; /* as in wire_check */
};

json_object *wire_status_encode(const struct wire_status *);
int wire_status_decode(const char *text, const char *who,
                       struct wire_status *);
void wire_status_free(struct wire_status *);

/* What `status` means: every node of the server is there, nothing is
 * damaged, and every router runs its students' saved configuration (none
 * not restored). */
bool wire_status_ok(const struct wire_status *);

/* ------------------------------------------------------------------------ */
/* access                                                                   */

/* One student group, as the TA hands it out (doc/access.md). */
struct wire_access_group {
    unsigned asn;
    char *server, *address; /* where the group connects */
    unsigned port;
    char *user, *password;
};

/*   { "network": "course", "server": "s1",
 *     "groups": [ { "asn": 3, "server": "s1", "address": "198.18.0.1",
 *                   "port": 2003, "user": "root",
 *                   "password": "..." } ] }
 * A server lists the groups whose AS it hosts, each with its own name as
 * "server"; the master merges every server's.  Passwords are secrets: a
 * refused reply is named by its field, never quoted. */
struct wire_access {
    char *network, *server;
    struct wire_access_group *groups;
    size_t n_groups;
};

json_object *wire_access_encode(const struct wire_access *);
int wire_access_decode(const char *text, const char *who,
                       struct wire_access *);
/* Frees the strings, wiping the passwords first. */
void wire_access_free(struct wire_access *);

/* ------------------------------------------------------------------------ */
/* preflight                                                                */

struct wire_plugin {
    char *kind, *name, *version;
};

struct wire_pmtu {
    char *peer;   /* a server's name */
    unsigned mtu; /* 0: unreachable */
};

/* A group's access port that something holds on the server (preflight's
 * port check, network_ports.c): a listening socket, or another network up
 * there. */
struct wire_port {
    unsigned asn, port;   /* 1 to 65535 each */
    char *network;        /* the other network (a valid name), or NULL: a
                             listening socket */
    unsigned network_asn; /* its AS whose proxy holds the port */
};

/*   { "server": "s1", "version": "0.1.0", "root": true,
 *     "plugins": [ { "kind": "runtime", "name": "netns", "version": ... } ],
 *     "state": "absent" | "up" | "partial" | "damaged",
 *     "pmtu": { "s2": 1500, "s3": 0 },
 *     "ports": [ { "asn": 3, "port": 2003 },
 *                { "asn": 4, "port": 2004, "network": "lab",
 *                  "network_asn": 4 } ],
 *     "errors": [ "gre: no Open vSwitch runs on this server ...", ... ] }
 * "ports" lists the clashes only (the master words them, naming its
 * file); they are not repeated in "errors". */
struct wire_preflight {
    char *server, *version;
    bool root;
    struct wire_plugin *plugins;
    size_t n_plugins;
    char *state;
    struct wire_pmtu *pmtu;
    size_t n_pmtu;
    struct wire_port *ports;
    size_t n_ports;
    char **errors;
    size_t n_errors;
};

json_object *wire_preflight_encode(const struct wire_preflight *);
int wire_preflight_decode(const char *text, const char *who,
                          struct wire_preflight *);
void wire_preflight_free(struct wire_preflight *);

/* The path MTU towards `peer`; 0 when unreachable or not reported. */
unsigned wire_preflight_pmtu(const struct wire_preflight *, const char *peer);

/* ------------------------------------------------------------------------ */
/* snapshots, save                                                          */

struct wire_snapshot {
    char *name;
    long long time;
    unsigned as;  /* 0: the whole network */
    bool named;   /* saved with --name */
    bool damaged; /* never restored; `unread`: its manifest unreadable (any
                     scope; `time` the directory's) */
    bool unread;
    unsigned files, stale;
    char **stale_nodes;   /* the nodes and switches whose files are stale
                             (kept from an earlier snapshot) */
    size_t n_stale_nodes; /* `stale` */
    unsigned long long bytes;
    char *note; /* NULL: none */
    /* The object files (NODE.frr, NODE.ip, BRIDGE.vlan) it is pinned for
     * (the server's snapshots/.pins); optional: none when absent. */
    char **pinned_for;
    size_t n_pinned_for;
    /* Its side files (NODE.frr.running, NODE.ip.running,
     * BRIDGE.vlan.running: what a marked object ran at that save);
     * optional: none when absent. */
    char **running;
    size_t n_running;
};

/* `snapshots --json` of one server, newest first:
 *   { "server": "s1", "network": "small",
 *     "snapshots": [ { "name": "20261203-101500", "time": 1764756900,
 *                      "as": 0, "named": false, "damaged": false,
 *                      "unread": false, "files": 22, "stale": 1,
 *                      "stale_nodes": [ "2_BASErouter" ],
 *                      "bytes": 12345, "note": "..." (optional),
 *                      "pinned_for": [ "3_LUGArouter.frr" ] (optional),
 *                      "running": [ "3_LUGArouter.frr.running" ]
 *                      (optional) } ],
 *     "incomplete": [ ".tmp-123", "cut" ] } */
struct wire_snapshots {
    char *server, *network;
    struct wire_snapshot *snapshots;
    size_t n_snapshots;
    char **incomplete;
    size_t n_incomplete;
};

json_object *wire_snapshots_encode(const struct wire_snapshots *);
int wire_snapshots_decode(const char *text, const char *who,
                          struct wire_snapshots *);
void wire_snapshots_free(struct wire_snapshots *);

/* `save --time T --json` of one server (a master's save):
 *   { "server": "s1", "stored": "20261203-101500" }  (the snapshot stored)
 *   { "server": "s1", "unchanged": "20261203-094500" } (its part is the
 *                                     same as that one's: nothing stored)
 *   { "server": "s1" }                (nothing of it: save --as N) */
struct wire_save {
    char *server;
    char *stored, *unchanged; /* at most one set */
};

json_object *wire_save_encode(const struct wire_save *);
int wire_save_decode(const char *text, const char *who, struct wire_save *);
void wire_save_free(struct wire_save *);

/* ------------------------------------------------------------------------ */
/* link                                                                     */

/* `--json link A B ...` on a server, after changing its ends: what each of
 * them was before, so that the master can put it back when the link's
 * other server fails.
 *
 *   { "server": "s1",
 *     "before": [ { "node": "1_ZURIrouter", "ifname": "ext_2_BASE",
 *                   "down": false, "rate_bps": 0, "delay_us": 0 } ] }
 *
 * rate_bps and delay_us are the setting in effect (what `link` recorded,
 * else the plan's; 0: no limit, no delay). */
struct wire_link_end {
    char *node, *ifname;
    bool down;
    uint64_t rate_bps;
    uint32_t delay_us;
};

struct wire_link {
    char *server;
    struct wire_link_end *before;
    size_t n_before;
};

json_object *wire_link_encode(const struct wire_link *);
int wire_link_decode(const char *text, const char *who, struct wire_link *);
void wire_link_free(struct wire_link *);

#endif
