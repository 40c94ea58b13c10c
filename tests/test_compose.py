"""up, ps, logs and down end to end: passecs in-process, the real process layer, the fake ecs-cli on PATH.

The fake (tests/fakes/ecs_cli/compose.py) replays the real ecs-cli's recorded output and keeps its tasks in
$FAKE_ECS_CLI_STATE, so up -> ps -> logs -> down chain; FAKE_ECS_CLI_SCENARIO makes it do what AWS sometimes
does (exit 0 although nothing runs, a hang).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SECRET_KEY, SHARED, recording, write_executable

from passecs.backends.ecscli import argv as ecscli
from passecs.core.errors import ExitCode

PASS_PORTS = {"8080", "61616", "61613", "80", "21", "8081", "5005"}
COMPOSE_PREFIX = ["compose", "-f", "docker-compose.yml", "-f", "docker-compose-ecs.yml", "--project-name", "pass",
                  "--ecs-params", "ecs-params.yml"]


@pytest.fixture
def env(home: Path, project: Path, fake_ecs_cli: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """~/.ecs/config as the runbook leaves it (recording 13: pass and passdev, default passdev); cwd elsewhere."""
    (home / ".ecs").mkdir()
    (home / ".ecs" / "config").write_text(recording("13-cat-config")["out"], encoding="utf-8")
    monkeypatch.setenv("FAKE_ECS_CLI_POLL", "0")
    monkeypatch.chdir(home)
    return project


def calls() -> list[dict]:
    path = Path(os.environ["FAKE_ECS_CLI_STATE"]) / "calls.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def subcommands() -> list[str]:
    return [next(a for a in c["argv"] if a in ("up", "ps", "down", "logs")) for c in calls()]


def run(cli, project: Path, *args: str):  # type: ignore[no-untyped-def]
    return cli("-C", str(project), *args)


@pytest.fixture
def failing_in_scenario(cli, env: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``failing_in_scenario("down-noop", "down")``: run passecs in ``env`` with the fake ecs-cli playing that
    scenario (FAKE_ECS_CLI_SCENARIO stays set); the outcome, which must be exit 1 (FAILED)."""

    def _run(scenario: str, *args: str):  # type: ignore[no-untyped-def]
        monkeypatch.setenv("FAKE_ECS_CLI_SCENARIO", scenario)
        out = run(cli, env, *args)
        assert out.code == ExitCode.FAILED
        return out

    return _run


# ---------------------------------------------------------------------------------------------- argv


def test_argv_builders_put_each_flag_where_ecs_cli_reads_it() -> None:
    target = ecscli.ComposeTarget(("a.yml", "b.yml"), "pass", "ecs-params.yml", "pass")
    assert ecscli.compose_up("ecs-cli", target, create_log_groups=True, force_update=True) == (
        "ecs-cli", "compose", "-f", "a.yml", "-f", "b.yml", "--project-name", "pass", "--ecs-params", "ecs-params.yml",
        "up", "--cluster-config", "pass", "--create-log-groups", "--force-update",
    )
    assert ecscli.compose_ps("ecs-cli", target, desired_status="RUNNING")[-5:] == (
        "ps", "--cluster-config", "pass", "--desired-status", "RUNNING",
    )
    default = ecscli.ComposeTarget(("docker-compose.yml",), "pass")
    assert ecscli.compose_down("ecs-cli", default) == (
        "ecs-cli", "compose", "-f", "docker-compose.yml", "--project-name", "pass", "down",
    )
    assert ecscli.logs("ecs-cli", task_id="t1", cluster_config="pass", container_name="ember", follow=True,
                       since=5, timestamps=True) == (
        "ecs-cli", "logs", "--task-id", "t1", "--cluster-config", "pass", "--container-name", "ember", "--follow",
        "--since", "5", "--timestamps",
    )
    with pytest.raises(ValueError):
        ecscli.compose_ps("ecs-cli", target, desired_status="running")


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("43-compose-up-create-log-groups-pass", lambda t: ecscli.compose_up("ecs-cli", t, create_log_groups=True)),
        ("57-compose-up-force-update-pass", lambda t: ecscli.compose_up("ecs-cli", t, force_update=True)),
        ("45-compose-ps-pass", lambda t: ecscli.compose_ps("ecs-cli", t)),
        ("58-compose-down-pass", lambda t: ecscli.compose_down("ecs-cli", t)),
    ],
)
def test_recorded_command_lines_are_what_the_builders_produce_plus_project_name(name: str, build) -> None:  # type: ignore[no-untyped-def]
    recorded = recording(name)["cmd"].splitlines()[-1].split()
    target = ecscli.ComposeTarget(("docker-compose.yml", "docker-compose-ecs.yml"), "pass", None, "pass")
    built = list(build(target))
    built.remove("--project-name")
    built.remove("pass")  # the first "pass" is the project name
    assert sorted(built) == sorted(recorded)
    assert built.index("up" if "up" in built else "ps" if "ps" in built else "down") == recorded.index(
        "up" if "up" in recorded else "ps" if "ps" in recorded else "down"
    )


# ---------------------------------------------------------------------------------------------- up


def test_up_on_the_default_configuration_shows_progress_checks_and_prints_endpoints(cli, env: Path) -> None:  # type: ignore[no-untyped-def]
    out = run(cli, env, "up")
    assert out.code == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 7
    assert {line.split(":")[-1] for line in lines} == PASS_PORTS
    endpoints = {line.split()[1].rsplit(":", 1)[1]: line.split()[1] for line in lines}
    assert {port for port, url in endpoints.items() if url.startswith("http://54.214.")} == {"8080", "80", "8081"}
    assert all(endpoints[p].startswith("54.214.") for p in ("61616", "61613", "21", "5005"))  # not URLs
    assert {line.split()[0] for line in lines} == {"fcrepo", "ember", "ftpserver", "submission"}
    assert "ignored by ecs-cli: build (4 services), depends_on (2 services)" in out.stderr
    assert "Skipping unsupported" not in out.stderr
    assert "task definition pass:1" in out.stderr
    assert "PENDING" in out.stderr and "RUNNING" in out.stderr
    # one ps before (tasks already running?), the up, one ps after (all RUNNING?)
    assert subcommands() == ["ps", "up", "ps"]
    ps_before, up, _ = calls()
    # the default configuration is resolved once (the guard's answer is about it) and named to every step
    pinned = ["--cluster-config", "passdev"]
    assert up["argv"] == [*COMPOSE_PREFIX, "up", *pinned]
    assert ps_before["argv"] == [*COMPOSE_PREFIX, "ps", *pinned, "--desired-status", "RUNNING"]
    assert Path(up["cwd"]).resolve() == env.resolve()


def test_up_passes_cluster_config_never_c_and_leaf_flags_after_up(cli, env: Path) -> None:  # type: ignore[no-untyped-def]
    out = run(cli, env, "up", "-c", "pass", "--yes", "--create-log-groups", "--force-update")
    assert out.code == 0, out.stderr
    up = calls()[1]["argv"]
    assert up == [*COMPOSE_PREFIX, "up", "--cluster-config", "pass", "--create-log-groups", "--force-update"]
    assert "-c" not in up
    assert "Created Log Group pass in us-east-1" in out.stderr
    ps = json.loads(run(cli, env, "ps", "-c", "pass", "--json").stdout)
    assert {c["cluster"] for c in ps} == {"pass"}


def test_up_again_says_it_replaces_running_tasks(cli, env: Path) -> None:  # type: ignore[no-untyped-def]
    assert run(cli, env, "up").code == 0
    first = {c["task_id"] for c in json.loads(run(cli, env, "ps", "--json").stdout)}
    again = run(cli, env, "up")
    assert again.code == 0
    assert "already run on cluster configuration 'passdev' (the default)" in again.stderr
    assert "up stops and replaces them if the task definition changed" in again.stderr
    assert "unchanged: the running task(s) were kept" in again.stderr
    assert {c["task_id"] for c in json.loads(run(cli, env, "ps", "--json").stdout)} == first

    forced = run(cli, env, "up", "--force-update")
    assert forced.code == 0, forced.stderr
    assert "up stops and replaces them now (--force-update)" in forced.stderr
    now = json.loads(run(cli, env, "ps", "--json").stdout)
    assert {c["task_id"] for c in now}.isdisjoint(first)
    every = json.loads(run(cli, env, "ps", "--all", "--json").stdout)
    assert {c["state"] for c in every if c["task_id"] in first} == {"STOPPED"}


def test_a_changed_compose_file_registers_a_new_revision_and_replaces_the_task(cli, env: Path) -> None:  # type: ignore[no-untyped-def]
    assert run(cli, env, "up").code == 0
    ecs = env / "docker-compose-ecs.yml"
    ecs.write_text(ecs.read_text(encoding="utf-8").replace("1073741824", "2147483648"), encoding="utf-8")
    out = run(cli, env, "up")
    assert out.code == 0, out.stderr
    assert "task definition pass:2" in out.stderr and "replacing them with pass:2" in out.stderr
    assert {c["task_definition"] for c in json.loads(run(cli, env, "ps", "--json").stdout)} == {"pass:2"}


def test_couldnt_run_containers_is_a_failure_although_ecs_cli_exits_0(failing_in_scenario) -> None:  # type: ignore[no-untyped-def]
    out = failing_in_scenario("resource-memory", "up")
    assert "ECS could not run the task: RESOURCE:MEMORY" in out.stderr
    assert "fix: the cluster had no capacity for the task" in out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""


def test_container_stopped_while_starting_is_a_failure_although_ecs_cli_exits_0(  # type: ignore[no-untyped-def]
    cli, env: Path, monkeypatch: pytest.MonkeyPatch, failing_in_scenario
) -> None:
    out = failing_in_scenario("container-stopped", "up")
    assert "stopped instead of running" in out.stderr
    assert "passecs ps --all" in out.stderr
    monkeypatch.delenv("FAKE_ECS_CLI_SCENARIO")
    stopped = json.loads(run(cli, env, "ps", "--all", "--json").stdout)
    assert {(c["state"], c["exit_code"]) for c in stopped} == {("STOPPED", 1), ("STOPPED", 137)}
    assert "STOPPED (exit 1)" in run(cli, env, "ps", "--all").stdout


def test_timeout_stops_ecs_cli_and_exits_6(cli, env: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FAKE_ECS_CLI_SCENARIO", "hang")
    started = time.monotonic()
    out = run(cli, env, "up", "--timeout", "2")
    assert out.code == ExitCode.TIMED_OUT == 6
    assert time.monotonic() - started < 10
    assert "timed out after" in out.stderr and "ecs-cli was stopped" in out.stderr
    assert "Traceback" not in out.stderr
    pid = int((Path(os.environ["FAKE_ECS_CLI_STATE"]) / "hang.pid").read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"the hanging ecs-cli (pid {pid}) is still alive")


def test_a_bad_timeout_is_a_usage_error(cli, env: Path) -> None:  # type: ignore[no-untyped-def]
    assert run(cli, env, "up", "--timeout", "0").code == ExitCode.USAGE
    assert calls() == []


def test_ecs_cli_fatal_lines_become_the_error_with_advice(cli, env: Path) -> None:  # type: ignore[no-untyped-def]
    shutil.copy(SHARED / "inputs" / "docker-compose-v37.yml", env / "v37.yml")
    out = run(cli, env, "up", "-f", "v37.yml")
    assert out.code == ExitCode.FAILED
    assert "Unsupported Docker Compose version found: 3.7" in out.stderr
    assert "fix: set version: '2'" in out.stderr
    assert calls()[0]["argv"][:3] == ["compose", "-f", "v37.yml"]


def test_missing_subnet_is_reported_from_ecs_cli(cli, env: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    shutil.copy(SHARED / "inputs" / "ecs-params-nosubnet.yml", env / "ecs-params.yml")
    out = run(cli, env, "up")
    assert out.code == 1
    assert "at least one subnet is required in the network configuration" in out.stderr
    assert "subnets in ecs-params.yml" in out.stderr


def test_missing_or_malformed_compose_files_are_invalid_input(cli, env: Path) -> None:  # type: ignore[no-untyped-def]
    out = run(cli, env, "up", "-f", "no-such-file.yml")
    assert out.code == ExitCode.INVALID_INPUT
    assert "no-such-file.yml: no such file" in out.stderr
    shutil.copy(SHARED / "inputs" / "docker-compose-malformed.yml", env / "bad.yml")
    out = run(cli, env, "up", "-f", "bad.yml")
    assert out.code == ExitCode.INVALID_INPUT
    assert "bad.yml: line 5" in out.stderr
    assert calls() == []


def test_unknown_cluster_configuration_is_invalid_input_listing_the_known_ones(cli, env: Path) -> None:  # type: ignore[no-untyped-def]
    out = run(cli, env, "ps", "-c", "nosuchconfig")
    assert out.code == ExitCode.INVALID_INPUT
    assert "known: pass, passdev" in out.stderr
    assert calls() == []


def test_compose_variables_in_the_environment_are_scrubbed(  # type: ignore[no-untyped-def]
    cli, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPOSE_FILE", "bogus.yml")
    monkeypatch.setenv("COMPOSE_PROJECT_NAME", "other")
    monkeypatch.setenv("ECS_CLUSTER", "elsewhere")
    out = run(cli, env, "up")
    assert out.code == 0, out.stderr
    containers = json.loads(run(cli, env, "ps", "--json").stdout)
    assert {c["cluster"] for c in containers} == {"passdev"}


def test_project_name_comes_from_passecs_project_name(cli, env: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PASSECS_PROJECT_NAME", "demo")
    assert run(cli, env, "up").code == 0
    assert all(c["argv"][c["argv"].index("--project-name") + 1] == "demo" for c in calls())
    assert {c["task_definition"] for c in json.loads(run(cli, env, "ps", "--json").stdout)} == {"demo:1"}


def test_dry_run_prints_up_and_down_without_running_them(cli, env: Path) -> None:  # type: ignore[no-untyped-def]
    out = run(cli, env, "--dry-run", "up", "-c", "pass")  # protected, but nothing changes: no confirmation
    assert out.code == 0, out.stderr
    assert "compose -f docker-compose.yml -f docker-compose-ecs.yml --project-name pass --ecs-params " \
           "ecs-params.yml up --cluster-config pass" in out.stdout
    out = run(cli, env, "--dry-run", "down")
    assert out.code == 0 and " down" in out.stdout
    assert "up" not in subcommands() and "down" not in subcommands()


def test_secrets_never_reach_output_or_argv(cli, env: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    out = run(cli, env, "-v", "up")
    assert out.code == 0
    assert SECRET_KEY not in out.output
    assert all(SECRET_KEY not in " ".join(c["argv"]) for c in calls())


# ---------------------------------------------------------------------------------------------- guard


def test_protected_configuration_refuses_up_and_down_without_yes(cli, env: Path) -> None:  # type: ignore[no-untyped-def]
    for command in ("up", "down"):
        out = run(cli, env, command, "-c", "pass")  # the project's .env protects `pass`
        assert out.code == ExitCode.REFUSED == 5
        assert "protected (PASSECS_PROTECTED_CLUSTERS)" in out.stderr
        assert "fix: add --yes" in out.stderr
    assert calls() == []  # refused before anything ran
    assert run(cli, env, "up", "-c", "pass", "--yes").code == 0
    assert run(cli, env, "down", "-c", "pass", "--yes").code == 0
    assert run(cli, env, "ps", "-c", "pass").code == 0  # reading needs no confirmation


# ---------------------------------------------------------------------------------------------- ps


def test_ps_human_json_and_empty(cli, env: Path) -> None:  # type: ignore[no-untyped-def]
    empty = run(cli, env, "ps", "--json")
    assert empty.code == 0 and json.loads(empty.stdout) == []
    assert run(cli, env, "ps").stdout == ""
    assert run(cli, env, "up").code == 0
    records = json.loads(run(cli, env, "ps", "--json").stdout)
    assert len(records) == 4
    assert set(records[0]) == {"cluster", "task_id", "container", "state", "task_definition", "ports", "health",
                               "exit_code", "reason"}
    assert {p["container_port"] for r in records for p in r["ports"]} == {int(p) for p in PASS_PORTS}
    human = run(cli, env, "ps").stdout
    assert human.startswith(f"task {records[0]['task_id']}  (cluster passdev, task definition pass:1)")
    assert "  CONTAINER   STATE    PORTS" in human
    assert calls()[-1]["argv"][-3:] == ["ps", "--desired-status", "RUNNING"]
    run(cli, env, "ps", "--all")
    assert calls()[-1]["argv"][-1] == "ps"  # --all: both desired statuses (ecs-cli's default)


def test_a_ps_row_that_does_not_parse_is_exit_1_naming_the_line(  # type: ignore[no-untyped-def]
    cli, env: Path, bin_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    header = recording("45-compose-ps-pass")["out"].splitlines()[6]
    script = f"import sys\nprint({header!r})\nprint('garbage row that is not a container')\n"
    monkeypatch.setenv("PASSECS_ECS_CLI", str(write_executable(bin_dir / "odd-ecs-cli", script)))
    out = run(cli, env, "ps")
    assert out.code == ExitCode.FAILED
    assert "garbage row that is not a container" in out.stderr
    assert "Traceback" not in out.stderr


# ---------------------------------------------------------------------------------------------- logs


def test_logs_find_the_task_validate_the_service_and_drop_blank_lines(cli, env: Path) -> None:  # type: ignore[no-untyped-def]
    assert run(cli, env, "up").code == 0
    task = json.loads(run(cli, env, "ps", "--json").stdout)[0]["task_id"]
    out = run(cli, env, "logs", "ember")
    assert out.code == 0, out.stderr
    assert out.stdout == "[ember] starting (lab-seeded line)\n[ember] ready (lab-seeded line)\n"
    assert calls()[-1]["argv"] == ["logs", "--task-id", task, "--container-name", "ember"]
    every = run(cli, env, "logs", "--timestamps", "--since", "60")
    assert every.code == 0, every.stderr
    lines = every.stdout.splitlines()
    assert len(lines) == 8 and "" not in lines
    # each line prefixed by its container's name (aligned, no colour off a terminal), in time order
    names = [line.split(" | ", 1)[0] for line in lines]
    assert {len(n) for n in names} == {len("submission")} and "\033[" not in every.stdout
    assert [n.strip() for n in names] == ["fcrepo", "ember", "ftpserver", "submission"] * 2
    messages = [line.split(" | ", 1)[1].split("\t")[1] for line in lines]
    assert all(m.startswith(f"[{n.strip()}]") for n, m in zip(names, messages, strict=True))
    stamps = [line.split(" | ", 1)[1].split("\t")[0] for line in lines]
    assert stamps == sorted(stamps)
    # ecs-cli labels no line: one call per container, each with its times
    assert [c["argv"] for c in calls()[-4:]] == [
        ["logs", "--task-id", task, "--container-name", name, "--since", "60", "--timestamps"]
        for name in ("fcrepo", "ember", "ftpserver", "submission")
    ]
    without = run(cli, env, "logs", "--since", "2h")
    assert without.code == 0 and "\t" not in without.stdout and len(without.stdout.splitlines()) == 8
    assert calls()[-1]["argv"][-3:] == ["--since", "120", "--timestamps"]


def test_logs_of_an_unknown_service_lists_the_services(cli, env: Path) -> None:  # type: ignore[no-untyped-def]
    out = run(cli, env, "logs", "nosuchcontainer", "--task-id", "2a07b3a7-03ef-4afc-ab29-8dcec2a10dd3")
    assert out.code == ExitCode.INVALID_INPUT
    assert "services: fcrepo, ember, ftpserver, submission" in out.stderr
    assert "logs" not in subcommands()  # ecs-cli would have crashed (recording 86)


def test_logs_without_a_running_task_or_with_an_unknown_one(cli, env: Path) -> None:  # type: ignore[no-untyped-def]
    out = run(cli, env, "logs")
    assert out.code == ExitCode.FAILED and "no running task of project 'pass'" in out.stderr
    out = run(cli, env, "logs", "--task-id", "00000000-0000-0000-0000-000000000000", "-c", "pass")
    assert out.code == ExitCode.FAILED
    assert "Could Not Find Task 00000000-0000-0000-0000-000000000000 in cluster pass" in out.stderr
    assert "passecs ps --all" in out.stderr


def test_ctrl_c_during_logs_follow_exits_130_without_traceback(env: Path) -> None:
    assert subprocess.run([sys.executable, "-m", "passecs.cli", "-C", str(env), "up"], capture_output=True,
                          check=False, timeout=60).returncode == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "passecs.cli", "-C", str(env), "logs", "ember", "--follow"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        seen = []
        assert proc.stdout is not None
        for line in proc.stdout:  # lines arrive live, before ecs-cli ends
            seen.append(line)
            if "while --follow was running" in line:
                break
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == ExitCode.INTERRUPTED == 130
    assert "Traceback" not in err
    assert "passecs: error: interrupted" in err
    assert seen[:2] == ["[ember] starting (lab-seeded line)\n", "[ember] ready (lab-seeded line)\n"]
    assert "\n\n" not in "".join(seen) + rest


# ---------------------------------------------------------------------------------------------- down


def test_down_stops_the_project_and_confirms_nothing_is_left(cli, env: Path) -> None:  # type: ignore[no-untyped-def]
    nothing = run(cli, env, "down")
    assert nothing.code == 0 and "nothing of project 'pass' was running" in nothing.stdout
    assert run(cli, env, "up").code == 0
    task = json.loads(run(cli, env, "ps", "--json").stdout)[0]["task_id"]
    out = run(cli, env, "down")
    assert out.code == 0, out.stderr
    assert out.stdout == (
        f"stopped 1 task(s) ({task}); no task of project 'pass' is left on cluster configuration 'passdev' "
        "(the default)\n"
    )
    assert "STOPPING" in out.stderr
    assert calls()[-2]["argv"] == [*COMPOSE_PREFIX, "down", "--cluster-config", "passdev"]
    assert calls()[-1]["argv"] == [*COMPOSE_PREFIX, "ps", "--cluster-config", "passdev"]  # stopped ones as well
    assert json.loads(run(cli, env, "ps", "--json").stdout) == []


def test_down_that_leaves_tasks_running_is_exit_1(cli, env: Path, failing_in_scenario) -> None:  # type: ignore[no-untyped-def]
    assert run(cli, env, "up").code == 0
    out = failing_in_scenario("down-noop", "down")
    assert "1 task(s) of project 'pass' not stopped" in out.stderr and "(RUNNING)" in out.stderr
