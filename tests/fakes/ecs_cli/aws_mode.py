"""The fake ecs-cli's second mode: ``compose up|ps|down`` and ``ps`` against an AWS API emulator.

With ``$FAKE_ECS_CLI_ENDPOINT`` set (the URL of a moto_server on 127.0.0.1), the fake keeps no task state of its
own: it calls ECS (and EC2, CloudWatch Logs) there through boto3 with the semantics of the real ecs-cli 1.21.0,
so that tasks it starts are seen by anything else using that emulator (passecs's aws backend) and the other
way round. Made from SPEC.md §4.2-§4.6 and recordings 42-60 (where they disagree, the recordings):

- task-definition family = project name; ``RegisterTaskDefinition`` only when the definition differs from the
  family's latest ACTIVE revision (the real one keys a local cache on the request instead; either way an
  unchanged project registers nothing);
- tasks are started with ``RunTask(group="task:<project>", count, launchType, awsvpc networkConfiguration from
  ecs-params.yml)``, ``enableECSManagedTags`` when ``ListAccountSettings(taskLongArnFormat)`` says enabled;
- the project's tasks = ``ListTasks(cluster, family=<project>, desiredStatus)`` kept when ``group`` is
  ``task:<project>`` or (legacy) ``startedBy`` is the project;
- ``up`` with running tasks: ``Found existing ECS tasks for project``; the first task's definition is the new
  one and no ``--force-update`` => nothing else; otherwise ``Updating to new task definition``, StopTask the old
  tasks and RunTask as many new ones (chunks of 10), then wait for both (recording 57);
- ``down`` StopTasks every RUNNING-desired task of the project and waits until they are STOPPED;
- ``compose ps`` / ``ps`` print the Go-tabwriter table of recordings 45-49 (ports from the task definition's
  port mappings, the ENI's public IP for running Fargate tasks, ``(PENDING)`` while pending).

The compose -> task-definition conversion is deliberately small (name, image, essential, port mappings,
memory, log configuration; task-level network mode, roles, size, Fargate compatibility): what matters here is
the task bookkeeping, not conversion parity. Waiting polls every ``$FAKE_ECS_CLI_POLL`` seconds (default
0.05) where the real one polls every 6 s, at most 100 times (``$FAKE_ECS_CLI_MAX_POLLS``) as the real one.
"""

from __future__ import annotations

import os
import sys
import time
import urllib.parse

from ecs_cli import compose
from ecs_cli.compose import Fatal, fatal, log

ENDPOINT_VARIABLE = "FAKE_ECS_CLI_ENDPOINT"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_PENDING = ("PROVISIONING", "PENDING", "ACTIVATING")
_CHUNK = 10  # ecs-cli starts and stops tasks in chunks of 10 (task.go)


def endpoint() -> str | None:
    """The emulator's URL when this mode is on; only loopback is accepted (tests never reach AWS)."""
    url = os.environ.get(ENDPOINT_VARIABLE, "").strip()
    if not url:
        return None
    host = urllib.parse.urlsplit(url).hostname
    if host not in _LOOPBACK:
        sys.stderr.write(f"fake ecs-cli: {ENDPOINT_VARIABLE}={url}: only a loopback emulator is allowed\n")
        raise SystemExit(99)
    return url


# ---------------------------------------------------------------------------------------------- AWS calls


class Aws:
    """boto3 clients for one region, all pointed at the emulator."""

    def __init__(self, region: str) -> None:
        import boto3
        from botocore.config import Config

        self.region = region
        self._session = boto3.session.Session(region_name=region)
        self._config = Config(retries={"max_attempts": 2, "mode": "standard"})
        self._clients: dict = {}

    def client(self, service: str, region: str | None = None):  # type: ignore[no-untyped-def]
        key = (service, region or self.region)
        if key not in self._clients:
            self._clients[key] = self._session.client(
                service, region_name=key[1], endpoint_url=endpoint(), config=self._config
            )
        return self._clients[key]

    def call(self, service: str, operation: str, error: str | None = None, **kwargs: object) -> dict:
        """One API call; an AWS error ends the command like ecs-cli's logrus.Fatal (exit 1)."""
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        try:
            return getattr(self.client(service), operation)(**kwargs)
        except NoCredentialsError:
            raise fatal(
                "NoCredentialProviders: no valid providers in chain. Deprecated.\n\tFor verbose messaging "
                "see aws.Config.CredentialsChainVerboseErrors"
            ) from None
        except ClientError as exc:
            text = _aws_error(exc)
            if error:
                log("error", error, error=text)
            raise fatal(text) from None
        except BotoCoreError as exc:
            raise fatal(str(exc)) from None


def _aws_error(exc: Exception) -> str:
    """An AWS error as aws-sdk-go prints it: ``Code: Message``."""
    info = getattr(exc, "response", {}).get("Error", {})
    return f"{info.get('Code', 'Error')}: {info.get('Message', str(exc))}"


def _short(arn: str) -> str:
    """GetIdFromArn: everything after the first '/' (``<cluster>/<task id>`` for today's task ARNs)."""
    return arn.split("/", 1)[1] if "/" in arn else arn


def _td(arn: str) -> str:
    """``family:revision`` of a task-definition ARN."""
    return arn.rsplit("/", 1)[-1]


# ---------------------------------------------------------------------------------------------- task definition


def _mib(value: object) -> int:
    """A compose byte value (int = bytes, or ``512m``, ``1g``...) in MiB, by integer division as ecs-cli."""
    text = str(value).strip().lower()
    units = {"b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
    if text and text[-1] == "b" and len(text) > 1 and text[-2] in units:
        text = text[:-1]
    factor = 1
    if text and text[-1] in units:
        factor = units[text[-1]]
        text = text[:-1]
    return int(float(text) * factor) // (1024 * 1024)


def task_definition_request(project: dict, cfg: dict, opts: dict) -> dict:
    """The RegisterTaskDefinition input, from the fake's simple conversion of the compose project."""
    params = project["params"] or {}
    td_params = params.get("task_definition") or {}
    service_params = td_params.get("services") or {}
    task_size = td_params.get("task_size") or {}
    containers = []
    for c in project["containers"]:
        definition: dict = {
            "name": c["name"],
            "image": c["image"],
            "essential": bool((service_params.get(c["name"]) or {}).get("essential", True)),
        }
        mappings = []
        for host, container, proto in c["ports"]:
            mapping = {"containerPort": container, "protocol": proto}
            if host:
                mapping["hostPort"] = host
            mappings.append(mapping)
        if mappings:
            definition["portMappings"] = mappings
        limit = _mib(c["mem_limit"]) if c.get("mem_limit") is not None else 0
        reservation = _mib(c["mem_reservation"]) if c.get("mem_reservation") is not None else 0
        if limit:
            definition["memory"] = limit
        elif reservation:
            definition["memory"] = reservation
        elif not task_size.get("mem_limit"):
            definition["memory"] = 512  # ecs-cli's default when neither the container nor the task sets one
        if reservation:
            definition["memoryReservation"] = reservation
        logging = c.get("logging") or {}
        if logging.get("driver"):
            definition["logConfiguration"] = {
                "logDriver": logging["driver"],
                "options": {str(k): str(v) for k, v in (logging.get("options") or {}).items()},
            }
        containers.append(definition)
    if not containers:
        raise fatal("cannot create a task definition with no containers; invalid service config")
    request: dict = {"family": project["project"], "containerDefinitions": containers}
    if td_params.get("ecs_network_mode"):
        request["networkMode"] = td_params["ecs_network_mode"]
    role = opts.get("task-role-arn") or td_params.get("task_role_arn")
    if role:
        request["taskRoleArn"] = role
    if td_params.get("task_execution_role"):
        request["executionRoleArn"] = td_params["task_execution_role"]
    if task_size.get("cpu_limit"):
        request["cpu"] = str(task_size["cpu_limit"])
    if task_size.get("mem_limit"):
        request["memory"] = str(task_size["mem_limit"])
    if cfg["launch_type"] == "FARGATE":
        request["requiresCompatibilities"] = ["FARGATE"]
    return request


# the task-level fields a RegisterTaskDefinition request can set (the rest of a described one is AWS's own)
_REQUEST_FIELDS = (
    "family", "containerDefinitions", "networkMode", "taskRoleArn", "executionRoleArn", "cpu", "memory",
    "requiresCompatibilities", "volumes", "placementConstraints", "pidMode", "ipcMode",
)  # fmt: skip


def _empty(value: object) -> bool:
    if isinstance(value, dict):
        return all(_empty(v) for v in value.values())
    if isinstance(value, list):
        return all(_empty(v) for v in value)
    return value is None or value == "" or value is False or value == 0


def _equal(wanted: object, have: object) -> bool:
    """Equal, counting a missing field and AWS's empty defaults (``[]``, ``{}``, ``0``, ``false``) as the same."""
    if _empty(wanted) and _empty(have):
        return True
    if isinstance(wanted, dict) and isinstance(have, dict):
        return all(_equal(wanted.get(k), have.get(k)) for k in {*wanted, *have})
    if isinstance(wanted, list) and isinstance(have, list):
        return len(wanted) == len(have) and all(map(_equal, wanted, have))
    return wanted == have


def _same(request: dict, latest: dict) -> bool:
    """Whether the described ``latest`` revision is what ``request`` would register."""
    return all(_equal(request.get(k), latest.get(k)) for k in _REQUEST_FIELDS)


def register_if_needed(aws: Aws, request: dict) -> str:
    """The ARN of the family's latest revision when it is what ``request`` asks for, else of a new one."""
    from botocore.exceptions import ClientError

    latest = None
    try:
        latest = aws.client("ecs").describe_task_definition(taskDefinition=request["family"])["taskDefinition"]
    except ClientError:
        latest = None  # no such family yet
    if latest is not None and latest.get("status") == "ACTIVE" and _same(request, latest):
        return str(latest["taskDefinitionArn"])
    data = aws.call("ecs", "register_task_definition", error="Error registering task definition", **request)
    return str(data["taskDefinition"]["taskDefinitionArn"])


# ---------------------------------------------------------------------------------------------- tasks


def _describe(aws: Aws, cluster: str, arns: list) -> list:
    tasks: list = []
    for start in range(0, len(arns), 100):
        data = aws.call(
            "ecs", "describe_tasks", error="Error describing tasks", cluster=cluster, tasks=arns[start : start + 100]
        )
        tasks += data.get("tasks") or []
    order = {arn: i for i, arn in enumerate(arns)}
    return sorted(tasks, key=lambda t: order.get(t["taskArn"], len(order)))


def _list(aws: Aws, cluster: str, statuses: list, family: str | None = None) -> list:
    arns: list = []
    for status in statuses:
        kwargs: dict = {"cluster": cluster, "desiredStatus": status}
        if family is not None:
            kwargs["family"] = family
        while True:
            data = aws.call("ecs", "list_tasks", error="Error listing tasks", **kwargs)
            arns += [a for a in data.get("taskArns") or [] if a not in arns]
            if not data.get("nextToken"):
                break
            kwargs["nextToken"] = data["nextToken"]
    return arns


def project_tasks(aws: Aws, cluster: str, project: str, statuses: list) -> list:
    """CollectTasksWithStatus: ListTasks(family=project) kept when group or (legacy) startedBy is the project."""
    arns = _list(aws, cluster, statuses, family=project)
    if not arns:
        return []
    return [
        t for t in _describe(aws, cluster, arns) if t.get("group") == f"task:{project}" or t.get("startedBy") == project
    ]


def _container(task: dict, container: dict) -> str:
    return f"{_short(task['taskArn'])}/{container['name']}"


def _status_lines(task: dict, msg: str) -> None:
    for c in task.get("containers") or []:
        log(
            "info",
            msg,
            container=_container(task, c),
            desiredStatus=task.get("desiredStatus", ""),
            lastStatus=task.get("lastStatus", ""),
            taskDefinition=_td(task.get("taskDefinitionArn", "")),
        )


def _wait(aws: Aws, cluster: str, starting: list, stopping: list) -> None:
    """ecs-cli's wait loop: DescribeTasks until the new tasks run and the old ones are STOPPED.

    "Describe ECS container status" is INFO on even polls (shown) and DEBUG on odd ones (not shown)."""
    pending = {**dict.fromkeys(stopping, "STOPPED"), **dict.fromkeys(starting, "RUNNING")}
    arns = list(stopping) + [a for a in starting if a not in stopping]
    pause = float(os.environ.get("FAKE_ECS_CLI_POLL", "0.05"))
    for poll in range(int(os.environ.get("FAKE_ECS_CLI_MAX_POLLS", "100"))):
        for task in _describe(aws, cluster, [a for a in arns if a in pending]):
            want = pending[task["taskArn"]]
            last = task.get("lastStatus")
            if want == "RUNNING" and last == "RUNNING":
                _status_lines(task, "Started container...")
                del pending[task["taskArn"]]
            elif last == "STOPPED":
                stopped = "Stopped container..." if want == "STOPPED" else "Container seem to have stopped..."
                _status_lines(task, stopped)
                del pending[task["taskArn"]]
            elif poll % 2 == 0:
                _status_lines(task, "Describe ECS container status")
        if not pending:
            return
        time.sleep(pause)
    raise fatal("Timeout waiting for ECS running task count to match desired task count.")


def _run_tasks(aws: Aws, project: dict, cfg: dict, leaf: dict, arn: str, count: int) -> list:
    """RunTask as ecs-cli's buildRunTaskInput builds it; the started task ARNs ([] after a reported failure)."""
    name = project["project"]
    params = project["params"] or {}
    td_params = params.get("task_definition") or {}
    kwargs: dict = {"cluster": cfg["cluster"], "taskDefinition": arn, "count": count, "group": f"task:{name}"}
    if cfg["launch_type"]:
        kwargs["launchType"] = cfg["launch_type"]
    if td_params.get("ecs_network_mode") == "awsvpc":
        vpc = ((params.get("run_params") or {}).get("network_configuration") or {}).get("awsvpc_configuration") or {}
        config: dict = {
            "subnets": [s for s in vpc.get("subnets") or [] if s],
            "securityGroups": [g for g in vpc.get("security_groups") or [] if g],
        }
        if vpc.get("assign_public_ip"):
            config["assignPublicIp"] = vpc["assign_public_ip"]
        kwargs["networkConfiguration"] = {"awsvpcConfiguration": config}
    if not leaf.get("disable-ecs-managed-tags"):
        data = aws.call("ecs", "list_account_settings", name="taskLongArnFormat", effectiveSettings=True)
        settings = data.get("settings") or []
        if not settings:
            raise fatal(f"Received unexpected response from ECS Settings API: {data.get('settings')}")
        if settings[0].get("value") == "enabled":
            log("info", "Auto-enabling ECS Managed Tags")
            kwargs["enableECSManagedTags"] = True
    data = aws.call("ecs", "run_task", error="Error running tasks", **kwargs)
    for failure in data.get("failures") or []:
        log("info", "Couldn't run containers", reason=failure.get("reason", ""))
    return data.get("tasks") or []


def _create_log_groups(aws: Aws, project: dict) -> None:
    """``--create-log-groups``: each awslogs container's group in its region (one line per container)."""
    from botocore.exceptions import ClientError

    groups = [
        ((c.get("logging") or {}).get("options") or {})
        for c in project["containers"]
        if (c.get("logging") or {}).get("driver") == "awslogs"
    ]
    for options in groups:
        group = str(options.get("awslogs-group", ""))
        region = str(options.get("awslogs-region", "") or aws.region)
        try:
            aws.client("logs", region).create_log_group(logGroupName=group)
        except ClientError as exc:
            message = exc.response.get("Error", {}).get("Message", str(exc))
            log("warning", f"Failed to create log group {group} in {region}: {message}")
        else:
            log("info", f"Created Log Group {group} in {region}")


# ---------------------------------------------------------------------------------------------- commands


def compose_up(opts: dict, leaf: dict, cfg: dict, project: dict) -> None:
    aws = Aws(cfg["region"])
    name = project["project"]
    running = project_tasks(aws, cfg["cluster"], name, ["RUNNING"])
    arn = register_if_needed(aws, task_definition_request(project, cfg, opts))
    log("info", "Using ECS task definition", TaskDefinition=_td(arn))
    if leaf.get("create-log-groups"):
        _create_log_groups(aws, project)
    if not running:
        compose._validate_network(project, cfg)
        tasks = _run_tasks(aws, project, cfg, leaf, arn, 1)
        for task in tasks:
            for c in task.get("containers") or []:
                log("info", "Starting container...", container=_container(task, c))
        if tasks:
            _wait(aws, cfg["cluster"], [t["taskArn"] for t in tasks], [])
        return
    log("info", "Found existing ECS tasks for project", CountOfTasks=len(running), ProjectName=name)
    if running[0].get("taskDefinitionArn") == arn and not leaf.get("force-update"):
        return
    log("info", "Updating to new task definition", taskDefinition=arn)
    compose._validate_network(project, cfg)
    for start in range(0, len(running), _CHUNK):
        old = [t["taskArn"] for t in running[start : start + _CHUNK]]
        for task_arn in old:
            aws.call("ecs", "stop_task", error="Stop task failed", cluster=cfg["cluster"], task=task_arn)
        new = _run_tasks(aws, project, cfg, leaf, arn, len(old))
        _wait(aws, cfg["cluster"], [t["taskArn"] for t in new], old)


def compose_down(cfg: dict, project: dict) -> None:
    aws = Aws(cfg["region"])
    tasks = project_tasks(aws, cfg["cluster"], project["project"], ["RUNNING"])
    if not tasks:
        return
    for task in tasks:
        for c in task.get("containers") or []:
            log("info", "Stopping container...", container=_container(task, c))
    for task in tasks:
        aws.call("ecs", "stop_task", error="Stop task failed", cluster=cfg["cluster"], task=task["taskArn"])
    _wait(aws, cfg["cluster"], [], [t["taskArn"] for t in tasks])


def _statuses(leaf: dict) -> list:
    desired = leaf.get("desired-status")
    if desired is not None and desired not in ("RUNNING", "STOPPED"):
        raise fatal(f"{desired} is not a valid value for desired status. Please use RUNNING or STOPPED.")
    return [desired] if desired else ["RUNNING", "STOPPED"]


def compose_ps(leaf: dict, cfg: dict, project: dict) -> None:
    aws = Aws(cfg["region"])
    tasks = project_tasks(aws, cfg["cluster"], project["project"], _statuses(leaf))
    sys.stdout.write(render_ps(aws, tasks))


def cluster_ps(leaf: dict, cfg: dict) -> None:
    """``ecs-cli ps``: every task of the cluster (after checking that the cluster is active)."""
    aws = Aws(cfg["region"])
    statuses = _statuses(leaf)
    clusters = aws.call("ecs", "describe_clusters", clusters=[cfg["cluster"]]).get("clusters") or []
    if not any(c.get("status") == "ACTIVE" for c in clusters):
        raise fatal(f"Error executing 'ps': Cluster '{cfg['cluster']}' is not active. Ensure that it exists")
    arns = _list(aws, cfg["cluster"], statuses)
    sys.stdout.write(render_ps(aws, _describe(aws, cfg["cluster"], arns) if arns else []))


# ---------------------------------------------------------------------------------------------- ps table


def _public_ips(aws: Aws, tasks: list) -> dict:
    """task ARN -> the public IP of its ENI, for RUNNING Fargate tasks (a failure is only a warning)."""
    eni_task = {}
    for task in tasks:
        if task.get("launchType") != "FARGATE" or task.get("lastStatus") != "RUNNING":
            continue
        for attachment in task.get("attachments") or []:
            if attachment.get("type") == "ElasticNetworkInterface" and attachment.get("status") == "ATTACHED":
                for detail in attachment.get("details") or []:
                    if detail.get("name") == "networkInterfaceId":
                        eni_task[detail["value"]] = task["taskArn"]
    if not eni_task:
        return {}
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        data = aws.client("ec2").describe_network_interfaces(NetworkInterfaceIds=list(eni_task))
    except (ClientError, BotoCoreError) as exc:
        log(
            "warning",
            "Failed to describe Elastic Network Interfaces; falling back to private IP obtained from "
            f"DescribeTask. Reason: {_aws_error(exc)}",
        )
        return {}
    return {
        eni_task[eni["NetworkInterfaceId"]]: eni["Association"]["PublicIp"]
        for eni in data.get("NetworkInterfaces") or []
        if eni.get("NetworkInterfaceId") in eni_task and (eni.get("Association") or {}).get("PublicIp")
    }


def render_ps(aws: Aws, tasks: list) -> str:
    """The rows of recordings 45-49: awsvpc tasks first, RUNNING-desired before STOPPED."""
    definitions: dict = {}
    for arn in dict.fromkeys(t.get("taskDefinitionArn", "") for t in tasks):
        data = aws.call("ecs", "describe_task_definition", taskDefinition=arn)
        definitions[arn] = {
            c["name"]: c.get("portMappings") or [] for c in data["taskDefinition"].get("containerDefinitions") or []
        }
    public = _public_ips(aws, tasks)

    def awsvpc(task: dict) -> bool:
        return any(c.get("networkInterfaces") for c in task.get("containers") or [])

    ordered = [t for t in tasks if awsvpc(t)] + [t for t in tasks if not awsvpc(t)]
    ordered = [t for t in ordered if t.get("desiredStatus") == "RUNNING"] + [
        t for t in ordered if t.get("desiredStatus") != "RUNNING"
    ]
    rows = []
    for task in ordered:
        last = task.get("lastStatus", "")
        for c in task.get("containers") or []:
            state = c.get("lastStatus", "")
            if state == "STOPPED":
                if c.get("exitCode") is not None:
                    state += f" ExitCode: {c['exitCode']}"
                if c.get("reason"):
                    state += f" Reason: {c['reason']}"
            interfaces = c.get("networkInterfaces") or []
            if interfaces:
                bindings = [
                    (m.get("hostPort", m.get("containerPort")), m.get("containerPort"), m.get("protocol"))
                    for m in definitions.get(task.get("taskDefinitionArn", ""), {}).get(c["name"], [])
                ]
                if last in _PENDING:
                    ip = "(PENDING)"
                elif last == "STOPPED":
                    ip = ""
                else:
                    ip = public.get(task["taskArn"]) or interfaces[0].get("privateIpv4Address") or ""
            else:
                bindings = [
                    (b.get("hostPort"), b.get("containerPort"), b.get("protocol"))
                    for b in c.get("networkBindings") or []
                ]
                ip = ""
            ports = ", ".join(f"{ip + ':' if ip else ''}{h}->{p}/{proto or 'tcp'}" for h, p, proto in bindings)
            rows.append(
                [
                    f"{_short(task['taskArn'])}/{c['name']}",
                    state,
                    ports,
                    _td(task.get("taskDefinitionArn", "")),
                    c.get("healthStatus") or "UNKNOWN",
                ]
            )
    return compose.tabulate(rows)


# ---------------------------------------------------------------------------------------------- logs


def logs(leaf: dict, cfg: dict) -> None:
    """``ecs-cli logs --task-id ID [--container-name N] [--since M] [--timestamps] [--follow]`` (SPEC §6):
    the task's definition gives the awslogs group, region and stream prefix of each container; the streams
    are ``<prefix>/<container>/<task id as given>``; every event is printed followed by an empty line."""
    from botocore.exceptions import ClientError

    def failed(reason: str) -> Fatal:
        return fatal(f"Error executing 'logs': {reason}")

    aws = Aws(cfg["region"])
    task_id = leaf.get("task-id")
    if not task_id:
        raise failed("TaskID must be specified with the --task-id flag")
    try:
        tasks = aws.client("ecs").describe_tasks(cluster=cfg["cluster"], tasks=[task_id]).get("tasks") or []
    except ClientError:
        tasks = []
    if not tasks:
        raise failed(
            f"Failed to describe Task: Could Not Find Task {task_id} in cluster {cfg['cluster']} in region "
            f"{cfg['region']}. If the task has been stopped, use --task-def to specify the Task Definition."
        )
    definition = aws.call("ecs", "describe_task_definition", taskDefinition=tasks[0]["taskDefinitionArn"])
    containers = definition["taskDefinition"].get("containerDefinitions") or []
    wanted = leaf.get("container-name")
    if wanted:
        containers = [c for c in containers if c["name"] == wanted]
        if not containers:
            sys.stderr.write(compose.PANIC)
            raise SystemExit(2)
    streams = []
    config_failed = "Failed to get log configuration: "
    for c in containers:
        config = c.get("logConfiguration") or {}
        options = config.get("options") or {}
        if not config:
            raise failed(
                f"{config_failed}Container '{c['name']}' is not configured to use CloudWatch logs; "
                "logConfiguration ('logging' in Docker Compose) is a required container definition field"
            )
        if config.get("logDriver") != "awslogs":
            raise failed(f"{config_failed}Container '{c['name']}': Must specify log driver as awslogs")
        if not options.get("awslogs-stream-prefix"):
            raise failed(
                f"{config_failed}Container {c['name']}: ECS CLI Requires Log Stream Prefix "
                "(awslogs-stream-prefix) to be specified."
            )
        streams.append(f"{options['awslogs-stream-prefix']}/{c['name']}/{task_id}")
    options = (containers[0].get("logConfiguration") or {}).get("options") or {}
    for key in ("awslogs-group", "awslogs-region"):
        if any(
            ((c.get("logConfiguration") or {}).get("options") or {}).get(key) != options.get(key) for c in containers
        ):
            raise failed(
                f"{config_failed}Log Configuration Field {key} mismatches in at least one "
                f"container definition in {definition['taskDefinition']['taskDefinitionArn']}. Use the "
                "--container-name option to query logs for an individual container."
            )
    client = aws.client("logs", options.get("awslogs-region") or cfg["region"])
    kwargs: dict = {"logGroupName": options.get("awslogs-group", ""), "logStreamNames": streams}
    if leaf.get("since"):
        kwargs["startTime"] = int((time.time() - int(leaf["since"]) * 60) * 1000)
    while True:
        last = None
        try:
            for page in client.get_paginator("filter_log_events").paginate(**kwargs):
                for event in page.get("events") or []:
                    message = event["message"]
                    if leaf.get("timestamps"):
                        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(event["timestamp"] // 1000))
                        message = f"{stamp}\t{message}"
                    sys.stdout.write(message + "\n\n")
                    last = event["timestamp"]
        except ClientError as exc:
            raise failed(_aws_error(exc)) from None
        sys.stdout.flush()
        if not leaf.get("follow"):
            return
        if last is not None:
            kwargs["startTime"] = last + 1
        time.sleep(float(os.environ.get("FAKE_ECS_CLI_POLL", "0.05")) * 10)  # the real one sleeps 10 s
