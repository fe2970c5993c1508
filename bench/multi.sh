#!/bin/sh
# Benchmark: the cost of distribution, and what distribution would buy.
#
#   bench/multi.sh                 as root; needs sshd, Open vSwitch, FRR
#   bench/multi.sh alone [FILE]    each server's part alone (below)
#
# Without arguments: configs/multi-server.cfg on the simulated test bed,
# first on 1 server (every AS placed on s1), then on 4 (as the file places
# them), on the same machine -- so the figures compare what spreading
# costs, not a speedup.  For each: time of `up` as the master sees it,
# each server's phases, time until every host reaches every other and
# every BGP session is up (`check` exits 0), `down`, and the bytes the
# servers exchange over the underlay while the network idles (BGP
# keepalives and the like through the tunnels).
#
# `alone`: the test bed's servers share this machine's cores, so four at
# once cannot show what four machines give.  FILE (default
# configs/class-60.cfg, a file without `servers`) is brought up three ways,
# one after another, each on an otherwise idle machine, each taken down
# before the next:
#   1. on this machine alone, as one server (`up` as bench/up.sh runs it);
#   2. the master's own part: FILE with the test bed's 4 servers (the
#      `servers` section of configs/multi-server.cfg; every AS placed
#      automatically; gre with key isolation, as TOS keeps only 63 links
#      per server pair) is checked and pushed to every server by the
#      master's `preflight` (connections, the file's push, each server's
#      checks: what the master's `up` does before any server builds);
#   3. each server's part alone: the command the master runs there
#      (`miniinet --server sK -c FILE up`, over SSH), the other three idle,
#      then its `down`.
# For each: wall time and CPU-seconds (the /proc/stat delta of the whole
# machine over the same interval: FRR's daemons, Open vSwitch and the
# kernel included).  Then the projection for 4 machines: the master's own
# time + the slowest part, against the single server's `up`.  No routing
# is checked: the parts run alone, without their peers on other servers.
#
# Environment: MINIINET (default: miniinet in PATH; its plugins must be
# found on the servers too, e.g. installed, or through MINIINET_PLUGIN_PATH,
# which the servers' commands are given), IDLE (seconds measured at idle,
# default 30).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"
miniinet=${MINIINET:-miniinet}
idle=${IDLE:-30}
tmp=$(mktemp -d /tmp/miniinet-bench-multi.XXXXXX)
chmod 755 "$tmp"
TESTBED_DIR=$tmp/tb
MINIINET_REMOTE_PROGRAM=$(command -v "$miniinet")
# The servers run it by this path, from their own working directory.
case $MINIINET_REMOTE_PROGRAM in
/*) ;;
*) MINIINET_REMOTE_PROGRAM=$(pwd)/$MINIINET_REMOTE_PROGRAM ;;
esac
export TESTBED_DIR MINIINET_REMOTE_PROGRAM
testbed=$top/tests/testbed/testbed

if [ "$(id -u)" -ne 0 ]; then
    echo "bench/multi.sh: run as root" >&2
    exit 1
fi


sed "s|/var/lib/miniinet-testbed|$TESTBED_DIR|g" \
    "$top/configs/multi-server.cfg" >"$tmp/four.cfg"
# The same network on s1 alone.
python3 - "$tmp/four.cfg" >"$tmp/one.cfg" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
text = re.sub(r'\{\s*name\s*=\s*"s[2-9]";.*?\};\s*\}\s*,?', "", text, flags=re.S)
text = re.sub(r'(servers\s*=\s*\(.*?\})\s*,\s*\)', r"\1)", text, flags=re.S)
text = re.sub(r'server\s*=\s*"s[2-9]"', 'server = "s1"', text)
sys.stdout.write(text)
EOF

if [ "${1:-}" = alone ]; then
    alone_file=${2:-$top/configs/class-60.cfg}
    [ -r "$alone_file" ] || {
        echo "bench/multi.sh: $alone_file: cannot read it" >&2
        exit 1
    }
    if grep -qE '^[[:space:]]*(servers|plugins)[[:space:]]*[=:]' "$alone_file"; then
        echo "bench/multi.sh: $alone_file has a servers or plugins section of its own: give a single-server file" >&2
        exit 1
    fi
    cp "$alone_file" "$tmp/one.cfg"
    sed -n '/^servers = (/,/^);/p' "$tmp/four.cfg" >"$tmp/servers.part"
    [ -s "$tmp/servers.part" ] || {
        echo "bench/multi.sh: no servers section found in configs/multi-server.cfg" >&2
        exit 1
    }
    {
        cat "$alone_file"
        cat "$tmp/servers.part"
        printf 'plugins = { gre = { isolation = "key"; }; };\n'
    } >"$tmp/four.cfg"
    # This machine's own run and persistent directories: the bench's.
    MINIINET_RUNDIR=$tmp/run
    MINIINET_PERSISTDIR=$tmp/persist
    export MINIINET_RUNDIR MINIINET_PERSISTDIR
fi

cleanup() {
    for c in one four; do
        "$miniinet" -q -c "$tmp/$c.cfg" down >/dev/null 2>&1 || true
    done
    "$testbed" down >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

"$testbed" up 4 >/dev/null

# timed LABEL COMMAND...: runs COMMAND (its output in $tmp/timed.out),
# prints LABEL, its wall time and the machine's CPU-seconds meanwhile; the
# wall time in $timed_s.  A command that fails ends the bench.
timed() {
    label=$1
    shift
    c0=$(machine_cpu)
    w0=$(now)
    if ! "$@" >"$tmp/timed.out" 2>&1; then
        tail -20 "$tmp/timed.out" >&2
        echo "bench/multi.sh: $label failed" >&2
        exit 1
    fi
    w1=$(now)
    c1=$(machine_cpu)
    timed_s=$(secs "$w0" "$w1")
    printf '  %-34s %7s s  %8s CPU-s machine\n' "$label" "$timed_s" "$(secs "$c0" "$c1")"
}

# quoted WORD: WORD in single quotes for the remote shell, any ' in it
# escaped.
quoted() {
    printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# on_server K ARGS...: miniinet ARGS on server sK, as the master runs it
# (`exec [env MINIINET_PLUGIN_PATH=...] PROGRAM --server sK ARGS`).
on_server() {
    k=$1
    shift
    cmd="exec"
    [ -z "${MINIINET_PLUGIN_PATH:-}" ] ||
        cmd="$cmd env $(quoted "MINIINET_PLUGIN_PATH=$MINIINET_PLUGIN_PATH")"
    cmd="$cmd $(quoted "$MINIINET_REMOTE_PROGRAM") --server s$k"
    for a in "$@"; do
        cmd="$cmd $(quoted "$a")"
    done
    ssh -i "$TESTBED_DIR/id_ed25519" -o UserKnownHostsFile="$TESTBED_DIR/known_hosts" \
        -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=10 \
        -o LogLevel=ERROR "root@198.18.0.$k" "$cmd"
}

if [ "${1:-}" = alone ]; then
    name=$("$miniinet" -c "$tmp/four.cfg" plan --json |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["name"])')
    echo "== $alone_file: $("$miniinet" -c "$tmp/one.cfg" validate 2>&1 | sed 's/^miniinet: [^:]*: //')"
    echo "== 1. one server (this machine)"
    timed "up" "$miniinet" -c "$tmp/one.cfg" up
    single=$timed_s
    timed "down" "$miniinet" -c "$tmp/one.cfg" down
    echo "== 2. the master's own part, 4 servers ($("$miniinet" -c "$tmp/four.cfg" validate 2>&1 |
        sed -n 's/.*(\([0-9]*\) between servers).*/\1 links between them/p'))"
    timed "preflight (connect, push, checks)" "$miniinet" -c "$tmp/four.cfg" preflight
    master_own=$timed_s
    echo "== 3. each server's part alone (the other three idle)"
    slowest=0
    slowest_k=
    for k in 1 2 3 4; do
        timed "s$k: up" on_server "$k" -c "/run/miniinet/$name.cfg" up
        grep -E 'is up' "$tmp/timed.out" | sed 's/^/    /'
        if awk -v a="$timed_s" -v b="$slowest" 'BEGIN { exit !(a > b) }'; then
            slowest=$timed_s
            slowest_k=$k
        fi
        timed "s$k: down" on_server "$k" -c "/run/miniinet/$name.cfg" down
    done
    echo "== projection for 4 machines"
    awk -v m="$master_own" -v p="$slowest" -v k="$slowest_k" -v s="$single" 'BEGIN {
        printf "  master %.1f s + slowest part (s%s) %.1f s = %.1f s, against %.1f s on one server: %.2fx\n",
            m, k, p, m + p, s, (m + p) / s }'
    exit 0
fi

# Bytes through the underlay (every server's port on the test bed's bridge).
underlay_bytes() {
    total=0
    for k in 1 2 3 4; do
        for f in rx_bytes tx_bytes; do
            v=$(cat "/sys/class/net/tb-s$k-u/statistics/$f")
            total=$((total + v))
        done
    done
    # Each byte crosses two ports (out of one server, into another).
    echo $((total / 2))
}

run() {
    label=$1
    cfg=$tmp/$2.cfg
    t0=$(now)
    "$miniinet" -c "$cfg" up 2>"$tmp/$2.up" >/dev/null
    t1=$(now)
    i=0
    until "$miniinet" -c "$cfg" check >"$tmp/$2.check" 2>&1; do
        i=$((i + 1))
        [ "$i" -lt 120 ] || { echo "$label: not converged" >&2; break; }
        sleep 2
    done
    t2=$(now)
    b0=$(underlay_bytes)
    sleep "$idle"
    b1=$(underlay_bytes)
    t3=$(now)
    "$miniinet" -c "$cfg" down 2>"$tmp/$2.down" >/dev/null
    t4=$(now)

    echo "== $label"
    printf '  %-34s %s\n' "up (master returns)" "$(secs "$t0" "$t1") s"
    printf '  %-34s %s\n' "all reachable, all BGP up" \
        "$(secs "$t0" "$t2") s after up started ($(tail -1 "$tmp/$2.check"))"
    printf '  %-34s %s\n' "down" "$(secs "$t3" "$t4") s"
    printf '  %-34s %s\n' "underlay bytes at idle" \
        "$(awk -v b=$((b1 - b0)) -v t="$idle" 'BEGIN { printf "%.0f B/s (%d B in %d s)", b / t, b, t }')"
    echo "  phases per server (s):"
    for k in 1 2 3 4; do
        line=$(sed -n "s/^s$k: miniinet: \[ *[0-9.]*s\] \([a-z]*\): done in \([0-9.]*\)s/\1 \2/p" \
            "$tmp/$2.up" | tr '\n' ' ')
        [ -n "$line" ] && printf '    s%d: %s\n' "$k" "$line"
    done
    grep -E '^s[1-4]: .*network .* is up' "$tmp/$2.up" | sed 's/^/    /' || true
}

run "1 server (s1 holds every AS)" one
run "4 servers" four
