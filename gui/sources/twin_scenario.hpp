#pragma once
// A ClusterTwin formed into a cluster the way an operator forms one: Create a
// New Cluster on host 1, then Add a Peer for each other host, the guide's
// plans run through a TwinOperator. Used by the in-app twin, the tests and
// bench_view.

#include <memory>

#include "gui/state/state_history.hpp"
#include "simulator/cluster_twin.hpp"
#include "simulator/endpoints/populations.hpp"

namespace tandem::view {

struct TwinScenario {
  int peers = 3;  // 1..6
  std::uint64_t seed = 1;
  int endpoints = 0;  // registering with the peers: 0..kMaxTwinEndpoints
};

inline constexpr int kMaxTwinEndpoints = 3000;

// Errors: peers or endpoints out of range, or a plan that did not finish (its report).
Result<std::unique_ptr<sim::ClusterTwin>> form_twin_cluster(const TwinScenario& scenario);

// `count` endpoints registering with the twin's peers, the cluster name's DNS
// records published first: half find the cluster by SIP DNS SRV, a quarter
// are SIP outbound to two peers, the rest H.323 by DNS SRV (a 60 s
// time-to-live, so they notice a lost gatekeeper within a minute). Null
// when count is 0. Destroy before the twin.
Result<std::unique_ptr<sim::endpoints::EndpointPopulations>> add_twin_endpoints(sim::ClusterTwin& twin, int count);

// Copies the twin's kept trace records from `from` on into `history` (only
// the kinds that matter), as one append; returns the index to continue from.
std::size_t copy_twin_records(sim::ClusterTwin& twin, std::size_t from, StateHistory& history);

// The twin's host names, as a trace header lists them.
QStringList twin_host_names(sim::ClusterTwin& twin);

}  // namespace tandem::view
