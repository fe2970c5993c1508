/* The topology reader's toolkit: messages, typed access to settings with
 * their checks, and rates and times with units.  See topology_parse.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "topology_parse.h"
#include "util.h"

/* ------------------------------------------------------------------------ */
/* Reporting                                                                */
/* ------------------------------------------------------------------------ */

const char *
tp_file(const struct tp_loader *ld, const config_setting_t *s)
{
    const char *file = s ? config_setting_source_file(s) : NULL;

    return file ? file : ld->path;
}

/* Every message of the reader goes through here: a file with thousands of
 * mistakes (one wrong line in a `repeat`) shows the first ones and a count,
 * not a screenful per mistake. */
static void
report(struct tp_loader *ld, const char *file, int line, const char *fmt,
       va_list args)
{
    char msg[2048];

    if (ld->n_errors++ < TP_ERRORS_SHOWN) {
        vsnprintf(msg, sizeof msg, fmt, args);
        log_error_at(file, line, "%s", msg);
    }
}

void
tp_report_error_count(const struct tp_loader *ld)
{
    if (ld->n_errors > TP_ERRORS_SHOWN) {
        log_error_at(ld->path, 0, "... and %u more errors (%u in all)",
                     ld->n_errors - TP_ERRORS_SHOWN, ld->n_errors);
    }
}

void
tp_error_at(struct tp_loader *ld, const char *file, int line, const char *fmt,
            ...)
{
    va_list args;

    va_start(args, fmt);
    report(ld, file, line, fmt, args);
    va_end(args);
}

void
tp_error(struct tp_loader *ld, const config_setting_t *s, const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    report(ld, tp_file(ld, s), s ? (int)config_setting_source_line(s) : 0, fmt,
           args);
    va_end(args);
}

const char *
tp_where(const struct tp_loader *ld, const config_setting_t *first,
         const config_setting_t *here, char *buf, size_t len)
{
    const char *file = tp_file(ld, first);
    int line = (int)config_setting_source_line(first);

    if (!strcmp(file, tp_file(ld, here))) {
        snprintf(buf, len, "line %d", line);
    } else {
        snprintf(buf, len, "%s:%d", file, line);
    }
    return buf;
}

void
tp_key_error(struct tp_loader *ld, const config_setting_t *s, const char *obj,
             const char *what, const char *fmt, ...)
{
    char msg[1024];
    va_list args;

    va_start(args, fmt);
    vsnprintf(msg, sizeof msg, fmt, args);
    va_end(args);
    tp_error(ld, s, "%s%s%s: %s", obj, *obj ? ": " : "", what, msg);
}

/* Edit distance of two short words, a swap of neighbours counting as one
 * edit ("hots" is one from "host"); SIZE_MAX for long words. */
static size_t
edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t rows[3][64];
    size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

    if (la >= 64 || lb >= 64) {
        return SIZE_MAX;
    }
    for (size_t j = 0; j <= lb; j++) {
        prev[j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            int ca = tolower((unsigned char)a[i - 1]);
            int cb = tolower((unsigned char)b[j - 1]);
            size_t best = prev[j - 1] + (ca != cb);
            if (prev[j] + 1 < best) {
                best = prev[j] + 1;
            }
            if (cur[j - 1] + 1 < best) {
                best = cur[j - 1] + 1;
            }
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb &&
                prev2[j - 2] + 1 < best) {
                best = prev2[j - 2] + 1;
            }
            cur[j] = best;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb];
}

const char *
tp_did_you_mean(const char *word, const char *const *known, char *buf,
                size_t len)
{
    const char *best = NULL;
    size_t best_d = SIZE_MAX;

    for (const char *const *k = known; *k; k++) {
        size_t d = edit_distance(word, *k);
        if (d < best_d) {
            best_d = d;
            best = *k;
        }
    }
    size_t limit = strlen(word) <= 4 ? 1 : 2;
    if (best && best_d <= limit) {
        snprintf(buf, len, " (did you mean \"%s\"?)", best);
    } else {
        buf[0] = '\0';
    }
    return buf;
}

bool
tp_in_list(const char *word, const char *const *list)
{
    for (const char *const *p = list; *p; p++) {
        if (!strcmp(word, *p)) {
            return true;
        }
    }
    return false;
}

void
tp_check_keys(struct tp_loader *ld, const config_setting_t *group,
              const char *obj, const char *const *known)
{
    int n = config_setting_length(group);

    for (int i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(group, i);
        const char *name = config_setting_name(m);
        char hint[96];

        if (!tp_in_list(name, known)) {
            tp_error(ld, m, "%s%sunknown setting \"%s\"%s", obj,
                     *obj ? ": " : "", name,
                     tp_did_you_mean(name, known, hint, sizeof hint));
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Typed access                                                             */
/* ------------------------------------------------------------------------ */

bool
tp_is_type(const config_setting_t *s, int type)
{
    int t = config_setting_type(s);

    switch (type) {
    case CONFIG_TYPE_INT:
        return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
    case CONFIG_TYPE_LIST:
        return t == CONFIG_TYPE_LIST || t == CONFIG_TYPE_ARRAY;
    default:
        return t == type;
    }
}

static const char *
type_text(int type)
{
    switch (type) {
    case CONFIG_TYPE_INT:
        return "an integer";
    case CONFIG_TYPE_STRING:
        return "a string";
    case CONFIG_TYPE_BOOL:
        return "true or false";
    case CONFIG_TYPE_LIST:
        return "a list ( ... )";
    case CONFIG_TYPE_GROUP:
        return "a group { ... }";
    default:
        return "something else";
    }
}

const config_setting_t *
tp_member(struct tp_loader *ld, const config_setting_t *group, const char *obj,
          const char *key, int type, bool required)
{
    const config_setting_t *m = config_setting_get_member(group, key);

    if (!m) {
        if (required) {
            tp_error(ld, group, "%s%smissing required setting \"%s\"", obj,
                     *obj ? ": " : "", key);
        }
        return NULL;
    }
    if (!tp_is_type(m, type)) {
        tp_key_error(ld, m, obj, key, "must be %s", type_text(type));
        return NULL;
    }
    return m;
}

bool
tp_int_value(struct tp_loader *ld, const config_setting_t *s, const char *obj,
             const char *what, long long min, long long max, long long *value)
{
    if (!tp_is_type(s, CONFIG_TYPE_INT)) {
        tp_key_error(ld, s, obj, what, "must be an integer");
        return false;
    }
    long long v = config_setting_get_int64(s);
    if (v < min || v > max) {
        tp_key_error(ld, s, obj, what, "%lld is out of range (%lld..%lld)", v,
                     min, max);
        return false;
    }
    *value = v;
    return true;
}

int
tp_get_string(struct tp_loader *ld, const config_setting_t *group,
              const char *obj, const char *key, const char **value)
{
    const config_setting_t *m = config_setting_get_member(group, key);

    if (!m) {
        return -ENOENT;
    }
    if (!tp_is_type(m, CONFIG_TYPE_STRING)) {
        tp_key_error(ld, m, obj, key, "must be a string");
        return -EINVAL;
    }
    *value = config_setting_get_string(m);
    return 0;
}

int
tp_get_int(struct tp_loader *ld, const config_setting_t *group,
           const char *obj, const char *key, long long min, long long max,
           long long *value)
{
    const config_setting_t *m = config_setting_get_member(group, key);

    if (!m) {
        return -ENOENT;
    }
    return tp_int_value(ld, m, obj, key, min, max, value) ? 0 : -EINVAL;
}

int
tp_get_bool(struct tp_loader *ld, const config_setting_t *group,
            const char *obj, const char *key, bool *value)
{
    const config_setting_t *m = config_setting_get_member(group, key);

    if (!m) {
        return -ENOENT;
    }
    if (!tp_is_type(m, CONFIG_TYPE_BOOL)) {
        tp_key_error(ld, m, obj, key, "must be true or false");
        return -EINVAL;
    }
    *value = config_setting_get_bool(m);
    return 0;
}

const char *
tp_get_name(struct tp_loader *ld, const config_setting_t *group,
            const char *obj, const char *key, size_t max)
{
    const config_setting_t *m =
        tp_member(ld, group, obj, key, CONFIG_TYPE_STRING, true);
    if (!m) {
        return NULL;
    }
    const char *name = config_setting_get_string(m);
    if (!util_valid_name(name, max)) {
        tp_key_error(ld, m, obj, key,
                     "\"%s\" is not a valid name (1 to %zu characters of "
                     "A-Z, a-z, 0-9, _ and -)",
                     name, max);
    }
    return name;
}

void
tp_check_name(struct tp_loader *ld, const config_setting_t *s,
              const char *kind, const char *name, size_t max)
{
    if (!util_valid_name(name, max)) {
        tp_error(ld, s,
                 "%s \"%s\": not a valid name (1 to %zu characters of "
                 "A-Z, a-z, 0-9, _ and -)",
                 kind, name, max);
    }
}

const char *
tp_reserved_asn(long long n)
{
    switch (n) {
    case TOPO_RESERVED_ASN:
        return "127.0.0.0/8 is loopback";
    case TOPO_LINK_OCTET:
        return "179.0.0.0/8 holds the links between ASes";
    case TOPO_IXP_OCTET:
        return "180.0.0.0/8 holds the IXP LANs";
    default:
        return NULL;
    }
}

bool
tp_valid_asn(long long n)
{
    return n >= 1 && n <= TOPO_MAX_ASN && !tp_reserved_asn(n);
}

const char *
tp_asn_problem(long long n, const char *kind, char *buf, size_t len)
{
    const char *reserved = tp_reserved_asn(n);

    if (tp_valid_asn(n)) {
        return NULL;
    }
    if (reserved) {
        snprintf(buf, len, "%lld is not a valid %s number (%s)", n, kind,
                 reserved);
    } else {
        snprintf(buf, len,
                 "%lld is not a valid %s number (1..%d, not %d, %d or %d)", n,
                 kind, TOPO_MAX_ASN, TOPO_RESERVED_ASN, TOPO_LINK_OCTET,
                 TOPO_IXP_OCTET);
    }
    return buf;
}

int
tp_find_router(const struct topo_body *b, const char *name)
{
    for (size_t i = 0; b && i < b->n_routers; i++) {
        if (!strcmp(b->routers[i].name, name)) {
            return (int)i;
        }
    }
    return -1;
}

bool
tp_name_fits(struct tp_loader *ld, const char *file, int line, const char *obj,
             const char *kind, const char *name, int len, int max)
{
    if (len >= 0 && len <= max) {
        return true;
    }
    tp_error_at(ld, file, line,
                "%s: %s name \"%s\" is longer than %d "
                "characters",
                obj, kind, name, max);
    return false;
}

/* ------------------------------------------------------------------------ */
/* Rates and times                                                          */
/* ------------------------------------------------------------------------ */

struct unit {
    const char *name;
    uint64_t factor;
};

struct quantity {
    const struct unit *units;
    const char *units_text; /* for messages */
    const char *base_text;  /* the smallest unit, plural */
    uint64_t min, max;
    const char *range_text;
};

static const struct unit rate_units[] = {
    {"bit", 1},           {"kbit", 1000}, {"mbit", 1000000},
    {"gbit", 1000000000}, {NULL, 0},
};

static const struct unit time_units[] = {
    {"us", 1},
    {"ms", 1000},
    {"s", 1000000},
    {NULL, 0},
};

static const struct quantity rate_q = {
    rate_units, "bit, kbit, mbit or gbit", "bits per second",
    1000,       100000000000ULL,           "1kbit..100gbit",
};
static const struct quantity delay_q = {
    time_units, "us, ms or s", "microseconds", 0, 10000000, "0us..10s",
};
static const struct quantity buffer_q = {
    time_units, "us, ms or s", "microseconds", 1, 10000000, "1us..10s",
};

/* Parses "<digits>[.<digits>]<unit>" exactly, without floating point:
 * "2.5ms" is 2500 microseconds.  Returns NULL, or why the text is wrong. */
static const char *
parse_quantity(const char *s, const struct quantity *q, uint64_t *out,
               char *why, size_t len)
{
    const char *p = s;
    uint64_t whole = 0, frac = 0, scale = 1;
    int n_whole = 0, n_frac = 0;

    bool dot = false;

    for (; isdigit((unsigned char)*p); p++, n_whole++) {
        if (n_whole >= 15) {
            return "is too large";
        }
        whole = whole * 10 + (uint64_t)(*p - '0');
    }
    if (*p == '.') {
        dot = true;
        for (p++; isdigit((unsigned char)*p); p++, n_frac++) {
            if (n_frac >= 9) {
                return "has too many decimals";
            }
            frac = frac * 10 + (uint64_t)(*p - '0');
            scale *= 10;
        }
    }
    if (!n_whole || (dot && !n_frac)) {
        snprintf(why, len, "is not a number with a unit (%s), e.g. \"%s\"",
                 q->units_text, q == &rate_q ? "10mbit" : "2.5ms");
        return why;
    }
    const struct unit *u;
    for (u = q->units; u->name; u++) {
        if (!strcasecmp(p, u->name)) {
            break;
        }
    }
    if (!u->name) {
        snprintf(why, len, "%s (use %s)",
                 *p ? "has an unknown unit" : "has no unit", q->units_text);
        return why;
    }
    uint64_t value;
    if (__builtin_mul_overflow(whole, u->factor, &value) ||
        __builtin_add_overflow(value, frac * u->factor / scale, &value)) {
        return "is too large";
    }
    if (frac * u->factor % scale) {
        snprintf(why, len, "is not a whole number of %s", q->base_text);
        return why;
    }
    *out = value;
    return NULL;
}

/* parse_quantity() and the range of `q`. */
static const char *
parse_in_range(const char *text, const struct quantity *q, uint64_t *out,
               char *why, size_t len)
{
    uint64_t value = 0;
    const char *error = parse_quantity(text, q, &value, why, len);
    if (!error && (value < q->min || value > q->max)) {
        snprintf(why, len, "is out of range (%s)", q->range_text);
        error = why;
    }
    if (!error) {
        *out = value;
    }
    return error;
}

const char *
topology_parse_rate(const char *text, uint64_t *bps, char *why, size_t len)
{
    return parse_in_range(text, &rate_q, bps, why, len);
}

/* A time in microseconds (at most 10 s: it fits). */
static const char *
parse_us(const char *text, const struct quantity *q, uint32_t *us, char *why,
         size_t len)
{
    uint64_t value = 0;
    const char *error = parse_in_range(text, q, &value, why, len);
    if (!error) {
        *us = (uint32_t)value;
    }
    return error;
}

const char *
topology_parse_delay(const char *text, uint32_t *us, char *why, size_t len)
{
    return parse_us(text, &delay_q, us, why, len);
}

const char *
topology_parse_buffer(const char *text, uint32_t *us, char *why, size_t len)
{
    return parse_us(text, &buffer_q, us, why, len);
}

static bool
get_quantity(struct tp_loader *ld, const config_setting_t *opts,
             const char *obj, const char *key, const struct quantity *q,
             uint64_t *out)
{
    const config_setting_t *m =
        tp_member(ld, opts, obj, key, CONFIG_TYPE_STRING, false);
    if (!m) {
        return false;
    }
    const char *text = config_setting_get_string(m);
    char why[160];
    const char *error = parse_quantity(text, q, out, why, sizeof why);
    if (error) {
        tp_key_error(ld, m, obj, key, "\"%s\" %s", text, error);
        return false;
    }
    if (*out < q->min || *out > q->max) {
        tp_key_error(ld, m, obj, key, "\"%s\" is out of range (%s)", text,
                     q->range_text);
        return false;
    }
    return true;
}

void
tp_parse_impair(struct tp_loader *ld, const config_setting_t *opts,
                const char *obj, struct topo_impair *imp)
{
    uint64_t v;

    if (get_quantity(ld, opts, obj, "rate", &rate_q, &v)) {
        imp->rate_bps = v;
    }
    if (get_quantity(ld, opts, obj, "delay", &delay_q, &v)) {
        imp->delay_us = (uint32_t)v;
    }
    if (get_quantity(ld, opts, obj, "buffer", &buffer_q, &v)) {
        imp->buffer_us = (uint32_t)v;
        if (!config_setting_get_member(opts, "rate")) {
            tp_key_error(ld, config_setting_get_member(opts, "buffer"), obj,
                         "buffer",
                         "needs a rate (it is the queue of the rate "
                         "limiter)");
        }
    }
}
