// sweeper.cc: the sweeping stages; every loop charges the budget and keeps its cursor.
#include "gc/internal/sweeper.h"

#include "gc/internal/assert.h"
#include "gc/internal/os_memory.h"

namespace lull::gc::internal {

void Sweeper::start(uint8_t epoch, size_t keep_empty_bytes) {
  epoch_ = epoch;
  keep_empty_bytes_ = keep_empty_bytes;
  stage_ = Stage::kSmall;
  page_read_ = page_write_ = 0;
  slot_ = 0;
  block_read_ = block_write_ = 0;
}

bool Sweeper::step(Budget& budget) {
  for (;;) {
    bool finished = false;
    switch (stage_) {
      case Stage::kSmall:
        finished = sweep_small(budget);
        if (finished) stage_ = Stage::kLarge;
        break;
      case Stage::kLarge:
        finished = sweep_large(budget);
        if (finished) stage_ = Stage::kRelease;
        break;
      case Stage::kRelease:
        finished = release_pages(budget);
        if (finished) stage_ = Stage::kDone;
        break;
      case Stage::kDone: return true;
    }
    if (!finished) return false;  // the budget expired
  }
}

bool Sweeper::sweep_small(Budget& budget) {
  std::vector<Page*>& pages = old_.pages();
  while (page_read_ < pages.size()) {
    Page* page = pages[page_read_];
    uint32_t scanned = 0;
    while (slot_ < page->unused_from) {
      HeapObjectHeader* h = page->slot(slot_++);
      // Invariant: a slot is freed iff it is allocated and white (mark != epoch) at sweep time;
      // everything reachable at the cycle start is black (Verifier::check_marking).
      if (h->is_free() || h->mark() == epoch_) {
        if (++scanned == 8) {  // 8 sequential header reads: one unit
          scanned = 0;
          if (budget.charge(1)) return false;
        }
        continue;
      }
      uint32_t units = 2;
      if (h->info()->destroy != nullptr) {
        h->info()->destroy(h->payload());
        ++destructors_run_;
        units = 16;
      }
      bytes_freed_ += page->slot_size;
      ++objects_freed_;
      old_.free_slot(page, h);
      if (budget.charge(units)) return false;
    }
    // Page done. Holes left by compaction are null, so pages_ always lists exactly the pages
    // in use (OldSpace::for_each_allocated skips nulls).
    slot_ = 0;
    pages[page_read_++] = nullptr;
    if (page->live_count == 0) {
      old_.retire_empty_page(page);
    } else {
      pages[page_write_++] = page;
    }
    if (budget.charge(1)) {
      if (page_read_ < pages.size()) return false;
      break;
    }
  }
  pages.resize(page_write_);
  return true;
}

bool Sweeper::sweep_large(Budget& budget) {
  std::vector<LargeBlock*>& blocks = large_.blocks();
  while (block_read_ < blocks.size()) {
    LargeBlock* block = blocks[block_read_];
    blocks[block_read_++] = nullptr;  // holes are null, as for pages
    HeapObjectHeader* h = block->header();
    if (h->mark() == epoch_) {
      blocks[block_write_++] = block;
      if (budget.charge(1)) return false;
      continue;
    }
    if (h->info()->destroy != nullptr) {
      h->info()->destroy(h->payload());
      ++destructors_run_;
    }
    bytes_freed_ += block->mapped_bytes;
    ++objects_freed_;
    large_.forget(block);
    releaser_.release(block, block->mapped_bytes);
    if (budget.charge(8)) return false;
  }
  blocks.resize(block_write_);
  return true;
}

bool Sweeper::release_pages(Budget& budget) {
  while (old_.release_one(keep_empty_bytes_)) {
    ++pages_returned_;
    if (budget.charge(2)) return old_.cached_empty_bytes() <= keep_empty_bytes_;
  }
  return true;
}

}  // namespace lull::gc::internal
