"""The smaller faults: no traceback ever, an unwritable state folder, the plan KeyError, --dry-run/plan with
--local changing nothing, the deploy lock, convergence's rule, one resolution of the cluster configuration,
atomic writes, and a stale emulator pid never signalled unless it is verifiably the emulator."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from passecs.core import locks
from passecs.core.errors import Refused
from passecs.core.fsutil import atomic_write
from passecs.core.records import Container
from passecs.local import emulator

# ---------------------------------------------------------------------------------------------- no traceback


def test_an_unexpected_exception_is_an_internal_error_never_a_traceback(  # type: ignore[no-untyped-def]
    cli, home: Path, project: Path, monkeypatch
) -> None:
    from passecs.runbook import compose

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something nobody expected")

    monkeypatch.setattr(compose, "ps", boom)
    out = cli("-C", str(project), "ps")
    assert out.code == 1
    assert out.stderr.startswith("passecs: error: internal error: RuntimeError: something nobody expected\n")
    assert "report it" in out.stderr and "-v" in out.stderr
    assert "Traceback" not in out.output
    verbose = cli("-v", "-C", str(project), "ps")
    assert verbose.code == 1 and "Traceback (most recent call last)" in verbose.stderr


def test_an_internal_error_masks_secrets(cli, home: Path, project: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from passecs.runbook import compose
    from tests.conftest import SECRET_KEY

    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)

    def boom(*args: object, **kwargs: object) -> None:
        raise ValueError(f"bad value {SECRET_KEY}")

    monkeypatch.setattr(compose, "ps", boom)
    for args in (("ps",), ("-v", "ps")):
        out = cli("-C", str(project), *args)
        assert out.code == 1 and SECRET_KEY not in out.output and "****" in out.output


@pytest.mark.parametrize("args", [("local", "up"), ("--local", "ps")])
def test_an_unwritable_state_folder_is_a_clear_exit_3(  # type: ignore[no-untyped-def]
    cli, home: Path, project: Path, tmp_path: Path, monkeypatch, args
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("PASSECS_STATE_DIR", str(blocker / "state"))
    out = cli("-C", str(project), *args)
    assert out.code == 3, out.output
    assert out.stderr.startswith(f"passecs: error: passecs's state folder {blocker / 'state'} cannot be used")
    assert "set PASSECS_STATE_DIR to a folder you can write to" in out.stderr
    assert "Traceback" not in out.output and "internal error" not in out.output


def test_plan_create_log_groups_with_a_log_group_missing(cli, home: Path, project: Path) -> None:  # type: ignore[no-untyped-def]
    compose = project / "docker-compose-ecs.yml"
    compose.write_text(compose.read_text().replace("        awslogs-group: pass\n", "", 1))  # one service has none
    out = cli("-C", str(project), "--backend", "aws", "plan", "--create-log-groups")
    assert out.code == 0, out.output
    assert out.stdout.count("create-log-group --log-group-name pass") == 1


# ---------------------------------------------------------------------------------------------- --dry-run


@pytest.mark.parametrize(
    "args", [("--local", "plan"), ("--local", "--dry-run", "deploy"), ("--local", "--dry-run", "up")]
)
def test_dry_run_and_plan_with_local_start_nothing(  # type: ignore[no-untyped-def]
    cli, home: Path, project: Path, tmp_path: Path, monkeypatch, args
) -> None:
    state = tmp_path / "state"
    monkeypatch.setenv("PASSECS_STATE_DIR", str(state))
    out = cli("-C", str(project), *args)
    assert out.code == 0, out.output
    assert "passecs would start it" in out.stderr and "create the clusters passdev and pass" in out.stderr
    assert not state.exists()  # no emulator, no private home, no lock: nothing anywhere


# ---------------------------------------------------------------------------------------------- locks


def test_a_second_holder_waits_then_is_refused_naming_the_first(  # type: ignore[no-untyped-def]
    tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("PASSECS_STATE_DIR", str(tmp_path))
    path = locks.deploy_lock_path("pass", "passdev", tmp_path / ".ecs")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\n"
         "from passecs.core import locks\n"
         f"with locks.file_lock(__import__('pathlib').Path({str(path)!r}), 'up'):\n"
         "    print('held', flush=True)\n"
         "    time.sleep(30)\n"],
        stdout=subprocess.PIPE, text=True, env=dict(os.environ),
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with pytest.raises(Refused) as info, locks.file_lock(path, "up of project 'pass'", wait=0.5):
            pass
        assert time.monotonic() - started >= 0.5
        assert info.value.code == 5
        assert f"pid {holder.pid}" in info.value.message and "since 20" in info.value.message
        assert "waiting up to 0.5 s" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()
    # released by the kernel when its holder died; re-entrant within one process (deploy -> up)
    with locks.file_lock(path, "up", wait=5), locks.file_lock(path, "up", wait=0):
        pass


def test_the_lock_serialises_two_processes(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PASSECS_STATE_DIR", str(tmp_path))
    path = locks.lock_path("test", "x")
    order: list[str] = []
    with locks.file_lock(path, "first", wait=5):
        order.append("first")
        other = subprocess.Popen(
            [sys.executable, "-c",
             "from pathlib import Path\nfrom passecs.core import locks\n"
             f"with locks.file_lock(Path({str(path)!r}), 'second', wait=30):\n    print('second')\n"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(1)
        assert other.poll() is None  # still waiting
        order.append("released")
    out, err = other.communicate(timeout=30)
    assert out.strip() == "second" and "waiting up to 30 s for pid" in err
    assert order == ["first", "released"]


# ---------------------------------------------------------------------------------------------- convergence


def _task(task: str, revision: int, state: str = "RUNNING") -> list[Container]:
    return [Container("c", task, name, state, f"pass:{revision}") for name in ("ember", "fcrepo")]


def test_surplus_keeps_the_newest_revision_and_stops_the_oldest_first() -> None:
    from passecs.runbook.compose import surplus

    containers = _task("bbb", 3) + _task("aaa", 1) + _task("ccc", 3) + _task("ddd", 2)
    keep, stop = surplus(containers)
    assert keep == ["ccc"]
    assert stop == ["aaa", "ddd", "bbb"]  # older revision first
    # the same answer whatever order the tasks were listed in (two machines agree)
    assert surplus(list(reversed(containers))) == (keep, stop)
    assert surplus(_task("x", 1)) == (["x"], [])


# ---------------------------------------------------------------------------------------------- one resolution


def test_deploy_resolves_the_cluster_configuration_once_and_names_it_to_every_step(
    home: Path, project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from passecs.core.context import Context
    from passecs.runbook import compose, deploy, guard, iam

    monkeypatch.setenv("PASSECS_STATE_DIR", str(tmp_path / "state"))
    asked: list[str | None] = []
    seen: dict[str, object] = {}

    def confirm(ctx: Context, *, action: str, cluster_config: str | None, yes: bool, **_: object) -> str:
        asked.append(cluster_config)
        return "pass"  # the default as it was when the operator confirmed

    def doctor(ctx: Context, cluster_config: str | None) -> tuple[deploy.StepOutcome, tuple[str, ...], str]:
        seen["doctor"] = cluster_config
        return deploy.StepOutcome("doctor", deploy.DONE), (), "us-east-1"

    class Role:
        changed, steps, role_arn, role_name, warnings = False, (), None, "ecsExecutionRole", ()

    def up(ctx: Context, **kwargs: object) -> compose.UpOutcome:
        seen["up"] = kwargs["cluster_config"]
        return compose.UpOutcome([], "pass:1", [])

    class Backend:  # deploy lists the running tasks at the same time as the role check
        def ps(self, target: Any, **_: object) -> list[object]:
            seen["ps"] = target.cluster_config
            return []

    monkeypatch.setattr(guard, "confirm", confirm)
    monkeypatch.setattr(deploy, "_doctor", doctor)
    monkeypatch.setattr(iam, "ensure_role", lambda ctx, **kw: Role())
    monkeypatch.setattr(iam, "attached_policies", lambda ctx, prepared: None)
    monkeypatch.setattr("passecs.backends.backend_for", lambda ctx: Backend())
    monkeypatch.setattr(compose, "up", up)
    deploy.deploy(Context(project_dir=project), cluster_config=None, yes=True)
    assert asked == [None]  # asked once
    # and every later step got that name, not "the default"
    assert seen == {"doctor": "pass", "ps": "pass", "up": "pass"}


# ---------------------------------------------------------------------------------------------- atomic writes


def test_atomic_write_replaces_keeps_the_mode_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("old\n")
    path.chmod(0o640)
    atomic_write(path, "new\n")
    assert path.read_text() == "new\n" and stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config"]
    fresh = atomic_write(tmp_path / "state.json", b"{}")
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600


def test_a_failed_atomic_write_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config"
    path.write_text("old\n")

    def full_disk(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError, match="No space"):
        atomic_write(path, "new\n")
    assert path.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config"]


def test_backups_of_ecs_files_are_still_made(tmp_path: Path) -> None:
    from passecs.files.ecs import backup

    path = tmp_path / "credentials"
    path.write_text("version: v1\n")
    saved = backup(path)
    assert saved is not None and saved.read_text() == "version: v1\n"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600


# ---------------------------------------------------------------------------------------------- process identity


def test_local_down_with_a_stale_state_file_never_signals_another_process(tmp_path: Path) -> None:
    """The state file names a live process that is not the emulator (this test's own sleeper)."""
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        state = emulator.EmulatorState(sleeper.pid, "127.0.0.1", 9, "http://127.0.0.1:9", str(tmp_path / "log"))
        emulator._write_state(tmp_path, state)
        assert emulator.stop(tmp_path) is False
        time.sleep(0.2)
        assert sleeper.poll() is None  # still running: not signalled
    finally:
        sleeper.kill()
        sleeper.wait()


def test_identity_unknown_means_not_signalled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without psutil and without /proc, a pid cannot be checked: it is never taken for the emulator."""
    monkeypatch.setitem(sys.modules, "psutil", None)  # import psutil -> ImportError
    real = Path.read_bytes

    def no_proc(self: Path) -> bytes:
        if str(self).startswith("/proc/"):
            raise FileNotFoundError(str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", no_proc)
    monkeypatch.setattr(Path, "exists", lambda self: False if str(self).startswith("/proc/") else os.path.exists(self))
    assert emulator._command_line(os.getpid()) is None
    assert emulator._pid_is_emulator(os.getpid()) is False


def test_identity_through_proc_when_psutil_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psutil", None)
    args = emulator._command_line(os.getpid())
    assert args is not None and any("python" in a or "pytest" in a for a in args)
    assert emulator._pid_is_emulator(os.getpid()) is False


# ---------------------------------------------------------------------------------------------- one emulator


def test_two_local_commands_at_once_start_one_emulator(home: Path, tmp_path: Path) -> None:
    import json

    env = dict(os.environ, PASSECS_STATE_DIR=str(tmp_path / "state"))
    argv = [sys.executable, "-m", "passecs.cli", "local", "up", "--json"]
    procs = [subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in "ab"]
    try:
        outs = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outs
        states = [json.loads(out) for out, _ in outs]
        assert states[0]["pid"] == states[1]["pid"] and states[0]["url"] == states[1]["url"]
        assert sorted(s["already_running"] for s in states) == [False, True]
    finally:
        subprocess.run([sys.executable, "-m", "passecs.cli", "local", "down"], env=env, capture_output=True, timeout=60)
    assert not emulator._alive(states[0]["pid"])
