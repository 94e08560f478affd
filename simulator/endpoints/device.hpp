#pragma once
// One endpoint as the guide's "Configure Endpoints to Work With a Cluster"
// describes it: one registration (or, with SIP outbound, two at once), each
// a Flow that finds a server (Discovery), registers with the protocol's
// Registration, keeps using that server for as long as it answers, and on
// failure recovers as its option says:
//
//   Rediscover  (DNS SRV, round-robin)  another server of the round at once
//               when one cannot be registered with; after losing the server
//               it was registered to, a fresh round from the top;
//   SameServer  (static IP)  the configured peer again: at once after a
//               loss, then every retry_interval (or the 503's Retry-After);
//   Rfc5626     (each flow of SIP outbound)  the flow's configured peer again
//               after RFC 5626 §4.5's backoff: base 30 s when no flow is up,
//               90 s when another is, doubling per consecutive failure up to
//               1800 s, a random 50-100% of that;
//   Alternates  (H.323)  after losing its gatekeeper, the alternate
//               gatekeepers the last registration named, in order; when none
//               answers, the original discovery again.
//
// When a round of candidates is exhausted the flow waits retry_interval (or
// the last 503's Retry-After) and starts a fresh round: "repeated until the
// endpoint can register". What happens is told to DeviceEvents.

#include <memory>
#include <vector>

#include "simulator/endpoints/discovery.hpp"
#include "simulator/endpoints/registration.hpp"

namespace tandem::sim::endpoints {

enum class Recovery : std::uint8_t { Rediscover, SameServer, Rfc5626, Alternates };

struct RecoveryTimings {
  Duration retry_interval = std::chrono::seconds(30);
  Duration backoff_base_all_failed = std::chrono::seconds(30);
  Duration backoff_base_some_up = std::chrono::seconds(90);
  Duration backoff_max = std::chrono::seconds(1800);
};

// Where a device's flows report. `device` is the index the device was made with.
class DeviceEvents {
 public:
  virtual ~DeviceEvents() = default;
  // Every success (first registration with a server and each refresh).
  virtual void registered(int device, int flow, const Endpoint& server, MonoTime expires_at) = 0;
  // A registration that had succeeded is gone.
  virtual void lost(int device, int flow, const std::string& reason) = 0;
};

class Device {
 public:
  Device(Env& env, RegistrationProtocol& protocol, EndpointIdentity who, int index, DeviceEvents& events,
         const RecoveryTimings& timings);
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  // Before start(); at most two. `number`: 0 for an endpoint's only
  // registration, 1 and 2 for SIP outbound's flows (their reg-id).
  void add_flow(int number, std::unique_ptr<Discovery> discovery, Recovery recovery);
  void start();
  // Flows currently registered.
  int flows_up() const;

 private:
  class Flow;
  Env& env_;
  RegistrationProtocol& protocol_;
  EndpointIdentity who_;
  int index_;
  DeviceEvents& events_;
  const RecoveryTimings& timings_;
  std::vector<std::unique_ptr<Flow>> flows_;
};

}  // namespace tandem::sim::endpoints
