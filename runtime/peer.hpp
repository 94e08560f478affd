#pragma once
// The composition root: one Peer is every service of a cluster peer on one Env.
// It opens the configuration store, reads the clustering settings, finds
// "This system" among them by its own addresses, and when clustered runs
// membership (4371), replication (4372) and resource usage (UDP 1719).
// Configuration edits go through configure(), which replicates from the
// primary and raises "restart required" for items that need it.
//
// Option keys: "LIC-TRAVERSAL-<n>", "LIC-NONTRAVERSAL-<n>" and "LIC-TURN-<n>"
// install licences (pooled across the cluster); any other key is a feature key
// (the set must match on every peer).

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/cluster/alarms.hpp"
#include "runtime/cluster/alias_locator.hpp"
#include "runtime/cluster/clustering_settings.hpp"
#include "runtime/cluster/licences.hpp"
#include "runtime/cluster/membership.hpp"
#include "runtime/cluster/prerequisites.hpp"
#include "runtime/cluster/replication.hpp"
#include "runtime/cluster/resource_usage.hpp"
#include "runtime/config/maintenance.hpp"
#include "runtime/config/store.hpp"
#include "runtime/env/env.hpp"
#include "runtime/h323/gatekeeper.hpp"
#include "runtime/sip/sip_service.hpp"

namespace tandem {

struct PeerOptions {
  std::string software_version;  // the build's, or overridden to rehearse upgrades
  cluster::Platform platform = cluster::Platform::MediumVm;
  TlsConfig tls;                 // certificate, key and trusted CAs (mode comes from the settings)
  cluster::MembershipOptions membership;
  cluster::ReplicationOptions replication;
  // The SIP registrar on the configured ports (SIP Mode, SIP TCP/UDP Mode and
  // Port, refresh bounds and SIP domains, read at start). Off: no SIP at all.
  bool sip = true;
  Duration sip_usage_interval = std::chrono::seconds(1);  // how often registration counts reach the other peers
  // The H.323 gatekeeper on H323 Gatekeeper Registration UDP Port (UDP 1719,
  // shared with resource usage) when H323 Mode is On. Off: no H.323 at all.
  bool h323 = true;
  cluster::ResourceUsageOptions resource_usage;
  std::function<bool()> ntp_synchronized = [] { return true; };
  Duration licence_check_interval = std::chrono::hours(1);  // borrowing ends on the wall clock
};

struct InstalledKeys {
  cluster::Licences licences;
  std::vector<std::string> features;  // sorted
  std::string features_hash;
};
InstalledKeys read_option_keys(const std::vector<std::string>& keys);

class Peer {
 public:
  static Result<std::unique_ptr<Peer>> start(Env& env, PeerOptions options);
  ~Peer();

  // Validated all or nothing; replicated from the primary when clustered.
  Result<std::size_t> configure(const std::vector<config::Change>& changes, std::string_view actor);
  Result<std::string> get(std::string_view path) { return store_->get(path); }

  config::Store& store() { return *store_; }
  cluster::AlarmSet& alarms() { return alarms_; }
  const cluster::ClusteringSettings& settings() const { return settings_; }
  std::optional<int> this_system() const { return self_slot_; }
  bool clustered() const { return membership_ != nullptr; }
  const cluster::Membership* membership() const { return membership_.get(); }
  cluster::Replication* replication() { return replication_.get(); }
  cluster::DatabaseStatus database_status() const;
  bool maintenance() const { return maintenance_; }
  void set_maintenance(bool on);
  cluster::LicencePool licence_pool() const;
  // The guide's clustering prerequisites over this peer and every peer it
  // hears from (their facts come in their heartbeats).
  std::vector<cluster::CheckItem> prerequisites() const;
  // This peer's certificate, key and trusted CAs: the installed ones
  // (configuration), else PeerOptions::tls; the mode from the settings.
  Result<TlsConfig> tls_config() const;
  const PeerOptions& options() const { return options_; }
  // Usage shared with the other peers over UDP 1719 (null when not clustered).
  const cluster::ResourceUsage* resource_usage() const { return resource_usage_.get(); }
  // This peer's own usage: zeros until the registrar and calls report theirs.
  const cluster::Usage& local_usage() const { return local_usage_; }
  // Errors as cluster::check_usage(), changing nothing; when clustered the
  // other peers hear of a change at once.
  Status set_local_usage(const cluster::Usage& usage);
  // The SIP registrar; null when SIP is off.
  sip::SipService* sip() { return sip_.get(); }
  // The H.323 gatekeeper; null when H.323 is off.
  h323::Gatekeeper* gatekeeper() { return gatekeeper_.get(); }
  // Which peers of the cluster have `alias` registered (this one included);
  // `done` runs later with one row per listed peer. Errors: a bad alias.
  Status locate(std::string alias, cluster::AliasLocator::Done done);

  // xCommand Restore and xCommand FactoryReset are written down (durably) and
  // done by the next start, before anything reads the store; the caller then
  // restarts the peer. Restore: `backup_name` (a checked backup in the data
  // directory) replaces the configuration, except this machine's own items
  // (LAN addresses, gateways and routes, host name, certificates, option
  // keys), which stay; the backup's cluster database state (lineage, revision,
  // remembered peers, alarms) is dropped, so a peer joining afterwards takes
  // the primary's whole configuration. Reset: config::factory_reset with
  // `choices`, then `keep` written over it.
  Status schedule_restore(const std::string& backup_name);
  Status schedule_factory_reset(const config::FactoryResetChoices& choices, std::vector<config::Change> keep);

 private:
  Peer(Env& env, PeerOptions options) : env_(env), options_(std::move(options)) {}
  Status open();
  void check_installed_certificate();
  Status start_sip();
  void report_registrations();
  void start_locator(cluster::Membership* membership);  // null: stand-alone
  Status start_h323();
  std::vector<h323::AlternateGatekeeper> h323_alternates() const;
  Status start_clustering();
  void resolve_names();
  Status join_cluster();
  cluster::Heartbeat heartbeat() const;
  std::vector<cluster::Located> located_here(std::string_view alias) const;
  struct ConfigFacts {  // what other peers' prerequisite checks need from our configuration
    bool h323_on = true;
    std::uint8_t dns_servers = 0;
    std::vector<std::string> neighbour_addresses;
  };
  ConfigFacts read_config_facts() const;
  void refresh_from_config();  // alarms and keys that follow the configuration
  void remember_peers();
  void check_licences();
  void recall_peers();
  cluster::PeerLicences licences_of(const cluster::PeerView& view) const;
  InstalledKeys installed_keys() const;

  Env& env_;
  PeerOptions options_;
  std::unique_ptr<config::Store> store_;
  cluster::AlarmSet alarms_;
  cluster::ClusteringSettings settings_;
  std::optional<int> self_slot_;
  bool maintenance_ = false;
  InstalledKeys keys_;
  ConfigFacts config_facts_;
  std::string system_name_;  // SystemUnit Name, read at open and on each change: every heartbeat carries it
  // Each other peer's last contact and licences, kept in the store so the
  // 14-day borrowing survives this peer's restarts.
  struct Remembered {
    WallTime last_contact{};
    cluster::Licences licences;
  };
  std::map<int, Remembered> remembered_;
  Handle licence_timer_;
  // FQDN peer addresses (as TLS Enforce needs) are resolved before joining.
  std::vector<Handle> lookups_;
  std::map<std::string, std::vector<IpAddress>> resolved_;
  std::string lookup_errors_;
  std::size_t outstanding_lookups_ = 0;
  Handle resolve_retry_;
  std::shared_ptr<const TlsContext> tls_;
  std::unique_ptr<cluster::Membership> membership_;
  std::unique_ptr<cluster::Replication> replication_;
  std::unique_ptr<cluster::AliasLocator> locator_;  // declared after membership_: goes first
  cluster::Usage local_usage_;
  std::unique_ptr<sip::SipService> sip_;
  Handle sip_usage_timer_;
  // Declared before resource_usage_, which may use the port, and goes first.
  std::unique_ptr<cluster::SharedDatagramPort> ras_port_;
  std::unique_ptr<h323::Gatekeeper> gatekeeper_;
  std::unique_ptr<cluster::ResourceUsage> resource_usage_;
};

}  // namespace tandem
