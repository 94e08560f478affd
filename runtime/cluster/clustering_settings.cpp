#include "runtime/cluster/clustering_settings.hpp"

#include "runtime/core/sha256.hpp"

#include <cstdio>
#include <set>

namespace tandem::cluster {
namespace {

std::string peer_path(int slot) { return "Alternates Peer " + std::to_string(slot) + " Address"; }


}  // namespace

Result<ClusteringSettings> ClusteringSettings::load(config::Store& store) {
  ClusteringSettings s;
  auto name = store.get("Alternates Cluster Name");
  auto primary = store.get("Alternates ConfigurationMaster");
  auto ip = store.get("Alternates Cluster IpVersion");
  auto tls = store.get("Alternates Cluster TlsVerificationMode");
  if (!name || !primary || !ip || !tls) return make_error("cannot read clustering settings from the store");
  s.cluster_name = *name;
  // Re-checked: the database file may have been edited behind the schema's back.
  auto canonical_primary = config::vcs_schema().validate("Alternates ConfigurationMaster", *primary);
  if (!canonical_primary) return make_error("stored clustering settings are corrupt: " + canonical_primary.error().message);
  s.primary = std::stoi(*canonical_primary);
  s.ip_version = *ip == "IPv6" ? IpVersion::V6 : IpVersion::V4;
  s.tls_mode = *tls == "Enforce" ? TlsVerifyMode::Enforce : TlsVerifyMode::Permissive;
  for (int slot = 1; slot <= kMaxPeers; ++slot) {
    auto address = store.get(peer_path(slot));
    if (!address) return address.error();
    s.peers[static_cast<std::size_t>(slot - 1)] = *address;
  }
  return s;
}

std::vector<config::Change> ClusteringSettings::to_changes() const {
  std::vector<config::Change> changes = {
      {"Alternates Cluster Name", cluster_name},
      {"Alternates ConfigurationMaster", std::to_string(primary)},
      {"Alternates Cluster IpVersion", ip_version == IpVersion::V6 ? "IPv6" : "IPv4"},
      {"Alternates Cluster TlsVerificationMode", std::string(to_string(tls_mode))},
  };
  for (int slot = 1; slot <= kMaxPeers; ++slot) {
    changes.push_back({peer_path(slot), peers[static_cast<std::size_t>(slot - 1)]});
  }
  return changes;
}

int ClusteringSettings::peer_count() const {
  int n = 0;
  for (const std::string& p : peers) n += p.empty() ? 0 : 1;
  return n;
}

std::vector<std::string> ClusteringSettings::names() const {
  std::vector<std::string> out;
  for (const std::string& p : peers) {
    if (!p.empty() && !IpAddress::parse(p)) out.push_back(p);
  }
  return out;
}

std::optional<int> ClusteringSettings::this_system(const std::vector<IpAddress>& own,
                                                   const std::map<std::string, std::vector<IpAddress>>& resolved) const {
  for (int slot = 1; slot <= kMaxPeers; ++slot) {
    const std::string& address = peers[static_cast<std::size_t>(slot - 1)];
    std::vector<IpAddress> candidates;
    if (auto ip = IpAddress::parse(address)) {
      candidates.push_back(*ip);
    } else if (auto it = resolved.find(address); it != resolved.end()) {
      candidates = it->second;
    }
    for (const IpAddress& candidate : candidates) {
      for (const IpAddress& mine : own) {
        if (candidate == mine) return slot;
      }
    }
  }
  return std::nullopt;
}

std::string ClusteringSettings::hash() const {
  std::string canonical = "v1|" + cluster_name + "|" + std::to_string(primary) + "|" +
                          (ip_version == IpVersion::V6 ? "IPv6" : "IPv4") + "|" + std::string(to_string(tls_mode));
  for (const std::string& p : peers) canonical += "|" + p;
  return sha256_hex(canonical).substr(0, 16);
}

Status check(const ClusteringSettings& s) {
  const int count = s.peer_count();
  bool seen_empty = false;
  std::set<std::string> seen;
  for (int slot = 1; slot <= kMaxPeers; ++slot) {
    const std::string& address = s.peers[static_cast<std::size_t>(slot - 1)];
    if (address.empty()) {
      seen_empty = true;
      continue;
    }
    if (seen_empty) {
      return make_error("Peer " + std::to_string(slot) + " address follows an empty slot: move the addresses up so "
                        "that there are no empty fields between entries");
    }
    if (!seen.insert(address).second) {
      return make_error("Peer " + std::to_string(slot) + " address " + address + " is listed twice");
    }
  }
  if (count == 0) return {};
  if (s.cluster_name.empty()) {
    return make_error("Cluster name not configured: if FindMe or clustering are in use a cluster name must be defined");
  }
  if (s.primary < 1 || s.primary > count) {
    return make_error("Configuration primary " + std::to_string(s.primary) + " does not name a listed peer (1.." +
                      std::to_string(count) + ")");
  }
  return {};
}

bool restart_required(const ClusteringSettings& before, const ClusteringSettings& after) { return !(before == after); }

}  // namespace tandem::cluster
