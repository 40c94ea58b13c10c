"""The compose lifecycle: up, ps, logs and down (runbook: "Deploying to ECS and Starting Containers",
"Stopping and Removing Containers From ECS"), and the ecs-cli backend that carries them out.

The services here own the rules that do not depend on how the work is done: the production guard, saying
that ``up`` replaces running tasks, checking after ``up`` that every container runs (ecs-cli exits 0 in
cases where nothing does, SPEC.md §0.3) and after ``down`` that nothing is left, and picking the task whose
logs to show. :class:`EcsCliBackend` runs ``ecs-cli`` and turns its output into records and progress.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from passecs import ecscli, guard, output, tools
from passecs.context import Context
from passecs.defaults import DEFAULT_COMPOSE_FILES, ECS_PARAMS_FILE
from passecs.errors import CommandFailed, Interrupted, InvalidInput, ParseError, TimedOut
from passecs.parse import (
    Event,
    LogStream,
    container_ref,
    fold_unsupported,
    is_log_line,
    parse_log_line,
    parse_log_lines,
    parse_ps,
    unsupported_option,
)
from passecs.records import Container, Port
from passecs.runner import Command, Result

if TYPE_CHECKING:
    from passecs.awsbackend import Target as AwsTarget

DEFAULT_UP_TIMEOUT = 900.0

# What to do about ecs-cli's own failure messages (matched on the reason text, first match wins).
_ADVICE: tuple[tuple[str, str], ...] = (
    (r"Cluster Configuration .* could not be found", "list the cluster configurations with 'passecs config show'; "
     "create one with 'passecs configure cluster NAME --cluster CLUSTER --region REGION'"),
    (r"ECS Profile .* could not be found", "create the profile with 'passecs configure profile NAME --default'"),
    (r"Unsupported Docker Compose version", "set version: '2' (or '3') in every compose file: ecs-cli accepts "
     "no version, 2, 3 and 3.0 only"),
    (r"Compose files must be of the same version", "give every compose file the same version"),
    (r"Error unmarshalling yaml|yaml: line", "fix the YAML syntax of the compose file named above"),
    (r"no such file or directory", "run passecs in the folder with the compose files (-C DIR), or name them with -f"),
    (r"at least one subnet is required", "list a subnet under run_params.network_configuration.awsvpc_configuration"
     ".subnets in ecs-params.yml (PASS_SUBNET_ID in .env)"),
    (r"requires network (configuration|mode)", "use the project's ecs-params.yml (awsvpc network mode with "
     "subnets and security groups)"),
    (r"NoCredentialProviders|no valid providers in chain", "set up credentials: 'passecs configure profile NAME "
     "--default', or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
    (r"Set a region", "give the cluster configuration a region ('passecs configure cluster ... --region REGION')"),
    (r"ClusterNotFoundException|is not active", "create the cluster first (runbook: 'ECS Cluster Configuration'), "
     "or target another configuration with -c NAME"),
    (r"log group does not exist", "create the log group: 'passecs up --create-log-groups'"),
    (r"Could Not Find Task", "list the tasks with 'passecs ps --all'"),
    (r"RESOURCE:MEMORY|RESOURCE:CPU", "the cluster has no room for the task: lower mem_limit/cpu_limit in "
     "ecs-params.yml or free capacity"),
    (r"flag provided but not defined", "this ecs-cli does not know that flag: check 'ecs-cli --version' (1.21.0 "
     "expected)"),
)


def advice(reason: str) -> str | None:
    for pattern, fix in _ADVICE:
        if re.search(pattern, reason):
            return fix
    return None


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
        from passecs.ecsfiles import read_cluster_configurations

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


class Progress:
    """Turns ecs-cli's log lines into progress lines as they arrive, and remembers what went wrong.

    Called from the process layer's reader thread, so it never raises: a line it cannot read is shown as is.
    """

    def __init__(self, report: UpReport) -> None:
        self.report = report
        self._unsupported: list[tuple[str, str]] = []
        self._states: dict[tuple[str, str], str] = {}
        self._said: set[str] = set()

    def __call__(self, line: str) -> None:
        try:
            self.line(line)
        except Exception as exc:  # a reader thread must not die: show the line instead
            output.progress(line)
            if not isinstance(exc, ParseError):
                output.warning(f"could not follow ecs-cli's output: {exc}")

    def line(self, line: str) -> None:
        if not is_log_line(line):
            if line.strip():
                self._flush_unsupported()
                output.progress(line)
            return
        event = parse_log_line(line)
        pair = unsupported_option(event)
        if pair is not None:
            self._unsupported.append(pair)
            return
        self._flush_unsupported()
        self.event(event)

    def finish(self) -> None:
        self._flush_unsupported()

    def _flush_unsupported(self) -> None:
        if self._unsupported:
            output.progress(fold_unsupported(self._unsupported))
            self._unsupported = []

    def _once(self, text: str) -> None:
        if text not in self._said:
            self._said.add(text)
            output.progress(text)

    def event(self, event: Event) -> None:
        msg = event.msg
        if event.failed:
            self.report.failures.append(event.reason())
            output.progress(f"ecs-cli {event.level}: {event.reason()}")
            return
        if msg == "Using ECS task definition":
            self.report.task_definition = event.get("TaskDefinition")
            output.progress(f"task definition {self.report.task_definition}")
        elif msg == "Couldn't run containers":
            reason = event.get("reason") or "no reason given"
            self.report.failures.append(f"ECS could not run the task: {reason}")
            output.progress(f"ECS could not run the task: {reason}")
        elif msg == "Found existing ECS tasks for project":
            self.report.kept_running = True
        elif msg == "Updating to new task definition":
            self.report.kept_running = False
            output.progress(f"replacing them with {event.get('taskDefinition').rpartition('/')[2]}")
        elif msg in ("Starting container...", "Stopping container..."):
            ref = container_ref(event.get("container"))
            starting = msg.startswith("Starting")
            tasks = self.report.started_tasks if starting else self.report.stopped_tasks
            if ref is not None and ref.task_id not in tasks:
                tasks.append(ref.task_id)
                output.progress(f"task {ref.task_id}: {'starting' if starting else 'stopping'}")
        elif "container" in dict(event.fields) and event.get("lastStatus"):
            self._container_state(event)
        elif msg == "Auto-enabling ECS Managed Tags":
            pass  # bookkeeping of ecs-cli's, nothing the operator acts on
        elif event.level == "warning":
            self._once(f"passecs: warning: ecs-cli: {event.reason()}")
        elif event.level == "info":
            fields = " ".join(f"{k}={v}" for k, v in event.fields)
            self._once(f"{msg} {fields}".strip())

    def _container_state(self, event: Event) -> None:
        ref = container_ref(event.get("container"))
        if ref is None:
            return
        state, desired = event.get("lastStatus"), event.get("desiredStatus")
        key = (ref.task_id, ref.name)
        if self._states.get(key) != state:
            self._states[key] = state
            output.progress(f"  {ref.name:<12} {state:<10} task {ref.task_id}")
        stopped_unasked = state == "STOPPED" and (desired == "RUNNING" or ref.task_id in self.report.started_tasks)
        if event.msg.startswith("Container seem to have stopped") or stopped_unasked:
            self.report.failures.append(f"container {ref.name} of task {ref.task_id} stopped instead of running")
        elif state == "STOPPED" and ref.task_id not in self.report.replaced_tasks:
            self.report.replaced_tasks.append(ref.task_id)


# ---------------------------------------------------------------------------------------------- backend


def _failure(result: Result, what: str, events: Sequence[Event] = ()) -> CommandFailed:
    """A CommandFailed for a failed ecs-cli call: its own fatal/error reason, advice, command and tail."""
    if not events:
        try:
            events, _ = parse_log_lines(result.stdout)
        except ParseError:
            events = []
    failed = [e for e in events if e.failed]
    if failed:
        fatal = [e for e in failed if e.level == "fatal"]
        reason = (fatal or failed)[-1].reason()
    elif result.exit_code == 2 and "panic:" in result.stderr:
        reason = "ecs-cli crashed (Go panic)"
    else:
        lines = [line for line in (result.stderr + result.stdout).splitlines() if line.strip()]
        reason = lines[0].strip() if lines else "no output"
    detail = f"command: {result.command.display()} (exit {result.exit_code})"
    return CommandFailed(f"{what} failed: {result.command.masked(reason)}", advice(reason), detail=detail)


class EcsCliBackend:
    """Carries out the compose lifecycle with ``ecs-cli`` (runs in the project directory, pipes, UTC)."""

    name = "ecs-cli"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._exe: str | None = None

    @property
    def exe(self) -> str:
        if self._exe is None:
            self._exe = tools.require(tools.ECS_CLI, self.ctx.env)
        return self._exe

    def command(self, argv: tuple[str, ...]) -> Command:
        return Command(argv, cwd=str(self.ctx.project_dir), unset=ecscli.SCRUBBED_VARIABLES)

    def ps(
        self, target: ecscli.ComposeTarget, *, all_tasks: bool = False, timeout: float | None = None
    ) -> list[Container]:
        argv = ecscli.compose_ps(self.exe, target, desired_status=None if all_tasks else "RUNNING")
        result = self.ctx.execute(self.command(argv), mutates=False, timeout=timeout)
        if not result.ok:
            raise _failure(result, "ecs-cli compose ps")
        return parse_ps(result.stdout)

    def up(
        self,
        target: ecscli.ComposeTarget,
        *,
        create_log_groups: bool = False,
        force_update: bool = False,
        timeout: float | None = None,
    ) -> UpReport:
        argv = ecscli.compose_up(self.exe, target, create_log_groups=create_log_groups, force_update=force_update)
        return self._with_progress(argv, "ecs-cli compose up", timeout)

    def _with_progress(self, argv: tuple[str, ...], what: str, timeout: float | None) -> UpReport:
        """Run a lifecycle command, showing its progress live and remembering what went wrong."""
        report = UpReport()
        progress = Progress(report)
        try:
            result = self.ctx.execute(
                self.command(argv), timeout=timeout, on_stdout=progress, on_stderr=output.progress
            )
        finally:
            progress.finish()
        if not result.ok:
            raise _failure(result, what)
        return report

    def down(self, target: ecscli.ComposeTarget, *, timeout: float | None = None) -> UpReport:
        return self._with_progress(ecscli.compose_down(self.exe, target), "ecs-cli compose down", timeout)

    def logs(
        self,
        target: ecscli.ComposeTarget,
        *,
        task_id: str,
        container: str | None = None,
        follow: bool = False,
        since: int | None = None,
        timestamps: bool = False,
        sink: Callable[[str], None] = output.result,
    ) -> None:
        argv = ecscli.logs(
            self.exe,
            task_id=task_id,
            cluster_config=target.cluster_config,
            container_name=container,
            follow=follow,
            since=since,
            timestamps=timestamps,
        )
        stream = LogStream()
        errors: list[Event] = []

        def on_line(line: str) -> None:
            # ecs-cli's own failure ("Error executing 'logs': ...") is a logfmt fatal line on stdout
            if line.startswith("time=") and "level=fatal" in line and "Error executing" in line:
                try:
                    errors.append(parse_log_line(line))
                    return
                except ParseError:
                    pass
            shown = stream.feed(line)
            if shown is not None:
                sink(shown)

        result = self.ctx.execute(self.command(argv), mutates=False, on_stdout=on_line)
        if not result.ok:
            raise _failure(result, "ecs-cli logs", errors)


class AwsBackend:
    """Carries out the compose lifecycle through the aws CLI alone (:mod:`passecs.awsbackend`): the same
    task-definition family and task group as ecs-cli, so either backend sees and stops the other's tasks."""

    name = "aws"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        # ecs-cli's own interval against AWS; the local emulator moves a step every 0.3 s
        self.poll = 0.3 if ctx.local else 6.0
        # the running tasks the last ps described: up (which compose.up runs right after ps) reuses them
        self._running: list[dict[str, Any]] | None = None

    def target(self, compose_target: ecscli.ComposeTarget) -> AwsTarget:
        from passecs import awsbackend
        from passecs.ecsfiles import read_cluster_configurations

        configs = read_cluster_configurations(self.ctx.ecs_dir)
        chosen = configs.get(compose_target.cluster_config)
        if chosen is None:
            name = compose_target.cluster_config or "(default)"
            raise InvalidInput(
                f"cluster configuration {name} not found in {self.ctx.ecs_dir / 'config'}",
                "create it with 'passecs configure cluster NAME --cluster CLUSTER --region R --default'",
            )
        return awsbackend.Target.from_configuration(chosen)

    def ps(
        self, target: ecscli.ComposeTarget, *, all_tasks: bool = False, timeout: float | None = None
    ) -> list[Container]:
        from passecs import awsbackend

        tasks, containers = awsbackend.ps_with_tasks(
            self.ctx, self.target(target), target.project_name, all_tasks=all_tasks, warn=output.warning
        )
        self._running = None if all_tasks else tasks
        return containers

    def up(
        self,
        target: ecscli.ComposeTarget,
        *,
        create_log_groups: bool = False,
        force_update: bool = False,
        timeout: float | None = None,
    ) -> UpReport:
        from passecs import awsbackend
        from passecs.project import load_project

        project = load_project(self.ctx.project_dir, list(target.files), self.ctx.env, target.ecs_params)
        result = awsbackend.up(
            self.ctx,
            project,
            self.target(target),
            target.project_name,
            create_log_groups_first=create_log_groups,
            force_update=force_update,
            timeout=timeout if timeout is not None else DEFAULT_UP_TIMEOUT,
            poll_interval=self.poll,
            on_progress=output.progress,
            warn=output.warning,
            running=self._running,
        )
        self._running = None
        return UpReport(
            task_definition=result.task_definition,
            started_tasks=result.started_tasks,
            replaced_tasks=result.replaced_tasks,
            kept_running=result.kept_running,
            containers=None if self.ctx.dry_run else result.containers,
        )

    def down(self, target: ecscli.ComposeTarget, *, timeout: float | None = None) -> UpReport:
        from passecs import awsbackend

        stopped = awsbackend.down(
            self.ctx,
            self.target(target),
            target.project_name,
            timeout=timeout if timeout is not None else 600.0,
            poll_interval=self.poll,
            on_progress=output.progress,
        )
        return UpReport(stopped_tasks=stopped)

    def logs(
        self,
        target: ecscli.ComposeTarget,
        *,
        task_id: str,
        container: str | None = None,
        follow: bool = False,
        since: int | None = None,
        timestamps: bool = False,
        sink: Callable[[str], None] = output.result,
    ) -> None:
        from passecs import awsbackend

        awsbackend.logs(
            self.ctx,
            self.target(target),
            target.project_name,
            sink=sink,
            service=container,
            task=task_id,
            follow=follow,
            since_minutes=since,
            timestamps=timestamps,
            poll_interval=min(self.poll * 3, 2.0),
        )


Backend = EcsCliBackend | AwsBackend


def backend_for(ctx: Context) -> Backend:
    """The backend chosen by --backend / PASSECS_BACKEND (ecs-cli when installed, else aws)."""
    if ctx.backend == "aws":
        if ctx.backend_defaulted:
            output.notice("ecs-cli not found: using the aws backend (choose with --backend or PASSECS_BACKEND)")
        return AwsBackend(ctx)
    return EcsCliBackend(ctx)


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
) -> UpOutcome:
    """Start the project's task (replacing running ones when ecs-cli decides to), then prove it runs."""
    target = resolve_target(ctx, cluster_config, files)
    from passecs.project import service_names  # YAML and the project model: only for up and logs

    services = service_names(ctx.project_dir, target.files)  # a broken compose file stops us here (exit 3)
    guard.confirm(ctx, action="up", cluster_config=cluster_config, yes=yes)
    backend = backend_for(ctx)
    deadline = time.monotonic() + timeout

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

    # the aws backend has just described the tasks it waited for: that is the check, no second ps
    containers = (
        report.containers
        if report.containers is not None
        else backend.ps(target, timeout=_remaining(deadline, timeout, "checking the containers"))
    )
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
        from passecs.project import service_names

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
