#pragma once
// Non-cryptographic hashing shared by the peer and the twin: FNV-1a over
// bytes, and splitmix64's finaliser to spread a word's bits. Derived seeds,
// SIP To tags and twin trace hashes are made with them and must come out the
// same in every run and build: never change what they compute.

#include <cstdint>
#include <string_view>

namespace tandem {

inline constexpr std::uint64_t kFnv1aBasis = 0xcbf29ce484222325ULL;

// 64-bit FNV-1a of `bytes`, continuing from `hash`.
constexpr std::uint64_t fnv1a(std::string_view bytes, std::uint64_t hash = kFnv1aBasis) {
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// splitmix64's output function: every input bit reaches every output bit.
constexpr std::uint64_t splitmix64_mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace tandem
