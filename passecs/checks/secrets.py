"""Secrets in the containers' environment: where the task definition's environment comes from, and the
rules over it that ``doctor`` reports and that ``up``/``deploy`` enforce before any call.

:func:`container_environment` reads what every service's container environment is made of: each
``env_file`` (after interpolation, relative to the first compose file, as ecs-cli reads it) and each
service's ``environment`` key. The rules are pure functions over those sources:

- :func:`aws_credentials`: AWS keys in a container's environment (refused: exit 3, before any call);
- :func:`plain_secrets`: a secret-looking variable (PASSWORD, TOKEN, KEY... in its name) with a plain value,
  which belongs under ``secrets:`` in ecs-params.yml (doctor warns, with the snippet);
- :func:`passecs_settings`: passecs's own settings in a file the containers get (doctor warns).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from passecs.core.errors import InvalidInput
from passecs.core.masking import is_secret_name, secret_values
from passecs.files.defaults import SETTINGS_EXAMPLE_FILE, SETTINGS_FILE
from passecs.files.project import (
    ComposeFile,
    compose_paths,
    interpolate,
    merge_services,
    read_compose_file,
    read_dotenv,
    read_env_file,
)
from passecs.files.syntax import Interpolation

# The variables the AWS CLI and SDKs read credentials from: never in a container's environment.
AWS_CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
# passecs's own settings are PASSECS_* and the variables ecs-params.yml uses (PASS_SUBNET_ID, ...)
SETTINGS_PREFIX = "PASSECS_"

CREDENTIALS_FIX = (
    "remove the AWS keys from that file (the containers get their AWS access from the task role, not from keys) "
    "and give them to passecs another way: export them in the environment, or name a profile of "
    "~/.aws/credentials with AWS_PROFILE, or store the ECS profile in ~/.ecs/credentials "
    "(passecs configure profile NAME --default)"
)


@dataclass(frozen=True)
class EnvSource:
    """One part of the containers' environment: an env_file, or a service's ``environment`` key."""

    where: str  # how messages name it: the env_file's path (relative to the project), or the compose key
    path: Path | None  # the env_file; None for an ``environment`` key
    services: tuple[str, ...]  # the services whose containers get it
    values: Mapping[str, str]


@dataclass(frozen=True)
class Exposed:
    """A variable of an :class:`EnvSource` that a rule is about."""

    source: EnvSource
    name: str


# --------------------------------------------------------------------------------------------------
# reading


def _relative(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


def _declared_environment(declared: Any, lookup: Mapping[str, str]) -> dict[str, str]:
    """A service's ``environment`` (mapping or list) as the container gets it (value-less: the lookup's)."""
    if isinstance(declared, Mapping):
        items: list[tuple[str, Any]] = [(str(k), v) for k, v in declared.items()]
    elif isinstance(declared, list):
        items = []
        for entry in declared:
            key, sep, value = str(entry).partition("=")
            items.append((key, value if sep else None))
    else:
        return {}
    values: dict[str, str] = {}
    for key, value in items:
        if value is None:
            values[key] = lookup.get(key, "")
        elif isinstance(value, bool):
            values[key] = "true" if value else "false"
        else:
            values[key] = str(value)
    return values


def env_file_users(compose_files: Sequence[ComposeFile], env: Mapping[str, str]) -> dict[Path, list[str]]:
    """Every env_file the merged services name (after interpolation, relative to the first compose file's
    directory, as ecs-cli reads them), with the services naming it, in first-seen order."""
    if not compose_files:
        return {}
    base = compose_files[0].path.parent
    lookup = {**read_dotenv(base), **env}
    state = Interpolation.over(lookup.get)
    joined: dict[str, Path] = {}
    files: dict[Path, list[str]] = {}
    for name, service in merge_services(f.data for f in compose_files).items():
        value, _ = interpolate(service.get("env_file"), lookup, state=state)
        entries = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        for entry in entries:
            text = str(entry)
            path = joined.get(text)
            if path is None:
                path = joined[text] = base / text  # once per name: a thousand services may repeat it
            files.setdefault(path, []).append(name)
    return files


def container_environment(
    compose_files: Sequence[ComposeFile], env: Mapping[str, str], project_dir: Path | None = None
) -> list[EnvSource]:
    """Every env_file (each once, with the services using it) and every ``environment`` key of the merged
    services. A missing env_file is left out (doctor's env_file check and ecs-cli report it)."""
    if not compose_files:
        return []
    base = compose_files[0].path.parent
    shown_from = project_dir or base
    lookup = {**read_dotenv(base), **env}
    files = env_file_users(compose_files, env)
    declared: list[EnvSource] = []
    state = Interpolation.over(lookup.get)
    for name, service in merge_services(f.data for f in compose_files).items():
        environment, _ = interpolate(service.get("environment"), lookup, state=state)
        values = _declared_environment(environment, lookup)
        if values:
            declared.append(EnvSource(f"the `environment` of service {name}", None, (name,), values))
    sources = [
        EnvSource(_relative(path, shown_from), path, tuple(dict.fromkeys(names)), read_env_file(path))
        for path, names in files.items()
        if path.is_file()
    ]
    return sources + declared


def project_environment(
    project_dir: Path, files: Sequence[str] | None, env: Mapping[str, str]
) -> list[EnvSource]:
    """:func:`container_environment` of the project's compose files (``files``: -f, default the pair)."""
    paths = [p if p.is_absolute() else project_dir / p for p in compose_paths(project_dir, files)]
    return container_environment([read_compose_file(p) for p in paths], env, project_dir)


# --------------------------------------------------------------------------------------------------
# the rules (pure)


def aws_credentials(sources: Iterable[EnvSource]) -> list[Exposed]:
    """AWS keys (non-empty) that a container's environment would carry."""
    return [
        Exposed(source, name)
        for source in sources
        for name in AWS_CREDENTIAL_VARIABLES
        if source.values.get(name)
    ]


def plain_secrets(sources: Iterable[EnvSource]) -> list[Exposed]:
    """Secret-named variables (other than the AWS keys) with a plain, non-empty value."""
    return [
        Exposed(source, name)
        for source in sources
        for name, value in source.values.items()
        if value and is_secret_name(name) and name not in AWS_CREDENTIAL_VARIABLES
    ]


def passecs_settings(sources: Iterable[EnvSource], settings: Iterable[str] = ()) -> list[Exposed]:
    """passecs's own settings (PASSECS_*, and ``settings``: the variables ecs-params.yml uses) that a
    container's environment would carry."""
    wanted = set(settings)
    return [
        Exposed(source, name)
        for source in sources
        for name in source.values
        if name.startswith(SETTINGS_PREFIX) or name in wanted
    ]


def secrets_of(sources: Iterable[EnvSource]) -> tuple[str, ...]:
    """The values displays must mask: the AWS keys and the secret-named values of every source."""
    values: list[str] = []
    for source in sources:
        values += [v for name in AWS_CREDENTIAL_VARIABLES if (v := source.values.get(name, ""))]
        values += secret_values(source.values)
    return tuple(dict.fromkeys(values))


def by_source(exposed: Iterable[Exposed]) -> list[tuple[EnvSource, list[str]]]:
    """The exposed variables grouped by source, in first-seen order."""
    grouped: dict[str, tuple[EnvSource, list[str]]] = {}
    for item in exposed:
        grouped.setdefault(item.source.where, (item.source, []))[1].append(item.name)
    return list(grouped.values())


def _services(source: EnvSource) -> str:
    return ", ".join(source.services)


def credentials_message(source: EnvSource, names: Sequence[str]) -> str:
    kind = f"{source.where} (env_file of {_services(source)})" if source.path is not None else source.where
    return (
        f"{', '.join(names)} in {kind}: every container would get {'them' if len(names) > 1 else 'it'}, and the "
        "registered task definition would show it to anyone allowed to describe task definitions"
    )


def refusal(exposed: Sequence[Exposed], action: str) -> InvalidInput | None:
    """The error ``action`` (up, deploy) stops with, before any call, when AWS keys would reach a container."""
    grouped = by_source(exposed)
    if not grouped:
        return None
    parts = [credentials_message(source, names) for source, names in grouped]
    return InvalidInput(f"{action}: refused, nothing was called: " + "; ".join(parts), CREDENTIALS_FIX)


def secrets_snippet(service_names: Sequence[str], name: str, region: str | None = None) -> str:
    """The ecs-params.yml lines that give ``name`` to the services as a secret (ecs-cli and the aws backend
    read ``task_definition.services.<service>.secrets``)."""
    where = region or "REGION"
    lines = ["task_definition:", "  services:"]
    for service in service_names:
        lines += [
            f"    {service}:",
            "      secrets:",
            f"        - name: {name}",
            f"          value_from: arn:aws:ssm:{where}:ACCOUNT_ID:parameter/{name}",
        ]
    return "\n".join(lines)


def plain_secret_fix(source: EnvSource, name: str, region: str | None = None) -> str:
    remove = f"remove {name} from {source.where}" if source.path is not None else f"remove it from {source.where}"
    return (
        f"store the value in SSM Parameter Store (aws ssm put-parameter --type SecureString --name {name} ...) "
        f"or Secrets Manager, {remove}, and add to ecs-params.yml (value_from: the parameter's ARN, or a "
        "Secrets Manager secret's ARN; the task execution role needs ssm:GetParameters or "
        f"secretsmanager:GetSecretValue on it):\n{secrets_snippet(source.services, name, region)}"
    )


def settings_fix() -> str:
    return (
        f"move them to {SETTINGS_FILE} (passecs's own settings, which no container sees; "
        f"see {SETTINGS_EXAMPLE_FILE})"
    )
