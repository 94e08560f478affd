#pragma once
// The H.323 gatekeeper's registration service (H.225.0 RAS on UDP 1719):
// endpoints register to any peer of the cluster, and each RCF and GCF lists
// the other peers as alternate gatekeepers, so an endpoint that loses its
// peer registers with another (the guide's "H.323 Endpoints"). Written
// against Env; the same code serves real endpoints in tandemd and simulated
// ones in the twin.
//
// What it answers (replies go to the datagram's source address and port):
//   GRQ  GCF with this gatekeeper's identifier, RAS address and the
//        alternates; GRJ resourceUnavailable (with the alternates) in
//        maintenance mode.
//   RRQ  full: RCF with an endpointIdentifier, the timeToLive (the configured
//        H323 Gatekeeper TimeToLive, or less when the endpoint asked for
//        less, never under ttl_min_s) and the alternates. An endpoint
//        re-registering from the same RAS address keeps its identifier.
//        RRJ invalidRASAddress / invalidCallSignalAddress when it gives none,
//        duplicateAlias when another endpoint holds one of its aliases,
//        resourceUnavailable (with the alternates) in maintenance mode or
//        when registrations_max are held.
//        keepAlive: RCF, the registration refreshed; RRJ
//        fullRegistrationRequired when the endpointIdentifier is not
//        registered here (it expired, or this peer restarted).
//        Maintenance mode refuses refreshes too, so endpoints move to an
//        alternate; what exists drains by expiry, as with SIP.
//   URQ  UCF, the registration removed (found by endpointIdentifier, else by
//        call signalling address); URJ notCurrentlyRegistered otherwise.
// A registration not refreshed within its timeToLive plus expiry_grace is
// removed. Datagrams that do not decode are counted and dropped (logged at
// most once a minute); decoded messages a gatekeeper does not take (a GCF,
// an RCF...) are counted as ignored.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "runtime/env/env.hpp"
#include "runtime/h323/ras_message.hpp"

namespace tandem::h323 {

struct GatekeeperOptions {
  std::string gatekeeper_id = "TANDEM";  // 1..128 characters
  Endpoint ras_address;                  // what GCF names; the socket's own address by default
  std::uint16_t call_signal_port = 1720; // RCF's callSignalAddress: the peer's H.225 port
  std::uint32_t time_to_live_s = 1800;   // xConfiguration H323 Gatekeeper TimeToLive
  std::uint32_t ttl_min_s = 60;          // an endpoint asking for less gets this
  Duration expiry_grace = std::chrono::seconds(30);  // a late keep-alive still counts
  std::size_t registrations_max = 10000;
  // The other peers, asked at each GRQ and RRQ (clustering can change).
  std::function<std::vector<AlternateGatekeeper>()> alternates;
  std::function<bool()> maintenance;  // null: never
  Duration sweep_interval = std::chrono::seconds(1);
};

// Where the gatekeeper's answers leave: its own socket, or one it shares.
using DatagramSender = std::function<void(const Endpoint& to, ByteView payload)>;

// `list` rotated to start at the entry `key` (an endpoint identifier) picks,
// priorities renumbered 0.. in that order: each endpoint's confirm lists the
// other peers starting somewhere else, so a lost peer's endpoints spread.
std::vector<AlternateGatekeeper> spread_alternates(std::vector<AlternateGatekeeper> list, std::string_view key);

struct Registration {
  std::string endpoint_id;
  std::vector<Alias> aliases;
  std::vector<Endpoint> call_signal_addresses;
  std::vector<Endpoint> ras_addresses;
  Endpoint source;  // where its last RRQ came from (and answers go)
  EndpointKind kind = EndpointKind::Terminal;
  std::string product;  // endpointVendor productId
  std::uint32_t time_to_live_s = 0;
  MonoTime registered{};
  MonoTime expires{};  // timeToLive plus grace after the last RRQ
};

struct GatekeeperStats {
  std::uint64_t datagrams = 0;
  std::uint64_t malformed = 0;  // did not decode: dropped
  std::uint64_t ignored = 0;    // decoded, but not a request a gatekeeper answers
  std::uint64_t confirms = 0;   // GCF, RCF, UCF sent
  std::uint64_t rejects = 0;    // GRJ, RRJ, URJ sent
  std::uint64_t keep_alives = 0;
  std::uint64_t expired = 0;
  bool operator==(const GatekeeperStats&) const = default;
};

class Gatekeeper {
 public:
  // The service on its own socket at `local` (port 0: any free one). Errors:
  // the options do not check out, or the port cannot be bound.
  static Result<std::unique_ptr<Gatekeeper>> start(Env& env, const Endpoint& local, GatekeeperOptions options);
  // The service behind a socket someone else owns (UDP 1719 shared with the
  // cluster's resource usage): feed it with on_datagram(). Errors as above.
  static Result<std::unique_ptr<Gatekeeper>> attach(Env& env, GatekeeperOptions options, DatagramSender send);
  ~Gatekeeper();
  Gatekeeper(const Gatekeeper&) = delete;
  Gatekeeper& operator=(const Gatekeeper&) = delete;

  void on_datagram(const Endpoint& from, ByteView payload);
  // A new H323 Gatekeeper TimeToLive: granted from the next RRQ on. Errors:
  // below ttl_min_s (nothing changes).
  Status set_time_to_live(std::uint32_t seconds);

  std::size_t registration_count() const { return registrations_.size(); }
  // Every registration, ordered by endpoint identifier.
  std::vector<Registration> registrations() const;
  const Registration* find(const std::string& endpoint_id) const;
  // The registration holding `alias` (an alias is held by one at a time).
  const Registration* find_alias(const Alias& alias) const;
  const GatekeeperStats& stats() const { return stats_; }
  const GatekeeperOptions& options() const { return options_; }
  std::optional<Endpoint> local_endpoint() const;  // its own socket's; nullopt when attached

 private:
  Gatekeeper(Env& env, GatekeeperOptions options);
  void answer(const Endpoint& from, const RasMessage& reply);
  void on_grq(const Endpoint& from, const GatekeeperRequest& grq);
  void on_rrq(const Endpoint& from, const RegistrationRequest& rrq);
  void on_keep_alive(const Endpoint& from, const RegistrationRequest& rrq);
  void on_urq(const Endpoint& from, const UnregistrationRequest& urq);
  void reject(const Endpoint& from, const RegistrationRequest& rrq, RegistrationRejectReason reason,
              std::vector<Alias> duplicates = {});
  RegistrationConfirm confirm(const RegistrationRequest& rrq, const Registration& r) const;
  std::string new_endpoint_id();
  void index(const Registration& r);
  void unindex(const Registration& r);
  std::uint32_t granted_ttl(const std::optional<std::uint32_t>& asked) const;
  void forget(const std::string& endpoint_id);
  void sweep();
  bool in_maintenance() const { return options_.maintenance && options_.maintenance(); }
  std::vector<AlternateGatekeeper> alternates() const;
  void drop(const Endpoint& from, const std::string& why);

  Env& env_;
  GatekeeperOptions options_;
  DatagramSender send_;
  std::unique_ptr<DatagramSocket> socket_;
  std::map<std::string, Registration> registrations_;  // by endpoint identifier: ordered, deterministic
  std::set<std::pair<MonoTime, std::string>> expiry_;   // when each one lapses
  std::map<Endpoint, std::string> by_ras_;              // first RAS address -> endpoint identifier
  std::map<Alias, std::string> by_alias_;               // alias -> endpoint identifier
  Handle sweep_timer_;
  GatekeeperStats stats_;
  std::optional<MonoTime> drop_logged_;
  std::uint64_t drops_unlogged_ = 0;
};

}  // namespace tandem::h323
