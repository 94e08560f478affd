#pragma once
// Time types. A peer reads time only through Env; these types keep the monotonic
// clock (for timeouts, never jumps) apart from the wall clock (for logs, licence
// borrowing and certificate validity, which NTP faults can skew).

#include <chrono>
#include <cstdint>

namespace tandem {

using Duration = std::chrono::nanoseconds;

// A clock type with no now(): only an Env can say what time it is.
struct MonotonicClock {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = Duration;
  using time_point = std::chrono::time_point<MonotonicClock, Duration>;
  static constexpr bool is_steady = true;
};

using MonoTime = MonotonicClock::time_point;
using WallTime = std::chrono::sys_time<Duration>;  // UTC, nanoseconds since the epoch

using namespace std::chrono_literals;

inline std::int64_t to_ns(Duration d) { return d.count(); }
inline std::int64_t to_ns(MonoTime t) { return t.time_since_epoch().count(); }
inline std::int64_t to_ns(WallTime t) { return t.time_since_epoch().count(); }

}  // namespace tandem
