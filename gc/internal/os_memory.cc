// os_memory.cc: mmap-based mappings (alignment by over-mapping and trimming) and the releaser
// thread.
#include "gc/internal/os_memory.h"

#include <sys/mman.h>

#include <cstdint>
#include <new>

#include "gc/internal/assert.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

namespace lull::gc::internal {

void* os_map(size_t size, size_t alignment) {
  LULL_GC_DCHECK(size % kOsPageSize == 0 && alignment % kOsPageSize == 0, "unaligned mapping");
  const size_t span = alignment > kOsPageSize ? size + alignment : size;
  void* raw = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  if (span == size) return raw;
  const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + alignment - 1) & ~(alignment - 1);
  if (aligned > start) ::munmap(raw, aligned - start);
  const uintptr_t end = start + span;
  if (end > aligned + size) ::munmap(reinterpret_cast<void*>(aligned + size), end - aligned - size);
  return reinterpret_cast<void*>(aligned);
}

void os_unmap(void* p, size_t size) {
#if defined(__SANITIZE_ADDRESS__)
  // A range unmapped while still poisoned would poison whatever is mapped there next.
  LULL_GC_CHECK(__asan_region_is_poisoned(p, size) == nullptr, "unmapping poisoned memory");
#endif
  const int rc = ::munmap(p, size);
  LULL_GC_CHECK(rc == 0, "munmap failed");
}

Releaser::Releaser() : thread_([this] { run(); }) {}

Releaser::~Releaser() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void Releaser::release(void* p, size_t size) {
  bool was_empty;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    was_empty = queue_ == nullptr;
    queue_ = ::new (p) Range{queue_, size};
  }
  // The worker sleeps only on an empty queue, so only the first push needs the (futex) wake-up.
  if (was_empty) wake_.notify_one();
}

void Releaser::drain() {
  std::unique_lock<std::mutex> lock(mutex_);
  idle_.wait(lock, [this] { return queue_ == nullptr && !busy_; });
}

void Releaser::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || queue_ != nullptr; });
    if (queue_ == nullptr) return;  // stop_ and nothing left
    char* const start = reinterpret_cast<char*>(queue_);
    const size_t size = queue_->size;
    queue_ = queue_->next;
    busy_ = true;
    lock.unlock();
    for (size_t done = 0; done < size; done += kReleaseChunk) {
      const size_t n = size - done < kReleaseChunk ? size - done : kReleaseChunk;
      os_unmap(start + done, n);
    }
    lock.lock();
    busy_ = false;
    if (queue_ == nullptr) idle_.notify_all();
  }
}

}  // namespace lull::gc::internal
