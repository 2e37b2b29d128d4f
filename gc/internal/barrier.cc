// barrier.cc: the per-thread barrier state and the out-of-line slow paths (barrier.h).
#include "gc/internal/barrier.h"

#include "gc/internal/collector.h"

namespace lull::gc::internal {

constinit thread_local BarrierState tls_barrier;

#if defined(__SANITIZE_ADDRESS__)
const BarrierState& barrier_state() {
  return tls_barrier;
}
#endif

void write_barrier_slow(void** slot, void* old_value, void* new_value) {
  tls_barrier.collector->write_barrier_slow(slot, old_value, new_value);
}

void init_barrier_slow(void** slot, void* new_value) {
  tls_barrier.collector->write_barrier_slow(slot, nullptr, new_value);
}

}  // namespace lull::gc::internal
