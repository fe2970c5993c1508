/* Tests of snapshots (snapshot.c): the manifest's format and its strict
 * reader (every damage named by file and line, a checksum mismatch
 * refused), SHA-256, retention, and reading snapshots back from a
 * directory (a damaged one named and marked, a file that does not match
 * its manifest refused, what is no snapshot -- a temporary directory, one
 * without a manifest -- listed apart); which snapshot a restore takes
 * (damaged ones never, nor passed over silently) and which files a restore
 * --node / --as puts back; retention never dropping the newest intact one
 * for newer damaged ones. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "names.h"
#include "snapshot.h"
#include "testutil.h"
#include "util.h"

static void
sample(struct snapshot *s)
{
    memset(s, 0, sizeof *s);
    s->network = xstrdup("small");
    s->time = 1764728400;
    s->note = xstrdup("before the lab");
    snapshot_add_file(s, "1_ZURIrouter.frr", "hostname R\nend\n", 15, false);
    snapshot_add_file(s, "1_ZURIhost.ip", "addr eth0 1.0.0.1/24\n", 21, true);
}

START_TEST(test_sha256)
{
    char hex[65];
    snapshot_sha256("abc", 3, hex);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
                          "b00361a396177a9cb410ff61f20015ad");
    snapshot_sha256("", 0, hex);
    ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb924"
                          "27ae41e4649b934ca495991b7852b855");
}
END_TEST

START_TEST(test_manifest_round_trip)
{
    struct snapshot s, back;
    sample(&s);
    char *text = snapshot_manifest_format(&s);
    ck_assert_ptr_nonnull(strstr(text, "\nnote before the lab\n"));
    ck_assert_ptr_nonnull(strstr(text, " stale\n"));
    ck_assert_int_eq(snapshot_manifest_parse(text, strlen(text), "M", &back),
                     0);
    ck_assert_str_eq(back.network, "small");
    ck_assert(back.time == 1764728400);
    ck_assert(!back.named);
    ck_assert_str_eq(back.note, "before the lab");
    ck_assert_uint_eq(back.n_files, 2);
    ck_assert_str_eq(back.files[1].name, "1_ZURIhost.ip");
    ck_assert(back.files[1].stale && !back.files[0].stale);
    ck_assert_uint_eq(back.files[0].size, 15);
    ck_assert_str_eq(back.files[0].sha256, s.files[0].sha256);
    ck_assert(snapshot_same_content(&s, &back));
    back.files[0].sha256[0] ^= 1;
    ck_assert(!snapshot_same_content(&s, &back));
    snapshot_free(&back);
    free(text);
    snapshot_free(&s);
}
END_TEST

/* Every damage refused, naming the file and the line. */
START_TEST(test_manifest_damage)
{
    struct snapshot s, back;
    sample(&s);
    char *good = snapshot_manifest_format(&s);
    size_t len = strlen(good);
    char *bad = xstrdup(good);

    /* One changed byte anywhere: the end checksum no longer matches (or
     * the line no longer parses). */
    for (size_t i = 0; i + 70 < len; i += 7) {
        memcpy(bad, good, len + 1);
        bad[i] = bad[i] == 'x' ? 'y' : 'x';
        testutil_capture_begin();
        ck_assert_int_eq(snapshot_manifest_parse(bad, len, "snap/M", &back),
                         -EINVAL);
        ck_assert_msg(strstr(testutil_captured(), "snap/M:"), "%s",
                      testutil_captured());
        testutil_capture_end();
    }
    /* Truncated at every length. */
    for (size_t cut = 0; cut < len; cut++) {
        testutil_capture_begin();
        ck_assert_int_eq(snapshot_manifest_parse(good, cut, "snap/M", &back),
                         -EINVAL);
        ck_assert_msg(strstr(testutil_captured(), "snap/M:"), "cut %zu", cut);
        testutil_capture_end();
    }
    testutil_capture_begin();
    memcpy(bad, good, len + 1);
    char *end = strstr(bad, "\nend ") + 5;
    *end = *end == 'a' ? 'b' : 'a';
    ck_assert_int_eq(snapshot_manifest_parse(bad, len, "snap/M", &back),
                     -EINVAL);
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "checksum mismatch"));
    testutil_capture_end();
    free(bad);

    /* Well-formed checksums over bad contents. */
    static const char *const bodies[] = {
        "miniinet-snapshot 2\nnetwork a\ntime 1\nnamed 0\n",
        "miniinet-snapshot 1\nnetwork a b\ntime 1\nnamed 0\n",
        "miniinet-snapshot 1\nnetwork ../x\ntime 1\nnamed 0\n",
        "miniinet-snapshot 1\nnetwork a\ntime -1\nnamed 0\n",
        "miniinet-snapshot 1\nnetwork a\ntime 01\nnamed 0\n",
        "miniinet-snapshot 1\nnetwork a\ntime 1\nnamed 2\n",
        "miniinet-snapshot 1\nnetwork a\ntime 1\n",
        "miniinet-snapshot 1\nnetwork a\ntime 1\nnamed 0\nfile ../x.frr 1 "
        "0000000000000000000000000000000000000000000000000000000000000000\n",
        "miniinet-snapshot 1\nnetwork a\ntime 1\nnamed 0\nfile R.conf 1 "
        "0000000000000000000000000000000000000000000000000000000000000000\n",
        "miniinet-snapshot 1\nnetwork a\ntime 1\nnamed 0\nfile R.frr 1 "
        "00000000000000000000000000000000000000000000000000000000000000\n",
        "miniinet-snapshot 1\nnetwork a\ntime 1\nnamed 0\nfile R.frr 1 "
        "0000000000000000000000000000000000000000000000000000000000000000 "
        "old\n",
        "miniinet-snapshot 1\nnetwork a\ntime 1\nnamed 0\nfile R.frr 1 "
        "0000000000000000000000000000000000000000000000000000000000000000\n"
        "file R.frr 1 "
        "0000000000000000000000000000000000000000000000000000000000000000\n",
        "miniinet-snapshot 1\nnetwork a\ntime 1\nnamed 0\nnote a\tb\n",
        "miniinet-snapshot 1\nnetwork a\ntime 1\nnamed 0\nwhat 1\n",
        "miniinet-snapshot 1\nnetwork a\ntime 1\nnamed 0\n\n",
        "miniinet-snapshot 1\nnetwork a\ntime 1\nnamed 0\nas 0\n",
        "miniinet-snapshot 1\nnetwork a\ntime 1\nnamed 0\nas 256\n",
        "miniinet-snapshot 1\nnetwork a\ntime 1\nnamed 0\nas 03\n",
        "miniinet-snapshot 1\nnetwork a\ntime 1\nnamed 0\nas 3 4\n",
        "miniinet-snapshot 1\nnetwork a\ntime 1\nnamed 0\nas 3\nas 3\n",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
        char sum[65];
        snapshot_sha256(bodies[i], strlen(bodies[i]), sum);
        char *text = xasprintf("%send %s\n", bodies[i], sum);
        testutil_capture_begin();
        ck_assert_msg(
            snapshot_manifest_parse(text, strlen(text), "M", &back) == -EINVAL,
            "accepted body %zu", i);
        testutil_capture_end();
        free(text);
    }
    /* Text after the end line, a NUL byte. */
    char *after = xasprintf("%sfile x\n", good);
    testutil_capture_begin();
    ck_assert_int_eq(snapshot_manifest_parse(after, strlen(after), "M", &back),
                     -EINVAL);
    ck_assert_int_eq(snapshot_manifest_parse("a\0b\n", 4, "M", &back),
                     -EINVAL);
    testutil_capture_end();
    free(after);
    free(good);
    snapshot_free(&s);
}
END_TEST

START_TEST(test_note_valid)
{
    ck_assert(snapshot_note_valid("before the lab, été"));
    ck_assert(snapshot_note_valid(""));
    ck_assert(!snapshot_note_valid("a\nb"));
    ck_assert(!snapshot_note_valid("a\x7f"));
    char longer[SNAPSHOT_NOTE_MAX + 2];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    ck_assert(!snapshot_note_valid(longer));
    longer[SNAPSHOT_NOTE_MAX] = '\0';
    ck_assert(snapshot_note_valid(longer));
}
END_TEST

START_TEST(test_default_name)
{
    char name[32];
    snapshot_default_name(1764728400, name); /* 2025-12-03 02:20:00 UTC */
    ck_assert_str_eq(name, "20251203-022000");
    ck_assert(util_valid_name(name, 64));
}
END_TEST

/* Newest first: the last N, the newest of each day for D days, named
 * ones always. */
/* `n` snapshots s0, s1, ... (named in `names`), one a minute back from
 * `now`, the newest first; everything else zero. */
static void
minutely(struct snapshot *s, char (*names)[16], int n, long long now)
{
    memset(s, 0, (size_t)n * sizeof *s);
    for (int i = 0; i < n; i++) {
        snprintf(names[i], sizeof names[i], "s%d", i);
        s[i].name = names[i];
        s[i].time = now - (long long)i * 60;
    }
}

/* A snapshot a mark names is kept whatever the numbers say; a restore of
 * a file whose newest copy is stale with a side file displaces the
 * object's work to that snapshot. */
START_TEST(test_retain_pinned)
{
    enum { N = 5 };
    struct snapshot s[N];
    bool keep[N];
    char names[N][16];
    long long now = 100LL * 86400;
    minutely(s, names, N, now);
    const char *const pinned[] = {"s3", "nosuch", NULL};
    struct snapshot_retention r = {1, 0, pinned};
    snapshot_retain(s, N, now, &r, NULL, keep);
    for (int i = 0; i < N; i++) {
        ck_assert_msg(keep[i] == (i == 0 || i == 3), "snapshot %d", i);
    }
    r.pinned = NULL;
    snapshot_retain(s, N, now, &r, NULL, keep);
    ck_assert(!keep[3]);
}
END_TEST

START_TEST(test_displacing)
{
    struct snapshot s[3];
    memset(s, 0, sizeof s);
    /* Newest first: s[0] has R's file as it ran (not stale), s[1] stale
     * with its side file, s[2] stale without one. */
    snapshot_add_file(&s[0], "Q.frr", "q", 1, false);
    snapshot_add_file(&s[1], "R.frr", "r", 1, true);
    snapshot_add_file(&s[1], "R.frr.running", "x", 1, false);
    snapshot_add_file(&s[1], "1_L2.1.0.vlan", "v", 1, true);
    snapshot_add_file(&s[1], "1_L2.1.0.vlan.running", "w", 1, false);
    snapshot_add_file(&s[1], "H.ip", "h", 1, true);
    snapshot_add_file(&s[2], "Q.frr", "q", 1, true);
    snapshot_add_file(&s[2], "Q.frr.running", "x", 1, false);
    ck_assert_int_eq(snapshot_displacing(s, 3, "R.frr"), 1);
    ck_assert_int_eq(snapshot_displacing(s, 3, "1_L2.1.0.vlan"), 1);
    ck_assert_int_eq(snapshot_displacing(s, 3, "H.ip"), -1); /* no side */
    /* The newest copy counts: Q's is not stale there. */
    ck_assert_int_eq(snapshot_displacing(s, 3, "Q.frr"), -1);
    ck_assert_int_eq(snapshot_displacing(s + 1, 2, "Q.frr"), 1);
    ck_assert_int_eq(snapshot_displacing(s, 3, "R.ip"), -1);
    ck_assert_int_eq(snapshot_displacing(s, 0, "R.frr"), -1);
    for (int i = 0; i < 3; i++) {
        snapshot_free(&s[i]);
    }
}
END_TEST

/* Saves while a marked object was down leave newer stale copies without
 * a side file: they hide nothing, the work is in the older side file;
 * a copy that is not stale ends the walk. */
START_TEST(test_displacing_past_sideless)
{
    struct snapshot s[4];
    memset(s, 0, sizeof s);
    snapshot_add_file(&s[0], "R.frr", "r", 1, true); /* marked, down */
    snapshot_add_file(&s[1], "R.frr", "r", 1, true); /* marked, down */
    snapshot_add_file(&s[2], "R.frr", "r", 1, true); /* marked, ran */
    snapshot_add_file(&s[2], "R.frr.running", "x", 1, false);
    snapshot_add_file(&s[3], "R.frr", "y", 1, false);
    ck_assert_int_eq(snapshot_displacing(s, 4, "R.frr"), 2);
    ck_assert_int_eq(snapshot_displacing(s + 1, 3, "R.frr"), 1);
    ck_assert_int_eq(snapshot_displacing(s, 2, "R.frr"), -1); /* none */
    /* A copy as it ran between them: the older side file is older than
     * what a save took. */
    snapshot_free(&s[1]);
    snapshot_add_file(&s[1], "R.frr", "z", 1, false);
    ck_assert_int_eq(snapshot_displacing(s, 4, "R.frr"), -1);
    for (int i = 0; i < 4; i++) {
        snapshot_free(&s[i]);
    }
}
END_TEST

/* The pins file: "KEY SNAPSHOT" lines, round trip; a bad line refused
 * naming the file and its line. */
START_TEST(test_pins_parse)
{
    const char *text = "R.frr 20251203-120000\n1_L2.1.0.vlan s1\n"
                       "R.frr s2\nH.ip 20251203-120000\n";
    struct snapshot_pins p;
    ck_assert_int_eq(snapshot_pins_parse(text, strlen(text), "/p/.pins", &p),
                     0);
    ck_assert_uint_eq(p.n, 4);
    ck_assert(snapshot_pins_has(&p, "R.frr", "s2"));
    ck_assert(snapshot_pins_has(&p, NULL, "s1"));
    ck_assert(!snapshot_pins_has(&p, "H.ip", "s2"));
    char *back = snapshot_pins_format(&p);
    ck_assert_str_eq(back, text);
    free(back);
    ck_assert(!snapshot_pins_add(&p, "R.frr", "s2")); /* there already */
    ck_assert(!snapshot_pins_add(&p, "R.frr.running", "s3"));
    ck_assert(!snapshot_pins_add(&p, "R.frr", "../x"));
    ck_assert(snapshot_pins_add(&p, "R.frr", "s3"));
    ck_assert(snapshot_pins_remove(&p, "R.frr", "20251203-120000"));
    ck_assert(!snapshot_pins_remove(&p, "R.frr", "20251203-120000"));
    back = snapshot_pins_format(&p);
    ck_assert_str_eq(back, "1_L2.1.0.vlan s1\nR.frr s2\n"
                           "H.ip 20251203-120000\nR.frr s3\n");
    free(back);
    snapshot_pins_free(&p);
    ck_assert_int_eq(snapshot_pins_parse("", 0, "/p/.pins", &p), 0);
    ck_assert_uint_eq(p.n, 0);
    back = snapshot_pins_format(&p);
    ck_assert_str_eq(back, "");
    free(back);

    static const struct {
        const char *text;
        const char *msg;
    } bad[] = {
        {"R.frr s1\nR.frr\n", "/p/.pins:2: expected"},
        {"R.frr s1 s2\n", "/p/.pins:1: expected"},
        {"R.frr.running s1\n", "/p/.pins:1: expected"},
        {"R s1\n", "/p/.pins:1: expected"},
        {"../R.frr s1\n", "/p/.pins:1: expected"},
        {"R.frr ../s1\n", "/p/.pins:1: bad snapshot name"},
        {"R.frr s1\nH.ip s1\nR.frr s1\n", "/p/.pins:3: pin listed twice"},
        {"R.frr s1\nH.ip s1", "/p/.pins:2: truncated"},
        {"\n", "/p/.pins:1: expected"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        testutil_capture_begin();
        int error = snapshot_pins_parse(bad[i].text, strlen(bad[i].text),
                                        "/p/.pins", &p);
        const char *msg = testutil_captured();
        ck_assert_msg(error == -EINVAL && strstr(msg, bad[i].msg),
                      "case %zu: %d %s", i, error, msg);
        testutil_capture_end();
        ck_assert_uint_eq(p.n, 0);
    }
    testutil_capture_begin();
    ck_assert_int_eq(snapshot_pins_parse("R.frr s\0\n", 9, "/p/.pins", &p),
                     -EINVAL);
    testutil_capture_end();
}
END_TEST

/* What a save pins for a marked object: the newest side file, the
 * snapshot just written first. */
START_TEST(test_newest_running)
{
    struct snapshot s[3], w;
    memset(s, 0, sizeof s);
    memset(&w, 0, sizeof w);
    s[0].name = xstrdup("s0");
    s[1].name = xstrdup("s1");
    s[2].name = xstrdup("s2");
    w.name = xstrdup("w");
    snapshot_add_file(&s[0], "R.frr", "r", 1, true); /* marked, down */
    snapshot_add_file(&s[1], "R.frr", "r", 1, true);
    snapshot_add_file(&s[1], "R.frr.running", "x", 1, false);
    snapshot_add_file(&s[1], "H.ip", "h", 1, false);
    snapshot_add_file(&s[2], "R.frr.running", "y", 1, false);
    snapshot_add_file(&w, "R.frr", "r", 1, true);
    ck_assert_ptr_eq(snapshot_newest_running(NULL, s, 3, "R.frr"), &s[1]);
    ck_assert_ptr_eq(snapshot_newest_running(&w, s, 3, "R.frr"), &s[1]);
    snapshot_add_file(&w, "R.frr.running", "z", 1, false);
    ck_assert_ptr_eq(snapshot_newest_running(&w, s, 3, "R.frr"), &w);
    ck_assert_ptr_null(snapshot_newest_running(&w, s, 3, "H.ip"));
    ck_assert_ptr_null(snapshot_newest_running(NULL, s, 0, "R.frr"));
    for (int i = 0; i < 3; i++) {
        snapshot_free(&s[i]);
    }
    snapshot_free(&w);
}
END_TEST

/* A save's pin of a marked object's newest KEY.running ("newest" kind)
 * replaces that key's previous one: saves while it stays marked keep one,
 * besides its pins for good (a displaced mark's), which stay; one of a
 * newer snapshot than the one asked stays too; the kind round-trips. */
START_TEST(test_pins_newest)
{
    struct snapshot s[4];
    memset(s, 0, sizeof s);
    for (int i = 0; i < 4; i++) {
        s[i].name = xasprintf("s%d", i);
        s[i].time = 1000 - i * 10; /* newest first */
    }
    struct snapshot_pins p = {0};
    ck_assert(snapshot_pins_add(&p, "R.frr", "s3")); /* displaced */
    /* Three saves while marked, oldest first. */
    ck_assert(snapshot_pins_newest(&p, "R.frr", &s[2], s, 4));
    ck_assert(snapshot_pins_newest(&p, "R.frr", &s[1], s, 4));
    ck_assert(!snapshot_pins_newest(&p, "R.frr", &s[1], s, 4)); /* same */
    ck_assert(snapshot_pins_newest(&p, "H.ip", &s[1], s, 4));
    ck_assert(snapshot_pins_newest(&p, "R.frr", &s[0], s, 4));
    char *text = snapshot_pins_format(&p);
    ck_assert_str_eq(text, "R.frr s3\nH.ip s1 newest\nR.frr s0 newest\n");
    /* Round trip, the kind with it. */
    struct snapshot_pins q;
    ck_assert_int_eq(snapshot_pins_parse(text, strlen(text), "/p/.pins", &q),
                     0);
    ck_assert_uint_eq(q.n, 3);
    ck_assert(!q.v[0].newest && q.v[1].newest && q.v[2].newest);
    snapshot_pins_free(&q);
    free(text);
    /* An older holder (a save that stored none newer) leaves a newer
     * one's pin; the displaced one's is never replaced, and pinning it for
     * good makes a "newest" one for good. */
    ck_assert(snapshot_pins_newest(&p, "R.frr", &s[3], s, 4) == false);
    ck_assert(snapshot_pins_newest(&p, "H.ip", &s[2], s, 4));
    ck_assert(snapshot_pins_has(&p, "H.ip", "s1") &&
              snapshot_pins_has(&p, "H.ip", "s2"));
    ck_assert(snapshot_pins_add(&p, "R.frr", "s0"));
    ck_assert(!p.v[2].newest);
    ck_assert(!snapshot_pins_add(&p, "R.frr", "s0"));
    text = snapshot_pins_format(&p);
    ck_assert_str_eq(text,
                     "R.frr s3\nH.ip s1 newest\nR.frr s0\nH.ip s2 newest\n");
    free(text);
    /* Bad kinds refused. */
    testutil_capture_begin();
    ck_assert_int_eq(snapshot_pins_parse("R.frr s1 old\n", 13, "/p/.pins", &q),
                     -EINVAL);
    ck_assert(strstr(testutil_captured(), "/p/.pins:1: expected"));
    testutil_capture_end();
    ck_assert(!snapshot_pins_newest(&p, "R.frr.running", &s[0], s, 4));
    snapshot_pins_free(&p);
    for (int i = 0; i < 4; i++) {
        snapshot_free(&s[i]);
    }
}
END_TEST

START_TEST(test_retain)
{
    enum { N = 200 };
    struct snapshot s[N];
    bool keep[N];
    long long now = 100LL * 86400 + 43200; /* day 100, noon */
    memset(s, 0, sizeof s);
    for (int i = 0; i < N; i++) {
        s[i].time = now - (long long)i * 4 * 3600; /* every 4 hours */
    }
    s[150].named = true;
    struct snapshot_retention r = {10, 5, NULL};
    snapshot_retain(s, N, now, &r, NULL, keep);
    int kept = 0;
    for (int i = 0; i < N; i++) {
        kept += keep[i];
    }
    for (int i = 0; i < 10; i++) {
        ck_assert(keep[i]);
    }
    ck_assert(keep[150]);
    /* Days 100..96: the newest of each (one is within the last 10). */
    for (int i = 10; i < N; i++) {
        long long day = s[i].time / 86400;
        bool newest_of_day = s[i - 1].time / 86400 != day;
        ck_assert_msg(keep[i] == (i == 150 || (newest_of_day && day > 95)),
                      "snapshot %d (day %lld)", i, day);
    }
    ck_assert_int_eq(kept, 10 + 3 + 1);
    /* Nothing asked: the named one, the newest (the one a restore would
     * take) and the one just written only. */
    struct snapshot_retention none = {0, 0, NULL};
    snapshot_retain(s, N, now, &none, NULL, keep);
    for (int i = 0; i < N; i++) {
        ck_assert_msg(keep[i] == (i == 0 || i == 150), "snapshot %d", i);
    }
    /* The one just written is kept even when it is not the newest (a
     * master's clock behind this server's). */
    char written[] = "written";
    s[7].name = written;
    snapshot_retain(s, N, now, &none, "written", keep);
    for (int i = 0; i < N; i++) {
        ck_assert_msg(keep[i] == (i == 0 || i == 7 || i == 150), "snapshot %d",
                      i);
    }
    s[7].name = NULL;
}
END_TEST

/* keep_last = 0, keep_days = 0 never leaves a scope without its newest
 * intact snapshot, nor removes the one just written, newer damaged ones
 * notwithstanding. */
START_TEST(test_retain_nothing_asked)
{
    enum { N = 5 };
    struct snapshot s[N];
    bool keep[N];
    char names[N][16];
    long long now = 100LL * 86400;
    minutely(s, names, N, now);
    s[0].damaged = true; /* newest, damaged: takes no place */
    s[1].asn = 3;        /* AS 3's only one */
    struct snapshot_retention none = {0, 0, NULL};
    snapshot_retain(s, N, now, &none, "s1", keep);
    ck_assert(keep[0]); /* damaged: the TA's */
    ck_assert(keep[1]); /* written, and AS 3's newest */
    ck_assert(keep[2]); /* the whole network's newest intact */
    ck_assert(!keep[3] && !keep[4]);
}
END_TEST

static char base[64];

static void
setup(void)
{
    snprintf(base, sizeof base, "/tmp/mi-snapshot-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(base));
}

static void
teardown(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", "--one-file-system", base, (char *)NULL);
        _exit(127);
    }
    waitpid(pid, NULL, 0);
}

static void
store_as(int dir, const char *name, long long t, unsigned asn, const char *frr)
{
    struct snapshot s = {0};
    s.network = xstrdup("n");
    s.time = t;
    s.asn = asn;
    snapshot_add_file(&s, "R.frr", frr, strlen(frr), false);
    int d = fs_make_dir_at(dir, name, 0700);
    ck_assert_int_ge(d, 0);
    ck_assert_int_eq(fs_write_file_at(d, "R.frr", frr, strlen(frr), 0600), 0);
    char *m = snapshot_manifest_format(&s);
    ck_assert_int_eq(
        fs_write_file_at(d, SNAPSHOT_MANIFEST, m, strlen(m), 0600), 0);
    free(m);
    close(d);
    snapshot_free(&s);
}

static void
store(int dir, const char *name, long long t, const char *frr)
{
    store_as(dir, name, t, 0, frr);
}

START_TEST(test_list)
{
    int dir = open(base, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(dir, 0);
    store(dir, "old", 1000, "hostname R\n!\nend\n");
    store(dir, "new", 2000, "hostname R\nip route 1.0.0.0/8 Null0\nend\n");
    store(dir, "bad", 3000, "hostname R\nend\n");
    store(dir, "worse", 4000, "hostname R\nend\n");
    ck_assert_int_eq(mkdirat(dir, ".tmp-1", 0700), 0); /* ignored */
    /* A file changed behind the manifest's back; a manifest cut short. */
    int d = openat(dir, "bad", O_RDONLY | O_DIRECTORY);
    ck_assert_int_eq(
        fs_write_file_at(d, "R.frr", "hostname X\nend\n", 15, 0600), 0);
    close(d);
    d = openat(dir, "worse", O_RDONLY | O_DIRECTORY);
    char *m = NULL;
    size_t len = 0;
    ck_assert_int_eq(fs_read_file_at(d, SNAPSHOT_MANIFEST, 1 << 20, &m, &len),
                     0);
    ck_assert_int_eq(fs_write_file_at(d, SNAPSHOT_MANIFEST, m, len / 2, 0600),
                     0);
    free(m);
    close(d);

    /* A snapshot's directory without a manifest (a save never leaves
     * one: damaged, of its directory's time, here between "old" and
     * "new"); a file that is no snapshot. */
    ck_assert_int_eq(mkdirat(dir, "cut", 0700), 0);
    struct timespec cut_time[2] = {{1500, 0}, {1500, 0}};
    ck_assert_int_eq(utimensat(dir, "cut", cut_time, 0), 0);
    ck_assert_int_eq(fs_write_file_at(dir, "stray", "x", 1, 0600), 0);

    struct snapshot *list;
    char **incomplete;
    testutil_capture_begin();
    size_t n = snapshot_list(dir, "/p", true, &list, &incomplete);
    const char *msg = testutil_captured();
    ck_assert_msg(strstr(msg, "/p/bad/R.frr: does not match the manifest") &&
                      strstr(msg, "/p/worse/MANIFEST:") &&
                      strstr(msg, "/p/cut/MANIFEST: missing: damaged") &&
                      !strstr(msg, "tmp") && !strstr(msg, "stray"),
                  "%s", msg);
    testutil_capture_end();
    ck_assert_uint_eq(n, 5);
    /* Newest first, the damaged ones listed as such: "worse" (its
     * manifest unreadable: the directory's time, now) first. */
    ck_assert_str_eq(list[0].name, "worse");
    ck_assert(list[0].damaged && list[0].unread);
    ck_assert_str_eq(list[1].name, "bad");
    ck_assert(list[1].damaged && !list[1].unread);
    ck_assert_int_eq(list[1].time, 3000);
    ck_assert_str_eq(list[2].name, "new");
    ck_assert(!list[2].damaged);
    ck_assert_str_eq(list[3].name, "cut");
    ck_assert(list[3].damaged && list[3].unread);
    ck_assert_int_eq(list[3].time, 1500);
    ck_assert_str_eq(list[4].name, "old");
    size_t n_incomplete = 0;
    bool cut = false, tmp = false, stray = false;
    for (; incomplete[n_incomplete]; n_incomplete++) {
        cut |= !strcmp(incomplete[n_incomplete], "cut");
        tmp |= !strcmp(incomplete[n_incomplete], ".tmp-1");
        stray |= !strcmp(incomplete[n_incomplete], "stray");
    }
    ck_assert_uint_eq(n_incomplete, 2);
    ck_assert(!cut && tmp && stray);
    char *data = NULL;
    ck_assert_int_eq(
        snapshot_read_file(dir, "/p", &list[2], &list[2].files[0], &data), 0);
    ck_assert_ptr_nonnull(strstr(data, "ip route 1.0.0.0/8 Null0"));
    free(data);
    /* A restore without a name: "new", the damaged newer ones named. */
    long damaged, offer;
    ck_assert_int_eq(snapshot_choose(list, n, NULL, 0, &damaged, &offer), 2);
    ck_assert_int_eq(damaged, 0);
    ck_assert_int_eq(offer, 2);
    for (size_t i = 0; i < n; i++) {
        snapshot_free(&list[i]);
    }
    free(list);
    util_free_strv(incomplete);
    /* Without checking the files, only the truncated manifest is
     * damaged. */
    testutil_capture_begin();
    n = snapshot_list(dir, "/p", false, &list, NULL);
    testutil_capture_end();
    ck_assert_uint_eq(n, 5);
    size_t n_damaged = 0;
    for (size_t i = 0; i < n; i++) {
        n_damaged += list[i].damaged;
    }
    ck_assert_uint_eq(n_damaged, 2); /* worse, cut */
    /* ... and snapshot_verify() finds the other. */
    testutil_capture_begin();
    ck_assert_int_eq(snapshot_verify(dir, "/p", &list[1]), -EINVAL);
    ck_assert(list[1].damaged);
    ck_assert_int_eq(snapshot_verify(dir, "/p", &list[2]), 0);
    testutil_capture_end();
    for (size_t i = 0; i < n; i++) {
        snapshot_free(&list[i]);
    }
    free(list);
    close(dir);
}
END_TEST

/* Which snapshot a restore takes (snapshot_choose()), newest first. */
START_TEST(test_choose)
{
    struct snapshot s[6];
    memset(s, 0, sizeof s);
    const char *names[] = {"f", "e", "d", "c", "b", "a"};
    for (int i = 0; i < 6; i++) {
        s[i].name = (char *)names[i];
        s[i].time = 1000 - i;
    }
    long damaged, offer;
    /* All intact: the newest. */
    ck_assert_int_eq(snapshot_choose(s, 6, NULL, 0, &damaged, &offer), 0);
    ck_assert_int_eq(damaged, -1);
    /* The newest damaged: the next intact one chosen, the damaged named. */
    s[0].damaged = true;
    ck_assert_int_eq(snapshot_choose(s, 6, NULL, 0, &damaged, &offer), 1);
    ck_assert_int_eq(damaged, 0);
    ck_assert_int_eq(offer, 1);
    /* An older one damaged: nothing to say about it. */
    s[0].damaged = false;
    s[3].damaged = true;
    ck_assert_int_eq(snapshot_choose(s, 6, NULL, 0, &damaged, &offer), 0);
    ck_assert_int_eq(damaged, -1);
    /* By name: a damaged one refused (the newest intact offered), an
     * intact one taken, an unknown one not found. */
    ck_assert_int_eq(snapshot_choose(s, 6, "c", 0, &damaged, &offer), -1);
    ck_assert_int_eq(damaged, 3);
    ck_assert_int_eq(offer, 0);
    ck_assert_int_eq(snapshot_choose(s, 6, "b", 0, &damaged, &offer), 4);
    ck_assert_int_eq(damaged, -1);
    ck_assert_int_eq(snapshot_choose(s, 6, "x", 0, &damaged, &offer), -1);
    ck_assert_int_eq(damaged, -1);
    /* Scopes: an AS 3 snapshot is never a whole restore's; a damaged AS 3
     * one does not stop a whole restore; an unreadable one may be of any
     * scope, so it does. */
    s[3].damaged = false;
    s[0].asn = 3;
    s[1].asn = 3;
    s[1].damaged = true;
    ck_assert_int_eq(snapshot_choose(s, 6, NULL, 0, &damaged, &offer), 2);
    ck_assert_int_eq(damaged, -1);
    ck_assert_int_eq(snapshot_choose(s, 6, NULL, 3, &damaged, &offer), 0);
    ck_assert_int_eq(damaged, -1);
    s[0].damaged = true;
    ck_assert_int_eq(snapshot_choose(s, 6, NULL, 3, &damaged, &offer), 2);
    ck_assert_int_eq(damaged, 0);
    s[0].damaged = s[1].damaged = false;
    s[0].asn = s[1].asn = 0;
    s[1].damaged = s[1].unread = true;
    s[1].asn = 0;
    s[2].asn = 7;
    ck_assert_int_eq(snapshot_choose(s, 6, NULL, 7, &damaged, &offer), 0);
    ck_assert_int_eq(damaged, -1);
    s[0].damaged = true;
    ck_assert_int_eq(snapshot_choose(s, 6, NULL, 7, &damaged, &offer), 2);
    ck_assert_int_eq(damaged, 0);
    /* Nothing intact: none chosen, the newest damaged named. */
    for (int i = 0; i < 6; i++) {
        s[i].damaged = true;
    }
    ck_assert_int_eq(snapshot_choose(s, 6, NULL, 0, &damaged, &offer), -1);
    ck_assert_int_eq(damaged, 0);
    ck_assert_int_eq(offer, -1);
    ck_assert_int_eq(snapshot_choose(s, 0, NULL, 0, &damaged, &offer), -1);
    ck_assert_int_eq(damaged, -1);
}
END_TEST

/* A whole restore without a name takes each AS from the newest intact
 * snapshot holding it (snapshot_choose_each()): a whole W at 10:00, AS 3's
 * A3 at 10:05 -- AS 3 from A3, the others from W. */
START_TEST(test_choose_each)
{
    struct snapshot s[5];
    memset(s, 0, sizeof s);
    const char *names[] = {"a7", "a3", "w2", "a1", "w1"};
    const unsigned scope[] = {7, 3, 0, 1, 0};
    for (int i = 0; i < 5; i++) {
        s[i].name = (char *)names[i];
        s[i].time = 10 - i;
        s[i].asn = scope[i];
    }
    const unsigned asns[] = {0, 1, 2, 3, 7};
    long chosen[5], damaged[5];
    snapshot_choose_each(s, 5, asns, 5, chosen, damaged);
    /* What belongs to no AS and AS 2: w2; AS 1's a1 is older than w2;
     * AS 3 and AS 7: their own, newer than w2. */
    const long want[] = {2, 2, 2, 1, 0};
    for (int k = 0; k < 5; k++) {
        ck_assert_int_eq(chosen[k], want[k]);
        ck_assert_int_eq(damaged[k], -1);
    }
    /* AS 3's newest damaged: AS 3 from w2, a3 named (a restore refuses
     * or warns); the others unaffected. */
    s[1].damaged = true;
    snapshot_choose_each(s, 5, asns, 5, chosen, damaged);
    ck_assert_int_eq(chosen[3], 2);
    ck_assert_int_eq(damaged[3], 1);
    ck_assert_int_eq(chosen[4], 0);
    ck_assert_int_eq(damaged[4], -1);
    ck_assert_int_eq(damaged[1], -1);
    /* The whole w2 damaged: AS 1 from a1, AS 2 from w1, AS 7 still a7; w2
     * named for each AS it would have given. */
    s[1].damaged = false;
    s[2].damaged = true;
    snapshot_choose_each(s, 5, asns, 5, chosen, damaged);
    ck_assert_int_eq(chosen[0], 4);
    ck_assert_int_eq(chosen[1], 3);
    ck_assert_int_eq(chosen[2], 4);
    ck_assert_int_eq(chosen[3], 1);
    ck_assert_int_eq(chosen[4], 0);
    ck_assert_int_eq(damaged[0], 2);
    ck_assert_int_eq(damaged[1], 2);
    ck_assert_int_eq(damaged[3], -1);
    /* Only partial snapshots: an AS none holds gets none. */
    snapshot_choose_each(s, 2, asns, 5, chosen, damaged);
    ck_assert_int_eq(chosen[0], -1);
    ck_assert_int_eq(chosen[1], -1);
    ck_assert_int_eq(chosen[3], 1);
    ck_assert_int_eq(chosen[4], 0);
    snapshot_choose_each(s, 0, asns, 5, chosen, damaged);
    ck_assert_int_eq(chosen[4], -1);
}
END_TEST

/* Which name a master's restore takes: the newest every server has
 * intact (snapshot_choose_common()). */
START_TEST(test_choose_common)
{
    struct snapshot a[3], b[3];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    const char *names[] = {"t3", "t2", "t1"};
    for (int i = 0; i < 3; i++) {
        a[i].name = b[i].name = (char *)names[i];
        a[i].time = b[i].time = 3 - i;
    }
    const struct snapshot *lists[] = {a, b};
    size_t n[] = {3, 3};
    const struct snapshot *damaged, *partial;
    /* Everywhere: the newest. */
    ck_assert_str_eq(
        snapshot_choose_common(lists, n, 2, 0, &damaged, &partial), "t3");
    ck_assert(!damaged && !partial);
    /* t3 only on the first server (a save that did not reach the second):
     * t2, t3 said. */
    n[1] = 2;
    lists[1] = b + 1;
    ck_assert_str_eq(
        snapshot_choose_common(lists, n, 2, 0, &damaged, &partial), "t2");
    ck_assert(!damaged && partial == &a[0]);
    /* t2 damaged on the second server: t1, t2 named as damaged. */
    b[1].damaged = true;
    ck_assert_str_eq(
        snapshot_choose_common(lists, n, 2, 0, &damaged, &partial), "t1");
    ck_assert(damaged == &b[1] && partial == &a[0]);
    /* Scope: an AS 3 snapshot is not a whole restore's, nor does its
     * damage matter to one. */
    b[1].damaged = false;
    a[1].asn = b[1].asn = 3;
    b[1].damaged = true;
    ck_assert_str_eq(
        snapshot_choose_common(lists, n, 2, 0, &damaged, &partial), "t1");
    ck_assert(!damaged);
    ck_assert_str_eq(
        snapshot_choose_common(lists, n, 2, 3, &damaged, &partial), "t1");
    ck_assert(damaged == &b[1]);
    /* Nothing in common. */
    n[1] = 0;
    ck_assert_ptr_null(
        snapshot_choose_common(lists, n, 2, 0, &damaged, &partial));
    ck_assert(!damaged && partial == &a[0]);
    /* One server: its newest intact. */
    ck_assert_str_eq(
        snapshot_choose_common(lists, n, 1, 0, &damaged, &partial), "t3");
    ck_assert_ptr_null(
        snapshot_choose_common(lists, n, 0, 0, &damaged, &partial));
}
END_TEST

/* Damaged snapshots take no place in retention: the newest intact one is
 * kept whatever number of newer damaged ones there are, and the damaged
 * ones are left for the TA. */
START_TEST(test_retain_damaged)
{
    enum { N = 6 };
    struct snapshot s[N];
    bool keep[N];
    long long now = 100LL * 86400;
    memset(s, 0, sizeof s);
    for (int i = 0; i < N; i++) {
        s[i].time = now - (long long)i * 60;
        s[i].damaged = i < 3;
    }
    struct snapshot_retention r = {1, 0, NULL};
    snapshot_retain(s, N, now, &r, NULL, keep);
    ck_assert(keep[0] && keep[1] && keep[2]);
    ck_assert(keep[3]);
    ck_assert(!keep[4] && !keep[5]);
    s[1].damaged = false; /* the newest intact now */
    snapshot_retain(s, N, now, &r, NULL, keep);
    ck_assert(keep[0] && keep[1] && keep[2]);
    ck_assert(!keep[3] && !keep[4] && !keep[5]);
}
END_TEST

/* A snapshot of small.cfg's kinds of files: routers, hosts, an L2 host's
 * nothing, switches, an IXP's route server and bridge. */
static void
sample_as(struct snapshot *s)
{
    static const char *const files[] = {
        "1_ZURIrouter.frr", "1_ZURIhost.ip",    "3_LUGArouter.frr",
        "3_LUGAhost.ip",    "3_L2_DCN_S1.vlan", "3_L2_DCN_S2.vlan",
        "80_IXP.frr",       "80_IXP.vlan",      "31_Xrouter.frr",
    };
    memset(s, 0, sizeof *s);
    s->network = xstrdup("small");
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snapshot_add_file(s, files[i], "x\n", 2, false);
    }
}

/* What a restore must name as not in the snapshot: an object of the record
 * it is asked for that the snapshot does not hold (a node added after the
 * save); not one outside the snapshot's scope or not asked for, nor a
 * switch when the snapshot holds no switch at all. */
START_TEST(test_lacking)
{
    static const char *const objects[] = {
        "1_ZURIrouter", "1_ZURIhost",  "1_NEWhost",   "3_LUGArouter",
        "3_NEWrouter",  "3_L2_DCN_S1", "3_L2_DCN_S9", "1_MEASURE",
    };
    static const char *const suffixes[] = {
        ".frr", ".ip", ".ip", ".frr", ".frr", ".vlan", ".vlan", NULL,
    };
    enum { N = sizeof objects / sizeof *objects };
    bool all[N], lacking[N];
    for (int i = 0; i < N; i++) {
        all[i] = true;
    }
    struct snapshot s;
    sample_as(&s); /* 1_ZURIrouter, 1_ZURIhost, 3_LUGA..., 3_L2_DCN_S1/S2 */
    ck_assert_uint_eq(snapshot_lacking(&s, objects, suffixes, all, N, lacking),
                      3);
    ck_assert(!lacking[0] && !lacking[1] && !lacking[3] && !lacking[5]);
    ck_assert(lacking[2] && lacking[4] && lacking[6]);
    ck_assert(!lacking[7]); /* kept by no snapshot */
    /* Not asked for (restore --as 3): not named. */
    bool as3[N];
    for (int i = 0; i < N; i++) {
        as3[i] = objects[i][0] == '3';
    }
    ck_assert_uint_eq(snapshot_lacking(&s, objects, suffixes, as3, N, lacking),
                      2);
    ck_assert(!lacking[2] && lacking[4] && lacking[6]);
    /* A snapshot of AS 3 alone: AS 1's objects are outside it. */
    s.asn = 3;
    ck_assert_uint_eq(snapshot_lacking(&s, objects, suffixes, all, N, lacking),
                      2);
    ck_assert(!lacking[2] && lacking[4] && lacking[6]);
    snapshot_free(&s);
    /* A snapshot with no switch file: the switches are said apart. */
    memset(&s, 0, sizeof s);
    snapshot_add_file(&s, "3_LUGArouter.frr", "x\n", 2, false);
    ck_assert_uint_eq(snapshot_lacking(&s, objects, suffixes, as3, N, lacking),
                      1);
    ck_assert(lacking[4] && !lacking[5] && !lacking[6]);
    /* The name is the whole object's: 1_ZURI is not 1_ZURIrouter. */
    static const char *const prefix[] = {"3_LUGA"};
    static const char *const frr[] = {".frr"};
    ck_assert_uint_eq(snapshot_lacking(&s, prefix, frr, all, 1, lacking), 1);
    /* A switch's side file only (marked, every copy of its file
     * damaged): the snapshot keeps switches; S1 lacks its file, S9 too. */
    snapshot_add_file(&s, "3_L2_DCN_S1.vlan.running", "y\n", 2, false);
    ck_assert_uint_eq(snapshot_lacking(&s, objects, suffixes, as3, N, lacking),
                      3);
    ck_assert(lacking[4] && lacking[5] && lacking[6]);
    snapshot_free(&s);
}
END_TEST

START_TEST(test_file_kind)
{
    bool running = true;
    ck_assert_str_eq(snapshot_file_kind("R.frr", &running), ".frr");
    ck_assert(!running);
    ck_assert_str_eq(snapshot_file_kind("H.ip.running", &running), ".ip");
    ck_assert(running);
    ck_assert_str_eq(snapshot_file_kind("1_L2.1.0.vlan.running", &running),
                     ".vlan");
    ck_assert(running);
    ck_assert_str_eq(snapshot_file_kind("1_L2.1.0.vlan", NULL), ".vlan");
    ck_assert_ptr_null(snapshot_file_kind("MANIFEST", &running));
    ck_assert(!running);
    ck_assert_ptr_null(snapshot_file_kind("R.running", NULL));
    ck_assert_ptr_null(snapshot_file_kind(".frr", NULL));
    ck_assert_ptr_null(snapshot_file_kind("../R.frr", NULL));
}
END_TEST

START_TEST(test_select)
{
    struct snapshot s;
    bool keep[16];
    sample_as(&s);

    ck_assert_uint_eq(snapshot_select(&s, NULL, 0, false, keep), s.n_files);
    /* --as 3: its router, host and both switches; not AS 31's. */
    ck_assert_uint_eq(snapshot_select(&s, NULL, 3, false, keep), 4);
    ck_assert(!keep[0] && !keep[1] && keep[2] && keep[3] && keep[4] &&
              keep[5] && !keep[6] && !keep[7] && !keep[8]);
    /* --as 80: the IXP's route server and bridge. */
    ck_assert_uint_eq(snapshot_select(&s, NULL, 80, false, keep), 2);
    ck_assert(keep[6] && keep[7]);
    ck_assert_uint_eq(snapshot_select(&s, NULL, 31, false, keep), 1);
    ck_assert(keep[8]);
    ck_assert_uint_eq(snapshot_select(&s, NULL, 2, false, keep), 0);
    /* --node: that node's or switch's file; with --as, both must hold. */
    ck_assert_uint_eq(snapshot_select(&s, "3_L2_DCN_S2", 0, false, keep), 1);
    ck_assert(keep[5]);
    ck_assert_uint_eq(snapshot_select(&s, "3_L2_DCN_S2", 3, false, keep), 1);
    ck_assert_uint_eq(snapshot_select(&s, "3_L2_DCN_S2", 1, false, keep), 0);
    ck_assert_uint_eq(snapshot_select(&s, "3_L2_DCN", 0, false, keep), 0);
    snapshot_free(&s);

    char obj[80];
    const char *suffix;
    ck_assert(
        snapshot_file_object("3_L2_DCN_S1.vlan", obj, sizeof obj, &suffix));
    ck_assert_str_eq(obj, "3_L2_DCN_S1");
    ck_assert_str_eq(suffix, ".vlan");
    ck_assert(
        !snapshot_file_object("3_L2_DCN_S1.vlans", obj, sizeof obj, &suffix));
    ck_assert(!snapshot_file_object(".vlan", obj, sizeof obj, &suffix));
    ck_assert(!snapshot_file_object("a/b.vlan", obj, sizeof obj, &suffix));
    ck_assert(!snapshot_file_object("3_L2_DCN_S1.vlan", obj, 5, &suffix));
    /* A switch's short bridge name has dots; a node's name has none. */
    ck_assert(snapshot_file_object("1_L2.1.0.vlan", obj, sizeof obj, &suffix));
    ck_assert_str_eq(obj, "1_L2.1.0");
    ck_assert_uint_eq(names_asn_of(obj), 1);
    ck_assert(!snapshot_file_object("1_L2.1.0.frr", obj, sizeof obj, &suffix));
    ck_assert(!snapshot_file_object("..vlan", obj, sizeof obj, &suffix));

    /* A marked router's running configuration beside its file: the
     * router's, selected only by --running (never by a plain restore). */
    ck_assert(snapshot_file_object("3_LUGArouter.frr.running", obj, sizeof obj,
                                   &suffix));
    ck_assert_str_eq(obj, "3_LUGArouter");
    ck_assert_str_eq(suffix, ".frr");
    /* A host's and a switch's (whose short name has dots) too. */
    ck_assert(snapshot_file_object("3_LUGAhost.ip.running", obj, sizeof obj,
                                   &suffix));
    ck_assert_str_eq(obj, "3_LUGAhost");
    ck_assert_str_eq(suffix, ".ip");
    ck_assert(snapshot_file_object("1_L2.1.0.vlan.running", obj, sizeof obj,
                                   &suffix));
    ck_assert_str_eq(obj, "1_L2.1.0");
    ck_assert_str_eq(suffix, ".vlan");
    ck_assert(!snapshot_file_object("3_LUGArouter.frr.running.running", obj,
                                    sizeof obj, &suffix));
    ck_assert(!snapshot_file_object("3_LUGArouter.running", obj, sizeof obj,
                                    &suffix));
    ck_assert(snapshot_file_running("3_LUGArouter.frr.running"));
    ck_assert(!snapshot_file_running("3_LUGArouter.frr"));
    ck_assert(!snapshot_file_running(".frr.running"));
    ck_assert(!snapshot_file_object(".frr.running", obj, sizeof obj, &suffix));
    ck_assert(
        !snapshot_file_object("a.b.frr.running", obj, sizeof obj, &suffix));
    ck_assert(
        !snapshot_file_object("a.b.ip.running", obj, sizeof obj, &suffix));
    memset(&s, 0, sizeof s);
    snapshot_add_file(&s, "3_LUGArouter.frr", "x\n", 2, true);
    snapshot_add_file(&s, "3_LUGArouter.frr.running", "y\n", 2, false);
    snapshot_add_file(&s, "3_LUGAhost.ip", "z\n", 2, false);
    ck_assert_uint_eq(snapshot_select(&s, NULL, 0, false, keep), 2);
    ck_assert(keep[0] && !keep[1] && keep[2]);
    ck_assert_uint_eq(snapshot_select(&s, "3_LUGArouter", 0, false, keep), 1);
    ck_assert(keep[0] && !keep[1]);
    ck_assert_uint_eq(snapshot_select(&s, "3_LUGArouter", 0, true, keep), 1);
    ck_assert(!keep[0] && keep[1] && !keep[2]);
    ck_assert_uint_eq(snapshot_select(&s, "3_LUGAhost", 0, true, keep), 0);
    /* Its manifest is read back with the side file. */
    s.network = xstrdup("small");
    s.time = 1;
    char *text = snapshot_manifest_format(&s);
    struct snapshot back;
    ck_assert_int_eq(
        snapshot_manifest_parse(text, strlen(text), "MANIFEST", &back), 0);
    ck_assert_uint_eq(back.n_files, 3);
    ck_assert_str_eq(back.files[1].name, "3_LUGArouter.frr.running");
    ck_assert(!back.files[1].stale && back.files[0].stale);
    free(text);
    snapshot_free(&back);
    snapshot_free(&s);
}
END_TEST

START_TEST(test_names_asn_of)
{
    char buf[64];
    names_router(buf, sizeof buf, 3, "LUGA");
    ck_assert_uint_eq(names_asn_of(buf), 3);
    names_switch(buf, sizeof buf, 12, "DCN", "S1");
    ck_assert_uint_eq(names_asn_of(buf), 12);
    names_routeserver(buf, sizeof buf, 180);
    ck_assert_uint_eq(names_asn_of(buf), 180);
    names_ixp_bridge(buf, sizeof buf, 80);
    ck_assert_uint_eq(names_asn_of(buf), 80);
    ck_assert_uint_eq(names_asn_of("ZURIrouter"), 0);
    ck_assert_uint_eq(names_asn_of("03_x"), 0);
    ck_assert_uint_eq(names_asn_of("1234_x"), 0);
    ck_assert_uint_eq(names_asn_of("12x"), 0);
    ck_assert_uint_eq(names_asn_of("_x"), 0);
    ck_assert_uint_eq(names_asn_of(""), 0);
}
END_TEST

/* A snapshot of AS N's part says so ("as N"), round trip; it covers AS N
 * only, a whole one covers every AS; same content needs the same scope. */
START_TEST(test_manifest_scope)
{
    struct snapshot s, back;
    sample(&s);
    char *text = snapshot_manifest_format(&s);
    ck_assert_ptr_null(strstr(text, "\nas "));
    free(text);
    s.asn = 3;
    text = snapshot_manifest_format(&s);
    ck_assert_ptr_nonnull(strstr(text, "\nas 3\n"));
    ck_assert_int_eq(snapshot_manifest_parse(text, strlen(text), "M", &back),
                     0);
    ck_assert_uint_eq(back.asn, 3);
    ck_assert(snapshot_same_content(&s, &back));
    ck_assert(snapshot_covers(&back, 3));
    ck_assert(!snapshot_covers(&back, 1));
    ck_assert(!snapshot_covers(&back, 0));
    back.asn = 0;
    ck_assert(!snapshot_same_content(&s, &back));
    ck_assert(snapshot_covers(&back, 0) && snapshot_covers(&back, 3));
    snapshot_free(&back);
    free(text);
    snapshot_free(&s);
}
END_TEST

/* Retention counts within a scope: AS 3's snapshots, however many, never
 * push the whole network's out, nor the other way round. */
START_TEST(test_retain_scopes)
{
    enum { N = 40 };
    struct snapshot s[N];
    bool keep[N];
    long long now = 100LL * 86400 + 43200;
    memset(s, 0, sizeof s);
    for (int i = 0; i < N; i++) {
        s[i].time = now - (long long)i * 60; /* all the same day */
        s[i].asn = i < 30 ? 3 : 0;           /* 30 of AS 3, then 10 whole */
    }
    struct snapshot_retention r = {5, 1, NULL};
    snapshot_retain(s, N, now, &r, NULL, keep);
    for (int i = 0; i < N; i++) {
        bool expect = (i < 5) || (i >= 30 && i < 35);
        ck_assert_msg(keep[i] == expect, "snapshot %d (as %u)", i, s[i].asn);
    }
    /* One a day: the newest of the day of each scope. */
    struct snapshot_retention daily = {0, 1, NULL};
    snapshot_retain(s, N, now, &daily, NULL, keep);
    for (int i = 0; i < N; i++) {
        ck_assert_msg(keep[i] == (i == 0 || i == 30), "snapshot %d", i);
    }
}
END_TEST

/* "Nothing changed" only when the previous snapshot of the same scope is
 * also the newest that may hold any part saved: else a restore (the newest
 * snapshot holding a part) would bring an older state back.  The review's
 * case: whole W1 holds A, AS 3's A3 (newer) holds B, the student goes
 * back to A: the next whole save equals W1 and must be stored. */
START_TEST(test_unchanged_scopes)
{
    struct snapshot w1, a3, snap, list[2];
    sample_as(&w1);
    w1.time = 100;
    sample_as(&snap); /* the same files as W1 */
    snap.time = 300;
    memset(&a3, 0, sizeof a3);
    a3.network = xstrdup("small");
    a3.time = 200;
    a3.asn = 3;
    snapshot_add_file(&a3, "3_LUGArouter.frr", "B\n", 2, false);

    /* Only W1: unchanged. */
    ck_assert(snapshot_unchanged(&w1, 1, 0, &snap));
    ck_assert(!snapshot_unchanged(&w1, 1, 1, &snap)); /* no previous */
    /* A3 newer than W1, holding AS 3 that the whole save has: store. */
    list[0] = a3;
    list[1] = w1;
    ck_assert(!snapshot_unchanged(list, 2, 1, &snap));
    /* A newer snapshot of an AS this save has no file of: unchanged. */
    list[0].asn = 5;
    ck_assert(snapshot_unchanged(list, 2, 1, &snap));
    /* ... unless its manifest is unreadable (it may hold any part), or
     * it is damaged but of the whole network. */
    list[0].unread = list[0].damaged = true;
    ck_assert(!snapshot_unchanged(list, 2, 1, &snap));
    list[0].unread = false;
    list[0].asn = 0;
    ck_assert(!snapshot_unchanged(list, 2, 1, &snap));
    list[0].damaged = false;
    list[0].asn = 3;

    /* AS 3's save equal to A3, with a newer whole snapshot: store (a
     * restore --as 3 would take the whole one); without it: unchanged;
     * with a newer one of another AS: unchanged. */
    struct snapshot snap3 = {0};
    snap3.network = xstrdup("small");
    snap3.asn = 3;
    snapshot_add_file(&snap3, "3_LUGArouter.frr", "B\n", 2, false);
    list[0] = w1;
    list[0].time = 250;
    list[1] = a3;
    ck_assert(!snapshot_unchanged(list, 2, 1, &snap3));
    ck_assert(snapshot_unchanged(&a3, 1, 0, &snap3));
    list[0].asn = 4;
    ck_assert(snapshot_unchanged(list, 2, 1, &snap3));
    /* Different content: never unchanged. */
    ck_assert(!snapshot_unchanged(&w1, 1, 0, &snap3));
    ck_assert(!snapshot_unchanged(&a3, 1, 0, &snap));

    snapshot_free(&w1);
    snapshot_free(&a3);
    snapshot_free(&snap);
    snapshot_free(&snap3);
}
END_TEST

/* A manifest may list switches' files (BRIDGE.vlan), and only those
 * three kinds. */
START_TEST(test_manifest_vlan_files)
{
    struct snapshot s, back;
    sample_as(&s);
    s.time = 1;
    char *text = snapshot_manifest_format(&s);
    ck_assert_int_eq(snapshot_manifest_parse(text, strlen(text), "M", &back),
                     0);
    ck_assert_uint_eq(back.n_files, s.n_files);
    ck_assert_str_eq(back.files[4].name, "3_L2_DCN_S1.vlan");
    snapshot_free(&back);
    free(text);
    free(s.files[4].name);
    s.files[4].name = xstrdup("3_L2_DCN_S1.conf");
    text = snapshot_manifest_format(&s);
    testutil_capture_begin();
    ck_assert_int_eq(snapshot_manifest_parse(text, strlen(text), "M", &back),
                     -EINVAL);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "bad file name"));
    free(text);
    snapshot_free(&s);
}
END_TEST

/* Removing a snapshot (prune) sets it aside first: at every moment the
 * directory holds it whole or an incomplete entry (.tmp-..., what the next
 * save removes), never a snapshot's directory cut short, which would be
 * listed damaged and stop an unnamed restore. */
START_TEST(test_remove)
{
    int dir = open(base, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(dir, 0);
    store(dir, "older", 1000, "hostname R\n!\nend\n");
    store(dir, "newer", 2000, "hostname R\nip route 1.0.0.0/8 Null0\nend\n");
    /* A kill between the two steps: what is left. */
    char aside[128];
    ck_assert_int_eq(
        snapshot_set_aside(dir, "/p", "newer", aside, sizeof aside), 0);
    ck_assert_int_eq(strncmp(aside, ".tmp-", 5), 0);
    ck_assert_ptr_nonnull(strstr(aside, "newer"));
    struct snapshot *list;
    char **incomplete;
    testutil_capture_begin();
    size_t n = snapshot_list(dir, "/p", true, &list, &incomplete);
    const char *msg = testutil_captured();
    ck_assert_msg(!strstr(msg, "damaged"), "%s", msg);
    testutil_capture_end();
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(list[0].name, "older");
    ck_assert(!list[0].damaged);
    ck_assert_str_eq(incomplete[0], aside);
    ck_assert_ptr_null(incomplete[1]);
    long damaged, offer;
    ck_assert_int_eq(snapshot_choose(list, n, NULL, 0, &damaged, &offer), 0);
    ck_assert_int_eq(damaged, -1);
    snapshot_free(&list[0]);
    free(list);
    util_free_strv(incomplete);
    /* The whole removal leaves nothing; a snapshot that is not there is
     * an error, said. */
    ck_assert_int_eq(snapshot_remove(dir, "/p", "older"), 0);
    ck_assert_int_eq(faccessat(dir, "older", F_OK, AT_SYMLINK_NOFOLLOW), -1);
    testutil_capture_begin();
    n = snapshot_list(dir, "/p", true, &list, &incomplete);
    testutil_capture_end();
    ck_assert_uint_eq(n, 0);
    ck_assert_str_eq(incomplete[0], aside); /* only the one set aside */
    ck_assert_ptr_null(incomplete[1]);
    free(list);
    util_free_strv(incomplete);
    testutil_capture_begin();
    ck_assert_int_eq(snapshot_remove(dir, "/p", "older"), -ENOENT);
    msg = testutil_captured();
    ck_assert_msg(strstr(msg, "/p/older: cannot rename it to .tmp-"), "%s",
                  msg);
    testutil_capture_end();
    close(dir);
}
END_TEST

static bool
exists(int dir, const char *name)
{
    return faccessat(dir, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Retention's loop on real snapshots (what a save runs, snapshot_prune()):
 * per scope, the last `keep_last` intact ones kept and the rest removed;
 * the newest of a scope whose damage only a check of its files finds
 * takes no place (so the newest intact one stays) and is left; the one
 * just written stays whatever its age; other scopes counted apart; what
 * is no snapshot left alone. */
START_TEST(test_prune)
{
    int dir = open(base, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(dir, 0);
    long long now = 100LL * 86400;
    store(dir, "damaged", now - 10, "hostname R\nend\n");
    store(dir, "intact", now - 20, "hostname R\n!\nend\n");
    store(dir, "older1", now - 30, "hostname R\n!!\nend\n");
    store(dir, "older2", now - 40, "hostname R\n!!!\nend\n");
    store(dir, "written", now - 50, "hostname R\n!!!!\nend\n");
    store_as(dir, "as3-new", now - 15, 3, "hostname R3\nend\n");
    store_as(dir, "as3-old", now - 60, 3, "hostname R3\n!\nend\n");
    ck_assert_int_eq(mkdirat(dir, ".tmp-7", 0700), 0);
    /* Its file changed behind its manifest's back: only a check of its
     * files finds it damaged (snapshot_list() without `verify` does not). */
    int d = openat(dir, "damaged", O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(d, 0);
    ck_assert_int_eq(
        fs_write_file_at(d, "R.frr", "hostname X\nend\n", 15, 0600), 0);
    close(d);

    struct snapshot_retention r = {1, 0, NULL};
    testutil_capture_begin();
    size_t removed = snapshot_prune(dir, "/p", now, &r, "written");
    const char *msg = testutil_captured();
    ck_assert_msg(strstr(msg, "/p/damaged"), "%s", msg);
    testutil_capture_end();
    ck_assert_uint_eq(removed, 3);
    ck_assert(exists(dir, "damaged"));  /* the TA's */
    ck_assert(exists(dir, "intact"));   /* the newest intact: the last 1 */
    ck_assert(!exists(dir, "older1"));  /* beyond the last 1 */
    ck_assert(!exists(dir, "older2"));  /* beyond the last 1 */
    ck_assert(exists(dir, "written"));  /* just written */
    ck_assert(exists(dir, "as3-new"));  /* AS 3's own last 1 */
    ck_assert(!exists(dir, "as3-old")); /* beyond AS 3's last 1 */
    ck_assert(exists(dir, ".tmp-7"));   /* no snapshot: not prune's */

    /* Again: nothing more to remove; with no snapshot just written, the
     * old one kept for that reason goes, the newest intact one stays. */
    testutil_capture_begin();
    ck_assert_uint_eq(snapshot_prune(dir, "/p", now, &r, "written"), 0);
    ck_assert_uint_eq(snapshot_prune(dir, "/p", now, &r, NULL), 1);
    testutil_capture_end();
    ck_assert(exists(dir, "intact") && !exists(dir, "written"));
    ck_assert(exists(dir, "damaged") && exists(dir, "as3-new"));
    close(dir);
}
END_TEST

/* Pinned snapshots (the persistent pins file) are kept; pins that
 * cannot be read (not a pins file, not a regular file) mean nothing is
 * removed, said; the pins file is no snapshot nor a leftover. */
START_TEST(test_prune_pins)
{
    int dir = open(base, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(dir, 0);
    long long now = 100LL * 86400;
    store(dir, "new", now - 10, "hostname R\nend\n");
    store(dir, "mid", now - 20, "hostname R\n!\nend\n");
    store(dir, "old", now - 30, "hostname R\n!!\nend\n");
    store(dir, "older", now - 40, "hostname R\n!!!\nend\n");
    ck_assert_int_eq(snapshot_pin(dir, "/p", "R.frr", "old"), 0);
    ck_assert_int_eq(snapshot_pin(dir, "/p", "R.frr", "old"), 0); /* once */
    ck_assert_int_eq(snapshot_pin(dir, "/p", "H.ip", "old"), 0);
    struct snapshot_pins p;
    ck_assert_int_eq(snapshot_pins_load(dir, "/p", &p), 0);
    ck_assert_uint_eq(p.n, 2);
    snapshot_pins_free(&p);
    struct stat sb;
    ck_assert_int_eq(fstatat(dir, SNAPSHOT_PINS, &sb, AT_SYMLINK_NOFOLLOW), 0);
    ck_assert_uint_eq(sb.st_mode & 07777, 0600);

    /* Listed: the pins file is neither a snapshot nor incomplete. */
    struct snapshot *list;
    char **incomplete;
    size_t n = snapshot_list(dir, "/p", false, &list, &incomplete);
    ck_assert_uint_eq(n, 4);
    ck_assert_ptr_null(incomplete[0]);
    for (size_t i = 0; i < n; i++) {
        snapshot_free(&list[i]);
    }
    free(list);
    util_free_strv(incomplete);

    /* Unreadable pins: nothing removed, said. */
    int fd = openat(dir, SNAPSHOT_PINS, O_WRONLY | O_APPEND);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "junk\n", 5), 5);
    close(fd);
    struct snapshot_retention r = {1, 0, NULL};
    testutil_capture_begin();
    ck_assert_uint_eq(snapshot_prune(dir, "/p", now, &r, NULL), 0);
    const char *msg = testutil_captured();
    ck_assert_msg(strstr(msg, "/p/.pins:3: expected") &&
                      strstr(msg, "no snapshot removed"),
                  "%s", msg);
    testutil_capture_end();
    ck_assert(exists(dir, "mid") && exists(dir, "old") &&
              exists(dir, "older"));
    /* A pin is never written over an unreadable file. */
    testutil_capture_begin();
    ck_assert_int_eq(snapshot_pin(dir, "/p", "R.frr", "mid"), -EINVAL);
    testutil_capture_end();
    ck_assert_int_eq(unlinkat(dir, SNAPSHOT_PINS, 0), 0);
    ck_assert_int_eq(mkdirat(dir, SNAPSHOT_PINS, 0700), 0);
    testutil_capture_begin();
    ck_assert_uint_eq(snapshot_prune(dir, "/p", now, &r, NULL), 0);
    msg = testutil_captured();
    ck_assert_msg(strstr(msg, "no snapshot removed"), "%s", msg);
    testutil_capture_end();
    ck_assert(exists(dir, "older"));
    ck_assert_int_eq(unlinkat(dir, SNAPSHOT_PINS, AT_REMOVEDIR), 0);

    /* Readable: the pinned one stays, the others beyond the last 1 go; a
     * mark's snapshot (r.pinned) is kept too. */
    ck_assert_int_eq(snapshot_pin(dir, "/p", "R.frr", "old"), 0);
    ck_assert_int_eq(snapshot_pin(dir, "/p", "H.ip", "old"), 0);
    const char *const marked[] = {"mid", NULL};
    r.pinned = marked;
    testutil_capture_begin();
    ck_assert_uint_eq(snapshot_prune(dir, "/p", now, &r, NULL), 1);
    testutil_capture_end();
    ck_assert(exists(dir, "new") && exists(dir, "mid") && exists(dir, "old"));
    ck_assert(!exists(dir, "older"));
    /* R's pin gone, H's keeps it; the mark's gone, mid goes; the last
     * pin gone, so is the file, and old goes. */
    ck_assert_int_eq(snapshot_unpin(dir, "/p", "R.frr", "old"), 0);
    r.pinned = NULL;
    testutil_capture_begin();
    ck_assert_uint_eq(snapshot_prune(dir, "/p", now, &r, NULL), 1);
    testutil_capture_end();
    ck_assert(!exists(dir, "mid") && exists(dir, "old"));
    ck_assert_int_eq(snapshot_unpin(dir, "/p", "H.ip", "old"), 0);
    ck_assert(!exists(dir, SNAPSHOT_PINS));
    testutil_capture_begin();
    ck_assert_uint_eq(snapshot_prune(dir, "/p", now, &r, NULL), 1);
    testutil_capture_end();
    ck_assert(!exists(dir, "old") && exists(dir, "new"));
    close(dir);
}
END_TEST

/* Lines of `dir`'s pins file. */
static size_t
pin_lines(int dir)
{
    char *text = NULL;
    size_t len = 0, lines = 0;
    if (fs_read_file_at(dir, SNAPSHOT_PINS, 1 << 20, &text, &len) != 0) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        lines += text[i] == '\n';
    }
    free(text);
    return lines;
}

/* What a save does for an object that stays marked (snapshot_pin_newest()
 * each time): the pins file does not grow per save; the displaced mark's
 * pin stays; retention then keeps those two only. */
START_TEST(test_pins_do_not_pile_up)
{
    int dir = open(base, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(dir, 0);
    long long now = 100LL * 86400;
    const char *names[] = {"s3", "s2", "s1", "s0"};
    for (int i = 0; i < 4; i++) {
        char conf[32];
        snprintf(conf, sizeof conf, "hostname R%d\nend\n", i);
        store(dir, names[i], now - 40 + (long long)i * 10, conf);
    }
    ck_assert_int_eq(snapshot_pin(dir, "/p", "R.frr", "s3"), 0);
    for (int i = 1; i < 4; i++) {
        struct snapshot *list;
        size_t n = snapshot_list(dir, "/p", false, &list, NULL);
        ck_assert_uint_eq(n, 4);
        const struct snapshot *held = NULL;
        for (size_t k = 0; k < n; k++) {
            held = !strcmp(list[k].name, names[i]) ? &list[k] : held;
        }
        ck_assert_ptr_nonnull(held);
        ck_assert_int_eq(
            snapshot_pin_newest(dir, "/p", "R.frr", held, list, n), 0);
        ck_assert_uint_eq(pin_lines(dir), 2);
        for (size_t k = 0; k < n; k++) {
            snapshot_free(&list[k]);
        }
        free(list);
    }
    struct snapshot_pins p;
    ck_assert_int_eq(snapshot_pins_load(dir, "/p", &p), 0);
    ck_assert(snapshot_pins_has(&p, "R.frr", "s3") &&
              snapshot_pins_has(&p, "R.frr", "s0"));
    snapshot_pins_free(&p);
    struct snapshot_retention r = {0, 0, NULL};
    testutil_capture_begin();
    ck_assert_uint_eq(snapshot_prune(dir, "/p", now, &r, NULL), 2);
    testutil_capture_end();
    ck_assert(exists(dir, "s3") && exists(dir, "s0"));
    ck_assert(!exists(dir, "s1") && !exists(dir, "s2"));
    close(dir);
}
END_TEST

/* A reset of what runs on a marked object (a reboot and a plain `up`, a
 * restore refused midway, a heal's fallback: mark_pinned()) keeps its
 * save's "newest" pin for good: the next save's KEY.running holds what
 * runs after the reset (`up`'s configuration), not the students' work the
 * pinned snapshot holds, so it may not replace that pin, and retention
 * keeps that snapshot.  Without the reset's snapshot_pin_reset(), s2 is
 * unpinned by the save of s1 and pruned. */
START_TEST(test_pins_reset_keeps_newest)
{
    int dir = open(base, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(dir, 0);
    long long now = 100LL * 86400;
    const char *names[] = {"s3", "s2", "s1", "s0"};
    for (int i = 0; i < 4; i++) {
        char conf[32];
        snprintf(conf, sizeof conf, "hostname R%d\nend\n", i);
        store(dir, names[i], now - 40 + (long long)i * 10, conf);
    }
    /* Nothing to keep, nothing to pin: no pins file written. */
    ck_assert_int_eq(snapshot_pin_reset(dir, "/p", "R.frr", NULL), 0);
    ck_assert_uint_eq(pin_lines(dir), 0);
    struct snapshot *list;
    size_t n = snapshot_list(dir, "/p", false, &list, NULL);
    ck_assert_uint_eq(n, 4); /* newest first: s0 s1 s2 s3 */
    /* A save while marked: s2's R.frr.running holds the students' work. */
    ck_assert_int_eq(
        snapshot_pin_newest(dir, "/p", "R.frr", &list[2], list, n), 0);
    ck_assert_int_eq(snapshot_pin_newest(dir, "/p", "H.ip", &list[2], list, n),
                     0);
    /* A reboot and a plain `up`: R runs `up`'s configuration. */
    ck_assert_int_eq(snapshot_pin_reset(dir, "/p", "R.frr", NULL), 0);
    /* The next saves store `up`'s configuration as R.frr.running. */
    ck_assert_int_eq(
        snapshot_pin_newest(dir, "/p", "R.frr", &list[1], list, n), 0);
    ck_assert_int_eq(
        snapshot_pin_newest(dir, "/p", "R.frr", &list[0], list, n), 0);
    ck_assert_int_eq(snapshot_pin_newest(dir, "/p", "H.ip", &list[0], list, n),
                     0);
    struct snapshot_pins p;
    ck_assert_int_eq(snapshot_pins_load(dir, "/p", &p), 0);
    char *text = snapshot_pins_format(&p);
    ck_assert_str_eq(text, "R.frr s2\nR.frr s0 newest\nH.ip s0 newest\n");
    free(text);
    snapshot_pins_free(&p);
    struct snapshot_retention r = {0, 0, NULL};
    testutil_capture_begin();
    ck_assert_uint_eq(snapshot_prune(dir, "/p", now, &r, NULL), 2);
    testutil_capture_end();
    ck_assert(exists(dir, "s2") && exists(dir, "s0"));
    ck_assert(!exists(dir, "s1") && !exists(dir, "s3"));
    /* A reset that also pins (a restore refused midway): one change. */
    ck_assert_int_eq(snapshot_pin_reset(dir, "/p", "H.ip", "s2"), 0);
    ck_assert_int_eq(snapshot_pins_load(dir, "/p", &p), 0);
    text = snapshot_pins_format(&p);
    ck_assert_str_eq(text, "R.frr s2\nR.frr s0 newest\nH.ip s0\nH.ip s2\n");
    free(text);
    snapshot_pins_free(&p);
    testutil_capture_begin();
    ck_assert_int_eq(snapshot_pin_reset(dir, "/p", "R.frr.running", "s2"),
                     -EINVAL);
    ck_assert(strstr(testutil_captured(), "cannot pin 'R.frr.running s2'"));
    testutil_capture_end();
    for (size_t k = 0; k < n; k++) {
        snapshot_free(&list[k]);
    }
    free(list);
    close(dir);
}
END_TEST

/* snapshot_pins_keep(): only that key's "newest" pins change kind. */
START_TEST(test_pins_keep)
{
    struct snapshot_pins p = {0};
    const char *text = "R.frr s1 newest\nR.frr s0\nH.ip s1 newest\n";
    ck_assert_int_eq(snapshot_pins_parse(text, strlen(text), "/p/.pins", &p),
                     0);
    ck_assert(snapshot_pins_keep(&p, "R.frr"));
    ck_assert(!snapshot_pins_keep(&p, "R.frr"));
    ck_assert(!snapshot_pins_keep(&p, "X.frr"));
    ck_assert(!snapshot_pins_keep(&p, NULL));
    char *out = snapshot_pins_format(&p);
    ck_assert_str_eq(out, "R.frr s1\nR.frr s0\nH.ip s1 newest\n");
    free(out);
    snapshot_pins_free(&p);
}
END_TEST

static Suite *
snapshot_suite(void)
{
    Suite *s = suite_create("snapshot");
    TCase *tc = tcase_create("manifest");
    tcase_add_test(tc, test_sha256);
    tcase_add_test(tc, test_manifest_round_trip);
    tcase_add_test(tc, test_manifest_damage);
    tcase_add_test(tc, test_note_valid);
    tcase_add_test(tc, test_default_name);
    tcase_add_test(tc, test_retain);
    tcase_add_test(tc, test_select);
    tcase_add_test(tc, test_lacking);
    tcase_add_test(tc, test_names_asn_of);
    tcase_add_test(tc, test_manifest_vlan_files);
    tcase_add_test(tc, test_manifest_scope);
    tcase_add_test(tc, test_retain_scopes);
    tcase_add_test(tc, test_choose);
    tcase_add_test(tc, test_choose_common);
    tcase_add_test(tc, test_choose_each);
    tcase_add_test(tc, test_retain_damaged);
    tcase_add_test(tc, test_retain_pinned);
    tcase_add_test(tc, test_displacing);
    tcase_add_test(tc, test_displacing_past_sideless);
    tcase_add_test(tc, test_pins_parse);
    tcase_add_test(tc, test_newest_running);
    tcase_add_test(tc, test_pins_newest);
    tcase_add_test(tc, test_pins_keep);
    tcase_add_test(tc, test_file_kind);
    tcase_add_test(tc, test_retain_nothing_asked);
    tcase_add_test(tc, test_unchanged_scopes);
    suite_add_tcase(s, tc);
    tc = tcase_create("list");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_list);
    tcase_add_test(tc, test_remove);
    tcase_add_test(tc, test_prune);
    tcase_add_test(tc, test_prune_pins);
    tcase_add_test(tc, test_pins_do_not_pile_up);
    tcase_add_test(tc, test_pins_reset_keeps_newest);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return testutil_run(snapshot_suite());
}
