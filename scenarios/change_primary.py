#!/usr/bin/env python3
"""Change the Primary Peer, with the old primary up or (on some seeds) dead: every
peer names the new primary, and changes made there reach every member. A dead
old primary is then removed, cleared when it comes back, and added again."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from stage import TTL, expect, expect_ok, form_with_change, main, settle  # noqa: E402
from tandem import procedures  # noqa: E402

HOSTS = 4


def scenario(stage, rng):
    size, ledger = form_with_change(stage, rng, 2, stage.host_count)
    stage.wait_until(lambda: not ledger.lost(stage.peers(range(1, size + 1))), 30)
    new = rng.randint(2, size)
    old_dead = size >= 3 and rng.random() < 0.5
    if old_dead:
        stage.kill(1)
        stage.sleep(rng.uniform(1, 20))
    report = expect_ok(procedures.change_primary(stage.target, stage.addr(new)))
    members = [h for h in range(1 if not old_dead else 2, size + 1)]
    for host in members:
        primary = stage.peer(host).cluster()["ConfigurationPrimary"]
        expect(primary == new, f"peer {host} names primary {primary}, not {new}")
    ledger.set(stage.peer(new), TTL, str(rng.randint(60, 3600)))
    if old_dead:
        # As the plan says: the old primary is removed as a dead peer, and
        # cleared when it comes back, before it is added again.
        expect_ok(procedures.remove_dead_peer(stage.target, stage.addr(new), stage.addr(1)))
        settle(stage, members, ledger)
        stage.start(1)
        expect_ok(procedures.clear_configuration(stage.target, stage.addr(1)))
        expect_ok(procedures.add_peer(stage.target, stage.addr(new), stage.addr(1)))
    settle(stage, range(1, size + 1), ledger)
    return [f"primary moved to peer {new} of {size} (old primary {'dead' if old_dead else 'up'}) "
            f"in {report.took:.1f} s"]


if __name__ == "__main__":
    sys.exit(main(scenario, HOSTS))
