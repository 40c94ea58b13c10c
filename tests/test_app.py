"""The CLI shell: global options, the exit-code contract, no tracebacks, a fast --version."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, Outcome, write_executable

from passecs import __version__
from passecs.core import tools
from passecs.core.context import Context, load_env_file
from passecs.core.errors import CommandFailed, ExitCode, ToolNotFound
from passecs.core.runner import Command, Result


def test_version_fast_path_and_typer_path_agree(cli) -> None:  # type: ignore[no-untyped-def]
    fast = cli("--version")
    assert fast.code == 0
    assert fast.stdout == f"passecs {__version__}\n"
    slow = cli("-v", "--version")  # goes through Typer's eager option
    assert slow.code == 0
    assert slow.stdout == fast.stdout


def test_help_lists_global_options(cli) -> None:  # type: ignore[no-untyped-def]
    out = cli("--help")
    assert out.code == 0
    for option in ("--project-dir", "--env-file", "--dry-run", "--verbose", "--version"):
        assert option in out.stdout


def test_unknown_option_is_a_usage_error_exit_2(cli) -> None:  # type: ignore[no-untyped-def]
    out = cli("--no-such-option")
    assert out.code == ExitCode.USAGE == 2
    # (click may add "(Possible options: ...)", the nearest names, e.g. --show-completion)
    assert out.stderr.splitlines()[0].startswith("passecs: error: No such option: --no-such-option")
    assert "fix:" in out.stderr


def test_shell_completion_completes_commands_and_options() -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "_PASSECS_COMPLETE": "complete_bash", "COMP_WORDS": "passecs logs --pr", "COMP_CWORD": "2"}
    out = subprocess.run([sys.executable, "-m", "passecs.cli"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.split() == ["--previous"]


def test_unknown_command_is_a_usage_error(cli) -> None:  # type: ignore[no-untyped-def]
    out = cli("frobnicate")
    assert out.code == 2
    assert out.stderr.startswith("passecs: error: No such command 'frobnicate'")


def test_missing_env_file_is_exit_3(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = cli("--env-file", str(tmp_path / "nope.env"), "config", "show")
    assert out.code == ExitCode.INVALID_INPUT
    assert "--env-file" in out.stderr and "no such file" in out.stderr


def test_missing_project_dir_is_exit_3(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = cli("-C", str(tmp_path / "missing"), "config", "show")
    assert out.code == ExitCode.INVALID_INPUT
    assert out.stderr.startswith("passecs: error: --project-dir")


def test_env_file_never_overrides_what_is_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / ".env"
    env.write_text("PASSECS_T_A=from-file\nPASSECS_T_B=from-file\n# comment\nPASSECS_T_C=\n")
    monkeypatch.setenv("PASSECS_T_A", "from-shell")
    monkeypatch.delenv("PASSECS_T_B", raising=False)
    load_env_file(env)
    assert os.environ["PASSECS_T_A"] == "from-shell"
    assert os.environ["PASSECS_T_B"] == "from-file"
    assert os.environ["PASSECS_T_C"] == ""


def test_tools_override_and_missing(tmp_path: Path, bin_dir: Path) -> None:
    fake = write_executable(tmp_path / "my-ecs-cli", "print('x')\n")
    assert tools.require("ecs-cli", {"PASSECS_ECS_CLI": str(fake), "PATH": str(bin_dir)}) == str(fake)
    with pytest.raises(ToolNotFound) as info:
        tools.require("ecs-cli", {"PATH": str(bin_dir)})
    assert info.value.code == ExitCode.TOOL_MISSING == 4
    assert "PASSECS_ECS_CLI" in (info.value.fix or "")
    with pytest.raises(ToolNotFound) as info:
        tools.require("aws", {"PASSECS_AWS": str(tmp_path / "nope"), "PATH": str(bin_dir)})
    assert "PASSECS_AWS=" in info.value.message
    write_executable(bin_dir / "aws", "print('aws')\n")
    assert tools.require("aws", {"PATH": str(bin_dir)}) == str(bin_dir / "aws")


def test_dry_run_prints_mutating_commands_and_runs_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    ran: list[Command] = []

    def runner(command: Command, **_: object) -> Result:
        ran.append(command)
        return Result(command, 0, "read\n", "", 0.0)

    ctx = Context(dry_run=True, runner=runner)
    ctx.execute(Command(("aws", "iam", "create-role", "--role-name", "x")))
    read = ctx.execute(Command(("aws", "iam", "get-role")), mutates=False)
    assert [c.argv[2] for c in ran] == ["get-role"]
    assert read.stdout == "read\n"
    assert capsys.readouterr().out == "aws iam create-role --role-name x\n"


def test_verbose_shows_commands_masked(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t-value-xyz")

    def runner(command: Command, **_: object) -> Result:
        return Result(command, 3, "", "error with s3cr3t-value-xyz inside\n", 0.0)

    ctx = Context(verbose=True, runner=runner)
    result = ctx.execute(Command(("tool", "--key", "s3cr3t-value-xyz")))
    err = capsys.readouterr().err
    assert err in {"+ tool --key '****'\n", "+ tool --key ****\n"}
    with pytest.raises(CommandFailed) as info:
        ctx.check(result, "tool")
    text = f"{info.value.message}\n{info.value.detail}"
    assert "s3cr3t-value-xyz" not in text
    assert "exit 3" in info.value.message


def test_console_script_version_in_a_real_process() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "passecs.cli", "--version"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert proc.returncode == 0
    assert proc.stdout == f"passecs {__version__}\n"


def test_no_traceback_on_unexpected_usage(cli) -> None:  # type: ignore[no-untyped-def]
    out: Outcome = cli("-C")
    assert out.code == 2
    assert "Traceback" not in out.output


def test_readme_documents_every_exit_code_and_the_revision_commands(cli) -> None:  # type: ignore[no-untyped-def]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Exit codes", 1)[1].split("\n\n", 2)[1]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "code" not in line]
    documented = {int(line.split("|")[1]) for line in rows}
    assert documented == {int(code) for code in ExitCode}
    assert ExitCode.DIFFERS == 7
    out = cli("--help")
    for command in ("diff", "history", "rollback"):
        assert f"passecs {command}" in readme and command in out.stdout
