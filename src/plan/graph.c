/* The topology drawing (graph.h).  The plan's external and IXP links are
 * folded into one edge per AS pair and relationship; the SVG layout puts
 * ASes in tiers by the provider-customer hierarchy (an AS without a
 * provider on top, a customer one row below its lowest provider) and IXPs
 * in a row of their own underneath. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "util.h"

enum edge_kind {
    EDGE_TRANSIT, /* a is a provider of b */
    EDGE_PEER,    /* a < b */
    EDGE_IXP      /* AS a is a member of IXP b */
};

struct edge {
    enum edge_kind kind;
    unsigned a, b; /* indices into the plan's ases */
    unsigned n_links;
};

struct graph {
    const struct mi_plan *plan;
    struct edge *edges;
    size_t n_edges, cap;
};

int
graph_parse_format(const char *name, enum graph_format *format)
{
    if (!strcmp(name, "dot")) {
        *format = GRAPH_DOT;
    } else if (!strcmp(name, "svg")) {
        *format = GRAPH_SVG;
    } else {
        return -EINVAL;
    }
    return 0;
}

static int
as_index_of_asn(const struct mi_plan *p, unsigned asn)
{
    for (size_t i = 0; i < p->n_ases; i++) {
        if (mi_plan_as(p, i)->asn == asn) {
            return (int)i;
        }
    }
    return -1;
}

static void
add_edge(struct graph *g, enum edge_kind kind, unsigned a, unsigned b)
{
    for (size_t i = 0; i < g->n_edges; i++) {
        struct edge *e = &g->edges[i];
        if (e->kind == kind && e->a == a && e->b == b) {
            e->n_links++;
            return;
        }
    }
    g->edges = xgrow(g->edges, &g->cap, g->n_edges + 1, sizeof *g->edges);
    g->edges[g->n_edges++] =
        (struct edge){.kind = kind, .a = a, .b = b, .n_links = 1};
}

static void
add_external(struct graph *g, const struct mi_link *l)
{
    const struct mi_plan *p = g->plan;
    if (l->end[0].node < 0 || l->end[1].node < 0) {
        return;
    }
    unsigned x = mi_plan_node(p, (size_t)l->end[0].node)->as_index;
    unsigned y = mi_plan_node(p, (size_t)l->end[1].node)->as_index;
    switch (l->rel) {
    case MI_REL_PROVIDER:
        add_edge(g, EDGE_TRANSIT, x, y);
        break;
    case MI_REL_CUSTOMER:
        add_edge(g, EDGE_TRANSIT, y, x);
        break;
    case MI_REL_PEER:
    case MI_REL_NONE:
    default:
        add_edge(g, EDGE_PEER, x < y ? x : y, x < y ? y : x);
        break;
    }
}

static void
add_ixp_member(struct graph *g, const struct mi_link *l)
{
    const struct mi_plan *p = g->plan;
    if (l->end[0].node < 0 || l->end[1].bridge < 0 ||
        mi_plan_node(p, (size_t)l->end[0].node)->kind == MI_NODE_ROUTESERVER) {
        return; /* the IXP's own route server is no member */
    }
    unsigned member = mi_plan_node(p, (size_t)l->end[0].node)->as_index;
    int ixp =
        as_index_of_asn(p, mi_plan_bridge(p, (size_t)l->end[1].bridge)->asn);
    if (ixp >= 0) {
        add_edge(g, EDGE_IXP, member, (unsigned)ixp);
    }
}

static int
compare_edges(const void *a_, const void *b_)
{
    const struct edge *a = a_, *b = b_;
    if (a->kind != b->kind) {
        return a->kind < b->kind ? -1 : 1;
    }
    if (a->a != b->a) {
        return a->a < b->a ? -1 : 1;
    }
    return a->b < b->b ? -1 : a->b > b->b;
}

static void
collect_edges(struct graph *g)
{
    const struct mi_plan *p = g->plan;
    for (size_t i = 0; i < p->n_links; i++) {
        const struct mi_link *l = mi_plan_link(p, i);
        if (l->kind == MI_LINK_EXTERNAL) {
            add_external(g, l);
        } else if (l->kind == MI_LINK_IXP) {
            add_ixp_member(g, l);
        }
    }
    if (g->n_edges) {
        qsort(g->edges, g->n_edges, sizeof *g->edges, compare_edges);
    }
}

static const char *
server_name(const struct mi_plan *p, const struct mi_as *as)
{
    return as->server < p->n_servers ? mi_plan_server(p, as->server)->name
                                     : "?";
}

static const char *
as_kind(const struct mi_as *as)
{
    return as->ixp ? "IXP" : "AS";
}

/* ------------------------------------------------------------------------ */
/* Graphviz.                                                                */

/* The inside of a double-quoted DOT string: `"` and `\` escaped. */
static void
dot_escaped(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') {
            putc('\\', out);
        }
        putc(*s, out);
    }
}

static void
dot_string(FILE *out, const char *s)
{
    putc('"', out);
    dot_escaped(out, s);
    putc('"', out);
}

static void
dot_node(FILE *out, const struct mi_plan *p, const struct mi_as *as)
{
    /* Two lines: the AS, its server. */
    fprintf(out, "    %s%u [label=\"%s %u\\n", as->ixp ? "ixp" : "as", as->asn,
            as_kind(as), as->asn);
    dot_escaped(out, server_name(p, as));
    putc('"', out);
    if (as->ixp) {
        fputs(", shape=ellipse", out);
    } else if (!as->configured) {
        fputs(", style=\"rounded,dashed\"", out);
    }
    fputs("];\n", out);
}

static void
dot_edge(FILE *out, const struct mi_plan *p, const struct edge *e)
{
    const struct mi_as *a = mi_plan_as(p, e->a), *b = mi_plan_as(p, e->b);
    fprintf(out, "  as%u -> %s%u [", a->asn, b->ixp ? "ixp" : "as", b->asn);
    switch (e->kind) {
    case EDGE_TRANSIT:
        fputs("color=\"#333333\"", out);
        break;
    case EDGE_PEER:
        fputs("dir=none, style=dashed, color=\"#1f5fbf\", constraint=false",
              out);
        break;
    case EDGE_IXP:
        fputs("dir=none, style=dotted, color=\"#888888\"", out);
        break;
    }
    if (e->n_links > 1) {
        fprintf(out, ", label=\"x%u\"", e->n_links);
    }
    fputs("];\n", out);
}

static void
write_dot(const struct graph *g, FILE *out)
{
    const struct mi_plan *p = g->plan;

    fputs("// miniinet graph: provider -> customer (solid arrow), peers "
          "(dashed), IXP members (dotted)\ndigraph ",
          out);
    dot_string(out, p->name);
    fputs(" {\n  graph [label=", out);
    dot_string(out, p->name);
    fputs(", labelloc=t];\n  node [shape=box, style=rounded, "
          "fontname=\"sans-serif\"];\n",
          out);
    for (size_t s = 0; s < p->n_servers; s++) {
        fprintf(out, "  subgraph cluster_%zu {\n    label=", s);
        dot_string(out, mi_plan_server(p, s)->name);
        fputs(";\n    style=dashed;\n", out);
        for (size_t i = 0; i < p->n_ases; i++) {
            const struct mi_as *as = mi_plan_as(p, i);
            if (as->server == s) {
                dot_node(out, p, as);
            }
        }
        fputs("  }\n", out);
    }
    for (size_t i = 0; i < g->n_edges; i++) {
        dot_edge(out, p, &g->edges[i]);
    }
    fputs("}\n", out);
}

/* ------------------------------------------------------------------------ */
/* SVG.                                                                     */

enum {
    BOX_W = 96,
    BOX_H = 40,
    H_SPACE = 128, /* between centres in a row */
    V_SPACE = 100, /* between rows */
    MARGIN = 40,
    LEGEND_H = 70,
    ROW_MAX = 12 /* ASes per row before it wraps */
};

/* Server colours: pastel fills, enough to tell eight servers apart. */
static const char *const palette[] = {"#dbe9f6", "#fde2c8", "#d9f0d3",
                                      "#f3d7e8", "#eee6c4", "#d6d3ec",
                                      "#cdeeee", "#f5d0d0"};

struct layout {
    unsigned *tier;
    double *x, *y;
    int width, height;
};

/* Tier of each AS: 0 without a provider, else one below its lowest
 * provider; a (mis-configured) provider cycle stops at n_ases tiers.
 * IXPs go one row below the last tier. */
static void
compute_tiers(const struct graph *g, unsigned *tier)
{
    const struct mi_plan *p = g->plan;
    unsigned max_tier = 0;

    for (size_t pass = 0; pass < p->n_ases; pass++) {
        bool changed = false;
        for (size_t i = 0; i < g->n_edges; i++) {
            const struct edge *e = &g->edges[i];
            if (e->kind == EDGE_TRANSIT && tier[e->b] < tier[e->a] + 1 &&
                tier[e->a] + 1 < p->n_ases) {
                tier[e->b] = tier[e->a] + 1;
                changed = true;
            }
        }
        if (!changed) {
            break;
        }
    }
    for (size_t i = 0; i < p->n_ases; i++) {
        if (!mi_plan_as(p, i)->ixp && tier[i] > max_tier) {
            max_tier = tier[i];
        }
    }
    for (size_t i = 0; i < p->n_ases; i++) {
        if (mi_plan_as(p, i)->ixp) {
            tier[i] = max_tier + 1;
        }
    }
}

static void
compute_layout(const struct graph *g, struct layout *lay)
{
    const struct mi_plan *p = g->plan;
    size_t n = p->n_ases;

    lay->tier = xcalloc(n ? n : 1, sizeof *lay->tier);
    lay->x = xcalloc(n ? n : 1, sizeof *lay->x);
    lay->y = xcalloc(n ? n : 1, sizeof *lay->y);
    compute_tiers(g, lay->tier);

    /* Rows: each tier in AS-number order (the plan's), wrapped. */
    size_t widest = 1, line = 0;
    for (unsigned t = 0; t <= n; t++) {
        size_t in_tier = 0;
        for (size_t i = 0; i < n; i++) {
            in_tier += lay->tier[i] == t;
        }
        if (!in_tier) {
            continue;
        }
        size_t n_lines = (in_tier + ROW_MAX - 1) / ROW_MAX;
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (lay->tier[i] != t) {
                continue;
            }
            size_t row = k / ROW_MAX, col = k % ROW_MAX;
            size_t in_row =
                row + 1 < n_lines ? ROW_MAX : in_tier - row * ROW_MAX;
            lay->x[i] = (double)col - (double)(in_row - 1) / 2.0;
            lay->y[i] = MARGIN + LEGEND_H + BOX_H / 2.0 +
                        (double)(line + row) * V_SPACE;
            widest = in_row > widest ? in_row : widest;
            k++;
        }
        line += n_lines;
    }
    lay->width = (int)(widest * H_SPACE) + 2 * MARGIN;
    lay->height = (int)(MARGIN + LEGEND_H + (line ? line : 1) * V_SPACE);
    for (size_t i = 0; i < n; i++) {
        lay->x[i] = lay->width / 2.0 + lay->x[i] * H_SPACE;
    }
}

static void
free_layout(struct layout *lay)
{
    free(lay->tier);
    free(lay->x);
    free(lay->y);
}

/* Text content or an attribute value, XML-escaped. */
static void
xml_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&apos;", out);
            break;
        default:
            putc(*s, out);
        }
    }
}

/* Where the segment from the centre of box a towards the centre of box b
 * leaves box a. */
static void
clip_to_box(double ax, double ay, double bx, double by, double *cx, double *cy)
{
    double dx = bx - ax, dy = by - ay;
    double t = 1.0;

    if (fabs(dx) > 0.0) {
        t = fmin(t, (BOX_W / 2.0) / fabs(dx));
    }
    if (fabs(dy) > 0.0) {
        t = fmin(t, (BOX_H / 2.0) / fabs(dy));
    }
    *cx = ax + dx * t;
    *cy = ay + dy * t;
}

static const char *
edge_class(enum edge_kind kind)
{
    return kind == EDGE_TRANSIT ? "transit"
           : kind == EDGE_PEER  ? "peer"
                                : "ixp";
}

static const char *
edge_style(enum edge_kind kind)
{
    switch (kind) {
    case EDGE_TRANSIT:
        return "stroke=\"#333333\" stroke-width=\"1.5\" "
               "marker-end=\"url(#arrow)\"";
    case EDGE_PEER:
        return "stroke=\"#1f5fbf\" stroke-width=\"1.5\" "
               "stroke-dasharray=\"6 4\"";
    case EDGE_IXP:
    default:
        return "stroke=\"#888888\" stroke-width=\"1\" "
               "stroke-dasharray=\"2 3\"";
    }
}

static void
svg_edge(FILE *out, const struct graph *g, const struct layout *lay,
         const struct edge *e)
{
    const struct mi_plan *p = g->plan;
    const struct mi_as *a = mi_plan_as(p, e->a), *b = mi_plan_as(p, e->b);
    double x1, y1, x2, y2;

    clip_to_box(lay->x[e->a], lay->y[e->a], lay->x[e->b], lay->y[e->b], &x1,
                &y1);
    clip_to_box(lay->x[e->b], lay->y[e->b], lay->x[e->a], lay->y[e->a], &x2,
                &y2);
    fprintf(out,
            "<line class=\"%s\" x1=\"%ld\" y1=\"%ld\" x2=\"%ld\" y2=\"%ld\" "
            "%s><title>",
            edge_class(e->kind), lround(x1), lround(y1), lround(x2),
            lround(y2), edge_style(e->kind));
    switch (e->kind) {
    case EDGE_TRANSIT:
        fprintf(out, "AS %u is a provider of AS %u", a->asn, b->asn);
        break;
    case EDGE_PEER:
        fprintf(out, "AS %u and AS %u are peers", a->asn, b->asn);
        break;
    case EDGE_IXP:
        fprintf(out, "AS %u is a member of IXP %u", a->asn, b->asn);
        break;
    }
    fprintf(out, " (%u link%s)</title></line>\n", e->n_links,
            util_plural(e->n_links));
}

static void
svg_node(FILE *out, const struct mi_plan *p, const struct layout *lay,
         size_t i)
{
    const struct mi_as *as = mi_plan_as(p, i);
    long x = lround(lay->x[i]), y = lround(lay->y[i]);
    const char *fill = palette[as->server % ARRAY_SIZE(palette)];

    fprintf(out, "<g class=\"%s\" id=\"%s-%u\"><title>%s %u on server ",
            as->ixp ? "ixp" : "as", as->ixp ? "ixp" : "as", as->asn,
            as_kind(as), as->asn);
    xml_text(out, server_name(p, as));
    fprintf(out, "%s</title>\n",
            !as->ixp && !as->configured ? " (configured by students)" : "");
    if (as->ixp) {
        fprintf(out,
                "<ellipse cx=\"%ld\" cy=\"%ld\" rx=\"%d\" ry=\"%d\" "
                "fill=\"%s\" stroke=\"#555555\"/>\n",
                x, y, BOX_W / 2, BOX_H / 2, fill);
    } else {
        fprintf(
            out,
            "<rect x=\"%ld\" y=\"%ld\" width=\"%d\" height=\"%d\" rx=\"6\" "
            "fill=\"%s\" stroke=\"#555555\"%s/>\n",
            x - BOX_W / 2, y - BOX_H / 2, BOX_W, BOX_H, fill,
            as->configured ? "" : " stroke-dasharray=\"4 2\"");
    }
    fprintf(out,
            "<text x=\"%ld\" y=\"%ld\" text-anchor=\"middle\" "
            "font-weight=\"bold\">%s %u</text>\n",
            x, y - 3, as_kind(as), as->asn);
    fprintf(out,
            "<text x=\"%ld\" y=\"%ld\" text-anchor=\"middle\" "
            "font-size=\"10\" fill=\"#444444\">",
            x, y + 12);
    xml_text(out, server_name(p, as));
    fputs("</text></g>\n", out);
}

static void
svg_legend(FILE *out, const struct mi_plan *p)
{
    static const struct {
        enum edge_kind kind;
        const char *text;
    } items[] = {{EDGE_TRANSIT, "provider \xe2\x86\x92 customer"},
                 {EDGE_PEER, "peers"},
                 {EDGE_IXP, "IXP member"}};

    fputs("<g class=\"legend\">\n<text x=\"40\" y=\"28\" font-size=\"16\" "
          "font-weight=\"bold\">",
          out);
    xml_text(out, p->name);
    fputs("</text>\n", out);
    for (size_t i = 0; i < ARRAY_SIZE(items); i++) {
        int x = MARGIN + (int)i * 200;
        fprintf(out,
                "<line x1=\"%d\" y1=\"52\" x2=\"%d\" y2=\"52\" %s/>"
                "<text x=\"%d\" y=\"56\">%s</text>\n",
                x, x + 40, edge_style(items[i].kind), x + 48, items[i].text);
    }
    fputs("<text x=\"640\" y=\"56\">fill colour: server; dashed box: "
          "configured by students</text>\n</g>\n",
          out);
}

static void
write_svg(const struct graph *g, FILE *out)
{
    const struct mi_plan *p = g->plan;
    struct layout lay = {0};

    compute_layout(g, &lay);
    int width = lay.width < 1000 ? 1000 : lay.width;
    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
            "font-size=\"12\">\n<title>",
            width, lay.height, width, lay.height);
    xml_text(out, p->name);
    fputs(
        ": ASes, IXPs and their relationships</title>\n"
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" "
        "refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">"
        "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#333333\"/></marker></defs>\n",
        out);
    svg_legend(out, p);
    /* Centre the drawing when the legend made the canvas wider. */
    fprintf(out, "<g class=\"edges\" transform=\"translate(%d,0)\">\n",
            (width - lay.width) / 2);
    for (size_t i = 0; i < g->n_edges; i++) {
        svg_edge(out, g, &lay, &g->edges[i]);
    }
    fprintf(out, "</g>\n<g class=\"nodes\" transform=\"translate(%d,0)\">\n",
            (width - lay.width) / 2);
    for (size_t i = 0; i < p->n_ases; i++) {
        svg_node(out, p, &lay, i);
    }
    fputs("</g>\n</svg>\n", out);
    free_layout(&lay);
}

int
graph_write(const struct mi_plan *plan, enum graph_format format, FILE *out)
{
    struct graph g = {.plan = plan};

    collect_edges(&g);
    if (format == GRAPH_DOT) {
        write_dot(&g, out);
    } else {
        write_svg(&g, out);
    }
    free(g.edges);
    return ferror(out) ? -EIO : 0;
}
