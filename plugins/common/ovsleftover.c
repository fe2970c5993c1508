/* Open vSwitch bridges that an earlier run of a network left behind.
 *
 * Open vSwitch keeps its bridges and their ports in its database, which a
 * server's Open vSwitch keeps on disk: after a reboot they come back, while
 * the devices of their ports (veths into nodes that are gone) do not.  The
 * network's record went with the run directory, so `up` asks the plugins
 * that made such bridges to remove them (clear_leftovers, plugin.h): only
 * bridges that carry the network's label `external_ids:miniinet=NET` (both
 * the ovs switch and the Open vSwitch tunnels set it in build()), and only
 * while no port of theirs is open on a device -- a bridge in use belongs to
 * a network that runs, whatever its record says, and stays.
 */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ovsleftover.h"

/* Seconds for the queries and for the removal (ovs-vswitchd applies it). */
#define OVSL_QUERY_TIMEOUT 10
#define OVSL_REMOVE_TIMEOUT 120

bool
ovsl_open_port(const char *ifaces, const char *system,
               bool (*exists)(const char *name), char *buf, size_t len)
{
    for (const char *p = ifaces; p && *p;) {
        const char *nl = strchrnul(p, '\n');
        char name[256], ofport[32];
        if (nl > p && (size_t)(nl - p) < sizeof name) {
            snprintf(name, sizeof name, "%.*s", (int)(nl - p), p);
            if (cmd_csv_value(system, name, ofport, sizeof ofport) &&
                strtol(ofport, NULL, 10) > 0 && (!exists || exists(name))) {
                snprintf(buf, len, "%s", name);
                return true;
            }
        }
        p = *nl ? nl + 1 : nl;
    }
    return false;
}

/* `ovs-vsctl [DB] --timeout=T ARG0 ARGS...` (NULL-terminated). */
static int
ovsl_vsctl(const struct ovsl *o, char **out, int timeout, const char *arg0,
           ...)
{
    struct args a = {0};
    va_list ap;

    args_push(&a, cmd_find_program("ovs-vsctl"));
    if (o->db) {
        args_add(&a, o->db);
    }
    args_addf(&a, "--timeout=%d", timeout);
    va_start(ap, arg0);
    for (const char *s = arg0; s; s = va_arg(ap, const char *)) {
        args_add(&a, s);
    }
    va_end(ap);
    int status = cmd_run(o->host, o->plugin, &a, out);
    args_free(&a);
    return status;
}

static int
ovsl_failed(const struct ovsl *o, int status, const char *what)
{
    char buf[32];

    o->host->error("%s: ovs-vsctl %s failed (%s)", o->plugin, what,
                   cmd_status_text(status, buf, sizeof buf));
    return status < 0 ? status : -EIO;
}

/* Whether this namespace has a network device called `name`. */
static bool
ovsl_device_exists(const char *name)
{
    return if_nametoindex(name) != 0;
}

/* Whether bridge `br` has a port open on a device (its name into buf);
 * -errno when it cannot be asked. */
static int
ovsl_in_use(const struct ovsl *o, const char *br, const char *system,
            char *buf, size_t len)
{
    char *ifaces = NULL;
    int status = ovsl_vsctl(o, &ifaces, OVSL_QUERY_TIMEOUT, "list-ifaces", br,
                            (char *)NULL);
    if (status) {
        free(ifaces);
        return ovsl_failed(o, status, "list-ifaces");
    }
    bool open = ovsl_open_port(ifaces, system, ovsl_device_exists, buf, len);
    free(ifaces);
    return open;
}

int
ovsl_clear(const struct ovsl *o, const char *network, const char *const *names,
           size_t n, size_t *n_removed)
{
    char label[512], *labelled = NULL, *system = NULL;

    if (!n) {
        return 0;
    }
    /* The name is plain ([A-Za-z0-9_-]); quoted as build() writes it. */
    snprintf(label, sizeof label, "external_ids:miniinet=\"%s\"", network);
    int status =
        ovsl_vsctl(o, &labelled, OVSL_QUERY_TIMEOUT, "--bare",
                   "--columns=name", "find", "Bridge", label, (char *)NULL);
    if (!status) {
        status =
            ovsl_vsctl(o, &system, OVSL_QUERY_TIMEOUT, "--format=csv",
                       "--data=bare", "--no-headings", "--columns=name,ofport",
                       "find", "Interface", "type=\"\"", (char *)NULL);
    }
    if (status) {
        free(labelled);
        free(system);
        return ovsl_failed(o, status,
                           "find (the bridges an earlier run left)");
    }

    struct args a = {0};
    args_push(&a, cmd_find_program("ovs-vsctl"));
    if (o->db) {
        args_add(&a, o->db);
    }
    args_addf(&a, "--timeout=%d", OVSL_REMOVE_TIMEOUT);
    size_t base = a.n, n_del = 0;
    int error = 0;
    for (size_t i = 0; i < n && !error; i++) {
        char port[256];
        if (!cmd_in_lines(labelled, names[i])) {
            continue; /* absent, or not this network's: up decides */
        }
        int in_use = ovsl_in_use(o, names[i], system, port, sizeof port);
        if (in_use < 0) {
            error = in_use;
        } else if (in_use) {
            o->host->log(MI_LOG_WARN,
                         "%s: bridge %s of network %s has port %s open on a "
                         "device: in use, though no record of the network is "
                         "here; left alone",
                         o->plugin, names[i], network, port);
        } else {
            args_add(&a, "--");
            args_add(&a, "--if-exists");
            args_add(&a, "del-br");
            args_add(&a, names[i]);
            n_del++;
        }
    }
    free(labelled);
    free(system);
    if (!error && n_del) {
        status = cmd_run(o->host, o->plugin, &a, NULL);
        error = status ? ovsl_failed(o, status,
                                     "del-br (an earlier run's bridges)")
                       : 0;
    }
    for (size_t i = base; !error && i < a.n; i += 4) {
        o->host->log(MI_LOG_INFO,
                     "%s: removed bridge %s of network %s, left by an earlier "
                     "run (no port of it open)",
                     o->plugin, a.v[i + 3], network);
    }
    if (!error) {
        *n_removed += n_del;
    }
    args_free(&a);
    return error;
}
