/* The bytes of the topology file and of the files it includes, checked
 * before libconfig parses anything, then the parse itself.  libconfig 1.5
 * hangs on a FIFO, exit()s inside its scanner on a directory, reads on past
 * a NUL byte, drops the rest of a file after an unterminated comment, takes
 * quadratic time in the members of one group and in the length of one
 * string, and opens whatever an @include names, as root.  So every file is
 * opened here first (regular files only, within limits), every @include is
 * checked before libconfig follows it, and libconfig reads the main file
 * from the very bytes checked.  doc/topology.md, "Limits" and "@include",
 * says what is allowed. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "settings.h"
#include "topology_parse.h"
#include "util.h"

/* ------------------------------------------------------------------------ */
/* Reading a file                                                           */
/* ------------------------------------------------------------------------ */

static const char *
file_type(mode_t mode)
{
    return S_ISDIR(mode)    ? "a directory"
           : S_ISFIFO(mode) ? "a FIFO"
           : S_ISSOCK(mode) ? "a socket"
           : S_ISCHR(mode)  ? "a character device"
           : S_ISBLK(mode)  ? "a block device"
                            : "not a plain file";
}

/* Reads the regular file `path` if it has at most `room` bytes.  Returns
 * the text (NUL-terminated, length in *len), or NULL with *error a negative
 * errno and *why a message.  stat() first, so that a device is never opened
 * (opening some has effects); O_NONBLOCK in case a FIFO was swapped in
 * since, which fstat() then refuses. */
static char *
read_regular(const char *path, size_t room, size_t *len, int *error, char *why,
             size_t why_len)
{
    struct stat st;
    int fd = -1;
    char *text = NULL;

    *error = stat(path, &st) < 0 ? -errno : 0;
    if (!*error && S_ISREG(st.st_mode)) {
        fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        *error = fd < 0 ? -errno : fstat(fd, &st) < 0 ? -errno : 0;
    }
    if (*error) {
        snprintf(why, why_len, "%s", strerror(-*error));
    } else if (!S_ISREG(st.st_mode)) {
        *error = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
        snprintf(why, why_len, "%s",
                 S_ISDIR(st.st_mode) ? strerror(EISDIR) : "");
        if (!S_ISDIR(st.st_mode)) {
            snprintf(why, why_len, "not a regular file (%s)",
                     file_type(st.st_mode));
        }
    } else {
        /* As much as the file has (one more byte shows it grew), at most
         * what the limit leaves. */
        size_t cap = (size_t)st.st_size < room ? (size_t)st.st_size : room;
        text = xmalloc(cap + 2);
        *len = 0;
        ssize_t n;
        while (*len <= cap &&
               (n = read(fd, text + *len, cap + 1 - *len)) > 0) {
            *len += (size_t)n;
        }
        if (*len > cap && cap < room) {
            *error = -EAGAIN;
            snprintf(why, why_len, "changed while it was being read");
        } else if (*len > cap) {
            *error = -EFBIG;
            snprintf(why, why_len,
                     "larger than %d MiB, the most a topology file and "
                     "the files it includes may have together",
                     TP_INPUT_MAX >> 20);
        } else {
            text[*len] = '\0';
        }
    }
    if (fd >= 0) {
        close(fd);
    }
    if (*error) {
        free(text);
        text = NULL;
    }
    return text;
}

/* The directory of `path` for @include, NULL for the working directory. */
static char *
include_dir(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (!slash) {
        return NULL;
    }
    size_t len = slash == path ? 1 : (size_t)(slash - path);
    char *dir = xmalloc(len + 1);
    memcpy(dir, path, len);
    dir[len] = '\0';
    return dir;
}

/* `file` (relative) in directory `dir` (NULL: the working directory). */
static char *
join_dir(const char *dir, const char *file)
{
    if (!dir || file[0] == '/') {
        return xstrdup(file);
    }
    return xasprintf("%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
                     file);
}

/* ------------------------------------------------------------------------ */
/* Checking the bytes                                                       */
/* ------------------------------------------------------------------------ */

/* An open bracket: a group { } (or the file itself), or a list ( ) or an
 * array [ ], with its members counted so far. */
struct frame {
    bool group;
    int line;
    unsigned long n;
};

/* One file being checked. */
struct scan {
    struct tp_loader *ld;
    const char *file; /* as messages name it */
    int line;
    int include_depth;
    struct frame frames[TP_DEPTH_MAX + 1];
    int n_frames;
    bool stop; /* a problem after which the rest is not worth reading */
};

static void scan_text(struct tp_loader *, const char *file, const char *text,
                      size_t len, int include_depth);

static void scan_fail(struct scan *sc, int line, const char *fmt, ...)
    MI_PRINTF(3, 4);

static void
scan_fail(struct scan *sc, int line, const char *fmt, ...)
{
    char msg[1024];
    va_list args;

    va_start(args, fmt);
    vsnprintf(msg, sizeof msg, fmt, args);
    va_end(args);
    tp_error_at(sc->ld, sc->file, line, "%s", msg);
    sc->stop = true;
}

static int
line_of(const char *text, const char *at)
{
    int line = 1;

    for (const char *p = text; p < at; p++) {
        line += *p == '\n';
    }
    return line;
}

/* What is wrong with the file as bytes: a BOM, a NUL, a line too long. */
static bool
check_bytes(struct scan *sc, const char *text, size_t len)
{
    const char *nul = memchr(text, '\0', len);

    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) {
        scan_fail(sc, 1,
                  "the file starts with a UTF-8 byte order mark, which "
                  "libconfig cannot read; save it without one");
    } else if (nul) {
        scan_fail(sc, line_of(text, nul),
                  "NUL byte (a topology file is text; libconfig would "
                  "read past it)");
    }
    for (const char *p = text, *e; !sc->stop && p < text + len; p = e + 1) {
        e = memchr(p, '\n', (size_t)(text + len - p));
        e = e ? e : text + len;
        if (e - p > TP_LINE_MAX) {
            scan_fail(sc, line_of(text, p),
                      "line of %td bytes, more than the %d a line may have",
                      e - p, TP_LINE_MAX);
        }
    }
    return !sc->stop;
}

static void
open_frame(struct scan *sc, bool group)
{
    if (sc->n_frames == TP_DEPTH_MAX) {
        scan_fail(sc, sc->line, "groups and lists nested more than %d deep",
                  TP_DEPTH_MAX);
        return;
    }
    sc->frames[++sc->n_frames] =
        (struct frame){.group = group, .line = sc->line};
}

/* One more member of the innermost group ('=' or ':') or list (','). */
static void
count_member(struct scan *sc, char c)
{
    struct frame *f = &sc->frames[sc->n_frames];

    if (f->group ? c != '=' && c != ':' : c != ',') {
        return;
    }
    unsigned long n = ++f->n + !f->group; /* a list: commas + 1 */
    if (f->group && n > TP_GROUP_MAX) {
        scan_fail(sc, f->line,
                  "a group of more than %d settings (libconfig reads big "
                  "groups in quadratic time)",
                  TP_GROUP_MAX);
    } else if (!f->group && n > TP_LIST_MAX) {
        scan_fail(sc, f->line, "a list of more than %d elements", TP_LIST_MAX);
    }
}

/* Checks one integer literal at `start`; returns the end of it. */
static const char *
scan_number(struct tp_loader *ld, const char *file, int line,
            const char *start)
{
    const char *p = start + (*start == '-' || *start == '+');
    bool neg = *start == '-';
    bool hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
               isxdigit((unsigned char)p[2]);
    const char *q = hex ? p + 2 : p;
    unsigned long long v = 0;
    bool huge = false;

    for (; hex ? isxdigit((unsigned char)*q) : isdigit((unsigned char)*q);
         q++) {
        unsigned d = isdigit((unsigned char)*q)
                         ? (unsigned)(*q - '0')
                         : (unsigned)(tolower((unsigned char)*q) - 'a' + 10);
        huge |= __builtin_mul_overflow(v, hex ? 16ULL : 10ULL, &v) ||
                __builtin_add_overflow(v, d, &v);
    }
    if (!hex && (*q == '.' || *q == 'e' || *q == 'E')) {
        /* A float: libconfig reads those as doubles, nothing to check. */
        while (isdigit((unsigned char)*q) || *q == '.' || *q == 'e' ||
               *q == 'E' ||
               ((*q == '-' || *q == '+') && (q[-1] == 'e' || q[-1] == 'E'))) {
            q++;
        }
        return q;
    }
    bool wide = *q == 'L';
    const char *end = q + (q[0] == 'L') + (q[0] == 'L' && q[1] == 'L');
    unsigned long long max =
        wide ? (unsigned long long)LLONG_MAX : (unsigned long long)INT_MAX;
    if (!huge && v <= max + (neg && !hex)) {
        return end;
    }
    char lit[72];
    snprintf(lit, sizeof lit, "%.*s", (int)(q - start), start);
    if (wide) {
        tp_error_at(ld, file, line, "integer %sL does not fit in 64 bits",
                    lit);
    } else {
        /* What libconfig 1.5 makes of it (atoi / strtoul truncated). */
        int read =
            hex ? (int)strtoul(lit, NULL, 16) : (int)strtol(lit, NULL, 10);
        tp_error_at(ld, file, line,
                    "integer %s does not fit in 32 bits "
                    "(libconfig would read it as %d; write %sL for a 64-bit "
                    "integer)",
                    lit, read, lit);
    }
    return end;
}

static bool
name_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '*';
}

/* A token that starts with a digit, '_' or a sign: a number, or a setting
 * name libconfig would refuse with a bare "syntax error". */
static const char *
scan_word(struct scan *sc, const char *p)
{
    const char *q = p + (*p == '-' || *p == '+');
    while (name_char(*q)) {
        q++;
    }
    const char *r = q + strspn(q, " \t");
    if ((*r == '=' || *r == ':') && *p != '-' && *p != '+') {
        scan_fail(sc, sc->line,
                  "\"%.*s\": a setting name must start with a letter "
                  "(libconfig's rule; template and plugin group names "
                  "are setting names)",
                  (int)(q - p), p);
        return q;
    }
    if (isdigit((unsigned char)*p) || *p == '-' || *p == '+') {
        return scan_number(sc->ld, sc->file, sc->line, p);
    }
    return q;
}

static const char *
skip_comment(struct scan *sc, const char *p)
{
    const char *end = strstr(p + 2, "*/");

    if (!end) {
        scan_fail(sc, sc->line,
                  "comment /* without */ (libconfig would ignore the rest "
                  "of the file)");
        return p + strlen(p);
    }
    for (; p < end; p++) {
        sc->line += *p == '\n';
    }
    return end + 2;
}

static const char *
skip_string(struct scan *sc, const char *p)
{
    for (p++; *p && *p != '"'; p++) {
        p += p[0] == '\\' && p[1];
        sc->line += *p == '\n';
    }
    return p + (*p != '\0');
}

/* ------------------------------------------------------------------------ */
/* @include                                                                 */
/* ------------------------------------------------------------------------ */

/* Whether `real` (a resolved path) is directory `dir` (one) or lies in
 * it; the directory itself is then refused as not a regular file. */
static bool
inside(const char *real, const char *dir)
{
    size_t n = strlen(dir);

    return !strcmp(dir, "/") ||
           (!strncmp(real, dir, n) && (real[n] == '/' || !real[n]));
}

/* Why the include of `name` is refused, NULL if it is allowed; *shown is
 * the file as libconfig will open it. */
static const char *
include_problem(struct scan *sc, const char *name, char **shown)
{
    struct tp_loader *ld = sc->ld;
    char real[PATH_MAX];

    *shown = NULL;
    if (!*name) {
        return "an empty file name";
    }
    if (name[0] == '/') {
        return "an absolute path (give one relative to the topology "
               "file's directory)";
    }
    if (sc->include_depth >= TP_INCLUDE_DEPTH_MAX) {
        return "includes nested more than 10 deep";
    }
    *shown = join_dir(ld->dir, name);
    if (!realpath(*shown, real)) {
        return strerror(errno);
    }
    if (!ld->real_dir || !inside(real, ld->real_dir)) {
        return "outside the topology file's directory tree";
    }
    for (int i = 0; i < ld->n_reading; i++) {
        if (!strcmp(ld->reading[i], real)) {
            return i ? "it includes, directly or not, the file that includes "
                       "it"
                     : "it is the topology file itself";
        }
    }
    ld->reading[ld->n_reading++] = xstrdup(real); /* include_file pops it */
    return NULL;
}

static void
include_file(struct scan *sc, int line, const char *name)
{
    struct tp_loader *ld = sc->ld;
    char *shown;
    const char *problem = include_problem(sc, name, &shown);
    bool pushed = !problem; /* on ld->reading, while it is read */
    char why[160];
    size_t len = 0;
    int error = 0;
    char *text = NULL;

    if (!problem) {
        text = read_regular(shown, TP_INPUT_MAX - ld->input_bytes, &len,
                            &error, why, sizeof why);
        problem = text ? NULL : why;
    }
    if (problem) {
        scan_fail(sc, line, "@include \"%s\": %s", name, problem);
    } else {
        ld->input_bytes += len;
        scan_text(ld, shown, text, len, sc->include_depth + 1);
    }
    if (pushed) {
        free(ld->reading[--ld->n_reading]);
    }
    free(text);
    free(shown);
}

/* `p` is at '@' at the start of a line: libconfig's @include, if it is
 * one (`@include "NAME"`, line-oriented), checked and followed. */
static const char *
include_line(struct scan *sc, const char *p)
{
    static const char directive[] = "@include";
    size_t n = sizeof directive - 1;

    if (strncmp(p, directive, n) != 0 || (p[n] != ' ' && p[n] != '\t')) {
        return p + 1; /* not libconfig's directive: its syntax error */
    }
    const char *q = p + n + strspn(p + n, " \t");
    if (*q != '"') {
        return p + 1;
    }
    size_t len = strcspn(q + 1, "\"\\\n");
    if (q[1 + len] != '"') {
        scan_fail(sc, sc->line,
                  "@include: the file name must be on one line, in \"\", "
                  "without \\ or \"");
        return q + 1 + len;
    }
    char *name = xasprintf("%.*s", (int)len, q + 1);
    include_file(sc, sc->line, name);
    free(name);
    return q + len + 2;
}

/* ------------------------------------------------------------------------ */
/* The walk                                                                 */
/* ------------------------------------------------------------------------ */

static const char *
scan_token(struct scan *sc, const char *p)
{
    char c = *p;

    if (c == '#' || (c == '/' && p[1] == '/')) {
        return p + strcspn(p, "\n");
    } else if (c == '/' && p[1] == '*') {
        return skip_comment(sc, p);
    } else if (c == '"') {
        return skip_string(sc, p);
    } else if (c == '{' || c == '(' || c == '[') {
        open_frame(sc, c == '{');
    } else if (c == '}' || c == ')' || c == ']') {
        sc->n_frames -= sc->n_frames > 0; /* a mismatch: libconfig's */
    } else if (c == '=' || c == ':' || c == ',') {
        count_member(sc, c);
    } else if (isdigit((unsigned char)c) || c == '_' ||
               ((c == '-' || c == '+') && isdigit((unsigned char)p[1]))) {
        return scan_word(sc, p);
    } else if (isalpha((unsigned char)c) || c == '*') {
        while (name_char(*++p)) {
            continue;
        }
        return p;
    }
    return p + 1;
}

/* Checks the text of `file` (NUL-terminated) and, depth first, every file
 * it includes. */
static void
scan_text(struct tp_loader *ld, const char *file, const char *text, size_t len,
          int include_depth)
{
    struct scan sc = {
        .ld = ld, .file = file, .line = 1, .include_depth = include_depth};
    bool line_start = true;

    sc.frames[0].group = true; /* the file is the root group */
    if (!check_bytes(&sc, text, len)) {
        return;
    }
    for (const char *p = text; *p && !sc.stop;) {
        if (*p == '\n') {
            sc.line++;
            line_start = true;
            p++;
        } else if (*p == ' ' || *p == '\t' || *p == '\r') {
            p++;
        } else if (line_start && *p == '@') {
            line_start = false;
            p = include_line(&sc, p);
        } else {
            line_start = false;
            p = scan_token(&sc, p);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* After the parse                                                          */
/* ------------------------------------------------------------------------ */

static void
rebase_setting(config_setting_t *s, const char **old, char **new_names,
               unsigned n)
{
    const char *was = s->file;

    /* Settings of the main file (read from memory) have no file name. */
    s->file = new_names[n];
    for (unsigned i = 0; i < n; i++) {
        if (was == old[i]) {
            s->file = new_names[i];
            break;
        }
    }
    for (int i = 0;
         config_setting_is_aggregate(s) && i < config_setting_length(s); i++) {
        rebase_setting(config_setting_get_elem(s, i), old, new_names, n);
    }
}

/* libconfig names included files relative to the include directory and the
 * main file (read from memory) not at all; give every setting the name of
 * its file relative to the working directory, so that messages (also those
 * of plugin settings) name a file that exists. */
static void
rebase_file_names(config_t *cf, const char *path, const char *dir)
{
    unsigned n = cf->num_filenames;
    char **new_names = xcalloc(n + 1, sizeof *new_names);

    for (unsigned i = 0; i < n; i++) {
        new_names[i] = join_dir(dir, cf->filenames[i]);
    }
    new_names[n] = xstrdup(path);
    rebase_setting(config_root_setting(cf), cf->filenames, new_names, n);
    for (unsigned i = 0; i < n; i++) {
        free((char *)cf->filenames[i]);
    }
    free(cf->filenames);
    cf->filenames = (const char **)new_names;
    cf->num_filenames = n + 1;
}

/* Control characters in a string would reach terminals, node records and
 * command lines raw: none in any string of the file. */
static void
check_strings(struct tp_loader *ld, const config_setting_t *s)
{
    if (config_setting_type(s) == CONFIG_TYPE_STRING) {
        const unsigned char *v =
            (const unsigned char *)config_setting_get_string(s);
        for (; *v && *v >= 0x20 && *v != 0x7f; v++) {
            continue;
        }
        if (*v) {
            char path[256];
            settings_path(s, path, sizeof path);
            tp_error(ld, s,
                     "%s: control character 0x%02x in the string (none "
                     "below 0x20, nor 0x7f, is allowed)",
                     path, *v);
        }
    }
    for (int i = 0;
         config_setting_is_aggregate(s) && i < config_setting_length(s); i++) {
        check_strings(ld, config_setting_get_elem(s, i));
    }
}

/* ------------------------------------------------------------------------ */
/* The file                                                                 */
/* ------------------------------------------------------------------------ */

/* The main file's text, checked with every file it includes; NULL with
 * *error set after reporting. */
static char *
read_input(struct tp_loader *ld, int *error)
{
    char why[160];
    size_t len = 0;
    char real[PATH_MAX];

    if (!*ld->path) {
        log_error("-c \"\": the topology file name is empty");
        *error = -ENOENT;
        return NULL;
    }
    char *text =
        read_regular(ld->path, TP_INPUT_MAX, &len, error, why, sizeof why);
    if (!text) {
        log_error_at(ld->path, 0, "%s", why);
        return NULL;
    }
    ld->input_bytes = len;
    ld->dir = include_dir(ld->path);
    ld->real_dir =
        realpath(ld->dir ? ld->dir : ".", real) ? xstrdup(real) : NULL;
    if (realpath(ld->path, real)) {
        ld->reading[ld->n_reading++] = xstrdup(real);
    }
    scan_text(ld, ld->path, text, len, 0);
    while (ld->n_reading > 0) {
        free(ld->reading[--ld->n_reading]);
    }
    if (ld->n_errors) {
        free(text);
        *error = -EINVAL;
        return NULL;
    }
    return text;
}

int
tp_read_file(struct tp_loader *ld)
{
    int error = 0;
    config_t *cf = ld->cf;

    config_init(cf); /* first: topology_free() destroys it */
    char *text = read_input(ld, &error);
    if (!text) {
        return error;
    }
    if (ld->dir) {
        config_set_include_dir(cf, ld->dir);
    }
    if (!config_read_string(cf, text)) {
        const char *file = config_error_file(cf);
        char *display = file ? join_dir(ld->dir, file) : xstrdup(ld->path);
        tp_error_at(ld, display, config_error_line(cf), "%s",
                    config_error_text(cf));
        free(display);
        free(text);
        return -EINVAL;
    }
    free(text);
    rebase_file_names(cf, ld->path, ld->dir);
    check_strings(ld, config_root_setting(cf));
    return ld->n_errors ? -EINVAL : 0;
}
