/* Links named on the command line (`miniinet link A B ...`): a node by its
 * name ("1_ZURIrouter") or as AS:ROUTER ("1:ZURI"), a router's port on an
 * IXP's LAN by the router and the IXP's number ("4_MILArouter 80").  Pure:
 * the plan only. */
#ifndef MINIINET_LINKREF_H
#define MINIINET_LINKREF_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* The words after `link A B` that put one end of a link back as it was
 * (down or not; rate_bps and delay_us in effect, 0 for none) after a
 * request changed it -- its state (`set` false: "up" or "down") or its
 * shaping (`set` true: "set rate R delay D", R "<n>bit" or "none", D
 * "<n>us").  Stores them in out (malloc()ed) and returns how many: 1 or
 * 5. */
#define LINKREF_UNDO_MAX 5
size_t linkref_undo(bool set, bool down, uint64_t rate_bps, uint32_t delay_us,
                    char *out[LINKREF_UNDO_MAX]);

#endif
