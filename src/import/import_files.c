/* The importer's plumbing: reading a source file into lines of words (as
 * bash's readarray and word splitting do), messages naming FILE:LINE, and
 * the two unit conventions of the original's link columns. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "import_int.h"
#include "topology.h"
#include "util.h"

/* The original's files are a few kB; a larger one is not one of them. */
#define IMP_MAX_FILE (4u << 20)

static void
split_lines(struct importer *im, struct imp_file *f, char *text, size_t len)
{
    size_t cap = 0;
    char *p = text;
    int line = 0;

    while (p < text + len) {
        char *end = memchr(p, '\n', (size_t)(text + len - p));
        char *next = end ? end + 1 : text + len;
        size_t wcap = 0;
        struct imp_line l = {.line = line + 1};

        if (end) {
            *end = '\0';
        }
        for (char *q = p; *q; q++) {
            if (*q == '\r' && !q[1]) {
                *q = '\0'; /* CRLF */
            } else if (*q == '\0' ||
                       ((unsigned char)*q < 0x20 && *q != '\t') ||
                       *q == 0x7f) {
                imp_error(im, f, l.line, "control character 0x%02x",
                          (unsigned char)*q);
                *q = ' ';
            }
        }
        for (char *save = NULL, *w = strtok_r(p, " \t", &save); w;
             w = strtok_r(NULL, " \t", &save)) {
            l.words = xgrow(l.words, &wcap, l.n_words + 1, sizeof *l.words);
            l.words[l.n_words++] = xstrdup(w);
        }
        f->lines = xgrow(f->lines, &cap, f->n_lines + 1, sizeof *f->lines);
        f->lines[f->n_lines++] = l;
        p = next;
        line++;
    }
}

struct imp_file *
imp_file(struct importer *im, const char *name, bool required)
{
    for (size_t i = 0; i < im->n_files; i++) {
        if (!strcmp(im->files[i]->name, name)) {
            return im->files[i];
        }
    }

    struct imp_file *f = xcalloc(1, sizeof *f);
    f->name = xstrdup(name);
    f->path = xasprintf("%s/%s", im->dir, name);
    im->files =
        xrealloc(im->files, (im->n_files + 1) * sizeof(struct imp_file *));
    im->files[im->n_files++] = f;

    /* One reader for every source file: a regular file of the directory
     * itself (openat, O_NOFOLLOW, never a FIFO or a device), at most
     * IMP_MAX_FILE bytes. */
    size_t len = 0;
    char *text = NULL;
    int error =
        strchr(name, '/') || !strcmp(name, "..") || !strcmp(name, ".")
            ? -EXDEV
            : fs_read_file_at(im->dirfd, name, IMP_MAX_FILE, &text, &len);
    if (error) {
        f->missing = true;
        f->unreadable = error != -ENOENT;
        if (required || f->unreadable) {
            imp_error(im, NULL, 0, "%s: %s", f->path,
                      error == -EXDEV    ? "not a file of the directory"
                      : error == -EFBIG  ? "larger than 4 MiB: not a "
                                           "configuration file of the original"
                      : error == -ELOOP  ? "a symbolic link: not followed"
                      : error == -EINVAL ? "not a regular file"
                                         : strerror(-error));
        }
        return f;
    }
    if (memchr(text, '\0', len)) {
        imp_error(im, NULL, 0, "%s: NUL byte: not a text file", f->path);
        free(text);
        f->missing = true;
        f->unreadable = true;
        return f;
    }
    split_lines(im, f, text, len);
    free(text);
    return f;
}

bool
imp_exists(const struct importer *im, const char *name)
{
    struct stat st;

    return fstatat(im->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
           S_ISREG(st.st_mode);
}

static void
report(struct importer *im, bool error, const struct imp_file *f, int line,
       const char *fmt, va_list ap)
{
    char *msg = NULL;

    if (vasprintf(&msg, fmt, ap) < 0) {
        abort();
    }
    char *key = xasprintf("%s:%d:%s", f ? f->path : "", line, msg);
    for (size_t i = 0; i < im->n_seen; i++) {
        if (!strcmp(im->seen[i], key)) {
            im->n_errors += error;
            free(key);
            free(msg);
            return;
        }
    }
    im->seen = xrealloc(im->seen, (im->n_seen + 1) * sizeof *im->seen);
    im->seen[im->n_seen++] = key;
    if (error) {
        im->n_errors++;
        if (f) {
            log_error_at(f->path, line, "%s", msg);
        } else {
            log_error("%s", msg);
        }
    } else {
        im->n_warnings++;
        if (f && line > 0) {
            log_warn("%s:%d: %s", f->path, line, msg);
        } else if (f) {
            log_warn("%s: %s", f->path, msg);
        } else {
            log_warn("%s", msg);
        }
    }
    free(msg);
}

void
imp_error(struct importer *im, const struct imp_file *f, int line,
          const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report(im, true, f, line, fmt, ap);
    va_end(ap);
}

void
imp_warn(struct importer *im, const struct imp_file *f, int line,
         const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report(im, false, f, line, fmt, ap);
    va_end(ap);
}

static void
add_unique(char ***lines, size_t *n, const char *fmt, va_list ap)
{
    char *msg = NULL;

    if (vasprintf(&msg, fmt, ap) < 0) {
        abort();
    }
    for (size_t i = 0; i < *n; i++) {
        if (!strcmp((*lines)[i], msg)) {
            free(msg);
            return;
        }
    }
    *lines = xrealloc(*lines, (*n + 1) * sizeof **lines);
    (*lines)[(*n)++] = msg;
}

static struct imp_omitted *
find_omitted(struct importer *im, const char *head, const char *tail)
{
    for (size_t i = 0; i < im->n_omitted; i++) {
        struct imp_omitted *o = &im->omitted[i];
        if (!strcmp(o->head, head) &&
            !strcmp(o->tail ? o->tail : "", tail ? tail : "")) {
            return o;
        }
    }
    im->omitted =
        xrealloc(im->omitted, (im->n_omitted + 1) * sizeof *im->omitted);
    im->omitted[im->n_omitted] = (struct imp_omitted){
        .head = xstrdup(head),
        .tail = tail ? xstrdup(tail) : NULL,
    };
    return &im->omitted[im->n_omitted++];
}

void
imp_omit(struct importer *im, const char *fmt, ...)
{
    va_list ap;
    char *msg = NULL;

    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0) {
        abort();
    }
    va_end(ap);
    find_omitted(im, msg, NULL);
    free(msg);
}

void
imp_omit_item(struct importer *im, const char *head, const char *item,
              const char *tail)
{
    struct imp_omitted *o = find_omitted(im, head, tail);

    for (size_t i = 0; i < o->n_items; i++) {
        if (!strcmp(o->items[i], item)) {
            return;
        }
    }
    o->items = xrealloc(o->items, (o->n_items + 1) * sizeof *o->items);
    o->items[o->n_items++] = xstrdup(item);
}

char *
imp_omitted_text(const struct imp_omitted *o)
{
    char *text = xstrdup(o->head);

    for (size_t i = 0; i < o->n_items; i++) {
        char *next = xasprintf("%s%s%s", text, i ? ", " : " (", o->items[i]);
        free(text);
        text = next;
    }
    char *line = xasprintf("%s%s%s%s", text, o->n_items ? ")" : "",
                           o->tail ? ": " : "", o->tail ? o->tail : "");
    free(text);
    return line;
}

void
imp_units(struct importer *im, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    add_unique(&im->units, &im->n_units, fmt, ap);
    va_end(ap);
}

bool
imp_columns(struct importer *im, const struct imp_file *f,
            const struct imp_line *l, size_t lo, size_t hi, const char *what)
{
    if (l->n_words >= lo && l->n_words <= hi) {
        return true;
    }
    const char *s = l->n_words == 1 ? "" : "s";
    if (lo == hi) {
        imp_error(im, f, l->line, "%zu column%s, expected %zu (%s)",
                  l->n_words, s, lo, what);
    } else {
        imp_error(im, f, l->line, "%zu column%s, expected %zu or %zu (%s)",
                  l->n_words, s, lo, hi, what);
    }
    return false;
}

bool
imp_valid_name(struct importer *im, const struct imp_file *f, int line,
               const char *what, const char *name, size_t max)
{
    if (util_valid_name(name, max)) {
        return true;
    }
    imp_error(im, f, line,
              "%s \"%s\": a name is 1 to %zu characters of A-Z a-z 0-9 _ -",
              what, name, max);
    return false;
}

bool
imp_number(const char *word, long min, long max, long *out)
{
    char *end;
    long v;

    if (!isdigit((unsigned char)word[0]) || strlen(word) > 9) {
        return false;
    }
    errno = 0;
    v = strtol(word, &end, 10);
    if (errno || *end || v < min || v > max) {
        return false;
    }
    *out = v;
    return true;
}

char *
imp_pick(const char *word, unsigned asn)
{
    size_t n;
    char **items = util_split(word, ',', &n);
    char *value = xstrdup(n ? items[asn % n] : "");

    util_free_strv(items);
    return value;
}

static bool
all_digits(const char *s)
{
    if (!*s) {
        return false;
    }
    for (; *s; s++) {
        if (!isdigit((unsigned char)*s)) {
            return false;
        }
    }
    return true;
}

/* "2.5mbit" -> the number's length and the unit, lower-cased, in unit. */
static bool
split_unit(const char *word, char *unit, size_t len)
{
    size_t n = 0, dots = 0;

    while (isdigit((unsigned char)word[n]) || word[n] == '.') {
        dots += word[n++] == '.';
    }
    if (!n || dots > 1 || word[0] == '.' || word[n - 1] == '.' ||
        strlen(word + n) >= len) {
        return false;
    }
    size_t i = 0;
    for (; word[n + i]; i++) {
        unit[i] = (char)tolower((unsigned char)word[n + i]);
    }
    unit[i] = '\0';
    return true;
}

static void
lower_copy(const char *word, char *out, size_t len)
{
    size_t i = 0;

    for (; word[i] && i + 1 < len; i++) {
        out[i] = (char)tolower((unsigned char)word[i]);
    }
    out[i] = '\0';
}

bool
imp_rate(struct importer *im, const struct imp_file *f, int line,
         const char *word, char *out, size_t len, bool *old)
{
    char unit[16];

    out[0] = '\0';
    bool ok = false;
    if (all_digits(word)) {
        /* OVS ingress_policing_rate, kbit/s; 0 switches policing off. */
        *old = true;
        if (strspn(word, "0") != strlen(word)) {
            snprintf(out, len, "%skbit", word + strspn(word, "0"));
        }
        ok = true;
    } else if (split_unit(word, unit, sizeof unit) &&
               (!strcmp(unit, "bit") || !strcmp(unit, "kbit") ||
                !strcmp(unit, "mbit") || !strcmp(unit, "gbit"))) {
        lower_copy(word, out, len);
        ok = true;
    }
    if (ok) {
        /* What the topology file takes, checked here to name this line. */
        char why[160];
        uint64_t bps;
        const char *problem =
            out[0] ? topology_parse_rate(out, &bps, why, sizeof why) : NULL;
        if (problem) {
            imp_error(im, f, line, "throughput \"%s\" (%s) %s", word, out,
                      problem);
            return false;
        }
        return true;
    }
    imp_error(im, f, line,
              "throughput \"%s\": neither kbit/s (a whole number, the old "
              "convention) nor a rate with a unit bit, kbit, mbit or gbit",
              word);
    return false;
}

bool
imp_time(struct importer *im, const struct imp_file *f, int line,
         const char *what, const char *word, char *out, size_t len, bool *old)
{
    char unit[16];

    out[0] = '\0';
    bool ok = false;
    if (all_digits(word)) {
        /* tc netem's bare number: microseconds. */
        *old = true;
        snprintf(out, len, "%sus",
                 word[strspn(word, "0")] ? word + strspn(word, "0") : "0");
        ok = true;
    } else if (split_unit(word, unit, sizeof unit) &&
               (!strcmp(unit, "us") || !strcmp(unit, "ms") ||
                !strcmp(unit, "s"))) {
        lower_copy(word, out, len);
        ok = true;
    }
    if (ok) {
        char why[160];
        uint32_t us;
        const char *problem =
            !strcmp(what, "buffer")
                ? topology_parse_buffer(out, &us, why, sizeof why)
                : topology_parse_delay(out, &us, why, sizeof why);
        if (problem) {
            imp_error(im, f, line, "%s \"%s\" (%s) %s", what, word, out,
                      problem);
            return false;
        }
        return true;
    }
    imp_error(im, f, line,
              "%s \"%s\": neither microseconds (a whole number, the old "
              "convention) nor a time with a unit us, ms or s",
              what, word);
    return false;
}

bool
imp_impair(struct importer *im, const struct imp_file *f,
           const struct imp_line *l, size_t first, bool with_buffer,
           unsigned asn, struct imp_impair *out)
{
    char *rate = imp_pick(l->words[first], asn);
    char *delay = imp_pick(l->words[first + 1], asn);
    char *buffer = with_buffer ? imp_pick(l->words[first + 2], asn) : NULL;
    bool old_rate = false, old_delay = false, ok;

    memset(out, 0, sizeof *out);
    ok =
        imp_rate(im, f, l->line, rate, out->rate, sizeof out->rate, &old_rate);
    ok &= imp_time(im, f, l->line, "delay", delay, out->delay,
                   sizeof out->delay, &old_delay);
    if (buffer) {
        bool unused = false;
        ok &= imp_time(im, f, l->line, "buffer", buffer, out->buffer,
                       sizeof out->buffer, &unused);
        if (!out->rate[0]) {
            out->buffer[0] = '\0'; /* a queue without a rate limit */
        }
    }
    if (ok) {
        imp_note_units(im, f, old_rate, old_delay);
    }
    free(rate);
    free(delay);
    free(buffer);
    return ok;
}

void
imp_note_units(struct importer *im, const struct imp_file *f, bool old_rate,
               bool old_delay)
{
    imp_units(im, "%s: throughput %s", f->name,
              old_rate ? "in kbit/s, the old convention: written Nkbit (0, "
                         "no policing, left out)"
                       : "with tc units, kept as written");
    imp_units(im, "%s: delay %s", f->name,
              old_delay
                  ? "in microseconds, the old convention (tc's bare number): "
                    "written Nus"
                  : "with units, kept as written");
}
