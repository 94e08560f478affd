#pragma once
// The guide's "Automated protection service" (System > Administration, a
// peer-specific item: "Administration AutomatedProtection Mode"): a source
// address that fails to log in kMaxLoginFailures times within
// kLoginFailureWindow is blocked for kLoginBlockPeriod. A blocked source is
// refused before any password is hashed, so a password-guessing client cannot
// make the peer burn CPU. A successful login clears the source's count.
//
// Memory is bounded: at most kMaxProtectedSources addresses are tracked; when
// the table is full, expired entries go first, then the least harmful one.

#include <array>
#include <cstddef>
#include <map>
#include <optional>

#include "runtime/core/address.hpp"
#include "runtime/env/env.hpp"

namespace tandem::admin {

inline constexpr int kMaxLoginFailures = 5;
inline constexpr Duration kLoginFailureWindow = std::chrono::seconds(60);
inline constexpr Duration kLoginBlockPeriod = std::chrono::minutes(5);
inline constexpr std::size_t kMaxProtectedSources = 4096;

class Protection {
 public:
  explicit Protection(Env& env) : env_(env) {}

  // How much longer `source` is blocked; nullopt when it may try to log in.
  std::optional<Duration> blocked_for(const IpAddress& source) const;
  // Counts a failed login; true when this failure blocked the source (logged).
  bool failed(const IpAddress& source);
  // A successful login: the source starts again from no failures.
  void succeeded(const IpAddress& source) { sources_.erase(source); }
  // Mode Off: forget every count and block.
  void clear() { sources_.clear(); }
  std::size_t tracked() const { return sources_.size(); }

 private:
  struct Source {
    std::array<MonoTime, kMaxLoginFailures> failures{};  // ring of the latest failure times
    std::size_t count = 0;                                // failures recorded, up to the ring size
    std::size_t next = 0;                                 // ring slot for the next failure
    std::optional<MonoTime> blocked_until;
    MonoTime latest() const { return failures[(next + failures.size() - 1) % failures.size()]; }
  };
  bool stale(const Source& source, MonoTime now) const;
  void make_room(MonoTime now);

  Env& env_;
  std::map<IpAddress, Source> sources_;
};

}  // namespace tandem::admin
