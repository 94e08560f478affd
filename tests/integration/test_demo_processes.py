"""The seam on real sockets: three tandem-demo processes on 127.0.0.N talk TLS,
find each other, notice when one is killed, and welcome it back."""
import os
import pathlib
import signal

import pytest

from line_process import LineProcess, wait_for

BUILD = pathlib.Path(os.environ.get("TANDEM_BUILD_DIR", pathlib.Path(__file__).resolve().parents[2] / "build" / "dev"))
DEMO = BUILD / "runtime" / "daemon" / "tandem-demo"
# A port of its own, so this test never meets a real peer's 4371 on the same host.
PORT = 14371


class Demo(LineProcess):
    def __init__(self, index, hosts, data_dir):
        self.name = f"h{index}"
        self.address = f"127.0.0.{index + 10}"
        args = [DEMO, "--name", self.name, "--listen", f"{self.address}:{PORT}",
                "--data-dir", data_dir / self.name, "--interval-ms", "100"]
        for j in range(1, hosts + 1):
            if j != index:
                args += ["--peer", f"127.0.0.{j + 10}:{PORT}"]
        super().__init__(args)

    def last_reach(self):
        self.poll_lines()
        reach = [l for l in self.lines if l.startswith("reach: ")]
        return reach[-1][len("reach: "):] if reach else None


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
