"""Secrets never leave the operator's machine in clear (issue 11): masking, the env-file rules, the settings
file, the file:// input of register-task-definition, and the refusal on both backends."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from conftest import ACCESS_KEY, SECRET_KEY
from hypothesis import given, settings
from hypothesis import strategies as st

from passecs.backends.aws import calls as awscli
from passecs.checks import secrets
from passecs.core.masking import MASK, is_secret_name, mask, mask_document, secret_values
from passecs.core.runner import Command
from passecs.files.project import read_compose_file

APP_PASSWORD = "S3cret-App-Passw0rd"

# --------------------------------------------------------------------------------------------------
# masking


WORDS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "PRIVATE")
_NAME_PART = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_", max_size=8)


@st.composite
def secret_names(draw: st.DrawFn) -> str:
    """An environment variable name containing one of the words, in any case."""
    word = draw(st.sampled_from(WORDS))
    cased = "".join(c.lower() if draw(st.booleans()) else c for c in word)
    return draw(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ_")) + draw(_NAME_PART) + cased + draw(_NAME_PART)


values = st.text(min_size=1, max_size=40)
plain_names = st.text(alphabet="ABCDEFGHIJLMNOQUVWXZ_", min_size=1, max_size=12).filter(lambda n: not is_secret_name(n))


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(secret_names(), values), min_size=1, max_size=6), st.lists(st.tuples(plain_names, values)))
def test_masking_never_shows_a_value_whose_name_matches(
    secret: list[tuple[str, str]], plain: list[tuple[str, str]]
) -> None:
    entries = [{"name": n, "value": v} for n, v in secret + plain]
    # as a structure (the task definition a plan or a file:// note shows)
    shown = mask_document({"containerDefinitions": [{"environment": entries}]})
    for entry in shown["containerDefinitions"][0]["environment"]:
        if is_secret_name(entry["name"]):
            assert entry["value"] == MASK
    # as JSON text (an error message, a --verbose line), compact or indented
    for text in (json.dumps(entries), json.dumps({"environment": entries}, indent=2)):
        parsed = json.loads(mask(text, ()))
        items = parsed if isinstance(parsed, list) else parsed["environment"]
        for entry in items:
            if is_secret_name(entry["name"]):
                assert entry["value"] == MASK
    # as a mapping and as NAME=value words
    mapping = mask_document(dict(secret))
    assert all(v == MASK for v in mapping.values())
    for name, value in secret:
        word = value.split()[0] if value.split() else ""
        if word and not set("'\"\\,;&|<>(){}[]") & set(word):  # a plain shell word
            assert mask(f"run {name}={word} now", ()) == f"run {name}={MASK} now"


@given(values.filter(lambda v: len(v) >= 4), st.text(max_size=20), st.text(max_size=20))
def test_a_known_secret_is_masked_anywhere_in_text(secret: str, before: str, after: str) -> None:
    assert secret not in mask(before + secret + after, (secret,)).replace(MASK, "\0")


def test_short_values_are_masked_as_entries_but_not_in_free_text() -> None:
    env = {"DB_PASSWORD": "x1", "API_TOKEN": "long-enough", "PORT": "8080"}
    assert secret_values(env) == ("long-enough",)  # "x1" would blank out every x1 of every line
    shown = mask_document([{"name": "DB_PASSWORD", "value": "x1"}, {"name": "PORT", "value": "8080"}])
    assert shown == [{"name": "DB_PASSWORD", "value": MASK}, {"name": "PORT", "value": "8080"}]


def test_command_display_masks_its_note_and_argv() -> None:
    cmd = Command(("aws", "ecs", "x", "--token", SECRET_KEY), secrets=(SECRET_KEY,), note=f'{{"KEY": "{SECRET_KEY}"}}')
    assert SECRET_KEY not in cmd.display()
    assert cmd.display().endswith('# {"KEY": "****"}')


def test_context_masks_secret_named_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    from passecs.core.context import Context

    monkeypatch.setenv("GITHUB_TOKEN", "ghp_abcdefghijkl")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    ctx = Context().with_secrets(("app-secret-value",))
    assert {"ghp_abcdefghijkl", SECRET_KEY, "app-secret-value"} <= set(ctx.secrets())
    assert ctx.mask(f"a ghp_abcdefghijkl b {SECRET_KEY} c app-secret-value") == "a **** b **** c ****"


# --------------------------------------------------------------------------------------------------
# the rules over the containers' environment


def _compose(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "docker-compose.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_container_environment_reads_every_env_file_once_and_the_environment_key(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"PORT=80\nAWS_SECRET_ACCESS_KEY={SECRET_KEY}\nFILE=app.env\n")
    (tmp_path / "app.env").write_text(f"DB_PASSWORD={APP_PASSWORD}\nAWS_SESSION_TOKEN=\n")
    compose = _compose(
        tmp_path,
        "version: '2'\nservices:\n"
        "  web:\n    image: w\n    env_file: [.env, '${FILE}']\n"
        "    environment:\n      - AWS_ACCESS_KEY_ID\n      - API_TOKEN=abc\n      - MODE=prod\n"
        "  db:\n    image: d\n    env_file: .env\n"
        "  lost:\n    image: l\n    env_file: missing.env\n",
    )
    sources = secrets.container_environment([read_compose_file(compose)], {"AWS_ACCESS_KEY_ID": ACCESS_KEY}, tmp_path)
    assert [(s.where, s.services) for s in sources] == [
        (".env", ("web", "db")),
        ("app.env", ("web",)),
        ("the `environment` of service web", ("web",)),
    ]
    leaks = [(e.source.where, e.name) for e in secrets.aws_credentials(sources)]
    # the empty AWS_SESSION_TOKEN is no leak; the value-less environment entry takes the operator's key
    assert leaks == [(".env", "AWS_SECRET_ACCESS_KEY"), ("the `environment` of service web", "AWS_ACCESS_KEY_ID")]
    assert [(e.source.where, e.name) for e in secrets.plain_secrets(sources)] == [
        ("app.env", "DB_PASSWORD"),
        ("the `environment` of service web", "API_TOKEN"),
    ]
    assert set(secrets.secrets_of(sources)) == {SECRET_KEY, APP_PASSWORD, ACCESS_KEY}  # "abc": too short
    error = secrets.refusal(secrets.aws_credentials(sources), "up")
    assert error is not None and error.code == 3
    assert "AWS_SECRET_ACCESS_KEY in .env (env_file of web, db)" in error.message
    assert "AWS_ACCESS_KEY_ID in the `environment` of service web" in error.message
    assert "AWS_PROFILE" in (error.fix or "") and "~/.ecs/credentials" in (error.fix or "")
    assert SECRET_KEY not in error.message + (error.fix or "")
    assert secrets.refusal([], "up") is None


def test_passecs_settings_in_a_container_env_file(tmp_path: Path) -> None:
    source = secrets.EnvSource(".env", tmp_path / ".env", ("web",), {"PASSECS_PROTECTED_CLUSTERS": "pass",
                               "PASS_SUBNET_ID": "subnet-1", "PORT": "80"})  # fmt: skip
    found = [e.name for e in secrets.passecs_settings([source], ("PASS_SUBNET_ID",))]
    assert found == ["PASSECS_PROTECTED_CLUSTERS", "PASS_SUBNET_ID"]


def test_the_secrets_snippet_is_valid_ecs_params(tmp_path: Path) -> None:
    import yaml

    data = yaml.safe_load(secrets.secrets_snippet(("web", "db"), "DB_PASSWORD", "us-east-1"))
    for service in ("web", "db"):
        (entry,) = data["task_definition"]["services"][service]["secrets"]
        assert entry == {"name": "DB_PASSWORD", "value_from": "arn:aws:ssm:us-east-1:ACCOUNT_ID:parameter/DB_PASSWORD"}


# --------------------------------------------------------------------------------------------------
# file:// inputs


def test_json_input_is_private_and_removed(tmp_path: Path) -> None:
    document = {"environment": [{"name": "DB_PASSWORD", "value": APP_PASSWORD}]}
    with awscli.json_input(document) as given_file:
        assert given_file.uri == f"file://{given_file.path}"
        assert stat.S_IMODE(given_file.path.stat().st_mode) == 0o600
        assert stat.S_IMODE(given_file.path.parent.stat().st_mode) == 0o700
        assert json.loads(given_file.path.read_text()) == document
        assert APP_PASSWORD not in given_file.note and MASK in given_file.note
    assert not given_file.path.exists() and not given_file.path.parent.exists()


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_json_input_is_removed_on_error_and_ctrl_c(error: type[BaseException]) -> None:
    with pytest.raises(error), awscli.json_input({"a": 1}) as given_file:
        path = given_file.path
        raise error()
    assert not path.exists() and not path.parent.exists()


# --------------------------------------------------------------------------------------------------
# the settings file


def test_passecs_env_is_loaded_first_and_never_overrides(  # type: ignore[no-untyped-def]
    cli, home: Path, project: Path, tmp_path: Path, monkeypatch
) -> None:
    from passecs.app import settings_files

    (project / ".env").write_text("PASSECS_PROTECTED_CLUSTERS=from-dotenv\nX=1\n")
    (project / "passecs.env").write_text("PASSECS_PROTECTED_CLUSTERS=from-settings\n")
    assert settings_files(project, None) == (project / "passecs.env", project / ".env")
    assert settings_files(project, project / ".env") == (project / ".env",)  # --env-file: that file only
    (project / "passecs.env").unlink()
    assert settings_files(project, None) == (project / ".env",)  # an old setup: .env alone still works

    # loaded into the environment (the guard reads PASSECS_PROTECTED_CLUSTERS), never overriding what is set
    _ecs_config(home)
    (project / "passecs.env").write_text("PASSECS_PROTECTED_CLUSTERS=passdev\nPASSECS_PROJECT_NAME=other\n")
    monkeypatch.setenv("PASSECS_PROJECT_NAME", "already-set")
    out = cli("-C", str(project), "--backend", "aws", "up")
    assert out.code == 5 and "'passdev' is protected (PASSECS_PROTECTED_CLUSTERS)" in out.stderr
    assert os.environ["PASSECS_PROJECT_NAME"] == "already-set"
    # an old setup, the setting in .env only: still protected
    monkeypatch.delenv("PASSECS_PROTECTED_CLUSTERS")
    (project / "passecs.env").unlink()
    (project / ".env").write_text("PASSECS_PROTECTED_CLUSTERS=passdev\n")
    assert cli("-C", str(project), "--backend", "aws", "up").code == 5
    # --env-file: that file instead of the defaults
    monkeypatch.delenv("PASSECS_PROTECTED_CLUSTERS")
    other = tmp_path / "other.env"
    other.write_text("PASSECS_PROTECTED_CLUSTERS=pass\n")
    assert cli("-C", str(project), "--env-file", str(other), "config", "show").code == 0  # calls nothing
    assert os.environ["PASSECS_PROTECTED_CLUSTERS"] == "pass"


def test_the_shipped_files_keep_settings_out_of_the_containers() -> None:
    from conftest import ROOT

    dotenv = (ROOT / ".env").read_text()
    example = (ROOT / "passecs.env.example").read_text()
    for name in ("PASSECS_PROTECTED_CLUSTERS", "PASS_SUBNET_ID", "PASS_SECURITY_GROUP_ID"):
        assert f"\n{name}=" not in dotenv and f"\n{name}=" in example
    assert "passecs.env" in (ROOT / ".gitignore").read_text().split()
    assert "AWS_SECRET_ACCESS_KEY=" not in dotenv + example


# --------------------------------------------------------------------------------------------------
# doctor


def _with_leaks(project: Path) -> None:
    """The bar scenario's files: AWS keys appended to .env, an app password in a second env_file."""
    with (project / ".env").open("a") as f:
        f.write(f"\nAWS_ACCESS_KEY_ID={ACCESS_KEY}\nAWS_SECRET_ACCESS_KEY={SECRET_KEY}\n")
    (project / "app.env").write_text(f"DB_PASSWORD={APP_PASSWORD}\n")
    compose = project / "docker-compose.yml"
    text = compose.read_text()
    head, _, tail = text.partition("  submission:")
    tail = tail.replace("env_file: .env", "env_file:\n      - .env\n      - app.env")
    compose.write_text(head + "  submission:" + tail)


def _ecs_config(home: Path) -> None:
    (home / ".ecs").mkdir(exist_ok=True)
    (home / ".ecs" / "config").write_text(
        "version: v1\ndefault: passdev\nclusters:\n  passdev:\n    cluster: passdev\n    region: us-east-1\n"
        "    default_launch_type: FARGATE\n"
    )


def test_doctor_fails_on_keys_in_an_env_file_and_shows_the_secrets_snippet(cli, home: Path, project: Path) -> None:  # type: ignore[no-untyped-def]
    _ecs_config(home)
    _with_leaks(project)
    out = cli("-C", str(project), "--backend", "aws", "doctor", "--json")
    assert out.code == 3
    assert SECRET_KEY not in out.output and APP_PASSWORD not in out.output and ACCESS_KEY not in out.output
    findings = {(f["check"], f["status"]): f for f in json.loads(out.stdout)["findings"]}
    failed = findings[("credentials in env_file", "fail")]
    assert failed["message"].startswith("AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY in .env (env_file of fcrepo, ember")
    assert "AWS_PROFILE" in failed["fix"]
    plain = findings[("plain secrets", "warn")]
    assert plain["message"].startswith("DB_PASSWORD in app.env (env_file of submission) is a plain value")
    snippet = "task_definition:\n  services:\n    submission:\n      secrets:\n        - name: DB_PASSWORD\n"
    assert snippet in plain["fix"]
    assert "value_from: arn:aws:ssm:us-east-1:ACCOUNT_ID:parameter/DB_PASSWORD" in plain["fix"]

    text = cli("-C", str(project), "--backend", "aws", "doctor")
    assert "fail  credentials in env_file" in text.stdout and SECRET_KEY not in text.output
    # the snippet is indented under its fix line, as a block
    assert "fix: store the value in SSM Parameter Store" in text.stdout


def test_doctor_warns_when_old_settings_in_dotenv_reach_the_containers(cli, home: Path, project: Path) -> None:  # type: ignore[no-untyped-def]
    _ecs_config(home)
    (project / "passecs.env").unlink()
    with (project / ".env").open("a") as f:  # the old layout: the settings in .env, which still works
        f.write("PASS_SUBNET_ID=subnet-0a1b2c3d4e5f60718\nPASS_SECURITY_GROUP_ID=sg-0a1b2c3d4e5f60718\n")
        f.write("PASSECS_PROTECTED_CLUSTERS=pass\n")
    out = cli("-C", str(project), "--backend", "aws", "doctor", "--json")
    findings = json.loads(out.stdout)["findings"]
    (warned,) = [f for f in findings if f["check"] == "passecs settings"]
    assert warned["status"] == "warn"
    assert warned["message"].startswith("PASS_SUBNET_ID, PASS_SECURITY_GROUP_ID, PASSECS_PROTECTED_CLUSTERS in .env")
    assert "reach the containers' environment" in warned["message"] and "passecs.env" in warned["fix"]
    assert [f["status"] for f in findings if f["check"] == "subnets"] == ["ok"]  # the ids still come through


# --------------------------------------------------------------------------------------------------
# the refusal, ecs-cli backend (ecs-cli reads env_file itself: it must never start)


def _fake_calls(tmp_path: Path) -> list[Any]:
    path = tmp_path / "fake-ecs-state" / "calls.jsonl"
    return path.read_text().splitlines() if path.exists() else []


def test_ecs_cli_up_and_deploy_refuse_before_ecs_cli_starts(  # type: ignore[no-untyped-def]
    cli, home: Path, project: Path, fake_ecs_cli: Path, bin_dir: Path, tmp_path: Path
) -> None:
    from conftest import write_executable

    _ecs_config(home)
    _with_leaks(project)
    aws_log = tmp_path / "aws-calls"
    write_executable(bin_dir / "aws", f"import sys\nopen({str(aws_log)!r}, 'a').write(repr(sys.argv) + '\\n')\n")
    for args in (("up",), ("-v", "up", "--yes"), ("--dry-run", "up"), ("deploy", "--yes")):
        out = cli("-C", str(project), "--backend", "ecs-cli", *args)
        assert out.code == 3, (args, out.output)
        assert "refused, nothing was called: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY in .env" in out.stderr
        assert "fix: remove the AWS keys from that file" in out.stderr
        assert SECRET_KEY not in out.output and APP_PASSWORD not in out.output
    assert _fake_calls(tmp_path) == []  # ecs-cli never started
    assert not aws_log.exists()  # nor the aws CLI (deploy's role step)

    # every env_file counts, not only .env
    (project / ".env").write_text((project / ".env").read_text().split("\nAWS_ACCESS_KEY_ID")[0] + "\n")
    (project / "app.env").write_text(f"AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjEXAMPLE\nDB_PASSWORD={APP_PASSWORD}\n")
    out = cli("-C", str(project), "--backend", "ecs-cli", "up")
    assert out.code == 3 and "AWS_SESSION_TOKEN in app.env (env_file of submission)" in out.stderr
    assert _fake_calls(tmp_path) == []


# --------------------------------------------------------------------------------------------------
# the bar scenario, end to end: the real aws CLI (behind an argv-recording fake) against the local emulator

FAKE_AWS = """import json, os, stat, sys
record = {"argv": sys.argv[1:], "files": {}}
for arg in sys.argv[1:]:
    if arg.startswith("file://"):
        path = arg[len("file://"):]
        if os.path.isfile(path):
            record["files"][path] = {"mode": stat.S_IMODE(os.stat(path).st_mode), "text": open(path).read()}
with open(LOG, "a") as f:
    f.write(json.dumps(record) + "\\n")
os.execv(REAL, [REAL, *sys.argv[1:]])
"""


@pytest.fixture
def local_project(home: Path, project: Path, tmp_path: Path, bin_dir: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    import shutil

    from conftest import write_executable

    from passecs.local import emulator

    state = tmp_path / "state"
    monkeypatch.setenv("PASSECS_STATE_DIR", str(state))
    monkeypatch.chdir(project)
    real = shutil.which("aws")
    assert real is not None
    log = tmp_path / "aws-argv.jsonl"
    fake = write_executable(bin_dir / "recording-aws", f"LOG = {str(log)!r}\nREAL = {real!r}\n" + FAKE_AWS)
    monkeypatch.setenv("PASSECS_AWS", str(fake))
    yield log
    emulator.stop(state)


def _records(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def _registered_families(tmp_path: Path) -> list[str]:
    import shutil
    import subprocess

    from passecs.local import emulator

    directory = tmp_path / "state"
    current = emulator.status(directory)
    assert current.state is not None
    env = {**os.environ, **emulator.local_environment(current.state, directory)}
    aws = shutil.which("aws")
    assert aws is not None
    out = subprocess.run(
        [aws, "ecs", "list-task-definitions", "--output", "json"], env=env, capture_output=True, text=True, check=True
    )
    return list(json.loads(out.stdout)["taskDefinitionArns"])


@pytest.mark.integration
def test_the_bar_scenario(cli, local_project: Path, project: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log = local_project
    assert cli("local", "up").code == 0
    assert cli("--local", "ps").code == 0  # the first --local command creates the runbook's world
    _with_leaks(project)
    log.unlink()
    shown: list[str] = []

    plan = cli("--local", "plan")
    assert plan.code == 0, plan.stderr
    shown.append(plan.output)
    assert "--cli-input-json file://pass-task-definition.json" in plan.stdout
    assert "# the task definition goes to the aws CLI as a file (file://pass-task-definition.json)" in plan.stdout
    assert "# shown masked: replace each **** by the real value" in plan.stdout
    assert '"name": "AWS_SECRET_ACCESS_KEY",\n' in plan.stdout and '"name": "DB_PASSWORD",\n' in plan.stdout
    assert plan.stdout.count('"value": "****"') >= 4 * 2 + 1  # two AWS keys in each of 4 containers, the password

    doctor = cli("--local", "doctor")
    shown.append(doctor.output)
    assert doctor.code == 3
    assert "fail  credentials in env_file  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY in .env" in doctor.stdout
    assert "warn  plain secrets" in doctor.stdout and "DB_PASSWORD in app.env" in doctor.stdout

    log.unlink()
    up = cli("-v", "--local", "up", "--create-log-groups")
    shown.append(up.output)
    assert up.code == 3, up.output
    refused = "passecs: error: up: refused, nothing was called: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY in .env"
    assert refused in up.stderr
    deploy = cli("--local", "deploy", "--yes", "--json")
    shown.append(deploy.output)
    assert deploy.code == 3 and "deploy: refused, nothing was called" in deploy.stderr and deploy.stdout == ""
    assert _records(log) == []  # not a single aws call

    ps = cli("--local", "ps", "--json")
    shown.append(ps.output)
    assert ps.code == 0 and json.loads(ps.stdout) == []
    assert _registered_families(tmp_path) == []  # nothing was registered

    # the keys out of .env: up works, the password stays in the (private, removed) file
    dotenv = project / ".env"
    dotenv.write_text(dotenv.read_text().split("\nAWS_ACCESS_KEY_ID")[0] + "\n")
    log.unlink(missing_ok=True)
    up = cli("-v", "--local", "up", "--create-log-groups")
    shown.append(up.output)
    assert up.code == 0, up.output
    register = [line for line in up.stderr.splitlines() if " register-task-definition " in line]
    assert len(register) == 1 and "--cli-input-json file:///" in register[0]
    assert '"name": "DB_PASSWORD", "value": "****"' in register[0]  # --verbose shows the masked JSON
    ps = cli("--local", "ps")
    shown.append(ps.output)
    assert ps.code == 0 and "RUNNING" in ps.stdout
    assert cli("--local", "down", "--yes").code == 0

    records = _records(log)
    (registered,) = [r for r in records if "register-task-definition" in r["argv"]]
    ((path, given),) = registered["files"].items()
    assert given["mode"] == 0o600 and not Path(path).exists()  # private, and removed afterwards
    definition = json.loads(given["text"])
    environment = [e for c in definition["containerDefinitions"] for e in c["environment"]]
    assert {"name": "DB_PASSWORD", "value": APP_PASSWORD} in environment
    assert not [e for e in environment if e["name"].startswith("AWS_")]
    assert _registered_families(tmp_path) == ["arn:aws:ecs:us-east-1:123456789012:task-definition/pass:1"]

    # no child argv carries an environment value; no output shows a secret
    values = {e["value"] for e in environment}
    for record in records:
        for arg in record["argv"]:
            assert arg not in values or arg in ("pass",), (arg, record["argv"])
            assert not [v for v in values if len(v) >= 8 and v in arg], record["argv"]
            assert APP_PASSWORD not in arg and SECRET_KEY not in arg and ACCESS_KEY not in arg
    for text in shown:
        assert APP_PASSWORD not in text and SECRET_KEY not in text and ACCESS_KEY not in text


def test_ecs_cli_up_without_keys_runs_and_the_password_is_in_no_argv_or_output(  # type: ignore[no-untyped-def]
    cli, home: Path, project: Path, fake_ecs_cli: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ecs_config(home)
    _with_leaks(project)
    dotenv = project / ".env"
    dotenv.write_text(dotenv.read_text().split("\nAWS_ACCESS_KEY_ID")[0] + "\n")
    monkeypatch.setenv("FAKE_ECS_CLI_POLL", "0")
    up = cli("-C", str(project), "--backend", "ecs-cli", "-v", "up")
    assert up.code == 0, up.output
    ps = cli("-C", str(project), "--backend", "ecs-cli", "ps", "--json")
    assert ps.code == 0 and {c["state"] for c in json.loads(ps.stdout)} == {"RUNNING"}
    calls = [json.loads(line)["argv"] for line in _fake_calls(tmp_path)]
    assert any("up" in argv for argv in calls)
    assert not [argv for argv in calls if any(APP_PASSWORD in arg for arg in argv)]
    assert APP_PASSWORD not in up.output + ps.output


def test_streamed_lines_and_verbose_lines_are_masked(capsys: pytest.CaptureFixture[str]) -> None:
    from passecs.core.context import Context
    from passecs.core.runner import Result

    seen: list[str] = []

    def runner(command: Command, *, timeout: Any, on_stdout: Any, on_stderr: Any) -> Result:
        on_stdout(f"DB_PASSWORD={APP_PASSWORD} and {APP_PASSWORD} again")
        return Result(command, 0, "", "", 0.0)

    ctx = Context(runner=runner, verbose=True).with_secrets((APP_PASSWORD,))
    ctx.execute(Command(("tool", f"--password={APP_PASSWORD}")), on_stdout=seen.append)
    assert seen == ["DB_PASSWORD=**** and **** again"]
    assert capsys.readouterr().err == "+ tool --password=****\n"
