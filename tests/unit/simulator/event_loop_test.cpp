#include "simulator/event_loop.hpp"

#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <memory>
#include <vector>

namespace tandem::sim {

TEST(EventLoop, RunsByTimeThenByScheduleOrder) {
  EventLoop loop;
  std::vector<int> order;
  loop.schedule_at(30, [&] { order.push_back(3); });
  loop.schedule_at(10, [&] { order.push_back(1); });
  loop.schedule_at(20, [&] { order.push_back(20); });
  loop.schedule_at(10, [&] { order.push_back(2); });  // same time: after the first one at 10
  ASSERT_TRUE(loop.run_until(100).ok());
  EXPECT_EQ(order, (std::vector<int>{1, 2, 20, 3}));
  EXPECT_EQ(loop.now_ns(), 100);
}

TEST(EventLoop, ClockOnlyMovesForward) {
  EventLoop loop;
  std::vector<std::int64_t> seen;
  loop.schedule_at(5, [&] {
    seen.push_back(loop.now_ns());
    loop.schedule_after(0, [&] { seen.push_back(loop.now_ns()); });
    loop.schedule_after(7, [&] { seen.push_back(loop.now_ns()); });
  });
  ASSERT_TRUE(loop.run_until(50).ok());
  EXPECT_EQ(seen, (std::vector<std::int64_t>{5, 5, 12}));
}

TEST(EventLoop, StopsAtTheHorizonAndKeepsLaterEvents) {
  EventLoop loop;
  int ran = 0;
  loop.schedule_at(10, [&] { ++ran; });
  loop.schedule_at(1000, [&] { ++ran; });
  ASSERT_TRUE(loop.run_until(500).ok());
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(loop.pending(), 1u);
  ASSERT_TRUE(loop.run_until(1000).ok());
  EXPECT_EQ(ran, 2);
}

// Small callbacks are held inside the loop, large ones on the heap: both run
// once, in order, and what they captured is released once they have run.
TEST(EventLoop, RunsSmallAndLargeCallbacksAndReleasesTheirCaptures) {
  EventLoop loop;
  std::vector<int> order;
  auto token = std::make_shared<int>(0);
  std::array<std::int64_t, 32> big{};  // 256 bytes: more than EventFn keeps inline
  big[31] = 7;
  loop.schedule_at(20, [&order, token, big] { order.push_back(static_cast<int>(big[31])); });
  loop.schedule_at(10, [&order, token] { order.push_back(1); });
  for (int i = 0; i < 200; ++i) loop.schedule_at(30 + i % 7, [token] {});  // the heap grows, slots are reused
  EXPECT_EQ(token.use_count(), 203);
  ASSERT_TRUE(loop.run_until(100).ok());
  EXPECT_EQ(order, (std::vector<int>{1, 7}));
  EXPECT_EQ(token.use_count(), 1);
  EXPECT_EQ(loop.pending(), 0u);
}

TEST(EventLoop, LivelockEndsAsAnErrorAtTheCap) {
  EventLoop loop(10'000);
  std::function<void()> spin = [&] { loop.schedule_after(0, spin); };
  loop.schedule_at(0, spin);
  auto status = loop.run_until(1'000'000'000);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("event cap of 10000"), std::string::npos);
  EXPECT_EQ(loop.events_run(), 10'000u);
}

TEST(EventLoop, RunUntilConditionReportsWhetherItHeld) {
  EventLoop loop;
  int count = 0;
  for (int i = 1; i <= 10; ++i) loop.schedule_at(i * 100, [&] { ++count; });
  auto held = loop.run_until([&] { return count == 4; }, 10'000);
  ASSERT_TRUE(held.ok());
  EXPECT_TRUE(*held);
  EXPECT_EQ(loop.now_ns(), 400);
  auto never = loop.run_until([&] { return count == 99; }, 2'000);
  ASSERT_TRUE(never.ok());
  EXPECT_FALSE(*never);
  EXPECT_EQ(loop.now_ns(), 2'000);
}

TEST(EventLoop, ManyInterleavedEventsComeOutSorted) {
  EventLoop loop;
  std::vector<std::int64_t> times;
  std::uint64_t x = 12345;
  for (int i = 0; i < 5000; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const auto at = static_cast<std::int64_t>((x >> 33) % 100000);
    loop.schedule_at(at, [&times, &loop] { times.push_back(loop.now_ns()); });
  }
  ASSERT_TRUE(loop.run_until(100000).ok());
  ASSERT_EQ(times.size(), 5000u);
  EXPECT_TRUE(std::is_sorted(times.begin(), times.end()));
}

}  // namespace tandem::sim
