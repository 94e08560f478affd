#pragma once
// The change stream a live GUI long-polls: GET /api/v1/watch?after=SEQ&wait_ms=N.
//
// A sequence number goes up whenever the status or the alarm list changes.
// Measurements (round trips, last contact times, usage ages) are left out of that
// comparison: they move with every heartbeat and would wake every watcher each
// second. A reply always carries the current status, measurements included.
//
// A request whose `after` differs from the current number is answered at once
// (a client behind, or one that knew a previous run of this peer); otherwise it
// waits until the number moves or `wait` passes, and is answered with the same
// number. The status is compared on a short Env timer that runs only while
// someone waits. At most kMaxWatchers wait at once.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "runtime/admin/http.hpp"
#include "runtime/env/env.hpp"

namespace tandem::admin {

inline constexpr Duration kWatchPollInterval = std::chrono::milliseconds(250);
inline constexpr Duration kDefaultWatchWait = std::chrono::seconds(25);
inline constexpr Duration kMaxWatchWait = std::chrono::seconds(30);
inline constexpr std::size_t kMaxWatchers = 32;

class Watch {
 public:
  struct View {
    Json status;
    Json alarms;
  };
  Watch(Env& env, std::function<View()> read);
  ~Watch();  // waiters still pending get no reply: their AdminApi is gone
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;

  std::uint64_t seq() const { return seq_; }
  std::size_t waiting() const { return waiters_.size(); }

  // Reads the view; when it changed, bumps the number and answers every
  // waiter. Returns the view it read.
  View refresh();
  // Answers `reply` with {"seq", "status", "alarms"} as described above. An
  // error (and no reply) when kMaxWatchers are already waiting.
  Status wait(std::uint64_t after, Duration wait, std::function<void(Response)> reply);

 private:
  struct Waiter {
    std::function<void(Response)> reply;
    Handle timeout;
  };
  // Reads the view; true when it differs from the last one.
  bool changed(const View& view);
  Response answer(const View& view) const;
  void wake_all(const View& view);
  void time_out(std::uint64_t id);
  void poll();

  Env& env_;
  std::function<View()> read_;
  std::string fingerprint_;
  std::uint64_t seq_ = 1;
  std::map<std::uint64_t, Waiter> waiters_;
  std::uint64_t next_waiter_ = 1;
  Handle poll_timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // a reply may destroy this
};

}  // namespace tandem::admin
