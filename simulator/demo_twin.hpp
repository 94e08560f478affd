#pragma once
// A twin of N hosts running the heartbeat demo (runtime/demo): the main job of
// the foundation, the Python module's first twin, and the demo benchmark.

#include <string>
#include <vector>

#include "runtime/demo/heartbeat_service.hpp"
#include "simulator/simulation.hpp"

namespace tandem::sim {

struct DemoTwinOptions {
  std::size_t hosts = 3;
  std::uint64_t seed = 1;
  bool keep_trace = false;
  LinkSpec link{std::chrono::microseconds(250), std::chrono::microseconds(100)};
  Duration interval = std::chrono::seconds(1);
};

class DemoTwin {
 public:
  static Result<std::unique_ptr<DemoTwin>> create(const DemoTwinOptions& options);

  Simulation& sim() { return sim_; }
  std::size_t size() const { return hosts_.size(); }
  SimHost& host(std::size_t i) { return *hosts_.at(i); }
  // The service on host i; null while that host is down.
  demo::HeartbeatService* service(std::size_t i) { return hosts_.at(i)->process<demo::HeartbeatService>(); }

 private:
  explicit DemoTwin(const DemoTwinOptions& options);
  Simulation sim_;
  std::vector<SimHost*> hosts_;
};

struct DemoRunReport {
  std::vector<std::string> timeline;  // "[ 12.000 s] h1 reaches h2" ...
  std::vector<std::string> final_summaries;
  std::vector<std::uint64_t> boot_counts;
  std::uint64_t events = 0;
  std::uint64_t trace_records = 0;
  std::uint64_t messages_delivered = 0;
  std::int64_t virtual_ns = 0;
  std::string trace_hash;
};

// The scripted run of the main job: the hosts come up, h1 and h3 are cut apart
// for a while, h2 crashes and restarts, and everything heals. `trace_path`, if
// not empty, receives the JSON Lines trace.
Result<DemoRunReport> run_demo_scenario(const DemoTwinOptions& options, Duration duration,
                                        const std::string& trace_path = {});

}  // namespace tandem::sim
