#!/usr/bin/env python3
"""Remove a Live Peer From a Cluster: the others close the gap and converge; the
removed peer is stand-alone and no longer takes the cluster's changes."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from stage import TTL, expect, expect_ok, form_with_change, main, settle  # noqa: E402
from tandem import procedures  # noqa: E402

HOSTS = 4


def scenario(stage, rng):
    size, ledger = form_with_change(stage, rng, 2, stage.host_count)
    gone = rng.randint(2, size)
    report = expect_ok(procedures.remove_live_peer(stage.target, stage.addr(1), stage.addr(gone)))
    members = [h for h in range(1, size + 1) if h != gone]
    settle(stage, members, ledger)
    expect(not stage.peer(gone).cluster()["Clustered"], f"peer {gone} is still clustered after its removal")
    before = stage.peer(gone).get(TTL)
    ledger.set(stage.peer(1), TTL, str(int(before) + 1 if int(before) < 3600 else 61))
    settle(stage, members, ledger)
    expect(stage.peer(gone).get(TTL) == before, f"the removed peer {gone} still takes the cluster's changes")
    return [f"peer {gone} of {size} removed in {report.took:.1f} s"]


if __name__ == "__main__":
    sys.exit(main(scenario, HOSTS))
