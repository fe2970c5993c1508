/* Tests of a student's request to the switch VLAN agent (vlanreq.c),
 * parsed and judged against configs/course.cfg: AS 3 has the L2 network
 * DCN (switches S1 and S2: S1's ports mi17b and mi18b to router LUGA,
 * mi19a the trunk to S2, mi20b to host FIFA_1), AS 4 has no switch.  No
 * root needed. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "testutil.h"
#include "vlanreq.h"

static struct plan *plan;
static const struct mi_plan *p;
static const struct access_plan *ap;
static char why[256];

static void
setup(void)
{
    plan = testutil_plan_file("configs/course.cfg");
    p = plan_view(plan);
    ap = plan_access(plan);
    ck_assert_ptr_nonnull(ap);
}

static void
teardown(void)
{
    plan_free(plan);
}

static int
parse(const char *line, struct vlanreq *r)
{
    why[0] = '\0';
    return vlanreq_parse(line, strlen(line), r, why, sizeof why);
}

static bool
trunk_has(const struct vlanreq *r, unsigned v)
{
    return r->vlan.trunks[v / 8] >> v % 8 & 1;
}

START_TEST(test_parse_good)
{
    struct vlanreq r;

    ck_assert_int_eq(parse("show DCN S1", &r), 0);
    ck_assert_int_eq(r.verb, VLANREQ_SHOW);
    ck_assert_str_eq(r.location, "DCN");
    ck_assert_str_eq(r.what, "S1");

    ck_assert_int_eq(parse("access DCN S1 mi20b 4094", &r), 0);
    ck_assert_int_eq(r.verb, VLANREQ_ACCESS);
    ck_assert_str_eq(r.port, "mi20b");
    ck_assert(!r.vlan.trunk);
    ck_assert_uint_eq(r.vlan.tag, 4094);

    ck_assert_int_eq(parse("trunk DCN S1 mi19a 30,10,30,1", &r), 0);
    ck_assert_int_eq(r.verb, VLANREQ_TRUNK);
    ck_assert(r.vlan.trunk);
    ck_assert_uint_eq(r.vlan.tag, 0);
    ck_assert(trunk_has(&r, 1) && trunk_has(&r, 10) && trunk_has(&r, 30));
    ck_assert(!trunk_has(&r, 20) && !trunk_has(&r, 0));
    char *d = vlanreq_describe(&r);
    ck_assert_str_eq(d, "DCN S1 port mi19a: trunk of VLANs 1,10,30");
    free(d);

    ck_assert_int_eq(parse("trunk DCN S1 mi19a all", &r), 0);
    for (unsigned v = 0; v < 4096; v++) {
        ck_assert(!trunk_has(&r, v));
    }
    d = vlanreq_describe(&r);
    ck_assert_str_eq(d, "DCN S1 port mi19a: trunk of every VLAN");
    free(d);

    ck_assert_int_eq(parse("access DCN S1 mi20b 7", &r), 0);
    d = vlanreq_describe(&r);
    ck_assert_str_eq(d, "DCN S1 port mi20b: access VLAN 7");
    free(d);

    /* The longest line taken: 255 bytes ("10" repeated, tolerated). */
    char line[VLANREQ_MAX + 2];
    strcpy(line, "trunk DCN S1 mi19a 10");
    for (int i = 0; i < 78; i++) {
        strcat(line, ",10");
    }
    ck_assert_uint_eq(strlen(line), VLANREQ_MAX);
    ck_assert_int_eq(parse(line, &r), 0);
    ck_assert(trunk_has(&r, 10) && !trunk_has(&r, 1));
    strcat(line, "0");
    ck_assert_int_eq(parse(line, &r), -EINVAL);
    ck_assert_ptr_nonnull(strstr(why, "longer than 255 bytes"));
}
END_TEST

/* Every malformed line refused, saying why (naming the word). */
START_TEST(test_parse_bad)
{
    static const struct {
        const char *line, *why;
    } bad[] = {
        {"", "empty request"},
        {"show", "show takes LOCATION SWITCH"},
        {"show DCN", "show takes LOCATION SWITCH"},
        {"show DCN S1 x", "show takes LOCATION SWITCH"},
        {"access DCN S1 mi20b", "access takes LOCATION SWITCH PORT VLAN"},
        {"trunk DCN S1 mi19a", "trunk takes LOCATION SWITCH PORT"},
        {"set DCN S1", "unknown request \"set\""},
        {"SHOW DCN S1", "unknown request \"SHOW\""},
        {" show DCN S1", "leading or trailing space at 1"},
        {"show DCN S1 ", "leading or trailing space at 12"},
        {"show  DCN S1", "double space at 6"},
        {"show\tDCN S1", "byte 0x09 at 5"},
        {"show DCN S1\r", "byte 0x0d at 12"},
        {"show DC\xc3\xa9 S1", "byte 0xc3 at 8"},
        {"access DCN S1 mi20b 0", "VLAN \"0\" is not a number from 1 to 4094"},
        {"access DCN S1 mi20b 4095", "VLAN \"4095\""},
        {"access DCN S1 mi20b 010", "VLAN \"010\""},
        {"access DCN S1 mi20b -1", "VLAN \"-1\""},
        {"access DCN S1 mi20b +10", "VLAN \"+10\""},
        {"access DCN S1 mi20b 10x", "VLAN \"10x\""},
        {"access DCN S1 mi20b 99999", "VLAN \"99999\""},
        {"trunk DCN S1 mi19a 10,,20", "VLAN \"\" in the trunk's list"},
        {"trunk DCN S1 mi19a 10,", "VLAN \"\" in the trunk's list"},
        {"trunk DCN S1 mi19a ,10", "VLAN \"\" in the trunk's list"},
        {"trunk DCN S1 mi19a 10,5000", "VLAN \"5000\" in the trunk's list"},
        {"trunk DCN S1 mi19a ALL", "VLAN \"ALL\" in the trunk's list"},
        {"trunk DCN S1 mi19a all,10", "VLAN \"all\" in the trunk's list"},
        {"access DCN S1 mi20b 10 20", "too many words"},
    };
    struct vlanreq r;

    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int error = parse(bad[i].line, &r);
        if (error != -EINVAL || !strstr(why, bad[i].why)) {
            ck_abort_msg("\"%s\": %d \"%s\", wanted \"%s\"", bad[i].line,
                         error, why, bad[i].why);
        }
    }
    /* A NUL inside the line. */
    ck_assert_int_eq(vlanreq_parse("show\0DCN S1", 11, &r, why, sizeof why),
                     -EINVAL);
    ck_assert_ptr_nonnull(strstr(why, "byte 0x00 at 5"));
    /* Overlong: refused whole. */
    char line[VLANREQ_MAX + 2];
    memset(line, 'a', sizeof line);
    ck_assert_int_eq(vlanreq_parse(line, VLANREQ_MAX + 1, &r, why, sizeof why),
                     -EINVAL);
    ck_assert_ptr_nonnull(strstr(why, "longer than 255 bytes"));
    /* A word of 64 bytes. */
    char w[100] = "show DCN ";
    memset(w + 9, 'x', 64);
    w[73] = '\0';
    ck_assert_int_eq(parse(w, &r), -EINVAL);
    ck_assert_ptr_nonnull(strstr(why, "word 3 is longer than 63 bytes"));
}
END_TEST

START_TEST(test_judge)
{
    struct vlanreq r;
    struct vlanreq_target t;

    ck_assert_int_eq(parse("access DCN S1 mi20b 30", &r), 0);
    ck_assert_int_eq(vlanreq_judge(&r, p, ap, 3, &t, why, sizeof why), 0);
    ck_assert_str_eq(t.bridge_name, "3_L2_DCN_S1");
    ck_assert_str_eq(t.port, "mi20b");
    ck_assert_str_eq(t.sw->what, "S1");
    /* The trunk's end on S2 is S2's, not S1's. */
    ck_assert_int_eq(parse("trunk DCN S2 mi19b all", &r), 0);
    ck_assert_int_eq(vlanreq_judge(&r, p, ap, 3, &t, why, sizeof why), 0);
    ck_assert_str_eq(t.bridge_name, "3_L2_DCN_S2");
    ck_assert_str_eq(t.port, "mi19b");
    ck_assert_int_eq(parse("show DCN S2", &r), 0);
    ck_assert_int_eq(vlanreq_judge(&r, p, ap, 3, &t, why, sizeof why), 0);
    ck_assert_ptr_null(t.port);
}
END_TEST

START_TEST(test_judge_refused)
{
    static const struct {
        unsigned asn;
        const char *line, *why;
    } bad[] = {
        /* Another AS's switch: AS 4 has none. */
        {4, "show DCN S1", "AS 4 has no switch \"DCN S1\""},
        {4, "access DCN S1 mi20b 10", "AS 4 has no switch \"DCN S1\""},
        {3, "show DCN S9", "AS 3 has no switch \"DCN S9\""},
        {3, "show dcn S1", "AS 3 has no switch \"dcn S1\""},
        /* A router's or an L2 host's goto words are no switch. */
        {3, "show LUGA router", "AS 3 has no switch \"LUGA router\""},
        {3, "show DCN FIFA_1", "AS 3 has no switch \"DCN FIFA_1\""},
        /* S2's port on S1, the management bridge's port, an IXP port,
         * an interface in a node. */
        {3, "access DCN S1 mi19b 10",
         "switch DCN S1 has no port \"mi19b\" of yours (show DCN S1"},
        {3, "access DCN S1 mi32b 10", "has no port \"mi32b\""},
        {3, "access DCN S1 mi38b 10", "has no port \"mi38b\""},
        {3, "access DCN S1 3_mgmt 10", "has no port \"3_mgmt\""},
        {3, "access DCN S1 3_L2_DCN_S1 10", "has no port \"3_L2_DCN_S1\""},
        {3, "access DCN S1 LUGA-L2.10 10", "has no port \"LUGA-L2.10\""},
        {3, "trunk DCN S2 mi20b all", "has no port \"mi20b\""},
        /* No group at all. */
        {1, "show DCN S1", "AS 1 has no switch"},
    };
    struct vlanreq r;
    struct vlanreq_target t;

    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ck_assert_int_eq(parse(bad[i].line, &r), 0);
        int error = vlanreq_judge(&r, p, ap, bad[i].asn, &t, why, sizeof why);
        if (error != -ENOENT || !strstr(why, bad[i].why)) {
            ck_abort_msg("AS %u \"%s\": %d \"%s\", wanted \"%s\"", bad[i].asn,
                         bad[i].line, error, why, bad[i].why);
        }
    }
    /* The mgmt bridge's ports exist in the plan: the refusal is not for
     * want of the name (link 32's end on 3_mgmt is mi32b). */
    bool found = false;
    for (size_t i = 0; i < p->n_links; i++) {
        const struct mi_link *l = mi_plan_link(p, i);
        found |= l->kind == MI_LINK_MGMT && l->peer[1] &&
                 !strcmp(l->peer[1], "mi32b");
    }
    ck_assert(found);
}
END_TEST

START_TEST(test_ports_text)
{
    const struct access_group *g3 = access_plan_group(ap, 3);
    struct vlanreq r;
    struct vlanreq_target t;

    ck_assert_int_eq(parse("show DCN S1", &r), 0);
    ck_assert_int_eq(vlanreq_judge(&r, p, ap, 3, &t, why, sizeof why), 0);
    char *text = vlanreq_ports_text(p, g3, t.bridge);
    ck_assert_str_eq(text, "port mi17b to router LUGA\n"
                           "port mi18b to router LUGA\n"
                           "port mi19a to switch S2\n"
                           "port mi20b to host FIFA_1\n");
    free(text);
    ck_assert_int_eq(parse("show DCN S2", &r), 0);
    ck_assert_int_eq(vlanreq_judge(&r, p, ap, 3, &t, why, sizeof why), 0);
    text = vlanreq_ports_text(p, g3, t.bridge);
    ck_assert_str_eq(text, "port mi19b to switch S1\n"
                           "port mi21b to host UEFA_1\n");
    free(text);
    /* Group 4 has no switch: nothing, whatever the bridge. */
    text = vlanreq_ports_text(p, access_plan_group(ap, 4), t.bridge);
    ck_assert_str_eq(text, "");
    free(text);
    ck_assert(vlanreq_group_has_switch(g3));
    ck_assert(!vlanreq_group_has_switch(access_plan_group(ap, 4)));
}
END_TEST

START_TEST(test_escape)
{
    char buf[64];

    vlanreq_escape("a\x1b[2Jb\\\n", 8, 100, buf, sizeof buf);
    ck_assert_str_eq(buf, "a\\x1b[2Jb\\x5c\\x0a");
    vlanreq_escape("abcdef", 6, 3, buf, sizeof buf);
    ck_assert_str_eq(buf, "abc...");
    /* A small buffer: cut, terminated. */
    vlanreq_escape("\x01\x02\x03\x04", 4, 100, buf, 10);
    ck_assert_str_eq(buf, "\\x01\\x02");
}
END_TEST

static Suite *
vlanreq_suite(void)
{
    Suite *s = suite_create("vlanreq");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, test_parse_good);
    tcase_add_test(tc, test_parse_bad);
    tcase_add_test(tc, test_escape);
    suite_add_tcase(s, tc);
    tc = tcase_create("judge");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_judge);
    tcase_add_test(tc, test_judge_refused);
    tcase_add_test(tc, test_ports_text);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return testutil_run(vlanreq_suite());
}
