/* The importer's driver and its AS-level parsers: AS_config.txt (and
 * AS_config_GLOBAL.txt with its server column), the AS-level links
 * (aslevel_links.txt, external_links_config.txt, both unit conventions)
 * and server_config_GLOBAL.txt. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import_int.h"
#include "topology.h"
#include "util.h"

#define IMP_MAX_ASN 223 /* miniinet's range: doc/topology.md, Addressing */

static const struct imp_as *
find_as(const struct importer *im, unsigned asn)
{
    for (size_t i = 0; i < im->n_ases; i++) {
        if (im->ases[i].asn == asn) {
            return &im->ases[i];
        }
    }
    return NULL;
}

static const struct imp_server *
find_server(const struct importer *im, const char *name)
{
    for (size_t i = 0; i < im->n_servers; i++) {
        if (!strcmp(im->servers[i].name, name)) {
            return &im->servers[i];
        }
    }
    return NULL;
}

/* An AS or IXP number as the AS file gives it; false after reporting. */
static bool
asn_word(struct importer *im, const struct imp_file *f, int line,
         const char *word, long *asn)
{
    if (!imp_number(word, 0, 999999, asn)) {
        imp_error(im, f, line, "\"%s\" is not an AS number", word);
        return false;
    }
    if (*asn < 1 || *asn > IMP_MAX_ASN || *asn == 127 || *asn == 179 ||
        *asn == 180) {
        imp_error(im, f, line,
                  "AS %ld is out of range: miniinet takes 1..%d, not 127, "
                  "179 or 180 (the first octet of the AS's own /8, which "
                  "must not overlap loopback, 179.0.0.0/8 or 180.0.0.0/8)",
                  *asn, IMP_MAX_ASN);
        return false;
    }
    return true;
}

static void
read_as_config(struct importer *im, const struct imp_file *f)
{
    size_t want = im->global ? 9 : 8;

    for (size_t i = 0; i < f->n_lines; i++) {
        const struct imp_line *l = &f->lines[i];
        long asn;

        if (!l->n_words) {
            continue;
        }
        if (!imp_columns(im, f, l, want, want,
                         im->global ? "AS AS|IXP Config|NoConfig ROUTERS "
                                      "LINKS L2_SWITCHES L2_HOSTS L2_LINKS "
                                      "SERVER"
                                    : "AS AS|IXP Config|NoConfig ROUTERS "
                                      "LINKS L2_SWITCHES L2_HOSTS L2_LINKS")) {
            continue;
        }
        if (!asn_word(im, f, l->line, l->words[0], &asn)) {
            continue;
        }
        const struct imp_as *dup = find_as(im, (unsigned)asn);
        if (dup) {
            imp_error(im, f, l->line,
                      "AS %ld is listed twice (first at line "
                      "%d)",
                      asn, dup->line);
            continue;
        }
        bool ixp = !strcmp(l->words[1], "IXP");
        if (!ixp && strcmp(l->words[1], "AS") != 0) {
            imp_error(im, f, l->line, "AS %ld: \"%s\": expected AS or IXP",
                      asn, l->words[1]);
            continue;
        }
        bool configured = !strcmp(l->words[2], "Config");
        if (!configured && strcmp(l->words[2], "NoConfig") != 0) {
            imp_error(im, f, l->line,
                      "AS %ld: \"%s\": expected Config or NoConfig", asn,
                      l->words[2]);
            continue;
        }
        if (ixp && !configured) {
            imp_error(im, f, l->line,
                      "IXP %ld: NoConfig (an IXP is always Config)", asn);
            continue;
        }
        struct imp_as as = {
            .asn = (unsigned)asn,
            .ixp = ixp,
            .configured = configured,
            .line = l->line,
            .template = -1,
        };
        if (im->global) {
            if (!find_server(im, l->words[8])) {
                imp_error(im, f, l->line,
                          "AS %ld: server \"%s\" is not in "
                          "server_config_GLOBAL.txt",
                          asn, l->words[8]);
                continue;
            }
            as.server = xstrdup(l->words[8]);
        }
        bool bad = false;
        for (size_t k = 0; k < 5 && !ixp; k++) {
            const char *name = l->words[3 + k];
            as.files[k] = imp_file(im, name, false);
            if (as.files[k]->unreadable) {
                bad = true; /* reported by imp_file() */
            } else if (as.files[k]->missing) {
                if (!strcmp(name, "N/A") || k == 0) {
                    imp_error(im, f, l->line, "AS %ld: %s: %s", asn,
                              as.files[k]->path,
                              !strcmp(name, "N/A") ? "an AS needs its files"
                                                   : "no such file");
                    bad = true;
                } else {
                    imp_warn(im, f, l->line,
                             "AS %ld: %s: no such file; read as empty (as "
                             "the original's readarray does)",
                             asn, as.files[k]->path);
                }
            }
        }
        /* An AS whose files were reported stays known, without a body,
         * so that its links report nothing more. */
        as.broken = bad;
        im->ases = xrealloc(im->ases, (im->n_ases + 1) * sizeof as);
        im->ases[im->n_ases++] = as;
        if (bad) {
            continue;
        }
        if (ixp) {
            im->counts.ixps++;
        } else {
            im->counts.ases++;
            im->counts.preconfigured += configured;
        }
    }
}

static bool
parse_rel(const char *w, enum imp_rel *rel)
{
    if (!strcasecmp(w, "Provider")) {
        *rel = IMP_PROVIDER;
    } else if (!strcasecmp(w, "Customer")) {
        *rel = IMP_CUSTOMER;
    } else if (!strcasecmp(w, "Peer")) {
        *rel = IMP_PEER;
    } else {
        return false;
    }
    return true;
}

/* "a.b.c.0/24" -> the /24; false if it is not one. */
static bool
parse_subnet(const char *s, uint32_t *out)
{
    unsigned o[4];
    char tail[8];

    if (sscanf(s, "%3u.%3u.%3u.%3u%7s", &o[0], &o[1], &o[2], &o[3], tail) !=
            5 ||
        strcmp(tail, "/24") != 0 || o[0] > 255 || o[1] > 255 || o[2] > 255 ||
        o[3] != 0 || !o[0] || o[0] == 127 || o[0] >= 224) {
        return false;
    }
    *out = o[0] << 24 | o[1] << 16 | o[2] << 8;
    return true;
}

/* The IXP line's last column: the ASes that may get AS1's routes. */
static void
parse_announce(struct importer *im, const struct imp_file *f,
               const struct imp_line *l, struct imp_elink *e)
{
    size_t n;
    char **items = util_split(l->words[l->n_words - 1], ',', &n);

    e->announce = xcalloc(n ? n : 1, sizeof *e->announce);
    for (size_t i = 0; i < n; i++) {
        long asn;
        if (!imp_number(items[i], 1, 999999, &asn)) {
            imp_error(im, f, l->line,
                      "\"%s\" in the IXP's list \"%s\" is not an AS number",
                      items[i], l->words[l->n_words - 1]);
            continue;
        }
        bool dup = false;
        for (size_t k = 0; k < e->n_announce; k++) {
            dup |= e->announce[k] == (unsigned)asn;
        }
        if (!dup) {
            e->announce[e->n_announce++] = (unsigned)asn;
        }
    }
    util_free_strv(items);
}

/* The /24 of an AS-AS link as the plan gives it. */
static uint32_t
elink_subnet(const struct imp_elink *e)
{
    unsigned lo = e->as_a < e->as_b ? e->as_a : e->as_b;
    unsigned hi = e->as_a < e->as_b ? e->as_b : e->as_a;

    return e->subnet ? e->subnet : 179u << 24 | lo << 16 | hi << 8;
}

/* What the topology file refuses of a second link between two ASes,
 * reported on this line: false after reporting. */
static bool
elink_conflict(struct importer *im, const struct imp_file *f,
               const struct imp_elink *e)
{
    for (size_t i = 0; i < im->n_elinks; i++) {
        const struct imp_elink *o = &im->elinks[i];
        if (o->to_ixp) {
            continue;
        }
        bool same = o->as_a == e->as_a && o->as_b == e->as_b &&
                    o->router_a == e->router_a && o->router_b == e->router_b;
        bool swapped = o->as_a == e->as_b && o->as_b == e->as_a &&
                       o->router_a == e->router_b &&
                       o->router_b == e->router_a;
        bool same_pair = (o->as_a == e->as_a && o->as_b == e->as_b) ||
                         (o->as_a == e->as_b && o->as_b == e->as_a);
        uint32_t net = elink_subnet(e);
        if (same || swapped) {
            imp_error(im, f, e->line,
                      "a second link between these routers of AS %u and AS "
                      "%u (first at line %d): miniinet has one per pair of "
                      "routers",
                      e->as_a, e->as_b, o->line);
            return false;
        }
        if (same_pair && !o->subnet && !e->subnet) {
            imp_error(im, f, e->line,
                      "a second link between AS %u and AS %u (first at line "
                      "%d), both in %u.%u.%u.0/24: give each its own subnet",
                      e->as_a, e->as_b, o->line, net >> 24, net >> 16 & 255,
                      net >> 8 & 255);
            return false;
        }
        if (net == elink_subnet(o)) {
            imp_error(im, f, e->line,
                      "subnet %u.%u.%u.0/24 is also the link's at line %d",
                      net >> 24, net >> 16 & 255, net >> 8 & 255, o->line);
            return false;
        }
    }
    return true;
}

static void
read_link(struct importer *im, const struct imp_file *f,
          const struct imp_line *l, size_t row)
{
    long a, b;
    enum imp_rel rel, rel_b;

    if (!imp_columns(im, f, l, 9, 10,
                     "AS1 ROUTER1 ROLE1 AS2 ROUTER2 ROLE2 THROUGHPUT DELAY "
                     "[BUFFER] SUBNET")) {
        return;
    }
    bool old = l->n_words == 9;
    if (!asn_word(im, f, l->line, l->words[0], &a) ||
        !asn_word(im, f, l->line, l->words[3], &b)) {
        return;
    }
    const struct imp_as *sa = find_as(im, (unsigned)a);
    const struct imp_as *sb = find_as(im, (unsigned)b);
    if (!sa || !sb || sa->ixp) {
        imp_error(
            im, f, l->line, "%s %ld is %s %s", sa && sa->ixp ? "IXP" : "AS",
            sa && sb ? a
            : !sa    ? a
                     : b,
            sa && sa->ixp ? "in the first column; write the line" : "not in",
            sa && sa->ixp ? "from the AS's side" : im->as_file);
        return;
    }
    if (!parse_rel(l->words[2], &rel) || !parse_rel(l->words[5], &rel_b)) {
        imp_error(im, f, l->line,
                  "unknown relationship \"%s\": expected Provider, Customer "
                  "or Peer",
                  parse_rel(l->words[2], &rel) ? l->words[5] : l->words[2]);
        return;
    }
    if (a == b) {
        imp_error(im, f, l->line, "links AS %ld to itself", a);
        return;
    }
    if (!sa->body || (!sb->ixp && !sb->body)) {
        return; /* its files were reported */
    }
    int ra = imp_find_router(sa->body, l->words[1]);
    if (ra < 0) {
        imp_error(im, f, l->line, "AS %ld has no router \"%s\" (%s)", a,
                  l->words[1], sa->files[0]->name);
        return;
    }
    struct imp_elink e = {
        .as_a = (unsigned)a,
        .as_b = (unsigned)b,
        .router_a = (size_t)ra,
        .to_ixp = sb->ixp,
        .rel = rel,
        .line = l->line,
    };
    if (sb->ixp) {
        if (rel != IMP_PEER || rel_b != IMP_PEER) {
            imp_error(im, f, l->line,
                      "AS %ld at IXP %ld: the relationship must be Peer", a,
                      b);
            return;
        }
        for (size_t i = 0; i < im->n_elinks; i++) {
            if (im->elinks[i].to_ixp && im->elinks[i].as_a == e.as_a &&
                im->elinks[i].as_b == e.as_b) {
                imp_error(im, f, l->line,
                          "AS %ld joins IXP %ld a second time (first at line "
                          "%d); miniinet gives it one address there, "
                          "180.%ld.0.%ld",
                          a, b, im->elinks[i].line, b, a);
                return;
            }
        }
    } else {
        int rb = imp_find_router(sb->body, l->words[4]);
        if (rb < 0) {
            imp_error(im, f, l->line, "AS %ld has no router \"%s\" (%s)", b,
                      l->words[4], sb->files[0]->name);
            return;
        }
        e.router_b = (size_t)rb;
        bool consistent = (rel == IMP_PEER && rel_b == IMP_PEER) ||
                          (rel == IMP_PROVIDER && rel_b == IMP_CUSTOMER) ||
                          (rel == IMP_CUSTOMER && rel_b == IMP_PROVIDER);
        if (!consistent) {
            imp_error(im, f, l->line,
                      "roles %s and %s do not match (Provider and Customer, "
                      "or Peer and Peer)",
                      l->words[2], l->words[5]);
            return;
        }
    }
    if (!imp_impair(im, f, l, 6, !old, 0, &e.impair)) {
        return;
    }
    const char *last = l->words[l->n_words - 1];
    if (sb->ixp) {
        parse_announce(im, f, l, &e);
    } else if (!strcmp(last, "N/A")) {
        if (old) {
            /* subnet_router_router_extern of the old plan: the line's
             * row i gives 179.(i/100).(i%100).0/24, .1 and .2. */
            e.subnet = 179u << 24 | (unsigned)(row / 100) << 16 |
                       (unsigned)(row % 100) << 8;
            e.ends12 = true;
        }
    } else if (!parse_subnet(last, &e.subnet)) {
        imp_error(im, f, l->line,
                  "subnet \"%s\": expected N/A or a /24 like 179.1.2.0/24",
                  last);
        return;
    } else {
        e.ends12 = old; /* the old plan: .1 and .2 in the given /24 */
        unsigned lo = e.as_a < e.as_b ? e.as_a : e.as_b;
        unsigned hi = e.as_a < e.as_b ? e.as_b : e.as_a;
        if (!old && e.subnet == (179u << 24 | lo << 16 | hi << 8)) {
            e.subnet = 0; /* miniinet's default */
        }
    }
    if (!sb->ixp && !elink_conflict(im, f, &e)) {
        return;
    }
    if (old) {
        imp_units(im,
                  "%s: 9 columns, the old addressing: the given subnet "
                  "(or 179.(i/100).(i%%100).0/24 for N/A, i the line's "
                  "row) with .1 for AS1 and .2 for AS2 (`ends`)",
                  f->name);
    }
    im->elinks = xrealloc(im->elinks, (im->n_elinks + 1) * sizeof e);
    im->elinks[im->n_elinks++] = e;
    if (sb->ixp) {
        im->counts.ixp_links++;
    } else {
        im->counts.as_links++;
    }
}

/* Drops from every IXP list the ASes that are not members of that IXP
 * (miniinet's `announce` names members only), saying so. */
static void
check_announce(struct importer *im, const struct imp_file *f)
{
    for (size_t i = 0; i < im->n_elinks; i++) {
        struct imp_elink *e = &im->elinks[i];
        size_t kept = 0;
        if (!e->to_ixp) {
            continue;
        }
        for (size_t k = 0; k < e->n_announce; k++) {
            bool member = false;
            for (size_t j = 0; j < im->n_elinks; j++) {
                member |= im->elinks[j].to_ixp &&
                          im->elinks[j].as_b == e->as_b &&
                          im->elinks[j].as_a == e->announce[k];
            }
            if (member) {
                e->announce[kept++] = e->announce[k];
            } else {
                char *head = xasprintf("AS %u's list at IXP %u (%s:%d)",
                                       e->as_a, e->as_b, f->name, e->line);
                char *item = xasprintf("%u", e->announce[k]);
                imp_omit_item(im, head, item, "no member of that IXP");
                free(head);
                free(item);
                imp_warn(im, f, e->line,
                         "AS %u in AS %u's list at IXP %u is no member of "
                         "it: left out",
                         e->announce[k], e->as_a, e->as_b);
            }
        }
        e->n_announce = kept;
        if (!kept) {
            imp_error(im, f, e->line,
                      "AS %u at IXP %u: no member of the IXP is in its list "
                      "(miniinet cannot express a member whose routes go "
                      "nowhere)",
                      e->as_a, e->as_b);
        }
    }
}

static void
read_links_file(struct importer *im, const struct imp_file *f)
{
    for (size_t i = 0; i < f->n_lines; i++) {
        if (f->lines[i].n_words) {
            read_link(im, f, &f->lines[i], i);
        }
    }
    if (!im->n_errors) {
        check_announce(im, f); /* a member's line may have been refused */
    }
}

/* A user name as useradd takes one (and nothing a topology file's string
 * would need quoted). */
static bool
valid_user(const char *s)
{
    size_t len = strlen(s);

    return len >= 1 && len <= 32 && s[0] != '-' &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz"
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == len;
}

/* The fourth column, [USER@]HOST[:PORT]; false after reporting. */
static bool
parse_ssh(struct importer *im, const struct imp_file *f,
          const struct imp_line *l, struct imp_server *s)
{
    const char *ssh = l->words[3];
    const char *at = strchr(ssh, '@');

    if (at) {
        s->ssh_user = xasprintf("%.*s", (int)(at - ssh), ssh);
        ssh = at + 1;
        if (!valid_user(s->ssh_user)) {
            imp_error(im, f, l->line,
                      "server %s: SSH user \"%s\" in \"%s\": a user is 1 "
                      "to 32 characters of A-Z a-z 0-9 _ . - (USER@HOST)",
                      s->name, s->ssh_user, l->words[3]);
            return false;
        }
    }
    /* An IPv6 address has colons of its own: a port only when there is
     * one colon. */
    const char *colon = strrchr(ssh, ':');
    if (colon && strchr(ssh, ':') != colon) {
        colon = NULL;
    }
    long port = 0;
    if (colon && !imp_number(colon + 1, 1, 65535, &port)) {
        imp_error(im, f, l->line, "server %s: port \"%s\": expected 1..65535",
                  s->name, colon + 1);
        return false;
    }
    s->ssh_port = (unsigned)port;
    s->ssh_host =
        colon ? xasprintf("%.*s", (int)(colon - ssh), ssh) : xstrdup(ssh);
    if (!topology_valid_host(s->ssh_host)) {
        imp_error(im, f, l->line,
                  "server %s: SSH host \"%s\" in \"%s\": expected a host "
                  "name or an IP address ([USER@]HOST[:PORT])",
                  s->name, s->ssh_host, l->words[3]);
        return false;
    }
    return true;
}

/* server_config_GLOBAL.txt: NAME INTERFACE ADDRESS [USER@]HOST[:PORT] */
static void
read_servers(struct importer *im, const struct imp_file *f)
{
    for (size_t i = 0; i < f->n_lines; i++) {
        const struct imp_line *l = &f->lines[i];
        struct in_addr addr;

        if (!l->n_words) {
            continue;
        }
        if (!imp_columns(im, f, l, 4, 4,
                         "NAME INTERFACE ADDRESS [USER@]HOST[:PORT]") ||
            !imp_valid_name(im, f, l->line, "server", l->words[0], 32)) {
            continue;
        }
        bool addr_ok = inet_pton(AF_INET, l->words[2], &addr) == 1;
        if (find_server(im, l->words[0])) {
            imp_error(im, f, l->line, "server \"%s\": listed twice",
                      l->words[0]);
            continue;
        }
        if (!addr_ok) {
            imp_error(im, f, l->line,
                      "server %s: \"%s\" is not an IPv4 "
                      "address",
                      l->words[0], l->words[2]);
            continue;
        }
        const struct imp_server *twin = NULL;
        for (size_t k = 0; k < im->n_servers; k++) {
            if (!strcmp(im->servers[k].address, l->words[2])) {
                twin = &im->servers[k];
            }
        }
        if (twin) {
            imp_error(im, f, l->line,
                      "server %s: %s is also the address of server %s",
                      l->words[0], l->words[2], twin->name);
            continue;
        }
        if (!topology_valid_ifname(l->words[1])) {
            imp_error(im, f, l->line,
                      "server %s: interface \"%s\": an interface name is 1 "
                      "to 15 characters of A-Z a-z 0-9 _ . -",
                      l->words[0], l->words[1]);
            continue;
        }
        struct imp_server s = {
            .name = xstrdup(l->words[0]),
            .interface = xstrdup(l->words[1]),
            .address = xstrdup(l->words[2]),
        };
        if (!parse_ssh(im, f, l, &s)) {
            free(s.name);
            free(s.interface);
            free(s.address);
            free(s.ssh_user);
            free(s.ssh_host);
            continue;
        }
        im->servers = xrealloc(im->servers, (im->n_servers + 1) * sizeof s);
        im->servers[im->n_servers++] = s;
        im->counts.servers++;
    }
    if (!im->n_servers && !im->n_errors) {
        imp_error(im, f, 0, "no servers");
    }
}

/* Which AS file and links file to read. */
static int
choose_files(struct importer *im, const char *size, char **as_file,
             char **links_file)
{
    static const char *const links_names[] = {"aslevel_links",
                                              "external_links_config"};
    const char *suffix = size ? size : "";

    if (size && !util_valid_name(size, 16)) {
        log_error("--size %s: expected the number of AS_config_N.txt", size);
        return -EINVAL;
    }
    if (!size && imp_exists(im, "AS_config_GLOBAL.txt")) {
        /* The multi-server form: the GLOBAL files describe the whole
         * network, an AS_config.txt beside them at most one server's part
         * of it.  Never silently: a warning and a line of the header. */
        im->global = true;
        suffix = "GLOBAL";
        if (imp_exists(im, "AS_config.txt")) {
            log_warn("%s: both AS_config.txt and AS_config_GLOBAL.txt: "
                     "reading the GLOBAL files (the whole multi-server "
                     "network); AS_config.txt is not read",
                     im->dir);
            im->n_warnings++;
            imp_omit(im,
                     "AS_config.txt: not read, the GLOBAL files (%s) "
                     "describe the whole network",
                     "AS_config_GLOBAL.txt");
        }
    }
    im->suffix = size || im->global ? suffix : NULL;
    *as_file = size || im->global ? xasprintf("AS_config_%s.txt", suffix)
                                  : xstrdup("AS_config.txt");
    struct stat st;
    if (!fstatat(im->dirfd, *as_file, &st, AT_SYMLINK_NOFOLLOW) &&
        !S_ISREG(st.st_mode)) {
        log_error("%s/%s: not a regular file (a symbolic link is not "
                  "followed)",
                  im->dir, *as_file);
        free(*as_file);
        return -EINVAL;
    }
    if (!imp_exists(im, *as_file)) {
        log_error("%s/%s: no such file%s", im->dir, *as_file,
                  size ? ""
                       : " (a directory with AS_config_N.txt files "
                         "needs --size N)");
        free(*as_file);
        return -ENOENT;
    }
    for (size_t i = 0; i < 2; i++) {
        *links_file = size || im->global
                          ? xasprintf("%s_%s.txt", links_names[i], suffix)
                          : xasprintf("%s.txt", links_names[i]);
        if (imp_exists(im, *links_file)) {
            return 0;
        }
        free(*links_file);
    }
    log_error("%s: neither %s%s%s.txt nor %s%s%s.txt", im->dir, links_names[0],
              *suffix ? "_" : "", suffix, links_names[1], *suffix ? "_" : "",
              suffix);
    free(*as_file);
    return -ENOENT;
}

/* The FRR daemons the directory's `daemons` file turns on beyond those
 * miniinet starts, one line each (the advanced labs' MPLS and multicast). */
static void
note_daemons(struct importer *im)
{
    static const struct {
        const char *name, *what;
    } extra[] = {
        {"ldpd", "MPLS label distribution, LDP: no MPLS, hence no MPLS VPN"},
        {"pimd", "multicast routing, PIM"},
        {"isisd", "IS-IS"},
        {"ripd", "RIP"},
        {"ripngd", "RIPng"},
        {"ospf6d", "OSPFv3: no IPv6"},
        {"eigrpd", "EIGRP"},
        {"babeld", "Babel"},
        {"nhrpd", "NHRP"},
        {"bfdd", "BFD"},
        {"pbrd", "policy-based routing"},
        {"fabricd", "OpenFabric"},
        {"sharpd", "FRR's test daemon"},
    };
    const struct imp_file *f = imp_file(im, "daemons", false);

    for (size_t i = 0; !f->missing && i < f->n_lines; i++) {
        const struct imp_line *l = &f->lines[i];
        for (size_t k = 0; l->n_words == 1 && k < sizeof extra / sizeof *extra;
             k++) {
            size_t n = strlen(extra[k].name);
            if (!strncmp(l->words[0], extra[k].name, n) &&
                !strcmp(l->words[0] + n, "=yes")) {
                imp_omit(im,
                         "daemons:%d: %s=yes (%s): not started; miniinet "
                         "runs zebra, ospfd and bgpd",
                         l->line, extra[k].name, extra[k].what);
            }
        }
    }
}

static void
note_unread(struct importer *im)
{
    static const struct {
        const char *file, *why;
    } unread[] = {
        {"hijacks.txt", "hijack scenarios: not part of miniinet"},
        {"l2_tunnel.txt", "the 6in4 tunnel between two L2 networks: no "
                          "IPv6 here"},
        {"daemons", "FRR's daemons list: miniinet starts zebra, ospfd and "
                    "bgpd"},
        {"aslevel_links_students.txt", "the students' address list: "
                                       "`miniinet plan` shows every address"},
        {"external_links_config_students.txt",
         "the students' address list: `miniinet plan` shows every address"},
        {"welcoming_message.txt", "the SSH proxy's greeting: no proxy"},
        {"ssh_welcome_message.txt", "the SSH proxy's greeting: no proxy"},
        {"measurement_welcome_message.txt",
         "the measurement host's greeting: no SSH access to it, `miniinet "
         "exec MEASUREMENT` reaches it"},
        {"vpnsecret", "the VPN (WireGuard) service: no VPN"},
    };
    for (size_t i = 0; i < sizeof unread / sizeof *unread; i++) {
        if (imp_exists(im, unread[i].file)) {
            imp_omit(im, "%s: %s", unread[i].file, unread[i].why);
        }
        /* With --size N (or the GLOBAL files), its _N form too, e.g.
         * aslevel_links_students_20.txt. */
        const char *dot = strrchr(unread[i].file, '.');
        if (im->suffix && dot) {
            char *file = xasprintf("%.*s_%s%s", (int)(dot - unread[i].file),
                                   unread[i].file, im->suffix, dot);
            if (imp_exists(im, file)) {
                imp_omit(im, "%s: %s", file, unread[i].why);
            }
            free(file);
        }
    }
    note_daemons(im);
    imp_omit(im, "the RPKI, DNS, MATRIX, WEB and PROXY containers: not "
                 "part of miniinet");
}

static void
importer_free(struct importer *im)
{
    for (size_t i = 0; i < im->n_files; i++) {
        struct imp_file *f = im->files[i];
        for (size_t l = 0; l < f->n_lines; l++) {
            for (size_t w = 0; w < f->lines[l].n_words; w++) {
                free(f->lines[l].words[w]);
            }
            free(f->lines[l].words);
        }
        free(f->lines);
        free(f->name);
        free(f->path);
        free(f);
    }
    free(im->files);
    for (size_t i = 0; i < im->n_ases; i++) {
        imp_body_free(im->ases[i].body);
        free(im->ases[i].server);
    }
    free(im->ases);
    for (size_t i = 0; i < im->n_elinks; i++) {
        free(im->elinks[i].announce);
    }
    free(im->elinks);
    for (size_t i = 0; i < im->n_servers; i++) {
        struct imp_server *s = &im->servers[i];
        free(s->name);
        free(s->interface);
        free(s->address);
        free(s->ssh_user);
        free(s->ssh_host);
    }
    free(im->servers);
    for (size_t i = 0; i < im->n_templates; i++) {
        free(im->templates[i].name);
    }
    free(im->templates);
    for (size_t i = 0; i < im->n_omitted; i++) {
        struct imp_omitted *o = &im->omitted[i];
        free(o->head);
        free(o->tail);
        for (size_t k = 0; k < o->n_items; k++) {
            free(o->items[k]);
        }
        free(o->items);
    }
    free(im->omitted);
    for (size_t i = 0; i < im->n_units; i++) {
        free(im->units[i]);
    }
    free(im->units);
    for (size_t i = 0; i < im->n_seen; i++) {
        free(im->seen[i]);
    }
    free(im->seen);
    free(im->dir);
    free(im->real);
    if (im->dirfd >= 0) {
        close(im->dirfd);
    }
}

int
import_directory(const char *dir, const char *size, struct import_result *out)
{
    struct importer im = {.dir = xstrdup(dir), .dirfd = -1};
    char *as_name = NULL, *links_name = NULL;
    int error;

    memset(out, 0, sizeof *out);
    while (strlen(im.dir) > 1 && im.dir[strlen(im.dir) - 1] == '/') {
        im.dir[strlen(im.dir) - 1] = '\0';
    }
    im.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (im.dirfd < 0) {
        error = -errno;
        log_error("%s: %s", dir,
                  error == -ENOTDIR ? "not a directory" : strerror(-error));
        importer_free(&im);
        return error;
    }
    /* The network's name comes from the directory's own name, also for
     * "." or "..". */
    im.real = realpath(dir, NULL);
    error = choose_files(&im, size, &as_name, &links_name);
    if (error) {
        importer_free(&im);
        return error;
    }
    im.as_file = as_name;
    im.links_file = links_name;
    if (im.global) {
        read_servers(&im, imp_file(&im, "server_config_GLOBAL.txt", true));
    }
    read_as_config(&im, imp_file(&im, as_name, true));
    for (size_t i = 0; i < im.n_ases; i++) {
        if (!im.ases[i].ixp && !im.ases[i].broken) {
            im.ases[i].body = imp_read_body(&im, &im.ases[i]);
        }
    }
    read_links_file(&im, imp_file(&im, links_name, true));
    if (!im.counts.ases && !im.n_errors) {
        imp_error(&im, imp_file(&im, as_name, true), 0, "no AS");
    }
    note_unread(&im);

    if (!im.n_errors) {
        out->text = imp_write(&im);
    }
    out->counts = im.counts;
    out->as_config = as_name;
    out->links_file = links_name;
    out->n_omitted = im.n_omitted;
    out->n_warnings = im.n_warnings;
    error = im.n_errors ? -EINVAL : 0;
    importer_free(&im);
    return error;
}

void
import_result_free(struct import_result *r)
{
    free(r->text);
    free(r->as_config);
    free(r->links_file);
    memset(r, 0, sizeof *r);
}
