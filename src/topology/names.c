#include "config.h"

#include "names.h"

#include <stdio.h>
#include <string.h>

#include "topology.h"

int
names_router(char *buf, size_t len, unsigned asn, const char *router)
{
    return snprintf(buf, len, "%u_%srouter", asn, router);
}

int
names_host(char *buf, size_t len, unsigned asn, const char *router)
{
    return snprintf(buf, len, "%u_%shost", asn, router);
}

int
names_l2host(char *buf, size_t len, unsigned asn, const char *l2net,
             const char *host)
{
    return snprintf(buf, len, "%u_L2_%s_%s", asn, l2net, host);
}

int
names_routeserver(char *buf, size_t len, unsigned ixp)
{
    return snprintf(buf, len, "%u_IXP", ixp);
}

int
names_proxy(char *buf, size_t len, unsigned asn)
{
    return snprintf(buf, len, "%u_ssh", asn);
}

int
names_mgmt_bridge(char *buf, size_t len, unsigned asn)
{
    return snprintf(buf, len, "%u_mgmt", asn);
}

int
names_switch(char *buf, size_t len, unsigned asn, const char *l2net,
             const char *sw)
{
    return snprintf(buf, len, "%u_L2_%s_%s", asn, l2net, sw);
}

int
names_switch_bridge(char *buf, size_t len, unsigned asn, const char *l2net,
                    const char *sw, size_t dc, size_t sw_index)
{
    int full = names_switch(buf, len, asn, l2net, sw);

    if (full >= 0 && full < TOPO_IFNAMSIZ) {
        return full;
    }
    return snprintf(buf, len, "%u_L2.%zu.%zu", asn, dc, sw_index);
}

int
names_ixp_bridge(char *buf, size_t len, unsigned ixp)
{
    return snprintf(buf, len, "%u_IXP", ixp);
}

int
names_if_internal(char *buf, size_t len, const char *other_router)
{
    return snprintf(buf, len, "port_%s", other_router);
}

int
names_if_external(char *buf, size_t len, unsigned peer_asn,
                  const char *peer_router)
{
    return snprintf(buf, len, "ext_%u_%s", peer_asn, peer_router);
}

int
names_if_router_host(char *buf, size_t len)
{
    return snprintf(buf, len, "host");
}

int
names_host_row(char *buf, size_t len, unsigned asn, const char *router,
               unsigned row)
{
    return snprintf(buf, len, "%u_%shost%u", asn, router, row);
}

int
names_if_router_host_row(char *buf, size_t len, unsigned row)
{
    return snprintf(buf, len, "host%u", row);
}

int
names_if_host_router(char *buf, size_t len, const char *router)
{
    return snprintf(buf, len, "%srouter", router);
}

int
names_if_gateway(char *buf, size_t len, const char *router, unsigned vlan)
{
    return snprintf(buf, len, "%s-L2.%u", router, vlan);
}

int
names_if_l2host(char *buf, size_t len, unsigned asn, const char *sw)
{
    return snprintf(buf, len, "%u-%s", asn, sw);
}

int
names_if_l2host_fit(char *buf, size_t len, unsigned asn, const char *sw,
                    size_t dc, size_t sw_index)
{
    int full = names_if_l2host(buf, len, asn, sw);

    if (full >= 0 && full < TOPO_IFNAMSIZ) {
        return full;
    }
    return snprintf(buf, len, "%u-L2.%zu.%zu", asn, dc, sw_index);
}

int
names_if_ixp(char *buf, size_t len, unsigned ixp)
{
    return snprintf(buf, len, "ixp_%u", ixp);
}

unsigned
names_asn_of(const char *name)
{
    unsigned asn = 0;
    size_t i = 0;

    /* 1..255: at most three digits, no leading zero. */
    for (; i < 4 && name[i] >= '0' && name[i] <= '9'; i++) {
        asn = asn * 10 + (unsigned)(name[i] - '0');
    }
    if (i == 0 || i > 3 || name[i] != '_' || name[0] == '0') {
        return 0;
    }
    return asn;
}

int
names_measurement(char *buf, size_t len)
{
    return snprintf(buf, len, "MEASUREMENT");
}

int
names_if_measurement_router(char *buf, size_t len, unsigned asn)
{
    return snprintf(buf, len, "measurement_%u", asn);
}

int
names_if_measurement_host(char *buf, size_t len, unsigned asn)
{
    return snprintf(buf, len, "group%u", asn);
}

int
names_if_mgmt(char *buf, size_t len)
{
    return snprintf(buf, len, "ssh");
}

int
names_port(char *buf, size_t len, size_t link, int end)
{
    /* "mi" + link number + end letter: at most 15 characters for any plan
     * with fewer than 10^12 links. */
    return snprintf(buf, len, "mi%zu%c", link, end ? 'b' : 'a');
}

const char *const plugin_kind_names[MI_PLUGIN_KIND_COUNT + 1] = {
    "runtime", "switch", "tunnel", NULL};

const char *
plugin_kind_name(enum mi_plugin_kind kind)
{
    return kind >= 1 && kind <= MI_PLUGIN_KIND_COUNT
               ? plugin_kind_names[kind - 1]
               : "unknown";
}

enum mi_plugin_kind
plugin_kind_from_name(const char *name)
{
    for (int k = 0; name && k < MI_PLUGIN_KIND_COUNT; k++) {
        if (!strcmp(name, plugin_kind_names[k])) {
            return (enum mi_plugin_kind)(k + 1);
        }
    }
    return 0;
}
