// sweeper.h: incremental sweeping after marking. Stages, each resumable at any object:
//   kSmall:   old-space pages slot by slot (a cursor inside the page, so a page of thousands of
//             dying objects with destructors is spread over many steps); white slots run their
//             destructor and go on the page's free list; empty pages are retired to the cache;
//   kLarge:   large blocks; a white block runs its destructor and goes to the Releaser thread
//             (which unmaps it in 64 KiB chunks: nothing here grows with the block's size);
//   kRelease: cached empty pages beyond the keep limit go to the Releaser, a few per unit.
// Objects allocated or promoted during sweeping carry the current epoch and are skipped.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gc/internal/large_space.h"
#include "gc/internal/old_space.h"
#include "gc/internal/schedule.h"

namespace lull::gc::internal {

class Sweeper {
 public:
  enum class Stage : uint8_t { kSmall, kLarge, kRelease, kDone };

  Sweeper(OldSpace& old_space, LargeSpace& large_space, Releaser& releaser)
      : old_(old_space), large_(large_space), releaser_(releaser) {}
  Sweeper(const Sweeper&) = delete;
  Sweeper& operator=(const Sweeper&) = delete;

  void start(uint8_t epoch, size_t keep_empty_bytes);
  // Sweeps until the budget expires; true when everything is swept and released.
  bool step(Budget& budget);
  Stage stage() const { return stage_; }

  // Cumulative counters (never reset).
  uint64_t bytes_freed() const { return bytes_freed_; }
  uint64_t objects_freed() const { return objects_freed_; }
  uint64_t destructors_run() const { return destructors_run_; }
  uint64_t pages_returned() const { return pages_returned_; }

 private:
  bool sweep_small(Budget& budget);
  bool sweep_large(Budget& budget);
  bool release_pages(Budget& budget);

  OldSpace& old_;
  LargeSpace& large_;
  Releaser& releaser_;
  Stage stage_ = Stage::kDone;
  uint8_t epoch_ = 0;
  size_t keep_empty_bytes_ = 0;
  // kSmall: pages_[read] is being swept from slot `slot_`; pages kept are compacted to
  // pages_[0, write). Pages appended meanwhile (allocation) are reached and kept as well.
  size_t page_read_ = 0;
  size_t page_write_ = 0;
  uint32_t slot_ = 0;
  size_t block_read_ = 0;
  size_t block_write_ = 0;
  uint64_t bytes_freed_ = 0;
  uint64_t objects_freed_ = 0;
  uint64_t destructors_run_ = 0;
  uint64_t pages_returned_ = 0;
};

}  // namespace lull::gc::internal
