"""The twin of a cluster: tandemd-like peers in a deterministic simulator.

    twin = tandem.Twin(peers=3, seed=7)
    twin.form()                                  # Create, then Add a Peer for each other host
    twin.peer(1).set("H323 Gatekeeper TimeToLive", "600")
    twin.crash(2); twin.run_for(30); twin.restart(2)
    assert twin.wait_converged()
    report = tandem.procedures.upgrade(twin, primary=1, version="X9.0.0")

Everything of ``tandem.ClusterTwin`` (faults, time, the trace) is here, with
the peers' admin API (``peer(n)``), the procedures' operator, and waits in
virtual time. Hosts are numbered 1..host_count; the same seed and the same
calls give the same run (``trace_hash``).
"""
from __future__ import annotations

from typing import Any, Sequence

from tandem import invariants, procedures
from tandem._tandem import ClusterTwin, EndpointPopulations, TandemError, TwinOperator, publish_cluster_records
from tandem.admin import AdminPeer

CLUSTER_NAME = "cluster.tandem.test"


class Twin(ClusterTwin):
    """A ClusterTwin with its peers' admin API, the procedures' operator and waits."""

    def __init__(self, peers: int = 3, seed: int = 1, *, pull_interval_s: float = 10.0, **options: Any):
        super().__init__(seed=seed, hosts=peers, pull_interval_s=pull_interval_s, **options)
        self.seed = seed
        self.operator = TwinOperator(self)

    def __repr__(self) -> str:
        return f"<Twin seed={self.seed} hosts={self.host_count} at {self.now:.3f} s>"

    # ---- peers ------------------------------------------------------------------
    def addr(self, peer: int | str) -> str:
        """A host number's current address; an address is returned as it is."""
        return self.address(peer) if isinstance(peer, int) else peer

    def _transport(self, address: str, method: str, target: str, body: str) -> tuple[int, str]:
        return self.request(address, method, target, body)

    def peer(self, peer: int | str) -> AdminPeer:
        """The admin API of a host (number or address), from the operator's workstation."""
        return AdminPeer(self.addr(peer), self._transport)

    def peers(self, hosts: Sequence[int] | None = None) -> list[AdminPeer]:
        return [self.peer(n) for n in (hosts or range(1, self.host_count + 1))]

    # ---- forming ----------------------------------------------------------------
    def form(self, size: int | None = None, cluster_name: str = CLUSTER_NAME, tls_mode: str = "Permissive") -> None:
        """The guide's Create a New Cluster on host 1, then Add a Peer for hosts 2..size."""
        size = size or self.host_count
        if not 1 <= size <= min(6, self.host_count):
            raise ValueError(f"a cluster of {size} peers cannot be formed from {self.host_count} hosts (1 to 6)")
        self._ok(procedures.create_cluster(self, 1, cluster_name, tls_mode))
        for host in range(2, size + 1):
            self._ok(procedures.add_peer(self, 1, host))

    @staticmethod
    def _ok(report) -> None:
        if not report.ok:
            raise TandemError(f"{report.procedure} stopped: {report.failure}\n{report}")

    # ---- endpoints ----------------------------------------------------------------
    def endpoints(self, publish: bool = True) -> EndpointPopulations:
        """The twin's endpoint populations (made on first use, destroyed before the twin):
        ``pops.add("phones", kind="sip_srv", count=200)``. The first call publishes the DNS
        records of CLUSTER_NAME (Appendix 2), which SRV and round-robin endpoints look up,
        unless ``publish`` is False (then call publish_cluster_records yourself)."""
        if publish and not getattr(self, "_records_published", False):
            self.publish_cluster_records()
        return super().endpoints()

    def publish_cluster_records(self, cluster_name: str = CLUSTER_NAME, peers: Sequence[int] = (),
                                sip_udp: bool = False) -> None:
        """The cluster name's SRV and A records for ``peers`` (every host when empty)."""
        publish_cluster_records(self, cluster_name, list(peers), sip_udp)
        self._records_published = True

    # ---- waiting in virtual time -------------------------------------------------
    def wait_for(self, check, limit_s: float = 120.0, poll_s: float = 0.5) -> bool:
        """Runs the twin until ``check()`` is true (polled every ``poll_s`` of virtual
        time, so it may send requests) or ``limit_s`` passes; whether it held."""
        deadline = self.now + limit_s
        while True:
            if check():
                return True
            if self.now >= deadline:
                return False
            self.run_for(min(poll_s, deadline - self.now))

    def wait_converged(self, hosts: Sequence[int] | None = None, limit_s: float = 120.0) -> bool:
        """Until every member's database is Active at one revision and they all see each other."""
        members = self.peers(hosts)
        return self.wait_for(lambda: not invariants.converged(members), limit_s)

    def primary(self) -> int:
        """The host number of the configuration primary, as the first running peer sees it."""
        via = next((n for n in range(1, self.host_count + 1) if self.running(n)), None)
        if via is None:
            raise TandemError("no peer of the twin is running")
        state = self.peer(via).cluster()
        if not state["Clustered"]:
            return via
        slot = state["ConfigurationPrimary"]
        address = next(p["Address"] for p in state["Peers"] if p["Slot"] == slot)
        number = self.host_at(address)
        if number is None:
            raise TandemError(f"the primary's address {address} is no host of this twin")
        return number

    # ---- rehearsal -----------------------------------------------------------------
    @classmethod
    def from_live(cls, cluster: Any, seed: int = 1, **options: Any):
        """A twin of a running cluster (see tandem.rehearse.twin_of)."""
        from tandem import rehearse
        return rehearse.twin_of(cluster, seed=seed, **options)
