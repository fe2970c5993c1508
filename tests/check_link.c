/* Tests of link names on the command line (linkref.c) and of the rate and
 * delay parsers `link ... set` shares with the topology reader. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "linkref.h"
#include "plan.h"
#include "testutil.h"
#include "topology.h"
#include "util.h"

static struct plan *plan;
static const struct mi_plan *p;

static void
setup(void)
{
    plan = testutil_plan_file("configs/small.cfg");
    p = plan_view(plan);
}

static void
teardown(void)
{
    plan_free(plan);
}

/* course.cfg: small.cfg with student access for AS 3 and AS 4. */
static void
setup_course(void)
{
    plan = testutil_plan_file("configs/course.cfg");
    p = plan_view(plan);
}

/* The link between a and b, by linkref_find(), described. */
static char *
found(const char *a, const char *b)
{
    size_t link = 0;

    testutil_capture_begin();
    int error = linkref_find(p, a, b, &link);
    testutil_capture_end();
    ck_assert_msg(!error, "%s %s: %s", a, b, testutil_captured());
    return linkref_describe(p, link);
}

static void
assert_found(const char *a, const char *b, const char *want)
{
    char *got = found(a, b);
    ck_assert_str_eq(got, want);
    free(got);
}

/* linkref_find() fails with -ENOENT, and the message has `part`. */
static void
assert_refused(const char *a, const char *b, const char *part)
{
    size_t link = 12345;

    testutil_capture_begin();
    int error = linkref_find(p, a, b, &link);
    testutil_capture_end();
    ck_assert_int_eq(error, -ENOENT);
    ck_assert_uint_eq(link, 12345);
    ck_assert_msg(strstr(testutil_captured(), part), "%s %s: \"%s\" lacks %s",
                  a, b, testutil_captured(), part);
}

START_TEST(test_node_names)
{
    int zuri = linkref_node(p, "1_ZURIrouter");
    ck_assert_int_ge(zuri, 0);
    ck_assert_int_eq(linkref_node(p, "1:ZURI"), zuri);
    ck_assert_int_ge(linkref_node(p, "1_ZURIhost"), 0);
    ck_assert_int_ge(linkref_node(p, "80_IXP"), 0);
    ck_assert_int_lt(linkref_node(p, "1:zuri"), 0); /* case matters */
    ck_assert_int_lt(linkref_node(p, "9:ZURI"), 0); /* no AS 9 */
    ck_assert_int_lt(linkref_node(p, "1:"), 0);
    ck_assert_int_lt(linkref_node(p, ":ZURI"), 0);
    ck_assert_int_lt(linkref_node(p, "1000:ZURI"), 0);
    ck_assert_int_lt(linkref_node(p, "1:ZURIrouter"), 0);
    ck_assert_int_lt(linkref_node(p, ""), 0);
}
END_TEST

START_TEST(test_links_found)
{
    /* Inside an AS, either order, either spelling. */
    assert_found("1_ZURIrouter", "1_BASErouter",
                 "1_ZURIrouter - 1_BASErouter");
    assert_found("1:BASE", "1:ZURI", "1_ZURIrouter - 1_BASErouter");
    /* Between ASes. */
    assert_found("2:BASE", "4:VIEN", "2_BASErouter - 4_VIENrouter");
    assert_found("4_VIENrouter", "2_BASErouter",
                 "2_BASErouter - 4_VIENrouter");
    /* A router and its host. */
    assert_found("1:ZURI", "1_ZURIhost", "1_ZURIrouter - 1_ZURIhost");
    /* A router's port on IXP 80, the IXP first or second. */
    assert_found("4_MILArouter", "80", "4_MILArouter - IXP 80");
    assert_found("80", "4:MILA", "4_MILArouter - IXP 80");
    assert_found("80_IXP", "80", "80_IXP - IXP 80");
}
END_TEST

START_TEST(test_links_refused)
{
    assert_refused("1_NOSUCHrouter", "1:ZURI", "no node 1_NOSUCHrouter");
    assert_refused("1:ZURI", "7:ZURI", "no node 7:ZURI");
    assert_refused("1:ZURI", "81", "no IXP 81");
    /* Both exist, no link between them. */
    assert_refused("1:ZURI", "4:VIEN",
                   "no link between 1_ZURIrouter and 4_VIENrouter");
    assert_refused("1:ZURI", "80", "no link between 1_ZURIrouter and IXP 80");
    assert_refused("1:ZURI", "1:ZURI", "no link between");
    assert_refused("80", "81", "no node 80");
}
END_TEST

START_TEST(test_quantities)
{
    char why[160];
    uint64_t rate = 0;
    uint32_t delay = 1;

    ck_assert_ptr_null(topology_parse_rate("10mbit", &rate, why, sizeof why));
    ck_assert_uint_eq(rate, 10000000);
    ck_assert_ptr_null(topology_parse_rate("1.5kbit", &rate, why, sizeof why));
    ck_assert_uint_eq(rate, 1500);
    ck_assert_ptr_null(topology_parse_delay("2.5ms", &delay, why, sizeof why));
    ck_assert_uint_eq(delay, 2500);
    ck_assert_ptr_null(topology_parse_delay("0ms", &delay, why, sizeof why));
    ck_assert_uint_eq(delay, 0);
    ck_assert_ptr_nonnull(
        strstr(topology_parse_rate("10", &rate, why, sizeof why), "no unit"));
    ck_assert_ptr_nonnull(strstr(
        topology_parse_rate("10mb", &rate, why, sizeof why), "unknown unit"));
    ck_assert_ptr_nonnull(strstr(
        topology_parse_rate("1bit", &rate, why, sizeof why), "out of range"));
    ck_assert_ptr_nonnull(strstr(
        topology_parse_delay("11s", &delay, why, sizeof why), "out of range"));
    ck_assert_ptr_nonnull(
        topology_parse_delay("-1ms", &delay, why, sizeof why));
    ck_assert_uint_eq(rate, 1500); /* untouched by the refusals */
    ck_assert_uint_eq(delay, 0);
}
END_TEST

/* What puts an end back: its state for down/up, its shaping for set --
 * words `link` parses again to the same values. */
/* The words of a `link set` or of an undo, for messages. */
START_TEST(test_join_words)
{
    char *w[] = {"rate", "10mbit", "delay", "5ms"};
    char *t = util_join_words(w, 4);
    ck_assert_str_eq(t, "rate 10mbit delay 5ms");
    free(t);
    t = util_join_words(w, 1);
    ck_assert_str_eq(t, "rate");
    free(t);
    t = util_join_words(w, 0);
    ck_assert_str_eq(t, "");
    free(t);
}
END_TEST

START_TEST(test_undo)
{
    char *w[LINKREF_UNDO_MAX];
    char why[160];
    uint64_t rate = 0;
    uint32_t delay = 0;

    ck_assert_uint_eq(linkref_undo(false, false, 5, 5, w), 1);
    ck_assert_str_eq(w[0], "up");
    free(w[0]);
    ck_assert_uint_eq(linkref_undo(false, true, 0, 0, w), 1);
    ck_assert_str_eq(w[0], "down");
    free(w[0]);

    ck_assert_uint_eq(linkref_undo(true, true, 100000000000ULL, 2500, w), 5);
    ck_assert_str_eq(w[0], "set");
    ck_assert_str_eq(w[1], "rate");
    ck_assert_str_eq(w[3], "delay");
    ck_assert_ptr_null(topology_parse_rate(w[2], &rate, why, sizeof why));
    ck_assert_uint_eq(rate, 100000000000ULL);
    ck_assert_ptr_null(topology_parse_delay(w[4], &delay, why, sizeof why));
    ck_assert_uint_eq(delay, 2500);
    for (size_t i = 0; i < 5; i++) {
        free(w[i]);
    }
    /* None: no limit, no delay. */
    ck_assert_uint_eq(linkref_undo(true, false, 0, 0, w), 5);
    ck_assert_str_eq(w[2], "none");
    ck_assert_str_eq(w[4], "none");
    for (size_t i = 0; i < 5; i++) {
        free(w[i]);
    }
}
END_TEST

/* With student access, a management link (a device or proxy to its
 * group's bridge) is never what a name on the command line finds: the
 * data-plane links are found as without access, and the proxy, a node
 * with no other link, has none to anything.  (No form of B names a
 * management bridge today -- a node, or an IXP's number -- so this holds
 * with or without linkref.c's skipping of MI_LINK_MGMT, which guards a
 * later form that names bridges.) */
START_TEST(test_mgmt_links_not_named)
{
    ck_assert(plan_has_mgmt(p));
    assert_found("3:LUGA", "3_LUGAhost", "3_LUGArouter - 3_LUGAhost");
    assert_found("80", "4:MILA", "4_MILArouter - IXP 80");
    size_t link = 0;
    testutil_capture_begin();
    ck_assert_int_eq(linkref_find(p, "3:LUGA", "3_LUGAhost", &link), 0);
    testutil_capture_end();
    ck_assert_int_ne(mi_plan_link(p, link)->kind, MI_LINK_MGMT);
    assert_refused("3_ssh", "3:LUGA",
                   "no link between 3_ssh and 3_LUGArouter");
    assert_refused("3_ssh", "4_ssh", "no link between 3_ssh and 4_ssh");
    assert_refused("3_ssh", "80", "no link between 3_ssh and IXP 80");
}
END_TEST

static Suite *
link_suite(void)
{
    Suite *s = suite_create("link");
    TCase *tc = tcase_create("names");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_node_names);
    tcase_add_test(tc, test_links_found);
    tcase_add_test(tc, test_links_refused);
    tcase_add_test(tc, test_quantities);
    tcase_add_test(tc, test_undo);
    tcase_add_test(tc, test_join_words);
    suite_add_tcase(s, tc);

    TCase *course = tcase_create("access");
    tcase_add_checked_fixture(course, setup_course, teardown);
    tcase_add_test(course, test_mgmt_links_not_named);
    suite_add_tcase(s, course);
    return s;
}

int
main(void)
{
    return testutil_run(link_suite());
}
