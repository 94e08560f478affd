#include "gui/sources/live_status_diff.hpp"

#include <QCryptographicHash>

namespace tandem::view {
namespace {

TraceEvent record(std::int64_t t_ns, int host, const char* kind, const QString& detail) {
  return TraceEvent{t_ns, QString::fromLatin1(kind), host, -1, 0, detail};
}

// A digest of the clustering settings as the status shows them: equal on two
// peers exactly when their name, primary, IP version, TLS mode and list agree.
QString settings_digest(const QJsonObject& cluster) {
  QStringList fields = {cluster.value(u"Name").toString(),
                        QString::number(cluster.value(u"ConfigurationPrimary").toInt()),
                        cluster.value(u"IpVersion").toString(), cluster.value(u"TlsVerificationMode").toString()};
  for (const QJsonValue& p : cluster.value(u"Peers").toArray()) {
    fields << QStringLiteral("%1=%2").arg(p[u"Slot"].toInt()).arg(p[u"Address"].toString());
  }
  return QString::fromLatin1(
      QCryptographicHash::hash(fields.join(u'|').toUtf8(), QCryptographicHash::Sha256).toHex().left(16));
}

QString status_line(const QJsonObject& status) {
  const QJsonObject unit = status.value(u"SystemUnit").toObject();
  const QJsonObject cluster = status.value(u"Cluster").toObject();
  const bool clustered = cluster.value(u"Clustered").toBool();
  return QStringLiteral("slot %1 primary %2 peers %3 software %4 maintenance %5 settings %6")
      .arg(cluster.value(u"ThisSystem").toInt(0))
      .arg(clustered ? cluster.value(u"ConfigurationPrimary").toInt() : 0)
      .arg(cluster.value(u"Peers").toArray().size())
      .arg(unit.value(u"Software").toObject().value(u"Version").toString())
      .arg(unit.value(u"MaintenanceMode").toString() == u"On" ? u"on" : u"off")
      .arg(settings_digest(cluster));
}

QString usage_line(int slot, const QJsonObject& usage) {
  if (usage.value(u"Registrations").isNull()) return {};
  return QStringLiteral("peer %1: %2 registrations, %3 traversal, %4 non-traversal, %5 TURN, %6 pipes in use")
      .arg(slot)
      .arg(usage.value(u"Registrations").toInteger())
      .arg(usage.value(u"TraversalCalls").toInteger())
      .arg(usage.value(u"NonTraversalCalls").toInteger())
      .arg(usage.value(u"TurnRelays").toInteger())
      .arg(usage.value(u"BandwidthKbps").toArray().size());
}

}  // namespace

QStringList LiveStatusDiff::peer_addresses(const QJsonObject& status) {
  QStringList out;
  for (const QJsonValue& p : status.value(u"Cluster").toObject().value(u"Peers").toArray()) {
    const QString address = p[u"Address"].toString();
    if (!address.isEmpty()) out << address;
  }
  return out;
}

QVector<TraceEvent> LiveStatusDiff::answer(std::int64_t t, int host, const QJsonObject& status,
                                           const QJsonArray& alarms) {
  Known& k = known_[host];
  QVector<TraceEvent> out;
  if (!k.reachable) out << record(t, host, "live.reachable", QStringLiteral("admin API answers"));
  k.reachable = true;
  k.answered = true;
  const QString line = status_line(status);
  if (line != k.status) out << record(t, host, "peer.status", line);
  k.status = line;
  const QJsonObject cluster = status.value(u"Cluster").toObject();
  const QString database = QStringLiteral("%1 revision %2")
                               .arg(cluster.value(u"DatabaseStatus").toString(QStringLiteral("Inactive")))
                               .arg(cluster.value(u"AppliedRevision").toInteger(-1));
  if (database != k.database) out << record(t, host, "cluster.database", database);
  k.database = database;
  for (const QJsonValue& p : cluster.value(u"Peers").toArray()) {
    const int slot = p[u"Slot"].toInt();
    const QString state = p[u"State"].toString();
    if (state != u"This system" && k.peers[slot] != state) {
      out << record(t, host, "cluster.peer", QStringLiteral("peer %1 %2").arg(slot).arg(state));
    }
    k.peers[slot] = state;
    const QString usage = usage_line(slot, p[u"ResourceUsage"].toObject());
    if (!usage.isEmpty() && usage != k.usage[slot]) out << record(t, host, "cluster.usage", usage);
    k.usage[slot] = usage;
  }
  std::map<int, std::pair<QString, bool>> now;
  for (const QJsonValue& a : alarms) {
    const int id = a[u"id"].toInt();
    const QString detail = a[u"detail"].toString();
    QString text = QStringLiteral("%1 %2").arg(id).arg(a[u"text"].toString());
    if (!detail.isEmpty()) text += QStringLiteral(" (%1)").arg(detail);
    now[id] = {text, a[u"acknowledged"].toBool()};
  }
  for (const auto& [id, before] : k.alarms) {
    if (!now.count(id)) out << record(t, host, "alarm.cleared", before.first);
  }
  for (const auto& [id, alarm] : now) {
    auto before = k.alarms.find(id);
    if (before == k.alarms.end()) out << record(t, host, "alarm.raised", alarm.first);
    if (alarm.second && (before == k.alarms.end() || !before->second.second)) {
      out << record(t, host, "alarm.acknowledged", alarm.first);
    }
  }
  k.alarms = std::move(now);
  return out;
}

QVector<TraceEvent> LiveStatusDiff::unreachable(std::int64_t t, int host, const QString& why) {
  Known& k = known_[host];
  QVector<TraceEvent> out;
  if (k.reachable || !k.answered) out << record(t, host, "live.unreachable", why);
  // What it said before no longer holds: it is told again when it answers.
  const qint64 last_event = k.last_event_id;
  k = Known{};
  k.answered = true;
  k.last_event_id = last_event;
  return out;
}

QVector<TraceEvent> LiveStatusDiff::events(std::int64_t t, int host, const QJsonArray& events) {
  Known& k = known_[host];
  QVector<TraceEvent> out;
  qint64 newest = k.last_event_id;
  // The API answers newest first; the log wants them oldest first.
  for (auto it = events.end(); it != events.begin();) {
    const QJsonValue e = *--it;
    const qint64 id = e[u"id"].toInteger();
    if (id <= k.last_event_id) continue;
    newest = std::max(newest, id);
    out << record(t, host, "peer.event",
                  QStringLiteral("%1 %2 (%3)").arg(e[u"kind"].toString(), e[u"detail"].toString(), e[u"at"].toString()));
  }
  k.last_event_id = newest;
  return out;
}

}  // namespace tandem::view
