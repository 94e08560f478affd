#pragma once
// The twin's single event queue, ordered by (virtual time in integer
// nanoseconds, sequence number). Ties run in the order they were scheduled, so a
// run is a pure function of its seed and its scenario.
//
// A hard cap on events per run turns a livelock into an error instead of a hang.

#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "runtime/core/result.hpp"

namespace tandem::sim {

using EventFn = std::function<void()>;

class EventLoop {
 public:
  explicit EventLoop(std::uint64_t max_events = kDefaultMaxEvents) : max_events_(max_events) {}

  static constexpr std::uint64_t kDefaultMaxEvents = 2'000'000'000ULL;

  std::int64_t now_ns() const { return now_ns_; }
  std::uint64_t events_run() const { return events_run_; }
  std::size_t pending() const { return heap_.size(); }

  // Runs `fn` at virtual time `at_ns` (never before now).
  void schedule_at(std::int64_t at_ns, EventFn fn);
  void schedule_after(std::int64_t delay_ns, EventFn fn) { schedule_at(now_ns_ + delay_ns, std::move(fn)); }

  // Runs events with time <= until_ns, then sets the clock to until_ns.
  // Error if the event cap is reached (the clock stays at the last event).
  Status run_until(std::int64_t until_ns);
  // Runs until `done()` holds (checked after every event) or until_ns passes.
  // Returns whether `done()` held.
  Result<bool> run_until(const std::function<bool()>& done, std::int64_t until_ns);
  // Runs the earliest event, if any. False when the queue is empty.
  bool step();

 private:
  struct Entry {
    std::int64_t at_ns;
    std::uint64_t seq;
    std::uint32_t slot;
  };
  static bool later(const Entry& a, const Entry& b) {
    return a.at_ns != b.at_ns ? a.at_ns > b.at_ns : a.seq > b.seq;
  }
  void push(Entry entry);
  Entry pop();
  void run_one();
  Status cap_error() const;

  std::vector<Entry> heap_;            // binary min-heap on (at_ns, seq)
  std::vector<EventFn> slots_;         // callbacks, indexed by Entry::slot
  std::vector<std::uint32_t> free_slots_;
  std::int64_t now_ns_ = 0;
  std::uint64_t next_seq_ = 0;
  std::uint64_t events_run_ = 0;
  std::uint64_t max_events_;
};

}  // namespace tandem::sim
