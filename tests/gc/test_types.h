// test_types.h: managed types shared by the gc tests: a traced node, a pretenured type with a
// std::string (destructor counted), an opt-in relocatable type with a destructor, and the
// fixtures (a heap; a heap inside a no-GC scope).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gc/heap.h"
#include "gc/member.h"
#include "gc/testing.h"
#include "gc/visitor.h"

namespace lull::gc::test {

// Destructor calls per object id; tests reset it.
inline std::map<uint64_t, int>& destroyed() {
  static std::map<uint64_t, int> counts;
  return counts;
}

struct Node : GarbageCollected<Node> {
  explicit Node(uint64_t id_, int64_t value_ = 0) : id(id_), value(value_) {}
  void trace(Visitor& v) const {
    v.trace(left);
    v.trace(right);
  }
  uint64_t id;
  int64_t value;
  Member<Node> left;
  Member<Node> right;
};

// Not relocatable (std::string): allocated straight into the old space.
struct Named : GarbageCollected<Named> {
  Named(uint64_t id_, std::string name_) : id(id_), name(std::move(name_)) {}
  ~Named() { ++destroyed()[id]; }
  void trace(Visitor& v) const { v.trace(next); }
  uint64_t id;
  std::string name;
  Member<Node> next;
};

// Opt-in relocatable with a destructor: lives young, destroyed when it dies young or old.
struct Buffer : GarbageCollected<Buffer> {
  static constexpr bool kGcTriviallyRelocatable = true;
  Buffer(uint64_t id_, size_t n) : id(id_), data(n, static_cast<int>(id_)) {}
  ~Buffer() { ++destroyed()[id]; }
  uint64_t id;
  std::vector<int> data;
};

// An Array element with a value beside its reference (Array<Stamped>: a record array).
struct Stamped {
  void trace(Visitor& v) const { v.trace(node); }
  int64_t time = 0;
  Member<Node> node;
};

// A small explicit-mode heap for unit tests.
inline Policy small_policy() {
  Policy p;
  p.nursery_bytes = 256 * 1024;
  p.min_major_trigger_bytes = 1 << 20;
  return p;
}

class HeapTest : public ::testing::Test {
 protected:
  HeapTest() : heap(small_policy()) { destroyed().clear(); }
  void expect_healthy() {
    const std::vector<std::string> errors = testing::verify_heap_for_testing(heap);
    for (const std::string& e : errors) ADD_FAILURE() << e;
  }
  void finish_cycle() {
    for (int i = 0; i < 1000000 && heap.phase() != MajorPhase::kIdle; ++i)
      testing::collect_step_units_for_testing(heap, 64);
  }
  Heap heap;
};

}  // namespace lull::gc::test
