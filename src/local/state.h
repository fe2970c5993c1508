/* The state record: what `up` made on this server, so that `down`, `exec`
 * and `status` find it without the topology file.
 *
 * It lives in <rundir>/<network>/state (rundir: $MINIINET_RUNDIR, default
 * /run/miniinet), next to one directory per node (nodes/<name>: FRR
 * configuration, pid files, logs), the switch's directory (switch/) and the
 * tunnel plugin's (tunnel/), and marks/ (state_mark_set()).
 * It is a text file of one "KEY VALUE..." line per item (values separated
 * by one space, names as util_valid_name() allows them), appended to
 * *before* the items are made (write-ahead), so that an `up` killed at any
 * point leaves a record that covers everything it made.  `down` removes
 * what is listed and exists, and treats the rest as never made.
 *
 *     miniinet-state 1
 *     network small
 *     plugin runtime netns
 *     plugin switch ovs
 *     fingerprint 5f0c...          (of the plan: `up` twice is a no-op)
 *     node router 1_ZURIrouter
 *     bridge 3_L2_DCN_S1
 *     rootif 3_S1_p7               (root-namespace ends of links)
 *     sysctl net.ipv4.neigh.default.gc_thresh3 1024 9216
 *                                  (a kernel setting raised: old, new value)
 *     port 3 2003                  (AS 3's student access port, held on this
 *                                  server: what another network's preflight
 *                                  must not take, doc/access.md)
 *     complete                     (the last line of a finished `up`)
 *
 * The reader is strict: the magic line (with its newline) first, "network"
 * second and naming the record's own directory, no NUL byte, no extra
 * token, no item twice that is one, nothing after "complete".  Only a
 * torn last line (an interrupted append, whose item was not made yet) is
 * ignored.  Anything else is a damaged record: every verb that acts on it
 * stops, naming FILE:LINE (a record listing less than was made would make
 * `down` leave the rest behind).
 */
#ifndef MINIINET_STATE_H
#define MINIINET_STATE_H 1

#include <stdbool.h>
#include <stdio.h>

#include <miniinet/plugin.h>

struct state_node {
    char *name;
    enum mi_node_kind kind;
};

struct state_sysctl {
    char *key; /* "net.ipv4.neigh.default.gc_thresh3" */
    long old_value, new_value;
};

/* A student group's access port that the network holds on this server. */
struct state_port {
    unsigned asn;  /* 1 to 65535 */
    unsigned port; /* 1 to 65535, at most once per record */
};

struct state {
    char *dir; /* <rundir>/<network> */
    char *network;
    char *plugin[MI_PLUGIN_KIND_COUNT]; /* by kind - 1; NULL: none */
    char *fingerprint;
    struct state_node *nodes;
    size_t n_nodes, nodes_cap;
    char **bridges;
    size_t n_bridges, bridges_cap;
    char **rootifs;
    size_t n_rootifs, rootifs_cap;
    struct state_sysctl *sysctls;
    size_t n_sysctls, sysctls_cap;
    struct state_port *ports;
    size_t n_ports, ports_cap;
    bool complete;
    FILE *file; /* open for appending while `up` runs */
};

/* miniinet's run directory: $MINIINET_RUNDIR or /run/miniinet. */
const char *state_rundir(void);

/* What the lock of a network records about its holder (its file holds
 * one line "OP PID SINCE", SINCE in seconds since the epoch). */
struct state_lock_holder {
    char op[16]; /* the verb: "up", "down", "save", ... */
    long pid;
    long long since;
};

/* Parses the text of a network's lock file; false unless it is exactly
 * one line "OP PID SINCE\n" with OP a lower-case word, PID > 0 and
 * SINCE >= 0. */
bool state_lock_parse(const char *text, struct state_lock_holder *);

/* Takes the lock of network `network`: flock() on <rundir>/<network>.lock
 * (with `master`, <network>.master.lock: the master's own, so that a
 * master that is also one of the servers does not lock its server part
 * out), root's and 0600, on a descriptor no child inherits, and writes
 * "OP PID SINCE" into it.  Every verb that changes the network holds it
 * for its whole run.  Held by the switch VLAN agent (OP "vlan": one
 * change, a moment), it is tried again every STATE_LOCK_AGENT_STEP_MS for
 * up to STATE_LOCK_AGENT_WAIT_MS; held by anything else (or by the agent
 * longer than that) it is not waited for: says which verb, its pid and
 * since when, and returns -EBUSY.  A lock left by
 * a process that died is free (the kernel released it): it is taken over,
 * saying whose it was, and described in *previous (when not NULL; all zero
 * when there was no such holder, or its line cannot be read).  With
 * `create`, makes the run directory when it is missing; without, returns
 * -ENOENT then (nothing is up).  Returns the locked descriptor, for
 * state_unlock_network(), or a negative errno, reported. */
int state_lock_network(const char *network, bool master, const char *op,
                       bool create, struct state_lock_holder *previous);

/* How long, and how often, state_lock_network() tries again a lock the
 * switch VLAN agent holds. */
#define STATE_LOCK_AGENT_WAIT_MS 10000
#define STATE_LOCK_AGENT_STEP_MS 20

/* state_lock_network() of a network that is up (the run directory not
 * made), for the switch VLAN agent (vlan_agent.h): never waits, and when
 * another process holds the lock, returns -EBUSY with its holder in
 * *busy (zeroed when its file cannot be parsed), saying nothing: the
 * agent tells its client. */
int state_try_lock_network(const char *network, const char *op,
                           struct state_lock_holder *busy);

/* Releases it, removing its file (and the run directory if empty). */
void state_unlock_network(const char *network, bool master, int fd);

/* Seconds state_lock() waits for the run directory's lock. */
#define STATE_LOCK_WAIT_S 600

/* Takes the run directory's lock (flock() on its file .lock, root's and
 * 0600, on a descriptor that no child inherits), which `up` and `down`
 * hold, after their network's own lock (state_lock_network()), from before
 * they read the record to their end: networks of one server share the
 * names of kernel objects (an `up` checks that none of its names exists,
 * then makes them) and the kernel's neighbour-table settings, so the `up`s
 * and `down`s of different networks take turns.  Waits for the lock
 * (saying so once), at most STATE_LOCK_WAIT_S.  With `create`,
 * makes the run directory when it is missing; without, returns -ENOENT
 * then (nothing is up).  Returns the locked descriptor, for
 * state_unlock(), or a negative errno, reported. */
int state_lock(bool create);

/* Releases the lock state_lock() returned (removing the lock file), and the
 * run directory if
 * it is empty (made for the lock by an `up` that then built nothing, or
 * left by the last `down`). */
void state_unlock(int fd);

/* Directory of network `network` (malloc()ed). */
char *state_network_dir(const char *network);

/* Reads the record of `network`.  Returns 0, -ENOENT if there is none, or
 * -EINVAL after reporting "FILE:LINE: ..." for a damaged record. */
int state_load(const char *network, struct state *);

/* Lists the networks that have a record (malloc()ed NULL-terminated array,
 * sorted). */
char **state_list_networks(void);

/* Creates the network's directory and a new record with its header. */
int state_create(struct state *, const char *network,
                 const char *const plugins[MI_PLUGIN_KIND_COUNT],
                 const char *fingerprint);

/* Appends items; state_sync() makes them durable before the caller acts. */
void state_add_node(struct state *, enum mi_node_kind, const char *name);
void state_add_bridge(struct state *, const char *name);
void state_add_rootif(struct state *, const char *name);
void state_add_sysctl(struct state *, const char *key, long old_value,
                      long new_value);
void state_add_port(struct state *, unsigned asn, unsigned port);
int state_sync(struct state *);
int state_mark_complete(struct state *);

/* The directory of a node: <dir>/nodes/<name> (malloc()ed). */
char *state_node_dir(const struct state *, const char *name);
/* The switch's directory: <dir>/switch (malloc()ed). */
char *state_switch_dir(const struct state *);
/* The tunnel plugin's directory: <dir>/tunnel (malloc()ed). */
char *state_tunnel_dir(const struct state *);

/* Opens nodes/<name> (O_DIRECTORY), never through a symlink: where root
 * writes and re-reads a node's files (frr.conf); -errno. */
int state_open_node_dir(const struct state *, const char *name);

/* Removes the nodes' directories (what `nodes/` holds, never following a
 * symlink nor entering a mount) once every node is gone, the record and
 * `nodes/` kept: `down` does it while the switch is still being removed.
 * Returns 0, or -errno after naming what it could not remove. */
int state_remove_node_dirs(const struct state *);

/* Removes the network's directory tree and the record (after `down`),
 * never following a symlink nor entering a mount.  Returns 0, or -errno
 * after naming every entry it could not remove: the record is then kept. */
int state_remove(struct state *);

void state_destroy(struct state *);

/* What `miniinet link` changed, in <rundir>/<network>/links next to the
 * record (which `up` writes ahead and nothing changes after "complete"):
 * the whole file rewritten (a temporary name, then rename()) at each
 * change, one line per interface whose setting differs from the plan's:
 *
 *     miniinet-links 1
 *     1_ZURIrouter port_BASE down - -      (set down; rate, delay as planned)
 *     4_VIENrouter port_MILA up 10000000 0 (up, rate 10 mbit/s, no delay)
 *
 * `down` removes it with the network's directory.  A damaged file is
 * refused as the record is (FILE:LINE). */
struct state_link {
    char *node, *ifname;
    bool down;
    bool shaped; /* rate and delay set by `link` (0: none) */
    uint64_t rate_bps;
    uint32_t delay_us;
};

/* Reads the network's links file: 0 (none when it is missing), or -EINVAL
 * after reporting FILE:LINE. */
int state_links_load(const struct state *, struct state_link **, size_t *n);
/* Replaces it by `n` lines (no file at all when n is 0); 0 or -errno,
 * reported. */
int state_links_save(const struct state *, const struct state_link *,
                     size_t n);
void state_links_free(struct state_link *, size_t n);

/* Marks: a router that does not run its students' saved configuration
 * (it runs the one `up` generated, or a mix after a refused restore)
 * while a snapshot holds their work has one, and so do a host or L2 host
 * with `up`'s addresses and a switch with `up`'s VLAN settings, each
 * keyed by its file's name in a snapshot (state_mark_key(): NODE.frr,
 * NODE.ip, BRIDGE.vlan, so that route server 80_IXP and IXP bridge
 * 80_IXP have a mark each), <rundir>/<network>/marks/<key>
 * (root's, 0600, next to the record, never in the node's own directory):
 * one line, the reason and the snapshot that holds the work.  `save` keeps
 * a marked router's previous file (stale) instead of taking what runs,
 * unless --force; `status` shows it and exits 1; a restore of the router
 * that worked, or a heal from a snapshot, removes it (doc/operations.md).
 * This is the one owner of reading and writing them. */
#define STATE_MARK_MAX 512

/* The line of a mark: "REASON; its students' work is in snapshot NAME"
 * (without `snapshot`: REASON), control characters replaced by '?', cut
 * to STATE_MARK_MAX - 2 bytes (REASON is cut, never NAME); malloc()ed,
 * without its newline.  Pure. */
char *state_mark_line(const char *reason, const char *snapshot);

/* Whether `len` bytes of `text` are a mark's file: one line of printable
 * characters ending with its newline, at most STATE_MARK_MAX bytes.  Pure. */
bool state_mark_valid(const char *text, size_t len);

/* The suffix of the file that snapshots keep of a node of kind `kind`:
 * ".frr" (routers, route servers), ".ip" (hosts, L2 hosts), NULL (none);
 * a switch's is STATE_SWITCH_SUFFIX. */
#define STATE_SWITCH_SUFFIX ".vlan"
const char *state_kind_suffix(enum mi_node_kind);

/* The key of the mark of object `name` of the record -- a node, or with
 * `bridge` a switch --: its file's name in a snapshot (NAME.frr, NAME.ip,
 * NAME.vlan), malloc()ed; NULL when the record has no such object, or
 * snapshots keep none of it.  The one way to a key. */
char *state_mark_key(const struct state *, const char *name, bool bridge);

/* Marks the object of mark key `key` (state_mark_key(); replacing its
 * mark, if any): 0 or -errno, reported (-EINVAL: no key). */
int state_mark_set(const struct state *, const char *key, const char *reason,
                   const char *snapshot);

/* Removes the mark of key `key`; 0 also when it had none, else -errno,
 * reported. */
int state_mark_clear(const struct state *, const char *key);

/* The mark of key `key`: its line (malloc()ed, without the newline), or
 * NULL when it has none.  A mark that cannot be read or is not a mark's
 * line counts as one, its line saying so.
 *
 * A run directory made before marks were keyed by file has marks/NAME
 * (a bare node's or bridge's name, shared by a node and a bridge of one
 * name): read as the mark of every key of that name that has none of its
 * own; the first state_mark_set() or state_mark_clear() of such a key
 * copies it to each of them and removes it, so that ending one object's
 * mark never ends the other's. */
char *state_mark_get(const struct state *, const char *key);

/* A mark of the other kind, "displaced": the object runs its students'
 * saved state again (a restore, `up --restore`, a heal or `restart` took
 * its restorable file) while what it ran while it was marked -- their
 * work of that time -- is only in the side file (FILE.running) of the
 * snapshot the mark names.  Its line starts with STATE_MARK_DISPLACED.
 * `save` takes what runs on such an object as for an unmarked one, and
 * keeps the mark; retention never removes the snapshot it names (nor one
 * that any mark names: state_mark_snapshots()), and the restore that set
 * it pinned that snapshot for good (snapshot.h's pins: marks die with the
 * run directory, pins do not); `save --force`, or `restore --node NAME
 * --running SNAPSHOT` of that snapshot, ends it (only the latter, or
 * `snapshots --unpin`, ends the pin). */
#define STATE_MARK_DISPLACED "displaced: "

/* Whether mark line `line` (state_mark_get()'s) is a displaced mark.
 * Pure. */
bool state_mark_is_displaced(const char *line);

/* The snapshot mark line `line` names (state_mark_line()'s "...; its
 * students' work is in snapshot NAME", the last such part), malloc()ed;
 * NULL when it names none.  Pure. */
char *state_mark_snapshot(const char *line);

/* The snapshots that the network's marks name, each once, into *names
 * (NULL-terminated, malloc()ed; empty when there are none): what
 * retention keeps whatever its numbers say.  0, or -errno after naming
 * what cannot be read (the marks directory, a mark's file, a file that
 * is not a mark's line): then a snapshot may be named that *names lacks,
 * and nothing may be pruned. */
int state_mark_snapshots(const struct state *, char ***names);

/* Node kinds as written in the record. */
const char *state_kind_name(enum mi_node_kind);

#endif
