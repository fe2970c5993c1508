/* The network's persistent directory: what must outlive `down` and a
 * reboot (students' credentials, snapshots of their work).
 *
 * It is <root>/<network> (root: $MINIINET_PERSISTDIR, default
 * /var/lib/miniinet), root's and 0700, its files 0600.  `up` never needs
 * it to exist; the modules that keep something there make it.  `down`
 * keeps it; `down --purge` removes it (persist_purge()).  Nodes never see
 * it, but it is still opened one step at a time without following a
 * symlink, and a directory that is not ours or that others can read is
 * refused rather than trusted. */
#ifndef MINIINET_PERSIST_H
#define MINIINET_PERSIST_H 1

#include <stdbool.h>

/* $MINIINET_PERSISTDIR, or /var/lib/miniinet. */
const char *persist_root(void);

/* <root>/<network> (malloc()ed). */
char *persist_network_dir(const char *network);

/* Opens the network's directory (O_DIRECTORY), made (with the root) when
 * missing and `create`; -ENOENT when missing otherwise.  A symlink in its
 * place, or a directory not owned by this user or open to group or others,
 * is refused, reported (-EPERM).  Returns the descriptor or -errno. */
int persist_open(const char *network, bool create);

/* Opens subdirectory `name` of `dir`, as persist_open() does (made 0700
 * when missing and `create`). */
int persist_open_subdir(int dir, const char *name, bool create);

/* Whether the network has a persistent directory. */
bool persist_exists(const char *network);

/* Removes the network's directory and all it holds, never following a
 * symlink nor entering a mount, and reports what it could not remove.
 * Returns 0 (also when there is none) or -errno. */
int persist_purge(const char *network);

#endif
