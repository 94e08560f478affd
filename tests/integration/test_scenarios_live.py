"""Scenario scripts on live tandemd processes (127.0.12.N), the same scripts the
twin runs: procedures of the guide through the REST client (tandem.live), and
the rehearsal command line reading a running cluster, rehearsing an upgrade
with a fault on its twin, and leaving the live cluster untouched."""
import importlib
import os
import pathlib
import subprocess
import sys

import pytest

from tandem import invariants, procedures
from tandem.live import PASSWORD, LocalCluster

SCENARIOS = pathlib.Path(__file__).resolve().parents[2] / "scenarios"
sys.path.insert(0, str(SCENARIOS))
from stage import LIVE_SUBNET, TTL, replay_command, run  # noqa: E402

# Each live scenario on its own addresses: 127.0.12.<first>...
LIVE = [("create_cluster", 11), ("add_peer", 21), ("change_primary", 31), ("upgrade", 41),
        ("remove_dead_peer", 51), ("replace_peer", 61), ("disband", 71), ("remove_live_peer", 81)]


@pytest.mark.parametrize("name,first", LIVE, ids=[n for n, _ in LIVE])
def test_scenario_on_live_peers(name, first, tmp_path):
    module = importlib.import_module(name)
    seed = 3
    try:
        lines, _ = run(module.scenario, module.HOSTS, seed, live=True, workdir=tmp_path / name, first_address=first)
    except AssertionError as error:
        pytest.fail(f"{name} failed live on seed {seed}: {error}\nreplay: {replay_command(name, seed, live=True)}",
                    pytrace=False)
    assert lines


def test_rehearsing_an_upgrade_reads_the_live_cluster_and_changes_nothing(tmp_path):
    with LocalCluster(size=3, workdir=tmp_path / "c", subnet=LIVE_SUBNET, first_address=91) as cluster:
        client = cluster.client()
        assert procedures.create_cluster(client, 1, "cluster.tandem.test").ok
        for n in (2, 3):
            assert procedures.add_peer(client, 1, n).ok
        client.peer(1).set(TTL, "654")
        peers = client.peers()
        assert invariants.Ledger().lost(peers) == []
        version = peers[0].software_version()
        primary = cluster.peers[0].address
        password_file = tmp_path / "pw"
        password_file.write_text(PASSWORD + "\n")
        args = [sys.executable, "-m", "tandem.rehearse", "--peer", primary, "--password-file", str(password_file),
                "--ca", str(tmp_path / "c" / "all-peers.pem"), "upgrade", "9.9.9",
                "--fault", f"crash:{primary}@1", "--fault", f"restart:{primary}@90", "--seeds", "2"]
        out = subprocess.run(args, capture_output=True, text=True, timeout=300, env=os.environ, check=False)
        assert out.returncode == 0, out.stdout[-3000:] + out.stderr
        assert f"read 3 peer(s) of cluster.tandem.test: primary {primary}" in out.stdout
        assert "faults applied: crash:1@1 restart:1@90" in out.stdout
        assert f"{primary}: upgrade to 9.9.9" in out.stdout  # in the live cluster's addresses
        assert "10.0.0." not in out.stdout
        assert "2 of 2 rehearsal(s) completed with the cluster converged" in out.stdout
        # Only read: the live peers are as they were.
        assert {p.software_version() for p in peers} == {version}
        assert {p.get(TTL) for p in peers} == {"654"}

        bad = subprocess.run([*args[:-2], "--seeds", "0"], capture_output=True, text=True, timeout=60, check=False)
        assert bad.returncode == 2 and "--seeds must be 1 or more" in bad.stderr
