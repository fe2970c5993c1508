/* The switch VLAN agent's life (network.h, vlan_agent.h): started by
 * `up` at the end of its access phase, stopped by `down`.
 *
 * The agent is fork()ed from `up` without exec: it serves the plan, the
 * access plan and the switch plugin `up` already has, so nothing is read
 * again (a topology file changed since could not make it serve another
 * plan than the network's).  That is sound only in a process of one
 * thread: at this point `up`'s worker pools have been joined
 * (workers_run() returns after pthread_join()), the runtimes' helper
 * threads (netns, docker) are joined in the call that made them, the
 * progress display has no thread, and the log's mutex is free outside a
 * log call.  libcurl (docker) could still own a resolver thread, so it is
 * not assumed: the agent is started only when /proc/self/task lists this
 * one thread (looked at again for ~100 ms: a thread just joined may still
 * be listed), and refused otherwise.  The child closes every descriptor
 * but its listeners, the readiness pipe and its log (the network's and
 * the run directory's locks included: only the parent holds them), and
 * never returns into `up`: it leaves with _exit(). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "access_files.h"
#include "backend.h"
#include "log.h"
#include "network.h"
#include "plan.h"
#include "state.h"
#include "util.h"
#include "vlan_agent.h"
#include "vlanreq.h"

#define READY_WAIT_MS 5000

struct switch_arg {
    const struct active_plugin *sw;
    const char *dir;
};

static int
agent_set(void *arg, const char *bridge, const char *port,
          const struct mi_port_vlan *v)
{
    const struct switch_arg *a = arg;
    return sw_set_port_vlan(a->sw, a->dir, bridge, port, v);
}

static int
agent_get(void *arg, const char *bridge, char **text)
{
    const struct switch_arg *a = arg;
    const char *bridges[] = {bridge};
    return sw_get_vlans(a->sw, a->dir, bridges, 1, text);
}

/* How many threads this process has (/proc/self/task), 0 if unknown. */
static size_t
threads_now(void)
{
    DIR *d = opendir("/proc/self/task");
    size_t n = 0;

    for (struct dirent *e; d && (e = readdir(d));) {
        n += e->d_name[0] != '.';
    }
    if (d) {
        closedir(d);
    }
    return n;
}

/* threads_now(), looked at again for up to ~100 ms while it is not 1: a
 * thread just joined may still be listed for a moment. */
static size_t
threads(void)
{
    size_t n = threads_now();

    for (int i = 0; i < 10 && n != 1; i++) {
        usleep(10 * 1000);
        n = threads_now();
    }
    return n;
}

/* In the child: every descriptor closed but 0-2 and keep[0..n). */
static void
close_others(const int *keep, size_t n)
{
    DIR *d = opendir("/proc/self/fd");
    int dfd = d ? dirfd(d) : -1;
    int *close_these = NULL;
    size_t n_close = 0, cap = 0;

    for (struct dirent *e; d && (e = readdir(d));) {
        int fd = atoi(e->d_name);
        bool kept = e->d_name[0] == '.' || fd <= 2 || fd == dfd;
        for (size_t i = 0; i < n && !kept; i++) {
            kept = keep[i] == fd;
        }
        if (!kept) {
            close_these =
                xgrow(close_these, &cap, n_close + 1, sizeof *close_these);
            close_these[n_close++] = fd;
        }
    }
    if (d) {
        closedir(d);
    }
    for (size_t i = 0; i < n_close; i++) {
        close(close_these[i]);
    }
    free(close_these);
}

static void
child(const struct vlan_agent *a, const char *dir, const char *log_path,
      int log_fd, int ready)
{
    /* The readiness pipe and every listener (allocated here: the child
     * has one thread). */
    int *keep = xcalloc(a->n_listeners + 1, sizeof *keep);
    size_t n = 0;

    setsid();
    /* Its command line stays `up`'s (no exec); its name says what it is
     * (ps -o comm, top). */
    prctl(PR_SET_NAME, "mi-vlan-agent", 0, 0, 0);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0 || dup2(log_fd, 1) < 0 ||
        dup2(log_fd, 2) < 0) {
        _exit(1);
    }
    keep[n++] = ready;
    for (size_t i = 0; i < a->n_listeners; i++) {
        keep[n++] = a->listeners[i].fd;
    }
    close_others(keep, n);
    free(keep);
    struct vlan_agent served = *a;
    served.log_fd = STDOUT_FILENO;
    served.log_path = log_path;
    if (vlan_agent_pidfile_write(dir) ||
        vlan_agent_groups_write(dir, a->listeners, a->n_listeners)) {
        _exit(1);
    }
    if (write(ready, "ready\n", 6) != 6) {
        _exit(1);
    }
    close(ready);
    _exit(vlan_agent_serve(&served) ? 1 : 0);
}

/* Forks the agent and waits for it to say it is ready.  0, or -EIO after
 * saying why. */
static int
start(const struct vlan_agent *a, const char *dir)
{
    char *log_path = xasprintf("%s/%s", dir, VLAN_AGENT_LOG);
    int pipefd[2] = {-1, -1};
    int error = 0;

    int log_fd =
        open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
             0600);
    if (log_fd < 0 || pipe2(pipefd, O_CLOEXEC)) {
        log_error("switch VLAN agent: %s: %s", log_fd < 0 ? log_path : "pipe",
                  strerror(errno));
        error = -EIO;
    }
    pid_t pid = error ? -1 : fork();
    if (!error && pid == 0) {
        close(pipefd[0]);
        child(a, dir, log_path, log_fd, pipefd[1]);
    }
    if (!error && pid < 0) {
        log_error("switch VLAN agent: fork: %s", strerror(errno));
        error = -EIO;
    }
    if (pipefd[1] >= 0) {
        close(pipefd[1]);
    }
    if (!error) {
        char buf[8] = "";
        struct pollfd p = {.fd = pipefd[0], .events = POLLIN};
        ssize_t got = poll(&p, 1, READY_WAIT_MS) == 1
                          ? read(pipefd[0], buf, sizeof buf - 1)
                          : -1;
        if (got != 6 || memcmp(buf, "ready\n", 6) != 0) {
            log_error("switch VLAN agent (pid %ld) did not start within "
                      "%d s; see %s",
                      (long)pid, READY_WAIT_MS / 1000, log_path);
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            error = -EIO;
        } else {
            log_info("switch VLAN agent: pid %ld, %zu group%s, log %s",
                     (long)pid, a->n_listeners, util_plural(a->n_listeners),
                     log_path);
        }
    }
    if (pipefd[0] >= 0) {
        close(pipefd[0]);
    }
    if (log_fd >= 0) {
        close(log_fd);
    }
    free(log_path);
    return error;
}

int
network_vlan_start(struct session *s, const struct state *rec)
{
    const struct access_plan *ap = plan_access(s->plan);
    const struct mi_plan *p = plan_view(s->plan);
    const struct active_plugin *rt = session_plugin(s, MI_PLUGIN_RUNTIME);
    const struct active_plugin *sw = session_plugin(s, MI_PLUGIN_SWITCH);
    size_t n = 0;

    /* One at a time: a running one of this network goes first, also
     * when none is to run any more. */
    if (vlan_agent_stop(rec->dir) < 0) {
        log_error("network %s: its switch VLAN agent could not be stopped "
                  "(above)",
                  p->name);
        return -EIO;
    }
    for (size_t i = 0; ap && i < ap->n_groups; i++) {
        n += ap->groups[i].server == s->server &&
             vlanreq_group_has_switch(&ap->groups[i]);
    }
    if (!n) {
        return 0;
    }
    if (!backend_has(sw, SW_SET_PORT_VLAN)) {
        log_warn("students cannot set their switches' VLANs: switch plugin "
                 "%s has no set_port_vlan (ABI 4.13); `goto` on a switch "
                 "will say the agent does not answer",
                 sw ? sw->name : "(none)");
        return 0;
    }
    struct vlan_agent_where *w = xcalloc(n + 1, sizeof *w);
    char(*netns)[4096] = xcalloc(n + 1, sizeof *netns);
    size_t n_w = 0;
    for (size_t i = 0; i < ap->n_groups; i++) {
        const struct access_group *g = &ap->groups[i];
        if (g->server != s->server || !vlanreq_group_has_switch(g)) {
            continue;
        }
        bool found = !rt_netns_path(rt, g->proxy, netns[n_w], sizeof *netns);
        w[n_w] = (struct vlan_agent_where){found ? netns[n_w] : NULL, g->proxy,
                                           g->asn};
        n_w++;
    }
    struct vlan_agent_listener *l = xcalloc(n + 1, sizeof *l);
    /* A group whose listener cannot be made (a student's process holds
     * the port in its proxy) is warned about and left out: the others
     * are served. */
    size_t n_l = vlan_agent_listen_all(w, n_w, l);
    free(w);
    free(netns);
    if (!n_l) {
        log_warn("network %s: no switch VLAN agent runs: it could listen in "
                 "none of the proxies (above)",
                 p->name);
        free(l);
        return 0;
    }
    char *switch_dir = state_switch_dir(rec);
    struct switch_arg arg = {sw, switch_dir};
    struct vlan_agent a = {.p = p,
                           .ap = ap,
                           .network = p->name,
                           .set = agent_set,
                           .get = agent_get,
                           .arg = &arg,
                           .listeners = l,
                           .n_listeners = n_l,
                           .log_fd = -1};
    int error = 0;
    /* Just before the fork: the listeners' threads are joined too. */
    size_t n_threads = threads();
    if (n_threads != 1) {
        log_error("switch VLAN agent not started: `up` runs %zu threads "
                  "here, and the agent is forked only from one (a bug: "
                  "please report it)",
                  n_threads);
        error = -EIO;
    } else {
        error = start(&a, rec->dir);
    }
    free(switch_dir);
    for (size_t i = 0; i < n_l; i++) {
        close(l[i].fd);
    }
    free(l);
    if (error) {
        log_error("network %s: students cannot set their switches' VLANs: "
                  "the switch VLAN agent did not start (above)",
                  p->name);
    }
    return error;
}

int
network_vlan_stop(const struct state *rec)
{
    return vlan_agent_stop(rec->dir);
}
