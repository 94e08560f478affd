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
//   FactoryReset         KeepOptionKeys, KeepIpConfiguration, KeepCertificates, KeepPasswords,
//                        KeepLogs: Yes|No (default No, the guide's answers); KeepIpConfiguration: No
//                        is refused remotely. Done at the restart that follows (Peer::schedule_factory_reset).
//   Restore              Content: <backup file, base64>, Name: <file>.tbk (optional) — checked, kept in
//                        the data directory, restored at the restart that follows (Peer::schedule_restore)

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

// The largest backup the API carries either way: its base64 in a Restore body
// must fit the API's 1 MiB body limit.
inline constexpr std::size_t kMaxBackupTransferBytes = 760 * 1024;

// GET /api/v1/backup/<name>: a backup file of the data directory, so it can be
// restored on another peer: 200 {"name", "size", "sha256" (of the file),
// "system_name", "software_version", "created_at", "content_base64"}; 404 no
// such file; 409 not a backup, or larger than kMaxBackupTransferBytes.
Response backup_download(Env& env, std::string_view name);

// Acknowledges alarm `id`: 200 {"id", "acknowledged": true}, or 404 when that
// alarm is not up. Shared with POST /api/v1/alarms/<id>/acknowledge.
Response acknowledge_alarm(cluster::AlarmSet& alarms, std::int64_t id);

}  // namespace tandem::admin
