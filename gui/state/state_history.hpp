#pragma once
// Every record of a run that can change the cluster state, with the state
// kept every kCheckpointEvery records, so the state at any moment is a
// checkpoint plus at most that many records folded in: jumping anywhere in a
// 24-hour trace costs the same as jumping a second ahead. Sources append as
// records arrive (a twin run, a live cluster); a trace file is appended whole.
//
// It also keeps the event log: the records that changed something worth a
// line, with what the fold learned from them.

#include <QObject>
#include <vector>

#include "gui/state/cluster_state.hpp"

namespace tandem::view {

struct LogEntry {
  std::int64_t t_ns = 0;
  int host = -1;
  int peer = -1;
  QString kind;
  QString text;
};

class StateHistory : public QObject {
  Q_OBJECT

 public:
  static constexpr std::size_t kCheckpointEvery = 512;

  explicit StateHistory(QObject* parent = nullptr);

  // Starts afresh with these hosts (records name hosts by index).
  void reset(const QStringList& hosts);
  // A host discovered later (a live cluster's peer); its index.
  int add_host(const QString& name);
  // Records in time order, after every one appended before (a record earlier
  // than the last is taken as happening at the last one's time). Kinds that
  // do not matter (kind_matters) are skipped. Emits grew() once.
  void append(const QVector<TraceEvent>& records);
  void append(const TraceEvent& record);
  // The run has reached t_ns with nothing more to say (a twin's or a live
  // cluster's clock moves on between records). Emits grew().
  void advance_to(std::int64_t t_ns);

  ClusterState state_at(std::int64_t t_ns) const;
  const ClusterState& latest() const { return current_; }
  const QStringList& hosts() const { return current_.hosts; }
  std::int64_t end_ns() const { return std::max(reached_ns_, records_.empty() ? 0 : records_.back().t_ns); }
  std::size_t record_count() const { return records_.size(); }
  const std::vector<LogEntry>& log() const { return log_; }
  // Index of the last log entry at or before t_ns (-1 if none).
  int log_row_at(std::int64_t t_ns) const;
  // Times of the log entries just before and after t_ns (t_ns itself when none).
  std::int64_t previous_event(std::int64_t t_ns) const;
  std::int64_t next_event(std::int64_t t_ns) const;

 signals:
  void was_reset();
  void grew();

 private:
  void take(TraceEvent record);

  std::vector<TraceEvent> records_;
  std::vector<ClusterState> checkpoints_;  // [i]: after the first i * kCheckpointEvery records
  ClusterState current_;                    // after every record
  std::vector<LogEntry> log_;
  std::int64_t reached_ns_ = 0;
};

}  // namespace tandem::view
