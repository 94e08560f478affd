#pragma once
// The events of a trace as a table: time, host, kind, peer, size, detail.

#include <QAbstractTableModel>

#include "gui/trace/trace_file.hpp"

namespace tandem::view {

class TraceEventModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { Time, Host, Kind, Peer, Size, Detail, ColumnCount };

  explicit TraceEventModel(QObject* parent = nullptr) : QAbstractTableModel(parent) {}

  void set_trace(TraceFile trace);
  const TraceFile& trace() const { return trace_; }
  // The row of the last event at or before t_ns (-1 if none): where a timeline
  // cursor at t_ns stands.
  int row_at_time(std::int64_t t_ns) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 private:
  QString host_name(int index) const;
  TraceFile trace_;
};

}  // namespace tandem::view
