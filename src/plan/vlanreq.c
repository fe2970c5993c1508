/* A student's request to the switch VLAN agent, parsed and judged
 * (vlanreq.h).  Pure. */
#include "config.h"

#include "vlanreq.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define VLANREQ_WORDS 5
#define QUOTE_MAX 40 /* bytes of a word quoted in a refusal */

void
vlanreq_escape(const char *text, size_t len, size_t max, char *buf,
               size_t buf_len)
{
    size_t o = 0;

    if (!buf_len) {
        return;
    }
    for (size_t i = 0; i < len && i < max && o + 5 < buf_len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            buf[o++] = (char)c;
        } else {
            o += (size_t)snprintf(buf + o, buf_len - o, "\\x%02x", c);
        }
    }
    if (len > max && o + 4 < buf_len) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
}

/* Word `w` quoted for a refusal. */
static void
quote(const char *w, char *buf, size_t len)
{
    vlanreq_escape(w, strlen(w), QUOTE_MAX, buf, len);
}

/* 1..MI_VLAN_MAX in decimal, no sign, no leading zero: the number, else
 * 0. */
static unsigned
vlan_number(const char *s, size_t len)
{
    unsigned v = 0;

    if (len == 0 || len > 4 || s[0] == '0') {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    return v <= MI_VLAN_MAX ? v : 0;
}

static int
refuse(char *why, size_t why_len, const char *fmt, const char *word)
{
    char q[4 * QUOTE_MAX + 8];

    quote(word, q, sizeof q);
    snprintf(why, why_len, fmt, q);
    return -EINVAL;
}

static int
parse_trunks(const char *list, struct mi_port_vlan *v, char *why,
             size_t why_len)
{
    memset(v, 0, sizeof *v);
    v->trunk = true;
    if (!strcmp(list, "all")) {
        return 0;
    }
    const char *s = list;
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        unsigned n = vlan_number(s, len);
        if (!n) {
            char word[VLANREQ_MAX + 1];
            snprintf(word, sizeof word, "%.*s", (int)len, s);
            return refuse(why, why_len,
                          "VLAN \"%s\" in the trunk's list is not a number "
                          "from 1 to 4094 (the list: V[,V...], or all)",
                          word);
        }
        v->trunks[n / 8] |= (uint8_t)(1u << n % 8);
        if (!comma) {
            return 0;
        }
        s = comma + 1;
    }
}

static int
parse_words(const char *line, size_t len, char words[][VLANREQ_MAX + 1],
            size_t *n, char *why, size_t why_len)
{
    size_t start = 0;

    *n = 0;
    if (len == 0) {
        snprintf(why, why_len, "empty request (show, access or trunk)");
        return -EINVAL;
    }
    if (len > VLANREQ_MAX) {
        snprintf(why, why_len, "request longer than %d bytes", VLANREQ_MAX);
        return -EINVAL;
    }
    for (size_t i = 0; i <= len; i++) {
        unsigned char c = i < len ? (unsigned char)line[i] : ' ';
        if (c != ' ' && (c < 0x21 || c > 0x7e)) {
            snprintf(why, why_len,
                     "byte 0x%02x at %zu: a request is printable ASCII "
                     "words separated by single spaces",
                     c, i + 1);
            return -EINVAL;
        }
        if (c != ' ') {
            continue;
        }
        if (i == start) {
            snprintf(why, why_len,
                     "%s space at %zu: words are separated by single "
                     "spaces",
                     i == 0 || i == len ? "leading or trailing" : "double",
                     i == len ? i : i + 1);
            return -EINVAL;
        }
        if (*n == VLANREQ_WORDS) {
            snprintf(why, why_len, "too many words (at most %d)",
                     VLANREQ_WORDS);
            return -EINVAL;
        }
        memcpy(words[*n], line + start, i - start);
        words[(*n)++][i - start] = '\0';
        start = i + 1;
    }
    return 0;
}

int
vlanreq_parse(const char *line, size_t len, struct vlanreq *r, char *why,
              size_t why_len)
{
    char words[VLANREQ_WORDS][VLANREQ_MAX + 1];
    size_t n;

    memset(r, 0, sizeof *r);
    if (parse_words(line, len, words, &n, why, why_len)) {
        return -EINVAL;
    }
    /* Every word but a trunk's list is a name or a number. */
    for (size_t i = 0; i < n && i < 4; i++) {
        if (strlen(words[i]) >= VLANREQ_WORD) {
            snprintf(why, why_len, "word %zu is longer than %d bytes", i + 1,
                     VLANREQ_WORD - 1);
            return -EINVAL;
        }
    }
    size_t want;
    if (!strcmp(words[0], "show")) {
        r->verb = VLANREQ_SHOW;
        want = 3;
    } else if (!strcmp(words[0], "access")) {
        r->verb = VLANREQ_ACCESS;
        want = 5;
    } else if (!strcmp(words[0], "trunk")) {
        r->verb = VLANREQ_TRUNK;
        want = 5;
    } else {
        return refuse(why, why_len,
                      "unknown request \"%s\" (show, access or trunk)",
                      words[0]);
    }
    if (n != want) {
        snprintf(why, why_len, "%s takes %s", words[0],
                 r->verb == VLANREQ_SHOW     ? "LOCATION SWITCH"
                 : r->verb == VLANREQ_ACCESS ? "LOCATION SWITCH PORT VLAN"
                                             : "LOCATION SWITCH PORT "
                                               "all|V[,V...]");
        return -EINVAL;
    }
    memcpy(r->location, words[1], sizeof r->location);
    memcpy(r->what, words[2], sizeof r->what);
    if (r->verb == VLANREQ_SHOW) {
        return 0;
    }
    memcpy(r->port, words[3], sizeof r->port);
    if (r->verb == VLANREQ_TRUNK) {
        return parse_trunks(words[4], &r->vlan, why, why_len);
    }
    r->vlan.tag = vlan_number(words[4], strlen(words[4]));
    if (!r->vlan.tag) {
        return refuse(why, why_len,
                      "VLAN \"%s\" is not a number from 1 to 4094", words[4]);
    }
    return 0;
}

static bool
student_link(const struct mi_link *l)
{
    return l->kind == MI_LINK_L2_GATEWAY || l->kind == MI_LINK_L2_HOST ||
           l->kind == MI_LINK_L2_TRUNK;
}

bool
vlanreq_group_has_switch(const struct access_group *g)
{
    for (size_t i = 0; i < g->n_devices; i++) {
        if (g->devices[i].kind == ACCESS_SWITCH && g->devices[i].bridge >= 0) {
            return true;
        }
    }
    return false;
}

int
vlanreq_judge(const struct vlanreq *r, const struct mi_plan *p,
              const struct access_plan *ap, unsigned asn,
              struct vlanreq_target *t, char *why, size_t why_len)
{
    const struct access_group *g = access_plan_group(ap, asn);
    char ql[4 * QUOTE_MAX + 8], qw[4 * QUOTE_MAX + 8], qp[4 * QUOTE_MAX + 8];

    memset(t, 0, sizeof *t);
    quote(r->location, ql, sizeof ql);
    quote(r->what, qw, sizeof qw);
    for (size_t i = 0; g && i < g->n_devices && !t->sw; i++) {
        const struct access_device *d = &g->devices[i];
        if (d->kind == ACCESS_SWITCH && d->bridge >= 0 &&
            (size_t)d->bridge < p->n_bridges &&
            !strcmp(d->location, r->location) && !strcmp(d->what, r->what)) {
            t->sw = d;
        }
    }
    if (!t->sw) {
        snprintf(why, why_len, "AS %u has no switch \"%s %s\"", asn, ql, qw);
        return -ENOENT;
    }
    t->bridge = (size_t)t->sw->bridge;
    t->bridge_name = mi_plan_bridge(p, t->bridge)->name;
    if (r->verb == VLANREQ_SHOW) {
        return 0;
    }
    for (size_t i = 0; i < p->n_links && !t->port; i++) {
        const struct mi_link *l = mi_plan_link(p, i);
        for (int e = 0; e < 2 && student_link(l); e++) {
            if (l->end[e].bridge == (int)t->bridge && l->peer[e] &&
                !strcmp(l->peer[e], r->port)) {
                t->port = l->peer[e];
            }
        }
    }
    if (!t->port) {
        quote(r->port, qp, sizeof qp);
        snprintf(why, why_len,
                 "switch %s %s has no port \"%s\" of yours (show %s %s "
                 "lists them)",
                 ql, qw, qp, ql, qw);
        return -ENOENT;
    }
    return 0;
}

/* What the other end `e` of link `l` is, for `show`. */
static void
other_end(const struct mi_plan *p, const struct access_group *g,
          const struct access_device *self, const struct mi_link *l, int e,
          char *buf, size_t len)
{
    const struct mi_endpoint *o = &l->end[e];

    for (size_t i = 0; i < g->n_devices; i++) {
        const struct access_device *d = &g->devices[i];
        if (o->bridge >= 0 && d->kind == ACCESS_SWITCH &&
            d->bridge == o->bridge) {
            if (strcmp(d->location, self->location) != 0) {
                snprintf(buf, len, "switch %s %s", d->location, d->what);
            } else {
                snprintf(buf, len, "switch %s", d->what);
            }
            return;
        }
        if (o->node >= 0 && d->node == o->node) {
            if (d->kind == ACCESS_ROUTER) {
                snprintf(buf, len, "router %s", d->location);
            } else {
                snprintf(buf, len, "host %s", d->what);
            }
            return;
        }
    }
    /* Not a device of the group (never in a plan miniinet made): the
     * plan's name. */
    snprintf(buf, len, "%s",
             o->node >= 0     ? mi_plan_node(p, (size_t)o->node)->name
             : o->bridge >= 0 ? mi_plan_bridge(p, (size_t)o->bridge)->name
                              : "?");
}

char *
vlanreq_ports_text(const struct mi_plan *p, const struct access_group *g,
                   size_t bridge)
{
    const struct access_device *self = NULL;
    char *text = xstrdup("");
    size_t used = 0;

    for (size_t i = 0; i < g->n_devices && !self; i++) {
        if (g->devices[i].kind == ACCESS_SWITCH &&
            g->devices[i].bridge == (int)bridge) {
            self = &g->devices[i];
        }
    }
    if (!self) {
        return text;
    }
    for (size_t i = 0; i < p->n_links; i++) {
        const struct mi_link *l = mi_plan_link(p, i);
        for (int e = 0; e < 2 && student_link(l); e++) {
            if (l->end[e].bridge != (int)bridge || !l->peer[e]) {
                continue;
            }
            char what[160];
            other_end(p, g, self, l, 1 - e, what, sizeof what);
            char *line = xasprintf("port %s to %s\n", l->peer[e], what);
            size_t n = strlen(line);
            text = xrealloc(text, used + n + 1);
            memcpy(text + used, line, n + 1);
            used += n;
            free(line);
        }
    }
    return text;
}

char *
vlanreq_describe(const struct vlanreq *r)
{
    if (r->verb == VLANREQ_ACCESS) {
        return xasprintf("%s %s port %s: access VLAN %u", r->location, r->what,
                         r->port, r->vlan.tag);
    }
    /* At most 4094 numbers of 5 bytes each. */
    char *list = xmalloc(MI_VLAN_MAX * 5 + 1);
    size_t used = 0;
    list[0] = '\0';
    for (unsigned v = 1; v <= MI_VLAN_MAX; v++) {
        if (r->vlan.trunks[v / 8] >> v % 8 & 1) {
            used += (size_t)snprintf(list + used, MI_VLAN_MAX * 5 + 1 - used,
                                     "%s%u", used ? "," : "", v);
        }
    }
    char *s = used ? xasprintf("%s %s port %s: trunk of VLANs %s", r->location,
                               r->what, r->port, list)
                   : xasprintf("%s %s port %s: trunk of every VLAN",
                               r->location, r->what, r->port);
    free(list);
    return s;
}
