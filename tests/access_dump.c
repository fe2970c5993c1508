/* Test helper (never installed): prints a file access_files.c makes, for
 * tests/access.test to hand to the real sshd, nft and ssh.
 *
 *   access-dump CFG nft SERVER           the port forward of server index
 *   access-dump CFG nft-delete
 *   access-dump CFG proxy-sshd ASN
 *   access-dump CFG device-sshd ASN LOCATION WHAT
 *   access-dump CFG known-hosts ASN PUBKEY-FILE
 *   access-dump CFG goto ASN
 *   access-dump CFG completion ASN */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access_files.h"
#include "plan.h"
#include "topology.h"
#include "util.h"

static int
usage(void)
{
    fputs("usage: access-dump CFG nft SERVER | nft-delete | proxy-sshd ASN | "
          "device-sshd ASN LOCATION WHAT | known-hosts ASN PUBKEY-FILE | "
          "goto ASN | completion ASN\n",
          stderr);
    return 2;
}

static char *
dump(const struct topology *t, const struct access_plan *ap, int argc,
     char **argv)
{
    const char *what = argv[2];

    if (strcmp(what, "nft") == 0 && argc == 4) {
        return access_nft_ruleset(t->name, ap, (unsigned)atoi(argv[3]));
    }
    if (strcmp(what, "nft-delete") == 0 && argc == 3) {
        return access_nft_delete(t->name);
    }
    if (argc < 4) {
        return NULL;
    }
    const struct access_group *g =
        access_plan_group(ap, (unsigned)atoi(argv[3]));
    if (!g) {
        return NULL;
    }
    if (strcmp(what, "proxy-sshd") == 0 && argc == 4) {
        return access_proxy_sshd_config(g);
    }
    if (strcmp(what, "goto") == 0 && argc == 4) {
        return access_goto_script(g);
    }
    if (strcmp(what, "completion") == 0 && argc == 4) {
        return access_goto_completion(g);
    }
    if (strcmp(what, "known-hosts") == 0 && argc == 5) {
        size_t len;
        char *key = util_read_file(argv[4], &len);
        char *out = key ? access_known_hosts(g, key) : NULL;
        free(key);
        return out;
    }
    if (strcmp(what, "device-sshd") == 0 && argc == 6) {
        for (size_t i = 0; i < g->n_devices; i++) {
            if (strcmp(g->devices[i].location, argv[4]) == 0 &&
                strcmp(g->devices[i].what, argv[5]) == 0) {
                return access_device_sshd_config(&g->devices[i]);
            }
        }
    }
    return NULL;
}

int
main(int argc, char **argv)
{
    if (argc < 3) {
        return usage();
    }
    struct topology *t = NULL;
    struct plan *p = NULL;
    const struct plan_params params = {.tunnel_overhead = 50};
    if (topology_load(argv[1], &t) || plan_compute(t, &params, &p)) {
        topology_free(t);
        return 1;
    }
    const struct access_plan *ap = plan_access(p);
    char *out = ap ? dump(t, ap, argc, argv) : NULL;
    int rc = out ? 0 : 1;
    if (out) {
        fputs(out, stdout);
        free(out);
    } else {
        fputs("access-dump: nothing to print (no access, unknown group or "
              "device, or bad arguments)\n",
              stderr);
    }
    plan_free(p);
    topology_free(t);
    return rc;
}
