"""The Typer application: global options in one callback, each command group in passecs.commands.

``run_app`` is the one place that turns exceptions into messages and exit codes: no traceback reaches
the user, whatever happens below.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from passecs import __version__
from passecs.core import output
from passecs.core.context import Context, load_env_file
from passecs.core.errors import ExitCode, Interrupted, InvalidInput, PassecsError, UsageError

try:  # typer >= 0.24 vendors click
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover - older typer depends on click itself
    from click import exceptions as click_exceptions  # type: ignore[no-redef]

app = typer.Typer(
    name="passecs",
    help="Deploy the PASS demo to Amazon ECS (Fargate): the PASS ECS runbook, checked and run for you.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        output.result(f"passecs {__version__}")
        raise typer.Exit(0)


@app.callback()
def global_options(
    ctx: typer.Context,
    project_dir: Annotated[
        Path,
        typer.Option("--project-dir", "-C", help="Where the compose files are.", show_default="current directory"),
    ] = Path("."),
    env_file: Annotated[
        Path | None,
        typer.Option(
            "--env-file",
            help="Variables to load (never overriding ones already set).",
            show_default=".env in the project directory, when present",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print every command that would change something; change nothing.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print each command before it runs.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    backend: Annotated[
        str | None,
        typer.Option(
            "--backend",
            metavar="ecs-cli|aws",
            help="Run the compose steps through ecs-cli, or through the aws CLI alone. [env: PASSECS_BACKEND]",
            show_default="ecs-cli when it is installed, else aws",
        ),
    ] = None,
    local: Annotated[
        bool,
        typer.Option(
            "--local",
            help="Work against the local AWS emulator (started if needed; see 'passecs local'): "
            "no AWS account, a private ~/.ecs, the runbook's clusters and network created on first use.",
        ),
    ] = False,
) -> None:
    project = project_dir.expanduser()
    if not project.is_dir():
        raise InvalidInput(f"--project-dir {project_dir}: no such directory", "name the folder with the compose files")
    project = project.resolve()
    if env_file is not None:
        env_path: Path | None = env_file if env_file.is_absolute() else Path.cwd() / env_file
        if env_path is None or not env_path.is_file():
            raise InvalidInput(f"--env-file {env_file}: no such file", "give the path of an existing .env file")
    else:
        candidate = project / ".env"
        env_path = candidate if candidate.is_file() else None
    if env_path is not None:
        load_env_file(env_path)
    chosen, defaulted = _choose_backend(backend, local)
    if local and ctx.invoked_subcommand != "local" and not _asks_for_help(ctx):
        from passecs.local import bootstrap as rehearsal

        rehearsal.activate()
    ctx.obj = Context(
        project_dir=project,
        env_file=env_path,
        dry_run=dry_run,
        verbose=verbose,
        backend=chosen,
        backend_defaulted=defaulted,
        local=local,
    )


BACKENDS = ("ecs-cli", "aws")


def _choose_backend(option: str | None, local: bool) -> tuple[str, bool]:
    """--backend, else PASSECS_BACKEND, else ecs-cli when installed, else aws (defaulted: say so)."""
    from passecs.core import tools

    if option is not None and option not in BACKENDS:
        raise UsageError(f"--backend {option}: must be ecs-cli or aws", "e.g. --backend aws")
    chosen = option or os.environ.get("PASSECS_BACKEND", "").strip() or None
    if chosen is not None and chosen not in BACKENDS:
        raise InvalidInput(f"PASSECS_BACKEND={chosen}: must be ecs-cli or aws", "set PASSECS_BACKEND=aws or unset it")
    if local:
        if chosen == "ecs-cli":
            raise UsageError(
                "--local works with the aws backend only: ecs-cli cannot be pointed at the local emulator",
                "drop --backend ecs-cli (or PASSECS_BACKEND) for the rehearsal",
            )
        return "aws", False
    if chosen is not None:
        return chosen, False
    if os.environ.get("PASSECS_ECS_CLI", "").strip():  # named on purpose: use it (and say so if it is missing)
        return "ecs-cli", False
    return ("ecs-cli", False) if tools.find(tools.ECS_CLI) else ("aws", True)


def _asks_for_help(ctx: typer.Context) -> bool:
    words = [*getattr(ctx, "protected_args", []), *ctx.args]
    return any(word in ("--help", "-h") for word in words)


_registered: list[tuple[str, ...]] = [()]  # the command modules registered on `app` now


def _register_commands(args: list[str] | None = None) -> None:
    """Register the commands a run of ``args`` needs (every one without ``args``, for help, or for a name
    passecs does not know, so that Typer lists them or suggests one). :func:`run_app` calls it; code that
    drives ``app`` itself calls it first without arguments."""
    from passecs import commands

    wanted = commands.modules_for(_command_name(args)) if args is not None else commands.MODULES
    if wanted == _registered[0]:
        return
    app.registered_commands.clear()
    app.registered_groups.clear()
    commands.register(app, wanted)
    _registered[0] = wanted


# global options that take a value (the next argument, or after `=`)
_VALUE_OPTIONS = ("--project-dir", "-C", "--env-file", "--backend")


def _command_name(args: list[str]) -> str | None:
    """The command ``args`` name after the global options; None when help or the version is asked first."""
    words = iter(args)
    for word in words:
        if word in ("--help", "-h", "--version"):
            return None
        if word in _VALUE_OPTIONS:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def _usage_fix(exc: click_exceptions.UsageError) -> str:
    path = exc.ctx.command_path if exc.ctx is not None else "passecs"
    return f"see '{path} --help'"


def run_app(args: list[str]) -> int:
    _register_commands(args)
    command = typer.main.get_command(app)
    try:
        rv = command.main(args=args, prog_name="passecs", standalone_mode=False)
    except PassecsError as exc:
        output.error(exc)
        return int(exc.code)
    except click_exceptions.NoArgsIsHelpError:  # typer has printed the help already
        return int(ExitCode.OK)
    except click_exceptions.UsageError as exc:
        output.error(UsageError(exc.format_message(), _usage_fix(exc)))
        return int(ExitCode.USAGE)
    except (typer.Abort, KeyboardInterrupt):
        output.error(Interrupted("interrupted"))
        return int(ExitCode.INTERRUPTED)
    except click_exceptions.ClickException as exc:
        output.error(UsageError(exc.format_message()))
        return int(exc.exit_code)
    except BrokenPipeError:  # e.g. `passecs logs | head`
        return int(ExitCode.OK)
    return int(rv) if isinstance(rv, int) else int(ExitCode.OK)
