"""The project name, chosen as ecs-cli chooses it: -p, COMPOSE_PROJECT_NAME, (PASSECS_PROJECT_NAME), the folder."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from passecs.core.errors import InvalidInput
from passecs.files.naming import project_name
from tests.conftest import recording

FILES = ("docker-compose.yml", "docker-compose-ecs.yml")


def test_the_folder_of_the_first_compose_file(tmp_path: Path) -> None:
    folder = tmp_path / "pass-demo-docker"
    folder.mkdir()
    chosen = project_name(None, {}, folder, FILES)
    assert (chosen.name, chosen.source) == ("pass-demo-docker", "the folder of docker-compose.yml")


def test_a_first_file_elsewhere_names_its_own_folder(tmp_path: Path) -> None:
    (tmp_path / "ops" / "stack").mkdir(parents=True)
    assert project_name(None, {}, tmp_path, ("ops/stack/compose.yml", "x.yml")).name == "stack"
    assert project_name(None, {}, tmp_path / "ops", (str(tmp_path / "abs" / "c.yml"),)).name == "abs"


def test_precedence_option_then_compose_project_name_then_the_deprecated_alias(tmp_path: Path) -> None:
    env = {"COMPOSE_PROJECT_NAME": "from-env", "PASSECS_PROJECT_NAME": "old"}
    assert project_name("flag", env, tmp_path, FILES).name == "flag"
    assert project_name(None, env, tmp_path, FILES).name == "from-env"
    old = project_name(None, {"PASSECS_PROJECT_NAME": "old"}, tmp_path, FILES)
    assert (old.name, old.deprecated) == ("old", True)
    # empty values do not count, as in ecs-cli (`if envProject != ""`)
    assert project_name(" ", {"COMPOSE_PROJECT_NAME": ""}, tmp_path / "x", FILES).name == "x"


@pytest.mark.parametrize("bad", ["my.app", "has space", "ünï", "a" * 256])
def test_a_name_that_cannot_be_a_family_is_refused_naming_the_fix(tmp_path: Path, bad: str) -> None:
    with pytest.raises(InvalidInput) as err:
        project_name(bad, {}, tmp_path, FILES)
    assert repr(bad) in err.value.message and "--project-name" in (err.value.fix or "")


@given(st.from_regex(r"[A-Za-z0-9_-]{1,255}", fullmatch=True))
def test_every_valid_family_name_is_used_verbatim(name: str) -> None:
    assert project_name(name, {}, Path("/"), FILES).name == name


@pytest.fixture
def hand_run_folder(home: Path, project: Path, fake_ecs_cli: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The runbook's folder, pass-demo-docker, with ~/.ecs as the runbook leaves it (recording 13)."""
    (home / ".ecs").mkdir()
    (home / ".ecs" / "config").write_text(recording("13-cat-config")["out"], encoding="utf-8")
    monkeypatch.setenv("FAKE_ECS_CLI_POLL", "0")
    folder = project.with_name("pass-demo-docker")
    project.rename(folder)
    monkeypatch.chdir(home)
    return folder


def test_a_deployment_run_by_hand_is_the_one_passecs_sees(cli, hand_run_folder: Path, fake_ecs_cli: Path) -> None:  # type: ignore[no-untyped-def]
    # the runbook by hand: ecs-cli compose up in the folder, no --project-name (ecs-params' ids exported)
    env = {**os.environ, "PASS_SUBNET_ID": "subnet-0a", "PASS_SECURITY_GROUP_ID": "sg-0a"}
    by_hand = subprocess.run(
        [str(fake_ecs_cli), "compose", "-f", "docker-compose.yml", "-f", "docker-compose-ecs.yml", "up"],
        cwd=hand_run_folder, env=env, capture_output=True, text=True, check=False,
    )
    assert by_hand.returncode == 0, by_hand.stdout
    seen = json.loads(cli("-C", str(hand_run_folder), "ps", "--json").stdout)
    assert {c["task_definition"] for c in seen} == {"pass-demo-docker:1"}
    out = cli("-C", str(hand_run_folder), "up")
    assert out.code == 0, out.stderr
    assert "project pass-demo-docker (from the folder of docker-compose.yml)" in out.output
    after = json.loads(cli("-C", str(hand_run_folder), "ps", "--json").stdout)
    assert {c["task_id"] for c in after} == {c["task_id"] for c in seen}  # same files: the same task is kept
    # the old name stays reachable with -p
    assert cli("-C", str(hand_run_folder), "-p", "pass", "ps", "--json").stdout.strip() in ("", "[]")
