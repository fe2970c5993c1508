/* Tests of the student groups' credentials (src/local/credentials.c): the
 * random passwords, the keys (read back by libssh), the files in the
 * persistent directory and their modes, what survives, and what is
 * refused. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <libssh/libssh.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "access.h"
#include "credentials.h"
#include "plan.h"
#include "testutil.h"
#include "topology.h"
#include "util.h"

/* The paths are short test paths under /tmp; GCC cannot know. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

static char base[64];
static char root[128];

static void
setup(void)
{
    snprintf(base, sizeof base, "/tmp/mi-cred-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(base));
    snprintf(root, sizeof root, "%s/lib", base);
    setenv("MINIINET_PERSISTDIR", root, 1);
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

static mode_t
mode_of(const char *rel)
{
    char path[256];
    struct stat st;

    snprintf(path, sizeof path, "%s/%s", root, rel);
    ck_assert_msg(lstat(path, &st) == 0, "%s: %s", path, strerror(errno));
    return st.st_mode;
}

/* Groups 3 (server s1) and 4 (server s2). */
static const char topology_text[] =
    "name = \"cred\";\n"
    "servers = ( { name = \"s1\"; address = \"198.18.0.1\"; },\n"
    "            { name = \"s2\"; address = \"198.18.0.2\"; } );\n"
    "ases = ( { asn = 3; routers = ( \"R\" ); students = true; "
    "server = \"s1\"; },\n"
    "         { asn = 4; routers = ( \"R\" ); students = true; "
    "server = \"s2\"; } );\n"
    "links = ( (3, \"R\", \"peer\", 4, \"R\") );\n"
    "access = true;\n";

static struct topology *topo;
static struct plan *plan;

static const struct access_plan *
load_access(void)
{
    struct plan_params params = {.tunnel_overhead = 50};
    char *path = testutil_write_temp(topology_text, ".cfg");

    ck_assert_int_eq(topology_load(path, &topo), 0);
    ck_assert_int_eq(plan_compute(topo, &params, &plan), 0);
    ck_assert_ptr_nonnull(plan_access(plan));
    return plan_access(plan);
}

static void
free_access(void)
{
    plan_free(plan);
    topology_free(topo);
    plan = NULL;
    topo = NULL;
}

START_TEST(test_random_password)
{
    char a[CRED_PASSWORD_LEN + 1], b[CRED_PASSWORD_LEN + 1];
    unsigned seen[128] = {0};

    ck_assert_int_eq(cred_random_password(a, CRED_PASSWORD_LEN), -ENOSPC);
    ck_assert_int_eq(cred_random_password(a, sizeof a), 0);
    ck_assert_int_eq(cred_random_password(b, sizeof b), 0);
    ck_assert_uint_eq(strlen(a), CRED_PASSWORD_LEN);
    ck_assert_uint_ge(CRED_PASSWORD_LEN, 16);
    ck_assert_str_ne(a, b);
    /* 200 passwords, 4000 characters: only [A-Za-z0-9], and every one of
     * the 62 turns up (each is missing with probability ~1e-28). */
    for (int i = 0; i < 200; i++) {
        ck_assert_int_eq(cred_random_password(a, sizeof a), 0);
        for (const char *p = a; *p; p++) {
            ck_assert_msg(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
                                 "opqrstuvwxyz0123456789",
                                 *p),
                          "'%c'", *p);
            seen[(unsigned char)*p]++;
        }
    }
    unsigned distinct = 0;
    for (int c = 0; c < 128; c++) {
        distinct += seen[c] > 0;
    }
    ck_assert_uint_eq(distinct, 62);
}
END_TEST

START_TEST(test_new_key)
{
    char *priv, *pub;
    ssh_key key = NULL, pubkey = NULL;

    ck_assert_int_eq(cred_new_key("3_ssh", &priv, &pub), 0);
    ck_assert_ptr_nonnull(strstr(priv, "-----BEGIN OPENSSH PRIVATE KEY"));
    ck_assert_int_eq(strncmp(pub, "ssh-ed25519 AAAA", 16), 0);
    ck_assert_ptr_nonnull(strstr(pub, " 3_ssh\n"));
    /* libssh reads both back, and they are one key pair. */
    ck_assert_int_eq(
        ssh_pki_import_privkey_base64(priv, NULL, NULL, NULL, &key), SSH_OK);
    char *b64 = xstrdup(pub + strlen("ssh-ed25519 "));
    *strchr(b64, ' ') = '\0';
    ck_assert_int_eq(
        ssh_pki_import_pubkey_base64(b64, SSH_KEYTYPE_ED25519, &pubkey),
        SSH_OK);
    ck_assert_int_eq(ssh_key_cmp(key, pubkey, SSH_KEY_CMP_PUBLIC), 0);
    ssh_key_free(key);
    ssh_key_free(pubkey);
    free(b64);
    free(priv);
    free(pub);
}
END_TEST

START_TEST(test_ensure_and_keep)
{
    const struct access_plan *ap = load_access();
    char pw[CRED_PASSWORD_LEN + 1], again[CRED_PASSWORD_LEN + 1];

    /* Nothing yet: no password, no directory made by looking. */
    ck_assert_int_eq(cred_password("cred", 3, pw, sizeof pw), -ENOENT);
    ck_assert_int_ne(access(root, F_OK), 0);

    /* Server s1 (index 0) has group 3 only. */
    ck_assert_int_eq(cred_ensure("cred", ap, 0), 0);
    ck_assert_uint_eq(mode_of("cred") & 07777, 0700);
    ck_assert_uint_eq(mode_of("cred/access") & 07777, 0700);
    ck_assert_uint_eq(mode_of("cred/access/group-3") & 07777, 0700);
    static const char *const files[] = {"password", "ssh_host_ed25519_key",
                                        "ssh_host_ed25519_key.pub",
                                        "device_key", "device_key.pub"};
    for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
        char rel[128];
        snprintf(rel, sizeof rel, "cred/access/group-3/%s", files[i]);
        mode_t m = mode_of(rel);
        ck_assert_msg(S_ISREG(m) && (m & 07777) == 0600, "%s: %o", rel,
                      (unsigned)m);
    }
    ck_assert_int_eq(cred_password("cred", 4, pw, sizeof pw), -ENOENT);
    ck_assert_int_eq(cred_password("cred", 3, pw, sizeof pw), 0);
    ck_assert_uint_eq(strlen(pw), CRED_PASSWORD_LEN);

    /* A second run (up after down) keeps the password and the keys. */
    char path[256], *key1, *key2;
    size_t len;
    snprintf(path, sizeof path, "%s/cred/access/group-3/ssh_host_ed25519_key",
             root);
    key1 = util_read_file(path, &len);
    ck_assert_int_eq(cred_ensure("cred", ap, 0), 0);
    ck_assert_int_eq(cred_password("cred", 3, again, sizeof again), 0);
    ck_assert_str_eq(pw, again);
    key2 = util_read_file(path, &len);
    ck_assert_str_eq(key1, key2);
    free(key1);
    free(key2);

    /* Server s2's own groups, with another password. */
    ck_assert_int_eq(cred_ensure("cred", ap, 1), 0);
    ck_assert_int_eq(cred_password("cred", 4, again, sizeof again), 0);
    ck_assert_str_ne(pw, again);
    free_access();
}
END_TEST

/* cred_ensure() waits for the lock on the access directory: while the
 * test holds it, nothing is made; then the group's credentials are. */
START_TEST(test_waits_for_lock)
{
    const struct access_plan *ap = load_access();
    char path[256];

    ck_assert_int_eq(cred_ensure("cred", ap, 1), 0); /* makes access/ */
    snprintf(path, sizeof path, "%s/cred/access", root);
    int dir = open(path, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(dir, 0);
    ck_assert_int_eq(flock(dir, LOCK_EX), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        _exit(cred_ensure("cred", ap, 0) == 0 ? 0 : 1);
    }
    usleep(300 * 1000);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, WNOHANG), 0); /* still waiting */
    snprintf(path, sizeof path, "%s/cred/access/group-3", root);
    ck_assert_int_ne(access(path, F_OK), 0);
    ck_assert_int_eq(flock(dir, LOCK_UN), 0);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_int_eq(status, 0);
    ck_assert_int_eq(access(path, F_OK), 0);
    close(dir);
    free_access();
}
END_TEST

/* Eight processes at once: all get the same password (made once). */
START_TEST(test_concurrent)
{
    const struct access_plan *ap = load_access();
    int fds[8][2];
    pid_t pids[8];
    char got[8][CRED_PASSWORD_LEN + 1];

    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(pipe(fds[i]), 0);
        pids[i] = fork();
        ck_assert_int_ge(pids[i], 0);
        if (pids[i] == 0) {
            char pw[CRED_PASSWORD_LEN + 1] = "";
            if (cred_ensure("cred", ap, 0) == 0) {
                cred_password("cred", 3, pw, sizeof pw);
            }
            ssize_t n = write(fds[i][1], pw, sizeof pw);
            _exit(n == (ssize_t)sizeof pw ? 0 : 1);
        }
        close(fds[i][1]);
    }
    for (int i = 0; i < 8; i++) {
        int status;
        ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
        ck_assert_int_eq(status, 0);
        ck_assert_int_eq(read(fds[i][0], got[i], sizeof got[i]),
                         (ssize_t)sizeof got[i]);
        close(fds[i][0]);
        ck_assert_uint_eq(strlen(got[i]), CRED_PASSWORD_LEN);
        ck_assert_str_eq(got[i], got[0]);
    }
    free_access();
}
END_TEST

START_TEST(test_refused)
{
    const struct access_plan *ap = load_access();
    char pw[CRED_PASSWORD_LEN + 1], path[256], target[256];

    ck_assert_int_eq(cred_ensure("cred", ap, 0), 0);
    snprintf(path, sizeof path, "%s/cred/access/group-3/password", root);

    /* Not what cred_ensure() writes. */
    FILE *f = fopen(path, "w");
    fputs("short\n", f);
    fclose(f);
    testutil_capture_begin();
    ck_assert_int_eq(cred_password("cred", 3, pw, sizeof pw), -EINVAL);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "not a password"));

    /* A symlink in its place is not followed. */
    snprintf(target, sizeof target, "%s/elsewhere", base);
    f = fopen(target, "w");
    fputs("ABCDEFGHIJabcdefghij\n", f);
    fclose(f);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(symlink(target, path), 0);
    testutil_capture_begin();
    ck_assert_int_lt(cred_password("cred", 3, pw, sizeof pw), 0);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "group-3/password"));

    /* A directory open to others is refused, not trusted. */
    snprintf(path, sizeof path, "%s/cred", root);
    ck_assert_int_eq(chmod(path, 0755), 0);
    testutil_capture_begin();
    ck_assert_int_lt(cred_ensure("cred", ap, 0), 0);
    ck_assert_int_lt(cred_password("cred", 3, pw, sizeof pw), 0);
    testutil_capture_end();
    free_access();
}
END_TEST

static Suite *
credentials_suite(void)
{
    Suite *s = suite_create("credentials");
    TCase *tc = tcase_create("credentials");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_random_password);
    tcase_add_test(tc, test_new_key);
    tcase_add_test(tc, test_ensure_and_keep);
    tcase_add_test(tc, test_waits_for_lock);
    tcase_add_test(tc, test_concurrent);
    tcase_add_test(tc, test_refused);
    tcase_add_checked_fixture(tc, NULL, testutil_cleanup_files);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return testutil_run(credentials_suite());
}
