#pragma once
// Maintenance operations on a peer's configuration, as the guide uses them:
//   - backup to one file (Maintenance > Backup and restore) and restore it;
//   - factory reset with the guide's keep-or-not answers;
//   - xCommand DefaultValueSet Level: 2 and xCommand DefaultLinksAdd, run on a
//     peer before it joins a cluster.
//
// A backup file is a short text manifest followed by a consistent image of the
// SQLite database (taken with VACUUM INTO), with the image's SHA-256 in the
// manifest. Restore checks everything before it replaces anything, and runs
// with the store closed (the peer restarts afterwards, as a VCS does).

#include <string>

#include "runtime/config/store.hpp"

namespace tandem::config {

struct BackupInfo {
  std::string software_version;
  int schema_version = 0;
  std::int64_t created_wall_ns = 0;
  std::string system_name;
  std::string sha256;  // of the database image
};

// Writes `backup_name` (synced) into `fs`.
Result<BackupInfo> backup(Store& store, FileSystem& fs, std::string_view backup_name, std::string_view software_version,
                          WallTime at);
// Reads and checks a backup without touching the live database.
Result<BackupInfo> inspect_backup(FileSystem& fs, std::string_view backup_name);
// Replaces database `db_name` with the backup's image. No Store may be open on it.
Status restore_backup(FileSystem& fs, std::string_view backup_name, std::string_view db_name = "tandem.db");

// The questions `factory-reset` asks; the guide recommends NO to each.
struct FactoryResetChoices {
  bool keep_option_keys = false;
  bool keep_ip_configuration = false;
  bool keep_certificates = false;
  bool keep_admin_passwords = false;
  bool keep_logs = false;
};
// Returns the peer to its defaults, keeping what was asked; it leaves any
// cluster (clustering settings and the cluster database are gone).
Status factory_reset(Store& store, const FactoryResetChoices& choices, WallTime at);

// xCommand DefaultValueSet Level: 2 — every replicated item and the Active
// Directory credentials return to defaults; the peer's network identity, option
// keys, certificates and clustering settings stay, so it remains reachable.
Result<std::size_t> default_value_set_level2(Store& store, WallTime at);

// xCommand DefaultLinksAdd — the default bandwidth links between the default
// subzone, traversal subzone, cluster subzone and default zone, added to the
// first free link slots unless already there.
Result<std::size_t> default_links_add(Store& store, WallTime at);

}  // namespace tandem::config
