// loader.cc: YAML text (or a file) to a validated Config: read, parse with yaml-cpp, decode
// each top-level section through the settings table (schema.h), then check across keys
// (validate.h). Every error is collected; a Config is returned only when there is none.
#include "config/loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml-cpp/eventhandler.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "config/internal/schema.h"
#include "config/internal/validate.h"
#include "config/internal/yaml_walk.h"

namespace lull::config {
namespace {

using internal::DecodeContext;
using internal::Position;

std::string_view line_of(std::string_view text, int zero_based_line) {
  for (int i = 0; i < zero_based_line; ++i) {
    const std::size_t newline = text.find('\n');
    if (newline == std::string_view::npos) return {};
    text.remove_prefix(newline + 1);
  }
  return text.substr(0, text.find('\n'));
}

// yaml-cpp's messages name the parser's state ("end of map not found"); two common causes
// deserve a plainer word.
std::string syntax_hint(std::string_view line) {
  const std::size_t indent_end = line.find_first_not_of(" \t");
  if (line.substr(0, indent_end).find('\t') != std::string_view::npos) {
    return "; indent with spaces: YAML does not allow tabs";
  }
  const std::size_t bracket = line.find('[');
  if (bracket != std::string_view::npos && line.find("]:", bracket) != std::string_view::npos) {
    return "; quote an IPv6 address: \"[::1]:7400\"";
  }
  return {};
}

// Where yaml-cpp gets stuck on `yaml`, if it does. yaml-cpp 0.7 (Debian 12) does not consume a
// token that cannot start a node at the top level (a stray ',': ",3[]"): every
// HandleNextDocument returns another empty document at that same token, and YAML::LoadAll
// collects them until memory runs out (jbeder/yaml-cpp#1040, fixed upstream by PR 1319; found
// by tests/fuzz). This pass only notes where each document starts: every real document
// consumes at least one token, so two starting at one place are that stuck token.
std::optional<YAML::Mark> stuck_token(std::string_view yaml) {
  struct DocumentStarts : YAML::EventHandler {
    std::optional<YAML::Mark> previous, stuck;
    void OnDocumentStart(const YAML::Mark& mark) override {
      if (previous && previous->pos == mark.pos) stuck = mark;
      previous = mark;
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
  } starts;
  std::istringstream stream{std::string(yaml)};
  YAML::Parser parser(stream);
  while (!starts.stuck && parser.HandleNextDocument(starts)) {
  }
  return starts.stuck;
}

void decode_root(const YAML::Node& root, DecodeContext& ctx, Config& config) {
  const std::vector<std::string_view> known = internal::section_keys();
  if (root.IsNull()) return;  // an empty file, or only comments: every default
  if (!root.IsMap()) {
    ctx.error(internal::position_of(root), "",
              "expected a map of sections (" + internal::join_choices(known, ", ") + "), got " +
                  internal::describe(root));
    return;
  }
  for (const internal::Entry& entry : internal::map_entries(root, "", ctx)) {
    const internal::Section* section = nullptr;
    for (const internal::Section& s : internal::sections()) {
      if (s.key == entry.key) section = &s;
    }
    if (section == nullptr) {
      ctx.error(entry.key_position, entry.path,
                internal::unknown_key_message(entry.key, known, "the top level"));
    } else {
      section->decode(entry, ctx, config);
    }
  }
}

}  // namespace

LoadResult load_config_string(std::string_view yaml, std::string_view file_name) {
  DecodeContext ctx{std::string(file_name)};
  Config config;
  std::vector<YAML::Node> documents;
  try {
    if (const std::optional<YAML::Mark> stuck = stuck_token(yaml)) {
      const auto at = static_cast<std::size_t>(stuck->pos);
      ctx.error(internal::position_of(*stuck), "",
                "YAML syntax error: unexpected '" +
                    std::string(at < yaml.size() ? yaml.substr(at, 1) : "") + "'");
    } else {
      documents = YAML::LoadAll(std::string(yaml));
    }
  } catch (const YAML::ParserException& e) {
    ctx.error(internal::position_of(e.mark), "",
              "YAML syntax error: " + e.msg + syntax_hint(line_of(yaml, e.mark.line)));
  } catch (const YAML::Exception& e) {
    ctx.error(internal::position_of(e.mark), "", "YAML error: " + e.msg);
  }
  if (!documents.empty()) {
    decode_root(documents[0], ctx, config);
    if (documents.size() > 1) {
      ctx.error(internal::position_of(documents[1]), "",
                "a second YAML document starts here; lulld reads one");
    }
    internal::validate(config, ctx);
  }
  LoadResult result;
  result.errors = ctx.take_errors();
  if (result.errors.empty()) result.config = std::move(config);
  return result;
}

LoadResult load_config_file(const std::string& path) {
  auto fail = [&](int error) {
    LoadResult result;
    result.errors.push_back(ConfigError{
        path, 0, 0, "", "cannot read the config file: " + std::string(strerror(error))});
    return result;
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(errno);
  struct stat info {};
  if (::fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) {
    ::close(fd);
    return fail(EISDIR);
  }
  std::string text;
  char buffer[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      return fail(error);
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return load_config_string(text, path);
}

LoadResult load_default_config() {
  return load_config_string(default_config_text(), kBuiltinConfigName);
}

}  // namespace lull::config
