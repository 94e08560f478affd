#pragma once
// A ClusterTwin formed into a cluster the way an operator forms one: Create a
// New Cluster on host 1, then Add a Peer for each other host, the guide's
// plans run through a TwinOperator. Used by the in-app twin, the tests and
// bench_view.

#include <memory>

#include "gui/state/state_history.hpp"
#include "simulator/cluster_twin.hpp"

namespace tandem::view {

struct TwinScenario {
  int peers = 3;  // 1..6
  std::uint64_t seed = 1;
};

// Errors: peers out of range, or a plan that did not finish (its report).
Result<std::unique_ptr<sim::ClusterTwin>> form_twin_cluster(const TwinScenario& scenario);

// Copies the twin's kept trace records from `from` on into `history` (only
// the kinds that matter), as one append; returns the index to continue from.
std::size_t copy_twin_records(sim::ClusterTwin& twin, std::size_t from, StateHistory& history);

// The twin's host names, as a trace header lists them.
QStringList twin_host_names(sim::ClusterTwin& twin);

}  // namespace tandem::view
