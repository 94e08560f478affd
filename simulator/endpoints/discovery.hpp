#pragma once
// Server discovery, as the guide's endpoint options find a peer to register
// with. A round is one pass over the candidates: next() gives the next
// server to try, and after the last one of the round an error (the caller
// waits, then restart()s a fresh round).
//
//   static        the one configured address, once a round (Option 4, and
//                 each flow of SIP outbound, configured by address);
//   DNS SRV       the SRV records of the cluster name in RFC 2782 order
//                 (priority, then weighted random), each target's A record
//                 looked up; the SRV answer is kept for cache_ttl (the guide:
//                 a long time, e.g. 24 hours); a new round draws a new order;
//   round-robin   a fresh A lookup of the cluster name for every try, taking
//                 the first address of the answer (the DNS server rotates its
//                 list, so each lookup points at the next peer); a round is
//                 as many tries as the answer had addresses (nothing is
//                 cached: the guide's cache timeout of a minute or less);
//   list          given servers in order (H.323's alternate gatekeepers).
//
// Destroying a Discovery cancels its lookups: no callback afterwards.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/env/env.hpp"

namespace tandem::sim::endpoints {

using ServerHandler = std::function<void(Result<Endpoint>)>;

class Discovery {
 public:
  virtual ~Discovery() = default;
  // The next server of this round, or an error naming why there is none
  // (round over, DNS failure). At most one call outstanding. May answer at
  // once (static, list) or after a DNS round trip.
  virtual void next(ServerHandler done) = 0;
  // A fresh round from the top.
  virtual void restart() = 0;
};

std::unique_ptr<Discovery> static_discovery(Endpoint server);
std::unique_ptr<Discovery> list_discovery(std::vector<Endpoint> servers);
// `owner`: "_sip._tcp.cluster.example.com". Randomness: env.random().
std::unique_ptr<Discovery> srv_discovery(Env& env, std::string owner, Duration cache_ttl);
std::unique_ptr<Discovery> round_robin_discovery(Env& env, std::string name, std::uint16_t port);

}  // namespace tandem::sim::endpoints
