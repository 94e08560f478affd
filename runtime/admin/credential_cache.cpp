#include "runtime/admin/credential_cache.hpp"

#include <openssl/crypto.h>

#include <algorithm>

#include "runtime/core/sha256.hpp"

namespace tandem::admin {
namespace {

// Length-prefixed, so ("ab", "c") and ("a", "bc") never collide.
void append_field(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
}

}  // namespace

CredentialCache::CredentialCache(Random& random) {
  for (auto& word : key_) word = random.next_u64();
}

std::string CredentialCache::fingerprint(std::string_view user, std::string_view password,
                                         std::string_view stored) const {
  std::string input(reinterpret_cast<const char*>(key_.data()), sizeof(key_));
  append_field(input, user);
  append_field(input, password);
  append_field(input, stored);
  std::string digest = sha256_hex(input);
  OPENSSL_cleanse(input.data(), input.size());  // the password does not linger in freed memory
  return digest;
}

bool CredentialCache::contains(std::string_view user, std::string_view password, std::string_view stored,
                               MonoTime now) const {
  const auto it = expires_.find(fingerprint(user, password, stored));
  return it != expires_.end() && now < it->second;
}

void CredentialCache::remember(std::string_view user, std::string_view password, std::string_view stored,
                               MonoTime now) {
  std::erase_if(expires_, [now](const auto& entry) { return entry.second <= now; });
  if (expires_.size() >= kCredentialCacheEntries) {
    // Full of live entries: drop the one closest to expiry.
    expires_.erase(std::min_element(expires_.begin(), expires_.end(),
                                    [](const auto& a, const auto& b) { return a.second < b.second; }));
  }
  expires_[fingerprint(user, password, stored)] = now + kCredentialLifetime;
}

}  // namespace tandem::admin
