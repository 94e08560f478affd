#include "gui/trace/trace_file.hpp"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace tandem::view {
namespace {

constexpr int kSupportedVersion = 1;

TraceReadResult failure(int line, const QString& what) {
  return TraceReadResult{std::nullopt, QStringLiteral("line %1: %2").arg(line).arg(what)};
}

int host_index(const QJsonObject& o, const char* field, const QStringList& hosts, bool& ok) {
  if (!o.contains(QLatin1String(field))) return -1;
  const int i = static_cast<int>(hosts.indexOf(o.value(QLatin1String(field)).toString()));
  ok = ok && i >= 0;
  return i;
}

}  // namespace

TraceReadResult parse_trace(const QByteArray& bytes) {
  const QList<QByteArray> lines = bytes.split('\n');
  TraceFile trace;
  bool ended = false;
  int number = 0;
  for (const QByteArray& raw : lines) {
    ++number;
    if (raw.trimmed().isEmpty()) continue;
    if (ended) return failure(number, QStringLiteral("text after the trace.end line"));
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(raw, &error);
    if (!doc.isObject()) return failure(number, QStringLiteral("not a JSON object (%1)").arg(error.errorString()));
    const QJsonObject o = doc.object();
    if (number == 1) {
      if (o.value(QStringLiteral("format")).toString() != QStringLiteral("tandem-trace")) {
        return failure(number, QStringLiteral("not a Tandem trace (format is not \"tandem-trace\")"));
      }
      trace.version = o.value(QStringLiteral("version")).toInt();
      if (trace.version != kSupportedVersion) {
        return failure(number, QStringLiteral("trace version %1 is not supported (this reader knows %2)")
                                   .arg(trace.version)
                                   .arg(kSupportedVersion));
      }
      trace.seed = static_cast<std::uint64_t>(o.value(QStringLiteral("seed")).toDouble());
      for (const QJsonValue& h : o.value(QStringLiteral("hosts")).toArray()) trace.hosts.append(h.toString());
      trace.complete = o.value(QStringLiteral("complete")).toBool();
      continue;
    }
    const QString kind = o.value(QStringLiteral("kind")).toString();
    if (kind.isEmpty()) return failure(number, QStringLiteral("record without a kind"));
    if (kind == QStringLiteral("trace.end")) {
      trace.records = static_cast<std::uint64_t>(o.value(QStringLiteral("records")).toDouble());
      trace.hash = o.value(QStringLiteral("hash")).toString();
      ended = true;
      continue;
    }
    TraceEvent e;
    e.t_ns = static_cast<std::int64_t>(o.value(QStringLiteral("t_ns")).toDouble(-1));
    if (e.t_ns < 0) return failure(number, QStringLiteral("record without a valid t_ns"));
    if (!trace.events.isEmpty() && e.t_ns < trace.events.back().t_ns) {
      return failure(number, QStringLiteral("records go back in time"));
    }
    bool hosts_ok = true;
    e.kind = kind;
    e.host = host_index(o, "host", trace.hosts, hosts_ok);
    e.peer = host_index(o, "peer", trace.hosts, hosts_ok);
    if (!hosts_ok) return failure(number, QStringLiteral("record names a host missing from the header"));
    e.size = static_cast<std::int64_t>(o.value(QStringLiteral("size")).toDouble());
    e.detail = o.value(QStringLiteral("detail")).toString();
    trace.events.append(e);
  }
  if (trace.version == 0) return failure(1, QStringLiteral("empty file"));
  if (!ended) return failure(number, QStringLiteral("the trace is cut short: no trace.end line"));
  return TraceReadResult{std::move(trace), {}};
}

TraceReadResult read_trace(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    return TraceReadResult{std::nullopt, QStringLiteral("cannot open %1: %2").arg(path, file.errorString())};
  }
  return parse_trace(file.readAll());
}

}  // namespace tandem::view
