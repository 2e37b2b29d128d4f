// os_memory.h: the collector's only contact with the OS: anonymous mappings (mmap/munmap) for
// the nursery, old-space pages and large blocks, and Releaser, the one helper thread gc/ starts.
// "OS page" = 4 KiB here, never a heap page.
// Why a thread: on this class of machine (2-vCPU VM) munmap of 64 KiB takes 9 us median and up
// to ~120 us (TLB shootdown), so no step could both return memory and meet a 20 us bound. A step
// only queues the range (O(1), a mutex push); the releaser unmaps it in kReleaseChunk pieces so
// it never holds the kernel's mmap lock long enough to stall the reactor's page faults.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>

namespace lull::gc::internal {

inline constexpr size_t kOsPageSize = 4096;
inline constexpr size_t kReleaseChunk = 64 * 1024;

// Maps `size` bytes (multiple of kOsPageSize) aligned to `alignment` (a power of two, multiple
// of kOsPageSize). Throws std::bad_alloc when the OS refuses.
void* os_map(size_t size, size_t alignment = kOsPageSize);
// Unmaps [p, p + size) now; both page-aligned. Any sub-range of a mapping may be unmapped.
void os_unmap(void* p, size_t size);

class Releaser {
 public:
  Releaser();
  ~Releaser();  // finishes every queued release, then joins
  Releaser(const Releaser&) = delete;
  Releaser& operator=(const Releaser&) = delete;

  // Queues [p, p + size) for unmapping. The memory must not be touched again: the queue's node
  // lives in its first bytes, so queueing never allocates (it runs inside GC steps, where a
  // malloc may stall; see OldSpace::empty_head_).
  void release(void* p, size_t size);
  // Blocks until the queue is empty (tests; teardown).
  void drain();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  struct Range {  // placed at the start of the range it describes
    Range* next;
    size_t size;
  };
  Range* queue_ = nullptr;  // LIFO
  bool busy_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace lull::gc::internal
