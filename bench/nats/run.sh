#!/usr/bin/env bash
# run.sh: the NATS JetStream benchmark of issue 10, one command. Builds Release, then, on the
# ticks workload (deploy/ticks.yaml's rule, open-loop lull-ticks, every action scored):
#   tcp      direct TCP input (as bench/ticks/run.sh): the baseline
#   js1      jetstream input, 1 instance, static assignment of all P partitions
#   js2      jetstream input, 2 instances, static halves (js4: 4 instances, quarters)
#   cluster  js1 against a 3-node nats-server cluster, streams and buckets R3
#   election cluster, and the node leading partition 0's stream gets SIGKILL mid-run: the
#            producer's longest publish stall (nats_stall_max_ms) and nothing lost
#   (actions of every case go to lull-ticks' TCP scoring sink, so only the input differs)
#   tcp@R, js1@R  the rate sweep (--rates "R ..."): the highest rate within --budget-ms at p99
#   takeover 2 instances with lease assignment, actions to a jetstream stream read by
#            lull-ticks (--actions-stream); one instance is killed with SIGKILL mid-run and
#            the survivor's log, /metrics and a NATS tap of the actions give the takeover time
#            (lease expiry part, rebuild part), rebuild events/s and the GC step maximum
#   batchN   js1 with fetch_batch N (--batches "100 500 1000", --batch-repeats)
# Each case gets a fresh nats-server (loopback, free ports, temp store, the mapping for P
# partitions). The cases of a repeat run one after another, so TCP and JetStream are measured
# side by side; report.py writes the tables (results.md, summary.csv). See README.md here.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
here=$repo/bench/nats
rate=20000 keys=10000 window=60 warmup=5 duration=20 repeats=3 seed=1 partitions=8
cases="tcp js1 js2" rates="" sweep_cases="tcp js1" budget_ms=5 takeovers=3 batches="100 500 1000" lease_ttl=3s kill_after=8 niceness=0 batch_repeats=1 takeover_batch=500
out="" bin="" charts=0

usage() {
  cat <<EOF
usage: bench/nats/run.sh [options]
  --rate N (20000)  --keys N (10000)  --window S (60)  --warmup S (5)  --duration S (20)
  --repeats N (3)   repeats of --cases, interleaved (tcp js1 js2, tcp js1 js2, ...)
  --cases "tcp js1 js2"   any of tcp js1 js2 js4 cluster election
  --rates "R ..."   also --sweep-cases at each of these rates (events/s; "": no sweep)
  --sweep-cases "tcp js1"  --budget-ms N (5): the p99 budget the sweep reports against
  --partitions P (8) --seed N (1)
  --takeovers N (3) takeover runs (0: none)  --lease-ttl D (3s)
  --kill-after S (8) seconds into the scored phase at which one instance gets SIGKILL
  --takeover-batch N (500)  fetch_batch of the takeover instances (replay rate per batch)
  --batches "100 500 1000"  js1 with these fetch_batch values ("": none)
  --batch-repeats N (1)     repeats of --batches, interleaved
  --nice N (0)      run lulld, nats-server and lull-ticks at this niceness
  --out DIR         results (default build/nats-bench/<UTC time>)
  --bin DIR         lulld and lull-ticks from DIR, do not build
  --charts          draw latency-percentiles.png (gnuplot)
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --rate) rate=$2; shift ;;
    --keys) keys=$2; shift ;;
    --window) window=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --duration) duration=$2; shift ;;
    --repeats) repeats=$2; shift ;;
    --cases) cases=$2; shift ;;
    --rates) rates=$2; shift ;;
    --sweep-cases) sweep_cases=$2; shift ;;
    --budget-ms) budget_ms=$2; shift ;;
    --partitions) partitions=$2; shift ;;
    --seed) seed=$2; shift ;;
    --takeovers) takeovers=$2; shift ;;
    --lease-ttl) lease_ttl=$2; shift ;;
    --kill-after) kill_after=$2; shift ;;
    --takeover-batch) takeover_batch=$2; shift ;;
    --batches) batches=$2; shift ;;
    --batch-repeats) batch_repeats=$2; shift ;;
    --nice) niceness=$2; shift ;;
    --out) out=$2; shift ;;
    --bin) bin=$2; shift ;;
    --charts) charts=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

if [ -z "$bin" ]; then
  (cd "$repo" && nice -n 10 cmake --preset release >/dev/null &&
    nice -n 10 cmake --build --preset release --target lulld lull-ticks)
  bin=$repo/build/release/bin
fi
nats_server=$(command -v nats-server || echo /usr/sbin/nats-server)
[ -x "$nats_server" ] || { echo "run.sh: needs nats-server (apt-get install nats-server)" >&2; exit 2; }
[ -n "$out" ] || out=$repo/build/nats-bench/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
echo "results: $out" >&2

pids=()
declare -A node_pids  # cluster: server name -> pid
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM
run_nice=(nice -n "$niceness")
# With autogroups (the kernel's default) nice ranks processes within one session only; below 0
# this session's autogroup is raised too (as bench/ticks/run.sh --nice; needs root).
if [ "$niceness" -lt 0 ] && [ -w /proc/self/autogroup ]; then
  echo "$niceness" >/proc/self/autogroup
fi

wait_for() { # seconds command...: poll every 0.1 s until the command succeeds
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ $SECONDS -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# nats-server for one case: loopback, monitoring port, JetStream in a temp store under the case
# folder, and the mapping ticks.<key> -> ticks.<p>.<key> (as tests/support/nats_server.cc).
start_nats() { # dir port monitor_port
  local dir=$1 port=$2 monitor=$3
  mkdir -p "$dir/nats-store"
  cat >"$dir/nats.conf" <<EOF
listen: "127.0.0.1:$port"
http: "127.0.0.1:$monitor"
jetstream {
  store_dir: "$dir/nats-store"
  max_memory_store: 1G
  max_file_store: 8G
}
mappings = {
  "ticks.*": "ticks.{{partition($partitions,1)}}.{{wildcard(1)}}"
}
EOF
  "${run_nice[@]}" "$nats_server" -c "$dir/nats.conf" 2>"$dir/nats.log" &
  nats_pid=$!
  pids+=("$nats_pid")
  wait_for 20 sh -c "curl -sf http://127.0.0.1:$monitor/healthz | grep -q ok" || {
    echo "run.sh: nats-server not ready; its log:" >&2
    tail -5 "$dir/nats.log" >&2
    return 1
  }
}

# Three nats-servers n1..n3 routed into one cluster, each as start_nats's; sets nats_urls
# ("nats://..., ...") and monitors (their monitoring ports), and waits for a meta leader.
start_cluster() { # dir
  local dir=$1 i ports
  read -r -a ports < <("$bin/lull-ticks" free-ports 9 | xargs)
  nats_urls="" monitors=()
  for i in 1 2 3; do
    local port=${ports[$((i - 1))]} monitor=${ports[$((i + 2))]} route=${ports[$((i + 5))]}
    mkdir -p "$dir/n$i/store"
    cat >"$dir/n$i/nats.conf" <<EOF
server_name: "n$i"
listen: "127.0.0.1:$port"
http: "127.0.0.1:$monitor"
jetstream {
  store_dir: "$dir/n$i/store"
  max_memory_store: 1G
  max_file_store: 8G
}
cluster {
  name: "lull-bench"
  listen: "127.0.0.1:$route"
  routes: ["nats-route://127.0.0.1:${ports[6]}", "nats-route://127.0.0.1:${ports[7]}", "nats-route://127.0.0.1:${ports[8]}"]
}
mappings = {
  "ticks.*": "ticks.{{partition($partitions,1)}}.{{wildcard(1)}}"
}
EOF
    "${run_nice[@]}" "$nats_server" -c "$dir/n$i/nats.conf" 2>"$dir/n$i/nats.log" &
    pids+=($!)
    node_pids[n$i]=$!
    nats_urls+="${nats_urls:+, }nats://127.0.0.1:$port"
    monitors+=("$monitor")
  done
  wait_for 40 sh -c "curl -sf 'http://127.0.0.1:${monitors[0]}/jsz' | grep -q '\"leader\"'" || {
    echo "run.sh: the nats cluster elected no meta leader; n1's log:" >&2
    tail -5 "$dir/n1/nats.log" >&2
    return 1
  }
}

# The server name of the node leading `stream`, from any node's /jsz.
stream_leader() { # stream
  local monitor
  for monitor in "${monitors[@]}"; do
    curl -sf "http://127.0.0.1:$monitor/jsz?streams=true" 2>/dev/null | python3 -c '
import json, sys
for account in json.load(sys.stdin).get("account_details", []):
    for stream in account.get("stream_detail", []):
        if stream.get("name") == sys.argv[1] and stream.get("cluster", {}).get("leader"):
            print(stream["cluster"]["leader"]); sys.exit(0)
sys.exit(1)' "$1" && return 0
  done
  return 1
}

# deploy/ticks.yaml with this case's ports and window, and, for jetstream, its input section
# replaced by a jetstream input (and, with sink=jetstream, the action sink by a jetstream one).
derive_config() { # file input(tcp|jetstream) sink(tcp|jetstream) events_port sink_port metrics_port nats_port [input lines...]
  local file=$1 input=$2 sink=$3 events=$4 sinkp=$5 metrics=$6 nats=$7
  shift 7
  local extra=("$@")
  sed -e "s/127\.0\.0\.1:7400/127.0.0.1:$events/" \
    -e "s/127\.0\.0\.1:7500/127.0.0.1:$sinkp/" \
    -e "s/127\.0\.0\.1:9464/127.0.0.1:$metrics/" \
    -e "s/^\(    window:\) 60s/\1 ${window}s/" \
    "$repo/deploy/ticks.yaml" >"$file.base"
  if [ "$input" = jetstream ]; then
    {
      echo "inputs:"
      echo "  - type: jetstream"
      echo "    name: ticks-nats"
      echo "    servers: [${nats_servers:-nats://127.0.0.1:$nats}]"
      echo "    stream_prefix: TICKS"
      echo "    subject: ticks"
      echo "    partitions: $partitions"
      for line in "${extra[@]}"; do echo "    $line"; done
    } >"$file.inputs"
    # Drop the inputs: section (up to the next top-level key) and put the jetstream one there.
    awk -v inputs="$file.inputs" '
      /^inputs:/ { while ((getline l < inputs) > 0) print l; skip = 1; next }
      skip && /^[a-z]/ { skip = 0 }
      !skip { print }' "$file.base" >"$file.tmp"
    mv "$file.tmp" "$file.base"
  fi
  if [ "$sink" = jetstream ]; then
    sed -i -e "s/^\(    type:\) tcp\( .*one persistent connection.*\)$/\1 jetstream/" \
      -e "s|^    target: 127\.0\.0\.1:$sinkp.*$|    servers: [nats://127.0.0.1:$nats]\n    subject: lull.actions|" \
      "$file.base"
    # the takeover case: 1 s maxima on /metrics, to see the GC steps of the rebuild
    sed -i -e "s|^\(  listen: 127\.0\.0\.1:$metrics.*\)$|\1\n  window: 1s|" "$file.base"
  fi
  mv "$file.base" "$file"
  rm -f "$file.inputs"
  "$bin/lulld" --config "$file" --check-config >/dev/null
  local expected=("listen: 127.0.0.1:$metrics" "window: ${window}s" "threshold: 0.05")
  if [ "$input" = jetstream ]; then
    expected+=("type: jetstream" "partitions: $partitions")
    if grep -q "listen: 127.0.0.1:$events" "$file"; then
      echo "run.sh: $file still has the tcp input" >&2
      return 1
    fi
  else
    expected+=("listen: 127.0.0.1:$events")
  fi
  [ "$sink" = tcp ] && expected+=("target: 127.0.0.1:$sinkp")
  [ "$sink" = jetstream ] && expected+=("subject: lull.actions")
  for e in "${expected[@]}"; do
    grep -qF -- "$e" "$file" || { echo "run.sh: $file lacks '$e'" >&2; return 1; }
  done
}

seq_list() { # from to: "a, b, c"
  seq -s ', ' "$1" "$2"
}

metric_sum() { # port name-regex: the sum of the matching samples on lulld's /metrics
  curl -sf "http://127.0.0.1:$1/metrics" | awk -v re="^$2" '$1 ~ re { s += $2 } END { printf "%.0f\n", s }'
}

record_load() { # dir: nproc and the load average before and after a case
  echo "$(date -u +%H:%M:%S) nproc=$(nproc) loadavg=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$1/load.txt"
}

ticks_common() {
  echo --rate "$rate" --keys "$keys" --window "$window" --warmup "$warmup" --duration "$duration" \
    --seed "$seed" --connect-timeout 30 --drain-timeout 15
}

failed=0

# One latency case: tcp, or jetstream with N static instances, each owning P/N partitions
# (fetch_batch $4), against one nats-server or (topology cluster) three; with kill=1 the node
# leading partition 0's stream gets SIGKILL --kill-after seconds into the scored phase.
run_latency_case() { # name repeat instances(0 = tcp) fetch_batch [rate [topology [kill]]]
  local name=$1 repeat=$2 instances=$3 batch=$4 case_rate=${5:-$rate} topology=${6:-single}
  local kill=${7:-0}
  local dir=$out/$name-$repeat
  mkdir -p "$dir"
  record_load "$dir"
  local events sinkp nats monitor ports
  read -r events sinkp nats monitor < <("$bin/lull-ticks" free-ports 4 | xargs)
  read -r -a ports < <("$bin/lull-ticks" free-ports "$((instances > 0 ? instances : 1))" | xargs)
  echo "== $name, run $repeat: $case_rate events/s, $keys keys, window ${window}s, ${warmup}s + ${duration}s ($dir)" >&2
  local lulld_pids=() ticks_args=() nats_servers=""
  if [ "$instances" = 0 ]; then
    derive_config "$dir/lulld.yaml" tcp tcp "$events" "$sinkp" "${ports[0]}" 0
    "${run_nice[@]}" "$bin/lulld" --config "$dir/lulld.yaml" 2>"$dir/lulld.log" &
    lulld_pids+=($!)
    ticks_args=(--transport tcp --events "127.0.0.1:$events")
  else
    local setup_args=()
    if [ "$topology" = cluster ]; then
      start_cluster "$dir"
      nats_servers=$nats_urls
      nats=${nats_urls%%,*}
      nats=${nats##*:}
      setup_args=(--replicas 3)
    else
      start_nats "$dir" "$nats" "$monitor"
    fi
    local share=$((partitions / instances)) i owned
    for i in $(seq 1 "$instances"); do
      owned="[$(seq_list $(((i - 1) * share)) $((i == instances ? partitions - 1 : i * share - 1)))]"
      derive_config "$dir/lulld-$i.yaml" jetstream tcp "$events" "$sinkp" "${ports[$((i - 1))]}" \
        "$nats" "assignment: static" "owned: $owned" "fetch_batch: $batch"
    done
    "$bin/lulld" --config "$dir/lulld-1.yaml" --nats-setup "${setup_args[@]}" >"$dir/nats-setup.txt" 2>&1
    for i in $(seq 1 "$instances"); do
      "${run_nice[@]}" "$bin/lulld" --config "$dir/lulld-$i.yaml" 2>"$dir/lulld-$i.log" &
      lulld_pids+=($!)
      pids+=($!)
      wait_for 30 grep -qs "reading partitions" "$dir/lulld-$i.log" || {
        echo "run.sh: lulld $i did not start reading; its log:" >&2
        tail -5 "$dir/lulld-$i.log" >&2
        return 1
      }
    done
    ticks_args=(--nats "nats://127.0.0.1:$nats")
  fi
  pids+=("${lulld_pids[@]}")
  local status=0
  # shellcheck disable=SC2046
  "${run_nice[@]}" "$bin/lull-ticks" $(ticks_common) --rate "$case_rate" "${ticks_args[@]}" \
    --sink "127.0.0.1:$sinkp" --metrics "127.0.0.1:${ports[0]}" --lulld-pid "${lulld_pids[0]}" \
    --csv "$dir/intervals.csv" --percentiles "$dir/percentiles.txt" \
    --summary "$dir/summary.txt" --final-metrics "$dir/metrics-final.txt" \
    >"$dir/lull-ticks.log" 2>&1 &
  local ticks_pid=$!
  pids+=("$ticks_pid")
  if [ "$kill" = 1 ]; then
    sleep "$((warmup + kill_after))"
    local leader=""
    leader=$(stream_leader TICKS_0) || true
    if [ -n "$leader" ] && [ -n "${node_pids[$leader]:-}" ]; then
      echo "kill_ns=$(date +%s%N) node=$leader" >"$dir/kill.txt"
      kill -KILL "${node_pids[$leader]}"
    else
      echo "run.sh: $name: no leader of TICKS_0 found; nothing killed" >&2
      failed=1
    fi
  fi
  wait "$ticks_pid" || status=$?
  for i in $(seq 2 "$instances"); do
    curl -sf "http://127.0.0.1:${ports[$((i - 1))]}/metrics" >"$dir/metrics-final-$i.txt" || true
  done
  cleanup
  record_load "$dir"
  if [ "$status" != 0 ]; then
    failed=1
    echo "run.sh: $name run $repeat: lull-ticks exited $status" >&2
    tail -3 "$dir/lull-ticks.log" >&2
  fi
}

# Takeover: 2 lease instances, actions to a jetstream stream, SIGKILL one mid-run.
run_takeover() { # repeat
  local repeat=$1 dir=$out/takeover-$1
  mkdir -p "$dir"
  record_load "$dir"
  local events sinkp nats monitor m1 m2
  read -r events sinkp nats monitor m1 m2 < <("$bin/lull-ticks" free-ports 6 | xargs)
  echo "== takeover, run $repeat: lease_ttl $lease_ttl, SIGKILL at ${kill_after}s of the scored phase ($dir)" >&2
  start_nats "$dir" "$nats" "$monitor"
  derive_config "$dir/lulld-a.yaml" jetstream jetstream "$events" "$sinkp" "$m1" "$nats" \
    "assignment: lease" "lease_ttl: $lease_ttl" "instance: lulld-a" "fetch_batch: $takeover_batch"
  derive_config "$dir/lulld-b.yaml" jetstream jetstream "$events" "$sinkp" "$m2" "$nats" \
    "assignment: lease" "lease_ttl: $lease_ttl" "instance: lulld-b" "fetch_batch: $takeover_batch"
  "$bin/lulld" --config "$dir/lulld-a.yaml" --nats-setup --lease-ttl "$lease_ttl" >"$dir/nats-setup.txt" 2>&1
  "${run_nice[@]}" "$bin/lulld" --config "$dir/lulld-a.yaml" 2>"$dir/lulld-a.log" &
  local pid_a=$!
  pids+=("$pid_a")
  "${run_nice[@]}" "$bin/lulld" --config "$dir/lulld-b.yaml" 2>"$dir/lulld-b.log" &
  local pid_b=$!
  pids+=("$pid_b")
  # both hold some partitions, all P held
  owned_split() {
    local a b
    a=$(metric_sum "$m1" lull_partitions_owned) b=$(metric_sum "$m2" lull_partitions_owned)
    [ -n "$a" ] && [ -n "$b" ] && [ "$a" -gt 0 ] && [ "$b" -gt 0 ] && [ $((a + b)) = "$partitions" ]
  }
  wait_for 40 owned_split || {
    echo "run.sh: the lease instances did not split the partitions" >&2
    tail -3 "$dir/lulld-a.log" "$dir/lulld-b.log" >&2
    return 1
  }
  sleep 2
  python3 "$here/tap.py" 127.0.0.1 "$nats" 'lull.actions.>' "$dir/actions-tap.txt" &
  pids+=($!)
  # the survivor's /metrics every 0.5 s, each scrape headed by its time
  (
    while :; do
      echo "# scrape_ns $(date +%s%N)"
      curl -sf "http://127.0.0.1:$m1/metrics" |
        grep -E '^lull_(gc_step_max_seconds|partition_rebuild|partitions_owned|events_total|partition_state)' || true
      sleep 0.5
    done
  ) >"$dir/survivor-metrics.txt" 2>/dev/null &
  pids+=($!)
  local status=0
  # shellcheck disable=SC2046
  "${run_nice[@]}" "$bin/lull-ticks" $(ticks_common) --nats "nats://127.0.0.1:$nats" \
    --actions-stream LULL_ACTIONS --metrics "127.0.0.1:$m1" --lulld-pid "$pid_a" \
    --csv "$dir/intervals.csv" --percentiles "$dir/percentiles.txt" \
    --summary "$dir/summary.txt" --final-metrics "$dir/metrics-final.txt" \
    >"$dir/lull-ticks.log" 2>&1 &
  local ticks_pid=$!
  pids+=("$ticks_pid")
  sleep "$((warmup + kill_after))"
  curl -sf "http://127.0.0.1:$m1/metrics" >"$dir/metrics-before-kill.txt" || true
  grep -E '^lull_partitions_owned' "$dir/metrics-before-kill.txt" >&2 || true
  echo "kill_ns=$(date +%s%N)" >"$dir/kill.txt"
  kill -KILL "$pid_b"
  wait "$ticks_pid" || status=$?
  sleep 1
  cleanup
  record_load "$dir"
  if [ "$status" != 0 ]; then
    failed=1
    echo "run.sh: takeover run $repeat: lull-ticks exited $status" >&2
    tail -3 "$dir/lull-ticks.log" >&2
  fi
  python3 "$here/takeover.py" "$dir" | tee "$dir/takeover.txt" >&2 || failed=1
}

for repeat in $(seq 1 "$repeats"); do
  for c in $cases; do
    case $c in
      tcp) run_latency_case tcp "$repeat" 0 500 ;;
      js1) run_latency_case js1 "$repeat" 1 500 ;;
      js2) run_latency_case js2 "$repeat" 2 500 ;;
      js4) run_latency_case js4 "$repeat" 4 500 ;;
      cluster) run_latency_case cluster "$repeat" 1 500 "$rate" cluster ;;
      election) run_latency_case election "$repeat" 1 500 "$rate" cluster 1 ;;
      *) echo "run.sh: unknown case $c" >&2; exit 2 ;;
    esac
  done
done
for repeat in $(seq 1 "$repeats"); do
  for r in $rates; do
    for c in $sweep_cases; do
      case $c in
        tcp) run_latency_case "tcp@$r" "$repeat" 0 500 "$r" ;;
        js1) run_latency_case "js1@$r" "$repeat" 1 500 "$r" ;;
        *) echo "run.sh: the sweep takes tcp and js1, not $c" >&2; exit 2 ;;
      esac
    done
  done
done
for repeat in $(seq 1 "$batch_repeats"); do
  for b in $batches; do run_latency_case "batch$b" "$repeat" 1 "$b"; done
done
for repeat in $(seq 1 "$takeovers"); do run_takeover "$repeat"; done

python3 "$here/report.py" "$out" "$budget_ms" | tee "$out/results.md" >&2
[ "$charts" = 1 ] && "$here/charts.sh" "$out"
exit $failed
