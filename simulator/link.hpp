#pragma once
// What a one-way path between two simulated hosts does to a packet.

#include <cstdint>

#include "runtime/core/random.hpp"
#include "runtime/core/time.hpp"

namespace tandem::sim {

enum class JitterShape : std::uint8_t {
  Uniform,      // extra delay uniform in [0, jitter]
  Exponential,  // extra delay exponential with mean `jitter` (a long tail), capped at 10x
};

struct LinkSpec {
  Duration latency = std::chrono::microseconds(100);  // one way
  Duration jitter = Duration::zero();
  JitterShape jitter_shape = JitterShape::Uniform;
  double loss = 0.0;                 // probability that a packet is lost
  std::uint64_t bandwidth_bps = 0;   // 0: unlimited
};

// One-way delay of a packet on `link` (latency plus a jitter draw), in ns.
std::int64_t sample_delay_ns(const LinkSpec& link, Random& random);

}  // namespace tandem::sim
