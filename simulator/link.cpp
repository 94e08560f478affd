#include "simulator/link.hpp"

#include <algorithm>
#include <cmath>

namespace tandem::sim {

std::int64_t sample_delay_ns(const LinkSpec& link, Random& random) {
  const std::int64_t base = to_ns(link.latency);
  const std::int64_t jitter = to_ns(link.jitter);
  if (jitter <= 0) return base;
  switch (link.jitter_shape) {
    case JitterShape::Uniform: return base + random.between(0, jitter);
    case JitterShape::Exponential: {
      const double u = 1.0 - random.unit();  // (0, 1]
      const double extra = -std::log(u) * static_cast<double>(jitter);
      return base + std::min<std::int64_t>(static_cast<std::int64_t>(extra), 10 * jitter);
    }
  }
  return base;
}

}  // namespace tandem::sim
