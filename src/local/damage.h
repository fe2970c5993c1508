/* Damage of a network that is up on this server: what the plan and the
 * state record say this server has and that is missing or dead.  The one
 * owner of "damaged", for `status` (which marks it) and `up` (which
 * repairs it).
 *
 * Two steps.  damage_look_node() gathers the evidence of one node: whether
 * the runtime has it, the names of the interfaces in its namespace (one
 * netlink dump), which of its FRR daemons do not answer on their vty
 * sockets; damage_look_root() the interfaces of the root namespace and
 * which bridges the switch lacks; with student access, whether a node's
 * sshd listens (damage_sshd_runs()) and whether the network's port
 * forward is loaded (damage_look_access()).  damage_find(), pure,
 * compares that evidence with the plan.  What a node shows is only
 * evidence of damage, never the authority on what to build: the plan and
 * the record say that. */
#ifndef MINIINET_DAMAGE_H
#define MINIINET_DAMAGE_H 1

#include <stdbool.h>
#include <stddef.h>

#include <miniinet/plugin.h>

#include "access.h"
#include "backend.h"
#include "netlink.h"
#include "state.h"

/* What exists of one node of this server. */
struct damage_node_seen {
    bool looked;           /* a node of this server whose runtime answered */
    bool exists;           /* the runtime has it, with a namespace */
    bool listed;           /* its interfaces were listed (else not judged) */
    struct if_status *ifs; /* interfaces of its namespace (malloc()ed) */
    size_t n_ifs;
    char dead[128];   /* FRR daemons that do not answer, "zebra bgpd"; "" */
    bool sshd_looked; /* student access's sshd looked for (else unknown) */
    bool sshd_runs;   /* ... and it runs (damage_sshd_runs()) */
};

/* What exists on this server. */
struct damage_seen {
    struct damage_node_seen *nodes; /* per plan node */
    struct if_status *root;         /* the root namespace's interfaces */
    size_t n_root;
    bool root_looked;
    bool *bridge_missing; /* per plan bridge; NULL: not looked at */
    char switch_dead[64]; /* the switch's daemons that died ("" none) */
    bool tun_ends;        /* the tunnel makes remote links' ends itself */
    bool forward_looked;  /* the port forward's table looked for */
    bool forward_loaded;  /* ... and it is loaded */
    bool forward_older;   /* an earlier miniinet's (family ip) is */
    /* The switch VLAN agent (damage_look_vlan()): whether it should run
     * here, whether its process runs (-1: unknown), and per access group
     * (NULL: not looked at) whether its proxy has no listener on
     * 127.0.0.1:ACCESS_VLAN_PORT (-1: unknown), and whether the running
     * agent left it out, its groups file (vlan_agent_serves()) not naming
     * it: the port was taken there when the agent started (-1: unknown;
     * NULL: not looked at). */
    bool vlan_expected;
    int vlan_agent_runs;
    int *vlan_silent;
    int *vlan_left_out;
};

enum damage_kind {
    DAMAGE_NODE,   /* a node (namespace, container) is missing */
    DAMAGE_FRR,    /* some of a router's FRR daemons are dead */
    DAMAGE_LINK,   /* an end of a link is missing */
    DAMAGE_BRIDGE, /* a bridge of the switch is missing */
    DAMAGE_SWITCH, /* a daemon of the switch (a private one) is dead */
    /* Student access, repaired by `up`'s access phase: */
    DAMAGE_SSHD,    /* a proxy's or device's sshd does not run */
    DAMAGE_OUTSIDE, /* a proxy's outside link is missing */
    DAMAGE_FORWARD, /* the network's port forward (nftables) is missing */
    DAMAGE_VLAN,    /* a group's switch VLAN agent does not listen */
};

struct damage {
    enum damage_kind kind;
    size_t index; /* plan node (NODE, FRR, SSHD; OUTSIDE: the proxy), link
                     (LINK), bridge (BRIDGE); 0 (SWITCH, FORWARD) */
    /* LINK: one of its ends' nodes is missing (repaired with the node). */
    bool by_node;
    char *what; /* one line, e.g. "link 3_MUNIrouter:port_LYON -
                   3_LYONrouter:port_MUNI: port_LYON missing in
                   3_MUNIrouter" (malloc()ed) */
};

/* Fills `seen` for plan node `node` of runtime `rt`, whose directory in
 * the record `st` is nodes/<name>: one netlink dump of its namespace, one
 * connection attempt per FRR daemon (`daemons`, NULL-terminated; empty for
 * a host), with `sshd` (a node where student access runs one,
 * access_sshd_group()) whether it runs (damage_sshd_runs()).  What cannot
 * be looked at (the runtime does not answer, the namespace cannot be
 * listed) is left unknown, never taken as missing: a repair would remake
 * what is there.  Thread-safe for different nodes. */
void damage_look_node(const struct active_plugin *rt, const struct state *st,
                      const char *name, const char *const *daemons, bool sshd,
                      struct damage_node_seen *seen);

/* Whether student access's sshd runs in the node whose network namespace
 * is `netns`: the one owner of that answer (`status`, and `up` healing
 * through it).  The kernel's word, a TCP socket
 * listening on ACCESS_SSH_PORT in that namespace (sock_diag, that port's
 * sockets only, filtered by the kernel: netlink_tcp_listens()), never a file
 * of the node (its pid file is the students' to change).  1, 0, or -errno
 * (logged): unknown. */
int damage_sshd_runs(const char *netns);

/* With student access (`ap`) and a group on `server`: whether the port
 * forward of network `p` is loaded, `nft list tables` of the server
 * (its own nft, output bounded; nothing of a node read).  A listing that
 * cannot be had leaves it unknown (reported). */
void damage_look_access(const struct mi_plan *p, const struct access_plan *ap,
                        unsigned server, struct damage_seen *);

/* With student access: whether the switch VLAN agent (vlan_agent.h) of
 * network record `st` should run here (a group on `server` has switches
 * and switch `sw` has set_port_vlan), whether its process runs (its pid
 * file and start time, vlan_agent_running()), and for each such group
 * whose proxy exists (runtime `rt`) whether a socket listens on
 * ACCESS_VLAN_PORT in the proxy's namespace, the kernel's word
 * (netlink_tcp_listens(), as for sshd).  Run after the nodes are looked
 * at. */
void damage_look_vlan(const struct active_plugin *rt,
                      const struct active_plugin *sw, const struct state *st,
                      const struct mi_plan *p, const struct access_plan *ap,
                      unsigned server, struct damage_seen *);

/* Fills the root namespace's interfaces and, with a switch, which of its
 * daemons died (a private one's, sw_dead_daemons()) and which of the
 * plan's bridges on `server` the switch lacks (switch directory
 * `switch_dir`). */
void damage_look_root(const struct active_plugin *sw, const char *switch_dir,
                      const struct mi_plan *, unsigned server,
                      struct damage_seen *);

/* A damage_seen for plan `p`, nothing looked at yet. */
void damage_seen_init(struct damage_seen *, const struct mi_plan *p);
void damage_seen_free(struct damage_seen *, const struct mi_plan *p);

/* Compares: every node of `server` that was looked at and is missing,
 * every router of it whose daemons are dead, every link with an end on
 * `server` one of whose parts there (the node's interface, the
 * root-namespace bridge port or tunnel port) is missing, every bridge
 * missing, the switch's dead daemons (when the plan has bridges on
 * `server`); with student access (`ap`, NULL: none), per group on
 * `server` every proxy or device there whose sshd does not run, the
 * proxy's outside link missing (either end), and the port forward
 * missing, and its switch VLAN agent not listening in the proxy (or not
 * running) where it should run.  Pure.  Returns how many, in *out
 * (malloc()ed, plan order: nodes and their FRR, then links, then bridges,
 * then the switch, then access by group: sshd, outside link, VLAN agent;
 * the forward last). */
size_t damage_find(const struct mi_plan *, const struct access_plan *ap,
                   unsigned server, const struct damage_seen *,
                   struct damage **out);
void damage_free(struct damage *, size_t n);

#endif
