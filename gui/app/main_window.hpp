#pragma once
// tandem-view's window: the topology in the middle, the timeline below, the
// peers, alarms and event log in docks, and the three ways to open a
// cluster. It only wires widgets to a ClusterView and a source.

#include <QMainWindow>
#include <memory>

#include "gui/app/cluster_view.hpp"
#include "gui/sources/live_source.hpp"
#include "gui/sources/twin_source.hpp"

class QDockWidget;
class QGraphicsView;
class QLabel;
class QTableView;

namespace tandem::view {

class TimelineWidget;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // The three sources; each replaces the one before. Errors name what was wrong.
  Status open_trace(const QString& path);
  Status run_twin(const TwinScenario& scenario);
  Status connect_live(const LiveOptions& options);

  ClusterView& view() { return view_; }
  TimelineWidget& timeline() { return *timeline_; }
  TwinSource* twin() { return twin_.get(); }

 private:
  void build_menus();
  QTableView* add_table(const QString& title, QAbstractItemModel& model, Qt::DockWidgetArea area);
  void drop_source();
  void ask_trace();
  void ask_twin();
  void ask_live();
  void export_png();
  void say(const QString& text);

  ClusterView view_;
  QGraphicsView* canvas_ = nullptr;
  TimelineWidget* timeline_ = nullptr;
  QTableView* events_table_ = nullptr;
  QDockWidget* twin_dock_ = nullptr;
  QLabel* source_label_ = nullptr;
  std::unique_ptr<TwinSource> twin_;
  std::unique_ptr<LiveSource> live_;
};

}  // namespace tandem::view
