/* Tests of the valley-free rule (valley.c) on configs/small.cfg's
 * relationships: AS 1 and AS 2 peer, AS 1 is AS 3's provider, AS 2 AS 4's;
 * AS 2, 3 and 4 are members of IXP 80 (AS 2 and 4 also have their direct
 * provider link, which comes first). */
#include "config.h"

#include <check.h>

#include "plan.h"
#include "testutil.h"
#include "valley.h"

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

START_TEST(test_relationships)
{
    ck_assert_int_eq(valley_rel(p, 1, 2), MI_REL_PEER);
    ck_assert_int_eq(valley_rel(p, 2, 1), MI_REL_PEER);
    ck_assert_int_eq(valley_rel(p, 1, 3), MI_REL_PROVIDER);
    ck_assert_int_eq(valley_rel(p, 3, 1), MI_REL_CUSTOMER);
    ck_assert_int_eq(valley_rel(p, 4, 2), MI_REL_CUSTOMER);
    /* Members of IXP 80: peers through its route server. */
    ck_assert_int_eq(valley_rel(p, 3, 4), MI_REL_PEER);
    ck_assert_int_eq(valley_rel(p, 2, 3), MI_REL_PEER);
    /* A direct link's relationship before the IXP's. */
    ck_assert_int_eq(valley_rel(p, 2, 4), MI_REL_PROVIDER);
    /* Not linked at all. */
    ck_assert_int_eq(valley_rel(p, 1, 4), MI_REL_NONE);
    ck_assert_int_eq(valley_rel(p, 1, 80), MI_REL_NONE);
}
END_TEST

START_TEST(test_valley_free)
{
    static const struct {
        unsigned from;
        const char *path;
    } ok[] = {
        {1, ""},        /* its own prefix */
        {1, "3"},       /* down */
        {3, "1"},       /* up */
        {1, "2"},       /* peer */
        {1, "2 4"},     /* peer, down */
        {3, "1 2 4"},   /* up, peer, down */
        {4, "2 1 3"},   /* up, peer, down */
        {3, "4"},       /* IXP peer */
        {3, "2 4"},     /* IXP peer, down */
        {4, "2 1"},     /* up, peer */
        {1, "2 2 2 4"}, /* prepending counts once */
        {3, "80 4"},    /* a route server's ASN is skipped */
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        ck_assert_msg(valley_check(p, ok[i].from, ok[i].path) == VALLEY_FREE,
                      "AS %u, path \"%s\"", ok[i].from, ok[i].path);
    }
}
END_TEST

START_TEST(test_valleys)
{
    static const struct {
        unsigned from;
        const char *path;
    } broken[] = {
        {1, "3 4"},   /* down, then peer: AS 3 gave a peer's route to its
                         provider */
        {4, "3 1"},   /* peer, then up: AS 3 gave its provider's route to
                         a peer */
        {3, "1 2 1"}, /* peer back */
        {1, "2 3"},   /* peer, then peer: AS 2 gave a peer's route to a
                         peer */
        {3, "4 2 1"}, /* peer, up, peer */
        {4, "2 3 1"}, /* up, peer, up */
        {1, "3 1 2"}, /* down, up, peer */
    };
    for (size_t i = 0; i < sizeof broken / sizeof *broken; i++) {
        ck_assert_msg(valley_check(p, broken[i].from, broken[i].path) ==
                          VALLEY_BROKEN,
                      "AS %u, path \"%s\"", broken[i].from, broken[i].path);
    }
}
END_TEST

START_TEST(test_cannot_tell)
{
    static const struct {
        unsigned from;
        const char *path;
    } unknown[] = {
        {1, "4"},     /* not neighbours in the plan */
        {1, "99"},    /* not in the plan */
        {99, "1"},    /* nor here */
        {3, "{4,2}"}, /* an AS set */
        {3, "4 x"},   /* garbage */
        {3, "1 7"},   /* 7: no AS */
    };
    for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++) {
        ck_assert_msg(valley_check(p, unknown[i].from, unknown[i].path) ==
                          VALLEY_UNKNOWN,
                      "AS %u, path \"%s\"", unknown[i].from, unknown[i].path);
    }
}
END_TEST

static Suite *
valley_suite(void)
{
    Suite *s = suite_create("valley");
    TCase *tc = tcase_create("small");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_relationships);
    tcase_add_test(tc, test_valley_free);
    tcase_add_test(tc, test_valleys);
    tcase_add_test(tc, test_cannot_tell);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return testutil_run(valley_suite());
}
