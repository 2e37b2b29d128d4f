// units_test.cc: config/units.h: every duration and size unit, decimals, the rejections with
// their reasons, addresses, counts, numbers, booleans, and shortest exact formatting.
#include "config/units.h"

#include <gtest/gtest.h>

#include <limits>

namespace lull::config {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

Duration duration_of(std::string_view text) {
  Parsed<Duration> parsed = parse_duration(text);
  EXPECT_TRUE(parsed) << text << ": " << parsed.error;
  return parsed.value.value_or(Duration(-1));
}

std::string duration_error(std::string_view text) {
  Parsed<Duration> parsed = parse_duration(text);
  EXPECT_FALSE(parsed) << text;
  return parsed.error;
}

std::uint64_t size_of(std::string_view text) {
  Parsed<std::uint64_t> parsed = parse_size(text);
  EXPECT_TRUE(parsed) << text << ": " << parsed.error;
  return parsed.value.value_or(0xdead);
}

std::string size_error(std::string_view text) {
  Parsed<std::uint64_t> parsed = parse_size(text);
  EXPECT_FALSE(parsed) << text;
  return parsed.error;
}

TEST(ParseDuration, AcceptsEveryUnit) {
  EXPECT_EQ(duration_of("7ns"), nanoseconds(7));
  EXPECT_EQ(duration_of("250us"), microseconds(250));
  EXPECT_EQ(duration_of("3ms"), milliseconds(3));
  EXPECT_EQ(duration_of("60s"), seconds(60));
  EXPECT_EQ(duration_of("2m"), minutes(2));
  EXPECT_EQ(duration_of("1h"), hours(1));
}

TEST(ParseDuration, AcceptsExactDecimals) {
  EXPECT_EQ(duration_of("1.5ms"), microseconds(1500));
  EXPECT_EQ(duration_of("0.25s"), milliseconds(250));
  EXPECT_EQ(duration_of("0.1s"), milliseconds(100));
  EXPECT_EQ(duration_of("1.5h"), minutes(90));
  EXPECT_EQ(duration_of("0.001us"), nanoseconds(1));
  EXPECT_EQ(duration_of("2.500ms"), microseconds(2500));
}

TEST(ParseDuration, AcceptsZeroWithoutUnitAndSpaceBeforeUnit) {
  EXPECT_EQ(duration_of("0"), Duration::zero());
  EXPECT_EQ(duration_of("50 us"), microseconds(50));
  EXPECT_EQ(duration_of("007ms"), milliseconds(7));
}

TEST(ParseDuration, RejectsNegatives) {
  EXPECT_EQ(duration_error("-5ms"), "must not be negative");
  EXPECT_EQ(duration_error("-0.5s"), "must not be negative");
}

TEST(ParseDuration, RejectsMissingUnit) {
  EXPECT_EQ(duration_error("50"), "\"50\" has no unit (ns, us, ms, s, m or h)");
  EXPECT_EQ(duration_error("1.5"), "\"1.5\" has no unit (ns, us, ms, s, m or h)");
}

TEST(ParseDuration, RejectsUnknownUnitsWithAHint) {
  EXPECT_EQ(duration_error("5sec"), "unknown unit \"sec\"; did you mean \"s\"?");
  EXPECT_EQ(duration_error("5MS"), "unknown unit \"MS\"; did you mean \"ms\"?");
  EXPECT_EQ(duration_error("2min"), "unknown unit \"min\"; did you mean \"m\"?");
  EXPECT_EQ(duration_error("2d"), "unknown unit \"d\"; write days in hours, like \"24h\"");
  EXPECT_EQ(duration_error("2fortnights"),
            "unknown unit \"fortnights\"; use ns, us, ms, s, m or h");
}

TEST(ParseDuration, RejectsWhatIsNotANumberWithoutAReason) {
  EXPECT_EQ(duration_error("fast"), "");
  EXPECT_EQ(duration_error(""), "");
  EXPECT_EQ(duration_error("us"), "");
  EXPECT_EQ(duration_error(".5ms"), "");
  EXPECT_EQ(duration_error("+5ms"), "");
}

TEST(ParseDuration, RejectsInexactAndMalformedDecimals) {
  EXPECT_EQ(duration_error("0.5ns"), "0.5ns is not a whole number of nanoseconds");
  EXPECT_EQ(duration_error("1.0000000001us"),
            "1.0000000001us is not a whole number of nanoseconds");
  EXPECT_EQ(duration_error("1.ms"), "expected digits after the decimal point");
}

TEST(ParseDuration, RejectsOverflow) {
  EXPECT_EQ(duration_of("9223372036854775807ns"),
            nanoseconds(std::numeric_limits<std::int64_t>::max()));
  EXPECT_EQ(duration_error("9223372036854775808ns"), "too large; the most is 2562047h");
  EXPECT_EQ(duration_error("2562048h"), "too large; the most is 2562047h");
  EXPECT_EQ(duration_error("99999999999999999999999s"), "too large; the most is 2562047h");
}

TEST(ParseSize, AcceptsEveryUnitAndBareBytes) {
  EXPECT_EQ(size_of("100"), 100u);
  EXPECT_EQ(size_of("100B"), 100u);
  EXPECT_EQ(size_of("64KiB"), 64u * 1024);
  EXPECT_EQ(size_of("4MiB"), 4u * kMiB);
  EXPECT_EQ(size_of("2GiB"), 2u * kGiB);
  EXPECT_EQ(size_of("3TiB"), 3u * kTiB);
  EXPECT_EQ(size_of("0"), 0u);
}

TEST(ParseSize, AcceptsDecimalsExactToTheByte) {
  EXPECT_EQ(size_of("1.5GiB"), 1610612736u);
  EXPECT_EQ(size_of("0.5KiB"), 512u);
  EXPECT_EQ(size_of("1.25 MiB"), 1310720u);
  EXPECT_EQ(size_of("0.0009765625KiB"), 1u);
}

TEST(ParseSize, RejectsDecimalUnitsWithTheBinaryOne) {
  EXPECT_EQ(size_error("4MB"), "\"MB\" is not a binary unit; write MiB (1MiB = 1048576 bytes)");
  EXPECT_EQ(size_error("4KB"), "\"KB\" is not a binary unit; write KiB (1KiB = 1024 bytes)");
  EXPECT_EQ(size_error("2GB"), "\"GB\" is not a binary unit; write GiB (1GiB = 1073741824 bytes)");
  EXPECT_EQ(size_error("1TB"),
            "\"TB\" is not a binary unit; write TiB (1TiB = 1099511627776 bytes)");
  EXPECT_EQ(size_error("4k"), "\"k\" is not a binary unit; write KiB (1KiB = 1024 bytes)");
  EXPECT_EQ(size_error("4M"), "\"M\" is not a binary unit; write MiB (1MiB = 1048576 bytes)");
}

TEST(ParseSize, RejectsOtherUnitsNegativesInexactAndOverflow) {
  EXPECT_EQ(size_error("4mib"), "unknown unit \"mib\"; did you mean \"MiB\"?");
  EXPECT_EQ(size_error("4bytes"), "unknown unit \"bytes\"; did you mean \"B\"?");
  EXPECT_EQ(size_error("4PiB"), "unknown unit \"PiB\"; use B, KiB, MiB, GiB or TiB");
  EXPECT_EQ(size_error("-1KiB"), "must not be negative");
  EXPECT_EQ(size_error("1.1KiB"), "1.1KiB is not a whole number of bytes");
  EXPECT_EQ(size_error("1.5"), "1.5 is not a whole number of bytes");
  EXPECT_EQ(size_error("16777216TiB"), "too large for 64 bits");
  EXPECT_EQ(size_error("18446744073709551616"), "too large for 64 bits");
  EXPECT_EQ(size_of("18446744073709551615"), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(size_error("big"), "");
}

TEST(FormatDuration, PrintsTheShortestExactText) {
  EXPECT_EQ(format_duration(Duration::zero()), "0s");
  EXPECT_EQ(format_duration(nanoseconds(7)), "7ns");
  EXPECT_EQ(format_duration(microseconds(50)), "50us");
  EXPECT_EQ(format_duration(microseconds(1500)), "1.5ms");
  EXPECT_EQ(format_duration(milliseconds(600)), "600ms");  // not "0.6s": no "0." forms
  EXPECT_EQ(format_duration(seconds(10)), "10s");
  EXPECT_EQ(format_duration(seconds(60)), "1m");
  EXPECT_EQ(format_duration(seconds(90)), "90s");
  EXPECT_EQ(format_duration(minutes(150)), "2.5h");  // ties go to the larger unit
  EXPECT_EQ(format_duration(hours(3)), "3h");
  EXPECT_EQ(format_duration(nanoseconds(1'000'000'001)), "1.000000001s");  // a tie: larger unit
}

TEST(FormatDuration, RoundTripsThroughParse) {
  for (std::int64_t ns : std::initializer_list<std::int64_t>{
           1, 999, 1'500, 123'456'789, 60'000'000'000, 5'400'000'000'000,
           std::numeric_limits<std::int64_t>::max()}) {
    EXPECT_EQ(duration_of(format_duration(nanoseconds(ns))), nanoseconds(ns)) << ns;
  }
}

TEST(FormatSize, PrintsTheShortestExactText) {
  EXPECT_EQ(format_size(0), "0B");
  EXPECT_EQ(format_size(1000), "1000B");
  EXPECT_EQ(format_size(1024), "1KiB");
  EXPECT_EQ(format_size(64 * kKiB), "64KiB");
  EXPECT_EQ(format_size(1610612736), "1.5GiB");
  EXPECT_EQ(format_size(1536), "1536B");  // shorter than "1.5KiB"
  EXPECT_EQ(format_size(3 * kMiB / 2), "1.5MiB");
  EXPECT_EQ(format_size(2 * kTiB), "2TiB");
  EXPECT_EQ(format_size(1025), "1025B");
}

TEST(FormatSize, RoundTripsThroughParse) {
  for (std::uint64_t bytes :
       {std::uint64_t{1}, std::uint64_t{1023}, std::uint64_t{1536}, std::uint64_t{3} * kGiB + 512,
        std::uint64_t{5} * kTiB / 4, std::numeric_limits<std::uint64_t>::max()}) {
    EXPECT_EQ(size_of(format_size(bytes)), bytes) << bytes;
  }
}

TEST(ParseCount, AcceptsWholeNumbersOnly) {
  EXPECT_EQ(parse_count("1024").value, 1024u);
  EXPECT_EQ(parse_count("1.5").error, "must be a whole number without a unit");
  EXPECT_EQ(parse_count("10k").error, "must be a whole number without a unit");
  EXPECT_EQ(parse_count("-3").error, "must not be negative");
  EXPECT_EQ(parse_count("many").error, "");
  EXPECT_FALSE(parse_count("many"));
}

TEST(ParseNumber, AcceptsFiniteDecimals) {
  EXPECT_EQ(parse_number("1.82").value, 1.82);
  EXPECT_EQ(parse_number("1e-3").value, 0.001);
  EXPECT_EQ(parse_number("-2").value, -2.0);
  EXPECT_FALSE(parse_number("inf"));
  EXPECT_FALSE(parse_number("nan"));
  EXPECT_FALSE(parse_number("1.5x"));
  EXPECT_FALSE(parse_number(""));
  EXPECT_EQ(format_number(1.82), "1.82");
  EXPECT_EQ(format_number(10), "10");
  EXPECT_EQ(format_number(0.25), "0.25");
}

TEST(ParseBool, AcceptsTheYamlSpellings) {
  for (std::string_view yes : {"true", "yes", "on"}) EXPECT_EQ(parse_bool(yes).value, true);
  for (std::string_view no : {"false", "no", "off"}) EXPECT_EQ(parse_bool(no).value, false);
  EXPECT_FALSE(parse_bool("maybe"));
  EXPECT_FALSE(parse_bool("1"));
}

TEST(ParseAddress, AcceptsHostPortAndBracketedIpv6) {
  EXPECT_EQ(parse_address("127.0.0.1:7400").value, (Address{"127.0.0.1", 7400}));
  EXPECT_EQ(parse_address("localhost:80").value, (Address{"localhost", 80}));
  EXPECT_EQ(parse_address("[::1]:7400").value, (Address{"::1", 7400}));
  EXPECT_EQ(parse_address("[::]:0").value, (Address{"::", 0}));
  EXPECT_EQ(parse_address("[fe80::1%eth0]:65535").value, (Address{"fe80::1%eth0", 65535}));
}

TEST(ParseAddress, RejectsWithAReason) {
  EXPECT_EQ(parse_address("localhost").error, "\"localhost\" has no port");
  EXPECT_EQ(parse_address(":7400").error,
            "no host; write 0.0.0.0:PORT or [::]:PORT to listen on every interface");
  EXPECT_EQ(parse_address("::1:7400").error,
            "put an IPv6 address in brackets, like \"[::1]:7400\"");
  EXPECT_EQ(parse_address("[::1:7400").error, "missing \"]\" after the IPv6 address");
  EXPECT_EQ(parse_address("[::1]7400").error, "expected \":port\" after \"]\"");
  EXPECT_EQ(parse_address("host:70000").error,
            "the port must be a number from 0 to 65535, got \"70000\"");
  EXPECT_EQ(parse_address("host:").error, "the port must be a number from 0 to 65535, got \"\"");
  EXPECT_EQ(parse_address("host:+80").error,
            "the port must be a number from 0 to 65535, got \"+80\"");
  EXPECT_EQ(parse_address("my host:80").error, "invalid character ' ' in host \"my host\"");
  EXPECT_FALSE(parse_address(""));
}

TEST(FormatAddress, BracketsIpv6) {
  EXPECT_EQ((Address{"::1", 7400}).to_string(), "[::1]:7400");
  EXPECT_EQ((Address{"127.0.0.1", 9464}).to_string(), "127.0.0.1:9464");
}

}  // namespace
}  // namespace lull::config
