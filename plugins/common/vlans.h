/* A bridge's VLAN settings as text: what a switch plugin's get_vlans()
 * returns and set_vlans() takes back (a snapshot keeps it as data, the
 * host never reads it).  One line per port, sorted by port name:
 *
 *     port NAME [tag N] [trunks N,N,...] [mode MODE]
 *
 * NAME an interface name (1 to 15 of [A-Za-z0-9_.-]), N a VLAN 0..4095
 * (trunks ascending, each once), MODE one of Open vSwitch's vlan_mode
 * values (access, trunk, native-tagged, native-untagged, dot1q-tunnel); a
 * port with none of the three carries every VLAN untouched.  The parser is
 * strict: anything else is refused, naming the line.  Pure (no I/O), for
 * the ovs plugin and its tests. */
#ifndef MINIINET_PLUGINS_COMMON_VLANS_H
#define MINIINET_PLUGINS_COMMON_VLANS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VLANS_PORT_NAME_MAX 15
#define VLANS_N_VLANS 4096
/* Longest text accepted, and most ports in one bridge. */
#define VLANS_TEXT_MAX (1u << 20)
#define VLANS_PORTS_MAX 4096

struct vlan_port {
    char name[VLANS_PORT_NAME_MAX + 1];
    int tag; /* -1: none */
    bool has_trunks;
    uint8_t trunks[VLANS_N_VLANS / 8]; /* bit v: VLAN v */
    char mode[16];                     /* "": none */
};

struct vlan_ports {
    struct vlan_port *v;
    size_t n, cap;
};

/* Parses the text form into *out (zero it first; vlans_free() it).  On bad
 * input returns -EINVAL with "line N: why" in `err` (nothing kept). */
int vlans_parse(const char *text, struct vlan_ports *out, char *err,
                size_t errlen);

/* The canonical text of `ports` (sorted by name; malloc()ed, NULL when
 * out of memory). */
char *vlans_format(struct vlan_ports *ports);

/* The ports of bridge `bridge` from what `ovs-vsctl --format=csv
 * --data=bare --no-headings` prints for `--columns=name,ports list Bridge`
 * (`bridges`) and `--columns=_uuid,name,tag,trunks,vlan_mode list Port`
 * (`ports`).  Strict, like vlans_parse(): -EINVAL with the reason in `err`,
 * -ENOENT when there is no such bridge. */
int vlans_from_ovs(const char *bridges, const char *ports, const char *bridge,
                   struct vlan_ports *out, char *err, size_t errlen);

/* Whether `name` is a port or bridge name as this text has them: 1 to
 * VLANS_PORT_NAME_MAX of [A-Za-z0-9_.-] (never an OVSDB record's UUID). */
bool vlans_name_ok(const char *name);

/* The port called `name`, or NULL. */
const struct vlan_port *vlans_find(const struct vlan_ports *,
                                   const char *name);

/* Whether two ports have the same settings (names aside). */
bool vlans_port_same(const struct vlan_port *, const struct vlan_port *);

/* Writes the trunks of `p` as "N,N,..." into buf; false if it does not
 * fit. */
bool vlans_trunks_text(const struct vlan_port *p, char *buf, size_t len);

void vlans_free(struct vlan_ports *);

#endif
