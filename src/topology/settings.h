/* Plugin settings sections (struct mi_settings) over libconfig settings:
 * typed getters that report "FILE:LINE: plugins.NAME.KEY: ..." errors.  The
 * host services setting_* are these functions. */
#ifndef MINIINET_SETTINGS_H
#define MINIINET_SETTINGS_H 1

#include <stdbool.h>

#include <miniinet/plugin.h>

int settings_string(const struct mi_settings *, const char *key,
                    const char **value);
int settings_int(const struct mi_settings *, const char *key, long long min,
                 long long max, long long *value);
int settings_bool(const struct mi_settings *, const char *key, bool *value);
int settings_check_keys(const struct mi_settings *, const char *const *known);
void settings_error(const struct mi_settings *, const char *key,
                    const char *fmt, ...) MI_PRINTF(3, 4);

#endif
