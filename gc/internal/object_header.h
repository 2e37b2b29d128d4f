// object_header.h: the 16-byte header in front of every managed object, and GcInfo, the
// per-type table (trace, destructor, flags) the header points to.
// Terms: "payload" is the C++ object after the header; "slot" is a header plus payload in an
// old-space page; "forwarded" is a nursery object already copied out by a minor collection.
#pragma once

#include <cstddef>
#include <cstdint>

// ASan builds mark free heap memory (the unused nursery, the payload of free old-space slots)
// as poisoned, so a stale reference is reported at its first use.
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define LULL_GC_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define LULL_GC_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define LULL_GC_POISON(p, n) ((void)(p), (void)(n))
#define LULL_GC_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace lull::gc {
class Visitor;
}

namespace lull::gc::internal {

struct GcInfo {
  using TraceFn = void (*)(const void* payload, Visitor& visitor);
  using DestroyFn = void (*)(void* payload);
  using TraceRangeFn = void (*)(const void* payload, uint64_t begin, uint64_t end,
                                Visitor& visitor);

  TraceFn trace;      // null: the type holds no references
  DestroyFn destroy;  // null: trivially destructible, dies without a call
  // Non-null for an Array with references: traces elements [begin, end), so the marker can
  // trace it in slices (the length is the payload's first word).
  TraceRangeFn trace_range;
};

// Info of memory that holds no live C++ object: the header of an object whose constructor is
// still running or threw. Never traced, never destroyed.
inline constexpr GcInfo kFillerInfo = {nullptr, nullptr, nullptr};

//  Layout (little endian, x86-64), 16 bytes, payload follows 8-byte aligned:
//
//   byte 0                 8              12        13        14        16
//   +----------------------+--------------+---------+---------+---------+
//   | info  (GcInfo*)      | size  (u32)  | mark u8 | flags u8| unused  |
//   |  or forward (payload*| payload bytes| epoch   | kForwarded, kLarge,|
//   |  if kForwarded)      | multiple of 8| marked  | kFree   |         |
//   |  or next free (kFree)|              |         |         |         |
//   +----------------------+--------------+---------+---------+---------+
//
// mark: an object is black in the current major cycle iff mark == the heap's epoch. The epoch
// advances at each cycle start, so every old object turns white at once without a clearing pass;
// allocation always writes the current epoch (allocate-black). Live objects only ever carry
// epoch or epoch-1, so an 8-bit epoch that wraps is safe.
class HeapObjectHeader {
 public:
  static constexpr uint8_t kForwarded = 1;  // young object copied out; word 0 is the new payload
  static constexpr uint8_t kLarge = 2;      // lives in its own large-space block
  static constexpr uint8_t kFree = 4;       // old-space slot on a free list; word 0 is next free

  static HeapObjectHeader* from_payload(const void* payload) {
    return reinterpret_cast<HeapObjectHeader*>(
        const_cast<char*>(static_cast<const char*>(payload)) - sizeof(HeapObjectHeader));
  }
  void* payload() { return reinterpret_cast<char*>(this) + sizeof(HeapObjectHeader); }

  void init(uint32_t payload_size, uint8_t epoch, uint8_t flags) {
    word0_ = reinterpret_cast<uintptr_t>(&kFillerInfo);
    size_ = payload_size;
    mark_ = epoch;
    flags_ = flags;
    unused_ = 0;
  }

  const GcInfo* info() const { return reinterpret_cast<const GcInfo*>(word0_); }
  void set_info(const GcInfo* info) { word0_ = reinterpret_cast<uintptr_t>(info); }
  uint32_t size() const { return size_; }
  uint8_t mark() const { return mark_; }
  void set_mark(uint8_t epoch) { mark_ = epoch; }
  uint8_t flags() const { return flags_; }
  bool is_forwarded() const { return flags_ & kForwarded; }
  bool is_large() const { return flags_ & kLarge; }
  bool is_free() const { return flags_ & kFree; }

  void* forward() const { return reinterpret_cast<void*>(word0_); }
  void set_forward(void* new_payload) {
    word0_ = reinterpret_cast<uintptr_t>(new_payload);
    flags_ |= kForwarded;
  }

  HeapObjectHeader* next_free() const { return reinterpret_cast<HeapObjectHeader*>(word0_); }
  void make_free(HeapObjectHeader* next) {
    word0_ = reinterpret_cast<uintptr_t>(next);
    size_ = 0;
    flags_ = kFree;
  }

 private:
  friend struct HeaderLayoutCheck;
  uintptr_t word0_;
  uint32_t size_;
  uint8_t mark_;
  uint8_t flags_;
  uint16_t unused_;
};

static_assert(sizeof(HeapObjectHeader) == 16, "header is two words");
static_assert(alignof(HeapObjectHeader) == 8);
static_assert(sizeof(void*) == 8, "layout assumes 64-bit pointers");

inline constexpr size_t kHeaderSize = sizeof(HeapObjectHeader);
inline constexpr size_t kObjectAlignment = 8;

constexpr size_t round_up(size_t n, size_t a) {
  return (n + a - 1) & ~(a - 1);
}
// Payload bytes actually reserved for `bytes` requested (at least one word for the free link).
constexpr size_t payload_size_for(size_t bytes) {
  return bytes < kObjectAlignment ? kObjectAlignment : round_up(bytes, kObjectAlignment);
}

}  // namespace lull::gc::internal
