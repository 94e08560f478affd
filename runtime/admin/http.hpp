#pragma once
// The HTTP-shaped pieces every route shares: the request target split into a
// path and URL-decoded query, JSON bodies and the uniform error body
// {"error": "<message naming what was wrong>"}. Pure.

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "runtime/admin/admin_api.hpp"
#include "runtime/core/ascii.hpp"  // iequals: keywords compare as on a VCS
#include "runtime/core/result.hpp"
#include "runtime/core/time.hpp"

namespace tandem::admin {

// Keys keep the order they were written in, so a reader sees "SystemUnit"
// before "Cluster" as the code lays them out.
using Json = nlohmann::ordered_json;

inline constexpr std::size_t kMaxQueryParameters = 16;

struct Target {
  std::string path;                          // "/api/v1/configuration", not decoded
  std::map<std::string, std::string> query;  // names and values URL-decoded
};

// Decodes %XX and '+' (a space, as HTML forms send it). Errors name the bad escape.
Result<std::string> url_decode(std::string_view text);
// Splits "path?a=1&b=2". Errors: bad percent-encoding, a parameter given twice,
// more than kMaxQueryParameters.
Result<Target> parse_target(std::string_view target);

// `json` as compact text; invalid UTF-8 in stored text is replaced, never thrown on.
std::string to_text(const Json& json);
Response json_response(int status, const Json& body);
Response error_response(int status, std::string_view message);

// "2026-01-01T00:00:00Z" (seconds; UTC), as every timestamp in the API.
std::string iso8601(WallTime at);

}  // namespace tandem::admin
