"""deploy on a fresh setup and again, and passecs's own overhead per wrapped command.

Runs with the fake ecs-cli of tests/fakes (instant task start) and the real aws CLI against a moto_server
it starts on 127.0.0.1 and stops. Prints:
- wall time and the number of subprocesses (every ecs-cli and aws call) of a first and a second
  `passecs deploy` (goal: the second takes at most half the time of the first);
- `passecs ps --json` against the bare `ecs-cli compose ... ps` it wraps, median of N runs each
  (goal: passecs adds at most 100 ms);
- whether any call was made twice in one deploy.

Run: python benchmarks/deploy.py [--runs N]. Needs the test extra (moto[server], awscli).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from ecs_files import TWO_CLUSTERS_CONFIG  # noqa: E402

RECORDINGS = ROOT / "tests" / "data" / "ecs-cli" / "recordings"
FAKES = ROOT / "tests" / "fakes"
SIDE_FILES = ("docker-compose.yml", "docker-compose-ecs.yml", "ecs-params.yml", ".env", "execution-assume-role.json")
CREDENTIALS = """version: v1
default: pass
ecs_profiles:
  pass:
    aws_access_key_id: AKIAIOSFODNN7EXAMPLE
    aws_secret_access_key: benchmarkSecretKeyNotReal
"""


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bin(name: str) -> str:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else (shutil.which(name) or name)


def _setup(work: Path, moto_url: str) -> dict[str, str]:
    home, project, bindir, state = work / "home", work / "project", work / "bin", work / "state"
    for d in (home / ".ecs", project, bindir, state):
        d.mkdir(parents=True)
    (home / ".ecs" / "config").write_text(TWO_CLUSTERS_CONFIG)
    (home / ".ecs" / "credentials").write_text(CREDENTIALS)
    for f in (home / ".ecs").iterdir():
        f.chmod(0o600)
    for name in SIDE_FILES:
        shutil.copy(ROOT / name, project / name)
    shutil.copy(ROOT / "passecs.env.example", project / "passecs.env")  # the operator's settings
    fake = bindir / "ecs-cli"
    fake.write_text(
        f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(FAKES)!r})\n"
        "from ecs_cli import main\nsys.exit(main(sys.argv[1:]))\n"
    )
    fake.chmod(0o755)
    # a shim that logs every aws call, then runs the real aws CLI
    shim = bindir / "aws"
    shim.write_text(f'#!/bin/sh\necho "$*" >> "{state}/aws-calls.txt"\nexec "{_bin("aws")}" "$@"\n')
    shim.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ECS_", "PASSECS_", "COMPOSE_"))}
    env.update(
        HOME=str(home),
        PATH=f"{bindir}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        FAKE_ECS_CLI_STATE=str(state),
        AWS_ENDPOINT_URL=moto_url,
        AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_ACCESS_KEY="benchmarkSecretKeyNotReal",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def _calls(state: Path) -> list[str]:
    ecs = state / "calls.jsonl"
    aws = state / "aws-calls.txt"
    lines = ["ecs-cli " + " ".join(json.loads(x)["argv"]) for x in ecs.read_text().splitlines()] if ecs.exists() else []
    lines += ["aws " + x for x in aws.read_text().splitlines()] if aws.exists() else []
    return lines


def _deploy(env: dict[str, str], project: Path, state: Path) -> tuple[float, list[str]]:
    for log in ("calls.jsonl", "aws-calls.txt"):  # count this deploy's calls only
        (state / log).unlink(missing_ok=True)
    started = time.perf_counter()
    proc = subprocess.run(
        [_bin("passecs"), "deploy", "--json"], cwd=project, env=env, capture_output=True, text=True, check=False
    )
    took = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"deploy failed ({proc.returncode}):\n{proc.stderr}")
    return took, _calls(state)


def _median_ms(argv: list[str], env: dict[str, str], cwd: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=True)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--task-start",
        type=float,
        default=0.0,
        help="seconds the fake ecs-cli pauses per poll while tasks start (the recordings: 6 s; AWS: 30-90 s "
        "in all); 0 is the worst case for the second/first ratio",
    )
    args = parser.parse_args()
    port = _free_port()
    moto = subprocess.Popen(
        [_bin("moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        env=dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1)  # loopback only
                break
            except OSError:
                time.sleep(0.1)
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            env = _setup(work, url)
            env["FAKE_ECS_CLI_POLL"] = str(args.task_start)
            project, state = work / "project", work / "state"
            first, first_calls = _deploy(env, project, state)
            second, second_calls = _deploy(env, project, state)
            print(f"deploy, fresh setup : {first:6.2f} s, {len(first_calls)} subprocesses")
            for c in first_calls:
                print(f"    {c[:110]}")
            print(f"deploy, second run  : {second:6.2f} s, {len(second_calls)} subprocesses")
            for c in second_calls:
                print(f"    {c[:110]}")
            ratio = second / first
            pause = f"fake task start pause {args.task_start:g} s"
            print(f"second/first        : {ratio:.2f} (goal: at most 0.50; {pause})")
            twice = [c for calls in (first_calls, second_calls) for c, n in Counter(calls).items() if n > 1]
            # ps before and after up are two different questions (what runs? does it run now?)
            twice = [c for c in twice if " ps" not in c]
            print(f"calls made twice in one deploy: {twice or 'none'}")

            bare = [
                "ecs-cli", "compose", "-f", "docker-compose.yml", "-f", "docker-compose-ecs.yml",
                "--project-name", "pass", "--ecs-params", "ecs-params.yml", "ps", "--desired-status", "RUNNING",
            ]  # fmt: skip
            bare_ms = _median_ms(bare, env, project, args.runs)
            wrapped_ms = _median_ms([_bin("passecs"), "ps", "--json"], env, project, args.runs)
            print(f"ecs-cli compose ps (bare, fake)  : {bare_ms:6.1f} ms median of {args.runs}")
            print(f"passecs ps --json (wrapping it)  : {wrapped_ms:6.1f} ms median of {args.runs}")
            print(f"passecs overhead per command     : {wrapped_ms - bare_ms:6.1f} ms (goal: at most 100 ms)")
    finally:
        moto.terminate()
        moto.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
