#!/bin/sh
# Check at class scale that every router starts with the same configuration
# whichever way it is loaded: brings FILE up with each FRR daemon reading
# its own file as it starts (DAEMON.conf, the default since plugin ABI
# 4.10), takes every router's and route server's `show running-config`
# (vtysh's merged one and that of each daemon the node runs), takes it
# down, brings it up again loading each router's integrated frr.conf with
# one `vtysh -f` once its daemons run (MINIINET_FRR_VTYSH_LOAD=1, the way
# before), takes the same, takes it down, and compares the two.
# tests/up.test does the same for small.cfg in the suite; a class-size file
# takes two `up`s and about 4,500 vtysh calls, too long for it.  As root,
# on a machine where no network with these names is up.  One server only:
# a master does not pass MINIINET_FRR_VTYSH_LOAD on to its servers.
#
#   bench/frr-same.sh                configs/class-60.cfg
#   bench/frr-same.sh FILE.cfg       another topology
#
# Environment: MINIINET (default: miniinet in PATH), JOBS (default: nproc;
# the nodes whose configurations are read at once).
#
# Prints the time of each step and how many nodes and texts were compared;
# exits 0 when every text is byte-identical, non-zero when one differs (the
# first differences printed) or a step failed (said on stderr).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"
miniinet=${MINIINET:-miniinet}
jobs=${JOBS:-$(nproc)}
cfg=${1:-$top/configs/class-60.cfg}
daemons="zebra staticd ospfd bgpd"

fail() {
    echo "bench/frr-same.sh: $*" >&2
    exit 1
}
case $jobs in
'' | *[!0-9]* | 0) fail "JOBS is a number of nodes at once, not '$jobs'" ;;
esac
[ "$(id -u)" -eq 0 ] || fail "run as root"
"$miniinet" -c "$cfg" validate

tmp=$(mktemp -d /tmp/miniinet-frrsame.XXXXXX)
chmod 755 "$tmp" # FRR's daemons (user frr) write below it
MINIINET_RUNDIR=$tmp/run
export MINIINET_RUNDIR
unset MINIINET_FRR_VTYSH_LOAD

# The network's record is in $tmp/run: when `down` fails, $tmp stays for
# the next `down` to find it.
made=
cleanup() {
    if [ -z "$made" ] || "$miniinet" -q -c "$cfg" down >/dev/null 2>&1; then
        rm -rf "$tmp"
    else
        echo "bench/frr-same.sh: down failed; the network's record is kept:" \
            "MINIINET_RUNDIR=$MINIINET_RUNDIR miniinet -c $cfg down" >&2
    fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

"$miniinet" -c "$cfg" plan --json | python3 -c 'import json, sys
p = json.load(sys.stdin)
print(p["name"], len(p["servers"]))' >"$tmp/net"
read -r net servers <"$tmp/net"
plan_nodes "$cfg" >"$tmp/nodes"
[ "$servers" -eq 1 ] ||
    fail "$cfg has $servers servers: one only (a master does not pass" \
        "MINIINET_FRR_VTYSH_LOAD on)"
awk '$2 == "router" || $2 == "routeserver" { print $1 }' "$tmp/nodes" \
    >"$tmp/frr"
n=$(wc -l <"$tmp/frr")
[ "$n" -gt 0 ] || fail "$cfg has no router"
# A node of the plan that exists already belongs to another network with
# these names: leave it alone.
while read -r name _; do
    [ ! -e "/run/netns/$name" ] ||
        fail "namespace $name exists (another network with these names is up)"
done <"$tmp/nodes"
nodes_dir=$MINIINET_RUNDIR/$net/nodes

# configs DIR: each FRR node's texts into DIR/NODE, in one exec per node:
# vtysh's merged `show running-config`, then that of each daemon the node
# runs ($tmp/daemons/NODE), each after a line naming it (`vtysh -N NODE`, as
# miniinet's own calls; 30 s at most each).  A node where one of them fails
# leaves DIR/NODE.failed.  Names are passed as arguments, never put into a
# script: xargs adds the node's after the others ($5).
configs() {
    mkdir -p "$1"
    # shellcheck disable=SC2016
    xargs -P "$jobs" -L 1 sh -c '
        "$1" -c "$2" exec "$5" -- sh -c "
            node=\$1; shift
            echo \"== vtysh\"
            timeout 30 vtysh -N \"\$node\" -c \"show running-config\" || exit 1
            for d in \"\$@\"; do
                echo \"== \$d\"
                timeout 30 vtysh -N \"\$node\" -d \"\$d\" \
                    -c \"show running-config\" || exit 1
            done" sh "$5" $(cat "$3/daemons/$5") >"$3/$4/$5" 2>&1 ||
            : >"$3/$4/$5.failed"' \
        sh "$miniinet" "$cfg" "$tmp" "$(basename "$1")" <"$tmp/frr" ||
        fail "reading the configurations failed (xargs: $?)"
    failed=$(find "$1" -name '*.failed' -printf '%f ' | sed 's/\.failed//g')
    [ -z "$failed" ] || fail "could not read the configuration of: $failed"
}

# round WAY DIR: up (timed), the texts into DIR, down.
round() {
    t0=$(now)
    made=yes
    "$miniinet" -q -c "$cfg" up || fail "up ($1) failed"
    t1=$(now)
    if [ "$2" = "$tmp/own" ]; then
        # Each daemon's own file, where `up` wrote one: the daemons each
        # node runs, and the proof that this way was taken.
        mkdir -p "$tmp/daemons"
        while read -r name; do
            for d in $daemons; do
                [ ! -f "$nodes_dir/$name/$d.conf" ] || echo "$d"
            done >"$tmp/daemons/$name"
            grep -qx zebra "$tmp/daemons/$name" ||
                fail "$name: no $nodes_dir/$name/zebra.conf: the runtime" \
                    "plugin does not start daemons from their own files" \
                    "(plugin ABI 4.10)"
        done <"$tmp/frr"
    elif find "$nodes_dir" -name zebra.conf | grep -q .; then
        fail "MINIINET_FRR_VTYSH_LOAD=1's up wrote per-daemon files"
    fi
    configs "$2"
    t2=$(now)
    "$miniinet" -q -c "$cfg" down || fail "down ($1) failed"
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

# Every text must be a configuration, and the merged one and bgpd's hold
# the node's BGP: two equal error messages must not pass.
for dir in "$tmp/own" "$tmp/vtysh"; do
    while read -r name; do
        f=$dir/$name
        texts=$(grep -c '^== ' "$f" || true)
        confs=$(grep -c '^Current configuration:' "$f" || true)
        bgp=$(grep -c '^router bgp ' "$f" || true)
        [ "${texts:-0}" -eq "$(($(wc -l <"$tmp/daemons/$name") + 1))" ] &&
            [ "${confs:-0}" -eq "$texts" ] && [ "${bgp:-0}" -ge 2 ] ||
            fail "$name ($(basename "$dir")): not every text is a" \
                "configuration with its BGP: $(head -3 "$f" | tr '\n' ' ')"
    done <"$tmp/frr"
done
texts=$(cat "$tmp/own"/* | grep -c '^== ')
if diff -r -u "$tmp/vtysh" "$tmp/own" >"$tmp/diff"; then
    echo "same: all $texts texts ($n nodes: vtysh's merged show" \
        "running-config and each daemon's own) byte-identical"
    exit 0
fi
echo "DIFFERENT: $(diff -r -q "$tmp/vtysh" "$tmp/own" | wc -l) of $n nodes" \
    "differ; the first lines of the differences:"
head -60 "$tmp/diff"
exit 1
