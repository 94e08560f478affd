#!/usr/bin/env python3
"""Replace a Peer And Keep Its Configuration: the old peer's backup is restored
onto a spare, which joins with the old peer's own items but its own address."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from stage import expect, expect_ok, form_with_change, main, settle  # noqa: E402
from tandem import procedures  # noqa: E402

HOSTS = 4
LOCATION = "SNMP SystemLocation"  # peer-specific: it travels with the backup


def scenario(stage, rng):
    size, ledger = form_with_change(stage, rng, 2, stage.host_count - 1)
    spare = stage.host_count
    old = rng.randint(2, size)
    location = f"rack {rng.randint(1, 40)}"
    stage.peer(old).set(LOCATION, location)
    report = expect_ok(procedures.replace_keeping_configuration(stage.target, stage.addr(1), stage.addr(old),
                                                                stage.addr(spare)))
    members = [h for h in range(1, size + 1) if h != old] + [spare]
    settle(stage, members, ledger)
    expect(stage.peer(spare).get(LOCATION) == location, "the spare did not take the old peer's own items")
    expect(stage.peer(spare).get("Ethernet 1 IP V4 Address") == stage.addr(spare), "the spare lost its own address")
    return [f"peer {old} replaced by the spare with its configuration in {report.took:.1f} s"]


if __name__ == "__main__":
    sys.exit(main(scenario, HOSTS, live_ok=False))
