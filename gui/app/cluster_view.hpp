#pragma once
// What the window shows, without the window: the history of a run, the state
// at the shown moment, the topology scene and the three table models kept in
// step with it. MainWindow wires widgets to it; tests and bench_view drive it
// directly.

#include <QObject>

#include "gui/models/alarm_table_model.hpp"
#include "gui/models/event_log_model.hpp"
#include "gui/models/peer_table_model.hpp"
#include "gui/scene/topology_scene.hpp"
#include "gui/state/state_history.hpp"

class QImage;

namespace tandem::view {

class ClusterView : public QObject {
  Q_OBJECT

 public:
  explicit ClusterView(QObject* parent = nullptr);

  StateHistory& history() { return history_; }
  TopologyScene& scene() { return scene_; }
  PeerTableModel& peers() { return peers_; }
  AlarmTableModel& alarms() { return alarms_; }
  EventLogModel& events() { return events_; }

  // Shows the cluster at t_ns: the scene and every model move there.
  void show_at(std::int64_t t_ns);
  const ClusterState& shown() const { return shown_; }
  // The scene drawn into an image of `size` pixels (the whole scene, scaled).
  QImage render(QSize size);

 signals:
  void shown_at(std::int64_t t_ns, int event_row);

 private:
  StateHistory history_;
  TopologyScene scene_;
  PeerTableModel peers_;
  AlarmTableModel alarms_;
  EventLogModel events_;
  ClusterState shown_;
};

}  // namespace tandem::view
