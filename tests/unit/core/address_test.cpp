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

// IPv4 is printed by hand: every digit count and both ends of the range, as inet_ntop prints them.
TEST(IpAddress, PrintsEveryIpv4AsItParses) {
  for (const char* text : {"0.0.0.0", "255.255.255.255", "9.10.99.100", "1.22.203.0", "100.0.10.1"}) {
    auto ip = IpAddress::parse(text);
    ASSERT_TRUE(ip.ok()) << text;
    EXPECT_EQ(ip->to_string(), text);
  }
  for (int b = 0; b < 256; ++b) {
    const auto byte = static_cast<std::uint8_t>(b);
    const IpAddress ip = IpAddress::v4(byte, 0, byte, 7);
    EXPECT_EQ(*IpAddress::parse(ip.to_string()), ip) << ip.to_string();
  }
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

TEST(Endpoint, HashesTellAddressesPortsAndFamiliesApart) {
  const EndpointHash hash;
  const Endpoint a{IpAddress::v4(10, 0, 0, 1), 5060};
  EXPECT_EQ(hash(a), hash(*Endpoint::parse("10.0.0.1:5060")));
  EXPECT_NE(hash(a), hash(Endpoint{IpAddress::v4(10, 0, 0, 1), 5061}));
  EXPECT_NE(hash(a), hash(Endpoint{IpAddress::v4(10, 0, 0, 2), 5060}));
  const IpAddressHash ip_hash;
  EXPECT_NE(ip_hash(*IpAddress::parse("::")), ip_hash(*IpAddress::parse("0.0.0.0")));
}

TEST(Endpoint, RefusesBadPorts) {
  EXPECT_FALSE(Endpoint::parse("127.0.0.1").ok());
  EXPECT_FALSE(Endpoint::parse("127.0.0.1:").ok());
  EXPECT_FALSE(Endpoint::parse("127.0.0.1:65536").ok());
  EXPECT_FALSE(Endpoint::parse("127.0.0.1:12x").ok());
  EXPECT_FALSE(Endpoint::parse("[::1:5060").ok());
}

}  // namespace tandem
