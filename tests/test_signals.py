"""Signals and timeouts end to end: a real ``passecs`` process, a fake ``ecs-cli compose up`` (and down)
that ignores SIGTERM and leaves a grandchild of its own; nothing of passecs's may be left running after it
exits, whatever ended it (SIGTERM -> 143, SIGHUP -> 129, --timeout -> 6)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import write_executable

# ps: no task (no table); up/down: ignore SIGTERM and SIGHUP, start a grandchild that ignores them too,
# record both pids, then hang.
STUBBORN_ECS_CLI = """
import json, os, signal, subprocess, sys, time
state = os.environ["STUBBORN_STATE"]
argv = sys.argv[1:]
if "up" in argv or "down" in argv:
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, signal.SIG_IGN)
    grandchild = subprocess.Popen([sys.executable, "-c",
        "import signal, time\\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\\n"
        "signal.signal(signal.SIGHUP, signal.SIG_IGN)\\n"
        "time.sleep(300)\\n"])
    with open(os.path.join(state, "pids.tmp"), "w") as f:
        json.dump({"child": os.getpid(), "grandchild": grandchild.pid}, f)
    os.replace(os.path.join(state, "pids.tmp"), os.path.join(state, "pids.json"))
    print('time="2026-01-01T00:00:00Z" level=info msg="Using ECS task definition" TaskDefinition="pass:1"',
          flush=True)
    time.sleep(300)
sys.exit(0)
"""


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:  # a zombie waiting for init to reap it runs nothing any more
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _wait_gone(pids: list[int], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(_gone(p) for p in pids):
            return True
        time.sleep(0.05)
    return all(_gone(p) for p in pids)


@pytest.fixture
def stubborn(bin_dir: Path, tmp_path: Path, home: Path, project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    state = tmp_path / "stubborn"
    state.mkdir()
    monkeypatch.setenv("STUBBORN_STATE", str(state))
    monkeypatch.setenv("PASSECS_STATE_DIR", str(tmp_path / "passecs-state"))
    monkeypatch.delenv("PASSECS_BACKEND", raising=False)
    write_executable(bin_dir / "ecs-cli", STUBBORN_ECS_CLI)
    return state


def _passecs(project: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "passecs.cli", "-C", str(project), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(autouse=True)
def _no_leftovers(tmp_path: Path) -> Iterator[None]:
    """Whatever a failing test leaves behind is killed (the stubborn fake records its pids)."""
    yield
    pids = tmp_path / "stubborn" / "pids.json"
    if pids.exists():
        for pid in json.loads(pids.read_text()).values():
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)


def _pids(state: Path, proc: subprocess.Popen[str]) -> dict[str, int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        path = state / "pids.json"
        if path.exists():
            return dict(json.loads(path.read_text()))
        if proc.poll() is not None:
            raise AssertionError(f"passecs ended early: {proc.communicate()}")
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("the fake ecs-cli compose up never started")


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_reaches_the_whole_child_group_and_nothing_is_left(
    stubborn: Path, project: Path, signum: int, code: int
) -> None:
    proc = _passecs(project, "up")
    pids = _pids(stubborn, proc)
    assert not _gone(pids["child"]) and not _gone(pids["grandchild"])
    proc.send_signal(signum)
    try:
        _, stderr = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:  # pragma: no cover - the failure this test is about
        proc.kill()
        raise
    assert proc.returncode == code, stderr
    assert f"passecs: error: {signal.Signals(signum).name}: stopped" in stderr
    assert "Traceback" not in stderr
    # both ignored the signal: passecs waited its grace period, then killed the group
    assert _wait_gone([pids["child"], pids["grandchild"]]), "a child of passecs outlived it"


def test_down_takes_a_timeout_and_leaves_nothing_running(stubborn: Path, project: Path) -> None:
    proc = _passecs(project, "down", "--timeout", "1")
    pids = _pids(stubborn, proc)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 6, stderr
    assert "timed out after 1 s" in stderr and "raise the limit with --timeout" in stderr
    assert _wait_gone([pids["child"], pids["grandchild"]])


def test_down_timeout_must_be_positive(cli, home: Path, project: Path) -> None:  # type: ignore[no-untyped-def]
    out = cli("-C", str(project), "down", "--timeout", "0")
    assert out.code == 2 and "--timeout 0: must be more than 0 seconds" in out.stderr


def test_a_signal_between_two_steps_is_an_exit_code_too(cli, home: Path, project: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """No child runs at that moment: the handler's exception still ends in exit 143, not a traceback."""
    from passecs.runbook import compose

    def terminated(*args: object, **kwargs: object) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler interrupts this

    monkeypatch.setattr(compose, "ps", terminated)
    previous = signal.getsignal(signal.SIGTERM)
    out = cli("-C", str(project), "ps")
    assert out.code == 143
    assert out.stderr.startswith("passecs: error: SIGTERM: stopped")
    assert signal.getsignal(signal.SIGTERM) == previous  # run_app restores the handlers it installed


def test_a_grandchild_left_behind_by_a_finished_child_is_stopped_with_it(tmp_path: Path) -> None:
    from passecs.core.runner import Command, run

    pid_file = tmp_path / "grandchild.pid"
    script = (
        "import subprocess, sys\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(p.pid))\n"
    )
    result = run(Command((sys.executable, "-c", script)))
    assert result.ok
    grandchild = int(pid_file.read_text())
    try:
        assert _wait_gone([grandchild])
    finally:
        if not _gone(grandchild):  # never leave it behind, even when the test fails
            os.kill(grandchild, signal.SIGKILL)
