"""Records both backends produce and every renderer consumes (frozen, JSON-ready)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Port:
    """One published port of a container: ``[ip:]host_port->container_port/protocol``."""

    container_port: int
    host_port: int | None = None
    protocol: str = "tcp"
    ip: str | None = None  # None while the task is PENDING or when no address is known

    def endpoint(self) -> str | None:
        """``http://IP:PORT`` for tcp ports, ``IP:PORT/proto`` otherwise; None without an address."""
        if not self.ip or self.ip == "(PENDING)":
            return None
        port = self.host_port if self.host_port is not None else self.container_port
        if self.protocol == "tcp":
            return f"http://{self.ip}:{port}"
        return f"{self.ip}:{port}/{self.protocol}"


@dataclass(frozen=True)
class Container:
    """One container of one task, as ``ecs-cli compose ps`` shows it (one row)."""

    cluster: str
    task_id: str
    container: str  # the compose service name
    state: str  # RUNNING, PENDING, STOPPED, ...
    task_definition: str  # family:revision
    ports: tuple[Port, ...] = ()
    health: str = ""
    exit_code: int | None = None
    reason: str | None = None

    @property
    def running(self) -> bool:
        return self.state == "RUNNING"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ports"] = [asdict(p) for p in self.ports]
        return data
