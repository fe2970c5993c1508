/* Plugin settings sections (struct mi_settings) over libconfig settings:
 * typed getters that report "FILE:LINE: plugins.NAME.KEY: ..." errors.  The
 * host services setting_* are these functions. */
#ifndef MINIINET_SETTINGS_H
#define MINIINET_SETTINGS_H 1

#include <stdbool.h>

#include <libconfig.h>
#include <stddef.h>

#include <miniinet/plugin.h>

/* "plugins.gre.isolation", "ases[0].routers[1]": the names from the root
 * down to `s`, for messages. */
void settings_path(const config_setting_t *s, char *buf, size_t len);

int settings_string(const struct mi_settings *, const char *key,
                    const char **value);
int settings_int(const struct mi_settings *, const char *key, long long min,
                 long long max, long long *value);
int settings_bool(const struct mi_settings *, const char *key, bool *value);
int settings_check_keys(const struct mi_settings *, const char *const *known);
void settings_error(const struct mi_settings *, const char *key,
                    const char *fmt, ...) MI_PRINTF(3, 4);

#endif
