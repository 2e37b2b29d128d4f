// prometheus_api.h: GETs against a Prometheus server's HTTP API on 127.0.0.1 for the deploy
// tests: URL-encodes a PromQL query and undoes chunked transfer encoding (Go's net/http sends
// bodies over ~4 KiB chunked), which tests/support's http_get leaves as it came.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace lull::testing {

// The body of GET path on 127.0.0.1:port when the status is 200; nullopt otherwise.
std::optional<std::string> api_get(std::uint16_t port, const std::string& path);
// /api/v1/query?query=<expression, encoded>
std::string query_path(const std::string& expression);
// A chunked HTTP/1.1 body, joined; empty if it is malformed.
std::string dechunk(const std::string& body);

}  // namespace lull::testing
