"""Fault schedules for the twin: what happens to which host, and when.

A ``Fault`` is one event ``at_s`` seconds (virtual) after the schedule is
armed. ``arm(twin, faults)`` has the twin apply each at its time, inside the
run, so a fault can land in the middle of a procedure step. Faults that make
no sense when their time comes (restarting a host that is up, resuming one
that is not paused) are skipped, so any generated schedule is valid.

The text form, for the command line: ``KIND:HOSTS@SECONDS``, e.g.
``crash:2@30``, ``restart:2@90``, ``partition:1-3@10``, ``heal-all@60``,
``clock:2:+3600@5`` (step host 2's wall clock an hour ahead), ``ntp-lost:2@0``.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Callable, Iterable, Sequence

# kind -> how many hosts it names
KINDS = {
    "crash": 1, "power-off": 1, "restart": 1, "reboot": 1, "pause": 1, "resume": 1,
    "partition": 2, "partition-one-way": 2, "heal": 2, "heal-all": 0,
    "clock": 1, "drift": 1, "ntp-lost": 1, "ntp-back": 1,
    "disk-fail": 1, "disk-ok": 1, "dns-timeout": 0, "dns-ok": 0,
}
_VALUED = {"clock", "drift"}


@dataclasses.dataclass(frozen=True)
class Fault:
    at_s: float
    kind: str
    hosts: tuple[int, ...] = ()
    value: float = 0.0  # seconds for "clock", ppm for "drift"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"no fault '{self.kind}': the faults are {', '.join(KINDS)}")
        if len(self.hosts) != KINDS[self.kind]:
            raise ValueError(f"fault '{self.kind}' names {KINDS[self.kind]} host(s), not {len(self.hosts)}")
        if not self.at_s >= 0:
            raise ValueError(f"fault '{self.kind}' has a time before the start: {self.at_s}")

    def __str__(self) -> str:
        text = self.kind + (":" + "-".join(map(str, self.hosts)) if self.hosts else "")
        if self.kind in _VALUED:
            text += f":{self.value:+g}"
        return f"{text}@{self.at_s:g}"


_SPEC = re.compile(r"^(?P<kind>[a-z-]+)(?::(?P<hosts>[^:@]+))?(?::(?P<value>[-+]?[0-9.]+))?@(?P<at>[0-9.]+)$")


def parse(spec: str, host_of: Callable[[str], int] = int) -> Fault:
    """``KIND[:H1[-H2]][:VALUE]@SECONDS``; ``host_of`` turns each host word into a number."""
    match = _SPEC.match(spec.strip())
    if not match:
        raise ValueError(f"fault '{spec}' is not KIND[:HOSTS][:VALUE]@SECONDS (e.g. crash:2@30, partition:1-3@10)")
    words = match["hosts"].split("-") if match["hosts"] else []
    # An IPv4 address holds no '-', so "127.0.0.11-127.0.0.12" splits cleanly.
    try:
        hosts = tuple(host_of(w) for w in words)
    except (ValueError, KeyError) as error:
        raise ValueError(f"fault '{spec}': {error}") from None
    value = float(match["value"]) if match["value"] else 0.0
    if match["kind"] in _VALUED and not match["value"]:
        raise ValueError(f"fault '{spec}' needs a value (seconds for clock, ppm for drift)")
    return Fault(float(match["at"]), match["kind"], hosts, value)


def apply(twin, fault: Fault) -> bool:
    """Does ``fault`` to the twin now; whether it applied (False: skipped, see above)."""
    kind, hosts = fault.kind, fault.hosts
    state = twin.state(hosts[0]) if hosts and kind not in ("partition", "partition-one-way", "heal") else None
    if kind in ("crash", "power-off", "reboot", "pause") and state != "running":
        return False
    if kind == "restart" and state != "down":
        return False
    if kind == "resume" and state != "paused":
        return False
    actions = {
        "crash": lambda: twin.crash(hosts[0]),
        "power-off": lambda: twin.power_off(hosts[0]),
        "restart": lambda: twin.restart(hosts[0]),
        "reboot": lambda: twin.reboot(hosts[0]),
        "pause": lambda: twin.pause(hosts[0]),
        "resume": lambda: twin.resume(hosts[0]),
        "partition": lambda: twin.partition(*hosts),
        "partition-one-way": lambda: twin.partition_one_way(*hosts),
        "heal": lambda: twin.heal(*hosts),
        "heal-all": twin.heal_all,
        "clock": lambda: twin.step_wall_clock(hosts[0], fault.value),
        "drift": lambda: twin.set_clock_drift(hosts[0], fault.value),
        "ntp-lost": lambda: twin.set_ntp_synchronized(hosts[0], False),
        "ntp-back": lambda: twin.set_ntp_synchronized(hosts[0], True),
        "disk-fail": lambda: twin.set_disk_fail_writes(hosts[0], True),
        "disk-ok": lambda: twin.set_disk_fail_writes(hosts[0], False),
        "dns-timeout": lambda: twin.set_dns_fault_all("timeout"),
        "dns-ok": lambda: twin.set_dns_fault_all("none"),
    }
    actions[kind]()
    return True


def arm(twin, faults: Iterable[Fault], applied: list | None = None) -> None:
    """Schedules each fault relative to now; ``applied`` collects those that applied."""
    for fault in faults:
        def fire(fault=fault):
            if apply(twin, fault) and applied is not None:
                applied.append(fault)
        twin.after(fault.at_s, fire)


def recover(twin) -> None:
    """Undoes every lasting fault: heals the network, resumes, restarts, NTP and disks back."""
    twin.heal_all()
    twin.set_dns_fault_all("none")
    for host in range(1, twin.host_count + 1):
        twin.set_ntp_synchronized(host, True)
        twin.set_disk_fail_writes(host, False)
        state = twin.state(host)
        if state == "paused":
            twin.resume(host)
        elif state == "down":
            twin.restart(host)


def describe(faults: Sequence[Fault]) -> str:
    return " ".join(str(f) for f in faults) or "(none)"
