// Cluster database messages: round trips, and hostile bytes refused by name.

#include "runtime/cluster/replication_messages.hpp"

#include <gtest/gtest.h>

#include "runtime/core/random.hpp"

namespace tandem::cluster {
namespace {

wire::Frame frame_of(const std::vector<std::uint8_t>& bytes) {
  wire::FrameDecoder d;
  d.feed(bytes);
  return **d.next();
}

TEST(ReplicationMessages, RoundTrip) {
  const Hello hello{3, "X8.9.1", 1, "0123456789abcdef", "c0ffee", 17};
  EXPECT_EQ(*decode_hello(frame_of(encode(hello))), hello);
  const Refuse refuse{Refusal::ConfigurationConflict, "another database"};
  EXPECT_EQ(*decode_refuse(frame_of(encode(refuse))), refuse);
  Update update{true, "c0ffee", 9, {{"SIP Mode", "Off", 4}, {"Zones Zone 1 Name", "Partner", 9}}};
  auto back = decode_update(frame_of(encode(update)));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(back->snapshot);
  EXPECT_EQ(back->revision, 9);
  ASSERT_EQ(back->items.size(), 2u);
  EXPECT_EQ(back->items[1].path, "Zones Zone 1 Name");
  EXPECT_EQ(back->items[1].revision, 9);
}

TEST(ReplicationMessages, HostileCountsAndFieldsAreRefused) {
  wire::Writer w;
  w.u8(0).str("c0ffee").i64(1).u32(900000);  // claims 900 000 items in a tiny frame
  wire::Frame f{kUpdateFrame, w.take()};
  EXPECT_NE(decode_update(f).error().message.find("item count larger than the frame"), std::string::npos);
  Hello bad{9, "X", 1, "h", "", 0};
  EXPECT_NE(decode_hello(frame_of(encode(bad))).error().message.find("peer slot 9"), std::string::npos);
  wire::Writer r;
  r.u8(77).str("?");
  EXPECT_NE(decode_refuse(wire::Frame{kRefuseFrame, r.take()}).error().message.find("unknown reason 77"), std::string::npos);
}

TEST(ReplicationMessages, RandomPayloadsNeverCrashTheDecoders) {
  Random rng(4372);
  for (int i = 0; i < 5000; ++i) {
    wire::Frame f;
    f.type = static_cast<std::uint8_t>(kHelloFrame + rng.below(3));
    f.payload.resize(rng.below(200));
    for (auto& b : f.payload) b = static_cast<std::uint8_t>(rng.below(256));
    (void)decode_hello(f);
    (void)decode_refuse(f);
    (void)decode_update(f);
  }
}

}  // namespace
}  // namespace tandem::cluster
