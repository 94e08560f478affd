"""TLS verification mode Enforce on real peers (the guide's "TLS verification
mode" and Appendix 3): tandemd processes on 127.0.3.N, real TLS, a real DNS
server (dnsmasq on 127.0.3.53:53) and certificates made with the openssl CLI.

As the guide recommends, every peer certificate has the cluster FQDN as CN and
the peer's FQDN as SAN, and the Peer N addresses are those FQDNs. The cluster
FQDN itself has no A record, so a peer is let in by its SAN alone: the SAN must
resolve, through the peer's own DNS, to the address the connection came from.

Covered: a good Enforce cluster forms and replicates; each bad certificate
(untrusted, expired, name not in DNS, name resolving elsewhere) is refused on
4371 and 4372 by every other peer with alarm 20017 saying why, and let in once
fixed (a good certificate through tandemctl, or the missing DNS record); a
primary whose name resolves elsewhere is refused by its subordinates; the same
bad certificates form a Permissive cluster; openssl s_client, as an outside
client, sees each peer's certificate on 4371, 4372 and 8443 over TLS 1.2 and
1.3, verifies the good ones against the test CA and not the untrusted one, and
is itself refused on the cluster ports under Enforce.
"""
import dataclasses
import os
import re
import shutil
import subprocess

import pytest

from dns_server import DNSMASQ, Dnsmasq
from pki_tools import Issued, Pki, fingerprint, not_after
from tandem.live import LocalCluster, LocalPeer, wait_for

SUBNET = "127.0.3"
DNS_ADDRESS = "127.0.3.53"
ELSEWHERE = "127.0.3.99"  # where a certificate name may point instead (say, a NAT's public side)
OUTSIDER = "127.0.3.77"   # an address no peer has, for outside clients
DOMAIN = "tandem.test"
REFUSED = 20017           # TLS verification failed
TTL = "H323 Gatekeeper TimeToLive"
RECOVERY, DATABASE, ADMIN = 4371, 4372, 8443

LAB_NAME = f"peer3.lab.{DOMAIN}"  # a SAN with no DNS record
DMZ_NAME = f"peer3.dmz.{DOMAIN}"  # SANs whose records point ELSEWHERE
PRIMARY_DMZ_NAME = f"peer1.dmz.{DOMAIN}"


def enforce_records() -> dict[str, str]:
    """DNS as it is before each test: the three peers, and the DMZ names elsewhere."""
    return ({f"peer{n}.{DOMAIN}": f"{SUBNET}.{10 + n}" for n in (1, 2, 3)} |
            {DMZ_NAME: ELSEWHERE, PRIMARY_DMZ_NAME: ELSEWHERE})


# ---- module fixtures: DNS, PKI, the two clusters -------------------------------

@pytest.fixture(scope="module")
def dns(tmp_path_factory):
    if not os.path.exists(DNSMASQ):
        pytest.skip(f"{DNSMASQ} is not installed (Debian package dnsmasq-base)")
    if os.geteuid() != 0:
        pytest.skip("serving DNS on port 53 (where tandemd asks) needs root")
    with Dnsmasq(DNS_ADDRESS, DOMAIN, tmp_path_factory.mktemp("dns")) as server:
        server.reset(enforce_records())
        yield server


@dataclasses.dataclass
class Certificates:
    ca: Issued
    good: dict[int, Issued]   # peer N: CN cluster.tandem.test, SAN peerN.tandem.test
    self_signed: Issued       # SAN peer3.tandem.test, signed by itself
    other_ca: Issued          # SAN peer3.tandem.test, from a CA no peer trusts
    expired: Issued           # SAN peer3.tandem.test, from the CA, ended yesterday
    unresolvable: Issued      # SAN peer3.lab.tandem.test, which DNS does not know
    elsewhere: Issued         # SAN peer3.dmz.tandem.test, which DNS puts at ELSEWHERE
    primary_elsewhere: Issued  # SAN peer1.dmz.tandem.test, which DNS puts at ELSEWHERE


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    directory = tmp_path_factory.mktemp("pki")
    pki = Pki(directory / "ca")
    rogue = Pki(directory / "rogue-ca", ca_name="Rogue CA")
    peer3 = [f"peer3.{DOMAIN}"]
    return Certificates(
        ca=pki.ca,
        good={n: pki.issue(f"peer{n}", san=[f"peer{n}.{DOMAIN}"]) for n in (1, 2, 3)},
        self_signed=pki.self_signed("self-signed", san=peer3),
        other_ca=rogue.issue("other-ca", san=peer3),
        expired=pki.issue("expired", san=peer3, expired=True),
        unresolvable=pki.issue("unresolvable", san=[LAB_NAME]),
        elsewhere=pki.issue("elsewhere", san=[DMZ_NAME]),
        primary_elsewhere=pki.issue("primary-elsewhere", san=[PRIMARY_DMZ_NAME]),
    )


def give(peer: LocalPeer, cert: Issued, ca: Issued) -> None:
    """What `tandemd init` installs on ``peer``: ``cert``, and ``ca`` as its trusted CA."""
    peer.certificate, peer.private_key, peer.trusted_ca = cert.certificate, cert.private_key, ca.certificate
    peer.ctl_insecure = True  # the certificates name DNS names, not the address tandemctl dials


@pytest.fixture(scope="module")
def enforce(dns, certs, tmp_path_factory):
    """Peers 1-3 on 127.0.3.11-13, listed by FQDN, Enforce, good certificates."""
    cluster = LocalCluster(size=3, workdir=tmp_path_factory.mktemp("enforce"), subnet=SUBNET,
                           dns_server=DNS_ADDRESS, tls_mode="Enforce", peers_by_fqdn=True)
    for peer in cluster.peers:
        give(peer, certs.good[peer.index], certs.ca)
    with cluster:
        cluster.form()
        yield cluster


@pytest.fixture
def healthy(enforce, dns, certs):
    """Before each test: every peer running on its good certificate, DNS as at the
    start, the cluster converged and no refusal alarm, whatever the last test did."""
    dns.reset(enforce_records())
    for peer in enforce.peers:
        if not peer.running():
            peer.start()
        good = certs.good[peer.index]
        if peer.certificate != good.certificate:
            peer.install_certificate(good.certificate, good.private_key)
    enforce.wait_converged()
    for peer in enforce.peers:
        wait_for(lambda: REFUSED not in peer.alarm_ids(), 15, f"no refusal alarm on {peer.name}")
    return enforce


@pytest.fixture(scope="module")
def permissive(dns, certs, tmp_path_factory):
    """Peers 1-4 on 127.0.3.21-24, listed by IP address (the guide's Appendix 3
    static-NAT case), Permissive, each with one of the bad certificates."""
    cluster = LocalCluster(size=4, workdir=tmp_path_factory.mktemp("permissive"), subnet=SUBNET, first_address=21,
                           dns_server=DNS_ADDRESS, tls_mode="Permissive")
    for peer, cert in zip(cluster.peers, (certs.self_signed, certs.expired, certs.unresolvable, certs.elsewhere)):
        give(peer, cert, certs.ca)
    with cluster:
        cluster.form()
        yield cluster


# ---- helpers -------------------------------------------------------------------

def alarm(peer: LocalPeer, alarm_id: int) -> dict | None:
    return next((a for a in peer.alarms() if a["id"] == alarm_id), None)


def view_of(peer: LocalPeer, slot: int) -> str:
    """The state ``peer`` gives slot ``slot`` in xStatus Cluster."""
    return next(p["State"] for p in peer.cluster()["Peers"] if p["Slot"] == slot)


def log_lines(peer: LocalPeer, since: int = 0) -> list[str]:
    return peer.log()[since:].splitlines()


def logged(peer: LocalPeer, since: int, *parts: str) -> bool:
    """Whether one line of the peer's log since offset ``since`` holds every part."""
    return any(all(part in line for part in parts) for line in log_lines(peer, since))


def restarts(peer: LocalPeer) -> int:
    return sum("tandemd: restarting" in line for line in log_lines(peer))


def wait_refused(refusers: list[LocalPeer], refused: LocalPeer, why: str, timeout_s: float = 20) -> None:
    """Until every refuser holds alarm 20017 saying ``why`` about ``refused`` and
    counts it Failed: a refused peer stays Active for its last heartbeats' sake
    for a few seconds, and the alarm is only steady once it is Failed."""
    def steady():
        for peer in refusers:
            raised = alarm(peer, REFUSED)
            if not raised or why not in raised["detail"] or view_of(peer, refused.index) != "Failed":
                return False
        return True

    try:
        wait_for(steady, timeout_s, f"{[p.name for p in refusers]} to refuse {refused.name}")
    except TimeoutError as error:
        seen = {p.name: (alarm(p, REFUSED), view_of(p, refused.index)) for p in refusers}
        raise AssertionError(f"{error}; expected a refusal saying {why!r}; saw {seen}") from None


def s_client(address: str, port: int, *args: str, timeout_s: float = 15) -> subprocess.CompletedProcess:
    """openssl s_client as an outside client: connect, handshake, then end (stdin is empty)."""
    return subprocess.run(["openssl", "s_client", "-connect", f"{address}:{port}", *args], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout_s, check=False)


def s_client_until_hung_up(address: str, port: int, *args: str, timeout_s: float = 10) -> subprocess.CompletedProcess:
    """openssl s_client that keeps its side open (its stdin never ends), so it
    ends only when the peer hangs up, after the peer's verdict and the DNS
    lookups it takes. Fails if the peer keeps the connection open."""
    proc = subprocess.Popen(["openssl", "s_client", "-connect", f"{address}:{port}", *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        proc.wait(timeout=timeout_s)  # its output is a few KiB: the pipes do not fill
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{address}:{port} kept an outside client's connection open for {timeout_s} s") from None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
        proc.stdin.close()
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.read(), proc.stderr.read())


def presented_certificate(out: subprocess.CompletedProcess) -> str:
    match = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n", out.stdout, re.S)
    assert match, f"no server certificate in the s_client output: {out.stdout[-2000:]} {out.stderr[-1000:]}"
    return match.group(0)


def negotiated(out: subprocess.CompletedProcess) -> str:
    match = re.search(r"^New, (TLSv[\d.]+), Cipher is ", out.stdout, re.M)
    assert match, f"no handshake in the s_client output: {out.stdout[-2000:]} {out.stderr[-1000:]}"
    return match.group(1)


# ---- Enforce: good certificates ------------------------------------------------

def test_an_enforce_cluster_with_good_certificates_forms_and_replicates(healthy, dns):
    for peer in healthy.peers:
        state = peer.cluster()
        assert state["TlsVerificationMode"] == "Enforce"
        assert state["DatabaseStatus"] == "Active"
        assert {p["Slot"]: p["Address"] for p in state["Peers"]} == {n: f"peer{n}.{DOMAIN}" for n in (1, 2, 3)}
        assert {p["Slot"]: p["State"] for p in state["Peers"]} == {1: "Active", 2: "Active", 3: "Active",
                                                                  peer.index: "This system"}
        assert REFUSED not in peer.alarm_ids()
        assert not logged(peer, 0, "refused"), [line for line in log_lines(peer) if "refused" in line]
    # The peers looked the names on each other's certificates up in their DNS, the
    # dnsmasq here: the CN (which has no record; the test never asks for it) too.
    assert "query[A] cluster.tandem.test from" in dns.log()
    healthy.primary.set(TTL, "600")
    healthy.wait_converged()
    assert [p.get(TTL) for p in healthy.peers] == ["600"] * 3


# ---- Enforce: the refusal matrix -----------------------------------------------

@dataclasses.dataclass(frozen=True)
class Fault:
    certificate: str   # which of Certificates peer 3 is given
    fix: str           # "certificate": install the good one; "dns": point its name at peer 3


FAULTS = {
    "untrusted-self-signed": Fault("self_signed", "certificate"),
    "untrusted-other-ca": Fault("other_ca", "certificate"),
    "expired": Fault("expired", "certificate"),
    "name-not-in-dns": Fault("unresolvable", "dns"),
    "name-resolves-elsewhere": Fault("elsewhere", "dns"),
}


def reason(fault: str, certs: Certificates, refused: LocalPeer) -> str:
    """What the alarm and the log must say about peer 3's certificate."""
    if fault == "untrusted-self-signed":
        return "(issuer 'cluster.tandem.test') does not chain to a trusted CA: self-signed certificate"
    if fault == "untrusted-other-ca":
        return "(issuer 'Rogue CA') does not chain to a trusted CA: unable to get local issuer certificate"
    if fault == "expired":
        ended = not_after(certs.expired.certificate)
        return "(issuer 'Tandem Test CA') expired at " + ended.strftime("%Y-%m-%dT%H:%M:%SZ")
    if fault == "name-not-in-dns":
        return f"certificate name {LAB_NAME} does not resolve: no such name {LAB_NAME}"
    return f"certificate name {DMZ_NAME} resolves to {ELSEWHERE}, not {refused.address}"


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_bad_certificate_is_refused_on_both_ports_until_fixed(healthy, dns, certs, fault):
    primary, other, bad = healthy.peers
    why = reason(fault, certs, bad)
    since = {p.name: len(p.log()) for p in healthy.peers}
    cert: Issued = getattr(certs, FAULTS[fault].certificate)
    ttl = str(700 + list(FAULTS).index(fault))  # a value of this test's own

    bad.install_certificate(cert.certificate, cert.private_key)  # through tandemctl, then a restart

    # Both other peers refuse it, and say why.
    wait_refused([primary, other], bad, why)
    for peer in (primary, other):
        assert f"({bad.address}:" in alarm(peer, REFUSED)["detail"]
        # 4371: the membership link each dials to peer 3 is refused (peer 3 as the TLS server).
        assert logged(peer, since[peer.name], f"cluster: refused peer 3 ({bad.address}:{RECOVERY}): ", why)
    # 4372: peer 3's database connection to the primary is refused (peer 3 as the TLS client).
    assert logged(primary, since[primary.name], f"replication: refused database connection ({bad.address}:", why)
    # Peer 3 finds nothing wrong with the others' certificates, but is shut out.
    assert REFUSED not in bad.alarm_ids()
    assert bad.cluster()["DatabaseStatus"] != "Active"
    assert view_of(bad, 1) != "Active" and view_of(bad, 2) != "Active"
    primary.set(TTL, ttl)
    wait_for(lambda: other.get(TTL) == ttl, 10, "the change to reach peer 2")
    assert bad.get(TTL) != ttl

    # The fix: a good certificate (and the restart it needs), or the DNS record.
    if FAULTS[fault].fix == "certificate":
        good = certs.good[bad.index]
        bad.install_certificate(good.certificate, good.private_key)
    else:
        restarted = restarts(bad)
        dns.set(LAB_NAME if fault == "name-not-in-dns" else DMZ_NAME, bad.address)
    healthy.wait_converged()
    assert bad.get(TTL) == ttl
    for peer in (primary, other):
        wait_for(lambda: REFUSED not in peer.alarm_ids(), 15, f"the refusal alarm to clear on {peer.name}")
    if FAULTS[fault].fix == "dns":
        assert restarts(bad) == restarted  # every link asks DNS afresh: nobody had to restart


def test_subordinates_refuse_a_primary_whose_name_resolves_elsewhere(healthy, dns, certs):
    """The twin's case, and the guide's Appendix 3 warning: the name on the
    primary's certificate resolves to another address than the one it uses."""
    primary, subordinates = healthy.primary, healthy.peers[1:]
    since = {p.name: len(p.log()) for p in healthy.peers}
    why = f"certificate name {PRIMARY_DMZ_NAME} resolves to {ELSEWHERE}, not {primary.address}"
    primary.install_certificate(certs.primary_elsewhere.certificate, certs.primary_elsewhere.private_key)
    wait_refused(subordinates, primary, why)
    for sub in subordinates:
        assert sub.cluster()["DatabaseStatus"] != "Active"
        # 4372: the subordinate's database link to the primary, where it is the TLS client.
        assert logged(sub, since[sub.name], f"replication: refused primary peer 1 ({primary.address}:{DATABASE}): ",
                      why)
        assert logged(sub, since[sub.name], f"cluster: refused peer 1 ({primary.address}:{RECOVERY}): ", why)
    assert REFUSED not in primary.alarm_ids()
    dns.set(PRIMARY_DMZ_NAME, primary.address)  # the record fixed; nobody restarts
    healthy.wait_converged()
    for sub in subordinates:
        wait_for(lambda: REFUSED not in sub.alarm_ids(), 15, f"the refusal alarm to clear on {sub.name}")


# ---- Permissive: the same bad certificates ---------------------------------------

def test_permissive_forms_the_cluster_with_every_bad_certificate(permissive):
    permissive.wait_converged()
    for peer in permissive.peers:
        state = peer.cluster()
        assert state["TlsVerificationMode"] == "Permissive"
        assert state["DatabaseStatus"] == "Active"
        assert all(p["State"] in ("Active", "This system") for p in state["Peers"])
        assert REFUSED not in peer.alarm_ids()
        assert not logged(peer, 0, "refused"), [line for line in log_lines(peer) if "refused" in line]
    permissive.primary.set(TTL, "650")
    permissive.wait_converged()
    assert [p.get(TTL) for p in permissive.peers] == ["650"] * 4


# ---- openssl s_client as an outside client ---------------------------------------

@pytest.mark.parametrize("version", ["-tls1_2", "-tls1_3"])
@pytest.mark.parametrize("port", [RECOVERY, DATABASE, ADMIN])
def test_s_client_verifies_a_good_peer_on_every_port(healthy, certs, port, version):
    peer = healthy.primary
    out = s_client(peer.address, port, version, "-CAfile", str(certs.ca.certificate), "-verify_return_error",
                   "-verify_hostname", peer.fqdn)
    # Under Enforce a cluster port hangs up on a client without a certificate
    # once the handshake is done (see the next tests), which s_client may see
    # as an unexpected EOF; the handshake and the verification came first.
    hung_up = port != ADMIN and "unexpected eof while reading" in out.stderr
    assert out.returncode == 0 or hung_up, out.stdout[-2000:] + out.stderr[-2000:]
    assert "certificate verify failed" not in out.stderr
    assert negotiated(out) == {"-tls1_2": "TLSv1.2", "-tls1_3": "TLSv1.3"}[version]
    assert "Verify return code: 0 (ok)" in out.stdout
    assert f"Verified peername: {peer.fqdn}" in out.stdout
    pem = presented_certificate(out)
    assert fingerprint(pem) == fingerprint(certs.good[1].certificate_pem())
    described = subprocess.run(["openssl", "x509", "-noout", "-subject", "-ext", "subjectAltName"], input=pem,
                               capture_output=True, text=True, timeout=15, check=True).stdout
    assert "subject=CN = cluster.tandem.test" in described
    assert f"DNS:{peer.fqdn}" in described


@pytest.mark.parametrize("port", [RECOVERY, DATABASE, ADMIN])
def test_s_client_does_not_verify_the_untrusted_peer(permissive, certs, port):
    peer = permissive.primary  # the self-signed certificate
    out = s_client(peer.address, port, "-CAfile", str(certs.ca.certificate), "-verify_return_error")
    assert out.returncode != 0
    assert "self-signed certificate" in out.stdout + out.stderr
    assert "certificate verify failed" in out.stderr
    # Without -verify_return_error the handshake completes, showing that very certificate.
    shown = s_client(peer.address, port, "-CAfile", str(certs.ca.certificate))
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert negotiated(shown) in ("TLSv1.2", "TLSv1.3")
    assert fingerprint(presented_certificate(shown)) == fingerprint(certs.self_signed.certificate_pem())


@pytest.mark.parametrize("port", [RECOVERY, DATABASE, ADMIN])
def test_no_peer_port_speaks_tls_older_than_1_2(enforce, port):
    out = s_client(enforce.primary.address, port, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
    if "no protocols available" in out.stderr:
        pytest.skip("this OpenSSL cannot offer TLS 1.1 at all")
    assert out.returncode != 0
    assert "alert protocol version" in out.stderr, out.stderr[-2000:]


def test_outside_clients_are_refused_on_the_cluster_ports(healthy, certs):
    primary, other = healthy.primary, healthy.peers[1]
    since = len(primary.log())
    stolen = certs.good[2]  # a good certificate, but used from an address its name does not resolve to
    stolen_why = f"certificate name {other.fqdn} resolves to {other.address}, not {OUTSIDER}"
    for port, component in ((RECOVERY, "cluster: refused connection"),
                            (DATABASE, "replication: refused database connection")):
        # No client certificate at all: TLS completes, then the peer hangs up.
        out = s_client_until_hung_up(primary.address, port, "-bind", OUTSIDER, "-CAfile", str(certs.ca.certificate))
        assert negotiated(out) in ("TLSv1.2", "TLSv1.3")
        assert logged(primary, since, f"{component} ({OUTSIDER}:", "the peer presented no certificate")
        out = s_client_until_hung_up(primary.address, port, "-bind", OUTSIDER, "-cert", str(stolen.certificate),
                                     "-key", str(stolen.private_key), "-CAfile", str(certs.ca.certificate))
        assert negotiated(out) in ("TLSv1.2", "TLSv1.3")
        assert logged(primary, since, f"{component} ({OUTSIDER}:", stolen_why)
    # The cluster itself carries on; the alarm the refusals raised goes.
    healthy.wait_converged()
    wait_for(lambda: REFUSED not in primary.alarm_ids(), 15, "the refusal alarm to clear")


def test_permissive_takes_an_outside_client_without_a_certificate(permissive):
    peer = permissive.primary
    since = len(peer.log())
    out = s_client(peer.address, RECOVERY)
    assert out.returncode == 0 and negotiated(out)
    assert not logged(peer, since, "refused")
