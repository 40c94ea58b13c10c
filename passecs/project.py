"""The project's files: the compose files, ecs-params.yml and .env (loading; checks live in doctor).

Minimal for now: which compose files are used and which services they define.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from passecs.errors import InvalidInput

DEFAULT_COMPOSE_FILES = ("docker-compose.yml", "docker-compose-ecs.yml")
ECS_PARAMS_FILE = "ecs-params.yml"


def compose_paths(project_dir: Path, files: Sequence[str] | None = None) -> list[Path]:
    return [project_dir / f for f in (files or DEFAULT_COMPOSE_FILES)]


def load_yaml_file(path: Path) -> Any:
    """One safe YAML loader for the project's files; errors name the file, line and column."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file", "run passecs in the folder with the compose files (-C DIR)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot be read: {exc}", "check the file's permissions and encoding") from None
    try:
        return yaml.safe_load(text)
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
