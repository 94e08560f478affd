#pragma once
// The cluster as tandem-view draws it at one moment: what each peer is (up,
// primary, release, maintenance), where its cluster database stands, what it
// sees of the others, its usage and alarms, and the network cuts. Built by
// folding trace records (docs/trace-format.md) in order: apply() takes one.
// Live clusters are turned into the same records (live_status_diff.hpp), so
// one fold serves the three sources.

#include <QString>
#include <QStringList>
#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "gui/trace/trace_file.hpp"

namespace tandem::view {

inline constexpr int kMaxSlots = 6;

// One peer's view of another (cluster.peer records).
enum class Seen : std::uint8_t { None, Unknown, Active, Failed };

struct AlarmEntry {
  int id = 0;
  QString text;  // the catalogue text and the detail, as the record said
  std::int64_t raised_ns = 0;
  bool acknowledged = false;
};

struct PeerState {
  bool booted = false;    // its process started at least once
  bool has_status = false;  // it runs a Tandem peer (peer.status seen)
  bool up = false;
  bool paused = false;
  int boots = 0;
  int slot = 0;           // Peer N, 0 when stand-alone or not yet known
  int primary_slot = 0;   // the configuration primary it names, 0 when stand-alone
  int peer_count = 0;
  QString software;
  bool maintenance = false;
  QString settings;       // digest of its clustering settings
  QString database;       // Inactive, Syncing, Active, Failed; empty while down or unknown
  std::int64_t revision = -1;       // applied revision, -1 unknown
  std::int64_t lost_ns = -1;        // when another peer last declared it failed
  std::int64_t clock_offset_ns = 0;
  std::array<Seen, kMaxSlots + 1> sees{};  // by slot; [0] unused
  // Usage as another peer last reported it (-1: never reported).
  std::int64_t registrations = -1;
  std::int64_t calls = -1;
  std::map<int, AlarmEntry> alarms;

  bool is_primary() const { return slot > 0 && slot == primary_slot; }
};

enum class LinkState : std::uint8_t {
  None,     // not clustered together
  Unknown,  // still being judged
  Active,   // both see each other
  OneWay,   // one sees the other, the other does not
  Failed,   // neither sees the other
};

// What a record changed, for the event log: whether it is worth a line there,
// and a note when the fold learned more than the record says (a move).
struct Change {
  bool notable = false;
  QString note;
};

// An endpoint's registration moving from one peer to another; `count`
// endpoints made the same move within a few seconds (a peer's failure moves many).
struct Move {
  std::int64_t t_ns = -1;
  int from = -1;
  int to = -1;
  QString address_of_record;  // the latest one
  int count = 0;
};

struct ClusterState {
  std::int64_t t_ns = 0;
  QStringList hosts;
  std::vector<PeerState> peers;  // by host index
  std::set<std::pair<int, int>> cuts;  // (from, to): packets from `from` to `to` stop
  // Address of record (SIP) or "h323:" and aliases -> the hosts holding a
  // registration of it: one, or two for SIP outbound's flows.
  std::map<QString, std::set<int>> registered_at;
  // Where an endpoint's registration was lost (its peer died, refused or
  // dropped it) and it has not registered elsewhere since: its next
  // registration at another host is a move.
  std::map<QString, int> lost_from;
  Move last_move;
  bool any_status = false;  // some host runs a Tandem peer: the others (workstations) are not drawn

  // Hosts a view draws: Tandem peers, or every booted host of a trace without any.
  std::vector<int> shown_hosts() const;
  int host_of_slot(int slot) const;  // -1 when no host holds it
  int primary_host() const;          // -1 when no peer is the primary
  std::int64_t primary_revision() const;
  // Endpoints (addresses of record) registered at `host`.
  int endpoints_at(int host) const;
  // Whether `host` still serves the registrations it holds: up, not paused, not
  // in maintenance mode, not cut off from a host that is not a Tandem peer.
  bool serves_endpoints(int host) const;
  // Revisions behind the primary; -1 when not known (down, stand-alone, no primary).
  std::int64_t lag(int host) const;
  // Its clustering settings equal the primary's (true when there is no primary to compare).
  bool settings_match(int host) const;
  LinkState link(int a, int b) const;
  bool cut(int a, int b) const { return cuts.count({a, b}) || cuts.count({b, a}); }
};

// Folds one record into `state`. Records must come in time order.
Change apply(ClusterState& state, const TraceEvent& record);

// Whether a record of this kind can change the state or the event log: the
// fold skips the rest (message deliveries and timers).
bool kind_matters(QByteArrayView kind);
bool kind_matters(QStringView kind);

// "01:02:03.456" for a time since the run began.
QString format_time(std::int64_t t_ns);

}  // namespace tandem::view
