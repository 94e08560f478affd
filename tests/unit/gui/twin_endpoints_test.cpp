// The in-app twin with endpoints (tandem-view --twin 3 --endpoints N): the
// peers' registrations show per peer (the peers table's Endpoints column,
// the scene's labels) and, when a peer is killed, its endpoints move to the
// others: the arrow is drawn, the event log says who moved where, and the
// killed peer holds none.

#include <gtest/gtest.h>

#include <QDir>

#include "gui/app/main_window.hpp"
#include "gui/models/peer_table_model.hpp"
#include "gui/timeline/timeline_widget.hpp"
#include "tests/unit/gui/gui_test_support.hpp"

namespace tandem::view {
namespace {

using namespace std::chrono_literals;
constexpr int kEndpoints = 60;

class TwinEndpoints : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(window_.run_twin({3, 7, kEndpoints}).ok());
    window_.twin()->set_running(false);  // driven by hand: deterministic
  }

  void advance(Duration d) {
    window_.twin()->advance(d);
    window_.view().show_at(window_.view().history().end_ns());
  }
  int host(const QString& name) { return static_cast<int>(window_.view().history().hosts().indexOf(name)); }
  // The Endpoints column of the peers table, by peer name.
  std::map<QString, int> endpoints_column() {
    PeerTableModel& table = window_.view().peers();
    std::map<QString, int> out;
    for (int row = 0; row < table.rowCount(); ++row) {
      out[table.data(table.index(row, PeerTableModel::Peer)).toString()] =
          table.data(table.index(row, PeerTableModel::Endpoints)).toInt();
    }
    return out;
  }
  void snapshot(const QString& name) {
    const QString dir = qEnvironmentVariableIsSet("TANDEM_VIEW_SCREENSHOTS")
                            ? qEnvironmentVariable("TANDEM_VIEW_SCREENSHOTS")
                            : QString::fromStdString(::testing::TempDir());
    QDir().mkpath(dir);
    EXPECT_TRUE(window_.view().render(QSize(1200, 900)).save(dir + "/" + name));
  }

  MainWindow window_;
};

TEST_F(TwinEndpoints, RegistrationsShowPerPeerAndMoveOffAKilledPeer) {
  EXPECT_EQ(window_.twin()->endpoints()->count(), 3);  // SIP SRV, SIP outbound, H.323 SRV
  advance(60s);
  std::map<QString, int> before = endpoints_column();
  ASSERT_EQ(before.size(), 3u);
  int total = 0;
  for (const auto& [peer, count] : before) {
    EXPECT_GT(count, 5) << peer.toStdString();
    total += count;
  }
  // Every endpoint once, outbound ones twice (a flow to each of two peers).
  EXPECT_EQ(total, kEndpoints + kEndpoints / 4);
  const ClusterState& s = window_.view().shown();
  EXPECT_EQ(s.endpoints_at(host("peer2")), before["peer2"]);
  PeerItem* peer2 = window_.view().scene().peer_item(host("peer2"));
  ASSERT_NE(peer2, nullptr);
  EXPECT_TRUE(peer2->lines().join(u'\n').contains(QStringLiteral("%1 endpoints").arg(before["peer2"])))
      << peer2->lines().join(u'|').toStdString();
  EXPECT_EQ(s.last_move.count, 0);  // nothing moved yet
  snapshot("twin_endpoints_registered.png");

  EXPECT_EQ(window_.twin()->kill(2), QStringLiteral("peer2 killed"));
  // Step until the first endpoints move: the arrow shows them leaving peer2.
  bool arrow = false;
  for (int i = 0; i < 120 && !arrow; ++i) {
    advance(1s);
    arrow = window_.view().scene().move_arrow_shown();
  }
  ASSERT_TRUE(arrow) << "no endpoint moved within two minutes of peer2's death";
  EXPECT_EQ(window_.view().shown().last_move.from, host("peer2"));
  snapshot("twin_endpoints_moving.png");

  advance(3min);
  const std::map<QString, int> after = endpoints_column();
  EXPECT_EQ(after.at("peer2"), 0);
  // Every endpoint is on a live peer again; outbound ones have lost their flow to peer2.
  EXPECT_GE(after.at("peer1") + after.at("peer3"), kEndpoints);
  EXPECT_GT(after.at("peer1"), before["peer1"]);
  EXPECT_GT(after.at("peer3"), before["peer3"]);
  const auto& log = window_.view().history().log();
  const auto moves = std::count_if(log.begin(), log.end(), [](const LogEntry& e) {
    return e.text.contains(QStringLiteral(" moved from peer2 to peer"));
  });
  // Each SRV endpoint that was on peer2 moved (outbound ones keep their other flow).
  EXPECT_GE(moves, 5);
  const auto h323_moves = std::count_if(log.begin(), log.end(), [](const LogEntry& e) {
    return e.text.startsWith(QStringLiteral("h323:")) && e.text.contains(QStringLiteral(" moved from peer2"));
  });
  EXPECT_GT(h323_moves, 0);
}

TEST(TwinEndpointsScenario, RefusesAnEndpointCountOutOfRange) {
  MainWindow window;
  const auto refused = window.run_twin({3, 1, kMaxTwinEndpoints + 1});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, "a twin cluster has 0 to 3000 endpoints, not 3001");
}

}  // namespace
}  // namespace tandem::view
