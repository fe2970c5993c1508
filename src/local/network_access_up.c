/* `up`'s student access phase (doc/access.md): after the nodes, links,
 * bridges and FRR are up, for every group whose proxy runs on this server
 *
 *   - its credentials (credentials.c: made once, kept across `down`);
 *   - the proxy's outside veth, <AS>_sshout 169.254.AS.1/30 on the server
 *     and "out" 169.254.AS.2/30 in the proxy, its default route via .1
 *     (the veth is in the state record as a root-namespace interface,
 *     written ahead by `up`, so `down` removes it);
 *   - the files of access_files.c put into the proxy and each device with
 *     the runtime's put_files (plugin ABI 4.12), root's password in the
 *     proxy set by `chpasswd -e` from a hash (the password itself never
 *     leaves the persistent directory: no argv, no file in a node);
 *   - sshd started in the proxy and in each device that has a shell,
 *     unless its miniinet sshd runs already (its pid file names a live
 *     sshd: `up` on a network that is up starts only the dead ones);
 *
 * then the server's nftables table, `nft -f -` with the ruleset on its
 * standard input (`down` deletes it, network_down.c).  Everything here is
 * create-or-replace, so `up` healing a network runs it again whole. */
#include "config.h"

#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "access_files.h"
#include "backend.h"
#include "credentials.h"
#include "host.h"
#include "log.h"
#include "netlink.h"
#include "network.h"
#include "state.h"
#include "util.h"

/* How long a program run in a node for access may take. */
#define ACCESS_RUN_MS 20000
#define ACCESS_OUT_MAX 65536
/* Where the password's hash waits for chpasswd, in the proxy. */
#define CHPASSWD_FILE ACCESS_ETC "/chpasswd"

/* Fixed programs, no name in them: the names go nowhere near a shell. */
static const char *const chpasswd_argv[] = {
    "/bin/sh", "-c",
    "chpasswd -e <" CHPASSWD_FILE "; s=$?; rm -f " CHPASSWD_FILE "; exit $s",
    NULL};
/* True (status 0) when none of the five capability sets in file $1 (a
 * /proc/PID/status) holds CAP_SYS_ADMIN (bit 21) or CAP_SETPCAP (bit 8),
 * false when one does or they cannot all be read. */
#define CAPS_CLEAR                                                            \
    "caps_clear() { n=0; while read -r k v; do case $k in "                   \
    "CapInh:|CapPrm:|CapEff:|CapBnd:|CapAmb:) "                               \
    "[ $((0x$v & 0x200100)) -eq 0 ] || return 1; n=$((n + 1));; esac; "       \
    "done <\"$1\"; [ \"$n\" -eq 5 ]; }; "
/* Starts the device's sshd, whose logins must never hold CAP_SYS_ADMIN:
 * it reaches the server through ioctls and madvise that no seccomp
 * profile filters (review R33, C2).  The runtime runs it without (plugin.h,
 * run: only FRR's daemons keep more than a student has); this checks it
 * all the same, in every set (review R34, N2), and starts nothing
 * otherwise.  An sshd that its pid file names and that runs is kept when
 * it holds neither capability either; one that holds one (started by an
 * earlier miniinet, review R34, N7) is stopped and started again. */
static const char *const sshd_argv[] = {
    "/bin/sh", "-c",
    CAPS_CLEAR
    "p=$(cat /run/sshd-miniinet.pid 2>/dev/null); "
    "if [ -n \"$p\" ] && grep -qs sshd \"/proc/$p/cmdline\"; then "
    "caps_clear \"/proc/$p/status\" && exit 0; kill \"$p\"; i=0; "
    "while [ $i -lt 30 ] && kill -0 \"$p\" 2>/dev/null; do sleep 0.1; "
    "i=$((i + 1)); done; kill -9 \"$p\" 2>/dev/null; fi; "
    "if ! caps_clear /proc/self/status; then "
    "echo 'CAP_SYS_ADMIN or CAP_SETPCAP held: sshd not started' >&2; "
    "exit 1; fi; mkdir -p /run/sshd; "
    "exec /usr/sbin/sshd -f " ACCESS_ETC "/sshd_config",
    NULL};

struct files {
    struct mi_file f[12];
    size_t n;
    bool overflow; /* add_file() found f full (review R33, L1) */
};

static void
add_file(struct files *fs, const char *path, const char *data, unsigned mode)
{
    if (fs->n >= sizeof fs->f / sizeof *fs->f) {
        fs->overflow = true; /* put() refuses: nothing half-put */
        return;
    }
    fs->f[fs->n++] = (struct mi_file){.path = path,
                                      .data = data,
                                      .len = data ? strlen(data) : 0,
                                      .mode = mode};
}

/* A password's crypt(3) hash, "$y$..." (yescrypt, libxcrypt's default),
 * with a fresh salt: what chpasswd -e writes into /etc/shadow. */
static char *
password_hash(const char *password)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data cd;

    if (!crypt_gensalt_rn(NULL, 0, NULL, 0, salt, sizeof salt)) {
        log_error("access: cannot make a password salt: %s", strerror(errno));
        return NULL;
    }
    memset(&cd, 0, sizeof cd);
    const char *h = crypt_r(password, salt, &cd);
    char *out = h && h[0] != '*' ? xstrdup(h) : NULL;
    explicit_bzero(&cd, sizeof cd);
    if (!out) {
        log_error("access: cannot hash a group's password");
    }
    return out;
}

/* argv in node `name`, bounded; 0 or -1 after saying what failed. */
static int
run_in(const struct active_plugin *rt, const struct state *rec,
       const char *name, const char *const *argv, const char *what)
{
    char *dir = state_node_dir(rec, name);
    char *out = NULL;
    char why[256];
    int status = rt_run_bounded(rt, name, dir, argv, &out, ACCESS_RUN_MS,
                                ACCESS_OUT_MAX);
    free(dir);
    free(out);
    if (status < 0) {
        log_error("%s: %s: %s", name, what,
                  rt_run_failure(status, ACCESS_RUN_MS, ACCESS_OUT_MAX, why,
                                 sizeof why));
        return -1;
    }
    if (status != 0) {
        log_error("%s: %s: exit status %d", name, what, status);
        return -1;
    }
    return 0;
}

/* sshd started in node `name` where it does not run (sshd_argv).  Said
 * nothing of: a fresh `up` starts every one, and `up` healing names the
 * sshd it found dead as "student access repaired" (review R38, M1). */
static int
start_sshd(const struct active_plugin *rt, const struct state *rec,
           const char *name)
{
    return run_in(rt, rec, name, sshd_argv, "starting sshd");
}

static int
put(const struct active_plugin *rt, const struct state *rec, const char *name,
    const struct files *fs)
{
    if (fs->overflow) {
        log_error("%s: internal error: more than %zu files for a node", name,
                  sizeof fs->f / sizeof *fs->f);
        return -1;
    }
    char *dir = state_node_dir(rec, name);
    int error = rt_put_files(rt, name, dir, fs->f, fs->n);
    free(dir);
    if (error) {
        log_error("%s: cannot install student access's files: %s", name,
                  strerror(-error));
    }
    return error ? -1 : 0;
}

/* The proxy's outside veth: its two ends, `<AS>_sshout` on the server
 * and ACCESS_OUTSIDE_PEER in the proxy, both miniinet's names.  Kept when
 * both are there; else the one left is deleted (with its peer, a veth) and
 * the pair made again (review R38, L1: `status` reports each end, and
 * making only a missing server end failed when `out` was there).  0, or
 * -1 after saying what failed. */
static int
outside_pair(const char *ifname, const char *netns)
{
    int server_end = host_link_exists(NULL, ifname);
    int proxy_end = host_link_exists(netns, ACCESS_OUTSIDE_PEER);

    if (server_end < 0 || proxy_end < 0) {
        return -1;
    }
    if (server_end == 1 && proxy_end == 1) {
        return 0;
    }
    if ((server_end && host_link_delete(NULL, ifname)) ||
        (proxy_end && host_link_delete(netns, ACCESS_OUTSIDE_PEER))) {
        return -1;
    }
    struct veth_spec v = {
        .end = {{.name = ifname, .netns = NULL},
                {.name = ACCESS_OUTSIDE_PEER, .netns = netns}},
    };
    return netlink_create_veths(&v, 1) ? -1 : 0;
}

/* The proxy's outside veth, made when an end is missing, and its
 * addresses and default route (create-or-replace). */
static int
outside_link(const struct active_plugin *rt, const struct access_group *g)
{
    char ifname[16], netns[4096];
    int error = rt_netns_path(rt, g->proxy, netns, sizeof netns);

    if (error) {
        log_error("%s: cannot find its network namespace: %s", g->proxy,
                  strerror(-error));
        return -1;
    }
    access_outside_ifname(ifname, sizeof ifname, g->asn);
    if (outside_pair(ifname, netns)) {
        return -1;
    }
    struct if_spec server_if = {.ifname = ifname,
                                .addr = access_outside_addr(g->asn, false)};
    struct node_net_spec server = {
        .netns = NULL, .ifs = &server_if, .n_ifs = 1};
    struct mi_addr proxy_addr = access_outside_addr(g->asn, true);
    struct if_spec proxy_if = {.ifname = ACCESS_OUTSIDE_PEER,
                               .addr = proxy_addr};
    struct node_net_spec proxy = {.netns = netns,
                                  .ifs = &proxy_if,
                                  .n_ifs = 1,
                                  .default_gw =
                                      access_outside_addr(g->asn, false).ip};
    /* No IPv6 on either end: the proxy would otherwise reach the server's
     * own services on [::] by its link-local address (review R33, H1);
     * the nft table is inet and drops it too. */
    if (netlink_disable_ipv6(NULL, ifname) ||
        netlink_disable_ipv6(netns, ACCESS_OUTSIDE_PEER) ||
        netlink_configure_node(&server) || netlink_configure_node(&proxy)) {
        return -1;
    }
    return 0;
}

/* `iptables -w -S CHAIN`'s output into *out (ACCESS_OUT_MAX at most):
 * 0, 1 when iptables is not installed (nothing to do: no dockerd's
 * rules), or -1 after naming the command (its standard error is logged
 * above it by host_run) (review R34, L1). */
static int
iptables_list(const char *chain, char **out)
{
    const char *argv[] = {"iptables", "-w", "-S", chain, NULL};
    bool truncated = false;

    *out = NULL;
    int status = host_run_bounded(argv, out, ACCESS_OUT_MAX, &truncated);
    if (status == -ENOENT) {
        log_debug("access: no iptables here: no dockerd rules to adjust");
        free(*out);
        *out = NULL;
        return 1;
    }
    if (status != 0 || truncated) {
        if (truncated) {
            log_error("access: `iptables -w -S %s` printed more than %d "
                      "bytes: its rules not read",
                      chain, ACCESS_OUT_MAX);
        } else if (status > 0) {
            log_error("access: `iptables -w -S %s` failed (exit status %d, "
                      "its message above)",
                      chain, status);
        } else {
            log_error("access: `iptables -w -S %s` failed: %s", chain,
                      strerror(-status));
        }
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

int
network_access_docker_user(unsigned asn, bool add)
{
    char ifname[16], *dump = NULL;

    access_outside_ifname(ifname, sizeof ifname, asn);
    int status = iptables_list("FORWARD", &dump);
    if (status) {
        return status < 0 ? -1 : 0;
    }
    int forward = access_docker_user_forward(dump);
    free(dump);
    if (forward == -EPERM && add) {
        log_warn("access: this server's FORWARD policy (iptables) is DROP "
                 "and its FORWARD chain does not jump to DOCKER-USER: "
                 "connections from outside to %s will be dropped; accept "
                 "them in your firewall (doc/access.md, firewall notes)",
                 ifname);
    }
    if (forward != 1) {
        return 0;
    }
    status = iptables_list("DOCKER-USER", &dump);
    if (status) {
        /* FORWARD jumps to it: it exists, and iptables is there. */
        return -1;
    }
    unsigned n[ACCESS_DOCKER_USER_ALL];
    if (access_docker_user_todo(dump, ifname, add, n) == -E2BIG) {
        log_warn("access: more than %d copies of an accept of %s in "
                 "DOCKER-USER: %d deleted, run %s again for the rest",
                 ACCESS_DOCKER_USER_COPIES, ifname, ACCESS_DOCKER_USER_COPIES,
                 add ? "up" : "down");
    }
    free(dump);
    for (unsigned i = 0; i < ACCESS_DOCKER_USER_ALL; i++) {
        const bool insert = add && i < ACCESS_DOCKER_USER_RULES;
        const char *argv[ACCESS_IPT_ARGC];
        access_docker_user_argv(argv, insert ? "-I" : "-D", ifname, i);
        for (unsigned k = 0; k < n[i]; k++) {
            if (host_run(argv, NULL) != 0) {
                log_error("access: iptables could not %s an accept of %s "
                          "in DOCKER-USER (above)",
                          insert ? "insert" : "delete", ifname);
                return -1;
            }
        }
    }
    return 0;
}

/* The group's keys from its credentials' directory. */
struct keys {
    char *host, *host_pub, *device, *device_pub;
};

static void
keys_free(struct keys *k)
{
    char **all[] = {&k->host, &k->host_pub, &k->device, &k->device_pub};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        if (*all[i]) {
            explicit_bzero(*all[i], strlen(*all[i]));
            free(*all[i]);
            *all[i] = NULL;
        }
    }
}

static int
keys_read(const char *network, unsigned asn, struct keys *k)
{
    size_t len;

    memset(k, 0, sizeof *k);
    if (cred_file(network, asn, CRED_HOST_KEY, &k->host, &len) ||
        cred_file(network, asn, CRED_HOST_KEY ".pub", &k->host_pub, &len) ||
        cred_file(network, asn, CRED_DEVICE_KEY, &k->device, &len) ||
        cred_file(network, asn, CRED_DEVICE_KEY ".pub", &k->device_pub,
                  &len)) {
        keys_free(k);
        return -1;
    }
    return 0;
}

static int
install_proxy(struct session *s, const struct state *rec,
              const struct active_plugin *rt, const struct access_group *g,
              const struct keys *k)
{
    const char *network = plan_view(s->plan)->name;
    const struct topo_access *acc = &s->topo->access;
    char password[CRED_PASSWORD_LEN + 1];
    int failed = 0;

    if (cred_password(network, g->asn, password, sizeof password)) {
        return -1; /* reported */
    }
    char *hash = password_hash(password);
    explicit_bzero(password, sizeof password);
    if (!hash) {
        return -1;
    }
    char *chpasswd = xasprintf("%s:%s\n", ACCESS_USER, hash);
    free(hash);
    char *sshd_config = access_proxy_sshd_config(g);
    char *known = access_known_hosts(g, k->device_pub);
    char *authorized = access_proxy_authorized_keys(
        (const char *const *)acc->ta_keys, acc->n_ta_keys);
    char *goto_script = access_goto_script(g);
    char *completion = access_goto_completion(g);

    if (!sshd_config || !known || !authorized || !goto_script || !completion) {
        log_error("%s: the access files could not be made (a key or a "
                  "name miniinet does not write)",
                  g->proxy);
        failed = -1;
    } else {
        struct files fs = {.n = 0};
        add_file(&fs, ACCESS_ETC, NULL, 0700);
        add_file(&fs, ACCESS_ETC "/sshd_config", sshd_config, 0600);
        add_file(&fs, ACCESS_ETC "/ssh_host_ed25519_key", k->host, 0600);
        add_file(&fs, ACCESS_ETC "/ssh_host_ed25519_key.pub", k->host_pub,
                 0644);
        add_file(&fs, ACCESS_ETC "/authorized_keys", authorized, 0600);
        add_file(&fs, ACCESS_ETC "/device_key", k->device, 0600);
        add_file(&fs, ACCESS_ETC "/known_hosts", known, 0644);
        add_file(&fs, CHPASSWD_FILE, chpasswd, 0600);
        add_file(&fs, ACCESS_GOTO, goto_script, 0755);
        add_file(&fs, ACCESS_GOTO_COMPLETION, completion, 0644);
        failed = put(rt, rec, g->proxy, &fs);
        if (!failed) {
            failed = run_in(rt, rec, g->proxy, chpasswd_argv,
                            "setting root's password (chpasswd)");
        }
        if (!failed) {
            failed = start_sshd(rt, rec, g->proxy);
        }
    }
    explicit_bzero(chpasswd, strlen(chpasswd));
    free(chpasswd);
    free(sshd_config);
    free(known);
    free(authorized);
    free(goto_script);
    free(completion);
    return failed;
}

/* A router's daemons run in FRR pathspace NAME (plugin.h, start_daemon:
 * `vtysh -N NAME` reaches them), so `vtysh` alone, as a student types it
 * and as goto runs it, finds none: /usr/local/bin/vtysh, first in sshd's
 * PATH, adds -N.  The name is a validated node name (no quote in it). */
static char *
vtysh_wrapper(const char *name)
{
    if (!util_valid_name(name, 255)) {
        return NULL;
    }
    return xasprintf("#!/bin/sh\n# miniinet: this router's FRR (its "
                     "pathspace); doc/access.md\n"
                     "exec /usr/bin/vtysh -N '%s' \"$@\"\n",
                     name);
}

struct nft_in {
    const char *input;
};

/* Runs the server's nft (never the node's) in the caller's thread, which
 * has entered the router's namespace: the spawned process inherits it. */
static int
nft_here(void *arg)
{
    const struct nft_in *in = arg;
    const char *argv[] = {"nft", "-f", "-", NULL};

    return host_run_input(argv, in->input, strlen(in->input), NULL, 0, NULL)
               ? -EIO
               : 0;
}

/* A router's management table (access_router_nft) loaded in its network
 * namespace. */
static int
router_nft(const struct active_plugin *rt, const char *name,
           const struct access_device *d)
{
    char netns[4096];
    char *input = access_router_nft(d);
    int error = input ? rt_netns_path(rt, name, netns, sizeof netns) : 0;

    if (input && !error) {
        struct nft_in in = {input};
        error = netlink_in_netns(netns, "access: the management table",
                                 nft_here, &in);
    }
    if (error) {
        log_error("%s: nft could not load its management table (forwarding "
                  "from and to ssh refused): %s",
                  name, strerror(-error));
    }
    free(input);
    return error ? -1 : 0;
}

static int
install_device(const struct state *rec, const struct active_plugin *rt,
               const struct mi_plan *p, const struct access_device *d,
               const struct keys *k)
{
    const char *name = p->nodes[d->node].name;
    char *sshd_config = access_device_sshd_config(d);
    char *vtysh = d->kind == ACCESS_ROUTER ? vtysh_wrapper(name) : NULL;
    struct files fs = {.n = 0};

    add_file(&fs, ACCESS_ETC, NULL, 0700);
    add_file(&fs, ACCESS_ETC "/sshd_config", sshd_config, 0600);
    add_file(&fs, ACCESS_ETC "/ssh_host_ed25519_key", k->device, 0600);
    add_file(&fs, ACCESS_ETC "/ssh_host_ed25519_key.pub", k->device_pub, 0644);
    add_file(&fs, ACCESS_ETC "/authorized_keys", k->device_pub, 0600);
    if (vtysh) {
        add_file(&fs, "/usr/local/bin/vtysh", vtysh, 0755);
    }
    int failed = put(rt, rec, name, &fs);
    free(sshd_config);
    free(vtysh);
    if (!failed) {
        failed = start_sshd(rt, rec, name);
    }
    if (!failed && d->kind == ACCESS_ROUTER) {
        failed = router_nft(rt, name, d);
    }
    return failed;
}

void
network_access_record(struct session *s, struct state *st)
{
    const struct access_plan *ap = plan_access(s->plan);
    char ifname[16];

    for (size_t g = 0; ap && g < ap->n_groups; g++) {
        if (ap->groups[g].server == s->server) {
            access_outside_ifname(ifname, sizeof ifname, ap->groups[g].asn);
            state_add_rootif(st, ifname);
        }
    }
}

int
network_access_install(struct session *s, const struct state *rec)
{
    const struct access_plan *ap = plan_access(s->plan);
    const struct mi_plan *p = plan_view(s->plan);
    const struct active_plugin *rt = session_plugin(s, MI_PLUGIN_RUNTIME);
    size_t n_groups = 0, n_devices = 0;
    int failed = 0;

    if (!ap) {
        return 0;
    }
    if (cred_ensure(p->name, ap, s->server)) {
        log_error("access: the credentials could not be made (see above)");
        return -EIO;
    }
    for (size_t i = 0; i < ap->n_groups; i++) {
        const struct access_group *g = &ap->groups[i];
        struct keys k;
        if (g->server != s->server) {
            continue;
        }
        n_groups++;
        if (keys_read(p->name, g->asn, &k)) {
            failed = -1;
            continue;
        }
        if (outside_link(rt, g) || install_proxy(s, rec, rt, g, &k)) {
            log_error("access: AS %u: its proxy %s is not ready (above)",
                      g->asn, g->proxy);
            failed = -1;
        }
        for (size_t j = 0; j < g->n_devices; j++) {
            const struct access_device *d = &g->devices[j];
            if (d->node < 0) {
                continue; /* a switch: no shell (its VLANs: the switch
                             VLAN agent, network_vlan.c) */
            }
            if (install_device(rec, rt, p, d, &k)) {
                log_error("access: AS %u: goto %s %s will not answer "
                          "(above)",
                          g->asn, d->location, d->what);
                failed = -1;
            }
            n_devices++;
        }
        keys_free(&k);
    }
    char *ruleset = access_nft_ruleset(p->name, ap, s->server);
    if (ruleset) {
        const char *argv[] = {"nft", "-f", "-", NULL};
        int status =
            host_run_input(argv, ruleset, strlen(ruleset), NULL, 0, NULL);
        free(ruleset);
        if (status != 0) {
            log_error("access: nft could not load the port forward of "
                      "network %s (above)",
                      p->name);
            failed = -1;
        }
    }
    /* dockerd's FORWARD policy DROP would drop what the port forward
     * lets through (review R33, H2). */
    for (size_t i = 0; i < ap->n_groups; i++) {
        if (ap->groups[i].server == s->server &&
            network_access_docker_user(ap->groups[i].asn, true)) {
            failed = -1;
        }
    }
    if (!failed) {
        log_info("access: %zu group%s ready here (%zu devices with sshd), "
                 "ports forwarded",
                 n_groups, util_plural(n_groups), n_devices);
    }
    return failed ? -EIO : 0;
}
