#!/usr/bin/env bash
# charts.sh: latency-percentiles.png of a bench/nats/run.sh results folder: the action latency
# distribution (percentile plot, HdrHistogram style) of tcp, js1 and js2 in one repeat, and of
# the takeover run if any. gnuplot (Debian's gnuplot-nox); not needed by CI.
# Usage: bench/nats/charts.sh DIR [REPEAT]   (writes DIR/latency-percentiles.png)
set -euo pipefail
dir=$1
repeat=${2:-1}
command -v gnuplot >/dev/null || { echo "charts.sh: needs gnuplot" >&2; exit 2; }
plots=()
for c in tcp js1 js2; do
  f=$dir/$c-$repeat/percentiles.txt
  [ -f "$f" ] || continue
  case $c in
    tcp) t="direct TCP input" colour="#1b7837" ;;
    js1) t="jetstream input, 1 instance" colour="#2166ac" ;;
    js2) t="jetstream input, 2 instances" colour="#d6604d" ;;
  esac
  plots+=("\"$f\" using 4:1 skip 1 with lines lw 2 lc rgb \"$colour\" title \"$t\"")
done
[ ${#plots[@]} -gt 0 ] || { echo "charts.sh: no $dir/<case>-$repeat/percentiles.txt" >&2; exit 2; }
gnuplot <<GNUPLOT
set terminal pngcairo size 1000,560 font ",11"
set output "$dir/latency-percentiles.png"
set title "lulld action latency (now - scheduled send time), ticks rule, 20k events/s: run $repeat"
set xlabel "percentile"
set ylabel "latency (us, log)"
set logscale xy
set grid
set key top left
set xtics ("50%%" 2, "90%%" 10, "99%%" 100, "99.9%%" 1000, "99.99%%" 10000)
plot $(IFS=,; echo "${plots[*]}")
GNUPLOT
echo "charts.sh: $dir/latency-percentiles.png" >&2
