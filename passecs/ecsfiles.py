"""``~/.ecs/config`` and ``~/.ecs/credentials``: reading (this module), validation and backups.

Formats: ../shared/ecs-cli/SPEC.md §1. Where the directory is comes from HOME, as for ecs-cli.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from passecs.errors import InvalidInput

LAUNCH_TYPES = ("EC2", "FARGATE")


@dataclass(frozen=True)
class ClusterConfiguration:
    name: str
    cluster: str
    region: str
    launch_type: str = ""


@dataclass(frozen=True)
class ClusterConfigurations:
    default: str | None = None
    clusters: dict[str, ClusterConfiguration] = field(default_factory=dict)

    def get(self, name: str | None) -> ClusterConfiguration | None:
        """The named configuration, or the default one when ``name`` is None."""
        key = name if name is not None else self.default
        return self.clusters.get(key) if key is not None else None


def read_cluster_configurations(ecs_dir: Path) -> ClusterConfigurations:
    """The cluster configurations of ``ecs_dir/config``; none when the file does not exist.

    A file that cannot be read as ecs-cli's YAML format is an InvalidInput (exit 3).
    """
    import yaml

    path = ecs_dir / "config"
    if not path.is_file():
        return ClusterConfigurations()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidInput(
            f"{path}: cannot be read as YAML ({type(exc).__name__})", "run 'passecs config validate'"
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{path}: not an ecs-cli cluster configuration file", "run 'passecs config validate'")
    clusters: dict[str, ClusterConfiguration] = {}
    raw = data.get("clusters") or {}
    if isinstance(raw, dict):
        for name, entry in raw.items():
            if isinstance(entry, dict):
                clusters[str(name)] = ClusterConfiguration(
                    name=str(name),
                    cluster=str(entry.get("cluster") or ""),
                    region=str(entry.get("region") or ""),
                    launch_type=str(entry.get("default_launch_type") or ""),
                )
    default = data.get("default")
    return ClusterConfigurations(default=str(default) if default else None, clusters=clusters)
