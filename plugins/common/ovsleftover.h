/* Open vSwitch bridges an earlier run of a network left behind (a reboot
 * keeps Open vSwitch's database): found by the network's label, removed
 * when no port of theirs is open.  Part of libcmd; used by the plugins'
 * clear_leftovers (ovs, and the Open vSwitch tunnels). */
#ifndef MINIINET_PLUGINS_COMMON_OVSLEFTOVER_H
#define MINIINET_PLUGINS_COMMON_OVSLEFTOVER_H

#include <stdbool.h>
#include <stddef.h>

#include <miniinet/plugin.h>

/* Who asks, and which Open vSwitch. */
struct ovsl {
    const struct mi_host *host;
    const char *plugin; /* for messages: "ovs", "gre" */
    const char *db;     /* "--db=unix:PATH", or NULL: the server's own */
};

/* Pure.  Whether one of the interfaces `ifaces` (one name a line, as
 * `ovs-vsctl list-ifaces BRIDGE` prints them) is open on a device:
 * `system` holds the lines "NAME,OFPORT" of the interfaces of type ""
 * (`--format=csv --data=bare --no-headings --columns=name,ofport find
 * Interface type=""`), and an open one has an OpenFlow port above 0 (a
 * missing device gets -1, or none) and, when `exists` is given, a device
 * by that name (`exists(name)`): an ovs-vswitchd just started keeps the
 * OpenFlow ports of the run before until it has looked at its devices.
 * Its name into buf. */
bool ovsl_open_port(const char *ifaces, const char *system,
                    bool (*exists)(const char *name), char *buf, size_t len);

/* Removes, in one transaction, those of the bridges `names` that exist
 * with the label external_ids:miniinet=NETWORK and no port open
 * (ovsl_open_port()); each one said (MI_LOG_INFO), each one in use too
 * (MI_LOG_WARN, left alone), a bridge without the label ignored.  Adds
 * the number removed to *n_removed.  0 or a negative errno, reported. */
int ovsl_clear(const struct ovsl *o, const char *network,
               const char *const *names, size_t n, size_t *n_removed);

#endif
