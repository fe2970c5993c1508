/* What student access installs on a group's proxy and devices, and the
 * port forward of a server, as text (doc/access.md): pure functions of the
 * access plan, so that every file is unit-tested and the same for every
 * runtime that installs it: `up`'s access phase (network_access_up.c;
 * doc/access.md, "State").
 *
 * Paths inside a proxy or device (ACCESS_ETC): the sshd configuration
 * sshd_config, the host key ssh_host_ed25519_key, authorized_keys; on the
 * proxy also device_key (the group's key into its devices) and
 * known_hosts (the devices' host key); /usr/local/bin/goto and
 * /etc/bash_completion.d/goto.
 *
 * The proxy's outside link: a veth from the server's namespace
 * (access_outside_ifname(), address 169.254.AS.1/30) to the proxy
 * (169.254.AS.2/30, its default route via .1).  The server forwards its
 * port port_base + AS there with DNAT in the network's own nftables table
 * (access_nft_ruleset()), and drops whatever the proxy starts towards the
 * server or beyond: the proxy answers connections, it opens none. */
#ifndef MINIINET_ACCESS_FILES_H
#define MINIINET_ACCESS_FILES_H 1

#include <stdbool.h>

#include "access.h"

#define ACCESS_ETC "/etc/ssh/miniinet"
#define ACCESS_GOTO "/usr/local/bin/goto"
#define ACCESS_GOTO_COMPLETION "/etc/bash_completion.d/goto"
#define ACCESS_SSH_PORT 22
/* ACCESS_SSH_PORT as a word of argv, "22". */
#define ACCESS_STR_(x) #x
#define ACCESS_STR(x) ACCESS_STR_(x)
#define ACCESS_SSH_PORT_STR ACCESS_STR(ACCESS_SSH_PORT)
/* The switch VLAN agent's port (vlan_agent.h): a listening socket on
 * 127.0.0.1 inside each proxy whose group has switches, which `goto
 * LOCATION SWITCH ...` talks to (doc/access.md, "Your switches"). */
#define ACCESS_VLAN_PORT 1000
#define ACCESS_VLAN_PORT_STR ACCESS_STR(ACCESS_VLAN_PORT)

/* The proxy's outside addresses of AS `asn`: 169.254.asn.1/30 on the
 * server's end (`proxy_end` false), .2/30 on the proxy's. */
struct mi_addr access_outside_addr(unsigned asn, bool proxy_end);
/* The server's end of the proxy's outside link, "<AS>_sshout". */
int access_outside_ifname(char *buf, size_t len, unsigned asn);
/* The proxy's end of it. */
#define ACCESS_OUTSIDE_PEER "out"

/* The nftables table of `network` on server `server`: its name,
 * "miniinet_<network>" (family inet), and the whole ruleset for `nft -f -`
 * (the table made, emptied and filled in one transaction), with a
 * DNAT per group hosted there.  NULL when the server hosts no group. */
int access_nft_table(char *buf, size_t len, const char *network);
char *access_nft_ruleset(const char *network, const struct access_plan *,
                         unsigned server);
/* `nft -f -` input that deletes the table (`down`). */
char *access_nft_delete(const char *network);
/* Whether `listing`, the output of `nft list tables`, holds the table of
 * `network` in `family` (a line "table FAMILY miniinet_<network>"):
 * "inet", or "ip", the table of an earlier miniinet, which the ruleset
 * deletes. */
bool access_nft_table_listed(const char *listing, const char *family,
                             const char *network);

/* Docker's DOCKER-USER chain (doc/access.md, firewall notes).  dockerd
 * sets the FORWARD policy to DROP, and a drop in any base chain is final,
 * so without accepts there nothing from outside reaches a proxy.  They
 * are a second layer under miniinet's own table, narrow enough to hold
 * if that table is gone (review R34, N5): per outside link IFNAME, rule
 *
 *   0  -i IFNAME -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
 *   1  -o IFNAME -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
 *   2  -o IFNAME -p tcp -m tcp --dport 22 -m conntrack --ctstate DNAT
 *      -j ACCEPT
 *
 * which `up` inserts, and rules 3 (-i IFNAME -j ACCEPT) and 4 (-o IFNAME
 * -j ACCEPT), the accepts of everything an earlier miniinet inserted,
 * which `up` and `down` delete.  Each rule's words are in the order
 * `iptables -S` prints them, so that the decisions below can find them
 * in its output. */
#define ACCESS_DOCKER_USER_RULES 3
#define ACCESS_DOCKER_USER_ALL 5
/* Copies of one rule deleted at most in one run (review R34, L3). */
#define ACCESS_DOCKER_USER_COPIES 32

/* The argv of `iptables -w OP DOCKER-USER <rule>` with OP "-I", "-D" or
 * "-C", rule `rule` (< ACCESS_DOCKER_USER_ALL, else argv[0] is NULL) of
 * `ifname`.  `argv` has room for ACCESS_IPT_ARGC pointers (into `ifname`
 * and literals). */
#define ACCESS_IPT_ARGC 20
void access_docker_user_argv(const char *argv[ACCESS_IPT_ARGC], const char *op,
                             const char *ifname, unsigned rule);
/* The line of `iptables -S DOCKER-USER` that is rule `rule` of `ifname`,
 * "-A DOCKER-USER -i IFNAME ... -j ACCEPT"; snprintf()'s result (-1 for
 * no such rule). */
int access_docker_user_line(char *buf, size_t len, const char *ifname,
                            unsigned rule);

/* From `iptables -w -S FORWARD`'s output: 1 when FORWARD jumps to
 * DOCKER-USER (dockerd with its iptables rules), else 0, or -EPERM when
 * the FORWARD policy is DROP all the same (another firewall: outside
 * logins are dropped, up says what to do). */
int access_docker_user_forward(const char *forward);
/* From `iptables -w -S DOCKER-USER`'s output `chain`: how many times to
 * run each rule of `ifname` (n[rule]).  With `add`: 1 for each of the
 * first ACCESS_DOCKER_USER_RULES that is missing (to insert, -I), and for
 * the older rules their number of copies (to delete, -D); without: the
 * number of copies of every rule (to delete).  A count is at most
 * ACCESS_DOCKER_USER_COPIES: -E2BIG when one was more (the rest stay),
 * else 0. */
int access_docker_user_todo(const char *chain, const char *ifname, bool add,
                            unsigned n[ACCESS_DOCKER_USER_ALL]);

/* `nft -f -` input for a router of the group (loaded in its namespace):
 * table inet miniinet_mgmt, nothing forwarded from or to its management
 * interface "ssh", and its management address refused on every other
 * interface, so that another group routing into 158.AS.0.0/16 through
 * this router reaches nothing (review R33, H3).  NULL for a device that
 * is not a router. */
char *access_router_nft(const struct access_device *);

/* sshd_config of the group's proxy: password and key logins as root on
 * the outside address only, nothing forwarded. */
char *access_proxy_sshd_config(const struct access_group *);
/* sshd_config of one of its devices: the group's device key only, on the
 * device's management address only. */
char *access_device_sshd_config(const struct access_device *);
/* The proxy's known_hosts: every device's address with the devices' host
 * key, `pubkey` ("ssh-ed25519 AAAA..." -- the group's device_key.pub).
 * NULL when `pubkey` is not one key line. */
char *access_known_hosts(const struct access_group *, const char *pubkey);
/* The proxy's authorized_keys: the TA's keys (lines already checked by
 * the topology). */
char *access_proxy_authorized_keys(const char *const *ta_keys, size_t n);

/* The proxy's `goto LOCATION WHAT` (POSIX sh) and its bash completion:
 * the group's routers (vtysh), L3 and L2 hosts (a shell), over ssh with
 * the device key to the device's management address; a device that does
 * not answer is said so; a switch's VLANs (bash: `goto LOCATION SWITCH
 * [show | access PORT VLAN | trunk PORT VLANS|all | help]`, or those at a
 * prompt), a request each to the switch VLAN agent on 127.0.0.1:
 * ACCESS_VLAN_PORT.  NULL when a name is not a topology name (never from
 * a validated topology). */
char *access_goto_script(const struct access_group *);
char *access_goto_completion(const struct access_group *);

#endif
