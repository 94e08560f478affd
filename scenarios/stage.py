"""Where a scenario plays: the twin, or live tandemd processes on loopback.

A scenario is a function ``scenario(stage, rng)`` that drives the cluster
through ``stage`` only, so the same script runs on both: the stage gives
peers' admin APIs, the target for tandem.procedures, waits (virtual time on
the twin, real time live) and the faults the stage can do. ``main()`` gives
every script the same command line (--seed, --live, --trace, --quiet).

Live stages use tandem.live.LocalCluster on 127.0.12.N (integration tests
use 127.0.12.x only) and need the built tandemd (TANDEM_BUILD_DIR).
"""
from __future__ import annotations

import argparse
import pathlib
import random
import sys
import tempfile
import time
from typing import Callable, Sequence

import tandem
from tandem import invariants
from tandem.admin import AdminPeer

TTL = "H323 Gatekeeper TimeToLive"
CLUSTER_NAME = "cluster.tandem.test"
LIVE_SUBNET = "127.0.12"
SCENARIOS = pathlib.Path(__file__).resolve().parent


class ScenarioError(AssertionError):
    """The scenario saw something it must not; the message says what."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise ScenarioError(message)


def expect_ok(report: tandem.Report) -> tandem.Report:
    expect(report.ok, f"{report.procedure} stopped: {report.failure}\n{report}")
    return report


class TwinStage:
    kind = "twin"

    def __init__(self, hosts: int, seed: int, keep_trace: bool = False):
        self.twin = tandem.Twin(peers=hosts, seed=seed, keep_trace=keep_trace)
        self.target = self.twin
        self.seed = seed

    @property
    def host_count(self) -> int:
        return self.twin.host_count

    def addr(self, n: int) -> str:
        return self.twin.address(n)

    def peer(self, n: int) -> AdminPeer:
        return self.twin.peer(n)

    def peers(self, hosts: Sequence[int]) -> list[AdminPeer]:
        return [self.peer(n) for n in hosts]

    def sleep(self, seconds: float) -> None:
        self.twin.run_for(seconds)

    def wait_until(self, check: Callable[[], bool], limit_s: float) -> bool:
        return self.twin.wait_for(check, limit_s)

    def kill(self, n: int) -> None:
        self.twin.crash(n)

    def start(self, n: int) -> None:
        self.twin.restart(n)

    def close(self) -> None:
        pass


class LiveStage:
    kind = "live"

    def __init__(self, hosts: int, workdir: pathlib.Path, first_address: int = 11):
        from tandem.live import LocalCluster
        self.cluster = LocalCluster(size=hosts, workdir=workdir, subnet=LIVE_SUBNET, first_address=first_address)
        self.cluster.__enter__()
        try:
            # Each peer reads its version from a file at every start, so an
            # upgrade writes the file and restarts the peer.
            self._versions = {}
            for peer in self.cluster.peers:
                version_file = workdir / f"{peer.address}.version"
                version_file.write_text(peer.status()["SystemUnit"]["Software"]["Version"] + "\n")
                self._versions[peer.address] = version_file
                peer.stop()
                peer.start(["--software-version-file", str(version_file)])
            self.target = self.cluster.client(upgrade=self._upgrade)
        except BaseException:
            self.close()
            raise

    def _upgrade(self, address: str, version: str) -> None:
        self._versions[address].write_text(version + "\n")
        self.target.peer(address).restart()

    @property
    def host_count(self) -> int:
        return len(self.cluster.peers)

    def addr(self, n: int) -> str:
        return self.cluster.peers[n - 1].address

    def peer(self, n: int) -> AdminPeer:
        return self.target.peer(self.addr(n))

    def peers(self, hosts: Sequence[int]) -> list[AdminPeer]:
        return [self.peer(n) for n in hosts]

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def wait_until(self, check: Callable[[], bool], limit_s: float) -> bool:
        deadline = time.monotonic() + limit_s
        while True:
            if check():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.25)

    def kill(self, n: int) -> None:
        self.cluster.peers[n - 1].kill()

    def start(self, n: int) -> None:
        peer = self.cluster.peers[n - 1]
        peer.start(["--software-version-file", str(self._versions[peer.address])])

    def close(self) -> None:
        self.cluster.__exit__(None, None, None)


# ---- what every scenario does --------------------------------------------------------

def form(stage, size: int) -> None:
    """Create on host 1, then Add a Peer for hosts 2..size."""
    expect_ok(tandem.procedures.create_cluster(stage.target, stage.addr(1), CLUSTER_NAME))
    for host in range(2, size + 1):
        expect_ok(tandem.procedures.add_peer(stage.target, stage.addr(1), stage.addr(host)))


def form_with_change(stage, rng, smallest: int, largest: int) -> tuple[int, invariants.Ledger]:
    """Forms a cluster of a random size in smallest..largest and has its primary
    acknowledge a change; (size, the ledger of acknowledged changes)."""
    size = rng.randint(smallest, largest)
    form(stage, size)
    ledger = invariants.Ledger()
    ledger.set(stage.peer(1), TTL, str(rng.randint(60, 3599)))
    return size, ledger


def settle(stage, members: Sequence[int], ledger: invariants.Ledger | None = None, limit_s: float = 120.0) -> None:
    """Waits for the members to converge, then checks the invariants: converged,
    one primary, and every acknowledged change kept."""
    peers = stage.peers(members)
    stage.wait_until(lambda: not invariants.converged(peers), limit_s)
    invariants.check(invariants.converged(peers), invariants.single_primary(peers),
                     ledger.lost(peers) if ledger else [])


def replay_command(script: str, seed: int, live: bool = False) -> str:
    return f"PYTHONPATH=build/dev/python /usr/bin/python3 scenarios/{script}.py --seed {seed}" + (" --live" if live else "")


def run(scenario, hosts: int, seed: int, live: bool = False, workdir: pathlib.Path | None = None,
        keep_trace: bool = False, first_address: int = 11):
    """Runs ``scenario`` on a fresh stage; returns (what the scenario returned, the stage)."""
    rng = random.Random(seed)
    if live:
        workdir = workdir or pathlib.Path(tempfile.mkdtemp(prefix="tandem-scenario-"))
        stage = LiveStage(hosts, workdir, first_address)
    else:
        stage = TwinStage(hosts, seed, keep_trace)
    try:
        return scenario(stage, rng), stage
    finally:
        stage.close()


def main(scenario, hosts: int, live_ok: bool = True, argv: Sequence[str] | None = None) -> int:
    """The command line of a scenario script."""
    name = pathlib.Path(sys.modules[scenario.__module__].__file__).stem
    parser = argparse.ArgumentParser(prog=f"scenarios/{name}.py", description=(scenario.__doc__ or "").strip())
    parser.add_argument("--seed", type=int, default=1, help="the run to replay (twin: bit for bit)")
    parser.add_argument("--live", action="store_true",
                        help=f"on real tandemd processes on {LIVE_SUBNET}.N instead of the twin" if live_ok else
                        "not available: this story needs the twin's faults")
    parser.add_argument("--trace", metavar="FILE", help="write the twin's trace (JSON Lines) here")
    parser.add_argument("--workdir", help="live: where the peers' data directories go")
    opts = parser.parse_args(argv)
    if opts.live and not live_ok:
        parser.error("this scenario needs the twin's faults; it has no --live form")
    started = time.monotonic()
    try:
        result, stage = run(scenario, hosts, opts.seed, opts.live,
                            pathlib.Path(opts.workdir) if opts.workdir else None, keep_trace=bool(opts.trace))
    except (ScenarioError, invariants.InvariantError, tandem.TandemError) as error:
        print(f"FAILED (seed {opts.seed}): {error}\nreplay: {replay_command(name, opts.seed, opts.live)}",
              file=sys.stderr)
        return 1
    if opts.trace and isinstance(stage, TwinStage):
        stage.twin.write_trace(opts.trace)
    where = "live" if opts.live else f"twin, {stage.twin.now:.1f} s virtual, trace {stage.twin.trace_hash}"
    print(f"{name}: ok (seed {opts.seed}, {where}, {time.monotonic() - started:.2f} s wall)")
    for line in result or []:
        print("  " + line)
    return 0
