// error_test.cc: config/error.h and LoadResult's text: the formats --check-config prints.
#include "config/error.h"

#include <gtest/gtest.h>

#include "config/loader.h"

namespace lull::config {
namespace {

TEST(ConfigError, PrintsFileLineColumnKeyAndMessage) {
  ConfigError error{"lull.yaml", 12, 5, "gc.quantum", "expected a duration like \"50us\""};
  EXPECT_EQ(error.to_string(), "lull.yaml:12:5: gc.quantum: expected a duration like \"50us\"");
}

TEST(ConfigError, LeavesOutAMissingKeyPath) {
  ConfigError error{"lull.yaml", 3, 1, "", "YAML syntax error: illegal map value"};
  EXPECT_EQ(error.to_string(), "lull.yaml:3:1: YAML syntax error: illegal map value");
}

TEST(ConfigError, LeavesOutAMissingPosition) {
  ConfigError error{"/etc/lull.yaml", 0, 0, "", "cannot read the config file: Is a directory"};
  EXPECT_EQ(error.to_string(), "/etc/lull.yaml: cannot read the config file: Is a directory");
}

TEST(LoadResult, ErrorTextHasOneLinePerError) {
  LoadResult result;
  result.errors.push_back({"a.yaml", 1, 2, "gc", "one"});
  result.errors.push_back({"a.yaml", 3, 4, "", "two"});
  EXPECT_EQ(result.error_text(), "a.yaml:1:2: gc: one\na.yaml:3:4: two\n");
  EXPECT_FALSE(result.ok());
}

}  // namespace
}  // namespace lull::config
