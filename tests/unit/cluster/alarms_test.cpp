// The alarm catalogue and one peer's alarm set.

#include "runtime/cluster/alarms.hpp"

#include <gtest/gtest.h>

#include <set>

namespace tandem::cluster {
namespace {

TEST(AlarmCatalogue, CarriesEveryAlarmOfTheGuidesTroubleshootingSectionVerbatim) {
  std::set<std::string_view> texts;
  for (const AlarmSpec& spec : alarm_catalogue()) texts.insert(spec.text);
  for (const char* guide_text : {
           "Cluster name not configured: if FindMe or clustering are in use a cluster name must be defined",
           "Cluster replication error: manual synchronization of configuration is required",
           "Cluster replication error: cannot find primary or this subordinate's peer configuration file, manual "
           "synchronization of configuration is required",
           "Cluster replication error: configuration primary ID is inconsistent, manual synchronization of "
           "configuration is required",
           "Cluster replication error: this peer's configuration conflicts with the primary's configuration, manual "
           "synchronization of configuration is required",
           "Cluster replication error: the NTP server is unreachable",
           "Cluster replication error: the local VCS does not appear in the list of peers",
           "Cluster replication error: automatic replication of configuration has been temporarily disabled because "
           "an upgrade is in progress",
           "Invalid clustering configuration: H.323 mode must be turned On - clustering uses H.323 communications "
           "between peers",
           "Cluster communication failure",
           "Cluster primary mismatch",
       }) {
    EXPECT_TRUE(texts.count(guide_text)) << guide_text;
  }
}

TEST(AlarmCatalogue, IdsAreUniqueAndEveryAlarmSaysWhatToDo) {
  std::set<AlarmId> ids;
  for (const AlarmSpec& spec : alarm_catalogue()) {
    EXPECT_TRUE(ids.insert(spec.id).second) << static_cast<int>(spec.id);
    EXPECT_FALSE(spec.action.empty()) << spec.text;
    EXPECT_EQ(&alarm_spec(spec.id), &spec);
  }
}

TEST(AlarmSet, RaiseRefreshAcknowledgeClear) {
  AlarmSet alarms;
  const WallTime t1 = WallTime(std::chrono::seconds(100));
  EXPECT_TRUE(alarms.raise(AlarmId::ClusterCommunicationFailure, "peer 10.0.0.2", t1));
  EXPECT_FALSE(alarms.raise(AlarmId::ClusterCommunicationFailure, "peers 10.0.0.2, 10.0.0.3",
                            WallTime(std::chrono::seconds(200))));
  const Alarm* a = alarms.find(AlarmId::ClusterCommunicationFailure);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->detail, "peers 10.0.0.2, 10.0.0.3");
  EXPECT_EQ(a->raised_at, t1);  // raised when it first went up
  EXPECT_TRUE(alarms.acknowledge(AlarmId::ClusterCommunicationFailure));
  EXPECT_TRUE(alarms.find(AlarmId::ClusterCommunicationFailure)->acknowledged);
  EXPECT_TRUE(alarms.active(AlarmId::ClusterCommunicationFailure));  // acknowledged is not cleared
  EXPECT_FALSE(alarms.acknowledge(AlarmId::RestartRequired));
  alarms.raise(AlarmId::RestartRequired, "", t1);
  const auto listed = alarms.list();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id, AlarmId::ClusterCommunicationFailure);  // ID order
  EXPECT_TRUE(alarms.clear(AlarmId::ClusterCommunicationFailure));
  EXPECT_FALSE(alarms.clear(AlarmId::ClusterCommunicationFailure));
  EXPECT_EQ(alarms.size(), 1u);
}

TEST(AlarmSet, AnAlarmRaisedAgainSoonAfterARestartContinuesWithItsAcknowledgement) {
  const WallTime boot = WallTime(std::chrono::hours(1000));
  const std::vector<Alarm> before = {{AlarmId::ClusterCommunicationFailure, "", WallTime(std::chrono::hours(990)), true},
                                     {AlarmId::OptionKeysMismatch, "", WallTime(std::chrono::hours(995)), true}};
  auto stored = decode_alarms(encode_alarms(before));
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  AlarmSet alarms;
  std::vector<AlarmId> told, carried;
  alarms.set_observer([&](const Alarm& a, AlarmEvent e) { (e == AlarmEvent::Continued ? carried : told).push_back(a.id); });
  alarms.carry_over(*stored, boot + std::chrono::minutes(2));
  EXPECT_TRUE(alarms.raise(AlarmId::ClusterCommunicationFailure, "peer 2", boot + std::chrono::seconds(5)));
  const Alarm* continued = alarms.find(AlarmId::ClusterCommunicationFailure);
  EXPECT_TRUE(continued->acknowledged);
  EXPECT_EQ(continued->raised_at, WallTime(std::chrono::hours(990)));
  EXPECT_EQ(continued->detail, "peer 2");
  EXPECT_TRUE(told.empty());  // not a new raise
  EXPECT_EQ(carried, std::vector<AlarmId>{AlarmId::ClusterCommunicationFailure});
  // Raised only after the window: a new occurrence, unacknowledged.
  alarms.raise(AlarmId::OptionKeysMismatch, "", boot + std::chrono::minutes(3));
  EXPECT_FALSE(alarms.find(AlarmId::OptionKeysMismatch)->acknowledged);
  EXPECT_EQ(told, std::vector<AlarmId>{AlarmId::OptionKeysMismatch});
  // Cleared and raised again: new as well.
  alarms.clear(AlarmId::ClusterCommunicationFailure);
  alarms.raise(AlarmId::ClusterCommunicationFailure, "", boot + std::chrono::seconds(6));
  EXPECT_FALSE(alarms.find(AlarmId::ClusterCommunicationFailure)->acknowledged);
}

TEST(AlarmSet, DamagedStoredAlarmsAreRefusedNamingTheLine) {
  EXPECT_TRUE(decode_alarms("").ok());
  for (const char* bad : {"20011 5", "20011 5 2", "99999 5 0", "20011 x 0", "20011 5 0 extra"}) {
    auto decoded = decode_alarms(std::string("20001 1 0\n") + bad + "\n");
    ASSERT_FALSE(decoded.ok()) << bad;
    EXPECT_NE(decoded.error().message.find("line 2"), std::string::npos) << decoded.error().message;
  }
}

}  // namespace
}  // namespace tandem::cluster
