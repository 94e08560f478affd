#include "gui/trace/trace_event_model.hpp"

#include <algorithm>

namespace tandem::view {

void TraceEventModel::set_trace(TraceFile trace) {
  beginResetModel();
  trace_ = std::move(trace);
  endResetModel();
}

int TraceEventModel::row_at_time(std::int64_t t_ns) const {
  const auto& events = trace_.events;
  auto it = std::upper_bound(events.begin(), events.end(), t_ns,
                             [](std::int64_t t, const TraceEvent& e) { return t < e.t_ns; });
  return static_cast<int>(it - events.begin()) - 1;
}

int TraceEventModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(trace_.events.size());
}

int TraceEventModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QString TraceEventModel::host_name(int index) const {
  return index >= 0 && index < trace_.hosts.size() ? trace_.hosts.at(index) : QString();
}

QVariant TraceEventModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const TraceEvent& e = trace_.events.at(index.row());
  if (role == Qt::TextAlignmentRole) {
    return index.column() == Time || index.column() == Size ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
  }
  if (role != Qt::DisplayRole) return {};
  switch (index.column()) {
    case Time: return QString::number(static_cast<double>(e.t_ns) / 1e9, 'f', 6);
    case Host: return host_name(e.host);
    case Kind: return e.kind;
    case Peer: return host_name(e.peer);
    case Size: return e.size ? QVariant(static_cast<qlonglong>(e.size)) : QVariant();
    case Detail: return e.detail;
    default: return {};
  }
}

QVariant TraceEventModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return QAbstractTableModel::headerData(section, orientation, role);
  switch (section) {
    case Time: return QStringLiteral("Time (s)");
    case Host: return QStringLiteral("Host");
    case Kind: return QStringLiteral("Event");
    case Peer: return QStringLiteral("Peer");
    case Size: return QStringLiteral("Bytes");
    case Detail: return QStringLiteral("Detail");
    default: return {};
  }
}

}  // namespace tandem::view
