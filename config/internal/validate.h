// validate.h: the checks across keys that no single row of the settings table can make
// (gc limits in order, unique input names, no two listeners on one address, ...).
// Each reports at a key the file set, preferring the later of two, and skips keys whose value
// was already rejected (they hold defaults the user did not write).
#pragma once

#include "config/config.h"
#include "config/internal/yaml_walk.h"

namespace lull::config::internal {

void validate(const Config& config, DecodeContext& ctx);

}  // namespace lull::config::internal
