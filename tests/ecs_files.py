"""~/.ecs file contents shared by the tests and the benchmarks (no pytest here: benchmarks import it too)."""

from __future__ import annotations

TWO_CLUSTERS_CONFIG = """version: v1
default: passdev
clusters:
  pass:
    cluster: pass
    region: us-east-1
    default_launch_type: FARGATE
  passdev:
    cluster: passdev
    region: us-east-1
    default_launch_type: FARGATE
"""
