#include "runtime/wire/frame.hpp"

#include <gtest/gtest.h>

#include "runtime/core/random.hpp"

namespace tandem::wire {

std::vector<Frame> drain(FrameDecoder& d) {
  std::vector<Frame> out;
  for (;;) {
    auto f = d.next();
    EXPECT_TRUE(f.ok()) << (f.ok() ? "" : f.error().message);
    if (!f.ok() || !f->has_value()) return out;
    out.push_back(std::move(**f));
  }
}

TEST(Frame, RoundTripsWhateverTheByteBoundaries) {
  std::vector<std::uint8_t> stream;
  for (std::uint8_t t = 1; t <= 5; ++t) {
    std::vector<std::uint8_t> payload(t * 100u, t);
    auto f = encode_frame(t, payload);
    stream.insert(stream.end(), f.begin(), f.end());
  }
  // Feed one byte at a time: the decoder must reassemble every frame.
  FrameDecoder d;
  std::vector<Frame> got;
  for (std::uint8_t b : stream) {
    d.feed(std::span(&b, 1));
    auto more = drain(d);
    got.insert(got.end(), more.begin(), more.end());
  }
  ASSERT_EQ(got.size(), 5u);
  for (std::uint8_t t = 1; t <= 5; ++t) {
    EXPECT_EQ(got[t - 1].type, t);
    EXPECT_EQ(got[t - 1].payload, std::vector<std::uint8_t>(t * 100u, t));
  }
  EXPECT_EQ(d.buffered_bytes(), 0u);
}

TEST(Frame, BadMagicIsAnErrorThatSticks) {
  FrameDecoder d;
  const std::uint8_t junk[] = {'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P'};
  d.feed(junk);
  auto f = d.next();
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message.find("magic"), std::string::npos);
  d.feed(encode_frame(1, {}));
  EXPECT_FALSE(d.next().ok());
}

TEST(Frame, UnknownVersionNamesBothVersions) {
  auto f = encode_frame(1, {});
  f[2] = 9;
  FrameDecoder d;
  d.feed(f);
  auto r = d.next();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("version 9"), std::string::npos);
}

TEST(Frame, OversizedLengthIsRefusedBeforeBuffering) {
  FrameDecoder d(1024);
  const std::uint8_t header[] = {'T', 'D', kFrameVersion, 1, 0x7f, 0xff, 0xff, 0xff};
  d.feed(header);
  auto r = d.next();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("exceeds"), std::string::npos);
}

TEST(Frame, TruncatedFrameWaitsForMore) {
  auto f = encode_frame(3, std::vector<std::uint8_t>(50, 7));
  FrameDecoder d;
  d.feed(std::span(f).first(30));
  auto r = d.next();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
}

TEST(Fields, RoundTripAndNameTheShortField) {
  Writer w;
  w.u8(1).u16(0x1234).u32(0xdeadbeef).u64(1ULL << 40).str("peer-1");
  auto bytes = w.take();
  Reader r(bytes);
  EXPECT_EQ(r.u8("a"), 1);
  EXPECT_EQ(r.u16("b"), 0x1234);
  EXPECT_EQ(r.u32("c"), 0xdeadbeefu);
  EXPECT_EQ(r.u64("d"), 1ULL << 40);
  EXPECT_EQ(r.str("e"), "peer-1");
  EXPECT_TRUE(r.finish().ok());

  Reader short_read(std::span<const std::uint8_t>(bytes).first(5));
  short_read.u8("a");
  short_read.u16("b");
  short_read.u32("revision");
  auto done = short_read.finish();
  ASSERT_FALSE(done.ok());
  EXPECT_NE(done.error().message.find("revision"), std::string::npos);
}

TEST(Fields, TrailingBytesAreAnError) {
  Writer w;
  w.u32(1).u8(0);
  auto bytes = w.take();
  Reader r(bytes);
  r.u32("x");
  EXPECT_FALSE(r.finish().ok());
}

TEST(Fields, HostileStringLengthIsBounded) {
  Writer w;
  w.u32(0xffffffff);
  auto bytes = w.take();
  Reader r(bytes);
  EXPECT_EQ(r.str("name", 255), "");
  EXPECT_FALSE(r.ok());
}

// Random bytes, random cuts: the decoder returns values or errors, never crashes
// or reads out of bounds (run under ASan in the asan preset).
TEST(Frame, SurvivesRandomInput) {
  Random rng(2024);
  for (int round = 0; round < 2000; ++round) {
    FrameDecoder d(4096);
    std::vector<std::uint8_t> bytes(rng.below(64));
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng.below(256));
    if (rng.chance(0.5) && bytes.size() >= 4) {  // plausible headers reach deeper
      bytes[0] = 'T';
      bytes[1] = 'D';
      bytes[2] = kFrameVersion;
    }
    d.feed(bytes);
    for (int i = 0; i < 4; ++i) {
      auto f = d.next();
      if (!f.ok() || !f->has_value()) break;
      Reader r((*f)->payload);
      (void)r.str("s", 16);
      (void)r.u64("n");
      (void)r.finish();
    }
  }
}

}  // namespace tandem::wire
