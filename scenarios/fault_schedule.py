#!/usr/bin/env python3
"""Any schedule of faults, then heal: a formed cluster goes through the given
faults (crashes, restarts, reboots, pauses, partitions, clock steps, NTP loss)
while the operator makes changes on the primary; once every fault is undone
the cluster converges, has one primary, and no acknowledged change is lost.

    scenarios/fault_schedule.py --seed 3 --faults "crash:1@10 partition:2-3@12 restart:1@40" --changes 5,20,45

The Hypothesis test (tests/scenarios/test_fault_schedules.py) generates the
schedules and shrinks a failing one to a minimal schedule printed in this form.
"""
import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from stage import TTL, TwinStage, form, settle  # noqa: E402
from tandem import TandemError, faults, invariants  # noqa: E402

HOSTS = 3


def check(seed: int, schedule, change_times, hosts: int = HOSTS, settle_s: float = 300.0) -> list:
    """Runs the schedule; raises InvariantError when the property fails. Returns the faults that applied."""
    stage = TwinStage(hosts, seed)
    twin = stage.twin
    form(stage, hosts)
    ledger = invariants.Ledger()
    applied = []
    faults.arm(twin, schedule, applied)
    start = twin.now
    for n, at in enumerate(sorted(change_times)):
        twin.run_for(max(0.0, start + at - twin.now))
        try:
            primary = twin.primary()
        except TandemError:
            continue  # no peer answers: the operator cannot make a change now
        ledger.set(twin.peer(primary), TTL, str(100 + n))
    end = max([f.at_s for f in schedule] + list(change_times) + [0.0])
    twin.run_for(max(0.0, start + end + 1 - twin.now))
    faults.recover(twin)
    settle(stage, range(1, hosts + 1), ledger, limit_s=settle_s)
    return applied


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="scenarios/fault_schedule.py", description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--faults", default="", help='e.g. "crash:1@10 restart:1@40" (see tandem.faults)')
    parser.add_argument("--changes", default="5", help="comma-separated times (s) of changes on the primary")
    opts = parser.parse_args(argv)
    try:
        schedule = [faults.parse(spec) for spec in opts.faults.split()]
        changes = [float(t) for t in opts.changes.split(",") if t]
    except ValueError as error:
        parser.error(str(error))
    try:
        applied = check(opts.seed, schedule, changes)
    except (invariants.InvariantError, TandemError) as error:
        print(f"FAILED (seed {opts.seed}, faults {faults.describe(schedule)}): {error}", file=sys.stderr)
        return 1
    print(f"fault_schedule: ok (seed {opts.seed}); applied: {faults.describe(applied)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
