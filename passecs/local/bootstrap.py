"""``--local``: every command against the local AWS emulator, with what the runbook assumes already there.

Activating it (once per passecs invocation, from the global-options callback):
1. the emulator runs (started in the background when it does not: ``passecs local down`` stops it);
2. the process environment points at it: fake keys, ``AWS_ENDPOINT_URL``, and a private HOME, so the
   operator's real ``~/.ecs`` and ``~/.aws`` are never read or changed;
3. on first use for this emulator, the runbook's world is created: the cluster configurations ``passdev``
   (default) and ``pass`` in the private ``~/.ecs/config``, both clusters, and a VPC, public subnet and
   security group; their ids are remembered in the state directory, so later commands make no call;
4. ``PASS_SUBNET_ID`` and ``PASS_SECURITY_GROUP_ID`` (which ecs-params.yml uses) are set to the local ids in
   the environment of this invocation only: the file is never changed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from pathlib import Path

from passecs.backends.aws.backend import Network, Target
from passecs.backends.aws.backend import _call as call
from passecs.backends.aws.backend import _dict as as_dict
from passecs.backends.aws.backend import _list as as_list
from passecs.core import output
from passecs.core.context import Context
from passecs.core.fsutil import atomic_write
from passecs.core.state import ensure_dir

BOOTSTRAP_FILE = "bootstrap.json"
# The runbook's two cluster configurations: development (the default) and production.
CLUSTERS = ("passdev", "pass")
DEFAULT_CLUSTER = "passdev"
NETWORK_NAME = "passecs-local"
# ecs-params.yml takes its network from these (see passecs.env.example)
SUBNET_VARIABLE = "PASS_SUBNET_ID"
SECURITY_GROUP_VARIABLE = "PASS_SECURITY_GROUP_ID"
# the ports the PASS demo publishes (the security group opens them, as the runbook's operators did)
DEMO_PORTS = (80, 8080, 8081, 21, 5005, 61613, 61616)


@dataclass(frozen=True)
class LocalWorld:
    url: str
    pid: int
    subnet: str
    security_group: str

    def matches(self, url: str, pid: int) -> bool:
        return self.url == url and self.pid == pid


def ecs_config_text(region: str) -> str:
    """~/.ecs/config as `ecs-cli configure` writes it for the runbook's two clusters (passdev default)."""
    from passecs.files import ecs_writer
    from passecs.files.ecs import ClusterConfiguration

    return ecs_writer.config_text(
        DEFAULT_CLUSTER,
        {n: ecs_writer.cluster_values(ClusterConfiguration(n, n, region, "FARGATE")) for n in CLUSTERS},
    )


def _read_world(directory: Path) -> LocalWorld | None:
    from passecs.core.errors import InvalidInput
    from passecs.core.fsutil import read_text

    try:
        data = json.loads(read_text(directory / BOOTSTRAP_FILE, "local bootstrap file", limit=64 * 1024))
        return LocalWorld(str(data["url"]), int(data["pid"]), str(data["subnet"]), str(data["security_group"]))
    except (OSError, ValueError, KeyError, TypeError, RecursionError, InvalidInput):
        return None


def forget(directory: Path) -> None:
    """After the emulator stops, what was created in it is gone too."""
    (directory / BOOTSTRAP_FILE).unlink(missing_ok=True)


def _bootstrap(url: str, pid: int, directory: Path, home: Path, region: str) -> LocalWorld:

    output.notice("local rehearsal: creating the clusters, VPC, subnet and security group the runbook assumes")
    ctx = Context()  # never --dry-run: this prepares the emulator, it is not part of the command
    for name in CLUSTERS:
        ensure_cluster(ctx, Target(name, region))
    network = ensure_network(ctx, Target(DEFAULT_CLUSTER, region), NETWORK_NAME, DEMO_PORTS)
    ecs = ensure_dir(home / ".ecs", "the local rehearsal's ~/.ecs")
    config = ecs / "config"
    if not config.exists():
        atomic_write(config, ecs_config_text(region), mode=0o600)
    world = LocalWorld(url, pid, network.subnets[0], network.security_groups[0])
    atomic_write(directory / BOOTSTRAP_FILE, json.dumps(world.__dict__))
    return world


def activate(environ: MutableMapping[str, str] | None = None, *, dry_run: bool = False) -> LocalWorld | None:
    """Point this process at the local emulator (starting it if needed) and make sure the world exists.

    With ``dry_run`` (``--dry-run``, ``plan``) nothing is started or created: when the emulator and its
    world are not there yet, passecs says what it would start and create, points this process at the
    (still empty) private home, and returns None.
    """
    from passecs.core.locks import file_lock
    from passecs.local import emulator

    environ = os.environ if environ is None else environ
    directory = emulator.state_dir(environ)
    if not _ready(directory) and dry_run:
        output.notice(
            f"--dry-run: the local AWS emulator is not ready; passecs would start it (state in {directory}) and "
            f"create the clusters {' and '.join(CLUSTERS)}, a VPC, subnet and security group ({NETWORK_NAME}) in it"
        )
        for name in emulator.CLEARED_VARIABLES:
            environ.pop(name, None)
        environ["HOME"] = str(directory / emulator.HOME_DIR)  # not created: nothing changes
        return None
    # one preparation at a time: two --local commands at once start one emulator and one world
    with file_lock(directory / emulator.START_LOCK, "preparing the local rehearsal", wait=120.0):
        current = emulator.status(directory)
        if current.running and current.state is not None:
            state = current.state
        else:
            state = emulator.start(directory)
            forget(directory)
            output.notice(f"started the local AWS emulator at {state.url} (stop it with 'passecs local down')")
        for name in emulator.CLEARED_VARIABLES:
            environ.pop(name, None)
        environ.update(emulator.local_environment(state, directory))
        home = Path(environ["HOME"])
        world = _read_world(directory)
        if world is None or not world.matches(state.url, state.pid):
            world = _bootstrap(state.url, state.pid, directory, home, environ["AWS_DEFAULT_REGION"])
    environ[SUBNET_VARIABLE] = world.subnet
    environ[SECURITY_GROUP_VARIABLE] = world.security_group
    return world


def _ready(directory: Path) -> bool:
    """The emulator runs and the runbook's world was created in it (so a command changes nothing)."""
    from passecs.local import emulator

    current = emulator.status(directory)
    if not current.running or current.state is None:
        return False
    world = _read_world(directory)
    return world is not None and world.matches(current.state.url, current.state.pid)


# --------------------------------------------------------------------------------------------------
# what the runbook assumes exists, made on first use of the emulator


def ensure_cluster(ctx: Context, target: Target) -> None:
    """Create the cluster unless it is ACTIVE (create-cluster is idempotent on AWS as well)."""
    data = call(ctx, target, "ecs", "describe-clusters", "--clusters", target.cluster)
    active = [
        c
        for c in as_list(as_dict(data, "ecs describe-clusters").get("clusters"), "clusters")
        if c.get("status") == "ACTIVE"
    ]
    if not active:
        call(ctx, target, "ecs", "create-cluster", "--cluster-name", target.cluster, mutates=True)


def ensure_network(ctx: Context, target: Target, name: str, ports: Iterable[int]) -> Network:
    """A VPC, public subnet and security group (ports open) named ``name``: found by tag, else created."""
    tag = f"Name=tag:Name,Values={name}"
    subnets = as_list(
        as_dict(call(ctx, target, "ec2", "describe-subnets", "--filters", tag), "describe-subnets").get("Subnets"),
        "Subnets",
    )
    groups = as_list(
        as_dict(
            call(ctx, target, "ec2", "describe-security-groups", "--filters", f"Name=group-name,Values={name}"), "sg"
        ).get("SecurityGroups"),
        "SecurityGroups",
    )
    if subnets and groups:
        return Network((str(subnets[0]["SubnetId"]),), (str(groups[0]["GroupId"]),), "ENABLED")
    spec = f"ResourceType=vpc,Tags=[{{Key=Name,Value={name}}}]"
    vpc = call(
        ctx, target, "ec2", "create-vpc", "--cidr-block", "10.0.0.0/16", "--tag-specifications", spec, mutates=True
    )
    vpc_id = str(as_dict(vpc, "create-vpc")["Vpc"]["VpcId"])
    spec = f"ResourceType=subnet,Tags=[{{Key=Name,Value={name}}}]"
    subnet = call(
        ctx,
        target,
        "ec2",
        "create-subnet",
        "--vpc-id",
        vpc_id,
        "--cidr-block",
        "10.0.0.0/24",
        "--tag-specifications",
        spec,
        mutates=True,
    )
    subnet_id = str(as_dict(subnet, "create-subnet")["Subnet"]["SubnetId"])
    group = call(
        ctx,
        target,
        "ec2",
        "create-security-group",
        "--group-name",
        name,
        "--description",
        name,
        "--vpc-id",
        vpc_id,
        mutates=True,
    )
    group_id = str(as_dict(group, "create-security-group")["GroupId"])
    permissions = [
        {"IpProtocol": "tcp", "FromPort": p, "ToPort": p, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        for p in sorted(set(ports))
    ]
    if permissions:
        call(
            ctx, target, "ec2", "authorize-security-group-ingress", "--group-id", group_id,
            "--ip-permissions", json.dumps(permissions), mutates=True,
        )  # fmt: skip
    return Network((subnet_id,), (group_id,), "ENABLED")
