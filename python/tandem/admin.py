"""One peer's admin API (docs/admin-api.md), the same on a twin peer and a live one.

An ``AdminPeer`` turns calls into admin requests and JSON answers into Python
values. What carries a request is a *transport*: a function
``(address, method, target, body) -> (HTTP status, body text)`` that raises
``TandemError`` when the peer cannot be reached. The twin's transport sends it
from the twin's operator workstation; the live one is HTTPS (tandem.live).

A refused request raises ``AdminError`` carrying the HTTP status and the peer's
message, which names what was wrong.
"""
from __future__ import annotations

import json
import urllib.parse
from typing import Any, Callable, Iterable

from tandem._tandem import TandemError

Transport = Callable[[str, str, str, str], "tuple[int, str]"]

# Alarm ids an operator meets during procedures (runtime/cluster/alarms.hpp).
RESTART_REQUIRED = 20012


class AdminError(TandemError):
    """The peer answered with an error status; ``status`` is the HTTP status."""

    def __init__(self, status: int, message: str, address: str = ""):
        super().__init__(f"{address}: {message} (HTTP {status})" if address else f"{message} (HTTP {status})")
        self.status = status
        self.message = message
        self.address = address


class AdminPeer:
    """The admin API of the peer at ``address``, through ``transport``."""

    def __init__(self, address: str, transport: Transport):
        self.address = address
        self._transport = transport

    def __repr__(self) -> str:
        return f"<AdminPeer {self.address}>"

    # ---- requests ------------------------------------------------------------
    def request(self, method: str, target: str, body: Any = None) -> Any:
        """One request; the decoded JSON answer, or AdminError for a non-2xx status."""
        text = "" if body is None else json.dumps(body)
        status, reply = self._transport(self.address, method, target, text)
        try:
            value = json.loads(reply) if reply.strip() else None
        except json.JSONDecodeError:
            raise TandemError(f"{self.address}: {method} {target} answered {status} with a body that is not JSON: "
                              f"{reply[:200]!r}") from None
        if not 200 <= status < 300:
            message = value.get("error", reply) if isinstance(value, dict) else reply
            raise AdminError(status, message, self.address)
        return value

    # ---- status --------------------------------------------------------------
    def status(self, path: str = "") -> dict:
        """xStatus, or the subtree named by ``path`` ("Cluster Peers")."""
        query = "?path=" + urllib.parse.quote(path) if path else ""
        return self.request("GET", "/api/v1/status" + query)

    def cluster(self) -> dict:
        """xStatus Cluster: Clustered, Name, ConfigurationPrimary, DatabaseStatus, AppliedRevision, Peers..."""
        return self.status()["Cluster"]

    def software_version(self) -> str:
        return self.status()["SystemUnit"]["Software"]["Version"]

    # ---- configuration -------------------------------------------------------
    def get(self, path: str) -> str:
        """One item's value (secrets read as ***)."""
        return self.request("GET", "/api/v1/configuration?path=" + urllib.parse.quote(path))["value"]

    def items(self, prefix: str) -> dict[str, str]:
        """Every item under ``prefix`` (stored, and defaults of non-table items), by path."""
        answer = self.request("GET", "/api/v1/configuration?path=" + urllib.parse.quote(prefix))
        if "items" not in answer:  # the prefix was one item
            return {answer["path"]: answer["value"]}
        return {item["path"]: item["value"] for item in answer["items"]}

    def configure(self, changes: dict[str, str] | Iterable[tuple[str, str]]) -> dict:
        """One validated batch, all or nothing: {"changed": n, "restart_required": [...]}."""
        pairs = changes.items() if isinstance(changes, dict) else changes
        return self.request("POST", "/api/v1/configuration",
                            {"changes": [{"path": p, "value": str(v)} for p, v in pairs]})

    def set(self, path: str, value: str) -> dict:
        return self.configure({path: value})

    # ---- commands, alarms, logs ------------------------------------------------
    def command(self, name: str, **args: str) -> dict:
        """xCommand ``name`` with string arguments (DefaultValueSet Level="2", Restart...)."""
        return self.request("POST", f"/api/v1/command/{name}", {"args": {k: str(v) for k, v in args.items()}})

    def restart(self) -> dict:
        return self.command("Restart")

    def alarms(self) -> list[dict]:
        return self.request("GET", "/api/v1/alarms")["alarms"]

    def alarm_ids(self) -> set[int]:
        return {alarm["id"] for alarm in self.alarms()}

    def acknowledge(self, alarm_id: int) -> dict:
        return self.request("POST", f"/api/v1/alarms/{int(alarm_id)}/acknowledge")

    def events(self, limit: int = 100) -> list[dict]:
        return self.request("GET", f"/api/v1/events?limit={int(limit)}")["events"]

    def configlog(self, limit: int = 100) -> list[dict]:
        return self.request("GET", f"/api/v1/configlog?limit={int(limit)}")["entries"]

    def prerequisites(self) -> dict:
        return self.request("GET", "/api/v1/prerequisites")

    def backup_file(self, name: str) -> dict:
        return self.request("GET", "/api/v1/backup/" + urllib.parse.quote(name))

    def reachable(self) -> bool:
        """Whether the peer answers its admin API at all."""
        try:
            self.status("SystemUnit")
            return True
        except TandemError:
            return False
