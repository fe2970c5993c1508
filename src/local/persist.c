#include "config.h"

#include "persist.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "util.h"

#define PERSIST_DEFAULT_ROOT "/var/lib/miniinet"

const char *
persist_root(void)
{
    const char *root = getenv("MINIINET_PERSISTDIR");

    return root && *root ? root : PERSIST_DEFAULT_ROOT;
}

char *
persist_network_dir(const char *network)
{
    return xasprintf("%s/%s", persist_root(), network);
}

/* Makes `path` and its missing parents, 0755 (the root's parents are the
 * TA's: /var/lib). */
static int
make_root(const char *path)
{
    char *copy = xstrdup(path);
    int error = 0;

    for (char *p = copy + 1; *p && !error; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(copy, 0755) && errno != EEXIST) {
                error = -errno;
            }
            *p = '/';
        }
    }
    if (!error && mkdir(copy, 0755) && errno != EEXIST) {
        error = -errno;
    }
    free(copy);
    return error;
}

/* Refuses directory `fd` at `path` unless it is ours and closed to group
 * and others (closing it on refusal). */
static int
check_private(int fd, const char *path)
{
    struct stat st;

    if (fstat(fd, &st)) {
        int error = -errno;
        log_error("%s: %s", path, strerror(errno));
        close(fd);
        return error;
    }
    if (st.st_uid != geteuid() || (st.st_mode & 077)) {
        log_error("%s: owned by uid %u with mode %04o; miniinet keeps "
                  "credentials and snapshots there and makes it its own, "
                  "mode 0700: move it away or fix it (chown %u, chmod 0700)",
                  path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777),
                  (unsigned)geteuid());
        close(fd);
        return -EPERM;
    }
    return fd;
}

/* Opens (or makes, 0700) `name` in `dir`, `path` for messages. */
static int
open_private(int dir, const char *name, const char *path, bool create)
{
    if (create && mkdirat(dir, name, 0700) && errno != EEXIST) {
        int error = -errno;
        log_error("cannot make %s: %s", path, strerror(errno));
        return error;
    }
    int fd =
        openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int error = -errno;
        if (errno == ELOOP || errno == ENOTDIR) {
            log_error("%s: not a directory (a symlink or a file in its "
                      "place); refused",
                      path);
            return -EPERM;
        }
        if (errno != ENOENT) {
            log_error("cannot open %s: %s", path, strerror(errno));
        }
        return error;
    }
    return check_private(fd, path);
}

int
persist_open(const char *network, bool create)
{
    const char *root = persist_root();
    char *path = persist_network_dir(network);
    int error = 0;

    if (!util_valid_name(network, 255)) {
        log_error("%s: not a network name", network);
        free(path);
        return -EINVAL;
    }
    if (create && (error = make_root(root))) {
        log_error("cannot make %s: %s", root, strerror(-error));
        free(path);
        return error;
    }
    int top = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (top < 0) {
        error = -errno;
        if (errno != ENOENT) {
            log_error("cannot open %s: %s", root, strerror(errno));
        }
        free(path);
        return error;
    }
    int fd = open_private(top, network, path, create);
    close(top);
    free(path);
    return fd;
}

int
persist_open_subdir(int dir, const char *name, bool create)
{
    char self[64], where[4096];
    snprintf(self, sizeof self, "/proc/self/fd/%d", dir);
    ssize_t n = readlink(self, where, sizeof where - 1);
    where[n > 0 ? n : 0] = '\0';
    char *path = xasprintf("%s/%s", n > 0 ? where : "?", name);
    int fd = open_private(dir, name, path, create);
    free(path);
    return fd;
}

bool
persist_exists(const char *network)
{
    char *path = persist_network_dir(network);
    struct stat st;
    bool there = lstat(path, &st) == 0;

    free(path);
    return there;
}

int
persist_purge(const char *network)
{
    const char *root = persist_root();
    int top = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (top < 0) {
        if (errno == ENOENT) {
            return 0;
        }
        int error = -errno;
        log_error("cannot open %s: %s", root, strerror(errno));
        return error;
    }
    char *path = persist_network_dir(network);
    int error = fs_remove_tree_at(top, network, path, NULL);
    close(top);
    free(path);
    return error;
}
