#pragma once
// The guide's cluster procedures as plans (procedure.hpp). Each function reads
// the cluster through the Operator, refuses with a clear reason when the guide
// forbids what is asked (nothing has changed then), and otherwise returns the
// steps in the guide's order. Peers are named by the address their admin API
// answers on, which is also their Peer N address.

#include <string>

#include "runtime/ops/procedure.hpp"

namespace tandem::ops {

struct Timeouts {
  Duration restart = std::chrono::seconds(120);   // a peer back after xCommand Restart or an upgrade
  Duration drain = std::chrono::minutes(30);      // calls cleared, registrations timed out
  Duration converge = std::chrono::minutes(10);   // database Active everywhere, alarms cleared
};

// Create a New Cluster: `peer` (stand-alone) becomes peer 1 and the primary.
Result<Plan> create_cluster(Operator& op, const std::string& peer, const std::string& cluster_name,
                            const std::string& tls_mode = "Permissive", const Timeouts& timeouts = {});

// Add a Peer to a Cluster: `new_peer` joins the cluster whose primary is `primary`.
Result<Plan> add_peer(Operator& op, const std::string& primary, const std::string& new_peer,
                      const Timeouts& timeouts = {});

// Remove a Live Peer From a Cluster (Permanently).
Result<Plan> remove_live_peer(Operator& op, const std::string& primary, const std::string& peer,
                              const Timeouts& timeouts = {});

// Remove a Dead Peer From a Cluster (Permanently): `peer` cannot be reached.
Result<Plan> remove_dead_peer(Operator& op, const std::string& primary, const std::string& peer,
                              const Timeouts& timeouts = {});

// Disband a Cluster: every peer becomes stand-alone, keeping its configuration.
Result<Plan> disband(Operator& op, const std::string& primary, const Timeouts& timeouts = {});

// Change the Primary Peer to `new_primary`; works when the old primary is unreachable.
Result<Plan> change_primary(Operator& op, const std::string& new_primary, const Timeouts& timeouts = {});

// Upgrade a Cluster to `version`: the primary first, then each subordinate in turn.
Result<Plan> upgrade(Operator& op, const std::string& primary, const std::string& version,
                     const Timeouts& timeouts = {});

// Replace a Peer: remove `old_peer` (live or dead, as it is) and add `new_peer`.
Result<Plan> replace_peer(Operator& op, const std::string& primary, const std::string& old_peer,
                          const std::string& new_peer, const Timeouts& timeouts = {});

}  // namespace tandem::ops
