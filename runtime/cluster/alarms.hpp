#pragma once
// The alarm catalogue: every alarm and warning of the guide's Troubleshooting
// section, plus the ones the guide names elsewhere (cluster communication
// failure, restart required, primary mismatch), each with a stable ID that
// never changes meaning, and the text an operator sees. Pure.
//
// An AlarmSet is one peer's alarms: raised with a detail, cleared when the
// cause goes, acknowledged by an operator (it stays until cleared).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/result.hpp"
#include "runtime/core/time.hpp"

namespace tandem::cluster {

enum class AlarmId : std::uint16_t {
  ClusterNameNotConfigured = 20001,
  ReplicationManualSyncRequired = 20002,
  ReplicationNoPrimaryOrPeerFile = 20003,
  ReplicationPrimaryIdInconsistent = 20004,
  ReplicationConfigurationConflict = 20005,
  ReplicationNtpUnreachable = 20006,
  ReplicationLocalPeerNotListed = 20007,
  ReplicationUpgradeInProgress = 20008,
  InvalidClusteringH323Off = 20009,
  DatabaseFailure = 20010,
  ClusterCommunicationFailure = 20011,
  RestartRequired = 20012,
  ClusterPrimaryMismatch = 20013,
  ClusteringSettingsMismatch = 20014,
  OptionKeysMismatch = 20015,
  LicenceCapacityBorrowed = 20016,
  PeerCertificateRefused = 20017,
  CertificateUnusable = 20018,
};

enum class Severity : std::uint8_t { Warning, Error, Critical };

struct AlarmSpec {
  AlarmId id;
  Severity severity;
  std::string_view text;    // as the guide words it
  std::string_view action;  // what the operator should do
};

const AlarmSpec& alarm_spec(AlarmId id);
const std::vector<AlarmSpec>& alarm_catalogue();

struct Alarm {
  AlarmId id;
  std::string detail;  // e.g. which peer, which certificate
  WallTime raised_at{};
  bool acknowledged = false;
};

// Continued: raised again after a restart while its cause stayed (carry_over);
// not a new raise for the event log, but the alarm is up again.
enum class AlarmEvent : std::uint8_t { Raised, Cleared, Acknowledged, Continued };

class AlarmSet {
 public:
  // Told of every raise (not refreshes), continuation, clear and acknowledgement.
  void set_observer(std::function<void(const Alarm&, AlarmEvent)> observer) { observer_ = std::move(observer); }

  // Alarms that were up before a restart. One raised again by its cause by
  // `until` continues: it keeps its first raise time and its acknowledgement,
  // and the observer is not told of a new raise.
  void carry_over(const std::vector<Alarm>& previous, WallTime until);

  // Raises `id`, or refreshes its detail if it is already up. True if it was new.
  bool raise(AlarmId id, std::string detail, WallTime at);
  // Clears `id`; true if it was up.
  bool clear(AlarmId id);
  bool acknowledge(AlarmId id);
  bool active(AlarmId id) const { return alarms_.count(id) != 0; }
  const Alarm* find(AlarmId id) const;
  // Active alarms in ID order.
  std::vector<Alarm> list() const;
  std::size_t size() const { return alarms_.size(); }

 private:
  std::map<AlarmId, Alarm> alarms_;
  std::map<AlarmId, Alarm> previous_;
  WallTime carry_over_until_{};
  std::function<void(const Alarm&, AlarmEvent)> observer_;
};

// The active alarms as persisted between restarts: one "id raised_ns ack" line
// each. Details are not kept; the cause states them again when it re-raises.
std::string encode_alarms(const std::vector<Alarm>& alarms);
Result<std::vector<Alarm>> decode_alarms(std::string_view text);

}  // namespace tandem::cluster
