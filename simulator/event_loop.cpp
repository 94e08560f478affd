#include "simulator/event_loop.hpp"

#include <algorithm>
#include <string>

namespace tandem::sim {

void EventLoop::schedule_at(std::int64_t at_ns, EventFn fn) {
  TANDEM_ASSERT(at_ns >= now_ns_);
  std::uint32_t slot;
  if (free_slots_.empty()) {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.push_back(std::move(fn));
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
    slots_[slot] = std::move(fn);
  }
  TANDEM_ASSERT(slot < kSlotsMax && next_seq_ < (std::uint64_t{1} << (64 - kSlotBits)));
  push(Entry{at_ns, next_seq_++ << kSlotBits | slot});
}

// Hand-rolled sifts so entries stay 16 bytes and callbacks never move.
// Puts `entry` in the hole at `i` or above it, moving later parents down.
void EventLoop::climb(std::size_t i, Entry entry) {
  while (i > 0) {
    const std::size_t parent = (i - 1) / kArity;
    if (!later(heap_[parent], entry)) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = entry;
}

void EventLoop::push(Entry entry) {
  heap_.push_back(entry);
  climb(heap_.size() - 1, entry);
}

// Bottom-up: the hole left at the root sinks to a leaf along the earliest
// children, then the last entry climbs into it from there. It came from the
// bottom, so it seldom climbs far: fewer comparisons than sifting it down.
EventLoop::Entry EventLoop::pop() {
  const Entry top = heap_.front();
  const Entry last = heap_.back();
  heap_.pop_back();
  const std::size_t n = heap_.size();
  if (n == 0) return top;
  std::size_t i = 0;
  for (;;) {
    const std::size_t first = kArity * i + 1;
    if (first >= n) break;
    const std::size_t end = std::min(first + kArity, n);
    std::size_t child = first;
    for (std::size_t c = first + 1; c < end; ++c) {
      if (later(heap_[child], heap_[c])) child = c;
    }
    heap_[i] = heap_[child];
    i = child;
  }
  climb(i, last);
  return top;
}

void EventLoop::run_one() {
  const Entry entry = pop();
  TANDEM_ASSERT(entry.at_ns >= now_ns_);
  now_ns_ = entry.at_ns;
  EventFn fn = std::move(slots_[entry.slot()]);  // leaves the slot empty
  free_slots_.push_back(entry.slot());
  ++events_run_;
  fn();
}

bool EventLoop::step() {
  if (heap_.empty()) return false;
  run_one();
  return true;
}

Status EventLoop::cap_error() const {
  return make_error("event cap of " + std::to_string(max_events_) + " events reached at virtual time " +
                    std::to_string(now_ns_) + " ns: the scenario livelocks or runs too long");
}

Status EventLoop::run_until(std::int64_t until_ns) {
  while (!heap_.empty() && heap_.front().at_ns <= until_ns) {
    if (events_run_ >= max_events_) return cap_error();
    run_one();
  }
  if (until_ns > now_ns_) now_ns_ = until_ns;
  return {};
}

Result<bool> EventLoop::run_until(const std::function<bool()>& done, std::int64_t until_ns) {
  if (done()) return true;
  while (!heap_.empty() && heap_.front().at_ns <= until_ns) {
    if (events_run_ >= max_events_) return cap_error().error();
    run_one();
    if (done()) return true;
  }
  if (until_ns > now_ns_) now_ns_ = until_ns;
  return false;
}

}  // namespace tandem::sim
