#!/bin/sh
# Benchmark: what removing a private Open vSwitch's bridges costs in its
# userspace (netdev) datapath -- the switch's part of `miniinet down` where
# the kernel has no openvswitch module.  On a private instance in a network
# namespace of its own (nothing of the server's is touched): BRIDGES bridges
# (default 247, class-60's) of PORTS veth ports each (default 6), STP on as
# miniinet sets it, every port's other end up in the same namespace; after
# SETTLE seconds (default 20), one way of removing it all, timed:
#
#   del-br    one ovs-vsctl transaction deleting every bridge (what the ovs
#             plugin's destroy does), then `exit --cleanup`
#   cleanup   `ovs-appctl exit --cleanup` alone (the daemon removes all)
#   kill      SIGKILL to ovs-vswitchd: the tap devices outlive it (Open
#             vSwitch makes them persistent), so they are then deleted, one
#             request each (tried in the ovs plugin, not kept: README)
#   kill-group  the same, the taps deleted in one request by an interface
#             group of their own (a group number no other device has
#             cannot be chosen atomically)
#
# For each: the seconds until the call returned and until ovs-vswitchd was
# gone, ovs-vswitchd's CPU-seconds in del-br's transaction, and the tap
# devices left once it was gone.  WAYS: which, in that order (default
# "del-br cleanup kill kill-group"); each on an instance of its own.  As root, on an
# idle machine.
#
#   bench/ovs-down.sh
#   BRIDGES=60 WAYS=del-br bench/ovs-down.sh
set -eu

bridges=${BRIDGES:-247}
ports=${PORTS:-6}
ways=${WAYS:-del-br cleanup kill kill-group}
settle=${SETTLE:-20}
ns=mi-ovsdown-$$
schema=/usr/share/openvswitch/vswitch.ovsschema
# An interface group no device of a fresh namespace has.
group=4242

[ "$(id -u)" -eq 0 ] || {
    echo "bench/ovs-down.sh: run it as root" >&2
    exit 1
}
for p in ip sysctl ovsdb-tool ovsdb-server ovs-vswitchd ovs-vsctl ovs-appctl; do
    command -v $p >/dev/null || {
        echo "bench/ovs-down.sh: $p is not installed" >&2
        exit 1
    }
done
[ -r $schema ] || {
    echo "bench/ovs-down.sh: no $schema" >&2
    exit 1
}
for w in $ways; do
    case $w in
    del-br | cleanup | kill | kill-group) ;;
    *)
        echo "bench/ovs-down.sh: no way $w (del-br, cleanup, kill, kill-group)" >&2
        exit 1
        ;;
    esac
done

dir=
made_ns=

in_ns() { ip netns exec "$ns" env OVS_RUNDIR="$dir" "$@"; }
vsctl() { in_ns ovs-vsctl --db=unix:"$dir/db.sock" --timeout=300 "$@"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# Whether `pid` runs and is called `comm` (a zombie, which nothing may
# reap where no init does, is gone).
runs() {
    [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] &&
        ! awk '{ exit !($3 == "Z" || $3 == "X") }' "/proc/$1/stat" 2>/dev/null
}

stop_daemons() {
    for d in ovs-vswitchd ovsdb-server; do
        if [ -f "$dir/$d.pid" ] && runs "$(cat "$dir/$d.pid")" "$d"; then
            kill -9 "$(cat "$dir/$d.pid")" 2>/dev/null || true
        fi
        rm -f "$dir/$d.pid"
    done
    return 0
}

cleanup() {
    set +e
    [ -z "$dir" ] || stop_daemons
    [ -z "$made_ns" ] || ip netns del "$ns" 2>/dev/null
    [ -z "$dir" ] || rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
dir=$(mktemp -d /tmp/miniinet-ovsdown.XXXXXX)

# The instance, its bridges and veth ports, in a namespace made for it.
build() {
    ip netns add "$ns"
    made_ns=1
    in_ns ip link set lo up
    if [ -d /proc/sys/net/ipv6 ]; then
        in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
            net.ipv6.conf.default.disable_ipv6=1
    fi
    rm -f "$dir/conf.db"
    in_ns ovsdb-tool create "$dir/conf.db" $schema
    in_ns ovsdb-server "$dir/conf.db" --remote=punix:"$dir/db.sock" \
        --pidfile="$dir/ovsdb-server.pid" --unixctl="$dir/ovsdb-server.ctl" \
        --log-file="$dir/ovsdb-server.log" --detach
    vsctl --no-wait init
    in_ns ovs-vswitchd unix:"$dir/db.sock" --pidfile="$dir/ovs-vswitchd.pid" \
        --unixctl="$dir/ovs-vswitchd.ctl" --log-file="$dir/ovs-vswitchd.log" \
        --detach
    set --
    b=0
    while [ "$b" -lt "$bridges" ]; do
        set -- "$@" -- add-br "ob$b" -- set bridge "ob$b" \
            datapath_type=netdev stp_enable=true
        p=0
        while [ "$p" -lt "$ports" ]; do
            printf 'link add o%sp%s type veth peer name q%sp%s\n' "$b" "$p" "$b" "$p"
            printf 'link set o%sp%s up\nlink set q%sp%s up\n' "$b" "$p" "$b" "$p"
            set -- "$@" -- add-port "ob$b" "o${b}p$p"
            p=$((p + 1))
        done
        b=$((b + 1))
    done >"$dir/veths"
    in_ns ip -batch "$dir/veths"
    vsctl "$@"
}

# The tap devices the instance made (its bridges' and its datapath's).
taps() { in_ns ip -o link show type tun | wc -l; }

printf '%-8s %-10s %-12s %-14s %s\n' way returned gone 'vswitchd CPU-s' 'taps left'
for way in $ways; do
    build
    pid=$(cat "$dir/ovs-vswitchd.pid")
    sleep "$settle"
    hz=$(getconf CLK_TCK)
    cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    t0=$(now)
    case $way in
    del-br)
        set --
        b=0
        while [ "$b" -lt "$bridges" ]; do
            set -- "$@" -- --if-exists del-br "ob$b"
            b=$((b + 1))
        done
        vsctl "$@"
        ;;
    *) ;;
    esac
    cpu1=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo "$cpu0")
    case $way in
    del-br | cleanup)
        in_ns ovs-appctl -t "$dir/ovs-vswitchd.ctl" exit --cleanup
        ;;
    kill | kill-group) kill -9 "$pid" ;;
    esac
    returned=$(since "$t0")
    i=0
    while runs "$pid" ovs-vswitchd && [ "$i" -lt 600 ]; do
        sleep 0.05
        i=$((i + 1))
    done
    if runs "$pid" ovs-vswitchd; then
        gone=">30"
    else
        gone=$(since "$t0")
        rm -f "$dir/ovs-vswitchd.pid"
    fi
    left=$(taps)
    extra=
    case $way in
    kill)
        in_ns ip -o link show type tun |
            awk -F': ' '{ sub(/@.*/, "", $2); print "link delete dev " $2 }' >"$dir/taps"
        t1=$(now)
        in_ns ip -batch "$dir/taps"
        extra=", deleted one by one in $(since "$t1") s, $(taps) left"
        ;;
    kill-group)
        in_ns ip -o link show type tun |
            awk -F': ' -v g="$group" '{ sub(/@.*/, "", $2); print "link set dev " $2 " group " g }' >"$dir/taps"
        t1=$(now)
        in_ns ip -batch "$dir/taps"
        in_ns ip link delete group "$group"
        extra=", deleted by group in $(since "$t1") s, $(taps) left"
        ;;
    esac
    cpu=-
    if [ "$way" = del-br ]; then
        cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz }')
    fi
    printf '%-8s %-10s %-12s %-14s %s\n' "$way" "$returned s" "$gone s" "$cpu" "$left$extra"
    stop_daemons
    ip netns del "$ns"
    made_ns=
done
