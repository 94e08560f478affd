#!/usr/bin/env python3
"""Upgrade a Cluster: the primary first, then each subordinate in turn; every peer
ends on the new release, converged, with every acknowledged change kept."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from stage import expect, expect_ok, form_with_change, main, settle  # noqa: E402
from tandem import procedures  # noqa: E402

HOSTS = 4
VERSION = "9.9.9"


def scenario(stage, rng):
    size, ledger = form_with_change(stage, rng, 2, stage.host_count)
    report = expect_ok(procedures.upgrade(stage.target, stage.addr(1), VERSION))
    for host in range(1, size + 1):
        version = stage.peer(host).software_version()
        expect(version == VERSION, f"peer {host} runs {version}, not {VERSION}")
    order = [s.title.split(":")[0] for s in report.steps if "upgrade to" in s.title]
    expect(order[0] == stage.addr(1), f"the primary was not upgraded first: {order}")
    settle(stage, range(1, size + 1), ledger)
    return [f"{size} peers upgraded to {VERSION} in {report.took:.1f} s"]


if __name__ == "__main__":
    sys.exit(main(scenario, HOSTS))
