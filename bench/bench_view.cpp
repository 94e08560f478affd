// tandem-view's redraw time on a 24-hour trace: a 6-peer ClusterTwin formed
// as an operator would, then run for 24 virtual hours with a fault every hour
// (a subordinate killed for 10 minutes, two peers partitioned for 5, a
// configuration change on the primary), its records folded into the view's
// history as they come. Then 50 random moments are shown, each timed from the
// jump to a finished picture: the state at that moment (checkpoint plus the
// records after it), the scene and the three table models updated, the scene
// drawn into a 1600x1200 image. Prints p50 and max; asserts nothing.
//   build/dev/bench/bench_view [--hours H] [--moments N]

#include <QApplication>
#include <QImage>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <sys/resource.h>

#include "bench/machine.hpp"
#include "gui/app/cluster_view.hpp"
#include "gui/sources/twin_scenario.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// One hour of the day: a change on the primary, a fault, its repair.
void rehearse_hour(tandem::sim::ClusterTwin& twin, int hour) {
  const int victim = 2 + hour % 5;  // subordinates 2..6 in turn
  const std::string ttl = std::to_string(600 + hour);
  (void)twin.request(twin.address(1),
                     twin.authorized("POST", "/api/v1/configuration",
                                     R"({"changes":[{"path":"H323 Gatekeeper TimeToLive","value":")" + ttl + "\"}]}"));
  (void)twin.run_for(5min);
  twin.crash(victim);
  (void)twin.run_for(10min);
  twin.restart(victim);
  (void)twin.run_for(15min);
  const int a = 1 + hour % 6, b = 1 + (hour + 2) % 6;
  twin.partition(a, b);
  (void)twin.run_for(5min);
  twin.heal(a, b);
}

}  // namespace

int main(int argc, char** argv) {
  int hours = 24, moments = 50;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--hours")) hours = std::max(1, std::atoi(argv[i + 1]));
    if (!std::strcmp(argv[i], "--moments")) moments = std::max(1, std::atoi(argv[i + 1]));
  }
  if (qgetenv("QT_QPA_PLATFORM").isEmpty()) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  std::printf("%s\n", tandem::bench::machine_summary().c_str());

  auto made = tandem::view::form_twin_cluster({6, 1});
  if (!made) {
    std::fprintf(stderr, "bench_view: %s\n", made.error().message.c_str());
    return 1;
  }
  tandem::sim::ClusterTwin& twin = **made;
  tandem::view::ClusterView view;
  view.history().reset(tandem::view::twin_host_names(twin));
  std::size_t copied = tandem::view::copy_twin_records(twin, 0, view.history());
  const auto generating = Clock::now();
  for (int hour = 0; hour < hours; ++hour) {
    rehearse_hour(twin, hour);
    const auto left = std::chrono::hours(hour + 1) - twin.now();
    if (left > tandem::Duration::zero()) (void)twin.run_for(left);
    copied = tandem::view::copy_twin_records(twin, copied, view.history());
  }
  const double generate_s = ms_since(generating) / 1000;
  const std::int64_t end_ns = view.history().end_ns();
  std::printf("trace    %d h virtual, 6 peers: %llu twin records (%zu kept by the view, %zu log entries), "
              "made and folded in %.1f s\n",
              hours, static_cast<unsigned long long>(twin.sim().trace().count()), view.history().record_count(),
              view.history().log().size(), generate_s);

  std::mt19937_64 random(42);
  std::vector<double> redraw_ms;
  view.show_at(0);
  for (int i = 0; i < moments; ++i) {
    const std::int64_t t = static_cast<std::int64_t>(random() % static_cast<std::uint64_t>(end_ns + 1));
    const auto start = Clock::now();
    view.show_at(t);
    const QImage picture = view.render(QSize(1600, 1200));
    redraw_ms.push_back(ms_since(start));
    if (picture.isNull()) return 1;
  }
  std::sort(redraw_ms.begin(), redraw_ms.end());
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("redraw   %d random jumps: p50 %.1f ms, max %.1f ms (state, scene, tables, 1600x1200 picture)\n",
              moments, redraw_ms[redraw_ms.size() / 2], redraw_ms.back());
  std::printf("memory   peak RSS %.0f MiB (the twin keeps every record for export)\n", usage.ru_maxrss / 1024.0);
  return 0;
}
