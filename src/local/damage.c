/* Damage of a network that is up on this server (damage.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access_files.h"
#include "damage.h"
#include "host.h"
#include "log.h"
#include "util.h"
#include "vlan_agent.h"
#include "vlanreq.h"

/* How much of `nft list tables` is read: a table a line. */
#define NFT_TABLES_MAX 65536

void
damage_look_node(const struct active_plugin *rt, const struct state *st,
                 const char *name, const char *const *daemons, bool sshd,
                 struct damage_node_seen *seen)
{
    char path[4096];

    int exists = rt_node_exists(rt, name);

    seen->looked = exists >= 0; /* < 0: reported, unknown */
    seen->exists = exists == 1;
    /* A node without a network namespace (a stopped container) is as
     * good as missing. */
    if (seen->exists && rt_netns_path(rt, name, path, sizeof path)) {
        seen->exists = false;
    }
    if (!seen->exists) {
        return;
    }
    if (netlink_list_interfaces(path, &seen->ifs, &seen->n_ifs)) {
        free(seen->ifs);
        seen->ifs = NULL;
        seen->n_ifs = 0;
    } else {
        seen->listed = true;
    }
    /* Not when its namespace could not be entered and listed: said
     * once, by the listing (review R38, nit). */
    if (sshd && seen->listed) {
        int runs = damage_sshd_runs(path);
        seen->sshd_looked = runs >= 0;
        seen->sshd_runs = runs == 1;
    }
    if (daemons && daemons[0]) {
        char *dir = state_node_dir(st, name);
        rt_frr_dead(name, dir, daemons, seen->dead, sizeof seen->dead);
        free(dir);
    }
}

int
damage_sshd_runs(const char *netns)
{
    return netlink_tcp_listens(netns, ACCESS_SSH_PORT);
}

void
damage_look_access(const struct mi_plan *p, const struct access_plan *ap,
                   unsigned server, struct damage_seen *seen)
{
    const char *argv[] = {"nft", "list", "tables", NULL};
    bool here = false, truncated = false;
    char *out = NULL;

    for (size_t i = 0; ap && i < ap->n_groups; i++) {
        here |= ap->groups[i].server == server;
    }
    if (!here) {
        return;
    }
    int status = host_run_bounded(argv, &out, NFT_TABLES_MAX, &truncated);
    if (status == 0 && !truncated) {
        seen->forward_looked = true;
        seen->forward_loaded = access_nft_table_listed(out, "inet", p->name);
        seen->forward_older = access_nft_table_listed(out, "ip", p->name);
    } else {
        log_warn("access: `nft list tables` %s: the port forward of "
                 "network %s not looked at",
                 truncated ? "printed too much" : "failed", p->name);
    }
    free(out);
}

void
damage_look_vlan(const struct active_plugin *rt,
                 const struct active_plugin *sw, const struct state *st,
                 const struct mi_plan *p, const struct access_plan *ap,
                 unsigned server, struct damage_seen *seen)
{
    char netns[4096];

    seen->vlan_agent_runs = -1;
    for (size_t i = 0; ap && i < ap->n_groups; i++) {
        seen->vlan_expected |= ap->groups[i].server == server &&
                               vlanreq_group_has_switch(&ap->groups[i]);
    }
    seen->vlan_expected &= backend_has(sw, SW_SET_PORT_VLAN);
    if (!seen->vlan_expected || !ap) {
        return;
    }
    int runs = vlan_agent_running(st->dir);
    seen->vlan_agent_runs = runs < 0 ? -1 : runs;
    seen->vlan_silent = xcalloc(ap->n_groups + 1, sizeof *seen->vlan_silent);
    seen->vlan_left_out =
        xcalloc(ap->n_groups + 1, sizeof *seen->vlan_left_out);
    for (size_t i = 0; i < ap->n_groups; i++) {
        const struct access_group *g = &ap->groups[i];
        const struct damage_node_seen *n =
            g->node >= 0 ? &seen->nodes[g->node] : NULL;
        seen->vlan_silent[i] = -1;
        seen->vlan_left_out[i] = -1;
        if (runs == 1 && g->server == server && vlanreq_group_has_switch(g)) {
            int serves = vlan_agent_serves(st->dir, g->asn);
            seen->vlan_left_out[i] = serves < 0 ? -1 : !serves;
        }
        if (g->server != server || !vlanreq_group_has_switch(g) || !n ||
            !n->looked || !n->exists ||
            rt_netns_path(rt, g->proxy, netns, sizeof netns)) {
            continue;
        }
        int listens = netlink_tcp_listens(netns, ACCESS_VLAN_PORT);
        seen->vlan_silent[i] = listens < 0 ? -1 : !listens;
    }
}

void
damage_look_root(const struct active_plugin *sw, const char *switch_dir,
                 const struct mi_plan *p, unsigned server,
                 struct damage_seen *seen)
{
    seen->root_looked =
        netlink_list_interfaces(NULL, &seen->root, &seen->n_root) == 0;
    if (!sw || !p->n_bridges) {
        return;
    }
    sw_dead_daemons(sw, switch_dir, seen->switch_dead,
                    sizeof seen->switch_dead);
    /* This server's bridges, asked about at once (one question to the
     * switch, not one per bridge: hundreds in a class). */
    const char **names = xcalloc(p->n_bridges + 1, sizeof *names);
    size_t *index = xcalloc(p->n_bridges + 1, sizeof *index);
    bool *exists = xcalloc(p->n_bridges + 1, sizeof *exists);
    size_t n = 0;
    for (size_t b = 0; b < p->n_bridges; b++) {
        if (p->bridges[b].server == server) {
            index[n] = b;
            names[n++] = p->bridges[b].name;
        }
    }
    seen->bridge_missing = xcalloc(p->n_bridges + 1, sizeof(bool));
    if (sw_bridges_exist(sw, switch_dir, names, n, exists) == 0) {
        for (size_t k = 0; k < n; k++) {
            seen->bridge_missing[index[k]] = !exists[k];
        }
    } /* else unknown (reported): none judged missing */
    free(names);
    free(index);
    free(exists);
}

void
damage_seen_init(struct damage_seen *seen, const struct mi_plan *p)
{
    memset(seen, 0, sizeof *seen);
    seen->nodes = xcalloc(p->n_nodes + 1, sizeof *seen->nodes);
}

void
damage_seen_free(struct damage_seen *seen, const struct mi_plan *p)
{
    for (size_t i = 0; seen->nodes && i < p->n_nodes; i++) {
        free(seen->nodes[i].ifs);
    }
    free(seen->nodes);
    free(seen->root);
    free(seen->bridge_missing);
    free(seen->vlan_silent);
    free(seen->vlan_left_out);
    memset(seen, 0, sizeof *seen);
}

static bool
has_if(const struct if_status *ifs, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(ifs[i].name, name)) {
            return true;
        }
    }
    return false;
}

struct found {
    struct damage *d;
    size_t n;
};

static void
add(struct found *f, enum damage_kind kind, size_t index, bool by_node,
    char *what)
{
    f->d = xrealloc(f->d, (f->n + 1) * sizeof *f->d);
    f->d[f->n++] = (struct damage){kind, index, by_node, what};
}

/* Appends `part` to the list of what a link misses. */
static void
missing(char **parts, const char *part)
{
    char *joined = *parts ? xasprintf("%s, %s", *parts, part) : xstrdup(part);
    free(*parts);
    *parts = joined;
}

/* "NODE:IF" or "BRIDGE:PORT" of end e; "(server S)" for an end elsewhere.
 */
static void
end_name(const struct mi_plan *p, const struct mi_link *l, int e,
         unsigned server, char *buf, size_t len)
{
    if (l->server[e] != server) {
        snprintf(buf, len, "(server %s)", p->servers[l->server[e]].name);
    } else if (l->end[e].node >= 0) {
        snprintf(buf, len, "%s:%s", p->nodes[l->end[e].node].name,
                 l->end[e].ifname);
    } else {
        snprintf(buf, len, "%s:%s", p->bridges[l->end[e].bridge].name,
                 l->peer[e]);
    }
}

/* What link `l` misses on `server` (NULL: nothing); *by_node when a node
 * of its ends is missing. */
static char *
link_missing(const struct mi_plan *p, const struct mi_link *l, unsigned server,
             const struct damage_seen *seen, bool *by_node)
{
    char *parts = NULL;
    char buf[128];

    *by_node = false;
    for (int e = 0; e < 2; e++) {
        if (l->server[e] != server) {
            continue;
        }
        const struct mi_endpoint *ep = &l->end[e];
        if (ep->node >= 0) {
            const struct damage_node_seen *n = &seen->nodes[ep->node];
            if (!n->looked) {
                continue;
            }
            if (!n->exists) {
                snprintf(buf, sizeof buf, "node %s missing",
                         p->nodes[ep->node].name);
                missing(&parts, buf);
                *by_node = true;
            } else if (n->listed && !has_if(n->ifs, n->n_ifs, ep->ifname)) {
                snprintf(buf, sizeof buf, "%s missing in %s", ep->ifname,
                         p->nodes[ep->node].name);
                missing(&parts, buf);
            }
        } else if (seen->root_looked && l->peer[e] &&
                   !has_if(seen->root, seen->n_root, l->peer[e])) {
            snprintf(buf, sizeof buf, "bridge port %s missing", l->peer[e]);
            missing(&parts, buf);
        }
        if (l->remote && !seen->tun_ends && seen->root_looked &&
            l->tunnel_port[e] &&
            !has_if(seen->root, seen->n_root, l->tunnel_port[e])) {
            snprintf(buf, sizeof buf, "tunnel port %s missing",
                     l->tunnel_port[e]);
            missing(&parts, buf);
        }
    }
    return parts;
}

/* Whether student access's sshd of a node that exists is seen dead. */
static bool
sshd_dead(const struct damage_node_seen *n)
{
    return n->looked && n->exists && n->sshd_looked && !n->sshd_runs;
}

/* The proxy's outside link of group `g`: what of it is missing (NULL:
 * nothing, or not known). */
static char *
outside_missing(const struct access_group *g, const struct damage_seen *seen)
{
    const struct damage_node_seen *n = &seen->nodes[g->node];
    char ifname[16], buf[128];
    char *parts = NULL;

    if (!n->looked || !n->exists) {
        return NULL; /* a missing proxy is damage of its own */
    }
    access_outside_ifname(ifname, sizeof ifname, g->asn);
    if (seen->root_looked && !has_if(seen->root, seen->n_root, ifname)) {
        snprintf(buf, sizeof buf, "%s missing on the server", ifname);
        missing(&parts, buf);
    }
    if (n->listed && !has_if(n->ifs, n->n_ifs, ACCESS_OUTSIDE_PEER)) {
        snprintf(buf, sizeof buf, "%s missing in %s", ACCESS_OUTSIDE_PEER,
                 g->proxy);
        missing(&parts, buf);
    }
    return parts;
}

/* Student access's damage on `server`, group by group (its proxy's and
 * devices' sshd, its outside link), then the port forward. */
static void
access_damage(const struct mi_plan *p, const struct access_plan *ap,
              unsigned server, const struct damage_seen *seen, struct found *f)
{
    char *ases = NULL;
    char buf[16];

    for (size_t i = 0; ap && i < ap->n_groups; i++) {
        const struct access_group *g = &ap->groups[i];
        if (g->server != server || g->node < 0) {
            continue;
        }
        if (sshd_dead(&seen->nodes[g->node])) {
            add(f, DAMAGE_SSHD, (size_t)g->node, false,
                xasprintf("%s: sshd not running (student access of AS %u; "
                          "`up` starts it)",
                          g->proxy, g->asn));
        }
        char *parts = outside_missing(g, seen);
        if (parts) {
            add(f, DAMAGE_OUTSIDE, (size_t)g->node, false,
                xasprintf("%s: outside link missing: %s (student access of "
                          "AS %u; `up` makes it again)",
                          g->proxy, parts, g->asn));
            free(parts);
        }
        int silent = seen->vlan_silent ? seen->vlan_silent[i] : -1;
        int left_out = seen->vlan_left_out ? seen->vlan_left_out[i] : -1;
        if (seen->vlan_expected && seen->vlan_agent_runs == 1 &&
            left_out == 1) {
            add(f, DAMAGE_VLAN, (size_t)g->node, false,
                xasprintf("%s: switch VLAN agent left it out: "
                          "127.0.0.1:" ACCESS_VLAN_PORT_STR " was taken in "
                          "the proxy when `up` started the agent (student "
                          "access of AS %u: its switches' VLANs; `up` tries "
                          "again)",
                          g->proxy, g->asn));
        } else if (seen->vlan_expected && silent >= 0 &&
                   (silent || seen->vlan_agent_runs == 0)) {
            add(f, DAMAGE_VLAN, (size_t)g->node, false,
                xasprintf(
                    "%s: switch VLAN agent %s (student access of AS "
                    "%u: its switches' VLANs; `up` starts it again)",
                    g->proxy,
                    seen->vlan_agent_runs == 0
                        ? "not running"
                        : "not listening on 127.0.0.1:" ACCESS_VLAN_PORT_STR,
                    g->asn));
        }
        for (size_t j = 0; j < g->n_devices; j++) {
            int node = g->devices[j].node;
            if (node >= 0 && sshd_dead(&seen->nodes[node])) {
                add(f, DAMAGE_SSHD, (size_t)node, false,
                    xasprintf("%s: sshd not running (student access of AS "
                              "%u, goto %s %s; `up` starts it)",
                              p->nodes[node].name, g->asn,
                              g->devices[j].location, g->devices[j].what));
            }
        }
        snprintf(buf, sizeof buf, "%u", g->asn);
        missing(&ases, buf);
    }
    if (ases && seen->forward_looked && !seen->forward_loaded) {
        char table[128];
        access_nft_table(table, sizeof table, p->name);
        if (seen->forward_older) {
            add(f, DAMAGE_FORWARD, 0, false,
                xasprintf("port forward of AS %s of an older miniinet "
                          "(nftables table ip %s; `up` replaces it)",
                          ases, table));
        } else {
            add(f, DAMAGE_FORWARD, 0, false,
                xasprintf("port forward of AS %s missing (nftables table "
                          "inet %s; `up` loads it again)",
                          ases, table));
        }
    }
    free(ases);
}

size_t
damage_find(const struct mi_plan *p, const struct access_plan *ap,
            unsigned server, const struct damage_seen *seen,
            struct damage **out)
{
    struct found f = {NULL, 0};

    for (size_t i = 0; i < p->n_nodes; i++) {
        const struct damage_node_seen *n = &seen->nodes[i];
        if (p->nodes[i].server != server || !n->looked) {
            continue;
        }
        if (!n->exists) {
            add(&f, DAMAGE_NODE, i, false,
                xasprintf("node %s is missing", p->nodes[i].name));
        } else if (n->dead[0]) {
            add(&f, DAMAGE_FRR, i, false,
                xasprintf("%s: FRR daemons dead: %s", p->nodes[i].name,
                          n->dead));
        }
    }
    for (size_t i = 0; i < p->n_links; i++) {
        const struct mi_link *l = &p->links[i];
        bool here = l->remote
                        ? l->server[0] == server || l->server[1] == server
                        : l->server[0] == server;
        bool by_node;
        char *parts = here ? link_missing(p, l, server, seen, &by_node) : NULL;
        if (parts) {
            char a[128], b[128];
            end_name(p, l, 0, server, a, sizeof a);
            end_name(p, l, 1, server, b, sizeof b);
            add(&f, DAMAGE_LINK, i, by_node,
                xasprintf("link %s - %s: %s", a, b, parts));
            free(parts);
        }
    }
    bool bridges_here = false;
    for (size_t b = 0; b < p->n_bridges; b++) {
        bridges_here |= p->bridges[b].server == server;
        if (seen->bridge_missing && seen->bridge_missing[b]) {
            add(&f, DAMAGE_BRIDGE, b, false,
                xasprintf("bridge %s is missing", p->bridges[b].name));
        }
    }
    if (bridges_here && seen->switch_dead[0]) {
        add(&f, DAMAGE_SWITCH, 0, false,
            xasprintf("switch daemons dead: %s", seen->switch_dead));
    }
    access_damage(p, ap, server, seen, &f);
    *out = f.d;
    return f.n;
}

void
damage_free(struct damage *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(d[i].what);
    }
    free(d);
}
