// The twin with endpoints: a 6-peer cluster (formed with the guide's
// procedures) and 10 000 SIP endpoints finding its peers by DNS SRV,
// registering and refreshing for 24 hours of virtual time. Prints the wall
// and CPU time on one core, the events run, the REGISTERs the peers answered,
// peak RSS, the trace hash (same seed and scenario, same hash: an
// optimisation must leave it as it was) and the population report.
//
//   bench_twin_endpoints [--endpoints N] [--hours H] [--transport udp|tcp] [--refresh-max S] [--idle]
//   bench_twin_endpoints --failover
//
// The target (issue 6): the default run, 10 000 endpoints over UDP with the
// registrar's Refresh Maximum at 3600 s (hourly refreshes, about 290 000
// REGISTERs a day), 24 h of virtual time in 10 s of wall time or less.
// `--refresh-max 60` is the second figure: the VCS default maximum, which
// makes every endpoint refresh about once a minute (17 M REGISTERs a day,
// each parsed and answered by a real SIP codec on both ends); that run is
// some 60 times the SIP work and is not held to the 10 s target.
//
// --failover prints, instead, the guide's options side by side: 100
// endpoints of each kind on the same cluster while peer 2 dies, peer 3 goes
// into maintenance mode and peer 4 is cut off from the endpoints, one after
// the other, with each kind's unreachable time after each event.
//
// UDP by default: the peers' registrar takes at most 1000 TCP connections
// each (runtime/sip SipServiceOptions::connections_max), fewer than 10 000
// endpoints need from 6 peers. --idle runs the same cluster without
// endpoints, to tell the cluster's own cost from the endpoints'.
// --refresh-max sets xConfiguration SIP Registration Standard Refresh Maximum
// (45..7200 s; 3600 unless given, --failover keeps the configured 60):
// endpoints ask for 3600 s and refresh at 80-90% of what is granted, so it
// sets the REGISTER rate.

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>

#include "bench/machine.hpp"
#include "runtime/ops/procedures.hpp"
#include "runtime/peer.hpp"
#include "simulator/endpoints/cluster_dns.hpp"
#include "simulator/endpoints/populations.hpp"
#include "simulator/twin_operator.hpp"

namespace {

using namespace tandem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr char kCluster[] = "cluster.tandem.test";
constexpr int kPeers = 6;
constexpr int kTargetRefreshMaxS = 3600;  // the target run's refresh maximum (see the header)
constexpr int kVcsDefaultRefreshMaxS = 60;

struct Args {
  int endpoints = 10'000;
  int hours = 24;
  bool udp = true;
  bool idle = false;
  bool failover = false;
  int refresh_max_s = kTargetRefreshMaxS;
};

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// User plus system CPU time of this process: the figure a busy shared machine
// disturbs least.
double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

bool parse(int argc, char** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--endpoints" && has_value) {
      args.endpoints = std::atoi(argv[++i]);
    } else if (a == "--hours" && has_value) {
      args.hours = std::atoi(argv[++i]);
    } else if (a == "--transport" && has_value) {
      const std::string t = argv[++i];
      if (t != "udp" && t != "tcp") return false;
      args.udp = t == "udp";
    } else if (a == "--refresh-max" && has_value) {
      args.refresh_max_s = std::atoi(argv[++i]);
      if (args.refresh_max_s < 45 || args.refresh_max_s > 7200) return false;
    } else if (a == "--idle") {
      args.idle = true;
    } else if (a == "--failover") {
      args.failover = true;
    } else {
      return false;
    }
  }
  return args.endpoints >= 1 && args.hours >= 1;
}

// Create a New Cluster and Add a Peer five times; then, when asked, SIP UDP
// Mode On and the refresh maximum set on the primary (replicated) and every
// peer restarted, as the registrar reads them at start.
Result<std::unique_ptr<sim::ClusterTwin>> make_cluster(bool udp, int refresh_max_s) {
  sim::ClusterTwinOptions options;
  options.hosts = kPeers;
  options.seed = 1;
  auto twin = sim::ClusterTwin::create(options);
  if (!twin) return twin.error();
  sim::ClusterTwin& t = **twin;
  sim::TwinOperator op(t);
  auto create = ops::create_cluster(op, t.address(1), kCluster);
  if (!create) return create.error();
  if (const ops::Report r = ops::run(op, *create); !r.ok) return make_error("create: " + ops::describe(r));
  for (int n = 2; n <= kPeers; ++n) {
    auto add = ops::add_peer(op, t.address(1), t.address(n));
    if (!add) return add.error();
    if (const ops::Report r = ops::run(op, *add); !r.ok) return make_error("add: " + ops::describe(r));
  }
  std::vector<config::Change> changes;
  if (udp) changes.push_back({"SIP UDP Mode", "On"});
  if (refresh_max_s > 0) changes.push_back({"SIP Registration Standard Refresh Maximum", std::to_string(refresh_max_s)});
  if (!changes.empty()) {
    if (auto ok = t.peer(1)->configure(changes, "bench"); !ok) return ok.error();
    if (auto ok = t.run_for(5s); !ok) return ok.error();
    for (int n = 1; n <= kPeers; ++n) t.reboot(n);
    if (auto ok = t.run_for(30s); !ok) return ok.error();
    for (int n = 1; n <= kPeers; ++n) {
      if (!t.peer(n) || !t.peer(n)->sip() || (udp && !t.peer(n)->sip()->udp_endpoint())) {
        return make_error("peer " + std::to_string(n) + " does not serve SIP over UDP");
      }
    }
  }
  return std::move(*twin);
}

std::uint64_t answered(sim::ClusterTwin& twin, std::uint64_t sip::RegistrarCounts::*field) {
  std::uint64_t total = 0;
  for (int n = 1; n <= kPeers; ++n) {
    if (Peer* p = twin.peer(n); p && p->sip()) total += p->sip()->registrar().counts().*field;
  }
  return total;
}

std::uint64_t sip_stat(sim::ClusterTwin& twin, std::uint64_t sip::SipServiceStats::*field) {
  std::uint64_t total = 0;
  for (int n = 1; n <= kPeers; ++n) {
    if (Peer* p = twin.peer(n); p && p->sip()) total += p->sip()->stats().*field;
  }
  return total;
}

// Every option of the guide through three events; a report after each.
int failover(sim::ClusterTwin& t) {
  using sim::endpoints::EndpointKind;
  sim::endpoints::EndpointPopulations pops(t);
  const std::pair<EndpointKind, const char*> kinds[] = {
      {EndpointKind::SipOutbound, "sip-outbound"},   {EndpointKind::SipSrv, "sip-srv"},
      {EndpointKind::SipRoundRobin, "sip-rr"},       {EndpointKind::SipStatic, "sip-static"},
      {EndpointKind::H323Srv, "h323-srv"},           {EndpointKind::H323RoundRobin, "h323-rr"},
      {EndpointKind::H323Static, "h323-static"}};
  for (const auto& [kind, name] : kinds) {
    sim::endpoints::PopulationSpec spec;
    spec.name = name;
    spec.kind = kind;
    spec.count = 100;
    spec.cluster_name = kCluster;
    spec.h323.time_to_live_s = 60;
    if (auto added = pops.add(spec); !added) {
      std::printf("endpoints: %s\n", added.error().message.c_str());
      return 1;
    }
  }
  const auto step = [&](const char* what, const std::function<void()>& act, Duration watch) {
    const Duration at = t.now();
    act();
    if (auto ok = t.run_for(watch); !ok) std::printf("run: %s\n", ok.error().message.c_str());
    std::printf("\n%s, then %lld s:\n%s", what, static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(watch).count()),
                pops.report_text(at).c_str());
  };
  step("all start", [] {}, 2min);
  step("peer 2 dies", [&] { t.crash(2); }, 5min);
  step("peer 2 restarts", [&] { t.restart(2); }, 5min);
  step("peer 3 enters maintenance mode", [&] { t.peer(3)->set_maintenance(true); }, 5min);
  step("peer 3 leaves maintenance mode", [&] { t.peer(3)->set_maintenance(false); }, 5min);
  step("peer 4 cut off from the endpoints", [&] { pops.isolate_peer(4); }, 5min);
  step("peer 4 reconnected", [&] { pops.reconnect_peer(4); }, 5min);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!parse(argc, argv, args)) {
    std::fprintf(stderr,
                 "usage: bench_twin_endpoints [--endpoints N] [--hours H] [--transport udp|tcp] [--refresh-max 45..7200] "
                 "[--idle] | --failover\n");
    return 2;
  }
  std::printf("bench_twin_endpoints on %s\n", tandem::bench::machine_summary().c_str());
  const auto form_start = Clock::now();
  // --failover keeps the configured default refresh maximum (60 s).
  auto twin = make_cluster(args.udp && !args.failover, args.failover ? 0 : args.refresh_max_s);
  if (!twin) {
    std::printf("cannot form the cluster: %s\n", twin.error().message.c_str());
    return 1;
  }
  sim::ClusterTwin& t = **twin;
  std::printf("cluster of %d peers formed in %.2f s wall (%.0f s virtual)\n", kPeers, seconds_since(form_start),
              std::chrono::duration<double>(t.now()).count());

  if (args.failover) {
    if (auto ok = sim::endpoints::publish_cluster_records(t, kCluster); !ok) {
      std::printf("DNS: %s\n", ok.error().message.c_str());
      return 1;
    }
    return failover(t);
  }
  const sim::endpoints::ClusterService services[] = {{"_sip._tcp", 5060}, sim::endpoints::kSipUdpService};
  if (auto ok = sim::endpoints::publish_cluster_records(t, kCluster, {}, services); !ok) {
    std::printf("DNS: %s\n", ok.error().message.c_str());
    return 1;
  }
  auto pops = std::make_unique<sim::endpoints::EndpointPopulations>(t);
  if (!args.idle) {
    sim::endpoints::PopulationSpec spec;
    spec.name = "sip-srv";
    spec.kind = sim::endpoints::EndpointKind::SipSrv;
    spec.count = args.endpoints;
    spec.cluster_name = kCluster;
    spec.start_within = 60s;
    spec.sip.transport = args.udp ? sim::endpoints::SipTransport::Udp : sim::endpoints::SipTransport::Tcp;
    if (auto added = pops->add(spec); !added) {
      std::printf("endpoints: %s\n", added.error().message.c_str());
      return 1;
    }
  }

  const Duration began = t.now();
  const auto events_before = t.sim().loop().events_run();
  const auto registers_before = answered(t, &sip::RegistrarCounts::registered) + answered(t, &sip::RegistrarCounts::refreshed);
  const auto start = Clock::now();
  const double cpu_start = cpu_seconds();
  if (auto ok = t.run_for(std::chrono::hours(args.hours)); !ok) {
    std::printf("run: %s\n", ok.error().message.c_str());
    return 1;
  }
  const double wall = seconds_since(start);
  const double cpu = cpu_seconds() - cpu_start;
  const auto events = t.sim().loop().events_run() - events_before;
  const auto registers =
      answered(t, &sip::RegistrarCounts::registered) + answered(t, &sip::RegistrarCounts::refreshed) - registers_before;
  const bool target_run = !args.idle && args.udp && args.endpoints == 10'000 && args.refresh_max_s == kTargetRefreshMaxS;
  const std::string refresh = "refresh maximum " + std::to_string(args.refresh_max_s) + " s" +
                              (args.refresh_max_s == kTargetRefreshMaxS       ? " (hourly: the target run)"
                               : args.refresh_max_s == kVcsDefaultRefreshMaxS ? " (the VCS default: second figure, no target)"
                                                                              : "");
  std::printf("%s: %d h virtual in %.2f s wall, %.2f s CPU (%.0fx real time), %llu events (%.2f M/s), %llu REGISTERs "
              "answered (%.0f/s virtual), peak RSS %.0f MiB, trace hash %016llx\n",
              args.idle ? "idle cluster"
                        : (std::to_string(args.endpoints) + " SIP SRV endpoints over " + (args.udp ? "UDP" : "TCP") + ", " +
                           refresh)
                              .c_str(),
              args.hours, wall, cpu, static_cast<double>(args.hours) * 3600.0 / wall, static_cast<unsigned long long>(events),
              static_cast<double>(events) / wall / 1e6, static_cast<unsigned long long>(registers),
              static_cast<double>(registers) / (static_cast<double>(args.hours) * 3600.0),
              static_cast<double>(peak_rss_kib()) / 1024.0, static_cast<unsigned long long>(t.trace_hash()));
  if (target_run) {
    std::printf("target: 24 h in 10 s or less: %s\n", args.hours == 24 ? (wall <= 10.0 ? "met" : "NOT met") : "(not a 24 h run)");
  }
  if (!args.idle) {
    std::printf("the peers' SIP services: %llu datagrams received, %llu responses sent, %llu keep-alives answered\n",
                static_cast<unsigned long long>(sip_stat(t, &sip::SipServiceStats::datagrams)),
                static_cast<unsigned long long>(sip_stat(t, &sip::SipServiceStats::responses)),
                static_cast<unsigned long long>(sip_stat(t, &sip::SipServiceStats::keepalives)));
    std::printf("%s", pops->report_text(began).c_str());
    std::string per_peer = "registered per peer:";
    const auto counts = pops->registered_per_peer(0);
    for (int n = 1; n <= kPeers; ++n) per_peer += " " + std::to_string(counts[static_cast<std::size_t>(n)]);
    std::printf("%s\n", per_peer.c_str());
  }
  return 0;
}
