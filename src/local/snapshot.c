/* Snapshots: the manifest (format, strict parser, checksums), retention,
 * and reading a network's snapshots back.  See snapshot.h. */
#include "config.h"

#include "snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "names.h"
#include "persist.h"
#include "util.h"

void
snapshot_sha256(const void *data, size_t len, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) || n != 32) {
        /* Only when OpenSSL cannot allocate: never a valid checksum. */
        memset(hex, '?', 64);
        hex[64] = '\0';
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        snprintf(hex + 2 * (size_t)i, 3, "%02x", md[i]);
    }
}

bool
snapshot_note_valid(const char *note)
{
    size_t len = strlen(note);

    if (len > SNAPSHOT_NOTE_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)note[i];
        if (c < 0x20 || c == 0x7f) {
            return false;
        }
    }
    return true;
}

void
snapshot_default_name(long long t, char buf[32])
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (!gmtime_r(&tt, &tm) || !strftime(buf, 32, "%Y%m%d-%H%M%S", &tm)) {
        snprintf(buf, 32, "%lld", t);
    }
}

void
snapshot_add_file(struct snapshot *s, const char *name, const void *data,
                  size_t len, bool stale)
{
    s->files =
        xgrow(s->files, &s->files_cap, s->n_files + 1, sizeof *s->files);
    struct snapshot_file *f = &s->files[s->n_files++];
    f->name = xstrdup(name);
    f->size = len;
    f->stale = stale;
    snapshot_sha256(data, len, f->sha256);
}

void
snapshot_free(struct snapshot *s)
{
    for (size_t i = 0; i < s->n_files; i++) {
        free(s->files[i].name);
    }
    free(s->files);
    free(s->name);
    free(s->network);
    free(s->note);
    memset(s, 0, sizeof *s);
}

char *
snapshot_manifest_format(const struct snapshot *s)
{
    char *text = xasprintf(SNAPSHOT_MAGIC "\nnetwork %s\ntime %lld\n"
                                          "named %d\n",
                           s->network, s->time, s->named ? 1 : 0);
    if (s->asn) {
        char *t = xasprintf("%sas %u\n", text, s->asn);
        free(text);
        text = t;
    }
    if (s->note) {
        char *t = xasprintf("%snote %s\n", text, s->note);
        free(text);
        text = t;
    }
    for (size_t i = 0; i < s->n_files; i++) {
        const struct snapshot_file *f = &s->files[i];
        char *t = xasprintf("%sfile %s %zu %s%s\n", text, f->name, f->size,
                            f->sha256, f->stale ? " stale" : "");
        free(text);
        text = t;
    }
    char sum[65];
    snapshot_sha256(text, strlen(text), sum);
    char *t = xasprintf("%send %s\n", text, sum);
    free(text);
    return t;
}

static bool
is_hex64(const char *s)
{
    return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static bool
ends_running(const char *file)
{
    size_t n = strlen(file), k = strlen(SNAPSHOT_RUNNING);
    return n > k && !strcmp(file + n - k, SNAPSHOT_RUNNING);
}

bool
snapshot_file_running(const char *file)
{
    char object[80];
    const char *suffix;
    return ends_running(file) &&
           snapshot_file_object(file, object, sizeof object, &suffix);
}

const char *
snapshot_file_kind(const char *file, bool *running)
{
    char object[80];
    const char *suffix = NULL;
    bool is = snapshot_file_object(file, object, sizeof object, &suffix);
    if (running) {
        *running = is && ends_running(file);
    }
    return is ? suffix : NULL;
}

bool
snapshot_file_object(const char *file, char *buf, size_t len,
                     const char **suffix)
{
    static const char *const suffixes[] = {".frr", ".ip", ".vlan"};
    size_t n = strlen(file);
    if (ends_running(file)) {
        n -= strlen(SNAPSHOT_RUNNING); /* FILE.running: FILE's object */
    }
    size_t dot = n;
    while (dot > 0 && file[dot - 1] != '.') {
        dot--;
    }
    if (dot == 0) {
        return false;
    }
    dot--; /* at the '.' */
    *suffix = NULL;
    for (size_t k = 0; k < ARRAY_SIZE(suffixes); k++) {
        if (strlen(suffixes[k]) == n - dot &&
            !memcmp(file + dot, suffixes[k], n - dot)) {
            *suffix = suffixes[k];
        }
    }
    if (!*suffix || dot >= len) {
        return false;
    }
    memcpy(buf, file, dot);
    buf[dot] = '\0';
    /* A switch's short bridge name has dots (names_switch_bridge()). */
    return strcmp(*suffix, ".vlan") != 0 ? util_valid_name(buf, 64)
                                         : util_valid_bridge_name(buf, 64);
}

/* NODE.frr, NODE.ip or BRIDGE.vlan, NODE and BRIDGE valid names, each
 * also with SNAPSHOT_RUNNING after it (a marked object's side file). */
static bool
valid_file_name(const char *name)
{
    char object[80];
    const char *suffix;
    return snapshot_file_object(name, object, sizeof object, &suffix);
}

size_t
snapshot_select(const struct snapshot *snap, const char *only, unsigned asn,
                bool running, bool keep[])
{
    size_t n = 0;

    for (size_t i = 0; i < snap->n_files; i++) {
        char object[80];
        const char *suffix;
        keep[i] = snapshot_file_object(snap->files[i].name, object,
                                       sizeof object, &suffix) &&
                  (!only || !strcmp(only, object)) &&
                  (!asn || names_asn_of(object) == asn) &&
                  snapshot_file_running(snap->files[i].name) == running;
        n += keep[i];
    }
    return n;
}

static bool
parse_number(const char *s, long long max, long long *out)
{
    char *end;
    if (!*s || *s == '-' || *s == '+' || (*s == '0' && s[1])) {
        return false;
    }
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < 0 || v > max) {
        return false;
    }
    *out = v;
    return true;
}

/* One "file NAME SIZE SHA [stale]" line's tokens. */
static const char *
parse_file_line(struct snapshot *out, char **tok, size_t n)
{
    long long size;
    if (n < 4 || n > 5 || (n == 5 && strcmp(tok[4], "stale") != 0)) {
        return "expected 'file NAME SIZE SHA256 [stale]'";
    }
    if (!valid_file_name(tok[1])) {
        return "bad file name (NODE.frr, NODE.ip or BRIDGE.vlan, each "
               "maybe .running after)";
    }
    if (!parse_number(tok[2], SNAPSHOT_FILE_MAX, &size)) {
        return "bad size";
    }
    if (!is_hex64(tok[3])) {
        return "bad checksum (64 hex digits)";
    }
    for (size_t i = 0; i < out->n_files; i++) {
        if (!strcmp(out->files[i].name, tok[1])) {
            return "file listed twice";
        }
    }
    out->files = xgrow(out->files, &out->files_cap, out->n_files + 1,
                       sizeof *out->files);
    struct snapshot_file *f = &out->files[out->n_files++];
    f->name = xstrdup(tok[1]);
    f->size = (size_t)size;
    memcpy(f->sha256, tok[3], 65);
    f->stale = n == 5;
    return NULL;
}

int
snapshot_manifest_parse(const char *text, size_t len, const char *path,
                        struct snapshot *out)
{
    memset(out, 0, sizeof *out);
    const char *why = NULL;
    unsigned line = 0;
    bool ended = false, have_time = false, have_named = false, have_as = false;
    size_t pos = 0;

    if (len && memchr(text, '\0', len)) {
        log_error("%s: contains a NUL byte: damaged", path);
        return -EINVAL;
    }
    while (pos < len && !why) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        line++;
        if (!nl) {
            why = "truncated (no newline at the end)";
            break;
        }
        if (ended) {
            why = "text after the 'end' line";
            break;
        }
        size_t l_len = (size_t)(nl - (text + pos));
        char *l = xmalloc(l_len + 1);
        memcpy(l, text + pos, l_len);
        l[l_len] = '\0';
        size_t start = pos;
        pos = (size_t)(nl - text) + 1;
        if (line == 1) {
            if (strcmp(l, SNAPSHOT_MAGIC) != 0) {
                why = "not a miniinet snapshot manifest (first line)";
            }
            free(l);
            continue;
        }
        if (!strncmp(l, "note ", 5)) {
            if (out->note || !snapshot_note_valid(l + 5)) {
                why = out->note ? "note given twice" : "bad note";
            } else {
                out->note = xstrdup(l + 5);
            }
            free(l);
            continue;
        }
        size_t n = 0;
        char **tok = util_split(l, ' ', &n);
        long long v;
        if (!strcmp(tok[0], "network")) {
            if (n != 2 || out->network || !util_valid_name(tok[1], 64)) {
                why = "bad 'network' line";
            } else {
                out->network = xstrdup(tok[1]);
            }
        } else if (!strcmp(tok[0], "time")) {
            if (n != 2 || have_time || !parse_number(tok[1], INT64_MAX, &v)) {
                why = "bad 'time' line";
            } else {
                out->time = v;
                have_time = true;
            }
        } else if (!strcmp(tok[0], "named")) {
            if (n != 2 || have_named ||
                (strcmp(tok[1], "0") != 0 && strcmp(tok[1], "1") != 0)) {
                why = "bad 'named' line";
            } else {
                out->named = tok[1][0] == '1';
                have_named = true;
            }
        } else if (!strcmp(tok[0], "as")) {
            if (n != 2 || have_as || !parse_number(tok[1], 255, &v) || v < 1) {
                why = "bad 'as' line (an AS's number, 1..255)";
            } else {
                out->asn = (unsigned)v;
                have_as = true;
            }
        } else if (!strcmp(tok[0], "file")) {
            why = parse_file_line(out, tok, n);
        } else if (!strcmp(tok[0], "end")) {
            char sum[65];
            snapshot_sha256(text, start, sum);
            if (n != 2 || !is_hex64(tok[1])) {
                why = "bad 'end' line";
            } else if (strcmp(sum, tok[1]) != 0) {
                why = "checksum mismatch: the manifest was changed or "
                      "damaged";
            }
            ended = true;
        } else {
            why = "unknown line";
        }
        util_free_strv(tok);
        free(l);
    }
    if (!why && !ended) {
        why = "truncated (no 'end' line)";
        line++;
    } else if (!why && (!out->network || !have_time || !have_named)) {
        why = "incomplete (network, time and named are required)";
    }
    if (why) {
        log_error("%s:%u: %s", path, line, why);
        snapshot_free(out);
        return -EINVAL;
    }
    return 0;
}

static int
by_file_name(const void *a, const void *b)
{
    return strcmp(((const struct snapshot_file *)a)->name,
                  ((const struct snapshot_file *)b)->name);
}

bool
snapshot_covers(const struct snapshot *s, unsigned asn)
{
    return s->unread || !s->asn || s->asn == asn;
}

size_t
snapshot_lacking(const struct snapshot *snap, const char *const *objects,
                 const char *const *suffixes, const bool *selected, size_t n,
                 bool lacking[])
{
    bool any_switch = false;
    for (size_t f = 0; f < snap->n_files && !any_switch; f++) {
        /* A switch's file, or its side file only (BRIDGE.vlan.running:
         * marked, every copy damaged): the snapshot keeps switches. */
        const char *kind = snapshot_file_kind(snap->files[f].name, NULL);
        any_switch = kind && !strcmp(kind, ".vlan");
    }
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        lacking[i] = false;
        if (!selected[i] || !suffixes[i] ||
            !snapshot_covers(snap, names_asn_of(objects[i])) ||
            (!strcmp(suffixes[i], ".vlan") && !any_switch)) {
            continue;
        }
        size_t len = strlen(objects[i]);
        bool held = false;
        for (size_t f = 0; f < snap->n_files && !held; f++) {
            const char *name = snap->files[f].name;
            held = !strncmp(name, objects[i], len) &&
                   !strcmp(name + len, suffixes[i]);
        }
        lacking[i] = !held;
        count += !held;
    }
    return count;
}

long
snapshot_choose(const struct snapshot *list, size_t n, const char *name,
                unsigned want, long *damaged, long *offer)
{
    long chosen = -1;
    *damaged = -1;
    *offer = -1;
    for (size_t i = 0; i < n && *offer < 0; i++) {
        if (!list[i].damaged && snapshot_covers(&list[i], want)) {
            *offer = (long)i;
        }
    }
    if (name) {
        for (size_t i = 0; i < n && chosen < 0 && *damaged < 0; i++) {
            if (!strcmp(list[i].name, name)) {
                *(list[i].damaged ? damaged : &chosen) = (long)i;
            }
        }
        return chosen;
    }
    chosen = *offer;
    /* Newest first: a damaged one before the chosen is newer than it (or
     * of the same second). */
    size_t end = chosen < 0 ? n : (size_t)chosen;
    for (size_t i = 0; i < end && *damaged < 0; i++) {
        if (list[i].damaged && snapshot_covers(&list[i], want)) {
            *damaged = (long)i;
        }
    }
    return chosen;
}

void
snapshot_choose_each(const struct snapshot *list, size_t n,
                     const unsigned *asns, size_t n_asns, long chosen[],
                     long damaged[])
{
    for (size_t k = 0; k < n_asns; k++) {
        long offer;
        chosen[k] =
            snapshot_choose(list, n, NULL, asns[k], &damaged[k], &offer);
    }
}

bool
snapshot_same_content(const struct snapshot *a, const struct snapshot *b)
{
    if (a->asn != b->asn || a->n_files != b->n_files) {
        return false;
    }
    struct snapshot_file *fa = xmalloc(a->n_files * sizeof *fa + 1);
    struct snapshot_file *fb = xmalloc(b->n_files * sizeof *fb + 1);
    if (a->n_files) {
        memcpy(fa, a->files, a->n_files * sizeof *fa);
        memcpy(fb, b->files, b->n_files * sizeof *fb);
        qsort(fa, a->n_files, sizeof *fa, by_file_name);
        qsort(fb, b->n_files, sizeof *fb, by_file_name);
    }
    bool same = true;
    for (size_t i = 0; i < a->n_files && same; i++) {
        same = !strcmp(fa[i].name, fb[i].name) &&
               !strcmp(fa[i].sha256, fb[i].sha256) &&
               fa[i].stale == fb[i].stale;
    }
    free(fa);
    free(fb);
    return same;
}

/* Whether snapshot `s` may hold a part that `snap` holds. */
static bool
holds_part_of(const struct snapshot *s, const struct snapshot *snap)
{
    if (s->unread || !s->asn) {
        return true; /* any part */
    }
    if (snap->asn) {
        return s->asn == snap->asn;
    }
    /* `snap` is the whole network's: it holds AS s->asn's part when it
     * has a file of it. */
    for (size_t i = 0; i < snap->n_files; i++) {
        char object[80];
        const char *suffix;
        if (snapshot_file_object(snap->files[i].name, object, sizeof object,
                                 &suffix) &&
            names_asn_of(object) == s->asn) {
            return true;
        }
    }
    return false;
}

bool
snapshot_unchanged(const struct snapshot *list, size_t n, size_t prev,
                   const struct snapshot *snap)
{
    if (prev >= n || list[prev].damaged ||
        !snapshot_same_content(&list[prev], snap)) {
        return false;
    }
    for (size_t k = 0; k < prev; k++) {
        if (holds_part_of(&list[k], snap)) {
            return false;
        }
    }
    return true;
}

/* Whether list `l` (of `n`) has snapshot `name` intact and holding
 * `want`'s part. */
static bool
has_intact(const struct snapshot *l, size_t n, const char *name, unsigned want)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(l[i].name, name)) {
            return !l[i].damaged && snapshot_covers(&l[i], want);
        }
    }
    return false;
}

const char *
snapshot_choose_common(const struct snapshot *const *lists, const size_t *n,
                       size_t n_lists, unsigned want,
                       const struct snapshot **damaged,
                       const struct snapshot **partial)
{
    const struct snapshot *chosen = NULL;
    *damaged = NULL;
    *partial = NULL;
    if (!n_lists) {
        return NULL;
    }
    /* The candidates: the first list's intact ones, newest first; the
     * newest that every other list has intact too. */
    for (size_t i = 0; i < n[0] && !chosen; i++) {
        const struct snapshot *c = &lists[0][i];
        bool everywhere = !c->damaged && snapshot_covers(c, want);
        for (size_t k = 1; k < n_lists && everywhere; k++) {
            everywhere = has_intact(lists[k], n[k], c->name, want);
        }
        chosen = everywhere ? c : NULL;
    }
    /* Newer than the chosen one, on any list: damaged, or not
     * everywhere. */
    for (size_t k = 0; k < n_lists; k++) {
        for (size_t i = 0; i < n[k]; i++) {
            const struct snapshot *c = &lists[k][i];
            if ((chosen &&
                 (c->time < chosen->time || !strcmp(c->name, chosen->name))) ||
                !snapshot_covers(c, want)) {
                continue;
            }
            const struct snapshot **slot = c->damaged ? damaged : partial;
            if (!*slot || c->time > (*slot)->time) {
                *slot = c;
            }
        }
    }
    return chosen ? chosen->name : NULL;
}

void
snapshot_retain(const struct snapshot *s, size_t n, long long now,
                const struct snapshot_retention *r, const char *written,
                bool keep[])
{
    for (size_t i = 0; i < n; i++) {
        if (s[i].damaged) {
            keep[i] = true; /* the TA's to look at; takes no place */
            continue;
        }
        long long day = s[i].time >= 0 ? s[i].time / 86400 : 0;
        /* Newest first: i's rank among the newer ones of its scope, and
         * whether one of them is of the same day (then i is not the
         * day's newest). */
        size_t rank = 0;
        bool day_seen = false;
        for (size_t k = 0; k < i; k++) {
            if (!s[k].damaged && s[k].asn == s[i].asn) {
                rank++;
                day_seen |= (s[k].time >= 0 ? s[k].time / 86400 : 0) == day;
            }
        }
        /* rank 0: the newest intact one of its scope, whatever the
         * retention (`keep_last = 0` would otherwise leave nothing to
         * restore). */
        bool pinned = false;
        for (size_t k = 0; r->pinned && r->pinned[k] && !pinned; k++) {
            pinned = s[i].name && !strcmp(s[i].name, r->pinned[k]);
        }
        keep[i] = s[i].named || pinned || rank == 0 || rank < r->keep_last ||
                  (written && s[i].name && !strcmp(s[i].name, written)) ||
                  (!day_seen && now / 86400 - day < (long long)r->keep_days);
    }
}

long
snapshot_displacing(const struct snapshot *list, size_t n, const char *file)
{
    size_t len = strlen(file);
    for (size_t k = 0; k < n; k++) {
        const struct snapshot_file *f = NULL;
        bool side = false;
        for (size_t i = 0; i < list[k].n_files; i++) {
            const char *name = list[k].files[i].name;
            if (!strcmp(name, file)) {
                f = &list[k].files[i];
            } else if (!strncmp(name, file, len) &&
                       !strcmp(name + len, SNAPSHOT_RUNNING)) {
                side = true;
            }
        }
        if (f && !f->stale) {
            return -1; /* a save took what ran: nothing older is newer work */
        }
        if (f && side) {
            return (long)k;
        }
        /* Stale without a side file (saved while marked and down, say):
         * it hides nothing, the work is in an older one's side file. */
    }
    return -1;
}

const struct snapshot *
snapshot_newest_running(const struct snapshot *first,
                        const struct snapshot *list, size_t n, const char *key)
{
    char *side = xasprintf("%s" SNAPSHOT_RUNNING, key);
    const struct snapshot *newest = NULL;
    for (size_t k = 0; k <= n && !newest; k++) {
        const struct snapshot *c = k == 0 ? first : &list[k - 1];
        for (size_t f = 0; c && f < c->n_files && !newest; f++) {
            newest = !strcmp(c->files[f].name, side) ? c : NULL;
        }
    }
    free(side);
    return newest;
}

static int
newest_first(const void *a_, const void *b_)
{
    const struct snapshot *a = a_, *b = b_;
    if (a->time != b->time) {
        return a->time < b->time ? 1 : -1;
    }
    return strcmp(b->name, a->name);
}

int
snapshot_read_file(int snapdir, const char *path, const struct snapshot *snap,
                   const struct snapshot_file *file, char **data)
{
    char *rel = xasprintf("%s/%s", snap->name, file->name);
    char *shown = xasprintf("%s/%s", path, rel);
    int dir = openat(snapdir, snap->name,
                     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    size_t len = 0;
    int error = dir < 0 ? -errno
                        : fs_read_file_at(dir, file->name, SNAPSHOT_FILE_MAX,
                                          data, &len);
    if (dir >= 0) {
        close(dir);
    }
    if (error) {
        log_error("%s: cannot read it: %s", shown, strerror(-error));
    } else {
        char sum[65];
        snapshot_sha256(*data, len, sum);
        if (len != file->size || strcmp(sum, file->sha256) != 0) {
            log_error("%s: does not match the manifest (size or SHA-256): "
                      "damaged",
                      shown);
            free(*data);
            *data = NULL;
            error = -EINVAL;
        }
    }
    free(rel);
    free(shown);
    return error;
}

int
snapshot_verify(int snapdir, const char *path, struct snapshot *snap)
{
    int error = 0;
    for (size_t i = 0; i < snap->n_files && !error; i++) {
        char *data = NULL;
        error =
            snapshot_read_file(snapdir, path, snap, &snap->files[i], &data);
        free(data);
    }
    if (error) {
        snap->damaged = true;
        error = -EINVAL;
    }
    return error;
}

/* What an entry of the snapshots directory is. */
enum entry_kind { ENTRY_SNAPSHOT, ENTRY_DAMAGED, ENTRY_INCOMPLETE };

/* Reads and checks snapshot `name` into *out (a damaged one reported, with
 * its name, `damaged` set and, when its manifest is missing or
 * unreadable, `unread` and the directory's mtime as its time).  An entry
 * that is no snapshot (not a directory) is ENTRY_INCOMPLETE, *out
 * empty. */
static enum entry_kind
load_one(int snapdir, const char *path, const char *name, bool verify,
         struct snapshot *out)
{
    char *shown = xasprintf("%s/%s/" SNAPSHOT_MANIFEST, path, name);
    int dir =
        openat(snapdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    char *text = NULL;
    size_t len = 0;
    int error = dir < 0 ? -errno
                        : fs_read_file_at(dir, SNAPSHOT_MANIFEST, 1u << 20,
                                          &text, &len);
    struct stat sb;
    long long mtime =
        dir >= 0 && !fstat(dir, &sb) ? (long long)sb.st_mtime : 0;
    if (dir >= 0) {
        close(dir);
    }
    memset(out, 0, sizeof *out);
    if (dir < 0 &&
        (error == -ENOENT || error == -ENOTDIR || error == -ELOOP)) {
        free(shown);
        return ENTRY_INCOMPLETE;
    }
    if (error == -ENOENT) {
        /* A save writes under a temporary name and renames: a snapshot's
         * directory without a manifest was damaged afterwards. */
        log_error("%s: missing: damaged (a save never leaves a snapshot "
                  "without one)",
                  shown);
    } else if (error) {
        log_error("%s: cannot read it: %s", shown, strerror(-error));
    } else {
        error = snapshot_manifest_parse(text, len, shown, out);
    }
    free(text);
    free(shown);
    if (error) {
        out->unread = true;
        out->time = mtime;
    }
    out->name = xstrdup(name);
    out->damaged = error || (verify && snapshot_verify(snapdir, path, out));
    return out->damaged ? ENTRY_DAMAGED : ENTRY_SNAPSHOT;
}

size_t
snapshot_list(int snapdir, const char *path, bool verify,
              struct snapshot **out, char ***incomplete)
{
    struct snapshot *list = NULL;
    size_t n = 0, cap = 0, n_incomplete = 0, incomplete_cap = 0;
    int fd = dup(snapdir);
    DIR *dir = fd < 0 ? NULL : fdopendir(fd);

    if (incomplete) {
        *incomplete = xcalloc(1, sizeof **incomplete);
    }
    if (!dir) {
        if (fd >= 0) {
            close(fd);
        }
        *out = NULL;
        return 0;
    }
    rewinddir(dir);
    for (struct dirent *de; (de = readdir(dir));) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
            !strcmp(de->d_name, SNAPSHOT_PINS)) {
            continue; /* the pins file: no snapshot, nor a leftover */
        }
        struct snapshot s;
        /* A temporary directory (.tmp-PID) or any other name no snapshot
         * has is no candidate, whatever it holds. */
        bool valid = util_valid_name(de->d_name, 64);
        if (!valid || load_one(snapdir, path, de->d_name, verify, &s) ==
                          ENTRY_INCOMPLETE) {
            if (incomplete) {
                *incomplete = xgrow(*incomplete, &incomplete_cap,
                                    n_incomplete + 2, sizeof **incomplete);
                (*incomplete)[n_incomplete++] = xstrdup(de->d_name);
                (*incomplete)[n_incomplete] = NULL;
            }
            continue;
        }
        list = xgrow(list, &cap, n + 1, sizeof *list);
        list[n++] = s;
    }
    closedir(dir);
    if (n) {
        qsort(list, n, sizeof *list, newest_first);
    }
    *out = list;
    return n;
}

int
snapshot_set_aside(int snapdir, const char *path, const char *name,
                   char *aside, size_t size)
{
    int n = snprintf(aside, size, ".tmp-%ld-removed-%s", (long)getpid(), name);
    if (n < 0 || (size_t)n >= size) {
        log_error("%s/%s: the name is too long to set it aside", path, name);
        return -ENAMETOOLONG;
    }
    if (renameat(snapdir, name, snapdir, aside)) {
        int error = -errno;
        log_error("%s/%s: cannot rename it to %s (to remove it): %s", path,
                  name, aside, strerror(-error));
        return error;
    }
    if (fsync(snapdir)) {
        int error = -errno;
        log_error("%s: cannot sync it: %s", path, strerror(-error));
        return error;
    }
    return 0;
}

int
snapshot_remove(int snapdir, const char *path, const char *name)
{
    char aside[128];
    int error = snapshot_set_aside(snapdir, path, name, aside, sizeof aside);
    if (!error) {
        char *shown = xasprintf("%s/%s", path, aside);
        error = fs_remove_tree_at(snapdir, aside, shown, NULL);
        free(shown);
    }
    return error;
}

/* snapshot_prune(): see snapshot.h.  The newest of each scope are checked
 * (their files too) until an intact one is found: a damaged one takes no
 * place, so it never pushes the newest intact one out. */
size_t
snapshot_prune(int snapdir, const char *path, long long now,
               const struct snapshot_retention *r, const char *written)
{
    /* The pinned ones are kept; pins that cannot be read may pin any:
     * nothing is removed. */
    struct snapshot_pins pins;
    if (snapshot_pins_load(snapdir, path, &pins)) {
        log_warn("%s: no snapshot removed: its pins (above) cannot be read, "
                 "and a snapshot they pin may hold the only copy of "
                 "students' work",
                 path);
        return 0;
    }
    size_t n_pinned = 0;
    while (r->pinned && r->pinned[n_pinned]) {
        n_pinned++;
    }
    const char **pinned = xcalloc(n_pinned + pins.n + 1, sizeof *pinned);
    for (size_t i = 0; i < n_pinned; i++) {
        pinned[i] = r->pinned[i];
    }
    for (size_t i = 0; i < pins.n; i++) {
        pinned[n_pinned + i] = pins.v[i].snapshot;
    }
    struct snapshot_retention with_pins = *r;
    with_pins.pinned = pinned;
    r = &with_pins;

    struct snapshot *list;
    size_t n = snapshot_list(snapdir, path, false, &list, NULL);
    bool *keep = xcalloc(n + 1, sizeof *keep);
    bool intact_seen[256] = {false}; /* by scope: 0 whole, N AS N */

    for (size_t i = 0; i < n; i++) {
        unsigned scope = list[i].asn < 256 ? list[i].asn : 0;
        if (!list[i].damaged && !intact_seen[scope]) {
            intact_seen[scope] = !snapshot_verify(snapdir, path, &list[i]);
        }
    }
    snapshot_retain(list, n, now, r, written, keep);
    size_t removed = 0;
    for (size_t i = 0; i < n; i++) {
        if (!keep[i]) {
            removed += snapshot_remove(snapdir, path, list[i].name) == 0;
        }
        snapshot_free(&list[i]);
    }
    free(keep);
    free(list);
    free(pinned);
    snapshot_pins_free(&pins);
    return removed;
}

/* pins                                                                     */

bool
snapshot_pin_key_valid(const char *key)
{
    return key && !ends_running(key) && valid_file_name(key);
}

bool
snapshot_pins_has(const struct snapshot_pins *p, const char *key,
                  const char *snapshot)
{
    for (size_t i = 0; i < p->n; i++) {
        if ((!key || !strcmp(p->v[i].key, key)) &&
            !strcmp(p->v[i].snapshot, snapshot)) {
            return true;
        }
    }
    return false;
}

/* The pin `key` `snapshot` of `p`, or NULL. */
static struct snapshot_pin *
find_pin(const struct snapshot_pins *p, const char *key, const char *snapshot)
{
    for (size_t i = 0; i < p->n; i++) {
        if (!strcmp(p->v[i].key, key) && !strcmp(p->v[i].snapshot, snapshot)) {
            return &p->v[i];
        }
    }
    return NULL;
}

/* Appends pin `key` `snapshot` (`newest`: of that kind): false when it
 * is no valid one or already there, of either kind. */
static bool
add_pin(struct snapshot_pins *p, const char *key, const char *snapshot,
        bool newest)
{
    if (!key || !snapshot || !snapshot_pin_key_valid(key) ||
        !util_valid_name(snapshot, 64) || find_pin(p, key, snapshot)) {
        return false;
    }
    p->v = xgrow(p->v, &p->cap, p->n + 1, sizeof *p->v);
    p->v[p->n].key = xstrdup(key);
    p->v[p->n].snapshot = xstrdup(snapshot);
    p->v[p->n].newest = newest;
    p->n++;
    return true;
}

bool
snapshot_pins_add(struct snapshot_pins *p, const char *key,
                  const char *snapshot)
{
    struct snapshot_pin *had =
        key && snapshot ? find_pin(p, key, snapshot) : NULL;
    if (had && had->newest) {
        had->newest = false; /* for good now */
        return true;
    }
    return !had && add_pin(p, key, snapshot, false);
}

bool
snapshot_pins_newest(struct snapshot_pins *p, const char *key,
                     const struct snapshot *holder,
                     const struct snapshot *list, size_t n)
{
    if (!key || !holder || !snapshot_pin_key_valid(key) ||
        !util_valid_name(holder->name, 64)) {
        return false;
    }
    bool changed =
        !find_pin(p, key, holder->name) && add_pin(p, key, holder->name, true);
    for (size_t i = 0; i < p->n;) {
        const struct snapshot_pin *v = &p->v[i];
        bool newer = false; /* than holder: it stays */
        for (size_t k = 0; v->newest && k < n && !newer; k++) {
            newer = !strcmp(list[k].name, v->snapshot) &&
                    list[k].time > holder->time;
        }
        if (v->newest && !newer && !strcmp(v->key, key) &&
            strcmp(v->snapshot, holder->name) != 0) {
            free(p->v[i].key);
            free(p->v[i].snapshot);
            memmove(&p->v[i], &p->v[i + 1], (p->n - i - 1) * sizeof *p->v);
            p->n--;
            changed = true;
        } else {
            i++;
        }
    }
    return changed;
}

bool
snapshot_pins_keep(struct snapshot_pins *p, const char *key)
{
    bool changed = false;
    for (size_t i = 0; key && i < p->n; i++) {
        if (p->v[i].newest && !strcmp(p->v[i].key, key)) {
            p->v[i].newest = false; /* for good now */
            changed = true;
        }
    }
    return changed;
}

bool
snapshot_pins_remove(struct snapshot_pins *p, const char *key,
                     const char *snapshot)
{
    for (size_t i = 0; i < p->n; i++) {
        if (!strcmp(p->v[i].key, key) && !strcmp(p->v[i].snapshot, snapshot)) {
            free(p->v[i].key);
            free(p->v[i].snapshot);
            memmove(&p->v[i], &p->v[i + 1], (p->n - i - 1) * sizeof *p->v);
            p->n--;
            return true;
        }
    }
    return false;
}

void
snapshot_pins_free(struct snapshot_pins *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].key);
        free(p->v[i].snapshot);
    }
    free(p->v);
    memset(p, 0, sizeof *p);
}

int
snapshot_pins_parse(const char *text, size_t len, const char *path,
                    struct snapshot_pins *out)
{
    memset(out, 0, sizeof *out);
    const char *why = NULL;
    unsigned line = 0;
    size_t pos = 0;

    if (len && memchr(text, '\0', len)) {
        log_error("%s: contains a NUL byte: not a pins file", path);
        return -EINVAL;
    }
    while (pos < len && !why) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        line++;
        if (!nl) {
            why = "truncated (no newline at the end)";
            break;
        }
        size_t l_len = (size_t)(nl - (text + pos));
        char *l = xmalloc(l_len + 1);
        memcpy(l, text + pos, l_len);
        l[l_len] = '\0';
        pos = (size_t)(nl - text) + 1;
        size_t n = 0;
        char **tok = util_split(l, ' ', &n);
        if ((n != 2 && n != 3) || !snapshot_pin_key_valid(tok[0]) ||
            (n == 3 && strcmp(tok[2], SNAPSHOT_PIN_NEWEST) != 0)) {
            why =
                "expected 'KEY SNAPSHOT' or 'KEY SNAPSHOT " SNAPSHOT_PIN_NEWEST
                "' (KEY: NODE.frr, NODE.ip or BRIDGE.vlan)";
        } else if (!util_valid_name(tok[1], 64)) {
            why = "bad snapshot name";
        } else if (!add_pin(out, tok[0], tok[1], n == 3)) {
            why = "pin listed twice";
        }
        util_free_strv(tok);
        free(l);
    }
    if (why) {
        log_error("%s:%u: %s", path, line, why);
        snapshot_pins_free(out);
        return -EINVAL;
    }
    return 0;
}

char *
snapshot_pins_format(const struct snapshot_pins *p)
{
    char *text = xstrdup("");
    for (size_t i = 0; i < p->n; i++) {
        char *t = xasprintf("%s%s %s%s\n", text, p->v[i].key, p->v[i].snapshot,
                            p->v[i].newest ? " " SNAPSHOT_PIN_NEWEST : "");
        free(text);
        text = t;
    }
    return text;
}

int
snapshot_pins_load(int snapdir, const char *path, struct snapshot_pins *out)
{
    char *text = NULL;
    size_t len = 0;
    char *shown = xasprintf("%s/" SNAPSHOT_PINS, path);
    int error = fs_read_file_at(snapdir, SNAPSHOT_PINS, SNAPSHOT_PINS_MAX,
                                &text, &len);
    memset(out, 0, sizeof *out);
    if (error == -ENOENT) {
        error = 0; /* no pins */
    } else if (error) {
        log_error("%s: cannot read it: %s", shown, strerror(-error));
    } else {
        error = snapshot_pins_parse(text, len, shown, out);
    }
    free(text);
    free(shown);
    return error;
}

int
snapshot_pins_store(int snapdir, const char *path,
                    const struct snapshot_pins *p)
{
    int error = 0;
    if (!p->n) {
        if (unlinkat(snapdir, SNAPSHOT_PINS, 0) == 0) {
            fsync(snapdir);
        } else if (errno != ENOENT) {
            error = -errno;
        }
    } else {
        char *text = snapshot_pins_format(p);
        error =
            fs_write_file_at(snapdir, SNAPSHOT_PINS, text, strlen(text), 0600);
        free(text);
    }
    if (error) {
        log_error("%s/" SNAPSHOT_PINS ": cannot write it: %s", path,
                  strerror(-error));
    }
    return error;
}

/* A restore's workers (threads) pin at once: one read-change-write at a
 * time (other processes: the network's lock). */
static pthread_mutex_t pins_mutex = PTHREAD_MUTEX_INITIALIZER;

/* What change_pin() does. */
enum pin_change {
    PIN_ADD,    /* snapshot_pin() */
    PIN_REMOVE, /* snapshot_unpin() */
    PIN_NEWEST, /* snapshot_pin_newest() */
    PIN_RESET,  /* snapshot_pin_reset() */
};

/* Reads `snapdir`'s pins, makes change `op` (`holder`, `list`, `n`: for
 * PIN_NEWEST), writes them back when they changed. */
static int
change_pin(int snapdir, const char *path, enum pin_change op, const char *key,
           const char *snapshot, const struct snapshot *holder,
           const struct snapshot *list, size_t n)
{
    struct snapshot_pins p;
    pthread_mutex_lock(&pins_mutex);
    int error = snapshot_pins_load(snapdir, path, &p);
    if (!error) {
        bool changed = false, kept = false;
        switch (op) {
        case PIN_ADD:
            changed = snapshot_pins_add(&p, key, snapshot);
            break;
        case PIN_REMOVE:
            changed = snapshot_pins_remove(&p, key, snapshot);
            break;
        case PIN_NEWEST:
            changed = snapshot_pins_newest(&p, key, holder, list, n);
            break;
        case PIN_RESET:
            kept = snapshot_pins_keep(&p, key);
            changed =
                (snapshot && snapshot_pins_add(&p, key, snapshot)) || kept;
            break;
        }
        bool adds = op != PIN_REMOVE && (op != PIN_RESET || snapshot);
        if (adds && !snapshot_pins_has(&p, key, snapshot ? snapshot : "")) {
            log_error("%s/" SNAPSHOT_PINS ": cannot pin '%s %s': not an "
                      "object's file and a snapshot's name",
                      path, key ? key : "", snapshot ? snapshot : "");
            error = -EINVAL;
        } else if (changed) {
            error = snapshot_pins_store(snapdir, path, &p);
        }
        if (!error && changed) {
            static const char *const did[] = {"pinned", "unpinned",
                                              "pinned (newest)", "pinned"};
            log_debug("%s/" SNAPSHOT_PINS ": %s %s %s%s", path, did[op],
                      key ? key : "", snapshot ? snapshot : "",
                      kept ? " (its newest pins kept for good)" : "");
        }
    }
    pthread_mutex_unlock(&pins_mutex);
    snapshot_pins_free(&p);
    return error;
}

int
snapshot_pin(int snapdir, const char *path, const char *key,
             const char *snapshot)
{
    return change_pin(snapdir, path, PIN_ADD, key, snapshot, NULL, NULL, 0);
}

int
snapshot_pin_newest(int snapdir, const char *path, const char *key,
                    const struct snapshot *holder, const struct snapshot *list,
                    size_t n)
{
    if (!holder) {
        return -EINVAL;
    }
    return change_pin(snapdir, path, PIN_NEWEST, key, holder->name, holder,
                      list, n);
}

int
snapshot_pin_reset(int snapdir, const char *path, const char *key,
                   const char *snapshot)
{
    return change_pin(snapdir, path, PIN_RESET, key, snapshot, NULL, NULL, 0);
}

int
snapshot_unpin(int snapdir, const char *path, const char *key,
               const char *snapshot)
{
    return change_pin(snapdir, path, PIN_REMOVE, key, snapshot, NULL, NULL, 0);
}

int
snapshot_open_dir(const char *network, bool create, char **path)
{
    int net = persist_open(network, create);
    *path = NULL;
    if (net < 0) {
        return net;
    }
    int dir = persist_open_subdir(net, SNAPSHOT_DIR, create);
    close(net);
    if (dir >= 0) {
        char *root = persist_network_dir(network);
        *path = xasprintf("%s/" SNAPSHOT_DIR, root);
        free(root);
    }
    return dir;
}

void
snapshot_pins_say(const char *network)
{
    char *path = NULL;
    int snapdir = snapshot_open_dir(network, false, &path);
    struct snapshot_pins pins;
    if (snapdir < 0 || snapshot_pins_load(snapdir, path, &pins)) {
        if (snapdir != -ENOENT) {
            log_warn("network %s: its %s (above) cannot be read: retention "
                     "removes no snapshot until they can",
                     network,
                     snapdir < 0 ? "snapshots directory, and so its pins,"
                                 : "pins");
        }
        if (snapdir >= 0) {
            close(snapdir);
        }
        free(path);
        return;
    }
    for (size_t k = 0; k < pins.n; k++) {
        log_info("pinned: snapshot %s keeps the students' work of %s (%s "
                 "%s%s; `miniinet snapshots --unpin %s:%s` releases it)",
                 pins.v[k].snapshot, pins.v[k].key,
                 pins.v[k].newest ? "what it ran while marked, its" : "its",
                 pins.v[k].key,
                 pins.v[k].newest
                     ? SNAPSHOT_RUNNING ", the newest: the next save's "
                                        "replaces this pin"
                     : SNAPSHOT_RUNNING " or, a heal's fallback's, its file",
                 pins.v[k].key, pins.v[k].snapshot);
    }
    snapshot_pins_free(&pins);
    close(snapdir);
    free(path);
}
