/* The topology reader: the file itself, top-level settings, servers,
 * plugins, ASes and IXPs, and the finished struct topology.  AS bodies are
 * in topology_body.c, links between ASes in topology_links.c (see
 * topology_parse.h).  doc/topology.md specifies everything checked here. */
#include "config.h"

#include "topology.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "names.h"
#include "topology_parse.h"
#include "util.h"

/* ------------------------------------------------------------------------ */
/* Servers                                                                  */
/* ------------------------------------------------------------------------ */

static const char *const server_keys[] = {
    "name", "address", "interface", "mtu", "ssh", NULL,
};
static const char *const ssh_keys[] = {
    "host", "user", "port", "identity", "known_hosts", NULL,
};

static int
find_server(const struct topology *topo, const char *name)
{
    for (size_t i = 0; i < topo->n_servers; i++) {
        if (topo->servers[i].name && !strcmp(topo->servers[i].name, name)) {
            return (int)i;
        }
    }
    return -1;
}

/* Interface names: what Linux takes, minus what would confuse a shell. */
bool
topology_valid_ifname(const char *s)
{
    size_t len = strlen(s);

    return len >= 1 && len <= TP_IFNAME_MAX &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz"
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == len;
}

/* Where SSH connects: a host name or an IPv4 or IPv6 address (RFC 1123
 * letters, digits, '-' and '.', or ':' for IPv6). */
bool
topology_valid_host(const char *s)
{
    size_t len = strlen(s);

    return len >= 1 && len <= 253 && s[0] != '-' &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz"
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:") == len;
}

static char *
get_nonempty(struct tp_loader *ld, const config_setting_t *group,
             const char *obj, const char *key)
{
    const char *v;

    if (tp_get_string(ld, group, obj, key, &v)) {
        return NULL;
    }
    if (!*v) {
        tp_key_error(ld, config_setting_get_member(group, key), obj, key,
                     "must not be empty");
        return NULL;
    }
    return xstrdup(v);
}

static void
parse_ssh(struct tp_loader *ld, const config_setting_t *s, const char *obj,
          struct topo_server *srv)
{
    const config_setting_t *ssh =
        tp_member(ld, s, obj, "ssh", CONFIG_TYPE_GROUP, false);
    long long port;
    char *user;

    if (!ssh) {
        return;
    }
    char sobj[128];
    snprintf(sobj, sizeof sobj, "%s: ssh", obj);
    tp_check_keys(ld, ssh, sobj, ssh_keys);
    if ((user = get_nonempty(ld, ssh, sobj, "user"))) {
        free(srv->ssh_user);
        srv->ssh_user = user;
    }
    if (!tp_get_int(ld, ssh, sobj, "port", 1, 65535, &port)) {
        srv->ssh_port = (unsigned)port;
    }
    srv->ssh_identity = get_nonempty(ld, ssh, sobj, "identity");
    srv->ssh_known_hosts = get_nonempty(ld, ssh, sobj, "known_hosts");
    char *host = get_nonempty(ld, ssh, sobj, "host");
    if (host && !topology_valid_host(host)) {
        tp_key_error(ld, config_setting_get_member(ssh, "host"), sobj, "host",
                     "\"%s\" is not a host name or IP address", host);
        free(host);
        host = NULL;
    }
    srv->ssh_host = host;
}

static void
parse_server_address(struct tp_loader *ld, const config_setting_t *s,
                     const char *obj, struct topo_server *srv)
{
    const config_setting_t *m =
        tp_member(ld, s, obj, "address", CONFIG_TYPE_STRING, true);
    struct in_addr a, b;

    if (!m) {
        return;
    }
    const char *text = config_setting_get_string(m);
    if (inet_pton(AF_INET, text, &a) != 1) {
        tp_key_error(ld, m, obj, "address", "\"%s\" is not an IPv4 address",
                     text);
        return;
    }
    const struct topology *topo = ld->topo;
    for (size_t i = 0; i + 1 < topo->n_servers; i++) {
        const struct topo_server *o = &topo->servers[i];
        if (o->address && inet_pton(AF_INET, o->address, &b) == 1 &&
            a.s_addr == b.s_addr) {
            tp_key_error(ld, m, obj, "address",
                         "%s is also the address of "
                         "server \"%s\" (line %d)",
                         text, o->name ? o->name : "", o->line);
        }
    }
    srv->address = xstrdup(text);
}

static void
parse_server(struct tp_loader *ld, const config_setting_t *s, int index)
{
    struct topology *topo = ld->topo;
    char obj[96];
    long long mtu;

    if (!config_setting_is_group(s)) {
        tp_error(ld, s,
                 "servers: each server must be a group "
                 "{ name = ...; address = ...; }");
        return;
    }
    snprintf(obj, sizeof obj, "server %d", index + 1);
    const char *name = tp_get_name(ld, s, obj, "name", TP_SERVER_NAME_MAX);
    if (name) {
        snprintf(obj, sizeof obj, "server \"%s\"", name);
        int dup = find_server(topo, name);
        if (dup >= 0) {
            tp_error(ld, s,
                     "server \"%s\" is defined twice (first at line "
                     "%d)",
                     name, topo->servers[dup].line);
        }
    }
    tp_check_keys(ld, s, obj, server_keys);

    struct topo_server *srv = &topo->servers[topo->n_servers++];
    srv->name = name ? xstrdup(name) : NULL;
    srv->ssh_user = xstrdup("root");
    srv->ssh_port = 22;
    srv->mtu = 1500;
    srv->line = (int)config_setting_source_line(s);

    parse_server_address(ld, s, obj, srv);
    const char *ifname;
    if (!tp_get_string(ld, s, obj, "interface", &ifname)) {
        if (topology_valid_ifname(ifname)) {
            srv->interface = xstrdup(ifname);
        } else {
            tp_key_error(ld, config_setting_get_member(s, "interface"), obj,
                         "interface",
                         "\"%s\" is not an interface name (1 to "
                         "%d characters of A-Z, a-z, 0-9, _, . and -)",
                         ifname, TP_IFNAME_MAX);
        }
    }
    if (!tp_get_int(ld, s, obj, "mtu", 576, 65535, &mtu)) {
        srv->mtu = (unsigned)mtu;
    }
    parse_ssh(ld, s, obj, srv);
}

static void
parse_servers(struct tp_loader *ld, const config_setting_t *root)
{
    const config_setting_t *list =
        tp_member(ld, root, "", "servers", CONFIG_TYPE_LIST, false);
    if (!list) {
        return;
    }
    int n = config_setting_length(list);
    if (!n) {
        tp_error(ld, list,
                 "servers: empty list (leave it out to run "
                 "everything on this machine)");
        return;
    }
    ld->topo->servers = xcalloc((size_t)n, sizeof *ld->topo->servers);
    for (int i = 0; i < n; i++) {
        parse_server(ld, config_setting_get_elem(list, i), i);
    }
}

/* ------------------------------------------------------------------------ */
/* Network name, plugins                                                    */
/* ------------------------------------------------------------------------ */

static bool
valid_plugin_name(const char *s)
{
    size_t len = strlen(s);

    return len >= 1 && len <= 32 &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

static void
parse_plugin_choice(struct tp_loader *ld, const config_setting_t *m,
                    char **out)
{
    const char *key = config_setting_name(m);

    if (!tp_is_type(m, CONFIG_TYPE_STRING)) {
        tp_error(ld, m,
                 "plugins.%s: must be a string (the name of a %s "
                 "plugin)",
                 key, key);
        return;
    }
    const char *name = config_setting_get_string(m);
    if (!valid_plugin_name(name)) {
        tp_error(ld, m,
                 "plugins.%s: \"%s\" is not a plugin name (1 to 32 "
                 "characters of a-z, 0-9, _ and -)",
                 key, name);
        return;
    }
    *out = xstrdup(name);
}

static void
parse_plugins(struct tp_loader *ld, const config_setting_t *root)
{
    const config_setting_t *p =
        tp_member(ld, root, "", "plugins", CONFIG_TYPE_GROUP, false);
    struct topology *topo = ld->topo;

    for (int i = 0; p && i < config_setting_length(p); i++) {
        const config_setting_t *m = config_setting_get_elem(p, i);
        const char *key = config_setting_name(m);
        char hint[96];

        if (!strcmp(key, "runtime")) {
            parse_plugin_choice(ld, m, &topo->plugin_runtime);
        } else if (!strcmp(key, "switch")) {
            parse_plugin_choice(ld, m, &topo->plugin_switch);
        } else if (!strcmp(key, "tunnel")) {
            parse_plugin_choice(ld, m, &topo->plugin_tunnel);
        } else if (!config_setting_is_group(m)) {
            /* Only groups are plugin settings; anything else is a typo of
             * a choice or a mistake. */
            tp_did_you_mean(key, plugin_kind_names, hint, sizeof hint);
            tp_error(ld, m, "plugins: unknown setting \"%s\"%s", key,
                     *hint ? hint
                           : " (settings of a plugin are a group "
                             "named after it)");
        } else if (!valid_plugin_name(key)) {
            tp_error(ld, m,
                     "plugins.%s: not a plugin name (1 to 32 "
                     "characters of a-z, 0-9, _ and -)",
                     key);
        }
    }
}

static void
parse_network_name(struct tp_loader *ld, const config_setting_t *root)
{
    const char *name = "miniinet";
    const config_setting_t *m =
        tp_member(ld, root, "", "name", CONFIG_TYPE_STRING, false);

    if (m) {
        name = config_setting_get_string(m);
        if (!util_valid_name(name, TP_NETWORK_NAME_MAX)) {
            tp_error(ld, m,
                     "name: \"%s\" is not a valid name (1 to %d "
                     "characters of A-Z, a-z, 0-9, _ and -)",
                     name, TP_NETWORK_NAME_MAX);
        }
    }
    ld->topo->name = xstrdup(name);
}

/* ------------------------------------------------------------------------ */
/* AS and IXP numbers                                                       */
/* ------------------------------------------------------------------------ */

struct numbers {
    const char *kind;              /* "AS" or "IXP" */
    const config_setting_t *where; /* the asn/asns setting */
    unsigned *v;
    size_t n;
    char obj[96]; /* 'AS 5', 'ASes "2-3"' */
};

static bool
read_decimal(const char **pp, unsigned long *out)
{
    const char *p = *pp;
    unsigned long v = 0;

    if (!isdigit((unsigned char)*p)) {
        return false;
    }
    for (; isdigit((unsigned char)*p); p++) {
        v = v > 100000 ? v : v * 10 + (unsigned long)(*p - '0');
    }
    *pp = p;
    *out = v;
    return true;
}

static void
skip_spaces(const char **p)
{
    while (**p == ' ' || **p == '\t') {
        (*p)++;
    }
}

/* Adds the range lo..hi of item `item` (for messages) to `nums`. */
static bool
add_range(struct tp_loader *ld, struct numbers *nums, const char *key,
          const char *text, const char *item, int item_len, unsigned long lo,
          unsigned long hi, bool *seen)
{
    const config_setting_t *s = nums->where;

    if (hi < lo) {
        tp_error(ld, s, "%s: range \"%.*s\" is reversed", key, item_len, item);
        return false;
    }
    if (lo < 1 || hi > TOPO_MAX_ASN) {
        /* Quoted as written: read_decimal() stops counting at 100000. */
        bool first = lo < 1 || lo > TOPO_MAX_ASN;
        const char *end =
            first ? item + strspn(item, "0123456789") : item + item_len;
        const char *start = end;
        while (start > item && isdigit((unsigned char)start[-1])) {
            start--;
        }
        tp_error(ld, s,
                 "%s: %.*s is not a valid %s number (1..%d, not %d, %d or "
                 "%d)",
                 key, (int)(end - start), start, nums->kind, TOPO_MAX_ASN,
                 TOPO_RESERVED_ASN, TOPO_LINK_OCTET, TOPO_IXP_OCTET);
        return false;
    }
    for (unsigned long v = lo; v <= hi; v++) {
        if (tp_reserved_asn((long long)v)) {
            tp_error(ld, s,
                     "%s: \"%.*s\" includes %lu, which is reserved (%s)", key,
                     item_len, item, v, tp_reserved_asn((long long)v));
            return false;
        }
    }
    for (unsigned long v = lo; v <= hi; v++) {
        if (seen[v]) {
            tp_error(ld, s, "%s: %lu is listed twice in \"%s\"", key, v, text);
            return false;
        }
        seen[v] = true;
        nums->v[nums->n++] = (unsigned)v;
    }
    return true;
}

/* Parses "1-10,21" strictly: numbers and ranges separated by commas,
 * spaces allowed around them, nothing else. */
static bool
parse_number_list(struct tp_loader *ld, struct numbers *nums, const char *key)
{
    const char *text = config_setting_get_string(nums->where);
    bool seen[TOPO_MAX_ASN + 1] = {false};
    const char *p = text;

    nums->v = xcalloc(TOPO_MAX_ASN + 1, sizeof *nums->v);
    for (;;) {
        unsigned long lo, hi;

        skip_spaces(&p);
        const char *item = p;
        if (!read_decimal(&p, &lo)) {
            break;
        }
        hi = lo;
        skip_spaces(&p);
        if (*p == '-') {
            p++;
            skip_spaces(&p);
            if (!read_decimal(&p, &hi)) {
                break;
            }
        }
        int item_len = (int)(p - item);
        skip_spaces(&p);
        if (*p && *p != ',') {
            break;
        }
        if (!add_range(ld, nums, key, text, item, item_len, lo, hi, seen)) {
            return false;
        }
        if (!*p++) {
            return true;
        }
    }
    tp_error(ld, nums->where,
             "%s: \"%s\" is not a list of numbers and "
             "ranges like \"1-10,21\"",
             key, text);
    return false;
}

bool
tp_parse_asn_string(struct tp_loader *ld, const config_setting_t *s,
                    const char *key, unsigned **v, size_t *n)
{
    struct numbers nums = {.kind = "AS", .where = s};

    if (!parse_number_list(ld, &nums, key)) {
        free(nums.v);
        return false;
    }
    *v = nums.v;
    *n = nums.n;
    return true;
}

/* Reads `one` (an integer) or `many` (a list string) of entry `s`. */
static bool
parse_numbers(struct tp_loader *ld, const config_setting_t *s, const char *one,
              const char *many, struct numbers *nums)
{
    const config_setting_t *a = config_setting_get_member(s, one);
    const config_setting_t *m = config_setting_get_member(s, many);

    if (a && m) {
        tp_error(ld, m, "%s: give either \"%s\" or \"%s\", not both",
                 nums->kind, one, many);
        return false;
    }
    if (!a && !m) {
        tp_error(ld, s, "%s: missing required setting \"%s\" (or \"%s\")",
                 nums->kind, one, many);
        return false;
    }
    if (a) {
        nums->where = a;
        if (!tp_is_type(a, CONFIG_TYPE_INT)) {
            tp_error(ld, a, "%s: must be an integer", one);
            return false;
        }
        long long v = config_setting_get_int64(a);
        char why[128];
        if (tp_asn_problem(v, nums->kind, why, sizeof why)) {
            tp_error(ld, a, "%s: %s", one, why);
            return false;
        }
        nums->v = xmalloc(sizeof *nums->v);
        nums->v[0] = (unsigned)v;
        nums->n = 1;
        snprintf(nums->obj, sizeof nums->obj, "%s %lld", nums->kind, v);
        return true;
    }
    nums->where = m;
    if (!tp_is_type(m, CONFIG_TYPE_STRING)) {
        tp_error(ld, m, "%s: must be a string like \"1-10,21\"", many);
        return false;
    }
    snprintf(nums->obj, sizeof nums->obj, "%s \"%s\"",
             strcmp(nums->kind, "AS") != 0 ? "IXPs" : "ASes",
             config_setting_get_string(m));
    return parse_number_list(ld, nums, many);
}

/* Gives number n to an AS or IXP defined at `where`. */
static struct tp_slot *
claim_number(struct tp_loader *ld, unsigned n, const config_setting_t *where,
             bool ixp)
{
    struct tp_slot *slot = &ld->slots[n];
    const char *kind = ixp ? "IXP" : "AS";
    char at[PATH_MAX + 32];

    if (slot->where) {
        tp_where(ld, slot->where, where, at, sizeof at);
        if (slot->ixp == ixp) {
            tp_error(ld, where, "%s %u is defined twice (first at %s)", kind,
                     n, at);
        } else {
            tp_error(ld, where,
                     "%s %u: %u is already the number of %s %u "
                     "(%s); ASes and IXPs share one number space",
                     kind, n, n, slot->ixp ? "IXP" : "AS", n, at);
        }
        return NULL;
    }
    slot->where = where;
    slot->ixp = ixp;
    slot->configured = true;
    slot->server = -1;
    return slot;
}

static int
parse_placement(struct tp_loader *ld, const config_setting_t *s,
                const char *obj)
{
    const config_setting_t *m =
        tp_member(ld, s, obj, "server", CONFIG_TYPE_STRING, false);
    if (!m) {
        return -1;
    }
    const char *name = config_setting_get_string(m);
    int server = find_server(ld->topo, name);
    if (server < 0) {
        tp_key_error(ld, m, obj, "server", "no server named \"%s\"%s", name,
                     ld->topo->n_servers ? "" : " (the file has no servers)");
    }
    return server;
}

/* ------------------------------------------------------------------------ */
/* ASes and IXPs                                                            */
/* ------------------------------------------------------------------------ */

static const char *const as_keys[] = {
    "asn",   "asns", "template",    "students", "server", "routers",
    "links", "l2",   "measurement", "matrix",   NULL,
};
static const char *const ixp_keys[] = {"id", "ids", "server", NULL};

/* The body of AS entry `s`: its template, or its own inline body. */
static const struct topo_body *
as_body(struct tp_loader *ld, const config_setting_t *s, const char *obj)
{
    const config_setting_t *t =
        tp_member(ld, s, obj, "template", CONFIG_TYPE_STRING, false);
    const char *first = NULL; /* the first key of an inline body */

    for (const char *const *k = tp_body_keys; *k; k++) {
        if (!first && config_setting_get_member(s, *k)) {
            first = *k;
        }
    }
    bool is_inline = first != NULL;
    if (t && is_inline &&
        (!strcmp(first, "measurement") || !strcmp(first, "matrix"))) {
        /* The measurement router and the matrix host's router are among the
         * body's routers: the template's, chosen in the template. */
        tp_key_error(ld, config_setting_get_member(s, first), obj, first,
                     "an AS with a template (\"%s\") takes its %s router "
                     "from the template: set %s there, or give the AS an "
                     "inline body (routers = ...)",
                     config_setting_get_string(t),
                     strcmp(first, "matrix") ? "measurement" : "matrix",
                     first);
        return NULL;
    }
    if (t && is_inline) {
        tp_error(ld, t,
                 "%s: has both a template and an inline body "
                 "(routers, links, l2: here %s); give one of them",
                 obj, first);
        return NULL;
    }
    if (is_inline) {
        return tp_parse_body(ld, s, NULL, obj);
    }
    if (!t) {
        if (!config_setting_get_member(s, "template")) {
            tp_error(ld, s,
                     "%s: needs a template or an inline body "
                     "(routers = ...)",
                     obj);
        }
        return NULL;
    }
    const char *name = config_setting_get_string(t);
    const struct topo_body *b = tp_find_template(ld->topo, name);
    if (!b) {
        const struct topology *topo = ld->topo;
        const char **names = xcalloc(topo->n_bodies + 1, sizeof *names);
        size_t n = 0;
        char hint[96];

        for (size_t i = 0; i < topo->n_bodies; i++) {
            if (topo->bodies[i]->name) {
                names[n++] = topo->bodies[i]->name;
            }
        }
        tp_key_error(ld, t, obj, "template", "no template named \"%s\"%s",
                     name, tp_did_you_mean(name, names, hint, sizeof hint));
        free(names);
    }
    return b;
}

static void
parse_as_entry(struct tp_loader *ld, const config_setting_t *s)
{
    struct numbers nums = {.kind = "AS"};
    bool students = false;

    if (!config_setting_is_group(s)) {
        tp_error(ld, s, "ases: each AS must be a group { asn = ...; ... }");
        return;
    }
    bool ok = parse_numbers(ld, s, "asn", "asns", &nums);
    const char *obj = nums.obj[0] ? nums.obj : "AS";
    tp_check_keys(ld, s, obj, as_keys);
    tp_get_bool(ld, s, obj, "students", &students);
    int server = parse_placement(ld, s, obj);
    const struct topo_body *body = as_body(ld, s, obj);

    for (size_t i = 0; ok && i < nums.n; i++) {
        struct tp_slot *slot = claim_number(ld, nums.v[i], nums.where, false);
        if (slot) {
            slot->body = body;
            slot->broken = !body;
            slot->configured = !students;
            slot->server = server;
        }
    }
    free(nums.v);
}

static void
parse_ixp_entry(struct tp_loader *ld, const config_setting_t *s)
{
    struct numbers nums = {.kind = "IXP"};

    if (!config_setting_is_group(s)) {
        tp_error(ld, s, "ixps: each IXP must be a group { id = ...; }");
        return;
    }
    bool ok = parse_numbers(ld, s, "id", "ids", &nums);
    const char *obj = nums.obj[0] ? nums.obj : "IXP";
    tp_check_keys(ld, s, obj, ixp_keys);
    int server = parse_placement(ld, s, obj);

    for (size_t i = 0; ok && i < nums.n; i++) {
        struct tp_slot *slot = claim_number(ld, nums.v[i], nums.where, true);
        if (slot) {
            slot->server = server;
        }
    }
    free(nums.v);
}

static void
parse_ases_and_ixps(struct tp_loader *ld, const config_setting_t *root)
{
    const config_setting_t *list =
        tp_member(ld, root, "", "ases", CONFIG_TYPE_LIST, true);

    if (list && !config_setting_length(list)) {
        tp_error(ld, list, "ases: needs at least one AS");
    }
    for (int i = 0; list && i < config_setting_length(list); i++) {
        parse_as_entry(ld, config_setting_get_elem(list, i));
    }
    list = tp_member(ld, root, "", "ixps", CONFIG_TYPE_LIST, false);
    for (int i = 0; list && i < config_setting_length(list); i++) {
        parse_ixp_entry(ld, config_setting_get_elem(list, i));
    }
}

/* ------------------------------------------------------------------------ */
/* Loading and freeing                                                      */
/* ------------------------------------------------------------------------ */

static const char *const top_keys[] = {
    "name",      "servers",     "plugins", "impairments_optional",
    "templates", "ases",        "ixps",    "links",
    "snapshots", "measurement", "access",  NULL,
};

/* measurement = true | false | { server = "NAME"; }: the measurement host,
 * on the named server or the first. */
static void
parse_measurement(struct tp_loader *ld, const config_setting_t *root)
{
    static const char *const keys[] = {"server", NULL};
    const config_setting_t *m = config_setting_get_member(root, "measurement");
    struct topology *topo = ld->topo;

    topo->measurement_server = -1;
    if (!m) {
        return;
    }
    topo->measurement_line = (int)config_setting_source_line(m);
    if (tp_is_type(m, CONFIG_TYPE_BOOL)) {
        topo->measurement = config_setting_get_bool(m);
        return;
    }
    if (!config_setting_is_group(m)) {
        tp_key_error(ld, m, "", "measurement",
                     "must be true, false or a group { server = \"NAME\"; }");
        return;
    }
    topo->measurement = true;
    tp_check_keys(ld, m, "measurement", keys);
    if (config_setting_get_member(m, "server")) {
        topo->measurement_server = parse_placement(ld, m, "measurement");
    }
}

/* A body that names a measurement router in a file without the host. */
static void
check_measurement_bodies(struct tp_loader *ld)
{
    const struct topology *topo = ld->topo;

    for (size_t i = 0; !topo->measurement && i < topo->n_bodies; i++) {
        const struct topo_body *b = topo->bodies[i];
        if (b->measurement_line) {
            tp_error(ld,
                     config_setting_get_member(ld->body_src[i], "measurement"),
                     "%s%s%s: measurement: the file has no measurement host "
                     "(add `measurement = true;` at the top level)",
                     b->name ? "template \"" : "AS", b->name ? b->name : "",
                     b->name ? "\"" : "");
        }
    }
}

/* snapshots = { keep_last = N; keep_days = N; } */
static void
parse_snapshots(struct tp_loader *ld, const config_setting_t *root)
{
    static const char *const keys[] = {"keep_last", "keep_days", NULL};
    const config_setting_t *g =
        tp_member(ld, root, "", "snapshots", CONFIG_TYPE_GROUP, false);
    long long v;

    ld->topo->snapshots_keep_last = -1;
    ld->topo->snapshots_keep_days = -1;
    if (!g) {
        return;
    }
    tp_check_keys(ld, g, "snapshots", keys);
    if (!tp_get_int(ld, g, "snapshots", "keep_last", 0, 100000, &v)) {
        ld->topo->snapshots_keep_last = v;
    }
    if (!tp_get_int(ld, g, "snapshots", "keep_days", 0, 3650, &v)) {
        ld->topo->snapshots_keep_days = v;
    }
}

static void
parse_top(struct tp_loader *ld, const config_setting_t *root)
{
    bool b;

    tp_check_keys(ld, root, "", top_keys);
    parse_network_name(ld, root);
    if (!tp_get_bool(ld, root, "", "impairments_optional", &b)) {
        ld->topo->impairments_optional = b;
    }
    parse_servers(ld, root);
    parse_plugins(ld, root);
    parse_snapshots(ld, root);
    parse_measurement(ld, root);
    tp_parse_templates(ld, root);
    parse_ases_and_ixps(ld, root);
    check_measurement_bodies(ld);
    tp_check_names(ld);
    tp_parse_links(ld, root);
    tp_parse_access(ld, root);
}

/* Moves the numbers into topology.ases, sorted by number. */
static void
collect_ases(struct tp_loader *ld)
{
    struct topology *topo = ld->topo;

    topo->ases = xcalloc(TOPO_MAX_ASN, sizeof *topo->ases);
    for (unsigned n = 1; n <= TOPO_MAX_ASN; n++) {
        const struct tp_slot *slot = &ld->slots[n];
        if (slot->where) {
            struct topo_as *as = &topo->ases[topo->n_ases++];
            as->asn = n;
            as->ixp = slot->ixp;
            as->configured = slot->configured;
            as->server = slot->server;
            as->body = slot->body;
            as->line = (int)config_setting_source_line(slot->where);
        }
    }
}

int
topology_load(const char *path, struct topology **out)
{
    struct tp_loader ld = {.path = path};
    int error;

    *out = NULL;
    ld.topo = xcalloc(1, sizeof *ld.topo);
    ld.topo->file = xstrdup(path);
    ld.cf = xmalloc(sizeof *ld.cf);
    ld.topo->config = ld.cf;

    error = tp_read_file(&ld);
    if (!error) {
        parse_top(&ld, config_root_setting(ld.cf));
        error = ld.n_errors ? -EINVAL : 0;
    }
    tp_report_error_count(&ld);
    tp_free_elink_src(&ld);
    free(ld.body_src);
    free(ld.dir);
    free(ld.real_dir);
    if (error) {
        topology_free(ld.topo);
        return error;
    }
    collect_ases(&ld);
    *out = ld.topo;
    return 0;
}

static void
free_body(struct topo_body *b)
{
    for (size_t i = 0; i < b->n_routers; i++) {
        free(b->routers[i].name);
        free(b->routers[i].host_rows);
    }
    for (size_t i = 0; i < b->n_l2nets; i++) {
        struct topo_l2net *net = &b->l2nets[i];
        for (size_t j = 0; j < net->n_switches; j++) {
            free(net->switches[j].name);
        }
        for (size_t j = 0; j < net->n_hosts; j++) {
            free(net->hosts[j].name);
        }
        free(net->name);
        free(net->switches);
        free(net->links);
        free(net->hosts);
    }
    free(b->name);
    free(b->routers);
    free(b->links);
    free(b->l2nets);
    free(b);
}

void
topology_free(struct topology *topo)
{
    if (!topo) {
        return;
    }
    for (size_t i = 0; i < topo->n_servers; i++) {
        struct topo_server *s = &topo->servers[i];
        free(s->name);
        free(s->address);
        free(s->interface);
        free(s->ssh_user);
        free(s->ssh_identity);
        free(s->ssh_known_hosts);
        free(s->ssh_host);
    }
    free(topo->servers);
    for (size_t i = 0; i < topo->n_bodies; i++) {
        free_body(topo->bodies[i]);
    }
    free(topo->bodies);
    free(topo->ases);
    for (size_t i = 0; i < topo->n_elinks; i++) {
        free(topo->elinks[i].announce);
    }
    free(topo->elinks);
    free(topo->plugin_runtime);
    free(topo->plugin_switch);
    free(topo->plugin_tunnel);
    tp_free_access(&topo->access);
    if (topo->config) {
        config_destroy(topo->config);
        free(topo->config);
    }
    free(topo->name);
    free(topo->file);
    free(topo);
}

const struct topo_as *
topology_find_as(const struct topology *topo, unsigned asn)
{
    size_t lo = 0, hi = topo->n_ases;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (topo->ases[mid].asn == asn) {
            return &topo->ases[mid];
        } else if (topo->ases[mid].asn < asn) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

bool
topology_has_bridges(const struct topology *topo)
{
    if (topo->access.enabled && topo->access.n_asns) {
        return true; /* a management bridge per group (doc/access.md) */
    }
    for (size_t i = 0; i < topo->n_ases; i++) {
        const struct topo_as *as = &topo->ases[i];
        if (as->ixp || (as->body && as->body->n_l2nets)) {
            return true;
        }
    }
    return false;
}

unsigned
topology_check_plugin_groups(const struct topology *topo,
                             bool (*known)(const char *name, void *aux),
                             void *aux, const char *const *suggest)
{
    const config_setting_t *p =
        topo->config ? config_lookup(topo->config, "plugins") : NULL;
    unsigned n = 0;

    for (int i = 0;
         p && config_setting_is_group(p) && i < config_setting_length(p);
         i++) {
        const config_setting_t *m = config_setting_get_elem(p, i);
        const char *name = config_setting_name(m);
        char hint[96];

        if (!config_setting_is_group(m) || known(name, aux)) {
            continue;
        }
        log_error_at(
            config_setting_source_file(m), (int)config_setting_source_line(m),
            "plugins.%s: no plugin \"%s\" is chosen or installed%s", name,
            name, tp_did_you_mean(name, suggest, hint, sizeof hint));
        n++;
    }
    return n;
}

const struct mi_settings *
topology_plugin_settings(const struct topology *topo, const char *plugin)
{
    const config_setting_t *plugins, *s;

    if (!topo->config || tp_in_list(plugin, plugin_kind_names)) {
        return NULL;
    }
    plugins = config_lookup(topo->config, "plugins");
    if (!plugins || !config_setting_is_group(plugins)) {
        return NULL;
    }
    s = config_setting_get_member(plugins, plugin);
    return s && config_setting_is_group(s) ? (const struct mi_settings *)s
                                           : NULL;
}
