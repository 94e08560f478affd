#!/usr/bin/env python3
"""Remove a Dead Peer From a Cluster: a peer dies for good; Remove a Live Peer is
refused for it, Remove a Dead Peer leaves the others converged."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from stage import TTL, expect, expect_ok, form_with_change, main, settle  # noqa: E402
from tandem import TandemError, procedures  # noqa: E402

HOSTS = 4


def scenario(stage, rng):
    size, ledger = form_with_change(stage, rng, 3, stage.host_count)
    dead = rng.randint(2, size)
    stage.kill(dead)
    stage.sleep(rng.uniform(1, 30))
    try:
        procedures.plan(stage.target, "remove-peer", primary=stage.addr(1), peer=stage.addr(dead))
        expect(False, "Remove a Live Peer was planned for a dead peer")
    except TandemError as refusal:
        expect("Remove a Dead Peer" in str(refusal), f"unexpected refusal: {refusal}")
    report = expect_ok(procedures.remove_dead_peer(stage.target, stage.addr(1), stage.addr(dead)))
    members = [h for h in range(1, size + 1) if h != dead]
    settle(stage, members, ledger)
    ledger.set(stage.peer(1), TTL, str(rng.randint(60, 3600)))
    settle(stage, members, ledger)
    return [f"dead peer {dead} of {size} removed in {report.took:.1f} s"]


if __name__ == "__main__":
    sys.exit(main(scenario, HOSTS))
