"""No child outlives passecs: the children of worker threads (concurrent aws calls) are stopped on the way out."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from passecs.core import runner
from passecs.core.runner import Command


def test_stop_all_stops_a_child_that_a_worker_thread_waits_for() -> None:
    started = threading.Event()
    outcome: dict[str, object] = {}

    def worker() -> None:
        started.set()
        outcome["result"] = runner.run(Command((sys.executable, "-c", "import time; time.sleep(60)")))

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    started.wait()
    deadline = time.monotonic() + 20  # until the child is running and tracked (a loaded machine is slow)
    while not runner.running_children() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert runner.running_children(), "the child was not tracked"
    began = time.monotonic()
    runner.stop_all()
    thread.join(timeout=20)
    assert not thread.is_alive()
    # SIGTERM ends a sleeping Python at once: well before the grace period after which stop_all kills
    assert time.monotonic() - began < runner.GRACE_SECONDS + 5
    assert runner.running_children() == []
    result = outcome["result"]
    assert isinstance(result, runner.Result) and result.exit_code != 0  # killed, not finished


def test_a_finished_child_is_no_longer_tracked() -> None:
    result = runner.run(Command((sys.executable, "-c", "print('ok')")))
    assert result.ok and result.stdout == "ok\n"
    assert runner.running_children() == []


def _gone(pid: int, within: float = 10.0) -> bool:
    """The process has ended (gone, or a zombie nobody reaped yet)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError, IndexError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


SLEEPER = Command((sys.executable, "-c", "import time; time.sleep(60)"))


def _start_and_then(monkeypatch: pytest.MonkeyPatch, lines: bool, then: Callable[[], None]) -> list[int]:
    """Make the next child start call ``then`` after the fork, before the process layer has the child
    (the window a signal or the main thread's stop_all can fall into); the started pids are returned."""
    pids: list[int] = []
    if lines:  # a child whose lines are shown: started through sh
        real_sh = runner._sh_start

        def sh_start(*args: Any, **kwargs: Any) -> Any:
            proc = real_sh(*args, **kwargs)
            pids.append(proc.pid)
            then()
            return proc

        monkeypatch.setattr(runner, "_sh_start", sh_start)
    else:
        real_popen = subprocess.Popen

        def popen(*args: Any, **kwargs: Any) -> Any:
            child = real_popen(*args, **kwargs)
            pids.append(child.pid)
            then()
            return child

        monkeypatch.setattr(runner.subprocess, "Popen", popen)
    return pids


def _run(lines: bool) -> runner.Result:
    return runner.run(SLEEPER, on_stdout=(lambda _line: None) if lines else None)


@pytest.mark.parametrize("lines", [False, True], ids=["captured", "lines"])
def test_a_signal_while_a_child_starts_is_delivered_once_the_child_is_recorded(
    monkeypatch: pytest.MonkeyPatch, lines: bool
) -> None:
    from passecs.app import _raise_signalled
    from passecs.core.errors import Signalled

    def signal_now() -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(50):  # Python runs the handler at the next step: here, inside the start
            time.sleep(0.001)

    pids = _start_and_then(monkeypatch, lines, signal_now)
    previous = signal.signal(signal.SIGTERM, _raise_signalled)  # as run_app installs it
    try:
        with pytest.raises(Signalled):
            _run(lines)
        assert len(pids) == 1 and runner.running_children()  # recorded: the clean-up finds it
        runner.stop_all()
        assert _gone(pids[0])
    finally:
        signal.signal(signal.SIGTERM, previous)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)


@pytest.mark.parametrize("lines", [False, True], ids=["captured", "lines"])
def test_a_child_a_worker_starts_while_stop_all_runs_is_stopped_at_once(
    monkeypatch: pytest.MonkeyPatch, lines: bool
) -> None:
    pids = _start_and_then(monkeypatch, lines, runner.stop_all)  # the main thread on its way out
    outcome: dict[str, runner.Result] = {}
    thread = threading.Thread(target=lambda: outcome.update(result=_run(lines)), daemon=True)
    try:
        thread.start()
        thread.join(timeout=15)
        assert not thread.is_alive(), "the worker still waits for a child nobody stops"
        assert outcome["result"].exit_code != 0 and _gone(pids[0])
        assert runner.running_children() == []
    finally:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
