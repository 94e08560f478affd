"""Endpoints register with a real tandemd peer: sipp registers users over TCP
5060 to peer 2 of a 2-peer cluster on 127.0.11.N; peer 2's xStatus counts
them, peer 1 hears the count over UDP 1719, xCommand Unregister removes one,
and in maintenance mode new registrations get 503 with Retry-After."""
import shutil
import subprocess

import pytest

from tandem.live import LocalCluster, wait_for
from test_sip_registrar_sipp import REFUSED_IN_MAINTENANCE, REGISTER_AND_REFRESH, users

SIPP = shutil.which("sipp")
CLIENT = "127.0.11.99"

pytestmark = pytest.mark.skipif(SIPP is None, reason="sipp is not installed (apt-get install sip-tester)")


def sipp(tmp_path, peer, scenario, users_file, calls):
    (tmp_path / "scenario.xml").write_text(scenario)
    args = [SIPP, f"{peer.address}:5060", "-sf", str(tmp_path / "scenario.xml"), "-inf", str(users_file),
            "-i", CLIENT, "-p", "5080", "-m", str(calls), "-r", "200", "-l", str(calls), "-t", "t1",
            "-nostdin", "-timeout", "60s", "-timeout_error"]
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=90)
    return done.returncode, done.stdout[-2000:] + done.stderr[-2000:]


def test_endpoints_register_with_a_peer_and_the_cluster_sees_them(tmp_path):
    with LocalCluster(size=2, workdir=tmp_path / "cluster", subnet="127.0.11") as cluster:
        cluster.form()
        first, second = cluster.peers
        rc, out = sipp(tmp_path, second, REGISTER_AND_REFRESH, users(tmp_path / "users.csv", "sip", 300), 300)
        assert rc == 0, out
        assert second.status("SIP")["SIP"]["Registrations"] == 300
        wait_for(lambda: next(p for p in first.cluster()["Peers"] if p["Slot"] == 2)["ResourceUsage"]["Registrations"]
                 == 300, 10, "peer 1 to hear peer 2's registrations")
        second.command("Unregister", AddressOfRecord="sip:sip00000@example.com")
        assert second.status("SIP")["SIP"]["Registrations"] == 299

        second.command("MaintenanceMode", Mode="On")
        rc, out = sipp(tmp_path, second, REFUSED_IN_MAINTENANCE, users(tmp_path / "late.csv", "late", 50), 50)
        assert rc == 0, out  # every REGISTER answered 503 with a Retry-After
        assert second.status("SIP")["SIP"]["Registrations"] == 299
