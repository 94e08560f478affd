// The table models pass Qt's model checks while the shown moment moves, and
// show what an operator reads in System > Clustering, the alarms and the log.

#include <gtest/gtest.h>

#include "gui/app/cluster_view.hpp"
#include "tests/unit/gui/gui_test_support.hpp"

namespace tandem::view {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

QString cell(const QAbstractItemModel& model, int row, int column) {
  return model.data(model.index(row, column)).toString();
}

int row_of(const QAbstractItemModel& model, const QString& peer) {
  for (int r = 0; r < model.rowCount(); ++r) {
    if (cell(model, r, 0) == peer) return r;
  }
  return -1;
}

class ModelsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    collector_ = std::make_unique<testing::WarningCollector>();
    using Mode = QAbstractItemModelTester::FailureReportingMode;
    for (QAbstractItemModel* m : {static_cast<QAbstractItemModel*>(&view_.peers()),
                                  static_cast<QAbstractItemModel*>(&view_.alarms()),
                                  static_cast<QAbstractItemModel*>(&view_.events())}) {
      testers_.push_back(std::make_unique<QAbstractItemModelTester>(m, Mode::Warning));
    }
    testing::load(view_.history(), testing::handcrafted_trace());
  }
  void TearDown() override {
    testers_.clear();
    const QStringList warnings = collector_->warnings();
    collector_.reset();
    EXPECT_TRUE(warnings.isEmpty()) << warnings.join("\n").toStdString();
  }

  ClusterView view_;
  std::unique_ptr<testing::WarningCollector> collector_;
  std::vector<std::unique_ptr<QAbstractItemModelTester>> testers_;
};

TEST_F(ModelsTest, PeersTableFollowsTheMoment) {
  // Every moment of the run, forwards then backwards: the tester checks each change.
  for (int t = 0; t <= 56; t += 3) view_.show_at(t * kSecond);
  for (int t = 56; t >= 0; t -= 7) view_.show_at(t * kSecond);
  view_.show_at(5 * kSecond);
  const PeerTableModel& peers = view_.peers();
  ASSERT_EQ(peers.rowCount(), 3);
  const int p1 = row_of(peers, "peer1"), p3 = row_of(peers, "peer3");
  EXPECT_EQ(cell(peers, p1, PeerTableModel::Role), "Primary");
  EXPECT_EQ(cell(peers, p1, PeerTableModel::Database), "Active");
  EXPECT_EQ(cell(peers, p3, PeerTableModel::Lag), "1");
  EXPECT_EQ(cell(peers, row_of(peers, "peer2"), PeerTableModel::Registrations), "7");
  EXPECT_EQ(cell(peers, p3, PeerTableModel::LastContact), "now");
  view_.show_at(17 * kSecond);
  EXPECT_EQ(cell(peers, p3, PeerTableModel::State), "Down");
  EXPECT_EQ(cell(peers, p3, PeerTableModel::LastContact), "lost at 00:00:16.000");
  EXPECT_EQ(cell(peers, p1, PeerTableModel::Alarms), "1");
  view_.show_at(55 * kSecond);
  EXPECT_EQ(cell(peers, p3, PeerTableModel::Settings), "Mismatch");
  EXPECT_EQ(cell(peers, row_of(peers, "peer2"), PeerTableModel::Maintenance), "On");
  EXPECT_EQ(peers.headerData(PeerTableModel::Lag, Qt::Horizontal).toString(), "Lag");
}

TEST_F(ModelsTest, AlarmsTableListsTheAlarmsUpWithTheirSeverity) {
  view_.show_at(5 * kSecond);
  EXPECT_EQ(view_.alarms().rowCount(), 0);
  view_.show_at(17 * kSecond);
  ASSERT_EQ(view_.alarms().rowCount(), 1);
  EXPECT_EQ(cell(view_.alarms(), 0, AlarmTableModel::Peer), "peer1");
  EXPECT_EQ(cell(view_.alarms(), 0, AlarmTableModel::Id), "20011");
  EXPECT_EQ(cell(view_.alarms(), 0, AlarmTableModel::Severity), "Error");
  EXPECT_EQ(cell(view_.alarms(), 0, AlarmTableModel::Raised), "00:00:16.000");
  view_.show_at(55 * kSecond);
  EXPECT_EQ(view_.alarms().rowCount(), 2);  // and peer3's settings mismatch
  view_.show_at(0);
  EXPECT_EQ(view_.alarms().rowCount(), 0);
}

TEST_F(ModelsTest, EventLogGrowsAndGreysWhatHasNotHappenedYet) {
  EventLogModel& log = view_.events();
  const int rows = log.rowCount();
  ASSERT_GT(rows, 10);
  view_.show_at(10 * kSecond);
  const int cursor = log.cursor_row();
  EXPECT_EQ(cell(log, cursor, EventLogModel::Event), "fault.crash");
  EXPECT_FALSE(log.data(log.index(cursor, 0), Qt::ForegroundRole).isValid());
  EXPECT_TRUE(log.data(log.index(cursor + 1, 0), Qt::ForegroundRole).isValid());
  // A source appends: rows are inserted, the tester checks the insertion.
  view_.history().append(TraceEvent{60 * kSecond, "fault.crash", 1, -1, 0, {}});
  EXPECT_EQ(log.rowCount(), rows + 1);
  EXPECT_EQ(cell(log, rows, EventLogModel::Peer), "peer1");
  view_.history().reset({"h1"});
  EXPECT_EQ(log.rowCount(), 0);
}

}  // namespace
}  // namespace tandem::view
