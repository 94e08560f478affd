#include "gui/state/state_history.hpp"

#include <algorithm>

namespace tandem::view {

StateHistory::StateHistory(QObject* parent) : QObject(parent) { reset({}); }

void StateHistory::reset(const QStringList& hosts) {
  records_.clear();
  log_.clear();
  reached_ns_ = 0;
  current_ = ClusterState{};
  current_.hosts = hosts;
  current_.peers.resize(static_cast<std::size_t>(hosts.size()));
  checkpoints_.assign(1, current_);
  emit was_reset();
}

int StateHistory::add_host(const QString& name) {
  current_.hosts.append(name);
  current_.peers.resize(static_cast<std::size_t>(current_.hosts.size()));
  return static_cast<int>(current_.hosts.size()) - 1;
}

void StateHistory::append(const QVector<TraceEvent>& records) {
  for (const TraceEvent& r : records) {
    if (kind_matters(QStringView(r.kind))) take(r);
  }
  emit grew();
}

void StateHistory::append(const TraceEvent& record) {
  if (kind_matters(QStringView(record.kind))) take(record);
  emit grew();
}

void StateHistory::advance_to(std::int64_t t_ns) {
  reached_ns_ = std::max(reached_ns_, t_ns);
  emit grew();
}

void StateHistory::take(TraceEvent record) {
  record.t_ns = std::max(record.t_ns, end_ns());
  const Change change = apply(current_, record);
  if (change.notable) {
    log_.push_back(LogEntry{record.t_ns, record.host, record.peer, record.kind,
                            change.note.isEmpty() ? record.detail : change.note});
  }
  records_.push_back(std::move(record));
  if (records_.size() % kCheckpointEvery == 0) checkpoints_.push_back(current_);
}

ClusterState StateHistory::state_at(std::int64_t t_ns) const {
  const auto end = std::upper_bound(records_.begin(), records_.end(), t_ns,
                                    [](std::int64_t t, const TraceEvent& r) { return t < r.t_ns; });
  const std::size_t count = static_cast<std::size_t>(end - records_.begin());
  const std::size_t checkpoint = std::min(count / kCheckpointEvery, checkpoints_.size() - 1);
  ClusterState state = checkpoints_[checkpoint];
  // Hosts added since the checkpoint (live discovery) are known from the start.
  state.hosts = current_.hosts;
  state.peers.resize(current_.peers.size());
  for (std::size_t i = checkpoint * kCheckpointEvery; i < count; ++i) apply(state, records_[i]);
  state.t_ns = t_ns;
  return state;
}

int StateHistory::log_row_at(std::int64_t t_ns) const {
  const auto it = std::upper_bound(log_.begin(), log_.end(), t_ns,
                                   [](std::int64_t t, const LogEntry& e) { return t < e.t_ns; });
  return static_cast<int>(it - log_.begin()) - 1;
}

std::int64_t StateHistory::previous_event(std::int64_t t_ns) const {
  const auto it = std::lower_bound(log_.begin(), log_.end(), t_ns,
                                   [](const LogEntry& e, std::int64_t t) { return e.t_ns < t; });
  return it == log_.begin() ? std::min<std::int64_t>(t_ns, 0) : std::prev(it)->t_ns;
}

std::int64_t StateHistory::next_event(std::int64_t t_ns) const {
  const auto it = std::upper_bound(log_.begin(), log_.end(), t_ns,
                                   [](std::int64_t t, const LogEntry& e) { return t < e.t_ns; });
  return it == log_.end() ? t_ns : it->t_ns;
}

}  // namespace tandem::view
