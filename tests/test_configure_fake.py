"""The fake ecs-cli's ``configure`` family against the recordings of the real one (01-22, 97).

The recorded session is replayed in order on a private HOME: every stdout (time stamps aside), exit code
and file written must be what the real ecs-cli printed and wrote.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ACCESS_KEY, SECRET_KEY, recording

TIME = re.compile(r'time="([^"]*)"')
CREDS = ["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY]


def _configure_cluster(cluster: str, launch_type: str, config_name: str, *extra: str) -> list[str]:
    """argv of `ecs-cli configure --cluster ... --region us-east-1 --config-name ...` as recorded."""
    where = ["--region", "us-east-1", "--config-name", config_name]
    return ["configure", "--cluster", cluster, "--default-launch-type", launch_type, *where, *extra]


# (recording, argv after "ecs-cli", home: "main"|"scratch", env changes, file to append like `&& cat`)
SESSION: list[tuple[str, list[str], str, dict[str, str | None], str | None]] = [
    ("01-configure-profile", ["configure", "profile", "--profile-name", "pass", *CREDS], "main", {}, None),
    ("02-configure-profile-default", ["configure", "profile", "default", "--profile-name", "pass"], "main", {}, None),
    ("03-cat-credentials", [], "main", {}, "credentials"),
    ("04-configure-profile-again", ["configure", "profile", "--profile-name", "pass", *CREDS], "main", {}, None),
    (
        "05-configure-profile-overwrite-other-key",
        [
            "configure",
            "profile",
            "--profile-name",
            "pass",
            "--access-key",
            "AKIAOTHEROTHEROTHER1",
            "--secret-key",
            "otherSecretKey",
        ],
        "main",
        {},
        "credentials",
    ),
    (
        "06-configure-profile-restore",
        ["configure", "profile", "--profile-name", "pass", *CREDS],
        "main",
        {},
        "credentials",
    ),
    (
        "07-configure-profile-force-flag",
        ["configure", "profile", "--profile-name", "pass", *CREDS, "--force"],
        "main",
        {},
        None,
    ),
    (
        "08-configure-profile-missing-secret",
        ["configure", "profile", "--profile-name", "pass2", "--access-key", ACCESS_KEY],
        "scratch",
        {"AWS_SECRET_ACCESS_KEY": None},
        None,
    ),
    (
        "08b-configure-profile-secret-from-env",
        ["configure", "profile", "--profile-name", "pass2", "--access-key", ACCESS_KEY],
        "scratch",
        {},
        "credentials",
    ),
    (
        "09-configure-profile-default-unknown",
        ["configure", "profile", "default", "--profile-name", "nosuchprofile"],
        "main",
        {},
        None,
    ),
    (
        "10-configure-cluster-pass",
        _configure_cluster("pass", "FARGATE", "pass"),
        "main",
        {},
        None,
    ),
    (
        "11-configure-cluster-passdev",
        _configure_cluster("passdev", "FARGATE", "passdev"),
        "main",
        {},
        None,
    ),
    ("12-configure-default-passdev", ["configure", "default", "--config-name", "passdev"], "main", {}, None),
    ("13-cat-config", [], "main", {}, "config"),
    (
        "14-configure-cluster-pass-again",
        _configure_cluster("pass", "FARGATE", "pass"),
        "main",
        {},
        "config",
    ),
    (
        "15-configure-cluster-force-flag",
        _configure_cluster("pass", "FARGATE", "pass", "--force"),
        "main",
        {},
        None,
    ),
    ("16-configure-default-unknown", ["configure", "default", "--config-name", "nosuchconfig"], "main", {}, None),
    (
        "17-configure-bad-launch-type",
        _configure_cluster("pass", "EC3", "badlt"),
        "main",
        {},
        None,
    ),
    (
        "18-configure-missing-cluster",
        ["configure", "--default-launch-type", "FARGATE", "--region", "us-east-1", "--config-name", "nocluster"],
        "main",
        {},
        None,
    ),
    (
        "19-configure-missing-region",
        ["configure", "--cluster", "pass", "--default-launch-type", "FARGATE", "--config-name", "noregion"],
        "main",
        {},
        None,
    ),
    (
        "20-configure-missing-config-name",
        ["configure", "--cluster", "pass", "--default-launch-type", "FARGATE", "--region", "us-east-1"],
        "scratch",
        {},
        "config",
    ),
    (
        "21-configure-lowercase-launch-type",
        _configure_cluster("pass", "fargate", "lower"),
        "main",
        {},
        None,
    ),
    ("22-cat-config-after-errors", [], "main", {}, "config"),
]


def _normalize(text: str) -> str:
    return TIME.sub('time="T"', text)


def _command_line(argv: list[str]) -> str:
    return (
        " ".join(["ecs-cli", *argv])
        .replace(ACCESS_KEY, "$AWS_ACCESS_KEY_ID")
        .replace(SECRET_KEY, "$AWS_SECRET_ACCESS_KEY")
    )


def test_session_table_matches_the_recorded_commands() -> None:
    for name, argv, _, _, _ in SESSION:
        if argv:
            assert _command_line(argv) in recording(name)["cmd"], name


def test_replay_of_the_recorded_session(fake_ecs_cli: Path, home: Path, tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    base_env = dict(os.environ, TZ="UTC", AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY)
    for name, argv, where, changes, cat in SESSION:
        target = home if where == "main" else scratch
        if where == "scratch":  # the recording copied the operator's ~/.ecs to the scratch home first
            shutil.rmtree(scratch / ".ecs", ignore_errors=True)
            shutil.copytree(home / ".ecs", scratch / ".ecs")
        env = dict(base_env, HOME=str(target))
        for key, value in changes.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        stdout, code = "", 0
        if argv:
            done = subprocess.run([str(fake_ecs_cli), *argv], env=env, capture_output=True, text=True, check=False)
            stdout, code = done.stdout, done.returncode
            assert done.stderr == "", name
            for stamp in TIME.findall(stdout):
                assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp), stamp
        if cat:
            stdout += (target / ".ecs" / cat).read_text(encoding="utf-8")
        rec = recording(name)
        assert _normalize(stdout) == _normalize(rec["out"]), name
        assert code == int(rec["rc"]), name

    # 97: both files, and their modes, as the real one left them
    final = recording("97-cat-config-final")["out"].split("---\n")
    assert (home / ".ecs" / "config").read_text() == final[0]
    assert (home / ".ecs" / "credentials").read_text() == final[1]
    for line in final[2].splitlines():
        if line.endswith((" config", " credentials")):
            mode, size, file = line.split()[0], int(line.split()[4]), line.split()[-1]
            path = home / ".ecs" / file
            assert stat.filemode(path.stat().st_mode) == mode
            assert path.stat().st_size == size


def test_unknown_subcommand_help_and_session_token(fake_ecs_cli: Path, home: Path) -> None:
    env = dict(os.environ, TZ="UTC", AWS_SESSION_TOKEN="tok", AWS_ACCESS_KEY_ID="ASIAX", AWS_SECRET_ACCESS_KEY="s")
    done = subprocess.run(
        [str(fake_ecs_cli), "configure", "--help"], env=env, capture_output=True, text=True, check=False
    )
    assert done.stdout == recording("00-ecs-cli-configure-help")["out"]
    subprocess.run(
        [str(fake_ecs_cli), "configure", "profile", "--profile-name", "t"], env=env, check=True, capture_output=True
    )
    assert (home / ".ecs" / "credentials").read_text() == (
        "version: v1\ndefault: t\necs_profiles:\n  t:\n    aws_access_key_id: ASIAX\n    aws_secret_access_key: s\n"
        "    aws_session_token: tok\n"
    )


@pytest.mark.parametrize(
    ("names", "order"),
    [(["passdev", "pass2", "pass"], ["pass", "pass2", "passdev"]), (["a10", "a9", "a_b"], ["a_b", "a9", "a10"])],
)
def test_yaml_v2_key_order(names: list[str], order: list[str]) -> None:
    import functools
    import sys

    from tests.conftest import FAKES

    sys.path.insert(0, str(FAKES))
    try:
        from ecs_cli import configure
    finally:
        sys.path.remove(str(FAKES))
    key = functools.cmp_to_key(lambda x, y: -1 if configure._go_less(x, y) else 1)
    assert sorted(names, key=key) == order
