/* Netlink for the orchestrator: batched requests on one socket, in any
 * network namespace.  See netlink.h for the contract. */
#include "config.h"

#include "netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/ethtool.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/addr.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/route.h>
#include <netlink/route/tc.h>

#include "log.h"
#include "util.h"

/* ------------------------------------------------------------------------ */
/* Namespaces                                                               */
/* ------------------------------------------------------------------------ */

int
netlink_errno(int nlerr)
{
    static const struct {
        int nle, err;
    } map[] = {
        {NLE_INTR, EINTR},           {NLE_BAD_SOCK, EBADF},
        {NLE_AGAIN, EAGAIN},         {NLE_NOMEM, ENOMEM},
        {NLE_EXIST, EEXIST},         {NLE_INVAL, EINVAL},
        {NLE_RANGE, ERANGE},         {NLE_MSGSIZE, EMSGSIZE},
        {NLE_OPNOTSUPP, EOPNOTSUPP}, {NLE_AF_NOSUPPORT, EAFNOSUPPORT},
        {NLE_OBJ_NOTFOUND, ENODEV},  {NLE_NODEV, ENODEV},
        {NLE_NOADDR, EADDRNOTAVAIL}, {NLE_BUSY, EBUSY},
        {NLE_NOACCESS, EACCES},      {NLE_PERM, EPERM},
    };

    for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
        if (map[i].nle == abs(nlerr)) {
            return -map[i].err;
        }
    }
    return -EIO;
}

int
netlink_open_netns(const char *netns, const char *ctx)
{
    int fd = open(netns, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int error = errno;
        log_error("%s: cannot open network namespace %s: %s", ctx, netns,
                  strerror(error));
        return -error;
    }
    return fd;
}

struct netns_call {
    int fd;
    int (*fn)(void *);
    void *arg;
    int result;
    int setns_error;
};

static void *
netns_thread(void *call_)
{
    struct netns_call *call = call_;

    /* setns() with CLONE_NEWNET changes only this thread, which ends
     * right after: the caller's namespace is never touched. */
    if (setns(call->fd, CLONE_NEWNET) < 0) {
        call->setns_error = errno;
    } else {
        call->result = call->fn(call->arg);
    }
    return NULL;
}

int
netlink_in_netns_fd(int fd, const char *netns, const char *ctx,
                    int (*fn)(void *), void *arg)
{
    struct netns_call call = {fd, fn, arg, 0, 0};
    pthread_t thread;

    int error = pthread_create(&thread, NULL, netns_thread, &call);
    if (error) {
        log_error("%s: cannot start a thread: %s", ctx, strerror(error));
        return -error;
    }
    pthread_join(thread, NULL);
    if (call.setns_error) {
        log_error("%s: cannot enter network namespace %s: %s", ctx, netns,
                  strerror(call.setns_error));
        return -call.setns_error;
    }
    return call.result;
}

int
netlink_in_netns(const char *netns, const char *ctx, int (*fn)(void *),
                 void *arg)
{
    if (!netns) {
        return fn(arg);
    }

    int fd = netlink_open_netns(netns, ctx);
    if (fd < 0) {
        return fd;
    }
    int result = netlink_in_netns_fd(fd, netns, ctx, fn, arg);
    close(fd);
    return result;
}

/* What messages call a namespace: the last component of its path
 * ("1_ZURIrouter" for /run/netns/1_ZURIrouter), or the whole path where
 * that says nothing (/proc/42/ns/net).  NULL for the caller's. */
static const char *
ns_label(const char *netns)
{
    if (!netns) {
        return NULL;
    }
    const char *slash = strrchr(netns, '/');
    const char *base = slash ? slash + 1 : netns;
    return *base && strcmp(base, "net") != 0 ? base : netns;
}

/* "NS:IFNAME", or "IFNAME" in the caller's namespace; malloc()ed. */
static char *
if_label(const char *netns, const char *ifname)
{
    const char *ns = ns_label(netns);
    return xasprintf("%s%s%s", ns ? ns : "", ns ? ":" : "", ifname);
}

static bool
valid_ifname(const char *name)
{
    return name && name[0] && strlen(name) < IFNAMSIZ;
}

/* ------------------------------------------------------------------------ */
/* Batches of requests on one socket                                        */
/* ------------------------------------------------------------------------ */

/* Requests in flight at most.  The kernel handles a request inside
 * sendmsg() and queues its ack on our socket right away, so the window
 * only has to fit the acks into the receive buffer; it shrinks if the
 * buffer is small (an overrun loses acks: ENOBUFS). */
#define BATCH_WINDOW_MAX 128
#define BATCH_RCVBUF (1 << 20)
#define ACK_ROOM 2048 /* buffer space an ack may take, error text included */
#define ACK_TIMEOUT_MS 10000

struct pending {
    uint32_t seq;
    char *what;  /* the object, for messages; NULL: do not log failures */
    int ignore;  /* an errno that is no failure for this request, or 0 */
    int *status; /* where the outcome goes (0 or -errno), or NULL */
    bool acked;
};

struct batch {
    struct nl_sock *sk;
    const char *ctx; /* for errors of the batch itself */
    struct pending pending[BATCH_WINDOW_MAX];
    size_t n_pending;
    size_t window;
    int error;   /* the first error, 0 if none */
    bool broken; /* acks were lost: nothing more can be sent */
};

static void
batch_fail(struct batch *b, int error)
{
    if (!b->error) {
        b->error = error;
    }
}

/* Opens a route netlink socket in the calling thread's namespace. */
static int
batch_open(struct batch *b, const char *ctx)
{
    memset(b, 0, sizeof *b);
    b->ctx = ctx;
    b->sk = nl_socket_alloc();
    if (!b->sk) {
        log_error("%s: netlink socket: %s", ctx, nl_geterror(-NLE_NOMEM));
        return -ENOMEM;
    }
    int err = nl_connect(b->sk, NETLINK_ROUTE);
    if (err < 0) {
        log_error("%s: netlink socket: %s", ctx, nl_geterror(err));
        nl_socket_free(b->sk);
        b->sk = NULL;
        return netlink_errno(err);
    }

    /* Acks without a copy of the request, with the kernel's reason. */
    int fd = nl_socket_get_fd(b->sk);
    int on = 1, size = BATCH_RCVBUF;
    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof on);
    setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof on);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    socklen_t len = sizeof size;
    if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, &len) < 0) {
        size = 0;
    }
    b->window = (size_t)size / ACK_ROOM;
    b->window = b->window < 8 ? 8 : b->window;
    b->window = b->window > BATCH_WINDOW_MAX ? BATCH_WINDOW_MAX : b->window;
    return 0;
}

/* The kernel's own words in an error ack (NETLINK_EXT_ACK), or NULL. */
static const char *
extack_message(const struct nlmsghdr *nlh)
{
    if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS)) {
        return NULL;
    }
    const struct nlmsgerr *e = NLMSG_DATA(nlh);
    size_t offset = NLMSG_HDRLEN + sizeof *e;
    if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
        offset = NLMSG_ALIGN(offset + e->msg.nlmsg_len - NLMSG_HDRLEN);
    }
    if (offset >= nlh->nlmsg_len) {
        return NULL;
    }

    struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
    struct nlattr *attrs = (struct nlattr *)((char *)nlh + offset);
    if (nla_parse(tb, NLMSGERR_ATTR_MAX, attrs, (int)(nlh->nlmsg_len - offset),
                  NULL) < 0 ||
        !tb[NLMSGERR_ATTR_MSG]) {
        return NULL;
    }
    const char *msg = nla_data(tb[NLMSGERR_ATTR_MSG]);
    int len = nla_len(tb[NLMSGERR_ATTR_MSG]);
    return len > 0 && !msg[len - 1] ? msg : NULL;
}

static void
batch_ack(struct batch *b, const struct nlmsghdr *nlh)
{
    const struct nlmsgerr *e = NLMSG_DATA(nlh);
    struct pending *p = NULL;

    if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof *e)) {
        return;
    }
    for (size_t i = 0; i < b->n_pending; i++) {
        if (b->pending[i].seq == nlh->nlmsg_seq && !b->pending[i].acked) {
            p = &b->pending[i];
            break;
        }
    }
    if (!p) {
        return; /* not ours (a late answer to something else) */
    }
    p->acked = true;
    if (p->status) {
        *p->status = e->error;
    }
    if (!e->error || -e->error == p->ignore) {
        return;
    }
    if (p->what) {
        const char *kernel = extack_message(nlh);
        log_error("%s: %s%s%s%s", p->what, strerror(-e->error),
                  kernel ? " (kernel: " : "", kernel ? kernel : "",
                  kernel ? ")" : "");
    }
    batch_fail(b, e->error);
}

/* Waits for one datagram and handles the acks in it.  Returns false when
 * no more can come. */
static bool
batch_receive(struct batch *b)
{
    union {
        struct nlmsghdr align;
        char buf[16384];
    } u;
    int fd = nl_socket_get_fd(b->sk);
    struct pollfd pfd = {.fd = fd, .events = POLLIN};

    int ready = poll(&pfd, 1, ACK_TIMEOUT_MS);
    if (ready < 0 && errno == EINTR) {
        return true;
    }
    if (ready <= 0) {
        int error = ready ? errno : ETIMEDOUT;
        log_error("%s: waiting for netlink answers: %s", b->ctx,
                  strerror(error));
        batch_fail(b, -error);
        return false;
    }

    ssize_t n = recv(fd, u.buf, sizeof u.buf, MSG_DONTWAIT);
    if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) {
            return true;
        }
        /* ENOBUFS: the receive buffer overran and acks are lost. */
        int error = errno;
        log_error("%s: reading netlink answers: %s", b->ctx, strerror(error));
        batch_fail(b, -error);
        return false;
    }

    int len = (int)n;
    /* NLMSG_OK compares the header's __u32 length with `len`, an int as
     * NLMSG_NEXT needs it; gcc hides that in a system macro, clang (the
     * fuzzing build's compiler) does not. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
    for (struct nlmsghdr *nlh = &u.align; NLMSG_OK(nlh, len);
         nlh = NLMSG_NEXT(nlh, len)) {
        if (nlh->nlmsg_type == NLMSG_ERROR) {
            batch_ack(b, nlh);
        }
    }
#pragma GCC diagnostic pop
    return true;
}

/* Collects the acks of everything sent, and empties the window. */
static void
batch_collect(struct batch *b)
{
    size_t next = 0;

    while (!b->broken) {
        while (next < b->n_pending && b->pending[next].acked) {
            next++;
        }
        if (next == b->n_pending) {
            break;
        }
        if (!batch_receive(b)) {
            b->broken = true;
        }
    }
    size_t lost = 0;
    for (size_t i = 0; i < b->n_pending; i++) {
        lost += !b->pending[i].acked;
        free(b->pending[i].what);
    }
    if (lost) {
        log_error("%s: the outcome of %zu netlink requests is unknown", b->ctx,
                  lost);
    }
    b->n_pending = 0;
}

/* Sends `msg` (and frees it).  Failures are logged naming `what` (taken
 * over; NULL: not logged) unless their errno is `ignore`.  The outcome
 * goes to *status too, if not NULL, once known. */
static void
batch_send_status(struct batch *b, struct nl_msg *msg, char *what, int ignore,
                  int *status)
{
    if (b->broken) {
        batch_fail(b, -EIO);
        nlmsg_free(msg);
        free(what);
        return;
    }

    int err = nl_send_auto(b->sk, msg);
    uint32_t seq = nlmsg_hdr(msg)->nlmsg_seq;
    nlmsg_free(msg);
    if (err < 0) {
        if (what) {
            log_error("%s: %s", what, nl_geterror(err));
        }
        batch_fail(b, netlink_errno(err));
        if (status) {
            *status = netlink_errno(err);
        }
        free(what);
        return;
    }

    struct pending *p = &b->pending[b->n_pending++];
    *p = (struct pending){
        .seq = seq, .what = what, .ignore = ignore, .status = status};
    if (b->n_pending == b->window) {
        batch_collect(b);
    }
}

static void
batch_send(struct batch *b, struct nl_msg *msg, char *what, int ignore)
{
    batch_send_status(b, msg, what, ignore, NULL);
}

/* A request that could not even be built (libnl out of memory). */
static void
batch_build_failed(struct batch *b, char *what, int nlerr)
{
    if (what) {
        log_error("%s: %s", what, nl_geterror(nlerr));
    }
    free(what);
    batch_fail(b, netlink_errno(nlerr));
}

/* Collects the last acks and closes the socket.  Returns the first error
 * of the batch, or 0. */
static int
batch_finish(struct batch *b)
{
    batch_collect(b);
    nl_socket_free(b->sk);
    b->sk = NULL;
    return b->error;
}

/* ------------------------------------------------------------------------ */
/* veth pairs                                                               */
/* ------------------------------------------------------------------------ */

/* The kernel opens the peer of a new veth before it links the two ends, so
 * IFF_UP on the peer fails the whole request (ENOTCONN).  A pair is thus
 * made with one end, the "outer" one, up; the peers are set up afterwards
 * by name, one batch per namespace, from inside it.  The end in the
 * caller's namespace, if only one is, is made the peer: its batch needs
 * no thread. */

/* The namespaces of a batch of veths, each opened once. */
struct ns_cache {
    struct ns_entry {
        const char *path;
        int fd; /* or -errno */
    } * entries;
    size_t n, cap;
};

static int
ns_cache_fd(struct ns_cache *c, const char *path)
{
    for (size_t i = 0; i < c->n; i++) {
        if (!strcmp(c->entries[i].path, path)) {
            return c->entries[i].fd;
        }
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    c->entries = xgrow(c->entries, &c->cap, c->n + 1, sizeof *c->entries);
    c->entries[c->n++] = (struct ns_entry){path, fd < 0 ? -errno : fd};
    return c->entries[c->n - 1].fd;
}

static void
ns_cache_close(struct ns_cache *c)
{
    for (size_t i = 0; i < c->n; i++) {
        if (c->entries[i].fd >= 0) {
            close(c->entries[i].fd);
        }
    }
    free(c->entries);
}

static int
outer_end(const struct veth_spec *spec)
{
    return !spec->end[0].netns && spec->end[1].netns ? 1 : 0;
}

static const struct veth_end *
peer_end(const struct veth_spec *spec)
{
    return &spec->end[1 - outer_end(spec)];
}

static void
set_veth_end(struct rtnl_link *link, const struct veth_end *end, int ns_fd,
             unsigned mtu)
{
    rtnl_link_set_name(link, end->name);
    if (mtu) {
        rtnl_link_set_mtu(link, mtu);
    }
    if (ns_fd >= 0) {
        rtnl_link_set_ns_fd(link, ns_fd);
    }
}

/* The RTM_NEWLINK that creates one pair, its outer end up; ns_fd[i] < 0:
 * end i goes to the caller's namespace. */
static int
build_veth(const struct veth_spec *spec, const int ns_fd[2],
           struct nl_msg **msg)
{
    struct rtnl_link *link = rtnl_link_veth_alloc();
    if (!link) {
        return -NLE_NOMEM;
    }
    struct rtnl_link *peer = rtnl_link_veth_get_peer(link);
    int outer = outer_end(spec);
    set_veth_end(link, &spec->end[outer], ns_fd[outer], spec->mtu);
    set_veth_end(peer, &spec->end[!outer], ns_fd[!outer], spec->mtu);
    rtnl_link_set_flags(link, IFF_UP);
    int err =
        rtnl_link_build_add_request(link, NLM_F_CREATE | NLM_F_EXCL, msg);
    rtnl_link_put(peer);
    rtnl_link_put(link);
    return err;
}

/* RTM_NEWLINK without NLM_F_CREATE on an existing link (by index, or by
 * name when ifindex is 0): a change, here to up. */
static int
build_link_up(int ifindex, const char *name, struct nl_msg **msg)
{
    struct rtnl_link *link = rtnl_link_alloc();
    if (!link) {
        return -NLE_NOMEM;
    }
    if (ifindex) {
        rtnl_link_set_ifindex(link, ifindex);
    } else {
        rtnl_link_set_name(link, name);
    }
    rtnl_link_set_flags(link, IFF_UP);
    int err = rtnl_link_build_add_request(link, 0, msg);
    rtnl_link_put(link);
    return err;
}

/* RTM_NEWLINK changing only IFF_UP of `ifindex` (libnl sets the change
 * mask to the flags named, so down is "flag cleared"). */
static int
build_link_state(int ifindex, bool up, struct nl_msg **msg)
{
    struct rtnl_link *link = rtnl_link_alloc();
    if (!link) {
        return -NLE_NOMEM;
    }
    rtnl_link_set_ifindex(link, ifindex);
    if (up) {
        rtnl_link_set_flags(link, IFF_UP);
    } else {
        rtnl_link_unset_flags(link, IFF_UP);
    }
    int err = rtnl_link_build_add_request(link, 0, msg);
    rtnl_link_put(link);
    return err;
}

/* Sends the request a build_*() made, or logs why there is none. */
static void
send_built(struct batch *b, int err, struct nl_msg *msg, char *what)
{
    if (err < 0 || !msg) {
        batch_build_failed(b, what, err < 0 ? err : -NLE_NOMEM);
    } else {
        batch_send(b, msg, what, 0);
    }
}

static char *
veth_label(const struct veth_spec *spec)
{
    char *a = if_label(spec->end[0].netns, spec->end[0].name);
    char *b = if_label(spec->end[1].netns, spec->end[1].name);
    char *label = xasprintf("veth %s - %s", a, b);
    free(a);
    free(b);
    return label;
}

/* Pairs whose peers are in one namespace. */
struct peer_group {
    const struct veth_spec *specs;
    const size_t *pairs; /* indexes into specs */
    size_t n;
};

/* In the peers' namespace: sets them up. */
static int
raise_peers_here(void *group_)
{
    const struct peer_group *g = group_;
    struct batch b;

    int error = batch_open(&b, "setting veth peers up");
    if (error) {
        return error;
    }
    for (size_t k = 0; k < g->n; k++) {
        const struct veth_spec *spec = &g->specs[g->pairs[k]];
        const char *name = peer_end(spec)->name;
        char *veth = veth_label(spec);
        struct nl_msg *msg = NULL;

        int err = build_link_up(0, name, &msg);
        send_built(&b, err, msg, xasprintf("%s: setting %s up", veth, name));
        free(veth);
    }
    return batch_finish(&b);
}

struct peer_ref {
    const char *netns;
    size_t pair;
};

static int
by_netns(const void *a_, const void *b_)
{
    const struct peer_ref *a = a_, *b = b_;

    if (!a->netns || !b->netns) {
        return !!a->netns - !!b->netns;
    }
    int c = strcmp(a->netns, b->netns);
    return c ? c : (a->pair > b->pair) - (a->pair < b->pair);
}

/* Sets up the peers of the pairs made (status 0), grouped by namespace. */
static int
raise_peers(const struct veth_spec *specs, size_t n, const int *status,
            struct ns_cache *nss)
{
    struct peer_ref *refs = xmalloc((n + 1) * sizeof *refs);
    size_t *pairs = xmalloc((n + 1) * sizeof *pairs);
    size_t m = 0;
    int error = 0;

    for (size_t i = 0; i < n; i++) {
        if (!status[i]) {
            refs[m++] = (struct peer_ref){peer_end(&specs[i])->netns, i};
        }
    }
    qsort(refs, m, sizeof *refs, by_netns);
    for (size_t i = 0; i < m; i++) {
        pairs[i] = refs[i].pair;
    }

    for (size_t start = 0, end; start < m; start = end) {
        const char *netns = refs[start].netns;
        for (end = start + 1; end < m; end++) {
            if (!netns || !refs[end].netns ||
                strcmp(netns, refs[end].netns) != 0) {
                break;
            }
        }
        struct peer_group g = {specs, &pairs[start], end - start};
        int e = netns ? netlink_in_netns_fd(ns_cache_fd(nss, netns), netns,
                                            "setting veth peers up",
                                            raise_peers_here, &g)
                      : raise_peers_here(&g);
        error = error ? error : e;
    }
    free(pairs);
    free(refs);
    return error;
}

int
netlink_create_veths(const struct veth_spec *specs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (int e = 0; e < 2; e++) {
            const char *name = specs[i].end[e].name;
            if (!valid_ifname(name)) {
                log_error("veth %s - %s: invalid interface name \"%s\" "
                          "(1 to %d characters)",
                          specs[i].end[0].name ? specs[i].end[0].name : "",
                          specs[i].end[1].name ? specs[i].end[1].name : "",
                          name ? name : "", IFNAMSIZ - 1);
                return -EINVAL;
            }
        }
    }
    if (!n) {
        return 0;
    }

    struct batch b;
    int error = batch_open(&b, "creating veth pairs");
    if (error) {
        return error;
    }
    struct ns_cache nss = {NULL, 0, 0};
    int *status = xmalloc(n * sizeof *status);
    for (size_t i = 0; i < n; i++) {
        const struct veth_spec *spec = &specs[i];
        int ns_fd[2] = {-1, -1};
        char *what = veth_label(spec);

        status[i] = 1; /* not made */
        for (int e = 0; e < 2 && what; e++) {
            const char *netns = spec->end[e].netns;
            ns_fd[e] = netns ? ns_cache_fd(&nss, netns) : -1;
            if (netns && ns_fd[e] < 0) {
                log_error("%s: cannot open network namespace %s: %s", what,
                          netns, strerror(-ns_fd[e]));
                batch_fail(&b, ns_fd[e]);
                free(what);
                what = NULL;
            }
        }
        if (!what) {
            continue;
        }

        struct nl_msg *msg = NULL;
        int err = build_veth(spec, ns_fd, &msg);
        if (err < 0 || !msg) {
            batch_build_failed(&b, what, err < 0 ? err : -NLE_NOMEM);
        } else {
            batch_send_status(&b, msg, what, 0, &status[i]);
        }
    }
    error = batch_finish(&b);
    int raised = raise_peers(specs, n, status, &nss);
    free(status);
    ns_cache_close(&nss);
    return error ? error : raised;
}

/* ------------------------------------------------------------------------ */
/* Queueing disciplines                                                     */
/* ------------------------------------------------------------------------ */

#define TBF_HANDLE TC_HANDLE(1, 0)
#define TBF_CHILD TC_HANDLE(1, 1) /* tbf's one class: netem's parent */
#define NETEM_HANDLE TC_HANDLE(10, 0)
#define DEFAULT_BUFFER_US 50000
#define ETH_OVERHEAD 14

void
netlink_tbf_params(uint64_t rate_bps, unsigned mtu, uint32_t buffer_us,
                   uint32_t *burst, uint32_t *limit)
{
    uint64_t rate = rate_bps / 8;                 /* bytes per second */
    rate = rate > UINT32_MAX ? UINT32_MAX : rate; /* no overflow below */
    uint64_t frame = (mtu ? mtu : 1500) + ETH_OVERHEAD;

    /* Enough tokens for one timer tick at HZ=250 (timers are coarser than
     * packets at high rates), and never less than two full frames, or a
     * frame could never leave. */
    uint64_t b = rate / 250;
    b = b < 2 * frame ? 2 * frame : b;
    b = b > INT32_MAX ? INT32_MAX : b;

    uint64_t l =
        b + rate * (buffer_us ? buffer_us : DEFAULT_BUFFER_US) / 1000000;
    *burst = (uint32_t)b;
    *limit = (uint32_t)(l > INT32_MAX ? INT32_MAX : l);
}

/* netem's queue in packets: what the delay holds at the rate (10 Gbit/s
 * when unlimited) in full frames, twice over, at least netem's default. */
static int
netem_limit(const struct if_spec *spec)
{
    uint64_t rate = (spec->rate_bps ? spec->rate_bps : 10000000000ULL) / 8;
    uint64_t packets = 2 * (rate * spec->delay_us / 1000000) / 1500;
    return packets < 1000 ? 1000 : packets > 1000000 ? 1000000 : (int)packets;
}

/* A create-or-replace request for qdisc `kind` on `ifindex`: "tbf" at the
 * spec's rate, "netem" with its delay, any other kind without options. */
static int
build_qdisc(const char *kind, int ifindex, uint32_t parent, uint32_t handle,
            const struct if_spec *spec, unsigned mtu, struct nl_msg **msg)
{
    struct rtnl_qdisc *q = rtnl_qdisc_alloc();
    *msg = NULL;
    if (!q) {
        return -NLE_NOMEM;
    }
    struct rtnl_tc *tc = TC_CAST(q);
    rtnl_tc_set_ifindex(tc, ifindex);
    rtnl_tc_set_parent(tc, parent);
    rtnl_tc_set_handle(tc, handle);
    int err = rtnl_tc_set_kind(tc, kind);
    if (!err && !strcmp(kind, "tbf")) {
        uint32_t burst, limit;
        netlink_tbf_params(spec->rate_bps, mtu, spec->buffer_us, &burst,
                           &limit);
        rtnl_tc_set_mtu(tc, mtu);
        rtnl_qdisc_tbf_set_rate(q, (int)(spec->rate_bps / 8), (int)burst, 0);
        rtnl_qdisc_tbf_set_limit(q, (int)limit);
    } else if (!err && !strcmp(kind, "netem")) {
        rtnl_netem_set_delay(q, (int)spec->delay_us);
        rtnl_netem_set_limit(q, netem_limit(spec));
    }
    if (!err) {
        err =
            rtnl_qdisc_build_add_request(q, NLM_F_CREATE | NLM_F_REPLACE, msg);
    }
    rtnl_qdisc_put(q);
    return err;
}

/* netlink_have_qdisc()'s cache: kinds probed, with their answer. */
static pthread_mutex_t qdisc_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char kind[IFNAMSIZ];
    bool present;
} qdisc_known[8];
static size_t n_qdisc_known;

struct qdisc_probe {
    const char *kind;
    int result; /* 1 present, 0 absent, -errno: no answer */
};

/* In a fresh namespace: tries the qdisc on "lo". */
static int
probe_here(const char *kind)
{
    const struct if_spec spec = {
        .ifname = "lo", .rate_bps = 1000000, .delay_us = 1000};
    struct nl_msg *msg = NULL;
    struct batch b;

    int ifindex = (int)if_nametoindex("lo");
    if (!ifindex) {
        return -errno;
    }
    int err =
        build_qdisc(kind, ifindex, TC_H_ROOT, TBF_HANDLE, &spec, 65536, &msg);
    if (err < 0 || !msg) {
        return netlink_errno(err < 0 ? err : -NLE_NOMEM);
    }
    int error = batch_open(&b, "probing qdiscs");
    if (error) {
        nlmsg_free(msg);
        return error;
    }
    batch_send(&b, msg, NULL, 0);
    error = batch_finish(&b);

    bool known = !strcmp(kind, "tbf") || !strcmp(kind, "netem");
    if (b.broken) {
        return error;
    }
    if (error == -ENOENT || error == -EOPNOTSUPP) {
        return 0; /* "Specified qdisc kind is unknown" */
    }
    /* A kind probed without options may well refuse the empty request. */
    return !error || !known ? 1 : error;
}

static void *
probe_thread(void *probe_)
{
    struct qdisc_probe *probe = probe_;

    /* A namespace of this thread's own, gone when the thread ends. */
    if (unshare(CLONE_NEWNET) < 0) {
        probe->result = -errno;
    } else {
        probe->result = probe_here(probe->kind);
    }
    return NULL;
}

/* 1 if the kernel has qdisc `kind`, 0 if not, -errno if the probe could
 * not tell (no privilege), which is not cached. */
static int
qdisc_presence(const char *kind)
{
    if (!kind || !kind[0] || strlen(kind) >= IFNAMSIZ) {
        return 0;
    }

    pthread_mutex_lock(&qdisc_mutex);
    for (size_t i = 0; i < n_qdisc_known; i++) {
        if (!strcmp(qdisc_known[i].kind, kind)) {
            bool present = qdisc_known[i].present;
            pthread_mutex_unlock(&qdisc_mutex);
            return present ? 1 : 0;
        }
    }

    struct qdisc_probe probe = {kind, -EIO};
    pthread_t thread;
    int error = pthread_create(&thread, NULL, probe_thread, &probe);
    if (error) {
        probe.result = -error;
    } else {
        pthread_join(thread, NULL);
    }
    if (probe.result < 0) {
        log_debug("cannot probe for the %s qdisc: %s", kind,
                  strerror(-probe.result));
    } else if (n_qdisc_known < ARRAY_SIZE(qdisc_known)) {
        strcpy(qdisc_known[n_qdisc_known].kind, kind);
        qdisc_known[n_qdisc_known++].present = probe.result;
    }
    pthread_mutex_unlock(&qdisc_mutex);
    return probe.result;
}

bool
netlink_have_qdisc(const char *kind)
{
    return qdisc_presence(kind) > 0;
}

/* ------------------------------------------------------------------------ */
/* Node configuration                                                       */
/* ------------------------------------------------------------------------ */

static struct nl_addr *
ipv4_addr(uint32_t ip, uint8_t plen)
{
    uint32_t be = htonl(ip);
    struct nl_addr *addr = nl_addr_build(AF_INET, &be, sizeof be);
    if (addr) {
        nl_addr_set_prefixlen(addr, plen);
    }
    return addr;
}

static int
build_address(int ifindex, struct mi_addr a, struct nl_msg **msg)
{
    struct rtnl_addr *addr = rtnl_addr_alloc();
    struct nl_addr *local = ipv4_addr(a.ip, a.plen);
    int err = -NLE_NOMEM;

    if (addr && local) {
        rtnl_addr_set_ifindex(addr, ifindex);
        err = rtnl_addr_set_local(addr, local);
    }
    if (!err) {
        rtnl_addr_set_prefixlen(addr, a.plen);
        err = rtnl_addr_build_add_request(addr, NLM_F_CREATE | NLM_F_REPLACE,
                                          msg);
    }
    nl_addr_put(local);
    rtnl_addr_put(addr);
    return err;
}

/* A route to dst/plen via gw (through interface ifindex if not 0, with
 * `metric` if not 0). */
static int
build_route(uint32_t dst_ip, uint8_t plen, uint32_t gw, int ifindex,
            uint32_t metric, struct nl_msg **msg)
{
    struct rtnl_route *route = rtnl_route_alloc();
    struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
    struct nl_addr *dst = ipv4_addr(dst_ip, plen);
    struct nl_addr *via = ipv4_addr(gw, 32);
    int err = -NLE_NOMEM;

    if (route && nh && dst && via) {
        rtnl_route_set_family(route, AF_INET);
        rtnl_route_set_table(route, RT_TABLE_MAIN);
        rtnl_route_set_protocol(route, RTPROT_BOOT); /* as ip(8) does */
        rtnl_route_set_scope(route, RT_SCOPE_UNIVERSE);
        rtnl_route_set_type(route, RTN_UNICAST);
        if (metric) {
            rtnl_route_set_priority(route, metric);
        }
        err = rtnl_route_set_dst(route, dst);
    }
    if (!err) {
        if (ifindex) {
            rtnl_route_nh_set_ifindex(nh, ifindex);
        }
        rtnl_route_nh_set_gateway(nh, via);
        rtnl_route_add_nexthop(route, nh);
        nh = NULL; /* the route's now */
        err = rtnl_route_build_add_request(route, NLM_F_CREATE | NLM_F_REPLACE,
                                           msg);
    }
    if (nh) {
        rtnl_route_nh_free(nh);
    }
    nl_addr_put(via);
    nl_addr_put(dst);
    rtnl_route_put(route);
    return err;
}

static void
send_address(struct batch *b, const char *label, int ifindex, struct mi_addr a)
{
    struct nl_msg *msg = NULL;
    int err = build_address(ifindex, a, &msg);
    struct in_addr in = {htonl(a.ip)};
    char ip[INET_ADDRSTRLEN];

    inet_ntop(AF_INET, &in, ip, sizeof ip);
    send_built(b, err, msg, xasprintf("%s: address %s/%u", label, ip, a.plen));
}

static void
send_qdiscs(struct batch *b, const char *label, int ifindex,
            const struct if_spec *spec, unsigned mtu)
{
    struct nl_msg *msg = NULL;
    int err;

    if (spec->rate_bps) {
        err = build_qdisc("tbf", ifindex, TC_H_ROOT, TBF_HANDLE, spec, mtu,
                          &msg);
        send_built(b, err, msg,
                   xasprintf("%s: tbf qdisc at %llu bit/s", label,
                             (unsigned long long)spec->rate_bps));
    }
    if (spec->delay_us) {
        bool child = spec->rate_bps != 0;
        err = build_qdisc("netem", ifindex, child ? TBF_CHILD : TC_H_ROOT,
                          child ? NETEM_HANDLE : TBF_HANDLE, spec, mtu, &msg);
        send_built(b, err, msg,
                   xasprintf("%s: netem qdisc with %u us delay", label,
                             (unsigned)spec->delay_us));
    }
}

/* ethtool -K IFNAME tx off, through a socket of this namespace. */
static int
tx_csum_off(const char *label, const char *ifname)
{
    struct ethtool_value value = {.cmd = ETHTOOL_STXCSUM, .data = 0};
    struct ifreq ifr;

    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, ifname, strlen(ifname) + 1);
    ifr.ifr_data = (void *)&value;

    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int error = fd < 0 || ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? errno : 0;
    if (fd >= 0) {
        close(fd);
    }
    if (error) {
        log_error("%s: cannot switch TX checksum offload off: %s", label,
                  strerror(error));
    }
    return -error;
}

struct node_call {
    const struct node_net_spec *spec;
    const char *ns;         /* label of the namespace, NULL: the caller's */
    int *ifindex;           /* of each spec->ifs[i], 0 when missing */
    struct nl_cache *links; /* the namespace's links, before any change */
};

/* Resolves the interfaces' indexes; missing ones are logged. */
static int
resolve_interfaces(struct node_call *call)
{
    const struct node_net_spec *spec = call->spec;
    int error = 0;

    for (size_t i = 0; i < spec->n_ifs; i++) {
        const char *name = spec->ifs[i].ifname;
        call->ifindex[i] = rtnl_link_name2i(call->links, name);
        if (!call->ifindex[i]) {
            char *label = if_label(spec->netns, name);
            log_error("%s: no such interface", label);
            free(label);
            error = error ? error : -ENODEV;
        }
    }
    return error;
}

static unsigned
link_mtu(struct nl_cache *links, int ifindex)
{
    struct rtnl_link *link = rtnl_link_get(links, ifindex);
    unsigned mtu = link ? rtnl_link_get_mtu(link) : 0;
    rtnl_link_put(link);
    return mtu;
}

/* In the node's namespace: every netlink request in one batch, then the
 * ethtool calls. */
static int
configure_here(void *call_)
{
    struct node_call *call = call_;
    const struct node_net_spec *spec = call->spec;
    char *lo = if_label(spec->netns, "lo");
    struct batch b;

    int error = batch_open(&b, lo);
    if (!error) {
        int err = rtnl_link_alloc_cache(b.sk, AF_UNSPEC, &call->links);
        if (err < 0) {
            log_error("%s: listing interfaces: %s", lo, nl_geterror(err));
            nl_socket_free(b.sk);
            error = netlink_errno(err);
        }
    }
    if (error) {
        free(lo);
        return error;
    }
    batch_fail(&b, resolve_interfaces(call));

    struct nl_msg *msg = NULL;
    int lo_index = rtnl_link_name2i(call->links, "lo");
    int err = build_link_up(lo_index, "lo", &msg);
    send_built(&b, err, msg, xasprintf("%s: setting it up", lo));
    if (spec->loopback.plen) {
        send_address(&b, lo, lo_index, spec->loopback);
    }
    for (size_t i = 0; i < spec->n_ifs; i++) {
        const struct if_spec *ifs = &spec->ifs[i];
        int ifindex = call->ifindex[i];
        if (!ifindex) {
            continue;
        }
        char *label = if_label(spec->netns, ifs->ifname);
        err = build_link_state(ifindex, !ifs->held, &msg);
        send_built(
            &b, err, msg,
            xasprintf("%s: setting it %s", label, ifs->held ? "down" : "up"));
        if (ifs->addr.plen) {
            send_address(&b, label, ifindex, ifs->addr);
        }
        send_qdiscs(&b, label, ifindex, ifs, link_mtu(call->links, ifindex));
        free(label);
    }
    if (spec->default_gw) {
        /* Last: the gateway is reachable once the addresses are there,
         * and the kernel handles requests in the order sent. */
        struct in_addr in = {htonl(spec->default_gw)};
        char gw[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &in, gw, sizeof gw);
        err = build_route(0, 0, spec->default_gw, 0, 0, &msg);
        send_built(&b, err, msg,
                   xasprintf("%s%sdefault route via %s",
                             call->ns ? call->ns : "", call->ns ? ": " : "",
                             gw));
    }
    for (size_t i = 0; i < spec->n_routes; i++) {
        const struct route_spec *r = &spec->routes[i];
        int ifindex =
            r->if_index < spec->n_ifs ? call->ifindex[r->if_index] : 0;
        char dst[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];
        struct in_addr in_dst = {htonl(r->dst)}, in_gw = {htonl(r->gateway)};
        inet_ntop(AF_INET, &in_dst, dst, sizeof dst);
        inet_ntop(AF_INET, &in_gw, gw, sizeof gw);
        err = ifindex ? build_route(r->dst, r->plen, r->gateway, ifindex,
                                    r->metric, &msg)
                      : -NLE_NODEV;
        send_built(&b, err, msg,
                   xasprintf("%s%sroute %s/%u via %s",
                             call->ns ? call->ns : "", call->ns ? ": " : "",
                             dst, r->plen, gw));
    }
    error = batch_finish(&b);

    for (size_t i = 0; i < spec->n_ifs; i++) {
        if (spec->ifs[i].tx_csum_off && call->ifindex[i]) {
            char *label = if_label(spec->netns, spec->ifs[i].ifname);
            int e = tx_csum_off(label, spec->ifs[i].ifname);
            error = error ? error : e;
            free(label);
        }
    }
    free(lo);
    return error;
}

/* What can be refused before anything changes: names, rates, and
 * qdiscs the kernel lacks. */
static int
check_node(const struct node_net_spec *spec)
{
    for (size_t i = 0; i < spec->n_ifs; i++) {
        const struct if_spec *ifs = &spec->ifs[i];
        if (!valid_ifname(ifs->ifname)) {
            log_error("%s: invalid interface name \"%s\" (1 to %d "
                      "characters)",
                      spec->netns ? spec->netns : "configure node",
                      ifs->ifname ? ifs->ifname : "", IFNAMSIZ - 1);
            return -EINVAL;
        }

        char *label = if_label(spec->netns, ifs->ifname);
        int error = 0;
        if (ifs->rate_bps &&
            (ifs->rate_bps < 8 || ifs->rate_bps / 8 > (uint64_t)INT32_MAX)) {
            log_error("%s: rate %llu bit/s: tbf takes 8 to %llu bit/s", label,
                      (unsigned long long)ifs->rate_bps, 8ULL * INT32_MAX);
            error = -ERANGE;
        } else if (ifs->rate_bps && !qdisc_presence("tbf")) {
            log_error("%s: a rate limit needs the tbf qdisc, which this "
                      "kernel lacks",
                      label);
            error = -EOPNOTSUPP;
        } else if (ifs->delay_us && !qdisc_presence("netem")) {
            log_error("%s: a delay needs the netem qdisc, which this kernel "
                      "lacks",
                      label);
            error = -EOPNOTSUPP;
        }
        free(label);
        if (error) {
            return error;
        }
    }
    return 0;
}

int
netlink_configure_node(const struct node_net_spec *spec)
{
    int error = check_node(spec);
    if (error) {
        return error;
    }

    struct node_call call = {
        .spec = spec,
        .ns = ns_label(spec->netns),
        .ifindex = xcalloc(spec->n_ifs + 1, sizeof *call.ifindex),
    };
    char *ctx = xasprintf("configuring %s", spec->netns ? spec->netns : "");
    error = netlink_in_netns(spec->netns, ctx, configure_here, &call);
    if (call.links) {
        nl_cache_free(call.links);
    }
    free(call.ifindex);
    free(ctx);
    return error;
}

struct raise_call {
    const char *netns;
    const char *const *names;
    size_t n;
};

static int
raise_here(void *call_)
{
    const struct raise_call *call = call_;
    const char *ns = ns_label(call->netns);
    char *ctx =
        xasprintf("%s: setting its links up", ns ? ns : "this namespace");
    struct batch b;

    int error = batch_open(&b, ctx);
    for (size_t i = 0; !error && i < call->n; i++) {
        char *label = if_label(call->netns, call->names[i]);
        struct nl_msg *msg = NULL;
        int err = build_link_up(0, call->names[i], &msg);
        send_built(&b, err, msg, xasprintf("%s: setting it up", label));
        free(label);
    }
    error = error ? error : batch_finish(&b);
    free(ctx);
    return error;
}

int
netlink_raise_links(const char *netns, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!valid_ifname(names[i])) {
            log_error("%s: invalid interface name \"%s\"",
                      netns ? netns : "raising links",
                      names[i] ? names[i] : "");
            return -EINVAL;
        }
    }
    if (!n) {
        return 0;
    }
    struct raise_call call = {netns, names, n};
    return netlink_in_netns(netns, "raising links", raise_here, &call);
}

/* ------------------------------------------------------------------------ */
/* Link control at run time                                                 */
/* ------------------------------------------------------------------------ */

struct control_call {
    const char *netns, *ifname;
    const struct link_control *c;
};

/* The root qdisc of `ifindex` deleted: the kernel's default comes back
 * (ENOENT when there is only the default: nothing to do). */
static void
send_root_qdisc_delete(struct batch *b, const char *label, int ifindex)
{
    struct rtnl_qdisc *q = rtnl_qdisc_alloc();
    struct nl_msg *msg = NULL;
    int err = -NLE_NOMEM;

    if (q) {
        rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
        rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
        err = rtnl_qdisc_build_delete_request(q, &msg);
        rtnl_qdisc_put(q);
    }
    char *what = xasprintf("%s: deleting its qdisc", label);
    if (err < 0 || !msg) {
        batch_build_failed(b, what, err < 0 ? err : -NLE_NOMEM);
    } else {
        batch_send(b, msg, what, ENOENT);
    }
}

static int
control_here(void *call_)
{
    struct control_call *call = call_;
    const struct link_control *c = call->c;
    char *label = if_label(call->netns, call->ifname);
    struct nl_cache *links = NULL;
    struct batch b;

    int error = batch_open(&b, label);
    if (!error) {
        int err = rtnl_link_alloc_cache(b.sk, AF_UNSPEC, &links);
        if (err < 0) {
            log_error("%s: listing interfaces: %s", label, nl_geterror(err));
            batch_fail(&b, netlink_errno(err));
        }
    }
    int ifindex = links ? rtnl_link_name2i(links, call->ifname) : 0;
    if (!error && links && !ifindex) {
        log_error("%s: no such interface", label);
        batch_fail(&b, -ENODEV);
    }
    if (!error && ifindex) {
        if (c->set_shape) {
            struct if_spec spec = {.ifname = call->ifname,
                                   .rate_bps = c->rate_bps,
                                   .delay_us = c->delay_us,
                                   .buffer_us = c->buffer_us};
            send_root_qdisc_delete(&b, label, ifindex);
            send_qdiscs(&b, label, ifindex, &spec, link_mtu(links, ifindex));
        }
        if (c->set_state) {
            struct nl_msg *msg = NULL;
            int err = build_link_state(ifindex, c->up, &msg);
            send_built(
                &b, err, msg,
                xasprintf("%s: setting it %s", label, c->up ? "up" : "down"));
        }
    }
    if (!error) {
        error = batch_finish(&b);
    }
    if (links) {
        nl_cache_free(links);
    }
    free(label);
    return error;
}

int
netlink_control_link(const char *netns, const char *ifname,
                     const struct link_control *c)
{
    if (c->set_shape) {
        const struct if_spec spec = {.ifname = ifname,
                                     .rate_bps = c->rate_bps,
                                     .delay_us = c->delay_us,
                                     .buffer_us = c->buffer_us};
        const struct node_net_spec node = {
            .netns = netns, .ifs = &spec, .n_ifs = 1};
        int error = check_node(&node);
        if (error) {
            return error;
        }
    } else if (!valid_ifname(ifname)) {
        log_error("%s: invalid interface name \"%s\"", netns ? netns : "link",
                  ifname ? ifname : "");
        return -EINVAL;
    }

    struct control_call call = {netns, ifname, c};
    char *ctx = xasprintf("changing %s", ifname);
    int error = netlink_in_netns(netns, ctx, control_here, &call);
    free(ctx);
    return error;
}

struct ipv6_off {
    const char *netns, *ifname;
};

static int
disable_ipv6_here(void *arg)
{
    const struct ipv6_off *o = arg;
    char path[96];

    if (access("/proc/sys/net/ipv6", F_OK) < 0 && errno == ENOENT) {
        return 0; /* no IPv6 in this kernel */
    }
    snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
             o->ifname);
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    int error = 0;
    if (fd < 0 || write(fd, "1\n", 2) != 2) {
        error = -errno;
    }
    if (fd >= 0 && close(fd) < 0 && !error) {
        error = -errno;
    }
    if (error) {
        char *what = if_label(o->netns, o->ifname);
        log_error("%s: cannot turn IPv6 off (%s): %s", what, path,
                  strerror(-error));
        free(what);
    }
    return error;
}

int
netlink_disable_ipv6(const char *netns, const char *ifname)
{
    /* A name the kernel would refuse (dev_valid_name) is refused before
     * it becomes a path. */
    if (!valid_ifname(ifname) || strchr(ifname, '/') ||
        strcmp(ifname, ".") == 0 || strcmp(ifname, "..") == 0) {
        log_error("%s: invalid interface name \"%s\"", netns ? netns : "link",
                  ifname ? ifname : "");
        return -EINVAL;
    }
    struct ipv6_off o = {netns, ifname};
    char *ctx = xasprintf("turning IPv6 off on %s", ifname);
    int error = netlink_in_netns(netns, ctx, disable_ipv6_here, &o);
    free(ctx);
    return error;
}

/* ------------------------------------------------------------------------ */
/* Deleting and listing                                                     */
/* ------------------------------------------------------------------------ */

/* Deleting links one request each makes the kernel wait for every
 * namespace's RCU grace period once per link (tens of milliseconds each
 * when namespaces are being torn down beside); deleting an interface
 * group unregisters all of its links at once.  So netlink_delete_links()
 * moves the links it is asked to delete into a group no link of the
 * namespace is in, checks that the group then holds those links only, and
 * deletes it.  If the group cannot be deleted whole (a link the kernel
 * cannot delete so, such as lo, or one not asked for in it), every link
 * goes back to its own group and each is deleted alone, as are names that
 * did not exist when the group was made.  The groups tried start at
 * GROUP_BASE ("mi" in the upper half) plus an offset of the process's own
 * (its pid modulo GROUP_TRIES), so that two processes doing this at once
 * most likely pick different ones (if not, each finds the other's links in
 * its group and deletes link by link); within a process one thread at a
 * time does it.  What stays possible: a link moved into the same group by
 * another program between the check and the deletion goes with it. */
#define GROUP_BASE 0x6d690000u
#define GROUP_TRIES 4096u
#define GROUP_MIN_LINKS 4

static pthread_mutex_t group_lock = PTHREAD_MUTEX_INITIALIZER;

static bool
named(const char *name, const char *const *names, size_t n)
{
    for (size_t i = 0; name && i < n; i++) {
        if (!strcmp(name, names[i])) {
            return true;
        }
    }
    return false;
}

/* A group from GROUP_BASE on that no link of `links` is in, or 0. */
static uint32_t
unused_group(struct nl_cache *links)
{
    uint32_t start = (uint32_t)getpid() % GROUP_TRIES;
    for (uint32_t k = 0; k < GROUP_TRIES; k++) {
        uint32_t g = GROUP_BASE + (start + k) % GROUP_TRIES;
        bool used = false;
        for (struct nl_object *o = nl_cache_get_first(links); o && !used;
             o = nl_cache_get_next(o)) {
            used = rtnl_link_get_group((struct rtnl_link *)o) == g;
        }
        if (!used) {
            return g;
        }
    }
    return 0;
}

/* How many links group `g` holds, all named in `names`; 0 when it holds
 * one that is not. */
static size_t
group_members(struct nl_cache *links, uint32_t g, const char *const *names,
              size_t n)
{
    size_t members = 0;
    for (struct nl_object *o = nl_cache_get_first(links); o;
         o = nl_cache_get_next(o)) {
        struct rtnl_link *link = (struct rtnl_link *)o;
        if (rtnl_link_get_group(link) != g) {
            continue;
        }
        if (!named(rtnl_link_get_name(link), names, n)) {
            return 0;
        }
        members++;
    }
    return members;
}

/* Every link of the caller's namespace. */
static int
list_links(const char *ctx, struct nl_cache **links)
{
    struct nl_sock *sk = nl_socket_alloc();
    int err = sk ? nl_connect(sk, NETLINK_ROUTE) : -NLE_NOMEM;

    *links = NULL;
    if (err >= 0) {
        err = rtnl_link_alloc_cache(sk, AF_UNSPEC, links);
    }
    nl_socket_free(sk);
    if (err < 0) {
        log_error("%s: listing interfaces: %s", ctx, nl_geterror(err));
        *links = NULL;
        return netlink_errno(err);
    }
    return 0;
}

/* A link moved into the group, and the group it was in. */
struct moved {
    int ifindex;
    uint32_t group;
};

/* Moves each link of `moved` into group `g`, or back into its own when
 * `g` is NULL, on a socket of its own; failures unlogged (a link that
 * cannot join is deleted alone).  Returns false if the batch broke. */
static bool
move_links(const char *ctx, const struct moved *moved, size_t n,
           const uint32_t *g)
{
    struct batch b;
    if (batch_open(&b, ctx)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        struct rtnl_link *link = rtnl_link_alloc();
        struct nl_msg *msg = NULL;
        if (!link) {
            continue;
        }
        rtnl_link_set_ifindex(link, moved[i].ifindex);
        rtnl_link_set_group(link, g ? *g : moved[i].group);
        int err = rtnl_link_build_add_request(link, 0, &msg);
        rtnl_link_put(link);
        if (err >= 0 && msg) {
            batch_send_status(&b, msg, NULL, 0, NULL);
        }
    }
    batch_collect(&b);
    bool broken = b.broken;
    batch_finish(&b);
    return !broken;
}

/* Deletes every link of group `g` in one request: 0 or -errno. */
static int
delete_group(const char *ctx, uint32_t g)
{
    struct batch b;
    int error = batch_open(&b, ctx);
    if (error) {
        return error;
    }
    struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
    struct nl_msg *msg = nlmsg_alloc_simple(RTM_DELLINK, 0);
    int status = -EIO;
    if (!msg || nlmsg_append(msg, &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0 ||
        nla_put_u32(msg, IFLA_GROUP, g) < 0) {
        nlmsg_free(msg);
        status = -ENOMEM;
    } else {
        batch_send_status(&b, msg, NULL, 0, &status);
    }
    batch_finish(&b);
    return status;
}

/* Deletes the named links that exist in one group (see above), and puts
 * them back into their own groups if that fails.  done[i] tells whether
 * names[i] went so.  Returns 0 or -errno. */
static int
delete_as_group(const char *ctx, const char *const *names, size_t n,
                bool *done)
{
    struct nl_cache *links;
    int error = list_links(ctx, &links);
    if (error) {
        return error;
    }
    uint32_t g = unused_group(links);
    struct moved *moved = xcalloc(n, sizeof *moved);
    size_t n_moved = 0;
    for (size_t i = 0; g && i < n; i++) {
        struct rtnl_link *link = rtnl_link_get_by_name(links, names[i]);
        if (link) {
            moved[n_moved++] = (struct moved){rtnl_link_get_ifindex(link),
                                              rtnl_link_get_group(link)};
            rtnl_link_put(link);
        }
    }
    nl_cache_free(links);
    if (!n_moved) {
        free(moved);
        return -ENOENT;
    }

    int status = move_links(ctx, moved, n_moved, &g) ? 0 : -EIO;
    size_t members = 0;
    if (!status) {
        status = list_links(ctx, &links);
    }
    if (!status) {
        members = group_members(links, g, names, n);
        for (size_t i = 0; i < n; i++) {
            struct rtnl_link *link = rtnl_link_get_by_name(links, names[i]);
            done[i] = link && rtnl_link_get_group(link) == g;
            if (link) {
                rtnl_link_put(link);
            }
        }
        nl_cache_free(links);
        status = members ? delete_group(ctx, g) : -EEXIST;
        if (!members) {
            log_warn("%s: interface group %" PRIu32 " holds a link not asked "
                     "for; deleting each link alone",
                     ctx, g);
        }
    }
    if (status < 0) {
        if (!move_links(ctx, moved, n_moved, NULL)) {
            log_warn("%s: the links could not all be put back into their "
                     "interface groups (from group %" PRIu32 ")",
                     ctx, g);
        }
        memset(done, 0, n * sizeof *done);
    } else {
        log_debug("%s: %zu links deleted together (interface group "
                  "%" PRIu32 ")",
                  ctx, members, g);
    }
    free(moved);
    return status;
}

int
netlink_delete_links(const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!valid_ifname(names[i])) {
            log_error("deleting links: invalid interface name \"%s\" (1 to "
                      "%d characters)",
                      names[i] ? names[i] : "", IFNAMSIZ - 1);
            return -EINVAL;
        }
    }
    if (!n) {
        return 0;
    }

    bool *done = xcalloc(n, sizeof *done);
    if (n >= GROUP_MIN_LINKS) {
        pthread_mutex_lock(&group_lock);
        delete_as_group("deleting links", names, n, done);
        pthread_mutex_unlock(&group_lock);
    }
    struct batch b;
    int error = batch_open(&b, "deleting links");
    for (size_t i = 0; !error && i < n; i++) {
        if (done[i]) {
            continue;
        }
        struct rtnl_link *link = rtnl_link_alloc();
        struct nl_msg *msg = NULL;
        int err = -NLE_NOMEM;
        if (link) {
            rtnl_link_set_name(link, names[i]);
            err = rtnl_link_build_delete_request(link, &msg);
            rtnl_link_put(link);
        }
        char *what = xasprintf("deleting %s", names[i]);
        if (err < 0 || !msg) {
            batch_build_failed(&b, what, err < 0 ? err : -NLE_NOMEM);
        } else {
            batch_send(&b, msg, what, ENODEV);
        }
    }
    free(done);
    return error ? error : batch_finish(&b);
}

struct list_call {
    const char *ctx;
    struct if_status *out;
    size_t n;
};

static void
add_addresses(struct if_status *st, size_t n, struct nl_cache *addrs)
{
    for (struct nl_object *o = nl_cache_get_first(addrs); o;
         o = nl_cache_get_next(o)) {
        struct rtnl_addr *addr = (struct rtnl_addr *)o;
        struct nl_addr *local = rtnl_addr_get_local(addr);
        if (rtnl_addr_get_family(addr) != AF_INET || !local ||
            nl_addr_get_len(local) != 4) {
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            if (st[i].ifindex == rtnl_addr_get_ifindex(addr) &&
                st[i].n_addr < ARRAY_SIZE(st[i].addr)) {
                uint32_t be;
                memcpy(&be, nl_addr_get_binary_addr(local), sizeof be);
                st[i].addr[st[i].n_addr++] = (struct mi_addr){
                    ntohl(be), (uint8_t)rtnl_addr_get_prefixlen(addr)};
            }
        }
    }
}

static int
by_ifindex(const void *a_, const void *b_)
{
    const struct if_status *a = a_, *b = b_;
    return (a->ifindex > b->ifindex) - (a->ifindex < b->ifindex);
}

static int
list_here(void *call_)
{
    struct list_call *call = call_;
    struct nl_cache *links = NULL, *addrs = NULL;
    struct nl_sock *sk = nl_socket_alloc();

    int err = sk ? nl_connect(sk, NETLINK_ROUTE) : -NLE_NOMEM;
    if (err >= 0) {
        err = rtnl_link_alloc_cache(sk, AF_UNSPEC, &links);
    }
    if (err >= 0) {
        err = rtnl_addr_alloc_cache(sk, &addrs);
    }
    if (err < 0) {
        log_error("%s: %s", call->ctx, nl_geterror(err));
    } else {
        size_t n = 0;
        call->out =
            xcalloc((size_t)nl_cache_nitems(links) + 1, sizeof *call->out);
        for (struct nl_object *o = nl_cache_get_first(links); o;
             o = nl_cache_get_next(o)) {
            struct rtnl_link *link = (struct rtnl_link *)o;
            struct if_status *st = &call->out[n++];
            const char *name = rtnl_link_get_name(link);
            snprintf(st->name, sizeof st->name, "%s", name ? name : "");
            st->ifindex = rtnl_link_get_ifindex(link);
            st->up = (rtnl_link_get_flags(link) & IFF_UP) != 0;
            st->mtu = rtnl_link_get_mtu(link);
        }
        add_addresses(call->out, n, addrs);
        qsort(call->out, n, sizeof *call->out, by_ifindex);
        call->n = n;
    }
    if (addrs) {
        nl_cache_free(addrs);
    }
    if (links) {
        nl_cache_free(links);
    }
    nl_socket_free(sk);
    return err < 0 ? netlink_errno(err) : 0;
}

int
netlink_links_exist(const char *const *names, size_t n, bool *exists)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    if (fd < 0) {
        int error = errno;
        log_error("asking which interfaces exist: socket: %s",
                  strerror(error));
        return -error;
    }
    for (size_t i = 0; i < n; i++) {
        struct ifreq ifr = {0};
        size_t len = strlen(names[i]);
        exists[i] = false; /* a name too long for any interface */
        if (len < sizeof ifr.ifr_name) {
            memcpy(ifr.ifr_name, names[i], len + 1);
            /* Anything but "no such device" counts as there. */
            exists[i] = ioctl(fd, SIOCGIFINDEX, &ifr) == 0 || errno != ENODEV;
        }
    }
    close(fd);
    return 0;
}

int
netlink_list_interfaces(const char *netns, struct if_status **out, size_t *n)
{
    char *ctx = xasprintf("listing interfaces%s%s", netns ? " of " : "",
                          netns ? netns : "");
    struct list_call call = {ctx, NULL, 0};

    int error = netlink_in_netns(netns, ctx, list_here, &call);
    free(ctx);
    if (error || !call.n) {
        free(call.out);
        call.out = NULL;
        call.n = 0;
    }
    *out = call.out;
    *n = call.n;
    return error;
}

/* ------------------------------------------------------------------------ */
/* Dumping a node's addresses and routes                                     */

struct dump_call {
    const char *ctx;
    const char *skip_if; /* its addresses and routes left out (or NULL) */
    char **lines;
    size_t n, cap;
    bool too_many;
};

static void
dump_push(struct dump_call *d, char *line)
{
    if (d->n >= NETLINK_DUMP_MAX_LINES) {
        d->too_many = true;
        free(line);
        return;
    }
    d->lines = xgrow(d->lines, &d->cap, d->n + 1, sizeof *d->lines);
    d->lines[d->n++] = line;
}

/* "ADDRESS/PREFIXLEN" of a binary address; false unless IPv4 or IPv6. */
static bool
format_prefix(const struct nl_addr *a, char *buf, size_t len)
{
    char text[INET6_ADDRSTRLEN];
    int family = nl_addr_get_family(a);
    unsigned size = nl_addr_get_len(a);
    unsigned char zero[16] = {0};
    const void *bin = size ? nl_addr_get_binary_addr(a) : zero;

    if ((family != AF_INET && family != AF_INET6) ||
        (size && size != (family == AF_INET ? 4u : 16u)) ||
        !inet_ntop(family, bin, text, sizeof text)) {
        return false;
    }
    snprintf(buf, len, "%s/%u", text, nl_addr_get_prefixlen(a));
    return true;
}

static bool
format_address(const struct nl_addr *a, char *buf, size_t len)
{
    int family = nl_addr_get_family(a);
    unsigned size = nl_addr_get_len(a);

    return (family == AF_INET || family == AF_INET6) &&
           size == (family == AF_INET ? 4u : 16u) &&
           inet_ntop(family, nl_addr_get_binary_addr(a), buf, (socklen_t)len);
}

static const char *
dump_ifname(struct nl_cache *links, int ifindex, char *buf)
{
    if (!rtnl_link_i2name(links, ifindex, buf, IFNAMSIZ)) {
        snprintf(buf, IFNAMSIZ, "if%d", ifindex);
    }
    return buf;
}

static void
dump_addresses(struct dump_call *d, struct nl_cache *links,
               struct nl_cache *addrs)
{
    for (struct nl_object *o = nl_cache_get_first(addrs); o;
         o = nl_cache_get_next(o)) {
        struct rtnl_addr *addr = (struct rtnl_addr *)o;
        struct nl_addr *local = rtnl_addr_get_local(addr);
        char prefix[64], ifname[IFNAMSIZ];
        int scope = rtnl_addr_get_scope(addr);
        if (!local || scope == RT_SCOPE_HOST || scope == RT_SCOPE_LINK) {
            continue; /* loopback's own, link-local: the kernel's */
        }
        dump_ifname(links, rtnl_addr_get_ifindex(addr), ifname);
        if (d->skip_if && !strcmp(ifname, d->skip_if)) {
            continue;
        }
        struct nl_addr *copy = nl_addr_clone(local);
        if (!copy) {
            continue;
        }
        nl_addr_set_prefixlen(copy, rtnl_addr_get_prefixlen(addr));
        if (format_prefix(copy, prefix, sizeof prefix)) {
            dump_push(d, xasprintf("addr %s %s", ifname, prefix));
        }
        nl_addr_put(copy);
    }
}

static void
dump_routes(struct dump_call *d, struct nl_cache *links,
            struct nl_cache *routes)
{
    for (struct nl_object *o = nl_cache_get_first(routes); o;
         o = nl_cache_get_next(o)) {
        struct rtnl_route *r = (struct rtnl_route *)o;
        struct nl_addr *dst = rtnl_route_get_dst(r);
        char prefix[64], gw[INET6_ADDRSTRLEN] = "", ifname[IFNAMSIZ];
        if (rtnl_route_get_table(r) != RT_TABLE_MAIN ||
            rtnl_route_get_protocol(r) == RTPROT_KERNEL ||
            rtnl_route_get_type(r) != RTN_UNICAST || !dst ||
            !format_prefix(dst, prefix, sizeof prefix) ||
            rtnl_route_get_nnexthops(r) != 1) {
            continue;
        }
        struct rtnl_nexthop *nh = rtnl_route_nexthop_n(r, 0);
        struct nl_addr *via = rtnl_route_nh_get_gateway(nh);
        if (via && !format_address(via, gw, sizeof gw)) {
            continue;
        }
        dump_ifname(links, rtnl_route_nh_get_ifindex(nh), ifname);
        if (d->skip_if && !strcmp(ifname, d->skip_if)) {
            continue;
        }
        dump_push(d,
                  *gw ? xasprintf("route %s via %s dev %s", prefix, gw, ifname)
                      : xasprintf("route %s dev %s", prefix, ifname));
    }
}

static int
compare_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
dump_here(void *call_)
{
    struct dump_call *d = call_;
    struct nl_cache *links = NULL, *addrs = NULL, *routes = NULL;
    struct nl_sock *sk = nl_socket_alloc();

    int err = sk ? nl_connect(sk, NETLINK_ROUTE) : -NLE_NOMEM;
    if (err >= 0) {
        err = rtnl_link_alloc_cache(sk, AF_UNSPEC, &links);
    }
    if (err >= 0) {
        err = rtnl_addr_alloc_cache(sk, &addrs);
    }
    if (err >= 0) {
        err = rtnl_route_alloc_cache(sk, AF_UNSPEC, 0, &routes);
    }
    if (err < 0) {
        log_error("%s: %s", d->ctx, nl_geterror(err));
    } else {
        dump_addresses(d, links, addrs);
        dump_routes(d, links, routes);
    }
    if (routes) {
        nl_cache_free(routes);
    }
    if (addrs) {
        nl_cache_free(addrs);
    }
    if (links) {
        nl_cache_free(links);
    }
    nl_socket_free(sk);
    return err < 0 ? netlink_errno(err) : 0;
}

int
netlink_dump_node(const char *netns, const char *skip_if, char **text)
{
    char *ctx = xasprintf("reading addresses and routes of %s",
                          netns ? netns : "this namespace");
    struct dump_call d = {.ctx = ctx, .skip_if = skip_if};
    int error = netlink_in_netns(netns, ctx, dump_here, &d);

    if (!error && d.too_many) {
        log_error("%s: more than %d addresses and routes", ctx,
                  NETLINK_DUMP_MAX_LINES);
        error = -E2BIG;
    }
    size_t len = 0;
    if (d.n) {
        qsort(d.lines, d.n, sizeof *d.lines, compare_lines);
    }
    for (size_t i = 0; i < d.n; i++) {
        len += strlen(d.lines[i]) + 1;
    }
    char *out = xmalloc(len + 1), *p = out;
    for (size_t i = 0; i < d.n; i++) {
        p = stpcpy(p, d.lines[i]);
        *p++ = '\n';
        free(d.lines[i]);
    }
    *p = '\0';
    free(d.lines);
    free(ctx);
    if (error) {
        free(out);
        out = NULL;
    }
    *text = out;
    return error;
}

/* ------------------------------------------------------------------------ */
/* Listening sockets                                                        */
/* ------------------------------------------------------------------------ */

struct listeners {
    uint16_t *ports;
    size_t n, cap;
    bool first; /* one port asked: its first socket says enough */
};

/* The replies to one dump request, until NLMSG_DONE.  0, 1 (the dump is
 * over) or -errno. */
static int
listening_replies(const char *buf, size_t len, uint32_t seq,
                  struct listeners *l)
{
    for (const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
         NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
        if (h->nlmsg_seq != seq) {
            continue;
        }
        if (h->nlmsg_type == NLMSG_DONE) {
            return 1;
        }
        if (h->nlmsg_type == NLMSG_ERROR) {
            const struct nlmsgerr *e = NLMSG_DATA(h);
            return h->nlmsg_len < NLMSG_LENGTH(sizeof *e) ? -EPROTO
                   : e->error                             ? e->error
                                                          : -EPROTO;
        }
        if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
            h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg))) {
            return -EPROTO;
        }
        if (l->n >= NETLINK_MAX_LISTENERS) {
            return -E2BIG;
        }
        const struct inet_diag_msg *m = NLMSG_DATA(h);
        l->ports = xgrow(l->ports, &l->cap, l->n + 1, sizeof *l->ports);
        l->ports[l->n++] = ntohs(m->id.idiag_sport);
        if (l->first) {
            return 1; /* the rest of the dump dies with the socket */
        }
    }
    return 0;
}

#define LISTEN_BUF 32768

/* One family's listening TCP sockets into *l (buf: LISTEN_BUF bytes); with
 * `port` >= 0 only those on that local port, chosen by the kernel: the
 * request carries an inet_diag bytecode filter (INET_DIAG_REQ_BYTECODE, as
 * ss(8) builds for "sport = :P"), so that a node's other listeners, however
 * many, are never sent, nor counted against NETLINK_MAX_LISTENERS.  The
 * program is "sport >= P, then sport <= P": each op's `yes` goes on to the
 * next op, its `no` jumps 4 bytes past the end (reject); a socket matches
 * when the program ends exactly at its end.  The op after a comparison holds
 * the port (host order) in `no`.  S_GE and S_LE, not S_EQ: any kernel with
 * sock_diag has them. */
static int
dump_listening(int fd, uint8_t family, uint32_t seq, int port, char *buf,
               struct listeners *l)
{
    struct {
        struct nlmsghdr nlh;
        struct inet_diag_req_v2 req;
        struct nlattr attr;
        struct inet_diag_bc_op bc[4];
    } msg = {
        .nlh = {.nlmsg_len = offsetof(__typeof__(msg), attr),
                .nlmsg_type = SOCK_DIAG_BY_FAMILY,
                .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
                .nlmsg_seq = seq},
        .req = {.sdiag_family = family,
                .sdiag_protocol = IPPROTO_TCP,
                .idiag_states = 1U << TCP_LISTEN},
    };
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    _Static_assert(sizeof msg.bc == 16 &&
                       offsetof(__typeof__(msg), bc) ==
                           offsetof(__typeof__(msg), attr) + NLA_HDRLEN &&
                       sizeof msg == offsetof(__typeof__(msg), bc) + 16,
                   "the bytecode follows its attribute header, unpadded");

    if (port >= 0) {
        const uint16_t p = (uint16_t)port;
        msg.attr.nla_type = INET_DIAG_REQ_BYTECODE;
        msg.attr.nla_len = NLA_HDRLEN + sizeof msg.bc;
        msg.bc[0] = (struct inet_diag_bc_op){INET_DIAG_BC_S_GE, 8, 16 + 4};
        msg.bc[1] = (struct inet_diag_bc_op){0, 0, p};
        msg.bc[2] = (struct inet_diag_bc_op){INET_DIAG_BC_S_LE, 8, 8 + 4};
        msg.bc[3] = (struct inet_diag_bc_op){0, 0, p};
        msg.nlh.nlmsg_len = sizeof msg;
    }
    if (sendto(fd, &msg, msg.nlh.nlmsg_len, 0, (struct sockaddr *)&kernel,
               sizeof kernel) < 0) {
        return -errno;
    }
    /* Each reply holds at least one socket: a bounded number of them. */
    for (size_t rounds = 0; rounds <= NETLINK_MAX_LISTENERS; rounds++) {
        ssize_t got = recv(fd, buf, LISTEN_BUF, 0);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            return got < 0 ? -errno : -EPROTO;
        }
        int r = listening_replies(buf, (size_t)got, seq, l);
        if (r != 0) {
            return r < 0 ? r : 0;
        }
    }
    return -E2BIG;
}

static int
compare_ports(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

int
netlink_tcp_listening(int port, uint16_t **ports, size_t *n)
{
    struct listeners l = {.first = port >= 0};
    char *buf = xmalloc(LISTEN_BUF);
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    int error = fd < 0 ? -errno : 0;

    if (!error) {
        error = dump_listening(fd, AF_INET, 1, port, buf, &l);
    }
    if (!error && !(l.first && l.n)) {
        error = dump_listening(fd, AF_INET6, 2, port, buf, &l);
        error = error == -ENOENT ? 0 : error; /* a kernel without IPv6 */
    }
    free(buf);
    if (fd >= 0) {
        close(fd);
    }
    if (error) {
        log_error("cannot list the listening TCP sockets (sock_diag): %s",
                  strerror(-error));
        free(l.ports);
        *ports = NULL;
        *n = 0;
        return error;
    }
    size_t k = 0;
    if (l.n) {
        qsort(l.ports, l.n, sizeof *l.ports, compare_ports);
    }
    for (size_t i = 0; i < l.n; i++) {
        if (!k || l.ports[k - 1] != l.ports[i]) {
            l.ports[k++] = l.ports[i];
        }
    }
    *ports = l.ports;
    *n = k;
    return 0;
}

struct listens_call {
    uint16_t port;
};

static int
listens_here(void *call_)
{
    const struct listens_call *c = call_;
    uint16_t *ports = NULL;
    size_t n = 0;
    /* Only the sockets on that port are sent (the kernel's filter). */
    int error = netlink_tcp_listening(c->port, &ports, &n);
    bool found = false;

    for (size_t i = 0; !error && i < n && !found; i++) {
        found = ports[i] == c->port;
    }
    free(ports);
    return error ? error : found;
}

int
netlink_tcp_listens(const char *netns, uint16_t port)
{
    struct listens_call c = {port};

    return netlink_in_netns(netns, "listing the listening TCP sockets",
                            listens_here, &c);
}
