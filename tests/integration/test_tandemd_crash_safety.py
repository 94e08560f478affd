"""SIGKILL at any moment loses no acknowledged configuration: a client commits
change after change over the admin API while the peer is killed at random
moments; after every restart the last acknowledged value (or the one in flight)
is there and SQLite's integrity check passes."""
import base64
import http.client
import json
import random
import sqlite3
import ssl
import threading
import time

import pytest

from tandem.live import PASSWORD, LocalCluster

TTL = "H323 Gatekeeper TimeToLive"


class Committer(threading.Thread):
    """Sets TTL to 60, 61, 62... until stopped, remembering what was acknowledged."""

    def __init__(self, peer, first):
        super().__init__(daemon=True)
        self.peer = peer
        self.next_value = first
        self.acknowledged = None
        self.in_flight = None
        self.stop_flag = threading.Event()
        self.running = threading.Event()  # cleared: no new request starts
        self.running.set()

    def run(self):
        context = ssl.create_default_context(cafile=str(self.peer.cert_path))
        context.check_hostname = False
        auth = "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
        while not self.stop_flag.is_set():
            try:
                connection = http.client.HTTPSConnection(self.peer.address, self.peer.admin_port, context=context,
                                                         timeout=5)
                while not self.stop_flag.is_set():
                    self.running.wait(timeout=0.1)
                    if not self.running.is_set():
                        continue
                    self.in_flight = self.next_value
                    body = json.dumps({"changes": [{"path": TTL, "value": str(self.in_flight)}]})
                    connection.request("POST", "/api/v1/configuration", body=body,
                                       headers={"Authorization": auth, "Content-Type": "application/json"})
                    reply = connection.getresponse()
                    reply.read()
                    if reply.status == 200:
                        self.acknowledged = self.in_flight
                        self.next_value = 60 + (self.next_value - 59) % 60000
            except (OSError, http.client.HTTPException):
                time.sleep(0.01)  # killed under us: try again once it is back


@pytest.mark.parametrize("seed", [1, 2])
def test_sigkill_at_random_moments_loses_no_acknowledged_change(tmp_path, seed):
    rng = random.Random(seed)
    with LocalCluster(size=1, workdir=tmp_path / "crash", subnet="127.0.5", first_address=10 + seed) as solo:
        peer = solo.primary
        solo.create()  # clustered: commits go through replication's revision counter
        committer = Committer(peer, first=60)
        committer.start()
        try:
            for _ in range(8):
                time.sleep(rng.uniform(0.05, 0.4))
                committer.running.clear()  # whatever is in flight now is the last request
                peer.kill()
                time.sleep(0.1)  # let the committer see the connection die
                acknowledged, in_flight = committer.acknowledged, committer.in_flight
                db = peer.data_dir / "tandem.db"
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
                    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                peer.start()
                value = int(peer.get(TTL))
                assert acknowledged is not None
                # The acknowledged value, or the one that was committed but not yet answered.
                assert value in (acknowledged, in_flight), (value, acknowledged, in_flight)
                committer.running.set()
        finally:
            committer.stop_flag.set()
            committer.join(timeout=10)
        assert peer.cluster()["DatabaseStatus"] == "Active"
