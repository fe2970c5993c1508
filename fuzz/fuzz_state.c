/* libFuzzer harness: the state record parser.
 *
 * The input is the record <rundir>/fuzz/state, rundir being a private,
 * empty directory given as MINIINET_RUNDIR; state_load() reads it and
 * state_destroy() frees what it made, whether it accepted it or not. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fuzzutil.h"
#include "log.h"
#include "state.h"

static char *path;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = fuzz_setup();
    char *network;

    if (setenv("MINIINET_RUNDIR", dir, 1) != 0 ||
        asprintf(&network, "%s/fuzz", dir) < 0 ||
        asprintf(&path, "%s/state", network) < 0 ||
        mkdir(network, 0700) != 0) {
        perror("fuzz-state");
        abort();
    }
    free(network);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct state st;

    fuzz_write_file(path, data, size);
    log_reset_errors();
    state_load("fuzz", &st); /* 0, or refused: freed the same way */
    state_destroy(&st);
    return 0;
}
