/* The per-AS files of the original, one parser each: routers
 * (l3_routers*.txt, router_config*.txt), internal links (l3_links*.txt,
 * internal_links_config*.txt), L2 switches, hosts and links
 * (l2_*.txt, layer2_*_config*.txt).  FORMATS.md describes their columns. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_int.h"
#include "names.h"
#include "topology.h"
#include "util.h"

#define IMP_ROUTER_NAME 10 /* the original's limit */
#define IMP_NAME 32        /* miniinet's limit for L2 names */
#define IMP_MAX_ROWS 50    /* hosts' rows: AS.(101+row), below loopbacks */

enum { F_ROUTERS, F_LINKS, F_SWITCHES, F_HOSTS, F_L2LINKS };

int
imp_find_router(const struct imp_body *b, const char *name)
{
    for (size_t i = 0; i < b->n_routers; i++) {
        if (!strcmp(b->routers[i].name, name)) {
            return (int)i;
        }
    }
    return -1;
}

/* The host column: N/A, or KIND:IMAGE with KIND host, L2-<DC>, routinator,
 * krill or vpnsecret.  Returns false after reporting; *dc is the L2
 * network of a gateway (borrowed from the word), else NULL. */
static bool
host_column(struct importer *im, const struct imp_file *f, int line,
            const char *word, bool *host, const char **dc)
{
    const char *colon = strchr(word, ':');
    size_t klen = colon ? (size_t)(colon - word) : strlen(word);

    *host = false;
    *dc = NULL;
    if (!strcmp(word, "N/A")) {
        return true;
    }
    if (!colon && klen > 3 && !strncmp(word, "L2-", 3)) {
        /* The oldest files (BGP_VPN_MPLS): L2-DC without an image, an L2
         * gateway and no host (no image to run one from). */
        *dc = word + 3;
        return true;
    }
    if (!colon || !colon[1]) {
        imp_error(im, f, line,
                  "host \"%s\": expected N/A or KIND:IMAGE (host:IMAGE, "
                  "L2-DC:IMAGE, routinator:IMAGE, krill:IMAGE, "
                  "vpnsecret:IMAGE)",
                  word);
        return false;
    }
    *host = true;
    if (klen > 3 && !strncmp(word, "L2-", 3)) {
        *dc = word + 3;
        return true;
    }
    static const char *const kinds[] = {"host", "routinator", "krill",
                                        "vpnsecret"};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        if (klen == strlen(kinds[i]) && !strncmp(word, kinds[i], klen)) {
            if (i > 0) {
                char *kind = xasprintf("%.*s", (int)klen, word);
                imp_omit_item(im, "hosts of the kinds", kind,
                              "kept as plain hosts (no RPKI validator, "
                              "certificate authority or VPN secret service "
                              "runs in them)");
                free(kind);
            }
            imp_omit_item(im, "host images", colon + 1,
                          "hosts here are network namespaces with the "
                          "server's programs");
            return true;
        }
    }
    imp_error(im, f, line,
              "host kind \"%.*s\": expected host, L2-DC, "
              "routinator, krill or vpnsecret",
              (int)klen, word);
    return false;
}

static char **
add_dc(char **dcs, size_t *n, const char *dc)
{
    for (size_t i = 0; i < *n; i++) {
        if (!strcmp(dcs[i], dc)) {
            return dcs;
        }
    }
    dcs = xrealloc(dcs, (*n + 1) * sizeof *dcs);
    dcs[(*n)++] = xstrdup(dc);
    return dcs;
}

/* The rows of the routers' hosts as the writer gives them (a router with
 * `hosts` its lines' rows, another its own index): two hosts on one row,
 * or a row past the plan's 50, would fail the written file's
 * validation; reported here, on the line of the source. */
static bool
check_rows(struct importer *im, const struct imp_file *f,
           const struct imp_body *b)
{
    int owner[IMP_MAX_ROWS];
    bool ok = true;
    size_t past = 0; /* hosts past the last row (the first reported) */

    for (size_t i = 0; i < IMP_MAX_ROWS; i++) {
        owner[i] = -1;
    }
    for (size_t r = 0; r < b->n_routers; r++) {
        const struct imp_router *rt = &b->routers[r];
        bool listed = rt->n_hosts && (b->all || rt->n_hosts > 1);
        for (size_t h = 0; h < (listed        ? rt->n_hosts
                                : rt->n_hosts ? 1
                                              : 0);
             h++) {
            unsigned row = listed ? rt->host_rows[h] : (unsigned)r;
            int line = listed ? f->lines[row].line : rt->line;
            if (row >= IMP_MAX_ROWS) {
                if (!past++) {
                    imp_error(im, f, line,
                              "router %s's host on row %u: miniinet takes "
                              "rows 0..%d (AS.101.0.0/24 .. AS.150.0.0/24)",
                              rt->name, row, IMP_MAX_ROWS - 1);
                }
                ok = false;
                continue;
            }
            if (owner[row] >= 0) {
                imp_error(im, f, line,
                          "router %s's host would be on row %u "
                          "(AS.%u.0.0/24), which is router %s's: miniinet "
                          "gives a router of one line the row of its "
                          "position among the routers, a router of several "
                          "lines the rows of its lines",
                          rt->name, row, 101 + row,
                          b->routers[owner[row]].name);
                ok = false;
                continue;
            }
            owner[row] = (int)r;
        }
    }
    if (past > 1) {
        imp_error(im, f, 0, "%zu more hosts past row %d (not listed)",
                  past - 1, IMP_MAX_ROWS - 1);
    }
    return ok;
}

static void
read_routers(struct importer *im, const struct imp_as *as,
             const struct imp_file *f, struct imp_body *b, char ***dcs,
             size_t *n_dcs)
{
    bool all = false;

    for (size_t i = 0; i < f->n_lines; i++) {
        const struct imp_line *l = &f->lines[i];
        bool host;
        const char *dc;

        if (!l->n_words) {
            continue;
        }
        if (!imp_columns(im, f, l, 3, 5, "NAME SERVICE HOST [ACCESS [ALL]]") ||
            !imp_valid_name(im, f, l->line, "router", l->words[0],
                            IMP_ROUTER_NAME) ||
            !host_column(im, f, l->line, l->words[2], &host, &dc)) {
            continue;
        }
        if (l->n_words == 5 && strcmp(l->words[4], "ALL") != 0) {
            imp_error(im, f, l->line, "fifth column \"%s\": only ALL",
                      l->words[4]);
            continue;
        }
        if (l->n_words > 3 && strcmp(l->words[3], "vtysh") != 0 &&
            strcmp(l->words[3], "linux") != 0) {
            imp_error(im, f, l->line, "access \"%s\": expected vtysh or linux",
                      l->words[3]);
            continue;
        }
        all |= l->n_words == 5;
        if (strcmp(l->words[1], "N/A") != 0) {
            static const char *const services[] = {"MATRIX", "MATRIX_TARGET",
                                                   "DNS", "MEASUREMENT"};
            bool known = false;
            for (size_t s = 0; s < sizeof services / sizeof *services; s++) {
                known |= !strcmp(l->words[1], services[s]);
            }
            if (!known) {
                /* The original compares it with each service and ignores
                 * anything else (e.g. "N\\A"). */
                imp_warn(im, f, l->line,
                         "service \"%s\" is none of MATRIX, MATRIX_TARGET, "
                         "DNS, MEASUREMENT: ignored, as the original does",
                         l->words[1]);
            } else if (strcmp(l->words[1], "MEASUREMENT") != 0 &&
                       strcmp(l->words[1], "MATRIX_TARGET") != 0) {
                char *head = xasprintf("service %s", l->words[1]);
                imp_omit_item(im, head, f->name,
                              "miniinet runs no service containers; "
                              "`miniinet check` measures reachability "
                              "between every pair of ASes");
                free(head);
            }
        }
        imp_omit_item(im, "student access (vtysh/linux)", f->name,
                      "no SSH proxy; `miniinet exec` reaches any node");
        int r = imp_find_router(b, l->words[0]);
        if (r >= 0 && l->n_words > 3 &&
            strcmp(l->words[3], b->routers[r].access) != 0) {
            /* As the original (Gen 3) checks a router's lines. */
            imp_error(im, f, l->line,
                      "router %s: access \"%s\", on line %d \"%s\"",
                      l->words[0], l->words[3], b->routers[r].line,
                      b->routers[r].access);
            continue;
        }
        if (r < 0 && b->n_routers >= IMP_MAX_ROWS) {
            imp_error(im, f, l->line,
                      "router \"%s\": more than %d routers in one AS: the "
                      "address plan (the original's too) has rows for %d "
                      "(loopbacks AS.151 .. AS.200); the rest of the file "
                      "is not read",
                      l->words[0], IMP_MAX_ROWS, IMP_MAX_ROWS);
            break;
        }
        if (r < 0) {
            if (all && b->n_routers) {
                imp_error(im, f, l->line,
                          "router \"%s\": a file with ALL lines describes "
                          "one router, \"%s\"",
                          l->words[0], b->routers[0].name);
                continue;
            }
            b->routers =
                xrealloc(b->routers, (b->n_routers + 1) * sizeof *b->routers);
            b->routers[b->n_routers] = (struct imp_router){
                .name = xstrdup(l->words[0]),
                .first_host_row = -1,
                .line = l->line,
            };
            snprintf(b->routers[b->n_routers].access,
                     sizeof b->routers[b->n_routers].access, "%s",
                     l->n_words > 3 ? l->words[3] : "");
            r = (int)b->n_routers++;
        }
        struct imp_router *rt = &b->routers[r];
        if (!strcmp(l->words[1], "MEASUREMENT")) {
            /* The measurement host's link (measurement = "R"). */
            if (!b->measurement) {
                b->measurement = r + 1;
            } else if (b->measurement != r + 1) {
                imp_warn(im, f, l->line,
                         "a second router with MEASUREMENT: the measurement "
                         "host has one link per AS, to %s",
                         b->routers[b->measurement - 1].name);
            }
        }
        if (!strcmp(l->words[1], "MATRIX_TARGET")) {
            /* The AS's host in the matrix (matrix = "R"). */
            if (!b->matrix) {
                b->matrix = r + 1;
            } else if (b->matrix != r + 1) {
                imp_warn(im, f, l->line,
                         "a second router with MATRIX_TARGET: the matrix "
                         "pings one host per AS, %s's",
                         b->routers[b->matrix - 1].name);
            }
        }
        if (host) {
            if (rt->first_host_row < 0) {
                rt->first_host_row = (int)i;
            }
            rt->host_rows = xrealloc(rt->host_rows, (rt->n_hosts + 1) *
                                                        sizeof *rt->host_rows);
            rt->host_rows[rt->n_hosts++] = (unsigned)i;
            im->counts.l3_hosts++;
        }
        if (dc) {
            char *name = xasprintf("%.*s", (int)strcspn(dc, ":"), dc);
            *dcs = add_dc(*dcs, n_dcs, name);
            free(name);
        }
    }
    b->all = all;
    if (b->matrix && !b->routers[b->matrix - 1].n_hosts) {
        char *item =
            xasprintf("%s in %s", b->routers[b->matrix - 1].name, f->name);
        imp_omit_item(im, "service MATRIX_TARGET", item,
                      "the router has no host; the matrix pings the AS's "
                      "first host");
        free(item);
        b->matrix = 0;
    }
    bool rows_ok = check_rows(im, f, b);
    for (size_t r = 0; rows_ok && r < b->n_routers; r++) {
        const struct imp_router *rt = &b->routers[r];
        /* ALL routers, and routers on several lines, keep the rows of
         * their hosts (`hosts`); a router of one line has its own row. */
        if (!all && rt->n_hosts == 1 && rt->first_host_row > (int)r) {
            imp_warn(im, f, rt->line,
                     "router %s's host is on row %d: here it gets the "
                     "router's row, %zu (AS.%zu.0.0/24)",
                     rt->name, rt->first_host_row, r, 101 + r);
        }
    }
}

static void
read_links(struct importer *im, const struct imp_as *as,
           const struct imp_file *f, struct imp_body *b)
{
    size_t cap = 0;
    int blank = 0;

    for (size_t i = 0; i < f->n_lines; i++) {
        const struct imp_line *l = &f->lines[i];

        if (!l->n_words) {
            blank = blank ? blank : l->line;
            continue;
        }
        if (blank) {
            /* The original's row i gives AS.0.(i+1).0/24; a blank line
             * would be a row of its own there. */
            imp_warn(im, f, blank,
                     "blank line: skipped; the links after it are numbered "
                     "without it (AS.0.(n+1).0/24, n counting links, not "
                     "lines)");
            blank = 0;
        }
        if (!imp_columns(im, f, l, 4, 5,
                         "ROUTER1 ROUTER2 THROUGHPUT DELAY "
                         "[BUFFER]")) {
            continue;
        }
        int ra = imp_find_router(b, l->words[0]);
        int rb = imp_find_router(b, l->words[1]);
        if (ra < 0 || rb < 0) {
            imp_error(im, f, l->line, "router \"%s\" is not in %s",
                      l->words[ra < 0 ? 0 : 1], as->files[F_ROUTERS]->name);
            continue;
        }
        if (ra == rb) {
            imp_error(im, f, l->line, "links router %s to itself",
                      l->words[0]);
            continue;
        }
        bool dup = false;
        for (size_t k = 0; k < b->n_links; k++) {
            dup |=
                (b->links[k].a == (size_t)ra && b->links[k].b == (size_t)rb) ||
                (b->links[k].a == (size_t)rb && b->links[k].b == (size_t)ra);
        }
        if (dup) {
            imp_error(im, f, l->line,
                      "a second link between %s and %s (miniinet has one "
                      "per pair of routers)",
                      l->words[0], l->words[1]);
            continue;
        }
        struct imp_ilink link = {.a = (size_t)ra, .b = (size_t)rb};
        if (!imp_impair(im, f, l, 2, l->n_words == 5, as->asn, &link.impair)) {
            continue;
        }
        b->links = xgrow(b->links, &cap, b->n_links + 1, sizeof *b->links);
        b->links[b->n_links++] = link;
    }
    im->counts.internal_links += b->n_links;
}

static struct imp_l2net *
find_net(struct imp_body *b, const char *name)
{
    for (size_t i = 0; i < b->n_l2nets; i++) {
        if (!strcmp(b->l2nets[i].name, name)) {
            return &b->l2nets[i];
        }
    }
    return NULL;
}

static int
find_switch(const struct imp_l2net *net, const char *name)
{
    for (size_t i = 0; i < net->n_switches; i++) {
        if (!strcmp(net->switches[i].name, name)) {
            return (int)i;
        }
    }
    return -1;
}

/* The switch whose gateway is router r, or NULL. */
static const struct imp_switch *
find_gateway(const struct imp_body *b, int r)
{
    for (size_t i = 0; i < b->n_l2nets; i++) {
        for (size_t s = 0; s < b->l2nets[i].n_switches; s++) {
            if (b->l2nets[i].switches[s].gateway == r) {
                return &b->l2nets[i].switches[s];
            }
        }
    }
    return NULL;
}

static void
read_switches(struct importer *im, const struct imp_as *as,
              const struct imp_file *f, struct imp_body *b)
{
    for (size_t i = 0; i < f->n_lines; i++) {
        const struct imp_line *l = &f->lines[i];
        long prio;

        if (!l->n_words) {
            continue;
        }
        if (!imp_columns(im, f, l, 5, 5,
                         "DC SWITCH GATEWAY STP_MAC PRIORITY") ||
            !imp_valid_name(im, f, l->line, "L2 network", l->words[0],
                            IMP_NAME) ||
            !imp_valid_name(im, f, l->line, "switch", l->words[1], IMP_NAME)) {
            continue;
        }
        if (!imp_number(l->words[4], 0, 61440, &prio)) {
            imp_error(im, f, l->line, "STP priority \"%s\": expected 0..61440",
                      l->words[4]);
            continue;
        }
        int gw = -1;
        if (strcmp(l->words[2], "N/A") != 0) {
            gw = imp_find_router(b, l->words[2]);
            if (gw < 0) {
                imp_error(im, f, l->line, "gateway router \"%s\" is not in %s",
                          l->words[2], as->files[F_ROUTERS]->name);
                continue;
            }
            const struct imp_switch *other = find_gateway(b, gw);
            if (other) {
                imp_error(im, f, l->line,
                          "router %s is already the gateway of switch %s "
                          "(line %d): a router is the gateway of one switch "
                          "in miniinet",
                          l->words[2], other->name, other->line);
                continue;
            }
        }
        /* A switch whose <AS>_L2_<DC>_<SW> passes 15 characters (the
         * original's container name) keeps it as its name; the plan gives
         * its Open vSwitch bridge a short one (names_switch_bridge()). */
        struct imp_l2net *net = find_net(b, l->words[0]);
        if (!net) {
            b->l2nets =
                xrealloc(b->l2nets, (b->n_l2nets + 1) * sizeof *b->l2nets);
            net = &b->l2nets[b->n_l2nets++];
            *net = (struct imp_l2net){.name = xstrdup(l->words[0])};
        }
        if (find_switch(net, l->words[1]) >= 0) {
            imp_error(im, f, l->line, "switch %s of %s is listed twice",
                      l->words[1], l->words[0]);
            continue;
        }
        net->switches = xrealloc(net->switches, (net->n_switches + 1) *
                                                    sizeof *net->switches);
        net->switches[net->n_switches++] = (struct imp_switch){
            .name = xstrdup(l->words[1]),
            .gateway = gw,
            .prio = (unsigned)prio,
            .line = l->line,
        };
        im->counts.switches++;
        imp_omit_item(im, "switches' STP system ids (column 4)", f->name,
                      "derived from the AS, L2 network and switch");
    }
}

/* The switch `sw` of network `dc` (both words of line l), or NULL after
 * reporting. */
static struct imp_l2net *
net_switch(struct importer *im, const struct imp_file *f,
           const struct imp_line *l, struct imp_body *b, const char *dc,
           const char *sw, int *index)
{
    struct imp_l2net *net = find_net(b, dc);

    *index = net ? find_switch(net, sw) : -1;
    if (*index < 0) {
        imp_error(im, f, l->line,
                  "switch %s of L2 network %s is not in the "
                  "AS's switches file",
                  sw, dc);
        return NULL;
    }
    return net;
}

static void
read_hosts(struct importer *im, const struct imp_as *as,
           const struct imp_file *f, struct imp_body *b)
{
    for (size_t i = 0; i < f->n_lines; i++) {
        const struct imp_line *l = &f->lines[i];
        long vlan;
        int sw;

        if (!l->n_words) {
            continue;
        }
        if (!imp_columns(
                im, f, l, 7, 8,
                "NAME IMAGE DC SWITCH THROUGHPUT DELAY [BUFFER] VLAN") ||
            !imp_valid_name(im, f, l->line, "L2 host", l->words[0],
                            IMP_NAME)) {
            continue;
        }
        /* An L2 VPN endpoint in the original: a number of its VLAN, no
         * container.  Built as a plain host there, so that the hosts after
         * it keep the original's numbers (addresses). */
        bool vpn = !strncmp(l->words[0], "vpn", 3);
        const char *last = l->words[l->n_words - 1];
        /* VLAN 0: an untagged access port, as the original's tag=0. */
        if (!imp_number(last, 0, 255, &vlan)) {
            imp_error(im, f, l->line,
                      "VLAN \"%s\": expected 0 (untagged) .. 255", last);
            continue;
        }
        struct imp_l2net *net =
            net_switch(im, f, l, b, l->words[2], l->words[3], &sw);
        if (!net) {
            continue;
        }
        struct imp_l2host h = {
            .name = xstrdup(l->words[0]),
            .sw = (size_t)sw,
            .vlan = (unsigned)vlan,
        };
        bool dup = false;
        for (size_t k = 0; k < net->n_hosts; k++) {
            dup |= !strcmp(net->hosts[k].name, h.name);
        }
        if (dup ||
            !imp_impair(im, f, l, 4, l->n_words == 8, as->asn, &h.impair)) {
            if (dup) {
                imp_error(im, f, l->line, "L2 host %s of %s is listed twice",
                          h.name, net->name);
            }
            free(h.name);
            continue;
        }
        imp_omit_item(im, "L2 hosts' images (column 2)", f->name,
                      "hosts here are network namespaces");
        net->hosts = xrealloc(net->hosts, (net->n_hosts + 1) * sizeof h);
        net->hosts[net->n_hosts++] = h;
        if (vpn) {
            imp_omit_item(im, "L2 VPN endpoints (vpn_* lines)", f->name,
                          "no VPN: each is a plain L2 host at the address "
                          "the original gives the endpoint, so the hosts "
                          "after it keep the original's addresses");
            im->counts.vpn_hosts++;
        } else {
            im->counts.l2_hosts++;
        }
    }
}

static void
read_l2links(struct importer *im, const struct imp_as *as,
             const struct imp_file *f, struct imp_body *b)
{
    for (size_t i = 0; i < f->n_lines; i++) {
        const struct imp_line *l = &f->lines[i];
        int sa, sb;

        if (!l->n_words) {
            continue;
        }
        if (!imp_columns(
                im, f, l, 6, 7,
                "DC1 SWITCH1 DC2 SWITCH2 THROUGHPUT DELAY [BUFFER]")) {
            continue;
        }
        if (strcmp(l->words[0], l->words[2]) != 0) {
            imp_error(im, f, l->line,
                      "links L2 networks %s and %s: both ends must be in one",
                      l->words[0], l->words[2]);
            continue;
        }
        struct imp_l2net *net =
            net_switch(im, f, l, b, l->words[0], l->words[1], &sa);
        if (!net || !net_switch(im, f, l, b, l->words[2], l->words[3], &sb)) {
            continue;
        }
        if (sa == sb) {
            imp_error(im, f, l->line, "links switch %s to itself",
                      l->words[1]);
            continue;
        }
        bool dup = false;
        for (size_t k = 0; k < net->n_links; k++) {
            const struct imp_l2link *o = &net->links[k];
            dup |= (o->a == (size_t)sa && o->b == (size_t)sb) ||
                   (o->a == (size_t)sb && o->b == (size_t)sa);
        }
        if (dup) {
            imp_error(im, f, l->line,
                      "a second link between switches %s and %s of %s "
                      "(miniinet has one per pair of switches)",
                      l->words[1], l->words[3], net->name);
            continue;
        }
        struct imp_l2link link = {.a = (size_t)sa, .b = (size_t)sb};
        if (!imp_impair(im, f, l, 4, l->n_words == 7, as->asn, &link.impair)) {
            continue;
        }
        net->links = xrealloc(net->links, (net->n_links + 1) * sizeof link);
        net->links[net->n_links++] = link;
    }
}

/* The original numbers L2 networks (AS.(200+dc)) by the first router that
 * is a gateway of each; networks no router names come after, in the
 * switches file's order. */
static void
order_l2nets(struct imp_body *b, char **dcs, size_t n_dcs)
{
    size_t next = 0;

    for (size_t d = 0; d < n_dcs; d++) {
        for (size_t i = next; i < b->n_l2nets; i++) {
            if (!strcmp(b->l2nets[i].name, dcs[d])) {
                struct imp_l2net tmp = b->l2nets[i];
                memmove(&b->l2nets[next + 1], &b->l2nets[next],
                        (i - next) * sizeof tmp);
                b->l2nets[next++] = tmp;
                break;
            }
        }
    }
}

struct imp_body *
imp_read_body(struct importer *im, struct imp_as *as)
{
    struct imp_body *b = xcalloc(1, sizeof *b);
    char **dcs = NULL;
    size_t n_dcs = 0;
    unsigned errors = im->n_errors;

    read_routers(im, as, as->files[F_ROUTERS], b, &dcs, &n_dcs);
    if (!b->n_routers && errors == im->n_errors) {
        imp_error(im, NULL, 0, "%s: AS %u (%s line %d) has no routers",
                  as->files[F_ROUTERS]->path, as->asn, im->as_file, as->line);
    }
    im->counts.routers += b->n_routers;
    read_links(im, as, as->files[F_LINKS], b);
    read_switches(im, as, as->files[F_SWITCHES], b);
    read_hosts(im, as, as->files[F_HOSTS], b);
    read_l2links(im, as, as->files[F_L2LINKS], b);
    order_l2nets(b, dcs, n_dcs);
    for (size_t i = 0; i < n_dcs; i++) {
        if (!find_net(b, dcs[i])) {
            imp_warn(im, as->files[F_ROUTERS], 0,
                     "L2 network %s (a router's L2-%s) has no switches in "
                     "%s: left out",
                     dcs[i], dcs[i], as->files[F_SWITCHES]->name);
        }
        free(dcs[i]);
    }
    free(dcs);
    return b;
}

void
imp_body_free(struct imp_body *b)
{
    if (!b) {
        return;
    }
    for (size_t i = 0; i < b->n_routers; i++) {
        free(b->routers[i].name);
        free(b->routers[i].host_rows);
    }
    free(b->routers);
    free(b->links);
    for (size_t i = 0; i < b->n_l2nets; i++) {
        struct imp_l2net *net = &b->l2nets[i];
        free(net->name);
        for (size_t s = 0; s < net->n_switches; s++) {
            free(net->switches[s].name);
        }
        free(net->switches);
        free(net->links);
        for (size_t h = 0; h < net->n_hosts; h++) {
            free(net->hosts[h].name);
        }
        free(net->hosts);
    }
    free(b->l2nets);
    free(b->text);
    free(b);
}
