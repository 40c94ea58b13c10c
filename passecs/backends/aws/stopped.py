"""What the failure verdict needs from AWS about tasks that stopped instead of running: each container's
exit code and reasons (``ecs describe-tasks``) and its last lines in CloudWatch (``logs get-log-events``).

Both backends use it (ecs-cli prints neither exit codes nor stop codes, so the ecs-cli backend asks the aws
CLI too). Log lines are fetched only for containers that ran (an exit code): one call each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from passecs.backends.aws import calls as awscli
from passecs.backends.aws.backend import (
    Target,
    _call,
    _describe_tasks,
    _dict,
    _list,
    describe_task_definition,
    family_revision,
    project_tasks,
    task_id,
)
from passecs.core.records import StoppedContainer, StoppedTask

if TYPE_CHECKING:
    from passecs.core.context import Context

LOG_LINES = 20


def _stopped(task: Mapping[str, Any]) -> bool:
    return "STOPPED" in (task.get("lastStatus"), task.get("desiredStatus"))


def log_tail(
    ctx: Context, target: Target, group: str, region: str | None, stream: str, lines: int = LOG_LINES
) -> tuple[tuple[str, ...], str | None]:
    """The last ``lines`` messages of one stream, oldest first, and a note when there are none."""
    args = ["--log-group-name", group, "--log-stream-name", stream, "--limit", str(lines), "--no-start-from-head"]
    try:
        data = _call(ctx, Target(target.cluster, region, target.launch_type), "logs", "get-log-events", *args)
    except awscli.AwsCallFailed as exc:
        if exc.failure.kind is awscli.FailureKind.NO_SUCH_ENTITY or "ResourceNotFound" in exc.failure.message:
            return (), f"no log stream {group}/{stream} (it logged nothing)"
        return (), f"could not read {group}/{stream}: {exc.message}"
    events = [_dict(e, "log event") for e in _list(_dict(data, "logs get-log-events").get("events"), "events")]
    events.sort(key=lambda e: int(e.get("timestamp", 0)))
    messages = tuple(str(e.get("message", "")).rstrip("\n") for e in events)[-lines:]
    return messages, None if messages else f"nothing in {group}/{stream}"


def describe(
    ctx: Context,
    target: Target,
    tasks: Sequence[Mapping[str, Any]],
    *,
    definitions: Mapping[str, Mapping[str, Any]] | None = None,
    lines: int = LOG_LINES,
) -> list[StoppedTask]:
    """The stopped ones of ``tasks`` (describe-tasks objects) as records, with their containers' last lines."""
    known: dict[str, Mapping[str, Any]] = dict(definitions or {})
    found = []
    for task in tasks:
        if not _stopped(task):
            continue
        arn = str(task.get("taskDefinitionArn", ""))
        if arn and arn not in known:
            known[arn] = describe_task_definition(ctx, target, arn) or {}
        definition = {str(c.get("name")): c for c in (known.get(arn) or {}).get("containerDefinitions") or []}
        tid = task_id(str(task.get("taskArn", "")))
        containers = []
        for container in task.get("containers") or []:
            name = str(container.get("name", ""))
            spec = definition.get(name) or {}
            exit_code = container.get("exitCode")
            config = spec.get("logConfiguration") or {}
            options = config.get("options") or {}
            source = note = None
            tail: tuple[str, ...] = ()
            if config.get("logDriver") != "awslogs" or not options.get("awslogs-group"):
                driver = config.get("logDriver")
                note = f"it does not log to CloudWatch (log driver {driver})" if driver else (
                    "it does not log to CloudWatch (no logging section: add driver awslogs in docker-compose-ecs.yml)"
                )
            elif not options.get("awslogs-stream-prefix"):
                note = "it logs to CloudWatch without awslogs-stream-prefix: its stream cannot be named"
            else:
                group = str(options["awslogs-group"])
                stream = f"{options['awslogs-stream-prefix']}/{name}/{tid}"
                source = f"{group}/{stream}"
                if exit_code is None:
                    note = "it never ran: no log lines"
                elif lines > 0:
                    region = options.get("awslogs-region") or target.region
                    tail, note = log_tail(ctx, target, group, region, stream, lines)
            containers.append(
                StoppedContainer(
                    name=name,
                    exit_code=int(exit_code) if exit_code is not None else None,
                    reason=str(container["reason"]) if container.get("reason") else None,
                    essential=bool(spec.get("essential", True)),
                    image=str(container.get("image") or spec.get("image") or "") or None,
                    log_lines=tail,
                    log_source=source,
                    log_note=note,
                )
            )
        found.append(
            StoppedTask(
                task_id=tid,
                task_definition=family_revision(arn),
                stop_code=str(task["stopCode"]) if task.get("stopCode") else None,
                stopped_reason=str(task["stoppedReason"]) if task.get("stoppedReason") else None,
                containers=tuple(containers),
            )
        )
    return found


def stopped_tasks(
    ctx: Context, target: Target, task_ids: Sequence[str], *, lines: int = LOG_LINES
) -> list[StoppedTask]:
    """The stopped ones of the tasks named (ids or ARNs), described, with their containers' last lines."""
    if not task_ids:
        return []
    return describe(ctx, target, _describe_tasks(ctx, target, list(dict.fromkeys(task_ids))), lines=lines)


def newest_stopped_task(ctx: Context, target: Target, project_name: str) -> dict[str, Any] | None:
    """The project's most recently stopped task (describe-tasks object), None when none is known."""
    tasks = [t for t in project_tasks(ctx, target, project_name, desired=("STOPPED",)) if _stopped(t)]
    if not tasks:
        return None
    return max(tasks, key=lambda t: (str(t.get("stoppedAt") or t.get("stoppingAt") or ""), str(t.get("createdAt"))))
