/* The valley-free rule on AS paths (valley.h). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "valley.h"

static const struct mi_as *
find_as(const struct mi_plan *p, unsigned asn)
{
    for (size_t i = 0; i < p->n_ases; i++) {
        if (mi_plan_as(p, i)->asn == asn) {
            return mi_plan_as(p, i);
        }
    }
    return NULL;
}

/* Whether AS `asn` is a member of IXP `ixp` (a router on its LAN). */
static bool
ixp_member(const struct mi_plan *p, unsigned ixp, unsigned asn)
{
    for (size_t i = 0; i < p->n_links; i++) {
        const struct mi_link *l = mi_plan_link(p, i);
        if (l->kind == MI_LINK_IXP && l->end[0].node >= 0 &&
            l->end[1].bridge >= 0 &&
            mi_plan_bridge(p, (size_t)l->end[1].bridge)->asn == ixp &&
            mi_plan_node(p, (size_t)l->end[0].node)->asn == asn) {
            return true;
        }
    }
    return false;
}

enum mi_rel
valley_rel(const struct mi_plan *p, unsigned a, unsigned b)
{
    for (size_t i = 0; i < p->n_links; i++) {
        const struct mi_link *l = mi_plan_link(p, i);
        if (l->kind != MI_LINK_EXTERNAL || l->end[0].node < 0 ||
            l->end[1].node < 0) {
            continue;
        }
        unsigned x = mi_plan_node(p, (size_t)l->end[0].node)->asn;
        unsigned y = mi_plan_node(p, (size_t)l->end[1].node)->asn;
        if (x == a && y == b) {
            return l->rel;
        }
        if (x == b && y == a) {
            return l->rel == MI_REL_PROVIDER   ? MI_REL_CUSTOMER
                   : l->rel == MI_REL_CUSTOMER ? MI_REL_PROVIDER
                                               : l->rel;
        }
    }
    for (size_t i = 0; i < p->n_ases; i++) {
        const struct mi_as *ixp = mi_plan_as(p, i);
        if (ixp->ixp && ixp_member(p, ixp->asn, a) &&
            ixp_member(p, ixp->asn, b)) {
            return MI_REL_PEER;
        }
    }
    return MI_REL_NONE;
}

/* The next AS number of `*text` (an AS path), *text moved past it: 1, 0
 * at the end, -1 on anything but a number (an AS set "{1,2}", garbage). */
static int
next_asn(const char **text, unsigned *asn)
{
    const char *s = *text;
    while (*s == ' ') {
        s++;
    }
    if (!*s) {
        *text = s;
        return 0;
    }
    if (*s < '0' || *s > '9') {
        return -1;
    }
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || v > 4294967295UL || (*end && *end != ' ')) {
        return -1;
    }
    *asn = (unsigned)v;
    *text = end;
    return 1;
}

enum valley
valley_check(const struct mi_plan *p, unsigned from, const char *path)
{
    /* Along the traffic's way: up* (customer to provider), at most one
     * peer, then down* (provider to customer). */
    bool past_top = false; /* a peer or down step seen */
    unsigned prev = from;
    unsigned asn = 0;
    int r;

    if (!find_as(p, from)) {
        return VALLEY_UNKNOWN;
    }
    while ((r = next_asn(&path, &asn)) > 0) {
        const struct mi_as *as = find_as(p, asn);
        if (!as) {
            return VALLEY_UNKNOWN;
        }
        if (as->ixp || asn == prev) {
            continue;
        }
        switch (valley_rel(p, prev, asn)) {
        case MI_REL_CUSTOMER: /* prev is asn's customer: up */
            if (past_top) {
                return VALLEY_BROKEN;
            }
            break;
        case MI_REL_PEER:
            if (past_top) {
                return VALLEY_BROKEN;
            }
            past_top = true;
            break;
        case MI_REL_PROVIDER: /* down */
            past_top = true;
            break;
        default:
            return VALLEY_UNKNOWN;
        }
        prev = asn;
    }
    return r < 0 ? VALLEY_UNKNOWN : VALLEY_FREE;
}
