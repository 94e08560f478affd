#include "gui/models/alarm_table_model.hpp"

#include <QBrush>

#include "gui/scene/palette.hpp"
#include "runtime/cluster/alarms.hpp"

namespace tandem::view {

QString alarm_severity(int id) {
  for (const cluster::AlarmSpec& spec : cluster::alarm_catalogue()) {
    if (static_cast<int>(spec.id) != id) continue;
    switch (spec.severity) {
      case cluster::Severity::Warning: return QStringLiteral("Warning");
      case cluster::Severity::Error: return QStringLiteral("Error");
      case cluster::Severity::Critical: return QStringLiteral("Critical");
    }
  }
  return {};
}

void AlarmTableModel::set_state(const ClusterState& state) {
  std::vector<Row> rows;
  for (int host : state.shown_hosts()) {
    for (const auto& [id, alarm] : state.peers[static_cast<std::size_t>(host)].alarms) {
      rows.push_back(Row{state.hosts.value(host), alarm});
    }
  }
  if (rows == rows_) return;
  if (rows.size() == rows_.size()) {
    rows_ = std::move(rows);
    emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
    return;
  }
  beginResetModel();
  rows_ = std::move(rows);
  endResetModel();
}

int AlarmTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int AlarmTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant AlarmTableModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const Row& row = rows_[static_cast<std::size_t>(index.row())];
  if (role == Qt::ForegroundRole && index.column() == Severity) {
    const QString severity = alarm_severity(row.alarm.id);
    return QBrush(severity == QStringLiteral("Warning") ? palette::kWarning : palette::kFailed);
  }
  if (role != Qt::DisplayRole) return {};
  switch (index.column()) {
    case Peer: return row.peer;
    case Id: return row.alarm.id;
    case Severity: return alarm_severity(row.alarm.id);
    case Alarm: return row.alarm.text;
    case Raised: return format_time(row.alarm.raised_ns);
    case Acknowledged: return row.alarm.acknowledged ? QStringLiteral("Yes") : QStringLiteral("No");
    default: return {};
  }
}

QVariant AlarmTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return QAbstractTableModel::headerData(section, orientation, role);
  static const char* const kNames[] = {"Peer", "ID", "Severity", "Alarm", "Raised", "Acknowledged"};
  static_assert(std::size(kNames) == ColumnCount);
  return section >= 0 && section < ColumnCount ? QString::fromLatin1(kNames[section]) : QVariant();
}

}  // namespace tandem::view
