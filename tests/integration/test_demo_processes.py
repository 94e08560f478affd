"""The seam on real sockets: three tandem-demo processes on 127.0.0.N talk TLS,
find each other, notice when one is killed, and welcome it back."""
import os
import pathlib
import signal
import subprocess
import time

import pytest

BUILD = pathlib.Path(os.environ.get("TANDEM_BUILD_DIR", pathlib.Path(__file__).resolve().parents[2] / "build" / "dev"))
DEMO = BUILD / "runtime" / "daemon" / "tandem-demo"
# A port of its own, so this test never meets a real peer's 4371 on the same host.
PORT = 14371


class Demo:
    def __init__(self, index, hosts, data_dir):
        self.name = f"h{index}"
        self.address = f"127.0.0.{index + 10}"
        peers = [f"127.0.0.{j + 10}:{PORT}" for j in range(1, hosts + 1) if j != index]
        args = [str(DEMO), "--name", self.name, "--listen", f"{self.address}:{PORT}",
                "--data-dir", str(data_dir / self.name), "--interval-ms", "100"]
        for p in peers:
            args += ["--peer", p]
        self.args = args
        self.lines = []
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        os.set_blocking(self.proc.stdout.fileno(), False)

    def poll_lines(self):
        while True:
            line = self.proc.stdout.readline()
            if not line:
                return
            self.lines.append(line.strip())

    def last_reach(self):
        self.poll_lines()
        reach = [l for l in self.lines if l.startswith("reach: ")]
        return reach[-1][len("reach: "):] if reach else None

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            rest = self.proc.stdout.read() or ""
            self.lines += [l.strip() for l in rest.splitlines()]


def wait_for(predicate, timeout_s=15.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.fixture
def cluster(tmp_path):
    if not DEMO.exists():
        pytest.fail(f"{DEMO} is not built")
    demos = [Demo(i, 3, tmp_path) for i in (1, 2, 3)]
    for d in demos:
        d.start()
    yield demos
    for d in demos:
        d.stop(signal.SIGKILL)


def test_three_processes_reach_each_other_over_tls(cluster):
    h1, h2, h3 = cluster
    assert wait_for(lambda: all(d.last_reach() == f"{d.name} reaches " + ",".join(sorted(
        o.name for o in cluster if o is not d)) for d in cluster)), [d.lines for d in cluster]


def test_killed_process_is_noticed_and_welcomed_back(cluster):
    h1, h2, h3 = cluster
    assert wait_for(lambda: h1.last_reach() == "h1 reaches h2,h3"), h1.lines
    h2.stop(signal.SIGKILL)
    assert wait_for(lambda: h1.last_reach() == "h1 reaches h3"), h1.lines
    assert wait_for(lambda: h3.last_reach() == "h3 reaches h1"), h3.lines
    h2.lines = []
    h2.start()
    assert wait_for(lambda: h1.last_reach() == "h1 reaches h2,h3"), h1.lines
    assert wait_for(lambda: h2.last_reach() == "h2 reaches h1,h3"), h2.lines
    h2.stop()
    # The boot counter is a synced file in the data directory: the restart is boot 2.
    assert any(l.startswith("final: ") and l.endswith("(boot 2)") for l in h2.lines), h2.lines


def test_clean_shutdown_on_sigterm_reports_final_state(cluster):
    h1, _, _ = cluster
    assert wait_for(lambda: h1.last_reach() == "h1 reaches h2,h3"), h1.lines
    h1.stop(signal.SIGTERM)
    assert h1.proc.returncode == 0
    assert any(l == "final: h1 reaches h2,h3 (boot 1)" for l in h1.lines), h1.lines
