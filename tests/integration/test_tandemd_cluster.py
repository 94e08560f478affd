"""A real cluster: three tandemd processes on 127.0.1.N with real TLS and real
SQLite files, formed with the guide's steps through tandemctl, then hurt with
SIGKILL, restarts and a software version mismatch."""
import re
import socket
import time

import pytest

from tandem.live import LocalCluster, wait_for

COMMUNICATION_FAILURE = 20011
UPGRADE_IN_PROGRESS = 20008
TTL = "H323 Gatekeeper TimeToLive"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with LocalCluster(size=3, workdir=tmp_path_factory.mktemp("cluster"), subnet="127.0.1") as c:
        c.form()
        yield c


@pytest.fixture
def healthy(cluster):
    """Every peer running and converged before each test, whatever the last one did."""
    for peer in cluster.peers:
        if not peer.running():
            peer.start()
    cluster.wait_converged()
    return cluster


def test_forming_lists_every_peer_active_with_this_system(healthy):
    for peer in healthy.peers:
        state = peer.cluster()
        assert state["Name"] == "cluster.tandem.test"
        assert state["ThisSystem"] == peer.index
        assert state["DatabaseStatus"] == "Active"
        others = {p["Slot"]: p["State"] for p in state["Peers"]}
        assert others == {1: "Active", 2: "Active", 3: "Active"} | {peer.index: "This system"}
        assert COMMUNICATION_FAILURE not in peer.alarm_ids()


def test_a_change_on_the_primary_reaches_every_peer(healthy):
    healthy.primary.set(TTL, "600")
    healthy.wait_converged()
    assert [p.get(TTL) for p in healthy.peers] == ["600"] * 3


def test_an_edit_on_a_subordinate_is_overwritten_by_the_primary(healthy):
    healthy.primary.set(TTL, "700")
    healthy.wait_converged()
    healthy.peers[1].set(TTL, "900")
    wait_for(lambda: healthy.peers[1].get(TTL) == "700", 10, "the primary's value to come back")


def test_a_killed_subordinate_is_alarmed_and_catches_up_after_restart(healthy):
    primary, sub, other = healthy.peers
    sub.kill()
    for peer in (primary, other):
        wait_for(lambda: COMMUNICATION_FAILURE in peer.alarm_ids(), 15, f"communication failure on {peer.name}")
    primary.set(TTL, "1200")  # made while peer 2 is away
    sub.start()
    wait_for(lambda: sub.get(TTL) == "1200", 15, "peer 2 to catch up")
    healthy.wait_converged()
    for peer in (primary, other):
        wait_for(lambda: COMMUNICATION_FAILURE not in peer.alarm_ids(), 15, f"the alarm to clear on {peer.name}")


def test_a_killed_primary_loses_no_acknowledged_change(healthy):
    primary = healthy.primary
    for ttl in ("301", "302", "303"):
        primary.set(TTL, ttl)  # acknowledged: tandemctl returned
    primary.kill()
    for sub in healthy.peers[1:]:
        wait_for(lambda: COMMUNICATION_FAILURE in sub.alarm_ids(), 15, f"communication failure on {sub.name}")
    primary.start()
    assert primary.get(TTL) == "303"
    healthy.wait_converged()
    assert [p.get(TTL) for p in healthy.peers] == ["303"] * 3
    for sub in healthy.peers[1:]:
        wait_for(lambda: COMMUNICATION_FAILURE not in sub.alarm_ids(), 15, f"the alarm to clear on {sub.name}")


def test_a_different_software_version_suspends_replication_until_it_matches(healthy):
    sub = healthy.peers[2]
    sub.stop()
    sub.software_version = "9.9.9"
    sub.start()
    wait_for(lambda: UPGRADE_IN_PROGRESS in sub.alarm_ids(), 15, "the upgrade alarm on peer 3")
    assert sub.cluster()["DatabaseStatus"] != "Active"
    healthy.primary.set(TTL, "444")
    assert sub.get(TTL) != "444"
    sub.stop()
    sub.software_version = None
    sub.start()
    wait_for(lambda: sub.get(TTL) == "444", 15, "replication to resume")
    wait_for(lambda: UPGRADE_IN_PROGRESS not in sub.alarm_ids(), 10, "the upgrade alarm to clear")


def test_sigterm_stops_every_peer_cleanly(tmp_path):
    with LocalCluster(size=1, workdir=tmp_path / "one", subnet="127.0.1", first_address=31) as solo:
        peer = solo.peers[0]
        peer.set(TTL, "555")
        assert peer.stop() == 0
        assert "stopping" in peer.log()
        peer.start()
        assert peer.get(TTL) == "555"


def test_logs_also_go_to_the_remote_syslog_server(tmp_path):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.1.99", 514))
    receiver.settimeout(10)
    try:
        with LocalCluster(size=1, workdir=tmp_path / "syslog", subnet="127.0.1", first_address=32) as solo:
            peer = solo.peers[0]
            peer.set("Logging Server 1 Address", "127.0.1.99")
            peer.restart()  # the servers are read at start
            peer.set(TTL, "556")
            lines = []
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not any("POST /api/v1/configuration" in l for l in lines):
                lines.append(receiver.recv(4096).decode())
    finally:
        receiver.close()
    line = next(l for l in lines if "POST /api/v1/configuration" in l)
    assert re.match(r"<134>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z PEER1 tandemd \d+ admin - ", line), line
    assert "tandem-admin-pw" not in "".join(lines)


def test_six_peers_form_one_cluster_and_replicate(tmp_path):
    with LocalCluster(size=6, workdir=tmp_path / "six", subnet="127.0.1", first_address=41) as six:
        six.form()
        six.primary.set(TTL, "606")
        six.wait_converged()
        for peer in six.peers:
            assert peer.get(TTL) == "606"
            assert [p["State"] for p in peer.cluster()["Peers"]].count("Active") == 5
