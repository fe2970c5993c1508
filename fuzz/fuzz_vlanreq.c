/* libFuzzer harness: a student's request to the switch VLAN agent
 * (vlanreq_parse(), vlanreq_describe(), vlanreq_escape()), the one line a
 * group's proxy sends.  The input is the line's bytes.  A request taken
 * must be what the grammar allows (its words printable, a VLAN 1 to 4094,
 * no bit outside 1..4094 in a trunk's set); a refusal must say why; the
 * escaped text must be printable ASCII and bounded.  Aborts otherwise. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "vlanreq.h"

static bool
printable_word(const char *w)
{
    if (!*w) {
        return false;
    }
    for (; *w; w++) {
        if (*w < 0x21 || *w > 0x7e) {
            return false;
        }
    }
    return true;
}

static bool
printable(const char *s)
{
    for (; *s; s++) {
        if (*s < 0x20 || *s > 0x7e) {
            return false;
        }
    }
    return true;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *line = (const char *)data;
    struct vlanreq r;
    char why[256];

    why[0] = '\0';
    if (vlanreq_parse(line, size, &r, why, sizeof why)) {
        if (!why[0] || !printable(why)) {
            fprintf(stderr, "fuzz-vlanreq: refused without a clear why\n");
            abort();
        }
    } else {
        bool ok = size <= VLANREQ_MAX && printable_word(r.location) &&
                  printable_word(r.what) &&
                  (r.verb == VLANREQ_SHOW || printable_word(r.port));
        if (r.verb == VLANREQ_ACCESS) {
            ok &=
                !r.vlan.trunk && r.vlan.tag >= 1 && r.vlan.tag <= MI_VLAN_MAX;
        } else if (r.verb == VLANREQ_TRUNK) {
            ok &= r.vlan.trunk && r.vlan.tag == 0 && !(r.vlan.trunks[0] & 1) &&
                  !(r.vlan.trunks[MI_VLAN_MAX / 8] >> (MI_VLAN_MAX + 1) % 8);
        } else {
            ok &= r.verb == VLANREQ_SHOW;
        }
        if (!ok) {
            fprintf(stderr, "fuzz-vlanreq: a request taken that the grammar "
                            "refuses\n");
            abort();
        }
        if (r.verb != VLANREQ_SHOW) {
            char *d = vlanreq_describe(&r);
            if (!printable(d)) {
                abort();
            }
            free(d);
        }
    }
    char esc[4 * 64 + 8];
    vlanreq_escape(line, size, 64, esc, sizeof esc);
    if (!printable(esc) || strlen(esc) >= sizeof esc) {
        fprintf(stderr, "fuzz-vlanreq: escaped text not printable\n");
        abort();
    }
    return 0;
}
