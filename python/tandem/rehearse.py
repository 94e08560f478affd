"""Rehearse a procedure on a twin of a running cluster before doing it for real.

``twin_of(cluster)`` reads a live cluster through its admin API (peers and
their states, clustering settings, software versions, the replicated
configuration, system names, load) and builds a twin of it: the same number
of peers in the same slots, formed with the guide's procedures, the same
primary, the same versions, the same configuration, dead peers powered off,
and twin endpoints (of the kind the operator says the live ones are, DNS SRV
by default) standing for the live registrations, so the report says where
registrations would go. ``rehearse(...)`` then runs a procedure on that twin, with
chosen faults, and tells what would happen: the procedure's report (in the
live cluster's addresses) and the invariants checked afterwards.

From the command line (nothing is changed on the live cluster: it is only read):

    python3 -m tandem.rehearse --peer 127.0.0.11 --password-file pw --ca all-peers.pem \\
        upgrade X9.1 --fault crash:127.0.0.11@20 --fault restart:127.0.0.11@200 --seeds 5

Exit status: 0 the procedure completed and the cluster ended converged with
every change kept on every seed, 1 it would not (the report says why), 2 a
usage error, 3 the live cluster could not be read.
"""
from __future__ import annotations

import argparse
import dataclasses
import re
import sys
from typing import Any, Sequence

from tandem import faults as faults_mod
from tandem import invariants, procedures
from tandem._tandem import TandemError, config_item, config_items
from tandem.admin import AdminPeer
from tandem.twin import Twin

# Items a twin keeps its own of: its admin account, and the machine's own
# addresses, names and certificates (the twin's hosts live at 10.0.0.N).
_NOT_COPIED_WORDS = {"Login", "Alternates", "Ethernet", "IP", "Certificates"}
_BATCH = 1000  # the admin API's most changes per request


@dataclasses.dataclass
class LivePeerState:
    slot: int
    address: str
    state: str  # "This system", "Active", "Failed", "Unknown", or "Unreachable"
    system_name: str = ""
    software_version: str = ""
    registrations: int = 0
    traversal_calls: int = 0
    non_traversal_calls: int = 0


@dataclasses.dataclass
class LiveSnapshot:
    """What was read from the live cluster."""
    cluster_name: str
    clustered: bool
    primary_slot: int
    tls_mode: str
    peers: list[LivePeerState]
    configuration: dict[str, str]  # replicated items that differ from the defaults

    def address_of_slot(self, slot: int) -> str:
        return next(p.address for p in self.peers if p.slot == slot)


def _top_words() -> list[str]:
    """First words of the replicated items of the schema, in schema order."""
    words: list[str] = []
    for item in config_items():
        word = item["pattern"].split()[0]
        if item["scope"] == "replicated" and word not in words and word not in _NOT_COPIED_WORDS:
            words.append(word)
    return words


def replicated_configuration(peer: AdminPeer) -> dict[str, str]:
    """Every replicated, non-secret item the peer holds set to something other
    than its default, by canonical path (an item absent reads as its default)."""
    out = {}
    for word in _top_words():
        for path, value in peer.items(word).items():
            item = config_item(path)
            if item["scope"] == "replicated" and not item["secret"] and value not in ("***", item["default"]):
                out[item["path"]] = value
    return out


def snapshot(cluster, entry: int | str = 1) -> LiveSnapshot:
    """Reads the live cluster through the peer ``entry`` and each peer it lists."""
    status = cluster.peer(entry).status()
    state = status["Cluster"]
    if not state["Clustered"]:
        views = [{"Slot": 1, "Address": cluster.addr(entry), "State": "This system"}]
        primary_slot = 1
    else:
        views = state["Peers"]
        primary_slot = state["ConfigurationPrimary"]
    peers = []
    for view in views:
        peer = LivePeerState(view["Slot"], view["Address"], view["State"], view.get("SystemName") or "",
                             view.get("SoftwareVersion") or "")
        try:
            own = cluster.peer(peer.address).status()
            peer.system_name = own["SystemUnit"]["Name"]
            peer.software_version = own["SystemUnit"]["Software"]["Version"]
            mine = next((p for p in own["Cluster"].get("Peers", []) if p["State"] == "This system"), None)
            usage = (mine or {}).get("ResourceUsage") or own["Cluster"].get("ResourceUsage") or {}
            peer.registrations = usage.get("Registrations") or 0
            peer.traversal_calls = usage.get("TraversalCalls") or 0
            peer.non_traversal_calls = usage.get("NonTraversalCalls") or 0
        except TandemError:
            peer.state = "Unreachable"
        peers.append(peer)
    primary_address = next(p.address for p in peers if p.slot == primary_slot)
    configuration = replicated_configuration(cluster.peer(primary_address))
    return LiveSnapshot(state["Name"] or "", state["Clustered"], primary_slot,
                        state.get("TlsVerificationMode") or "Permissive", peers, configuration)


def _configure(peer: AdminPeer, changes: dict[str, str]) -> None:
    pairs = list(changes.items())
    for start in range(0, len(pairs), _BATCH):
        peer.configure(pairs[start:start + _BATCH])


# How endpoints find the cluster (the guide's options); the live cluster's
# registrations are carried by twin endpoints of one of these kinds.
ENDPOINT_KINDS = ("sip_srv", "sip_round_robin", "sip_outbound", "sip_static", "h323_srv", "h323_round_robin",
                  "h323_static")
ENDPOINTS_MAX = 3000  # enough to see where registrations go, few enough to rehearse in seconds


def _add_endpoints(twin: Twin, snap: LiveSnapshot, alive: list[int], kind: str, most: int) -> None:
    """Twin endpoints for the live registrations: one per registration (scaled
    down past ``most``). Static and outbound ones start on the peer whose
    registrations they stand for; SRV and round-robin ones find a peer as
    such endpoints do, so only their total matches the live cluster."""
    counts = {p.slot: p.registrations for p in snap.peers if p.slot in alive and p.registrations > 0}
    total = sum(counts.values())
    if total == 0:
        return
    scale = min(1.0, most / total)
    pops = twin.endpoints()
    placed = kind in ("sip_static", "sip_outbound", "h323_static")
    groups = [(f"peer{slot}", max(1, round(n * scale)), [slot] + [s for s in alive if s != slot])
              for slot, n in counts.items()] if placed else [("live", max(1, round(total * scale)), [])]
    for name, count, peers in groups:
        pops.add(f"{kind}-{name}", kind=kind, count=count, peers=peers[:2] if kind == "sip_outbound" else peers[:1])
    wanted = sum(count for _, count, _ in groups)
    twin.wait_for(lambda: sum(pops.reachable_count(i) for i in range(len(pops))) >= wanted, 120)
    twin.run_for(2)  # the peers' counts follow within a second (xStatus, the report's before)
    twin.notes.append(f"{wanted} twin endpoint(s) ({kind}) stand for the live cluster's {total} registration(s)"
                      + ("" if scale == 1.0 else f", scaled by {scale:.3f}")
                      + ("" if placed else "; they chose their peers by their own discovery"))


def twin_from_snapshot(snap: LiveSnapshot, seed: int = 1, endpoints: str | None = "sip_srv",
                       endpoints_max: int = ENDPOINTS_MAX, **options: Any) -> Twin:
    """Builds the twin: twin host N stands for live slot N. The live cluster's
    registrations become twin endpoints of kind ``endpoints`` (None: carried
    only as a reported count), so a procedure's report says where they go."""
    if endpoints is not None and endpoints not in ENDPOINT_KINDS:
        raise ValueError(f"endpoints must be one of {', '.join(ENDPOINT_KINDS)}, not {endpoints!r}")
    size = max(p.slot for p in snap.peers) if snap.clustered else 1
    primary = next(p for p in snap.peers if p.slot == snap.primary_slot)
    version = primary.software_version or None
    twin = Twin(peers=size, seed=seed, **({"software_version": version} if version else {}), **options)
    twin.live = {p.slot: p.address for p in snap.peers}
    twin.configuration = dict(snap.configuration)
    twin.notes = []
    first = twin.peer(1)
    installed = replicated_configuration(first)
    changes = {k: v for k, v in snap.configuration.items() if installed.get(k) != v}
    changes.update({k: config_item(k)["default"] for k in installed if k not in snap.configuration})
    _configure(first, changes)
    for p in snap.peers:
        if p.system_name:
            twin.peer(p.slot).set("SystemUnit Name", p.system_name)
    if snap.tls_mode == "Enforce":
        twin.notes.append("the live cluster verifies certificates (Enforce); the twin's peers have self-signed "
                          "certificates, so the twin runs Permissive")
    if snap.clustered:
        twin.form(size, cluster_name=snap.cluster_name)
        if snap.primary_slot != 1:
            Twin._ok(procedures.change_primary(twin, snap.primary_slot))
    for p in snap.peers:
        if p.software_version and p.software_version != twin.software_version(p.slot):
            twin.set_software_version(p.slot, p.software_version)
            twin.reboot(p.slot)
    for p in snap.peers:
        if p.state in ("Failed", "Unreachable", "Unknown"):
            twin.power_off(p.slot)
            twin.notes.append(f"{p.address} (peer {p.slot}) is {p.state} on the live cluster: powered off in the twin")
    alive = [p.slot for p in snap.peers if twin.state(p.slot) == "running"]
    if snap.clustered and len(alive) == size:
        twin.wait_converged(alive, limit_s=300)
    if endpoints is not None:
        _add_endpoints(twin, snap, alive, endpoints, endpoints_max)
    for p in snap.peers:  # calls (and, without endpoints, registrations) as each peer reported them
        registrations = 0 if endpoints is not None else p.registrations
        if p.slot in alive and (registrations or p.traversal_calls or p.non_traversal_calls):
            twin.set_usage(p.slot, registrations, p.traversal_calls, p.non_traversal_calls)
    if endpoints is None and any(p.registrations for p in snap.peers):
        twin.notes.append("registrations are carried as each peer's reported load, not as endpoints: a restarted "
                          "peer's registrations count as lost")
    return twin


def twin_of(cluster, seed: int = 1, entry: int | str = 1, **options: Any) -> Twin:
    """A twin of the running cluster (a tandem.live.LiveCluster) read through ``entry``."""
    return twin_from_snapshot(snapshot(cluster, entry), seed=seed, **options)


# ---- the rehearsal ---------------------------------------------------------------

_TWIN_ADDRESS = re.compile(r"\b10\.0\.0\.(\d+)\b")


@dataclasses.dataclass
class Rehearsal:
    """What would happen: the report, in the live cluster's addresses, and the
    invariants checked after the faults were undone."""
    seed: int
    report: Any
    text: str
    problems: list[str]
    faults_applied: list[faults_mod.Fault]
    notes: list[str]

    @property
    def ok(self) -> bool:
        return self.report.ok and not self.problems


def live_text(twin: Twin, text: str) -> str:
    """Twin addresses in ``text`` replaced by the live addresses they stand for."""
    return _TWIN_ADDRESS.sub(lambda m: twin.live.get(int(m.group(1)), m.group(0)), text)


def host_of(twin: Twin, word: str) -> int:
    """A peer named by live address or slot number, as its twin host; a new
    address becomes a fresh twin host (a spare machine for add or replace)."""
    if word.isdigit():
        if not 1 <= int(word) <= twin.host_count:
            raise ValueError(f"there is no peer {word}: the cluster has slots 1..{twin.host_count}")
        return int(word)
    for slot, address in twin.live.items():
        if address == word:
            return slot
    number = twin.add_host()
    twin.live[number] = word
    twin.notes.append(f"{word} is not in the live cluster: a fresh stand-alone host in the twin")
    return number


def rehearse_on(twin: Twin, procedure: str, fault_list: Sequence[faults_mod.Fault] = (), settle_s: float = 300.0,
                **args: Any) -> Rehearsal:
    """Runs ``procedure`` on ``twin`` (built by twin_of) with ``fault_list`` armed
    at its start; then undoes the faults, lets the cluster settle, and checks it."""
    applied: list[faults_mod.Fault] = []
    faults_mod.arm(twin, fault_list, applied)
    report = procedures.run(twin, procedure, **args)
    faults_mod.recover(twin)
    members = _members(twin)
    twin.wait_for(lambda: not invariants.converged(members), settle_s)
    problems = []
    if members:
        problems = invariants.converged(members) + invariants.single_primary(members)
        problems += configuration_kept(members, getattr(twin, "configuration", {}))
    return Rehearsal(twin.seed, report, live_text(twin, str(report)), [live_text(twin, p) for p in problems],
                     applied, list(twin.notes))


def configuration_kept(members: Sequence[AdminPeer], expected: dict[str, str]) -> list[str]:
    """The live cluster's replicated configuration is still on every member."""
    problems = []
    for peer in members:
        try:
            have = replicated_configuration(peer)
        except TandemError as error:
            problems.append(f"{peer.address} cannot be read: {error}")
            continue
        changed = sorted(path for path, value in expected.items() if have.get(path, config_item(path)["default"]) != value)
        if changed:
            problems.append(f"{peer.address} lost {len(changed)} configured item(s), e.g. {changed[0]}")
    return problems


def _members(twin: Twin) -> list[AdminPeer]:
    """The peers the cluster lists now, as any reachable host sees it."""
    for host in range(1, twin.host_count + 1):
        try:
            state = twin.peer(host).cluster()
        except TandemError:
            continue
        if state["Clustered"]:
            return [twin.peer(p["Address"]) for p in state["Peers"]]
    return []


# ---- the command line --------------------------------------------------------------

# procedure -> (planner name, positional argument names); the primary is found.
_CLI = {
    "upgrade": ("upgrade", ["version"]),
    "add": ("add-peer", ["new_peer"]),
    "remove": ("remove-peer", ["peer"]),
    "remove-dead": ("remove-dead-peer", ["peer"]),
    "change-primary": ("change-primary", ["new_primary"]),
    "replace": ("replace-peer", ["old_peer", "new_peer"]),
    "replace-keep": ("replace-keep", ["old_peer", "new_peer"]),
    "change-address": ("change-address", ["peer", "new_address"]),
    "disband": ("disband", []),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python3 -m tandem.rehearse",
                                     description="Rehearse a cluster procedure on a twin of a running cluster.")
    parser.add_argument("--peer", action="append", required=True,
                        help="admin address of a live peer (the first is read first; repeat for more)")
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password-file", required=True)
    trust = parser.add_mutually_exclusive_group(required=True)
    trust.add_argument("--ca", help="PEM bundle trusted for the peers' certificates")
    trust.add_argument("--insecure", action="store_true", help="do not check the peers' certificates")
    parser.add_argument("--fault", action="append", default=[], metavar="KIND:HOSTS@SECONDS",
                        help="a fault during the procedure; hosts by live address or slot (repeatable)")
    parser.add_argument("--endpoints", default="sip_srv", choices=[*ENDPOINT_KINDS, "none"],
                        help="how the live cluster's endpoints find it: twin endpoints of this kind stand for its "
                             "registrations (default sip_srv; none: only the reported count)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seeds", type=int, default=1, help="rehearse on this many seeds from --seed")
    parser.add_argument("procedure", choices=sorted(_CLI))
    parser.add_argument("args", nargs="*", help="the procedure's arguments (addresses, version)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from tandem.live import LiveCluster
    parser = _parser()
    opts = parser.parse_args(argv)
    planner, names = _CLI[opts.procedure]
    if len(opts.args) != len(names):
        parser.error(f"{opts.procedure} takes {len(names)} argument(s): {' '.join(n.upper() for n in names) or 'none'}")
    if opts.seeds < 1:
        parser.error("--seeds must be 1 or more")
    try:
        password = open(opts.password_file).read().strip()
    except OSError as error:
        parser.error(f"--password-file: {error}")
    cluster = LiveCluster(opts.peer, password, user=opts.user, ca_file=opts.ca, insecure=opts.insecure, port=opts.port)
    try:
        snap = snapshot(cluster, opts.peer[0])
    except TandemError as error:
        print(f"cannot read the live cluster: {error}", file=sys.stderr)
        return 3
    print(f"read {len(snap.peers)} peer(s) of {snap.cluster_name or '(stand-alone)'}: primary "
          f"{snap.address_of_slot(snap.primary_slot)}, {len(snap.configuration)} replicated item(s), versions "
          + ", ".join(f"{p.address} {p.software_version or '?'} ({p.state})" for p in snap.peers))
    failures = 0
    for seed in range(opts.seed, opts.seed + opts.seeds):
        try:
            result = _rehearse_seed(snap, seed, planner, names, opts)
        except ValueError as error:
            parser.error(str(error))
        except TandemError as error:
            print(f"seed {seed}: the rehearsal could not run: {error}")
            failures += 1
            continue
        failures += 0 if result.ok else 1
        print(f"\n=== seed {seed}: faults applied: {faults_mod.describe(result.faults_applied)}")
        print(result.text, end="")
        for note in result.notes:
            print(f"note: {note}")
        print("afterwards: " + ("converged, one primary" if not result.problems else "; ".join(result.problems)))
    print(f"\n{opts.seeds - failures} of {opts.seeds} rehearsal(s) completed with the cluster converged")
    return 0 if failures == 0 else 1


def _rehearse_seed(snap: LiveSnapshot, seed: int, planner: str, names: list[str], opts) -> Rehearsal:
    twin = twin_from_snapshot(snap, seed=seed, endpoints=None if opts.endpoints == "none" else opts.endpoints)
    args: dict[str, Any] = {}
    for name, value in zip(names, opts.args):
        if name in ("version", "new_address"):
            args[name] = value
        else:
            args[name] = twin.address(host_of(twin, value))
    if planner not in ("change-primary", "clear-configuration"):
        args["primary"] = twin.address(twin.primary())
    schedule = [faults_mod.parse(spec, lambda w: host_of(twin, w)) for spec in opts.fault]
    return rehearse_on(twin, planner, schedule, **args)


if __name__ == "__main__":
    sys.exit(main())
