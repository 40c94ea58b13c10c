"""The ecs-cli backend: runs ``ecs-cli`` (in the project directory, through pipes, in UTC) and turns its
logfmt output into records and progress lines."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Sequence

from passecs.backends import LogRequest, UpReport
from passecs.backends.ecscli import argv as ecscli
from passecs.backends.ecscli import parse
from passecs.core import output, tools
from passecs.core.context import Context
from passecs.core.errors import CommandFailed, Interrupted, ParseError
from passecs.core.progress import ProgressView, StateChange
from passecs.core.records import Container, StoppedTask
from passecs.core.runner import Command, Result

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
     ".subnets in ecs-params.yml (PASS_SUBNET_ID in passecs.env)"),
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


class Progress:
    """Turns ecs-cli's log lines into progress lines as they arrive, and remembers what went wrong.

    Called from the process layer's reader thread, so it never raises: a line it cannot read is shown as is.
    """

    def __init__(self, report: UpReport, sink: Callable[[str], None] = output.progress) -> None:
        self.report = report
        self.say = sink  # a ProgressView: container states are StateChange lines
        self._unsupported: list[tuple[str, str]] = []
        self._states: dict[tuple[str, str], str] = {}
        self._said: set[str] = set()

    def __call__(self, line: str) -> None:
        try:
            self.line(line)
        except Exception as exc:  # a reader thread must not die: show the line instead
            self.say(line)
            if not isinstance(exc, ParseError):
                self.say(f"passecs: warning: could not follow ecs-cli's output: {exc}")

    def line(self, line: str) -> None:
        if not parse.is_log_line(line):
            if line.strip():
                self._flush_unsupported()
                self.say(line)
            return
        event = parse.parse_log_line(line)
        pair = parse.unsupported_option(event)
        if pair is not None:
            self._unsupported.append(pair)
            return
        self._flush_unsupported()
        self.event(event)

    def finish(self) -> None:
        self._flush_unsupported()

    def _flush_unsupported(self) -> None:
        if self._unsupported:
            self.say(parse.fold_unsupported(self._unsupported))
            self._unsupported = []

    def _once(self, text: str) -> None:
        if text not in self._said:
            self._said.add(text)
            self.say(text)

    def event(self, event: parse.Event) -> None:
        msg = event.msg
        if event.failed:
            self.report.failures.append(event.reason())
            self.say(f"ecs-cli {event.level}: {event.reason()}")
            return
        if msg == "Using ECS task definition":
            self.report.task_definition = event.get("TaskDefinition")
            self.say(f"task definition {self.report.task_definition}")
        elif msg == "Couldn't run containers":
            reason = event.get("reason") or "no reason given"
            self.report.failures.append(f"ECS could not run the task: {reason}")
            self.say(f"ECS could not run the task: {reason}")
        elif msg == "Found existing ECS tasks for project":
            self.report.kept_running = True
        elif msg == "Updating to new task definition":
            self.report.kept_running = False
            self.say(f"replacing them with {event.get('taskDefinition').rpartition('/')[2]}")
        elif msg in ("Starting container...", "Stopping container..."):
            ref = parse.container_ref(event.get("container"))
            starting = msg.startswith("Starting")
            tasks = self.report.started_tasks if starting else self.report.stopped_tasks
            if ref is not None and ref.task_id not in tasks:
                tasks.append(ref.task_id)
                self.say(f"task {ref.task_id}: {'starting' if starting else 'stopping'}")
        elif "container" in dict(event.fields) and event.get("lastStatus"):
            self._container_state(event)
        elif msg == "Auto-enabling ECS Managed Tags":
            pass  # bookkeeping of ecs-cli's, nothing the operator acts on
        elif event.level == "warning":
            self._once(f"passecs: warning: ecs-cli: {event.reason()}")
        elif event.level == "info":
            fields = " ".join(f"{k}={v}" for k, v in event.fields)
            self._once(f"{msg} {fields}".strip())

    def _container_state(self, event: parse.Event) -> None:
        ref = parse.container_ref(event.get("container"))
        if ref is None:
            return
        state, desired = event.get("lastStatus"), event.get("desiredStatus")
        key = (ref.task_id, ref.name)
        if self._states.get(key) != state:
            self._states[key] = state
            self.say(StateChange(ref.task_id, ref.name, state))
        stopped_unasked = state == "STOPPED" and (desired == "RUNNING" or ref.task_id in self.report.started_tasks)
        if event.msg.startswith("Container seem to have stopped") or stopped_unasked:
            self.report.failures.append(f"container {ref.name} of task {ref.task_id} stopped instead of running")
        elif state == "STOPPED" and ref.task_id not in self.report.replaced_tasks:
            self.report.replaced_tasks.append(ref.task_id)


def _failure(result: Result, what: str, events: Sequence[parse.Event] = ()) -> CommandFailed:
    """A CommandFailed for a failed ecs-cli call: its own fatal/error reason, advice, command and tail."""
    if not events:
        try:
            events, _ = parse.parse_log_lines(result.stdout)
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
        return parse.parse_ps(result.stdout)

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
        with ProgressView(title=what) as view:
            progress = Progress(report, sink=view)
            try:
                result = self.ctx.execute(self.command(argv), timeout=timeout, on_stdout=progress, on_stderr=view)
            finally:
                progress.finish()
        if not result.ok:
            raise _failure(result, what)
        return report

    def stopped_tasks(
        self, target: ecscli.ComposeTarget, task_ids: Sequence[str], *, lines: int = 20
    ) -> list[StoppedTask]:
        """Through the aws CLI: ecs-cli shows neither stop codes nor exit codes nor a stopped task's logs."""
        from passecs.backends.aws import stopped
        from passecs.backends.aws.backend import AwsBackend

        return stopped.stopped_tasks(self.ctx, AwsBackend(self.ctx).target(target), task_ids, lines=lines)

    def previous_task(self, target: ecscli.ComposeTarget) -> str | None:
        """Through the aws CLI: ecs-cli's ps shows no stop times."""
        from passecs.backends.aws import stopped
        from passecs.backends.aws.backend import AwsBackend, task_id

        task = stopped.newest_stopped_task(self.ctx, AwsBackend(self.ctx).target(target), target.project_name)
        return task_id(str(task.get("taskArn"))) if task is not None else None

    def down(self, target: ecscli.ComposeTarget, *, timeout: float | None = None) -> UpReport:
        return self._with_progress(ecscli.compose_down(self.exe, target), "ecs-cli compose down", timeout)

    def stop_tasks(self, target: ecscli.ComposeTarget, task_ids: Sequence[str]) -> None:
        """ecs-cli stops a whole project only: single tasks are stopped through the aws CLI
        (``ecs stop-task``), on the cluster and region of the same cluster configuration."""
        from passecs.backends.aws.backend import AwsBackend

        AwsBackend(self.ctx).stop_tasks(target, task_ids)

    def logs(self, target: ecscli.ComposeTarget, request: LogRequest) -> None:
        if request.labelled is not None and request.container is None:
            self._merged_logs(target, request, request.labelled)
            return
        since = request.since
        if request.start_time is not None:  # ecs-cli counts in whole minutes
            since = _minutes_since(request.start_time)
        argv = ecscli.logs(
            self.exe,
            task_id=request.task_id,
            cluster_config=target.cluster_config,
            container_name=request.container,
            follow=request.follow,
            since=since,
            timestamps=request.timestamps,
        )
        sink = request.sink
        stream = parse.BlankLineFilter()
        errors: list[parse.Event] = []

        def on_line(line: str) -> None:
            # ecs-cli's own failure ("Error executing 'logs': ...") is a logfmt fatal line on stdout
            if line.startswith("time=") and "level=fatal" in line and "Error executing" in line:
                try:
                    errors.append(parse.parse_log_line(line))
                    return
                except ParseError:
                    pass
            shown = stream.feed(line)
            if shown is not None:
                sink(shown)

        result = self.ctx.execute(self.command(argv), mutates=False, on_stdout=on_line)
        if not result.ok:
            raise _failure(result, "ecs-cli logs", errors)

    # ecs-cli's own --follow interval
    follow_interval = 10.0

    def _merged_logs(
        self, target: ecscli.ComposeTarget, request: LogRequest, labelled: Callable[[str, str], None]
    ) -> None:
        """Every container's lines in time order, each with its name: ecs-cli labels none, so one
        ``ecs-cli logs --container-name NAME --timestamps`` per container, merged on the times it prints;
        ``follow`` repeats that every 10 s (as ecs-cli's own --follow does) and shows only new lines."""
        from passecs.files.project import service_names

        names = list(service_names(self.ctx.project_dir, target.files))
        task_id, follow, timestamps = request.task_id, request.follow, request.timestamps
        start = request.start_time  # lines before it are dropped (ecs-cli counts in whole minutes)
        minutes = _minutes_since(start) if start is not None else request.since
        seen: set[tuple[str, str, str]] = set()
        skipped: set[str] = set()
        newest = 0.0
        while True:
            batch: list[tuple[float, int, str, str, str]] = []
            for order, name in enumerate(names):
                if name in skipped:
                    continue
                argv = ecscli.logs(
                    self.exe, task_id=task_id, cluster_config=target.cluster_config, container_name=name,
                    since=minutes, timestamps=True,
                )  # fmt: skip
                result = self.ctx.execute(self.command(argv), mutates=False)
                if not result.ok:
                    failure = _failure(result, "ecs-cli logs")
                    if "not configured to use CloudWatch logs" in failure.message or "log driver" in failure.message:
                        skipped.add(name)
                        output.notice(f"container {name} does not log to CloudWatch: no lines for it")
                        continue
                    raise failure
                batch += [(when, order, name, stamp, text) for when, stamp, text in stamped_lines(result.stdout)]
            batch.sort(key=lambda entry: (entry[0], entry[1]))
            for when, _order, name, stamp, text in batch:
                key = (name, stamp, text)
                if key in seen or (start is not None and when and when < int(start)):
                    continue
                seen.add(key)
                newest = max(newest, when)
                labelled(name, f"{stamp}\t{text}" if timestamps and stamp else text)
            if not follow:
                return
            if newest:  # the next pass asks only for the minutes since the newest line (seen ones are skipped)
                minutes = _minutes_since(newest)
            try:
                time.sleep(self.follow_interval)
            except KeyboardInterrupt:
                raise Interrupted("interrupted") from None


def _minutes_since(start: float) -> int:
    return max(0, math.ceil(round(time.time() - start) / 60))


def stamped_lines(text: str) -> list[tuple[float, str, str]]:
    """``(epoch seconds, stamp, message)`` for each line of ``ecs-cli logs --timestamps`` output (a message's
    continuation lines carry its time and no stamp of their own); 0 when a line has no readable time."""
    from datetime import datetime

    found: list[tuple[float, str, str]] = []
    for line in parse.log_messages(text):
        stamp, tab, message = line.partition("\t")
        when = None
        if tab:
            try:
                when = datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
            except ValueError:
                when = None
        if when is None:  # a continuation line of the previous message
            found.append((found[-1][0] if found else 0.0, "", line))
        else:
            found.append((when, stamp, message))
    return found
