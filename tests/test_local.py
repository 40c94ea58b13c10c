"""The local rehearsal and the backend choice, end to end: passecs local up, --local deploy, ps, logs, down,
local down; the real aws CLI against the adjusted emulator on 127.0.0.1."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from conftest import write_executable


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        return f.read().split()[2] != "Z"


def test_the_whole_runbook_rehearsed_locally(cli, rehearsal: Path, home: Path, project: Path) -> None:  # type: ignore[no-untyped-def]
    real_ecs = home / ".ecs"
    up = cli("local", "up", "--json")
    assert up.code == 0, up.stderr
    pid = json.loads(up.stdout)["pid"]
    assert json.loads(up.stdout)["url"].startswith("http://127.0.0.1:")
    assert cli("local", "status").stdout.startswith("local AWS emulator running at http://127.0.0.1:")

    deploy = cli("--local", "deploy", "--yes", "--json")
    assert deploy.code == 0, deploy.stderr
    report = json.loads(deploy.stdout)
    assert [s["outcome"] for s in report["steps"]] == ["done", "done", "done"]
    assert "ecs-cli not found" not in deploy.stderr or "aws backend" in deploy.stderr

    ps = cli("--local", "ps", "--json")
    assert ps.code == 0, ps.stderr
    containers = json.loads(ps.stdout)
    assert sorted(c["container"] for c in containers) == ["ember", "fcrepo", "ftpserver", "submission"]
    assert {c["state"] for c in containers} == {"RUNNING"}
    assert all(p["ip"] for c in containers for p in c["ports"])  # a public IP, as assign_public_ip asks

    logs = cli("--local", "logs", "ember")
    assert logs.code == 0, logs.stderr
    assert "ember" in logs.stdout and "submission" not in logs.stdout

    again = cli("-v", "--local", "deploy", "--yes", "--json")
    assert again.code == 0, again.stderr
    assert json.loads(again.stdout)["changed"] is False
    # no call twice where once would do: up reuses the tasks the "already running?" ps described
    calls = [line for line in again.stderr.splitlines() if line.startswith("+ ")]
    assert sum(" list-tasks " in c for c in calls) == 1, calls
    assert sum(" describe-tasks " in c for c in calls) == 1, calls
    assert not [c for c in calls if " run-task " in c or " register-task-definition " in c]

    down = cli("--local", "down", "--yes")
    assert down.code == 0, down.stderr
    assert "no task of project 'pass' is left" in down.stdout
    assert json.loads(cli("--local", "ps", "--json").stdout) == []

    assert cli("local", "down").stdout.strip() == "local AWS emulator stopped"
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)  # no process left behind
    # the operator's own ~/.ecs was never written; ecs-params.yml kept its placeholders
    assert not real_ecs.exists()
    assert "${PASS_SUBNET_ID}" in (project / "ecs-params.yml").read_text()
    assert cli("local", "status").stdout.strip() == "local AWS emulator not running"


def test_local_refuses_the_ecs_cli_backend(cli, rehearsal: Path) -> None:  # type: ignore[no-untyped-def]
    out = cli("--local", "--backend", "ecs-cli", "ps")
    assert out.code == 2
    assert "--local works with the aws backend only" in out.stderr


def test_backend_values_are_checked(cli, rehearsal: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    out = cli("--backend", "docker", "ps")
    assert out.code == 2 and "--backend docker" in out.stderr
    monkeypatch.setenv("PASSECS_BACKEND", "docker")
    out = cli("ps")
    assert out.code == 3 and "PASSECS_BACKEND=docker" in out.stderr


def test_without_ecs_cli_the_aws_backend_is_chosen_with_a_notice(  # type: ignore[no-untyped-def]
    cli, rehearsal: Path, bin_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(bin_dir))  # no ecs-cli, and an aws that says who called it
    write_executable(
        bin_dir / "aws",
        "import sys\n"
        "if 'describe-task-definition' in sys.argv:  # ps looks up the family's latest revision too\n"
        "    sys.exit('An error occurred (ClientException) when calling the DescribeTaskDefinition operation: "
        "Unable to describe task definition.')\n"
        "print('{\"taskArns\": []}')\n",
    )
    (Path.home() / ".ecs").mkdir()
    (Path.home() / ".ecs" / "config").write_text(
        "version: v1\ndefault: passdev\nclusters:\n  passdev:\n    cluster: passdev\n    region: us-east-1\n"
        "    default_launch_type: FARGATE\n"
    )
    out = cli("ps", "--json")
    assert out.code == 0, out.stderr
    assert out.stdout.strip() == "[]"
    assert "ecs-cli not found: using the aws backend" in out.stderr


def test_plan_with_the_aws_backend_lists_aws_commands(cli, rehearsal: Path) -> None:  # type: ignore[no-untyped-def]
    out = cli("--backend", "aws", "plan", "--create-log-groups")
    assert out.code == 0, out.stderr
    text = out.stdout
    assert "aws logs --region us-east-1 create-log-group --log-group-name pass" in text
    # the task definition goes in a file, never on the command line; the plan writes it with a here-document
    assert "cat > pass-task-definition.json <<'JSON'\n{\n  \"family\": \"pass\"" in text
    register = "aws ecs --region us-east-1 register-task-definition --cli-input-json file://pass-task-definition.json"
    assert register in text
    assert "file://pass-task-definition.json), never on its command line" in text
    assert "run-task --cluster passdev --task-definition pass --count 1 --group task:pass --launch-type FARGATE" in text
    assert "ecs-cli compose" not in text
