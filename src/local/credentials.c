/* Student groups' credentials in the persistent directory (credentials.h). */
#include "config.h"

#include "credentials.h"

#include <errno.h>
#include <fcntl.h>
#include <libssh/libssh.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "persist.h"
#include "util.h"

#define CRED_DIR "access"
#define PASSWORD_FILE "password"
#define HOST_KEY_FILE "ssh_host_ed25519_key"
#define DEVICE_KEY_FILE "device_key"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

int
cred_random_password(char *buf, size_t len)
{
    const size_t n_symbols = sizeof alphabet - 1; /* 62 */
    /* Bytes below the largest multiple of 62 map evenly; the rest are
     * drawn again. */
    const unsigned limit = 256 - 256 % n_symbols;
    size_t have = 0;

    if (len < CRED_PASSWORD_LEN + 1) {
        return -ENOSPC;
    }
    for (int round = 0; have < CRED_PASSWORD_LEN && round < 64; round++) {
        unsigned char random[64];
        ssize_t got = getrandom(random, sizeof random, 0);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        for (ssize_t i = 0; i < got && have < CRED_PASSWORD_LEN; i++) {
            if (random[i] < limit) {
                buf[have++] = alphabet[random[i] % n_symbols];
            }
        }
        explicit_bzero(random, sizeof random);
    }
    if (have < CRED_PASSWORD_LEN) {
        return -EIO; /* 64 rounds of 64 bytes, 3% rejected: never */
    }
    buf[have] = '\0';
    return 0;
}

int
cred_new_key(const char *comment, char **private_key, char **public_key)
{
    ssh_key key = NULL;
    char *priv = NULL, *pub = NULL;
    int error = -EIO;

    *private_key = *public_key = NULL;
    if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) == SSH_OK &&
        ssh_pki_export_privkey_base64(key, NULL, NULL, NULL, &priv) ==
            SSH_OK &&
        ssh_pki_export_pubkey_base64(key, &pub) == SSH_OK) {
        *private_key = xstrdup(priv);
        *public_key =
            xasprintf("%s %s %s\n", ssh_key_type_to_char(ssh_key_type(key)),
                      pub, comment);
        error = 0;
    }
    if (priv) {
        explicit_bzero(priv, strlen(priv));
        ssh_string_free_char(priv);
    }
    ssh_string_free_char(pub);
    ssh_key_free(key);
    return error;
}

static bool
exists_at(int dir, const char *name)
{
    return faccessat(dir, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* The key pair NAME, NAME.pub in `dir`, made when either is missing. */
static int
ensure_key(int dir, const char *name, const char *comment, const char *path)
{
    char *pub_name = xasprintf("%s.pub", name);
    int error = 0;

    if (!exists_at(dir, name) || !exists_at(dir, pub_name)) {
        char *priv, *pub;
        error = cred_new_key(comment, &priv, &pub);
        if (error) {
            log_error("%s/%s: libssh could not make an Ed25519 key", path,
                      name);
        } else {
            error = fs_write_file_at(dir, name, priv, strlen(priv), 0600);
            if (!error) {
                error =
                    fs_write_file_at(dir, pub_name, pub, strlen(pub), 0600);
            }
            if (error) {
                log_error("%s/%s: cannot write it: %s", path, name,
                          strerror(-error));
            }
            explicit_bzero(priv, strlen(priv));
            free(priv);
            free(pub);
        }
    }
    free(pub_name);
    return error;
}

static int
ensure_password(int dir, const char *path)
{
    char password[CRED_PASSWORD_LEN + 2];
    int error;

    if (exists_at(dir, PASSWORD_FILE)) {
        return 0;
    }
    error = cred_random_password(password, sizeof password);
    if (error) {
        log_error("%s: the kernel's random source failed: %s", path,
                  strerror(-error));
        return error;
    }
    strcat(password, "\n");
    error =
        fs_write_file_at(dir, PASSWORD_FILE, password, strlen(password), 0600);
    explicit_bzero(password, sizeof password);
    if (error) {
        log_error("%s/%s: cannot write it: %s", path, PASSWORD_FILE,
                  strerror(-error));
    }
    return error;
}

/* <persist>/<network>/access, made when `create`. */
static int
open_access_dir(const char *network, bool create)
{
    int top = persist_open(network, create);
    if (top < 0) {
        return top;
    }
    int dir = persist_open_subdir(top, CRED_DIR, create);
    close(top);
    return dir;
}

static int
ensure_group(int access, const char *network, unsigned asn)
{
    char name[32];
    snprintf(name, sizeof name, "group-%u", asn);
    char *top = persist_network_dir(network);
    char *path = xasprintf("%s/%s/%s", top, CRED_DIR, name);
    int dir = persist_open_subdir(access, name, true);
    int error = dir < 0 ? dir : 0;

    if (!error) {
        char host_comment[64], device_comment[64];
        snprintf(host_comment, sizeof host_comment, "%u_ssh", asn);
        snprintf(device_comment, sizeof device_comment, "group%u@%u_ssh", asn,
                 asn);
        error = ensure_password(dir, path);
        if (!error) {
            error = ensure_key(dir, HOST_KEY_FILE, host_comment, path);
        }
        if (!error) {
            error = ensure_key(dir, DEVICE_KEY_FILE, device_comment, path);
        }
        close(dir);
    } else {
        log_error("%s: cannot make it: %s", path, strerror(-error));
    }
    free(path);
    free(top);
    return error;
}

int
cred_ensure(const char *network, const struct access_plan *ap, unsigned server)
{
    int access = -1, error = 0;

    for (size_t i = 0; ap && i < ap->n_groups && !error; i++) {
        if (ap->groups[i].server != server) {
            continue;
        }
        if (access < 0) {
            access = open_access_dir(network, true);
            if (access < 0) {
                return access; /* persist_open() said why */
            }
            /* Two `access` at once: one makes, the other finds it made
             * (a password, once printed, is never replaced). */
            while (flock(access, LOCK_EX) < 0) {
                if (errno != EINTR) {
                    error = -errno;
                    log_error("access: cannot lock the credentials' "
                              "directory: %s",
                              strerror(errno));
                    close(access);
                    return error;
                }
            }
        }
        error = ensure_group(access, network, ap->groups[i].asn);
    }
    if (access >= 0) {
        close(access);
    }
    return error;
}

int
cred_password(const char *network, unsigned asn, char *buf, size_t len)
{
    char name[32];
    char *data = NULL;
    size_t n = 0;
    int error;

    if (len < CRED_PASSWORD_LEN + 1) {
        return -ENOSPC;
    }
    int access = open_access_dir(network, false);
    if (access < 0) {
        return access;
    }
    snprintf(name, sizeof name, "group-%u", asn);
    int dir = persist_open_subdir(access, name, false);
    close(access);
    if (dir < 0) {
        return dir;
    }
    error =
        fs_read_file_at(dir, PASSWORD_FILE, CRED_PASSWORD_LEN + 1, &data, &n);
    close(dir);
    if (!error) {
        if (n && data[n - 1] == '\n') {
            n--;
        }
        if (n != CRED_PASSWORD_LEN || strspn(data, alphabet) < n) {
            char *top = persist_network_dir(network);
            log_error("%s/%s/%s/%s: not a password miniinet wrote (%d "
                      "characters of A-Z, a-z, 0-9 on one line)",
                      top, CRED_DIR, name, PASSWORD_FILE, CRED_PASSWORD_LEN);
            free(top);
            error = -EINVAL;
        } else {
            memcpy(buf, data, n);
            buf[n] = '\0';
        }
        explicit_bzero(data, n);
    } else if (error != -ENOENT) {
        char *top = persist_network_dir(network);
        log_error("%s/%s/%s/%s: %s", top, CRED_DIR, name, PASSWORD_FILE,
                  strerror(-error));
        free(top);
    }
    free(data);
    return error;
}

int
cred_file(const char *network, unsigned asn, const char *file, char **data,
          size_t *len)
{
    char name[32];

    *data = NULL;
    *len = 0;
    int access = open_access_dir(network, false);
    if (access < 0) {
        return access;
    }
    snprintf(name, sizeof name, "group-%u", asn);
    int dir = persist_open_subdir(access, name, false);
    close(access);
    if (dir < 0) {
        return dir;
    }
    int error = fs_read_file_at(dir, file, CRED_KEY_MAX, data, len);
    close(dir);
    if (error) {
        char *top = persist_network_dir(network);
        log_error("%s/%s/%s/%s: %s", top, CRED_DIR, name, file,
                  strerror(-error));
        free(top);
    }
    return error;
}
