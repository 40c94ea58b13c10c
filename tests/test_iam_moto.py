"""``passecs iam ensure-role`` end to end: the real aws CLI against a moto_server on 127.0.0.1.

State is arranged and checked with boto3 straight against the same moto_server (no aws process, so the
tests stay quick); everything passecs does goes through the real `aws`.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ACCESS_KEY, SECRET_KEY, MotoServer, Outcome

pytestmark = pytest.mark.integration

POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
ROLE = "ecsExecutionRole"
EC2_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
Cli = Callable[..., Outcome]


@pytest.fixture(autouse=True)
def _venv_aws_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """The aws CLI of the test environment, first on PATH."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")


def _iam(server: MotoServer) -> Any:
    import boto3

    return boto3.client(
        "iam",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


def _attached(server: MotoServer, role: str = ROLE) -> list[str]:
    return [p["PolicyArn"] for p in _iam(server).list_attached_role_policies(RoleName=role)["AttachedPolicies"]]


def _ensure(cli: Cli, project: Path, *args: str) -> Outcome:
    return cli("-C", str(project), "iam", "ensure-role", *args)


def test_first_run_creates_and_attaches_then_second_run_changes_nothing(
    cli: Cli, moto: MotoServer, project: Path
) -> None:
    first = _ensure(cli, project)
    assert first.code == 0, first.stderr
    assert first.stdout.splitlines() == [
        "role ecsExecutionRole: created",
        "policy AmazonECSTaskExecutionRolePolicy: attached",
        "role ARN: arn:aws:iam::123456789012:role/ecsExecutionRole",
    ]
    assert f"trust policy: {(project / 'execution-assume-role.json').resolve()}" in first.stderr
    role = _iam(moto).get_role(RoleName=ROLE)["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    assert _attached(moto) == [POLICY_ARN]

    second = _ensure(cli, project, "--json")
    assert second.code == 0, second.stderr
    report = json.loads(second.stdout)
    assert report == {
        "role_name": ROLE,
        "role_arn": "arn:aws:iam::123456789012:role/ecsExecutionRole",
        "region": "us-east-1",
        "policy_arn": POLICY_ARN,
        "steps": [
            {"name": "create-role", "outcome": "already in place"},
            {"name": "attach-role-policy", "outcome": "already in place"},
        ],
        "changed": False,
        "trust_policy_file": str((project / "execution-assume-role.json").resolve()),
        "trust_policy_source": "project",
        "warnings": [],
    }
    assert _attached(moto) == [POLICY_ARN]


def test_second_run_in_text_says_nothing_changed(cli: Cli, moto: MotoServer, project: Path) -> None:
    iam = _iam(moto)
    iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=(project / "execution-assume-role.json").read_text())
    iam.attach_role_policy(RoleName=ROLE, PolicyArn=POLICY_ARN)
    out = _ensure(cli, project, "--region", "us-east-1")
    assert out.code == 0, out.stderr
    assert "role ecsExecutionRole: already in place" in out.stdout
    assert "policy AmazonECSTaskExecutionRolePolicy: already in place" in out.stdout
    assert "nothing changed" in out.stdout


def test_a_detached_policy_is_attached_again(cli: Cli, moto: MotoServer, project: Path) -> None:
    iam = _iam(moto)
    iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=(project / "execution-assume-role.json").read_text())
    iam.attach_role_policy(RoleName=ROLE, PolicyArn=POLICY_ARN)
    iam.detach_role_policy(RoleName=ROLE, PolicyArn=POLICY_ARN)
    assert _attached(moto) == []
    out = cli("-v", "-C", str(project), "iam", "ensure-role", "--json")
    assert out.code == 0, out.stderr
    steps = {s["name"]: s["outcome"] for s in json.loads(out.stdout)["steps"]}
    assert steps == {"create-role": "already in place", "attach-role-policy": "attached"}
    assert _attached(moto) == [POLICY_ARN]
    # -v shows the calls: exactly these three, and none twice
    calls = [line.split()[5] for line in out.stderr.splitlines() if line.startswith("+ ")]
    assert calls == ["get-role", "list-attached-role-policies", "attach-role-policy"]
    assert SECRET_KEY not in out.output


def test_a_role_with_a_wrong_trust_policy_is_refused(cli: Cli, moto: MotoServer, project: Path) -> None:
    iam = _iam(moto)
    iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
    out = _ensure(cli, project)
    assert out.code == 1
    assert out.stdout == ""
    lines = [line for line in out.stderr.splitlines() if line.startswith(("passecs: error:", "  fix:"))]
    assert lines[0].startswith(
        "passecs: error: role ecsExecutionRole exists but its trust policy does not let ecs-tasks.amazonaws.com"
    )
    assert lines[1].startswith(
        "  fix: aws iam --region us-east-1 update-assume-role-policy --role-name ecsExecutionRole "
        f"--policy-document file://{(project / 'execution-assume-role.json').resolve()}"
    )
    # unchanged: same trust policy, nothing attached
    assert iam.get_role(RoleName=ROLE)["Role"]["AssumeRolePolicyDocument"] == EC2_TRUST
    assert _attached(moto) == []


def test_missing_credentials_give_the_clear_error(
    cli: Cli, moto: MotoServer, project: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert not (home / ".aws").exists()
    out = _ensure(cli, project)
    assert out.code == 3
    assert "passecs: error: aws iam get-role: no AWS credentials found (Unable to locate credentials." in out.stderr
    fix = next(line for line in out.stderr.splitlines() if line.startswith("  fix:"))
    assert "AWS_ACCESS_KEY_ID" in fix and "AWS_PROFILE" in fix and "passecs configure profile" in fix
    assert "Traceback" not in out.stderr


def test_without_managed_policies_attaching_fails_with_no_such_entity(
    cli: Cli, bare_moto: MotoServer, project: Path
) -> None:
    out = _ensure(cli, project, "--json")
    assert out.code == 1
    assert out.stdout == ""
    assert (
        f"passecs: error: cannot attach {POLICY_ARN} to role ecsExecutionRole: the policy does not exist "
        "or is not attachable (NoSuchEntity)"
    ) in out.stderr
    assert "MOTO_IAM_LOAD_MANAGED_POLICIES=true" in out.stderr
    # the role itself was created; a run against a fixed endpoint only attaches
    assert _iam(bare_moto).get_role(RoleName=ROLE)["Role"]["RoleName"] == ROLE


def test_dry_run_prints_the_runbook_commands_and_calls_nothing(
    cli: Cli, moto: MotoServer, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    monkeypatch.setenv("PASSECS_AWS", "/nonexistent/aws")  # any aws call would fail loudly
    out = cli("--dry-run", "iam", "ensure-role")
    assert out.code == 0, out.stderr
    assert out.stdout.splitlines() == [
        "aws iam --region us-east-1 create-role --role-name ecsExecutionRole "
        "--assume-role-policy-document file://execution-assume-role.json --output json",
        "aws iam --region us-east-1 attach-role-policy --role-name ecsExecutionRole "
        f"--policy-arn {POLICY_ARN} --output json",
    ]
    assert _iam(moto).list_roles()["Roles"] == []


def test_ecs_params_mismatch_warns_on_stderr_and_in_json(cli: Cli, moto: MotoServer, project: Path) -> None:
    out = _ensure(cli, project, "--role-name", "ecsTaskExecutionRole", "--json")
    assert out.code == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["role_name"] == "ecsTaskExecutionRole"
    (warning,) = report["warnings"]
    assert "change task_definition.task_execution_role in ecs-params.yml to ecsTaskExecutionRole" in warning
    assert f"passecs: warning: {warning}" in out.stderr


def test_packaged_trust_policy_is_used_when_the_project_has_none(cli: Cli, moto: MotoServer, project: Path) -> None:
    (project / "execution-assume-role.json").unlink()
    out = _ensure(cli, project)
    assert out.code == 0, out.stderr
    assert "the copy shipped with passecs" in out.stderr
    assert "role ecsExecutionRole: created" in out.stdout
