"""Everything passecs shows: results on stdout (tables for people, JSON for machines), progress,
warnings and errors on stderr, so that ``--json`` output stays machine-readable."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from passecs.core.errors import PassecsError


def result(text: str = "") -> None:
    """A line of the command's result (stdout)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def progress(text: str) -> None:
    """A progress or information line (stderr)."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def warning(text: str) -> None:
    progress(f"passecs: warning: {text}")


def notice(text: str) -> None:
    progress(f"passecs: {text}")


def error(exc: PassecsError) -> None:
    lines = [f"passecs: error: {exc.message}"]
    if exc.detail:
        lines.extend("  " + line for line in exc.detail.splitlines())
    if exc.fix:
        first, *more = exc.fix.splitlines()
        lines.append(f"  fix: {first}")
        lines.extend(f"       {line}" for line in more)
    sys.stderr.write("\n".join(lines) + "\n")
    sys.stderr.flush()


def to_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=False, default=str)


def print_json(value: Any) -> None:
    result(to_json(value))


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A plain left-aligned table, two spaces between columns, no trailing spaces."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(lines)


# ANSI colours for container names (on a terminal only)
_COLOURS = ("36", "33", "35", "32", "34", "31", "96", "93")


def colour_wanted(stream: Any = None) -> bool:
    """Colour on a terminal only, and never with NO_COLOR set or TERM=dumb."""
    import os

    stream = stream if stream is not None else sys.stdout
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class LabelledLines:
    """Log lines of several containers, each prefixed by its container's name, names aligned:
    ``ember      | message`` (the name coloured when ``colour``)."""

    def __init__(
        self, names: Sequence[str], *, colour: bool | None = None, sink: Callable[[str], None] = result
    ) -> None:
        self.width = max((len(n) for n in names), default=0)
        self.colours = {name: _COLOURS[i % len(_COLOURS)] for i, name in enumerate(names)}
        self.colour = colour_wanted() if colour is None else colour
        self.sink = sink

    def __call__(self, name: str, text: str) -> None:
        self.width = max(self.width, len(name))
        label = name.ljust(self.width)
        if self.colour:
            code = self.colours.setdefault(name, _COLOURS[len(self.colours) % len(_COLOURS)])
            label = f"\033[{code}m{label}\033[0m"
        self.sink(f"{label} | {text}")
