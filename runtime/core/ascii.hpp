#pragma once
// ASCII case folding for protocol text (SIP and HTTP tokens, DNS names,
// configuration words): byte-wise and locale-independent, unlike std::tolower,
// and one definition for every part of the peer and its tools.

#include <string>
#include <string_view>

namespace tandem {

constexpr char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

inline std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

}  // namespace tandem
