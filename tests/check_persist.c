/* Tests of the persistent directory (persist.c) and the file operations it
 * and its users rely on (fsutil.c): made private, a symlink or a directory
 * open to others refused, files written atomically, read without following
 * a symlink or blocking on a FIFO, removed without following a symlink. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "persist.h"
#include "testutil.h"

/* The paths are short test paths under /tmp; GCC cannot know. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

static char base[64];
static char root[128];

static void
setup(void)
{
    snprintf(base, sizeof base, "/tmp/mi-persist-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(base));
    snprintf(root, sizeof root, "%s/lib/miniinet", base);
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

static void
path_of(char *buf, size_t size, const char *rel)
{
    snprintf(buf, size, "%s/%s", root, rel);
}

START_TEST(test_root_default)
{
    unsetenv("MINIINET_PERSISTDIR");
    ck_assert_str_eq(persist_root(), "/var/lib/miniinet");
    setenv("MINIINET_PERSISTDIR", "", 1);
    ck_assert_str_eq(persist_root(), "/var/lib/miniinet");
    setenv("MINIINET_PERSISTDIR", root, 1);
    char *dir = persist_network_dir("net");
    char want[PATH_MAX];
    path_of(want, sizeof want, "net");
    ck_assert_str_eq(dir, want);
    free(dir);
}
END_TEST

START_TEST(test_open_creates_private)
{
    struct stat st;
    char path[PATH_MAX];

    ck_assert(!persist_exists("net"));
    ck_assert_int_eq(persist_open("net", false), -ENOENT);
    path_of(path, sizeof path, "net");
    ck_assert_int_ne(lstat(path, &st), 0); /* nothing made */

    int fd = persist_open("net", true);
    ck_assert_int_ge(fd, 0);
    ck_assert(persist_exists("net"));
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    ck_assert_uint_eq(st.st_mode & 07777, 0700);
    ck_assert_uint_eq(st.st_uid, geteuid());

    int sub = persist_open_subdir(fd, "snapshots", true);
    ck_assert_int_ge(sub, 0);
    path_of(path, sizeof path, "net/snapshots");
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0700);
    close(sub);
    ck_assert_int_eq(persist_open_subdir(fd, "missing", false), -ENOENT);
    close(fd);

    /* Opened again as it is. */
    fd = persist_open("net", false);
    ck_assert_int_ge(fd, 0);
    close(fd);
}
END_TEST

START_TEST(test_bad_name_refused)
{
    testutil_capture_begin();
    ck_assert_int_eq(persist_open("../etc", true), -EINVAL);
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "not a network name"));
    ck_assert_int_eq(persist_open("", true), -EINVAL);
    testutil_capture_end();
}
END_TEST

START_TEST(test_symlink_refused)
{
    char path[PATH_MAX], target[PATH_MAX];

    ck_assert_int_ge(persist_open("other", true), 0); /* makes the root */
    snprintf(target, sizeof target, "%s/elsewhere", base);
    ck_assert_int_eq(mkdir(target, 0700), 0);
    path_of(path, sizeof path, "net");
    ck_assert_int_eq(symlink(target, path), 0);

    testutil_capture_begin();
    ck_assert_int_eq(persist_open("net", true), -EPERM);
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "not a directory"));
    testutil_capture_end();

    /* A subdirectory likewise. */
    int fd = persist_open("other", false);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(symlinkat(target, fd, "snapshots"), 0);
    testutil_capture_begin();
    ck_assert_int_eq(persist_open_subdir(fd, "snapshots", true), -EPERM);
    testutil_capture_end();
    close(fd);
}
END_TEST

START_TEST(test_open_to_others_refused)
{
    char path[PATH_MAX];

    int fd = persist_open("net", true);
    ck_assert_int_ge(fd, 0);
    close(fd);
    path_of(path, sizeof path, "net");
    ck_assert_int_eq(chmod(path, 0750), 0);
    testutil_capture_begin();
    ck_assert_int_eq(persist_open("net", false), -EPERM);
    const char *msg = testutil_captured();
    ck_assert_msg(strstr(msg, "mode 0750") && strstr(msg, path), "%s", msg);
    testutil_capture_end();

    if (geteuid() == 0) {
        /* Someone else's: refused too. */
        ck_assert_int_eq(chmod(path, 0700), 0);
        ck_assert_int_eq(chown(path, 65534, 65534), 0);
        testutil_capture_begin();
        ck_assert_int_eq(persist_open("net", false), -EPERM);
        ck_assert_ptr_nonnull(strstr(testutil_captured(), "uid 65534"));
        testutil_capture_end();
    }
}
END_TEST

START_TEST(test_write_read_atomic)
{
    int fd = persist_open("net", true);
    ck_assert_int_ge(fd, 0);

    ck_assert_int_eq(fs_write_file_at(fd, "f", "one\n", 4, 0600), 0);
    ck_assert_int_eq(fs_write_file_at(fd, "f", "second\n", 7, 0600), 0);
    struct stat st;
    ck_assert_int_eq(fstatat(fd, "f", &st, AT_SYMLINK_NOFOLLOW), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0600);

    char *data;
    size_t len;
    ck_assert_int_eq(fs_read_file_at(fd, "f", 100, &data, &len), 0);
    ck_assert_uint_eq(len, 7);
    ck_assert_str_eq(data, "second\n");
    free(data);
    ck_assert_int_eq(fs_read_file_at(fd, "f", 6, &data, &len), -EFBIG);
    ck_assert_ptr_null(data);

    /* A rename that fails (a directory in the way) leaves nothing. */
    ck_assert_int_eq(mkdirat(fd, "d", 0700), 0);
    ck_assert_int_lt(fs_write_file_at(fd, "d", "x", 1, 0600), 0);
    int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    DIR *dir = fdopendir(dup);
    ck_assert_ptr_nonnull(dir);
    struct dirent *de;
    int entries = 0;
    while ((de = readdir(dir))) {
        ck_assert_msg(!strstr(de->d_name, "tmp"), "left %s", de->d_name);
        entries++;
    }
    closedir(dir);
    ck_assert_int_eq(entries, 4); /* . .. f d */
    close(fd);
}
END_TEST

START_TEST(test_read_refuses_symlink_and_fifo)
{
    int fd = persist_open("net", true);
    ck_assert_int_ge(fd, 0);
    char *data;
    size_t len;

    ck_assert_int_eq(symlinkat("/etc/passwd", fd, "link"), 0);
    ck_assert_int_eq(fs_read_file_at(fd, "link", 1 << 20, &data, &len),
                     -ELOOP);
    ck_assert_int_eq(mkfifoat(fd, "fifo", 0600), 0);
    /* Would block for good without O_NONBLOCK. */
    ck_assert_int_eq(fs_read_file_at(fd, "fifo", 100, &data, &len), -EINVAL);
    ck_assert_int_eq(fs_read_file_at(fd, "none", 100, &data, &len), -ENOENT);
    /* Writing through a symlink's name replaces the symlink, not its
     * target. */
    ck_assert_int_eq(fs_write_file_at(fd, "link", "x", 1, 0600), 0);
    struct stat st;
    ck_assert_int_eq(fstatat(fd, "link", &st, AT_SYMLINK_NOFOLLOW), 0);
    ck_assert(S_ISREG(st.st_mode));
    close(fd);
}
END_TEST

START_TEST(test_purge)
{
    char outside[PATH_MAX], keep[PATH_MAX], path[PATH_MAX];

    ck_assert_int_eq(persist_purge("net"), 0); /* nothing there */
    snprintf(outside, sizeof outside, "%s/outside", base);
    ck_assert_int_eq(mkdir(outside, 0755), 0);
    snprintf(keep, sizeof keep, "%s/keep", outside);
    int k = open(keep, O_WRONLY | O_CREAT, 0644);
    ck_assert_int_ge(k, 0);
    close(k);

    int fd = persist_open("net", true);
    ck_assert_int_ge(fd, 0);
    int sub = persist_open_subdir(fd, "snapshots", true);
    ck_assert_int_ge(sub, 0);
    ck_assert_int_eq(fs_write_file_at(sub, "manifest", "m", 1, 0600), 0);
    ck_assert_int_eq(symlinkat(outside, sub, "escape"), 0);
    close(sub);
    close(fd);
    ck_assert_int_ge(persist_open("other", true), 0);

    ck_assert_int_eq(persist_purge("net"), 0);
    ck_assert(!persist_exists("net"));
    ck_assert_int_eq(access(keep, F_OK), 0); /* not followed */
    ck_assert(persist_exists("other"));      /* another network's stays */
    path_of(path, sizeof path, "");
    ck_assert_int_eq(access(path, F_OK), 0);
}
END_TEST

static Suite *
persist_suite(void)
{
    Suite *s = suite_create("persist");
    TCase *tc = tcase_create("persist");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_root_default);
    tcase_add_test(tc, test_open_creates_private);
    tcase_add_test(tc, test_bad_name_refused);
    tcase_add_test(tc, test_symlink_refused);
    tcase_add_test(tc, test_open_to_others_refused);
    tcase_add_test(tc, test_write_read_atomic);
    tcase_add_test(tc, test_read_refuses_symlink_and_fifo);
    tcase_add_test(tc, test_purge);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return testutil_run(persist_suite());
}
