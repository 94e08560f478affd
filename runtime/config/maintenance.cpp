#include "runtime/config/maintenance.hpp"

#include "runtime/core/sha256.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>

namespace tandem::config {
namespace {

constexpr std::string_view kMagic = "TANDEM-BACKUP 1\n";
constexpr char kImageTemp[] = "backup-image.tmp";
constexpr char kRestoreTemp[] = "restore-image.tmp";


std::string quote_sql(std::string_view text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// Parses the manifest; `image` receives the database bytes after it.
Result<BackupInfo> parse_backup(const std::vector<std::uint8_t>& file, std::span<const std::uint8_t>& image) {
  const std::string_view text(reinterpret_cast<const char*>(file.data()), file.size());
  if (text.substr(0, kMagic.size()) != kMagic) return make_error("not a Tandem backup (bad first line)");
  const std::size_t end = text.find("\n\n", kMagic.size());
  if (end == std::string_view::npos) return make_error("backup manifest is cut short");
  std::map<std::string, std::string> fields;
  std::size_t pos = kMagic.size();
  while (pos < end) {
    const std::size_t eol = text.find('\n', pos);
    const std::string_view line = text.substr(pos, eol - pos);
    const std::size_t colon = line.find(": ");
    if (colon == std::string_view::npos) return make_error("backup manifest line '" + std::string(line) + "' is malformed");
    fields[std::string(line.substr(0, colon))] = std::string(line.substr(colon + 2));
    pos = eol + 1;
  }
  for (const char* key : {"software", "schema", "created_ns", "system_name", "sha256", "size"}) {
    if (!fields.count(key)) return make_error(std::string("backup manifest lacks '") + key + "'");
  }
  BackupInfo info{fields["software"], 0, 0, fields["system_name"], fields["sha256"]};
  std::uint64_t size = 0;
  const auto number = [](const std::string& s, auto& out) {
    return std::from_chars(s.data(), s.data() + s.size(), out).ec == std::errc();
  };
  if (!number(fields["schema"], info.schema_version) || !number(fields["created_ns"], info.created_wall_ns) ||
      !number(fields["size"], size)) {
    return make_error("backup manifest has a malformed number");
  }
  image = std::span<const std::uint8_t>(file).subspan(end + 2);
  if (image.size() != size) {
    return make_error("backup is truncated or padded: manifest says " + std::to_string(size) + " bytes of database, file has " +
                      std::to_string(image.size()));
  }
  if (sha256_hex(image) != info.sha256) return make_error("backup is corrupt: the database image does not match its checksum");
  if (info.schema_version > Store::kSchemaVersion) {
    return make_error("backup comes from newer software (schema " + std::to_string(info.schema_version) + ", this peer " +
                      std::to_string(Store::kSchemaVersion) + ")");
  }
  return info;
}

}  // namespace

Result<BackupInfo> backup(Store& store, FileSystem& fs, std::string_view backup_name, std::string_view software_version,
                          WallTime at) {
  if (auto ok = check_file_name(backup_name); !ok) return ok.error();
  if (fs.exists(kImageTemp)) (void)fs.remove(kImageTemp);
  if (auto ok = store.database().exec("VACUUM INTO " + quote_sql(fs.sqlite_path(kImageTemp))); !ok) {
    return make_error("backup: " + ok.error().message);
  }
  auto image = read_file(fs, kImageTemp);
  (void)fs.remove(kImageTemp);
  if (!image) return image.error();
  auto name = store.get("SystemUnit Name");
  BackupInfo info{std::string(software_version), store.version(), to_ns(at), name ? *name : "", sha256_hex(*image)};
  std::string manifest = std::string(kMagic) + "software: " + info.software_version + "\nschema: " +
                         std::to_string(info.schema_version) + "\ncreated_ns: " + std::to_string(info.created_wall_ns) +
                         "\nsystem_name: " + info.system_name + "\nsha256: " + info.sha256 +
                         "\nsize: " + std::to_string(image->size()) + "\n\n";
  std::vector<std::uint8_t> file(manifest.begin(), manifest.end());
  file.insert(file.end(), image->begin(), image->end());
  if (auto ok = write_file_synced(fs, backup_name, file); !ok) return ok.error();
  return info;
}

Result<BackupInfo> inspect_backup(FileSystem& fs, std::string_view backup_name) {
  auto file = read_file(fs, backup_name);
  if (!file) return file.error();
  std::span<const std::uint8_t> image;
  return parse_backup(*file, image);
}

Status restore_backup(FileSystem& fs, std::string_view backup_name, std::string_view db_name) {
  auto file = read_file(fs, backup_name);
  if (!file) return file.error();
  std::span<const std::uint8_t> image;
  if (auto info = parse_backup(*file, image); !info) return make_error("restore refused: " + info.error().message);
  if (auto ok = write_file_synced(fs, kRestoreTemp, image); !ok) return ok;
  {  // the image must be a sound database before it replaces the live one
    auto db = Database::open(fs, kRestoreTemp);
    if (!db) return make_error("restore refused: " + db.error().message);
    auto check = (*db)->prepare("PRAGMA integrity_check");
    if (!check || !check->step() || check->column_text(0) != "ok") {
      return make_error("restore refused: the backup's database fails its integrity check");
    }
  }
  for (const std::string& side : {std::string(db_name) + "-wal", std::string(db_name) + "-shm"}) {
    if (fs.exists(side)) (void)fs.remove(side);  // an old log must never replay onto the restored image
  }
  return fs.rename(kRestoreTemp, db_name);
}

Status factory_reset(Store& store, const FactoryResetChoices& choices, WallTime at) {
  std::string keep = "0";
  if (choices.keep_option_keys) keep += " OR path LIKE 'Option % Key'";
  if (choices.keep_ip_configuration) {
    keep += " OR path LIKE 'Ethernet %' OR path IN ('IP Gateway', 'IP V6 Gateway') OR path LIKE 'IP Route %'"
            " OR path LIKE 'IP DNS %'";
  }
  if (choices.keep_certificates) keep += " OR path LIKE 'Certificates %'";
  if (choices.keep_admin_passwords) keep += " OR path LIKE 'Login Administrator %'";
  Database& db = store.database();
  auto txn = db.begin();
  if (!txn) return txn.error();
  if (auto ok = db.exec("DELETE FROM config WHERE NOT (" + keep + ")"); !ok) return ok;
  if (auto ok = db.exec("DELETE FROM meta"); !ok) return ok;  // lineage, revision, peers: no cluster any more
  if (!choices.keep_logs) {
    if (auto ok = db.exec("DELETE FROM config_log; DELETE FROM event_log"); !ok) return ok;
  }
  if (auto ok = txn->commit(); !ok) return ok;
  return store.add_event(at, "peer.factory_reset", keep == "0" ? "nothing kept" : "kept: " + keep.substr(5));
}

Result<std::size_t> default_value_set_level2(Store& store, WallTime at) {
  std::vector<Change> changes;
  for (Scope scope : {Scope::Replicated, Scope::PeerSpecific}) {
    auto items = store.items(scope);
    if (!items) return items.error();
    for (const StoredItem& item : *items) {
      const bool admin = item.path.rfind("Login Administrator ", 0) == 0;
      const bool directory = item.path.rfind("Authentication ADS ", 0) == 0;
      if ((scope == Scope::Replicated && !admin) || directory) {
        auto where = store.schema().resolve(item.path);
        if (where) changes.push_back(Change{item.path, where->spec->default_value});
      }
    }
  }
  return store.apply(changes, "DefaultValueSet", at);
}

Result<std::size_t> default_links_add(Store& store, WallTime at) {
  struct Link {
    const char* name;
    const char* node1;
    const char* node2;
  };
  static constexpr Link kDefaults[] = {
      {"DefaultSZtoTraversalSZ", "DefaultSubZone", "TraversalSubZone"},
      {"DefaultSZtoDefaultZ", "DefaultSubZone", "DefaultZone"},
      {"TraversalSZtoDefaultZ", "TraversalSubZone", "DefaultZone"},
      {"DefaultSZtoClusterSZ", "DefaultSubZone", "ClusterSubZone"},
      {"TraversalSZtoClusterSZ", "TraversalSubZone", "ClusterSubZone"},
  };
  std::map<std::string, int> taken;  // link name -> slot
  auto items = store.items(Scope::Replicated);
  if (!items) return items.error();
  for (const StoredItem& item : *items) {
    auto where = store.schema().resolve(item.path);
    if (where && where->spec->pattern == "Bandwidth Link [1..3000] Name" && !item.value.empty()) {
      taken[item.value] = where->indices.front();
    }
  }
  std::vector<Change> changes;
  int slot = 1;
  std::size_t added = 0;
  for (const Link& link : kDefaults) {
    if (taken.count(link.name)) continue;
    while (std::any_of(taken.begin(), taken.end(), [slot](const auto& t) { return t.second == slot; })) ++slot;
    if (slot > 3000) return make_error("DefaultLinksAdd: no free bandwidth link slot");
    const std::string base = "Bandwidth Link " + std::to_string(slot) + " ";
    changes.push_back({base + "Name", link.name});
    changes.push_back({base + "Node1 Name", link.node1});
    changes.push_back({base + "Node2 Name", link.node2});
    taken[link.name] = slot;
    ++added;
  }
  if (auto ok = store.apply(changes, "DefaultLinksAdd", at); !ok) return ok.error();
  return added;
}

}  // namespace tandem::config
