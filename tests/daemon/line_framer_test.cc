// line_framer_test.cc: framing across reads, CRLF, empty and oversize lines, end of stream.
#include "daemon/line_framer.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace lull::daemon {
namespace {

struct Framed {
  std::vector<std::string> lines;
  int oversize = 0;
};

// Feeds `chunks` one read at a time, then ends the stream.
Framed frame(std::size_t max_line, const std::vector<std::string>& chunks) {
  LineFramer framer(max_line);
  Framed out;
  auto on_line = [&](std::string_view line) { out.lines.emplace_back(line); };
  auto on_oversize = [&] { ++out.oversize; };
  for (const auto& chunk : chunks) framer.feed(chunk, on_line, on_oversize);
  framer.finish(on_line, on_oversize);
  return out;
}

TEST(LineFramer, SplitsLinesWithinOneRead) {
  auto out = frame(100, {"a\nbb\nccc\n"});
  EXPECT_EQ(out.lines, (std::vector<std::string>{"a", "bb", "ccc"}));
}

TEST(LineFramer, JoinsALineSplitAcrossReads) {
  auto out = frame(100, {"{\"ke", "y\":", "1}\nnext", "\n"});
  EXPECT_EQ(out.lines, (std::vector<std::string>{"{\"key\":1}", "next"}));
}

TEST(LineFramer, DropsTheCarriageReturnOfCrlf) {
  auto out = frame(100, {"a\r\nb\r", "\n"});
  EXPECT_EQ(out.lines, (std::vector<std::string>{"a", "b"}));
}

TEST(LineFramer, PassesEmptyLinesOn) {
  auto out = frame(100, {"\n\na\n"});
  EXPECT_EQ(out.lines, (std::vector<std::string>{"", "", "a"}));
}

TEST(LineFramer, DeliversAnUnterminatedLastLineAtEndOfStream) {
  auto out = frame(100, {"a\nlast"});
  EXPECT_EQ(out.lines, (std::vector<std::string>{"a", "last"}));
}

TEST(LineFramer, AcceptsALineOfExactlyMaxLine) {
  auto out = frame(4, {"abcd\nabcd\r\n"});
  EXPECT_EQ(out.lines, (std::vector<std::string>{"abcd", "abcd"}));
  EXPECT_EQ(out.oversize, 0);
}

TEST(LineFramer, DiscardsAnOversizeLineInOneReadAndGoesOn) {
  auto out = frame(4, {"abcde\nok\n"});
  EXPECT_EQ(out.lines, (std::vector<std::string>{"ok"}));
  EXPECT_EQ(out.oversize, 1);
}

TEST(LineFramer, DiscardsAnOversizeLineSpreadOverManyReadsOnce) {
  auto out = frame(4, {"ab", "cd", "ef", "gh", "ij\n", "ok\n"});
  EXPECT_EQ(out.lines, (std::vector<std::string>{"ok"}));
  EXPECT_EQ(out.oversize, 1);
}

TEST(LineFramer, CountsAnOversizeUnterminatedLastLine) {
  auto out = frame(4, {"ok\nabcde"});
  EXPECT_EQ(out.lines, (std::vector<std::string>{"ok"}));
  EXPECT_EQ(out.oversize, 1);
}

TEST(LineFramer, CountsALastLineOneByteOverWithoutNewline) {
  // Five bytes could still have been four plus '\r'; at end of stream they are too long.
  auto out = frame(4, {"abcd", "e"});
  EXPECT_EQ(out.lines.size(), 0u);
  EXPECT_EQ(out.oversize, 1);
}

}  // namespace
}  // namespace lull::daemon
