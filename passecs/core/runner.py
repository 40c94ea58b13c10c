"""The one module that starts processes (through ``sh``).

A :class:`Command` is a frozen value (argv, environment overrides, working directory, the secrets to mask)
built by pure code elsewhere; :func:`run` executes it and returns a :class:`Result` without raising on a
non-zero exit. This layer knows nothing about AWS: advice about which tool to install is the caller's.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from passecs.core.errors import Interrupted, Signalled, TimedOut, ToolNotFound
from passecs.core.masking import MASK as MASK  # noqa: PLC0414 - re-exported
from passecs.core.masking import mask as mask  # noqa: PLC0414 - re-exported (the one masking function)

LineSink = Callable[[str], None]

# What every child gets on top of the parent environment: no pager (the aws CLI would wait on `less`)
# and UTC times (ecs-cli's log lines then end in `Z`).
CHILD_ENV_DEFAULTS: Mapping[str, str] = {"AWS_PAGER": "", "TZ": "UTC"}


@dataclass(frozen=True)
class Command:
    """A process to start: nothing runs until :func:`run` is called with it."""

    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: str | None = None
    secrets: tuple[str, ...] = ()
    # variables removed from the inherited environment (e.g. COMPOSE_FILE, which ecs-cli appends to -f)
    unset: tuple[str, ...] = ()
    # shown after the command line by display(), as a shell comment (e.g. the masked JSON of a file:// input)
    note: str = ""

    def __post_init__(self) -> None:
        if not self.argv:
            raise ValueError("a command needs at least a program name")
        if isinstance(self.argv, str):  # pragma: no cover - a programming error, caught in tests
            raise TypeError("argv must be a sequence of arguments, never a shell string")

    @property
    def program(self) -> str:
        return self.argv[0]

    def display(self) -> str:
        """The command as a shell line an operator can paste, with every secret masked."""
        line = shlex.join(self.argv) + (f"  # {self.note}" if self.note else "")
        return mask(line, self.all_secrets())

    def all_secrets(self) -> tuple[str, ...]:
        return self.secrets

    def masked(self, text: str) -> str:
        return mask(text, self.secrets)

    def child_env(self, parent: Mapping[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ if parent is None else parent)
        for name in self.unset:
            env.pop(name, None)
        env.update(self.env)
        env.update(CHILD_ENV_DEFAULTS)
        return env


@dataclass(frozen=True)
class Result:
    command: Command
    exit_code: int
    stdout: str
    stderr: str
    duration: float

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def tail(self, lines: int = 15) -> str:
        """The last lines of the output (stdout then stderr), masked, for error messages."""
        text = "\n".join(part.rstrip("\n") for part in (self.stdout, self.stderr) if part.strip())
        return self.command.masked("\n".join(text.splitlines()[-lines:]))


def resolve(program: str, path: str | None = None) -> str | None:
    """The absolute path of ``program`` (a name looked up on PATH, or a path), or None."""
    if os.sep in program:
        return program if os.access(program, os.X_OK) and os.path.isfile(program) else None
    return shutil.which(program, path=path)


def _executable(command: Command, env: Mapping[str, str]) -> str:
    executable = resolve(command.program, env.get("PATH"))
    if executable is None:
        raise ToolNotFound(f"{command.program}: command not found", "install it or put it on PATH")
    return executable


# The process groups of the children running now, in any thread (pgid -> command display): a signal stops
# the main thread, and the children of worker threads (concurrent aws calls) must stop with it.
_LIVE: dict[int, str] = {}
_LIVE_LOCK = threading.Lock()
# How many times stop_all has run: a child whose start began before the last stop_all (on a worker thread,
# while the main thread was on its way out) is stopped as soon as it is known, not tracked.
_EPOCH = [0]
_HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _epoch() -> int:
    with _LIVE_LOCK:
        return _EPOCH[0]


def _track(pgid: int | None, display: str, epoch: int) -> None:
    """Record a child's group for :func:`stop_all`; one whose start began before the last stop_all is
    killed instead (nobody waits for it any more)."""
    if not (isinstance(pgid, int) and pgid > 1):
        return
    with _LIVE_LOCK:
        if epoch == _EPOCH[0]:
            _LIVE[pgid] = display
            return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP while a child is being started and recorded, and deliver the first
    that arrived on the way out, once the child can be found (and stopped) by whoever handles it.

    Python runs signal handlers in the main thread, between two steps of whatever it is doing: a handler
    that raises inside ``Popen`` (after the fork) would lose the child, which runs in a session of its own
    and so never gets the terminal's signals either. Worker threads are never interrupted this way (their
    race is with :func:`stop_all`, see :func:`_track`): there this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[signal.Signals] = []

    def hold(signum: int, _frame: object) -> None:
        arrived.append(signal.Signals(signum))

    previous = {signum: signal.signal(signum, hold) for signum in _HELD_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        if arrived:
            first = previous[arrived[0]]
            if callable(first):
                first(arrived[0], None)  # e.g. raises KeyboardInterrupt or Signalled, here
            elif first == signal.SIG_DFL:
                signal.raise_signal(arrived[0])


def _untrack(pgid: int | None) -> None:
    with _LIVE_LOCK:
        _LIVE.pop(pgid or 0, None)


def running_children() -> list[str]:
    """The commands whose process groups still run (for tests and the last-resort clean-up)."""
    with _LIVE_LOCK:
        return list(_LIVE.values())


def stop_all(signum: int = signal.SIGTERM) -> None:
    """Stop every child group still running, in whichever thread it was started: ``signum``, up to
    :data:`GRACE_SECONDS` for them to end, then SIGKILL. Called on the way out of every command."""
    with _LIVE_LOCK:
        _EPOCH[0] += 1
        groups = list(_LIVE)
        _LIVE.clear()
    for pgid in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signum)
    deadline = time.monotonic() + GRACE_SECONDS
    for pgid in groups:
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except (ProcessLookupError, PermissionError):
                break
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)


class _Lines:
    """Collects a stream's text and hands each complete line to a sink as it arrives."""

    def __init__(self, sink: LineSink | None) -> None:
        self.sink = sink
        self.chunks: list[str] = []

    def __call__(self, chunk: str) -> None:
        self.chunks.append(chunk)
        if self.sink is not None:
            self.sink(chunk.rstrip("\n"))

    def text(self) -> str:
        return "".join(self.chunks)


def run(
    command: Command,
    *,
    timeout: float | None = None,
    on_stdout: LineSink | None = None,
    on_stderr: LineSink | None = None,
) -> Result:
    """Run ``command`` to completion with pipes (never a TTY) and return its result.

    ``on_stdout``/``on_stderr`` receive each line as it arrives; the text is kept as well. A timeout kills
    the child's whole process group and raises :class:`TimedOut`; Ctrl-C stops it and raises
    :class:`Interrupted`. A missing executable raises :class:`ToolNotFound`.

    Without line sinks the child runs through the standard library (:func:`_run_captured`): importing
    ``sh`` costs ~25-50 ms (asyncio, importlib.metadata), more than some commands it wraps take.
    """
    if on_stdout is None and on_stderr is None:
        return _run_captured(command, timeout)
    env = command.child_env()
    executable = _executable(command, env)
    out, err = _Lines(on_stdout), _Lines(on_stderr)
    started = time.monotonic()
    with open(os.devnull, "rb") as devnull:
        epoch = _epoch()
        with signals_held():  # a signal now is delivered once the child is recorded
            proc = _sh_start(
                command, executable, env, devnull,
                _out=out, _err=err, _out_bufsize=1, _err_bufsize=1, _decode_errors="replace",
                _new_group=True,  # so a timeout or Ctrl-C reaches the child's own children too
            )  # fmt: skip
            pgid = getattr(proc.process, "pgid", None)
            _track(pgid, command.display(), epoch)
        timed_out = threading.Event()

        def _expire() -> None:
            timed_out.set()
            _kill_group(proc.process)

        timer = threading.Timer(timeout, _expire) if timeout is not None else None
        if timer is not None:
            timer.daemon = True
            timer.start()
        try:
            exit_code = _wait(proc)
            _kill_group(proc.process)  # a grandchild the child left behind in its group ends with it
        except KeyboardInterrupt:
            _interrupt_group(proc.process)
            raise _stopped(command) from None
        except Signalled as exc:  # SIGTERM / SIGHUP: passed on to the child's group, as Ctrl-C is
            _interrupt_group(proc.process, exc.signum)
            raise _stopped(command, exc) from None
        finally:
            if timer is not None:
                timer.cancel()
            _untrack(pgid)
    duration = time.monotonic() - started
    if timed_out.is_set():
        raise _timed_out(command, timeout)
    return Result(command, exit_code, out.text(), err.text(), duration)


class _Group:
    """A child started by :mod:`subprocess` in a session (and so a process group) of its own, with the
    group calls of sh's process that :func:`_kill_group` and :func:`_interrupt_group` use."""

    def __init__(self, popen: subprocess.Popen[bytes]) -> None:
        self.popen = popen
        self.pgid = popen.pid  # a session of its own: the group id is the child's pid

    def signal_group(self, signum: int) -> None:
        os.killpg(self.popen.pid, signum)

    def kill_group(self) -> None:
        os.killpg(self.popen.pid, signal.SIGKILL)

    def is_alive(self) -> tuple[bool, int | None]:
        code = self.popen.poll()
        return code is None, code


def _run_captured(command: Command, timeout: float | None) -> Result:
    """:func:`run` for a child whose output is only kept (no line sinks): the same pipes, process group,
    timeout, Ctrl-C and exit-code rules, through :mod:`subprocess`."""
    env = command.child_env()
    executable = _executable(command, env)
    started = time.monotonic()
    epoch = _epoch()
    with signals_held():  # a signal now is delivered once the child is recorded
        try:
            popen = subprocess.Popen(
                (executable, *command.argv[1:]),
                env=env,
                cwd=command.cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # so a timeout or Ctrl-C reaches the child's own children too
            )
        except OSError as exc:  # the exec itself failed (not executable, bad interpreter)
            raise _cannot_start(command, exc) from None
        group = _Group(popen)
        _track(group.pgid, command.display(), epoch)
    # the pipes are read on threads and the wait is for the child itself: a grandchild it left behind
    # holds the pipes open, and ends with the child's group rather than keeping passecs waiting
    readers = [_PipeReader(popen.stdout), _PipeReader(popen.stderr)]
    try:
        popen.wait(timeout=timeout)
        _kill_group(group)  # a grandchild the child left behind in its group ends with it
    except subprocess.TimeoutExpired:
        _kill_group(group)
        popen.wait()
        raise _timed_out(command, timeout) from None
    except KeyboardInterrupt:
        _interrupt_group(group)
        popen.wait()
        raise _stopped(command) from None
    except Signalled as exc:  # SIGTERM / SIGHUP: passed on to the child's group, as Ctrl-C is
        _interrupt_group(group, exc.signum)
        popen.wait()
        raise _stopped(command, exc) from None
    finally:
        _untrack(group.pgid)
    out, err = (reader.text() for reader in readers)
    exit_code = _exit_code(popen.returncode)
    return Result(command, exit_code, out, err, time.monotonic() - started)


class _PipeReader:
    """A child's pipe read to its end on a thread of its own."""

    def __init__(self, pipe: IO[bytes] | None) -> None:
        self.data = b""
        self.thread = threading.Thread(target=self._read, args=(pipe,), daemon=True)
        self.thread.start()

    def _read(self, pipe: IO[bytes] | None) -> None:
        if pipe is not None:
            with pipe:
                self.data = pipe.read()

    def text(self) -> str:
        self.thread.join()
        return self.data.decode("utf-8", errors="replace")


def _wait(proc: object) -> int:
    import sh

    try:
        proc.wait()  # type: ignore[attr-defined]
    except sh.SignalException:
        pass
    except sh.ErrorReturnCode:  # pragma: no cover - ok_code covers every code
        pass
    code = proc.exit_code  # type: ignore[attr-defined]
    return 128 if code is None else _exit_code(int(code))


def _signal_group(process: object, signum: int) -> None:
    """``signum`` to the child's process group, by the group id it was started with: sh's own
    signal_group asks the child for its group, which fails once the child has exited, while children
    it left behind still run in that group."""
    pgid = getattr(process, "pgid", None)
    if isinstance(pgid, int) and pgid > 1:
        os.killpg(pgid, signum)
    else:  # pragma: no cover - sh records the group id of every child it starts
        process.signal_group(signum)  # type: ignore[attr-defined]


def _kill_group(process: object) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        _signal_group(process, signal.SIGKILL)


GRACE_SECONDS = 3.0  # how long a signalled child group gets to stop before SIGKILL


def _interrupt_group(process: object, signum: int = signal.SIGINT) -> None:
    """Pass ``signum`` (SIGINT, SIGTERM, SIGHUP) to the child's whole group, wait up to
    :data:`GRACE_SECONDS` for the child to end, then SIGKILL whatever of the group is left.

    The group is killed on every path (also when a second signal cuts the wait short), so nothing
    passecs started outlives it.
    """
    try:
        _signal_group(process, signum)
    except (ProcessLookupError, PermissionError):
        return
    try:
        deadline = time.monotonic() + GRACE_SECONDS
        while time.monotonic() < deadline:
            alive, _ = process.is_alive()  # type: ignore[attr-defined]
            if not alive:
                break
            time.sleep(0.05)
    finally:
        _kill_group(process)  # the child may be gone while its children (same group) still run


def spawn_detached(command: Command, log_path: str | os.PathLike[str]) -> int:
    """Start ``command`` in the background, in a session of its own, and return its pid at once.

    For long-lived helpers (the local AWS emulator) that must outlive this passecs process: stdin is
    /dev/null, stdout and stderr go to ``log_path`` (appended), and the new session keeps a Ctrl-C in the
    operator's terminal from reaching it. Stopping it is the caller's job (by pid).
    """
    env = command.child_env()
    executable = _executable(command, env)
    with open(os.devnull, "rb") as devnull, open(log_path, "ab") as log:
        proc = _sh_start(command, executable, env, devnull, _out=log, _err_to_out=True, _new_session=True)
    return int(proc.pid)


def _sh_start(command: Command, executable: str, env: dict[str, str], devnull: IO[bytes], **options: Any) -> Any:
    """Start ``command`` through sh in the background: stdin ``devnull``, pipes (never a TTY), every exit
    code accepted (the caller reads it); ``options`` are sh's for where the output goes and the group."""
    import sh  # the one place; imported lazily because it costs ~90 ms (asyncio)

    try:
        return sh.Command(executable)(
            *command.argv[1:], _env=env, _cwd=command.cwd, _in=devnull, _tty_in=False, _tty_out=False,
            _ok_code=list(range(256)), _bg=True, _bg_exc=False, **options,
        )  # fmt: skip
    except sh.ForkException as exc:  # the exec itself failed (not executable, bad interpreter)
        raise _cannot_start(command, exc) from None


def _cannot_start(command: Command, exc: BaseException) -> ToolNotFound:
    return ToolNotFound(f"{command.program}: cannot be started: {exc}", "check the file")


def _timed_out(command: Command, timeout: float | None) -> TimedOut:
    return TimedOut(
        f"timed out after {timeout:g} s: {command.display()}",
        "raise the limit with --timeout, or check the AWS console for what is stuck",
    )


def _stopped(command: Command, signalled: Signalled | None = None) -> Interrupted:
    """The error for a child stopped by Ctrl-C (``signalled`` None) or by the SIGTERM/SIGHUP passed on to it."""
    if signalled is None:
        return Interrupted(f"interrupted: {command.display()}")
    return signalled.error(f"{signal.Signals(signalled.signum).name}: stopped {command.display()}")


def _exit_code(code: int) -> int:
    """A child's exit code; killed by signal N (a negative code): 128 + N, as a shell reports it."""
    return code if code >= 0 else 128 + abs(code)
