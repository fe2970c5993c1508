/* Helpers shared by the Check suites. */
#ifndef MINIINET_TESTUTIL_H
#define MINIINET_TESTUTIL_H 1

#include <check.h>
#include <stdbool.h>

#include <miniinet/plugin.h>

/* Captures every logged message (errors, warnings, ...) into one buffer,
 * one message a line, until testutil_capture_end(). */
void testutil_capture_begin(void);
/* The captured text; valid until the next capture. */
const char *testutil_captured(void);
void testutil_capture_end(void);

/* Absolute path of a file in the source tree ("tests/data/x.cfg"), from
 * MINIINET_TEST_SRCDIR (set by make check) or the current directory.
 * Returns a static buffer. */
const char *testutil_srcpath(const char *relative);
/* The same in the build tree (MINIINET_TEST_BUILDDIR). */
const char *testutil_buildpath(const char *relative);

/* Writes `text` to a new temporary file whose name ends in `suffix` and
 * returns its path; testutil_cleanup_files() removes the files and frees
 * the paths, and whatever a test leaves behind is removed when
 * testutil_run() returns. */
char *testutil_write_temp(const char *text, const char *suffix);
void testutil_cleanup_files(void);

/* Runs a plugin's configure() with the group `section` ("plugins.NAME") of
 * the libconfig text `text` as its settings (NULL text: no section), its
 * messages captured (see testutil_captured()); *state is what configure()
 * made, NULL on failure.  Returns configure()'s result. */
int testutil_configure(const struct mi_common_ops *ops,
                       const struct mi_host *host, const char *text,
                       const char *section, void **state);

/* True when running as root (tests that need it skip otherwise). */
bool testutil_is_root(void);

/* Whether sshd may run or check a configuration here: its privilege
 * separation directory, /run/sshd, exists -- made (as root) when missing:
 * sshd's init script makes it, and none has run on a fresh machine
 * without systemd, or since /run was emptied. */
bool testutil_sshd_ready(void);

struct plan;
/* The plan of the topology file at `relative` in the source tree, with
 * gre's tunnel overhead (50): fails the test, naming the file and with
 * the messages, when it does not load or plan. */
struct plan *testutil_plan_file(const char *relative);

/* Runs `suite` with the TAP-friendly settings; returns the exit status for
 * main(). */
int testutil_run(Suite *suite);

#endif
