// RFC 5626 keep-alives on UDP: CRLF CRLF is recognised, and a STUN Binding
// request gets the address it came from, XOR-encoded as RFC 5389 says.

#include "runtime/sip/keepalive.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tandem::sip {
namespace {

std::vector<std::uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

std::vector<std::uint8_t> binding_request(std::uint16_t type = 0x0001) {
  std::vector<std::uint8_t> r = {
      static_cast<std::uint8_t>(type >> 8), static_cast<std::uint8_t>(type), 0, 0, 0x21, 0x12, 0xA4, 0x42};
  for (std::uint8_t i = 1; i <= 12; ++i) r.push_back(i);  // transaction id 01..0c
  return r;
}

TEST(KeepaliveTest, CrlfPingsAreRecognised) {
  EXPECT_TRUE(is_crlf_ping(bytes("\r\n\r\n")));
  EXPECT_TRUE(is_crlf_ping(bytes("\r\n\r\n\r\n")));
  EXPECT_FALSE(is_crlf_ping(bytes("\r\n")));
  EXPECT_FALSE(is_crlf_ping(bytes("\r\n\r\nOPTIONS")));
  EXPECT_FALSE(is_crlf_ping(bytes("\n\n\n\n")));
}

TEST(KeepaliveTest, StunBindingGetsTheXorMappedSourceAddress) {
  const auto request = binding_request();
  ASSERT_TRUE(is_stun(request));
  auto reply = stun_binding_response(request, Endpoint{IpAddress::v4(192, 0, 2, 1), 32853});
  ASSERT_TRUE(reply);
  const std::vector<std::uint8_t> expected = {
      0x01, 0x01, 0x00, 0x0c,                                               // Binding success, 12 bytes of attributes
      0x21, 0x12, 0xA4, 0x42, 1,    2,    3, 4, 5, 6, 7, 8, 9, 10, 11, 12,  // cookie, transaction echoed
      0x00, 0x20, 0x00, 0x08, 0x00, 0x01,                                   // XOR-MAPPED-ADDRESS, IPv4
      0xA1, 0x47,                                                           // 32853 ^ 0x2112
      0xE1, 0x12, 0xA6, 0x43,                                               // 192.0.2.1 ^ 0x2112A442
  };
  EXPECT_EQ(*reply, expected);

  auto v6 = stun_binding_response(request, Endpoint{IpAddress::parse("2001:db8::1").value(), 5060});
  ASSERT_TRUE(v6);
  ASSERT_EQ(v6->size(), 20u + 4u + 20u);
  EXPECT_EQ((*v6)[25], 0x02);
  EXPECT_EQ((*v6)[28], 0x20 ^ 0x21);  // first address byte under the cookie
  EXPECT_EQ((*v6)[43], 0x01 ^ 12);    // last one under the transaction id

  EXPECT_FALSE(stun_binding_response(binding_request(0x0101), Endpoint{}));  // a response is not answered
  auto short_one = request;
  short_one.pop_back();
  EXPECT_FALSE(is_stun(short_one));
  auto bad_length = request;
  bad_length[3] = 4;
  EXPECT_FALSE(is_stun(bad_length));
  EXPECT_FALSE(is_stun(bytes("REGISTER sip:example.com SIP/2.0\r\n")));
}

}  // namespace
}  // namespace tandem::sip
