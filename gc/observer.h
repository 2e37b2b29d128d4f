// observer.h: GcObserver, called once per GC event: a minor collection, the marking or the
// sweeping part of a collect_step, or a full collection. Each event carries its kind, start,
// duration, bytes and objects of work, and the context the caller declared. The observer runs on
// the reactor thread inside the collector: it must not allocate on the heap or call into it.
#pragma once

#include <chrono>
#include <cstdint>

namespace lull::gc {

enum class GcKind : uint8_t { kMinor, kMark, kSweep, kFull };

// Why the caller is collecting now. kIdle: the reactor's lull; kPaced: bounded quanta between
// handlers past the soft limit; kForced: an explicit collect(), or classic-mode work triggered by
// allocation; kRegion: the hard limit broke a no-GC region.
enum class GcContext : uint8_t { kIdle, kPaced, kForced, kRegion };

const char* to_string(GcKind kind);
const char* to_string(GcContext context);

struct GcEvent {
  GcKind kind;
  GcContext context;
  std::chrono::steady_clock::time_point start;
  std::chrono::steady_clock::duration duration;
  uint64_t bytes;    // minor: bytes promoted; mark: bytes marked; sweep: bytes freed; full: freed
  uint64_t objects;  // objects promoted / marked / freed
};

class GcObserver {
 public:
  virtual ~GcObserver() = default;
  virtual void on_gc_event(const GcEvent& event) = 0;
};

}  // namespace lull::gc
