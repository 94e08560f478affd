// The configuration store on the twin's disk: all-or-nothing batches, refusals
// that change nothing, the configuration log, and power loss at any point.

#include "runtime/config/store.hpp"

#include <gtest/gtest.h>

#include "simulator/storage/sim_disk.hpp"

namespace tandem::config {
namespace {

const WallTime kNoon = WallTime(std::chrono::hours(24 * 20454 + 12));  // 2026-01-01T12:00Z

class StoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> open() {
    auto store = Store::open(disk_.file_system(), vcs_schema());
    EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
    return store.ok() ? std::move(store.value()) : nullptr;
  }
  std::string get(Store& s, std::string_view path) {
    auto v = s.get(path);
    EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().message);
    return v.ok() ? *v : "";
  }

  sim::SimDisk disk_{"h1"};
};

TEST_F(StoreTest, UnwrittenItemsReadAsTheirDefaults) {
  auto store = open();
  EXPECT_EQ(store->version(), Store::kSchemaVersion);
  EXPECT_EQ(get(*store, "H323 Gatekeeper TimeToLive"), "1800");
  EXPECT_EQ(get(*store, "Alternates Peer 4 Address"), "");
  EXPECT_FALSE(store->get("No Such Item").ok());
}

TEST_F(StoreTest, AppliesCanonicalValuesAndLogsWhoChangedWhat) {
  auto store = open();
  auto changed = store->apply({{"h323 gatekeeper timetolive", "60"}, {"H323 Mode", "on"}, {"SystemUnit Name", "vcs-1"}},
                              "admin", kNoon);
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  EXPECT_EQ(*changed, 2u);  // H323 Mode was already On
  EXPECT_EQ(get(*store, "H323 Gatekeeper TimeToLive"), "60");
  auto log = store->log(10);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ((*log)[0].path, "SystemUnit Name");  // newest first
  EXPECT_EQ((*log)[1].path, "H323 Gatekeeper TimeToLive");
  EXPECT_EQ((*log)[1].old_value, "1800");
  EXPECT_EQ((*log)[1].new_value, "60");
  EXPECT_EQ((*log)[1].actor, "admin");
  EXPECT_EQ((*log)[1].at, kNoon);
}

TEST_F(StoreTest, ABatchWithOneBadValueWritesNothing) {
  auto store = open();
  auto result = store->apply({{"H323 Gatekeeper TimeToLive", "60"},
                              {"Zones Zone 1 Name", "Partner"},
                              {"Alternates ConfigurationMaster", "9"}},
                             "admin", kNoon);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message, "Alternates ConfigurationMaster: '9' is outside the range 1..6");
  EXPECT_EQ(get(*store, "H323 Gatekeeper TimeToLive"), "1800");
  EXPECT_EQ(get(*store, "Zones Zone 1 Name"), "");
  EXPECT_TRUE(store->log(10)->empty());
  auto unknown = store->apply({{"Zones Zone 1 Name", "x"}, {"Zones Zone 1001 Name", "y"}}, "admin", kNoon);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("1..1000"), std::string::npos);
  EXPECT_EQ(get(*store, "Zones Zone 1 Name"), "");
}

TEST_F(StoreTest, SecretsNeverReachTheLog) {
  auto store = open();
  ASSERT_TRUE(store->apply({{"Login Administrator 1 PasswordHash", "pbkdf2$abc"}}, "admin", kNoon).ok());
  auto log = store->log(1);
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ((*log)[0].new_value, "(secret)");
  EXPECT_EQ(get(*store, "Login Administrator 1 PasswordHash"), "pbkdf2$abc");
}

TEST_F(StoreTest, ItemsAreKeptByScopeWithTheirRevision) {
  auto store = open();
  ASSERT_TRUE(store->apply({{"SIP Mode", "Off"}, {"Zones Zone 2 Name", "B"}}, "replication", kNoon, 41).ok());
  ASSERT_TRUE(store->apply({{"SystemUnit Name", "peer-2"}}, "admin", kNoon).ok());
  auto replicated = store->items(Scope::Replicated);
  ASSERT_TRUE(replicated.ok());
  ASSERT_EQ(replicated->size(), 2u);
  EXPECT_EQ((*replicated)[0].path, "SIP Mode");
  EXPECT_EQ((*replicated)[0].revision, 41);
  EXPECT_EQ((*replicated)[1].path, "Zones Zone 2 Name");
  auto peer = store->items(Scope::PeerSpecific);
  ASSERT_EQ(peer->size(), 1u);
  EXPECT_EQ((*peer)[0].value, "peer-2");
}

TEST_F(StoreTest, MetaFactsPersist) {
  {
    auto store = open();
    EXPECT_EQ(*store->meta("lineage"), "");
    ASSERT_TRUE(store->set_meta("lineage", "c0ffee").ok());
  }
  auto again = open();
  EXPECT_EQ(*again->meta("lineage"), "c0ffee");
}

TEST_F(StoreTest, PowerLossMidBatchLeavesAllOrNothing) {
  // Cut the power after every possible number of disk operations: the batch is
  // then either wholly there (its commit reached the disk) or wholly absent.
  int batches_kept = 0;
  int batches_lost = 0;
  for (std::uint64_t ops = 0; ops < 40; ++ops) {
    sim::SimDisk disk("h1");
    {
      auto store = Store::open(disk.file_system(), vcs_schema());
      ASSERT_TRUE(store.ok());
      ASSERT_TRUE((*store)->apply({{"SIP Mode", "Off"}}, "admin", kNoon).ok());
      disk.crash_after(ops);
      (void)(*store)->apply({{"H323 Gatekeeper TimeToLive", "60"}, {"Zones Zone 1 Name", "A"}, {"Bandwidth Default", "768"}},
                            "admin", kNoon);
    }
    disk.crash();
    auto store = Store::open(disk.file_system(), vcs_schema());
    ASSERT_TRUE(store.ok()) << "ops " << ops << ": " << store.error().message;
    EXPECT_EQ(*(*store)->get("SIP Mode"), "Off") << "ops " << ops;
    const std::string ttl = *(*store)->get("H323 Gatekeeper TimeToLive");
    const std::string zone = *(*store)->get("Zones Zone 1 Name");
    const std::string bandwidth = *(*store)->get("Bandwidth Default");
    const bool all = ttl == "60" && zone == "A" && bandwidth == "768";
    const bool none = ttl == "1800" && zone.empty() && bandwidth == "384";
    EXPECT_TRUE(all || none) << "ops " << ops << ": half a batch: " << ttl << " / " << zone << " / " << bandwidth;
    EXPECT_EQ((*store)->log(10)->size(), all ? 4u : 1u) << "ops " << ops;
    (all ? batches_kept : batches_lost) += 1;
  }
  // Both fates occur: the cut lands before and after the commit point.
  EXPECT_GT(batches_kept, 0);
  EXPECT_GT(batches_lost, 0);
}

TEST_F(StoreTest, ADatabaseFromNewerSoftwareIsRefused) {
  {
    auto db = Database::open(disk_.file_system(), "tandem.db");
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->exec("PRAGMA user_version=99").ok());
  }
  auto store = Store::open(disk_.file_system(), vcs_schema());
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("schema version 99 is newer than this software's (2)"), std::string::npos)
      << store.error().message;
}

TEST_F(StoreTest, AVersionOneDatabaseIsMigratedKeepingItsConfiguration) {
  {  // a database as the first release left it
    auto db = Database::open(disk_.file_system(), "tandem.db");
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->exec("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                            "CREATE TABLE config(path TEXT PRIMARY KEY, value TEXT NOT NULL, scope INTEGER NOT NULL,"
                            " revision INTEGER NOT NULL DEFAULT 0);"
                            "CREATE TABLE config_log(id INTEGER PRIMARY KEY AUTOINCREMENT, wall_ns INTEGER NOT NULL,"
                            " actor TEXT NOT NULL, path TEXT NOT NULL, old_value TEXT NOT NULL, new_value TEXT NOT NULL);"
                            "INSERT INTO config VALUES('SIP Mode', 'Off', 0, 3);"
                            "PRAGMA user_version=1;")
                    .ok());
  }
  auto store = open();
  EXPECT_EQ(store->version(), 2);
  EXPECT_EQ(get(*store, "SIP Mode"), "Off");
  ASSERT_TRUE(store->add_event(kNoon, "alarm.raised", "20011 Cluster communication failure").ok());
  auto events = store->events(5);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].kind, "alarm.raised");
  EXPECT_EQ((*events)[0].at, kNoon);
}

}  // namespace
}  // namespace tandem::config
