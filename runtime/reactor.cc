// reactor.cc: the loop. Ready handlers first, then block for the next one.
#include "runtime/reactor.h"

namespace lull::runtime {

void Reactor::run() {
  io_.restart();
  for (;;) {
    heartbeat_.fetch_add(1, std::memory_order_relaxed);
    if (io_.poll() > 0) continue;  // drain everything that is ready before the lull
    if (io_.stopped()) return;     // stop() called, or no work left
    // The lull. Nothing is ready: block until the next handler has run.
    if (io_.run_one() == 0) return;
  }
}

}  // namespace lull::runtime
