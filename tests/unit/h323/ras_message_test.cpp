// The RAS codec: every sample survives a round trip, small messages have the
// bytes X.691 gives by hand, extension additions a newer peer adds are skipped,
// and what does not fit is refused with the field named.

#include "runtime/h323/ras_message.hpp"

#include <gtest/gtest.h>

#include "runtime/h323/per.hpp"
#include "tests/unit/h323/ras_samples.hpp"

namespace tandem::h323 {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes encoded(const RasMessage& m) {
  auto bytes = encode(m);
  EXPECT_TRUE(bytes.ok()) << (bytes.ok() ? "" : bytes.error().message);
  return bytes.ok() ? *bytes : Bytes{};
}

std::string error_of(const Bytes& bytes) {
  auto decoded = decode_ras(bytes);
  return decoded.ok() ? "decoded" : decoded.error().message;
}

TEST(RasMessage, EverySampleRoundTrips) {
  for (const auto& [name, message] : test::samples()) {
    const Bytes bytes = encoded(message);
    auto back = decode_ras(bytes);
    ASSERT_TRUE(back.ok()) << name << ": " << back.error().message;
    EXPECT_EQ(*back, message) << name;
    EXPECT_EQ(message_name(*back), message_name(message));
    EXPECT_EQ(request_seq_num(*back), request_seq_num(message));
  }
}

// X.691 by hand. UCF: choice (extension bit 0, index 7 in 5 bits), the
// SEQUENCE's extension bit and nonStandardData bit, then requestSeqNum - 1
// as a two-octet aligned field.
TEST(RasMessage, KnownBytes) {
  EXPECT_EQ(encoded(UnregistrationConfirm{5}), (Bytes{0x1C, 0x00, 0x04}));
  // URJ: index 8, then rejectReason notCurrentlyRegistered (extension bit, 2-bit index).
  EXPECT_EQ(encoded(UnregistrationReject{5, UnregRejectReason::NotCurrentlyRegistered}), (Bytes{0x20, 0x00, 0x04, 0x00}));
  // URJ permissionDenied: an extension alternative: bit 1, small number 0, open type of NULL (length 1, 0x00).
  EXPECT_EQ(encoded(UnregistrationReject{65535, UnregRejectReason::PermissionDenied}),
            (Bytes{0x20, 0xFF, 0xFE, 0x80, 0x01, 0x00}));
  // GCF, seq 1, no identifier, 10.0.0.1:1719: choice 1; ext 0, nonStandardData 0, gatekeeperIdentifier 0;
  // seq; OID length 6 and 0.0.8.2250.0.4; TransportAddress ext 0 + index 0 (3 bits), ip, port.
  EXPECT_EQ(encoded(GatekeeperConfirm{1, "", test::at("10.0.0.1:1719"), {}}),
            (Bytes{0x04, 0x00, 0x00, 0x00, 0x06, 0x00, 0x08, 0x91, 0x4A, 0x00, 0x04, 0x00, 10, 0, 0, 1, 0x06, 0xB7}));
}

TEST(RasMessage, TimeToLiveUsesTheFewestOctets) {
  for (std::uint32_t ttl : {1u, 255u, 256u, 65536u, 4294967295u}) {
    RegistrationConfirm rcf;
    rcf.endpoint_id = "e";
    rcf.time_to_live_s = ttl;
    auto back = decode_ras(encoded(rcf));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(std::get<RegistrationConfirm>(*back).time_to_live_s, ttl);
  }
}

// A newer sender may add extension additions this codec does not model:
// they arrive as open types and are skipped by their length.
TEST(RasMessage, UnknownExtensionAdditionsAreSkipped) {
  // UCF with extension bit set, 5 additions announced, the 3rd and 5th present.
  per::Writer w;
  w.bit(false).constrained(7, 0, 24);
  w.bit(true).bit(false).constrained(9, 1, 65535);
  w.small_length(5).bits(0b00101, 5);
  per::Writer third;
  third.bits(0xABCD, 16);
  per::Writer fifth;
  fifth.length(3).octets(Bytes{1, 2, 3});
  w.open_type(third).open_type(fifth);
  auto back = decode_ras(w.finish());
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(std::get<UnregistrationConfirm>(*back).seq, 9);
}

TEST(RasMessage, AnUnknownAliasKindIsLeftOut) {
  // A GRQ whose alias list (its last field) is crafted by hand: a partyNumber
  // alias (extension alternative 3), then an H323-ID.
  per::Writer alias_list;
  alias_list.length(2);
  per::Writer party;
  party.bits(0x55, 8);
  alias_list.bit(true).small_number(3).open_type(party);
  alias_list.bit(false).constrained(1, 0, 1).constrained(1, 1, 256).bits('a', 16);
  GatekeeperRequest grq;
  grq.ras_address = test::at("10.0.0.9:1719");
  grq.aliases = {{AliasKind::H323Id, "a"}};
  const Bytes plain = encoded(grq);
  // The alias list is the GRQ's last field: replace its encoding.
  per::Writer one;
  one.length(1).bit(false).constrained(1, 0, 1).constrained(1, 1, 256).bits('a', 16);
  const Bytes tail = one.finish();
  ASSERT_GE(plain.size(), tail.size());
  ASSERT_TRUE(std::equal(tail.begin(), tail.end(), plain.end() - static_cast<long>(tail.size())));
  Bytes crafted(plain.begin(), plain.end() - static_cast<long>(tail.size()));
  const Bytes list = alias_list.finish();
  crafted.insert(crafted.end(), list.begin(), list.end());
  auto back = decode_ras(crafted);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(std::get<GatekeeperRequest>(*back).aliases, (std::vector<Alias>{{AliasKind::H323Id, "a"}}));
}

TEST(RasMessage, EncodingRefusesWhatDoesNotFitAndNamesTheField) {
  const auto refused = [](const RasMessage& m) {
    auto bytes = encode(m);
    return bytes.ok() ? std::string("encoded") : bytes.error().message;
  };
  EXPECT_EQ(refused(UnregistrationConfirm{0}), "RAS UCF requestSeqNum: 0 is outside 1..65535");
  RegistrationConfirm rcf;
  EXPECT_EQ(refused(rcf), "RAS RCF endpointIdentifier: 0 characters; 1..128 allowed");
  rcf.endpoint_id = std::string(129, 'x');
  EXPECT_EQ(refused(rcf), "RAS RCF endpointIdentifier: 129 characters; 1..128 allowed");
  rcf.endpoint_id = "\xF0\x9F\x98\x80";  // outside the BMP
  EXPECT_NE(refused(rcf).find("Basic Multilingual Plane"), std::string::npos);
  GatekeeperRequest grq;
  grq.aliases = {{AliasKind::DialledDigits, "12a"}};
  EXPECT_EQ(refused(grq), "RAS GRQ dialledDigits: 'a' is not one of 0-9 # * ,");
  grq.aliases = std::vector<Alias>(kAliasesMax + 1, Alias{AliasKind::H323Id, "x"});
  EXPECT_EQ(refused(grq), "RAS GRQ endpointAlias: 33 aliases; at most 32");
  EXPECT_EQ(refused(RegistrationReject{1, RegistrationRejectReason::Other, {}, "", {}, false}),
            "RAS RRJ rejectReason: Other cannot be sent");
}

TEST(RasMessage, DecodingRefusesBadInputAndNamesWhatWasWrong) {
  EXPECT_EQ(error_of({}), "RAS RasMessage: truncated (needs 1 more bits, 0 left)");
  EXPECT_EQ(error_of({0x24}), "RAS ARQ is not handled");  // choice index 9
  EXPECT_EQ(error_of({0x80, 0x00}), "RAS RequestInProgress is not handled");
  EXPECT_EQ(error_of({0x1C, 0x00}), "RAS UCF requestSeqNum: truncated (needs 16 more bits, 8 left)");
  EXPECT_EQ(error_of({0x1C, 0x00, 0x04, 0x00}), "RAS UCF end: 1 bytes after the message");
  EXPECT_EQ(error_of(Bytes(kRasBytesMax + 1, 0)), "RAS message of 4097 bytes exceeds 4096");
  Bytes gcf = encoded(GatekeeperConfirm{1, "", test::at("10.0.0.1:1719"), {}});
  gcf[6] = 0x09;  // the OID's second arc: not H.225.0
  EXPECT_EQ(error_of(gcf), "RAS GCF protocolIdentifier: not an H.225.0 protocol identifier (0.0.8.2250.0.N)");
  gcf = encoded(GatekeeperConfirm{1, "", test::at("10.0.0.1:1719"), {}});
  gcf[11] = 0x20;  // TransportAddress index 2 (ipxAddress)
  EXPECT_EQ(error_of(gcf), "RAS GCF rasAddress: ipxAddress is not supported (IPv4 and IPv6 only)");
}

}  // namespace
}  // namespace tandem::h323
