// The cluster state tandem-view draws: records folded into what each peer is
// at any moment, and the checkpoints that make any moment as cheap as the next.

#include <gtest/gtest.h>

#include <random>

#include "gui/state/state_history.hpp"
#include "tests/unit/gui/gui_test_support.hpp"

namespace tandem::view {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr int kPeer1 = 1, kPeer2 = 2, kPeer3 = 3;  // host indices (0 is the workstation)

class ClusterStateTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::load(history_, testing::handcrafted_trace()); }
  ClusterState at(double seconds) { return history_.state_at(static_cast<std::int64_t>(seconds * kSecond)); }
  StateHistory history_;
};

TEST_F(ClusterStateTest, AFormedClusterShowsItsPrimaryRevisionsAndLinks) {
  const ClusterState s = at(5);
  EXPECT_EQ(s.shown_hosts(), (std::vector<int>{kPeer1, kPeer2, kPeer3}));  // not the workstation
  EXPECT_EQ(s.primary_host(), kPeer1);
  EXPECT_EQ(s.peers[kPeer1].software, "X14.2");
  EXPECT_EQ(s.primary_revision(), 5);
  EXPECT_EQ(s.lag(kPeer2), 0);
  EXPECT_EQ(s.lag(kPeer3), 1);  // never applied revision 5
  EXPECT_EQ(s.link(kPeer1, kPeer2), LinkState::Active);
  EXPECT_EQ(s.peers[kPeer2].registrations, 7);
  EXPECT_EQ(s.peers[kPeer2].calls, 3);
  EXPECT_TRUE(s.settings_match(kPeer3));
}

TEST_F(ClusterStateTest, ADeadPeerIsDownFailedByTheOthersAndAlarmed) {
  ClusterState s = at(12);
  EXPECT_FALSE(s.peers[kPeer3].up);
  EXPECT_EQ(s.link(kPeer1, kPeer3), LinkState::OneWay);  // peer1 has not noticed yet
  s = at(17);
  EXPECT_EQ(s.link(kPeer1, kPeer3), LinkState::Failed);
  EXPECT_EQ(s.peers[kPeer3].lost_ns, 16 * kSecond);
  ASSERT_EQ(s.peers[kPeer1].alarms.count(20011), 1u);
  EXPECT_EQ(s.peers[kPeer1].alarms.at(20011).text, "Cluster communication failure (peer 3 (10.0.0.3))");
  EXPECT_EQ(s.lag(kPeer3), -1);  // down: no lag to show
}

TEST_F(ClusterStateTest, APartitionIsACutAndBothSidesFailUntilHealed) {
  ClusterState s = at(21);
  EXPECT_TRUE(s.cut(kPeer1, kPeer2));
  EXPECT_EQ(s.link(kPeer1, kPeer2), LinkState::Active);  // not noticed yet
  s = at(27);
  EXPECT_EQ(s.link(kPeer1, kPeer2), LinkState::Failed);
  EXPECT_EQ(s.peers[kPeer2].database, "Syncing");
  s = at(45);
  EXPECT_FALSE(s.cut(kPeer1, kPeer2));
  EXPECT_EQ(s.link(kPeer1, kPeer2), LinkState::Active);
  EXPECT_TRUE(s.peers[kPeer2].maintenance);
}

TEST_F(ClusterStateTest, AnEndpointMovingBetweenPeersIsNoted) {
  EXPECT_EQ(at(30).endpoints_at(kPeer1), 1);
  const ClusterState s = at(31);
  EXPECT_EQ(s.endpoints_at(kPeer1), 0);
  EXPECT_EQ(s.endpoints_at(kPeer2), 1);
  EXPECT_EQ(s.last_move.from, kPeer1);
  EXPECT_EQ(s.last_move.to, kPeer2);
  const auto& log = history_.log();
  EXPECT_TRUE(std::any_of(log.begin(), log.end(), [](const LogEntry& e) {
    return e.text == "sip:alice@tandem.test moved from peer1 to peer2";
  }));
}

TEST_F(ClusterStateTest, ARestartedPeerWithOtherSettingsMismatchesAndCarriesItsAlarm) {
  const ClusterState s = at(55);
  EXPECT_TRUE(s.peers[kPeer3].up);
  EXPECT_EQ(s.peers[kPeer3].boots, 2);
  EXPECT_FALSE(s.settings_match(kPeer3));
  EXPECT_EQ(s.peers[kPeer3].alarms.count(20014), 1u);
}

TEST_F(ClusterStateTest, TheEventLogSkipsTrafficAndStepsGoEventToEvent) {
  for (const LogEntry& e : history_.log()) {
    EXPECT_FALSE(e.kind.startsWith("net.") || e.kind == "timer") << e.kind.toStdString();
  }
  EXPECT_EQ(history_.next_event(10 * kSecond), 16 * kSecond);
  EXPECT_EQ(history_.previous_event(16 * kSecond), 10 * kSecond);
  EXPECT_EQ(history_.previous_event(0), 0);
  EXPECT_EQ(history_.next_event(history_.end_ns()), history_.end_ns());
}

// Any moment from a checkpoint equals folding every record from the start.
TEST(StateHistory, CheckpointsGiveTheSameStateAsFoldingFromTheStart) {
  StateHistory history;
  history.reset({"peer1", "peer2"});
  QVector<TraceEvent> records;
  std::mt19937 random(3);
  const int count = static_cast<int>(StateHistory::kCheckpointEvery) * 5 + 17;
  for (int i = 0; i < count; ++i) {
    const int host = static_cast<int>(random() % 2);
    const std::int64_t t = std::int64_t{i} * 10'000'000;
    switch (random() % 4) {
      case 0: records.append({t, "cluster.applied", host, -1, 0, QString("revision %1").arg(i)}); break;
      case 1: records.append({t, "cluster.peer", host, -1, 0, QString("peer %1 %2").arg(2 - host).arg(random() % 2 ? "Active" : "Failed")}); break;
      case 2: records.append({t, random() % 2 ? "fault.crash" : "host.boot", host, -1, 1, {}}); break;
      default: records.append({t, "alarm.raised", host, -1, 0, QString("%1 alarm").arg(20001 + random() % 5)}); break;
    }
  }
  history.append(records);
  for (int probe = 0; probe < 40; ++probe) {
    const std::int64_t t = static_cast<std::int64_t>(random() % static_cast<unsigned>(count)) * 10'000'000 + 5;
    ClusterState expected;
    expected.hosts = history.hosts();
    expected.peers.resize(2);
    for (const TraceEvent& r : records) {
      if (r.t_ns <= t) apply(expected, r);
    }
    const ClusterState got = history.state_at(t);
    for (int h = 0; h < 2; ++h) {
      EXPECT_EQ(got.peers[h].revision, expected.peers[h].revision) << t;
      EXPECT_EQ(got.peers[h].up, expected.peers[h].up) << t;
      EXPECT_EQ(got.peers[h].sees, expected.peers[h].sees) << t;
      EXPECT_EQ(got.peers[h].alarms.size(), expected.peers[h].alarms.size()) << t;
    }
  }
}

TEST(ClusterState, TimesReadAsHoursMinutesSeconds) {
  EXPECT_EQ(format_time(0), "00:00:00.000");
  EXPECT_EQ(format_time(((25 * 60 + 3) * 60 + 4) * kSecond + 56'000'000), "25:03:04.056");
}

// Outbound endpoints hold a registration at two peers at once: no move; an
// H.323 endpoint whose gatekeeper died registers with an alternate: a move.
TEST(ClusterStateEndpoints, TwoFlowsAreNotAMoveButALostPeersEndpointsMovingAre) {
  ClusterState s;
  s.hosts = {"operator", "peer1", "peer2", "phones"};
  const auto record = [&s](std::int64_t t, const char* kind, int host, const char* detail) {
    return apply(s, TraceEvent{t * kSecond, QString::fromLatin1(kind), host, -1, 0, QString::fromLatin1(detail)});
  };
  for (int host : {kPeer1, kPeer2}) {
    record(1, "host.boot", host, "");
    record(1, "peer.status", host, "slot 1 primary 1 peers 2 software X maintenance off settings 0");
  }
  record(2, "sip.register", kPeer1, "200 TCP 10.0.1.1:40001 <sip:bob@tandem.test>;tag=1");
  record(2, "sip.register", kPeer2, "200 TCP 10.0.1.1:40002 <sip:bob@tandem.test>;tag=2");
  record(40, "sip.register", kPeer1, "200 TCP 10.0.1.1:40001 <sip:bob@tandem.test>;tag=1");
  EXPECT_EQ(s.endpoints_at(kPeer1), 1);
  EXPECT_EQ(s.endpoints_at(kPeer2), 1);
  EXPECT_EQ(s.last_move.count, 0);

  EXPECT_TRUE(record(41, "h323.register", kPeer2, "00aa [carol] from 10.0.1.1:1719").note.isEmpty());  // a first registration
  record(50, "fault.crash", kPeer2, "");
  EXPECT_EQ(s.endpoints_at(kPeer2), 0);
  const Change moved = record(80, "h323.register", kPeer1, "00bb [carol] from 10.0.1.1:1719");
  EXPECT_EQ(moved.note, "h323:carol moved from peer2 to peer1");
  EXPECT_EQ(s.endpoints_at(kPeer1), 2);  // bob's flow and carol
  EXPECT_EQ(s.last_move.count, 1);
  record(81, "sip.register", kPeer1, "503 TCP 10.0.1.1:40001 <sip:bob@tandem.test>;tag=1");
  EXPECT_EQ(s.endpoints_at(kPeer1), 1);
  record(82, "h323.expire", kPeer1, "00bb [carol] from 10.0.1.1:1719");
  EXPECT_EQ(s.endpoints_at(kPeer1), 0);
}

}  // namespace
}  // namespace tandem::view
