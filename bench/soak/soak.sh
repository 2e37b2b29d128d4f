#!/usr/bin/env bash
# soak.sh: lulld under the ticks workload for a long time (30 minutes by default), then the
# verdict: every expected action came exactly once and nothing else did (lull-ticks), RSS
# stayed flat after warm-up, and no error counter moved (rejected events, dropped actions,
# forced or hard-limit collections). Idle GC mode, a config derived from deploy/ticks.yaml
# by bench/ticks/run.sh; loopback only. Run by hand, not in CI. Exit 0 when it all holds.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
minutes=30 rate=20000 keys=10000 window=60 warmup=180 flat=1.10 out="" run_args=()

usage() {
  cat <<EOF
usage: bench/soak/soak.sh [--minutes M (30)] [--rate N (20000)] [--keys N (10000)]
                          [--window S (60)] [--warmup S (180)] [--flat RATIO (1.10)]
                          [--out DIR] [-- more bench/ticks/run.sh options]
RSS is flat when the highest RSS of the last third of the scored time is at most RATIO x the
highest of its first third (the heap's major-cycle sawtooth repeats within each third).
EOF
}
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes=$2; shift ;;
    --rate) rate=$2; shift ;;
    --keys) keys=$2; shift ;;
    --window) window=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --flat) flat=$2; shift ;;
    --out) out=$2; shift ;;
    --) shift; run_args=("$@"); break ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done
[ -n "$out" ] || out=$repo/build/soak/$(date -u +%Y%m%dT%H%M%SZ)

status=0
"$repo/bench/ticks/run.sh" --modes idle --rate "$rate" --keys "$keys" --window "$window" \
  --warmup "$warmup" --duration $((minutes * 60)) --out "$out" "${run_args[@]}" || status=$?
dir=$out/idle-1
[ -f "$dir/intervals.csv" ] && [ -f "$dir/summary.txt" ] || { echo "soak: no results in $dir"; exit 1; }

# RSS over the scored seconds, thirds compared; the forced-collection count first and last.
verdict=$(awk -F, -v flat="$flat" '
  NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
  $col["phase"] == "scored" { n++; rss[n] = $col["rss_bytes"]; forced[n] = $col["gc_forced"] }
  END {
    if (n < 3) { print "FAIL too few scored seconds: " n; exit }
    third = int(n / 3)
    for (i = 1; i <= third; i++) if (rss[i] > first) first = rss[i]
    for (i = n - third + 1; i <= n; i++) if (rss[i] > last) last = rss[i]
    printf "%s RSS: highest %.0f MiB in the first third, %.0f MiB in the last (x%.3f, at most x%.2f)\n",
      last <= flat * first ? "ok" : "FAIL", first / 1048576, last / 1048576, last / first, flat
    printf "%s forced collections while scored: %d\n",
      forced[n] == forced[1] ? "ok" : "FAIL", forced[n] - forced[1]
  }' "$dir/intervals.csv")
counters=$(awk -F= '
  $1 ~ /^(missing|extra|duplicate|unknown_seq|ts_mismatch|lulld_rejected|lulld_actions_dropped)$/ {
    printf "%s %s: %s\n", ($2 == 0 ? "ok" : "FAIL"), $1, $2
  }' "$dir/summary.txt")
hard_limit=$(awk '$1 == "lull_gc_hard_limit_total" { print $2 }' \
  "$dir/metrics-final.txt" 2>/dev/null)
hard_limit=${hard_limit:-0}

echo "soak: $minutes min at $rate events/s, $keys keys, ${window}s window; results in $dir"
echo "$verdict"
echo "$counters"
echo "$([ "$hard_limit" = 0 ] && echo ok || echo FAIL) hard-limit collections: $hard_limit"
[ "$status" = 0 ] || echo "FAIL lull-ticks exit status $status (missing or extra actions)"
if [ "$status" != 0 ] || [ "$hard_limit" != 0 ] || grep -q '^FAIL' <<<"$verdict
$counters"; then
  echo "soak: FAILED"
  exit 1
fi
echo "soak: passed"
