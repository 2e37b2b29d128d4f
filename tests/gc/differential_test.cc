// differential_test.cc: randomized differential test of the whole collector. Each program is a
// random sequence of allocations (nodes, strings, double arrays, reference arrays, types with
// destructors young and old, large objects), field and element writes, handle moves and drops,
// no-GC regions, interleaved with minor collections, major steps at random tiny deadlines or
// work budgets, and full collections. After every operation the real heap is walked in step
// with a shadow model: every reachable object has the payload and the references the model
// says, sharing included, the verifier finds nothing, no reachable object was destroyed, none
// twice; once a cycle completes, exactly the objects dead at its start have been destroyed.
// Pretenuring: by default survival-driven (the threshold varies by seed: off, low enough to
// switch back and forth within a program, the default); variants force it on and off.
// Soak by hand: LULL_GC_FUZZ_SEED=<n> LULL_GC_FUZZ_PROGRAMS=<n> gc_tests --gtest_filter='Diff*'
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <random>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "gc/no_gc_scope.h"
#include "tests/gc/test_types.h"

namespace lull::gc::test {
namespace {

using Clock = Heap::Clock;

std::map<uint64_t, int>& fuzz_destroyed() {
  static std::map<uint64_t, int> counts;
  return counts;
}

struct FNode;

// Pretenured (std::string is not relocatable).
struct FFat : GarbageCollected<FFat> {
  FFat(uint64_t id_, std::string label_) : id(id_), label(std::move(label_)) {}
  ~FFat() { ++fuzz_destroyed()[id]; }
  void trace(Visitor& v) const { v.trace(ref); }
  uint64_t id;
  std::string label;
  Member<FNode> ref;
};

// Young with a destructor (opt-in relocatable).
struct FBuf : GarbageCollected<FBuf> {
  static constexpr bool kGcTriviallyRelocatable = true;
  FBuf(uint64_t id_, size_t n) : id(id_) {
    for (size_t i = 0; i < n; ++i) values.push_back(static_cast<int64_t>(id_ * 1000 + i));
  }
  ~FBuf() { ++fuzz_destroyed()[id]; }
  uint64_t id;
  std::vector<int64_t> values;
};

struct FNode : GarbageCollected<FNode> {
  FNode(uint64_t id_, int64_t payload_) : id(id_), payload(payload_) {}
  void trace(Visitor& v) const {
    v.trace(a);
    v.trace(b);
    v.trace(s);
    v.trace(d);
    v.trace(m);
    v.trace(f);
    v.trace(u);
  }
  uint64_t id;
  int64_t payload;
  Member<FNode> a, b;
  Member<String> s;
  Member<Array<double>> d;
  Member<Array<Member<FNode>>> m;
  Member<FFat> f;
  Member<FBuf> u;
};

enum class Kind { kNode, kFat, kBuf, kStr, kDArr, kMArr };
enum NodeSlot { kA, kB, kS, kD, kM, kF, kU, kNodeSlots };

struct MObj {
  explicit MObj(Kind k, int64_t p = 0, std::vector<uint64_t> s = {}, std::string t = {})
      : kind(k), payload(p), slots(std::move(s)), text(std::move(t)) {}
  Kind kind;
  int64_t payload;
  std::vector<uint64_t> slots;  // node: NodeSlot order; fat: [ref]; marr: elements
  std::string text;             // string contents, fat label
  std::vector<double> values;   // double array contents
  size_t length = 0;            // buf length
};

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::strtoull(v, nullptr, 10) : fallback;
}

class Program {
 public:
  Program(uint64_t seed, bool torture, testing::PretenureMode pretenure)
      : rng_(seed), heap_(policy_for(seed)) {
    if (torture) testing::set_torture_for_testing(heap_, true);
    testing::set_pretenuring_for_testing(heap_, pretenure);
  }

  void run(int ops) {
    for (int i = 0; i < ops && !::testing::Test::HasFailure(); ++i) {
      step_op();
      check();
    }
    regions_.clear();
    if (::testing::Test::HasFailure()) return;
    heap_.collect();
    check();
    check_full_collection();
  }

  const std::vector<uint64_t>& with_destructor() const { return with_destructor_; }

 private:
  static Policy policy_for(uint64_t seed) {
    Policy p;
    p.nursery_bytes = (seed % 3 == 0) ? 16 * 1024 : 64 * 1024;
    p.min_major_trigger_bytes = 256 * 1024;
    p.mode = (seed % 4 == 3) ? GcMode::kClassic : GcMode::kExplicit;
    p.classic_step_budget = std::chrono::microseconds(5);
    p.empty_page_cache_bytes = (seed % 2) ? 0 : 128 * 1024;
    p.pretenure_survival = (seed % 5 == 0) ? 0.0 : (seed % 5 == 1) ? 0.3 : 0.9;
    return p;
  }

  uint64_t rnd(uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  bool chance(int percent) { return static_cast<int>(rnd(100)) < percent; }

  // --- Model -------------------------------------------------------------------------------
  uint64_t add(MObj obj) {
    const uint64_t id = next_id_++;
    if (obj.kind == Kind::kFat || obj.kind == Kind::kBuf) with_destructor_.push_back(id);
    model_.emplace(id, std::move(obj));
    return id;
  }
  std::unordered_set<uint64_t> model_reachable() const {
    std::unordered_set<uint64_t> seen;
    std::vector<uint64_t> stack(root_ids_.begin(), root_ids_.end());
    while (!stack.empty()) {
      const uint64_t id = stack.back();
      stack.pop_back();
      if (id == 0 || !seen.insert(id).second) continue;
      for (uint64_t child : model_.at(id).slots) stack.push_back(child);
    }
    return seen;
  }

  // --- Walk: real heap against the model ---------------------------------------------------
  void bind(uint64_t id, const void* p, const char* what) {
    if (id == 0) {
      if (p != nullptr) ADD_FAILURE() << what << ": expected null, got an object";
      return;
    }
    if (p == nullptr) {
      ADD_FAILURE() << what << ": expected object " << id << ", got null";
      return;
    }
    auto [it, fresh] = id2ptr_.emplace(id, p);
    if (!fresh) {
      if (it->second != p) ADD_FAILURE() << what << ": object " << id << " seen at two addresses";
      return;
    }
    auto [it2, fresh2] = ptr2id_.emplace(p, id);
    if (!fresh2) {
      ADD_FAILURE() << what << ": objects " << id << " and " << it2->second << " share an address";
      return;
    }
    pending_.push_back(id);
  }

  void walk() {
    id2ptr_.clear();
    ptr2id_.clear();
    pending_.clear();
    for (size_t i = 0; i < roots_.size(); ++i) bind(root_ids_[i], roots_[i].get(), "root");
    while (!pending_.empty() && !::testing::Test::HasFailure()) {
      const uint64_t id = pending_.back();
      pending_.pop_back();
      const MObj& m = model_.at(id);
      const void* p = id2ptr_.at(id);
      switch (m.kind) {
        case Kind::kNode: {
          auto* n = static_cast<const FNode*>(p);
          ASSERT_EQ(n->id, id);
          ASSERT_EQ(n->payload, m.payload) << "node " << id;
          bind(m.slots[kA], n->a.get(), "node.a");
          bind(m.slots[kB], n->b.get(), "node.b");
          bind(m.slots[kS], n->s.get(), "node.s");
          bind(m.slots[kD], n->d.get(), "node.d");
          bind(m.slots[kM], n->m.get(), "node.m");
          bind(m.slots[kF], n->f.get(), "node.f");
          bind(m.slots[kU], n->u.get(), "node.u");
          break;
        }
        case Kind::kFat: {
          auto* f = static_cast<const FFat*>(p);
          ASSERT_EQ(f->id, id);
          ASSERT_EQ(f->label, m.text);
          bind(m.slots[0], f->ref.get(), "fat.ref");
          break;
        }
        case Kind::kBuf: {
          auto* b = static_cast<const FBuf*>(p);
          ASSERT_EQ(b->id, id);
          ASSERT_EQ(b->values.size(), m.length);
          for (size_t i = 0; i < m.length; ++i)
            ASSERT_EQ(b->values[i], static_cast<int64_t>(id * 1000 + i));
          break;
        }
        case Kind::kStr:
          ASSERT_EQ(static_cast<const String*>(p)->view(), m.text) << "string " << id;
          break;
        case Kind::kDArr: {
          auto* d = static_cast<const Array<double>*>(p);
          ASSERT_EQ(d->size(), m.values.size());
          for (size_t i = 0; i < m.values.size(); ++i) ASSERT_EQ((*d)[i], m.values[i]);
          break;
        }
        case Kind::kMArr: {
          auto* a = static_cast<const Array<Member<FNode>>*>(p);
          ASSERT_EQ(a->size(), m.slots.size());
          for (size_t i = 0; i < m.slots.size(); ++i) bind(m.slots[i], (*a)[i].get(), "marr[i]");
          break;
        }
      }
    }
  }

  void check() {
    walk();
    if (::testing::Test::HasFailure()) return;
    for (const std::string& e : testing::verify_heap_for_testing(heap_)) ADD_FAILURE() << e;
    for (uint64_t id : with_destructor_) {
      const int n = fuzz_destroyed()[id];
      ASSERT_LE(n, 1) << "object " << id << " destroyed twice";
      if (id2ptr_.count(id)) {
        ASSERT_EQ(n, 0) << "reachable object " << id << " was destroyed";
      }
    }
  }

  void check_full_collection() {
    const std::unordered_set<uint64_t> live = model_reachable();
    for (uint64_t id : with_destructor_)
      ASSERT_EQ(fuzz_destroyed()[id], live.count(id) ? 0 : 1) << "object " << id << " after full";
  }

  // Reachable ids of one kind (walk() must be fresh).
  std::vector<uint64_t> reachable(Kind kind) const {
    std::vector<uint64_t> out;
    for (const auto& [id, p] : id2ptr_)
      if (model_.at(id).kind == kind) out.push_back(id);
    std::sort(out.begin(), out.end());  // deterministic order for a given seed
    return out;
  }
  template <class T>
  T* ptr(uint64_t id) {
    return const_cast<T*>(static_cast<const T*>(id2ptr_.at(id)));
  }
  // Picks a reachable node, or 0. Call walk() first.
  uint64_t pick(Kind kind) {
    const std::vector<uint64_t> ids = reachable(kind);
    return ids.empty() ? 0 : ids[rnd(ids.size())];
  }
  uint64_t pick_or_null(Kind kind) { return chance(20) ? 0 : pick(kind); }

  // Hangs a fresh object (held by `fresh`) into a reachable node's slot, or drops it.
  template <class T>
  void attach(Local<T>& fresh, uint64_t id, NodeSlot slot, Member<T> FNode::*field) {
    walk();
    const uint64_t holder = pick(Kind::kNode);
    if (holder == 0) return;  // garbage at once
    ptr<FNode>(holder)->*field = fresh.get();
    model_.at(holder).slots[slot] = id;
  }

  // --- Operations ----------------------------------------------------------------------------
  void step_op() {
    const uint64_t r = rnd(100);
    if (r < 14)
      new_node();
    else if (r < 19)
      new_fat();
    else if (r < 23)
      new_buf();
    else if (r < 29)
      new_string();
    else if (r < 33)
      new_darray();
    else if (r < 37)
      new_marray();
    else if (r < 52)
      write_ref();
    else if (r < 56)
      write_darray();
    else if (r < 60)
      share_leaf();
    else if (r < 68)
      move_root();
    else if (r < 71)
      set_payload();
    else if (r < 74)
      region();
    else
      gc();
  }

  void new_node() {
    const uint64_t id =
        add(MObj(Kind::kNode, static_cast<int64_t>(rng_()), std::vector<uint64_t>(kNodeSlots)));
    Local<FNode> fresh(heap_, heap_.make<FNode>(id, model_.at(id).payload));
    if (roots_.size() < 12 || chance(30)) {
      if (roots_.size() < 12) {
        roots_.emplace_back(heap_, fresh.get());
        root_ids_.push_back(id);
      } else {
        const size_t i = rnd(roots_.size());
        roots_[i] = fresh.get();
        root_ids_[i] = id;
      }
    } else {
      if (chance(50)) {
        attach(fresh, id, kA, &FNode::a);
      } else {
        attach(fresh, id, kB, &FNode::b);
      }
    }
  }
  void new_fat() {
    std::string label = "fat-" + std::to_string(next_id_) + std::string(rnd(40), 'f');
    const uint64_t id = add(MObj(Kind::kFat, 0, {0}, label));
    Local<FFat> fresh(heap_, heap_.make<FFat>(id, label));
    attach(fresh, id, kF, &FNode::f);
  }
  void new_buf() {
    const size_t n = rnd(8);
    MObj m(Kind::kBuf);
    m.length = n;
    const uint64_t id = add(std::move(m));
    Local<FBuf> fresh(heap_, heap_.make<FBuf>(id, n));
    attach(fresh, id, kU, &FNode::u);
  }
  void new_string() {
    std::string text(chance(5) ? 9000 + rnd(100) : rnd(60), 'a' + static_cast<char>(rnd(26)));
    if (!text.empty()) text[0] = static_cast<char>('A' + rnd(26));
    const uint64_t id = add(MObj(Kind::kStr, 0, {}, text));
    Local<String> fresh(heap_, heap_.make_string(text));
    attach(fresh, id, kS, &FNode::s);
  }
  void new_darray() {
    const size_t n = chance(5) ? 2000 : 1 + rnd(20);
    MObj m(Kind::kDArr);
    m.values.assign(n, 0.0);
    const uint64_t id = add(std::move(m));
    Local<Array<double>> fresh(heap_, heap_.make_array<double>(n));
    attach(fresh, id, kD, &FNode::d);
  }
  void new_marray() {
    const size_t n = chance(5) ? 1500 : 1 + rnd(8);
    MObj m(Kind::kMArr);
    m.slots.assign(n, 0);
    const uint64_t id = add(std::move(m));
    Local<Array<Member<FNode>>> fresh(heap_, heap_.make_array<Member<FNode>>(n));
    attach(fresh, id, kM, &FNode::m);
  }

  void write_ref() {
    walk();
    const uint64_t target = pick_or_null(Kind::kNode);
    FNode* target_ptr = target ? ptr<FNode>(target) : nullptr;
    const uint64_t choice = rnd(4);
    if (choice <= 1) {
      const uint64_t holder = pick(Kind::kNode);
      if (holder == 0) return;
      (choice == 0 ? ptr<FNode>(holder)->a : ptr<FNode>(holder)->b) = target_ptr;
      model_.at(holder).slots[choice == 0 ? kA : kB] = target;
    } else if (choice == 2) {
      const uint64_t arr = pick(Kind::kMArr);
      if (arr == 0) return;
      const size_t i = rnd(model_.at(arr).slots.size());
      (*ptr<Array<Member<FNode>>>(arr))[i] = target_ptr;
      model_.at(arr).slots[i] = target;
    } else {
      const uint64_t fat = pick(Kind::kFat);
      if (fat == 0) return;
      ptr<FFat>(fat)->ref = target_ptr;
      model_.at(fat).slots[0] = target;
    }
  }
  void write_darray() {
    walk();
    const uint64_t arr = pick(Kind::kDArr);
    if (arr == 0) return;
    const size_t i = rnd(model_.at(arr).values.size());
    const double v = static_cast<double>(rnd(1000000)) / 8;
    (*ptr<Array<double>>(arr))[i] = v;
    model_.at(arr).values[i] = v;
  }
  // Copy a string/array/fat/buf reference from one node to another (sharing).
  void share_leaf() {
    walk();
    const uint64_t from = pick(Kind::kNode), to = pick(Kind::kNode);
    if (from == 0 || to == 0) return;
    FNode* f = ptr<FNode>(from);
    FNode* t = ptr<FNode>(to);
    switch (rnd(5)) {
      case 0:
        t->s = f->s;
        model_.at(to).slots[kS] = model_.at(from).slots[kS];
        break;
      case 1:
        t->d = f->d;
        model_.at(to).slots[kD] = model_.at(from).slots[kD];
        break;
      case 2:
        t->m = f->m;
        model_.at(to).slots[kM] = model_.at(from).slots[kM];
        break;
      case 3:
        t->f = f->f;
        model_.at(to).slots[kF] = model_.at(from).slots[kF];
        break;
      default:
        t->u = f->u;
        model_.at(to).slots[kU] = model_.at(from).slots[kU];
        break;
    }
  }
  void move_root() {
    if (roots_.empty()) return;
    const size_t i = rnd(roots_.size());
    const uint64_t r = rnd(4);
    if (r == 0) {  // drop
      roots_[i].reset();
      root_ids_[i] = 0;
    } else if (r == 1 && root_ids_[i] != 0) {  // navigate to a child
      const bool left = chance(50);
      roots_[i] = left ? roots_[i]->a.get() : roots_[i]->b.get();
      root_ids_[i] = model_.at(root_ids_[i]).slots[left ? kA : kB];
    } else {  // copy another root
      const size_t j = rnd(roots_.size());
      roots_[i] = roots_[j].get();
      root_ids_[i] = root_ids_[j];
    }
  }
  void set_payload() {
    walk();
    const uint64_t n = pick(Kind::kNode);
    if (n == 0) return;
    const int64_t v = static_cast<int64_t>(rng_());
    ptr<FNode>(n)->payload = v;
    model_.at(n).payload = v;
  }
  void region() {
    if (!regions_.empty() && (regions_.size() >= 2 || chance(50))) {
      regions_.pop_back();
    } else {
      regions_.push_back(std::make_unique<NoGcScope>(heap_));
    }
  }

  void gc() {
    const bool in_region = !regions_.empty();
    const uint64_t r = rnd(100);
    if (r < 25) {
      ASSERT_EQ(heap_.collect_minor(), !in_region);
    } else if (r < 97) {
      const bool was_idle = heap_.phase() == MajorPhase::kIdle;
      std::unordered_set<uint64_t> dead_at_start;
      if (was_idle) {
        const std::unordered_set<uint64_t> live = model_reachable();
        for (uint64_t id : with_destructor_)
          if (!live.count(id)) dead_at_start.insert(id);
      }
      const StepResult s =
          chance(50) ? heap_.collect_step(Clock::now() + std::chrono::microseconds(rnd(20)))
                     : testing::collect_step_units_for_testing(heap_, rnd(200));
      ASSERT_EQ(s.refused, in_region);
      if (was_idle && s.phase != MajorPhase::kIdle) cycle_dead_ = std::move(dead_at_start);
      if (was_idle && s.cycle_completed) cycle_dead_ = std::move(dead_at_start);
      if (s.cycle_completed) {
        // Exactly the objects dead at the cycle start are destroyed by its end (plus possibly
        // some that died later, young ones at a minor collection).
        for (uint64_t id : cycle_dead_)
          ASSERT_EQ(fuzz_destroyed()[id], 1) << "object " << id << " dead at cycle start";
        cycle_dead_.clear();
      }
    } else {
      ASSERT_EQ(heap_.collect(), !in_region);
      if (!in_region) check_full_collection();
    }
  }

  std::mt19937_64 rng_;
  Heap heap_;
  std::unordered_map<uint64_t, MObj> model_;
  std::vector<uint64_t> with_destructor_;
  uint64_t next_id_ = 1;
  std::vector<Local<FNode>> roots_;
  std::vector<uint64_t> root_ids_;
  std::vector<std::unique_ptr<NoGcScope>> regions_;
  std::unordered_set<uint64_t> cycle_dead_;
  std::unordered_map<uint64_t, const void*> id2ptr_;
  std::unordered_map<const void*, uint64_t> ptr2id_;
  std::vector<uint64_t> pending_;
};

using testing::PretenureMode;

void run_programs(bool torture, uint64_t default_programs, int ops,
                  PretenureMode pretenure = PretenureMode::kAuto) {
  const uint64_t seed = env_or("LULL_GC_FUZZ_SEED", 20261125);
  const uint64_t programs = env_or("LULL_GC_FUZZ_PROGRAMS", default_programs);
  for (uint64_t i = 0; i < programs; ++i) {
    const uint64_t program_seed = seed + i * 7919;
    const char* mode = pretenure == PretenureMode::kAlways  ? " (pretenuring on)"
                       : pretenure == PretenureMode::kNever ? " (pretenuring off)"
                                                            : "";
    SCOPED_TRACE("program seed " + std::to_string(program_seed) + (torture ? " (torture)" : "") +
                 mode + "; rerun alone: LULL_GC_FUZZ_SEED=" + std::to_string(program_seed) +
                 " LULL_GC_FUZZ_PROGRAMS=1");
    fuzz_destroyed().clear();
    auto program = std::make_unique<Program>(program_seed, torture, pretenure);
    program->run(ops);
    if (::testing::Test::HasFailure()) return;
    const std::vector<uint64_t> ids = program->with_destructor();
    program.reset();  // teardown: the heap goes, and with it every remaining object
    for (uint64_t id : ids) ASSERT_EQ(fuzz_destroyed()[id], 1) << "object " << id << " at teardown";
  }
}

TEST(DifferentialTest, RandomProgramsMatchTheModel) {
  run_programs(/*torture=*/false, /*default_programs=*/1000, /*ops=*/200);
}

TEST(DifferentialTest, RandomProgramsMatchTheModelInTortureMode) {
  run_programs(/*torture=*/true, /*default_programs=*/300, /*ops=*/150);
}

TEST(DifferentialTest, RandomProgramsMatchTheModelWithPretenuringForcedOn) {
  run_programs(/*torture=*/false, /*default_programs=*/500, /*ops=*/200, PretenureMode::kAlways);
}

TEST(DifferentialTest, RandomProgramsMatchTheModelWithPretenuringForcedOff) {
  run_programs(/*torture=*/false, /*default_programs=*/500, /*ops=*/200, PretenureMode::kNever);
}

TEST(DifferentialTest, RandomProgramsMatchTheModelInTortureModeWithPretenuringForcedOn) {
  run_programs(/*torture=*/true, /*default_programs=*/150, /*ops=*/150, PretenureMode::kAlways);
}

}  // namespace
}  // namespace lull::gc::test
