#include "gui/timeline/timeline_widget.hpp"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QShortcut>
#include <QSignalBlocker>
#include <QSlider>
#include <QStyle>
#include <QToolButton>
#include <algorithm>

#include "gui/state/cluster_state.hpp"

namespace tandem::view {
namespace {

constexpr int kFrameMs = 40;              // 25 frames a second while playing
constexpr std::int64_t kSliderUnitNs = 1'000'000;  // the slider counts milliseconds

QToolButton* button(QWidget* parent, QStyle::StandardPixmap icon, const QString& tip) {
  auto* b = new QToolButton(parent);
  b->setIcon(parent->style()->standardIcon(icon));
  b->setToolTip(tip);
  b->setFocusPolicy(Qt::NoFocus);  // keys belong to the timeline's shortcuts
  b->setAutoRaise(true);
  return b;
}

}  // namespace

TimelineWidget::TimelineWidget(QWidget* parent) : QWidget(parent) {
  auto* row = new QHBoxLayout(this);
  row->setContentsMargins(6, 2, 6, 2);
  auto* start = button(this, QStyle::SP_MediaSkipBackward, tr("Start (Home)"));
  auto* back = button(this, QStyle::SP_MediaSeekBackward, tr("Previous event (Left)"));
  play_ = button(this, QStyle::SP_MediaPlay, tr("Play / pause (Space)"));
  auto* forward = button(this, QStyle::SP_MediaSeekForward, tr("Next event (Right)"));
  auto* end = button(this, QStyle::SP_MediaSkipForward, tr("End (End)"));
  slider_ = new QSlider(Qt::Horizontal, this);
  slider_->setFocusPolicy(Qt::NoFocus);
  slider_->setRange(0, 0);
  time_ = new QLabel(this);
  time_->setMinimumWidth(190);
  speed_box_ = new QComboBox(this);
  speed_box_->setFocusPolicy(Qt::NoFocus);
  speed_box_->setToolTip(tr("Speed (+ / -)"));
  for (double s : kSpeeds) speed_box_->addItem(QStringLiteral("%1×").arg(s));
  speed_box_->setCurrentIndex(speed_index_);
  for (QWidget* w : {static_cast<QWidget*>(start), static_cast<QWidget*>(back), static_cast<QWidget*>(play_),
                     static_cast<QWidget*>(forward), static_cast<QWidget*>(end)}) {
    row->addWidget(w);
  }
  row->addWidget(slider_, 1);
  row->addWidget(time_);
  row->addWidget(speed_box_);

  connect(start, &QToolButton::clicked, this, &TimelineWidget::to_start);
  connect(back, &QToolButton::clicked, this, &TimelineWidget::step_back);
  connect(play_, &QToolButton::clicked, this, &TimelineWidget::toggle_play);
  connect(forward, &QToolButton::clicked, this, &TimelineWidget::step_forward);
  connect(end, &QToolButton::clicked, this, &TimelineWidget::to_end);
  connect(slider_, &QSlider::valueChanged, this, [this](int ms) {
    follow_ = false;
    seek(static_cast<std::int64_t>(ms) * kSliderUnitNs);
  });
  connect(speed_box_, &QComboBox::currentIndexChanged, this, &TimelineWidget::set_speed_index);

  // Shortcuts work anywhere in the window that holds the timeline.
  const std::pair<QKeySequence, void (TimelineWidget::*)()> keys[] = {
      {Qt::Key_Space, &TimelineWidget::toggle_play}, {Qt::Key_Left, &TimelineWidget::step_back},
      {Qt::Key_Right, &TimelineWidget::step_forward}, {Qt::Key_Home, &TimelineWidget::to_start},
      {Qt::Key_End, &TimelineWidget::to_end},         {Qt::Key_Plus, &TimelineWidget::faster},
      {Qt::Key_Equal, &TimelineWidget::faster},       {Qt::Key_Minus, &TimelineWidget::slower},
  };
  for (const auto& [key, slot] : keys) {
    auto* shortcut = new QShortcut(key, this, nullptr, nullptr, Qt::WindowShortcut);
    connect(shortcut, &QShortcut::activated, this, slot);
  }
  timer_.setInterval(kFrameMs);
  connect(&timer_, &QTimer::timeout, this, &TimelineWidget::tick);
  show_time();
}

void TimelineWidget::set_event_steps(std::function<std::int64_t(std::int64_t)> previous,
                                     std::function<std::int64_t(std::int64_t)> next) {
  previous_ = std::move(previous);
  next_ = std::move(next);
}

void TimelineWidget::set_end(std::int64_t end_ns) {
  end_ns_ = std::max<std::int64_t>(0, end_ns);
  {
    const QSignalBlocker block(slider_);
    slider_->setRange(0, static_cast<int>(end_ns_ / kSliderUnitNs));
  }
  if (follow_) {
    seek(end_ns_);
  } else if (now_ns_ > end_ns_) {
    seek(end_ns_);
  } else {
    show_time();
  }
}

void TimelineWidget::set_growing(bool growing) {
  growing_ = growing;
  follow_ = growing;
  if (follow_) seek(end_ns_);
}

void TimelineWidget::seek(std::int64_t t_ns) {
  now_ns_ = std::clamp<std::int64_t>(t_ns, 0, end_ns_);
  {
    const QSignalBlocker block(slider_);
    slider_->setValue(static_cast<int>(now_ns_ / kSliderUnitNs));
  }
  show_time();
  emit time_changed(now_ns_);
}

void TimelineWidget::play() {
  if (playing_) return;
  if (now_ns_ >= end_ns_ && !growing_) now_ns_ = 0;  // from the start again, as a player does
  playing_ = true;
  play_->setIcon(style()->standardIcon(QStyle::SP_MediaPause));
  wall_.start();
  timer_.start();
}

void TimelineWidget::pause() {
  playing_ = false;
  play_->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
  timer_.stop();
}

void TimelineWidget::toggle_play() { playing_ ? pause() : play(); }

void TimelineWidget::step_back() {
  pause();
  follow_ = false;
  seek(previous_ ? previous_(now_ns_) : now_ns_ - 1'000'000'000);
}

void TimelineWidget::step_forward() {
  pause();
  follow_ = false;
  seek(next_ ? next_(now_ns_) : now_ns_ + 1'000'000'000);
}

void TimelineWidget::to_start() {
  follow_ = false;
  seek(0);
}

void TimelineWidget::to_end() {
  follow_ = growing_;
  seek(end_ns_);
}

void TimelineWidget::faster() { set_speed_index(speed_index_ + 1); }
void TimelineWidget::slower() { set_speed_index(speed_index_ - 1); }

void TimelineWidget::set_speed_index(int index) {
  speed_index_ = std::clamp(index, 0, static_cast<int>(std::size(kSpeeds)) - 1);
  const QSignalBlocker block(speed_box_);
  speed_box_->setCurrentIndex(speed_index_);
  show_time();
}

void TimelineWidget::tick() {
  const std::int64_t wall_ns = wall_.nsecsElapsed();
  wall_.restart();
  const auto step = static_cast<std::int64_t>(static_cast<double>(wall_ns) * speed());
  const std::int64_t next = now_ns_ + step;
  if (next >= end_ns_) {  // caught up: a growing run is followed from here
    follow_ = growing_;
    seek(end_ns_);
    pause();
    return;
  }
  seek(next);
}

void TimelineWidget::show_time() {
  time_->setText(QStringLiteral("%1 / %2").arg(format_time(now_ns_), format_time(end_ns_)));
}

}  // namespace tandem::view
