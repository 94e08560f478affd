#include "simulator/endpoints/populations.hpp"

#include <algorithm>
#include <cstdio>

#include "runtime/peer.hpp"

namespace tandem::sim::endpoints {
namespace {

constexpr std::size_t kNoStint = static_cast<std::size_t>(-1);
constexpr int kFlowsMax = 3;  // numbers 0 (single) and 1, 2 (outbound)

// What a flow holds, as the twin sees it.
struct FlowTruth {
  Endpoint server;
  int peer = 0;                  // ClusterTwin host number; 0: not a peer of the twin
  std::uint64_t incarnation = 0;  // of the peer's process that answered
  bool held = false;
  std::size_t stint = kNoStint;  // its open Stint in the record
};

struct EndpointTruth {
  FlowTruth flows[kFlowsMax];
};

// Whether a peer serves this population's endpoints at all, and in which incarnation.
struct PeerView {
  bool serving = false;
  std::uint64_t incarnation = 0;
  bool operator==(const PeerView&) const = default;
};

}  // namespace

// ---- one population -----------------------------------------------------------------

struct Population final : DeviceEvents {
  Population(ClusterTwin& twin, int index, PopulationSpec spec) : twin(twin), index(index), spec(std::move(spec)) {}

  ClusterTwin& twin;
  int index;
  PopulationSpec spec;
  SimHost* host = nullptr;
  std::unique_ptr<RegistrationProtocol> protocol;
  std::vector<EndpointRecord> records;
  std::vector<EndpointTruth> truth;
  std::vector<bool> reachable;
  std::vector<PeerView> views;  // by host number; [0]: this population's own host is up

  Duration now() const { return twin.now(); }
  bool h323() const {
    return spec.kind == EndpointKind::H323Srv || spec.kind == EndpointKind::H323RoundRobin ||
           spec.kind == EndpointKind::H323Static;
  }

  PeerView look(int peer) {
    if (peer < 1 || peer > twin.host_count()) return {};
    SimHost& h = twin.host(peer);
    PeerView v{false, h.incarnation()};
    if (h.state() != HostState::Running || !host->up()) return v;
    Peer* p = twin.peer(peer);
    if (p == nullptr || p->maintenance()) return v;
    if (h323() ? p->gatekeeper() == nullptr : p->sip() == nullptr) return v;
    const Network& net = twin.sim().network();
    if (net.blocked(host->index(), h.index()) || net.blocked(h.index(), host->index())) return v;
    v.serving = true;
    return v;
  }

  bool live(const FlowTruth& f) {
    if (!f.held) return false;
    const PeerView v = look(f.peer);
    return v.serving && v.incarnation == f.incarnation;
  }

  // Re-judges endpoint `i` now; opens or closes an outage on a change.
  void update(int i) {
    bool up = false;
    for (const FlowTruth& f : truth[static_cast<std::size_t>(i)].flows) up = up || live(f);
    EndpointRecord& r = records[static_cast<std::size_t>(i)];
    if (up && !r.first_registered) r.first_registered = now();
    if (up == reachable[static_cast<std::size_t>(i)]) return;
    reachable[static_cast<std::size_t>(i)] = up;
    if (!r.first_registered) return;
    if (!up) {
      r.outages.push_back(Outage{now(), std::nullopt});
    } else if (!r.outages.empty() && !r.outages.back().to) {
      r.outages.back().to = now();
    }
  }

  void registered(int device, int flow, const Endpoint& server, MonoTime) override {
    FlowTruth& f = truth[static_cast<std::size_t>(device)].flows[flow];
    if (f.held && f.server == server) {  // a refresh: only a restarted peer changes anything
      const std::uint64_t incarnation = f.peer ? twin.host(f.peer).incarnation() : 0;
      if (incarnation != f.incarnation) {
        f.incarnation = incarnation;
        update(device);
      }
      return;
    }
    EndpointRecord& r = records[static_cast<std::size_t>(device)];
    close_stint(r, f);
    f.server = server;
    f.peer = twin.host_at(server.ip.to_string()).value_or(0);
    f.incarnation = f.peer ? twin.host(f.peer).incarnation() : 0;
    f.held = true;
    f.stint = r.stints.size();
    r.stints.push_back(Stint{flow, f.peer, now(), std::nullopt});
    host->env()->trace("endpoint.registered", r.user + " flow " + std::to_string(flow) + " " + server.to_string());
    update(device);
  }

  void lost(int device, int flow, const std::string& reason) override {
    FlowTruth& f = truth[static_cast<std::size_t>(device)].flows[flow];
    EndpointRecord& r = records[static_cast<std::size_t>(device)];
    close_stint(r, f);
    f.held = false;
    host->env()->trace("endpoint.lost", r.user + " flow " + std::to_string(flow) + " " + f.server.to_string() +
                                            ": " + reason);
    update(device);
  }

  void close_stint(EndpointRecord& r, FlowTruth& f) {
    if (f.stint != kNoStint) r.stints[f.stint].to = now();
    f.stint = kNoStint;
  }

  // A fresh process (the population host restarted): nothing is held any more.
  void forget_flows() {
    for (std::size_t i = 0; i < truth.size(); ++i) {
      for (FlowTruth& f : truth[i].flows) {
        close_stint(records[i], f);
        f.held = false;
      }
      update(static_cast<int>(i));
    }
  }

  // Re-judges every endpoint when a peer changed (or this host did).
  void probe() {
    bool changed = views.size() != static_cast<std::size_t>(twin.host_count()) + 1;
    views.resize(static_cast<std::size_t>(twin.host_count()) + 1);
    const PeerView self{host->up(), host->incarnation()};
    changed = changed || views[0] != self;
    views[0] = self;
    for (int n = 1; n <= twin.host_count(); ++n) {
      const PeerView v = look(n);
      changed = changed || views[static_cast<std::size_t>(n)] != v;
      views[static_cast<std::size_t>(n)] = v;
    }
    if (!changed) return;
    for (std::size_t i = 0; i < truth.size(); ++i) update(static_cast<int>(i));
  }

  std::vector<Endpoint> peer_endpoints() const {
    std::vector<Endpoint> out;
    for (int n : spec.peers) out.push_back(Endpoint{*IpAddress::parse(twin.address(n)), protocol->default_port()});
    return out;
  }
};

// ---- the population host's process -----------------------------------------------------

namespace {

class PopulationProcess {
 public:
  PopulationProcess(Env& env, Population& p) {
    p.forget_flows();
    const std::vector<Endpoint> peers = p.peer_endpoints();
    const auto n = static_cast<int>(peers.size());
    const int count = p.spec.count;
    devices_.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
      EndpointIdentity who{p.records[static_cast<std::size_t>(i)].user, instance(p.index, i)};
      auto device = std::make_unique<Device>(env, *p.protocol, std::move(who), i, p, p.spec.recovery);
      const std::string owner = p.protocol->srv_prefix() + "." + p.spec.cluster_name;
      // H.323: whichever way the first gatekeeper was found, the alternates after a loss.
      const Recovery h323 = Recovery::Alternates;
      switch (p.spec.kind) {
        case EndpointKind::SipSrv:
        case EndpointKind::H323Srv:
          device->add_flow(0, srv_discovery(env, owner, p.spec.srv_cache_ttl),
                           p.h323() ? h323 : Recovery::Rediscover);
          break;
        case EndpointKind::SipRoundRobin:
        case EndpointKind::H323RoundRobin:
          device->add_flow(0, round_robin_discovery(env, p.spec.cluster_name, p.protocol->default_port()),
                           p.h323() ? h323 : Recovery::Rediscover);
          break;
        case EndpointKind::SipStatic:
        case EndpointKind::H323Static:
          device->add_flow(0, static_discovery(peers[static_cast<std::size_t>(i % n)]),
                           p.h323() ? h323 : Recovery::SameServer);
          break;
        case EndpointKind::SipOutbound:
          device->add_flow(1, static_discovery(peers[static_cast<std::size_t>(i % n)]), Recovery::Rfc5626);
          device->add_flow(2, static_discovery(peers[static_cast<std::size_t>((i + 1) % n)]), Recovery::Rfc5626);
          break;
      }
      const auto delay = Duration(static_cast<std::int64_t>(env.random().unit() * static_cast<double>(to_ns(p.spec.start_within))));
      starts_.push_back(env.start_timer(delay, [d = device.get()] { d->start(); }));
      devices_.push_back(std::move(device));
    }
  }

 private:
  // RFC 4122 form, unique per population and endpoint.
  static std::string instance(int population, int endpoint) {
    char out[64];
    std::snprintf(out, sizeof out, "<urn:uuid:7a6e6465-6d00-4000-8000-%04x%08x>", population, endpoint);
    return out;
  }

  std::vector<std::unique_ptr<Device>> devices_;
  std::vector<Handle> starts_;
};

IpAddress population_address(int index) { return IpAddress::v4(10, 0, 1, static_cast<std::uint8_t>(index + 1)); }

}  // namespace

// ---- EndpointPopulations ------------------------------------------------------------------

struct EndpointPopulations::Impl {
  Impl(ClusterTwin& twin, PopulationsOptions options) : twin(twin), options(options) {}

  ClusterTwin& twin;
  PopulationsOptions options;
  std::vector<std::unique_ptr<Population>> populations;
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);
  bool probing = false;

  void schedule_probe() {
    twin.sim().loop().schedule_after(to_ns(options.probe_interval), [this, alive = alive] {
      if (!*alive) return;
      for (auto& p : populations) p->probe();
      schedule_probe();
    });
  }

  Status check(const PopulationSpec& spec) const {
    if (populations.size() >= static_cast<std::size_t>(kMaxPopulations)) {
      return make_error("at most " + std::to_string(kMaxPopulations) + " endpoint populations");
    }
    if (spec.name.empty()) return make_error("an endpoint population needs a name");
    if (spec.count < 1 || spec.count > kMaxEndpointsPerPopulation) {
      return make_error("population '" + spec.name + "': count must be 1.." + std::to_string(kMaxEndpointsPerPopulation) +
                        ", not " + std::to_string(spec.count));
    }
    for (int n : spec.peers) {
      if (n < 1 || n > twin.host_count()) {
        return make_error("population '" + spec.name + "': peer " + std::to_string(n) + " is not a host of the twin");
      }
    }
    const std::size_t peers = spec.peers.empty() ? static_cast<std::size_t>(twin.host_count()) : spec.peers.size();
    if (spec.kind == EndpointKind::SipOutbound && peers < 2) {
      return make_error("population '" + spec.name + "': SIP outbound needs two peers at least");
    }
    if ((spec.kind == EndpointKind::SipStatic || spec.kind == EndpointKind::H323Static) && peers < 1) {
      return make_error("population '" + spec.name + "': static endpoints need a peer");
    }
    if (spec.start_within < Duration::zero()) return make_error("population '" + spec.name + "': start_within is negative");
    if (auto ok = endpoints::check(spec.sip); !ok) return make_error("population '" + spec.name + "': " + ok.error().message);
    if (auto ok = endpoints::check(spec.h323); !ok) return make_error("population '" + spec.name + "': " + ok.error().message);
    return {};
  }

  std::unique_ptr<RegistrationProtocol> protocol_for(const PopulationSpec& spec) const {
    switch (spec.kind) {
      case EndpointKind::SipOutbound:
      case EndpointKind::SipSrv:
      case EndpointKind::SipRoundRobin:
      case EndpointKind::SipStatic: {
        SipEndpointOptions sip = spec.sip;
        sip.outbound = spec.kind == EndpointKind::SipOutbound;
        return std::make_unique<SipProtocol>(std::move(sip));
      }
      case EndpointKind::H323Srv:
      case EndpointKind::H323RoundRobin:
      case EndpointKind::H323Static: return std::make_unique<H323Protocol>(spec.h323);
    }
    return nullptr;
  }
};

EndpointPopulations::EndpointPopulations(ClusterTwin& twin, PopulationsOptions options)
    : impl_(std::make_unique<Impl>(twin, options)) {
  TANDEM_ASSERT(options.probe_interval > Duration::zero());
}

EndpointPopulations::~EndpointPopulations() {
  *impl_->alive = false;
  for (auto& p : impl_->populations) p->host->crash();  // their processes point into this
}

Result<int> EndpointPopulations::add(PopulationSpec spec) {
  if (auto ok = impl_->check(spec); !ok) return ok.error();
  auto protocol = impl_->protocol_for(spec);
  TANDEM_ASSERT(protocol != nullptr);
  const int index = static_cast<int>(impl_->populations.size());
  auto host = impl_->twin.sim().add_host(spec.name, {population_address(index)});
  if (!host) return make_error("population '" + spec.name + "': " + host.error().message);
  if (spec.peers.empty()) {
    for (int n = 1; n <= impl_->twin.host_count(); ++n) spec.peers.push_back(n);
  }
  auto p = std::make_unique<Population>(impl_->twin, index, std::move(spec));
  p->host = *host;
  p->protocol = std::move(protocol);
  const auto count = static_cast<std::size_t>(p->spec.count);
  p->records.resize(count);
  p->truth.resize(count);
  p->reachable.assign(count, false);
  for (std::size_t i = 0; i < count; ++i) p->records[i].user = p->spec.name + "-" + std::to_string(i);
  Population& ref = *p;
  impl_->populations.push_back(std::move(p));
  ref.host->start(process_factory<PopulationProcess>(
      [&ref](Env& env) { return std::make_unique<PopulationProcess>(env, ref); }));
  if (!impl_->probing) {
    impl_->probing = true;
    impl_->schedule_probe();
  }
  return index;
}

int EndpointPopulations::count() const { return static_cast<int>(impl_->populations.size()); }

namespace {
template <class Pops>
auto& at(Pops& pops, int population) {
  TANDEM_ASSERT(population >= 0 && static_cast<std::size_t>(population) < pops.size());
  return *pops[static_cast<std::size_t>(population)];
}
}  // namespace

const PopulationSpec& EndpointPopulations::spec(int population) const { return at(impl_->populations, population).spec; }
SimHost& EndpointPopulations::host(int population) { return *at(impl_->populations, population).host; }
int EndpointPopulations::endpoints(int population) const { return at(impl_->populations, population).spec.count; }

const EndpointRecord& EndpointPopulations::record(int population, int endpoint) const {
  const Population& p = at(impl_->populations, population);
  TANDEM_ASSERT(endpoint >= 0 && endpoint < p.spec.count);
  return p.records[static_cast<std::size_t>(endpoint)];
}

bool EndpointPopulations::reachable(int population, int endpoint) const {
  const Population& p = at(impl_->populations, population);
  TANDEM_ASSERT(endpoint >= 0 && endpoint < p.spec.count);
  return p.reachable[static_cast<std::size_t>(endpoint)];
}

int EndpointPopulations::reachable_count(int population) const {
  const Population& p = at(impl_->populations, population);
  return static_cast<int>(std::count(p.reachable.begin(), p.reachable.end(), true));
}

std::vector<int> EndpointPopulations::registered_per_peer(int population) const {
  const Population& p = at(impl_->populations, population);
  std::vector<int> out(static_cast<std::size_t>(impl_->twin.host_count()) + 1, 0);
  for (const EndpointTruth& t : p.truth) {
    for (int k = 0; k < kFlowsMax; ++k) {
      const FlowTruth& f = t.flows[k];
      bool seen = false;  // an outbound endpoint with both flows at one peer counts once
      for (int j = 0; j < k; ++j) seen = seen || (t.flows[j].held && t.flows[j].peer == f.peer);
      if (f.held && f.peer > 0 && static_cast<std::size_t>(f.peer) < out.size() && !seen) {
        ++out[static_cast<std::size_t>(f.peer)];
      }
    }
  }
  return out;
}

PopulationReport EndpointPopulations::report(int population, Duration since) const {
  const Population& p = at(impl_->populations, population);
  return summarize(p.spec.name, p.spec.kind, p.records, p.reachable, since, impl_->twin.now());
}

std::vector<PopulationReport> EndpointPopulations::reports(Duration since) const {
  std::vector<PopulationReport> out;
  for (int i = 0; i < count(); ++i) out.push_back(report(i, since));
  return out;
}

std::string EndpointPopulations::report_text(Duration since) const { return format_reports(reports(since)); }

void EndpointPopulations::isolate_peer(int peer) {
  for (auto& p : impl_->populations) impl_->twin.sim().network().partition(p->host->index(), impl_->twin.host(peer).index());
}

void EndpointPopulations::reconnect_peer(int peer) {
  for (auto& p : impl_->populations) impl_->twin.sim().network().heal(p->host->index(), impl_->twin.host(peer).index());
}

}  // namespace tandem::sim::endpoints
