#!/bin/sh
# Benchmark: the tunnel plugins, side by side, on the simulated test bed.
#
#  1. TCP throughput (iperf3, 1 stream, $SECS s) between two routers on
#     different servers over their remote link, per tunnel and mode, and
#     the same two routers on one server, joined by a plain veth: the
#     ceiling.  The test bed's underlay passes through each server's
#     userspace Open vSwitch (br-phy, as a server without the kernel
#     datapath must), which caps every tunnel; vxlan's kernel mode needs no
#     Open vSwitch, so it is measured again on a test bed whose underlay is
#     the kernel's own (TESTBED_UNDERLAY=plain), as on real hardware.
#  2. Setup time of 10, 100 and 1000 remote links between one server pair
#     (TOS isolation: 10 and its maximum, 63): the phases that make links
#     and tunnels on s1 (links + tunnels + bridges, from its progress
#     lines), and the time per link.
#
#   bench/tunnels.sh       as root; needs sshd, Open vSwitch, FRR, iperf3
#
# Environment: MINIINET (default: miniinet in PATH; its plugins must be
# found on the servers too, e.g. installed), SECS (default 5), SIZES
# (default "10 100 1000"), VARIANTS (default: every line of
# tests/testbed/tunnel-variants, as tests/tunnels.test).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"
miniinet=${MINIINET:-miniinet}
secs=${SECS:-5}
sizes=${SIZES:-10 100 1000}
tmp=$(mktemp -d /tmp/miniinet-bench-tunnels.XXXXXX)
chmod 755 "$tmp"
TESTBED_DIR=$tmp/tb
MINIINET_REMOTE_PROGRAM=$(command -v "$miniinet")
export TESTBED_DIR MINIINET_REMOTE_PROGRAM
testbed=$top/tests/testbed/testbed
topology=$top/tests/testbed/tunnel-topology

if [ "$(id -u)" -ne 0 ]; then
    echo "bench/tunnels.sh: run as root" >&2
    exit 1
fi

# NAME PLUGIN SETTINGS per line, as tests/tunnels.test runs them.
variants_file=$top/tests/testbed/tunnel-variants
variants=${VARIANTS:-$(awk '!/^#/ && NF { print $1 }' "$variants_file")}
plugin_of() {
    awk -v v="$1" '!/^#/ && $1 == v { print $2 }' "$variants_file"
}
settings_of() {
    awk -v v="$1" '!/^#/ && $1 == v {
        sub(/^[^ \t]+[ \t]+[^ \t]+[ \t]+/, ""); print }' "$variants_file"
}
for v in $variants; do
    if [ -z "$(plugin_of "$v")" ]; then
        echo "bench/tunnels.sh: no variant $v in $variants_file" >&2
        exit 2
    fi
done

current=
cleanup() {
    [ -n "$current" ] && "$miniinet" -q -c "$current" down >/dev/null 2>&1
    "$testbed" down >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

on() {
    k=$1
    shift
    timeout 120 ssh -n -i "$TESTBED_DIR/id_ed25519" \
        -o UserKnownHostsFile="$TESTBED_DIR/known_hosts" -o BatchMode=yes \
        -o LogLevel=ERROR "root@198.19.0.$k" "$@"
}

# throughput LABEL PLUGIN SETTINGS [one]: Mbit/s over 1_A -> 2_A.
throughput() {
    cfg=$tmp/pair.cfg
    if [ "${4:-}" = one ]; then
        ONE_SERVER=1 "$topology" pair "$2" "$3" pair >"$cfg"
        far=1
    else
        "$topology" pair "$2" "$3" pair >"$cfg"
        far=2
    fi
    current=$cfg
    "$miniinet" -q -c "$cfg" up >"$tmp/up.out" 2>&1 || {
        tail -5 "$tmp/up.out" >&2
        return 1
    }
    on "$far" "ip netns exec 2_Arouter iperf3 -s -1 -D -B 10.9.1.2" >/dev/null 2>&1
    sleep 1
    mbits=$(on 1 "ip netns exec 1_Arouter iperf3 -c 10.9.1.2 -t $secs -J" |
        python3 -c 'import json, sys
print("%.0f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))')
    mtu=$(on 1 "ip netns exec 1_Arouter cat /sys/class/net/ext_2_A/mtu")
    "$miniinet" -q -c "$cfg" down >/dev/null 2>&1
    current=
    echo "$1 $mbits $mtu"
}

printf '\n== TCP throughput, 1_A -> 2_A, %s s, underlay through OVS (br-phy)\n' "$secs"
"$testbed" up 2 >/dev/null
: >"$tmp/tp"
throughput "veth(one-server)" gre "" one >>"$tmp/tp"
for v in $variants; do
    throughput "$v" "$(plugin_of "$v")" "$(settings_of "$v")" >>"$tmp/tp"
done
"$testbed" down >/dev/null
if echo "$variants" | grep -q vxlan-kernel; then
    TESTBED_UNDERLAY=plain "$testbed" up 2 >/dev/null
    throughput "veth(one-server,plain)" vxlan "" one >>"$tmp/tp"
    throughput "vxlan-kernel(plain)" vxlan "$(settings_of vxlan-kernel)" >>"$tmp/tp"
    "$testbed" down >/dev/null
fi
awk 'BEGIN { printf "%-26s %10s %6s %8s\n", "link", "Mbit/s", "MTU", "x veth" }
    /^veth/ { ceil = $2 }
    { printf "%-26s %10s %6s %8.2f\n", $1, $2, $3, $2 / ceil }' "$tmp/tp"

printf '\n== setup of N remote links between s1 and s2 (s1: links + tunnels + bridges phases)\n'
"$testbed" up 2 >/dev/null
printf '%-14s %6s %10s %12s %10s\n' variant links "phases s" "ms per link" "up s"
for v in $variants; do
    for n in $sizes; do
        case $v in gre-tos) [ "$n" -gt 63 ] && n=63 ;; esac
        cfg=$tmp/scale.cfg
        "$topology" scale "$(plugin_of "$v")" "$(settings_of "$v")" scale "$n" >"$cfg"
        current=$cfg
        t0=$(now)
        "$miniinet" -c "$cfg" up >"$tmp/up.out" 2>&1 || {
            tail -5 "$tmp/up.out" >&2
            exit 1
        }
        t1=$(now)
        phases=$(grep -E '^s1: .*(links|tunnels|bridges): done in' "$tmp/up.out" |
            sed 's/.*done in \([0-9.]*\)s.*/\1/' | awk '{ s += $1 } END { printf "%.2f", s }')
        awk -v v="$v" -v n="$n" -v p="$phases" -v a="$t0" -v b="$t1" \
            'BEGIN { printf "%-14s %6d %10.2f %12.2f %10.1f\n", v, n, p, 1000 * p / n, b - a }'
        "$miniinet" -q -c "$cfg" down >/dev/null 2>&1
        current=
        case $v in gre-tos) [ "$n" -eq 63 ] && break ;; esac
    done
done
"$testbed" down >/dev/null
