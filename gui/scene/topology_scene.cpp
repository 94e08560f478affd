#include "gui/scene/topology_scene.hpp"

#include <QGraphicsSceneMouseEvent>
#include <QPainter>
#include <QtMath>

#include "gui/models/alarm_table_model.hpp"
#include "gui/scene/palette.hpp"

namespace tandem::view {
namespace {

const QRectF kSceneRect(-460, -330, 920, 680);
const QPointF kCentre(70, 0);
constexpr qreal kRingRadius = 215;
constexpr std::int64_t kMoveShownNs = 10'000'000'000;  // an endpoint's move stays drawn 10 s
constexpr int kZLink = 0, kZPeer = 2, kZOverlay = 3;

QColor peer_fill(const ClusterState& s, int host) {
  const PeerState& p = s.peers[static_cast<std::size_t>(host)];
  if (!p.up) return palette::kDead;
  if (p.paused) return palette::kPaused;
  if (p.slot == 0) return palette::kSyncing;
  if (p.database == QStringLiteral("Failed") || !s.settings_match(host)) return palette::kFailed;
  if (p.database == QStringLiteral("Active")) return palette::kHealthy;
  return palette::kSyncing;
}

QString count_text(std::int64_t n) { return n < 0 ? QStringLiteral("?") : QString::number(n); }

}  // namespace

// ---- PeerItem --------------------------------------------------------------------

void PeerItem::set_peer(const ClusterState& s, int host) {
  const PeerState& p = s.peers[static_cast<std::size_t>(host)];
  fill_ = peer_fill(s, host);
  primary_ = p.is_primary();
  down_ = !p.up;
  paused_ = p.paused;
  maintenance_ = p.maintenance && p.up;
  alarms_ = static_cast<int>(p.alarms.size());
  warnings_only_ = std::all_of(p.alarms.begin(), p.alarms.end(), [](const auto& entry) {
    return alarm_severity(entry.first) == QStringLiteral("Warning");
  });
  name_ = s.hosts.value(host);
  QStringList lines;
  const QString slot = p.slot > 0 ? QStringLiteral("Peer %1").arg(p.slot) : QStringLiteral("stand-alone");
  lines << (p.software.isEmpty() ? slot : QStringLiteral("%1 · %2").arg(slot, p.software));
  if (!p.up) {
    lines << (p.booted ? QStringLiteral("DOWN") : QStringLiteral("not started"));
  } else {
    const std::int64_t lag = s.lag(host);
    QString db = p.database.isEmpty() ? QStringLiteral("db ?") : QStringLiteral("db %1").arg(p.database);
    if (p.revision >= 0) db += QStringLiteral(" · rev %1").arg(p.revision);
    if (lag > 0) db += QStringLiteral(" (−%1)").arg(lag);
    lines << db;
    QString usage = QStringLiteral("regs %1 · calls %2").arg(count_text(p.registrations), count_text(p.calls));
    // Endpoints seen registering here (the records of its registrar), beside what it reports.
    if (!s.registered_at.empty()) usage = QStringLiteral("%1 endpoints · %2").arg(s.endpoints_at(host)).arg(usage);
    lines << usage;
    if (p.maintenance) lines << QStringLiteral("MAINTENANCE");
    if (p.slot > 0 && !s.settings_match(host)) lines << QStringLiteral("settings differ");
  }
  lines_ = lines;
  update();
}

QRectF PeerItem::boundingRect() const { return QRectF(-95, -kRadius - 30, 190, 2 * kRadius + 30 + 78); }

void PeerItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) {
  painter->setRenderHint(QPainter::Antialiasing);
  const QRectF disc(-kRadius, -kRadius, 2 * kRadius, 2 * kRadius);
  painter->setPen(QPen(fill_.darker(140), 2));
  painter->setBrush(fill_);
  painter->drawEllipse(disc);
  if (maintenance_) {
    painter->setBrush(Qt::NoBrush);
    painter->setPen(QPen(palette::kMaintenance, 5, Qt::DashLine));
    painter->drawEllipse(disc.adjusted(-6, -6, 6, 6));
  }
  if (down_) {  // a dead peer is crossed out
    painter->setPen(QPen(QColor(0xee, 0xee, 0xee), 5, Qt::SolidLine, Qt::RoundCap));
    const qreal d = kRadius * 0.5;
    painter->drawLine(QPointF(-d, -d), QPointF(d, d));
    painter->drawLine(QPointF(-d, d), QPointF(d, -d));
  }
  // The name inside the disc.
  QFont font = painter->font();
  font.setPointSizeF(10);
  font.setBold(true);
  painter->setFont(font);
  painter->setPen(down_ ? QColor(0xee, 0xee, 0xee) : Qt::white);
  if (!down_) painter->drawText(disc, Qt::AlignCenter, name_);
  if (primary_) {  // the crown: a gold band with three points above the disc
    QPolygonF crown;
    crown << QPointF(-18, -kRadius - 4) << QPointF(-20, -kRadius - 24) << QPointF(-9, -kRadius - 14)
          << QPointF(0, -kRadius - 28) << QPointF(9, -kRadius - 14) << QPointF(20, -kRadius - 24)
          << QPointF(18, -kRadius - 4);
    painter->setPen(QPen(palette::kPrimary.darker(150), 1.5));
    painter->setBrush(palette::kPrimary);
    painter->drawPolygon(crown);
  }
  if (alarms_ > 0) {  // badge: how many alarms are up
    const QRectF badge(kRadius * 0.45, -kRadius - 6, 24, 24);
    painter->setPen(QPen(Qt::white, 2));
    painter->setBrush(warnings_only_ ? palette::kWarning : palette::kFailed);
    painter->drawEllipse(badge);
    font.setPointSizeF(9);
    painter->setFont(font);
    painter->drawText(badge, Qt::AlignCenter, QString::number(alarms_));
  }
  // Below the disc, on a light card so lines passing behind do not muddle it.
  const QRectF card(-82, kRadius + 3, 164, 17 + 14 * lines_.size());
  painter->setPen(Qt::NoPen);
  painter->setBrush(QColor(0xff, 0xff, 0xff, 215));
  painter->drawRoundedRect(card, 5, 5);
  font.setPointSizeF(9.5);
  font.setBold(true);
  painter->setFont(font);
  painter->setPen(down_ ? palette::kDeadText : palette::kText);
  QRectF line(-95, kRadius + 4, 190, 15);
  painter->drawText(line, Qt::AlignHCenter | Qt::AlignTop, down_ ? name_ + QStringLiteral(" (down)") : name_);
  font.setBold(false);
  font.setPointSizeF(8.5);
  painter->setFont(font);
  painter->setPen(palette::kText);
  for (const QString& text : lines_) {
    line.translate(0, 14);
    painter->drawText(line, Qt::AlignHCenter | Qt::AlignTop, text);
  }
}

// ---- LinkItem --------------------------------------------------------------------

void LinkItem::set_link(QPointF a, QPointF b, LinkState state, bool cut) {
  if (a != a_ || b != b_) prepareGeometryChange();
  a_ = a;
  b_ = b;
  state_ = state;
  cut_ = cut;
  setVisible(state != LinkState::None || cut);
  update();
}

QPen LinkItem::pen() const {
  switch (state_) {
    case LinkState::Active: return QPen(cut_ ? palette::kWarning : palette::kHealthy, 4);
    case LinkState::OneWay: return QPen(palette::kWarning, 4, Qt::DashLine);
    case LinkState::Failed: return QPen(palette::kFailed, 4, Qt::DashLine);
    case LinkState::Unknown: return QPen(palette::kUnknown, 3, Qt::DotLine);
    case LinkState::None: return QPen(palette::kFailed, 2, Qt::DashLine);  // only drawn when cut
  }
  return QPen();
}

QRectF LinkItem::boundingRect() const { return QRectF(a_, b_).normalized().adjusted(-14, -14, 14, 14); }

void LinkItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) {
  painter->setRenderHint(QPainter::Antialiasing);
  painter->setPen(pen());
  painter->drawLine(a_, b_);
  if (cut_) {  // the network cut: a red X on the middle of the line
    const QPointF m = (a_ + b_) / 2;
    painter->setPen(QPen(palette::kFailed, 4, Qt::SolidLine, Qt::RoundCap));
    painter->drawLine(m + QPointF(-9, -9), m + QPointF(9, 9));
    painter->drawLine(m + QPointF(-9, 9), m + QPointF(9, -9));
  }
}

// ---- TopologyScene ----------------------------------------------------------------

TopologyScene::TopologyScene(QObject* parent) : QGraphicsScene(parent) {
  setSceneRect(kSceneRect);
  setBackgroundBrush(palette::kBackground);
  add_legend();
  clock_ = addSimpleText(QString());
  QFont font = clock_->font();
  font.setPointSizeF(13);
  font.setBold(true);
  clock_->setFont(font);
  clock_->setPos(kSceneRect.right() - 190, kSceneRect.top() + 10);
  empty_ = addSimpleText(QStringLiteral("No peers yet: open a trace, run a twin or connect to a cluster."));
  empty_->setPos(kCentre.x() - 200, kCentre.y());
  move_ = addPath(QPainterPath(), QPen(palette::kSyncing, 3, Qt::SolidLine, Qt::RoundCap));
  move_->setZValue(kZOverlay);
  move_label_ = addSimpleText(QString());
  move_label_->setZValue(kZOverlay);
  move_label_->setBrush(palette::kSyncing);
}

void TopologyScene::add_legend() {
  struct Entry {
    QColor colour;
    Qt::PenStyle line;  // Qt::NoPen: a disc
    const char* text;
  };
  const Entry entries[] = {
      {palette::kHealthy, Qt::NoPen, "peer up, database Active"},
      {palette::kSyncing, Qt::NoPen, "syncing / stand-alone"},
      {palette::kFailed, Qt::NoPen, "database failed / settings differ"},
      {palette::kPaused, Qt::NoPen, "paused"},
      {palette::kDead, Qt::NoPen, "down (crossed out)"},
      {palette::kHealthy, Qt::SolidLine, "both see each other"},
      {palette::kWarning, Qt::DashLine, "seen one way only"},
      {palette::kFailed, Qt::DashLine, "failed both ways"},
      {palette::kUnknown, Qt::DotLine, "not yet known"},
      {palette::kFailed, Qt::SolidLine, "X  network cut"},
  };
  const qreal x = kSceneRect.left() + 10, top = kSceneRect.top() + 10, row = 20;
  auto* frame = addRect(QRectF(x, top, 260, row * (std::size(entries) + 2) + 6), QPen(QColor(0xcc, 0xcc, 0xcc)),
                        QColor(0xff, 0xff, 0xff, 230));
  frame->setZValue(kZOverlay);
  auto* title = addSimpleText(QStringLiteral("Legend"));
  QFont bold = title->font();
  bold.setBold(true);
  title->setFont(bold);
  title->setPos(x + 8, top + 4);
  title->setZValue(kZOverlay);
  qreal y = top + 4 + row;
  for (const Entry& e : entries) {
    QGraphicsItem* mark = nullptr;
    if (e.line == Qt::NoPen) {
      mark = addEllipse(QRectF(x + 12, y + 2, 14, 14), QPen(e.colour.darker(140)), e.colour);
    } else if (QString::fromLatin1(e.text).startsWith(u'X')) {
      mark = addSimpleText(QStringLiteral("✕"));
      static_cast<QGraphicsSimpleTextItem*>(mark)->setBrush(e.colour);
      mark->setPos(x + 12, y);
    } else {
      mark = addLine(QLineF(x + 6, y + 9, x + 32, y + 9), QPen(e.colour, 3, e.line));
    }
    mark->setZValue(kZOverlay);
    QString text = QString::fromLatin1(e.text);
    if (text.startsWith(u'X')) text = text.mid(3);
    auto* label = addSimpleText(text);
    label->setPos(x + 40, y);
    label->setZValue(kZOverlay);
    y += row;
  }
  auto* crown = addSimpleText(QStringLiteral("♛  primary   ● n  alarms up"));
  crown->setPos(x + 10, y);
  crown->setZValue(kZOverlay);
  auto* ring = addSimpleText(QStringLiteral("dashed ring: maintenance mode"));
  ring->setPos(x + 10, y + row);
  ring->setZValue(kZOverlay);
  frame->setRect(QRectF(x, top, 260, y + 2 * row + 4 - top));
}

void TopologyScene::layout(const std::vector<int>& hosts) {
  if (hosts == laid_out_) return;
  laid_out_ = hosts;
  positions_.clear();
  const int n = static_cast<int>(hosts.size());
  for (int i = 0; i < n; ++i) {
    // Clockwise from the top, so host 1 (usually the primary) stands at the top.
    const qreal angle = -M_PI / 2 + 2 * M_PI * i / std::max(1, n);
    positions_[hosts[static_cast<std::size_t>(i)]] =
        n == 1 ? kCentre : kCentre + QPointF(kRingRadius * std::cos(angle), kRingRadius * 0.85 * std::sin(angle));
  }
}

void TopologyScene::show_state(const ClusterState& s) {
  const std::vector<int> hosts = s.shown_hosts();
  layout(hosts);
  empty_->setVisible(hosts.empty());
  clock_->setText(QStringLiteral("t = %1").arg(format_time(s.t_ns)));
  for (auto& [host, item] : peers_) item->setVisible(positions_.count(host) != 0);
  for (int host : hosts) {
    PeerItem*& item = peers_[host];
    if (!item) {
      item = new PeerItem();
      item->setZValue(kZPeer);
      item->setData(0, host);
      addItem(item);
    }
    item->setPos(positions_[host]);
    item->set_peer(s, host);
  }
  for (auto& [pair, item] : links_) item->setVisible(false);
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    for (std::size_t j = i + 1; j < hosts.size(); ++j) {
      const int a = hosts[i], b = hosts[j];
      const LinkState state = s.link(a, b);
      const bool cut = s.cut(a, b);
      if (state == LinkState::None && !cut && !links_.count({a, b})) continue;
      LinkItem*& item = links_[{a, b}];
      if (!item) {
        item = new LinkItem();
        item->setZValue(kZLink);
        addItem(item);
      }
      item->set_link(positions_[a], positions_[b], state, cut);
    }
  }
  const Move& m = s.last_move;
  const bool moving = m.t_ns >= 0 && s.t_ns - m.t_ns <= kMoveShownNs && positions_.count(m.from) && positions_.count(m.to);
  move_->setVisible(moving);
  move_label_->setVisible(moving);
  if (moving) {
    const QPointF a = positions_[m.from], b = positions_[m.to];
    const QPointF d = (b - a) / std::max<qreal>(1, std::hypot(b.x() - a.x(), b.y() - a.y()));
    const QPointF from = a + d * (PeerItem::kRadius + 8), to = b - d * (PeerItem::kRadius + 8);
    const QPointF side(-d.y() * 22, d.x() * 22);  // beside the link line, not on it
    QPainterPath path(from + side);
    path.lineTo(to + side);
    const QPointF head = to + side, back = head - d * 14;
    path.moveTo(head);
    path.lineTo(back + QPointF(-d.y(), d.x()) * 7);
    path.moveTo(head);
    path.lineTo(back - QPointF(-d.y(), d.x()) * 7);
    move_->setPath(path);
    move_label_->setText(m.count > 1 ? QStringLiteral("%1 endpoints moved").arg(m.count)
                                     : QStringLiteral("%1 moved").arg(m.address_of_record));
    move_label_->setPos((from + to) / 2 + side * 1.6 - QPointF(40, 8));
  }
}

PeerItem* TopologyScene::peer_item(int host) const {
  auto it = peers_.find(host);
  return it != peers_.end() && it->second->isVisible() ? it->second : nullptr;
}

LinkItem* TopologyScene::link_item(int a, int b) const {
  auto it = links_.find({std::min(a, b), std::max(a, b)});
  if (it == links_.end()) it = links_.find({a, b});
  return it != links_.end() && it->second->isVisible() ? it->second : nullptr;
}

QPointF TopologyScene::position_of(int host) const {
  auto it = positions_.find(host);
  return it == positions_.end() ? QPointF() : it->second;
}

bool TopologyScene::move_arrow_shown() const { return move_->isVisible(); }

void TopologyScene::mousePressEvent(QGraphicsSceneMouseEvent* event) {
  for (QGraphicsItem* item : items(event->scenePos())) {
    if (auto* peer = dynamic_cast<PeerItem*>(item)) {
      emit peer_clicked(peer->data(0).toInt());
      break;
    }
  }
  QGraphicsScene::mousePressEvent(event);
}

}  // namespace tandem::view
