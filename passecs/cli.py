"""Entry point: ``passecs = passecs.cli:main``.

Kept free of heavy imports so that ``passecs --version`` answers before Typer (and Click, and Rich) load;
everything else is dispatched to :mod:`passecs.app`.
"""

from __future__ import annotations

import sys

from passecs import __version__


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if args == ["--version"]:
        sys.stdout.write(f"passecs {__version__}\n")
        return 0
    from passecs.app import run_app

    return run_app(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
