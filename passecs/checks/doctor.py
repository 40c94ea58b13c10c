"""``passecs doctor``: everything that can be checked before the runbook runs, as findings.

Each check is a pure function over already-read data (files, the environment, a tool's version line)
returning :class:`Finding` values; :func:`offline` gathers the data and runs them in the runbook's order,
:func:`online` asks AWS (through the aws CLI) what only AWS knows. Nothing here prints: the command
renders the findings. The rules come from tests/data/ecs-cli/SPEC.md (§1, §3.3, §5) and the recordings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from passecs.checks.secrets import EnvSource, container_environment, env_file_users
from passecs.core.errors import InvalidInput, PassecsError
from passecs.core.findings import Finding, fail, failed, listed, ok, warn
from passecs.files import compose, syntax
from passecs.files.defaults import DEFAULT_ROLE_NAME, TASK_EXECUTION_POLICY_ARN
from passecs.files.ecs import ClusterConfiguration, ClusterConfigurations, read_cluster_configurations
from passecs.files.project import (
    DEFAULT_COMPOSE_FILES,
    ECS_PARAMS_FILE,
    ComposeFile,
    EcsParams,
    Project,
    compose_paths,
    compose_variables,
    load_project,
    merge_services,
    read_compose_file,
    read_ecs_params,
)

if TYPE_CHECKING:
    from passecs.core.context import Context


# The role `passecs iam ensure-role` manages (the runbook's "ECS Task Execution Role" step), and its policy.
DEFAULT_EXECUTION_ROLE = DEFAULT_ROLE_NAME
EXECUTION_ROLE_POLICY_ARN = TASK_EXECUTION_POLICY_ARN

# The values passecs.env.example ships with: they must be replaced by the operator's own VPC's ids.
PLACEHOLDER_IDS = re.compile(r"^(subnet|sg)-0+$")


# --------------------------------------------------------------------------------------------------
# tools

_ECS_CLI_VERSION = re.compile(r"ecs-cli version (\S+)")
_AWS_VERSION = re.compile(r"aws-cli/(\S+)")


def parse_ecs_cli_version(stdout: str, stderr: str = "") -> str | None:
    """``ecs-cli version 1.21.0 (*2791f9b)`` -> ``1.21.0`` (ecs-cli prints everything to stdout)."""
    m = _ECS_CLI_VERSION.search(stdout) or _ECS_CLI_VERSION.search(stderr)
    return m.group(1) if m else None


def parse_aws_version(stdout: str, stderr: str = "") -> str | None:
    """``aws-cli/1.45.11 Python/...`` -> ``1.45.11`` (stdout in awscli 1.x today, stderr in old ones)."""
    m = _AWS_VERSION.search(stdout) or _AWS_VERSION.search(stderr)
    return m.group(1) if m else None


_TOOL_ROLE = {
    "ecs-cli": "compose up/ps/logs/down and deploy need it",
    "aws": "iam ensure-role and doctor --online need it",
}


def check_tool(tool: str, path: str | None, version: str | None, advice: str) -> Finding:
    """A missing tool fails: both are needed by deploy (no other backend exists yet)."""
    if path is None:
        return fail(tool, f"{tool} not found ({_TOOL_ROLE.get(tool, 'passecs needs it')})", advice)
    if version is None:
        return warn(
            tool,
            f"{tool} at {path}, but `{tool} --version` printed no version",
            f"check that {path} is the real {tool} (run `{tool} --version`)",
        )
    return ok(tool, f"{tool} {version} ({path})")


# --------------------------------------------------------------------------------------------------
# ~/.ecs and credentials


def check_ecs_files(ecs_dir: Path, home: Path | None = None) -> tuple[list[Finding], ClusterConfigurations | None]:
    """~/.ecs/config and ~/.ecs/credentials through the configure validator (passecs config validate)."""
    from passecs.files.ecs import validate_ecs_dir

    check = "ecs files"
    findings: list[Finding] = []
    for item in validate_ecs_dir(ecs_dir, home):
        if item.message == "does not exist":
            continue  # the cluster configuration and credentials checks say what a missing file means
        findings.append(Finding(check, item.status, f"{item.where} {item.message}", item.fix))
    configs: ClusterConfigurations | None = None
    try:
        configs = read_cluster_configurations(ecs_dir)
    except InvalidInput as exc:
        if not failed(findings):
            findings.append(fail(check, exc.message, exc.fix or "run `passecs config validate`"))
    if not findings:
        present = [p.name for p in (ecs_dir / "config", ecs_dir / "credentials") if p.is_file()]
        text = " and ".join(f"{ecs_dir}/{name}" for name in present) + " valid" if present else f"no files in {ecs_dir}"
        findings.append(ok(check, text))
    return findings, configs


def check_cluster_configuration(
    configs: ClusterConfigurations | None, name: str | None, ecs_dir: Path
) -> tuple[Finding, ClusterConfiguration | None]:
    check = "cluster configuration"
    if configs is None:
        return fail(check, f"{ecs_dir}/config cannot be read", "fix the file (see above)"), None
    setup = "passecs configure cluster NAME --cluster CLUSTER --region REGION --default"
    if name is None and configs.default is None:
        return fail(check, f"no default cluster configuration in {ecs_dir}/config", f"create one: {setup}"), None
    chosen = configs.get(name)
    label = name if name is not None else configs.default
    if chosen is None:
        known = ", ".join(sorted(configs.clusters)) or "none"
        how = "-c" if name is not None else "the default"
        return fail(
            check,
            f"cluster configuration {label!r} ({how}) not found in {ecs_dir}/config (known: {known})",
            f"create it: {setup.replace('NAME', str(label))}, or pick one of the known ones with -c",
        ), None
    if not chosen.cluster or not chosen.region:
        return fail(
            check,
            f"cluster configuration {label!r} has no {'cluster' if not chosen.cluster else 'region'}",
            f"set it again: {setup.replace('NAME', str(label))}",
        ), chosen
    if chosen.launch_type != "FARGATE":
        launch = chosen.launch_type or '""'
        return fail(
            check,
            f"cluster configuration {label!r}: default_launch_type is {launch}, the runbook deploys on FARGATE",
            f"passecs configure cluster {label} --cluster {chosen.cluster} --region {chosen.region} "
            "--launch-type FARGATE",
        ), chosen
    return ok(check, f"{label}: cluster {chosen.cluster}, region {chosen.region}, FARGATE"), chosen


CREDENTIALS_FIX = (
    "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (environment or passecs.env, never .env) and run "
    "`passecs configure profile NAME --default`, or set AWS_PROFILE to a profile in ~/.aws/credentials"
)


def _ini_sections(path: Path) -> dict[str, dict[str, str]]:
    import configparser

    from passecs.core.errors import InvalidInput
    from passecs.files.reading import read_text

    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read_string(read_text(path, "AWS file"), str(path))
    except (configparser.Error, UnicodeDecodeError, OSError, InvalidInput):
        return {}
    return {section: dict(parser.items(section)) for section in parser.sections()}


def _ecs_profiles(ecs_dir: Path) -> tuple[str | None, dict[str, dict[str, Any]]]:
    import yaml

    from passecs.core.errors import InvalidInput
    from passecs.files.reading import read_text, safe_load_yaml

    path = ecs_dir / "credentials"
    try:
        data = safe_load_yaml(read_text(path, "~/.ecs/credentials"), path)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, InvalidInput):
        return None, {}
    if not isinstance(data, dict):
        return None, {}
    profiles = data.get("ecs_profiles")
    found = {str(k): v for k, v in profiles.items() if isinstance(v, dict)} if isinstance(profiles, dict) else {}
    default = data.get("default")
    return (str(default) if default else None), found


def _has_keys(entry: Mapping[str, Any]) -> bool:
    return bool(entry.get("aws_access_key_id")) and bool(entry.get("aws_secret_access_key"))


def check_credentials(env: Mapping[str, str], ecs_dir: Path, home: Path) -> Finding:
    """Where ecs-cli (SPEC §3.3) and the aws CLI would find credentials; never any value."""
    check = "credentials"
    default_profile, profiles = _ecs_profiles(ecs_dir)
    aws_credentials = Path(env.get("AWS_SHARED_CREDENTIALS_FILE") or home / ".aws" / "credentials")
    aws_config = Path(env.get("AWS_CONFIG_FILE") or home / ".aws" / "config")

    ecs_profile = env.get("ECS_PROFILE", "").strip()
    if ecs_profile:
        entry = profiles.get(ecs_profile)
        if entry is None or not _has_keys(entry):
            return fail(
                check,
                f"ECS_PROFILE={ecs_profile}: no such profile with keys in {ecs_dir}/credentials",
                f"passecs configure profile {ecs_profile}, or unset ECS_PROFILE",
            )
    aws_profile = env.get("AWS_PROFILE", "").strip()
    if aws_profile:
        in_credentials = aws_profile in _ini_sections(aws_credentials)
        config_sections = _ini_sections(aws_config)
        in_config = f"profile {aws_profile}" in config_sections or aws_profile in config_sections
        if not (in_credentials or in_config):
            return fail(
                check,
                f"AWS_PROFILE={aws_profile}: no such profile in {aws_credentials} or {aws_config}",
                f"add the profile (aws configure --profile {aws_profile}) or unset AWS_PROFILE",
            )
        return ok(check, f"AWS profile {aws_profile} (AWS_PROFILE), for ecs-cli and the aws CLI")
    if ecs_profile:
        return warn(
            check,
            f"ECS profile {ecs_profile} (ECS_PROFILE): ecs-cli can use it, the aws CLI cannot",
            "also set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) for the aws CLI",
        )
    key_id, secret = env.get("AWS_ACCESS_KEY_ID", ""), env.get("AWS_SECRET_ACCESS_KEY", "")
    if key_id and secret:
        return ok(check, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment")
    if key_id or secret:
        missing = "AWS_SECRET_ACCESS_KEY" if key_id else "AWS_ACCESS_KEY_ID"
        return fail(check, f"{missing} is not set (its pair is)", f"set {missing} too (environment or passecs.env)")
    shared_default = env.get("AWS_DEFAULT_PROFILE", "").strip() or "default"
    shared = _ini_sections(aws_credentials).get(shared_default, {})
    has_shared = bool(shared.get("aws_access_key_id")) or bool(shared.get("role_arn"))
    if default_profile is not None and _has_keys(profiles.get(default_profile, {})):
        if has_shared:
            return ok(check, f"default ECS profile {default_profile}; aws CLI: profile {shared_default}")
        return warn(
            check,
            f"default ECS profile {default_profile}: ecs-cli can use it, the aws CLI cannot",
            "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (environment or passecs.env) "
            "or AWS_PROFILE for the aws CLI",
        )
    if has_shared:
        return ok(check, f"AWS profile {shared_default} in {aws_credentials}")
    return fail(check, "no AWS credentials found (ECS profile, AWS_* variables or AWS profile)", CREDENTIALS_FIX)


# --------------------------------------------------------------------------------------------------
# compose files

# the compose rules are ecs-cli's, in passecs.files.compose (re-exported for the checks' readers)
ACCEPTED_VERSIONS = compose.ACCEPTED_VERSIONS
SUPPORTED_V1_V2 = compose.SUPPORTED_V1_V2
LIBCOMPOSE_SCHEMA = compose.LIBCOMPOSE_SCHEMA
SUPPORTED_V3 = compose.SUPPORTED_V3
FORBIDDEN_V3 = compose.FORBIDDEN_V3
COMPOSE_V3_SCHEMA = compose.COMPOSE_V3_SCHEMA


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def check_compose_files(paths: Sequence[Path]) -> tuple[list[Finding], list[ComposeFile]]:
    findings: list[Finding] = []
    files: list[ComposeFile] = []
    for path in paths:
        try:
            files.append(read_compose_file(path))
        except InvalidInput as exc:
            findings.append(fail("compose files", exc.message, exc.fix or "fix the file"))
    if not findings:
        findings.append(ok("compose files", ", ".join(p.name for p in paths) + " parse"))
    return findings, files


def _finding(check: str, notice: compose.Notice) -> Finding:
    if notice.level == "error":
        return fail(check, notice.message, notice.fix or "fix the file")
    return warn(check, notice.message, notice.fix or "see the message")


def check_compose_versions(files: Sequence[ComposeFile]) -> list[Finding]:
    """The versions ecs-cli reads, as ``up`` applies them (:func:`passecs.files.compose.version_notices`)."""
    check = "compose version"
    notices = compose.version_notices([(f.path.name, f.version) for f in files])
    refused = any(n.level == "error" for n in notices)
    findings = [_finding(check, n) for n in notices if n.level == "error" or not refused]
    for f in files:
        pitfall = compose.v1_services_pitfall(f.path, f.data)
        if pitfall is not None:
            findings.append(_finding(check, pitfall))
    versions = list(dict.fromkeys(f.version for f in files))
    if not findings and files:
        shown = versions[0] if versions and versions[0] else "none (v1)"
        findings.append(ok(check, f"{shown}, in every file"))
    return findings


# Skipped keys that only matter to local docker-compose: listed, not warned about
HARMLESS_IGNORED = {
    "build": "ECS pulls the image; push it to a registry first",
    "depends_on": "the containers of one task start together",
}


def check_compose_keys(files: Sequence[ComposeFile]) -> list[Finding]:
    """Keys ecs-cli skips with a warning (warn) or rejects (fail), per file and service (SPEC §5.3).

    The verdicts are :func:`passecs.files.compose.key_notices` and ``skip_notices``, the rules ``up`` applies.
    """
    check = "compose keys"
    findings: list[Finding] = []
    harmless: dict[str, list[str]] = {}
    for f in files:
        if compose.v1_services_pitfall(f.path, f.data) is not None:
            continue  # one finding says it (compose version)
        kind = compose.version_kind(f.version) or ("v3" if (f.version or "").startswith("3") else "v2")
        for name, service in merge_services([f.data]).items():
            errors = compose.key_notices(kind, f.path.name, name, service)
            findings.extend(_finding(check, n) for n in errors)
            refused = {n.message.split(": ")[2].split(" ", 1)[0] for n in errors}
            shown: set[str] = set()
            for notice in compose.skip_notices(kind, name, service):
                key = notice.message.split(": ", 1)[1].split(" ", 1)[0]
                if key in shown or key in refused or key not in service:
                    continue
                shown.add(key)
                if key in HARMLESS_IGNORED:
                    harmless.setdefault(key, []).append(name)
                else:
                    findings.append(warn(check, f"{f.path.name}: {notice.message}", notice.fix))
    if not findings:
        skipped = "; ".join(
            f"{key} ({listed(dict.fromkeys(names))}: {HARMLESS_IGNORED[key]})" for key, names in harmless.items()
        )
        findings.append(
            ok(check, "every key is one ecs-cli uses" + (f"; skipped as intended: {skipped}" if skipped else ""))
        )
    return findings


def check_compose_notices(project: Project) -> list[Finding]:
    """What ecs-cli does with these files that the other checks do not show: ignored IP addresses,
    unresolved variables sent empty, and ecs-cli's surprising rules (notes)."""
    findings = []
    for notice in project.notices:
        if notice.level == "error" or notice.check in ("compose keys", "compose version"):
            continue
        if "variable is not set" in notice.ecs_cli:
            continue  # check_variables
        findings.append(warn(notice.check, notice.message, notice.fix or "see the message"))
    return list({(f.check, f.message): f for f in findings}.values())


def check_task_definition(project: Project, launch_type: str | None) -> list[Finding]:
    """The task definition the aws backend would register: the same rules ``up`` applies, so doctor fails
    what ``up`` refuses (ecs-params healthchecks, volumes, memory, essential containers...)."""
    from passecs.files.conversion import task_definition

    check = "task definition"
    if project.refusal() is not None:
        return []  # already a failed compose check
    try:
        built = task_definition(project, "doctor", launch_type=launch_type)
    except InvalidInput as exc:
        return [fail(check, exc.message, exc.fix or "fix the file named")]
    return [ok(check, f"{len(built['containerDefinitions'])} containers convert as ecs-cli converts them")]


def check_variables(project: Project) -> list[Finding]:
    check = "compose variables"
    if project.unset_variables:
        return [
            fail(
                check,
                f"${{{name}}} is used in the compose files but set neither in the environment nor in .env",
                f"define {name} in {project.base_dir / '.env'} or in the environment",
            )
            for name in project.unset_variables
        ]
    return [ok(check, f"{len(project.variables)} variables, all defined")]


def check_env_files(files: Sequence[ComposeFile], env: Mapping[str, str]) -> list[Finding]:
    """Every env_file exists (paths are relative to the first compose file's directory)."""
    check = "env_file"
    if not files:
        return []
    users = env_file_users(files, env)
    count = sum(len(names) for names in users.values())
    missing = {path: names for path, names in users.items() if not path.is_file()}
    findings = [
        fail(check, f"{path} (env_file of {listed(names)}) does not exist", f"create {path} or fix env_file")
        for path, names in missing.items()
    ]
    return findings or [ok(check, f"{count} env_file entries, all present")]


def check_container_secrets(
    sources: Sequence[EnvSource], settings: Iterable[str] = (), region: str | None = None
) -> list[Finding]:
    """What the containers' environment (env_files, ``environment``) must not carry: AWS keys (fail),
    secret-looking plain values (warn, with the ecs-params.yml ``secrets:`` snippet), passecs's own
    settings (warn). Names the variables, never a value."""
    from passecs.checks import secrets

    findings: list[Finding] = []
    check = "credentials in env_file"
    for source, names in secrets.by_source(secrets.aws_credentials(sources)):
        findings.append(fail(check, secrets.credentials_message(source, names), secrets.CREDENTIALS_FIX))
    if not findings:
        findings.append(ok(check, "no AWS keys in the containers' environment (env_file, environment)"))
    plain = secrets.plain_secrets(sources)
    for item in plain:
        source = item.source
        where = f"{source.where} (env_file of {listed(source.services)})" if source.path else source.where
        findings.append(
            warn(
                "plain secrets",
                f"{item.name} in {where} is a plain value: the task definition carries it in clear, readable by "
                "anyone allowed to describe task definitions",
                secrets.plain_secret_fix(source, item.name, region),
            )
        )
    if not plain:
        findings.append(ok("plain secrets", "no secret-looking plain values in the containers' environment"))
    for source, names in secrets.by_source(secrets.passecs_settings(sources, settings)):
        findings.append(
            warn(
                "passecs settings",
                f"{', '.join(names)} in {source.where} (env_file of {listed(source.services)}): passecs's own "
                "settings reach the containers' environment",
                secrets.settings_fix(),
            )
        )
    return findings


def settings_variables(files: Sequence[ComposeFile], params_path: Path) -> tuple[str, ...]:
    """The variables ecs-params.yml uses that the compose files do not: passecs's settings, not the app's."""
    try:
        referenced = read_ecs_params(params_path, {}).unset_variables if params_path.is_file() else ()
    except InvalidInput:
        return ()
    used = {name for f in files for name in compose_variables(f.data)}
    return tuple(name for name in referenced if name not in used)


def check_images(project: Project) -> list[Finding]:
    check = "images"
    findings: list[Finding] = []
    for service in project.services.values():
        image = service.image
        if not image:
            findings.append(fail(check, f"service {service.name} has no image", f"set image: for {service.name}"))
            continue
        if "@" in image:
            continue
        last = image.rsplit("/", 1)[-1]
        tag = last.split(":", 1)[1] if ":" in last else None
        if tag is None:
            findings.append(
                warn(check, f"service {service.name}: image {image} has no tag (means :latest)", "pin a tag")
            )
        elif tag == "latest":
            findings.append(warn(check, f"service {service.name}: image {image} uses :latest", "pin a version tag"))
    return findings or [ok(check, "every image has an explicit tag")]


# --------------------------------------------------------------------------------------------------
# ecs-params.yml

# ecs-cli's ecs-params schema (utils/compose/ecs_params_reader.go); None = a leaf or list not descended
_SERVICE_SCHEMA: dict[str, Any] = dict.fromkeys(
    _words(
        "essential init_process_enabled cpu_shares mem_limit mem_reservation gpu repository_credentials "
        "healthcheck firelens_configuration secrets logging depends_on"
    )
)
ECS_PARAMS_SCHEMA: dict[str, Any] = {
    "version": None,
    "task_definition": {
        "ecs_network_mode": None,
        "task_role_arn": None,
        "task_execution_role": None,
        "task_size": {"cpu_limit": None, "mem_limit": None},
        "pid_mode": None,
        "ipc_mode": None,
        "services": {"*": _SERVICE_SCHEMA},
        "docker_volumes": None,
        "efs_volumes": None,
        "placement_constraints": None,
    },
    "run_params": {
        "network_configuration": {
            "awsvpc_configuration": {"subnets": None, "security_groups": None, "assign_public_ip": None}
        },
        "task_placement": {"strategy": None, "constraints": None},
        "service_discovery": None,
    },
}

_LIKELY = {
    "memory_limit": "mem_limit",
    "memory": "mem_limit",
    "cpu": "cpu_limit",
    "cpu_units": "cpu_limit",
    "network_mode": "ecs_network_mode",
    "execution_role": "task_execution_role",
    "task_execution_role_arn": "task_execution_role",
    "subnet": "subnets",
    "security_group": "security_groups",
}


def unknown_ecs_params_keys(data: Any, schema: Mapping[str, Any] = ECS_PARAMS_SCHEMA, path: str = "") -> list[str]:
    """Dotted paths of keys ecs-cli silently ignores (it unmarshals without strict mode)."""
    unknown: list[str] = []
    if not isinstance(data, Mapping):
        return unknown
    for key, value in data.items():
        sub = schema.get("*", schema.get(str(key), ...)) if "*" in schema else schema.get(str(key), ...)
        dotted = f"{path}.{key}" if path else str(key)
        if sub is ...:
            unknown.append(dotted)
        elif isinstance(sub, Mapping):
            unknown.extend(unknown_ecs_params_keys(value, sub, dotted))
    return unknown


def check_ecs_params_file(params: EcsParams | None, project_dir: Path, fargate: bool) -> list[Finding]:
    check = "ecs-params"
    if params is None:
        if fargate:
            return [
                fail(
                    check,
                    f"no {ECS_PARAMS_FILE} in {project_dir}: FARGATE needs awsvpc, task size and subnets",
                    f"create {ECS_PARAMS_FILE} (see the runbook's ECS section)",
                )
            ]
        return [ok(check, f"no {ECS_PARAMS_FILE} (not needed for EC2)")]
    findings: list[Finding] = []
    for dotted in unknown_ecs_params_keys(params.raw):
        leaf = dotted.rsplit(".", 1)[-1]
        hint = f" (did you mean {_LIKELY[leaf]}?)" if leaf in _LIKELY else ""
        findings.append(
            fail(
                check,
                f"{params.path.name}: {dotted} is not an ecs-params key; ecs-cli ignores it silently{hint}",
                f"rename or remove {dotted}",
            )
        )
    for name in params.unset_variables:
        findings.append(
            fail(
                check,
                f"{params.path.name}: ${name} is not set in the environment (ecs-cli reads no .env here)",
                f"set {name} in the environment or in passecs.env (see passecs.env.example)",
            )
        )
    return findings or [ok(check, f"{params.path.name}: every key is one ecs-cli reads")]


def check_network(params: EcsParams | None, fargate: bool) -> list[Finding]:
    if params is None:
        return []
    findings: list[Finding] = []
    mode = params.network_mode
    if fargate and mode != "awsvpc":
        findings.append(
            fail(
                "network mode",
                f"ecs_network_mode is {mode or 'not set'}; FARGATE needs awsvpc",
                "set task_definition.ecs_network_mode: awsvpc",
            )
        )
    elif mode:
        findings.append(ok("network mode", mode))
    if mode != "awsvpc":
        return findings
    for check, ids, key in (
        ("subnets", params.subnets, "subnets"),
        ("security groups", params.security_groups, "security_groups"),
    ):
        if not ids:
            findings.append(
                fail(
                    check,
                    f"no {check[:-1]} in run_params.network_configuration.awsvpc_configuration.{key}",
                    f"list at least one {check[:-1]} id under {key}",
                )
            )
            continue
        placeholders = [i for i in ids if PLACEHOLDER_IDS.match(i)]
        if placeholders:
            findings.append(
                warn(
                    check,
                    f"{', '.join(placeholders)} is the placeholder of passecs.env.example, not a real id",
                    "put your VPC's ids in passecs.env (PASS_SUBNET_ID, PASS_SECURITY_GROUP_ID)",
                )
            )
        else:
            findings.append(ok(check, ", ".join(ids)))
    return findings


# Fargate task sizes: CPU units -> allowed task memory in MiB
FARGATE_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}


def parse_task_cpu(value: str | None) -> int | None:
    """CPU units from ``1024``, ``"1024"`` or ``"1 vCPU"`` (as ECS accepts them), else None."""
    return syntax.task_cpu_units(value)


def parse_task_memory(value: str | None) -> int | None:
    """MiB from ``"8GB"``, ``"8 GB"`` or ``"8192"`` (MiB), as ECS accepts them, else None."""
    return syntax.task_memory_mib(value)


def _gb(mib: int) -> str:
    return f"{mib / 1024:g} GB"


def describe_fargate_memory(cpu: int) -> str:
    allowed = FARGATE_SIZES[cpu]
    if len(allowed) == 3 and cpu == 256:
        return "0.5, 1 or 2 GB"
    step = allowed[1] - allowed[0]
    return f"{_gb(allowed[0])[:-3]}-{_gb(allowed[-1])} in {_gb(step)} steps"


def check_task_size(params: EcsParams | None, fargate: bool) -> list[Finding]:
    check = "task size"
    if params is None or not fargate:
        return []
    cpu_text, mem_text = params.cpu_limit, params.mem_limit
    if not cpu_text or not mem_text:
        missing = " and ".join(k for k, v in (("cpu_limit", cpu_text), ("mem_limit", mem_text)) if not v)
        return [
            fail(
                check,
                f"task_definition.task_size.{missing} not set: Fargate needs the task's CPU and memory",
                "set task_size: {cpu_limit: 1024, mem_limit: 8GB} (a valid Fargate combination)",
            )
        ]
    cpu, mem = parse_task_cpu(cpu_text), parse_task_memory(mem_text)
    if cpu is None or cpu not in FARGATE_SIZES:
        return [
            fail(
                check,
                f"cpu_limit {cpu_text} is not a Fargate CPU size",
                "use 256, 512, 1024, 2048, 4096, 8192 or 16384 (or 0.25 … 16 vCPU)",
            )
        ]
    if mem is None:
        return [fail(check, f"mem_limit {mem_text} is not a memory size ECS reads", "write it as 8GB or 8192 (MiB)")]
    if mem not in FARGATE_SIZES[cpu]:
        return [
            fail(
                check,
                f"cpu_limit {cpu_text} with mem_limit {mem_text} is not a Fargate size "
                f"({cpu} CPU allows {describe_fargate_memory(cpu)})",
                f"pick a mem_limit of {describe_fargate_memory(cpu)}, or another cpu_limit",
            )
        ]
    return [ok(check, f"{cpu} CPU, {_gb(mem)}")]


def container_memory(project: Project) -> dict[str, tuple[int | None, int | None]]:
    """Per service (limit, reservation) in MiB, ecs-params overrides applied (SPEC §5.5), by the rule the
    task definition uses (:func:`passecs.files.conversion.override_resources`); None = not given."""
    from passecs.files.conversion import override_resources

    overrides = project.ecs_params.services if project.ecs_params is not None else {}
    result: dict[str, tuple[int | None, int | None]] = {}
    for container in project.containers:
        _, limit, reservation = override_resources(container, overrides.get(container.name, {}))
        result[container.name] = (limit or None, reservation or None)
    return result


def check_task_memory(project: Project) -> list[Finding]:
    check = "task memory"
    findings: list[Finding] = []
    try:
        memory = container_memory(project)
    except InvalidInput as exc:
        return [fail(check, exc.message, exc.fix or "fix the memory value")]
    for name, (limit, reservation) in memory.items():
        raw = project.services[name].raw.get("mem_limit") if name in project.services else None
        if name in project.services and project.services[name].mem_limit == 0:
            findings.append(
                fail(
                    check,
                    f"service {name}: mem_limit {raw} is bytes, under 1 MiB: ecs-cli ignores it",
                    "write it with a unit, e.g. 512m or 1g",
                )
            )
        if limit and reservation and limit < reservation:
            findings.append(
                fail(
                    check,
                    f"service {name}: mem_limit {limit} MiB is under mem_reservation {reservation} MiB",
                    "raise mem_limit or lower mem_reservation",
                )
            )
    params = project.ecs_params
    task_mem = parse_task_memory(params.mem_limit) if params is not None else None
    # what each container reserves: the soft limit if given, else the hard one
    reserved = {n: (r or lim or 0) for n, (lim, r) in memory.items()}
    total = sum(reserved.values())
    if task_mem is None:
        without = [n for n, v in reserved.items() if not v]
        if without:
            # ecs-cli gives each container without memory 512 MiB when the task has no size
            total += 512 * len(without)
        return findings or [ok(check, f"containers reserve {total} MiB (no task-level memory set)")]
    for name, (limit, _) in memory.items():
        if limit and limit > task_mem:
            findings.append(
                fail(
                    check,
                    f"service {name}: mem_limit {limit} MiB is more than the task's {task_mem} MiB",
                    "lower the container's mem_limit or raise task_size.mem_limit",
                )
            )
    if total > task_mem:
        parts = listed(f"{n} {v}" for n, v in reserved.items() if v)
        findings.append(
            fail(
                check,
                f"containers reserve {total} MiB ({parts}), more than the task's {task_mem} MiB",
                "lower the containers' mem_limit/mem_reservation or raise task_size.mem_limit",
            )
        )
    return findings or [ok(check, f"containers reserve {total} MiB of the task's {task_mem} MiB")]


def check_execution_role(params: EcsParams | None, expected: str = DEFAULT_EXECUTION_ROLE) -> list[Finding]:
    check = "execution role"
    if params is None:
        return []
    role = params.task_execution_role
    if not role:
        return [
            fail(
                check,
                "task_definition.task_execution_role is not set (Fargate needs it for awslogs and image pulls)",
                f"set task_execution_role: {expected}",
            )
        ]
    name = syntax.role_name_of(role)
    if name != expected:
        return [
            fail(
                check,
                f"task_execution_role is {role}, but `passecs iam ensure-role` manages {expected}",
                f"set task_execution_role: {expected} in {params.path.name} "
                f"(or run passecs iam ensure-role --role-name {name})",
            )
        ]
    return [ok(check, f"{role}, the role iam ensure-role manages")]


# --------------------------------------------------------------------------------------------------
# logs and ports


def check_awslogs(project: Project, region: str | None) -> list[Finding]:
    check = "awslogs"
    findings: list[Finding] = []
    for service in project.services.values():
        log = service.logging
        if log is None or log.driver != "awslogs":
            findings.append(
                warn(
                    check,
                    f"service {service.name} does not log to awslogs: `passecs logs` will show nothing for it",
                    "add logging: {driver: awslogs, options: {awslogs-group, awslogs-region, awslogs-stream-prefix}}",
                )
            )
            continue
        opts = log.options
        for key in ("awslogs-group", "awslogs-region", "awslogs-stream-prefix"):
            if not opts.get(key):
                findings.append(
                    fail(check, f"service {service.name}: logging option {key} missing", f"set {key} for it")
                )
        got = opts.get("awslogs-region")
        if got and region and got != region:
            findings.append(
                fail(
                    check,
                    f"service {service.name}: awslogs-region {got} is not the cluster configuration's {region}",
                    f"set awslogs-region: {region}",
                )
            )
    if not findings:
        where = f"region {region}" if region else "no cluster region to compare"
        findings.append(ok(check, f"every service logs to awslogs ({where})"))
    return findings


def check_host_ports(project: Project, network_mode: str | None) -> list[Finding]:
    check = "host ports"
    findings: list[Finding] = []
    owners: dict[tuple[int, str], list[str]] = {}
    for service in project.services.values():
        for port in service.ports:
            if port.host_port:
                owners.setdefault((port.host_port, port.protocol), []).append(service.name)
            if network_mode == "awsvpc" and port.host_port and port.host_port != port.container_port:
                findings.append(
                    fail(
                        check,
                        f"service {service.name}: port {port.spec}: in awsvpc mode the host port must equal "
                        "the container port",
                        f"publish {port.container_port}:{port.container_port}",
                    )
                )
    for (host, proto), names in owners.items():
        if len(names) > 1:
            findings.append(
                fail(
                    check,
                    f"host port {host}/{proto} is published by {listed(names, ' and ')}",
                    "give each service its own host port (check the *_PORT values in .env)",
                )
            )
    if not findings:
        findings.append(ok(check, f"{len(owners)} host ports, no two services share one"))
    return findings


# --------------------------------------------------------------------------------------------------
# gathering


@dataclass(frozen=True)
class Options:
    cluster_config: str | None = None
    files: tuple[str, ...] = DEFAULT_COMPOSE_FILES
    ecs_params: str | None = None
    execution_role: str = DEFAULT_EXECUTION_ROLE
    # deploy only needs to know the tools are there: asking for versions costs a process each (~0.4 s for aws)
    versions: bool = True


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    cluster: ClusterConfiguration | None = None
    project: Project | None = None

    @property
    def failures(self) -> list[Finding]:
        return failed(self.findings)

    def to_dict(self) -> dict[str, Any]:
        counts = {s: sum(1 for f in self.findings if f.status == s) for s in ("ok", "warn", "fail")}
        return {"ok": counts["fail"] == 0, "counts": counts, "findings": [f.to_dict() for f in self.findings]}


def tool_versions(ctx: Context, versions: bool = True) -> list[Finding]:
    from passecs.core import tools
    from passecs.core.runner import Command

    findings = []
    for tool, parse in ((tools.ECS_CLI, parse_ecs_cli_version), (tools.AWS, parse_aws_version)):
        path = tools.find(tool, ctx.env)
        version = None
        advice = ""
        if path is None and tool == tools.ECS_CLI and ctx.backend == "aws":
            findings.append(ok(tool, "ecs-cli not found; not needed with the aws backend"))
            continue
        if path is None:
            try:
                tools.require(tool, ctx.env)
            except PassecsError as exc:
                advice = exc.fix or ""
        elif not versions:
            findings.append(ok(tool, f"{tool} found ({path})"))
            continue
        else:
            try:
                result = ctx.execute(Command((path, "--version")), mutates=False, timeout=30)
                version = parse(result.stdout, result.stderr) if result.ok else None
            except PassecsError:
                version = None
        findings.append(check_tool(tool, path, version, advice))
    return findings


def offline(ctx: Context, options: Options) -> Report:
    """Every offline check, in the runbook's order (the garbage collector paused: see
    :func:`passecs.files.reading.gc_paused`)."""
    from passecs.files.reading import gc_paused

    with gc_paused():
        return _offline(ctx, options)


def _offline(ctx: Context, options: Options) -> Report:
    findings: list[Finding] = tool_versions(ctx, options.versions)
    ecs_findings, configs = check_ecs_files(ctx.ecs_dir, ctx.home)
    findings.extend(ecs_findings)
    cluster_finding, cluster = check_cluster_configuration(configs, options.cluster_config, ctx.ecs_dir)
    findings.append(cluster_finding)
    findings.append(check_credentials(ctx.env, ctx.ecs_dir, ctx.home))
    # without a cluster configuration, check for the runbook's launch type
    fargate = cluster is None or cluster.launch_type in ("FARGATE", "")

    paths = compose_paths(ctx.project_dir, list(options.files))
    file_findings, files = check_compose_files(paths)
    findings.extend(file_findings)
    if failed(file_findings):
        return Report(tuple(findings), cluster)
    findings.extend(check_compose_versions(files))
    findings.extend(check_compose_keys(files))
    env_findings = check_env_files(files, ctx.env)
    findings.extend(env_findings)
    try:
        sources = container_environment(files, ctx.env, ctx.project_dir)
    except InvalidInput:
        sources = []  # an unreadable env_file: the project check below names it
    params_path = ctx.project_dir / (options.ecs_params or ECS_PARAMS_FILE)
    findings.extend(
        check_container_secrets(sources, settings_variables(files, params_path), cluster.region if cluster else None)
    )
    if failed(env_findings) or any(f.check == "compose version" and "same version" in f.message for f in findings):
        return Report(tuple(findings), cluster)
    try:
        project = load_project(ctx.project_dir, list(options.files), ctx.env, options.ecs_params)
    except InvalidInput as exc:
        findings.append(fail("project", exc.message, exc.fix or "fix the file named"))
        return Report(tuple(findings), cluster)
    findings.extend(check_variables(project))
    findings.extend(check_compose_notices(project))
    findings.extend(check_images(project))
    params = project.ecs_params
    findings.extend(check_ecs_params_file(params, ctx.project_dir, fargate))
    findings.extend(check_network(params, fargate))
    findings.extend(check_task_size(params, fargate))
    findings.extend(check_task_memory(project))
    findings.extend(check_execution_role(params, options.execution_role))
    findings.extend(check_awslogs(project, cluster.region if cluster else None))
    findings.extend(check_host_ports(project, params.network_mode if params else None))
    findings.extend(check_task_definition(project, (cluster.launch_type if cluster else None) or "FARGATE"))
    return Report(tuple(findings), cluster, project)


# --------------------------------------------------------------------------------------------------
# online


AwsJson = Callable[[str, str, Sequence[str], str | None], Any]


class AwsMissing(Exception):
    """The thing asked about does not exist (the aws CLI's NoSuchEntity / *.NotFound)."""


def aws_json_via_cli(ctx: Context) -> AwsJson:
    """The one place doctor calls the aws CLI (read-only calls, JSON out, no retry: doctor is a quick look)."""
    from passecs.backends.aws import calls as awscli

    def call(service: str, operation: str, args: Sequence[str], region: str | None) -> Any:
        request = awscli.aws_call(service, operation, *args, region=region)
        try:
            return awscli.call_json(ctx, request, mutates=False, retry=awscli.RetryPolicy(delays=()))
        except awscli.NoSuchEntity as exc:
            raise AwsMissing(exc.message) from None

    return call


def online(report: Report, aws: AwsJson, options: Options) -> list[Finding]:
    """The AWS-side checks; ``aws(service, operation, args, region)`` returns the parsed JSON."""
    region = report.cluster.region if report.cluster else None
    project = report.project
    params = project.ecs_params if project else None
    findings: list[Finding] = []
    checks: list[Callable[[], list[Finding]]] = [
        lambda: _online_role(aws, region, (params.task_execution_role if params else None) or options.execution_role),
        lambda: _online_cluster(aws, report.cluster),
        lambda: _online_network(aws, region, params),
        lambda: _online_log_groups(aws, region, project),
    ]
    from passecs.core.context import gather

    def caught(run: Callable[[], list[Finding]]) -> Callable[[], list[Finding] | PassecsError]:
        def call() -> list[Finding] | PassecsError:
            try:
                return run()
            except PassecsError as exc:
                return exc

        return call

    # the checks ask about different things: they run at once (each aws call is a process of ~0.4 s)
    for outcome in gather(*(caught(run) for run in checks)):
        if isinstance(outcome, PassecsError):
            # one clear line, not the same failure (no credentials, no network) once per check
            findings.append(fail("aws calls", outcome.message, outcome.fix or "see the aws CLI message"))
            break
        findings.extend(outcome)
    return findings


def _online_role(aws: AwsJson, region: str | None, role: str) -> list[Finding]:
    check = "execution role (aws)"
    name = syntax.role_name_of(role)
    try:
        aws("iam", "get-role", ["--role-name", name], region)
    except AwsMissing:
        return [fail(check, f"role {name} does not exist", f"passecs iam ensure-role --role-name {name}")]
    data = aws("iam", "list-attached-role-policies", ["--role-name", name], region)
    attached = [p.get("PolicyArn") for p in (data or {}).get("AttachedPolicies", []) if isinstance(p, dict)]
    if EXECUTION_ROLE_POLICY_ARN not in attached:
        return [
            fail(
                check,
                f"role {name} exists without AmazonECSTaskExecutionRolePolicy",
                f"passecs iam ensure-role --role-name {name}",
            )
        ]
    return [ok(check, f"role {name} exists with AmazonECSTaskExecutionRolePolicy")]


def _online_cluster(aws: AwsJson, cluster: ClusterConfiguration | None) -> list[Finding]:
    check = "cluster (aws)"
    if cluster is None or not cluster.cluster:
        return []
    data = aws("ecs", "describe-clusters", ["--clusters", cluster.cluster], cluster.region)
    found = [c for c in (data or {}).get("clusters", []) if isinstance(c, dict)]
    status = str(found[0].get("status")) if found else "MISSING"
    if status != "ACTIVE":
        return [
            fail(
                check,
                f"cluster {cluster.cluster} in {cluster.region} is {status}",
                f"create it: ecs-cli up --launch-type FARGATE --cluster-config {cluster.name}",
            )
        ]
    return [ok(check, f"cluster {cluster.cluster} is ACTIVE in {cluster.region}")]


def _online_network(aws: AwsJson, region: str | None, params: EcsParams | None) -> list[Finding]:
    if params is None or params.network_mode != "awsvpc":
        return []
    findings: list[Finding] = []
    for check, ids, operation, flag in (
        ("subnets (aws)", params.subnets, "describe-subnets", "--subnet-ids"),
        ("security groups (aws)", params.security_groups, "describe-security-groups", "--group-ids"),
    ):
        if not ids:
            continue
        missing = []
        for one in ids:  # one by one: AWS names only the first missing id of a batch
            try:
                aws("ec2", operation, [flag, one], region)
            except AwsMissing:
                missing.append(one)
        if missing:
            findings.append(
                fail(
                    check,
                    f"{', '.join(missing)} not found in {region or 'the default region'}",
                    "put ids of your VPC in that region into passecs.env / ecs-params.yml",
                )
            )
        else:
            findings.append(ok(check, f"{', '.join(ids)} exist"))
    return findings


def _online_log_groups(aws: AwsJson, region: str | None, project: Project | None) -> list[Finding]:
    check = "log groups (aws)"
    if project is None:
        return []
    groups: dict[str, str | None] = {}
    for service in project.services.values():
        awslogs = service.logging.awslogs if service.logging else None
        if awslogs is not None:
            groups.setdefault(awslogs.group, awslogs.region or region)
    findings: list[Finding] = []
    for group, group_region in groups.items():
        data = aws("logs", "describe-log-groups", ["--log-group-name-prefix", group], group_region)
        names = [g.get("logGroupName") for g in (data or {}).get("logGroups", []) if isinstance(g, dict)]
        if group in names:
            findings.append(ok(check, f"log group {group} exists"))
        else:
            findings.append(
                warn(
                    check,
                    f"log group {group} does not exist: it will be created if --create-log-groups is given",
                    f"pass --create-log-groups to deploy/up (or: aws logs create-log-group --log-group-name {group})",
                )
            )
    return findings


def render(report: Report) -> str:
    """One line per finding, the fix under each warn/fail, and a count."""
    width = max((len(f.check) for f in report.findings), default=0)
    lines: list[str] = []
    for f in report.findings:
        lines.append(f"{f.status:<4}  {f.check:<{width}}  {f.message}")
        if f.fix and f.status != "ok":
            indent = f"{'':<4}  {'':<{width}}  "
            lines.append(f"{indent}fix: " + f.fix.replace("\n", f"\n{indent}     "))
    counts = report.to_dict()["counts"]
    lines.append(f"{counts['ok']} ok, {counts['warn']} warnings, {counts['fail']} failed")
    return "\n".join(lines)
