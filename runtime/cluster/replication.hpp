#pragma once
// Replication of the cluster database (TCP 4372 over TLS), as DESIGN.md says:
// the configuration primary owns the revision and the cluster's lineage;
// each subordinate keeps a link to the primary, says hello (software version,
// clustering settings, lineage, applied revision) on connect and every pull
// interval, and applies the snapshot or delta it gets in one transaction. The
// primary pushes every commit at once.
//
// Replication stops, with the guide's alarm, when the software versions differ
// (upgrade in progress), when the primary does not list this peer, when the
// peers disagree on the primary, when the clustering settings differ, when the
// subordinate belongs to another cluster database (until ForceConfigUpdate), or
// while this peer's NTP is not synchronized. Edits a subordinate makes to
// replicated items are overwritten by the primary's values. Both ends apply the
// TLS verification mode to the link before any frame counts (peer_identity.hpp);
// a refused link raises "peer certificate refused".

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "runtime/cluster/alarms.hpp"
#include "runtime/cluster/clustering_settings.hpp"
#include "runtime/cluster/peer_identity.hpp"
#include "runtime/cluster/replication_messages.hpp"
#include "runtime/config/store.hpp"
#include "runtime/env/env.hpp"
#include "runtime/net/framed_link.hpp"

namespace tandem::cluster {

inline constexpr std::uint16_t kDatabasePort = 4372;

// "Cluster database status" as System > Clustering shows it.
enum class DatabaseStatus : std::uint8_t { Inactive, Syncing, Active, Failed };
std::string_view to_string(DatabaseStatus status);

struct ReplicationOptions {
  std::uint16_t port = kDatabasePort;
  Duration pull_interval = std::chrono::seconds(30);
  Duration retry = std::chrono::seconds(2);
  Duration answer_timeout = std::chrono::seconds(6);  // a silent primary counts as lost after this
};

struct ReplicationContext {
  Env& env;
  config::Store& store;
  AlarmSet& alarms;
  ClusteringSettings settings;
  int self_slot = 0;
  std::string software_version;
  std::shared_ptr<const TlsContext> tls;
  std::function<bool()> ntp_synchronized = [] { return true; };
  std::function<void()> on_applied = [] {};  // after the primary's configuration was applied here
  std::optional<IpAddress> own_address;      // when this peer's slot holds a name
};

class Replication {
 public:
  static Result<std::unique_ptr<Replication>> start(ReplicationContext context, ReplicationOptions options = {});
  ~Replication();

  bool is_primary() const { return ctx_.self_slot == ctx_.settings.primary; }
  DatabaseStatus status() const { return status_; }
  std::int64_t applied_revision() const { return revision_; }
  const std::string& lineage() const { return lineage_; }

  // A configuration edit made on this peer. On the primary, replicated items
  // take the next revision and are pushed to every subordinate at once. On a
  // subordinate they apply locally until the primary's values overwrite them.
  Result<std::size_t> commit(const std::vector<config::Change>& changes, std::string_view actor);
  // xCommand ForceConfigUpdate: drop this subordinate's replicated
  // configuration and lineage and take the primary's.
  Status force_config_update();

 private:
  struct Subordinate;
  Replication(ReplicationContext context, ReplicationOptions options);
  Status load_state();
  std::optional<IpAddress> own_address() const;
  // Primary side.
  Status serve();
  void on_accept(std::unique_ptr<Stream> stream);
  void on_hello(std::uint64_t id, const wire::Frame& frame);
  std::optional<Refuse> judge(const Hello& hello, const Stream& stream) const;
  Result<Update> update_for(const Hello& hello);
  void push(std::int64_t revision);
  // Subordinate side.
  void follow();
  void on_connected(std::unique_ptr<Stream> stream);
  void on_primary_verdict(const IdentityVerdict& verdict);
  void on_update(const wire::Frame& frame);
  void send_hello();
  void pull();
  void fail(AlarmId alarm, const std::string& detail);
  void clear_replication_alarms();

  ReplicationContext ctx_;
  ReplicationOptions options_;
  std::string lineage_;
  std::int64_t revision_ = 0;
  DatabaseStatus status_ = DatabaseStatus::Syncing;
  // Primary.
  std::unique_ptr<StreamListener> listener_;
  std::map<std::uint64_t, std::unique_ptr<Subordinate>> subordinates_;
  std::uint64_t next_id_ = 1;
  // Subordinate.
  std::unique_ptr<net::Dialer> dialer_;
  std::unique_ptr<VerifiedLink> link_;
  Handle pull_timer_;
  Handle answer_timer_;  // a hello waits for its answer this long
};

}  // namespace tandem::cluster
