"""The whole runbook as one command: ``deploy`` (doctor -> iam ensure-role -> up -> summary) and ``plan``
(the runbook's commands for this configuration, in order, as an operator would paste them).

Each step reuses the service that owns it; this module only orders them, makes sure no call is made twice
(the containers ``up`` has just checked are the summary: no further ps), and reports each step as
``done`` or ``already in place``.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from passecs.core import output
from passecs.core.context import Context
from passecs.core.errors import InvalidInput
from passecs.core.records import Container

if TYPE_CHECKING:
    from passecs.runbook.cost import Estimate

DONE = "done"
IN_PLACE = "already in place"


@dataclass(frozen=True)
class StepOutcome:
    name: str
    outcome: str  # done | already in place
    detail: str = ""

    def to_json(self) -> dict[str, str]:
        return {"step": self.name, "outcome": self.outcome, "detail": self.detail}


@dataclass(frozen=True)
class DeployReport:
    cluster_config: str | None
    steps: tuple[StepOutcome, ...]
    containers: tuple[Container, ...] = ()
    task_definition: str | None = None
    endpoints: tuple[str, ...] = ()
    logs_commands: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())
    cost: Estimate | None = None

    @property
    def changed(self) -> bool:
        return any(step.outcome == DONE for step in self.steps if step.name != "doctor")

    def to_json(self) -> dict[str, Any]:
        return {
            "cluster_config": self.cluster_config,
            "steps": [s.to_json() for s in self.steps],
            "changed": self.changed,
            "task_definition": self.task_definition,
            "containers": [c.to_json() for c in self.containers],
            "endpoints": list(self.endpoints),
            "logs_commands": list(self.logs_commands),
            "warnings": list(self.warnings),
            "cost": self.cost.to_json() if self.cost is not None else None,
        }


def logs_commands(cluster_config: str | None, containers: Sequence[Container]) -> list[str]:
    """The exact ``passecs logs`` command for each service of the running task."""
    services = list(dict.fromkeys(c.container for c in containers))
    target = ["-c", cluster_config] if cluster_config else []
    return [shlex.join(["passecs", "logs", service, *target]) for service in services]


def _doctor(ctx: Context, cluster_config: str | None) -> tuple[StepOutcome, tuple[str, ...], str | None]:
    """Offline doctor: stop on any fail (exit 3, every failure listed), keep the warnings for the report."""
    from passecs.checks import doctor

    report = doctor.offline(ctx, doctor.Options(cluster_config=cluster_config, versions=False))
    failures = report.failures
    warnings = tuple(f"{f.check}: {f.message}" for f in report.findings if f.status == "warn")
    if failures:
        for f in failures:
            output.progress(f"fail  {f.check}: {f.message}\n      fix: {f.fix}")
        raise InvalidInput(
            f"deploy: doctor found {len(failures)} problem{'s' if len(failures) != 1 else ''}; nothing was changed",
            "apply the fixes listed above (passecs doctor shows every check), then deploy again",
        )
    for line in warnings:
        output.warning(line)
    passed = sum(1 for f in report.findings if f.status == "ok")
    region = report.cluster.region if report.cluster else None
    return StepOutcome("doctor", DONE, f"{passed} checks ok, {len(warnings)} warnings"), warnings, region


def deploy(
    ctx: Context,
    *,
    cluster_config: str | None = None,
    yes: bool = False,
    create_log_groups: bool = False,
    timeout: float = 900.0,
) -> DeployReport:
    """doctor -> iam ensure-role -> up -> summary; safe to repeat (a second run changes only the tasks)."""
    from passecs.files.defaults import DEFAULT_COMPOSE_FILES
    from passecs.files.naming import project_name
    from passecs.runbook import compose, guard

    # AWS keys in an env_file: stop before any call (up checks again; the role step comes first)
    ctx = compose.guard_container_secrets(ctx, None, "deploy", unreadable_ok=True)
    # ask once, before anything changes (up would otherwise ask after the role was made); the answer is
    # about this configuration: every step gets it by name, none re-reads the default later
    pinned = guard.confirm(ctx, action="deploy", cluster_config=cluster_config, yes=yes) or cluster_config
    project = project_name(ctx.project_name_option, ctx.env, ctx.project_dir, DEFAULT_COMPOSE_FILES).name
    with compose.one_at_a_time(ctx, project, pinned, "deploy"):
        return _deploy(ctx, cluster_config, pinned, create_log_groups=create_log_groups, timeout=timeout)


def _deploy(
    ctx: Context, cluster_config: str | None, pinned: str | None, *, create_log_groups: bool, timeout: float
) -> DeployReport:
    from passecs.runbook import compose, iam

    if ctx.create_log_groups and not create_log_groups:
        output.notice("creating the CloudWatch log groups as this context asks (--create-log-groups)")
        create_log_groups = True
    steps: list[StepOutcome] = []
    doctor_step, warnings, region = _doctor(ctx, pinned)
    steps.append(doctor_step)
    output.progress(f"[1/3] doctor: {doctor_step.detail}")

    # the role check and the listing of the project's running containers are independent: asked at once
    # (up gets the listing, so nothing is asked twice)
    from passecs.backends import backend_for
    from passecs.core.context import gather, in_background

    target = compose.resolve_target(ctx, pinned)
    backend = backend_for(ctx)
    prepared = iam.prepare(ctx, region=region)
    # with get-role, the role's policies (the next question when it exists, as it does from the second
    # deploy on); never with --dry-run, which asks AWS nothing about the role
    attached = None if ctx.dry_run else in_background(lambda: iam.attached_policies(ctx, prepared))
    role, running = gather(
        lambda: iam.ensure_role(ctx, prepared=prepared, attached=attached),
        lambda: backend.ps(target, timeout=timeout),
    )
    role_outcome = DONE if role.changed else IN_PLACE
    steps.append(
        StepOutcome(
            "iam ensure-role",
            role_outcome,
            ", ".join(f"{s.name}: {s.outcome}" for s in role.steps) + (f" ({role.role_arn})" if role.role_arn else ""),
        )
    )
    output.progress(f"[2/3] iam ensure-role {role.role_name}: {role_outcome}")

    up = compose.up(
        ctx,
        cluster_config=pinned,
        yes=True,
        create_log_groups=create_log_groups,
        timeout=timeout,
        backend=backend,
        running=running,
    )
    if up.kept_running:
        up_step = StepOutcome("up", IN_PLACE, f"task definition {up.task_definition} unchanged; tasks kept running")
    elif up.replaced:
        up_step = StepOutcome("up", DONE, f"replaced task(s) {', '.join(up.replaced)} with {up.task_definition}")
    else:
        up_step = StepOutcome("up", DONE, f"started {up.task_definition}")
    steps.append(up_step)
    output.progress(f"[3/3] up: {up_step.outcome} ({up_step.detail})")

    return DeployReport(
        cluster_config=cluster_config,
        steps=tuple(steps),
        containers=tuple(up.containers),
        task_definition=up.task_definition,
        endpoints=tuple(up.endpoints()),
        logs_commands=tuple(logs_commands(cluster_config, up.containers)),
        warnings=tuple(warnings) + tuple(role.warnings),
        cost=up.cost,
    )


def render_deploy(report: DeployReport) -> str:
    from passecs.runbook.compose import render_ps

    lines = [f"{s.name:<16} {s.outcome}" + (f"  ({s.detail})" if s.detail else "") for s in report.steps]
    if not report.changed:
        lines.append("nothing changed: everything was already in place")
    if report.containers:
        lines += ["", render_ps(list(report.containers))]
    if report.endpoints:
        lines += ["", "endpoints:", *(f"  {e}" for e in report.endpoints)]
    if report.logs_commands:
        lines += ["", "logs:", *(f"  {c}" for c in report.logs_commands)]
    if report.cost is not None:
        from passecs.runbook.cost import render

        lines += ["", render(report.cost)]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class PlanStep:
    title: str
    commands: tuple[str, ...]


def _profile_lines(ctx: Context) -> PlanStep:
    from passecs.files.ecs import read_profiles

    profiles = read_profiles(ctx.ecs_dir)
    name = profiles.default or "default"
    first = shlex.join(["ecs-cli", "configure", "profile", "--profile-name", name])
    # the keys stay in the operator's environment: the line names the variables, never their values
    keys = ' --access-key "$AWS_ACCESS_KEY_ID" --secret-key "$AWS_SECRET_ACCESS_KEY"'
    state = "configured" if profiles.get(name) else "not configured yet"
    return PlanStep(
        f"ECS authentication profile '{name}' ({state})",
        (first + keys, shlex.join(["ecs-cli", "configure", "profile", "default", "--profile-name", name])),
    )


def _cluster_lines(ctx: Context, cluster_config: str | None) -> tuple[PlanStep, str, str]:
    from passecs.files.ecs import read_cluster_configurations
    from passecs.runbook import configure

    configs = read_cluster_configurations(ctx.ecs_dir)
    chosen = configs.get(cluster_config)
    if chosen is not None:
        name, cluster, region = chosen.name, chosen.cluster, chosen.region
        launch_type = chosen.launch_type or "FARGATE"
        state = "configured"
    else:
        name = cluster_config or "passdev"
        cluster = name
        region = ctx.env.get("AWS_REGION") or ctx.env.get("AWS_DEFAULT_REGION") or "us-east-1"
        launch_type = "FARGATE"
        state = "not configured yet"
    commands = [configure.cluster_command("ecs-cli", name, cluster, region, launch_type).display()]
    if cluster_config is None:
        commands.append(configure.cluster_default_command("ecs-cli", name).display())
    return PlanStep(f"ECS cluster configuration '{name}' ({state})", tuple(commands)), name, region


def plan(ctx: Context, *, cluster_config: str | None = None, create_log_groups: bool = False) -> list[PlanStep]:
    """The runbook's commands for this configuration, in order. Calls nothing, reads only local files."""
    from passecs.backends.ecscli import argv as ecscli
    from passecs.runbook import compose, iam
    from passecs.runbook.cost import render as render_cost

    profile = _profile_lines(ctx)
    cluster_step, name, region = _cluster_lines(ctx, cluster_config)
    role_plan = iam.plan(ctx, region=region, cwd=ctx.project_dir)  # paths relative to the `cd` line
    target = compose.resolve_target(ctx, cluster_config)
    head = [
        PlanStep("go to the project", (shlex.join(["cd", str(ctx.project_dir)]),)),
        profile,
        cluster_step,
        PlanStep(f"ECS task execution role '{role_plan.role_name}'", tuple(role_plan.lines())),
    ]
    estimate = PlanStep(render_cost(compose.cost_estimate(ctx, target, region=region)), ())
    if ctx.backend == "aws":
        return [*head, *_aws_compose_steps(ctx, target, name, region, create_log_groups), estimate]
    up = ecscli.compose_up("ecs-cli", target, create_log_groups=create_log_groups)
    ps = ecscli.compose_ps("ecs-cli", target)
    down = ecscli.compose_down("ecs-cli", target)
    logs = 'ecs-cli logs --follow --task-id "$TASK_ID"'  # the runbook's own order
    if cluster_config:
        logs += " " + shlex.join(["--cluster-config", cluster_config])
    return [
        *head,
        PlanStep(f"deploy to '{name}' (replaces the project's running tasks)", (shlex.join(up),)),
        PlanStep("read IPs and the task id", (shlex.join(ps),)),
        PlanStep("follow the logs (TASK_ID: the id in the Name column of ps)", (logs,)),
        PlanStep("stop and remove the containers", (shlex.join(down),)),
        estimate,
    ]


def _aws_compose_steps(
    ctx: Context, target: Any, name: str, region: str, create_log_groups: bool
) -> list[PlanStep]:
    """The compose steps as the aws backend runs them: the task definition ecs-cli would register, a task
    started in ecs-cli's group (so either tool sees it), then ps, logs and stop through the aws CLI."""
    import json

    from passecs.backends.aws import backend as awsbackend
    from passecs.backends.aws.calls import aws_call
    from passecs.backends.aws.taskdef import build_task_definition
    from passecs.files.compose import container_awslogs
    from passecs.files.ecs import read_cluster_configurations
    from passecs.files.project import load_project

    chosen = read_cluster_configurations(ctx.ecs_dir).get(target.cluster_config)
    cluster = chosen.cluster if chosen is not None else name
    launch_type = (chosen.launch_type if chosen is not None else "") or "FARGATE"
    project = load_project(ctx.project_dir, list(target.files), ctx.env, target.ecs_params)
    family = target.project_name
    definition = build_task_definition(project, family, launch_type=launch_type)

    def line(service: str, operation: str, *args: str) -> str:
        return aws_call(service, operation, *args, region=region).command().display()

    awslogs = {str(c["name"]): container_awslogs(c) for c in definition.get("containerDefinitions", [])}
    deploy: list[str] = []
    if create_log_groups:
        # a container of the awslogs driver without a group names none (ecs-cli would fail on it at up)
        groups = sorted({group for group, _ in awsbackend.log_groups(definition, region)})
        deploy += [line("logs", "create-log-group", "--log-group-name", g) for g in groups]
    deploy.append(task_definition_lines(ctx, definition, region, f"{family}-task-definition.json"))
    run = ["--cluster", cluster, "--task-definition", family, "--count", "1", "--group", f"task:{family}"]
    run += ["--launch-type", launch_type]
    network = awsbackend.network_from_project(project)
    if definition.get("networkMode") == "awsvpc" and network is not None:
        run += ["--network-configuration", json.dumps(network.to_api())]
    deploy.append(line("ecs", "run-task", *run))
    ps = [
        line("ecs", "list-tasks", "--cluster", cluster, "--family", family, "--desired-status", "RUNNING"),
        line("ecs", "describe-tasks", "--cluster", cluster, "--tasks", "TASK_ARN").replace(
            "TASK_ARN", '"$TASK_ARN"'
        ),
    ]
    logs = []
    for container_name, settings in awslogs.items():
        stream = settings.stream(container_name, "TASK_ID") if settings is not None else None
        if settings is not None and stream is not None:
            logs.append(
                line("logs", "get-log-events", "--log-group-name", settings.group,
                     "--log-stream-name", stream).replace("/TASK_ID", '/"$TASK_ID"')
            )  # fmt: skip
    stop = line("ecs", "stop-task", "--cluster", cluster, "--task", "TASK_ARN").replace("TASK_ARN", '"$TASK_ARN"')
    return [
        PlanStep(f"deploy to '{name}' through the aws CLI (stop the project's running tasks first)", tuple(deploy)),
        PlanStep("list the tasks and read IPs (TASK_ARN: from list-tasks)", tuple(ps)),
        PlanStep("read the logs (TASK_ID: the last part of TASK_ARN)", tuple(logs)),
        PlanStep("stop the task", (stop,)),
    ]


def task_definition_lines(ctx: Context, definition: Any, region: str, file_name: str) -> str:
    """register-task-definition as the plan shows it: the definition written to ``file_name`` by a here-document
    (masked: the value of every secret-looking variable is ``****``), then handed over as ``file://``, as
    passecs itself does (never on the command line, where every local user can read it)."""
    import json

    from passecs.backends.aws.calls import aws_call
    from passecs.core.masking import mask_document

    shown = json.dumps(mask_document(definition, ctx.secrets()), indent=2)
    document = "file://" + file_name  # the file the plan's here-document writes: never JSON on the command line
    register = aws_call("ecs", "register-task-definition", "--cli-input-json", document, region=region)
    return "\n".join(
        [
            f"# the task definition goes to the aws CLI as a file (file://{file_name}), never on its command line;",
            "# shown masked: replace each **** by the real value (or move the variable to ecs-params.yml",
            "# `secrets:`, see passecs doctor) before you run register-task-definition",
            f"cat > {file_name} <<'JSON'",
            shown,
            "JSON",
            register.command().display(),
        ]
    )


def render_plan(steps: Sequence[PlanStep]) -> str:
    lines: list[str] = []
    for number, step in enumerate(steps):
        # a step with no command (the cost estimate) is a note, not a numbered step
        lines.append(f"# {number}. {step.title}" if number and step.commands else f"# {step.title}")
        lines.extend(step.commands)
    return "\n".join(lines)
