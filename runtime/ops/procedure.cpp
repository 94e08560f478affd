#include "runtime/ops/procedure.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "runtime/ops/peer_client.hpp"

namespace tandem::ops {
namespace {

std::string seconds(Duration d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", std::chrono::duration<double>(d).count());
  return text;
}

// Each followed peer's active alarms, by id (unreachable peers are left out).
using AlarmsSeen = std::map<std::string, std::map<int, std::string>>;

AlarmsSeen look_at_alarms(Operator& op, const std::vector<std::string>& peers) {
  AlarmsSeen seen;
  for (const std::string& address : peers) {
    auto alarms = PeerClient(op, address).alarms();
    if (!alarms) continue;
    auto& mine = seen[address];
    for (const AlarmEntry& a : *alarms) mine[a.id] = a.text;
  }
  return seen;
}

void note_alarm_changes(const AlarmsSeen& before, const AlarmsSeen& after, int step, Report& report) {
  for (const auto& [peer, now] : after) {
    auto was = before.find(peer);
    if (was == before.end()) continue;  // not reachable before: nothing to compare
    for (const auto& [id, text] : now) {
      if (!was->second.count(id)) report.alarms.push_back(AlarmChange{peer, id, text, true, step});
    }
    for (const auto& [id, text] : was->second) {
      if (!now.count(id)) report.alarms.push_back(AlarmChange{peer, id, text, false, step});
    }
  }
}

// Each followed peer's registrations, where it reports them.
std::map<std::string, std::int64_t> registrations(Operator& op, const std::vector<std::string>& peers) {
  std::map<std::string, std::int64_t> out;
  for (const std::string& address : peers) {
    auto status = PeerClient(op, address).status();
    if (status && status->registrations) out[address] = *status->registrations;
  }
  return out;
}

std::optional<std::int64_t> total(const std::map<std::string, std::int64_t>& by_peer) {
  if (by_peer.empty()) return std::nullopt;
  std::int64_t sum = 0;
  for (const auto& [peer, n] : by_peer) sum += n;
  return sum;
}


// Carries out one step: skip it if done, else act and wait.
StepRecord carry_out(Operator& op, const Step& step, int number) {
  StepRecord record{number, step.title, StepOutcome::Done, op.elapsed(), {}, {}};
  auto fail = [&](const std::string& why) {
    record.outcome = StepOutcome::Failed;
    record.detail = why;
    record.took = op.elapsed() - record.started;
    return record;
  };
  if (step.done) {
    auto done = step.done();
    if (!done) return fail(done.error().message);
    if (*done) {
      record.outcome = StepOutcome::AlreadyDone;
      return record;
    }
  }
  if (step.act) {
    if (auto acted = step.act(); !acted) return fail(acted.error().message);
  }
  if (step.settled) {
    auto settled = wait_until(op, step.settled, step.timeout);
    if (!settled) return fail(settled.error().message);
    if (!*settled) return fail("waited " + seconds(step.timeout) + " for " + step.waits_for);
  }
  record.took = op.elapsed() - record.started;
  return record;
}

}  // namespace

std::int64_t registrations_moved(const std::map<std::string, std::int64_t>& before,
                                 const std::map<std::string, std::int64_t>& after) {
  std::int64_t left = 0;
  for (const auto& [peer, n] : before) {
    auto it = after.find(peer);
    left += std::max<std::int64_t>(0, n - (it == after.end() ? 0 : it->second));
  }
  const std::int64_t lost = std::max<std::int64_t>(0, total(before).value_or(0) - total(after).value_or(0));
  return std::max<std::int64_t>(0, left - lost);
}

std::string_view to_string(StepOutcome outcome) {
  switch (outcome) {
    case StepOutcome::Done: return "done";
    case StepOutcome::AlreadyDone: return "already done";
    case StepOutcome::Failed: return "FAILED";
  }
  return "?";
}

Result<bool> wait_until(Operator& op, const std::function<Result<bool>()>& condition, Duration timeout, Duration poll) {
  const Duration deadline = op.elapsed() + timeout;
  std::optional<Error> last_error;
  for (;;) {
    auto held = condition();
    if (held && *held) return true;
    if (!held) last_error = held.error();
    if (op.elapsed() >= deadline) break;
    op.wait(poll);
  }
  if (last_error) return *last_error;
  return false;
}

Report run(Operator& op, const Plan& plan, const Progress& progress) {
  Report report;
  report.procedure = plan.procedure;
  const Duration started = op.elapsed();
  const auto registered_before = registrations(op, plan.peers);
  report.registrations_before = total(registered_before);
  AlarmsSeen alarms = look_at_alarms(op, plan.peers);
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const int number = static_cast<int>(i) + 1;
    StepRecord record = carry_out(op, plan.steps[i], number);
    if (record.outcome == StepOutcome::Done && plan.invariant) {
      if (auto held = plan.invariant(); !held) {
        record.outcome = StepOutcome::Failed;
        record.detail = held.error().message;
      }
    }
    if (record.outcome != StepOutcome::AlreadyDone) {
      AlarmsSeen now = look_at_alarms(op, plan.peers);
      note_alarm_changes(alarms, now, number, report);
      for (auto& [peer, seen] : now) alarms[peer] = std::move(seen);
    }
    report.steps.push_back(record);
    if (progress) progress(record);
    if (record.outcome == StepOutcome::Failed) {
      report.failure = "step " + std::to_string(number) + " (" + record.title + "): " + record.detail;
      break;
    }
  }
  report.ok = report.failure.empty();
  const auto registered_after = registrations(op, plan.peers);
  report.registrations_after = total(registered_after);
  report.registrations_moved = registrations_moved(registered_before, registered_after);
  report.took = op.elapsed() - started;
  return report;
}

std::string describe(const Plan& plan) {
  std::string out = plan.procedure + "\n";
  if (!plan.checks.empty()) out += "checked before starting:\n";
  for (const std::string& check : plan.checks) out += "  ok  " + check + "\n";
  out += "steps:\n";
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const Step& s = plan.steps[i];
    out += "  " + std::to_string(i + 1) + ". " + s.title;
    if (!s.waits_for.empty()) out += "\n       then wait (up to " + seconds(s.timeout) + ") for " + s.waits_for;
    out += "\n";
  }
  return out;
}

std::string describe(const Report& report) {
  std::string out = report.procedure + (report.ok ? ": completed" : ": STOPPED") + " in " + seconds(report.took) + "\n";
  for (const StepRecord& s : report.steps) {
    out += "  " + std::to_string(s.number) + ". [" + std::string(to_string(s.outcome)) + "] " + s.title + " (at " +
           seconds(s.started) + ", took " + seconds(s.took) + ")";
    if (!s.detail.empty()) out += "\n       " + s.detail;
    out += "\n";
  }
  if (!report.failure.empty()) out += "stopped: " + report.failure + "\n";
  std::size_t raised = 0;
  for (const AlarmChange& a : report.alarms) raised += a.raised ? 1 : 0;
  out += "alarms: " + std::to_string(raised) + " raised, " + std::to_string(report.alarms.size() - raised) + " cleared\n";
  for (const AlarmChange& a : report.alarms) {
    out += "  after step " + std::to_string(a.step) + ": " + a.peer + (a.raised ? " raised " : " cleared ") +
           std::to_string(a.id) + " " + a.text + "\n";
  }
  if (report.registrations_before || report.registrations_after) {
    const auto before = report.registrations_before.value_or(0);
    const auto after = report.registrations_after.value_or(0);
    out += "registrations: " + std::to_string(before) + " before, " + std::to_string(after) + " after, " +
           std::to_string(report.registrations_moved) + " moved to another peer";
    out += after < before ? ", " + std::to_string(before - after) + " lost\n" : "\n";
  }
  return out;
}

}  // namespace tandem::ops
