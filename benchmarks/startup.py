"""How fast passecs starts: `passecs --version` (goal: under 150 ms) and `passecs --help`.

Run: python benchmarks/startup.py [--runs N]. Uses the `passecs` console script next to this Python
(or on PATH), runs each command N times after one warm-up, and prints min / median / max in ms.
Exit 1 when the --version median misses the goal, so CI or a developer can use it as a check.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

GOAL_MS = 150.0


def passecs_executable() -> str:
    beside = Path(sys.executable).parent / "passecs"
    if beside.exists():
        return str(beside)
    found = shutil.which("passecs")
    if not found:
        sys.exit("passecs is not installed: pip install .")
    return found


def measure(argv: list[str], runs: int) -> list[float]:
    subprocess.run(argv, capture_output=True, check=True)  # warm the file cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    exe = passecs_executable()
    rows = {
        "passecs --version": measure([exe, "--version"], args.runs),
        "passecs --help": measure([exe, "--help"], args.runs),
        f"{Path(sys.executable).name} -c pass (interpreter alone)": measure([sys.executable, "-c", "pass"], args.runs),
    }
    for name, times in rows.items():
        print(
            f"{name:45s} min {min(times):6.1f} ms  median {statistics.median(times):6.1f} ms  "
            f"max {max(times):6.1f} ms  ({args.runs} runs)"
        )
    median = statistics.median(rows["passecs --version"])
    verdict = "meets" if median < GOAL_MS else "MISSES"
    print(f"passecs --version median {median:.1f} ms {verdict} the {GOAL_MS:.0f} ms goal")
    return 0 if median < GOAL_MS else 1


if __name__ == "__main__":
    sys.exit(main())
