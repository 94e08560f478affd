// The timeline's keys: Space plays and pauses, Left/Right step from event to
// event, Home/End jump to the ends, + and - change the speed.

#include <gtest/gtest.h>

#include <QTest>

#include "gui/timeline/timeline_widget.hpp"
#include "tests/unit/gui/gui_test_support.hpp"

namespace tandem::view {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

class TimelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::load(history_, testing::handcrafted_trace());
    timeline_.set_event_steps([this](std::int64_t t) { return history_.previous_event(t); },
                              [this](std::int64_t t) { return history_.next_event(t); });
    timeline_.set_end(history_.end_ns());
    QObject::connect(&timeline_, &TimelineWidget::time_changed, [this](std::int64_t t) { seen_.push_back(t); });
    timeline_.show();
    timeline_.activateWindow();
    ASSERT_TRUE(QTest::qWaitForWindowActive(&timeline_));
  }
  void key(int k) { QTest::keyClick(&timeline_, static_cast<Qt::Key>(k)); }

  StateHistory history_;
  TimelineWidget timeline_;
  std::vector<std::int64_t> seen_;
};

TEST_F(TimelineTest, HomeAndEndJumpToTheEnds) {
  key(Qt::Key_End);
  EXPECT_EQ(timeline_.now_ns(), 50 * kSecond);
  ASSERT_FALSE(seen_.empty());
  EXPECT_EQ(seen_.back(), 50 * kSecond);
  key(Qt::Key_Home);
  EXPECT_EQ(timeline_.now_ns(), 0);
}

TEST_F(TimelineTest, LeftAndRightStepFromEventToEvent) {
  timeline_.seek(10 * kSecond);
  key(Qt::Key_Right);
  EXPECT_EQ(timeline_.now_ns(), 16 * kSecond);
  key(Qt::Key_Right);
  EXPECT_EQ(timeline_.now_ns(), 20 * kSecond);
  key(Qt::Key_Left);
  EXPECT_EQ(timeline_.now_ns(), 16 * kSecond);
}

TEST_F(TimelineTest, SpacePlaysAndPausesAndPlayingMovesTime) {
  timeline_.seek(0);
  key(Qt::Key_Plus);  // 2x
  key(Qt::Key_Plus);  // 5x
  key(Qt::Key_Space);
  EXPECT_TRUE(timeline_.playing());
  QTest::qWait(300);
  key(Qt::Key_Space);
  EXPECT_FALSE(timeline_.playing());
  EXPECT_GT(timeline_.now_ns(), 0);  // it moved; how far depends on the machine
}

TEST_F(TimelineTest, PlusAndMinusChangeTheSpeedWithinItsRange) {
  EXPECT_EQ(timeline_.speed(), 1);
  key(Qt::Key_Plus);
  EXPECT_EQ(timeline_.speed(), 2);
  key(Qt::Key_Minus);
  key(Qt::Key_Minus);
  EXPECT_EQ(timeline_.speed(), 0.5);
  for (int i = 0; i < 20; ++i) key(Qt::Key_Minus);
  EXPECT_EQ(timeline_.speed(), TimelineWidget::kSpeeds[0]);
  for (int i = 0; i < 20; ++i) key(Qt::Key_Plus);
  EXPECT_EQ(timeline_.speed(), 3600);
}

TEST_F(TimelineTest, AGrowingRunIsFollowedUntilTheUserLooksBack) {
  timeline_.set_growing(true);
  history_.advance_to(70 * kSecond);
  timeline_.set_end(history_.end_ns());
  EXPECT_EQ(timeline_.now_ns(), 70 * kSecond);
  key(Qt::Key_Left);
  const std::int64_t looked = timeline_.now_ns();
  EXPECT_LT(looked, 70 * kSecond);
  timeline_.set_end(80 * kSecond);
  EXPECT_EQ(timeline_.now_ns(), looked);  // stays where the user looks
  key(Qt::Key_End);
  timeline_.set_end(90 * kSecond);
  EXPECT_EQ(timeline_.now_ns(), 90 * kSecond);  // following again
}

}  // namespace
}  // namespace tandem::view
