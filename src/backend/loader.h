/* Finding, loading and checking plugins.
 *
 * Plugins are searched in order in: the --plugin-dir directories, the
 * directories of MINIINET_PLUGIN_PATH (colon-separated), and the installed
 * plugin directory.  A plugin named NAME is the file NAME.so in the first
 * directory that has one.
 */
#ifndef MINIINET_LOADER_H
#define MINIINET_LOADER_H 1

#include <stddef.h>

#include <miniinet/plugin.h>

#include "names.h" /* plugin_kind_name() */

struct plugin_path {
    char **dirs;
    size_t n_dirs;
};

/* Builds the search path from the --plugin-dir values (may be empty), the
 * environment and the installed directory. */
void plugin_path_init(struct plugin_path *, char *const *cli_dirs,
                      size_t n_cli_dirs);
void plugin_path_destroy(struct plugin_path *);

struct loaded_plugin {
    char *path;
    void *handle;
    const struct mi_plugin *desc;
};

/* Loads `path` and checks its descriptor.  On failure reports
 * "PATH: <reason>" (not a shared object, no descriptor: not a plugin, wrong
 * ABI, truncated descriptor, bad name or kind, unresolved symbol: run
 * ldd -r PATH) and returns -EINVAL, -ENOENT or -ENOEXEC. */
int plugin_load_file(const char *path, struct loaded_plugin *);

/* Loads the plugin called `name` from the search path.  If `kind` is not 0,
 * a plugin of another kind is refused.  -ENOENT (reported, listing the
 * directories searched) when there is none. */
int plugin_load_name(const struct plugin_path *, const char *name,
                     enum mi_plugin_kind kind, struct loaded_plugin *);

void plugin_unload(struct loaded_plugin *);

/* Calls `fn` for every *.so file in the search path, in path order and then
 * in name order within a directory, skipping a name already found in an
 * earlier directory.  Files that fail to load are reported and passed with
 * desc == NULL.  Returns the number of files visited. */
typedef void plugin_visit_fn(const char *path, const struct loaded_plugin *,
                             void *aux);
size_t plugin_scan(const struct plugin_path *, plugin_visit_fn *, void *aux);

#endif
