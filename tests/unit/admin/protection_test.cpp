// The automated protection service on its own, over a twin host's Env: when a
// source is blocked, for how long, and that its table stays bounded.

#include "runtime/admin/protection.hpp"

#include <gtest/gtest.h>

#include "tests/unit/simulator/twin_fixture.hpp"

namespace tandem::admin {
namespace {

using namespace std::chrono_literals;

class ProtectionTest : public sim::TwinTest {
 protected:
  void SetUp() override {
    TwinTest::SetUp();
    protection_.emplace(env(a_));
  }
  std::optional<Protection> protection_;
  const IpAddress guesser_ = IpAddress::v4(192, 0, 2, 66);
  const IpAddress neighbour_ = IpAddress::v4(192, 0, 2, 67);
};

TEST_F(ProtectionTest, FiveFailuresWithinTheWindowBlockForThePeriod) {
  for (int i = 0; i < kMaxLoginFailures - 1; ++i) {
    EXPECT_FALSE(protection_->failed(guesser_));
    run(10s);
  }
  EXPECT_FALSE(protection_->blocked_for(guesser_).has_value());
  EXPECT_TRUE(protection_->failed(guesser_));
  EXPECT_EQ(protection_->blocked_for(guesser_), kLoginBlockPeriod);
  EXPECT_FALSE(protection_->blocked_for(neighbour_).has_value());  // blocks are per source
  run(kLoginBlockPeriod - 1s);
  EXPECT_EQ(protection_->blocked_for(guesser_), 1s);
  run(1s);
  EXPECT_FALSE(protection_->blocked_for(guesser_).has_value());
  // The block is over and so is its count: one more failure does not block again.
  EXPECT_FALSE(protection_->failed(guesser_));
  EXPECT_FALSE(protection_->blocked_for(guesser_).has_value());
}

TEST_F(ProtectionTest, FailuresSpreadWiderThanTheWindowDoNotBlock) {
  for (int i = 0; i < 3 * kMaxLoginFailures; ++i) {
    EXPECT_FALSE(protection_->failed(guesser_)) << "failure " << i;
    run(kLoginFailureWindow / (kMaxLoginFailures - 1) + 1s);
  }
  EXPECT_FALSE(protection_->blocked_for(guesser_).has_value());
}

TEST_F(ProtectionTest, ASuccessStartsTheCountAgain) {
  for (int i = 0; i < kMaxLoginFailures - 1; ++i) EXPECT_FALSE(protection_->failed(guesser_));
  protection_->succeeded(guesser_);
  for (int i = 0; i < kMaxLoginFailures - 1; ++i) EXPECT_FALSE(protection_->failed(guesser_));
  EXPECT_FALSE(protection_->blocked_for(guesser_).has_value());
  EXPECT_TRUE(protection_->failed(guesser_));
}

TEST_F(ProtectionTest, EachBlockIsLoggedWithoutSecrets) {
  for (int i = 0; i < kMaxLoginFailures; ++i) (void)protection_->failed(guesser_);
  ASSERT_FALSE(sim_.logs().empty());
  EXPECT_EQ(sim_.logs().back().message,
            "automated protection: blocking 192.0.2.66 for 300 s after 5 failed logins within 60 s");
  EXPECT_EQ(sim_.logs().back().level, LogLevel::Warn);
}

TEST_F(ProtectionTest, TheTableStaysBoundedAndAFloodDoesNotLiftABlock) {
  for (int i = 0; i < kMaxLoginFailures; ++i) (void)protection_->failed(guesser_);
  for (std::uint32_t i = 0; i < 2 * kMaxProtectedSources; ++i) {
    const IpAddress source = IpAddress::v4(10, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
                                           static_cast<std::uint8_t>(i));
    (void)protection_->failed(source);
    ASSERT_LE(protection_->tracked(), kMaxProtectedSources);
  }
  EXPECT_TRUE(protection_->blocked_for(guesser_).has_value());
}

}  // namespace
}  // namespace tandem::admin
