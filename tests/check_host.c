/* The host services: running programs (exit status, output capture,
 * standard error in the log, signals, large outputs, descriptors,
 * threads) and the netlink helpers.  The netlink tests that change the
 * machine need root and work only on links and a namespace they create
 * themselves; without root they are skipped, saying so. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host.h"
#include "log.h"
#include "testutil.h"
#include "util.h"

/* ------------------------------------------------------------------------ */
/* Capturing messages with their levels                                     */
/* ------------------------------------------------------------------------ */

static char *levels_log;
static size_t levels_len;

static void
level_sink(enum mi_log_level level, const char *msg, void *aux)
{
    static const char letters[] = "EWID";
    size_t n = strlen(msg);

    levels_log = xrealloc(levels_log, levels_len + n + 4);
    levels_log[levels_len++] = letters[level];
    levels_log[levels_len++] = ' ';
    memcpy(levels_log + levels_len, msg, n);
    levels_len += n;
    levels_log[levels_len++] = '\n';
    levels_log[levels_len] = '\0';
}

/* Captures messages as "L message\n", L one of E, W, I, D. */
static void
levels_begin(int verbosity)
{
    free(levels_log);
    levels_log = xstrdup("");
    levels_len = 0;
    log_set_verbosity(verbosity);
    log_set_sink(level_sink, NULL);
}

static const char *
levels_end(void)
{
    log_set_sink(NULL, NULL);
    log_set_verbosity(1);
    return levels_log;
}

static void
free_levels(void)
{
    free(levels_log);
    levels_log = NULL;
    levels_len = 0;
}

/* ------------------------------------------------------------------------ */
/* host_services                                                            */
/* ------------------------------------------------------------------------ */

START_TEST(test_services_table)
{
    const struct mi_host *h = host_services();

    ck_assert_ptr_eq(h, host_services());
    ck_assert_uint_eq(h->size, sizeof(struct mi_host));
    ck_assert_ptr_eq(h->run, host_run);
    ck_assert_ptr_eq(h->link_exists, host_link_exists);
    ck_assert_ptr_eq(h->link_delete, host_link_delete);
    ck_assert(MI_HOST_HAS(h, links_delete));
    ck_assert_ptr_eq(h->links_delete, host_links_delete);
    ck_assert_ptr_nonnull(h->setting_string);
    ck_assert_ptr_nonnull(h->setting_int);
    ck_assert_ptr_nonnull(h->setting_bool);
    ck_assert_ptr_nonnull(h->setting_check_keys);
    ck_assert_ptr_nonnull(h->setting_error);

    unsigned errors = log_error_count();
    levels_begin(2);
    h->log(MI_LOG_INFO, "info %d", 1);
    h->log(MI_LOG_DEBUG, "debug %s", "two");
    h->error("plugin failed: %s", "because");
    ck_assert_str_eq(levels_end(), "I info 1\n"
                                   "D debug two\n"
                                   "E plugin failed: because\n");
    ck_assert_uint_eq(log_error_count(), errors + 1);

    /* A NULL settings section has no keys. */
    long long value = 5;
    ck_assert_int_eq(h->setting_int(NULL, "x", 0, 10, &value), -ENOENT);
    ck_assert_int_eq(value, 5);
    free_levels();
}
END_TEST

/* ------------------------------------------------------------------------ */
/* host_run                                                                 */
/* ------------------------------------------------------------------------ */

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

START_TEST(test_run_status)
{
    ck_assert_int_eq(host_run(ARGV("true"), NULL), 0);
    ck_assert_int_eq(host_run(ARGV("false"), NULL), 1);
    ck_assert_int_eq(host_run(ARGV("sh", "-c", "exit 7"), NULL), 7);
    ck_assert_int_eq(host_run(ARGV("sh", "-c", "exit 255"), NULL), 255);
    /* Output not wanted: it goes nowhere, the status still comes back. */
    ck_assert_int_eq(host_run(ARGV("sh", "-c", "echo hi; exit 3"), NULL), 3);
}
END_TEST

START_TEST(test_run_stdout)
{
    char *out = (char *)"unset";

    /* argv is passed as is: no shell splits or expands it. */
    ck_assert_int_eq(
        host_run(ARGV("printf", "%s|%s\\n", "a b", "$HOME *"), &out), 0);
    ck_assert_str_eq(out, "a b|$HOME *\n");
    free(out);

    ck_assert_int_eq(host_run(ARGV("true"), &out), 0);
    ck_assert_ptr_nonnull(out);
    ck_assert_str_eq(out, "");
    free(out);

    /* A failing program's output is kept too. */
    ck_assert_int_eq(host_run(ARGV("sh", "-c", "echo partial; exit 4"), &out),
                     4);
    ck_assert_str_eq(out, "partial\n");
    free(out);

    /* Standard input is empty, not the caller's. */
    ck_assert_int_eq(host_run(ARGV("cat"), &out), 0);
    ck_assert_str_eq(out, "");
    free(out);
}
END_TEST

/* host_run_input(): the input is the program's standard input, whole,
 * whatever its size (a memory file: nothing waits on a pipe), and never
 * in argv. */
START_TEST(test_run_input)
{
    char *out = NULL;
    const char text[] = "table ip x\ndelete table ip x\n";

    ck_assert_int_eq(
        host_run_input(ARGV("cat"), text, strlen(text), &out, 0, NULL), 0);
    ck_assert_str_eq(out, text);
    free(out);

    size_t big = 1 << 20; /* beyond a pipe's buffer */
    char *data = xmalloc(big);
    memset(data, 'a', big);
    ck_assert_int_eq(
        host_run_input(ARGV("wc", "-c"), data, big, &out, 0, NULL), 0);
    ck_assert_int_eq(atol(out), (long)big);
    free(out);
    free(data);

    /* Its exit status as host_run() gives it; NULL input: /dev/null. */
    ck_assert_int_eq(host_run_input(ARGV("sh", "-c", "read x; exit 3"), "y\n",
                                    2, NULL, 0, NULL),
                     3);
    ck_assert_int_eq(host_run_input(ARGV("cat"), NULL, 0, &out, 0, NULL), 0);
    ck_assert_str_eq(out, "");
    free(out);
}
END_TEST

START_TEST(test_run_stderr)
{
    char *out;

    /* Success: standard error is debug output, prefixed with argv[0]. */
    levels_begin(2);
    ck_assert_int_eq(host_run(ARGV("sh", "-c",
                                   "echo one >&2; echo >&2; "
                                   "printf two >&2; echo out"),
                              &out),
                     0);
    ck_assert_str_eq(levels_end(), "D sh: one\nD sh: two\n");
    ck_assert_str_eq(out, "out\n");
    free(out);

    levels_begin(1);
    ck_assert_int_eq(host_run(ARGV("sh", "-c", "echo quiet >&2"), NULL), 0);
    ck_assert_str_eq(levels_end(), "");

    /* Failure: a warning, and it is not mixed into stdout. */
    levels_begin(1);
    ck_assert_int_eq(host_run(ARGV("sh", "-c",
                                   "echo oops >&2; echo out; "
                                   "exit 2"),
                              &out),
                     2);
    ck_assert_str_eq(levels_end(), "W sh: oops\n");
    ck_assert_str_eq(out, "out\n");
    free(out);

    levels_begin(2);
    ck_assert_int_eq(host_run(ARGV("sh", "-c", "echo oops >&2; exit 2"), NULL),
                     2);
    ck_assert_str_eq(levels_end(), "W sh: oops\nD sh exited with status 2\n");
    free_levels();
}
END_TEST

START_TEST(test_run_stderr_bounded)
{
    levels_begin(2);
    ck_assert_int_eq(host_run(ARGV("sh", "-c",
                                   "head -c 100000 /dev/zero | "
                                   "tr '\\0' e >&2"),
                              NULL),
                     0);
    const char *log = levels_end();

    /* One (long) line, cut by the log, and the note that the rest was
     * dropped. */
    ck_assert_msg(!strncmp(log, "D sh: eeeeeeee", 14), "got: %.40s", log);
    const char *second = strchr(log, '\n') + 1;
    ck_assert_str_eq(second,
                     "D sh: (standard error truncated after 65536 bytes)\n");
    free_levels();
}
END_TEST

START_TEST(test_run_not_found)
{
    char *out = (char *)"unset";

    levels_begin(1);
    ck_assert_int_eq(
        host_run(ARGV("miniinet-test-no-such-program", "x"), &out), -ENOENT);
    ck_assert_str_eq(levels_end(),
                     "W cannot run miniinet-test-no-such-program:"
                     " No such file or directory\n");
    ck_assert_ptr_null(out);

    /* Not executable. */
    levels_begin(1);
    ck_assert_int_eq(host_run(ARGV("/dev/null"), NULL), -EACCES);
    ck_assert_str_eq(levels_end(),
                     "W cannot run /dev/null: Permission denied\n");

    ck_assert_int_eq(host_run(NULL, NULL), -EINVAL);
    ck_assert_int_eq(host_run((const char *const[]){NULL}, NULL), -EINVAL);
    free_levels();
}
END_TEST

START_TEST(test_run_signal)
{
    char *out;

    levels_begin(1);
    ck_assert_int_eq(
        host_run(ARGV("sh", "-c", "echo before; kill -KILL $$"), &out),
        -ECANCELED);
    ck_assert_str_eq(levels_end(), "W sh killed by signal 9 (SIGKILL)\n");
    ck_assert_str_eq(out, "before\n");
    free(out);

    levels_begin(1);
    ck_assert_int_eq(
        host_run(ARGV("sh", "-c", "echo dying >&2; kill -TERM $$"), NULL),
        -ECANCELED);
    ck_assert_str_eq(levels_end(), "W sh: dying\n"
                                   "W sh killed by signal 15 (SIGTERM)\n");
    free_levels();
}
END_TEST

/* Checks that `out` is `n` times `c`. */
static void
assert_filled(const char *out, size_t n, char c)
{
    ck_assert_uint_eq(strlen(out), n);
    for (size_t i = 0; i < n; i++) {
        if (out[i] != c) {
            ck_abort_msg("byte %zu is %d, not '%c'", i, out[i], c);
        }
    }
}

START_TEST(test_run_large_output)
{
    char *out;

    /* Megabytes on stderr before anything on stdout, and the other way
     * round: a reader that drains one pipe first would deadlock (the Check
     * timeout would fail the test). */
    ck_assert_int_eq(host_run(ARGV("sh", "-c",
                                   "yes e | head -c 2000000 >&2; "
                                   "head -c 3000000 /dev/zero | tr '\\0' o"),
                              &out),
                     0);
    assert_filled(out, 3000000, 'o');
    free(out);

    ck_assert_int_eq(host_run(ARGV("sh", "-c",
                                   "head -c 1500000 /dev/zero | tr '\\0' p; "
                                   "yes e | head -c 2000000 >&2; echo"),
                              &out),
                     0);
    ck_assert_uint_eq(strlen(out), 1500001);
    ck_assert_int_eq(out[1499999], 'p');
    free(out);
}
END_TEST

/* Our open descriptors, but for the one that lists them. */
static int
count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    int n = -1;

    ck_assert_ptr_nonnull(d);
    while ((de = readdir(d)) != NULL) {
        n += de->d_name[0] != '.';
    }
    closedir(d);
    return n;
}

START_TEST(test_run_descriptors)
{
    char *out;

    /* Even a descriptor opened without O_CLOEXEC stays with us. */
    int fd = open("/dev/null", O_RDONLY);
    ck_assert_int_ge(fd, 3);
    ck_assert_int_eq(host_run(ARGV("sh", "-c", "ls /proc/$$/fd"), &out), 0);
    ck_assert_str_eq(out, "0\n1\n2\n");
    free(out);
    close(fd);

    /* And host_run leaves none open behind. */
    int before = count_fds();
    levels_begin(0);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(
            host_run(ARGV("sh", "-c", "echo x; echo y >&2"), &out), 0);
        free(out);
        ck_assert_int_eq(host_run(ARGV("miniinet-test-no-such-program"), &out),
                         -ENOENT);
    }
    levels_end();
    ck_assert_int_eq(count_fds(), before);
    free_levels();
}
END_TEST

/* The mask of signals 1..31 in the "Sig...:" line of a /proc status. */
static unsigned long
std_signals(const char *status, const char *field)
{
    const char *line = strstr(status, field);

    ck_assert_msg(line, "no %s in %s", field, status);
    return strtoul(line + strlen(field), NULL, 16) & 0x7fffffffUL;
}

START_TEST(test_run_signals_reset)
{
    char *out;
    sigset_t block, old;

    /* Our ignored and blocked signals are not the program's.  (glibc's
     * own real-time signals are its business: only 1..31 count.) */
    struct sigaction ign = {.sa_handler = SIG_IGN}, old_pipe;
    sigaction(SIGPIPE, &ign, &old_pipe);
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &block, &old);

    int status = host_run(
        ARGV("grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status"), &out);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);

    ck_assert_int_eq(status, 0);
    ck_assert_uint_eq(std_signals(out, "SigBlk:\t"), 0);
    ck_assert_uint_eq(std_signals(out, "SigIgn:\t"), 0);
    free(out);
}
END_TEST

struct run_thread {
    pthread_t thread;
    char tag[16];
    int failures;
};

static void *
run_thread_main(void *rt_)
{
    struct run_thread *rt = rt_;

    for (int i = 0; i < 20; i++) {
        char *out;
        char expected[32];

        /* $0 is the tag, $1 the iteration. */
        int status = host_run(ARGV("sh", "-c", "echo $0-$1; echo $0 >&2",
                                   rt->tag, i % 2 ? "odd" : "even"),
                              &out);
        snprintf(expected, sizeof expected, "%s-%s\n", rt->tag,
                 i % 2 ? "odd" : "even");
        rt->failures += status != 0 || strcmp(out, expected) != 0;
        free(out);
    }
    return NULL;
}

START_TEST(test_run_threads)
{
    struct run_thread threads[4];

    memset(threads, 0, sizeof threads);

    for (size_t i = 0; i < ARRAY_SIZE(threads); i++) {
        snprintf(threads[i].tag, sizeof threads[i].tag, "t%zu", i);
        ck_assert_int_eq(pthread_create(&threads[i].thread, NULL,
                                        run_thread_main, &threads[i]),
                         0);
    }
    for (size_t i = 0; i < ARRAY_SIZE(threads); i++) {
        pthread_join(threads[i].thread, NULL);
        ck_assert_int_eq(threads[i].failures, 0);
    }
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Netlink helpers without root                                             */
/* ------------------------------------------------------------------------ */

START_TEST(test_link_exists_here)
{
    ck_assert_int_eq(host_link_exists(NULL, "lo"), 1);
    ck_assert_int_eq(host_link_exists(NULL, "mi-nosuch-if0"), 0);
}
END_TEST

START_TEST(test_link_bad_arguments)
{
    levels_begin(1);
    ck_assert_int_eq(host_link_exists("/nonexistent/netns", "lo"), -ENOENT);
    ck_assert_int_eq(host_link_exists(NULL, "abcdefghijklmnop"), -EINVAL);
    ck_assert_int_eq(host_link_delete(NULL, ""), -EINVAL);
    ck_assert_str_eq(
        levels_end(),
        "E link_exists(lo in /nonexistent/netns): cannot open network "
        "namespace /nonexistent/netns: No such file or directory\n"
        "E link_exists(abcdefghijklmnop): invalid interface name "
        "\"abcdefghijklmnop\" (1 to 15 characters)\n"
        "E link_delete(): invalid interface name \"\" (1 to 15 "
        "characters)\n");
    free_levels();
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Netlink helpers in a namespace of our own (root)                         */
/* ------------------------------------------------------------------------ */

static int test_pid;      /* of the runner: names unique per run */
static char ns_name[64];  /* miniinet-test-PID */
static char ns_path[128]; /* /run/netns/miniinet-test-PID */
static const char if_suffixes[] = "abcdefgh";

/* Our interface names: "mitPIDx", within IFNAMSIZ for any pid. */
static const char *
ifname(char suffix)
{
    static char names[sizeof if_suffixes][IFNAMSIZ];

    char *name = names[strchr(if_suffixes, suffix) - if_suffixes];
    snprintf(name, IFNAMSIZ, "mit%d%c", test_pid, suffix);
    return name;
}

static void
make_veth(char a, char b)
{
    char *name_a = xstrdup(ifname(a));
    char *name_b = xstrdup(ifname(b));

    ck_assert_int_eq(host_run(ARGV("ip", "link", "add", name_a, "type", "veth",
                                   "peer", "name", name_b),
                              NULL),
                     0);
    ck_assert_int_eq(host_link_exists(NULL, name_a), 1);
    ck_assert_int_eq(host_link_exists(NULL, name_b), 1);
    free(name_a);
    free(name_b);
}

/* Unchecked fixture: runs in the test runner, so that the namespace and
 * our links go away even when a test fails in a forked child. */
static void
setup_netns(void)
{
    test_pid = (int)getpid();
    snprintf(ns_name, sizeof ns_name, "miniinet-test-%d", test_pid);
    snprintf(ns_path, sizeof ns_path, "/run/netns/%s", ns_name);
    if (host_run(ARGV("ip", "netns", "add", ns_name), NULL) != 0) {
        fprintf(stderr, "cannot create network namespace %s\n", ns_name);
    }
}

static void
teardown_netns(void)
{
    log_set_verbosity(0); /* links already gone are no news */
    for (const char *s = if_suffixes; *s; s++) {
        if (host_link_exists(NULL, ifname(*s)) == 1) {
            host_link_delete(NULL, ifname(*s));
        }
    }
    host_run(ARGV("ip", "netns", "delete", ns_name), NULL);
    log_set_verbosity(1);
}

START_TEST(test_link_delete)
{
    make_veth('a', 'b');

    /* Deleting one end of a veth pair deletes both. */
    ck_assert_int_eq(host_link_exists(NULL, ifname('a')), 1);
    ck_assert_int_eq(host_link_delete(NULL, ifname('a')), 0);
    ck_assert_int_eq(host_link_exists(NULL, ifname('a')), 0);
    ck_assert_int_eq(host_link_exists(NULL, ifname('b')), 0);
}
END_TEST

/* Many links at once, in another namespace; missing ones are no error
 * (check_netlink tests the interface group it goes through). */
START_TEST(test_links_delete)
{
    for (const char *p = "cdef"; *p; p += 2) {
        ck_assert_int_eq(
            host_run(ARGV("ip", "-n", ns_name, "link", "add", ifname(p[0]),
                          "type", "veth", "peer", "name", ifname(p[1])),
                     NULL),
            0);
    }
    char *names[] = {xstrdup(ifname('c')), xstrdup(ifname('d')),
                     xstrdup(ifname('e')), xstrdup(ifname('h'))};
    const char *const *list = (const char *const *)names;
    ck_assert_int_eq(host_links_delete(ns_path, list, 4), 0);
    ck_assert_int_eq(host_links_delete(ns_path, list, 0), 0);
    for (size_t i = 0; i < 4; i++) {
        ck_assert_int_eq(host_link_exists(ns_path, names[i]), 0);
    }
    ck_assert_int_eq(host_link_exists(ns_path, ifname('f')), 0);

    levels_begin(1);
    const char *bad[] = {names[0], "", names[1], names[2]};
    ck_assert_int_eq(host_links_delete(ns_path, bad, 4), -EINVAL);
    ck_assert_str_eq(levels_end(), "E deleting links: invalid interface name "
                                   "\"\" (1 to 15 characters)\n");
    free_levels();
    for (size_t i = 0; i < 4; i++) {
        free(names[i]);
    }
}
END_TEST

START_TEST(test_link_errors)
{
    char *expected;

    /* Missing links. */
    levels_begin(1);
    ck_assert_int_eq(host_link_delete(ns_path, ifname('h')), -ENODEV);
    ck_assert_int_eq(host_link_delete(NULL, ifname('h')), -ENODEV);
    ck_assert_int_eq(host_link_exists(ns_path, ifname('h')), 0);
    expected = xasprintf("E link_delete(%s in %s): %s\n"
                         "E link_delete(%s): %s\n",
                         ifname('h'), ns_path, "No such device", ifname('h'),
                         "No such device");
    ck_assert_str_eq(levels_end(), expected);
    free(expected);

    /* Not a namespace. */
    levels_begin(1);
    ck_assert_int_eq(host_link_exists("/proc/self/status", "lo"), -EINVAL);
    ck_assert_str_eq(levels_end(),
                     "E link_exists(lo in /proc/self/status): "
                     "cannot enter network namespace /proc/self/status: "
                     "Invalid argument\n");

    free_levels();
}
END_TEST

START_TEST(test_link_exists_in_own_netns)
{
    ck_assert_int_eq(host_link_exists("/proc/self/ns/net", "lo"), 1);
    ck_assert_int_eq(host_link_exists(ns_path, "lo"), 1);
    ck_assert_int_eq(host_link_exists(ns_path, "eth0"), 0);
}
END_TEST

/* Why the namespace tests cannot run here, or NULL. */
static const char *
netns_skip_reason(void)
{
    char *out;

    if (!testutil_is_root()) {
        return "need root";
    }
    log_set_verbosity(0);
    int status = host_run(ARGV("ip", "-V"), &out);
    log_set_verbosity(1);
    free(out);
    return status ? "need the ip program (iproute2)" : NULL;
}

static Suite *
host_suite(void)
{
    Suite *s = suite_create("host");

    TCase *tc = tcase_create("run");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_services_table);
    tcase_add_test(tc, test_run_status);
    tcase_add_test(tc, test_run_stdout);
    tcase_add_test(tc, test_run_stderr);
    tcase_add_test(tc, test_run_stderr_bounded);
    tcase_add_test(tc, test_run_not_found);
    tcase_add_test(tc, test_run_signal);
    tcase_add_test(tc, test_run_large_output);
    tcase_add_test(tc, test_run_descriptors);
    tcase_add_test(tc, test_run_signals_reset);
    tcase_add_test(tc, test_run_threads);
    tcase_add_test(tc, test_run_input);
    suite_add_tcase(s, tc);

    tc = tcase_create("netlink");
    tcase_add_test(tc, test_link_exists_here);
    tcase_add_test(tc, test_link_bad_arguments);
    suite_add_tcase(s, tc);

    const char *reason = netns_skip_reason();
    if (reason) {
        printf("# SKIP netlink tests in a private namespace: %s\n", reason);
        fflush(stdout);
    } else {
        tc = tcase_create("netns");
        tcase_set_timeout(tc, 30);
        tcase_add_unchecked_fixture(tc, setup_netns, teardown_netns);
        tcase_add_test(tc, test_link_delete);
        tcase_add_test(tc, test_links_delete);
        tcase_add_test(tc, test_link_errors);
        tcase_add_test(tc, test_link_exists_in_own_netns);
        suite_add_tcase(s, tc);
    }
    return s;
}

int
main(void)
{
    return testutil_run(host_suite());
}
