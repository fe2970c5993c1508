#!/bin/sh
# Benchmark: what snapshots and healing cost on a converged network.  Brings
# the network up, waits until `check` exits 0, then times, each with the
# CPU-seconds it took:
#   save            a whole-network snapshot (every router's vtysh, every
#                   host's addresses and routes, every switch's VLANs)
#   size            the snapshot's size on disk and its number of files
#   save again      the same state: found unchanged, nothing stored
#   restore (unchanged)
#                   that snapshot put back on a network that still runs it:
#                   each router's running configuration is read and found
#                   equal, so no frr-reload.py runs (hosts and switches
#                   are converged as always)
#   restore (every router changed)
#                   the same after one prefix-list line was added to every
#                   router (untimed, `exec R vtysh`, JOBS at a time): one
#                   frr-reload.py per router; then the routers that still
#                   have the line are counted (0 expected)
#   heal            one router's FRR daemons killed (from their pid files),
#                   then `up`, which finds and restarts them
# and takes the network down.  As root, on a machine where nothing else runs.
#
#   bench/snapshot.sh               configs/class-60.cfg
#   bench/snapshot.sh FILE.cfg      another topology
#
# Before the snapshots, one probe round of the dashboard (`check`, then
# `status`: what `serve` runs each period) is timed the same way.
#
# Environment: MINIINET (default: miniinet in PATH), JOBS (default: nproc),
# MINIINET_PLUGIN_PATH (for a build tree, as tests/lib.sh sets it).
# CPU: "own" is miniinet's and every process it waited for (vtysh,
# frr-reload.py), from getrusage by /usr/bin/time; "machine" is the
# /proc/stat delta of the whole machine over the same interval (the daemons'
# work, other load included: compare on an idle machine only).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"
miniinet=${MINIINET:-miniinet}
jobs=${JOBS:-$(nproc)}
cfg=${1:-$top/configs/class-60.cfg}
tmp=$(mktemp -d /tmp/miniinet-bench.XXXXXX)
chmod 755 "$tmp" # FRR's daemons (user frr) write below it
MINIINET_RUNDIR=$tmp/run
MINIINET_PERSISTDIR=$tmp/persist
export MINIINET_RUNDIR MINIINET_PERSISTDIR

if [ "$(id -u)" -ne 0 ]; then
    echo "bench/snapshot.sh: run as root" >&2
    exit 1
fi
[ -x /usr/bin/time ] || {
    echo "bench/snapshot.sh: needs /usr/bin/time (apt-get install time)" >&2
    exit 1
}

cleanup() {
    "$miniinet" -q -c "$cfg" down --purge >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM


# timed LABEL COMMAND...: runs miniinet with COMMAND, prints one line
# "LABEL  wall s  own CPU-s  machine CPU-s", exit status of the command.
timed() {
    label=$1
    shift
    t0=$(now) m0=$(machine_cpu)
    set +e
    /usr/bin/time -f '%U %S' -o "$tmp/time" \
        "$miniinet" -j "$jobs" -c "$cfg" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    set -e
    t1=$(now) m1=$(machine_cpu)
    own=$(awk 'END { printf "%.1f", $1 + $2 }' "$tmp/time")
    printf '%-28s %7s s  %6s CPU-s own  %6s CPU-s machine%s\n' "$label" \
        "$(secs "$t0" "$t1")" "$own" "$(secs "$m0" "$m1")" \
        "$([ "$rc" -eq 0 ] || echo "  (exit $rc)")"
    if [ "$rc" -ne 0 ]; then
        tail -20 "$tmp/err" >&2
    else
        # What miniinet said last (done, restored, unchanged, ...).
        grep -v '^\[' "$tmp/err" | tail -"${SAID:-1}" | sed 's/^/  /'
    fi
    return "$rc"
}

"$miniinet" -c "$cfg" validate
net=$("$miniinet" -c "$cfg" plan --json |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["name"])')

echo "== up ($cfg, -j $jobs)"
timed "up" up
echo "== waiting until check exits 0 (at most 600 s)"
t0=$(now)
ok=no
while [ "$(secs "$t0" "$(now)" | cut -d. -f1)" -lt 600 ]; do
    if "$miniinet" -j "$jobs" -c "$cfg" check >"$tmp/check" 2>&1; then
        ok=yes
        break
    fi
    sleep 5
done
[ "$ok" = yes ] || {
    tail -3 "$tmp/check" >&2
    echo "bench/snapshot.sh: check did not pass within 600 s" >&2
    exit 1
}
echo "  converged $(secs "$t0" "$(now)") s after up returned"

echo "== one probe round of the dashboard"
timed "check" check
timed "status" status

echo "== snapshots"
timed "save --name bench" save --name bench
snap=$MINIINET_PERSISTDIR/$net/snapshots/bench
[ -d "$snap" ] || snap=$(find "$MINIINET_PERSISTDIR/$net" -maxdepth 3 -type d -name bench | head -1)
printf '%-28s %7s kB on disk, %s files, %s kB of content\n' "snapshot size" \
    "$(du -sk "$snap" | cut -f1)" "$(find "$snap" -type f | wc -l)" \
    "$(find "$snap" -type f -exec cat {} + | wc -c | awk '{ printf "%d", $1 / 1024 }')"
timed "save (state unchanged)" save
timed "restore (unchanged)" restore bench

routers=$("$miniinet" -c "$cfg" plan --json | python3 -c '
import json, sys
for n in json.load(sys.stdin)["nodes"]:
    if n["kind"] in ("router", "routeserver"): print(n["name"])')
n_routers=$(echo "$routers" | wc -l)
# Every router changed (untimed): JOBS vtysh at a time, each bounded.
echo "$routers" | xargs -P "$jobs" -I {} timeout 30 "$miniinet" -c "$cfg" exec {} \
    vtysh -c 'configure terminal' -c 'ip prefix-list BENCH seq 5 permit 10.250.0.0/16' \
    >/dev/null 2>&1 || true
# shellcheck disable=SC2016
changed() { # how many routers run the BENCH line
    echo "$routers" | xargs -P "$jobs" -I {} sh -c \
        'timeout 30 "$1" -c "$2" exec "$3" vtysh -c "show running-config" 2>/dev/null |
            grep -q "prefix-list BENCH" && echo "$3"' sh "$miniinet" "$cfg" {} | wc -l
}
echo "  $(changed) of $n_routers routers changed (a prefix-list line added)"
timed "restore (every router changed)" restore bench
echo "  $(changed) of $n_routers routers still have the line after it"

echo "== heal one router"
router=$("$miniinet" -c "$cfg" plan --json | python3 -c '
import json, sys
p = json.load(sys.stdin)
print([n["name"] for n in p["nodes"] if n["kind"] == "router"][0])')
find "$MINIINET_RUNDIR/$net/nodes/$router" \( -name zebra.pid -o -name bgpd.pid \
    -o -name ospfd.pid -o -name staticd.pid \) >"$tmp/pids"
n=0
while read -r f; do
    kill -9 "$(cat "$f")" 2>/dev/null && n=$((n + 1))
done <"$tmp/pids"
echo "  $router: $n FRR daemons killed"
SAID=3 timed "up (heals $router)" up

echo "== down"
timed "down" down
