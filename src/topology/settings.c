/* Plugin settings over libconfig: a `struct mi_settings *` is really the
 * `config_setting_t *` of the group `plugins.NAME` (topology.c hands it out
 * and keeps the tree alive), so messages carry the file and line of the
 * setting they are about. */
#include "config.h"

#include "settings.h"

#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

static const config_setting_t *
cs(const struct mi_settings *s)
{
    return (const config_setting_t *)s;
}

void
settings_path(const config_setting_t *s, char *buf, size_t len)
{
    const config_setting_t *parent = config_setting_parent(s);

    if (!parent || config_setting_is_root(parent)) {
        snprintf(buf, len, "%s",
                 config_setting_name(s) ? config_setting_name(s) : "");
        return;
    }
    settings_path(parent, buf, len);
    size_t used = strlen(buf);
    if (config_setting_name(s)) {
        snprintf(buf + used, len - used, ".%s", config_setting_name(s));
    } else {
        snprintf(buf + used, len - used, "[%d]", config_setting_index(s));
    }
}

/* Reports "FILE:LINE: PATH.KEY: message" at the line of `at`. */
static void
report(const config_setting_t *section, const char *key,
       const config_setting_t *at, const char *msg)
{
    char path[256];
    const char *file = config_setting_source_file(at);

    settings_path(section, path, sizeof path);
    log_error_at(file ? file : "topology", (int)config_setting_source_line(at),
                 "%s%s%s: %s", path, key ? "." : "", key ? key : "", msg);
}

void
settings_error(const struct mi_settings *settings, const char *key,
               const char *fmt, ...)
{
    const config_setting_t *s = cs(settings);
    char msg[1024];
    va_list args;

    va_start(args, fmt);
    vsnprintf(msg, sizeof msg, fmt, args);
    va_end(args);
    if (!s) {
        /* No section in the file: nothing to point at. */
        log_error("plugin settings%s%s: %s", key ? ": " : "", key ? key : "",
                  msg);
        return;
    }
    const config_setting_t *m = key ? config_setting_get_member(s, key) : NULL;
    report(s, key, m ? m : s, msg);
}

int
settings_string(const struct mi_settings *settings, const char *key,
                const char **value)
{
    const config_setting_t *m;

    if (!settings || !(m = config_setting_get_member(cs(settings), key))) {
        return -ENOENT;
    }
    if (config_setting_type(m) != CONFIG_TYPE_STRING) {
        settings_error(settings, key, "must be a string");
        return -EINVAL;
    }
    *value = config_setting_get_string(m);
    return 0;
}

int
settings_int(const struct mi_settings *settings, const char *key,
             long long min, long long max, long long *value)
{
    const config_setting_t *m;

    if (!settings || !(m = config_setting_get_member(cs(settings), key))) {
        return -ENOENT;
    }
    /* INT64 too: a value written with L, or one above 2^31-1. */
    if (config_setting_type(m) != CONFIG_TYPE_INT &&
        config_setting_type(m) != CONFIG_TYPE_INT64) {
        settings_error(settings, key, "must be an integer");
        return -EINVAL;
    }
    long long v = config_setting_get_int64(m);
    if (v < min || v > max) {
        settings_error(settings, key, "%lld is out of range (%lld..%lld)", v,
                       min, max);
        return -EINVAL;
    }
    *value = v;
    return 0;
}

int
settings_bool(const struct mi_settings *settings, const char *key, bool *value)
{
    const config_setting_t *m;

    if (!settings || !(m = config_setting_get_member(cs(settings), key))) {
        return -ENOENT;
    }
    if (config_setting_type(m) != CONFIG_TYPE_BOOL) {
        settings_error(settings, key, "must be true or false");
        return -EINVAL;
    }
    *value = config_setting_get_bool(m);
    return 0;
}

int
settings_check_keys(const struct mi_settings *settings,
                    const char *const *known)
{
    const config_setting_t *s = cs(settings);
    int error = 0;

    for (int i = 0; s && i < config_setting_length(s); i++) {
        const config_setting_t *m = config_setting_get_elem(s, i);
        const char *name = config_setting_name(m);
        bool found = false;

        for (const char *const *k = known; *k && !found; k++) {
            found = !strcmp(*k, name);
        }
        if (!found) {
            char msg[160];
            snprintf(msg, sizeof msg, "unknown setting \"%s\"", name);
            report(s, NULL, m, msg);
            error = -EINVAL;
        }
    }
    return error;
}
