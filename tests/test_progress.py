"""Progress people can watch: plain lines and a heartbeat off a terminal (fake clock), a live status in
place on one (a real pseudo-terminal, rich rendering)."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT, recording

from passecs.core.progress import ProgressView, StateChange

TASK = "e3a359b2-14bd-4b14-988b-629941453065"
NAMES = ("fcrepo", "ember", "ftpserver", "submission")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_state_change_is_a_line_that_keeps_its_fields() -> None:
    change = StateChange(TASK, "ember", "PENDING")
    assert change == f"{TASK}/ember: PENDING"  # what a plain-text callback has always received
    assert (change.task_id, change.container, change.state) == (TASK, "ember", "PENDING")


def test_plain_mode_one_line_per_change_and_a_heartbeat_every_15_s() -> None:
    clock, out = Clock(), io.StringIO()
    view = ProgressView(stream=out, live=False, clock=clock, heartbeat=0)  # no ticker thread: tick() by hand
    view.started = view.last_said = clock.now
    view("started task x (pass:1)")
    for name in NAMES:
        view(StateChange(TASK, name, "PENDING"))
    view(StateChange(TASK, "ember", "PENDING"))  # no change: nothing said
    view.heartbeat = 15.0
    clock.now += 14
    view.tick()
    assert out.getvalue().splitlines() == [
        "started task x (pass:1)",
        *(f"  {name:<12} PENDING    task {TASK}" for name in NAMES),
    ]
    clock.now += 1
    view.tick()
    assert out.getvalue().splitlines()[-1] == "still waiting (15 s): 4 PENDING"
    clock.now += 15
    view.tick()
    clock.now += 10
    view(StateChange(TASK, "ember", "RUNNING"))
    clock.now += 14
    view.tick()  # a change was said 14 s ago: no heartbeat yet
    clock.now += 1
    view.tick()
    lines = out.getvalue().splitlines()
    assert lines[-3:] == [
        "still waiting (30 s): 4 PENDING",
        f"  ember        RUNNING    task {TASK}",
        "still waiting (55 s): 3 PENDING, 1 RUNNING",
    ]


def test_off_a_terminal_the_view_is_plain_and_imports_no_rich() -> None:
    code = (
        "import sys; from passecs.core.progress import ProgressView, StateChange\n"
        "with ProgressView() as v: v(StateChange('t', 'ember', 'PENDING'))\n"
        "print('rich' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "False"
    assert out.stderr == "  ember        PENDING    task t\n"


def _in_a_pty(argv: list[str], env: dict[str, str], cwd: Path, timeout: float = 60) -> tuple[int, str]:
    """Run ``argv`` with stdin/stdout/stderr on a pseudo-terminal; its exit code and all it wrote."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, close_fds=True)
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return code, b"".join(chunks).decode("utf-8", "replace")


def test_on_a_terminal_a_live_status_is_updated_in_place() -> None:
    code = (
        "import time; from passecs.core.progress import ProgressView, StateChange\n"
        "with ProgressView(title='up') as v:\n"
        "    v('started task T1 (pass:1)')\n"
        "    for name in ('fcrepo', 'ember'): v(StateChange('T1', name, 'PENDING'))\n"
        "    time.sleep(1.2)\n"
        "    for name in ('fcrepo', 'ember'): v(StateChange('T1', name, 'RUNNING'))\n"
        "    time.sleep(0.6)\n"
    )
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="100")
    env.pop("NO_COLOR", None)
    rc, text = _in_a_pty([sys.executable, "-c", code], env, ROOT)
    assert rc == 0, text
    assert "\x1b[2K" in text and "\x1b[1A" in text  # lines erased and rewritten: updated in place
    assert "started task T1 (pass:1)" in text  # other lines go above the status
    assert "up: 0 s" in text and "up: 1 s" in text  # the elapsed time moves on its own
    assert "2 PENDING" in text and "2 RUNNING" in text
    final = text.rsplit("\x1b[2K", 1)[-1]
    assert "ember" in final and "RUNNING" in final and "PENDING" not in final  # the last frame stays


def test_passecs_up_on_a_terminal_shows_the_live_status(  # type: ignore[no-untyped-def]
    home: Path, project: Path, fake_ecs_cli: Path, tmp_path: Path
) -> None:
    (home / ".ecs").mkdir()
    (home / ".ecs" / "config").write_text(recording("13-cat-config")["out"], encoding="utf-8")
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="120", FAKE_ECS_CLI_POLL="0.4")
    rc, text = _in_a_pty([sys.executable, "-m", "passecs.cli", "-C", str(project), "up"], env, home)
    assert rc == 0, text
    assert "\x1b[2K" in text and "\x1b[1A" in text
    assert "ecs-cli compose up: " in text and "4 PENDING" in text and "4 RUNNING" in text
    assert "running: 4 container(s) in 1 task(s)" in text
    assert "Traceback" not in text


def test_stdout_piped_while_the_status_is_live_stays_on_stdout() -> None:
    code = (
        "import sys; from passecs.core.progress import ProgressView, StateChange\n"
        "with ProgressView(title='up') as v:\n"
        "    v(StateChange('T1', 'ember', 'PENDING'))\n"
        "    print('a result line', flush=True)\n"
    )
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=slave, stderr=slave, stdout=subprocess.PIPE,
                            env=dict(os.environ, TERM="xterm"), cwd=ROOT)  # fmt: skip
    os.close(slave)
    out, _ = proc.communicate(timeout=60)
    os.close(master)
    assert out == b"a result line\n"


def test_passecs_up_through_a_pipe_stays_plain(home: Path, project: Path, fake_ecs_cli: Path) -> None:
    (home / ".ecs").mkdir()
    (home / ".ecs" / "config").write_text(recording("13-cat-config")["out"], encoding="utf-8")
    env = dict(os.environ, FAKE_ECS_CLI_POLL="0")
    out = subprocess.run([sys.executable, "-m", "passecs.cli", "-C", str(project), "up"], env=env, cwd=home,
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "\x1b[" not in out.stderr
    assert "  ember        PENDING    task " in out.stderr and "  ember        RUNNING    task " in out.stderr
