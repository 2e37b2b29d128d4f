// os_memory.cc: mmap-based mappings with alignment by over-mapping and trimming.
#include "gc/internal/os_memory.h"

#include <sys/mman.h>

#include <cstdint>
#include <new>

#include "gc/internal/assert.h"

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
  const int rc = ::munmap(p, size);
  LULL_GC_CHECK(rc == 0, "munmap failed");
}

}  // namespace lull::gc::internal
