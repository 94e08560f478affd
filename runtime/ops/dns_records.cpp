#include "runtime/ops/dns_records.hpp"

#include <algorithm>
#include <set>

#include "runtime/core/address.hpp"
#include "runtime/core/ascii.hpp"
#include "runtime/env/dns/dns_message.hpp"
#include "runtime/ops/peer_client.hpp"

namespace tandem::ops {
namespace {

constexpr std::uint16_t kCollabEdgePort = 8443;

// DNS names compare without case and without the root's trailing dot.
std::string dns_key(std::string_view name) {
  if (name.ends_with('.')) name.remove_suffix(1);
  return ascii_lower(name);
}

Result<std::uint16_t> port_if_on(PeerClient& peer, const std::string& mode, const std::string& port) {
  auto on = peer.get(mode);
  if (!on) return on.error();
  if (*on != "On") return std::uint16_t{0};
  auto number = peer.get(port);
  if (!number) return number.error();
  return static_cast<std::uint16_t>(std::stoi(*number));
}

Result<ClusterPeerName> name_of(Operator& op, const std::string& listed, int slot) {
  ClusterPeerName out{listed, "", ""};
  PeerClient peer(op, listed);
  const std::string who = "peer " + std::to_string(slot) + " (" + listed + ")";
  if (IpAddress::parse(listed)) {
    out.ip = listed;
    auto host = peer.get("IP DNS Hostname");
    if (!host) return make_error(who + ": " + host.error().message);
    auto domain = peer.get("IP DNS Domain Name");
    if (!domain) return make_error(who + ": " + domain.error().message);
    if (host->empty() || domain->empty()) {
      return make_error(who + " has no IP DNS Hostname and Domain Name: set them (System > DNS), or list the peer by its FQDN");
    }
    out.fqdn = *host + "." + *domain;
    return out;
  }
  out.fqdn = listed;  // listed by FQDN, as TLS Enforce wants: its LAN address says where the name must point
  for (const char* item : {"Ethernet 1 IP V4 Address", "Ethernet 1 IP V6 Address"}) {
    auto ip = peer.get(item);
    if (!ip) return make_error(who + ": " + ip.error().message);
    if (!ip->empty()) {
      out.ip = *ip;
      return out;
    }
  }
  return make_error(who + " has no LAN address configured");
}

DnsRecord srv(const std::string& service, const ClusterDnsFacts& facts, const ClusterPeerName& peer, std::uint16_t port) {
  return DnsRecord{service + "." + facts.cluster_name, DnsType::SRV, kSrvTtlS,
                   SrvRecord{kSrvPriority, kSrvWeight, port, peer.fqdn}, ""};
}

DnsType address_type(const std::string& ip) {
  auto parsed = IpAddress::parse(ip);
  return parsed && !parsed->is_v4() ? DnsType::AAAA : DnsType::A;
}

std::string describe(const DnsQuestion& q, const SrvRecord& s) {
  return q.name + " SRV " + std::to_string(s.priority) + " " + std::to_string(s.weight) + " " +
         std::to_string(s.port) + " " + s.target;
}

}  // namespace

Result<ClusterDnsFacts> read_cluster_dns(Operator& op, const std::string& entry) {
  PeerClient first(op, entry);
  auto status = first.status();
  if (!status) return status.error();
  if (!status->clustered || status->cluster_name.empty()) {
    return make_error(entry + " is not a cluster peer with a cluster name: there is nothing to publish in DNS");
  }
  ClusterDnsFacts facts;
  facts.cluster_name = status->cluster_name;
  const std::vector<std::pair<std::uint16_t*, std::pair<const char*, const char*>>> ports = {
      {&facts.sip_tcp_port, {"SIP TCP Mode", "SIP TCP Port"}},
      {&facts.sip_udp_port, {"SIP UDP Mode", "SIP UDP Port"}},
      {&facts.sip_tls_port, {"SIP TLS Mode", "SIP TLS Port"}},
      {&facts.h323_ras_port, {"H323 Mode", "H323 Gatekeeper Registration UDP Port"}},
      {&facts.h323_call_port, {"H323 Mode", "H323 Gatekeeper CallSignaling TCP Port"}},
  };
  for (const auto& [out, items] : ports) {
    auto port = port_if_on(first, items.first, items.second);
    if (!port) return make_error(entry + ": " + port.error().message);
    *out = *port;
  }
  for (const PeerEntry& p : status->peers) {
    auto name = name_of(op, p.address, p.slot);
    if (!name) return name.error();
    facts.peers.push_back(std::move(*name));
  }
  return facts;
}

std::vector<DnsRecord> recommended_records(const ClusterDnsFacts& facts) {
  std::vector<DnsRecord> out;
  const std::vector<std::pair<std::string, std::uint16_t>> services = {
      {"_sips._tcp", facts.sip_tls_port},       {"_sip._tcp", facts.sip_tcp_port},
      {"_sip._udp", facts.sip_udp_port},        {"_h323ls._udp", facts.h323_ras_port},
      {"_h323rs._udp", facts.h323_ras_port},    {"_h323cs._tcp", facts.h323_call_port},
      {"_collab-edge._tls", facts.collab_edge ? kCollabEdgePort : std::uint16_t{0}},
  };
  for (const auto& [service, port] : services) {
    if (port == 0) continue;
    for (const ClusterPeerName& peer : facts.peers) out.push_back(srv(service, facts, peer, port));
  }
  for (const ClusterPeerName& peer : facts.peers) {
    out.push_back(DnsRecord{peer.fqdn, address_type(peer.ip), kSrvTtlS, {}, peer.ip});
  }
  for (const ClusterPeerName& peer : facts.peers) {
    out.push_back(DnsRecord{facts.cluster_name, address_type(peer.ip), kRoundRobinTtlS, {}, peer.ip});
  }
  return out;
}

std::string zone_line(const DnsRecord& r) {
  std::string line = r.name + ". " + std::to_string(r.ttl_s) + " IN ";
  if (r.type == DnsType::SRV) {
    return line + "SRV " + std::to_string(r.srv.priority) + " " + std::to_string(r.srv.weight) + " " +
           std::to_string(r.srv.port) + " " + r.srv.target + ".";
  }
  return line + (r.type == DnsType::AAAA ? "AAAA " : "A ") + r.ip;
}

std::vector<DnsQuestion> questions_for(const std::vector<DnsRecord>& records) {
  std::vector<DnsQuestion> out;
  for (const DnsRecord& r : records) {
    DnsQuestion q{r.name, r.type};
    if (std::find(out.begin(), out.end(), q) == out.end()) out.push_back(std::move(q));
  }
  return out;
}

std::string_view to_string(Finding finding) {
  switch (finding) {
    case Finding::Ok: return "OK";
    case Finding::Missing: return "MISSING";
    case Finding::Stale: return "STALE";
    case Finding::Wrong: return "WRONG";
    case Finding::Failed: return "FAILED";
  }
  return "?";
}

std::vector<DnsCheckLine> check_records(const std::vector<DnsRecord>& records,
                                        const std::vector<DnsQuestion>& questions,
                                        const std::vector<Result<DnsAnswer>>& answers) {
  TANDEM_ASSERT(questions.size() == answers.size());
  std::vector<DnsCheckLine> lines;
  for (std::size_t i = 0; i < questions.size(); ++i) {
    const DnsQuestion& q = questions[i];
    std::vector<const DnsRecord*> wanted;
    for (const DnsRecord& r : records) {
      if (r.name == q.name && r.type == q.type) wanted.push_back(&r);
    }
    if (!answers[i]) {
      lines.push_back({Finding::Failed, q.name + " " + std::string(dns::to_string(q.type)) + ": " + answers[i].error().message});
      for (const DnsRecord* r : wanted) lines.push_back({Finding::Missing, zone_line(*r)});
      continue;
    }
    const DnsAnswer& a = *answers[i];
    if (q.type == DnsType::SRV) {
      std::set<std::size_t> matched;  // answers that belong to a wanted peer
      for (const DnsRecord* r : wanted) {
        auto same_target = std::find_if(a.services.begin(), a.services.end(), [r](const SrvRecord& s) {
          return dns_key(s.target) == dns_key(r->srv.target);
        });
        if (same_target == a.services.end()) {
          lines.push_back({Finding::Missing, zone_line(*r)});
          continue;
        }
        matched.insert(static_cast<std::size_t>(same_target - a.services.begin()));
        const SrvRecord& got = *same_target;
        if (got.port == r->srv.port && got.priority == r->srv.priority && got.weight == r->srv.weight) {
          lines.push_back({Finding::Ok, zone_line(*r)});
        } else {
          lines.push_back({Finding::Wrong, describe(q, got) + " (wanted " + zone_line(*r) + ")"});
        }
      }
      for (std::size_t k = 0; k < a.services.size(); ++k) {
        if (!matched.count(k)) lines.push_back({Finding::Stale, describe(q, a.services[k]) + ": not a peer of the cluster"});
      }
      continue;
    }
    std::set<std::string> answered;
    for (const IpAddress& ip : a.addresses) answered.insert(ip.to_string());
    for (const DnsRecord* r : wanted) {
      const bool found = answered.erase(r->ip) > 0;
      lines.push_back({found ? Finding::Ok : Finding::Missing, zone_line(*r)});
    }
    for (const std::string& ip : answered) {
      lines.push_back({Finding::Stale, q.name + " " + std::string(dns::to_string(q.type)) + " " + ip +
                                           ": not the address of a peer of the cluster"});
    }
  }
  return lines;
}

}  // namespace tandem::ops
