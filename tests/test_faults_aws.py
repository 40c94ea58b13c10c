"""Lost answers and concurrent deploys, against the adjusted local emulator (moto) with the real aws CLI.

The fault injector is a fake ``aws`` (PASSECS_AWS) that runs the real aws CLI, so the call is carried
out, and then reports what a lost answer looks like: exit 255 and ``Read timeout on endpoint URL``. It can
also hold every ``ecs run-task`` at a barrier until N processes have reached it, so that two ups on "two
machines" (two state folders, so no shared lock) really start their tasks at the same time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from passecs.local import bootstrap, emulator
from tests.conftest import _SCRUB, ROOT, write_executable

VENV_BIN = Path(sys.executable).parent
REAL_AWS = VENV_BIN / "aws"

FAKE_AWS = f"""
import json, os, subprocess, sys, time
from pathlib import Path
args = sys.argv[1:]
state = Path(os.environ["FAKE_AWS_STATE"])
rest = list(args[1:])
if rest[:1] == ["--region"]:
    rest = rest[2:]
name = f"{{args[0]}} {{rest[0]}}" if args and rest else " ".join(args)
with open(state / "calls.jsonl", "a") as f:
    f.write(json.dumps({{"pid": os.getppid(), "call": name, "argv": args}}) + "\\n")
barrier = int(os.environ.get("FAKE_AWS_BARRIER", "0"))
if barrier and name == "ecs run-task":
    (state / f"barrier-{{os.getpid()}}").touch()
    deadline = time.monotonic() + 30
    while len(list(state.glob("barrier-*"))) < barrier and time.monotonic() < deadline:
        time.sleep(0.05)
lose = os.environ.get("FAKE_AWS_LOSE", "").split(",")
marker = state / ("lost-" + name.replace(" ", "-"))
if name not in lose or marker.exists():
    os.execv({str(REAL_AWS)!r}, [{str(REAL_AWS)!r}, *args])  # no fault: the real aws, as is
done = subprocess.run([{str(REAL_AWS)!r}, *args], capture_output=True, text=True)
if done.returncode == 0:
    marker.touch()
    sys.stderr.write('\\nRead timeout on endpoint URL: "http://127.0.0.1/"\\n')
    sys.exit(255)
sys.stdout.write(done.stdout)
sys.stderr.write(done.stderr)
sys.exit(done.returncode)
"""


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[emulator.EmulatorState, Path]]:
    directory = tmp_path_factory.mktemp("faults-state")
    state = emulator.start(directory, step_seconds=0.1)
    yield state, directory
    emulator.stop(directory)


@pytest.fixture(scope="module")
def world(emu: tuple[emulator.EmulatorState, Path]) -> dict[str, str]:
    """The rehearsal's world (clusters, network, execution role, the log group) made once; the
    environment to reach it."""
    _state, directory = emu
    env = _base_env(directory)
    done = subprocess.run(
        [str(VENV_BIN / "passecs"), "-C", str(ROOT), "--local", "iam", "ensure-role"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    _aws(env, "logs", "create-log-group", "--log-group-name", "pass")
    return env


def _base_env(directory: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env["PASSECS_STATE_DIR"] = str(directory)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["HOME"] = str(directory / "operator-home")
    return env


@pytest.fixture
def env(world: dict[str, str], tmp_path: Path, project: Path) -> dict[str, str]:
    state = tmp_path / "fake-aws"
    state.mkdir()
    fake = write_executable(tmp_path / "aws", FAKE_AWS)
    env = dict(world, PASSECS_AWS=str(fake), FAKE_AWS_STATE=str(state), PASSECS_LOCK_TIMEOUT="120")
    for arn in _running(env):  # whatever an earlier test left running
        _aws(env, "ecs", "stop-task", "--cluster", CLUSTER, "--task", arn)
    return env


CLUSTER = bootstrap.DEFAULT_CLUSTER


def _aws(env: dict[str, str], *args: str) -> dict[str, object]:
    """The real aws CLI against the emulator (no fault injected), for setting up and checking."""
    done = subprocess.run(
        [str(REAL_AWS), *args, "--output", "json"], env=_emulator_env(env), capture_output=True, text=True, check=True
    )
    return dict(json.loads(done.stdout)) if done.stdout.strip() else {}


def _running(env: dict[str, str]) -> list[str]:
    """The task ARNs of the project desired RUNNING on the default cluster."""
    data = _aws(env, "ecs", "list-tasks", "--cluster", CLUSTER, "--family", "pass", "--desired-status", "RUNNING")
    return [str(a) for a in data.get("taskArns", [])]  # type: ignore[attr-defined]


def _passecs(env: dict[str, str], project: Path, *args: str, **kw: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "passecs"), "-C", str(project), *args],
        env=dict(env, **kw),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _calls(env: dict[str, str], name: str) -> list[dict[str, object]]:
    path = Path(env["FAKE_AWS_STATE"]) / "calls.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    return [c for c in map(json.loads, lines) if c["call"] == name]


def _revisions(env: dict[str, str], family: str = "pass") -> list[str]:
    return list(_aws(env, "ecs", "list-task-definitions", "--family-prefix", family)["taskDefinitionArns"])  # type: ignore[call-overload]


def _emulator_env(env: dict[str, str]) -> dict[str, str]:
    directory = Path(env["PASSECS_STATE_DIR"])
    state = emulator.read_state(directory)
    assert state is not None
    return dict(env, **emulator.local_environment(state, directory))


# ---------------------------------------------------------------------------------------------- lost answers


def test_lost_answers_are_looked_up_never_repeated(env: dict[str, str], project: Path) -> None:
    """register-task-definition and run-task are carried out, their answers lost: one revision, one task;
    then down's stop-task, the same."""
    compose = project / "docker-compose-ecs.yml"  # a change, so that up registers a new revision
    compose.write_text(compose.read_text().replace("awslogs-stream-prefix: ember", "awslogs-stream-prefix: ember2"))
    before = _revisions(env)
    out = _passecs(env, project, "--local", "up", FAKE_AWS_LOSE="ecs register-task-definition,ecs run-task")
    assert out.returncode == 0, out.stderr
    assert "registering task definition pass: no answer from AWS (Read timeout on endpoint URL" in out.stderr
    assert "starting a task of pass:" in out.stderr and "it was done; going on" in out.stderr
    assert len(_calls(env, "ecs register-task-definition")) == 1
    assert len(_revisions(env)) == len(before) + 1  # one new revision, not two
    assert len(_calls(env, "ecs run-task")) == 1  # never re-run: it was found through its started-by mark
    run = _calls(env, "ecs run-task")[0]["argv"]
    assert isinstance(run, list) and "--client-token" in run and "--started-by" in run
    assert len(_running(env)) == 1
    assert "Traceback" not in out.stderr

    # and the stop of down whose answer is lost: checked with describe-tasks, down ends cleanly
    out = _passecs(env, project, "--local", "down", FAKE_AWS_LOSE="ecs stop-task")
    assert out.returncode == 0, out.stderr
    assert "stopping task" in out.stderr and "it was done; going on" in out.stderr
    assert len(_calls(env, "ecs stop-task")) == 1
    assert _running(env) == []


def test_run_task_lost_before_aws_did_it_is_tried_once_more_with_the_same_token(
    env: dict[str, str], project: Path, tmp_path: Path
) -> None:
    """The lookup finds nothing (the fake reports the timeout WITHOUT performing the call): one more
    run-task, with the same client token, and exactly one task runs."""
    script = Path(env["PASSECS_AWS"])
    script.write_text(
        script.read_text().replace(
            "lose = os.environ",
            "if name in os.environ.get('FAKE_AWS_LOSE', '').split(',') and not (state / 'skipped').exists():\n"
            "    (state / 'skipped').touch()\n"
            "    sys.stderr.write('\\nRead timeout on endpoint URL: \"http://127.0.0.1/\"\\n')\n"
            "    sys.exit(255)\n"
            "lose = os.environ",
            1,
        )
    )
    out = _passecs(env, project, "--local", "up", FAKE_AWS_LOSE="ecs run-task")
    assert out.returncode == 0, out.stderr
    assert "it was not done; trying once more" in out.stderr
    runs = _calls(env, "ecs run-task")
    assert len(runs) == 2
    tokens = {str(r["argv"][r["argv"].index("--client-token") + 1]) for r in runs}  # type: ignore[union-attr,index]
    assert len(tokens) == 1  # the same token: AWS itself would start the task once
    assert len(_running(env)) == 1


# ---------------------------------------------------------------------------------------------- two at once


def test_two_ups_at_once_on_one_machine_take_turns_and_one_task_runs(env: dict[str, str], project: Path) -> None:
    argv = [str(VENV_BIN / "passecs"), "-C", str(project), "--local", "--backend", "aws", "up"]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    procs = [subprocess.Popen(argv, env=env, **pipes) for _ in range(2)]  # type: ignore[call-overload]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    errs = "\n".join(err for _, err in outs)
    assert "waiting up to 120 s for pid" in errs  # the second one said whom it waited for
    assert len(_calls(env, "ecs run-task")) == 1  # the second found the task running: nothing to do
    assert len(_running(env)) == 1


def test_two_ups_at_once_on_two_machines_converge_to_one_task(
    env: dict[str, str], project: Path, tmp_path: Path
) -> None:
    """Two state folders (two machines: no shared lock); both start a task at the same moment (barrier);
    each up then stops the surplus, by the same rule, so exactly one runs, and says so."""
    directory = Path(env["PASSECS_STATE_DIR"])
    state = emulator.read_state(directory)
    world = bootstrap._read_world(directory)
    assert state is not None and world is not None
    aws_env = dict(env, **emulator.local_environment(state, directory))
    aws_env[bootstrap.SUBNET_VARIABLE] = world.subnet
    aws_env[bootstrap.SECURITY_GROUP_VARIABLE] = world.security_group
    aws_env["FAKE_AWS_BARRIER"] = "2"
    procs = []
    for machine in ("a", "b"):
        machine_env = dict(aws_env, PASSECS_STATE_DIR=str(tmp_path / f"machine-{machine}"))
        argv = [str(VENV_BIN / "passecs"), "-C", str(project), "--backend", "aws", "up"]
        procs.append(subprocess.Popen(argv, env=machine_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert len(_calls(env, "ecs run-task")) == 2  # both did start one
    errs = "\n".join(err for _, err in outs)
    assert "so that exactly 1 runs" in errs
    assert len(_running(env)) == 1
    endpoints = [set(out.splitlines()) for out, _ in outs]
    assert endpoints[0] == endpoints[1]  # both report the task that was kept
