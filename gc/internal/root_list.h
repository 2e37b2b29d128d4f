// root_list.h: the heap's root set, an intrusive circular list of handle nodes (Local and
// Persistent handles). Linking and unlinking are O(1); the collector walks the list at each
// minor collection and at each major-cycle start. Reactor thread only.
#pragma once

#include <cstddef>

namespace lull::gc::internal {

class RootList;

struct RootNode {
  RootNode* prev = nullptr;
  RootNode* next = nullptr;
  void* ptr = nullptr;
  RootList* list = nullptr;  // null: not linked (default-constructed handle, or heap gone)
};

class RootList {
 public:
  RootList() { sentinel_.prev = sentinel_.next = &sentinel_; }
  RootList(const RootList&) = delete;
  RootList& operator=(const RootList&) = delete;
  ~RootList() { detach_all(); }

  void link(RootNode* node) {
    node->list = this;
    node->next = sentinel_.next;
    node->prev = &sentinel_;
    sentinel_.next->prev = node;
    sentinel_.next = node;
    ++count_;
  }
  void unlink(RootNode* node) {
    node->prev->next = node->next;
    node->next->prev = node->prev;
    node->prev = node->next = nullptr;
    node->list = nullptr;
    --count_;
  }
  // The heap is going away: handles that outlive it become empty and unlinked.
  void detach_all() {
    while (sentinel_.next != &sentinel_) {
      RootNode* node = sentinel_.next;
      unlink(node);
      node->ptr = nullptr;
    }
  }

  template <class F>
  void for_each_slot(F&& f) {
    for (RootNode* n = sentinel_.next; n != &sentinel_; n = n->next) f(&n->ptr);
  }
  size_t size() const { return count_; }

 private:
  RootNode sentinel_;
  size_t count_ = 0;
};

}  // namespace lull::gc::internal
