/* File operations for directories that someone else may write into (a
 * node's processes, a student with root in a container) or that must
 * survive a crash: every step relative to a directory descriptor, never
 * through a symlink, never into a mount; files written to a temporary name
 * and renamed.  Functions return 0 (or a descriptor) or a negative errno. */
#ifndef MINIINET_FSUTIL_H
#define MINIINET_FSUTIL_H 1

#include <stddef.h>
#include <sys/types.h>

/* Makes directory `name` in `dir` with `mode` (it may exist already) and
 * opens it (O_DIRECTORY, never through a symlink): the descriptor. */
int fs_make_dir_at(int dir, const char *name, mode_t mode);

/* Writes `len` bytes of `data` as `name` in `dir`, atomically: to a
 * temporary name (O_EXCL, never through a symlink) with `mode`, fsync()ed,
 * renamed over `name`, and the directory fsync()ed.  On failure nothing is
 * left behind and a file that was there is unchanged. */
int fs_write_file_at(int dir, const char *name, const void *data, size_t len,
                     mode_t mode);

/* Reads regular file `name` in `dir` (never through a symlink, never a
 * FIFO or device): a malloc()ed copy with a NUL byte after its `*len`
 * bytes.  -EFBIG when it is longer than `max`, -EINVAL when it is not a
 * regular file. */
int fs_read_file_at(int dir, const char *name, size_t max, char **data,
                    size_t *len);

/* Removes `name` in `parent` and, when it is a directory, everything in
 * it: a symlink goes as itself, a mount point is left (and reported), depth
 * is bounded.  With `last` non-NULL, the entry of that name in the top
 * directory is removed only once everything else is gone (a record that
 * must outlive a partial removal).  `path` names `name` in messages; every
 * entry that could not be removed is reported (the first 20, then a count).
 * Returns 0 (also when `name` does not exist) or -ENOTEMPTY. */
int fs_remove_tree_at(int parent, const char *name, const char *path,
                      const char *last);

#endif
