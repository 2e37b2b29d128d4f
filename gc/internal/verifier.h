// verifier.h: the heap verifier (tests, torture runs, and LULL_GC_EXPENSIVE_CHECKS builds).
// O(heap). Walks everything reachable from the roots and checks, returning one line per broken
// invariant (empty = healthy):
//   check_object:          every reachable reference is a live object in the nursery's used part
//                          (not forwarded), an allocated old-space slot, or a large block; never
//                          freed memory nor the old nursery;
//   check_marking:         after marking (kSweeping), every reachable old object is black;
//   check_remembered_set:  every old slot holding a young pointer is in the remembered set;
//   check_pages:           the page invariant of old_space.h, and the byte accounting.
#pragma once

#include <string>
#include <vector>

namespace lull::gc::internal {

class Collector;

class Verifier {
 public:
  explicit Verifier(Collector& collector) : collector_(collector) {}
  std::vector<std::string> verify();

 private:
  void check_pages();
  void check_reachable();
  void error(std::string message);

  Collector& collector_;
  std::vector<std::string> errors_;
};

}  // namespace lull::gc::internal
