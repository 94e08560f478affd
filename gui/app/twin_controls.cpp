#include "gui/app/twin_controls.hpp"

#include <QComboBox>
#include <QGridLayout>
#include <QLabel>
#include <QPushButton>

#include "gui/sources/twin_source.hpp"

namespace tandem::view {
namespace {

constexpr double kTwinSpeeds[] = {1, 5, 20, 60, 300};

}  // namespace

TwinControls::TwinControls(TwinSource& twin, QWidget* parent) : QWidget(parent), twin_(twin) {
  auto* grid = new QGridLayout(this);
  host_ = new QComboBox(this);
  other_ = new QComboBox(this);
  for (int n = 1; n <= twin.peer_count(); ++n) {
    host_->addItem(twin.peer_name(n), n);
    other_->addItem(twin.peer_name(n), n);
  }
  if (twin.peer_count() > 1) other_->setCurrentIndex(1);
  run_ = new QPushButton(tr("Stop"), this);
  auto* speed = new QComboBox(this);
  for (double s : kTwinSpeeds) speed->addItem(tr("%1 s per second").arg(s), s);
  said_ = new QLabel(this);
  said_->setWordWrap(true);

  const auto make = [this](const QString& text, auto action) {
    auto* b = new QPushButton(text, this);
    b->setFocusPolicy(Qt::NoFocus);
    connect(b, &QPushButton::clicked, this, [this, action] { said(action()); });
    return b;
  };
  int row = 0;
  grid->addWidget(new QLabel(tr("Twin"), this), row, 0);
  grid->addWidget(run_, row, 1);
  grid->addWidget(speed, row++, 2);
  grid->addWidget(new QLabel(tr("Peer"), this), row, 0);
  grid->addWidget(host_, row++, 1, 1, 2);
  grid->addWidget(make(tr("Kill"), [this] { return twin_.kill(first()); }), row, 0);
  grid->addWidget(make(tr("Restart"), [this] { return twin_.restart(first()); }), row, 1);
  grid->addWidget(make(tr("Skew clock +60 s"), [this] { return twin_.skew(first(), std::chrono::seconds(60)); }), row++, 2);
  grid->addWidget(make(tr("Pause"), [this] { return twin_.pause(first()); }), row, 0);
  grid->addWidget(make(tr("Resume"), [this] { return twin_.resume(first()); }), row, 1);
  grid->addWidget(make(tr("+5 calls"), [this] { return twin_.add_calls(first(), 5); }), row++, 2);
  grid->addWidget(make(tr("Maintenance on"), [this] { return twin_.set_maintenance(first(), true); }), row, 0);
  grid->addWidget(make(tr("Maintenance off"), [this] { return twin_.set_maintenance(first(), false); }), row++, 1);
  grid->addWidget(new QLabel(tr("and"), this), row, 0);
  grid->addWidget(other_, row++, 1, 1, 2);
  grid->addWidget(make(tr("Partition"), [this] { return twin_.partition(first(), second()); }), row, 0);
  grid->addWidget(make(tr("Heal"), [this] { return twin_.heal(first(), second()); }), row, 1);
  grid->addWidget(make(tr("Heal all"), [this] { return twin_.heal_all(); }), row++, 2);
  grid->addWidget(said_, row++, 0, 1, 3);
  grid->setRowStretch(row, 1);

  connect(run_, &QPushButton::clicked, this, [this] {
    twin_.set_running(!twin_.running());
    run_->setText(twin_.running() ? tr("Stop") : tr("Run"));
  });
  connect(speed, &QComboBox::currentIndexChanged, this,
          [this, speed](int) { twin_.set_speed(speed->currentData().toDouble()); });
  connect(&twin_, &TwinSource::failed, this, [this](const QString& message) {
    said(message);
    run_->setText(tr("Run"));
  });
}

int TwinControls::first() const { return host_->currentData().toInt(); }
int TwinControls::second() const { return other_->currentData().toInt(); }
void TwinControls::said(const QString& what) { said_->setText(what); }

}  // namespace tandem::view
