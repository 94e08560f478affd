#pragma once
// A simulated host: addresses, a disk that outlives crashes, a wall clock that
// can be offset and drift, and one running process (a peer) built from a
// factory over a fresh SimEnv on every (re)start.
//
// Crash: the process's memory is gone (its objects are destroyed with the disk
// already crashed, so nothing they do on the way out reaches the disk), pending
// timers and callbacks are dropped, unsynced writes are lost. Pause: the process
// is frozen (as SIGSTOP): the network still accepts its packets, but nothing of
// it runs until resume, then what waited runs in order.

#include <any>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "runtime/core/address.hpp"
#include "runtime/core/time.hpp"
#include "runtime/env/env.hpp"
#include "simulator/storage/sim_disk.hpp"

namespace tandem::sim {

class Simulation;
class SimEnv;

// Builds the host's process over its Env. The returned std::any holds a
// std::shared_ptr<T>; process<T>() gives it back.
using ProcessFactory = std::function<std::any(Env&)>;

template <class T, class F>
ProcessFactory process_factory(F make) {
  return [make = std::move(make)](Env& env) -> std::any { return std::shared_ptr<T>(make(env)); };
}

enum class HostState : std::uint8_t { Down, Running, Paused };

class SimHost {
 public:
  SimHost(Simulation& sim, std::int32_t index, std::string name, std::vector<IpAddress> addresses);
  ~SimHost();
  SimHost(const SimHost&) = delete;
  SimHost& operator=(const SimHost&) = delete;

  const std::string& name() const { return name_; }
  std::int32_t index() const { return index_; }
  const std::vector<IpAddress>& addresses() const { return addresses_; }
  // Only through Simulation::readdress_host, which keeps its address index.
  void set_addresses(std::vector<IpAddress> addresses) { addresses_ = std::move(addresses); }
  HostState state() const { return state_; }
  bool up() const { return state_ != HostState::Down; }
  std::uint64_t incarnation() const { return incarnation_; }
  SimDisk& disk() { return disk_; }
  Env* env();  // null while down

  // Process control (faults). start() remembers the factory for restart().
  void start(ProcessFactory factory);
  void crash();
  void restart();
  void pause();
  void resume();

  // The process as built by the factory; null when down or of another type.
  template <class T>
  T* process() {
    auto* held = std::any_cast<std::shared_ptr<T>>(&process_);
    return held ? held->get() : nullptr;
  }

  // Wall clock: offset (a step, as a bad NTP server causes) and drift.
  void step_wall_clock(Duration offset);
  void set_drift_ppm(double ppm);
  WallTime wall_at(std::int64_t virtual_ns) const;

  // Runs `fn` as this host's process, if incarnation `inc` is still alive:
  // now if running, after resume if paused, never if it crashed since. A
  // template so that running now wraps nothing: only work that must wait is
  // kept, as a std::function.
  template <class F>
  void dispatch(std::uint64_t inc, F&& fn) {
    if (inc != incarnation_ || state_ == HostState::Down) return;
    if (state_ == HostState::Paused) {
      frozen_.emplace_back(std::forward<F>(fn));
      return;
    }
    fn();
  }
  // Whether dispatch(inc, ...) would run its work now.
  bool runs_now(std::uint64_t inc) const { return inc == incarnation_ && state_ == HostState::Running; }

 private:
  void boot();

  Simulation& sim_;
  std::int32_t index_;
  std::string name_;
  std::vector<IpAddress> addresses_;
  SimDisk disk_;
  HostState state_ = HostState::Down;
  std::uint64_t incarnation_ = 0;
  ProcessFactory factory_;
  std::unique_ptr<SimEnv> env_;
  std::any process_;
  std::deque<std::function<void()>> frozen_;  // work that waits for resume()
  // wall(t) = epoch + t + offset + drift_ppm * (t - drift_anchor) / 1e6
  std::int64_t wall_offset_ns_ = 0;
  double drift_ppm_ = 0.0;
  std::int64_t drift_anchor_ns_ = 0;
};

}  // namespace tandem::sim
