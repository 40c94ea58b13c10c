"""The task definition ecs-cli 1.21 registers for a project, built without ecs-cli (for the aws backend).

:func:`build_task_definition` turns a :class:`passecs.files.project.Project` (each service already
converted the way ecs-cli converts it: :class:`passecs.files.compose.ContainerConfig`) and its
ecs-params.yml into the RegisterTaskDefinition input that ``ecs-cli compose up`` sends for the same files
(``utils/compose/convert_task_definition.go``, ``reconcile_container_def.go``,
``ecs_params_reader.go``, ``entity_helper.go createRegisterTaskDefinitionRequest``): the same fields,
including the empty lists and ``linuxParameters.capabilities: {}`` ecs-cli always sends. The corpus in
tests/data/ecs-cli/taskdefs is the reference (``tests/test_corpus.py``).

What ecs-cli refuses is refused here first (:meth:`Project.refusal`), before anything is registered.

:func:`differs` says whether a built definition differs from a registered revision once both are
normalised (AWS echoes defaults, drops empty values, and rewrites ``8GB`` as ``8192``), so the aws
backend calls register-task-definition only when something changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from passecs.files import syntax
from passecs.files.conversion import DEFAULT_MEMORY_MIB as DEFAULT_MEMORY_MIB  # noqa: PLC0414 - re-exported
from passecs.files.conversion import task_definition

# The RegisterTaskDefinition input ecs-cli sends for a project: one home, files/conversion.py.
build_task_definition = task_definition


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


def _task_size(value: Any, parse: Callable[[str | None], int | None]) -> Any:
    """``"1 vCPU"``/``"8GB"`` as AWS stores them (``"1024"``/``"8192"``); other values unchanged."""
    number = parse(str(value))
    return value if number is None else str(number)


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
        data["cpu"] = _task_size(data["cpu"], syntax.task_cpu_units)
    if "memory" in data:
        data["memory"] = _task_size(data["memory"], syntax.task_memory_mib)
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
