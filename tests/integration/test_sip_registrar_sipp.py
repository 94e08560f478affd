"""The registrar on real sockets against sipp: distinct users register and
refresh over UDP and over one TCP connection, and in maintenance mode every
new registration gets 503 with Retry-After. tandem-registrar listens on
127.0.9.1:5060 and sipp sends from 127.0.9.2, addresses no other test uses.
Every wait is bounded. Skipped where sipp (Debian: sip-tester) is missing."""
import os
import pathlib
import shutil
import signal
import subprocess

import pytest

from line_process import LineProcess, wait_for

BUILD = pathlib.Path(os.environ.get("TANDEM_BUILD_DIR", pathlib.Path(__file__).resolve().parents[2] / "build" / "dev"))
REGISTRAR = BUILD / "runtime" / "daemon" / "tandem-registrar"
SIPP = shutil.which("sipp")
ADDRESS = "127.0.9.1"
CLIENT = "127.0.9.2"

pytestmark = pytest.mark.skipif(SIPP is None, reason="sipp is not installed (apt-get install sip-tester)")


def register(cseq):
    """A sipp <send> of a REGISTER for the CSV's user, with this CSeq."""
    return f"""  <send retrans="500"><![CDATA[
      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: <sip:[field0]@example.com>;tag=[pid]t[call_number]
      To: <sip:[field0]@example.com>
      Call-ID: [call_id]
      CSeq: {cseq} REGISTER
      Contact: <sip:[field0]@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      Expires: 60
      User-Agent: sipp
      Content-Length: [len]

  ]]></send>
"""


def scenario(name, *steps):
    return ('<?xml version="1.0" encoding="ISO-8859-1" ?>\n'
            f'<scenario name="{name}">\n' + "".join(steps) + '  <Reference variables="1"/>\n</scenario>\n')


# Each call: REGISTER one user (a 200 whose Contact says expires=60), then
# refresh it with CSeq 2 (another 200).
REGISTER_AND_REFRESH = scenario(
    "register and refresh", register(1),
    '  <recv response="200"><action>'
    '<ereg regexp="expires=60" search_in="hdr" header="Contact:" check_it="true" assign_to="1"/></action></recv>\n',
    register(2), '  <recv response="200"/>\n')

# Each call: one REGISTER, refused with 503 and Retry-After (maintenance mode).
REFUSED_IN_MAINTENANCE = scenario(
    "refused in maintenance", register(1),
    '  <recv response="503"><action>'
    '<ereg regexp="[0-9]+" search_in="hdr" header="Retry-After:" check_it="true" assign_to="1"/></action></recv>\n')


class Registrar(LineProcess):
    def __init__(self, data_dir, *extra):
        super().__init__([REGISTRAR, "--address", ADDRESS, "--data-dir", data_dir, "--report-ms", "100", *extra],
                         stderr=subprocess.STDOUT)
        self.start()

    def status(self):
        """The counts of the latest status line, as a dict of ints (and 'maintenance')."""
        self.poll_lines()
        latest = [l for l in self.lines if l.startswith(("status: ", "final: "))]
        if not latest:
            return {}
        fields = dict(f.split("=", 1) for f in latest[-1].split(": ", 1)[1].split())
        return {k: (v if k == "maintenance" else int(v)) for k, v in fields.items()}


def users(path, prefix, count):
    path.write_text("SEQUENTIAL\n" + "".join(f"{prefix}{i:05d};\n" for i in range(count)))
    return path


def run_sipp(tmp_path, scenario, users_file, calls, rate, transport, local_port):
    (tmp_path / "scenario.xml").write_text(scenario)
    args = [SIPP, f"{ADDRESS}:5060", "-sf", str(tmp_path / "scenario.xml"), "-inf", str(users_file),
            "-i", CLIENT, "-p", str(local_port), "-m", str(calls), "-r", str(rate), "-l", str(calls),
            "-t", transport, "-nostdin", "-timeout", "60s", "-timeout_error",
            "-trace_err", "-error_file", str(tmp_path / f"sipp_{transport}_errors.log")]
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=90)
    return done.returncode, done.stdout[-3000:] + done.stderr[-2000:]


@pytest.fixture
def registrar(tmp_path):
    if not REGISTRAR.exists():
        pytest.fail(f"{REGISTRAR} is not built")
    started = []

    def start(*extra):
        r = Registrar(tmp_path / "data", *extra)
        started.append(r)
        assert wait_for(lambda: r.poll_lines() or any(l.startswith("ready: ") for l in r.lines), 10), r.lines
        assert f"ready: udp={ADDRESS}:5060 tcp={ADDRESS}:5060" in r.lines, r.lines
        return r

    yield start
    for r in started:
        r.stop()


def test_thousands_of_distinct_users_register_and_refresh_over_udp(registrar, tmp_path):
    r = registrar()
    rc, out = run_sipp(tmp_path, REGISTER_AND_REFRESH, users(tmp_path / "users.csv", "udp", 2000), 2000, 1000, "u1", 5070)
    assert rc == 0, out
    assert wait_for(lambda: r.status().get("refreshed") == 2000), r.lines[-3:]
    s = r.status()
    assert (s["aors"], s["bindings"], s["registered"], s["refused"], s["malformed"]) == (2000, 2000, 2000, 0, 0), s


def test_users_register_over_one_tcp_connection(registrar, tmp_path):
    r = registrar()
    rc, out = run_sipp(tmp_path, REGISTER_AND_REFRESH, users(tmp_path / "users.csv", "tcp", 500), 500, 250, "t1", 5071)
    assert rc == 0, out
    assert wait_for(lambda: r.status().get("refreshed") == 500), r.lines[-3:]
    s = r.status()
    assert (s["bindings"], s["stream_messages"], s["datagrams"]) == (500, 1000, 0), s


def test_maintenance_mode_refuses_new_registrations_with_503(registrar, tmp_path):
    r = registrar("--maintenance")
    rc, out = run_sipp(tmp_path, REFUSED_IN_MAINTENANCE, users(tmp_path / "users.csv", "late", 200), 200, 200, "u1", 5072)
    assert rc == 0, out
    assert wait_for(lambda: r.status().get("refused_maintenance") == 200), r.lines[-3:]
    assert r.status()["bindings"] == 0
    # Maintenance off (SIGUSR1): the same users are taken.
    r.proc.send_signal(signal.SIGUSR1)
    assert wait_for(lambda: r.status().get("maintenance") == "off"), r.lines[-3:]
    rc, out = run_sipp(tmp_path, REGISTER_AND_REFRESH, tmp_path / "users.csv", 200, 200, "u1", 5073)
    assert rc == 0, out
    assert wait_for(lambda: r.status().get("bindings") == 200), r.lines[-3:]
