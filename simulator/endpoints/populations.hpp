#pragma once
// Populations of endpoints registering with a ClusterTwin's peers, one of
// each option the guide lists under "Configure Endpoints to Work With a
// Cluster". Each population is one twin host (10.0.1.N, named after it)
// whose process runs all its endpoints on the host's Env, each with its own
// socket and source port; they send real REGISTERs (runtime/wire's codec)
// over the modelled network to the peers' real registrar.
//
//   SipOutbound     Proxy 1 and Proxy 2 by address, Outbound On: endpoint i
//                   registers flows to peers[i % n] and peers[(i + 1) % n]
//   SipSrv          Server Address = cluster name, SRV _sip._tcp (or _udp)
//   SipRoundRobin   Server Address = cluster name, A records
//   SipStatic       Server Address = peers[i % n]
//   H323Srv         Gatekeeper IP Address = cluster name, SRV _h323rs._udp
//   H323RoundRobin  Gatekeeper IP Address = cluster name, A records
//   H323Static      Gatekeeper IP Address = peers[i % n]
// H.323 endpoints turn to the alternate gatekeepers their last RCF listed
// when they lose their gatekeeper (the guide, for all three options).
//
// Publish the cluster name's records first (cluster_dns.hpp). Each endpoint
// gets an EndpointRecord (endpoint_record.hpp says how "unreachable" is
// judged); the twin is probed every probe_interval for changes of the peers
// (crash, restart, pause, maintenance mode, partitions), so outage times are
// exact to that interval. Deterministic: same seed, same calls, same trace.
//
// Not re-entrant with the twin: call from outside a twin callback. Destroy
// before the ClusterTwin; destruction crashes the population hosts.

#include <memory>
#include <string>
#include <vector>

#include "simulator/cluster_twin.hpp"
#include "simulator/endpoints/device.hpp"
#include "simulator/endpoints/endpoint_record.hpp"
#include "simulator/endpoints/h323_registration.hpp"
#include "simulator/endpoints/sip_registration.hpp"

namespace tandem::sim::endpoints {

inline constexpr int kMaxPopulations = 32;
inline constexpr int kMaxEndpointsPerPopulation = 16000;  // source ports of one host

struct PopulationSpec {
  std::string name;  // the twin host's name and each endpoint's user prefix ("name-7")
  EndpointKind kind = EndpointKind::SipSrv;
  int count = 1;
  std::string cluster_name = "cluster.tandem.test";  // the Server Address of SRV and round-robin endpoints
  std::vector<int> peers;  // static and outbound endpoints' peers; empty: every host of the twin
  Duration start_within = std::chrono::seconds(10);  // each endpoint starts at a random time within this
  SipEndpointOptions sip;  // SIP kinds; outbound is set from the kind
  H323EndpointOptions h323;  // H.323 kinds
  RecoveryTimings recovery;
  Duration srv_cache_ttl = std::chrono::hours(24);  // the guide: a long time
};

struct PopulationsOptions {
  Duration probe_interval = std::chrono::milliseconds(100);
};

class EndpointPopulations {
 public:
  explicit EndpointPopulations(ClusterTwin& twin, PopulationsOptions options = {});
  ~EndpointPopulations();
  EndpointPopulations(const EndpointPopulations&) = delete;
  EndpointPopulations& operator=(const EndpointPopulations&) = delete;

  // Makes the population's host and starts it; its index. Errors name what
  // is wrong: no name or a taken one, a count outside 1..16000, a peer the
  // twin does not have, outbound with fewer than two peers, bad SIP or H.323
  // options, more than kMaxPopulations.
  Result<int> add(PopulationSpec spec);

  int count() const;
  const PopulationSpec& spec(int population) const;
  SimHost& host(int population);
  int endpoints(int population) const;
  const EndpointRecord& record(int population, int endpoint) const;
  bool reachable(int population, int endpoint) const;
  int reachable_count(int population) const;
  // Endpoints registered (any flow) with each peer: index = host number.
  std::vector<int> registered_per_peer(int population) const;

  // Summaries over [since, now]; text has one line per population.
  PopulationReport report(int population, Duration since) const;
  std::vector<PopulationReport> reports(Duration since) const;
  std::string report_text(Duration since) const;

  // Cuts every population host off from peer `peer` (both ways), or heals it.
  void isolate_peer(int peer);
  void reconnect_peer(int peer);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tandem::sim::endpoints
