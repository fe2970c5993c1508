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
