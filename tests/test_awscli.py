"""passecs.backends.aws.calls: argv builders, JSON parsers and the failure classifier on the recorded aws output, and
the run layer (retry, dry-run, masking) through a fake runner injected into Context."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from passecs.backends.aws import calls as awscli
from passecs.backends.aws.calls import FailureKind
from passecs.core.context import Context
from passecs.core.errors import ExitCode, Interrupted, ParseError
from passecs.core.runner import Command, Result
from tests.conftest import SECRET_KEY, recording

POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


class FakeRunner:
    """Answers each command with the next scripted (exit code, stdout, stderr); records every command."""

    def __init__(self, answers: Sequence[tuple[int, str, str]]) -> None:
        self.answers = list(answers)
        self.commands: list[Command] = []

    def __call__(self, command: Command, *, timeout: float | None = None, **_: Any) -> Result:
        self.commands.append(command)
        if not self.answers:
            raise AssertionError(f"unexpected call: {command.display()}")
        code, out, err = self.answers.pop(0)
        return Result(command, code, out, err, 0.01)


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def _recorded(name: str) -> tuple[int, str, str]:
    r = recording(name)
    return int(r["rc"]), r["out"], r["err"]


def _context(runner: FakeRunner, tmp_path: Path, **kw: Any) -> Context:
    return Context(project_dir=tmp_path, runner=runner, **kw)


# ----------------------------------------------------------------------------------------------- argv


def test_argv_has_region_after_service_and_json_output() -> None:
    call = awscli.iam_create_role("ecsExecutionRole", "file://execution-assume-role.json", "us-east-1")
    assert call.argv() == (
        "aws",
        "iam",
        "--region",
        "us-east-1",
        "create-role",
        "--role-name",
        "ecsExecutionRole",
        "--assume-role-policy-document",
        "file://execution-assume-role.json",
        "--output",
        "json",
    )
    # the runbook's own line (recording 24, without the emulator's --endpoint-url) is a prefix of ours
    runbook = (
        "aws iam --region us-east-1 create-role --role-name ecsExecutionRole "
        "--assume-role-policy-document file://execution-assume-role.json"
    )
    assert call.command().display().startswith(runbook)
    # no environment overrides: AWS_PROFILE and AWS_ENDPOINT_URL reach aws as the user set them
    assert call.command().env == {}


@pytest.mark.parametrize(
    ("call", "tail"),
    [
        (awscli.iam_get_role("r", "eu-west-1"), ("get-role", "--role-name", "r")),
        (awscli.iam_list_attached_role_policies("r", "eu-west-1"), ("list-attached-role-policies", "--role-name", "r")),
        (
            awscli.iam_attach_role_policy("r", POLICY_ARN, "eu-west-1"),
            ("attach-role-policy", "--role-name", "r", "--policy-arn", POLICY_ARN),
        ),
        (
            awscli.iam_update_assume_role_policy("r", "file:///p.json", "eu-west-1"),
            ("update-assume-role-policy", "--role-name", "r", "--policy-document", "file:///p.json"),
        ),
    ],
)
def test_iam_builders(call: awscli.AwsCall, tail: tuple[str, ...]) -> None:
    assert call.argv("/opt/aws") == ("/opt/aws", "iam", "--region", "eu-west-1", *tail, "--output", "json")


def test_call_without_region_and_action_names() -> None:
    call = awscli.aws_call("ecs", "describe-clusters", "--clusters", "pass")
    assert call.argv() == ("aws", "ecs", "describe-clusters", "--clusters", "pass", "--output", "json")
    assert awscli.iam_list_attached_role_policies("r").action == "iam:ListAttachedRolePolicies"
    assert call.action == "ecs:DescribeClusters"
    assert call.name == "ecs describe-clusters"


# ----------------------------------------------------------------------------------------------- parsers


@pytest.mark.parametrize("name", ["24-iam-create-role", "28-iam-get-role"])
def test_parse_role_from_recordings(name: str) -> None:
    role = awscli.parse_role(json.loads(recording(name)["out"]))
    assert role == awscli.Role(
        name="ecsExecutionRole",
        arn="arn:aws:iam::123456789012:role/ecsExecutionRole",
        role_id="AROARZPUZDIKN26DPS3HS",
        path="/",
        trust_policy={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "",
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        },
    )


def test_parse_role_with_url_encoded_trust_policy() -> None:
    data = json.loads(recording("28-iam-get-role")["out"])
    document = data["Role"]["AssumeRolePolicyDocument"]
    encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C"
    encoded += "%22Principal%22%3A%7B%22Service%22%3A%22ecs-tasks.amazonaws.com%22%7D%2C%22Action%22%3A"
    encoded += "%22sts%3AAssumeRole%22%7D%5D%7D"
    data["Role"]["AssumeRolePolicyDocument"] = encoded
    role = awscli.parse_role(data)
    assert role.trust_policy["Statement"][0]["Principal"] == document["Statement"][0]["Principal"]
    # and as a plain JSON string
    data["Role"]["AssumeRolePolicyDocument"] = json.dumps(document)
    assert awscli.parse_role(data).trust_policy == document


def test_parse_attached_policies_from_recording() -> None:
    policies = awscli.parse_attached_policies(json.loads(recording("29-iam-list-attached-role-policies")["out"]))
    assert policies == (awscli.AttachedPolicy("AmazonECSTaskExecutionRolePolicy", POLICY_ARN),)
    assert awscli.parse_attached_policies({"AttachedPolicies": []}) == ()


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        {},
        {"Role": []},
        {"Role": {"RoleName": "r"}},
        {"Role": {"RoleName": "r", "Arn": 3, "AssumeRolePolicyDocument": {}}},
        {"Role": {"RoleName": "r", "Arn": "a", "AssumeRolePolicyDocument": "not json %7B"}},
        {"Role": {"RoleName": "r", "Arn": "a", "AssumeRolePolicyDocument": 7}},
    ],
)
def test_parse_role_shape_errors_are_parse_errors(data: Any) -> None:
    with pytest.raises(ParseError):
        awscli.parse_role(data)


@pytest.mark.parametrize("data", [{"AttachedPolicies": {}}, {"AttachedPolicies": [{"PolicyName": "x"}]}, "x"])
def test_parse_attached_policies_shape_errors(data: Any) -> None:
    with pytest.raises(ParseError):
        awscli.parse_attached_policies(data)


def test_parse_json() -> None:
    assert awscli.parse_json("", "aws iam attach-role-policy") is None  # recording 25 prints nothing
    assert awscli.parse_json(recording("25-iam-attach-role-policy")["out"], "x") is None
    with pytest.raises(ParseError, match="aws iam get-role: the aws CLI printed something that is not JSON"):
        awscli.parse_json("Role: ecsExecutionRole\n", "aws iam get-role")


# ----------------------------------------------------------------------------------------------- classify


def test_classify_recorded_entity_already_exists() -> None:
    failure = awscli.classify(*_recorded("26-iam-create-role-again")[::2])
    assert failure.kind is FailureKind.ALREADY_EXISTS
    assert failure.code == "EntityAlreadyExists"
    assert failure.operation == "CreateRole"
    # cleaned of the leading blank line aws prints
    assert failure.message == (
        "An error occurred (EntityAlreadyExists) when calling the CreateRole operation: "
        "Role with name ecsExecutionRole already exists."
    )


def test_classify_recorded_no_such_entity() -> None:
    failure = awscli.classify(*_recorded("27-iam-attach-missing-role")[::2])
    assert (failure.kind, failure.code, failure.operation) == (
        FailureKind.NO_SUCH_ENTITY,
        "NoSuchEntity",
        "AttachRolePolicy",
    )


def test_classify_recorded_no_credentials() -> None:
    failure = awscli.classify(*_recorded("81-aws-cli-ecs-no-credentials")[::2])
    assert failure.kind is FailureKind.NO_CREDENTIALS


ACCESS_DENIED = (
    "\nAn error occurred (AccessDenied) when calling the CreateRole operation: User: "
    "arn:aws:iam::123456789012:user/ci is not authorized to perform: iam:CreateRole on resource: "
    "arn:aws:iam::123456789012:role/ecsExecutionRole because no identity-based policy allows the "
    "iam:CreateRole action\n"
)
THROTTLED = (
    "\nAn error occurred (Throttling) when calling the GetRole operation (reached max retries: 4): Rate exceeded\n"
)


@pytest.mark.parametrize(
    ("stderr", "kind", "code"),
    [
        (ACCESS_DENIED, FailureKind.ACCESS_DENIED, "AccessDenied"),
        (THROTTLED, FailureKind.THROTTLED, "Throttling"),
        (
            "\nAn error occurred (ThrottlingException) when calling the ListClusters operation: Rate exceeded\n",
            FailureKind.THROTTLED,
            "ThrottlingException",
        ),
        ('\nCould not connect to the endpoint URL: "https://iam.amazonaws.com/"\n', FailureKind.CONNECTION, None),
        (
            "\nConnection was closed before we received a valid response from endpoint URL: "
            '"https://iam.amazonaws.com/".\n',
            FailureKind.CONNECTION,
            None,
        ),
        ('\nRead timeout on endpoint URL: "https://iam.amazonaws.com/"\n', FailureKind.CONNECTION, None),
        (
            "\nAn error occurred (InvalidClientTokenId) when calling the GetRole operation: "
            "The security token included in the request is invalid.\n",
            FailureKind.INVALID_CREDENTIALS,
            "InvalidClientTokenId",
        ),
        ("\nThe config profile (nope) could not be found\n", FailureKind.NO_CREDENTIALS, None),
        (
            "Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY\n",
            FailureKind.NO_CREDENTIALS,
            None,
        ),
        (
            "\nAn error occurred (ClusterNotFoundException) when calling the DescribeServices operation: "
            "Cluster not found.\n",
            FailureKind.NO_SUCH_ENTITY,
            "ClusterNotFoundException",
        ),
        (
            "\nAn error occurred (MalformedPolicyDocument) when calling the CreateRole operation: bad\n",
            FailureKind.OTHER,
            "MalformedPolicyDocument",
        ),
        ("\n\nSSL validation failed for https://x certificate verify failed\n", FailureKind.OTHER, None),
        ("", FailureKind.OTHER, None),
    ],
)
def test_classify(stderr: str, kind: FailureKind, code: str | None) -> None:
    failure = awscli.classify(255, stderr)
    assert (failure.kind, failure.code) == (kind, code)
    assert not failure.message.startswith("\n")


def test_access_denied_names_the_refused_action() -> None:
    failure = awscli.classify(255, ACCESS_DENIED)
    assert failure.action == "iam:CreateRole"
    error = awscli.error_for(failure, awscli.iam_create_role("r", "file:///x", "us-east-1"))
    assert isinstance(error, awscli.AccessDenied)
    assert error.code == ExitCode.FAILED
    assert "iam:CreateRole" in error.message
    assert "\n" not in error.message


def test_access_denied_without_action_in_message_uses_the_call() -> None:
    failure = awscli.classify(
        255, "An error occurred (AccessDenied) when calling the AttachRolePolicy operation: Access Denied\n"
    )
    error = awscli.error_for(failure, awscli.iam_attach_role_policy("r", POLICY_ARN, "us-east-1"))
    assert "iam:AttachRolePolicy" in error.message


def test_no_credentials_error_says_how_to_provide_them() -> None:
    failure = awscli.classify(*_recorded("81-aws-cli-ecs-no-credentials")[::2])
    error = awscli.error_for(failure, awscli.aws_call("ecs", "list-clusters", region="us-east-1"))
    assert error.code == ExitCode.INVALID_INPUT
    assert "no AWS credentials" in error.message
    assert error.fix is not None
    for hint in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "passecs configure profile"):
        assert hint in error.fix


def test_other_failure_keeps_the_aws_message_without_leading_blank_lines() -> None:
    stderr = "\n\nAn error occurred (MalformedPolicyDocument) when calling the CreateRole operation: bad\nmore\n"
    error = awscli.error_for(awscli.classify(255, stderr), awscli.iam_create_role("r", "file:///x"))
    assert error.message == (
        "aws iam create-role failed: An error occurred (MalformedPolicyDocument) when calling the "
        "CreateRole operation: bad"
    )
    assert error.detail == "more"


# ----------------------------------------------------------------------------------------------- running


def test_call_json_parses_output(tmp_path: Path) -> None:
    runner = FakeRunner([_recorded("28-iam-get-role")])
    data = awscli.call_json(_context(runner, tmp_path), awscli.iam_get_role("ecsExecutionRole"), program="aws")
    assert awscli.parse_role(data).name == "ecsExecutionRole"
    assert runner.commands[0].argv[-2:] == ("--output", "json")


def test_throttling_is_retried_with_backoff_then_succeeds(tmp_path: Path) -> None:
    runner = FakeRunner([(255, "", THROTTLED), (255, "", THROTTLED), _recorded("29-iam-list-attached-role-policies")])
    sleeps = Sleeps()
    data = awscli.call_json(
        _context(runner, tmp_path),
        awscli.iam_list_attached_role_policies("ecsExecutionRole"),
        program="aws",
        retry=awscli.RetryPolicy(delays=(1.0, 2.0, 4.0), sleep=sleeps),
    )
    assert awscli.parse_attached_policies(data)[0].arn == POLICY_ARN
    assert len(runner.commands) == 3
    assert sleeps.delays == [1.0, 2.0]


def test_throttling_gives_up_after_a_bounded_number_of_attempts(tmp_path: Path) -> None:
    runner = FakeRunner([(255, "", THROTTLED)] * 10)
    sleeps = Sleeps()
    with pytest.raises(awscli.Unreachable) as info:
        awscli.call_json(
            _context(runner, tmp_path),
            awscli.iam_get_role("r"),
            program="aws",
            retry=awscli.RetryPolicy(delays=(0.5, 1.0), sleep=sleeps),
        )
    assert len(runner.commands) == 3
    assert sleeps.delays == [0.5, 1.0]
    assert info.value.code == ExitCode.FAILED
    assert info.value.message == (
        "aws iam get-role: throttled by AWS on all 3 attempts: An error occurred (Throttling) when calling "
        "the GetRole operation (reached max retries: 4): Rate exceeded"
    )
    assert info.value.fix is not None and "safe to repeat" in info.value.fix


def test_a_mutating_call_whose_answer_was_lost_is_never_run_again(tmp_path: Path) -> None:
    dropped = (
        '\nConnection was closed before we received a valid response from endpoint URL: "https://iam.amazonaws.com/".\n'
    )
    runner = FakeRunner([(255, "", dropped), (0, "", "")])
    sleeps = Sleeps()
    with pytest.raises(awscli.AmbiguousOutcome) as info:
        awscli.execute(
            _context(runner, tmp_path),
            awscli.iam_attach_role_policy("r", POLICY_ARN),
            mutates=True,
            program="aws",
            retry=awscli.RetryPolicy(delays=(1.0, 2.0), sleep=sleeps),
        )
    assert len(runner.commands) == 1  # never a second run: it may have been carried out
    assert sleeps.delays == []
    assert "may or may not have been carried out" in info.value.message
    assert info.value.code == ExitCode.FAILED


@pytest.mark.parametrize(
    ("stderr", "ambiguous"),
    [
        ('\nRead timeout on endpoint URL: "http://127.0.0.1:5000/"\n', True),
        ("\nConnection was closed before we received a valid response from endpoint URL\n", True),
        ("An error occurred (ServerException) when calling the RunTask operation: Service error", True),
        ("An error occurred (ServiceUnavailable) when calling the RunTask operation: unavailable", True),
        ('\nCould not connect to the endpoint URL: "http://127.0.0.1:9/"\n', False),  # never reached AWS
        ("An error occurred (Throttling) when calling the RunTask operation: Rate exceeded", False),  # refused
        ("An error occurred (ClientException) when calling the RunTask operation: bad", False),
    ],
)
def test_ambiguous_failures_are_told_apart(stderr: str, ambiguous: bool) -> None:
    assert awscli.is_ambiguous(awscli.classify(255, stderr)) is ambiguous


def test_reads_are_retried_by_the_aws_cli_itself_not_by_new_runs(tmp_path: Path) -> None:
    runner = FakeRunner([(255, "", THROTTLED), (0, "{}", "")])
    with pytest.raises(awscli.Unreachable, match="after the aws CLI's own retries"):
        awscli.execute(_context(runner, tmp_path), awscli.iam_get_role("r"), program="aws")
    assert len(runner.commands) == 1
    assert runner.commands[0].env["AWS_RETRY_MODE"] == "standard"
    assert int(runner.commands[0].env["AWS_MAX_ATTEMPTS"]) >= 3


def test_the_operators_own_retry_settings_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "9")
    runner = FakeRunner([(0, "{}", "")])
    awscli.execute(_context(runner, tmp_path), awscli.iam_get_role("r"), program="aws")
    env = runner.commands[0].child_env()
    assert (env["AWS_RETRY_MODE"], env["AWS_MAX_ATTEMPTS"]) == ("adaptive", "9")


def test_access_denied_is_not_retried(tmp_path: Path) -> None:
    runner = FakeRunner([(255, "", ACCESS_DENIED)])
    with pytest.raises(awscli.AccessDenied, match="iam:CreateRole"):
        awscli.call_json(
            _context(runner, tmp_path),
            awscli.iam_create_role("ecsExecutionRole", "file:///x"),
            mutates=True,
            program="aws",
            retry=awscli.RetryPolicy(sleep=Sleeps()),
        )
    assert len(runner.commands) == 1


def test_no_such_entity_raises_the_catchable_error(tmp_path: Path) -> None:
    runner = FakeRunner([_recorded("27-iam-attach-missing-role")])
    with pytest.raises(awscli.NoSuchEntity, match=r"Role noSuchRole not found \(NoSuchEntity\)"):
        awscli.execute(
            _context(runner, tmp_path), awscli.iam_attach_role_policy("noSuchRole", POLICY_ARN), program="aws"
        )


def test_interrupted_child_is_interrupted(tmp_path: Path) -> None:
    runner = FakeRunner([(130, "", "")])
    with pytest.raises(Interrupted):
        awscli.execute(_context(runner, tmp_path), awscli.iam_get_role("r"), program="aws")


def test_dry_run_prints_a_mutating_call_and_runs_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runner = FakeRunner([])
    data = awscli.call_json(
        _context(runner, tmp_path, dry_run=True),
        awscli.iam_attach_role_policy("ecsExecutionRole", POLICY_ARN, "us-east-1"),
        mutates=True,
        program="aws",
    )
    assert data is None
    assert runner.commands == []
    assert capsys.readouterr().out == (
        "aws iam --region us-east-1 attach-role-policy --role-name ecsExecutionRole "
        f"--policy-arn {POLICY_ARN} --output json\n"
    )


def test_secrets_in_aws_messages_are_masked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    stderr = f"\nAn error occurred (SomethingOdd) when calling the GetRole operation: echo {SECRET_KEY}\n"
    runner = FakeRunner([(255, "", stderr)])
    with pytest.raises(awscli.AwsCallFailed) as info:
        awscli.execute(_context(runner, tmp_path), awscli.iam_get_role("r"), program="aws")
    assert SECRET_KEY not in info.value.message
    assert "****" in info.value.message
    assert all(SECRET_KEY not in arg for c in runner.commands for arg in c.argv)


def test_missing_aws_is_tool_not_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from passecs.core.errors import ToolNotFound

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("PASSECS_AWS", raising=False)
    with pytest.raises(ToolNotFound):
        awscli.execute(_context(FakeRunner([]), tmp_path), awscli.iam_get_role("r"))
