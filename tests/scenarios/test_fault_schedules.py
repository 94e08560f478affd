"""Hypothesis generates fault schedules against a formed 3-peer twin (crashes,
restarts, reboots, pauses, partitions one- and two-way, wall-clock steps, NTP
loss) with changes made on the primary meanwhile. The property: once every
fault is undone the cluster converges, has one primary, and no change the
primary acknowledged is lost. A failure is shrunk to a minimal schedule and
printed with the command that replays it."""
import os

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import fault_schedule
from tandem import TandemError, faults, invariants

HOSTS = fault_schedule.HOSTS
host = st.integers(1, HOSTS)
at = st.floats(0, 120, allow_nan=False).map(lambda t: round(t, 1))


def pair():
    return st.tuples(host, host).filter(lambda p: p[0] != p[1])


fault = st.one_of(
    st.builds(lambda t, h, k: faults.Fault(t, k, (h,)), at, host,
              st.sampled_from(["crash", "power-off", "restart", "reboot", "pause", "resume", "ntp-lost", "ntp-back"])),
    st.builds(lambda t, p, k: faults.Fault(t, k, p), at, pair(),
              st.sampled_from(["partition", "partition-one-way", "heal"])),
    st.builds(lambda t, h, s: faults.Fault(t, "clock", (h,), s), at, host, st.sampled_from([-3600.0, -5.0, 5.0, 86400.0])),
)


def replay(seed, schedule, changes) -> str:
    return (f"PYTHONPATH=build/dev/python /usr/bin/python3 scenarios/fault_schedule.py --seed {seed} "
            f"--faults \"{faults.describe(schedule) if schedule else ''}\" --changes {','.join(map(str, changes))}")


@settings(max_examples=int(os.environ.get("TANDEM_EXAMPLES", "30")), deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(1, 1000), schedule=st.lists(fault, max_size=8),
       changes=st.lists(at, min_size=1, max_size=4))
def test_after_any_fault_schedule_and_heal_the_cluster_converges_and_keeps_every_acknowledged_change(
        seed, schedule, changes):
    note("replay: " + replay(seed, schedule, changes))
    try:
        fault_schedule.check(seed, schedule, changes)
    except (invariants.InvariantError, TandemError) as error:
        pytest.fail(f"{error}\nreplay: {replay(seed, schedule, changes)}", pytrace=False)


def test_fault_specs_round_trip_and_refuse_nonsense():
    for text in ["crash:2@30", "partition:1-3@10.5", "clock:2:-3600@5", "heal-all@60"]:
        assert str(faults.parse(text)) == text
    with pytest.raises(ValueError, match="no fault 'explode'"):
        faults.parse("explode:1@3")
    with pytest.raises(ValueError, match="names 2 host"):
        faults.parse("partition:1@3")
    with pytest.raises(ValueError, match="needs a value"):
        faults.parse("clock:1@3")
