#include "runtime/admin/http.hpp"

#include <cctype>
#include <cstdio>

namespace tandem::admin {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::string> url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] != '%') {
      out += text[i];
    } else {
      const int hi = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
      const int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return make_error("bad percent-encoding '" + std::string(text.substr(i, 3)) + "' at offset " + std::to_string(i) +
                          " of '" + std::string(text) + "': '%' must be followed by two hex digits");
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    }
  }
  return out;
}

Result<Target> parse_target(std::string_view target) {
  Target out;
  const std::size_t question = target.find('?');
  out.path = std::string(target.substr(0, question));
  if (question == std::string_view::npos) return out;
  std::string_view rest = target.substr(question + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    if (out.query.size() == kMaxQueryParameters) {
      return make_error("the query has more than " + std::to_string(kMaxQueryParameters) + " parameters");
    }
    const std::size_t eq = pair.find('=');
    auto name = url_decode(pair.substr(0, eq));
    if (!name) return name.error();
    auto value = url_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!value) return value.error();
    if (!out.query.emplace(*name, *value).second) return make_error("query parameter '" + *name + "' is given twice");
  }
  return out;
}

std::string to_text(const Json& json) { return json.dump(-1, ' ', false, Json::error_handler_t::replace); }

Response json_response(int status, const Json& body) { return Response{status, to_text(body), {}}; }

Response error_response(int status, std::string_view message) {
  return json_response(status, Json{{"error", message}});
}

std::string iso8601(WallTime at) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(at);
  const auto day = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day date(day);
  const std::chrono::hh_mm_ss time(seconds - day);
  char text[32];
  std::snprintf(text, sizeof(text), "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()));
  return text;
}

}  // namespace tandem::admin
