/* Kernel settings of the server that a network needs raised.
 *
 * The kernel's neighbour (ARP) table is one for all network namespaces and
 * holds 1024 entries by default (net.ipv4.neigh.default.gc_thresh3); past
 * that, new neighbours are refused ("neighbor table overflow") and a large
 * network never converges: BGP sessions and pings fail at random.  `up`
 * raises the limits before it makes anything, writing the old values in the
 * state record first; `down` writes them back when no other network of
 * miniinet is up and nobody changed them since. */
#ifndef MINIINET_HOSTLIMITS_H
#define MINIINET_HOSTLIMITS_H 1

#include <stddef.h>

#include "state.h"

/* When gc_thresh3 leaves less than twice `need`, raises gc_thresh1/2/3
 * (keeping the kernel's 1:4:8 ratio) so that gc_thresh3 is twice `need`
 * plus the default 1024 for the rest of the machine; never lowers one.  Each
 * change is appended to the record and synced before it is made.  Where the
 * settings cannot be read or written (a namespace other than the host's has
 * none), warns with the value to set by hand.  Returns 0 or -errno (the
 * record could not be written). */
int hostlimits_raise_neighbours(struct state *, size_t need);

/* Writes back the values a record raised, unless another network of
 * miniinet is up or the value is no longer the one `up` set. */
void hostlimits_restore(const struct state *);

#endif
