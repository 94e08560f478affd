#!/usr/bin/env python3
"""Failure story: a certificate expires under TLS Enforce. A cluster formed with
CA-issued certificates, listed by FQDN, verifies every peer; one peer's
certificate runs out. While its links stay up nothing shows; once it restarts
the others refuse it (alarm 20017, it is Failed to them) and it takes no
change. A renewed certificate installed on it lets it back in."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from stage import CLUSTER_NAME, TTL, expect, expect_ok, main, settle  # noqa: E402
from tandem import _tandem, invariants, procedures  # noqa: E402

HOSTS = 3
REFUSED = 20017
HOUR = 3600.0


def issue(ca, twin, host, not_after):
    fqdn = twin.fqdn(host)
    return _tandem.issue_certificate(*ca, CLUSTER_NAME, dns_names=[fqdn], not_after=not_after)


def install(twin, host, ca, pair):
    twin.peer(host).configure({"Certificates TrustedCA": ca[0], "Certificates Server Certificate": pair[0],
                               "Certificates Server PrivateKey": pair[1]})
    twin.reboot(host)


def scenario(stage, rng):
    twin = stage.twin
    size = stage.host_count
    ca = _tandem.make_ca("Tandem Test CA")
    expiring = rng.randint(2, size)
    expires_at = rng.uniform(0.5, 2.0) * HOUR  # virtual seconds from the twin's start
    for host in range(1, size + 1):
        install(twin, host, ca, issue(ca, twin, host, expires_at if host == expiring else 365 * 24 * HOUR))
    twin.run_for(1)
    name = twin.fqdn  # Enforce wants the peers listed by FQDN
    expect_ok(procedures.create_cluster(twin, name(1), CLUSTER_NAME, "Enforce"))
    for host in range(2, size + 1):
        expect_ok(procedures.add_peer(twin, name(1), name(host)))
    ledger = invariants.Ledger()
    ledger.set(twin.peer(1), TTL, str(rng.randint(60, 3000)))
    settle(stage, range(1, size + 1), ledger)

    twin.run_for(max(0.0, expires_at - twin.now) + 60)
    invariants.check(invariants.converged(stage.peers(range(1, size + 1))))  # links made before expiry stay
    twin.reboot(expiring)
    others = [twin.peer(h) for h in range(1, size + 1) if h != expiring]
    twin.wait_for(lambda: all(REFUSED in p.alarm_ids() for p in others), 120)
    invariants.check(invariants.alarms_as_expected(others, expected=[REFUSED], allowed=[20011, 20016]))
    before = twin.peer(expiring).get(TTL)
    ledger.set(twin.peer(1), TTL, str(int(before) + 1))
    twin.run_for(30)
    expect(twin.peer(expiring).get(TTL) == before, "the peer with the expired certificate still took a change")

    install(twin, expiring, ca, issue(ca, twin, expiring, twin.now + 365 * 24 * HOUR))
    settle(stage, range(1, size + 1), ledger, limit_s=180)
    twin.wait_for(lambda: not any(REFUSED in p.alarm_ids() for p in others), 60)
    invariants.check(invariants.alarms_as_expected(others, allowed=[20016]))
    return [f"peer {expiring}'s certificate expired at {expires_at:.0f} s: refused after its restart, "
            "back in with a renewed one"]


if __name__ == "__main__":
    sys.exit(main(scenario, HOSTS, live_ok=False))
