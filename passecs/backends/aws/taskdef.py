"""The task definition ecs-cli 1.21 registers for a project, built without ecs-cli (for the aws backend).

:func:`build_task_definition` turns a :class:`passecs.files.project.Project` (compose files merged and
interpolated, ``env_file`` applied, ecs-params.yml expanded) into the RegisterTaskDefinition input that
``ecs-cli compose up`` sends for the same files (``utils/compose/convert_task_definition.go``,
``reconcile_container_def.go``, ``entity_helper.go createRegisterTaskDefinitionRequest``): the same
fields, including the empty lists and ``linuxParameters.capabilities: {}`` ecs-cli always sends.
Recording 51 is the reference (``tests/test_taskdef.py``).

:func:`differs` says whether a built definition differs from a registered revision once both are
normalised (AWS echoes defaults, drops empty values, and rewrites ``8GB`` as ``8192``), so the aws
backend calls register-task-definition only when something changed.

Compose features ecs-cli converts but this builder does not (volumes and the like) are refused with a
clear error rather than silently dropped: the ecs-cli backend handles those projects.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Any

from passecs.core.errors import InvalidInput
from passecs.files.project import Project, Service, memory_mib

# ecs-cli's defaultMemLimit: a container with no memory value at all, when the task has none either
DEFAULT_MEMORY_MIB = 512

# Keys ecs-cli turns into task-definition fields that this builder does not convert yet.
UNCONVERTED_SERVICE_KEYS = ("volumes", "volumes_from", "tmpfs", "shm_size", "devices", "ulimits", "security_opt")
UNCONVERTED_PARAMS_KEYS = ("healthcheck", "firelens_configuration", "depends_on", "gpu")
_FIX_BACKEND = "deploy this project with --backend ecs-cli, or remove the option"


def _refuse(what: str) -> InvalidInput:
    return InvalidInput(f"{what}: the aws backend does not convert this yet", _FIX_BACKEND)


def _string_list(value: Any, *, split: bool = False) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return shlex.split(value) if split else [value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def _labels(value: Any) -> dict[str, str]:
    if isinstance(value, Mapping):
        return {str(k): "" if v is None else str(v) for k, v in value.items()}
    labels: dict[str, str] = {}
    for item in _string_list(value):
        key, _, val = item.partition("=")
        labels[key] = val
    return labels


def _extra_hosts(value: Any) -> list[dict[str, str]]:
    hosts = []
    for item in _string_list(value):
        host, _, address = item.partition(":")
        hosts.append({"hostname": host, "ipAddress": address})
    return hosts


def _params_memory(value: Any) -> int:
    """ecs-params memory (bytes, or ``512m``) in MiB; 0 when not given (ecs-cli's zero value)."""
    return memory_mib(value) or 0


def _container(service: Service, params: Mapping[str, Any], task_memory: str | None) -> dict[str, Any]:
    raw = service.raw
    for key in UNCONVERTED_SERVICE_KEYS:
        if raw.get(key):
            raise _refuse(f"service {service.name}: `{key}`")
    for key in UNCONVERTED_PARAMS_KEYS:
        if params.get(key):
            raise _refuse(f"ecs-params.yml services.{service.name}.{key}")
    if not service.image:
        raise InvalidInput(
            f"service {service.name}: no `image`",
            "ECS runs images from a registry: give the service an `image` (build is not supported)",
        )

    # ecs-params values win when set (resolveIntResourceOverride)
    cpu = int(params.get("cpu_shares") or 0) or (service.cpu_shares or 0)
    memory = _params_memory(params.get("mem_limit")) or (service.mem_limit or 0)
    reservation = _params_memory(params.get("mem_reservation")) or (service.mem_reservation or 0)
    if memory == 0 and reservation == 0 and not task_memory:
        memory = DEFAULT_MEMORY_MIB
    if memory and memory < reservation:
        raise InvalidInput(
            f"service {service.name}: mem_limit must be greater than mem_reservation",
            "raise mem_limit or lower mem_reservation",
        )

    linux: dict[str, Any] = {"capabilities": {}, "devices": []}
    if raw.get("cap_add"):
        linux["capabilities"]["add"] = _string_list(raw["cap_add"])
    if raw.get("cap_drop"):
        linux["capabilities"]["drop"] = _string_list(raw["cap_drop"])
    if params.get("init_process_enabled"):
        linux["initProcessEnabled"] = True

    container: dict[str, Any] = {
        "name": service.name,
        "image": service.image,
        "cpu": cpu,
    }
    if memory:
        container["memory"] = memory
    if reservation:
        container["memoryReservation"] = reservation
    container.update(
        {
            "links": _string_list(raw.get("links")),
            "portMappings": [
                {"containerPort": p.container_port, "hostPort": p.host_port, "protocol": p.protocol}
                for p in service.ports
            ],
            "essential": bool(params.get("essential", True)),
            "entryPoint": _string_list(raw.get("entrypoint"), split=True),
            "command": _string_list(raw.get("command"), split=True),
            "environment": [{"name": k, "value": v} for k, v in service.environment.items()],
            "mountPoints": [],
            "volumesFrom": [],
            "linuxParameters": linux,
            "privileged": bool(raw.get("privileged", False)),
            "readonlyRootFilesystem": bool(raw.get("read_only", False)),
            "dnsServers": _string_list(raw.get("dns")),
            "dnsSearchDomains": _string_list(raw.get("dns_search")),
            "extraHosts": _extra_hosts(raw.get("extra_hosts")),
            "dockerSecurityOptions": [],
            "pseudoTerminal": bool(raw.get("tty", False)),
            "dockerLabels": _labels(raw.get("labels")),
            "ulimits": [],
        }
    )
    for key, field in (("hostname", "hostname"), ("user", "user"), ("working_dir", "workingDirectory")):
        if raw.get(key):
            container[field] = str(raw[key])
    if service.logging is not None:
        container["logConfiguration"] = {"logDriver": service.logging.driver, "options": dict(service.logging.options)}
    credentials = params.get("repository_credentials")
    if isinstance(credentials, Mapping) and credentials.get("credentials_parameter"):
        container["repositoryCredentials"] = {"credentialsParameter": str(credentials["credentials_parameter"])}
    secrets = params.get("secrets")
    if isinstance(secrets, list) and secrets:
        container["secrets"] = [
            {"valueFrom": str(s.get("value_from", "")), "name": str(s.get("name", ""))}
            for s in secrets
            if isinstance(s, Mapping)
        ]
    return container


def build_task_definition(
    project: Project,
    family: str,
    *,
    launch_type: str | None = "FARGATE",
    task_role_arn: str | None = None,
) -> dict[str, Any]:
    """The RegisterTaskDefinition input (``--cli-input-json`` shape) ecs-cli sends for ``project``.

    ``family`` is the project name (``--project-name``); ``launch_type`` comes from the cluster
    configuration and becomes ``requiresCompatibilities``; ``task_role_arn`` is ``--task-role-arn``.
    """
    if not project.services:
        raise InvalidInput(
            "cannot create a task definition with no containers; invalid service config",
            "define at least one service in the compose files",
        )
    params = project.ecs_params
    task = params.raw.get("task_definition") if params is not None else None
    task = task if isinstance(task, Mapping) else {}
    for key in ("docker_volumes", "efs_volumes", "placement_constraints"):
        if task.get(key):
            raise _refuse(f"ecs-params.yml task_definition.{key}")
    per_service = params.services if params is not None else {}
    essential = [bool(per_service.get(name, {}).get("essential", True)) for name in project.services]
    if not any(essential):
        raise InvalidInput(
            "Task definition does not have any essential containers",
            "mark at least one service `essential: true` in ecs-params.yml",
        )
    task_memory = params.mem_limit if params is not None else None
    definition: dict[str, Any] = {
        "family": family,
        "containerDefinitions": [
            _container(service, per_service.get(name, {}), task_memory) for name, service in project.services.items()
        ],
        "volumes": [],
        "taskRoleArn": task_role_arn or (params.task_role_arn if params is not None else None) or "",
        "executionRoleArn": (params.task_execution_role if params is not None else None) or "",
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


# --------------------------------------------------------------------------------------------------
# Comparison with a registered revision

# The RegisterTaskDefinition fields compared; AWS adds others (revision, status, compatibilities, ...).
COMPARED_FIELDS = (
    "family",
    "containerDefinitions",
    "volumes",
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "pidMode",
    "ipcMode",
    "placementConstraints",
)
_UNITS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(vcpu|gb|mb|mib|gib)?\s*$", re.IGNORECASE)


def _task_size(value: Any, unit_multiplier: Mapping[str, float]) -> Any:
    """``"1 vCPU"``/``"8GB"`` as AWS stores them (``"1024"``/``"8192"``); other values unchanged."""
    match = _UNITS.match(str(value))
    if match is None:
        return value
    number = float(match.group(1)) * unit_multiplier.get((match.group(2) or "").lower(), 1)
    return str(int(number))


def _prune(value: Any) -> Any:
    """Drop what AWS treats as absent: None, "", False, empty lists and maps."""
    if isinstance(value, Mapping):
        pruned = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in (None, "", False, [], {})}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def _by_key(items: Any, key: str) -> Any:
    if isinstance(items, list) and all(isinstance(i, Mapping) for i in items):
        return sorted(items, key=lambda i: str(i.get(key, "")))
    return items


def normalize(definition: Mapping[str, Any]) -> dict[str, Any]:
    """The comparable part of a task definition (built input or describe-task-definition output)."""
    data = {k: definition[k] for k in COMPARED_FIELDS if k in definition}
    if "cpu" in data:
        data["cpu"] = _task_size(data["cpu"], {"vcpu": 1024})
    if "memory" in data:
        data["memory"] = _task_size(data["memory"], {"gb": 1024, "gib": 1024})
    containers = []
    for container in data.get("containerDefinitions") or []:
        c = dict(container)
        if not c.get("cpu"):
            c.pop("cpu", None)  # AWS reports cpu 0 for a container without one
        c.setdefault("essential", True)
        c["environment"] = _by_key(c.get("environment"), "name")
        c["portMappings"] = [
            {"protocol": "tcp", **{k: v for k, v in p.items() if k != "name"}} for p in c.get("portMappings") or []
        ]
        containers.append(c)
    data["containerDefinitions"] = _by_key(containers, "name")
    return dict(_prune(data))


def differs(built: Mapping[str, Any], registered: Mapping[str, Any] | None) -> bool:
    """True when ``built`` must be registered: no registered revision, or a different one."""
    if registered is None or registered.get("status", "ACTIVE") != "ACTIVE":
        return True
    return normalize(built) != normalize(registered)
