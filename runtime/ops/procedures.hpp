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

// Change the Address of a Peer: Remove a Live Peer, set its LAN address to
// `new_address` (an IP address of the same family) and restart it there, then
// Add a Peer at `new_address`. Not the primary. Run again after a stop, with
// the same arguments: it continues whether the peer still answers at its old
// address or already at the new one.
Result<Plan> change_address(Operator& op, const std::string& primary, const std::string& peer,
                            const std::string& new_address, const Timeouts& timeouts = {});

// Replace a Peer And Keep Its Configuration, the guide's nine steps: remove
// `old_peer` safely (its clustering cleared first, then the others', the
// primary first), back it up, check that `new_peer` has the cluster's feature
// option keys, restore the backup onto `new_peer` (which keeps its own
// address, host name, certificates and option keys), give it the other peers'
// DNS and NTP servers, add it, restart, wait for the cluster to converge.
// `new_peer` is a stand-alone peer on the same release.
Result<Plan> replace_keeping_configuration(Operator& op, const std::string& primary, const std::string& old_peer,
                                           const std::string& new_peer, const Timeouts& timeouts = {});

// The factory-reset questions a remote reset can answer. The guide's
// recommended answers are No to each. The IP configuration is always kept:
// over the admin API a peer without it could not be reached again (the
// console's equivalent is an empty data directory and `tandemd init`).
struct ResetChoices {
  bool keep_option_keys = false;
  bool keep_certificates = false;  // No: a new self-signed certificate is made
  bool keep_passwords = false;     // No: only the operator's own account is kept
  bool keep_logs = false;
};

// Clear Configuration From This Peer: a removed or recovered peer back to its
// factory defaults (stand-alone, no cluster database) so it cannot interact
// with its ex-peers; add it back afterwards with add_peer. Refused while any
// peer it lists still lists it (remove it from that cluster first).
Result<Plan> clear_configuration(Operator& op, const std::string& peer, const ResetChoices& choices = {},
                                 const Timeouts& timeouts = {});

}  // namespace tandem::ops
