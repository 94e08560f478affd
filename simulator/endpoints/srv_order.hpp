#pragma once
// RFC 2782's order of SRV targets: lowest priority first; within a priority,
// targets drawn one at a time at random with probability proportional to
// their weight (weight 0 targets are drawn only rarely, as the RFC's
// running-sum selection does; see srv_order.cpp for the one place this
// departs from the RFC's letter to keep its intent). Pure: the randomness is
// passed in, so a twin run replays the same order from its seed.

#include <vector>

#include "runtime/core/random.hpp"
#include "runtime/env/env.hpp"

namespace tandem::sim::endpoints {

// Every record of `records`, in the order a client tries them.
std::vector<SrvRecord> rfc2782_order(std::vector<SrvRecord> records, Random& random);

}  // namespace tandem::sim::endpoints
