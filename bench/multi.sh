#!/bin/sh
# Benchmark: the cost of distribution.  configs/multi-server.cfg on the
# simulated test bed, first on 1 server (every AS placed on s1), then on 4
# (as the file places them), on the same machine -- so the figures compare
# what spreading costs, not a speedup.  For each: time of `up` as the
# master sees it, each server's phases, time until every host reaches every
# other and every BGP session is up (`check` exits 0), `down`, and the bytes the servers exchange over the underlay while
# the network idles (BGP keepalives and the like through the tunnels).
#
#   bench/multi.sh            as root; needs sshd, Open vSwitch, FRR
#
# Environment: MINIINET (default: miniinet in PATH; its plugins must be
# found on the servers too, e.g. installed), IDLE (seconds measured at
# idle, default 30).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
miniinet=${MINIINET:-miniinet}
idle=${IDLE:-30}
tmp=$(mktemp -d /tmp/miniinet-bench-multi.XXXXXX)
chmod 755 "$tmp"
TESTBED_DIR=$tmp/tb
MINIINET_REMOTE_PROGRAM=$(command -v "$miniinet")
export TESTBED_DIR MINIINET_REMOTE_PROGRAM
testbed=$top/tests/testbed/testbed

if [ "$(id -u)" -ne 0 ]; then
    echo "bench/multi.sh: run as root" >&2
    exit 1
fi

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

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
