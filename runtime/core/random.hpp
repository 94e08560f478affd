#pragma once
// A small, fast, seedable generator (xoshiro256**). Peers draw randomness only
// from the Random their Env hands them, so a twin run replays from its seed.
// Named streams derive a child seed from (parent seed, name): adding a stream
// never shifts the numbers another stream produces.

#include <cstdint>
#include <string_view>

namespace tandem {

class Random {
 public:
  explicit Random(std::uint64_t seed);

  // The generator for `name` under `seed`; stable across runs and builds.
  static Random stream(std::uint64_t seed, std::string_view name);
  static std::uint64_t derive_seed(std::uint64_t seed, std::string_view name);

  std::uint64_t next_u64();
  // Uniform in [0, bound); bound > 0.
  std::uint64_t below(std::uint64_t bound);
  // Uniform in [lo, hi]; lo <= hi.
  std::int64_t between(std::int64_t lo, std::int64_t hi);
  // Uniform in [0, 1).
  double unit();
  bool chance(double probability) { return unit() < probability; }

 private:
  std::uint64_t s_[4];
};

}  // namespace tandem
