"""Endpoint populations from Python: each option of the guide's "Configure
Endpoints to Work With a Cluster" against a peer that dies, with the twin's
record of where each endpoint was registered and when it was unreachable.
Outbound endpoints never notice one peer dying; SRV and round-robin ones move
to another peer within their refresh and retry bounds; static SIP ones wait
for their peer; H.323 ones turn to an alternate gatekeeper. The same seed
gives the same report and trace; the populations go before their twin."""
import gc

import pytest

import endpoints_failover
import tandem
from stage import ScenarioError, replay_command, run
from sweep import seeds
from tandem import EndpointKind, PopulationSpec, TandemError

COUNT = 30
SIP_KINDS = ["sip_outbound", "sip_srv", "sip_round_robin", "sip_static"]
H323_KINDS = ["h323_srv", "h323_round_robin", "h323_static"]


def populated(seed=5, kinds=SIP_KINDS + H323_KINDS, form=True):
    twin = tandem.Twin(peers=3, seed=seed)
    if form:
        twin.form()  # the gatekeepers' alternates are the cluster's peers
    pops = twin.endpoints()
    for kind in kinds:
        pops.add(kind, kind=kind, count=COUNT, h323_time_to_live_s=60 if kind.startswith("h323") else None)
    twin.run_for(60)
    return twin, pops


def on_peer(pops, kind, peer):
    return [i for i, p in enumerate(pops.current_peers(kind)) if p == peer]


@pytest.fixture(scope="module")
def peer_2_died():
    """Every option registered for a minute, then peer 2 crashed and stayed down 4 minutes."""
    twin, pops = populated()
    were_on_2 = {kind: on_peer(pops, kind, 2) for kind in SIP_KINDS + H323_KINDS}
    died = twin.now
    twin.crash(2)
    twin.run_for(240)
    return twin, pops, were_on_2, died


def test_every_option_registers_spread_over_the_peers():
    twin, pops = populated(kinds=["sip_srv", "sip_static", "h323_round_robin"])
    for kind in ["sip_srv", "sip_static", "h323_round_robin"]:
        assert pops.reachable_count(kind) == COUNT, kind
        per_peer = pops.registered_per_peer(kind)
        assert sorted(per_peer) == [1, 2, 3]
        assert sum(per_peer.values()) == COUNT
        assert all(n > 3 for n in per_peer.values()), (kind, per_peer)
    # Static endpoints go where they are configured: endpoint i to peer 1 + i % 3.
    assert pops.current_peers("sip_static") == [1 + i % 3 for i in range(COUNT)]
    report = pops.report("sip_srv")
    assert (report.name, report.kind, report.endpoints, report.affected) == ("sip_srv", EndpointKind.SIP_SRV, COUNT, 0)


def test_outbound_endpoints_are_never_unreachable_when_one_peer_dies(peer_2_died):
    twin, pops, were_on_2, died = peer_2_died
    assert were_on_2["sip_outbound"], "no outbound flow was at peer 2"
    report = pops.report("sip_outbound", since=died)
    assert report.affected == 0
    assert report.reachable == COUNT
    assert report.unreachable_max == 0
    assert pops.registered_per_peer("sip_outbound")[2] == 0  # only the flows to peers 1 and 3 are left


@pytest.mark.parametrize("kind,bound_s", [("sip_srv", endpoints_failover.SRV_BOUND_S),
                                          ("sip_round_robin", endpoints_failover.ROUND_ROBIN_BOUND_S)])
def test_srv_and_round_robin_endpoints_move_within_their_bounds(peer_2_died, kind, bound_s):
    twin, pops, were_on_2, died = peer_2_died
    moved = were_on_2[kind]
    assert moved, f"no {kind} endpoint was at peer 2"
    for i in moved:
        record = pops.record(kind, i)
        assert 0 < record.unreachable(died, twin.now) <= bound_s, record.user
        assert record.current_peer in (1, 3), record.user
        assert [s.peer for s in record.stints][-2:] == [2, record.current_peer], record.stints
    report = pops.report(kind, since=died)
    assert report.affected == report.moved == len(moved)
    assert report.reachable == COUNT
    assert report.unreachable_max <= bound_s


def test_static_sip_endpoints_wait_for_their_peer():
    twin, pops = populated(seed=8, kinds=["sip_static"], form=False)
    waiting = on_peer(pops, "sip_static", 2)
    assert waiting == [i for i in range(COUNT) if i % 3 == 1]
    died = twin.now
    twin.crash(2)
    twin.run_for(240)
    assert not any(pops.reachable("sip_static", i) for i in waiting)
    assert pops.report("sip_static", died).affected == len(waiting)
    restarted = twin.now
    twin.restart(2)
    twin.run_for(120)
    for i in waiting:
        record = pops.record("sip_static", i)
        assert record.current_peer == 2, record.user
        assert pops.unreachable("sip_static", i, since=died) >= restarted - died - endpoints_failover.REFRESH_LATEST_S
        assert record.unreachable(restarted, twin.now) <= endpoints_failover.STATIC_BACK_S, record.user
    assert pops.reachable_count("sip_static") == COUNT


@pytest.mark.parametrize("kind", H323_KINDS)
def test_h323_endpoints_turn_to_an_alternate_gatekeeper(peer_2_died, kind):
    twin, pops, were_on_2, died = peer_2_died
    assert were_on_2[kind], f"no {kind} endpoint was at peer 2"
    for i in were_on_2[kind]:
        record = pops.record(kind, i)
        assert record.current_peer in (1, 3), record.user
        assert record.unreachable(died, twin.now) <= endpoints_failover.H323_BOUND_S, record.user
    assert pops.report(kind, died).reachable == COUNT


def test_maintenance_mode_and_a_partition_move_endpoints_too():
    twin, pops = populated(seed=3, kinds=["sip_outbound", "sip_srv", "h323_static"])
    on_3 = on_peer(pops, "sip_srv", 3)
    started = twin.now
    twin.peer(3).command("MaintenanceMode", Mode="On")
    twin.run_for(120)
    assert pops.report("sip_outbound", started).affected == 0
    assert all(pops.record("sip_srv", i).current_peer in (1, 2) for i in on_3)
    assert pops.report("sip_srv", started).unreachable_max <= endpoints_failover.MAINTENANCE_BOUND_S
    assert pops.registered_per_peer("h323_static")[3] == 0
    twin.peer(3).command("MaintenanceMode", Mode="Off")
    on_1 = on_peer(pops, "h323_static", 1)
    cut = twin.now
    pops.isolate_peer(1)
    twin.run_for(120)
    assert twin.running(1)  # only the endpoints lost it
    assert pops.report("sip_outbound", cut).affected == 0
    assert all(pops.record("h323_static", i).current_peer in (2, 3) for i in on_1)
    pops.reconnect_peer(1)


@pytest.mark.parametrize("seed", seeds(2))
def test_the_failover_scenario_holds(seed):
    try:
        lines, _ = run(endpoints_failover.scenario, endpoints_failover.HOSTS, seed)
    except ScenarioError as error:
        pytest.fail(f"{error}\nreplay: {replay_command('endpoints_failover', seed)}", pytrace=False)
    assert any(line.startswith("crash") for line in lines)
    assert any("sip_static" in line for line in lines)


def scenario_fingerprint(seed):
    twin, pops = populated(seed=seed, kinds=SIP_KINDS, form=False)
    died = twin.now
    twin.crash(2)
    twin.run_for(120)
    return twin.trace_hash, pops.report_text(since=died), [pops.record("sip_srv", i).stints[-1].start for i in range(COUNT)]


def test_the_same_seed_gives_the_same_report_and_trace():
    first, again, other = scenario_fingerprint(21), scenario_fingerprint(21), scenario_fingerprint(22)
    assert first == again
    assert first[0] != other[0]
    assert first[2] != other[2]


def test_the_populations_outlive_the_name_of_their_twin_and_go_first():
    twin, pops = populated(kinds=["sip_srv"], form=False)
    del twin
    gc.collect()
    assert pops.reachable_count("sip_srv") == COUNT  # the view keeps the twin alive
    record = pops.record(0, 0)
    del pops
    gc.collect()
    assert record.user == "sip_srv-0"  # records are copies


def test_a_spec_object_and_peers_of_its_own():
    twin = tandem.Twin(peers=3, seed=2)
    pops = twin.endpoints()
    spec = PopulationSpec("desk", kind=EndpointKind.SIP_STATIC, count=4, peers=[1, 3])
    spec.start_within_s = 1.0
    assert pops.add(spec) == 0
    assert pops.index("desk") == 0 and pops.names == ["desk"] and len(pops) == 1
    assert pops.spec("desk").kind == EndpointKind.SIP_STATIC and pops.spec(0).peers == [1, 3]
    assert pops.host("desk") == "desk"
    twin.run_for(5)
    assert pops.current_peers("desk") == [1, 3, 1, 3]
    assert EndpointKind.H323_SRV.label == "H.323 DNS SRV" and EndpointKind.H323_SRV.h323


def test_bad_populations_and_numbers_are_refused_by_name():
    twin = tandem.Twin(peers=2, seed=1)
    pops = twin.endpoints()
    with pytest.raises(TandemError, match="count must be 1..16000, not 0"):
        pops.add("none", count=0)
    with pytest.raises(TandemError, match="peer 9 is not a host of the twin"):
        pops.add("far", kind="sip_static", peers=[9])
    with pytest.raises(TandemError, match="SIP outbound needs two peers"):
        pops.add("one", kind="sip_outbound", peers=[1])
    with pytest.raises(ValueError, match="an endpoint kind is an EndpointKind or one of sip_outbound"):
        pops.add("odd", kind="sip_carrier_pigeon")
    with pytest.raises(ValueError, match="SIP transport is 'tcp' or 'udp', not 'sctp'"):
        pops.add("odd", transport="sctp")
    pops.add("phones", count=2)
    with pytest.raises(TandemError, match="already taken"):
        pops.add("phones")
    with pytest.raises(TandemError, match="no endpoint population named 'tablets'"):
        pops.report("tablets")
    with pytest.raises(TandemError, match=r"no endpoint population 4 \(there are 1\)"):
        pops.record(4, 0)
    with pytest.raises(TandemError, match="has endpoints 0..1, not 2"):
        pops.reachable("phones", 2)
    with pytest.raises(TandemError, match="no host 5 in this twin"):
        pops.isolate_peer(5)
    with pytest.raises(TandemError, match="not a DNS name"):
        twin.publish_cluster_records(" bad")
