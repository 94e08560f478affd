#include "runtime/config/schema.hpp"

#include "runtime/core/ascii.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "runtime/core/address.hpp"

namespace tandem::config {
namespace {

// `word` equals `lowered` (already lower case) ignoring case, without allocating:
// resolve() runs once per item of every replicated snapshot.
bool equals_lowered(std::string_view word, std::string_view lowered) {
  return word.size() == lowered.size() &&
         std::equal(word.begin(), word.end(), lowered.begin(), [](char a, char b) { return ascii_lower(a) == b; });
}

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    const std::size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

bool parse_int(std::string_view text, std::int64_t& out) {
  if (text.empty() || text.size() > 19) return false;
  const char* begin = text.data();
  if (*begin == '+') ++begin;
  const auto [end, ec] = std::from_chars(begin, text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// "[1..1000]" -> {1, 1000}; false if the word is not a placeholder.
bool parse_range(std::string_view word, IndexRange& range) {
  if (word.size() < 6 || word.front() != '[' || word.back() != ']') return false;
  const std::string_view inner = word.substr(1, word.size() - 2);
  const auto dots = inner.find("..");
  std::int64_t lo = 0, hi = 0;
  if (dots == std::string_view::npos || !parse_int(inner.substr(0, dots), lo) || !parse_int(inner.substr(dots + 2), hi)) {
    return false;
  }
  range = IndexRange{static_cast<int>(lo), static_cast<int>(hi)};
  return lo >= 0 && lo <= hi;
}

bool valid_host_name(std::string_view name, bool need_dot) {
  if (name.empty() || name.size() > 253) return false;
  std::size_t labels = 0;
  std::string_view last;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('.', start);
    if (end == std::string_view::npos) end = name.size();
    const std::string_view label = name.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (const char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    }
    ++labels;
    last = label;
    start = end + 1;
  }
  const bool numeric_tld = std::all_of(last.begin(), last.end(), [](unsigned char c) { return std::isdigit(c); });
  return !numeric_tld && (!need_dot || labels >= 2);
}

std::string join_choices(const std::vector<std::string>& choices) {
  std::string out;
  for (std::size_t i = 0; i < choices.size(); ++i) out += (i ? ", " : "") + choices[i];
  return out;
}

Error value_error(std::string_view path, std::string_view value, const std::string& rule) {
  return make_error(std::string(path) + ": '" + std::string(value) + "' " + rule);
}

}  // namespace

std::string_view to_string(Scope scope) { return scope == Scope::Replicated ? "replicated" : "peer-specific"; }

Result<std::string> check_value(const ItemSpec& spec, std::string_view path, std::string_view value) {
  switch (spec.type) {
    case ValueType::Integer: {
      std::int64_t n = 0;
      if (!parse_int(value, n)) return value_error(path, value, "is not a whole number");
      if (n < spec.min || n > spec.max) {
        return value_error(path, value, "is outside the range " + std::to_string(spec.min) + ".." + std::to_string(spec.max));
      }
      return std::to_string(n);
    }
    case ValueType::Choice:
      for (const std::string& choice : spec.choices) {
        if (ascii_lower(choice) == ascii_lower(value)) return choice;
      }
      return value_error(path, value, "is not one of " + join_choices(spec.choices));
    case ValueType::Text:
      if (value.size() > spec.max_length) {
        return make_error(std::string(path) + ": value is longer than " + std::to_string(spec.max_length) + " characters");
      }
      for (const char c : value) {
        if ((static_cast<unsigned char>(c) < 0x20 && !(spec.multiline && (c == '\n' || c == '\r'))) || c == 0x7f) {
          return make_error(std::string(path) + ": value contains a control character");
        }
      }
      return std::string(value);
    case ValueType::Address: {
      if (value.empty()) return std::string();
      if (auto ip = IpAddress::parse(value)) return ip->to_string();
      if (valid_host_name(value, false)) return ascii_lower(value);
      return value_error(path, value, "is neither an IP address nor a host name");
    }
    case ValueType::HostLabel:
      if (value.empty()) return std::string();
      if (value.find('.') == std::string_view::npos && valid_host_name(value, false)) return ascii_lower(value);
      return value_error(path, value, "is not a host name (one DNS label: letters, digits and hyphens, like peer1)");
    case ValueType::Fqdn:
      if (value.empty()) return std::string();
      if (valid_host_name(value, true)) return ascii_lower(value);
      return value_error(path, value, "is not a fully qualified domain name (like cluster1.example.com)");
  }
  return make_error(std::string(path) + ": unknown value type");
}

void Schema::add(ItemSpec spec) {
  Parsed parsed;
  for (std::string_view word : split_words(spec.pattern)) {
    IndexRange range;
    if (parse_range(word, range)) {
      parsed.words.emplace_back();
      parsed.ranges.push_back(range);
    } else {
      TANDEM_ASSERT(word.find_first_of("[]") == std::string_view::npos);
      parsed.words.push_back(ascii_lower(word));
    }
  }
  TANDEM_ASSERT(!parsed.words.empty() && !parsed.words.front().empty());  // a pattern starts with a word
  for (const Parsed& other : parsed_) TANDEM_ASSERT(other.words != parsed.words);
  by_first_word_[parsed.words.front()].push_back(items_.size());
  TANDEM_ASSERT(check_value(spec, spec.pattern, spec.default_value).ok());
  items_.push_back(std::move(spec));
  parsed_.push_back(std::move(parsed));
}

Result<ResolvedPath> Schema::resolve(std::string_view path) const {
  const std::vector<std::string_view> words = split_words(path);
  if (words.empty()) return make_error("empty configuration path");
  std::string best_error;
  std::size_t best_depth = 0;
  // Only patterns that start with the path's first word can match.
  const auto candidates = by_first_word_.find(ascii_lower(words.front()));
  if (candidates == by_first_word_.end()) return make_error("unknown configuration item '" + std::string(path) + "'");
  for (const std::size_t i : candidates->second) {
    const Parsed& p = parsed_[i];
    ResolvedPath resolved{&items_[i], {}, {}};
    std::size_t range = 0;
    std::size_t w = 0;
    std::string error;
    for (; w < p.words.size() && w < words.size(); ++w) {
      if (!p.words[w].empty()) {
        if (!equals_lowered(words[w], p.words[w])) break;
        continue;
      }
      std::int64_t n = 0;
      const IndexRange r = p.ranges[range++];
      if (!parse_int(words[w], n) || n < r.min || n > r.max) {
        error = "'" + std::string(words[w]) + "' is not an index in " + std::to_string(r.min) + ".." + std::to_string(r.max);
        break;
      }
      resolved.indices.push_back(static_cast<int>(n));
    }
    if (w == p.words.size() && w == words.size()) {
      // Canonical spelling: the pattern's words with the indices filled in.
      std::size_t k = 0;
      for (std::string_view word : split_words(items_[i].pattern)) {
        IndexRange ignored;
        resolved.path += (resolved.path.empty() ? "" : " ") +
                         (parse_range(word, ignored) ? std::to_string(resolved.indices[k++]) : std::string(word));
      }
      return resolved;
    }
    if (w > best_depth || (w == best_depth && best_error.empty() && !error.empty())) {
      best_depth = w;
      best_error = error;
    }
  }
  std::string message = "unknown configuration item '" + std::string(path) + "'";
  if (!best_error.empty()) message += ": " + best_error;
  return make_error(message);
}

Result<std::string> Schema::validate(std::string_view path, std::string_view value) const {
  auto resolved = resolve(path);
  if (!resolved) return resolved.error();
  return check_value(*resolved->spec, resolved->path, value);
}

}  // namespace tandem::config
