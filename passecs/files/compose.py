"""Compose files as ecs-cli 1.21 reads them: versions, merging, env files, and each service's container.

:func:`read_services` turns the parsed compose documents into one :class:`ContainerConfig` per service
(ecs-cli's ``adapter.ContainerConfig``), the task's host/empty volumes, and the :class:`Notice` list:
ecs-cli's warnings (``Skipping unsupported YAML option...``, ``The X variable is not set...``) and its
refusals. The same notices feed ``passecs doctor`` (findings) and ``up`` (refusal before anything is
registered), so the two cannot disagree.

- compose v1/v2 follow libcompose (``config/merge.go``, ``interpolation.go``, ``yaml/types``): each
  file is interpolated, its ``env_file`` lines merged into its environment list, then merged into the
  earlier files' services *after those were converted to libcompose's types and back*: lists are
  concatenated, maps merged, scalars replaced, so a map ``environment`` (or labels written as a list) in
  a later file replaces the earlier one (taskdefs case 17).
- compose v3 follow docker/cli's loader (``loader.go``, ``merge.go``): the whole file interpolated,
  ``env_file`` parsed with docker's rules, services merged with mergo (append lists, merge maps; ports
  keyed by published port and sorted), services sorted by name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from passecs.core.errors import InvalidInput
from passecs.files import syntax
from passecs.files.syntax import Interpolation, PortSpec

_T = TypeVar("_T")

# --------------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
class Notice:
    """One thing ecs-cli says about the project: a warning it prints, or a reason it refuses.

    ``message`` is passecs's words (for doctor and errors); ``ecs_cli`` the logfmt line ecs-cli prints
    for a warning (``msg="..." option name=... service name=...``), "" when ecs-cli says nothing.
    """

    level: str  # "warning" | "error" | "note" (passecs only: surprising behaviour ecs-cli is silent about)
    message: str
    fix: str = ""
    ecs_cli: str = ""
    check: str = "compose keys"
    reason: str = ""  # for an error: ecs-cli's own error text

    def error(self) -> InvalidInput:
        """The refusal, in passecs's words with ecs-cli's reason."""
        text = f"{self.message}; ecs-cli: {self.reason}" if self.reason else self.message
        return InvalidInput(text, self.fix)


@dataclass(frozen=True)
class AwsLogs:
    """A container's awslogs settings (the options ecs-cli, logs and --create-log-groups need)."""

    group: str
    region: str | None
    stream_prefix: str | None

    def stream(self, container: str, task_id: str) -> str | None:
        """The log stream ECS writes for ``container`` of task ``task_id`` (None without a prefix)."""
        return f"{self.stream_prefix}/{container}/{task_id}" if self.stream_prefix else None


def awslogs_of(driver: Any, options: Any) -> AwsLogs | None:
    """The awslogs settings of a log configuration (compose's or a task definition's), or None."""
    if driver != "awslogs" or not isinstance(options, Mapping) or not options.get("awslogs-group"):
        return None
    region, prefix = options.get("awslogs-region"), options.get("awslogs-stream-prefix")
    return AwsLogs(str(options["awslogs-group"]), str(region) if region else None, str(prefix) if prefix else None)


def container_awslogs(container_definition: Mapping[str, Any]) -> AwsLogs | None:
    """The awslogs settings of a task definition's container (``logConfiguration``), or None."""
    config = container_definition.get("logConfiguration")
    if not isinstance(config, Mapping):
        return None
    return awslogs_of(config.get("logDriver"), config.get("options"))


@dataclass(frozen=True)
class LogConfig:
    driver: str
    options: Mapping[str, str] = field(default_factory=dict)

    @property
    def awslogs(self) -> AwsLogs | None:
        return awslogs_of(self.driver, self.options)


@dataclass(frozen=True)
class Mount:
    source_volume: str
    container_path: str
    read_only: bool


@dataclass(frozen=True)
class VolumeFrom:
    source_container: str
    read_only: bool


@dataclass(frozen=True)
class Device:
    host_path: str
    container_path: str | None
    permissions: tuple[str, ...] | None


@dataclass(frozen=True)
class Tmpfs:
    container_path: str
    size: int
    mount_options: tuple[str, ...]


@dataclass(frozen=True)
class Ulimit:
    name: str
    soft: int
    hard: int


@dataclass(frozen=True)
class HealthCheck:
    command: tuple[str, ...] = ()
    interval: int | None = None
    timeout: int | None = None
    retries: int | None = None
    start_period: int | None = None


@dataclass(frozen=True)
class ContainerConfig:
    """One service converted as ecs-cli converts it, before ecs-params overrides (all memory in MiB)."""

    name: str
    image: str | None
    v3: bool
    command: tuple[str, ...] = ()
    entrypoint: tuple[str, ...] = ()
    environment: tuple[tuple[str, str], ...] = ()  # in order; duplicates kept (v2)
    ports: tuple[PortSpec, ...] = ()
    port_specs: tuple[str, ...] = ()  # the texts, for messages
    mounts: tuple[Mount, ...] = ()
    volumes_from: tuple[VolumeFrom, ...] = ()
    links: tuple[str, ...] = ()
    dns: tuple[str, ...] = ()
    dns_search: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] | None = None
    security_opt: tuple[str, ...] = ()
    extra_hosts: tuple[tuple[str, str], ...] = ()
    hostname: str = ""
    user: str = ""
    working_dir: str = ""
    privileged: bool = False
    read_only: bool = False
    tty: bool = False
    cap_add: tuple[str, ...] | None = None
    cap_drop: tuple[str, ...] | None = None
    devices: tuple[Device, ...] = ()
    shm_size: int = 0
    tmpfs: tuple[Tmpfs, ...] | None = None
    ulimits: tuple[Ulimit, ...] | None = None
    healthcheck: HealthCheck | None = None
    stop_timeout: int | None = None
    cpu: int = 0
    memory: int = 0
    memory_reservation: int = 0
    logging: LogConfig | None = None


@dataclass(frozen=True)
class Volumes:
    """ecs-cli's adapter.Volumes: host paths with their generated names, and volumes without a host."""

    with_host: tuple[tuple[str, str], ...] = ()  # (host path, volume-N)
    empty_host: tuple[str, ...] = ()  # named volumes (declared) and anonymous ones (volume-N)


@dataclass(frozen=True)
class Services:
    """What the compose files give the task definition."""

    kind: str  # "v1", "v2", "v3"
    raw: Mapping[str, Mapping[str, Any]]  # merged, interpolated (for checks)
    containers: tuple[ContainerConfig, ...]
    volumes: Volumes
    notices: tuple[Notice, ...]
    unset: tuple[str, ...]
    seen: tuple[str, ...]


# --------------------------------------------------------------------------------------------------
# ecs-cli's logfmt, for warnings


def _quote(value: str) -> str:
    if value and all(c.isascii() and (c.isalnum() or c in "-._/@^+") for c in value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def logfmt(msg: str, **fields: str) -> str:
    parts = [f"msg={_quote(msg)}"]
    parts += [f"{k.replace('_', ' ')}={_quote(v)}" for k, v in fields.items()]
    return " ".join(parts)


def skipped(key: str, service: str, extra: str = "") -> Notice:
    text = "Skipping unsupported YAML option for service..." + extra
    return Notice(
        "warning",
        f"service {service}: {key} is ignored by ecs-cli (skipped with a warning)",
        f"remove {key} if the deployment relies on it: ECS will not apply it",
        logfmt(text, option_name=key, service_name=service),
    )


# --------------------------------------------------------------------------------------------------
# Versions (ecs-cli project.go parseCompose, project_version.go)

ACCEPTED_VERSIONS = (None, "", "2", "3", "3.0")
ACCEPTED_TEXT = 'none, "2", "3" or "3.0"'


def version_kind(version: str | None) -> str:
    """ "v1", "v2", "v3" for the versions ecs-cli reads, "" for the ones it refuses."""
    if version in (None, ""):
        return "v1"
    if version == "2":
        return "v2"
    if version in ("3", "3.0"):
        return "v3"
    return ""


def version_notices(versions: Sequence[tuple[str, str | None]]) -> list[Notice]:
    """``(file name, version)`` per compose file: ecs-cli's warnings and refusals about versions."""
    notices: list[Notice] = []
    warned: set[str] = set()
    for name, version in versions:
        if version and "." in version and version not in warned:
            warned.add(version)
            major = version.split(".", 1)[0]
            notices.append(
                Notice(
                    "warning",
                    f"{name}: version {version} has a minor version",
                    f'write version: "{major}"',
                    logfmt(
                        f"Minor version ({version}) detected. Please format to include only major version ({major})."
                    ),
                    check="compose version",
                )
            )
        if version not in ACCEPTED_VERSIONS:
            notices.append(
                Notice(
                    "error",
                    f'{name}: version "{version}" is not one ecs-cli accepts ({ACCEPTED_TEXT})',
                    'write version: "2" (or "3" with memory and CPU in ecs-params.yml)',
                    check="compose version",
                    reason=f"Unsupported Docker Compose version found: {version}",
                )
            )
    distinct = list(dict.fromkeys(v for _, v in versions))
    if len(distinct) > 1:
        found = " and ".join(v if v else "(none)" for v in distinct)
        notices.append(
            Notice(
                "error",
                f"compose files must be of the same version; found {found}",
                "use one version in all files",
                check="compose version",
            )
        )
    return notices


# --------------------------------------------------------------------------------------------------
# Keys (SPEC §5.3; libcompose config/schema.go, ecs-cli logger.go, docker/cli config_schema_v3.0.json)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


SUPPORTED_V1_V2 = _words(
    "cap_add cap_drop command cpu_shares devices dns dns_search entrypoint env_file environment extends "
    "extra_hosts hostname image labels links logging log_driver log_opt mem_limit mem_reservation ports "
    "privileged read_only security_opt shm_size stop_grace_period tmpfs tty ulimits user volumes volumes_from "
    "working_dir"
)
LIBCOMPOSE_SCHEMA = _words(
    "build cap_add cap_drop cgroup_parent command container_name cpu_shares cpu_quota cpuset depends_on devices "
    "dns dns_opt dns_search dockerfile domainname entrypoint env_file environment expose extends external_links "
    "extra_hosts group_add hostname image ipc labels links log_driver log_opt logging mac_address mem_limit "
    "mem_reservation memswap_limit mem_swappiness net network_mode networks oom_kill_disable oom_score_adj pid "
    "ports privileged read_only restart security_opt shm_size stdin_open stop_grace_period stop_signal tmpfs "
    "tty ulimits user volumes volume_driver volumes_from working_dir"
)
SUPPORTED_V3 = _words(
    "cap_add cap_drop command devices dns dns_search entrypoint environment env_file extra_hosts hostname "
    "healthcheck image labels links logging ports privileged read_only security_opt stop_grace_period tmpfs "
    "tty ulimits user volumes working_dir"
)
FORBIDDEN_V3 = _words("mem_limit cpu_shares extends volumes_from cpu_quota cpuset memswap_limit volume_driver")
COMPOSE_V3_SCHEMA = _words(
    "deploy build cap_add cap_drop cgroup_parent command container_name depends_on devices dns dns_search "
    "domainname entrypoint env_file environment expose external_links extra_hosts healthcheck hostname image "
    "ipc labels links logging mac_address network_mode networks pid ports privileged read_only restart "
    "security_opt shm_size sysctls stdin_open stop_grace_period stop_signal tmpfs tty ulimits user "
    "userns_mode volumes working_dir"
)
_V3_HEALTHCHECK = frozenset({"disable", "interval", "retries", "test", "timeout"})
# docker/cli config_schema_v3.0.json (and docker-compose's v2.0 one, which libcompose validates with): the
# value types ecs-cli's loaders accept
_V3_STRINGS = _words(
    "cgroup_parent container_name domainname hostname image ipc mac_address network_mode restart stop_signal "
    "user userns_mode working_dir stop_grace_period"
)
_V3_BOOLEANS = frozenset({"privileged", "read_only", "stdin_open", "tty"})
_V3_STRING_LISTS = _words("cap_add cap_drop devices external_links links security_opt volumes depends_on")
_V3_STRING_OR_LIST = frozenset({"command", "entrypoint", "dns", "dns_search", "env_file", "tmpfs"})
_V3_LIST_OR_DICT = frozenset({"environment", "labels", "extra_hosts", "sysctls"})
_V3_TOP_LEVEL = frozenset({"version", "services", "networks", "volumes"})


def _v3_type_problem(key: str, value: Any) -> str | None:
    """docker/cli's schema verdict on one v3 service value's type, or None."""

    def strings(items: Any) -> bool:
        return isinstance(items, list) and all(isinstance(i, str) for i in items)

    def scalar(v: Any) -> bool:
        return v is None or isinstance(v, str) or (isinstance(v, (int, float)) and not isinstance(v, bool))

    if key in _V3_STRINGS and not isinstance(value, str):
        return "must be a string"
    if key in _V3_BOOLEANS and not isinstance(value, bool):
        return "must be a boolean"
    if key in _V3_STRING_LISTS and not strings(value):
        return "contains an invalid type, it should be a string"
    if key in _V3_STRING_OR_LIST and not (isinstance(value, str) or strings(value)):
        return "must be a string or a list of strings"
    if key in _V3_LIST_OR_DICT:
        ok = strings(value) or (isinstance(value, Mapping) and all(scalar(v) for v in value.values()))
        if not ok:
            return "must be a mapping of strings and numbers or a list of strings"
    return None


def document_notices(kind: str, path: Path, data: Mapping[str, Any]) -> list[Notice]:
    """ecs-cli's verdict on a compose document's top-level keys (v3: docker/cli's schema)."""
    if kind != "v3":
        return []
    return [
        Notice(
            "error",
            f"{path.name}: top-level {key} is not in the compose 3.0 schema",
            f"remove {key} (compose 3.0 has only version, services, networks and volumes)",
            check="compose keys",
            reason=f"Additional property {key} is not allowed",
        )
        for key in data
        if key not in _V3_TOP_LEVEL
    ]


# keys a compose v2.1+ / 3.x file may use that neither schema knows: why, in a few words
_NEWER = {"healthcheck": "compose 2.1", "init": "compose 2.2", "cpus": "compose 2.2", "sysctls": "compose 2.1"}


def _empty(value: Any) -> bool:
    return value is None or value is False or value in ("", 0) or (isinstance(value, (list, Mapping)) and not value)


def key_notices(kind: str, file_name: str, service: str, data: Mapping[str, Any]) -> list[Notice]:
    """ecs-cli's verdict on each key of one service of one file: refused, skipped with a warning, or used."""
    notices: list[Notice] = []
    for key in data:
        where = f"{file_name}: service {service}: {key}"
        if kind == "v3":
            if key in FORBIDDEN_V3:
                notices.append(
                    Notice(
                        "error",
                        f"{where} is forbidden in compose v3",
                        "move memory/CPU to ecs-params.yml" if key in ("mem_limit", "cpu_shares") else f"remove {key}",
                        reason="Configuration contains forbidden properties",
                    )
                )
            elif key == "healthcheck" and isinstance(data[key], Mapping):
                for inner in data[key]:
                    if inner not in _V3_HEALTHCHECK:
                        notices.append(
                            Notice(
                                "error",
                                f"{where}.{inner} is not in the compose 3.0 schema (a compose 3.4 key)",
                                f"remove {inner}, or set it in ecs-params.yml services.{service}.healthcheck",
                                reason=f"services.{service}.healthcheck Additional property {inner} is not allowed",
                            )
                        )
            elif key == "volumes" and isinstance(data[key], list) and any(isinstance(v, Mapping) for v in data[key]):
                notices.append(
                    Notice(
                        "error",
                        f"{where}: the long volume syntax is not in the compose 3.0 schema (a compose 3.2 feature)",
                        "write volumes as SOURCE:TARGET[:ro]",
                        reason=f"services.{service}.volumes.0 must be a string",
                    )
                )
            else:
                newer = f" ({_NEWER[key]})" if key in _NEWER else ""
                unknown = (f"{where} is not in the compose 3.0 schema", f"remove {key}{newer}")
                unknown_reason = f"services.{service} Additional property {key} is not allowed"
                typed = (where, "the compose 3.0 schema", f"services.{service}.{key}")
                notices += _schema_notices(COMPOSE_V3_SCHEMA, key, data[key], typed, (*unknown, unknown_reason))
        else:
            newer = f" (a {_NEWER[key]} key: ecs-cli reads compose 2.0)" if key in _NEWER else ""
            unknown = (
                f"{where} is rejected by ecs-cli (Unsupported config option)",
                f"remove {key}: ecs-cli's compose v1/v2 schema has no such key{newer}",
            )
            unknown_reason = f"Unsupported config option for {service} service: '{key}'"
            typed = (where, "ecs-cli's compose v1/v2 schema", f"Service '{service}' configuration key '{key}'")
            notices += _schema_notices(LIBCOMPOSE_SCHEMA, key, data[key], typed, (*unknown, unknown_reason))
    return notices


def _schema_notices(
    schema: Collection[str], key: str, value: Any, typed: tuple[str, str, str], unknown: tuple[str, str, str]
) -> list[Notice]:
    """A service key's error by its schema: ``unknown`` (message, fix, reason) when the schema has no such key;
    when the value is of a type the schema refuses, the problem put in ``typed`` (where, schema, reason head)."""
    if key not in schema:
        message, fix, reason = unknown
        return [Notice("error", message, fix, reason=reason)]
    problem = _v3_type_problem(key, value)
    if problem is None:
        return []
    where, schema_name, reason_head = typed
    fix = f"write {key} as the compose file reference says (quote numbers meant as text)"
    return [Notice("error", f"{where} {problem} in {schema_name}", fix, reason=f"{reason_head} {problem}")]


def skip_notices(kind: str, service: str, data: Mapping[str, Any]) -> list[Notice]:
    """The ``Skipping unsupported YAML option`` warnings for one merged service."""
    notices: list[Notice] = []
    for key, value in data.items():
        if kind == "v3":
            if key in SUPPORTED_V3 or key in FORBIDDEN_V3 or key not in COMPOSE_V3_SCHEMA or _empty(value):
                continue
            notices.append(skipped(key, service))
            if key == "deploy" and isinstance(value, Mapping):
                resources = value.get("resources")
                if isinstance(resources, Mapping) and (resources.get("limits") or resources.get("reservations")):
                    notices.append(
                        skipped(
                            key, service, " service-level resources should be configured in the ecs-param.yml file."
                        )
                    )
                else:
                    notices.append(skipped(key, service))
        else:
            if key in SUPPORTED_V1_V2 or key not in LIBCOMPOSE_SCHEMA or _empty(value):
                continue
            if key == "networks" and isinstance(value, (list, Mapping)) and len(value) == 1:
                continue
            notices.append(skipped(key, service))
    if kind == "v1":
        notices.append(skipped("networks", service))  # libcompose gives v1 services the default network
    return notices


# --------------------------------------------------------------------------------------------------
# Lookups


def make_lookup(dotenv: Mapping[str, str], env: Mapping[str, str]) -> Callable[[str], str | None]:
    """libcompose's composable lookup: the ``.env`` file, then the process environment (last match wins)."""

    def lookup(name: str) -> str | None:
        if name in env:
            return env[name]
        return dotenv.get(name)

    return lookup


# --------------------------------------------------------------------------------------------------
# v1/v2: libcompose


def _env_list_v2(value: Any, service: str) -> list[str]:
    """libcompose's MaporEqualSlice: a list as strings, a map as ``K=V`` (``K`` for null)."""
    if value is None:
        return []
    if isinstance(value, list):
        if all(type(v) is str for v in value):  # the common case (and a long env_file's lines): as they are
            return list(value)
        out = []
        for v in value:
            if isinstance(v, (bool, list, Mapping)):
                raise InvalidInput(
                    f"service {service}: environment entry {v!r}: Cannot unmarshal into a string value",
                    "quote the value",
                )
            out.append(syntax.scalar_text(v))
        return out
    if isinstance(value, Mapping):
        out = []
        for k, v in value.items():
            if v is None:
                out.append(str(k))
            elif isinstance(v, (bool, list, Mapping)):
                raise InvalidInput(
                    f"service {service}: environment {k}: Cannot unmarshal '{v}' of type "
                    f"{type(v).__name__} into a string value",
                    f'quote the value: {k}: "{syntax.scalar_text(v)}"',
                )
            else:
                out.append(f"{k}={syntax.scalar_text(v)}")
        return out
    raise InvalidInput(f"service {service}: environment must be a list or a map", "write environment: [KEY=value]")


def _labels_map(value: Any) -> dict[str, str]:
    if isinstance(value, Mapping):
        return {str(k): syntax.scalar_text(v) for k, v in value.items()}
    labels: dict[str, str] = {}
    for item in syntax.string_list(value):
        k, _, v = item.partition("=")
        labels[k] = v
    return labels


def _colon_list(value: Any) -> list[str]:
    """libcompose's MaporColonSlice (links, extra_hosts)."""
    if isinstance(value, Mapping):
        return [f"{k}:{syntax.scalar_text(v)}" for k, v in value.items()]
    return syntax.string_list(value)


# keys libcompose types as string lists (Stringorslice / []string)
_LIST_KEYS = frozenset(
    {"dns", "dns_search", "tmpfs", "cap_add", "cap_drop", "security_opt", "devices", "ports", "volumes"}
    | {"volumes_from", "external_links", "expose"}
)


class _EnvFileList(list[str]):
    """An environment produced by env_file (a Go []string, not []interface{}: a later merge replaces it)."""


def _typed_v2(service: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """A service as libcompose's ServiceConfig marshals it back (what later files merge into)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("command", "entrypoint"):
            out[key] = syntax.command_words(value) if value is not None else None
        elif key == "environment":
            out[key] = _env_list_v2(value, service)
        elif key == "labels":
            out[key] = _labels_map(value)
        elif key in ("links", "extra_hosts"):
            out[key] = _colon_list(value)
        elif key in _LIST_KEYS:
            out[key] = syntax.string_list(value)
        elif key == "ulimits":
            out[key] = dict(value) if isinstance(value, Mapping) else value
        elif key in ("mem_limit", "mem_reservation", "memswap_limit", "shm_size"):
            out[key] = syntax.mem_bytes(value) if value not in (None, "") else None
        else:
            out[key] = value
    return out


def _merge_v2(
    base: dict[str, Any], data: Mapping[str, Any], raw: Mapping[str, Any] | None = None, where: str = ""
) -> tuple[dict[str, Any], list[Notice]]:
    """libcompose's mergeConfig/merge: []interface{} appended, maps merged, anything else replaced.

    Also the notes for what surprises: a later map ``environment`` (or one from env_file), or ``labels``
    as a list, replace the earlier ones; a ``command``/``entrypoint`` list is appended to the earlier one.
    """
    merged = dict(base)
    notes: list[Notice] = []
    raw = raw or {}
    for key, value in data.items():
        old = merged.get(key)
        if key in merged and type(old) is list and type(value) is list:
            merged[key] = old + value
            if key in ("command", "entrypoint") and old and value:
                notes.append(
                    Notice(
                        "note",
                        f"{where}: {key} is appended to the earlier file's {key}, not replacing it: "
                        f"ecs-cli runs {' '.join(map(syntax.scalar_text, old + value))!r}",
                        f"to replace it, write {key} as a string in the later file",
                        check="compose merge",
                    )
                )
        elif key in merged and isinstance(old, Mapping) and isinstance(value, Mapping):
            merged[key] = {**old, **value}
        else:
            merged[key] = value
            if key in ("environment", "labels") and old and value != old:
                how = "from env_file" if isinstance(value, _EnvFileList) else f"written as a {_shape(raw.get(key))}"
                notes.append(
                    Notice(
                        "note",
                        f"{where}: {key} {how} replaces the earlier file's {key} instead of merging into it "
                        "(ecs-cli converts the earlier one first)",
                        f"write {key} the same way in every file"
                        + (" (as a list), or repeat the earlier entries" if key == "environment" else " (as a map)"),
                        check="compose merge",
                    )
                )
    return merged, notes


def _shape(value: Any) -> str:
    return "map" if isinstance(value, Mapping) else "list" if isinstance(value, list) else "value"


def env_file_notes(path: Path, text: str) -> list[Notice]:
    """What docker's env-file syntax does that surprises (ecs-cli says nothing about it)."""
    notes = []
    for line in syntax.env_file_lines(text):
        if line.value is None:
            continue
        shown = f"{path.name} line {line.number}: `{line.text}`"
        if line.key != line.key.rstrip() or " " in line.key or "\t" in line.key:
            notes.append(
                Notice(
                    "note",
                    f"{shown} sets a variable named {line.key!r} (blanks included) to {line.value!r}",
                    f"write {line.key.split()[-1]}={line.value.strip()} (no blanks around =, no export)",
                    check="env_file",
                )
            )
        elif len(line.value) > 1 and line.value[0] == line.value[-1] and line.value[0] in "'\"":
            notes.append(
                Notice(
                    "note",
                    f"{shown}: the quotes are part of {line.key}'s value (env files are not shell)",
                    f"write {line.key}={line.value[1:-1]}",
                    check="env_file",
                )
            )
        elif " #" in line.value:
            notes.append(
                Notice(
                    "note",
                    f"{shown}: the ' #...' is part of {line.key}'s value (no comments after a value)",
                    f"put the comment on its own line: {line.key}={line.value.split(' #', 1)[0]}",
                    check="env_file",
                )
            )
    return notes


# --------------------------------------------------------------------------------------------------
# Reading


@dataclass
class _Reader:
    base_dir: Path
    lookup: Callable[[str], str | None]
    env: Mapping[str, str]
    read_text: Callable[[Path], str]
    load_yaml: Callable[[Path], Any] = lambda _path: None
    file_services: dict[Path, Mapping[str, Mapping[str, Any]]] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)
    unset_by_service: dict[str, dict[str, None]] = field(default_factory=dict)
    env_notes: dict[tuple[Path, str], list[Notice]] = field(default_factory=dict)
    env_texts: dict[Path, str] = field(default_factory=dict)
    env_paths: dict[tuple[Path, str], Path] = field(default_factory=dict)
    interp: Interpolation = field(init=False)

    def __post_init__(self) -> None:
        self.interp = Interpolation.over(self.lookup)

    def warn(self, notice: Notice) -> None:
        self.notices.append(notice)

    def env_path(self, directory: Path, name: str) -> Path:
        """``directory / name``, once per pair (joining paths costs microseconds, services repeat them)."""
        key = (directory, name)
        if key not in self.env_paths:
            self.env_paths[key] = directory / name
        return self.env_paths[key]

    def env_file_text(self, path: Path) -> str:
        """``read_text(path)``, once per file (a thousand services may name the same env files)."""
        if path not in self.env_texts:
            self.env_texts[path] = self.read_text(path)
        return self.env_texts[path]

    def env_file_notes(self, path: Path, text: str) -> list[Notice]:
        """:func:`env_file_notes`, once per file and content (services share env files)."""
        key = (path, text)
        if key not in self.env_notes:
            self.env_notes[key] = env_file_notes(path, text)
        return self.env_notes[key]


def _services_of(kind: str, data: Mapping[str, Any], path: Path) -> dict[str, Mapping[str, Any]]:
    source = data if kind == "v1" else data.get("services") or {}
    if not isinstance(source, Mapping):
        raise InvalidInput(f"{path}: services must be a mapping", "write services: {name: {image: ...}}")
    services: dict[str, Mapping[str, Any]] = {}
    for name, service in source.items():
        if kind == "v1" and name == "version":
            continue
        if not isinstance(service, Mapping):
            raise InvalidInput(
                f"{path}: service {name} is not a mapping",
                "under each service name, write its keys (image, ports, ...)",
            )
        services[str(name)] = service
    return services


def v1_services_pitfall(path: Path, data: Mapping[str, Any]) -> Notice | None:
    """A file without ``version:`` but with ``services:``: ecs-cli reads one v1 service named ``services``."""
    services = data.get("services")
    if "version" in data or not isinstance(services, Mapping):
        return None
    if not all(isinstance(v, Mapping) for v in services.values()):
        return None
    return Notice(
        "error",
        f"{path.name} has no `version:`: ecs-cli reads it as compose v1, with one service named `services`",
        "add version: '2' (or '3') at the top of the file",
        check="compose version",
    )


def read_services(
    documents: Sequence[tuple[Path, Mapping[str, Any]]],
    kind: str,
    *,
    dotenv: Mapping[str, str],
    env: Mapping[str, str],
    read_text: Callable[[Path], str],
    load_yaml: Callable[[Path], Any] | None = None,
) -> Services:
    """The compose documents (already parsed, in ``-f`` order) read as ecs-cli reads them.

    ``read_text`` reads env files, ``load_yaml`` the files ``extends`` names.
    """
    base_dir = documents[0][0].parent if documents else Path(".")
    reader = _Reader(base_dir, make_lookup(dotenv, env), env, read_text)
    if load_yaml is not None:
        reader.load_yaml = load_yaml
    for path, data in documents:
        pitfall = v1_services_pitfall(path, data)
        if pitfall is not None:
            reader.warn(pitfall)
    if kind == "v3":
        raw, named = _read_v3(reader, documents)
    else:
        raw, named = _read_v1v2(reader, documents, kind)
    for name, service in raw.items():
        for notice in skip_notices(kind, name, service):
            reader.warn(notice)
    volumes = _VolumeTable(list(named))
    order = sorted(raw) if kind == "v3" else list(raw)
    refusal = next((n for n in reader.notices if n.level == "error"), None)
    converted = []
    for name in order:
        try:
            converted.append(_container(reader, name, raw[name], kind, volumes))
        except InvalidInput:
            if refusal is None:
                raise
            raise refusal.error() from None  # ecs-cli's refusal is the reason to give, not what follows from it
    containers = tuple(converted)
    return Services(
        kind=kind,
        raw=raw,
        containers=containers,
        volumes=Volumes(tuple(volumes.with_host.items()), tuple(volumes.empty_host)),
        notices=tuple(reader.notices),
        unset=tuple(reader.interp.unset),
        seen=tuple(reader.interp.seen),
    )


def _interpolate_v2(reader: _Reader, service: str, data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():

        def text(s: str, key: str = key) -> str:
            # this string's unset variables on their own (the pass's `seen` shared), then added to the pass's
            shared = reader.interp
            alone = Interpolation(shared.lookup, shared.seen, {}, shared.values, shared.results)
            result = syntax.interpolate_v2(s, alone)
            found = list(alone.unset)
            reader.interp.unset.update(alone.unset)
            if result is None:
                raise InvalidInput(
                    f'Invalid interpolation format for "{key}" option in service "{service}": "{s}"',
                    "write $$ for a literal $, and ${NAME} or ${NAME:-default} for a variable",
                )
            for name in found:
                reader.unset_by_service.setdefault(service, {})[name] = None
                reader.warn(
                    Notice(
                        "warning",
                        f"${{{name}}} is used in the compose files but set neither in the environment nor in .env",
                        f"define {name} in .env or in the environment",
                        logfmt(f"The {name} variable is not set. Substituting a blank string."),
                        check="compose variables",
                    )
                )
            return result

        out[key] = syntax.interpolate_value(value, text)
    return out


def _read_v1v2(
    reader: _Reader, documents: Sequence[tuple[Path, Mapping[str, Any]]], kind: str
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    merged: dict[str, dict[str, Any]] = {}
    named: dict[str, None] = {}
    for path, data in documents:
        reader.file_services[path] = _services_of(kind, data, path)
        for name, service in reader.file_services[path].items():
            for notice in key_notices(kind, path.name, name, service):
                reader.warn(notice)
            merged[name] = _in_service(
                f"{path.name}: service {name}",
                partial(_one_v2, reader, kind, path, name, service, merged.get(name)),
            )
        if kind == "v2":
            for volume, config in _mapping(data.get("volumes"), path, "volumes").items():
                if config:
                    raise InvalidInput(
                        _volume_refusal(config, f"{path.name}: volume {volume}"), "declare it bare: `name:`"
                    )
                named[str(volume)] = None
            networks = data.get("networks")
            if isinstance(networks, Mapping) and len(networks) > 1:
                reader.warn(
                    Notice(
                        "warning",
                        f"{path.name}: networks (more than one) are ignored by ecs-cli",
                        "remove the networks: ECS (awsvpc) gives each task its own",
                        logfmt("Skipping unsupported YAML option...", option_name="networks"),
                    )
                )
    typed = {n: _in_service(f"service {n}", partial(_typed_v2, n, s)) for n, s in merged.items()}
    return typed, list(named)


def _one_v2(
    reader: _Reader, kind: str, path: Path, name: str, service: Mapping[str, Any], earlier: dict[str, Any] | None
) -> dict[str, Any]:
    """One file's service, env_file applied, merged into the earlier files' (libcompose MergeServicesV2)."""
    values = _parse_v2(reader, kind, path, name, service, reader.file_services.get(path, {}), 0)
    if earlier is not None:
        merged, notes = _merge_v2(_typed_v2(name, earlier), values, service, f"{path.name}: service {name}")
        reader.notices.extend(notes)
        return merged
    return values


_NO_EXTEND = ("links", "volumes_from")


def _parse_v2(
    reader: _Reader,
    kind: str,
    path: Path,
    name: str,
    service: Mapping[str, Any],
    siblings: Mapping[str, Mapping[str, Any]],
    depth: int,
) -> dict[str, Any]:
    """libcompose's parseV1/parseV2: interpolated, env_file read into environment, ``extends`` resolved."""
    values = _interpolate_v2(reader, name, service)
    if kind == "v1":
        values = _v1_to_v2(values)
    files = syntax.string_list(values.pop("env_file", None))
    if files:
        directory = path.parent
        contents = [reader.env_file_text(reader.env_path(directory, f)) for f in files]
        for f, text in zip(files, contents, strict=True):
            reader.notices.extend(reader.env_file_notes(reader.env_path(directory, f), text))
        environment = _env_list_v2(values.get("environment"), name)
        values["environment"] = _EnvFileList(syntax.merge_env_file_v2(environment, contents))
    extends = values.get("extends")
    if not isinstance(extends, Mapping) or not extends.get("service"):
        return values
    if depth > 10:
        raise InvalidInput(f"service {name}: extends goes round in circles", "check the extends chain")
    target = str(extends["service"])
    source, others = path, siblings
    if extends.get("file"):
        source = path.parent / str(extends["file"])
        data = reader.load_yaml(source)
        if not isinstance(data, Mapping):
            raise InvalidInput(f"{source}: not a compose file", "check the file extends names")
        others = _services_of("v1" if "version" not in data else "v2", data, source)
        for base_name, base_service in others.items():
            for notice in key_notices(kind, source.name, base_name, base_service):
                reader.warn(notice)
    if target not in others:
        where = f" in file {extends['file']}" if extends.get("file") else ""
        raise InvalidInput(f"Failed to find service {target}{where} to extend", f"check extends of service {name}")
    base = _parse_v2(reader, kind, source, target, others[target], others, depth + 1)
    for key in _NO_EXTEND:
        if key in base:
            raise InvalidInput(
                f"Cannot extend service '{target}' in {source.name}: services with '{key}' cannot be extended",
                f"move {key} out of {target}",
            )
    merged, _ = _merge_v2(base, values)
    return merged


def _mapping(value: Any, path: Path, key: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{path}: top-level {key} must be a mapping", f"write {key}: {{name: }}")
    return value


def _in_service(where: str, action: Callable[[], _T]) -> _T:
    """``action()``, its InvalidInput naming the service it is about."""
    try:
        return action()
    except InvalidInput as exc:
        if exc.message.startswith(("service ", "services.")) or where in exc.message:
            raise
        raise InvalidInput(f"{where}: {exc.message}", exc.fix) from None


def _v1_to_v2(service: dict[str, Any]) -> dict[str, Any]:
    """libcompose's ConvertServices: log_driver/log_opt become logging, net network_mode."""
    out = dict(service)
    driver, opts = out.pop("log_driver", None), out.pop("log_opt", None)
    if driver or opts:
        out["logging"] = {"driver": driver or "", "options": opts or {}}
    if "net" in out:
        out["network_mode"] = out.pop("net")
    return out


def _volume_refusal(config: Any, where: str) -> str:
    if isinstance(config, Mapping):
        if config.get("driver"):
            return f"{where}: Volume driver is not supported"
        if config.get("driver_opts"):
            return f"{where}: Volume driver options is not supported"
        if config.get("labels"):
            return f"{where}: Volume labels are not supported"
    return f"{where}: External option is not supported"


# --------------------------------------------------------------------------------------------------
# v3: docker/cli


def _env_map_v3(value: Any, service: str) -> dict[str, str | None]:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        out: dict[str, str | None] = {}
        for k, v in value.items():
            if isinstance(v, (bool, list, Mapping)):
                raise InvalidInput(
                    f"services.{service}.environment.{k} must be a string, number or null",
                    f'quote the value: {k}: "{syntax.scalar_text(v)}"',
                )
            out[str(k)] = None if v is None else syntax.scalar_text(v)
        return out
    result: dict[str, str | None] = {}
    for item in syntax.string_list(value):
        k, sep, v = item.partition("=")
        result[k] = v if sep else None
    return result


def _read_v3(
    reader: _Reader, documents: Sequence[tuple[Path, Mapping[str, Any]]]
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    merged: dict[str, dict[str, Any]] = {}
    named: dict[str, None] = {}

    def text(s: str) -> str:
        return syntax.interpolate_v3(s, reader.interp)

    for path, data in documents:
        for notice in document_notices("v3", path, data):
            reader.warn(notice)
        services = _services_of("v3", data, path)
        for name, service in services.items():
            for notice in key_notices("v3", path.name, name, service):
                reader.warn(notice)
        for name, service in services.items():
            merged[name] = _in_service(
                f"{path.name}: service {name}",
                partial(_one_v3, reader, name, service, merged.get(name), text),
            )
        for volume, declared in _mapping(data.get("volumes"), path, "volumes").items():
            config = syntax.interpolate_value(declared, text)
            if config:
                raise InvalidInput(_volume_refusal(config, f"{path.name}: volume {volume}"), "declare it bare: `name:`")
            named[str(volume)] = None
    return merged, list(named)


def _one_v3(
    reader: _Reader, name: str, service: Mapping[str, Any], earlier: dict[str, Any] | None, text: Callable[[str], str]
) -> dict[str, Any]:
    """One file's service: interpolated, its environment resolved (docker/cli resolveEnvironment), merged."""
    before = set(reader.interp.unset)
    values = dict(syntax.interpolate_value(dict(service), text))
    for unset_name in reader.interp.unset:
        if unset_name not in before:
            reader.unset_by_service.setdefault(name, {})[unset_name] = None
    environment: dict[str, str | None] = {}
    files = syntax.string_list(values.pop("env_file", None))
    for f in files:
        text_of_file = reader.env_file_text(reader.base_dir / f)
        reader.notices.extend(reader.env_file_notes(reader.base_dir / f, text_of_file))
        for line in syntax.env_file_lines(text_of_file):
            bad = syntax.bad_env_key(line)
            if bad:
                raise InvalidInput(f"{reader.base_dir / f}: line {line.number}: {bad}", "remove the blanks")
            if line.value is not None:
                environment[line.key] = line.value
            elif line.key in reader.env:  # docker looks a bare key up in the process environment only
                environment[line.key] = reader.env[line.key]
    declared = _env_map_v3(values.get("environment"), name)
    for pairs in (dict(environment), declared):
        for k, v in pairs.items():
            found = reader.lookup(k)
            environment[k] = found if (v is None or v == "") and found is not None else v
    if files or "environment" in values:
        values["environment"] = environment
    values = _typed_v3(name, values, reader)
    return _merge_v3(earlier, values) if earlier is not None else values


_UNSPECIFIED = ("0.0.0.0", "::")  # noqa: S104 - addresses docker does not warn about, not a bind


def _typed_v3(service: str, data: Mapping[str, Any], reader: _Reader) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("command", "entrypoint"):
            out[key] = syntax.command_words(value) if value is not None else None
        elif key == "labels":
            out[key] = _labels_map(value)
        elif key in ("links", "extra_hosts"):
            out[key] = _colon_list(value)
        elif key == "ports":
            ports: list[PortSpec] = []
            if value is not None and not isinstance(value, list):
                raise InvalidInput(f"service {service}: ports must be a list", 'write ports: ["HOST:CONTAINER"]')
            for spec in value or []:
                if isinstance(spec, Mapping):
                    raise InvalidInput(
                        f"service {service}: ports in the long syntax need compose 3.2", "write ports as HOST:CONTAINER"
                    )
                text = syntax.scalar_text(spec)
                expanded = syntax.parse_ports_v3(text)
                for p in expanded:
                    if p.host_ip and p.host_ip not in _UNSPECIFIED:
                        reader.warn(
                            Notice(
                                "warning",
                                f"service {service}: port {text}: the IP address {p.host_ip} is ignored",
                                f"write {p.host_port}:{p.container_port}"
                                if p.host_port
                                else f"write {p.container_port}",
                                logfmt(
                                    f"ignoring IP-address ({p.host_ip}:{p.host_port or ''}:{p.container_port}/"
                                    f"{p.protocol}) service will listen on '0.0.0.0'"
                                ),
                                check="ports",
                            )
                        )
                ports.extend(expanded)
            out[key] = ports
        elif key in _LIST_KEYS:
            out[key] = syntax.string_list(value)
        else:
            out[key] = value
    return out


def _merge_v3(base: dict[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """docker/cli's mergeServices: mergo with override and appended slices, and its special cases."""
    merged = dict(base)
    if merged.get("ports"):
        # the ports transformer runs whenever the service is merged: keyed by published port, sorted
        by_published: dict[int, PortSpec] = {}
        for p in list(merged["ports"]) + list(data.get("ports") or []):
            by_published[p.host_port] = p
        merged["ports"] = sorted(by_published.values(), key=lambda p: p.host_port)
    for key, value in data.items():
        old = merged.get(key)
        if key == "ports" and base.get("ports"):
            continue
        if key not in merged or _empty(old):
            merged[key] = value
        elif key == "logging" and isinstance(old, Mapping) and isinstance(value, Mapping):
            if not value.get("driver") or not old.get("driver") or value.get("driver") == old.get("driver"):
                options = {**(old.get("options") or {}), **(value.get("options") or {})}
                merged[key] = {"driver": old.get("driver") or value.get("driver"), "options": options}
            else:
                merged[key] = value
        elif key == "ulimits":
            merged[key] = {**old, **value} if isinstance(old, Mapping) and isinstance(value, Mapping) else value
        elif isinstance(old, list) and isinstance(value, list):
            merged[key] = old + value
        elif isinstance(old, Mapping) and isinstance(value, Mapping):
            merged[key] = {**old, **value}
        elif not _empty(value):
            merged[key] = value
    return merged


# --------------------------------------------------------------------------------------------------
# Conversion to a container (ecs-cli convertV1V2ToContainerConfig / project_parseV3 convertToContainerConfig)


@dataclass
class _VolumeTable:
    empty_host: list[str]
    with_host: dict[str, str] = field(default_factory=dict)

    def source(self, source: str) -> str:
        """ecs-cli's GetSourcePathAndUpdateVolumes."""
        count = len(self.with_host) + len(self.empty_host)
        if source == "":
            name = f"volume-{count}"
            self.empty_host.append(name)
            return name
        if not (source.startswith(".") or source.startswith("/") or source.startswith("~")):
            if source not in self.empty_host:
                raise InvalidInput(
                    f"named volume [{source}] is used but no declaration was found in the volumes section",
                    f"declare it at the top level: volumes: {{{source}: }}",
                )
            return source
        if source not in self.with_host:
            self.with_host[source] = f"volume-{count}"
        return self.with_host[source]


def _mounts(values: list[str], table: _VolumeTable, v3: bool, base_dir: Path) -> tuple[Mount, ...]:
    mounts = []
    for spec in values:
        parts = spec.split(":", 2) if not v3 else spec.split(":")
        if len(parts) == 1:
            source, target, mode = "", parts[0], ""
        elif len(parts) == 2:
            source, target, mode = parts[0], parts[1], ""
        else:
            source, target, mode = parts[0], parts[1], ":".join(parts[2:])
        if v3:
            if source.startswith(".") or source.startswith("~"):
                source = (
                    str((base_dir / source).resolve()) if source.startswith(".") else str(Path(source).expanduser())
                )
            modes = mode.split(",") if mode else []
            read_only = "ro" in modes
        else:
            if mode not in ("", "ro", "rw"):
                raise InvalidInput(
                    f"expected format [HOST:]CONTAINER[:ro|rw]. could not parse volume: {spec}",
                    "end the volume with :ro or :rw, or nothing",
                )
            read_only = mode == "ro"
        mounts.append(Mount(table.source(source), target, read_only))
    return tuple(mounts)


def _volumes_from(values: list[str]) -> tuple[VolumeFrom, ...]:
    result = []
    for spec in values:
        parts = spec.split(":")
        mode = ""
        if len(parts) == 1:
            name = parts[0]
        elif len(parts) == 2:
            name, mode = (parts[1], "") if parts[0] == "container" else (parts[0], parts[1])
        elif len(parts) == 3 and parts[0] == "container":
            name, mode = parts[1], parts[2]
        else:
            name = ""
        if not name or mode not in ("", "ro", "rw"):
            raise InvalidInput(
                f"expected format [container:]SERVICE|CONTAINER[:ro|rw]. could not parse cfgVolumeFrom: {spec}",
                "write volumes_from: [service] or [service:ro]",
            )
        result.append(VolumeFrom(name, mode == "ro"))
    return tuple(result)


def _devices(values: list[str]) -> tuple[Device, ...]:
    devices = []
    for spec in values:
        parts = spec.split(":")
        if len(parts) > 3:
            raise InvalidInput(f"Invalid number of arguments in device {spec}", "write HOST[:CONTAINER[:rwm]]")
        perms: tuple[str, ...] | None = None
        if len(parts) > 2:
            if len(parts[2]) > 3:
                raise InvalidInput(f"Invalid number of device options: found {len(parts[2])}, max is 3", "use r, w, m")
            seen: dict[str, None] = {}
            for c in parts[2]:
                if c not in "rwm":
                    raise InvalidInput(
                        f"Invalid device option: found '{c}', but only 'r', 'w' or 'm' are valid", "use r, w, m"
                    )
                seen[{"r": "read", "w": "write", "m": "mknod"}[c]] = None
            perms = tuple(seen)
        devices.append(Device(parts[0], parts[1] if len(parts) > 1 else None, perms))
    return tuple(devices)


_TMPFS_SIZE = re.compile(r"size=(\d+(\.\d+)*) ?([kKmMgGtTpP])?[bB]?")


def _tmpfs(values: list[str]) -> tuple[Tmpfs, ...] | None:
    if not values:
        return None
    mounts = []
    for spec in values:
        path, sep, options = spec.partition(":")
        if not sep:
            raise InvalidInput(f"tmpfs {spec}: Path and Size are required options for tmpfs", f"write {spec}:size=64m")
        size = 0
        rest = []
        for option in options.split(","):
            m = _TMPFS_SIZE.search(option)
            if m:
                size = syntax.ram_in_bytes(m.group(0).split("=", 1)[1]) // syntax.MIB
            else:
                rest.append(option)
        if size == 0:
            raise InvalidInput(f"tmpfs {spec}: You must specify the size option for tmpfs", f"write {path}:size=64m")
        mounts.append(Tmpfs(path, size, tuple(rest)))
    return tuple(mounts)


def _ulimits(value: Any, service: str) -> tuple[Ulimit, ...]:
    if not isinstance(value, Mapping):
        return ()
    limits = []
    for name, limit in value.items():
        if isinstance(limit, Mapping):
            try:
                limits.append(Ulimit(str(name), int(limit.get("soft", 0)), int(limit.get("hard", 0))))
            except (TypeError, ValueError):
                raise InvalidInput(f"service {service}: ulimits {name}: soft and hard must be numbers") from None
        elif isinstance(limit, int) and not isinstance(limit, bool):
            limits.append(Ulimit(str(name), limit, limit))
        else:
            raise InvalidInput(f"service {service}: ulimits {name} must be a number or soft/hard", "write nofile: 1024")
    return tuple(sorted(limits, key=lambda u: u.name))


def _healthcheck_v3(value: Any) -> HealthCheck | None:
    if not isinstance(value, Mapping) or value.get("disable"):
        return None
    test = value.get("test")
    command = ("CMD-SHELL", syntax.scalar_text(test)) if isinstance(test, str) else tuple(syntax.string_list(test))

    def seconds(key: str) -> int | None:
        return syntax.duration_seconds(value[key]) if value.get(key) not in (None, "") else None

    retries = value.get("retries")
    if retries not in (None, "") and not (isinstance(retries, int) and not isinstance(retries, bool)):
        raise InvalidInput(f"healthcheck retries {retries!r} is not a number", "write retries: 3")
    return HealthCheck(
        command=command,
        interval=seconds("interval"),
        timeout=seconds("timeout"),
        retries=int(retries) if retries not in (None, "") else None,
        start_period=seconds("start_period"),
    )


def _env_pairs_v2(reader: _Reader, service: str, entries: list[str]) -> tuple[tuple[str, str], ...]:
    """ecs-cli's ConvertToKeyValuePairs: ``K=V`` kept; ``K`` and ``K=`` looked up (.env, environment)."""
    pairs = []
    for entry in entries:
        key, sep, value = entry.partition("=")
        if sep and value != "":
            pairs.append((key, value))
            continue
        found = reader.lookup(key)
        if found is None:
            reader.warn(
                Notice(
                    "warning",
                    f"service {service}: environment {key} has no value and is set neither in the environment "
                    "nor in .env: ecs-cli sends it empty",
                    f"give {key} a value, or set it in the environment",
                    logfmt("Environment variable is unresolved. Setting it to a blank value...", key_name=key),
                    check="compose variables",
                )
            )
            found = ""
        pairs.append((key, found))
    return tuple(pairs)


def _logging(value: Any) -> LogConfig | None:
    if not isinstance(value, Mapping) or not value.get("driver"):
        return None
    options = value.get("options")
    opts = {str(k): syntax.scalar_text(v) for k, v in options.items()} if isinstance(options, Mapping) else {}
    return LogConfig(str(value["driver"]), opts)


def _text(value: Any) -> str:
    return "" if value is None else syntax.scalar_text(value)


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _container(reader: _Reader, name: str, svc: Mapping[str, Any], kind: str, table: _VolumeTable) -> ContainerConfig:
    v3 = kind == "v3"
    try:
        return _convert(reader, name, svc, v3, table)
    except InvalidInput as exc:
        message = exc.message if exc.message.startswith("service ") else f"service {name}: {exc.message}"
        unset = list(reader.unset_by_service.get(name, {}))
        fix = exc.fix
        if unset:
            named = " and ".join(f"${{{u}}}" for u in unset)
            message += f" ({named} {'is' if len(unset) == 1 else 'are'} not set: ecs-cli put an empty string there)"
            fix = f"set {' and '.join(unset)} in .env or in the environment"
        raise InvalidInput(message, fix) from None


def _convert(reader: _Reader, name: str, svc: Mapping[str, Any], v3: bool, table: _VolumeTable) -> ContainerConfig:
    if v3:
        ports: tuple[PortSpec, ...] = tuple(svc.get("ports") or ())
        specs = tuple(f"{p.host_port}:{p.container_port}/{p.protocol}" for p in ports)
        env_items = svc.get("environment") or {}
        environment = tuple((k, "" if v is None else v) for k, v in env_items.items())
        cpu = memory = reservation = shm = 0
        health = _healthcheck_v3(svc.get("healthcheck"))
        labels = tuple(_labels_map(svc["labels"]).items()) if svc.get("labels") is not None else None
        ulimits = _ulimits(svc.get("ulimits"), name) or None
    else:
        specs = tuple(syntax.string_list(svc.get("ports")))
        parsed = []
        for spec in specs:
            port = syntax.parse_port_v2(spec)
            if port.host_ip or spec.count(":") == 2:
                text = spec[:-4] if spec.endswith(("/tcp", "/udp")) else spec
                reader.warn(
                    Notice(
                        "warning",
                        f"service {name}: port {spec}: the IP address is ignored",
                        "drop the IP address from the port",
                        logfmt(
                            "Ignoring the ip address while transforming it to task definition",
                            container=name,
                            portMapping=text,
                        ),
                        check="ports",
                    )
                )
            parsed.append(port)
        ports = tuple(parsed)
        environment = _env_pairs_v2(reader, name, list(svc.get("environment") or []))
        cpu_value = svc.get("cpu_shares")
        try:
            cpu = int(cpu_value) if cpu_value not in (None, "") else 0
        except (TypeError, ValueError):
            raise InvalidInput(f"cpu_shares {cpu_value!r} is not an integer", "write cpu_shares as a number") from None
        memory = syntax.to_mib(svc.get("mem_limit"))
        reservation = syntax.to_mib(svc.get("mem_reservation"))
        if memory == 0 and reservation:
            memory = reservation  # libcompose conversion: a reservation alone is also the limit
        shm = syntax.to_mib(svc.get("shm_size"))
        health = None
        labels = tuple(_labels_map(svc.get("labels")).items())
        ulimits = _ulimits(svc.get("ulimits"), name)
    hosts = []
    for entry in syntax.string_list(svc.get("extra_hosts")):
        parts = entry.split(":")
        if len(parts) != 2:
            raise InvalidInput(
                f"expected format HOSTNAME:IPADDRESS. could not parse ExtraHost: {entry}", "write host:1.2.3.4"
            )
        hosts.append((parts[0], parts[1]))
    grace = svc.get("stop_grace_period")
    image = svc.get("image")
    return ContainerConfig(
        name=name,
        image=None if image is None else _text(image),
        v3=v3,
        command=tuple(svc.get("command") or ()),
        entrypoint=tuple(svc.get("entrypoint") or ()),
        environment=environment,
        ports=ports,
        port_specs=specs,
        mounts=_mounts(syntax.string_list(svc.get("volumes")), table, v3, reader.base_dir),
        volumes_from=_volumes_from(syntax.string_list(svc.get("volumes_from"))),
        links=tuple(syntax.string_list(svc.get("links"))),
        dns=tuple(syntax.string_list(svc.get("dns"))),
        dns_search=tuple(syntax.string_list(svc.get("dns_search"))),
        labels=labels,
        security_opt=tuple(syntax.string_list(svc.get("security_opt"))),
        extra_hosts=tuple(hosts),
        hostname=_text(svc.get("hostname")),
        user=_text(svc.get("user")),
        working_dir=_text(svc.get("working_dir")),
        privileged=_flag(svc.get("privileged")),
        read_only=_flag(svc.get("read_only")),
        tty=_flag(svc.get("tty")),
        cap_add=tuple(syntax.string_list(svc["cap_add"])) if svc.get("cap_add") is not None else None,
        cap_drop=tuple(syntax.string_list(svc["cap_drop"])) if svc.get("cap_drop") is not None else None,
        devices=_devices(syntax.string_list(svc.get("devices"))),
        shm_size=shm,
        tmpfs=_tmpfs(syntax.string_list(svc.get("tmpfs"))),
        ulimits=ulimits,
        healthcheck=health,
        stop_timeout=syntax.duration_seconds(grace) if grace not in (None, "") else None,
        cpu=cpu,
        memory=memory,
        memory_reservation=reservation,
        logging=_logging(svc.get("logging")),
    )
