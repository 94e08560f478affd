#include "gui/models/event_log_model.hpp"

#include <QBrush>

#include "gui/scene/palette.hpp"

namespace tandem::view {

EventLogModel::EventLogModel(const StateHistory& history, QObject* parent)
    : QAbstractTableModel(parent), history_(history), rows_(static_cast<int>(history.log().size())) {
  connect(&history, &StateHistory::grew, this, &EventLogModel::on_grew);
  connect(&history, &StateHistory::was_reset, this, &EventLogModel::on_reset);
}

void EventLogModel::on_grew() {
  const int now = static_cast<int>(history_.log().size());
  if (now <= rows_) return;
  beginInsertRows({}, rows_, now - 1);
  rows_ = now;
  endInsertRows();
}

void EventLogModel::on_reset() {
  beginResetModel();
  rows_ = static_cast<int>(history_.log().size());
  cursor_row_ = -1;
  endResetModel();
}

int EventLogModel::set_cursor(std::int64_t t_ns) {
  const int row = std::min(history_.log_row_at(t_ns), rows_ - 1);
  if (row != cursor_row_ && rows_ > 0) {
    const int first = std::max(0, std::min(row, cursor_row_));
    const int last = std::min(rows_ - 1, std::max(row, cursor_row_) + 1);
    cursor_row_ = row;
    emit dataChanged(index(first, 0), index(last, ColumnCount - 1), {Qt::ForegroundRole});
  }
  cursor_row_ = row;
  return row;
}

int EventLogModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : rows_; }

int EventLogModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant EventLogModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const LogEntry& e = history_.log()[static_cast<std::size_t>(index.row())];
  if (role == Qt::ForegroundRole) return index.row() > cursor_row_ ? QBrush(palette::kUnknown) : QVariant();
  if (role != Qt::DisplayRole) return {};
  const QStringList& hosts = history_.hosts();
  switch (index.column()) {
    case Time: return format_time(e.t_ns);
    case Peer: {
      const QString host = hosts.value(e.host);
      return e.peer >= 0 ? QStringLiteral("%1 / %2").arg(host, hosts.value(e.peer)) : host;
    }
    case Event: return e.kind;
    case Detail: return e.text;
    default: return {};
  }
}

QVariant EventLogModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return QAbstractTableModel::headerData(section, orientation, role);
  static const char* const kNames[] = {"Time", "Peer", "Event", "Detail"};
  static_assert(std::size(kNames) == ColumnCount);
  return section >= 0 && section < ColumnCount ? QString::fromLatin1(kNames[section]) : QVariant();
}

}  // namespace tandem::view
