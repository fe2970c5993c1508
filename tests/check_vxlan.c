/* The vxlan tunnel plugin without root: its settings, the VNIs and their
 * descriptions in both modes, what it tells the host (overhead, makes_ends,
 * checksum offload), its plan checks, and kernel mode's refusals before it
 * touches the kernel.  The devices themselves are made and checked on the
 * test bed (tests/tunnels.test).
 *
 * The plugin's source is compiled into the test, so that its pure
 * functions can be called directly. */
#include "config.h"

#include "../plugins/common/cmd.c" /* NOLINT(bugprone-suspicious-include) */
#include "../plugins/common/ovsleftover.c" /* NOLINT(bugprone-suspicious-include) */
#include "../plugins/common/ovstunnel.c" /* NOLINT(bugprone-suspicious-include) */
#include "../plugins/vxlan/vxlan.c" /* NOLINT(bugprone-suspicious-include) */

#include <check.h>

#include "host.h"
#include "log.h"
#include "testutil.h"

/* Servers s1 and s2.  Links, in plan order:
 *   0: local (s1)                 -> no VNI
 *   1: 1_A (s1) - 2_A (s2), tunnel id 1 -> kernel VNI 1
 *   2: local (s2)
 *   3: 1_A (s1) - 2_B (s2), tunnel id 2 -> kernel VNI 2
 *   4: 1_A (s1) - 3_A (s3), tunnel id 1 -> kernel VNI 3 (another pair) */
static struct mi_server servers[3] = {
    {.name = "s1", .address = "198.18.0.1", .underlay_mtu = 1500},
    {.name = "s2", .address = "198.18.0.2", .underlay_mtu = 1500},
    {.name = "s3", .address = "198.18.0.3", .underlay_mtu = 1500},
};
static struct mi_link links[5] = {
    {.server = {0, 0}},
    {.server = {0, 1}, .remote = true, .tunnel_id = 1},
    {.server = {1, 1}},
    {.server = {0, 1}, .remote = true, .tunnel_id = 2},
    {.server = {0, 2}, .remote = true, .tunnel_id = 1},
};
static const struct mi_plan plan = {
    .size = sizeof plan,
    .name = "t",
    .servers = servers,
    .n_servers = 3,
    .links = links,
    .n_links = 5,
};

/* Configures with the section plugins.vxlan of `text` (NULL: none). */
static int
configure_with(const char *text, void **state)
{
    return testutil_configure(&vxlan_ops.common, host_services(), text,
                              "plugins.vxlan", state);
}

START_TEST(test_descriptor)
{
    ck_assert_uint_eq(miniinet_plugin.abi_major, MI_PLUGIN_ABI_MAJOR);
    ck_assert_str_eq(miniinet_plugin.name, "vxlan");
    ck_assert_int_eq(miniinet_plugin.kind, MI_PLUGIN_TUNNEL);
    const struct mi_tunnel_ops *ops = miniinet_plugin.ops.tunnel;
    ck_assert_ptr_nonnull(ops->makes_ends);
    ck_assert_ptr_nonnull(ops->build);
    ck_assert_ptr_nonnull(ops->destroy);
    ck_assert_ptr_nonnull(ops->reattach_port);
    ck_assert_ptr_nonnull(ops->common.check_server);
}
END_TEST

START_TEST(test_settings)
{
    void *state;

    /* Defaults: kernel mode, port 4789 (not Linux's 8472). */
    ck_assert_int_eq(configure_with(NULL, &state), 0);
    const struct vxlan *vx = state;
    ck_assert_int_eq(vx->mode, VXLAN_KERNEL);
    ck_assert_uint_eq(vx->port, 4789);
    ck_assert_uint_eq(vxlan_overhead(state), 50);
    ck_assert(vxlan_makes_ends(state));
    ck_assert(!vxlan_needs_tx_csum_off(state));
    /* Kernel mode makes its ends itself: no port to attach again. */
    testutil_capture_begin();
    ck_assert_int_eq(vxlan_reattach_port(state, "/nowhere", "mi1a"), -ENOTSUP);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "kernel mode"));
    vxlan_release(state);

    ck_assert_int_eq(configure_with("plugins = { vxlan = { mode = \"ovs\"; "
                                    "port = 8472; datapath = \"netdev\"; "
                                    "}; };",
                                    &state),
                     0);
    vx = state;
    ck_assert_int_eq(vx->mode, VXLAN_OVS);
    ck_assert_uint_eq(vx->ovt.dst_port, 8472);
    ck_assert_int_eq(vx->ovt.isolation, OVT_ISOLATION_KEY);
    ck_assert_str_eq(vx->ovt.prefix, "mi-vx");
    ck_assert(!vxlan_makes_ends(state));
    ck_assert(vxlan_needs_tx_csum_off(state)); /* netdev */
    ck_assert_uint_eq(vxlan_overhead(state), 50);
    vxlan_release(state);

    ck_assert_int_eq(
        configure_with("plugins = { vxlan = { mode = \"gre\"; }; };", &state),
        -EINVAL);
    ck_assert_ptr_nonnull(
        strstr(testutil_captured(), "mode: must be \"kernel\" or \"ovs\""));
    ck_assert_int_eq(
        configure_with("plugins = { vxlan = { port = 0; }; };", &state),
        -EINVAL);
    ck_assert_int_eq(
        configure_with("plugins = { vxlan = { port = 65536; }; };", &state),
        -EINVAL);
    ck_assert_int_eq(configure_with("plugins = { vxlan = { datapath = "
                                    "\"netdev\"; }; };",
                                    &state),
                     -EINVAL);
    ck_assert_ptr_nonnull(
        strstr(testutil_captured(), "applies to mode \"ovs\" only"));
    ck_assert_int_eq(
        configure_with("plugins = { vxlan = { vni = 3; }; };", &state),
        -EINVAL);
}
END_TEST

START_TEST(test_vnis)
{
    void *state;
    char buf[32];

    /* Kernel mode: the rank among remote links, unique on every server. */
    ck_assert_uint_eq(kernel_vni(&plan, 1), 1);
    ck_assert_uint_eq(kernel_vni(&plan, 3), 2);
    ck_assert_uint_eq(kernel_vni(&plan, 4), 3);
    ck_assert_int_eq(configure_with(NULL, &state), 0);
    vxlan_describe_id(state, &plan, 4, buf, sizeof buf);
    ck_assert_str_eq(buf, "vxlan vni 3");
    ck_assert_int_eq(vxlan_check_plan(state, &plan), 0);
    vxlan_release(state);

    /* ovs mode: the tunnel id, unique per server pair (one bridge each). */
    ck_assert_int_eq(
        configure_with("plugins = { vxlan = { mode = \"ovs\"; }; };", &state),
        0);
    vxlan_describe_id(state, &plan, 4, buf, sizeof buf);
    ck_assert_str_eq(buf, "vxlan vni 1");
    vxlan_describe_id(state, &plan, 3, buf, sizeof buf);
    ck_assert_str_eq(buf, "vxlan vni 2");
    ck_assert_int_eq(vxlan_check_plan(state, &plan), 0);
    vxlan_release(state);
}
END_TEST

START_TEST(test_devices)
{
    struct mi_link l = {
        .server = {1, 0},
        .remote = true,
        .end = {{.node = 3, .bridge = -1, .ifname = "ext_1_A"},
                {.node = -1, .bridge = 0, .ifname = "80_IXP_2"}},
        .peer = {NULL, "mi7b"},
    };
    int node;

    /* A node end: the device is the router's interface, in its namespace. */
    ck_assert_str_eq(device_of(&l, 1, &node), "ext_1_A");
    ck_assert_int_eq(node, 3);
    /* A bridge end: the bridge port, in the root namespace. */
    ck_assert_str_eq(device_of(&l, 0, &node), "mi7b");
    ck_assert_int_eq(node, -1);
    ck_assert_int_eq(local_end(&l, 2), -1);
}
END_TEST

START_TEST(test_build_refusals)
{
    void *state;

    ck_assert_int_eq(configure_with(NULL, &state), 0);
    testutil_capture_begin();
    ck_assert_int_eq(vxlan_build(state, &plan, 7, NULL, "/nonexistent"),
                     -EINVAL);
    testutil_capture_end();
    ck_assert_ptr_nonnull(
        strstr(testutil_captured(), "server 7 is not in the plan"));

    /* A node end without its namespace: refused, naming the node, before
     * any device is made. */
    struct mi_node nodes[2] = {{.name = "1_Arouter", .server = 0},
                               {.name = "2_Arouter", .server = 1}};
    struct mi_link one = {
        .server = {0, 1},
        .remote = true,
        .tunnel_id = 1,
        .mtu = 1450,
        .end = {{.node = 0, .bridge = -1, .ifname = "ext_2_A"},
                {.node = 1, .bridge = -1, .ifname = "ext_1_A"}},
    };
    struct mi_plan p = plan;
    p.nodes = nodes;
    p.n_nodes = 2;
    p.links = &one;
    p.n_links = 1;
    const char *netns[2] = {"/nonexistent/netns/1_Arouter", NULL};
    testutil_capture_begin();
    ck_assert_int_eq(vxlan_build(state, &p, 0, netns, "/nonexistent"),
                     -ENOENT);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(),
                                 "1_Arouter: cannot open its network "
                                 "namespace /nonexistent/netns/1_Arouter"));
    vxlan_release(state);
}
END_TEST

/* A held VNI is tried again with doubling sleeps, 10 s in all, and then
 * no more. */
START_TEST(test_vni_wait)
{
    unsigned waited = 0, n = 0, prev = 0;

    for (unsigned next; (next = vni_wait_next(waited)) != 0 && n < 100; n++) {
        ck_assert_uint_gt(next, 0);
        if (n >= 2 && waited + next < VXLAN_VNI_WAIT_MAX_MS) {
            unsigned twice = 2 * prev;
            ck_assert_uint_eq(next, twice); /* doubling */
        }
        prev = next;
        waited += next;
    }
    ck_assert_uint_eq(vni_wait_next(0), VXLAN_VNI_WAIT_FIRST_MS);
    ck_assert_uint_eq(waited, VXLAN_VNI_WAIT_MAX_MS);
    ck_assert_uint_le(n, 10); /* 50, 50, 100, ... 3200, then the rest */
    ck_assert_uint_eq(vni_wait_next(VXLAN_VNI_WAIT_MAX_MS), 0);
    ck_assert_uint_eq(vni_wait_next(VXLAN_VNI_WAIT_MAX_MS + 1), 0);
}
END_TEST

/* What the fake host's link_exists answers, and where it was asked. */
static int fake_exists;
static const char *fake_netns, *fake_ifname;

static int
fake_link_exists(const char *netns, const char *ifname)
{
    fake_netns = netns;
    fake_ifname = ifname;
    return fake_exists;
}

/* EEXIST is waited out only for a VNI: when the device's name is free where
 * it was to be.  A name that is there, or that cannot be looked up, fails
 * at once. */
START_TEST(test_vni_held)
{
    struct mi_host host = *host_services();
    struct vxlan vx = {.ovt = {.host = &host}};
    struct request node = {.name = "ext_2_R04", .netns = "/run/netns/x"};
    struct request root = {.name = "mi7b"};

    host.link_exists = fake_link_exists;
    fake_exists = 0;
    ck_assert(vni_held(&vx, &node));
    ck_assert_str_eq(fake_netns, "/run/netns/x");
    ck_assert_str_eq(fake_ifname, "ext_2_R04");
    ck_assert(vni_held(&vx, &root));
    ck_assert_ptr_null(fake_netns); /* the root namespace: the caller's */
    fake_exists = 1;
    ck_assert(!vni_held(&vx, &node));
    fake_exists = -EPERM;
    ck_assert(!vni_held(&vx, &root));
}
END_TEST

static Suite *
vxlan_suite(void)
{
    Suite *s = suite_create("vxlan");
    TCase *tc = tcase_create("pure");

    tcase_add_test(tc, test_descriptor);
    tcase_add_test(tc, test_settings);
    tcase_add_test(tc, test_vnis);
    tcase_add_test(tc, test_devices);
    tcase_add_test(tc, test_build_refusals);
    tcase_add_test(tc, test_vni_wait);
    tcase_add_test(tc, test_vni_held);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return testutil_run(vxlan_suite());
}
