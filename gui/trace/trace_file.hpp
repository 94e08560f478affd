#pragma once
// Reads a twin trace (docs/trace-format.md, version 1) into typed events.
// Refuses what it does not understand, naming the line and the problem.

#include <QString>
#include <QByteArrayView>
#include <QStringList>
#include <QVector>
#include <cstdint>
#include <optional>

namespace tandem::view {

struct TraceEvent {
  std::int64_t t_ns = 0;
  QString kind;
  int host = -1;  // index into TraceFile::hosts, -1 for none
  int peer = -1;
  std::int64_t size = 0;
  QString detail;
};

struct TraceFile {
  int version = 0;
  std::uint64_t seed = 0;
  QStringList hosts;
  bool complete = false;
  QVector<TraceEvent> events;  // in execution order, so sorted by t_ns; those kept
  std::uint64_t records = 0;   // from the end line
  QString hash;                // from the end line
};

struct TraceReadResult {
  std::optional<TraceFile> trace;
  QString error;  // set when trace is empty
};

// Which records to keep, judged on the record's kind before its line is
// parsed (a 24-hour trace is mostly net.* and timer records a view skips).
using KindFilter = bool (*)(QByteArrayView kind);
bool keep_every_kind(QByteArrayView kind);

TraceReadResult read_trace(const QString& path, KindFilter keep = keep_every_kind);
TraceReadResult parse_trace(const QByteArray& bytes, KindFilter keep = keep_every_kind);

}  // namespace tandem::view
