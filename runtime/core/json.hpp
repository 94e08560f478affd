#pragma once
// JSON string escaping for the JSON Lines the trace and logs are written in.

#include <string>
#include <string_view>

namespace tandem {

// `text` as the inside of a JSON string: quotes, backslashes and control
// characters escaped; other bytes (UTF-8 included) passed through.
std::string json_escape(std::string_view text);

inline std::string json_quote(std::string_view text) { return "\"" + json_escape(text) + "\""; }

}  // namespace tandem
