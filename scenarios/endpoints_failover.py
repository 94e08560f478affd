#!/usr/bin/env python3
"""Endpoints through a peer's crash, maintenance mode and a partition: one
population of each option of the guide's "Configure Endpoints to Work With a
Cluster" (SIP outbound, DNS SRV, round-robin, static IP; H.323 SRV,
round-robin, static IP) registers with a 3-peer cluster. One peer dies and
comes back, another goes into maintenance mode and out, a third is cut off
from the endpoints and reconnected. Each phase prints each population's
unreachable times and checks what the guide says: outbound endpoints never
notice one peer going, SRV and round-robin ones move to another peer within
their refresh and retry bounds, static SIP ones wait for their peer, H.323
ones turn to an alternate gatekeeper."""
from __future__ import annotations

import pathlib
import sys
from dataclasses import dataclass
from typing import Callable

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from stage import expect, form, main  # noqa: E402

HOSTS = 3
COUNT = 30  # endpoints per population
KINDS = ["sip_outbound", "sip_srv", "sip_round_robin", "sip_static", "h323_srv", "h323_round_robin", "h323_static"]
H323_TTL_S = 60  # the gatekeeper's minimum: keep-alives every 50 s

# Bounds from the defaults (as tests/unit/simulator/endpoints_test.cpp derives
# them): SIP registrations are granted at most 60 s and refreshed by 54 s; a
# refresh to a dead peer fails within the transaction timeout (32 s), a
# connection within 10 s; a round-robin round may be handed the dead peer by
# each of its fresh lookups, then waits 30 s; an H.323 keep-alive goes 10 s
# before the TTL ends and a dead gatekeeper is given up after 3 sends 3 s apart.
REFRESH_LATEST_S = 54
SRV_BOUND_S = REFRESH_LATEST_S + 32 + 10 + 1
ROUND_ROBIN_BOUND_S = REFRESH_LATEST_S + 32 + HOSTS * 10 + 30 + 10 + 1
H323_BOUND_S = 50 + 9 + 2
# Maintenance mode answers the next refresh with 503 (SIP) or RRJ (H.323): moved by then.
MAINTENANCE_BOUND_S = REFRESH_LATEST_S + 1
STATIC_BACK_S = 30 + 10 + 5  # one retry interval and a connection attempt after the peer is back
MAINTENANCE_RETRY_AFTER_S = 60 + 5


@dataclass
class Phase:
    title: str
    fault: Callable[[], None]
    repair: Callable[[], None]
    during_s: float
    after_s: float
    moved_bound_s: dict[str, float]  # moving populations: the longest a moved endpoint may be unreachable
    static_back_s: float


def set_maintenance(stage, peer: int, on: bool) -> None:
    stage.peer(peer).command("MaintenanceMode", Mode="On" if on else "Off")


def add_populations(twin):
    pops = twin.endpoints()  # publishes the cluster name's SRV and A records first
    for kind in KINDS:
        pops.add(kind, kind=kind, count=COUNT, h323_time_to_live_s=H323_TTL_S if kind.startswith("h323") else None)
    return pops


def outbound_flows_up(pops) -> int:
    """SIP outbound flows registered now (two per endpoint when all is well)."""
    return sum(1 for record in pops.records("sip_outbound") for stint in record.stints if stint.end is None)


def wait_for_outbound_flows(twin, pops) -> str:
    """After a peer comes back, outbound flows to it return only after RFC 5626's
    backoff (doubling per failure): until then one peer's loss would take the other."""
    started = twin.now
    back = twin.wait_for(lambda: outbound_flows_up(pops) == 2 * COUNT, limit_s=3600, poll_s=5)
    expect(back, f"SIP outbound: {outbound_flows_up(pops)} of {2 * COUNT} flows up an hour after the repair")
    return f"  SIP outbound flows all up again {twin.now - started:.0f} s later"


def run_phase(stage, pops, target: int, phase: Phase) -> list[str]:
    """Injects the phase's fault on `target`, checks each option's behaviour, repairs it."""
    twin = stage.twin
    lines = [wait_for_outbound_flows(twin, pops)] if outbound_flows_up(pops) < 2 * COUNT else []
    on_target = {kind: [i for i, peer in enumerate(pops.current_peers(kind)) if peer == target] for kind in KINDS}
    started = twin.now
    phase.fault()
    twin.run_for(phase.during_s)
    lines.append(f"{phase.title} (peer {target}, at {started:.0f} s):")
    lines += ["  " + line for line in pops.report_text(started).splitlines()]

    outbound = pops.report("sip_outbound", started)
    expect(outbound.affected == 0, f"{phase.title}: {outbound.affected} SIP outbound endpoints were unreachable")
    for kind, bound in phase.moved_bound_s.items():
        for i in on_target[kind]:
            record = pops.record(kind, i)
            down = record.unreachable(started, twin.now)
            expect(down <= bound, f"{phase.title}: {record.user} unreachable {down:.1f} s (bound {bound} s)")
            expect(record.current_peer not in (0, target),
                   f"{phase.title}: {record.user} did not move off peer {target} (on {record.current_peer})")
        expect(pops.reachable_count(kind) == COUNT, f"{phase.title}: {kind} endpoints left unreachable")
    for i in on_target["sip_static"]:
        expect(not pops.reachable("sip_static", i), f"{phase.title}: sip_static-{i} reachable while its peer is not")

    repaired = twin.now
    phase.repair()
    twin.run_for(phase.after_s)
    for i in on_target["sip_static"]:
        record = pops.record("sip_static", i)
        expect(record.current_peer == target, f"{phase.title}: {record.user} is on {record.current_peer}, not {target}")
        back = record.unreachable(repaired, twin.now)
        expect(back <= phase.static_back_s, f"{phase.title}: {record.user} took {back:.1f} s to come back")
    return lines


def scenario(stage, rng):
    """Every endpoint option through a crash, maintenance mode and a partition."""
    form(stage, HOSTS)  # the gatekeepers' alternates are the cluster's peers
    twin = stage.twin
    pops = add_populations(twin)
    twin.run_for(60)
    for kind in KINDS:
        expect(pops.reachable_count(kind) == COUNT, f"{kind}: {pops.reachable_count(kind)} of {COUNT} registered")
    crashed, maintained, isolated = rng.sample(range(1, HOSTS + 1), HOSTS)
    moving = {"sip_srv": SRV_BOUND_S, "sip_round_robin": ROUND_ROBIN_BOUND_S, "h323_srv": H323_BOUND_S,
              "h323_round_robin": H323_BOUND_S, "h323_static": H323_BOUND_S}
    phases = [
        (crashed, Phase("crash", lambda: twin.crash(crashed), lambda: twin.restart(crashed), 240, 120, moving,
                        STATIC_BACK_S)),
        (maintained, Phase("maintenance mode", lambda: set_maintenance(stage, maintained, True),
                           lambda: set_maintenance(stage, maintained, False), 120, 120,
                           dict.fromkeys(moving, MAINTENANCE_BOUND_S), MAINTENANCE_RETRY_AFTER_S)),
        (isolated, Phase("partition from the endpoints", lambda: pops.isolate_peer(isolated),
                         lambda: pops.reconnect_peer(isolated), 180, 120, moving, STATIC_BACK_S)),
    ]
    lines = []
    for target, phase in phases:
        lines += run_phase(stage, pops, target, phase)
    lines.append("whole run:")
    lines += ["  " + line for line in pops.report_text(0).splitlines()]
    return lines


if __name__ == "__main__":
    sys.exit(main(scenario, HOSTS, live_ok=False))
