#!/usr/bin/python3
"""SIP registrar benchmark on loopback: sipp against one real tandemd peer,
and against Kamailio (Debian's, configured as a plain in-memory registrar:
usrloc db_mode 0) side by side in the same run. Prints figures; asserts nothing.

  1. Throughput: distinct users REGISTER over UDP at an offered rate (default
     8 000/s, about where one sipp tops out on 2 cores) for a few seconds;
     the rate achieved and how many failed (a failure: no 200 after sipp's
     retransmissions).
  2. CPU per REGISTER at a fixed offered rate both servers keep up with: the
     server's user+system CPU time (/proc, every process of it) over the
     REGISTERs answered.
  3. Memory per registration: tandemd's resident memory before and after
     registering many distinct users (that stay registered), divided by them.

Targets (issue 6): 8 000 REGISTER/s with no failure; CPU per REGISTER half of
Kamailio's or less; 1 KiB or less of memory per registration.

Run: PYTHONPATH=build/dev/python /usr/bin/python3 bench/bench_sip.py [--rate 8000] [--seconds 5]
Addresses: tandemd 127.0.14.1, Kamailio 127.0.14.2, sipp 127.0.14.99.
"""
import argparse
import os
import pathlib
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from tandem.live import LocalPeer, wait_for

TANDEMD = "127.0.14.1"
KAMAILIO = "127.0.14.2"
SIPP_FROM = "127.0.14.99"
HZ = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")

SCENARIO = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register">
  <send retrans="500"><![CDATA[
      REGISTER sip:example.com SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: <sip:[field0]@example.com>;tag=[pid]t[call_number]
      To: <sip:[field0]@example.com>
      Call-ID: [call_id]
      CSeq: 1 REGISTER
      Contact: <sip:[field0]@[local_ip]:[local_port]>
      Max-Forwards: 70
      Expires: 3600
      User-Agent: sipp
      Content-Length: 0

  ]]></send>
  <recv response="200"/>
</scenario>
"""

KAMAILIO_CFG = """#!KAMAILIO
debug=0
log_stderror=yes
children={children}
listen=udp:{address}:5060
auto_aliases=no
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "pv.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
modparam("usrloc", "db_mode", 0)
modparam("registrar", "max_expires", 3600)
request_route {{
  if (method == "REGISTER") {{ save("location"); exit; }}
  sl_send_reply("405", "Method Not Allowed");
}}
"""


def cpu_ticks(pids):
    total = 0
    for pid in pids:
        try:
            fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


def rss_bytes(pid):
    return int(pathlib.Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE


def family(pid):
    """The process and its children (Kamailio forks its workers)."""
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid] + [int(p) for p in out]


class Sipp:
    def __init__(self, workdir: pathlib.Path):
        self.workdir = workdir
        (workdir / "register.xml").write_text(SCENARIO)
        self.first_user = 0

    def run(self, server, calls, rate, port):
        """`calls` REGISTERs of fresh users at `rate`/s; (successful, failed, wall seconds)."""
        users = self.workdir / f"users-{port}.csv"
        users.write_text("SEQUENTIAL\n" + "".join(f"u{n:08d}\n" for n in range(self.first_user, self.first_user + calls)))
        self.first_user += calls
        stats = self.workdir / f"stats-{port}.csv"
        stats.unlink(missing_ok=True)
        args = ["sipp", f"{server}:5060", "-sf", str(self.workdir / "register.xml"), "-inf", str(users),
                "-i", SIPP_FROM, "-p", str(port), "-t", "u1", "-m", str(calls), "-r", str(rate), "-rp", "1000",
                "-l", str(max(rate, 1000)), "-nostdin", "-timeout", "120s", "-trace_stat", "-stf", str(stats),
                "-fd", "1", "-max_socket", "5000"]
        started = time.monotonic()
        done = subprocess.run(args, cwd=self.workdir, capture_output=True, text=True, timeout=180)
        wall = time.monotonic() - started
        header, *rows = [line.split(";") for line in stats.read_text().splitlines() if line.strip()]
        last = dict(zip(header, rows[-1]))
        ok, failed = int(last["SuccessfulCall(C)"]), int(last["FailedCall(C)"])
        if ok + failed != calls:
            print(f"  sipp ended early (exit {done.returncode}): {done.stderr[-500:]}", file=sys.stderr)
        return ok, failed, wall


def start_tandemd(workdir):
    workdir.mkdir(parents=True)
    peer = LocalPeer(1, TANDEMD, workdir)
    peer.init()
    peer.start()
    wait_for(lambda: peer.status("SIP") is not None, 15, "tandemd to serve")
    peer.set("SIP UDP Mode", "On")
    peer.set("SIP Registration Standard Refresh Maximum", "3600")  # registrations stay for the memory figure
    peer.restart()
    wait_for(lambda: peer.status("SIP")["SIP"] is not None, 15, "tandemd's registrar")
    return peer


def start_kamailio(workdir, children):
    cfg = workdir / "kamailio.cfg"
    cfg.write_text(KAMAILIO_CFG.format(address=KAMAILIO, children=children))
    log = open(workdir / "kamailio.log", "w")
    proc = subprocess.Popen(["kamailio", "-f", str(cfg), "-DD", "-E", "-m", "512", "-M", "16", "-w", str(workdir),
                             "-Y", str(workdir)], stdout=log, stderr=subprocess.STDOUT)
    time.sleep(1.5)
    if proc.poll() is not None:
        raise RuntimeError("kamailio did not start: " + (workdir / "kamailio.log").read_text()[-2000:])
    return proc


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=int, default=8000, help="offered REGISTER/s for the throughput run")
    parser.add_argument("--seconds", type=int, default=5, help="length of the throughput run")
    parser.add_argument("--cpu-rate", type=int, default=2000, help="offered REGISTER/s for the CPU comparison")
    parser.add_argument("--cpu-calls", type=int, default=20000)
    parser.add_argument("--memory-users", type=int, default=50000)
    parser.add_argument("--kamailio-children", type=int, default=2, help="Kamailio UDP workers (tandemd has one thread)")
    args = parser.parse_args()
    if not shutil.which("sipp") or not shutil.which("kamailio"):
        sys.exit("needs sipp and kamailio (scripts/bootstrap.sh installs them)")

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; sipp over UDP on loopback")
    with tempfile.TemporaryDirectory(prefix="bench-sip-") as tmp:
        workdir = pathlib.Path(tmp)
        peer = start_tandemd(workdir / "tandemd")
        kamailio = None
        sipp = Sipp(workdir)
        try:
            kamailio = start_kamailio(workdir, args.kamailio_children)
            tandemd_pid = peer.proc.pid

            calls = args.rate * args.seconds
            ok, failed, wall = sipp.run(TANDEMD, calls, args.rate, 5080)
            print(f"1. throughput, tandemd: offered {args.rate}/s for {args.seconds} s: {ok} registered, "
                  f"{failed} failed, {ok / wall:,.0f} REGISTER/s achieved (wall {wall:.2f} s incl. sipp start)")
            ok, failed, wall = sipp.run(KAMAILIO, calls, args.rate, 5081)
            print(f"   throughput, kamailio: {ok} registered, {failed} failed, {ok / wall:,.0f} REGISTER/s achieved")

            print(f"2. CPU per REGISTER at {args.cpu_rate}/s offered, {args.cpu_calls} fresh users each:")
            per = {}
            for name, address, pids, port in (("tandemd", TANDEMD, lambda: [tandemd_pid], 5082),
                                              ("kamailio", KAMAILIO, lambda: family(kamailio.pid), 5083)):
                before = cpu_ticks(pids())
                ok, failed, _ = sipp.run(address, args.cpu_calls, args.cpu_rate, port)
                used = (cpu_ticks(pids()) - before) / HZ
                per[name] = used / max(ok, 1) * 1e6
                print(f"   {name:9s}: {used:.2f} s CPU for {ok} REGISTERs ({failed} failed): {per[name]:.1f} us each")
            print(f"   tandemd / kamailio = {per['tandemd'] / per['kamailio']:.2f} (target <= 0.5)")

            registered = peer.status("SIP")["SIP"]["Registrations"]
            before = rss_bytes(tandemd_pid)
            ok, failed, _ = sipp.run(TANDEMD, args.memory_users, 4000, 5084)
            wait_for(lambda: peer.status("SIP")["SIP"]["Registrations"] >= registered + ok, 30, "the registrations")
            grown = rss_bytes(tandemd_pid) - before
            print(f"3. memory: tandemd RSS grew {grown / 2**20:.1f} MiB for {ok} more registrations "
                  f"({registered + ok} held): {grown / max(ok, 1):.0f} bytes each (target <= 1024)")
        finally:
            if kamailio and kamailio.poll() is None:
                kamailio.send_signal(signal.SIGTERM)
                try:
                    kamailio.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    kamailio.kill()
            peer.stop()


if __name__ == "__main__":
    main()
