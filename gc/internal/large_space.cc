// large_space.cc: mapping and teardown of large-object blocks.
#include "gc/internal/large_space.h"

#include "gc/internal/assert.h"
#include "gc/internal/os_memory.h"

namespace lull::gc::internal {

size_t LargeSpace::mapped_size_for(size_t payload) {
  return round_up(sizeof(LargeBlock) + kHeaderSize + payload, kOsPageSize);
}

HeapObjectHeader* LargeSpace::allocate(size_t payload, uint8_t epoch) {
  LULL_GC_CHECK(payload <= UINT32_MAX - 64, "object larger than 4 GiB");
  const size_t mapped = mapped_size_for(payload);
  auto* block = static_cast<LargeBlock*>(os_map(mapped));
  block->mapped_bytes = mapped;
  block->magic = kLargeMagic;
  blocks_.push_back(block);
  bytes_ += mapped;
  HeapObjectHeader* header = block->header();
  header->init(static_cast<uint32_t>(payload), epoch, HeapObjectHeader::kLarge);
  return header;
}

LargeSpace::~LargeSpace() {
  for (LargeBlock* block : blocks_) {
    if (block) os_unmap(block, block->mapped_bytes);  // null: hole left by an unfinished sweep
  }
}

}  // namespace lull::gc::internal
