#pragma once
// The event log of a run: every record that changed something (StateHistory's
// log), growing as a twin or live source appends. Rows after the shown moment
// are greyed: what has not happened yet.

#include <QAbstractTableModel>

#include "gui/state/state_history.hpp"

namespace tandem::view {

class EventLogModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { Time, Peer, Event, Detail, ColumnCount };

  explicit EventLogModel(const StateHistory& history, QObject* parent = nullptr);

  // The shown moment; the last row at or before it (-1 if none).
  int set_cursor(std::int64_t t_ns);
  int cursor_row() const { return cursor_row_; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 private:
  void on_grew();
  void on_reset();

  const StateHistory& history_;
  int rows_ = 0;  // entries shown; the history may have more until grew() is handled
  int cursor_row_ = -1;
};

}  // namespace tandem::view
