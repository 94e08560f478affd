#include "runtime/admin/configuration.hpp"

#include <cctype>
#include <charconv>
#include <map>

namespace tandem::admin {
namespace {

constexpr std::size_t kMaxPathWords = 16;
constexpr const char* kChangesShape = R"({"changes": [{"path": "...", "value": "..."}, ...]})";

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < s.size() && words.size() <= kMaxPathWords) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    const std::size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

// The canonical spelling of `word` where it stands against `pattern_word`
// ("[1..1000]" takes an index in range), or nullopt when it does not fit.
std::optional<std::string> fit(std::string_view pattern_word, std::string_view word) {
  if (pattern_word.starts_with('[')) {
    const std::size_t dots = pattern_word.find("..");
    int lo = 0, hi = 0, n = 0;
    std::from_chars(pattern_word.data() + 1, pattern_word.data() + dots, lo);
    std::from_chars(pattern_word.data() + dots + 2, pattern_word.data() + pattern_word.size() - 1, hi);
    const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), n);
    if (ec != std::errc() || end != word.data() + word.size() || n < lo || n > hi) return std::nullopt;
    return std::to_string(n);
  }
  if (!iequals(pattern_word, word)) return std::nullopt;
  return std::string(pattern_word);
}

// The canonical prefix when `prefix` fits the first words of `path` (a pattern
// or a concrete path); nullopt otherwise.
std::optional<std::string> canonical_prefix(std::string_view path, const std::vector<std::string_view>& prefix) {
  const auto words = split_words(path);
  if (words.size() < prefix.size()) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    auto word = fit(words[i], prefix[i]);
    if (!word) return std::nullopt;
    out += (out.empty() ? "" : " ") + *word;
  }
  return out;
}

std::string shown(const config::ItemSpec& spec, std::string value) {
  return spec.secret ? std::string(kMaskedValue) : std::move(value);
}

bool has_placeholder(const config::ItemSpec& spec) { return spec.pattern.find('[') != std::string::npos; }

// Every stored item under `prefix`, then the defaults of untouched non-table items.
Result<std::map<std::string, std::string>> items_under(config::Store& store, const std::vector<std::string_view>& prefix) {
  std::map<std::string, std::string> out;
  for (config::Scope scope : {config::Scope::Replicated, config::Scope::PeerSpecific}) {
    auto stored = store.items(scope);
    if (!stored) return make_error("cannot read the configuration: " + stored.error().message);
    for (config::StoredItem& item : *stored) {
      if (!canonical_prefix(item.path, prefix)) continue;
      auto where = store.schema().resolve(item.path);
      if (where) out[item.path] = shown(*where->spec, std::move(item.value));
    }
  }
  for (const config::ItemSpec& spec : store.schema().items()) {
    if (!has_placeholder(spec) && canonical_prefix(spec.pattern, prefix)) out.try_emplace(spec.pattern, shown(spec, spec.default_value));
  }
  return out;
}

}  // namespace

Result<Json> read_configuration(config::Store& store, std::string_view path) {
  if (auto where = store.schema().resolve(path)) {
    auto value = store.get(where->path);
    if (!value) return value.error();
    return Json{{"path", where->path}, {"value", shown(*where->spec, std::move(*value))}};
  }
  const auto prefix = split_words(path);
  std::optional<std::string> canonical;
  if (!prefix.empty() && prefix.size() <= kMaxPathWords) {
    for (const config::ItemSpec& spec : store.schema().items()) {
      if ((canonical = canonical_prefix(spec.pattern, prefix))) break;
    }
  }
  if (!canonical) return store.schema().resolve(path).error();
  auto items = items_under(store, prefix);
  if (!items) return items.error();
  Json list = Json::array();
  for (auto& [item_path, value] : *items) {
    if (list.size() == kMaxItemsPerRead) break;
    list.push_back(Json{{"path", item_path}, {"value", std::move(value)}});
  }
  return Json{{"path", *canonical}, {"items", std::move(list)}, {"truncated", items->size() > kMaxItemsPerRead}};
}

Result<std::vector<config::Change>> parse_changes(std::string_view body) {
  const Json json = Json::parse(body, nullptr, false);
  if (json.is_discarded()) return make_error(std::string("the body is not valid JSON; expected ") + kChangesShape);
  if (!json.is_object() || !json.contains("changes") || !json["changes"].is_array()) {
    return make_error(std::string("the body must be ") + kChangesShape);
  }
  const Json& list = json["changes"];
  if (list.empty()) return make_error("'changes' is empty: nothing to configure");
  if (list.size() > kMaxChangesPerRequest) {
    return make_error("'changes' has " + std::to_string(list.size()) + " entries; at most " +
                      std::to_string(kMaxChangesPerRequest) + " per request");
  }
  std::vector<config::Change> changes;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Json& c = list[i];
    const std::string where = "changes[" + std::to_string(i) + "]";
    if (!c.is_object() || !c.contains("path") || !c["path"].is_string() || !c.contains("value")) {
      return make_error(where + " must be {\"path\": \"...\", \"value\": \"...\"}");
    }
    const Json& v = c["value"];
    if (!v.is_string() && !v.is_number_integer()) return make_error(where + ".value must be a string or a whole number");
    changes.push_back({c["path"].get<std::string>(), v.is_string() ? v.get<std::string>() : v.dump()});
  }
  return changes;
}

Result<Json> write_configuration(Peer& peer, const std::vector<config::Change>& changes, std::string_view actor) {
  const config::Schema& schema = peer.store().schema();
  std::map<std::string, std::string> before;  // canonical path -> value
  for (const config::Change& c : changes) {
    if (auto where = schema.resolve(c.path)) {
      if (auto value = peer.get(where->path)) before[where->path] = *value;
    }
  }
  auto changed = peer.configure(changes, actor);
  if (!changed) return changed.error();
  Json restart = Json::array();
  bool replicated = false;
  for (const auto& [path, old_value] : before) {
    auto where = schema.resolve(path);
    auto now = peer.get(path);
    if (!where || !now || *now == old_value) continue;
    replicated = replicated || where->spec->scope == config::Scope::Replicated;
    if (where->spec->restart_required) restart.push_back(path);
  }
  Json out{{"changed", *changed}, {"restart_required", std::move(restart)}};
  const auto* replication = peer.replication();
  if (replicated && replication && !replication->is_primary()) {
    out["warning"] = "this peer is a subordinate: the configuration primary (peer " + std::to_string(peer.settings().primary) +
                     ") will overwrite replicated items; make cluster-wide changes there";
  }
  return out;
}

}  // namespace tandem::admin
