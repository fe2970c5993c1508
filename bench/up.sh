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
#                                    20 transit ASes (class-60's template);
#                                    in a chain of more than 21, hosts 21 or
#                                    more ASes apart are more than 64 routers
#                                    apart (3 per AS: MUNI, BASE, LYON), past
#                                    a ping's TTL (25: 20 of 600 pairs, 60:
#                                    1560 of 3540, exactly those), so `check`
#                                    never passes and the bench waits its 300
#                                    s: its other figures (the floor's) hold
#
# Environment: MINIINET (default: miniinet in PATH), JOBS (default: nproc),
# RUNS (default 1: with more, the whole sequence runs that many times and
# the medians are printed), FRR_LOAD=vtysh (both `up` and the floor load
# each router's integrated frr.conf with one `vtysh -f` once its daemons
# run, the way before ABI 4.10, for comparison; by default each daemon
# reads its own part, DAEMON.conf, as it starts), FRR_LINKS=held (`up`
# holds every FRR node's links down until FRR runs on every router, then
# sets them up at once, instead of each router's links up from the start:
# MINIINET_FRR_LINKS=held, for comparison), RUNTIME=docker (`up` with
# --plugins=docker: every node a container; dockerd running, the images
# built; the floor stays bare daemons in namespaces, the same yardstick).
#
# CPU-seconds (user + system) are those of every process miniinet starts:
# the bench puts itself into a cpuacct cgroup of its own and everything it
# starts inherits it -- miniinet, vtysh, FRR's daemons and whatever runs in
# the nodes (miniinet moves nodes into its cpu/memory/pids groups, which on
# this kind of machine are other v1 hierarchies than cpuacct).  `check`,
# the probe, runs outside that group: its pings are not the network's cost.
# Open vSwitch's daemons (started by the system, not by miniinet) and the
# kernel's own threads are not in it: "machine" is the /proc/stat delta of
# the whole machine over the same interval beside it (other load included:
# compare on an idle machine only).  Where cpuacct is not a v1 hierarchy of
# its own (cgroup v2, or cpu,cpuacct mounted together: miniinet's per-node
# groups would take the daemons out of the bench's), only the machine's
# figure is given.  With the docker runtime, containers are dockerd's
# children, never in the bench's group: compare the machine's figures.
# Open vSwitch's share is printed apart when the network has a private
# instance (ovs-vswitchd's own user + system time, from /proc).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"
miniinet=${MINIINET:-miniinet}
jobs=${JOBS:-$(nproc)}
arg=${1:-$top/configs/class-60.cfg}
tmp=$(mktemp -d /tmp/miniinet-bench.XXXXXX)
chmod 755 "$tmp" # FRR's daemons (user frr) write below it
runs=${RUNS:-1}
runtime=${RUNTIME:-netns}
case $runtime in
netns | docker) ;;
*)
    echo "bench/up.sh: RUNTIME is netns or docker, not '$runtime'" >&2
    exit 1
    ;;
esac
links_note="routers' links up from the start"
case ${FRR_LINKS:-up} in
up) unset MINIINET_FRR_LINKS ;;
held)
    links_note="routers' links held down until the FRR phase ends"
    MINIINET_FRR_LINKS=held
    export MINIINET_FRR_LINKS
    ;;
*)
    echo "bench/up.sh: FRR_LINKS is up or held, not '$FRR_LINKS'" >&2
    exit 1
    ;;
esac
if [ "${FRR_LOAD:-}" = vtysh ]; then
    MINIINET_FRR_VTYSH_LOAD=1
    export MINIINET_FRR_VTYSH_LOAD
fi
MINIINET_RUNDIR=$tmp/run
export MINIINET_RUNDIR

if [ "$(id -u)" -ne 0 ]; then
    echo "bench/up.sh: run as root" >&2
    exit 1
fi


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
    [ -z "${sampler:-}" ] || kill "$sampler" 2>/dev/null || true
    if [ -n "${acct:-}" ] && [ -d "$acct" ]; then
        echo $$ >"$acct_root/cgroup.procs" 2>/dev/null || true
        rmdir "$acct" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

"$miniinet" -c "$cfg" validate
plan_nodes "$cfg" >"$tmp/nodes"
mem_avail() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }

# CPU accounting (see the top): $acct is the bench's cpuacct group.
acct_root=/sys/fs/cgroup/cpuacct
acct=
if [ -f "$acct_root/cpuacct.usage_user" ] && [ ! -L "$acct_root" ] &&
    [ ! -e /sys/fs/cgroup/cpu/cpuacct.usage ]; then
    acct=$acct_root/miniinet-bench.$$
    mkdir "$acct"
    echo $$ >"$acct/cgroup.procs"
fi
# CPU-seconds of the group ("-" without one) and of the machine, now.
group_cpu() {
    if [ -n "$acct" ]; then
        awk '{ s += $1 } END { printf "%.2f", s / 1e9 }' \
            "$acct/cpuacct.usage_user" "$acct/cpuacct.usage_sys"
    else
        echo -
    fi
}
# Samples "TIME GROUP MACHINE OVS" every 0.2 s into $tmp/samples, from
# outside the group, until killed: the FRR phase's share of `up` is read
# from them.
# The CPU-seconds of the network's private ovs-vswitchd so far ("-" while
# there is none, or with the server's own Open vSwitch): part of the
# group's, counted apart.
hz=$(getconf CLK_TCK)
ovs_cpu() {
    for f in "$MINIINET_RUNDIR"/*/switch/vsd.pid; do
        p=$(cat "$f" 2>/dev/null) || continue
        [ "$(cat "/proc/$p/comm" 2>/dev/null)" = ovs-vswitchd ] || continue
        awk -v hz="$hz" '{ printf "%.2f\n", ($14 + $15) / hz; exit }' \
            "/proc/$p/stat" 2>/dev/null && return
    done
    echo -
}
# Its figure at time T (the last sample before it).
ovs_at() {
    awk -v t="$1" '$1 <= t { o = $4 } END { print (o == "") ? "-" : o }' "$tmp/samples"
}
start_sampler() {
    (
        while :; do
            echo "$(now) $(group_cpu) $(machine_cpu) $(ovs_cpu)"
            sleep 0.2
        done
    ) >"$tmp/samples" &
    sampler=$!
    # Out of the group before it measures anything.
    [ -z "$acct" ] || echo "$sampler" >"$acct_root/cgroup.procs"
}
stop_sampler() {
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    sampler=
}
# The group's and machine's CPU at time T (the last sample before it).
cpu_at() {
    awk -v t="$1" '$1 <= t { g = $2; m = $3 } END { print g, m }' "$tmp/samples"
}
# diff2 A B [DECIMALS]: B - A (to a tenth unless DECIMALS says), "-" when
# either is.
diff2() { awk -v a="$1" -v b="$2" -v d="${3:-1}" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%.*f", d, b - a }'; }
# `check` outside the group: the probe's pings are not the network's cost.
check_out() {
    if [ -n "$acct" ]; then
        sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh \
            "$acct_root" "$miniinet" -j "$jobs" -c "$cfg" check
    else
        "$miniinet" -j "$jobs" -c "$cfg" check
    fi
}

run_once() {
r=$1
res=$tmp/result.$r
mem0=$(mem_avail)

echo "== up ($cfg, $runtime, -j $jobs, $links_note, run $r of $runs)"
start_sampler
t0=$(now)
g0=$(group_cpu) m0=$(machine_cpu)
if ! "$miniinet" -j "$jobs" --plugins="$runtime" -c "$cfg" up 2>"$tmp/up.log"; then
    stop_sampler
    tail -20 "$tmp/up.log"
    exit 1
fi
t1=$(now)
g1=$(group_cpu) m1=$(machine_cpu) o1=$(ovs_cpu)
grep -E 'done in|is up' "$tmp/up.log" | sed 's/^/  /'

echo "== waiting until check exits 0: every host reaches every other, every BGP session is up (at most 300 s after up)"
reached=no
while [ "$(secs "$t1" "$(now)" | cut -d. -f1)" -lt 300 ]; do
    if check_out >"$tmp/check" 2>&1; then
        reached=yes
        break
    fi
    sleep 2
done
t2=$(now)
g2=$(group_cpu) m2=$(machine_cpu) o2=$(ovs_cpu)
stop_sampler
tail -1 "$tmp/check" 2>/dev/null | sed 's/^/  /'

# The FRR phase, from up's "[  T s] frr: done in D s" (T from up's start).
frr=$(sed -n 's/.*\[ *\([0-9.]*\)s\] frr: done in \([0-9.]*\)s.*/\1 \2/p' "$tmp/up.log" |
    awk '{ printf "%s %s", $1 - $2, $1 }')
frr_cpu="- -"
ovs_frr=-
if [ -n "$frr" ]; then
    # shellcheck disable=SC2086
    set -- $frr
    ta=$(awk -v a="$t0" -v b="$1" 'BEGIN { printf "%.3f", a + b }')
    tb=$(awk -v a="$t0" -v b="$2" 'BEGIN { printf "%.3f", a + b }')
    fa=$(cpu_at "$ta")
    fb=$(cpu_at "$tb")
    # shellcheck disable=SC2086
    frr_cpu="$(diff2 ${fa% *} ${fb% *}) $(diff2 ${fa#* } ${fb#* })"
    ovs_frr=$(diff2 "$(ovs_at "$ta")" "$(ovs_at "$tb")")
fi

# Memory: PSS of the FRR daemons of this network (by the network
# namespaces of its routers and route servers, so that a container's own PID
# namespace does not matter), and the machine's view.
ns_inodes "$runtime" "$tmp/nodes" 'router|routeserver' >"$tmp/frr.ino"
routers=$(wc -l <"$tmp/frr.ino")
planned=$(grep -cE ' (router|routeserver)$' "$tmp/nodes" || true)
[ "$routers" -eq "$planned" ] ||
    echo "warning: $routers of the $planned FRR nodes found: the memory figures are of those"
pss=$(pss_in "$tmp/frr.ino" 'zebra|bgpd|ospfd|staticd')
mem1=$(mem_avail)

# Keep the configurations for the floor: the integrated file and, unless
# FRR_LOAD=vtysh, each daemon's part.
rm -rf "$tmp/confs"
mkdir -p "$tmp/confs"
for d in "$MINIINET_RUNDIR"/*/nodes/*; do
    [ -f "$d/frr.conf" ] || continue
    mkdir "$tmp/confs/$(basename "$d")"
    for f in "$d"/*.conf; do
        cp "$f" "$tmp/confs/$(basename "$d")/"
    done
done

echo "== down"
t3=$(now)
g3=$(group_cpu) m3=$(machine_cpu)
"$miniinet" -j "$jobs" -c "$cfg" down 2>"$tmp/down.log"
t4=$(now)
g4=$(group_cpu) m4=$(machine_cpu)
grep -E 'done in|is down' "$tmp/down.log" | sed 's/^/  /'

# The floor: the same daemons, the same configurations, in bare
# namespaces made beforehand (not timed), started $jobs at a time.
echo "== floor: starting the same FRR daemons without miniinet"
i=0
rm -rf "$tmp/floor"
for conf in "$tmp/confs"/*; do
    ns=mbench_$i
    ip netns add "$ns"
    mkdir -p "/var/run/frr/$ns" "$tmp/floor/$ns"
    chown frr:frr "/var/run/frr/$ns" "$tmp/floor/$ns"
    cp "$conf"/*.conf "$tmp/floor/$ns/"
    case $(basename "$conf") in
    *_IXP) echo "$ns zebra bgpd" ;;
    *) echo "$ns zebra staticd ospfd bgpd" ;;
    esac
    i=$((i + 1))
done >"$tmp/floor.list"
# Each daemon with its own file when there is one, else the integrated one
# through vtysh once all run; --limit-fds as the runtimes give it
# (plugins/common/nodelimits.h); detached in a session of its own rather
# than by FRR's -d, and zebra first, answering before the others start, as
# the netns runtime does (-d forks the daemon once more after its start,
# and that copy costs a sixth of it).
cat >"$tmp/start-one" <<'SCRIPT'
#!/bin/sh
ns=$1; dir=$2; shift 2
# the daemons answer once their vty sockets exist
wait_vty() {
    n=0
    while [ ! -S "/var/run/frr/$ns/$1.vty" ] && [ $n -lt 200 ]; do
        sleep 0.05; n=$((n + 1))
    done
    [ -S "/var/run/frr/$ns/$1.vty" ] || { echo "$ns: $1 did not start" >&2; exit 1; }
}
for d in "$@"; do
    conf=/dev/null
    [ -f "$dir/$d.conf" ] && conf=$dir/$d.conf
    setsid ip netns exec "$ns" /usr/lib/frr/$d -N "$ns" -i "$dir/$d.pid" \
        --log "file:$dir/$d.log" --limit-fds "$FRR_FDS" -f "$conf" \
        </dev/null >/dev/null 2>&1 &
    [ "$d" = zebra ] && wait_vty zebra
done
for d in "$@"; do
    wait_vty "$d"
done
[ -f "$dir/zebra.conf" ] || vtysh -N "$ns" -f "$dir/frr.conf" >/dev/null
SCRIPT
chmod +x "$tmp/start-one"
FRR_FDS=$(sed -n 's/^#define LIMITS_FRR_FDS \([0-9]*\)$/\1/p' "$top/plugins/common/nodelimits.h")
export FRR_FDS
# The bare daemons write on the host (miniinet gives each node its own
# view): remember what was there, remove what they add.
ls /var/tmp/frr 2>/dev/null | sort >"$tmp/vartmp.before"
[ -e /var/run/frr/ospfd-gr.json ] && touch "$tmp/gr.before"
t5=$(now)
g5=$(group_cpu) m5=$(machine_cpu)
while read -r ns daemons; do
    # shellcheck disable=SC2086
    echo "$ns $tmp/floor/$ns $daemons"
done <"$tmp/floor.list" |
    xargs -P "$jobs" -L 1 sh -c '"$0" "$@"' "$tmp/start-one" 2>"$tmp/floor.err" ||
    { echo "warning: some floor starts failed:"; tail -5 "$tmp/floor.err"; }
t6=$(now)
g6=$(group_cpu) m6=$(machine_cpu)
# What the started daemons cost while they only run (no links: each bgpd
# tries its neighbours every 5 s), over 10 s: the floor's CPU grows
# faster than its routers by this, paid by the ones started first while
# the others start.
sleep 10
g7=$(group_cpu) m7=$(machine_cpu)
# The floor's daemons go before the next run (or the end).
for ns in $(ls /run/netns 2>/dev/null | grep "^mbench_" || true); do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "/var/run/frr/$ns"
done

{
    echo "up $(secs "$t0" "$t1")"
    echo "reach $(secs "$t0" "$t2")"
    echo "reached $reached"
    echo "down $(secs "$t3" "$t4")"
    echo "floor $(secs "$t5" "$t6")"
    echo "cpu_up $(diff2 "$g0" "$g1") $(diff2 "$m0" "$m1")"
    echo "cpu_frr $frr_cpu"
    echo "cpu_conv $(diff2 "$g1" "$g2") $(diff2 "$m1" "$m2")"
    echo "cpu_reach $(diff2 "$g0" "$g2") $(diff2 "$m0" "$m2")"
    echo "cpu_down $(diff2 "$g3" "$g4") $(diff2 "$m3" "$m4")"
    # ovs-vswitchd: all of `up` (it starts within it), the FRR phase,
    # convergence.
    echo "cpu_ovs $(diff2 0 "$o1") $ovs_frr $(diff2 "$o1" "$o2")"
    echo "cpu_floor $(diff2 "$g5" "$g6") $(diff2 "$m5" "$m6")"
    echo "cpu_idle10 $(diff2 "$g6" "$g7" 2) $(diff2 "$m6" "$m7" 2)"
    echo "routers $routers"
    echo "floor_nodes $(wc -l <"$tmp/floor.list")"
    echo "pss $pss"
    echo "memdrop $(((mem0 - mem1) / 1024))"
} >"$res"
sed 's/^/  run '"$r"': /' "$res"
}

r=1
while [ "$r" -le "$runs" ]; do
    run_once "$r"
    r=$((r + 1))
done

# The median over the runs of field F (2 = group or time, 3 = machine) of
# key K.
med() {
    cat "$tmp"/result.* | awk -v k="$1" -v f="${2:-2}" '$1 == k { v[n++] = $f }
        END { if (!n) { print "-"; exit }
              for (i = 0; i < n; i++) for (j = i + 1; j < n; j++)
                  if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
              print (v[0] == "-") ? "-" : v[int((n - 1) / 2)] }'
}
routers=$(med routers)
up=$(med up)
floor=$(med floor)
cpu_line() {
    printf '%-34s %8s CPU-s (machine %s)\n' "$1" "$(med "$2" 2)" "$(med "$2" 3)"
}
echo
echo "== results ($(basename "$cfg"), $routers FRR nodes, $(nproc) cores, -j $jobs, median of $runs run(s); load now: $(cut -d' ' -f1-3 /proc/loadavg))"
echo "up (miniinet returns):            ${up} s"
echo "until all hosts reach each other and all BGP sessions are up: $(med reach) s (reached: $(cat "$tmp"/result.* | awk '$1 == "reached" { printf "%s ", $2 }'))"
echo "down:                             $(med down) s"
echo "FRR floor (same daemons+configs): ${floor} s"
awk -v u="$up" -v f="$floor" 'BEGIN { if (f > 0) printf "ratio up / floor:                 %.2f\n", u / f }'
cpu_line "CPU up (miniinet returns):" cpu_up
cpu_line "CPU of which the FRR phase:" cpu_frr
cpu_line "CPU convergence (up .. check ok):" cpu_conv
cpu_line "CPU up .. all reachable:" cpu_reach
[ "$(med cpu_ovs 2)" = - ] ||
    echo "of which Open vSwitch (ovs-vswitchd): up $(med cpu_ovs 2) (the FRR phase $(med cpu_ovs 3)), convergence $(med cpu_ovs 4) CPU-s"
cpu_line "CPU down:" cpu_down
cpu_line "CPU FRR floor:" cpu_floor
# The floor (bare daemons, in the group whatever the runtime) from the
# group's figures, else (cgroup v2) the machine's, said so; the ratio to
# it from the machine's too with containers, which are dockerd's children,
# outside the group.
floor_field=2
[ "$(med cpu_idle10 2)" != "-" ] || floor_field=3
floor_what=$([ $floor_field = 2 ] || echo ' (the machine'"'"'s)')
cmp_field=$floor_field cmp_what=$floor_what
if [ "$runtime" = docker ]; then
    cmp_field=3 cmp_what=" (the machine's)"
fi
awk -v u="$(med cpu_reach $cmp_field)" -v f="$(med cpu_floor $cmp_field)" -v what="$cmp_what" 'BEGIN {
    if (f > 0 && u != "-") printf "ratio CPU up .. reachable / floor: %.2f%s\n", u / f, what }'
floor_nodes=$(med floor_nodes)
awk -v f="$(med cpu_floor $floor_field)" -v r="$floor_nodes" -v what="$floor_what" 'BEGIN {
    if (f > 0 && r > 0) printf "floor per FRR node:               %.3f CPU-s%s\n", f / r, what }'
# The floor's daemons idle: per FRR node and second; and the floor less
# what they would cost idle if the routers started at an even pace over the
# floor's time (each idle for half of it on average).
awk -v i="$(med cpu_idle10 $floor_field)" -v f="$(med cpu_floor $floor_field)" -v t="$floor" -v r="$floor_nodes" \
    -v what="$floor_what" 'BEGIN {
    if (i == "-" || r <= 0) exit
    printf "floor daemons idle (10 s after):  %.4f CPU-s per FRR node per second%s\n", i / 10 / r, what
    printf "floor less idle, even pace:       %.3f CPU-s per FRR node%s\n", (f - i / 10 * t / 2) / r, what }'
awk -v p="$(med pss)" -v r="$routers" 'BEGIN { if (r > 0) printf "FRR memory: %.1f MB PSS in all, %.1f MB per FRR node\n", p / 1024, p / 1024 / r }'
echo "machine: MemAvailable dropped by $(med memdrop) MB while up"
