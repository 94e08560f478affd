#include "simulator/endpoints/h323_registration.hpp"

#include <algorithm>

namespace tandem::sim::endpoints {
namespace {

class H323Registration final : public Registration {
 public:
  H323Registration(Env& env, RegistrationEvents events) : env_(env), events_(std::move(events)) {}

  // The client is made after this object, as its handlers point here.
  void open(const H323EndpointOptions& o, const EndpointIdentity& who, const Endpoint& gatekeeper) {
    h323::RasClientOptions options;
    options.aliases = {h323::Alias{h323::AliasKind::H323Id, who.user}};
    options.local = Endpoint{env_.addresses().front(), 0};
    options.time_to_live_s = o.time_to_live_s;
    options.retry_interval = o.retry_interval;
    options.tries_max = o.tries_max;
    options.refresh_margin = o.refresh_margin;
    auto client = h323::RasClient::start(
        env_, std::move(options),
        h323::RasClientHandlers{[this](const h323::RasRegistered& r) { on_registered(r); },
                                [this](const h323::RasLost& l) { lose({l.why}); }});
    if (!client) {  // told from a fresh event: the owner does not hold this yet
      failed_ = env_.start_timer(Duration::zero(), [this, why = client.error().message] {
        lose({"cannot open the RAS socket: " + why});
      });
      return;
    }
    client_ = std::move(client.value());
    client_->register_with(gatekeeper);
  }

  std::vector<Endpoint> alternates() const override {
    if (!client_) return {};
    std::vector<h323::AlternateGatekeeper> listed = client_->alternates();
    std::stable_sort(listed.begin(), listed.end(),
                     [](const auto& a, const auto& b) { return a.priority < b.priority; });
    std::vector<Endpoint> out;
    for (const auto& gk : listed) {
      if (!client_->gatekeeper() || gk.ras_address != *client_->gatekeeper()) out.push_back(gk.ras_address);
    }
    return out;
  }

 private:
  void on_registered(const h323::RasRegistered& r) {
    // No timeToLive: the registration lasts until the client says it is lost.
    const MonoTime expires_at = r.time_to_live_s > 0 ? env_.now() + std::chrono::seconds(r.time_to_live_s) : MonoTime::max();
    if (events_.registered) events_.registered(expires_at);
  }

  // Last call: the owner may destroy this inside.
  void lose(RegistrationLoss loss) {
    auto lost = std::move(events_.lost);
    events_ = {};
    if (lost) lost(loss);
  }

  Env& env_;
  RegistrationEvents events_;
  Handle failed_;
  std::unique_ptr<h323::RasClient> client_;
};

}  // namespace

Status check(const H323EndpointOptions& o) {
  if (o.tries_max < 1) return make_error("H.323 endpoint tries_max must be at least 1");
  if (o.retry_interval <= Duration::zero() || o.refresh_margin < Duration::zero()) {
    return make_error("H.323 endpoint retry_interval must be positive and refresh_margin not negative");
  }
  return {};
}

H323Protocol::H323Protocol(H323EndpointOptions options) : options_(options) { TANDEM_ASSERT(check(options_).ok()); }

std::unique_ptr<Registration> H323Protocol::start(Env& env, const EndpointIdentity& who, int, const Endpoint& server,
                                                  RegistrationEvents events) {
  auto registration = std::make_unique<H323Registration>(env, std::move(events));
  registration->open(options_, who, server);
  return registration;
}

}  // namespace tandem::sim::endpoints
