#include "gui/sources/live_source.hpp"

#include <QJsonDocument>
#include <QNetworkReply>
#include <QSslCertificate>
#include <QTimer>
#include <QUrl>

namespace tandem::view {

Result<std::unique_ptr<LiveSource>> LiveSource::connect_to(const LiveOptions& options, StateHistory& history,
                                                           QObject* parent) {
  if (options.address.isEmpty()) return make_error("no peer address given");
  if (options.password.isEmpty()) return make_error("no password given for user " + options.user.toStdString());
  QString host = options.address;
  int port = kDefaultPort;
  if (const qsizetype colon = host.lastIndexOf(u':'); colon > 0 && !host.contains(u'[') && host.count(u':') == 1) {
    bool ok = false;
    port = host.mid(colon + 1).toInt(&ok);
    if (!ok || port < 1 || port > 65535) return make_error("bad port in '" + options.address.toStdString() + "'");
    host = host.left(colon);
  }
  QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
  if (!options.ca_file.isEmpty()) {
    const QList<QSslCertificate> cas = QSslCertificate::fromPath(options.ca_file, QSsl::Pem);
    if (cas.isEmpty()) return make_error("no PEM certificate in CA file '" + options.ca_file.toStdString() + "'");
    ssl.setCaCertificates(cas);
  } else if (options.insecure) {
    ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
  } else {
    return make_error("give a CA file to check the peers' certificates, or choose insecure");
  }
  LiveOptions adjusted = options;
  adjusted.address = host;
  auto source = std::unique_ptr<LiveSource>(new LiveSource(adjusted, port, ssl, history, parent));
  source->watch_peer(host);
  return source;
}

LiveSource::LiveSource(LiveOptions options, int port, QSslConfiguration ssl, StateHistory& history, QObject* parent)
    : QObject(parent), options_(std::move(options)), port_(port), ssl_(std::move(ssl)), history_(history) {
  history_.reset({});
  clock_.start();
  ticker_.setInterval(500);
  connect(&ticker_, &QTimer::timeout, this, [this] { history_.advance_to(now_ns()); });
  ticker_.start();
}

QString LiveSource::describe() const {
  return QStringLiteral("live: %1:%2 (%3 peers)").arg(options_.address).arg(port_).arg(peers_.size());
}

QNetworkRequest LiveSource::request(const QString& address, const QString& path_and_query) const {
  QUrl url(QStringLiteral("https://%1:%2%3").arg(address).arg(port_).arg(path_and_query));
  QNetworkRequest r(url);
  r.setSslConfiguration(ssl_);
  r.setRawHeader("Authorization",
                 "Basic " + QStringLiteral("%1:%2").arg(options_.user, options_.password).toUtf8().toBase64());
  r.setTransferTimeout(options_.wait_ms + 10000);
  return r;
}

void LiveSource::add(const QVector<TraceEvent>& records) {
  if (!records.isEmpty()) history_.append(records);
}

void LiveSource::watch_peer(const QString& address) {
  for (const auto& [host, w] : peers_) {
    if (w.address == address) return;
  }
  const int host = history_.add_host(address);
  peers_[host] = Watched{address};
  poll(host);
  fetch_events(host);
}

void LiveSource::poll(int host) {
  Watched& w = peers_.at(host);
  QNetworkReply* reply = network_.get(
      request(w.address, QStringLiteral("/api/v1/watch?after=%1&wait_ms=%2").arg(w.seq).arg(options_.wait_ms)));
  w.pending = reply;
  connect(reply, &QNetworkReply::finished, this, [this, host, reply] { on_watch(host, reply); });
}

void LiveSource::on_watch(int host, QNetworkReply* reply) {
  reply->deleteLater();
  Watched& w = peers_.at(host);
  w.pending = nullptr;
  const int http_status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
  if (http_status == 401 || http_status == 403) {
    emit failed(tr("%1 refused the credentials: %2").arg(w.address, QString::fromUtf8(reply->readAll())));
    return;  // asking again would only count as more failed logins
  }
  const QJsonDocument doc = QJsonDocument::fromJson(reply->readAll());
  if (reply->error() != QNetworkReply::NoError || !doc.isObject()) {
    const QString why = reply->error() != QNetworkReply::NoError ? reply->errorString()
                                                                  : tr("the answer is not the admin API's JSON");
    add(diff_.unreachable(now_ns(), host, why));
    QTimer::singleShot(kRetryMs, this, [this, host] { poll(host); });
    return;
  }
  const QJsonObject answer = doc.object();
  const qint64 seq = answer.value(u"seq").toInteger();
  const bool changed = seq != w.seq;
  w.seq = seq;
  const QJsonObject status = answer.value(u"status").toObject();
  add(diff_.answer(now_ns(), host, status, answer.value(u"alarms").toArray()));
  for (const QString& address : LiveStatusDiff::peer_addresses(status)) watch_peer(address);
  if (changed) fetch_events(host);
  poll(host);
}

void LiveSource::fetch_events(int host) {
  QNetworkReply* reply = network_.get(request(peers_.at(host).address, QStringLiteral("/api/v1/events?limit=20")));
  connect(reply, &QNetworkReply::finished, this, [this, host, reply] {
    reply->deleteLater();
    const QJsonDocument doc = QJsonDocument::fromJson(reply->readAll());
    if (reply->error() != QNetworkReply::NoError || !doc.isObject()) return;  // the watch reports a dead peer
    add(diff_.events(now_ns(), host, doc.object().value(u"events").toArray()));
  });
}

}  // namespace tandem::view
