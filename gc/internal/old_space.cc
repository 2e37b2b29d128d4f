// old_space.cc: size classes, page mapping and slot allocation of the old space.
#include "gc/internal/old_space.h"

#include "gc/internal/assert.h"
#include "gc/internal/os_memory.h"

namespace lull::gc::internal {

namespace {

// Classes: 24..128 by 8, then 8 classes per doubling up to 8192 (<= 12.5 % internal waste).
struct SizeClassTable {
  std::array<uint32_t, kNumSizeClasses> slot_size{};
  std::array<uint8_t, kMaxSmallSlot / 8 + 1> class_of_words{};  // index: total / 8 (rounded up)

  constexpr SizeClassTable() {
    size_t n = 0;
    for (uint32_t s = 24; s <= 128; s += 8) slot_size[n++] = s;
    for (uint32_t base = 128; base < kMaxSmallSlot; base *= 2) {
      for (uint32_t k = 1; k <= 8; ++k) slot_size[n++] = base + k * (base / 8);
    }
    size_t c = 0;
    for (size_t w = 0; w < class_of_words.size(); ++w) {
      while (slot_size[c] < w * 8) ++c;
      class_of_words[w] = static_cast<uint8_t>(c);
    }
  }
};
constexpr SizeClassTable kTable;
static_assert(kTable.slot_size[kNumSizeClasses - 1] == kMaxSmallSlot, "classes end at 8 KiB");

}  // namespace

size_t OldSpace::size_class_of(size_t total) {
  LULL_GC_DCHECK(total <= kMaxSmallSlot, "not a small object");
  return kTable.class_of_words[(total + 7) / 8];
}
size_t OldSpace::slot_size_of_class(size_t size_class) {
  return kTable.slot_size[size_class];
}

OldSpace::~OldSpace() {
  if (segment_left_ > 0) os_unmap(segment_next_, segment_left_);
  for (Page* page : pages_) {
    if (page == nullptr) continue;
    LULL_GC_UNPOISON(page, kPageSize);
    os_unmap(page, kPageSize);
  }
  while (Page* page = pop_empty()) {
    LULL_GC_UNPOISON(page, kPageSize);
    os_unmap(page, kPageSize);
  }
}

bool OldSpace::needs_new_page(size_t total) const {
  return avail_[size_class_of(total)] == nullptr && empty_head_ == nullptr;
}

Page* OldSpace::new_page(size_t size_class) {
  Page* page = pop_empty();
  if (page == nullptr) {
    if (segment_left_ == 0) {
      segment_next_ = static_cast<char*>(os_map(kSegmentSize, kPageSize));
      segment_left_ = kSegmentSize;
    }
    page = reinterpret_cast<Page*>(segment_next_);
    segment_next_ += kPageSize;
    segment_left_ -= kPageSize;
    committed_bytes_ += kPageSize;  // counted as carved; the uncarved rest is never touched
  }
  page->magic = kPageMagic;
  page->size_class = static_cast<uint32_t>(size_class);
  page->slot_size = kTable.slot_size[size_class];
  page->slot_count = static_cast<uint32_t>((kPageSize - kPageHeaderSize) / page->slot_size);
  page->live_count = 0;
  page->unused_from = 0;
  page->free_list = nullptr;
  page->avail_prev = page->avail_next = nullptr;
  page->in_avail = false;
  pages_.push_back(page);
  avail_push(page);
  return page;
}

HeapObjectHeader* OldSpace::allocate(size_t total) {
  const size_t size_class = size_class_of(total);
  Page* page = avail_[size_class];
  if (page == nullptr) page = new_page(size_class);
  HeapObjectHeader* slot;
  if (page->free_list != nullptr) {
    slot = page->free_list;
    page->free_list = slot->next_free();
  } else {
    slot = page->slot(page->unused_from++);
  }
  LULL_GC_UNPOISON(slot, page->slot_size);
  ++page->live_count;
  object_bytes_ += page->slot_size;
  // Keeps the page invariant: a page without free slots leaves the available list.
  if (page->free_list == nullptr && page->unused_from == page->slot_count) avail_remove(page);
  return slot;
}

void OldSpace::free_slot(Page* page, HeapObjectHeader* slot) {
  slot->make_free(page->free_list);
  LULL_GC_POISON(reinterpret_cast<char*>(slot) + kHeaderSize, page->slot_size - kHeaderSize);
  page->free_list = slot;
  --page->live_count;
  object_bytes_ -= page->slot_size;
  if (!page->in_avail) avail_push(page);
}

void OldSpace::retire_empty_page(Page* page) {
  LULL_GC_DCHECK(page->live_count == 0, "retiring a page with live slots");
  if (page->in_avail) avail_remove(page);
  page->magic = 0;
  page->avail_next = empty_head_;
  empty_head_ = page;
  ++empty_count_;
}

Page* OldSpace::pop_empty() {
  Page* page = empty_head_;
  if (page == nullptr) return nullptr;
  empty_head_ = page->avail_next;
  --empty_count_;
  return page;
}

bool OldSpace::release_one(size_t keep_bytes) {
  if (cached_empty_bytes() <= keep_bytes) return false;
  Page* page = pop_empty();
  LULL_GC_UNPOISON(page, kPageSize);  // the address range may be mapped again, unpoisoned
  releaser_.release(page, kPageSize);
  committed_bytes_ -= kPageSize;
  return true;
}

void OldSpace::avail_push(Page* page) {
  Page*& head = avail_[page->size_class];
  page->avail_prev = nullptr;
  page->avail_next = head;
  if (head) head->avail_prev = page;
  head = page;
  page->in_avail = true;
}

void OldSpace::avail_remove(Page* page) {
  Page*& head = avail_[page->size_class];
  if (page->avail_prev)
    page->avail_prev->avail_next = page->avail_next;
  else
    head = page->avail_next;
  if (page->avail_next) page->avail_next->avail_prev = page->avail_prev;
  page->avail_prev = page->avail_next = nullptr;
  page->in_avail = false;
}

}  // namespace lull::gc::internal
