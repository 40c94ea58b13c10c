"""The project's files: the compose files, ecs-params.yml and .env, read the way ecs-cli reads them.

``load_project`` gives one frozen :class:`Project`: the compose files merged with libcompose's rules
(tests/data/ecs-cli/SPEC.md §5.2), ``${VAR}`` interpolated from ``.env`` and the environment (§5.4),
``env_file`` merged into each service's environment, memory converted to MiB as ecs-cli does (§5.5), and
ecs-params.yml after Go's ``os.ExpandEnv`` (§5.6). The raw data is kept for the checks in
:mod:`passecs.checks.doctor`, which report problems as findings; this module raises InvalidInput (exit 3) only
where ecs-cli itself would stop (a missing or unparsable file, a port or memory value it cannot convert,
compose files of different versions).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from passecs.core.errors import InvalidInput
from passecs.files.defaults import DEFAULT_COMPOSE_FILES as DEFAULT_COMPOSE_FILES  # noqa: PLC0414 - re-exported
from passecs.files.defaults import ECS_PARAMS_FILE as ECS_PARAMS_FILE  # noqa: PLC0414 - re-exported
from passecs.files.reading import MAX_BYTES, read_text, safe_load_yaml

DOTENV_FILE = ".env"

MIB = 1024 * 1024
_READ_FIX = "check the file's permissions and encoding"


def compose_paths(project_dir: Path, files: Sequence[str] | None = None) -> list[Path]:
    return [project_dir / f for f in (files or DEFAULT_COMPOSE_FILES)]


def load_yaml_file(path: Path) -> Any:
    """One safe YAML loader for the project's files; errors name the file, line and column."""
    try:
        text = read_text(path, "compose file")
    except FileNotFoundError:
        raise InvalidInput(
            f"{path}: no such file", "run passecs in the folder with the compose files (-C DIR)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot be read: {exc}", _READ_FIX) from None
    return load_yaml_text(text, path)


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
class LogConfig:
    driver: str
    options: Mapping[str, str] = field(default_factory=dict)


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


_PORT_RE = re.compile(r"^(?:(?:(?P<ip>[^:]*):)?(?P<host>[^:]*):)?(?P<container>[^:/]*)(?:/(?P<proto>[^/]*))?$")


def parse_port(spec: Any) -> PortMapping:
    """``"c"``, ``"h:c"``, ``"ip:h:c"``, optional ``/tcp`` or ``/udp`` (ConvertToPortMappings)."""
    text = str(spec).strip()
    m = _PORT_RE.match(text)
    if m is None:
        raise InvalidInput(f"port {text!r}: expected CONTAINER, HOST:CONTAINER or IP:HOST:CONTAINER")
    proto = (m.group("proto") or "tcp").lower()
    if proto not in ("tcp", "udp"):
        raise InvalidInput(f"port {text!r}: protocol must be tcp or udp")

    def number(part: str) -> int:
        if not part.isdigit():
            raise InvalidInput(
                f"Could not convert port into integer in portmappings: {text!r}",
                "ecs-cli supports single ports only (no ranges, no empty values): check the variables used",
            )
        return int(part)

    container = number(m.group("container"))
    host_text = m.group("host")
    host = number(host_text) if host_text is not None else 0
    return PortMapping(container_port=container, host_port=host, protocol=proto, spec=text)


_RAM_RE = re.compile(r"^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$")
_RAM_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4, "p": 1024**5}


def parse_bytes(value: Any) -> int:
    """Bytes from an int or a docker units string (``512m``, ``1g``, ``1.5GB``: binary units)."""
    if isinstance(value, bool):
        raise InvalidInput(f"memory value {value!r}: expected bytes or a size such as 512m")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    m = _RAM_RE.match(str(value).strip())
    if m is None:
        raise InvalidInput(f"memory value {value!r}: expected bytes or a size such as 512m or 1g")
    return int(float(m.group(1)) * _RAM_UNITS[(m.group(2) or "").lower()])


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


# libcompose: $$ escapes, ${NAME}, ${NAME:-default}, ${NAME-default}, $NAME
_COMPOSE_VAR = re.compile(
    r"\$(?:(?P<escape>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<sep>:?-)(?P<default>[^}]*))?\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)


@dataclass
class _Interpolator:
    lookup: Mapping[str, str]
    seen: dict[str, None] = field(default_factory=dict)
    unset: dict[str, None] = field(default_factory=dict)

    def text(self, value: str) -> str:
        def replace(m: re.Match[str]) -> str:
            if m.group("escape"):
                return "$"
            name = m.group("braced") or m.group("named")
            self.seen[name] = None
            current = self.lookup.get(name)
            sep = m.group("sep")
            if sep == ":-" and not current:
                return str(m.group("default"))
            if sep == "-" and current is None:
                return str(m.group("default"))
            if current is None:
                self.unset[name] = None
                return ""
            return current

        return _COMPOSE_VAR.sub(replace, value)

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, Mapping):
            return {k: self.value(v) for k, v in value.items()}
        return value


def interpolate(value: Any, lookup: Mapping[str, str]) -> tuple[Any, list[str]]:
    """``value`` with libcompose's interpolation applied, and the variables that were unset."""
    interp = _Interpolator(lookup)
    return interp.value(value), list(interp.unset)


def compose_variables(value: Any) -> list[str]:
    """Every variable name a compose value references (for checks), first-seen order."""
    interp = _Interpolator({})
    interp.value(value)
    return list(interp.seen)


def expand_env(text: str, env: Mapping[str, str]) -> tuple[str, list[str]]:
    """Go's ``os.ExpandEnv``: ``$NAME``/``${NAME}`` from ``env``, unset => empty; and the unset names.

    No defaults: ``${A:-b}`` looks up a variable literally named ``A:-b`` (so it is empty).
    """
    out: list[str] = []
    unset: dict[str, None] = {}
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c != "$" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        name, width = _shell_name(text[i + 1 :])
        if name == "" and width > 0:
            pass  # invalid syntax: Go eats the characters
        elif name == "":
            out.append("$")
        elif name in env:
            out.append(env[name])
        else:
            unset[name] = None
        i += 1 + width
    return "".join(out), list(unset)


def _shell_name(s: str) -> tuple[str, int]:
    special = "*#$@!?-0123456789"
    if s[0] == "{":
        if len(s) > 2 and s[1] in special and s[2] == "}":
            return s[1:2], 3
        end = s.find("}", 1)
        if end == 1:
            return "", 2
        if end < 0:
            return "", 1
        return s[1:end], end + 1
    if s[0] in special:
        return s[0:1], 1
    i = 0
    while i < len(s) and (s[i] == "_" or (s[i].isascii() and s[i].isalnum())):
        i += 1
    return s[:i], i


# --------------------------------------------------------------------------------------------------
# env files


def parse_env_lines(text: str) -> dict[str, str | None]:
    """Docker's env-file syntax (ParseEnvFile): KEY=VALUE verbatim, no quote removal; ``#`` comments.

    A key without ``=`` maps to None (the caller decides what it becomes).
    """
    values: dict[str, str | None] = {}
    for raw in text.splitlines():
        line = raw.lstrip(" \t")
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key = key.lstrip(" \t")
        if not key or any(ch in key for ch in " \t"):
            continue
        values[key] = value if sep else None
    return values


def read_dotenv(directory: Path) -> dict[str, str]:
    """The ``.env`` of ``directory`` (none when absent); value-less keys are left out (not set)."""
    path = directory / DOTENV_FILE
    try:
        text = read_text(path, ".env file")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot be read: {exc}", _READ_FIX) from None
    return {k: v for k, v in parse_env_lines(text).items() if v is not None}


def read_env_file(path: Path) -> dict[str, str]:
    """An ``env_file``: value-less keys become ``""`` (SPEC §5.4)."""
    try:
        text = read_text(path, "env_file")
    except FileNotFoundError:
        raise InvalidInput(f"{path}: env_file not found", "create it, or remove it from env_file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot be read: {exc}", _READ_FIX) from None
    return {k: "" if v is None else v for k, v in parse_env_lines(text).items()}


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
    try:
        text = read_text(path, "ecs-params file")
    except FileNotFoundError:
        raise InvalidInput(f"Error reading file '{path}': no such file", "give an existing --ecs-params file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Error reading file '{path}': {exc}", "check the file's permissions") from None
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


def build_service(name: str, raw: Mapping[str, Any], base_dir: Path, lookup: Mapping[str, str]) -> Service:
    """A Service from its merged, interpolated compose map."""
    where = f"service {name!r}"
    env_files: list[Path] = []
    env_file = raw.get("env_file")
    if env_file is not None and not isinstance(env_file, (str, list)):
        raise InvalidInput(f"{where}: env_file must be a path or a list of paths", "write env_file: .env")
    for entry in [env_file] if isinstance(env_file, str) else (env_file or []):
        env_files.append(base_dir / str(entry))
    environment: dict[str, str] = {}
    for path in env_files:
        environment.update(read_env_file(path))
    declared = raw.get("environment")
    if isinstance(declared, Mapping):
        items: list[tuple[str, Any]] = [(str(k), v) for k, v in declared.items()]
    elif isinstance(declared, list):
        items = []
        for entry in declared:
            key, sep, value = str(entry).partition("=")
            items.append((key, value if sep else None))
    else:
        items = []
    for key, value in items:
        environment[key] = lookup.get(key, "") if value is None else _env_value(value)

    ports: list[PortMapping] = []
    declared_ports = raw.get("ports") or []
    if not isinstance(declared_ports, list):
        raise InvalidInput(f"{where}: ports must be a list", 'write ports: ["HOST:CONTAINER", ...]')
    for spec in declared_ports:
        try:
            ports.append(parse_port(spec))
        except InvalidInput as exc:
            raise InvalidInput(f"{where}: {exc.message}", exc.fix) from None

    try:
        mem_limit = memory_mib(raw.get("mem_limit"))
        mem_reservation = memory_mib(raw.get("mem_reservation"))
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc.message}", "write memory as bytes or as 512m / 1g") from None
    cpu = raw.get("cpu_shares")
    try:
        cpu_shares = int(cpu) if cpu is not None and cpu != "" else None
    except (TypeError, ValueError):
        raise InvalidInput(f"{where}: cpu_shares {cpu!r} is not an integer", "write cpu_shares as a number") from None

    logging: LogConfig | None = None
    log = raw.get("logging")
    if isinstance(log, Mapping) and log.get("driver"):
        opts = log.get("options")
        logging = LogConfig(str(log["driver"]), _str_map(opts))
    elif raw.get("log_driver"):  # v1 spelling
        logging = LogConfig(str(raw["log_driver"]), _str_map(raw.get("log_opt")))

    image = raw.get("image")
    return Service(
        name=name,
        image=None if image is None else str(image),
        ports=tuple(ports),
        environment=environment,
        mem_limit=mem_limit,
        mem_reservation=mem_reservation,
        cpu_shares=cpu_shares,
        logging=logging,
        keys=tuple(str(k) for k in raw),
        env_files=tuple(env_files),
        raw=raw,
    )


def _env_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _str_map(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): _env_value(v) for k, v in value.items()}


def load_project(
    project_dir: Path,
    files: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    ecs_params: str | None = None,
) -> Project:
    """The project as ecs-cli would see it from ``project_dir`` with ``-f`` ``files`` and ``--ecs-params``.

    ``env`` is the process environment (default ``os.environ``). ecs-params: the given file (relative to
    ``project_dir``), else ``ecs-params.yml`` there if it exists, else None.
    """
    env = os.environ if env is None else env
    compose = tuple(read_compose_file(p) for p in compose_paths(project_dir, files))
    versions = list(dict.fromkeys(f.version for f in compose))
    if len(versions) > 1:
        found = " and ".join(v or "(none)" for v in versions)
        raise InvalidInput(
            f"Compose files must be of the same version. Found: {found}",
            "use the same top-level `version` in every compose file",
        )
    base_dir = compose[0].path.parent if compose else project_dir
    dotenv = read_dotenv(base_dir)
    # OS environment wins over .env (libcompose's composable lookup: last match wins)
    lookup: dict[str, str] = {**dotenv, **env}
    interp = _Interpolator(lookup)
    merged = merge_services(f.data for f in compose)
    services = {name: build_service(name, interp.value(raw), base_dir, lookup) for name, raw in merged.items()}

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
        variables=tuple(interp.seen),
        unset_variables=tuple(interp.unset),
        ecs_params=params,
    )
