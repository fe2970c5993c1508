# TAP helpers for the shell tests.  Source it; call tap_done at the end.
# Every check prints one "ok N - ..." or "not ok N - ..." line.
tap_n=0
tap_failed=0
tap_start=$(date +%s)
tap_last=$tap_start

# Before a result, when 10 s or more passed since the previous one, a
# diagnostic saying how long (where a test's time goes, read off its log).
tap_elapsed() {
    tap_now=$(date +%s)
    if [ $((tap_now - tap_last)) -ge 10 ]; then
        echo "# ($((tap_now - tap_last)) s since the previous result, $((tap_now - tap_start)) s in)"
    fi
    tap_last=$tap_now
}

tap_ok() {
    tap_elapsed
    tap_n=$((tap_n + 1))
    echo "ok $tap_n - $*"
}

tap_not_ok() {
    tap_elapsed
    tap_n=$((tap_n + 1))
    tap_failed=$((tap_failed + 1))
    echo "not ok $tap_n - $*"
}

tap_skip() {
    tap_elapsed
    tap_n=$((tap_n + 1))
    echo "ok $tap_n - # SKIP $*"
}

# tap_check DESCRIPTION COMMAND...: ok when the command succeeds; returns
# the check's success.
tap_check() {
    desc=$1
    shift
    if "$@"; then
        tap_ok "$desc"
    else
        tap_not_ok "$desc"
        return 1
    fi
}

# Prints a diagnostic line (shown in the log, ignored by TAP).
tap_diag() {
    printf '# %s\n' "$*"
}

# The plan line, after the test's wall time as a diagnostic (tests/run-all
# lists the longest tests from it).
tap_done() {
    tap_diag "took $(($(date +%s) - tap_start)) s"
    echo "1..$tap_n"
    [ "$tap_failed" -eq 0 ]
}

# stop_bounded PID SECONDS: SIGTERM to PID (a child of this shell), then
# its exit waited for SECONDS at most (polled every 0.1 s); one that has not
# exited by then is killed (SIGKILL) and reaped.  Sets stop_rc to its exit
# status (137 when killed) and stop_took to the seconds it took; returns 0
# when it exited by itself in time, 1 otherwise.
# shellcheck disable=SC2034 # stop_rc, stop_took: for the caller
stop_bounded() {
    sb_pid=$1
    sb_tries=$(($2 * 10))
    kill -TERM "$sb_pid" 2>/dev/null
    sb_t0=$(date +%s.%N)
    sb_i=0
    while [ "$sb_i" -lt "$sb_tries" ] && kill -0 "$sb_pid" 2>/dev/null; do
        sb_i=$((sb_i + 1))
        sleep 0.1
    done
    stop_took=$(awk -v a="$sb_t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
    if kill -0 "$sb_pid" 2>/dev/null; then
        kill -9 "$sb_pid" 2>/dev/null
        wait "$sb_pid"
        stop_rc=$?
        return 1
    fi
    wait "$sb_pid"
    stop_rc=$?
}

# testbed_ssh SECONDS ADDRESS COMMAND...: COMMAND as root on a simulated
# server of tests/testbed/testbed (with TESTBED_DIR's key and known_hosts,
# nothing else accepted), killed after SECONDS; ssh_connect_timeout (5 s
# unless set) bounds the connection.
testbed_ssh() {
    secs=$1
    host=$2
    shift 2
    timeout "$secs" ssh -i "$TESTBED_DIR/id_ed25519" \
        -o UserKnownHostsFile="$TESTBED_DIR/known_hosts" \
        -o StrictHostKeyChecking=yes -o BatchMode=yes \
        -o ConnectTimeout="${ssh_connect_timeout:-5}" \
        -o LogLevel=ERROR "root@$host" "$@"
}

# Where things are: the build and source trees (set by make check).
srcdir=${MINIINET_TEST_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${MINIINET_TEST_BUILDDIR:-$srcdir}
MINIINET=${MINIINET:-$builddir/miniinet}
# The plugins of this build tree come before any installed ones.
MINIINET_PLUGIN_PATH=$builddir/plugins/netns/.libs:$builddir/plugins/ovs/.libs:$builddir/plugins/gre/.libs:$builddir/plugins/vxlan/.libs
export MINIINET_PLUGIN_PATH
