"""diff, history and rollback end to end: passecs in-process, the real aws CLI, the adjusted local emulator on
127.0.0.1 (as ``passecs --local`` runs them), and the project's own files changed between deploys."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

SERVICES = ["ember", "fcrepo", "ftpserver", "submission"]


def _set_image(project: Path, old: str, new: str) -> None:
    path = project / "docker-compose.yml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def _aws(*args: str) -> None:
    """The aws CLI against the emulator (the environment ``--local`` set up in this process)."""
    subprocess.run([sys.executable, "-m", "awscli", *args], check=True, capture_output=True, timeout=60)


def _calls(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("+ ")]


def test_diff_history_rollback(cli, rehearsal: Path, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    assert cli("local", "up").code == 0

    # nothing registered yet: everything would be new
    first = cli("--local", "diff", "--json")
    assert first.code == 7, first.stderr
    assert json.loads(first.stdout)["basis"] == "none"

    # revision 1, by the whole runbook: up prints the cost before it starts, deploy --json carries the figures
    deploy = cli("--local", "deploy", "--yes", "--json")
    assert deploy.code == 0, deploy.stderr
    assert "cost: 1 vCPU, 8 GB in us-east-1 (Fargate on-demand, Linux/x86): about $0.076 an hour, $54.75" in (
        deploy.stderr
    )
    figures = json.loads(deploy.stdout)["cost"]
    assert figures["region"] == "us-east-1" and figures["per_hour"] == 0.07604 and figures["per_30_days"] == 54.75
    same = cli("--local", "diff")
    assert same.code == 0, same.stderr
    assert same.stdout.startswith("no difference: the files give the task definition of pass:1, which runs now")

    # revision 2
    _set_image(project, "pass/ember-fcrepo:0.0.1-demo", "pass/ember-fcrepo:0.0.2-demo")
    changed = cli("-v", "--local", "diff")
    assert changed.code == 7, changed.stderr
    assert "ember.image: pass/ember-fcrepo:0.0.1-demo → 0.0.2-demo" in changed.stdout
    calls = _calls(changed.stderr)
    assert calls and not [c for c in calls if any(w in c for w in ("register-", "run-task", "stop-task", "create-"))]
    assert cli("--local", "up", "--yes").code == 0
    assert cli("--local", "diff").code == 0

    # the file changes again: diff names the field, in --json too
    _set_image(project, "pass/ftpserver:0.0.1-demo", "pass/ftpserver:0.0.9-demo")
    again = cli("--local", "diff", "--json")
    assert again.code == 7, again.stderr
    report = json.loads(again.stdout)
    assert report["against"] == "pass:2" and report["basis"] == "running" and report["differs"] is True
    assert report["changes"] == [
        {
            "path": "ftpserver.image",
            "change": "changed",
            "old": "pass/ftpserver:0.0.1-demo",
            "new": "pass/ftpserver:0.0.9-demo",
        }
    ]

    # history: two revisions, newest first, the running one marked
    history = cli("--local", "history", "--json")
    assert history.code == 0, history.stderr
    revisions = json.loads(history.stdout)["revisions"]
    assert [r["task_definition"] for r in revisions] == ["pass:2", "pass:1"]
    assert [r["running"] for r in revisions] == [True, False]
    assert revisions[0]["images"]["ember"] == "pass/ember-fcrepo:0.0.2-demo"
    assert revisions[1]["images"]["ember"] == "pass/ember-fcrepo:0.0.1-demo"
    assert all(r["registered_at"] and r["registered_at"].endswith("+00:00") for r in revisions)
    table = cli("--local", "history").stdout.splitlines()
    assert table[1].startswith("pass:2") and "RUNNING (" in table[1] and "RUNNING" not in table[2]
    limited = cli("--local", "history", "--limit", "1", "--json")
    assert limited.code == 0 and len(json.loads(limited.stdout)["revisions"]) == 1

    # the production guard: off a terminal, rollback needs --yes (exit 5) and changes nothing
    monkeypatch.setenv("PASSECS_PROTECTED_CLUSTERS", "passdev")
    refused = cli("--local", "rollback")
    assert refused.code == 5, refused.stderr
    assert "passecs rollback needs confirmation" in refused.stderr and "--yes" in refused.stderr
    running = json.loads(cli("--local", "ps", "--json").stdout)
    assert {c["task_definition"] for c in running} == {"pass:2"}

    # rollback: revision 1 runs, alone, RUNNING; started in ecs-cli's group so ecs-cli sees it
    back = cli("-v", "--local", "rollback", "--yes")
    assert back.code == 0, back.stderr
    assert back.stdout.startswith("rolled back: pass:1 runs in place of pass:2")
    run_task = [c for c in _calls(back.stderr) if " run-task " in c]
    assert len(run_task) == 1
    assert "--group task:pass" in run_task[0] and "--launch-type FARGATE" in run_task[0]
    assert "awsvpcConfiguration" in run_task[0] and "task-definition/pass:1" in run_task[0]
    ps = json.loads(cli("--local", "ps", "--json").stdout)
    assert sorted(c["container"] for c in ps) == SERVICES
    assert {c["state"] for c in ps} == {"RUNNING"} and {c["task_definition"] for c in ps} == {"pass:1"}
    assert len({c["task_id"] for c in ps}) == 1
    marked = json.loads(cli("--local", "history", "--json").stdout)["revisions"]
    assert [r["running"] for r in marked] == [False, True]

    # rolling back to what runs changes nothing; a revision that is not there is a usage error
    assert cli("--local", "rollback", "--to", "1", "--yes").code == 0
    missing = cli("--local", "rollback", "--to", "9", "--yes")
    assert missing.code == 2 and "family pass has no active revision 9" in missing.stderr

    # a revision that cannot start: rollback fails as up does, naming the task, AWS's reason and the fix
    _aws("logs", "delete-log-group", "--log-group-name", "pass")
    failed = cli("--local", "rollback", "--to", "2", "--yes")
    assert failed.code == 1, failed.stderr
    assert "stopped instead of running" in failed.stderr and "The specified log group does not exist" in failed.stderr
    assert "--create-log-groups" in failed.stderr
    _aws("logs", "create-log-group", "--log-group-name", "pass")

    # the ecs-cli backend rolls the same way (through the aws CLI; ecs-cli has no rollback), and diffs the same
    forward = cli("--backend", "ecs-cli", "rollback", "--to", "pass:2", "--yes")  # the env --local set still holds
    assert forward.code == 0, forward.stderr
    assert forward.stdout.startswith("rolled back: pass:2 runs (task ")  # nothing ran after the failure
    assert {c["task_definition"] for c in json.loads(cli("--local", "ps", "--json").stdout)} == {"pass:2"}
    differs = cli("--backend", "ecs-cli", "diff")
    assert differs.code == 7 and "ftpserver.image: pass/ftpserver:0.0.1-demo → 0.0.9-demo" in differs.stdout

    # the replaced tasks were told to stop (not waited for, as up does): let them finish before down checks
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        states = json.loads(cli("--local", "ps", "--all", "--json").stdout)
        if len({c["task_id"] for c in states if c["state"] != "STOPPED"}) == 1:
            break
        time.sleep(0.3)
    assert cli("--local", "down", "--yes").code == 0
    assert cli("local", "down").code == 0

