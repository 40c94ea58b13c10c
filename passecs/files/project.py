"""The project's files: the compose files, ecs-params.yml and .env, read the way ecs-cli reads them.

``load_project`` reads the files once (one YAML loader, :func:`read_text_file` the one reader) into one
frozen :class:`Project`: each service converted the way ecs-cli converts it
(:class:`passecs.files.compose.ContainerConfig`: libcompose's merge and interpolation for v1/v2, docker/cli's
for v3, env files and ``.env`` with their Go semantics, memory in MiB; SPEC.md §5), ecs-params.yml after
Go's ``os.ExpandEnv`` (§5.6), and ecs-cli's warnings and refusals as :class:`~passecs.files.compose.Notice`
records (:meth:`Project.refusal`), which doctor lists and ``up`` raises. The merged raw data is kept for
checks that name keys. This module raises InvalidInput (exit 3) where the files cannot be read at all (a
missing or unparsable file, a value ecs-cli cannot convert, compose files of different versions).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from passecs.core.errors import InvalidInput
from passecs.files import syntax
from passecs.files.compose import (
    ContainerConfig,
    Notice,
    Services,
    Volumes,
    make_lookup,
    read_services,
    version_kind,
    version_notices,
)
from passecs.files.compose import LogConfig as LogConfig  # noqa: PLC0414 - re-exported
from passecs.files.defaults import DEFAULT_COMPOSE_FILES as DEFAULT_COMPOSE_FILES  # noqa: PLC0414 - re-exported
from passecs.files.defaults import ECS_PARAMS_FILE as ECS_PARAMS_FILE  # noqa: PLC0414 - re-exported
from passecs.files.reading import MAX_BYTES, gc_paused, read_text, safe_load_yaml
from passecs.files.syntax import Interpolation
from passecs.files.syntax import expand_env as expand_env  # noqa: PLC0414 - re-exported
from passecs.files.syntax import role_name_of as role_name_of  # noqa: PLC0414 - re-exported

DOTENV_FILE = ".env"

MIB = 1024 * 1024
_READ_FIX = "check the file's permissions and encoding"


def compose_paths(project_dir: Path, files: Sequence[str] | None = None) -> list[Path]:
    return [project_dir / f for f in (files or DEFAULT_COMPOSE_FILES)]


# Parsed documents by (path, content): one command reads a compose file several times (doctor's checks, the
# project model, the services list) but parses each text once; a copy is handed out, as callers merge into it.
# Kept pickled: unpickling is the deep copy (in C, aliases still shared), ten times faster than copy.deepcopy.
_PARSED: dict[tuple[str, str], bytes] = {}
_PARSED_KEPT = 16


def load_yaml_file(path: Path) -> Any:
    """One safe YAML loader for the project's files; errors name the file, line and column."""
    import hashlib
    import pickle

    text = read_text_file(path)
    key = (str(path), hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())
    if key not in _PARSED:
        data = load_yaml_text(text, path)
        if len(_PARSED) >= _PARSED_KEPT:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[key] = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
        return data  # the first caller gets the parse itself; the others, copies of it as it was
    with gc_paused():
        return pickle.loads(_PARSED[key])  # noqa: S301 - bytes this process pickled itself


def load_yaml_text(text: str, path: Path) -> Any:
    """``text`` (the content of ``path``) parsed as YAML."""
    import yaml  # lazy: command modules import this module and `passecs --help` must stay fast

    try:
        return safe_load_yaml(text, path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise InvalidInput(f"{path}:{where}: {problem}", "fix the YAML syntax at that place") from None


def service_names(project_dir: Path, files: Sequence[str] | None = None) -> list[str]:
    """The services the compose files define, in first-seen order."""
    names: list[str] = []
    for path in compose_paths(project_dir, files):
        data = load_yaml_file(path)
        services = data.get("services") if isinstance(data, dict) else None
        if isinstance(services, dict):
            names.extend(str(s) for s in services if str(s) not in names)
    return names


# --------------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
class PortMapping:
    """One published port as ecs-cli's ConvertToPortMappings makes it (host_port 0 = not published)."""

    container_port: int
    host_port: int
    protocol: str = "tcp"
    spec: str = ""  # the compose text after interpolation, for messages


@dataclass(frozen=True)
class Service:
    """One compose service after merging and interpolation."""

    name: str
    image: str | None
    ports: tuple[PortMapping, ...]
    environment: Mapping[str, str]
    mem_limit: int | None  # MiB (integer division of bytes, as ecs-cli); None when not given
    mem_reservation: int | None  # MiB
    cpu_shares: int | None
    logging: LogConfig | None
    keys: tuple[str, ...]  # the keys present in the merged service, in file order
    env_files: tuple[Path, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict)  # merged and interpolated
    container: ContainerConfig | None = None  # what ecs-cli converts it to (passecs.files.compose)


@dataclass(frozen=True)
class ComposeFile:
    path: Path
    version: str | None  # the top-level `version` as ecs-cli reads it (yaml scalar text); None if absent
    data: Mapping[str, Any]  # as parsed, before interpolation


@dataclass(frozen=True)
class EcsParams:
    """ecs-params.yml after ``os.ExpandEnv`` (environment only; unset => empty)."""

    path: Path
    raw: Mapping[str, Any]
    unset_variables: tuple[str, ...] = ()

    def _task(self) -> Mapping[str, Any]:
        task = self.raw.get("task_definition")
        return task if isinstance(task, Mapping) else {}

    def _awsvpc(self) -> Mapping[str, Any]:
        run = self.raw.get("run_params")
        net = run.get("network_configuration") if isinstance(run, Mapping) else None
        vpc = net.get("awsvpc_configuration") if isinstance(net, Mapping) else None
        return vpc if isinstance(vpc, Mapping) else {}

    @property
    def network_mode(self) -> str | None:
        return _scalar(self._task().get("ecs_network_mode"))

    @property
    def task_execution_role(self) -> str | None:
        return _scalar(self._task().get("task_execution_role"))

    @property
    def execution_role_name(self) -> str | None:
        """The execution role's name, from its name or its ARN (:func:`role_name_of`)."""
        role = self.task_execution_role
        return role_name_of(role) if role else None

    @property
    def task_role_arn(self) -> str | None:
        return _scalar(self._task().get("task_role_arn"))

    @property
    def task_size(self) -> Mapping[str, Any]:
        size = self._task().get("task_size")
        return size if isinstance(size, Mapping) else {}

    @property
    def cpu_limit(self) -> str | None:
        return _scalar(self.task_size.get("cpu_limit"))

    @property
    def mem_limit(self) -> str | None:
        return _scalar(self.task_size.get("mem_limit"))

    @property
    def services(self) -> Mapping[str, Mapping[str, Any]]:
        """Per-service overrides (``task_definition.services``)."""
        raw = self._task().get("services")
        if not isinstance(raw, Mapping):
            return {}
        return {str(k): v for k, v in raw.items() if isinstance(v, Mapping)}

    @property
    def subnets(self) -> tuple[str, ...]:
        return _strings(self._awsvpc().get("subnets"))

    @property
    def security_groups(self) -> tuple[str, ...]:
        return _strings(self._awsvpc().get("security_groups"))

    @property
    def assign_public_ip(self) -> str | None:
        return _scalar(self._awsvpc().get("assign_public_ip"))


@dataclass(frozen=True)
class Project:
    project_dir: Path
    compose_files: tuple[ComposeFile, ...]
    version: str | None  # the (common) compose version; None = no version key (v1)
    services: Mapping[str, Service]  # first-seen order
    dotenv: Mapping[str, str]  # the .env next to the first compose file
    variables: tuple[str, ...]  # every variable the compose files reference, first-seen order
    unset_variables: tuple[str, ...]  # referenced, without a default, in neither .env nor the environment
    ecs_params: EcsParams | None
    kind: str = "v2"  # how ecs-cli reads the files: "v1", "v2" (libcompose) or "v3" (docker/cli)
    containers: tuple[ContainerConfig, ...] = ()  # in the order ecs-cli converts them
    volumes: Volumes = field(default_factory=Volumes)
    notices: tuple[Notice, ...] = ()  # ecs-cli's warnings and refusals, passecs's notes

    def refusal(self) -> InvalidInput | None:
        """What ecs-cli refuses about these files (the first reason), or None."""
        for notice in self.notices:
            if notice.level == "error":
                return notice.error()
        return None

    @property
    def warnings(self) -> tuple[Notice, ...]:
        return tuple(n for n in self.notices if n.level == "warning")

    @property
    def compose_paths(self) -> tuple[Path, ...]:
        return tuple(f.path for f in self.compose_files)

    @property
    def base_dir(self) -> Path:
        """Where relative paths in the compose files start: the first compose file's directory."""
        return self.compose_files[0].path.parent if self.compose_files else self.project_dir


def _scalar(value: Any) -> str | None:
    if value is None or isinstance(value, (Mapping, list)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(v) for v in value if v is not None and str(v) != "")
    return ()


# --------------------------------------------------------------------------------------------------
# Pure conversions, each as ecs-cli does it


def parse_port(spec: Any) -> PortMapping:
    """A compose v1/v2 port as ecs-cli's ConvertToPortMappings reads it (:func:`syntax.parse_port_v2`)."""
    text = syntax.scalar_text(spec).strip()
    port = syntax.parse_port_v2(text)
    return PortMapping(container_port=port.container_port, host_port=port.host_port, protocol=port.protocol, spec=text)


def parse_bytes(value: Any) -> int:
    """Bytes from an int or a docker units string (``512m``, ``1g``, ``1.5GB``: binary units)."""
    try:
        return syntax.mem_bytes(value)
    except InvalidInput:
        raise InvalidInput(f"memory value {value!r}: expected bytes or a size such as 512m or 1g") from None


def memory_mib(value: Any) -> int | None:
    """MiB by integer division, as ecs-cli converts compose memory (``mem_limit: 512`` => 0)."""
    if value is None or value == "":
        return None
    return parse_bytes(value) // MIB


def version_text(value: Any) -> str | None:
    """The top-level ``version`` as yaml.v2 hands ecs-cli the scalar's text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --------------------------------------------------------------------------------------------------
# Interpolation


def interpolate(
    value: Any, lookup: Mapping[str, str], *, state: Interpolation | None = None
) -> tuple[Any, list[str]]:
    """``value`` with libcompose's interpolation applied (compose v1/v2), and the variables that were unset.

    Several calls over one ``lookup`` may share a ``state`` (``Interpolation.over(lookup.get)``): each text
    is then substituted once however often it occurs; the unset variables are then those of every call."""
    state = Interpolation.over(lookup.get) if state is None else state

    def text(s: str) -> str:
        result = syntax.interpolate_v2(s, state)
        return s if result is None else result

    with syntax.interpolation_budget():
        return syntax.interpolate_value(value, text), list(state.unset)


def compose_variables(value: Any) -> list[str]:
    """Every variable name a compose value references (for checks), first-seen order."""
    state = Interpolation.over(lambda _name: None)
    syntax.interpolate_value(value, lambda s: syntax.interpolate_v2(s, state) or "")
    return list(state.seen)


# --------------------------------------------------------------------------------------------------
# env files


def parse_env_lines(text: str) -> dict[str, str | None]:
    """Docker's env-file syntax (ParseEnvFile): KEY=VALUE verbatim, no quote removal; ``#`` comments.

    A key without ``=`` maps to None (the caller decides what it becomes); keys docker refuses (with
    blanks) are left out.
    """
    return {line.key: line.value for line in syntax.env_file_lines(text) if syntax.bad_env_key(line) is None}


def read_dotenv(directory: Path) -> dict[str, str]:
    """The ``.env`` of ``directory`` (none when absent); value-less keys are left out (not set)."""
    path = directory / DOTENV_FILE
    if not path.is_file():
        return {}
    text = read_text_file(path)
    return {k: v for k, v in parse_env_lines(text).items() if v is not None}


def dotenv_for_compose(directory: Path, env: Mapping[str, str]) -> tuple[dict[str, str], list[Notice]]:
    """The ``.env`` as libcompose's EnvfileLookup reads it for ``${VAR}`` (docker's ParseEnvFile).

    A key without ``=`` is the process value (empty if unset); a line docker cannot parse (a key with
    blanks, as in ``export X=1``) makes ecs-cli ignore the whole file, which passecs reports.
    """
    path = directory / DOTENV_FILE
    if not path.is_file():
        return {}, []
    lines = syntax.env_file_lines(read_text_file(path))
    for line in lines:
        problem = syntax.bad_env_key(line)
        if problem:
            note = Notice(
                "note",
                f"{path} line {line.number}: {problem}: ecs-cli cannot read this .env and ignores all of it "
                "for ${VAR} substitution",
                "remove the blanks (and any `export `) from the variable names",
                check="compose variables",
            )
            return {}, [note]
    return {ln.key: ln.value if ln.value is not None else env.get(ln.key, "") for ln in lines}, []


# --------------------------------------------------------------------------------------------------
# Merging


def merge_values(old: Any, new: Any) -> Any:
    """libcompose's per-key merge: lists concatenated, maps merged (later wins), scalars replaced."""
    if isinstance(old, list) and isinstance(new, list):
        return old + new
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        merged = dict(old)
        merged.update(new)
        return merged
    return new


def merge_services(files: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The services of several compose documents merged; later files may add services."""
    merged: dict[str, dict[str, Any]] = {}
    for data in files:
        for name, service in _services_of(data).items():
            target = merged.setdefault(name, {})
            for key, value in service.items():
                target[key] = merge_values(target[key], value) if key in target else value
    return merged


def _services_of(data: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The service maps of one document: under ``services`` (v2/v3), or top-level (v1)."""
    if version_text(data.get("version")) is None:
        source: Any = data
    else:
        source = data.get("services")
    if not isinstance(source, Mapping):
        return {}
    return {str(k): (v if isinstance(v, Mapping) else {}) for k, v in source.items()}


# --------------------------------------------------------------------------------------------------
# Loading


def read_compose_file(path: Path) -> ComposeFile:
    data = load_yaml_file(path)
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise InvalidInput(f"{path}: not a compose file (top level is not a mapping)", "check the file")
    return ComposeFile(path=path, version=version_text(data.get("version")), data=data)


def read_ecs_params(path: Path, env: Mapping[str, str]) -> EcsParams:
    text = read_text_file(path, f"Error reading file '{path}': no such file", "give an existing --ecs-params file")
    expanded, _ = expand_env(text, env)
    if len(expanded) > MAX_BYTES:  # interpolation bounded: the expanded text is held to the file limit
        raise InvalidInput(
            f"{path}: too large once its $VARIABLES are expanded ({len(expanded)} characters)",
            "check the variables the file references: their values are meant to be short ids",
        )
    # ecs-cli expands comments too, harmlessly: only references outside comment lines count as unset
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    _, unset = expand_env(code, env)
    data = load_yaml_text(expanded, path)
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise InvalidInput(f"{path}: not an ecs-params file (top level is not a mapping)", "check the file")
    return EcsParams(path=path, raw=data, unset_variables=tuple(unset))


def read_text_file(path: Path, missing: str | None = None, fix: str = "") -> str:
    """The one reader of the project's files: a regular UTF-8 file of at most 1 MiB (the bounded reader of
    :mod:`passecs.files.reading`); errors name the file (InvalidInput)."""
    try:
        return read_text(path, "file")
    except FileNotFoundError:
        raise InvalidInput(
            missing or f"{path}: no such file", fix or "run passecs in the folder with the compose files (-C DIR)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot be read: {exc}", _READ_FIX) from None


def _read_env_file_text(path: Path) -> str:
    return read_text_file(path, f"{path}: env_file not found", "create it, or remove it from env_file")


def read_env_file(path: Path) -> dict[str, str]:
    """An env_file's entries by name, for checks that must see every value a container could get whichever
    compose version reads the file: blanks around a name trimmed (libcompose keeps them: ``A = b`` is "A "),
    a value-less key as ""."""
    text = _read_env_file_text(path)
    return {line.key.strip(): line.value or "" for line in syntax.env_file_lines(text)}


def _service_record(
    container: ContainerConfig,
    raw: Mapping[str, Any],
    keys: tuple[str, ...],
    base_dir: Path,
    joined: dict[str, Path] | None = None,
) -> Service:
    joined = {} if joined is None else joined  # base_dir / name by name, shared by the services
    env_files = tuple(
        joined.get(f) or joined.setdefault(f, base_dir / f) for f in _strings_or_one(raw.get("env_file"))
    )
    try:
        mem_limit = memory_mib(raw.get("mem_limit"))
        mem_reservation = memory_mib(raw.get("mem_reservation"))
    except InvalidInput as exc:
        raise InvalidInput(
            f"service {container.name!r}: {exc.message}", "write memory as bytes or as 512m / 1g"
        ) from None
    cpu = raw.get("cpu_shares")
    return Service(
        name=container.name,
        image=container.image,
        ports=tuple(
            PortMapping(p.container_port, p.host_port, p.protocol, spec)
            for p, spec in zip(container.ports, container.port_specs + ("",) * len(container.ports), strict=False)
        ),
        environment=dict(container.environment),
        mem_limit=mem_limit,
        mem_reservation=mem_reservation,
        cpu_shares=container.cpu if cpu not in (None, "") else None,
        logging=container.logging,
        keys=keys,
        env_files=env_files,
        raw=raw,
        container=container,
    )


def _strings_or_one(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def load_project(
    project_dir: Path,
    files: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    ecs_params: str | None = None,
) -> Project:
    """The project as ecs-cli would see it from ``project_dir`` with ``-f`` ``files`` and ``--ecs-params``.

    ``env`` is the process environment (default ``os.environ``). ecs-params: the given file (relative to
    ``project_dir``), else ``ecs-params.yml`` there if it exists, else None. What ecs-cli refuses about
    versions and keys is kept in :attr:`Project.notices` (see :meth:`Project.refusal`); what makes the
    files unreadable raises InvalidInput here.
    """
    with syntax.interpolation_budget(), gc_paused():
        return _load_project(project_dir, files, os.environ if env is None else env, ecs_params)


def _load_project(
    project_dir: Path, files: Sequence[str] | None, env: Mapping[str, str], ecs_params: str | None
) -> Project:
    compose = tuple(read_compose_file(p) for p in compose_paths(project_dir, files))
    versions = list(dict.fromkeys(f.version for f in compose))
    if len(versions) > 1:
        found = " and ".join(v or "(none)" for v in versions)
        raise InvalidInput(
            f"Compose files must be of the same version. Found: {found}",
            "use the same top-level `version` in every compose file",
        )
    notices = version_notices([(f.path.name, f.version) for f in compose])
    base_dir = compose[0].path.parent if compose else project_dir
    dotenv = read_dotenv(base_dir)
    version = versions[0] if len(versions) == 1 else None
    kind = _reading_kind(version)
    documents = [(f.path, f.data) for f in compose]
    lookup_env, dotenv_notes = dotenv_for_compose(base_dir, env)
    if any(n.level == "error" for n in notices):
        # ecs-cli stops at the version: nothing else it would say counts; read what can be read
        try:
            services_read = read_services(
                documents, kind, dotenv=lookup_env, env=env, read_text=_read_env_file_text, load_yaml=load_yaml_file
            )
        except InvalidInput:
            services_read = Services(kind, {}, (), Volumes(), (), (), ())
    else:
        services_read = read_services(
            documents, kind, dotenv=lookup_env, env=env, read_text=_read_env_file_text, load_yaml=load_yaml_file
        )
        notices.extend(dotenv_notes)
        notices.extend(services_read.notices)

    # the services as written (merged key by key, interpolated), for checks that name keys and raw values
    lookup = make_lookup(lookup_env, env)
    plain = merge_services(f.data for f in compose)
    services: dict[str, Service] = {}
    containers = {c.name: c for c in services_read.containers}
    quiet = Interpolation.over(lookup)  # one pass over every service: each text substituted once
    joined: dict[str, Path] = {}
    for name in plain:
        if name not in containers:
            continue
        raw = _quiet_interpolation(plain[name], lookup, kind, quiet)
        keys = tuple(str(k) for k in plain[name])
        services[name] = _service_record(containers[name], raw, keys, base_dir, joined)

    params: EcsParams | None = None
    if ecs_params is not None:
        params = read_ecs_params(project_dir / ecs_params, env)
    elif (project_dir / ECS_PARAMS_FILE).is_file():
        params = read_ecs_params(project_dir / ECS_PARAMS_FILE, env)

    return Project(
        project_dir=project_dir,
        compose_files=compose,
        version=versions[0] if versions else None,
        services=services,
        dotenv=dotenv,
        variables=services_read.seen,
        unset_variables=services_read.unset,
        ecs_params=params,
        kind=kind,
        containers=services_read.containers,
        volumes=services_read.volumes,
        notices=tuple(notices),
    )


def _reading_kind(version: str | None) -> str:
    """How ecs-cli reads the files: v1/v2 with libcompose, v3 with docker/cli (a refused 3.x as v3)."""
    kind = version_kind(version)
    if kind:
        return kind
    return "v3" if (version or "").startswith("3") else "v2"


def _quiet_interpolation(
    value: Any, lookup: Callable[[str], str | None], kind: str, state: Interpolation | None = None
) -> Any:
    state = Interpolation.over(lookup) if state is None else state

    def text(s: str) -> str:
        if kind == "v3":
            try:
                return syntax.interpolate_v3(s, state)
            except InvalidInput:
                return s
        result = syntax.interpolate_v2(s, state)
        return s if result is None else result

    return syntax.interpolate_value(value, text)
