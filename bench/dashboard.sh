#!/bin/sh
# Benchmark: what the dashboard costs and how it holds a burst, on one
# network up here: `check`'s time and CPU (what every probe round of
# `serve` runs; median of RUNS), then `serve` answering 50 concurrent
# /api/lg requests for a router whose FRR answers and for one whose FRR
# daemons are stopped (SIGSTOP: vtysh hangs until its time limit), with
# one /api/matrix request during each burst, and how long `serve` takes to
# stop on SIGTERM.  With MINIINET_BEFORE, the same for that binary too
# (e.g. a build of main), on the same network.  As root; needs FRR, Open
# vSwitch, curl and python3.
#
#   bench/dashboard.sh                 configs/small.cfg
#   bench/dashboard.sh FILE.cfg        another topology (ROUTER must be in it)
#
# Environment: MINIINET (default: miniinet in PATH), MINIINET_BEFORE (none),
# RUNS (default 10), ROUTER (the one stopped, default 3_LYONrouter),
# PORT (default 18417), MINIINET_PLUGIN_PATH (for a build tree).
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
miniinet=${MINIINET:-miniinet}
before=${MINIINET_BEFORE:-}
runs=${RUNS:-10}
router=${ROUTER:-3_LYONrouter}
port=${PORT:-18417}
cfg_in=${1:-$top/configs/small.cfg}

if [ "$(id -u)" -ne 0 ]; then
    echo "bench/dashboard.sh: run as root" >&2
    exit 1
fi
tmp=$(mktemp -d /tmp/miniinet-bench-dash.XXXXXX)
chmod 755 "$tmp" # FRR's daemons (user frr) write below it
MINIINET_RUNDIR=$tmp/run
export MINIINET_RUNDIR
cfg=$tmp/$(basename "$cfg_in")
cp "$cfg_in" "$cfg"
net=$("$miniinet" -q -c "$cfg" plan --json | python3 -c 'import json, sys
print(json.load(sys.stdin)["name"])') || { echo "$cfg_in: no plan" >&2; exit 1; }
spid=

daemons() { cat "$MINIINET_RUNDIR/$net/nodes/$router/"*.pid 2>/dev/null; }
cleanup() {
    for p in $(daemons); do kill -CONT "$p" 2>/dev/null; done
    [ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid"
    "$miniinet" -q -c "$cfg" down >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

"$miniinet" -q -c "$cfg" up >/dev/null || { echo "up failed" >&2; exit 1; }
i=0
until "$miniinet" -q -c "$cfg" check >/dev/null 2>&1; do
    i=$((i + 1))
    [ "$i" -lt 120 ] || { echo "not converged after 120 s" >&2; exit 1; }
    sleep 1
done
echo "network $net up, converged after ~$i s"

# median_of FILE LABEL: "wall user sys" lines.
median_of() {
    python3 - "$1" "$2" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if len(l.split()) == 3]
w = sorted(float(r[0]) for r in rows)
c = sorted(float(r[1]) + float(r[2]) for r in rows)
print("%s: check, %d runs: wall median %.2f s (min %.2f, max %.2f), CPU median %.2f s"
      % (sys.argv[2], len(rows), w[len(w) // 2], w[0], w[-1], c[len(c) // 2]))
PY
}

# burst ROUTER LABEL: 50 concurrent /api/lg/ROUTER, one /api/matrix.
burst() {
    pids=
    for n in $(seq 1 50); do
        curl -s --max-time 30 -o /dev/null -w '%{http_code} %{time_total}\n' \
            "http://127.0.0.1:$port/api/lg/$1" >"$tmp/b.$n" &
        pids="$pids $!"
    done
    sleep 0.05
    m=$(curl -s --max-time 30 -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/api/matrix")
    # shellcheck disable=SC2086 # the curls' pids
    wait $pids
    cat "$tmp"/b.* | python3 -c 'import sys
l = [x.split() for x in sys.stdin if x.strip()]
t = sorted(float(x[1]) for x in l)
print("%s: %d/50 answered 200, median %.3f s, slowest %.3f s; /api/matrix meanwhile %.3f s"
      % (sys.argv[1], sum(x[0] == "200" for x in l), t[len(t) // 2], t[-1], float(sys.argv[2])))' "$2" "$m"
    rm -f "$tmp"/b.*
}

for who in ${before:+before} this; do
    bin=$miniinet
    [ "$who" = before ] && bin=$before
    : >"$tmp/times"
    k=0
    while [ "$k" -lt "$runs" ]; do
        /usr/bin/time -f "%e %U %S" "$bin" -q -c "$cfg" check >/dev/null 2>>"$tmp/times"
        k=$((k + 1))
    done
    median_of "$tmp/times" "$who"

    "$bin" -q -c "$cfg" serve --listen "127.0.0.1:$port" --period 60 >"$tmp/serve.log" 2>&1 &
    spid=$!
    i=0
    until curl -s -o /dev/null "http://127.0.0.1:$port/api/matrix"; do
        i=$((i + 1))
        [ "$i" -lt 50 ] || { echo "$who: serve does not answer" >&2; cat "$tmp/serve.log" >&2; exit 1; }
        sleep 0.2
    done
    other=$(curl -s "http://127.0.0.1:$port/api/routers" | python3 -c 'import json, sys
print([r["name"] for r in json.load(sys.stdin)["routers"] if r["name"] != sys.argv[1]][0])' "$router")
    burst "$other" "$who: $other answering"
    for p in $(daemons); do kill -STOP "$p"; done
    burst "$router" "$who: $router not answering (its FRR daemons stopped)"
    for p in $(daemons); do kill -CONT "$p"; done
    t0=$(date +%s.%N)
    kill "$spid"
    wait "$spid"
    rc=$?
    t1=$(date +%s.%N)
    spid=
    echo "$who: serve exit $rc, $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}') s after SIGTERM"
done
