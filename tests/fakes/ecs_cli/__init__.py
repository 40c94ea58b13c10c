"""A fake ``ecs-cli`` for tests, made from the recordings of the real one (tests/data/ecs-cli/).

``main(argv)`` dispatches like ecs-cli 1.21.0: ``configure ...`` to :mod:`ecs_cli.configure`,
``compose ...``, ``logs`` and ``ps`` to :mod:`ecs_cli.compose`. Only the standard library (and PyYAML
where a compose file must be read) is used. State (running tasks) lives in ``$FAKE_ECS_CLI_STATE``; with
``$FAKE_ECS_CLI_ENDPOINT`` (a moto_server on 127.0.0.1) compose up/ps/down, ps and logs act on that emulator
instead, through boto3 (:mod:`ecs_cli.aws_mode`).
Every invocation's argv is appended to ``$FAKE_ECS_CLI_STATE/calls.jsonl`` so tests can assert on it.
"""

from __future__ import annotations

import json
import os
import sys

VERSION_LINE = "ecs-cli version 1.21.0 (*2791f9b)"


def _log_call(argv: list[str]) -> None:
    state = os.environ.get("FAKE_ECS_CLI_STATE")
    if state:
        with open(os.path.join(state, "calls.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps({"argv": argv, "cwd": os.getcwd()}) + "\n")


def main(argv: list[str]) -> int:
    _log_call(argv)
    if argv[:1] == ["--version"]:
        sys.stdout.write(VERSION_LINE + "\n")
        return 0
    if not argv:
        return 0
    if argv[0] == "configure":
        from ecs_cli import configure

        return configure.main(argv[1:])
    if argv[0] in ("compose", "logs", "ps"):
        from ecs_cli import compose

        return compose.main(argv)
    sys.stderr.write(f"No help topic for '{argv[0]}'\n")
    return 3
