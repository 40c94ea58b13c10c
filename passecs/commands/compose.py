"""``passecs up``, ``ps``, ``logs`` and ``down``: the runbook's compose steps (thin: options in, one service
call, result out; the work is in :mod:`passecs.runbook.compose`)."""

from __future__ import annotations

from typing import Annotated

import typer

from passecs.commands.options import ClusterConfigOption, JsonOption, YesOption, context, timeout_option

FilesOption = Annotated[
    list[str] | None,
    typer.Option(
        "--file",
        "-f",
        metavar="FILE",
        help="A compose file (repeat for several); replaces the default pair.",
        show_default="docker-compose.yml and docker-compose-ecs.yml",
    ),
]


def up(
    ctx: typer.Context,
    cluster_config: ClusterConfigOption = None,
    yes: YesOption = False,
    create_log_groups: Annotated[
        bool, typer.Option("--create-log-groups", help="Create the CloudWatch log groups the compose files name.")
    ] = False,
    force_update: Annotated[
        bool, typer.Option("--force-update", help="Replace running tasks even when the task definition is unchanged.")
    ] = False,
    timeout: Annotated[float, timeout_option("Stop ecs-cli and fail (exit 6) after this long.")] = 900.0,
    files: FilesOption = None,
    as_json: JsonOption = False,
) -> None:
    """Start the containers on ECS (replacing running ones), check they all run, print their endpoints.

    When a task stops instead of running: each container's exit code, AWS's reasons, its last log lines and
    the likely fix (exit 1).
    """
    from passecs.commands.options import check_timeout, verdict_as_json
    from passecs.core import output
    from passecs.runbook import compose

    check_timeout(timeout, 900)
    with verdict_as_json(as_json):
        outcome = compose.up(
            context(ctx), cluster_config=cluster_config, files=files, yes=yes, create_log_groups=create_log_groups,
            force_update=force_update, timeout=timeout,
        )  # fmt: skip
    if as_json:
        output.print_json(outcome.to_json())
        return
    for line in outcome.endpoints():
        output.result(line)


def ps(
    ctx: typer.Context,
    cluster_config: ClusterConfigOption = None,
    as_json: JsonOption = False,
    all_tasks: Annotated[bool, typer.Option("--all", "-a", help="Include stopped tasks.")] = False,
    files: FilesOption = None,
) -> None:
    """List the project's containers: task, state, ports and IPs, task definition, health."""
    from passecs.core import output
    from passecs.runbook import compose

    containers = compose.ps(context(ctx), cluster_config=cluster_config, files=files, all_tasks=all_tasks)
    if as_json:
        output.print_json([c.to_json() for c in containers])
    elif containers:
        output.result(compose.render_ps(containers))


def logs(
    ctx: typer.Context,
    service: Annotated[str | None, typer.Argument(metavar="[SERVICE]", help="Only this service's container.")] = None,
    cluster_config: ClusterConfigOption = None,
    task_id: Annotated[
        str | None,
        typer.Option("--task-id", metavar="ID", help="The task; default: the project's newest running task."),
    ] = None,
    follow: Annotated[bool, typer.Option("--follow", help="Keep printing new lines until Ctrl-C.")] = False,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="WHEN",
            help="Only lines since WHEN: a duration (10m, 2h, 30s; a bare number is minutes) or an ISO time.",
        ),
    ] = None,
    timestamps: Annotated[bool, typer.Option("--timestamps", "-t", help="Prefix each line with its time.")] = False,
    previous: Annotated[
        bool, typer.Option("--previous", help="The project's most recently stopped task (after a failed up).")
    ] = False,
    files: FilesOption = None,
) -> None:
    """Print the containers' logs (CloudWatch), finding the task itself.

    Without SERVICE: every container's lines in time order, each prefixed by the container's name.
    """
    from passecs.runbook import compose

    compose.logs(
        context(ctx),
        service=service,
        cluster_config=cluster_config,
        files=files,
        task_id=task_id,
        follow=follow,
        since=since,
        timestamps=timestamps,
        previous=previous,
    )


def down(
    ctx: typer.Context,
    cluster_config: ClusterConfigOption = None,
    yes: YesOption = False,
    timeout: Annotated[float, timeout_option("Stop waiting and fail (exit 6) after this long.")] = 600.0,
    files: FilesOption = None,
) -> None:
    """Stop the project's containers on ECS and check that none is left."""
    from passecs.commands.options import check_timeout
    from passecs.core import output
    from passecs.runbook import compose

    check_timeout(timeout, 600)
    outcome = compose.down(context(ctx), cluster_config=cluster_config, files=files, yes=yes, timeout=timeout)
    if outcome.summary():
        output.result(outcome.summary())


def register(app: typer.Typer) -> None:
    app.command("up")(up)
    app.command("ps")(ps)
    app.command("logs")(logs)
    app.command("down")(down)
