// string.h: String, a managed immutable byte string of any length (bytes stored inline after a
// small header, with a precomputed 32-bit FNV-1a hash for key tables). Created only by
// Heap::make_string; trivially destructible, so it lives in the nursery and moves freely.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include "gc/garbage_collected.h"

namespace lull::gc {

class Heap;

class String final : public GarbageCollected<String> {
 public:
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  std::string_view view() const { return {data(), size_}; }
  uint32_t hash() const { return hash_; }
  bool equals(std::string_view other) const { return view() == other; }

  static constexpr uint32_t hash_bytes(std::string_view bytes) {
    uint32_t h = 2166136261u;
    for (char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
    return h;
  }

 private:
  friend class Heap;
  explicit String(std::string_view bytes)
      : size_(static_cast<uint32_t>(bytes.size())), hash_(hash_bytes(bytes)) {
    if (!bytes.empty()) std::memcpy(this + 1, bytes.data(), bytes.size());
  }

  uint32_t size_;
  uint32_t hash_;
};

static_assert(sizeof(String) == 8);

}  // namespace lull::gc
