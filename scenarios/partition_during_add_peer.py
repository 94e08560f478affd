#!/usr/bin/env python3
"""Failure story: a partition during Add a Peer. The new peer is cut off from
the primary (or one other member) midway, for a while; the procedure either
rides it out or stops, and run again once the network heals it completes and
the cluster converges with every acknowledged change kept."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from stage import TTL, expect_ok, form_with_change, main, settle  # noqa: E402
from tandem import procedures  # noqa: E402

HOSTS = 5


def scenario(stage, rng):
    size, ledger = form_with_change(stage, rng, 1, stage.host_count - 1)
    twin, new = stage.twin, size + 1
    other = rng.randint(1, size)
    cut_at, cut_for = rng.uniform(0.0, 3.0), rng.uniform(1, 200)
    healed = []
    twin.after(cut_at, lambda: twin.partition(new, other))
    twin.after(cut_at + cut_for, lambda: (twin.heal(new, other), healed.append(True)))
    first = procedures.add_peer(stage.target, stage.addr(1), stage.addr(new), converge_s=60)
    if not first.ok:  # the operator waits for the network to be fixed, then runs it again
        twin.wait_for(lambda: bool(healed), cut_at + cut_for + 1)
        expect_ok(procedures.add_peer(stage.target, stage.addr(1), stage.addr(new)))
    ledger.set(stage.peer(1), TTL, str(rng.randint(60, 3600)))
    settle(stage, range(1, new + 1), ledger, limit_s=300)
    return [f"peer {new} cut off from peer {other} at {cut_at:.2f} s for {cut_for:.0f} s: first run "
            + ("completed" if first.ok else "stopped, second run completed")]


if __name__ == "__main__":
    sys.exit(main(scenario, HOSTS, live_ok=False))
