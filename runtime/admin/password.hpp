#pragma once
// Administrator passwords, stored as a salted slow hash in the replicated item
// "Login Administrator N PasswordHash" and never in clear. The stored string
// describes itself, so the cost can be raised later without breaking old hashes:
//
//   pbkdf2-sha256$<iterations>$<salt, base64>$<derived key, base64>
//
// Used by the admin API to authenticate and by `tandemd init` to create the
// first account.

#include <string>
#include <string_view>

#include "runtime/core/random.hpp"

namespace tandem::admin {

// Iterations of PBKDF2-HMAC-SHA256 for new hashes. Measured on the build host
// (AMD EPYC, shared, OpenSSL 3.0): about 37 ms per hash or verify, inside the
// 20-50 ms a peer may spend on one login without starving its heartbeats.
inline constexpr int kPasswordIterations = 150'000;
// The fewest iterations a stored hash may have (fewer is refused as no protection).
inline constexpr int kPasswordIterationsMin = 1'000;
inline constexpr std::size_t kPasswordSaltBytes = 16;

// A fresh hash of `password` with a 16-byte salt drawn from `random`.
// `iterations` (kPasswordIterationsMin or more) is for the twin, whose peers
// spend no virtual time hashing: there the cost is only the run's wall time.
std::string hash_password(std::string_view password, Random& random, int iterations = kPasswordIterations);

// True when `password` matches `stored`. A malformed `stored` (wrong scheme,
// iterations out of bounds, bad base64, wrong digest length) verifies false.
// The digests are compared in constant time.
bool verify_password(std::string_view password, std::string_view stored);

}  // namespace tandem::admin
