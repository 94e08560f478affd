#!/usr/bin/env python3
"""Failure story: the primary dies during an upgrade. The procedure stops (or
rides it out); once the primary is back the operator runs it again, it
continues where the cluster is, and every peer ends upgraded and converged
with every acknowledged change kept."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from stage import expect, expect_ok, form_with_change, main, settle  # noqa: E402
from tandem import procedures  # noqa: E402

HOSTS = 4
VERSION = "9.9.9"


def scenario(stage, rng):
    size, ledger = form_with_change(stage, rng, 2, stage.host_count)
    twin = stage.twin
    # The primary dies a moment after a step chosen at random, in the middle of the next one.
    steps = len(procedures.plan(twin, "upgrade", primary=stage.addr(1), version=VERSION).steps)
    after_step, delay, down_for = rng.randint(0, steps - 1), rng.uniform(0.0, 0.5), rng.uniform(5, 150)
    crashed = []

    def kill_primary():
        if twin.state(1) == "running":
            twin.crash(1)
            crashed.append(twin.now)
            twin.after(down_for, lambda: twin.restart(1))

    def progress(step):
        if step.number == after_step:
            twin.after(delay, kill_primary)

    if after_step == 0:
        twin.after(delay, kill_primary)
    first = procedures.upgrade(twin, stage.addr(1), VERSION, progress=progress, restart_s=60)
    expect(bool(crashed) or first.ok, "the primary never died, yet the upgrade stopped")
    twin.wait_for(lambda: twin.running(1), down_for + 10)
    lines = [f"primary died {delay:.2f} s after step {after_step} of {steps} for {down_for:.0f} s: first run "
             + ("completed" if first.ok else f"stopped ({first.failure[:80]})")]
    again = first if first.ok else expect_ok(procedures.upgrade(stage.target, stage.addr(1), VERSION))
    if not first.ok:
        skipped = sum(1 for s in again.steps if s.outcome == "already done")
        lines.append(f"second run completed, {skipped} step(s) already done")
    for host in range(1, size + 1):
        version = stage.peer(host).software_version()
        expect(version == VERSION, f"peer {host} runs {version}, not {VERSION}")
    settle(stage, range(1, size + 1), ledger, limit_s=300)
    return lines


if __name__ == "__main__":
    sys.exit(main(scenario, HOSTS, live_ok=False))
