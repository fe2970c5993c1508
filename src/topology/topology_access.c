/* The topology's `access` setting: which ASes get an SSH proxy for their
 * student group, on which ports, with which TA keys (doc/access.md).
 *
 *   access = true;                       # defaults
 *   access = {
 *     ases = "students";                 # default; or "all", or "3-4, 7"
 *     port_base = 2000;                  # AS N listens on port_base + N
 *     ta_keys = ( "ssh-ed25519 AAAA... ta@course" );
 *   };
 *
 * Read after every AS is known: the selection refers to them. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "topology_parse.h"
#include "util.h"

static const char *const access_keys[] = {"ases", "port_base", "ta_keys",
                                          NULL};

/* Key types OpenSSH's authorized_keys takes (sshd(8), AUTHORIZED_KEYS FILE
 * FORMAT). */
static const char *const key_types[] = {
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    NULL,
};

/* Why `key` is not one public key line "TYPE BASE64 [COMMENT]", or NULL.
 * The line goes verbatim into the proxies' authorized_keys: no option
 * prefix (command=, from=), no newline, no control character. */
static const char *
public_key_problem(const char *key)
{
    size_t len = strlen(key);

    if (len > TOPO_ACCESS_KEY_MAX) {
        return "longer than 16384 bytes";
    }
    for (const char *p = key; *p; p++) {
        if (iscntrl((unsigned char)*p)) {
            return "has a control character (one key per string, on one "
                   "line)";
        }
    }
    size_t type_len = strcspn(key, " ");
    bool known = false;
    for (size_t i = 0; key_types[i]; i++) {
        known |= strlen(key_types[i]) == type_len &&
                 !strncmp(key, key_types[i], type_len);
    }
    if (!known) {
        return "does not start with a key type such as ssh-ed25519 or "
               "ssh-rsa (options such as command= are not taken)";
    }
    const char *b64 = key + type_len;
    if (*b64 != ' ') {
        return "has no key after its type";
    }
    b64++;
    size_t b64_len =
        strspn(b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                    "0123456789+/=");
    if (b64_len < 16 || (b64[b64_len] && b64[b64_len] != ' ')) {
        return "has no base64 key after its type";
    }
    return NULL;
}

static void
parse_ta_keys(struct tp_loader *ld, const config_setting_t *group,
              struct topo_access *acc)
{
    const config_setting_t *list =
        tp_member(ld, group, "access", "ta_keys", CONFIG_TYPE_LIST, false);
    int n = list ? config_setting_length(list) : 0;

    acc->ta_keys = xcalloc((size_t)n + 1, sizeof *acc->ta_keys);
    for (int i = 0; i < n; i++) {
        const config_setting_t *k = config_setting_get_elem(list, i);
        if (!tp_is_type(k, CONFIG_TYPE_STRING)) {
            tp_error(ld, k,
                     "access.ta_keys: element %d must be a string (a public "
                     "key line, as in ~/.ssh/id_ed25519.pub)",
                     i + 1);
            continue;
        }
        const char *why = public_key_problem(config_setting_get_string(k));
        if (why) {
            tp_error(ld, k, "access.ta_keys: element %d %s", i + 1, why);
            continue;
        }
        acc->ta_keys[acc->n_ta_keys++] = xstrdup(config_setting_get_string(k));
    }
}

/* The ASes of `ases`: "students", "all" or a list of numbers. */
static void
parse_selection(struct tp_loader *ld, const config_setting_t *group,
                const config_setting_t *where, struct topo_access *acc)
{
    const config_setting_t *m = group ? tp_member(ld, group, "access", "ases",
                                                  CONFIG_TYPE_STRING, false)
                                      : NULL;
    const char *how = m ? config_setting_get_string(m) : "students";
    bool all = !strcmp(how, "all");

    acc->asns = xcalloc(TOPO_MAX_ASN + 1, sizeof *acc->asns);
    if (all || !strcmp(how, "students")) {
        for (unsigned n = 1; n <= TOPO_MAX_ASN; n++) {
            const struct tp_slot *slot = &ld->slots[n];
            if (slot->where && !slot->ixp && (all || !slot->configured)) {
                acc->asns[acc->n_asns++] = n;
            }
        }
        if (!acc->n_asns) {
            tp_error(ld, m ? m : where,
                     "access: no AS has students = true, so no AS gets a "
                     "proxy (access.ases is \"%s\"); mark the students' "
                     "ASes or list them, e.g. ases = \"3-4\"",
                     how);
        }
        return;
    }
    unsigned *listed;
    size_t n_listed;
    if (!tp_parse_asn_string(ld, m, "access.ases", &listed, &n_listed)) {
        return;
    }
    bool wanted[TOPO_MAX_ASN + 1] = {false};
    for (size_t i = 0; i < n_listed; i++) {
        const struct tp_slot *slot = &ld->slots[listed[i]];
        if (!slot->where) {
            tp_error(ld, m, "access.ases: there is no AS %u", listed[i]);
        } else if (slot->ixp) {
            tp_error(ld, m,
                     "access.ases: %u is an IXP; only ASes have student "
                     "groups",
                     listed[i]);
        } else {
            wanted[listed[i]] = true;
        }
    }
    free(listed);
    for (unsigned n = 1; n <= TOPO_MAX_ASN; n++) {
        if (wanted[n]) {
            acc->asns[acc->n_asns++] = n;
        }
    }
}

static void
parse_port_base(struct tp_loader *ld, const config_setting_t *group,
                const config_setting_t *where, struct topo_access *acc)
{
    long long base = TOPO_ACCESS_PORT_BASE;
    const config_setting_t *m =
        group ? config_setting_get_member(group, "port_base") : NULL;

    if (m && !tp_int_value(ld, m, "access", "port_base", 1, 65535, &base)) {
        return;
    }
    acc->port_base = (unsigned)base;
    if (acc->n_asns &&
        base + acc->asns[acc->n_asns - 1] > 65535) { /* the highest */
        tp_error(ld, m ? m : where,
                 "access.port_base: %lld puts AS %u's proxy on port %lld, "
                 "above 65535",
                 base, acc->asns[acc->n_asns - 1],
                 base + acc->asns[acc->n_asns - 1]);
    }
}

/* 158.0.0.0/8 holds every AS's management LAN, 158.AS.0.0/16: AS 158's own
 * addresses would fall into them. */
static void
check_reserved(struct tp_loader *ld)
{
    const struct tp_slot *slot = &ld->slots[TOPO_ACCESS_MGMT_OCTET];

    if (slot->where) {
        tp_error(ld, slot->where,
                 "%s %u: with access on, %u.0.0.0/8 holds the ASes' "
                 "management networks (%u.AS.0.0/16); renumber it",
                 slot->ixp ? "IXP" : "AS", TOPO_ACCESS_MGMT_OCTET,
                 TOPO_ACCESS_MGMT_OCTET, TOPO_ACCESS_MGMT_OCTET);
    }
}

void
tp_parse_access(struct tp_loader *ld, const config_setting_t *root)
{
    const config_setting_t *where = config_setting_get_member(root, "access");
    const config_setting_t *m = where;
    struct topo_access *acc = &ld->topo->access;

    if (!m) {
        return;
    }
    if (tp_is_type(m, CONFIG_TYPE_BOOL)) {
        if (!config_setting_get_bool(m)) {
            return;
        }
        m = NULL; /* true: every default */
    } else if (!config_setting_is_group(m)) {
        tp_error(ld, m,
                 "access: must be true, false or a group such as "
                 "{ ases = \"students\"; port_base = 2000; }");
        return;
    } else {
        tp_check_keys(ld, m, "access", access_keys);
    }
    acc->enabled = true;
    acc->line = (int)config_setting_source_line(where);
    parse_selection(ld, m, where, acc);
    parse_port_base(ld, m, where, acc);
    if (m) {
        parse_ta_keys(ld, m, acc);
    } else {
        acc->ta_keys = xcalloc(1, sizeof *acc->ta_keys);
    }
    check_reserved(ld);
}

void
tp_free_access(struct topo_access *acc)
{
    for (size_t i = 0; i < acc->n_ta_keys; i++) {
        free(acc->ta_keys[i]);
    }
    free(acc->ta_keys);
    free(acc->asns);
    *acc = (struct topo_access){0};
}

bool
topology_access_chooses(const struct topo_access *acc, unsigned asn)
{
    for (size_t i = 0; acc->enabled && i < acc->n_asns; i++) {
        if (acc->asns[i] == asn) {
            return true;
        }
    }
    return false;
}
