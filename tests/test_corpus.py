"""Every case of tests/data/ecs-cli/taskdefs: the aws backend builds what the real ecs-cli 1.21.0 registered.

Per case (see tests/data/ecs-cli/taskdefs/README.md): ecs-cli ran with a few variables set; where it
registered a task definition, ours equals ``expected.json`` once the lists Go fills in map order are
compared as sets (containers and volumes by name, v3 environments, device permissions); where it
refused, passecs refuses with InvalidInput (exit 3) before building anything. The warnings ecs-cli
printed (``level=warning`` lines of ``ecs-cli.out``) are the warnings passecs reports.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from passecs.backends.aws.taskdef import build_task_definition
from passecs.core.errors import ExitCode, InvalidInput
from passecs.files.project import load_project
from tests.conftest import ROOT

CASES = ROOT / "tests" / "data" / "ecs-cli" / "taskdefs" / "cases"
# the environment ecs-cli ran with (README "Environment")
ENV = {
    "LAB_SUBNET": "subnet-0a1b2c3d4e5f60718",
    "LAB_SG": "sg-0123456789abcdef0",
    "RETRY_LIMIT": "5",
    "DEPLOY_STAGE": "staging",
    "BUILD_SHA": "3f9c2e1",
}
FILES = ["docker-compose.yml", "docker-compose-ecs.yml"]
_WARNING = re.compile(r'^time="[^"]*" level=warning (?P<rest>.*)$')


def case_dirs() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if p.is_dir())


def _by_name(items: list[Any]) -> list[Any]:
    return sorted(items, key=lambda i: str(i.get("name", "")))


def comparable(definition: dict[str, Any], v3: bool) -> dict[str, Any]:
    """``definition`` with the Go-map-ordered lists sorted (README "Comparing")."""
    data: dict[str, Any] = json.loads(json.dumps(definition))
    for container in data.get("containerDefinitions", []):
        if v3:
            container["environment"] = _by_name(container.get("environment", []))
        for device in container.get("linuxParameters", {}).get("devices", []):
            if "permissions" in device:
                device["permissions"] = sorted(device["permissions"])
    data["containerDefinitions"] = _by_name(data.get("containerDefinitions", []))
    data["volumes"] = _by_name(data.get("volumes", []))
    return data


def recorded_warnings(case: Path) -> list[str]:
    lines = (case / "ecs-cli.out").read_text(encoding="utf-8").splitlines()
    return sorted(m.group("rest") for line in lines if (m := _WARNING.match(line)))


@pytest.mark.parametrize("case", case_dirs(), ids=lambda p: p.name)
def test_case_matches_ecs_cli(case: Path) -> None:
    refused = (case / "ecs-cli.rc").read_text().strip() != "0"
    try:
        project = load_project(case, files=FILES, env=ENV)
        built = build_task_definition(project, case.name, launch_type="FARGATE")
    except InvalidInput as exc:
        assert refused, f"passecs refused what ecs-cli registered: {exc.message}"
        assert exc.code == ExitCode.INVALID_INPUT
        return
    assert not refused, "passecs built a task definition ecs-cli refused"
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    v3 = project.kind == "v3"
    assert comparable(built, v3) == comparable(expected, v3)
    ours = sorted(n.ecs_cli for n in project.warnings if n.ecs_cli)
    assert ours == recorded_warnings(case)


@pytest.mark.parametrize(
    "case", [c for c in case_dirs() if (c / "ecs-cli.rc").read_text().strip() != "0"], ids=lambda p: p.name
)
def test_refusal_names_ecs_cli_reason(case: Path) -> None:
    out = (case / "ecs-cli.out").read_text(encoding="utf-8")
    reason = re.search(r'level=fatal msg="[^"]*" error="(?P<e>(?:[^"\\]|\\.)*)"', out)
    assert reason is not None
    with pytest.raises(InvalidInput) as err:
        project = load_project(case, files=FILES, env=ENV)
        warnings = sorted(n.ecs_cli for n in project.warnings if n.ecs_cli)
        # the warnings ecs-cli printed before giving up
        assert warnings == recorded_warnings(case)
        build_task_definition(project, case.name)
    text = reason.group("e").replace('\\"', '"')
    # ecs-cli's reason, without Go's error-wrapping details
    assert text.split(": strconv")[0] in err.value.message
