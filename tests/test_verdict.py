"""The failure verdict: the pure diagnosis on emulator-made task descriptions, and `up`/`deploy` end to end
with the real aws CLI against the local emulator (a container that logs a line and dies with exit 137)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from passecs.core.records import StoppedContainer, StoppedTask
from passecs.runbook import verdict

OOM_REASON = "OutOfMemoryError: Container killed due to memory usage"
PULL_REASON = (
    "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref "
    "docker.io/pass/ember-fcrepo:0.0.9-demo: not found"
)
LOG_GROUP_REASON = (
    "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: "
    "failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not "
    "exist. : exit status 1"
)


def _task(stop_code: str, reason: str, *containers: StoppedContainer) -> StoppedTask:
    return StoppedTask("0123abcd", "pass:3", stop_code, reason, containers)


def test_oom_exit_137_names_the_container_its_lines_and_the_memory_fix() -> None:
    ember = StoppedContainer(
        "ember", 137, OOM_REASON, log_lines=("starting", "heap full"), log_source="pass/ember/ember/0123abcd"
    )
    fcrepo = StoppedContainer("fcrepo", None, None, log_source="pass/fcrepo/fcrepo/0123abcd", log_note="it never ran")
    found = verdict.diagnose([_task("EssentialContainerExited", "Essential container in task exited", ember, fcrepo)])
    assert found.summary == "task 0123abcd stopped: Essential container in task exited; ember (exit 137)"
    assert [f.container for f in found.fixes] == ["ember"] and "mem_limit" in found.fixes[0].fix
    text = verdict.render(found)
    assert "container ember: exit 137; AWS: " + OOM_REASON in text
    assert "    | heap full" in text and "pass/ember/ember/0123abcd" in text
    assert "  never ran (stopped with the task): fcrepo" in text
    assert text.splitlines()[-1].startswith("likely fix: ember ran out of memory")
    doc = json.loads(json.dumps(found.to_json()))
    assert doc["tasks"][0]["containers"][0]["exit_code"] == 137
    assert doc["tasks"][0]["containers"][0]["log_lines"] == ["starting", "heap full"]


def test_exit_137_without_a_reason_is_still_called_a_kill() -> None:
    found = verdict.diagnose([_task("EssentialContainerExited", "Essential container in task exited",
                                    StoppedContainer("ember", 137))])  # fmt: skip
    assert "exit 137" in found.fixes[0].cause


@pytest.mark.parametrize(
    ("stop_code", "reason", "container_reason", "words"),
    [
        ("TaskFailedToStart", PULL_REASON, PULL_REASON, "image name and tag"),
        ("TaskFailedToStart", LOG_GROUP_REASON, None, "--create-log-groups"),
        ("TaskFailedToStart", "ECS was unable to assume the role 'arn:aws:iam::1:role/ecsExecutionRole'", None,
         "passecs iam ensure-role"),
    ],
)
def test_each_known_cause_has_its_fix(stop_code: str, reason: str, container_reason: str | None, words: str) -> None:
    found = verdict.diagnose([_task(stop_code, reason, StoppedContainer("ember", None, container_reason))])
    assert words in found.fixes[0].fix
    assert len(found.fixes) == 1  # the same fix is said once, though the task and container share the reason


def test_words_inside_other_words_do_not_match() -> None:
    found = verdict.diagnose([], ["ECS could not run the task: no room (Maybe later)"])
    assert found.fixes == ()  # "room" is not OOM


def test_an_essential_container_that_ends_with_exit_0_is_named() -> None:
    found = verdict.diagnose([_task("EssentialContainerExited", "Essential container in task exited",
                                    StoppedContainer("ftpserver", 0), StoppedContainer("ember", None))])  # fmt: skip
    assert [f.container for f in found.fixes] == ["ftpserver"] and "must keep running" in found.fixes[0].cause


def test_no_capacity_from_run_task_failures_alone() -> None:
    found = verdict.diagnose([], ["Couldn't run containers: RESOURCE:MEMORY"])
    assert found.summary == "Couldn't run containers: RESOURCE:MEMORY"
    assert "no capacity" in found.fixes[0].cause
    assert verdict.render(found).startswith("Couldn't run containers: RESOURCE:MEMORY")


def test_a_container_without_cloudwatch_logs_says_so() -> None:
    c = StoppedContainer("db", 1, None, log_note="it does not log to CloudWatch (log driver json-file)")
    task = _task("EssentialContainerExited", "Essential container in task exited", c)
    text = verdict.render(verdict.diagnose([task]))
    assert "logs: it does not log to CloudWatch (log driver json-file)" in text
    assert "db exited with code 1" in text


# ---------------------------------------------------------------------------------------------- end to end

OOM_ENV = """
    environment:
      PASSECS_EMULATOR_EXIT_CODE: "137"
      PASSECS_EMULATOR_REASON: "OutOfMemoryError: Container killed due to memory usage"
      PASSECS_EMULATOR_LOG: "ember: allocating 2 GiB for the asset cache"
"""


def test_up_against_the_emulator_reports_exit_137_the_reason_and_the_log_line(  # type: ignore[no-untyped-def]
    cli, rehearsal: Path, project: Path
) -> None:
    compose = project / "docker-compose-ecs.yml"
    compose.write_text(compose.read_text().replace("  ember:\n", "  ember:" + OOM_ENV, 1))
    assert cli("local", "up").code == 0

    out = cli("--local", "up", "--create-log-groups")
    assert out.code == 1, out.output
    assert "passecs: error: up: nothing runs as it should" in out.stderr
    assert "container ember: exit 137; AWS: OutOfMemoryError: Container killed due to memory usage" in out.stderr
    assert "Essential container in task exited" in out.stderr
    assert "| ember: allocating 2 GiB for the asset cache" in out.stderr
    assert "fix: ember ran out of memory and was killed" in out.stderr
    assert "Traceback" not in out.output

    again = cli("--local", "deploy", "--yes", "--json")
    assert again.code == 1, again.output
    doc = json.loads(again.stdout)
    assert doc["ok"] is False
    task = doc["verdict"]["tasks"][0]
    assert task["stop_code"] == "EssentialContainerExited"
    ember = next(c for c in task["containers"] if c["name"] == "ember")
    assert ember["exit_code"] == 137 and ember["reason"] == OOM_REASON
    assert ember["log_lines"] == ["ember: allocating 2 GiB for the asset cache"]
    others = [c for c in task["containers"] if c["name"] != "ember"]
    assert others and all(c["exit_code"] is None and c["log_note"] == "it never ran: no log lines" for c in others)
    assert doc["verdict"]["fixes"][0]["container"] == "ember"

    # after the failed deploy: the stopped task's lines, every container, each with its name
    previous = cli("--local", "logs", "--previous")
    assert previous.code == 0, previous.output
    assert "(the most recently stopped)" in previous.stderr
    assert previous.stdout.splitlines() == ["ember      | ember: allocating 2 GiB for the asset cache"]
    since = cli("--local", "logs", "--previous", "--since", "2000-01-01T00:00:00Z", "--timestamps")
    assert since.code == 0 and since.stdout.startswith("ember      | 20") and "\t" in since.stdout
    assert cli("--local", "logs", "--previous", "--since", "1h").stdout == previous.stdout

    # the ecs-cli backend describes the same stopped task through the aws CLI (ecs-cli shows no exit codes)
    from passecs.backends.ecscli.argv import ComposeTarget
    from passecs.backends.ecscli.backend import EcsCliBackend
    from passecs.core.context import Context

    ecscli = EcsCliBackend(Context(project_dir=project))  # the environment --local left in this process
    target = ComposeTarget(("docker-compose.yml", "docker-compose-ecs.yml"), "pass", "ecs-params.yml", None)
    newest = ecscli.previous_task(target)
    assert newest == task["task_id"]
    (described,) = ecscli.stopped_tasks(target, [newest])
    assert described.stop_code == "EssentialContainerExited"
    by_name = {c.name: c for c in described.containers}
    assert by_name["ember"].exit_code == 137 and by_name["ember"].log_lines == (
        "ember: allocating 2 GiB for the asset cache",
    )


def test_a_refused_run_task_gets_the_missing_role_fix_and_keeps_its_detail() -> None:
    from passecs.core.errors import CommandFailed
    from passecs.runbook.compose import _call_failed

    refused = CommandFailed(
        "aws ecs run-task failed: ClientException: ECS was unable to assume the role "
        "'arn:aws:iam::123456789012:role/ecsExecutionRole' that was provided for this task.",
        "check the cluster",
        detail="command: aws ecs run-task ... (exit 254)",
    )
    wrapped = _call_failed(refused)
    assert isinstance(wrapped, verdict.DeploymentFailed)
    assert wrapped.message == refused.message and wrapped.detail == refused.detail
    assert wrapped.fix is not None and "passecs iam ensure-role" in wrapped.fix
    other = CommandFailed("ecs-cli compose up failed: something new")
    assert _call_failed(other) is other  # nothing known: the error as it was
