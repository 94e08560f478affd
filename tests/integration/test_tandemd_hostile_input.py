"""Bad input to every port of a real tandemd (4371, 4372 and the admin API):
garbage, truncated and oversized frames, slow senders, floods of connections,
wrong passwords. The peer keeps running, keeps serving and keeps its data."""
import base64
import json
import os
import socket
import sqlite3
import ssl
import struct
import time

import pytest

from tandem.live import LocalCluster, TandemCtlError, wait_for

TTL = "H323 Gatekeeper TimeToLive"
RECOVERY, DATABASE, ADMIN = 4371, 4372, 8443


@pytest.fixture(scope="module")
def peer(tmp_path_factory):
    # A cluster of one, formed, so 4371 and 4372 are open too.
    with LocalCluster(size=1, workdir=tmp_path_factory.mktemp("hostile"), subnet="127.0.2") as cluster:
        cluster.form()
        cluster.primary.set(TTL, "777")
        yield cluster.primary


def tls_connect(address, port):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection((address, port), timeout=5)
    return context.wrap_socket(raw)


def assert_still_serving(peer):
    assert peer.running(), peer.log()[-2000:]
    assert peer.get(TTL) == "777"
    assert peer.cluster()["DatabaseStatus"] == "Active"


@pytest.mark.parametrize("port", [RECOVERY, DATABASE, ADMIN])
def test_plain_garbage_instead_of_tls_is_dropped(peer, port):
    with socket.create_connection((peer.address, port), timeout=5) as s:
        s.sendall(os.urandom(4096))
        s.settimeout(5)
        try:
            while s.recv(4096):
                pass
        except (ConnectionResetError, socket.timeout):
            pass
    assert_still_serving(peer)


@pytest.mark.parametrize("port", [RECOVERY, DATABASE])
@pytest.mark.parametrize("payload", [
    b"\x00" * 64,                                               # not a frame header at all
    b"TD\x01\x01" + struct.pack(">I", 100) + b"short",          # truncated: 5 of 100 bytes, then close
    b"TD\x01\x01" + struct.pack(">I", 0x7FFFFFFF),              # oversized: 2 GiB announced
    b"TD\x09\x01" + struct.pack(">I", 4) + b"abcd",             # a frame version from the future
    b"TD\x01\x01" + struct.pack(">I", 16) + os.urandom(16),     # a heartbeat of random bytes
], ids=["zeros", "truncated", "oversized", "future-version", "random-heartbeat"])
def test_bad_frames_over_tls_are_refused(peer, port, payload):
    with tls_connect(peer.address, port) as s:
        s.sendall(payload)
        s.settimeout(3)
        try:
            s.recv(1024)
        except (socket.timeout, ssl.SSLError, ConnectionResetError):
            pass
    assert_still_serving(peer)


def http(peer, raw: bytes, timeout=5) -> bytes:
    with tls_connect(peer.address, ADMIN) as s:
        try:
            s.sendall(raw)
        except (ssl.SSLError, OSError):
            pass  # the peer may answer and hang up before it has read everything
        s.settimeout(timeout)
        reply = b""
        try:
            while chunk := s.recv(65536):
                reply += chunk
        except (socket.timeout, ssl.SSLError, ConnectionResetError):
            pass
        return reply


def test_malformed_http_gets_a_400_naming_the_fault(peer):
    reply = http(peer, b"GARBAGE GARBAGE\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 400"), reply[:200]
    assert b"malformed HTTP request" in reply
    assert_still_serving(peer)


def test_an_oversized_body_is_refused(peer):
    header = (f"POST /api/v1/configuration HTTP/1.1\r\nHost: {peer.address}\r\n"
              f"Content-Length: {8 * 1024 * 1024}\r\n\r\n").encode()
    reply = http(peer, header + b"x" * 65536)
    assert reply.startswith(b"HTTP/1.1 400"), reply[:200]
    assert_still_serving(peer)


def test_a_slow_sender_does_not_hold_up_other_clients(peer):
    with tls_connect(peer.address, ADMIN) as slow:
        request = f"GET /api/v1/status HTTP/1.1\r\nHost: {peer.address}\r\n".encode()
        started = time.monotonic()
        for byte in request[:20]:
            slow.sendall(bytes([byte]))
            assert peer.get(TTL) == "777"  # served in between the trickle
            time.sleep(0.05)
        assert time.monotonic() - started < 30
    assert_still_serving(peer)


def test_a_flood_of_connections_is_bounded_and_leaves_the_peer_serving(peer):
    held = []
    try:
        for _ in range(80):  # past the admin API's bound of 64
            try:
                held.append(socket.create_connection((peer.address, ADMIN), timeout=2))
            except OSError:
                break
        time.sleep(0.5)
    finally:
        for s in held:
            s.close()
    wait_for(lambda: peer.get(TTL) == "777", 10, "the peer to serve again")
    assert_still_serving(peer)


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_wrong_passwords_are_refused_then_the_source_is_blocked(tmp_path):
    # A peer of its own: blocking this host's address must not disturb the others.
    with LocalCluster(size=1, workdir=tmp_path / "auth", subnet="127.0.2", first_address=41) as cluster:
        target = cluster.primary
        good = target.password_file.read_text().strip()
        wrong = tmp_path / "wrong"
        wrong.write_text("not-the-password\n")
        right_file = target.password_file
        try:
            target.password_file = wrong
            with pytest.raises(TandemCtlError) as refused:
                target.get(TTL)
            assert refused.value.code == 1
            assert "user name or password is not valid" in str(refused.value)
            for _ in range(5):
                with pytest.raises(TandemCtlError):
                    target.get(TTL)
            target.password_file = right_file
            with pytest.raises(TandemCtlError) as blocked:
                target.get(TTL)  # the right password, but the source is blocked now
            assert "block" in str(blocked.value).lower()
        finally:
            target.password_file = right_file
        assert good  # the account itself is unharmed: the block is on the source
        assert "tandem-admin-pw" not in target.log()  # no secret in the log


def test_the_database_is_intact_after_the_abuse(peer):
    db = peer.data_dir / "tandem.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert_still_serving(peer)


def test_a_certificate_that_does_not_parse_is_refused_and_the_peer_stays_reachable(peer):
    with pytest.raises(TandemCtlError) as refused:
        peer.set("Certificates Server Certificate", "not a certificate")
    assert refused.value.code == 1
    assert "Certificates Server Certificate" in str(refused.value)
    assert "nothing was changed" in str(refused.value)
    peer.restart()
    assert_still_serving(peer)
