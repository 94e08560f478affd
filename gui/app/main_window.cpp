#include "gui/app/main_window.hpp"

#include <QApplication>
#include <QCheckBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QFileDialog>
#include <QFormLayout>
#include <QGraphicsView>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QSpinBox>
#include <QStatusBar>
#include <QTableView>
#include <QVBoxLayout>

#include "gui/app/twin_controls.hpp"
#include "gui/timeline/timeline_widget.hpp"

namespace tandem::view {
namespace {

// The whole scene, scaled to the view whatever the window's size.
class FittedView : public QGraphicsView {
 public:
  using QGraphicsView::QGraphicsView;

 protected:
  void resizeEvent(QResizeEvent* event) override {
    QGraphicsView::resizeEvent(event);
    fitInView(sceneRect(), Qt::KeepAspectRatio);
  }
};

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("tandem-view"));
  resize(1400, 900);
  auto* centre = new QWidget(this);
  auto* column = new QVBoxLayout(centre);
  column->setContentsMargins(0, 0, 0, 0);
  canvas_ = new FittedView(&view_.scene(), centre);
  canvas_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  canvas_->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  canvas_->setRenderHint(QPainter::Antialiasing);
  canvas_->setFocusPolicy(Qt::NoFocus);
  timeline_ = new TimelineWidget(centre);
  column->addWidget(canvas_, 1);
  column->addWidget(timeline_);
  setCentralWidget(centre);

  QTableView* peers = add_table(tr("Peers and replication"), view_.peers(), Qt::BottomDockWidgetArea);
  QTableView* alarms = add_table(tr("Alarms"), view_.alarms(), Qt::BottomDockWidgetArea);
  events_table_ = add_table(tr("Event log"), view_.events(), Qt::RightDockWidgetArea);
  // Peers and alarms are few rows: fit their columns. The log may hold thousands.
  for (QTableView* few : {peers, alarms}) few->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  for (auto [column, width] : {std::pair{0, 100}, {1, 110}, {2, 130}}) events_table_->setColumnWidth(column, width);
  resizeDocks({static_cast<QDockWidget*>(events_table_->parentWidget())}, {560}, Qt::Horizontal);
  resizeDocks({static_cast<QDockWidget*>(peers->parentWidget())}, {230}, Qt::Vertical);
  resizeDocks({static_cast<QDockWidget*>(peers->parentWidget()), static_cast<QDockWidget*>(alarms->parentWidget())},
              {900, 500}, Qt::Horizontal);
  source_label_ = new QLabel(tr("no cluster open"), this);
  statusBar()->addPermanentWidget(source_label_);
  build_menus();

  StateHistory& history = view_.history();
  timeline_->set_event_steps([&history](std::int64_t t) { return history.previous_event(t); },
                             [&history](std::int64_t t) { return history.next_event(t); });
  connect(timeline_, &TimelineWidget::time_changed, &view_, &ClusterView::show_at);
  connect(&history, &StateHistory::grew, this, [this] { timeline_->set_end(view_.history().end_ns()); });
  connect(&view_, &ClusterView::shown_at, this, [this](std::int64_t, int row) {
    if (row >= 0) events_table_->scrollTo(view_.events().index(row, 0), QAbstractItemView::PositionAtCenter);
  });
  connect(&view_.scene(), &TopologyScene::peer_clicked, this,
          [this](int host) { say(tr("%1 selected").arg(view_.history().hosts().value(host))); });
  view_.show_at(0);
}

MainWindow::~MainWindow() { drop_source(); }

QTableView* MainWindow::add_table(const QString& title, QAbstractItemModel& model, Qt::DockWidgetArea area) {
  auto* dock = new QDockWidget(title, this);
  dock->setObjectName(title);
  auto* table = new QTableView(dock);
  table->setModel(&model);
  table->setFocusPolicy(Qt::NoFocus);  // the arrow keys belong to the timeline
  table->setSelectionBehavior(QAbstractItemView::SelectRows);
  table->verticalHeader()->hide();
  table->horizontalHeader()->setStretchLastSection(true);
  table->verticalHeader()->setDefaultSectionSize(22);
  dock->setWidget(table);
  addDockWidget(area, dock);
  return table;
}

void MainWindow::build_menus() {
  QMenu* file = menuBar()->addMenu(tr("&Cluster"));
  file->addAction(tr("Open &trace…"), QKeySequence::Open, this, &MainWindow::ask_trace);
  file->addAction(tr("Run a t&win…"), QKeySequence(tr("Ctrl+T")), this, &MainWindow::ask_twin);
  file->addAction(tr("Connect to a &live cluster…"), QKeySequence(tr("Ctrl+L")), this, &MainWindow::ask_live);
  file->addSeparator();
  file->addAction(tr("&Export picture…"), QKeySequence(tr("Ctrl+E")), this, &MainWindow::export_png);
  file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::quit);
  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&Keys"), this, [this] {
    QMessageBox::information(this, tr("Keys"),
                             tr("Space  play / pause\nLeft / Right  previous / next event\n"
                                "Home / End  start / end (End follows a running twin or live cluster)\n"
                                "+ / -  faster / slower"));
  });
}

void MainWindow::drop_source() {
  if (twin_dock_) {
    removeDockWidget(twin_dock_);
    delete twin_dock_;
    twin_dock_ = nullptr;
  }
  twin_.reset();
  live_.reset();
}

Status MainWindow::open_trace(const QString& path) {
  TraceReadResult read = read_trace(path, kind_matters);
  if (!read.trace) return make_error(read.error.toStdString());
  drop_source();
  view_.history().reset(read.trace->hosts);
  view_.history().append(read.trace->events);
  timeline_->set_growing(false);
  timeline_->set_end(view_.history().end_ns());
  timeline_->seek(0);
  source_label_->setText(tr("trace %1: %2 records, %3 hosts").arg(path).arg(read.trace->records).arg(read.trace->hosts.size()));
  return {};
}

Status MainWindow::run_twin(const TwinScenario& scenario) {
  drop_source();
  QApplication::setOverrideCursor(Qt::WaitCursor);
  auto twin = TwinSource::start(scenario, view_.history());
  QApplication::restoreOverrideCursor();
  if (!twin) return twin.error();
  twin_ = std::move(*twin);
  twin_dock_ = new QDockWidget(tr("Twin"), this);
  twin_dock_->setObjectName(QStringLiteral("Twin"));
  twin_dock_->setWidget(new TwinControls(*twin_, twin_dock_));
  addDockWidget(Qt::LeftDockWidgetArea, twin_dock_);
  timeline_->set_growing(true);
  timeline_->set_end(view_.history().end_ns());
  twin_->set_running(true);
  source_label_->setText(scenario.endpoints > 0
                             ? tr("twin: %1 peers, %2 endpoints, seed %3").arg(scenario.peers).arg(scenario.endpoints).arg(scenario.seed)
                             : tr("twin: %1 peers, seed %2").arg(scenario.peers).arg(scenario.seed));
  return {};
}

Status MainWindow::connect_live(const LiveOptions& options) {
  drop_source();
  auto live = LiveSource::connect_to(options, view_.history());
  if (!live) return live.error();
  live_ = std::move(*live);
  connect(live_.get(), &LiveSource::failed, this, [this](const QString& message) { say(message); });
  timeline_->set_growing(true);
  timeline_->set_end(view_.history().end_ns());
  source_label_->setText(live_->describe());
  return {};
}

void MainWindow::ask_trace() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open a twin trace"), {}, tr("Twin traces (*.jsonl);;All files (*)"));
  if (path.isEmpty()) return;
  if (auto ok = open_trace(path); !ok) QMessageBox::warning(this, tr("Trace"), QString::fromStdString(ok.error().message));
}

void MainWindow::ask_twin() {
  QDialog dialog(this);
  dialog.setWindowTitle(tr("Run a twin"));
  auto* form = new QFormLayout(&dialog);
  auto* peers = new QSpinBox(&dialog);
  peers->setRange(1, 6);
  peers->setValue(3);
  auto* seed = new QSpinBox(&dialog);
  seed->setRange(1, 1'000'000);
  auto* endpoints = new QSpinBox(&dialog);
  endpoints->setRange(0, kMaxTwinEndpoints);
  endpoints->setToolTip(tr("SIP (DNS SRV and outbound) and H.323 endpoints registering with the peers"));
  form->addRow(tr("Peers"), peers);
  form->addRow(tr("Seed"), seed);
  form->addRow(tr("Endpoints"), endpoints);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
  form->addRow(buttons);
  connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  if (dialog.exec() != QDialog::Accepted) return;
  if (auto ok = run_twin({peers->value(), static_cast<std::uint64_t>(seed->value()), endpoints->value()}); !ok) {
    QMessageBox::warning(this, tr("Twin"), QString::fromStdString(ok.error().message));
  }
}

void MainWindow::ask_live() {
  QDialog dialog(this);
  dialog.setWindowTitle(tr("Connect to a live cluster"));
  auto* form = new QFormLayout(&dialog);
  auto* address = new QLineEdit(&dialog);
  address->setPlaceholderText(QStringLiteral("10.0.0.1:8443"));
  auto* user = new QLineEdit(QStringLiteral("admin"), &dialog);
  auto* password = new QLineEdit(&dialog);
  password->setEchoMode(QLineEdit::Password);
  auto* ca = new QLineEdit(&dialog);
  ca->setPlaceholderText(tr("PEM file with the peers' certificates or their CA"));
  auto* insecure = new QCheckBox(tr("Do not check certificates (insecure)"), &dialog);
  form->addRow(tr("Peer admin API"), address);
  form->addRow(tr("User"), user);
  form->addRow(tr("Password"), password);
  form->addRow(tr("CA file"), ca);
  form->addRow(insecure);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
  form->addRow(buttons);
  connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  if (dialog.exec() != QDialog::Accepted) return;
  LiveOptions options;
  options.address = address->text().trimmed();
  options.user = user->text();
  options.password = password->text();
  options.ca_file = ca->text().trimmed();
  options.insecure = insecure->isChecked();
  if (auto ok = connect_live(options); !ok) {
    QMessageBox::warning(this, tr("Live cluster"), QString::fromStdString(ok.error().message));
  }
}

void MainWindow::export_png() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export picture"), QStringLiteral("cluster.png"), tr("PNG (*.png)"));
  if (path.isEmpty()) return;
  if (!view_.render(QSize(1600, 1200)).save(path)) QMessageBox::warning(this, tr("Export"), tr("cannot write %1").arg(path));
}

void MainWindow::say(const QString& text) { statusBar()->showMessage(text, 8000); }

}  // namespace tandem::view
