/* ovstunnel: remote links carried by Open vSwitch tunnel ports, shared by
 * the tunnel plugins that use them (gre, and vxlan's "ovs" mode).  Not a
 * plugin: a convenience library compiled into each, so that no plugin
 * includes another.
 *
 * On each server, one Open vSwitch bridge per peer server (a server it
 * shares remote links with), holding one tunnel port to that peer and, as
 * ports, the root-namespace ends of the remote links between the two
 * (mi_link.tunnel_port[]).  OpenFlow rules keep the links apart; the
 * bridges forward nothing else.
 *
 * Isolation:
 *   TOS   each link's IP packets carry TOS 4 * tunnel_id on the underlay
 *         (tunnel port options:tos=inherit); ARP is steered by addresses;
 *         at most 63 links per server pair.
 *   key   each link has its own tunnel key, GRE key or VXLAN VNI
 *         (= tunnel_id; options:key=flow, set and matched as tun_id).
 *
 * Names and numbers:
 *   bridge       PREFIX<P>, P the peer's index in the plan's servers
 *   tunnel port  PREFIX<P>-t, OpenFlow port OVT_TUNNEL_OFPORT (65279)
 *   link ports   OpenFlow port = the link's tunnel id (1, 2, ...)
 * The port numbers are requested (ofport_request) so that the flows are a
 * pure function of the plan, written without asking Open vSwitch.
 *
 * Record: before making anything, build writes the names of the bridges it
 * is about to make into DIR/bridges (one a line, fsync()ed); destroy
 * deletes exactly those, then the files it made in DIR.  The flows loaded
 * into bridge B stay in DIR/B.flows (for reading; never read back).
 *
 * It uses the server's own Open vSwitch (its database at the default
 * socket), through ovs-vsctl, ovs-ofctl and ovs-appctl run by argv through
 * the host. */
#ifndef MINIINET_OVSTUNNEL_H
#define MINIINET_OVSTUNNEL_H 1

#include <stdbool.h>
#include <stddef.h>

#include <miniinet/plugin.h>

/* TOS values are multiples of 4 below 256: 4, 8, ..., 252. */
#define OVT_TOS_MAX_LINKS 63

/* OpenFlow port numbers: a link's port is its tunnel id, the tunnel port
 * the highest number Open vSwitch lets one request (OFPP_MAX, 0xfeff); so
 * a server pair has at most 65278 links in key mode. */
#define OVT_TUNNEL_OFPORT 65279
#define OVT_KEY_MAX_LINKS (OVT_TUNNEL_OFPORT - 1)

/* Bridge and port names: PREFIX + the peer's index (+ "-t"), at most 15
 * characters (an interface name) for any index below 10^7 with a prefix
 * of at most 6. */
#define OVT_NAME_LEN 16

enum ovt_isolation { OVT_ISOLATION_TOS, OVT_ISOLATION_KEY };
enum ovt_datapath { OVT_DP_SYSTEM, OVT_DP_NETDEV };

struct ovt {
    const struct mi_host *host;
    const char *plugin;    /* "gre": starts messages, names settings */
    const char *prefix;    /* "mi-gre": bridge and port names */
    const char *port_type; /* Open vSwitch interface type: "gre", "vxlan" */
    const char *kmod;      /* kernel module the system datapath needs */
    unsigned dst_port;     /* options:dst_port, 0: the type's default */
    enum ovt_isolation isolation;
    enum ovt_datapath datapath; /* resolved */
    const char *db_sock; /* the default socket (tests point it elsewhere) */
};

void ovt_init(struct ovt *, const struct mi_host *, const char *plugin,
              const char *prefix, const char *port_type, const char *kmod);
/* Sets the datapath from a `datapath` setting: "auto", "system" or
 * "netdev"; -EINVAL after reporting anything else. */
int ovt_set_datapath(struct ovt *, const struct mi_settings *,
                     const char *value);

/* The pure part. */
void ovt_bridge_name(const struct ovt *, unsigned peer, char *buf, size_t len);
void ovt_port_name(const struct ovt *, unsigned peer, char *buf, size_t len);
size_t ovt_peers(const struct mi_plan *, unsigned server, unsigned *peers);
int ovt_check_layout(const struct ovt *, const struct mi_plan *,
                     unsigned server);
char *ovt_flows(const struct ovt *, const struct mi_plan *, unsigned server,
                unsigned peer);

/* The tunnel operations, with a struct ovt as state. */
int ovt_check_plan(void *state, const struct mi_plan *);
bool ovt_needs_tx_csum_off(void *state);
int ovt_check_server(void *state, const struct mi_plan *, unsigned server);
int ovt_build(void *state, const struct mi_plan *, unsigned server,
              const char *const *netns, const char *dir);
int ovt_destroy(void *state, const char *dir);
int ovt_reassert(void *state, const char *dir);
int ovt_reattach_port(void *state, const char *dir, const char *port);
int ovt_clear_leftovers(void *state, const struct mi_plan *, unsigned server,
                        size_t *n_removed);

#endif
