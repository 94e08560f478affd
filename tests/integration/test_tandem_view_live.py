"""tandem-view following a live cluster: two real tandemd peers on 127.0.7.1-2
(real TLS, real admin API), formed with the guide's steps; tandem-view,
headless, connects to peer 1 over HTTPS with Basic auth, finds peer 2 through
peer 1's status, follows both watch streams, and prints what it shows. A peer
killed while it watches is drawn down, and the primary's alarm appears."""
import os
import pathlib
import subprocess
import time

import pytest

from tandem import live

COMMUNICATION_FAILURE = "20011"
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no display here, and none needed


def view_binary() -> pathlib.Path:
    return live.build_dir() / "gui" / "tandem-view"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with live.LocalCluster(size=2, workdir=tmp_path_factory.mktemp("view"), first_address=1,
                           subnet="127.0.7") as c:
        c.form()
        bundle = c.workdir / "all-peers.pem"
        bundle.write_text("".join(p.cert_path.read_text() for p in c.peers))
        c.bundle = bundle
        yield c


def tables(output: str) -> dict[str, list[dict[str, str]]]:
    """The --print output: '# name' sections of tab-separated rows under a header."""
    out, name, header = {}, None, None
    for line in output.splitlines():
        if line.startswith("# "):
            name, header = line[2:].split(" ")[0], None
            out[name] = []
        elif name and header is None:
            header = line.split("\t")
        elif name:
            out[name].append(dict(zip(header, line.split("\t"))))
    return out


def run_view(cluster, seconds: float, *security: str) -> subprocess.Popen:
    args = [str(view_binary()), "--live", cluster.primary.address, "--password-file",
            str(cluster.primary.password_file), *security, "--at", str(seconds), "--print"]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def finish(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return tables(out)


def by_peer(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["Peer"]: row for row in rows}


def test_shows_every_peer_of_the_cluster_it_connects_to(cluster):
    shown = finish(run_view(cluster, 3, "--ca", str(cluster.bundle)))
    peers = by_peer(shown["peers"])
    assert set(peers) == {"127.0.7.1", "127.0.7.2"}
    assert peers["127.0.7.1"]["Role"] == "Primary"
    assert peers["127.0.7.2"]["Role"] == "Subordinate"
    for row in peers.values():
        assert row["State"] == "Up"
        assert row["Database"] == "Active"
        assert row["Lag"] == "0"
        assert row["Settings"] == "Match"
        assert row["Last contact"] == "now"


def test_follows_a_peer_dying_while_it_watches(cluster):
    proc = run_view(cluster, 12, "--insecure")
    time.sleep(3)
    cluster.peers[1].kill()
    try:
        shown = finish(proc)
    finally:
        cluster.peers[1].start()
    peers = by_peer(shown["peers"])
    assert peers["127.0.7.2"]["State"] == "Down"
    assert peers["127.0.7.1"]["State"] == "Up"
    alarms = [(a["Peer"], a["ID"]) for a in shown["alarms"]]
    assert ("127.0.7.1", COMMUNICATION_FAILURE) in alarms


def test_a_wrong_ca_file_is_refused_before_connecting(cluster, tmp_path):
    empty = tmp_path / "empty.pem"
    empty.write_text("")
    proc = run_view(cluster, 1, "--ca", str(empty))
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert "no PEM certificate in CA file" in err
