#!/bin/sh
# Benchmark: the docker runtime against the netns runtime on the same
# topology, side by side: time of `up`, time until every host reaches
# every other and every BGP session is up (`check` exits 0), time of `down`, and memory (PSS, from
# /proc/PID/smaps_rollup) of the FRR daemons per router, of everything in
# a node's namespace per node, and -- docker only -- of the containerd
# shims per container.  As root, with dockerd running and the images built
# (images/build), on a machine where nothing else runs.
#
#   bench/docker.sh                  configs/small.cfg
#   bench/docker.sh FILE.cfg         another topology
#
# Environment: MINIINET (default: miniinet in PATH), JOBS (default: nproc),
# MINIINET_PLUGIN_PATH (where the docker plugin is, for a build tree).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"
miniinet=${MINIINET:-miniinet}
jobs=${JOBS:-$(nproc)}
cfg=${1:-$top/configs/small.cfg}
tmp=$(mktemp -d /tmp/miniinet-bench.XXXXXX)
chmod 755 "$tmp" # FRR's daemons (user frr) write below it
MINIINET_RUNDIR=$tmp/run
export MINIINET_RUNDIR

if [ "$(id -u)" -ne 0 ]; then
    echo "bench/docker.sh: run as root" >&2
    exit 1
fi
docker version >/dev/null 2>&1 || {
    echo "bench/docker.sh: dockerd does not answer (start it first)" >&2
    exit 1
}

runtime=
cleanup() {
    [ -n "$runtime" ] && "$miniinet" -q -c "$cfg" down >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

"$miniinet" -c "$cfg" validate
plan_nodes "$cfg" >"$tmp/nodes"

n_nodes=$(wc -l <"$tmp/nodes")
n_routers=$(grep -c ' router$' "$tmp/nodes" || true)

for runtime in netns docker; do
    echo "== $runtime: up ($(basename "$cfg"), -j $jobs)"
    t0=$(now)
    if ! "$miniinet" -j "$jobs" --plugins="$runtime" -c "$cfg" up 2>"$tmp/up.log"; then
        tail -20 "$tmp/up.log"
        exit 1
    fi
    t1=$(now)
    reached=no
    while [ "$(secs "$t1" "$(now)" | cut -d. -f1)" -lt 300 ]; do
        if "$miniinet" -j "$jobs" --plugins="$runtime" -c "$cfg" check >"$tmp/check" 2>&1; then
            reached=yes
            break
        fi
        sleep 1
    done
    t2=$(now)
    tail -1 "$tmp/check" | sed 's/^/  /'
    ns_inodes "$runtime" "$tmp/nodes" router >"$tmp/routers.ino"
    ns_inodes "$runtime" "$tmp/nodes" >"$tmp/all.ino"
    frr=$(pss_in "$tmp/routers.ino" 'zebra|bgpd|ospfd|staticd')
    all=$(pss_in "$tmp/all.ino")
    shim=0
    if [ "$runtime" = docker ]; then
        for p in $(pgrep -f containerd-shim || true); do
            kb=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
            shim=$((shim + ${kb:-0}))
        done
    fi
    t3=$(now)
    "$miniinet" -j "$jobs" -c "$cfg" down 2>"$tmp/down.log"
    t4=$(now)
    echo "$runtime $(secs "$t0" "$t1") $(secs "$t0" "$t2") $reached $(secs "$t3" "$t4") $frr $all $shim" >>"$tmp/results"
done
runtime=

echo
echo "== results ($(basename "$cfg"): $n_nodes nodes, $n_routers routers; $(nproc) cores, -j $jobs)"
awk -v nodes="$n_nodes" -v routers="$n_routers" '
{ r[NR] = $1; up[NR] = $2; reach[NR] = $3 " s" ($4 == "yes" ? "" : " (not reached)");
  down[NR] = $5; frr[NR] = $6 / 1024 / routers; all[NR] = $7 / 1024 / nodes;
  shim[NR] = $8 / 1024 / nodes }
END {
  printf "%-40s %12s %12s\n", "", r[1], r[2]
  printf "%-40s %10s s %10s s\n", "up (miniinet returns)", up[1], up[2]
  printf "%-40s %12s %12s\n", "until check exits 0 (reach + BGP)", reach[1], reach[2]
  printf "%-40s %10s s %10s s\n", "down", down[1], down[2]
  printf "%-40s %9.1f MB %9.1f MB\n", "FRR daemons per router (PSS)", frr[1], frr[2]
  printf "%-40s %9.1f MB %9.1f MB\n", "all processes of a node, per node", all[1], all[2]
  printf "%-40s %12s %9.1f MB\n", "containerd shim per container", "-", shim[2]
}' "$tmp/results"
