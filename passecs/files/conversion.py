"""Project -> the RegisterTaskDefinition input ecs-cli 1.21 sends: every conversion rule in one place.

:func:`task_definition` turns a :class:`passecs.files.project.Project` (each service already converted the
way ecs-cli converts it: :class:`passecs.files.compose.ContainerConfig`) and its ecs-params.yml into the
input ``ecs-cli compose up`` registers for the same files (``utils/compose/convert_task_definition.go``,
``reconcile_container_def.go``, ``ecs_params_reader.go``): the same fields, including the empty lists and
``linuxParameters.capabilities: {}`` ecs-cli always sends. The corpus in tests/data/ecs-cli/taskdefs is
the reference (``tests/test_corpus.py``). The aws backend registers it
(:mod:`passecs.backends.aws.taskdef`); ``passecs doctor`` runs the same rules, so what ``up`` refuses doctor
fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from passecs.core.errors import InvalidInput
from passecs.files import syntax
from passecs.files.compose import ContainerConfig, HealthCheck
from passecs.files.project import EcsParams, Project

# ecs-cli's defaultMemLimit: a container with no memory value at all, when the task has none either
DEFAULT_MEMORY_MIB = 512


def _mib(value: Any, where: str) -> int:
    try:
        return syntax.to_mib(value)
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc.message}", "write memory as bytes or as 512m / 1g") from None


def _int(value: Any, where: str) -> int:
    if value in (None, ""):
        return 0
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{where}: {value!r} is not an integer", "write it as a number") from None


def _named_list(items: Any, where: str) -> list[dict[str, str]]:
    """ecs-params ``[{name, value_from}]`` as ECS's ``[{name, valueFrom}]``."""
    if not isinstance(items, list):
        return []
    return [
        {"name": syntax.scalar_text(i.get("name")), "valueFrom": syntax.scalar_text(i.get("value_from"))}
        for i in items
        if isinstance(i, Mapping)
    ]


def params_healthcheck(service: str, params: Mapping[str, Any]) -> HealthCheck | None:
    """ecs-params ``healthcheck`` (ecs_params_reader.go HealthCheck.ConvertToECSHealthCheck)."""
    raw = params.get("healthcheck")
    if not isinstance(raw, Mapping):
        return None
    test, command = raw.get("test"), raw.get("command")
    if test not in (None, "", []) and command not in (None, "", []):
        raise InvalidInput(
            f"ecs-params.yml services.{service}: healthcheck.test and healthcheck.command can not both be specified",
            "keep one of them",
        )
    given = test if test not in (None, "", []) else command
    if isinstance(given, str):
        words: tuple[str, ...] = ("CMD-SHELL", given)
    else:
        words = tuple(syntax.string_list(given))

    def seconds(key: str) -> int | None:
        value = raw.get(key)
        return syntax.param_seconds(value) if value not in (None, "") else None

    retries = raw.get("retries")
    return HealthCheck(
        command=words,
        interval=seconds("interval"),
        timeout=seconds("timeout"),
        retries=_int(retries, f"ecs-params.yml services.{service}.healthcheck.retries") or None,
        start_period=seconds("start_period"),
    )


def resolve_healthcheck(service: str, compose: HealthCheck | None, params: HealthCheck | None) -> HealthCheck | None:
    """reconcile_container_def.go resolveHealthCheck: each ecs-params field overrides the compose one."""
    if params is None:
        return compose
    base = compose or HealthCheck()
    merged = HealthCheck(
        command=params.command or base.command,
        interval=params.interval if params.interval is not None else base.interval,
        timeout=params.timeout if params.timeout is not None else base.timeout,
        retries=params.retries if params.retries is not None else base.retries,
        start_period=params.start_period if params.start_period is not None else base.start_period,
    )
    if not merged.command:
        raise InvalidInput(
            f"{service}: test/command is a required field for container healthcheck",
            f"give ecs-params.yml services.{service}.healthcheck a test",
        )
    return merged


def _healthcheck_json(check: HealthCheck) -> dict[str, Any]:
    out: dict[str, Any] = {"command": list(check.command)}
    for key, value in (
        ("interval", check.interval),
        ("timeout", check.timeout),
        ("retries", check.retries),
        ("startPeriod", check.start_period),
    ):
        if value is not None:
            out[key] = value
    return out


def override_resources(container: ContainerConfig, params: Mapping[str, Any]) -> tuple[int, int, int]:
    """(cpu, memory, memoryReservation) in MiB: an ecs-params value that is not 0 wins over the compose one."""
    where = f"ecs-params.yml services.{container.name}"
    cpu = _int(params.get("cpu_shares"), f"{where}.cpu_shares") or container.cpu
    memory = _mib(params.get("mem_limit"), f"{where}.mem_limit") or container.memory
    reservation = _mib(params.get("mem_reservation"), f"{where}.mem_reservation") or container.memory_reservation
    return cpu, memory, reservation


def container_resources(
    container: ContainerConfig, params: Mapping[str, Any], task_memory: str | None
) -> tuple[int, int, int]:
    """(cpu, memory, memoryReservation) after ecs-params overrides (resolveIntResourceOverride), as ecs-cli.

    One rule for the aws backend and doctor's memory checks.
    """
    cpu, memory, reservation = override_resources(container, params)
    if memory == 0 and reservation == 0 and not task_memory:
        memory = DEFAULT_MEMORY_MIB
    if memory and memory < reservation:
        raise InvalidInput(
            f"service {container.name}: mem_limit must be greater than mem_reservation "
            f"({memory} MiB < {reservation} MiB)",
            "raise mem_limit or lower mem_reservation",
        )
    return cpu, memory, reservation


def _container(c: ContainerConfig, params: Mapping[str, Any], task_memory: str | None) -> dict[str, Any]:
    if not c.image:
        raise InvalidInput(
            f"service {c.name}: no `image`",
            "ECS runs images from a registry: give the service an `image` (build is not supported)",
        )
    cpu, memory, reservation = container_resources(c, params, task_memory)
    linux: dict[str, Any] = {"capabilities": {}}
    if c.cap_add is not None:
        linux["capabilities"]["add"] = list(c.cap_add)
    if c.cap_drop is not None:
        linux["capabilities"]["drop"] = list(c.cap_drop)
    linux["devices"] = [
        {
            "hostPath": d.host_path,
            **({"containerPath": d.container_path} if d.container_path is not None else {}),
            **({"permissions": list(d.permissions)} if d.permissions is not None else {}),
        }
        for d in c.devices
    ]
    if params.get("init_process_enabled") is True:
        linux["initProcessEnabled"] = True
    if c.shm_size:
        linux["sharedMemorySize"] = c.shm_size
    if c.tmpfs is not None:
        linux["tmpfs"] = [
            {"containerPath": t.container_path, "size": t.size, "mountOptions": list(t.mount_options)} for t in c.tmpfs
        ]

    out: dict[str, Any] = {"name": c.name, "image": c.image, "cpu": cpu}
    if memory:
        out["memory"] = memory
    if reservation:
        out["memoryReservation"] = reservation
    out.update(
        {
            "links": list(c.links),
            "portMappings": [
                {"containerPort": p.container_port, "hostPort": p.host_port, "protocol": p.protocol} for p in c.ports
            ],
            "essential": params.get("essential", True) is not False,
            "entryPoint": list(c.entrypoint),
            "command": list(c.command),
            "environment": [{"name": k, "value": v} for k, v in c.environment],
            "mountPoints": [
                {"sourceVolume": m.source_volume, "containerPath": m.container_path, "readOnly": m.read_only}
                for m in c.mounts
            ],
            "volumesFrom": [{"sourceContainer": v.source_container, "readOnly": v.read_only} for v in c.volumes_from],
            "linuxParameters": linux,
            "privileged": c.privileged,
            "readonlyRootFilesystem": c.read_only,
            "dnsServers": list(c.dns),
            "dnsSearchDomains": list(c.dns_search),
            "extraHosts": [{"hostname": h, "ipAddress": ip} for h, ip in c.extra_hosts],
            "dockerSecurityOptions": list(c.security_opt),
            "pseudoTerminal": c.tty,
        }
    )
    if c.labels is not None:
        out["dockerLabels"] = dict(c.labels)
    if c.ulimits is not None:
        out["ulimits"] = [{"name": u.name, "softLimit": u.soft, "hardLimit": u.hard} for u in c.ulimits]
    for field, value in (("hostname", c.hostname), ("user", c.user), ("workingDirectory", c.working_dir)):
        if value:
            out[field] = value
    if c.stop_timeout is not None:
        out["stopTimeout"] = c.stop_timeout
    where = f"ecs-params.yml services.{c.name}"
    logging = params.get("logging")
    secret_options = _named_list(logging.get("secret_options"), where) if isinstance(logging, Mapping) else []
    if c.logging is not None or secret_options:
        log: dict[str, Any] = {}
        if c.logging is not None:
            log = {"logDriver": c.logging.driver, "options": dict(c.logging.options)}
        if secret_options:
            log["secretOptions"] = secret_options
        out["logConfiguration"] = log
    credentials = params.get("repository_credentials")
    if isinstance(credentials, Mapping) and credentials.get("credentials_parameter"):
        out["repositoryCredentials"] = {"credentialsParameter": str(credentials["credentials_parameter"])}
    secrets = _named_list(params.get("secrets"), where)
    if secrets:
        out["secrets"] = secrets
    health = resolve_healthcheck(c.name, c.healthcheck, params_healthcheck(c.name, params))
    if health is not None:
        out["healthCheck"] = _healthcheck_json(health)
    depends = params.get("depends_on")
    if isinstance(depends, list) and depends:
        out["dependsOn"] = [
            {
                "containerName": syntax.scalar_text(d.get("container_name")),
                "condition": syntax.scalar_text(d.get("condition")),
            }
            for d in depends
            if isinstance(d, Mapping)
        ]
    firelens = params.get("firelens_configuration")
    if isinstance(firelens, Mapping) and firelens:
        config: dict[str, Any] = {"type": syntax.scalar_text(firelens.get("type"))}
        options = firelens.get("options")
        if isinstance(options, Mapping) and options:
            config["options"] = {str(k): syntax.scalar_text(v) for k, v in options.items()}
        out["firelensConfiguration"] = config
    gpu = params.get("gpu")
    if gpu not in (None, ""):
        out["resourceRequirements"] = [{"type": "GPU", "value": syntax.scalar_text(gpu)}]
    return out


def _task_volumes(project: Project, task: Mapping[str, Any]) -> list[dict[str, Any]]:
    """convertToECSVolumes: host volumes, volumes without host, ecs-params docker_volumes and efs_volumes."""
    volumes: dict[str, dict[str, Any]] = {}
    for host_path, name in project.volumes.with_host:
        volumes[name] = {"name": name, "host": {"sourcePath": host_path}}
    for name in project.volumes.empty_host:
        volumes[name] = {"name": name}
    for entry in task.get("docker_volumes") or []:
        if not isinstance(entry, Mapping):
            continue
        name = syntax.scalar_text(entry.get("name"))
        if not name:
            raise InvalidInput(
                "Name is required when specifying a docker volume", "give each docker_volumes entry a name"
            )
        config: dict[str, Any] = {}
        if entry.get("scope") not in (None, ""):
            config["scope"] = syntax.scalar_text(entry["scope"])
        if entry.get("autoprovision") is not None:
            config["autoprovision"] = entry["autoprovision"] is True
        if entry.get("driver") not in (None, ""):
            config["driver"] = syntax.scalar_text(entry["driver"])
        for key, field in (("driver_opts", "driverOpts"), ("labels", "labels")):
            value = entry.get(key)
            if isinstance(value, Mapping) and value:
                config[field] = {str(k): syntax.scalar_text(v) for k, v in value.items()}
        volumes[name] = {"name": name, "dockerVolumeConfiguration": config}
    for entry in task.get("efs_volumes") or []:
        if not isinstance(entry, Mapping):
            continue
        name = syntax.scalar_text(entry.get("name"))
        if not name:
            raise InvalidInput("Name is required when specifying an EFS volume", "give each efs_volumes entry a name")
        if not entry.get("filesystem_id"):
            raise InvalidInput(f"efs volume {name}: file system id is required for efs volumes", "set filesystem_id")
        encryption = syntax.scalar_text(entry.get("transit_encryption"))
        iam = syntax.scalar_text(entry.get("iam"))
        access_point = syntax.scalar_text(entry.get("access_point"))
        if (access_point or iam == "ENABLED") and encryption != "ENABLED":
            raise InvalidInput(
                f"efs volume {name}: Transit encryption is required when using IAM access or an access point",
                "set transit_encryption: ENABLED",
            )
        efs: dict[str, Any] = {"fileSystemId": syntax.scalar_text(entry["filesystem_id"])}
        if entry.get("root_directory") not in (None, ""):
            efs["rootDirectory"] = syntax.scalar_text(entry["root_directory"])
        if encryption:
            efs["transitEncryption"] = encryption
        port = _int(entry.get("transit_encryption_port"), f"efs volume {name}: transit_encryption_port")
        if port:
            efs["transitEncryptionPort"] = port
        auth: dict[str, str] = {}
        if access_point:
            auth["accessPointId"] = access_point
        if iam:
            auth["iam"] = iam
        efs["authorizationConfig"] = auth
        volumes[name] = {"name": name, "efsVolumeConfiguration": efs}
    return list(volumes.values())


def task_definition_params(params: EcsParams | None) -> Mapping[str, Any]:
    task = params.raw.get("task_definition") if params is not None else None
    return task if isinstance(task, Mapping) else {}


def check_essential(project: Project) -> None:
    """hasEssential: ecs-params may not mark every container non-essential."""
    per_service = project.ecs_params.services if project.ecs_params is not None else {}
    non_essential = sum(1 for p in per_service.values() if p.get("essential", True) is False)
    if project.containers and non_essential == len(project.containers):
        raise InvalidInput(
            "Task definition does not have any essential containers",
            "mark at least one service `essential: true` in ecs-params.yml",
        )


def task_definition(
    project: Project,
    family: str,
    *,
    launch_type: str | None = "FARGATE",
    task_role_arn: str | None = None,
) -> dict[str, Any]:
    """The RegisterTaskDefinition input (``--cli-input-json`` shape) ecs-cli sends for ``project``.

    ``family`` is the project name (``--project-name``); ``launch_type`` comes from the cluster
    configuration and becomes ``requiresCompatibilities``; ``task_role_arn`` is ``--task-role-arn``.
    Raises InvalidInput (exit 3) for everything ecs-cli refuses.
    """
    refusal = project.refusal()
    if refusal is not None:
        raise refusal
    if not project.containers:
        raise InvalidInput(
            "cannot create a task definition with no containers; invalid service config",
            "define at least one service in the compose files",
        )
    params = project.ecs_params
    task = task_definition_params(params)
    per_service = params.services if params is not None else {}
    check_essential(project)
    task_memory = params.mem_limit if params is not None else None
    definition: dict[str, Any] = {
        "family": family,
        "containerDefinitions": [_container(c, per_service.get(c.name, {}), task_memory) for c in project.containers],
        "volumes": _task_volumes(project, task),
        "taskRoleArn": task_role_arn or (params.task_role_arn if params is not None else None) or "",
        "executionRoleArn": (params.task_execution_role if params is not None else None) or "",
        "placementConstraints": [
            {"type": syntax.scalar_text(p.get("type")), "expression": syntax.scalar_text(p.get("expression"))}
            for p in task.get("placement_constraints") or []
            if isinstance(p, Mapping)
        ],
    }
    if launch_type:
        definition["requiresCompatibilities"] = [launch_type]
    if params is not None:
        for field, value in (
            ("networkMode", params.network_mode),
            ("cpu", params.cpu_limit),
            ("memory", params.mem_limit),
            ("pidMode", task.get("pid_mode")),
            ("ipcMode", task.get("ipc_mode")),
        ):
            if value:
                definition[field] = str(value)
    return definition
