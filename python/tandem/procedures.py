"""The guide's cluster procedures, on a twin or on a live cluster.

Each function makes the plan (the guide's prohibitions are checked first, and
nothing changes when one is broken: ``TandemError`` says why), carries it out
and returns the ``Report``: every step with its timing, the alarms raised and
cleared, registrations before and after, the time taken. A step that fails
does not raise: the report says ``ok`` False and why. These are the same C++
plans ``tandemctl cluster`` runs.

``target`` is a ``tandem.Twin``, a ``tandem.live.LiveCluster``, or any
``tandem.Operator``. Peers are named by address, or by host number on a twin.
``plan(...)`` makes the plan only (a dry run). Timeouts (seconds) may be
given as ``restart_s``, ``drain_s`` and ``converge_s``.
"""
from __future__ import annotations

from typing import Any, Callable

from tandem import _tandem
from tandem._tandem import Operator, Plan, Report, StepRecord

Progress = Callable[[StepRecord], None]

# The procedure names the command-line and rehearsal use, and their planners.
PLANNERS: dict[str, Callable[..., Plan]] = {
    "create": _tandem.plan_create_cluster,
    "add-peer": _tandem.plan_add_peer,
    "remove-peer": _tandem.plan_remove_live_peer,
    "remove-dead-peer": _tandem.plan_remove_dead_peer,
    "disband": _tandem.plan_disband,
    "change-primary": _tandem.plan_change_primary,
    "upgrade": _tandem.plan_upgrade,
    "replace-peer": _tandem.plan_replace_peer,
    "change-address": _tandem.plan_change_address,
    "replace-keep": _tandem.plan_replace_keeping_configuration,
    "clear-configuration": _tandem.plan_clear_configuration,
}
# Arguments that name peers (resolved to addresses); the others pass as they are.
_PEER_ARGS = {"peer", "primary", "new_peer", "old_peer", "new_primary"}


def operator_of(target: Any) -> Operator:
    if isinstance(target, Operator):
        return target
    op = getattr(target, "operator", None)
    if isinstance(op, Operator):
        return op
    raise TypeError(f"procedures run on a Twin, a LiveCluster or an Operator, not {type(target).__name__}")


def _address(target: Any, peer: Any) -> str:
    resolve = getattr(target, "addr", None)
    if resolve is not None:
        return resolve(peer)
    if not isinstance(peer, str):
        raise TypeError(f"peers are named by address here, not {peer!r}")
    return peer


def plan(target: Any, procedure: str, **args: Any) -> Plan:
    """The plan of ``procedure`` (a key of PLANNERS) against the cluster as it is now."""
    planner = PLANNERS.get(procedure)
    if planner is None:
        raise ValueError(f"no procedure '{procedure}': the procedures are {', '.join(PLANNERS)}")
    resolved = {k: _address(target, v) if k in _PEER_ARGS else v for k, v in args.items()}
    return planner(operator_of(target), **resolved)


def run(target: Any, procedure: str, progress: Progress | None = None, **args: Any) -> Report:
    """Plans ``procedure`` and carries it out; the Report."""
    made = plan(target, procedure, **args)
    return _tandem.run_plan(operator_of(target), made, progress)


def run_plan(target: Any, made: Plan, progress: Progress | None = None) -> Report:
    """Carries out a plan made earlier (e.g. one cut short with Plan.truncate)."""
    return _tandem.run_plan(operator_of(target), made, progress)


# ---- one function per procedure of the guide -----------------------------------------

def create_cluster(target, peer, cluster_name: str, tls_mode: str = "Permissive", **kw) -> Report:
    """Create a New Cluster: ``peer`` (stand-alone) becomes peer 1 and the primary."""
    return run(target, "create", peer=peer, cluster_name=cluster_name, tls_mode=tls_mode, **kw)


def add_peer(target, primary, new_peer, **kw) -> Report:
    """Add a Peer to a Cluster."""
    return run(target, "add-peer", primary=primary, new_peer=new_peer, **kw)


def remove_live_peer(target, primary, peer, **kw) -> Report:
    """Remove a Live Peer From a Cluster (Permanently)."""
    return run(target, "remove-peer", primary=primary, peer=peer, **kw)


def remove_dead_peer(target, primary, peer, **kw) -> Report:
    """Remove a Dead Peer From a Cluster (Permanently)."""
    return run(target, "remove-dead-peer", primary=primary, peer=peer, **kw)


def disband(target, primary, **kw) -> Report:
    """Disband a Cluster: every peer stand-alone, keeping its configuration."""
    return run(target, "disband", primary=primary, **kw)


def change_primary(target, new_primary, **kw) -> Report:
    """Change the Primary Peer (works when the old one is unreachable)."""
    return run(target, "change-primary", new_primary=new_primary, **kw)


def upgrade(target, primary, version: str, **kw) -> Report:
    """Upgrade a Cluster: the primary first, then each subordinate in turn."""
    return run(target, "upgrade", primary=primary, version=version, **kw)


def replace_peer(target, primary, old_peer, new_peer, **kw) -> Report:
    """Replace a Peer: remove ``old_peer`` (live or dead) and add ``new_peer``."""
    return run(target, "replace-peer", primary=primary, old_peer=old_peer, new_peer=new_peer, **kw)


def change_address(target, primary, peer, new_address: str, **kw) -> Report:
    """Change the Address of a Peer (not the primary)."""
    return run(target, "change-address", primary=primary, peer=peer, new_address=new_address, **kw)


def replace_keeping_configuration(target, primary, old_peer, new_peer, **kw) -> Report:
    """Replace a Peer And Keep Its Configuration (backup of the old restored onto the new)."""
    return run(target, "replace-keep", primary=primary, old_peer=old_peer, new_peer=new_peer, **kw)


def clear_configuration(target, peer, **kw) -> Report:
    """Clear Configuration From This Peer (keep_option_keys, keep_certificates, ... default False)."""
    return run(target, "clear-configuration", peer=peer, **kw)
