"""What must hold of a cluster, checked through the admin API (twin or live).

Each check takes the member peers (``AdminPeer``s) and returns the problems
it found as sentences, empty when it holds; ``check()`` raises
``InvariantError`` listing them all. A peer that cannot be reached is itself a
problem for every check that needs it.
"""
from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from tandem._tandem import TandemError
from tandem.admin import AdminError, AdminPeer


class InvariantError(AssertionError):
    """An invariant does not hold; ``problems`` lists each thing that is wrong."""

    def __init__(self, problems: Sequence[str]):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def _clusters(peers: Sequence[AdminPeer]) -> tuple[dict[str, dict], list[str]]:
    states, problems = {}, []
    for peer in peers:
        try:
            states[peer.address] = peer.cluster()
        except TandemError as error:
            problems.append(f"{peer.address} cannot be read: {error}")
    return states, problems


def single_primary(peers: Sequence[AdminPeer]) -> list[str]:
    """Every member is clustered and names the same configuration primary, a listed slot."""
    states, problems = _clusters(peers)
    primaries = {}
    for address, state in states.items():
        if not state["Clustered"]:
            problems.append(f"{address} is not clustered")
            continue
        primaries[address] = state["ConfigurationPrimary"]
        slots = {p["Slot"] for p in state["Peers"]}
        if state["ConfigurationPrimary"] not in slots:
            problems.append(f"{address} names primary {state['ConfigurationPrimary']}, which is not a listed slot")
    if len(set(primaries.values())) > 1:
        problems.append("the members disagree on the primary: " +
                        ", ".join(f"{a} says {p}" for a, p in sorted(primaries.items())))
    return problems


def converged(peers: Sequence[AdminPeer]) -> list[str]:
    """Every member's database is Active at one revision, and it sees every other member Active."""
    states, problems = _clusters(peers)
    revisions = {a: s["AppliedRevision"] for a, s in states.items()}
    for address, state in states.items():
        if state["DatabaseStatus"] != "Active":
            problems.append(f"{address}: database {state['DatabaseStatus']}")
        if len(state["Peers"]) != len(peers):
            problems.append(f"{address} lists {len(state['Peers'])} peers, not {len(peers)}")
        for view in state["Peers"]:
            if view["State"] not in ("Active", "This system"):
                problems.append(f"{address} sees {view['Address']} {view['State']}")
    if len(set(revisions.values())) > 1:
        problems.append("revisions differ: " + ", ".join(f"{a} at {r}" for a, r in sorted(revisions.items())))
    return problems


def changes_kept(peers: Sequence[AdminPeer], acknowledged: Mapping[str, str]) -> list[str]:
    """Every change the primary acknowledged (path -> value) reads back on every member."""
    return [problem for problem, _ in _readbacks(peers, acknowledged)]


def alarms_as_expected(peers: Sequence[AdminPeer], expected: Iterable[int] = (),
                       allowed: Iterable[int] = ()) -> list[str]:
    """Each peer raises every ``expected`` alarm id and nothing outside ``expected`` and ``allowed``."""
    expected, allowed = set(expected), set(allowed)
    problems = []
    for peer in peers:
        try:
            ids = peer.alarm_ids()
        except TandemError as error:
            problems.append(f"{peer.address} cannot be read: {error}")
            continue
        if expected - ids:
            problems.append(f"{peer.address} lacks alarm(s) {sorted(expected - ids)}")
        if ids - expected - allowed:
            problems.append(f"{peer.address} has unexpected alarm(s) {sorted(ids - expected - allowed)}")
    return problems


def check(*problem_lists: list[str]) -> None:
    """Raises InvariantError with every problem of the given checks."""
    problems = [p for problems in problem_lists for p in problems]
    if problems:
        raise InvariantError(problems)


class Ledger:
    """The changes a primary acknowledged, for ``changes_kept``: a change counts
    once the primary answered 200, and a later one to the same path replaces it.
    A request whose answer never came (the primary died or was cut off) may or
    may not have been applied: its value is then accepted as well."""

    def __init__(self) -> None:
        self.acknowledged: dict[str, str] = {}
        self._maybe: dict[str, set[str]] = {}

    def set(self, primary: AdminPeer, path: str, value: str) -> bool:
        """Makes the change on ``primary``; whether it was acknowledged."""
        value = str(value)
        try:
            primary.set(path, value)
        except AdminError:
            return False  # refused: nothing changed
        except TandemError:
            self._maybe.setdefault(path, set()).add(value)
            return False
        self.acknowledged[path] = value
        self._maybe.pop(path, None)
        return True

    def lost(self, peers: Sequence[AdminPeer]) -> list[str]:
        """Paths whose value on some member is neither the acknowledged one nor a
        later unanswered attempt."""
        problems = []
        for problem, (peer, path, now) in _readbacks(peers, self.acknowledged):
            if now is None or now not in self._maybe.get(path, ()):
                problems.append(problem)
        return problems


def _readbacks(peers: Sequence[AdminPeer], acknowledged: Mapping[str, str]):
    """(problem, (peer, path, value read or None)) for each value that differs."""
    for peer in peers:
        for path, value in acknowledged.items():
            try:
                now = peer.get(path)
            except TandemError as error:
                yield f"{peer.address} cannot read {path}: {error}", (peer, path, None)
                continue
            if now != value:
                yield f"{peer.address} has {path} = {now!r}, but {value!r} was acknowledged", (peer, path, now)
