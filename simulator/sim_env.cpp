#include "simulator/sim_env.hpp"

#include <string>

#include "simulator/host.hpp"
#include "simulator/simulation.hpp"

namespace tandem::sim {
namespace {

// The modelled TLS context: a validated config, nothing else to hold.
class SimTlsContext final : public TlsContext {
 public:
  SimTlsContext(TlsConfig config, ValidatedTls validated)
      : TlsContext(std::move(config), std::move(validated.chain_pem), std::move(validated.certificate)) {}
};

}  // namespace

SimEnv::SimEnv(Simulation& sim, SimHost& host, std::uint64_t incarnation)
    : sim_(sim),
      host_(host),
      incarnation_(incarnation),
      random_(sim.random_stream("host/" + host.name() + "/" + std::to_string(incarnation))) {}

MonoTime SimEnv::now() const { return MonoTime(Duration(sim_.loop().now_ns())); }

WallTime SimEnv::wall_now() const { return host_.wall_at(sim_.loop().now_ns()); }

void SimEnv::post(Task task) {
  sim_.loop().schedule_at(sim_.loop().now_ns(), [&host = host_, inc = incarnation_, task = std::move(task)]() mutable {
    host.dispatch(inc, std::move(task));
  });
}

Handle SimEnv::start_timer(Duration delay, Task task) {
  auto live = std::make_shared<bool>(true);
  const std::int64_t delay_ns = std::max<std::int64_t>(0, to_ns(delay));
  sim_.loop().schedule_after(delay_ns, [&sim = sim_, &host = host_, inc = incarnation_, live,
                                        task = std::move(task)]() mutable {
    if (!*live) return;
    host.dispatch(inc, [&sim, &host, live, task = std::move(task)] {
      if (!*live) return;
      *live = false;
      sim.trace().record(sim.loop().now_ns(), "timer", host.index());
      task();
    });
  });
  return Handle(std::move(live));
}

const std::vector<IpAddress>& SimEnv::addresses() const { return host_.addresses(); }

Result<std::shared_ptr<const TlsContext>> SimEnv::make_tls_context(const TlsConfig& config) {
  auto validated = sim_.validate_tls(config);
  if (!validated) return validated.error();
  return std::shared_ptr<const TlsContext>(std::make_shared<SimTlsContext>(config, std::move(validated.value())));
}

Result<std::unique_ptr<StreamListener>> SimEnv::listen(const Endpoint& local, std::shared_ptr<const TlsContext> tls,
                                                       AcceptHandler on_accept) {
  return sim_.network().listen(host_.index(), incarnation_, local, std::move(tls), std::move(on_accept));
}

Handle SimEnv::connect(const ConnectOptions& options, std::shared_ptr<const TlsContext> tls,
                       ConnectHandler on_connect) {
  return sim_.network().connect(host_.index(), incarnation_, options, std::move(tls), std::move(on_connect));
}

Result<std::unique_ptr<DatagramSocket>> SimEnv::open_datagram(const Endpoint& local, DatagramHandler on_datagram) {
  return sim_.network().open_datagram(host_.index(), incarnation_, local, std::move(on_datagram));
}

Handle SimEnv::lookup(std::string_view name, DnsType type, DnsHandler on_answer) {
  auto live = std::make_shared<bool>(true);
  auto reply = std::make_shared<SimDns::Reply>(sim_.dns().resolve(std::string(name), type));
  sim_.loop().schedule_after(to_ns(reply->delay), [&host = host_, inc = incarnation_, live, reply,
                                                   on_answer = std::move(on_answer)] {
    host.dispatch(inc, [live, reply, on_answer] {
      if (!*live) return;
      *live = false;
      on_answer(std::move(reply->answer));
    });
  });
  return Handle(std::move(live));
}

FileSystem& SimEnv::files() { return host_.disk().file_system(); }

void SimEnv::log(LogLevel level, std::string_view component, std::string_view message) {
  sim_.log(host_.index(), level, component, message);
}

void SimEnv::trace(std::string_view kind, std::string_view detail) {
  sim_.trace().record(sim_.loop().now_ns(), kind, host_.index(), kNoHost, 0, detail);
}

}  // namespace tandem::sim
