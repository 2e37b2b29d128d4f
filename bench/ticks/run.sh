#!/usr/bin/env bash
# run.sh: the ticks latency benchmark: builds Release, then for each repeat and each GC mode
# starts lulld on a config derived from deploy/ticks.yaml (gc.mode, free loopback ports, the
# rule's window), drives it with lull-ticks (same seed, same load for every mode), and keeps
# per mode a per-second CSV, the latency percentiles and a summary; at the end one table of
# all runs (summary.csv). --smoke is the short CI version: correctness only, exit 1 on any
# missing or extra action. Loopback only. See README.md here.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
modes="idle classic off"
rate=50000 keys=10000 window=60 warmup=60 duration=180 repeats=1 seed=1
jump_fraction=0.005 transport=tcp min_events=10 threshold=0.05
off_hard_limit=16GiB # `off` never collects: all it allocates must fit
connect_timeout=20 send_interval_us=100 niceness=0 realtime_generator=0 pin=0
out="" bin="" charts=0 smoke=0

usage() {
  cat <<EOF
usage: bench/ticks/run.sh [options]
  --modes "idle classic off"  GC modes, run in this order within each repeat
  --rate N (50000)  --keys N (10000)  --window S (60)  --warmup S (60)  --duration S (180)
  --repeats N (1)   --seed N (1)      --jump-fraction F (0.005)  --transport tcp|udp (tcp)
  --min-events N (10)  --threshold F (0.05)  --off-hard-limit SIZE (16GiB)
  --send-interval-us U (100)  the generator writes at most once per U us
  --nice N (0)      run lulld and lull-ticks at this niceness, and below 0 this session's
                    autogroup too (-10: ahead of other sessions' compiles; needs root)
  --rt-generator    run lull-ticks as SCHED_FIFO (chrt -f 10; root): on a busy machine it then
                    sends and scores on time instead of waiting out other threads' time slices
  --pin             lulld on the last CPU, lull-ticks on the first (taskset), so that neither
                    preempts the other
  --out DIR         results (default build/ticks/<UTC time>)
  --bin DIR         use lulld and lull-ticks from DIR, do not build
  --charts          draw the charts (bench/ticks/charts.sh; needs gnuplot)
  --smoke           the CI check: a few seconds per mode, small window, low rate
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --modes) modes=$2; shift ;;
    --rate) rate=$2; shift ;;
    --keys) keys=$2; shift ;;
    --window) window=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --duration) duration=$2; shift ;;
    --repeats) repeats=$2; shift ;;
    --seed) seed=$2; shift ;;
    --jump-fraction) jump_fraction=$2; shift ;;
    --transport) transport=$2; shift ;;
    --min-events) min_events=$2; shift ;;
    --threshold) threshold=$2; shift ;;
    --off-hard-limit) off_hard_limit=$2; shift ;;
    --send-interval-us) send_interval_us=$2; shift ;;
    --nice) niceness=$2; shift ;;
    --rt-generator) realtime_generator=1 ;;
    --pin) pin=1 ;;
    --out) out=$2; shift ;;
    --bin) bin=$2; shift ;;
    --charts) charts=1 ;;
    --smoke)
      # 2,000 events/s over 50 keys with a 2 s window: keys reach min_events within 0.3 s
      # (jumps before that must not fire), events leave windows, ~4 % jump.
      smoke=1 rate=2000 keys=50 window=2 warmup=1 duration=3 jump_fraction=0.04 connect_timeout=10
      ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

if [ -z "$bin" ]; then
  (cd "$repo" && nice cmake --preset release >/dev/null &&
    nice cmake --build --preset release --target lulld lull-ticks)
  bin=$repo/build/release/bin
fi
[ -n "$out" ] || out=$repo/build/ticks/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"

# With autogroups (the kernel's default), nice ranks processes within one session only; another
# session's niced compiles still get an equal share of the CPU. So --nice below 0 also raises
# this session's autogroup.
if [ "$niceness" -lt 0 ] && [ -w /proc/self/autogroup ]; then
  echo "$niceness" >/proc/self/autogroup
fi

lulld_pid=""
stop_lulld() {
  if [ -n "$lulld_pid" ]; then
    kill -TERM "$lulld_pid" 2>/dev/null || true
    wait "$lulld_pid" 2>/dev/null || true
    lulld_pid=""
  fi
}
trap stop_lulld EXIT
trap 'exit 130' INT TERM

# deploy/ticks.yaml with this run's mode, ports and rule; every substitution is checked, so a
# changed ticks.yaml fails here, not in the figures.
derive_config() { # mode events_port sink_port metrics_port file
  local mode=$1 events=$2 sink=$3 metrics=$4 file=$5 hard_limit=""
  [ "$mode" = off ] && hard_limit=$off_hard_limit
  sed -e "s/127\.0\.0\.1:7400/127.0.0.1:$events/" \
    -e "s/127\.0\.0\.1:7500/127.0.0.1:$sink/" \
    -e "s/127\.0\.0\.1:9464/127.0.0.1:$metrics/" \
    -e "s/^\(    window:\) 60s/\1 ${window}s/" \
    -e "s/^\(    min_events:\) 10/\1 $min_events/" \
    -e "s/^\(    threshold:\) 0\.05/\1 $threshold/" \
    -e "s/^gc:\$/gc:\n  mode: $mode/" \
    ${hard_limit:+-e "s/^\(  hard_limit:\) .*/\1 $hard_limit/"} \
    "$repo/deploy/ticks.yaml" >"$file"
  "$bin/lulld" --config "$file" --check-config >/dev/null
  for expected in "listen: 127.0.0.1:$events" "target: 127.0.0.1:$sink" \
    "listen: 127.0.0.1:$metrics" "window: ${window}s" "mode: $mode" \
    "min_events: $min_events" "threshold: $threshold" ${hard_limit:+"hard_limit: $hard_limit"}; do
    if ! grep -qF -- "$expected" "$file"; then
      echo "run.sh: the config derived from deploy/ticks.yaml lacks '$expected'" >&2
      return 1
    fi
  done
}

failed=0
summary_table=$out/summary.csv
rm -f "$summary_table"
for repeat in $(seq 1 "$repeats"); do
  for mode in $modes; do
    dir=$out/$mode-$repeat
    mkdir -p "$dir"
    read -r events_port sink_port metrics_port < <("$bin/lull-ticks" free-ports 3 | xargs)
    derive_config "$mode" "$events_port" "$sink_port" "$metrics_port" "$dir/lulld.yaml"
    echo "== $mode, run $repeat: $rate events/s, $keys keys, window ${window}s," \
      "${warmup}s warm-up + ${duration}s ($dir)" >&2
    daemon_cpu=() generator_cpu=()
    if [ "$pin" = 1 ]; then
      daemon_cpu=(taskset -c "$(($(nproc) - 1))") generator_cpu=(taskset -c 0)
    fi
    "${daemon_cpu[@]}" nice -n "$niceness" "$bin/lulld" --config "$dir/lulld.yaml" 2>"$dir/lulld.log" &
    lulld_pid=$!
    status=0
    generator_priority=(nice -n "$niceness")
    [ "$realtime_generator" = 1 ] && generator_priority=(chrt -f 10)
    progress=()
    [ "$smoke" = 1 ] && progress=(--quiet)
    "${generator_cpu[@]}" "${generator_priority[@]}" "$bin/lull-ticks" --rate "$rate" --keys "$keys" --window "$window" --warmup "$warmup" \
      --duration "$duration" --seed "$seed" --jump-fraction "$jump_fraction" \
      --transport "$transport" --send-interval-us "$send_interval_us" --min-events "$min_events" --threshold "$threshold" \
      --events "127.0.0.1:$events_port" --sink "127.0.0.1:$sink_port" \
      --metrics "127.0.0.1:$metrics_port" --connect-timeout "$connect_timeout" --drain-timeout 10 \
      --csv "$dir/intervals.csv" --percentiles "$dir/percentiles.txt" \
      --summary "$dir/summary.txt" --final-metrics "$dir/metrics-final.txt" \
      --lulld-pid "$lulld_pid" "${progress[@]}" >/dev/null || status=$?
    stop_lulld
    if [ "$status" != 0 ]; then
      failed=1
      echo "run.sh: $mode run $repeat: lull-ticks exited $status; lulld's log:" >&2
      tail -5 "$dir/lulld.log" >&2
    fi
    [ -f "$dir/summary.txt" ] || continue
    # One row per run: mode, repeat, then the summary's values in its order.
    if [ ! -f "$summary_table" ]; then
      { printf 'mode,repeat'; cut -d= -f1 "$dir/summary.txt" | sed 's/^/,/' | tr -d '\n'; echo; } \
        >"$summary_table"
    fi
    { printf '%s,%s' "$mode" "$repeat"; cut -d= -f2 "$dir/summary.txt" | sed 's/^/,/' | tr -d '\n'; echo; } \
      >>"$summary_table"
  done
done

"$repo/bench/ticks/report.sh" "$summary_table" >&2
[ "$charts" = 1 ] && "$repo/bench/ticks/charts.sh" "$out"
if [ "$smoke" = 1 ] && [ "$failed" = 0 ]; then rm -rf "$out"; fi
exit $failed
