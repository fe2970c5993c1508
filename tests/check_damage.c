/* Tests of the comparison of what exists with the plan (damage.c): from a
 * made-up "what exists" of configs/small.cfg, no root needed, and of
 * configs/course.cfg for student access's part (sshd, the proxies'
 * outside links, the port forward); and of how a
 * router's dead daemons are found (frrstart.c's rt_frr_dead()): never
 * through a symlink a node put in its FRR directory; and of what a failed
 * daemon's report quotes of its output and log (regular files only). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "access_files.h"
#include "backend.h"
#include "damage.h"
#include "plan.h"
#include "testutil.h"
#include "util.h"

static struct plan *plan;
static const struct mi_plan *p;
static struct damage_seen seen;
static struct damage *d;
static size_t n_d;

static void
add_if(struct if_status **ifs, size_t *n, const char *name)
{
    *ifs = xrealloc(*ifs, (*n + 1) * sizeof **ifs);
    memset(&(*ifs)[*n], 0, sizeof **ifs);
    snprintf((*ifs)[*n].name, sizeof(*ifs)[*n].name, "%s", name);
    (*n)++;
}

/* Everything of the plan is there: every node with lo and its links'
 * interfaces (and one a student made), every bridge port in the root
 * namespace, every bridge. */
static void
setup(void)
{
    plan = testutil_plan_file("configs/small.cfg");
    p = plan_view(plan);
    damage_seen_init(&seen, p);
    for (size_t i = 0; i < p->n_nodes; i++) {
        struct damage_node_seen *n = &seen.nodes[i];
        n->looked = n->exists = n->listed = true;
        add_if(&n->ifs, &n->n_ifs, "lo");
        add_if(&n->ifs, &n->n_ifs, "student0");
    }
    seen.root_looked = true;
    add_if(&seen.root, &seen.n_root, "eth0");
    for (size_t l = 0; l < p->n_links; l++) {
        for (int e = 0; e < 2; e++) {
            const struct mi_endpoint *ep = &p->links[l].end[e];
            if (ep->node >= 0) {
                struct damage_node_seen *n = &seen.nodes[ep->node];
                add_if(&n->ifs, &n->n_ifs, ep->ifname);
            } else {
                add_if(&seen.root, &seen.n_root, p->links[l].peer[e]);
            }
        }
    }
    seen.bridge_missing = xcalloc(p->n_bridges + 1, sizeof(bool));
    d = NULL;
    n_d = 0;
}

static void
teardown(void)
{
    damage_free(d, n_d);
    damage_seen_free(&seen, p);
    plan_free(plan);
}

static size_t
node_index(const char *name)
{
    for (size_t i = 0; i < p->n_nodes; i++) {
        if (!strcmp(p->nodes[i].name, name)) {
            return i;
        }
    }
    ck_abort_msg("no node %s", name);
    return 0;
}

/* Removes interface `name` from node `node`'s (or the root's) list. */
static void
remove_if(struct if_status *ifs, size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++) {
        if (!strcmp(ifs[i].name, name)) {
            memmove(&ifs[i], &ifs[i + 1], (*n - i - 1) * sizeof *ifs);
            (*n)--;
            return;
        }
    }
    ck_abort_msg("no interface %s", name);
}

static void
find(void)
{
    n_d = damage_find(p, NULL, 0, &seen, &d);
}

START_TEST(test_nothing_missing)
{
    find();
    ck_assert_uint_eq(n_d, 0);
    /* A node that was not looked at (another server's) says nothing. */
    struct damage_node_seen *n = &seen.nodes[node_index("3_LUGAhost")];
    free(n->ifs);
    *n = (struct damage_node_seen){0};
    find();
    ck_assert_uint_eq(n_d, 0);
}
END_TEST

START_TEST(test_link_missing)
{
    struct damage_node_seen *n = &seen.nodes[node_index("3_MUNIrouter")];

    remove_if(n->ifs, &n->n_ifs, "port_LYON");
    find();
    ck_assert_uint_eq(n_d, 1);
    ck_assert_int_eq(d[0].kind, DAMAGE_LINK);
    ck_assert(!d[0].by_node);
    ck_assert_str_eq(p->links[d[0].index].end[0].ifname, "port_LYON");
    ck_assert_str_eq(d[0].what, "link 3_MUNIrouter:port_LYON - "
                                "3_LYONrouter:port_MUNI: port_LYON missing "
                                "in 3_MUNIrouter");
    /* Both ends gone: one damage naming both. */
    n = &seen.nodes[node_index("3_LYONrouter")];
    remove_if(n->ifs, &n->n_ifs, "port_MUNI");
    damage_free(d, n_d);
    find();
    ck_assert_uint_eq(n_d, 1);
    ck_assert_str_eq(d[0].what,
                     "link 3_MUNIrouter:port_LYON - 3_LYONrouter:port_MUNI: "
                     "port_LYON missing in 3_MUNIrouter, port_MUNI missing "
                     "in 3_LYONrouter");
}
END_TEST

START_TEST(test_node_missing)
{
    size_t h = node_index("3_LUGAhost");

    seen.nodes[h].exists = false;
    find();
    /* The node, then its one link, marked as going with it. */
    ck_assert_uint_eq(n_d, 2);
    ck_assert_int_eq(d[0].kind, DAMAGE_NODE);
    ck_assert_uint_eq(d[0].index, h);
    ck_assert_str_eq(d[0].what, "node 3_LUGAhost is missing");
    ck_assert_int_eq(d[1].kind, DAMAGE_LINK);
    ck_assert(d[1].by_node);
    ck_assert_str_eq(d[1].what, "link 3_LUGArouter:host - "
                                "3_LUGAhost:LUGArouter: node 3_LUGAhost "
                                "missing");
}
END_TEST

START_TEST(test_frr_dead)
{
    size_t r = node_index("3_LUGArouter");

    snprintf(seen.nodes[r].dead, sizeof seen.nodes[r].dead, "zebra bgpd");
    find();
    ck_assert_uint_eq(n_d, 1);
    ck_assert_int_eq(d[0].kind, DAMAGE_FRR);
    ck_assert_uint_eq(d[0].index, r);
    ck_assert_str_eq(d[0].what, "3_LUGArouter: FRR daemons dead: zebra bgpd");
    /* A missing node is that, not dead daemons as well. */
    seen.nodes[r].exists = false;
    damage_free(d, n_d);
    find();
    ck_assert_int_eq(d[0].kind, DAMAGE_NODE);
    for (size_t i = 1; i < n_d; i++) {
        ck_assert_int_eq(d[i].kind, DAMAGE_LINK);
        ck_assert(d[i].by_node);
    }
}
END_TEST

START_TEST(test_bridge_port_and_bridge)
{
    remove_if(seen.root, &seen.n_root, "mi20b");
    seen.bridge_missing[1] = true;
    find();
    ck_assert_uint_eq(n_d, 2);
    ck_assert_int_eq(d[0].kind, DAMAGE_LINK);
    ck_assert_str_eq(d[0].what, "link 3_L2_DCN_FIFA_1:3-S1 - "
                                "3_L2_DCN_S1:mi20b: bridge port mi20b "
                                "missing");
    ck_assert_int_eq(d[1].kind, DAMAGE_BRIDGE);
    ck_assert_str_eq(d[1].what, "bridge 3_L2_DCN_S2 is missing");
    /* The root namespace not looked at: its ports are not judged. */
    seen.root_looked = false;
    damage_free(d, n_d);
    find();
    ck_assert_uint_eq(n_d, 1);
    ck_assert_int_eq(d[0].kind, DAMAGE_BRIDGE);
}
END_TEST

/* What a node shows is evidence, not authority: an interface renamed to
 * the name of another node's one is still missing where the plan puts
 * it, and extra interfaces mean nothing. */
START_TEST(test_evidence_only)
{
    struct damage_node_seen *n = &seen.nodes[node_index("3_LUGArouter")];

    remove_if(n->ifs, &n->n_ifs, "port_MUNI");
    add_if(&n->ifs, &n->n_ifs, "port_LUGA");
    add_if(&n->ifs, &n->n_ifs, "port_MUNI2");
    find();
    ck_assert_uint_eq(n_d, 1);
    ck_assert_str_eq(d[0].what, "link 3_LUGArouter:port_MUNI - "
                                "3_MUNIrouter:port_LUGA: port_MUNI missing "
                                "in 3_LUGArouter");
}
END_TEST

/* What could not be looked at is not judged: a node whose interfaces
 * could not be listed has no link missing. */
START_TEST(test_unknown_not_missing)
{
    struct damage_node_seen *n = &seen.nodes[node_index("3_MUNIrouter")];

    remove_if(n->ifs, &n->n_ifs, "port_LYON");
    n->listed = false;
    find();
    ck_assert_uint_eq(n_d, 0);
}
END_TEST

/* Another server's damage is not this server's. */
START_TEST(test_other_server)
{
    seen.nodes[node_index("3_LUGAhost")].exists = false;
    n_d = damage_find(p, NULL, 1, &seen, &d);
    ck_assert_uint_eq(n_d, 0);
}
END_TEST

/* A dead switch daemon (a private one) is damage, after the bridges; on a
 * server without bridges it is not this network's. */
START_TEST(test_switch_dead)
{
    snprintf(seen.switch_dead, sizeof seen.switch_dead, "ovs-vswitchd");
    seen.bridge_missing[1] = true;
    find();
    ck_assert_uint_eq(n_d, 2);
    ck_assert_int_eq(d[0].kind, DAMAGE_BRIDGE);
    ck_assert_int_eq(d[1].kind, DAMAGE_SWITCH);
    ck_assert_str_eq(d[1].what, "switch daemons dead: ovs-vswitchd");
    damage_free(d, n_d);
    seen.bridge_missing[1] = false;
    n_d = damage_find(p, NULL, 1, &seen, &d);
    ck_assert_uint_eq(n_d, 0);
}
END_TEST

/* A listening socket at `path` (a daemon that answers); its fd. */
static int
listen_at(const char *path)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_lt(snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path),
                     (int)sizeof sun.sun_path);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
    ck_assert_int_eq(listen(fd, 4), 0);
    return fd;
}

static char frr_base[sizeof "/tmp/mi-frrdead-XXXXXX"];

/* A new directory for each test: without fork (CK_FORK=no, as under
 * valgrind) the tests share frr_base, and mkdtemp() needs its XXXXXX. */
static void
frr_setup(void)
{
    memcpy(frr_base, "/tmp/mi-frrdead-XXXXXX", sizeof frr_base);
    ck_assert_ptr_nonnull(mkdtemp(frr_base));
}

/* ------------------------------------------------------------------------ */
/* Student access (configs/course.cfg: groups of AS 3 and 4, one server)   */

static const struct access_plan *ap;

/* course.cfg's whole network, as setup() makes small.cfg's, with
 * everything of student access there: every proxy's and device's
 * sshd runs, each proxy's outside link has both ends, the forward is
 * loaded. */
static void
access_setup(void)
{
    plan = testutil_plan_file("configs/course.cfg");
    p = plan_view(plan);
    ap = plan_access(plan);
    ck_assert_ptr_nonnull(ap);
    damage_seen_init(&seen, p);
    for (size_t i = 0; i < p->n_nodes; i++) {
        struct damage_node_seen *n = &seen.nodes[i];
        n->looked = n->exists = n->listed = true;
        add_if(&n->ifs, &n->n_ifs, "lo");
        n->sshd_looked = access_sshd_group(ap, i) != NULL;
        n->sshd_runs = n->sshd_looked;
    }
    seen.root_looked = true;
    for (size_t l = 0; l < p->n_links; l++) {
        for (int e = 0; e < 2; e++) {
            const struct mi_endpoint *ep = &p->links[l].end[e];
            if (ep->node >= 0) {
                struct damage_node_seen *n = &seen.nodes[ep->node];
                add_if(&n->ifs, &n->n_ifs, ep->ifname);
            } else {
                add_if(&seen.root, &seen.n_root, p->links[l].peer[e]);
            }
        }
    }
    for (size_t g = 0; g < ap->n_groups; g++) {
        char ifname[16];
        access_outside_ifname(ifname, sizeof ifname, ap->groups[g].asn);
        add_if(&seen.root, &seen.n_root, ifname);
        struct damage_node_seen *n = &seen.nodes[ap->groups[g].node];
        add_if(&n->ifs, &n->n_ifs, ACCESS_OUTSIDE_PEER);
    }
    seen.bridge_missing = xcalloc(p->n_bridges + 1, sizeof(bool));
    seen.forward_looked = seen.forward_loaded = true;
    /* The switch VLAN agent runs and listens in AS 3's proxy (AS 4 has no
     * switch: not looked at, as damage_look_vlan() leaves it). */
    seen.vlan_expected = true;
    seen.vlan_agent_runs = 1;
    seen.vlan_silent = xcalloc(ap->n_groups + 1, sizeof *seen.vlan_silent);
    for (size_t g = 0; g < ap->n_groups; g++) {
        seen.vlan_silent[g] = ap->groups[g].asn == 3 ? 0 : -1;
    }
    d = NULL;
    n_d = 0;
}

static void
find_access(void)
{
    damage_free(d, n_d);
    n_d = damage_find(p, ap, 0, &seen, &d);
}

START_TEST(test_access_whole)
{
    find_access();
    ck_assert_uint_eq(n_d, 0);
    /* Which nodes run an sshd: proxies and devices with a shell. */
    ck_assert_ptr_eq(access_sshd_group(ap, node_index("3_ssh")),
                     access_plan_group(ap, 3));
    ck_assert_ptr_eq(access_sshd_group(ap, node_index("4_MILAhost")),
                     access_plan_group(ap, 4));
    ck_assert_ptr_eq(access_sshd_group(ap, node_index("3_L2_DCN_FIFA_1")),
                     access_plan_group(ap, 3));
    ck_assert_ptr_null(access_sshd_group(ap, node_index("80_IXP")));
    ck_assert_ptr_null(access_sshd_group(NULL, node_index("3_ssh")));
}
END_TEST

/* The index of AS `asn`'s group. */
static size_t
group_index(unsigned asn)
{
    const struct access_group *g = access_plan_group(ap, asn);
    ck_assert_ptr_nonnull(g);
    return (size_t)(g - ap->groups);
}

START_TEST(test_vlan_agent)
{
    /* Its proxy has no listener on 127.0.0.1:1000. */
    seen.vlan_silent[group_index(3)] = 1;
    find_access();
    ck_assert_uint_eq(n_d, 1);
    ck_assert_int_eq(d[0].kind, DAMAGE_VLAN);
    ck_assert_uint_eq(d[0].index, node_index("3_ssh"));
    ck_assert_str_eq(d[0].what,
                     "3_ssh: switch VLAN agent not listening on "
                     "127.0.0.1:1000 (student access of AS 3: its switches' "
                     "VLANs; `up` starts it again)");
    /* A listener, and no agent process (a student's own listener). */
    seen.vlan_silent[group_index(3)] = 0;
    seen.vlan_agent_runs = 0;
    find_access();
    ck_assert_uint_eq(n_d, 1);
    ck_assert_str_eq(d[0].what,
                     "3_ssh: switch VLAN agent not running (student access "
                     "of AS 3: its switches' VLANs; `up` starts it again)");
    /* The agent runs, a listener is there, and the agent's groups do not
     * name AS 3: left out (its port was taken when the agent started). */
    seen.vlan_agent_runs = 1;
    seen.vlan_left_out = xcalloc(ap->n_groups + 1, sizeof *seen.vlan_left_out);
    for (size_t g = 0; g < ap->n_groups; g++) {
        seen.vlan_left_out[g] = -1;
    }
    seen.vlan_left_out[group_index(3)] = 1;
    find_access();
    ck_assert_uint_eq(n_d, 1);
    ck_assert_int_eq(d[0].kind, DAMAGE_VLAN);
    ck_assert_str_eq(d[0].what,
                     "3_ssh: switch VLAN agent left it out: 127.0.0.1:1000 "
                     "was taken in the proxy when `up` started the agent "
                     "(student access of AS 3: its switches' VLANs; `up` "
                     "tries again)");
    /* Served, or not known: no damage from the groups. */
    seen.vlan_left_out[group_index(3)] = 0;
    find_access();
    ck_assert_uint_eq(n_d, 0);
    seen.vlan_left_out[group_index(3)] = -1;
    find_access();
    ck_assert_uint_eq(n_d, 0);
    /* The proxy's sockets not listed: unknown, not damage. */
    seen.vlan_silent[group_index(3)] = -1;
    find_access();
    ck_assert_uint_eq(n_d, 0);
    /* Not to run (the switch has no set_port_vlan): nothing judged. */
    seen.vlan_silent[group_index(3)] = 1;
    seen.vlan_expected = false;
    find_access();
    ck_assert_uint_eq(n_d, 0);
    /* Its process unknown, its listener there: fine. */
    seen.vlan_expected = true;
    seen.vlan_silent[group_index(3)] = 0;
    seen.vlan_agent_runs = -1;
    find_access();
    ck_assert_uint_eq(n_d, 0);
    /* Order: the proxy's sshd, then its VLAN agent. */
    seen.vlan_silent[group_index(3)] = 1;
    seen.nodes[node_index("3_ssh")].sshd_runs = false;
    find_access();
    ck_assert_uint_eq(n_d, 2);
    ck_assert_int_eq(d[0].kind, DAMAGE_SSHD);
    ck_assert_int_eq(d[1].kind, DAMAGE_VLAN);
}
END_TEST

START_TEST(test_sshd_dead)
{
    seen.nodes[node_index("3_LUGAhost")].sshd_runs = false;
    seen.nodes[node_index("4_ssh")].sshd_runs = false;
    find_access();
    ck_assert_uint_eq(n_d, 2);
    ck_assert_int_eq(d[0].kind, DAMAGE_SSHD);
    ck_assert_uint_eq(d[0].index, node_index("3_LUGAhost"));
    ck_assert_str_eq(d[0].what,
                     "3_LUGAhost: sshd not running (student access of AS 3, "
                     "goto LUGA host; `up` starts it)");
    ck_assert_int_eq(d[1].kind, DAMAGE_SSHD);
    ck_assert_uint_eq(d[1].index, node_index("4_ssh"));
    ck_assert_str_eq(d[1].what, "4_ssh: sshd not running (student access of "
                                "AS 4; `up` starts it)");
    /* A plan without access judges no sshd. */
    damage_free(d, n_d);
    n_d = damage_find(p, NULL, 0, &seen, &d);
    ck_assert_uint_eq(n_d, 0);
    /* Not looked at (the namespace's sockets could not be listed):
     * unknown, not dead. */
    seen.nodes[node_index("3_LUGAhost")].sshd_looked = false;
    find_access();
    ck_assert_uint_eq(n_d, 1);
    ck_assert_uint_eq(d[0].index, node_index("4_ssh"));
}
END_TEST

START_TEST(test_sshd_node_missing)
{
    /* A missing device is damage of its own, made again whole: its sshd
     * is not named on top. */
    struct damage_node_seen *n = &seen.nodes[node_index("3_MUNIhost")];
    n->exists = false;
    n->sshd_runs = false;
    find_access();
    ck_assert_uint_gt(n_d, 0);
    ck_assert_int_eq(d[0].kind, DAMAGE_NODE);
    for (size_t i = 0; i < n_d; i++) {
        ck_assert_int_ne(d[i].kind, DAMAGE_SSHD);
    }
}
END_TEST

/* A device's management interface is a link end as any other
 * (MI_LINK_MGMT): missing, it is a link's damage. */
START_TEST(test_mgmt_if_missing)
{
    struct damage_node_seen *n = &seen.nodes[node_index("3_LUGAhost")];

    remove_if(n->ifs, &n->n_ifs, "ssh");
    find_access();
    ck_assert_uint_eq(n_d, 1);
    ck_assert_int_eq(d[0].kind, DAMAGE_LINK);
    ck_assert_int_eq(p->links[d[0].index].kind, MI_LINK_MGMT);
    ck_assert_ptr_nonnull(strstr(d[0].what, "ssh missing in 3_LUGAhost"));
}
END_TEST

START_TEST(test_outside_missing)
{
    size_t proxy = node_index("3_ssh");
    struct damage_node_seen *n = &seen.nodes[proxy];

    remove_if(seen.root, &seen.n_root, "3_sshout");
    find_access();
    ck_assert_uint_eq(n_d, 1);
    ck_assert_int_eq(d[0].kind, DAMAGE_OUTSIDE);
    ck_assert_uint_eq(d[0].index, proxy);
    ck_assert_str_eq(d[0].what, "3_ssh: outside link missing: 3_sshout "
                                "missing on the server (student access of "
                                "AS 3; `up` makes it again)");
    remove_if(n->ifs, &n->n_ifs, ACCESS_OUTSIDE_PEER);
    find_access();
    ck_assert_uint_eq(n_d, 1);
    ck_assert_str_eq(d[0].what, "3_ssh: outside link missing: 3_sshout "
                                "missing on the server, out missing in 3_ssh "
                                "(student access of AS 3; `up` makes it "
                                "again)");
    /* The server's interfaces not listed: its end not judged. */
    seen.root_looked = false;
    find_access();
    ck_assert_uint_eq(n_d, 1);
    ck_assert_str_eq(d[0].what, "3_ssh: outside link missing: out missing "
                                "in 3_ssh (student access of AS 3; `up` "
                                "makes it again)");
    /* The proxy's not listed: its end not judged. */
    seen.root_looked = true;
    n->listed = false;
    find_access();
    ck_assert_uint_eq(n_d, 1);
    ck_assert_str_eq(d[0].what, "3_ssh: outside link missing: 3_sshout "
                                "missing on the server (student access of "
                                "AS 3; `up` makes it again)");
    /* Neither namespace listed: not judged. */
    seen.root_looked = false;
    find_access();
    ck_assert_uint_eq(n_d, 0);
    /* The proxy missing: its node's damage, not its outside link. */
    n->listed = true;
    n->exists = false;
    find_access();
    for (size_t i = 0; i < n_d; i++) {
        ck_assert_int_ne(d[i].kind, DAMAGE_OUTSIDE);
    }
}
END_TEST

START_TEST(test_forward_missing)
{
    seen.forward_loaded = false;
    find_access();
    ck_assert_uint_eq(n_d, 1);
    ck_assert_int_eq(d[0].kind, DAMAGE_FORWARD);
    ck_assert_str_eq(d[0].what, "port forward of AS 3, 4 missing (nftables "
                                "table inet miniinet_course; `up` loads it "
                                "again)");
    /* Last, after the groups' damage. */
    seen.nodes[node_index("4_VIENrouter")].sshd_runs = false;
    find_access();
    ck_assert_uint_eq(n_d, 2);
    ck_assert_int_eq(d[0].kind, DAMAGE_SSHD);
    ck_assert_int_eq(d[1].kind, DAMAGE_FORWARD);
    /* An earlier miniinet's table (family ip) instead: said so. */
    seen.forward_older = true;
    find_access();
    ck_assert_uint_eq(n_d, 2);
    ck_assert_str_eq(d[1].what, "port forward of AS 3, 4 of an older "
                                "miniinet (nftables table ip "
                                "miniinet_course; `up` replaces it)");
    /* `nft` could not list: unknown. */
    seen.forward_looked = false;
    find_access();
    ck_assert_uint_eq(n_d, 1);
    /* Another server hosts no group: nothing of access judged there. */
    damage_free(d, n_d);
    n_d = damage_find(p, ap, 1, &seen, &d);
    ck_assert_uint_eq(n_d, 0);
}
END_TEST

/* What `nft list tables` prints, read for the network's table. */
START_TEST(test_nft_table_listed)
{
    ck_assert(access_nft_table_listed("table inet miniinet_course\n", "inet",
                                      "course"));
    ck_assert(access_nft_table_listed("table inet filter\n"
                                      "table inet miniinet_course",
                                      "inet", "course"));
    ck_assert(!access_nft_table_listed("table inet miniinet_course2\n", "inet",
                                       "course"));
    ck_assert(!access_nft_table_listed("table ip miniinet_course\n", "inet",
                                       "course"));
    ck_assert(access_nft_table_listed("table bridge filter\n"
                                      "table ip miniinet_course\n",
                                      "ip", "course"));
    ck_assert(!access_nft_table_listed("table inet miniinet_course\n", "ip",
                                       "course"));
    ck_assert(!access_nft_table_listed(" table inet miniinet_course\n", "inet",
                                       "course"));
    ck_assert(!access_nft_table_listed("", "inet", "course"));
    ck_assert(!access_nft_table_listed(NULL, "inet", "course"));
}
END_TEST

/* Also after a failure (a checked fixture). */
static void
frr_teardown(void)
{
    char *cmd = xasprintf("rm -rf '%s'", frr_base);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
}

/* zebra answers in DIR/frr/R: alive.  The same socket reached through a
 * symlink the node made, at DIR/frr/R, at DIR/frr/R/zebra.vty or at
 * DIR/frr: dead (not followed). */
START_TEST(test_frr_dead_no_symlink)
{
    const char *base = frr_base;
    char *node = xasprintf("%s/node", base);
    char *frr = xasprintf("%s/frr", node);
    char *vty = xasprintf("%s/R", frr);
    char *other = xasprintf("%s/other", base);
    char *other_vty = xasprintf("%s/R", other);
    char *sock = xasprintf("%s/zebra.vty", other_vty);
    ck_assert_int_eq(mkdir(node, 0700), 0);
    ck_assert_int_eq(mkdir(frr, 0700), 0);
    ck_assert_int_eq(mkdir(other, 0700), 0);
    ck_assert_int_eq(mkdir(other_vty, 0700), 0);
    int lfd = listen_at(sock);
    const char *const daemons[] = {"zebra", NULL};
    char buf[64];

    /* The real directory. */
    ck_assert_int_eq(rename(other_vty, vty), 0);
    ck_assert_uint_eq(rt_frr_dead("R", node, daemons, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "");
    /* DIR/frr/R a symlink to it. */
    ck_assert_int_eq(rename(vty, other_vty), 0);
    ck_assert_int_eq(symlink(other_vty, vty), 0);
    ck_assert_uint_eq(rt_frr_dead("R", node, daemons, buf, sizeof buf), 1);
    ck_assert_str_eq(buf, "zebra");
    /* DIR/frr/R/zebra.vty a symlink to the socket. */
    ck_assert_int_eq(unlink(vty), 0);
    ck_assert_int_eq(mkdir(vty, 0700), 0);
    char *link = xasprintf("%s/zebra.vty", vty);
    ck_assert_int_eq(symlink(sock, link), 0);
    ck_assert_uint_eq(rt_frr_dead("R", node, daemons, buf, sizeof buf), 1);
    /* A regular file in its place: dead, not followed nor opened. */
    ck_assert_int_eq(unlink(link), 0);
    int file = open(link, O_WRONLY | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(file, 0);
    close(file);
    ck_assert_uint_eq(rt_frr_dead("R", node, daemons, buf, sizeof buf), 1);
    ck_assert_int_eq(unlink(link), 0);
    ck_assert_int_eq(rmdir(vty), 0);
    free(link);
    /* The real directory again: alive (connected through the socket's
     * own descriptor). */
    ck_assert_int_eq(rename(other_vty, vty), 0);
    ck_assert_uint_eq(rt_frr_dead("R", node, daemons, buf, sizeof buf), 0);
    /* DIR/frr a symlink to a directory holding R. */
    ck_assert_int_eq(rename(vty, other_vty), 0);
    ck_assert_int_eq(rmdir(frr), 0);
    ck_assert_int_eq(symlink(other, frr), 0);
    ck_assert_uint_eq(rt_frr_dead("R", node, daemons, buf, sizeof buf), 1);

    close(lfd);
    free(node);
    free(frr);
    free(vty);
    free(other);
    free(other_vty);
    free(sock);
}
END_TEST

/* A runtime whose daemons never start: rt_start_frr() then quotes the
 * end of DIR/zebra.out and DIR/zebra.log (report_daemon()). */
static int
failing_start_daemon(void *state, const char *name, const char *dir,
                     const char *daemon)
{
    (void)state;
    (void)name;
    (void)dir;
    (void)daemon;
    return -EIO;
}

static const struct mi_runtime_ops failing_ops = {
    .common = {MI_OPS_SIZE(struct mi_runtime_ops)},
    .start_daemon = failing_start_daemon,
};

static const struct mi_plugin failing_desc = {
    MI_PLUGIN_ABI_VERSION,
    .kind = MI_PLUGIN_RUNTIME,
    .name = "failing",
    .ops = {.runtime = &failing_ops},
};

/* The failure's message for a node directory whose zebra.out and
 * zebra.log are what the test made: captured, malloc()ed. */
static char *
start_failure(const char *node)
{
    struct active_plugin rt = {.name = "failing",
                               .loaded = {.desc = &failing_desc}};
    const char *const daemons[] = {"zebra", NULL};

    testutil_capture_begin();
    ck_assert_int_eq(rt_start_frr(&rt, "R", node, daemons), -EIO);
    char *text = xstrdup(testutil_captured());
    testutil_capture_end();
    return text;
}

/* A daemon that failed: its output and log quoted when they are regular
 * files; a device node (a container's root can mknod one, e.g. of the
 * server's disk), a FIFO (which must not block) or a symlink in their
 * place is not read. */
START_TEST(test_frr_tail_regular_only)
{
    char *node = xasprintf("%s/node", frr_base);
    char *out = xasprintf("%s/zebra.out", node);
    char *log = xasprintf("%s/zebra.log", node);
    ck_assert_int_eq(mkdir(node, 0700), 0);

    /* Regular files: quoted. */
    FILE *f = fopen(out, "w");
    ck_assert_ptr_nonnull(f);
    fputs("zebra: cannot bind\n", f);
    fclose(f);
    f = fopen(log, "w");
    ck_assert_ptr_nonnull(f);
    fputs("ZEBRA LOG LINE\n", f);
    fclose(f);
    char *text = start_failure(node);
    ck_assert_msg(strstr(text, "zebra did not start") &&
                      strstr(text, "its output:\n    zebra: cannot bind") &&
                      strstr(text, "its log:\n    ZEBRA LOG LINE"),
                  "%s", text);
    free(text);

    /* A FIFO and a symlink: not waited for, not followed, not quoted. */
    ck_assert_int_eq(unlink(out), 0);
    ck_assert_int_eq(mkfifo(out, 0600), 0);
    char *target = xasprintf("%s/secret", frr_base);
    f = fopen(target, "w");
    ck_assert_ptr_nonnull(f);
    fputs("ROOT SECRET\n", f);
    fclose(f);
    ck_assert_int_eq(unlink(log), 0);
    ck_assert_int_eq(symlink(target, log), 0);
    text = start_failure(node);
    ck_assert_msg(strstr(text, "zebra did not start") &&
                      !strstr(text, "its output:") &&
                      !strstr(text, "its log:") && !strstr(text, "SECRET"),
                  "%s", text);
    free(text);

    /* Device nodes: /dev/urandom's numbers in both places.  Not read:
     * neither is quoted.  (Read, at least one of them would be, but for
     * a chance of 1 in 65536 that both begin with a NUL.) */
    ck_assert_int_eq(unlink(out), 0);
    ck_assert_int_eq(unlink(log), 0);
    if (mknod(out, S_IFCHR | 0600, makedev(1, 9)) == 0 &&
        mknod(log, S_IFCHR | 0600, makedev(1, 9)) == 0) {
        text = start_failure(node);
        ck_assert_msg(strstr(text, "zebra did not start") &&
                          !strstr(text, "its output:") &&
                          !strstr(text, "its log:"),
                      "%s", text);
        free(text);
    } else {
        printf("# SKIP device nodes: mknod: %s (needs root)\n",
               strerror(errno));
        fflush(stdout);
    }
    free(target);
    free(node);
    free(out);
    free(log);
}
END_TEST

static Suite *
damage_suite(void)
{
    Suite *s = suite_create("damage");
    TCase *tc = tcase_create("find");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_nothing_missing);
    tcase_add_test(tc, test_link_missing);
    tcase_add_test(tc, test_node_missing);
    tcase_add_test(tc, test_frr_dead);
    tcase_add_test(tc, test_bridge_port_and_bridge);
    tcase_add_test(tc, test_evidence_only);
    tcase_add_test(tc, test_unknown_not_missing);
    tcase_add_test(tc, test_other_server);
    tcase_add_test(tc, test_switch_dead);
    suite_add_tcase(s, tc);

    tc = tcase_create("access");
    tcase_add_checked_fixture(tc, access_setup, teardown);
    tcase_add_test(tc, test_access_whole);
    tcase_add_test(tc, test_sshd_dead);
    tcase_add_test(tc, test_vlan_agent);
    tcase_add_test(tc, test_sshd_node_missing);
    tcase_add_test(tc, test_mgmt_if_missing);
    tcase_add_test(tc, test_outside_missing);
    tcase_add_test(tc, test_forward_missing);
    tcase_add_test(tc, test_nft_table_listed);
    suite_add_tcase(s, tc);

    tc = tcase_create("frr_dead");
    tcase_add_checked_fixture(tc, frr_setup, frr_teardown);
    tcase_add_test(tc, test_frr_dead_no_symlink);
    tcase_add_test(tc, test_frr_tail_regular_only);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return testutil_run(damage_suite());
}
