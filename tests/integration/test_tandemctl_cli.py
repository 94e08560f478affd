"""tandemctl from the outside, as an operator runs it: usage errors (exit 2),
an unreachable peer (exit 3, in bounded time), and, against a small HTTPS
stand-in for a peer's admin API, certificate checks, the VCS-style output,
--json, a refused value (exit 1) and watch. The password is never printed."""
import base64
import http.server
import json
import os
import pathlib
import shutil
import ssl
import subprocess
import threading
import urllib.parse

import pytest

BUILD = pathlib.Path(os.environ.get("TANDEM_BUILD_DIR", pathlib.Path(__file__).resolve().parents[2] / "build" / "dev"))
CTL = BUILD / "runtime" / "daemon" / "tandemctl"
PASSWORD = "s3cret-never-printed"
# Every run is bounded: a hang fails the test instead of stalling the suite.
RUN_TIMEOUT_S = 30


def run(*args, password=PASSWORD, stdin=subprocess.DEVNULL):
    env = {k: v for k, v in os.environ.items() if k != "TANDEM_PASSWORD"}
    if password is not None:
        env["TANDEM_PASSWORD"] = password
    done = subprocess.run([str(CTL), *args], capture_output=True, text=True, timeout=RUN_TIMEOUT_S, env=env, stdin=stdin)
    assert PASSWORD not in done.stdout + done.stderr
    return done


def expect_exit(done, code, message):
    assert done.returncode == code, done
    assert message in done.stderr
    assert done.stderr.startswith("tandemctl: ")


@pytest.fixture(scope="module", autouse=True)
def built():
    if not CTL.exists():
        pytest.fail(f"{CTL} is not built")


# ---- usage ---------------------------------------------------------------------

@pytest.mark.parametrize("args, expected", [
    ([], "--peer ADDRESS[:PORT] is required"),
    (["--peer", "10.0.0.1"], "expected a command: xStatus, xConfiguration"),
    (["--peer", "10.0.0.1", "xconfig"], "unknown command 'xconfig'"),
    (["--peer", "10.0.0.1", "xConfiguration", "H323", "Mode:"], "expected a value after ':'"),
    (["--peer", "10.0.0.1", "xConfiguration", "H323", "Mode:", "On", "SIP", "Mode:", "Off"], "one 'path: value' per call"),
    (["--peer", "10.0.0.1", "xCommand", "DefaultValueSet", "2"], "expected '<Arg>: <value>', got '2'"),
    (["--peer", "10.0.0.1", "--ca", "a.pem", "--insecure", "xStatus"], "--ca and --insecure exclude each other"),
    (["--peer", "10.0.0.1:99999", "xStatus"], "expected a port from 1 to 65535"),
    (["--peer", "10.0.0.1", "events", "--limit", "0"], "expected a whole number from 1 to"),
    (["--peer", "10.0.0.1", "xStatus", "--json"], "global options go before the command"),
])
def test_usage_errors_exit_2_and_say_what_was_expected(args, expected):
    done = run(*args)
    expect_exit(done, 2, expected)
    assert "usage: tandemctl" in done.stderr
    assert done.stdout == ""


def test_help_prints_the_usage_and_exits_0():
    done = run("--help")
    assert done.returncode == 0
    assert done.stdout.startswith("usage: tandemctl --peer ADDRESS[:PORT]")
    assert "xCommand <Name> [<Arg>: <value>]..." in done.stdout


def test_without_a_password_or_a_terminal_it_says_how_to_give_one():
    expect_exit(run("--peer", "127.0.0.1", "xStatus", password=None), 2,
                "no password: give --password-file FILE or set TANDEM_PASSWORD")


def test_a_password_file_must_exist_and_hold_a_password(tmp_path):
    empty = tmp_path / "empty"
    empty.write_text("\n")
    expect_exit(run("--peer", "127.0.0.1", "--password-file", str(empty), "xStatus", password=None), 2,
                f"--password-file {empty}: its first line is empty")
    expect_exit(run("--peer", "127.0.0.1", "--password-file", str(tmp_path / "missing"), "xStatus", password=None), 2,
                "cannot read it: No such file or directory")


def test_a_ca_file_without_certificates_is_a_usage_error(tmp_path):
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a certificate\n")
    expect_exit(run("--peer", "127.0.0.1", "--ca", str(bogus), "xStatus"), 2, f"--ca {bogus}: no PEM certificate in it")


def test_an_unreachable_peer_exits_3_naming_the_peer():
    done = run("--peer", "127.0.0.250:1", "xStatus", "Cluster")
    expect_exit(done, 3, "tandemctl: cannot connect to 127.0.0.250:1: Connection refused")
    assert done.stdout == ""


# ---- against a stand-in peer -------------------------------------------------------

STATUS = {"SystemUnit": {"Name": "peer one"},
          "Cluster": {"Name": "east", "DatabaseStatus": "Active",
                      "Peers": [{"Address": "127.0.0.1", "State": "This system", "RttMs": None}]}}


class Peer(http.server.BaseHTTPRequestHandler):
    """Answers the admin API routes tandemctl uses, in runtime/admin's shapes."""
    protocol_version = "HTTP/1.1"
    seen = []  # (method, target, authorization, body)
    polls = {}  # watch: after -> how many times asked

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def handle_any(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        Peer.seen.append((method, self.path, self.headers.get("Authorization"), body))
        expected = "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            return self.reply(401, {"error": "authentication required: the user name or password is not valid"})
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if (method, url.path) == ("GET", "/api/v1/status"):
            return self.reply(200, {"Cluster": {"DatabaseStatus": "Active"}} if query.get("path") else STATUS)
        if (method, url.path) == ("POST", "/api/v1/configuration"):
            change = json.loads(body)["changes"][0]
            if int(change["value"]) < 60:
                return self.reply(400, {"error": f"H323 Gatekeeper TimeToLive: {change['value']} is below the minimum 60"})
            return self.reply(200, {"changed": 1, "restart_required": []})
        if (method, url.path) == ("GET", "/api/v1/alarms"):
            return self.reply(200, {"alarms": [{"id": 20011, "text": "Cluster communication failure", "severity": "Error",
                                                "action": "Check the network", "detail": "10.0.0.2",
                                                "raised_at": "2024-05-01T10:00:00Z", "acknowledged": False}]})
        if (method, url.path) == ("GET", "/api/v1/watch"):
            # At once for after=0; then each wait first runs out with no news
            # (the same seq), and the next one brings a change.
            after = int(query["after"])
            Peer.polls[after] = Peer.polls.get(after, 0) + 1
            seq = 1 if after == 0 else after + (Peer.polls[after] > 1)
            state = "Active" if seq % 2 else "Degraded"
            return self.reply(200, {"seq": seq, "status": {"Cluster": {"DatabaseStatus": state}}, "alarms": []})
        return self.reply(404, {"error": f"no such route: {method} {url.path}"})

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    if not shutil.which("openssl"):
        pytest.skip("the openssl command is needed to make the stand-in peer's certificate")
    where = tmp_path_factory.mktemp("peer-tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", str(where / "key.pem"), "-out", str(where / "cert.pem"), "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=RUN_TIMEOUT_S)
    return where / "cert.pem", where / "key.pem"


def serve(server):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


@pytest.fixture(scope="module")
def peer(certificate):
    cert, key = certificate
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Peer)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    serve(server)
    yield f"127.0.0.1:{server.server_address[1]}", str(cert)
    server.shutdown()
    server.server_close()


def test_status_over_verified_tls_prints_star_s_lines(peer):
    address, cert = peer
    Peer.seen.clear()
    done = run("--peer", address, "--ca", cert, "xStatus", "Cluster", "DatabaseStatus")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["*s Cluster DatabaseStatus: Active", "OK"]
    method, target, _, _ = Peer.seen[-1]
    assert (method, target) == ("GET", "/api/v1/status?path=Cluster%20DatabaseStatus")


def test_the_whole_status_numbers_the_peers(peer):
    address, cert = peer
    done = run("--peer", address, "--ca", cert, "xstatus")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        '*s SystemUnit Name: "peer one"', "*s Cluster Name: east", "*s Cluster DatabaseStatus: Active",
        "*s Cluster Peers 1 Address: 127.0.0.1", '*s Cluster Peers 1 State: "This system"',
        "*s Cluster Peers 1 RttMs: (none)", "OK"]


def test_json_prints_the_peers_reply_as_is(peer):
    address, cert = peer
    done = run("--peer", address, "--ca", cert, "--json", "xStatus")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == STATUS


def test_a_set_sends_one_change_and_says_ok(peer):
    address, cert = peer
    Peer.seen.clear()
    done = run("--peer", address, "--ca", cert, "xConfiguration", "H323", "Gatekeeper", "TimeToLive:", "600")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["OK"]
    method, target, _, body = Peer.seen[-1]
    assert (method, target) == ("POST", "/api/v1/configuration")
    assert json.loads(body) == {"changes": [{"path": "H323 Gatekeeper TimeToLive", "value": "600"}]}


def test_a_refused_value_exits_1_with_the_peers_reason(peer):
    address, cert = peer
    done = run("--peer", address, "--ca", cert, "xConfiguration", "H323", "Gatekeeper", "TimeToLive:", "5")
    assert done.returncode == 1
    assert done.stderr.strip() == "tandemctl: refused: H323 Gatekeeper TimeToLive: 5 is below the minimum 60"
    assert done.stdout == ""


def test_a_wrong_password_is_refused_naming_the_user(peer):
    address, cert = peer
    done = run("--peer", address, "--ca", cert, "alarms", password="wrong")
    expect_exit(done, 1, "refused: authentication required")
    assert "(as user 'admin')" in done.stderr


def test_alarms_are_a_table(peer):
    address, cert = peer
    done = run("--peer", address, "--ca", cert, "alarms")
    assert done.returncode == 0, done.stderr
    header, row = done.stdout.splitlines()
    assert header.split() == ["id", "severity", "acknowledged", "raised_at", "text", "detail", "action"]
    assert row.startswith("20011  Error     no ")


def test_the_system_trust_store_does_not_trust_a_self_signed_peer(peer):
    address, _ = peer
    done = run("--peer", address, "xStatus")
    expect_exit(done, 3, f"tandemctl: certificate of {address} is not trusted: self-signed certificate")
    assert "--insecure" in done.stderr


def test_the_certificate_must_name_the_address_dialled(peer):
    address, cert = peer
    port = address.rsplit(":", 1)[1]
    expect_exit(run("--peer", f"localhost:{port}", "--ca", cert, "xStatus"), 3,
                "is not trusted: hostname mismatch (it does not name 'localhost'")


def test_insecure_skips_the_certificate_check(peer):
    address, _ = peer
    done = run("--peer", address, "--insecure", "xStatus", "Cluster")
    assert done.returncode == 0, done.stderr


def test_watch_prints_the_state_then_each_change_until_count(peer):
    address, cert = peer
    Peer.seen.clear()
    Peer.polls.clear()
    done = run("--peer", address, "--ca", cert, "watch", "--count", "2")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "*s Cluster DatabaseStatus: Active",
        "*w seq: 2", "*s Cluster DatabaseStatus: Degraded",
        "*w seq: 3", "*s Cluster DatabaseStatus: Active"]
    assert [target for _, target, _, _ in Peer.seen] == [
        "/api/v1/watch?after=0&wait_ms=0",
        "/api/v1/watch?after=1&wait_ms=30000", "/api/v1/watch?after=1&wait_ms=30000",
        "/api/v1/watch?after=2&wait_ms=30000", "/api/v1/watch?after=2&wait_ms=30000"]


def test_a_port_that_does_not_speak_tls_is_a_tls_failure():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Peer)
    serve(server)
    try:
        done = run("--peer", f"127.0.0.1:{server.server_address[1]}", "--insecure", "xStatus")
    finally:
        server.shutdown()
        server.server_close()
    expect_exit(done, 3, "TLS handshake with 127.0.0.1:")
    assert "failed: wrong version number (is it an HTTPS port?)" in done.stderr
