#!/usr/bin/env python3
"""Add a Peer to a Cluster: a cluster of 1 to 5 peers takes one more; the new
peer takes the primary's configuration and every acknowledged change is kept."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from stage import TTL, expect_ok, form_with_change, main, settle  # noqa: E402
from tandem import procedures  # noqa: E402

HOSTS = 6


def scenario(stage, rng):
    size, ledger = form_with_change(stage, rng, 1, stage.host_count - 1)
    new = size + 1
    report = expect_ok(procedures.add_peer(stage.target, stage.addr(1), stage.addr(new)))
    settle(stage, range(1, new + 1), ledger)
    ledger.set(stage.peer(1), TTL, str(rng.randint(60, 3600)))  # and a change after it reaches everyone
    settle(stage, range(1, new + 1), ledger)
    return [f"peer {new} added to {size} in {report.took:.1f} s; alarms on the way: {len(report.alarms)}"]


if __name__ == "__main__":
    sys.exit(main(scenario, HOSTS))
