#pragma once
// xCommand over the API: POST /api/v1/command/<Name> with {"args": {...}}.
// Names and argument names match case-insensitively, as on the VCS CLI.
//
//   Restart              restart the peer (after the reply is handed over)
//   ForceConfigUpdate    a subordinate drops its replicated configuration and takes the primary's
//   DefaultValueSet      Level: 2 — replicated items back to their defaults (before joining a cluster)
//   DefaultLinksAdd      the default bandwidth links
//   AlarmAcknowledge     Id: <alarm id>
//   Backup               Name: <file> (optional) — one backup file in the data directory
//   MaintenanceMode      Mode: On|Off — stop taking new calls and registrations
//   PasswordSet          Name: <administrator>, Password: <new password>

#include <string_view>
#include <vector>

#include "runtime/admin/http.hpp"
#include "runtime/peer.hpp"

namespace tandem::admin {

struct CommandContext {
  Env& env;
  Peer& peer;
  std::string_view actor;  // the administrator running it
};

struct CommandOutcome {
  Response response;
  bool restart = false;  // the caller restarts the peer once the reply is handed over
};

// Runs `name` with the JSON `body` (empty means no arguments). Unknown command
// -> 404 listing the known ones; bad or missing argument -> 400 naming it; a
// command this peer cannot run now -> 409 saying why.
CommandOutcome run_command(std::string_view name, std::string_view body, CommandContext& ctx);

const std::vector<std::string_view>& command_names();

// Acknowledges alarm `id`: 200 {"id", "acknowledged": true}, or 404 when that
// alarm is not up. Shared with POST /api/v1/alarms/<id>/acknowledge.
Response acknowledge_alarm(cluster::AlarmSet& alarms, std::int64_t id);

}  // namespace tandem::admin
