#!/usr/bin/env python3
"""Failure story: NTP lost on one peer. That subordinate raises the NTP alarm
(20006) and takes no replicated change while its clock is unsynchronized; the
others carry on. When NTP comes back it catches up and the alarm clears."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from stage import TTL, expect, form, main, settle  # noqa: E402
from tandem import invariants  # noqa: E402

HOSTS = 6
NTP_ALARM = 20006


def scenario(stage, rng):
    size = rng.randint(2, stage.host_count)
    form(stage, size)
    twin, lost = stage.twin, rng.randint(2, size)
    ledger = invariants.Ledger()
    before = stage.peer(lost).get(TTL)
    twin.set_ntp_synchronized(lost, False)
    twin.run_for(rng.uniform(0, 40))
    value = str(rng.randint(60, 3600))
    if value == before:
        value = str(int(value) + 1)
    ledger.set(stage.peer(1), TTL, value)
    others = [h for h in range(1, size + 1) if h != lost]
    twin.wait_for(lambda: NTP_ALARM in stage.peer(lost).alarm_ids(), 120)
    invariants.check(invariants.alarms_as_expected([stage.peer(lost)], expected=[NTP_ALARM], allowed=range(20000, 20100)))
    expect(stage.peer(lost).get(TTL) == before, f"peer {lost} took a change while its NTP was lost")
    stage.wait_until(lambda: not ledger.lost(stage.peers(others)), 60)
    invariants.check(ledger.lost(stage.peers(others)))
    twin.set_ntp_synchronized(lost, True)
    settle(stage, range(1, size + 1), ledger, limit_s=180)
    invariants.check(invariants.alarms_as_expected(stage.peers(range(1, size + 1)), allowed=[20016]))
    return [f"peer {lost} of {size} lost NTP: alarm {NTP_ALARM} raised, change held back, caught up after"]


if __name__ == "__main__":
    sys.exit(main(scenario, HOSTS, live_ok=False))
