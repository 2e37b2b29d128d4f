// summary.h: the end of a run: the correctness check (missing, extra, duplicate actions, by
// seq against the model's verdicts) and the totals, printed and written as key=value lines,
// plus the scored latency distribution as a percentile table.
#pragma once

#include <cstdint>
#include <string>

#include "bench/ticks/interval_report.h"
#include "bench/ticks/options.h"
#include "bench/ticks/scoring_sink.h"
#include "bench/ticks/shared_run.h"

namespace lull::bench {

struct Correctness {
  std::uint64_t expected = 0, borderline = 0, received = 0;
  std::uint64_t missing = 0, extra = 0, duplicate = 0;
  bool exact() const { return missing == 0 && extra == 0 && duplicate == 0; }
};

// Compares what the sink received with the verdicts of the events sent; prints the first
// few missing and extra seqs to stderr.
Correctness check_actions(const SharedRun& run, const SinkResult& sink);

// Prints the summary to stdout and, when asked, to options.summary_path and
// options.percentiles_path. `send_seconds` is how long sending took.
void write_summary(const TicksOptions& options, const SharedRun& run, const SinkResult& sink,
                   const Correctness& correctness, const DaemonPeaks& peaks, double send_seconds);

}  // namespace lull::bench
