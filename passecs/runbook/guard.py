"""The production guard: cluster configurations named in PASSECS_PROTECTED_CLUSTERS need confirmation.

On a terminal the operator types the configuration's name; anywhere else (CI, make, a pipe) only ``--yes``
lets the command through, and without it passecs refuses (exit 5) saying why and how.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from passecs.core import output
from passecs.core.context import Context
from passecs.core.errors import Refused


def configuration_name(ctx: Context, cluster_config: str | None) -> str | None:
    """The cluster configuration a command targets: ``-c NAME``, else the default one of ~/.ecs/config."""
    if cluster_config:
        return cluster_config
    from passecs.files.ecs import read_cluster_configurations  # YAML: only when there is no -c

    return read_cluster_configurations(ctx.ecs_dir).default


def is_protected(ctx: Context, name: str | None) -> bool:
    return name is not None and name in ctx.protected_clusters


def _stdio_is_terminal() -> bool:
    # the question goes to stderr and the answer comes from stdin: both must be the operator's terminal
    return all(stream is not None and stream.isatty() for stream in (sys.stdin, sys.stderr))


def _read_answer() -> str:
    return sys.stdin.readline()


def confirm(
    ctx: Context,
    *,
    action: str,
    cluster_config: str | None,
    yes: bool,
    is_terminal: Callable[[], bool] = _stdio_is_terminal,
    read_answer: Callable[[], str] = _read_answer,
) -> str | None:
    """Return when ``action`` (e.g. ``up``) may run on the targeted configuration; raise Refused otherwise.

    Returns the configuration name (None when none is known: no ``-c`` and no default).
    """
    name = configuration_name(ctx, cluster_config)
    if not is_protected(ctx, name):
        return name
    if yes:
        output.notice(f"cluster configuration '{name}' is protected; going ahead (--yes)")
        return name
    if ctx.dry_run:  # nothing changes: no confirmation needed to show what would run
        output.notice(f"cluster configuration '{name}' is protected: without --dry-run, {action} needs confirmation")
        return name
    why = f"cluster configuration '{name}' is protected (PASSECS_PROTECTED_CLUSTERS)"
    if not is_terminal():
        raise Refused(
            f"{why}: passecs {action} needs confirmation, and there is no terminal to ask on",
            f"add --yes to confirm passecs {action} on '{name}', or target another configuration with -c NAME",
        )
    output.progress(f"passecs: {why}.")
    output.progress(f"Type '{name}' to confirm passecs {action} on it (anything else cancels):")
    answer = read_answer()
    if answer.strip() != name:
        raise Refused(
            f"{why}: confirmation not given ({'no answer' if not answer else 'the name did not match'})",
            "type the configuration name exactly, or add --yes; or target another configuration with -c NAME",
        )
    return name
