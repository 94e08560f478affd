#!/usr/bin/env python3
"""Create a New Cluster: a stand-alone peer becomes peer 1 and the primary of a
cluster of one; its configuration stays and later changes are acknowledged."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from stage import TTL, CLUSTER_NAME, expect, expect_ok, main, settle  # noqa: E402
from tandem import invariants, procedures  # noqa: E402

HOSTS = 1


def scenario(stage, rng):
    ttl = str(rng.randint(60, 3600))
    stage.peer(1).set(TTL, ttl)  # made before the cluster exists: kept by it
    report = expect_ok(procedures.create_cluster(stage.target, stage.addr(1), CLUSTER_NAME))
    state = stage.peer(1).cluster()
    expect(state["Clustered"] and state["Name"] == CLUSTER_NAME and state["ConfigurationPrimary"] == 1,
           f"peer 1 is not the primary of {CLUSTER_NAME}: {state}")
    ledger = invariants.Ledger()
    ledger.acknowledged[TTL] = ttl
    settle(stage, [1], ledger)
    return [f"created in {report.took:.1f} s, {len(report.steps)} steps, revision {state['AppliedRevision']}"]


if __name__ == "__main__":
    sys.exit(main(scenario, HOSTS))
