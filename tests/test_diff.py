"""diff's comparison (pure) on the task definition real ecs-cli registered (recording 51) and the one the
project's files give; history's records; rollback's choice of revision."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from passecs.backends.aws.taskdef import build_task_definition, differs
from passecs.core.errors import CommandFailed, UsageError
from passecs.files.project import load_project
from passecs.runbook import revisions
from passecs.runbook.diff import HIDDEN, Change, compare, mask_environment_value, render, render_change
from tests.conftest import SHARED, recording

ARN = "arn:aws:ecs:us-east-1:123456789012:task-definition/pass:{}"


def recorded() -> dict[str, Any]:
    return dict(json.loads(recording("51-aws-ecs-describe-task-definition")["out"])["taskDefinition"])


def built() -> dict[str, Any]:
    return build_task_definition(load_project(SHARED / "inputs", env={}), "pass", launch_type="FARGATE")


def _container(definition: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in definition["containerDefinitions"] if c["name"] == name)


def test_the_files_and_the_revision_ecs_cli_registered_do_not_differ() -> None:
    assert compare(recorded(), built()) == []
    assert differs(built(), recorded()) is False  # diff's "no change" is up's "nothing to register"


def test_a_changed_image_is_named_by_container_and_shortened_to_its_tag() -> None:
    files = built()
    running = recorded()
    old = _container(running, "ember")["image"]
    repository = old.rpartition(":")[0]
    _container(files, "ember")["image"] = f"{repository}:0.0.2-demo"
    changes = compare(running, files)
    assert changes == [Change("ember.image", "changed", old, f"{repository}:0.0.2-demo")]
    assert render(changes) == [f"ember.image: {old} → 0.0.2-demo"]
    assert differs(files, running) is True


def test_another_repository_is_shown_in_full() -> None:
    assert render_change(Change("ember.image", "changed", "pass/ember:1", "other/ember:2")) == (
        "ember.image: pass/ember:1 → other/ember:2"
    )


def test_environment_entries_by_name_added_removed_changed() -> None:
    files, running = built(), recorded()
    env = _container(files, "fcrepo")["environment"]
    first, second = env[0]["name"], env[1]["name"]
    env[0]["value"] = "changed-value"
    del env[1]
    env.append({"name": "NEW_SETTING", "value": "on"})
    lines = render(compare(running, files))
    old_first = next(e["value"] for e in _container(running, "fcrepo")["environment"] if e["name"] == first)
    old_second = next(e["value"] for e in _container(running, "fcrepo")["environment"] if e["name"] == second)
    assert f"fcrepo.environment.{first}: {old_first} → changed-value" in lines
    assert f"fcrepo.environment.{second}: removed (was {old_second})" in lines
    assert "fcrepo.environment.NEW_SETTING: added (on)" in lines
    assert len(lines) == 3


def test_the_order_aws_gives_back_is_no_difference() -> None:
    running = recorded()
    running["memory"] = "8192"  # AWS stores 8GB as MiB
    for container in running["containerDefinitions"]:
        container["environment"].reverse()
    running["containerDefinitions"].reverse()
    assert compare(running, built()) == []


def test_task_fields_ports_and_whole_containers() -> None:
    files, running = built(), recorded()
    files["memory"] = "4GB"
    _container(files, "ember")["portMappings"].append({"containerPort": 8443, "hostPort": 8443, "protocol": "tcp"})
    extra = copy.deepcopy(_container(files, "ember"))
    extra["name"] = "proxy"
    extra["image"] = "nginx:1.27"
    files["containerDefinitions"].append(extra)
    files["containerDefinitions"] = [c for c in files["containerDefinitions"] if c["name"] != "ftpserver"]
    lines = render(compare(running, files))
    assert "memory: 8192 → 4096" in lines
    assert 'ember.portMappings.8443/tcp: added ({"containerPort": 8443, "hostPort": 8443, "protocol": "tcp"})' in lines
    assert "proxy: container added (image nginx:1.27)" in lines
    ftp_image = _container(running, "ftpserver")["image"]
    assert f"ftpserver: container removed (image {ftp_image})" in lines
    assert len(lines) == 4


def test_no_registered_revision_adds_everything() -> None:
    changes = compare(None, built())
    paths = {c.path for c in changes}
    assert {"family", "cpu", "memory", "fcrepo", "ember"} <= paths
    assert all(c.kind == "added" for c in changes)


@pytest.mark.parametrize("name", ["DB_PASSWORD", "AWS_SECRET_ACCESS_KEY", "api_token", "PrivateKey", "GIT_CREDENTIALS"])
def test_secret_looking_values_are_never_shown(name: str) -> None:
    files, running = built(), recorded()
    _container(running, "submission")["environment"].append({"name": name, "value": "old-s3cr3t"})
    _container(files, "submission")["environment"].append({"name": name, "value": "new-s3cr3t"})
    _container(files, "ember")["environment"].append({"name": name, "value": "added-s3cr3t"})
    extra = copy.deepcopy(_container(files, "ember"))
    extra["name"] = "sidecar"
    files["containerDefinitions"].append(extra)
    changes = compare(running, files)
    text = "\n".join(render(changes)) + json.dumps([c.to_json() for c in changes])
    assert "s3cr3t" not in text
    assert f"submission.environment.{name}: changed (values hidden)" in text
    assert f"ember.environment.{name}: added ({HIDDEN})" in text


def test_mask_keeps_ordinary_values() -> None:
    assert mask_environment_value("FTP_SERVER_PORT", "21") == "21"
    assert mask_environment_value("MY_PASSWORD", "x") == HIDDEN


# ---------------------------------------------------------------------------------------------- history


def test_a_revision_record_from_recording_51() -> None:
    definition = recorded()
    revision = revisions.to_revision(definition, ["abc"])
    assert revision.name == "pass:1" and revision.revision == 1 and revision.running
    assert dict(revision.images) == {c["name"]: c["image"] for c in definition["containerDefinitions"]}
    assert revision.registered_at is None  # the recording (made against moto) has no registeredAt


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-01T10:20:30.123000+01:00", "2026-03-01T09:20:30+00:00"),  # aws CLI v2
        (1772360430.123, "2026-03-01T10:20:30+00:00"),  # aws CLI v1: epoch seconds
        (None, None),
    ],
)
def test_registration_times_from_either_aws_cli(value: Any, expected: str | None) -> None:
    assert revisions.iso_time(value) == expected


def test_history_renders_newest_first_with_the_running_one_marked() -> None:
    one = revisions.to_revision({**recorded(), "registeredAt": "2026-03-01T10:00:00Z"})
    two_def = recorded()
    two_def["taskDefinitionArn"] = ARN.format(2)
    two_def["revision"] = 2
    two = revisions.to_revision(two_def, ["task-2"])
    text = revisions.render_history(revisions.History("pass", (two, one), 3))
    lines = text.splitlines()
    assert lines[1].startswith("pass:2") and "RUNNING (task-2)" in lines[1]
    assert lines[2].split()[:2] == ["pass:1", "2026-03-01T10:00:00+00:00"] and "RUNNING" not in lines[2]
    assert lines[-1] == "(2 of 3 revisions; --limit N shows more)"


# ---------------------------------------------------------------------------------------------- rollback


ACTIVE = [ARN.format(n) for n in (5, 3, 2, 1)]  # newest first; 4 was deregistered


def test_rollback_goes_to_the_newest_active_revision_below_the_running_one() -> None:
    assert revisions.choose_revision(ACTIVE, [ARN.format(5)], "pass", None) == ARN.format(3)
    assert revisions.choose_revision(ACTIVE, [ARN.format(3)], "pass", None) == ARN.format(2)
    # two revisions run (an interrupted up): the newest one is "what runs"
    assert revisions.choose_revision(ACTIVE, [ARN.format(2), ARN.format(5)], "pass", None) == ARN.format(3)


@pytest.mark.parametrize("to", ["2", "pass:2", " 2 "])
def test_rollback_to_a_named_revision(to: str) -> None:
    assert revisions.choose_revision(ACTIVE, [ARN.format(5)], "pass", to) == ARN.format(2)


@pytest.mark.parametrize("to", ["4", "9", "other:2", "two", "0", "-1"])
def test_rollback_to_a_revision_that_is_not_there_is_a_usage_error(to: str) -> None:
    with pytest.raises(UsageError, match=f"--to {to}"):
        revisions.choose_revision(ACTIVE, [ARN.format(5)], "pass", to)


def test_rollback_without_a_previous_revision_says_so() -> None:
    with pytest.raises(CommandFailed, match="nothing of project pass runs"):
        revisions.choose_revision(ACTIVE, [], "pass", None)
    with pytest.raises(CommandFailed, match="no older active revision"):
        revisions.choose_revision(ACTIVE, [ARN.format(1)], "pass", None)


def test_rollback_is_checked_running_as_up_is(tmp_path: Any) -> None:
    from passecs.backends.ecscli.argv import ComposeTarget
    from passecs.core.context import Context
    from passecs.core.records import Container
    from passecs.runbook.compose import check_running

    ctx = Context(project_dir=tmp_path)
    target = ComposeTarget(files=("docker-compose.yml",), project_name="pass", cluster_config="passdev")
    ok = [Container("passdev", "t1", name, "RUNNING", "pass:1") for name in ("ember", "fcrepo")]
    check_running(ctx, target, ok, ["ember", "fcrepo"], action="rollback")
    died = [ok[0], Container("passdev", "t1", "fcrepo", "STOPPED", "pass:1", exit_code=137, reason="OOM")]
    with pytest.raises(CommandFailed) as caught:
        check_running(ctx, target, died, ["ember", "fcrepo"], action="rollback")
    assert caught.value.message == (
        "rollback: nothing runs as it should on cluster configuration 'passdev': "
        "container fcrepo of task t1 is STOPPED (exit 137, OOM), not RUNNING; "
        "no RUNNING container for service(s) fcrepo"
    )
    with pytest.raises(CommandFailed, match="no task of project 'pass' is running after rollback"):
        check_running(ctx, target, [], ["ember"], action="rollback")


def test_diff_reports_say_what_was_compared() -> None:
    change = Change("ember.image", "changed", "pass/ember:1", "pass/ember:2")
    running = revisions.DiffReport("pass", "pass:2", "running", (change,), ("t-1",), ("pass:1",))
    assert revisions.render_diff(running).splitlines() == [
        "(also running: pass:1; compared with the newest)",
        "1 difference between the files and pass:2, which runs now (task t-1):",
        "  ember.image: pass/ember:1 → 2",
    ]
    latest = revisions.DiffReport("pass", "pass:3", "latest", ())
    assert revisions.render_diff(latest) == (
        "no difference: the files give the task definition of pass:3, the family's latest revision (nothing runs)"
    )
    none = revisions.DiffReport("pass", None, "none", (change,))
    assert none.differs and revisions.render_diff(none).startswith("family pass has no revision yet")
    assert running.to_json()["changes"] == [change.to_json()] and running.to_json()["differs"] is True
