/* What the libFuzzer harnesses (fuzz/fuzz_*.c) share: a private, empty
 * working directory, silenced logging, writing an input to a file. */
#ifndef MINIINET_FUZZUTIL_H
#define MINIINET_FUZZUTIL_H 1

#include <stddef.h>
#include <stdint.h>

/* The entry points libFuzzer calls (declared here for -Wmissing-prototypes;
 * the harnesses define them). */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Creates a new empty directory under $TMPDIR (default /dev/shm, else
 * /tmp), makes it the working directory, and removes it and whatever is
 * left in it at exit.
 * Installs a log sink that drops every message, so that refused inputs
 * print nothing.  Returns the directory's absolute path; exits on
 * failure. */
const char *fuzz_setup(void);

/* Writes the `size` bytes of `data` to `path` (created or truncated);
 * aborts on failure. */
void fuzz_write_file(const char *path, const uint8_t *data, size_t size);

#endif
