"""Independent work at once, nothing asked twice: passecs.core.context.gather, and up/deploy/doctor through a
fake runner that plays a small ECS account, takes time per call and records when each call starts and ends."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import recording, write_executable, write_runbook_ecs_home

from passecs.core.context import Context, gather, load_env_file
from passecs.core.runner import Command, Result

ACCOUNT = "123456789012"
REGION = "us-east-1"
NO_DEFINITION = (
    "\nAn error occurred (ClientException) when calling the DescribeTaskDefinition operation: "
    "Unable to describe task definition.\n"
)


class Call:
    def __init__(self, argv: tuple[str, ...], start: float, end: float) -> None:
        self.argv, self.start, self.end = argv, start, end

    @property
    def operation(self) -> str:
        return self.argv[4] if self.argv[2] == "--region" else self.argv[2]

    def overlaps(self, other: Call) -> bool:
        return self.start < other.end and other.start < self.end


class FakeAccount:
    """A runner answering aws calls like a small ECS account; every call takes ``delay`` seconds."""

    def __init__(self, delay: float = 0.1, looks_to_run: int = 0, delays: dict[str, float] | None = None) -> None:
        self.delay = delay
        self.delays = delays or {}  # by operation: calls that take longer than ``delay``
        self.looks_to_run = looks_to_run  # describe-tasks that show a new task PENDING before RUNNING
        self.lock = threading.Lock()
        self.calls: list[Call] = []
        self.definitions: list[dict[str, Any]] = []
        self.tasks: dict[str, dict[str, Any]] = {}

    def __call__(self, command: Command, *, timeout: float | None = None, **_: Any) -> Result:
        start = time.monotonic()
        argv = command.argv
        time.sleep(self.delays.get(argv[4] if argv[2] == "--region" else argv[2], self.delay))
        with self.lock:
            code, out, err = self.answer(command.argv)
            end = time.monotonic()
            self.calls.append(Call(command.argv, start, end))
        return Result(command, code, out, err, end - start)

    def reset(self) -> None:
        self.calls = []

    def named(self, operation: str) -> list[Call]:
        return [c for c in self.calls if c.operation == operation]

    def one(self, operation: str) -> Call:
        (call,) = self.named(operation)
        return call

    def answer(self, argv: tuple[str, ...]) -> tuple[int, str, str]:
        service = argv[1]
        operation, args = (argv[4], argv[5:-2]) if argv[2] == "--region" else (argv[2], argv[3:-2])
        handler = getattr(self, f"{service}_{operation.replace('-', '_')}", None)
        if handler is None:
            raise AssertionError(f"unexpected call: {' '.join(argv)}")
        result = handler(_options(args))
        return result if isinstance(result, tuple) else (0, json.dumps(result), "")

    # iam
    def iam_get_role(self, _: dict[str, list[str]]) -> Any:
        return (0, recording("28-iam-get-role")["out"], "")

    def iam_list_attached_role_policies(self, _: dict[str, list[str]]) -> Any:
        return (0, recording("29-iam-list-attached-role-policies")["out"], "")

    # ecs
    def ecs_describe_task_definition(self, opts: dict[str, list[str]]) -> Any:
        (name,) = opts["--task-definition"]
        for definition in reversed(self.definitions):
            if name in (definition["family"], definition["taskDefinitionArn"]):
                return {"taskDefinition": definition}
        return (255, "", NO_DEFINITION)

    def ecs_register_task_definition(self, opts: dict[str, list[str]]) -> Any:
        source = opts["--cli-input-json"][0]  # file:// of a private file: never the JSON on the command line
        assert source.startswith("file://"), source
        definition = json.loads(Path(source.removeprefix("file://")).read_text())
        revision = len(self.definitions) + 1
        arn = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{definition['family']}:{revision}"
        definition.update(taskDefinitionArn=arn, revision=revision, status="ACTIVE")
        self.definitions.append(definition)
        return {"taskDefinition": definition}

    def ecs_list_tasks(self, opts: dict[str, list[str]]) -> Any:
        (desired,) = opts["--desired-status"]
        return {"taskArns": [arn for arn, t in self.tasks.items() if t["desiredStatus"] == desired]}

    def ecs_run_task(self, opts: dict[str, list[str]]) -> Any:
        (arn,) = opts["--task-definition"]
        definition = next(d for d in self.definitions if d["taskDefinitionArn"] == arn)
        task_arn = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/passdev/{len(self.tasks) + 1:032x}"
        network = json.loads(opts["--network-configuration"][0])["awsvpcConfiguration"]
        self.tasks[task_arn] = {
            "eni": f"eni-{len(self.tasks)}",  # (the fake's own bookkeeping, as the ENI's subnet)
            "subnet": network["subnets"][0],
            "taskArn": task_arn,
            "taskDefinitionArn": arn,
            "group": opts["--group"][0],
            "launchType": "FARGATE",
            "lastStatus": "PROVISIONING" if self.looks_to_run else "RUNNING",
            "looks": 0,
            "desiredStatus": "RUNNING",
            "attachments": [
                {
                    "type": "ElasticNetworkInterface",
                    "status": "ATTACHED",
                    "details": [{"name": "networkInterfaceId", "value": f"eni-{len(self.tasks)}"}],
                }
            ],
            "containers": [
                {"name": c["name"], "lastStatus": "RUNNING", "networkInterfaces": [{"privateIpv4Address": "10.0.0.9"}]}
                for c in definition["containerDefinitions"]
            ],
        }
        return {"tasks": [self.tasks[task_arn]], "failures": []}

    def ecs_describe_tasks(self, opts: dict[str, list[str]]) -> Any:
        tasks = [self.tasks[a] for a in opts["--tasks"] if a in self.tasks]
        for task in tasks:
            task["looks"] += 1
            if task["lastStatus"] != "STOPPED":
                task["lastStatus"] = "RUNNING" if task["looks"] > self.looks_to_run else "PENDING"
        return {"tasks": tasks, "failures": []}

    def ecs_stop_task(self, opts: dict[str, list[str]]) -> Any:
        task = self.tasks[opts["--task"][0]]
        task.update(desiredStatus="STOPPED", lastStatus="STOPPED")
        return {"task": task}

    # ec2
    def ec2_describe_network_interfaces(self, opts: dict[str, list[str]]) -> Any:
        if "--filters" in opts:  # the interfaces in the subnets named (ECS puts a task's in its first)
            (subnets,) = [f.removeprefix("Name=subnet-id,Values=") for f in opts["--filters"] if "subnet-id" in f]
            ids = [t["eni"] for t in self.tasks.values() if t["subnet"] in subnets.split(",")]
        else:
            ids = opts["--network-interface-ids"]
        return {"NetworkInterfaces": [{"NetworkInterfaceId": i, "Association": {"PublicIp": "54.0.0.1"}} for i in ids]}


def _options(args: Sequence[str]) -> dict[str, list[str]]:
    options: dict[str, list[str]] = {}
    name = ""
    for arg in args:
        if arg.startswith("--"):
            name = arg
            options[name] = []
        else:
            options[name].append(arg)
    return options


@pytest.fixture
def account() -> FakeAccount:
    return FakeAccount()


@pytest.fixture
def ready(home: Path, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """~/.ecs as the runbook leaves it, the project's passecs.env and .env loaded, an `aws` that the fake
    runner answers for."""
    write_runbook_ecs_home(home)
    aws = write_executable(tmp_path / "aws", "raise SystemExit('the fake runner should have answered')\n")
    monkeypatch.setenv("PASSECS_AWS", str(aws))
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    load_env_file(project / "passecs.env")  # the subnet and security group ecs-params.yml names
    load_env_file(project / ".env")
    return project


def _context(project: Path, account: FakeAccount, **options: Any) -> Context:
    return Context(project_dir=project, runner=account, backend="aws", **options)


# ------------------------------------------------------------------------------------------------ gather


def test_gather_runs_calls_at_once_and_returns_results_in_order() -> None:
    spans: dict[str, tuple[float, float]] = {}

    def work(name: str, seconds: float) -> str:
        start = time.monotonic()
        time.sleep(seconds)
        spans[name] = (start, time.monotonic())
        return name

    assert gather(lambda: work("slow", 0.3), lambda: work("quick", 0.1), lambda: work("mid", 0.2)) == (
        "slow",
        "quick",
        "mid",
    )
    assert spans["quick"][1] < spans["slow"][1]  # the quick one ended first, yet is second in the results
    assert max(s for s, _ in spans.values()) < min(e for _, e in spans.values())  # all three overlapped


def test_gather_lets_every_call_finish_then_raises_the_first_failure_in_order() -> None:
    finished: list[str] = []

    def fails(name: str, seconds: float) -> None:
        time.sleep(seconds)
        finished.append(name)
        raise ValueError(name)

    with pytest.raises(ValueError, match=r"^late$"):
        gather(lambda: fails("late", 0.2), lambda: fails("early", 0.0))
    assert sorted(finished) == ["early", "late"]


def test_gather_of_one_call_runs_it_here() -> None:
    assert gather(threading.current_thread) == (threading.current_thread(),)
    assert gather() == ()


def test_gathered_commands_still_honour_dry_run_and_verbose(
    account: FakeAccount, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ctx = Context(project_dir=tmp_path, runner=account, dry_run=True, verbose=True)
    read = Command(("aws", "ecs", "list-tasks", "--desired-status", "RUNNING", "--output", "json"))
    change = Command(("aws", "ecs", "stop-task", "--task", "t1", "--output", "json"))
    listed, stopped = gather(lambda: ctx.execute(read, mutates=False), lambda: ctx.execute(change))
    assert listed.ok and json.loads(listed.stdout) == {"taskArns": []}
    assert stopped.stdout == "" and [c.operation for c in account.calls] == ["list-tasks"]  # printed, not run
    out, err = capsys.readouterr()
    assert "aws ecs stop-task --task t1" in out
    assert "+ aws ecs list-tasks" in err


# ------------------------------------------------------------------------------------------------ up, deploy


def _no_repeats(account: FakeAccount, *, but: Sequence[str] = ()) -> None:
    counts = Counter(c.argv for c in account.calls if c.operation not in but)
    assert [" ".join(argv) for argv, n in counts.items() if n > 1] == []


def _after_run_task_who_else_started(account: FakeAccount, listing: Call) -> None:
    """The second list-tasks of an up that started a task is a new question, not a repeat: asked once the
    task runs, it finds tasks another up (another machine) started meanwhile, for the convergence."""
    assert listing.start >= account.one("run-task").end


def test_first_deploy_asks_the_independent_questions_at_once(ready: Path, account: FakeAccount) -> None:
    from passecs.runbook import deploy

    report = deploy.deploy(_context(ready, account), yes=True)
    assert [s.outcome for s in report.steps] == ["done", "already in place", "done"]
    role = account.one("get-role")
    listing, meanwhile = account.named("list-tasks")
    family = account.named("describe-task-definition")[0]
    assert family.argv[family.argv.index("--task-definition") + 1] == "pass"
    # the role check, the project's running tasks and the task-definition lookup overlap
    assert role.overlaps(listing) and role.overlaps(family) and listing.overlaps(family)
    # and come before anything changes
    assert max(role.end, listing.end, family.end) <= account.one("register-task-definition").start
    _after_run_task_who_else_started(account, meanwhile)
    _no_repeats(account, but=("describe-tasks", "list-tasks"))  # the wait's looks: one question over time
    assert len(account.named("describe-task-definition")) == 1  # the registered one is known: not described
    assert {c.container for c in report.containers} == {"fcrepo", "ember", "ftpserver", "submission"}


def test_second_deploy_with_nothing_to_change_asks_each_question_once(ready: Path, account: FakeAccount) -> None:
    from passecs.runbook import deploy

    deploy.deploy(_context(ready, account), yes=True)
    account.reset()
    report = deploy.deploy(_context(ready, account), yes=True)
    assert not report.changed
    assert sorted(c.operation for c in account.calls) == [
        "describe-network-interfaces",
        "describe-task-definition",
        "describe-tasks",
        "get-role",
        "list-attached-role-policies",
        "list-tasks",
    ]
    _no_repeats(account)
    role, listing, family = account.one("get-role"), account.one("list-tasks"), account.one("describe-task-definition")
    policies = account.one("list-attached-role-policies")
    assert role.overlaps(listing) and listing.overlaps(family) and role.overlaps(policies)
    # the public IPs of the interfaces in ecs-params.yml's subnets are asked while the tasks are described:
    # two rounds of calls, the second depending on the first's list of tasks
    tasks, addresses = account.one("describe-tasks"), account.one("describe-network-interfaces")
    assert "--filters" in addresses.argv and tasks.overlaps(addresses)
    assert min(tasks.start, addresses.start) >= listing.end
    assert {p.ip for c in report.containers for p in c.ports} == {"54.0.0.1"}


def test_up_with_the_aws_backend_lists_and_looks_up_at_once(ready: Path, account: FakeAccount) -> None:
    from passecs.runbook import compose

    compose.up(_context(ready, account), yes=True)
    (listing, meanwhile), family = account.named("list-tasks"), account.named("describe-task-definition")[0]
    assert listing.overlaps(family)
    _after_run_task_who_else_started(account, meanwhile)
    _no_repeats(account, but=("describe-tasks", "list-tasks"))


def test_logs_after_ps_asks_nothing_again(
    ready: Path, account: FakeAccount, capsys: pytest.CaptureFixture[str]
) -> None:
    from passecs.runbook import compose

    compose.up(_context(ready, account), yes=True)
    account.reset()
    event = {"message": "hello", "timestamp": 1, "eventId": "1"}
    account.logs_filter_log_events = lambda _opts: {"events": [event]}  # type: ignore[attr-defined]
    compose.logs(_context(ready, account), service="ember")
    assert capsys.readouterr().out.splitlines() == ["hello"]
    assert sorted(c.operation for c in account.calls) == [
        "describe-network-interfaces",
        "describe-task-definition",
        "describe-tasks",
        "filter-log-events",
        "list-tasks",
    ]
    _no_repeats(account)


def test_public_ips_are_asked_while_the_wait_goes_on(ready: Path) -> None:
    from passecs.backends.aws import backend as awsbackend
    from passecs.core import waiting
    from passecs.files.project import load_project

    account = FakeAccount(looks_to_run=2)  # PENDING (interface attached), PENDING, RUNNING
    ctx = _context(ready, account)
    target = awsbackend.Target("passdev", REGION)
    network = awsbackend.Network(("subnet-1",), ("sg-1",), "ENABLED")
    result = awsbackend.up(
        ctx, load_project(ready), target, "pass", network=network, schedule=waiting.Backoff.fixed(0.3)
    )
    looks = account.named("describe-tasks")
    (ips,) = account.named("describe-network-interfaces")
    assert len(looks) == 3
    assert ips.start < looks[-1].end  # asked before the look that saw the tasks RUNNING had ended
    assert {p.ip for c in result.containers for p in c.ports} == {"54.0.0.1"}


def test_who_else_runs_is_listed_with_the_looks_once_the_task_is_past_provisioning(ready: Path) -> None:
    """The convergence check after up's wait (the project's RUNNING tasks, another machine's among them)
    goes with the looks that may end the wait: nothing is asked after the look that saw the task RUNNING."""
    from passecs.backends.aws import backend as awsbackend
    from passecs.core import waiting
    from passecs.files.project import load_project

    account = FakeAccount(looks_to_run=2)  # run-task: PROVISIONING; the looks: PENDING, PENDING, RUNNING
    target = awsbackend.Target("passdev", REGION)
    network = awsbackend.Network(("subnet-1",), ("sg-1",), "ENABLED")
    result = awsbackend.up(
        _context(ready, account), load_project(ready), target, "pass", network=network,
        schedule=waiting.Backoff.fixed(0.3),
    )  # fmt: skip
    looks, run = account.named("describe-tasks"), account.one("run-task")
    before, *along = account.named("list-tasks")
    assert len(looks) == 3 and before.end <= run.start  # what ran before up started anything
    assert len(along) == 2  # not with the first look (the task was PROVISIONING), with each after it
    assert along[0].overlaps(looks[1]) and along[1].overlaps(looks[2])
    assert all(call.start < looks[-1].end for call in account.calls)  # no call after the wait
    assert {c.task_id for c in result.containers} == {awsbackend.task_id(next(iter(account.tasks)))}


def test_a_list_that_went_with_a_failed_wait_is_not_left_running(ready: Path) -> None:
    from passecs.backends.aws import backend as awsbackend
    from passecs.core import waiting
    from passecs.core.errors import TimedOut
    from passecs.files.project import load_project

    account = FakeAccount(looks_to_run=100, delays={"list-tasks": 0.8})  # PENDING for ever; slow lists
    target = awsbackend.Target("passdev", REGION)
    network = awsbackend.Network(("subnet-1",), ("sg-1",), "ENABLED")
    with pytest.raises(TimedOut):
        awsbackend.up(
            _context(ready, account), load_project(ready), target, "pass", network=network, timeout=1.0,
            schedule=waiting.Backoff.fixed(0.3),
        )  # fmt: skip
    calls = len(account.calls)
    time.sleep(1.0)  # longer than a list: one still running would be recorded by now
    assert len(account.calls) == calls
    assert len(account.named("list-tasks")) >= 2  # lists went with the looks (so one was dropped)


@pytest.mark.parametrize("answer", ["none", "partial", "failed"])
def test_an_interface_the_network_query_did_not_answer_for_is_asked_by_id(
    ready: Path, answer: str
) -> None:
    """The interfaces of ecs-params.yml's network, asked with the tasks, save a round only when they are
    conclusive: a task's interface missing from them, an answer cut short or a failed call -> asked by id."""
    from passecs.runbook import compose

    account = FakeAccount()
    compose.up(_context(ready, account), yes=True)
    account.reset()
    by_filter = account.ec2_describe_network_interfaces

    def network_query(opts: dict[str, list[str]]) -> Any:
        if "--filters" not in opts:
            return by_filter(opts)
        if answer == "failed":
            return (254, "", "\naws: [ERROR]: An error occurred (UnauthorizedOperation) when calling the "
                    "DescribeNetworkInterfaces operation: You are not authorized to perform this operation.\n")
        if answer == "partial":
            return {**by_filter(opts), "NextToken": "more"}
        return {"NetworkInterfaces": []}

    account.ec2_describe_network_interfaces = network_query  # type: ignore[method-assign]
    containers = compose.ps(_context(ready, account))
    filtered, by_id = account.named("describe-network-interfaces")
    assert "--filters" in filtered.argv and "--network-interface-ids" in by_id.argv
    assert by_id.start >= account.one("describe-tasks").end
    assert {p.ip for c in containers for p in c.ports} == {"54.0.0.1"}


def test_no_network_query_when_ecs_params_names_an_unset_subnet(
    ready: Path, account: FakeAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    from passecs.runbook import compose

    compose.up(_context(ready, account), yes=True)
    account.reset()
    monkeypatch.delenv("PASS_SUBNET_ID")  # ecs-params.yml's ${PASS_SUBNET_ID}: nothing to filter by
    containers = compose.ps(_context(ready, account))
    (by_id,) = account.named("describe-network-interfaces")
    assert "--network-interface-ids" in by_id.argv
    assert {p.ip for c in containers for p in c.ports} == {"54.0.0.1"}
