// Cluster recovery messages: round trips, and hostile bytes refused by name.

#include "runtime/cluster/messages.hpp"

#include <gtest/gtest.h>

#include "runtime/core/random.hpp"

namespace tandem::cluster {
namespace {

Heartbeat sample() {
  Heartbeat h;
  h.slot = 2;
  h.system_name = "vcs-2";
  h.software_version = "X8.9.1";
  h.primary = 1;
  h.settings_hash = "0123456789abcdef";
  h.applied_revision = 42;
  h.lineage = "c0ffee";
  h.maintenance = true;
  h.registrations = 1200;
  h.calls = 7;
  h.licences = Licences{100, 250, 50};
  h.feature_keys_hash = "feed";
  h.platform = 2;
  h.h323_on = false;
  h.dns_servers = 2;
  h.ntp_synchronized = false;
  h.lan_addresses = {"10.0.0.2", "fd00::2"};
  h.neighbour_addresses = {"192.0.2.10"};
  h.sent_ns = 123456789;
  return h;
}

wire::Frame frame_of(const std::vector<std::uint8_t>& bytes) {
  wire::FrameDecoder d;
  d.feed(bytes);
  return **d.next();
}

TEST(ClusterMessages, HeartbeatAndEchoRoundTrip) {
  auto h = decode_heartbeat(frame_of(encode(sample())));
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ(*h, sample());
  auto e = decode_echo(frame_of(encode(Echo{3, 99})));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e, (Echo{3, 99}));
}

TEST(ClusterMessages, BadFieldsAreNamed) {
  auto bad_slot = sample();
  bad_slot.slot = 7;
  EXPECT_EQ(decode_heartbeat(frame_of(encode(bad_slot))).error().message, "bad heartbeat: peer slot 7 is outside 1..6");
  auto bad_primary = sample();
  bad_primary.primary = 0;
  EXPECT_NE(decode_heartbeat(frame_of(encode(bad_primary))).error().message.find("primary 0"), std::string::npos);
  auto truncated = frame_of(encode(sample()));
  truncated.payload.resize(truncated.payload.size() - 3);
  EXPECT_NE(decode_heartbeat(truncated).error().message.find("sent time"), std::string::npos);
  EXPECT_NE(decode_echo(frame_of(encode(sample()))).error().message.find("expected an echo"), std::string::npos);
}

TEST(ClusterMessages, AHostileListLengthIsRefusedByName) {
  wire::Writer w;
  const Heartbeat h = sample();
  w.u8(h.slot).str(h.system_name).str(h.software_version).u8(h.primary).str(h.settings_hash);
  w.i64(h.applied_revision).str(h.lineage).u8(0).u32(0).u32(0).u32(0).u32(0).u32(0).str("feed").u8(0).u8(1).u8(1).u8(1);
  w.u16(60000);  // LAN addresses
  auto bad = decode_heartbeat(wire::Frame{kHeartbeatFrame, w.take()});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("'LAN addresses' has 60000 items, more than 8"), std::string::npos) << bad.error().message;
}

TEST(ClusterMessages, RandomPayloadsNeverCrashTheDecoders) {
  Random rng(77);
  for (int i = 0; i < 5000; ++i) {
    wire::Frame f;
    f.type = rng.chance(0.5) ? kHeartbeatFrame : kEchoFrame;
    f.payload.resize(rng.below(120));
    for (auto& b : f.payload) b = static_cast<std::uint8_t>(rng.below(256));
    (void)decode_heartbeat(f);
    (void)decode_echo(f);
  }
}

}  // namespace
}  // namespace tandem::cluster
