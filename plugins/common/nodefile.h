/* Files in a directory a node can write: a router's node directory, which
 * FRR's user can add to with the netns runtime and a student who is root in
 * the container can change at will with the docker runtime.  A convenience
 * library linked into both runtimes; not a plugin. */
#ifndef MINIINET_PLUGINS_COMMON_NODEFILE_H
#define MINIINET_PLUGINS_COMMON_NODEFILE_H

/* Opens `path` with open(2)'s `flags` (O_CREAT makes it 0644), never
 * through a symlink and never blocking on a FIFO, and keeps it only when
 * it is a regular file with one link (not a name for another file).
 * O_TRUNC empties it only then, never before the check.  Returns the
 * descriptor (close-on-exec, non-blocking) or -errno: -EPERM when it is
 * not such a file. */
int nodefile_open(const char *path, int flags);

#endif
