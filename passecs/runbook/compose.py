"""The compose lifecycle: up, ps, logs and down (runbook: "Deploying to ECS and Starting Containers",
"Stopping and Removing Containers From ECS"), and the ecs-cli backend that carries them out.

The services here own the rules that do not depend on how the work is done: the production guard, saying
that ``up`` replaces running tasks, checking after ``up`` that every container runs (ecs-cli exits 0 in
cases where nothing does, SPEC.md §0.3) and after ``down`` that nothing is left, and picking the task whose
logs to show. :class:`EcsCliBackend` runs ``ecs-cli`` and turns its output into records and progress.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from passecs.backends import DEFAULT_UP_TIMEOUT, Backend, LogRequest, UpReport, backend_for
from passecs.backends.ecscli import argv as ecscli
from passecs.backends.ecscli.backend import advice
from passecs.core import output
from passecs.core.context import Context
from passecs.core.errors import CommandFailed, Interrupted, InvalidInput, PassecsError, TimedOut, UsageError
from passecs.core.records import Container, Port
from passecs.files.defaults import DEFAULT_COMPOSE_FILES, ECS_PARAMS_FILE
from passecs.runbook import guard

if TYPE_CHECKING:
    from passecs.runbook.cost import Estimate

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
                f"compose file {path}: " + ("not a regular file" if path.exists() else "no such file"),
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
    from passecs.files.naming import DEPRECATED_VARIABLE, project_name

    project = project_name(ctx.project_name_option, ctx.env, ctx.project_dir, chosen)
    if project.deprecated:
        output.notice(f"{DEPRECATED_VARIABLE} is deprecated: use -p/--project-name or COMPOSE_PROJECT_NAME")
    return ecscli.ComposeTarget(
        files=chosen,
        project_name=project.name,
        ecs_params=ecs_params,
        cluster_config=cluster_config,
        project_name_source=project.source,
    )


def guard_container_secrets(
    ctx: Context, files: Sequence[str] | None, action: str, *, unreadable_ok: bool = False
) -> Context:
    """Stop ``action`` (exit 3, before any call, on either backend: ecs-cli reads env_file itself) when AWS
    keys would reach a container's environment through the compose ``files``; else ``ctx`` masking the
    secrets of the env files too. Every command that registers or runs anything calls this first.

    ``unreadable_ok``: a compose file that cannot be read is left to the caller's own checks (deploy's doctor).
    """
    from passecs.checks import secrets

    try:
        sources = secrets.project_environment(ctx.project_dir, files, ctx.env)
    except InvalidInput:
        if not unreadable_ok:
            raise
        return ctx
    error = secrets.refusal(secrets.aws_credentials(sources), action)
    if error is not None:
        raise error
    return ctx.with_secrets(secrets.secrets_of(sources))


def pin_target(
    ctx: Context, target: ecscli.ComposeTarget, *, action: str, yes: bool
) -> tuple[ecscli.ComposeTarget, str | None]:
    """Resolve the cluster configuration ONCE for a command: the production guard asks about it, and the
    target then names it explicitly (``--cluster-config``), so no later step re-reads a default that may
    have changed meanwhile. Returns the pinned target and the configuration's name."""
    name = guard.confirm(ctx, action=action, cluster_config=target.cluster_config, yes=yes)
    if name and not target.cluster_config:
        target = replace(target, cluster_config=name)
    return target, name


@contextlib.contextmanager
def one_at_a_time(ctx: Context, project_name: str, cluster_config: str | None, action: str) -> Iterator[None]:
    """The lock of mutating commands on this project and cluster configuration (none for --dry-run)."""
    if ctx.dry_run:
        yield
        return
    from passecs.core import locks

    where = cluster_config or "(the default)"
    path = locks.deploy_lock_path(project_name, cluster_config, ctx.ecs_dir)
    with locks.file_lock(
        path,
        f"{action} of project '{project_name}' on cluster configuration '{where}'",
        fix="wait for the other passecs to finish (or stop it), then run the command again",
    ):
        yield


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
    """One line per published port, per service: ``ember  http://IP:PORT`` for a web port, ``IP:PORT`` for
    another tcp port (``IP:PORT/proto`` if not tcp); see :meth:`Port.endpoint`."""
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
    containers = backend_for(ctx).ps(target, all_tasks=all_tasks)
    if not containers:
        output.notice(f"no {'' if all_tasks else 'running '}task of project '{target.project_name}'")
    return containers


@dataclass(frozen=True)
class UpOutcome:
    containers: list[Container]
    task_definition: str | None
    replaced: list[str]
    dry_run: bool = False
    kept_running: bool = False  # the task definition was unchanged and the running tasks were kept
    cost: Estimate | None = None  # what the task costs to run (printed before up starts)

    def endpoints(self) -> list[str]:
        return endpoint_lines(self.containers)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": True,
            "task_definition": self.task_definition,
            "replaced_tasks": list(self.replaced),
            "kept_running": self.kept_running,
            "containers": [c.to_json() for c in self.containers],
            "endpoints": self.endpoints(),
        }


def cost_estimate(ctx: Context, target: ecscli.ComposeTarget, *, region: str | None = None) -> Estimate:
    """The Fargate estimate for ecs-params.yml's task size in the cluster configuration's region (or
    ``region``). Files that cannot be read give no estimate (the step that needs them says why)."""
    from passecs.files.ecs import read_cluster_configurations
    from passecs.files.project import read_ecs_params
    from passecs.runbook import cost

    try:
        params = read_ecs_params(ctx.project_dir / target.ecs_params, ctx.env) if target.ecs_params else None
        chosen = read_cluster_configurations(ctx.ecs_dir).get(target.cluster_config)
    except InvalidInput as exc:
        return dataclasses.replace(cost.estimate(None, None, region), reason=f"cannot read the files: {exc.message}")
    return cost.estimate(
        params.cpu_limit if params is not None else None,
        params.mem_limit if params is not None else None,
        region or (chosen.region if chosen is not None else None),
        launch_type=(chosen.launch_type if chosen is not None else None) or "FARGATE",
    )


def _remaining(deadline: float, timeout: float, what: str) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimedOut(f"timed out after {timeout:g} s ({what})", "raise the limit with --timeout")
    return left


def check_running(
    ctx: Context,
    target: ecscli.ComposeTarget,
    containers: Sequence[Container],
    services: Sequence[str],
    failures: Sequence[str] = (),
    *,
    action: str = "up",
    backend: Backend | None = None,
    report: UpReport | None = None,
    where: str | None = None,
) -> None:
    """After ``up`` (or ``rollback``): every container RUNNING, one for each of ``services``; else a
    DeploymentFailed saying what does not run and why, with the failure verdict (``report``: what the backend
    saw while it waited; the stopped tasks it did not describe are asked for through ``backend``)."""
    problems = list(dict.fromkeys(failures))
    if not containers and not problems:
        problems.append(f"no task of project '{target.project_name}' is running after {action}")
    for c in containers:
        if not c.running:
            problems.append(f"container {c.container} of task {c.task_id} is {format_state(c)}, not RUNNING")
    missing = [s for s in services if containers and s not in {c.container for c in containers if c.running}]
    if missing:
        problems.append(f"no RUNNING container for service(s) {', '.join(missing)}")
    if problems:
        raise _deployment_failed(
            ctx, backend or backend_for(ctx), target, report or UpReport(), containers, problems, action, where
        )
    tasks = group_by_task(containers)
    output.progress(
        f"running: {len(containers)} container(s) in {len(tasks)} task(s) ({', '.join(tasks)}) "
        f"on {where or _where(ctx, target)}"
    )


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
    ctx = guard_container_secrets(ctx, target.files, "up")
    from passecs.runbook.cost import render as render_cost

    estimate = cost_estimate(ctx, target)
    output.notice(render_cost(estimate))
    where = _where(ctx, target)  # how messages name it, before it is pinned
    target, _ = pin_target(ctx, target, action="up", yes=yes)
    output.progress(f"project {target.project_name} (from {target.project_name_source})")
    with one_at_a_time(ctx, target.project_name, target.cluster_config, "up"):
        outcome = _up(ctx, target, services, where, create_log_groups=create_log_groups, force_update=force_update,
                      timeout=timeout, backend=backend, running=running)  # fmt: skip
    return dataclasses.replace(outcome, cost=estimate)


DESIRED_TASKS = 1  # the PASS demo runs as one task


def surplus(containers: Sequence[Container], desired: int = DESIRED_TASKS) -> tuple[list[str], list[str]]:
    """(tasks to keep, tasks to stop) when more than ``desired`` tasks of the project run.

    The same answer wherever it is computed (two ups on two machines agree): the highest task-definition
    revision is kept, then the highest task id; the surplus is listed oldest revision first.
    """
    tasks = group_by_task(containers)
    order = sorted(tasks, key=lambda t: (max(_revision(c.task_definition) for c in tasks[t]), t), reverse=True)
    return order[:desired], list(reversed(order[desired:]))


def _converge(
    backend: Any, target: ecscli.ComposeTarget, where: str, containers: list[Container], deadline: float,
    timeout: float,
) -> list[Container]:  # fmt: skip
    """Exactly the desired number of tasks runs: stop the surplus (another up, on this machine or
    another, started tasks too), and wait for the kept task when it is still starting."""
    keep, stop = surplus(containers)
    if not stop:
        return containers
    tasks = group_by_task(containers)
    output.notice(
        f"{len(tasks)} tasks of project '{target.project_name}' run on {where} (another up at the "
        f"same time?): stopping {', '.join(stop)} so that exactly {DESIRED_TASKS} runs ({', '.join(keep)})"
    )
    backend.stop_tasks(target, stop)
    kept = [c for c in containers if c.task_id in keep]
    poll = float(getattr(backend, "poll", 3.0))
    while not all(c.running for c in kept) and time.monotonic() + poll < deadline:
        time.sleep(poll)
        kept = [c for c in backend.ps(target, timeout=_remaining(deadline, timeout, "waiting")) if c.task_id in keep]
    return kept


def _up(
    ctx: Context,
    target: ecscli.ComposeTarget,
    services: Sequence[str],
    where: str,
    *,
    create_log_groups: bool,
    force_update: bool,
    timeout: float,
    backend: Backend | None = None,
    running: list[Container] | None = None,
) -> UpOutcome:
    backend = backend or backend_for(ctx)
    deadline = time.monotonic() + timeout

    if running is None:
        running = backend.ps(target, timeout=_remaining(deadline, timeout, "listing running tasks"))
    if running:
        tasks = group_by_task(running)
        definitions = sorted({c.task_definition for c in running})
        when = "now (--force-update)" if force_update else "if the task definition changed (--force-update: always)"
        output.notice(
            f"{len(tasks)} task(s) of project '{target.project_name}' already run on {where} "
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
    except Interrupted as exc:  # Ctrl-C, SIGTERM or SIGHUP: the same exit code, with the advice
        raise type(exc)(exc.message, "tasks may still be starting: check with 'passecs ps'") from None
    except CommandFailed as exc:  # e.g. run-task refused: "ECS was unable to assume the role"
        raise _call_failed(exc) from None

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
    if not report.failures:
        containers = _converge(backend, target, where, containers, deadline, timeout)
    check_running(ctx, target, containers, services, report.failures, backend=backend, report=report, where=where)
    return UpOutcome(containers, report.task_definition, report.replaced_tasks, kept_running=report.kept_running)


def _deployment_failed(
    ctx: Context,
    backend: Backend,
    target: ecscli.ComposeTarget,
    report: UpReport,
    containers: Sequence[Container],
    problems: Sequence[str],
    action: str = "up",
    where: str | None = None,
) -> CommandFailed:
    """The failure of up with its verdict: the stopped tasks (as the backend described them, else asked for
    now), each container's exit code, AWS's reasons and last log lines, and the likely fixes."""
    from passecs.runbook import verdict

    reason = "; ".join(problems)
    stopped, notes = report.stopped, []
    if stopped is None:
        ids = list(dict.fromkeys([*report.started_tasks, *(c.task_id for c in containers if not c.running)]))
        try:
            stopped = backend.stopped_tasks(target, ids) if ids else []
        except PassecsError as exc:
            stopped = []
            notes.append(f"could not describe the stopped task(s) {', '.join(ids)}: {exc.message}")
    found = verdict.diagnose(stopped, problems, notes)
    fix = "\n".join(f"{f.cause}: {f.fix}" for f in found.fixes) or advice(reason) or (
        "see why with 'passecs ps --all' (stopped containers show exit code and reason) "
        "and 'passecs logs --previous'"
    )
    return verdict.DeploymentFailed(
        f"{action}: nothing runs as it should on {where or _where(ctx, target)}: {reason}", found, fix
    )


def _call_failed(exc: CommandFailed) -> CommandFailed:
    """A failed ecs-cli/aws call during up, with the verdict's likely fix when it knows the cause."""
    from passecs.runbook import verdict

    found = verdict.diagnose([], [exc.message])
    if not found.fixes or isinstance(exc, verdict.DeploymentFailed):
        return exc
    fix = "\n".join(f"{f.cause}: {f.fix}" for f in found.fixes)
    return verdict.DeploymentFailed(exc.message, found, fix, detail=exc.detail)


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


DEFAULT_DOWN_TIMEOUT = 600.0


def down(
    ctx: Context,
    *,
    cluster_config: str | None = None,
    files: Sequence[str] | None = None,
    yes: bool = False,
    timeout: float = DEFAULT_DOWN_TIMEOUT,
) -> DownOutcome:
    """Stop the project's tasks, then check with ps that none is left (running or still stopping)."""
    target = resolve_target(ctx, cluster_config, files)
    where = _where(ctx, target)
    target, _ = pin_target(ctx, target, action="down", yes=yes)
    with one_at_a_time(ctx, target.project_name, target.cluster_config, "down"):
        return _down(ctx, target, where, timeout)


def _down(ctx: Context, target: ecscli.ComposeTarget, where: str, timeout: float) -> DownOutcome:
    backend = backend_for(ctx)
    try:
        report = backend.down(target, timeout=timeout)
    except TimedOut as exc:
        raise TimedOut(
            f"{exc.message} (down was stopped)",
            "tasks may still be stopping: check with 'passecs ps --all'; raise the limit with --timeout SECONDS",
        ) from None
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


_SINCE = re.compile(r"(\d+)\s*(s|m|min|h|d)?", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_since(value: str | int, now: float) -> float:
    """``--since``: ``10m``, ``2h``, ``30s``, ``1d``, a bare number of minutes (ecs-cli's own form) or an
    ISO time (``2026-12-01T08:30``, UTC unless it names its zone) -> the epoch seconds it means."""
    text = str(value).strip()
    match = _SINCE.fullmatch(text)
    if match:
        unit = (match.group(2) or "m").lower()
        return now - int(match.group(1)) * _UNIT_SECONDS[unit]
    from datetime import datetime, timezone

    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        raise UsageError(
            f"--since {text}: not a duration or a time",
            "e.g. --since 10m, --since 2h, --since 30 (minutes) or --since 2026-12-01T08:30:00Z",
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    if when.timestamp() > now:
        raise UsageError(f"--since {text}: is in the future", "give a time in the past, or a duration such as 10m")
    return when.timestamp()


def logs(
    ctx: Context,
    *,
    service: str | None = None,
    cluster_config: str | None = None,
    files: Sequence[str] | None = None,
    task_id: str | None = None,
    follow: bool = False,
    since: int | str | None = None,
    timestamps: bool = False,
    previous: bool = False,
) -> None:
    """Stream the logs of the project's newest running task (or ``task_id``, or with ``previous`` its most
    recently stopped task): of one service, or of all, each line prefixed by its container's name."""
    target = resolve_target(ctx, cluster_config, files)
    from passecs.files.project import service_names

    services = service_names(ctx.project_dir, target.files)
    if service is not None and service not in services:
        raise InvalidInput(
            f"SERVICE {service}: not a service of {', '.join(target.files)} (services: {', '.join(services)})",
            "name one of those services, or leave SERVICE out for all of them",
        )
    if previous and task_id:
        raise UsageError("--previous and --task-id: give one of them", "--previous picks the newest stopped task")
    minutes = since if isinstance(since, int) else None
    start_time = None
    if isinstance(since, str):
        if since.strip().isdigit():
            minutes = int(since)
        else:
            start_time = parse_since(since, time.time())
    if minutes is not None and minutes < 0:
        raise InvalidInput(f"--since {since}: must be a number of minutes, 0 or more", "e.g. --since 10")
    from passecs.checks import secrets

    # the containers may print what their environment holds: mask the env files' secrets in their lines
    ctx = ctx.with_secrets(secrets.secrets_of(secrets.project_environment(ctx.project_dir, target.files, ctx.env)))
    backend = backend_for(ctx)
    if previous:
        task_id = backend.previous_task(target)
        if task_id is None:
            raise CommandFailed(
                f"logs --previous: no stopped task of project '{target.project_name}' on {_where(ctx, target)}",
                "ECS keeps stopped tasks for about an hour; see 'passecs ps --all'",
            )
        output.notice(f"logs of task {task_id} (the most recently stopped)")
    elif not task_id:
        containers = backend.ps(target)
        task_id = newest_running_task(containers)
        if task_id is None:
            raise CommandFailed(
                f"logs: no running task of project '{target.project_name}' on {_where(ctx, target)}",
                "start it with 'passecs up', give a task id with --task-id (see 'passecs ps --all'), "
                "or read the last stopped task's with --previous",
            )
        if len(group_by_task(containers)) > 1:
            output.notice(f"several tasks run; showing task {task_id} (choose another with --task-id)")
        else:
            output.notice(f"logs of task {task_id}")
    labelled = output.LabelledLines(services) if service is None else None
    backend.logs(target, LogRequest(
        task_id=task_id, container=service, follow=follow, since=minutes, timestamps=timestamps,
        start_time=start_time, labelled=labelled,
    ))  # fmt: skip
