#include "simulator/endpoints/device.hpp"

#include <algorithm>
#include <optional>
#include <string>

namespace tandem::sim::endpoints {

class Device::Flow {
 public:
  Flow(Device& device, int number, std::unique_ptr<Discovery> discovery, Recovery recovery)
      : device_(device), number_(number), discovery_(std::move(discovery)), recovery_(recovery) {}

  bool up() const { return up_; }
  void start() { try_next(); }

 private:
  Env& env() { return device_.env_; }

  void try_next() {
    active_discovery().next([this](Result<Endpoint> server) {
      if (!server) return round_over();
      attempt(*server);
    });
  }

  Discovery& active_discovery() { return alternates_ ? *alternates_ : *discovery_; }

  void attempt(const Endpoint& server) {
    server_ = server;
    registration_ = device_.protocol_.start(
        env(), device_.who_, number_, server,
        RegistrationEvents{[this](MonoTime expires_at) { on_registered(expires_at); },
                           [this](const RegistrationLoss& loss) { on_lost(loss); }});
  }

  void on_registered(MonoTime expires_at) {
    if (!up_) {
      up_ = true;
      failures_ = 0;
      retry_after_.reset();
      alternates_.reset();  // a success: the next loss starts from this server's list
    }
    device_.events_.registered(device_.index_, number_, server_, expires_at);
  }

  void on_lost(const RegistrationLoss& loss) {
    const bool was_up = up_;
    up_ = false;
    std::vector<Endpoint> alternates = registration_->alternates();
    retired_ = std::move(registration_);  // destroyed later: it is calling us
    retry_after_ = loss.retry_after;
    if (was_up) {
      device_.events_.lost(device_.index_, number_, loss.reason);
      return after_loss(std::move(alternates));
    }
    if (recovery_ == Recovery::Rfc5626) return back_off();
    wait(Duration::zero(), [this] { try_next(); });  // the next candidate of this round
  }

  void after_loss(std::vector<Endpoint> alternates) {
    switch (recovery_) {
      case Recovery::Rediscover:
        discovery_->restart();
        return wait(Duration::zero(), [this] { try_next(); });
      case Recovery::SameServer:
        discovery_->restart();
        return wait(retry_after_.value_or(Duration::zero()), [this] { try_next(); });
      case Recovery::Rfc5626: return back_off();
      case Recovery::Alternates:
        discovery_->restart();
        if (!alternates.empty()) alternates_ = list_discovery(std::move(alternates));
        return wait(Duration::zero(), [this] { try_next(); });
    }
  }

  // RFC 5626 §4.5: min(max, base * 2^failures), then a random 50-100% of it.
  void back_off() {
    const RecoveryTimings& t = device_.timings_;
    const bool others_up = device_.flows_up() > 0;
    const Duration base = others_up ? t.backoff_base_some_up : t.backoff_base_all_failed;
    const int doublings = std::min(failures_, 16);
    const Duration ceiling = std::min(t.backoff_max, base * (std::int64_t{1} << doublings));
    ++failures_;
    const double share = 0.5 + 0.5 * env().random().unit();
    const Duration delay = std::max(retry_after_.value_or(Duration::zero()),
                                    Duration(static_cast<std::int64_t>(static_cast<double>(to_ns(ceiling)) * share)));
    wait(delay, [this] {
      discovery_->restart();
      try_next();
    });
  }

  // Every candidate of the round failed: wait, then a fresh round of the
  // original discovery (alternates that all failed are dropped).
  void round_over() {
    alternates_.reset();
    wait(retry_after_.value_or(device_.timings_.retry_interval), [this] {
      retry_after_.reset();
      discovery_->restart();
      try_next();
    });
  }

  void wait(Duration delay, Task then) {
    timer_ = env().start_timer(delay, [this, then = std::move(then)] {
      retired_.reset();
      then();
    });
  }

  Device& device_;
  int number_;
  std::unique_ptr<Discovery> discovery_;
  std::unique_ptr<Discovery> alternates_;  // H.323: in use after a loss, until a success or the round ends
  Recovery recovery_;
  Endpoint server_;
  bool up_ = false;
  int failures_ = 0;  // consecutive, for the RFC 5626 backoff
  std::optional<Duration> retry_after_;
  Handle timer_;
  std::unique_ptr<Registration> registration_;
  std::unique_ptr<Registration> retired_;
};

Device::Device(Env& env, RegistrationProtocol& protocol, EndpointIdentity who, int index, DeviceEvents& events,
               const RecoveryTimings& timings)
    : env_(env), protocol_(protocol), who_(std::move(who)), index_(index), events_(events), timings_(timings) {}

Device::~Device() = default;

void Device::add_flow(int number, std::unique_ptr<Discovery> discovery, Recovery recovery) {
  TANDEM_ASSERT(flows_.size() < 2);
  flows_.push_back(std::make_unique<Flow>(*this, number, std::move(discovery), recovery));
}

void Device::start() {
  for (auto& flow : flows_) flow->start();
}

int Device::flows_up() const {
  return static_cast<int>(std::count_if(flows_.begin(), flows_.end(), [](const auto& f) { return f->up(); }));
}

}  // namespace tandem::sim::endpoints
