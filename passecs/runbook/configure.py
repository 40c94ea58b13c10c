"""The runbook's "ECS Authentication Profile" and "ECS Cluster Configuration" steps, done safely.

ecs-cli overwrites a profile or cluster configuration without asking and replaces a config file it cannot
parse. So before it runs, passecs checks the inputs, refuses to touch a file ecs-cli would clobber, asks
before replacing different values, and backs the file up; after, it re-reads the file to see the change.
Keys reach ecs-cli through its environment only (it reads its --access-key/--secret-key/--session-token
defaults from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN), never through its argv.

With the aws backend (no ecs-cli, or ``--backend aws``) there is no ecs-cli to run: passecs writes the
file itself, as ecs-cli writes it (:mod:`passecs.files.ecs_writer`), with the same checks around it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from passecs.core import output, tools
from passecs.core.context import Context
from passecs.core.errors import CommandFailed, InvalidInput, Refused
from passecs.core.runner import Command, Result, mask
from passecs.files import ecs_writer
from passecs.files.ecs import (
    CONFIG_FILE,
    CREDENTIALS_FILE,
    LAUNCH_TYPES,
    ClusterConfiguration,
    Finding,
    backup,
    display_path,
    is_aws_region,
    key_fingerprint,
    mask_access_key_id,
    read_cluster_configurations,
    read_profiles,
    validate_ecs_dir,
)

KEY_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
TOKEN_VARIABLE = "AWS_SESSION_TOKEN"  # noqa: S105 - the variable's name, not a token
DEFAULT_LAUNCH_TYPE = "FARGATE"
# ECS's own rule for cluster names
_CLUSTER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
_FATAL = re.compile(r'level=fatal msg=(?:"((?:[^"\\]|\\.)*)"|(\S+))')


# --------------------------------------------------------------------------------------------------
# How to ask the operator (injected, so tests need no terminal)


@dataclass(frozen=True)
class Asker:
    interactive: bool
    secret: Callable[[str], str] = field(default=lambda _question: "")
    confirm: Callable[[str], bool] = field(default=lambda _question: False)


NO_TERMINAL = Asker(interactive=False)


# --------------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class Keys:
    """The keys a profile stores. repr never shows the secret parts."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(default="", repr=False)

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.secret_access_key, self.session_token) if s)

    @property
    def fingerprint(self) -> str:
        return key_fingerprint(self.secret_access_key, self.session_token)

    def child_env(self) -> dict[str, str]:
        env = {"AWS_ACCESS_KEY_ID": self.access_key_id, "AWS_SECRET_ACCESS_KEY": self.secret_access_key}
        if self.session_token:
            env[TOKEN_VARIABLE] = self.session_token
        return env


def validate_name(value: str, what: str) -> str:
    """A profile or cluster configuration name: non-empty, no spaces, not an option."""
    if not value or not value.strip():
        raise InvalidInput(f"{what} is empty", f"give the {what} a name, e.g. pass")
    if re.search(r"\s", value):
        raise InvalidInput(f"{what} {value!r} contains spaces", "use letters, digits, - and _")
    if value.startswith("-"):
        raise InvalidInput(f"{what} {value!r} starts with '-'", "use letters, digits, - and _")
    if not value.isprintable():
        raise InvalidInput(f"{what} contains control characters", "use letters, digits, - and _")
    return value


def validate_cluster_name(value: str) -> str:
    if not _CLUSTER_NAME.match(value):
        raise InvalidInput(
            f"--cluster {value!r} is not an ECS cluster name",
            "use 1-255 letters, digits, hyphens and underscores",
        )
    return value


def validate_region(value: str) -> str:
    if not is_aws_region(value):
        raise InvalidInput(f"--region {value!r} is not an AWS region", "use a region name like us-east-1")
    return value


def normalize_launch_type(value: str) -> str:
    """FARGATE or EC2 in upper case (ecs-cli itself rejects 'fargate')."""
    upper = value.strip().upper()
    if upper not in LAUNCH_TYPES:
        raise InvalidInput(f"--launch-type {value!r} is not a launch type", "use FARGATE or EC2")
    return upper


def resolve_keys(env: Mapping[str, str], asker: Asker) -> Keys:
    """The keys from the environment (passecs.env is loaded into it); on a terminal a missing one is asked for,
    hidden."""
    values: dict[str, str] = {}
    for variable in KEY_VARIABLES:
        value = env.get(variable, "")
        if not value and asker.interactive:
            value = asker.secret(f"{variable} (input hidden)")
        if not value:
            raise InvalidInput(
                f"{variable} is not set",
                "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment or in passecs.env "
                "(passecs takes no key on its command line), or run on a terminal to be asked",
            )
        if re.search(r"\s", value):
            raise InvalidInput(f"{variable} contains spaces or line breaks", f"set {variable} to the key alone")
        values[variable] = value
    token = env.get(TOKEN_VARIABLE, "")
    access = values["AWS_ACCESS_KEY_ID"]
    if not token and access.startswith("ASIA"):
        if asker.interactive:
            token = asker.secret(f"{TOKEN_VARIABLE} for the temporary key {mask_access_key_id(access)} (input hidden)")
        if not token:
            output.warning(
                f"{mask_access_key_id(access)} is a temporary key (ASIA...) but {TOKEN_VARIABLE} is not set: "
                "AWS will reject the profile"
            )
    if re.search(r"\s", token):
        raise InvalidInput(
            f"{TOKEN_VARIABLE} contains spaces or line breaks", f"set {TOKEN_VARIABLE} to the token alone"
        )
    return Keys(access, values["AWS_SECRET_ACCESS_KEY"], token)


# --------------------------------------------------------------------------------------------------
# Builders: commands as values, nothing runs here


def profile_command(ecs_cli: str, name: str, keys: Keys) -> Command:
    """``ecs-cli configure profile --profile-name NAME``, with the keys in the child's environment only."""
    return Command(
        argv=(ecs_cli, "configure", "profile", "--profile-name", name),
        env=keys.child_env(),
        secrets=keys.secrets,
        # a stale token in passecs's own environment must not be stored with keys it does not belong to
        unset=() if keys.session_token else (TOKEN_VARIABLE,),
    )


def profile_default_command(ecs_cli: str, name: str) -> Command:
    return Command(argv=(ecs_cli, "configure", "profile", "default", "--profile-name", name))


def cluster_command(ecs_cli: str, name: str, cluster: str, region: str, launch_type: str) -> Command:
    return Command(
        argv=(
            ecs_cli,
            "configure",
            "--cluster",
            cluster,
            "--default-launch-type",
            launch_type,
            "--region",
            region,
            "--config-name",
            name,
        )
    )


def cluster_default_command(ecs_cli: str, name: str) -> Command:
    return Command(argv=(ecs_cli, "configure", "default", "--config-name", name))


def fatal_message(text: str) -> str | None:
    """The message of ecs-cli's last ``level=fatal`` logfmt line, unquoted."""
    found: str | None = None
    for match in _FATAL.finditer(text):
        quoted, bare = match.group(1), match.group(2)
        if quoted is None:
            found = bare
            continue
        found = re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), quoted)
    return found.strip() if found is not None else None


# --------------------------------------------------------------------------------------------------
# Running


@dataclass(frozen=True)
class FileEdit:
    """A change passecs makes to a ``~/.ecs`` file itself, as ecs-cli would make it (the aws backend)."""

    description: str  # what it does, for --dry-run and --verbose ("store profile pass in ~/.ecs/credentials")
    apply: Callable[[], None] = field(repr=False, compare=False)


Step = Command | FileEdit


def _ecs_cli(ctx: Context) -> str | None:
    """The ecs-cli that stores profiles and cluster configurations; None with the aws backend, where
    passecs writes the files itself."""
    return None if ctx.backend == "aws" else tools.require(tools.ECS_CLI, ctx.env)


def _profile_step(ctx: Context, ecs_cli: str | None, name: str, keys: Keys) -> Step:
    if ecs_cli is not None:
        return profile_command(ecs_cli, name, keys)
    values = {
        "aws_access_key_id": keys.access_key_id,
        "aws_secret_access_key": keys.secret_access_key,
        "aws_session_token": keys.session_token,
    }
    return FileEdit(
        f"store profile {name} in {display_path(ctx.ecs_dir / CREDENTIALS_FILE, ctx.home)}",
        lambda: ecs_writer.save_profile(ctx.ecs_dir, name, values),
    )


def _cluster_step(ctx: Context, ecs_cli: str | None, wanted: ClusterConfiguration) -> Step:
    if ecs_cli is not None:
        return cluster_command(ecs_cli, wanted.name, wanted.cluster, wanted.region, wanted.launch_type)
    return FileEdit(
        f"store cluster configuration {wanted.name} in {display_path(ctx.ecs_dir / CONFIG_FILE, ctx.home)}",
        lambda: ecs_writer.save_cluster(ctx.ecs_dir, wanted),
    )


def _default_step(ctx: Context, ecs_cli: str | None, file: str, name: str) -> Step:
    if ecs_cli is not None:
        if file == CONFIG_FILE:
            return cluster_default_command(ecs_cli, name)
        return profile_default_command(ecs_cli, name)
    return FileEdit(
        f"make {name} the default in {display_path(ctx.ecs_dir / file, ctx.home)}",
        lambda: ecs_writer.set_default(ctx.ecs_dir, file, name),
    )


def _tool(ecs_cli: str | None) -> str:
    """Who made the change, for the messages that check it."""
    return "ecs-cli" if ecs_cli is not None else "passecs"


@dataclass(frozen=True)
class Outcome:
    """What a configure command did (or, with --dry-run, would do)."""

    kind: str  # "profile" | "cluster configuration"
    name: str
    changed: bool
    default: bool
    backup: Path | None = None
    commands: tuple[Command, ...] = ()  # the ecs-cli commands run (or, with --dry-run, shown)
    edits: int = 0  # with --dry-run: the changes shown (ecs-cli commands, or passecs's own file writes)


def _confirm(ctx: Context, what: str, yes: bool, asker: Asker) -> None:
    """Replacing ``what`` goes ahead with --yes, or when confirmed on a terminal; else Refused (exit 5)."""
    if yes or ctx.dry_run:
        return
    if asker.interactive:
        if asker.confirm(f"Replace {what}?"):
            return
        raise Refused(f"replacing {what} not confirmed; nothing was changed")
    raise Refused(f"replacing {what} needs confirmation", "run it again with --yes (or on a terminal to be asked)")


def _run(ctx: Context, steps: list[Step], what: str, saved: Path | None) -> None:
    for step in steps:
        if isinstance(step, FileEdit):
            _edit(ctx, step, saved)
            continue
        result = ctx.execute(step, on_stdout=_echo(step) if ctx.verbose else None)
        _check(result, what, saved)


def _edit(ctx: Context, edit: FileEdit, saved: Path | None) -> None:
    if ctx.dry_run:
        output.result(f"# would {edit.description}")
        return
    if ctx.verbose:
        output.progress(f"+ {edit.description}")
    try:
        edit.apply()
    except OSError as exc:
        kept = f"; the file as it was is in {saved}" if saved else ""
        raise CommandFailed(
            f"could not {edit.description}: {exc.strerror or exc}", f"check the folder's permissions{kept}"
        ) from None


def _echo(command: Command) -> Callable[[str], None]:
    """With --verbose, ecs-cli's own lines go to stderr, masked."""

    def sink(line: str) -> None:
        output.progress(mask(line, command.secrets))

    return sink


def _check(result: Result, what: str, saved: Path | None) -> None:
    if result.ok:
        return
    message = fatal_message(result.stdout) or fatal_message(result.stderr)
    kept = f"; the file as it was is in {saved}" if saved else ""
    if message:
        raise CommandFailed(
            f"{what} failed (exit {result.exit_code}): {result.command.masked(message)}",
            f"check the value it names{kept}",
        )
    raise CommandFailed(
        f"{what} failed (exit {result.exit_code}): {result.command.display()}",
        f"run 'passecs config validate'{kept}",
        detail=result.tail() or None,
    )


def _backup(ctx: Context, path: Path) -> Path | None:
    if ctx.dry_run:
        return None
    saved = backup(path)
    if saved is not None:
        output.notice(f"backed up {display_path(path, ctx.home)} to {display_path(saved, ctx.home)}")
    return saved


def _readable_before_change(read: Callable[[Path], Any], ctx: Context, path: Path) -> Any:
    try:
        return read(ctx.ecs_dir)
    except InvalidInput as exc:
        raise InvalidInput(
            f"{exc.message}; ecs-cli would fail on it or replace it, so passecs changes nothing", exc.fix
        ) from None


def _apply(
    ctx: Context,
    kind: str,
    name: str,
    commands: list[Step],
    *,
    path: Path,
    what: str,
    as_given: str,
    was_default: bool,
    make_default: bool,
    stored: Callable[[], tuple[bool, str | None]],
) -> Outcome:
    """Run ``commands`` (none: nothing to change) after a backup of ``path``, then check with ``stored``
    (does the file hold ``name`` as wanted, and which entry is the default) that the change was made."""
    if not commands:
        return Outcome(kind, name, changed=False, default=was_default)
    saved = _backup(ctx, path)
    _run(ctx, commands, what, saved)
    shown_commands = tuple(c for c in commands if isinstance(c, Command))
    if ctx.dry_run:
        return Outcome(kind, name, changed=False, default=make_default, commands=shown_commands, edits=len(commands))
    shown = display_path(path, ctx.home)
    holds, default = stored()
    who = "ecs-cli" if shown_commands else "passecs"
    if not holds:
        raise CommandFailed(
            f"{who} reported success but {shown} does not hold {kind} {name} {as_given}",
            f"run 'passecs config validate'{f'; the file as it was is in {saved}' if saved else ''}",
        )
    if make_default and default != name:
        raise CommandFailed(f"{who} reported success but the default {kind} in {shown} is not {name}")
    return Outcome(kind, name, changed=True, default=default == name, backup=saved, commands=shown_commands)


def configure_profile(ctx: Context, name: str, *, make_default: bool, yes: bool, asker: Asker) -> Outcome:
    """Store the keys of the environment as ECS CLI profile ``name`` (and make it the default)."""
    name = validate_name(name, "profile name")
    ecs_cli = _ecs_cli(ctx)
    keys = resolve_keys(ctx.env, asker)
    path = ctx.ecs_dir / CREDENTIALS_FILE
    shown = display_path(path, ctx.home)
    before = _readable_before_change(read_profiles, ctx, path)
    current = before.get(name)
    same = current is not None and (current.access_key_id, current.fingerprint) == (
        keys.access_key_id,
        keys.fingerprint,
    )
    if current is not None and not same:
        if current.access_key_id != keys.access_key_id:
            change = f"access key {current.masked_access_key_id} -> {mask_access_key_id(keys.access_key_id)}"
        else:
            change = f"same access key {mask_access_key_id(keys.access_key_id)}, other secret key or session token"
        output.warning(f"profile {name} in {shown} exists with other keys ({change}); it would be replaced")
        _confirm(ctx, f"profile {name}", yes, asker)
    commands: list[Step] = [] if same else [_profile_step(ctx, ecs_cli, name, keys)]
    if make_default and before.default != name:
        commands.append(_default_step(ctx, ecs_cli, CREDENTIALS_FILE, name))

    def stored() -> tuple[bool, str | None]:
        after = read_profiles(ctx.ecs_dir)
        got = after.get(name)
        holds = got is not None and (got.access_key_id, got.fingerprint) == (keys.access_key_id, keys.fingerprint)
        return holds, after.default

    return _apply(
        ctx, "profile", name, commands, path=path, what=f"{_tool(ecs_cli)} configure profile",
        as_given="with these keys", was_default=before.default == name, make_default=make_default, stored=stored,
    )  # fmt: skip


def configure_cluster(
    ctx: Context,
    name: str,
    *,
    cluster: str,
    region: str,
    launch_type: str = DEFAULT_LAUNCH_TYPE,
    make_default: bool,
    yes: bool,
    asker: Asker,
) -> Outcome:
    """Store cluster configuration ``name`` (and make it the default)."""
    name = validate_name(name, "cluster configuration name")
    cluster = validate_cluster_name(cluster)
    region = validate_region(region)
    launch_type = normalize_launch_type(launch_type)
    ecs_cli = _ecs_cli(ctx)
    path = ctx.ecs_dir / CONFIG_FILE
    shown = display_path(path, ctx.home)
    before = _readable_before_change(read_cluster_configurations, ctx, path)
    wanted = ClusterConfiguration(name=name, cluster=cluster, region=region, launch_type=launch_type)
    current = before.clusters.get(name)
    same = current == wanted
    if current is not None and not same:
        protected = " (protected)" if name in ctx.protected_clusters else ""
        output.warning(
            f"cluster configuration {name}{protected} in {shown} exists with other values "
            f"({_describe(current)} -> {_describe(wanted)}); it would be replaced"
        )
        _confirm(ctx, f"cluster configuration {name}{protected}", yes, asker)
    commands: list[Step] = [] if same else [_cluster_step(ctx, ecs_cli, wanted)]
    if make_default and before.default != name:
        commands.append(_default_step(ctx, ecs_cli, CONFIG_FILE, name))
        _warn_protected_default(ctx, name)

    def stored() -> tuple[bool, str | None]:
        after = read_cluster_configurations(ctx.ecs_dir)
        return after.clusters.get(name) == wanted, after.default

    return _apply(
        ctx, "cluster configuration", name, commands, path=path, what=f"{_tool(ecs_cli)} configure",
        as_given="as given", was_default=before.default == name, make_default=make_default, stored=stored,
    )  # fmt: skip


def configure_default(ctx: Context, name: str) -> Outcome:
    """Make cluster configuration ``name`` the default."""
    name = validate_name(name, "cluster configuration name")
    ecs_cli = _ecs_cli(ctx)
    path = ctx.ecs_dir / CONFIG_FILE
    shown = display_path(path, ctx.home)
    before = _readable_before_change(read_cluster_configurations, ctx, path)
    if name not in before.clusters:
        known = ", ".join(sorted(before.clusters)) or "none"
        raise InvalidInput(
            f"{shown} has no cluster configuration {name} (defined: {known})",
            f"create it first: passecs configure cluster {name} --cluster {name} --region us-east-1",
        )
    if before.default == name:
        return Outcome("cluster configuration", name, changed=False, default=True)
    _warn_protected_default(ctx, name)
    step = _default_step(ctx, ecs_cli, CONFIG_FILE, name)
    shown_commands = (step,) if isinstance(step, Command) else ()
    saved = _backup(ctx, path)
    _run(ctx, [step], f"{_tool(ecs_cli)} configure default", saved)
    if ctx.dry_run:
        return Outcome("cluster configuration", name, changed=False, default=True, commands=shown_commands, edits=1)
    if read_cluster_configurations(ctx.ecs_dir).default != name:
        raise CommandFailed(
            f"{_tool(ecs_cli)} reported success but the default cluster configuration in {shown} is not {name}"
        )
    return Outcome("cluster configuration", name, changed=True, default=True, backup=saved, commands=shown_commands)


def _describe(c: ClusterConfiguration) -> str:
    extra = "".join(
        f", {label} {value}"
        for label, value in (("cfn-stack-name", c.cfn_stack_name), ("prefix", c.compose_service_name_prefix))
        if value
    )
    launch_type = c.launch_type or '""'
    return f"cluster {c.cluster}, region {c.region}, launch type {launch_type}{extra}"


def _warn_protected_default(ctx: Context, name: str) -> None:
    if name in ctx.protected_clusters:
        output.warning(
            f"{name} is a protected cluster configuration (PASSECS_PROTECTED_CLUSTERS): as the default, "
            "every command without -c targets it"
        )


def summary(outcome: Outcome, ctx: Context) -> str:
    """One line for the operator about what happened."""
    default = f"; it is the default {outcome.kind}" if outcome.default else ""
    if ctx.dry_run and (outcome.commands or outcome.edits):
        return f"dry run: {outcome.kind} {outcome.name} not changed (the commands above would change it)"
    if not outcome.changed:
        return f"{outcome.kind} {outcome.name} is already as given; nothing changed{default}"
    return f"saved {outcome.kind} {outcome.name}{default}"


# --------------------------------------------------------------------------------------------------
# config show / config validate


def show(ctx: Context) -> dict[str, Any]:
    """Both files, parsed, for people and machines: no secret, access key ids masked."""
    config_path = ctx.ecs_dir / CONFIG_FILE
    credentials_path = ctx.ecs_dir / CREDENTIALS_FILE
    clusters = read_cluster_configurations(ctx.ecs_dir)
    profiles = read_profiles(ctx.ecs_dir)
    protected = ctx.protected_clusters
    return {
        "config": {
            "file": display_path(config_path, ctx.home),
            "exists": config_path.is_file(),
            "default": clusters.default,
            "clusters": [
                {
                    "name": c.name,
                    "cluster": c.cluster,
                    "region": c.region,
                    "launch_type": c.launch_type,
                    "default": c.name == clusters.default,
                    "protected": c.name in protected,
                }
                for c in clusters.clusters.values()
            ],
        },
        "credentials": {
            "file": display_path(credentials_path, ctx.home),
            "exists": credentials_path.is_file(),
            "default": profiles.default,
            "profiles": [
                {
                    "name": p.name,
                    "access_key_id": p.masked_access_key_id,
                    "session_token": p.has_session_token,
                    "default": p.name == profiles.default,
                }
                for p in profiles.profiles.values()
            ],
        },
    }


def render_show(data: Mapping[str, Any]) -> str:
    config, credentials = data["config"], data["credentials"]
    lines = [f"Cluster configurations ({config['file']}):"]
    if config["clusters"]:
        rows = [
            (
                c["name"],
                c["cluster"],
                c["region"],
                c["launch_type"] or '""',
                "yes" if c["default"] else "",
                "yes" if c["protected"] else "",
            )
            for c in config["clusters"]
        ]
        table = output.table(("NAME", "CLUSTER", "REGION", "LAUNCH TYPE", "DEFAULT", "PROTECTED"), rows)
        lines.extend("  " + line for line in table.splitlines())
    else:
        lines.append("  none" + ("" if config["exists"] else " (no file)"))
    lines.append(f"Profiles ({credentials['file']}):")
    if credentials["profiles"]:
        profile_rows = [
            (p["name"], p["access_key_id"], "yes" if p["session_token"] else "no", "yes" if p["default"] else "")
            for p in credentials["profiles"]
        ]
        table = output.table(("NAME", "ACCESS KEY ID", "SESSION TOKEN", "DEFAULT"), profile_rows)
        lines.extend("  " + line for line in table.splitlines())
    else:
        lines.append("  none" + ("" if credentials["exists"] else " (no file)"))
    return "\n".join(lines)


def validate(ctx: Context) -> list[Finding]:
    return validate_ecs_dir(ctx.ecs_dir, ctx.home)
