#include "runtime/core/result.hpp"

#include <gtest/gtest.h>

namespace tandem {

Result<int> half(int x) {
  if (x % 2) return make_error("odd value " + std::to_string(x));
  return x / 2;
}

TEST(Result, CarriesValueOrError) {
  auto ok = half(8);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 4);
  auto bad = half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "odd value 3");
}

TEST(Result, VoidStatus) {
  Status fine;
  EXPECT_TRUE(fine.ok());
  Status broken = make_error("disk full");
  EXPECT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().message, "disk full");
}

TEST(ResultDeathTest, ReadingTheValueOfAnErrorIsAProgrammerError) {
  auto bad = half(3);
  EXPECT_DEATH((void)bad.value(), "assertion failed");
}

}  // namespace tandem
