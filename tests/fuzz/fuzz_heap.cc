// fuzz_heap.cc: the collector on programs written by the fuzzer. The first byte picks the heap's
// set-up (nursery size, explicit or classic mode, torture, pretenuring, the page cache, a hard
// limit of 1 MiB); every following op is one byte of opcode and a few bytes of arguments
// (missing bytes read as 0): allocate nodes, strings, double arrays, reference arrays and
// old-space objects with destructors; link and unlink Members; drop, copy and move Local roots;
// enter and leave NoGcScopes; minor collections, major steps of a few work units or an expired
// deadline, full collections.
// A shadow model says what must be reachable from the roots and what every object holds. After
// every collection and at the end the heap is walked against it (values, references, sharing),
// the verifier must find nothing, no reachable object may be destroyed nor any object twice, and
// after a full collection exactly the unreachable objects with destructors are destroyed.
// tests/gc/differential_test.cc does the same with random programs; this one is coverage-driven.
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "gc/errors.h"
#include "gc/handles.h"
#include "gc/heap.h"
#include "gc/member.h"
#include "gc/no_gc_scope.h"
#include "gc/testing.h"
#include "tests/fuzz/targets.h"

namespace lull::fuzz {
namespace {

using gc::Array;
using gc::Member;

// Destructor calls per object id of the current program.
std::map<std::uint64_t, int>& destroyed() {
  static std::map<std::uint64_t, int> counts;
  return counts;
}

// Not relocatable (std::string): allocated in the old space, destroyed by the sweeper.
struct Fat : gc::GarbageCollected<Fat> {
  Fat(std::uint64_t id_, std::string label_) : id(id_), label(std::move(label_)) {}
  ~Fat() { ++destroyed()[id]; }
  void trace(gc::Visitor&) const {}
  std::uint64_t id;
  std::string label;
};

struct Node : gc::GarbageCollected<Node> {
  Node(std::uint64_t id_, std::int64_t payload_) : id(id_), payload(payload_) {}
  void trace(gc::Visitor& v) const {
    v.trace(a);
    v.trace(b);
    v.trace(s);
    v.trace(d);
    v.trace(m);
    v.trace(f);
  }
  std::uint64_t id;
  std::int64_t payload;
  Member<Node> a, b;
  Member<gc::String> s;
  Member<Array<double>> d;
  Member<Array<Member<Node>>> m;
  Member<Fat> f;
};

enum class Kind { kNode, kString, kDoubles, kRefs, kFat };
enum Slot { kA, kB, kS, kD, kM, kF, kNodeSlots };
constexpr std::size_t kRoots = 8;
constexpr std::size_t kMaxRegions = 3;
constexpr std::size_t kMaxOps = 3000;

// The model of one object; id 0 is null.
struct Model {
  explicit Model(Kind kind_, std::int64_t payload_ = 0, std::vector<std::uint64_t> slots_ = {},
                 std::string text_ = {}, std::vector<double> values_ = {})
      : kind(kind_),
        payload(payload_),
        slots(std::move(slots_)),
        text(std::move(text_)),
        values(std::move(values_)) {}
  Kind kind;
  std::int64_t payload;
  std::vector<std::uint64_t> slots;  // node: Slot order; reference array: its elements
  std::string text;                  // string contents, fat label
  std::vector<double> values;        // double array contents
};

class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool empty() const { return size_ == 0; }
  std::uint8_t byte() {
    if (size_ == 0) return 0;
    --size_;
    return *data_++;
  }
  std::size_t below(std::size_t n) { return n == 0 ? 0 : byte() % n; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
};

class Program {
 public:
  Program(const gc::Policy& policy, std::uint8_t setup)
      : heap_(policy), roots_(kRoots, gc::Local<Node>(heap_, nullptr)), root_ids_(kRoots, 0) {
    gc::testing::set_torture_for_testing(heap_, setup & 0x04);
    gc::testing::set_pretenuring_for_testing(heap_, (setup & 0x18) == 0x08   ? Pretenure::kAlways
                                                    : (setup & 0x18) == 0x10 ? Pretenure::kNever
                                                                             : Pretenure::kAuto);
  }
  void run(Reader& in) {
    for (std::size_t op = 0; op < kMaxOps && !in.empty(); ++op) step(in);
    regions_.clear();
    heap_.collect();
    check();
    check_full_collection();
  }

  std::vector<std::uint64_t> with_destructor() const { return fats_; }

 private:
  using Pretenure = gc::testing::PretenureMode;

  std::uint64_t add(Model model) {
    const std::uint64_t id = next_id_++;
    if (model.kind == Kind::kFat) fats_.push_back(id);
    model_.emplace(id, std::move(model));
    return id;
  }

  // An object whose allocation threw: it never existed.
  void forget(std::uint64_t id) {
    model_.erase(id);
    if (!fats_.empty() && fats_.back() == id) fats_.pop_back();
  }

  // Maps model ids to the real objects reachable from the roots, checking every reference on the
  // way and, with `values`, every string's and double array's contents (most of a walk's time:
  // picks skip them, checks after collections do not); afterwards ptr_ holds exactly the
  // reachable objects.
  void walk(bool values) {
    ptr_.clear();
    std::unordered_map<const void*, std::uint64_t> ids;
    std::vector<std::uint64_t> pending;
    auto bind = [&](std::uint64_t id, const void* p) {
      LULL_FUZZ_CHECK((id == 0) == (p == nullptr), "a reference is null in one of heap and model");
      if (id == 0) return;
      auto [it, fresh] = ptr_.emplace(id, p);
      LULL_FUZZ_CHECK(it->second == p, "one object at two addresses");
      auto [it2, fresh2] = ids.emplace(p, id);
      LULL_FUZZ_CHECK(it2->second == id, "two objects at one address");
      if (fresh) pending.push_back(id);
    };
    for (std::size_t i = 0; i < kRoots; ++i) bind(root_ids_[i], roots_[i].get());
    while (!pending.empty()) {
      const std::uint64_t id = pending.back();
      pending.pop_back();
      const Model& m = model_.at(id);
      const void* p = ptr_.at(id);
      switch (m.kind) {
        case Kind::kNode: {
          const Node* n = static_cast<const Node*>(p);
          LULL_FUZZ_CHECK(n->id == id && n->payload == m.payload, "node id or payload");
          bind(m.slots[kA], n->a.get());
          bind(m.slots[kB], n->b.get());
          bind(m.slots[kS], n->s.get());
          bind(m.slots[kD], n->d.get());
          bind(m.slots[kM], n->m.get());
          bind(m.slots[kF], n->f.get());
          break;
        }
        case Kind::kString:
          LULL_FUZZ_CHECK(!values || static_cast<const gc::String*>(p)->view() == m.text,
                          "string bytes");
          break;
        case Kind::kDoubles: {
          const auto* d = static_cast<const Array<double>*>(p);
          LULL_FUZZ_CHECK(!values || std::equal(d->data(), d->data() + d->size(), m.values.begin(),
                                                m.values.end()),
                          "double array contents");
          break;
        }
        case Kind::kRefs: {
          const auto* r = static_cast<const Array<Member<Node>>*>(p);
          LULL_FUZZ_CHECK(r->size() == m.slots.size(), "reference array length");
          for (std::size_t i = 0; i < r->size(); ++i) bind(m.slots[i], (*r)[i].get());
          break;
        }
        case Kind::kFat: {
          const Fat* f = static_cast<const Fat*>(p);
          LULL_FUZZ_CHECK(f->id == id && f->label == m.text, "fat id or label");
          break;
        }
      }
    }
  }

  void check() {
    walk(true);
    for (const std::string& error : gc::testing::verify_heap_for_testing(heap_)) {
      LULL_FUZZ_CHECK(false, error.c_str());
    }
    for (std::uint64_t id : fats_) {
      const int n = destroyed()[id];
      LULL_FUZZ_CHECK(n <= 1, "an object destroyed twice");
      LULL_FUZZ_CHECK(n == 0 || !ptr_.count(id), "a reachable object was destroyed");
    }
  }

  // After a full collection outside any region: exactly the unreachable ones are gone.
  void check_full_collection() {
    walk(false);  // called right after check()
    for (std::uint64_t id : fats_) {
      LULL_FUZZ_CHECK(destroyed()[id] == (ptr_.count(id) ? 0 : 1),
                      "a full collection kept garbage or freed a live object");
    }
  }

  // A reachable object of `kind` chosen by the next byte, or 0 if there is none.
  std::uint64_t pick(Kind kind, Reader& in) {
    walk(false);
    std::vector<std::uint64_t> ids;
    for (const auto& [id, p] : ptr_) {
      if (model_.at(id).kind == kind) ids.push_back(id);
    }
    std::sort(ids.begin(), ids.end());  // the same program picks the same object
    const std::size_t i = in.below(256);
    return ids.empty() ? 0 : ids[i % ids.size()];
  }
  template <class T>
  T* ptr(std::uint64_t id) {
    return const_cast<T*>(static_cast<const T*>(ptr_.at(id)));
  }

  // Stores a fresh object (held by `fresh` across the allocation) into a node's slot. The
  // allocation may have collected (classic, torture), so the holder is looked up after it.
  template <class T>
  void attach(gc::Local<T>& fresh, std::uint64_t id, Slot slot, Member<T> Node::*field,
              Reader& in) {
    const std::uint64_t holder = pick(Kind::kNode, in);
    if (holder == 0) return;  // garbage at once
    ptr<Node>(holder)->*field = fresh.get();
    model_.at(holder).slots[slot] = id;
  }

  // One op. With a hard limit, an allocation may throw HeapLimitError after the full collection
  // it forced (moving objects, even inside a region): the object was never made, and the heap
  // must still match the model.
  void step(Reader& in) {
    try {
      op(in);
    } catch (const gc::HeapLimitError&) {
      LULL_FUZZ_CHECK(heap_.policy().hard_limit_bytes != 0, "HeapLimitError without a limit");
      forget(next_id_ - 1);  // every op makes at most one object, its last id
      check();
    }
  }

  void op(Reader& in) {
    switch (in.byte() % 17) {
      case 0: {  // a new node in a root, dropping what the root held
        const std::size_t root = in.below(kRoots);
        const std::int64_t payload = static_cast<std::int8_t>(in.byte());
        const std::uint64_t id =
            add(Model(Kind::kNode, payload, std::vector<std::uint64_t>(kNodeSlots)));
        roots_[root] = heap_.make<Node>(id, payload);
        root_ids_[root] = id;
        break;
      }
      case 1: {  // a new node as a child of a reachable one
        const bool left = in.byte() & 1;
        const std::uint64_t id = add(Model(Kind::kNode, 7, std::vector<std::uint64_t>(kNodeSlots)));
        gc::Local<Node> fresh(heap_, heap_.make<Node>(id, 7));
        attach(fresh, id, left ? kA : kB, left ? &Node::a : &Node::b, in);
        break;
      }
      case 2: {  // a string, sometimes a large one
        const std::uint8_t length = in.byte();
        std::string text(length >= 250 ? 9000 : length, static_cast<char>('a' + length % 26));
        const std::uint64_t id = add(Model(Kind::kString, 0, {}, text));
        gc::Local<gc::String> fresh(heap_, heap_.make_string(text));
        attach(fresh, id, kS, &Node::s, in);
        break;
      }
      case 3: {  // a double array (zeroed), sometimes a large one
        const std::uint8_t length = in.byte();
        const std::size_t n = length >= 250 ? 1100 : 1 + length % 32;  // 1100: large space
        const std::uint64_t id = add(Model(Kind::kDoubles, 0, {}, {}, std::vector<double>(n, 0.0)));
        gc::Local<Array<double>> fresh(heap_, heap_.make_array<double>(n));
        attach(fresh, id, kD, &Node::d, in);
        break;
      }
      case 4: {  // a reference array (nulls), sometimes a large one
        const std::uint8_t length = in.byte();
        const std::size_t n = length >= 250 ? 1100 : 1 + length % 8;  // 1100: large space
        const std::uint64_t id = add(Model(Kind::kRefs, 0, std::vector<std::uint64_t>(n, 0)));
        gc::Local<Array<Member<Node>>> fresh(heap_, heap_.make_array<Member<Node>>(n));
        attach(fresh, id, kM, &Node::m, in);
        break;
      }
      case 5: {  // an old-space object with a destructor
        const std::string label = "fat-" + std::to_string(next_id_) + std::string(in.byte(), 'f');
        const std::uint64_t id = add(Model(Kind::kFat, 0, {}, label));
        gc::Local<Fat> fresh(heap_, heap_.make<Fat>(id, label));
        attach(fresh, id, kF, &Node::f, in);
        break;
      }
      case 6: {  // link: node.a / node.b / a reference array element := a node or null
        const std::uint64_t target = in.byte() < 40 ? 0 : pick(Kind::kNode, in);
        Node* target_ptr = target ? ptr<Node>(target) : nullptr;
        const std::uint8_t where = in.byte();
        if (where % 3 < 2) {
          const std::uint64_t holder = pick(Kind::kNode, in);
          if (holder == 0) break;
          (where % 3 == 0 ? ptr<Node>(holder)->a : ptr<Node>(holder)->b) = target_ptr;
          model_.at(holder).slots[where % 3 == 0 ? kA : kB] = target;
        } else {
          const std::uint64_t array = pick(Kind::kRefs, in);
          if (array == 0) break;
          const std::size_t i = in.below(model_.at(array).slots.size());
          (*ptr<Array<Member<Node>>>(array))[i] = target_ptr;
          model_.at(array).slots[i] = target;
        }
        break;
      }
      case 7: {  // unlink one of a node's slots
        const std::size_t slot = in.below(kNodeSlots);
        const std::uint64_t holder = pick(Kind::kNode, in);
        if (holder == 0) break;
        Node* n = ptr<Node>(holder);
        switch (slot) {
          case kA: n->a = nullptr; break;
          case kB: n->b = nullptr; break;
          case kS: n->s = nullptr; break;
          case kD: n->d = nullptr; break;
          case kM: n->m = nullptr; break;
          default: n->f = nullptr; break;
        }
        model_.at(holder).slots[slot] = 0;
        break;
      }
      case 8: {  // share a leaf: node.s/d/m/f of one node into another
        const std::size_t slot = kS + in.below(4);
        const std::uint64_t from = pick(Kind::kNode, in), to = pick(Kind::kNode, in);
        if (from == 0 || to == 0) break;
        Node* f = ptr<Node>(from);
        Node* t = ptr<Node>(to);
        if (slot == kS) t->s = f->s;
        if (slot == kD) t->d = f->d;
        if (slot == kM) t->m = f->m;
        if (slot == kF) t->f = f->f;
        model_.at(to).slots[slot] = model_.at(from).slots[slot];
        break;
      }
      case 9: {  // write a double
        const std::uint64_t array = pick(Kind::kDoubles, in);
        if (array == 0) break;
        std::vector<double>& values = model_.at(array).values;
        const std::size_t i = in.below(values.size());
        values[i] = in.byte() * 0.5;
        (*ptr<Array<double>>(array))[i] = values[i];
        break;
      }
      case 10: {  // set a payload
        const std::uint64_t node = pick(Kind::kNode, in);
        if (node == 0) break;
        model_.at(node).payload = in.byte();
        ptr<Node>(node)->payload = model_.at(node).payload;
        break;
      }
      case 11: {  // drop a Local
        const std::size_t root = in.below(kRoots);
        roots_[root].reset();
        root_ids_[root] = 0;
        break;
      }
      case 12: {  // copy a Local, or move it to its node's child
        const std::size_t root = in.below(kRoots), other = in.byte();
        if (other >= 128 && root_ids_[root] != 0) {
          const bool left = other & 1;
          roots_[root] = left ? roots_[root]->a.get() : roots_[root]->b.get();
          root_ids_[root] = model_.at(root_ids_[root]).slots[left ? kA : kB];
        } else {
          roots_[root] = roots_[other % kRoots].get();
          root_ids_[root] = root_ids_[other % kRoots];
        }
        break;
      }
      case 13: {  // enter or leave a no-GC region
        const bool enter = in.byte() & 1;
        if (enter && regions_.size() < kMaxRegions) {
          regions_.push_back(std::make_unique<gc::NoGcScope>(heap_));
        } else if (!regions_.empty()) {
          regions_.pop_back();
        }
        break;
      }
      case 14: {  // minor collection
        LULL_FUZZ_CHECK(heap_.collect_minor() == regions_.empty(), "collect_minor's result");
        check();
        break;
      }
      case 15: {  // a major step: a few work units, or a deadline already past
        const std::uint8_t units = in.byte();
        const gc::StepResult result =
            units == 0 ? heap_.collect_step(gc::Heap::Clock::now())
                       : gc::testing::collect_step_units_for_testing(heap_, units);
        LULL_FUZZ_CHECK(result.refused == !regions_.empty(), "collect_step's refusal");
        check();
        break;
      }
      default: {  // full collection
        LULL_FUZZ_CHECK(heap_.collect() == regions_.empty(), "collect's result");
        check();
        if (regions_.empty()) check_full_collection();
        break;
      }
    }
  }

  gc::Heap heap_;
  std::vector<gc::Local<Node>> roots_;
  std::vector<std::uint64_t> root_ids_;
  std::vector<std::unique_ptr<gc::NoGcScope>> regions_;
  std::unordered_map<std::uint64_t, Model> model_;
  std::vector<std::uint64_t> fats_;
  std::uint64_t next_id_ = 1;
  std::unordered_map<std::uint64_t, const void*> ptr_;  // by walk(): the reachable objects
};

}  // namespace

int fuzz_heap_one(const std::uint8_t* data, std::size_t size) {
  Reader in(data, size);
  const std::uint8_t setup = in.byte();
  gc::Policy policy;
  policy.nursery_bytes = (setup & 0x01) ? 16 * 1024 : 64 * 1024;
  policy.min_major_trigger_bytes = 128 * 1024;
  policy.mode = (setup & 0x02) ? gc::GcMode::kClassic : gc::GcMode::kExplicit;
  policy.classic_step_budget = std::chrono::microseconds(5);
  policy.empty_page_cache_bytes = (setup & 0x20) ? 0 : 128 * 1024;
  policy.pretenure_survival = (setup & 0x40) ? 0.3 : 0.9;
  // Small enough for a program to reach: about 60 live large strings.
  policy.hard_limit_bytes = (setup & 0x80) ? 1u << 20 : 0;

  destroyed().clear();
  std::vector<std::uint64_t> with_destructor;
  {
    Program program(policy, setup);
    program.run(in);
    with_destructor = program.with_destructor();
  }
  for (std::uint64_t id : with_destructor) {
    LULL_FUZZ_CHECK(destroyed()[id] == 1, "not destroyed exactly once by the heap's teardown");
  }
  return 0;
}

}  // namespace lull::fuzz
