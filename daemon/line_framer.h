// line_framer.h: splits a byte stream (one TCP connection) into lines.
// A line ends at '\n'; a '\r' before it is dropped, so CRLF streams work. Empty lines are
// passed on as empty views (the caller skips them). A line longer than max_line bytes is
// discarded up to its newline and reported once, and framing resumes with the next line.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace lull::daemon {

class LineFramer {
 public:
  explicit LineFramer(std::size_t max_line) : max_line_(max_line) {}

  // Calls on_line(std::string_view) for every complete line in `bytes` and on_oversize()
  // once for every line that exceeded max_line. Views are valid during the call only.
  template <class OnLine, class OnOversize>
  void feed(std::string_view bytes, OnLine&& on_line, OnOversize&& on_oversize);

  // End of stream: a last line without its newline is still a line (nothing read is lost).
  template <class OnLine, class OnOversize>
  void finish(OnLine&& on_line, OnOversize&& on_oversize);

  std::size_t buffered() const { return pending_.size(); }

 private:
  static std::string_view strip_cr(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  }

  std::size_t max_line_;
  std::string pending_;      // the start of a line whose newline has not arrived yet
  bool discarding_ = false;  // inside an oversize line: drop bytes until its newline
};

template <class OnLine, class OnOversize>
void LineFramer::feed(std::string_view bytes, OnLine&& on_line, OnOversize&& on_oversize) {
  while (!bytes.empty()) {
    const char* newline = static_cast<const char*>(std::memchr(bytes.data(), '\n', bytes.size()));
    const std::size_t chunk =
        newline ? static_cast<std::size_t>(newline - bytes.data()) : bytes.size();
    std::string_view piece = bytes.substr(0, chunk);
    bytes.remove_prefix(newline ? chunk + 1 : chunk);

    if (discarding_) {
      if (newline) discarding_ = false;
      continue;
    }
    // A '\r' that ends the line does not count against max_line.
    const std::size_t length = pending_.size() + piece.size();
    const bool over =
        newline ? strip_cr(piece).size() + pending_.size() > max_line_ : length > max_line_ + 1;
    if (over) {
      pending_.clear();
      on_oversize();
      discarding_ = newline == nullptr;
      continue;
    }
    if (!newline) {
      pending_.append(piece);
      continue;
    }
    if (pending_.empty()) {
      on_line(strip_cr(piece));  // the common case: the whole line is in this read, no copy
    } else {
      pending_.append(piece);
      on_line(strip_cr(pending_));
      pending_.clear();
    }
  }
}

template <class OnLine, class OnOversize>
void LineFramer::finish(OnLine&& on_line, OnOversize&& on_oversize) {
  if (!discarding_ && !pending_.empty()) {
    if (strip_cr(pending_).size() <= max_line_) {
      on_line(strip_cr(pending_));
    } else {
      on_oversize();  // the one byte of slack kept for a '\r' that never came
    }
  }
  pending_.clear();
  discarding_ = false;
}

}  // namespace lull::daemon
