#include "gui/app/cluster_view.hpp"

#include <QImage>
#include <QPainter>

namespace tandem::view {

ClusterView::ClusterView(QObject* parent) : QObject(parent), events_(history_) {}

void ClusterView::show_at(std::int64_t t_ns) {
  shown_ = history_.state_at(t_ns);
  scene_.show_state(shown_);
  peers_.set_state(shown_);
  alarms_.set_state(shown_);
  const int row = events_.set_cursor(t_ns);
  emit shown_at(t_ns, row);
}

QImage ClusterView::render(QSize size) {
  QImage image(size, QImage::Format_ARGB32_Premultiplied);
  image.fill(Qt::white);
  QPainter painter(&image);
  painter.setRenderHint(QPainter::Antialiasing);
  scene_.render(&painter, QRectF(QPointF(0, 0), QSizeF(size)), scene_.sceneRect(), Qt::KeepAspectRatio);
  return image;
}

}  // namespace tandem::view
