"""``~/.ecs/config`` and ``~/.ecs/credentials`` written the way ``ecs-cli configure`` writes them.

For the aws backend, where there is no ecs-cli to run: ``passecs configure`` then stores the profile or
cluster configuration itself, with ecs-cli's semantics (SPEC.md §1.5 and §2, tests/data recordings 01-22):

- yaml.v2's layout: two-space indent, the struct's field order, map keys sorted, plain scalars unless a
  value would read back as something else (then double-quoted), ``default_launch_type`` always written;
- only the fields ecs-cli knows survive a rewrite (it unmarshals into its structs);
- saving a cluster configuration or profile makes it the default only when it is the file's only entry;
- both files are mode 0600, ``~/.ecs`` gets the mode of ``$HOME``.

Writes are atomic (:func:`passecs.core.fsutil.atomic_write`); the caller backs the file up first and checks
the file before (one that does not read as ecs-cli's YAML is never replaced).
"""

from __future__ import annotations

import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from passecs.core.fsutil import atomic_write
from passecs.files.ecs import CONFIG_FILE, CREDENTIALS_FILE, ClusterConfiguration
from passecs.files.ecs import _read_document as read_document

VERSION = "v1"
FILE_MODE = 0o600
# the fields of ecs-cli's structs, in their order (config_v1.go); (yaml key, omitted when empty)
CLUSTER_FIELDS = (
    ("cluster", False),
    ("region", False),
    ("compose-service-name-prefix", True),
    ("cfn-stack-name", True),
    ("default_launch_type", False),
)
PROFILE_FIELDS = (("aws_access_key_id", False), ("aws_secret_access_key", False), ("aws_session_token", True))
_PLAIN = re.compile(r"[A-Za-z0-9_./+=@-]+")


def scalar(value: str) -> str:
    """``value`` as yaml.v2 marshals a string: plain when it reads back as the same string, else quoted."""
    import yaml

    if _PLAIN.fullmatch(value) and not value.startswith(("-", "@")):
        try:
            if yaml.safe_load(value) == value:
                return value
        except yaml.YAMLError:
            pass
    return '"' + "".join(_escaped(c) for c in value) + '"'


_PRINTABLE = re.compile("[\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")


def _escaped(char: str) -> str:
    """One character of a YAML double-quoted scalar."""
    if char in '"\\':
        return "\\" + char
    if _PRINTABLE.fullmatch(char):
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _entry(values: Mapping[str, str], fields: tuple[tuple[str, bool], ...]) -> list[str]:
    lines = []
    for key, omit_empty in fields:
        value = values.get(key, "")
        if value or not omit_empty:
            lines.append(f"    {key}: {scalar(value)}")
    return lines


def _document(default: str, section: str, entries: Mapping[str, Mapping[str, str]], fields: Any) -> str:
    lines = [f"version: {VERSION}", f"default: {scalar(default)}"]
    if entries:
        lines.append(f"{section}:")
        for name in sorted(entries):
            lines.append(f"  {scalar(name)}:")
            lines += _entry(entries[name], fields)
    else:
        lines.append(f"{section}: {{}}")
    return "\n".join(lines) + "\n"


def config_text(default: str, clusters: Mapping[str, Mapping[str, str]]) -> str:
    """The text of ``~/.ecs/config`` (cluster configuration name -> its yaml keys)."""
    return _document(default, "clusters", clusters, CLUSTER_FIELDS)


def credentials_text(default: str, profiles: Mapping[str, Mapping[str, str]]) -> str:
    """The text of ``~/.ecs/credentials`` (profile name -> its yaml keys)."""
    return _document(default, "ecs_profiles", profiles, PROFILE_FIELDS)


def cluster_values(configuration: ClusterConfiguration) -> dict[str, str]:
    return {
        "cluster": configuration.cluster,
        "region": configuration.region,
        "compose-service-name-prefix": configuration.compose_service_name_prefix,
        "cfn-stack-name": configuration.cfn_stack_name,
        "default_launch_type": configuration.launch_type,
    }


def _entries(
    data: Mapping[str, Any] | None, section: str, fields: tuple[tuple[str, bool], ...]
) -> dict[str, dict[str, str]]:
    """The file's entries as ecs-cli's structs hold them: known fields only, as strings."""
    raw = (data or {}).get(section)
    entries: dict[str, dict[str, str]] = {}
    if isinstance(raw, Mapping):
        for name, entry in raw.items():
            if isinstance(entry, Mapping):
                entries[str(name)] = {
                    key: "" if entry.get(key) is None else str(entry.get(key)) for key, _ in fields
                }
    return entries


def _default(data: Mapping[str, Any] | None) -> str:
    value = (data or {}).get("default")
    return "" if value is None else str(value)


def _ecs_dir(ecs_dir: Path) -> None:
    """``~/.ecs`` created as ecs-cli creates it (``os.MkdirAll`` with the mode of ``$HOME``)."""
    if ecs_dir.is_dir():
        return
    try:
        mode = stat.S_IMODE(ecs_dir.parent.stat().st_mode)
    except OSError:
        mode = 0o700
    ecs_dir.mkdir(parents=True, exist_ok=True, mode=mode)


def _save(path: Path, text: str) -> None:
    _ecs_dir(path.parent)
    atomic_write(path, text, mode=FILE_MODE)


def save_cluster(ecs_dir: Path, configuration: ClusterConfiguration) -> None:
    """``ecs-cli configure --cluster ... --config-name NAME``: upsert, default when it is the only one."""
    path = ecs_dir / CONFIG_FILE
    data = read_document(path, "config")
    clusters = _entries(data, "clusters", CLUSTER_FIELDS)
    clusters[configuration.name] = cluster_values(configuration)
    default = configuration.name if len(clusters) == 1 else _default(data)
    _save(path, config_text(default, clusters))


def save_profile(ecs_dir: Path, name: str, values: Mapping[str, str]) -> None:
    """``ecs-cli configure profile --profile-name NAME``: upsert, default when it is the only one.
    ``values``: aws_access_key_id, aws_secret_access_key and (optionally) aws_session_token."""
    path = ecs_dir / CREDENTIALS_FILE
    data = read_document(path, "credentials")
    profiles = _entries(data, "ecs_profiles", PROFILE_FIELDS)
    profiles[name] = {key: values.get(key, "") for key, _ in PROFILE_FIELDS}
    default = name if len(profiles) == 1 else _default(data)
    _save(path, credentials_text(default, profiles))


def set_default(ecs_dir: Path, file: str, name: str) -> None:
    """``ecs-cli configure default --config-name NAME`` (file ``config``) or ``configure profile default
    --profile-name NAME`` (``credentials``); the caller has checked that ``name`` is defined."""
    path = ecs_dir / file
    data = read_document(path, file)
    if file == CONFIG_FILE:
        _save(path, config_text(name, _entries(data, "clusters", CLUSTER_FIELDS)))
    else:
        _save(path, credentials_text(name, _entries(data, "ecs_profiles", PROFILE_FIELDS)))
