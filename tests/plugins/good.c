/* A complete, valid tunnel plugin for the loader tests: it reads one
 * setting through the host services, keeps it as state and derives its
 * answers from it, so the tests can see the whole life cycle work. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <miniinet/plugin.h>

struct good_state {
    const struct mi_host *host;
    long long answer;
};

static int
good_configure(const struct mi_host *host, const struct mi_settings *settings,
               void **statep)
{
    static const char *const known[] = {"answer", NULL};
    long long answer = 42;

    int error = host->setting_check_keys(settings, known);
    if (error) {
        return error;
    }
    error = host->setting_int(settings, "answer", 0, 1000, &answer);
    if (error && error != -ENOENT) {
        return error;
    }

    struct good_state *state = malloc(sizeof *state);
    if (!state) {
        host->error("good: out of memory");
        return -ENOMEM;
    }
    state->host = host;
    state->answer = answer;
    *statep = state;
    return 0;
}

static void
good_release(void *state)
{
    free(state);
}

static int
good_check_plan(void *state_, const struct mi_plan *plan)
{
    struct good_state *state = state_;

    state->host->log(MI_LOG_DEBUG, "good: checking %zu links", plan->n_links);
    if (plan->n_links > (size_t)state->answer * 1000) {
        state->host->error("good: at most %lld links", state->answer * 1000);
        return -EINVAL;
    }
    return 0;
}

static unsigned
good_overhead(void *state_)
{
    struct good_state *state = state_;

    return (unsigned)state->answer + 8;
}

static void
good_describe_id(void *state, const struct mi_plan *plan, size_t link,
                 char *buf, size_t len)
{
    snprintf(buf, len, "good %u", mi_plan_link(plan, link)->tunnel_id);
}

static const struct mi_tunnel_ops good_ops = {
    .common =
        {
            MI_OPS_SIZE(struct mi_tunnel_ops),
            .configure = good_configure,
            .release = good_release,
            .check_plan = good_check_plan,
        },
    .overhead = good_overhead,
    .describe_id = good_describe_id,
};

MI_PLUGIN_DEFINE = {
    MI_PLUGIN_ABI_VERSION,
    .name = "good",
    .kind = MI_PLUGIN_TUNNEL,
    .version = "1.0",
    .description = "test plugin that does everything right",
    .ops.tunnel = &good_ops,
};
