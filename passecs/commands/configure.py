"""``passecs configure profile|cluster|default`` and ``passecs config show|validate``.

Thin: options in, one call into passecs.runbook.configure, output out. No option takes a secret: keys come from
the environment (or passecs.env, never .env), or a hidden prompt on a terminal.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from passecs.commands import options

if TYPE_CHECKING:
    from passecs.runbook.configure import Asker

DefaultOption = Annotated[bool, typer.Option("--default", help="Also make it the default.")]


def _asker() -> Asker:
    from passecs.runbook.configure import Asker

    def secret(question: str) -> str:
        return str(typer.prompt(question, hide_input=True, default="", show_default=False, err=True))

    def confirm(question: str) -> bool:
        return bool(typer.confirm(question, default=False, err=True))

    return Asker(interactive=_interactive(), secret=secret, confirm=confirm)


def _interactive() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stdin
        return False


def profile(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The profile name (e.g. pass).")],
    default: DefaultOption = False,
    yes: options.YesOption = False,
) -> None:
    """Store an ECS CLI profile in ~/.ecs/credentials (keys from the environment or passecs.env).

    The keys are AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and, if set, AWS_SESSION_TOKEN; on a terminal a
    missing one is asked for with hidden input. They reach ecs-cli through its environment, never its
    command line; with the aws backend (no ecs-cli) passecs writes the file itself, as ecs-cli does.
    Replacing a profile that has other keys needs confirmation or --yes."""
    from passecs.core import output
    from passecs.runbook import configure

    c = options.context(ctx)
    outcome = configure.configure_profile(c, name, make_default=default, yes=yes, asker=_asker())
    output.result(configure.summary(outcome, c))


def cluster(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The cluster configuration name (e.g. pass or passdev).")],
    cluster_name: Annotated[str, typer.Option("--cluster", help="The ECS cluster's name.")],
    region: Annotated[str, typer.Option("--region", help="The AWS region, e.g. us-east-1.")],
    launch_type: Annotated[
        str, typer.Option("--launch-type", help="FARGATE or EC2 (any case; stored in upper case).")
    ] = "FARGATE",
    default: DefaultOption = False,
    yes: options.YesOption = False,
) -> None:
    """Store a cluster configuration in ~/.ecs/config. Replacing different values needs confirmation or --yes."""
    from passecs.core import output
    from passecs.runbook import configure

    c = options.context(ctx)
    outcome = configure.configure_cluster(
        c,
        name,
        cluster=cluster_name,
        region=region,
        launch_type=launch_type,
        make_default=default,
        yes=yes,
        asker=_asker(),
    )
    output.result(configure.summary(outcome, c))


def default_(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="An existing cluster configuration.")],
) -> None:
    """Make a cluster configuration the default one (commands without -c then target it)."""
    from passecs.core import output
    from passecs.runbook import configure

    c = options.context(ctx)
    outcome = configure.configure_default(c, name)
    output.result(configure.summary(outcome, c))


def show(ctx: typer.Context, json: options.JsonOption = False) -> None:
    """Show the cluster configurations and profiles (access key ids masked; never a secret or token)."""
    from passecs.core import output
    from passecs.runbook import configure

    data = configure.show(options.context(ctx))
    if json:
        output.print_json(data)
    else:
        output.result(configure.render_show(data))


def validate(ctx: typer.Context, json: options.JsonOption = False) -> None:
    """Check ~/.ecs/config and ~/.ecs/credentials: every finding with file, line, key and fix.

    Exit 3 when any finding is an error, 0 when there are only warnings or none."""
    from passecs.core import output
    from passecs.core.errors import InvalidInput
    from passecs.files.ecs import display_path
    from passecs.runbook import configure

    c = options.context(ctx)
    findings = configure.validate(c)
    where = display_path(c.ecs_dir, c.home)
    if json:
        output.print_json([f.to_dict() for f in findings])
    else:
        for finding in findings:
            output.result(finding.format())
    errors = sum(1 for f in findings if f.is_error)
    warnings = len(findings) - errors
    if errors:
        raise InvalidInput(
            f"{where}: {errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}",
            "correct each error as its fix says, then run 'passecs config validate' again",
        )
    output.notice(f"{where}: no errors, {warnings} warning{'s' if warnings != 1 else ''}")


def register(app: typer.Typer) -> None:
    configure_app = typer.Typer(
        name="configure",
        help="Store ECS CLI profiles and cluster configurations (~/.ecs), backed up and checked.",
        no_args_is_help=True,
    )
    configure_app.command("profile")(profile)
    configure_app.command("cluster")(cluster)
    configure_app.command("default")(default_)
    app.add_typer(configure_app, name="configure")

    config_app = typer.Typer(
        name="config", help="Show and validate ~/.ecs/config and ~/.ecs/credentials.", no_args_is_help=True
    )
    config_app.command("show")(show)
    config_app.command("validate")(validate)
    app.add_typer(config_app, name="config")
