#!/usr/bin/env bash
# run.sh [seconds]: builds the three libFuzzer targets (the fuzz preset: clang, ASan + UBSan) and
# runs each for `seconds` (default 60) on a copy of its seed corpus, one after the other (one
# core each would halve every target's time on a 2-core machine). Exits non-zero on any finding
# and says where the crashing input is. Work files: build/fuzz/run/<target>/ (corpus, log,
# findings), replaced on every run; the seed corpora in tests/fuzz/corpus/ are never changed.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-60}
targets=(ingest config heap)

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j2 --target "${targets[@]/#/fuzz_}"

work=build/fuzz/run
rm -rf "$work"
failed=()
for target in "${targets[@]}"; do
  dir=$work/$target
  mkdir -p "$dir/corpus" "$dir/findings"
  cp tests/fuzz/corpus/"$target"/* "$dir/corpus/"
  echo "fuzz_$target: ${seconds}s on $(ls "$dir/corpus" | wc -l) seeds, log in $dir/log"
  # -timeout: one input taking 5 s is a hang; -rss_limit_mb: a runaway allocation is a finding.
  if build/fuzz/bin/fuzz_"$target" "$dir/corpus" -max_total_time="$seconds" -timeout=5 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/findings/" >"$dir/log" 2>&1; then
    grep -aE '^#[0-9]+[[:space:]]+DONE|^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
      "$dir/log" | sed "s/^/  /"
  else
    failed+=("$target")
    echo "fuzz_$target: FINDING. The end of its log:"
    tail -n 60 "$dir/log" | sed "s/^/  /"
    for input in "$dir"/findings/*; do
      [ -e "$input" ] || continue
      echo "  crashing input: $input"
      echo "  reproduce: build/fuzz/bin/fuzz_$target $input"
      echo "  keep it: cp $input tests/fuzz/regressions/$target/ (see tests/fuzz/README.md)"
    done
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in ${failed[*]}"
  exit 1
fi
echo "fuzz: no findings in ${targets[*]} (${seconds}s each)"
