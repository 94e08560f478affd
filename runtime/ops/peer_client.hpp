#pragma once
// One peer as a procedure sees it, through its admin API: typed reads of
// xStatus, configuration and alarms, and the writes and xCommands the guide's
// procedures use. Every call is one request through the Operator.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/ops/operator.hpp"

namespace tandem::ops {

inline constexpr int kMaxPeers = 6;

struct PeerEntry {
  int slot = 0;
  std::string address;
  std::string state;             // "This system", "Active", "Unknown", "Failed"
  std::string software_version;  // empty when never heard from
};

// xStatus, the parts procedures decide on.
struct PeerStatus {
  std::string system_name;
  std::string software_version;
  bool maintenance = false;
  bool clustered = false;
  std::string cluster_name;
  std::optional<int> this_system;
  int primary = 1;
  std::string database_status;  // "Inactive", "Syncing", "Active", "Failed"
  std::int64_t applied_revision = 0;
  std::vector<PeerEntry> peers;
  std::optional<std::int64_t> registrations;  // when the peer reports its resource usage
  std::optional<std::int64_t> calls;
};

// System > Clustering as configured on one peer (peer-specific items).
struct ClusteringConfig {
  std::string cluster_name;
  int primary = 1;
  std::vector<std::string> peers = std::vector<std::string>(kMaxPeers);  // "" where empty
  std::string tls_mode;

  int listed() const;  // how many Peer N addresses are set
  std::optional<int> slot_of(const std::string& address) const;
  bool operator==(const ClusteringConfig&) const = default;
};

struct EventEntry {
  std::string kind;  // "peer.start", "peer.factory_reset", "alarm.raised"...
  std::string detail;
};

// A backup file on a peer, as GET /api/v1/backup/<name> gives it.
struct BackupFile {
  std::string name;
  std::string system_name;  // of the peer it was taken on
  std::string sha256;       // of the file
  std::string content_base64;
};

struct AlarmEntry {
  int id = 0;
  std::string text;
  std::string detail;
  bool acknowledged = false;
};

class PeerClient {
 public:
  PeerClient(Operator& op, std::string address) : op_(op), address_(std::move(address)) {}
  const std::string& address() const { return address_; }

  Result<PeerStatus> status();
  Result<std::string> get(const std::string& path);
  Result<ClusteringConfig> clustering();
  Result<std::vector<AlarmEntry>> alarms();
  // The event log, newest first, at most `limit` entries.
  Result<std::vector<EventEntry>> events(int limit = 100);
  // Every stored item under a prefix of whole words ("IP DNS", "Option"), by path.
  Result<std::map<std::string, std::string>> items(const std::string& prefix);
  // A backup file in the peer's data directory (xCommand Backup wrote it).
  Result<BackupFile> backup_file(const std::string& name);
  // Neighbour and traversal zone peer addresses configured on this peer.
  Result<std::vector<std::string>> neighbour_addresses();

  // One validated batch; returns the items that need a restart to take effect.
  Result<std::vector<std::string>> set(const std::map<std::string, std::string>& changes);
  // Writes the clustering configuration, only the items that differ.
  Status set_clustering(const ClusteringConfig& wanted);
  // xCommand <name> with string arguments; the reply's JSON text.
  Result<std::string> command(const std::string& name, const std::map<std::string, std::string>& args = {});

 private:
  Result<std::string> request(std::string_view method, const std::string& target, const std::string& body = "");

  Operator& op_;
  std::string address_;
};

// "%20"-style encoding for a query value.
std::string url_encode(std::string_view text);

}  // namespace tandem::ops
