// prometheus_api.cc: percent-encoding and chunk decoding, nothing more.
#include "tests/deploy/prometheus_api.h"

#include <cctype>
#include <chrono>
#include <cstdio>

#include "tests/support/net.h"

namespace lull::testing {

std::optional<std::string> api_get(std::uint16_t port, const std::string& path) {
  auto response = http_get(port, path, std::chrono::seconds(5));
  if (!response || response->status != 200) return std::nullopt;
  std::string headers = response->headers;
  for (char& c : headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (headers.find("transfer-encoding: chunked") != std::string::npos)
    return dechunk(response->body);
  return response->body;
}

std::string query_path(const std::string& expression) {
  std::string path = "/api/v1/query?query=";
  for (unsigned char c : expression) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      path += static_cast<char>(c);
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", c);
      path += escaped;
    }
  }
  return path;
}

std::string dechunk(const std::string& body) {
  std::string joined;
  std::size_t at = 0;
  for (;;) {
    const std::size_t line_end = body.find("\r\n", at);
    if (line_end == std::string::npos) return "";
    std::size_t size = 0;
    try {
      size = std::stoul(body.substr(at, line_end - at), nullptr, 16);
    } catch (const std::exception&) {
      return "";
    }
    if (size == 0) return joined;
    at = line_end + 2;
    if (at + size > body.size()) return "";
    joined.append(body, at, size);
    at += size + 2;  // the chunk's trailing CRLF
  }
}

}  // namespace lull::testing
