#include "runtime/admin/protection.hpp"

#include <algorithm>

namespace tandem::admin {

std::optional<Duration> Protection::blocked_for(const IpAddress& source) const {
  const auto it = sources_.find(source);
  if (it == sources_.end() || !it->second.blocked_until) return std::nullopt;
  const MonoTime now = env_.now();
  if (now >= *it->second.blocked_until) return std::nullopt;
  return *it->second.blocked_until - now;
}

bool Protection::failed(const IpAddress& source) {
  const MonoTime now = env_.now();
  if (!sources_.count(source)) make_room(now);
  Source& s = sources_[source];
  if (s.blocked_until && now >= *s.blocked_until) s = Source{};  // the block is over: a fresh start
  if (s.blocked_until) return false;                            // already blocked
  s.failures[s.next] = now;
  s.next = (s.next + 1) % s.failures.size();
  s.count = std::min(s.count + 1, s.failures.size());
  // The ring's oldest entry is the kMaxLoginFailures-th latest failure.
  const MonoTime oldest = s.failures[s.next];
  if (s.count < s.failures.size() || now - oldest > kLoginFailureWindow) return false;
  s.blocked_until = now + kLoginBlockPeriod;
  const std::string message = "automated protection: blocking " + source.to_string() + " for " +
                              std::to_string(std::chrono::duration_cast<std::chrono::seconds>(kLoginBlockPeriod).count()) +
                              " s after " + std::to_string(kMaxLoginFailures) + " failed logins within " +
                              std::to_string(std::chrono::duration_cast<std::chrono::seconds>(kLoginFailureWindow).count()) +
                              " s";
  env_.log(LogLevel::Warn, "admin", message);
  env_.trace("admin.blocked", source.to_string());
  return true;
}

// An entry that no longer matters: its block is over, or its failures are too
// old to count towards one.
bool Protection::stale(const Source& source, MonoTime now) const {
  if (source.blocked_until) return now >= *source.blocked_until;
  return source.count == 0 || now - source.latest() > kLoginFailureWindow;
}

void Protection::make_room(MonoTime now) {
  if (sources_.size() < kMaxProtectedSources) return;
  std::erase_if(sources_, [&](const auto& entry) { return stale(entry.second, now); });
  if (sources_.size() < kMaxProtectedSources) return;
  // Every entry is live. Keep blocks over counts (a flood of fresh sources must
  // not lift a block); drop the block that ends soonest, or else the count
  // whose latest failure is oldest.
  const auto rank = [](const Source& s) {
    return std::make_pair(s.blocked_until.has_value(), s.blocked_until.value_or(s.latest()));
  };
  sources_.erase(std::min_element(sources_.begin(), sources_.end(),
                                  [&](const auto& a, const auto& b) { return rank(a.second) < rank(b.second); }));
}

}  // namespace tandem::admin
