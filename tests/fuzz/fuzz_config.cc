// fuzz_config.cc: the YAML config loader on any bytes, as lulld reads a --config file or a
// SIGHUP reload. Properties: no crash, hang or escaping exception; a config exactly when there
// are no errors; every error printable with a position inside the text; and an accepted config
// written back by to_yaml loads again, without errors, into the same config.
#include <string>
#include <string_view>

#include "config/loader.h"
#include "tests/fuzz/targets.h"

namespace lull::fuzz {

int fuzz_config_one(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const config::LoadResult result = config::load_config_string(text, "fuzz.yaml");
  LULL_FUZZ_CHECK(result.ok() == result.errors.empty(), "a config and errors, or neither");
  for (const config::ConfigError& error : result.errors) {
    LULL_FUZZ_CHECK(!error.to_string().empty() && !error.message.empty(), "an empty error");
    LULL_FUZZ_CHECK(error.line >= 0 && error.column >= 0, "a negative error position");
  }
  (void)result.error_text();
  if (!result.ok()) return 0;

  const std::string normalized = config::to_yaml(*result.config);
  const config::LoadResult again = config::load_config_string(normalized, "to_yaml");
  LULL_FUZZ_CHECK(again.ok(), (normalized + again.error_text()).c_str());
  LULL_FUZZ_CHECK(*again.config == *result.config, normalized.c_str());
  return 0;
}

}  // namespace lull::fuzz
