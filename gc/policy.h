// policy.h: Policy, the collector's knobs (wired to the `gc:` config section by runtime/).
// Sizes in bytes. Defaults argued inline.
#pragma once

#include <chrono>
#include <cstddef>

namespace lull::gc {

enum class GcMode {
  // Only explicit calls (collect_step, collect_minor, collect) collect, plus the hard limit. A
  // full nursery spills allocation into the old space until the next explicit minor collection.
  kExplicit,
  // The baseline "ordinary GC": a full nursery triggers a minor collection inside allocation,
  // and each minor collection or old-space allocation past the trigger runs a major step of
  // classic_step_budget, wherever the mutator happens to be.
  kClassic,
};

struct Policy {
  // Nursery capacity. 4 MiB fits in L2/L3; with ~100 % survival a full copy costs ~1-4 ms, so
  // the reactor runs small minors in lulls long before it fills (see estimate_minor_duration).
  size_t nursery_bytes = 4u << 20;
  // A major cycle is due once old bytes >= factor x live bytes after the last major (PyPy).
  double major_trigger_factor = 1.82;
  // ... and never below this many old bytes (no cycles on a tiny heap).
  size_t min_major_trigger_bytes = 16u << 20;
  // Committed bytes (nursery + old pages + large blocks) beyond which allocation forces a full
  // collection, even in a no-GC region, then throws HeapLimitError. 0: no limit.
  size_t hard_limit_bytes = 0;
  GcMode mode = GcMode::kExplicit;
  // Classic mode only: the time budget of each allocation-triggered major step.
  std::chrono::microseconds classic_step_budget{1000};
  // Empty old-space pages kept for reuse instead of being returned to the OS after a sweep.
  size_t empty_page_cache_bytes = 1u << 20;
  // Survival-driven pretenuring (gc/internal/pretenure.h): once minor collections keep finding
  // at least this share of the nursery alive (two windows of half a nursery each), young
  // allocation goes straight to the old space, re-sampled every 8 nurseries' worth. In [0, 1];
  // 0 turns it off (a threshold of 0 would pretenure a stream that dies entirely, never useful,
  // so the value is free to mean "off"). 0.9: at 90 % survival a minor collection copies nine
  // bytes for every one it frees, and old-space allocation plus the sweep of the rare young death
  // cost less than that copy; V8 pretenures an allocation site at 85 %.
  double pretenure_survival = 0.9;
};

}  // namespace lull::gc
