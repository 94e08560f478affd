#pragma once
// The in-app twin's controls: run or stop it, its speed, and the faults an
// operator rehearses (kill, restart, pause, partition, heal, clock skew,
// maintenance mode, registrations), each saying what it did.

#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;

namespace tandem::view {

class TwinSource;

class TwinControls : public QWidget {
  Q_OBJECT

 public:
  explicit TwinControls(TwinSource& twin, QWidget* parent = nullptr);

 private:
  int first() const;
  int second() const;
  void said(const QString& what);

  TwinSource& twin_;
  QComboBox* host_ = nullptr;
  QComboBox* other_ = nullptr;
  QPushButton* run_ = nullptr;
  QLabel* said_ = nullptr;
};

}  // namespace tandem::view
