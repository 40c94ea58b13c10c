"""doctor: every check on a broken file (fixtures/doctor/, one per check) and on the project's own files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from passecs.checks import doctor
from passecs.files.project import load_project
from tests.conftest import ACCESS_KEY, RECORDINGS, ROOT, SECRET_KEY, write_executable
from tests.ecs_files import TWO_CLUSTERS_CONFIG

FIXTURES = ROOT / "fixtures" / "doctor"

BASE_CONFIG = TWO_CLUSTERS_CONFIG

AWS_VERSION_LINE = (RECORDINGS / "00-aws-version.out").read_text(encoding="utf-8")


@pytest.fixture
def setup(home: Path, project: Path, fake_ecs_cli: Path, bin_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project's own files, a valid ~/.ecs/config, AWS keys in the environment, ecs-cli and aws."""
    (home / ".ecs").mkdir()
    (home / ".ecs" / "config").write_text(BASE_CONFIG, encoding="utf-8")
    write_executable(bin_dir / "aws", f"import sys\nsys.stdout.write({AWS_VERSION_LINE!r})\n")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    return project


def overlay(case: str, project: Path, home: Path) -> None:
    """Lay fixtures/doctor/CASE over the project (and home/ over HOME); ``.delete`` lists files to remove."""
    source = FIXTURES / case
    assert source.is_dir(), case
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(source)
        if rel.name == ".delete":
            for name in path.read_text(encoding="utf-8").split():
                (project / name).unlink()
            continue
        target = home / rel.relative_to("home") if rel.parts[0] == "home" else project / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)


def run_doctor(cli: Any, project: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    outcome = cli("-C", str(project), "doctor", "--json", *args)
    return outcome.code, json.loads(outcome.stdout), outcome.stderr


def finding_lines(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(f["check"], f["status"], f["message"]) for f in report["findings"]]


# case, args, (check, status, message) expected among the findings; {project} and {home} are substituted
CASES: list[tuple[str, tuple[str, ...], tuple[str, str, str]]] = [
    (
        "ecs-config-bad-yaml",
        (),
        (
            "ecs files",
            "fail",
            "~/.ecs/config:6: YAML syntax error at line 6, column 4: while parsing a block mapping: "
            "expected <block end>, but found '<block mapping start>'",
        ),
    ),
    (
        "ecs-credentials-bad-yaml",
        (),
        (
            "ecs files",
            "fail",
            # the secret on that line is masked even in the YAML error
            "~/.ecs/credentials:6: YAML syntax error at line 6, column 4: while parsing a block mapping: "
            "expected <block end>, but found '****'",
        ),
    ),
    (
        "cluster-config-no-default",
        (),
        ("cluster configuration", "fail", "no default cluster configuration in {home}/.ecs/config"),
    ),
    (
        "cluster-config-ec2",
        (),
        (
            "cluster configuration",
            "fail",
            "cluster configuration 'passdev': default_launch_type is EC2, the runbook deploys on FARGATE",
        ),
    ),
    (
        "compose-malformed",
        (),
        (
            "compose files",
            "fail",
            "{project}/docker-compose-ecs.yml: line 5, column 13: mapping values are not allowed here",
        ),
    ),
    ("compose-missing", (), ("compose files", "fail", "{project}/docker-compose-ecs.yml: no such file")),
    (
        "compose-version-2.1",
        (),
        (
            "compose version",
            "fail",
            'docker-compose-ecs.yml: version "2.1" is not one ecs-cli accepts (none, "2", "3" or "3.0")',
        ),
    ),
    (
        "compose-version-mismatch",
        (),
        ("compose version", "fail", "compose files must be of the same version; found 2 and 3"),
    ),
    (
        "compose-variable-unset",
        (),
        (
            "compose variables",
            "fail",
            "${{PASS_BASE_URL}} is used in the compose files but set neither in the environment nor in .env",
        ),
    ),
    (
        "env-file-missing",
        (),
        ("env_file", "fail", "{project}/ember.env (env_file of ember) does not exist"),
    ),
    (
        "keys-ignored",
        (),
        (
            "compose keys",
            "warn",
            "docker-compose-ecs.yml: service ember: restart is ignored by ecs-cli (skipped with a warning)",
        ),
    ),
    (
        "keys-rejected",
        (),
        (
            "compose keys",
            "fail",
            "docker-compose-ecs.yml: service ember: healthcheck is rejected by ecs-cli (Unsupported config option)",
        ),
    ),
    ("image-latest", (), ("images", "warn", "service ember: image pass/ember-fcrepo:latest uses :latest")),
    ("image-untagged", (), ("images", "warn", "service ember: image pass/ember-fcrepo has no tag (means :latest)")),
    (
        "ecs-params-missing",
        (),
        ("ecs-params", "fail", "no ecs-params.yml in {project}: FARGATE needs awsvpc, task size and subnets"),
    ),
    (
        "ecs-params-unknown-key",
        (),
        (
            "ecs-params",
            "fail",
            "ecs-params.yml: task_definition.task_size.memory_limit is not an ecs-params key; "
            "ecs-cli ignores it silently (did you mean mem_limit?)",
        ),
    ),
    (
        "ecs-params-unset-variable",
        (),
        (
            "ecs-params",
            "fail",
            "ecs-params.yml: $PASS_SUBNET is not set in the environment (ecs-cli reads no .env here)",
        ),
    ),
    (
        "ecs-params-network-mode",
        (),
        ("network mode", "fail", "ecs_network_mode is bridge; FARGATE needs awsvpc"),
    ),
    (
        "ecs-params-no-subnet",
        (),
        ("subnets", "fail", "no subnet in run_params.network_configuration.awsvpc_configuration.subnets"),
    ),
    (
        "ecs-params-no-security-group",
        (),
        (
            "security groups",
            "fail",
            "no security group in run_params.network_configuration.awsvpc_configuration.security_groups",
        ),
    ),
    (
        "ecs-params-bad-size",
        (),
        (
            "task size",
            "fail",
            "cpu_limit 1024 with mem_limit 16GB is not a Fargate size (1024 CPU allows 2-8 GB in 1 GB steps)",
        ),
    ),
    ("ecs-params-size-words", (), ("task size", "ok", "1024 CPU, 8 GB")),
    ("ecs-params-size-mib", (), ("task size", "ok", "1024 CPU, 8 GB")),
    (
        "ecs-params-wrong-role",
        (),
        (
            "execution role",
            "fail",
            "task_execution_role is ecsTaskExecutionRole, but `passecs iam ensure-role` manages ecsExecutionRole",
        ),
    ),
    (
        "task-memory-exceeded",
        (),
        (
            "task memory",
            "fail",
            "containers reserve 10240 MiB (fcrepo 5120, ember 5120), more than the task's 8192 MiB",
        ),
    ),
    (
        "mem-limit-bytes",
        (),
        ("task memory", "fail", "service ember: mem_limit 512 is bytes, under 1 MiB: ecs-cli ignores it"),
    ),
    (
        "awslogs-region",
        (),
        ("awslogs", "fail", "service ember: awslogs-region us-west-2 is not the cluster configuration's us-east-1"),
    ),
    ("awslogs-no-prefix", (), ("awslogs", "fail", "service ember: logging option awslogs-stream-prefix missing")),
    ("host-port-conflict", (), ("host ports", "fail", "host port 8080/tcp is published by fcrepo and ember")),
]


def test_every_fixture_has_a_case() -> None:
    assert sorted(p.name for p in FIXTURES.iterdir()) == sorted(case for case, _, _ in CASES)


@pytest.mark.parametrize(("case", "args", "expected"), CASES, ids=[c[0] for c in CASES])
def test_check_on_broken_fixture(
    cli: Any, setup: Path, home: Path, case: str, args: tuple[str, ...], expected: tuple[str, str, str]
) -> None:
    overlay(case, setup, home)
    code, report, stderr = run_doctor(cli, setup, *args)
    check, status, message = expected
    wanted = (check, status, message.format(project=setup, home=home))
    assert wanted in finding_lines(report), "\n".join(map(str, finding_lines(report)))
    found = next(f for f in report["findings"] if (f["check"], f["status"], f["message"]) == wanted)
    if status == "ok":
        assert found["fix"] is None
    else:
        assert found["fix"], "every warn and fail says how to fix it"
    fails = [f for f in report["findings"] if f["status"] == "fail"]
    assert code == (3 if fails else 0)
    assert report["ok"] is (not fails)
    if fails:
        assert f"doctor: {len(fails)} check" in stderr


def test_own_files_pass_except_placeholders(cli: Any, setup: Path) -> None:
    code, report, _ = run_doctor(cli, setup)
    not_ok = [(f["check"], f["status"]) for f in report["findings"] if f["status"] != "ok"]
    assert not_ok == [("subnets", "warn"), ("security groups", "warn")]
    assert code == 0
    checks = [f["check"] for f in report["findings"]]
    # every check of the issue ran, in the runbook's order
    assert checks == [
        "ecs-cli",
        "aws",
        "ecs files",
        "cluster configuration",
        "credentials",
        "compose files",
        "compose version",
        "compose keys",
        "env_file",
        "credentials in env_file",
        "plain secrets",
        "compose variables",
        "images",
        "ecs-params",
        "network mode",
        "subnets",
        "security groups",
        "task size",
        "task memory",
        "execution role",
        "awslogs",
        "host ports",
        "task definition",  # the aws backend's build: the rules `up` applies
    ]
    versions = {f["check"]: f["message"] for f in report["findings"][:2]}
    assert versions["ecs-cli"].startswith("ecs-cli 1.21.0 (")
    assert versions["aws"].startswith("aws 1.45.11 (")


def test_own_files_with_real_ids_all_ok(cli: Any, setup: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PASS_SUBNET_ID", "subnet-0a1b2c3d4e5f60718")
    monkeypatch.setenv("PASS_SECURITY_GROUP_ID", "sg-0a1b2c3d4e5f60718")
    code, report, _ = run_doctor(cli, setup)
    assert [f for f in report["findings"] if f["status"] != "ok"] == []
    assert code == 0


def test_text_output_one_line_per_check_and_fixes(cli: Any, setup: Path, home: Path) -> None:
    overlay("ecs-params-wrong-role", setup, home)
    outcome = cli("-C", str(setup), "doctor")
    assert outcome.code == 3
    lines = outcome.stdout.splitlines()
    role = next(i for i, line in enumerate(lines) if line.startswith("fail  execution role"))
    assert lines[role + 1].split()[0] == "fix:"
    assert "task_execution_role: ecsExecutionRole" in lines[role + 1]
    assert lines[-1] == "20 ok, 2 warnings, 1 failed"  # 17 checks, the task definition, 2 secrets checks
    assert "passecs: error: doctor: 1 check failed" in outcome.stderr


def test_chosen_cluster_configuration(cli: Any, setup: Path) -> None:
    code, report, _ = run_doctor(cli, setup, "-c", "pass")
    assert ("cluster configuration", "ok", "pass: cluster pass, region us-east-1, FARGATE") in finding_lines(report)
    code, report, _ = run_doctor(cli, setup, "-c", "nosuch")
    assert code == 3
    (line,) = [f for f in report["findings"] if f["check"] == "cluster configuration"]
    assert line["status"] == "fail"
    assert line["message"].startswith("cluster configuration 'nosuch' (-c) not found in ")
    assert line["message"].endswith("(known: pass, passdev)")


def test_missing_tools_fail(cli: Any, setup: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PASSECS_ECS_CLI", str(tmp_path / "no-ecs-cli"))
    monkeypatch.setenv("PASSECS_AWS", str(tmp_path / "no-aws"))
    code, report, _ = run_doctor(cli, setup)
    assert code == 3
    lines = finding_lines(report)
    assert ("ecs-cli", "fail", "ecs-cli not found (compose up/ps/logs/down and deploy need it)") in lines
    assert ("aws", "fail", "aws not found (iam ensure-role and doctor --online need it)") in lines


@pytest.mark.parametrize(
    ("env", "credentials", "aws_credentials", "expected"),
    [
        (
            {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY},
            None,
            None,
            ("ok", "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment"),
        ),
        ({"AWS_ACCESS_KEY_ID": ACCESS_KEY}, None, None, ("fail", "AWS_SECRET_ACCESS_KEY is not set (its pair is)")),
        ({}, None, None, ("fail", "no AWS credentials found (ECS profile, AWS_* variables or AWS profile)")),
        ({}, "pass", None, ("warn", "default ECS profile pass: ecs-cli can use it, the aws CLI cannot")),
        ({}, "pass", "default", ("ok", "default ECS profile pass; aws CLI: profile default")),
        ({}, None, "default", ("ok", "AWS profile default in {home}/.aws/credentials")),
        ({"AWS_PROFILE": "ops"}, None, "ops", ("ok", "AWS profile ops (AWS_PROFILE), for ecs-cli and the aws CLI")),
        (
            {"AWS_PROFILE": "nope"},
            None,
            "ops",
            ("fail", "AWS_PROFILE=nope: no such profile in {home}/.aws/credentials or {home}/.aws/config"),
        ),
        (
            {"ECS_PROFILE": "nope"},
            "pass",
            None,
            ("fail", "ECS_PROFILE=nope: no such profile with keys in {home}/.ecs/credentials"),
        ),
    ],
)
def test_credentials(
    home: Path,
    env: dict[str, str],
    credentials: str | None,
    aws_credentials: str | None,
    expected: tuple[str, str],
) -> None:
    ecs = home / ".ecs"
    ecs.mkdir()
    if credentials:
        (ecs / "credentials").write_text(
            f"version: v1\ndefault: {credentials}\necs_profiles:\n  {credentials}:\n"
            f"    aws_access_key_id: {ACCESS_KEY}\n    aws_secret_access_key: {SECRET_KEY}\n",
            encoding="utf-8",
        )
    if aws_credentials:
        (home / ".aws").mkdir()
        (home / ".aws" / "credentials").write_text(
            f"[{aws_credentials}]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n",
            encoding="utf-8",
        )
    finding = doctor.check_credentials(env, ecs, home)
    status, message = expected
    assert (finding.status, finding.message) == (status, message.format(home=home))
    assert SECRET_KEY not in str(finding) and ACCESS_KEY not in str(finding)


def test_no_secret_in_any_output(cli: Any, setup: Path, home: Path) -> None:
    overlay("ecs-credentials-bad-yaml", setup, home)
    for args in (("doctor",), ("doctor", "--json"), ("-v", "doctor"), ("-v", "doctor", "--online")):
        outcome = cli("-C", str(setup), *args)
        assert outcome.code == 3  # the credentials file is broken
        assert "~/.ecs/credentials:6" in outcome.output
        assert SECRET_KEY not in outcome.output
        assert "notarealsecret" not in outcome.output


# --- pure tables ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cpu", "memory", "valid"),
    [
        ("256", "512", True),
        ("256", "0.5GB", True),
        ("256", "3GB", False),
        ("512", "4GB", True),
        ("512", "5GB", False),
        ("1024", "2GB", True),
        ("1024", "8GB", True),
        ("1024", "1GB", False),
        ("1024", "9GB", False),
        ("1 vCPU", "8 GB", True),
        ("2048", "16GB", True),
        ("4096", "30GB", True),
        ("4096", "31GB", False),
        ("8192", "16GB", True),
        ("8192", "18GB", False),
        ("8192", "60GB", True),
        ("16384", "120GB", True),
        ("16384", "36GB", False),
        ("1000", "2GB", False),
    ],
)
def test_fargate_sizes(cpu: str, memory: str, valid: bool) -> None:
    c, m = doctor.parse_task_cpu(cpu), doctor.parse_task_memory(memory)
    assert (c in doctor.FARGATE_SIZES and m in doctor.FARGATE_SIZES[c]) is valid  # type: ignore[index]


def test_version_parsers_on_recordings() -> None:
    assert doctor.parse_ecs_cli_version((RECORDINGS / "00-ecs-cli-version.out").read_text()) == "1.21.0"
    assert doctor.parse_aws_version((RECORDINGS / "00-aws-version.out").read_text()) == "1.45.11"
    assert doctor.parse_aws_version("", "aws-cli/1.16.0 Python/2.7.15\n") == "1.16.0"
    assert doctor.parse_aws_version("nothing") is None


def test_unknown_ecs_params_keys() -> None:
    data = {
        "version": 1,
        "task_definition": {"services": {"web": {"essential": True, "memory": 5}}, "task_size": {"cpu": 1}},
        "run_params": {"network_configuration": {"awsvpc_configuration": {"subnet": ["a"]}}},
        "extra": 1,
    }
    assert doctor.unknown_ecs_params_keys(data) == [
        "task_definition.services.web.memory",
        "task_definition.task_size.cpu",
        "run_params.network_configuration.awsvpc_configuration.subnet",
        "extra",
    ]


def test_recorded_inputs_v37_and_nosubnet() -> None:
    inputs = ROOT / "tests" / "data" / "ecs-cli" / "inputs"
    _, files = doctor.check_compose_files([inputs / "docker-compose-v37.yml"])
    assert doctor.check_compose_versions(files) == [
        doctor.fail(
            "compose version",
            'docker-compose-v37.yml: version "3.7" is not one ecs-cli accepts (none, "2", "3" or "3.0")',
            'write version: "2" (or "3" with memory and CPU in ecs-params.yml)',
        )
    ]
    params = load_project(inputs, env={}, ecs_params="ecs-params-nosubnet.yml").ecs_params
    statuses = [(f.check, f.status) for f in doctor.check_network(params, fargate=True)]
    assert statuses == [("network mode", "ok"), ("subnets", "fail"), ("security groups", "ok")]


# --- --online: the real aws CLI against moto_server --------------------------------------------------


def aws(*args: str) -> Any:
    import subprocess
    import sys

    exe = str(Path(sys.executable).parent / "aws")
    done = subprocess.run([exe, *args, "--output", "json"], capture_output=True, text=True, check=True)
    return json.loads(done.stdout) if done.stdout.strip() else None


@pytest.fixture
def online_setup(moto: Any, home: Path, project: Path, fake_ecs_cli: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    import sys

    (home / ".ecs").mkdir()
    (home / ".ecs" / "config").write_text(BASE_CONFIG, encoding="utf-8")
    monkeypatch.setenv("PASSECS_AWS", str(Path(sys.executable).parent / "aws"))
    return project


def online_findings(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [line for line in finding_lines(report) if line[0].endswith("(aws)") or line[0] == "aws calls"]


@pytest.mark.integration
def test_online_on_an_empty_account(cli: Any, online_setup: Path) -> None:
    code, report, _ = run_doctor(cli, online_setup, "--online")
    assert code == 3
    assert online_findings(report) == [
        ("execution role (aws)", "fail", "role ecsExecutionRole does not exist"),
        ("cluster (aws)", "fail", "cluster passdev in us-east-1 is MISSING"),
        ("subnets (aws)", "fail", "subnet-00000000000000000 not found in us-east-1"),
        ("security groups (aws)", "fail", "sg-00000000000000000 not found in us-east-1"),
        (
            "log groups (aws)",
            "warn",
            "log group pass does not exist: it will be created if --create-log-groups is given",
        ),
    ]
    fixes = {f["check"]: f["fix"] for f in report["findings"]}
    assert fixes["execution role (aws)"] == "passecs iam ensure-role --role-name ecsExecutionRole"
    assert fixes["cluster (aws)"] == "create it: ecs-cli up --launch-type FARGATE --cluster-config passdev"


@pytest.mark.integration
def test_online_when_everything_is_in_place(
    cli: Any, online_setup: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = (ROOT / "execution-assume-role.json").as_uri()
    aws("iam", "create-role", "--role-name", "ecsExecutionRole", "--assume-role-policy-document", policy)
    role = ("--role-name", "ecsExecutionRole")
    aws("iam", "attach-role-policy", *role, "--policy-arn", doctor.EXECUTION_ROLE_POLICY_ARN)
    aws("ecs", "create-cluster", "--cluster-name", "passdev")
    vpc = aws("ec2", "create-vpc", "--cidr-block", "10.1.0.0/16")["Vpc"]["VpcId"]
    subnet = aws("ec2", "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.1.0.0/24")["Subnet"]["SubnetId"]
    group = aws("ec2", "create-security-group", "--group-name", "pass-sg", "--description", "PASS", "--vpc-id", vpc)
    aws("logs", "create-log-group", "--log-group-name", "pass")
    monkeypatch.setenv("PASS_SUBNET_ID", subnet)
    monkeypatch.setenv("PASS_SECURITY_GROUP_ID", group["GroupId"])

    code, report, _ = run_doctor(cli, online_setup, "--online")
    assert [f for f in report["findings"] if f["status"] != "ok"] == []
    assert code == 0
    assert online_findings(report) == [
        ("execution role (aws)", "ok", "role ecsExecutionRole exists with AmazonECSTaskExecutionRolePolicy"),
        ("cluster (aws)", "ok", "cluster passdev is ACTIVE in us-east-1"),
        ("subnets (aws)", "ok", f"{subnet} exist"),
        ("security groups (aws)", "ok", f"{group['GroupId']} exist"),
        ("log groups (aws)", "ok", "log group pass exists"),
    ]


@pytest.mark.integration
def test_online_role_without_policy(cli: Any, online_setup: Path) -> None:
    policy = (ROOT / "execution-assume-role.json").as_uri()
    aws("iam", "create-role", "--role-name", "ecsExecutionRole", "--assume-role-policy-document", policy)
    _, report, _ = run_doctor(cli, online_setup, "--online")
    assert online_findings(report)[0] == (
        "execution role (aws)",
        "fail",
        "role ecsExecutionRole exists without AmazonECSTaskExecutionRolePolicy",
    )


@pytest.mark.integration
def test_online_without_credentials_is_one_clear_line(
    cli: Any, online_setup: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    code, report, _ = run_doctor(cli, online_setup, "--online")
    assert code == 3
    (line,) = online_findings(report)
    assert line[:2] == ("aws calls", "fail")
    assert "no AWS credentials found" in line[2]


# --- doctor and up apply the same rules (passecs.files.compose / conversion) ---------------------------


def test_doctor_fails_what_up_refuses_with_the_same_reason(tmp_path: Path) -> None:
    from passecs.backends.aws.taskdef import build_task_definition
    from passecs.core.errors import InvalidInput

    (tmp_path / "docker-compose.yml").write_text("services:\n  web:\n    image: nginx:1.25\n")
    _, files = doctor.check_compose_files([tmp_path / "docker-compose.yml"])
    assert doctor.check_compose_versions(files) == [
        doctor.fail(
            "compose version",
            "docker-compose.yml has no `version:`: ecs-cli reads it as compose v1, with one service named `services`",
            "add version: '2' (or '3') at the top of the file",
        )
    ]
    assert [f.status for f in doctor.check_compose_keys(files)] == ["ok"]  # said once, not per key
    with pytest.raises(InvalidInput) as err:
        build_task_definition(load_project(tmp_path, files=["docker-compose.yml"], env={}), "p")
    assert err.value.message == doctor.check_compose_versions(files)[0].message


def test_doctor_runs_the_task_definition_rules(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(
        "version: '2'\nservices:\n  web:\n    image: nginx:1.25\n    mem_limit: 256m\n    mem_reservation: 512m\n"
    )
    project = load_project(tmp_path, files=["docker-compose.yml"], env={})
    (finding,) = doctor.check_task_definition(project, "FARGATE")
    assert finding.status == "fail"
    assert finding.message == "service web: mem_limit must be greater than mem_reservation (256 MiB < 512 MiB)"


def test_doctor_tells_about_ecs_clis_surprising_rules(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(
        "version: '2'\nservices:\n  web:\n    image: nginx:1.25\n    environment: [A=1]\n    env_file: a.env\n"
    )
    (tmp_path / "docker-compose-ecs.yml").write_text("version: '2'\nservices:\n  web:\n    environment: {B: '2'}\n")
    (tmp_path / "a.env").write_text("SMTP_HOST = smtp\n")
    project = load_project(tmp_path, files=["docker-compose.yml", "docker-compose-ecs.yml"], env={})
    messages = [(f.check, f.status, f.message) for f in doctor.check_compose_notices(project)]
    assert messages == [
        (
            "env_file",
            "warn",
            "a.env line 1: `SMTP_HOST = smtp` sets a variable named 'SMTP_HOST ' (blanks included) to ' smtp'",
        ),
        (
            "compose merge",
            "warn",
            "docker-compose-ecs.yml: service web: environment written as a map replaces the earlier file's "
            "environment instead of merging into it (ecs-cli converts the earlier one first)",
        ),
    ]
