/* Tests of the topology drawing (graph.c): DOT output deterministic and
 * showing every relationship, SVG well-formed (parsed with libxml2, when
 * configure found it) with one shape per AS and IXP, names escaped. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_LIBXML2
#include <libxml/parser.h>
#include <libxml/tree.h>
#endif

#include "graph.h"
#include "plan.h"
#include "testutil.h"
#include "util.h"

static char *
draw(const struct mi_plan *p, enum graph_format format)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(graph_write(p, format, f), 0);
    ck_assert_int_eq(fclose(f), 0);
    return text;
}

static size_t
count(const char *haystack, const char *needle)
{
    size_t n = 0;
    for (const char *s = strstr(haystack, needle); s;
         s = strstr(s + 1, needle)) {
        n++;
    }
    return n;
}

/* A plan built by hand: AS 1 (server "a&b") provider of AS 2 over two
 * links, AS 2 peers with AS 3 (not configured), AS 1 and 3 at IXP 80,
 * network named with every character XML and DOT must escape. */
static const struct mi_server hand_servers[] = {{.name = "a&b"},
                                                {.name = "<s2\">"}};
static const struct mi_as hand_ases[] = {
    {.asn = 1, .configured = true, .server = 0},
    {.asn = 2, .configured = true, .server = 1},
    {.asn = 3, .configured = false, .server = 1},
    {.asn = 80, .ixp = true, .configured = true, .server = 0}};
static const struct mi_node hand_nodes[] = {
    {.name = "1_R", .kind = MI_NODE_ROUTER, .asn = 1, .as_index = 0},
    {.name = "2_R", .kind = MI_NODE_ROUTER, .asn = 2, .as_index = 1},
    {.name = "3_R", .kind = MI_NODE_ROUTER, .asn = 3, .as_index = 2}};
static const struct mi_bridge hand_bridges[] = {
    {.name = "ixp_80", .kind = MI_BRIDGE_IXP, .asn = 80}};
#define NODE(i)                                                               \
    {                                                                         \
        .node = (i), .bridge = -1                                             \
    }
#define BRIDGE(i)                                                             \
    {                                                                         \
        .node = -1, .bridge = (i)                                             \
    }
static const struct mi_link hand_links[] = {
    {.kind = MI_LINK_EXTERNAL,
     .end = {NODE(0), NODE(1)},
     .rel = MI_REL_PROVIDER},
    {.kind = MI_LINK_EXTERNAL,
     .end = {NODE(1), NODE(0)},
     .rel = MI_REL_CUSTOMER},
    {.kind = MI_LINK_EXTERNAL, .end = {NODE(2), NODE(1)}, .rel = MI_REL_PEER},
    {.kind = MI_LINK_IXP, .end = {NODE(0), BRIDGE(0)}},
    {.kind = MI_LINK_IXP, .end = {NODE(2), BRIDGE(0)}},
    {.kind = MI_LINK_INTERNAL, .end = {NODE(0), NODE(0)}}};
static const struct mi_plan hand_plan = {.name = "x&<\"y\">'",
                                         .servers = hand_servers,
                                         .n_servers = ARRAY_SIZE(hand_servers),
                                         .ases = hand_ases,
                                         .n_ases = ARRAY_SIZE(hand_ases),
                                         .nodes = hand_nodes,
                                         .n_nodes = ARRAY_SIZE(hand_nodes),
                                         .links = hand_links,
                                         .n_links = ARRAY_SIZE(hand_links),
                                         .bridges = hand_bridges,
                                         .n_bridges =
                                             ARRAY_SIZE(hand_bridges)};

START_TEST(test_format_names)
{
    enum graph_format f = GRAPH_SVG;

    ck_assert_int_eq(graph_parse_format("dot", &f), 0);
    ck_assert_int_eq(f, GRAPH_DOT);
    ck_assert_int_eq(graph_parse_format("svg", &f), 0);
    ck_assert_int_eq(f, GRAPH_SVG);
    ck_assert_int_eq(graph_parse_format("png", &f), -EINVAL);
    ck_assert_int_eq(graph_parse_format("", &f), -EINVAL);
    ck_assert_int_eq(f, GRAPH_SVG);
}
END_TEST

START_TEST(test_dot_hand)
{
    char *dot = draw(&hand_plan, GRAPH_DOT);

    /* Folded: the two AS 1 - AS 2 links are one edge, whichever end the
     * file named first. */
    ck_assert_ptr_nonnull(strstr(dot, "  as1 -> as2 [color=\"#333333\", "
                                      "label=\"x2\"];\n"));
    ck_assert_uint_eq(count(dot, "as1 -> as2"), 1);
    ck_assert_ptr_nonnull(strstr(dot, "  as2 -> as3 [dir=none, style=dashed"));
    ck_assert_ptr_nonnull(strstr(dot, "  as1 -> ixp80 [dir=none, "
                                      "style=dotted"));
    ck_assert_ptr_nonnull(strstr(dot, "  as3 -> ixp80 [dir=none, "));
    ck_assert_uint_eq(count(dot, "\n  as"), 4); /* the internal link: none */
    ck_assert_ptr_nonnull(strstr(dot, "digraph \"x&<\\\"y\\\">'\" {"));
    ck_assert_ptr_nonnull(strstr(dot, "label=\"<s2\\\">\";"));
    ck_assert_ptr_nonnull(strstr(
        dot, "as3 [label=\"AS 3\\n<s2\\\">\", style=\"rounded,dashed\"]"));
    ck_assert_ptr_nonnull(strstr(dot, "ixp80 [label=\"IXP 80\\na&b\", "
                                      "shape=ellipse]"));
    free(dot);
}
END_TEST

START_TEST(test_dot_deterministic)
{
    /* Two plans computed independently from the same file, drawn twice. */
    struct plan *a = testutil_plan_file("configs/multi-server.cfg");
    struct plan *b = testutil_plan_file("configs/multi-server.cfg");
    char *da = draw(plan_view(a), GRAPH_DOT);
    char *db = draw(plan_view(b), GRAPH_DOT);
    char *sa = draw(plan_view(a), GRAPH_SVG);
    char *sb = draw(plan_view(b), GRAPH_SVG);

    ck_assert_str_eq(da, db);
    ck_assert_str_eq(sa, sb);
    /* Every server is a cluster, every AS and IXP a node in one. */
    ck_assert_uint_eq(count(da, "subgraph cluster_"), 4);
    ck_assert_uint_eq(count(da, " [label=\"AS "), 16);
    ck_assert_uint_eq(count(da, " [label=\"IXP "), 2);
    free(da);
    free(db);
    free(sa);
    free(sb);
    plan_free(a);
    plan_free(b);
}
END_TEST

START_TEST(test_dot_small)
{
    struct plan *plan = testutil_plan_file("configs/small.cfg");
    char *dot = draw(plan_view(plan), GRAPH_DOT);

    /* small.cfg: 1 and 2 peer, 1 provider of 3, 2 of 4, 2, 3 and 4 at IXP
     * 80 (the file's comment draws it); the IXP's route server is no
     * member of its own IXP. */
    ck_assert_ptr_nonnull(strstr(dot, "  as1 -> as2 [dir=none, style=dashed"));
    ck_assert_ptr_nonnull(strstr(dot, "  as1 -> as3 [color="));
    ck_assert_ptr_nonnull(strstr(dot, "  as2 -> as4 [color="));
    ck_assert_ptr_nonnull(strstr(dot, "  as3 -> ixp80 [dir=none"));
    ck_assert_ptr_nonnull(strstr(dot, "  as4 -> ixp80 [dir=none"));
    ck_assert_ptr_null(strstr(dot, "as80 ->"));
    ck_assert_uint_eq(count(dot, "-> ixp80"), 3);
    ck_assert_ptr_nonnull(strstr(dot, "label=\"local\";"));
    free(dot);
    plan_free(plan);
}
END_TEST

#ifdef HAVE_LIBXML2
/* Parses `svg` strictly (no recovery, no network, no entities from
 * outside); fails the test on any error. */
static xmlDocPtr
parse_svg(const char *svg)
{
    xmlDocPtr doc = xmlReadMemory(svg, (int)strlen(svg), "graph.svg", "UTF-8",
                                  XML_PARSE_NONET | XML_PARSE_NOERROR |
                                      XML_PARSE_NOWARNING);
    const xmlError *error = xmlGetLastError();

    ck_assert_msg(doc != NULL, "SVG not well-formed: %s",
                  error && error->message ? error->message : "?");
    xmlNodePtr root = xmlDocGetRootElement(doc);
    ck_assert_str_eq((const char *)root->name, "svg");
    ck_assert_ptr_nonnull(root->ns);
    ck_assert_str_eq((const char *)root->ns->href,
                     "http://www.w3.org/2000/svg");
    return doc;
}

/* Elements named `name` whose class attribute is `class` (NULL: any). */
static size_t
count_elements(xmlNodePtr node, const char *name, const char *class)
{
    size_t n = 0;
    for (xmlNodePtr c = node; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) {
            continue;
        }
        if (!strcmp((const char *)c->name, name)) {
            xmlChar *value = xmlGetProp(c, (const xmlChar *)"class");
            n += !class || (value && !strcmp((const char *)value, class));
            xmlFree(value);
        }
        n += count_elements(c->children, name, class);
    }
    return n;
}

static void
check_svg_of(const char *relative, size_t n_ases, size_t n_ixps)
{
    struct plan *plan = testutil_plan_file(relative);
    char *svg = draw(plan_view(plan), GRAPH_SVG);
    xmlDocPtr doc = parse_svg(svg);
    xmlNodePtr root = xmlDocGetRootElement(doc);

    ck_assert_uint_eq(count_elements(root, "g", "as"), n_ases);
    ck_assert_uint_eq(count_elements(root, "g", "ixp"), n_ixps);
    ck_assert_uint_eq(count_elements(root, "rect", NULL), n_ases);
    ck_assert_uint_eq(count_elements(root, "ellipse", NULL), n_ixps);
    ck_assert_uint_gt(count_elements(root, "line", "transit"), 0);
    xmlFreeDoc(doc);
    free(svg);
    plan_free(plan);
}

START_TEST(test_svg_files)
{
    check_svg_of("configs/small.cfg", 4, 1);
    check_svg_of("configs/multi-server.cfg", 16, 2);
    check_svg_of("configs/class-60.cfg", 60, 7);
}
END_TEST

/* The y attribute of the rect of the group with id `id`. */
static long
rect_y(const char *svg, const char *id)
{
    char *needle = xasprintf("id=\"%s\"", id);
    const char *group = strstr(svg, needle);
    free(needle);
    ck_assert_ptr_nonnull(group);
    const char *rect = strstr(group, "<rect ");
    ck_assert_ptr_nonnull(rect);
    const char *y = strstr(rect, " y=\"");
    ck_assert_ptr_nonnull(y);
    return strtol(y + 4, NULL, 10);
}

START_TEST(test_svg_hand)
{
    char *svg = draw(&hand_plan, GRAPH_SVG);
    xmlDocPtr doc = parse_svg(svg);
    xmlNodePtr root = xmlDocGetRootElement(doc);

    ck_assert_uint_eq(count_elements(root, "line", "transit"), 1);
    ck_assert_uint_eq(count_elements(root, "line", "peer"), 1);
    ck_assert_uint_eq(count_elements(root, "line", "ixp"), 2);
    ck_assert_uint_eq(count_elements(root, "g", "as"), 3);
    ck_assert_uint_eq(count_elements(root, "g", "ixp"), 1);
    /* The escaped names read back as they were. */
    ck_assert_ptr_nonnull(strstr(svg, "x&amp;&lt;&quot;y&quot;&gt;&apos;"));
    ck_assert_ptr_nonnull(strstr(svg, "<title>AS 1 is a provider of AS 2 "
                                      "(2 links)</title>"));
    ck_assert_ptr_nonnull(strstr(svg, "AS 3 on server &lt;s2&quot;&gt; "
                                      "(configured by students)"));
    /* The provider is drawn above its customer. */
    ck_assert_int_lt(rect_y(svg, "as-1"), rect_y(svg, "as-2"));
    xmlFreeDoc(doc);
    free(svg);
}
END_TEST
#endif

static Suite *
graph_suite(void)
{
    Suite *s = suite_create("graph");
    TCase *tc = tcase_create("dot");

    tcase_add_test(tc, test_format_names);
    tcase_add_test(tc, test_dot_hand);
    tcase_add_test(tc, test_dot_deterministic);
    tcase_add_test(tc, test_dot_small);
    suite_add_tcase(s, tc);
#ifdef HAVE_LIBXML2
    tc = tcase_create("svg");
    tcase_add_test(tc, test_svg_files);
    tcase_add_test(tc, test_svg_hand);
    suite_add_tcase(s, tc);
#else
    printf("# SKIP SVG tests: configure did not find libxml2 "
           "(libxml2-dev) to parse the SVG with\n");
    fflush(stdout);
#endif
    return s;
}

int
main(void)
{
    return testutil_run(graph_suite());
}
