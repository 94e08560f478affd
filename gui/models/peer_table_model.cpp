#include "gui/models/peer_table_model.hpp"

#include <QBrush>
#include <QColor>

#include "gui/scene/palette.hpp"

namespace tandem::view {

void PeerTableModel::set_state(const ClusterState& state) {
  std::vector<int> hosts = state.shown_hosts();
  const bool same_rows = hosts == hosts_ && state.hosts == state_.hosts;
  if (!same_rows) beginResetModel();
  state_ = state;
  hosts_ = std::move(hosts);
  if (!same_rows) {
    endResetModel();
  } else if (!hosts_.empty()) {
    emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
  }
}

int PeerTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(hosts_.size());
}

int PeerTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QString PeerTableModel::last_contact(int host) const {
  const PeerState& p = state_.peers[static_cast<std::size_t>(host)];
  if (p.slot == 0) return QStringLiteral("—");
  for (const PeerState& other : state_.peers) {
    if (&other != &p && other.up && other.sees[static_cast<std::size_t>(p.slot)] == Seen::Active) {
      return QStringLiteral("now");
    }
  }
  return p.lost_ns >= 0 ? QStringLiteral("lost at %1").arg(format_time(p.lost_ns)) : QStringLiteral("never");
}

QVariant PeerTableModel::text(int host, int column) const {
  const PeerState& p = state_.peers[static_cast<std::size_t>(host)];
  const auto count = [](std::int64_t n) { return n < 0 ? QVariant(QStringLiteral("?")) : QVariant(qlonglong(n)); };
  switch (column) {
    case Peer: return state_.hosts.value(host);
    case Slot: return p.slot > 0 ? QStringLiteral("Peer %1").arg(p.slot) : QStringLiteral("—");
    case Role:
      if (p.slot == 0) return QStringLiteral("Stand-alone");
      return p.is_primary() ? QStringLiteral("Primary") : QStringLiteral("Subordinate");
    case State:
      if (!p.booted) return QStringLiteral("Not started");
      if (!p.up) return QStringLiteral("Down");
      return p.paused ? QStringLiteral("Paused") : QStringLiteral("Up");
    case Software: return p.software;
    case Maintenance: return p.maintenance ? QStringLiteral("On") : QStringLiteral("Off");
    case Database: return p.database.isEmpty() ? QStringLiteral("—") : p.database;
    case Revision: return p.revision < 0 ? QVariant(QStringLiteral("—")) : QVariant(qlonglong(p.revision));
    case Lag: {
      const std::int64_t lag = state_.lag(host);
      return lag < 0 ? QVariant(QStringLiteral("—")) : QVariant(qlonglong(lag));
    }
    case Settings:
      if (p.slot == 0) return QStringLiteral("—");
      return state_.settings_match(host) ? QStringLiteral("Match") : QStringLiteral("Mismatch");
    case LastContact: return last_contact(host);
    case Registrations: return count(p.registrations);
    case Calls: return count(p.calls);
    case Endpoints: return state_.endpoints_at(host);
    case Alarms: return static_cast<int>(p.alarms.size());
    default: return {};
  }
}

QVariant PeerTableModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const int host = hosts_[static_cast<std::size_t>(index.row())];
  const PeerState& p = state_.peers[static_cast<std::size_t>(host)];
  switch (role) {
    case Qt::DisplayRole: return text(host, index.column());
    case Qt::ForegroundRole:
      if (index.column() == State && !p.up) return QBrush(palette::kDeadText);
      if (index.column() == Settings && p.slot > 0 && !state_.settings_match(host)) return QBrush(palette::kFailed);
      if (index.column() == Database && p.database == QStringLiteral("Failed")) return QBrush(palette::kFailed);
      if (index.column() == Alarms && !p.alarms.empty()) return QBrush(palette::kFailed);
      return {};
    case Qt::TextAlignmentRole:
      return index.column() >= Revision && index.column() != Settings && index.column() != LastContact
                 ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                 : QVariant();
    default: return {};
  }
}

QVariant PeerTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return QAbstractTableModel::headerData(section, orientation, role);
  static const char* const kNames[] = {"Peer", "Slot", "Role", "State", "Software", "Maintenance", "Database",
                                       "Revision", "Lag", "Settings", "Last contact", "Registrations", "Calls",
                                       "Endpoints", "Alarms"};
  static_assert(std::size(kNames) == ColumnCount);
  return section >= 0 && section < ColumnCount ? QString::fromLatin1(kNames[section]) : QVariant();
}

}  // namespace tandem::view
