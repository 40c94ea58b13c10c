"""Argument lists for ``ecs-cli compose`` (up, ps, down) and ``ecs-cli logs``: pure builders, no processes.

Flag placement matters (tests/data/ecs-cli/SPEC.md §3.1): ``compose`` has subcommands, so its own flags
(``--file``, ``--project-name``, ``--ecs-params``) must come BEFORE the subcommand name; leaf flags
(``--create-log-groups``, ``--force-update``, ``--desired-status``) only exist AFTER it. ``--cluster-config``
is resolved leaf-first, and we always put it after the subcommand, next to the leaf flags. We never pass
``-c``: to ecs-cli that is the cluster *name*, not the cluster configuration.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Variables ecs-cli reads as defaults for flags we always pass explicitly: COMPOSE_FILE is *appended* to
# our -f files, COMPOSE_PROJECT_NAME and ECS_CLUSTER would silently override the project or the cluster.
SCRUBBED_VARIABLES = ("COMPOSE_FILE", "COMPOSE_PROJECT_NAME", "ECS_CLUSTER")

DESIRED_STATUSES = ("RUNNING", "STOPPED")


@dataclass(frozen=True)
class ComposeTarget:
    """What an ``ecs-cli compose`` call is about: the files, the project and the cluster configuration."""

    files: tuple[str, ...]
    project_name: str
    ecs_params: str | None = None  # passed when the file exists
    cluster_config: str | None = None  # None: ecs-cli's default cluster configuration
    project_name_source: str = "--project-name"  # where the name came from (passecs.files.naming)


def _compose(ecs_cli: str, target: ComposeTarget, subcommand: str, leaf: Sequence[str] = ()) -> tuple[str, ...]:
    argv = [ecs_cli, "compose"]
    for path in target.files:
        argv += ["-f", path]
    argv += ["--project-name", target.project_name]
    if target.ecs_params:
        argv += ["--ecs-params", target.ecs_params]
    argv.append(subcommand)
    if target.cluster_config:
        argv += ["--cluster-config", target.cluster_config]
    argv += leaf
    return tuple(argv)


def compose_up(
    ecs_cli: str, target: ComposeTarget, *, create_log_groups: bool = False, force_update: bool = False
) -> tuple[str, ...]:
    leaf = []
    if create_log_groups:
        leaf.append("--create-log-groups")
    if force_update:
        leaf.append("--force-update")
    return _compose(ecs_cli, target, "up", leaf)


def compose_ps(ecs_cli: str, target: ComposeTarget, *, desired_status: str | None = None) -> tuple[str, ...]:
    """``compose ps``; without ``desired_status`` ecs-cli lists tasks desired RUNNING and STOPPED."""
    if desired_status is not None and desired_status not in DESIRED_STATUSES:
        raise ValueError(f"desired status must be one of {DESIRED_STATUSES}, not {desired_status!r}")
    leaf = ["--desired-status", desired_status] if desired_status else []
    return _compose(ecs_cli, target, "ps", leaf)


def compose_down(ecs_cli: str, target: ComposeTarget) -> tuple[str, ...]:
    return _compose(ecs_cli, target, "down")


def logs(
    ecs_cli: str,
    *,
    task_id: str,
    cluster_config: str | None = None,
    container_name: str | None = None,
    follow: bool = False,
    since: int | None = None,
    timestamps: bool = False,
) -> tuple[str, ...]:
    """``ecs-cli logs`` (a leaf command: every flag after it). ``task_id`` is the bare id, never an ARN:
    ecs-cli builds the stream names ``<prefix>/<container>/<task id>`` from the string as given."""
    argv = [ecs_cli, "logs", "--task-id", task_id]
    if cluster_config:
        argv += ["--cluster-config", cluster_config]
    if container_name:
        argv += ["--container-name", container_name]
    if follow:
        argv.append("--follow")
    if since is not None:
        argv += ["--since", str(since)]
    if timestamps:
        argv.append("--timestamps")
    return tuple(argv)
