#include "runtime/admin/password.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <vector>

#include "runtime/admin/base64.hpp"

namespace tandem::admin {
namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";
constexpr std::size_t kDigestBytes = 32;  // SHA-256
// A stored hash outside these bounds is refused rather than run: a huge count
// would stall the peer, a tiny one would be no protection.
constexpr long kMinIterations = kPasswordIterationsMin;
constexpr long kMaxIterations = 10'000'000;
constexpr std::size_t kMinSaltBytes = 8;
constexpr std::size_t kMaxSaltBytes = 64;

using Digest = std::array<std::uint8_t, kDigestBytes>;

Digest derive(std::string_view password, const std::vector<std::uint8_t>& salt, int iterations) {
  Digest out{};
  const int ok = PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                                   static_cast<int>(salt.size()), iterations, EVP_sha256(), static_cast<int>(out.size()),
                                   out.data());
  TANDEM_ASSERT(ok == 1);  // fails only on allocation failure or bad arguments
  return out;
}

struct Parsed {
  int iterations = 0;
  std::vector<std::uint8_t> salt;
  std::vector<std::uint8_t> digest;
};

// Splits "scheme$iterations$salt$digest"; an error when any part is off.
Result<Parsed> parse(std::string_view stored) {
  std::array<std::string_view, 4> parts;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::size_t dollar = stored.find('$');
    const bool last = i + 1 == parts.size();
    if (last != (dollar == std::string_view::npos)) return make_error("stored hash does not have four parts");
    parts[i] = stored.substr(0, dollar);
    stored = last ? std::string_view() : stored.substr(dollar + 1);
  }
  if (parts[0] != kScheme) return make_error("stored hash has an unknown scheme");
  long iterations = 0;
  const auto [end, ec] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), iterations);
  if (ec != std::errc() || end != parts[1].data() + parts[1].size() || iterations < kMinIterations ||
      iterations > kMaxIterations) {
    return make_error("stored hash has an iteration count out of bounds");
  }
  auto salt = base64_decode(parts[2]);
  auto digest = base64_decode(parts[3]);
  if (!salt || salt->size() < kMinSaltBytes || salt->size() > kMaxSaltBytes) return make_error("stored hash has a bad salt");
  if (!digest || digest->size() != kDigestBytes) return make_error("stored hash has a bad digest");
  return Parsed{static_cast<int>(iterations), std::move(*salt), std::move(*digest)};
}

}  // namespace

std::string hash_password(std::string_view password, Random& random, int iterations) {
  TANDEM_ASSERT(iterations >= kMinIterations && iterations <= kMaxIterations);
  std::vector<std::uint8_t> salt(kPasswordSaltBytes);
  for (std::size_t i = 0; i < salt.size(); i += 8) {
    const std::uint64_t word = random.next_u64();
    for (std::size_t k = 0; k < 8 && i + k < salt.size(); ++k) salt[i + k] = static_cast<std::uint8_t>(word >> (8 * k));
  }
  const Digest digest = derive(password, salt, iterations);
  return std::string(kScheme) + "$" + std::to_string(iterations) + "$" + base64_encode(salt) + "$" +
         base64_encode(digest);
}

bool verify_password(std::string_view password, std::string_view stored) {
  auto parsed = parse(stored);
  if (!parsed) return false;
  const Digest digest = derive(password, parsed->salt, parsed->iterations);
  return CRYPTO_memcmp(digest.data(), parsed->digest.data(), digest.size()) == 0;
}

}  // namespace tandem::admin
