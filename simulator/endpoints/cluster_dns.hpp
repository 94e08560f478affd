#pragma once
// The DNS records the guide's Appendix 2 recommends for a cluster name, in
// the twin's DNS: an SRV record per peer for each service an endpoint or
// another VCS looks up, every one with the same priority (1) and weight (1)
// so each peer takes an equal share, targeting the peer's FQDN; and, for
// endpoints without SRV (DNS round-robin), an A record per peer under the
// cluster name itself.

#include <span>
#include <string>
#include <vector>

#include "simulator/cluster_twin.hpp"

namespace tandem::sim::endpoints {

// The services of Appendix 2 ("DNS SRV Configuration for Video
// Conferencing"), with the port each is served on.
struct ClusterService {
  const char* prefix;  // "_sip._tcp"
  std::uint16_t port;
};
inline constexpr ClusterService kClusterServices[] = {
    {"_sips._tcp", 5061},  {"_sip._tcp", 5060},    {"_h323ls._udp", 1719},
    {"_h323cs._tcp", 1720}, {"_h323rs._udp", 1719},
};

// Appendix 2 names _sip._udp too, "not recommended for video calls": not in
// its example records, so not in kClusterServices; pass it in `services` for
// UDP endpoints that look it up.
inline constexpr ClusterService kSipUdpService{"_sip._udp", 5060};

// Writes (replacing) the records of `cluster_name` for `peers` (host
// numbers; empty: every host of the twin), an SRV set per entry of
// `services`. Errors: an empty or malformed cluster name, a host number the
// twin does not have.
Status publish_cluster_records(ClusterTwin& twin, const std::string& cluster_name, std::vector<int> peers = {},
                               std::span<const ClusterService> services = kClusterServices);

}  // namespace tandem::sim::endpoints
