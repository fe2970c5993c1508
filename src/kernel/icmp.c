/* Reachability probes by ICMP echo; see icmp.h. */
#include "config.h"

#include "icmp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/icmp.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "netlink.h"
#include "util.h"

#define MAX_PER_SOURCE 256
#define PAYLOAD "miniinet check."
/* Packets read from a socket per wake-up of poll(): the deadline is looked
 * at between, so a flood onto the socket cannot hold a probe past it. */
#define DRAIN_MAX 256

static int
open_socket(void *unused)
{
    (void)unused;
    int fd =
        socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMP);
    if (fd < 0) {
        return -errno;
    }
    /* Only echo replies reach the socket. */
    struct icmp_filter filter = {.data = ~(1U << ICMP_ECHOREPLY)};
    if (setsockopt(fd, SOL_RAW, ICMP_FILTER, &filter, sizeof filter) < 0) {
        int error = -errno;
        close(fd);
        return error;
    }
    return fd;
}

static uint16_t
checksum(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint32_t sum = 0;

    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    }
    if (len & 1) {
        sum += (uint32_t)p[len - 1] << 8;
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return htons((uint16_t)~sum);
}

struct source {
    int fd;
    size_t *probes; /* indices into the probes, by sequence number */
    size_t n;
};

static void
send_echo(const struct source *src, uint16_t id, uint16_t seq, uint32_t to)
{
    struct {
        struct icmphdr h;
        char payload[sizeof PAYLOAD];
    } pkt;
    struct sockaddr_in sin = {.sin_family = AF_INET,
                              .sin_addr.s_addr = htonl(to)};

    memset(&pkt, 0, sizeof pkt);
    pkt.h.type = ICMP_ECHO;
    pkt.h.un.echo.id = htons(id);
    pkt.h.un.echo.sequence = htons(seq);
    memcpy(pkt.payload, PAYLOAD, sizeof PAYLOAD);
    pkt.h.checksum = checksum(&pkt, sizeof pkt);
    /* A full queue or an unreachable route: the probe stays unanswered. */
    (void)sendto(src->fd, &pkt, sizeof pkt, 0, (struct sockaddr *)&sin,
                 sizeof sin);
}

/* One datagram read off a raw ICMP socket: its ICMP part and its sender. */
struct datagram {
    const uint8_t *icmp; /* after the IP header */
    size_t icmp_len;
    size_t len;    /* IP header included */
    uint32_t from; /* host order */
};

/* Reads the next datagram waiting on the non-blocking socket fd into buf,
 * skipping those too short to hold an ICMP header.  *budget counts down
 * the reads allowed (set to DRAIN_MAX per wake-up), so that a flood onto
 * the socket cannot keep a caller past its deadline.  False when nothing
 * is waiting or the budget is spent. */
static bool
next_datagram(int fd, uint8_t *buf, size_t size, unsigned *budget,
              struct datagram *d)
{
    while (*budget > 0) {
        (*budget)--;
        struct sockaddr_in from = {0};
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(fd, buf, size, 0, (struct sockaddr *)&from, &fl);
        if (n <= 0) {
            *budget = 0;
            return false;
        }
        size_t ihl = (size_t)(buf[0] & 0x0f) * 4;
        if ((size_t)n < ihl + sizeof(struct icmphdr)) {
            continue;
        }
        d->icmp = buf + ihl;
        d->icmp_len = (size_t)n - ihl;
        d->len = (size_t)n;
        d->from = ntohl(from.sin_addr.s_addr);
        return true;
    }
    return false;
}

/* Reads the replies waiting on the socket; returns how many probes they
 * answered for the first time. */
static size_t
receive(struct source *src, uint16_t id, struct icmp_probe *probes)
{
    size_t answered = 0;
    uint8_t buf[512];
    unsigned budget = DRAIN_MAX;
    struct datagram d;

    while (next_datagram(src->fd, buf, sizeof buf, &budget, &d)) {
        struct icmphdr h;
        memcpy(&h, d.icmp, sizeof h);
        size_t seq = ntohs(h.un.echo.sequence) % MAX_PER_SOURCE;
        if (h.type != ICMP_ECHOREPLY || ntohs(h.un.echo.id) != id ||
            seq >= src->n) {
            continue;
        }
        struct icmp_probe *pr = &probes[src->probes[seq]];
        if (d.from == pr->to && !pr->ok) {
            pr->ok = true;
            answered++;
        }
    }
    return answered;
}

static long long
now_ms(void)
{
    return (long long)(util_monotonic() * 1000);
}

int
icmp_probe(const char *const *netns, size_t n_sources,
           struct icmp_probe *probes, size_t n_probes, int rounds, int wait_ms)
{
    struct source *src = xcalloc(n_sources + 1, sizeof *src);
    struct pollfd *pfds = xcalloc(n_sources + 1, sizeof *pfds);
    uint16_t id = (uint16_t)getpid();
    size_t opened = 0;

    for (size_t s = 0; s < n_sources; s++) {
        src[s].probes = xcalloc(MAX_PER_SOURCE, sizeof *src[s].probes);
        src[s].fd = netlink_in_netns(netns[s], "check", open_socket, NULL);
        if (src[s].fd < 0) {
            log_error("check: cannot open an ICMP socket in %s: %s", netns[s],
                      strerror(-src[s].fd));
        } else {
            opened++;
        }
    }
    for (size_t k = 0; k < n_probes; k++) {
        struct source *s = &src[probes[k].from];
        probes[k].ok = false;
        if (s->n < MAX_PER_SOURCE) {
            s->probes[s->n++] = k;
        }
    }

    for (int r = 0; r < rounds && opened; r++) {
        size_t pending = 0;
        for (size_t s = 0; s < n_sources; s++) {
            for (size_t i = 0; src[s].fd >= 0 && i < src[s].n; i++) {
                const struct icmp_probe *pr = &probes[src[s].probes[i]];
                if (!pr->ok) {
                    uint16_t seq = (uint16_t)(r * MAX_PER_SOURCE + (int)i);
                    send_echo(&src[s], id, seq, pr->to);
                    pending++;
                }
            }
        }
        if (!pending) {
            break;
        }
        long long deadline = now_ms() + wait_ms;
        size_t answered = 0;
        for (long long left = wait_ms; left > 0 && answered < pending;
             left = deadline - now_ms()) {
            for (size_t s = 0; s < n_sources; s++) {
                pfds[s] = (struct pollfd){.fd = src[s].fd, .events = POLLIN};
            }
            if (poll(pfds, n_sources, (int)left) <= 0) {
                continue;
            }
            for (size_t s = 0; s < n_sources; s++) {
                if (pfds[s].revents & POLLIN) {
                    answered += receive(&src[s], id, probes);
                }
            }
        }
    }

    for (size_t s = 0; s < n_sources; s++) {
        if (src[s].fd >= 0) {
            close(src[s].fd);
        }
        free(src[s].probes);
    }
    free(src);
    free(pfds);
    return opened || !n_sources ? 0 : -EIO;
}

/* One echo request of `size` bytes (IP header included) with the
 * don't-fragment bit, answered within `wait_ms`?  Probing mode ignores the
 * kernel's cached path MTU, so a smaller size after a failure is tried for
 * real. */
static bool
echo_fits(int fd, uint16_t id, uint16_t seq, uint32_t to, unsigned size,
          int wait_ms)
{
    size_t len = size - 20; /* the kernel adds the IP header */
    uint8_t *pkt = xcalloc(len, 1);
    struct icmphdr h = {.type = ICMP_ECHO};
    struct sockaddr_in sin = {.sin_family = AF_INET,
                              .sin_addr.s_addr = htonl(to)};
    bool ok = false;

    h.un.echo.id = htons(id);
    h.un.echo.sequence = htons(seq);
    memcpy(pkt, &h, sizeof h);
    memset(pkt + sizeof h, 0xa5, len - sizeof h);
    h.checksum = checksum(pkt, len);
    memcpy(pkt, &h, sizeof h);
    if (sendto(fd, pkt, len, 0, (struct sockaddr *)&sin, sizeof sin) < 0) {
        free(pkt); /* EMSGSIZE: larger than the way out */
        return false;
    }
    long long deadline = now_ms() + wait_ms;
    for (long long left = wait_ms; left > 0 && !ok;
         left = deadline - now_ms()) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, (int)left) <= 0) {
            continue;
        }
        uint8_t buf[9216];
        unsigned budget = DRAIN_MAX;
        struct datagram d;
        while (next_datagram(fd, buf, sizeof buf, &budget, &d)) {
            struct icmphdr r;
            memcpy(&r, d.icmp, sizeof r);
            ok |= r.type == ICMP_ECHOREPLY && ntohs(r.un.echo.id) == id &&
                  ntohs(r.un.echo.sequence) == seq && d.from == to &&
                  d.len == size;
        }
    }
    free(pkt);
    return ok;
}

int
icmp_path_mtu(uint32_t to, unsigned max, unsigned *mtu)
{
    int fd = open_socket(NULL);
    if (fd < 0) {
        return fd;
    }
    int probe = IP_PMTUDISC_PROBE;
    if (setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &probe, sizeof probe) <
        0) {
        int error = -errno;
        close(fd);
        return error;
    }
    /* Ids apart from check's: both may run at once. */
    uint16_t id = (uint16_t)(getpid() ^ 0x8000), seq = 0;
    unsigned lo = ICMP_MIN_MTU, hi = max;
    *mtu = 0;
    /* Two tries per size: the first packet to a cold neighbour may go. */
    for (int t = 0; t < 2 && !*mtu; t++) {
        if (echo_fits(fd, id, seq++, to, hi, 500)) {
            *mtu = hi;
        }
    }
    bool reached = *mtu != 0;
    for (int t = 0; t < 2 && !reached; t++) {
        reached = echo_fits(fd, id, seq++, to, lo, 500);
    }
    /* Largest size that passes, between lo (passes) and hi (does not). */
    while (reached && !*mtu && hi - lo > 1) {
        unsigned mid = lo + (hi - lo) / 2;
        if (echo_fits(fd, id, seq++, to, mid, 500) ||
            echo_fits(fd, id, seq++, to, mid, 500)) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    if (reached && !*mtu) {
        *mtu = lo;
    }
    close(fd);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Traceroute                                                               */

struct trace_socket {
    const char *ifname;
    uint32_t src;
};

static int
open_trace_socket(void *arg)
{
    const struct trace_socket *ts = arg;
    int fd =
        socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMP);
    if (fd < 0) {
        return -errno;
    }
    struct icmp_filter filter = {.data = ~(1U << ICMP_ECHOREPLY |
                                           1U << ICMP_TIME_EXCEEDED |
                                           1U << ICMP_DEST_UNREACH)};
    struct sockaddr_in sin = {.sin_family = AF_INET,
                              .sin_addr.s_addr = htonl(ts->src)};
    if (setsockopt(fd, SOL_RAW, ICMP_FILTER, &filter, sizeof filter) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ts->ifname,
                   (socklen_t)strlen(ts->ifname) + 1) < 0 ||
        (ts->src && bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0)) {
        int error = -errno;
        close(fd);
        return error;
    }
    return fd;
}

/* Whether the ICMP message `icmp` (len bytes, from `from`) answers our
 * echo request (id, seq) to `to`; fills hop. */
static bool
answers(const uint8_t *icmp, size_t len, uint32_t from, uint16_t id,
        uint16_t seq, uint32_t to, struct icmp_hop *hop)
{
    struct icmphdr h;
    struct icmphdr inner;

    if (len < sizeof h) {
        return false;
    }
    memcpy(&h, icmp, sizeof h);
    if (h.type == ICMP_ECHOREPLY) {
        if (ntohs(h.un.echo.id) != id || ntohs(h.un.echo.sequence) != seq ||
            from != to) {
            return false;
        }
    } else {
        /* Time exceeded, unreachable: our request's IP header and the
         * first 8 bytes of its ICMP header follow. */
        const uint8_t *ip = icmp + sizeof h;
        size_t left = len - sizeof h;
        size_t ihl = left ? (size_t)(ip[0] & 0x0f) * 4 : 0;
        uint32_t dst;
        if (ihl < 20 || left < ihl + sizeof inner) {
            return false;
        }
        memcpy(&dst, ip + 16, sizeof dst);
        memcpy(&inner, ip + ihl, sizeof inner);
        if (ip[9] != IPPROTO_ICMP || ntohl(dst) != to ||
            inner.type != ICMP_ECHO || ntohs(inner.un.echo.id) != id ||
            ntohs(inner.un.echo.sequence) != seq) {
            return false;
        }
    }
    hop->from = from;
    hop->type = h.type;
    hop->code = h.code;
    return true;
}

/* One probe with TTL `ttl`: sent, then answers awaited until wait_ms. */
static void
trace_hop(int fd, uint16_t id, unsigned ttl, uint32_t to, int wait_ms,
          struct icmp_hop *hop)
{
    struct {
        struct icmphdr h;
        char payload[sizeof PAYLOAD];
    } pkt;
    struct sockaddr_in sin = {.sin_family = AF_INET,
                              .sin_addr.s_addr = htonl(to)};
    int ttl_opt = (int)ttl;

    memset(hop, 0, sizeof *hop);
    memset(&pkt, 0, sizeof pkt);
    pkt.h.type = ICMP_ECHO;
    pkt.h.un.echo.id = htons(id);
    pkt.h.un.echo.sequence = htons((uint16_t)ttl);
    memcpy(pkt.payload, PAYLOAD, sizeof PAYLOAD);
    pkt.h.checksum = checksum(&pkt, sizeof pkt);
    long long start = now_ms();
    double sent = util_monotonic();
    if (setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl_opt, sizeof ttl_opt) < 0 ||
        sendto(fd, &pkt, sizeof pkt, 0, (struct sockaddr *)&sin, sizeof sin) <
            0) {
        hop->error = -errno;
        return;
    }
    for (long long left = wait_ms; left > 0;
         left = wait_ms - (now_ms() - start)) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, (int)left) <= 0) {
            continue;
        }
        uint8_t buf[1024];
        unsigned budget = DRAIN_MAX;
        struct datagram d;
        while (next_datagram(fd, buf, sizeof buf, &budget, &d)) {
            if (answers(d.icmp, d.icmp_len, d.from, id, (uint16_t)ttl, to,
                        hop)) {
                hop->rtt_us = (unsigned)((util_monotonic() - sent) * 1e6);
                return;
            }
        }
    }
}

int
icmp_traceroute(const char *netns, const char *ifname, uint32_t src,
                uint32_t to, unsigned max_hops, int wait_ms,
                struct icmp_hop *hops, size_t *n_hops)
{
    struct trace_socket ts = {.ifname = ifname, .src = src};
    int fd = netlink_in_netns(netns, "traceroute", open_trace_socket, &ts);
    /* Another id than check's (the process id), in case both run. */
    uint16_t id = (uint16_t)(getpid() ^ 0x5452);

    *n_hops = 0;
    if (fd < 0) {
        return fd;
    }
    for (unsigned ttl = 1; ttl <= max_hops; ttl++) {
        struct icmp_hop *hop = &hops[(*n_hops)++];
        trace_hop(fd, id, ttl, to, wait_ms, hop);
        if (hop->error || (hop->from && hop->type != ICMP_TIME_EXCEEDED)) {
            break; /* the destination, or a router saying unreachable */
        }
    }
    close(fd);
    return 0;
}
