"""``passecs deploy`` and ``passecs plan``: the whole runbook as one command, and its commands as a list."""

from __future__ import annotations

from typing import Annotated

import typer

from passecs.commands.options import ClusterConfigOption, JsonOption, YesOption, context

CreateLogGroupsOption = Annotated[
    bool, typer.Option("--create-log-groups", help="Create the CloudWatch log groups the compose files name.")
]


def register(app: typer.Typer) -> None:
    app.command("deploy")(deploy)
    app.command("plan")(plan)


def deploy(
    ctx: typer.Context,
    cluster_config: ClusterConfigOption = None,
    yes: YesOption = False,
    create_log_groups: CreateLogGroupsOption = False,
    json_output: JsonOption = False,
    timeout: Annotated[
        float, typer.Option("--timeout", metavar="SECONDS", help="Give up on up after this long (exit 6).")
    ] = 900.0,
) -> None:
    """The whole runbook: doctor, then iam ensure-role, then up, then the containers and their endpoints.

    Each step says 'done' or 'already in place'; a second deploy changes nothing but the tasks up replaces.
    With --dry-run (global option) it prints the plan instead.
    """
    from passecs.core import output
    from passecs.core.errors import UsageError
    from passecs.runbook import deploy as runbook

    c = context(ctx)
    if c.dry_run:
        output.result(
            runbook.render_plan(runbook.plan(c, cluster_config=cluster_config, create_log_groups=create_log_groups))
        )
        return
    if timeout <= 0:
        raise UsageError(f"--timeout {timeout:g}: must be more than 0 seconds", "e.g. --timeout 900")
    from passecs.runbook.verdict import DeploymentFailed

    try:
        report = runbook.deploy(
            c, cluster_config=cluster_config, yes=yes, create_log_groups=create_log_groups, timeout=timeout
        )
    except DeploymentFailed as exc:
        if json_output:  # the verdict for machines; the error itself still goes to stderr
            output.print_json(exc.to_json())
        raise
    if json_output:
        output.print_json(report.to_json())
    else:
        output.result(runbook.render_deploy(report))


def plan(
    ctx: typer.Context,
    cluster_config: ClusterConfigOption = None,
    create_log_groups: CreateLogGroupsOption = False,
) -> None:
    """Print the runbook's commands for this configuration, in order, masked, ready to paste into a shell.

    The same as 'passecs --dry-run deploy'. Reads only local files; calls nothing.
    """
    from passecs.core import output
    from passecs.runbook import deploy as runbook

    steps = runbook.plan(context(ctx), cluster_config=cluster_config, create_log_groups=create_log_groups)
    output.result(runbook.render_plan(steps))
