/* Student groups' credentials, kept in the network's persistent directory
 * (persist.h) so that they survive `down`, `up` and a reboot, and go with
 * `down --purge` only (doc/access.md):
 *
 *   <persist>/<network>/access/           0700
 *     group-<AS>/                         0700, one per group on this server
 *       password                          0600, the group's password
 *       ssh_host_ed25519_key{,.pub}       0600, the proxy's SSH host key
 *       device_key{,.pub}                 0600, the key the proxy logs into
 *                                         the group's devices with
 *
 * Passwords come from the kernel's random source (getrandom(2)), keys from
 * libssh; nothing is ever passed in argv or logged.  What exists is kept:
 * a group's password is made once. */
#ifndef MINIINET_CREDENTIALS_H
#define MINIINET_CREDENTIALS_H 1

#include <stddef.h>

#include "access.h"

#define CRED_PASSWORD_LEN 20 /* [A-Za-z0-9]: about 119 bits */
#define CRED_KEY_MAX 16384   /* bytes of a key file read back */

/* A random password of CRED_PASSWORD_LEN characters of [A-Za-z0-9] into
 * buf (at least CRED_PASSWORD_LEN + 1 bytes).  0 or -errno (getrandom). */
int cred_random_password(char *buf, size_t len);

/* A new Ed25519 key pair: the private key in OpenSSH's format, the public
 * key as an authorized_keys line "ssh-ed25519 BASE64 COMMENT"; both
 * malloc()ed.  0 or -EIO. */
int cred_new_key(const char *comment, char **private_key, char **public_key);

/* Makes, for every group of `ap` placed on `server`, whatever of its
 * credentials is missing; keeps what exists.  Holds flock() on the access
 * directory meanwhile, so that two runs at once make a group's credentials
 * once.  Reports problems.  0 or -errno. */
int cred_ensure(const char *network, const struct access_plan *ap,
                unsigned server);

/* The password of group `asn` into buf (CRED_PASSWORD_LEN + 1 bytes at
 * least): 0, -ENOENT when it has none yet, or -errno (reported) when the
 * file is not what cred_ensure() writes. */
int cred_password(const char *network, unsigned asn, char *buf, size_t len);

/* The files of a group's directory, by name. */
#define CRED_HOST_KEY "ssh_host_ed25519_key"
#define CRED_DEVICE_KEY "device_key"

/* File `file` of group `asn` (CRED_HOST_KEY, CRED_DEVICE_KEY, or either
 * with ".pub"), read without following a symlink, at most CRED_KEY_MAX
 * bytes: 0 with *data (malloc()ed, NUL-terminated) and *len, or -errno
 * (reported). */
int cred_file(const char *network, unsigned asn, const char *file, char **data,
              size_t *len);

#endif
