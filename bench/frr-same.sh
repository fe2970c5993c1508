#!/bin/sh
# Check at class scale that every router starts with the same configuration
# whichever way it is loaded: brings FILE up with each FRR daemon reading
# its own file as it starts (DAEMON.conf, the default since plugin ABI
# 4.10), takes every router's and route server's `show running-config`
# (vtysh's merged one and each daemon's own), takes it down, brings it up
# again loading each router's integrated frr.conf with one `vtysh -f` once
# its daemons run (MINIINET_FRR_VTYSH_LOAD=1, the way before), takes the
# same, takes it down, and compares the two.  tests/up.test does the same
# for small.cfg in the suite; a class-size file takes two `up`s and 2,500
# vtysh calls, too long for it.  As root, on a machine where nothing else
# runs a network with these names.
#
#   bench/frr-same.sh                configs/class-60.cfg
#   bench/frr-same.sh FILE.cfg       another topology
#
# Environment: MINIINET (default: miniinet in PATH), JOBS (default: nproc;
# the nodes whose configurations are read at once).
#
# Prints the time of each step and how many nodes and texts were compared;
# exits 0 when every text is byte-identical, 1 when one differs (the first
# differences printed) or a step failed.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"
miniinet=${MINIINET:-miniinet}
jobs=${JOBS:-$(nproc)}
cfg=${1:-$top/configs/class-60.cfg}

if [ "$(id -u)" -ne 0 ]; then
    echo "bench/frr-same.sh: run as root" >&2
    exit 1
fi
"$miniinet" -c "$cfg" validate

tmp=$(mktemp -d /tmp/miniinet-frrsame.XXXXXX)
chmod 755 "$tmp" # FRR's daemons (user frr) write below it
MINIINET_RUNDIR=$tmp/run
export MINIINET_RUNDIR
unset MINIINET_FRR_VTYSH_LOAD

cleanup() {
    "$miniinet" -q -c "$cfg" down >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

plan_nodes "$cfg" >"$tmp/nodes"
awk '$2 == "router" || $2 == "routeserver" { print $1 }' "$tmp/nodes" \
    >"$tmp/frr"
n=$(wc -l <"$tmp/frr")
if [ "$n" -eq 0 ]; then
    echo "bench/frr-same.sh: $cfg has no router" >&2
    exit 1
fi
# A node of the plan that exists already belongs to another network with
# these names: leave it alone.
while read -r name _; do
    if [ -e "/run/netns/$name" ]; then
        echo "bench/frr-same.sh: namespace $name exists (another network" \
            "with these names is up)" >&2
        exit 1
    fi
done <"$tmp/nodes"

# configs DIR: each FRR node's texts into DIR/NODE, in one exec per node:
# vtysh's merged `show running-config`, then each daemon's own, each after a
# line naming it (`vtysh -N NODE`, as miniinet's own calls).  A node whose
# exec fails leaves DIR/NODE.failed.
configs() {
    mkdir -p "$1"
    # Names are passed as arguments, never put into a script.
    # shellcheck disable=SC2016
    xargs -P "$jobs" -I NODE sh -c '
        "$1" -c "$2" exec "$3" -- sh -c "
            echo \"== vtysh\"; vtysh -N \"\$0\" -c \"show running-config\"
            for d in zebra staticd ospfd bgpd; do
                echo \"== \$d\"
                vtysh -N \"\$0\" -d \$d -c \"show running-config\"
            done" "$3" >"$4/$3" 2>&1 || : >"$4/$3.failed"' \
        sh "$miniinet" "$cfg" NODE "$1" <"$tmp/frr"
    failed=$(find "$1" -name '*.failed' -printf '%f ' | sed 's/\.failed//g')
    if [ -n "$failed" ]; then
        echo "bench/frr-same.sh: could not read the configuration of:" \
            "$failed" >&2
        return 1
    fi
}

# round WAY DIR: up (timed), the texts into DIR, down.
round() {
    t0=$(now)
    if ! "$miniinet" -q -c "$cfg" up; then
        echo "bench/frr-same.sh: up ($1) failed" >&2
        return 1
    fi
    t1=$(now)
    configs "$2"
    t2=$(now)
    "$miniinet" -q -c "$cfg" down
    t3=$(now)
    echo "$1: up $(secs "$t0" "$t1") s, $n nodes' configurations read in" \
        "$(secs "$t1" "$t2") s, down $(secs "$t2" "$t3") s"
}

echo "$cfg: $n routers and route servers"
round "each daemon its own file" "$tmp/own"
MINIINET_FRR_VTYSH_LOAD=1
export MINIINET_FRR_VTYSH_LOAD
round "vtysh -f frr.conf" "$tmp/vtysh"
unset MINIINET_FRR_VTYSH_LOAD

# Each node's texts must be there and hold its BGP configuration (the
# merged one and bgpd's), or two equal error messages would pass.
for d in "$tmp/own" "$tmp/vtysh"; do
    while read -r name; do
        if [ "$(grep -c '^router bgp ' "$d/$name")" -lt 2 ]; then
            echo "bench/frr-same.sh: $name ($(basename "$d")): no" \
                "'router bgp' in its texts:" >&2
            head -5 "$d/$name" >&2
            exit 1
        fi
    done <"$tmp/frr"
done
texts=$(cat "$tmp/own"/* | grep -c '^== ')
if diff -r -u "$tmp/vtysh" "$tmp/own" >"$tmp/diff"; then
    echo "same: all $texts texts ($n nodes: vtysh's merged" \
        "show running-config and each of zebra, staticd, ospfd and bgpd's)" \
        "byte-identical"
    exit 0
fi
echo "DIFFERENT: $(grep -c '^diff ' "$tmp/diff" || true) of $n nodes differ;" \
    "the first lines of the differences:"
head -60 "$tmp/diff"
exit 1
