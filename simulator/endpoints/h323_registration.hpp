#pragma once
// An H.323 endpoint's registration with one gatekeeper (H.225.0 RAS over UDP
// 1719), on the runtime's RasClient: a full RRQ, keep-alive RRQs before the
// granted timeToLive runs out, and the alternate gatekeeper list each RCF
// (or RRJ) carries, which the endpoint turns to when it loses its
// gatekeeper (device.hpp's Recovery::Alternates). The alias is the
// endpoint's user name as an H323-ID.

#include "runtime/h323/ras_client.hpp"
#include "simulator/endpoints/registration.hpp"

namespace tandem::sim::endpoints {

struct H323EndpointOptions {
  std::optional<std::uint32_t> time_to_live_s;  // asked for in RRQ; the gatekeeper decides
  Duration retry_interval = std::chrono::seconds(3);  // RRQ retransmission
  int tries_max = 3;                                  // sends before a gatekeeper counts as lost
  Duration refresh_margin = std::chrono::seconds(10);  // keep-alive this long before the TTL runs out
};
// Errors name the option: tries_max below 1, a non-positive interval.
Status check(const H323EndpointOptions& options);

class H323Protocol final : public RegistrationProtocol {
 public:
  explicit H323Protocol(H323EndpointOptions options);  // asserts check(options)
  std::unique_ptr<Registration> start(Env& env, const EndpointIdentity& who, int flow, const Endpoint& server,
                                      RegistrationEvents events) override;
  std::string srv_prefix() const override { return "_h323rs._udp"; }
  std::uint16_t default_port() const override { return 1719; }

 private:
  H323EndpointOptions options_;
};

}  // namespace tandem::sim::endpoints
