"""``passecs diff``, ``history`` and ``rollback``: the task-definition family's revisions (thin: options in,
one service call, result out; the work is in :mod:`passecs.runbook.revisions`)."""

from __future__ import annotations

from typing import Annotated

import typer

from passecs.commands.compose import FilesOption
from passecs.commands.options import ClusterConfigOption, JsonOption, YesOption, context, timeout_option


def diff(
    ctx: typer.Context,
    cluster_config: ClusterConfigOption = None,
    as_json: JsonOption = False,
    files: FilesOption = None,
) -> int:
    """Show what up would change: the task definition the files give against the one that runs now
    (or the family's latest revision when nothing runs). Exit 0 when they match, 7 when they differ."""
    from passecs.commands.options import print_report
    from passecs.core.errors import ExitCode
    from passecs.runbook import revisions

    report = revisions.diff(context(ctx), cluster_config=cluster_config, files=files)
    print_report(report, as_json, revisions.render_diff)
    return int(ExitCode.DIFFERS if report.differs else ExitCode.OK)


def history(
    ctx: typer.Context,
    cluster_config: ClusterConfigOption = None,
    as_json: JsonOption = False,
    limit: Annotated[int, typer.Option("--limit", metavar="N", help="Show the newest N revisions.")] = 10,
    files: FilesOption = None,
) -> None:
    """List the family's revisions, newest first: registration time, images, and which one runs now."""
    from passecs.commands.options import print_report
    from passecs.runbook import revisions

    report = revisions.history(context(ctx), cluster_config=cluster_config, files=files, limit=limit)
    print_report(report, as_json, revisions.render_history)


def rollback(
    ctx: typer.Context,
    cluster_config: ClusterConfigOption = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to", metavar="REVISION", help="The revision to run (N or family:N).", show_default="the previous one"
        ),
    ] = None,
    yes: YesOption = False,
    timeout: Annotated[float, timeout_option("Give up waiting after this long (exit 6).")] = 900.0,
    files: FilesOption = None,
) -> None:
    """Run the previous revision (or --to REVISION) in place of what runs, and check that it runs."""
    from passecs.commands.options import check_timeout
    from passecs.core import output
    from passecs.runbook import revisions

    check_timeout(timeout, 900)
    outcome = revisions.rollback(
        context(ctx), cluster_config=cluster_config, files=files, to=to, yes=yes, timeout=timeout
    )
    if outcome.summary():
        output.result(outcome.summary())
    for line in outcome.endpoints():
        output.result(line)


def register(app: typer.Typer) -> None:
    app.command("diff")(diff)
    app.command("history")(history)
    app.command("rollback")(rollback)
