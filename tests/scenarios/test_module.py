"""The tandem module itself: the twin's faults and admin API from Python, C++
errors as TandemError with their message, runs that release the GIL, Python
conditions and scheduled faults called back from inside a run, procedures
through an Operator written in Python, invariants, and the rehearsal's twin
of a cluster."""
import threading
import time

import pytest

import tandem
from tandem import AdminError, TandemError, faults, invariants, procedures, rehearse

TTL = "H323 Gatekeeper TimeToLive"


@pytest.fixture(scope="module")
def formed():
    twin = tandem.Twin(peers=3, seed=4)
    twin.form()
    return twin


def test_a_formed_twin_holds_the_invariants_and_replicates(formed):
    peers = formed.peers()
    invariants.check(invariants.converged(peers), invariants.single_primary(peers))
    ledger = invariants.Ledger()
    assert ledger.set(formed.peer(1), TTL, "612")
    assert formed.wait_for(lambda: not ledger.lost(peers), 10)
    assert formed.primary() == 1
    assert formed.peer(2).cluster()["ConfigurationPrimary"] == 1


def test_cpp_errors_arrive_with_their_message():
    twin = tandem.Twin(peers=2, seed=1)
    with pytest.raises(TandemError, match=r"no host 7 in this twin \(it has hosts 1..2\)"):
        twin.crash(7)
    with pytest.raises(TandemError, match="host 1 is up: crash or power it off first"):
        twin.restart(1)
    with pytest.raises(AdminError, match="'5' is outside the range 60..65534") as refused:
        twin.peer(1).set(TTL, "5")
    assert refused.value.status == 400
    with pytest.raises(TandemError, match="hosts must be 0 to 6, not 9"):
        tandem.Twin(peers=9)
    with pytest.raises(ValueError, match="run_for must be zero or more seconds"):
        twin.run_for(-1)
    twin.crash(2)
    with pytest.raises(TandemError, match="refused: tandemd is not running"):
        twin.peer(2).status()
    with pytest.raises(TandemError, match="10.0.0.1 is not a peer of a cluster"):
        procedures.remove_live_peer(twin, 1, 1)


def test_runs_release_the_gil():
    twin = tandem.Twin(peers=3, seed=2)
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)

    other = threading.Thread(target=count)
    other.start()
    try:
        before = len(ticks)
        twin.form()  # procedures, in C++, for a while
        during = len(ticks) - before
    finally:
        stop.set()
        other.join()
    assert during > 5, "another Python thread did not run while the twin ran"


def test_run_until_calls_a_python_condition_and_after_schedules_a_fault():
    twin = tandem.Twin(peers=3, seed=6)
    twin.form()
    twin.after(2.0, lambda: twin.crash(3))
    held = twin.run_until(lambda: twin.state(3) == "down", 10)
    assert held and twin.state(3) == "down"
    assert not twin.run_until(lambda: False, 1.5)


def test_an_exception_in_a_callback_is_raised_after_the_run():
    twin = tandem.Twin(peers=1, seed=1)
    twin.after(1, lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        twin.run_for(5)
    with pytest.raises(KeyError):
        twin.run_until(lambda: {}["missing"], 5)
    twin.run_for(1)  # the twin goes on afterwards


def test_fault_schedules_apply_and_recover():
    twin = tandem.Twin(peers=3, seed=8)
    twin.form()
    applied = []
    faults.arm(twin, [faults.parse(s) for s in ("pause:2@1", "restart:2@2", "partition:1-3@3", "ntp-lost:3@4")],
               applied)
    twin.run_for(10)
    assert [str(f) for f in applied] == ["pause:2@1", "partition:1-3@3", "ntp-lost:3@4"]  # 2 was not down
    assert twin.state(2) == "paused"
    faults.recover(twin)
    assert twin.wait_converged(limit_s=120)


class RecordingOperator(tandem.Operator):
    """An operator in Python over a twin: what a live client is, with a log."""

    def __init__(self, twin):
        super().__init__()
        self.twin, self.calls, self.upgrades = twin, [], []

    def call(self, address, method, target, body):
        self.calls.append((address, method, target))
        return self.twin.request(address, method, target, body)

    def elapsed(self):
        return self.twin.now

    def wait(self, seconds):
        self.twin.run_for(seconds)

    def upgrade(self, address, version):
        self.upgrades.append((address, version))
        host = self.twin.host_at(address)
        self.twin.set_software_version(host, version)
        self.twin.reboot(host)


def test_procedures_run_through_an_operator_written_in_python():
    twin = tandem.Twin(peers=2, seed=3)
    op = RecordingOperator(twin)
    steps = []
    report = procedures.create_cluster(op, twin.address(1), "cluster.tandem.test", progress=steps.append)
    assert report.ok, str(report)
    assert [s.number for s in steps] == list(range(1, len(report.steps) + 1))
    assert procedures.add_peer(op, twin.address(1), twin.address(2)).ok
    assert procedures.upgrade(op, twin.address(1), "9.9.9").ok
    assert [a for a, _ in op.upgrades] == [twin.address(1), twin.address(2)]  # the primary first
    assert ("10.0.0.1", "GET", "/api/v1/status") in op.calls
    assert {twin.peer(n).software_version() for n in (1, 2)} == {"9.9.9"}


def test_a_python_operator_error_becomes_the_procedures_error():
    class Unreachable(RecordingOperator):
        def call(self, address, method, target, body):
            raise TandemError(f"cannot reach {address}: no route")

    op = Unreachable(tandem.Twin(peers=1))
    with pytest.raises(TandemError, match="cannot reach 10.0.0.1: no route"):
        procedures.plan(op, "create", peer="10.0.0.1", cluster_name="cluster.tandem.test")


def test_a_plan_is_a_dry_run_and_truncates(formed):
    made = procedures.plan(formed, "upgrade", primary=1, version="9.9.9")
    assert "Upgrade a Cluster" in str(made) and len(made.steps) == 4 * 3 + 1
    assert formed.peer(1).software_version() != "9.9.9"  # nothing changed
    with pytest.raises(ValueError, match="no procedure 'explode'"):
        procedures.plan(formed, "explode")


def test_a_twin_of_a_cluster_mirrors_it():
    source = tandem.Twin(peers=3, seed=9)  # stands for the live cluster: the same admin surface
    source.form()
    source.peer(1).set(TTL, "777")
    assert procedures.change_primary(source, 2).ok
    source.crash(3)
    source.run_for(20)
    snap = rehearse.snapshot(source, 1)
    assert snap.primary_slot == 2 and snap.configuration[TTL] == "777"
    assert [p.state for p in snap.peers] == ["This system", "Active", "Unreachable"]
    twin = rehearse.twin_from_snapshot(snap, seed=1)
    assert twin.peer(1).get(TTL) == "777"
    assert twin.primary() == 2
    assert twin.state(3) == "down" and any("powered off" in n for n in twin.notes)
    result = rehearse.rehearse_on(twin, "remove-dead-peer", primary=twin.address(2), peer=twin.address(3))
    assert result.ok, result.text + "; ".join(result.problems)
    assert "Remove a Dead Peer" in result.text


def test_pki_issues_certificates_in_twin_time():
    ca_cert, ca_key = tandem._tandem.make_ca("Test CA")
    cert, key = tandem._tandem.issue_certificate(ca_cert, ca_key, "peer1", dns_names=["peer1.tandem.test"],
                                                 not_after=3600)
    assert cert.startswith("-----BEGIN CERTIFICATE-----") and "PRIVATE KEY" in key
    with pytest.raises(ValueError, match="not_after must be later"):
        tandem._tandem.issue_certificate(ca_cert, ca_key, "x", not_before=10, not_after=5)


def test_the_rehearsal_command_line_says_when_the_cluster_cannot_be_read(tmp_path, capsys):
    password = tmp_path / "pw"
    password.write_text("a-password\n")
    # Nothing listens on this loopback address: the cluster cannot be read.
    code = rehearse.main(["--peer", "127.0.12.250", "--password-file", str(password), "--insecure", "upgrade", "9.9.9"])
    assert code == 3
    assert "cannot read the live cluster: cannot reach the admin API of 127.0.12.250:8443" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        rehearse.main(["--peer", "127.0.12.250", "--password-file", str(password), "--insecure", "replace", "x"])
    assert usage.value.code == 2
    assert "replace takes 2 argument(s): OLD_PEER NEW_PEER" in capsys.readouterr().err
