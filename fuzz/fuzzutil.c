/* What the libFuzzer harnesses share (fuzzutil.h). */
#include "config.h"

#include "fuzzutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static char dir[4096];

static void
drop(enum mi_log_level level, const char *msg, void *aux)
{
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    remove(path);
    return 0;
}

static void
cleanup(void)
{
    if (dir[0] && chdir("/") == 0) {
        nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    }
}

const char *
fuzz_setup(void)
{
    const char *tmp = getenv("TMPDIR");
    struct stat st;

    if (!tmp || !*tmp) {
        /* Memory: the harnesses write a file per input. */
        tmp = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
                      access("/dev/shm", W_OK) == 0
                  ? "/dev/shm"
                  : "/tmp";
    }
    snprintf(dir, sizeof dir, "%s/miniinet-fuzz.XXXXXX", tmp);
    if (!mkdtemp(dir) || chdir(dir) != 0) {
        fprintf(stderr, "fuzz: cannot make %s: %s\n", dir, strerror(errno));
        exit(1);
    }
    atexit(cleanup);
    log_set_sink(drop, NULL);
    return dir;
}

void
fuzz_write_file(const char *path, const uint8_t *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    if (fd < 0) {
        perror(path);
        abort();
    }
    while (size > 0) {
        ssize_t n = write(fd, data, size);
        if (n <= 0) {
            perror(path);
            abort();
        }
        data += n;
        size -= (size_t)n;
    }
    close(fd);
}
