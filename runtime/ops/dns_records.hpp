#pragma once
// The DNS records a cluster needs (the guide's Appendix 2, and "Configure
// Endpoints to Work With a Cluster"): for the cluster name, one SRV record
// per peer for each service the peers offer, all at equal priority and
// weight (endpoints then spread over the peers and fail over among them, RFC
// 2782); an A (or AAAA) record per peer FQDN; and A records of the cluster
// name itself for endpoints without SRV (DNS round-robin, short TTL).
//
// Read from a live cluster (or the twin) through the admin API, printed as
// zone-file lines, and checked against what a DNS server answers: what is
// missing, what is stale (points at something that is not a peer), and what
// is wrong (a peer at another port, priority or weight, or another address).

#include <functional>
#include <string>
#include <vector>

#include "runtime/env/env.hpp"
#include "runtime/ops/operator.hpp"

namespace tandem::ops {

inline constexpr std::uint32_t kSrvTtlS = 86400;        // the guide: SRV cached for a long time (24 h)
inline constexpr std::uint32_t kRoundRobinTtlS = 60;    // the guide: round-robin A cached for a minute or less
inline constexpr std::uint16_t kSrvPriority = 1;        // as the guide's example: equal for every peer
inline constexpr std::uint16_t kSrvWeight = 1;

struct ClusterPeerName {
  std::string address;  // as listed in System > Clustering
  std::string fqdn;     // IP DNS Hostname.Domain Name, or the listed name
  std::string ip;       // its LAN address
};

// What the records are made from: the cluster name and peers, and which
// services are on (replicated items, read on the peer asked).
struct ClusterDnsFacts {
  std::string cluster_name;
  std::vector<ClusterPeerName> peers;
  std::uint16_t sip_tcp_port = 0;  // 0: off
  std::uint16_t sip_udp_port = 0;
  std::uint16_t sip_tls_port = 0;
  std::uint16_t h323_ras_port = 0;
  std::uint16_t h323_call_port = 0;
  bool collab_edge = false;  // _collab-edge._tls on 8443, for Mobile and Remote Access
};

// Reads the facts through the admin API of `entry` and of each listed peer
// (host name and domain are per peer). Errors: the peer is not clustered or
// has no cluster name; a peer cannot be reached or has no host name and
// domain (and is not listed by FQDN), named.
Result<ClusterDnsFacts> read_cluster_dns(Operator& op, const std::string& entry);

struct DnsRecord {
  std::string name;  // without the trailing dot
  DnsType type = DnsType::SRV;
  std::uint32_t ttl_s = 0;
  SrvRecord srv;    // SRV
  std::string ip;   // A, AAAA
  bool operator==(const DnsRecord&) const = default;
};

std::vector<DnsRecord> recommended_records(const ClusterDnsFacts& facts);
// "_sips._tcp.cluster.example.com. 86400 IN SRV 1 1 5061 peer1.example.com."
std::string zone_line(const DnsRecord& record);

// The questions a check asks: each distinct (name, type) of `records`.
struct DnsQuestion {
  std::string name;
  DnsType type = DnsType::A;
  bool operator==(const DnsQuestion&) const = default;
};
std::vector<DnsQuestion> questions_for(const std::vector<DnsRecord>& records);

enum class Finding : std::uint8_t { Ok, Missing, Stale, Wrong, Failed };
std::string_view to_string(Finding finding);

struct DnsCheckLine {
  Finding finding = Finding::Ok;
  std::string text;  // the record, or what the server said
};

// Compares the answers (one per question, in questions_for order) with the
// records: every record found exactly (Ok), not found (Missing), found with
// another port/priority/weight (Wrong), an answer for none of the peers
// (Stale), a lookup that failed (Failed, with the server's error).
std::vector<DnsCheckLine> check_records(const std::vector<DnsRecord>& records,
                                        const std::vector<DnsQuestion>& questions,
                                        const std::vector<Result<DnsAnswer>>& answers);

}  // namespace tandem::ops
