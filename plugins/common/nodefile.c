/* Files in a directory a node can write (nodefile.h). */
#include "config.h"

#include "nodefile.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int
nodefile_open(const char *path, int flags)
{
    struct stat st;
    int fd = open(
        path, (flags & ~O_TRUNC) | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);

    if (fd < 0) {
        return -errno;
    }
    int error = fstat(fd, &st) < 0                         ? -errno
                : !S_ISREG(st.st_mode) || st.st_nlink != 1 ? -EPERM
                                                           : 0;
    if (!error && (flags & O_TRUNC) && ftruncate(fd, 0) < 0) {
        error = -errno;
    }
    if (error) {
        close(fd);
        return error;
    }
    return fd;
}
