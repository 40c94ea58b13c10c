"""One module per command group; each exposes ``register(app)``.

Modules here stay thin: options in, one call into the service layer, output out. They import nothing
heavy at module level (yaml, sh) so that ``passecs --help`` stays fast.
"""

from __future__ import annotations

import typer


def register_all(app: typer.Typer) -> None:
    from passecs.commands import compose, configure, deploy, doctor, iam, local, revisions

    for module in (configure, iam, compose, revisions, doctor, deploy, local):
        module.register(app)
