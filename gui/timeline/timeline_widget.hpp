#pragma once
// The timeline, as NetAnim has it for packet traces: play, pause, step to the
// previous or next event, speed, and a slider to scrub to any moment.
// Keyboard: Space play/pause, Left/Right previous/next event, Home/End start
// and end, + and - speed up and down. With `follow` on (a twin run or a live
// cluster) the cursor stays at the newest moment until the user moves it.

#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>
#include <functional>

class QComboBox;
class QLabel;
class QSlider;
class QToolButton;

namespace tandem::view {

class TimelineWidget : public QWidget {
  Q_OBJECT

 public:
  static constexpr double kSpeeds[] = {0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600};

  explicit TimelineWidget(QWidget* parent = nullptr);

  // Where Left/Right go from a moment (the previous and next event).
  void set_event_steps(std::function<std::int64_t(std::int64_t)> previous,
                       std::function<std::int64_t(std::int64_t)> next);
  // The run so far: [0, end_ns]. Follows the end when following.
  void set_end(std::int64_t end_ns);
  // A run that grows (a twin run, a live cluster): the cursor follows its end
  // until moved back, and End follows again.
  void set_growing(bool growing);

  std::int64_t now_ns() const { return now_ns_; }
  std::int64_t end_ns() const { return end_ns_; }
  double speed() const { return kSpeeds[speed_index_]; }
  bool playing() const { return playing_; }
  bool following() const { return follow_; }

 public slots:
  void seek(std::int64_t t_ns);
  void play();
  void pause();
  void toggle_play();
  void step_back();
  void step_forward();
  void to_start();
  void to_end();
  void faster();
  void slower();

 signals:
  void time_changed(std::int64_t t_ns);

 private:
  void tick();
  void show_time();
  void set_speed_index(int index);

  std::function<std::int64_t(std::int64_t)> previous_, next_;
  std::int64_t now_ns_ = 0;
  std::int64_t end_ns_ = 0;
  int speed_index_ = 2;  // 1x
  bool playing_ = false;
  bool follow_ = false;
  bool growing_ = false;
  QTimer timer_;
  QElapsedTimer wall_;
  QToolButton* play_ = nullptr;
  QSlider* slider_ = nullptr;
  QLabel* time_ = nullptr;
  QComboBox* speed_box_ = nullptr;
};

}  // namespace tandem::view
