"""``~/.ecs/config`` and ``~/.ecs/credentials``: reading, validation into findings, and backups.

Formats: tests/data/ecs-cli/SPEC.md §1. Where the directory is comes from HOME, as for ecs-cli.
The credentials file holds secret keys: nothing here returns, prints or echoes a secret value (profiles
carry a one-way fingerprint so that "same keys?" can be answered without keeping the keys).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from passecs.core.errors import InvalidInput
from passecs.core.findings import Finding as Finding  # noqa: PLC0414 - re-exported
from passecs.core.findings import Severity
from passecs.core.fsutil import atomic_write
from passecs.files.reading import YamlTooComplex, expanded_size, gc_paused, read_bytes, read_text

CONFIG_FILE = "config"
CREDENTIALS_FILE = "credentials"
LAUNCH_TYPES = ("EC2", "FARGATE")
CONFIG_VERSION = "v1"
BACKUPS_KEPT = 10

# us-east-1, eu-west-2, us-gov-west-1, ap-southeast-2, cn-north-1, us-isob-east-1
REGION_PATTERN = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$")

_CLUSTER_KEYS = ("cluster", "region", "compose-service-name-prefix", "cfn-stack-name", "default_launch_type")
_PROFILE_KEYS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")
# spellings people write by hand that ecs-cli silently ignores
_MISSPELLINGS = {
    "default-launch-type": "default_launch_type",
    "launch_type": "default_launch_type",
    "launch-type": "default_launch_type",
    "defaultlaunchtype": "default_launch_type",
    "cfn_stack_name": "cfn-stack-name",
    "cfn-stack-name-prefix": "cfn-stack-name",
    "cfn_stack_name_prefix": "cfn-stack-name",
    "compose_service_name_prefix": "compose-service-name-prefix",
    "cluster_name": "cluster",
    "aws_region": "region",
    "access_key": "aws_access_key_id",
    "aws_access_key": "aws_access_key_id",
    "secret_key": "aws_secret_access_key",
    "aws_secret_key": "aws_secret_access_key",
    "session_token": "aws_session_token",
}


def is_aws_region(value: str) -> bool:
    return bool(REGION_PATTERN.match(value))


def mask_access_key_id(value: str) -> str:
    """All but the last 4 characters as ``*`` (``****************MPLE``); a short value entirely."""
    if len(value) <= 4:
        return "*" * len(value) if value else ""
    return "*" * (len(value) - 4) + value[-4:]


def key_fingerprint(secret_access_key: str, session_token: str = "") -> str:
    """A one-way digest of the secret part of a profile, to compare keys without keeping them."""
    return hashlib.sha256(f"{secret_access_key}\0{session_token}".encode()).hexdigest()


def display_path(path: Path, home: Path | None = None) -> str:
    """``path`` as ``~/...`` when it is under ``home``."""
    if home is not None:
        try:
            return "~/" + path.relative_to(home).as_posix()
        except ValueError:
            pass
    return str(path)


# --------------------------------------------------------------------------------------------------
# Models


@dataclass(frozen=True)
class ClusterConfiguration:
    name: str
    cluster: str
    region: str
    launch_type: str = ""
    cfn_stack_name: str = ""
    compose_service_name_prefix: str = ""


@dataclass(frozen=True)
class ClusterConfigurations:
    default: str | None = None
    clusters: dict[str, ClusterConfiguration] = field(default_factory=dict)
    version: str | None = None

    def get(self, name: str | None) -> ClusterConfiguration | None:
        """The named configuration, or the default one when ``name`` is None."""
        key = name if name is not None else self.default
        return self.clusters.get(key) if key is not None else None


@dataclass(frozen=True)
class Profile:
    """An ECS CLI profile without its secrets: the access key id and what else is set."""

    name: str
    access_key_id: str
    has_secret_access_key: bool
    has_session_token: bool = False
    fingerprint: str = field(default="", repr=False)

    @property
    def masked_access_key_id(self) -> str:
        return mask_access_key_id(self.access_key_id)


@dataclass(frozen=True)
class Profiles:
    default: str | None = None
    profiles: dict[str, Profile] = field(default_factory=dict)
    version: str | None = None

    def get(self, name: str | None) -> Profile | None:
        key = name if name is not None else self.default
        return self.profiles.get(key) if key is not None else None


# --------------------------------------------------------------------------------------------------
# Loading with line numbers and duplicate keys


class _SyntaxProblem(Exception):
    def __init__(self, line: int | None, column: int | None, problem: str) -> None:
        super().__init__(problem)
        self.line = line
        self.column = column
        self.problem = problem


@dataclass
class _Document:
    data: Any
    lines: dict[tuple[str, ...], int]
    duplicates: list[tuple[tuple[str, ...], int, int]]  # (path, line, first line)


def _loader_class(size: int = 0) -> Any:
    import yaml

    from passecs.files.reading import yaml_loader_base

    base: Any = yaml_loader_base(size)

    class DuplicateKeyLoader(base):  # type: ignore[misc]
        """A safe loader that also reports keys given twice in one mapping (PyYAML keeps the last)."""

        node_paths: dict[int, tuple[str, ...]]
        duplicates: list[tuple[tuple[str, ...], int, int]]

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            if isinstance(node, yaml.MappingNode):
                seen: dict[Any, int] = {}
                for key_node, _ in node.value:
                    if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                        continue
                    try:
                        key = self.construct_object(key_node)
                        hash(key)
                    except Exception:  # noqa: S112 - the constructor proper reports bad keys
                        continue
                    line = key_node.start_mark.line + 1
                    if key in seen:
                        path = (*self.node_paths.get(id(node), ()), str(key))
                        self.duplicates.append((path, line, seen[key]))
                    else:
                        seen[key] = line
            return super().construct_mapping(node, deep=deep)

    return DuplicateKeyLoader


def _walk(root: Any) -> tuple[dict[tuple[str, ...], int], dict[int, tuple[str, ...]]]:
    """Line of every key path, and the path of every mapping node (aliases are walked once)."""
    import yaml

    lines: dict[tuple[str, ...], int] = {}
    paths: dict[int, tuple[str, ...]] = {}
    visited: set[int] = set()
    stack: list[tuple[Any, tuple[str, ...]]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in visited or len(path) > 8:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            paths[id(node)] = path
            # the last of duplicate keys is the one that counts, as when the file is loaded
            last = {str(k.value): (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}
            for key, (key_node, value_node) in last.items():
                child = (*path, key)
                lines[child] = key_node.start_mark.line + 1
                stack.append((value_node, child))
    return lines, paths


# Documents by content: doctor and `config validate` read ~/.ecs/config three times in one command (the
# validator, the cluster configurations, the profiles); each text is parsed once, and copies handed out.
_LOADED: dict[str, bytes] = {}
_LOADED_KEPT = 4


def _load(text: str) -> _Document:
    """Parse ``text`` as one YAML document; any failure is a _SyntaxProblem (never another exception)."""
    import pickle

    blob = _LOADED.get(text)
    if blob is not None:
        with gc_paused():
            document: _Document = pickle.loads(blob)  # noqa: S301 - bytes this process pickled itself
        return document
    document = _parse(text)
    if len(_LOADED) >= _LOADED_KEPT:
        _LOADED.pop(next(iter(_LOADED)))
    _LOADED[text] = pickle.dumps(document, protocol=pickle.HIGHEST_PROTOCOL)
    return document


def _parse(text: str) -> _Document:
    import yaml

    loader: Any = None
    try:
        loader = _loader_class(len(text))(text)  # the reader already rejects control characters here
        loader.duplicates = []
        loader.node_paths = {}
        with gc_paused():  # a 1 MiB file is hundreds of thousands of objects (see gc_paused)
            node = loader.get_single_node()
            if node is None:
                return _Document(None, {}, [])
            expanded_size(node)  # aliases, recursion and depth bounded before anything walks the document
            lines, paths = _walk(node)
            loader.node_paths = paths
            data = loader.construct_document(node)
        return _Document(data, lines, list(loader.duplicates))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            problem = f"{exc.context}: {exc.problem}"
        if mark is None:
            raise _SyntaxProblem(None, None, problem) from None
        raise _SyntaxProblem(mark.line + 1, mark.column + 1, problem) from None
    except yaml.reader.ReaderError:
        raise _SyntaxProblem(None, None, "contains a character YAML does not allow (binary or control data)") from None
    except yaml.YAMLError as exc:
        raise _SyntaxProblem(None, None, type(exc).__name__) from None
    except YamlTooComplex as exc:
        raise _SyntaxProblem(None, None, f"refused: {exc}") from None
    except RecursionError:
        raise _SyntaxProblem(None, None, "nested too deeply") from None
    # e.g. a timestamp like 2020-02-30 (ValueError): still a finding, never a traceback
    except Exception as exc:
        raise _SyntaxProblem(None, None, f"a value cannot be read ({type(exc).__name__})") from None
    finally:
        if loader is not None:
            loader.dispose()


def _looks_ini(text: str) -> bool:
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        return bool(re.match(r"^\[[^\],\[]+\]$", stripped))
    return False


_QUOTED = re.compile(r"""('[^']{3,}'|"[^"]{3,}")""")
_LONG_TOKEN = re.compile(r"[A-Za-z0-9/+=]{12,}")


def _scrub(problem: str, secret_file: bool) -> str:
    """A parser message without anything that could be a secret taken from the file."""
    if secret_file:
        problem = _QUOTED.sub("'****'", problem)
    return _LONG_TOKEN.sub("****", problem)


def _text(value: Any) -> str | None:
    """A scalar as ecs-cli's YAML library would read it into a string field; None for a non-scalar."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


# --------------------------------------------------------------------------------------------------
# Reading (raises InvalidInput on a file ecs-cli could not use)


def _read_document(path: Path, what: str) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        text = read_text(path, f"~/.ecs/{what}" if path.name == what else what)
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot be read ({type(exc).__name__})", "check the file's permissions") from None
    if _looks_ini(text):
        fix = "run 'ecs-cli configure migrate'" if what == "config" else "run 'passecs config validate'"
        raise InvalidInput(f"{path}: legacy INI format, not ecs-cli's YAML", fix)
    try:
        data = _load(text).data
    except _SyntaxProblem as exc:
        where = f" line {exc.line}, column {exc.column}:" if exc.line else ""
        raise InvalidInput(
            f"{path}:{where} cannot be read as YAML ({_scrub(exc.problem, what == 'credentials')})",
            "run 'passecs config validate'",
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidInput(f"{path}: not an ecs-cli {what} file (not a mapping)", "run 'passecs config validate'")
    return data


def read_cluster_configurations(ecs_dir: Path) -> ClusterConfigurations:
    """The cluster configurations of ``ecs_dir/config``; none when the file does not exist.

    A file that cannot be read as ecs-cli's YAML format is an InvalidInput (exit 3).
    """
    data = _read_document(ecs_dir / CONFIG_FILE, "config")
    if data is None:
        return ClusterConfigurations()
    clusters: dict[str, ClusterConfiguration] = {}
    raw = data.get("clusters") or {}
    if isinstance(raw, dict):
        for name, entry in raw.items():
            if isinstance(entry, dict):
                values = {key: _text(entry.get(key)) or "" for key in _CLUSTER_KEYS}
                clusters[str(name)] = ClusterConfiguration(
                    name=str(name),
                    cluster=values["cluster"],
                    region=values["region"],
                    launch_type=values["default_launch_type"],
                    cfn_stack_name=values["cfn-stack-name"],
                    compose_service_name_prefix=values["compose-service-name-prefix"],
                )
    default = _text(data.get("default"))
    version = _text(data.get("version"))
    return ClusterConfigurations(default=default or None, clusters=clusters, version=version or None)


def read_profiles(ecs_dir: Path) -> Profiles:
    """The ECS CLI profiles of ``ecs_dir/credentials`` (without secrets); none when the file does not exist."""
    data = _read_document(ecs_dir / CREDENTIALS_FILE, "credentials")
    if data is None:
        return Profiles()
    profiles: dict[str, Profile] = {}
    raw = data.get("ecs_profiles") or {}
    if isinstance(raw, dict):
        for name, entry in raw.items():
            if isinstance(entry, dict):
                secret = _text(entry.get("aws_secret_access_key")) or ""
                token = _text(entry.get("aws_session_token")) or ""
                profiles[str(name)] = Profile(
                    name=str(name),
                    access_key_id=_text(entry.get("aws_access_key_id")) or "",
                    has_secret_access_key=bool(secret),
                    has_session_token=bool(token),
                    fingerprint=key_fingerprint(secret, token),
                )
    default = _text(data.get("default"))
    version = _text(data.get("version"))
    return Profiles(default=default or None, profiles=profiles, version=version or None)


# --------------------------------------------------------------------------------------------------
# Validation

class _Collector:
    def __init__(self, file: str, lines: Mapping[tuple[str, ...], int]) -> None:
        self.file = file
        self.lines = lines
        self.findings: list[Finding] = []

    def line_of(self, path: tuple[str, ...]) -> int:
        """The line of ``path``'s key, else of its nearest parent that is in the file, else 1."""
        for end in range(len(path), 0, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return 1

    def add(self, severity: Severity, path: tuple[str, ...], message: str, fix: str, line: int | None = 0) -> None:
        self.findings.append(
            Finding(
                check=self.file,
                status="fail" if severity == "error" else "warn",
                message=message,
                fix=fix,
                file=self.file,
                line=self.line_of(path) if line == 0 else line,
                key=".".join(path),
            )
        )


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _common(text: str, file: str, kind: str, secret_file: bool) -> tuple[dict[str, Any] | None, _Collector]:
    """Syntax, format, duplicate keys, top-level shape and version: the rules both files share."""
    if _looks_ini(text):
        collector = _Collector(file, {})
        if kind == "config":
            collector.add(
                "error",
                (),
                "legacy INI format: ecs-cli reads it for compatibility, but 'ecs-cli configure' silently "
                "replaces it and passecs will not change it",
                "run 'ecs-cli configure migrate' to convert it to the YAML format",
                line=1,
            )
        else:
            collector.add(
                "error",
                (),
                "INI format (like ~/.aws/credentials), not ecs-cli's YAML profiles file",
                "move it away and run 'passecs configure profile NAME' to write it again",
                line=1,
            )
        return None, collector
    try:
        document = _load(text)
    except _SyntaxProblem as exc:
        collector = _Collector(file, {})
        where = f" at line {exc.line}, column {exc.column}" if exc.line else ""
        collector.findings.append(
            Finding(
                check=file,
                status="fail",
                file=file,
                line=exc.line or 1,
                message=f"YAML syntax error{where}: {_scrub(exc.problem, secret_file)}",
                fix="correct the YAML at that place (indent with spaces; 'key: value')",
                column=exc.column,
            )
        )
        return None, collector
    collector = _Collector(file, document.lines)
    for path, line, first in document.duplicates:
        collector.add(
            "error",
            path,
            f"key given twice (first at line {first}); only the last one counts",
            "remove one of them",
            line=line,
        )
    data = document.data
    if data is None:
        data = {}
    if not isinstance(data, dict):
        collector.add(
            "error",
            (),
            f"not an ecs-cli {kind} file: the top level must be a mapping (version, default, ...)",
            "rewrite it with 'passecs configure ...' (a backup is kept)",
            line=1,
        )
        return None, collector
    version = data.get("version")
    if version is None or version == "":
        collector.add(
            "error",
            ("version",),
            "no version: 'ecs-cli configure migrate' would take this file for the legacy format"
            if kind == "config"
            else "no version: ecs-cli always writes one, so this file was not written by ecs-cli",
            f"add 'version: {CONFIG_VERSION}' as the first line",
            line=1,
        )
    elif _text(version) != CONFIG_VERSION:
        collector.add(
            "warning",
            ("version",),
            f"version is {_quote(str(_text(version)))}, ecs-cli writes {CONFIG_VERSION}",
            f"write 'version: {CONFIG_VERSION}'",
        )
    return data, collector


def _check_default(
    collector: _Collector,
    data: dict[str, Any],
    names: list[str],
    what: str,
    fix_set: str,
    fix_create: str,
    missing_is_error: bool,
) -> None:
    """``default`` names an existing entry (``fix_set`` takes the name to suggest)."""
    text = _text(data.get("default"))
    fix = fix_set.format(names[0]) if names else fix_create
    if text is None:
        collector.add("error", ("default",), f"default must be the name of a {what}", fix)
    elif not text:
        if names:
            collector.add(
                "error" if missing_is_error else "warning",
                ("default",),
                f"no default {what}: ecs-cli commands that do not name one fail",
                fix,
            )
    elif text not in names:
        known = ", ".join(names) if names else "none"
        collector.add("error", ("default",), f"{_quote(text)} names no {what} (defined: {known})", fix)


def _unknown_key(collector: _Collector, path: tuple[str, ...], known: tuple[str, ...]) -> None:
    key = path[-1]
    better = _MISSPELLINGS.get(key.lower())
    fix = f"rename it to {better}" if better else f"remove it or correct it (known keys: {', '.join(known)})"
    collector.add("warning", path, "unknown key: ecs-cli ignores it", fix)


def validate_config_text(text: str, file: str = "~/.ecs/config") -> list[Finding]:
    """Every finding for the text of an ecs-cli cluster configuration file."""
    data, collector = _common(text, file, "config", secret_file=False)
    if data is None:
        return collector.findings
    for key in data:
        if str(key) not in ("version", "default", "clusters"):
            _unknown_key(collector, (str(key),), ("version", "default", "clusters"))
    clusters = data.get("clusters")
    names: list[str] = []
    configure = "passecs configure cluster NAME --cluster NAME --region us-east-1"
    if clusters is None or clusters == {}:
        collector.add("warning", ("clusters",), "no cluster configurations", f"run '{configure}'", line=1)
        clusters = {}
    elif not isinstance(clusters, dict):
        collector.add(
            "error",
            ("clusters",),
            "clusters must be a mapping of names to cluster configurations",
            f"run '{configure}'",
        )
        clusters = {}
    for raw_name, entry in clusters.items():
        name = str(raw_name)
        names.append(name)
        base = ("clusters", name)
        redo = f"passecs configure cluster {name} --cluster CLUSTER --region REGION --yes"
        if not name.strip() or re.search(r"\s", name):
            collector.add(
                "warning",
                base,
                "name is empty or has spaces: it cannot be given on a command line",
                "rename it (letters, digits, - and _)",
            )
        if not isinstance(entry, dict):
            collector.add(
                "error", base, "must be a mapping with cluster, region and default_launch_type", f"run '{redo}'"
            )
            continue
        for key in entry:
            if str(key) not in _CLUSTER_KEYS:
                _unknown_key(collector, (*base, str(key)), _CLUSTER_KEYS)
        for key in ("cluster", "region"):
            value = _text(entry.get(key))
            if value is None:
                collector.add("error", (*base, key), f"{key} must be a single value", f"run '{redo}'")
            elif not value.strip():
                collector.add("error", (*base, key), f"no {key}", f"set '{key}: ...' or run '{redo}'")
        region = _text(entry.get("region"))
        if region and not is_aws_region(region):
            collector.add(
                "error", (*base, "region"), f"{_quote(region)} is not an AWS region", "use a region name like us-east-1"
            )
        launch_type = entry.get("default_launch_type", "")
        lt = _text(launch_type)
        if lt is None or lt not in ("", *LAUNCH_TYPES):
            shown = _quote(lt) if lt is not None else "a non-scalar value"
            fix = (
                f"write '{lt.upper()}' (ecs-cli only accepts upper case)"
                if lt and lt.upper() in LAUNCH_TYPES
                else 'write FARGATE, EC2 or ""'
            )
            collector.add(
                "error",
                (*base, "default_launch_type"),
                f'{shown} is not a launch type ("", EC2 or FARGATE, exactly)',
                fix,
            )
        elif lt == "":
            collector.add(
                "warning",
                (*base, "default_launch_type"),
                "no default launch type: ecs-cli starts EC2 tasks unless --launch-type FARGATE is given",
                "set 'default_launch_type: FARGATE'",
            )
    _check_default(
        collector,
        data,
        names,
        "cluster configuration",
        "run 'passecs configure default {}'",
        f"run '{configure} --default'",
        missing_is_error=False,
    )
    return collector.findings


def validate_credentials_text(text: str, file: str = "~/.ecs/credentials", mode: int | None = None) -> list[Finding]:
    """Every finding for the text (and file mode) of an ecs-cli credentials file; never echoes a secret."""
    data, collector = _common(text, file, "credentials", secret_file=True)
    if mode is not None and stat.S_IMODE(mode) & 0o077:
        collector.add(
            "error",
            (),
            f"readable by group or others (mode {stat.S_IMODE(mode):04o}): it holds secret keys",
            f"chmod 600 {file}",
            line=None,
        )
    if data is None:
        return collector.findings
    for key in data:
        if str(key) not in ("version", "default", "ecs_profiles"):
            _unknown_key(collector, (str(key),), ("version", "default", "ecs_profiles"))
    profiles = data.get("ecs_profiles")
    names: list[str] = []
    if profiles is None or profiles == {}:
        collector.add(
            "warning", ("ecs_profiles",), "no profiles", "run 'passecs configure profile NAME --default'", line=1
        )
        profiles = {}
    elif not isinstance(profiles, dict):
        collector.add(
            "error",
            ("ecs_profiles",),
            "ecs_profiles must be a mapping of names to profiles",
            "run 'passecs configure profile NAME --default'",
        )
        profiles = {}
    for raw_name, entry in profiles.items():
        name = str(raw_name)
        names.append(name)
        base = ("ecs_profiles", name)
        redo = f"set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY and run 'passecs configure profile {name} --yes'"
        if not isinstance(entry, dict):
            collector.add("error", base, "must be a mapping with aws_access_key_id and aws_secret_access_key", redo)
            continue
        for key in entry:
            if str(key) not in _PROFILE_KEYS:
                _unknown_key(collector, (*base, str(key)), _PROFILE_KEYS)
        values: dict[str, str] = {}
        for key in _PROFILE_KEYS:
            value = _text(entry.get(key))
            if value is None:
                collector.add("error", (*base, key), f"{key} must be a single value", redo)
                value = ""
            elif value != value.strip():
                collector.add("error", (*base, key), f"{key} has leading or trailing spaces", redo)
            values[key] = value.strip()
        for key in ("aws_access_key_id", "aws_secret_access_key"):
            if key in entry and _text(entry.get(key)) is None:
                continue
            if not values[key]:
                collector.add("error", (*base, key), f"no {key}", redo)
        if values["aws_access_key_id"].startswith("ASIA") and not values["aws_session_token"]:
            collector.add(
                "warning",
                (*base, "aws_access_key_id"),
                f"{mask_access_key_id(values['aws_access_key_id'])} is a temporary key (ASIA...) "
                "but there is no aws_session_token: AWS will reject it",
                f"set AWS_SESSION_TOKEN too and run 'passecs configure profile {name} --yes'",
            )
    _check_default(
        collector,
        data,
        names,
        "profile",
        "run 'passecs configure profile {} --default'",
        "run 'passecs configure profile NAME --default'",
        missing_is_error=True,
    )
    return collector.findings


def validate_ecs_dir(ecs_dir: Path, home: Path | None = None) -> list[Finding]:
    """Findings for both files of ``ecs_dir`` (a missing file is a warning: ecs-cli works without it)."""
    findings: list[Finding] = []
    for name in (CONFIG_FILE, CREDENTIALS_FILE):
        path = ecs_dir / name
        shown = display_path(path, home)
        if not path.exists():
            command = (
                "passecs configure cluster NAME --cluster NAME --region us-east-1 --default"
                if name == CONFIG_FILE
                else "passecs configure profile NAME --default"
            )
            findings.append(Finding(shown, "warn", "does not exist", f"run '{command}'", file=shown))
            continue
        try:
            raw = read_bytes(path, name)
            mode = path.stat().st_mode
        except InvalidInput as exc:
            reason = exc.message.replace(f"{name} {path}: ", "")
            findings.append(Finding(shown, "fail", reason, exc.fix or "", file=shown))
            continue
        except OSError as exc:
            findings.append(
                Finding(
                    shown,
                    "fail",
                    f"cannot be read ({exc.strerror})",
                    f"check its owner and permissions (chmod 600 {shown})",
                    file=shown,
                )
            )
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            findings.append(
                Finding(
                    shown,
                    "fail",
                    "is not UTF-8 text",
                    "rewrite it with 'passecs configure ...' (a backup is kept)",
                    file=shown,
                )
            )
            continue
        if name == CONFIG_FILE:
            findings.extend(validate_config_text(text, shown))
        else:
            findings.extend(validate_credentials_text(text, shown, mode))
    return findings


# --------------------------------------------------------------------------------------------------
# Backups

_BACKUP_SUFFIX = re.compile(r"\.bak\.(\d{8}T\d{6}Z)(?:-(\d+))?$")


def backups(path: Path) -> list[Path]:
    """The backups of ``path``, oldest first."""
    found: list[tuple[str, int, Path]] = []
    prefix = f"{path.name}.bak."
    if not path.parent.is_dir():
        return []
    for candidate in path.parent.iterdir():
        if not candidate.name.startswith(prefix):
            continue
        match = _BACKUP_SUFFIX.search(candidate.name[len(path.name) :])
        if match and candidate.name == f"{path.name}{match.group(0)}":
            found.append((match.group(1), int(match.group(2) or 0), candidate))
    return [p for _, _, p in sorted(found)]


def backup(path: Path, *, keep: int = BACKUPS_KEPT, now: datetime | None = None) -> Path | None:
    """Copy ``path`` to ``path.bak.<UTC timestamp>`` next to it (mode 0600); keep the newest ``keep``.

    None when there is nothing to back up.
    """
    if not path.is_file():
        return None
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    data = read_bytes(path, "file to back up")
    target = path.with_name(f"{path.name}.bak.{stamp}")
    counter = 0
    while True:
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            break
        except FileExistsError:
            counter += 1
            target = path.with_name(f"{path.name}.bak.{stamp}-{counter}")
    os.close(fd)  # the name is ours (O_EXCL): fill it atomically, so no half backup is ever left
    try:
        atomic_write(target, data, mode=0o600)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    for old in backups(path)[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
    return target
