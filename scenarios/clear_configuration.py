#!/usr/bin/env python3
"""Clear Configuration From This Peer: a removed peer is reset to its factory
defaults (stand-alone, no cluster database), then added back as a new peer."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from stage import TTL, expect, expect_ok, form_with_change, main, settle  # noqa: E402
from tandem import TandemError, procedures  # noqa: E402

HOSTS = 3


def scenario(stage, rng):
    size, ledger = form_with_change(stage, rng, 2, stage.host_count)
    peer = rng.randint(2, size)
    try:
        procedures.plan(stage.target, "clear-configuration", peer=stage.addr(peer))
        expect(False, "a listed peer's configuration was about to be cleared")
    except TandemError as refusal:
        expect("remove it" in str(refusal), f"unexpected refusal: {refusal}")
    expect_ok(procedures.remove_live_peer(stage.target, stage.addr(1), stage.addr(peer)))
    report = expect_ok(procedures.clear_configuration(stage.target, stage.addr(peer)))
    expect(stage.peer(peer).get(TTL) == "1800", "the cleared peer kept the cluster's configuration")
    expect_ok(procedures.add_peer(stage.target, stage.addr(1), stage.addr(peer)))
    members = [h for h in range(1, size + 1) if h != peer] + [peer]
    settle(stage, members, ledger)
    return [f"peer {peer} cleared in {report.took:.1f} s and added back"]


if __name__ == "__main__":
    sys.exit(main(scenario, HOSTS, live_ok=False))
