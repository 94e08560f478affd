#pragma once
// xConfiguration over the API: reading one item or every item under a prefix
// (secrets shown as "***"), and writing a batch of changes through
// Peer::configure, all or nothing.

#include <string_view>
#include <vector>

#include "runtime/admin/http.hpp"
#include "runtime/peer.hpp"

namespace tandem::admin {

inline constexpr std::string_view kMaskedValue = "***";
inline constexpr std::size_t kMaxChangesPerRequest = 1000;
inline constexpr std::size_t kMaxItemsPerRead = 5000;

// `path` names one item -> {"path": canonical, "value": v}. `path` is a prefix
// of item paths ("H323", "Zones Zone 3") -> {"path": canonical prefix,
// "items": [{"path", "value"}...], "truncated": bool}: every stored item and
// every non-table default under it, sorted by path. An error (the schema's
// message) when `path` is neither.
Result<Json> read_configuration(config::Store& store, std::string_view path);

// {"changes": [{"path": "...", "value": "..."}...]}: a value may be a string or
// a whole number. Errors say what was expected and where.
Result<std::vector<config::Change>> parse_changes(std::string_view body);

// Applies `changes` as `actor` -> {"changed": n, "restart_required": [paths]},
// plus a "warning" when a subordinate edits replicated items (the primary's
// values will overwrite them). An error (nothing written) names the refused
// item and rule.
Result<Json> write_configuration(Peer& peer, const std::vector<config::Change>& changes, std::string_view actor);

}  // namespace tandem::admin
