#pragma once
// What tandemctl prints for a peer's JSON replies, VCS CLI style. Pure: JSON
// in, lines out, so every format is tested without a peer.
//
//   *s Cluster DatabaseStatus: Active                   xStatus, one line a leaf
//   *s Cluster Peers 1 Address: 10.0.0.2                list items numbered from 1
//   *c xConfiguration H323 Gatekeeper TimeToLive: 600   xConfiguration
//   *r DefaultValueSet Level: 2                         what an xCommand answered
//   OK                                                  after each x-command
//
// A value prints bare when it is one word (`Active`, `600`) and in quotes
// otherwise (`"peer one"`, `""`), so it reads back as typed. Where the
// server's reply shape is still open (a list, or an object holding the list)
// both are read; a shape not recognised prints as indented JSON, never lost.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/core/result.hpp"
#include "runtime/daemon/ctl/ctl_command.hpp"

namespace tandem::ctl {

using Json = nlohmann::ordered_json;  // keeps the peer's key order
using Lines = std::vector<std::string>;

// A JSON value as a VCS CLI value: one word bare, anything else quoted;
// null (not known yet, e.g. a round trip not measured) as `(none)`.
std::string format_value(const Json& value);
// `json` indented by two, one string a line (invalid UTF-8 replaced, not thrown).
Lines json_lines(const Json& json);

// xStatus [path]: `*s` lines. The peer may answer with the subtree alone or
// wrapped in its path's first word; both print with the full path.
Lines render_status(std::string_view path, const Json& tree);
// xConfiguration <path>: one {"path","value"}, a list of them, or
// {"items": [...], "truncated"} for a prefix.
Lines render_configuration(const Json& reply);
// xConfiguration <path>: <value>: {"changed", "restart_required", "warning"}
// as `**` notes, and OK.
Lines render_change_result(const Json& reply);
// xCommand <Name>: whatever it answered as `*r` lines (less the echo of its
// name), and OK.
Lines render_command_result(std::string_view name, const Json& reply);
// alarms, events, configlog: a table, columns the peer's keys (likely ones first).
Lines render_alarms(const Json& reply);
Lines render_log(const Json& reply, CommandKind kind);
// prerequisites: [ OK ] / [FAIL] a check, and a summary.
Lines render_prerequisites(const Json& reply);
// registrations: a table by device; locate: each peer's answer and its contacts.
Lines render_registrations(const Json& reply);
Lines render_locate(const Json& reply);

// Everything the peer answered to `command` (but a Watch after its first reply).
Lines render_reply(const Command& command, const Json& reply);

// One watch reply, {"seq", "status", "alarms"}, as comparable lines.
struct WatchState {
  std::uint64_t seq = 0;
  std::vector<std::pair<std::string, std::string>> status;  // {"Cluster DatabaseStatus", "Active"}
  std::vector<std::pair<std::string, std::string>> alarms;  // {"20011", "Error Cluster ... (10.0.0.2)"}
};

Result<WatchState> read_watch(const Json& reply);
// The whole state: `*s` lines and `*a <id>: <summary>` lines.
Lines render_watch_state(const WatchState& state);
// What changed: `*w seq: N`, then changed or new `*s` lines (`(gone)` for
// removed ones) and `*a <id> raised|changed|cleared` lines.
Lines render_watch_change(const WatchState& before, const WatchState& after);

}  // namespace tandem::ctl
