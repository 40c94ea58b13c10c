"""The compose project name, chosen as ecs-cli chooses it (tests/data/ecs-cli/SPEC.md §4.2).

``--project-name/-p``, then ``COMPOSE_PROJECT_NAME``, then the name of the folder that holds the first compose
file, used verbatim (ecs-cli undoes libcompose's sanitising). ``PASSECS_PROJECT_NAME``, passecs's old setting,
still counts, after ``COMPOSE_PROJECT_NAME``, with a deprecation notice. The name is the task-definition family
and the task group (``task:<name>``) of both backends, so passecs and a hand-run ecs-cli in the same folder
see, replace and stop the same tasks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from passecs.core.errors import InvalidInput

DEPRECATED_VARIABLE = "PASSECS_PROJECT_NAME"
# what RegisterTaskDefinition accepts as a family; ecs-cli does not check and fails inside AWS
_FAMILY = re.compile(r"[A-Za-z0-9_-]{1,255}")


@dataclass(frozen=True)
class ProjectName:
    name: str
    source: str  # where it came from, in the operator's words
    deprecated: bool = False  # from PASSECS_PROJECT_NAME


def project_name(
    option: str | None, env: Mapping[str, str], project_dir: Path, compose_files: Sequence[str]
) -> ProjectName:
    """The project name for these compose files; InvalidInput (exit 3) when it cannot be a family name."""
    if option is not None and option.strip():
        chosen = ProjectName(option.strip(), "--project-name")
    elif env.get("COMPOSE_PROJECT_NAME", "").strip():
        chosen = ProjectName(env["COMPOSE_PROJECT_NAME"].strip(), "COMPOSE_PROJECT_NAME")
    elif env.get(DEPRECATED_VARIABLE, "").strip():
        chosen = ProjectName(env[DEPRECATED_VARIABLE].strip(), DEPRECATED_VARIABLE, deprecated=True)
    else:
        first = Path(compose_files[0]) if compose_files else Path(".")
        folder = (first if first.is_absolute() else project_dir / first).resolve().parent
        chosen = ProjectName(folder.name, f"the folder of {first.name}")
    if not _FAMILY.fullmatch(chosen.name):
        raise InvalidInput(
            f"project name {chosen.name!r} (from {chosen.source}) cannot be a task-definition family: "
            "letters, digits, '-' and '_' only, at most 255",
            "name the project with -p/--project-name NAME or COMPOSE_PROJECT_NAME",
        )
    return chosen
