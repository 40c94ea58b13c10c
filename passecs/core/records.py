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


@dataclass(frozen=True)
class StoppedContainer:
    """One container of a task that stopped instead of running, as AWS describes it, with its last log lines."""

    name: str
    exit_code: int | None = None  # None: it never ran (or AWS did not say)
    reason: str | None = None  # AWS's reason for this container
    essential: bool = True
    image: str | None = None
    log_lines: tuple[str, ...] = ()  # its last lines in CloudWatch, oldest first
    log_source: str | None = None  # "group/stream" when it logs with awslogs; None when it does not
    log_note: str | None = None  # why there are no lines (does not log to CloudWatch, never ran, ...)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["log_lines"] = list(self.log_lines)
        return data


@dataclass(frozen=True)
class StoppedTask:
    """A task that stopped (or is stopping) instead of running: AWS's stop code and reason, per container."""

    task_id: str
    task_definition: str  # family:revision
    stop_code: str | None = None  # EssentialContainerExited, TaskFailedToStart, UserInitiated, ...
    stopped_reason: str | None = None
    containers: tuple[StoppedContainer, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["containers"] = [c.to_json() for c in self.containers]
        return data
