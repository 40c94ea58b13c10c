"""One module per command group; each exposes ``register(app)``.

Modules here stay thin: options in, one call into the service layer, output out. They import nothing
heavy at module level (yaml, sh) so that ``passecs --help`` stays fast.
"""

from __future__ import annotations

import typer

# The command modules, in the order `passecs --help` lists their commands.
MODULES = ("configure", "iam", "compose", "revisions", "doctor", "deploy", "local")
# Which module registers each top-level command: a run of one command builds only that module's commands
# (Typer inspects every registered function's signature on each run; ~15 ms for all of them).
COMMAND_MODULES = {
    "configure": "configure",
    "config": "configure",
    "iam": "iam",
    "up": "compose",
    "ps": "compose",
    "logs": "compose",
    "down": "compose",
    "doctor": "doctor",
    "deploy": "deploy",
    "plan": "deploy",
    "diff": "revisions",
    "history": "revisions",
    "rollback": "revisions",
    "local": "local",
}


def register_all(app: typer.Typer) -> None:
    register(app, MODULES)


def register(app: typer.Typer, modules: tuple[str, ...]) -> None:
    import importlib

    for name in modules:
        importlib.import_module(f"passecs.commands.{name}").register(app)


def modules_for(command: str | None) -> tuple[str, ...]:
    """The modules a run of ``command`` needs: its own; all of them for help or an unknown name."""
    module = COMMAND_MODULES.get(command or "")
    return (module,) if module is not None else MODULES
