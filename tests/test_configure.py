"""passecs.runbook.configure: builders, inputs, ecs-cli failures (injected runner), and the commands end to end
through the real process layer with the fake ecs-cli."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from passecs.core.context import Context
from passecs.core.errors import CommandFailed, InvalidInput, Refused
from passecs.core.runner import Command, Result
from passecs.files.ecs import backups
from passecs.runbook import configure
from passecs.runbook.configure import Asker, Keys
from tests.conftest import ACCESS_KEY, SECRET_KEY, SESSION_TOKEN, recording, write_executable

CREDENTIALS_03 = recording("03-cat-credentials")["out"]
CONFIG_13 = recording("13-cat-config")["out"]


def _file_part(name: str) -> str:
    return "".join(recording(name)["out"].splitlines(keepends=True)[1:])


# --------------------------------------------------------------------------------------------------
# Builders and inputs


def test_profile_command_has_no_secret_in_argv() -> None:
    keys = Keys(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)
    cmd = configure.profile_command("/bin/ecs-cli", "pass", keys)
    assert cmd.argv == ("/bin/ecs-cli", "configure", "profile", "--profile-name", "pass")
    assert cmd.env == {
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_SESSION_TOKEN": SESSION_TOKEN,
    }
    assert set(cmd.secrets) == {SECRET_KEY, SESSION_TOKEN}
    assert cmd.unset == ()
    assert SECRET_KEY not in repr(keys) and SESSION_TOKEN not in repr(keys)


def test_profile_command_without_token_unsets_a_stale_one() -> None:
    cmd = configure.profile_command("ecs-cli", "pass", Keys(ACCESS_KEY, SECRET_KEY))
    assert "AWS_SESSION_TOKEN" not in cmd.env
    assert cmd.unset == ("AWS_SESSION_TOKEN",)
    assert "AWS_SESSION_TOKEN" not in cmd.child_env({"AWS_SESSION_TOKEN": "stale"})


def test_cluster_and_default_commands_are_the_runbook_lines() -> None:
    assert configure.cluster_command("ecs-cli", "pass", "pass", "us-east-1", "FARGATE").display() == (
        "ecs-cli configure --cluster pass --default-launch-type FARGATE --region us-east-1 --config-name pass"
    )
    assert configure.cluster_default_command("ecs-cli", "passdev").display() == (
        "ecs-cli configure default --config-name passdev"
    )
    assert configure.profile_default_command("ecs-cli", "pass").display() == (
        "ecs-cli configure profile default --profile-name pass"
    )


@pytest.mark.parametrize(("value", "expected"), [("fargate", "FARGATE"), ("FARGATE", "FARGATE"), ("Ec2", "EC2")])
def test_launch_type_normalized(value: str, expected: str) -> None:
    assert configure.normalize_launch_type(value) == expected


@pytest.mark.parametrize(
    "call",
    [
        lambda: configure.normalize_launch_type("EC3"),
        lambda: configure.validate_region("us-east1"),
        lambda: configure.validate_name("", "profile name"),
        lambda: configure.validate_name("my profile", "profile name"),
        lambda: configure.validate_name("--yes", "profile name"),
        lambda: configure.validate_cluster_name("pass prod"),
    ],
)
def test_bad_inputs_are_exit_3(call: Callable[[], object]) -> None:
    with pytest.raises(InvalidInput):
        call()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("07-configure-profile-force-flag", "flag provided but not defined: -force"),
        ("08-configure-profile-missing-secret", "secret-key can not be empty"),
        (
            "09-configure-profile-default-unknown",
            "Error setting default config: nosuchprofile must be defined as a profile before it can be set as default.",
        ),
        (
            "17-configure-bad-launch-type",
            "Supported launch types are 'EC2' and 'FARGATE'; EC3 is not a valid launch type.",
        ),
        ("18-configure-missing-cluster", "cluster can not be empty"),
        ("19-configure-missing-region", "region can not be empty"),
        ("01-configure-profile", None),
        ("02-configure-profile-default", None),
    ],
)
def test_fatal_message_of_recordings(name: str, message: str | None) -> None:
    assert configure.fatal_message(recording(name)["out"]) == message


def test_keys_from_environment() -> None:
    keys = configure.resolve_keys(
        {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}, configure.NO_TERMINAL
    )
    assert keys == Keys(ACCESS_KEY, SECRET_KEY, "")


@pytest.mark.parametrize("missing", ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
def test_missing_key_without_terminal_is_exit_3(missing: str) -> None:
    env = {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
    del env[missing]
    with pytest.raises(InvalidInput) as caught:
        configure.resolve_keys(env, configure.NO_TERMINAL)
    assert caught.value.message == f"{missing} is not set"
    assert caught.value.code == 3


def test_missing_keys_on_a_terminal_are_asked_for() -> None:
    asked: list[str] = []

    def secret(question: str) -> str:
        asked.append(question)
        return {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}[question.split(maxsplit=1)[0]]

    keys = configure.resolve_keys({}, Asker(interactive=True, secret=secret))
    assert keys == Keys(ACCESS_KEY, SECRET_KEY)
    assert [q.split()[0] for q in asked] == ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]


def test_key_with_spaces_is_refused_without_echo() -> None:
    with pytest.raises(InvalidInput) as caught:
        configure.resolve_keys(
            {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY + " "}, configure.NO_TERMINAL
        )
    assert SECRET_KEY not in caught.value.message


# --------------------------------------------------------------------------------------------------
# The service with an injected runner


class FakeRunner:
    """Answers every command with a recorded ecs-cli result and keeps the commands it was given."""

    def __init__(self, name: str) -> None:
        self.rec = recording(name)
        self.commands: list[Command] = []

    def __call__(self, command: Command, **_: Any) -> Result:
        self.commands.append(command)
        return Result(command, int(self.rec["rc"]), self.rec["out"], self.rec["err"], 0.1)


@pytest.fixture
def ecs_cli_path(bin_dir: Path) -> str:
    return str(write_executable(bin_dir / "ecs-cli", "raise SystemExit(0)\n"))


def test_ecs_cli_failure_is_one_clean_line_and_the_backup_stays(
    home: Path, ecs_cli_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (home / ".ecs").mkdir()
    (home / ".ecs" / "credentials").write_text(CREDENTIALS_03)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    runner = FakeRunner("08-configure-profile-missing-secret")
    ctx = Context(runner=runner)
    with pytest.raises(CommandFailed) as caught:
        configure.configure_profile(ctx, "pass2", make_default=False, yes=False, asker=configure.NO_TERMINAL)
    assert caught.value.message == "ecs-cli configure profile failed (exit 1): secret-key can not be empty"
    assert caught.value.detail is None
    (saved,) = backups(home / ".ecs" / "credentials")
    assert saved.read_text() == CREDENTIALS_03
    assert runner.commands[0].argv == (ecs_cli_path, "configure", "profile", "--profile-name", "pass2")
    assert all(SECRET_KEY not in arg for c in runner.commands for arg in c.argv)


def test_success_without_the_change_in_the_file_is_a_failure(
    home: Path, ecs_cli_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = Context(runner=FakeRunner("10-configure-cluster-pass"))  # says "Saved" but writes nothing
    with pytest.raises(CommandFailed) as caught:
        configure.configure_cluster(
            ctx, "pass", cluster="pass", region="us-east-1", make_default=False, yes=False, asker=configure.NO_TERMINAL
        )
    assert "does not hold cluster configuration pass" in caught.value.message


def test_unparsable_config_is_never_handed_to_ecs_cli(home: Path, ecs_cli_path: str) -> None:
    (home / ".ecs").mkdir()
    config = home / ".ecs" / "config"
    config.write_text("[ecs]\ncluster = pass\nregion = us-east-1\n")
    runner = FakeRunner("10-configure-cluster-pass")
    with pytest.raises(InvalidInput) as caught:
        configure.configure_cluster(
            Context(runner=runner),
            "pass",
            cluster="pass",
            region="us-east-1",
            make_default=False,
            yes=True,
            asker=configure.NO_TERMINAL,
        )
    assert caught.value.fix == "run 'ecs-cli configure migrate'"
    assert runner.commands == []
    assert config.read_text().startswith("[ecs]")


# --------------------------------------------------------------------------------------------------
# End to end: passecs in-process, the real process layer, the fake ecs-cli on PATH


@pytest.fixture
def keys_env(home: Path, fake_ecs_cli: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setattr("passecs.commands.configure._interactive", lambda: False)
    return home / ".ecs"


def _calls() -> list[list[str]]:
    path = Path(os.environ["FAKE_ECS_CLI_STATE"]) / "calls.jsonl"
    if not path.exists():
        return []
    return [json.loads(line)["argv"] for line in path.read_text().splitlines()]


def test_profile_default_writes_recording_03(cli: Any, keys_env: Path) -> None:
    out = cli("configure", "profile", "pass", "--default")
    assert out.code == 0, out.stderr
    assert (keys_env / "credentials").read_text() == CREDENTIALS_03
    assert oct((keys_env / "credentials").stat().st_mode & 0o777) == "0o600"
    assert _calls() == [
        ["configure", "profile", "--profile-name", "pass"],
        ["configure", "profile", "default", "--profile-name", "pass"],
    ]
    assert "saved profile pass; it is the default profile" in out.stdout


def test_clusters_write_recordings_13_14_22(cli: Any, keys_env: Path) -> None:
    assert cli("configure", "cluster", "pass", "--cluster", "pass", "--region", "us-east-1").code == 0
    assert (
        cli(
            "configure",
            "cluster",
            "passdev",
            "--cluster",
            "passdev",
            "--region",
            "us-east-1",
            "--launch-type",
            "fargate",
            "--default",
        ).code
        == 0
    )
    config = keys_env / "config"
    assert config.read_text() == CONFIG_13 == recording("22-cat-config-after-errors")["out"]
    calls = len(_calls())
    again = cli("configure", "cluster", "pass", "--cluster", "pass", "--region", "us-east-1")
    assert again.code == 0 and "nothing changed" in again.stdout
    assert config.read_text() == _file_part("14-configure-cluster-pass-again")
    assert len(_calls()) == calls  # the same values: nothing to run
    assert _calls()[1][:4] == ["configure", "--cluster", "passdev", "--default-launch-type"]
    assert _calls()[1][4] == "FARGATE"


def test_cluster_named_default_writes_recording_20(cli: Any, keys_env: Path) -> None:
    keys_env.mkdir()
    (keys_env / "config").write_text(CONFIG_13)
    out = cli("configure", "cluster", "default", "--cluster", "pass", "--region", "us-east-1")
    assert out.code == 0, out.stderr
    assert (keys_env / "config").read_text() == _file_part("20-configure-missing-config-name")


def test_whole_runbook_setup_gives_recording_97(cli: Any, keys_env: Path) -> None:
    for args in (
        ("configure", "profile", "pass", "--default"),
        ("configure", "cluster", "pass", "--cluster", "pass", "--region", "us-east-1"),
        ("configure", "cluster", "passdev", "--cluster", "passdev", "--region", "us-east-1"),
        ("configure", "default", "passdev"),
    ):
        out = cli(*args)
        assert out.code == 0, (args, out.stderr)
    final = recording("97-cat-config-final")["out"].split("---\n")
    assert (keys_env / "config").read_text() == final[0]
    assert (keys_env / "credentials").read_text() == final[1]
    for name in ("config", "credentials"):
        assert (keys_env / name).stat().st_mode & 0o777 == 0o600
    assert cli("config", "validate").code == 0
    assert len(backups(keys_env / "config")) == 2  # before passdev and before the default changed


def test_replacing_other_keys_needs_yes(cli: Any, keys_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("configure", "profile", "pass").code == 0
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAOTHEROTHEROTHER1")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "otherSecretKey")
    refused = cli("configure", "profile", "pass")
    assert refused.code == Refused.code == 5
    assert "****************MPLE -> ****************HER1" in refused.stderr
    assert "--yes" in refused.stderr
    assert (keys_env / "credentials").read_text() == CREDENTIALS_03
    assert backups(keys_env / "credentials") == []
    done = cli("configure", "profile", "pass", "--yes")
    assert done.code == 0
    assert (keys_env / "credentials").read_text() == _file_part("05-configure-profile-overwrite-other-key")
    (saved,) = backups(keys_env / "credentials")
    assert saved.read_text() == CREDENTIALS_03
    assert "otherSecretKey" not in done.output + refused.output


@pytest.mark.parametrize(("answer", "code"), [(True, 0), (False, 5)])
def test_replacing_a_cluster_configuration_asks_on_a_terminal(
    cli: Any, keys_env: Path, monkeypatch: pytest.MonkeyPatch, answer: bool, code: int
) -> None:
    assert cli("configure", "cluster", "pass", "--cluster", "pass", "--region", "us-east-1").code == 0
    monkeypatch.setattr("passecs.commands.configure._interactive", lambda: True)
    asked: list[str] = []
    monkeypatch.setattr("typer.confirm", lambda q, **kw: asked.append(q) or answer)
    monkeypatch.setenv("PASSECS_PROTECTED_CLUSTERS", "pass")
    out = cli("configure", "cluster", "pass", "--cluster", "pass", "--region", "us-west-2")
    assert out.code == code
    assert asked == ["Replace cluster configuration pass (protected)?"]
    region = "us-west-2" if answer else "us-east-1"
    assert f"region: {region}" in (keys_env / "config").read_text()


def test_missing_keys_are_prompted_hidden_on_a_terminal(
    cli: Any, keys_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    assert cli("configure", "profile", "pass").code == 3
    monkeypatch.setattr("passecs.commands.configure._interactive", lambda: True)
    prompts: list[dict[str, Any]] = []

    def prompt(question: str, **kw: Any) -> str:
        prompts.append(kw)
        return ACCESS_KEY if question.startswith("AWS_ACCESS_KEY_ID") else SECRET_KEY

    monkeypatch.setattr("typer.prompt", prompt)
    out = cli("configure", "profile", "pass")
    assert out.code == 0, out.stderr
    assert all(kw["hide_input"] for kw in prompts) and len(prompts) == 2
    assert (keys_env / "credentials").read_text() == CREDENTIALS_03
    assert SECRET_KEY not in out.output


def test_dry_run_changes_nothing(cli: Any, keys_env: Path) -> None:
    keys_env.mkdir()
    (keys_env / "config").write_text(CONFIG_13)
    out = cli("--dry-run", "configure", "cluster", "pass", "--cluster", "pass", "--region", "eu-west-2", "--default")
    assert out.code == 0
    assert "configure --cluster pass --default-launch-type FARGATE --region eu-west-2 --config-name pass" in out.stdout
    assert "configure default --config-name pass" in out.stdout
    assert (keys_env / "config").read_text() == CONFIG_13
    assert backups(keys_env / "config") == [] and _calls() == []
    assert cli("--dry-run", "configure", "profile", "pass", "--default").code == 0
    assert not (keys_env / "credentials").exists() and _calls() == []


@pytest.mark.parametrize(
    "args",
    [
        ("configure", "cluster", "pass", "--cluster", "pass", "--region", "us-east1"),
        ("configure", "cluster", "pass", "--cluster", "pass", "--region", "us-east-1", "--launch-type", "EC3"),
        ("configure", "cluster", "my pass", "--cluster", "pass", "--region", "us-east-1"),
        ("configure", "profile", "my pass"),
        ("configure", "default", "nosuchconfig"),
    ],
)
def test_bad_input_exit_3_and_nothing_runs(cli: Any, keys_env: Path, args: tuple[str, ...]) -> None:
    out = cli(*args)
    assert out.code == 3, out.stderr
    assert out.stderr.startswith("passecs: error: ") and "Traceback" not in out.stderr
    assert _calls() == []


def test_missing_ecs_cli_is_exit_4(cli: Any, keys_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PASSECS_ECS_CLI", "/nonexistent/ecs-cli")
    out = cli("configure", "cluster", "pass", "--cluster", "pass", "--region", "us-east-1")
    assert out.code == 4
    assert "ecs-cli not found" in out.stderr


def test_config_show_masks_and_marks(cli: Any, keys_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keys_env.mkdir()
    (keys_env / "config").write_text(CONFIG_13)
    (keys_env / "credentials").write_text(
        CREDENTIALS_03.replace(SECRET_KEY, f"{SECRET_KEY}\n    aws_session_token: {SESSION_TOKEN}")
    )
    monkeypatch.setenv("PASSECS_PROTECTED_CLUSTERS", "pass")
    text = cli("config", "show")
    assert text.code == 0
    assert "****************MPLE" in text.stdout and ACCESS_KEY not in text.stdout
    data = json.loads(cli("config", "show", "--json").stdout)
    assert data["config"]["clusters"] == [
        {
            "name": "pass",
            "cluster": "pass",
            "region": "us-east-1",
            "launch_type": "FARGATE",
            "default": False,
            "protected": True,
        },
        {
            "name": "passdev",
            "cluster": "passdev",
            "region": "us-east-1",
            "launch_type": "FARGATE",
            "default": True,
            "protected": False,
        },
    ]
    assert data["credentials"]["profiles"] == [
        {"name": "pass", "access_key_id": "****************MPLE", "session_token": True, "default": True}
    ]


def test_config_validate_exit_codes_and_json(cli: Any, keys_env: Path) -> None:
    keys_env.mkdir()
    (keys_env / "config").write_text(CONFIG_13.replace("region: us-east-1\n", "region: us-east1\n", 1))
    credentials = keys_env / "credentials"
    credentials.write_text(CREDENTIALS_03)
    credentials.chmod(0o644)
    out = cli("config", "validate")
    assert out.code == 3
    assert out.stdout.splitlines() == [
        '~/.ecs/config:6: clusters.pass.region: "us-east1" is not an AWS region '
        "(fix: use a region name like us-east-1)",
        "~/.ecs/credentials: readable by group or others (mode 0644): it holds secret keys "
        "(fix: chmod 600 ~/.ecs/credentials)",
    ]
    data = json.loads(cli("config", "validate", "--json").stdout)
    assert [(f["file"], f["line"], f["key"], f["severity"]) for f in data] == [
        ("~/.ecs/config", 6, "clusters.pass.region", "error"),
        ("~/.ecs/credentials", None, "", "error"),
    ]
    credentials.chmod(0o600)
    (keys_env / "config").write_text(CONFIG_13.replace("default_launch_type: FARGATE", 'default_launch_type: ""', 1))
    warned = cli("config", "validate")
    assert warned.code == 0 and ": warning: " in warned.stdout


# --------------------------------------------------------------------------------------------------
# No secret anywhere


def test_secret_appears_in_no_output_and_no_argv(cli: Any, keys_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    built: list[Command] = []
    original = Context.execute

    def recording_execute(self: Context, command: Command, **kw: Any) -> Result:
        built.append(command)
        return original(self, command, **kw)

    monkeypatch.setattr(Context, "execute", recording_execute)
    runs = [
        ("--dry-run", "configure", "profile", "pass", "--default"),
        ("--verbose", "configure", "profile", "pass", "--default"),
        ("configure", "profile", "pass", "--default"),
        ("--verbose", "configure", "profile", "pass2"),
        ("--dry-run", "--verbose", "configure", "cluster", "pass", "--cluster", "pass", "--region", "us-east-1"),
        ("--verbose", "configure", "cluster", "pass", "--cluster", "pass", "--region", "us-east-1", "--default"),
        ("--verbose", "configure", "cluster", "passdev", "--cluster", "passdev", "--region", "us-east-1"),
        ("--dry-run", "configure", "default", "passdev"),
        ("--verbose", "configure", "default", "passdev"),
        ("config", "show"),
        ("config", "show", "--json"),
        ("--verbose", "config", "validate"),
        ("config", "validate", "--json"),
    ]
    everything = ""
    for args in runs:
        out = cli(*args)
        assert out.code == 0, (args, out.stderr)
        everything += out.output
    # a broken credentials file with the secret in the broken line
    (keys_env / "credentials").write_text(CREDENTIALS_03.replace(SECRET_KEY, f"'{SECRET_KEY}"))
    for args in (("config", "validate"), ("config", "validate", "--json"), ("config", "show")):
        out = cli(*args)
        assert out.code == 3
        everything += out.output
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "otherSecretKey")
    everything += cli("--verbose", "configure", "profile", "pass").output  # refused: different keys
    for secret in (SECRET_KEY, SESSION_TOKEN, "otherSecretKey"):
        assert secret not in everything
        assert all(secret not in arg for argv in _calls() for arg in argv)
        assert all(secret not in arg for c in built for arg in c.argv)
        assert all(secret not in c.display() for c in built)
    assert built and _calls()
    assert any(c.env.get("AWS_SECRET_ACCESS_KEY") == SECRET_KEY for c in built)  # the keys travel by env
