"""The local AWS emulator for rehearsals: moto, with passecs's adjustments, on 127.0.0.1.

Two halves:

* the server, ``python -m passecs.local.emulator --host 127.0.0.1 --port 0``: imports moto, applies the
  adjustments of :mod:`passecs.local.moto_adjustments` (in that process only) and serves until SIGTERM/SIGINT;
  with ``--ready-file`` it writes ``{"pid", "host", "port", "url", "adjustments"}`` there once listening;
* the lifecycle helpers that ``passecs local up/down/status`` and ``--local`` use, in the passecs process
  (they never import moto): :func:`start`, :func:`stop`, :func:`status`, :func:`local_environment`.

State lives in :func:`state_dir` (``$PASSECS_STATE_DIR``, else ``$XDG_STATE_HOME/passecs``, else
``~/.local/state/passecs``): ``emulator.json`` (pid, port, url), ``emulator.log``, and ``home/``, the
private HOME for ``--local`` so the operator's real ``~/.ecs`` and ``~/.aws`` are never read or changed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from passecs.core.errors import CommandFailed, InvalidInput, TimedOut

STATE_FILE = "emulator.json"
START_LOCK = "emulator.lock"
LOG_FILE = "emulator.log"
HOME_DIR = "home"
LOOPBACK = ("127.0.0.1", "localhost", "::1")

# What --local gives the aws CLI: moto accepts any credentials; these are recognisably not real ones.
LOCAL_ACCESS_KEY = "AKIAPASSECSLOCAL0000"
LOCAL_SECRET_KEY = "passecs-local-emulator-not-a-secret"  # noqa: S105 - moto takes any key
LOCAL_REGION = "us-east-1"
# Variables of the operator's own AWS setup that must not leak into a rehearsal.
_CLEARED = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CA_BUNDLE",
    "ECS_PROFILE",
    "ECS_CLUSTER",
)


@dataclass(frozen=True)
class EmulatorState:
    pid: int
    host: str
    port: int
    url: str
    log: str
    adjustments: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["adjustments"] = list(self.adjustments)
        return data


@dataclass(frozen=True)
class EmulatorStatus:
    running: bool
    state: EmulatorState | None  # the last recorded state (also when it no longer runs)
    state_dir: Path

    def describe(self) -> str:
        if self.running and self.state is not None:
            return f"local AWS emulator running at {self.state.url} (pid {self.state.pid})"
        return "local AWS emulator not running"


# --------------------------------------------------------------------------------------------------
# Where things live


def state_dir(env: Mapping[str, str] | None = None) -> Path:
    from passecs.core.state import state_dir as passecs_state_dir

    return passecs_state_dir(env)


def private_home(directory: Path) -> Path:
    """The HOME used for --local (its ``.ecs`` is the rehearsal's own), created on first use."""
    from passecs.core.state import ensure_dir

    return ensure_dir(directory / HOME_DIR, "the local rehearsal's private home in passecs's state folder")


def local_environment(state: EmulatorState, directory: Path, region: str = LOCAL_REGION) -> dict[str, str]:
    """Environment overrides that point every child (and passecs's own HOME lookups) at the emulator.

    The caller also removes the names in :data:`CLEARED_VARIABLES` from the environment.
    """
    home = private_home(directory)
    return {
        "HOME": str(home),
        "AWS_ENDPOINT_URL": state.url,
        "AWS_ACCESS_KEY_ID": LOCAL_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": LOCAL_SECRET_KEY,
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


CLEARED_VARIABLES = _CLEARED


# --------------------------------------------------------------------------------------------------
# Lifecycle (in the passecs process)


def read_state(directory: Path) -> EmulatorState | None:
    from passecs.core.fsutil import read_text

    path = directory / STATE_FILE
    try:
        data = json.loads(read_text(path, "emulator state file", limit=64 * 1024))
        return EmulatorState(
            pid=int(data["pid"]),
            host=str(data["host"]),
            port=int(data["port"]),
            url=str(data["url"]),
            log=str(data.get("log", directory / LOG_FILE)),
            adjustments=tuple(str(a) for a in data.get("adjustments", ())),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, RecursionError, InvalidInput):
        return None  # a damaged state file is treated as "not running"; start() rewrites it


def _pid_is_emulator(pid: int) -> bool:
    """True only when ``pid`` is, verifiably, a live ``passecs.local.emulator`` process: its command line
    is read through psutil when installed, else /proc; when neither can tell, it is not signalled."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # someone else's process: never ours
    args = _command_line(pid)
    if args is None or not any(a == "passecs.local.emulator" for a in args):
        return False  # the pid was reused by another program, or its identity cannot be checked
    return not _is_zombie(pid)


def _command_line(pid: int) -> list[str] | None:
    """The argv of process ``pid``; None when it cannot be known on this system."""
    try:
        import psutil
    except ImportError:
        psutil = None
    if psutil is not None:
        try:
            return [str(a) for a in psutil.Process(pid).cmdline()]
        except psutil.NoSuchProcess:
            return []
        except (psutil.Error, OSError):
            return None
    cmdline = Path(f"/proc/{pid}/cmdline")
    try:
        raw = cmdline.read_bytes()
    except FileNotFoundError:
        return None if not Path("/proc/self/cmdline").exists() else []
    except OSError:
        return None
    return [a.decode("utf-8", "replace") for a in raw.split(b"\0") if a]


def _is_zombie(pid: int) -> bool:
    try:
        import psutil
    except ImportError:
        psutil = None
    if psutil is not None:
        try:
            return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
        except (psutil.Error, OSError):
            return False
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return False
    return bool(fields) and fields[0] == "Z"


def _answers(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/moto-api/", timeout=timeout):  # noqa: S310 - loopback
            return True
    except (urllib.error.URLError, OSError, ValueError):
        return False


def status(directory: Path | None = None) -> EmulatorStatus:
    directory = state_dir() if directory is None else directory
    state = read_state(directory)
    running = state is not None and _pid_is_emulator(state.pid) and _answers(state.url)
    return EmulatorStatus(running, state, directory)


def server_command(
    ready_file: Path, *, host: str = "127.0.0.1", port: int = 0, step_seconds: float | None = None
) -> tuple[str, ...]:
    argv = [sys.executable, "-m", "passecs.local.emulator", "--host", host, "--port", str(port)]
    argv += ["--ready-file", str(ready_file)]
    if step_seconds is not None:
        argv += ["--step-seconds", repr(step_seconds)]
    return tuple(argv)


def start(
    directory: Path | None = None,
    *,
    step_seconds: float | None = None,
    timeout: float = 60.0,
) -> EmulatorState:
    """Start the emulator in the background (or return the running one) and record where it listens."""
    return ensure_running(directory, step_seconds=step_seconds, timeout=timeout)[0]


def ensure_running(
    directory: Path | None = None, *, step_seconds: float | None = None, timeout: float = 60.0
) -> tuple[EmulatorState, bool]:
    """:func:`start`, and whether this call started it (False: it ran already, or another passecs that
    held the start lock started it meanwhile)."""
    from passecs.core.locks import file_lock
    from passecs.core.state import ensure_dir

    directory = state_dir() if directory is None else directory
    current = status(directory)
    if current.running and current.state is not None:
        return current.state, False
    ensure_dir(directory)
    # one start at a time: a second passecs waits, then finds the emulator the first one started
    with file_lock(directory / START_LOCK, "starting the local AWS emulator", wait=timeout + 30):
        current = status(directory)
        if current.running and current.state is not None:
            return current.state, False
        return _start(directory, step_seconds=step_seconds, timeout=timeout), True


def _start(directory: Path, *, step_seconds: float | None, timeout: float) -> EmulatorState:
    from passecs.core.runner import Command, signals_held, spawn_detached

    private_home(directory)
    log = directory / LOG_FILE
    ready = directory / "emulator.ready.json"
    ready.unlink(missing_ok=True)
    (directory / STATE_FILE).unlink(missing_ok=True)
    log.write_bytes(b"")
    command = Command(server_command(ready, step_seconds=step_seconds), cwd=str(directory))
    pid: int | None = None
    try:
        with signals_held():  # a signal during the start is delivered once the pid is known
            pid = spawn_detached(command, log)
        return _await_ready(directory, pid, ready, log, timeout)
    except BaseException:  # a failed, interrupted or terminated start leaves no emulator behind
        if pid is not None:
            _terminate(pid, 3.0)
        raise


def _await_ready(directory: Path, pid: int, ready: Path, log: Path, timeout: float) -> EmulatorState:
    deadline = time.monotonic() + timeout
    from passecs.core.fsutil import read_text

    while time.monotonic() < deadline:
        if ready.exists():
            with contextlib.suppress(ValueError, OSError, KeyError, TypeError, InvalidInput):
                data = json.loads(read_text(ready, "emulator ready file", limit=64 * 1024))
                state = EmulatorState(
                    pid=pid,
                    host=str(data["host"]),
                    port=int(data["port"]),
                    url=str(data["url"]),
                    log=str(log),
                    adjustments=tuple(data.get("adjustments", ())),
                )
                _write_state(directory, state)
                ready.unlink(missing_ok=True)
                return state
        if not _alive(pid):
            raise CommandFailed(
                "the local AWS emulator exited at start",
                "install the extra it needs: pip install 'passecs[local]'",
                detail=_tail(log),
            )
        time.sleep(0.05)
    raise TimedOut(f"the local AWS emulator did not start within {timeout:g} s", f"see {log}", detail=_tail(log))


def stop(directory: Path | None = None, timeout: float = 10.0) -> bool:
    """Stop the recorded emulator (SIGTERM, then SIGKILL); True if one was running."""
    directory = state_dir() if directory is None else directory
    state = read_state(directory)
    was_running = False
    if state is not None and _pid_is_emulator(state.pid):
        was_running = True
        _terminate(state.pid, timeout)
    (directory / STATE_FILE).unlink(missing_ok=True)
    return was_running


def _write_state(directory: Path, state: EmulatorState) -> None:
    from passecs.core.fsutil import atomic_write

    atomic_write(directory / STATE_FILE, json.dumps(state.to_json(), indent=2) + "\n")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return not _is_zombie(pid)


def _terminate(pid: int, timeout: float = 10.0) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _tail(path: Path, lines: int = 15) -> str | None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return "\n".join(text.splitlines()[-lines:]) or None


# --------------------------------------------------------------------------------------------------
# The server (in the emulator process)


def serve(
    host: str,
    port: int,
    *,
    step_seconds: float | None = None,
    skip: Sequence[str] = (),
    ready_file: Path | None = None,
) -> None:
    """Apply the adjustments and serve moto on ``host:port`` until SIGTERM or SIGINT."""
    if host not in LOOPBACK:
        raise InvalidInput(f"--host {host}: the emulator listens on loopback only", "use --host 127.0.0.1")
    # the runbook attaches AWS's managed AmazonECSTaskExecutionRolePolicy: moto knows it only when asked
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    import logging

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    from passecs.local import moto_adjustments as _moto_adjustments

    applied = _moto_adjustments.apply(
        _moto_adjustments.DEFAULT_STEP_SECONDS if step_seconds is None else step_seconds, tuple(skip)
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request would fill the log
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
    actual_port = int(server.server_port)
    url = f"http://{host if ':' not in host else f'[{host}]'}:{actual_port}"

    def _shutdown(signum: int, frame: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, _shutdown)
    signal.signal(signal.SIGINT, _shutdown)
    if ready_file is not None:
        info = {"pid": os.getpid(), "host": host, "port": actual_port, "url": url, "adjustments": applied}
        from passecs.core.fsutil import atomic_write

        atomic_write(ready_file, json.dumps(info))
    print(f"passecs local emulator (moto) on {url}; adjustments: {', '.join(applied)}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m passecs.local.emulator", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (see --ready-file)")
    parser.add_argument("--step-seconds", type=float, default=None, help="least time per task lifecycle step")
    parser.add_argument("--without", action="append", default=[], metavar="ADJUSTMENT", help="skip one")
    parser.add_argument("--ready-file", type=Path, default=None, help="where to write pid/port once listening")
    args = parser.parse_args(argv)
    try:
        serve(
            args.host,
            args.port,
            step_seconds=args.step_seconds,
            skip=args.without,
            ready_file=args.ready_file,
        )
    except (InvalidInput, ValueError) as exc:
        print(f"passecs emulator: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
