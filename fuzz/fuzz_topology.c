/* libFuzzer harness: the topology file reader and the planner.
 *
 * The input is written to topology.cfg in a private, empty working
 * directory (so that an @include names nothing there but the file itself),
 * read by topology_load() and, when valid, planned by plan_compute() with
 * the default parameters (no tunnel overhead); everything is freed. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "fuzzutil.h"
#include "log.h"
#include "plan.h"
#include "topology.h"

static char *path;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = fuzz_setup();

    if (asprintf(&path, "%s/topology.cfg", dir) < 0) {
        abort();
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct topology *topo = NULL;
    struct plan *plan = NULL;
    const struct plan_params params = {0};

    fuzz_write_file(path, data, size);
    log_reset_errors();
    if (topology_load(path, &topo) == 0) {
        if (plan_compute(topo, &params, &plan) == 0) {
            plan_free(plan);
        }
        topology_free(topo);
    }
    return 0;
}
