"""The process layer, run for real against small fake executables on PATH."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import ROOT, SECRET_KEY, SESSION_TOKEN, write_executable

from passecs.core.errors import ExitCode, TimedOut, ToolNotFound
from passecs.core.runner import Command, mask, run


def test_success_keeps_stdout_stderr_and_exit_code(bin_dir: Path) -> None:
    write_executable(bin_dir / "fine", "import sys\nprint('out 1')\nprint('err 1', file=sys.stderr)\n")
    result = run(Command(("fine",)))
    assert result.ok
    assert result.exit_code == 0
    assert result.stdout == "out 1\n"
    assert result.stderr == "err 1\n"
    assert result.duration > 0


def test_non_zero_exit_is_a_result_not_an_exception(bin_dir: Path) -> None:
    write_executable(bin_dir / "fails", "import sys\nsys.stderr.write('boom\\n')\nsys.exit(7)\n")
    result = run(Command(("fails", "--flag")))
    assert not result.ok
    assert result.exit_code == 7
    assert result.stderr == "boom\n"
    assert "boom" in result.tail()


def test_missing_executable_is_tool_not_found(bin_dir: Path) -> None:
    with pytest.raises(ToolNotFound) as info:
        run(Command(("no-such-tool-passecs",)))
    assert info.value.code == ExitCode.TOOL_MISSING
    assert "no-such-tool-passecs" in info.value.message


def test_child_gets_overrides_no_pager_utc_and_unset(bin_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PAGER", "less")
    monkeypatch.setenv("COMPOSE_FILE", "other.yml")
    monkeypatch.setenv("INHERITED", "yes")
    write_executable(
        bin_dir / "envdump",
        "import json, os, sys\njson.dump({k: os.environ.get(k) for k in sys.argv[1:]}, sys.stdout)\n"
        "print()\nprint(sys.stdout.isatty(), sys.stdin.isatty())\n",
    )
    result = run(
        Command(
            ("envdump", "AWS_PAGER", "TZ", "EXTRA", "COMPOSE_FILE", "INHERITED"),
            env={"EXTRA": "1"},
            unset=("COMPOSE_FILE",),
        )
    )
    first, second = result.stdout.splitlines()
    assert first == '{"AWS_PAGER": "", "TZ": "UTC", "EXTRA": "1", "COMPOSE_FILE": null, "INHERITED": "yes"}'
    assert second == "False False"  # pipes, never a TTY


def test_cwd(bin_dir: Path, tmp_path: Path) -> None:
    write_executable(bin_dir / "pwdx", "import os\nprint(os.getcwd())\n")
    assert run(Command(("pwdx",), cwd=str(tmp_path))).stdout.strip() == str(tmp_path)


def test_lines_arrive_before_the_process_ends(bin_dir: Path) -> None:
    write_executable(
        bin_dir / "slow",
        "import sys, time\nprint('first', flush=True)\ntime.sleep(1.0)\nprint('second', flush=True)\n",
    )
    arrivals: list[tuple[str, float]] = []
    started = time.monotonic()
    result = run(Command(("slow",)), on_stdout=lambda line: arrivals.append((line, time.monotonic() - started)))
    assert [line for line, _ in arrivals] == ["first", "second"]
    # the first line came while the child still slept (a second before the second line and the exit)
    assert arrivals[1][1] - arrivals[0][1] >= 0.9
    assert result.stdout == "first\nsecond\n"


def test_stderr_lines_stream_too(bin_dir: Path) -> None:
    write_executable(bin_dir / "errs", "import sys\nfor i in range(3): print(i, file=sys.stderr)\n")
    seen: list[str] = []
    run(Command(("errs",)), on_stderr=seen.append)
    assert seen == ["0", "1", "2"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); it is gone for our purpose
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_timeout_kills_the_child_and_its_children(bin_dir: Path, tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild.pid"
    write_executable(
        bin_dir / "hangs",
        textwrap.dedent(
            f"""
            import subprocess, sys, time
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
            open({str(pidfile)!r}, "w").write(str(child.pid))
            print("started", flush=True)
            time.sleep(60)
            """
        ),
    )
    started = time.monotonic()
    with pytest.raises(TimedOut) as info:
        run(Command(("hangs",)), timeout=1.5)
    assert time.monotonic() - started < 10
    assert info.value.code == ExitCode.TIMED_OUT
    grandchild = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild)


def test_ten_megabytes_of_output_without_a_hang(bin_dir: Path) -> None:
    write_executable(
        bin_dir / "chatty",
        "import sys\nline = 'y' * 99 + '\\n'\nfor _ in range(100_000): sys.stdout.write(line)\n",
    )
    counted: list[int] = [0]

    def count(_line: str) -> None:
        counted[0] += 1

    result = run(Command(("chatty",)), on_stdout=count, timeout=60)
    assert len(result.stdout) == 10_000_000
    assert counted[0] == 100_000


def test_masked_display_never_contains_the_secret() -> None:
    command = Command(
        ("aws", "iam", "--token", SESSION_TOKEN, f"--secret={SECRET_KEY}"),
        env={"AWS_SECRET_ACCESS_KEY": SECRET_KEY},
        secrets=(SECRET_KEY, SESSION_TOKEN),
    )
    shown = command.display()
    assert SECRET_KEY not in shown
    assert SESSION_TOKEN not in shown
    assert shown.startswith("aws iam --token '****' ") or shown.startswith("aws iam --token **** ")
    # a secret that contains another secret is masked whole
    assert mask("abc123 and abc", ("abc", "abc123")) == "**** and ****"


def test_result_tail_is_masked(bin_dir: Path) -> None:
    write_executable(bin_dir / "leaky", f"print('key is {SECRET_KEY}')\n")
    result = run(Command(("leaky",), secrets=(SECRET_KEY,)))
    assert SECRET_KEY in result.stdout  # the raw text is kept for parsing ...
    assert SECRET_KEY not in result.tail()  # ... but never shown
    assert "key is ****" in result.tail()


def test_argv_must_not_be_a_shell_string() -> None:
    with pytest.raises(ValueError):
        Command(())


def test_ctrl_c_stops_the_child_and_exits_130(tmp_path: Path) -> None:
    """A real passecs-like process: SIGINT while a child runs -> child stopped, exit 130, no traceback."""
    script = tmp_path / "driver.py"
    marker = tmp_path / "child.pid"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(ROOT)!r})
            from passecs.core import output
            from passecs.core.errors import PassecsError
            from passecs.core.runner import Command, run
            try:
                run(Command((sys.executable, "-c",
                    "import os, time; open({str(marker)!r}, 'w').write(str(os.getpid())); time.sleep(60)")))
            except PassecsError as exc:
                output.error(exc)
                sys.exit(int(exc.code))
            """
        )
    )
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 20
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert "Traceback" not in err
    assert err.startswith("passecs: error: interrupted")
    child = int(marker.read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)
