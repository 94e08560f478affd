"""A real cluster of tandemd processes on this host, one per loopback address.

Each peer gets its own 127.0.0.N and therefore the production ports (4371,
4372, 8443). Peers are made with ``tandemd init`` and driven with
``tandemctl``, exactly as an operator would; this module only automates the
typing. It needs the built binaries (``build/dev`` by default, or
``TANDEM_BUILD_DIR``) and root or CAP_NET_BIND_SERVICE for nothing: every
port is above 1024.

    with LocalCluster(size=3, workdir="/tmp/c") as cluster:
        cluster.form()                      # the guide's Create + Add a Peer steps
        cluster.peers[0].set("H323 Gatekeeper TimeToLive", "600")
        cluster.wait_converged()

``LiveCluster`` is the other way in: a REST client of any running cluster's
admin API (HTTPS, Basic credentials), with the same ``AdminPeer`` surface as a
twin's peers and an ``Operator`` so the guide's procedures (tandem.procedures)
run on it as they run on the twin.
"""
from __future__ import annotations

import base64
import json
import os
import pathlib
import shlex
import shutil
import signal
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from typing import Callable, Iterable, Sequence, Union

from tandem._tandem import Operator, TandemError
from tandem.admin import AdminPeer

_ROOT = pathlib.Path(__file__).resolve().parents[2]
PASSWORD = "tandem-admin-pw"
CLUSTER_NAME = "cluster.tandem.test"
DOMAIN = "tandem.test"


def build_dir() -> pathlib.Path:
    env = os.environ.get("TANDEM_BUILD_DIR")
    if env:
        return pathlib.Path(env)
    # This file sits in <build>/python/tandem when built, in <repo>/python/tandem in the source.
    for candidate in (_ROOT, _ROOT / "build" / "dev"):
        if (candidate / "runtime" / "daemon" / "tandemd").exists():
            return candidate
    return _ROOT / "build" / "dev"


class TandemCtlError(RuntimeError):
    """tandemctl exited non-zero: ``code`` is its exit code, the message its stderr."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


def wait_for(predicate: Callable[[], object], timeout_s: float, what: str, interval_s: float = 0.1):
    """Polls until ``predicate()`` is truthy; raises TimeoutError naming ``what``."""
    deadline = time.monotonic() + timeout_s
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except (TandemCtlError, OSError) as error:  # a peer still starting
            last_error = error
        time.sleep(interval_s)
    raise TimeoutError(f"waited {timeout_s:.0f} s for {what}" + (f" (last error: {last_error})" if last_error else ""))


class LocalPeer:
    """One tandemd process with its data directory, and tandemctl aimed at it."""

    def __init__(self, index: int, address: str, workdir: pathlib.Path, software_version: str | None = None,
                 admin_port: int = 8443, dns_server: str = "127.0.0.53"):
        self.index = index
        self.address = address
        self.name = f"peer{index}"
        self.fqdn = f"{self.name}.{DOMAIN}"  # <IP DNS Hostname>.<IP DNS Domain Name>
        self.dns_server = dns_server
        self.data_dir = workdir / self.name
        self.log_path = workdir / f"{self.name}.log"
        self.cert_path = workdir / f"{self.name}.pem"
        self.password_file = workdir / "admin-password"
        self.software_version = software_version
        self.admin_port = admin_port
        self.proc: subprocess.Popen | None = None
        self._bin = build_dir() / "runtime" / "daemon"
        # What `tandemd init` installs (PEM files): the operator's certificate
        # and key instead of a self-signed pair, and the trusted CA bundle.
        self.certificate: pathlib.Path | None = None
        self.private_key: pathlib.Path | None = None
        self.trusted_ca: pathlib.Path | None = None
        # tandemctl checks the peer's certificate against cert_path and the
        # address it dials; a certificate naming only DNS names (as Enforce
        # wants) cannot pass that, so such peers are reached with --insecure.
        self.ctl_insecure = False

    # ---- the process -------------------------------------------------------
    def init(self, extra: Iterable[str] = ()) -> None:
        self.password_file.write_text(PASSWORD + "\n")
        out = subprocess.run(
            [str(self._bin / "tandemd"), "init", "--data-dir", str(self.data_dir), "--system-name", self.name.upper(),
             "--address", self.address, "--hostname", self.name, "--domain", DOMAIN,
             "--dns-server", self.dns_server, "--ntp-server", "127.0.0.123",
             "--admin-password-file", str(self.password_file), *self._tls_init_args(), *extra],
            capture_output=True, text=True, timeout=30, check=False)
        if out.returncode != 0:
            raise RuntimeError(f"tandemd init {self.name}: {out.stderr.strip()}")
        pem = out.stdout[out.stdout.index("-----BEGIN CERTIFICATE-----"):]
        self.cert_path.write_text(pem)

    def _tls_init_args(self) -> list[str]:
        args = []
        if self.certificate or self.private_key:
            args += ["--certificate", str(self.certificate), "--private-key", str(self.private_key)]
        if self.trusted_ca:
            args += ["--trusted-ca", str(self.trusted_ca)]
        return args

    def start(self, extra: Iterable[str] = ()) -> None:
        args = [str(self._bin / "tandemd"), "run", "--data-dir", str(self.data_dir), "--trust-local-clock",
                "--admin-port", str(self.admin_port)]
        if self.software_version:
            args += ["--software-version", self.software_version]
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen([*args, *extra], stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_for(lambda: self.status(), 10, f"{self.name} to answer on its admin API")

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 10) -> int | None:
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    # ---- tandemctl ---------------------------------------------------------
    # Told of every change made through tandemctl (the main job prints them).
    echo: Callable[[str], None] | None = None

    def _echo(self, line: str) -> None:
        if LocalPeer.echo:
            LocalPeer.echo(f"  {self.name}> {line}")

    def ctl(self, *words: str, json_out: bool = True, timeout_s: float = 40):
        args = [str(self._bin / "tandemctl"), "--peer", f"{self.address}:{self.admin_port}",
                "--password-file", str(self.password_file)]
        args += ["--insecure"] if self.ctl_insecure else ["--ca", str(self.cert_path)]
        if json_out:
            args.append("--json")
        out = subprocess.run([*args, *words], capture_output=True, text=True, timeout=timeout_s, check=False)
        if out.returncode != 0:
            raise TandemCtlError(out.returncode, out.stderr.strip())
        return json.loads(out.stdout) if json_out and out.stdout.strip() else out.stdout

    def get(self, path: str) -> str:
        return self.ctl("xConfiguration", path)["value"]

    def set(self, path: str, value: str):
        self._echo(f"xConfiguration {path}: {value}")
        return self.ctl("xConfiguration", f"{path}: {value}")

    def install_certificate(self, certificate: str | os.PathLike, private_key: str | os.PathLike,
                            restart: bool = True) -> None:
        """Maintenance > Security certificates: a new server certificate and its
        key (PEM files), taken into use at the restart this needs. Each PEM goes
        to tandemctl as a word of its own, so its lines arrive as they are."""
        for path, file in (("Certificates Server Certificate", certificate),
                           ("Certificates Server PrivateKey", private_key)):
            self._echo(f"xConfiguration {path}: <{pathlib.Path(file).name}>")
            self.ctl("xConfiguration", f"{path}:", pathlib.Path(file).read_text())
        self.certificate, self.private_key = pathlib.Path(certificate), pathlib.Path(private_key)
        if restart:
            self.restart()

    def command(self, name: str, **args: str):
        words = [word for key, value in args.items() for word in (f"{key}:", value)]
        self._echo(" ".join(["xCommand", name, *words]))
        return self.ctl("xCommand", name, *words)

    def status(self, path: str = "") -> dict:
        return self.ctl("xStatus", *path.split()) if path else self.ctl("xStatus")

    def alarms(self) -> list:
        result = self.ctl("alarms")
        return result["alarms"] if isinstance(result, dict) else result

    def alarm_ids(self) -> set[int]:
        return {a["id"] for a in self.alarms()}

    def cluster(self) -> dict:
        """xStatus Cluster: name, primary, DatabaseStatus, AppliedRevision, Peers..."""
        status = self.status("Cluster")
        return status.get("Cluster", status)

    def restart(self) -> None:
        """xCommand Restart, then wait for the peer to answer again."""
        self.command("Restart")
        time.sleep(0.5)
        wait_for(lambda: self.status(), 15, f"{self.name} to come back after its restart")


class LocalCluster:
    """``size`` peers on ``base``.1 .. ``base``.size (e.g. 127.0.0.1x).

    ``tls_mode`` ("Permissive" or "Enforce") is set with the other clustering
    settings on every peer; None leaves each peer's own (Permissive after init).
    ``peers_by_fqdn`` lists the Peer N addresses as the peers' FQDNs
    (peerN.tandem.test), as Enforce wants, instead of their IP addresses; the
    peers then need ``dns_server`` to resolve them."""

    def __init__(self, size: int, workdir: str | os.PathLike, first_address: int = 11, subnet: str = "127.0.0",
                 software_version: str | None = None, dns_server: str | None = None, tls_mode: str | None = None,
                 peers_by_fqdn: bool = False):
        if not 1 <= size <= 6:
            raise ValueError("a cluster has 1 to 6 peers")
        if tls_mode not in (None, "Permissive", "Enforce"):
            raise ValueError(f"tls_mode is Permissive or Enforce, not {tls_mode!r}")
        self.workdir = pathlib.Path(workdir)
        extra = {"dns_server": dns_server} if dns_server else {}
        self.peers = [LocalPeer(i + 1, f"{subnet}.{first_address + i}", self.workdir, software_version, **extra)
                      for i in range(size)]
        self.tls_mode = tls_mode
        self.peers_by_fqdn = peers_by_fqdn
        self.say: Callable[[str], None] = lambda line: None

    def __enter__(self) -> "LocalCluster":
        if self.workdir.exists():
            shutil.rmtree(self.workdir)
        self.workdir.mkdir(parents=True)
        try:
            for peer in self.peers:
                peer.init()
                peer.start()
        except BaseException:
            self.__exit__()  # no process left behind by a peer that failed to start
            raise
        return self

    def __exit__(self, *exc) -> None:
        for peer in self.peers:
            peer.stop()

    @property
    def primary(self) -> LocalPeer:
        return self.peers[0]

    def addresses(self, count: int) -> list[str]:
        return [p.address for p in self.peers[:count]]

    def peer_addresses(self, count: int) -> list[str]:
        """What the Alternates Peer N Address list holds: FQDNs or IP addresses."""
        return [p.fqdn for p in self.peers[:count]] if self.peers_by_fqdn else self.addresses(count)

    def _cluster_settings(self, peer: LocalPeer, members: int) -> None:
        settings = [("Alternates Cluster Name", CLUSTER_NAME), ("Alternates ConfigurationMaster", "1")]
        if self.tls_mode:
            settings.append(("Alternates Cluster TlsVerificationMode", self.tls_mode))
        settings += [(f"Alternates Peer {i + 1} Address", a) for i, a in enumerate(self.peer_addresses(members))]
        for path, value in settings:
            if peer.get(path) != value:  # as an operator would: change only what differs
                peer.set(path, value)

    def form(self) -> None:
        """The guide's 'Create a New Cluster' on peer 1, then 'Add a Peer' for each other."""
        self.create()
        for n in range(2, len(self.peers) + 1):
            self.add_peer(n)

    def create(self) -> None:
        """Create a New Cluster: peer 1 becomes the primary of a cluster of one."""
        primary = self.primary
        self.say(f"create the cluster on {primary.name} ({primary.address})")
        primary.set("H323 Gatekeeper TimeToLive", "60")
        primary.set("Call Services CallSignalingOptimization", "On")
        self._cluster_settings(primary, 1)
        primary.restart()
        wait_for(lambda: primary.cluster()["DatabaseStatus"] == "Active", 15, "the primary's database to be Active")

    def add_peer(self, n: int) -> None:
        """Add a Peer: peer ``n`` joins peers 1..n-1 and takes the primary's configuration."""
        self.prepare_peer(n)
        self.restart_where_required(n)
        self.wait_converged(n)

    def prepare_peer(self, n: int) -> None:
        """Add a Peer up to the restarts: every list names peer n; peer n is reset to defaults."""
        new = self.peers[n - 1]
        self.say(f"add {new.name} ({new.address}) as peer {n}")
        self._cluster_settings(self.primary, n)
        for other in self.peers[1:n - 1]:
            self._cluster_settings(other, n)
        new.command("DefaultValueSet", Level="2")
        new.command("DefaultLinksAdd")
        self._cluster_settings(new, n)

    def restart_where_required(self, n: int) -> None:
        """Each of peers 1..n with a 'Restart required' alarm restarts, one at a time."""
        for peer in self.peers[:n]:
            if 20012 in peer.alarm_ids():
                peer.restart()

    def wait_converged(self, members: int | None = None, timeout_s: float = 30) -> None:
        """Every member sees every other Active, its database Active at the primary's revision."""
        members = members or len(self.peers)

        def converged():
            states = [p.cluster() for p in self.peers[:members]]
            revision = states[0]["AppliedRevision"]
            return all(s["DatabaseStatus"] == "Active" and s["AppliedRevision"] == revision and
                       all(p["State"] in ("Active", "This system") for p in s["Peers"]) for s in states)

        wait_for(converged, timeout_s, f"{members} peers to converge on the primary's revision")


    def client(self, upgrade: Upgrade | None = None) -> LiveCluster:
        """A REST client of these peers (their certificates as the trusted bundle)."""
        bundle = self.workdir / "all-peers.pem"
        bundle.write_text("".join(p.cert_path.read_text() for p in self.peers))
        return LiveCluster([p.address for p in self.peers], PASSWORD, ca_file=str(bundle),
                           port=self.peers[0].admin_port, upgrade=upgrade)


# ---- the REST client ---------------------------------------------------------------

# Installs `version` on the peer at `address` and restarts it: a function, or a
# shell command with {peer} and {version} (as tandemctl's --upgrade-command).
Upgrade = Union[Callable[[str, str], None], str]


class LiveCluster:
    """The admin API of a running cluster's peers over HTTPS.

    ``addresses`` are the peers' admin addresses (host number N on this object
    is ``addresses[N-1]``). ``ca_file`` is the PEM bundle that signs (or holds)
    their certificates; ``insecure`` skips the check, as tandemctl --insecure.
    """

    def __init__(self, addresses: Sequence[str], password: str, user: str = "admin", ca_file: str | None = None,
                 insecure: bool = False, port: int = 8443, timeout_s: float = 40.0, upgrade: Upgrade | None = None):
        if not addresses:
            raise ValueError("a live cluster needs at least one peer address")
        self.addresses = list(addresses)
        self.port = port
        self.timeout_s = timeout_s
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self._authorization = f"Basic {token}"
        if insecure:
            self._tls = ssl._create_unverified_context()  # the operator asked for it, as tandemctl --insecure
        else:
            self._tls = ssl.create_default_context(cafile=ca_file)
        self.operator = LiveOperator(self, upgrade)

    def addr(self, peer: int | str) -> str:
        if isinstance(peer, int):
            if not 1 <= peer <= len(self.addresses):
                raise TandemError(f"no peer {peer}: this cluster client has peers 1..{len(self.addresses)}")
            return self.addresses[peer - 1]
        return peer

    def peer(self, peer: int | str) -> AdminPeer:
        return AdminPeer(self.addr(peer), self.request)

    def peers(self) -> list[AdminPeer]:
        return [self.peer(a) for a in self.addresses]

    def request(self, address: str, method: str, target: str, body: str = "") -> tuple[int, str]:
        """One HTTPS request: (status, body text); TandemError when the peer cannot be reached."""
        host = f"[{address}]" if ":" in address else address
        request = urllib.request.Request(f"https://{host}:{self.port}{target}", method=method,
                                         data=body.encode() if body else None,
                                         headers={"Authorization": self._authorization,
                                                  "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s, context=self._tls) as reply:
                return reply.status, reply.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise TandemError(f"cannot reach the admin API of {address}:{self.port}: {reason}") from None


class LiveOperator(Operator):
    """The procedures' operator over a LiveCluster: real time, HTTPS requests,
    and software installed by ``upgrade``."""

    def __init__(self, cluster: LiveCluster, upgrade: Upgrade | None = None):
        super().__init__()
        self._cluster = cluster
        self._upgrade = upgrade
        self._started = time.monotonic()

    def call(self, address: str, method: str, target: str, body: str) -> tuple[int, str]:
        return self._cluster.request(address, method, target, body)

    def elapsed(self) -> float:
        return time.monotonic() - self._started

    def wait(self, seconds: float) -> None:
        time.sleep(seconds)

    def upgrade(self, address: str, version: str) -> None:
        if self._upgrade is None:
            raise TandemError(f"no way to install software on {address}: give the cluster an upgrade command")
        if callable(self._upgrade):
            self._upgrade(address, version)
            return
        command = self._upgrade.replace("{peer}", shlex.quote(address)).replace("{version}", shlex.quote(version))
        done = subprocess.run(command, shell=True, capture_output=True, text=True, check=False, timeout=600)
        if done.returncode != 0:
            raise TandemError(f"the upgrade command for {address} failed (status {done.returncode}): "
                              f"{done.stderr.strip()[-500:]}")
