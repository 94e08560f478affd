#include "runtime/daemon/ctl/ctl_render.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <map>

namespace tandem::ctl {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;
using Names = std::initializer_list<std::string_view>;

std::string dump(const Json& json, int indent = -1) {
  return json.dump(indent, ' ', false, Json::error_handler_t::replace);
}

// The first of `names` that `object` has, in any case; nullptr if none.
const Json* member(const Json& object, Names names) {
  if (!object.is_object()) return nullptr;
  for (const std::string_view name : names) {
    for (const auto& [key, value] : object.items()) {
      if (iequals(key, name)) return &value;
    }
  }
  return nullptr;
}

// The list in a reply: the reply itself, the first of `names` holding an
// array, or its only array member; nullptr if none of these.
const Json* rows_of(const Json& reply, Names names) {
  if (reply.is_array()) return &reply;
  if (const Json* named = member(reply, names); named && named->is_array()) return named;
  if (!reply.is_object()) return nullptr;
  const Json* only = nullptr;
  for (const auto& [key, value] : reply.items()) {
    if (!value.is_array()) continue;
    if (only) return nullptr;
    only = &value;
  }
  return only;
}

// A table cell: text as is, nothing for null, yes/no for booleans.
std::string cell(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
  return dump(value);
}

void flatten(const std::string& prefix, const Json& json, Pairs& out) {
  const auto under = [&](const std::string& word) { return prefix.empty() ? word : prefix + " " + word; };
  if (json.is_object()) {
    for (const auto& [key, value] : json.items()) flatten(under(key), value, out);
  } else if (json.is_array()) {
    for (std::size_t i = 0; i < json.size(); ++i) flatten(under(std::to_string(i + 1)), json[i], out);
  } else {
    out.emplace_back(prefix, format_value(json));
  }
}

Lines prefixed(std::string_view mark, const Pairs& pairs) {
  Lines lines;
  for (const auto& [key, value] : pairs) lines.push_back(std::string(mark) + (key.empty() ? "" : " " + key) + ": " + value);
  return lines;
}

Lines with_ok(Lines lines) {
  lines.emplace_back("OK");
  return lines;
}

// Columns: those of `leading` the rows have, in that order, then the rest in
// the order first met. The last column is not padded.
Lines table(const Json& rows, Names leading, std::string_view when_empty) {
  if (rows.empty()) return {std::string(when_empty)};
  std::vector<std::string> seen;
  for (const Json& row : rows) {
    if (!row.is_object()) return json_lines(rows);
    for (const auto& [key, value] : row.items()) {
      if (std::ranges::find(seen, key) == seen.end()) seen.push_back(key);
    }
  }
  std::vector<std::string> columns;
  for (const std::string_view name : leading) {
    const auto found = std::ranges::find_if(seen, [&](const std::string& key) { return iequals(key, name); });
    if (found != seen.end() && std::ranges::find(columns, *found) == columns.end()) columns.push_back(*found);
  }
  for (const std::string& key : seen) {
    if (std::ranges::find(columns, key) == columns.end()) columns.push_back(key);
  }
  std::vector<std::vector<std::string>> grid{columns};
  for (const Json& row : rows) {
    std::vector<std::string>& cells = grid.emplace_back();
    for (const std::string& column : columns) cells.push_back(row.contains(column) ? cell(row[column]) : "");
  }
  std::vector<std::size_t> widths(columns.size(), 0);
  for (const auto& cells : grid) {
    for (std::size_t c = 0; c < cells.size(); ++c) widths[c] = std::max(widths[c], cells[c].size());
  }
  Lines lines;
  for (const auto& cells : grid) {
    std::string line;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      line += cells[c];
      if (c + 1 < cells.size()) line += std::string(widths[c] - cells[c].size() + 2, ' ');
    }
    lines.push_back(line.substr(0, line.find_last_not_of(' ') + 1));
  }
  return lines;
}

bool passed(const Json& value) {
  if (value.is_boolean()) return value.get<bool>();
  if (!value.is_string()) return false;
  const std::string text = value.get<std::string>();
  return iequals(text, "pass") || iequals(text, "passed") || iequals(text, "ok") || iequals(text, "yes");
}

// An alarm on one line for watch: severity, text, (detail), acknowledged.
std::string alarm_summary(const Json& alarm) {
  std::string summary;
  const auto add = [&](const Json* value, std::string_view before, std::string_view after) {
    if (value && !value->is_null() && !cell(*value).empty()) {
      summary += (summary.empty() ? "" : " ") + std::string(before) + cell(*value) + std::string(after);
    }
  };
  add(member(alarm, {"severity", "level"}), "", "");
  add(member(alarm, {"title", "text", "description", "name"}), "", "");
  add(member(alarm, {"detail"}), "(", ")");
  if (const Json* ack = member(alarm, {"acknowledged"}); ack && passed(*ack)) summary += " [acknowledged]";
  return summary.empty() ? dump(alarm) : summary;
}

}  // namespace

std::string format_value(const Json& value) {
  if (value.is_null()) return "(none)";
  if (!value.is_string()) return dump(value);
  const std::string text = value.get<std::string>();
  const bool one_word = !text.empty() && std::ranges::none_of(text, [](char c) {
    return c == '"' || std::isspace(static_cast<unsigned char>(c));
  });
  return one_word ? text : "\"" + text + "\"";
}

Lines json_lines(const Json& json) {
  Lines lines;
  const std::string text = dump(json, 2);
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(text.substr(start, end - start));
  }
  lines.push_back(text.substr(start));
  return lines;
}

Lines render_status(std::string_view path, const Json& tree) {
  const std::string_view first = path.substr(0, path.find(' '));
  // {"Cluster": {...}} for `xStatus Cluster` carries its path already.
  const bool wrapped = !path.empty() && tree.is_object() && tree.size() == 1 && iequals(tree.begin().key(), first);
  Pairs pairs;
  flatten(wrapped ? "" : std::string(path), tree, pairs);
  return prefixed("*s", pairs);
}

Lines render_configuration(const Json& reply) {
  const Json single = Json::array({reply});
  // A prefix's reply has a "path" too (the canonical prefix): "items" decides.
  const Json* items = member(reply, {"value"}) && !member(reply, {"items"}) ? &single : rows_of(reply, {"items"});
  if (!items) return json_lines(reply);
  Lines lines;
  for (const Json& item : *items) {
    const Json* path = member(item, {"path"});
    const Json* value = member(item, {"value"});
    if (!path || !path->is_string() || !value) return json_lines(reply);
    lines.push_back("*c xConfiguration " + path->get<std::string>() + ": " + format_value(*value));
  }
  if (const Json* truncated = member(reply, {"truncated"}); truncated && *truncated == true) {
    lines.push_back("** Only the first " + std::to_string(items->size()) + " items are shown: give a longer prefix");
  }
  return lines;
}

Lines render_change_result(const Json& reply) {
  Lines lines;
  if (const Json* changed = member(reply, {"changed"}); changed && changed->is_number() && *changed == 0) {
    lines.emplace_back("** No change: the item already had that value");
  }
  if (const Json* restart = member(reply, {"restart_required"}); restart && restart->is_array()) {
    for (const Json& item : *restart) lines.push_back("** Restart required: " + cell(item));
  }
  if (const Json* warning = member(reply, {"warning"}); warning && !warning->is_null()) {
    lines.push_back("** Warning: " + cell(*warning));
  }
  return with_ok(std::move(lines));
}

Lines render_command_result(std::string_view name, const Json& reply) {
  Json shown = reply;
  for (auto it = shown.begin(); shown.is_object() && it != shown.end(); ++it) {
    if (iequals(it.key(), "command") && it->is_string() && iequals(it->get<std::string>(), name)) {
      shown.erase(it);
      break;
    }
  }
  Pairs pairs;
  if (!shown.is_null() && !(shown.is_object() && shown.empty())) flatten(std::string(name), shown, pairs);
  return with_ok(prefixed("*r", pairs));
}

Lines render_alarms(const Json& reply) {
  const Json* rows = rows_of(reply, {"alarms", "items"});
  if (!rows) return json_lines(reply);
  return table(*rows,
               {"id", "severity", "level", "state", "status", "acknowledged", "raised_at", "raised", "time",
                "title", "text", "description", "detail", "action"},
               "No alarms.");
}

Lines render_log(const Json& reply, CommandKind kind) {
  const bool events = kind == CommandKind::Events;
  const Json* rows = events ? rows_of(reply, {"events", "entries", "items"})
                            : rows_of(reply, {"configlog", "entries", "changes", "items"});
  if (!rows) return json_lines(reply);
  if (events) {
    return table(*rows, {"seq", "id", "time", "at", "timestamp", "when", "kind", "type", "detail"}, "No events.");
  }
  return table(*rows,
               {"seq", "id", "time", "at", "timestamp", "when", "actor", "user", "path", "old_value", "old",
                "new_value", "new"},
               "No configuration changes.");
}

Lines render_prerequisites(const Json& reply) {
  const Json* rows = rows_of(reply, {"items", "checks", "prerequisites"});
  if (!rows) return json_lines(reply);
  Lines lines;
  std::size_t failed = 0;
  for (const Json& row : *rows) {
    const Json* name = member(row, {"name", "check", "item"});
    const Json* ok = member(row, {"passed", "ok", "result", "status"});
    if (!name || !ok) return table(*rows, {"name", "passed", "detail"}, "No prerequisites.");
    const Json* detail = member(row, {"detail", "reason", "message"});
    const std::string why = detail && !cell(*detail).empty() ? ": " + cell(*detail) : "";
    lines.push_back((passed(*ok) ? "[ OK ] " : "[FAIL] ") + cell(*name) + (passed(*ok) ? "" : why));
    failed += passed(*ok) ? 0 : 1;
  }
  lines.push_back(failed == 0 ? "All " + std::to_string(rows->size()) + " prerequisites pass."
                              : std::to_string(failed) + " of " + std::to_string(rows->size()) + " prerequisites fail.");
  return lines;
}

Lines render_registrations(const Json& reply) {
  const Json* rows = rows_of(reply, {"registrations"});
  if (!rows) return json_lines(reply);
  Lines lines = table(*rows, {"AddressOfRecord", "Contact", "Transport", "Source", "ExpiresInS"}, "No registrations.");
  if (const Json* next = member(reply, {"next"}); next && next->is_string()) {
    lines.push_back("** More after " + cell(*next) + ": ask for one address of record, or use --json and the API's paging");
  }
  return lines;
}

Lines render_locate(const Json& reply) {
  const Json* rows = rows_of(reply, {"peers"});
  if (!rows) return json_lines(reply);
  Lines lines;
  std::size_t found = 0;
  for (const Json& row : *rows) {
    const Json* slot = member(row, {"Slot"});
    const Json* address = member(row, {"Address"});
    const Json* result = member(row, {"Result"});
    lines.push_back("Peer " + (slot ? cell(*slot) : "?") + " (" + (address ? cell(*address) : "?") +
                    "): " + (result ? cell(*result) : "?"));
    if (const Json* regs = member(row, {"Registrations"}); regs && regs->is_array()) {
      for (const Json& r : *regs) {
        const Json* contact = member(r, {"Contact"});
        const Json* transport = member(r, {"Transport"});
        lines.push_back("    " + (contact ? cell(*contact) : "?") + " over " + (transport ? cell(*transport) : "?"));
      }
    }
    found += result && cell(*result) == "Found" ? 1 : 0;
  }
  const Json* alias = member(reply, {"alias"});
  lines.push_back((alias ? cell(*alias) : std::string("The alias")) + " is registered on " + std::to_string(found) +
                  (found == 1 ? " peer." : " peers."));
  return lines;
}

Lines render_reply(const Command& command, const Json& reply) {
  switch (command.kind) {
    case CommandKind::Status:
      return with_ok(render_status(command.path, reply));
    case CommandKind::ConfigurationGet:
      return with_ok(render_configuration(reply));
    case CommandKind::ConfigurationSet:
      return render_change_result(reply);
    case CommandKind::XCommand:
      return render_command_result(command.name, reply);
    case CommandKind::Alarms:
      return render_alarms(reply);
    case CommandKind::AlarmAcknowledge:
      return {"OK"};
    case CommandKind::Events:
    case CommandKind::ConfigLog:
      return render_log(reply, command.kind);
    case CommandKind::Prerequisites:
      return render_prerequisites(reply);
    case CommandKind::Registrations:
      return render_registrations(reply);
    case CommandKind::Locate:
      return render_locate(reply);
    case CommandKind::Watch: {
      auto state = read_watch(reply);
      return state ? render_watch_state(*state) : json_lines(reply);
    }
    case CommandKind::Cluster:
      break;  // reported step by step by the procedure runner
  }
  TANDEM_ASSERT(false && "every CommandKind renders");
  return {};
}

Result<WatchState> read_watch(const Json& reply) {
  const Json* seq = member(reply, {"seq"});
  if (!seq || !seq->is_number_unsigned()) {
    return make_error("the peer's watch reply has no \"seq\" (a whole number): " + dump(reply).substr(0, 200));
  }
  WatchState state;
  state.seq = seq->get<std::uint64_t>();
  if (const Json* status = member(reply, {"status"})) flatten("", *status, state.status);
  const Json* alarms = member(reply, {"alarms"});
  const Json* rows = alarms ? rows_of(*alarms, {"alarms", "items"}) : nullptr;
  for (const Json& alarm : rows ? *rows : Json::array()) {
    const Json* id = member(alarm, {"id", "alarm_id"});
    state.alarms.emplace_back(id ? cell(*id) : dump(alarm), alarm_summary(alarm));
  }
  return state;
}

Lines render_watch_state(const WatchState& state) {
  Lines lines = prefixed("*s", state.status);
  for (const auto& [id, summary] : state.alarms) lines.push_back("*a " + id + ": " + summary);
  return lines;
}

Lines render_watch_change(const WatchState& before, const WatchState& after) {
  Lines lines{"*w seq: " + std::to_string(after.seq)};
  const auto diff = [&](const Pairs& old_pairs, const Pairs& new_pairs, auto&& changed, auto&& gone) {
    const std::map<std::string, std::string> old_map(old_pairs.begin(), old_pairs.end());
    const std::map<std::string, std::string> new_map(new_pairs.begin(), new_pairs.end());
    for (const auto& [key, value] : new_pairs) {
      const auto was = old_map.find(key);
      if (was == old_map.end() || was->second != value) lines.push_back(changed(key, value, was == old_map.end()));
    }
    for (const auto& [key, value] : old_pairs) {
      if (!new_map.contains(key)) lines.push_back(gone(key));
    }
  };
  diff(
      before.status, after.status,
      [](const std::string& key, const std::string& value, bool) { return "*s " + key + ": " + value; },
      [](const std::string& key) { return "*s " + key + ": (gone)"; });
  diff(
      before.alarms, after.alarms,
      [](const std::string& id, const std::string& summary, bool is_new) {
        return "*a " + id + (is_new ? " raised: " : " changed: ") + summary;
      },
      [](const std::string& id) { return "*a " + id + " cleared"; });
  return lines;
}

}  // namespace tandem::ctl
