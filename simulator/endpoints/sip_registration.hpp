#pragma once
// A SIP endpoint's registration (RFC 3261 §10.2) with one peer, as the
// endpoints in the guide keep theirs: REGISTER, then refresh before the
// granted expiry runs out, on TCP (one connection, kept) or UDP (RFC 3261
// §17.1.2 retransmissions, T1 doubling up to T2). With outbound (RFC 5626)
// the Contact carries +sip.instance and reg-id = the flow number and the
// flow is kept alive: CRLF CRLF pings on TCP, STUN Binding requests on UDP,
// every keepalive_interval (randomised to 80-100%, §4.4.1); no answer
// within pong_timeout and the flow has failed.
//
// Lost (RegistrationEvents::lost) when: the connection cannot be made or
// breaks, a REGISTER has no final answer within transaction_timeout (64*T1,
// Timer F), a refresh is still unanswered when the registration expires, a
// keep-alive goes unanswered, or a final answer other than 2xx or a
// recoverable 423 comes back (503's Retry-After is passed on: maintenance
// mode says it). Messages are built and read with the runtime's SIP codec,
// and talk to the peers' real registrar over the twin's network.

#include <cstdint>
#include <memory>
#include <string>

#include "simulator/endpoints/registration.hpp"

namespace tandem::sim::endpoints {

enum class SipTransport : std::uint8_t { Tcp, Udp };

struct SipEndpointOptions {
  std::string domain = "tandem.test";  // of the AOR and the Request-URI
  SipTransport transport = SipTransport::Tcp;
  std::uint32_t expires_s = 3600;  // asked for; the registrar grants within its refresh bounds
  bool outbound = false;           // RFC 5626: Supported: outbound, reg-id, keep-alives
  // A refresh goes out at a random point within this share of the granted time.
  double refresh_at_min = 0.8;
  double refresh_at_max = 0.9;
  Duration keepalive_interval = std::chrono::seconds(120);
  Duration pong_timeout = std::chrono::seconds(10);
  Duration t1 = std::chrono::milliseconds(500);
  Duration t2 = std::chrono::seconds(4);
  Duration transaction_timeout = std::chrono::seconds(32);
  Duration connect_timeout = std::chrono::seconds(10);
};
// Errors name the option: an empty domain, a refresh share outside (0, 1]
// or min > max, a zero expiry or timer.
Status check(const SipEndpointOptions& options);

class SipProtocol final : public RegistrationProtocol {
 public:
  explicit SipProtocol(SipEndpointOptions options);  // asserts check(options)
  std::unique_ptr<Registration> start(Env& env, const EndpointIdentity& who, int flow, const Endpoint& server,
                                      RegistrationEvents events) override;
  std::string srv_prefix() const override;
  std::uint16_t default_port() const override { return 5060; }
  const SipEndpointOptions& options() const { return options_; }

 private:
  SipEndpointOptions options_;
};

}  // namespace tandem::sim::endpoints
