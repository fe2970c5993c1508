/* The docker runtime plugin's pure parts, without Docker: container names,
 * settings, the images' content label (images/build's image_version), the
 * container and exec requests it sends the Engine, the
 * demultiplexing of exec output, the node's record, and an Engine that
 * does not answer. */
#include "config.h"

#include "../plugins/common/nodefile.c" /* NOLINT(bugprone-suspicious-include) */
#include "../plugins/common/nodelimits.c" /* NOLINT(bugprone-suspicious-include) */
#include "../plugins/docker/docker.c" /* NOLINT(bugprone-suspicious-include) */

#include <check.h>
#include <sys/prctl.h>
#include <sys/un.h>

#include "host.h"
#include "testutil.h"
#include "util.h"

/* Configures with the section plugins.docker of `text` (NULL: none). */
static int
configure_with(const char *text, void **state)
{
    return testutil_configure(&docker_ops.common, host_services(), text,
                              "plugins.docker", state);
}

/* A JSON member by path "A.B.C" as JSON text ("" if absent); keys with
 * dots (labels) are looked up directly. */
static const char *
member(json_object *obj, const char *path)
{
    static char buf[256];
    char copy[256];

    snprintf(copy, sizeof copy, "%s", path);
    for (char *save, *key = strtok_r(copy, ".", &save); key;
         key = strtok_r(NULL, ".", &save)) {
        if (!json_object_object_get_ex(obj, key, &obj)) {
            return "";
        }
    }
    snprintf(buf, sizeof buf, "%s",
             json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
    return buf;
}

START_TEST(test_descriptor)
{
    ck_assert_str_eq(miniinet_plugin.name, "docker");
    ck_assert_int_eq(miniinet_plugin.kind, MI_PLUGIN_RUNTIME);
    const struct mi_runtime_ops *ops = miniinet_plugin.ops.runtime;
    ck_assert_ptr_nonnull(ops->create_node);
    ck_assert_ptr_nonnull(ops->netns_path);
    ck_assert_ptr_nonnull(ops->start_daemon);
    ck_assert_ptr_nonnull(ops->prepare_frr);
    ck_assert_ptr_nonnull(ops->describe_node);
    ck_assert_ptr_nonnull(ops->run);
    ck_assert_ptr_nonnull(ops->run_bounded);
    ck_assert_ptr_nonnull(ops->node_exists);
    ck_assert_ptr_nonnull(ops->destroy_node);
    ck_assert_ptr_nonnull(ops->stop_node);
    ck_assert_ptr_nonnull(ops->stop_frr);
    ck_assert_ptr_nonnull(ops->common.check_server);
    /* Containers are what access needs (ABI 4.3). */
    ck_assert_ptr_nonnull(ops->check_access);
    ck_assert_int_eq(ops->check_access(NULL, NULL), 0);
}
END_TEST

START_TEST(test_names)
{
    /* The original platform's container names are miniinet's node names. */
    const char *names[] = {"1_ZURIrouter", "1_ZURIhost", "3_L2_DCN_FIFA_1",
                           "80_IXP"};
    for (size_t i = 0; i < 4; i++) {
        ck_assert_str_eq(docker_container_name(names[i]), names[i]);
        ck_assert(valid_name(names[i]));
    }
    ck_assert(!valid_name(""));
    ck_assert(!valid_name("_x"));
    ck_assert(!valid_name("a/b"));
    ck_assert(!valid_name("a?b"));
    ck_assert(!valid_name("a b"));
    ck_assert(!valid_name(NULL));
}
END_TEST

START_TEST(test_settings)
{
    void *state;

    ck_assert_int_eq(configure_with(NULL, &state), 0);
    struct docker *d = state;
    ck_assert_str_eq(d->socket, "/var/run/docker.sock");
    ck_assert_str_eq(d->router_image, "miniinet/router:latest");
    ck_assert_str_eq(d->host_image, "miniinet/host:latest");
    ck_assert_str_eq(d->proxy_image, "miniinet/proxy:latest");
    ck_assert_int_eq(d->limits.kind[LIMITS_ROUTER].nano_cpus, 2000000000LL);
    ck_assert_int_eq(d->limits.kind[LIMITS_ROUTER].pids, 100);
    ck_assert_int_eq(d->limits.kind[LIMITS_ROUTESERVER].pids, 200);
    ck_assert_int_eq(d->limits.kind[LIMITS_ROUTER].memory, 1LL << 30);
    ck_assert_str_eq(d->log_max_size, "1m");
    ck_assert_int_eq(d->log_max_file, 3);
    docker_release(state);

    ck_assert_int_eq(
        configure_with("plugins = { docker = { router_image = "
                       "\"miniinterneteth/d_router\"; host_image = "
                       "\"miniinterneteth/d_host\"; proxy_image = "
                       "\"course/proxy:7\"; cpus = \"0.5\"; "
                       "pids_limit = 0; log_max_size = \"10m\"; "
                       "log_max_file = 5; }; };",
                       &state),
        0);
    d = state;
    ck_assert_str_eq(d->router_image, "miniinterneteth/d_router");
    /* Each kind its image, and the setting that chose it. */
    const char *setting;
    ck_assert_str_eq(node_image(d, MI_NODE_PROXY, &setting), "course/proxy:7");
    ck_assert_str_eq(setting, "proxy_image");
    ck_assert_str_eq(node_image(d, MI_NODE_ROUTESERVER, &setting),
                     "miniinterneteth/d_router");
    ck_assert_str_eq(setting, "router_image");
    ck_assert_str_eq(node_image(d, MI_NODE_L2HOST, &setting),
                     "miniinterneteth/d_host");
    ck_assert_str_eq(setting, "host_image");
    ck_assert_int_eq(d->limits.kind[LIMITS_HOST].nano_cpus, 500000000LL);
    ck_assert_int_eq(d->limits.kind[LIMITS_ROUTESERVER].pids, 0);
    docker_release(state);

    ck_assert_int_eq(
        configure_with("plugins = { docker = { proxy_image = \"\"; }; };",
                       &state),
        -EINVAL);
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "proxy_image"));
    ck_assert_int_eq(
        configure_with("plugins = { docker = { images = \"x\"; }; };", &state),
        -EINVAL);
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "images"));
    ck_assert_int_eq(
        configure_with("plugins = { docker = { cpus = \"two\"; }; };", &state),
        -EINVAL);
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "number of CPUs"));
    ck_assert_int_eq(
        configure_with("plugins = { docker = { log_max_size = \"1q\"; }; };",
                       &state),
        -EINVAL);
    ck_assert_int_eq(
        configure_with(
            "plugins = { docker = { socket = \"docker.sock\"; }; };", &state),
        -EINVAL);
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "absolute path"));
    ck_assert_int_eq(
        configure_with("plugins = { docker = { log_max_file = 0; }; };",
                       &state),
        -EINVAL);

    ck_assert(valid_size("500k") && valid_size("1m") && valid_size("100"));
    ck_assert(!valid_size("m") && !valid_size("0") && !valid_size("1mb"));
}
END_TEST

/* nodelimits.c, the runtimes' shared limit settings. */
START_TEST(test_limits)
{
    void *state;

    ck_assert_int_eq(limits_parse_cpus("0"), 0);
    ck_assert_int_eq(limits_parse_cpus("1.25"), 1250000000LL);
    ck_assert_int_eq(limits_parse_cpus("-1"), -1);
    ck_assert_int_eq(limits_parse_cpus("2x"), -1);
    ck_assert_int_eq(limits_parse_cpus(""), -1);
    ck_assert_int_eq(limits_parse_cpus("1025"), -1);
    ck_assert_int_eq(limits_parse_cpus(" 2"), -1);
    ck_assert_int_eq(limits_parse_cpus("0x10"), -1);
    ck_assert_int_eq(limits_parse_cpus("inf"), -1);
    ck_assert_int_eq(limits_parse_cpus("1e3"), -1);
    ck_assert_int_eq(limits_parse_memory("0"), 0);
    ck_assert_int_eq(limits_parse_memory("512M"), 512LL << 20);
    ck_assert_int_eq(limits_parse_memory("2g"), 2LL << 30);
    ck_assert_int_eq(limits_parse_memory("1048576"), 1LL << 20);
    ck_assert_int_eq(limits_parse_memory("4T"), 4LL << 40);
    ck_assert_int_eq(limits_parse_memory("1MB"), -1);
    ck_assert_int_eq(limits_parse_memory("M"), -1);
    ck_assert_int_eq(limits_parse_memory("-1"), -1);
    ck_assert_int_eq(limits_parse_memory(" 1"), -1);
    ck_assert_int_eq(limits_parse_memory("99999999999999999999"), -1);
    ck_assert_int_eq(limits_parse_memory("5000000T"), -1);

    /* Every bad value is reported, naming its key. */
    ck_assert_int_eq(
        configure_with("plugins = { docker = { memory = \"100\"; "
                       "host_cpus = \"lots\"; router_pids_limit = -1; }; };",
                       &state),
        -EINVAL);
    const char *out = testutil_captured();
    ck_assert_ptr_nonnull(strstr(out, "plugins.docker.memory"));
    ck_assert_ptr_nonnull(strstr(out, "at least 16M"));
    ck_assert_ptr_nonnull(strstr(out, "plugins.docker.host_cpus"));
    ck_assert_ptr_nonnull(strstr(out, "router_pids_limit"));
    ck_assert_int_eq(
        configure_with("plugins = { docker = { memory = 512; }; };", &state),
        -EINVAL);
}
END_TEST

/* Whatever the kind: CapDrop ALL, no capability outside the table (never
 * ALL, never one of those that open the host), no-new-privileges; the
 * kinds with SYS_ADMIN (FRR's) have the seccomp profile that closes what
 * it opens, the others Docker's default profile. */
START_TEST(test_confinement)
{
    static const char *const never[] = {"ALL",
                                        "SYS_MODULE",
                                        "SYS_RAWIO",
                                        "SYS_PTRACE",
                                        "DAC_READ_SEARCH",
                                        "SYS_BOOT",
                                        "SYS_TIME",
                                        "MKNOD",
                                        "SYS_RESOURCE",
                                        "MAC_ADMIN",
                                        "MAC_OVERRIDE",
                                        "SYSLOG",
                                        "BPF",
                                        "PERFMON",
                                        "SETFCAP",
                                        "LINUX_IMMUTABLE",
                                        "NET_BROADCAST",
                                        "IPC_LOCK",
                                        "SYS_NICE",
                                        "FOWNER",
                                        "FSETID",
                                        NULL};
    void *state;

    ck_assert_int_eq(configure_with(NULL, &state), 0);
    for (int k = MI_NODE_ROUTER; k <= MI_NODE_PROXY; k++) {
        const struct mi_node node = {.name = "n",
                                     .kind = (enum mi_node_kind)k};
        json_object *req = create_request(state, "small", &node, "/r", "/r/f");
        json_object *hc = json_object_object_get(req, "HostConfig");
        json_object *add = json_object_object_get(hc, "CapAdd");
        json_object *sec = json_object_object_get(hc, "SecurityOpt");

        ck_assert_str_eq(member(req, "HostConfig.CapDrop"), "[\"ALL\"]");
        ck_assert(json_object_is_type(add, json_type_array));
        ck_assert_int_gt(json_object_array_length(add), 0);
        for (size_t i = 0; i < json_object_array_length(add); i++) {
            const char *cap =
                json_object_get_string(json_object_array_get_idx(add, i));
            for (size_t j = 0; never[j]; j++) {
                ck_assert_msg(strcmp(cap, never[j]) != 0, "kind %d gets %s", k,
                              cap);
            }
            ck_assert(kind_has(node.kind, cap));
        }
        bool sys_admin =
            strstr(member(req, "HostConfig.CapAdd"), "\"SYS_ADMIN\"") != NULL;
        ck_assert_int_eq(sys_admin,
                         k == MI_NODE_ROUTER || k == MI_NODE_ROUTESERVER);
        /* SETPCAP with SYS_ADMIN only: sshd's bounding set drops both. */
        ck_assert_int_eq(
            strstr(member(req, "HostConfig.CapAdd"), "\"SETPCAP\"") != NULL,
            sys_admin);
        ck_assert(json_object_is_type(sec, json_type_array));
        ck_assert_str_eq(
            json_object_get_string(json_object_array_get_idx(sec, 0)),
            "no-new-privileges");
        ck_assert_int_eq(json_object_array_length(sec), sys_admin ? 2 : 1);
        if (sys_admin) {
            const char *opt =
                json_object_get_string(json_object_array_get_idx(sec, 1));
            ck_assert_int_eq(strncmp(opt, "seccomp=", 8), 0);
            json_object *p = json_tokener_parse(opt + 8);
            ck_assert_ptr_nonnull(p);
            /* An allowlist: anything not named (a call a newer kernel
             * adds, open_tree_attr) is refused. */
            ck_assert_str_eq(member(p, "defaultAction"), "\"SCMP_ACT_ERRNO\"");
            ck_assert_str_eq(member(p, "defaultErrnoRet"), "1");
            json_object *rules = json_object_object_get(p, "syscalls");
            static const char *const refused[] = {"mount",
                                                  "umount",
                                                  "umount2",
                                                  "pivot_root",
                                                  "move_mount",
                                                  "open_tree",
                                                  "open_tree_attr",
                                                  "fsopen",
                                                  "fsconfig",
                                                  "fsmount",
                                                  "fspick",
                                                  "mount_setattr",
                                                  "setns",
                                                  "unshare",
                                                  "bpf",
                                                  "perf_event_open",
                                                  "keyctl",
                                                  "add_key",
                                                  "request_key",
                                                  "open_by_handle_at",
                                                  "name_to_handle_at",
                                                  "kexec_load",
                                                  "kexec_file_load",
                                                  "init_module",
                                                  "finit_module",
                                                  "delete_module",
                                                  "io_uring_setup",
                                                  "io_uring_enter",
                                                  "io_uring_register",
                                                  "userfaultfd",
                                                  "ptrace",
                                                  "process_vm_readv",
                                                  "process_vm_writev",
                                                  "modify_ldt",
                                                  "listmount",
                                                  "statmount",
                                                  "syslog",
                                                  "swapon",
                                                  "reboot",
                                                  "kcmp",
                                                  "pidfd_getfd",
                                                  "lookup_dcookie",
                                                  "quotactl",
                                                  "fanotify_init",
                                                  "settimeofday",
                                                  "miniinet_new_call",
                                                  NULL};
            static const char *const allowed[] = {
                "read",  "write",   "execve", "openat", "setuid", "chroot",
                "ioctl", "sendmsg", "capset", "prctl",  "wait4",  NULL};
            size_t clone_rules = 0;
            for (size_t r = 0; r < json_object_array_length(rules); r++) {
                json_object *rule = json_object_array_get_idx(rules, r);
                json_object *names = json_object_object_get(rule, "names");
                bool allow =
                    strcmp(member(rule, "action"), "\"SCMP_ACT_ALLOW\"") == 0;
                bool args = json_object_object_get(rule, "args") != NULL;
                for (size_t n = 0; n < json_object_array_length(names); n++) {
                    const char *name = json_object_get_string(
                        json_object_array_get_idx(names, n));
                    for (size_t j = 0; allow && refused[j]; j++) {
                        ck_assert_msg(strcmp(name, refused[j]) != 0,
                                      "%s allowed", name);
                    }
                    if (strcmp(name, "clone") == 0) {
                        /* Only without a namespace flag. */
                        ck_assert(allow && args);
                        ck_assert_str_eq(member(rule, "args"),
                                         "[{\"index\":0,\"value\":"
                                         "2114060288,\"valueTwo\":0,"
                                         "\"op\":\"SCMP_CMP_MASKED_EQ\"}]");
                        clone_rules++;
                    }
                    if (strcmp(name, "clone3") == 0) {
                        ck_assert(!allow);
                        ck_assert_str_eq(member(rule, "errnoRet"), "38");
                    }
                    if (strcmp(name, "personality") == 0 ||
                        strcmp(name, "socket") == 0) {
                        ck_assert(allow && args);
                    }
                }
            }
            ck_assert_uint_eq(clone_rules, 1);
            json_object *first = json_object_array_get_idx(rules, 0);
            const char *names = json_object_to_json_string_ext(
                json_object_object_get(first, "names"),
                JSON_C_TO_STRING_PLAIN);
            ck_assert_ptr_null(json_object_object_get(first, "args"));
            for (size_t j = 0; allowed[j]; j++) {
                char quoted[64];
                snprintf(quoted, sizeof quoted, "\"%s\"", allowed[j]);
                ck_assert_msg(strstr(names, quoted), "%s refused", allowed[j]);
            }
            json_object_put(p);
        }
        json_object_put(req);
    }
    docker_release(state);
}
END_TEST

/* miniinet exec's program gets a fresh environment: nothing of the
 * TA's but a plain TERM (review R34, N6). */
START_TEST(test_exec_env)
{
    char term[sizeof "TERM=" + EXEC_TERM_MAX];
    const char *env[EXEC_ENV_MAX];

    exec_env(term, "xterm-256color", env);
    ck_assert_str_eq(env[0], "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                             "/usr/bin:/sbin:/bin");
    ck_assert_str_eq(env[1], "TERM=xterm-256color");
    ck_assert_str_eq(env[2], "HOME=/root");
    ck_assert_str_eq(env[3], "LANG=C.UTF-8");
    ck_assert_ptr_null(env[4]);

    char longest[EXEC_TERM_MAX + 2];
    memset(longest, 'x', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    const char *bad[] = {NULL,     "",      "a b",  "xterm\nLD_PRELOAD=/x",
                         "vt100;", longest, "$(id)"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        exec_env(term, bad[i], env);
        ck_assert_str_eq(env[1], "HOME=/root");
        ck_assert_str_eq(env[2], "LANG=C.UTF-8");
        ck_assert_ptr_null(env[3]);
    }
    longest[EXEC_TERM_MAX] = '\0';
    exec_env(term, longest, env);
    ck_assert_int_eq(strncmp(env[1], "TERM=xxx", 8), 0);
    ck_assert_uint_eq(strlen(env[1]), 5 + EXEC_TERM_MAX);

    /* Whatever the caller's environment holds, the program gets env
     * alone: as run_interactive's child sets it, in a child here. */
    setenv("MINIINET_TEST_SECRET", "ta-secret", 1);
    pid_t pid = fork();
    ck_assert_int_ne(pid, -1);
    if (pid == 0) {
        exec_env(term, "dumb", env);
        environ = (char **)env;
        execvp("sh", (char *const[]){
                         "sh", "-c",
                         "[ -z \"${MINIINET_TEST_SECRET+set}\" ] && "
                         "[ \"$HOME\" = /root ] && [ \"$TERM\" = dumb ] && "
                         "[ \"$(env | wc -l)\" -le 6 ]",
                         NULL});
        _exit(127);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    unsetenv("MINIINET_TEST_SECRET");
}
END_TEST

/* miniinet exec's program joins its container's cgroups: every line of
 * /proc/PID/cgroup, v1 and v2 ("0::"), a path that could leave the
 * hierarchy refused; each hierarchy's mount found in /proc/self/mountinfo
 * (review R34, N4). */
START_TEST(test_exec_cgroup_parse)
{
    struct exec_cg *cg = calloc(1, sizeof *cg);

    ck_assert_ptr_nonnull(cg);
    /* v1 as this machine has it (cpu and cpuacct apart). */
    ck_assert_int_eq(exec_cg_parse("9:name=systemd:/docker/abc\n"
                                   "8:pids:/docker/abc\n"
                                   "4:memory:/docker/abc\n2:cpuacct:/x\n"
                                   "1:cpu:/docker/abc\n0::/\n",
                                   cg),
                     0);
    ck_assert_uint_eq(cg->n, 6);
    ck_assert_str_eq(cg->h[0].ctrl, "name=systemd");
    ck_assert_str_eq(cg->h[1].ctrl, "pids");
    ck_assert_str_eq(cg->h[1].path, "/docker/abc");
    ck_assert_str_eq(cg->h[3].path, "/x");
    ck_assert_str_eq(cg->h[5].ctrl, "");
    ck_assert_str_eq(cg->h[5].path, "/");
    ck_assert_int_eq(
        exec_cg_parse("3:cpu,cpuacct:/system.slice/docker-1.scope", cg), 0);
    ck_assert_uint_eq(cg->n, 1);
    ck_assert_str_eq(cg->h[0].ctrl, "cpu,cpuacct");
    ck_assert_str_eq(cg->h[0].path, "/system.slice/docker-1.scope");
    /* v2 only. */
    ck_assert_int_eq(exec_cg_parse("0::/system.slice/docker-ab.scope\n", cg),
                     0);
    ck_assert_uint_eq(cg->n, 1);
    ck_assert_str_eq(cg->h[0].ctrl, "");
    ck_assert_str_eq(cg->h[0].path, "/system.slice/docker-ab.scope");
    ck_assert_int_eq(exec_cg_parse("", cg), 0);
    ck_assert_uint_eq(cg->n, 0);
    /* Hostile or broken. */
    const char *bad[] = {
        "0::/..\n",
        "0::/../../x\n",
        "4:memory:/docker/../../etc\n",
        "8:pids:/a/./b\n",
        "8:pids:/a//b\n",
        "8:pids:relative\n",
        "8:pids:\n",
        "0::/a/..\n",
        "0::/a\tb\n",
        "4:memory:/a\n5:memory:/b\n",
        "0::/a\n0::/b\n",
        "garbage\n",
        "4:memory\n",
        ":memory:/a\n",
        "4::/a\n",
        "4:a b:/a\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ck_assert_msg(exec_cg_parse(bad[i], cg) == -EINVAL, "accepted %s",
                      bad[i]);
    }
    char many[EXEC_CG_MAX * 32 + 32] = "";
    for (int i = 0; i <= EXEC_CG_MAX; i++) {
        char line[32];
        snprintf(line, sizeof line, "%d:c%d:/\n", i + 1, i);
        strcat(many, line);
    }
    ck_assert_int_eq(exec_cg_parse(many, cg), -EINVAL);
    ck_assert(exec_cg_path_ok("/", 1));
    ck_assert(exec_cg_path_ok("/a..b/..c/c..", 13));
    ck_assert(!exec_cg_path_ok("/a/b/", 5));
    char longest[PATH_MAX + 1];
    memset(longest, 'a', sizeof longest);
    longest[0] = '/';
    ck_assert(!exec_cg_path_ok(longest, PATH_MAX));
    ck_assert(exec_cg_path_ok(longest, PATH_MAX - 1));
    ck_assert(exec_cg_required("cpu,cpuacct"));
    ck_assert(exec_cg_required("pids"));
    ck_assert(exec_cg_required("memory"));
    ck_assert(!exec_cg_required("cpuacct"));
    ck_assert(!exec_cg_required("name=systemd"));
    ck_assert(!exec_cg_required(""));

    /* The mounts. */
    const char *mi =
        "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
        "32 30 0:29 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct\n"
        "50 30 0:31 /docker /sys/fs/cgroup/memory rw - cgroup cgroup "
        "rw,memory\n"
        "34 30 0:31 / /sys/fs/cgroup/memory rw shared:5 - cgroup cgroup "
        "rw,memory\n"
        "38 30 0:35 / /tmp/pids rw - cgroup cgroup rw,pids\n"
        "51 30 0:35 / /sys/fs/cgroupx rw - cgroup cgroup rw,pids\n"
        "52 30 0:35 / /sys/fs/cgroup/p\\040x rw - cgroup cgroup rw,pids\n"
        "39 30 0:36 / /sys/fs/cgroup/systemd rw - cgroup cgroup "
        "rw,xattr,name=systemd\n"
        "53 30 0:37 / /sys/fs/cgroup/cc rw - cgroup cgroup rw,cpu,cpuacct\n"
        "40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";
    char mnt[PATH_MAX];
    ck_assert_int_eq(exec_cg_mount(mi, "cpu", mnt, sizeof mnt), 0);
    ck_assert_str_eq(mnt, "/sys/fs/cgroup/cpu");
    ck_assert_int_eq(exec_cg_mount(mi, "memory", mnt, sizeof mnt), 0);
    ck_assert_str_eq(mnt,
                     "/sys/fs/cgroup/memory"); /* not the one of /docker */
    ck_assert_int_eq(exec_cg_mount(mi, "name=systemd", mnt, sizeof mnt), 0);
    ck_assert_str_eq(mnt, "/sys/fs/cgroup/systemd");
    ck_assert_int_eq(exec_cg_mount(mi, "cpuacct,cpu", mnt, sizeof mnt), 0);
    ck_assert_str_eq(mnt, "/sys/fs/cgroup/cc");
    ck_assert_int_eq(exec_cg_mount(mi, "", mnt, sizeof mnt), 0);
    ck_assert_str_eq(mnt, "/sys/fs/cgroup/unified");
    /* Outside /sys/fs/cgroup, or escaped: not taken. */
    ck_assert_int_eq(exec_cg_mount(mi, "pids", mnt, sizeof mnt), -ENOENT);
    ck_assert_int_eq(exec_cg_mount(mi, "blkio", mnt, sizeof mnt), -ENOENT);
    ck_assert_int_eq(exec_cg_mount("", "cpu", mnt, sizeof mnt), -ENOENT);
    ck_assert_int_eq(exec_cg_mount("garbage\n", "", mnt, sizeof mnt), -ENOENT);
    ck_assert_int_eq(
        exec_cg_mount("1 0 0:1 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw", "",
                      mnt, sizeof mnt),
        0);
    ck_assert_str_eq(mnt, "/sys/fs/cgroup");
    free(cg);
}
END_TEST

/* A paused container's group (v1 freezer, v2 cgroup.freeze) is not
 * joined: the program would stop there, beyond SIGKILL's reach. */
static void
put(int dfd, const char *file, const char *text)
{
    int fd = openat(dfd, file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

START_TEST(test_exec_cgroup_frozen)
{
    char dir[] = "/tmp/check_docker_frozen.XXXXXX";

    ck_assert_ptr_nonnull(mkdtemp(dir));
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(dfd, 0);
    ck_assert(!exec_cg_frozen(dfd)); /* neither file: not a freezer */
    put(dfd, "cgroup.freeze", "0\n");
    ck_assert(!exec_cg_frozen(dfd));
    put(dfd, "cgroup.freeze", "1\n");
    ck_assert(exec_cg_frozen(dfd));
    put(dfd, "freezer.state", "THAWED\n");
    ck_assert(!exec_cg_frozen(dfd));
    put(dfd, "freezer.state", "FROZEN\n");
    ck_assert(exec_cg_frozen(dfd));
    put(dfd, "freezer.state", "FREEZING\n");
    ck_assert(exec_cg_frozen(dfd));
    unlinkat(dfd, "freezer.state", 0);
    unlinkat(dfd, "cgroup.freeze", 0);
    close(dfd);
    ck_assert_int_eq(rmdir(dir), 0);
    /* Not a cgroup file system: refused before anything is opened. */
    ck_assert_int_eq(exec_cg_open_procs("/tmp", "/"), -ENOTDIR);
}
END_TEST

/* The byte proxy of miniinet exec (review R34, N3): one channel between
 * two pipes; its end of file, its reader gone, closing the program's
 * stdin when done. */
START_TEST(test_exec_chan)
{
    int a[2], b[2];
    struct exec_chan *c = calloc(1, sizeof *c);
    short from, to;
    char got[16];
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);

    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(pipe(a), 0);
    ck_assert_int_eq(pipe(b), 0);
    *c = (struct exec_chan){.from = a[0], .to = b[1], .close_to = true};
    exec_chan_events(c, &from, &to);
    ck_assert_int_eq(from, POLLIN);
    ck_assert_int_eq(to, 0);
    ck_assert_int_eq(write(a[1], "hello", 5), 5);
    exec_chan_step(c, true, false);
    ck_assert_uint_eq(c->len, 5);
    exec_chan_events(c, &from, &to);
    ck_assert_int_eq(from, 0); /* nothing read while the buffer is full */
    ck_assert_int_eq(to, POLLOUT);
    exec_chan_step(c, false, true);
    ck_assert_int_eq(read(b[0], got, sizeof got), 5);
    ck_assert_int_eq(memcmp(got, "hello", 5), 0);
    ck_assert(!exec_chan_done(c));
    /* End of file: done, and the program's stdin closed. */
    close(a[1]);
    exec_chan_step(c, true, false);
    ck_assert(exec_chan_done(c));
    ck_assert_int_eq(c->to, -1);
    ck_assert_int_eq(read(b[0], got, sizeof got), 0);
    close(a[0]);
    close(b[0]);

    /* The reader gone: done, nothing more read. */
    ck_assert_int_eq(pipe(a), 0);
    ck_assert_int_eq(pipe(b), 0);
    *c = (struct exec_chan){.from = a[0], .to = b[1]};
    close(b[0]);
    ck_assert_int_eq(write(a[1], "x", 1), 1);
    exec_chan_step(c, true, true);
    ck_assert(exec_chan_done(c));
    ck_assert_int_eq(c->to, -1);
    exec_chan_events(c, &from, &to);
    ck_assert_int_eq(from | to, 0);
    close(b[1]); /* not close_to: still the caller's */
    close(a[0]);
    close(a[1]);
    signal(SIGPIPE, old);
    free(c);
}
END_TEST

/* The program's descriptors: a pty of its own (its slave a terminal
 * answering its master), or three pipes; miniinet's ends non-blocking,
 * none of them 0-2. */
START_TEST(test_exec_io)
{
    int io[3], ours[4], master;
    char got[16];

    ck_assert_int_eq(exec_io_open(true, io, ours, &master), 0);
    ck_assert_int_ge(master, 3);
    ck_assert_int_eq(ours[0], master);
    ck_assert_int_ge(io[0], 3);
    ck_assert(io[1] == io[0] && io[2] == io[0]);
    ck_assert(isatty(io[0]));
    ck_assert(fcntl(master, F_GETFL) & O_NONBLOCK);
    ck_assert(fcntl(master, F_GETFD) & FD_CLOEXEC);
    ck_assert_int_eq(write(io[0], "out", 3), 3);
    struct pollfd p = {.fd = master, .events = POLLIN};
    ck_assert_int_eq(poll(&p, 1, 1000), 1);
    ck_assert_int_ge(read(master, got, sizeof got), 3);
    ck_assert_int_eq(memcmp(got, "out", 3), 0);
    exec_io_close(io, ours);
    ck_assert_int_eq(io[0], -1);
    ck_assert_int_eq(ours[0], -1);

    ck_assert_int_eq(exec_io_open(false, io, ours, &master), 0);
    ck_assert_int_eq(master, -1);
    ck_assert_int_eq(ours[0], -1);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_ge(io[i], 3);
        ck_assert_int_ge(ours[i + 1], 3);
        ck_assert(fcntl(ours[i + 1], F_GETFL) & O_NONBLOCK);
        ck_assert(!(fcntl(io[i], F_GETFL) & O_NONBLOCK));
    }
    ck_assert_int_eq(write(ours[1], "in", 2), 2);
    ck_assert_int_eq(read(io[0], got, sizeof got), 2);
    ck_assert_int_eq(write(io[2], "err", 3), 3);
    ck_assert_int_eq(read(ours[3], got, sizeof got), 3);
    exec_io_close(io, ours);
}
END_TEST

/* The proxy's loop against a stand-in for the exec (a child writing to
 * its stdout pipe): the output copied to miniinet's stdout and the exit
 * status returned; a child that closes its outputs and stays is killed
 * (the pty's or pipes' hang-up, EXEC_HANGUP_MS). */
static int
proxy_child(const char *say, int code, int *status, char *out, size_t len)
{
    int io[3], ours[4], master, sink[2];

    ck_assert_int_eq(exec_io_open(false, io, ours, &master), 0);
    ck_assert_int_eq(pipe(sink), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(io[0], 0);
        dup2(io[1], 1);
        dup2(io[2], 2);
        close_range(3, ~0U, 0);
        if (say) {
            ssize_t n = write(1, say, strlen(say));
            _exit(n < 0 ? 1 : code);
        }
        close(1);
        close(2);
        sleep(30);
        _exit(0);
    }
    int none[4] = {-1, -1, -1, -1};
    exec_io_close(io, none);
    int saved_out = dup(STDOUT_FILENO);
    int saved_in = dup(STDIN_FILENO);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(sink[1], STDOUT_FILENO);
    dup2(devnull, STDIN_FILENO);
    close(sink[1]);
    close(devnull);
    struct exec_chan ch[3] = {
        {.from = STDIN_FILENO, .to = ours[1], .close_to = true},
        {.from = ours[2], .to = STDOUT_FILENO},
        {.from = ours[3], .to = STDERR_FILENO},
    };
    long long t0 = now_ms();
    int stop = exec_proxy(pid, ch, 3, -1, status);
    long long took = now_ms() - t0;
    dup2(saved_out, STDOUT_FILENO);
    dup2(saved_in, STDIN_FILENO);
    close(saved_out);
    close(saved_in);
    ours[1] = -1; /* closed by its channel */
    int none2[3] = {-1, -1, -1};
    exec_io_close(none2, ours);
    ssize_t n = read(sink[0], out, len - 1);
    out[n > 0 ? n : 0] = '\0';
    close(sink[0]);
    ck_assert_int_eq(stop, 0);
    return (int)took;
}

START_TEST(test_exec_proxy)
{
    int status;
    char out[64];

    proxy_child("through the proxy\n", 3, &status, out, sizeof out);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 3);
    ck_assert_str_eq(out, "through the proxy\n");

    int took = proxy_child(NULL, 0, &status, out, sizeof out);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    ck_assert_int_ge(took, EXEC_HANGUP_MS);
    ck_assert_int_lt(took, EXEC_HANGUP_MS + 5000);
    ck_assert_str_eq(out, "");
}
END_TEST

/* miniinet exec's program: the container init's bounding set less
 * SYS_ADMIN and SETPCAP; confined in a child (as root: that set, no
 * ambient, no-new-privileges, the filter; not root: it refuses). */
START_TEST(test_exec_confine)
{
    uint64_t keep = 0;

    ck_assert_int_eq(exec_keep_caps("Name:\tinit\nCapPrm:\t0000000000000001\n"
                                    "CapBnd:\t00000000a82425fb\nCapAmb:\t0\n",
                                    &keep),
                     0);
    ck_assert_uint_eq(keep, 0xa80425fbULL & ~(1ULL << 8));
    ck_assert_uint_eq(keep & (1ULL << 21), 0);
    ck_assert_int_eq(exec_keep_caps("Name:\tx\nCapEff:\t1\n", &keep), -EINVAL);
    ck_assert_int_eq(exec_keep_caps("x\nCapBnd:\tzz\n", &keep), -EINVAL);

    const uint64_t want = (1ULL << CAP_NET_ADMIN) | (1ULL << CAP_KILL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (geteuid() != 0) {
            _exit(exec_confine(want) < 0 ? 0 : 1);
        }
        if (exec_confine(want) < 0) {
            _exit(2);
        }
        char buf[8192];
        int fd = open("/proc/self/status", O_RDONLY);
        ssize_t got = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
        buf[got > 0 ? got : 0] = '\0';
        char line[64];
        snprintf(line, sizeof line, "\nCapBnd:\t%016llx\n",
                 (unsigned long long)want);
        if (!strstr(buf, line)) {
            _exit(3);
        }
        snprintf(line, sizeof line, "\nCapEff:\t%016llx\n",
                 (unsigned long long)want);
        if (!strstr(buf, line) || !strstr(buf, "\nNoNewPrivs:\t1\n") ||
            !strstr(buf, "\nSeccomp:\t2\n")) {
            _exit(4);
        }
        errno = 0;
        if (syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -4, 0) != -1 ||
            errno != EPERM) {
            _exit(5);
        }
        if (unshare(0) != -1 || errno != EPERM) {
            _exit(6);
        }
        if (syscall(SYS_clone3, NULL, 0) != -1 || errno != ENOSYS) {
            _exit(7);
        }
        /* valgrind answers ENOSYS itself for a call it does not know */
        if (syscall(467, -100, "/", 1, NULL, 0) != -1 ||
            (errno != EPERM && errno != ENOSYS)) {
            _exit(8);
        }
        char c = 'x';
        int null = open("/dev/null", O_RDONLY);
        if (ioctl(null, TIOCSTI, &c) != -1 || errno != EPERM) {
            _exit(9);
        }
        if (getpid() <= 0) { /* an ordinary call still works */
            _exit(10);
        }
        _exit(0);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

START_TEST(test_create_request)
{
    void *state;

    ck_assert_int_eq(configure_with(NULL, &state), 0);
    const struct mi_node router = {.name = "1_ZURIrouter",
                                   .kind = MI_NODE_ROUTER};
    json_object *req = create_request(state, "small", &router, "/r/small/n",
                                      "/r/small/n/frr");
    ck_assert_str_eq(member(req, "Image"), "\"miniinet\\/router:latest\"");
    json_object *labels;
    ck_assert(json_object_object_get_ex(req, "Labels", &labels));
    json_object *v;
    ck_assert(json_object_object_get_ex(labels, LABEL_NETWORK, &v));
    ck_assert_str_eq(json_object_get_string(v), "small");
    ck_assert(json_object_object_get_ex(labels, LABEL_NODE, &v));
    ck_assert_str_eq(json_object_get_string(v), "1_ZURIrouter");
    ck_assert(json_object_object_get_ex(labels, LABEL_DIR, &v));
    ck_assert_str_eq(json_object_get_string(v), "/r/small/n");
    ck_assert_str_eq(member(req, "HostConfig.NetworkMode"), "\"none\"");
    ck_assert_str_eq(member(req, "HostConfig.PidsLimit"), "100");
    ck_assert_str_eq(member(req, "HostConfig.NanoCpus"), "2000000000");
    ck_assert_str_eq(member(req, "HostConfig.Memory"), "1073741824");
    ck_assert_str_eq(member(req, "HostConfig.MemorySwap"), "1073741824");
    ck_assert_str_eq(member(req, "HostConfig.LogConfig"),
                     "{\"Type\":\"json-file\",\"Config\":{\"max-size\":"
                     "\"1m\",\"max-file\":\"3\"}}");
    /* No Docker network at all: no sandbox, no prestart hook; its
     * /etc/hosts is miniinet's. */
    ck_assert_str_eq(member(req, "NetworkDisabled"), "true");
    ck_assert_str_eq(
        member(req, "HostConfig.Binds"),
        "[\"\\/r\\/small\\/n:\\/r\\/small\\/n\",\"\\/r\\/small\\/"
        "n.hosts:\\/etc\\/hosts:ro\",\"\\/r\\/small\\/"
        "n.resolv.conf:\\/etc\\/resolv.conf:ro\",\"\\/r\\/small\\/"
        "n\\/frr:\\/var\\/run\\/frr\",\"\\/r\\/small\\/"
        "n.vtysh.conf:\\/etc\\/frr\\/1_ZURIrouter\\/vtysh.conf:"
        "ro\"]");
    ck_assert_str_eq(member(req, "HostConfig.CapDrop"), "[\"ALL\"]");
    ck_assert_str_eq(
        member(req, "HostConfig.CapAdd"),
        "[\"NET_ADMIN\",\"NET_RAW\",\"NET_BIND_SERVICE\","
        "\"SETUID\",\"SETGID\",\"SYS_CHROOT\",\"AUDIT_WRITE\","
        "\"KILL\",\"DAC_OVERRIDE\",\"CHOWN\",\"SYS_ADMIN\",\"SETPCAP\"]");
    json_object *sysctls;
    ck_assert(json_object_object_get_ex(
        json_object_object_get(req, "HostConfig"), "Sysctls", &sysctls));
    ck_assert(json_object_object_get_ex(sysctls, "net.ipv4.ip_forward", &v));
    ck_assert_str_eq(json_object_get_string(v), "1");
    /* The image's own command is never run; the keep-alive holds no
     * SYS_ADMIN and looks /bin/sleep up nowhere (review R35, C1). */
    ck_assert_ptr_nonnull(
        strstr(member(req, "Entrypoint"), "[\"\\/usr\\/bin\\/setpriv\","));
    json_object *entry = json_object_object_get(req, "Entrypoint");
    size_t n_entry = json_object_array_length(entry);
    ck_assert_uint_eq(n_entry, EXEC_DROP_N + 3);
    ck_assert_str_eq(
        json_object_get_string(json_object_array_get_idx(entry, EXEC_DROP_N)),
        "/bin/sh");
    ck_assert_ptr_nonnull(strstr(
        json_object_get_string(json_object_array_get_idx(entry, n_entry - 1)),
        "/bin/sleep 3600"));
    ck_assert_str_eq(member(req, "Healthcheck"), "{\"Test\":[\"NONE\"]}");
    /* A read-only root; /usr/local/bin and /root the only tmpfs where a
     * program runs. */
    ck_assert_str_eq(member(req, "HostConfig.ReadonlyRootfs"), "true");
    json_object *tmpfs = json_object_object_get(
        json_object_object_get(req, "HostConfig"), "Tmpfs");
    ck_assert_int_eq(json_object_object_length(tmpfs), 8);
    ck_assert(json_object_object_get_ex(tmpfs, "/etc/ssh/miniinet", &v));
    ck_assert(json_object_object_get_ex(tmpfs, "/usr/local/bin", &v));
    ck_assert_ptr_nonnull(
        strstr(json_object_get_string(v), "rw,nosuid,nodev,exec,"));
    ck_assert(json_object_object_get_ex(tmpfs, "/tmp", &v));
    ck_assert_ptr_nonnull(
        strstr(json_object_get_string(v), "rw,nosuid,nodev,noexec,"));
    json_object_put(req);

    /* Hosts: the host image, no FRR directory, no forwarding; neither
     * SYS_ADMIN nor FRR's DAC_OVERRIDE, KILL, CHOWN. */
    const struct mi_node host = {.name = "3_L2_DCN_FIFA_1",
                                 .kind = MI_NODE_L2HOST};
    req = create_request(state, "small", &host, "/r/h", "/r/h/frr");
    ck_assert_str_eq(member(req, "Image"), "\"miniinet\\/host:latest\"");
    ck_assert_str_eq(member(req, "HostConfig.CapDrop"), "[\"ALL\"]");
    ck_assert_str_eq(member(req, "HostConfig.CapAdd"),
                     "[\"NET_ADMIN\",\"NET_RAW\",\"SETUID\",\"SETGID\","
                     "\"SYS_CHROOT\",\"AUDIT_WRITE\",\"KILL\"]");
    ck_assert_str_eq(member(req, "HostConfig.SecurityOpt"),
                     "[\"no-new-privileges\"]");
    ck_assert_str_eq(
        member(req, "HostConfig.Binds"),
        "[\"\\/r\\/h:\\/r\\/h\",\"\\/r\\/h.hosts:\\/etc\\/hosts\","
        "\"\\/r\\/h.resolv.conf:\\/etc\\/resolv.conf\"]");
    /* No SYS_ADMIN: a writable root, the keep-alive as it is. */
    ck_assert_ptr_null(json_object_object_get(
        json_object_object_get(req, "HostConfig"), "ReadonlyRootfs"));
    ck_assert_ptr_null(strstr(member(req, "Entrypoint"), "setpriv"));
    ck_assert(json_object_object_get_ex(
        json_object_object_get(json_object_object_get(req, "HostConfig"),
                               "Sysctls"),
        "net.ipv4.ip_forward", &v));
    ck_assert_str_eq(json_object_get_string(v), "0");
    json_object_put(req);

    /* The route server: the original's larger pids limit. */
    const struct mi_node rs = {.name = "80_IXP", .kind = MI_NODE_ROUTESERVER};
    req = create_request(state, "small", &rs, "/r/rs", "/r/rs/frr");
    ck_assert_str_eq(member(req, "HostConfig.PidsLimit"), "200");
    json_object_put(req);
    docker_release(state);

    /* No limits. */
    ck_assert_int_eq(
        configure_with("plugins = { docker = { cpus = \"0\"; pids_limit = 0; "
                       "memory = \"0\"; }; };",
                       &state),
        0);
    req = create_request(state, "small", &router, "/r", "/r/frr");
    ck_assert_str_eq(member(req, "HostConfig.PidsLimit"), "");
    ck_assert_str_eq(member(req, "HostConfig.NanoCpus"), "");
    ck_assert_str_eq(member(req, "HostConfig.Memory"), "");
    json_object_put(req);
    docker_release(state);

    /* Per kind: a kind's own key over the one for every node. */
    ck_assert_int_eq(
        configure_with("plugins = { docker = { memory = \"256M\"; "
                       "router_memory = \"2G\"; host_cpus = \"0.25\"; "
                       "routeserver_pids_limit = 500; }; };",
                       &state),
        0);
    req = create_request(state, "small", &router, "/r", "/r/frr");
    ck_assert_str_eq(member(req, "HostConfig.Memory"), "2147483648");
    ck_assert_str_eq(member(req, "HostConfig.NanoCpus"), "2000000000");
    json_object_put(req);
    req = create_request(state, "small", &host, "/r", "/r/frr");
    ck_assert_str_eq(member(req, "HostConfig.Memory"), "268435456");
    ck_assert_str_eq(member(req, "HostConfig.NanoCpus"), "250000000");
    json_object_put(req);
    req = create_request(state, "small", &rs, "/r", "/r/frr");
    ck_assert_str_eq(member(req, "HostConfig.PidsLimit"), "500");
    ck_assert_str_eq(member(req, "HostConfig.Memory"), "268435456");
    json_object_put(req);
    docker_release(state);

    /* The proxy: sshd's only, and CHOWN for chpasswd; no NET_ADMIN (no
     * route of a student's), no NET_RAW. */
    ck_assert_int_eq(configure_with(NULL, &state), 0);
    const struct mi_node proxy = {.name = "3_ssh", .kind = MI_NODE_PROXY};
    req = create_request(state, "small", &proxy, "/r/p", "/r/p/frr");
    ck_assert_str_eq(member(req, "HostConfig.CapAdd"),
                     "[\"SETUID\",\"SETGID\",\"SYS_CHROOT\","
                     "\"AUDIT_WRITE\",\"KILL\",\"CHOWN\"]");
    /* A student's fork bomb or memory hog on the proxy: the hosts' limits. */
    ck_assert_str_eq(member(req, "HostConfig.PidsLimit"), "100");
    ck_assert_str_eq(member(req, "HostConfig.Memory"), "536870912");
    /* sshd's port 22 without NET_BIND_SERVICE, ping without NET_RAW. */
    json_object *sc = json_object_object_get(
        json_object_object_get(req, "HostConfig"), "Sysctls");
    ck_assert_str_eq(json_object_get_string(json_object_object_get(
                         sc, "net.ipv4.ip_unprivileged_port_start")),
                     "0");
    ck_assert_str_eq(json_object_get_string(json_object_object_get(
                         sc, "net.ipv4.ping_group_range")),
                     "0 2147483647");
    json_object_put(req);
    docker_release(state);

    const char *argv[] = {"vtysh", "-N", "1_ZURIrouter", NULL};
    req = exec_request(argv);
    ck_assert_str_eq(member(req, "Cmd"),
                     "[\"vtysh\",\"-N\",\"1_ZURIrouter\"]");
    ck_assert_str_eq(member(req, "AttachStdout"), "true");
    ck_assert_str_eq(member(req, "Tty"), "false");
    json_object_put(req);
}
END_TEST

/* Feeds `len` bytes of `data` to `dm` in pieces of `step` bytes; the
 * first error. */
static int
feed(struct demux *dm, const unsigned char *data, size_t len, size_t step)
{
    for (size_t i = 0; i < len; i += step) {
        int error = demux_feed(dm, data + i, len - i < step ? len - i : step);
        if (error) {
            return error;
        }
    }
    return 0;
}

static void
demux_free(struct demux *dm)
{
    free(dm->out.data);
    free(dm->err.data);
}

START_TEST(test_demux)
{
    /* stdout "out", stderr "err", an empty stdout frame, stdout "!". */
    static const unsigned char stream[] = {
        1, 0, 0, 0, 0, 0, 0,   3,   'o', 'u', 't', 2, 0,
        0, 0, 0, 0, 0, 3, 'e', 'r', 'r', 1,   0,   0, 0,
        0, 0, 0, 0, 1, 0, 0,   0,   0,   0,   0,   1, '!'};

    /* Whole, or cut anywhere (the Engine's chunks are arbitrary). */
    for (size_t step = 1; step <= sizeof stream; step++) {
        struct demux dm = {.max_out = SIZE_MAX, .max_err = 100};
        ck_assert_int_eq(feed(&dm, stream, sizeof stream, step), 0);
        ck_assert(demux_at_frame_end(&dm));
        ck_assert_str_eq(dm.out.data, "out!");
        ck_assert_str_eq(dm.err.data, "err");
        demux_free(&dm);
    }
    /* Ending inside a header or a payload is not the end of a stream. */
    for (size_t cut = 1; cut < 11; cut++) {
        struct demux dm = {.max_out = SIZE_MAX, .max_err = 100};
        ck_assert_int_eq(feed(&dm, stream, cut, 1), 0);
        ck_assert(!demux_at_frame_end(&dm));
        demux_free(&dm);
    }
    /* Not such a stream (a TTY's raw output, a stream 3). */
    struct demux dm = {.max_out = SIZE_MAX, .max_err = 100};
    ck_assert_int_eq(feed(&dm, (const unsigned char *)"hello world", 11, 11),
                     -EPROTO);
    demux_free(&dm);
    static const unsigned char frame3[] = {3, 0, 0, 0, 0, 0, 0, 1, 'x'};
    dm = (struct demux){.max_out = SIZE_MAX, .max_err = 100};
    ck_assert_int_eq(feed(&dm, frame3, sizeof frame3, 9), -EPROTO);
    demux_free(&dm);
    /* Stream 0 ("stdin" in the Engine's documentation) is standard
     * output. */
    static const unsigned char frame0[] = {0, 0, 0, 0, 0, 0, 0, 1, 'x'};
    dm = (struct demux){.max_out = SIZE_MAX, .max_err = 100};
    ck_assert_int_eq(feed(&dm, frame0, sizeof frame0, 9), 0);
    ck_assert_str_eq(dm.out.data, "x");
    demux_free(&dm);

    /* The cap: exactly max_out bytes of standard output pass, one more
     * does not, whatever the pieces; standard error does not count. */
    for (size_t step = 1; step <= sizeof stream; step++) {
        dm = (struct demux){.max_out = 4, .max_err = 100};
        ck_assert_int_eq(feed(&dm, stream, sizeof stream, step), 0);
        ck_assert_str_eq(dm.out.data, "out!");
        demux_free(&dm);
        dm = (struct demux){.max_out = 3, .max_err = 100};
        ck_assert_int_eq(feed(&dm, stream, sizeof stream, step), -EFBIG);
        ck_assert_uint_le(dm.out.len, 3);
        demux_free(&dm);
    }
    /* Standard error: its first max_err bytes kept, the rest dropped. */
    dm = (struct demux){.max_out = 4, .max_err = 2};
    ck_assert_int_eq(feed(&dm, stream, sizeof stream, 5), 0);
    ck_assert_str_eq(dm.err.data, "er");
    ck_assert_str_eq(dm.out.data, "out!");
    demux_free(&dm);
    /* A frame header announcing 4 GiB of output is refused by the cap as
     * its bytes come, never allocated ahead. */
    static const unsigned char huge[] = {1,    0,    0,    0,   0xff,
                                         0xff, 0xff, 0xff, 'a', 'b'};
    dm = (struct demux){.max_out = 1, .max_err = 100};
    ck_assert_int_eq(feed(&dm, huge, sizeof huge, sizeof huge), -EFBIG);
    ck_assert_ptr_null(dm.out.data);
    demux_free(&dm);
}
END_TEST

/* /proc's parent of a process whose name holds ") S 1 ". */
START_TEST(test_parent_of)
{
    ck_assert_int_eq(parent_of(getpid()), getppid());
    ck_assert_int_eq(parent_of(-5), -1);
    int ready[2];
    ck_assert_int_eq(pipe(ready), 0);
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        prctl(PR_SET_NAME, "x) S 1 1 1");
        ssize_t w = write(ready[1], "y", 1);
        (void)w;
        pause();
        _exit(0);
    }
    char c;
    ck_assert_int_eq(read(ready[0], &c, 1), 1);
    ck_assert_int_eq(parent_of(child), getpid());
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    close(ready[0]);
    close(ready[1]);
}
END_TEST

/* In a process of its own (a subreaper, so that it can reap what
 * kill_tree() kills): a chain of 3 processes (a child that forks, whose
 * child forks too) and an unrelated sibling; kill_tree() of the chain's
 * head kills the 3 and not the sibling.  Exit status 0 if all is so. */
static int
kill_tree_case(void *state)
{
    int ready[2];
    /* A group of its own: whatever is left is killed by the test. */
    if (setpgid(0, 0) < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1) < 0 ||
        pipe(ready) < 0) {
        return 10;
    }
    pid_t sibling = fork();
    if (sibling == 0) {
        pause();
        _exit(0);
    }
    pid_t head = fork();
    if (head == 0) {
        for (int depth = 0; depth < 2; depth++) {
            pid_t pid = fork();
            if (pid != 0) {
                break; /* this one stays; its child goes on */
            }
        }
        ssize_t w = write(ready[1], "y", 1);
        (void)w;
        for (;;) {
            pause();
        }
    }
    if (sibling < 0 || head < 0) {
        return 11;
    }
    char c[3];
    for (size_t got = 0; got < 3;) {
        ssize_t n = read(ready[0], c, 3 - got);
        if (n <= 0) {
            return 12;
        }
        got += (size_t)n;
    }
    int killed = kill_tree(state, "n", head, getpid());
    int status, reaped = 0;
    pid_t pid;
    /* Every process but the sibling ends by SIGKILL (bounded: 10 s). */
    for (int tries = 0; tries < 1000 && reaped < 3; tries++) {
        pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0) {
            usleep(10000);
            continue;
        }
        if (pid == sibling || !WIFSIGNALED(status) ||
            WTERMSIG(status) != SIGKILL) {
            return 13;
        }
        reaped++;
    }
    bool sibling_alive = kill(sibling, 0) == 0;
    kill(sibling, SIGKILL);
    waitpid(sibling, NULL, 0);
    if (!sibling_alive) {
        return 14;
    }
    return killed == 3 && reaped == 3 ? 0 : 15;
}

START_TEST(test_kill_tree)
{
    void *state;

    ck_assert_int_eq(configure_with(NULL, &state), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        _exit(kill_tree_case(state));
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    kill(-pid, SIGKILL); /* what a failure left */
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    /* A process that has ended already: nothing to kill. */
    ck_assert_int_eq(kill_tree(state, "n", pid, getpid()), 0);
    docker_release(state);
}
END_TEST

/* A fake Docker Engine on a UNIX socket, in a thread: enough of the API
 * for an exec (inspect, exec create, exec start, exec inspect) whose
 * program is `program`, a child of this process that the test made and
 * that the fake reaps when asked for the exec's state.  `mode` says what
 * the exec's stream does: "ok" prints "hello" and ends; "hang" prints a
 * little and then nothing, its connection kept open (a vtysh waiting for
 * a stopped daemon); "flood" prints until the reader goes away. */
struct fake_engine {
    char path[108];
    int listen_fd, stop[2];
    const char *mode;
    pid_t program;
    int program_status; /* its wait status once reaped, else -1 */
    int held[16];       /* "hang" connections, closed at the end */
    size_t n_held;
    pthread_t thread;
    char exec_body[4096]; /* the last exec create's request body */
};

static void
send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0) {
            return;
        }
        p += n;
        len -= (size_t)n;
    }
}

static void
reply_json(int fd, int code, const char *body)
{
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     code, strlen(body));
    send_all(fd, head, (size_t)n);
    send_all(fd, body, strlen(body));
}

/* One stdout frame of `text`. */
static void
send_frame(int fd, const char *text)
{
    size_t len = strlen(text);
    unsigned char head[8] = {
        1, 0, 0, 0, 0, 0, (unsigned char)(len >> 8), (unsigned char)len};
    send_all(fd, head, sizeof head);
    send_all(fd, text, len);
}

/* Answers one request on `fd`; false if the connection is kept. */
static bool
fake_serve(struct fake_engine *f, int fd)
{
    char req[8192];
    size_t len = 0;
    char *end = NULL;
    while (!end && len < sizeof req - 1) {
        ssize_t n = recv(fd, req + len, sizeof req - 1 - len, 0);
        if (n <= 0) {
            return true;
        }
        len += (size_t)n;
        req[len] = '\0';
        end = strstr(req, "\r\n\r\n");
    }
    char *cl = strcasestr(req, "Content-Length:");
    size_t body = cl && (!end || cl < end) ? strtoul(cl + 15, NULL, 10) : 0;
    while (end && len < (size_t)(end + 4 - req) + body &&
           len < sizeof req - 1) {
        ssize_t n = recv(fd, req + len, sizeof req - 1 - len, 0);
        if (n <= 0) {
            break;
        }
        len += (size_t)n;
    }
    char method[8], path[256], json[256];
    if (sscanf(req, "%7s %255s", method, path) != 2) {
        return true;
    }
    if (!strcmp(path, "/containers/n/json")) {
        snprintf(json, sizeof json,
                 "{\"Id\":\"abc\",\"State\":{\"Pid\":%d,\"Running\":true},"
                 "\"HostConfig\":{\"ReadonlyRootfs\":%s}}",
                 (int)getpid(),
                 strcmp(f->mode, "writable") ? "true" : "false");
        reply_json(fd, 200, json);
    } else if (!strcmp(path, "/images/current/json") ||
               !strcmp(path, "/images/newer/json") ||
               !strcmp(path, "/images/old/json")) {
        int v = path[8] == 'c'   ? IMAGE_VERSION
                : path[8] == 'n' ? IMAGE_VERSION + 1
                                 : IMAGE_VERSION - 1;
        snprintf(json, sizeof json,
                 "{\"Id\":\"sha256:1\",\"Config\":{\"Labels\":"
                 "{\"org.miniinet.image\":\"%d\"}}}",
                 v);
        reply_json(fd, 200, json);
    } else if (!strcmp(path, "/images/foreign/json")) {
        reply_json(fd, 200,
                   "{\"Id\":\"sha256:2\",\"Config\":{\"Labels\":null}}");
    } else if (!strcmp(path, "/containers/abc/exec")) {
        snprintf(f->exec_body, sizeof f->exec_body, "%s", end ? end + 4 : "");
        reply_json(fd, 201, "{\"Id\":\"e1\"}");
    } else if (!strcmp(path, "/exec/e1/json")) {
        int status;
        if (f->program_status < 0 &&
            waitpid(f->program, &status, WNOHANG) == f->program) {
            f->program_status = status;
        }
        int code = f->program_status < 0 ? 0
                   : WIFSIGNALED(f->program_status)
                       ? 128 + WTERMSIG(f->program_status)
                       : WEXITSTATUS(f->program_status);
        snprintf(
            json, sizeof json, "{\"Running\":%s,\"ExitCode\":%d,\"Pid\":%d}",
            f->program_status < 0 ? "true" : "false", code, (int)f->program);
        reply_json(fd, 200, json);
    } else if (!strcmp(path, "/exec/e1/start")) {
        static const char head[] =
            "HTTP/1.1 200 OK\r\nContent-Type: "
            "application/vnd.docker.raw-stream\r\nConnection: close\r\n\r\n";
        send_all(fd, head, sizeof head - 1);
        if (!strcmp(f->mode, "ok")) {
            send_frame(fd, "hello");
            kill(f->program, SIGTERM);
        } else if (!strcmp(f->mode, "hang") && f->n_held < 16) {
            send_frame(fd, "Building configuration...\n");
            f->held[f->n_held++] = fd;
            return false;
        } else {
            /* At most 64 MiB, stopped when the reader has gone. */
            char line[1024];
            memset(line, 'x', sizeof line - 1);
            line[sizeof line - 1] = '\0';
            for (int i = 0; i < 64 * 1024; i++) {
                unsigned char h[8] = {1, 0, 0, 0, 0, 0, 0x03, 0xff};
                if (send(fd, h, 8, MSG_NOSIGNAL) != 8 ||
                    send(fd, line, 1023, MSG_NOSIGNAL) != 1023) {
                    break;
                }
            }
        }
    } else {
        reply_json(fd, 404, "{\"message\":\"no such thing\"}");
    }
    return true;
}

static void *
fake_thread(void *arg)
{
    struct fake_engine *f = arg;
    for (;;) {
        struct pollfd p[2] = {{.fd = f->listen_fd, .events = POLLIN},
                              {.fd = f->stop[0], .events = POLLIN}};
        if (poll(p, 2, -1) < 0 || p[1].revents) {
            break;
        }
        int fd = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd >= 0 && fake_serve(f, fd)) {
            close(fd);
        }
    }
    return NULL;
}

static void
exit_0(int sig)
{
    (void)sig;
    _exit(0);
}

/* Starts the fake with a program (a child that waits to be killed). */
static void
fake_start(struct fake_engine *f, const char *dir, const char *mode)
{
    memset(f, 0, sizeof *f);
    f->mode = mode;
    f->program_status = -1;
    snprintf(f->path, sizeof f->path, "%s/engine.sock", dir);
    int ready[2];
    ck_assert_int_eq(pipe(ready), 0);
    f->program = fork();
    ck_assert_int_ge(f->program, 0);
    if (f->program == 0) {
        signal(SIGTERM, exit_0); /* "ok": it ends well once it printed */
        ssize_t w = write(ready[1], "y", 1);
        (void)w;
        for (;;) {
            pause();
        }
    }
    char c;
    ck_assert_int_eq(read(ready[0], &c, 1), 1);
    close(ready[0]);
    close(ready[1]);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", f->path);
    f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(f->listen_fd, 0);
    ck_assert_int_eq(bind(f->listen_fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(listen(f->listen_fd, 8), 0);
    ck_assert_int_eq(pipe2(f->stop, O_CLOEXEC), 0);
    ck_assert_int_eq(pthread_create(&f->thread, NULL, fake_thread, f), 0);
}

/* The plugin configured to talk to the fake's socket. */
static void *
fake_configure(const struct fake_engine *f)
{
    char settings[256];
    void *state;

    snprintf(settings, sizeof settings,
             "plugins = { docker = { socket = \"%s\"; }; };", f->path);
    ck_assert_int_eq(configure_with(settings, &state), 0);
    return state;
}

/* Stops the fake; the program's wait status (it is reaped if the fake
 * has not). */
static int
fake_stop(struct fake_engine *f)
{
    ck_assert_int_eq(write(f->stop[1], "x", 1), 1);
    pthread_join(f->thread, NULL);
    for (size_t i = 0; i < f->n_held; i++) {
        close(f->held[i]);
    }
    close(f->listen_fd);
    close(f->stop[0]);
    close(f->stop[1]);
    unlink(f->path);
    if (f->program_status < 0) {
        kill(f->program, SIGKILL);
        waitpid(f->program, &f->program_status, 0);
        return -1; /* it was not killed by the plugin */
    }
    return f->program_status;
}

/* run_bounded through the fake Engine: a program whose output stops
 * coming (-ETIMEDOUT) or never stops (-EFBIG) is killed with SIGKILL
 * from the host, nothing returned; one that ends is read whole. */
/* Whether this process's bounding set holds SYS_ADMIN. */
static bool
self_holds_sys_admin(void)
{
    char status[8192];
    uint64_t bnd = 0;

    return read_status(getpid(), status, sizeof status) == 0 &&
           status_caps(status, "CapBnd", &bnd) == 0 &&
           (bnd & (1ULL << CAP_SYS_ADMIN));
}

START_TEST(test_run_bounded)
{
    static const char *const modes[] = {"hang", "flood", "ok"};
    static const int results[] = {-ETIMEDOUT, -EFBIG, 0};
    char dir[] = "/tmp/check_docker.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));

    for (size_t i = 0; i < 3; i++) {
        struct fake_engine f;
        fake_start(&f, dir, modes[i]);
        void *state = fake_configure(&f);
        const char *argv[] = {"vtysh", "-c", "show running-config", NULL};
        char *out = (char *)"unchanged";
        testutil_capture_begin();
        int result =
            docker_run_bounded(state, "n", NULL, argv, &out, 1000, 1 << 20);
        testutil_capture_end();
        int status = fake_stop(&f);
        ck_assert_msg(result == results[i], "%s: %d (%s)", modes[i], result,
                      testutil_captured());
        ck_assert_msg(status != -1, "%s: the program was not killed",
                      modes[i]);
        if (results[i]) {
            ck_assert_ptr_null(out);
            ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        } else {
            ck_assert_str_eq(out, "hello");
            ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
            free(out);
        }
        /* The fake's container is this process, which holds SYS_ADMIN
         * in its bounding set (a process does, unless something took it
         * away): the program went behind setpriv and the check. */
        if (self_holds_sys_admin()) {
            ck_assert_msg(
                strstr(f.exec_body, "\"Cmd\":[\"\\/usr\\/bin\\/setpriv\",") &&
                    strstr(f.exec_body, "\"sh\",\"vtysh\",\"-c\""),
                "%s: %s", modes[i], f.exec_body);
        }
        docker_release(state);
    }

    /* A container that holds SYS_ADMIN with a writable root (made by an
     * earlier miniinet): nothing run in it. */
    if (self_holds_sys_admin()) {
        struct fake_engine f;
        fake_start(&f, dir, "writable");
        void *state = fake_configure(&f);
        const char *argv[] = {"vtysh", NULL};
        char *out = NULL;
        testutil_capture_begin();
        int result =
            docker_run_bounded(state, "n", NULL, argv, &out, 1000, 1 << 20);
        testutil_capture_end();
        char *said = xstrdup(testutil_captured());
        /* ... and no file put in it (the fake's container is this
         * process: its mount namespace is this one, the file would be
         * under `dir`). */
        char put[PATH_MAX];
        snprintf(put, sizeof put, "%s/put", dir);
        const struct mi_file files[] = {{put, "x", 1, 0600}};
        testutil_capture_begin();
        int put_result = docker_put_files(state, "n", NULL, files, 1);
        testutil_capture_end();
        kill(f.program, SIGTERM);
        fake_stop(&f);
        ck_assert_int_eq(result, -EPERM);
        ck_assert_ptr_null(out);
        ck_assert_msg(strstr(said, "root file system is writable") &&
                          strstr(said, "nothing is run in it"),
                      "%s", said);
        free(said);
        ck_assert_str_eq(f.exec_body, "");
        ck_assert_int_eq(put_result, -EPERM);
        ck_assert_msg(
            strstr(testutil_captured(), "root file system is writable") &&
                strstr(testutil_captured(), "student access refused there"),
            "%s", testutil_captured());
        ck_assert_int_eq(access(put, F_OK), -1);
        ck_assert_int_eq(errno, ENOENT);
        docker_release(state);
    }
    rmdir(dir);
}
END_TEST

/* images/build's label: current or newer images, and images it did not
 * make (no label), pass; older ones and labels that are no version are
 * refused, saying why. */
START_TEST(test_image_version)
{
    char why[256], body[256];

    snprintf(body, sizeof body,
             "{\"Config\":{\"Labels\":{\"org.miniinet.image\":\"%d\"}}}",
             IMAGE_VERSION);
    ck_assert_int_eq(image_version_check(body, why, sizeof why), 0);
    snprintf(body, sizeof body,
             "{\"Config\":{\"Labels\":{\"org.miniinet.image\":\"%d\"}}}",
             IMAGE_VERSION + 5);
    ck_assert_int_eq(image_version_check(body, why, sizeof why), 0);
    ck_assert_int_eq(
        image_version_check("{\"Config\":{\"Labels\":null}}", why, sizeof why),
        0);
    ck_assert_int_eq(
        image_version_check("{\"Config\":{\"Labels\":{\"a\":\"1\"}}}", why,
                            sizeof why),
        0);
    ck_assert_int_eq(image_version_check("{}", why, sizeof why), 0);
    ck_assert_int_eq(image_version_check("", why, sizeof why), 0);
    ck_assert_int_eq(image_version_check(NULL, why, sizeof why), 0);

    ck_assert_int_eq(
        image_version_check(
            "{\"Config\":{\"Labels\":{\"org.miniinet.image\":\"1\"}}}", why,
            sizeof why),
        -ENOTSUP);
    ck_assert_ptr_nonnull(strstr(why, "older images/build"));
    ck_assert_ptr_nonnull(strstr(why, "org.miniinet.image=1"));
    static const char *const bad[] = {"",   "x",  " 3",
                                      "3x", "-1", "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(body, sizeof body,
                 "{\"Config\":{\"Labels\":{\"org.miniinet.image\":\"%s\"}}}",
                 bad[i]);
        ck_assert_msg(image_version_check(body, why, sizeof why) == -ENOTSUP,
                      "label '%s' passed", bad[i]);
        ck_assert_ptr_nonnull(strstr(why, "not a version"));
    }

    ck_assert_int_eq(image_version_check("{\"Config\":{\"Labels\":{\"org."
                                         "miniinet.image\":\"\\u001b[2J\"}}}",
                                         why, sizeof why),
                     -ENOTSUP);
    ck_assert_ptr_nonnull(strstr(why, "'?[2J'"));

    /* The same number as images/build's. */
    size_t len;
    char *script = util_read_file(testutil_srcpath("images/build"), &len);
    ck_assert_ptr_nonnull(script);
    const char *line = strstr(script, "\nimage_version=");
    ck_assert_ptr_nonnull(line);
    ck_assert_int_eq(atoi(line + strlen("\nimage_version=")), IMAGE_VERSION);
    free(script);
}
END_TEST

/* check_image through the fake Engine: a missing image and a stale one
 * are refused, naming the setting and images/build; a current, newer or
 * label-less one passes. */
START_TEST(test_check_image)
{
    char dir[] = "/tmp/check_docker.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    struct fake_engine f;
    fake_start(&f, dir, "ok");
    void *state = fake_configure(&f);

    ck_assert_int_eq(check_image(state, "current", "router_image"), 0);
    ck_assert_int_eq(check_image(state, "newer", "router_image"), 0);
    ck_assert_int_eq(check_image(state, "foreign", "host_image"), 0);
    testutil_capture_begin();
    int error = check_image(state, "old", "proxy_image");
    testutil_capture_end();
    ck_assert_int_eq(error, -ENOTSUP);
    const char *out = testutil_captured();
    ck_assert_ptr_nonnull(
        strstr(out, "image old (plugins.docker.proxy_image)"));
    ck_assert_ptr_nonnull(strstr(out, "older images/build"));
    ck_assert_ptr_nonnull(strstr(out, "run images/build"));
    testutil_capture_begin();
    error = check_image(state, "gone", "router_image");
    testutil_capture_end();
    ck_assert_int_eq(error, -ENOTSUP);
    ck_assert_ptr_nonnull(
        strstr(testutil_captured(), "is not on this machine"));

    docker_release(state);
    fake_stop(&f);
    rmdir(dir);
}
END_TEST

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* nodefile_open(): in a directory a node writes, a regular file of one link
 * only, never through a symlink, never blocking on a FIFO (a student's in
 * a docker router's directory would have hung `up` in start_daemon), and
 * not emptied through another name. */
START_TEST(test_nodefile)
{
    char dir[] = "/tmp/check_docker.XXXXXX";
    char path[PATH_MAX], other[PATH_MAX];
    ck_assert_ptr_nonnull(mkdtemp(dir));

    snprintf(path, sizeof path, "%s/bgpd.out", dir);
    int fd = nodefile_open(path, O_WRONLY | O_CREAT);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "x", 1), 1);
    ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
    close(fd);
    /* A second name for it: refused, whichever name is opened, and O_TRUNC
     * not applied before the check. */
    struct stat st;
    snprintf(other, sizeof other, "%s/frr.conf", dir);
    ck_assert_int_eq(link(path, other), 0);
    ck_assert_int_eq(nodefile_open(other, O_WRONLY | O_TRUNC), -EPERM);
    ck_assert_int_eq(nodefile_open(path, O_RDONLY), -EPERM);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_size, 1);
    unlink(other);
    /* One name again: O_TRUNC empties it, after the check. */
    fd = nodefile_open(path, O_WRONLY | O_TRUNC);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert_int_eq(st.st_size, 0);
    close(fd);
    /* A symlink: not followed. */
    unlink(path);
    ck_assert_int_eq(symlink("/etc/passwd", path), 0);
    ck_assert_int_eq(nodefile_open(path, O_WRONLY | O_CREAT), -ELOOP);
    unlink(path);
    /* A FIFO without a reader: refused at once (open(2) would block). */
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    ck_assert_int_eq(nodefile_open(path, O_RDONLY), -EPERM);
    ck_assert_int_eq(nodefile_open(path, O_WRONLY | O_CREAT), -ENXIO);
    unlink(path);
    /* A directory. */
    ck_assert_int_eq(mkdir(path, 0700), 0);
    ck_assert_int_eq(nodefile_open(path, O_RDONLY), -EPERM);
    rmdir(path);
    rmdir(dir);
}
END_TEST

/* put_files' paths: absolute, without ".", ".." or an empty component. */
START_TEST(test_put_path)
{
    static const char *const good[] = {"/etc/ssh/miniinet", "/run/sshd",
                                       "/usr/local/bin/vtysh", "/x"};
    static const char *const bad[] = {
        NULL,       "",        "/",       "etc/x", "/etc/../x",
        "/etc/./x", "/etc//x", "/etc/x/", "/..",   "/.",
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        ck_assert_msg(put_path_ok(good[i]), "%s", good[i]);
    }
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ck_assert_msg(!put_path_ok(bad[i]), "%s", bad[i] ? bad[i] : "NULL");
    }
}
END_TEST

/* `dir`/`rel` exists, not through a symlink, is of `type` (S_IFDIR,
 * S_IFREG) and has permissions `mode`. */
static void
put_entry_is(const char *dir, const char *rel, mode_t type, mode_t mode)
{
    char path[PATH_MAX + 64];
    struct stat st;

    snprintf(path, sizeof path, "%s/%s", dir, rel);
    ck_assert_int_eq(lstat(path, &st), 0);
    ck_assert_msg((st.st_mode & S_IFMT) == type, "%s: type %o", path,
                  (unsigned)(st.st_mode & S_IFMT));
    ck_assert_uint_eq(st.st_mode & 07777, mode);
}

/* put_all(), as the writer runs it in the container's root (here a
 * directory of the test's): directories and files made root's with their
 * modes, content byte for byte, a file replacing what had its name; a
 * symlink a student planted is never followed, as a component or as the
 * file, and what it points to is untouched. */
START_TEST(test_put_all)
{
    if (!testutil_is_root()) {
        printf("# test_put_all skipped: needs root (the files are made "
               "root's)\n");
        return;
    }
    char dir[] = "/tmp/check_docker.XXXXXX";
    char path[PATH_MAX + 64], outside[256];
    const char secret[] = "root:$y$j9T$salt$hash\n";
    const struct mi_file files[] = {
        {.path = "/etc", .data = NULL, .mode = 0755},
        {.path = "/etc/miniinet", .data = NULL, .mode = 0700},
        {.path = "/etc/miniinet/chpasswd",
         .data = secret,
         .len = sizeof secret - 1,
         .mode = 0600},
        {.path = "/bin", .data = NULL, .mode = 0755},
        {.path = "/bin/goto", .data = "#!/bin/sh\n", .len = 10, .mode = 0755},
    };
    size_t failed = 99;
    struct stat st;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(outside, sizeof outside, "%s/outside", dir);
    ck_assert_int_eq(mkdir(outside, 0700), 0);
    snprintf(path, sizeof path, "%s/root", dir);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    int root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    ck_assert_int_ge(root, 0);
    /* An old goto, a leftover temporary file. */
    snprintf(path, sizeof path, "%s/root/bin", dir);
    ck_assert_int_eq(mkdir(path, 0777), 0);
    snprintf(path, sizeof path, "%s/root/bin/goto", dir);
    ck_assert_int_eq(symlink(outside, path), 0);
    snprintf(path, sizeof path, "%s/root/bin/" PUT_TEMP, dir);
    ck_assert_int_eq(symlink("/etc/passwd", path), 0);

    ck_assert_int_eq(put_all(root, files, 5, &failed), 0);
    put_entry_is(dir, "root/etc/miniinet", S_IFDIR, 0700);
    put_entry_is(dir, "root/bin", S_IFDIR, 0755);
    put_entry_is(dir, "root/etc/miniinet/chpasswd", S_IFREG, 0600);
    snprintf(path, sizeof path, "%s/root/etc/miniinet/chpasswd", dir);
    ck_assert_int_eq(lstat(path, &st), 0);
    ck_assert_uint_eq(st.st_uid, 0);
    char back[64] = "";
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fread(back, 1, sizeof back - 1, f), sizeof secret - 1);
    fclose(f);
    ck_assert_str_eq(back, secret);
    put_entry_is(dir, "root/bin/goto", S_IFREG, 0755);
    snprintf(path, sizeof path, "%s/root/bin/" PUT_TEMP, dir);
    ck_assert_int_eq(lstat(path, &st), -1);
    ck_assert_int_eq(stat(outside, &st), 0);
    ck_assert(S_ISDIR(st.st_mode)); /* not replaced through the link */

    /* A directory component that is a symlink: refused, nothing made
     * where it points. */
    snprintf(path, sizeof path, "%s/root/etc/miniinet", dir);
    char cmd[PATH_MAX + 128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", path);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(symlink(outside, path), 0);
    failed = 99;
    int error = put_all(root, files, 5, &failed);
    ck_assert_msg(error == -ELOOP || error == -ENOTDIR, "%d", error);
    ck_assert_uint_eq(failed, 1);
    failed = 99;
    error = put_all(root, files + 2, 1, &failed);
    ck_assert_msg(error == -ELOOP || error == -ENOTDIR, "%d", error);
    ck_assert_uint_eq(failed, 0);
    snprintf(path, sizeof path, "%s/chpasswd", outside);
    ck_assert_int_eq(lstat(path, &st), -1);
    /* Missing parents: made, 0755. */
    const struct mi_file orphan = {
        .path = "/a/b/x", .data = "x", .len = 1, .mode = 0600};
    ck_assert_int_eq(put_all(root, &orphan, 1, &failed), 0);
    put_entry_is(dir, "root/a/b", S_IFDIR, 0755);
    put_entry_is(dir, "root/a/b/x", S_IFREG, 0600);

    close(root);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* Besides FRR's daemons, what runs in a container holding SYS_ADMIN goes
 * through setpriv and the check of every set (exec_drop). */
START_TEST(test_exec_drop)
{
    const char *argv[] = {"vtysh", "-N", "r1", "-c", "show version", NULL};
    const char **out = exec_dropped_argv(argv);

    ck_assert_ptr_nonnull(out);
    ck_assert_str_eq(out[0], "/usr/bin/setpriv");
    ck_assert_ptr_nonnull(strstr(out[1], "-sys_admin"));
    ck_assert_ptr_nonnull(strstr(out[2], "--inh-caps="));
    ck_assert_str_eq(out[EXEC_DROP_N], "vtysh");
    ck_assert_str_eq(out[EXEC_DROP_N + 4], "show version");
    ck_assert_ptr_null(out[EXEC_DROP_N + 5]);
    free(out);

    /* The check, run here by the real /bin/sh: exit 126 and the program
     * not run while this process holds SYS_ADMIN in a set. */
    if (!self_holds_sys_admin()) {
        printf("# test_exec_drop: this process holds no SYS_ADMIN: the "
               "check's refusal not run\n");
        return;
    }
    const char *check[] = {"/bin/sh", "-c", EXEC_DROP_CHECK, "sh", "echo",
                           "ran",     NULL};
    char *text = NULL;
    int status = host_run(check, &text);
    ck_assert_int_eq(status, 126);
    ck_assert_ptr_null(text ? strstr(text, "ran") : NULL);
    free(text);
    /* The whole of it, as the Engine would run it: the program runs. */
    if (!testutil_is_root()) {
        printf("# test_exec_drop: setpriv's drop not run (needs root)\n");
        return;
    }
    const char *echo[] = {"echo", "ran", NULL};
    const char **whole = exec_dropped_argv(echo);
    ck_assert_ptr_nonnull(whole);
    text = NULL;
    ck_assert_int_eq(host_run(whole, &text), 0);
    ck_assert_str_eq(text, "ran\n");
    free(text);
    free(whole);
}
END_TEST

START_TEST(test_record)
{
    void *state;
    char dir[] = "/tmp/check_docker.XXXXXX";
    struct record r = {.socket = "/s.sock", .network = "small"}, back;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(configure_with(NULL, &state), 0);
    ck_assert_int_eq(record_read(state, "n", dir, &back), 0);
    ck_assert_int_eq(record_write(state, "n", dir, &r), 0);
    ck_assert_int_eq(record_read(state, "n", dir, &back), 1);
    ck_assert_str_eq(back.socket, "/s.sock");
    ck_assert_str_eq(back.network, "small");
    ck_assert_str_eq(back.id, "");
    snprintf(r.id, sizeof r.id, "abc123");
    ck_assert_int_eq(record_write(state, "n", dir, &r), 0);
    ck_assert_int_eq(record_read(state, "n", dir, &back), 1);
    ck_assert_str_eq(back.id, "abc123");

    /* The record is not in the directory bound into the container (old:
     * DIR/docker, rewritable from inside), and is never read or written
     * through a symlink. */
    char inside[PATH_MAX], rec[PATH_MAX], tmp[PATH_MAX + 8];
    snprintf(inside, sizeof inside, "%s/" RECORD_FILE, dir);
    ck_assert_int_ne(access(inside, F_OK), 0);
    snprintf(rec, sizeof rec, RECORD_PATH, dir);
    snprintf(tmp, sizeof tmp, "%s.moved", rec);
    ck_assert_int_eq(rename(rec, tmp), 0);
    ck_assert_int_eq(symlink(tmp, rec), 0);
    testutil_capture_begin();
    ck_assert_int_lt(record_read(state, "n", dir, &back), 0);
    testutil_capture_end();
    ck_assert_int_eq(unlink(rec), 0);
    ck_assert_int_eq(rename(tmp, rec), 0);

    /* An Engine that does not answer: stop and destroy report it, naming
     * the socket and what to do. */
    testutil_capture_begin();
    int error = docker_destroy_node(state, "n", dir);
    testutil_capture_end();
    ck_assert_int_lt(error, 0);
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "/s.sock"));
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "start dockerd"));

    char path[PATH_MAX];
    snprintf(path, sizeof path, RECORD_PATH, dir);
    unlink(path);
    /* No record: nothing was made, nothing to do, no Engine asked. */
    ck_assert_int_eq(docker_destroy_node(state, "n", dir), 0);
    ck_assert_int_eq(docker_stop_node(state, "n", dir), 0);
    const char *const daemons[] = {"zebra", "bgpd", NULL};
    ck_assert_int_eq(docker_stop_frr(state, "n", dir, daemons), 0);
    /* Only FRR daemon names go into pkill's pattern, checked first. */
    const char *const bad[] = {"zebra", "b|.*", NULL};
    testutil_capture_begin();
    ck_assert_int_eq(docker_stop_frr(state, "n", dir, bad), -EINVAL);
    testutil_capture_end();
    ck_assert_ptr_nonnull(strstr(testutil_captured(), "'b|.*'"));
    rmdir(dir);
    docker_release(state);
}
END_TEST

static Suite *
docker_suite(void)
{
    Suite *s = suite_create("docker");
    TCase *tc = tcase_create("pure");

    tcase_add_test(tc, test_descriptor);
    tcase_add_test(tc, test_names);
    tcase_add_test(tc, test_settings);
    tcase_add_test(tc, test_limits);
    tcase_add_test(tc, test_create_request);
    tcase_add_test(tc, test_confinement);
    tcase_add_test(tc, test_exec_env);
    tcase_add_test(tc, test_exec_confine);
    tcase_add_test(tc, test_exec_cgroup_parse);
    tcase_add_test(tc, test_exec_cgroup_frozen);
    tcase_add_test(tc, test_exec_chan);
    tcase_add_test(tc, test_exec_io);
    tcase_add_test(tc, test_exec_proxy);
    tcase_add_test(tc, test_demux);
    tcase_add_test(tc, test_parent_of);
    tcase_add_test(tc, test_kill_tree);
    tcase_add_test(tc, test_run_bounded);
    tcase_add_test(tc, test_record);
    tcase_add_test(tc, test_nodefile);
    tcase_add_test(tc, test_put_path);
    tcase_add_test(tc, test_put_all);
    tcase_add_test(tc, test_exec_drop);
    tcase_add_test(tc, test_image_version);
    tcase_add_test(tc, test_check_image);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return testutil_run(docker_suite());
}
