"""Every procedure of the guide once on live tandemd processes on 127.0.10.N,
through `tandemctl cluster`, exactly as an operator would run them: create,
add, change the primary, upgrade, remove a live peer, add it back, remove a
dead peer, replace a dead peer by a spare machine, disband; then change a
peer's address, replace a peer keeping its configuration, and clear the
removed one's configuration. A peer that moves or is reset gets a certificate
that no longer names it as the bundle does, so those runs use --insecure, as
the plans warn."""
import subprocess

import pytest

from tandem.live import LocalCluster, build_dir, wait_for

TTL = "H323 Gatekeeper TimeToLive"


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("procedures")
    with LocalCluster(size=4, workdir=workdir, subnet="127.0.10") as cluster:
        # Each peer reads its software version from a file at every start, so
        # the upgrade command can change it and restart the peer.
        for peer in cluster.peers:
            version_file = workdir / f"{peer.address}.version"
            version_file.write_text(peer.status()["SystemUnit"]["Software"]["Version"] + "\n")
            peer.stop()
            peer.start(["--software-version-file", str(version_file)])
        bundle = workdir / "all-peers.pem"
        bundle.write_text("".join(p.cert_path.read_text() for p in cluster.peers))
        yield cluster, workdir, bundle


def cluster_command(rig, peer, *words, expect_ok=True, insecure=False):
    cluster, workdir, bundle = rig
    ctl = str(build_dir() / "runtime" / "daemon" / "tandemctl")
    trust = ["--insecure"] if insecure else ["--ca", str(bundle)]
    upgrade = (f"echo {{version}} > {workdir}/{{peer}}.version && {ctl} --peer {{peer}} "
               f"--password-file {cluster.primary.password_file} --ca {bundle} xCommand Restart >/dev/null")
    args = [ctl, "--peer", peer.address, "--password-file", str(peer.password_file), *trust, "cluster", *words]
    if words[0] == "upgrade":
        args += ["--upgrade-command", upgrade]
    out = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    if expect_ok:
        assert out.returncode == 0, out.stdout[-3000:] + out.stderr
        assert ": completed in " in out.stdout, out.stdout[-2000:]
    return out


def members(cluster, *indices):
    return [cluster.peers[i - 1] for i in indices]


def converged(peers):
    states = [p.cluster() for p in peers]
    return all(s["DatabaseStatus"] == "Active" and s["AppliedRevision"] == states[0]["AppliedRevision"] and
               {q["State"] for q in s["Peers"]} <= {"Active", "This system"} and len(s["Peers"]) == len(peers)
               for s in states)


def test_every_procedure_once_on_live_peers(rig):
    cluster, _, _ = rig
    p1, p2, p3, p4 = cluster.peers

    plan = cluster_command(rig, p1, "create", "--name", "cluster.tandem.test", "--dry-run", expect_ok=False)
    assert plan.returncode == 0 and "steps:" in plan.stdout and "completed" not in plan.stdout
    assert not p1.cluster()["Clustered"]  # a dry run changes nothing

    cluster_command(rig, p1, "create", "--name", "cluster.tandem.test")
    cluster_command(rig, p1, "add", p2.address)
    cluster_command(rig, p1, "add", p3.address)
    assert converged([p1, p2, p3])
    p1.set(TTL, "601")
    cluster.wait_converged(3)

    cluster_command(rig, p2, "change-primary")
    assert all(p.cluster()["ConfigurationPrimary"] == 2 for p in (p1, p2, p3))
    p2.set(TTL, "602")
    cluster.wait_converged(3)
    assert p3.get(TTL) == "602"

    report = cluster_command(rig, p2, "upgrade", "9.9.9")
    assert report.stdout.index(f"{p2.address}: upgrade to 9.9.9") < report.stdout.index(f"{p1.address}: upgrade to 9.9.9")
    assert {p.status()["SystemUnit"]["Software"]["Version"] for p in (p1, p2, p3)} == {"9.9.9"}
    assert converged([p1, p2, p3])

    refused = cluster_command(rig, p2, "remove", p2.address, expect_ok=False)
    assert refused.returncode == 1 and "change the primary first" in refused.stderr

    cluster_command(rig, p2, "remove", p3.address)
    assert converged([p1, p2])
    assert not p3.cluster()["Clustered"]

    cluster_command(rig, p2, "add", p3.address)  # a cleanly removed peer may come back
    assert converged([p1, p2, p3])
    assert p3.get(TTL) == "602"

    p3.kill()
    cluster_command(rig, p2, "remove-dead", p3.address)
    assert converged([p1, p2])

    # p4 still runs the old version: the upgrade's rule holds for a newcomer too.
    old = cluster_command(rig, p2, "add", p4.address, expect_ok=False)
    assert old.returncode == 1 and "every peer must run the same version" in old.stderr
    (rig[1] / f"{p4.address}.version").write_text("9.9.9\n")
    p4.restart()
    p1.kill()
    cluster_command(rig, p2, "replace", p1.address, p4.address)
    assert converged([p2, p4])
    assert p4.get(TTL) == "602"

    cluster_command(rig, p2, "disband")
    for peer in (p2, p4):
        state = peer.cluster()
        assert not state["Clustered"]
        assert peer.get(TTL) == "602"  # each keeps its configuration


@pytest.fixture(scope="module")
def second_rig(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("procedures2")
    with LocalCluster(size=4, workdir=workdir, subnet="127.0.10", first_address=21) as cluster:
        bundle = workdir / "all-peers.pem"
        bundle.write_text("".join(p.cert_path.read_text() for p in cluster.peers))
        yield cluster, workdir, bundle


def test_change_address_replace_keeping_configuration_and_clear_configuration_live(second_rig):
    cluster, _, _ = second_rig
    p1, p2, p3, p4 = cluster.peers
    cluster_command(second_rig, p1, "create", "--name", "cluster.tandem.test")
    cluster_command(second_rig, p1, "add", p2.address)
    cluster_command(second_rig, p1, "add", p3.address)
    p1.set(TTL, "701")
    p2.set("SNMP SystemLocation", "rack 2")  # peer-specific: it belongs to peer 2's machine role
    cluster.wait_converged(3)

    moved = "127.0.10.29"
    cluster_command(second_rig, p1, "change-address", p3.address, moved, insecure=True)
    p3.address = moved
    p3.ctl_insecure = True
    assert converged([p1, p2, p3])
    assert [p["Address"] for p in p1.cluster()["Peers"]] == [p1.address, p2.address, moved]
    assert p3.get(TTL) == "701"

    cluster_command(second_rig, p1, "replace-keep", p2.address, p4.address, insecure=True)
    assert converged([p1, p3, p4])
    assert p4.get("SNMP SystemLocation") == "rack 2"  # the old peer's own configuration came along
    assert p4.get(TTL) == "701"
    assert not p2.cluster()["Clustered"]

    cluster_command(second_rig, p1, "clear-configuration", p2.address, insecure=True)
    p2.ctl_insecure = True  # a new self-signed certificate after the reset
    wait_for(lambda: p2.get("SystemUnit Name") == "", 20, "peer 2 to come back reset")
    assert not p2.cluster()["Clustered"]
    assert p2.get(TTL) != "701"
