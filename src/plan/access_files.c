/* The files student access installs, and the server's port forward, as
 * text (access_files.h).  Pure: made from the access plan alone. */
#include "config.h"

#include "access_files.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "plan.h"
#include "util.h"

#define OUTSIDE_NET 0xa9fe0000u /* 169.254.0.0 */
#define OUTSIDE_PLEN 30
#define NAME_MAX_LEN 64

/* A growing text.  open_memstream() would do, but its failure paths
 * cannot be told from a short write; this cannot fail (xgrow). */
struct text {
    char *s;
    size_t n, cap;
};

static void MI_PRINTF(2, 3) put(struct text *t, const char *fmt, ...)
{
    va_list ap, ap2;

    va_start(ap, fmt);
    va_copy(ap2, ap);
    int w = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (w > 0) {
        t->s = xgrow(t->s, &t->cap, t->n + (size_t)w + 1, 1);
        vsnprintf(t->s + t->n, (size_t)w + 1, fmt, ap2);
        t->n += (size_t)w;
    }
    va_end(ap2);
}

static char *
done(struct text *t)
{
    return t->s ? t->s : xstrdup("");
}

static const char *
fmt_addr(const struct mi_addr *a, bool plen, char buf[32])
{
    plan_format_addr(a, plen, buf, 32);
    return buf;
}

struct mi_addr
access_outside_addr(unsigned asn, bool proxy_end)
{
    return (struct mi_addr){
        .ip = OUTSIDE_NET | (uint32_t)(asn & 0xffu) << 8 | (proxy_end ? 2 : 1),
        .plen = OUTSIDE_PLEN,
    };
}

int
access_outside_ifname(char *buf, size_t len, unsigned asn)
{
    return snprintf(buf, len, "%u_sshout", asn);
}

int
access_nft_table(char *buf, size_t len, const char *network)
{
    return snprintf(buf, len, "miniinet_%s", network);
}

/* The table, made if missing and emptied, so that the same input both
 * makes and replaces it in one transaction. */
static bool
table_header(struct text *t, const char *network)
{
    char table[NAME_MAX_LEN + 16];

    if (!util_valid_name(network, NAME_MAX_LEN)) {
        return false;
    }
    access_nft_table(table, sizeof table, network);
    /* inet (IPv4 and IPv6); the ip one of an earlier miniinet goes too. */
    put(t,
        "table ip %s\ndelete table ip %s\n"
        "table inet %s\ndelete table inet %s\n",
        table, table, table, table);
    return true;
}

bool
access_nft_table_listed(const char *listing, const char *family,
                        const char *network)
{
    char table[NAME_MAX_LEN + 16];

    access_nft_table(table, sizeof table, network);
    char *want = xasprintf("table %s %s", family, table);
    size_t len = strlen(want);
    bool found = false;
    for (const char *line = listing; line && *line && !found;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        found = n == len && !strncmp(line, want, len);
        line = end ? end + 1 : line + n;
    }
    free(want);
    return found;
}

char *
access_nft_delete(const char *network)
{
    struct text t = {0};

    if (!table_header(&t, network)) {
        return NULL;
    }
    return done(&t);
}

static void
nat_chain(struct text *t, const char *hook, const char *priority,
          const struct access_plan *ap, unsigned server)
{
    char a[32];

    put(t,
        "\tchain %s {\n\t\ttype nat hook %s priority %s; "
        "policy accept;\n",
        hook, hook, priority);
    for (size_t i = 0; i < ap->n_groups; i++) {
        const struct access_group *g = &ap->groups[i];
        struct mi_addr to = access_outside_addr(g->asn, true);

        if (g->server == server) {
            put(t,
                "\t\tmeta nfproto ipv4 fib daddr type local tcp dport %u "
                "dnat ip to %s:%u\n",
                g->port, fmt_addr(&to, false, a), ACCESS_SSH_PORT);
        }
    }
    put(t, "\t}\n");
}

char *
access_nft_ruleset(const char *network, const struct access_plan *ap,
                   unsigned server)
{
    struct text t = {0};
    bool any = false;

    for (size_t i = 0; i < ap->n_groups; i++) {
        any |= ap->groups[i].server == server;
    }
    if (!any || !table_header(&t, network)) {
        free(t.s);
        return NULL;
    }
    char table[NAME_MAX_LEN + 16];
    access_nft_table(table, sizeof table, network);
    /* inet: a proxy's IPv6 (its link-local address, if IPv6 were on) is
     * dropped as its IPv4 is. */
    put(&t, "table inet %s {\n", table);
    /* Connections from elsewhere, and from the server itself. */
    nat_chain(&t, "prerouting", "dstnat", ap, server);
    /* nft takes "dstnat" for prerouting only; it is -100 (NF_IP_PRI_NAT_DST)
     * for output too. */
    nat_chain(&t, "output", "-100", ap, server);
    /* A proxy answers; whatever it starts is dropped, towards the server
     * (input) and beyond it (forward).  Towards a proxy only its sshd's
     * forwarded port gets through. */
    put(&t, "\tchain input {\n\t\ttype filter hook input priority filter; "
            "policy accept;\n");
    for (size_t i = 0; i < ap->n_groups; i++) {
        char ifn[16];
        if (ap->groups[i].server != server) {
            continue;
        }
        access_outside_ifname(ifn, sizeof ifn, ap->groups[i].asn);
        put(&t,
            "\t\tiifname \"%s\" ct state established,related accept\n"
            "\t\tiifname \"%s\" drop\n",
            ifn, ifn);
    }
    put(&t, "\t}\n\tchain forward {\n\t\ttype filter hook forward priority "
            "filter; policy accept;\n");
    /* Every proxy's own lines first: what a proxy starts is dropped before
     * another group's accept of its forwarded port could take it (a proxy
     * reaching another proxy's sshd through the DNAT; review R33, M1). */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < ap->n_groups; i++) {
            char ifn[16];
            if (ap->groups[i].server != server) {
                continue;
            }
            access_outside_ifname(ifn, sizeof ifn, ap->groups[i].asn);
            if (pass == 0) {
                put(&t,
                    "\t\tiifname \"%s\" ct state established,related "
                    "accept\n"
                    "\t\tiifname \"%s\" drop\n",
                    ifn, ifn);
            } else {
                put(&t,
                    "\t\toifname \"%s\" ct state established,related "
                    "accept\n"
                    "\t\toifname \"%s\" ct status dnat tcp dport %u "
                    "accept\n"
                    "\t\toifname \"%s\" drop\n",
                    ifn, ifn, ACCESS_SSH_PORT, ifn);
            }
        }
    }
    put(&t, "\t}\n}\n");
    return done(&t);
}

/* The rules' words after "-i|-o IFNAME", in the order `iptables -S`
 * prints them back (its interfaces, then -p, then each match as given). */
static const struct {
    bool in;               /* -i (from the proxy) or -o (to it) */
    const char *match[12]; /* NULL-terminated */
} docker_user_rules[ACCESS_DOCKER_USER_ALL] = {
    /* What `up` inserts: from the proxy only what answers a connection,
     * to it that too and new connections to its sshd that were DNATed
     * (miniinet's port forward): so that with miniinet's nft table gone
     * (a `flush ruleset`) the proxy reaches nothing (review R34, N5). */
    {true, {"-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", NULL}},
    {false, {"-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", NULL}},
    {false,
     {"-p", "tcp", "-m", "tcp", "--dport", ACCESS_SSH_PORT_STR, "-m",
      "conntrack", "--ctstate", "DNAT", NULL}},
    /* The accepts of every packet an earlier miniinet inserted: deleted,
     * never inserted. */
    {true, {NULL}},
    {false, {NULL}},
};

void
access_docker_user_argv(const char *argv[ACCESS_IPT_ARGC], const char *op,
                        const char *ifname, unsigned rule)
{
    size_t n = 0;

    if (rule >= ACCESS_DOCKER_USER_ALL) {
        argv[0] = NULL; /* nothing to run (host_run: -EINVAL) */
        return;
    }
    argv[n++] = "iptables";
    argv[n++] = "-w";
    argv[n++] = op;
    argv[n++] = "DOCKER-USER";
    argv[n++] = docker_user_rules[rule].in ? "-i" : "-o";
    argv[n++] = ifname;
    for (const char *const *m = docker_user_rules[rule].match; *m; m++) {
        argv[n++] = *m;
    }
    argv[n++] = "-j";
    argv[n++] = "ACCEPT";
    argv[n] = NULL;
}

int
access_docker_user_line(char *buf, size_t len, const char *ifname,
                        unsigned rule)
{
    const char *argv[ACCESS_IPT_ARGC];

    if (rule >= ACCESS_DOCKER_USER_ALL) {
        return -1;
    }
    int w = snprintf(buf, len, "-A DOCKER-USER");
    access_docker_user_argv(argv, "-A", ifname, rule);
    for (size_t i = 4; argv[i] && w >= 0 && (size_t)w < len; i++) {
        int more = snprintf(buf + w, len - (size_t)w, " %s", argv[i]);
        w = more < 0 ? more : w + more;
    }
    return w;
}

char *
access_router_nft(const struct access_device *d)
{
    struct text t = {0};
    char a[32];

    if (d->kind != ACCESS_ROUTER) {
        return NULL;
    }
    put(&t,
        "table inet miniinet_mgmt\ndelete table inet miniinet_mgmt\n"
        "table inet miniinet_mgmt {\n"
        "\tchain forward {\n"
        "\t\ttype filter hook forward priority filter; policy accept;\n"
        "\t\tiifname \"ssh\" drop\n"
        "\t\toifname \"ssh\" drop\n"
        "\t}\n"
        "\tchain input {\n"
        "\t\ttype filter hook input priority filter; policy accept;\n"
        "\t\tiifname != { \"ssh\", \"lo\" } ip daddr %s drop\n"
        "\t}\n"
        "}\n",
        fmt_addr(&d->addr, false, a));
    return done(&t);
}

/* How many lines of `dump` are `line` (without its newline). */
static unsigned
count_lines(const char *dump, const char *line)
{
    size_t len = strlen(line);
    unsigned n = 0;

    for (const char *p = dump; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t k = nl ? (size_t)(nl - p) : strlen(p);
        if (k == len && strncmp(p, line, len) == 0) {
            n++;
        }
        p = nl ? nl + 1 : NULL;
    }
    return n;
}

int
access_docker_user_forward(const char *forward)
{
    if (count_lines(forward, "-A FORWARD -j DOCKER-USER")) {
        return 1;
    }
    return count_lines(forward, "-P FORWARD DROP") ? -EPERM : 0;
}

int
access_docker_user_todo(const char *chain, const char *ifname, bool add,
                        unsigned n[ACCESS_DOCKER_USER_ALL])
{
    char line[256];
    int result = 0;

    for (unsigned i = 0; i < ACCESS_DOCKER_USER_ALL; i++) {
        int w = access_docker_user_line(line, sizeof line, ifname, i);
        unsigned have =
            w > 0 && (size_t)w < sizeof line ? count_lines(chain, line) : 0;
        if (add && i < ACCESS_DOCKER_USER_RULES) {
            n[i] = !have; /* inserted once when missing */
            continue;
        }
        n[i] = have;
        if (have > ACCESS_DOCKER_USER_COPIES) {
            n[i] = ACCESS_DOCKER_USER_COPIES;
            result = -E2BIG;
        }
    }
    return result;
}

/* What both kinds of sshd share: root only, nothing forwarded, no
 * environment from the client. */
static void
sshd_common(struct text *t)
{
    put(t,
        "Port %u\n"
        "AllowUsers root\n"
        "KbdInteractiveAuthentication no\n"
        "PermitEmptyPasswords no\n"
        "UsePAM no\n"
        "AllowTcpForwarding no\n"
        "AllowStreamLocalForwarding no\n"
        "AllowAgentForwarding no\n"
        "GatewayPorts no\n"
        "PermitTunnel no\n"
        "X11Forwarding no\n"
        "PermitUserEnvironment no\n"
        "MaxAuthTries 3\n"
        "LoginGraceTime 30\n"
        /* Unauthenticated connections: at most 30 (2 processes each), so
         * that anyone's pre-auth flood stays under the container's pids
         * limit of 100 (review R33, L5). */
        "MaxStartups 10:30:30\n"
        "PrintMotd no\n"
        "AuthorizedKeysFile " ACCESS_ETC "/authorized_keys\n"
        "HostKey " ACCESS_ETC "/ssh_host_ed25519_key\n"
        "PidFile /run/sshd-miniinet.pid\n",
        ACCESS_SSH_PORT);
}

char *
access_proxy_sshd_config(const struct access_group *g)
{
    struct text t = {0};
    struct mi_addr out = access_outside_addr(g->asn, true);
    char a[32];

    put(&t, "# miniinet: the SSH proxy of AS %u (generated; doc/access.md)\n",
        g->asn);
    put(&t, "ListenAddress %s\n", fmt_addr(&out, false, a));
    put(&t, "PermitRootLogin yes\n"
            "PasswordAuthentication yes\n"
            "PubkeyAuthentication yes\n");
    sshd_common(&t);
    /* Beside MaxStartups: one address (another group's, say) holds at
     * most 5 of the 30 unauthenticated slots (OpenSSH >= 8.5; review R34,
     * L4).  Not on devices: all their logins come from the proxy. */
    put(&t, "PerSourceMaxStartups 5\n");
    return done(&t);
}

char *
access_device_sshd_config(const struct access_device *d)
{
    struct text t = {0};
    char a[32];

    put(&t, "# miniinet: sshd of goto %s %s (generated; doc/access.md)\n",
        d->location, d->what);
    put(&t, "ListenAddress %s\n", fmt_addr(&d->addr, false, a));
    put(&t, "PermitRootLogin prohibit-password\n"
            "PasswordAuthentication no\n"
            "PubkeyAuthentication yes\n");
    sshd_common(&t);
    return done(&t);
}

/* "TYPE BASE64" of one public key line, without its comment; false when
 * it is not one line of two or three words of printable characters. */
static bool
key_words(const char *pubkey, char *buf, size_t len)
{
    size_t n = strcspn(pubkey, "\n");

    if (pubkey[n] == '\n' && pubkey[n + 1] != '\0') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (pubkey[i] < ' ' || pubkey[i] > '~') {
            return false;
        }
    }
    const char *sp = memchr(pubkey, ' ', n);
    if (!sp || sp == pubkey || sp[1] == ' ' || sp[1] == '\0' ||
        sp + 1 >= pubkey + n) {
        return false;
    }
    const char *end = memchr(sp + 1, ' ', (size_t)(pubkey + n - sp - 1));
    size_t klen = (size_t)((end ? end : pubkey + n) - pubkey);
    if (klen + 1 > len) {
        return false;
    }
    memcpy(buf, pubkey, klen);
    buf[klen] = '\0';
    return true;
}

char *
access_known_hosts(const struct access_group *g, const char *pubkey)
{
    struct text t = {0};
    char key[1024], a[32];
    bool any = false;

    if (!key_words(pubkey, key, sizeof key)) {
        return NULL;
    }
    for (size_t i = 0; i < g->n_devices; i++) {
        const struct access_device *d = &g->devices[i];
        if (d->kind == ACCESS_SWITCH) {
            continue;
        }
        put(&t, "%s%s", any ? "," : "", fmt_addr(&d->addr, false, a));
        any = true;
    }
    if (!any) {
        return done(&t);
    }
    put(&t, " %s\n", key);
    return done(&t);
}

char *
access_proxy_authorized_keys(const char *const *ta_keys, size_t n)
{
    struct text t = {0};

    for (size_t i = 0; i < n; i++) {
        put(&t, "%s\n", ta_keys[i]);
    }
    return done(&t);
}

static bool
names_ok(const struct access_group *g)
{
    for (size_t i = 0; i < g->n_devices; i++) {
        if (!util_valid_name(g->devices[i].location, NAME_MAX_LEN) ||
            !util_valid_name(g->devices[i].what, NAME_MAX_LEN)) {
            return false;
        }
    }
    return true;
}

/* What `goto` gives for a device, for its help text. */
static void
put_meaning(struct text *t, const struct access_device *d)
{
    switch (d->kind) {
    case ACCESS_ROUTER:
        put(t, "vtysh on router %s\n", d->location);
        break;
    case ACCESS_HOST:
        put(t, "a shell on %s's %s\n", d->location, d->what);
        break;
    case ACCESS_L2HOST:
        put(t, "a shell on L2 host %s of %s\n", d->what, d->location);
        break;
    case ACCESS_SWITCH:
    default:
        put(t, "switch %s of %s: its ports' VLANs (goto %s %s help)\n",
            d->what, d->location, d->location, d->what);
        break;
    }
}

/* The switch part of `goto` (bash: /dev/tcp): a request to miniinet's
 * switch VLAN agent on the proxy's loopback, one per connection, its reply
 * printed; the last line of a reply is "ok" or "error: WHY". */
static void
put_switch_client(struct text *t)
{
    put(t,
        "vlan_ask() {\n"
        "    local line last= got=no\n"
        "    if ! { exec 3<>/dev/tcp/127.0.0.1/" ACCESS_VLAN_PORT_STR
        "; } 2>/dev/null; then\n"
        "        echo \"goto: miniinet's switch agent does not answer "
        "(tell your TA)\" >&2\n"
        "        return 1\n"
        "    fi\n"
        "    printf '%%s\\n' \"$*\" >&3\n"
        "    while IFS= read -r -t 15 line <&3 2>/dev/null; do\n"
        "        [ \"$got\" = yes ] && printf '%%s\\n' \"$last\"\n"
        "        last=$line got=yes\n"
        "    done\n"
        "    exec 3<&-\n"
        "    case $last in\n"
        "    ok) return 0 ;;\n"
        "    'error: '*) echo \"goto: ${last#error: }\" >&2 ;;\n"
        "    *)\n"
        "        [ \"$got\" = yes ] && printf '%%s\\n' \"$last\"\n"
        "        echo \"goto: miniinet's switch agent did not finish its "
        "answer\" >&2\n"
        "        ;;\n"
        "    esac\n"
        "    return 1\n"
        "}\n"
        "switch_help() {\n"
        "    cat <<EOF\n"
        "switch $2 of $1: set its ports' VLANs (the ports are listed by "
        "'show')\n"
        "  goto $1 $2 show                      its ports, what each leads "
        "to, their VLANs\n"
        "  goto $1 $2 access PORT VLAN          PORT an access port of VLAN "
        "(1-4094)\n"
        "  goto $1 $2 trunk PORT VLAN[,VLAN...] PORT a trunk of those VLANs\n"
        "  goto $1 $2 trunk PORT all            PORT a trunk of every VLAN\n"
        "  goto $1 $2                           these commands at a prompt\n"
        "EOF\n"
        "}\n"
        "switch_do() {\n"
        "    local loc=$1 sw=$2\n"
        "    shift 2\n"
        "    case $1 in\n"
        "    help | -h | --help) switch_help \"$loc\" \"$sw\" ;;\n"
        "    show) [ $# -eq 1 ] || { switch_help \"$loc\" \"$sw\" >&2; "
        "return 2; }; vlan_ask show \"$loc\" \"$sw\" ;;\n"
        "    access | trunk)\n"
        "        [ $# -eq 3 ] || { switch_help \"$loc\" \"$sw\" >&2; "
        "return 2; }\n"
        "        vlan_ask \"$1\" \"$loc\" \"$sw\" \"$2\" \"$3\"\n"
        "        ;;\n"
        "    *) echo \"goto: no switch command '$1'\" >&2; "
        "switch_help \"$loc\" \"$sw\" >&2; return 2 ;;\n"
        "    esac\n"
        "}\n"
        "switch_prompt() {\n"
        "    local w\n"
        "    vlan_ask show \"$1\" \"$2\"\n"
        "    [ -t 0 ] && echo \"commands: show, access PORT VLAN, trunk PORT "
        "VLANS|all, help, exit\"\n"
        "    while read -e -r -a w -p \"$1 $2> \"; do\n"
        "        [ ${#w[@]} -eq 0 ] && continue\n"
        "        case ${w[0]} in exit | quit) return 0 ;; esac\n"
        "        [ -t 0 ] || echo \"$1 $2> ${w[*]}\"\n"
        "        switch_do \"$1\" \"$2\" \"${w[@]}\"\n"
        "    done\n"
        "    [ -t 0 ] && echo\n"
        "    return 0\n"
        "}\n");
}

char *
access_goto_script(const struct access_group *g)
{
    struct text t = {0};
    char a[32];
    bool switches = false;

    if (!names_ok(g)) {
        return NULL;
    }
    put(&t,
        "#!/bin/bash\n"
        "# goto: the devices of AS %u (generated by miniinet; "
        "doc/access.md)\n"
        "usage() {\n"
        "    cat <<'EOF'\n"
        "usage: goto LOCATION WHAT\n"
        "the devices of AS %u:\n",
        g->asn, g->asn);
    for (size_t i = 0; i < g->n_devices; i++) {
        const struct access_device *d = &g->devices[i];
        char words[2 * NAME_MAX_LEN + 8];
        snprintf(words, sizeof words, "goto %s %s", d->location, d->what);
        put(&t, "  %-28s ", words);
        put_meaning(&t, d);
        switches |= d->kind == ACCESS_SWITCH;
    }
    put(&t, "EOF\n"
            "}\n");
    if (switches) {
        put_switch_client(&t);
    }
    put(&t, "case $# in\n"
            "0) usage; exit 0 ;;\n"
            "1) usage >&2; exit 2 ;;\n"
            "esac\n"
            "case \"$1 $2\" in\n");
    for (size_t i = 0; i < g->n_devices; i++) {
        const struct access_device *d = &g->devices[i];
        if (d->kind == ACCESS_SWITCH) {
            put(&t,
                "'%s %s')\n"
                "    if [ $# -eq 2 ]; then switch_prompt \"$1\" \"$2\"; "
                "else switch_do \"$@\"; fi\n"
                "    exit\n"
                "    ;;\n",
                d->location, d->what);
            continue;
        }
        put(&t, "'%s %s') addr=%s cmd=%s ;;\n", d->location, d->what,
            fmt_addr(&d->addr, false, a),
            d->kind == ACCESS_ROUTER ? "vtysh" : "shell");
    }
    put(&t,
        "*)\n"
        "    echo \"goto: AS %u has no device '$1 $2'\" >&2\n"
        "    usage >&2\n"
        "    exit 2\n"
        "    ;;\n"
        "esac\n"
        "[ $# -eq 2 ] || { usage >&2; exit 2; }\n"
        "set -- -F none -i " ACCESS_ETC
        "/device_key -o IdentitiesOnly=yes \\\n"
        "    -o UserKnownHostsFile=" ACCESS_ETC "/known_hosts \\\n"
        "    -o StrictHostKeyChecking=yes -o BatchMode=yes \\\n"
        "    -o ConnectTimeout=5 \"root@$addr\"\n"
        "[ -t 0 ] && set -- -t \"$@\"\n"
        "[ \"$cmd\" = vtysh ] && set -- \"$@\" vtysh\n"
        "ssh \"$@\"\n"
        "status=$?\n"
        "[ \"$status\" -eq 255 ] &&\n"
        "    echo \"goto: the device at $addr does not answer\" >&2\n"
        "exit \"$status\"\n",
        g->asn);
    return done(&t);
}

char *
access_goto_completion(const struct access_group *g)
{
    struct text t = {0};

    if (!names_ok(g)) {
        return NULL;
    }
    put(&t, "# bash completion of goto (generated by miniinet)\n"
            "_miniinet_goto() {\n"
            "    local w\n"
            "    case $COMP_CWORD in\n"
            "    1) w=\"");
    /* Each location once, in the plan's order. */
    for (size_t i = 0; i < g->n_devices; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) {
            seen = strcmp(g->devices[j].location, g->devices[i].location) == 0;
        }
        if (!seen) {
            put(&t, "%s%s", i ? " " : "", g->devices[i].location);
        }
    }
    put(&t, "\" ;;\n"
            "    2)\n"
            "        case ${COMP_WORDS[1]} in\n");
    for (size_t i = 0; i < g->n_devices; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) {
            seen = strcmp(g->devices[j].location, g->devices[i].location) == 0;
        }
        if (seen) {
            continue;
        }
        put(&t, "        %s) w=\"", g->devices[i].location);
        bool first = true;
        for (size_t j = i; j < g->n_devices; j++) {
            if (strcmp(g->devices[j].location, g->devices[i].location) == 0) {
                put(&t, "%s%s", first ? "" : " ", g->devices[j].what);
                first = false;
            }
        }
        put(&t, "\" ;;\n");
    }
    put(&t, "        *) w= ;;\n"
            "        esac\n"
            "        ;;\n"
            "    3)\n"
            "        case \"${COMP_WORDS[1]} ${COMP_WORDS[2]}\" in\n");
    for (size_t i = 0; i < g->n_devices; i++) {
        if (g->devices[i].kind == ACCESS_SWITCH) {
            put(&t, "        '%s %s') w=\"show access trunk help\" ;;\n",
                g->devices[i].location, g->devices[i].what);
        }
    }
    put(&t, "        *) w= ;;\n"
            "        esac\n"
            "        ;;\n"
            "    *) w= ;;\n"
            "    esac\n"
            "    COMPREPLY=($(compgen -W \"$w\" -- "
            "\"${COMP_WORDS[COMP_CWORD]}\"))\n"
            "}\n"
            "complete -F _miniinet_goto goto\n");
    return done(&t);
}
