#include "simulator/demo_twin.hpp"

#include <cstdio>

#include "runtime/env/tls/pki.hpp"

namespace tandem::sim {
namespace {

constexpr std::uint16_t kDemoPort = 4371;

IpAddress demo_address(std::size_t i) { return IpAddress::v4(10, 0, 0, static_cast<std::uint8_t>(i + 1)); }

std::string fmt_seconds(std::int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%8.3f s", static_cast<double>(ns) / 1e9);
  return buf;
}

}  // namespace

DemoTwin::DemoTwin(const DemoTwinOptions& options)
    : sim_(SimulationOptions{.seed = options.seed, .keep_trace = options.keep_trace}) {}

Result<std::unique_ptr<DemoTwin>> DemoTwin::create(const DemoTwinOptions& options) {
  if (options.hosts < 1 || options.hosts > 250) return make_error("a demo twin has 1 to 250 hosts");
  std::unique_ptr<DemoTwin> twin(new DemoTwin(options));
  twin->sim_.network().set_default_link(options.link);
  for (std::size_t i = 0; i < options.hosts; ++i) {
    auto host = twin->sim_.add_host("h" + std::to_string(i + 1), {demo_address(i)});
    if (!host) return host.error();
    twin->hosts_.push_back(*host);
  }
  const WallTime epoch = twin->sim_.wall_epoch();
  for (std::size_t i = 0; i < options.hosts; ++i) {
    const std::string name = twin->hosts_[i]->name();
    auto cert = make_self_signed(CertificateRequest{name + ".demo.tandem.test", {name + ".demo.tandem.test"},
                                                    {demo_address(i)}, epoch - std::chrono::hours(24 * 365),
                                                    epoch + std::chrono::hours(24 * 365 * 10), false});
    if (!cert) return cert.error();
    demo::HeartbeatConfig config;
    config.name = name;
    config.listen = Endpoint{demo_address(i), kDemoPort};
    config.interval = options.interval;
    config.tls = TlsConfig{cert->certificate_pem, cert->private_key_pem, {}, TlsVerifyMode::Permissive};
    for (std::size_t j = 0; j < options.hosts; ++j) {
      if (j != i) config.peers.push_back(Endpoint{demo_address(j), kDemoPort});
    }
    twin->hosts_[i]->start(process_factory<demo::HeartbeatService>([config](Env& env) {
      auto service = demo::HeartbeatService::start(env, config);
      TANDEM_ASSERT(service.ok());  // the config was built above; a failure here is a bug
      return std::move(service.value());
    }));
  }
  return twin;
}

Result<DemoRunReport> run_demo_scenario(const DemoTwinOptions& options, Duration duration,
                                        const std::string& trace_path) {
  DemoTwinOptions opts = options;
  opts.keep_trace = true;  // the timeline below reads the records
  auto created = DemoTwin::create(opts);
  if (!created) return created.error();
  DemoTwin& twin = **created;
  Simulation& sim = twin.sim();
  const std::int64_t end_ns = to_ns(duration);

  // The script, at fractions of the run: cut h1 from the last host, crash h2, heal, restart.
  auto at = [&](double fraction, std::function<void()> fn) {
    sim.loop().schedule_at(static_cast<std::int64_t>(static_cast<double>(end_ns) * fraction), std::move(fn));
  };
  const std::size_t n = twin.size();
  if (n >= 2) {
    const std::int32_t a = twin.host(0).index();
    const std::int32_t b = twin.host(n - 1).index();
    at(0.30, [&sim, a, b] { sim.network().partition(a, b); });
    at(0.55, [&sim, a, b] { sim.network().heal(a, b); });
  }
  if (n >= 3) {
    at(0.65, [&twin] { twin.host(1).crash(); });
    at(0.75, [&twin] { twin.host(1).restart(); });
  }

  if (auto ok = sim.run_for(duration); !ok) return ok.error();

  DemoRunReport report;
  for (const TraceRecord& r : sim.trace().records()) {
    if (r.kind == "demo.reach" || r.kind.rfind("fault.", 0) == 0) {
      std::string what = r.kind == "demo.reach" ? r.detail : r.kind.substr(6) + " " + std::string(sim.trace().host_name(r.host));
      if (r.kind == "fault.partition" || r.kind == "fault.heal") what += " <-> " + std::string(sim.trace().host_name(r.peer));
      if (r.kind == "fault.partition_one_way") what += " -> " + std::string(sim.trace().host_name(r.peer));
      report.timeline.push_back("[" + fmt_seconds(r.t_ns) + "] " + what);
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    auto* service = twin.service(i);
    report.final_summaries.push_back(service ? service->summary() : twin.host(i).name() + " is down");
    report.boot_counts.push_back(service ? service->boot_count() : 0);
  }
  report.events = sim.loop().events_run();
  report.trace_records = sim.trace().count();
  report.messages_delivered = sim.network().stats().segments_delivered + sim.network().stats().datagrams_delivered;
  report.virtual_ns = sim.loop().now_ns();
  report.trace_hash = sim.trace().hash_hex();
  if (!trace_path.empty()) {
    if (auto ok = sim.trace().write_jsonl(trace_path); !ok) return ok.error();
  }
  return report;
}

}  // namespace tandem::sim
