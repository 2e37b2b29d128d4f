#!/usr/bin/env bash
# charts.sh: the ticks charts, as PNG, from one repeat of a run.sh results folder (gnuplot,
# Debian's gnuplot-nox; not needed by CI):
#   heap-<mode>.png        heap bytes per space over time, with the longest GC step per 10 s
#   latency-max.png        the largest action latency of each second, classic against idle
#                          (off, which never collects, as the floor)
#   latency-percentiles.png  the latency distribution of all three modes, percentile plot
# Usage: bench/ticks/charts.sh DIR [REPEAT]   (writes DIR/*.png; REPEAT defaults to 1)
set -euo pipefail
dir=$1
repeat=${2:-1}
command -v gnuplot >/dev/null || {
  echo "charts.sh: needs gnuplot (apt-get install gnuplot-nox)" >&2
  exit 2
}

modes=()
for mode in idle classic off; do
  [ -f "$dir/$mode-$repeat/intervals.csv" ] && modes+=("$mode")
done
[ ${#modes[@]} -gt 0 ] || {
  echo "charts.sh: no $dir/<mode>-$repeat/intervals.csv" >&2
  exit 2
}
colour() {
  case $1 in idle) echo "#1b7837" ;; classic) echo "#d6604d" ;; *) echo "#7f7f7f" ;; esac
}
common='set terminal pngcairo size 1100,560 font ",11"; set datafile separator ","; set key top left; set grid'

# 1. Heap per space (MiB, stacked: nursery over old over large) and, on the right axis, the
# longest GC step of any kind in lulld's 10 s metrics window, sampled every 10 s.
for mode in "${modes[@]}"; do
  csv=$dir/$mode-$repeat/intervals.csv
  gnuplot <<EOF
$common
set output "$dir/heap-$mode.png"
set title "lulld heap over time and the longest GC step per 10 s: gc.mode $mode"
set xlabel "time since the first event (s)"
set ylabel "heap (MiB)"
set y2label "longest GC step in the last 10 s (us, log)"
set logscale y2
set y2range [1:*]
set ytics nomirror
set y2tics
set yrange [0:*]
mib = 1048576.0
at_least_1(x) = x > 1 ? x : 1  # no step at all (off) sits on the axis
step(m, s, n, f) = (m > s ? (m > n ? (m > f ? m : f) : (n > f ? n : f)) : (s > n ? (s > f ? s : f) : (n > f ? n : f)))
plot "$csv" using 1:((\$15 + \$16 + \$17) / mib) skip 1 with filledcurves x1 lc rgb "#c6dbef" title "nursery", \
     "" using 1:((\$16 + \$17) / mib) skip 1 with filledcurves x1 lc rgb "#6baed6" title "old", \
     "" using 1:(\$17 / mib) skip 1 with filledcurves x1 lc rgb "#2171b5" title "large", \
     "" using 1:(\$20 / mib) skip 1 with lines lw 1.5 lc rgb "black" title "RSS", \
     "" using 1:((int(\$1) % 10 == 0) ? at_least_1(step(\$11, \$12, \$13, \$14)) : 1/0) skip 1 axes x1y2 \
        with impulses lw 3 lc rgb "#d6604d" title "longest GC step (mark, sweep, minor, full)"
EOF
done

# 2. The largest action latency of each second (the sink's own figure, now - ts).
plots=()
for mode in "${modes[@]}"; do
  width=2
  [ "$mode" = off ] && width=1
  plots+=("\"$dir/$mode-$repeat/intervals.csv\" using 1:(\$9 / 1000) skip 1 with lines lw $width lc rgb \"$(colour "$mode")\" title \"$mode\"")
done
gnuplot <<EOF
$common
set output "$dir/latency-max.png"
set title "largest action latency (now - ts) of each second"
set xlabel "time since the first event (s)"
set ylabel "max latency (ms, log)"
set logscale y
plot $(IFS=,; echo "${plots[*]}")
EOF

# 3. Percentile plot of the scored phase: x is 1 / (1 - percentile) on a log axis.
plots=()
for mode in "${modes[@]}"; do
  plots+=("\"$dir/$mode-$repeat/percentiles.txt\" using 4:(\$1 / 1000) skip 1 with lines lw 2 lc rgb \"$(colour "$mode")\" title \"$mode\"")
done
gnuplot <<EOF
$common
set datafile separator whitespace
set output "$dir/latency-percentiles.png"
set title "action latency distribution (now - ts), after the warm-up"
set xlabel "percentile"
set ylabel "latency (ms, log)"
set logscale xy
set xtics ("50%%" 2, "90%%" 10, "99%%" 100, "99.9%%" 1000, "99.99%%" 10000, "99.999%%" 100000)
set key top left
plot $(IFS=,; echo "${plots[*]}")
EOF
ls "$dir"/*.png
