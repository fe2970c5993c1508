/* The Gao-Rexford (valley-free) rule on AS paths, from the plan's business
 * relationships: a path goes up from customer to provider any number of
 * times, then crosses at most one peer link, then goes down from provider
 * to customer any number of times.  A path that breaks it means some AS
 * exported a route it should not have (e.g. a provider's or a peer's route
 * to a peer or provider).  Pure functions of the plan. */
#ifndef MINIINET_VALLEY_H
#define MINIINET_VALLEY_H 1

#include <stddef.h>

#include "miniinet/plugin.h"

/* The relationship of AS `a` towards AS `b`: MI_REL_PROVIDER when `a` is
 * `b`'s provider, MI_REL_CUSTOMER when its customer, MI_REL_PEER for a peer
 * link or when both are members of one IXP (its route server's peers), and
 * MI_REL_NONE when the plan links them in no way.  A direct link's
 * relationship comes before an IXP's. */
enum mi_rel valley_rel(const struct mi_plan *, unsigned a, unsigned b);

enum valley {
    VALLEY_FREE = 0, /* follows the rule */
    VALLEY_BROKEN,   /* breaks it */
    VALLEY_UNKNOWN   /* cannot tell: two neighbours on it the plan does not
                        link, an AS not in the plan, an AS set */
};

/* Whether the path from AS `from` to the origin of a route whose BGP AS
 * path (as FRR prints it at `from`: "3 2 4", nearest first, the origin
 * last; "" for `from`'s own routes) is `path` is valley-free.  Repeated
 * ASes (prepending) count once; IXPs' ASNs (a route server that is not
 * transparent) are skipped. */
enum valley valley_check(const struct mi_plan *, unsigned from,
                         const char *path);

#endif
