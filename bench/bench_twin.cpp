// Twin throughput: events per second of wall time on one core.
//   kernel: the bare event queue with a trivial handler (target: 10 M/s or more)
//   demo:   the heartbeat demo service on SimEnv, 6 hosts (target: 1 M/s or more)

#include <chrono>
#include <cstdio>

#include "bench/machine.hpp"
#include "simulator/demo_twin.hpp"
#include "simulator/event_loop.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// 4096 independent chains, each event rescheduling its successor a pseudo-random
// 1..1000 ns later: a queue of constant size with real reordering work. The
// handler captures one pointer, so std::function stores it without allocating.
struct Chains {
  tandem::sim::EventLoop* loop;
  std::uint64_t x = 88172645463325252ULL;
  std::uint64_t remaining;

  void fire() {
    if (remaining == 0) return;
    --remaining;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    loop->schedule_after(static_cast<std::int64_t>(1 + x % 1000), [this] { fire(); });
  }
};

void bench_kernel(std::uint64_t total_events) {
  tandem::sim::EventLoop loop(total_events + 10'000);
  Chains chains{&loop, 88172645463325252ULL, total_events};
  for (int i = 0; i < 4096; ++i) loop.schedule_at(i, [&chains] { chains.fire(); });
  const auto start = Clock::now();
  while (loop.step()) {
  }
  const double s = seconds_since(start);
  std::printf("kernel   %11llu events in %6.3f s  = %6.2f M events/s   (trivial handler, 4096 pending)\n",
              static_cast<unsigned long long>(loop.events_run()), s,
              static_cast<double>(loop.events_run()) / s / 1e6);
}

void bench_demo(std::size_t hosts, std::chrono::seconds virtual_time) {
  tandem::sim::DemoTwinOptions options;
  options.hosts = hosts;
  options.seed = 1;
  options.interval = std::chrono::milliseconds(100);
  auto twin = tandem::sim::DemoTwin::create(options);
  if (!twin) {
    std::printf("demo: %s\n", twin.error().message.c_str());
    return;
  }
  auto& sim = (*twin)->sim();
  (void)sim.run_for(std::chrono::seconds(1));  // connections up
  const auto events_before = sim.loop().events_run();
  const auto start = Clock::now();
  if (auto ok = sim.run_for(virtual_time); !ok) {
    std::printf("demo: %s\n", ok.error().message.c_str());
    return;
  }
  const double s = seconds_since(start);
  const auto events = sim.loop().events_run() - events_before;
  std::printf("demo     %11llu events in %6.3f s  = %6.2f M events/s   (%zu hosts, TLS mesh, 100 ms heartbeats, "
              "%lld s virtual, %.0fx real time)\n",
              static_cast<unsigned long long>(events), s, static_cast<double>(events) / s / 1e6, hosts,
              static_cast<long long>(virtual_time.count()), static_cast<double>(virtual_time.count()) / s);
}

}  // namespace

int main() {
  std::printf("bench_twin on %s\n", tandem::bench::machine_summary().c_str());
  bench_kernel(50'000'000);
  bench_demo(6, std::chrono::seconds(3600));
  return 0;
}
