/* The topology: what the topology file says, validated, templates resolved.
 *
 * topology_load() reads a libconfig file, checks every setting and returns a
 * `struct topology` in which every name is valid and every reference
 * resolved.  It is the only module that reads the file; the planner
 * (plan.h) turns a topology into a plan without looking at the file again.
 */
#ifndef MINIINET_TOPOLOGY_H
#define MINIINET_TOPOLOGY_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <miniinet/plugin.h>

/* Limits of the original addressing plan (doc/topology.md). */
#define TOPO_MAX_ASN 223      /* AS number is the first octet: unicast */
#define TOPO_RESERVED_ASN 127 /* loopback /8 */
#define TOPO_LINK_OCTET 179   /* 179.LO.HI.0/24: links between ASes */
#define TOPO_IXP_OCTET 180    /* 180.IXP.0.0/24: IXP LANs */
#define TOPO_MAX_ROUTERS 50   /* AS.(101+i) must stay below AS.151 */
#define TOPO_MAX_INTERNAL 197 /* AS.0.(n+1), .198/.199 reserved */
#define TOPO_MAX_L2NETS 55    /* AS.(200+dc) */
#define TOPO_MAX_VLAN 255     /* third octet of AS.(200+dc).VLAN.0/24 */
#define TOPO_IFNAMSIZ 16      /* Linux IFNAMSIZ, including the NUL */

/* Rate, delay and buffer of a link; zero means "not set". */
struct topo_impair {
    uint64_t rate_bps;
    uint32_t delay_us;
    uint32_t buffer_us;
};

struct topo_router {
    char *name; /* at most 10 characters, [A-Za-z0-9_-] */
    bool host;  /* has an L3 host (default true) */
    /* `hosts = [i, ...]`: one host per row i instead (the original's ALL
     * routers), "<AS>_<R>host<i>" on the router's "host<i>", subnet
     * AS.(101+i).0.0/24; none: the one host of the router's own row. */
    unsigned *host_rows;
    size_t n_host_rows;
    int line;
};

struct topo_ilink { /* internal link between two routers of an AS */
    unsigned a, b;  /* indices into topo_body.routers */
    struct topo_impair impair;
    int line;
};

struct topo_switch {
    char *name;
    int gateway;           /* router index, or -1 */
    unsigned stp_priority; /* default: 1 + switch index */
    int line;
};

struct topo_l2link { /* trunk between two switches of one L2 network */
    unsigned a, b;   /* indices into topo_l2net.switches */
    struct topo_impair impair;
    int line;
};

struct topo_l2host {
    char *name;
    unsigned sw;   /* index into topo_l2net.switches */
    unsigned vlan; /* 1..255, or 0: untagged */
    struct topo_impair impair;
    int line;
};

struct topo_l2net {
    char *name; /* "DCN" */
    struct topo_switch *switches;
    size_t n_switches;
    struct topo_l2link *links;
    size_t n_links;
    struct topo_l2host *hosts;
    size_t n_hosts;
    int line;
};

/* The inside of an AS: routers, internal links and L2 networks.  Templates
 * are bodies shared by every AS that names them. */
struct topo_body {
    char *name; /* template name, or NULL for an inline body */
    struct topo_router *routers;
    size_t n_routers;
    struct topo_ilink *links;
    size_t n_links;
    struct topo_l2net *l2nets;
    size_t n_l2nets;
    /* `measurement = "ROUTER"` (or false): the router that carries the
     * AS's link to the measurement host; -1: none; default 0, the first */
    int measurement;
    int measurement_line; /* 0: not set in the file */
    /* `matrix = "ROUTER"`: the router whose (first) host is the AS's host
     * in the connectivity matrix (the original's MATRIX_TARGET), as 1 +
     * its index; 0: not set, the AS's first host */
    int matrix;
    int matrix_line; /* 0: not set in the file */
    int line;
};

struct topo_as {
    unsigned asn;
    bool ixp;
    bool configured;              /* false: "students = true" */
    int server;                   /* index into topology.servers, -1: auto */
    const struct topo_body *body; /* NULL for IXPs; owned by topology */
    int line;
};

struct topo_elink {    /* link between ASes, or between an AS and an IXP */
    unsigned as_a;     /* asn */
    unsigned router_a; /* index into the AS's body routers */
    unsigned as_b;     /* asn of an AS or IXP */
    int router_b;      /* -1 when as_b is an IXP */
    enum mi_rel rel;   /* role of as_a towards as_b */
    struct topo_impair impair;
    uint32_t subnet;    /* explicit /24 (host order), 0: 179.lo.hi.0/24 */
    unsigned ends[2];   /* host parts of as_a's, as_b's end; 0: their asn */
    unsigned *announce; /* IXP links: ASes that may receive as_a's routes */
    size_t n_announce;
    int line;
};

struct topo_server {
    char *name;
    char *address;         /* dotted IPv4 */
    char *interface;       /* may be NULL */
    char *ssh_user;        /* default "root" */
    unsigned ssh_port;     /* default 22 */
    char *ssh_identity;    /* may be NULL */
    char *ssh_known_hosts; /* may be NULL */
    char *ssh_host;        /* where SSH connects; NULL: address */
    unsigned mtu;          /* default 1500 */
    int line;
};

/* Student access (doc/access.md): an SSH proxy per selected AS, listening
 * on port port_base + AS of its server. */
#define TOPO_ACCESS_PORT_BASE 2000 /* the original platform's */
/* 158.AS.0.0/16: an AS's management network. */
#define TOPO_ACCESS_MGMT_OCTET 158
#define TOPO_ACCESS_KEY_MAX 16384 /* bytes of one public key line */

struct topo_access {
    bool enabled;
    unsigned *asns; /* the ASes that get a proxy, ascending */
    size_t n_asns;
    unsigned port_base;
    char **ta_keys; /* OpenSSH public key lines, "TYPE BASE64 [COMMENT]" */
    size_t n_ta_keys;
    int line;
};

struct topology {
    char *file; /* path as given */
    char *name; /* network name, default "miniinet" */

    struct topo_server *servers;
    size_t n_servers;
    struct topo_body **bodies; /* templates and inline bodies, owned */
    size_t n_bodies;
    struct topo_as *ases; /* sorted by asn, IXPs included */
    size_t n_ases;
    struct topo_elink *elinks; /* in file order (templates expanded) */
    size_t n_elinks;

    /* plugins = { runtime = ...; switch = ...; tunnel = ...; NAME = {...} } */
    char *plugin_runtime; /* NULL: not chosen in the file */
    char *plugin_switch;
    char *plugin_tunnel;
    bool impairments_optional;
    /* measurement = true | { server = "NAME"; }: the measurement host */
    bool measurement;
    int measurement_server; /* index into servers, -1: the first */
    int measurement_line;
    /* snapshots = { keep_last = N; keep_days = N; } (save's retention);
     * -1: not set (the defaults). */
    long long snapshots_keep_last, snapshots_keep_days;
    struct topo_access access; /* access.enabled false: no `access` */

    void *config; /* the libconfig tree, for plugin settings */
};

/* Reads and validates `path`.  On success returns 0 and stores a new
 * topology in *out.  On error prints every problem found as
 * "FILE:LINE: message" through log_error() and returns -EINVAL (bad
 * content) or -errno (the file could not be read). */
int topology_load(const char *path, struct topology **out);

/* Whether `access` gives AS `asn` a proxy (false without `access`). */
bool topology_access_chooses(const struct topo_access *, unsigned asn);

void topology_free(struct topology *);

/* A link rate ("10mbit", 1kbit..100gbit) or delay ("2.5ms", 0..10s) as
 * the file writes them, for the command line (`miniinet link ... set`).
 * Returns NULL and stores the value (bit/s, microseconds), or why `text`
 * is wrong ("has no unit (use ...)"): one parser for both. */
const char *topology_parse_rate(const char *text, uint64_t *bps, char *why,
                                size_t len);
const char *topology_parse_delay(const char *text, uint32_t *us, char *why,
                                 size_t len);
const char *topology_parse_buffer(const char *text, uint32_t *us, char *why,
                                  size_t len);

/* A server's `interface` (1 to 15 characters of A-Z a-z 0-9 _ . -) and
 * `ssh.host` (a host name or an IPv4 or IPv6 address), as the topology
 * file takes them; for `miniinet import`. */
bool topology_valid_ifname(const char *);
bool topology_valid_host(const char *);

/* The AS or IXP numbered `asn`, or NULL. */
const struct topo_as *topology_find_as(const struct topology *, unsigned asn);

/* Whether the network has bridges, and so needs a switch plugin: an IXP's
 * LAN, an AS's L2 network, or with `access` each student group's
 * management bridge. */
bool topology_has_bridges(const struct topology *);

/* Reports, at its line, every settings group `plugins.NAME` for which
 * known(NAME, aux) is false (a typo such as `plugins.gree` would otherwise
 * be ignored), suggesting one of `suggest` (NULL-terminated) when it looks
 * like a typo of it; returns how many it reported. */
unsigned topology_check_plugin_groups(const struct topology *,
                                      bool (*known)(const char *name,
                                                    void *aux),
                                      void *aux, const char *const *suggest);

/* The settings section `plugins.NAME`, or NULL when the file has none. */
const struct mi_settings *topology_plugin_settings(const struct topology *,
                                                   const char *plugin);

#endif
