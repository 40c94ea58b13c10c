"""The compose lifecycle (up, ps, logs, down) through the aws CLI alone, as ecs-cli does it.

Tasks are started the way ``ecs-cli compose up`` starts them (family = project name, ``group`` =
``task:<project>``), so either backend lists and stops the other's tasks; ps returns the same
:class:`passecs.core.records.Container` records as the ecs-cli backend's ps (ports from the task definition's
port mappings for awsvpc tasks, the public IP of a running Fargate task's network interface, else its
private IP, no address while PENDING/PROVISIONING).

Every aws call goes through :mod:`passecs.backends.aws.calls` (``ctx.execute``: ``--dry-run``, ``--verbose`` and
masking hold). Calls are kept few: each costs ~0.4 s of aws CLI start-up.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from typing import TYPE_CHECKING, Any

from passecs.backends import DEFAULT_UP_TIMEOUT, LogRequest, UpReport
from passecs.backends.aws import calls as awscli
from passecs.backends.aws.taskdef import build_task_definition, differs
from passecs.core import output, waiting
from passecs.core.context import gather, in_background
from passecs.core.errors import CommandFailed, Interrupted, InvalidInput, ParseError, PassecsError, TimedOut
from passecs.core.progress import ProgressView, StateChange
from passecs.core.records import Container, Port, StoppedTask
from passecs.files.compose import container_awslogs

if TYPE_CHECKING:
    from passecs.backends.ecscli.argv import ComposeTarget
    from passecs.core.context import Context
    from passecs.files.project import EcsParams, Project

Sink = Callable[[str], None]

PENDING_STATES = ("PROVISIONING", "PENDING", "ACTIVATING")
_BATCH = 100  # describe-tasks and describe-network-interfaces take at most 100 ids


class NotLooked:
    """Stands for an answer nobody has asked AWS for yet (None would mean "asked: there is none")."""


NOT_LOOKED = NotLooked()


@dataclass(frozen=True)
class Target:
    """Where the tasks run: the cluster, its region and the launch type (a cluster configuration)."""

    cluster: str
    region: str | None = None
    launch_type: str = "FARGATE"

    @classmethod
    def from_configuration(cls, configuration: Any) -> Target:
        """From a :class:`passecs.files.ecs.ClusterConfiguration`."""
        return cls(configuration.cluster, configuration.region or None, configuration.launch_type or "FARGATE")


@dataclass(frozen=True)
class Network:
    """``run_params.network_configuration.awsvpc_configuration`` of ecs-params.yml."""

    subnets: tuple[str, ...]
    security_groups: tuple[str, ...] = ()
    assign_public_ip: str | None = None

    def to_api(self) -> dict[str, Any]:
        config: dict[str, Any] = {"subnets": list(self.subnets), "securityGroups": list(self.security_groups)}
        if self.assign_public_ip:
            config["assignPublicIp"] = self.assign_public_ip
        return {"awsvpcConfiguration": config}


def network_from_project(project: Project) -> Network | None:
    return network_from_params(project.ecs_params)


def network_from_params(params: EcsParams | None) -> Network | None:
    """ecs-params.yml's awsvpc configuration, None when it has none."""
    if params is None or not (params.subnets or params.security_groups or params.assign_public_ip):
        return None
    return Network(params.subnets, params.security_groups, params.assign_public_ip)


@dataclass
class UpResult:
    task_definition: str  # family:revision
    registered: bool  # a new revision was registered
    started_tasks: list[str] = field(default_factory=list)  # task ids
    replaced_tasks: list[str] = field(default_factory=list)
    kept_running: bool = False
    containers: list[Container] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# aws calls (one place, so they can move to awscli wholesale)


def _call(
    ctx: Context, target: Target, service: str, operation: str, *args: str, mutates: bool = False, note: str = ""
) -> Any:
    call = awscli.aws_call(service, operation, *args, region=target.region, note=note)
    data = awscli.call_json(ctx, call, mutates=mutates)
    if data is None and ctx.dry_run and mutates:
        return {}
    return data


def _dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ParseError(f"{what}: expected a JSON object, got {type(value).__name__}")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ParseError(f"{what}: expected a JSON list, got {type(value).__name__}")
    return value


def task_id(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def family_revision(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _list_tasks(ctx: Context, target: Target, family: str, desired: str) -> list[str]:
    data = _call(
        ctx, target, "ecs", "list-tasks", "--cluster", target.cluster, "--family", family, "--desired-status", desired
    )
    return [str(a) for a in _list(_dict(data, "ecs list-tasks").get("taskArns"), "taskArns")]


def _describe_tasks(ctx: Context, target: Target, arns: Sequence[str]) -> list[dict[str, Any]]:
    tasks: list[dict[str, Any]] = []
    for start in range(0, len(arns), _BATCH):
        data = _call(
            ctx, target, "ecs", "describe-tasks", "--cluster", target.cluster, "--tasks", *arns[start : start + _BATCH]
        )
        tasks += [
            _dict(t, "ecs describe-tasks task") for t in _list(_dict(data, "ecs describe-tasks").get("tasks"), "tasks")
        ]
    return tasks


def project_tasks(
    ctx: Context, target: Target, project_name: str, *, desired: Sequence[str] = ("RUNNING",)
) -> list[dict[str, Any]]:
    """The project's tasks (family = project, group ``task:<project>`` or legacy startedBy), in
    ``desired`` order as ecs-cli lists them."""
    return project_tasks_and_addresses(ctx, target, project_name, desired=desired)[0]


def project_tasks_and_addresses(
    ctx: Context,
    target: Target,
    project_name: str,
    *,
    desired: Sequence[str] = ("RUNNING",),
    network: Network | None = None,
) -> tuple[list[dict[str, Any]], Addresses | None]:
    """:func:`project_tasks`, and, when the project's ``network`` is known and tasks are listed, the
    public addresses of the network interfaces in it (:func:`_addresses_in`), asked while the tasks are
    described: the two questions are independent, and the tasks' interfaces are usually among them."""
    arns: list[str] = []
    listed = gather(*(partial(_list_tasks, ctx, target, project_name, status) for status in desired))
    for found in listed:
        arns += [a for a in found if a not in arns]
    if not arns:
        return [], None
    addresses: Addresses | None = None
    if network is not None and network.subnets:
        described, addresses = gather(
            lambda: _describe_tasks(ctx, target, arns), lambda: _addresses_in(ctx, target, network)
        )
    else:
        described = _describe_tasks(ctx, target, arns)
    group = f"task:{project_name}"
    return [t for t in described if t.get("group") == group or t.get("startedBy") == project_name], addresses


def describe_task_definition(ctx: Context, target: Target, name: str) -> dict[str, Any] | None:
    """The task definition (family, family:revision or ARN); None when there is none."""
    try:
        data = _call(ctx, target, "ecs", "describe-task-definition", "--task-definition", name)
    except awscli.AwsCallFailed as exc:
        text = exc.failure.message
        if exc.failure.kind is awscli.FailureKind.NO_SUCH_ENTITY or "Unable to describe task definition" in text:
            return None
        if exc.failure.code == "ClientException" and "not exist" in text.lower():
            return None
        raise
    return _dict(_dict(data, "ecs describe-task-definition").get("taskDefinition"), "taskDefinition")


def revision_number(arn: str) -> int:
    """The revision of ``...:task-definition/family:7`` (or ``family:7``); 0 when there is none."""
    _, _, number = family_revision(arn).rpartition(":")
    return int(number) if number.isdigit() else 0


def list_revisions(ctx: Context, target: Target, family: str) -> list[str]:
    """The ARNs of the family's ACTIVE revisions, newest first (``--family-prefix`` is a prefix: other
    families that start with the same name are left out)."""
    data = _call(ctx, target, "ecs", "list-task-definitions", "--family-prefix", family, "--sort", "DESC")
    arns = [str(a) for a in _list(_dict(data, "ecs list-task-definitions").get("taskDefinitionArns"), "arns")]
    ours = [a for a in arns if family_revision(a).rpartition(":")[0] == family]
    return sorted(ours, key=revision_number, reverse=True)


def _interfaces(tasks: Iterable[Mapping[str, Any]], *, running_only: bool = True) -> dict[str, str]:
    """network interface id -> task ARN, for the attached interfaces of (running) Fargate tasks."""
    eni_task: dict[str, str] = {}
    for task in tasks:
        if task.get("launchType") != "FARGATE" or (running_only and task.get("lastStatus") != "RUNNING"):
            continue
        for attachment in task.get("attachments") or []:
            if attachment.get("type") == "ElasticNetworkInterface" and attachment.get("status") == "ATTACHED":
                for detail in attachment.get("details") or []:
                    if detail.get("name") == "networkInterfaceId":
                        eni_task[str(detail.get("value"))] = str(task.get("taskArn"))
    return eni_task


Addresses = dict[str, str]  # network interface id -> its public IP ("" when it has none)
_ADDRESSES_MAX = 100  # a network with more interfaces than this is asked by interface id


def _addresses_in(ctx: Context, target: Target, network: Network) -> Addresses | None:
    """The public IPs of the network interfaces in ``network``'s subnets with its security groups (where
    ECS attaches the project's Fargate tasks' interfaces); None when the answer is partial or failed: the
    caller then asks by interface id, as before (a read, so a failure here costs nothing but that)."""
    filters = [f"Name=subnet-id,Values={','.join(network.subnets)}"]
    if network.security_groups:
        filters.append(f"Name=group-id,Values={','.join(network.security_groups)}")
    try:
        data = _dict(
            _call(
                ctx, target, "ec2", "describe-network-interfaces", "--filters", *filters,
                "--max-items", str(_ADDRESSES_MAX),
            ),
            "ec2 describe-network-interfaces",
        )  # fmt: skip
        enis = _list(data.get("NetworkInterfaces"), "NetworkInterfaces")
    except CommandFailed:
        return None
    if data.get("NextToken"):  # more than _ADDRESSES_MAX: not all of them, so not conclusive
        return None
    return {
        str(eni.get("NetworkInterfaceId")): str(((eni.get("Association") or {}).get("PublicIp")) or "")
        for eni in enis
        if isinstance(eni, Mapping)
    }


def _public_ips(
    ctx: Context,
    target: Target,
    tasks: Iterable[Mapping[str, Any]],
    warn: Sink | None,
    *,
    interfaces: dict[str, str] | None = None,
    addresses: Addresses | None = None,
) -> dict[str, str]:
    """task ARN -> public IP of its network interface, for running Fargate tasks (as ecs-cli's ps);
    ``interfaces`` (id -> task ARN) instead of those of ``tasks``; ``addresses``: interfaces whose public
    IP is known already (only the others are asked)."""
    eni_task = interfaces if interfaces is not None else _interfaces(tasks)
    known = addresses or {}
    found = {arn: known[eni] for eni, arn in eni_task.items() if known.get(eni)}
    ids = [eni for eni in eni_task if eni not in known]
    if not ids:
        return found
    try:
        for start in range(0, len(ids), _BATCH):
            data = _call(
                ctx,
                target,
                "ec2",
                "describe-network-interfaces",
                "--network-interface-ids",
                *ids[start : start + _BATCH],
            )
            for eni in _list(
                _dict(data, "ec2 describe-network-interfaces").get("NetworkInterfaces"), "NetworkInterfaces"
            ):
                ip = ((eni or {}).get("Association") or {}).get("PublicIp")
                if ip and eni.get("NetworkInterfaceId") in eni_task:
                    found[eni_task[eni["NetworkInterfaceId"]]] = str(ip)
    except CommandFailed as exc:  # as ecs-cli: not fatal, the private IP is shown instead
        if warn is not None:
            warn(f"could not describe the network interfaces; showing private IPs ({exc.message})")
    return found


# --------------------------------------------------------------------------------------------------
# records


def to_records(
    tasks: Sequence[Mapping[str, Any]],
    definitions: Mapping[str, Mapping[str, Any]],
    public_ips: Mapping[str, str],
    cluster: str,
) -> list[Container]:
    """One record per container, as ``ecs-cli compose ps`` shows it."""
    records = []
    for task in tasks:
        arn = str(task.get("taskArn", ""))
        status = str(task.get("lastStatus", ""))
        definition = definitions.get(str(task.get("taskDefinitionArn", ""))) or {}
        mappings = {
            str(c.get("name")): c.get("portMappings") or [] for c in definition.get("containerDefinitions") or []
        }
        for container in task.get("containers") or []:
            name = str(container.get("name", ""))
            interfaces = container.get("networkInterfaces") or []
            ports: tuple[Port, ...]
            if interfaces:  # awsvpc: bindings from the task definition
                ip: str | None = interfaces[0].get("privateIpv4Address")
                if task.get("launchType") == "FARGATE" and public_ips.get(arn):
                    ip = public_ips[arn]
                if status in PENDING_STATES or status == "STOPPED":
                    ip = None
                bindings = mappings.get(name, [])
            else:
                ip = None
                bindings = container.get("networkBindings") or []
            ports = tuple(
                Port(
                    container_port=int(b.get("containerPort", 0)),
                    host_port=int(b["hostPort"]) if b.get("hostPort") is not None else None,
                    protocol=str(b.get("protocol") or "tcp"),
                    ip=ip if interfaces else (b.get("bindIP") or None),
                )
                for b in bindings
            )
            state = str(container.get("lastStatus", ""))
            stopped = state == "STOPPED"
            exit_code = container.get("exitCode")
            records.append(
                Container(
                    cluster=cluster,
                    task_id=task_id(arn),
                    container=name,
                    state=state,
                    task_definition=family_revision(str(task.get("taskDefinitionArn", ""))),
                    ports=ports,
                    health=str(container.get("healthStatus") or ""),
                    exit_code=int(exit_code) if stopped and exit_code is not None else None,
                    reason=(str(container["reason"]) if stopped and container.get("reason") else None),
                )
            )
    return records


def _records(
    ctx: Context,
    target: Target,
    tasks: Sequence[Mapping[str, Any]],
    definitions: dict[str, dict[str, Any]] | None = None,
    warn: Sink | None = None,
    learnt: dict[str, dict[str, Any]] | None = None,
    public_ips: Mapping[str, str] | None = None,
    addresses: Addresses | None = None,
) -> list[Container]:
    """The records of ``tasks``: ``definitions`` (by ARN) are known already; the others are described and,
    when ``learnt`` is given, added to it. ``public_ips`` (task ARN -> IP): known already, not asked;
    ``addresses``: the interfaces' public IPs known already (the others are asked)."""
    definitions = dict(definitions or {})
    arns = dict.fromkeys(str(t.get("taskDefinitionArn", "")) for t in tasks)
    missing = [arn for arn in arns if arn and arn not in definitions]

    def describe_missing() -> dict[str, dict[str, Any]]:
        found = {arn: describe_task_definition(ctx, target, arn) for arn in missing}
        return {arn: definition for arn, definition in found.items() if definition is not None}

    def ask_public_ips() -> Mapping[str, str]:
        return public_ips if public_ips is not None else _public_ips(ctx, target, tasks, warn, addresses=addresses)

    # the task definitions and the network interfaces are independent questions: asked at once
    described, ips = gather(describe_missing, ask_public_ips)
    definitions.update(described)
    if learnt is not None:
        learnt.update(described)
    return to_records(tasks, definitions, ips, target.cluster)


# --------------------------------------------------------------------------------------------------
# ps


def ps(
    ctx: Context, target: Target, project_name: str, *, all_tasks: bool = False, warn: Sink | None = None
) -> list[Container]:
    """The project's containers; with ``all_tasks`` the stopped tasks too (after the running ones)."""
    return ps_with_tasks(ctx, target, project_name, all_tasks=all_tasks, warn=warn)[1]


def ps_with_tasks(
    ctx: Context, target: Target, project_name: str, *, all_tasks: bool = False, warn: Sink | None = None
) -> tuple[list[dict[str, Any]], list[Container]]:
    """:func:`ps`, and the described tasks behind it (so that an ``up`` right after need not list them again)."""
    return ps_with_definition(ctx, target, project_name, all_tasks=all_tasks, warn=warn, look_up_family=False)[:2]


def ps_with_definition(
    ctx: Context,
    target: Target,
    project_name: str,
    *,
    all_tasks: bool = False,
    warn: Sink | None = None,
    look_up_family: bool = True,
    definitions: dict[str, dict[str, Any]] | None = None,
    network: Network | None = None,
) -> tuple[list[dict[str, Any]], list[Container], dict[str, Any] | NotLooked | None]:
    """:func:`ps_with_tasks`, and the family's latest task definition (None: there is none), looked up at
    the same time as the tasks are listed: ``up`` compares it with the compose files, and when the tasks
    run it (as after a deploy) ps needs no describe-task-definition of its own.

    ``definitions`` (by ARN): task definitions known already; every one described here is added to it.
    ``network``: the project's (ecs-params.yml): its interfaces' public IPs are asked while the tasks are
    described, so that ps takes two rounds of calls, not three.
    """
    desired = ("RUNNING", "STOPPED") if all_tasks else ("RUNNING",)
    latest: dict[str, Any] | NotLooked | None = NOT_LOOKED

    def tasks_and_addresses() -> tuple[list[dict[str, Any]], Addresses | None]:
        return project_tasks_and_addresses(ctx, target, project_name, desired=desired, network=network)

    if look_up_family:
        (tasks, addresses), latest = gather(
            tasks_and_addresses, lambda: describe_task_definition(ctx, target, project_name)
        )
    else:
        tasks, addresses = tasks_and_addresses()
    known = definitions if definitions is not None else {}
    if isinstance(latest, dict):
        known[str(latest["taskDefinitionArn"])] = latest
    return tasks, _records(ctx, target, tasks, known, warn=warn, learnt=known, addresses=addresses), latest


# --------------------------------------------------------------------------------------------------
# up


def _schedule(schedule: waiting.Backoff | None, poll_interval: float | None) -> waiting.Backoff:
    """The wait's schedule: the one given, else a fixed ``poll_interval`` when named, else the default."""
    if schedule is not None:
        return schedule
    return waiting.Backoff.fixed(poll_interval) if poll_interval is not None else waiting.DEFAULT


def _sleep(seconds: float) -> None:
    try:
        time.sleep(seconds)
    except KeyboardInterrupt:
        raise Interrupted("interrupted while waiting for the tasks") from None


class TasksStopped(CommandFailed):
    """A task stopped while up waited for it to run; ``tasks``: the stopped tasks as describe-tasks showed them."""

    def __init__(
        self, message: str, fix: str | None = None, *, detail: str | None = None, tasks: Sequence[dict[str, Any]] = ()
    ) -> None:
        super().__init__(message, fix, detail=detail)
        self.tasks = list(tasks)


class RunTaskFailed(CommandFailed):
    """run-task started no task; the message lists its placement failures (e.g. RESOURCE:MEMORY)."""


def _wait(
    ctx: Context,
    target: Target,
    arns: Sequence[str],
    *,
    until: str,
    timeout: float,
    poll_interval: float | None = None,
    on_progress: Sink | None,
    schedule: waiting.Backoff | None = None,
    on_look: Callable[[list[dict[str, Any]]], None] | None = None,
    before_look: Callable[[], None] | None = None,
) -> list[dict[str, Any]]:
    """describe-tasks until every task's lastStatus is ``until``; a task that stops first is a failure.

    The first look is one interval after the call (run-task and stop-task have just said how the tasks
    are), then on ``schedule`` (:data:`passecs.core.waiting.DEFAULT`: 1 s, backing off to 5 s; a fixed
    ``poll_interval`` when one is named); it returns on the look that shows every task ``until``.
    ``before_look`` is called as each look starts, ``on_look`` with what it saw.
    """
    seen: dict[tuple[str, str], str] = {}
    pacer = waiting.Pacer(timeout, _schedule(schedule, poll_interval), sleep=_sleep, look_first=False)
    while True:
        pacer.wait()
        if before_look is not None:
            before_look()
        tasks = _describe_tasks(ctx, target, arns)
        if on_look is not None:
            on_look(tasks)
        for task in tasks:
            for container in task.get("containers") or []:
                key = (task_id(str(task.get("taskArn"))), str(container.get("name")))
                state = str(container.get("lastStatus"))
                if seen.get(key) != state:
                    seen[key] = state
                    if on_progress is not None:  # a line that carries its fields (core.progress renders it)
                        on_progress(StateChange(key[0], key[1], state))
        if until == "RUNNING":
            for task in tasks:
                if task.get("lastStatus") == "STOPPED" or task.get("desiredStatus") == "STOPPED":
                    reason = task.get("stoppedReason") or "no reason given"
                    stopped = [
                        f"{c.get('name')}: {c.get('reason')}" for c in task.get("containers") or [] if c.get("reason")
                    ]
                    fix = "see `passecs ps --all` and the task's logs; fix the cause and run up again"
                    if "log group does not exist" in str(reason):
                        fix = "create the log groups the compose files name: up (or deploy) --create-log-groups"
                    raise TasksStopped(
                        f"task {task_id(str(task.get('taskArn')))} stopped instead of running: {reason}",
                        fix,
                        detail="\n".join(stopped) or None,
                        tasks=[t for t in tasks if "STOPPED" in (t.get("lastStatus"), t.get("desiredStatus"))],
                    )
        if len(tasks) == len(arns) and all(t.get("lastStatus") == until for t in tasks):
            return tasks
        if pacer.expired():
            states = ", ".join(f"{task_id(str(t.get('taskArn')))}: {t.get('lastStatus')}" for t in tasks)
            raise TimedOut(
                f"tasks not {until} after {timeout:g} s ({states})",
                "raise the limit with --timeout, or look at the tasks in the AWS console",
            )


def log_groups(definition: Mapping[str, Any], region: str | None) -> list[tuple[str, str | None]]:
    """The awslogs groups of a task definition with their regions, in first-seen order (a container
    without a group, or with another log driver, names none)."""
    groups: dict[tuple[str, str | None], None] = {}
    for container in definition.get("containerDefinitions") or []:
        awslogs = container_awslogs(container) if isinstance(container, Mapping) else None
        if awslogs is not None:
            groups[(awslogs.group, awslogs.region or region)] = None
    return list(groups)


def create_log_groups(ctx: Context, target: Target, definition: Mapping[str, Any], on_progress: Sink | None) -> None:
    """``--create-log-groups``: each awslogs group of the task definition, in its own region."""
    for group, region in log_groups(definition, target.region):
        where = Target(target.cluster, region, target.launch_type)
        try:
            try:
                _call(ctx, where, "logs", "create-log-group", "--log-group-name", group, mutates=True)
            except awscli.AmbiguousOutcome:  # a second create answers "already exists" if the first one did
                _call(ctx, where, "logs", "create-log-group", "--log-group-name", group, mutates=True)
            if on_progress is not None:
                on_progress(f"created log group {group} in {region}")
        except awscli.AwsCallFailed as exc:
            if exc.failure.code != "ResourceAlreadyExistsException":
                raise


def _same_revision(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return str(a.get("taskDefinitionArn", "")) == str(b.get("taskDefinitionArn", ""))


def client_token() -> str:
    """A new idempotency token for one up attempt: ``run-task --client-token`` (AWS starts the task once
    per token) and the ``--started-by`` mark that finds the task again when run-task's answer is lost."""
    import uuid

    return uuid.uuid4().hex


def started_by(token: str) -> str:
    return f"passecs-{token[:28]}"


def tasks_started_by(ctx: Context, target: Target, mark: str) -> list[str]:
    """The task ARNs (running or stopped) whose startedBy is ``mark``."""
    arns: list[str] = []
    for status in ("RUNNING", "STOPPED"):
        data = _call(
            ctx, target, "ecs", "list-tasks", "--cluster", target.cluster, "--started-by", mark,
            "--desired-status", status,
        )  # fmt: skip
        arns += [str(a) for a in _list(_dict(data, "ecs list-tasks").get("taskArns"), "taskArns") if a not in arns]
    return arns


def stop_tasks(ctx: Context, target: Target, arns: Sequence[str], say: Sink | None = None) -> None:
    """stop-task for each task (an ARN or id); a lost answer is checked with describe-tasks."""
    for arn in arns:

        def stopped(arn: str = arn) -> dict[str, Any] | None:
            found = _describe_tasks(ctx, target, [arn])
            return {"task": found[0]} if found and found[0].get("desiredStatus") == "STOPPED" else None

        awscli.carry_out(
            f"stopping task {task_id(arn)}",
            lambda arn=arn: _call(  # type: ignore[misc]
                ctx, target, "ecs", "stop-task", "--cluster", target.cluster, "--task", arn, mutates=True
            ),
            stopped,
            say,
        )


def register_if_changed(
    ctx: Context,
    target: Target,
    definition: Mapping[str, Any],
    *,
    latest: dict[str, Any] | NotLooked | None = NOT_LOOKED,
) -> tuple[dict[str, Any], bool]:
    """The latest revision of the family when it equals ``definition``, else a newly registered one.

    ``latest``: the family's latest revision when the caller has just looked it up (None: there is none).
    """
    if isinstance(latest, NotLooked):
        latest = describe_task_definition(ctx, target, str(definition["family"]))
    family = str(definition["family"])
    if latest is not None and not differs(definition, latest):
        return latest, False

    def registered_meanwhile() -> dict[str, Any] | None:
        # the registration may have been carried out: the family's latest revision is then this definition
        found = describe_task_definition(ctx, target, family)
        if found is None or differs(definition, found) or (latest is not None and _same_revision(found, latest)):
            return None
        return {"taskDefinition": found}

    # the definition carries the containers' environment: a private file, never the command line
    with awscli.json_input(definition, secrets=ctx.secrets()) as document:
        data = awscli.carry_out(
            f"registering task definition {family}",
            lambda: _call(
                ctx, target, "ecs", "register-task-definition", "--cli-input-json", document.uri, mutates=True,
                note=document.note,
            ),
            registered_meanwhile,
        )  # fmt: skip
    registered = _dict(data, "ecs register-task-definition").get("taskDefinition")
    if registered is None and ctx.dry_run:
        return {**definition, "taskDefinitionArn": f"{definition['family']}:(new)"}, True
    return _dict(registered, "taskDefinition"), True


def check_network(target: Target, definition: Mapping[str, Any], network: Network | None) -> None:
    """Fargate needs awsvpc, and awsvpc needs a subnet (ecs-cli's checks before run-task)."""
    awsvpc = definition.get("networkMode") == "awsvpc"
    if target.launch_type == "FARGATE" and not awsvpc:
        raise InvalidInput(
            "Launch Type FARGATE requires network mode to be 'awsvpc'. Set network mode using an ECS Params file.",
            "set task_definition.ecs_network_mode: awsvpc in ecs-params.yml",
        )
    if awsvpc and (network is None or not network.subnets):
        raise InvalidInput(
            "at least one subnet is required in the network configuration",
            "list subnets under run_params.network_configuration.awsvpc_configuration in ecs-params.yml",
        )


def start_task_definition(
    ctx: Context,
    target: Target,
    project_name: str,
    definition: Mapping[str, Any],
    *,
    running: Sequence[Mapping[str, Any]],
    network: Network | None,
    timeout: float = 900.0,
    poll_interval: float | None = None,
    on_progress: Sink | None = None,
    warn: Sink | None = None,
    schedule: waiting.Backoff | None = None,
) -> UpResult:
    """Stop the ``running`` tasks, start one task of the registered ``definition`` as ecs-cli does (group
    ``task:<project>``, the cluster's launch type, the awsvpc network), wait until it runs: ``up``'s second
    half, and ``rollback``'s whole work."""
    say = on_progress or (lambda _line: None)
    check_network(target, definition, network)
    awsvpc = definition.get("networkMode") == "awsvpc"
    arn = str(definition.get("taskDefinitionArn", ""))
    revision = family_revision(arn)
    result = UpResult(task_definition=revision, registered=False)
    definitions = {arn: dict(definition)}
    if running:
        for task in running:
            say(f"stopping task {task_id(str(task.get('taskArn')))} (replaced by {revision})")
            stop_tasks(ctx, target, [str(task.get("taskArn"))], say)
            result.replaced_tasks.append(task_id(str(task.get("taskArn"))))

    token = client_token()  # one per up attempt: a lost answer is looked up, a re-run cannot start a second task
    mark = started_by(token)
    args = ["--cluster", target.cluster, "--task-definition", arn, "--count", "1", "--group", f"task:{project_name}"]
    if target.launch_type:
        args += ["--launch-type", target.launch_type]
    if awsvpc and network is not None:
        args += ["--network-configuration", json.dumps(network.to_api())]
    args += ["--started-by", mark, "--client-token", token]

    def started_meanwhile() -> dict[str, Any] | None:
        found = tasks_started_by(ctx, target, mark)
        return {"tasks": [{"taskArn": a} for a in found], "failures": []} if found else None

    data = _dict(
        awscli.carry_out(
            f"starting a task of {revision}",
            lambda: _call(ctx, target, "ecs", "run-task", *args, mutates=True),
            started_meanwhile,
            say,
        ),
        "ecs run-task",
    )
    if ctx.dry_run:
        return result
    failures = [
        f"{f.get('reason')}" + (f" ({f.get('detail')})" if f.get("detail") else "") for f in data.get("failures") or []
    ]
    arns = [str(t.get("taskArn")) for t in _list(data.get("tasks"), "tasks")]
    if failures or not arns:
        raise RunTaskFailed(
            f"Couldn't run containers: {', '.join(failures) or 'run-task started no task'}",
            "check the cluster's capacity and the task size in ecs-params.yml",
        )
    result.started_tasks = [task_id(a) for a in arns]
    for task_arn in arns:
        say(f"started task {task_id(task_arn)} ({revision})")
    public_ips = _EarlyPublicIps(ctx, target, warn)
    # another up (another machine) may have started tasks meanwhile: they are listed too, so that the
    # caller sees every running task of the project and can stop the surplus
    who_else = _WhoElseRuns(ctx, target, project_name, _list(data.get("tasks"), "tasks"))

    def look(tasks: list[dict[str, Any]]) -> None:
        public_ips.look(tasks)
        who_else.look(tasks)

    try:
        tasks = _wait(
            ctx, target, arns, until="RUNNING", timeout=timeout, poll_interval=poll_interval, on_progress=say,
            schedule=schedule, on_look=look, before_look=who_else.before_look,
        )  # fmt: skip
    except PassecsError:
        who_else.drop()  # the wait failed: no list is needed, none is left running
        raise
    others = [a for a in who_else.result() if a not in arns]
    if others:
        group = f"task:{project_name}"
        described = _describe_tasks(ctx, target, others)
        tasks += [t for t in described if t.get("group") == group or t.get("startedBy") == project_name]
    result.containers = _records(ctx, target, tasks, definitions, warn, public_ips=public_ips.result(tasks))
    return result


def up(
    ctx: Context,
    project: Project,
    target: Target,
    project_name: str,
    *,
    create_log_groups_first: bool = False,
    force_update: bool = False,
    network: Network | None = None,
    task_role_arn: str | None = None,
    timeout: float = 900.0,
    poll_interval: float | None = None,
    on_progress: Sink | None = None,
    warn: Sink | None = None,
    running: Sequence[Mapping[str, Any]] | None = None,
    schedule: waiting.Backoff | None = None,
    latest: dict[str, Any] | NotLooked | None = NOT_LOOKED,
    running_containers: Sequence[Container] | None = None,
) -> UpResult:
    """``ecs-cli compose up`` through aws: register when changed, (re)start the project's task, wait.

    ``network`` replaces ecs-params.yml's awsvpc configuration (the local rehearsal's own subnet and
    security group; the file is never changed). A task that stops or never starts raises CommandFailed
    with its stopped reason; a run-task failure (``RESOURCE:MEMORY``...) too.
    """
    say = on_progress or (lambda _line: None)
    definition = build_task_definition(
        project, project_name, launch_type=target.launch_type, task_role_arn=task_role_arn
    )
    network = network or network_from_project(project)
    check_network(target, definition, network)

    # what the caller has just asked AWS need not be asked again: ``running`` (the project's RUNNING tasks
    # as described), ``running_containers`` (their records), ``latest`` (the family's latest revision);
    # what is missing is asked at once (the two questions are independent)
    if running is None:
        if isinstance(latest, NotLooked):
            found, latest = gather(
                lambda: project_tasks(ctx, target, project_name),
                lambda: describe_task_definition(ctx, target, str(definition["family"])),
            )
        else:
            found = project_tasks(ctx, target, project_name)
        running = found
        running_containers = None
    running = list(running)
    registered_def, registered = register_if_changed(ctx, target, definition, latest=latest)
    arn = str(registered_def.get("taskDefinitionArn", ""))
    revision = family_revision(arn)
    say(f"{'registered' if registered else 'using'} task definition {revision}")
    keep = bool(running) and not force_update and all(t.get("taskDefinitionArn") == arn for t in running)
    if create_log_groups_first and not keep:  # tasks that run this revision have their log groups
        create_log_groups(ctx, target, registered_def, say)

    result = UpResult(task_definition=revision, registered=registered)
    definitions = {arn: registered_def}
    if running:
        same = all(t.get("taskDefinitionArn") == arn for t in running)
        if same and not force_update:
            say(f"{len(running)} task(s) of {project_name} already run {revision}: nothing to do")
            result.kept_running = True
            result.containers = (
                list(running_containers)
                if running_containers is not None
                else _records(ctx, target, running, definitions, warn)
            )
            return result
    started = start_task_definition(
        ctx,
        target,
        project_name,
        registered_def,
        running=running,
        network=network,
        timeout=timeout,
        poll_interval=poll_interval,
        schedule=schedule,
        on_progress=say,
        warn=warn,
    )
    started.registered = registered
    return started


class _WhoElseRuns:
    """The project's RUNNING tasks as the wait ends, for the convergence check after it: listed together
    with each look once every new task is past PROVISIONING (any of the next looks may be the one that
    sees them RUNNING), so that the check costs no call after the wait. Before that, nothing is listed:
    a Fargate task spends most of its start in PROVISIONING. A list taken alongside a look that did not
    end the wait is dropped; the wait's rate stays one look (two calls) per interval, see
    :mod:`passecs.core.waiting`."""

    def __init__(self, ctx: Context, target: Target, project_name: str, started: Sequence[Any]) -> None:
        self.ctx, self.target, self.project_name = ctx, target, project_name
        self.armed = self._past_provisioning(started)  # run-task's answer: the tasks as they are now
        self.listing: Callable[[], list[str]] | None = None

    @staticmethod
    def _past_provisioning(tasks: Sequence[Any]) -> bool:
        return bool(tasks) and all(
            isinstance(t, Mapping) and t.get("lastStatus") in ("PENDING", "ACTIVATING", "RUNNING") for t in tasks
        )

    def _list(self) -> list[str]:
        return _list_tasks(self.ctx, self.target, self.project_name, "RUNNING")

    def before_look(self) -> None:
        self.drop()
        if self.armed:
            self.listing = in_background(self._list)

    def look(self, tasks: list[dict[str, Any]]) -> None:
        self.armed = self._past_provisioning(tasks)

    def drop(self) -> None:
        if self.listing is not None:  # the look it went with did not end the wait: its answer is stale
            listing, self.listing = self.listing, None
            with contextlib.suppress(PassecsError):
                listing()

    def result(self) -> list[str]:
        """The list taken with the look that ended the wait, else one taken now."""
        if self.listing is not None:
            listing, self.listing = self.listing, None
            return listing()
        return self._list()


class _EarlyPublicIps:
    """The public IPs of tasks being started, asked while the wait goes on: a Fargate task's network
    interface is attached (with its public IP) before the task runs, and stays while it runs. Asked once,
    in the background, on the first look that shows every new task's interface attached; so the look that
    sees the tasks RUNNING is not followed by one more call."""

    def __init__(self, ctx: Context, target: Target, warn: Sink | None) -> None:
        self.ctx, self.target, self.warn = ctx, target, warn
        self.interfaces: dict[str, str] | None = None
        self.answer: Callable[[], dict[str, str]] | None = None

    def look(self, tasks: list[dict[str, Any]]) -> None:
        if self.answer is not None or any(t.get("launchType") != "FARGATE" for t in tasks):
            return
        interfaces = _interfaces(tasks, running_only=False)
        if len(set(interfaces.values())) == len(tasks):  # every task has its interface
            self.interfaces = interfaces
            self.answer = in_background(
                lambda: _public_ips(self.ctx, self.target, tasks, self.warn, interfaces=interfaces)
            )

    def result(self, tasks: list[dict[str, Any]]) -> dict[str, str] | None:
        """The answer, when it was asked about the interfaces the running ``tasks`` have and gave every
        task its public IP (one may come a moment after its interface); else None: asked the usual way."""
        if self.answer is None or self.interfaces != _interfaces(tasks):
            return None
        try:
            ips = self.answer()
        except PassecsError:
            return None
        return ips if len(ips) == len(tasks) else None


# --------------------------------------------------------------------------------------------------
# down


def down(
    ctx: Context,
    target: Target,
    project_name: str,
    *,
    timeout: float = 600.0,
    poll_interval: float | None = None,
    on_progress: Sink | None = None,
    schedule: waiting.Backoff | None = None,
) -> list[str]:
    """Stop every running task of the project and wait until they are STOPPED; the stopped task ids."""
    say = on_progress or (lambda _line: None)
    tasks = project_tasks(ctx, target, project_name)
    arns = [str(t.get("taskArn")) for t in tasks]
    for arn in arns:
        say(f"stopping task {task_id(arn)}")
        stop_tasks(ctx, target, [arn], say)
    if arns and not ctx.dry_run:
        _wait(
            ctx, target, arns, until="STOPPED", timeout=timeout, poll_interval=poll_interval, on_progress=say,
            schedule=schedule,
        )
    return [task_id(a) for a in arns]


# --------------------------------------------------------------------------------------------------
# logs


@dataclass(frozen=True)
class LogStream:
    container: str
    group: str
    region: str | None
    stream: str


def log_streams(definition: Mapping[str, Any], task: str, service: str | None, region: str | None) -> list[LogStream]:
    """The awslogs streams ``<prefix>/<container>/<task id>`` of a task (of one container with ``service``)."""
    containers = [c for c in definition.get("containerDefinitions") or [] if isinstance(c, Mapping)]
    names = [str(c.get("name")) for c in containers]
    if service is not None and service not in names:
        revision = family_revision(str(definition.get("taskDefinitionArn", "")))
        raise InvalidInput(
            f"{service}: not a container of task definition {revision}",
            f"name one of: {', '.join(names)}",
        )
    streams = []
    for container in containers:
        name = str(container.get("name"))
        if service is not None and name != service:
            continue
        awslogs = container_awslogs(container)
        if awslogs is None:
            continue
        stream = awslogs.stream(name, task)
        if stream is None:
            raise InvalidInput(
                f"Container {name}: ECS CLI Requires Log Stream Prefix (awslogs-stream-prefix) to be specified.",
                "set logging.options.awslogs-stream-prefix in the compose file",
            )
        streams.append(LogStream(name, awslogs.group, awslogs.region or region, stream))
    if not streams:
        raise InvalidInput(
            "no container of this task logs to CloudWatch (driver awslogs)",
            "add a `logging: driver: awslogs` section to the services in docker-compose-ecs.yml",
        )
    return streams


def format_event(event: Mapping[str, Any], timestamps: bool) -> str:
    message = str(event.get("message", "")).rstrip("\n")
    if not timestamps:
        return message
    stamp = datetime.fromtimestamp(int(event.get("timestamp", 0)) / 1000, tz=timezone.utc)
    return f"{stamp.strftime('%Y-%m-%dT%H:%M:%SZ')}\t{message}"


def logs(
    ctx: Context,
    target: Target,
    project_name: str,
    *,
    sink: Sink,
    service: str | None = None,
    task: str | None = None,
    follow: bool = False,
    since_minutes: int | None = None,
    timestamps: bool = False,
    poll_interval: float | None = None,
    should_stop: Callable[[], bool] | None = None,
    start_ms: int | None = None,
    labelled: Callable[[str, str], None] | None = None,
    schedule: waiting.Backoff | None = None,
    described: Sequence[Mapping[str, Any]] = (),
    definitions: Mapping[str, Mapping[str, Any]] | None = None,
) -> int:
    """Print the task's log lines through ``sink`` (the newest running task of the project by default).

    With ``follow``, polls until ``should_stop()`` or Ctrl-C (Interrupted, exit 130): on ``schedule`` (1 s,
    backing off to 5 s while nothing new comes, back to 1 s when lines arrive). Returns the number of
    lines printed. ``start_ms`` (epoch milliseconds) replaces ``since_minutes``; with ``labelled`` each
    line goes there with its container's name instead of to ``sink``. ``described`` (tasks) and
    ``definitions`` (by ARN): what the caller has just asked AWS.
    """
    if task is None:
        running = project_tasks(ctx, target, project_name)
        if not running:
            raise CommandFailed(
                f"no running task of project {project_name} on cluster {target.cluster}",
                "start it with `passecs up`, or name a task with --task-id",
            )
        newest = max(running, key=lambda t: (str(t.get("startedAt") or ""), str(t.get("createdAt") or "")))
        definition_arn = str(newest.get("taskDefinitionArn"))
        task = task_id(str(newest.get("taskArn")))
    else:
        found: Sequence[Mapping[str, Any]] = [
            t for t in described if task in (task_id(str(t.get("taskArn"))), str(t.get("taskArn")))
        ]
        found = found or _describe_tasks(ctx, target, [task])
        if not found:
            raise InvalidInput(f"--task-id {task}: no such task on cluster {target.cluster}", "see `passecs ps --all`")
        definition_arn = str(found[0].get("taskDefinitionArn"))
    known = (definitions or {}).get(definition_arn)
    definition = dict(known) if known is not None else describe_task_definition(ctx, target, definition_arn)
    if definition is None:
        raise CommandFailed(f"task definition {definition_arn} not found", "see `passecs ps --all`")
    streams = log_streams(definition, task, service, target.region)

    start = int((time.time() - since_minutes * 60) * 1000) if since_minutes is not None else None
    start = start_ms if start_ms is not None else start
    container_of = {s.stream: s.container for s in streams}
    seen: set[str] = set()
    printed = 0
    pacer = waiting.Pacer(float("inf"), _schedule(schedule, poll_interval), sleep=_sleep)
    while True:
        pacer.wait()
        before = printed
        events: list[dict[str, Any]] = []
        by_group: dict[tuple[str, str | None], list[str]] = {}
        for s in streams:
            by_group.setdefault((s.group, s.region), []).append(s.stream)
        for (group, region), names in by_group.items():
            args = ["--log-group-name", group, "--log-stream-names", *names]
            if start is not None:
                args += ["--start-time", str(start)]
            where = Target(target.cluster, region, target.launch_type)
            try:
                data = _call(ctx, where, "logs", "filter-log-events", *args)
            except awscli.AwsCallFailed as exc:
                if exc.failure.kind is not awscli.FailureKind.NO_SUCH_ENTITY:
                    raise
                continue  # the streams appear when the containers start
            events += [
                _dict(e, "log event") for e in _list(_dict(data, "logs filter-log-events").get("events"), "events")
            ]
        events.sort(key=lambda e: (int(e.get("timestamp", 0)), str(e.get("eventId", ""))))
        for event in events:
            key = str(
                event.get("eventId") or (event.get("logStreamName"), event.get("timestamp"), event.get("message"))
            )
            if key in seen:
                continue
            seen.add(key)
            if labelled is not None:
                name = container_of.get(str(event.get("logStreamName")), str(event.get("logStreamName")))
                labelled(name, format_event(event, timestamps))
            else:
                sink(format_event(event, timestamps))
            printed += 1
            start = max(start or 0, int(event.get("timestamp", 0)))
        if not follow or (should_stop is not None and should_stop()):
            return printed
        if printed > before:
            pacer.reset()


# --------------------------------------------------------------------------------------------------
# the backend


class AwsBackend:
    """Carries out the compose lifecycle through the aws CLI alone : the same
    task-definition family and task group as ecs-cli, so either backend sees and stops the other's tasks."""

    name = "aws"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        # what the last ps learnt: up (which compose.up runs right after ps) reuses it instead of asking again
        self._running: list[dict[str, Any]] | None = None
        self._containers: list[Container] | None = None
        self._latest: dict[str, Any] | NotLooked | None = NOT_LOOKED
        self._definitions: dict[str, dict[str, Any]] = {}  # by ARN: every task definition described

    def target(self, compose_target: ComposeTarget) -> Target:
        from passecs.files.ecs import read_cluster_configurations

        configs = read_cluster_configurations(self.ctx.ecs_dir)
        chosen = configs.get(compose_target.cluster_config)
        if chosen is None:
            name = compose_target.cluster_config or "(default)"
            raise InvalidInput(
                f"cluster configuration {name} not found in {self.ctx.ecs_dir / 'config'}",
                "create it with 'passecs configure cluster NAME --cluster CLUSTER --region R --default'",
            )
        return Target.from_configuration(chosen)

    def ps(
        self, target: ComposeTarget, *, all_tasks: bool = False, timeout: float | None = None
    ) -> list[Container]:
        # with the tasks, the family's latest task definition: the one up compares with the compose files,
        # and, when the tasks run it, the one ps needs for their ports (asked at once, never twice)
        tasks, containers, latest = ps_with_definition(
            self.ctx,
            self.target(target),
            target.project_name,
            all_tasks=all_tasks,
            warn=output.warning,
            look_up_family=not all_tasks,
            definitions=self._definitions,
            network=self._network(target),
        )
        self._running, self._containers, self._latest = (
            (None, None, NOT_LOOKED) if all_tasks else (tasks, containers, latest)
        )
        return containers

    def _network(self, target: ComposeTarget) -> Network | None:
        """ecs-params.yml's network (where the project's tasks have their interfaces); None without one, or
        when the file does not read: ps does not need it, it only saves a round of calls."""
        if not target.ecs_params:
            return None
        from passecs.files.project import read_ecs_params

        try:
            params = read_ecs_params(self.ctx.project_dir / target.ecs_params, self.ctx.env)
        except PassecsError:
            return None
        network = network_from_params(params)
        if params.unset_variables or network is None or not all(network.subnets):
            return None  # a subnet id from an unset variable: nothing to filter by
        return network

    def up(
        self,
        target: ComposeTarget,
        *,
        create_log_groups: bool = False,
        force_update: bool = False,
        timeout: float | None = None,
    ) -> UpReport:
        from passecs.files.project import load_project

        project = load_project(self.ctx.project_dir, list(target.files), self.ctx.env, target.ecs_params)
        for text in dict.fromkeys(n.message for n in project.warnings):  # as ecs-cli warns, before registering
            output.warning(text)
        try:
            with ProgressView(title="up") as view:
                result = up(
                    self.ctx,
                    project,
                    self.target(target),
                    target.project_name,
                    create_log_groups_first=create_log_groups,
                    force_update=force_update,
                    timeout=timeout if timeout is not None else DEFAULT_UP_TIMEOUT,
                    on_progress=view,
                    warn=output.warning,
                    running=self._running,
                    latest=self._latest,
                    running_containers=self._containers,
                )
        except (TasksStopped, RunTaskFailed) as exc:  # the failure verdict: what stopped, and why
            self._running, self._containers, self._latest = None, None, NOT_LOOKED
            return self._failed(target, exc)
        self._running, self._containers, self._latest = None, None, NOT_LOOKED
        return UpReport(
            task_definition=result.task_definition,
            started_tasks=result.started_tasks,
            replaced_tasks=result.replaced_tasks,
            kept_running=result.kept_running,
            containers=None if self.ctx.dry_run else result.containers,
        )

    def _failed(self, target: ComposeTarget, exc: CommandFailed) -> UpReport:
        from passecs.backends.aws import stopped

        tasks = exc.tasks if isinstance(exc, TasksStopped) else []
        report = UpReport(failures=[exc.message], containers=[], stopped=[])
        try:
            report.stopped = stopped.describe(self.ctx, self.target(target), tasks)
        except CommandFailed as failed:  # the verdict is less precise, the failure no less reported
            report.failures.append(f"(could not describe the stopped task: {failed.message})")
        return report

    def stopped_tasks(
        self, target: ComposeTarget, task_ids: Sequence[str], *, lines: int = 20
    ) -> list[StoppedTask]:
        from passecs.backends.aws import stopped

        return stopped.stopped_tasks(self.ctx, self.target(target), task_ids, lines=lines)

    def down(self, target: ComposeTarget, *, timeout: float | None = None) -> UpReport:
        with ProgressView(title="down") as view:
            stopped = down(
                self.ctx,
                self.target(target),
                target.project_name,
                timeout=timeout if timeout is not None else 600.0,
                on_progress=view,
            )
        return UpReport(stopped_tasks=stopped)

    def stop_tasks(self, target: ComposeTarget, task_ids: Sequence[str]) -> None:
        stop_tasks(self.ctx, self.target(target), task_ids, output.progress)

    def logs(self, target: ComposeTarget, request: LogRequest) -> None:
        sink, start_time = request.sink, request.start_time
        logs(
            self.ctx,
            self.target(target),
            target.project_name,
            sink=lambda line: sink(self.ctx.mask(line)),  # a container may print a secret it was given
            service=request.container,
            task=request.task_id,
            follow=request.follow,
            since_minutes=request.since,
            timestamps=request.timestamps,
            start_ms=int(start_time * 1000) if start_time is not None else None,
            labelled=request.labelled,
            described=self._running or (),  # compose.logs has just run ps: the task is among these
            definitions=self._definitions,
        )

    def previous_task(self, target: ComposeTarget) -> str | None:
        from passecs.backends.aws import stopped

        task = stopped.newest_stopped_task(self.ctx, self.target(target), target.project_name)
        return task_id(str(task.get("taskArn"))) if task is not None else None
