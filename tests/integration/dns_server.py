"""A real DNS server for tests: dnsmasq (Debian's dnsmasq-base) on one loopback
address, port 53, authoritative for one domain, answering from a hosts file the
test rewrites (``set``/``remove``) and dnsmasq re-reads on SIGHUP.

    with Dnsmasq("127.0.3.53", "tandem.test", tmp_path / "dns") as dns:
        dns.set("peer1.tandem.test", "127.0.3.11")
        assert dns.query_a("peer1.tandem.test") == ["127.0.3.11"]

A name in the domain that the file does not hold gets NXDOMAIN (dnsmasq's
``--local``); a name outside it gets REFUSED: there is no upstream. Nothing
leaves the loopback address. ``query_a`` is a minimal A lookup of its own, so
the tests need no resolver library and no change to the host's resolv.conf.
"""
from __future__ import annotations

import os
import pathlib
import random
import signal
import socket
import struct
import subprocess
import time

DNSMASQ = "/usr/sbin/dnsmasq"
NOERROR, NXDOMAIN, REFUSED = 0, 3, 5


class DnsError(RuntimeError):
    def __init__(self, name: str, rcode: int):
        super().__init__(f"{name}: rcode {rcode}")
        self.rcode = rcode


def query_a(server: str, name: str, timeout_s: float = 1.0, port: int = 53) -> list[str]:
    """The A records of ``name`` from ``server``; raises DnsError on an error
    rcode, socket.timeout when nothing answers."""
    ident = random.randrange(1 << 16)
    question = b"".join(bytes([len(label)]) + label.encode() for label in name.rstrip(".").split(".")) + b"\0"
    query = struct.pack(">HHHHHH", ident, 0x0100, 1, 0, 0, 0) + question + struct.pack(">HH", 1, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout_s)
        s.connect((server, port))
        s.send(query)
        while True:
            reply = s.recv(4096)
            if len(reply) >= 12 and struct.unpack(">H", reply[:2])[0] == ident:
                break
    _, flags, _, answers, _, _ = struct.unpack(">HHHHHH", reply[:12])
    if flags & 0xF:
        raise DnsError(name, flags & 0xF)
    at = 12 + len(question) + 4
    found = []
    for _ in range(answers):
        at = _skip_name(reply, at)
        rtype, _, _, length = struct.unpack(">HHIH", reply[at:at + 10])
        at += 10
        if rtype == 1 and length == 4:
            found.append(socket.inet_ntoa(reply[at:at + 4]))
        at += length
    return found


def _skip_name(message: bytes, at: int) -> int:
    while True:
        length = message[at]
        if length & 0xC0 == 0xC0:  # a compression pointer ends the name
            return at + 2
        if length == 0:
            return at + 1
        at += 1 + length


class Dnsmasq:
    """dnsmasq serving ``domain`` on ``address``:53 from a hosts file in ``workdir``."""

    def __init__(self, address: str, domain: str, workdir: str | os.PathLike, port: int = 53,
                 srv: list[tuple[str, str, int, int, int]] = (), round_robin: dict[str, list[str]] | None = None):
        """``srv``: (name, target, port, priority, weight) SRV records, and
        ``round_robin``: names with several A records; both fixed for the
        process's life (dnsmasq reads them at start)."""
        self.address = address
        self.domain = domain
        self.port = port
        self.workdir = pathlib.Path(workdir)
        self.hosts_path = self.workdir / "hosts"
        self.log_path = self.workdir / "dnsmasq.log"
        self.records: dict[str, str] = {}
        self.srv = list(srv)
        self.round_robin = dict(round_robin or {})
        self.proc: subprocess.Popen | None = None

    # ---- the process -------------------------------------------------------
    def start(self, timeout_s: float = 10) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._write_hosts()
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [DNSMASQ, "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", f"--port={self.port}",
             f"--listen-address={self.address}", "--bind-interfaces", f"--local=/{self.domain}/",
             f"--addn-hosts={self.hosts_path}", "--local-ttl=0", "--neg-ttl=0", "--log-queries",
             f"--pid-file={self.workdir / 'dnsmasq.pid'}",
             *[f"--srv-host={name},{target},{port},{priority},{weight}" for name, target, port, priority, weight in self.srv],
             *[f"--host-record={name},{address}" for name, addresses in self.round_robin.items() for address in addresses]],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        # Up when it answers for its domain (NXDOMAIN is an answer); bounded.
        deadline = time.monotonic() + timeout_s
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dnsmasq exited with {self.proc.returncode}: {self.log()[-1000:]}")
            try:
                self.query_a(f"probe.{self.domain}", timeout_s=0.2)
                return
            except DnsError:
                return
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise TimeoutError(f"dnsmasq did not answer on {self.address}:{self.port} within {timeout_s} s")
                time.sleep(0.05)

    def stop(self, timeout_s: float = 5) -> None:
        if not self.proc or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=timeout_s)

    def __enter__(self) -> "Dnsmasq":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    # ---- the records -------------------------------------------------------
    def set(self, name: str, address: str) -> None:
        """Adds or changes ``name``'s A record; answered from once this returns."""
        self.records[name] = address
        self._reload(lambda: self.query_a(name) == [address])

    def remove(self, name: str) -> None:
        """Takes ``name``'s record away; NXDOMAIN for it once this returns."""
        self.records.pop(name, None)

        def gone():
            try:
                self.query_a(name)
            except DnsError as error:
                return error.rcode == NXDOMAIN
            return False

        self._reload(gone)

    def reset(self, records: dict[str, str]) -> None:
        """Exactly these A records, and no others; answered from once this returns."""
        if records == self.records:
            return
        gone = set(self.records) - set(records)
        self.records = dict(records)

        def served():
            for name in gone:
                try:
                    self.query_a(name)
                    return False
                except DnsError as error:
                    if error.rcode != NXDOMAIN:
                        return False
            return all(self.query_a(name) == [address] for name, address in records.items())

        self._reload(served)

    def query_a(self, name: str, timeout_s: float = 1.0) -> list[str]:
        return query_a(self.address, name, timeout_s, self.port)

    def _write_hosts(self) -> None:
        text = "".join(f"{address} {name}\n" for name, address in sorted(self.records.items()))
        temporary = self.hosts_path.with_suffix(".new")
        temporary.write_text(text)
        temporary.replace(self.hosts_path)  # never a half-written file for dnsmasq to read

    def _reload(self, done, timeout_s: float = 5) -> None:
        self._write_hosts()
        if not self.proc or self.proc.poll() is not None:
            return  # read at start
        self.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if done():
                    return
            except (DnsError, OSError):
                pass  # the old records, or a reply lost while it reloads: ask again
            if time.monotonic() > deadline:
                raise TimeoutError(f"dnsmasq did not take the new records within {timeout_s} s")
            time.sleep(0.05)
