/* The topology reader, part two: links between ASes and to IXPs.
 *
 * The `links` list is read in two passes.  The first checks each element's
 * shape, relationship and options once and builds a tree (repeat blocks
 * hold their offsets and the links inside); the second expands the tree,
 * offset by offset, into topology.elinks and checks what depends on the AS
 * numbers: that both ends exist, the routers, duplicates, subnets and the
 * generated interface names.  So a mistake inside a repeat block is
 * reported once, not once per offset, unless it depends on the offset. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "log.h"
#include "topology_parse.h"
#include "util.h"

static const char *const link_keys[] = {
    "rate", "delay", "buffer", "subnet", "ends", "announce", NULL,
};
static const char *const repeat_keys[] = {"repeat", "links", NULL};

/* A link as written (AS numbers before any repeat offset). */
struct link_spec {
    long long as_a, as_b;
    const char *router_a;
    const char *router_b; /* NULL: a link to an IXP */
    const char *rel_text;
    enum mi_rel rel;
    struct topo_impair impair;
    uint32_t subnet;  /* 0: 179.LO.HI.0/24 */
    unsigned ends[2]; /* host parts of the two ends; 0: each AS's number */
    unsigned *announce;
    size_t n_announce;
};

/* An element of a links list: a link, or a repeat block. */
struct link_item {
    const config_setting_t *where;
    bool repeat;
    bool valid; /* links: the spec is complete */
    struct link_spec spec;
    long long *offsets; /* repeat blocks */
    size_t n_offsets;
    struct link_item *items;
    size_t n_items;
};

/* ------------------------------------------------------------------------ */
/* First pass: what each element says                                       */
/* ------------------------------------------------------------------------ */

static char *
link_desc(long long a, const char *ra, const char *rel, long long b,
          const char *rb, bool repeated, long long offset)
{
    char suffix[48] = "";

    if (repeated) {
        snprintf(suffix, sizeof suffix, " (repeat offset %lld)", offset);
    }
    if (rb) {
        return xasprintf("link (%lld, \"%s\", \"%s\", %lld, \"%s\")%s", a, ra,
                         rel, b, rb, suffix);
    }
    return xasprintf("link (%lld, \"%s\", \"%s\", %lld)%s", a, ra, rel, b,
                     suffix);
}

/* Parses "a.b.c.0/24" strictly; returns NULL or what is wrong. */
static const char *
parse_subnet(const char *s, uint32_t *out)
{
    const char *p = s;
    unsigned o[4];

    for (int i = 0; i < 4; i++) {
        unsigned v = 0;
        int digits = 0;
        for (; isdigit((unsigned char)*p) && digits < 4; p++, digits++) {
            v = v * 10 + (unsigned)(*p - '0');
        }
        if (!digits || digits > 3 || v > 255 ||
            (digits > 1 && p[-digits] == '0')) {
            return "is not a /24 subnet like \"179.1.2.0/24\"";
        }
        o[i] = v;
        if (i < 3 && *p++ != '.') {
            return "is not a /24 subnet like \"179.1.2.0/24\"";
        }
    }
    if (strcmp(p, "/24") != 0 || o[3]) {
        return "is not a /24 subnet like \"179.1.2.0/24\"";
    }
    if (!o[0] || o[0] == 127 || o[0] >= 224) {
        return "is not a unicast subnet";
    }
    *out = o[0] << 24 | o[1] << 16 | o[2] << 8;
    return NULL;
}

static void
parse_announce(struct tp_loader *ld, const config_setting_t *m,
               const char *desc, struct link_spec *sp)
{
    int n = config_setting_length(m);

    if (!n) {
        tp_error(ld, m,
                 "%s: announce: empty list (leave it out to announce "
                 "to every member)",
                 desc);
        return;
    }
    sp->announce = xcalloc((size_t)n, sizeof *sp->announce);
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(m, i);
        long long v;
        if (!tp_int_value(ld, e, desc, "announce", 1, TOPO_MAX_ASN, &v)) {
            continue;
        }
        bool dup = false;
        for (size_t j = 0; j < sp->n_announce; j++) {
            dup |= sp->announce[j] == (unsigned)v;
        }
        if (dup) {
            tp_error(ld, e, "%s: announce: AS %lld is listed twice", desc, v);
            continue;
        }
        sp->announce[sp->n_announce++] = (unsigned)v;
    }
}

/* ends = [A, B]: the host parts of the two ends' addresses in the link's
 * /24 (the original's older plan gave .1 and .2), instead of each AS's
 * number. */
static void
parse_ends(struct tp_loader *ld, const config_setting_t *m, const char *desc,
           struct link_spec *sp)
{
    if (config_setting_length(m) != 2) {
        tp_error(ld, m,
                 "%s: ends: expected two host numbers, as in [1, 2] (the "
                 "first for the first AS's end)",
                 desc);
        return;
    }
    long long v[2];
    for (int i = 0; i < 2; i++) {
        if (!tp_int_value(ld, config_setting_get_elem(m, i), desc, "ends", 1,
                          254, &v[i])) {
            return;
        }
    }
    if (v[0] == v[1]) {
        tp_error(ld, m, "%s: ends: both ends would get .%lld", desc, v[0]);
        return;
    }
    sp->ends[0] = (unsigned)v[0];
    sp->ends[1] = (unsigned)v[1];
}

static void
parse_options(struct tp_loader *ld, const config_setting_t *opts,
              const char *desc, struct link_spec *sp)
{
    const config_setting_t *m;

    tp_check_keys(ld, opts, desc, link_keys);
    tp_parse_impair(ld, opts, desc, &sp->impair);
    m = tp_member(ld, opts, desc, "subnet", CONFIG_TYPE_STRING, false);
    if (m && !sp->router_b) {
        tp_error(ld, m,
                 "%s: subnet: only links between two ASes have one "
                 "(an IXP's LAN is 180.IXP.0.0/24)",
                 desc);
    } else if (m) {
        const char *text = config_setting_get_string(m);
        const char *error = parse_subnet(text, &sp->subnet);
        if (error) {
            tp_error(ld, m, "%s: subnet: \"%s\" %s", desc, text, error);
        }
    }
    m = tp_member(ld, opts, desc, "ends", CONFIG_TYPE_LIST, false);
    if (m && !sp->router_b) {
        tp_error(ld, m,
                 "%s: ends: only links between two ASes have one (a member's "
                 "address at an IXP is 180.IXP.0.AS)",
                 desc);
    } else if (m) {
        parse_ends(ld, m, desc, sp);
    }
    m = tp_member(ld, opts, desc, "announce", CONFIG_TYPE_LIST, false);
    if (m && sp->router_b) {
        tp_error(ld, m, "%s: announce: only links to an IXP have one", desc);
    } else if (m) {
        parse_announce(ld, m, desc, sp);
    }
}

static bool
parse_rel(const char *text, enum mi_rel *rel)
{
    static const struct {
        const char *name;
        enum mi_rel rel;
    } rels[] = {
        {"provider", MI_REL_PROVIDER},
        {"customer", MI_REL_CUSTOMER},
        {"peer", MI_REL_PEER},
    };

    for (size_t i = 0; i < sizeof rels / sizeof rels[0]; i++) {
        if (!strcmp(text, rels[i].name)) {
            *rel = rels[i].rel;
            return true;
        }
    }
    return false;
}

/* Checks the shape of a link tuple; on success stores its elements. */
static bool
link_shape(const config_setting_t *s, const config_setting_t *e[6],
           int *n_core)
{
    int n = config_setting_is_list(s) ? config_setting_length(s) : 0;

    if (n < 4 || n > 6) {
        return false;
    }
    for (int i = 0; i < n; i++) {
        e[i] = config_setting_get_elem(s, i);
    }
    *n_core = n >= 5 && tp_is_type(e[4], CONFIG_TYPE_STRING) ? 5 : 4;
    return (n == *n_core ||
            (n == *n_core + 1 && config_setting_is_group(e[*n_core]))) &&
           tp_is_type(e[0], CONFIG_TYPE_INT) &&
           tp_is_type(e[1], CONFIG_TYPE_STRING) &&
           tp_is_type(e[2], CONFIG_TYPE_STRING) &&
           tp_is_type(e[3], CONFIG_TYPE_INT);
}

static bool
parse_spec(struct tp_loader *ld, const config_setting_t *s,
           struct link_spec *sp)
{
    const config_setting_t *e[6] = {NULL};
    int n_core;

    if (!link_shape(s, e, &n_core)) {
        tp_error(ld, s,
                 "link: must be (AS, \"ROUTER\", \"REL\", AS, "
                 "\"ROUTER\") or (AS, \"ROUTER\", \"peer\", IXP), optionally "
                 "followed by { options }");
        return false;
    }
    unsigned before = ld->n_errors;
    sp->as_a = config_setting_get_int64(e[0]);
    sp->router_a = config_setting_get_string(e[1]);
    sp->rel_text = config_setting_get_string(e[2]);
    sp->as_b = config_setting_get_int64(e[3]);
    sp->router_b = n_core == 5 ? config_setting_get_string(e[4]) : NULL;

    char *desc = link_desc(sp->as_a, sp->router_a, sp->rel_text, sp->as_b,
                           sp->router_b, false, 0);
    if (!parse_rel(sp->rel_text, &sp->rel)) {
        tp_error(ld, e[2],
                 "%s: relationship \"%s\" must be \"provider\", "
                 "\"customer\" or \"peer\"",
                 desc, sp->rel_text);
    } else if (!sp->router_b && sp->rel != MI_REL_PEER) {
        tp_error(ld, e[2], "%s: a link to an IXP must be \"peer\"", desc);
    }
    if (e[n_core]) {
        parse_options(ld, e[n_core], desc, sp);
    }
    free(desc);
    return ld->n_errors == before;
}

static void parse_items(struct tp_loader *, const config_setting_t *list,
                        struct link_item **, size_t *n);

static void
parse_repeat(struct tp_loader *ld, const config_setting_t *s,
             struct link_item *it)
{
    const char *obj = "repeat block";
    const config_setting_t *r, *l;

    it->repeat = true;
    tp_check_keys(ld, s, obj, repeat_keys);
    r = tp_member(ld, s, obj, "repeat", CONFIG_TYPE_LIST, true);
    l = tp_member(ld, s, obj, "links", CONFIG_TYPE_LIST, true);
    if (r && !config_setting_length(r)) {
        tp_error(ld, r, "%s: repeat: needs at least one offset", obj);
    }
    if (r) {
        it->offsets =
            xcalloc((size_t)config_setting_length(r) + 1, sizeof *it->offsets);
    }
    for (int i = 0; r && i < config_setting_length(r); i++) {
        const config_setting_t *e = config_setting_get_elem(r, i);
        long long v;
        if (!tp_int_value(ld, e, obj, "repeat", -TOPO_MAX_ASN, TOPO_MAX_ASN,
                          &v)) {
            continue;
        }
        bool dup = false;
        for (size_t j = 0; j < it->n_offsets; j++) {
            dup |= it->offsets[j] == v;
        }
        if (dup) {
            tp_error(ld, e, "%s: repeat: offset %lld is listed twice", obj, v);
            continue;
        }
        it->offsets[it->n_offsets++] = v;
    }
    if (l) {
        parse_items(ld, l, &it->items, &it->n_items);
    }
}

static void
parse_items(struct tp_loader *ld, const config_setting_t *list,
            struct link_item **items, size_t *n)
{
    *n = (size_t)config_setting_length(list);
    *items = xcalloc(*n, sizeof **items);
    for (size_t i = 0; i < *n; i++) {
        const config_setting_t *s = config_setting_get_elem(list, (unsigned)i);
        struct link_item *it = &(*items)[i];
        it->where = s;
        if (config_setting_is_group(s)) {
            parse_repeat(ld, s, it);
        } else {
            it->valid = parse_spec(ld, s, &it->spec);
        }
    }
}

static void
free_items(struct link_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(items[i].spec.announce);
        free(items[i].offsets);
        free_items(items[i].items, items[i].n_items);
    }
    free(items);
}

/* ------------------------------------------------------------------------ */
/* Second pass: the links with their AS numbers                              */
/* ------------------------------------------------------------------------ */

static bool
is_ixp(const struct tp_loader *ld, long long n)
{
    return n >= 1 && n <= TOPO_MAX_ASN && ld->slots[n].where &&
           ld->slots[n].ixp;
}

/* The AS or IXP numbered n at one end of link `desc`, or NULL after
 * reporting. */
static const struct tp_slot *
link_end(struct tp_loader *ld, const config_setting_t *s, const char *desc,
         long long n, bool first, bool want_ixp)
{
    char why[128];
    if (tp_asn_problem(n, "AS", why, sizeof why)) {
        tp_error(ld, s, "%s: %s", desc, why);
        return NULL;
    }
    const struct tp_slot *slot = &ld->slots[n];
    if (!slot->where) {
        tp_error(ld, s, "%s: AS %lld does not exist", desc, n);
        return NULL;
    }
    if (slot->ixp && first) {
        tp_error(ld, s,
                 "%s: the first end must be an AS, but %lld is an "
                 "IXP",
                 desc, n);
        return NULL;
    }
    if (slot->ixp && !want_ixp) {
        tp_error(ld, s,
                 "%s: %lld is an IXP, which has no routers; a link to "
                 "an IXP is (AS, \"ROUTER\", \"peer\", IXP)",
                 desc, n);
        return NULL;
    }
    if (!slot->ixp && want_ixp) {
        tp_error(ld, s, "%s: AS %lld is not an IXP; name one of its routers",
                 desc, n);
        return NULL;
    }
    return slot;
}

/* The index of router `name` of AS n; -1 after reporting that it has none,
 * -2 when the AS has no usable body (already reported). */
static int
link_router(struct tp_loader *ld, const config_setting_t *s, const char *desc,
            const struct tp_slot *slot, long long n, const char *name)
{
    if (slot->broken) {
        return -2;
    }
    int r = tp_find_router(slot->body, name);
    if (r < 0) {
        tp_error(ld, s, "%s: AS %lld has no router \"%s\"", desc, n, name);
    }
    return r;
}

static uint32_t
effective_subnet(const struct topo_elink *e)
{
    unsigned lo = e->as_a < e->as_b ? e->as_a : e->as_b;
    unsigned hi = e->as_a < e->as_b ? e->as_b : e->as_a;

    return e->subnet ? e->subnet : (179u << 24 | lo << 16 | hi << 8);
}

static bool
same_routers(const struct topo_elink *o, const struct topo_elink *e)
{
    if (o->as_a == e->as_a && o->as_b == e->as_b) {
        return o->router_a == e->router_a && o->router_b == e->router_b;
    }
    return o->as_a == e->as_b && o->as_b == e->as_a &&
           (int)o->router_a == e->router_b && o->router_b == (int)e->router_a;
}

/* Compares new link `e` with AS-AS link `o` (found at `at`); reports the
 * first conflict.  Returns true if there was one. */
static bool
as_link_conflict(struct tp_loader *ld, const config_setting_t *s,
                 const char *desc, const struct topo_elink *o,
                 const struct topo_elink *e, const char *at)
{
    bool same_pair = (o->as_a == e->as_a && o->as_b == e->as_b) ||
                     (o->as_a == e->as_b && o->as_b == e->as_a);

    if (same_pair && same_routers(o, e)) {
        tp_error(ld, s, "%s: these routers are already linked (%s)", desc, at);
        return true;
    }
    if (same_pair && !o->subnet && !e->subnet) {
        tp_error(ld, s,
                 "%s: a second link between AS %u and AS %u needs an "
                 "explicit subnet (the first is at %s)",
                 desc, e->as_a, e->as_b, at);
        return true;
    }
    uint32_t net = effective_subnet(e);
    if (net == effective_subnet(o)) {
        tp_error(ld, s,
                 "%s: subnet %u.%u.%u.0/24 is also used by the link "
                 "at %s",
                 desc, net >> 24, net >> 16 & 255, net >> 8 & 255, at);
        return true;
    }
    return false;
}

static void
check_duplicates(struct tp_loader *ld, const config_setting_t *s,
                 const char *desc, const struct topo_elink *e)
{
    const struct topology *topo = ld->topo;
    char at[PATH_MAX + 32];

    for (size_t i = 0; i < topo->n_elinks; i++) {
        const struct topo_elink *o = &topo->elinks[i];
        if ((o->router_b < 0) != (e->router_b < 0)) {
            continue;
        }
        tp_where(ld, ld->elink_src[i].where, s, at, sizeof at);
        if (e->router_b < 0) {
            if (o->as_a == e->as_a && o->as_b == e->as_b) {
                tp_error(ld, s,
                         "%s: AS %u is already a member of IXP %u "
                         "(%s)",
                         desc, e->as_a, e->as_b, at);
                return;
            }
        } else if (as_link_conflict(ld, s, desc, o, e, at)) {
            return;
        }
    }
}

static void
elink_names(struct tp_loader *ld, const config_setting_t *s, const char *desc,
            const struct topo_elink *e)
{
    const char *file = tp_file(ld, s);
    int line = (int)config_setting_source_line(s);
    char buf[128];
    int len;

    if (e->router_b < 0) {
        len = names_if_ixp(buf, sizeof buf, e->as_b);
        tp_name_fits(ld, file, line, desc, "interface", buf, len,
                     TP_IFNAME_MAX);
        return;
    }
    const char *ra = ld->slots[e->as_a].body->routers[e->router_a].name;
    const char *rb = ld->slots[e->as_b].body->routers[e->router_b].name;
    if (!util_valid_name(ra, TP_ROUTER_NAME_MAX) ||
        !util_valid_name(rb, TP_ROUTER_NAME_MAX)) {
        return; /* reported with the router */
    }
    len = names_if_external(buf, sizeof buf, e->as_b, rb);
    if (tp_name_fits(ld, file, line, desc, "interface", buf, len,
                     TP_IFNAME_MAX)) {
        len = names_if_external(buf, sizeof buf, e->as_a, ra);
        tp_name_fits(ld, file, line, desc, "interface", buf, len,
                     TP_IFNAME_MAX);
    }
}

static void
add_elink(struct tp_loader *ld, const struct link_item *it,
          struct topo_elink *e, char *desc)
{
    struct topology *topo = ld->topo;
    const struct link_spec *sp = &it->spec;

    if (sp->n_announce) {
        e->announce = xmalloc(sp->n_announce * sizeof *e->announce);
        memcpy(e->announce, sp->announce,
               sp->n_announce * sizeof *e->announce);
        e->n_announce = sp->n_announce;
    }
    size_t cap = ld->cap_elinks;
    topo->elinks =
        xgrow(topo->elinks, &cap, topo->n_elinks + 1, sizeof *topo->elinks);
    if (cap != ld->cap_elinks) {
        ld->cap_elinks = cap;
        ld->elink_src = xrealloc(ld->elink_src, cap * sizeof *ld->elink_src);
    }
    ld->elink_src[topo->n_elinks].where = it->where;
    ld->elink_src[topo->n_elinks].desc = desc;
    topo->elinks[topo->n_elinks++] = *e;
}

static void
instantiate(struct tp_loader *ld, const struct link_item *it, long long offset,
            bool repeated)
{
    const struct link_spec *sp = &it->spec;
    const config_setting_t *s = it->where;
    bool to_ixp = !sp->router_b;

    /* IXP numbers are not offset: the repeated ASes meet at the same IXP. */
    long long a = is_ixp(ld, sp->as_a) ? sp->as_a : sp->as_a + offset;
    long long b = is_ixp(ld, sp->as_b) ? sp->as_b : sp->as_b + offset;
    char *desc = link_desc(a, sp->router_a, sp->rel_text, b, sp->router_b,
                           repeated, offset);

    const struct tp_slot *sa = link_end(ld, s, desc, a, true, false);
    const struct tp_slot *sb = link_end(ld, s, desc, b, false, to_ixp);
    if (!sa || !sb) {
        goto out;
    }
    if (a == b) {
        tp_error(ld, s,
                 "%s: links AS %lld to itself (links inside an AS "
                 "belong in its body)",
                 desc, a);
        goto out;
    }
    int ra = link_router(ld, s, desc, sa, a, sp->router_a);
    int rb = to_ixp ? -1 : link_router(ld, s, desc, sb, b, sp->router_b);
    if (ra < 0 || (!to_ixp && rb < 0)) {
        goto out;
    }
    struct topo_elink e = {
        .as_a = (unsigned)a,
        .router_a = (unsigned)ra,
        .as_b = (unsigned)b,
        .router_b = rb,
        .rel = sp->rel,
        .impair = sp->impair,
        .subnet = sp->subnet,
        .ends = {sp->ends[0], sp->ends[1]},
        .line = (int)config_setting_source_line(s),
    };
    check_duplicates(ld, s, desc, &e);
    elink_names(ld, s, desc, &e);
    add_elink(ld, it, &e, desc);
    return;

out:
    free(desc);
}

/* Adds the links of `items` with `offset` added to their AS numbers. */
static void
expand(struct tp_loader *ld, const struct link_item *items, size_t n,
       long long offset, bool repeated)
{
    for (size_t i = 0; i < n; i++) {
        const struct link_item *it = &items[i];
        if (it->repeat) {
            for (size_t j = 0; j < it->n_offsets; j++) {
                expand(ld, it->items, it->n_items, offset + it->offsets[j],
                       true);
            }
        } else if (it->valid) {
            instantiate(ld, it, offset, repeated);
        }
    }
}

/* Only members of an IXP can be in its members' announce lists. */
static void
check_announce(struct tp_loader *ld)
{
    const struct topology *topo = ld->topo;

    for (size_t i = 0; i < topo->n_elinks; i++) {
        const struct topo_elink *e = &topo->elinks[i];
        for (size_t j = 0; j < e->n_announce; j++) {
            bool member = false;
            for (size_t k = 0; k < topo->n_elinks && !member; k++) {
                const struct topo_elink *o = &topo->elinks[k];
                member = o->router_b < 0 && o->as_b == e->as_b &&
                         o->as_a == e->announce[j];
            }
            if (!member) {
                tp_error(ld, ld->elink_src[i].where,
                         "%s: announce: AS %u is "
                         "not a member of IXP %u",
                         ld->elink_src[i].desc, e->announce[j], e->as_b);
            }
        }
    }
}

/* An IXP no link joins is a route server with nothing to serve: a warning,
 * as a file may well define IXPs before their members (doc/topology.md).
 * Only in a file without errors: a link that could not be read may have
 * been the one that joins it. */
static void
check_ixp_members(struct tp_loader *ld)
{
    const struct topology *topo = ld->topo;
    bool member[TOPO_MAX_ASN + 1] = {false};

    for (size_t i = 0; i < topo->n_elinks; i++) {
        if (topo->elinks[i].router_b < 0) {
            member[topo->elinks[i].as_b] = true;
        }
    }
    for (unsigned n = 1; n <= TOPO_MAX_ASN; n++) {
        const struct tp_slot *slot = &ld->slots[n];
        if (slot->where && slot->ixp && !member[n]) {
            log_warn("%s:%d: IXP %u has no members (no link joins it)",
                     tp_file(ld, slot->where),
                     (int)config_setting_source_line(slot->where), n);
        }
    }
}

void
tp_parse_links(struct tp_loader *ld, const config_setting_t *root)
{
    const config_setting_t *list =
        tp_member(ld, root, "", "links", CONFIG_TYPE_LIST, false);
    struct link_item *items;
    size_t n;

    if (list) {
        parse_items(ld, list, &items, &n);
        expand(ld, items, n, 0, false);
        check_announce(ld);
        free_items(items, n);
    }
    if (!ld->n_errors) {
        check_ixp_members(ld);
    }
}

void
tp_free_elink_src(struct tp_loader *ld)
{
    for (size_t i = 0; ld->topo && i < ld->topo->n_elinks; i++) {
        free(ld->elink_src[i].desc);
    }
    free(ld->elink_src);
    ld->elink_src = NULL;
}
