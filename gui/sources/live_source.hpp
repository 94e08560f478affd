#pragma once
// A live cluster: any peer's admin API (HTTPS, Basic auth; docs/admin-api.md),
// then every peer its status lists, each followed through the watch long poll
// (GET /api/v1/watch) and its event log (GET /api/v1/events), turned into
// records by LiveStatusDiff and appended to the history as they arrive.
// Time is wall time since connecting. A peer that does not answer is drawn
// down and asked again every few seconds.

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QSslConfiguration>
#include <QTimer>
#include <map>
#include <memory>

#include "gui/sources/live_status_diff.hpp"
#include "gui/state/state_history.hpp"
#include "runtime/core/result.hpp"

class QNetworkReply;

namespace tandem::view {

struct LiveOptions {
  QString address;   // a peer's admin API: "10.0.0.1" or "10.0.0.1:8443"
  QString user = QStringLiteral("admin");
  QString password;
  QString ca_file;   // PEM: the peers' certificates or their CA
  bool insecure = false;  // encrypt, but check no certificate
  int wait_ms = 25000;    // how long each watch waits for a change
};

class LiveSource : public QObject {
  Q_OBJECT

 public:
  static constexpr int kDefaultPort = 8443;
  static constexpr int kRetryMs = 2000;

  // Errors: no address or password, a bad port, an unreadable or empty CA
  // file, neither a CA file nor insecure.
  static Result<std::unique_ptr<LiveSource>> connect_to(const LiveOptions& options, StateHistory& history,
                                                        QObject* parent = nullptr);

  QString describe() const;
  int watched() const { return static_cast<int>(peers_.size()); }

 signals:
  // Authentication refused, or an answer that is not the admin API's.
  void failed(const QString& message);

 private:
  struct Watched {
    QString address;
    qint64 seq = 0;
    QNetworkReply* pending = nullptr;
  };
  LiveSource(LiveOptions options, int port, QSslConfiguration ssl, StateHistory& history, QObject* parent);
  void watch_peer(const QString& address);
  void poll(int host);
  void on_watch(int host, QNetworkReply* reply);
  void fetch_events(int host);
  QNetworkRequest request(const QString& address, const QString& path_and_query) const;
  std::int64_t now_ns() const { return clock_.nsecsElapsed(); }
  void add(const QVector<TraceEvent>& records);

  LiveOptions options_;
  int port_;
  QSslConfiguration ssl_;
  StateHistory& history_;
  QNetworkAccessManager network_;
  QElapsedTimer clock_;
  QTimer ticker_;  // moves the run's end on between answers
  LiveStatusDiff diff_;
  std::map<int, Watched> peers_;  // by host index
};

}  // namespace tandem::view
