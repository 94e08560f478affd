#pragma once
// Clustering settings (System > Clustering): cluster name, configuration
// primary, cluster IP version, TLS verification mode and Peer 1..6 addresses.
// They are peer-specific items that must be identical on every peer; a peer
// compares them through their hash, which each heartbeat carries. Pure.

#include <array>
#include <map>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/config/store.hpp"
#include "runtime/core/address.hpp"
#include "runtime/env/tls/tls.hpp"

namespace tandem::cluster {

inline constexpr int kMaxPeers = 6;

enum class IpVersion : std::uint8_t { V4, V6 };

struct ClusteringSettings {
  std::string cluster_name;                     // FQDN, empty when not configured
  int primary = 1;                              // Configuration primary, 1..6
  IpVersion ip_version = IpVersion::V4;
  TlsVerifyMode tls_mode = TlsVerifyMode::Permissive;
  std::array<std::string, kMaxPeers> peers{};   // Peer 1..6 address, "" when empty

  // Reads the "Alternates ..." items of a store.
  static Result<ClusteringSettings> load(config::Store& store);
  // The same as store changes (for ForceConfigUpdate-free edits and tests).
  std::vector<config::Change> to_changes() const;

  // Listed peers, in order (the non-empty addresses).
  int peer_count() const;
  bool clustered() const { return peer_count() > 0; }
  // Peer addresses that are names (FQDNs, as Enforce needs), to resolve in DNS.
  std::vector<std::string> names() const;
  // The slot (1..6) holding one of `own` addresses, as an IP literal or as a
  // name that `resolved` maps to it: "This system", if listed.
  std::optional<int> this_system(const std::vector<IpAddress>& own,
                                 const std::map<std::string, std::vector<IpAddress>>& resolved = {}) const;
  // A stable digest of every field; equal on two peers iff their settings are.
  std::string hash() const;

  bool operator==(const ClusteringSettings&) const = default;
};

// The guide's rules for a cluster's settings: at most 6 peers with no empty
// slot between them, no address twice, a cluster name once peers are listed,
// and the configuration primary naming a listed peer. Each error names the rule.
Status check(const ClusteringSettings& settings);

// What changing from `before` to `after` needs: true when the running peer must
// restart for it to take effect (every clustering field does, as on a VCS).
bool restart_required(const ClusteringSettings& before, const ClusteringSettings& after);

}  // namespace tandem::cluster
