"""A small test PKI made with the ``openssl`` command (OpenSSL 3.0), as an
operator would make one: a CA, and certificates it issues for cluster peers.

    pki = Pki(tmp_path / "pki")
    good = pki.issue("peer1", san=["peer1.tandem.test"])           # CN cluster.tandem.test
    old = pki.issue("old", san=["peer3.tandem.test"], expired=True)
    rogue = pki.self_signed("rogue", san=["peer3.tandem.test"])

Every certificate is an EC P-256 key and a PEM file pair (``Issued``). Dates
are set with ``openssl ca -startdate/-enddate``, the one way OpenSSL 3.0 has
to issue a certificate whose validity lies wholly in the past.
"""
from __future__ import annotations

import dataclasses
import datetime
import pathlib
import subprocess
from typing import Iterable

OPENSSL = "openssl"
CLUSTER_FQDN = "cluster.tandem.test"

_CA_CONFIG = """\
[ ca ]
default_ca = test_ca

[ test_ca ]
database = {dir}/index.txt
serial = {dir}/serial
new_certs_dir = {dir}/issued
certificate = {dir}/ca.pem
private_key = {dir}/ca.key
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
email_in_dn = no

[ any ]
commonName = supplied

[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
"""


@dataclasses.dataclass(frozen=True)
class Issued:
    """A certificate and its private key, as PEM files."""
    name: str
    certificate: pathlib.Path
    private_key: pathlib.Path

    def certificate_pem(self) -> str:
        return self.certificate.read_text()

    def private_key_pem(self) -> str:
        return self.private_key.read_text()


def openssl(*args: str, cwd: pathlib.Path | None = None, timeout_s: float = 20) -> str:
    out = subprocess.run([OPENSSL, *args], capture_output=True, text=True, timeout=timeout_s, cwd=cwd, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args[:2])} failed ({out.returncode}): {out.stderr.strip()}")
    return out.stdout


def _asn1_time(when: datetime.datetime) -> str:
    return when.astimezone(datetime.timezone.utc).strftime("%Y%m%d%H%M%SZ")


def _days(n: float) -> datetime.timedelta:
    return datetime.timedelta(days=n)


class Pki:
    """A CA named ``ca_name`` in ``directory`` and the certificates it issues."""

    def __init__(self, directory: str | pathlib.Path, ca_name: str = "Tandem Test CA"):
        self.dir = pathlib.Path(directory)
        (self.dir / "issued").mkdir(parents=True, exist_ok=True)
        (self.dir / "index.txt").write_text("")
        (self.dir / "serial").write_text("1000\n")
        self.config = self.dir / "ca.cnf"
        self.config.write_text(_CA_CONFIG.format(dir=self.dir))
        key = self._new_key("ca")
        csr = self.dir / "ca.csr"
        openssl("req", "-new", "-key", str(key), "-subj", f"/CN={ca_name}", "-out", str(csr))
        # Self-signed by `openssl ca` so its validity can start in the past, before
        # that of the expired certificate it will issue.
        now = datetime.datetime.now(datetime.timezone.utc)
        openssl("ca", "-batch", "-config", str(self.config), "-selfsign", "-keyfile", str(key), "-in", str(csr),
                "-extensions", "ca_ext", "-startdate", _asn1_time(now - _days(365)),
                "-enddate", _asn1_time(now + _days(365)), "-notext", "-out", str(self.dir / "ca.pem"))
        self.ca = Issued(ca_name, self.dir / "ca.pem", key)

    def _new_key(self, name: str) -> pathlib.Path:
        key = self.dir / f"{name}.key"
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(key))
        return key

    @staticmethod
    def _extensions(path: pathlib.Path, san: Iterable[str], ips: Iterable[str]) -> pathlib.Path:
        alt = [f"DNS:{name}" for name in san] + [f"IP:{ip}" for ip in ips]
        lines = ["basicConstraints = critical, CA:FALSE",
                 "keyUsage = critical, digitalSignature",
                 "extendedKeyUsage = serverAuth, clientAuth"]
        if alt:
            lines.append("subjectAltName = " + ", ".join(alt))
        path.write_text("\n".join(lines) + "\n")
        return path

    def issue(self, name: str, san: Iterable[str] = (), cn: str = CLUSTER_FQDN, ips: Iterable[str] = (),
              expired: bool = False) -> Issued:
        """A certificate from this CA: valid from a day ago for 30 days, or, if
        ``expired``, from 60 days ago until yesterday."""
        key = self._new_key(name)
        csr = self.dir / f"{name}.csr"
        openssl("req", "-new", "-key", str(key), "-subj", f"/CN={cn}", "-out", str(csr))
        now = datetime.datetime.now(datetime.timezone.utc)
        start, end = (now - _days(60), now - _days(1)) if expired else (now - _days(1), now + _days(30))
        cert = self.dir / f"{name}.pem"
        openssl("ca", "-batch", "-config", str(self.config), "-in", str(csr), "-notext",
                "-extfile", str(self._extensions(self.dir / f"{name}.ext", san, ips)),
                "-startdate", _asn1_time(start), "-enddate", _asn1_time(end), "-out", str(cert))
        return Issued(name, cert, key)

    def self_signed(self, name: str, san: Iterable[str] = (), cn: str = CLUSTER_FQDN) -> Issued:
        """A certificate that signs itself: trusted by nobody who trusts this CA."""
        key = self._new_key(name)
        cert = self.dir / f"{name}.pem"
        ext = self._extensions(self.dir / f"{name}.ext", san, ())
        openssl("req", "-new", "-x509", "-key", str(key), "-subj", f"/CN={cn}", "-days", "30",
                "-extensions", "peer", "-config", str(self._req_config(name, ext)), "-out", str(cert))
        return Issued(name, cert, key)

    def _req_config(self, name: str, extensions: pathlib.Path) -> pathlib.Path:
        config = self.dir / f"{name}.req.cnf"
        config.write_text("[ req ]\ndistinguished_name = dn\n[ dn ]\n[ peer ]\n" + extensions.read_text())
        return config


def not_after(certificate: pathlib.Path) -> datetime.datetime:
    """The end of a certificate's validity, in UTC."""
    text = openssl("x509", "-in", str(certificate), "-noout", "-enddate").strip()  # notAfter=Feb  1 00:00:00 2026 GMT
    when = datetime.datetime.strptime(text.split("=", 1)[1], "%b %d %H:%M:%S %Y GMT")
    return when.replace(tzinfo=datetime.timezone.utc)


def fingerprint(certificate_pem: str) -> str:
    """The SHA-256 fingerprint of a PEM certificate, as openssl prints it."""
    out = subprocess.run([OPENSSL, "x509", "-noout", "-fingerprint", "-sha256"], input=certificate_pem,
                         capture_output=True, text=True, timeout=20, check=True)
    return out.stdout.strip().split("=", 1)[1]


def describe(certificate: pathlib.Path) -> str:
    """``openssl x509 -text`` of a certificate file (subject, SAN, dates...)."""
    return openssl("x509", "-in", str(certificate), "-noout", "-subject", "-issuer", "-dates", "-ext",
                   "subjectAltName")
