"""``passecs local up|down|status``: the local AWS emulator that ``--local`` works against."""

from __future__ import annotations

import typer

from passecs.commands.options import JsonOption

local_app = typer.Typer(
    help="The local AWS emulator (moto, on 127.0.0.1) for rehearsing the runbook with no AWS account.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(local_app, name="local")


@local_app.command("up")
def up(json_output: JsonOption = False) -> None:
    """Start the emulator in the background on a free 127.0.0.1 port (or say where it already runs)."""
    from passecs.core import output
    from passecs.local import emulator

    directory = emulator.state_dir()
    state, started = emulator.ensure_running(directory)
    if started:
        from passecs.local import bootstrap as local

        local.forget(directory)  # a new emulator holds nothing yet
    if json_output:
        output.print_json({"running": True, "already_running": not started, **state.to_json()})
        return
    verb = "started" if started else "already running"
    output.result(f"local AWS emulator {verb} at {state.url} (pid {state.pid})")
    output.progress("next: passecs --local deploy --yes   (and 'passecs local down' when done)")


@local_app.command("down")
def down(json_output: JsonOption = False) -> None:
    """Stop the emulator (everything created in it goes with it)."""
    from passecs.core import output
    from passecs.local import bootstrap as local
    from passecs.local import emulator

    directory = emulator.state_dir()
    stopped = emulator.stop(directory)
    local.forget(directory)
    if json_output:
        output.print_json({"stopped": stopped})
    else:
        output.result("local AWS emulator stopped" if stopped else "local AWS emulator was not running")


@local_app.command("status")
def status(json_output: JsonOption = False) -> None:
    """Say whether the emulator runs, and where."""
    from passecs.core import output
    from passecs.local import emulator

    current = emulator.status()
    if json_output:
        output.print_json(
            {
                "running": current.running,
                "state_dir": str(current.state_dir),
                **(current.state.to_json() if current.running and current.state else {}),
            }
        )
    else:
        output.result(current.describe())
