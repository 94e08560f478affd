#include "runtime/cluster/alarms.hpp"

#include <algorithm>
#include <sstream>

#include "runtime/core/assert.hpp"

namespace tandem::cluster {

const std::vector<AlarmSpec>& alarm_catalogue() {
  static const std::vector<AlarmSpec> catalogue = {
      {AlarmId::ClusterNameNotConfigured, Severity::Warning,
       "Cluster name not configured: if FindMe or clustering are in use a cluster name must be defined",
       "Configure the same cluster name (the cluster's FQDN) on each peer."},
      {AlarmId::ReplicationManualSyncRequired, Severity::Error,
       "Cluster replication error: manual synchronization of configuration is required",
       "On this subordinate, run xCommand ForceConfigUpdate (only if the primary's configuration is good)."},
      {AlarmId::ReplicationNoPrimaryOrPeerFile, Severity::Error,
       "Cluster replication error: cannot find primary or this subordinate's peer configuration file, manual "
       "synchronization of configuration is required",
       "Check that the primary is reachable and lists this peer; then run xCommand ForceConfigUpdate."},
      {AlarmId::ReplicationPrimaryIdInconsistent, Severity::Error,
       "Cluster replication error: configuration primary ID is inconsistent, manual synchronization of configuration "
       "is required",
       "Set the same Configuration primary on every peer."},
      {AlarmId::ReplicationConfigurationConflict, Severity::Error,
       "Cluster replication error: this peer's configuration conflicts with the primary's configuration, manual "
       "synchronization of configuration is required",
       "On this subordinate, run xCommand ForceConfigUpdate (only if the primary's configuration is good)."},
      {AlarmId::ReplicationNtpUnreachable, Severity::Error, "Cluster replication error: the NTP server is unreachable",
       "Configure an accessible NTP server (System > Time)."},
      {AlarmId::ReplicationLocalPeerNotListed, Severity::Error,
       "Cluster replication error: the local VCS does not appear in the list of peers",
       "Correct the list of peers on the primary and copy it to every other peer."},
      {AlarmId::ReplicationUpgradeInProgress, Severity::Warning,
       "Cluster replication error: automatic replication of configuration has been temporarily disabled because an "
       "upgrade is in progress",
       "Wait until every peer runs the same software version."},
      {AlarmId::InvalidClusteringH323Off, Severity::Error,
       "Invalid clustering configuration: H.323 mode must be turned On - clustering uses H.323 communications between "
       "peers",
       "Set H323 Mode to On."},
      {AlarmId::DatabaseFailure, Severity::Critical, "Database failure: please contact your support representative",
       "Remove the peer from the cluster, restore a backup taken on it, and add it back."},
      {AlarmId::ClusterCommunicationFailure, Severity::Error, "Cluster communication failure",
       "Check that the named peer is running and reachable on TCP 4371 and 4372."},
      {AlarmId::RestartRequired, Severity::Warning, "Restart required: a configuration change takes effect after a restart",
       "Restart this peer (xCommand Restart), one peer at a time."},
      {AlarmId::ClusterPrimaryMismatch, Severity::Warning, "Cluster primary mismatch",
       "Set the same Configuration primary on every peer."},
      {AlarmId::ClusteringSettingsMismatch, Severity::Error,
       "Clustering configuration mismatch: cluster name, primary, IP version, TLS mode and peer list must be identical "
       "on every peer",
       "Copy the primary's clustering settings to the named peer."},
      {AlarmId::OptionKeysMismatch, Severity::Warning,
       "Option key mismatch: every peer must have the same set of feature option keys",
       "Install the same feature option keys on every peer (call and TURN licences may differ)."},
      {AlarmId::LicenceCapacityBorrowed, Severity::Warning,
       "Licence capacity borrowed from an unreachable peer: it stays in the pool for 14 days from last contact",
       "Repair or replace the named peer before the borrowing ends."},
      {AlarmId::PeerCertificateRefused, Severity::Error,
       "TLS verification failed: a cluster peer's certificate was refused under TLS verification mode Enforce",
       "Install a valid certificate from a trusted CA whose CN or SAN resolves to the peer's address."},
      {AlarmId::CertificateUnusable, Severity::Error,
       "Server certificate unusable: the installed certificate and private key do not form a usable pair",
       "Install a matching certificate and private key (Maintenance > Security certificates) and restart; a "
       "temporary self-signed certificate is in use until then."},
  };
  return catalogue;
}

const AlarmSpec& alarm_spec(AlarmId id) {
  for (const AlarmSpec& spec : alarm_catalogue()) {
    if (spec.id == id) return spec;
  }
  TANDEM_ASSERT(false && "alarm id missing from the catalogue");
  return alarm_catalogue().front();
}

void AlarmSet::carry_over(const std::vector<Alarm>& previous, WallTime until) {
  for (const Alarm& alarm : previous) previous_[alarm.id] = alarm;
  carry_over_until_ = until;
}

bool AlarmSet::raise(AlarmId id, std::string detail, WallTime at) {
  auto [it, inserted] = alarms_.try_emplace(id, Alarm{id, {}, at, false});
  it->second.detail = std::move(detail);
  if (!inserted) return false;
  if (auto before = previous_.extract(id); before && at <= carry_over_until_) {
    it->second.raised_at = before.mapped().raised_at;
    it->second.acknowledged = before.mapped().acknowledged;
    if (observer_) observer_(it->second, AlarmEvent::Continued);
    return true;
  }
  if (observer_) observer_(it->second, AlarmEvent::Raised);
  return true;
}

bool AlarmSet::clear(AlarmId id) {
  auto it = alarms_.find(id);
  if (it == alarms_.end()) return false;  // at boot causes are still being judged: keep any carry-over
  previous_.erase(id);
  const Alarm gone = std::move(it->second);
  alarms_.erase(it);
  if (observer_) observer_(gone, AlarmEvent::Cleared);
  return true;
}

bool AlarmSet::acknowledge(AlarmId id) {
  auto it = alarms_.find(id);
  if (it == alarms_.end()) return false;
  it->second.acknowledged = true;
  if (observer_) observer_(it->second, AlarmEvent::Acknowledged);
  return true;
}

const Alarm* AlarmSet::find(AlarmId id) const {
  auto it = alarms_.find(id);
  return it == alarms_.end() ? nullptr : &it->second;
}

std::vector<Alarm> AlarmSet::list() const {
  std::vector<Alarm> out;
  for (const auto& [id, alarm] : alarms_) out.push_back(alarm);
  return out;
}

std::string encode_alarms(const std::vector<Alarm>& alarms) {
  std::string out;
  for (const Alarm& a : alarms) {
    out += std::to_string(static_cast<int>(a.id)) + " " + std::to_string(a.raised_at.time_since_epoch().count()) +
           (a.acknowledged ? " 1\n" : " 0\n");
  }
  return out;
}

Result<std::vector<Alarm>> decode_alarms(std::string_view text) {
  std::vector<Alarm> out;
  std::istringstream lines{std::string(text)};
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    std::istringstream fields(line);
    int id = 0;
    std::int64_t raised_ns = 0;
    int ack = -1;
    std::string rest;
    const bool known = (fields >> id >> raised_ns >> ack) && !(fields >> rest) && (ack == 0 || ack == 1) &&
                       std::any_of(alarm_catalogue().begin(), alarm_catalogue().end(),
                                   [id](const AlarmSpec& s) { return static_cast<int>(s.id) == id; });
    if (!known) return make_error("stored alarms, line " + std::to_string(number) + ": expected 'id raised_ns 0|1' with a catalogued id, got '" + line + "'");
    out.push_back(Alarm{static_cast<AlarmId>(id), {}, WallTime(Duration(raised_ns)), ack == 1});
  }
  return out;
}

}  // namespace tandem::cluster
