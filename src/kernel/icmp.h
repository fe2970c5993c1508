/* Reachability probes: ICMP echo from many namespaces at once, in-process.
 *
 * `check` asks every AS's host to reach every other's: 3540 pairs for
 * class-60.  One ping process per pair costs a fork, an exec and a
 * namespace switch each and waits out its own timeout; here one raw ICMP
 * socket per source namespace sends every request of a round at once and
 * one poll() collects the replies, so the whole matrix takes at most
 * rounds x wait, whatever its size. */
#ifndef MINIINET_ICMP_H
#define MINIINET_ICMP_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct icmp_probe {
    size_t from; /* index into the sources */
    uint32_t to; /* IPv4 address, host byte order */
    bool ok;     /* set when an echo reply came back from `to` */
};

/* Opens a raw ICMP socket in each namespace `netns[i]` (paths) and probes:
 * in each of `rounds` rounds, sends one echo request for every probe not
 * answered yet, then collects replies for `wait_ms`.  A source whose socket
 * cannot be opened is reported and its probes stay false.  At most 256
 * probes per source.  Returns 0, or -errno when nothing could be probed. */
int icmp_probe(const char *const *netns, size_t n_sources,
               struct icmp_probe *probes, size_t n_probes, int rounds,
               int wait_ms);

/* The smallest path MTU a probe tries: what IPv4 hosts must take. */
#define ICMP_MIN_MTU 576

/* The path MTU towards `to` (host byte order), from this namespace: the
 * largest echo request of at most `max` bytes (IP header included) that
 * comes back with the don't-fragment bit set, found by bisection (a few
 * seconds at most; every probe waits 0.5 s at most, twice).  *mtu = 0 when
 * not even ICMP_MIN_MTU bytes come back: `to` is unreachable.  Returns 0,
 * or -errno when no ICMP socket could be opened. */
int icmp_path_mtu(uint32_t to, unsigned max, unsigned *mtu);

/* One hop of a traceroute. */
struct icmp_hop {
    uint32_t from;   /* who answered (host byte order), 0: nobody in time */
    int type, code;  /* the answer: ICMP_TIME_EXCEEDED, ICMP_ECHOREPLY,
                        ICMP_DEST_UNREACH */
    unsigned rtt_us; /* from the request to the answer */
    int error;       /* -errno if the request could not be sent */
};

/* Traceroute from namespace `netns`, bound to its interface `ifname` (the
 * route out is that interface's, whatever the destination) with source
 * address `src` (0: the kernel's choice), to `to`: one echo request per
 * TTL 1..max_hops, each awaiting at most wait_ms its time-exceeded,
 * unreachable or echo reply (so at most max_hops x wait_ms in all).  Stops
 * at the destination's reply, an unreachable or a send error.  Fills
 * hops[0 .. *n_hops), hops has room for max_hops.  Returns 0, or -errno
 * when the socket could not be opened or bound (no such interface). */
int icmp_traceroute(const char *netns, const char *ifname, uint32_t src,
                    uint32_t to, unsigned max_hops, int wait_ms,
                    struct icmp_hop *hops, size_t *n_hops);

#endif
