#include "config.h"

#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

int
fs_make_dir_at(int dir, const char *name, mode_t mode)
{
    if (mkdirat(dir, name, mode) && errno != EEXIST) {
        return -errno;
    }
    int fd =
        openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

static int
write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

int
fs_write_file_at(int dir, const char *name, const void *data, size_t len,
                 mode_t mode)
{
    char *tmp = xasprintf(".%s.tmp%ld", name, (long)getpid());
    int fd = openat(
        dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    int error = 0;

    if (fd < 0 && errno == EEXIST) {
        /* Left by a process of ours that died: ours to replace. */
        unlinkat(dir, tmp, 0);
        fd =
            openat(dir, tmp,
                   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    }
    if (fd < 0) {
        error = -errno;
        free(tmp);
        return error;
    }
    error = write_all(fd, data, len);
    if (!error && fchmod(fd, mode)) { /* whatever the umask said */
        error = -errno;
    }
    if (!error && fsync(fd)) {
        error = -errno;
    }
    if (close(fd) && !error) {
        error = -errno;
    }
    if (!error && renameat(dir, tmp, dir, name)) {
        error = -errno;
    }
    if (error) {
        unlinkat(dir, tmp, 0);
    } else if (fsync(dir)) {
        error = -errno;
    }
    free(tmp);
    return error;
}

int
fs_read_file_at(int dir, const char *name, size_t max, char **data,
                size_t *len)
{
    int fd = openat(dir, name,
                    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    struct stat st;

    *data = NULL;
    *len = 0;
    if (fd < 0) {
        return -errno;
    }
    if (fstat(fd, &st)) {
        int error = -errno;
        close(fd);
        return error;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return -EINVAL;
    }
    size_t cap = (size_t)st.st_size < max ? (size_t)st.st_size + 1 : max + 1;
    char *buf = xmalloc(cap + 1);
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            int error = -errno;
            free(buf);
            close(fd);
            return error;
        }
        if (r == 0) {
            break;
        }
        n += (size_t)r;
        if (n > max) {
            free(buf);
            close(fd);
            return -EFBIG;
        }
        if (n == cap) { /* it grew since fstat() */
            cap = cap * 2 < max + 1 ? cap * 2 : max + 1;
            buf = xrealloc(buf, cap + 1);
        }
    }
    close(fd);
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

/* Removal.  Every step is relative to a directory opened without following
 * a symlink, a symlink is removed as itself, and a directory swapped for a
 * symlink after it was opened is still the one emptied (the probe of issue
 * 19: a full-path walk deleted 59 754 files of a root-owned directory
 * elsewhere).  Mounts are never descended into, and depth is bounded (one
 * descriptor a level). */
#define REMOVE_MAX_DEPTH 32
#define REMOVE_MAX_REPORTS 20

struct removal {
    int mnt_id_ok;             /* statx gives mount ids */
    unsigned long long mnt_id; /* of the tree's top directory */
    size_t failed;             /* entries not removed */
};

static void
remove_failed(struct removal *r, const char *path, const char *why)
{
    if (r->failed++ < REMOVE_MAX_REPORTS) {
        log_error("cannot remove %s: %s", path, why);
    }
}

/* The mount `fd` is on; false if the kernel cannot say. */
static bool
mount_id(int fd, unsigned long long *id)
{
    struct statx sx;

    if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) ||
        !(sx.stx_mask & STATX_MNT_ID)) {
        return false;
    }
    *id = sx.stx_mnt_id;
    return true;
}

static void remove_at(struct removal *, int parent, const char *name,
                      const char *path, int depth);

/* Empties directory `fd` (closed here) but its entry `last` (unless NULL),
 * `path` for messages. */
static void
empty_dir(struct removal *r, int fd, const char *path, int depth,
          const char *last)
{
    unsigned long long id;

    if (r->mnt_id_ok && (!mount_id(fd, &id) || id != r->mnt_id)) {
        close(fd);
        remove_failed(r, path, "a mount point (not descended into)");
        return;
    }
    DIR *d = fdopendir(fd);
    if (!d) {
        remove_failed(r, path, strerror(errno));
        close(fd);
        return;
    }
    struct dirent *de;
    while ((errno = 0, de = readdir(d))) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
            (!last || strcmp(de->d_name, last) != 0)) {
            char *child = xasprintf("%s/%s", path, de->d_name);
            remove_at(r, dirfd(d), de->d_name, child, depth + 1);
            free(child);
        }
    }
    if (errno) {
        remove_failed(r, path, strerror(errno));
    }
    if (last && !r->failed) {
        char *child = xasprintf("%s/%s", path, last);
        remove_at(r, dirfd(d), last, child, depth + 1);
        free(child);
    }
    closedir(d);
}

/* Removes `name` in directory `parent` and, if a directory, what it holds. */
static void
remove_at(struct removal *r, int parent, const char *name, const char *path,
          int depth)
{
    /* A symlink, file, socket...: gone as itself, never followed. */
    if (!unlinkat(parent, name, 0) || errno == ENOENT) {
        return;
    }
    if (errno != EISDIR) {
        remove_failed(r, path, strerror(errno));
        return;
    }
    if (depth > REMOVE_MAX_DEPTH) {
        remove_failed(r, path, "nested too deep");
        return;
    }
    int fd =
        openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        /* Swapped for something else since: not followed. */
        if (errno != ENOENT) {
            remove_failed(r, path, strerror(errno));
        }
        return;
    }
    empty_dir(r, fd, path, depth, NULL);
    if (unlinkat(parent, name, AT_REMOVEDIR) && errno != ENOENT) {
        remove_failed(r, path, strerror(errno));
    }
}

int
fs_remove_tree_at(int parent, const char *name, const char *path,
                  const char *last)
{
    struct removal r = {0};
    int fd =
        openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0) {
        if (errno == ENOENT) {
            return 0;
        }
        if (errno != ENOTDIR && errno != ELOOP) {
            log_error("cannot remove %s: %s", path, strerror(errno));
            return -ENOTEMPTY;
        }
        /* Not a directory (a symlink included): removed as itself. */
        remove_at(&r, parent, name, path, 0);
        return r.failed ? -ENOTEMPTY : 0;
    }
    r.mnt_id_ok = mount_id(fd, &r.mnt_id);
    empty_dir(&r, fd, path, 0, last);
    if (!r.failed && unlinkat(parent, name, AT_REMOVEDIR) && errno != ENOENT) {
        remove_failed(&r, path, strerror(errno));
    }
    if (r.failed > REMOVE_MAX_REPORTS) {
        log_error("... and %zu more entries under %s",
                  r.failed - REMOVE_MAX_REPORTS, path);
    }
    return r.failed ? -ENOTEMPTY : 0;
}
