"""``passecs iam ensure-role``: the runbook's "ECS Task Execution Role" step, safe to repeat."""

from __future__ import annotations

from typing import Annotated

import typer

from passecs.commands import options

ROLE_NAME_DEFAULT = "ecsExecutionRole"  # = passecs.files.defaults.DEFAULT_ROLE_NAME (not imported: keeps --help light)

iam_app = typer.Typer(
    name="iam",
    help="The ECS task execution role (runbook step 'ECS Task Execution Role').",
    no_args_is_help=True,
)


@iam_app.command("ensure-role")
def ensure_role(
    ctx: typer.Context,
    role_name: Annotated[
        str, typer.Option("--role-name", help="The task execution role (ecs-params.yml's task_execution_role).")
    ] = ROLE_NAME_DEFAULT,
    region: Annotated[
        str | None,
        typer.Option(
            "--region",
            help="AWS region for the aws calls.",
            show_default="the default cluster configuration's region, else AWS_REGION / AWS_DEFAULT_REGION",
        ),
    ] = None,
    json_output: options.JsonOption = False,
) -> None:
    """Create the execution role if missing; attach AmazonECSTaskExecutionRolePolicy if not attached.

    Looks first and changes only what is missing: a second run changes nothing.

    A role that exists but does not trust ecs-tasks.amazonaws.com is refused, never changed.

    With --dry-run: prints the runbook's aws commands, in order, and calls nothing.
    """
    from passecs.core import output
    from passecs.runbook import iam

    context = options.context(ctx)
    prepared = iam.prepare(context, role_name, region)
    for text in prepared.warnings:
        output.warning(text)
    if not json_output:
        output.progress(f"trust policy: {prepared.trust_policy.describe()}")
    if context.dry_run:
        plan = iam.plan(context, prepared=prepared)
        if json_output:
            output.print_json(plan.to_json())
            return
        output.progress("dry run: the runbook's commands, in order; passecs runs each only where it is needed")
        for line in plan.lines():
            output.result(line)
        return

    report = iam.ensure_role(context, prepared=prepared)
    if json_output:
        output.print_json(report.to_json())
        return
    labels = {
        iam.CREATE_ROLE_STEP: f"role {report.role_name}",
        iam.ATTACH_POLICY_STEP: f"policy {report.policy_arn.rsplit('/', 1)[-1]}",
    }
    for step in report.steps:
        output.result(f"{labels.get(step.name, step.name)}: {step.outcome}")
    output.result(f"role ARN: {report.role_arn}")
    if not report.changed:
        output.result("nothing changed: the execution role was already in place")


def register(app: typer.Typer) -> None:
    app.add_typer(iam_app)
