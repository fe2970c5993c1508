/* The SSH layer of the multi-server master (libssh 0.10).
 *
 * One connected, authenticated session per server, made once and reused for
 * every command (each command runs on a new channel of it) and every file
 * written (SFTP).  A `struct remote` is used by one thread at a time;
 * different remotes may be used from different threads at once.  The
 * exceptions are remote_interrupt() and remote_abort(), which any thread may
 * call at any time.
 *
 * Nothing waits forever: connecting is bounded by the caller's timeout, and
 * a server that disappears later (crashed, unplugged) is noticed by TCP
 * keepalives within about a minute, failing the call with -EIO.
 *
 * ~/.ssh/config and /etc/ssh/ssh_config are not read: the topology file
 * says where each server is and how to log in.  Host keys are checked
 * against the known_hosts file given (and the system-wide
 * /etc/ssh/ssh_known_hosts).  A private key protected by a passphrase can
 * only be used through ssh-agent: nothing ever prompts on the terminal. */
#ifndef MINIINET_REMOTE_H
#define MINIINET_REMOTE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One connected, authenticated SSH session to one server. */
struct remote;

struct remote_target {
    const char *name;        /* server name, for messages: "s1" */
    const char *address;     /* IPv4 address (or host name) */
    unsigned port;           /* 0: 22 */
    const char *user;        /* NULL: "root" */
    const char *identity;    /* private key file; NULL: ssh-agent, then
                                ~/.ssh/id_ed25519, id_ecdsa, id_rsa */
    const char *known_hosts; /* NULL: ~/.ssh/known_hosts */
};

/* Connects to the n targets in parallel (one thread each), each within
 * timeout_ms: TCP connection, host key check, public-key authentication.
 *
 * The host key must be in the target's known_hosts file (a port other than
 * 22 is written "[ADDRESS]:PORT" there, as OpenSSH does).  An unknown key is
 * refused unless accept_new, in which case it is added to that file and a
 * note is logged; a key that differs from the recorded one is always
 * refused, the message saying how to remove the old one.
 *
 * out[i] is the session to targets[i], or NULL and errors[i] a malloc()ed
 * one-line reason naming the server and its address, e.g.
 *   "s2 (198.18.0.2): cannot connect: Connection refused"
 *   "s2 (198.18.0.2): timed out after 5 s"
 *   "s2 (198.18.0.2): host key ssh-ed25519 SHA256:... is not in
 *    /x/known_hosts; verify it and add it (...), or pass
 *    --accept-new-host-keys"
 *   "s2 (198.18.0.2): host key changed: ... `ssh-keygen -R ...`"
 *   "s2 (198.18.0.2): authentication as root failed with key /x/id"
 * (errors[i] is NULL where out[i] is not).  Returns the number of
 * failures. */
size_t remote_connect_all(const struct remote_target *targets, size_t n,
                          bool accept_new, int timeout_ms, struct remote **out,
                          char **errors);

/* The target's name ("s1"). */
const char *remote_name(const struct remote *);

/* Receives one line of a command's output, without its newline.  Lines are
 * delivered whole up to REMOTE_LINE_MAX bytes; longer ones arrive in pieces
 * of that size.  A last line without a newline is delivered too. */
typedef void remote_line_fn(void *aux, bool is_stderr, const char *line);
#define REMOTE_LINE_MAX ((size_t)1024 * 1024)

/* How remote_exec() splits a stream of output into lines, on its own (for
 * tests and fuzzing).  remote_lines_take() appends `len` bytes of `data` to
 * the unfinished line in `b` (zeroed at first) and hands every line now
 * complete to `fn`, without its newline; a line reaching `max` bytes is
 * handed on in pieces of `max` bytes (remote_exec() uses REMOTE_LINE_MAX).
 * A line is a C string: a NUL byte in the output ends what `fn` sees of it.
 * remote_lines_flush() hands on the unfinished line, if any bytes are left,
 * and frees `b`. */
struct remote_lines {
    char *data; /* NUL-terminated */
    size_t len, cap;
};
void remote_lines_take(struct remote_lines *b, bool is_stderr,
                       const char *data, size_t len, size_t max,
                       remote_line_fn *fn, void *aux);
void remote_lines_flush(struct remote_lines *b, bool is_stderr,
                        remote_line_fn *fn, void *aux);

/* Runs `command` on the server, interpreted by the user's shell there (quote
 * arguments with remote_quote()), on a new channel, with its standard input
 * at end of file.  `line` (if not NULL) gets every line of its standard
 * output and error as soon as it arrives, in the order the server sent
 * them.  Returns the exit status (0..255; 128 + N if the command was killed
 * by signal N, as a shell reports it), -EINTR if remote_interrupt() stopped
 * it, or -EIO if the connection failed (logged as an error naming the
 * server). */
int remote_exec(struct remote *, const char *command, remote_line_fn *line,
                void *aux);

/* Like remote_exec(), but collects the standard output into *out, a
 * malloc()ed string (also when the status is not 0; NULL on a negative
 * return).  Standard error lines go to `err` if it is not NULL, otherwise
 * into the log as notes prefixed with the server's name. */
int remote_capture(struct remote *, const char *command, char **out,
                   remote_line_fn *err, void *aux);

/* remote_capture() keeping at most `max` bytes of standard output (0: all):
 * beyond, the command is interrupted as by remote_interrupt() (so the
 * remote stays interrupted) and -EFBIG returned, *out NULL.  Memory stays
 * bounded whatever the command prints. */
int remote_capture_bounded(struct remote *, const char *command, size_t max,
                           char **out, remote_line_fn *err, void *aux);

/* Runs `command` connected to our own standard input and output.  If
 * standard input is a terminal, the command gets a pseudo-terminal of the
 * same size (following later changes) and TERM, and our terminal is put in
 * raw mode meanwhile (always restored); otherwise standard input, output
 * and error are forwarded as they are.  Returns what remote_exec() does. */
int remote_exec_interactive(struct remote *, const char *command);

/* Stops the command running on the remote (in remote_exec() etc. on another
 * thread): sends SIGTERM to its process group, and SIGKILL 3 s later if the
 * group still has a process; the call returns once the command has ended
 * (its exit status and the end of its output, or its channel closed), or
 * abandons it if it has not 30 s after it was asked to stop (or at once if
 * the signals could not be sent).  The signal goes as an SSH signal
 * request and, as OpenSSH refuses those on root's sessions, also by kill(1)
 * from a command on a second channel (/bin/sh, the processes found in
 * /proc), which counts the 3 s on the server.  The remote stays interrupted:
 * later commands on it return -EINTR without running.  Safe to call from any
 * thread, at any time. */
void remote_interrupt(struct remote *);

/* Interrupts the command running on `r` without waiting for the server:
 * the session's connection is shut down (the command's calls return -EIO
 * at once; sshd then closes the command's channel, which is not signalled),
 * and `r` is good for remote_close() only.  For a server that does not
 * answer at all (its sshd hangs), where remote_interrupt()'s signals
 * cannot even be sent.  Safe to call from any thread, at any time before
 * remote_close(). */
void remote_abort(struct remote *);

/* Writes `len` bytes of `data` to `path` on the server over SFTP, creating
 * missing parent directories (mode 0755).  The file is written as
 * "PATH.tmp" with mode `mode` and renamed over `path`, so that a reader
 * sees either the old file or the whole new one.  Returns 0, or a negative
 * errno (logged as an error naming the server and the path). */
int remote_put(struct remote *, const char *path, const void *data, size_t len,
               unsigned mode);

/* Renames `from` to `to` on the server over SFTP, replacing `to`.  Returns
 * 0, or a negative errno (logged as an error naming the server and the
 * path). */
int remote_rename(struct remote *, const char *from, const char *to);

/* Removes the n files `paths` on the server over SFTP; files that do not
 * exist are fine.  Returns 0, or a negative errno (logged). */
int remote_remove(struct remote *, const char *const *paths, size_t n);

/* Bytes sent plus received on the session's TCP connection so far
 * (handshake and encryption included).  From the thread using the remote. */
uint64_t remote_bytes(const struct remote *);

/* Disconnects and frees (NULL is allowed). */
void remote_close(struct remote *);

/* `arg` quoted for a POSIX shell, as one word: a malloc()ed string between
 * single quotes, each ' inside written '\''. */
char *remote_quote(const char *arg);

#endif
