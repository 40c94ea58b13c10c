"""The Typer application: global options in one callback, each command group in passecs.commands.

``run_app`` is the one place that turns exceptions into messages and exit codes: no traceback reaches
the user, whatever happens below.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from passecs import __version__
from passecs.core import output
from passecs.core.context import Context, load_env_file
from passecs.core.errors import ExitCode, Interrupted, InvalidInput, PassecsError, Signalled, UsageError

try:  # typer >= 0.24 vendors click
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover - older typer depends on click itself
    from click import exceptions as click_exceptions  # type: ignore[no-redef]

app = typer.Typer(
    name="passecs",
    help="Deploy the PASS demo to Amazon ECS (Fargate): the PASS ECS runbook, checked and run for you.",
    no_args_is_help=True,
    add_completion=True,
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
            help="passecs's settings to load (never overriding variables already set), instead of the default.",
            show_default="passecs.env, then .env, in the project directory, when present",
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
    project_name: Annotated[
        str | None,
        typer.Option(
            "--project-name",
            "-p",
            help="The compose project name: task-definition family and task group, as for ecs-cli. "
            "[env: COMPOSE_PROJECT_NAME]",
            show_default="the folder of the first compose file",
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
    settings = settings_files(project, env_file)
    for path in settings:
        load_env_file(path)
    env_path = settings[0] if settings else None
    chosen, defaulted = _choose_backend(backend, local)
    if local and ctx.invoked_subcommand != "local" and not _asks_for_help(ctx):
        from passecs.local import bootstrap as rehearsal

        # --dry-run and plan change nothing anywhere: not even the emulator is started for them
        previewing = dry_run or ctx.invoked_subcommand == "plan"
        world = rehearsal.activate(dry_run=previewing)
        if world is None and ctx.invoked_subcommand not in PREVIEW_COMMANDS:
            output.notice("--dry-run: run 'passecs local up' first to see the commands against the emulator")
            raise typer.Exit(0)
    ctx.obj = Context(
        project_dir=project,
        env_file=env_path,
        dry_run=dry_run,
        verbose=verbose,
        backend=chosen,
        backend_defaulted=defaulted,
        project_name_option=project_name,
        # the rehearsal's log groups live only in the emulator: deploy creates them, as the runbook's first up did
        create_log_groups=local,
    )


def settings_files(project: Path, env_file: Path | None) -> tuple[Path, ...]:
    """The files whose variables passecs loads into its (and its children's) environment, first wins:
    ``--env-file`` alone when given; else the project's ``passecs.env`` (passecs's own settings, which no
    container sees), then its ``.env`` (the compose files' variables; older setups kept the settings there)."""
    from passecs.files.defaults import SETTINGS_FILE

    if env_file is not None:
        path = env_file if env_file.is_absolute() else Path.cwd() / env_file
        if not path.is_file():
            raise InvalidInput(
                f"--env-file {env_file}: no such file",
                f"give the path of an existing settings file (like {SETTINGS_FILE})",
            )
        return (path,)
    return tuple(p for p in (project / SETTINGS_FILE, project / ".env") if p.is_file())


BACKENDS = ("ecs-cli", "aws")
# commands that print the plan (deploy does with --dry-run) and need no emulator for it
PREVIEW_COMMANDS = ("plan", "deploy")


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


REPORT_TO = (
    "this is a bug in passecs: please report it to the passecs maintainers (the project's issue tracker) "
    "with the command line and the output of the same command with -v (secrets are masked)"
)
# the signals passecs passes on to its children and turns into exit codes (128 + the signal's number)
HANDLED_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def _raise_signalled(signum: int, frame: object) -> None:
    raise Signalled(signum)


@contextlib.contextmanager
def _signals_handled() -> Iterator[None]:
    """SIGTERM and SIGHUP raise :class:`Signalled` in the main thread while passecs runs (the process
    layer passes them on to the running child's group; ``run_app`` turns them into exit 143 / 129)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, _raise_signalled) for signum in HANDLED_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _verbose(args: list[str]) -> bool:
    return any(arg in ("-v", "--verbose") for arg in args)


def run_app(args: list[str]) -> int:
    from passecs.core import runner

    try:
        with _signals_handled():
            return _run(args)
    except Signalled as exc:  # a signal between two steps, or during the clean-up of the first one
        output.error(exc.error(f"{signal.Signals(exc.signum).name}: stopped"))
        return 128 + exc.signum
    finally:
        runner.stop_all()  # children of worker threads (concurrent aws calls) never outlive the command


def _run(args: list[str]) -> int:
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
    except Signalled:
        raise
    except Exception as exc:  # the last resort: never a traceback (unless asked for with -v)
        return _internal_error(exc, _verbose(args))
    return int(rv) if isinstance(rv, int) else int(ExitCode.OK)


def _internal_error(exc: BaseException, verbose: bool) -> int:
    from passecs.core.context import SECRET_VARIABLES
    from passecs.core.runner import mask

    secrets = [value for name in SECRET_VARIABLES if (value := os.environ.get(name, ""))]
    if verbose:
        import traceback

        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        sys.stderr.write(mask(text, secrets))
    message = mask(str(exc).splitlines()[0], secrets) if str(exc).strip() else ""
    output.error(
        PassecsError(
            f"internal error: {type(exc).__name__}: {message}".rstrip(": "),
            REPORT_TO if verbose else f"{REPORT_TO} (add -v to see where it happened)",
        )
    )
    return int(ExitCode.FAILED)
