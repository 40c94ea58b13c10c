"""The family's revisions: ``diff`` (the files against what runs), ``history`` and ``rollback``.

All three work through the aws CLI whatever the backend (ecs-cli has no such commands): the family is the
project name, the project's tasks are those of group ``task:<project>``, so a task ecs-cli started is seen
here, and the task ``rollback`` starts is one ecs-cli's ``compose ps``/``down`` see and stop. ``diff`` and
``history`` only read; ``rollback`` is behind the production guard and checked RUNNING as ``up`` is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from passecs.backends import DEFAULT_UP_TIMEOUT, UpReport
from passecs.core import output
from passecs.core.context import Context
from passecs.core.errors import CommandFailed, UsageError
from passecs.core.records import Container
from passecs.runbook import guard
from passecs.runbook.diff import Change, compare

if TYPE_CHECKING:
    from passecs.backends.aws.backend import Target
    from passecs.backends.ecscli.argv import ComposeTarget

DEFAULT_HISTORY_LIMIT = 10


def _aws_target(ctx: Context, target: ComposeTarget) -> Target:
    """The aws CLI's view of the cluster configuration."""
    from passecs.backends.aws.backend import AwsBackend

    return AwsBackend(ctx).target(target)


def _running_by_definition(tasks: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    from passecs.backends.aws.backend import task_id

    running: dict[str, list[str]] = {}
    for task in tasks:
        running.setdefault(str(task.get("taskDefinitionArn", "")), []).append(task_id(str(task.get("taskArn", ""))))
    return running


def _newest(arns: Sequence[str]) -> str | None:
    from passecs.backends.aws.backend import revision_number

    return max(arns, key=revision_number) if arns else None


# ---------------------------------------------------------------------------------------------- diff


@dataclass(frozen=True)
class DiffReport:
    family: str
    against: str | None  # family:revision compared with; None when the family has no revision
    basis: str  # "running" (the running task's), "latest" (nothing runs), "none" (no revision at all)
    changes: tuple[Change, ...]
    running_tasks: tuple[str, ...] = ()
    other_running: tuple[str, ...] = ()  # further revisions that run too (not compared)

    @property
    def differs(self) -> bool:
        return bool(self.changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "against": self.against,
            "basis": self.basis,
            "running_tasks": list(self.running_tasks),
            "other_running_revisions": list(self.other_running),
            "differs": self.differs,
            "changes": [c.to_json() for c in self.changes],
        }


def diff(ctx: Context, *, cluster_config: str | None = None, files: Sequence[str] | None = None) -> DiffReport:
    """The task definition the files give against the running task's (else the family's latest revision).

    Registers nothing, changes nothing: describe calls only.
    """
    from passecs.backends.aws import backend as aws
    from passecs.backends.aws.taskdef import build_task_definition
    from passecs.files.project import load_project
    from passecs.runbook.compose import resolve_target

    target = resolve_target(ctx, cluster_config, files)
    project = load_project(ctx.project_dir, list(target.files), ctx.env, target.ecs_params)
    where = _aws_target(ctx, target)
    family = target.project_name
    wanted = build_task_definition(project, family, launch_type=where.launch_type)
    running = _running_by_definition(aws.project_tasks(ctx, where, family))
    newest = _newest(list(running))
    basis = "running" if newest else "latest"
    current = aws.describe_task_definition(ctx, where, newest or family)
    if current is None:
        basis = "none"
    against = aws.family_revision(str(current.get("taskDefinitionArn", ""))) if current is not None else None
    return DiffReport(
        family=family,
        against=against,
        basis=basis,
        changes=tuple(compare(current, wanted)),
        running_tasks=tuple(running.get(newest, [])) if newest else (),
        other_running=tuple(aws.family_revision(a) for a in running if a != newest),
    )


def render_diff(report: DiffReport) -> str:
    from passecs.runbook.diff import render

    if report.basis == "none":
        return f"family {report.family} has no revision yet: up would register the files' task definition"
    what = {
        "running": f"{report.against}, which runs now (task {', '.join(report.running_tasks)})",
        "latest": f"{report.against}, the family's latest revision (nothing runs)",
    }[report.basis]
    lines = []
    if report.other_running:
        lines.append(f"(also running: {', '.join(report.other_running)}; compared with the newest)")
    if not report.differs:
        lines.append(f"no difference: the files give the task definition of {what}")
        return "\n".join(lines)
    count = len(report.changes)
    lines.append(f"{count} difference{'s' if count != 1 else ''} between the files and {what}:")
    lines += [f"  {line}" for line in render(report.changes)]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- history


@dataclass(frozen=True)
class Revision:
    name: str  # family:revision
    revision: int
    registered_at: str | None  # ISO 8601, UTC
    images: tuple[tuple[str, str], ...]  # (container, image)
    running_tasks: tuple[str, ...] = ()
    cpu: str | None = None
    memory: str | None = None

    @property
    def running(self) -> bool:
        return bool(self.running_tasks)

    def to_json(self) -> dict[str, Any]:
        return {
            "task_definition": self.name,
            "revision": self.revision,
            "registered_at": self.registered_at,
            "images": dict(self.images),
            "running": self.running,
            "running_tasks": list(self.running_tasks),
            "cpu": self.cpu,
            "memory": self.memory,
        }


@dataclass(frozen=True)
class History:
    family: str
    revisions: tuple[Revision, ...]  # newest first
    total: int  # ACTIVE revisions of the family (more than shown when limited)

    def to_json(self) -> dict[str, Any]:
        return {"family": self.family, "total": self.total, "revisions": [r.to_json() for r in self.revisions]}


def iso_time(value: Any) -> str | None:
    """describe-task-definition's ``registeredAt`` (aws CLI v2: ISO text; v1: epoch seconds) as ISO UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(float(value), tz=timezone.utc).isoformat(timespec="seconds")
    text = str(value)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc).isoformat(
            timespec="seconds"
        )
    except ValueError:
        return text


def to_revision(definition: Mapping[str, Any], running_tasks: Sequence[str] = ()) -> Revision:
    from passecs.backends.aws.backend import family_revision, revision_number

    arn = str(definition.get("taskDefinitionArn", ""))
    images = tuple(
        (str(c.get("name")), str(c.get("image")))
        for c in definition.get("containerDefinitions") or []
        if isinstance(c, Mapping)
    )
    return Revision(
        name=family_revision(arn),
        revision=int(definition.get("revision") or revision_number(arn)),
        registered_at=iso_time(definition.get("registeredAt")),
        images=images,
        running_tasks=tuple(running_tasks),
        cpu=str(definition["cpu"]) if definition.get("cpu") else None,
        memory=str(definition["memory"]) if definition.get("memory") else None,
    )


def history(
    ctx: Context,
    *,
    cluster_config: str | None = None,
    files: Sequence[str] | None = None,
    limit: int = DEFAULT_HISTORY_LIMIT,
) -> History:
    """The family's newest ``limit`` revisions (and any older one that runs), newest first."""
    from passecs.backends.aws import backend as aws
    from passecs.runbook.compose import resolve_target

    if limit < 1:
        raise UsageError(f"--limit {limit}: must be 1 or more", "e.g. --limit 10")
    target = resolve_target(ctx, cluster_config, files)
    where = _aws_target(ctx, target)
    family = target.project_name
    arns = aws.list_revisions(ctx, where, family)
    running = _running_by_definition(aws.project_tasks(ctx, where, family))
    # and whatever runs, even beyond the limit or deregistered since (INACTIVE revisions are not listed)
    shown = list(arns[:limit]) + [a for a in arns[limit:] if a in running] + [a for a in running if a not in arns]
    shown.sort(key=aws.revision_number, reverse=True)
    revisions = []
    for arn in shown:  # one describe call each: the API has no batch form
        definition = aws.describe_task_definition(ctx, where, arn)
        if definition is not None:
            revisions.append(to_revision(definition, running.get(arn, [])))
    return History(family, tuple(revisions), len(arns))


def render_history(report: History) -> str:
    if not report.revisions:
        return f"family {report.family} has no active revision (run 'passecs up' to register one)"
    rows = []
    for r in report.revisions:
        images = ", ".join(f"{name}={image}" for name, image in r.images)
        rows.append(
            (r.name, r.registered_at or "-", f"RUNNING ({', '.join(r.running_tasks)})" if r.running else "", images)
        )
    text = output.table(("REVISION", "REGISTERED (UTC)", "NOW", "IMAGES"), rows)
    if report.total > len(report.revisions):
        text += f"\n({len(report.revisions)} of {report.total} revisions; --limit N shows more)"
    return text


# ---------------------------------------------------------------------------------------------- rollback


@dataclass(frozen=True)
class RollbackOutcome:
    task_definition: str  # the revision that runs now
    replaced: tuple[str, ...] = ()  # the revisions it replaced
    stopped_tasks: tuple[str, ...] = ()
    started_tasks: tuple[str, ...] = ()
    containers: tuple[Container, ...] = field(default=())
    kept_running: bool = False
    dry_run: bool = False

    def endpoints(self) -> list[str]:
        from passecs.runbook.compose import endpoint_lines

        return endpoint_lines(list(self.containers))

    def summary(self) -> str:
        if self.dry_run:
            return ""
        if self.kept_running:
            return f"{self.task_definition} runs already: nothing to roll back"
        replaced = f" in place of {', '.join(self.replaced)}" if self.replaced else ""
        return f"rolled back: {self.task_definition} runs{replaced} (task {', '.join(self.started_tasks)})"


def parse_revision(value: str, family: str) -> int:
    """``--to``: ``7`` or ``family:7``."""
    text = value.strip()
    name, _, number = text.rpartition(":")
    if (name and name != family) or not number.isdigit() or int(number) < 1:
        raise UsageError(
            f"--to {value}: not a revision of family {family}",
            f"give a revision number, e.g. --to 3 or --to {family}:3 (see 'passecs history')",
        )
    return int(number)


def choose_revision(
    revisions: Sequence[str], running: Sequence[str], family: str, to: str | None
) -> str:
    """The ARN to roll back to: ``to``, else the newest ACTIVE revision older than the newest running one."""
    from passecs.backends.aws.backend import revision_number

    numbers = {revision_number(a): a for a in revisions}
    if to is not None:
        wanted = parse_revision(to, family)
        if wanted not in numbers:
            known = ", ".join(str(n) for n in sorted(numbers, reverse=True)) or "none"
            raise UsageError(
                f"--to {to}: family {family} has no active revision {wanted} (active revisions: {known})",
                "name one of those (see 'passecs history')",
            )
        return numbers[wanted]
    current = max((revision_number(a) for a in running), default=None)
    if current is None:
        raise CommandFailed(
            f"rollback: nothing of project {family} runs, so there is no previous revision to go back to",
            "name the revision to run with --to N (see 'passecs history')",
        )
    older = [n for n in numbers if n < current]
    if not older:
        raise CommandFailed(
            f"rollback: {family}:{current} runs and the family has no older active revision",
            "see 'passecs history'",
        )
    return numbers[max(older)]


def rollback(
    ctx: Context,
    *,
    cluster_config: str | None = None,
    files: Sequence[str] | None = None,
    to: str | None = None,
    yes: bool = False,
    timeout: float = DEFAULT_UP_TIMEOUT,
) -> RollbackOutcome:
    """Run the previous revision (or ``to``) in place of what runs, then check every container RUNNING."""
    from passecs.backends.aws import backend as aws
    from passecs.files.project import read_ecs_params
    from passecs.runbook.compose import check_running, guard_container_secrets, resolve_target

    target = resolve_target(ctx, cluster_config, files)
    # the revision was registered from files that may have carried keys since: refuse as up does
    ctx = guard_container_secrets(ctx, target.files, "rollback")
    guard.confirm(ctx, action="rollback", cluster_config=cluster_config, yes=yes)
    where = _aws_target(ctx, target)
    family = target.project_name
    tasks = aws.project_tasks(ctx, where, family)
    running = _running_by_definition(tasks)
    arn = choose_revision(aws.list_revisions(ctx, where, family), list(running), family, to)
    revision = aws.family_revision(arn)
    if list(running) == [arn]:
        output.notice(f"{revision} runs already (task {', '.join(running[arn])}); nothing changed")
        containers = aws.ps(ctx, where, family)
        return RollbackOutcome(revision, containers=tuple(containers), kept_running=True)
    definition = aws.describe_task_definition(ctx, where, arn)
    if definition is None:
        raise CommandFailed(f"rollback: task definition {revision} not found", "see 'passecs history'")
    params = read_ecs_params(ctx.project_dir / target.ecs_params, ctx.env) if target.ecs_params else None
    replaced = tuple(aws.family_revision(a) for a in running)
    output.notice(
        f"rolling back to {revision}" + (f" in place of {', '.join(replaced)}" if replaced else " (nothing runs)")
    )
    services = [name for name, _ in to_revision(definition).images]
    try:
        result = aws.start_task_definition(
            ctx,
            where,
            family,
            definition,
            running=tasks,
            network=aws.network_from_params(params),
            timeout=timeout,
            on_progress=output.progress,
            warn=output.warning,
        )
    except (aws.TasksStopped, aws.RunTaskFailed) as exc:  # the failure verdict, as for up
        from passecs.backends.aws import stopped

        failed = UpReport(failures=[exc.message], stopped=[])
        try:
            failed.stopped = stopped.describe(ctx, where, exc.tasks if isinstance(exc, aws.TasksStopped) else [])
        except CommandFailed as describe_failed:
            failed.failures.append(f"(could not describe the stopped task: {describe_failed.message})")
        check_running(ctx, target, [], services, failed.failures, action="rollback", report=failed)
        raise  # check_running raised already; this only satisfies the type checker
    if ctx.dry_run:
        return RollbackOutcome(revision, replaced, dry_run=True)
    report = UpReport(started_tasks=list(result.started_tasks), replaced_tasks=list(result.replaced_tasks))
    check_running(ctx, target, result.containers, services, action="rollback", report=report)
    return RollbackOutcome(
        revision,
        replaced,
        stopped_tasks=tuple(result.replaced_tasks),
        started_tasks=tuple(result.started_tasks),
        containers=tuple(result.containers),
    )
