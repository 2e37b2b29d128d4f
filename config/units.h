// units.h: the value syntaxes of lull's config, parsed and printed: durations ("250us", "1.5ms",
// "60s"), sizes in binary units ("4MiB", "1.5GiB"; a bare integer is bytes), plain counts and
// numbers, booleans, and addresses ("127.0.0.1:7400", "[::1]:7400").
// Parsing is exact: a value that is not a whole number of nanoseconds or bytes is rejected, not
// rounded, so what --print-config shows is exactly what runs. Formatting is the reverse.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"

namespace lull::config {

// The outcome of parsing one value. On failure `error` says why, for a user, to follow
// `expected a duration like "50us"; `; it is empty when the text is not even a number (the
// "expected ..." sentence says it all then).
template <class T>
struct Parsed {
  std::optional<T> value;
  std::string error;

  explicit operator bool() const { return value.has_value(); }
};

// Units: ns, us, ms, s, m (minutes), h. Decimals are fine when the result is a whole number of
// nanoseconds ("1.5ms", "0.25s"); negatives, a missing unit and more than ~292 years are not.
Parsed<Duration> parse_duration(std::string_view text);

// Units: B, KiB, MiB, GiB, TiB; no unit means bytes. Decimals are fine when exact to the byte
// ("1.5GiB"; "1.1KiB" is 1126.4 bytes and rejected). Decimal units (KB, MB, ...) are rejected
// with the binary unit to use instead, since "MB" is ambiguous and lull means 2^20.
Parsed<std::uint64_t> parse_size(std::string_view text);

// A whole number without unit or sign: "1024".
Parsed<std::uint64_t> parse_count(std::string_view text);

// A finite decimal number: "1.82", "0.25", "1e-3".
Parsed<double> parse_number(std::string_view text);

// true/false; yes/no and on/off too, which YAML 1.1 users write.
Parsed<bool> parse_bool(std::string_view text);

// host:port, or [ipv6]:port. The port may be 0 (the kernel picks one: for tests). The host must
// be explicit: "0.0.0.0" or "[::]" for every interface.
Parsed<Address> parse_address(std::string_view text);

// The shortest exact text, with an integer part of at least 1: 50us, 1.5ms, 600ms, 10s, 2m,
// 1.5h; zero is "0s". parse_duration(format_duration(d)) == d for every d >= 0.
std::string format_duration(Duration duration);

// The shortest exact text with a unit: 64KiB, 1.5GiB, 1000B; zero is "0B".
std::string format_size(std::uint64_t bytes);

// Shortest text that reads back as the same double: "1.82", "0.25", "10".
std::string format_number(double value);
// `text` in double quotes, as error messages show values.
std::string quoted(std::string_view text);

}  // namespace lull::config
