"""passecs: the PASS demo's ECS runbook as one command-line tool."""

__version__ = "0.1.0"
