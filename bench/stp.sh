#!/bin/sh
# Benchmark: what a spanning tree costs Open vSwitch's userspace (netdev)
# datapath, the one miniinet's private instance uses where the kernel has
# no openvswitch module.  On a private instance in a network namespace of
# its own (nothing of the server's is touched): BRIDGES bridges of PORTS
# veth ports each (default 20 x 6), every port's other end up in the same
# namespace; then for each spanning tree (stp, rstp, none) and each rate of
# broadcast frames sent into one port (FRAMES, default "0 10 50" a second:
# broadcast pings from one port's other end), the CPU-seconds of
# ovs-vswitchd over SECONDS_EACH (default 20) and, from a strace of as long
# after it, the RTM_GETLINK requests it sent a second (TREES: the order,
# default "stp rstp none").  As root, on an idle machine.
#
#   bench/stp.sh
#   BRIDGES=40 PORTS=8 FRAMES="0 50" bench/stp.sh
set -eu

bridges=${BRIDGES:-20}
ports=${PORTS:-6}
frames=${FRAMES:-0 10 50}
trees=${TREES:-stp rstp none}
seconds=${SECONDS_EACH:-20}
settle=${SETTLE:-35}
ns=mi-stp-$$
schema=/usr/share/openvswitch/vswitch.ovsschema

[ "$(id -u)" -eq 0 ] || {
    echo "bench/stp.sh: run it as root" >&2
    exit 1
}
for p in ip timeout sysctl ovsdb-tool ovsdb-server ovs-vswitchd ovs-vsctl strace ping; do
    command -v $p >/dev/null || {
        echo "bench/stp.sh: $p is not installed" >&2
        exit 1
    }
done
[ -r $schema ] || {
    echo "bench/stp.sh: no $schema" >&2
    exit 1
}

dir=$(mktemp -d /tmp/miniinet-stp.XXXXXX)
made_ns=
pinger=

in_ns() { ip netns exec "$ns" env OVS_RUNDIR="$dir" "$@"; }
vsctl() { in_ns ovs-vsctl --db=unix:"$dir/db.sock" --timeout=60 "$@"; }

cleanup() {
    set +e
    for d in ovs-vswitchd ovsdb-server; do
        [ -f "$dir/$d.pid" ] && kill "$(cat "$dir/$d.pid")" 2>/dev/null
    done
    sleep 1
    for d in ovs-vswitchd ovsdb-server; do
        [ -f "$dir/$d.pid" ] && kill -9 "$(cat "$dir/$d.pid")" 2>/dev/null
    done
    if [ -n "$pinger" ]; then kill "$pinger" 2>/dev/null; fi
    [ -z "$made_ns" ] || ip netns del "$ns" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ip netns add "$ns"
made_ns=1
in_ns ip link set lo up
# No IPv6 (where the kernel has it): the far ends would send router
# solicitations and MLD reports.
if [ -d /proc/sys/net/ipv6 ]; then
    in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1
fi
in_ns ovsdb-tool create "$dir/conf.db" $schema
in_ns ovsdb-server "$dir/conf.db" --remote=punix:"$dir/db.sock" \
    --pidfile="$dir/ovsdb-server.pid" --unixctl="$dir/ovsdb-server.ctl" \
    --log-file="$dir/ovsdb-server.log" --detach
vsctl --no-wait init
in_ns ovs-vswitchd unix:"$dir/db.sock" --pidfile="$dir/ovs-vswitchd.pid" \
    --unixctl="$dir/ovs-vswitchd.ctl" --log-file="$dir/ovs-vswitchd.log" \
    --detach
pid=$(cat "$dir/ovs-vswitchd.pid")

# The veth pairs, both ends up, in one `ip -batch`; the bridges and their
# ports in one transaction.
set --
b=0
while [ "$b" -lt "$bridges" ]; do
    set -- "$@" -- add-br "sb$b" -- set bridge "sb$b" datapath_type=netdev
    p=0
    while [ "$p" -lt "$ports" ]; do
        printf 'link add s%sp%s type veth peer name f%sp%s\n' "$b" "$p" "$b" "$p"
        printf 'link set s%sp%s up\nlink set f%sp%s up\n' "$b" "$p" "$b" "$p"
        set -- "$@" -- add-port "sb$b" "s${b}p$p"
        p=$((p + 1))
    done
    b=$((b + 1))
done >"$dir/veths"
in_ns ip -batch "$dir/veths"
vsctl "$@"
in_ns ip addr add 198.18.200.1/24 dev f0p0

cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)

# strace shows what sendmsg() sends as escaped bytes: a request is a
# 4-byte length, then type 18 (RTM_GETLINK), "\22\0"; what sendto() sends
# on a netlink socket it decodes.
c='(\\[0-7]{1,3}|\\[^0-7]|[^\\"])'
getlink='iov_base="'"$c$c$c$c"'\\22\\0|nlmsg_type=RTM_GETLINK'

printf '%-5s %-9s %-12s %s\n' tree frames/s 'CPU-s/min' 'RTM_GETLINK/s'
for tree in $trees; do
    stp=false rstp=false
    case $tree in
    stp) stp=true ;;
    rstp) rstp=true ;;
    esac
    b=0
    set --
    while [ "$b" -lt "$bridges" ]; do
        set -- "$@" -- set bridge "sb$b" "stp_enable=$stp" "rstp_enable=$rstp"
        b=$((b + 1))
    done
    vsctl "$@"
    sleep "$settle" # STP: 15 s listening, 15 s learning
    for f in $frames; do
        pinger=
        if [ "$f" -gt 0 ]; then
            interval=$(awk -v f="$f" 'BEGIN { printf "%.3f", 1 / f }')
            # ip netns exec execs ping: $! is ping's pid.
            ip netns exec "$ns" ping -q -b -i "$interval" -I f0p0 \
                198.18.200.255 >/dev/null 2>"$dir/ping.err" &
            pinger=$!
            sleep 2
        fi
        t0=$(cpu_ticks)
        sleep "$seconds"
        t1=$(cpu_ticks)
        rc=0
        timeout "$seconds" ip netns exec "$ns" strace -f -qq \
            -e trace=sendmsg,sendto -e signal=none -o "$dir/strace" \
            -p "$pid" 2>"$dir/strace.err" || rc=$?
        if [ "$rc" -ne 124 ]; then
            echo "bench/stp.sh: strace of ovs-vswitchd failed (status $rc):" >&2
            tail -3 "$dir/strace.err" >&2
            exit 1
        fi
        [ -s "$dir/strace" ] || {
            echo "bench/stp.sh: strace saw ovs-vswitchd send nothing" >&2
            exit 1
        }
        req=$(grep -oE "$getlink" "$dir/strace" | wc -l)
        if [ -n "$pinger" ]; then
            kill -0 "$pinger" 2>/dev/null || {
                echo "bench/stp.sh: the broadcast ping stopped early:" >&2
                tail -3 "$dir/ping.err" >&2
                exit 1
            }
            kill "$pinger" 2>/dev/null || true
            wait "$pinger" 2>/dev/null || true
            pinger=
        fi
        awk -v tree="$tree" -v f="$f" -v t=$((t1 - t0)) -v hz="$hz" \
            -v s="$seconds" -v r="$req" 'BEGIN {
                printf "%-5s %-9s %-12.2f %.0f\n", tree, f, t / hz * 60 / s, r / s }'
    done
done
