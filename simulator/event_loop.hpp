#pragma once
// The twin's single event queue, ordered by (virtual time in integer
// nanoseconds, sequence number). Ties run in the order they were scheduled, so a
// run is a pure function of its seed and its scenario.
//
// A hard cap on events per run turns a livelock into an error instead of a hang.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "runtime/core/result.hpp"

namespace tandem::sim {

// A move-only callback that holds a small callable inside itself: nearly
// every event's fits, and a std::function would allocate for each of them.
class EventFn {
 public:
  static constexpr std::size_t kInlineBytes = 96;

  EventFn() = default;
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, EventFn>>>
  EventFn(F&& fn) {  // NOLINT: implicit, like std::function
    using T = std::decay_t<F>;
    if constexpr (sizeof(T) <= kInlineBytes && alignof(T) <= alignof(std::max_align_t) &&
                  std::is_nothrow_move_constructible_v<T>) {
      ::new (static_cast<void*>(storage_)) T(std::forward<F>(fn));
      ops_ = &kInline<T>;
    } else {
      ::new (static_cast<void*>(storage_)) T*(new T(std::forward<F>(fn)));
      ops_ = &kOnHeap<T>;
    }
  }
  EventFn(EventFn&& other) noexcept { take(other); }
  EventFn& operator=(EventFn&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  EventFn(const EventFn&) = delete;
  EventFn& operator=(const EventFn&) = delete;
  ~EventFn() { reset(); }

  explicit operator bool() const { return ops_ != nullptr; }
  void operator()() { ops_->call(storage_); }
  void reset() {
    if (ops_ != nullptr) ops_->destroy(storage_);
    ops_ = nullptr;
  }

 private:
  struct Ops {
    void (*call)(void* storage);
    void (*move)(void* from, void* to);  // leaves `from` destroyed
    void (*destroy)(void* storage);
  };
  template <class T>
  static constexpr Ops kInline{
      [](void* s) { (*static_cast<T*>(s))(); },
      [](void* from, void* to) {
        ::new (to) T(std::move(*static_cast<T*>(from)));
        static_cast<T*>(from)->~T();
      },
      [](void* s) { static_cast<T*>(s)->~T(); }};
  template <class T>
  static constexpr Ops kOnHeap{[](void* s) { (**static_cast<T**>(s))(); },
                               [](void* from, void* to) { ::new (to) T*(*static_cast<T**>(from)); },
                               [](void* s) { delete *static_cast<T**>(s); }};
  void take(EventFn& other) {
    if (other.ops_ == nullptr) return;
    other.ops_->move(other.storage_, storage_);
    ops_ = other.ops_;
    other.ops_ = nullptr;
  }

  alignas(std::max_align_t) unsigned char storage_[kInlineBytes];
  const Ops* ops_ = nullptr;
};

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
  // 16 bytes, so more of the heap stays in cache: the sequence number in the
  // high bits of `order`, the slot in the low kSlotBits (which keeps
  // (at_ns, order) ordered exactly as (at_ns, seq)).
  static constexpr int kSlotBits = 24;
  static constexpr std::uint64_t kSlotsMax = std::uint64_t{1} << kSlotBits;
  struct Entry {
    std::int64_t at_ns;
    std::uint64_t order;  // seq << kSlotBits | slot
    std::uint32_t slot() const { return static_cast<std::uint32_t>(order & (kSlotsMax - 1)); }
  };
  static bool later(const Entry& a, const Entry& b) {
    return a.at_ns != b.at_ns ? a.at_ns > b.at_ns : a.order > b.order;
  }
  // A 4-ary heap: half the levels of a binary one, and each node's children
  // side by side in memory. (at_ns, seq) is unique, so the order is the same.
  static constexpr std::size_t kArity = 4;
  void climb(std::size_t hole, Entry entry);
  void push(Entry entry);
  Entry pop();
  void run_one();
  Status cap_error() const;

  std::vector<Entry> heap_;            // kArity-ary min-heap on (at_ns, seq)
  std::vector<EventFn> slots_;         // callbacks, indexed by Entry::slot
  std::vector<std::uint32_t> free_slots_;
  std::int64_t now_ns_ = 0;
  std::uint64_t next_seq_ = 0;
  std::uint64_t events_run_ = 0;
  std::uint64_t max_events_;
};

}  // namespace tandem::sim
