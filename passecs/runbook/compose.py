"""The compose lifecycle: up, ps, logs and down (runbook: "Deploying to ECS and Starting Containers",
"Stopping and Removing Containers From ECS"), and the ecs-cli backend that carries them out.

The services here own the rules that do not depend on how the work is done: the production guard, saying
that ``up`` replaces running tasks, checking after ``up`` that every container runs (ecs-cli exits 0 in
cases where nothing does, SPEC.md §0.3) and after ``down`` that nothing is left, and picking the task whose
logs to show. :class:`EcsCliBackend` runs ``ecs-cli`` and turns its output into records and progress.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from passecs.backends import DEFAULT_UP_TIMEOUT, Backend, backend_for
from passecs.backends.ecscli import argv as ecscli
from passecs.backends.ecscli.backend import advice
from passecs.core import output
from passecs.core.context import Context
from passecs.core.errors import CommandFailed, Interrupted, InvalidInput, TimedOut
from passecs.core.records import Container, Port
from passecs.files.defaults import DEFAULT_COMPOSE_FILES, ECS_PARAMS_FILE
from passecs.runbook import guard

# ---------------------------------------------------------------------------------------------- targets


def resolve_target(
    ctx: Context, cluster_config: str | None = None, files: Sequence[str] | None = None
) -> ecscli.ComposeTarget:
    """The compose files (checked to exist), ecs-params.yml when present, the project name and the cluster
    configuration (checked against ~/.ecs/config when that file lists configurations)."""
    chosen = tuple(files) if files else DEFAULT_COMPOSE_FILES
    for name in chosen:
        path = Path(name) if Path(name).is_absolute() else ctx.project_dir / name
        if not path.is_file():
            raise InvalidInput(
                f"compose file {path}: no such file",
                "run passecs in the folder with the compose files (-C DIR), or name them with -f/--file",
            )
    ecs_params = ECS_PARAMS_FILE if (ctx.project_dir / ECS_PARAMS_FILE).is_file() else None
    if cluster_config is not None:
        from passecs.files.ecs import read_cluster_configurations

        known = read_cluster_configurations(ctx.ecs_dir)
        if known.clusters and cluster_config not in known.clusters:
            raise InvalidInput(
                f"-c/--cluster-config {cluster_config}: no such cluster configuration in {ctx.ecs_dir / 'config'} "
                f"(known: {', '.join(sorted(known.clusters))})",
                "name one of those, or create it with 'passecs configure cluster NAME --cluster CLUSTER --region R'",
            )
    return ecscli.ComposeTarget(
        files=chosen, project_name=ctx.project_name, ecs_params=ecs_params, cluster_config=cluster_config
    )


def _where(ctx: Context, target: ecscli.ComposeTarget) -> str:
    if target.cluster_config:
        return f"cluster configuration '{target.cluster_config}'"
    try:
        default = guard.configuration_name(ctx, None)
    except InvalidInput:
        default = None
    return f"cluster configuration '{default}' (the default)" if default else "the default cluster configuration"


# ---------------------------------------------------------------------------------------------- records


def group_by_task(containers: Sequence[Container]) -> dict[str, list[Container]]:
    tasks: dict[str, list[Container]] = {}
    for c in containers:
        tasks.setdefault(c.task_id, []).append(c)
    return tasks


def _revision(task_definition: str) -> int:
    _, _, rev = task_definition.rpartition(":")
    return int(rev) if rev.isdigit() else 0


def newest_running_task(containers: Sequence[Container]) -> str | None:
    """The task to follow: among tasks with a RUNNING container, the highest task-definition revision,
    then the one listed last (the table has no start time; ecs-cli lists tasks in ListTasks order)."""
    best: tuple[int, int] | None = None
    chosen = None
    for index, (task_id, members) in enumerate(group_by_task(containers).items()):
        if not any(c.running for c in members):
            continue
        key = (max(_revision(c.task_definition) for c in members), index)
        if best is None or key > best:
            best, chosen = key, task_id
    return chosen


def format_port(port: Port) -> str:
    where = f"{port.ip}:" if port.ip else ""
    host = port.host_port if port.host_port is not None else port.container_port
    return f"{where}{host}->{port.container_port}/{port.protocol}"


def format_state(c: Container) -> str:
    extra = []
    if c.exit_code is not None:
        extra.append(f"exit {c.exit_code}")
    if c.reason:
        extra.append(c.reason)
    return f"{c.state} ({', '.join(extra)})" if extra else c.state


def render_ps(containers: Sequence[Container]) -> str:
    """Containers grouped by task, for people."""
    blocks = []
    for task_id, members in group_by_task(containers).items():
        first = members[0]
        head = f"task {task_id}  (cluster {first.cluster or '?'}, task definition {first.task_definition})"
        rows = [(c.container, format_state(c), ", ".join(format_port(p) for p in c.ports), c.health) for c in members]
        body = output.table(("CONTAINER", "STATE", "PORTS", "HEALTH"), rows)
        blocks.append(head + "\n" + "\n".join("  " + line for line in body.splitlines()))
    return "\n\n".join(blocks)


def endpoint_lines(containers: Sequence[Container]) -> list[str]:
    """One line per published port, per service: ``ember  http://IP:PORT`` (``IP:PORT/proto`` if not tcp)."""
    rows: list[tuple[str, str]] = []
    for c in containers:
        for port in c.ports:
            rows.append((c.container, port.endpoint() or f"{format_port(port)} (no address yet)"))
    if not rows:
        return []
    width = max(len(name) for name, _ in rows)
    return [f"{name.ljust(width)}  {where}" for name, where in rows]


# ---------------------------------------------------------------------------------------------- progress


# ---------------------------------------------------------------------------------------------- services


def ps(
    ctx: Context, *, cluster_config: str | None = None, files: Sequence[str] | None = None, all_tasks: bool = False
) -> list[Container]:
    """The project's containers (RUNNING-desired tasks; with ``all_tasks`` stopped ones as well)."""
    target = resolve_target(ctx, cluster_config, files)
    return backend_for(ctx).ps(target, all_tasks=all_tasks)


@dataclass(frozen=True)
class UpOutcome:
    containers: list[Container]
    task_definition: str | None
    replaced: list[str]
    dry_run: bool = False
    kept_running: bool = False  # the task definition was unchanged and the running tasks were kept

    def endpoints(self) -> list[str]:
        return endpoint_lines(self.containers)


def _remaining(deadline: float, timeout: float, what: str) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimedOut(f"timed out after {timeout:g} s ({what})", "raise the limit with --timeout")
    return left


def up(
    ctx: Context,
    *,
    cluster_config: str | None = None,
    files: Sequence[str] | None = None,
    yes: bool = False,
    create_log_groups: bool = False,
    force_update: bool = False,
    timeout: float = DEFAULT_UP_TIMEOUT,
    backend: Backend | None = None,
    running: list[Container] | None = None,
) -> UpOutcome:
    """Start the project's task (replacing running ones when ecs-cli decides to), then prove it runs.

    ``backend`` and ``running`` (its ps, just made): a caller that has listed the running containers
    already (deploy, at the same time as the role check) passes them, so that they are not listed again.
    """
    target = resolve_target(ctx, cluster_config, files)
    from passecs.files.project import service_names  # YAML and the project model: only for up and logs

    services = service_names(ctx.project_dir, target.files)  # a broken compose file stops us here (exit 3)
    guard.confirm(ctx, action="up", cluster_config=cluster_config, yes=yes)
    backend = backend or backend_for(ctx)
    deadline = time.monotonic() + timeout

    if running is None:
        running = backend.ps(target, timeout=_remaining(deadline, timeout, "listing running tasks"))
    if running:
        tasks = group_by_task(running)
        definitions = sorted({c.task_definition for c in running})
        when = "now (--force-update)" if force_update else "if the task definition changed (--force-update: always)"
        output.notice(
            f"{len(tasks)} task(s) of project '{target.project_name}' already run on {_where(ctx, target)} "
            f"({', '.join(tasks)}; {', '.join(definitions)}): up stops and replaces them {when}"
        )

    try:
        report = backend.up(
            target,
            create_log_groups=create_log_groups,
            force_update=force_update,
            timeout=_remaining(deadline, timeout, "before ecs-cli compose up"),
        )
    except TimedOut as exc:
        raise TimedOut(
            f"{exc.message} (ecs-cli was stopped)",
            "tasks may still be starting: check with 'passecs ps'; raise the limit with --timeout SECONDS",
        ) from None
    except Interrupted as exc:
        raise Interrupted(exc.message, "tasks may still be starting: check with 'passecs ps'") from None

    if ctx.dry_run:
        return UpOutcome([], report.task_definition, [], dry_run=True)
    if report.kept_running:
        output.notice("the task definition is unchanged: the running task(s) were kept (--force-update replaces them)")

    # the aws backend has just described the tasks it waited for: that is the check, no second ps; nor
    # when ecs-cli kept tasks the ps before up showed all RUNNING (the answer is known)
    if report.containers is not None:
        containers = report.containers
    elif report.kept_running and running and all(c.running for c in running):
        containers = running
    else:
        containers = backend.ps(target, timeout=_remaining(deadline, timeout, "checking the containers"))
    problems = list(dict.fromkeys(report.failures))
    if not containers and not problems:
        problems.append(f"no task of project '{target.project_name}' is running after up")
    for c in containers:
        if not c.running:
            problems.append(f"container {c.container} of task {c.task_id} is {format_state(c)}, not RUNNING")
    missing = [s for s in services if containers and s not in {c.container for c in containers if c.running}]
    if missing:
        problems.append(f"no RUNNING container for service(s) {', '.join(missing)}")
    if problems:
        reason = "; ".join(problems)
        raise CommandFailed(
            f"up: nothing runs as it should on {_where(ctx, target)}: {reason}",
            advice(reason) or "see why with 'passecs ps --all' (stopped containers show exit code and reason) "
            "and 'passecs logs SERVICE --task-id ID'",
        )
    tasks = group_by_task(containers)
    output.progress(
        f"running: {len(containers)} container(s) in {len(tasks)} task(s) ({', '.join(tasks)}) on {_where(ctx, target)}"
    )
    return UpOutcome(containers, report.task_definition, report.replaced_tasks, kept_running=report.kept_running)


@dataclass(frozen=True)
class DownOutcome:
    stopped_tasks: list[str]
    where: str
    project_name: str
    dry_run: bool = False

    def summary(self) -> str:
        if self.dry_run:
            return ""
        if not self.stopped_tasks:
            return f"nothing of project '{self.project_name}' was running on {self.where}"
        return (
            f"stopped {len(self.stopped_tasks)} task(s) ({', '.join(self.stopped_tasks)}); "
            f"no task of project '{self.project_name}' is left on {self.where}"
        )


def down(
    ctx: Context, *, cluster_config: str | None = None, files: Sequence[str] | None = None, yes: bool = False
) -> DownOutcome:
    """Stop the project's tasks, then check with ps that none is left (running or still stopping)."""
    target = resolve_target(ctx, cluster_config, files)
    guard.confirm(ctx, action="down", cluster_config=cluster_config, yes=yes)
    backend = backend_for(ctx)
    report = backend.down(target)
    where = _where(ctx, target)
    if ctx.dry_run:
        return DownOutcome([], where, target.project_name, dry_run=True)
    left = [c for c in backend.ps(target, all_tasks=True) if c.state != "STOPPED"]
    problems = list(dict.fromkeys(report.failures))
    if left:
        tasks = group_by_task(left)
        problems.append(
            f"{len(tasks)} task(s) of project '{target.project_name}' not stopped: "
            + ", ".join(f"{t} ({'/'.join(sorted({c.state for c in cs}))})" for t, cs in tasks.items())
        )
    if problems:
        reason = "; ".join(problems)
        raise CommandFailed(
            f"down: {reason}", advice(reason) or "run 'passecs down' again, then check 'passecs ps --all'"
        )
    return DownOutcome(report.stopped_tasks, where, target.project_name)


def logs(
    ctx: Context,
    *,
    service: str | None = None,
    cluster_config: str | None = None,
    files: Sequence[str] | None = None,
    task_id: str | None = None,
    follow: bool = False,
    since: int | None = None,
    timestamps: bool = False,
) -> None:
    """Stream the logs of the project's newest running task (or ``task_id``), of one service or all."""
    target = resolve_target(ctx, cluster_config, files)
    if service is not None:
        from passecs.files.project import service_names

        services = service_names(ctx.project_dir, target.files)
        if service not in services:
            raise InvalidInput(
                f"SERVICE {service}: not a service of {', '.join(target.files)} (services: {', '.join(services)})",
                "name one of those services, or leave SERVICE out for all of them",
            )
    if since is not None and since < 0:
        raise InvalidInput(f"--since {since}: must be a number of minutes, 0 or more", "e.g. --since 10")
    backend = backend_for(ctx)
    if not task_id:
        containers = backend.ps(target)
        task_id = newest_running_task(containers)
        if task_id is None:
            raise CommandFailed(
                f"logs: no running task of project '{target.project_name}' on {_where(ctx, target)}",
                "start it with 'passecs up', or give a task id with --task-id (see 'passecs ps --all')",
            )
        if len(group_by_task(containers)) > 1:
            output.notice(f"several tasks run; showing task {task_id} (choose another with --task-id)")
        else:
            output.notice(f"logs of task {task_id}")
    backend.logs(target, task_id=task_id, container=service, follow=follow, since=since, timestamps=timestamps)
