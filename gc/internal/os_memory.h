// os_memory.h: the collector's only contact with the OS: anonymous mappings (mmap/munmap) for
// the nursery, old-space pages and large blocks. "OS page" = 4 KiB here, never a heap page.
// Unmapping is what returns memory; callers split big unmaps into bounded chunks.
#pragma once

#include <cstddef>

namespace lull::gc::internal {

inline constexpr size_t kOsPageSize = 4096;

// Maps `size` bytes (multiple of kOsPageSize) aligned to `alignment` (a power of two, multiple
// of kOsPageSize). Throws std::bad_alloc when the OS refuses.
void* os_map(size_t size, size_t alignment = kOsPageSize);
// Unmaps [p, p + size); both page-aligned. Any sub-range of a mapping may be unmapped.
void os_unmap(void* p, size_t size);

}  // namespace lull::gc::internal
