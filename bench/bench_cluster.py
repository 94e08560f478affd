#!/usr/bin/python3
"""Real-cluster benchmark: tandemd processes on 127.0.4.N with real TLS and
real SQLite files. Prints figures; asserts nothing.

  1. Replication convergence: N changes committed on the primary of a 6-peer
     cluster, each timed from the primary's commit to its arrival on the last
     subordinate (wall-clock trace records; one host, one clock). p50 and p99.
  2. A new peer joining a primary that holds a large configuration (100 000
     replicated rows): from its start to database Active with every row.
  3. An idle peer's resident memory, and the time from exec to serving.

Targets (issue 4): p99 <= 20 ms; new peer synced <= 1 s; idle RSS < 30 MB;
ready <= 200 ms.

Run: PYTHONPATH=build/dev/python /usr/bin/python3 bench/bench_cluster.py [--changes 300]
"""
import argparse
import base64
import http.client
import json
import os
import pathlib
import platform
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

from tandem.live import LocalCluster, LocalPeer, PASSWORD, build_dir, wait_for


class Api:
    """A keep-alive HTTPS connection to one peer's admin API (no process per call)."""

    def __init__(self, peer: LocalPeer):
        context = ssl.create_default_context(cafile=str(peer.cert_path))
        context.check_hostname = False
        self.connection = http.client.HTTPSConnection(peer.address, peer.admin_port, context=context, timeout=60)
        self.auth = "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()

    def call(self, method, target, body=None):
        payload = json.dumps(body) if body is not None else None
        self.connection.request(method, target, body=payload,
                                headers={"Authorization": self.auth, "Content-Type": "application/json"})
        reply = self.connection.getresponse()
        data = json.loads(reply.read() or b"{}")
        if reply.status != 200:
            raise RuntimeError(f"{method} {target}: {reply.status} {data}")
        return data

    def configure(self, changes):
        return self.call("POST", "/api/v1/configuration", {"changes": [{"path": p, "value": v} for p, v in changes]})


def trace_records(path: pathlib.Path, kind: str):
    """(t_ns, revision) of each record of `kind` ("revision N" details)."""
    out = []
    for line in path.read_text().splitlines():
        record = json.loads(line)
        if record["kind"] == kind:
            out.append((record["t_ns"], int(record["detail"].split()[1])))
    return out


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def convergence(workdir: pathlib.Path, changes: int):
    traces = [workdir / f"peer{i}.trace" for i in range(1, 7)]
    with LocalCluster(size=6, workdir=workdir, subnet="127.0.4") as cluster:
        for peer, trace in zip(cluster.peers, traces):  # restart each with a trace file
            peer.stop()
            peer.start(["--trace", str(trace)])
        cluster.form()
        api = Api(cluster.primary)
        first = api.call("GET", "/api/v1/status?path=Cluster")["Cluster"]["AppliedRevision"] + 1
        for i in range(changes):
            api.configure([("H323 Gatekeeper TimeToLive", str(100 + i % 1000))])
            time.sleep(0.01)  # one change at a time, as an operator (or TMS) makes them
        cluster.wait_converged()
        last = first + changes - 1
        commits = {rev: t for t, rev in trace_records(traces[0], "cluster.commit") if first <= rev <= last}
        applied = [sorted(trace_records(t, "cluster.applied")) for t in traces[1:]]
    lags_ms = []
    for rev, committed in commits.items():
        arrivals = [next(t for t, r in records if r >= rev) for records in applied]
        lags_ms.append((max(arrivals) - committed) / 1e6)
    return lags_ms


def big_configuration(rows: int):
    """`rows` replicated items: FindMe users with their devices, then search rules."""
    changes = []
    user = 1
    while len(changes) < rows and user <= 10000:
        changes += [(f"FindMe User {user} Name", f"user{user}"),
                    (f"FindMe User {user} DisplayName", f"User {user}"),
                    (f"FindMe User {user} PrincipalDeviceAddress", f"user{user}@tandem.test")]
        changes += [(f"FindMe User {user} Device {d} Address", f"user{user}.d{d}@tandem.test") for d in range(1, 6)]
        user += 1
    rule = 1
    while len(changes) < rows and rule <= 2000:
        changes += [(f"Zones Policy SearchRules Rule {rule} Name", f"rule{rule}"),
                    (f"Zones Policy SearchRules Rule {rule} Pattern String", f"^{rule}.*"),
                    (f"Zones Policy SearchRules Rule {rule} Priority", str(rule % 65534 + 1))]
        rule += 1
    return changes[:rows]


def new_peer_sync(workdir: pathlib.Path, rows: int):
    with LocalCluster(size=2, workdir=workdir, subnet="127.0.4", first_address=21) as cluster:
        primary, new = cluster.peers
        cluster.create()
        api = Api(primary)
        load_started = time.monotonic()
        changes = big_configuration(rows)
        for i in range(0, len(changes), 1000):  # the API takes 1000 changes a request
            api.configure(changes[i:i + 1000])
        load_s = time.monotonic() - load_started
        # Add a Peer up to the new peer's restart; that restart is the start we time.
        cluster.prepare_peer(2)
        if 20012 in primary.alarm_ids():
            primary.restart()
        new.stop()
        trace = workdir / "new.trace"
        started_ns = time.time_ns()  # the trace's clock: wall time, one host
        new.start(["--trace", str(trace)])
        wait_for(lambda: new.cluster()["DatabaseStatus"] == "Active", 30, "the new peer to sync")
        applied_ns = min(t for t, _ in trace_records(trace, "cluster.applied"))
        synced_s = (applied_ns - started_ns) / 1e9
        items = Api(new).call("GET", "/api/v1/configuration?path=FindMe%20User%2010000")
    return load_s, synced_s, items


def ready_ms(peer: LocalPeer) -> float:
    """From exec to the first completed TLS handshake on the admin port."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    started = time.monotonic()
    peer.proc = subprocess.Popen([str(build_dir() / "runtime" / "daemon" / "tandemd"), "run", "--data-dir",
                                  str(peer.data_dir), "--trust-local-clock"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while time.monotonic() - started < 10:
        try:
            with socket.create_connection((peer.address, peer.admin_port), timeout=1) as raw:
                with context.wrap_socket(raw):
                    return (time.monotonic() - started) * 1000
        except OSError:
            time.sleep(0.001)
    raise TimeoutError("the peer never answered")


def idle_peer(workdir: pathlib.Path):
    with LocalCluster(size=1, workdir=workdir, subnet="127.0.4", first_address=31) as cluster:
        peer = cluster.primary
        cluster.create()
        readies = []
        for _ in range(5):
            peer.stop()
            readies.append(ready_ms(peer))
        time.sleep(3)
        rss_kb = next(int(line.split()[1]) for line in open(f"/proc/{peer.proc.pid}/status") if line.startswith("VmRSS"))
    return rss_kb / 1024, readies


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", type=int, default=300)
    parser.add_argument("--rows", type=int, default=100000)
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as tmp:
        tmp = pathlib.Path(tmp)
        lags = convergence(tmp / "six", args.changes)
        print(f"convergence, 6 peers, TLS, {len(lags)} changes: p50 {statistics.median(lags):.2f} ms, "
              f"p99 {percentile(lags, 99):.2f} ms, max {max(lags):.2f} ms (target p99 <= 20 ms)")
        load_s, synced_s, last_user = new_peer_sync(tmp / "big", args.rows)
        print(f"large configuration: {args.rows} rows loaded on the primary in {load_s:.2f} s; a new peer "
              f"synced in {synced_s * 1000:.0f} ms from exec to the snapshot applied (target <= 1 s); "
              f"its last FindMe user: {json.dumps(last_user)[:120]}")
        rss_mb, readies = idle_peer(tmp / "idle")
        print(f"idle clustered peer: {rss_mb:.1f} MB resident (target < 30 MB); ready to serve (TLS on the admin "
              f"port) {statistics.median(readies):.0f} ms after exec, median of {len(readies)} (target <= 200 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
