"""``passecs configure`` with the aws backend (no ecs-cli to run): passecs writes ``~/.ecs`` itself, byte for
byte as the real ecs-cli 1.21.0 wrote it in the recorded runbook session (recordings 01-22)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from passecs.files import ecs_writer
from tests.conftest import ACCESS_KEY, SECRET_KEY, recording


@pytest.fixture
def no_ecs_cli(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A PATH without ecs-cli (so the aws backend is the default) and the runbook's keys in the environment."""
    empty = tmp_path / "no-ecs-cli"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("PASSECS_ECS_CLI", raising=False)
    monkeypatch.delenv("PASSECS_BACKEND", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    return home / ".ecs"


def _recorded_file(name: str) -> str:
    """The file a recording printed (`cat`, or the part after ecs-cli's log line when `&& cat` followed)."""
    out = recording(name)["out"]
    return "".join(line for line in out.splitlines(keepends=True) if not line.startswith("time="))


def test_the_runbook_configure_steps_write_what_ecs_cli_wrote(cli, no_ecs_cli: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("configure", "profile", "pass", "--default").code == 0
    assert (no_ecs_cli / "credentials").read_text() == _recorded_file("03-cat-credentials")
    assert cli("configure", "cluster", "pass", "--cluster", "pass", "--region", "us-east-1").code == 0
    done = cli("configure", "cluster", "passdev", "--cluster", "passdev", "--region", "us-east-1", "--default")
    assert done.code == 0, done.output
    assert (no_ecs_cli / "config").read_text() == _recorded_file("13-cat-config")
    for name in ("config", "credentials"):
        assert stat.S_IMODE((no_ecs_cli / name).stat().st_mode) == 0o600
    assert SECRET_KEY not in done.output
    # nothing to change the second time: the file is not rewritten, no backup is made
    before = sorted(p.name for p in no_ecs_cli.iterdir())
    again = cli("configure", "cluster", "passdev", "--cluster", "passdev", "--region", "us-east-1", "--default")
    assert again.code == 0 and "nothing changed" in again.output
    assert sorted(p.name for p in no_ecs_cli.iterdir()) == before


def test_other_keys_replace_the_profile_as_ecs_cli_does_after_a_backup(  # type: ignore[no-untyped-def]
    cli, no_ecs_cli: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("configure", "profile", "pass", "--default").code == 0
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAOTHEROTHEROTHER1")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "otherSecretKey")
    refused = cli("configure", "profile", "pass")
    assert refused.code == 5 and "needs confirmation" in refused.output  # other keys: asked, not replaced
    assert (no_ecs_cli / "credentials").read_text() == _recorded_file("03-cat-credentials")
    done = cli("configure", "profile", "pass", "--yes")
    assert done.code == 0, done.output
    assert (no_ecs_cli / "credentials").read_text() == _recorded_file("05-configure-profile-overwrite-other-key")
    (saved,) = no_ecs_cli.glob("credentials.bak.*")
    assert saved.read_text() == _recorded_file("03-cat-credentials")
    assert "otherSecretKey" not in done.output and SECRET_KEY not in done.output


def test_dry_run_says_what_it_would_write_and_writes_nothing(cli, no_ecs_cli: Path) -> None:  # type: ignore[no-untyped-def]
    shown = cli("--dry-run", "configure", "cluster", "passdev", "--cluster", "passdev", "--region", "us-east-1")
    assert shown.code == 0
    assert "would store cluster configuration passdev in ~/.ecs/config" in shown.output
    assert not (no_ecs_cli / "config").exists()


def test_configure_default_and_a_session_token(cli, no_ecs_cli: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    for name in ("pass", "passdev"):
        assert cli("configure", "cluster", name, "--cluster", name, "--region", "us-east-1").code == 0
    assert yaml.safe_load((no_ecs_cli / "config").read_text())["default"] == "pass"  # the first and only one
    assert cli("configure", "default", "passdev").code == 0
    assert (no_ecs_cli / "config").read_text() == _recorded_file("13-cat-config")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "IQoJb3JpZ2luX2VjEXAMPLETOKEN")
    assert cli("configure", "profile", "temp").code == 0
    profiles = yaml.safe_load((no_ecs_cli / "credentials").read_text())
    assert profiles == {
        "version": "v1",
        "default": "temp",
        "ecs_profiles": {
            "temp": {
                "aws_access_key_id": ACCESS_KEY,
                "aws_secret_access_key": SECRET_KEY,
                "aws_session_token": "IQoJb3JpZ2luX2VjEXAMPLETOKEN",
            }
        },
    }


def test_a_rewrite_keeps_the_other_entries_fields_ecs_cli_knows_and_drops_the_rest(no_ecs_cli: Path) -> None:
    from passecs.files.ecs import ClusterConfiguration, read_cluster_configurations

    no_ecs_cli.mkdir()
    (no_ecs_cli / "config").write_text(
        "version: v1\ndefault: old\nclusters:\n  old:\n    cluster: old\n    region: eu-west-1\n"
        "    cfn-stack-name: my-stack\n    default_launch_type: EC2\n    color: blue\n"
    )
    ecs_writer.save_cluster(no_ecs_cli, ClusterConfiguration("new", "new", "us-east-1", "FARGATE"))
    text = (no_ecs_cli / "config").read_text()
    assert "color" not in text  # ecs-cli unmarshals into its struct: unknown keys do not survive
    configs = read_cluster_configurations(no_ecs_cli)
    assert configs.default == "old"  # two entries now: the default stays
    assert configs.clusters["old"] == ClusterConfiguration("old", "old", "eu-west-1", "EC2", cfn_stack_name="my-stack")
    assert configs.clusters["new"] == ClusterConfiguration("new", "new", "us-east-1", "FARGATE")


def test_a_config_that_does_not_read_is_never_replaced(cli, no_ecs_cli: Path) -> None:  # type: ignore[no-untyped-def]
    no_ecs_cli.mkdir()
    (no_ecs_cli / "config").write_text("[ecs]\ncluster = pass\nregion = us-east-1\n")
    refused = cli("configure", "cluster", "pass", "--cluster", "pass", "--region", "us-east-1", "--yes")
    assert refused.code == 3 and "legacy INI format" in refused.output
    assert (no_ecs_cli / "config").read_text().startswith("[ecs]")


@given(st.text(min_size=0, max_size=60))
def test_every_value_reads_back_as_written(value: str) -> None:
    text = ecs_writer.credentials_text(value, {value: {"aws_access_key_id": value, "aws_secret_access_key": value}})
    data = yaml.safe_load(text)
    assert data["default"] == value
    assert data["ecs_profiles"][value]["aws_secret_access_key"] == value


def test_plain_values_stay_plain_as_yaml_v2_writes_them() -> None:
    assert ecs_writer.scalar("us-east-1") == "us-east-1"
    assert ecs_writer.scalar(SECRET_KEY) == SECRET_KEY
    assert ecs_writer.scalar("") == '""'  # default_launch_type: "" when none was given
    assert ecs_writer.scalar("true") == '"true"' and ecs_writer.scalar("123") == '"123"'
