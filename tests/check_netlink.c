/* The netlink module: veth pairs across namespaces (one, a batch of 300,
 * duplicates), node configuration (addresses, lo, default route, TX
 * checksum offload, tbf, netem where the kernel has it), deleting and
 * listing links, and the errors of each.
 *
 * Tests that change the machine need root; without it they are not added
 * to the suite at all (Check cannot mark a test skipped, and a test that
 * returns early would pass without testing anything): the suite prints a
 * "# SKIP" line with the reason instead.  The same goes for netem, one test
 * for a kernel with it and one for a kernel without.  They work only in
 * network namespaces
 * they make themselves, mitest-nl-PID-N under /run/netns (PID of the test
 * runner), and on links called mitnlPID* in the runner's namespace; a
 * checked fixture removes them after each test and an unchecked one, in
 * the runner, removes whatever a failed test left. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <arpa/inet.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <netlink/addr.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/route.h>
#include <netlink/route/tc.h>

#include "host.h"
#include "log.h"
#include "netlink.h"
#include "testutil.h"
#include "util.h"

#define IP4(a, b, c, d)                                                       \
    ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 |         \
     (uint32_t)(d))

/* ------------------------------------------------------------------------ */
/* Namespaces and links of our own                                          */
/* ------------------------------------------------------------------------ */

#define NETNS_DIR "/run/netns"

static int runner_pid; /* set by the unchecked fixture, in the runner */
static int ns_serial;

struct new_ns {
    char path[128];
    int error;
};

static void *
new_ns_thread(void *ns_)
{
    struct new_ns *ns = ns_;
    char self[64];

    /* As ip-netns(8) does: a namespace of this thread, kept alive by a
     * bind mount after the thread ends. */
    if (unshare(CLONE_NEWNET) < 0) {
        ns->error = errno;
        return NULL;
    }
    snprintf(self, sizeof self, "/proc/self/task/%d/ns/net", (int)gettid());
    int fd = open(ns->path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
    if (fd < 0) {
        ns->error = errno;
        return NULL;
    }
    close(fd);
    if (mount(self, ns->path, "none", MS_BIND, NULL) < 0) {
        ns->error = errno;
        unlink(ns->path);
    }
    return NULL;
}

/* Makes /run/netns/mitest-nl-PID-N; returns its path (static storage,
 * one per call of a test). */
static const char *
make_ns(void)
{
    static struct new_ns made[16];
    pthread_t thread;

    ck_assert_int_lt(ns_serial, (int)ARRAY_SIZE(made));
    struct new_ns *ns = &made[ns_serial];
    snprintf(ns->path, sizeof ns->path, NETNS_DIR "/mitest-nl-%d-%d",
             runner_pid, ns_serial++);
    ns->error = 0;
    if (mkdir(NETNS_DIR, 0755) < 0) {
        ck_assert_int_eq(errno, EEXIST);
    }
    ck_assert_int_eq(pthread_create(&thread, NULL, new_ns_thread, ns), 0);
    pthread_join(thread, NULL);
    ck_assert_msg(!ns->error, "cannot make %s: %s", ns->path,
                  strerror(ns->error));
    return ns->path;
}

/* The last component of a namespace path, as messages show it. */
static const char *
ns_name(const char *path)
{
    return strrchr(path, '/') + 1;
}

/* Our link names in the runner's namespace: "mitnlPIDx". */
static const char *
root_ifname(char suffix)
{
    static char names[26][IFNAMSIZ];
    char *name = names[suffix - 'a'];

    snprintf(name, IFNAMSIZ, "mitnl%d%c", runner_pid, suffix);
    return name;
}

/* Removes every namespace and root link of this run; quiet, as most are
 * already gone. */
static void
remove_all(void)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "mitest-nl-%d-", runner_pid);

    DIR *dir = opendir(NETNS_DIR);
    struct dirent *de;
    while (dir && (de = readdir(dir))) {
        if (!strncmp(de->d_name, prefix, strlen(prefix))) {
            char *path = xasprintf(NETNS_DIR "/%s", de->d_name);
            umount2(path, MNT_DETACH);
            unlink(path);
            free(path);
        }
    }
    if (dir) {
        closedir(dir);
    }

    if (testutil_is_root()) {
        const char *names[] = {root_ifname('a'), root_ifname('b')};
        netlink_delete_links(names, ARRAY_SIZE(names));
    }
    ns_serial = 0;
}

static void
runner_setup(void)
{
    runner_pid = (int)getpid();
    remove_all();
}

/* ------------------------------------------------------------------------ */
/* Looking at the result                                                    */
/* ------------------------------------------------------------------------ */

struct listing {
    struct if_status *ifs;
    size_t n;
};

static struct listing
list(const char *netns)
{
    struct listing l;

    ck_assert_int_eq(netlink_list_interfaces(netns, &l.ifs, &l.n), 0);
    return l;
}

static const struct if_status *
find_if(const struct listing *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++) {
        if (!strcmp(l->ifs[i].name, name)) {
            return &l->ifs[i];
        }
    }
    return NULL;
}

static bool
has_addr(const struct if_status *st, uint32_t ip, uint8_t plen)
{
    for (size_t i = 0; i < st->n_addr; i++) {
        if (st->addr[i].ip == ip && st->addr[i].plen == plen) {
            return true;
        }
    }
    return false;
}

/* Asserts `name` exists in `l`, up, with `mtu`. */
static void
assert_up(const struct listing *l, const char *name, unsigned mtu)
{
    const struct if_status *st = find_if(l, name);

    ck_assert_msg(st != NULL, "%s missing", name);
    ck_assert_msg(st->up, "%s is down", name);
    ck_assert_uint_eq(st->mtu, mtu);
}

/* ETHTOOL_GTXCSUM of `ifname` in the thread's namespace. */
struct csum_query {
    const char *ifname;
    uint32_t value;
};

static int
get_tx_csum(void *q_)
{
    struct csum_query *q = q_;
    struct ethtool_value value = {.cmd = ETHTOOL_GTXCSUM};
    struct ifreq ifr;

    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", q->ifname);
    ifr.ifr_data = (void *)&value;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int error = fd < 0 || ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
    if (fd >= 0) {
        close(fd);
    }
    q->value = value.data;
    return error;
}

static uint32_t
tx_csum(const char *netns, const char *ifname)
{
    struct csum_query q = {ifname, 99};

    ck_assert_int_eq(netlink_in_netns(netns, "test", get_tx_csum, &q), 0);
    return q.value;
}

/* The qdiscs of one interface, and the default routes of a namespace. */
struct tc_query {
    const char *ifname;
    struct qinfo {
        char kind[16];
        uint32_t parent, handle;
        int rate, limit; /* tbf */
    } q[4];
    size_t n;
    size_t n_default; /* default routes in the main table */
    uint32_t gateway; /* of the last one */
};

static void
collect_qdiscs(struct tc_query *t, struct nl_cache *qdiscs, int ifindex)
{
    for (struct nl_object *o = nl_cache_get_first(qdiscs); o;
         o = nl_cache_get_next(o)) {
        struct rtnl_qdisc *qd = (struct rtnl_qdisc *)o;
        struct rtnl_tc *tc = TC_CAST(qd);
        if (rtnl_tc_get_ifindex(tc) != ifindex || t->n == ARRAY_SIZE(t->q)) {
            continue;
        }
        struct qinfo *q = &t->q[t->n++];
        snprintf(q->kind, sizeof q->kind, "%s", rtnl_tc_get_kind(tc));
        q->parent = rtnl_tc_get_parent(tc);
        q->handle = rtnl_tc_get_handle(tc);
        if (!strcmp(q->kind, "tbf")) {
            q->rate = rtnl_qdisc_tbf_get_rate(qd);
            q->limit = rtnl_qdisc_tbf_get_limit(qd);
        }
    }
}

static void
collect_default_routes(struct tc_query *t, struct nl_cache *routes)
{
    for (struct nl_object *o = nl_cache_get_first(routes); o;
         o = nl_cache_get_next(o)) {
        struct rtnl_route *r = (struct rtnl_route *)o;
        if (rtnl_route_get_table(r) != RT_TABLE_MAIN ||
            nl_addr_get_prefixlen(rtnl_route_get_dst(r)) != 0 ||
            rtnl_route_get_nnexthops(r) != 1) {
            continue;
        }
        struct nl_addr *gw =
            rtnl_route_nh_get_gateway(rtnl_route_nexthop_n(r, 0));
        uint32_t be = 0;
        if (gw && nl_addr_get_len(gw) == 4) {
            memcpy(&be, nl_addr_get_binary_addr(gw), 4);
        }
        t->gateway = ntohl(be);
        t->n_default++;
    }
}

static int
query_tc(void *t_)
{
    struct tc_query *t = t_;
    struct nl_cache *qdiscs = NULL, *routes = NULL;
    struct nl_sock *sk = nl_socket_alloc();

    int err = nl_connect(sk, NETLINK_ROUTE);
    if (!err) {
        err = rtnl_qdisc_alloc_cache(sk, &qdiscs);
    }
    if (!err) {
        err = rtnl_route_alloc_cache(sk, AF_INET, 0, &routes);
    }
    if (!err) {
        collect_qdiscs(t, qdiscs, (int)if_nametoindex(t->ifname));
        collect_default_routes(t, routes);
    }
    if (routes) {
        nl_cache_free(routes);
    }
    if (qdiscs) {
        nl_cache_free(qdiscs);
    }
    nl_socket_free(sk);
    return err;
}

static struct tc_query
tc_of(const char *netns, const char *ifname)
{
    struct tc_query t = {.ifname = ifname};

    ck_assert_int_eq(netlink_in_netns(netns, "test", query_tc, &t), 0);
    return t;
}

/* The one root qdisc of the interface, asserting it is `kind`. */
static struct qinfo
root_qdisc(const struct tc_query *t, const char *kind)
{
    size_t root = t->n;

    for (size_t i = 0; i < t->n; i++) {
        if (t->q[i].parent == TC_H_ROOT) {
            ck_assert_msg(root == t->n, "two root qdiscs on %s", t->ifname);
            root = i;
        }
    }
    ck_assert_msg(root < t->n, "no root qdisc on %s", t->ifname);
    ck_assert_str_eq(t->q[root].kind, kind);
    return t->q[root];
}

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------------ */
/* Without root                                                             */
/* ------------------------------------------------------------------------ */

START_TEST(test_bad_arguments)
{
    struct veth_spec long_name = {{{"0123456789abcdef", NULL}, {"b", NULL}},
                                  0};
    struct veth_spec no_name = {{{"a", NULL}, {NULL, NULL}}, 0};
    struct veth_spec no_ns = {
        {{"a", "/nonexistent/ns1"}, {"b", "/nonexistent/ns2"}}, 0};
    const char *bad_delete[] = {"ok", ""};
    struct if_spec bad_if = {.ifname = "0123456789abcdef"};
    struct node_net_spec bad_node = {
        .netns = "/nonexistent/ns1", .ifs = &bad_if, .n_ifs = 1};
    struct node_net_spec no_node = {.netns = "/nonexistent/ns1"};

    testutil_capture_begin();
    ck_assert_int_eq(netlink_create_veths(NULL, 0), 0);
    ck_assert_int_eq(netlink_create_veths(&long_name, 1), -EINVAL);
    ck_assert_int_eq(netlink_create_veths(&no_name, 1), -EINVAL);
    ck_assert_int_eq(netlink_create_veths(&no_ns, 1), -ENOENT);
    ck_assert_int_eq(netlink_delete_links(bad_delete, 2), -EINVAL);
    ck_assert_int_eq(netlink_delete_links(NULL, 0), 0);
    ck_assert_int_eq(netlink_configure_node(&bad_node), -EINVAL);
    ck_assert_int_eq(netlink_configure_node(&no_node), -ENOENT);
    ck_assert_str_eq(
        testutil_captured(),
        "veth 0123456789abcdef - b: invalid interface name "
        "\"0123456789abcdef\" (1 to 15 characters)\n"
        "veth a - : invalid interface name \"\" (1 to 15 characters)\n"
        "veth ns1:a - ns2:b: cannot open network namespace "
        "/nonexistent/ns1: No such file or directory\n"
        "deleting links: invalid interface name \"\" (1 to 15 "
        "characters)\n"
        "/nonexistent/ns1: invalid interface name \"0123456789abcdef\" (1 "
        "to 15 characters)\n"
        "configuring /nonexistent/ns1: cannot open network namespace "
        "/nonexistent/ns1: No such file or directory\n");
    testutil_capture_end();
}
END_TEST

START_TEST(test_list_here)
{
    struct listing l = list(NULL);
    const struct if_status *lo = find_if(&l, "lo");

    ck_assert_ptr_nonnull(lo);
    ck_assert_int_eq(lo->ifindex, 1);
    ck_assert(has_addr(lo, IP4(127, 0, 0, 1), 8));
    for (size_t i = 1; i < l.n; i++) {
        ck_assert_int_lt(l.ifs[i - 1].ifindex, l.ifs[i].ifindex);
    }
    free(l.ifs);

    static struct if_status dummy;
    struct if_status *out = &dummy;
    size_t n = 7;
    testutil_capture_begin();
    ck_assert_int_eq(netlink_list_interfaces("/nonexistent/ns", &out, &n),
                     -ENOENT);
    ck_assert_ptr_null(out);
    ck_assert_uint_eq(n, 0);
    ck_assert_str_eq(testutil_captured(),
                     "listing interfaces of /nonexistent/ns: cannot open "
                     "network namespace /nonexistent/ns: No such file or "
                     "directory\n");
    testutil_capture_end();
}
END_TEST

/* A listening socket of the test's own, on an IPv4 and an IPv6 loopback
 * port the kernel chose, is listed; a connected (not listening) one is
 * not, and the list is sorted without repeats. */
static int
listen_on(int family, uint16_t *port)
{
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a4 = {.sin_family = AF_INET,
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6,
                              .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    struct sockaddr *sa =
        family == AF_INET ? (struct sockaddr *)&a4 : (struct sockaddr *)&a6;
    socklen_t len = family == AF_INET ? sizeof a4 : sizeof a6;

    ck_assert_int_ge(fd, 0);
    if (bind(fd, sa, len) != 0) {
        close(fd);
        return -1; /* no IPv6 here */
    }
    ck_assert_int_eq(listen(fd, 1), 0);
    ck_assert_int_eq(getsockname(fd, sa, &len), 0);
    *port = ntohs(family == AF_INET ? a4.sin_port : a6.sin6_port);
    return fd;
}

static bool
listed(const uint16_t *ports, size_t n, uint16_t port)
{
    for (size_t i = 0; i < n; i++) {
        if (ports[i] == port) {
            return true;
        }
    }
    return false;
}

START_TEST(test_tcp_listening)
{
    uint16_t p4 = 0, p6 = 0, *ports;
    size_t n;
    int fd4 = listen_on(AF_INET, &p4), fd6 = listen_on(AF_INET6, &p6);

    ck_assert_int_ge(fd4, 0);
    ck_assert_int_eq(netlink_tcp_listening(-1, &ports, &n), 0);
    ck_assert(listed(ports, n, p4));
    if (fd6 >= 0) {
        ck_assert(listed(ports, n, p6));
    } else {
        printf("# SKIP IPv6 listener: no IPv6 loopback here\n");
    }
    for (size_t i = 1; i < n; i++) {
        ck_assert_uint_lt(ports[i - 1], ports[i]);
    }
    free(ports);
    /* One port asked: the kernel sends that port's sockets only. */
    ck_assert_int_eq(netlink_tcp_listening(p4, &ports, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(ports[0], p4);
    free(ports);
    /* Closed: no longer listed (a socket that listens no more is gone). */
    close(fd4);
    ck_assert_int_eq(netlink_tcp_listening(p4, &ports, &n), 0);
    ck_assert_uint_eq(n, 0);
    free(ports);
    ck_assert_int_eq(netlink_tcp_listening(-1, &ports, &n), 0);
    ck_assert(!listed(ports, n, p4));
    free(ports);
    if (fd6 >= 0) {
        close(fd6);
    }
}
END_TEST

START_TEST(test_tbf_params)
{
    uint32_t burst, limit;

    const uint32_t two_frames = 2 * 1514;

    /* Slow: two full frames; 50 ms of queue by default. */
    netlink_tbf_params(1000000, 1500, 0, &burst, &limit);
    ck_assert_uint_eq(burst, two_frames);
    ck_assert_uint_eq(limit, two_frames + 125000 / 20);
    /* Fast: a 4 ms tick's worth; the given buffer. */
    netlink_tbf_params(1000000000, 9000, 10000, &burst, &limit);
    ck_assert_uint_eq(burst, 125000000 / 250);
    ck_assert_uint_eq(limit, 500000 + 1250000);
    /* Never beyond what the kernel's 32-bit fields and libnl's int take. */
    netlink_tbf_params(8ULL * INT32_MAX, 1500, UINT32_MAX, &burst, &limit);
    ck_assert_uint_le(burst, INT32_MAX);
    ck_assert_uint_eq(limit, INT32_MAX);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* veth pairs                                                               */
/* ------------------------------------------------------------------------ */

START_TEST(test_veth_two_namespaces)
{
    const char *a = make_ns(), *b = make_ns();
    struct veth_spec specs[] = {
        {{{"port_B", a}, {"port_A", b}}, 1400},
        {{{"v1", a}, {"v2", a}}, 0},
    };

    ck_assert_int_eq(netlink_create_veths(specs, ARRAY_SIZE(specs)), 0);

    struct listing la = list(a), lb = list(b), here = list(NULL);
    ck_assert_uint_eq(la.n, 4);
    assert_up(&la, "port_B", 1400);
    assert_up(&la, "v1", 1500);
    assert_up(&la, "v2", 1500);
    ck_assert_ptr_null(find_if(&la, "port_A"));
    ck_assert_uint_eq(lb.n, 2);
    assert_up(&lb, "port_A", 1400);
    ck_assert_ptr_null(find_if(&here, "port_A"));
    ck_assert_ptr_null(find_if(&here, "port_B"));
    ck_assert_ptr_null(find_if(&here, "v1"));
    free(la.ifs);
    free(lb.ifs);
    free(here.ifs);
}
END_TEST

/* netlink_disable_ipv6: names refused before any path is made; an
 * interface that does not exist is an error (without IPv6 in the kernel,
 * nothing to do). */
START_TEST(test_disable_ipv6_args)
{
    testutil_capture_begin();
    ck_assert_int_eq(netlink_disable_ipv6(NULL, ".."), -EINVAL);
    ck_assert_int_eq(netlink_disable_ipv6(NULL, "a/b"), -EINVAL);
    ck_assert_int_eq(netlink_disable_ipv6(NULL, ""), -EINVAL);
    ck_assert_int_eq(netlink_disable_ipv6(NULL, "0123456789abcdef"), -EINVAL);
    ck_assert_int_eq(netlink_disable_ipv6("/nonexistent/ns1", "x"), -ENOENT);
    if (access("/proc/sys/net/ipv6", F_OK) == 0) {
        ck_assert_int_eq(netlink_disable_ipv6(NULL, "mi-nosuch-if0"), -ENOENT);
    }
    testutil_capture_end();
}
END_TEST

/* Both ends of a veth in a namespace: disable_ipv6 1 on the one turned
 * off, 0 on the other. */
START_TEST(test_disable_ipv6)
{
    const char *a = make_ns();
    struct veth_spec spec = {{{"v6a", a}, {"v6b", a}}, 0};

    ck_assert_int_eq(netlink_create_veths(&spec, 1), 0);
    if (access("/proc/sys/net/ipv6", F_OK) < 0) {
        return; /* a kernel without IPv6: nothing to turn off */
    }
    ck_assert_int_eq(netlink_disable_ipv6(a, "v6a"), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = open(a, O_RDONLY);
        char v[2][4] = {{0}, {0}};
        const char *f[2] = {"/proc/sys/net/ipv6/conf/v6a/disable_ipv6",
                            "/proc/sys/net/ipv6/conf/v6b/disable_ipv6"};
        if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
            _exit(2);
        }
        for (int i = 0; i < 2; i++) {
            int in = open(f[i], O_RDONLY);
            if (in < 0 || read(in, v[i], 1) != 1) {
                _exit(3);
            }
            close(in);
        }
        _exit(v[0][0] == '1' && v[1][0] == '0' ? 0 : 1);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

START_TEST(test_veth_batch_300)
{
    enum { N = 300 };
    const char *a = make_ns(), *b = make_ns();
    struct veth_spec *specs = xcalloc(N, sizeof *specs);
    char(*names)[2][IFNAMSIZ] = xcalloc(N, sizeof *names);

    for (size_t i = 0; i < N; i++) {
        snprintf(names[i][0], IFNAMSIZ, "a%03zu", i);
        snprintf(names[i][1], IFNAMSIZ, "b%03zu", i);
        specs[i] = (struct veth_spec){{{names[i][0], a}, {names[i][1], b}},
                                      1000 + (unsigned)i};
    }
    double start = now();
    ck_assert_int_eq(netlink_create_veths(specs, N), 0);
    printf("# %d veth pairs in %.3f s\n", N, now() - start);
    fflush(stdout);

    struct listing la = list(a), lb = list(b);
    ck_assert_uint_eq(la.n, N + 1);
    ck_assert_uint_eq(lb.n, N + 1);
    for (size_t i = 0; i < N; i++) {
        assert_up(&la, names[i][0], 1000 + (unsigned)i);
        assert_up(&lb, names[i][1], 1000 + (unsigned)i);
    }
    free(la.ifs);
    free(lb.ifs);
    free(specs);
    free(names);
}
END_TEST

START_TEST(test_veth_duplicate)
{
    const char *a = make_ns(), *b = make_ns();
    struct veth_spec first = {{{"d0", a}, {"e0", b}}, 0};
    struct veth_spec batch[] = {
        {{{"d1", a}, {"e1", b}}, 0},
        {{{"d0", a}, {"e2", b}}, 0}, /* d0 taken */
        {{{"d2", a}, {"e3", b}}, 0},
        {{{"d3", a}, {"e0", b}}, 0}, /* e0 taken, on the peer's side */
    };

    ck_assert_int_eq(netlink_create_veths(&first, 1), 0);
    testutil_capture_begin();
    ck_assert_int_eq(netlink_create_veths(batch, ARRAY_SIZE(batch)), -EEXIST);
    char *expected = xasprintf("veth %s:d0 - %s:e2: File exists\n"
                               "veth %s:d3 - %s:e0: File exists\n",
                               ns_name(a), ns_name(b), ns_name(a), ns_name(b));
    ck_assert_str_eq(testutil_captured(), expected);
    testutil_capture_end();
    free(expected);

    /* The others were made; the failed ones left nothing behind. */
    struct listing la = list(a), lb = list(b);
    assert_up(&la, "d1", 1500);
    assert_up(&la, "d2", 1500);
    assert_up(&lb, "e1", 1500);
    assert_up(&lb, "e3", 1500);
    ck_assert_ptr_null(find_if(&lb, "e2"));
    ck_assert_ptr_null(find_if(&la, "d3"));
    ck_assert_uint_eq(la.n, 4);
    ck_assert_uint_eq(lb.n, 4);
    free(la.ifs);
    free(lb.ifs);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Node configuration                                                       */
/* ------------------------------------------------------------------------ */

START_TEST(test_configure_node)
{
    const char *r = make_ns(), *h = make_ns();
    struct veth_spec link = {{{"r_eth0", r}, {"h_eth0", h}}, 1450};
    struct if_spec r_if = {
        .ifname = "r_eth0", .addr = {IP4(10, 0, 0, 1), 24}, .tx_csum_off = 1};
    struct if_spec h_if = {.ifname = "h_eth0", .addr = {IP4(10, 0, 0, 2), 24}};
    struct node_net_spec router = {
        .netns = r,
        .ifs = &r_if,
        .n_ifs = 1,
        .loopback = {IP4(10, 254, 0, 1), 32},
    };
    struct node_net_spec host = {
        .netns = h,
        .ifs = &h_if,
        .n_ifs = 1,
        .default_gw = IP4(10, 0, 0, 1),
    };

    ck_assert_int_eq(netlink_create_veths(&link, 1), 0);
    /* Twice: the second run finds everything in place. */
    for (int round = 0; round < 2; round++) {
        ck_assert_int_eq(netlink_configure_node(&router), 0);
        ck_assert_int_eq(netlink_configure_node(&host), 0);

        struct listing lr = list(r), lh = list(h);
        const struct if_status *lo = find_if(&lr, "lo");
        ck_assert_ptr_nonnull(lo);
        ck_assert(lo->up);
        ck_assert_uint_eq(lo->n_addr, 2);
        ck_assert(has_addr(lo, IP4(127, 0, 0, 1), 8));
        ck_assert(has_addr(lo, IP4(10, 254, 0, 1), 32));
        const struct if_status *st = find_if(&lr, "r_eth0");
        ck_assert_uint_eq(st->n_addr, 1);
        ck_assert(has_addr(st, IP4(10, 0, 0, 1), 24));
        st = find_if(&lh, "h_eth0");
        ck_assert_uint_eq(st->n_addr, 1);
        ck_assert(has_addr(st, IP4(10, 0, 0, 2), 24));
        /* No loopback address asked for: lo is up all the same. */
        lo = find_if(&lh, "lo");
        ck_assert(lo->up);
        ck_assert_uint_eq(lo->n_addr, 1);
        free(lr.ifs);
        free(lh.ifs);

        ck_assert_uint_eq(tx_csum(r, "r_eth0"), 0);
        ck_assert_uint_eq(tx_csum(h, "h_eth0"), 1); /* the veth default */

        struct tc_query th = tc_of(h, "h_eth0"), tr = tc_of(r, "r_eth0");
        ck_assert_uint_eq(th.n_default, 1);
        ck_assert_uint_eq(th.gateway, IP4(10, 0, 0, 1));
        ck_assert_uint_eq(tr.n_default, 0);
        /* No rate: the veth keeps its default (noqueue). */
        ck_assert_uint_eq(th.n, 1);
        ck_assert_str_eq(th.q[0].kind, "noqueue");
    }
}
END_TEST

/* A router's interface held (up's FRR phase): down, yet addressed, and
 * the host's default route through the far end is there all the same;
 * netlink_raise_links() then sets it up, and refuses a name that is not
 * there or not a name, saying so. */
START_TEST(test_configure_held)
{
    const char *r = make_ns(), *h = make_ns();
    struct veth_spec link = {{{"r_eth0", r}, {"h_eth0", h}}, 0};
    struct if_spec r_if = {
        .ifname = "r_eth0", .addr = {IP4(10, 0, 0, 1), 24}, .held = true};
    struct if_spec h_if = {.ifname = "h_eth0", .addr = {IP4(10, 0, 0, 2), 24}};
    struct node_net_spec router = {.netns = r, .ifs = &r_if, .n_ifs = 1};
    struct node_net_spec host = {
        .netns = h, .ifs = &h_if, .n_ifs = 1, .default_gw = IP4(10, 0, 0, 1)};

    ck_assert_int_eq(netlink_create_veths(&link, 1), 0);
    ck_assert_int_eq(netlink_configure_node(&router), 0);
    ck_assert_int_eq(netlink_configure_node(&host), 0);

    struct listing lr = list(r);
    const struct if_status *st = find_if(&lr, "r_eth0");
    ck_assert(!st->up);
    ck_assert(has_addr(st, IP4(10, 0, 0, 1), 24));
    ck_assert(find_if(&lr, "lo")->up);
    free(lr.ifs);
    struct tc_query th = tc_of(h, "h_eth0");
    ck_assert_uint_eq(th.n_default, 1);
    ck_assert_uint_eq(th.gateway, IP4(10, 0, 0, 1));

    const char *names[] = {"r_eth0", "r_eth9"};
    ck_assert_int_eq(netlink_raise_links(r, names, 1), 0);
    lr = list(r);
    ck_assert(find_if(&lr, "r_eth0")->up);
    free(lr.ifs);
    /* Raised again: nothing to do, no error. */
    ck_assert_int_eq(netlink_raise_links(r, names, 1), 0);

    testutil_capture_begin();
    ck_assert_int_eq(netlink_raise_links(r, names, 2), -ENODEV);
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "r_eth9"));
    testutil_capture_end();
    const char *bad[] = {"a/b/c/d/e/f/g/h/i"};
    testutil_capture_begin();
    ck_assert_int_eq(netlink_raise_links(r, bad, 1), -EINVAL);
    ck_assert_ptr_nonnull(
        strstr(testutil_captured(), "invalid interface name"));
    testutil_capture_end();
    ck_assert_int_eq(netlink_raise_links(r, names, 0), 0);
}
END_TEST

/* A host's addresses and routes as snapshots take them, with and without
 * its management interface (student access's `ssh`, which snapshots leave
 * out: netlink_dump_node()'s skip_if). */
START_TEST(test_dump_skip_if)
{
    const char *r = make_ns(), *h = make_ns();
    struct veth_spec links[] = {
        {{{"r_eth0", r}, {"h_eth0", h}}, 1500},
        {{{"r_ssh", r}, {"ssh", h}}, 1500},
    };
    struct if_spec h_ifs[] = {
        {.ifname = "h_eth0", .addr = {IP4(10, 0, 0, 2), 24}},
        {.ifname = "ssh", .addr = {IP4(158, 3, 10, 2), 16}},
    };
    struct route_spec via_ssh = {
        .dst = IP4(10, 9, 0, 0), .plen = 16, .if_index = 1};
    struct node_net_spec host = {.netns = h,
                                 .ifs = h_ifs,
                                 .n_ifs = 2,
                                 .default_gw = IP4(10, 0, 0, 1),
                                 .routes = &via_ssh,
                                 .n_routes = 1};
    char *all = NULL, *kept = NULL;

    ck_assert_int_eq(netlink_create_veths(links, 2), 0);
    ck_assert_int_eq(netlink_configure_node(&host), 0);
    ck_assert_int_eq(netlink_dump_node(h, NULL, &all), 0);
    ck_assert_str_eq(all, "addr h_eth0 10.0.0.2/24\n"
                          "addr ssh 158.3.10.2/16\n"
                          "route 0.0.0.0/0 via 10.0.0.1 dev h_eth0\n"
                          "route 10.9.0.0/16 dev ssh\n");
    ck_assert_int_eq(netlink_dump_node(h, "ssh", &kept), 0);
    ck_assert_str_eq(kept, "addr h_eth0 10.0.0.2/24\n"
                           "route 0.0.0.0/0 via 10.0.0.1 dev h_eth0\n");
    free(all);
    free(kept);
}
END_TEST

/* A listening socket made in a namespace is seen there, on its port only,
 * and not in another namespace; closed, it is seen no more. */
struct listen_in {
    uint16_t port;
    int fd;
};

static int
listen_here(void *arg)
{
    struct listen_in *l = arg;
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons(l->port),
                            .sin_addr.s_addr = htonl(INADDR_ANY)};

    l->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (l->fd < 0 || bind(l->fd, (struct sockaddr *)&a, sizeof a) ||
        listen(l->fd, 1)) {
        return -errno;
    }
    return 0;
}

/* Many listeners on other ports, IPv4 and IPv6, made in the caller's
 * (the test namespace's) thread. */
#define OTHER_LISTENERS 300
struct listen_many {
    int fds[OTHER_LISTENERS];
};

static int
listen_many_here(void *arg)
{
    struct listen_many *m = arg;

    for (int i = 0; i < OTHER_LISTENERS; i++) {
        int v6 = i % 2;
        struct sockaddr_in a4 = {.sin_family = AF_INET,
                                 .sin_port = htons(1000 + i),
                                 .sin_addr.s_addr = htonl(INADDR_ANY)};
        struct sockaddr_in6 a6 = {.sin6_family = AF_INET6,
                                  .sin6_port = htons(1000 + i),
                                  .sin6_addr = in6addr_any};
        m->fds[i] =
            socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (m->fds[i] < 0 ||
            bind(m->fds[i],
                 v6 ? (struct sockaddr *)&a6 : (struct sockaddr *)&a4,
                 v6 ? sizeof a6 : sizeof a4) ||
            listen(m->fds[i], 1)) {
            return -errno;
        }
    }
    return 0;
}

struct listening_call {
    int port;
    uint16_t *ports;
    size_t n;
};

static int
listening_here(void *arg)
{
    struct listening_call *c = arg;

    return netlink_tcp_listening(c->port, &c->ports, &c->n);
}

START_TEST(test_tcp_listens_netns)
{
    const char *a = make_ns(), *b = make_ns();
    struct listen_in l = {22, -1};
    struct listen_many many;

    /* The node's other listeners are not what the kernel sends: only
     * port 22's sockets are dumped (review R38, L3). */
    for (int i = 0; i < OTHER_LISTENERS; i++) {
        many.fds[i] = -1;
    }
    ck_assert_int_eq(netlink_in_netns(a, "test", listen_many_here, &many), 0);
    struct listening_call all = {-1, NULL, 0}, only = {22, NULL, 0};

    ck_assert_int_eq(netlink_tcp_listens(a, 22), 0);
    ck_assert_int_eq(netlink_in_netns(a, "test", listen_here, &l), 0);
    ck_assert_int_eq(netlink_tcp_listens(a, 22), 1);
    ck_assert_int_eq(netlink_in_netns(a, "test", listening_here, &all), 0);
    ck_assert_uint_eq(all.n, OTHER_LISTENERS + 1);
    ck_assert_int_eq(netlink_in_netns(a, "test", listening_here, &only), 0);
    ck_assert_uint_eq(only.n, 1);
    ck_assert_uint_eq(only.ports[0], 22);
    free(all.ports);
    free(only.ports);
    for (int i = 0; i < OTHER_LISTENERS; i += 37) {
        ck_assert_int_eq(netlink_tcp_listens(a, 1000 + i), 1);
    }
    ck_assert_int_eq(netlink_tcp_listens(a, 1000 + OTHER_LISTENERS - 1), 1);
    ck_assert_int_eq(netlink_tcp_listens(a, 1000 + OTHER_LISTENERS), 0);
    ck_assert_int_eq(netlink_tcp_listens(a, 23), 0);
    ck_assert_int_eq(netlink_tcp_listens(b, 22), 0);
    close(l.fd);
    ck_assert_int_eq(netlink_tcp_listens(a, 22), 0);
    for (int i = 0; i < OTHER_LISTENERS; i++) {
        close(many.fds[i]);
    }
    testutil_capture_begin();
    ck_assert_int_eq(netlink_tcp_listens("/nonexistent/ns", 22), -ENOENT);
    testutil_capture_end();
}
END_TEST

START_TEST(test_configure_tbf)
{
    const char *a = make_ns();
    struct veth_spec link = {{{"t0", a}, {"t1", a}}, 0};
    struct if_spec t0 = {
        .ifname = "t0", .addr = {IP4(10, 1, 0, 1), 30}, .rate_bps = 10000000};
    struct node_net_spec node = {.netns = a, .ifs = &t0, .n_ifs = 1};
    uint32_t burst, limit;

    ck_assert(netlink_have_qdisc("tbf"));
    ck_assert_int_eq(netlink_create_veths(&link, 1), 0);
    ck_assert_int_eq(netlink_configure_node(&node), 0);
    ck_assert_int_eq(netlink_configure_node(&node), 0);
    struct tc_query t = tc_of(a, "t0");
    struct qinfo q = root_qdisc(&t, "tbf");
    netlink_tbf_params(10000000, 1500, 0, &burst, &limit);
    ck_assert_int_eq(q.rate, 1250000);
    ck_assert_int_eq(q.limit, (int)limit);
    ck_assert_uint_eq(q.handle, TC_HANDLE(1, 0));

    /* A new rate replaces the old one in place. */
    t0.rate_bps = 20000000;
    t0.buffer_us = 10000;
    ck_assert_int_eq(netlink_configure_node(&node), 0);
    t = tc_of(a, "t0");
    q = root_qdisc(&t, "tbf");
    netlink_tbf_params(20000000, 1500, 10000, &burst, &limit);
    ck_assert_int_eq(q.rate, 2500000);
    ck_assert_int_eq(q.limit, (int)limit);
    /* The untouched end keeps its default. */
    t = tc_of(a, "t1");
    ck_assert_str_eq(root_qdisc(&t, "noqueue").kind, "noqueue");

    /* Beyond tbf's 32-bit byte rate: refused before anything changes. */
    t0.rate_bps = 8ULL * INT32_MAX + 8;
    testutil_capture_begin();
    ck_assert_int_eq(netlink_configure_node(&node), -ERANGE);
    char *expected = xasprintf("%s:t0: rate 17179869184 bit/s: tbf takes 8 "
                               "to 17179869176 bit/s\n",
                               ns_name(a));
    ck_assert_str_eq(testutil_captured(), expected);
    testutil_capture_end();
    free(expected);
}
END_TEST

/* A delay on a kernel without netem: the user hears which feature is
 * missing, and nothing changes. */
START_TEST(test_netem_missing)
{
    const char *a = make_ns();
    struct veth_spec link = {{{"n0", a}, {"n1", a}}, 0};
    struct if_spec n0 = {
        .ifname = "n0", .addr = {IP4(10, 3, 0, 1), 24}, .delay_us = 5000};
    struct node_net_spec node = {.netns = a, .ifs = &n0, .n_ifs = 1};

    ck_assert_int_eq(netlink_create_veths(&link, 1), 0);
    testutil_capture_begin();
    ck_assert_int_eq(netlink_configure_node(&node), -EOPNOTSUPP);
    char *expected = xasprintf("%s:n0: a delay needs the netem qdisc, "
                               "which this kernel lacks\n",
                               ns_name(a));
    ck_assert_str_eq(testutil_captured(), expected);
    testutil_capture_end();
    free(expected);
    struct listing l = list(a);
    ck_assert_uint_eq(find_if(&l, "n0")->n_addr, 0);
    free(l.ifs);
    struct tc_query t = tc_of(a, "n0");
    for (size_t i = 0; i < t.n; i++) {
        ck_assert_str_ne(t.q[i].kind, "netem");
    }
}
END_TEST

/* A delay on a kernel with netem: the qdisc is in place. */
START_TEST(test_netem)
{
    const char *a = make_ns();
    struct veth_spec link = {{{"n0", a}, {"n1", a}}, 0};
    struct if_spec n0 = {
        .ifname = "n0", .addr = {IP4(10, 3, 0, 1), 24}, .delay_us = 5000};
    struct node_net_spec node = {.netns = a, .ifs = &n0, .n_ifs = 1};

    ck_assert_int_eq(netlink_create_veths(&link, 1), 0);

    /* Delay alone: netem at the root. */
    ck_assert_int_eq(netlink_configure_node(&node), 0);
    struct tc_query t = tc_of(a, "n0");
    root_qdisc(&t, "netem");

    /* With a rate: tbf at the root, netem under it. */
    n0.rate_bps = 50000000;
    n0.ifname = "n1";
    ck_assert_int_eq(netlink_configure_node(&node), 0);
    ck_assert_int_eq(netlink_configure_node(&node), 0);
    t = tc_of(a, "n1");
    root_qdisc(&t, "tbf");
    ck_assert_uint_eq(t.n, 2);
    bool found = false;
    for (size_t i = 0; i < t.n; i++) {
        if (!strcmp(t.q[i].kind, "netem")) {
            ck_assert_uint_eq(t.q[i].parent, TC_HANDLE(1, 1));
            found = true;
        }
    }
    ck_assert(found);
}
END_TEST

START_TEST(test_have_qdisc)
{
    ck_assert(netlink_have_qdisc("tbf"));
    ck_assert(netlink_have_qdisc("tbf")); /* cached */
    ck_assert(netlink_have_qdisc("htb"));
    ck_assert(!netlink_have_qdisc("mi-nosuchq"));
    ck_assert(!netlink_have_qdisc(""));
    ck_assert(!netlink_have_qdisc("0123456789abcdef"));
    /* The probe leaves the caller's namespace alone. */
    struct tc_query t = tc_of(NULL, "lo");
    for (size_t i = 0; i < t.n; i++) {
        ck_assert_str_ne(t.q[i].kind, "tbf");
    }
}
END_TEST

START_TEST(test_configure_errors)
{
    const char *a = make_ns();
    struct if_spec ifs[] = {
        {.ifname = "nosuch0", .addr = {IP4(10, 4, 0, 1), 24}},
    };
    struct node_net_spec node = {.netns = a,
                                 .ifs = ifs,
                                 .n_ifs = 1,
                                 .loopback = {IP4(10, 4, 1, 1), 32},
                                 .default_gw = IP4(10, 9, 9, 9)};

    testutil_capture_begin();
    ck_assert_int_eq(netlink_configure_node(&node), -ENODEV);
    const char *log = testutil_captured();
    char *expected = xasprintf("%s:nosuch0: no such interface\n"
                               "%s: default route via 10.9.9.9: Network is "
                               "unreachable",
                               ns_name(a), ns_name(a));
    ck_assert_msg(!strncmp(log, expected, strlen(expected)), "got: %s", log);
    testutil_capture_end();
    free(expected);

    /* What could be done was done. */
    struct listing l = list(a);
    ck_assert(has_addr(find_if(&l, "lo"), IP4(10, 4, 1, 1), 32));
    free(l.ifs);
}
END_TEST

struct parallel_node {
    struct if_spec ifs[2];
    struct node_net_spec spec;
    int result;
};

static void *
configure_thread(void *node_)
{
    struct parallel_node *node = node_;

    node->result = netlink_configure_node(&node->spec);
    return NULL;
}

START_TEST(test_configure_parallel)
{
    enum { N = 8 };
    struct parallel_node nodes[N];
    pthread_t threads[N];

    for (int i = 0; i < N; i++) {
        const char *ns = make_ns();
        struct veth_spec link = {{{"p0", ns}, {"p1", ns}}, 0};
        ck_assert_int_eq(netlink_create_veths(&link, 1), 0);
        nodes[i] = (struct parallel_node){
            .ifs = {{.ifname = "p0",
                     .addr = {IP4(10, 5, i, 1), 24},
                     .tx_csum_off = true,
                     .rate_bps = 1000000 * (uint64_t)(i + 1)},
                    {.ifname = "p1", .addr = {IP4(10, 5, i, 2), 24}}},
            .spec = {.netns = ns,
                     .n_ifs = 2,
                     .loopback = {IP4(10, 6, 0, i), 32}},
            .result = 1,
        };
        nodes[i].spec.ifs = nodes[i].ifs;
    }
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(
            pthread_create(&threads[i], NULL, configure_thread, &nodes[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(threads[i], NULL);
    }
    for (int i = 0; i < N; i++) {
        const char *ns = nodes[i].spec.netns;
        ck_assert_int_eq(nodes[i].result, 0);
        struct listing l = list(ns);
        ck_assert(has_addr(find_if(&l, "p0"), IP4(10, 5, i, 1), 24));
        ck_assert(has_addr(find_if(&l, "p1"), IP4(10, 5, i, 2), 24));
        ck_assert(has_addr(find_if(&l, "lo"), IP4(10, 6, 0, i), 32));
        free(l.ifs);
        struct tc_query t = tc_of(ns, "p0");
        ck_assert_int_eq(root_qdisc(&t, "tbf").rate,
                         125000 * (intmax_t)(i + 1));
        ck_assert_uint_eq(tx_csum(ns, "p0"), 0);
    }
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Deleting links                                                           */
/* ------------------------------------------------------------------------ */

START_TEST(test_delete_links)
{
    const char *a = make_ns();
    char *ra = xstrdup(root_ifname('a')), *rb = xstrdup(root_ifname('b'));
    struct veth_spec specs[] = {
        {{{ra, NULL}, {"x0", a}}, 0},
        {{{rb, NULL}, {"x1", a}}, 0},
    };
    char missing[IFNAMSIZ];
    snprintf(missing, sizeof missing, "mitnl%dz", runner_pid);

    ck_assert_int_eq(netlink_create_veths(specs, ARRAY_SIZE(specs)), 0);
    struct listing here = list(NULL);
    assert_up(&here, ra, 1500);
    assert_up(&here, rb, 1500);
    free(here.ifs);

    /* x0 lives in another namespace: here it is just missing; so is a
     * name too long for an interface. */
    const char *names[] = {ra, missing, rb, "x0"};
    const char *asked[] = {ra, missing, rb, "x0", "lo", "a-name-too-long-0"};
    bool exists[ARRAY_SIZE(asked)];
    ck_assert_int_eq(netlink_links_exist(asked, ARRAY_SIZE(asked), exists), 0);
    const bool before[] = {true, false, true, false, true, false};
    for (size_t i = 0; i < ARRAY_SIZE(asked); i++) {
        ck_assert_msg(exists[i] == before[i], "%s", asked[i]);
    }
    testutil_capture_begin();
    ck_assert_int_eq(netlink_delete_links(names, ARRAY_SIZE(names)), 0);
    ck_assert_str_eq(testutil_captured(), "");
    testutil_capture_end();

    here = list(NULL);
    ck_assert_ptr_null(find_if(&here, ra));
    ck_assert_ptr_null(find_if(&here, rb));
    free(here.ifs);
    ck_assert_int_eq(netlink_links_exist(asked, ARRAY_SIZE(asked), exists), 0);
    for (size_t i = 0; i < ARRAY_SIZE(asked); i++) {
        ck_assert_msg(exists[i] == !strcmp(asked[i], "lo"), "%s", asked[i]);
    }
    struct listing la = list(a);
    ck_assert_uint_eq(la.n, 1); /* the peers went with them */
    free(la.ifs);
    free(ra);
    free(rb);
}
END_TEST

/* A link's interface group in the thread's namespace: read it, or set it
 * when `set`. */
struct group_call {
    const char *ifname;
    uint32_t group;
    bool set;
};

static int
group_here(void *call_)
{
    struct group_call *call = call_;
    struct nl_sock *sk = nl_socket_alloc();
    struct rtnl_link *link = NULL;
    int err = sk ? nl_connect(sk, NETLINK_ROUTE) : -NLE_NOMEM;

    if (err >= 0) {
        err = rtnl_link_get_kernel(sk, 0, call->ifname, &link);
    }
    if (err >= 0 && call->set) {
        struct rtnl_link *change = rtnl_link_alloc();
        rtnl_link_set_group(change, call->group);
        err = rtnl_link_change(sk, link, change, 0);
        rtnl_link_put(change);
    } else if (err >= 0) {
        call->group = rtnl_link_get_group(link);
    }
    if (link) {
        rtnl_link_put(link);
    }
    nl_socket_free(sk);
    return err < 0 ? -EIO : 0;
}

static uint32_t
link_group(const char *netns, const char *ifname)
{
    struct group_call call = {ifname, 0, false};
    ck_assert_int_eq(netlink_in_netns(netns, "test", group_here, &call), 0);
    return call.group;
}

static void
set_link_group(const char *netns, const char *ifname, uint32_t group)
{
    struct group_call call = {ifname, group, true};
    ck_assert_int_eq(netlink_in_netns(netns, "test", group_here, &call), 0);
}

/* Four links or more go in one interface group of their own, one that no
 * link uses (the first this process tries is taken here), and a link that
 * cannot be deleted in a group (lo) makes them go one by one, lo's group
 * given back. */
START_TEST(test_delete_links_group)
{
    const char *a = make_ns();
    struct veth_spec specs[] = {
        {{{"p0", a}, {"q0", a}}, 0}, {{{"p1", a}, {"q1", a}}, 0},
        {{{"p2", a}, {"q2", a}}, 0}, {{{"f0", a}, {"g0", a}}, 0},
        {{{"p3", a}, {"q3", a}}, 0},
    };
    ck_assert_int_eq(netlink_create_veths(specs, ARRAY_SIZE(specs)), 0);
    /* The first group this process tries, then the one it takes. */
    uint32_t first = 0x6d690000u + (uint32_t)getpid() % 4096;
    uint32_t taken = 0x6d690000u + ((uint32_t)getpid() + 1) % 4096;
    set_link_group(a, "f0", first);
    set_link_group(a, "p2", 7);

    const char *names[] = {"p0", "q0", "p1", "nothere", "p2"};
    int verbosity = log_get_verbosity();
    log_set_verbosity(2);
    testutil_capture_begin();
    ck_assert_int_eq(host_links_delete(a, names, ARRAY_SIZE(names)), 0);
    log_set_verbosity(verbosity);
    char *said = xasprintf("deleting links: 4 links deleted together "
                           "(interface group %" PRIu32 ")",
                           taken);
    ck_assert_msg(strstr(testutil_captured(), said), "%s",
                  testutil_captured());
    free(said);
    testutil_capture_end();

    struct listing la = list(a);
    ck_assert_ptr_null(find_if(&la, "p0"));
    ck_assert_ptr_null(find_if(&la, "q1"));
    ck_assert_ptr_null(find_if(&la, "q2"));
    ck_assert_ptr_nonnull(find_if(&la, "f0"));
    ck_assert_ptr_nonnull(find_if(&la, "q3"));
    ck_assert_uint_eq(la.n, 5); /* lo, f0, g0, p3, q3 */
    free(la.ifs);
    ck_assert_uint_eq(link_group(a, "f0"), first);
    ck_assert_uint_eq(link_group(a, "g0"), 0);

    /* lo cannot be deleted at all: the others still go, one by one. */
    set_link_group(a, "lo", 5);
    const char *with_lo[] = {"lo", "p3", "f0", "g0"};
    testutil_capture_begin();
    ck_assert_int_lt(host_links_delete(a, with_lo, ARRAY_SIZE(with_lo)), 0);
    ck_assert_msg(strstr(testutil_captured(), "deleting lo: "), "%s",
                  testutil_captured());
    testutil_capture_end();
    la = list(a);
    ck_assert_uint_eq(la.n, 1);
    ck_assert_str_eq(la.ifs[0].name, "lo");
    free(la.ifs);
    ck_assert_uint_eq(link_group(a, "lo"), 5);
}
END_TEST

static Suite *
netlink_suite(void)
{
    Suite *s = suite_create("netlink");

    TCase *tc = tcase_create("noroot");
    tcase_add_test(tc, test_bad_arguments);
    tcase_add_test(tc, test_list_here);
    tcase_add_test(tc, test_tbf_params);
    tcase_add_test(tc, test_tcp_listening);
    tcase_add_test(tc, test_disable_ipv6_args);
    suite_add_tcase(s, tc);

    /* Not added at all when they cannot run, so that they never pass
     * without testing anything; run-all counts the "# SKIP" lines. */
    if (!testutil_is_root()) {
        printf("# SKIP netlink tests in namespaces: needs root\n");
        fflush(stdout);
        return s;
    }
    tc = tcase_create("netns");
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, runner_setup, remove_all);
    tcase_add_checked_fixture(tc, remove_all, remove_all);
    tcase_add_test(tc, test_veth_two_namespaces);
    tcase_add_test(tc, test_veth_batch_300);
    tcase_add_test(tc, test_veth_duplicate);
    tcase_add_test(tc, test_configure_node);
    tcase_add_test(tc, test_configure_held);
    tcase_add_test(tc, test_dump_skip_if);
    tcase_add_test(tc, test_tcp_listens_netns);
    tcase_add_test(tc, test_configure_tbf);
    /* Probed here, in the runner: each kernel runs the netem test that
     * fits it and reports the other as skipped. */
    if (netlink_have_qdisc("netem")) {
        tcase_add_test(tc, test_netem);
        printf("# SKIP netem missing: this kernel has netem\n");
    } else {
        tcase_add_test(tc, test_netem_missing);
        printf("# SKIP netem in place: this kernel has no netem\n");
    }
    fflush(stdout);
    tcase_add_test(tc, test_have_qdisc);
    tcase_add_test(tc, test_configure_errors);
    tcase_add_test(tc, test_configure_parallel);
    tcase_add_test(tc, test_delete_links);
    tcase_add_test(tc, test_delete_links_group);
    tcase_add_test(tc, test_disable_ipv6);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return testutil_run(netlink_suite());
}
