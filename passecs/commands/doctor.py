"""The runbook as commands: ``doctor`` (checks before anything runs); deploy and plan come later."""

from __future__ import annotations

from typing import Annotated

import typer

from passecs.commands import options


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)


def doctor(
    ctx: typer.Context,
    cluster_config: options.ClusterConfigOption = None,
    online: Annotated[
        bool,
        typer.Option(
            "--online",
            help="Also ask AWS (through the aws CLI): execution role and policy, cluster ACTIVE, "
            "subnets, security groups, log groups.",
        ),
    ] = False,
    json_output: options.JsonOption = False,
) -> None:
    """Check tools, ~/.ecs, credentials, compose files and ecs-params.yml before the runbook runs.

    One line per check (ok / warn / fail) and, for each warn or fail, the fix. Exit 3 when any check fails, 0 otherwise.
    """
    from passecs.checks import doctor as checks
    from passecs.core import output
    from passecs.core.errors import InvalidInput

    context = options.context(ctx)
    opts = checks.Options(cluster_config=cluster_config)
    report = checks.offline(context, opts)
    if online:
        extra = checks.online(report, checks.aws_json_via_cli(context), opts)
        report = checks.Report(report.findings + tuple(extra), report.cluster, report.project)
    if json_output:
        output.print_json(report.to_dict())
    else:
        output.result(checks.render(report))
    failures = report.failures
    if failures:
        raise InvalidInput(
            f"doctor: {len(failures)} check{'s' if len(failures) != 1 else ''} failed",
            "apply the fixes listed above, then run passecs doctor again",
        )
