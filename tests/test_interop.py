"""passecs and a hand-run ecs-cli in the same folder see, replace and stop the same tasks (issue 12, item 3).

The operator's deployment is started "by hand" in a folder named ``pass-demo-docker`` with the fake ecs-cli in
its AWS mode (tests/fakes/ecs_cli/aws_mode.py: ``FAKE_ECS_CLI_ENDPOINT``), which calls ECS in the local AWS
emulator with the semantics recorded from the real ecs-cli 1.21.0 (family = project name, group
``task:<project>``, ListTasks by family then the group filter, replace when the task definition changed).
passecs then works on the same emulator with both backends: the ecs-cli backend (the fake on PATH) and the
aws backend (the real aws CLI). The real ecs-cli binary is not run here: what is proven is that passecs keeps
the bookkeeping the recordings show, not that the real binary agrees on anything they do not show.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from passecs.backends.ecscli.parse import parse_log_lines, parse_ps
from passecs.local import bootstrap, emulator
from tests.conftest import ACCESS_KEY, SECRET_KEY, recording

FOLDER = "pass-demo-docker"
SERVICES = ["ember", "fcrepo", "ftpserver", "submission"]
COMPOSE = ("compose", "-f", "docker-compose.yml", "-f", "docker-compose-ecs.yml")
STEP = 0.2  # the emulator's task lifecycle step (seconds)


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[emulator.EmulatorState]:
    directory = tmp_path_factory.mktemp("interop-emulator")
    state = emulator.start(directory, step_seconds=STEP)
    yield state
    assert emulator.stop(directory)


@pytest.fixture
def world(
    emu: emulator.EmulatorState,
    home: Path,
    project: Path,
    fake_ecs_cli: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[dict[str, Any]]:
    """A reset emulator with the runbook's clusters, network and ~/.ecs/config; the project's files in a folder
    named pass-demo-docker (the current directory); the fake ecs-cli on PATH in its AWS mode."""
    import boto3

    with urllib.request.urlopen(urllib.request.Request(f"{emu.url}/moto-api/reset", method="POST"), timeout=10):
        pass
    folder = project.rename(project.parent / FOLDER)
    monkeypatch.chdir(folder)
    for key, value in {
        "AWS_ENDPOINT_URL": emu.url,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": "us-east-1",
        "FAKE_ECS_CLI_ENDPOINT": emu.url,
        "FAKE_ECS_CLI_POLL": str(STEP / 2),
        "TZ": "UTC",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",  # the aws CLI of this venv
    }.items():
        monkeypatch.setenv(key, value)
    ecs = boto3.client("ecs", endpoint_url=emu.url, region_name="us-east-1")
    ec2 = boto3.client("ec2", endpoint_url=emu.url, region_name="us-east-1")
    for cluster in bootstrap.CLUSTERS:
        ecs.create_cluster(clusterName=cluster)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="pass", Description="pass", VpcId=vpc)["GroupId"]
    monkeypatch.setenv(bootstrap.SUBNET_VARIABLE, subnet)  # ecs-params.yml's ${PASS_SUBNET_ID}
    monkeypatch.setenv(bootstrap.SECURITY_GROUP_VARIABLE, group)
    (home / ".ecs").mkdir()
    (home / ".ecs" / "config").write_text(bootstrap.ecs_config_text("us-east-1"), encoding="utf-8")

    # the aws backend waits 6 s between polls unless --local; the emulator moves a step every 0.2 s
    from passecs.backends.aws.backend import AwsBackend

    original = AwsBackend.__init__

    def quick(self: AwsBackend, ctx: Any) -> None:
        original(self, ctx)
        self.poll = STEP

    monkeypatch.setattr(AwsBackend, "__init__", quick)
    yield {"folder": folder, "ecs": ecs, "ec2": ec2, "exe": fake_ecs_cli}


def by_hand(world: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    """The operator at the shell: ``ecs-cli ARGS`` in the pass-demo-docker folder, through a pipe."""
    done = subprocess.run(
        [str(world["exe"]), *args], cwd=world["folder"], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == ""  # ecs-cli writes everything to stdout (SPEC §0.1)
    return done


def shape(stdout: str) -> list[str]:
    """The log messages in order, without the wait loop's "Describe ECS container status" lines (how many
    there are depends on the polls), runs of the same message (one per container) folded into one."""
    events, _ = parse_log_lines(stdout)
    msgs = [re.sub(r"^(Failed to create log group|Created Log Group) .*", r"\1", e.msg) for e in events]
    msgs = [m for m in msgs if m != "Describe ECS container status"]
    return [m for i, m in enumerate(msgs) if i == 0 or msgs[i - 1] != m]


def running(world: dict[str, Any], project: str) -> list[dict[str, Any]]:
    """The project's RUNNING-desired tasks straight from the emulator (as ecs-cli selects them)."""
    ecs = world["ecs"]
    arns = ecs.list_tasks(cluster="passdev", family=project, desiredStatus="RUNNING")["taskArns"]
    if not arns:
        return []
    tasks = ecs.describe_tasks(cluster="passdev", tasks=arns)["tasks"]
    return [t for t in tasks if t["group"] == f"task:{project}"]


def task_id(task: dict[str, Any]) -> str:
    return str(task["taskArn"]).rsplit("/", 1)[-1]


def ps_json(cli: Any, *args: str) -> list[dict[str, Any]]:
    out = cli(*args, "ps", "--json")
    assert out.code == 0, out.output
    return sorted(json.loads(out.stdout), key=lambda c: (c["task_id"], c["container"]))


def hand_up(world: dict[str, Any]) -> str:
    """``ecs-cli compose -f docker-compose.yml -f docker-compose-ecs.yml up --create-log-groups``: the task id."""
    done = by_hand(world, *COMPOSE, "up", "--create-log-groups")
    # the same lines, in the same order, as the real ecs-cli's first up with --create-log-groups (recording 43)
    assert shape(done.stdout) == shape(recording("43-compose-up-create-log-groups-pass")["out"])
    assert 'TaskDefinition="pass-demo-docker:1"' in done.stdout  # the family is the folder's name
    tasks = running(world, FOLDER)
    assert len(tasks) == 1 and tasks[0]["lastStatus"] == "RUNNING" and tasks[0]["launchType"] == "FARGATE"
    return task_id(tasks[0])


def test_a_hand_made_deployment_is_listed_replaced_and_then_stopped_by_ecs_cli(cli, world) -> None:  # type: ignore[no-untyped-def]
    hand = hand_up(world)

    # passecs ps lists the hand-made task on both backends, the same way
    via_ecs_cli = ps_json(cli, "--backend", "ecs-cli")
    via_aws = ps_json(cli, "--backend", "aws")
    assert [c["container"] for c in via_ecs_cli] == SERVICES
    assert {c["task_id"] for c in via_ecs_cli} == {hand}
    assert {c["task_definition"] for c in via_ecs_cli} == {"pass-demo-docker:1"}
    assert {c["state"] for c in via_ecs_cli} == {"RUNNING"}
    assert via_aws == via_ecs_cli
    assert all(p["ip"] for c in via_aws for p in c["ports"])  # the task's public IP on both

    # a changed image: passecs (aws backend) registers a new revision and replaces the hand-made task
    compose = world["folder"] / "docker-compose.yml"
    compose.write_text(
        compose.read_text().replace("pass/ember-fcrepo:0.0.1-demo", "pass/ember-fcrepo:0.0.2-demo"), encoding="utf-8"
    )
    up = cli("--backend", "aws", "up")
    assert up.code == 0, up.output
    assert "project pass-demo-docker (from the folder of docker-compose.yml)" in up.stderr
    assert f"stopping task {hand}" in up.output
    after = running(world, FOLDER)
    assert len(after) == 1, after  # exactly one task of the project runs: the new one
    mine = task_id(after[0])
    assert mine != hand and after[0]["taskDefinitionArn"].endswith("/pass-demo-docker:2")
    definition = world["ecs"].describe_task_definition(taskDefinition="pass-demo-docker:2")["taskDefinition"]
    assert {c["name"]: c["image"] for c in definition["containerDefinitions"]}["ember"] == (
        "pass/ember-fcrepo:0.0.2-demo"
    )
    old = world["ecs"].describe_tasks(cluster="passdev", tasks=[hand])["tasks"][0]
    assert old["desiredStatus"] == "STOPPED"
    # up does not wait for a replaced task to finish stopping (neither does ecs-cli): let it, so that the
    # table below shows each task in a settled state
    deadline = time.monotonic() + 60
    while old["lastStatus"] != "STOPPED" and time.monotonic() < deadline:
        time.sleep(0.5)
        old = world["ecs"].describe_tasks(cluster="passdev", tasks=[hand])["tasks"][0]
    assert old["lastStatus"] == "STOPPED"

    # ecs-cli by hand lists passecs's task (running) and its own stopped one...
    table = parse_ps(by_hand(world, *COMPOSE, "ps").stdout)
    assert {c.task_id for c in table if c.state == "RUNNING"} == {mine}
    assert sorted(c.container for c in table if c.task_id == mine) == SERVICES
    assert {c.task_definition for c in table if c.task_id == mine} == {"pass-demo-docker:2"}
    assert {c.task_id for c in table if c.state.startswith("STOPPED")} <= {hand}
    # ... and stops it
    down = by_hand(world, *COMPOSE, "down")
    assert shape(down.stdout) == shape(recording("58-compose-down-pass")["out"])
    assert f"/{mine}/ember" in down.stdout and hand not in down.stdout
    assert running(world, FOLDER) == []
    assert ps_json(cli, "--backend", "aws") == []
    assert ps_json(cli, "--backend", "ecs-cli") == []
    assert parse_ps(by_hand(world, *COMPOSE, "ps", "--desired-status", "RUNNING").stdout) == []


def test_an_unchanged_project_is_kept(cli, world) -> None:  # type: ignore[no-untyped-def]
    hand = hand_up(world)
    again = by_hand(world, *COMPOSE, "up")
    assert shape(again.stdout) == shape(recording("44-compose-up-again-pass")["out"])  # found, nothing else
    assert "CountOfTasks=1 ProjectName=pass-demo-docker" in again.stdout
    revisions = world["ecs"].list_task_definitions(familyPrefix=FOLDER)["taskDefinitionArns"]
    assert [r.rsplit("/", 1)[-1] for r in revisions] == ["pass-demo-docker:1"]  # nothing registered again
    # passecs on the ecs-cli backend: the same decision, and its logs come from the hand-made task
    up = cli("--backend", "ecs-cli", "up")
    assert up.code == 0, up.output
    assert "the task definition is unchanged: the running task(s) were kept" in up.stderr
    assert [task_id(t) for t in running(world, FOLDER)] == [hand]
    logs = cli("--backend", "ecs-cli", "logs", "ember")
    assert logs.code == 0, logs.output
    assert f"container ember of task {hand} started" in logs.stdout and "submission" not in logs.stdout


def test_ecs_cli_replaces_a_task_passecs_started(cli, world) -> None:  # type: ignore[no-untyped-def]
    up = cli("--backend", "aws", "up", "--create-log-groups")
    assert up.code == 0, up.output
    [mine] = [task_id(t) for t in running(world, FOLDER)]
    compose = world["folder"] / "docker-compose.yml"
    compose.write_text(compose.read_text().replace("pass/ftpserver:0.0.1-demo", "pass/ftpserver:0.0.2-demo"))

    done = by_hand(world, *COMPOSE, "up")
    # as recording 57: found, updating, then the new task starts and the old one stops
    recorded = shape(recording("57-compose-up-force-update-pass")["out"])
    got = shape(done.stdout)
    head = recorded.index("Auto-enabling ECS Managed Tags") + 1
    assert got[:head] == recorded[:head] and sorted(got[head:]) == sorted(recorded[head:])
    assert f"/{mine}/ftpserver desiredStatus=STOPPED lastStatus=STOPPED" in done.stdout
    [theirs] = running(world, FOLDER)
    assert task_id(theirs) != mine and theirs["group"] == "task:pass-demo-docker"
    assert theirs["taskDefinitionArn"].endswith("/pass-demo-docker:2")
    assert {c["task_id"] for c in ps_json(cli, "--backend", "aws")} == {task_id(theirs)}
    down = cli("--backend", "aws", "down", "--yes")
    assert down.code == 0, down.output
    assert running(world, FOLDER) == []


def test_only_the_projects_group_counts(cli, world) -> None:  # type: ignore[no-untyped-def]
    """Tasks of the family started otherwise (group family:..., a service) are not the project's; a task
    that only carries the project in startedBy (ecs-cli before groups) is."""
    hand = hand_up(world)
    ecs = world["ecs"]
    arn = running(world, FOLDER)[0]["taskDefinitionArn"]
    network = {
        "awsvpcConfiguration": {
            "subnets": [os.environ[bootstrap.SUBNET_VARIABLE]],
            "securityGroups": [os.environ[bootstrap.SECURITY_GROUP_VARIABLE]],
        }
    }
    common = {"cluster": "passdev", "taskDefinition": arn, "launchType": "FARGATE", "networkConfiguration": network}
    stranger = task_id(ecs.run_task(**common)["tasks"][0])  # group family:pass-demo-docker
    legacy = task_id(ecs.run_task(**common, startedBy=FOLDER, group="legacy")["tasks"][0])

    assert {c.task_id for c in parse_ps(by_hand(world, *COMPOSE, "ps").stdout)} == {hand, legacy}
    assert {c["task_id"] for c in ps_json(cli, "--backend", "ecs-cli")} == {hand, legacy}
    assert {c["task_id"] for c in ps_json(cli, "--backend", "aws")} == {hand, legacy}
    assert {c.task_id for c in parse_ps(by_hand(world, "ps").stdout)} == {hand, legacy, stranger}
    by_hand(world, *COMPOSE, "down")
    still = ecs.describe_tasks(cluster="passdev", tasks=[stranger, legacy, hand])["tasks"]
    assert {task_id(t): t["desiredStatus"] for t in still} == {hand: "STOPPED", legacy: "STOPPED", stranger: "RUNNING"}


def test_another_project_name_is_a_separate_instance(cli, world) -> None:  # type: ignore[no-untyped-def]
    hand = hand_up(world)

    up = cli("-p", "other", "--backend", "aws", "up")
    assert up.code == 0, up.output
    assert "project other (from --project-name)" in up.stderr
    others = running(world, "other")
    assert len(others) == 1 and others[0]["taskDefinitionArn"].endswith("/other:1")
    second = task_id(others[0])
    assert [task_id(t) for t in running(world, FOLDER)] == [hand]  # the folder's instance is untouched

    # each project sees only its own task, whichever tool looks
    assert {c["task_id"] for c in ps_json(cli, "--backend", "aws")} == {hand}
    assert {c["task_id"] for c in ps_json(cli, "--backend", "ecs-cli")} == {hand}
    assert {c["task_id"] for c in ps_json(cli, "-p", "other", "--backend", "aws")} == {second}
    assert {c["task_id"] for c in ps_json(cli, "-p", "other", "--backend", "ecs-cli")} == {second}
    assert {c.task_id for c in parse_ps(by_hand(world, *COMPOSE, "ps").stdout)} == {hand}
    other_ps = by_hand(
        world, "compose", "-f", "docker-compose.yml", "-f", "docker-compose-ecs.yml", "-p", "other", "ps"
    )
    assert {c.task_id for c in parse_ps(other_ps.stdout)} == {second}
    # the cluster holds both (ecs-cli ps lists every task of the cluster)
    assert {c.task_id for c in parse_ps(by_hand(world, "ps").stdout)} == {hand, second}

    # the folder's project is replaced by hand: passecs's "other" keeps running
    down = by_hand(world, *COMPOSE, "down")
    assert hand in down.stdout and second not in down.stdout
    assert [task_id(t) for t in running(world, "other")] == [second]
    out = cli("-p", "other", "--backend", "aws", "down", "--yes")
    assert out.code == 0, out.output
    assert running(world, "other") == [] and running(world, FOLDER) == []
