/* `traceroute AS ADDRESS` on the server of the measurement host: ICMP echo
 * requests of growing TTL from its namespace, bound to its interface into
 * AS (icmp_traceroute()), one line per hop as the original's
 * launch_traceroute.sh prints them. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/icmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "icmp.h"
#include "log.h"
#include "network.h"
#include "state.h"
#include "util.h"

#define TRACE_MAX_HOPS 30 /* as the original's */
#define TRACE_WAIT_MS 1000

static void
print_hop(unsigned ttl, const struct icmp_hop *hop, uint32_t to)
{
    char ip[INET_ADDRSTRLEN];
    struct in_addr in = {htonl(hop->from)};

    if (hop->error) {
        printf("Hop %u:  cannot send: %s\n", ttl, strerror(-hop->error));
        return;
    }
    if (!hop->from) {
        printf("Hop %u:  *\n", ttl);
        return;
    }
    inet_ntop(AF_INET, &in, ip, sizeof ip);
    const char *what = hop->type == ICMP_TIME_EXCEEDED ? "TTL=0 during transit"
                       : hop->type == ICMP_ECHOREPLY
                           ? "Echo reply"
                           : "Destination unreachable";
    printf("Hop %u:  %s %s", ttl, ip, what);
    if (hop->type == ICMP_DEST_UNREACH) {
        printf(" (code %d)", hop->code);
    }
    printf("  %u.%03u ms%s\n", hop->rtt_us / 1000, hop->rtt_us % 1000,
           hop->type == ICMP_ECHOREPLY && hop->from != to ? " (not from it)"
                                                          : "");
}

int
network_traceroute(struct session *s, const struct traceroute_request *req)
{
    const struct mi_plan *p = plan_view(s->plan);
    const struct mi_link *l = mi_plan_link(p, req->link);
    const struct mi_node *host = mi_plan_node(p, (size_t)l->end[1].node);
    char to[INET_ADDRSTRLEN];
    struct in_addr in = {htonl(req->to)};

    inet_ntop(AF_INET, &in, to, sizeof to);
    if (!s->record) {
        log_error("network %s is not up (no record in %s)", p->name,
                  state_rundir());
        return EXIT_FAILED;
    }
    if (host->server != s->server) {
        log_error("traceroute: the measurement host is on server %s, not %s",
                  mi_plan_server(p, host->server)->name,
                  mi_plan_server(p, s->server)->name);
        return EXIT_FAILED;
    }
    const struct active_plugin *rt = session_plugin(s, MI_PLUGIN_RUNTIME);
    char path[4096];
    int error = rt_netns_path(rt, host->name, path, sizeof path);
    if (error) {
        log_error("%s: the runtime gives no network namespace: %s", host->name,
                  strerror(-error));
        return EXIT_FAILED;
    }
    struct icmp_hop hops[TRACE_MAX_HOPS];
    size_t n = 0;
    char src[INET_ADDRSTRLEN];
    struct in_addr in_src = {htonl(l->end[1].addr.ip)};
    inet_ntop(AF_INET, &in_src, src, sizeof src);
    printf("traceroute from %s %s (%s) through AS %u (%s) to %s, at most %d "
           "hops, %d ms each\n",
           host->name, l->end[1].ifname, src, req->asn,
           mi_plan_node(p, (size_t)l->end[0].node)->name, to, TRACE_MAX_HOPS,
           TRACE_WAIT_MS);
    fflush(stdout);
    error = icmp_traceroute(path, l->end[1].ifname, l->end[1].addr.ip, req->to,
                            TRACE_MAX_HOPS, TRACE_WAIT_MS, hops, &n);
    if (error) {
        log_error("traceroute: no ICMP socket on %s's %s: %s", host->name,
                  l->end[1].ifname, strerror(-error));
        return EXIT_FAILED;
    }
    bool reached = false;
    for (size_t i = 0; i < n; i++) {
        print_hop((unsigned)i + 1, &hops[i], req->to);
        reached |= hops[i].type == ICMP_ECHOREPLY && hops[i].from == req->to;
    }
    if (fflush(stdout) == EOF) {
        return EXIT_FAILED;
    }
    if (!reached) {
        log_error("traceroute: %s not reached through AS %u", to, req->asn);
        return EXIT_FAILED;
    }
    return EXIT_OK;
}
