#pragma once
// A live cluster seen through each peer's admin API, turned into the same
// records a twin trace holds (docs/trace-format.md), so one fold draws both.
// Each answer of GET /api/v1/watch (status and alarms) is compared with the
// peer's previous one; what changed becomes records: peer.status,
// cluster.database, cluster.peer, cluster.usage, alarm.*, and live.reachable
// / live.unreachable for the peer's API itself. Pure: no network here.

#include <QJsonArray>
#include <QJsonObject>
#include <QVector>
#include <map>

#include "gui/trace/trace_file.hpp"

namespace tandem::view {

class LiveStatusDiff {
 public:
  // Records for what changed on `host` since its last answer.
  QVector<TraceEvent> answer(std::int64_t t_ns, int host, const QJsonObject& status, const QJsonArray& alarms);
  // Records for the peer's API not answering (once, until it answers again).
  QVector<TraceEvent> unreachable(std::int64_t t_ns, int host, const QString& why);
  // Records for event log entries (GET /api/v1/events) not seen before.
  QVector<TraceEvent> events(std::int64_t t_ns, int host, const QJsonArray& events);

  // The peers' addresses this answer lists (Cluster Peers), to watch them too.
  static QStringList peer_addresses(const QJsonObject& status);

 private:
  struct Known {
    bool reachable = false;
    bool answered = false;
    QString status;
    QString database;
    std::map<int, QString> peers;  // slot -> state
    std::map<int, QString> usage;  // slot -> usage line
    std::map<int, std::pair<QString, bool>> alarms;  // id -> (text, acknowledged)
    qint64 last_event_id = 0;
  };
  std::map<int, Known> known_;
};

}  // namespace tandem::view
