#pragma once
// Peers and their replication status at the shown moment, one row per peer:
// System > Clustering as one table for the whole cluster.

#include <QAbstractTableModel>

#include "gui/state/cluster_state.hpp"

namespace tandem::view {

class PeerTableModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column {
    Peer, Slot, Role, State, Software, Maintenance, Database, Revision, Lag, Settings, LastContact,
    Registrations, Calls, Endpoints, Alarms, ColumnCount
  };

  explicit PeerTableModel(QObject* parent = nullptr) : QAbstractTableModel(parent) {}

  void set_state(const ClusterState& state);
  int host_at(int row) const { return hosts_.at(row); }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 private:
  QVariant text(int host, int column) const;
  QString last_contact(int host) const;

  ClusterState state_;
  std::vector<int> hosts_;  // row -> host index
};

}  // namespace tandem::view
