"""The local emulator: each adjustment, checked with the real aws CLI against the adjusted moto.

One emulator (started the way `passecs local up` starts it) serves the whole module; each test resets
it. With ``--step-seconds 0`` every describe-tasks moves a task exactly one lifecycle step, so the
sequences below are deterministic.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from passecs.local import emulator

VENV_BIN = Path(sys.executable).parent  # the aws CLI and moto_server of the venv running the tests


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[emulator.EmulatorState]:
    directory = tmp_path_factory.mktemp("state")
    state = emulator.start(directory, step_seconds=0)
    yield state
    assert emulator.stop(directory)
    assert not emulator._alive(state.pid)  # no process left behind
    assert not emulator.status(directory).running


@pytest.fixture(scope="module")
def account(emu: emulator.EmulatorState) -> dict[str, str]:
    """The aws CLI's environment, and one cluster, VPC, subnet, security group, log group and two task
    definitions (``demo`` logs to the group ``demo``; ``nolog`` to a group that does not exist)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ECS_"))}
    env.update(
        AWS_ENDPOINT_URL=emu.url,
        AWS_ACCESS_KEY_ID="AKIATESTTESTTEST0000",
        AWS_SECRET_ACCESS_KEY="test-secret",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_PAGER="",
        AWS_EC2_METADATA_DISABLED="true",
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    aws(env, "ecs", "create-cluster", "--cluster-name", "demo")
    vpc = aws(env, "ec2", "create-vpc", "--cidr-block", "10.7.0.0/16")["Vpc"]["VpcId"]
    subnet = aws(env, "ec2", "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.7.1.0/24")["Subnet"]["SubnetId"]
    sg = aws(env, "ec2", "create-security-group", "--group-name", "demo", "--description", "d", "--vpc-id", vpc)
    aws(env, "logs", "create-log-group", "--log-group-name", "demo")
    for family, group in (("demo", "demo"), ("nolog", "missing"), ("oom", "demo"), ("nopull", "demo")):
        containers = json.loads(
            json.dumps(CONTAINERS).replace('"awslogs-group": "demo"', f'"awslogs-group": "{group}"')
        )
        containers[0]["environment"] = FAILURES.get(family, [])
        aws(
            env, "ecs", "register-task-definition", "--family", family, "--network-mode", "awsvpc",
            "--requires-compatibilities", "FARGATE", "--cpu", "1024", "--memory", "4GB",
            "--execution-role-arn", "ecsExecutionRole", "--container-definitions", json.dumps(containers),
        )  # fmt: skip
    env["TEST_NETWORK"] = f"awsvpcConfiguration={{subnets=[{subnet}],securityGroups=[{sg['GroupId']}]"
    return env


def aws(env: dict[str, str], *args: str) -> Any:
    proc = subprocess.run(["aws", *args, "--output", "json"], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout) if proc.stdout.strip() else None


CONTAINERS = [
    {  # no memory of its own: the task-level memory is enough on Fargate
        "name": "web",
        "image": "example/web:1",
        "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {"awslogs-group": "demo", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "web"},
        },
    },
    {"name": "db", "image": "example/db:1", "memory": 1024},
    {"name": "worker", "image": "example/worker:1"},
]


OOM_REASON = "OutOfMemoryError: Container killed due to memory usage"
PULL_REASON = "CannotPullContainerError: pull image manifest has been retried 5 time(s): not found"
FAILURES = {  # container_exits_as_its_environment_says: the web container fails
    "oom": [
        {"name": "PASSECS_EMULATOR_EXIT_CODE", "value": "137"},
        {"name": "PASSECS_EMULATOR_REASON", "value": OOM_REASON},
        {"name": "PASSECS_EMULATOR_LOG", "value": "allocating the heap\nkilled"},
    ],
    "nopull": [
        {"name": "PASSECS_EMULATOR_STOP_CODE", "value": "TaskFailedToStart"},
        {"name": "PASSECS_EMULATOR_REASON", "value": PULL_REASON},
    ],
}


def run_task(env: dict[str, str], *, public_ip: str = "ENABLED", family: str = "demo") -> str:
    network = env["TEST_NETWORK"] + f",assignPublicIp={public_ip}}}"
    out = aws(
        env, "ecs", "run-task", "--cluster", "demo", "--task-definition", family, "--launch-type", "FARGATE",
        "--group", "task:demo", "--network-configuration", network,
    )  # fmt: skip
    assert out["failures"] == []
    task = out["tasks"][0]
    assert task["lastStatus"] == "PROVISIONING"
    return str(task["taskArn"])


def describe(env: dict[str, str], task_arn: str) -> dict[str, Any]:
    tasks = aws(env, "ecs", "describe-tasks", "--cluster", "demo", "--tasks", task_arn)["tasks"]
    assert len(tasks) == 1
    return dict(tasks[0])


def test_run_task_accepts_a_fargate_container_without_memory(account: dict[str, str]) -> None:
    # stock moto: HTTP 500 (TypeError adding None) for "web" and "worker"
    assert run_task(account).startswith("arn:aws:ecs:us-east-1:")


def test_describe_tasks_returns_every_container(account: dict[str, str]) -> None:
    arn = run_task(account)
    task = describe(account, arn)
    containers = task["containers"]
    assert [c["name"] for c in containers] == ["web", "db", "worker"]
    assert [c["image"] for c in containers] == ["example/web:1", "example/db:1", "example/worker:1"]
    assert {c["taskArn"] for c in containers} == {arn}
    assert all(c["containerArn"].startswith("arn:aws:ecs:us-east-1:123456789012:container/demo/") for c in containers)
    assert {c["healthStatus"] for c in containers} == {"UNKNOWN"}
    assert all("exitCode" not in c for c in containers)


def test_fargate_task_goes_through_its_lifecycle(account: dict[str, str]) -> None:
    arn = run_task(account)
    seen = [describe(account, arn) for _ in range(3)]
    assert [t["lastStatus"] for t in seen] == ["PENDING", "RUNNING", "RUNNING"]
    assert [c["lastStatus"] for c in seen[0]["containers"]] == ["PENDING"] * 3
    assert [c["lastStatus"] for c in seen[1]["containers"]] == ["RUNNING"] * 3
    assert "startedAt" in seen[1] and "startedAt" not in seen[0]

    stopped = aws(account, "ecs", "stop-task", "--cluster", "demo", "--task", arn)["task"]
    assert (stopped["lastStatus"], stopped["desiredStatus"]) == ("RUNNING", "STOPPED")
    assert stopped["stoppedReason"] == "Task stopped by user"
    assert stopped["stopCode"] == "UserInitiated"
    seen = [describe(account, arn) for _ in range(4)]
    assert [t["lastStatus"] for t in seen] == ["STOPPING", "DEPROVISIONING", "STOPPED", "STOPPED"]
    assert [c["lastStatus"] for c in seen[2]["containers"]] == ["STOPPED"] * 3
    assert [c.get("exitCode") for c in seen[2]["containers"]] == [0, 0, 0]
    assert seen[2]["attachments"][0]["status"] == "DELETED"


def test_desired_status_filter_sees_the_stopped_task(account: dict[str, str]) -> None:
    arn = run_task(account)
    aws(account, "ecs", "stop-task", "--cluster", "demo", "--task", arn)
    running = aws(account, "ecs", "list-tasks", "--cluster", "demo", "--family", "demo", "--desired-status", "RUNNING")
    stopped = aws(account, "ecs", "list-tasks", "--cluster", "demo", "--family", "demo", "--desired-status", "STOPPED")
    assert arn not in running["taskArns"] and arn in stopped["taskArns"]


def _eni(task: dict[str, Any]) -> str:
    details = {d["name"]: d["value"] for d in task["attachments"][0]["details"]}
    return str(details["networkInterfaceId"])


def test_awsvpc_task_gets_a_public_ip_when_enabled(account: dict[str, str]) -> None:
    arn = run_task(account)
    task = describe(account, arn)
    enis = aws(account, "ec2", "describe-network-interfaces", "--network-interface-ids", _eni(task))
    interface = enis["NetworkInterfaces"][0]
    assert interface["Association"]["PublicIp"].count(".") == 3
    # the private address is in the task's subnet, and the containers report it
    assert interface["PrivateIpAddress"].startswith("10.7.1.")
    assert interface["PrivateDnsName"] == "ip-" + interface["PrivateIpAddress"].replace(".", "-") + ".ec2.internal"
    for container in task["containers"]:
        assert container["networkInterfaces"][0]["privateIpv4Address"] == interface["PrivateIpAddress"]


def test_awsvpc_task_has_no_public_ip_when_disabled(account: dict[str, str]) -> None:
    arn = run_task(account, public_ip="DISABLED")
    enis = aws(account, "ec2", "describe-network-interfaces", "--network-interface-ids", _eni(describe(account, arn)))
    assert "Association" not in enis["NetworkInterfaces"][0]


def test_running_task_writes_a_started_line_to_each_log_stream(account: dict[str, str]) -> None:
    arn = run_task(account)
    task_id = arn.rsplit("/", 1)[-1]
    def task_events() -> list[dict[str, Any]]:
        found = aws(account, "logs", "filter-log-events", "--log-group-name", "demo")["events"]
        return [e for e in found if e["logStreamName"].endswith(task_id)]

    assert task_events() == []  # nothing before RUNNING
    describe(account, arn)
    describe(account, arn)
    events = task_events()
    assert [e["logStreamName"] for e in events] == [f"web/web/{task_id}"]  # only web uses awslogs
    assert "container web" in events[0]["message"] and "emulator" in events[0]["message"]


def test_task_fails_to_start_without_its_log_group(account: dict[str, str]) -> None:
    arn = run_task(account, family="nolog")
    seen = [describe(account, arn) for _ in range(4)]
    assert [t["lastStatus"] for t in seen] == ["PENDING", "DEPROVISIONING", "STOPPED", "STOPPED"]
    assert seen[-1]["stoppedReason"].startswith("ResourceInitializationError: failed to validate logger args")
    assert seen[-1]["stopCode"] == "TaskFailedToStart"
    assert all("exitCode" not in c for c in seen[-1]["containers"])  # it never ran


def test_a_container_exits_as_its_environment_says(account: dict[str, str]) -> None:
    arn = run_task(account, family="oom")
    seen = [describe(account, arn) for _ in range(4)]
    assert [t["lastStatus"] for t in seen] == ["PENDING", "DEPROVISIONING", "STOPPED", "STOPPED"]
    assert seen[1]["desiredStatus"] == "STOPPED"
    task = seen[-1]
    assert task["stopCode"] == "EssentialContainerExited"
    assert task["stoppedReason"] == "Essential container in task exited"
    web, db, worker = task["containers"]
    assert (web["exitCode"], web["reason"]) == (137, OOM_REASON)
    assert "exitCode" not in db and "reason" not in db and "exitCode" not in worker  # they never started
    task_id = arn.rsplit("/", 1)[-1]
    events = aws(account, "logs", "get-log-events", "--log-group-name", "demo", "--log-stream-name",
                 f"web/web/{task_id}")["events"]  # fmt: skip
    assert [e["message"] for e in events] == ["allocating the heap", "killed"]


def test_a_container_image_that_cannot_be_pulled_fails_the_task_to_start(account: dict[str, str]) -> None:
    arn = run_task(account, family="nopull")
    task = [describe(account, arn) for _ in range(3)][-1]
    assert (task["lastStatus"], task["stopCode"]) == ("STOPPED", "TaskFailedToStart")
    assert task["stoppedReason"] == PULL_REASON
    assert task["containers"][0]["reason"] == PULL_REASON
    assert all("exitCode" not in c for c in task["containers"])


def test_list_account_settings_reports_the_defaults(account: dict[str, str]) -> None:
    # ecs-cli's compose up asks exactly this and stops on an empty list
    out = aws(account, "ecs", "list-account-settings", "--effective-settings", "--name", "taskLongArnFormat")
    assert [(s["name"], s["value"]) for s in out["settings"]] == [("taskLongArnFormat", "enabled")]
    # a setting the account changed is reported as changed, not as the default
    aws(account, "ecs", "put-account-setting", "--name", "containerInsights", "--value", "enabled")
    out = aws(account, "ecs", "list-account-settings", "--name", "containerInsights")
    assert [(s["name"], s["value"]) for s in out["settings"]] == [("containerInsights", "enabled")]


def test_status_start_is_idempotent(emu: emulator.EmulatorState, tmp_path: Path) -> None:
    directory = Path(emu.log).parent
    assert emulator.status(directory).running
    assert emulator.start(directory) == emulator.read_state(directory)  # the running one, no second process
    assert emulator.status(tmp_path).running is False  # another state dir: nothing there


def test_local_environment_uses_a_private_home(emu: emulator.EmulatorState) -> None:
    directory = Path(emu.log).parent
    env = emulator.local_environment(emu, directory)
    assert env["AWS_ENDPOINT_URL"] == emu.url and env["HOME"] == str(directory / "home")
    assert Path(env["HOME"]).is_dir() and env["AWS_CONFIG_FILE"].startswith(env["HOME"])


def test_emulator_refuses_a_non_loopback_host() -> None:
    assert emulator.main(["--host", "0.0.0.0", "--port", "0"]) == 2


def test_task_definitions_record_when_they_were_registered(account: dict[str, str]) -> None:
    # history shows the registration time AWS reports; stock moto reports none
    from datetime import datetime, timedelta, timezone

    listed = aws(account, "ecs", "list-task-definitions", "--family-prefix", "demo")["taskDefinitionArns"]
    found = aws(account, "ecs", "describe-task-definition", "--task-definition", listed[-1])["taskDefinition"]
    registered = found["registeredAt"]
    when = (
        datetime.fromtimestamp(registered, tz=timezone.utc)
        if isinstance(registered, (int, float))
        else datetime.fromisoformat(str(registered))
    )
    assert abs(datetime.now(timezone.utc) - when) < timedelta(hours=1)
