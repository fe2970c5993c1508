/* Bringing a network up and down on this server, and looking at it.
 *
 * `up` turns the plan into a running network in phases, each batched or run
 * in parallel over -j workers:
 *
 *   check     nothing the plan names exists yet; the kernel has what the
 *             links ask for (netem, tbf)
 *   record    the state record lists everything about to be made
 *   switch    the switch plugin makes sure a switch daemon runs
 *   nodes     the runtime makes one node per router, host, route server
 *   links     veth pairs, each end created in its node under its final
 *             name (netlink, batched)
 *   bridges   the switch plugin makes bridges and ports (one transaction)
 *   addresses per node: addresses, loopback, default route, qdiscs
 *   frr       per router: frr.conf written, daemons started, config loaded
 *
 * `down` reads only the state record, so it works without the topology
 * file, after a killed `up`, and twice in a row.  `up` after a killed `up`
 * (an incomplete record) removes what it lists the same way, then builds.
 */
#ifndef MINIINET_NETWORK_H
#define MINIINET_NETWORK_H 1

#include "session.h"
#include "wire.h"

/* Who carries out the verbs that act on a network: `local_executor` on this
 * server (network_*.c, and preflight.c for --server), `master_executor` on
 * every server of a multi-server network at once (master.c).  The session
 * chooses one; the verbs call through it. */
struct link_request;
struct traceroute_request;
struct executor {
    int (*preflight)(struct session *);
    int (*up)(struct session *);
    int (*down)(struct session *);
    int (*status)(struct session *);
    int (*check)(struct session *);
    /* Runs argv (NULL: vtysh on a router, a shell on a host) in `node`;
     * returns the program's exit status. */
    int (*exec)(struct session *, const char *node, char **argv);
    /* `link A B down|up|set ...` where the link's ends are. */
    int (*link)(struct session *, const struct link_request *);
    /* A snapshot (--as, --note in the session's options); the list. */
    int (*save)(struct session *);
    int (*snapshots)(struct session *);
    /* Snapshot `name` (NULL: each AS from the newest holding it) back;
     * only node `node` if set. */
    int (*restore)(struct session *, const char *name, const char *node);
    /* Restarts a router's FRR, its newest snapshot put back. */
    int (*restart)(struct session *, const char *node);
    /* `traceroute AS ADDRESS` from the measurement host, where it is. */
    int (*traceroute)(struct session *, const struct traceroute_request *);
    /* The student groups' credentials (doc/access.md). */
    int (*access)(struct session *);
};
extern const struct executor local_executor, master_executor;

int network_up(struct session *);

/* Removes s->network as its record s->record lists it. */
int network_down(struct session *);
/* Removes network `name` as its record on disk lists it (after a refused
 * `up`). */
int network_remove(struct session *, const char *name);
/* Removes what record `st` lists (with the session's plugins, which must
 * be those it names), then the record; the persistent directory stays.
 * `verb` ("down", or "up" taking over an `up` that did not finish) names
 * the operation in its messages.  Returns an exit status. */
int network_remove_recorded(struct session *, struct state *st,
                            const char *verb);

int network_status(struct session *);

int network_exec(struct session *, const char *node, char **argv);

int network_check(struct session *);

/* `miniinet link A B OPERATION` (verbs.c parses it). */
struct link_request {
    const char *a, *b; /* as named: node, AS:ROUTER, an IXP's number */
    enum { LINK_DOWN, LINK_UP, LINK_SET } op;
    bool set_rate, set_delay; /* LINK_SET: which of the two change */
    uint64_t rate_bps;        /* 0: no limit */
    uint32_t delay_us;        /* 0: no delay */
    const char *summary;      /* "down", "rate 10mbit delay 5ms": messages */
    char **args;              /* the verb's arguments, for the servers */
};
int network_link(struct session *, const struct link_request *);
/* `access`: this server's groups' credentials, made when missing
 * (network_access.c); access_print() writes a reply as the TA reads it,
 * one line per group (with a header line when `header`). */
int network_access(struct session *);
/* `up`'s student access phase (network_access_up.c): for this server's
 * groups, the credentials, the proxies' outside veths, the files in the
 * proxies and devices, root's password in the proxies, sshd started where
 * it does not run, the port forward's nftables table.  Create-or-replace:
 * `up` healing runs it again.  0 or -errno (reported). */
int network_access_install(struct session *, const struct state *);
/* Adds to the record, ahead of up, what network_access_install() makes on
 * the server that `down` removes: the outside veths (rootif lines; the
 * nftables table goes with the record's port lines). */
void network_access_record(struct session *, struct state *);
/* Docker's DOCKER-USER chain: the accepts of the outside link of AS `asn`
 * (access_files.h) inserted where missing (`add`) or every copy deleted,
 * decided from `iptables -w -S FORWARD` and `-S DOCKER-USER`
 * (network_access_up.c).  Nothing to do when iptables is not installed or
 * FORWARD does not jump to DOCKER-USER; with `add`, a FORWARD policy DROP
 * without that jump is reported (a warning: outside logins dropped).  An
 * iptables that fails is an error.  0 or -1 (reported). */
int network_access_docker_user(unsigned asn, bool add);
void access_print(const struct wire_access *, bool header);
/* The switch VLAN agent (network_vlan.c, vlan_agent.h): started at the end
 * of `up`'s access phase (a build or a heal), a running one of the network
 * stopped first, for this server's groups that have switches, when the
 * switch plugin has set_port_vlan (else said once, and none runs); `up`
 * waits (5 s) for it to be ready.  A group whose proxy it cannot listen
 * in is warned about and left out (vlan_agent_listen_all()); none at all:
 * a warning, no agent, 0.  0 or -EIO (reported).  network_vlan_stop():
 * `down`'s, before the nodes go. */
int network_vlan_start(struct session *, const struct state *);
int network_vlan_stop(const struct state *);

/* `miniinet traceroute AS ADDRESS` (verbs.c checks both against the plan):
 * from the measurement host, out of its link into AS `asn`. */
struct traceroute_request {
    unsigned asn;
    size_t link; /* the AS's measurement link in the plan */
    uint32_t to; /* host byte order */
    char **args; /* the verb's arguments, for the server */
};
int network_traceroute(struct session *, const struct traceroute_request *);
int master_traceroute(struct session *, const struct traceroute_request *);
int network_save(struct session *);
/* `save` of AS `asn` (0: all), named `given` (NULL: by its time), with
 * `note`; *saved (when not NULL): the name of the snapshot that holds what
 * was saved (the one written, or the previous one when nothing changed),
 * malloc()ed, NULL when none. */
int network_save_as(struct session *, unsigned asn, const char *given,
                    const char *note, char **saved);
int network_snapshots(struct session *);
int master_save(struct session *);
int master_snapshots(struct session *);
int network_restore(struct session *, const char *name, const char *node);
/* During an `up` that builds the network here (not a repair), before it
 * makes anything: marks every router, host, L2 host and switch of record
 * `st` that a snapshot holds (state_mark_set(): it will run the
 * configuration, addresses or VLANs `up` generates, not its students'
 * saved ones); with `restoring` before `up --restore`'s restore, which
 * removes the marks of what it restores; without, says so, and how to
 * restore.  A mark that cannot be written is an error naming its file:
 * failed[i] set for record object i (nodes, then bridges; the caller
 * starts no FRR in such a router), and the snapshot holding its work
 * pinned (a host's or switch's too: retention keeps it); returns how many.
 * A snapshots directory that cannot be opened (not a missing one): said,
 * *unreadable set (the caller's `up` exits 1), and every object marked as
 * if a snapshot held it, naming none. */
size_t network_snapshot_marks(struct session *, const struct state *st,
                              bool restoring, bool *failed, bool *unreadable);
/* Puts snapshot `snapshot` (NULL: the newest that holds the node's AS)
 * back on node `node`. */
int network_restore_node(struct session *, const struct state *,
                         const char *node, const char *snapshot);
/* Host or L2 host `node`'s interfaces `ifnames` (made again by `up`'s
 * healing) converged to the newest intact snapshot that holds the node's
 * AS (a newer damaged one passed over with a warning): the addresses on
 * each and the routes through each put back, those not in the snapshot
 * removed; the node's other interfaces and routes left as they are.  One
 * line per interface.  No snapshot, or one without the node: nothing
 * done, EXIT_OK.  EXIT_FAILED after saying why. */
int network_restore_host_ifs(struct session *, const struct state *,
                             const char *node, const char *const *ifnames,
                             size_t n_ifs);
/* Router `node`'s configuration in snapshot `snapshot` (NULL: the newest
 * intact one that holds the node's AS, a newer damaged one passed over
 * with a warning, as healing does), checked against the manifest and
 * without the lines `show running-config` prints before it: in *conf
 * (malloc()ed, NUL-terminated, *len bytes) with the snapshot's name in
 * *from; *conf NULL when no snapshot holds it (said).  EXIT_OK, or
 * EXIT_FAILED after saying why (the snapshot named is missing or damaged,
 * the file does not match the manifest). */
int network_router_snapshot(struct session *, const char *node,
                            const char *snapshot, char **conf, size_t *len,
                            char **from);
/* Marks object `object` (a node; a switch when `bridge`) with `reason`,
 * naming snapshot `snapshot` (NULL: none), which holds its students' work
 * while it runs something else, and pins that snapshot for it for good in
 * the network's snapshots' .pins (network_save.c's one place for a mark
 * with its pin: restores' displaced marks, heal's fallbacks).
 * state_mark_set()'s result (0 or -errno, said); a pin not written is
 * said. */
int network_mark_pinned(struct session *, const struct state *,
                        const char *object, bool bridge, const char *reason,
                        const char *snapshot);
/* Writes router `node`'s (plan index) generated FRR configuration into
 * its directory: frr.conf, the integrated text (what the node starts with,
 * in one file), and, when the runtime's daemons read their own
 * (rt_reads_daemon_conf()), each daemon's part DAEMON.conf, which is what
 * they read; else removes those.  Each file written atomically through
 * the directory's descriptor, never through a symlink.  0 or -errno,
 * reported. */
int network_write_frr_files(const struct state *, const struct active_plugin *,
                            const struct mi_plan *, size_t node);
/* Stops what runs of router `node`'s FRR (plan index; not when `fresh`:
 * its node was just made) and starts it again from its configuration: that
 * of snapshot `snapshot` (NULL: its newest) when one holds the router,
 * else the one `up` wrote (network_heal.c); says "NAME: FRR `why`". */
int network_heal_router(struct session *, const struct state *, size_t node,
                        bool fresh, const char *why, const char *snapshot);
int network_restart(struct session *, const char *node);
int master_restart(struct session *, const char *node);
int master_restore(struct session *, const char *name, const char *node);

/* Verbs of a master: with several servers and no --server, `up`, `down`,
 * `status`, `check` and `exec` drive every server over SSH (master.c). */
int master_up(struct session *);
int master_down(struct session *);
int master_status(struct session *);
int master_check(struct session *);
int master_exec(struct session *, const char *node, char **argv);
int master_link(struct session *, const struct link_request *);

/* The dashboard's gathering (`serve` as master): one SSH session per
 * server for the probes, kept open from call to call.  master_gather_one()
 * runs `VERB --json` on server `server` over its session (connected first
 * if it has none, within the call's time limit and 10 s at most) and
 * waits for it: after lim->late_s seconds still running,
 * lim->late(lim->aux, server) is called once (from the calling thread;
 * the call goes on); after lim->timeout_s, or at once when
 * master_gather_stop() is called, it is interrupted (within about 6 s; a
 * session still connecting then is interrupted as soon as it connects,
 * its command never run) and the session dropped, to be connected anew
 * at the next call.  Returns 0 with *out the server's standard output, or
 * -1 with *out NULL and *why (malloc()ed) saying why not (not reachable,
 * did not answer in time, printed too much, lost its connection,
 * stopping); *cpu is the CPU seconds this process spent on the call.  Calls
 * for different servers may run at once from different threads (each server's
 * own calls one at a time): one server that hangs holds up only its caller. */
struct master_gather;
struct gather_limits {
    double late_s, timeout_s;
    size_t max_output; /* bytes of the reply taken at most (0: any); beyond,
                          the call is interrupted: "printed too much" */
    void (*late)(void *aux, size_t server);
    void *aux;
};
struct master_gather *master_gather_open(struct session *);
int master_gather_one(struct master_gather *, size_t server, const char *verb,
                      const struct gather_limits *, char **out, char **why,
                      double *cpu);
/* `exec ARGV...` on server `server` over its looking-glass session (a
 * second kept session, so that the looking glass does not wait for a
 * probe round), at most timeout_s seconds and `max` bytes of standard
 * output (beyond: interrupted, *why "printed too much"); the rest as
 * master_gather_one() ("did not answer in time" after timeout_s). */
int master_gather_exec(struct master_gather *, size_t server,
                       char *const *argv, double timeout_s, size_t max,
                       char **out, char **why);
/* Interrupts every running call; later calls fail at once. */
void master_gather_stop(struct master_gather *);
void master_gather_close(struct master_gather *);
int master_preflight(struct session *);
int master_access(struct session *);

/* This server's checks before `up` anywhere (`preflight`, run by the
 * master on every server): root, the plugins' needs, the underlay. */
int network_preflight(struct session *);

/* The access ports of this server's groups (port_base + AS): none may
 * have a listening TCP socket here (any address, IPv4 or IPv6) nor be
 * held by another network up here (its state record's "port" lines; the
 * network's own record does not count).  Each clash is an error naming
 * the file, the port, the AS, what holds it and the server; with `out`
 * (a server's preflight, for its master), the clashes go into *out (n in
 * *n_out) instead, and the master words them.  Also, first: that nft
 * takes the port forward's table (`nft -c`, as root; an error) and that
 * IPv4 forwarding is on (a warning).  Part of `preflight` and of
 * `up` before anything is built.  Returns an exit status: EXIT_FAILED
 * when a port is held or cannot be checked, or nft refuses the table. */
int network_check_ports(struct session *, struct wire_port **out,
                        size_t *n_out);

/* The matrix of `check` (struct check_hosts, wire.h): its hosts, from the
 * plan. */
void check_hosts_find(const struct mi_plan *, struct check_hosts *);
void check_hosts_free(struct check_hosts *);

/* `check`'s report, one server's or the master's merged one: with json, the
 * reply's encoding; else the matrix (cells[i * n + j]: whether host i
 * reached host j), the unreachable pairs and a summary line ending in
 * `note`.  Returns check's exit status (wire_check_ok()). */
int check_report(const struct mi_plan *, const struct check_hosts *,
                 const unsigned char *cells, const struct wire_check *,
                 bool json, const char *note);

/* One server's `status` as a table. */
void status_print(const struct wire_status *);

#endif
