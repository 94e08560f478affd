// Clustering settings: the guide's rules, "This system", and a hash that tells
// two peers whether their settings are identical.

#include "runtime/cluster/clustering_settings.hpp"

#include <gtest/gtest.h>

#include "simulator/storage/sim_disk.hpp"

namespace tandem::cluster {
namespace {

ClusteringSettings three_peers() {
  ClusteringSettings s;
  s.cluster_name = "cluster1.example.com";
  s.primary = 1;
  s.peers = {"10.0.0.1", "10.0.0.2", "10.0.0.3", "", "", ""};
  return s;
}

std::string refusal(const ClusteringSettings& s) {
  auto ok = check(s);
  return ok ? "(accepted)" : ok.error().message;
}

TEST(ClusteringSettings, AStandAlonePeerNeedsNothing) {
  EXPECT_TRUE(check(ClusteringSettings{}).ok());
  EXPECT_FALSE(ClusteringSettings{}.clustered());
}

TEST(ClusteringSettings, AValidClusterPasses) {
  EXPECT_TRUE(check(three_peers()).ok());
  EXPECT_EQ(three_peers().peer_count(), 3);
}

TEST(ClusteringSettings, TheGuidesRulesAreEnforcedWithReasons) {
  auto gap = three_peers();
  gap.peers = {"10.0.0.1", "", "10.0.0.3", "", "", ""};
  EXPECT_NE(refusal(gap).find("Peer 3 address follows an empty slot"), std::string::npos);
  auto twice = three_peers();
  twice.peers[2] = "10.0.0.1";
  EXPECT_EQ(refusal(twice), "Peer 3 address 10.0.0.1 is listed twice");
  auto unnamed = three_peers();
  unnamed.cluster_name.clear();
  EXPECT_NE(refusal(unnamed).find("Cluster name not configured"), std::string::npos);
  auto no_such_primary = three_peers();
  no_such_primary.primary = 4;
  EXPECT_EQ(refusal(no_such_primary), "Configuration primary 4 does not name a listed peer (1..3)");
}

TEST(ClusteringSettings, ThisSystemIsTheSlotHoldingOneOfOurAddresses) {
  const auto s = three_peers();
  EXPECT_EQ(s.this_system({*IpAddress::parse("10.0.0.2")}), 2);
  EXPECT_EQ(s.this_system({*IpAddress::parse("fd00::9"), *IpAddress::parse("10.0.0.3")}), 3);
  EXPECT_EQ(s.this_system({*IpAddress::parse("10.0.0.9")}), std::nullopt);
}

TEST(ClusteringSettings, HashIsEqualExactlyWhenSettingsAre) {
  const auto a = three_peers();
  auto b = three_peers();
  EXPECT_EQ(a.hash(), b.hash());
  b.peers = {"10.0.0.2", "10.0.0.1", "10.0.0.3", "", "", ""};  // same peers, other order
  EXPECT_NE(a.hash(), b.hash());
  auto c = three_peers();
  c.tls_mode = TlsVerifyMode::Enforce;
  EXPECT_NE(a.hash(), c.hash());
  EXPECT_TRUE(restart_required(a, c));
  EXPECT_FALSE(restart_required(a, three_peers()));
}

TEST(ClusteringSettings, RoundTripThroughTheStore) {
  sim::SimDisk disk("h1");
  auto store = config::Store::open(disk.file_system(), config::vcs_schema());
  ASSERT_TRUE(store.ok());
  auto defaults = ClusteringSettings::load(**store);
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(*defaults, ClusteringSettings{});
  auto s = three_peers();
  s.primary = 2;
  s.ip_version = IpVersion::V6;
  ASSERT_TRUE((*store)->apply(s.to_changes(), "admin", WallTime{}).ok());
  auto loaded = ClusteringSettings::load(**store);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(*loaded, s);
}

}  // namespace
}  // namespace tandem::cluster

namespace tandem::cluster {
namespace {

TEST(ClusteringSettings, NamesAreMatchedThroughWhatTheyResolveTo) {
  ClusteringSettings s;
  s.cluster_name = "cluster.example.test";
  s.peers = {"vcs1.example.test", "10.0.0.2", "", "", "", ""};
  EXPECT_EQ(s.names(), std::vector<std::string>{"vcs1.example.test"});
  const std::vector<IpAddress> me = {*IpAddress::parse("10.0.0.1")};
  EXPECT_EQ(s.this_system(me), std::nullopt);  // not resolved: unknown
  EXPECT_EQ(s.this_system(me, {{"vcs1.example.test", {*IpAddress::parse("10.0.0.1")}}}), 1);
}

}  // namespace
}  // namespace tandem::cluster
