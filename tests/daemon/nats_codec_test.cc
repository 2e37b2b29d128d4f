// nats_codec_test.cc: the pure parts of lull_nats: the position codec and rendezvous
// assignment (no server needed).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "daemon/nats/position.h"
#include "daemon/nats/rendezvous.h"

namespace lull::daemon::nats {
namespace {

TEST(PositionCodec, RoundTripsAndRejectsAnythingElse) {
  for (const Position& position :
       {Position{0, 0}, Position{42, 1732460000123456789}, Position{UINT64_MAX, INT64_MAX}}) {
    const auto stored = decode_position(encode(position, "host-12"));
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->position, position);
    EXPECT_EQ(stored->writer, "host-12");
  }
  EXPECT_EQ(encode({7, 9}, "a"), "7 9 a");
  const auto without_writer = decode_position("7 9");  // as written before the writer was
  ASSERT_TRUE(without_writer);
  EXPECT_EQ(without_writer->position, (Position{7, 9}));
  EXPECT_EQ(without_writer->writer, "");
  for (const char* bad : {"", "7", "7 ", " 7 9", "7  9", "7 9 ", "7 -9", "-7 9", "x 9", "7 9x",
                          "18446744073709551616 1", "7 9 a b", "7 9  a"}) {
    EXPECT_EQ(decode_position(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(position_key(12), "pos.12");
}

std::vector<std::string> owners(std::uint32_t partitions, const std::vector<std::string>& members) {
  std::vector<std::string> out;
  for (std::uint32_t p = 0; p < partitions; ++p) out.push_back(rendezvous_owner(p, members));
  return out;
}

TEST(Rendezvous, SpreadsPartitionsAndIgnoresMemberOrder) {
  const std::vector<std::string> members = {"a", "b", "c", "d"};
  const auto assigned = owners(64, members);
  std::map<std::string, int> counts;
  for (const auto& owner : assigned) ++counts[owner];
  ASSERT_EQ(counts.size(), 4u);
  for (const auto& [member, count] : counts) {
    EXPECT_GE(count, 8) << member;  // 16 expected; a share far off means a bad hash
    EXPECT_LE(count, 24) << member;
  }
  EXPECT_EQ(owners(64, {"d", "b", "a", "c"}), assigned);
  EXPECT_EQ(rendezvous_owner(3, {}), "");
}

TEST(Rendezvous, AJoinOrALeaveMovesOnlyTheAffectedPartitions) {
  const auto before = owners(256, {"a", "b", "c"});
  const auto joined = owners(256, {"a", "b", "c", "d"});
  const auto left = owners(256, {"a", "c"});
  int moved_to_d = 0;
  for (std::size_t p = 0; p < before.size(); ++p) {
    // A join only moves partitions to the newcomer; a leave only moves the leaver's.
    if (joined[p] != before[p]) {
      EXPECT_EQ(joined[p], "d") << p;
      ++moved_to_d;
    }
    if (before[p] != "b") {
      EXPECT_EQ(left[p], before[p]) << p;
    } else {
      EXPECT_NE(left[p], "b") << p;
    }
  }
  EXPECT_GT(moved_to_d, 256 / 4 / 2);
  EXPECT_LT(moved_to_d, 256 / 4 * 2);
}

}  // namespace
}  // namespace lull::daemon::nats
