#!/usr/bin/env python3
"""Change the Address of a Peer: a subordinate is removed, moved to a new LAN
address, restarted there and added back; it answers at the new address only."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from stage import expect, expect_ok, form_with_change, main, settle  # noqa: E402
from tandem import procedures  # noqa: E402

HOSTS = 4


def scenario(stage, rng):
    size, ledger = form_with_change(stage, rng, 2, stage.host_count)
    mover = rng.randint(2, size)
    old = stage.addr(mover)
    new = f"10.0.0.{rng.randint(20, 99)}"
    report = expect_ok(procedures.change_address(stage.target, stage.addr(1), old, new))
    expect(stage.addr(mover) == new, f"peer {mover} is at {stage.addr(mover)}, not {new}")
    expect(not stage.peer(old).reachable(), f"something still answers at the old address {old}")
    settle(stage, range(1, size + 1), ledger)
    return [f"peer {mover} moved from {old} to {new} in {report.took:.1f} s"]


if __name__ == "__main__":
    sys.exit(main(scenario, HOSTS, live_ok=False))
