"""The runbook's "ECS Task Execution Role" step, made safe to repeat.

The runbook runs ``create-role`` and ``attach-role-policy`` by hand; the second time, create-role fails
with EntityAlreadyExists and nothing checks the result. :func:`ensure_role` looks first (get-role,
list-attached-role-policies) and changes only what is missing; it never changes the trust policy of a
role it did not create. :func:`plan` gives the runbook's commands for ``--dry-run`` without calling AWS.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from passecs.backends.aws import calls as awscli
from passecs.core.context import Context
from passecs.core.errors import CommandFailed, InvalidInput
from passecs.core.runner import Command
from passecs.files.defaults import DEFAULT_ROLE_NAME as DEFAULT_ROLE_NAME  # noqa: PLC0414 - re-exported
from passecs.files.defaults import TASK_EXECUTION_POLICY_ARN as TASK_EXECUTION_POLICY_ARN  # noqa: PLC0414
from passecs.files.ecs import is_aws_region
from passecs.files.reading import read_text
from passecs.files.syntax import expand_env
from passecs.files.syntax import role_name_of as role_name_of  # noqa: PLC0414 - re-exported, one home

ECS_TASKS_SERVICE = "ecs-tasks.amazonaws.com"
TRUST_POLICY_FILE = "execution-assume-role.json"
PACKAGED_TRUST_POLICY = Path(__file__).resolve().parents[1] / "data" / TRUST_POLICY_FILE

# step outcomes, in the words
CREATED = "created"
ATTACHED = "attached"
IN_PLACE = "already in place"
DRY_RUN = "dry run"  # nothing was asked of AWS

CREATE_ROLE_STEP = "create-role"
ATTACH_POLICY_STEP = "attach-role-policy"

FROM_PROJECT = "project"
FROM_PASSECS = "passecs"

_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)


# --------------------------------------------------------------------------------------------------
# trust policies


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statement_matches(statement: Mapping[str, Any], service: str) -> bool:
    actions = [a.lower() for a in _as_list(statement.get("Action")) if isinstance(a, str)]
    if not any(a in ("sts:assumerole", "sts:*", "*") for a in actions):
        return False
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    return service in _as_list(principal.get("Service"))


def _statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [s for s in _as_list(document.get("Statement")) if isinstance(s, Mapping)]


def allows_assume_role(document: Mapping[str, Any], service: str = ECS_TASKS_SERVICE) -> bool:
    """Whether this trust policy lets ``service`` assume the role (an Allow for it, and no plain Deny).

    Conditions on an Allow (aws:SourceAccount, as AWS recommends) are accepted; a Deny with a condition
    is not counted, since it denies only sometimes.
    """
    statements = _statements(document)
    allowed = any(s.get("Effect") == "Allow" and _statement_matches(s, service) for s in statements)
    denied = any(
        s.get("Effect") == "Deny" and not s.get("Condition") and _statement_matches(s, service) for s in statements
    )
    return allowed and not denied


def trusted_principals(document: Mapping[str, Any]) -> list[str]:
    """Who the Allow statements name as principals (for messages)."""
    names: list[str] = []
    for statement in _statements(document):
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        values = (
            [v for vs in principal.values() for v in _as_list(vs)] if isinstance(principal, Mapping) else [principal]
        )
        names.extend(str(v) for v in values if str(v) not in names)
    return names


@dataclass(frozen=True)
class TrustPolicyFile:
    """The trust policy passecs gives create-role, and where it came from."""

    path: Path
    source: str  # FROM_PROJECT or FROM_PASSECS
    document: Mapping[str, Any] = field(default_factory=dict)

    @property
    def uri(self) -> str:
        """What passecs passes to the aws CLI: an absolute path, whatever the working directory."""
        return f"file://{self.path}"

    def display_uri(self, cwd: Path | None = None) -> str:
        """What an operator pastes: relative to the working directory when the file is below it."""
        cwd = Path.cwd() if cwd is None else cwd
        try:
            return f"file://{self.path.relative_to(cwd.resolve())}"
        except ValueError:
            return self.uri

    def describe(self) -> str:
        where = "the project's" if self.source == FROM_PROJECT else "the copy shipped with passecs"
        return f"{self.path} ({where})"


def load_trust_policy(project_dir: Path) -> TrustPolicyFile:
    """The project's ``execution-assume-role.json``, else passecs's own copy, checked to be the right policy."""
    path = (project_dir / TRUST_POLICY_FILE).resolve()
    source = FROM_PROJECT
    if not path.exists():  # a directory, FIFO or device of that name is refused below, not skipped
        path, source = PACKAGED_TRUST_POLICY, FROM_PASSECS
    fix = (
        f"restore the runbook's {TRUST_POLICY_FILE} (Allow, Principal Service {ECS_TASKS_SERVICE}, "
        "Action sts:AssumeRole), or remove it to use the copy shipped with passecs"
    )
    try:
        text = read_text(path, "trust policy")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise InvalidInput(f"{path}: cannot be read: {reason}", fix) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", fix) from None
    except (ValueError, RecursionError) as exc:  # a number of thousands of digits, nesting too deep
        raise InvalidInput(f"{path}: not a JSON document passecs can read ({type(exc).__name__})", fix) from None
    if not isinstance(document, dict) or not allows_assume_role(document):
        raise InvalidInput(
            f"{path}: not the execution role's trust policy: it must Allow Principal Service "
            f"{ECS_TASKS_SERVICE} the Action sts:AssumeRole",
            fix,
        )
    return TrustPolicyFile(path=path, source=source, document=document)


# --------------------------------------------------------------------------------------------------
# inputs: role name, region, the ecs-params cross-check


def validate_role_name(role_name: str) -> str:
    if not _ROLE_NAME.fullmatch(role_name):
        raise InvalidInput(
            f"--role-name {role_name!r}: not an IAM role name",
            "use 1-64 letters, digits and +=,.@_- (the runbook's is ecsExecutionRole)",
        )
    return role_name


@dataclass(frozen=True)
class Region:
    name: str
    source: str  # where it came from, for messages


def resolve_region(ctx: Context, region: str | None = None) -> Region:
    """``--region``, else the default cluster configuration's region, else AWS_REGION / AWS_DEFAULT_REGION."""
    found: Region | None = None
    if region is not None:
        found = Region(region.strip(), "--region")
    else:
        from passecs.files.ecs import read_cluster_configurations

        default = read_cluster_configurations(ctx.ecs_dir).get(None)
        if default is not None and default.region:
            found = Region(default.region, f"the region of the default cluster configuration {default.name!r}")
        else:
            for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
                value = ctx.env.get(variable, "").strip()
                if value:
                    found = Region(value, variable)
                    break
    if found is None:
        raise InvalidInput(
            "no AWS region: no --region, no default cluster configuration with a region, "
            "no AWS_REGION or AWS_DEFAULT_REGION",
            "pass --region us-east-1, or set AWS_REGION, or run 'passecs configure cluster NAME "
            "--cluster CLUSTER --region REGION --default'",
        )
    if not is_aws_region(found.name):
        raise InvalidInput(f"{found.source}: {found.name!r} is not an AWS region", "give a region such as us-east-1")
    return found


def _expand(value: str, env: Mapping[str, str]) -> str | None:
    """``value`` with ${VAR} and $VAR replaced from ``env`` (Go's os.ExpandEnv, as ecs-cli), or None if one is unset."""
    expanded, unset = expand_env(value, env)
    return None if unset else expanded


def ecs_params_warnings(ctx: Context, role_name: str) -> list[str]:
    """Warnings when ecs-params.yml names a task execution role other than ``role_name``."""
    from passecs.files.project import ECS_PARAMS_FILE, load_yaml_file

    path = ctx.project_dir / ECS_PARAMS_FILE
    if not path.is_file():
        return []
    try:
        data = load_yaml_file(path)
    except InvalidInput as exc:
        return [f"{exc.message}: its task_execution_role was not compared with {role_name!r}"]
    task_definition = data.get("task_definition") if isinstance(data, dict) else None
    value = task_definition.get("task_execution_role") if isinstance(task_definition, dict) else None
    if value is None or (isinstance(value, str) and not value.strip()):
        return [
            f"{path}: no task_definition.task_execution_role; Fargate tasks that log to CloudWatch need one: "
            f"set it to {role_name}"
        ]
    if not isinstance(value, str):
        return [f"{path}: task_definition.task_execution_role is not a string: set it to {role_name}"]
    expanded = _expand(value, ctx.env)
    if expanded is None:
        return [
            f"{path}: task_definition.task_execution_role {value!r} uses a variable that is not set; "
            f"it was not compared with {role_name!r}"
        ]
    named = role_name_of(expanded)
    if named == role_name:
        return []
    return [
        f"{path} names task_execution_role {named!r} but the role being ensured is {role_name!r}: "
        f"ECS could not start the tasks; change task_definition.task_execution_role in {ECS_PARAMS_FILE} "
        f"to {role_name}, or run 'passecs iam ensure-role --role-name {named}'"
    ]


# --------------------------------------------------------------------------------------------------
# the plan (--dry-run) and the ensure-role service


@dataclass(frozen=True)
class Prepared:
    """Everything checked before any aws call: the same for the plan and the real run."""

    role_name: str
    region: Region
    trust_policy: TrustPolicyFile
    warnings: tuple[str, ...]


def prepare(ctx: Context, role_name: str = DEFAULT_ROLE_NAME, region: str | None = None) -> Prepared:
    validate_role_name(role_name)
    return Prepared(
        role_name=role_name,
        region=resolve_region(ctx, region),
        trust_policy=load_trust_policy(ctx.project_dir),
        warnings=tuple(ecs_params_warnings(ctx, role_name)),
    )


@dataclass(frozen=True)
class RolePlan:
    prepared: Prepared  # the role name, region, trust policy and warnings: the plan's inputs, kept as checked
    commands: tuple[Command, ...]

    @property
    def role_name(self) -> str:
        return self.prepared.role_name

    @property
    def region(self) -> str:
        return self.prepared.region.name

    @property
    def trust_policy(self) -> TrustPolicyFile:
        return self.prepared.trust_policy

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.prepared.warnings

    def lines(self) -> list[str]:
        return [c.display() for c in self.commands]

    def to_json(self) -> dict[str, Any]:
        return {
            "dry_run": True,
            "role_name": self.role_name,
            "region": self.region,
            "policy_arn": TASK_EXECUTION_POLICY_ARN,
            "commands": self.lines(),
            "trust_policy_file": str(self.trust_policy.path),
            "trust_policy_source": self.trust_policy.source,
            "warnings": list(self.warnings),
        }


def plan(
    ctx: Context,
    role_name: str = DEFAULT_ROLE_NAME,
    region: str | None = None,
    *,
    prepared: Prepared | None = None,
    cwd: Path | None = None,
) -> RolePlan:
    """The runbook's commands for this role, in order, as an operator would paste them; calls nothing."""
    prep = prepared or prepare(ctx, role_name, region)
    role_name = prep.role_name
    calls = (
        awscli.iam_create_role(role_name, prep.trust_policy.display_uri(cwd), prep.region.name),
        awscli.iam_attach_role_policy(role_name, TASK_EXECUTION_POLICY_ARN, prep.region.name),
    )
    commands = tuple(replace(c.command(), secrets=ctx.secrets()) for c in calls)
    return RolePlan(prep, commands)


@dataclass(frozen=True)
class Step:
    name: str
    outcome: str


@dataclass(frozen=True)
class RoleReport:
    role_name: str
    role_arn: str
    region: str
    trust_policy: TrustPolicyFile
    steps: tuple[Step, ...]
    warnings: tuple[str, ...] = ()
    policy_arn: str = TASK_EXECUTION_POLICY_ARN

    @property
    def changed(self) -> bool:
        return any(step.outcome != IN_PLACE for step in self.steps)

    def to_json(self) -> dict[str, Any]:
        return {
            "role_name": self.role_name,
            "role_arn": self.role_arn,
            "region": self.region,
            "policy_arn": self.policy_arn,
            "steps": [{"name": s.name, "outcome": s.outcome} for s in self.steps],
            "changed": self.changed,
            "trust_policy_file": str(self.trust_policy.path),
            "trust_policy_source": self.trust_policy.source,
            "warnings": list(self.warnings),
        }


def _check_trust(role: awscli.Role, prep: Prepared) -> None:
    if allows_assume_role(role.trust_policy):
        return
    fix_call = awscli.iam_update_assume_role_policy(role.name, prep.trust_policy.display_uri(), prep.region.name)
    principals = ", ".join(trusted_principals(role.trust_policy)) or "nobody"
    raise CommandFailed(
        f"role {role.name} exists but its trust policy does not let {ECS_TASKS_SERVICE} assume it "
        f"(it trusts: {principals}); passecs does not change a role it did not create",
        f"{shlex.join(fix_call.argv())}  (this replaces the role's trust policy), or choose another --role-name",
    )


def _attach_failed(exc: awscli.NoSuchEntity, role_name: str, env: Mapping[str, str]) -> CommandFailed:
    text = exc.failure.message
    if "Policy" not in text and "policy" not in text:
        return CommandFailed(
            f"cannot attach the policy: role {role_name} disappeared meanwhile (NoSuchEntity)",
            "run the command again",
        )
    endpoint = env.get("AWS_ENDPOINT_URL", "").strip()
    if endpoint:
        fix = (
            f"the endpoint AWS_ENDPOINT_URL={endpoint} does not know this AWS-managed policy "
            "(for moto_server, start it with MOTO_IAM_LOAD_MANAGED_POLICIES=true)"
        )
    else:
        fix = f"check that the policy exists: aws iam get-policy --policy-arn {TASK_EXECUTION_POLICY_ARN}"
    return CommandFailed(
        f"cannot attach {TASK_EXECUTION_POLICY_ARN} to role {role_name}: the policy does not exist "
        "or is not attachable (NoSuchEntity)",
        fix,
    )


def attached_policies(
    ctx: Context, prepared: Prepared, retry: awscli.RetryPolicy = awscli.DEFAULT_RETRY
) -> tuple[awscli.AttachedPolicy, ...] | None:
    """The policies attached to the role, None when it does not exist: asked at the same time as
    :func:`ensure_role`'s get-role (which it then passes as ``attached``), it saves waiting for one call."""
    from passecs.core.tools import AWS, require

    call = awscli.iam_list_attached_role_policies(prepared.role_name, prepared.region.name)
    try:
        data = awscli.call_json(ctx, call, program=require(AWS, ctx.env), retry=retry)
    except awscli.NoSuchEntity:
        return None
    return awscli.parse_attached_policies(data, "aws iam list-attached-role-policies")


def ensure_role(
    ctx: Context,
    role_name: str = DEFAULT_ROLE_NAME,
    region: str | None = None,
    *,
    prepared: Prepared | None = None,
    retry: awscli.RetryPolicy = awscli.DEFAULT_RETRY,
    attached: Callable[[], tuple[awscli.AttachedPolicy, ...] | None] | None = None,
) -> RoleReport:
    """Make sure the execution role exists, trusts ECS tasks, and has the execution policy attached.

    Calls, at most: get-role, create-role (only when missing), list-attached-role-policies (only for a
    role that existed), attach-role-policy (only when not attached). A second run makes two calls and
    changes nothing. ``prepared`` (from :func:`prepare`) saves checking the inputs twice when the caller
    has shown them already.

    With ``--dry-run`` nothing is asked of AWS: the runbook's commands (:func:`plan`) go through
    ``ctx.execute``, which prints them, and every step's outcome is ``dry run``.

    ``attached``: the role's attached policies as the caller asked for them at the same time as get-role
    (:func:`attached_policies`, None when the role did not exist); asked here when not given.
    """
    from passecs.core.tools import AWS, require

    prep = prepared or prepare(ctx, role_name, region)
    role_name = prep.role_name
    if ctx.dry_run:
        for command in plan(ctx, prepared=prep).commands:
            ctx.execute(command, mutates=True)
        return RoleReport(
            role_name=role_name,
            role_arn="",
            region=prep.region.name,
            trust_policy=prep.trust_policy,
            steps=(Step(CREATE_ROLE_STEP, DRY_RUN), Step(ATTACH_POLICY_STEP, DRY_RUN)),
            warnings=prep.warnings,
        )
    program = require(AWS, ctx.env)
    region_name = prep.region.name

    def run(call: awscli.AwsCall, mutates: bool = False) -> Any:
        return awscli.call_json(ctx, call, mutates=mutates, program=program, retry=retry)

    created = False
    try:
        role = awscli.parse_role(run(awscli.iam_get_role(role_name, region_name)), "aws iam get-role")
    except awscli.NoSuchEntity:

        def made_meanwhile() -> Any:  # a lost answer of create-role: is the role there now?
            try:
                return run(awscli.iam_get_role(role_name, region_name))
            except awscli.NoSuchEntity:
                return None

        try:
            role = awscli.parse_role(
                awscli.carry_out(
                    f"creating role {role_name}",
                    lambda: run(awscli.iam_create_role(role_name, prep.trust_policy.uri, region_name), mutates=True),
                    made_meanwhile,
                ),
                "aws iam create-role",
            )
            created = True
        except awscli.EntityAlreadyExists:
            # created between our get-role and create-role (another run, or our own retried request)
            role = awscli.parse_role(run(awscli.iam_get_role(role_name, region_name)), "aws iam get-role")
    if not created:
        _check_trust(role, prep)
    steps = [Step(CREATE_ROLE_STEP, CREATED if created else IN_PLACE)]

    # a role created a moment ago has no policies: asking would cost a call and tell nothing
    policies: tuple[awscli.AttachedPolicy, ...] | None = ()
    if not created:
        policies = attached() if attached is not None else None
        if policies is None:
            policies = awscli.parse_attached_policies(
                run(awscli.iam_list_attached_role_policies(role_name, region_name)),
                "aws iam list-attached-role-policies",
            )
    if any(policy.arn == TASK_EXECUTION_POLICY_ARN for policy in policies or ()):
        steps.append(Step(ATTACH_POLICY_STEP, IN_PLACE))
    else:
        def attached_meanwhile() -> Any:  # a lost answer of attach-role-policy: is it attached now?
            policies = awscli.parse_attached_policies(
                run(awscli.iam_list_attached_role_policies(role_name, region_name)),
                "aws iam list-attached-role-policies",
            )
            return True if any(policy.arn == TASK_EXECUTION_POLICY_ARN for policy in policies) else None

        try:
            awscli.carry_out(
                f"attaching {TASK_EXECUTION_POLICY_ARN} to {role_name}",
                lambda: run(
                    awscli.iam_attach_role_policy(role_name, TASK_EXECUTION_POLICY_ARN, region_name), mutates=True
                ),
                attached_meanwhile,
            )
        except awscli.NoSuchEntity as exc:
            raise _attach_failed(exc, role_name, ctx.env) from None
        steps.append(Step(ATTACH_POLICY_STEP, ATTACHED))

    return RoleReport(
        role_name=role.name,
        role_arn=role.arn,
        region=region_name,
        trust_policy=prep.trust_policy,
        steps=tuple(steps),
        warnings=prep.warnings,
    )
