/* Finding, loading and checking plugins.
 *
 * Every refusal is reported once, as "PATH: reason (what to do)", because
 * the user's next step depends on which of many things went wrong: a file
 * that is no shared object, a plugin built against another ABI, a missing
 * library, ...  The checks read the descriptor only: no plugin function runs
 * before they all pass (ELF constructors aside, which dlopen() itself runs
 * and which plugins have no reason to have). */
#include "config.h"

#include "loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <inttypes.h>
#include <link.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "log.h"
#include "util.h"

#ifndef MI_PLUGINSDIR
#error "MI_PLUGINSDIR (the installed plugin directory) must be defined"
#endif

/* Longest plugin name: generous, yet short enough for messages and for
 * names derived from it. */
#define PLUGIN_NAME_MAX 32

/* ------------------------------------------------------------------------ */
/* Search path                                                              */
/* ------------------------------------------------------------------------ */

static void
path_add(struct plugin_path *p, size_t *cap, const char *dir, size_t len)
{
    /* "dir/" and "dir" are the same directory: keep one spelling so that
     * duplicates are found and messages look alike. */
    while (len > 1 && dir[len - 1] == '/') {
        len--;
    }
    if (len == 0) {
        return;
    }
    for (size_t i = 0; i < p->n_dirs; i++) {
        if (strlen(p->dirs[i]) == len && !memcmp(p->dirs[i], dir, len)) {
            return;
        }
    }
    p->dirs = xgrow(p->dirs, cap, p->n_dirs + 1, sizeof *p->dirs);
    char *copy = xmalloc(len + 1);
    memcpy(copy, dir, len);
    copy[len] = '\0';
    p->dirs[p->n_dirs++] = copy;
}

void
plugin_path_init(struct plugin_path *p, char *const *cli_dirs,
                 size_t n_cli_dirs)
{
    size_t cap = 0;

    p->dirs = NULL;
    p->n_dirs = 0;
    for (size_t i = 0; i < n_cli_dirs; i++) {
        path_add(p, &cap, cli_dirs[i], strlen(cli_dirs[i]));
    }

    const char *env = getenv("MINIINET_PLUGIN_PATH");
    while (env && *env) {
        const char *colon = strchrnul(env, ':');
        path_add(p, &cap, env, (size_t)(colon - env));
        env = *colon ? colon + 1 : colon;
    }

    path_add(p, &cap, MI_PLUGINSDIR, strlen(MI_PLUGINSDIR));
}

void
plugin_path_destroy(struct plugin_path *p)
{
    for (size_t i = 0; i < p->n_dirs; i++) {
        free(p->dirs[i]);
    }
    free(p->dirs);
    p->dirs = NULL;
    p->n_dirs = 0;
}

/* ------------------------------------------------------------------------ */
/* Kinds and names                                                          */
/* ------------------------------------------------------------------------ */

/* Plugin names become file names and setting section names: lower case
 * only, so that "GRE" and "gre" cannot be two plugins. */
static bool
valid_plugin_name(const char *name)
{
    size_t len = strnlen(name, PLUGIN_NAME_MAX + 1);

    return len >= 1 && len <= PLUGIN_NAME_MAX &&
           strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

/* ------------------------------------------------------------------------ */
/* Loading one file                                                         */
/* ------------------------------------------------------------------------ */

/* Root dlopen()s plugins: whoever can replace a plugin file, or the
 * directory entry naming it, runs code as root.  Both must belong to root
 * or to the user running miniinet and be writable by nobody else (a
 * sticky world-writable directory such as /tmp counts as writable: anyone
 * may add a file there).  `what` is "" for the file, "directory " for a
 * directory; `name` is what the user is told to fix. */
static int
check_owner_mode(const char *path, const char *what, const char *name,
                 const struct stat *st)
{
    uid_t euid = geteuid();

    if (st->st_uid != 0 && st->st_uid != euid) {
        log_error("%s: refused: %s%s is owned by uid %u, not by root%s (run "
                  "'chown root %s' or install the plugin elsewhere)",
                  path, what, name, (unsigned)st->st_uid,
                  euid ? " or the user running miniinet" : "", name);
        return -EPERM;
    }
    if (st->st_mode & (S_IWGRP | S_IWOTH)) {
        log_error("%s: refused: %s%s is writable by %s (mode %04o; run "
                  "'chmod go-w %s')",
                  path, what, name,
                  (st->st_mode & S_IWOTH) ? "others" : "its group",
                  (unsigned)(st->st_mode & 07777), name);
        return -EPERM;
    }
    return 0;
}

/* Checks the directory holding `file` (a path whose last component is the
 * entry), through a descriptor opened O_DIRECTORY (the directory itself
 * may be reached through symlinks). */
static int
check_dir_of(const char *path, const char *file)
{
    const char *slash = strrchr(file, '/');
    char *dir = !slash          ? xstrdup(".")
                : slash == file ? xstrdup("/")
                                : xasprintf("%.*s", (int)(slash - file), file);
    int error = 0;
    struct stat st;

    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fstat(dfd, &st) < 0) {
        log_error("%s: cannot check plugin directory %s: %s", path, dir,
                  strerror(errno));
        error = -ENOENT;
    } else {
        error = check_owner_mode(path, "directory ", dir, &st);
    }
    if (dfd >= 0) {
        close(dfd);
    }
    free(dir);
    return error;
}

/* dlopen() has to be able to read the file; say so plainly rather than
 * through dlerror()'s wording.  Then the file and its directory must be
 * safe to run as root (check_owner_mode); a symlink's target is checked
 * too, and the directory it lies in. */
static int
check_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        log_error("%s: cannot read plugin: %s", path, strerror(errno));
        return -ENOENT;
    }

    struct stat st;
    int error = fstat(fd, &st) < 0 ? errno : 0;
    close(fd);
    if (error) {
        log_error("%s: cannot read plugin: %s", path, strerror(error));
        return -ENOENT;
    }
    if (!S_ISREG(st.st_mode)) {
        log_error("%s: not a loadable plugin: not a regular file", path);
        return -ENOEXEC;
    }

    struct stat lst;
    if (lstat(path, &lst) < 0) {
        log_error("%s: cannot read plugin: %s", path, strerror(errno));
        return -ENOENT;
    }
    if ((error = check_dir_of(path, path)) != 0) {
        return error;
    }
    if (!S_ISLNK(lst.st_mode)) {
        return check_owner_mode(path, "", path, &st);
    }

    char *target = realpath(path, NULL);
    if (!target) {
        log_error("%s: cannot read plugin: %s", path, strerror(errno));
        return -ENOENT;
    }
    error = check_owner_mode(path, "", target, &st);
    if (!error) {
        error = check_dir_of(path, target);
    }
    free(target);
    return error;
}

/* Reports a dlopen() failure.  glibc words an unresolved symbol as
 * "FILE: undefined symbol: NAME"; that is a build or packaging problem the
 * user can investigate with ldd, so it gets its own message. */
static void
report_dlopen_error(const char *path, const char *dlerr)
{
    static const char undefined[] = "undefined symbol: ";
    const char *sym = strstr(dlerr, undefined);

    if (sym) {
        sym += strlen(undefined);
        int len = (int)strcspn(sym, ", \t\n");
        log_error("%s: unresolved symbol %.*s (a library or symbol it needs "
                  "is missing; run 'ldd -r %s')",
                  path, len, sym, path);
        return;
    }

    /* dlerror() usually repeats the path: drop it. */
    size_t plen = strlen(path);
    if (!strncmp(dlerr, path, plen) && !strncmp(dlerr + plen, ": ", 2)) {
        dlerr += plen + 2;
    }
    if (strstr(dlerr, "cannot open shared object file")) {
        log_error("%s: not a loadable plugin: %s (a library it needs is "
                  "missing; run 'ldd %s')",
                  path, dlerr, path);
    } else {
        log_error("%s: not a loadable plugin: %s", path, dlerr);
    }
}

/* Finds the descriptor and the size of its symbol (0 if unknown).  The
 * symbol must be defined by the file itself: dlsym() also searches the
 * file's dependencies, which could lend it another plugin's descriptor. */
static const struct mi_plugin *
find_descriptor(void *handle, size_t *sym_size)
{
    const struct mi_plugin *desc = dlsym(handle, MI_PLUGIN_SYMBOL);
    struct link_map *own = NULL, *found = NULL;
    const ElfW(Sym) *sym = NULL;
    Dl_info info;

    *sym_size = 0;
    if (!desc) {
        return NULL;
    }
    if (dlinfo(handle, RTLD_DI_LINKMAP, &own) == 0 &&
        dladdr1(desc, &info, (void **)&found, RTLD_DL_LINKMAP) &&
        found != own) {
        return NULL;
    }
    if (dladdr1(desc, &info, (void **)&sym, RTLD_DL_SYMENT) && sym) {
        *sym_size = sym->st_size;
    }
    return desc;
}

/* The descriptor as ABI 4.0 made it: what every plugin of this major has
 * (a later minor may only add members after it). */
#define DESC_SIZE_4_0                                                         \
    (offsetof(struct mi_plugin, ops) + sizeof(((struct mi_plugin *)0)->ops))

static int
report_truncated(const char *path, size_t size)
{
    log_error("%s: truncated plugin descriptor (%zu bytes, this miniinet "
              "needs %zu; rebuild the plugin against this miniinet's "
              "plugin.h)",
              path, size, (size_t)DESC_SIZE_4_0);
    return -ENOEXEC;
}

/* Checks the fixed part of the descriptor: the ABI and the size, before
 * any other member is read.  A major must match; any minor loads (the ops
 * tables' sizes say what the plugin has).  Returns 0 or -ENOEXEC after
 * reporting. */
static int
check_abi(const char *path, const struct mi_plugin *desc, size_t sym_size)
{
    const size_t header = offsetof(struct mi_plugin, size) + sizeof desc->size;

    if (sym_size && sym_size < header) {
        return report_truncated(path, sym_size);
    }
    if (desc->abi_major != MI_PLUGIN_ABI_MAJOR) {
        /* Before ABI 4 the first word was the whole ABI number. */
        log_error("%s: plugin ABI %" PRIu32 ".x, this miniinet has ABI "
                  "%d.%d and loads %d.x only (rebuild the plugin against "
                  "this miniinet's plugin.h)",
                  path, desc->abi_major, MI_PLUGIN_ABI_MAJOR,
                  MI_PLUGIN_ABI_MINOR, MI_PLUGIN_ABI_MAJOR);
        return -ENOEXEC;
    }

    size_t size = desc->size;
    if (sym_size && sym_size < size) {
        size = sym_size;
    }
    if (size < DESC_SIZE_4_0) {
        return report_truncated(path, size);
    }
    if (desc->abi_minor != MI_PLUGIN_ABI_MINOR) {
        log_debug("%s: plugin ABI %" PRIu32 ".%" PRIu32 ", this miniinet "
                  "%d.%d: %s",
                  path, desc->abi_major, desc->abi_minor, MI_PLUGIN_ABI_MAJOR,
                  MI_PLUGIN_ABI_MINOR,
                  desc->abi_minor < MI_PLUGIN_ABI_MINOR
                      ? "later operations absent"
                      : "operations this miniinet does not know ignored");
    }
    return 0;
}

/* Returns what is wrong with the descriptor's members, or NULL.  `buf`
 * holds messages that quote the descriptor. */
static const char *
descriptor_problem(const struct mi_plugin *desc, char *buf, size_t len)
{
    if (!desc->name) {
        return "no name";
    }
    if (!valid_plugin_name(desc->name)) {
        snprintf(buf, len,
                 "name \"%.*s\" is not 1 to %d characters of "
                 "a-z, 0-9, '_' and '-'",
                 PLUGIN_NAME_MAX + 1, desc->name, PLUGIN_NAME_MAX);
        return buf;
    }
    if (desc->kind < 1 || desc->kind > MI_PLUGIN_KIND_COUNT) {
        snprintf(buf, len,
                 "kind %" PRIu32 " is not one of runtime (%d), switch (%d) "
                 "or tunnel (%d)",
                 desc->kind, MI_PLUGIN_RUNTIME, MI_PLUGIN_SWITCH,
                 MI_PLUGIN_TUNNEL);
        return buf;
    }
    if (!desc->version) {
        return "no version";
    }
    if (!desc->ops.common) {
        return "no operations";
    }
    /* A table that forgot its size would otherwise be refused for
     * lacking every operation. */
    size_t least = offsetof(struct mi_common_ops, configure) +
                   sizeof desc->ops.common->configure;
    if (desc->ops.common->size < least) {
        snprintf(buf, len,
                 "its operations table gives size %zu, too small to hold "
                 "even configure: set .common = {MI_OPS_SIZE(...), ...}",
                 desc->ops.common->size);
        return buf;
    }
    char missing[192];
    size_t n = backend_missing_ops(desc, missing, sizeof missing);
    if (n) {
        snprintf(buf, len, "%s plugin without the required operation%s %s",
                 plugin_kind_name(desc->kind), n > 1 ? "s" : "", missing);
        return buf;
    }
    return NULL;
}

/* Finds and checks the descriptor of `path`, open as `handle`. */
static int
check_descriptor(const char *path, void *handle,
                 const struct mi_plugin **descp)
{
    size_t sym_size;
    const struct mi_plugin *desc = find_descriptor(handle, &sym_size);

    if (!desc) {
        log_error("%s: not a miniinet plugin (no '%s' descriptor)", path,
                  MI_PLUGIN_SYMBOL);
        return -ENOEXEC;
    }

    int error = check_abi(path, desc, sym_size);
    if (error) {
        return error;
    }

    char buf[256];
    const char *problem = descriptor_problem(desc, buf, sizeof buf);
    if (problem) {
        log_error("%s: invalid descriptor: %s", path, problem);
        return -EINVAL;
    }
    *descp = desc;
    return 0;
}

int
plugin_load_file(const char *path, struct loaded_plugin *lp)
{
    memset(lp, 0, sizeof *lp);

    int error = check_file(path);
    if (error) {
        return error;
    }

    /* A name without a slash would be looked up in the library path. */
    char *open_path =
        strchr(path, '/') ? xstrdup(path) : xasprintf("./%s", path);
    void *handle = dlopen(open_path, RTLD_NOW | RTLD_LOCAL);
    free(open_path);
    if (!handle) {
        const char *dlerr = dlerror();
        report_dlopen_error(path, dlerr ? dlerr : "unknown error");
        return -ENOEXEC;
    }

    const struct mi_plugin *desc;
    error = check_descriptor(path, handle, &desc);
    if (error) {
        dlclose(handle);
        return error;
    }

    lp->path = xstrdup(path);
    lp->handle = handle;
    lp->desc = desc;
    return 0;
}

void
plugin_unload(struct loaded_plugin *lp)
{
    if (lp->handle) {
        dlclose(lp->handle);
    }
    free(lp->path);
    memset(lp, 0, sizeof *lp);
}

/* Loads `path`, which the search path says holds plugin `name`: its
 * descriptor must agree, or `--plugins=NAME` would load something else. */
static int
load_named_file(const char *path, const char *name, struct loaded_plugin *lp)
{
    int error = plugin_load_file(path, lp);
    if (error) {
        return error;
    }
    if (strcmp(lp->desc->name, name) != 0) {
        log_error("%s: the descriptor names plugin '%s', not '%s' (rename "
                  "the file to %s.so or fix the descriptor)",
                  path, lp->desc->name, name, lp->desc->name);
        plugin_unload(lp);
        return -EINVAL;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Loading by name                                                          */
/* ------------------------------------------------------------------------ */

/* True if `path` names something, even a broken link or an unreadable
 * file: the first such entry is the plugin, and its problem is reported
 * rather than hidden by a file further down the path. */
static bool
path_exists(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0 || (errno != ENOENT && errno != ENOTDIR);
}

static void
report_not_found(const struct plugin_path *p, const char *name)
{
    size_t len = 1;
    for (size_t i = 0; i < p->n_dirs; i++) {
        len += strlen(p->dirs[i]) + 2;
    }

    char *dirs = xmalloc(len);
    dirs[0] = '\0';
    for (size_t i = 0; i < p->n_dirs; i++) {
        if (i) {
            strcat(dirs, ", ");
        }
        strcat(dirs, p->dirs[i]);
    }
    log_error("no plugin named '%s' (searched: %s); see 'miniinet plugins'",
              name, p->n_dirs ? dirs : "no directories");
    free(dirs);
}

int
plugin_load_name(const struct plugin_path *p, const char *name,
                 enum mi_plugin_kind kind, struct loaded_plugin *lp)
{
    memset(lp, 0, sizeof *lp);
    if (!valid_plugin_name(name)) {
        log_error("invalid plugin name '%s' (1 to %d characters of a-z, 0-9, "
                  "'_' and '-')",
                  name, PLUGIN_NAME_MAX);
        return -EINVAL;
    }

    for (size_t i = 0; i < p->n_dirs; i++) {
        char *path = xasprintf("%s/%s.so", p->dirs[i], name);
        if (!path_exists(path)) {
            free(path);
            continue;
        }

        int error = load_named_file(path, name, lp);
        if (!error && kind && lp->desc->kind != kind) {
            log_error("%s: plugin '%s' is a %s plugin, not a %s plugin", path,
                      name, plugin_kind_name(lp->desc->kind),
                      plugin_kind_name(kind));
            plugin_unload(lp);
            error = -EINVAL;
        }
        free(path);
        return error;
    }

    report_not_found(p, name);
    return -ENOENT;
}

/* ------------------------------------------------------------------------ */
/* Scanning                                                                 */
/* ------------------------------------------------------------------------ */

struct name_set {
    char **names;
    size_t n, cap;
};

static bool
name_set_contains(const struct name_set *set, const char *name)
{
    for (size_t i = 0; i < set->n; i++) {
        if (!strcmp(set->names[i], name)) {
            return true;
        }
    }
    return false;
}

static void
name_set_add(struct name_set *set, char *name)
{
    set->names = xgrow(set->names, &set->cap, set->n + 1, sizeof *set->names);
    set->names[set->n++] = name;
}

static void
name_set_clear(struct name_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        free(set->names[i]);
    }
    free(set->names);
    memset(set, 0, sizeof *set);
}

static int
compare_names(const void *a_, const void *b_)
{
    const char *const *a = a_;
    const char *const *b = b_;

    return strcmp(*a, *b);
}

static bool
is_plugin_file(const char *name)
{
    size_t len = strlen(name);

    return len > 3 && !strcmp(name + len - 3, ".so");
}

/* The *.so names in `dir`, sorted (readdir() order depends on the file
 * system).  A directory that does not exist is an empty one: the path
 * lists places where plugins may be, not where they must be. */
static void
list_plugin_files(const char *dir, struct name_set *files)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (errno != ENOENT && errno != ENOTDIR) {
            log_warn("%s: cannot list plugins: %s", dir, strerror(errno));
        }
        return;
    }

    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (is_plugin_file(de->d_name)) {
            name_set_add(files, xstrdup(de->d_name));
        }
    }
    closedir(d);
    if (files->n > 1) {
        qsort(files->names, files->n, sizeof *files->names, compare_names);
    }
}

static size_t
scan_dir(const char *dir, struct name_set *seen, plugin_visit_fn *fn,
         void *aux)
{
    struct name_set files = {NULL, 0, 0};
    size_t n_visited = 0;

    list_plugin_files(dir, &files);
    for (size_t i = 0; i < files.n; i++) {
        if (name_set_contains(seen, files.names[i])) {
            continue;
        }

        char *path = xasprintf("%s/%s", dir, files.names[i]);
        char *name = xstrdup(files.names[i]);
        name[strlen(name) - 3] = '\0'; /* Strip ".so". */

        /* On failure `lp` is all zeros: desc == NULL. */
        struct loaded_plugin lp;
        load_named_file(path, name, &lp);
        fn(path, &lp, aux);
        plugin_unload(&lp);
        n_visited++;

        free(name);
        free(path);
        name_set_add(seen, xstrdup(files.names[i]));
    }
    name_set_clear(&files);
    return n_visited;
}

size_t
plugin_scan(const struct plugin_path *path, plugin_visit_fn *visit,
            void *visit_aux)
{
    struct name_set seen = {NULL, 0, 0};
    size_t n_visited = 0;

    for (size_t i = 0; i < path->n_dirs; i++) {
        n_visited += scan_dir(path->dirs[i], &seen, visit, visit_aux);
    }
    name_set_clear(&seen);
    return n_visited;
}
