/* Running programs from plugins: argument vectors built piece by piece,
 * programs found where Debian puts them, and the small parsers for what
 * ovs-vsctl prints.  A convenience library linked into the plugins that run
 * programs; not a plugin, and no plugin includes another. */
#ifndef MINIINET_PLUGINS_COMMON_CMD_H
#define MINIINET_PLUGINS_COMMON_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include <miniinet/plugin.h>

/* A growing, NULL-terminated argv of malloc()ed strings.  Allocation
 * failures are remembered and reported once, by cmd_run().  Zero it to
 * start. */
struct args {
    char **v;
    size_t n, cap;
    size_t bytes; /* what execve() needs for the strings and pointers */
    bool nomem;
};

/* Appends `s` and takes it over (NULL records an allocation failure). */
void args_push(struct args *a, char *s);
/* Appends a copy of `s`. */
void args_add(struct args *a, const char *s);
/* Appends a formatted string. */
void args_addf(struct args *a, const char *fmt, ...) MI_PRINTF(2, 3);
/* Drops the arguments from `n` on. */
void args_truncate(struct args *a, size_t n);
/* Frees everything and zeroes `a`. */
void args_free(struct args *a);

/* "DIR/FILE", malloc()ed, or NULL. */
char *cmd_path_join(const char *dir, const char *file);

/* The program `name` as found in PATH, else in the sbin directories that a
 * user's PATH often lacks (ovsdb-server and ovs-vswitchd live there).
 * Returns a malloc()ed path, or a copy of `name` for the host to report. */
char *cmd_find_program(const char *name);

/* Runs `a` through the host (no shell); `out`, if not NULL, gets its
 * standard output.  Returns the exit status or a negative errno; reports an
 * allocation failure while `a` was built, naming `plugin`. */
int cmd_run(const struct mi_host *host, const char *plugin,
            const struct args *a, char **out);

/* "exit status N" or the errno's text, for messages about a program that
 * failed (its standard error is in the log already). */
const char *cmd_status_text(int status, char *buf, size_t len);

/* True if `name` is one of the lines of `list`. */
bool cmd_in_lines(const char *list, const char *name);

/* The value of the CSV line "KEY,VALUE" of `list` (quotes removed) into
 * buf; false if there is no such line or its value is empty. */
bool cmd_csv_value(const char *list, const char *key, char *buf, size_t len);

#endif
