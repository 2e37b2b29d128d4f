// units.cc: exact parsing and shortest formatting of durations, sizes, counts, numbers, booleans
// and addresses. Decimal text is scaled with 128-bit integers, never through a double, so that
// "1.5GiB" is exactly 1610612736 bytes and "0.1s" exactly 100000000ns.
#include "config/units.h"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>

namespace lull::config {
namespace {

using U128 = unsigned __int128;

struct Unit {
  std::string_view name;
  std::uint64_t factor;  // in the base unit: ns or bytes
};

// Ordered small to large; the formatter breaks ties of length toward the larger unit.
constexpr std::array<Unit, 6> kDurationUnits{{{"ns", 1},
                                              {"us", 1'000},
                                              {"ms", 1'000'000},
                                              {"s", 1'000'000'000},
                                              {"m", 60'000'000'000},
                                              {"h", 3'600'000'000'000}}};
constexpr std::array<Unit, 5> kSizeUnits{
    {{"B", 1}, {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}, {"TiB", 1ull << 40}}};

// More fraction digits than this cannot be exact for any factor above (2^-40 aside, which
// nobody writes), and keeps (integer * 10^k + fraction) * factor inside 128 bits.
constexpr std::size_t kMaxFractionDigits = 18;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// "1.5ms" split into "1", "5" and "ms". Fails with an empty error for text that does not start
// with a digit, so the caller's "expected a ... like ..." stands alone.
struct NumberText {
  std::string_view integer;
  std::string_view fraction;
  std::string_view unit;
};

bool split_number(std::string_view text, NumberText* out, std::string* error) {
  text = trim(text);
  if (!text.empty() && text.front() == '-' && text.size() > 1 && is_digit(text[1])) {
    *error = "must not be negative";
    return false;
  }
  if (text.empty() || !is_digit(text.front())) return false;
  std::size_t i = 0;
  while (i < text.size() && is_digit(text[i])) ++i;
  out->integer = text.substr(0, i);
  if (i < text.size() && text[i] == '.') {
    std::size_t start = ++i;
    while (i < text.size() && is_digit(text[i])) ++i;
    if (i == start) {
      *error = "expected digits after the decimal point";
      return false;
    }
    out->fraction = text.substr(start, i - start);
  }
  out->unit = trim(text.substr(i));
  return true;
}

enum class Scaled { kOk, kTooLarge, kInexact };

// value = (integer + fraction) * factor, exactly, and at most `max`.
Scaled scale(const NumberText& number, std::uint64_t factor, std::uint64_t max,
             std::uint64_t* value) {
  std::string_view integer = number.integer;
  while (integer.size() > 1 && integer.front() == '0') integer.remove_prefix(1);
  std::string_view fraction = number.fraction;
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  if (integer.size() > 20) return Scaled::kTooLarge;
  if (fraction.size() > kMaxFractionDigits) return Scaled::kInexact;
  U128 whole = 0;
  for (char c : integer) whole = whole * 10 + static_cast<unsigned>(c - '0');
  if (whole > max / factor) return Scaled::kTooLarge;
  U128 power = 1;
  U128 part = 0;
  for (char c : fraction) {
    power *= 10;
    part = part * 10 + static_cast<unsigned>(c - '0');
  }
  U128 scaled = (whole * power + part) * factor;
  if (scaled % power != 0) return Scaled::kInexact;
  scaled /= power;
  if (scaled > max) return Scaled::kTooLarge;
  *value = static_cast<std::uint64_t>(scaled);
  return Scaled::kOk;
}

template <std::size_t N>
const Unit* find_unit(const std::array<Unit, N>& units, std::string_view name) {
  for (const Unit& unit : units) {
    if (unit.name == name) return &unit;
  }
  return nullptr;
}

template <std::size_t N>
std::string unit_list(const std::array<Unit, N>& units) {
  std::string out;
  for (std::size_t i = 0; i < N; ++i) {
    if (i > 0) out += i + 1 == N ? " or " : ", ";
    out += units[i].name;
  }
  return out;
}

// A unit a user may plausibly have meant by `name`, for "did you mean" hints.
std::string_view duration_hint(std::string_view name) {
  const std::string l = lower(name);
  for (const Unit& unit : kDurationUnits) {
    if (l == unit.name) return unit.name;
  }
  if (l == "sec" || l == "secs" || l == "second" || l == "seconds") return "s";
  if (l == "min" || l == "mins" || l == "minute" || l == "minutes") return "m";
  if (l == "hr" || l == "hrs" || l == "hour" || l == "hours") return "h";
  if (l == "msec" || l == "msecs" || l == "millisecond" || l == "milliseconds") return "ms";
  if (l == "usec" || l == "usecs" || l == "\xc2\xb5s" || l == "\xce\xbcs") return "us";
  if (l == "nsec" || l == "nsecs" || l == "nanosecond" || l == "nanoseconds") return "ns";
  return {};
}

// Most decimal-looking size units mean the binary one to their writer; say which to write.
std::string_view size_binary_for_decimal(std::string_view name) {
  const std::string l = lower(name);
  if (l == "k" || l == "kb") return "KiB";
  if (l == "m" || l == "mb") return "MiB";
  if (l == "g" || l == "gb") return "GiB";
  if (l == "t" || l == "tb") return "TiB";
  return {};
}

std::string_view size_hint(std::string_view name) {
  const std::string l = lower(name);
  for (const Unit& unit : kSizeUnits) {
    if (l == lower(unit.name)) return unit.name;
  }
  if (l == "byte" || l == "bytes") return "B";
  return {};
}

std::string digits(U128 value) {
  if (value == 0) return "0";
  std::string out;
  while (value > 0) {
    out.insert(out.begin(), static_cast<char>('0' + static_cast<unsigned>(value % 10)));
    value /= 10;
  }
  return out;
}

// The shortest exact decimal of `value` in one of `units` with an integer part >= 1.
template <std::size_t N>
std::string format_exact(std::uint64_t value, const std::array<Unit, N>& units) {
  std::string best;
  for (std::size_t i = N; i-- > 0;) {
    const std::uint64_t factor = units[i].factor;
    if (value < factor) continue;
    const std::uint64_t remainder = value % factor;
    std::string text = digits(value / factor);
    if (remainder != 0) {
      U128 power = 1;
      std::size_t places = 0;
      while (places < 20 && (U128{remainder} * power) % factor != 0) {
        power *= 10;
        ++places;
      }
      if ((U128{remainder} * power) % factor != 0) continue;
      std::string fraction = digits(U128{remainder} * power / factor);
      text += '.';  // appended piece by piece, see quoted()
      text.append(places - fraction.size(), '0');
      text += fraction;
    }
    text += units[i].name;
    if (best.empty() || text.size() < best.size()) best = std::move(text);
  }
  return best;
}

}  // namespace

std::string quoted(std::string_view text) {
  // Not `"\"" + std::string(text)`: g++ 12 -O2 reports a false -Wrestrict for that (GCC bug
  // 105329).
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  out += text;
  out += '"';
  return out;
}

Parsed<Duration> parse_duration(std::string_view text) {
  Parsed<Duration> result;
  NumberText number;
  if (!split_number(text, &number, &result.error)) return result;
  if (number.unit.empty()) {
    if (number.fraction.empty() && number.integer.find_first_not_of('0') == std::string::npos) {
      result.value = Duration::zero();  // "0" needs no unit to be clear
    } else {
      result.error = quoted(trim(text)) + " has no unit (" + unit_list(kDurationUnits) + ")";
    }
    return result;
  }
  const Unit* unit = find_unit(kDurationUnits, number.unit);
  if (unit == nullptr) {
    result.error = "unknown unit " + quoted(number.unit);
    if (std::string_view hint = duration_hint(number.unit); !hint.empty()) {
      result.error += "; did you mean " + quoted(hint) + "?";
    } else if (lower(number.unit) == "d" || lower(number.unit) == "days") {
      result.error += "; write days in hours, like \"24h\"";
    } else {
      result.error += "; use " + unit_list(kDurationUnits);
    }
    return result;
  }
  std::uint64_t ns = 0;
  switch (scale(number, unit->factor, std::numeric_limits<std::int64_t>::max(), &ns)) {
    case Scaled::kOk: result.value = Duration(static_cast<std::int64_t>(ns)); break;
    case Scaled::kTooLarge: result.error = "too large; the most is 2562047h"; break;
    case Scaled::kInexact:
      result.error = std::string(trim(text)) + " is not a whole number of nanoseconds";
      break;
  }
  return result;
}

Parsed<std::uint64_t> parse_size(std::string_view text) {
  Parsed<std::uint64_t> result;
  NumberText number;
  if (!split_number(text, &number, &result.error)) return result;
  const Unit* unit = number.unit.empty() ? &kSizeUnits[0] : find_unit(kSizeUnits, number.unit);
  if (unit == nullptr) {
    if (std::string_view binary = size_binary_for_decimal(number.unit); !binary.empty()) {
      const std::uint64_t bytes = find_unit(kSizeUnits, binary)->factor;
      result.error = quoted(number.unit) + " is not a binary unit; write " + std::string(binary) +
                     " (1" + std::string(binary) + " = " + std::to_string(bytes) + " bytes)";
    } else if (std::string_view hint = size_hint(number.unit); !hint.empty()) {
      result.error = "unknown unit " + quoted(number.unit) + "; did you mean " + quoted(hint) + "?";
    } else {
      result.error = "unknown unit " + quoted(number.unit) + "; use " + unit_list(kSizeUnits);
    }
    return result;
  }
  std::uint64_t bytes = 0;
  switch (scale(number, unit->factor, std::numeric_limits<std::uint64_t>::max(), &bytes)) {
    case Scaled::kOk: result.value = bytes; break;
    case Scaled::kTooLarge: result.error = "too large for 64 bits"; break;
    case Scaled::kInexact:
      result.error = std::string(trim(text)) + " is not a whole number of bytes";
      break;
  }
  return result;
}

Parsed<std::uint64_t> parse_count(std::string_view text) {
  Parsed<std::uint64_t> result;
  NumberText number;
  if (!split_number(text, &number, &result.error)) return result;
  if (!number.fraction.empty() || !number.unit.empty()) {
    result.error = "must be a whole number without a unit";
    return result;
  }
  std::uint64_t value = 0;
  if (scale(number, 1, std::numeric_limits<std::uint64_t>::max(), &value) != Scaled::kOk) {
    result.error = "too large for 64 bits";
    return result;
  }
  result.value = value;
  return result;
}

Parsed<double> parse_number(std::string_view text) {
  Parsed<double> result;
  text = trim(text);
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range) {
    result.error = "out of the range of a double";
  } else if (ec == std::errc() && end == text.data() + text.size() && std::isfinite(value)) {
    result.value = value;
  }
  return result;
}

Parsed<bool> parse_bool(std::string_view text) {
  Parsed<bool> result;
  text = trim(text);
  if (text == "true" || text == "yes" || text == "on") result.value = true;
  if (text == "false" || text == "no" || text == "off") result.value = false;
  return result;
}

Parsed<Address> parse_address(std::string_view text) {
  Parsed<Address> result;
  text = trim(text);
  if (text.empty()) return result;
  std::string_view host;
  std::string_view port;
  if (text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) {
      result.error = "missing \"]\" after the IPv6 address";
      return result;
    }
    host = text.substr(1, close - 1);
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      result.error = "expected \":port\" after \"]\"";
      return result;
    }
    port = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      result.error = quoted(text) + " has no port";
      return result;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      result.error = "put an IPv6 address in brackets, like \"[::1]:7400\"";
      return result;
    }
  }
  if (host.empty()) {
    result.error = "no host; write 0.0.0.0:PORT or [::]:PORT to listen on every interface";
    return result;
  }
  for (char c : host) {
    const bool ok = is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
                    c == '-' || c == '_' || c == ':' || c == '%';
    if (!ok) {
      result.error = "invalid character '" + std::string(1, c) + "' in host " + quoted(host);
      return result;
    }
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535 ||
      !is_digit(port.front())) {
    result.error = "the port must be a number from 0 to 65535, got " + quoted(port);
    return result;
  }
  result.value = Address{std::string(host), static_cast<std::uint16_t>(value)};
  return result;
}

std::string format_duration(Duration duration) {
  if (duration <= Duration::zero()) return "0s";
  return format_exact(static_cast<std::uint64_t>(duration.count()), kDurationUnits);
}

std::string format_size(std::uint64_t bytes) {
  if (bytes == 0) return "0B";
  return format_exact(bytes, kSizeUnits);
}

std::string format_number(double value) {
  std::array<char, 64> buffer{};
  auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  if (ec != std::errc()) return "0";
  return std::string(buffer.data(), end);
}

}  // namespace lull::config
