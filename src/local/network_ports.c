/* The student access ports of this server's groups (doc/access.md): free
 * of any listening TCP socket here and of every other network up here,
 * checked by `preflight` and by `up` before anything is built.  What
 * holds a port is found here (the kernel's sock_diag, the other networks'
 * state records); whether it clashes is access.c's pure judgement. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "access_files.h"
#include "host.h"
#include "log.h"
#include "netlink.h"
#include "network.h"
#include "state.h"
#include "util.h"

struct holders {
    struct access_port_holder *h;
    size_t n, cap;
    char **names; /* the other networks, owned */
};

static void
add_holder(struct holders *hs, unsigned port, const char *network,
           unsigned asn)
{
    hs->h = xgrow(hs->h, &hs->cap, hs->n + 1, sizeof *hs->h);
    hs->h[hs->n++] = (struct access_port_holder){port, network, asn};
}

/* Whether a group of this server has the port. */
static bool
port_wanted(const struct access_plan *ap, unsigned server, unsigned port)
{
    for (size_t g = 0; g < ap->n_groups; g++) {
        if (ap->groups[g].server == server && ap->groups[g].port == port) {
            return true;
        }
    }
    return false;
}

/* The ports the other networks with a record here hold.  A record that
 * cannot be read is said (state_load() named the line) and counts as
 * holding nothing: its network's `down` refuses it too. */
static void
other_networks(const char *self, struct holders *hs)
{
    hs->names = state_list_networks();
    for (char **name = hs->names; *name; name++) {
        struct state st = {0};
        if (!strcmp(*name, self)) {
            continue; /* its own earlier run is not a clash */
        }
        if (state_load(*name, &st) != 0) {
            state_destroy(&st); /* what it read before the bad line */
            log_warn("the ports of network %s are not checked: its record "
                     "cannot be read (see above)",
                     *name);
            continue;
        }
        for (size_t i = 0; i < st.n_ports; i++) {
            add_holder(hs, st.ports[i].port, *name, st.ports[i].asn);
        }
        state_destroy(&st);
    }
}

/* The clashes as the wire carries them (wire.h). */
static struct wire_port *
clashes_out(const struct access_port_clash *c, size_t n)
{
    struct wire_port *w = xcalloc(n + 1, sizeof *w);

    for (size_t i = 0; i < n; i++) {
        const struct access_port_holder *h = c[i].holder;
        w[i] = (struct wire_port){
            .asn = c[i].group->asn,
            .port = c[i].group->port,
            .network = h->network ? xstrdup(h->network) : NULL,
            .network_asn = h->network ? h->asn : 0,
        };
    }
    return w;
}

/* What the port forward needs of this server (review R33, M3): nftables
 * that takes the network's table (`nft -c`: the kernel's nf_tables with
 * fib and nat; as root only, nft checks nothing otherwise), an error; and
 * IPv4 forwarding, which connections from outside need (from the server
 * itself they work without), a warning. */
static int
check_firewall(struct session *s)
{
    const struct mi_plan *p = plan_view(s->plan);
    char *ruleset =
        access_nft_ruleset(p->name, plan_access(s->plan), s->server);
    int status = EXIT_OK;

    if (ruleset && geteuid() == 0) {
        const char *argv[] = {"nft", "-c", "-f", "-", NULL};
        if (host_run_input(argv, ruleset, strlen(ruleset), NULL, 0, NULL)) {
            log_error("%s: access: nft cannot load the port forward here "
                      "(nftables with fib and nat, and the nft program, are "
                      "needed; above what it said)",
                      s->opts.config);
            status = EXIT_FAILED;
        }
    }
    free(ruleset);
    char v[4] = "";
    FILE *f = fopen("/proc/sys/net/ipv4/ip_forward", "re");
    if (f) {
        if (!fgets(v, sizeof v, f)) {
            v[0] = '\0';
        }
        fclose(f);
    }
    if (v[0] == '0') {
        log_warn("%s: access: net.ipv4.ip_forward is 0 on this server: "
                 "students' logins from outside will not reach the proxies "
                 "(sysctl -w net.ipv4.ip_forward=1; doc/access.md)",
                 s->opts.config);
    }
    return status;
}

int
network_check_ports(struct session *s, struct wire_port **out, size_t *n_out)
{
    const struct access_plan *ap = plan_access(s->plan);
    const struct mi_plan *p = plan_view(s->plan);
    bool here = false;

    if (out) {
        *out = NULL;
        *n_out = 0;
    }
    for (size_t g = 0; ap && g < ap->n_groups; g++) {
        here |= ap->groups[g].server == s->server;
    }
    if (!here) {
        return EXIT_OK;
    }
    if (check_firewall(s) != EXIT_OK) {
        return EXIT_FAILED;
    }
    uint16_t *listening;
    size_t n_listening;
    if (netlink_tcp_listening(-1, &listening, &n_listening)) {
        return EXIT_FAILED; /* reported */
    }
    struct holders hs = {0};
    for (size_t i = 0; i < n_listening; i++) {
        if (port_wanted(ap, s->server, listening[i])) {
            add_holder(&hs, listening[i], NULL, 0);
        }
    }
    free(listening);
    other_networks(p->name, &hs);

    struct access_port_clash *c;
    size_t n = access_port_clashes(ap, s->server, hs.h, hs.n, &c);
    if (out) {
        *out = clashes_out(c, n);
        *n_out = n;
    }
    for (size_t i = 0; i < n && !out; i++) {
        char *text =
            access_port_clash_text(&c[i], mi_plan_server(p, s->server)->name);
        log_error("%s: access: %s", s->opts.config, text);
        free(text);
    }
    free(c);
    free(hs.h);
    for (char **name = hs.names; *name; name++) {
        free(*name);
    }
    free(hs.names);
    return n ? EXIT_FAILED : EXIT_OK;
}
