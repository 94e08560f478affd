#pragma once
// Handles whose cancellation acts at once. env.hpp's Handle only clears a
// shared flag; here that flag lives inside a small guard object, so when the
// Handle lets go of it (cancel or destruction) the guard's destructor tells the
// operation to close its socket or timer instead of running to its deadline.

#include <functional>
#include <memory>
#include <utility>

#include "runtime/env/env.hpp"

namespace tandem::asio_env {

// What an operation keeps: whether its callback may still run.
class CancelToken {
 public:
  CancelToken() = default;
  explicit CancelToken(std::weak_ptr<bool> live) : live_(std::move(live)) {}
  // True once: the caller may run the callback now; the Handle goes inactive.
  bool claim() const {
    auto live = live_.lock();
    if (!live || !*live) return false;
    *live = false;
    return true;
  }
  bool cancelled() const {
    auto live = live_.lock();
    return !live || !*live;
  }

 private:
  std::weak_ptr<bool> live_;
};

// A Handle and its token; `on_release` runs when the Handle is cancelled or
// destroyed, whether or not the operation has finished (so it must check).
inline std::pair<Handle, CancelToken> make_cancellable(std::function<void()> on_release) {
  struct Guard {
    bool live = true;
    std::function<void()> on_release;
    ~Guard() {
      if (on_release) on_release();
    }
  };
  auto guard = std::make_shared<Guard>();
  guard->on_release = std::move(on_release);
  std::shared_ptr<bool> live(guard, &guard->live);  // aliasing: owns the guard
  CancelToken token{std::weak_ptr<bool>(live)};
  return {Handle(std::move(live)), token};
}

}  // namespace tandem::asio_env
