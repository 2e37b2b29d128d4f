// old_space.h: the non-moving old generation for small objects: 64 KiB pages, each holding
// slots of one size class (24 B .. 8 KiB, header included). A page keeps a free list of its
// free slots and bumps into never-used slots; per class, pages with a free slot form the
// "available" list. Pages are carved from 2 MiB mappings (one mmap per 32 pages). Empty pages
// found by the sweeper are cached for reuse and the surplus goes to the Releaser thread (never
// unmapped on the caller's thread). Terms: "page" is always a heap page (kPageSize), never an
// OS page.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "gc/internal/object_header.h"
#include "gc/internal/os_memory.h"

namespace lull::gc::internal {

inline constexpr size_t kPageSize = 64 * 1024;
inline constexpr size_t kPageHeaderSize = 64;
inline constexpr size_t kMaxSmallSlot = 8192;  // header included; larger objects are "large"
inline constexpr size_t kMaxSmallPayload = kMaxSmallSlot - kHeaderSize;
inline constexpr size_t kNumSizeClasses = 62;
inline constexpr uint32_t kPageMagic = 0x6c756c50;  // "lulP"
inline constexpr size_t kSegmentSize = 2u << 20;    // pages are mapped this many at a time

// Page invariant (checked by Verifier::check_pages):
//   live_count + length(free_list) == unused_from <= slot_count, and
//   in_avail == (free_list != null || unused_from < slot_count).
struct Page {
  uint32_t magic;
  uint32_t size_class;
  uint32_t slot_size;  // bytes per slot, header included
  uint32_t slot_count;
  uint32_t live_count;   // slots handed out and not yet freed by the sweeper
  uint32_t unused_from;  // slots at or above this index were never handed out
  HeapObjectHeader* free_list;
  Page* avail_prev;
  Page* avail_next;
  bool in_avail;

  HeapObjectHeader* slot(uint32_t i) {
    return reinterpret_cast<HeapObjectHeader*>(reinterpret_cast<char*>(this) + kPageHeaderSize +
                                               size_t{i} * slot_size);
  }
  static Page* of(const void* p) {
    return reinterpret_cast<Page*>(reinterpret_cast<uintptr_t>(p) & ~(kPageSize - 1));
  }
};
static_assert(sizeof(Page) <= kPageHeaderSize);

class OldSpace {
 public:
  explicit OldSpace(Releaser& releaser) : releaser_(releaser) {}
  ~OldSpace();
  OldSpace(const OldSpace&) = delete;
  OldSpace& operator=(const OldSpace&) = delete;

  static size_t size_class_of(size_t total);
  static size_t slot_size_of_class(size_t size_class);
  static size_t slot_size_for(size_t total) { return slot_size_of_class(size_class_of(total)); }

  // A slot for an object of `total` bytes (header included, <= kMaxSmallSlot). Never null;
  // maps a page if the class has no free slot (std::bad_alloc if the OS refuses). The caller
  // initialises the header.
  HeapObjectHeader* allocate(size_t total);
  // True if allocate(total) would have to map a new page (the hard-limit check asks first).
  bool needs_new_page(size_t total) const;

  // Sweeper interface.
  void free_slot(Page* page, HeapObjectHeader* slot);
  void retire_empty_page(Page* page);  // page swept and empty: off the available list, cached
  // Hands one cached empty page to the releaser if more than keep_bytes are cached; returns
  // whether it did. O(1) on this thread.
  bool release_one(size_t keep_bytes);
  std::vector<Page*>& pages() { return pages_; }

  size_t object_bytes() const { return object_bytes_; }        // slot bytes handed out
  size_t committed_bytes() const { return committed_bytes_; }  // mapped pages incl. cached
  size_t cached_empty_bytes() const { return empty_count_ * kPageSize; }

  // Calls f(HeapObjectHeader*) for every allocated slot (heap teardown, verifier).
  template <class F>
  void for_each_allocated(F&& f) {
    for (Page* page : pages_) {
      if (page == nullptr) continue;  // hole left by an unfinished sweep
      for (uint32_t i = 0; i < page->unused_from; ++i) {
        HeapObjectHeader* h = page->slot(i);
        if (!h->is_free()) f(h);
      }
    }
  }

 private:
  Page* new_page(size_t size_class);
  Page* pop_empty();  // the most recently retired empty page, or null
  void avail_push(Page* page);
  void avail_remove(Page* page);

  Releaser& releaser_;
  std::array<Page*, kNumSizeClasses> avail_{};
  char* segment_next_ = nullptr;  // uncarved rest of the current 2 MiB mapping
  size_t segment_left_ = 0;
  std::vector<Page*> pages_;  // pages in use (the sweeper compacts it; holes are null)
  // Swept-empty pages, still mapped, reused first. An intrusive list (through avail_next: an
  // empty page is on no available list) because retiring runs inside sweep steps, where a
  // vector's growth would call malloc, and glibc may then consolidate every fastbin chunk that
  // destructors freed: 0.3-0.75 ms in one step, measured with gc_pause_bench.
  Page* empty_head_ = nullptr;
  size_t empty_count_ = 0;
  size_t object_bytes_ = 0;
  size_t committed_bytes_ = 0;
};

}  // namespace lull::gc::internal
