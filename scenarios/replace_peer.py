#!/usr/bin/env python3
"""Replace a Peer: a peer (alive, or dead on some seeds) is removed and a spare
machine added in its place; the cluster converges with every change kept."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from stage import expect_ok, form_with_change, main, settle  # noqa: E402
from tandem import procedures  # noqa: E402

HOSTS = 4


def scenario(stage, rng):
    size, ledger = form_with_change(stage, rng, 2, stage.host_count - 1)
    spare = stage.host_count
    old = rng.randint(2, size)
    dead = rng.random() < 0.5
    if dead:
        stage.kill(old)
        stage.sleep(rng.uniform(1, 20))
    report = expect_ok(procedures.replace_peer(stage.target, stage.addr(1), stage.addr(old), stage.addr(spare)))
    members = [h for h in range(1, size + 1) if h != old] + [spare]
    settle(stage, members, ledger)
    return [f"peer {old} ({'dead' if dead else 'alive'}) replaced by the spare in {report.took:.1f} s"]


if __name__ == "__main__":
    sys.exit(main(scenario, HOSTS))
