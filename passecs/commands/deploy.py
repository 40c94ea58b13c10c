"""``passecs deploy`` and ``passecs plan``: the whole runbook as one command, and its commands as a list."""

from __future__ import annotations

from typing import Annotated

import typer

from passecs.commands.options import ClusterConfigOption, JsonOption, YesOption, context, timeout_option

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
    timeout: Annotated[float, timeout_option("Give up on up after this long (exit 6).")] = 900.0,
) -> None:
    """The whole runbook: doctor, then iam ensure-role, then up, then the containers and their endpoints.

    Each step says 'done' or 'already in place'; a second deploy changes nothing but the tasks up replaces.
    With --dry-run (global option) it prints the plan instead.
    """
    from passecs.commands.options import check_timeout, print_report, verdict_as_json
    from passecs.core import output
    from passecs.runbook import deploy as runbook

    c = context(ctx)
    if c.dry_run:
        output.result(
            runbook.render_plan(runbook.plan(c, cluster_config=cluster_config, create_log_groups=create_log_groups))
        )
        return
    check_timeout(timeout, 900)
    with verdict_as_json(json_output):
        report = runbook.deploy(
            c, cluster_config=cluster_config, yes=yes, create_log_groups=create_log_groups, timeout=timeout
        )
    print_report(report, json_output, runbook.render_deploy)


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
