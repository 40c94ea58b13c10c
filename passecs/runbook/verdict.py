"""The failure verdict: why ``up``/``deploy`` failed, from what AWS says about the stopped tasks.

Pure: the backends describe the stopped tasks (:class:`passecs.core.records.StoppedTask`, with each
container's exit code, AWS's reasons and its last CloudWatch lines) and the placement failures run-task
reported; :func:`diagnose` turns them into a :class:`Verdict` (with the likely fixes), :func:`render` into
lines for people and :meth:`Verdict.to_json` into a document for machines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from passecs.core.errors import CommandFailed
from passecs.core.records import StoppedContainer, StoppedTask

LOG_LINES = 20  # how many of a stopped container's last lines the verdict shows


@dataclass(frozen=True)
class Fix:
    cause: str  # what went wrong, in plain words
    fix: str  # what to do about it
    container: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"cause": self.cause, "fix": self.fix, "container": self.container}


@dataclass(frozen=True)
class Verdict:
    summary: str
    tasks: tuple[StoppedTask, ...] = ()
    failures: tuple[str, ...] = ()  # what else went wrong (run-task failures, ecs-cli's messages)
    fixes: tuple[Fix, ...] = ()
    notes: tuple[str, ...] = ()  # e.g. the stopped task could not be described

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "tasks": [t.to_json() for t in self.tasks],
            "failures": list(self.failures),
            "fixes": [f.to_json() for f in self.fixes],
            "notes": list(self.notes),
        }


class DeploymentFailed(CommandFailed):
    """``up``/``deploy`` failed: the message and fix as always, plus the verdict (for ``--json``)."""

    def __init__(self, message: str, verdict: Verdict, fix: str | None = None, *, detail: str | None = None) -> None:
        shown = "\n".join(part for part in (render(verdict, fixes=False), detail) if part)
        super().__init__(message, fix, detail=shown or None)
        self.verdict = verdict

    def to_json(self) -> dict[str, Any]:
        """What ``--json`` prints on stdout for this failure (the error line still goes to stderr)."""
        return {"ok": False, "error": self.message, "verdict": self.verdict.to_json()}


# ---------------------------------------------------------------------------------------------- rules

# (pattern on AWS's reasons and the failure messages, cause, fix); the container's name is put in {name}
_RULES: tuple[tuple[str, str, str], ...] = (
    (
        r"CannotPullContainerError|pull image|ImagePull|manifest .*not found|repository does not exist",
        "the image of {name} could not be pulled",
        "check the image name and tag in docker-compose.yml, that the image exists in its registry, and that "
        "the task can reach the registry (assign_public_ip: ENABLED in ecs-params.yml, or a NAT gateway)",
    ),
    (
        r"OutOfMemory|out of memory|\bOOM",
        "{name} ran out of memory and was killed",
        "give it more memory: raise mem_limit of the service in docker-compose-ecs.yml and/or the task's "
        "mem_limit in ecs-params.yml (a valid Fargate size)",
    ),
    (
        r"log group does not exist|ResourceNotFoundException.*log",
        "the CloudWatch log group the compose files name does not exist",
        "create it: passecs up --create-log-groups (or passecs deploy --create-log-groups)",
    ),
    (
        r"unable to assume (the )?role|AssumeRole|executionRoleArn|execution role|ecsExecutionRole|"
        r"not authorized to perform: (ecr|logs|sts)|AccessDenied",
        "the task execution role is missing or lacks permissions",
        "create it with 'passecs iam ensure-role' and name it as task_execution_role in ecs-params.yml",
    ),
    (
        r"RESOURCE:MEMORY|RESOURCE:CPU|RESOURCE:ENI|No Container Instances|Capacity is unavailable|"
        r"insufficient capacity",
        "the cluster had no capacity for the task",
        "try again later or in another subnet/availability zone; lower cpu_limit/mem_limit in ecs-params.yml; "
        "for the EC2 launch type, add container instances",
    ),
    (
        r"ResourceInitializationError",
        "Fargate could not prepare the task (secrets, registry authentication or logging)",
        "check the network route to AWS services (assign_public_ip: ENABLED or a NAT gateway) and the "
        "execution role ('passecs iam ensure-role')",
    ),
)


def _match(text: str, name: str | None) -> Fix | None:
    for pattern, cause, fix in _RULES:
        if re.search(pattern, text, re.IGNORECASE):
            return Fix(cause.format(name=name or "a container"), fix, name)
    return None


def _container_fix(container: StoppedContainer, task: StoppedTask) -> Fix | None:
    texts = [container.reason or ""]
    found = _match(" ".join(texts), container.name)
    if found is not None:
        return found
    if container.exit_code == 137:
        return Fix(
            f"{container.name} was killed (exit 137: SIGKILL, most often out of memory)",
            "give it more memory (mem_limit in docker-compose-ecs.yml / ecs-params.yml); its last lines above "
            "show how far it got",
            container.name,
        )
    if container.exit_code == 0 and container.essential and task.stop_code == "EssentialContainerExited":
        return Fix(
            f"{container.name} ended (exit 0), and an essential container must keep running",
            f"check {container.name}'s command/entrypoint (a server must not return), or set essential: false "
            "for it in ecs-params.yml",
            container.name,
        )
    if container.exit_code not in (None, 0) and container.essential:
        return Fix(
            f"{container.name} exited with code {container.exit_code}",
            f"its last lines above say why; fix {container.name}'s image or configuration, then up again",
            container.name,
        )
    return None


def fixes_for(tasks: Sequence[StoppedTask], failures: Iterable[str] = ()) -> tuple[Fix, ...]:
    """The likely fixes, most specific first, each said once."""
    found: list[Fix] = []
    for task in tasks:
        for container in task.containers:
            fix = _container_fix(container, task)
            if fix is not None:
                found.append(fix)
        task_fix = _match(task.stopped_reason or "", None)
        if task_fix is not None:
            found.append(task_fix)
    for text in failures:
        fix = _match(text, None)
        if fix is not None:
            found.append(fix)
    unique: list[Fix] = []
    for fix in found:
        same = [f for f in unique if f.fix == fix.fix]
        if not same:
            unique.append(fix)
    return tuple(unique)


def diagnose(
    tasks: Sequence[StoppedTask], failures: Sequence[str] = (), notes: Sequence[str] = ()
) -> Verdict:
    """The verdict on the stopped tasks and the other failures (run-task's, ecs-cli's)."""
    parts = []
    for task in tasks:
        died = [c for c in task.containers if c.exit_code not in (None, 0) or c.reason]
        who = ", ".join(
            f"{c.name}" + (f" (exit {c.exit_code})" if c.exit_code is not None else "") for c in died
        )
        why = task.stopped_reason or task.stop_code or "no reason given"
        parts.append(f"task {task.task_id} stopped: {why}" + (f"; {who}" if who else ""))
    if not parts:
        parts = list(dict.fromkeys(failures)) or ["the tasks did not run"]
    return Verdict(
        summary="; ".join(parts),
        tasks=tuple(tasks),
        failures=tuple(dict.fromkeys(failures)),
        fixes=fixes_for(tasks, failures),
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------------------------------- render


def _container_lines(c: StoppedContainer) -> list[str]:
    state = f"exit {c.exit_code}" if c.exit_code is not None else "no exit code (it never ran)"
    head = f"container {c.name}: {state}" + (f"; AWS: {c.reason}" if c.reason else "")
    lines = [head]
    if c.log_lines:
        lines.append(f"  its last {len(c.log_lines)} line(s) in CloudWatch ({c.log_source}):")
        lines += [f"    | {line}" for line in c.log_lines]
    elif c.log_note:
        lines.append(f"  logs: {c.log_note}")
    return lines


def render(verdict: Verdict, *, fixes: bool = True) -> str:
    """The verdict for people: each stopped task and container, its log tail, then the likely fixes."""
    lines: list[str] = []
    for task in verdict.tasks:
        code = f"{task.stop_code}: " if task.stop_code else ""
        lines.append(f"task {task.task_id} ({task.task_definition}) stopped: {code}{task.stopped_reason or '?'}")
        quiet = [c for c in task.containers if c.exit_code is None and not c.reason and not c.log_lines]
        for c in sorted((c for c in task.containers if c not in quiet), key=lambda c: c.exit_code in (None, 0)):
            lines += ["  " + line for line in _container_lines(c)]
        if quiet:
            lines.append(f"  never ran (stopped with the task): {', '.join(c.name for c in quiet)}")
    if fixes and not verdict.tasks:  # (as an error's detail, the message has said these already)
        lines += list(verdict.failures)
    lines += [f"note: {note}" for note in verdict.notes]
    for fix in verdict.fixes if fixes else ():
        lines.append(f"likely fix: {fix.cause}: {fix.fix}")
    return "\n".join(lines)
