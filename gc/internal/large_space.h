// large_space.h: objects above kMaxSmallSlot, each in its own mapping ("block"): a 48-byte
// block descriptor, the object header, the payload. Never moved. A dead block is handed by the
// sweeper to the Releaser thread, which unmaps it in 64 KiB chunks: freeing a 1 GiB array costs
// the reactor one queue push.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "gc/internal/object_header.h"

namespace lull::gc::internal {

inline constexpr uint32_t kLargeMagic = 0x6c756c4c;  // "lulL"

struct LargeBlock {
  size_t mapped_bytes;
  uint32_t magic;
  uint32_t unused;
  char pad[32];
  HeapObjectHeader* header() {
    return reinterpret_cast<HeapObjectHeader*>(reinterpret_cast<char*>(this) + sizeof(LargeBlock));
  }
  static LargeBlock* of(HeapObjectHeader* header) {
    return reinterpret_cast<LargeBlock*>(reinterpret_cast<char*>(header) - sizeof(LargeBlock));
  }
};
static_assert(sizeof(LargeBlock) == 48, "payload starts 64 bytes into the block");

class LargeSpace {
 public:
  LargeSpace() = default;
  ~LargeSpace();
  LargeSpace(const LargeSpace&) = delete;
  LargeSpace& operator=(const LargeSpace&) = delete;

  static size_t mapped_size_for(size_t payload);
  // Maps a block; the header is initialised (black: mark = epoch, kLarge).
  HeapObjectHeader* allocate(size_t payload, uint8_t epoch);
  // Sweeper: the block is dead and its destructor ran; the caller unmaps it (in chunks).
  void forget(LargeBlock* block) { bytes_ -= block->mapped_bytes; }
  std::vector<LargeBlock*>& blocks() { return blocks_; }
  size_t bytes() const { return bytes_; }

 private:
  std::vector<LargeBlock*> blocks_;  // live (and not yet swept) blocks; the sweeper compacts it
  size_t bytes_ = 0;
};

}  // namespace lull::gc::internal
