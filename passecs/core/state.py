"""passecs's own state folder: the local emulator's files, its private home, and the deploy locks.

``$PASSECS_STATE_DIR``, else ``$XDG_STATE_HOME/passecs``, else ``~/.local/state/passecs``. Every place that
creates something there goes through :func:`ensure_dir`, so an unwritable location is one clear error
(exit 3) naming the variable, never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from passecs.core.errors import InvalidInput

STATE_VARIABLE = "PASSECS_STATE_DIR"


def state_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get(STATE_VARIABLE):
        return Path(env[STATE_VARIABLE])
    if env.get("XDG_STATE_HOME"):
        return Path(env["XDG_STATE_HOME"]) / "passecs"
    home = env.get("HOME") or str(Path.home())
    return Path(home) / ".local" / "state" / "passecs"


def ensure_dir(path: Path, what: str = "passecs's state folder") -> Path:
    """``path`` created (mode 0700) if needed and checked to be a writable folder; else InvalidInput."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise unwritable(path, what, exc) from None
    if not path.is_dir() or not os.access(path, os.W_OK | os.X_OK):
        raise unwritable(path, what, None)
    return path


def unwritable(path: Path, what: str, exc: OSError | None) -> InvalidInput:
    reason = f": {exc.strerror}" if exc is not None and exc.strerror else ": not a writable folder"
    return InvalidInput(
        f"{what} {path} cannot be used{reason}",
        f"set {STATE_VARIABLE} to a folder you can write to (default ~/.local/state/passecs)",
    )
