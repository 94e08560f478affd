#include "runtime/core/address.hpp"

#include <gtest/gtest.h>

namespace tandem {

TEST(IpAddress, ParsesAndPrintsBothFamilies) {
  auto v4 = IpAddress::parse("127.0.0.3");
  ASSERT_TRUE(v4.ok());
  EXPECT_TRUE(v4->is_v4());
  EXPECT_EQ(v4->to_string(), "127.0.0.3");
  auto v6 = IpAddress::parse("fd00::1");
  ASSERT_TRUE(v6.ok());
  EXPECT_FALSE(v6->is_v4());
  EXPECT_EQ(v6->to_string(), "fd00::1");
}

TEST(IpAddress, RefusesGarbageWithTheInputInTheMessage) {
  auto bad = IpAddress::parse("127.0.0.300");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("127.0.0.300"), std::string::npos);
}

TEST(IpAddress, OrdersByFamilyThenBytes) {
  EXPECT_LT(IpAddress::v4(10, 0, 0, 1), IpAddress::v4(10, 0, 0, 2));
  EXPECT_EQ(IpAddress::v4(10, 0, 0, 1), *IpAddress::parse("10.0.0.1"));
}

TEST(Endpoint, ParsesV4AndBracketedV6) {
  auto e = Endpoint::parse("127.0.0.2:4371");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->port, 4371);
  EXPECT_EQ(e->to_string(), "127.0.0.2:4371");
  auto e6 = Endpoint::parse("[::1]:5061");
  ASSERT_TRUE(e6.ok());
  EXPECT_EQ(e6->to_string(), "[::1]:5061");
}

TEST(Endpoint, RefusesBadPorts) {
  EXPECT_FALSE(Endpoint::parse("127.0.0.1").ok());
  EXPECT_FALSE(Endpoint::parse("127.0.0.1:").ok());
  EXPECT_FALSE(Endpoint::parse("127.0.0.1:65536").ok());
  EXPECT_FALSE(Endpoint::parse("127.0.0.1:12x").ok());
  EXPECT_FALSE(Endpoint::parse("[::1:5060").ok());
}

}  // namespace tandem
