/* The topology reader, part two: AS bodies (templates and inline bodies:
 * routers, internal links, L2 networks) and the names generated from them.
 * See topology_parse.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "topology_parse.h"
#include "util.h"

/* ------------------------------------------------------------------------ */
/* AS bodies: routers, internal links, L2 networks                          */
/* ------------------------------------------------------------------------ */

const char *const tp_body_keys[] = {"routers",     "links",  "l2",
                                    "measurement", "matrix", NULL};
static const char *const router_keys[] = {"name", "host", "hosts", NULL};
static const char *const impair_keys[] = {"rate", "delay", "buffer", NULL};
static const char *const l2_keys[] = {"name", "switches", "links", "hosts",
                                      NULL};
static const char *const switch_keys[] = {"name", "gateway", "stp_priority",
                                          NULL};

/* hosts = [i, ...]: the rows of a router's hosts (the original's ALL
 * routers); returns how many were read into rows. */
static size_t
parse_host_rows(struct tp_loader *ld, const config_setting_t *m,
                const char *obj, unsigned **rows)
{
    int n = config_setting_length(m);
    size_t count = 0;

    if (!n) {
        tp_error(ld, m,
                 "%s: hosts: empty list (write host = false for a router "
                 "without a host)",
                 obj);
        return 0;
    }
    *rows = xcalloc((size_t)n, sizeof **rows);
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(m, i);
        long long v;
        if (!tp_int_value(ld, e, obj, "hosts", 0, TOPO_MAX_ROUTERS - 1, &v)) {
            continue;
        }
        bool dup = false;
        for (size_t j = 0; j < count; j++) {
            dup |= (*rows)[j] == (unsigned)v;
        }
        if (dup) {
            tp_error(ld, e, "%s: hosts: row %lld is listed twice", obj, v);
            continue;
        }
        (*rows)[count++] = (unsigned)v;
    }
    return count;
}

static void
parse_router(struct tp_loader *ld, struct topo_body *b,
             const config_setting_t *s)
{
    const char *name;
    bool host = true;
    unsigned *rows = NULL;
    size_t n_rows = 0;

    if (tp_is_type(s, CONFIG_TYPE_STRING)) {
        name = config_setting_get_string(s);
    } else if (config_setting_is_group(s)) {
        const config_setting_t *m =
            tp_member(ld, s, "router", "name", CONFIG_TYPE_STRING, true);
        if (!m) {
            return;
        }
        name = config_setting_get_string(m);
        char obj[64];
        snprintf(obj, sizeof obj, "router \"%s\"", name);
        tp_check_keys(ld, s, obj, router_keys);
        tp_get_bool(ld, s, obj, "host", &host);
        const config_setting_t *h =
            tp_member(ld, s, obj, "hosts", CONFIG_TYPE_LIST, false);
        if (h && !host) {
            tp_error(ld, h, "%s: hosts: the router has host = false", obj);
        } else if (h) {
            n_rows = parse_host_rows(ld, h, obj, &rows);
        }
    } else {
        tp_error(ld, s,
                 "routers: each router must be a name or a group "
                 "{ name = ...; host = ...; }");
        return;
    }
    tp_check_name(ld, s, "router", name, TP_ROUTER_NAME_MAX);
    int dup = tp_find_router(b, name);
    if (dup >= 0) {
        tp_error(ld, s, "router \"%s\" is defined twice (first at line %d)",
                 name, b->routers[dup].line);
        free(rows);
        return;
    }
    struct topo_router *r = &b->routers[b->n_routers++];
    r->name = xstrdup(name);
    r->host = host;
    r->host_rows = rows;
    r->n_host_rows = n_rows;
    r->line = (int)config_setting_source_line(s);
}

static void
parse_routers(struct tp_loader *ld, struct topo_body *b,
              const config_setting_t *s, const char *obj)
{
    const config_setting_t *list =
        tp_member(ld, s, obj, "routers", CONFIG_TYPE_LIST, true);
    if (!list) {
        return;
    }
    int n = config_setting_length(list);
    if (!n) {
        tp_key_error(ld, list, obj, "routers", "needs at least one router");
    } else if (n > TOPO_MAX_ROUTERS) {
        tp_key_error(ld, list, obj, "routers",
                     "%d routers, but the "
                     "addressing plan has room for %d per AS",
                     n, TOPO_MAX_ROUTERS);
    }
    b->routers = xcalloc((size_t)n, sizeof *b->routers);
    for (int i = 0; i < n; i++) {
        parse_router(ld, b, config_setting_get_elem(list, i));
    }
}

/* Checks the shape ("A", "B"[, { options }]) of a link inside an AS. */
static bool
pair_shape(struct tp_loader *ld, const config_setting_t *s, const char *what,
           const char **a, const char **b, const config_setting_t **opts)
{
    int n = tp_is_type(s, CONFIG_TYPE_LIST) ? config_setting_length(s) : 0;
    const config_setting_t *last = n ? config_setting_get_elem(s, 2) : NULL;

    if ((n == 2 || n == 3) &&
        tp_is_type(config_setting_get_elem(s, 0), CONFIG_TYPE_STRING) &&
        tp_is_type(config_setting_get_elem(s, 1), CONFIG_TYPE_STRING) &&
        (n == 2 || config_setting_is_group(last))) {
        *a = config_setting_get_string(config_setting_get_elem(s, 0));
        *b = config_setting_get_string(config_setting_get_elem(s, 1));
        *opts = n == 3 ? config_setting_get_elem(s, 2) : NULL;
        return true;
    }
    tp_error(ld, s,
             "%s: must be (\"A\", \"B\") or (\"A\", \"B\", "
             "{ rate = ...; delay = ...; buffer = ...; })",
             what);
    return false;
}

static void
parse_impair_group(struct tp_loader *ld, const config_setting_t *opts,
                   const char *obj, struct topo_impair *imp)
{
    if (opts) {
        tp_check_keys(ld, opts, obj, impair_keys);
        tp_parse_impair(ld, opts, obj, imp);
    }
}

static void
parse_ilink(struct tp_loader *ld, struct topo_body *b,
            const config_setting_t *s, const char *body_obj)
{
    const char *na, *nb;
    const config_setting_t *opts;
    char obj[96];

    if (!pair_shape(ld, s, "internal link", &na, &nb, &opts)) {
        return;
    }
    snprintf(obj, sizeof obj, "internal link (\"%s\", \"%s\")", na, nb);
    int a = tp_find_router(b, na), c = tp_find_router(b, nb);
    if (a < 0 || c < 0) {
        tp_error(ld, s, "%s: %s has no router \"%s\"", obj, body_obj,
                 a < 0 ? na : nb);
        return;
    }
    if (a == c) {
        tp_error(ld, s, "%s: links a router to itself", obj);
        return;
    }
    for (size_t i = 0; i < b->n_links; i++) {
        const struct topo_ilink *o = &b->links[i];
        if ((o->a == (unsigned)a && o->b == (unsigned)c) ||
            (o->a == (unsigned)c && o->b == (unsigned)a)) {
            tp_error(ld, s, "%s: these routers are already linked (line %d)",
                     obj, o->line);
            return;
        }
    }
    struct topo_ilink *l = &b->links[b->n_links++];
    l->a = (unsigned)a;
    l->b = (unsigned)c;
    l->line = (int)config_setting_source_line(s);
    parse_impair_group(ld, opts, obj, &l->impair);
}

static void
parse_ilinks(struct tp_loader *ld, struct topo_body *b,
             const config_setting_t *s, const char *obj)
{
    const config_setting_t *list =
        tp_member(ld, s, obj, "links", CONFIG_TYPE_LIST, false);
    if (!list) {
        return;
    }
    int n = config_setting_length(list);
    if (n > TOPO_MAX_INTERNAL) {
        tp_key_error(ld, list, obj, "links",
                     "%d internal links, but the "
                     "addressing plan has room for %d per AS",
                     n, TOPO_MAX_INTERNAL);
    }
    b->links = xcalloc((size_t)n, sizeof *b->links);
    for (int i = 0; i < n; i++) {
        parse_ilink(ld, b, config_setting_get_elem(list, i), obj);
    }
}

static int
find_switch(const struct topo_l2net *net, const char *name)
{
    for (size_t i = 0; i < net->n_switches; i++) {
        if (!strcmp(net->switches[i].name, name)) {
            return (int)i;
        }
    }
    return -1;
}

/* The switch of body `b` whose gateway is router `r`, or NULL. */
static const struct topo_switch *
find_gateway(const struct topo_body *b, int r)
{
    for (size_t i = 0; i < b->n_l2nets; i++) {
        const struct topo_l2net *net = &b->l2nets[i];
        for (size_t j = 0; j < net->n_switches; j++) {
            if (net->switches[j].gateway == r) {
                return &net->switches[j];
            }
        }
    }
    return NULL;
}

static void
parse_gateway(struct tp_loader *ld, const struct topo_body *b,
              const config_setting_t *s, const char *obj, const char *body_obj,
              struct topo_switch *sw)
{
    const char *name;

    if (tp_get_string(ld, s, obj, "gateway", &name)) {
        return;
    }
    const config_setting_t *m = config_setting_get_member(s, "gateway");
    int r = tp_find_router(b, name);
    if (r < 0) {
        tp_key_error(ld, m, obj, "gateway", "%s has no router \"%s\"",
                     body_obj, name);
        return;
    }
    const struct topo_switch *other = find_gateway(b, r);
    if (other) {
        tp_key_error(ld, m, obj, "gateway",
                     "router \"%s\" is already the "
                     "gateway of switch \"%s\" (line %d)",
                     name, other->name, other->line);
        return;
    }
    sw->gateway = r;
}

static void
parse_switch(struct tp_loader *ld, const struct topo_body *b,
             struct topo_l2net *net, const config_setting_t *s,
             const char *body_obj)
{
    char obj[96];
    long long prio;

    if (!config_setting_is_group(s)) {
        tp_error(ld, s,
                 "switches: each switch must be a group "
                 "{ name = ...; gateway = ...; }");
        return;
    }
    const char *name =
        tp_get_name(ld, s, "switch", "name", TP_OBJECT_NAME_MAX);
    if (!name) {
        return;
    }
    snprintf(obj, sizeof obj, "switch \"%s\"", name);
    tp_check_keys(ld, s, obj, switch_keys);
    int dup = find_switch(net, name);
    if (dup >= 0) {
        tp_error(ld, s, "switch \"%s\" is defined twice (first at line %d)",
                 name, net->switches[dup].line);
        return;
    }
    struct topo_switch *sw = &net->switches[net->n_switches];
    sw->name = xstrdup(name);
    sw->gateway = -1;
    sw->stp_priority = (unsigned)net->n_switches + 1;
    sw->line = (int)config_setting_source_line(s);
    net->n_switches++;
    parse_gateway(ld, b, s, obj, body_obj, sw);
    if (!tp_get_int(ld, s, obj, "stp_priority", 0, 61440, &prio)) {
        sw->stp_priority = (unsigned)prio;
    }
}

static void
parse_trunk(struct tp_loader *ld, struct topo_l2net *net,
            const config_setting_t *s)
{
    const char *na, *nb;
    const config_setting_t *opts;
    char obj[96];

    if (!pair_shape(ld, s, "L2 link", &na, &nb, &opts)) {
        return;
    }
    snprintf(obj, sizeof obj, "L2 link (\"%s\", \"%s\")", na, nb);
    int a = find_switch(net, na), c = find_switch(net, nb);
    if (a < 0 || c < 0) {
        tp_error(ld, s, "%s: L2 network \"%s\" has no switch \"%s\"", obj,
                 net->name, a < 0 ? na : nb);
        return;
    }
    if (a == c) {
        tp_error(ld, s, "%s: links a switch to itself", obj);
        return;
    }
    for (size_t i = 0; i < net->n_links; i++) {
        const struct topo_l2link *o = &net->links[i];
        if ((o->a == (unsigned)a && o->b == (unsigned)c) ||
            (o->a == (unsigned)c && o->b == (unsigned)a)) {
            tp_error(ld, s,
                     "%s: these switches are already linked (line "
                     "%d)",
                     obj, o->line);
            return;
        }
    }
    struct topo_l2link *l = &net->links[net->n_links++];
    l->a = (unsigned)a;
    l->b = (unsigned)c;
    l->line = (int)config_setting_source_line(s);
    parse_impair_group(ld, opts, obj, &l->impair);
}

static bool
l2host_shape(struct tp_loader *ld, const config_setting_t *s)
{
    int n = tp_is_type(s, CONFIG_TYPE_LIST) ? config_setting_length(s) : 0;
    const config_setting_t *last = n ? config_setting_get_elem(s, 3) : NULL;

    if ((n == 3 || n == 4) &&
        tp_is_type(config_setting_get_elem(s, 0), CONFIG_TYPE_STRING) &&
        tp_is_type(config_setting_get_elem(s, 1), CONFIG_TYPE_STRING) &&
        (n == 3 || config_setting_is_group(last))) {
        return true;
    }
    tp_error(ld, s,
             "L2 host: must be (\"NAME\", \"SWITCH\", VLAN) or "
             "(\"NAME\", \"SWITCH\", VLAN, { rate = ...; delay = ...; })");
    return false;
}

static void
parse_l2host(struct tp_loader *ld, struct topo_l2net *net,
             const config_setting_t *s)
{
    char obj[96];
    long long vlan;

    if (!l2host_shape(ld, s)) {
        return;
    }
    const char *name =
        config_setting_get_string(config_setting_get_elem(s, 0));
    const char *swname =
        config_setting_get_string(config_setting_get_elem(s, 1));
    snprintf(obj, sizeof obj, "L2 host \"%s\"", name);
    tp_check_name(ld, s, "L2 host", name, TP_OBJECT_NAME_MAX);
    for (size_t i = 0; i < net->n_hosts; i++) {
        if (!strcmp(net->hosts[i].name, name)) {
            tp_error(ld, s,
                     "L2 host \"%s\" is defined twice (first at line "
                     "%d)",
                     name, net->hosts[i].line);
            return;
        }
    }
    int same = find_switch(net, name);
    if (same >= 0) {
        /* Both would be named <AS>_L2_<DC>_<NAME>. */
        tp_error(ld, s, "%s: has the name of switch \"%s\" (line %d)", obj,
                 name, net->switches[same].line);
        return;
    }
    int sw = find_switch(net, swname);
    if (sw < 0) {
        tp_error(ld, s, "%s: L2 network \"%s\" has no switch \"%s\"", obj,
                 net->name, swname);
        return;
    }
    if (!tp_int_value(ld, config_setting_get_elem(s, 2), obj, "VLAN", 0,
                      TOPO_MAX_VLAN, &vlan)) {
        return;
    }
    struct topo_l2host *h = &net->hosts[net->n_hosts++];
    h->name = xstrdup(name);
    h->sw = (unsigned)sw;
    h->vlan = (unsigned)vlan;
    h->line = (int)config_setting_source_line(s);
    parse_impair_group(ld, config_setting_get_elem(s, 3), obj, &h->impair);
}

/* The list `key` of `s`, with an array of its `size`-byte elements. */
static const config_setting_t *
l2_list(struct tp_loader *ld, const config_setting_t *s, const char *obj,
        const char *key, bool required, void **array, size_t size)
{
    const config_setting_t *list =
        tp_member(ld, s, obj, key, CONFIG_TYPE_LIST, required);
    if (list) {
        *array = xcalloc((size_t)config_setting_length(list), size);
    }
    return list;
}

static void
parse_l2net(struct tp_loader *ld, struct topo_body *b,
            const config_setting_t *s, const char *body_obj)
{
    char obj[96];

    if (!config_setting_is_group(s)) {
        tp_error(ld, s,
                 "l2: each L2 network must be a group "
                 "{ name = ...; switches = ...; }");
        return;
    }
    const char *name =
        tp_get_name(ld, s, "L2 network", "name", TP_OBJECT_NAME_MAX);
    if (!name) {
        return;
    }
    snprintf(obj, sizeof obj, "L2 network \"%s\"", name);
    tp_check_keys(ld, s, obj, l2_keys);
    for (size_t i = 0; i < b->n_l2nets; i++) {
        if (!strcmp(b->l2nets[i].name, name)) {
            tp_error(ld, s,
                     "L2 network \"%s\" is defined twice (first at "
                     "line %d)",
                     name, b->l2nets[i].line);
            return;
        }
    }
    struct topo_l2net *net = &b->l2nets[b->n_l2nets++];
    net->name = xstrdup(name);
    net->line = (int)config_setting_source_line(s);

    const config_setting_t *list;
    list = l2_list(ld, s, obj, "switches", true, (void **)&net->switches,
                   sizeof *net->switches);
    if (list && !config_setting_length(list)) {
        tp_key_error(ld, list, obj, "switches", "needs at least one switch");
    }
    for (int i = 0; list && i < config_setting_length(list); i++) {
        parse_switch(ld, b, net, config_setting_get_elem(list, i), body_obj);
    }
    list = l2_list(ld, s, obj, "links", false, (void **)&net->links,
                   sizeof *net->links);
    for (int i = 0; list && i < config_setting_length(list); i++) {
        parse_trunk(ld, net, config_setting_get_elem(list, i));
    }
    list = l2_list(ld, s, obj, "hosts", false, (void **)&net->hosts,
                   sizeof *net->hosts);
    for (int i = 0; list && i < config_setting_length(list); i++) {
        parse_l2host(ld, net, config_setting_get_elem(list, i));
    }
}

static void
parse_l2nets(struct tp_loader *ld, struct topo_body *b,
             const config_setting_t *s, const char *obj)
{
    const config_setting_t *list =
        tp_member(ld, s, obj, "l2", CONFIG_TYPE_LIST, false);
    if (!list) {
        return;
    }
    int n = config_setting_length(list);
    if (n > TOPO_MAX_L2NETS) {
        tp_key_error(ld, list, obj, "l2",
                     "%d L2 networks, but the addressing "
                     "plan has room for %d per AS",
                     n, TOPO_MAX_L2NETS);
    }
    b->l2nets = xcalloc((size_t)n, sizeof *b->l2nets);
    for (int i = 0; i < n; i++) {
        parse_l2net(ld, b, config_setting_get_elem(list, i), obj);
    }
}

/* The router of the body a string setting `key` (m) names; -1 after an
 * error naming the setting and, if there is one, the closest name. */
static int
setting_router(struct tp_loader *ld, const struct topo_body *b,
               const config_setting_t *m, const char *obj, const char *key)
{
    const char *name = config_setting_get_string(m);
    int r = tp_find_router(b, name);
    if (r < 0) {
        const char **names = xcalloc(b->n_routers + 1, sizeof *names);
        char hint[96];
        for (size_t i = 0; i < b->n_routers; i++) {
            names[i] = b->routers[i].name;
        }
        tp_key_error(ld, m, obj, key, "%s has no router \"%s\"%s", obj, name,
                     tp_did_you_mean(name, names, hint, sizeof hint));
        free(names);
    }
    return r;
}

/* measurement = "ROUTER" | false: which router carries the link to the
 * measurement host (default: the first router). */
static void
parse_measurement(struct tp_loader *ld, struct topo_body *b,
                  const config_setting_t *s, const char *obj)
{
    const config_setting_t *m = config_setting_get_member(s, "measurement");

    b->measurement = 0;
    if (!m) {
        return;
    }
    b->measurement_line = (int)config_setting_source_line(m);
    if (tp_is_type(m, CONFIG_TYPE_BOOL) && !config_setting_get_bool(m)) {
        b->measurement = -1;
        return;
    }
    if (!tp_is_type(m, CONFIG_TYPE_STRING)) {
        tp_key_error(ld, m, obj, "measurement",
                     "must be a router's name, or false for no link to the "
                     "measurement host");
        return;
    }
    int r = setting_router(ld, b, m, obj, "measurement");
    if (r >= 0) {
        b->measurement = r;
    }
}

/* matrix = "ROUTER": the router whose host stands for the AS in the
 * connectivity matrix (default: the first router with a host). */
static void
parse_matrix(struct tp_loader *ld, struct topo_body *b,
             const config_setting_t *s, const char *obj)
{
    const config_setting_t *m = config_setting_get_member(s, "matrix");

    b->matrix = 0;
    if (!m) {
        return;
    }
    b->matrix_line = (int)config_setting_source_line(m);
    if (!tp_is_type(m, CONFIG_TYPE_STRING)) {
        tp_key_error(ld, m, obj, "matrix",
                     "must be the name of a router with a host");
        return;
    }
    int r = setting_router(ld, b, m, obj, "matrix");
    if (r < 0) {
        return;
    }
    if (!b->routers[r].host) {
        tp_key_error(ld, m, obj, "matrix",
                     "router %s has no host (host = false): the matrix "
                     "pings a host",
                     b->routers[r].name);
        return;
    }
    b->matrix = r + 1;
}

struct topo_body *
tp_parse_body(struct tp_loader *ld, const config_setting_t *s,
              const char *name, const char *obj)
{
    struct topology *topo = ld->topo;
    struct topo_body *b = xcalloc(1, sizeof *b);

    b->name = name ? xstrdup(name) : NULL;
    b->line = (int)config_setting_source_line(s);
    topo->bodies = xgrow(topo->bodies, &ld->cap_bodies, topo->n_bodies + 1,
                         sizeof(struct topo_body *));
    ld->body_src = xrealloc(ld->body_src,
                            ld->cap_bodies * sizeof(const config_setting_t *));
    ld->body_src[topo->n_bodies] = s;
    topo->bodies[topo->n_bodies++] = b;

    parse_routers(ld, b, s, obj);
    parse_ilinks(ld, b, s, obj);
    parse_l2nets(ld, b, s, obj);
    parse_measurement(ld, b, s, obj);
    parse_matrix(ld, b, s, obj);
    return b;
}

void
tp_parse_templates(struct tp_loader *ld, const config_setting_t *root)
{
    const config_setting_t *g =
        tp_member(ld, root, "", "templates", CONFIG_TYPE_GROUP, false);

    for (int i = 0; g && i < config_setting_length(g); i++) {
        const config_setting_t *t = config_setting_get_elem(g, i);
        const char *name = config_setting_name(t);
        char obj[96];

        snprintf(obj, sizeof obj, "template \"%s\"", name);
        if (!config_setting_is_group(t)) {
            tp_error(ld, t, "%s: must be a group { routers = ...; }", obj);
            continue;
        }
        tp_check_name(ld, t, "template", name, TP_OBJECT_NAME_MAX);
        tp_check_keys(ld, t, obj, tp_body_keys);
        tp_parse_body(ld, t, name, obj);
    }
}

const struct topo_body *
tp_find_template(const struct topology *topo, const char *name)
{
    for (size_t i = 0; i < topo->n_bodies; i++) {
        if (topo->bodies[i]->name && !strcmp(topo->bodies[i]->name, name)) {
            return topo->bodies[i];
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Generated names                                                          */
/* ------------------------------------------------------------------------ */

/* A generated name, to find two objects that would get the same one. */
struct gen_name {
    char name[128];
    char what[96];
    int line;
};

struct gen_names {
    struct gen_name *v;
    size_t n, cap;
};

static void
gen_add(struct gen_names *g, const char *name, const char *what, int line)
{
    g->v = xgrow(g->v, &g->cap, g->n + 1, sizeof *g->v);
    struct gen_name *e = &g->v[g->n++];
    snprintf(e->name, sizeof e->name, "%s", name);
    snprintf(e->what, sizeof e->what, "%s", what);
    e->line = line;
}

static int
gen_cmp(const void *a_, const void *b_)
{
    const struct gen_name *a = a_, *b = b_;
    int c = strcmp(a->name, b->name);

    return c ? c : (a->line > b->line) - (a->line < b->line);
}

static void
gen_check(struct tp_loader *ld, const char *file, struct gen_names *g,
          const char *kind)
{
    if (g->n > 1) {
        qsort(g->v, g->n, sizeof *g->v, gen_cmp);
    }
    for (size_t i = 1, first = 0; i < g->n; i++) {
        if (strcmp(g->v[i].name, g->v[first].name) != 0) {
            first = i;
            continue;
        }
        tp_error_at(ld, file, g->v[i].line,
                    "%s: %s name \"%s\" is also the "
                    "name of %s (line %d)",
                    g->v[i].what, kind, g->v[i].name, g->v[first].what,
                    g->v[first].line);
    }
    free(g->v);
}

struct name_ctx {
    struct tp_loader *ld;
    const char *file;
    unsigned asn;
    struct gen_names nodes, bridges;
};

/* Names of routers that are not valid names are not checked: they are
 * reported already, and a name too long would be reported twice. */
static bool
router_ok(const char *name)
{
    return util_valid_name(name, TP_ROUTER_NAME_MAX);
}

static void
router_names(struct name_ctx *c, const struct topo_router *r)
{
    char buf[128], obj[96], what[64];
    int len;

    if (!router_ok(r->name)) {
        return;
    }
    snprintf(obj, sizeof obj, "router \"%s\" in AS %u", r->name, c->asn);
    snprintf(what, sizeof what, "router \"%s\"", r->name);
    len = names_router(buf, sizeof buf, c->asn, r->name);
    tp_name_fits(c->ld, c->file, r->line, obj, "node", buf, len,
                 TP_NODE_NAME_MAX);
    gen_add(&c->nodes, buf, what, r->line);
    if (!r->host) {
        return;
    }
    for (size_t h = 0; h < (r->n_host_rows ? r->n_host_rows : 1); h++) {
        if (r->n_host_rows) {
            len = names_host_row(buf, sizeof buf, c->asn, r->name,
                                 r->host_rows[h]);
        } else {
            len = names_host(buf, sizeof buf, c->asn, r->name);
        }
        tp_name_fits(c->ld, c->file, r->line, obj, "node", buf, len,
                     TP_NODE_NAME_MAX);
        snprintf(what, sizeof what, "a host of router \"%s\"", r->name);
        gen_add(&c->nodes, buf, what, r->line);
        len = r->n_host_rows
                  ? names_if_router_host_row(buf, sizeof buf, r->host_rows[h])
                  : names_if_router_host(buf, sizeof buf);
        tp_name_fits(c->ld, c->file, r->line, obj, "interface", buf, len,
                     TP_IFNAME_MAX);
    }
    len = names_if_host_router(buf, sizeof buf, r->name);
    tp_name_fits(c->ld, c->file, r->line, obj, "interface", buf, len,
                 TP_IFNAME_MAX);
}

static void
ilink_names(struct name_ctx *c, const struct topo_body *b,
            const struct topo_ilink *l)
{
    const char *na = b->routers[l->a].name, *nb = b->routers[l->b].name;
    char buf[128], obj[128];
    int len;

    if (!router_ok(na) || !router_ok(nb)) {
        return;
    }
    snprintf(obj, sizeof obj, "internal link (\"%s\", \"%s\") in AS %u", na,
             nb, c->asn);
    len = names_if_internal(buf, sizeof buf, nb);
    if (tp_name_fits(c->ld, c->file, l->line, obj, "interface", buf, len,
                     TP_IFNAME_MAX)) {
        len = names_if_internal(buf, sizeof buf, na);
        tp_name_fits(c->ld, c->file, l->line, obj, "interface", buf, len,
                     TP_IFNAME_MAX);
    }
}

static void
switch_names(struct name_ctx *c, const struct topo_body *b,
             const struct topo_l2net *net, size_t index)
{
    const struct topo_switch *sw = &net->switches[index];
    char buf[128], obj[128], what[96];
    bool has_hosts = false;
    int len;

    size_t dc = (size_t)(net - b->l2nets);

    snprintf(obj, sizeof obj, "switch \"%s\" in AS %u", sw->name, c->asn);
    snprintf(what, sizeof what, "switch \"%s\" of L2 network \"%s\"", sw->name,
             net->name);
    /* A full name longer than an interface name gets a short bridge name
     * (names_switch_bridge()); only a short one that does not fit either
     * is an error. */
    len = names_switch_bridge(buf, sizeof buf, c->asn, net->name, sw->name, dc,
                              index);
    tp_name_fits(c->ld, c->file, sw->line, obj, "bridge", buf, len,
                 TP_IFNAME_MAX);
    len = names_switch(buf, sizeof buf, c->asn, net->name, sw->name);
    tp_name_fits(c->ld, c->file, sw->line, obj, "switch", buf, len,
                 TP_NODE_NAME_MAX);
    gen_add(&c->bridges, buf, what, sw->line);
    for (size_t i = 0; i < net->n_hosts; i++) {
        has_hosts |= net->hosts[i].sw == index;
        if (sw->gateway < 0 || !router_ok(b->routers[sw->gateway].name)) {
            continue;
        }
        /* The gateway serves every VLAN of the network; report only the
         * first name that does not fit. */
        len = names_if_gateway(buf, sizeof buf, b->routers[sw->gateway].name,
                               net->hosts[i].vlan);
        if (!tp_name_fits(c->ld, c->file, sw->line, obj, "interface", buf, len,
                          TP_IFNAME_MAX)) {
            break;
        }
    }
    if (has_hosts) {
        len =
            names_if_l2host_fit(buf, sizeof buf, c->asn, sw->name, dc, index);
        tp_name_fits(c->ld, c->file, sw->line, obj, "interface", buf, len,
                     TP_IFNAME_MAX);
    }
}

static void
l2host_names(struct name_ctx *c, const struct topo_l2net *net,
             const struct topo_l2host *h)
{
    char buf[128], obj[128], what[96];

    snprintf(obj, sizeof obj, "L2 host \"%s\" in AS %u", h->name, c->asn);
    snprintf(what, sizeof what, "L2 host \"%s\" of L2 network \"%s\"", h->name,
             net->name);
    int len = names_l2host(buf, sizeof buf, c->asn, net->name, h->name);
    tp_name_fits(c->ld, c->file, h->line, obj, "node", buf, len,
                 TP_NODE_NAME_MAX);
    gen_add(&c->nodes, buf, what, h->line);
}

/* Checks every name generated for body `bi` as AS `asn` (the body's user
 * with the most digits, so the longest names). */
static void
check_body_names(struct tp_loader *ld, size_t bi, unsigned asn)
{
    const struct topo_body *b = ld->topo->bodies[bi];
    struct name_ctx c = {
        .ld = ld,
        .file = tp_file(ld, ld->body_src[bi]),
        .asn = asn,
    };

    for (size_t i = 0; i < b->n_routers; i++) {
        router_names(&c, &b->routers[i]);
    }
    for (size_t i = 0; i < b->n_links; i++) {
        ilink_names(&c, b, &b->links[i]);
    }
    for (size_t i = 0; i < b->n_l2nets; i++) {
        const struct topo_l2net *net = &b->l2nets[i];
        for (size_t j = 0; j < net->n_switches; j++) {
            switch_names(&c, b, net, j);
        }
        for (size_t j = 0; j < net->n_hosts; j++) {
            l2host_names(&c, net, &net->hosts[j]);
        }
    }
    gen_check(ld, c.file, &c.nodes, "node");
    gen_check(ld, c.file, &c.bridges, "bridge");
}

static void
check_ixp_names(struct tp_loader *ld, unsigned ixp)
{
    const config_setting_t *s = ld->slots[ixp].where;
    const char *file = tp_file(ld, s);
    int line = (int)config_setting_source_line(s);
    char buf[64], obj[32];
    int len;

    snprintf(obj, sizeof obj, "IXP %u", ixp);
    len = names_routeserver(buf, sizeof buf, ixp);
    tp_name_fits(ld, file, line, obj, "node", buf, len, TP_NODE_NAME_MAX);
    len = names_ixp_bridge(buf, sizeof buf, ixp);
    tp_name_fits(ld, file, line, obj, "bridge", buf, len, TP_IFNAME_MAX);
    len = names_if_ixp(buf, sizeof buf, ixp);
    tp_name_fits(ld, file, line, obj, "interface", buf, len, TP_IFNAME_MAX);
}

void
tp_check_names(struct tp_loader *ld)
{
    for (size_t bi = 0; bi < ld->topo->n_bodies; bi++) {
        unsigned user = 0;
        for (unsigned n = 1; n <= TOPO_MAX_ASN; n++) {
            if (ld->slots[n].where &&
                ld->slots[n].body == ld->topo->bodies[bi]) {
                user = n;
            }
        }
        if (user) {
            check_body_names(ld, bi, user);
        }
    }
    for (unsigned n = 1; n <= TOPO_MAX_ASN; n++) {
        if (ld->slots[n].where && ld->slots[n].ixp) {
            check_ixp_names(ld, n);
        }
    }
}
