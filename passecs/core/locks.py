"""File locks in passecs's state folder: one deploy at a time per project and cluster configuration, one
emulator start at a time.

A lock is ``fcntl.flock`` on a file under :func:`passecs.core.state.state_dir` ``/locks``: the kernel
releases it when the holder exits, however it exits, so a crashed passecs never leaves a stale lock. The
holder writes who it is (pid, command, since) into the file; a second passecs waits a bounded time saying
so, then is refused (exit 5) naming the holder. Locks are re-entrant within one process (``deploy`` takes
the deploy lock, then ``up`` inside it takes it again).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from passecs.core import output
from passecs.core.errors import Refused
from passecs.core.state import ensure_dir, state_dir, unwritable

LOCKS_DIR = "locks"
WAIT_VARIABLE = "PASSECS_LOCK_TIMEOUT"
DEFAULT_WAIT_SECONDS = 60.0
_POLL = 0.2

_held: dict[str, int] = {}  # lock path -> depth, for re-entry within this process


@dataclass(frozen=True)
class Holder:
    pid: int | None
    command: str
    since: str

    def describe(self) -> str:
        pid = f"pid {self.pid}" if self.pid is not None else "an unknown process"
        return f"{pid} ({self.command or 'passecs'}, since {self.since or 'an unknown time'})"


def wait_seconds(env: dict[str, str] | None = None) -> float:
    """How long a second run waits for a lock: ``PASSECS_LOCK_TIMEOUT`` seconds (default 60)."""
    raw = (os.environ if env is None else env).get(WAIT_VARIABLE, "").strip()
    try:
        value = float(raw) if raw else DEFAULT_WAIT_SECONDS
    except ValueError:
        return DEFAULT_WAIT_SECONDS
    return max(value, 0.0)


def lock_path(name: str, *parts: str) -> Path:
    """``<state dir>/locks/<name>-<readable parts>-<digest>.lock`` (the digest keeps distinct keys apart)."""
    readable = "-".join(re.sub(r"[^A-Za-z0-9_.]+", "_", p)[:40] for p in parts if p)
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:12]
    stem = "-".join(x for x in (name, readable, digest) if x)
    return state_dir() / LOCKS_DIR / f"{stem}.lock"


def _command_line() -> str:
    return " ".join(["passecs", *sys.argv[1:]])[:300]


def read_holder(path: Path) -> Holder | None:
    from passecs.core.fsutil import read_text

    try:
        data = json.loads(read_text(path, "lock file", limit=4096))
    except Exception:  # a lock file being written, damaged or empty: the holder is unknown
        return None
    if not isinstance(data, dict):
        return None
    pid = data.get("pid")
    return Holder(pid if isinstance(pid, int) else None, str(data.get("command", "")), str(data.get("since", "")))


@contextlib.contextmanager
def file_lock(
    path: Path,
    what: str,
    *,
    wait: float | None = None,
    fix: str = "wait for it to finish, then run the command again",
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[None]:
    """Hold the lock ``path`` for the block; ``what`` names it in messages (e.g. "deploy of project pass
    on cluster configuration passdev"). Raises Refused (exit 5) after ``wait`` seconds of another holder."""
    key = str(path)
    if key in _held:
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    ensure_dir(path.parent)
    wait = wait_seconds() if wait is None else wait
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    except OSError as exc:
        raise unwritable(path.parent, "passecs's state folder", exc) from None
    try:
        deadline = time.monotonic() + wait
        said = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = read_holder(path)
                who = holder.describe() if holder else "another passecs"
                if time.monotonic() >= deadline:
                    raise Refused(
                        f"{what}: another passecs is at it: {who}; waited {wait:g} s",
                        f"{fix} (wait longer with {WAIT_VARIABLE}=SECONDS)",
                    ) from None
                if not said:
                    output.notice(f"{what}: waiting up to {wait:g} s for {who} to finish")
                    said = True
                sleep(_POLL)
        since = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        record = json.dumps({"pid": os.getpid(), "command": _command_line(), "since": since}).encode()
        os.ftruncate(fd, 0)  # never replaced by rename: the lock is on this very file
        os.pwrite(fd, record, 0)
        _held[key] = 1
        try:
            yield
        finally:
            del _held[key]
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the flock


def deploy_lock_path(project_name: str, cluster_config: str | None, ecs_dir: Path) -> Path:
    """The lock of mutating commands (up, down, deploy) on one project and cluster configuration."""
    return lock_path("deploy", project_name, cluster_config or "(default)", str(ecs_dir))
