/* libFuzzer harness: the SSH layer's line reader (remote_lines_take() and
 * remote_lines_flush(), what remote_exec() splits a command's output with).
 *
 * The first byte of the input chooses the longest line (1..64 bytes, so
 * that long lines are cut into pieces as REMOTE_LINE_MAX cuts them), the
 * second seeds how the rest is cut into chunks and which stream (standard
 * output or error) each chunk belongs to; the rest is the output.  Every
 * line delivered is compared with what a plain reference splitter makes of
 * each stream: the harness aborts on any difference. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "remote.h"

/* The lines a stream should give, as C strings, one after the other. */
struct expected {
    char **lines;
    size_t n, next;
};

static void
expect(struct expected *e, const char *piece, size_t len)
{
    char *line = malloc(len + 1);
    char **lines = realloc(e->lines, (e->n + 1) * sizeof *lines);

    if (!line || !lines) {
        abort();
    }
    memcpy(line, piece, len);
    line[len] = '\0';
    e->lines = lines;
    e->lines[e->n++] = line;
}

/* The reference: a line ends at a newline (not part of it), or after `max`
 * bytes when more follow that are not its newline, or at the end of the
 * stream if it has any byte. */
static void
reference(struct expected *e, const char *s, size_t len, size_t max)
{
    size_t begin = 0;

    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n') {
            expect(e, s + begin, i - begin);
            begin = i + 1;
        } else if (i - begin == max) {
            expect(e, s + begin, max);
            begin = i;
        }
    }
    if (begin < len) {
        expect(e, s + begin, len - begin);
    }
}

struct run {
    struct expected stream[2];
    size_t max;
};

static void
got_line(void *aux, bool is_stderr, const char *line)
{
    struct run *r = aux;
    struct expected *e = &r->stream[is_stderr];

    if (e->next >= e->n || strcmp(line, e->lines[e->next]) != 0 ||
        strlen(line) > r->max || strchr(line, '\n')) {
        fprintf(stderr,
                "fuzz-lines: %s line %zu: got \"%s\", expected %s%s%s\n",
                is_stderr ? "stderr" : "stdout", e->next, line,
                e->next < e->n ? "\"" : "no more lines",
                e->next < e->n ? e->lines[e->next] : "",
                e->next < e->n ? "\"" : "");
        abort();
    }
    e->next++;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_setup();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    struct run r = {.max = 1 + data[0] % 64};
    unsigned seed = data[1];
    const char *out = (const char *)data + 2;
    size_t len = size - 2;

    /* Cut the output into chunks; each stream's bytes, in order, are what
     * the reference splits. */
    char *streams[2] = {calloc(len + 1, 1), calloc(len + 1, 1)};
    size_t stream_len[2] = {0, 0};
    size_t *cuts = malloc((len + 1) * sizeof *cuts);
    bool *which = malloc((len + 1) * sizeof *which);
    size_t n_chunks = 0;
    if (!streams[0] || !streams[1] || !cuts || !which) {
        abort();
    }
    for (size_t at = 0; at < len; n_chunks++) {
        seed = seed * 1103515245u + 12345u;
        size_t chunk = 1 + (seed >> 16) % 97;
        if (chunk > len - at) {
            chunk = len - at;
        }
        bool is_stderr = (seed >> 8) & 1;
        cuts[n_chunks] = chunk;
        which[n_chunks] = is_stderr;
        memcpy(streams[is_stderr] + stream_len[is_stderr], out + at, chunk);
        stream_len[is_stderr] += chunk;
        at += chunk;
    }
    for (int s = 0; s < 2; s++) {
        reference(&r.stream[s], streams[s], stream_len[s], r.max);
    }

    struct remote_lines lines[2] = {{0}};
    for (size_t c = 0, at = 0; c < n_chunks; at += cuts[c], c++) {
        remote_lines_take(&lines[which[c]], which[c], out + at, cuts[c], r.max,
                          got_line, &r);
    }
    for (int s = 0; s < 2; s++) {
        remote_lines_flush(&lines[s], s == 1, got_line, &r);
        if (r.stream[s].next != r.stream[s].n) {
            fprintf(stderr,
                    "fuzz-lines: %s: %zu lines delivered, %zu expected\n",
                    s ? "stderr" : "stdout", r.stream[s].next, r.stream[s].n);
            abort();
        }
        for (size_t i = 0; i < r.stream[s].n; i++) {
            free(r.stream[s].lines[i]);
        }
        free(r.stream[s].lines);
        free(streams[s]);
    }
    free(cuts);
    free(which);
    return 0;
}
