/* The importer's writer: the model to one topology file.  ASes whose
 * bodies come out the same share a template named after their routers
 * file; ASes with the same template, students setting and server share one
 * `asns` line. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_int.h"
#include "util.h"

struct buf {
    char *s;
    size_t len, cap;
};

static void MI_PRINTF(2, 3) put(struct buf *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        abort();
    }
    b->s = xgrow(b->s, &b->cap, b->len + (size_t)n + 1, 1);
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* The settings rate, delay and buffer that are set. */
static void
put_impair_fields(struct buf *b, const struct imp_impair *im)
{
    if (im->rate[0]) {
        put(b, " rate = \"%s\";", im->rate);
    }
    if (im->delay[0]) {
        put(b, " delay = \"%s\";", im->delay);
    }
    if (im->buffer[0]) {
        put(b, " buffer = \"%s\";", im->buffer);
    }
}

/* A link's options element, if it has any. */
static void
put_impair(struct buf *b, const struct imp_impair *im)
{
    if (!im->rate[0] && !im->delay[0]) {
        return;
    }
    put(b, ", {");
    put_impair_fields(b, im);
    put(b, " }");
}

/* Every character of `name` that a setting's name may not have becomes
 * `with`. */
static void
clean_name(char *name, char with)
{
    for (char *p = name; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '_' || *p == '-')) {
            *p = with;
        }
    }
}

/* `any`: some AS has a MEASUREMENT router (the host is built), so a body
 * without one says so. */
static char *
body_text(const struct imp_body *body, bool any)
{
    struct buf b = {0};

    put(&b, "    routers = (");
    for (size_t r = 0; r < body->n_routers; r++) {
        const struct imp_router *rt = &body->routers[r];
        put(&b, "%s", !r ? " " : r % 6 == 0 ? ",\n      " : ", ");
        if (rt->n_hosts && (body->all || rt->n_hosts > 1)) {
            put(&b, "{ name = \"%s\"; hosts = [", rt->name);
            for (size_t h = 0; h < rt->n_hosts; h++) {
                put(&b, "%s%u", h ? ", " : "", rt->host_rows[h]);
            }
            put(&b, "]; }");
        } else if (rt->n_hosts) {
            put(&b, "\"%s\"", rt->name);
        } else {
            put(&b, "{ name = \"%s\"; host = false; }", rt->name);
        }
    }
    put(&b, " );\n");
    if (body->measurement) {
        put(&b, "    measurement = \"%s\";\n",
            body->routers[body->measurement - 1].name);
    } else if (any) {
        put(&b, "    measurement = false;\n");
    }
    if (body->matrix) {
        put(&b, "    matrix = \"%s\"; # MATRIX_TARGET\n",
            body->routers[body->matrix - 1].name);
    }
    if (body->n_links) {
        put(&b, "    links = (\n");
        for (size_t i = 0; i < body->n_links; i++) {
            const struct imp_ilink *l = &body->links[i];
            put(&b, "      (\"%s\", \"%s\"", body->routers[l->a].name,
                body->routers[l->b].name);
            put_impair(&b, &l->impair);
            put(&b, ")%s\n", i + 1 < body->n_links ? "," : "");
        }
        put(&b, "    );\n");
    }
    if (!body->n_l2nets) {
        return b.s;
    }
    put(&b, "    l2 = (\n");
    for (size_t d = 0; d < body->n_l2nets; d++) {
        const struct imp_l2net *net = &body->l2nets[d];
        put(&b, "      { name = \"%s\";\n        switches = (\n", net->name);
        for (size_t s = 0; s < net->n_switches; s++) {
            const struct imp_switch *sw = &net->switches[s];
            put(&b, "          { name = \"%s\";", sw->name);
            if (sw->gateway >= 0) {
                put(&b, " gateway = \"%s\";", body->routers[sw->gateway].name);
            }
            put(&b, " stp_priority = %u; }%s\n", sw->prio,
                s + 1 < net->n_switches ? "," : "");
        }
        put(&b, "        );\n");
        if (net->n_links) {
            put(&b, "        links = (\n");
            for (size_t i = 0; i < net->n_links; i++) {
                const struct imp_l2link *l = &net->links[i];
                put(&b, "          (\"%s\", \"%s\"", net->switches[l->a].name,
                    net->switches[l->b].name);
                put_impair(&b, &l->impair);
                put(&b, ")%s\n", i + 1 < net->n_links ? "," : "");
            }
            put(&b, "        );\n");
        }
        if (net->n_hosts) {
            put(&b, "        hosts = (\n");
            for (size_t i = 0; i < net->n_hosts; i++) {
                const struct imp_l2host *h = &net->hosts[i];
                put(&b, "          (\"%s\", \"%s\", %u", h->name,
                    net->switches[h->sw].name, h->vlan);
                put_impair(&b, &h->impair);
                put(&b, ")%s\n", i + 1 < net->n_hosts ? "," : "");
            }
            put(&b, "        );\n");
        }
        put(&b, "      }%s\n", d + 1 < body->n_l2nets ? "," : "");
    }
    put(&b, "    );\n");
    return b.s;
}

/* "l3_routers_krill.txt" -> "l3_routers_krill": a setting name (a letter
 * first, then letters, digits, _ and -). */
static char *
template_stem(const char *file)
{
    char *name = xasprintf("t_%s", file);
    char *dot = strrchr(name, '.');

    if (dot) {
        *dot = '\0';
    }
    clean_name(name, '_');
    /* Keep the file's own name when it starts with a letter. */
    if ((file[0] >= 'a' && file[0] <= 'z') ||
        (file[0] >= 'A' && file[0] <= 'Z')) {
        memmove(name, name + 2, strlen(name + 2) + 1);
    }
    if (strlen(name) > 28) {
        name[28] = '\0';
    }
    return name;
}

static bool
any_measurement(const struct importer *im)
{
    for (size_t i = 0; i < im->n_ases; i++) {
        if (!im->ases[i].ixp && im->ases[i].body &&
            im->ases[i].body->measurement) {
            return true;
        }
    }
    return false;
}

static void
make_templates(struct importer *im)
{
    for (size_t i = 0; i < im->n_ases; i++) {
        struct imp_as *as = &im->ases[i];
        if (as->ixp) {
            continue;
        }
        as->body->text = body_text(as->body, any_measurement(im));
        for (size_t t = 0; t < im->n_templates; t++) {
            if (!strcmp(im->templates[t].body->text, as->body->text)) {
                as->template = (int)t;
                break;
            }
        }
        if (as->template >= 0) {
            continue;
        }
        char *stem = template_stem(as->files[0]->name);
        char *name = xstrdup(stem);
        for (unsigned n = 2;; n++) {
            bool taken = false;
            for (size_t t = 0; t < im->n_templates; t++) {
                taken |= !strcmp(im->templates[t].name, name);
            }
            if (!taken) {
                break;
            }
            free(name);
            name = xasprintf("%s_%u", stem, n);
        }
        free(stem);
        im->templates = xrealloc(im->templates, (im->n_templates + 1) *
                                                    sizeof *im->templates);
        im->templates[im->n_templates] =
            (struct imp_template){.name = name, .body = as->body};
        as->template = (int)im->n_templates++;
    }
}

static int
compare_asn(const void *a_, const void *b_)
{
    const struct imp_as *const *a = a_, *const *b = b_;

    return (*a)->asn < (*b)->asn ? -1 : (*a)->asn > (*b)->asn;
}

/* "1-3,7" from sorted numbers. */
static void
put_ranges(struct buf *b, const unsigned *n, size_t count)
{
    for (size_t i = 0; i < count;) {
        size_t j = i;
        while (j + 1 < count && n[j + 1] == n[j] + 1) {
            j++;
        }
        put(b, "%s%u", i ? "," : "", n[i]);
        if (j > i) {
            put(b, "-%u", n[j]);
        }
        i = j + 1;
    }
}

static bool
same_group(const struct imp_as *a, const struct imp_as *b)
{
    return a->ixp == b->ixp && a->template == b->template &&
           a->configured == b->configured &&
           !strcmp(a->server ? a->server : "", b->server ? b->server : "");
}

/* ASes (or IXPs) in groups of the same settings, each group in number
 * order, groups in the order of their smallest number. */
static void
put_groups(struct buf *b, const struct importer *im, bool ixp)
{
    const struct imp_as **sorted =
        xcalloc(im->n_ases, sizeof(const struct imp_as *));
    bool *done = xcalloc(im->n_ases, sizeof *done);
    unsigned *numbers = xcalloc(im->n_ases, sizeof *numbers);
    size_t n = 0;
    bool first = true;

    for (size_t i = 0; i < im->n_ases; i++) {
        if (im->ases[i].ixp == ixp) {
            sorted[n++] = &im->ases[i];
        }
    }
    qsort(sorted, n, sizeof(const struct imp_as *), compare_asn);
    for (size_t i = 0; i < n; i++) {
        size_t count = 0;
        if (done[i]) {
            continue;
        }
        for (size_t j = i; j < n; j++) {
            if (!done[j] && same_group(sorted[i], sorted[j])) {
                numbers[count++] = sorted[j]->asn;
                done[j] = true;
            }
        }
        const struct imp_as *as = sorted[i];
        put(b, "%s  { ", first ? "" : ",\n");
        first = false;
        if (count == 1) {
            put(b, "%s = %u;", ixp ? "id" : "asn", numbers[0]);
        } else {
            put(b, "%s = \"", ixp ? "ids" : "asns");
            put_ranges(b, numbers, count);
            put(b, "\";");
        }
        if (!ixp) {
            put(b, " template = \"%s\";", im->templates[as->template].name);
            if (!as->configured) {
                put(b, " students = true;");
            }
        }
        if (as->server) {
            put(b, " server = \"%s\";", as->server);
        }
        put(b, " }");
    }
    put(b, "\n");
    free(sorted);
    free(done);
    free(numbers);
}

static const char *
rel_name(enum imp_rel rel)
{
    return rel == IMP_PROVIDER   ? "provider"
           : rel == IMP_CUSTOMER ? "customer"
                                 : "peer";
}

static const char *
router_of(const struct importer *im, unsigned asn, size_t r)
{
    for (size_t i = 0; i < im->n_ases; i++) {
        if (im->ases[i].asn == asn) {
            return im->ases[i].body->routers[r].name;
        }
    }
    return "";
}

static void
put_elinks(struct buf *b, const struct importer *im)
{
    put(b, "\nlinks = (\n");
    for (size_t i = 0; i < im->n_elinks; i++) {
        const struct imp_elink *e = &im->elinks[i];
        const char *ra = router_of(im, e->as_a, e->router_a);
        if (e->to_ixp) {
            put(b, "  (%u, \"%s\", \"peer\", %u", e->as_a, ra, e->as_b);
        } else {
            put(b, "  (%u, \"%s\", \"%s\", %u, \"%s\"", e->as_a, ra,
                rel_name(e->rel), e->as_b,
                router_of(im, e->as_b, e->router_b));
        }
        const struct imp_impair *m = &e->impair;
        bool any =
            m->rate[0] || m->delay[0] || e->subnet || e->ends12 || e->to_ixp;
        if (any) {
            put(b, ", {");
            put_impair_fields(b, m);
            if (e->subnet) {
                put(b, " subnet = \"%u.%u.%u.0/24\";", e->subnet >> 24,
                    e->subnet >> 16 & 0xff, e->subnet >> 8 & 0xff);
            }
            if (e->ends12) {
                put(b, " ends = [1, 2];");
            }
            if (e->to_ixp) {
                put(b, " announce = [");
                for (size_t k = 0; k < e->n_announce; k++) {
                    put(b, "%s%u", k ? ", " : "", e->announce[k]);
                }
                put(b, "];");
            }
            put(b, " }");
        }
        put(b, ")%s   # %s:%d\n", i + 1 < im->n_elinks ? "," : " ",
            im->links_file, e->line);
    }
    put(b, ");\n");
}

static void
put_servers(struct buf *b, const struct importer *im)
{
    put(b, "\nservers = (\n");
    for (size_t i = 0; i < im->n_servers; i++) {
        const struct imp_server *s = &im->servers[i];
        put(b, "  { name = \"%s\"; address = \"%s\"; interface = \"%s\";\n",
            s->name, s->address, s->interface);
        put(b, "    ssh = { host = \"%s\";", s->ssh_host);
        if (s->ssh_user) {
            put(b, " user = \"%s\";", s->ssh_user);
        }
        if (s->ssh_port) {
            put(b, " port = %u;", s->ssh_port);
        }
        put(b, " }; }%s\n", i + 1 < im->n_servers ? "," : "");
    }
    put(b, ");\n");
}

/* The network's name: the directory's last component (and the size),
 * made a valid name. */
static char *
network_name(const struct importer *im)
{
    /* The directory's real name: "." or "x/.." name what they are. */
    const char *dir = im->real ? im->real : im->dir;
    const char *base = strrchr(dir, '/');
    const char *as = im->as_file + strlen("AS_config");
    char *name = xasprintf("%s%.*s", base && base[1] ? base + 1 : dir,
                           (int)(strlen(as) - strlen(".txt")), as);

    clean_name(name, '-');
    if (!*name || strlen(name) > 32) {
        free(name);
        name = xstrdup("imported");
    }
    return name;
}

char *
imp_write(struct importer *im)
{
    struct buf b = {0};

    make_templates(im);
    /* The path as given, each byte that is not printable ASCII (a newline
     * would end the comment) and each backslash written \xNN. */
    put(&b, "# Imported by `miniinet import` from ");
    for (const char *p = im->dir; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c >= 0x7f || c == '\\') {
            put(&b, "\\x%02x", c);
        } else {
            put(&b, "%c", c);
        }
    }
    put(&b, "\n");
    put(&b, "# (%s, %s); doc/import.md says what maps to what.\n", im->as_file,
        im->links_file);
    put(&b, "#\n# Units:\n");
    for (size_t i = 0; i < im->n_units; i++) {
        put(&b, "#   %s\n", im->units[i]);
    }
    put(&b, "#\n# Not carried over (%zu):\n", im->n_omitted);
    for (size_t i = 0; i < im->n_omitted; i++) {
        char *line = imp_omitted_text(&im->omitted[i]);
        put(&b, "#   - %s\n", line);
        free(line);
    }
    char *name = network_name(im);
    put(&b, "\nname = \"%s\";\n", name);
    free(name);
    if (any_measurement(im)) {
        put(&b, "measurement = true; # MEASUREMENT, linked to the routers "
                "with that service\n");
    }
    if (im->n_servers) {
        put_servers(&b, im);
    }
    put(&b, "\ntemplates = {\n");
    for (size_t t = 0; t < im->n_templates; t++) {
        put(&b, "  %s = {\n%s  };\n", im->templates[t].name,
            im->templates[t].body->text);
    }
    put(&b, "};\n\nases = (\n");
    put_groups(&b, im, false);
    put(&b, ");\n");
    if (im->counts.ixps) {
        put(&b, "\nixps = (\n");
        put_groups(&b, im, true);
        put(&b, ");\n");
    }
    if (im->n_elinks) {
        put_elinks(&b, im);
    }
    return b.s;
}
