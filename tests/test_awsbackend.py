"""The aws backend end to end: the real aws CLI against the adjusted local emulator.

The PASS project's own files (compose files, ecs-params.yml, .env) are deployed with up, listed with ps,
read with logs and stopped with down; the rehearsal's subnet and security group replace the ids of
ecs-params.yml for the run only.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from passecs.backends.aws import backend as awsbackend
from passecs.backends.aws.backend import Target
from passecs.core.context import Context
from passecs.core.errors import CommandFailed, Interrupted, InvalidInput
from passecs.files.project import load_project
from passecs.local import bootstrap, emulator
from tests.conftest import _SCRUB, ROOT

VENV_BIN = Path(sys.executable).parent  # the aws CLI and moto_server of the venv running the tests
SERVICES = ["fcrepo", "ember", "ftpserver", "submission"]
PORTS = {"fcrepo": [8080, 61616, 61613], "ember": [80], "ftpserver": [21], "submission": [8081, 5005]}
FAST = 0.2  # poll interval against the emulator (its lifecycle steps take 0.2 s)


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[emulator.EmulatorState, Path]]:
    directory = tmp_path_factory.mktemp("state")
    state = emulator.start(directory, step_seconds=FAST)
    yield state, directory
    assert emulator.stop(directory)
    assert not emulator._alive(state.pid)


@pytest.fixture(scope="module")
def account(emu: tuple[emulator.EmulatorState, Path]) -> dict[str, str]:
    """The environment --local gives (private HOME, endpoint, fake keys) plus the PASS .env values."""
    import urllib.request

    state, directory = emu
    with urllib.request.urlopen(urllib.request.Request(f"{state.url}/moto-api/reset", method="POST"), timeout=10):
        pass
    env = emulator.local_environment(state, directory)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    dotenv = [*(ROOT / ".env").read_text().splitlines(), *(ROOT / "passecs.env.example").read_text().splitlines()]
    env.update(line.split("=", 1) for line in dotenv if "=" in line and not line.startswith("#"))
    return env


@pytest.fixture(scope="module")
def network(account: dict[str, str]) -> Iterator[awsbackend.Network]:
    """What the runbook assumes exists, made once: cluster, network, execution role."""
    with pytest.MonkeyPatch.context() as mp:
        ctx = _context(account, mp, ROOT)
        yield prepare(ctx)


def _context(account: dict[str, str], monkeypatch: pytest.MonkeyPatch, project_dir: Path) -> Context:
    for name in _SCRUB:
        monkeypatch.delenv(name, raising=False)
    for key, value in account.items():
        monkeypatch.setenv(key, value)
    return Context(project_dir=project_dir)


@pytest.fixture
def ctx(
    account: dict[str, str], network: awsbackend.Network, project: Path, monkeypatch: pytest.MonkeyPatch
) -> Context:
    return _context(account, monkeypatch, project)


TARGET = Target("pass", "us-east-1", "FARGATE")


def prepare(ctx: Context) -> awsbackend.Network:
    """Cluster, network and the execution role (the runbook's iam step), as --local makes them."""
    from passecs.runbook.iam import ensure_role

    bootstrap.ensure_cluster(ctx, TARGET)
    network = bootstrap.ensure_network(ctx, TARGET, "passecs-local", [p for ps in PORTS.values() for p in ps])
    ensure_role(ctx, region="us-east-1")
    return network


def up(ctx: Context, network: awsbackend.Network, name: str, **kwargs: Any) -> awsbackend.UpResult:
    kwargs.setdefault("create_log_groups_first", True)
    return awsbackend.up(
        ctx, load_project(ctx.project_dir), TARGET, name, network=network, poll_interval=FAST, **kwargs
    )


def test_the_whole_flow(ctx: Context, capsys: pytest.CaptureFixture[str]) -> None:
    started = time.monotonic()
    network = prepare(ctx)  # made by the fixture already: this measures the "already there" checks
    project = load_project(ctx.project_dir)
    progress: list[str] = []

    result = awsbackend.up(
        ctx, project, TARGET, "pass", create_log_groups_first=True, network=network, poll_interval=FAST,
        on_progress=progress.append,
    )  # fmt: skip
    assert result.registered and result.task_definition == "pass:1" and len(result.started_tasks) == 1
    assert sorted(c.container for c in result.containers) == sorted(SERVICES)
    assert {c.state for c in result.containers} == {"RUNNING"}
    # progress showed the containers go through PENDING to RUNNING
    task = result.started_tasks[0]
    assert f"{task}/ember: PENDING" in progress and f"{task}/ember: RUNNING" in progress

    containers = awsbackend.ps(ctx, TARGET, "pass")
    assert sorted(c.container for c in containers) == sorted(SERVICES)
    ips = {p.ip for c in containers for p in c.ports}
    assert len(ips) == 1 and next(iter(ips)).startswith("54.")  # one public IP for the task
    # the interfaces in ecs-params.yml's network, asked by filter (the real aws CLI's --filters syntax),
    # have the task's, with the same address; ps that asks them with the tasks shows the same
    addresses = awsbackend._addresses_in(ctx, TARGET, network)
    assert addresses is not None and set(addresses.values()) == ips
    assert awsbackend.ps_with_definition(ctx, TARGET, "pass", network=network)[1] == containers
    for c in containers:
        assert c.state == "RUNNING" and c.task_id == task and c.task_definition == "pass:1" and c.cluster == "pass"
        assert [p.container_port for p in c.ports] == PORTS[c.container]
        assert all(p.host_port == p.container_port and p.protocol == "tcp" for p in c.ports)

    lines: list[str] = []
    assert awsbackend.logs(ctx, TARGET, "pass", sink=lines.append, service="ember") == 1
    assert "container ember" in lines[0] and task in lines[0]
    check_logs_extras(ctx, task)

    stopped = awsbackend.down(ctx, TARGET, "pass", poll_interval=FAST, on_progress=progress.append)
    assert stopped == [task]
    assert awsbackend.ps(ctx, TARGET, "pass") == []
    after = awsbackend.ps(ctx, TARGET, "pass", all_tasks=True)
    assert {c.state for c in after} == {"STOPPED"} and all(c.ports[0].ip is None for c in after if c.ports)
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(f"\n[aws backend] cluster+network+role+up+ps+logs+down against the local emulator: {elapsed:.1f} s")
    assert elapsed < 60


def check_logs_extras(ctx: Context, task: str) -> None:
    """An unknown service names the containers; --follow polls without repeats, and Ctrl-C ends it."""
    with pytest.raises(InvalidInput) as caught:
        awsbackend.logs(ctx, TARGET, "pass", sink=print, service="nosuch")
    assert caught.value.fix == "name one of: fcrepo, ember, ftpserver, submission"

    lines: list[str] = []
    polls = iter([False, True])
    printed = awsbackend.logs(
        ctx, TARGET, "pass", sink=lines.append, task=task, follow=True, timestamps=True, poll_interval=0.01,
        should_stop=lambda: next(polls),
    )  # fmt: skip
    assert printed == 4 and len(lines) == 4  # one line per container, never repeated across polls
    assert all(line[:4].isdigit() and line[19:21] == "Z\t" for line in lines)

    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(awsbackend.time, "sleep", interrupt)
        with pytest.raises(Interrupted):
            awsbackend.logs(ctx, TARGET, "pass", sink=lines.append, follow=True)


def test_up_again_keeps_the_running_task_and_registers_nothing(ctx: Context) -> None:
    network = prepare(ctx)
    project = load_project(ctx.project_dir)
    first = awsbackend.up(
        ctx, project, TARGET, "pass", create_log_groups_first=True, network=network, poll_interval=FAST
    )
    again = awsbackend.up(ctx, project, TARGET, "pass", network=network, poll_interval=FAST)
    assert not again.registered and again.kept_running and again.task_definition == first.task_definition
    assert {c.task_id for c in again.containers} == set(first.started_tasks)
    forced = awsbackend.up(ctx, project, TARGET, "pass", network=network, force_update=True, poll_interval=FAST)
    assert forced.replaced_tasks == first.started_tasks and forced.started_tasks != first.started_tasks
    assert {c.task_id for c in awsbackend.ps(ctx, TARGET, "pass")} == set(forced.started_tasks)


def test_a_task_that_never_starts_is_a_failure_with_its_reason(ctx: Context, network: awsbackend.Network) -> None:
    compose = ctx.project_dir / "docker-compose-ecs.yml"
    compose.write_text(compose.read_text().replace("awslogs-group: pass", "awslogs-group: nosuchgroup"))
    # no such log group: Fargate cannot create the log streams
    with pytest.raises(CommandFailed, match="stopped instead of running: ResourceInitializationError"):
        up(ctx, network, "nolog", create_log_groups_first=False)
