#pragma once
// The configuration schema: every item a peer can be configured with, in the
// VCS's own xConfiguration style ("H323 Gatekeeper TimeToLive"), with its type,
// range, default and scope. Pure: no Env, no storage.
//
// Tables are items with numbered placeholders, as on the VCS CLI: the pattern
// "Zones Zone [1..1000] Neighbor Peer [1..6] Address" covers the concrete path
// "Zones Zone 3 Neighbor Peer 2 Address". A concrete path names exactly one
// value; values are canonical strings (what xConfiguration prints).
//
// Scope follows the guide's "Peer-Specific Items": those are set on each peer
// and never replicated; everything else is made on the primary and replicated.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/result.hpp"

namespace tandem::config {

enum class Scope : std::uint8_t { Replicated, PeerSpecific };
std::string_view to_string(Scope scope);

enum class ValueType : std::uint8_t {
  Integer,  // decimal, within [min, max]
  Choice,   // one of `choices`, matched case-insensitively, stored as spelled there
  Text,     // up to max_length bytes of printable text
  Address,  // an IPv4 or IPv6 address, or a host name (RFC 1123), or empty
  Fqdn,     // a fully qualified domain name (at least two labels), or empty
  HostLabel,  // one DNS label (letters, digits, hyphens; no dots or spaces), or empty
};

struct ItemSpec {
  std::string pattern;  // "Zones Zone [1..1000] Name"
  ValueType type = ValueType::Text;
  Scope scope = Scope::Replicated;
  std::string default_value;
  std::int64_t min = 0;  // Integer
  std::int64_t max = 0;
  std::vector<std::string> choices;  // Choice
  std::size_t max_length = 255;      // Text
  bool multiline = false;            // Text: newlines allowed (PEM certificates)
  bool restart_required = false;     // a change takes effect only after a restart
  bool secret = false;               // never logged or shown in clear
};

// One numbered placeholder of a pattern: "[1..1000]".
struct IndexRange {
  int min = 1;
  int max = 1;
};

// A concrete path matched to its item: the spec and the indices it carries.
struct ResolvedPath {
  const ItemSpec* spec = nullptr;
  std::string path;          // canonical spelling: the pattern's words, decimal indices
  std::vector<int> indices;  // one per placeholder, in order
};

class Schema {
 public:
  // Adds an item; asserts the pattern is well formed and not already present.
  void add(ItemSpec spec);

  // Finds the item a concrete path names. Words match case-insensitively and
  // extra spaces are ignored, as on the VCS CLI. Errors name the path and say
  // which word or index did not fit.
  Result<ResolvedPath> resolve(std::string_view path) const;

  // The canonical form of `value` for the item at `path`, or an error naming
  // the item and the rule the value breaks.
  Result<std::string> validate(std::string_view path, std::string_view value) const;

  const std::vector<ItemSpec>& items() const { return items_; }
  std::size_t size() const { return items_.size(); }

 private:
  struct Parsed {
    std::vector<std::string> words;  // lower-cased; "" where a placeholder stands
    std::vector<IndexRange> ranges;
  };
  std::vector<ItemSpec> items_;
  std::vector<Parsed> parsed_;
  std::map<std::string, std::vector<std::size_t>, std::less<>> by_first_word_;  // lower-cased first word -> items
};

// The schema of a Tandem peer, modelled on VCS X8.9 (see vcs_schema.cpp).
const Schema& vcs_schema();

// Checks a value against an item spec (used by Schema::validate).
Result<std::string> check_value(const ItemSpec& spec, std::string_view path, std::string_view value);

}  // namespace tandem::config
