"""Where the wrapped CLIs are, and what to tell an operator who does not have them."""

from __future__ import annotations

import os
from collections.abc import Mapping

from passecs.core.errors import ToolNotFound
from passecs.core.runner import resolve

ECS_CLI = "ecs-cli"
AWS = "aws"

# tool -> (variable naming another path, how to install it)
_TOOLS: dict[str, tuple[str, str]] = {
    ECS_CLI: (
        "PASSECS_ECS_CLI",
        "install the Amazon ECS CLI (release 1.21.0 of aws/amazon-ecs-cli) on PATH, "
        "or set PASSECS_ECS_CLI to its path",
    ),
    AWS: ("PASSECS_AWS", "pip install awscli (or: pip install 'passecs[local]'), or set PASSECS_AWS to its path"),
}


def find(tool: str, env: Mapping[str, str] | None = None) -> str | None:
    """The path of ``tool`` (its PASSECS_* variable first, then PATH), or None."""
    env = os.environ if env is None else env
    variable, _ = _TOOLS[tool]
    override = env.get(variable, "").strip()
    if override:
        return resolve(os.path.expanduser(override), env.get("PATH"))
    return resolve(tool, env.get("PATH"))


def require(tool: str, env: Mapping[str, str] | None = None) -> str:
    """The path of ``tool``; a missing one is a ToolNotFound (exit 4) that says how to install it."""
    path = find(tool, env)
    if path is None:
        env = os.environ if env is None else env
        variable, advice = _TOOLS[tool]
        where = f"{variable}={env[variable]}" if env.get(variable, "").strip() else "PATH"
        raise ToolNotFound(f"{tool} not found on {where}", advice)
    return path
