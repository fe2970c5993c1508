/* libFuzzer harness: the replies a master decodes.
 *
 * The input, as the text of a server's reply, goes to each decoder --
 * wire_check_decode(), wire_status_decode(), wire_preflight_decode(),
 * wire_access_decode() --
 * and what they accept is used as the master uses it: a check reply is
 * merged into the matrix of a small network (five hosts on three servers,
 * as in tests/check_wire.c) as the reply of each server in turn, and the
 * matrix tallied; status and preflight replies are judged.  What a decoder
 * accepts must survive its encoder and the decoder again (aborts if not). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "log.h"
#include "wire.h"

static size_t hosts[] = {0, 1, 2, 3, 4};
static unsigned asns[] = {10, 20, 30, 40, 50};
static unsigned servers[] = {0, 0, 1, 2, 2};
static const struct check_hosts h = {
    .hosts = hosts, .asns = asns, .servers = servers, .n = 5};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_setup();
    return 0;
}

/* Encodes `o` (freed) to the text a server prints. */
static char *
text_of(json_object *o)
{
    char *text = strdup(json_object_to_json_string(o));

    json_object_put(o);
    if (!text) {
        abort();
    }
    return text;
}

/* The decoder refused its encoder's text. */
static void
round_trip_failed(const char *what, const char *text)
{
    fprintf(stderr,
            "fuzz-wire: %s: the encoding of a decoded reply is "
            "refused: %s\n",
            what, text);
    abort();
}

static void
check_reply(const char *text)
{
    struct wire_check reply;

    if (wire_check_decode(text, "s1", &reply) != 0) {
        return;
    }
    (void)wire_check_ok(&reply);
    char *again = text_of(wire_check_encode(&reply));
    struct wire_check copy;
    if (wire_check_decode(again, "s1", &copy) != 0) {
        round_trip_failed("check", again);
    }
    wire_check_free(&copy);
    free(again);
    unsigned char *cells = wire_matrix_new(&h);
    for (unsigned server = 0; server < 3; server++) {
        (void)wire_check_merge(&h, server, &reply, cells);
    }
    struct wire_check all = {0};
    wire_check_tally(&h, cells, &all);
    wire_check_free(&all);
    free(cells);
    wire_check_free(&reply);
}

static void
status_reply(const char *text)
{
    struct wire_status reply;

    if (wire_status_decode(text, "s1", &reply) == 0) {
        (void)wire_status_ok(&reply);
        char *again = text_of(wire_status_encode(&reply));
        struct wire_status copy;
        if (wire_status_decode(again, "s1", &copy) != 0) {
            round_trip_failed("status", again);
        }
        wire_status_free(&copy);
        free(again);
        wire_status_free(&reply);
    }
}

static void
preflight_reply(const char *text)
{
    struct wire_preflight reply;

    if (wire_preflight_decode(text, "s1", &reply) == 0) {
        (void)wire_preflight_pmtu(&reply, "s2");
        char *again = text_of(wire_preflight_encode(&reply));
        struct wire_preflight copy;
        if (wire_preflight_decode(again, "s1", &copy) != 0) {
            round_trip_failed("preflight", again);
        }
        wire_preflight_free(&copy);
        free(again);
        wire_preflight_free(&reply);
    }
}

static void
access_reply(const char *text)
{
    struct wire_access reply;

    if (wire_access_decode(text, "s1", &reply) == 0) {
        char *again = text_of(wire_access_encode(&reply));
        struct wire_access copy;
        if (wire_access_decode(again, "s1", &copy) != 0) {
            round_trip_failed("access", again);
        }
        wire_access_free(&copy);
        free(again);
        wire_access_free(&reply);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);

    if (!text) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    log_reset_errors();
    check_reply(text);
    status_reply(text);
    preflight_reply(text);
    access_reply(text);
    free(text);
    return 0;
}
