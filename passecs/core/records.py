"""Records both backends produce and every renderer consumes (frozen, JSON-ready)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

# The container ports an endpoint is shown as a URL for (compose ports carry no name or protocol to go by).
WEB_PORTS: dict[int, str] = {
    80: "http", 3000: "http", 5000: "http", 8000: "http", 8008: "http", 8080: "http", 8081: "http", 8888: "http",
    443: "https", 8443: "https",
}  # fmt: skip


@dataclass(frozen=True)
class Port:
    """One published port of a container: ``[ip:]host_port->container_port/protocol``."""

    container_port: int
    host_port: int | None = None
    protocol: str = "tcp"
    ip: str | None = None  # None while the task is PENDING or when no address is known

    @property
    def scheme(self) -> str | None:
        """``http``/``https`` when the container port is a well-known web port (:data:`WEB_PORTS`), else None:
        FTP 21, JMS 61616, STOMP 61613, a debugger's 5005 are not URLs."""
        return WEB_PORTS.get(self.container_port) if self.protocol == "tcp" else None

    def endpoint(self) -> str | None:
        """``http(s)://IP:PORT`` for a web port, ``IP:PORT`` for another tcp port, ``IP:PORT/proto``
        otherwise; None without an address."""
        if not self.ip or self.ip == "(PENDING)":
            return None
        port = self.host_port if self.host_port is not None else self.container_port
        if self.scheme:
            return f"{self.scheme}://{self.ip}:{port}"
        if self.protocol == "tcp":
            return f"{self.ip}:{port}"
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
