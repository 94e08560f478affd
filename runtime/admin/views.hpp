#pragma once
// Read-only JSON views of what a peer keeps: its active alarms, its event log
// and its configuration log. Timestamps are ISO-8601 UTC.

#include <cstddef>

#include "runtime/admin/http.hpp"
#include "runtime/cluster/alarms.hpp"
#include "runtime/config/store.hpp"

namespace tandem::admin {

inline constexpr std::size_t kDefaultLogLimit = 100;
inline constexpr std::size_t kMaxLogLimit = 1000;

std::string_view to_string(cluster::Severity severity);

// [{"id", "text", "severity", "action", "detail", "raised_at", "acknowledged"}...], in ID order.
Json alarms_json(const cluster::AlarmSet& alarms);

// The `limit` query value: absent -> kDefaultLogLimit; otherwise 1..kMaxLogLimit.
Result<std::size_t> parse_limit(const std::string* text);

// {"events": [{"id", "at", "kind", "detail"}...]}, newest first.
Result<Json> events_json(config::Store& store, std::size_t limit);
// {"entries": [{"id", "at", "actor", "path", "old_value", "new_value"}...]}, newest first; secrets masked by the store.
Result<Json> configlog_json(config::Store& store, std::size_t limit);

}  // namespace tandem::admin
