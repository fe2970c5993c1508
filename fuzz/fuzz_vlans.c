/* libFuzzer harness: a switch's VLAN settings as the ovs plugin reads them
 * (plugins/common/vlans.c): the snapshot's text (vlans_parse()) and what
 * ovs-vsctl lists (vlans_from_ovs()).
 *
 * The first byte chooses the parser.  Text: whatever it accepts, its
 * canonical form (vlans_format()) must parse again to the same ports and
 * format to the same text; the harness aborts otherwise.  Lists: the rest
 * is cut at the first NUL into the Bridge list and the Port list, and
 * bridge "b1" is read; what is accepted must format and parse back. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../plugins/common/vlans.h"

/* `ports` formatted, parsed again and formatted again: the same text. */
static void
round_trip(struct vlan_ports *ports)
{
    struct vlan_ports again = {0};
    char err[128];
    char *text = vlans_format(ports);

    if (!text || vlans_parse(text, &again, err, sizeof err) != 0 ||
        again.n != ports->n) {
        abort();
    }
    for (size_t i = 0; i < again.n; i++) {
        if (strcmp(again.v[i].name, ports->v[i].name) != 0 ||
            !vlans_port_same(&again.v[i], &ports->v[i])) {
            abort();
        }
    }
    char *text2 = vlans_format(&again);
    if (!text2 || strcmp(text, text2) != 0) {
        abort();
    }
    free(text);
    free(text2);
    vlans_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    char *in = malloc(size + 1);
    if (!in) {
        abort();
    }
    memcpy(in, data + 1, size - 1);
    in[size - 1] = '\0';
    struct vlan_ports ports = {0};
    char err[128] = "";
    int error;
    if (data[0] & 1) {
        size_t blen = strlen(in);
        const char *plist = blen < size - 1 ? in + blen + 1 : "";
        error = vlans_from_ovs(in, plist, "b1", &ports, err, sizeof err);
    } else {
        error = vlans_parse(in, &ports, err, sizeof err);
    }
    if (error == 0) {
        round_trip(&ports);
    } else if (ports.v || ports.n || !err[0]) {
        abort(); /* refused: nothing kept, and a reason */
    }
    vlans_free(&ports);
    free(in);
    return 0;
}
