#!/usr/bin/python3
"""The main job: a real 3-peer Tandem cluster on this host.

Three tandemd processes on 127.0.0.11..13 (production ports, real TLS, real
SQLite files) are made with `tandemd init`, formed into a cluster with the
guide's steps (Create a New Cluster on peer 1, then Add a Peer for 2 and 3)
through tandemctl, given a change on the primary that is then read back on
every peer, and stopped with SIGTERM. Each tandemctl change is printed as it
is made; at the end, each peer's System > Clustering status.

Usage: scripts/cluster_demo.py [--peers N] [--workdir DIR] [--keep]
(scripts/run.sh builds first and then runs this.)
"""
import argparse
import pathlib
import sys
import tempfile
import time

from tandem.live import LocalCluster, LocalPeer

TTL = "H323 Gatekeeper TimeToLive"


def clustering_page(peer) -> str:
    """System > Clustering as the VCS shows it, from xStatus Cluster."""
    state = peer.cluster()
    lines = [f"{peer.name} ({peer.address}): cluster {state['Name']}, configuration primary {state['ConfigurationPrimary']}, "
             f"TLS {state['TlsVerificationMode']}, database {state['DatabaseStatus']} at revision {state['AppliedRevision']}"]
    for p in state["Peers"]:
        rtt = f", {p['RttMs']:.2f} ms" if p.get("RttMs") is not None else ""
        lines.append(f"    Peer {p['Slot']} address {p['Address']:<12} {p['State']}{rtt}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--peers", type=int, default=3, help="cluster size, 1 to 6 (default 3)")
    parser.add_argument("--workdir", help="where the peers' data directories go (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, databases) afterwards")
    args = parser.parse_args()

    workdir = pathlib.Path(args.workdir or tempfile.mkdtemp(prefix="tandem-cluster-"))
    say = lambda line: print(line, flush=True)
    LocalPeer.echo = say
    started = time.monotonic()
    with LocalCluster(size=args.peers, workdir=workdir) as cluster:
        cluster.say = say
        say(f"{args.peers} peers initialized and running: " +
            ", ".join(f"{p.name} on {p.address}" for p in cluster.peers))
        cluster.form()
        say(f"cluster formed in {time.monotonic() - started:.1f} s")

        say("a change on the primary:")
        made = time.monotonic()
        cluster.primary.set(TTL, "600")
        cluster.wait_converged()
        say(f"replicated to every peer in {(time.monotonic() - made) * 1000:.0f} ms (incl. polling):")
        for peer in cluster.peers:
            say(f"  {peer.name}: {TTL} = {peer.get(TTL)}")

        say("System > Clustering on each peer:")
        for peer in cluster.peers:
            say(clustering_page(peer))
        alarms = {peer.name: sorted(peer.alarm_ids()) for peer in cluster.peers}
        say("alarms: " + ", ".join(f"{name} {ids or 'none'}" for name, ids in alarms.items()))
    codes = [peer.proc.returncode for peer in cluster.peers]
    say(f"stopped with SIGTERM: exit codes {codes}")
    if args.keep or args.workdir:
        say(f"logs and databases kept in {workdir}")
    else:
        import shutil
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if all(code == 0 for code in codes) else 1


if __name__ == "__main__":
    sys.exit(main())
