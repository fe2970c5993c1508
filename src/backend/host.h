/* The services the host gives plugins (struct mi_host): logging, settings
 * from the topology file, running programs by argv, netlink helpers. */
#ifndef MINIINET_HOST_H
#define MINIINET_HOST_H 1

#include <miniinet/plugin.h>

/* The host services, valid for the life of the process. */
const struct mi_host *host_services(void);

/* Implementations, also used by the core itself. */
int host_run(const char *const *argv, char **out);
/* host_run() keeping at most `max` bytes of standard output (0: all); the
 * rest is read and dropped, and *truncated (may be NULL) says so. */
int host_run_bounded(const char *const *argv, char **out, size_t max,
                     bool *truncated);
/* host_run_bounded() with `input` (len bytes; NULL: /dev/null) as the
 * program's standard input, e.g. `nft -f -` reading its ruleset: never in
 * argv. */
int host_run_input(const char *const *argv, const void *input, size_t len,
                   char **out, size_t max, bool *truncated);
int host_link_exists(const char *netns, const char *ifname);
int host_link_delete(const char *netns, const char *ifname);
int host_links_delete(const char *netns, const char *const *names, size_t n);

#endif
