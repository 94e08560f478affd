#pragma once
// What an endpoint's registration protocol offers the rest of the endpoint:
// one registration with one server, kept alive (refreshes, keep-alives) until
// it is lost. Discovery (which server) and recovery (what to do on a loss)
// live in endpoint.hpp and know nothing of the protocol, so SIP and H.323
// endpoints share them.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/env/env.hpp"

namespace tandem::sim::endpoints {

// Who registers: the same for every flow of one endpoint.
struct EndpointIdentity {
  std::string user;      // "ep42": the alias or AOR user part
  std::string instance;  // a stable device id ("<urn:uuid:...>" for SIP)
};

struct RegistrationLoss {
  std::string reason;
  std::optional<Duration> retry_after;  // the server asked not to come back before then (503)
};

struct RegistrationEvents {
  // Each success, the first and every refresh: the server holds the
  // registration until `expires_at`.
  std::function<void(MonoTime expires_at)> registered;
  // It could not be made, or it is gone (refresh refused or unanswered,
  // connection broken, keep-alive unanswered, expired). Called at most once,
  // last: the callee may destroy the Registration inside.
  std::function<void(const RegistrationLoss&)> lost;
};

// Destroying it stops everything it does (no callback afterwards); it does
// not unregister, as a device that loses power does not.
class Registration {
 public:
  virtual ~Registration() = default;
  // Other servers the last success named (H.323's alternate gatekeepers);
  // none for SIP.
  virtual std::vector<Endpoint> alternates() const { return {}; }
};

class RegistrationProtocol {
 public:
  virtual ~RegistrationProtocol() = default;
  // Starts registering `who` with `server`. `flow`: 0 for an endpoint with a
  // single registration; 1, 2 for the simultaneous flows of SIP outbound.
  virtual std::unique_ptr<Registration> start(Env& env, const EndpointIdentity& who, int flow,
                                              const Endpoint& server, RegistrationEvents events) = 0;
  // The SRV owner name's prefix ("_sip._tcp") and the port of an A-record server.
  virtual std::string srv_prefix() const = 0;
  virtual std::uint16_t default_port() const = 0;
};

}  // namespace tandem::sim::endpoints
