#include "simulator/endpoints/cluster_dns.hpp"

namespace tandem::sim::endpoints {

Status publish_cluster_records(ClusterTwin& twin, const std::string& cluster_name, std::vector<int> peers,
                               std::span<const ClusterService> services) {
  if (cluster_name.empty() || cluster_name.front() == '.' || cluster_name.find(' ') != std::string::npos) {
    return make_error("cluster name '" + cluster_name + "' is not a DNS name");
  }
  if (peers.empty()) {
    for (int n = 1; n <= twin.host_count(); ++n) peers.push_back(n);
  }
  std::vector<IpAddress> addresses;
  for (int n : peers) {
    if (n < 1 || n > twin.host_count()) {
      return make_error("peer " + std::to_string(n) + " is not a host of the twin (1.." +
                        std::to_string(twin.host_count()) + ")");
    }
    addresses.push_back(*IpAddress::parse(twin.address(n)));
  }
  for (const ClusterService& service : services) {
    std::vector<SrvRecord> records;
    for (int n : peers) records.push_back(SrvRecord{1, 1, service.port, twin.fqdn(n)});
    twin.sim().dns().set_srv(std::string(service.prefix) + "." + cluster_name, std::move(records));
  }
  twin.sim().dns().set_addresses(cluster_name, std::move(addresses));
  return {};
}

}  // namespace tandem::sim::endpoints
