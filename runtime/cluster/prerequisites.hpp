#pragma once
// The guide's "Clustering Prerequisites" as one check over what is known of
// each peer (to be) in the cluster: each item passes or fails with the peers
// that break it named. Pure: gathering the facts is the caller's business.

#include <optional>
#include <string>
#include <vector>

#include "runtime/cluster/licences.hpp"
#include "runtime/core/time.hpp"

namespace tandem::cluster {

inline constexpr Duration kMaxPeerRoundTrip = std::chrono::milliseconds(30);

struct PeerFacts {
  std::string address;  // as listed in the clustering settings
  std::string system_name;
  std::string software_version;
  Platform platform = Platform::MediumVm;
  std::vector<std::string> lan_addresses;  // IPv4 and IPv6 of each LAN
  std::string feature_keys_hash;
  bool h323_on = true;
  int dns_servers = 0;
  bool ntp_synchronized = false;
  std::optional<Duration> round_trip;      // measured from the peer running the check
  std::vector<std::string> neighbour_addresses;  // addresses in its neighbour and traversal zones
};

struct CheckItem {
  std::string name;
  bool passed = false;
  std::string detail;  // why not, naming the peers
};

std::vector<CheckItem> check_prerequisites(const std::vector<PeerFacts>& peers);
bool all_passed(const std::vector<CheckItem>& items);

}  // namespace tandem::cluster
