"""Endpoints and a real 2-peer cluster on 127.0.13.N, as the guide's
"Configure Endpoints to Work With a Cluster" and Appendix 2 describe them:

- `tandemctl cluster dns-records` prints the SRV and A records for the
  cluster name, and `--check` compares them with what a real DNS server
  (dnsmasq, 127.0.13.53) answers;
- an endpoint registers over TLS 5061 (Python's OpenSSL client, checking the
  peer's certificate) and is found from the other peer (`tandemctl locate`);
- baresip with SIP outbound to both peers keeps its registration on one when
  the other dies; baresip finding the cluster by DNS SRV moves to the
  surviving peer at its next refresh.

The tests share one cluster and run in file order (pytest-xdist --dist loadfile).
"""
import pathlib
import shutil
import signal
import socket
import ssl
import subprocess

import pytest

from dns_server import Dnsmasq
from tandem.live import CLUSTER_NAME, DOMAIN, LocalCluster, wait_for

SUBNET = "127.0.13"
DNS_SERVER = f"{SUBNET}.53"
BARESIP = shutil.which("baresip")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with LocalCluster(size=2, workdir=tmp_path_factory.mktemp("endpoints") / "cluster", subnet=SUBNET) as c:
        c.form()
        # The shortest standard refresh a VCS allows, so a moved endpoint shows within a minute.
        c.primary.set("SIP Registration Standard Refresh Maximum", "45")
        yield c


def ctl_text(cluster, peer, *words):
    """tandemctl's exit code and what it printed (stdout and stderr); every
    peer's certificate trusted, as a cluster-wide command needs."""
    bundle = cluster.workdir / "all-peers.pem"
    bundle.write_text("".join(p.cert_path.read_text() for p in cluster.peers))
    args = [str(peer._bin / "tandemctl"), "--peer", f"{peer.address}:{peer.admin_port}",
            "--password-file", str(peer.password_file), "--ca", str(bundle), *words]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    return done.returncode, done.stdout + done.stderr


def parse_zone(lines):
    """SRV (name, target, port, priority, weight) and A (name -> [ip]) of zone-file lines."""
    srv, a = [], {}
    for line in lines:
        words = line.split()
        if len(words) >= 8 and words[3] == "SRV":
            srv.append((words[0].rstrip("."), words[7].rstrip("."), int(words[6]), int(words[4]), int(words[5])))
        elif len(words) == 5 and words[3] == "A":
            a.setdefault(words[0].rstrip("."), []).append(words[4])
    return srv, a


def dns_for(tmp_path, srv, a):
    """dnsmasq answering exactly these records."""
    single = {name: ips[0] for name, ips in a.items() if len(ips) == 1}
    several = {name: ips for name, ips in a.items() if len(ips) > 1}
    dns = Dnsmasq(DNS_SERVER, DOMAIN, tmp_path, srv=srv, round_robin=several)
    dns.records = single
    return dns


def test_dns_records_are_printed_and_checked_against_a_real_dns_server(cluster, tmp_path):
    rc, out = ctl_text(cluster, cluster.peers[1], "cluster", "dns-records")  # any peer will do
    assert rc == 0, out
    lines = [line for line in out.splitlines() if not line.startswith(";")]
    for n in (1, 2):
        target = f"peer{n}.{DOMAIN}."
        for service, port in (("_sips._tcp", 5061), ("_sip._tcp", 5060), ("_h323ls._udp", 1719),
                              ("_h323rs._udp", 1719), ("_h323cs._tcp", 1720)):
            assert f"{service}.{CLUSTER_NAME}. 86400 IN SRV 1 1 {port} {target}" in lines, out
        assert f"peer{n}.{DOMAIN}. 86400 IN A {SUBNET}.1{n}" in lines, out
        assert f"{CLUSTER_NAME}. 60 IN A {SUBNET}.1{n}" in lines, out
    srv, a = parse_zone(lines)

    # Half a zone, and a record of a peer long gone.
    partial = [r for r in srv if r[1] == f"peer1.{DOMAIN}"] + [(f"_sip._tcp.{CLUSTER_NAME}", f"old.{DOMAIN}", 5060, 1, 1)]
    with dns_for(tmp_path / "partial", partial, {f"peer1.{DOMAIN}": [f"{SUBNET}.11"]}):
        rc, out = ctl_text(cluster, cluster.primary, "cluster", "dns-records", "--check", "--dns-server", DNS_SERVER)
    assert rc == 1, out
    assert f"[MISSING] _sip._tcp.{CLUSTER_NAME}. 86400 IN SRV 1 1 5060 peer2.{DOMAIN}." in out
    assert f"[STALE  ] _sip._tcp.{CLUSTER_NAME} SRV 1 1 5060 old.{DOMAIN}: not a peer of the cluster" in out
    assert f"[OK     ] peer1.{DOMAIN}. 86400 IN A {SUBNET}.11" in out
    assert "problem(s)" in out

    with dns_for(tmp_path / "full", srv, a):
        rc, out = ctl_text(cluster, cluster.primary, "cluster", "dns-records", "--check", "--dns-server", DNS_SERVER)
    assert rc == 0, out
    assert "DNS has every record the cluster needs." in out
    assert "[MISSING]" not in out and "[STALE" not in out


def register_over_tls(peer, user):
    """One REGISTER on TLS 5061, the peer's certificate checked against its address; the status line back."""
    context = ssl.create_default_context(cafile=str(peer.cert_path))
    with socket.create_connection((peer.address, 5061), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=peer.address) as tls:
            local = "%s:%d" % tls.getsockname()
            message = (f"REGISTER sip:{DOMAIN} SIP/2.0\r\n"
                       f"Via: SIP/2.0/TLS {local};branch=z9hG4bK-tls-1;rport\r\n"
                       f"Max-Forwards: 70\r\n"
                       f"From: <sip:{user}@{DOMAIN}>;tag=tls1\r\n"
                       f"To: <sip:{user}@{DOMAIN}>\r\n"
                       f"Call-ID: tls-{user}@{local}\r\n"
                       f"CSeq: 1 REGISTER\r\n"
                       f"Contact: <sips:{user}@{local}>\r\n"
                       f"Expires: 60\r\n"
                       f"Content-Length: 0\r\n\r\n")
            tls.sendall(message.encode())
            reply = b""
            while b"\r\n\r\n" not in reply:
                chunk = tls.recv(4096)
                if not chunk:
                    break
                reply += chunk
    return reply.decode(errors="replace").split("\r\n", 1)[0]


def test_a_tls_registration_is_found_from_the_other_peer(cluster):
    first, second = cluster.peers
    assert register_over_tls(second, "carol") == "SIP/2.0 200 OK"
    rows = second.ctl("registrations", "sip:carol@" + DOMAIN)["registrations"]
    assert [(r["AddressOfRecord"], r["Transport"]) for r in rows] == [(f"sip:carol@{DOMAIN}", "TLS")]
    located = first.ctl("locate", f"sip:carol@{DOMAIN}")
    assert [(p["Slot"], p["Result"]) for p in located["peers"]] == [(1, "NotFound"), (2, "Found")]
    assert located["peers"][1]["Registrations"][0]["Transport"] == "TLS"
    rc, out = ctl_text(cluster, first, "locate", f"sip:nobody@{DOMAIN}")
    assert rc == 0 and "is registered on 0 peers." in out, out


class Baresip:
    """baresip (Debian's, no audio device: files stand in) with one account, in its own config directory."""

    def __init__(self, workdir: pathlib.Path, listen: str, account: str, dns_server: str | None = None):
        workdir.mkdir(parents=True, exist_ok=True)
        config = [f"sip_listen {listen}", "module_path /usr/lib/baresip/modules", "module uuid.so",
                  "module account.so", "module g711.so", "module aufile.so", "audio_player aufile,/dev/null",
                  "audio_source aufile,/dev/null", "audio_alert aufile,/dev/null"]
        if dns_server:
            config.append(f"dns_server {dns_server}:53")
        (workdir / "config").write_text("\n".join(config) + "\n")
        (workdir / "accounts").write_text(account + "\n")
        self.workdir = workdir
        self.log = open(workdir / "baresip.log", "w")
        self.proc = subprocess.Popen([BARESIP, "-f", str(workdir), "-s"], stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def tail(self):
        return (self.workdir / "baresip.log").read_text(errors="replace")[-3000:]


def registered_on(peer, aor):
    try:
        return [r["RegId"] for r in peer.ctl("registrations", aor, timeout_s=20)["registrations"]]
    except Exception:  # the peer is down or restarting
        return None


@pytest.mark.skipif(BARESIP is None, reason="baresip is not installed (apt-get install baresip-core)")
def test_baresip_keeps_service_when_its_peer_dies(cluster, tmp_path):
    first, second = cluster.peers
    alice, bob = f"sip:alice@{DOMAIN}", f"sip:bob@{CLUSTER_NAME}"
    srv = [(f"_sip._tcp.{CLUSTER_NAME}", p.fqdn, 5060, 1, 1) for p in cluster.peers]
    with dns_for(tmp_path / "dns", srv, {p.fqdn: [p.address] for p in cluster.peers}):
        # Option 1, SIP outbound: registered through both peers at once (reg-id 1 and 2).
        outbound = Baresip(tmp_path / "alice", f"{SUBNET}.50:5072",
                           f'<{alice};transport=tcp>;auth_pass=x;sipnat=outbound;regint=600;'
                           f'outbound="sip:{first.address};transport=tcp";outbound2="sip:{second.address};transport=tcp"')
        # Option 2, DNS SRV: the cluster name; registered with one peer the SRV records chose.
        by_srv = Baresip(tmp_path / "bob", f"{SUBNET}.51:5074", f"<{bob};transport=tcp>;auth_pass=x;regint=45",
                         dns_server=DNS_SERVER)
        try:
            wait_for(lambda: registered_on(first, alice) == [1] and registered_on(second, alice) == [2], 20,
                     "alice to register through both peers")
            wait_for(lambda: (registered_on(first, bob) or []) + (registered_on(second, bob) or []), 20,
                     "bob to register with one peer")
            home, other = (first, second) if registered_on(first, bob) else (second, first)

            home.stop(signal.SIGKILL)
            # Outbound: at no time unreachable; the other flow never went away.
            assert registered_on(other, alice) == [2 if other is second else 1]
            located = other.ctl("locate", alice)
            assert [p["Result"] for p in located["peers"] if p["Address"] == other.address] == ["Found"]
            # SRV: at its next refresh bob finds its peer gone and registers with the other.
            wait_for(lambda: registered_on(other, bob), 75, "bob to move to the surviving peer")
        except BaseException:
            print("alice:", outbound.tail(), "\nbob:", by_srv.tail())
            raise
        finally:
            outbound.stop()
            by_srv.stop()
