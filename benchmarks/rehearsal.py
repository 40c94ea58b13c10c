"""The local rehearsal of the whole runbook, timed step by step (goal: under 60 s in all).

Runs, in a scratch copy of the project with a private state directory and HOME: passecs local up,
passecs --local deploy --yes, ps --json, logs ember, down --yes, local down, each as a real process,
and checks that no emulator process is left. Run: python benchmarks/rehearsal.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIDE_FILES = ("docker-compose.yml", "docker-compose-ecs.yml", "ecs-params.yml", ".env", "execution-assume-role.json")
GOAL_S = 60.0


def _alive(pid: int, wait: float = 5.0) -> bool:
    """Still running after ``wait`` seconds (a zombie awaiting its reaper counts as gone)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
                return False
        except (OSError, IndexError):
            return False
        time.sleep(0.05)
    return True


def main() -> int:
    beside = Path(sys.executable).parent / "passecs"
    passecs = str(beside) if beside.exists() else (shutil.which("passecs") or "passecs")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        project = work / "project"
        project.mkdir()
        for name in SIDE_FILES:
            shutil.copy(ROOT / name, project / name)
        shutil.copy(ROOT / "passecs.env.example", project / "passecs.env")  # the operator's settings
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ECS_", "PASSECS_"))}
        env.update(HOME=str(work / "home"), PASSECS_STATE_DIR=str(work / "state"))
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        steps = [
            ("local up", ["local", "up", "--json"]),
            ("--local deploy --yes", ["--local", "deploy", "--yes"]),
            ("--local ps --json", ["--local", "ps", "--json"]),
            ("--local logs ember", ["--local", "logs", "ember"]),
            ("--local down --yes", ["--local", "down", "--yes"]),
            ("local down", ["local", "down"]),
        ]
        total = 0.0
        pid = None
        for title, args in steps:
            started = time.perf_counter()
            proc = subprocess.run([passecs, *args], cwd=project, env=env, capture_output=True, text=True, check=False)
            took = time.perf_counter() - started
            total += took
            if proc.returncode != 0:
                print(proc.stderr, file=sys.stderr)
                sys.exit(f"passecs {title} failed ({proc.returncode})")
            if args[:2] == ["local", "up"]:
                pid = json.loads(proc.stdout)["pid"]
            if args[-1] == "--json" and args[1] == "ps":
                states = {c["state"] for c in json.loads(proc.stdout)}
                assert states == {"RUNNING"}, states
            print(f"passecs {title:24s} {took:6.2f} s")
        left = pid is not None and _alive(pid)
        print(f"{'total':32s} {total:6.2f} s ({'meets' if total < GOAL_S else 'MISSES'} the {GOAL_S:.0f} s goal)")
        print(f"emulator process left behind: {'YES' if left else 'no'}")
        return 0 if total < GOAL_S and not left else 1


if __name__ == "__main__":
    sys.exit(main())
