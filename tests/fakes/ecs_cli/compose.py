"""The fake ``ecs-cli compose up|ps|down``, ``ecs-cli logs`` and ``ecs-cli ps``, made from recordings 42-60 and
71-88 of the real ecs-cli 1.21.0 (tests/data/ecs-cli/recordings, SPEC.md §3-§6).

It prints the same logfmt lines (through a pipe: ``time="…" level=… msg="…" key=value``, fields sorted, values
bare or Go-%q-quoted), the same ps table (Go tabwriter layout) and the same errors and exit codes. Tasks live
in ``$FAKE_ECS_CLI_STATE/compose.json`` so up, ps, logs and down chain: task ids, task-definition revisions
(a new one when the compose files or ecs-params change), log groups.

Like the real one it reads ``$HOME/.ecs/config`` for ``--cluster-config`` (or the default), takes ``-f``,
``--project-name``, ``--ecs-params`` only before the subcommand, appends ``$COMPOSE_FILE`` to ``-f``, honours
``$COMPOSE_PROJECT_NAME`` and ``$ECS_CLUSTER``, and fails on missing, malformed or version-3.7 compose files.

``FAKE_ECS_CLI_SCENARIO`` switches to what AWS sometimes does:
- ``resource-memory``: RunTask fails (``Couldn't run containers`` reason ``RESOURCE:MEMORY``), exit 0;
- ``container-stopped``: the task stops while ecs-cli waits for RUNNING (``Container seem to have stopped...``),
  exit 0;
- ``hang``: up never finishes (writes its pid to ``$FAKE_ECS_CLI_STATE/hang.pid``);
- ``down-noop``: down finds nothing to stop (the tasks keep running), exit 0.
``FAKE_ECS_CLI_POLL`` is the pause (seconds, default 0.05) where the real one polls every 6 s;
``FAKE_ECS_CLI_TASK_START`` (seconds) is how long new tasks take to reach RUNNING: up looks every
``FAKE_ECS_CLI_POLL`` seconds until that time has passed, as the real one does (without it: one pause).
``FAKE_ECS_CLI_ENDPOINT`` (a moto_server URL on loopback) hands up, ps, down, logs and ``ecs-cli ps`` to
:mod:`ecs_cli.aws_mode` after the same flag, config and compose-file handling: the tasks then live in the emulator.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import sys
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone

import yaml

ACCOUNT = "123456789012"

COMPOSE_HELP = """\
NAME:
   ecs-cli compose - Executes docker-compose-style commands on an ECS cluster.

USAGE:
   ecs-cli compose command [command options] [arguments...]

COMMANDS:
     create      Creates an ECS task definition from your compose file. Note that we do not recommend using plain \
text environment variables for sensitive information, such as credential data.
     ps, list    Lists all the containers in your cluster that were started by the compose project.
     run         Starts all containers overriding commands with the supplied one-off commands for the containers.
     scale       Scales the number of running tasks to the specified count.
     start       Starts a single task from the task definition created from your compose file.
     stop, down  Stops all the running tasks created by the compose project.
     up          Creates an ECS task definition from your compose file (if it does not already exist) and runs one \
instance of that task on your cluster (a combination of create and start).
     service     Manage Amazon ECS services with docker-compose-style commands on an ECS cluster.

"""

_CONFIG_OPTIONS = """\
   --region value, -r value    [Optional] Specifies the AWS region to use. Defaults to the region configured using \
the configure command
   --ecs-profile value         [Optional] Specifies the name of the ECS profile configuration to use. Defaults to the \
default profile configuration. [$ECS_PROFILE]
   --aws-profile value         [Optional] Use the AWS credentials from an existing named profile in \
~/.aws/credentials. [$AWS_PROFILE]
   --cluster-config value      [Optional] Specifies the name of the ECS cluster configuration to use. Defaults to \
the default cluster configuration.
   --cluster value, -c value   [Optional] Specifies the ECS cluster name to use. Defaults to the cluster configured \
using the configure command
"""

UP_HELP = (
    """\
NAME:
   ecs-cli compose up - Creates an ECS task definition from your compose file (if it does not already exist) and \
runs one instance of that task on your cluster (a combination of create and start).

USAGE:
   ecs-cli compose up [command options] [arguments...]

OPTIONS:
"""
    + _CONFIG_OPTIONS
    + """\
   --launch-type value         [Optional] Specifies the launch type. Options: EC2 or FARGATE. Overrides the default \
launch type stored in your cluster configuration. Defaults to EC2 if a cluster configuration is not used.
   --create-log-groups         [Optional] Create the CloudWatch log groups specified in your compose file(s).
   --force-update, -u          [Optional] Forces update of task or service with current run parameters
   --tags value                [Optional] Specify resource tags for your ECS Tasks and Task Definition. Specify tags \
in the format 'key1=value1,key2=value2,key3=value3'.
   --disable-ecs-managed-tags  [Optional] Disable ECS Managed Tags (A Cluster name tag will not be automatically added \
to tasks).
"""
    + "   \n"  # the real help ends with a line of three spaces (recording 88)
)

# Recording 86: ecs-cli logs --container-name naming a container that is not in the task definition.
PANIC = """\
panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x128 pc=0xc6c838]

goroutine 1 [running]:
github.com/aws/amazon-ecs-cli/ecs-cli/modules/cli/logs.getContainerLogConfig(0x0?)
\t/go/src/github.com/aws/amazon-ecs-cli/ecs-cli/modules/cli/logs/logs_app.go:281 +0x18
github.com/aws/amazon-ecs-cli/ecs-cli/modules/cli/logs.getLogConfiguration(0xc0004c39e0, {0xc00047a4c0?, 0x39?}, \
{0x7ffd2b36290e, 0xf})
\t/go/src/github.com/aws/amazon-ecs-cli/ecs-cli/modules/cli/logs/logs_app.go:248 +0x59e
github.com/aws/amazon-ecs-cli/ecs-cli/modules/cli/logs.logsRequest(0xc00045e140, {0x1802978, 0xc0000ab518}, \
0x158813c?)
\t/go/src/github.com/aws/amazon-ecs-cli/ecs-cli/modules/cli/logs/logs_app.go:97 +0x137
github.com/aws/amazon-ecs-cli/ecs-cli/modules/cli/logs.Logs(0xc00051e868?)
\t/go/src/github.com/aws/amazon-ecs-cli/ecs-cli/modules/cli/logs/logs_app.go:66 +0x1f1
main.main()
\t/go/src/github.com/aws/amazon-ecs-cli/ecs-cli/main.go:94 +0xc2a
"""

# compose-level flags that take a value (Go flag semantics: they must come before the subcommand)
COMPOSE_VALUE_FLAGS = {
    "file": "file", "f": "file", "project-name": "project-name", "p": "project-name", "ecs-params": "ecs-params",
    "task-role-arn": "task-role-arn", "registry-creds": "registry-creds",
}
CONFIG_VALUE_FLAGS = {
    "region": "region", "r": "region", "ecs-profile": "ecs-profile", "aws-profile": "aws-profile",
    "cluster-config": "cluster-config", "cluster": "cluster", "c": "cluster",
}
LEAF_FLAGS = {  # subcommand -> (value flags, bool flags)
    "up": ({"launch-type": "launch-type", "tags": "tags"},
           {"create-log-groups": "create-log-groups", "force-update": "force-update", "u": "force-update",
            "disable-ecs-managed-tags": "disable-ecs-managed-tags"}),
    "ps": ({"desired-status": "desired-status"}, {}),
    "down": ({}, {}),
    "logs": ({"task-id": "task-id", "task-def": "task-def", "container-name": "container-name",
              "filter-pattern": "filter-pattern", "since": "since", "start-time": "start-time",
              "end-time": "end-time"},
             {"follow": "follow", "timestamps": "timestamps", "t": "timestamps"}),
    "cluster-ps": ({"desired-status": "desired-status"}, {}),
}
ALIASES = {"list": "ps", "stop": "down"}

# libcompose v1/v2: service keys ecs-cli uses; any other key is skipped with a warning (SPEC §5.3)
_SUPPORTED = (
    "cap_add cap_drop command cpu_shares devices dns dns_search entrypoint env_file environment extends extra_hosts "
    "hostname image labels links logging log_driver log_opt mem_limit mem_reservation ports privileged read_only "
    "security_opt shm_size stop_grace_period tmpfs tty ulimits user volumes volumes_from working_dir"
)
SUPPORTED_KEYS = set(_SUPPORTED.split())
ACCEPTED_VERSIONS = ("", "1", "1.0", "2", "2.0", "3", "3.0")


class Fatal(Exception):
    """Ends the command like logrus.Fatal: the lines already printed, then exit 1."""


# ---------------------------------------------------------------------------------------------- output


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _go_quote(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in "\a\b\f\n\r\t\v":
            out.append("\\" + "abfnrtv"["\a\b\f\n\r\t\v".index(ch)])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out) + '"'


def _value(text: object) -> str:
    text = str(text)
    return text if re.fullmatch(r"[A-Za-z0-9\-._/@^+]*", text) else _go_quote(text)


def log(level: str, msg: str, **fields: object) -> None:
    """One logrus line as the text formatter writes it through a pipe (fields sorted by key)."""
    parts = [f"time={_value(_now())}", f"level={level}", f"msg={_value(msg)}"]
    parts += [f"{key.replace('_', ' ')}={_value(value)}" for key, value in sorted(fields.items())]
    sys.stdout.write(" ".join(parts) + "\n")
    sys.stdout.flush()


def fatal(msg: str, **fields: object) -> Fatal:
    log("fatal", msg, **fields)
    return Fatal(msg)


def compose_fatal(error: str, opening: bool = False) -> Fatal:
    first = "Unable to open ECS Compose Project" if opening else (
        "Unable to create an instance of CommandConfig given the cli context")
    log("error", first, error=error)
    return fatal("Unable to create and read ECS Compose Project", error=error)


def _pause() -> None:
    time.sleep(float(os.environ.get("FAKE_ECS_CLI_POLL", "0.05")))


def _wait_for_start(since: float) -> None:
    """ecs-cli's wait for RUNNING: a look every FAKE_ECS_CLI_POLL seconds, until the tasks have had
    FAKE_ECS_CLI_TASK_START seconds since they were started (at ``since``)."""
    _pause()
    start = float(os.environ.get("FAKE_ECS_CLI_TASK_START", "0"))
    while time.monotonic() - since < start:
        _pause()


# ---------------------------------------------------------------------------------------------- state


def _state_path() -> str:
    return os.path.join(os.environ.get("FAKE_ECS_CLI_STATE") or ".", "compose.json")


def load_state() -> dict:
    try:
        with open(_state_path(), encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return {"tasks": [], "task_definitions": {}, "log_groups": []}


def save_state(state: dict) -> None:
    tmp = _state_path() + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(state, f, indent=1)
    os.replace(tmp, _state_path())


# ---------------------------------------------------------------------------------------------- flags


class UsageFailure(Exception):
    def __init__(self, flag: str) -> None:
        super().__init__(flag)
        self.flag = flag


def _split(arg: str) -> tuple[str, str | None]:
    name = arg.lstrip("-")
    if "=" in name:
        name, value = name.split("=", 1)
        return name, value
    return name, None


def parse_compose_level(args: list[str]) -> tuple[dict, list[str]]:
    """Go flag parsing: flags until the first non-flag (the subcommand)."""
    opts: dict = {"file": []}
    i = 0
    while i < len(args) and args[i].startswith("-") and args[i] != "-":
        name, value = _split(args[i])
        key = COMPOSE_VALUE_FLAGS.get(name) or CONFIG_VALUE_FLAGS.get(name)
        if name in ("verbose", "debug", "help", "h"):
            opts[name] = True
            i += 1
            continue
        if key is None:
            raise UsageFailure(name)
        if value is None:
            i += 1
            value = args[i] if i < len(args) else ""
        if key == "file":
            opts["file"].append(value)
        else:
            opts[key] = value
        i += 1
    return opts, args[i:]


def parse_leaf(sub: str, args: list[str]) -> tuple[dict, list[str]]:
    """urfave/cli leaf parsing: flags anywhere (it reorders), the rest positional."""
    values, bools = LEAF_FLAGS[sub]
    opts: dict = {}
    positional = []
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("-") or arg == "-":
            positional.append(arg)
            i += 1
            continue
        name, value = _split(arg)
        if name in bools:
            opts[bools[name]] = value is None or value.lower() == "true"
        elif name in values or name in CONFIG_VALUE_FLAGS:
            key = values.get(name) or CONFIG_VALUE_FLAGS[name]
            if value is None:
                i += 1
                value = args[i] if i < len(args) else ""
            opts[key] = value
        else:
            raise UsageFailure(name)
        i += 1
    return opts, positional


# ---------------------------------------------------------------------------------------------- config


def cluster_config(opts: dict) -> dict:
    """cluster, region, launch type from flags, environment and $HOME/.ecs/config (SPEC §1.6, §3.3).

    Returns {"error": E} when ecs-cli would fail to build its command config."""
    path = os.path.join(os.environ.get("HOME", ""), ".ecs", "config")
    entry: dict = {}
    error = None
    if os.path.isfile(path):
        try:
            with open(path, encoding="utf-8") as f:
                data = yaml.safe_load(f) or {}
        except yaml.YAMLError as exc:
            data = {}
            error = f"Error loading config: Error parsing {path}: Failed to parse yaml file: {path}: yaml: {exc}"
        name = opts.get("cluster-config") or str(data.get("default") or "")
        clusters = data.get("clusters") or {}
        if error is None:
            if name in clusters:
                entry = clusters[name] or {}
            else:
                error = (f"Error loading config: Error parsing {path}: Cluster Configuration {name} could not be "
                         "found. Configure clusters using 'ecs-cli configure'.")
    cluster = opts.get("cluster") or os.environ.get("ECS_CLUSTER") or str(entry.get("cluster") or "")
    region = (opts.get("region") or str(entry.get("region") or "") or os.environ.get("AWS_REGION")
              or os.environ.get("AWS_DEFAULT_REGION") or "")
    if error and not (opts.get("cluster") and opts.get("region")):
        return {"error": error}
    if not region:
        return {"error": "Set a region using ecs-cli configure command with the --region flag or AWS_REGION "
                         "environment variable or --profile flag"}
    launch = opts.get("launch-type") or str(entry.get("default_launch_type") or "")
    if launch not in ("", "EC2", "FARGATE"):
        return {"error": f"Error reading flags: Supported launch types are 'EC2' and 'FARGATE'; {launch} is not a "
                         "valid launch type."}
    return {"cluster": cluster, "region": region, "launch_type": launch}


# ---------------------------------------------------------------------------------------------- project


_VAR_RE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?-)(?P<default>[^}]*))?\}|"
                     r"(?P<bare>[A-Za-z_][A-Za-z0-9_]*)|(?P<dollar>\$))")


def _dotenv(directory: str) -> dict:
    values = {}
    path = os.path.join(directory, ".env")
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#") and "=" in line:
                    key, value = line.split("=", 1)
                    values[key.strip()] = value.strip().strip("'\"")
    return values


def _interpolate(value: object, lookup: dict, missing: list) -> object:
    if isinstance(value, dict):
        return {k: _interpolate(v, lookup, missing) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, lookup, missing) for v in value]
    if not isinstance(value, str):
        return value

    def repl(m: re.Match) -> str:
        if m.group("dollar"):
            return "$"
        name = m.group("braced") or m.group("bare")
        got = lookup.get(name)
        if m.group("op") == ":-" and not got:
            return m.group("default")
        if m.group("op") == "-" and got is None:
            return m.group("default")
        if got is None:
            if name not in missing:
                missing.append(name)
            return ""
        return got

    return _VAR_RE.sub(repl, value)


def _merge(old: object, new: object) -> object:
    if isinstance(old, dict) and isinstance(new, dict):
        merged = dict(old)
        for key, value in new.items():
            merged[key] = _merge(old.get(key), value) if key in old else value
        return merged
    if isinstance(old, list) and isinstance(new, list):
        return old + new
    return new


def load_project(opts: dict) -> dict:
    """Parse the compose files and ecs-params as ecs-cli's pre-flight does (SPEC §4.3, §5)."""
    files = []
    env_files = os.environ.get("COMPOSE_FILE", "")
    for part in env_files.split(","):
        files += [p for p in part.split(os.pathsep) if p]
    files += opts["file"]
    if not files:
        files = ["docker-compose.yml"]
        if os.path.isfile("docker-compose.override.yml"):
            files.append("docker-compose.override.yml")
    raw = []
    for name in files:
        try:
            with open(name, encoding="utf-8") as f:
                text = f.read()
        except OSError:
            raise compose_fatal(f"open {name}: no such file or directory", opening=True) from None
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = str(getattr(exc, "problem", "") or exc).replace(
                "mapping values are not allowed here", "mapping values are not allowed in this context")
            where = f"line {mark.line + 1}: " if mark is not None else ""
            raise compose_fatal(
                f"Error unmarshalling yaml data from Compose file: {name}: yaml: {where}{problem}", opening=True
            ) from None
        raw.append((name, data if isinstance(data, dict) else {}))
    versions = [str(data.get("version", "") or "") for _, data in raw]
    for version in versions:
        if version not in ACCEPTED_VERSIONS:
            raise compose_fatal(f"Unsupported Docker Compose version found: {version}", opening=True)
    if len(set(versions)) > 1:
        raise compose_fatal(f"Compose files must be of the same version. Found: {versions[0]} and {versions[-1]}",
                            opening=True)
    base = os.path.dirname(os.path.abspath(files[0]))
    lookup = {**_dotenv(base), **os.environ}  # the OS environment wins over .env
    missing: list = []
    services: dict = {}
    for _, data in raw:
        for name, body in (data.get("services") or {}).items():
            body = _interpolate(body or {}, lookup, missing)
            services[name] = _merge(services[name], body) if name in services else body
    for name in missing:
        log("warning", f"The {name} variable is not set. Substituting a blank string.")
    for service, body in services.items():
        for key in body:
            if key not in SUPPORTED_KEYS:
                log("warning", "Skipping unsupported YAML option for service...", option_name=key,
                    service_name=service)
    project = (opts.get("project-name") or os.environ.get("COMPOSE_PROJECT_NAME")
               or os.path.basename(base))
    params_file = opts.get("ecs-params") or ("ecs-params.yml" if os.path.isfile("ecs-params.yml") else None)
    params: dict = {}
    if params_file:
        try:
            with open(params_file, encoding="utf-8") as f:
                params = yaml.safe_load(re.sub(r"\$\{(\w+)\}|\$(\w+)", _env_or_blank, f.read())) or {}
        except OSError:
            raise compose_fatal(f"open {params_file}: no such file or directory") from None
    containers = []
    for service, body in services.items():
        logging = body.get("logging") or {}
        options = logging.get("options") or {}
        containers.append({
            "name": service,
            "image": body.get("image", ""),
            "ports": [_port(p) for p in body.get("ports") or []],
            "awslogs": logging.get("driver") == "awslogs",
            "log_group": options.get("awslogs-group", ""),
            "log_region": options.get("awslogs-region", ""),
            # for the FAKE_ECS_CLI_ENDPOINT mode's task definition (aws_mode.py)
            "mem_limit": body.get("mem_limit"),
            "mem_reservation": body.get("mem_reservation"),
            "logging": logging,
        })
    supported = {name: {k: v for k, v in body.items() if k in SUPPORTED_KEYS} for name, body in services.items()}
    digest = hashlib.sha256(json.dumps([supported, params.get("task_definition")], sort_keys=True,
                                       default=str).encode()).hexdigest()
    return {"project": project, "containers": containers, "params": params, "digest": digest}


def _env_or_blank(m: re.Match) -> str:
    return os.environ.get(m.group(1) or m.group(2), "")  # Go's os.ExpandEnv: unset is blank


def _port(spec: object) -> list:
    text = str(spec)
    proto = "tcp"
    if "/" in text:
        text, proto = text.split("/", 1)
    parts = text.split(":")
    container = int(parts[-1])
    host = int(parts[-2]) if len(parts) >= 2 and parts[-2] else 0
    return [host, container, proto]


# ---------------------------------------------------------------------------------------------- tasks


def _ip(task_id: str, public: bool) -> str:
    h = hashlib.sha256(task_id.encode()).digest()
    return f"54.214.{h[0]}.{h[1]}" if public else f"10.0.0.{h[2] % 250 + 2}"


def _name(task: dict, container: dict) -> str:
    return f"{task['cluster']}/{task['id']}/{container['name']}"


def _project_tasks(state: dict, cfg: dict, project: str, desired: str | None = None) -> list:
    return [t for t in state["tasks"] if t["cluster"] == cfg["cluster"] and t["project"] == project
            and (desired is None or t["desired"] == desired)]


def _describe(task: dict, msg: str = "Describe ECS container status") -> None:
    for c in task["containers"]:
        log("info", msg, container=_name(task, c), desiredStatus=task["desired_seen"], lastStatus=task["last"],
            taskDefinition=task["td"])


def _validate_network(project: dict, cfg: dict) -> None:
    if cfg["launch_type"] != "FARGATE":
        return
    params = project["params"]
    if not params:
        raise fatal("Launch Type FARGATE requires network configuration to be set. Set network configuration "
                    "using an ECS Params file.")
    if (params.get("task_definition") or {}).get("ecs_network_mode") != "awsvpc":
        raise fatal("Launch Type FARGATE requires network mode to be 'awsvpc'. Set network mode using an ECS "
                    "Params file.")
    vpc = ((params.get("run_params") or {}).get("network_configuration") or {}).get("awsvpc_configuration") or {}
    if not [s for s in vpc.get("subnets") or [] if s]:
        raise fatal("at least one subnet is required in the network configuration")


def _new_task(project: dict, cfg: dict, td: str) -> dict:
    vpc = (((project["params"].get("run_params") or {}).get("network_configuration") or {})
           .get("awsvpc_configuration") or {})
    return {
        "id": str(uuid.uuid4()), "cluster": cfg["cluster"], "project": project["project"], "td": td,
        "desired": "RUNNING", "desired_seen": "RUNNING", "last": "PENDING", "started": time.time(),
        "public": vpc.get("assign_public_ip") == "ENABLED", "awsvpc": bool(project["params"]),
        "containers": [{**c, "exit_code": None, "reason": None} for c in project["containers"]],
    }


def _run_tasks(state: dict, project: dict, cfg: dict, td: str, count: int) -> list:
    """RunTask + the wait loop's lines (SPEC §4.4), or the scenario's failure."""
    log("info", "Auto-enabling ECS Managed Tags")
    scenario = os.environ.get("FAKE_ECS_CLI_SCENARIO", "")
    if scenario == "resource-memory":
        log("info", "Couldn't run containers", reason="RESOURCE:MEMORY")
        return []
    tasks = [_new_task(project, cfg, td) for _ in range(count)]
    state["tasks"].extend(tasks)
    save_state(state)
    return tasks


def compose_up(opts: dict, leaf: dict, cfg: dict, project: dict) -> None:
    state = load_state()
    family = project["project"]
    known = state["task_definitions"].get(family)
    if known is None or known["digest"] != project["digest"]:
        known = {"revision": (known or {}).get("revision", 0) + 1, "digest": project["digest"]}
        state["task_definitions"][family] = known
        save_state(state)
    td = f"{family}:{known['revision']}"
    log("info", "Using ECS task definition", TaskDefinition=td)
    if leaf.get("create-log-groups"):
        groups = [(c["log_group"], c["log_region"]) for c in project["containers"] if c["awslogs"]]
        if not groups:
            log("warning", "No log groups to create; no containers use 'awslogs'")
        for group, region in groups:
            if [group, region] in state["log_groups"]:
                log("warning", f"Failed to create log group {group} in {region}: The specified log group already "
                               "exists")
            else:
                state["log_groups"].append([group, region])
                save_state(state)
                log("info", f"Created Log Group {group} in {region}")
    running = _project_tasks(state, cfg, family, "RUNNING")
    old: list = []
    if running:
        log("info", "Found existing ECS tasks for project", CountOfTasks=len(running), ProjectName=family)
        if running[0]["td"] == td and not leaf.get("force-update"):
            return
        log("info", "Updating to new task definition",
            taskDefinition=f"arn:aws:ecs:{cfg['region']}:{ACCOUNT}:task-definition/{td}")
        old = running
        _validate_network(project, cfg)
        for task in old:
            task.update(desired="STOPPED", desired_seen="STOPPED", last="STOPPING")
        save_state(state)
        new = _run_tasks(state, project, cfg, td, len(old))
        for task in old:
            _describe(task)
    else:
        _validate_network(project, cfg)
        new = _run_tasks(state, project, cfg, td, 1)
        for task in new:
            for c in task["containers"]:
                log("info", "Starting container...", container=_name(task, c))
    started = time.monotonic()
    for task in new:
        _describe(task)
    scenario = os.environ.get("FAKE_ECS_CLI_SCENARIO", "")
    if new and scenario == "hang":
        with open(os.path.join(os.environ.get("FAKE_ECS_CLI_STATE") or ".", "hang.pid"), "w") as f:
            f.write(str(os.getpid()))
        while True:
            time.sleep(1)
    _wait_for_start(started)
    for task in new:
        if scenario == "container-stopped":
            task.update(last="STOPPED")
            _describe(task, "Container seem to have stopped...")
            for index, c in enumerate(task["containers"]):
                c["exit_code"] = 1 if index == 0 else 137
            task.update(desired="STOPPED", desired_seen="STOPPED")
        else:
            task.update(last="RUNNING")
            _describe(task, "Started container...")
    save_state(state)
    if old:
        _stopped_after_a_pause(state, old)


def compose_down(cfg: dict, project: dict) -> None:
    state = load_state()
    if os.environ.get("FAKE_ECS_CLI_SCENARIO") == "down-noop":
        return
    tasks = _project_tasks(state, cfg, project["project"], "RUNNING")
    if not tasks:
        return
    for task in tasks:
        for c in task["containers"]:
            log("info", "Stopping container...", container=_name(task, c))
    for task in tasks:
        task.update(desired="STOPPED", desired_seen="STOPPED", last="STOPPING")
        _describe(task)
    save_state(state)
    _stopped_after_a_pause(state, tasks)


def _stopped_after_a_pause(state: dict, tasks: list) -> None:
    """Stopping ``tasks`` (of ``state``) takes a moment; then they are STOPPED, every container with exit 0."""
    _pause()
    for task in tasks:
        task.update(last="STOPPED")
        for c in task["containers"]:
            c["exit_code"] = 0
        _describe(task, "Stopped container...")
    save_state(state)


def render_ps(tasks: list) -> str:
    """The ps table as Go's tabwriter(minwidth 4, padding 2) writes it; header only when there are rows."""
    rows = []
    ordered = [t for t in tasks if t.get("awsvpc")] + [t for t in tasks if not t.get("awsvpc")]
    ordered = [t for t in ordered if t["desired"] == "RUNNING"] + [t for t in ordered if t["desired"] != "RUNNING"]
    for task in ordered:
        for c in task["containers"]:
            state = task["last"]
            if state == "STOPPED":
                if c.get("exit_code") is not None:
                    state += f" ExitCode: {c['exit_code']}"
                if c.get("reason"):
                    state += f" Reason: {c['reason']}"
            if task["last"] in ("PENDING", "PROVISIONING"):
                ip = "(PENDING)"
            elif task["last"] == "STOPPED":
                ip = ""
            else:
                ip = _ip(task["id"], task.get("public", False))
            ports = ", ".join(f"{ip + ':' if ip else ''}{h}->{c_}/{p}" for h, c_, p in c["ports"])
            rows.append([_name(task, c), state, ports, task["td"], "UNKNOWN"])
    return tabulate(rows)


def tabulate(rows: list) -> str:
    """Rows of (Name, State, Ports, TaskDefinition, Health) under the header, as Go's tabwriter (minwidth 4,
    padding 2) writes them: every column but the last padded; nothing at all when there are no rows."""
    if not rows:
        return ""
    rows = [["Name", "State", "Ports", "TaskDefinition", "Health"], *rows]
    widths = [max(4, max(len(r[i]) for r in rows) + 2) for i in range(4)]
    return "".join("".join(r[i].ljust(widths[i]) for i in range(4)) + r[4] + "\n" for r in rows)


def compose_ps(leaf: dict, cfg: dict, project: dict) -> None:
    desired = leaf.get("desired-status")
    if desired is not None and desired not in ("RUNNING", "STOPPED"):
        raise fatal(f"{desired} is not a valid value for desired status. Please use RUNNING or STOPPED.")
    tasks = _project_tasks(load_state(), cfg, project["project"], desired)
    sys.stdout.write(render_ps(tasks))


# ---------------------------------------------------------------------------------------------- commands


def _compose(args: list[str]) -> int:
    try:
        opts, rest = parse_compose_level(args)
    except UsageFailure as exc:
        sys.stdout.write(f"Incorrect Usage. flag provided but not defined: -{exc.flag}\n\n{COMPOSE_HELP}")
        log("fatal", f"flag provided but not defined: -{exc.flag}")
        return 1
    if not rest:
        sys.stdout.write(COMPOSE_HELP)
        return 0
    sub = ALIASES.get(rest[0], rest[0])
    if sub not in ("up", "ps", "down"):
        if sub in ("create", "start", "run", "scale", "service"):
            sys.stderr.write(f"fake ecs-cli: compose {sub} is not faked\n")
            return 99
        sys.stderr.write(f"No help topic for '{rest[0]}'\n")
        return 3
    try:
        leaf, _ = parse_leaf(sub, rest[1:])
    except UsageFailure as exc:
        log("error", f"flag provided but not defined: -{exc.flag}")
        sys.stdout.write(UP_HELP if sub == "up" else f"NAME:\n   ecs-cli compose {sub}\n")
        return 1
    cfg = cluster_config({**{k: v for k, v in opts.items() if k in CONFIG_VALUE_FLAGS.values()}, **leaf})
    try:
        if "error" in cfg:
            raise compose_fatal(cfg["error"])
        project = load_project(opts)
        from ecs_cli import aws_mode

        if aws_mode.endpoint():  # the second mode: the tasks live in an AWS emulator, not in compose.json
            if sub == "up":
                aws_mode.compose_up(opts, leaf, cfg, project)
            elif sub == "ps":
                aws_mode.compose_ps(leaf, cfg, project)
            else:
                aws_mode.compose_down(cfg, project)
        elif sub == "up":
            compose_up(opts, leaf, cfg, project)
        elif sub == "ps":
            compose_ps(leaf, cfg, project)
        else:
            compose_down(cfg, project)
    except Fatal:
        return 1
    return 0


def _leaf_and_config(
    sub: str, command: str, aws_mode_call: str
) -> Callable[[Callable[[dict, dict], int]], Callable[[list[str]], int]]:
    """Makes ``answer(leaf, cfg)`` a subcommand ``(args) -> exit code``: it parses the leaf flags of ``sub``
    and reads the cluster configuration first; a usage error or an unusable configuration (which ecs-cli
    reports as ``Error executing '<command>'``) is exit 1, and with FAKE_ECS_CLI_ENDPOINT set
    ``aws_mode.<aws_mode_call>`` answers instead."""

    def wrap(answer: Callable[[dict, dict], int]) -> Callable[[list[str]], int]:
        def subcommand(args: list[str]) -> int:
            try:
                leaf, _ = parse_leaf(sub, args)
            except UsageFailure as exc:
                log("error", f"flag provided but not defined: -{exc.flag}")
                return 1
            cfg = cluster_config(leaf)
            if "error" in cfg:
                log("fatal", f"Error executing '{command}': {cfg['error']}")
                return 1
            from ecs_cli import aws_mode

            if not aws_mode.endpoint():
                return answer(leaf, cfg)
            try:
                getattr(aws_mode, aws_mode_call)(leaf, cfg)
            except Fatal:
                return 1
            return 0

        return subcommand

    return wrap


@_leaf_and_config("logs", "logs", "logs")
def _logs(leaf: dict, cfg: dict) -> int:
    task_id = leaf.get("task-id")
    if not task_id:
        log("fatal", "Error executing 'logs': TaskID must be specified with the --task-id flag")
        return 1
    task = next((t for t in load_state()["tasks"] if t["id"] == task_id and t["cluster"] == cfg["cluster"]), None)
    if task is None:
        log("fatal", f"Error executing 'logs': Failed to describe Task: Could Not Find Task {task_id} in cluster "
                     f"{cfg['cluster']} in region {cfg['region']}. If the task has been stopped, use --task-def to "
                     "specify the Task Definition.")
        return 1
    containers = task["containers"]
    wanted = leaf.get("container-name")
    if wanted:
        containers = [c for c in containers if c["name"] == wanted]
        if not containers:
            sys.stderr.write(PANIC)
            return 2
    for c in containers:
        if not c["awslogs"]:
            log("fatal", f"Error executing 'logs': Failed to get log configuration: Container '{c['name']}' is not "
                         "configured to use CloudWatch logs; logConfiguration ('logging' in Docker Compose) is a "
                         "required container definition field")
            return 1
    since = int(leaf.get("since") or 0)
    oldest = time.time() - since * 60 if since else 0

    def emit(when: float, message: str) -> None:
        if when < oldest:
            return
        if leaf.get("timestamps"):
            stamp = datetime.fromtimestamp(int(when), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            message = f"{stamp}\t{message}"
        sys.stdout.write(message + "\n\n")
        sys.stdout.flush()

    for c in containers:
        emit(task["started"] + 1, f"[{c['name']}] starting (lab-seeded line)")
        emit(task["started"] + 2, f"[{c['name']}] ready (lab-seeded line)")
    if leaf.get("follow"):
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # a Go program without a handler dies of the signal
        time.sleep(0.3)
        emit(time.time(), f"[{containers[0]['name']}] a line written while --follow was running")
        while True:
            time.sleep(1)
    return 0


@_leaf_and_config("cluster-ps", "ps", "cluster_ps")
def _cluster_ps(leaf: dict, cfg: dict) -> int:
    desired = leaf.get("desired-status")
    tasks = [t for t in load_state()["tasks"] if t["cluster"] == cfg["cluster"]
             and (desired is None or t["desired"] == desired)]
    sys.stdout.write(render_ps(tasks))
    return 0


def main(argv: list[str]) -> int:
    """``argv`` starts with ``compose``, ``logs`` or ``ps``."""
    if argv[0] == "compose":
        return _compose(argv[1:])
    if argv[0] == "logs":
        return _logs(argv[1:])
    return _cluster_ps(argv[1:])
