#include "config.h"

#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "names.h"
#include "util.h"

#define STATE_MAGIC "miniinet-state 1"

static const char *const kind_names[] = {
    [MI_NODE_ROUTER] = "router",
    [MI_NODE_HOST] = "host",
    [MI_NODE_L2HOST] = "l2host",
    [MI_NODE_ROUTESERVER] = "routeserver",
};

const char *
state_kind_name(enum mi_node_kind kind)
{
    return kind >= MI_NODE_ROUTER && kind <= MI_NODE_ROUTESERVER
               ? kind_names[kind]
               : "?";
}

static int
kind_from_name(const char *s)
{
    for (int k = MI_NODE_ROUTER; k <= MI_NODE_ROUTESERVER; k++) {
        if (!strcmp(s, kind_names[k])) {
            return k;
        }
    }
    return -1;
}

const char *
state_rundir(void)
{
    const char *dir = getenv("MINIINET_RUNDIR");

    return dir && *dir ? dir : "/run/miniinet";
}

char *
state_network_dir(const char *network)
{
    return xasprintf("%s/%s", state_rundir(), network);
}

char *
state_node_dir(const struct state *st, const char *name)
{
    return xasprintf("%s/nodes/%s", st->dir, name);
}

char *
state_switch_dir(const struct state *st)
{
    return xasprintf("%s/switch", st->dir);
}

char *
state_tunnel_dir(const struct state *st)
{
    return xasprintf("%s/tunnel", st->dir);
}

static void
push(char ***array, size_t *n, size_t *cap, const char *s)
{
    *array = xgrow(*array, cap, *n + 1, sizeof **array);
    (*array)[(*n)++] = xstrdup(s);
}

static void
push_node(struct state *st, enum mi_node_kind kind, const char *name)
{
    st->nodes =
        xgrow(st->nodes, &st->nodes_cap, st->n_nodes + 1, sizeof *st->nodes);
    st->nodes[st->n_nodes].name = xstrdup(name);
    st->nodes[st->n_nodes].kind = kind;
    st->n_nodes++;
}

static void
push_sysctl(struct state *st, const char *key, long old_value, long new_value)
{
    st->sysctls = xgrow(st->sysctls, &st->sysctls_cap, st->n_sysctls + 1,
                        sizeof *st->sysctls);
    st->sysctls[st->n_sysctls++] = (struct state_sysctl){
        .key = xstrdup(key), .old_value = old_value, .new_value = new_value};
}

/* Only the kernel settings miniinet raises may be named in a record (down
 * writes them back as root). */
static bool
valid_sysctl(const char *key)
{
    static const char prefix[] = "net.ipv4.neigh.default.gc_thresh";

    return key && !strncmp(key, prefix, sizeof prefix - 1) &&
           key[sizeof prefix - 1] >= '1' && key[sizeof prefix - 1] <= '3' &&
           !key[sizeof prefix];
}

static bool
parse_long(const char *s, long *value)
{
    char *end;

    errno = 0;
    *value = s ? strtol(s, &end, 10) : 0;
    return s && *s && !*end && !errno && *value >= 0;
}

static int
parse_line(struct state *st, char *line)
{
    char *key = strtok(line, " ");
    char *a = strtok(NULL, " ");
    char *b = strtok(NULL, " ");
    char *c = b ? strtok(NULL, " ") : NULL;
    long old_value, new_value;

    if (!key) {
        return 0;
    }
    if (!strcmp(key, "complete") && !a) {
        st->complete = true;
    } else if (!strcmp(key, "network") && a && !b) {
        free(st->network);
        st->network = xstrdup(a);
    } else if (!strcmp(key, "fingerprint") && a && !b) {
        free(st->fingerprint);
        st->fingerprint = xstrdup(a);
    } else if (!strcmp(key, "plugin") && a && b) {
        int kind = plugin_kind_from_name(a);
        if (!kind || !util_valid_name(b, 64)) {
            return -EINVAL;
        }
        free(st->plugin[kind - 1]);
        st->plugin[kind - 1] = xstrdup(b);
    } else if (!strcmp(key, "node") && a && b) {
        int kind = kind_from_name(a);
        if (kind < 0 || !util_valid_name(b, 64)) {
            return -EINVAL;
        }
        push_node(st, (enum mi_node_kind)kind, b);
    } else if (!strcmp(key, "bridge") && a && !b && util_valid_name(a, 64)) {
        push(&st->bridges, &st->n_bridges, &st->bridges_cap, a);
    } else if (!strcmp(key, "rootif") && a && !b && util_valid_name(a, 15)) {
        push(&st->rootifs, &st->n_rootifs, &st->rootifs_cap, a);
    } else if (!strcmp(key, "sysctl") && valid_sysctl(a) &&
               parse_long(b, &old_value) && parse_long(c, &new_value) &&
               !strtok(NULL, " ")) {
        push_sysctl(st, a, old_value, new_value);
    } else {
        return -EINVAL;
    }
    return 0;
}

int
state_load(const char *network, struct state *st)
{
    memset(st, 0, sizeof *st);
    st->dir = state_network_dir(network);

    char *path = xasprintf("%s/state", st->dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        int error = errno;
        free(path);
        if (error != ENOENT) {
            log_error("%s/state: %s", st->dir, strerror(error));
            return -error;
        }
        return -ENOENT;
    }

    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, error = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        lineno++;
        if (line[len - 1] == '\n') {
            line[len - 1] = '\0';
        } else {
            break; /* a torn last line of an interrupted write: ignore */
        }
        if (lineno == 1) {
            if (strcmp(line, STATE_MAGIC) != 0) {
                log_error_at(path, 1, "not a miniinet state record");
                error = -EINVAL;
                break;
            }
            continue;
        }
        if (parse_line(st, line)) {
            log_error_at(path, lineno, "damaged state record line");
            error = -EINVAL;
            break;
        }
    }
    free(line);
    fclose(f);
    free(path);
    if (!error && !st->network) {
        st->network = xstrdup(network);
    }
    return error;
}

static int
compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **
state_list_networks(void)
{
    char **names = NULL;
    size_t n = 0, cap = 0;
    DIR *dir = opendir(state_rundir());
    struct dirent *de;

    while (dir && (de = readdir(dir))) {
        if (de->d_name[0] == '.') {
            continue;
        }
        char *path = xasprintf("%s/%s/state", state_rundir(), de->d_name);
        if (!access(path, F_OK)) {
            push(&names, &n, &cap, de->d_name);
        }
        free(path);
    }
    if (dir) {
        closedir(dir);
    }
    if (n) {
        qsort(names, n, sizeof *names, compare_strings);
    }
    names = xgrow(names, &cap, n + 1, sizeof *names);
    names[n] = NULL;
    return names;
}

static int
mkdir_p(const char *path, mode_t mode)
{
    char *copy = xstrdup(path);

    for (char *p = copy + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(copy, mode) && errno != EEXIST) {
                int error = errno;
                free(copy);
                return -error;
            }
            *p = '/';
        }
    }
    int error = mkdir(copy, mode) && errno != EEXIST ? -errno : 0;
    free(copy);
    return error;
}

int
state_create(struct state *st, const char *network,
             const char *const plugins[MI_PLUGIN_KIND_COUNT],
             const char *fingerprint)
{
    memset(st, 0, sizeof *st);
    st->dir = state_network_dir(network);
    st->network = xstrdup(network);
    st->fingerprint = xstrdup(fingerprint);

    char *nodes = xasprintf("%s/nodes", st->dir);
    int error = mkdir_p(nodes, 0755);
    free(nodes);
    if (error) {
        log_error("cannot create %s/nodes: %s", st->dir, strerror(-error));
        return error;
    }

    char *path = xasprintf("%s/state", st->dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 || !(st->file = fdopen(fd, "w"))) {
        error = -errno;
        log_error("cannot create %s: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        free(path);
        return error;
    }
    free(path);
    fprintf(st->file, "%s\nnetwork %s\n", STATE_MAGIC, network);
    for (int k = 0; k < MI_PLUGIN_KIND_COUNT; k++) {
        if (plugins[k]) {
            st->plugin[k] = xstrdup(plugins[k]);
            fprintf(st->file, "plugin %s %s\n", plugin_kind_names[k],
                    plugins[k]);
        }
    }
    fprintf(st->file, "fingerprint %s\n", fingerprint);
    return state_sync(st);
}

void
state_add_node(struct state *st, enum mi_node_kind kind, const char *name)
{
    push_node(st, kind, name);
    fprintf(st->file, "node %s %s\n", state_kind_name(kind), name);
}

void
state_add_bridge(struct state *st, const char *name)
{
    push(&st->bridges, &st->n_bridges, &st->bridges_cap, name);
    fprintf(st->file, "bridge %s\n", name);
}

void
state_add_rootif(struct state *st, const char *name)
{
    push(&st->rootifs, &st->n_rootifs, &st->rootifs_cap, name);
    fprintf(st->file, "rootif %s\n", name);
}

void
state_add_sysctl(struct state *st, const char *key, long old_value,
                 long new_value)
{
    push_sysctl(st, key, old_value, new_value);
    fprintf(st->file, "sysctl %s %ld %ld\n", key, old_value, new_value);
}

int
state_sync(struct state *st)
{
    if (fflush(st->file) == EOF || fsync(fileno(st->file))) {
        int error = errno;
        log_error("%s/state: cannot write: %s", st->dir, strerror(error));
        return -error;
    }
    return 0;
}

int
state_mark_complete(struct state *st)
{
    fputs("complete\n", st->file);
    st->complete = true;
    return state_sync(st);
}

static int
remove_entry(const char *path, const struct stat *sb, int type,
             struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    if (type == FTW_DP ? rmdir(path) : unlink(path)) {
        log_warn("cannot remove %s: %s", path, strerror(errno));
    }
    return 0;
}

int
state_remove(struct state *st)
{
    if (st->file) {
        fclose(st->file);
        st->file = NULL;
    }
    /* The tree holds only what miniinet wrote there: the record, node
     * directories (configuration, pid files, logs), the switch's files. */
    if (nftw(st->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) &&
        errno != ENOENT) {
        int error = errno;
        log_error("cannot remove %s: %s", st->dir, strerror(error));
        return -error;
    }
    /* The run directory itself goes with the last network. */
    rmdir(state_rundir());
    return 0;
}

void
state_destroy(struct state *st)
{
    if (st->file) {
        fclose(st->file);
    }
    free(st->dir);
    free(st->network);
    for (int k = 0; k < MI_PLUGIN_KIND_COUNT; k++) {
        free(st->plugin[k]);
    }
    free(st->fingerprint);
    for (size_t i = 0; i < st->n_nodes; i++) {
        free(st->nodes[i].name);
    }
    free(st->nodes);
    for (size_t i = 0; i < st->n_bridges; i++) {
        free(st->bridges[i]);
    }
    free(st->bridges);
    for (size_t i = 0; i < st->n_rootifs; i++) {
        free(st->rootifs[i]);
    }
    free(st->rootifs);
    for (size_t i = 0; i < st->n_sysctls; i++) {
        free(st->sysctls[i].key);
    }
    free(st->sysctls);
    memset(st, 0, sizeof *st);
}
