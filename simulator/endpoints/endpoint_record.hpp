#pragma once
// What the twin records of each endpoint, and the summaries a scenario
// reads: which peer it was registered with over time (per flow), and when it
// was unreachable. Times are virtual time since the twin was made. Pure.
//
// Unreachable is judged by the twin, not by the endpoint: from its first
// registration on, an endpoint is reachable while at least one of its flows
// holds a registration (answered and not expired, as far as the endpoint
// knows) at a peer that still serves it: the peer's tandemd is running (not
// crashed, powered off or paused) in the same incarnation that took the
// registration (a restarted peer has lost it), is not in maintenance mode,
// and can exchange packets with the endpoint (no partition either way). So
// the time between a peer's failure and the endpoint noticing counts.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/time.hpp"

namespace tandem::sim::endpoints {

enum class EndpointKind : std::uint8_t { SipOutbound, SipSrv, SipRoundRobin, SipStatic, H323Srv, H323RoundRobin, H323Static };
std::string_view to_string(EndpointKind kind);

// Registered with `peer` (ClusterTwin host number) on `flow` over [from, to).
struct Stint {
  int flow = 0;
  int peer = 0;
  Duration from{};
  std::optional<Duration> to;  // open while still registered there
};

// Unreachable over [from, to).
struct Outage {
  Duration from{};
  std::optional<Duration> to;  // open while still unreachable
};

struct EndpointRecord {
  std::string user;
  std::vector<Stint> stints;
  std::vector<Outage> outages;
  std::optional<Duration> first_registered;

  // Unreachable time within [from, now]; open outages count up to now.
  Duration unreachable(Duration from, Duration now) const;
  // The longest single outage overlapping [from, now], clipped to it.
  Duration longest_outage(Duration from, Duration now) const;
  // The peer of the latest stint still open on any flow (lowest flow first), or 0.
  int current_peer() const;
  // The peer the endpoint was registered with at `t` (lowest flow first), or 0.
  int peer_at(Duration t) const;
};

struct PopulationReport {
  std::string name;
  EndpointKind kind = EndpointKind::SipSrv;
  int endpoints = 0;
  int reachable = 0;         // now
  int never_registered = 0;
  // Over [since, now], endpoints that registered at all:
  int affected = 0;          // with any unreachable time
  int moved = 0;             // registered (lowest flow) with another peer at the end than at `since`
  Duration unreachable_max{};
  Duration unreachable_p50{};           // over every endpoint (zeros included)
  Duration unreachable_p50_affected{};  // over the affected ones only
  Duration unreachable_total{};
};

// The summary of `records` over [since, now]. `reachable_now` per record.
PopulationReport summarize(std::string name, EndpointKind kind, const std::vector<EndpointRecord>& records,
                           const std::vector<bool>& reachable_now, Duration since, Duration now);
// One line per report, with a header: for printing.
std::string format_reports(const std::vector<PopulationReport>& reports);

}  // namespace tandem::sim::endpoints
