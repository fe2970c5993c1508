# Helpers the benchmarks share.  Source it after setting `top`.

# The time now, in seconds with nanoseconds.
now() { date +%s.%N; }

# secs A B: B - A, to a tenth of a second.
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# The machine's CPU-seconds so far (user, nice, system, irq and softirq of
# every CPU, from /proc/stat): the delta over an interval is the whole
# machine's work in it, other load included.
machine_cpu() {
    awk -v hz="$(getconf CLK_TCK)" '/^cpu / {
        printf "%.2f", ($2 + $3 + $4 + $7 + $8) / hz }' /proc/stat
}

# plan_nodes CFG: "NAME KIND" of each node of the plan of CFG, one per line.
plan_nodes() {
    "${miniinet:-miniinet}" -c "$1" plan --json | python3 -c 'import json, sys
for n in json.load(sys.stdin)["nodes"]: print(n["name"], n["kind"])'
}

# ns_inodes RUNTIME NODES [KINDS]: the network namespace inode of each node
# listed in the file NODES ("NAME KIND" lines) made by the runtime RUNTIME
# (netns or docker), of the kinds matching the regex KINDS (default all),
# one per line.
ns_inodes() {
    while read -r name kind; do
        echo "$kind" | grep -Eqx "${3:-.*}" || continue
        if [ "$1" = docker ]; then
            pid=$(docker inspect -f '{{.State.Pid}}' "$name" 2>/dev/null) || pid=
            f=/proc/${pid:-0}/ns/net
        else
            f=/run/netns/$name
        fi
        stat -L -c %i "$f" 2>/dev/null || echo "bench: $name: no network namespace" >&2
    done <"$2" | sort -u
}

# pss_in INODES_FILE [COMM_REGEX]: total PSS (kB) of the processes whose
# network namespace is listed (and whose name matches), in one pass.
pss_in() {
    find /proc/[0-9]*/ns/net -maxdepth 0 -printf '%h %l\n' 2>/dev/null |
        awk -v re="${2:-}" 'NR == FNR { want[$1] = 1; next }
        {
            ino = $2; gsub(/[^0-9]/, "", ino)
            if (!(ino in want)) next
            p = $1; sub(/\/ns$/, "", p)
            if (re != "") {
                c = ""
                if ((getline c < (p "/comm")) <= 0) next
                close(p "/comm")
                if (c !~ ("^(" re ")$")) next
            }
            f = p "/smaps_rollup"
            while ((getline l < f) > 0)
                if (l ~ /^Pss:/) { split(l, a, " "); t += a[2] }
            close(f)
        }
        END { print t + 0 }' "$1" -
}
