#include "runtime/core/random.hpp"

#include <gtest/gtest.h>

#include <set>

namespace tandem {

TEST(Random, SameSeedSameSequence) {
  Random a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next_u64();
    EXPECT_EQ(x, b.next_u64());
    differs |= x != c.next_u64();
  }
  EXPECT_TRUE(differs);
}

TEST(Random, NamedStreamsAreIndependentOfEachOther) {
  // Drawing from one stream must not shift another: each is derived from (seed, name) only.
  Random net1 = Random::stream(7, "network");
  Random host = Random::stream(7, "host/h1");
  for (int i = 0; i < 10; ++i) host.next_u64();
  Random net2 = Random::stream(7, "network");
  EXPECT_EQ(net1.next_u64(), net2.next_u64());
  EXPECT_NE(Random::derive_seed(7, "host/h1"), Random::derive_seed(7, "host/h2"));
  EXPECT_NE(Random::derive_seed(7, "network"), Random::derive_seed(8, "network"));
}

TEST(Random, BoundedDrawsStayInRangeAndCoverIt) {
  Random r(1);
  std::set<std::int64_t> seen;
  for (int i = 0; i < 2000; ++i) {
    const auto v = r.between(-3, 3);
    ASSERT_GE(v, -3);
    ASSERT_LE(v, 3);
    seen.insert(v);
    const double u = r.unit();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
  EXPECT_EQ(seen.size(), 7u);
}

}  // namespace tandem
