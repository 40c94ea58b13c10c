"""Options shared by several commands, defined once."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Annotated, Any, Protocol, TypeVar

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


def timeout_option(help_text: str) -> Any:
    """The ``--timeout SECONDS`` option (check it with :func:`check_timeout`)."""
    return typer.Option("--timeout", metavar="SECONDS", help=help_text)


class _Reportable(Protocol):
    def to_json(self) -> Any: ...


R = TypeVar("R", bound=_Reportable)


def check_timeout(timeout: float, default: float) -> None:
    """A ``--timeout`` of 0 or less is a usage error; the fix names the command's own default."""
    from passecs.core.errors import UsageError

    if timeout <= 0:
        raise UsageError(f"--timeout {timeout:g}: must be more than 0 seconds", f"e.g. --timeout {default:g}")


def print_report(report: R, as_json: bool, render: Callable[[R], str]) -> None:
    """``report`` as one JSON document (``--json``) or as ``render`` makes it for people."""
    from passecs.core import output

    if as_json:
        output.print_json(report.to_json())
    else:
        output.result(render(report))


@contextlib.contextmanager
def verdict_as_json(as_json: bool) -> Iterator[None]:
    """With ``--json``, a failed deployment's verdict is printed for machines before the error goes on (to
    stderr, through ``app.run_app``)."""
    from passecs.runbook.verdict import DeploymentFailed

    try:
        yield
    except DeploymentFailed as exc:
        if as_json:
            from passecs.core import output

            output.print_json(exc.to_json())
        raise
