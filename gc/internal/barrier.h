// barrier.h: the write barrier that every Member store runs. Two jobs in one inline test:
//   generational: a store of a young pointer into a slot outside the nursery records the slot in
//     the remembered set (so a minor collection finds and fixes it);
//   marking (Yuasa deletion / snapshot-at-the-beginning): while a major cycle marks, the value
//     being overwritten is shaded grey, so everything reachable at the cycle start gets marked.
// Fast path budget: two subtractions, two compares and one flag load, one branch, no call.
// State is per thread (one heap per thread, at most one live Heap per thread at a time).
#pragma once

#include <cstdint>

namespace lull::gc::internal {

class Collector;

struct BarrierState {
  uintptr_t young_begin = 0;  // nursery [begin, begin + size)
  uintptr_t young_size = 0;
  bool slow_always = false;  // marking in progress, or torture mode
  Collector* collector = nullptr;
};

extern constinit thread_local BarrierState tls_barrier;

// The state, read by the inline fast paths. Sanitizer builds read it through an out-of-line
// call instead: GCC 12's UBSan reports a "null" reference for the inlined fs-relative access
// (a false positive we could not silence with no_sanitize), and speed does not matter there.
#if defined(__SANITIZE_ADDRESS__)
const BarrierState& barrier_state();
#else
inline const BarrierState& barrier_state() {
  return tls_barrier;
}
#endif

void write_barrier_slow(void** slot, void* old_value, void* new_value);
void init_barrier_slow(void** slot, void* new_value);

// Invariant kept here: "every slot outside the nursery that holds a young pointer is in the
// remembered set" (checked by the verifier, Verifier::check_remembered_set).
inline void write_barrier(void** slot, void* old_value, void* new_value) {
  const BarrierState& s = barrier_state();
  const bool young_value = reinterpret_cast<uintptr_t>(new_value) - s.young_begin < s.young_size;
  const bool old_slot = reinterpret_cast<uintptr_t>(slot) - s.young_begin >= s.young_size;
  if ((young_value & old_slot) | s.slow_always) [[unlikely]]
    write_barrier_slow(slot, old_value, new_value);
}

// Initialising store (Member constructors): nothing is overwritten, so only the generational
// half applies.
inline void init_barrier(void** slot, void* new_value) {
  const BarrierState& s = barrier_state();
  const bool young_value = reinterpret_cast<uintptr_t>(new_value) - s.young_begin < s.young_size;
  const bool old_slot = reinterpret_cast<uintptr_t>(slot) - s.young_begin >= s.young_size;
  if (young_value & old_slot) [[unlikely]]
    init_barrier_slow(slot, new_value);
}

}  // namespace lull::gc::internal
