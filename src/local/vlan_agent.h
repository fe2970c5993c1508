/* The switch VLAN agent's server (doc/access.md, "Your switches"): the
 * listening sockets on 127.0.0.1:ACCESS_VLAN_PORT inside the proxies of
 * this server's groups that have switches, and the loop that serves
 * them.  The group is the listener's: a request names only its own
 * group's switches (vlanreq.h judges it).  network_vlan.c starts and
 * stops the process that runs it (`up`, `down`); tests/check_vlan_agent.c
 * runs the loop with a fake switch.
 *
 * One request per connection: one line, then the reply, then the agent
 * closes.  The loop is single-threaded (poll): at most
 * VLAN_AGENT_PER_GROUP connections of a group at once (one more is
 * answered "error: busy" and closed), each given VLAN_AGENT_DEADLINE_S
 * from its accept to its last reply byte, its request at most
 * VLANREQ_MAX bytes and a newline, its reply at most VLAN_AGENT_REPLY_MAX
 * bytes, written without blocking (a client that does not read is
 * dropped at its deadline).  Changes are limited (token buckets,
 * vlan_buckets_take()): VLAN_AGENT_GROUP_RATE a second per group (a burst
 * of VLAN_AGENT_GROUP_BURST) and VLAN_AGENT_ALL_RATE a second over all
 * groups (VLAN_AGENT_ALL_BURST), beyond which a change is refused, "error:
 * too many changes ...", so that the lock is free nearly always.  A change
 * is applied under the network's
 * operation lock, taken without waiting (state_try_lock_network()): held
 * by `up`, `down`, `save`, ... the request is refused, "error: miniinet
 * is busy (VERB, pid N); try again".  Every change and every refusal is
 * logged, with the AS, a line each, the request's bytes escaped and cut
 * (vlanreq_escape()); refusals (of a request, a connection, a change:
 * busy, too many) at most VLAN_AGENT_LOG_REFUSALS a minute per group, then
 * one line "AS N: M more refusals not logged".  Past VLAN_AGENT_LOG_MAX
 * bytes the log is renamed to VLAN_AGENT_LOG ".1" (one old file kept) and
 * a new one begun. */
#ifndef MINIINET_VLAN_AGENT_H
#define MINIINET_VLAN_AGENT_H 1

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include <miniinet/plugin.h>

#include "access.h"

#define VLAN_AGENT_PER_GROUP 4
#define VLAN_AGENT_DEADLINE_S 5
#define VLAN_AGENT_REPLY_MAX 65536
#define VLAN_AGENT_LOG_MAX (1024L * 1024)
#define VLAN_AGENT_LOG_REFUSALS 10
#define VLAN_AGENT_GROUP_RATE 1.0
#define VLAN_AGENT_GROUP_BURST 4.0
#define VLAN_AGENT_ALL_RATE 4.0
#define VLAN_AGENT_ALL_BURST 8.0

/* A token bucket: `tokens` as of `at` (seconds, monotonic); full when
 * first used. */
struct vlan_bucket {
    double tokens, at;
    bool started;
};

/* Whether a change may be made at `now`: both buckets are filled for the
 * time since they were last used (a group's at VLAN_AGENT_GROUP_RATE a
 * second, up to VLAN_AGENT_GROUP_BURST; all groups' at
 * VLAN_AGENT_ALL_RATE, up to VLAN_AGENT_ALL_BURST), and when each holds a
 * token, one is taken from each: true.  Else nothing is taken: false. */
bool vlan_buckets_take(struct vlan_bucket *group, struct vlan_bucket *all,
                       double now);

struct vlan_agent_listener {
    int fd;       /* listening, non-blocking */
    unsigned asn; /* the group whose proxy it is in */
};

struct vlan_agent {
    const struct mi_plan *p;
    const struct access_plan *ap;
    const char *network; /* whose operation lock a change takes */
    /* The switch: a port set (0 or a negative errno, reported), a
     * bridge's VLAN settings as text (malloc()ed in *text). */
    int (*set)(void *arg, const char *bridge, const char *port,
               const struct mi_port_vlan *v);
    int (*get)(void *arg, const char *bridge, char **text);
    void *arg;
    const struct vlan_agent_listener *listeners;
    size_t n_listeners;
    int log_fd;           /* the agent's log (O_APPEND) */
    const char *log_path; /* its path, for its rotation (NULL: none) */
};

/* A listening TCP socket on 127.0.0.1:ACCESS_VLAN_PORT (non-blocking,
 * close-on-exec) made inside network namespace `netns` (its path;
 * netlink_in_netns(): the caller's own namespace is never changed), for
 * proxy `proxy` (named in messages).  Returns it, or a negative errno
 * (reported only when the namespace cannot be entered). */
int vlan_agent_listen(const char *netns, const char *proxy);

/* Where a group's listener goes: its proxy's namespace (NULL: it could
 * not be found), the proxy, the group. */
struct vlan_agent_where {
    const char *netns;
    const char *proxy;
    unsigned asn;
};

/* vlan_agent_listen() for each of w[0..n), into l (room for n): a
 * listener that cannot be made (something in the proxy holds the port,
 * say) is left out after a warning naming the proxy, the reason and the
 * group; the others are made.  Returns how many are in l. */
size_t vlan_agent_listen_all(const struct vlan_agent_where *w, size_t n,
                             struct vlan_agent_listener *l);

/* Serves until SIGTERM (its handler installed here; SIGTERM blocked but
 * in poll), then closes the connections (not the listeners).  SIGPIPE
 * ignored.  Returns 0, or a negative errno when poll itself fails. */
int vlan_agent_serve(const struct vlan_agent *);

/* The agent's files in a network's run directory `dir`: its pid file
 * "PID STARTTIME\n" (STARTTIME: field 22 of /proc/PID/stat, so that a pid
 * used again by another process is never taken for the agent), root's,
 * 0600, and its log (vlan_agent.h above). */
#define VLAN_AGENT_PIDFILE "vlan-agent.pid"
#define VLAN_AGENT_LOG "vlan-agent.log"

/* Writes this process's pid file into `dir` (temporary name, rename),
 * having blocked SIGTERM first: one sent as soon as the file names the
 * process waits for vlan_agent_serve(), which then stops on it.  0 or a
 * negative errno, reported. */
int vlan_agent_pidfile_write(const char *dir);

/* The ASes whose proxies the agent listens in, one number a line, in
 * `dir`'s VLAN_AGENT_GROUPS (root's, 0600; temporary name, rename),
 * written by the agent with its pid file: a group left out (its port
 * taken in its proxy when the agent started) is not in it, which
 * `status` says (damage.c).  0 or a negative errno, reported. */
#define VLAN_AGENT_GROUPS "vlan-agent.groups"
int vlan_agent_groups_write(const char *dir,
                            const struct vlan_agent_listener *l, size_t n);

/* Whether the agent of `dir` listens for AS `asn`, by that file: 1, 0, or
 * -ENOENT without the file (an agent of none, or not started), another
 * negative errno (logged) when it cannot be read as one. */
int vlan_agent_serves(const char *dir, unsigned asn);

/* Whether the agent of `dir` runs: its pid file names a process with that
 * start time and has not ended (a zombie is not running).  1, 0 (no pid
 * file, no such process, another process of that pid, a zombie), or a negative
 * errno (logged) when the pid file cannot be read as one. */
int vlan_agent_running(const char *dir);

/* Stops the agent of `dir` if it runs (SIGTERM through a pidfd opened
 * before its start time is compared: never another process; SIGKILL
 * after 3 s; bounded), and removes its pid and groups files.  0, or a negative
 * errno, reported, when it could not be stopped. */
int vlan_agent_stop(const char *dir);
#endif
