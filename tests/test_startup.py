"""Startup: a run builds only its own command's Typer commands, and a child with no line sinks runs without
importing sh (the standard library's subprocess, same rules)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, write_executable

from passecs import app
from passecs.core.errors import ToolNotFound
from passecs.core.runner import Command, run


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["ps", "--json"], "ps"),
        (["-C", "some/dir", "--env-file", "x.env", "-v", "deploy", "--yes"], "deploy"),
        (["--backend", "aws", "--local", "up"], "up"),
        (["--dry-run", "config", "show"], "config"),
        (["--help"], None),
        (["-h", "ps"], None),
        (["--version"], None),
        ([], None),
    ],
)
def test_the_command_is_found_after_the_global_options(args: list[str], name: str | None) -> None:
    assert app._command_name(args) == name


def test_a_run_registers_only_its_module_and_help_lists_every_command(cli, home: Path) -> None:  # type: ignore[no-untyped-def]
    out = cli("ps", "--help")
    assert out.code == 0 and "--json" in out.stdout
    assert {c.name for c in app.app.registered_commands} == {"up", "ps", "logs", "down"}
    assert app.app.registered_groups == []
    out = cli("--help")
    assert out.code == 0
    for command in ("up", "ps", "logs", "down", "doctor", "deploy", "plan", "configure", "config", "iam", "local"):
        assert command in out.stdout
    out = cli("pss")
    assert out.code == 2 and "Did you mean 'ps'?" in out.stderr  # an unknown name still gets a suggestion


def test_ps_and_aws_calls_do_not_import_sh(bin_dir: Path) -> None:
    write_executable(bin_dir / "says", "print('hello')\n")
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from passecs.core.runner import Command, run\n"
        "result = run(Command(('says',)))\n"
        "assert result.ok and result.stdout == 'hello\\n', result\n"
        "print('sh' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_child_that_cannot_be_started_is_tool_not_found(bin_dir: Path) -> None:
    script = bin_dir / "broken"
    script.write_text("#!/nonexistent/interpreter\n")
    script.chmod(0o755)
    with pytest.raises(ToolNotFound, match="broken: cannot be started"):
        run(Command(("broken",)))


def test_a_child_killed_by_a_signal_gets_128_plus_the_signal(bin_dir: Path) -> None:
    write_executable(bin_dir / "dies", "import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\n")
    assert run(Command(("dies",))).exit_code == 128 + 15
