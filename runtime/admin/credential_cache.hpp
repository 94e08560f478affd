#pragma once
// Credentials verified recently, so that tandemctl and the GUI, which send the
// same Basic credentials with every request, do not pay a slow password hash
// each time: the peer is single-threaded, and PBKDF2 stalls its heartbeats.
//
// An entry is a keyed SHA-256 over (a random per-process key, user, password,
// stored hash): the cache holds no password and nothing that can be tested
// against one without the key. Changing the password (the stored hash) misses
// the cache. Entries expire after kCredentialLifetime; at most
// kCredentialCacheEntries are kept.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "runtime/core/random.hpp"
#include "runtime/core/time.hpp"

namespace tandem::admin {

inline constexpr Duration kCredentialLifetime = std::chrono::minutes(5);
inline constexpr std::size_t kCredentialCacheEntries = 64;

class CredentialCache {
 public:
  explicit CredentialCache(Random& random);

  // True when this exact (user, password, stored hash) verified within the lifetime.
  bool contains(std::string_view user, std::string_view password, std::string_view stored, MonoTime now) const;
  // Remembers a successful verification until now + kCredentialLifetime.
  void remember(std::string_view user, std::string_view password, std::string_view stored, MonoTime now);
  std::size_t size() const { return expires_.size(); }

 private:
  std::string fingerprint(std::string_view user, std::string_view password, std::string_view stored) const;

  std::array<std::uint64_t, 4> key_{};
  std::map<std::string, MonoTime> expires_;  // fingerprint -> expiry
};

}  // namespace tandem::admin
