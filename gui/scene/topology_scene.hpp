#pragma once
// The cluster's topology as a QGraphicsScene, apart from any window: peers on
// a circle (fill = health, crown = primary, ring = maintenance, badge =
// alarms, cross = down), a line for each pair of peers coloured by what they
// see of each other (membership), network cuts marked on the line, and an
// endpoint's registration moving between peers as an arrow. show_state()
// updates the items in place, so a redraw costs what changed, not a rebuild.

#include <QGraphicsItem>
#include <QGraphicsScene>
#include <map>

#include "gui/state/cluster_state.hpp"

namespace tandem::view {

class PeerItem : public QGraphicsItem {
 public:
  static constexpr qreal kRadius = 34;

  void set_peer(const ClusterState& state, int host);
  QColor fill() const { return fill_; }
  bool primary_marked() const { return primary_; }
  bool down_marked() const { return down_; }
  bool maintenance_marked() const { return maintenance_; }
  int alarm_badge() const { return alarms_; }
  const QStringList& lines() const { return lines_; }  // the text under the disc

  QRectF boundingRect() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

 private:
  QColor fill_;
  bool primary_ = false;
  bool down_ = false;
  bool paused_ = false;
  bool maintenance_ = false;
  bool warnings_only_ = false;
  int alarms_ = 0;
  QString name_;
  QStringList lines_;
};

class LinkItem : public QGraphicsItem {
 public:
  void set_link(QPointF a, QPointF b, LinkState state, bool cut);
  LinkState state() const { return state_; }
  bool cut() const { return cut_; }
  QPen pen() const;

  QRectF boundingRect() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

 private:
  QPointF a_, b_;
  LinkState state_ = LinkState::None;
  bool cut_ = false;
};

class TopologyScene : public QGraphicsScene {
  Q_OBJECT

 public:
  explicit TopologyScene(QObject* parent = nullptr);

  void show_state(const ClusterState& state);

  // For tests and tools: the items drawn for a host, a pair (nullptr if not drawn).
  PeerItem* peer_item(int host) const;
  LinkItem* link_item(int a, int b) const;
  QPointF position_of(int host) const;
  bool move_arrow_shown() const;

 signals:
  void peer_clicked(int host);

 protected:
  void mousePressEvent(QGraphicsSceneMouseEvent* event) override;

 private:
  void add_legend();
  void layout(const std::vector<int>& hosts);

  std::map<int, PeerItem*> peers_;
  std::map<std::pair<int, int>, LinkItem*> links_;
  std::map<int, QPointF> positions_;
  std::vector<int> laid_out_;
  QGraphicsSimpleTextItem* clock_ = nullptr;
  QGraphicsSimpleTextItem* empty_ = nullptr;
  QGraphicsPathItem* move_ = nullptr;
  QGraphicsSimpleTextItem* move_label_ = nullptr;
};

}  // namespace tandem::view
