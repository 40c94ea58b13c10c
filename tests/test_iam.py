"""passecs.runbook.iam without AWS: the trust-policy checks, the inputs (trust policy file, region, ecs-params
cross-check), the dry-run plan, and ensure_role's exact call sequence through a fake runner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from passecs.backends.aws import calls as awscli
from passecs.core.context import Context
from passecs.core.errors import CommandFailed, ExitCode, InvalidInput
from passecs.runbook import iam
from tests.conftest import ROOT, recording, write_executable
from tests.test_awscli import ACCESS_DENIED, THROTTLED, FakeRunner, Sleeps

RUNBOOK_TRUST = json.loads(recording("23-cat-execution-assume-role")["out"])
NO_RETRY_WAIT = awscli.RetryPolicy(delays=(0.0, 0.0, 0.0), sleep=lambda _: None)


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


ALLOW_ECS = {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}


@pytest.mark.parametrize(
    ("document", "allowed"),
    [
        (RUNBOOK_TRUST, True),
        (_policy(ALLOW_ECS), True),
        ({"Statement": ALLOW_ECS}, True),  # a single statement need not be a list
        (_policy({**ALLOW_ECS, "Principal": {"Service": ["ec2.amazonaws.com", "ecs-tasks.amazonaws.com"]}}), True),
        (_policy({**ALLOW_ECS, "Action": ["sts:TagSession", "sts:AssumeRole"]}), True),
        (_policy({**ALLOW_ECS, "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}), True),
        (_policy({**ALLOW_ECS, "Principal": {"Service": "ec2.amazonaws.com"}}), False),
        (_policy({**ALLOW_ECS, "Action": "sts:AssumeRoleWithWebIdentity"}), False),
        (_policy({**ALLOW_ECS, "Effect": "Deny"}), False),
        (_policy(ALLOW_ECS, {**ALLOW_ECS, "Effect": "Deny"}), False),
        (_policy({**ALLOW_ECS, "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}), False),
        (_policy(), False),
        ({}, False),
        ({"Statement": ["junk", 3, None]}, False),
    ],
)
def test_allows_assume_role(document: dict[str, Any], allowed: bool) -> None:
    assert iam.allows_assume_role(document) is allowed


def test_trusted_principals() -> None:
    document = _policy({**ALLOW_ECS, "Principal": {"Service": ["ec2.amazonaws.com"], "AWS": "arn:x"}})
    assert iam.trusted_principals(document) == ["ec2.amazonaws.com", "arn:x"]


# ----------------------------------------------------------------------------------------------- inputs


def test_trust_policy_file_from_the_project(project: Path) -> None:
    trust = iam.load_trust_policy(project)
    assert trust.path == (project / "execution-assume-role.json").resolve()
    assert trust.source == iam.FROM_PROJECT
    assert trust.document == RUNBOOK_TRUST
    assert trust.uri == f"file://{trust.path}"
    assert trust.display_uri(project) == "file://execution-assume-role.json"
    assert trust.display_uri(project / "elsewhere") == trust.uri


def test_trust_policy_falls_back_to_the_packaged_copy(tmp_path: Path) -> None:
    trust = iam.load_trust_policy(tmp_path)
    assert trust.source == iam.FROM_PASSECS
    assert trust.path == iam.PACKAGED_TRUST_POLICY
    assert trust.document == RUNBOOK_TRUST
    assert "shipped with passecs" in trust.describe()


def test_the_packaged_copy_is_the_projects_file() -> None:
    assert json.loads(iam.PACKAGED_TRUST_POLICY.read_text()) == json.loads(
        (ROOT / "execution-assume-role.json").read_text()
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"Version": "2012-10-17", ', "not valid JSON (line 1, column 27"),
        ("[]", "not the execution role's trust policy"),
        (json.dumps(_policy({**ALLOW_ECS, "Principal": {"Service": "ec2.amazonaws.com"}})), "must Allow"),
    ],
)
def test_a_wrong_trust_policy_file_is_invalid_input(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "execution-assume-role.json"
    path.write_text(text)
    with pytest.raises(InvalidInput) as info:
        iam.load_trust_policy(tmp_path)
    assert info.value.code == ExitCode.INVALID_INPUT
    assert info.value.message.startswith(f"{path.resolve()}: ")
    assert message in info.value.message
    assert info.value.fix is not None and "execution-assume-role.json" in info.value.fix


@pytest.mark.parametrize("name", ["ecsExecutionRole", "a", "x+=,.@_-9", "r" * 64])
def test_valid_role_names(name: str) -> None:
    assert iam.validate_role_name(name) == name


@pytest.mark.parametrize("name", ["", "has space", "r" * 65, "role/path", "é"])
def test_invalid_role_names(name: str) -> None:
    with pytest.raises(InvalidInput, match="--role-name"):
        iam.validate_role_name(name)


def _write_ecs_config(home: Path, default: str | None, region: str) -> None:
    ecs = home / ".ecs"
    ecs.mkdir(exist_ok=True)
    lines = ["version: v1"]
    if default:
        lines.append(f"default: {default}")
    lines += ["clusters:", "  passdev:", "    cluster: passdev", f"    region: {region}"]
    lines.append("    default_launch_type: FARGATE")
    (ecs / "config").write_text("\n".join(lines) + "\n")


def test_region_precedence(home: Path, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = Context(project_dir=project)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    assert iam.resolve_region(ctx).name == "eu-central-1"
    monkeypatch.setenv("AWS_REGION", "eu-west-2")
    assert iam.resolve_region(ctx) == iam.Region("eu-west-2", "AWS_REGION")
    _write_ecs_config(home, None, "ap-south-1")  # no default: not used
    assert iam.resolve_region(ctx).name == "eu-west-2"
    _write_ecs_config(home, "passdev", "ap-south-1")
    assert iam.resolve_region(ctx).name == "ap-south-1"
    assert iam.resolve_region(ctx, "us-gov-west-1") == iam.Region("us-gov-west-1", "--region")


def test_no_region_is_invalid_input_with_a_fix(home: Path, project: Path) -> None:
    with pytest.raises(InvalidInput) as info:
        iam.resolve_region(Context(project_dir=project))
    assert info.value.fix is not None and "--region" in info.value.fix and "AWS_REGION" in info.value.fix


@pytest.mark.parametrize("region", ["US-EAST-1", "useast1", "us-east", "us-east-1 ", "../x"])
def test_bad_region_names_the_source(home: Path, project: Path, region: str) -> None:
    if region.strip() == "us-east-1":
        assert iam.resolve_region(Context(project_dir=project), region).name == "us-east-1"
        return
    with pytest.raises(InvalidInput, match="--region"):
        iam.resolve_region(Context(project_dir=project), region)


@pytest.mark.parametrize(
    ("reference", "name"),
    [
        ("ecsExecutionRole", "ecsExecutionRole"),
        ("arn:aws:iam::123456789012:role/ecsExecutionRole", "ecsExecutionRole"),
        ("arn:aws:iam::123456789012:role/service/path/ecsTaskExecutionRole", "ecsTaskExecutionRole"),
    ],
)
def test_role_name_of(reference: str, name: str) -> None:
    assert iam.role_name_of(reference) == name


def _ecs_params(project: Path, role: str | None) -> None:
    text = "version: 1\ntask_definition:\n  ecs_network_mode: awsvpc\n"
    if role is not None:
        text += f"  task_execution_role: {role}\n"
    (project / "ecs-params.yml").write_text(text)


def test_ecs_params_naming_the_same_role_gives_no_warning(project: Path) -> None:
    ctx = Context(project_dir=project)
    assert iam.ecs_params_warnings(ctx, "ecsExecutionRole") == []  # the project's own file
    _ecs_params(project, "arn:aws:iam::123456789012:role/ecsExecutionRole")
    assert iam.ecs_params_warnings(ctx, "ecsExecutionRole") == []


def test_ecs_params_naming_another_role_warns_and_says_what_to_change(project: Path) -> None:
    _ecs_params(project, "ecsTaskExecutionRole")  # the original demo's mismatch
    (warning,) = iam.ecs_params_warnings(Context(project_dir=project), "ecsExecutionRole")
    assert "'ecsTaskExecutionRole'" in warning and "'ecsExecutionRole'" in warning
    assert "change task_definition.task_execution_role in ecs-params.yml to ecsExecutionRole" in warning
    assert "--role-name ecsTaskExecutionRole" in warning


def test_ecs_params_role_from_a_variable(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _ecs_params(project, "${EXEC_ROLE}")
    ctx = Context(project_dir=project)
    (unset,) = iam.ecs_params_warnings(ctx, "ecsExecutionRole")
    assert "not set" in unset
    monkeypatch.setenv("EXEC_ROLE", "ecsExecutionRole")
    assert iam.ecs_params_warnings(ctx, "ecsExecutionRole") == []
    monkeypatch.setenv("EXEC_ROLE", "other")
    assert "'other'" in iam.ecs_params_warnings(ctx, "ecsExecutionRole")[0]


def test_ecs_params_without_role_or_broken_or_missing(project: Path) -> None:
    ctx = Context(project_dir=project)
    _ecs_params(project, None)
    assert "no task_definition.task_execution_role" in iam.ecs_params_warnings(ctx, "r")[0]
    (project / "ecs-params.yml").write_text("task_definition: [\n")
    assert "was not compared" in iam.ecs_params_warnings(ctx, "r")[0]
    (project / "ecs-params.yml").unlink()
    assert iam.ecs_params_warnings(ctx, "r") == []


# ----------------------------------------------------------------------------------------------- plan


def test_plan_is_the_runbooks_commands(home: Path, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    runner = FakeRunner([])
    plan = iam.plan(Context(project_dir=project, runner=runner, dry_run=True), region="us-east-1")
    runbook = (ROOT / "tests" / "data" / "runbook" / "PASS-ECS-RUNBOOK.md").read_text()
    lines = plan.lines()
    assert len(lines) == 2
    for line, expected in zip(
        lines,
        [
            "aws iam --region us-east-1 create-role --role-name ecsExecutionRole "
            "--assume-role-policy-document file://execution-assume-role.json",
            "aws iam --region us-east-1 attach-role-policy --role-name ecsExecutionRole "
            "--policy-arn arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
        ],
        strict=True,
    ):
        assert expected in runbook
        assert line == expected + " --output json"
    assert runner.commands == []
    document = plan.to_json()
    assert document["commands"] == lines and document["dry_run"] is True


# ----------------------------------------------------------------------------------------------- ensure_role


GET_ROLE = recording("28-iam-get-role")
CREATE_ROLE = recording("24-iam-create-role")
NO_SUCH_ROLE = (
    "\nAn error occurred (NoSuchEntity) when calling the GetRole operation: Role ecsExecutionRole not found\n"
)


@pytest.fixture
def fake_aws(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An `aws` that must never run: the fake runner answers instead (PASSECS_AWS names it)."""
    path = write_executable(tmp_path / "aws", "raise SystemExit('the fake runner should have answered')\n")
    monkeypatch.setenv("PASSECS_AWS", str(path))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return str(path)


def _operations(runner: FakeRunner) -> list[str]:
    return [c.argv[4] for c in runner.commands]


def test_first_run_creates_and_attaches_in_three_calls(fake_aws: str, project: Path) -> None:
    runner = FakeRunner([(255, "", NO_SUCH_ROLE), (0, CREATE_ROLE["out"], ""), (0, "", "")])
    report = iam.ensure_role(Context(project_dir=project, runner=runner), retry=NO_RETRY_WAIT)
    assert _operations(runner) == ["get-role", "create-role", "attach-role-policy"]
    create = runner.commands[1].argv
    assert create[0] == fake_aws
    assert f"file://{(project / 'execution-assume-role.json').resolve()}" in create
    assert [(s.name, s.outcome) for s in report.steps] == [
        ("create-role", "created"),
        ("attach-role-policy", "attached"),
    ]
    assert report.role_arn == "arn:aws:iam::123456789012:role/ecsExecutionRole"
    assert report.changed


def test_second_run_makes_two_read_calls(fake_aws: str, project: Path) -> None:
    runner = FakeRunner([(0, GET_ROLE["out"], ""), (0, recording("29-iam-list-attached-role-policies")["out"], "")])
    report = iam.ensure_role(Context(project_dir=project, runner=runner), retry=NO_RETRY_WAIT)
    assert _operations(runner) == ["get-role", "list-attached-role-policies"]
    assert [s.outcome for s in report.steps] == ["already in place", "already in place"]
    assert not report.changed
    assert report.to_json()["changed"] is False


def test_existing_role_without_the_policy_gets_it(fake_aws: str, project: Path) -> None:
    runner = FakeRunner([(0, GET_ROLE["out"], ""), (0, '{"AttachedPolicies": []}', ""), (0, "", "")])
    report = iam.ensure_role(Context(project_dir=project, runner=runner), retry=NO_RETRY_WAIT)
    assert _operations(runner) == ["get-role", "list-attached-role-policies", "attach-role-policy"]
    assert [s.outcome for s in report.steps] == ["already in place", "attached"]


def test_role_created_meanwhile_is_taken_as_existing(fake_aws: str, project: Path) -> None:
    runner = FakeRunner(
        [
            (255, "", NO_SUCH_ROLE),
            (255, "", recording("26-iam-create-role-again")["err"]),
            (0, GET_ROLE["out"], ""),
            (0, recording("29-iam-list-attached-role-policies")["out"], ""),
        ]
    )
    report = iam.ensure_role(Context(project_dir=project, runner=runner), retry=NO_RETRY_WAIT)
    assert _operations(runner) == ["get-role", "create-role", "get-role", "list-attached-role-policies"]
    assert not report.changed


def test_a_role_that_does_not_trust_ecs_tasks_is_refused_unchanged(fake_aws: str, project: Path) -> None:
    data = json.loads(GET_ROLE["out"])
    data["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"] = "ec2.amazonaws.com"
    runner = FakeRunner([(0, json.dumps(data), "")])
    with pytest.raises(CommandFailed) as info:
        iam.ensure_role(Context(project_dir=project, runner=runner), region="us-east-1", retry=NO_RETRY_WAIT)
    assert _operations(runner) == ["get-role"]
    assert info.value.code == ExitCode.FAILED
    assert "ec2.amazonaws.com" in info.value.message
    assert info.value.fix is not None
    assert "aws iam --region us-east-1 update-assume-role-policy --role-name ecsExecutionRole " in info.value.fix
    assert "--policy-document file://" in info.value.fix


def test_access_denied_on_create_role_names_the_action(fake_aws: str, project: Path) -> None:
    runner = FakeRunner([(255, "", NO_SUCH_ROLE), (255, "", ACCESS_DENIED)])
    with pytest.raises(awscli.AccessDenied) as info:
        iam.ensure_role(Context(project_dir=project, runner=runner), retry=NO_RETRY_WAIT)
    assert "refused iam:CreateRole" in info.value.message
    assert _operations(runner) == ["get-role", "create-role"]


def test_throttled_get_role_is_retried(fake_aws: str, project: Path) -> None:
    runner = FakeRunner(
        [
            (255, "", THROTTLED),
            (0, GET_ROLE["out"], ""),
            (0, recording("29-iam-list-attached-role-policies")["out"], ""),
        ]
    )
    sleeps = Sleeps()
    retry = awscli.RetryPolicy(delays=(1.0,), sleep=sleeps)  # a read may be run again when asked for
    report = iam.ensure_role(Context(project_dir=project, runner=runner), retry=retry)
    assert _operations(runner) == ["get-role", "get-role", "list-attached-role-policies"]
    assert sleeps.delays == [1.0]
    assert not report.changed


def test_invalid_inputs_stop_before_any_call(fake_aws: str, project: Path) -> None:
    runner = FakeRunner([])
    (project / "execution-assume-role.json").write_text("{")
    with pytest.raises(InvalidInput):
        iam.ensure_role(Context(project_dir=project, runner=runner))
    shutil.copy(ROOT / "execution-assume-role.json", project)
    with pytest.raises(InvalidInput):
        iam.ensure_role(Context(project_dir=project, runner=runner), role_name="bad name")
    assert runner.commands == []


def test_ensure_role_in_dry_run_prints_the_plan_and_calls_nothing(
    fake_aws: str, project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project)
    runner = FakeRunner([])
    ctx = Context(project_dir=project, runner=runner, dry_run=True)
    report = iam.ensure_role(ctx, region="eu-west-1")
    assert runner.commands == []
    assert [s.outcome for s in report.steps] == ["dry run", "dry run"]
    assert capsys.readouterr().out.splitlines() == iam.plan(ctx, region="eu-west-1").lines()


def test_a_lost_create_role_answer_is_looked_up_not_repeated(fake_aws: str, project: Path) -> None:
    lost = '\nRead timeout on endpoint URL: "https://iam.amazonaws.com/"\n'
    runner = FakeRunner(
        [
            (254, "", recording("27-iam-attach-missing-role")["err"].replace("AttachRolePolicy", "GetRole")),
            (255, "", lost),  # create-role was carried out, its answer lost
            (0, GET_ROLE["out"], ""),  # the look-up finds the role
            (255, "", lost),  # attach-role-policy: carried out, answer lost
            (0, recording("29-iam-list-attached-role-policies")["out"], ""),  # the look-up finds it attached
        ]
    )
    report = iam.ensure_role(Context(project_dir=project, runner=runner), retry=NO_RETRY_WAIT)
    assert _operations(runner) == [
        "get-role", "create-role", "get-role", "attach-role-policy", "list-attached-role-policies"
    ]  # fmt: skip
    assert report.changed
