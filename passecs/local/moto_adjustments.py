"""Where stock moto answers ECS differently from AWS, the adjustments that make it answer like AWS.

Loaded ONLY inside the local emulator process (``python -m passecs.local.emulator``); nothing else in passecs
imports this module, so none of it can change what passecs does against real AWS. Each adjustment is one
function named after the AWS behaviour it restores; :func:`apply` installs them (by patching moto's ECS
classes in this process) and :data:`ADJUSTMENTS` lists them in the order they are applied.

Checked against moto 5.2 (``moto/ecs/models.py``): a task gets one ``Container`` built from the first
container definition only; an awsvpc task's network interface never has a public IP; run-task adds up
container memory and crashes on ``None`` when a Fargate container relies on task-level memory; tasks are
RUNNING at once, and every describe-tasks moves a running task one step towards STOPPED;
ListAccountSettings is empty until something is put.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

# One step of a task's lifecycle lasts at least this long (seconds); see fargate_task_lifecycle.
DEFAULT_STEP_SECONDS = 0.3

START_PHASES = ("PROVISIONING", "PENDING", "RUNNING")
STOP_PHASES_AWSVPC = ("STOPPING", "DEPROVISIONING", "STOPPED")
STOP_PHASES = ("STOPPING", "STOPPED")

USER_STOP_REASON = "Task stopped by user"
MISSING_LOG_GROUP_REASON = (
    "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: "
    "failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not "
    "exist. : exit status 1"
)
# A container's lastStatus for each task lastStatus (containers only know PENDING, RUNNING, STOPPED).
CONTAINER_STATUS = {
    "PROVISIONING": "PENDING",
    "PENDING": "PENDING",
    "ACTIVATING": "PENDING",
    "RUNNING": "RUNNING",
    "DEACTIVATING": "RUNNING",
    "STOPPING": "RUNNING",
    "DEPROVISIONING": "STOPPED",
    "STOPPED": "STOPPED",
}
STARTED_LINE = "[passecs local emulator] container {name} of task {task_id} started (no real container runs here)"


@dataclass(frozen=True)
class Stop:
    """What a start hook returns to stop a task instead of letting it run: its stoppedReason and stopCode."""

    reason: str
    code: str = "TaskFailedToStart"


@dataclass
class Settings:
    step_seconds: float = DEFAULT_STEP_SECONDS
    # hooks run when a task is about to enter RUNNING; one returning a reason (TaskFailedToStart) or a Stop
    # stops the task instead
    start_hooks: list[Callable[[Any], str | Stop | None]] = field(default_factory=list)


SETTINGS = Settings()
ADJUSTMENTS: dict[str, Callable[[], None]] = {}


def _adjustment(fn: Callable[[], None]) -> Callable[[], None]:
    ADJUSTMENTS[fn.__name__] = fn
    return fn


def apply(step_seconds: float = DEFAULT_STEP_SECONDS, skip: tuple[str, ...] = ()) -> list[str]:
    """Install every adjustment not named in ``skip``; returns the names applied, in order."""
    unknown = sorted(set(skip) - set(ADJUSTMENTS))
    if unknown:
        raise ValueError(f"unknown adjustment(s): {', '.join(unknown)}")
    SETTINGS.step_seconds = step_seconds
    applied = []
    for name, fn in ADJUSTMENTS.items():
        if name not in skip:
            fn()
            applied.append(name)
    return applied


def _models() -> Any:
    from moto.ecs import models

    return models


def _wrap_task_init(after: Callable[[Any], None]) -> None:
    """Run ``after(task)`` at the end of every ``Task.__init__`` (chained: later wraps run later)."""
    task_cls = _models().Task
    original = task_cls.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        after(self)

    task_cls.__init__ = __init__


def _task_definition(task: Any) -> Any:
    return task._backend.describe_task_definition(task.task_definition_arn)


def _eni_attachment(task: Any) -> dict[str, Any] | None:
    for attachment in task.attachments:
        if attachment.get("type") == "ElasticNetworkInterface":
            return attachment  # type: ignore[no-any-return]
    return None


def _detail(attachment: dict[str, Any], name: str) -> str | None:
    for detail in attachment.get("details", []):
        if detail.get("name") == name:
            return str(detail.get("value"))
    return None


def _ec2(task: Any) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[task._account_id][task.region_name]


def _now() -> Any:
    from moto.core.utils import utcnow

    return utcnow()


# --------------------------------------------------------------------------------------------------


@_adjustment
def awsvpc_task_gets_a_network_interface_in_its_subnet() -> None:
    """An awsvpc task's network interface has a private address inside its subnet and a private DNS name.

    Stock moto 5.2 crashes on run-task for an awsvpc task in a VPC without DNS hostnames (the interface
    has no ``private_dns_name``: an HTTP 500), and picks the private address from anywhere in 10/8.
    """
    import ipaddress
    import random

    from moto.ec2.models.elastic_network_interfaces import NetworkInterface
    from moto.ec2.utils import generate_dns_from_ip

    def dns_get(self: Any) -> str | None:
        stored = self.__dict__.get("_passecs_private_dns_name")
        if stored:
            return str(stored)
        return generate_dns_from_ip(self.private_ip_address) if self.private_ip_address else None

    def dns_set(self: Any, value: str) -> None:
        self.__dict__["_passecs_private_dns_name"] = value

    setattr(NetworkInterface, "private_dns_name", property(dns_get, dns_set))  # noqa: B010 - see above

    def address_in_subnet(task: Any) -> None:
        attachment = _eni_attachment(task)
        eni_id = attachment and _detail(attachment, "networkInterfaceId")
        if attachment is None or not eni_id:
            return
        eni = _ec2(task).get_network_interface(eni_id)
        network = ipaddress.IPv4Network(eni.subnet.cidr_block)
        # AWS keeps the first four addresses and the last one of every subnet
        address = str(network.network_address + random.randint(4, max(4, network.num_addresses - 2)))  # noqa: S311
        eni.private_ip_address = address
        eni.private_ip_addresses = [{"Primary": True, "PrivateIpAddress": address}]
        eni.private_dns_name = generate_dns_from_ip(address)
        for detail in attachment["details"]:
            if detail["name"] == "privateIPv4Address":
                detail["value"] = address
            elif detail["name"] == "privateDnsName":
                detail["value"] = eni.private_dns_name

    _wrap_task_init(address_in_subnet)


@_adjustment
def describe_tasks_returns_every_container() -> None:
    """A task carries one container per container definition, each with its own name and image.

    Stock moto builds a single container from the first definition, so describe-tasks (and any ps built
    on it) shows one container of a four-container task. Also as on AWS: a container's lastStatus follows
    its task's, its taskArn is the task's (moto puts the task definition's), healthStatus is UNKNOWN
    without a health check, an exit code appears only once a started task has stopped, and awsvpc
    containers list the task's network interface with its private address.
    """
    models = _models()
    container_cls = models.Container

    def last_status_get(self: Any) -> str:
        task = getattr(self, "_passecs_task", None)
        if task is None:
            return str(self._passecs_last_status)
        return CONTAINER_STATUS.get(str(task.last_status), str(task.last_status))

    def last_status_set(self: Any, value: str) -> None:
        self._passecs_last_status = value

    def exit_code_get(self: Any) -> int | None:
        task = getattr(self, "_passecs_task", None)
        if task is None:
            return self._passecs_exit_code  # type: ignore[no-any-return]
        own = getattr(self, "_passecs_exited_with", None)
        if own is not None:  # it exited on its own (container_exits_as_its_environment_says)
            return int(own)
        started = getattr(task, "started_at", None) is not None
        return 0 if task.last_status == "STOPPED" and started else None

    def exit_code_set(self: Any, value: int | None) -> None:
        self._passecs_exit_code = value

    # setattr: replacing moto's plain attributes by properties on its class
    setattr(container_cls, "last_status", property(last_status_get, last_status_set))  # noqa: B010
    # moto stores the exit code under the wire name; the serializer reads that attribute first
    setattr(container_cls, "exitCode", property(exit_code_get, exit_code_set))  # noqa: B010

    def every_container(task: Any) -> None:
        task_definition = _task_definition(task)
        attachment = _eni_attachment(task)
        interfaces = []
        if attachment is not None:
            interfaces = [
                {
                    "attachmentId": attachment["id"],
                    "privateIpv4Address": _detail(attachment, "privateIPv4Address"),
                }
            ]
        containers = []
        for definition in task_definition.container_definitions:
            container = container_cls(task_definition)
            container.name = definition.get("name")
            container.image = definition.get("image")
            container.cpu = definition.get("cpu", 0)
            container.memory = definition.get("memory")
            container.environment = definition.get("environment")
            container.command = definition.get("command")
            container.task_arn = task.task_arn
            task_part = task.task_arn.split(":task/", 1)[-1]
            container.container_arn = task.task_arn.replace(f":task/{task_part}", f":container/{task_part}") + (
                "/" + container.container_arn.rsplit("/", 1)[-1]
            )
            container.health_status = "UNKNOWN"
            container.network_interfaces = list(interfaces)
            container._passecs_task = task
            containers.append(container)
        task.containers = containers

    _wrap_task_init(every_container)


@_adjustment
def awsvpc_task_gets_a_public_ip_when_assign_public_ip_is_enabled() -> None:
    """An awsvpc task started with ``assignPublicIp=ENABLED`` has a public IP on its network interface.

    Stock moto creates the task's ENI without one, so ``aws ec2 describe-network-interfaces`` shows no
    ``Association.PublicIp`` and nothing can print the task's endpoints.
    """
    from moto.ec2.utils import random_public_ip

    def public_ip(task: Any) -> None:
        config = (getattr(task, "network_configuration", None) or {}).get("awsvpcConfiguration") or {}
        attachment = _eni_attachment(task)
        if attachment is None or str(config.get("assignPublicIp", "")).upper() != "ENABLED":
            return
        eni_id = _detail(attachment, "networkInterfaceId")
        if eni_id:
            _ec2(task).get_network_interface(eni_id).public_ip = random_public_ip()

    _wrap_task_init(public_ip)


@_adjustment
def fargate_container_needs_no_memory_of_its_own() -> None:
    """run-task accepts a task whose containers rely on the task-level memory (as Fargate allows).

    Stock moto sums container memory for placement and raises a TypeError on a container without
    ``memory`` or ``memoryReservation`` (an HTTP 500 for the caller), although registration accepted it.
    """
    models = _models()
    backend_cls = models.EC2ContainerServiceBackend
    original = backend_cls._calculate_task_resource_requirements

    def _calculate_task_resource_requirements(task_definition: Any) -> dict[str, Any]:
        definitions = SimpleNamespace(
            container_definitions=[
                {**cd, "memory": cd.get("memory") or cd.get("memoryReservation") or 0}
                for cd in task_definition.container_definitions
            ]
        )
        return original(definitions)  # type: ignore[no-any-return]

    backend_cls._calculate_task_resource_requirements = staticmethod(_calculate_task_resource_requirements)


@dataclass
class _Lifecycle:
    phases: tuple[str, ...]
    index: int = 0
    since: float = field(default_factory=time.monotonic)

    @property
    def phase(self) -> str:
        return self.phases[self.index]


@_adjustment
def fargate_task_lifecycle() -> None:
    """Tasks go PROVISIONING -> PENDING -> RUNNING, and after stop-task STOPPING -> DEPROVISIONING -> STOPPED.

    Each step lasts at least ``step_seconds`` and is shown by at least one describe-tasks before the next
    (a describe-tasks moves a task at most one step), so a poller sees every state, as it would on AWS
    where the steps take seconds to minutes. Stock moto starts tasks RUNNING and then moves a running
    task one step towards STOPPED on every describe-tasks, so a healthy task stops by being looked at.

    Also as on AWS: stop-task sets desiredStatus STOPPED at once, answers with the task still in its
    current state, gives the reason "Task stopped by user" and stopCode UserInitiated when none is passed;
    createdAt/startedAt/stoppingAt/stoppedAt are set; a stopped awsvpc task's network interface is
    deleted. Hooks in ``SETTINGS.start_hooks`` run before RUNNING; one returning a reason stops the task
    instead (stopCode TaskFailedToStart), one returning a :class:`Stop` with its own stop code.
    """
    models = _models()
    task_cls = models.Task
    backend_cls = models.EC2ContainerServiceBackend

    def status_get(self: Any) -> str | None:
        life = getattr(self, "_passecs_life", None)
        return life.phase if life is not None else self._status  # type: ignore[no-any-return]

    def status_set(self: Any, value: str) -> None:
        life = getattr(self, "_passecs_life", None)
        if life is None:
            self._status = value
        elif value == "STOPPED":
            _begin_stop(self)  # moto's stop_task sets STOPPED directly: make it the start of the stop
        else:
            self._passecs_life = _Lifecycle((value,))

    def _begin_stop(task: Any, reason: str | None = None, code: str = "UserInitiated") -> None:
        life = task._passecs_life
        if life.phases[-1] == "STOPPED":
            return  # already stopping: AWS keeps the first reason
        awsvpc = _eni_attachment(task) is not None
        if code == "UserInitiated":
            # the stop-task answer still shows the current state; the next describe-tasks shows STOPPING
            phases = (life.phase, *(STOP_PHASES_AWSVPC if awsvpc else STOP_PHASES))
        else:  # failed to start: it never ran, so it is torn down at once
            phases = STOP_PHASES_AWSVPC[1:] if awsvpc else STOP_PHASES[1:]
        task._passecs_life = _Lifecycle(phases)
        if phases[0] == "STOPPED":
            _enter(task, "STOPPED")
        task.desired_status = "STOPPED"
        task.stopping_at = _now()
        task.stop_code = code
        if reason:
            task.stopped_reason = reason

    def _enter(task: Any, phase: str) -> None:
        if phase == "RUNNING":
            for hook in SETTINGS.start_hooks:
                outcome = hook(task)
                if outcome:
                    stop = outcome if isinstance(outcome, Stop) else Stop(outcome)
                    _begin_stop(task, stop.reason, stop.code)
                    return
            task.started_at = _now()
        elif phase == "STOPPED":
            task.stopped_at = _now()
            task.execution_stopped_at = task.stopped_at
            attachment = _eni_attachment(task)
            if attachment is not None:
                attachment["status"] = "DELETED"
                eni_id = _detail(attachment, "networkInterfaceId")
                if eni_id and eni_id in _ec2(task).enis:
                    _ec2(task).delete_network_interface(eni_id)

    def advance(self: Any) -> None:
        life = getattr(self, "_passecs_life", None)
        if life is None or life.index >= len(life.phases) - 1:
            return
        if time.monotonic() - life.since < SETTINGS.step_seconds:
            return
        life.index += 1
        life.since = time.monotonic()
        _enter(self, life.phase)

    task_cls.status = property(status_get, status_set)
    task_cls.advance = advance

    def start_lifecycle(task: Any) -> None:
        task._passecs_life = _Lifecycle(START_PHASES)
        task.created_at = _now()
        task.started_at = None

    _wrap_task_init(start_lifecycle)

    original_stop = backend_cls.stop_task

    def stop_task(self: Any, cluster_str: str, task_str: str, reason: str | None) -> Any:
        task = original_stop(self, cluster_str, task_str, reason or USER_STOP_REASON)
        if getattr(task, "stop_code", None) is None:
            task.stop_code = "UserInitiated"
        return task

    backend_cls.stop_task = stop_task


def _awslogs(task: Any) -> list[tuple[str, str, str, str]]:
    """(container name, region, group, stream) for every awslogs container with a stream prefix."""
    streams = []
    task_id = task.task_arn.rsplit("/", 1)[-1]
    for definition in _task_definition(task).container_definitions:
        config = definition.get("logConfiguration") or {}
        options = config.get("options") or {}
        prefix = options.get("awslogs-stream-prefix")
        if config.get("logDriver") != "awslogs" or not options.get("awslogs-group") or not prefix:
            continue
        region = options.get("awslogs-region") or task.region_name
        name = str(definition.get("name"))
        streams.append((name, region, options["awslogs-group"], f"{prefix}/{name}/{task_id}"))
    return streams


def _logs_backend(task: Any, region: str) -> Any:
    from moto.logs.models import logs_backends

    return logs_backends[task._account_id][region]


@_adjustment
def fargate_task_fails_to_start_without_its_log_group() -> None:
    """A task whose awslogs group does not exist stops before RUNNING with ResourceInitializationError.

    That is what Fargate does (the log stream cannot be created); stock moto never looks at the group.
    """

    def check(task: Any) -> str | None:
        for _name, region, group, _stream in _awslogs(task):
            if group not in _logs_backend(task, region).groups:
                return MISSING_LOG_GROUP_REASON
        return None

    SETTINGS.start_hooks.append(check)


# Container environment variables that make the emulator stop a task the way AWS does when a container
# fails (see container_exits_as_its_environment_says).
EXIT_CODE_VARIABLE = "PASSECS_EMULATOR_EXIT_CODE"
REASON_VARIABLE = "PASSECS_EMULATOR_REASON"
STOP_CODE_VARIABLE = "PASSECS_EMULATOR_STOP_CODE"
LOG_VARIABLE = "PASSECS_EMULATOR_LOG"
ESSENTIAL_EXITED_REASON = "Essential container in task exited"


def _environment(definition: dict[str, Any]) -> dict[str, str]:
    return {str(e.get("name")): str(e.get("value", "")) for e in definition.get("environment") or []}


@_adjustment
def container_exits_as_its_environment_says() -> None:
    """EMULATOR ONLY (no AWS counterpart; it stands in for a container that really fails): a container
    whose environment sets ``PASSECS_EMULATOR_EXIT_CODE`` (and/or ``PASSECS_EMULATOR_STOP_CODE``) makes its
    task stop, as it is about to run, the way AWS reports a failed container:

    * ``PASSECS_EMULATOR_EXIT_CODE=137``: the container exits with that code. The task stops with stopCode
      ``EssentialContainerExited`` and stoppedReason "Essential container in task exited"; the other
      containers never started (no exit code). ``PASSECS_EMULATOR_LOG``: the lines it logged first (one per
      line of the value), written to its awslogs stream when its log group exists.
    * ``PASSECS_EMULATOR_REASON``: the container's ``reason`` (e.g. ``OutOfMemoryError: Container killed
      due to memory usage``).
    * ``PASSECS_EMULATOR_STOP_CODE``: another stop code; ``TaskFailedToStart`` means no container ran (no
      exit code, no log line) and the container's reason is the task's stoppedReason too (e.g. a
      ``CannotPullContainerError``).
    """

    def check(task: Any) -> Stop | None:
        definitions = {str(d.get("name")): d for d in _task_definition(task).container_definitions}
        streams = {name: (region, group, stream) for name, region, group, stream in _awslogs(task)}
        stop: Stop | None = None
        for container in task.containers:
            env = _environment(definitions.get(str(container.name)) or {})
            code = env.get(STOP_CODE_VARIABLE) or ("EssentialContainerExited" if env.get(EXIT_CODE_VARIABLE) else "")
            if not code:
                continue
            reason = env.get(REASON_VARIABLE) or None
            if reason:
                container.reason = reason
            if code == "TaskFailedToStart":
                stop = stop or Stop(reason or f"container {container.name} failed to start", code)
                continue
            if env.get(EXIT_CODE_VARIABLE):
                container._passecs_exited_with = int(env[EXIT_CODE_VARIABLE])
            lines = [line for line in env.get(LOG_VARIABLE, "").splitlines() if line.strip()]
            where = streams.get(str(container.name))
            if lines and where is not None:
                region, group, stream = where
                backend = _logs_backend(task, region)
                if group in backend.groups:
                    if stream not in backend.groups[group].streams:
                        backend.create_log_stream(group, stream)
                    stamp = int(time.time() * 1000)
                    events = [{"timestamp": stamp + i, "message": line} for i, line in enumerate(lines)]
                    backend.put_log_events(group, stream, events)
            stop = stop or Stop(ESSENTIAL_EXITED_REASON, code)
        return stop

    SETTINGS.start_hooks.append(check)


@_adjustment
def running_task_writes_a_started_line_per_container() -> None:
    """EMULATOR ONLY (no AWS counterpart): when a task reaches RUNNING, each awslogs container gets its
    stream ``<prefix>/<container>/<task id>`` with one line saying it started.

    On AWS the stream appears when the container starts and holds what the container prints; no
    container runs in the emulator, so without this ``passecs logs`` would have nothing to show.
    """

    def write(task: Any) -> str | None:
        task_id = task.task_arn.rsplit("/", 1)[-1]
        stamp = int(time.time() * 1000)
        for name, region, group, stream in _awslogs(task):
            backend = _logs_backend(task, region)
            if group not in backend.groups:
                continue
            if stream not in backend.groups[group].streams:
                backend.create_log_stream(group, stream)
            message = STARTED_LINE.format(name=name, task_id=task_id)
            backend.put_log_events(group, stream, [{"timestamp": stamp, "message": message}])
        return None

    SETTINGS.start_hooks.append(write)


# What AWS reports for an account that never changed these settings (ecs-cli's `compose up` asks for
# taskLongArnFormat and stops on an empty answer).
DEFAULT_ACCOUNT_SETTINGS = {
    "serviceLongArnFormat": "enabled",
    "taskLongArnFormat": "enabled",
    "containerInstanceLongArnFormat": "enabled",
    "awsvpcTrunking": "disabled",
    "containerInsights": "disabled",
}


@_adjustment
def list_account_settings_reports_the_defaults() -> None:
    """ListAccountSettings reports AWS's default value of every setting the account never changed.

    Stock moto answers with an empty list until put-account-setting is called; ecs-cli's RunTask then
    fails with ``Received unexpected response from ECS Settings API``.
    """
    models = _models()
    backend_cls = models.EC2ContainerServiceBackend
    original = backend_cls.list_account_settings

    def list_account_settings(self: Any, name: str | None = None, value: str | None = None) -> list[Any]:
        settings = list(original(self, name, value))
        present = {s.name for s in settings} | set(self.account_settings)
        for key, default in DEFAULT_ACCOUNT_SETTINGS.items():
            if key in present or (name and key != name) or (value and default != value):
                continue
            setting = models.AccountSetting(key, default)
            setting.principal_arn = f"arn:aws:iam::{self.account_id}:root"
            settings.append(setting)
        return settings

    backend_cls.list_account_settings = list_account_settings


@_adjustment
def task_definition_records_when_it_was_registered() -> None:
    """describe-task-definition reports ``registeredAt`` (the registration time), as AWS does.

    Stock moto leaves it out, so a revision's history has no time.
    """
    task_definition_cls = _models().TaskDefinition
    original = task_definition_cls.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.registered_at = _now()

    task_definition_cls.__init__ = __init__
