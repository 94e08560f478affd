#include "runtime/admin/views.hpp"

#include <charconv>

namespace tandem::admin {

std::string_view to_string(cluster::Severity severity) {
  switch (severity) {
    case cluster::Severity::Warning: return "Warning";
    case cluster::Severity::Error: return "Error";
    case cluster::Severity::Critical: return "Critical";
  }
  return "?";
}

Json alarms_json(const cluster::AlarmSet& alarms) {
  Json out = Json::array();
  for (const cluster::Alarm& alarm : alarms.list()) {
    const cluster::AlarmSpec& spec = cluster::alarm_spec(alarm.id);
    out.push_back(Json{{"id", static_cast<int>(alarm.id)},
                       {"text", spec.text},
                       {"severity", to_string(spec.severity)},
                       {"action", spec.action},
                       {"detail", alarm.detail},
                       {"raised_at", iso8601(alarm.raised_at)},
                       {"acknowledged", alarm.acknowledged}});
  }
  return out;
}

Result<std::size_t> parse_limit(const std::string* text) {
  if (!text) return kDefaultLogLimit;
  std::size_t limit = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
  if (ec != std::errc() || end != text->data() + text->size() || limit < 1 || limit > kMaxLogLimit) {
    return make_error("limit '" + *text + "' is not a whole number from 1 to " + std::to_string(kMaxLogLimit));
  }
  return limit;
}

Result<Json> events_json(config::Store& store, std::size_t limit) {
  auto events = store.events(limit);
  if (!events) return make_error("cannot read the event log: " + events.error().message);
  Json list = Json::array();
  for (const config::Event& e : *events) {
    list.push_back(Json{{"id", e.id}, {"at", iso8601(e.at)}, {"kind", e.kind}, {"detail", e.detail}});
  }
  return Json{{"events", std::move(list)}};
}

Result<Json> configlog_json(config::Store& store, std::size_t limit) {
  auto entries = store.log(limit);
  if (!entries) return make_error("cannot read the configuration log: " + entries.error().message);
  Json list = Json::array();
  for (const config::LogEntry& e : *entries) {
    list.push_back(Json{{"id", e.id},
                        {"at", iso8601(e.at)},
                        {"actor", e.actor},
                        {"path", e.path},
                        {"old_value", e.old_value},
                        {"new_value", e.new_value}});
  }
  return Json{{"entries", std::move(list)}};
}

}  // namespace tandem::admin
