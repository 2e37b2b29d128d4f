// verifier.cc: the O(heap) checks listed in verifier.h. Uses std containers freely: it runs
// outside any collection and is never on a latency path.
#include "gc/internal/verifier.h"

#include <cstdio>
#include <unordered_set>

#include "gc/internal/collector.h"

namespace lull::gc::internal {

namespace {
std::string hex(const void* p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%p", p);
  return buf;
}

class SlotCollector final : public Visitor {
 public:
  void visit(void** slot) override { slots.push_back(slot); }
  std::vector<void**> slots;
};
}  // namespace

void Verifier::error(std::string message) {
  if (errors_.size() < 50) errors_.push_back(std::move(message));
}

std::vector<std::string> Verifier::verify() {
  errors_.clear();
  check_pages();
  check_reachable();
  return errors_;
}

void Verifier::check_pages() {
  OldSpace& old = collector_.old_;
  size_t bytes = 0;
  for (Page* page : old.pages()) {
    if (page == nullptr) continue;
    if (page->magic != kPageMagic) error("page " + hex(page) + " has a bad magic");
    uint32_t allocated = 0;
    for (uint32_t i = 0; i < page->unused_from; ++i) allocated += page->slot(i)->is_free() ? 0 : 1;
    uint32_t free_count = 0;
    for (HeapObjectHeader* f = page->free_list; f != nullptr; f = f->next_free()) {
      if (!f->is_free() || Page::of(f) != page) {
        error("free list of page " + hex(page) + " holds a non-free slot " + hex(f));
        break;
      }
      if (++free_count > page->slot_count) break;
    }
    if (allocated != page->live_count)
      error("page " + hex(page) + ": live_count " + std::to_string(page->live_count) + " but " +
            std::to_string(allocated) + " allocated slots");
    if (allocated + free_count != page->unused_from)
      error("page " + hex(page) + ": live + free != unused_from");
    const bool has_room = page->free_list != nullptr || page->unused_from < page->slot_count;
    if (has_room != page->in_avail) error("page " + hex(page) + ": available-list flag wrong");
    bytes += size_t{page->live_count} * page->slot_size;
  }
  if (bytes != old.object_bytes())
    error("old-space bytes " + std::to_string(old.object_bytes()) + " but pages hold " +
          std::to_string(bytes));
}

void Verifier::check_reachable() {
  Collector& c = collector_;
  std::unordered_set<const Page*> pages;
  for (Page* page : c.old_.pages())
    if (page) pages.insert(page);
  std::unordered_set<const LargeBlock*> blocks;
  for (LargeBlock* block : c.large_.blocks())
    if (block) blocks.insert(block);
  const std::unordered_set<void**> remembered(c.remembered_.slots().begin(),
                                              c.remembered_.slots().end());
  const bool marking_done = c.phase_ == MajorPhase::kSweeping;

  // Returns true if `p` is a valid live object; reports why not otherwise.
  auto valid = [&](void* p, const std::string& where) -> bool {
    HeapObjectHeader* h = HeapObjectHeader::from_payload(p);
    if (c.nursery_.contains(p)) {
      if (!c.nursery_.in_used_part(h)) {
        error(where + ": reference " + hex(p) + " into the old (unused) nursery");
        return false;
      }
      if (h->is_forwarded()) {
        error(where + ": reference " + hex(p) + " to a forwarded young object");
        return false;
      }
    } else if (h->is_large() && !h->is_free()) {
      LargeBlock* block = LargeBlock::of(h);
      if (!blocks.count(block) || block->magic != kLargeMagic) {
        error(where + ": reference " + hex(p) + " to a freed or unknown large block");
        return false;
      }
    } else {
      Page* page = Page::of(h);
      if (!pages.count(page)) {
        error(where + ": reference " + hex(p) + " outside every heap page");
        return false;
      }
      const char* first = reinterpret_cast<char*>(page->slot(0));
      const size_t offset = static_cast<size_t>(reinterpret_cast<char*>(h) - first);
      if (offset % page->slot_size != 0 || offset / page->slot_size >= page->unused_from) {
        error(where + ": reference " + hex(p) + " not at an allocated slot");
        return false;
      }
      if (h->is_free()) {
        error(where + ": reference " + hex(p) + " to a freed slot");
        return false;
      }
      if (kHeaderSize + h->size() > page->slot_size) {
        error(where + ": object " + hex(p) + " larger than its slot");
        return false;
      }
    }
    if (h->info() == nullptr || h->info() == &kFillerInfo) {
      error(where + ": reference " + hex(p) + " to an object without type info");
      return false;
    }
    if (marking_done && !c.nursery_.contains(p) && h->mark() != c.epoch_) {
      error(where + ": reachable old object " + hex(p) + " is white after marking");
    }
    return true;
  };

  std::unordered_set<void*> seen;
  std::vector<void*> stack;
  c.roots_.for_each_slot([&](void** slot) {
    if (*slot != nullptr && valid(*slot, "root") && seen.insert(*slot).second)
      stack.push_back(*slot);
  });
  SlotCollector slots;
  while (!stack.empty()) {
    void* p = stack.back();
    stack.pop_back();
    HeapObjectHeader* h = HeapObjectHeader::from_payload(p);
    if (h->info()->trace == nullptr) continue;
    slots.slots.clear();
    h->info()->trace(p, slots);
    const bool holder_old = !c.nursery_.contains(p);
    for (void** slot : slots.slots) {
      void* child = *slot;
      if (child == nullptr) continue;
      if (!valid(child, "field of " + hex(p))) continue;
      if (holder_old && c.nursery_.contains(child) && !remembered.count(slot))
        error("old slot " + hex(slot) + " of " + hex(p) + " holds young " + hex(child) +
              " but is not in the remembered set");
      if (seen.insert(child).second) stack.push_back(child);
    }
  }
}

}  // namespace lull::gc::internal
