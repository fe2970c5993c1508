#!/bin/sh
# Benchmark: brings a network up, waits until every host reaches every
# other and every BGP session is up (`check` exits 0), takes it down, and prints the time per phase, the total, memory,
# and -- side by side, in the same run -- the time to merely start the same
# FRR daemons with the same configurations (the floor no orchestrator can
# beat), with the ratio.  As root, on a machine where nothing else runs.
#
#   bench/up.sh                      configs/class-60.cfg
#   bench/up.sh FILE.cfg             another topology
#   bench/up.sh 20                   the first 20 ASes' worth: a chain of
#                                    20 transit ASes (class-60's template)
#
# Environment: MINIINET (default: miniinet in PATH), JOBS (default: nproc).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
miniinet=${MINIINET:-miniinet}
jobs=${JOBS:-$(nproc)}
arg=${1:-$top/configs/class-60.cfg}
tmp=$(mktemp -d /tmp/miniinet-bench.XXXXXX)
chmod 755 "$tmp" # FRR's daemons (user frr) write below it
MINIINET_RUNDIR=$tmp/run
export MINIINET_RUNDIR

if [ "$(id -u)" -ne 0 ]; then
    echo "bench/up.sh: run as root" >&2
    exit 1
fi

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

case $arg in
*[!0-9]*) cfg=$arg ;;
*)
    # A chain of N transit ASes: AS i is the provider of AS i+1.
    n=$arg
    cfg=$tmp/bench-$n.cfg
    {
        echo "name = \"bench-$n\";"
        sed -n '/^templates = {/,/^};/p' "$top/configs/class-60.cfg"
        echo "ases = ( { asns = \"1-$n\"; template = \"transit\"; } );"
        echo "links = ("
        i=1
        while [ "$i" -lt "$n" ]; do
            sep=,
            [ "$((i + 1))" -eq "$n" ] && sep=
            echo "  ($i, \"LYON\", \"provider\", $((i + 1)), \"MUNI\")$sep"
            i=$((i + 1))
        done
        echo ");"
    } >"$cfg"
    ;;
esac

cleanup() {
    "$miniinet" -q -c "$cfg" down >/dev/null 2>&1 || true
    for ns in $(ls /run/netns 2>/dev/null | grep "^mbench_" || true); do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
        ip netns del "$ns" 2>/dev/null || true
        rm -rf "/var/run/frr/$ns"
    done
    if [ -f "$tmp/vartmp.before" ]; then
        ls /var/tmp/frr 2>/dev/null | sort | comm -13 "$tmp/vartmp.before" - |
            while read -r d; do rm -rf "/var/tmp/frr/$d"; done
        [ -e "$tmp/gr.before" ] || rm -f /var/run/frr/ospfd-gr.json
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

"$miniinet" -c "$cfg" validate
mem_avail() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }
mem0=$(mem_avail)

echo "== up ($cfg, -j $jobs)"
t0=$(now)
if ! "$miniinet" -j "$jobs" -c "$cfg" up 2>"$tmp/up.log"; then
    tail -20 "$tmp/up.log"
    exit 1
fi
t1=$(now)
grep -E 'done in|is up' "$tmp/up.log" | sed 's/^/  /'

echo "== waiting until check exits 0: every host reaches every other, every BGP session is up (at most 300 s after up)"
reached=no
while [ "$(secs "$t1" "$(now)" | cut -d. -f1)" -lt 300 ]; do
    if "$miniinet" -j "$jobs" -c "$cfg" check >"$tmp/check" 2>&1; then
        reached=yes
        break
    fi
    sleep 2
done
t2=$(now)
tail -1 "$tmp/check" 2>/dev/null | sed 's/^/  /'

# Memory: PSS of the FRR daemons of this network, and the machine's view.
pss=0
routers=0
for d in "$MINIINET_RUNDIR"/*/nodes/*; do
    found=
    for pidfile in "$d"/*.pid; do
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        kb=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)
        pss=$((pss + ${kb:-0}))
        found=1
    done
    [ -n "$found" ] && routers=$((routers + 1))
done
mem1=$(mem_avail)

# Keep the configurations for the floor.
mkdir -p "$tmp/confs"
for d in "$MINIINET_RUNDIR"/*/nodes/*; do
    [ -f "$d/frr.conf" ] && cp "$d/frr.conf" "$tmp/confs/$(basename "$d").conf"
done

echo "== down"
t3=$(now)
"$miniinet" -j "$jobs" -c "$cfg" down 2>"$tmp/down.log"
t4=$(now)
grep -E 'done in|is down' "$tmp/down.log" | sed 's/^/  /'

# The floor: the same daemons, the same configurations, in bare
# namespaces made beforehand (not timed), started $jobs at a time.
echo "== floor: starting the same FRR daemons without miniinet"
i=0
for conf in "$tmp/confs"/*.conf; do
    ns=mbench_$i
    ip netns add "$ns"
    mkdir -p "/var/run/frr/$ns" "$tmp/floor/$ns"
    chown frr:frr "/var/run/frr/$ns" "$tmp/floor/$ns"
    cp "$conf" "$tmp/floor/$ns/frr.conf"
    case $(basename "$conf") in
    *_IXP.conf) echo "$ns zebra bgpd" ;;
    *) echo "$ns zebra staticd ospfd bgpd" ;;
    esac
    i=$((i + 1))
done >"$tmp/floor.list"
cat >"$tmp/start-one" <<'SCRIPT'
#!/bin/sh
ns=$1; dir=$2; shift 2
for d in "$@"; do
    ip netns exec "$ns" /usr/lib/frr/$d -N "$ns" -d -i "$dir/$d.pid" \
        --log "file:$dir/$d.log" -f /dev/null || exit 1
done
# the daemons answer once their vty sockets exist
for d in "$@"; do
    n=0
    while [ ! -S "/var/run/frr/$ns/$d.vty" ] && [ $n -lt 200 ]; do
        sleep 0.05; n=$((n + 1))
    done
done
vtysh -N "$ns" -f "$dir/frr.conf" >/dev/null
SCRIPT
chmod +x "$tmp/start-one"
# The bare daemons write on the host (miniinet gives each node its own
# view): remember what was there, remove what they add.
ls /var/tmp/frr 2>/dev/null | sort >"$tmp/vartmp.before"
[ -e /var/run/frr/ospfd-gr.json ] && touch "$tmp/gr.before"
t5=$(now)
while read -r ns daemons; do
    # shellcheck disable=SC2086
    echo "$ns $tmp/floor/$ns $daemons"
done <"$tmp/floor.list" |
    xargs -P "$jobs" -L 1 sh -c '"$0" "$@"' "$tmp/start-one" 2>"$tmp/floor.err" ||
    { echo "warning: some floor starts failed:"; tail -5 "$tmp/floor.err"; }
t6=$(now)

up=$(secs "$t0" "$t1")
reach=$(secs "$t0" "$t2")
floor=$(secs "$t5" "$t6")
echo
echo "== results ($(basename "$cfg"), $routers FRR nodes, $(nproc) cores, -j $jobs)"
echo "up (miniinet returns):            ${up} s"
echo "until all hosts reach each other and all BGP sessions are up: ${reach} s (reached: $reached)"
echo "down:                             $(secs "$t3" "$t4") s"
echo "FRR floor (same daemons+configs): ${floor} s"
awk -v u="$up" -v f="$floor" 'BEGIN { if (f > 0) printf "ratio up / floor:                 %.2f\n", u / f }'
awk -v p="$pss" -v r="$routers" 'BEGIN { if (r > 0) printf "FRR memory: %.1f MB PSS in all, %.1f MB per FRR node\n", p / 1024, p / 1024 / r }'
echo "machine: MemAvailable dropped by $(((mem0 - mem1) / 1024)) MB while up"
