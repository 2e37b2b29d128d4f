#!/usr/bin/env bash
# report.sh: the table of a ticks run (summary.csv from run.sh): per mode the median of each
# figure over the repeats, with min-max when there are several, in the units of RESULTS.md.
# Usage: bench/ticks/report.sh DIR/summary.csv
set -euo pipefail
awk -F, '
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
{
  mode = $col["mode"]
  if (!(mode in runs)) order[++modes] = mode
  n = ++runs[mode]
  for (name in col) value[mode, name, n] = $col[name]
}
function median(mode, name,   n, i, j, v, t) {
  n = runs[mode]
  for (i = 1; i <= n; i++) v[i] = value[mode, name, i] + 0
  for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
  lo = v[1]; hi = v[n]
  return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function cell(mode, name, scale, format,   m) {
  m = median(mode, name)
  if (runs[mode] == 1) return sprintf(format, m / scale)
  return sprintf(format " (" format "-" format ")", m / scale, lo / scale, hi / scale)
}
function total(mode, name,   i, s) { s = 0; for (i = 1; i <= runs[mode]; i++) s += value[mode, name, i]; return s }
END {
  print "| mode | runs | events/s | missing / extra | p50 us | p99 us | p99.9 us | p99.99 us | max us | longest mark / sweep step us | longest minor us | peak RSS MiB | peak live MiB |"
  print "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for (k = 1; k <= modes; k++) {
    m = order[k]
    printf "| %s | %d | %s | %d / %d | %s | %s | %s | %s | %s | %s / %s | %s | %s | %s |\n", m, runs[m],
      cell(m, "events_per_s", 1, "%.0f"), total(m, "missing"), total(m, "extra") + total(m, "duplicate"),
      cell(m, "latency_p50_us", 1, "%.0f"), cell(m, "latency_p99_us", 1, "%.0f"),
      cell(m, "latency_p999_us", 1, "%.0f"), cell(m, "latency_p9999_us", 1, "%.0f"),
      cell(m, "latency_max_us", 1, "%.0f"), cell(m, "gc_mark_max_us", 1, "%.0f"),
      cell(m, "gc_sweep_max_us", 1, "%.0f"), cell(m, "gc_minor_max_us", 1, "%.0f"),
      cell(m, "rss_peak_bytes", 1048576, "%.0f"), cell(m, "heap_live_peak_bytes", 1048576, "%.0f")
  }
}' "$1"

# Side by side within each repeat: the maxima of each 10 s of the scored phase (from the sink's
# per-second maxima), and each mode's p99.99 and 10 s maxima as a ratio to `off` in the same
# repeat (the issue's target for idle: at most 1.2).
dir=$(dirname "$1")
echo
echo "| run | mode | seconds with max > 5 ms / > 10 ms | p99.99 us | 10 s max: median us | 10 s max: worst us | p99.99 / off | median 10 s max / off | worst 10 s max / off |"
echo "|---|---|---|---|---|---|---|---|---|"
for intervals in "$dir"/*-*/intervals.csv; do
  run=$(basename "$(dirname "$intervals")")
  [ -f "$(dirname "$intervals")/summary.txt" ] || continue  # an unfinished run
  p9999=$(sed -n 's/^latency_p9999_us=//p' "$(dirname "$intervals")/summary.txt")
  awk -F, -v run="$run" -v p9999="${p9999:-0}" '
    NR > 1 && $2 == "scored" {
      bin = int(($1 - 0.001) / 10); if ($9 > max[bin]) max[bin] = $9; seen[bin] = 1
      over5 += $9 > 5000; over10 += $9 > 10000
    }
    END {
      n = 0; worst = 0
      for (b in seen) { v[++n] = max[b]; if (max[b] > worst) worst = max[b] }
      for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
      median = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
      split(run, part, "-")
      printf "%s %s %.0f %.0f %.0f %d/%d\n", part[2], part[1], p9999, median, worst, over5, over10
    }' "$intervals"
done | sort -k1,1n -k2,2 | awk '
  { run[NR] = $1; mode[NR] = $2; p[NR] = $3; med[NR] = $4; worst[NR] = $5; spikes[NR] = $6
    if ($2 == "off") { offp[$1] = $3; offmed[$1] = $4; offworst[$1] = $5 } }
  END {
    for (i = 1; i <= NR; i++) {
      r = run[i]
      if (r in offp && offp[r] > 0)
        printf "| %s | %s | %s | %.0f | %.0f | %.0f | %.2f | %.2f | %.2f |\n", r, mode[i], spikes[i], p[i], med[i], worst[i], p[i] / offp[r], med[i] / offmed[r], worst[i] / offworst[r]
      else
        printf "| %s | %s | %s | %.0f | %.0f | %.0f | | | |\n", r, mode[i], spikes[i], p[i], med[i], worst[i]
    }
  }'

# GC steps of each run, from lulld's own histogram at the end (all contexts, warm-up
# included): how many, and how many took longer than 100 us and 1 ms (bucket bounds).
echo
echo "| run | mode | kind | steps | > 100 us | > 1 ms | > 10 ms |"
echo "|---|---|---|---|---|---|---|"
for page in "$dir"/*-*/metrics-final.txt; do
  [ -f "$page" ] || continue
  run=$(basename "$(dirname "$page")")
  awk -v run="$run" '
    /^lull_gc_step_seconds_bucket\{/ {
      match($0, /kind="[a-z]+"/); kind = substr($0, RSTART + 6, RLENGTH - 7)
      match($0, /le="[^"]+"/); le = substr($0, RSTART + 4, RLENGTH - 5)
      kinds[kind] = 1; at[kind, le] += $NF
    }
    END {
      split(run, part, "-")
      for (kind in kinds) {
        total = at[kind, "+Inf"]
        if (total == 0) continue
        printf "| %s | %s | %s | %d | %d | %d | %d |\n", part[2], part[1], kind, total,
          total - at[kind, "0.0001"], total - at[kind, "0.001"], total - at[kind, "0.01"]
      }
    }' "$page"
done | sort
