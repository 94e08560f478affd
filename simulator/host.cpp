#include "simulator/host.hpp"

#include <cmath>
#include <string>

#include "simulator/sim_env.hpp"
#include "simulator/simulation.hpp"

namespace tandem::sim {

SimHost::SimHost(Simulation& sim, std::int32_t index, std::string name, std::vector<IpAddress> addresses)
    : sim_(sim), index_(index), name_(std::move(name)), addresses_(std::move(addresses)), disk_(name_) {
  TANDEM_ASSERT(!addresses_.empty());
}

SimHost::~SimHost() {
  // Orderly teardown of the twin, not a fault: the process goes first, then its Env.
  process_.reset();
  env_.reset();
}

Env* SimHost::env() { return env_.get(); }

void SimHost::start(ProcessFactory factory) {
  TANDEM_ASSERT(state_ == HostState::Down);
  factory_ = std::move(factory);
  boot();
}

void SimHost::boot() {
  ++incarnation_;
  state_ = HostState::Running;
  env_ = std::make_unique<SimEnv>(sim_, *this, incarnation_);
  sim_.trace().record(sim_.loop().now_ns(), "host.boot", index_, kNoHost, static_cast<std::int64_t>(incarnation_));
  if (factory_) process_ = factory_(*env_);
}

void SimHost::crash() {
  if (state_ == HostState::Down) return;
  sim_.trace().record(sim_.loop().now_ns(), "fault.crash", index_);
  // Disk first, so nothing the dying process's destructors write survives;
  // then the network forgets its sockets without telling anyone.
  disk_.crash();
  sim_.network().host_crashed(index_);
  state_ = HostState::Down;
  frozen_.clear();
  process_.reset();
  env_.reset();
}

void SimHost::restart() {
  TANDEM_ASSERT(state_ == HostState::Down);
  sim_.trace().record(sim_.loop().now_ns(), "fault.restart", index_);
  boot();
  sim_.network().retry_held();
}

void SimHost::pause() {
  if (state_ != HostState::Running) return;
  sim_.trace().record(sim_.loop().now_ns(), "fault.pause", index_);
  state_ = HostState::Paused;
}

void SimHost::resume() {
  if (state_ != HostState::Paused) return;
  sim_.trace().record(sim_.loop().now_ns(), "fault.resume", index_);
  state_ = HostState::Running;
  // What waited runs now, in the order it arrived, each as its own event.
  std::deque<std::function<void()>> waiting;
  waiting.swap(frozen_);
  for (auto& fn : waiting) {
    sim_.loop().schedule_at(sim_.loop().now_ns(), [this, inc = incarnation_, fn = std::move(fn)]() mutable {
      dispatch(inc, std::move(fn));
    });
  }
}


void SimHost::step_wall_clock(Duration offset) {
  wall_offset_ns_ += to_ns(offset);
  sim_.trace().record(sim_.loop().now_ns(), "fault.clock_step", index_, kNoHost, to_ns(offset));
}

void SimHost::set_drift_ppm(double ppm) {
  const std::int64_t now = sim_.loop().now_ns();
  // Fold the drift so far into the offset, then drift at the new rate.
  wall_offset_ns_ += static_cast<std::int64_t>(std::llround(drift_ppm_ * static_cast<double>(now - drift_anchor_ns_) / 1e6));
  drift_anchor_ns_ = now;
  drift_ppm_ = ppm;
  sim_.trace().record(sim_.loop().now_ns(), "fault.clock_drift", index_, kNoHost,
                      static_cast<std::int64_t>(std::llround(ppm * 1000)));
}

WallTime SimHost::wall_at(std::int64_t virtual_ns) const {
  const auto drift = static_cast<std::int64_t>(
      std::llround(drift_ppm_ * static_cast<double>(virtual_ns - drift_anchor_ns_) / 1e6));
  return sim_.wall_epoch() + Duration(virtual_ns + wall_offset_ns_ + drift);
}

}  // namespace tandem::sim
