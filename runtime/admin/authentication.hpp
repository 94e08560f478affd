#pragma once
// HTTP Basic authentication against the replicated administrator accounts:
// "Login Administrator [1..100] Name / PasswordHash / AccessLevel / State".
// The outcome says only yes or no: a client is never told whether the user,
// the password or the account's state was wrong. A user name nobody has still
// costs one hash, so timing does not tell which names exist.

#include <optional>
#include <string>
#include <string_view>

#include "runtime/admin/credential_cache.hpp"
#include "runtime/config/store.hpp"
#include "runtime/env/env.hpp"

namespace tandem::admin {

enum class AccessLevel : std::uint8_t { ReadWrite, ReadOnly, Auditor };
std::string_view to_string(AccessLevel level);

inline constexpr int kMaxAdministrators = 100;  // the schema's [1..100]
inline constexpr std::size_t kMaxAuthorizationBytes = 1024;

// "Login Administrator <slot> <field>".
std::string administrator_item(int slot, std::string_view field);
// The slot of the account named `name` (exactly), if any.
std::optional<int> find_administrator(config::Store& store, std::string_view name);

struct Identity {
  std::string user;
  AccessLevel level = AccessLevel::ReadOnly;
};

class Authenticator {
 public:
  explicit Authenticator(Env& env) : env_(env), cache_(env.random()) {}

  // The account `authorization` (an Authorization header) logs in as, or
  // nullopt for an absent or malformed header, an unknown user, a wrong
  // password or a disabled account.
  std::optional<Identity> authenticate(std::string_view authorization, config::Store& store);

 private:
  bool verify(std::string_view user, std::string_view password, const std::string& stored);

  Env& env_;
  CredentialCache cache_;
};

}  // namespace tandem::admin
