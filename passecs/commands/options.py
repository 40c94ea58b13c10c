"""Options shared by several commands, defined once."""

from __future__ import annotations

from typing import Annotated

import typer

from passecs.core.context import Context

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document for machines.")]
YesOption = Annotated[
    bool, typer.Option("--yes", "-y", help="Confirm without asking (needed where no terminal can ask).")
]
ClusterConfigOption = Annotated[
    str | None,
    typer.Option(
        "--cluster-config",
        "-c",
        help="The cluster configuration (a name in ~/.ecs/config) to target instead of the default.",
        show_default="the default cluster configuration",
    ),
]


def context(ctx: typer.Context) -> Context:
    obj = ctx.find_object(Context)
    if obj is None:  # pragma: no cover - the callback always sets it
        raise RuntimeError("passecs context missing")
    return obj
