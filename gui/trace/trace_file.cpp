#include "gui/trace/trace_file.hpp"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace tandem::view {
namespace {

constexpr int kSupportedVersion = 1;

int host_index(const QJsonObject& o, const char* field, const QStringList& hosts, bool& ok) {
  if (!o.contains(QLatin1String(field))) return -1;
  const int i = static_cast<int>(hosts.indexOf(o.value(QLatin1String(field)).toString()));
  ok = ok && i >= 0;
  return i;
}

// The kind of a record line as the twin writes it, without parsing the JSON;
// empty when the line is not laid out that way (it is then parsed in full).
QByteArrayView quick_kind(QByteArrayView line) {
  static constexpr QByteArrayView kKey = "\"kind\":\"";
  const qsizetype at = line.indexOf(kKey);
  if (at < 0) return {};
  const qsizetype start = at + kKey.size();
  const qsizetype end = line.indexOf('"', start);
  return end < 0 ? QByteArrayView() : line.sliced(start, end - start);
}

// Takes a trace one line at a time; the first error stops it.
class TraceParser {
 public:
  explicit TraceParser(KindFilter keep) : keep_(keep) {}

  bool feed(QByteArrayView raw) {
    ++number_;
    if (raw.trimmed().isEmpty()) return true;
    if (ended_) return fail(QStringLiteral("text after the trace.end line"));
    if (number_ > 1) {
      const QByteArrayView kind = quick_kind(raw);
      if (!kind.isEmpty() && kind != "trace.end" && !keep_(kind)) return true;
    }
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(raw.toByteArray(), &error);
    if (!doc.isObject()) return fail(QStringLiteral("not a JSON object (%1)").arg(error.errorString()));
    const QJsonObject o = doc.object();
    return number_ == 1 ? header(o) : record(o);
  }

  TraceReadResult finish() {
    if (!error_.isEmpty()) return TraceReadResult{std::nullopt, error_};
    if (trace_.version == 0) return TraceReadResult{std::nullopt, QStringLiteral("line 1: empty file")};
    if (!ended_) {
      return TraceReadResult{std::nullopt,
                             QStringLiteral("line %1: the trace is cut short: no trace.end line").arg(number_)};
    }
    return TraceReadResult{std::move(trace_), {}};
  }

 private:
  bool fail(const QString& what) {
    error_ = QStringLiteral("line %1: %2").arg(number_).arg(what);
    return false;
  }

  bool header(const QJsonObject& o) {
    if (o.value(QStringLiteral("format")).toString() != QStringLiteral("tandem-trace")) {
      return fail(QStringLiteral("not a Tandem trace (format is not \"tandem-trace\")"));
    }
    trace_.version = o.value(QStringLiteral("version")).toInt();
    if (trace_.version != kSupportedVersion) {
      return fail(QStringLiteral("trace version %1 is not supported (this reader knows %2)")
                      .arg(trace_.version)
                      .arg(kSupportedVersion));
    }
    trace_.seed = static_cast<std::uint64_t>(o.value(QStringLiteral("seed")).toDouble());
    for (const QJsonValue& h : o.value(QStringLiteral("hosts")).toArray()) trace_.hosts.append(h.toString());
    trace_.complete = o.value(QStringLiteral("complete")).toBool();
    return true;
  }

  bool record(const QJsonObject& o) {
    const QString kind = o.value(QStringLiteral("kind")).toString();
    if (kind.isEmpty()) return fail(QStringLiteral("record without a kind"));
    if (kind == QStringLiteral("trace.end")) {
      trace_.records = static_cast<std::uint64_t>(o.value(QStringLiteral("records")).toDouble());
      trace_.hash = o.value(QStringLiteral("hash")).toString();
      ended_ = true;
      return true;
    }
    TraceEvent e;
    e.t_ns = static_cast<std::int64_t>(o.value(QStringLiteral("t_ns")).toDouble(-1));
    if (e.t_ns < 0) return fail(QStringLiteral("record without a valid t_ns"));
    if (!trace_.events.isEmpty() && e.t_ns < trace_.events.back().t_ns) {
      return fail(QStringLiteral("records go back in time"));
    }
    bool hosts_ok = true;
    e.kind = interned(kind);
    e.host = host_index(o, "host", trace_.hosts, hosts_ok);
    e.peer = host_index(o, "peer", trace_.hosts, hosts_ok);
    if (!hosts_ok) return fail(QStringLiteral("record names a host missing from the header"));
    e.size = static_cast<std::int64_t>(o.value(QStringLiteral("size")).toDouble());
    e.detail = o.value(QStringLiteral("detail")).toString();
    trace_.events.append(e);
    return true;
  }

  // Every record of one kind shares one string.
  QString interned(const QString& kind) {
    for (const QString& k : kinds_) {
      if (k == kind) return k;
    }
    kinds_.append(kind);
    return kind;
  }

  KindFilter keep_;
  TraceFile trace_;
  QStringList kinds_;
  QString error_;
  int number_ = 0;
  bool ended_ = false;
};

}  // namespace

bool keep_every_kind(QByteArrayView) { return true; }

TraceReadResult parse_trace(const QByteArray& bytes, KindFilter keep) {
  TraceParser parser(keep);
  for (const QByteArray& line : bytes.split('\n')) {
    if (!parser.feed(line)) break;
  }
  return parser.finish();
}

TraceReadResult read_trace(const QString& path, KindFilter keep) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    return TraceReadResult{std::nullopt, QStringLiteral("cannot open %1: %2").arg(path, file.errorString())};
  }
  TraceParser parser(keep);
  while (!file.atEnd()) {
    QByteArray line = file.readLine();
    if (line.endsWith('\n')) line.chop(1);
    if (!parser.feed(line)) break;
  }
  return parser.finish();
}

}  // namespace tandem::view
