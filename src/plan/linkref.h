/* Links named on the command line (`miniinet link A B ...`): a node by its
 * name ("1_ZURIrouter") or as AS:ROUTER ("1:ZURI"), a router's port on an
 * IXP's LAN by the router and the IXP's number ("4_MILArouter 80").  Pure:
 * the plan only. */
#ifndef MINIINET_LINKREF_H
#define MINIINET_LINKREF_H 1

#include <stddef.h>

#include "miniinet/plugin.h"

/* Index of the node `name` names, or -1. */
int linkref_node(const struct mi_plan *, const char *name);

/* The link between `a` and `b` (either order).  Returns 0 and stores its
 * index, or -ENOENT after an error naming what the plan lacks (the node,
 * the IXP, or the link). */
int linkref_find(const struct mi_plan *, const char *a, const char *b,
                 size_t *link);

/* "1_ZURIrouter - 1_BASErouter", "4_MILArouter - IXP 80": how messages
 * and `status` name link `link` (malloc()ed). */
char *linkref_describe(const struct mi_plan *, size_t link);

#endif
