// The DNS message codec: queries as the RFC lays them out, replies decoded
// into answers, and every broken reply an error rather than a crash.

#include "runtime/env/dns/dns_message.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tandem::dns {
namespace {

constexpr std::uint16_t kA = 1, kCname = 5, kAaaa = 28, kSrv = 33;
constexpr std::uint16_t kReplyFlags = 0x8180;  // QR, RD, RA, rcode 0

// Writes replies by hand, the way a server lays them out.
class ReplyWriter {
 public:
  ReplyWriter(std::uint16_t id, std::uint16_t flags, const std::string& name, std::uint16_t type) {
    u16(id);
    u16(flags);
    u16(1);  // questions
    u16(0);  // answers: counted by record()
    u16(0);
    u16(0);
    question_at_ = bytes.size();
    this->name(name);
    u16(type);
    u16(1);
  }
  void u16(std::uint16_t v) {
    bytes.push_back(static_cast<std::uint8_t>(v >> 8));
    bytes.push_back(static_cast<std::uint8_t>(v));
  }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v >> 16));
    u16(static_cast<std::uint16_t>(v));
  }
  void name(const std::string& dotted) {
    std::size_t start = 0;
    while (start < dotted.size()) {
      std::size_t dot = dotted.find('.', start);
      if (dot == std::string::npos) dot = dotted.size();
      bytes.push_back(static_cast<std::uint8_t>(dot - start));
      bytes.insert(bytes.end(), dotted.begin() + static_cast<long>(start), dotted.begin() + static_cast<long>(dot));
      start = dot + 1;
    }
    bytes.push_back(0);
  }
  void pointer(std::size_t offset) { u16(static_cast<std::uint16_t>(0xc000 | offset)); }
  std::size_t question_at() const { return question_at_; }

  // A record whose owner is the question's name (compressed), then `rdata`.
  void record(std::uint16_t type, std::uint32_t ttl, const Bytes& rdata) {
    pointer(question_at_);
    record_tail(type, ttl, rdata);
  }
  void record_tail(std::uint16_t type, std::uint32_t ttl, const Bytes& rdata) {
    u16(type);
    u16(1);
    u32(ttl);
    u16(static_cast<std::uint16_t>(rdata.size()));
    bytes.insert(bytes.end(), rdata.begin(), rdata.end());
    count_answer();
  }
  void count_answer() {
    const std::uint16_t n = static_cast<std::uint16_t>((bytes[6] << 8 | bytes[7]) + 1);
    bytes[6] = static_cast<std::uint8_t>(n >> 8);
    bytes[7] = static_cast<std::uint8_t>(n);
  }

  Bytes bytes;

 private:
  std::size_t question_at_ = 0;
};

Bytes srv_rdata(std::uint16_t priority, std::uint16_t weight, std::uint16_t port, const std::string& target) {
  ReplyWriter scratch(0, 0, "x", 0);
  scratch.bytes.clear();
  scratch.u16(priority);
  scratch.u16(weight);
  scratch.u16(port);
  scratch.name(target);
  return scratch.bytes;
}

Result<DnsAnswer> decode(const Bytes& reply, const Question& q) { return decode_response(ByteView(reply), q); }

TEST(DnsQuery, LayoutFollowsRfc1035) {
  auto query = encode_query(Question{0xbeef, "peer1.tandem.test", DnsType::SRV});
  ASSERT_TRUE(query.ok()) << query.error().message;
  const Bytes expected{0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,  // id, RD, one question
                       5, 'p', 'e', 'e', 'r', '1', 6, 't', 'a', 'n', 'd', 'e', 'm', 4, 't', 'e', 's', 't', 0,
                       0, 33, 0, 1};
  EXPECT_EQ(*query, expected);
  auto dotted = encode_query(Question{0xbeef, "peer1.tandem.test.", DnsType::SRV});
  ASSERT_TRUE(dotted.ok());
  EXPECT_EQ(*dotted, expected);
}

TEST(DnsQuery, RejectsNamesTheWireCannotCarry) {
  const std::string label63(63, 'a');
  EXPECT_TRUE(encode_query(Question{1, label63 + ".test", DnsType::A}).ok());
  const std::vector<std::string> bad{"", ".", "a..b", ".a", std::string(64, 'a') + ".test",
                                     label63 + "." + label63 + "." + label63 + "." + label63};  // 257 bytes
  for (const std::string& name : bad) {
    auto query = encode_query(Question{1, name, DnsType::A});
    EXPECT_FALSE(query.ok()) << "accepted '" << name << "'";
  }
}

TEST(DnsReply, AddressesWithTheSmallestTtl) {
  ReplyWriter w(7, kReplyFlags, "peer1.tandem.test", kA);
  w.record(kA, 300, {127, 0, 0, 11});
  w.record(kA, 60, {127, 0, 0, 12});
  auto answer = decode(w.bytes, Question{7, "PEER1.Tandem.test.", DnsType::A});  // case and dot do not matter
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_EQ(answer->addresses, (std::vector<IpAddress>{IpAddress::v4(127, 0, 0, 11), IpAddress::v4(127, 0, 0, 12)}));
  EXPECT_EQ(answer->ttl_s, 60u);
}

TEST(DnsReply, Ipv6Addresses) {
  ReplyWriter w(8, kReplyFlags, "peer1.tandem.test", kAaaa);
  Bytes v6(16, 0);
  v6[0] = 0xfd;
  v6[15] = 0x11;
  w.record(kAaaa, 30, v6);
  auto answer = decode(w.bytes, Question{8, "peer1.tandem.test", DnsType::AAAA});
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_EQ(answer->addresses, (std::vector<IpAddress>{*IpAddress::parse("fd00::11")}));
}

TEST(DnsReply, ServicesWithCompressedTargets) {
  const std::string name = "_sip._tcp.cluster.tandem.test";
  ReplyWriter w(9, kReplyFlags, name, kSrv);
  w.record(kSrv, 120, srv_rdata(10, 20, 5060, "peer1.tandem.test"));
  // peer2 + pointer to "tandem.test" inside the question (after "_sip._tcp.cluster.").
  Bytes rdata{0, 10, 0, 30, 0x13, 0xc4, 5, 'p', 'e', 'e', 'r', '2'};
  const std::size_t suffix = w.question_at() + 5 + 5 + 8;
  rdata.push_back(static_cast<std::uint8_t>(0xc0 | suffix >> 8));
  rdata.push_back(static_cast<std::uint8_t>(suffix));
  w.record(kSrv, 120, rdata);
  w.record(kSrv, 120, srv_rdata(99, 0, 0, ""));  // "." : no service, skipped
  auto answer = decode(w.bytes, Question{9, name, DnsType::SRV});
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_EQ(answer->services, (std::vector<SrvRecord>{{10, 20, 5060, "peer1.tandem.test"}, {10, 30, 5060, "peer2.tandem.test"}}));
  EXPECT_EQ(answer->ttl_s, 120u);
}

TEST(DnsReply, FollowsCnamesAndIgnoresOtherOwners) {
  ReplyWriter w(10, kReplyFlags, "www.tandem.test", kA);
  ReplyWriter target(0, 0, "x", 0);
  target.bytes.clear();
  target.name("peer1.tandem.test");
  w.record(kCname, 50, target.bytes);
  const std::size_t peer1_at = w.bytes.size() - target.bytes.size();
  w.pointer(peer1_at);
  w.record_tail(kA, 40, {127, 0, 0, 11});
  w.name("unrelated.tandem.test");
  w.record_tail(kA, 40, {10, 9, 9, 9});
  auto answer = decode(w.bytes, Question{10, "www.tandem.test", DnsType::A});
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_EQ(answer->addresses, (std::vector<IpAddress>{IpAddress::v4(127, 0, 0, 11)}));
}

TEST(DnsReply, ExistingNameWithoutRecordsIsAnEmptyAnswer) {
  ReplyWriter w(11, kReplyFlags, "peer1.tandem.test", kAaaa);
  auto answer = decode(w.bytes, Question{11, "peer1.tandem.test", DnsType::AAAA});
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_TRUE(answer->addresses.empty());
  EXPECT_EQ(answer->ttl_s, 0u);
}

TEST(DnsReply, RcodesBecomeErrorsNamingTheName) {
  const Question q{12, "peer9.tandem.test", DnsType::A};
  const auto error_for = [&](std::uint16_t rcode) {
    ReplyWriter w(12, static_cast<std::uint16_t>(kReplyFlags | rcode), q.name, kA);
    auto answer = decode(w.bytes, q);
    return answer.ok() ? std::string("(ok)") : answer.error().message;
  };
  EXPECT_EQ(error_for(3), "no such name peer9.tandem.test");
  EXPECT_EQ(error_for(2), "DNS server failed looking up peer9.tandem.test (SERVFAIL)");
  EXPECT_NE(error_for(5).find("REFUSED"), std::string::npos);
  EXPECT_NE(error_for(1).find("FORMERR"), std::string::npos);
  EXPECT_NE(error_for(9).find("rcode 9"), std::string::npos);
  ReplyWriter nx(12, kReplyFlags | 3, q.name, kA);
  EXPECT_EQ(message_rcode(nx.bytes), kRcodeNameError);
}

TEST(DnsReply, RefusesRepliesToSomethingElse) {
  const Question q{13, "peer1.tandem.test", DnsType::A};
  const auto error_of = [&](const Bytes& bytes) {
    auto answer = decode(bytes, q);
    return answer.ok() ? std::string("(ok)") : answer.error().message;
  };
  EXPECT_NE(error_of(ReplyWriter(14, kReplyFlags, q.name, kA).bytes).find("id 14"), std::string::npos);
  EXPECT_NE(error_of(ReplyWriter(13, 0x0100, q.name, kA).bytes).find("not a reply"), std::string::npos);
  EXPECT_NE(error_of(ReplyWriter(13, kReplyFlags | 0x0200, q.name, kA).bytes).find("truncated"), std::string::npos);
  EXPECT_NE(error_of(ReplyWriter(13, kReplyFlags, "peer2.tandem.test", kA).bytes).find("not the question"), std::string::npos);
  EXPECT_NE(error_of(ReplyWriter(13, kReplyFlags, q.name, kAaaa).bytes).find("not the question"), std::string::npos);
}

TEST(DnsReply, MalformedRecordsAreNamed) {
  const Question q{15, "peer1.tandem.test", DnsType::A};
  ReplyWriter short_a(15, kReplyFlags, q.name, kA);
  short_a.record(kA, 60, {127, 0, 0, 1, 9});
  auto answer = decode(short_a.bytes, q);
  ASSERT_FALSE(answer.ok());
  EXPECT_NE(answer.error().message.find("A record has 5 bytes"), std::string::npos) << answer.error().message;

  ReplyWriter self_loop(15, kReplyFlags, q.name, kA);
  self_loop.pointer(self_loop.bytes.size());  // owner name points at itself
  self_loop.record_tail(kA, 60, {127, 0, 0, 1});
  answer = decode(self_loop.bytes, q);
  ASSERT_FALSE(answer.ok());
  EXPECT_NE(answer.error().message.find("compression pointer"), std::string::npos) << answer.error().message;

  ReplyWriter long_name(15, kReplyFlags, q.name, kA);
  for (int i = 0; i < 5; ++i) long_name.bytes.insert(long_name.bytes.end(), 1, 60), long_name.bytes.insert(long_name.bytes.end(), 60, 'x');
  long_name.bytes.push_back(0);
  long_name.record_tail(kA, 60, {127, 0, 0, 1});
  answer = decode(long_name.bytes, q);
  ASSERT_FALSE(answer.ok());
  EXPECT_NE(answer.error().message.find("longer than 255"), std::string::npos) << answer.error().message;

  ReplyWriter label_type(15, kReplyFlags, q.name, kA);
  label_type.bytes.push_back(0x41);  // the obsolete extended label type
  label_type.record_tail(kA, 60, {127, 0, 0, 1});
  EXPECT_FALSE(decode(label_type.bytes, q).ok());
}

TEST(DnsReply, EveryTruncationIsAnError) {
  const Question q{16, "_sip._tcp.cluster.tandem.test", DnsType::SRV};
  ReplyWriter w(16, kReplyFlags, q.name, kSrv);
  w.record(kSrv, 60, srv_rdata(10, 20, 5060, "peer1.tandem.test"));
  w.record(kSrv, 60, srv_rdata(10, 20, 5060, "peer2.tandem.test"));
  ASSERT_TRUE(decode(w.bytes, q).ok());
  for (std::size_t size = 0; size < w.bytes.size(); ++size) {
    const Bytes cut(w.bytes.begin(), w.bytes.begin() + static_cast<long>(size));
    EXPECT_FALSE(decode(cut, q).ok()) << "accepted a reply cut to " << size << " bytes";
  }
  EXPECT_FALSE(message_id(Bytes(11, 0)).has_value());
  EXPECT_FALSE(message_rcode(Bytes{}).has_value());
}

// Random damage to valid replies, and plain noise: the decoder must return,
// whatever it returns. The seed makes any failure replay exactly.
TEST(DnsReply, FuzzedRepliesNeverCrash) {
  Random random(0x5eed'd115ULL);
  const Question q{17, "_sip._tcp.cluster.tandem.test", DnsType::SRV};
  ReplyWriter w(17, kReplyFlags, q.name, kSrv);
  w.record(kSrv, 60, srv_rdata(10, 20, 5060, "peer1.tandem.test"));
  w.record(kCname, 60, srv_rdata(0, 0, 0, "x"));
  w.record(kA, 60, {127, 0, 0, 1});
  int decoded = 0;
  for (int round = 0; round < 20000; ++round) {
    Bytes bytes = w.bytes;
    const int mutations = static_cast<int>(random.between(1, 8));
    for (int m = 0; m < mutations && !bytes.empty(); ++m) {
      const std::size_t at = random.below(bytes.size());
      switch (random.below(4)) {
        case 0: bytes[at] = static_cast<std::uint8_t>(random.next_u64()); break;
        case 1: bytes[at] ^= static_cast<std::uint8_t>(1u << random.below(8)); break;
        case 2: bytes.resize(at); break;
        default: bytes.insert(bytes.begin() + static_cast<long>(at), static_cast<std::uint8_t>(0xc0 | random.below(64))); break;
      }
    }
    if (round % 10 == 0) {  // noise with a valid-looking header
      bytes.assign(random.below(600), 0);
      for (auto& b : bytes) b = static_cast<std::uint8_t>(random.next_u64());
      if (bytes.size() >= 4) bytes[0] = 0, bytes[1] = 17, bytes[2] = 0x81, bytes[3] = 0x80;
    }
    if (decode(bytes, q).ok()) ++decoded;
  }
  EXPECT_GT(decoded, 0);  // some mutations are harmless (a TTL byte, say)
}

}  // namespace
}  // namespace tandem::dns
