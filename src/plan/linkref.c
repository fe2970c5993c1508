/* Links named on the command line (linkref.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "linkref.h"
#include "log.h"
#include "util.h"

/* A whole decimal number below 1000 (an AS or IXP number), or -1. */
static int
small_number(const char *s, const char **end)
{
    int n = 0, digits = 0;

    for (; *s >= '0' && *s <= '9'; s++) {
        if (++digits > 3) {
            return -1;
        }
        n = n * 10 + (*s - '0');
    }
    *end = s;
    return digits ? n : -1;
}

int
linkref_node(const struct mi_plan *p, const char *name)
{
    const char *rest = NULL;
    int asn = small_number(name, &rest);
    const char *label = asn >= 0 && *rest == ':' ? rest + 1 : NULL;

    for (size_t i = 0; i < p->n_nodes; i++) {
        const struct mi_node *n = mi_plan_node(p, i);
        if (!strcmp(n->name, name) ||
            (label && n->kind == MI_NODE_ROUTER && n->asn == (unsigned)asn &&
             n->label && !strcmp(n->label, label))) {
            return (int)i;
        }
    }
    return -1;
}

/* The IXP numbered by `text` ("80"), as the index of its bridge, or -1. */
static int
ixp_bridge(const struct mi_plan *p, const char *text)
{
    const char *rest = NULL;
    int number = small_number(text, &rest);

    for (size_t i = 0; number >= 0 && !*rest && i < p->n_bridges; i++) {
        const struct mi_bridge *b = mi_plan_bridge(p, i);
        if (b->kind == MI_BRIDGE_IXP && b->asn == (unsigned)number) {
            return (int)i;
        }
    }
    return -1;
}

static bool
is_number(const char *text)
{
    const char *rest = NULL;
    return small_number(text, &rest) >= 0 && !*rest;
}

/* Finds the link whose ends are node `a` and node-or-bridge `b`. */
static int
find_between(const struct mi_plan *p, int a, int b_node, int b_bridge)
{
    for (size_t i = 0; i < p->n_links; i++) {
        const struct mi_link *l = mi_plan_link(p, i);
        if (l->kind == MI_LINK_MGMT) {
            /* Student access's, not the data plane's.  No B reaches one
             * today (its far end is a management bridge, and B is a node
             * or an IXP): this keeps it so if B comes to name bridges. */
            continue;
        }
        for (int e = 0; e < 2; e++) {
            const struct mi_endpoint *x = &l->end[e], *y = &l->end[!e];
            if (x->node == a &&
                (b_node >= 0 ? y->node == b_node : y->bridge == b_bridge)) {
                return (int)i;
            }
        }
    }
    return -1;
}

int
linkref_find(const struct mi_plan *p, const char *a, const char *b,
             size_t *link)
{
    if (is_number(a) && !is_number(b)) {
        const char *t = a; /* "80 4_MILArouter": the same port */
        a = b;
        b = t;
    }
    int na = linkref_node(p, a);
    if (na < 0) {
        log_error("network %s has no node %s (a node name, or AS:ROUTER "
                  "such as 1:ZURI)",
                  p->name, a);
        return -ENOENT;
    }
    int nb = -1, bridge = -1;
    if (is_number(b)) {
        bridge = ixp_bridge(p, b);
        if (bridge < 0) {
            log_error("network %s has no IXP %s", p->name, b);
            return -ENOENT;
        }
    } else if ((nb = linkref_node(p, b)) < 0) {
        log_error("network %s has no node %s (a node name, AS:ROUTER such "
                  "as 1:ZURI, or an IXP's number)",
                  p->name, b);
        return -ENOENT;
    }
    int found = find_between(p, na, nb, bridge);
    if (found < 0) {
        log_error("network %s has no link between %s and %s%s", p->name,
                  mi_plan_node(p, (size_t)na)->name,
                  nb >= 0 ? mi_plan_node(p, (size_t)nb)->name : "IXP ",
                  nb >= 0 ? "" : b);
        return -ENOENT;
    }
    *link = (size_t)found;
    return 0;
}

static char *
end_name(const struct mi_plan *p, const struct mi_endpoint *e)
{
    if (e->node >= 0) {
        return xstrdup(mi_plan_node(p, (size_t)e->node)->name);
    }
    const struct mi_bridge *b = mi_plan_bridge(p, (size_t)e->bridge);
    return b->kind == MI_BRIDGE_IXP ? xasprintf("IXP %u", b->asn)
                                    : xstrdup(b->name);
}

char *
linkref_describe(const struct mi_plan *p, size_t link)
{
    const struct mi_link *l = mi_plan_link(p, link);
    char *a = end_name(p, &l->end[0]), *b = end_name(p, &l->end[1]);
    char *text = xasprintf("%s - %s", a, b);
    free(a);
    free(b);
    return text;
}

size_t
linkref_undo(bool set, bool down, uint64_t rate_bps, uint32_t delay_us,
             char *out[LINKREF_UNDO_MAX])
{
    if (!set) {
        out[0] = xstrdup(down ? "down" : "up");
        return 1;
    }
    out[0] = xstrdup("set");
    out[1] = xstrdup("rate");
    out[2] = rate_bps ? xasprintf("%llubit", (unsigned long long)rate_bps)
                      : xstrdup("none");
    out[3] = xstrdup("delay");
    out[4] =
        delay_us ? xasprintf("%uus", (unsigned)delay_us) : xstrdup("none");
    return 5;
}
