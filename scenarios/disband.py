#!/usr/bin/env python3
"""Disband a Cluster: every peer becomes stand-alone and keeps its configuration."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from stage import expect, expect_ok, form_with_change, main  # noqa: E402
from tandem import invariants, procedures  # noqa: E402

HOSTS = 3


def scenario(stage, rng):
    size, ledger = form_with_change(stage, rng, 2, stage.host_count)
    stage.wait_until(lambda: not ledger.lost(stage.peers(range(1, size + 1))), 30)
    report = expect_ok(procedures.disband(stage.target, stage.addr(1)))
    for host in range(1, size + 1):
        expect(not stage.peer(host).cluster()["Clustered"], f"peer {host} is still clustered")
    invariants.check(ledger.lost(stage.peers(range(1, size + 1))))
    return [f"{size} peers disbanded in {report.took:.1f} s"]


if __name__ == "__main__":
    sys.exit(main(scenario, HOSTS))
