// A live cluster's admin API answers (as docs/admin-api.md shows them) turned
// into records: only what changed, and folded they draw the cluster.

#include <gtest/gtest.h>

#include <QJsonDocument>

#include "gui/sources/live_source.hpp"
#include "gui/sources/live_status_diff.hpp"
#include "gui/state/state_history.hpp"
#include "tests/unit/gui/gui_test_support.hpp"

namespace tandem::view {
namespace {

QJsonObject status(const char* this_system, const char* peer2_state, int revision, const char* maintenance = "Off") {
  const QString text = QString(R"j({
    "SystemUnit": {"Name": "vcs-%1", "Software": {"Version": "X8.9.1"}, "MaintenanceMode": "%4"},
    "Cluster": {"Clustered": true, "Name": "cluster.example.com", "ThisSystem": %1, "ConfigurationPrimary": 1,
      "IpVersion": "IPv4", "TlsVerificationMode": "Permissive", "DatabaseStatus": "Active", "AppliedRevision": %3,
      "Peers": [
        {"Slot": 1, "Address": "10.0.0.1", "State": "%5", "ResourceUsage": {"Registrations": 120, "TraversalCalls": 3,
          "NonTraversalCalls": 10, "TurnRelays": 0, "BandwidthKbps": [], "AgeMs": 0}},
        {"Slot": 2, "Address": "10.0.0.2", "State": "%2", "ResourceUsage": {"Registrations": null}}]}})j")
                           .arg(this_system, peer2_state)
                           .arg(revision)
                           .arg(maintenance)
                           .arg(QString(this_system) == "1" ? "This system" : "Active");
  return QJsonDocument::fromJson(text.toUtf8()).object();
}

QJsonArray alarms(bool acknowledged) {
  return QJsonDocument::fromJson(QString(R"j([{"id": 20011, "text": "Cluster communication failure", "severity": "Error",
      "detail": "peer 2 (10.0.0.2)", "raised_at": "2026-01-01T00:00:11Z", "acknowledged": %1}])j")
                                     .arg(acknowledged ? "true" : "false")
                                     .toUtf8())
      .array();
}

QStringList kinds(const QVector<TraceEvent>& records) {
  QStringList out;
  for (const TraceEvent& r : records) out << r.kind;
  return out;
}

TEST(LiveStatusDiff, AFirstAnswerSaysEverythingAndLaterOnesOnlyWhatChanged) {
  LiveStatusDiff diff;
  const auto first = diff.answer(1, 0, status("1", "Active", 12), {});
  EXPECT_EQ(kinds(first), (QStringList{"live.reachable", "peer.status", "cluster.database", "cluster.usage", "cluster.peer"}));
  EXPECT_EQ(first[1].detail.left(54), "slot 1 primary 1 peers 2 software X8.9.1 maintenance o");
  EXPECT_EQ(first[2].detail, "Active revision 12");
  EXPECT_EQ(first[3].detail, "peer 1: 120 registrations, 3 traversal, 10 non-traversal, 0 TURN, 0 pipes in use");
  EXPECT_EQ(first[4].detail, "peer 2 Active");
  EXPECT_TRUE(diff.answer(2, 0, status("1", "Active", 12), {}).isEmpty());
  const auto failed = diff.answer(3, 0, status("1", "Failed", 12), alarms(false));
  EXPECT_EQ(kinds(failed), (QStringList{"cluster.peer", "alarm.raised"}));
  EXPECT_EQ(failed[1].detail, "20011 Cluster communication failure (peer 2 (10.0.0.2))");
  EXPECT_EQ(kinds(diff.answer(4, 0, status("1", "Failed", 12), alarms(true))), QStringList{"alarm.acknowledged"});
  EXPECT_EQ(kinds(diff.answer(5, 0, status("1", "Active", 13, "On"), {})),
            (QStringList{"peer.status", "cluster.database", "cluster.peer", "alarm.cleared"}));
}

TEST(LiveStatusDiff, APeerThatStopsAnsweringIsDownOnceAndToldAfreshWhenBack) {
  LiveStatusDiff diff;
  diff.answer(1, 0, status("1", "Active", 12), {});
  EXPECT_EQ(kinds(diff.unreachable(2, 0, "Connection refused")), QStringList{"live.unreachable"});
  EXPECT_TRUE(diff.unreachable(3, 0, "Connection refused").isEmpty());
  EXPECT_EQ(diff.answer(4, 0, status("1", "Active", 12), {}).size(), 5);
  EXPECT_EQ(LiveStatusDiff::peer_addresses(status("1", "Active", 1)), (QStringList{"10.0.0.1", "10.0.0.2"}));
}

TEST(LiveStatusDiff, FoldedAnswersFromTwoPeersDrawTheCluster) {
  StateHistory history;
  history.reset({"10.0.0.1", "10.0.0.2"});
  LiveStatusDiff diff;
  history.append(diff.answer(1, 0, status("1", "Active", 12), {}));
  history.append(diff.answer(1, 1, status("2", "This system", 11), {}));
  ClusterState s = history.latest();
  EXPECT_EQ(s.primary_host(), 0);
  EXPECT_EQ(s.lag(1), 1);
  EXPECT_EQ(s.link(0, 1), LinkState::Active);
  EXPECT_TRUE(s.settings_match(1));
  EXPECT_EQ(s.peers[0].registrations, 120);
  history.append(diff.unreachable(2, 1, "timed out"));
  history.append(diff.answer(3, 0, status("1", "Failed", 12), alarms(false)));
  s = history.latest();
  EXPECT_FALSE(s.peers[1].up);
  EXPECT_EQ(s.link(0, 1), LinkState::Failed);
  EXPECT_EQ(s.peers[0].alarms.size(), 1u);
}

TEST(LiveStatusDiff, EventsAreTakenOldestFirstAndOnlyOnce) {
  LiveStatusDiff diff;
  const QJsonArray events = QJsonDocument::fromJson(R"j([
      {"id": 9, "at": "2026-01-01T00:00:12Z", "kind": "alarm.raised", "detail": "20011 x"},
      {"id": 8, "at": "2026-01-01T00:00:11Z", "kind": "peer.start", "detail": "software X8.9.1"}])j").array();
  const auto first = diff.events(1, 0, events);
  ASSERT_EQ(first.size(), 2);
  EXPECT_EQ(first[0].detail, "peer.start software X8.9.1 (2026-01-01T00:00:11Z)");
  EXPECT_TRUE(diff.events(2, 0, events).isEmpty());
}

TEST(LiveSource, RefusesOptionsItCannotUseNamingTheProblem) {
  StateHistory history;
  const auto error = [&](LiveOptions o) {
    auto made = LiveSource::connect_to(o, history);
    return made.ok() ? std::string("(connected)") : made.error().message;
  };
  EXPECT_EQ(error({}), "no peer address given");
  EXPECT_EQ(error({.address = "127.0.0.1"}), "no password given for user admin");
  EXPECT_EQ(error({.address = "127.0.0.1:99999", .password = "x", .insecure = true}), "bad port in '127.0.0.1:99999'");
  EXPECT_EQ(error({.address = "127.0.0.1", .password = "x", .ca_file = "/nonexistent.pem"}),
            "no PEM certificate in CA file '/nonexistent.pem'");
  EXPECT_EQ(error({.address = "127.0.0.1", .password = "x"}),
            "give a CA file to check the peers' certificates, or choose insecure");
}

}  // namespace
}  // namespace tandem::view
