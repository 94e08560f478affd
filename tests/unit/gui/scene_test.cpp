// The topology scene of a twin run, rendered offscreen to PNG at chosen
// moments and checked pixel by pixel and item by item: a dead peer drawn in
// the dead colour and crossed out, a partitioned link red, dashed and cut,
// the primary crowned. The PNGs stay in the test's temporary directory (or
// TANDEM_VIEW_SCREENSHOTS) for a person to look at.

#include <gtest/gtest.h>

#include <QDir>
#include <QImage>
#include <sstream>

#include "gui/app/cluster_view.hpp"
#include "gui/scene/palette.hpp"
#include "gui/sources/twin_source.hpp"
#include "tests/unit/gui/gui_test_support.hpp"

namespace tandem::view {
namespace {

using namespace std::chrono_literals;
constexpr int kPeer1 = 1, kPeer2 = 2, kPeer3 = 3;  // twin host indices (0 is the workstation)
const QSize kPicture(1600, 1200);

bool near(QColor a, QColor b, int tolerance = 10) {
  return std::abs(a.red() - b.red()) <= tolerance && std::abs(a.green() - b.green()) <= tolerance &&
         std::abs(a.blue() - b.blue()) <= tolerance;
}

std::string describe(QColor c) { return c.name().toStdString(); }

QString screenshot_dir() {
  const QString dir = qEnvironmentVariableIsSet("TANDEM_VIEW_SCREENSHOTS")
                          ? qEnvironmentVariable("TANDEM_VIEW_SCREENSHOTS")
                          : QString::fromStdString(::testing::TempDir()) + "/tandem-view";
  QDir().mkpath(dir);
  return dir;
}

class SceneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto twin = TwinSource::start({3, 5}, view_.history());
    ASSERT_TRUE(twin.ok()) << twin.error().message;
    twin_ = std::move(*twin);
    twin_->advance(20s);
    formed_ = view_.history().end_ns() - 1;  // just before the kill
    twin_->kill(3);
    twin_->advance(15s);
    dead_ = view_.history().end_ns() - 1;  // just before the partition
    twin_->partition(1, 2);
    twin_->advance(15s);
    cut_ = view_.history().end_ns();
  }

  // Renders the moment to PNG and returns the picture.
  QImage picture(std::int64_t t_ns, const QString& name) {
    view_.show_at(t_ns);
    QImage image = view_.render(kPicture);
    const QString path = screenshot_dir() + "/" + name + ".png";
    EXPECT_TRUE(image.save(path)) << path.toStdString();
    return image;
  }

  // The pixel where a scene point lands in the picture (the scene is scaled
  // to fit from the top left corner, as QGraphicsScene::render does).
  QColor pixel(const QImage& image, QPointF scene_point) {
    const QRectF r = view_.scene().sceneRect();
    const double s = std::min(image.width() / r.width(), image.height() / r.height());
    const QPointF p = (scene_point - r.topLeft()) * s;
    return image.pixelColor(static_cast<int>(p.x()), static_cast<int>(p.y()));
  }
  // Inside a peer's disc, below its name.
  QColor disc(const QImage& image, int host) { return pixel(image, view_.scene().position_of(host) + QPointF(0, 22)); }

  ClusterView view_;
  std::unique_ptr<TwinSource> twin_;
  std::int64_t formed_ = 0, dead_ = 0, cut_ = 0;
};

TEST_F(SceneTest, AFormedClusterIsGreenWithItsPrimaryCrowned) {
  const QImage image = picture(formed_, "1-formed");
  for (int host : {kPeer1, kPeer2, kPeer3}) {
    ASSERT_NE(view_.scene().peer_item(host), nullptr) << host;
    EXPECT_TRUE(near(disc(image, host), palette::kHealthy)) << host << " " << describe(disc(image, host));
  }
  EXPECT_TRUE(view_.scene().peer_item(kPeer1)->primary_marked());
  EXPECT_FALSE(view_.scene().peer_item(kPeer2)->primary_marked());
  EXPECT_EQ(view_.scene().peer_item(0), nullptr);  // the operator's workstation is no peer
  const QPointF crown = view_.scene().position_of(kPeer1) + QPointF(0, -PeerItem::kRadius - 12);
  EXPECT_TRUE(near(pixel(image, crown), palette::kPrimary)) << describe(pixel(image, crown));
  LinkItem* link = view_.scene().link_item(kPeer1, kPeer2);
  ASSERT_NE(link, nullptr);
  EXPECT_EQ(link->state(), LinkState::Active);
  EXPECT_EQ(link->pen().style(), Qt::SolidLine);
}

TEST_F(SceneTest, ADeadPeerIsDrawnDeadAndItsLinksFailed) {
  const QImage image = picture(dead_, "2-peer3-dead");
  PeerItem* dead = view_.scene().peer_item(kPeer3);
  ASSERT_NE(dead, nullptr);
  EXPECT_TRUE(dead->down_marked());
  EXPECT_EQ(dead->fill(), palette::kDead);
  EXPECT_TRUE(near(disc(image, kPeer3), palette::kDead)) << describe(disc(image, kPeer3));
  EXPECT_TRUE(near(pixel(image, view_.scene().position_of(kPeer3)), QColor(0xee, 0xee, 0xee)))  // the cross
      << describe(pixel(image, view_.scene().position_of(kPeer3)));
  LinkItem* link = view_.scene().link_item(kPeer1, kPeer3);
  ASSERT_NE(link, nullptr);
  EXPECT_EQ(link->state(), LinkState::Failed);
  EXPECT_EQ(link->pen().color(), palette::kFailed);
  EXPECT_EQ(link->pen().style(), Qt::DashLine);
  EXPECT_GE(view_.scene().peer_item(kPeer1)->alarm_badge(), 1);  // cluster communication failure
}

TEST_F(SceneTest, APartitionedLinkIsRedDashedAndCut) {
  const QImage image = picture(cut_, "3-peer1-peer2-partitioned");
  LinkItem* link = view_.scene().link_item(kPeer1, kPeer2);
  ASSERT_NE(link, nullptr);
  EXPECT_TRUE(link->cut());
  EXPECT_EQ(link->state(), LinkState::Failed);
  EXPECT_EQ(link->pen().style(), Qt::DashLine);
  const QPointF middle = (view_.scene().position_of(kPeer1) + view_.scene().position_of(kPeer2)) / 2;
  EXPECT_TRUE(near(pixel(image, middle), palette::kFailed)) << describe(pixel(image, middle));
  // Going back in time undraws it.
  const QImage before = picture(formed_, "4-back-to-formed");
  EXPECT_FALSE(view_.scene().link_item(kPeer1, kPeer2)->cut());
  EXPECT_TRUE(near(disc(before, kPeer3), palette::kHealthy));
}

// The twin's trace exported as JSON Lines and read back shows the same moments.
TEST_F(SceneTest, TheExportedTraceReadsBackToTheSameState) {
  std::ostringstream out;
  ASSERT_TRUE(twin_->twin().sim().trace().write_jsonl(out).ok());
  StateHistory from_file;
  testing::load(from_file, QByteArray::fromStdString(out.str()));
  for (std::int64_t t : {formed_, dead_, cut_}) {
    const ClusterState a = from_file.state_at(t), b = view_.history().state_at(t);
    ASSERT_EQ(a.shown_hosts(), b.shown_hosts());
    for (int host : a.shown_hosts()) {
      EXPECT_EQ(a.peers[host].up, b.peers[host].up);
      EXPECT_EQ(a.peers[host].database, b.peers[host].database);
      EXPECT_EQ(a.peers[host].alarms.size(), b.peers[host].alarms.size());
    }
    EXPECT_EQ(a.cuts, b.cuts);
  }
}

TEST_F(SceneTest, TwinFaultActionsShowAtOnceAndRefuseWhatCannotBe) {
  EXPECT_EQ(twin_->kill(3), "peer3 is already down");
  EXPECT_EQ(twin_->restart(1), "peer1 is running; kill it first");
  EXPECT_EQ(twin_->restart(3), "peer3 restarted");
  EXPECT_TRUE(view_.history().latest().peers[kPeer3].up);
  EXPECT_EQ(twin_->set_maintenance(2, true), "peer2 maintenance mode on");
  EXPECT_TRUE(view_.history().latest().peers[kPeer2].maintenance);
  EXPECT_EQ(twin_->add_calls(2, 5), "peer2 now has 5 calls");
  twin_->advance(3s);
  EXPECT_EQ(view_.history().latest().peers[kPeer2].calls, 5);  // as the other peers heard it
  EXPECT_EQ(twin_->heal_all(), "every partition healed");
  EXPECT_TRUE(view_.history().latest().cuts.empty());
  EXPECT_EQ(twin_->partition(2, 2), "a partition needs two different hosts");
  twin_->advance(30s);
  const QImage image = picture(view_.history().end_ns(), "5-maintenance-healed");
  EXPECT_TRUE(view_.scene().peer_item(kPeer2)->maintenance_marked());
  EXPECT_TRUE(near(disc(image, kPeer3), palette::kHealthy)) << describe(disc(image, kPeer3));
}

}  // namespace
}  // namespace tandem::view
