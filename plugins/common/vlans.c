/* A bridge's VLAN settings as text, and as Open vSwitch lists them: strict
 * parsers and the one encoder.  See vlans.h. */
#include "config.h"

#include "vlans.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const modes[] = {"access", "trunk", "native-tagged",
                                    "native-untagged", "dot1q-tunnel"};

/* A token: `len` bytes at `s`, not NUL-terminated. */
struct tok {
    const char *s;
    size_t len;
};

static bool
tok_is(struct tok t, const char *word)
{
    return t.len == strlen(word) && !memcmp(t.s, word, t.len);
}

static bool
valid_port_name(struct tok t)
{
    if (!t.len || t.len > VLANS_PORT_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < t.len; i++) {
        char c = t.s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-')) {
            return false;
        }
    }
    return true;
}

bool
vlans_name_ok(const char *name)
{
    /* Longer than VLANS_PORT_NAME_MAX: t.len says so, and it is refused. */
    struct tok t = {name, name ? strnlen(name, VLANS_PORT_NAME_MAX + 1) : 0};

    return valid_port_name(t);
}

/* A VLAN: decimal 0..4095, no sign, no leading zero; -1 if not. */
static int
parse_vlan(struct tok t)
{
    int v = 0;

    if (!t.len || t.len > 4 || (t.s[0] == '0' && t.len > 1)) {
        return -1;
    }
    for (size_t i = 0; i < t.len; i++) {
        if (t.s[i] < '0' || t.s[i] > '9') {
            return -1;
        }
        v = v * 10 + (t.s[i] - '0');
    }
    return v < VLANS_N_VLANS ? v : -1;
}

static bool
parse_mode(struct tok t, char *mode, size_t len)
{
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
        if (tok_is(t, modes[i])) {
            snprintf(mode, len, "%s", modes[i]);
            return true;
        }
    }
    return false;
}

/* The next token of `s` (up to `end`) separated by `sep`; false at the
 * end. */
static bool
next_tok(const char **s, const char *end, char sep, struct tok *t)
{
    if (*s > end) {
        return false;
    }
    const char *p = memchr(*s, sep, (size_t)(end - *s));
    if (!p) {
        p = end;
    }
    t->s = *s;
    t->len = (size_t)(p - *s);
    *s = p + 1;
    return true;
}

/* VLANs separated by `sep`, ascending, each once, into p->trunks. */
static bool
parse_trunks(struct tok t, char sep, struct vlan_port *p)
{
    const char *s = t.s, *end = t.s + t.len;
    struct tok v;
    int last = -1;

    memset(p->trunks, 0, sizeof p->trunks);
    while (next_tok(&s, end, sep, &v)) {
        int vlan = parse_vlan(v);
        if (vlan <= last) {
            return false;
        }
        p->trunks[vlan / 8] |= (uint8_t)(1u << (vlan % 8));
        last = vlan;
    }
    p->has_trunks = true;
    return true;
}

static void
set_err(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
}

/* Appends a port named `name`, no settings; NULL if out of memory, too
 * many ports, or the name is there already (*dup set). */
static struct vlan_port *
add_port(struct vlan_ports *out, struct tok name, bool *dup)
{
    *dup = false;
    for (size_t i = 0; i < out->n; i++) {
        if (strlen(out->v[i].name) == name.len &&
            !memcmp(out->v[i].name, name.s, name.len)) {
            *dup = true;
            return NULL;
        }
    }
    if (out->n >= VLANS_PORTS_MAX) {
        return NULL;
    }
    if (out->n == out->cap) {
        size_t cap = out->cap ? 2 * out->cap : 8;
        struct vlan_port *v = realloc(out->v, cap * sizeof *v);
        if (!v) {
            return NULL;
        }
        out->v = v;
        out->cap = cap;
    }
    struct vlan_port *p = &out->v[out->n++];
    memset(p, 0, sizeof *p);
    memcpy(p->name, name.s, name.len);
    p->tag = -1;
    return p;
}

/* One line "port NAME [tag N] [trunks L] [mode M]"; NULL or why not. */
static const char *
parse_line(const char *s, const char *end, struct vlan_ports *out)
{
    struct tok t, name;
    bool dup;

    if (!next_tok(&s, end, ' ', &t) || !tok_is(t, "port")) {
        return "expected 'port NAME ...'";
    }
    if (!next_tok(&s, end, ' ', &name) || !valid_port_name(name)) {
        return "bad port name (1 to 15 of A-Z a-z 0-9 _ . -)";
    }
    struct vlan_port *p = add_port(out, name, &dup);
    if (!p) {
        return dup ? "port listed twice" : "too many ports";
    }
    /* Each key at most once, in this order. */
    int stage = 0;
    while (next_tok(&s, end, ' ', &t)) {
        struct tok v;
        if (!next_tok(&s, end, ' ', &v)) {
            return "a key without its value";
        }
        if (tok_is(t, "tag") && stage < 1) {
            p->tag = parse_vlan(v);
            if (p->tag < 0) {
                return "bad tag (a VLAN 0..4095)";
            }
            stage = 1;
        } else if (tok_is(t, "trunks") && stage < 2) {
            if (!parse_trunks(v, ',', p)) {
                return "bad trunks (VLANs 0..4095, ascending, comma "
                       "separated)";
            }
            stage = 2;
        } else if (tok_is(t, "mode") && stage < 3) {
            if (!parse_mode(v, p->mode, sizeof p->mode)) {
                return "bad mode";
            }
            stage = 3;
        } else {
            return "unknown or repeated key (tag, trunks, mode, in this "
                   "order)";
        }
    }
    return NULL;
}

int
vlans_parse(const char *text, struct vlan_ports *out, char *err, size_t errlen)
{
    size_t len = strlen(text);
    unsigned line = 0;

    if (len > VLANS_TEXT_MAX) {
        set_err(err, errlen, "longer than %u bytes", VLANS_TEXT_MAX);
        return -EINVAL;
    }
    for (const char *s = text; *s;) {
        const char *nl = strchr(s, '\n');
        const char *why = NULL;
        line++;
        if (!nl) {
            why = "no newline at the end";
        } else {
            why = parse_line(s, nl, out);
        }
        if (why) {
            set_err(err, errlen, "line %u: %s", line, why);
            vlans_free(out);
            return -EINVAL;
        }
        s = nl + 1;
    }
    return 0;
}

bool
vlans_trunks_text(const struct vlan_port *p, char *buf, size_t len)
{
    size_t used = 0;

    if (len) {
        buf[0] = '\0';
    }
    for (int v = 0; v < VLANS_N_VLANS; v++) {
        if (!(p->trunks[v / 8] & (1u << (v % 8)))) {
            continue;
        }
        int n = snprintf(buf + used, len - used, "%s%d", used ? "," : "", v);
        if (n < 0 || (size_t)n >= len - used) {
            return false;
        }
        used += (size_t)n;
    }
    return true;
}

static int
by_name(const void *a, const void *b)
{
    return strcmp(((const struct vlan_port *)a)->name,
                  ((const struct vlan_port *)b)->name);
}

/* Port `p`'s line into buf (as much as fits in `len` bytes); the length
 * of the whole line. */
static size_t
format_port(const struct vlan_port *p, char *trunks, size_t trunks_len,
            char *buf, size_t len)
{
    char tag[16] = "";
    if (p->tag >= 0) {
        snprintf(tag, sizeof tag, " tag %d", p->tag);
    }
    vlans_trunks_text(p, trunks, trunks_len);
    int n =
        snprintf(buf, len, "port %s%s%s%s%s%s\n", p->name, tag,
                 p->has_trunks ? " trunks " : "", p->has_trunks ? trunks : "",
                 *p->mode ? " mode " : "", p->mode);
    return n > 0 ? (size_t)n : 0;
}

char *
vlans_format(struct vlan_ports *ports)
{
    /* 4096 VLANs of at most 4 digits and a comma each. */
    size_t trunks_len = 5 * VLANS_N_VLANS + 1, total = 1;
    char *trunks = malloc(trunks_len);
    char *text = NULL;

    if (!trunks) {
        return NULL;
    }
    if (ports->n) {
        qsort(ports->v, ports->n, sizeof *ports->v, by_name);
    }
    for (size_t i = 0; i < ports->n; i++) {
        char none[1]; /* only the length */
        total +=
            format_port(&ports->v[i], trunks, trunks_len, none, sizeof none);
    }
    text = malloc(total);
    if (text) {
        size_t used = 0;
        text[0] = '\0';
        for (size_t i = 0; i < ports->n; i++) {
            used += format_port(&ports->v[i], trunks, trunks_len, text + used,
                                total - used);
        }
    }
    free(trunks);
    return text;
}

/* A UUID as ovs-vsctl prints it: 8-4-4-4-12 lower-case hex digits. */
static bool
valid_uuid(struct tok t)
{
    if (t.len != 36) {
        return false;
    }
    for (size_t i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        char c = t.s[i];
        if (dash ? c != '-'
                 : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

/* The line of `list` whose first CSV field is `key`; false if none. */
static bool
find_line(const char *list, struct tok key, const char **line,
          const char **end)
{
    for (const char *p = list; *p;) {
        const char *nl = strchrnul(p, '\n');
        if ((size_t)(nl - p) > key.len && !memcmp(p, key.s, key.len) &&
            p[key.len] == ',') {
            *line = p;
            *end = nl;
            return true;
        }
        p = *nl ? nl + 1 : nl;
    }
    return false;
}

/* One Port line "UUID,NAME,TAG,TRUNKS,MODE" (bare data: sets space
 * separated, empty when unset) into a new port of `out`. */
static const char *
port_from_ovs(const char *s, const char *end, struct vlan_ports *out)
{
    struct tok f[6];
    size_t n = 0;

    while (n < 6 && next_tok(&s, end, ',', &f[n])) {
        n++;
    }
    if (n != 5) {
        return "a Port line without exactly 5 fields";
    }
    if (!valid_port_name(f[1])) {
        return "a port name miniinet does not handle (1 to 15 of A-Z a-z "
               "0-9 _ . -)";
    }
    bool dup;
    struct vlan_port *p = add_port(out, f[1], &dup);
    if (!p) {
        return dup ? "a port listed twice" : "too many ports";
    }
    if (f[2].len && (p->tag = parse_vlan(f[2])) < 0) {
        return "a bad tag";
    }
    if (f[3].len && !parse_trunks(f[3], ' ', p)) {
        return "bad trunks";
    }
    if (f[4].len && !parse_mode(f[4], p->mode, sizeof p->mode)) {
        return "a vlan_mode miniinet does not know";
    }
    return NULL;
}

int
vlans_from_ovs(const char *bridges, const char *ports, const char *bridge,
               struct vlan_ports *out, char *err, size_t errlen)
{
    struct tok name = {bridge, strlen(bridge)}, uuid;
    const char *line, *end;

    if (strchr(bridges, '"') || strchr(ports, '"')) {
        /* Only names outside ours are quoted. */
        set_err(err, errlen, "a quoted value in ovs-vsctl's output");
        return -EINVAL;
    }
    if (!valid_port_name(name) || !find_line(bridges, name, &line, &end)) {
        set_err(err, errlen, "no such bridge");
        return -ENOENT;
    }
    const char *s = line + name.len + 1;
    if (s == end) {
        return 0; /* no port */
    }
    while (next_tok(&s, end, ' ', &uuid)) {
        const char *pl, *pend, *why = NULL;
        if (!valid_uuid(uuid)) {
            why = "a bad port UUID in the Bridge table";
        } else if (!find_line(ports, uuid, &pl, &pend)) {
            why = "a port of the bridge missing from the Port table";
        } else {
            why = port_from_ovs(pl, pend, out);
        }
        if (why) {
            set_err(err, errlen, "%s", why);
            vlans_free(out);
            return -EINVAL;
        }
    }
    return 0;
}

const struct vlan_port *
vlans_find(const struct vlan_ports *ports, const char *name)
{
    for (size_t i = 0; i < ports->n; i++) {
        if (!strcmp(ports->v[i].name, name)) {
            return &ports->v[i];
        }
    }
    return NULL;
}

bool
vlans_port_same(const struct vlan_port *a, const struct vlan_port *b)
{
    return a->tag == b->tag && a->has_trunks == b->has_trunks &&
           (!a->has_trunks ||
            !memcmp(a->trunks, b->trunks, sizeof a->trunks)) &&
           !strcmp(a->mode, b->mode);
}

void
vlans_free(struct vlan_ports *ports)
{
    free(ports->v);
    memset(ports, 0, sizeof *ports);
}
