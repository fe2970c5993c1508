/* `access`: the student groups' credentials on this server, for the TA
 * (doc/access.md).  Makes what is missing in the persistent directory
 * (credentials.h), then prints one line per group, or the wire encoding
 * (wire.h) for --json and for a master gathering every server's. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "credentials.h"
#include "log.h"
#include "network.h"
#include "util.h"

/* Where students connect to: the server's address, or this machine's name
 * when the topology has no servers. */
static char *
server_address(const struct mi_server *sv)
{
    char host[256];

    if (sv->address) {
        return xstrdup(sv->address);
    }
    if (gethostname(host, sizeof host) != 0) {
        return xstrdup("localhost");
    }
    host[sizeof host - 1] = '\0';
    return xstrdup(host);
}

/* This server's groups (only group `only`, when not 0) with their
 * passwords into *out.  Returns an exit status. */
static int
gather(struct session *s, const struct access_plan *ap, unsigned only,
       struct wire_access *out)
{
    const struct mi_plan *p = plan_view(s->plan);
    const struct mi_server *sv = mi_plan_server(p, s->server);

    memset(out, 0, sizeof *out);
    out->network = xstrdup(p->name);
    out->server = xstrdup(sv->name);
    out->groups = xcalloc(ap->n_groups + 1, sizeof *out->groups);
    for (size_t i = 0; i < ap->n_groups; i++) {
        const struct access_group *g = &ap->groups[i];
        if (g->server != s->server || (only && g->asn != only)) {
            continue;
        }
        char password[CRED_PASSWORD_LEN + 1];
        if (cred_password(p->name, g->asn, password, sizeof password)) {
            return EXIT_FAILED; /* reported */
        }
        struct wire_access_group *w = &out->groups[out->n_groups++];
        w->asn = g->asn;
        w->server = xstrdup(sv->name);
        w->address = server_address(sv);
        w->port = g->port;
        w->user = xstrdup(ACCESS_USER);
        w->password = xstrdup(password);
        explicit_bzero(password, sizeof password);
    }
    return EXIT_OK;
}

void
access_print(const struct wire_access *a, bool header)
{
    if (header) {
        printf("%-4s %-12s %-16s %-5s %-5s %s\n", "AS", "SERVER", "ADDRESS",
               "PORT", "USER", "PASSWORD");
    }
    for (size_t i = 0; i < a->n_groups; i++) {
        const struct wire_access_group *g = &a->groups[i];
        printf("%-4u %-12s %-16s %-5u %-5s %s\n", g->asn, g->server,
               g->address, g->port, g->user, g->password);
    }
}

int
network_access(struct session *s)
{
    const struct access_plan *ap = plan_access(s->plan);
    struct wire_access a;

    if (cred_ensure(plan_view(s->plan)->name, ap, s->server)) {
        log_error("access: the credentials could not be made (see above)");
        return EXIT_FAILED;
    }
    int status = gather(s, ap, s->opts.group, &a);
    if (status == EXIT_OK) {
        if (s->opts.json) {
            wire_print(wire_access_encode(&a), true);
        } else {
            access_print(&a, !s->opts.group);
        }
        if (fflush(stdout) == EOF) {
            log_error("access: cannot write the credentials: %s",
                      strerror(errno));
            status = EXIT_FAILED;
        }
    }
    wire_access_free(&a);
    return status;
}
