#include "runtime/core/random.hpp"

#include "runtime/core/assert.hpp"
#include "runtime/core/hash.hpp"

namespace tandem {
namespace {

std::uint64_t splitmix64(std::uint64_t& state) { return splitmix64_mix(state += 0x9e3779b97f4a7c15ULL); }

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Random::Random(std::uint64_t seed) {
  std::uint64_t state = seed;
  for (auto& word : s_) word = splitmix64(state);
}

std::uint64_t Random::derive_seed(std::uint64_t seed, std::string_view name) {
  // FNV-1a over the name, mixed with the parent seed through splitmix64.
  std::uint64_t state = seed ^ fnv1a(name);
  splitmix64(state);
  return splitmix64(state);
}

Random Random::stream(std::uint64_t seed, std::string_view name) { return Random(derive_seed(seed, name)); }

std::uint64_t Random::next_u64() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint64_t Random::below(std::uint64_t bound) {
  TANDEM_ASSERT(bound > 0);
  // Lemire's multiply-shift with rejection: unbiased, one division at most.
  __uint128_t m = static_cast<__uint128_t>(next_u64()) * bound;
  auto low = static_cast<std::uint64_t>(m);
  if (low < bound) {
    const std::uint64_t threshold = -bound % bound;
    while (low < threshold) {
      m = static_cast<__uint128_t>(next_u64()) * bound;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

std::int64_t Random::between(std::int64_t lo, std::int64_t hi) {
  TANDEM_ASSERT(lo <= hi);
  const auto span = static_cast<std::uint64_t>(hi - lo);
  if (span == UINT64_MAX) return static_cast<std::int64_t>(next_u64());
  return lo + static_cast<std::int64_t>(below(span + 1));
}

double Random::unit() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

}  // namespace tandem
