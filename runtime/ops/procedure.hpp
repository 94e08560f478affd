#pragma once
// A procedure is the guide's list of steps, in the guide's order, each with
// what it does on one peer, how to tell it is already done (so a procedure
// interrupted midway can be run again and continue from where the cluster
// is), and what it then waits for, with a timeout. The checks that the guide
// makes prohibitions (removing the primary, a seventh peer...) run when the
// plan is made, before anything changes.
//
// run() carries a plan out through an Operator and reports what happened:
// each step with its timing, the alarms raised and cleared on the way, the
// registrations before and after, and the time taken.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/ops/operator.hpp"

namespace tandem::ops {

struct Step {
  std::string title;  // "peer1: add 10.0.0.3 as Peer 3 address"
  std::string peer;   // the address it acts on
  // The cluster already shows this step's effect: a re-run skips it.
  std::function<Result<bool>()> done;
  std::function<Status()> act;
  std::string waits_for;                   // "" when it waits for nothing
  std::function<Result<bool>()> settled;   // polled until true, or the timeout
  Duration timeout = std::chrono::seconds(60);
};

struct Plan {
  std::string procedure;            // "Add a Peer to a Cluster"
  std::vector<std::string> checks;  // what was verified before anything changes
  std::vector<std::string> peers;   // whose alarms and registrations the report follows
  std::vector<Step> steps;
  // Checked after every step; an error stops the procedure (e.g. a change
  // made on the primary in the middle of an upgrade).
  std::function<Status()> invariant;
};

enum class StepOutcome : std::uint8_t { Done, AlreadyDone, Failed };
std::string_view to_string(StepOutcome outcome);

struct StepRecord {
  int number = 0;  // 1-based, in the plan
  std::string title;
  StepOutcome outcome = StepOutcome::Done;
  Duration started{};  // since the procedure started
  Duration took{};
  std::string detail;  // why it failed
};

struct AlarmChange {
  std::string peer;
  int id = 0;
  std::string text;
  bool raised = true;  // false: cleared
  int step = 0;        // after which step it was seen
};

struct Report {
  std::string procedure;
  bool ok = false;
  std::string failure;  // what stopped it
  std::vector<StepRecord> steps;
  std::vector<AlarmChange> alarms;
  std::optional<std::int64_t> registrations_before;  // cluster-wide, when the peers report them
  std::optional<std::int64_t> registrations_after;
  std::int64_t registrations_moved = 0;  // left one peer for another (the peers' losses beyond those lost)
  Duration took{};
};

using Progress = std::function<void(const StepRecord&)>;

// Polls `condition` every `poll` until it holds or `timeout` passes; an error
// from the condition is remembered and, if it still fails at the end, given.
Result<bool> wait_until(Operator& op, const std::function<Result<bool>()>& condition, Duration timeout,
                        Duration poll = std::chrono::milliseconds(250));

Report run(Operator& op, const Plan& plan, const Progress& progress = {});

// Registrations that left a peer and were taken up by another, from each
// peer's count before and after: what the peers lost, less what the cluster lost.
std::int64_t registrations_moved(const std::map<std::string, std::int64_t>& before,
                                 const std::map<std::string, std::int64_t>& after);

// The plan as text, for --dry-run: the checks, then the numbered steps.
std::string describe(const Plan& plan);
// The report as text: steps with times, alarms, registrations, total.
std::string describe(const Report& report);

}  // namespace tandem::ops
