"""deploy and plan: the whole runbook, end to end (fake ecs-cli, the real aws CLI against moto_server)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SECRET_KEY, MotoServer, write_runbook_ecs_home

RUNBOOK = ROOT / "tests" / "data" / "runbook" / "PASS-ECS-RUNBOOK.md"


@pytest.fixture
def ecs_home(home: Path) -> Path:
    """~/.ecs as the runbook leaves it: profile `pass`, configurations `pass` and `passdev` (default)."""
    return write_runbook_ecs_home(home)


@pytest.fixture
def ready(
    ecs_home: Path, project: Path, fake_ecs_cli: Path, moto: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.chdir(project)
    monkeypatch.setenv("FAKE_ECS_CLI_POLL", "0")
    return project


def _calls(state: Path) -> list[list[str]]:
    path = state / "calls.jsonl"
    return [json.loads(line)["argv"] for line in path.read_text().splitlines()] if path.exists() else []


def _deploy_json(cli: Any) -> dict[str, Any]:
    """`passecs deploy --json`, which must succeed; its report."""
    out = cli("deploy", "--json")
    assert out.code == 0, out.stderr
    report: dict[str, Any] = json.loads(out.stdout)
    return report


def _steps(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(s["step"], s["outcome"]) for s in report["steps"]]


def test_deploy_twice_second_changes_nothing(cli, ready: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    report = _deploy_json(cli)
    assert _steps(report) == [("doctor", "done"), ("iam ensure-role", "done"), ("up", "done")]
    assert report["changed"] is True
    assert {c["container"] for c in report["containers"]} == {"fcrepo", "ember", "ftpserver", "submission"}
    assert all(c["state"] == "RUNNING" for c in report["containers"])
    assert len(report["endpoints"]) == 7  # one per published port, per service
    assert "passecs logs ember" in report["logs_commands"]
    calls_first = _calls(tmp_path / "fake-ecs-state")

    again = _deploy_json(cli)
    assert _steps(again) == [("doctor", "done"), ("iam ensure-role", "already in place"), ("up", "already in place")]
    assert again["changed"] is False
    assert {c["task_id"] for c in again["containers"]} == {c["task_id"] for c in report["containers"]}

    # no ecs-cli call twice where once would do: ps (what runs?), up; no ps after up, since ecs-cli kept the
    # tasks the first ps showed RUNNING (the answer is known); deploy's doctor does not ask for versions
    calls = _calls(tmp_path / "fake-ecs-state")[len(calls_first) :]
    kinds = [next((a for a in argv if a in ("--version", "up", "ps", "down")), argv[0]) for argv in calls]
    assert kinds == ["ps", "up"]


def test_deploy_human_output_says_nothing_changed(cli, ready: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("deploy").code == 0
    second = cli("deploy")
    assert second.code == 0
    assert "nothing changed: everything was already in place" in second.stdout
    assert re.search(r"^up\s+already in place", second.stdout, re.M)
    assert "http://" in second.stdout


def test_deploy_stops_at_doctor_and_changes_nothing(cli, ready: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (ready / "ecs-params.yml").write_text(
        (ready / "ecs-params.yml").read_text().replace("cpu_limit: 1024", "cpu_limit: 3000")
    )
    out = cli("deploy")
    assert out.code == 3
    assert "deploy: doctor found" in out.stderr
    assert "nothing was changed" in out.stderr
    assert not [a for a in _calls(tmp_path / "fake-ecs-state") if "up" in a]


def test_deploy_to_protected_configuration_needs_yes(cli, ready: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = cli("deploy", "-c", "pass")
    assert out.code == 5
    assert "protected" in out.stderr and "--yes" in out.stderr
    assert not _calls(tmp_path / "fake-ecs-state")  # refused before anything ran
    ok = cli("deploy", "-c", "pass", "--yes", "--json")
    assert ok.code == 0, ok.stderr
    report = json.loads(ok.stdout)
    assert report["cluster_config"] == "pass"
    assert {c["cluster"] for c in report["containers"]} == {"pass"}
    assert "passecs logs ember -c pass" in report["logs_commands"]


def test_deploy_never_shows_the_secret(cli, ready: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    out = cli("-v", "deploy", "--json")
    assert out.code == 0, out.stderr
    assert SECRET_KEY not in out.output


def _runbook_commands() -> list[str]:
    """The commands of the runbook, as written there (`> $ `cmd``)."""
    return re.findall(r"^> \$ `([^`]+)`", RUNBOOK.read_text(), re.M)


def test_plan_is_the_runbook_for_the_live_configuration(cli, ecs_home: Path, project: Path) -> None:  # type: ignore[no-untyped-def]
    out = cli("-C", str(project), "--backend", "ecs-cli", "plan")  # the runbook's own tool
    assert out.code == 0, out.stderr
    lines = [line for line in out.stdout.splitlines() if not line.startswith("#")]
    runbook = _runbook_commands()
    assert len(runbook) == 10

    def same(ours: str, theirs: str) -> bool:
        """Ours is the runbook's command with its placeholders filled in, and passecs's extra flags."""
        words = theirs.replace("profile_name", "pass").replace("config_name", "passdev")
        words = words.replace("cluster_name", "passdev").replace("configuration_name", "passdev")
        words = words.replace("task_id", '"$TASK_ID"').replace("$AWS_", '"$AWS_').replace("_ID ", '_ID" ')
        words = words.replace("$AWS_SECRET_ACCESS_KEY", '$AWS_SECRET_ACCESS_KEY"')
        wanted = words.split()
        have = ours.split()
        # every word of the runbook's command appears in ours, in the same order
        it = iter(have)
        return all(any(w == h for h in it) for w in wanted)

    for theirs in runbook:
        if theirs.startswith("ecs-cli configure default"):
            continue  # the default is already set in this configuration; covered below
        assert any(same(ours, theirs) for ours in lines), f"runbook command not in plan: {theirs}\n{out.stdout}"
    assert lines[0] == f"cd {project}"
    # numbered steps in runbook order
    titles = [line for line in out.stdout.splitlines() if line.startswith("# ")]
    # ... and last, a note (not a step) with the cost of running the task
    assert titles[-1].startswith("# cost: 1 vCPU, 8 GB in us-east-1") and "$54.75 for 30 days" in titles[-1]
    titles = titles[:-1]
    assert [t.split(".")[0] for t in titles[1:]] == [f"# {i}" for i in range(1, len(titles))]
    assert SECRET_KEY not in out.output


def test_plan_equals_deploy_dry_run_and_calls_nothing(
    cli, ecs_home: Path, project: Path, fake_ecs_cli: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    plan = cli("-C", str(project), "--backend", "ecs-cli", "plan", "-c", "pass")
    dry = cli("-C", str(project), "--backend", "ecs-cli", "--dry-run", "deploy", "-c", "pass")
    assert plan.code == dry.code == 0
    assert plan.stdout == dry.stdout
    assert "--cluster-config pass" in plan.stdout
    assert "ecs-cli configure default" not in plan.stdout  # -c pass: the default stays as it is
    assert not _calls(tmp_path / "fake-ecs-state")


def test_plan_without_configuration_uses_the_runbook_defaults(cli, home: Path, project: Path) -> None:  # type: ignore[no-untyped-def]
    out = cli("-C", str(project), "plan")
    assert out.code == 0, out.stderr
    assert "(not configured yet)" in out.stdout
    assert "ecs-cli configure --cluster passdev --default-launch-type FARGATE --region us-east-1" in out.stdout
