#include "simulator/endpoints/discovery.hpp"

#include <optional>

#include "simulator/endpoints/srv_order.hpp"

namespace tandem::sim::endpoints {
namespace {

class ListDiscovery final : public Discovery {
 public:
  explicit ListDiscovery(std::vector<Endpoint> servers) : servers_(std::move(servers)) {}
  void next(ServerHandler done) override {
    if (position_ >= servers_.size()) return done(make_error("every server of this round was tried"));
    done(servers_[position_++]);
  }
  void restart() override { position_ = 0; }

 private:
  std::vector<Endpoint> servers_;
  std::size_t position_ = 0;
};

class SrvDiscovery final : public Discovery {
 public:
  SrvDiscovery(Env& env, std::string owner, Duration cache_ttl)
      : env_(env), owner_(std::move(owner)), cache_ttl_(cache_ttl) {}

  void next(ServerHandler done) override {
    if (!order_) {
      if (cached_ && env_.now() < cached_until_) {
        order_ = rfc2782_order(*cached_, env_.random());
      } else {
        return lookup_srv(std::move(done));
      }
    }
    if (position_ >= order_->size()) return done(make_error("every target of " + owner_ + " was tried"));
    const SrvRecord target = (*order_)[position_++];
    lookup_ = env_.lookup(target.target, DnsType::A, [this, target, done = std::move(done)](Result<DnsAnswer> a) {
      if (!a || a->addresses.empty()) return next(done);  // an unresolvable target: the next one
      done(Endpoint{a->addresses.front(), target.port});
    });
  }
  void restart() override {
    order_.reset();
    position_ = 0;
  }

 private:
  void lookup_srv(ServerHandler done) {
    lookup_ = env_.lookup(owner_, DnsType::SRV, [this, done = std::move(done)](Result<DnsAnswer> answer) {
      if (!answer) return done(make_error("SRV lookup of " + owner_ + ": " + answer.error().message));
      if (answer->services.empty()) return done(make_error("SRV lookup of " + owner_ + ": no records"));
      cached_ = answer->services;
      cached_until_ = env_.now() + cache_ttl_;
      next(done);
    });
  }

  Env& env_;
  std::string owner_;
  Duration cache_ttl_;
  std::optional<std::vector<SrvRecord>> cached_;
  MonoTime cached_until_{};
  std::optional<std::vector<SrvRecord>> order_;  // this round's
  std::size_t position_ = 0;
  Handle lookup_;
};

class RoundRobinDiscovery final : public Discovery {
 public:
  RoundRobinDiscovery(Env& env, std::string name, std::uint16_t port)
      : env_(env), name_(std::move(name)), port_(port) {}

  void next(ServerHandler done) override {
    if (round_size_ && tries_ >= *round_size_) return done(make_error("every address of " + name_ + " was tried"));
    lookup_ = env_.lookup(name_, DnsType::A, [this, done = std::move(done)](Result<DnsAnswer> answer) {
      if (!answer) return done(make_error("A lookup of " + name_ + ": " + answer.error().message));
      if (answer->addresses.empty()) return done(make_error("A lookup of " + name_ + ": no addresses"));
      if (!round_size_) round_size_ = answer->addresses.size();
      ++tries_;
      done(Endpoint{answer->addresses.front(), port_});
    });
  }
  void restart() override {
    round_size_.reset();
    tries_ = 0;
  }

 private:
  Env& env_;
  std::string name_;
  std::uint16_t port_;
  std::optional<std::size_t> round_size_;
  std::size_t tries_ = 0;
  Handle lookup_;
};

}  // namespace

std::unique_ptr<Discovery> static_discovery(Endpoint server) {
  return std::make_unique<ListDiscovery>(std::vector<Endpoint>{server});
}
std::unique_ptr<Discovery> list_discovery(std::vector<Endpoint> servers) {
  return std::make_unique<ListDiscovery>(std::move(servers));
}
std::unique_ptr<Discovery> srv_discovery(Env& env, std::string owner, Duration cache_ttl) {
  return std::make_unique<SrvDiscovery>(env, std::move(owner), cache_ttl);
}
std::unique_ptr<Discovery> round_robin_discovery(Env& env, std::string name, std::uint16_t port) {
  return std::make_unique<RoundRobinDiscovery>(env, std::move(name), port);
}

}  // namespace tandem::sim::endpoints
