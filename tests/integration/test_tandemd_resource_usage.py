"""Resource usage on UDP 1719 between real tandemd processes: two peers on
127.0.6.N form a cluster and each reports the other's usage as known and
fresh; garbage and forgeries sent to the port from an unlisted address change
nothing and leave the peer running."""
import os
import socket
import struct
import time

from tandem.live import LocalCluster, wait_for

USAGE_PORT = 1719
FRAME_TYPE = 0x30
STALE_AFTER_MS = 5000


def usage_seen_by(peer, slot):
    """What ``peer`` reports of peer ``slot``'s usage (xStatus Cluster Peers)."""
    return {p["Slot"]: p for p in peer.cluster()["Peers"]}[slot]["ResourceUsage"]


def forged_update(slot, registrations):
    """A well-formed update claiming to be peer ``slot``, with a huge sequence number."""
    payload = struct.pack(">BQQIIIIB", slot, 7, 1 << 40, registrations, 0, 0, 0, 0)
    return b"TD" + bytes([1, FRAME_TYPE]) + struct.pack(">I", len(payload)) + payload


def test_two_peers_share_fresh_usage_and_shrug_off_garbage_on_1719(tmp_path):
    with LocalCluster(size=2, workdir=tmp_path / "cluster", subnet="127.0.6") as cluster:
        cluster.form()
        first, second = cluster.peers
        for peer, other in ((first, second), (second, first)):
            wait_for(lambda: usage_seen_by(peer, other.index)["AgeMs"] is not None, 15,
                     f"{peer.name} to hear {other.name}'s resource usage")
            usage = usage_seen_by(peer, other.index)
            assert 0 <= usage["AgeMs"] <= STALE_AFTER_MS, usage
            assert (usage["Registrations"], usage["TraversalCalls"], usage["BandwidthKbps"]) == (0, 0, []), usage
            assert peer.cluster()["ResourceUsage"]["UnknownPeers"] == []

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as outsider:
            outsider.bind(("127.0.6.99", 0))  # not a listed peer
            for junk in (os.urandom(512), b"", b"TD\x01\x30\x00\x00\x01\xa2", b"\xff" * 1400,
                         forged_update(slot=2, registrations=999)):
                outsider.sendto(junk, (first.address, USAGE_PORT))
        time.sleep(1.5)  # past one update interval: the real peer 2 has spoken since

        assert first.running(), first.log()[-2000:]
        usage = usage_seen_by(first, 2)
        assert usage["Registrations"] == 0, usage  # the forgery was not taken
        assert usage["AgeMs"] is not None and usage["AgeMs"] <= STALE_AFTER_MS, usage
        assert "ignoring a UDP 1719 datagram from 127.0.6.99" in first.log()
