#pragma once
// The alarms up at the shown moment, on every peer, one row each.

#include <QAbstractTableModel>

#include "gui/state/cluster_state.hpp"

namespace tandem::view {

class AlarmTableModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { Peer, Id, Severity, Alarm, Raised, Acknowledged, ColumnCount };

  explicit AlarmTableModel(QObject* parent = nullptr) : QAbstractTableModel(parent) {}

  void set_state(const ClusterState& state);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 private:
  struct Row {
    QString peer;
    AlarmEntry alarm;
    bool operator==(const Row& o) const {
      return peer == o.peer && alarm.id == o.alarm.id && alarm.text == o.alarm.text &&
             alarm.raised_ns == o.alarm.raised_ns && alarm.acknowledged == o.alarm.acknowledged;
    }
  };
  std::vector<Row> rows_;
};

// The catalogue's severity of an alarm ID ("Warning", "Error", "Critical"), or "" when unknown.
QString alarm_severity(int id);

}  // namespace tandem::view
