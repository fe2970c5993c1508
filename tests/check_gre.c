/* The gre tunnel plugin without root and without Open vSwitch: its names,
 * the exact OpenFlow rules and ovs-vsctl transaction it derives from a
 * small hand-made two-server plan (a router-router link and an IXP link,
 * seen from both servers, TOS and key isolation), its settings and plan
 * checks, and build/destroy/check_server against a fake host whose `run`
 * records the command lines and answers as Open vSwitch would (the record
 * written ahead, -EEXIST changing nothing, destroy from the record alone).
 *
 * The plugin's source is compiled into the test, so that its pure
 * functions can be called directly. */
#include "config.h"

#include "../plugins/common/cmd.c" /* NOLINT(bugprone-suspicious-include) */
#include "../plugins/common/ovsleftover.c" /* NOLINT(bugprone-suspicious-include) */
#include "../plugins/common/ovstunnel.c" /* NOLINT(bugprone-suspicious-include) */
#include "../plugins/gre/gre.c" /* NOLINT(bugprone-suspicious-include) */

#include <check.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "host.h"
#include "log.h"
#include "testutil.h"
#include "util.h"

/* ------------------------------------------------------------------------ */
/* The plan                                                                 */
/* ------------------------------------------------------------------------ */

#define IP4(a, b, c, d)                                                       \
    (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) |   \
     (uint32_t)(d))

/* Servers s1 (index 0, 198.18.0.1) and s2 (index 1, 198.18.0.2).
 *   link 0: router 1_A (s1, 1.0.0.1/24) - router 2_B (s2, 1.0.0.2/24),
 *           external, tunnel id 1
 *   link 1: router 1_A - its host (s1), local: no tunnel
 *   link 2: router 2_B (s2, 80.0.0.2/24) - the IXP LAN 80_IXP (s1),
 *           tunnel id 2: on s1 the veth runs from the bridge port mi2b to
 *           mi2a, which the tunnel attaches
 *   link 3: the route server 80_RS (s1) on 80_IXP, local */
struct tplan {
    struct mi_server servers[2];
    struct mi_node nodes[4];
    struct mi_link links[4];
    struct mi_bridge bridges[1];
    struct mi_plan plan;
};

static struct tplan *
tp_new(void)
{
    struct tplan *tp = xcalloc(1, sizeof *tp);

    tp->servers[0] = (struct mi_server){
        .name = "s1", .address = "198.18.0.1", .underlay_mtu = 1500};
    tp->servers[1] = (struct mi_server){
        .name = "s2", .address = "198.18.0.2", .underlay_mtu = 1500};
    tp->nodes[0] = (struct mi_node){
        .name = "1_Arouter", .kind = MI_NODE_ROUTER, .asn = 1, .server = 0};
    tp->nodes[1] = (struct mi_node){
        .name = "1_Ahost", .kind = MI_NODE_HOST, .asn = 1, .server = 0};
    tp->nodes[2] = (struct mi_node){
        .name = "2_Brouter", .kind = MI_NODE_ROUTER, .asn = 2, .server = 1};
    tp->nodes[3] = (struct mi_node){
        .name = "80_RS", .kind = MI_NODE_ROUTESERVER, .asn = 80, .server = 0};
    tp->bridges[0] = (struct mi_bridge){
        .name = "80_IXP", .kind = MI_BRIDGE_IXP, .asn = 80, .server = 0};

    tp->links[0] = (struct mi_link){.kind = MI_LINK_EXTERNAL,
                                    .end = {{.node = 0,
                                             .bridge = -1,
                                             .ifname = "ext_2_B",
                                             .addr = {IP4(1, 0, 0, 1), 24}},
                                            {.node = 2,
                                             .bridge = -1,
                                             .ifname = "ext_1_A",
                                             .addr = {IP4(1, 0, 0, 2), 24}}},
                                    .rel = MI_REL_PEER,
                                    .mtu = 1462,
                                    .server = {0, 1},
                                    .remote = true,
                                    .tunnel_id = 1,
                                    .peer = {"mi0a", "mi0b"},
                                    .tunnel_port = {"mi0a", "mi0b"}};
    tp->links[1] = (struct mi_link){.kind = MI_LINK_HOST,
                                    .end = {{.node = 0,
                                             .bridge = -1,
                                             .ifname = "host",
                                             .addr = {IP4(1, 101, 0, 1), 24}},
                                            {.node = 1,
                                             .bridge = -1,
                                             .ifname = "A",
                                             .addr = {IP4(1, 101, 0, 2), 24}}},
                                    .mtu = 1500,
                                    .server = {0, 0}};
    tp->links[2] =
        (struct mi_link){.kind = MI_LINK_IXP,
                         .end = {{.node = 2,
                                  .bridge = -1,
                                  .ifname = "ixp_80",
                                  .addr = {IP4(80, 0, 0, 2), 24}},
                                 {.node = -1, .bridge = 0, .ifname = "mi2b"}},
                         .rel = MI_REL_PEER,
                         .mtu = 1462,
                         .server = {1, 0},
                         .remote = true,
                         .tunnel_id = 2,
                         .peer = {"mi2a", "mi2b"},
                         /* The IXP's side attaches the name the other
                          * side uses (plan.c). */
                         .tunnel_port = {"mi2a", "mi2a"}};
    tp->links[3] =
        (struct mi_link){.kind = MI_LINK_IXP,
                         .end = {{.node = 3,
                                  .bridge = -1,
                                  .ifname = "ixp_80",
                                  .addr = {IP4(80, 0, 0, 80), 24}},
                                 {.node = -1, .bridge = 0, .ifname = "mi3b"}},
                         .mtu = 1462,
                         .server = {0, 0},
                         .peer = {NULL, "mi3b"}};

    tp->plan = (struct mi_plan){.size = sizeof tp->plan,
                                .name = "gretest",
                                .servers = tp->servers,
                                .n_servers = 2,
                                .nodes = tp->nodes,
                                .n_nodes = 4,
                                .links = tp->links,
                                .n_links = 4,
                                .bridges = tp->bridges,
                                .n_bridges = 1};
    return tp;
}

/* ------------------------------------------------------------------------ */
/* The plugin's state                                                       */
/* ------------------------------------------------------------------------ */

/* Configures with the settings section plugins.gre of `text` (NULL: no
 * section) and `host`; *state is NULL on failure. */
static int
configure_with(const struct mi_host *host, const char *text, void **state)
{
    return testutil_configure(&gre_ops.common, host, text, "plugins.gre",
                              state);
}

static struct ovt *
gre_new(const struct mi_host *host, enum ovt_isolation iso,
        enum ovt_datapath dp)
{
    void *state;

    ck_assert_int_eq(configure_with(host, NULL, &state), 0);
    struct ovt *gre = state;
    gre->isolation = iso;
    gre->datapath = dp;
    return gre;
}

/* ------------------------------------------------------------------------ */
/* A fake host: `run` records each command line and answers like Open      */
/* vSwitch                                                                  */
/* ------------------------------------------------------------------------ */

static struct mi_host fake_host;
static char *fake_log;             /* one command line a line */
static const char *fake_ports;     /* output of `list Port` */
static const char *fake_ifaces;    /* output of `list Interface` */
static const char *fake_route_dev; /* `ovs/route/lookup` says "dev X" */
static const char *fake_bridges;   /* what br-exists knows, a line each */
static char *fake_flows;           /* the last flow file loaded */
static const char *fake_port_br;   /* what port-to-br answers */
static const char *fake_ofport;    /* `get Interface X ofport` answers */
static char sockdir[64];
static char sockpath[100]; /* fits sun_path */
static char tundir[64];
static char bindir[64];  /* the fake Open vSwitch programs */
static char *saved_path; /* PATH before the fake programs replaced it */

static void
fake_append(char **s, const char *text)
{
    size_t n = *s ? strlen(*s) : 0;

    *s = xrealloc(*s, n + strlen(text) + 1);
    strcpy(*s + n, text);
}

static char *
slurp(const char *path)
{
    size_t len;
    return util_read_file(path, &len);
}

static int
fake_run(const char *const *argv, char **out)
{
    const char *prog =
        strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    char *line = xstrdup(prog);
    const char *answer = "";
    int status = 0;

    for (size_t i = 1; argv[i]; i++) {
        char *next = xasprintf("%s %s", line, argv[i]);
        free(line);
        line = next;
    }
    fake_append(&fake_log, line);
    fake_append(&fake_log, "\n");

    if (strstr(line, " list Port")) {
        answer = fake_ports;
    } else if (strstr(line, " list Interface")) {
        answer = fake_ifaces;
    } else if (strstr(line, " ovs/route/lookup ")) {
        static char buf[64];
        snprintf(buf, sizeof buf, "src 198.18.0.1\ngateway ::\ndev %s\n",
                 fake_route_dev);
        answer = buf;
    } else if (strstr(line, " br-exists ")) {
        status = cmd_in_lines(fake_bridges, strrchr(line, ' ') + 1) ? 0 : 2;
    } else if (strstr(line, " port-to-br ")) {
        answer = fake_port_br;
    } else if (strstr(line, " get Interface ") &&
               strstr(line, " ofport_request")) {
        answer = "2\n";
    } else if (strstr(line, " get Interface ") && strstr(line, " ofport")) {
        answer = fake_ofport;
    } else if (strstr(line, " datapath_types")) {
        answer = "[netdev, system]\n";
    } else if (!strcmp(prog, "ovs-ofctl")) {
        size_t n = 0;
        while (argv[n]) {
            n++;
        }
        free(fake_flows);
        fake_flows = slurp(argv[n - 1]);
    }
    free(line);
    if (out) {
        *out = xstrdup(answer ? answer : "");
    }
    return status;
}

/* The plugin looks its programs up in PATH (cmd_find_program) before it
 * runs them through the host: stand-ins that are never run (the fake host's
 * `run` answers instead), so that the tests need no Open vSwitch
 * installed and find none that is. */
static void
fake_programs(void)
{
    static const char *const programs[] = {"ovs-vsctl", "ovs-ofctl",
                                           "ovs-appctl"};

    strcpy(bindir, "/tmp/miniinet-gre-XXXXXX");
    if (!mkdtemp(bindir)) {
        perror("mkdtemp");
        abort();
    }
    for (size_t i = 0; i < ARRAY_SIZE(programs); i++) {
        char *path = xasprintf("%s/%s", bindir, programs[i]);
        FILE *f = fopen(path, "w");
        if (!f || fputs("#!/bin/sh\nexit 99\n", f) < 0 || fclose(f) ||
            chmod(path, 0755)) {
            perror(path);
            abort();
        }
        free(path);
    }
    const char *path = getenv("PATH");
    saved_path = path ? xstrdup(path) : NULL;
    setenv("PATH", bindir, 1);
}

/* Checked: a listening socket standing for Open vSwitch's database, a
 * tunnel directory, the fake programs, the fake host. */
static void
setup_fake(void)
{
    strcpy(sockdir, "/tmp/miniinet-gre-XXXXXX");
    strcpy(tundir, "/tmp/miniinet-gre-XXXXXX");
    if (!mkdtemp(sockdir) || !mkdtemp(tundir)) {
        perror("mkdtemp");
        abort();
    }
    snprintf(sockpath, sizeof sockpath, "%s/db.sock", sockdir);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", sockpath);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
        perror("bind");
        abort();
    }
    close(fd);

    fake_host = *host_services();
    fake_host.run = fake_run;
    fake_log = NULL;
    fake_flows = NULL;
    fake_ports = "eth0\nbr-phy\n80_IXP\nmi2b\n";
    fake_ifaces = NULL;
    fake_route_dev = "br-phy";
    fake_bridges = "br-phy\n80_IXP\n";
    fake_port_br = "mi-gre1\n";
    fake_ofport = "2\n";
    fake_programs();
}

static void
remove_dir(const char *dir)
{
    DIR *d = opendir(dir);

    for (struct dirent *de; d && (de = readdir(d)) != NULL;) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            char *path = xasprintf("%s/%s", dir, de->d_name);
            unlink(path);
            free(path);
        }
    }
    if (d) {
        closedir(d);
    }
    rmdir(dir);
}

static void
teardown_fake(void)
{
    remove_dir(sockdir);
    remove_dir(tundir);
    remove_dir(bindir);
    if (saved_path) {
        setenv("PATH", saved_path, 1);
    } else {
        unsetenv("PATH");
    }
    free(saved_path);
    saved_path = NULL;
    free(fake_log);
    free(fake_flows);
    fake_log = fake_flows = NULL;
}

/* A gre state on the fake host, talking to the fake database. */
static struct ovt *
fake_gre(enum ovt_isolation iso, enum ovt_datapath dp)
{
    struct ovt *gre = gre_new(&fake_host, iso, dp);

    gre->db_sock = sockpath;
    return gre;
}

static char *
file_in(const char *dir, const char *name)
{
    char *path = xasprintf("%s/%s", dir, name);
    char *text = slurp(path);

    free(path);
    return text;
}

static size_t
count_files(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;

    for (struct dirent *de; d && (de = readdir(d)) != NULL;) {
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    }
    if (d) {
        closedir(d);
    }
    return n;
}

/* ------------------------------------------------------------------------ */
/* Descriptor, settings, plan checks                                        */
/* ------------------------------------------------------------------------ */

/* The helpers every plugin that runs programs shares (plugins/common/cmd.c).
 */
START_TEST(test_cmd_helpers)
{
    struct args a = {0};
    args_add(&a, "ovs-vsctl");
    args_addf(&a, "--timeout=%d", 10);
    size_t two = a.bytes;
    ck_assert_uint_eq(two, strlen("ovs-vsctl") + strlen("--timeout=10") + 2 +
                               2 * sizeof(char *));
    args_add(&a, "add-br");
    args_add(&a, "br0");
    ck_assert_uint_eq(a.n, 4);
    ck_assert_ptr_null(a.v[4]);
    args_truncate(&a, 2);
    ck_assert_uint_eq(a.n, 2);
    ck_assert_uint_eq(a.bytes, two);
    ck_assert_ptr_null(a.v[2]);
    ck_assert_str_eq(a.v[1], "--timeout=10");
    args_push(&a, NULL);
    ck_assert(a.nomem);
    args_free(&a);
    ck_assert_uint_eq(a.n, 0);
    ck_assert_ptr_null(a.v);

    char buf[32];
    ck_assert_str_eq(cmd_status_text(3, buf, sizeof buf), "exit status 3");
    ck_assert_str_eq(cmd_status_text(-ENOENT, buf, sizeof buf),
                     strerror(ENOENT));

    const char *lines = "br-a\nbr-ab\nbr-b";
    ck_assert(cmd_in_lines(lines, "br-ab"));
    ck_assert(cmd_in_lines(lines, "br-b"));
    ck_assert(!cmd_in_lines(lines, "br"));
    ck_assert(!cmd_in_lines(NULL, "br-a"));

    const char *csv = "p1,\"no such device\"\np10,7\np2,\n";
    ck_assert(cmd_csv_value(csv, "p1", buf, sizeof buf));
    ck_assert_str_eq(buf, "no such device");
    ck_assert(cmd_csv_value(csv, "p10", buf, sizeof buf));
    ck_assert_str_eq(buf, "7");
    ck_assert(!cmd_csv_value(csv, "p2", buf, sizeof buf));
    ck_assert(!cmd_csv_value(csv, "p3", buf, sizeof buf));

    char *sh = cmd_find_program("sh");
    ck_assert_ptr_nonnull(strchr(sh, '/'));
    free(sh);
    char *none = cmd_find_program("no-such-program-here");
    ck_assert_str_eq(none, "no-such-program-here");
    free(none);
}
END_TEST

START_TEST(test_descriptor)
{
    ck_assert_uint_eq(miniinet_plugin.abi_major, MI_PLUGIN_ABI_MAJOR);
    ck_assert_str_eq(miniinet_plugin.name, "gre");
    ck_assert_int_eq(miniinet_plugin.kind, MI_PLUGIN_TUNNEL);
    const struct mi_tunnel_ops *ops = miniinet_plugin.ops.tunnel;
    ck_assert_ptr_nonnull(ops->common.check_plan);
    ck_assert_ptr_nonnull(ops->common.check_server);
    ck_assert_ptr_nonnull(ops->needs_tx_csum_off);
    ck_assert_ptr_nonnull(ops->build);
    ck_assert_ptr_nonnull(ops->destroy);
    ck_assert_ptr_nonnull(ops->reassert);
    ck_assert_ptr_nonnull(ops->reattach_port);
}
END_TEST

START_TEST(test_settings)
{
    const struct mi_host *host = host_services();
    void *state;

    /* Defaults: TOS; datapath "auto" is netdev (needing checksum offload
     * off) exactly when the kernel has no openvswitch module. */
    ck_assert_int_eq(configure_with(host, NULL, &state), 0);
    ck_assert_int_eq(((struct ovt *)state)->isolation, OVT_ISOLATION_TOS);
    ck_assert_int_eq(ovt_needs_tx_csum_off(state),
                     access("/sys/module/openvswitch", F_OK) != 0);
    ck_assert_uint_eq(gre_overhead(state), 38);
    char buf[32];
    struct mi_link three = {.remote = true, .tunnel_id = 3};
    struct mi_plan one_link = {
        .size = sizeof one_link, .links = &three, .n_links = 1};
    gre_describe_id(state, &one_link, 0, buf, sizeof buf);
    ck_assert_str_eq(buf, "gre tos 0x0c");
    gre_release(state);

    ck_assert_int_eq(configure_with(host,
                                    "plugins = { gre = { isolation = "
                                    "\"key\"; datapath = \"system\"; }; };",
                                    &state),
                     0);
    ck_assert(!ovt_needs_tx_csum_off(state));
    ck_assert_uint_eq(gre_overhead(state), 42);
    gre_describe_id(state, &one_link, 0, buf, sizeof buf);
    ck_assert_str_eq(buf, "gre key 3");
    gre_release(state);

    ck_assert_int_eq(
        configure_with(
            host, "plugins = { gre = { datapath = \"netdev\"; }; };", &state),
        0);
    ck_assert(ovt_needs_tx_csum_off(state));
    gre_release(state);

    ck_assert_int_eq(
        configure_with(
            host, "plugins = { gre = { datapath = \"kernel\"; }; };", &state),
        -EINVAL);
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "\"kernel\""));
    ck_assert_int_eq(
        configure_with(host, "plugins = { gre = { isolation = \"vlan\"; }; };",
                       &state),
        -EINVAL);
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "\"vlan\""));
    ck_assert_int_eq(
        configure_with(host, "plugins = { gre = { ttl = 64; }; };", &state),
        -EINVAL);
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "ttl"));
}
END_TEST

START_TEST(test_check_plan)
{
    struct tplan *tp = tp_new();
    struct ovt *gre =
        gre_new(host_services(), OVT_ISOLATION_TOS, OVT_DP_NETDEV);

    ck_assert_int_eq(ovt_check_plan(gre, &tp->plan), 0);
    tp->links[2].tunnel_id = 64; /* a 64th link between s1 and s2 */
    testutil_capture_begin();
    ck_assert_int_eq(ovt_check_plan(gre, &tp->plan), -EINVAL);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "isolation = \"key\""));
    gre->isolation = OVT_ISOLATION_KEY;
    ck_assert_int_eq(ovt_check_plan(gre, &tp->plan), 0);
    tp->links[2].tunnel_id = 65279;
    testutil_capture_begin();
    ck_assert_int_eq(ovt_check_plan(gre, &tp->plan), -EINVAL);
    testutil_capture_end();
    gre_release(gre);
    free(tp);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* The pure part                                                            */
/* ------------------------------------------------------------------------ */

START_TEST(test_names)
{
    char br[OVT_NAME_LEN], port[OVT_NAME_LEN];
    struct ovt names;

    ovt_init(&names, host_services(), "gre", "mi-gre", "gre", "ip_gre");
    const struct ovt *gre = &names;
    ovt_bridge_name(gre, 1, br, sizeof br);
    ovt_port_name(gre, 1, port, sizeof port);
    ck_assert_str_eq(br, "mi-gre1");
    ck_assert_str_eq(port, "mi-gre1-t");
    /* Interface names: at most 15 characters for any index the layout
     * check lets through. */
    ovt_bridge_name(gre, 9999999, br, sizeof br);
    ovt_port_name(gre, 9999999, port, sizeof port);
    ck_assert_str_eq(br, "mi-gre9999999");
    ck_assert_str_eq(port, "mi-gre9999999-t");
    ck_assert_uint_le(strlen(port), 15);

    struct tplan *tp = tp_new();
    unsigned peers[2];
    ck_assert_uint_eq(ovt_peers(&tp->plan, 0, peers), 1);
    ck_assert_uint_eq(peers[0], 1);
    ck_assert_uint_eq(ovt_peers(&tp->plan, 1, peers), 1);
    ck_assert_uint_eq(peers[0], 0);
    free(tp);
}
END_TEST

static void
expect_flows(struct ovt *gre, const struct mi_plan *plan, unsigned server,
             unsigned peer, const char *want)
{
    char *flows = ovt_flows(gre, plan, server, peer);

    ck_assert_ptr_nonnull(flows);
    ck_assert_msg(!strcmp(flows, want), "server %u: got\n%s\nwant\n%s", server,
                  flows, want);
    free(flows);
}

START_TEST(test_flows_tos)
{
    struct tplan *tp = tp_new();
    struct ovt *gre =
        gre_new(host_services(), OVT_ISOLATION_TOS, OVT_DP_NETDEV);

    /* s1: link 0's router end is here (ARP to its address); link 2's LAN
     * is here (ARP from its member, router 2_B). */
    expect_flows(gre, &tp->plan, 0, 1,
                 "priority=0 actions=drop\n"
                 "in_port=1,ip actions=mod_nw_tos:4,output:65279\n"
                 "in_port=1,arp,arp_spa=1.0.0.0/24 actions=output:65279\n"
                 "in_port=65279,ip,nw_tos=4 actions=mod_nw_tos:0,output:1\n"
                 "in_port=65279,arp,arp_spa=1.0.0.0/24,arp_tpa=1.0.0.1 "
                 "actions=output:1\n"
                 "in_port=2,ip actions=mod_nw_tos:8,output:65279\n"
                 "in_port=2,arp,arp_spa=80.0.0.0/24 actions=output:65279\n"
                 "in_port=65279,ip,nw_tos=8 actions=mod_nw_tos:0,output:2\n"
                 "in_port=65279,arp,arp_spa=80.0.0.2,arp_tpa=80.0.0.0/24 "
                 "actions=output:2\n");
    /* s2: both links end in routers here. */
    expect_flows(gre, &tp->plan, 1, 0,
                 "priority=0 actions=drop\n"
                 "in_port=1,ip actions=mod_nw_tos:4,output:65279\n"
                 "in_port=1,arp,arp_spa=1.0.0.0/24 actions=output:65279\n"
                 "in_port=65279,ip,nw_tos=4 actions=mod_nw_tos:0,output:1\n"
                 "in_port=65279,arp,arp_spa=1.0.0.0/24,arp_tpa=1.0.0.2 "
                 "actions=output:1\n"
                 "in_port=2,ip actions=mod_nw_tos:8,output:65279\n"
                 "in_port=2,arp,arp_spa=80.0.0.0/24 actions=output:65279\n"
                 "in_port=65279,ip,nw_tos=8 actions=mod_nw_tos:0,output:2\n"
                 "in_port=65279,arp,arp_spa=80.0.0.0/24,arp_tpa=80.0.0.2 "
                 "actions=output:2\n");
    /* No links between a server and itself. */
    expect_flows(gre, &tp->plan, 0, 0, "priority=0 actions=drop\n");
    gre_release(gre);
    free(tp);
}
END_TEST

START_TEST(test_flows_key)
{
    struct tplan *tp = tp_new();
    struct ovt *gre =
        gre_new(host_services(), OVT_ISOLATION_KEY, OVT_DP_NETDEV);
    const char *want = "priority=0 actions=drop\n"
                       "in_port=1 actions=set_field:1->tun_id,output:65279\n"
                       "in_port=65279,tun_id=1 actions=output:1\n"
                       "in_port=2 actions=set_field:2->tun_id,output:65279\n"
                       "in_port=65279,tun_id=2 actions=output:2\n";

    expect_flows(gre, &tp->plan, 0, 1, want);
    expect_flows(gre, &tp->plan, 1, 0, want);
    gre_release(gre);
    free(tp);
}
END_TEST

static char *
commands(struct ovt *gre, const struct mi_plan *plan, unsigned server)
{
    struct args a = {0};
    char *s = xstrdup("");

    ovt_vsctl_commands(gre, plan, server, &a);
    ck_assert(!a.nomem);
    for (size_t i = 0; i < a.n; i++) {
        char *next = xasprintf("%s%s%s", s, i ? " " : "", a.v[i]);
        free(s);
        s = next;
    }
    args_free(&a);
    return s;
}

START_TEST(test_vsctl_commands)
{
    struct tplan *tp = tp_new();
    struct ovt *gre =
        gre_new(host_services(), OVT_ISOLATION_TOS, OVT_DP_NETDEV);

    char *s = commands(gre, &tp->plan, 0);
    ck_assert_str_eq(
        s, "-- add-br mi-gre1 -- set bridge mi-gre1 datapath_type=netdev "
           "fail_mode=secure other_config:disable-in-band=true "
           "external_ids:miniinet=\"gretest\" "
           "external_ids:miniinet-peer=\"s2\" "
           "-- add-port mi-gre1 mi-gre1-t -- set interface mi-gre1-t "
           "type=gre options:remote_ip=198.18.0.2 options:tos=inherit "
           "ofport_request=65279 "
           "-- add-port mi-gre1 mi0a -- set interface mi0a ofport_request=1 "
           "-- add-port mi-gre1 mi2a -- set interface mi2a ofport_request=2");
    free(s);

    gre->isolation = OVT_ISOLATION_KEY;
    gre->datapath = OVT_DP_SYSTEM;
    s = commands(gre, &tp->plan, 1);
    ck_assert_str_eq(
        s, "-- add-br mi-gre0 -- set bridge mi-gre0 datapath_type=system "
           "fail_mode=secure other_config:disable-in-band=true "
           "external_ids:miniinet=\"gretest\" "
           "external_ids:miniinet-peer=\"s1\" "
           "-- add-port mi-gre0 mi-gre0-t -- set interface mi-gre0-t "
           "type=gre options:remote_ip=198.18.0.1 options:key=flow "
           "ofport_request=65279 "
           "-- add-port mi-gre0 mi0b -- set interface mi0b ofport_request=1 "
           "-- add-port mi-gre0 mi2a -- set interface mi2a ofport_request=2");
    free(s);

    /* Quoting of OVSDB strings. */
    char *q = ovsdb_quote("a\"b\\c");
    ck_assert_str_eq(q, "\"a\\\"b\\\\c\"");
    free(q);
    gre_release(gre);
    free(tp);
}
END_TEST

START_TEST(test_layout_errors)
{
    struct tplan *tp = tp_new();
    struct ovt *gre =
        gre_new(host_services(), OVT_ISOLATION_TOS, OVT_DP_NETDEV);

    ck_assert_int_eq(ovt_check_layout(gre, &tp->plan, 0), 0);
    ck_assert_int_eq(ovt_check_layout(gre, &tp->plan, 1), 0);
    testutil_capture_begin();
    ck_assert_int_eq(ovt_check_layout(gre, &tp->plan, 2), -EINVAL);
    testutil_capture_end();

    tp->servers[1].address = NULL;
    tp->links[0].end[0].addr.plen = 0;
    testutil_capture_begin();
    ck_assert_int_eq(ovt_check_layout(gre, &tp->plan, 0), -EINVAL);
    testutil_capture_end();
    const char *msg = testutil_captured();
    ck_assert_ptr_nonnull(strstr(msg, "server s2 has no underlay address"));
    ck_assert_ptr_nonnull(strstr(msg, "interface ext_2_B has no address"));

    /* Key isolation steers nothing by address. */
    gre->isolation = OVT_ISOLATION_KEY;
    tp->servers[1].address = "198.18.0.2";
    ck_assert_int_eq(ovt_check_layout(gre, &tp->plan, 0), 0);
    gre_release(gre);
    free(tp);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* build, destroy, check_server on the fake host                            */
/* ------------------------------------------------------------------------ */

START_TEST(test_build_destroy)
{
    struct tplan *tp = tp_new();
    struct ovt *gre = fake_gre(OVT_ISOLATION_TOS, OVT_DP_NETDEV);

    fake_ifaces = "eth0,1\nbr-phy,65534\n80_IXP,65534\nmi2b,1\n"
                  "mi-gre1,65534\nmi-gre1-t,65279\nmi0a,1\nmi2a,2\n";
    ck_assert_int_eq(ovt_build(gre, &tp->plan, 0, NULL, tundir), 0);

    char *record = file_in(tundir, "bridges");
    ck_assert_str_eq(record, "mi-gre1\n");
    free(record);
    char *want_flows = ovt_flows(gre, &tp->plan, 0, 1);
    char *flows = file_in(tundir, "mi-gre1.flows");
    ck_assert_str_eq(flows, want_flows);
    ck_assert_ptr_nonnull(fake_flows);
    ck_assert_str_eq(fake_flows, want_flows);
    free(flows);
    free(want_flows);
    ck_assert_uint_eq(count_files(tundir), 2);

    char *cmds = commands(gre, &tp->plan, 0);
    char *want = xasprintf(
        "ovs-vsctl --timeout=5 get Open_vSwitch . _uuid\n"
        "ovs-appctl --timeout=5 -t ovs-vswitchd version\n"
        "ovs-vsctl --timeout=10 --format=csv --data=bare --no-headings "
        "--columns=name list Port\n"
        "ovs-vsctl --timeout=120 %s\n"
        "ovs-vsctl --timeout=10 --format=csv --data=bare --no-headings "
        "--columns=name,ofport list Interface\n"
        "ovs-ofctl --timeout=120 add-flows mi-gre1 %s/mi-gre1.flows\n",
        cmds, tundir);
    ck_assert_str_eq(fake_log, want);
    free(want);
    free(cmds);

    /* destroy, from the record alone: a fresh state, no plan. */
    gre_release(gre);
    gre = fake_gre(OVT_ISOLATION_KEY, OVT_DP_SYSTEM);
    free(fake_log);
    fake_log = NULL;
    ck_assert_int_eq(ovt_destroy(gre, tundir), 0);
    ck_assert_str_eq(
        fake_log, "ovs-vsctl --timeout=5 get Open_vSwitch . _uuid\n"
                  "ovs-appctl --timeout=5 -t ovs-vswitchd version\n"
                  "ovs-vsctl --timeout=120 -- --if-exists del-br mi-gre1\n");
    ck_assert_uint_eq(count_files(tundir), 0);

    /* Twice, and on a directory that does not exist: nothing to do. */
    free(fake_log);
    fake_log = NULL;
    ck_assert_int_eq(ovt_destroy(gre, tundir), 0);
    char *missing = xasprintf("%s/none", tundir);
    ck_assert_int_eq(ovt_destroy(gre, missing), 0);
    free(missing);
    ck_assert_ptr_null(fake_log);
    gre_release(gre);
    free(tp);
}
END_TEST

/* After an Open vSwitch restart (bridges back from its database, flows
 * gone), reassert loads each recorded bridge's flows again, from the
 * record alone; with no record it does nothing. */
START_TEST(test_reassert)
{
    struct tplan *tp = tp_new();
    struct ovt *gre = fake_gre(OVT_ISOLATION_TOS, OVT_DP_NETDEV);

    fake_ifaces = "eth0,1\nbr-phy,65534\n80_IXP,65534\nmi2b,1\n"
                  "mi-gre1,65534\nmi-gre1-t,65279\nmi0a,1\nmi2a,2\n";
    ck_assert_int_eq(ovt_build(gre, &tp->plan, 0, NULL, tundir), 0);
    gre_release(gre);

    gre = fake_gre(OVT_ISOLATION_TOS, OVT_DP_NETDEV);
    free(fake_log);
    fake_log = NULL;
    ck_assert_int_eq(ovt_reassert(gre, tundir), 0);
    char *want = xasprintf(
        "ovs-vsctl --timeout=5 get Open_vSwitch . _uuid\n"
        "ovs-appctl --timeout=5 -t ovs-vswitchd version\n"
        "ovs-ofctl --timeout=120 replace-flows mi-gre1 %s/mi-gre1.flows\n",
        tundir);
    ck_assert_str_eq(fake_log, want);
    free(want);
    ck_assert_uint_eq(count_files(tundir), 2); /* the record stays */

    ck_assert_int_eq(ovt_destroy(gre, tundir), 0);
    free(fake_log);
    fake_log = NULL;
    ck_assert_int_eq(ovt_reassert(gre, tundir), 0);
    ck_assert_ptr_null(fake_log);
    gre_release(gre);
    free(tp);
}
END_TEST

/* A link's tunnel port made again: its OpenFlow port number read, the
 * port deleted, added again with that number in a second transaction,
 * the number checked, the bridge's flows put back.  A port on no recorded
 * tunnel bridge, or one that did not get its number back, is an error. */
START_TEST(test_reattach_port)
{
    struct tplan *tp = tp_new();
    struct ovt *gre = fake_gre(OVT_ISOLATION_TOS, OVT_DP_NETDEV);

    /* Nothing recorded: nothing to attach to. */
    testutil_capture_begin();
    ck_assert_int_eq(ovt_reattach_port(gre, tundir, "mi2a"), -ENOENT);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "no tunnel bridge"));

    fake_ifaces = "eth0,1\nbr-phy,65534\n80_IXP,65534\nmi2b,1\n"
                  "mi-gre1,65534\nmi-gre1-t,65279\nmi0a,1\nmi2a,2\n";
    ck_assert_int_eq(ovt_build(gre, &tp->plan, 0, NULL, tundir), 0);
    gre_release(gre);
    gre = fake_gre(OVT_ISOLATION_TOS, OVT_DP_NETDEV);
    free(fake_log);
    fake_log = NULL;
    ck_assert_int_eq(ovt_reattach_port(gre, tundir, "mi2a"), 0);
    char *want = xasprintf(
        "ovs-vsctl --timeout=5 get Open_vSwitch . _uuid\n"
        "ovs-appctl --timeout=5 -t ovs-vswitchd version\n"
        "ovs-vsctl --timeout=10 port-to-br mi2a\n"
        "ovs-vsctl --timeout=10 get Interface mi2a ofport_request\n"
        "ovs-vsctl --timeout=120 del-port mi-gre1 mi2a\n"
        "ovs-vsctl --timeout=120 -- add-port mi-gre1 mi2a -- set Interface "
        "mi2a ofport_request=2\n"
        "ovs-vsctl --timeout=10 get Interface mi2a ofport\n"
        "ovs-ofctl --timeout=120 replace-flows mi-gre1 %s/mi-gre1.flows\n",
        tundir);
    ck_assert_str_eq(fake_log, want);
    free(want);

    /* The port did not get its number back: -EIO, naming it. */
    fake_ofport = "7\n";
    testutil_capture_begin();
    ck_assert_int_eq(ovt_reattach_port(gre, tundir, "mi2a"), -EIO);
    testutil_capture_end();
    ck_assert_ptr_nonnull(
        strstr(testutil_captured(), "port mi2a did not get OpenFlow port 2"));

    /* A port of another bridge (a switch's): refused, nothing deleted. */
    fake_port_br = "80_IXP\n";
    free(fake_log);
    fake_log = NULL;
    testutil_capture_begin();
    ck_assert_int_eq(ovt_reattach_port(gre, tundir, "mi2b"), -ENOENT);
    testutil_capture_end();
    ck_assert_ptr_nonnull(
        strstr(testutil_captured(), "not on a tunnel bridge of this network"));
    ck_assert_ptr_null(strstr(fake_log, "del-port"));
    gre_release(gre);
    free(tp);
}
END_TEST

START_TEST(test_build_exists)
{
    struct tplan *tp = tp_new();
    struct ovt *gre = fake_gre(OVT_ISOLATION_TOS, OVT_DP_NETDEV);

    /* A bridge of that name is there already: -EEXIST, nothing run after
     * the query, no record. */
    fake_ports = "eth0\nbr-phy\nmi-gre0\n";
    testutil_capture_begin();
    ck_assert_int_eq(ovt_build(gre, &tp->plan, 1, NULL, tundir), -EEXIST);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(),
                                 "bridge mi-gre0 (to server s1) exists "
                                 "already"));
    ck_assert_ptr_nonnull(strstr(fake_log, " list Port\n"));
    ck_assert_ptr_null(strstr(fake_log, "add-br"));
    ck_assert_uint_eq(count_files(tundir), 0);

    /* So is a link's port. */
    fake_ports = "eth0\nbr-phy\nother\nmi0b\n";
    testutil_capture_begin();
    ck_assert_int_eq(ovt_build(gre, &tp->plan, 1, NULL, tundir), -EEXIST);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "mi0b is a port"));
    ck_assert_uint_eq(count_files(tundir), 0);
    gre_release(gre);
    free(tp);
}
END_TEST

START_TEST(test_build_port_fails)
{
    struct tplan *tp = tp_new();
    struct ovt *gre = fake_gre(OVT_ISOLATION_KEY, OVT_DP_SYSTEM);

    /* ovs-vswitchd could not make the GRE port: reported, no flows, and
     * the record lets destroy remove the bridge. */
    fake_ifaces = "mi-gre0,65534\nmi-gre0-t,-1\nmi0b,1\nmi2a,2\n";
    testutil_capture_begin();
    ck_assert_int_eq(ovt_build(gre, &tp->plan, 1, NULL, tundir), -EIO);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(),
                                 "bridge mi-gre0: port mi-gre0-t did not get "
                                 "OpenFlow port 65279 (it has -1)"));
    ck_assert_ptr_null(strstr(fake_log, "add-flows"));
    char *record = file_in(tundir, "bridges");
    ck_assert_str_eq(record, "mi-gre0\n");
    free(record);

    /* A second build after that failure: the bridge is there. */
    fake_ports = "mi-gre0\nmi-gre0-t\nmi0b\nmi2a\n";
    testutil_capture_begin();
    ck_assert_int_eq(ovt_build(gre, &tp->plan, 1, NULL, tundir), -EEXIST);
    testutil_capture_end();

    ck_assert_int_eq(ovt_destroy(gre, tundir), 0);
    ck_assert_ptr_nonnull(strstr(fake_log, "--if-exists del-br mi-gre0\n"));
    ck_assert_uint_eq(count_files(tundir), 0);
    gre_release(gre);
    free(tp);
}
END_TEST

START_TEST(test_record_kept)
{
    struct tplan *tp = tp_new();
    struct ovt *gre = fake_gre(OVT_ISOLATION_TOS, OVT_DP_NETDEV);

    /* A record left by an earlier build keeps its bridges listed. */
    char *path = xasprintf("%s/bridges", tundir);
    FILE *f = fopen(path, "we");
    ck_assert_ptr_nonnull(f);
    fputs("mi-gre7\n", f);
    fclose(f);
    free(path);
    fake_ifaces = "mi-gre1,65534\nmi-gre1-t,65279\nmi0a,1\nmi2a,2\n";
    ck_assert_int_eq(ovt_build(gre, &tp->plan, 0, NULL, tundir), 0);
    char *record = file_in(tundir, "bridges");
    ck_assert_str_eq(record, "mi-gre7\nmi-gre1\n");
    free(record);
    free(fake_log);
    fake_log = NULL;
    ck_assert_int_eq(ovt_destroy(gre, tundir), 0);
    ck_assert_ptr_nonnull(strstr(fake_log, "-- --if-exists del-br mi-gre7 "
                                           "-- --if-exists del-br mi-gre1\n"));
    gre_release(gre);
    free(tp);
}
END_TEST

START_TEST(test_no_ovs)
{
    struct tplan *tp = tp_new();
    struct ovt *gre = fake_gre(OVT_ISOLATION_TOS, OVT_DP_NETDEV);

    gre->db_sock = "/nonexistent/db.sock";
    testutil_capture_begin();
    ck_assert_int_eq(ovt_build(gre, &tp->plan, 0, NULL, tundir), -ENOTSUP);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(),
                                 "gre: no Open vSwitch runs on this server "
                                 "(no database socket /nonexistent/db.sock)"));
    ck_assert_ptr_null(fake_log);
    ck_assert_uint_eq(count_files(tundir), 0);

    /* A server without remote links needs no Open vSwitch. */
    tp->links[0].server[1] = 0;
    tp->links[0].remote = false;
    tp->links[2].server[0] = 0;
    tp->links[2].remote = false;
    ck_assert_int_eq(ovt_build(gre, &tp->plan, 0, NULL, tundir), 0);
    ck_assert_int_eq(ovt_check_server(gre, &tp->plan, 0), 0);
    ck_assert_ptr_null(fake_log);
    gre_release(gre);
    free(tp);
}
END_TEST

START_TEST(test_check_server)
{
    struct tplan *tp = tp_new();
    struct ovt *gre = fake_gre(OVT_ISOLATION_TOS, OVT_DP_NETDEV);

    /* The programs are the fixture's stand-ins, found in its PATH. */
    char *vsctl = cmd_find_program("ovs-vsctl");
    ck_assert_ptr_nonnull(strstr(vsctl, bindir));
    free(vsctl);

    ck_assert_int_eq(ovt_check_server(gre, &tp->plan, 0), 0);
    ck_assert_ptr_nonnull(strstr(fake_log, "ovs/route/lookup 198.18.0.2\n"));
    ck_assert_ptr_nonnull(strstr(fake_log, "br-exists br-phy\n"));

    /* The underlay address on the NIC itself: refused, naming the peer. */
    fake_route_dev = "eth0";
    testutil_capture_begin();
    ck_assert_int_eq(ovt_check_server(gre, &tp->plan, 0), -ENOTSUP);
    testutil_capture_end();
    const char *msg = testutil_captured();
    ck_assert_ptr_nonnull(strstr(msg, "peer server s2 at 198.18.0.2"));
    ck_assert_ptr_nonnull(strstr(msg, "through eth0, which is not"));
    ck_assert_ptr_nonnull(strstr(msg, "doc/multi-server.md"));
    ck_assert_uint_eq(count_files(tundir), 0);
    gre_release(gre);
    free(tp);
}
END_TEST

static Suite *
gre_suite(void)
{
    Suite *s = suite_create("gre");
    TCase *tc = tcase_create("pure");

    tcase_add_test(tc, test_descriptor);
    tcase_add_test(tc, test_cmd_helpers);
    tcase_add_test(tc, test_settings);
    tcase_add_test(tc, test_check_plan);
    tcase_add_test(tc, test_names);
    tcase_add_test(tc, test_flows_tos);
    tcase_add_test(tc, test_flows_key);
    tcase_add_test(tc, test_vsctl_commands);
    tcase_add_test(tc, test_layout_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("fake host");
    tcase_add_checked_fixture(tc, setup_fake, teardown_fake);
    tcase_add_test(tc, test_build_destroy);
    tcase_add_test(tc, test_reassert);
    tcase_add_test(tc, test_reattach_port);
    tcase_add_test(tc, test_build_exists);
    tcase_add_test(tc, test_build_port_fails);
    tcase_add_test(tc, test_record_kept);
    tcase_add_test(tc, test_no_ovs);
    tcase_add_test(tc, test_check_server);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return testutil_run(gre_suite());
}
