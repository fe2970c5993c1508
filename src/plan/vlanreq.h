/* A student's request to the switch VLAN agent (doc/access.md, "Your
 * switches"), pure: the one line a group's `goto LOCATION SWITCH ...`
 * sends over the proxy's loopback, parsed strictly, and judged against
 * the access plan and the plan for the group the listener belongs to.
 * The agent (vlan_agent.c) applies what this allows, and only that.
 *
 * The line: at most VLANREQ_MAX bytes before its '\n', printable ASCII
 * words separated by single spaces, one of
 *
 *     show LOCATION SWITCH
 *     access LOCATION SWITCH PORT VLAN          VLAN 1..4094
 *     trunk LOCATION SWITCH PORT all|V[,V...]   each V 1..4094, in any
 *                                               order, a repeat ignored
 *
 * LOCATION SWITCH are the goto words of one of the group's switches
 * (access_device kind ACCESS_SWITCH); PORT is the name of a port of that
 * switch's bridge that is an end of one of the AS's L2 links
 * (MI_LINK_L2_GATEWAY, _HOST, _TRUNK: mi_link.peer[e]), never a
 * management port or another bridge's. */
#ifndef MINIINET_VLANREQ_H
#define MINIINET_VLANREQ_H 1

#include <stdbool.h>
#include <stddef.h>

#include <miniinet/plugin.h>

#include "access.h"

#define VLANREQ_MAX 255 /* bytes of a request before its '\n' */
#define VLANREQ_WORD 64 /* bytes of a word, its NUL included */

enum vlanreq_verb { VLANREQ_SHOW = 1, VLANREQ_ACCESS, VLANREQ_TRUNK };

struct vlanreq {
    enum vlanreq_verb verb;
    char location[VLANREQ_WORD];
    char what[VLANREQ_WORD];
    char port[VLANREQ_WORD];  /* access, trunk */
    struct mi_port_vlan vlan; /* access, trunk */
};

/* Parses `line` (its `len` bytes, without the '\n'; may hold any byte)
 * into *r.  Returns 0, or -EINVAL with why in `why` ("unknown request
 * \"foo\"", "VLAN \"0\" is not 1 to 4094", ...; a word quoted is
 * printable ASCII, cut at 40 bytes). */
int vlanreq_parse(const char *line, size_t len, struct vlanreq *r, char *why,
                  size_t why_len);

/* What a request of group `asn` names in the plan. */
struct vlanreq_target {
    const struct access_device *sw; /* the switch */
    size_t bridge;                  /* its bridge */
    const char *bridge_name;        /* the plan's bridge name */
    const char *port;               /* access, trunk: the plan's port */
};

/* Judges `r` for the group of AS `asn`: its switch LOCATION SWITCH and,
 * for a change, the switch's port PORT.  Returns 0 with *t filled, or
 * -ENOENT with why in `why` ("AS 3 has no switch DCN S9", "switch DCN S1
 * has no port mi99 ..."). */
int vlanreq_judge(const struct vlanreq *r, const struct mi_plan *p,
                  const struct access_plan *ap, unsigned asn,
                  struct vlanreq_target *t, char *why, size_t why_len);

/* The ports of switch bridge `bridge` of group `g` a student may set, in
 * plan (link) order, as `show` prints them: one line each, "port PORT to
 * WHAT\n", WHAT "router LUGA", "host FIFA_1", "switch S2" (the switch's
 * goto words when its location differs: "switch DCN S2").  malloc()ed;
 * "" when none. */
char *vlanreq_ports_text(const struct mi_plan *p, const struct access_group *g,
                         size_t bridge);

/* What a change sets, for the reply and the log: "DCN S1 port mi20b:
 * access VLAN 10", "... trunk of VLANs 10,20", "... trunk of every VLAN"
 * (malloc()ed). */
char *vlanreq_describe(const struct vlanreq *r);

/* Whether `g` has a switch. */
bool vlanreq_group_has_switch(const struct access_group *g);

/* `text` (`len` bytes) for a log line: at most `max` bytes of it, a byte
 * outside printable ASCII as \xHH, then "..." when cut.  Into `buf`
 * (at least 4 * max + 4 bytes). */
void vlanreq_escape(const char *text, size_t len, size_t max, char *buf,
                    size_t buf_len);

#endif
