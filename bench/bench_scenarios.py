#!/usr/bin/python3
"""Twin scenario benchmark: the wall time of a 10-minute virtual scenario of a
6-peer cluster with faults, driven from Python. Prints figures; asserts nothing.

The scenario: six hosts formed with the guide's procedures (Create, then Add a
Peer five times), then 600 s of virtual time in all (forming included) with a
subordinate crashed and restarted, a partition and its heal, a paused peer, a
wall-clock step, a rebooted peer and changes made on the primary, ending with
every fault undone and the cluster converged.

Target (issue 7): <= 0.5 s of wall time per run, so a thousand seeds fit in a
few minutes on 2 cores.

Run: PYTHONPATH=build/dev/python /usr/bin/python3 bench/bench_scenarios.py [--runs 20]
"""
import argparse
import os
import platform
import statistics
import time

import tandem
from tandem import faults, invariants

VIRTUAL_S = 600.0
SCHEDULE = [faults.parse(spec) for spec in (
    "crash:3@60", "restart:3@120", "partition:2-5@200", "heal:2-5@260", "pause:4@300", "resume:4@330",
    "clock:6:+30@400", "reboot:2@450")]


def one_run(seed: int) -> tuple[float, float, float, int]:
    """(wall seconds to form, wall seconds for the whole scenario, CPU seconds, events)."""
    started, cpu = time.perf_counter(), time.process_time()
    twin = tandem.Twin(peers=6, seed=seed)
    twin.form()
    formed = time.perf_counter() - started
    ledger = invariants.Ledger()
    faults.arm(twin, SCHEDULE)
    for at in (30.0, 150.0, 280.0, 500.0):
        twin.run_for(max(0.0, at - twin.now))
        ledger.set(twin.peer(1), "H323 Gatekeeper TimeToLive", str(60 + int(at)))
    twin.run_for(VIRTUAL_S - 20 - twin.now)
    faults.recover(twin)
    peers = twin.peers()
    twin.wait_for(lambda: not invariants.converged(peers), VIRTUAL_S - twin.now, poll_s=5.0)
    twin.run_for(max(0.0, VIRTUAL_S - twin.now))
    invariants.check(invariants.converged(peers), ledger.lost(peers))  # a run that went wrong is no figure
    return formed, time.perf_counter() - started, time.process_time() - cpu, twin.events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    opts = parser.parse_args()
    one_run(1000)  # warm-up: imports, page faults
    results = [one_run(seed) for seed in range(1, opts.runs + 1)]
    forms = sorted(r[0] for r in results)
    walls = sorted(r[1] for r in results)
    cpus = sorted(r[2] for r in results)
    events = statistics.mean(r[3] for r in results)
    p50, worst = statistics.median(walls), walls[-1]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f}, Python {platform.python_version()}")
    print(f"6-peer cluster, {VIRTUAL_S:.0f} s virtual with faults ({len(SCHEDULE)} faults, 4 changes), {opts.runs} seeds:")
    print(f"  wall per run: median {p50 * 1000:.0f} ms, best {walls[0] * 1000:.0f} ms, worst {worst * 1000:.0f} ms "
          f"(target <= 500 ms)")
    print(f"  CPU per run: median {statistics.median(cpus) * 1000:.0f} ms (wall minus waiting for a busy core)")
    print(f"  of which forming the cluster (6 procedures): median {statistics.median(forms) * 1000:.0f} ms")
    print(f"  events per run: {events:.0f} ({events / p50 / 1e6:.2f} M events/s)")
    print(f"  1000 seeds on 2 cores: about {1000 * p50 / 2 / 60:.1f} min")


if __name__ == "__main__":
    main()
