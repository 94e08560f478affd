#pragma once
// The endpoint side of H.225.0 RAS registration, on Env: what an H.323
// endpoint (or a twin's population of them) does to stay registered to a
// cluster. Event-driven and small:
//
//   register_with(gk)  sends a full RRQ (supportsAltGK), retransmitted every
//                      retry_interval up to tries_max times.
//   RCF                registered: the endpoint identifier, the granted
//                      timeToLive and the alternate gatekeeper list are kept;
//                      a lightweight keep-alive RRQ follows before the TTL
//                      runs out (refresh_margin before it, or at half the TTL
//                      when the margin is more than half), retransmitted the
//                      same way. An RCF without a timeToLive needs none.
//   RRJ                lost; its altGKInfo, if any, replaces the alternates.
//                      A keep-alive refused with fullRegistrationRequired
//                      registers in full again at once (the gatekeeper
//                      restarted or forgot us): not a loss.
//   no answer          lost (after tries_max sends).
// On a loss, on_lost says why; the caller picks where next, usually
// next_alternate(), which skips gatekeepers that failed since the last RCF.
// unregister() sends a URQ (answered or not, the client stops).
//
// Answers are matched by requestSeqNum and must come from the gatekeeper
// asked; anything else is counted and ignored.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runtime/env/env.hpp"
#include "runtime/h323/ras_message.hpp"

namespace tandem::h323 {

struct RasClientOptions {
  std::vector<Alias> aliases;
  Endpoint local;                           // the RAS socket; port 0: any free one
  std::uint16_t call_signal_port = 1720;    // named in RRQ (on the local address)
  std::optional<std::uint32_t> time_to_live_s;  // asked for in RRQ; the gatekeeper decides
  Duration retry_interval = std::chrono::seconds(3);
  int tries_max = 3;
  Duration refresh_margin = std::chrono::seconds(10);
  VendorId vendor{181, 0, 0, "Tandem endpoint", ""};
};

enum class RasClientState : std::uint8_t { Idle, Registering, Registered, Unregistering };
std::string_view to_string(RasClientState state);

struct RasRegistered {
  Endpoint gatekeeper;
  std::string endpoint_id;
  std::uint32_t time_to_live_s = 0;
  std::vector<AlternateGatekeeper> alternates;
};

struct RasLost {
  Endpoint gatekeeper;
  std::string why;  // "no answer after 3 tries", "rejected: resourceUnavailable"...
  std::optional<RegistrationRejectReason> rejected;
};

struct RasClientHandlers {
  std::function<void(const RasRegistered&)> on_registered;  // each full registration, not each keep-alive
  std::function<void(const RasLost&)> on_lost;
};

struct RasClientStats {
  std::uint64_t requests = 0;    // RRQ and URQ sent, retransmissions included
  std::uint64_t keep_alives = 0; // keep-alive RRQs answered with RCF
  std::uint64_t ignored = 0;     // datagrams that were not the awaited answer
};

class RasClient {
 public:
  // Opens the RAS socket; registers nowhere yet. Errors: no aliases, tries_max
  // below 1, or the socket cannot be opened.
  static Result<std::unique_ptr<RasClient>> start(Env& env, RasClientOptions options, RasClientHandlers handlers);
  ~RasClient();
  RasClient(const RasClient&) = delete;
  RasClient& operator=(const RasClient&) = delete;

  // A full registration with `gatekeeper`, dropping any current one.
  void register_with(const Endpoint& gatekeeper);
  // URQ to the current gatekeeper; Idle afterwards.
  void unregister();

  RasClientState state() const { return state_; }
  const std::optional<Endpoint>& gatekeeper() const { return gatekeeper_; }
  const std::string& endpoint_id() const { return endpoint_id_; }
  const std::vector<AlternateGatekeeper>& alternates() const { return alternates_; }
  // The best alternate (lowest priority value, then list order) that has not
  // failed since the last RCF and is not the current gatekeeper.
  std::optional<Endpoint> next_alternate() const;
  Endpoint local() const { return socket_->local(); }
  const RasClientStats& stats() const { return stats_; }

 private:
  RasClient(Env& env, RasClientOptions options, RasClientHandlers handlers);
  void send_request(RasMessage request);
  void transmit();
  void on_datagram(const Endpoint& from, ByteView payload);
  void on_confirm(const RegistrationConfirm& rcf);
  void on_reject(const RegistrationReject& rrj);
  void lose(std::string why, std::optional<RegistrationRejectReason> rejected = std::nullopt);
  void schedule_refresh();
  RegistrationRequest rrq(bool keep_alive);
  std::uint16_t next_seq();

  Env& env_;
  RasClientOptions options_;
  RasClientHandlers handlers_;
  std::unique_ptr<DatagramSocket> socket_;
  RasClientState state_ = RasClientState::Idle;
  std::optional<Endpoint> gatekeeper_;
  std::string endpoint_id_;
  std::uint32_t time_to_live_s_ = 0;
  std::vector<AlternateGatekeeper> alternates_;
  std::set<Endpoint> failed_;  // gatekeepers lost since the last RCF
  std::optional<RasMessage> outstanding_;  // the request awaiting its answer
  bool keep_alive_ = false;                // whether outstanding_ is a keep-alive
  int tries_ = 0;
  std::uint16_t seq_ = 0;
  Handle retry_timer_;
  Handle refresh_timer_;
  RasClientStats stats_;
};

}  // namespace tandem::h323
