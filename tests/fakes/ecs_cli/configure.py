"""The fake ``ecs-cli configure`` family, made from recordings 00, 01-22 and 97 of the real ecs-cli 1.21.0.

``main(argv)`` gets the arguments after ``configure``. It writes ``$HOME/.ecs/config`` and
``$HOME/.ecs/credentials`` byte for byte as the real one (yaml.v2: struct field order, map keys in
yaml.v2's order, mode 0600), prints the same logfmt lines on stdout and exits with the same codes.
Like the real one, ``--access-key``/``--secret-key``/``--session-token`` default to AWS_ACCESS_KEY_ID /
AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN (recording 08b), and ``--cluster``/``--region`` to
ECS_CLUSTER / AWS_REGION.
"""

from __future__ import annotations

import functools
import json
import os
import re
import stat
import sys
from datetime import datetime

import yaml

CONFIGURE_HELP = (
    """\
NAME:
   ecs-cli configure - Stores a single cluster configuration.

USAGE:
   ecs-cli configure command [command options] [arguments...]

COMMANDS:
     profile  Stores a single profile.
     default  Sets the default cluster config.
     migrate  Migrates a legacy ECS CLI configuration file to the current YAML format.

OPTIONS:
   --cluster value, -c value            Specifies the ECS cluster name to use. If the cluster does not exist, it is \
created when you try to add resources to it with the ecs-cli up command. [$ECS_CLUSTER]
   --region value, -r value             Specifies the AWS region to use. If the AWS_REGION environment variable is \
set when ecs-cli configure is run, then the AWS region is set to the value of that environment variable. [$AWS_REGION]
   --config-name value                  Specifies the cluster configuration name to use for this configuration. \
(default: "default")
   --compose-service-name-prefix value  [Deprecated] Specifies the prefix added to an ECS service created from a \
compose file. Format <prefix><project-name>. (defaults to empty)
   --cfn-stack-name value               [Optional] Specifies the name of AWS CloudFormation stack created on ecs-cli \
up. (default: "amazon-ecs-cli-setup-<cluster-name>")
   --default-launch-type value          [Optional] Specifies the type of tasks that you would like to run. Options: \
EC2 or FARGATE. Defaults to empty string if none provided.
   --help, -h                           show help
"""
    + "   \n"
)  # ecs-cli ends its help with a line of three spaces


PROFILE_HELP = (
    """\
NAME:
   ecs-cli configure profile - Stores a single profile.

USAGE:
   ecs-cli configure profile command [command options] [arguments...]

COMMANDS:
     default  Sets the default profile.

OPTIONS:
   --access-key value     Specifies the AWS access key to use. The ECS CLI uses the value of your $AWS_ACCESS_KEY_ID \
environment variable if it is set. [$AWS_ACCESS_KEY_ID]
   --secret-key value     Specifies the AWS secret key to use. The ECS CLI uses the value of your \
$AWS_SECRET_ACCESS_KEY environment variable if it is set. [$AWS_SECRET_ACCESS_KEY]
   --profile-name value   Specifies the profile name to use for this configuration. (default: "default")
   --session-token value  [Optional] Specifies the AWS session token to use. The ECS CLI uses the value of your \
$AWS_SESSION_TOKEN environment variable if it is set. [$AWS_SESSION_TOKEN]
   --help, -h             show help
"""
    + "   \n"
)


# flag name (and aliases) -> (environment variable, default)
CLUSTER_FLAGS = {
    "cluster": ("ECS_CLUSTER", ""),
    "region": ("AWS_REGION", ""),
    "config-name": (None, "default"),
    "compose-service-name-prefix": (None, ""),
    "cfn-stack-name": (None, ""),
    "default-launch-type": (None, ""),
}
PROFILE_FLAGS = {
    "access-key": ("AWS_ACCESS_KEY_ID", ""),
    "secret-key": ("AWS_SECRET_ACCESS_KEY", ""),
    "profile-name": (None, "default"),
    "session-token": ("AWS_SESSION_TOKEN", ""),
}
ALIASES = {"c": "cluster", "r": "region"}

CLUSTER_FIELDS = (  # yaml.v2 struct order; True = omitempty
    ("cluster", False),
    ("region", False),
    ("compose-service-name-prefix", True),
    ("cfn-stack-name", True),
    ("default_launch_type", False),
)
PROFILE_FIELDS = (("aws_access_key_id", False), ("aws_secret_access_key", False), ("aws_session_token", True))


class Fatal(Exception):
    pass


class BadFlag(Exception):
    pass


# --- output -------------------------------------------------------------------------------------


def _logfmt_value(value: str) -> str:
    if value and re.fullmatch(r"[A-Za-z0-9\-._/@^+]+", value):
        return value
    return json.dumps(value, ensure_ascii=False)


def log(level: str, msg: str) -> None:
    now = datetime.now().astimezone().isoformat(timespec="seconds").replace("+00:00", "Z")
    sys.stdout.write(f'time="{now}" level={level} msg={_logfmt_value(msg)}\n')


# --- yaml.v2 emitter, as far as these two files need it ------------------------------------------


def _scalar(value: str) -> str:
    if value == "":
        return '""'
    tag = yaml.resolver.Resolver().resolve(yaml.ScalarNode, value, (True, False))
    if tag != "tag:yaml.org,2002:str" or "\n" in value:
        return json.dumps(value, ensure_ascii=False)
    plain = not (
        value[0] in "#,[]{}&*!|>'\"%@`"
        or (value[0] in "-?:" and (len(value) == 1 or value[1] == " "))
        or value[0].isspace()
        or value[-1].isspace()
        or ": " in value
        or " #" in value
        or value.endswith(":")
        or value.startswith(("---", "..."))
        or not value.isprintable()
    )
    return value if plain else "'" + value.replace("'", "''") + "'"


def _go_less(a: str, b: str) -> bool:
    """yaml.v2's keyList.Less for two strings: letters after other runes, digit runs by value."""
    ar, br = list(a), list(b)
    for i in range(min(len(ar), len(br))):
        if ar[i] == br[i]:
            continue
        al, bl = ar[i].isalpha(), br[i].isalpha()
        if al and bl:
            return ar[i] < br[i]
        if al or bl:
            return bl
        an = bn = 0
        if ar[i] == "0" or br[i] == "0":
            j = i - 1
            while j >= 0 and ar[j].isdigit():
                if ar[j] != "0":
                    an = bn = 1
                    break
                j -= 1
        ai = i
        while ai < len(ar) and ar[ai].isdigit():
            an = an * 10 + int(ar[ai])
            ai += 1
        bi = i
        while bi < len(br) and br[bi].isdigit():
            bn = bn * 10 + int(br[bi])
            bi += 1
        if an != bn:
            return an < bn
        if ai != bi:
            return ai < bi
        return ar[i] < br[i]
    return len(ar) < len(br)


def _dump(doc: dict, section: str, fields: tuple[tuple[str, bool], ...]) -> str:
    lines = [f"version: {_scalar(doc['version'])}", f"default: {_scalar(doc['default'])}"]
    entries = doc[section]
    if not entries:
        lines.append(f"{section}: {{}}")
    else:
        lines.append(f"{section}:")
        order = sorted(entries, key=functools.cmp_to_key(lambda x, y: -1 if _go_less(x, y) else 1))
        for name in order:
            lines.append(f"  {_scalar(name)}:")
            for key, omitempty in fields:
                value = entries[name].get(key, "")
                if not (omitempty and value == ""):
                    lines.append(f"    {key}: {_scalar(value)}")
    return "\n".join(lines) + "\n"


# --- files --------------------------------------------------------------------------------------


def _ecs_dir() -> str:
    home = os.environ.get("HOME") or os.environ.get("USERPROFILE")
    if not home:
        raise Fatal("Error finding Home directory to store config file: user home directory not found")
    return os.path.join(home, ".ecs")


def _text(value: object) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _read(path: str, section: str, fields: tuple[tuple[str, bool], ...]) -> dict:
    """Read like yaml.Unmarshal into ecs-cli's struct: unknown keys dropped, a missing version stays empty."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as exc:
        raise Fatal(f"Failed to read config file: {path}: open {path}: {os.strerror(exc.errno or 0).lower()}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid yaml"
        raise Fatal(f"Failed to parse yaml file: {path}: yaml: {line}{problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise Fatal(f"Failed to parse yaml file: {path}: yaml: unmarshal errors:\n  line 1: cannot unmarshal")
    entries = {}
    raw = data.get(section)
    if isinstance(raw, dict):
        for name, entry in raw.items():
            entry = entry if isinstance(entry, dict) else {}
            entries[_text(name)] = {key: _text(entry.get(key)) for key, _ in fields}
    return {"version": _text(data.get("version")), "default": _text(data.get("default")), section: entries}


def _save(path: str, text: str) -> None:
    directory = os.path.dirname(path)
    home = os.path.dirname(directory)
    os.makedirs(directory, mode=stat.S_IMODE(os.stat(home).st_mode), exist_ok=True)
    if os.path.exists(path):
        os.chmod(path, 0o600)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


# --- flags (Go flag semantics: flags first, then the subcommand) ---------------------------------


def _parse(args: list[str], known: dict) -> tuple[dict[str, str], list[str]]:
    values: dict[str, str] = {}
    rest = list(args)
    while rest:
        arg = rest[0]
        if arg == "--":
            rest.pop(0)
            break
        if not arg.startswith("-") or arg == "-":
            break
        rest.pop(0)
        name = arg.lstrip("-")
        value = None
        if "=" in name:
            name, value = name.split("=", 1)
        name = ALIASES.get(name, name)
        if name in ("help", "h"):
            values["help"] = "true"
            continue
        if name not in known:
            raise BadFlag(f"flag provided but not defined: -{name}")
        if value is None:
            if not rest:
                raise BadFlag(f"flag needs an argument: -{name}")
            value = rest.pop(0)
        values[name] = value
    for name, (env, default) in known.items():
        if name not in values:
            values[name] = os.environ.get(env, default) if env else default
    return values, rest


def _leaf(args: list[str], known: dict) -> dict[str, str]:
    """A leaf command reorders its arguments, so flags may follow positional ones."""
    flags: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("-") and arg != "-":
            flags.append(arg)
            if "=" not in arg and arg.lstrip("-") not in ("h", "help") and i + 1 < len(args):
                flags.append(args[i + 1])
                i += 1
        i += 1
    return _parse(flags, known)[0]


def _usage(help_text: str, message: str) -> int:
    sys.stdout.write(f"Incorrect Usage. {message}\n\n{help_text}")
    log("fatal", message)
    return 1


# --- commands -----------------------------------------------------------------------------------


def configure_cluster(values: dict[str, str]) -> int:
    for key in ("region", "config-name", "cluster"):
        if not values[key]:
            raise Fatal(f"{key} can not be empty")
    launch_type = values["default-launch-type"]
    if launch_type not in ("", "EC2", "FARGATE"):
        raise Fatal(f"Supported launch types are 'EC2' and 'FARGATE'; {launch_type} is not a valid launch type.")
    path = os.path.join(_ecs_dir(), "config")
    try:
        doc = _read(path, "clusters", CLUSTER_FIELDS)
    except Fatal:  # the real one silently starts a new file when the old one cannot be read
        doc = {"version": "v1", "default": "", "clusters": {}}
    doc["clusters"][values["config-name"]] = {
        "cluster": values["cluster"],
        "region": values["region"],
        "compose-service-name-prefix": values["compose-service-name-prefix"],
        "cfn-stack-name": values["cfn-stack-name"],
        "default_launch_type": launch_type,
    }
    if len(doc["clusters"]) == 1:
        doc["default"] = values["config-name"]
    _save(path, _dump(doc, "clusters", CLUSTER_FIELDS))
    log("info", f"Saved ECS CLI cluster configuration {values['config-name']}.")
    return 0


def configure_profile(values: dict[str, str]) -> int:
    for key in ("secret-key", "access-key", "profile-name"):
        if not values[key]:
            raise Fatal(f"{key} can not be empty")
    path = os.path.join(_ecs_dir(), "credentials")
    doc = {"version": "v1", "default": "", "ecs_profiles": {}}
    if os.path.exists(path):
        try:
            doc = _read(path, "ecs_profiles", PROFILE_FIELDS)
        except Fatal as exc:
            raise Fatal(f"Error saving profile: {exc}") from None
    doc["ecs_profiles"][values["profile-name"]] = {
        "aws_access_key_id": values["access-key"],
        "aws_secret_access_key": values["secret-key"],
        "aws_session_token": values["session-token"],
    }
    if len(doc["ecs_profiles"]) == 1:
        doc["default"] = values["profile-name"]
    _save(path, _dump(doc, "ecs_profiles", PROFILE_FIELDS))
    log("info", f"Saved ECS CLI profile configuration {values['profile-name']}.")
    return 0


def set_default(file: str, section: str, fields: tuple, flag: str, name: str) -> int:
    if not name:
        raise Fatal(f"{flag} can not be empty")
    path = os.path.join(_ecs_dir(), file)
    try:
        doc = _read(path, section, fields)
    except Fatal as exc:
        raise Fatal(f"Error setting default config: {exc}") from None
    if name not in doc[section]:
        # the real one says "profile" for cluster configurations too (recording 16)
        raise Fatal(
            f"Error setting default config: {name} must be defined as a profile before it can be set as default. "
        )
    doc["default"] = name
    _save(path, _dump(doc, section, fields))
    return 0


def _parse_or_help(argv: list[str], flags: dict, help_text: str) -> tuple[dict[str, str], list[str]] | int:
    """The flag values and the rest of argv; or the exit code once a bad flag (usage) or --help is answered."""
    try:
        values, rest = _parse(argv, flags)
    except BadFlag as exc:
        return _usage(help_text, str(exc))
    if values.get("help"):
        sys.stdout.write(help_text)
        return 0
    return values, rest


def main(argv: list[str]) -> int:
    try:
        parsed = _parse_or_help(argv, CLUSTER_FLAGS, CONFIGURE_HELP)
        if isinstance(parsed, int):
            return parsed
        values, rest = parsed
        if rest[:1] == ["profile"]:
            pparsed = _parse_or_help(rest[1:], PROFILE_FLAGS, PROFILE_HELP)
            if isinstance(pparsed, int):
                return pparsed
            pvalues, prest = pparsed
            if prest[:1] == ["default"]:
                name = _leaf(prest[1:], {"profile-name": (None, "")})["profile-name"]
                return set_default("credentials", "ecs_profiles", PROFILE_FIELDS, "profile-name", name)
            return configure_profile(pvalues)
        if rest[:1] == ["default"]:
            name = _leaf(rest[1:], {"config-name": (None, "")})["config-name"]
            return set_default("config", "clusters", CLUSTER_FIELDS, "config-name", name)
        if rest[:1] == ["migrate"]:
            raise Fatal("the fake ecs-cli does not implement 'configure migrate'")
        return configure_cluster(values)
    except BadFlag as exc:
        log("error", str(exc))
        return 1
    except Fatal as exc:
        log("fatal", str(exc))
        return 1
