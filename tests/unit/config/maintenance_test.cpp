// Backup and restore, factory reset, DefaultValueSet Level 2 and DefaultLinksAdd,
// on the twin's disk.

#include "runtime/config/maintenance.hpp"

#include <gtest/gtest.h>

#include "simulator/storage/sim_disk.hpp"

namespace tandem::config {
namespace {

const WallTime kAt = WallTime(std::chrono::hours(24 * 20454));

class MaintenanceTest : public ::testing::Test {
 protected:
  FileSystem& fs() { return disk_.file_system(); }
  std::unique_ptr<Store> open() { return Store::open(fs(), vcs_schema()).value(); }
  std::string get(Store& s, std::string_view path) { return *s.get(path); }

  sim::SimDisk disk_{"h1"};
};

TEST_F(MaintenanceTest, BackupAndRestoreBringBackTheConfiguration) {
  {
    auto store = open();
    ASSERT_TRUE(store->apply({{"SystemUnit Name", "vcs-1"}, {"Zones Zone 1 Name", "Partner"}}, "admin", kAt).ok());
    auto info = backup(*store, fs(), "before-upgrade.tbk", "X8.9.1", kAt);
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->system_name, "vcs-1");
    EXPECT_EQ(info->schema_version, Store::kSchemaVersion);
    ASSERT_TRUE(store->apply({{"Zones Zone 1 Name", "Changed"}, {"SIP Mode", "Off"}}, "admin", kAt).ok());
  }
  disk_.crash();  // the backup was synced: it survives
  ASSERT_TRUE(restore_backup(fs(), "before-upgrade.tbk").ok());
  auto store = open();
  EXPECT_EQ(get(*store, "Zones Zone 1 Name"), "Partner");
  EXPECT_EQ(get(*store, "SIP Mode"), "On");
  EXPECT_EQ(get(*store, "SystemUnit Name"), "vcs-1");
}

TEST_F(MaintenanceTest, DamagedBackupsAreRefusedAndChangeNothing) {
  {
    auto store = open();
    ASSERT_TRUE(store->apply({{"Zones Zone 1 Name", "Partner"}}, "admin", kAt).ok());
    ASSERT_TRUE(backup(*store, fs(), "good.tbk", "X8.9.1", kAt).ok());
    ASSERT_TRUE(store->apply({{"Zones Zone 1 Name", "Live"}}, "admin", kAt).ok());
  }
  auto good = read_file(fs(), "good.tbk").value();
  auto write = [&](const char* name, std::vector<std::uint8_t> bytes) { ASSERT_TRUE(write_file_synced(fs(), name, bytes).ok()); };
  ASSERT_GT(good.size(), 200u);
  auto flipped = good;
  flipped[flipped.size() - 1] ^= 0x40;  // one bit of the database image
  write("flipped.tbk", flipped);
  write("short.tbk", std::vector<std::uint8_t>(good.begin(), good.end() - 100));
  std::string text(good.begin(), good.end());
  const auto at = text.find("schema: ");
  text.replace(at, 9, "schema: 9");
  write("newer.tbk", std::vector<std::uint8_t>(text.begin(), text.end()));
  write("junk.tbk", std::vector<std::uint8_t>{'h', 'e', 'l', 'l', 'o'});
  const std::pair<const char*, const char*> cases[] = {
      {"flipped.tbk", "does not match its checksum"},
      {"short.tbk", "truncated"},
      {"newer.tbk", "newer software"},
      {"junk.tbk", "not a Tandem backup"},
      {"missing.tbk", "missing.tbk"},
  };
  for (const auto& [name, why] : cases) {
    auto result = restore_backup(fs(), name);
    ASSERT_FALSE(result.ok()) << name;
    EXPECT_NE(result.error().message.find(why), std::string::npos) << name << ": " << result.error().message;
  }
  auto store = open();
  EXPECT_EQ(get(*store, "Zones Zone 1 Name"), "Live");
}

TEST_F(MaintenanceTest, FactoryResetWithTheRecommendedAnswersForgetsEverything) {
  auto store = open();
  ASSERT_TRUE(store->apply({{"SystemUnit Name", "vcs-1"}, {"Option 1 Key", "LIC-TRAVERSAL-10"},
                            {"Alternates Peer 1 Address", "10.0.0.1"}, {"Zones Zone 1 Name", "Partner"}},
                           "admin", kAt)
                  .ok());
  ASSERT_TRUE(store->set_meta("lineage", "c0ffee").ok());
  ASSERT_TRUE(factory_reset(*store, FactoryResetChoices{}, kAt).ok());
  EXPECT_TRUE(store->items(Scope::Replicated)->empty());
  EXPECT_TRUE(store->items(Scope::PeerSpecific)->empty());
  EXPECT_EQ(*store->meta("lineage"), "");
  EXPECT_TRUE(store->log(10)->empty());
  EXPECT_EQ(store->events(10)->size(), 1u);  // the reset itself
}

TEST_F(MaintenanceTest, FactoryResetKeepsWhatTheOperatorAskedToKeep) {
  auto store = open();
  ASSERT_TRUE(store->apply({{"Option 1 Key", "LIC-TRAVERSAL-10"}, {"Ethernet 1 IP V4 Address", "10.0.0.1"},
                            {"IP DNS Server 1 Address", "10.0.0.53"}, {"Login Administrator 1 Name", "admin"},
                            {"SystemUnit Name", "vcs-1"}, {"Alternates Peer 1 Address", "10.0.0.1"}},
                           "admin", kAt)
                  .ok());
  FactoryResetChoices keep;
  keep.keep_option_keys = keep.keep_ip_configuration = keep.keep_admin_passwords = keep.keep_logs = true;
  ASSERT_TRUE(factory_reset(*store, keep, kAt).ok());
  EXPECT_EQ(get(*store, "Option 1 Key"), "LIC-TRAVERSAL-10");
  EXPECT_EQ(get(*store, "Ethernet 1 IP V4 Address"), "10.0.0.1");
  EXPECT_EQ(get(*store, "IP DNS Server 1 Address"), "10.0.0.53");
  EXPECT_EQ(get(*store, "Login Administrator 1 Name"), "admin");
  EXPECT_EQ(get(*store, "SystemUnit Name"), "");
  EXPECT_EQ(get(*store, "Alternates Peer 1 Address"), "");  // never kept: the peer leaves its cluster
  EXPECT_FALSE(store->log(10)->empty());
}

TEST_F(MaintenanceTest, DefaultValueSetLevel2ResetsSharedConfigurationButKeepsTheAdminAndIdentity) {
  auto store = open();
  ASSERT_TRUE(store->apply({{"Zones Zone 1 Name", "Old cluster zone"}, {"H323 Gatekeeper TimeToLive", "60"},
                            {"Login Administrator 1 Name", "admin"}, {"SystemUnit Name", "vcs-4"},
                            {"IP DNS Server 1 Address", "10.0.0.53"}, {"Authentication ADS Password", "s3cret"}},
                           "admin", kAt)
                  .ok());
  auto reset = default_value_set_level2(*store, kAt);
  ASSERT_TRUE(reset.ok()) << reset.error().message;
  EXPECT_EQ(*reset, 3u);
  EXPECT_EQ(get(*store, "Zones Zone 1 Name"), "");
  EXPECT_EQ(get(*store, "H323 Gatekeeper TimeToLive"), "1800");
  EXPECT_EQ(get(*store, "Authentication ADS Password"), "");
  EXPECT_EQ(get(*store, "Login Administrator 1 Name"), "admin");
  EXPECT_EQ(get(*store, "SystemUnit Name"), "vcs-4");
  EXPECT_EQ(get(*store, "IP DNS Server 1 Address"), "10.0.0.53");
}

TEST_F(MaintenanceTest, DefaultLinksAddAddsTheDefaultLinksOnceAroundExistingOnes) {
  auto store = open();
  ASSERT_TRUE(store->apply({{"Bandwidth Link 1 Name", "Custom"}, {"Bandwidth Link 3 Name", "DefaultSZtoDefaultZ"}}, "admin", kAt).ok());
  auto added = default_links_add(*store, kAt);
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_EQ(*added, 4u);
  EXPECT_EQ(get(*store, "Bandwidth Link 1 Name"), "Custom");
  EXPECT_EQ(get(*store, "Bandwidth Link 2 Name"), "DefaultSZtoTraversalSZ");
  EXPECT_EQ(get(*store, "Bandwidth Link 2 Node1 Name"), "DefaultSubZone");
  EXPECT_EQ(get(*store, "Bandwidth Link 2 Node2 Name"), "TraversalSubZone");
  EXPECT_EQ(get(*store, "Bandwidth Link 4 Name"), "TraversalSZtoDefaultZ");
  EXPECT_EQ(get(*store, "Bandwidth Link 6 Name"), "TraversalSZtoClusterSZ");
  EXPECT_EQ(*default_links_add(*store, kAt), 0u);  // already there
}

}  // namespace
}  // namespace tandem::config
