"""The backend interface: how the compose lifecycle (up, ps, logs, down) is carried out.

Two backends implement it: :mod:`passecs.backends.ecscli` (the runbook's own tool) and
:mod:`passecs.backends.aws` (the aws CLI alone, registering what ecs-cli would). The runbook's services
(:mod:`passecs.runbook.compose`) own the rules that do not depend on how the work is done and talk to a
backend through :class:`Backend` only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from passecs.core import output
from passecs.core.records import Container, StoppedTask

if TYPE_CHECKING:
    from passecs.backends.ecscli.argv import ComposeTarget
    from passecs.core.context import Context

DEFAULT_UP_TIMEOUT = 900.0


@dataclass
class UpReport:
    """What ``compose up`` said while it ran."""

    task_definition: str | None = None
    started_tasks: list[str] = field(default_factory=list)  # task ids started by this up
    replaced_tasks: list[str] = field(default_factory=list)  # task ids stopped to be replaced
    failures: list[str] = field(default_factory=list)
    kept_running: bool = False  # tasks ran already and ecs-cli left them alone (same task definition)
    stopped_tasks: list[str] = field(default_factory=list)  # task ids stopped by down
    containers: list[Container] | None = None  # the backend's own view after up, when it has one
    # the tasks that stopped instead of running, described for the failure verdict (None: not looked at)
    stopped: list[StoppedTask] | None = None


@dataclass(frozen=True)
class LogRequest:
    """What ``logs`` asks a backend for: the lines of one task's containers."""

    task_id: str
    container: str | None = None  # one container's lines; None: every container's
    follow: bool = False
    since: int | None = None  # minutes
    timestamps: bool = False
    sink: Callable[[str], None] = output.result
    start_time: float | None = None  # epoch seconds; replaces ``since`` (minutes)
    labelled: Callable[[str, str], None] | None = None  # (container, line) instead of ``sink``


class Backend(Protocol):
    name: str

    def ps(self, target: ComposeTarget, *, all_tasks: bool = False, timeout: float | None = None) -> list[Container]:
        ...

    def up(
        self,
        target: ComposeTarget,
        *,
        create_log_groups: bool = False,
        force_update: bool = False,
        timeout: float | None = None,
    ) -> UpReport:
        ...

    def down(self, target: ComposeTarget, *, timeout: float | None = None) -> UpReport:
        ...

    def stopped_tasks(self, target: ComposeTarget, task_ids: Sequence[str], *, lines: int = 20) -> list[StoppedTask]:
        """The stopped ones of these tasks, with AWS's reasons and each container's last ``lines`` log lines."""
        ...

    def stop_tasks(self, target: ComposeTarget, task_ids: Sequence[str]) -> None:
        """Stop these tasks of the project (ids or ARNs) without waiting: up's convergence."""
        ...

    def logs(self, target: ComposeTarget, request: LogRequest) -> None:
        ...

    def previous_task(self, target: ComposeTarget) -> str | None:
        """The id of the project's most recently stopped task, None when there is none."""
        ...


def backend_for(ctx: Context) -> Backend:
    """The backend chosen by --backend / PASSECS_BACKEND (ecs-cli when installed, else aws)."""
    if ctx.backend == "aws":
        from passecs.backends.aws.backend import AwsBackend

        if ctx.backend_defaulted:
            output.notice("ecs-cli not found: using the aws backend (choose with --backend or PASSECS_BACKEND)")
        return AwsBackend(ctx)
    from passecs.backends.ecscli.backend import EcsCliBackend

    return EcsCliBackend(ctx)
