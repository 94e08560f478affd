#include "runtime/admin/authentication.hpp"

#include <openssl/crypto.h>

#include <vector>

#include "runtime/admin/base64.hpp"
#include "runtime/admin/http.hpp"
#include "runtime/admin/password.hpp"

namespace tandem::admin {
namespace {

// Verified against when the user is unknown, so the reply takes as long as for
// a known user: well formed, at today's cost, and with an all-zero digest that
// no password derives.
const std::string& nobody_hash() {
  static const std::string hash = "pbkdf2-sha256$" + std::to_string(kPasswordIterations) + "$" +
                                  base64_encode(std::vector<std::uint8_t>(kPasswordSaltBytes)) + "$" +
                                  base64_encode(std::vector<std::uint8_t>(32));
  return hash;
}

struct Credentials {
  std::string user;
  std::string password;
  ~Credentials() { OPENSSL_cleanse(password.data(), password.size()); }
};

// "Basic <base64 of user:password>"; the scheme is case-insensitive (RFC 7617).
std::optional<Credentials> parse_basic(std::string_view header) {
  if (header.size() > kMaxAuthorizationBytes) return std::nullopt;
  const std::size_t space = header.find(' ');
  if (space == std::string_view::npos || !iequals(header.substr(0, space), "Basic")) return std::nullopt;
  std::string_view token = header.substr(space + 1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  auto decoded = base64_decode(token);
  if (!decoded) return std::nullopt;
  const std::string_view text(reinterpret_cast<const char*>(decoded->data()), decoded->size());
  const std::size_t colon = text.find(':');
  std::optional<Credentials> out;
  if (colon != std::string_view::npos && colon > 0) {
    out.emplace();
    out->user = std::string(text.substr(0, colon));
    out->password = std::string(text.substr(colon + 1));
  }
  OPENSSL_cleanse(decoded->data(), decoded->size());
  return out;
}

struct Account {
  std::string password_hash;
  AccessLevel level = AccessLevel::ReadOnly;
  bool enabled = false;
};

std::optional<Account> find_account(config::Store& store, std::string_view user) {
  const auto slot = find_administrator(store, user);
  if (!slot) return std::nullopt;
  auto hash = store.get(administrator_item(*slot, "PasswordHash"));
  auto level = store.get(administrator_item(*slot, "AccessLevel"));
  auto state = store.get(administrator_item(*slot, "State"));
  if (!hash || !level || !state) return std::nullopt;
  Account account{*hash, AccessLevel::ReadOnly, *state == "Enabled"};
  if (*level == "ReadWrite") account.level = AccessLevel::ReadWrite;
  if (*level == "Auditor") account.level = AccessLevel::Auditor;
  return account;
}

}  // namespace

std::string administrator_item(int slot, std::string_view field) {
  return "Login Administrator " + std::to_string(slot) + " " + std::string(field);
}

std::optional<int> find_administrator(config::Store& store, std::string_view name) {
  if (name.empty()) return std::nullopt;
  for (int slot = 1; slot <= kMaxAdministrators; ++slot) {
    auto stored = store.get(administrator_item(slot, "Name"));
    if (stored && *stored == name) return slot;
  }
  return std::nullopt;
}

std::string_view to_string(AccessLevel level) {
  switch (level) {
    case AccessLevel::ReadWrite: return "ReadWrite";
    case AccessLevel::ReadOnly: return "ReadOnly";
    case AccessLevel::Auditor: return "Auditor";
  }
  return "?";
}

std::optional<Identity> Authenticator::authenticate(std::string_view authorization, config::Store& store) {
  auto credentials = parse_basic(authorization);
  if (!credentials) return std::nullopt;
  const auto account = find_account(store, credentials->user);
  if (!account) {
    (void)verify_password(credentials->password, nobody_hash());
    return std::nullopt;
  }
  // A disabled account pays the hash too: the reply does not tell it apart.
  const bool verified = verify(credentials->user, credentials->password, account->password_hash);
  if (!verified || !account->enabled) return std::nullopt;
  return Identity{credentials->user, account->level};
}

bool Authenticator::verify(std::string_view user, std::string_view password, const std::string& stored) {
  const MonoTime now = env_.now();
  if (cache_.contains(user, password, stored, now)) return true;
  if (!verify_password(password, stored)) return false;
  cache_.remember(user, password, stored, now);
  return true;
}

}  // namespace tandem::admin
