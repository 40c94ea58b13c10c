"""The aws backend's task definition is the one ecs-cli registered (recording 51) for the same files."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from passecs.backends.aws.taskdef import build_task_definition, differs, normalize
from passecs.core.errors import InvalidInput
from passecs.files.project import load_project
from tests.conftest import SHARED, recording

INPUTS = SHARED / "inputs"


def recorded() -> dict[str, Any]:
    return dict(json.loads(recording("51-aws-ecs-describe-task-definition")["out"])["taskDefinition"])


def built(project_dir: Path = INPUTS, env: dict[str, str] | None = None) -> dict[str, Any]:
    project = load_project(project_dir, env=env or {})
    return build_task_definition(project, "pass", launch_type="FARGATE")


def test_task_level_fields_match_recording_51() -> None:
    ours, theirs = built(), recorded()
    for field in ("family", "networkMode", "requiresCompatibilities", "cpu", "memory", "executionRoleArn"):
        assert ours[field] == theirs[field], field
    assert ours["taskRoleArn"] == theirs["taskRoleArn"] == ""
    assert ours["volumes"] == theirs["volumes"] == []


def test_every_container_matches_recording_51_field_for_field() -> None:
    ours = {c["name"]: c for c in built()["containerDefinitions"]}
    theirs = {c["name"]: c for c in recorded()["containerDefinitions"]}
    assert sorted(ours) == sorted(theirs) == ["ember", "fcrepo", "ftpserver", "submission"]
    for name, container in theirs.items():
        # the named fields first, for a readable failure; then everything ecs-cli sent
        for field in ("name", "image", "cpu", "portMappings", "essential", "environment", "logConfiguration"):
            assert ours[name][field] == container[field], (name, field)
        assert ours[name].get("memory") == container.get("memory"), name  # 1024 for two, absent for two
        assert ours[name] == container, name


def test_environment_keeps_the_env_file_order() -> None:
    # ecs-cli kept .env's order for every container; containers themselves came in Go's map order
    names = [e["name"] for e in built()["containerDefinitions"][0]["environment"]]
    assert names[:3] == ["LOCAL_FTP_SERVER", "FTP_SERVER_PORT", "PY_CGI_PORT"] and len(names) == 10


def test_the_registered_revision_does_not_differ() -> None:
    assert differs(built(), recorded()) is False


def test_a_changed_image_differs() -> None:
    changed = copy.deepcopy(recorded())
    changed["containerDefinitions"][0]["image"] = "pass/fcrepo:other"
    assert differs(built(), changed) is True


def test_aws_normal_forms_do_not_differ() -> None:
    # what real AWS answers for the same input: memory in MiB, cpu 0 and empty lists dropped, other order
    aws_form = copy.deepcopy(recorded())
    aws_form["memory"] = "8192"
    for container in aws_form["containerDefinitions"]:
        for key in ("links", "entryPoint", "command", "dnsServers", "dockerLabels"):
            container.pop(key)
        container["environment"].reverse()
    aws_form["containerDefinitions"].reverse()
    assert normalize(built()) == normalize(aws_form)
    assert differs(built(), aws_form) is False


def test_no_registered_revision_or_inactive_differs() -> None:
    assert differs(built(), None) is True
    assert differs(built(), {**recorded(), "status": "INACTIVE"}) is True


def test_ecs_params_are_expanded_from_the_environment(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(INPUTS, project)
    params = (project / "ecs-params.yml").read_text().replace("ecsExecutionRole", "${ROLE}")
    (project / "ecs-params.yml").write_text(params)
    assert built(project, {"ROLE": "arn:aws:iam::123456789012:role/x"})["executionRoleArn"].endswith("role/x")


def test_a_container_without_memory_gets_512_when_the_task_has_none(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(INPUTS, project)
    (project / "ecs-params.yml").unlink()
    containers = {c["name"]: c for c in built(project)["containerDefinitions"]}
    assert containers["ftpserver"]["memory"] == 512 and containers["fcrepo"]["memory"] == 1024


def test_volumes_are_converted_not_dropped(tmp_path: Path) -> None:
    # ecs-cli converts host volumes to a task volume and a mount point (taskdefs case 08)
    project = tmp_path / "p"
    shutil.copytree(INPUTS, project)
    with (project / "docker-compose-ecs.yml").open("a") as f:
        f.write("\n  extra:\n    image: x\n    volumes:\n      - /data:/data:ro\n")
    definition = built(project)
    extra = next(c for c in definition["containerDefinitions"] if c["name"] == "extra")
    assert extra["mountPoints"] == [{"sourceVolume": "volume-0", "containerPath": "/data", "readOnly": True}]
    assert definition["volumes"] == [{"name": "volume-0", "host": {"sourcePath": "/data"}}]


def test_what_ecs_cli_refuses_is_refused_before_building(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(INPUTS, project)
    with (project / "docker-compose-ecs.yml").open("a") as f:
        f.write("\n  extra:\n    image: x\n    healthcheck:\n      test: [CMD, true]\n")
    with pytest.raises(InvalidInput, match="Unsupported config option for extra service: 'healthcheck'"):
        built(project)
